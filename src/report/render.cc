// Markdown and standalone HTML renderings of an audit document. Both read
// only the JSON document (so a stored run renders as it was); every string
// that comes from data is escaped (HTML) or stripped of Markdown's table and
// link syntax.
#include <algorithm>
#include <cmath>

#include "core/strings.h"
#include "report/report.h"

namespace mops::report {
namespace {

std::string Str(const Json& j, const char* key, std::string fallback = "") {
  if (!j.is_object() || !j.contains(key)) return fallback;
  const Json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return fallback;
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return fmt::format("{:.2f}", v.get<double>());
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return v.dump();
}

std::string CellText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return fmt::format("{:.2f}", v.get<double>());
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return v.dump();
}

const Json& Arr(const Json& j, const char* key) {
  static const Json kEmpty = Json::array();
  if (!j.is_object() || !j.contains(key) || !j[key].is_array()) return kEmpty;
  return j[key];
}

// Text for a Markdown table cell or line: no pipes, no newlines, no link or
// HTML syntax that a viewer would interpret.
std::string Md(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '|':
        out += "\\|";
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '[':
      case ']':
      case '`':
      case '*':
      case '_':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string ScoreText(const Json& score) {
  return score.is_number() ? std::to_string(score.get<int>()) + "/100" : "no data";
}

std::string Signed(const Json& v) {
  if (!v.is_number()) return "";
  const int n = v.get<int>();
  return n > 0 ? "+" + std::to_string(n) : std::to_string(n);
}

// The sections in area order: each area of the summary with its section
// (an empty one when the document has none for it).
std::vector<Json> SectionsByArea(const Json& audit) {
  std::vector<Json> out;
  const Json& summary = audit.contains("summary") ? audit["summary"] : Json::object();
  for (const Json& a : Arr(summary, "areas")) {
    Json section = {{"area", a.value("area", "")}, {"title", a.value("title", "")}};
    for (const Json& s : Arr(audit, "sections")) {
      if (s.value("area", "") == section["area"]) section = s;
    }
    out.push_back(std::move(section));
  }
  return out;
}

// ------------------------------------------------------------------ Markdown

void MdTable(std::string& out, const Json& table) {
  const Json& columns = Arr(table, "columns");
  if (columns.empty()) return;
  if (!Str(table, "title").empty()) out += "\n**" + Md(Str(table, "title")) + "**\n\n";
  out += "|";
  for (const Json& c : columns) out += " " + Md(CellText(c)) + " |";
  out += "\n|";
  for (size_t i = 0; i < columns.size(); ++i) out += " --- |";
  out += "\n";
  for (const Json& row : Arr(table, "rows")) {
    out += "|";
    for (const Json& cell : row) out += " " + Md(CellText(cell)) + " |";
    out += "\n";
  }
}

void MdFinding(std::string& out, const Json& f) {
  out += fmt::format("\n#### [{}] {} ({})\n\n", Md(Str(f, "severity")), Md(Str(f, "title")),
                     Md(Str(f, "rule")));
  out += "- Evidence: " + Md(Str(f, "evidence")) + "\n";
  for (const Json& e : Arr(f, "examples")) {
    std::string line = "  - " + Md(Str(e, "kind")) + " " + Md(Str(e, "label"));
    if (e.contains("id")) line += " (id " + Str(e, "id") + ")";
    if (!Str(e, "detail").empty()) line += ": " + Md(Str(e, "detail"));
    out += line + "\n";
  }
  out += "- Action: " + Md(Str(f, "action")) + "\n";
  if (f.contains("impact")) {
    out += "- Estimated impact: " + Md(Str(f["impact"], "text")) + " (" +
           Md(Str(f["impact"], "kind")) + ")\n";
  }
  out += "- Effort: " + Md(Str(f, "effort")) + "\n";
}

void MdDiff(std::string& out, const Json& diff) {
  out += "\n## Changes since " + Md(Str(diff, "before_as_of")) + "\n\n";
  out += "| area | before | after | change |\n| --- | --- | --- | --- |\n";
  for (const Json& a : Arr(diff, "areas")) {
    out += fmt::format("| {} | {} | {} | {} |\n", Md(Str(a, "title")), ScoreText(a["before"]),
                       ScoreText(a["after"]), Signed(a["change"]));
  }
  for (const char* kind : {"new", "resolved", "worse", "better"}) {
    const Json& list = Arr(diff, kind);
    out += fmt::format("\n**{}** ({})\n\n", kind, list.size());
    for (const Json& f : list) {
      out += "- " + Md(Str(f, "title")) + " (" + Md(Str(f, "rule")) + ")";
      if (f.contains("before_text")) {
        out += ": " + Md(Str(f, "before_text")) + " -> " + Md(Str(f, "value_text"));
      }
      out += "\n";
    }
  }
}

// ------------------------------------------------------------------ HTML / SVG

const char* kCss = R"CSS(
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;margin:0;background:#f8fafc}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px;border-bottom:2px solid #e2e8f0;padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}.muted{color:#64748b}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:10px 14px;min-width:180px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0}
th,td{border:1px solid #e2e8f0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f5f9}
.finding{background:#fff;border:1px solid #e2e8f0;border-left:5px solid #94a3b8;border-radius:6px;padding:8px 12px;margin:10px 0}
.finding.high{border-left-color:#dc2626}.finding.medium{border-left-color:#f59e0b}.finding.low{border-left-color:#3b82f6}
.sev{display:inline-block;font-size:11px;text-transform:uppercase;border-radius:4px;padding:1px 6px;color:#fff;background:#64748b}
.sev.high{background:#dc2626}.sev.medium{background:#d97706}.sev.low{background:#2563eb}
.nodata{background:#fffbeb;border:1px solid #fde68a;border-radius:6px;padding:6px 10px;margin:6px 0}
svg.chart{width:100%;height:auto;background:#fff;border:1px solid #e2e8f0;border-radius:6px;margin:8px 0}
svg.chart text{font:12px system-ui,sans-serif;fill:#334155}
ol.top li{margin:4px 0}
@media print{body{background:#fff}main{padding:0}.finding,.card,table,svg.chart{break-inside:avoid}h2{break-after:avoid}a{color:inherit;text-decoration:none}}
)CSS";

const char* kColors[] = {"#2563eb", "#f59e0b", "#10b981", "#ef4444"};

std::string Num(double v) { return fmt::format("{:.1f}", v); }

// A horizontal bar chart: one row per label, one bar per series.
std::string SvgBars(const std::string& title, const std::vector<std::string>& labels,
                    const std::vector<std::pair<std::string, std::vector<double>>>& series,
                    std::string_view format, std::string_view currency, double fixed_max = 0) {
  if (labels.empty() || series.empty()) return "";
  const double width = 720, label_w = 200, value_w = 90, top = 34;
  const double bar_h = 14, gap = 3;
  const double group_h = static_cast<double>(series.size()) * (bar_h + gap) + 8;
  const double height = top + group_h * static_cast<double>(labels.size()) + 10;
  double max = fixed_max;
  for (const auto& s : series) {
    for (double v : s.second) max = std::max(max, std::fabs(v));
  }
  if (max <= 0) max = 1;
  const double plot_w = width - label_w - value_w;
  std::string out = fmt::format(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" "
      "role=\"img\" aria-label=\"{}\">",
      Num(width), Num(height), core::HtmlEscape(title));
  out +=
      fmt::format("<text x=\"8\" y=\"20\" font-weight=\"bold\">{}</text>", core::HtmlEscape(title));
  if (series.size() > 1) {
    double x = width - 10;
    for (size_t s = series.size(); s-- > 0;) {
      const double w = 14 + 7.0 * static_cast<double>(series[s].first.size());
      x -= w + 10;
      out += fmt::format(
          "<rect x=\"{}\" y=\"10\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" "
          "y=\"19\">{}</text>",
          Num(x), kColors[s % 4], Num(x + 14), core::HtmlEscape(series[s].first));
    }
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    const double y0 = top + group_h * static_cast<double>(i);
    std::string label = labels[i];
    if (label.size() > 30) label = label.substr(0, 29) + "…";
    out +=
        fmt::format("<text x=\"8\" y=\"{}\">{}</text>", Num(y0 + bar_h), core::HtmlEscape(label));
    for (size_t s = 0; s < series.size(); ++s) {
      const double v = i < series[s].second.size() ? series[s].second[i] : 0;
      const double y = y0 + static_cast<double>(s) * (bar_h + gap);
      const double w = std::max(1.0, plot_w * std::fabs(v) / max);
      out += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" fill=\"{}\"><title>{}: "
          "{}</title></rect>",
          Num(label_w), Num(y), Num(w), Num(bar_h), kColors[s % 4], core::HtmlEscape(labels[i]),
          core::HtmlEscape(FormatValue(v, format, currency)));
      out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>", Num(label_w + w + 6),
                         Num(y + bar_h - 3), core::HtmlEscape(FormatValue(v, format, currency)));
    }
  }
  out += "</svg>";
  return out;
}

std::string SvgChart(const Json& chart, std::string_view currency) {
  std::vector<std::string> labels;
  for (const Json& l : Arr(chart, "labels")) labels.push_back(CellText(l));
  std::vector<std::pair<std::string, std::vector<double>>> series;
  for (const Json& s : Arr(chart, "series")) {
    std::vector<double> values;
    for (const Json& v : Arr(s, "values")) values.push_back(v.is_number() ? v.get<double>() : 0);
    series.emplace_back(Str(s, "name"), std::move(values));
  }
  return SvgBars(Str(chart, "title"), labels, series, Str(chart, "format", "number"), currency);
}

void HtmlTable(std::string& out, const Json& table) {
  const Json& columns = Arr(table, "columns");
  if (columns.empty()) return;
  if (!Str(table, "title").empty()) out += "<h3>" + core::HtmlEscape(Str(table, "title")) + "</h3>";
  out += "<table><thead><tr>";
  for (const Json& c : columns) out += "<th>" + core::HtmlEscape(CellText(c)) + "</th>";
  out += "</tr></thead><tbody>";
  for (const Json& row : Arr(table, "rows")) {
    out += "<tr>";
    for (const Json& cell : row) out += "<td>" + core::HtmlEscape(CellText(cell)) + "</td>";
    out += "</tr>";
  }
  out += "</tbody></table>";
}

void HtmlFinding(std::string& out, const Json& f) {
  const std::string sev = Str(f, "severity");
  out += "<div class=\"finding " + core::HtmlEscape(sev) + "\" data-rule=\"" +
         core::HtmlEscape(Str(f, "rule")) + "\">";
  out += "<div><span class=\"sev " + core::HtmlEscape(sev) + "\">" + core::HtmlEscape(sev) +
         "</span> <b>" + core::HtmlEscape(Str(f, "title")) + "</b> <span class=\"muted\">" +
         core::HtmlEscape(Str(f, "rule")) + "</span></div>";
  out += "<p><b>Evidence.</b> " + core::HtmlEscape(Str(f, "evidence")) + "</p>";
  const Json& examples = Arr(f, "examples");
  if (!examples.empty()) {
    out += "<ul>";
    for (const Json& e : examples) {
      out += "<li>" + core::HtmlEscape(Str(e, "kind")) + " <b>" +
             core::HtmlEscape(Str(e, "label")) + "</b>";
      if (e.contains("id"))
        out += " <span class=\"muted\">#" + core::HtmlEscape(Str(e, "id")) + "</span>";
      if (!Str(e, "detail").empty()) out += ": " + core::HtmlEscape(Str(e, "detail"));
      out += "</li>";
    }
    out += "</ul>";
  }
  out += "<p><b>Action.</b> " + core::HtmlEscape(Str(f, "action")) + "</p>";
  out += "<p class=\"muted\">Effort: " + core::HtmlEscape(Str(f, "effort"));
  if (f.contains("impact")) {
    out += " · Estimated impact: " + core::HtmlEscape(Str(f["impact"], "text")) + " (" +
           core::HtmlEscape(Str(f["impact"], "kind")) + ")";
  }
  out += "</p></div>";
}

void HtmlDiff(std::string& out, const Json& diff) {
  out += "<section id=\"diff\"><h2>Changes since " + core::HtmlEscape(Str(diff, "before_as_of")) +
         "</h2><table><thead><tr><th>area</th><th>before</th><th>after</th><th>change</th></tr>"
         "</thead><tbody>";
  for (const Json& a : Arr(diff, "areas")) {
    out += "<tr><td>" + core::HtmlEscape(Str(a, "title")) + "</td><td>" + ScoreText(a["before"]) +
           "</td><td>" + ScoreText(a["after"]) + "</td><td>" + Signed(a["change"]) + "</td></tr>";
  }
  out += "</tbody></table>";
  for (const char* kind : {"new", "resolved", "worse", "better"}) {
    const Json& list = Arr(diff, kind);
    out += fmt::format("<h3>{} ({})</h3><ul>", kind, list.size());
    for (const Json& f : list) {
      out += "<li>" + core::HtmlEscape(Str(f, "title")) + " <span class=\"muted\">" +
             core::HtmlEscape(Str(f, "rule")) + "</span>";
      if (f.contains("before_text")) {
        out += ": " + core::HtmlEscape(Str(f, "before_text")) + " → " +
               core::HtmlEscape(Str(f, "value_text"));
      }
      out += "</li>";
    }
    out += "</ul>";
  }
  out += "</section>";
}

}  // namespace

std::string Markdown(const Json& audit) {
  const Json& summary = audit.contains("summary") ? audit["summary"] : Json::object();
  std::string out = "# Marketing operations audit\n\nAs of " + Md(Str(audit, "as_of")) + ".\n";
  out +=
      "\n## 1. Executive summary\n\n| area | score | failed | passed | no data |\n"
      "| --- | --- | --- | --- | --- |\n";
  for (const Json& a : Arr(summary, "areas")) {
    out += fmt::format("| {} | {} | {} | {} | {} |\n", Md(Str(a, "title")), ScoreText(a["score"]),
                       Str(a, "failed"), Str(a, "passed"), Str(a, "no_data"));
  }
  out += "\n- Annual savings found: " + Md(Str(summary, "annual_savings_text")) + "\n";
  out += "- Pipeline at risk: " + Md(Str(summary, "pipeline_at_risk_text")) + " (" +
         std::to_string(Arr(summary, "at_risk_opportunities").size()) + " open opportunities)\n";
  out += "\n**Top actions**\n\n";
  int n = 0;
  for (const Json& t : Arr(summary, "top_actions")) {
    out += fmt::format("{}. {} ({}, {} effort", ++n, Md(Str(t, "action")), Md(Str(t, "title")),
                       Md(Str(t, "effort")));
    if (t.contains("impact")) out += ", " + Md(Str(t["impact"], "text"));
    out += ")\n";
  }
  if (n == 0) out += "No finding.\n";
  int number = 2;
  for (const Json& s : SectionsByArea(audit)) {
    const std::string area = Str(s, "area");
    out += fmt::format("\n## {}. {}\n", number++, Md(Str(s, "title")));
    if (!Str(s, "missing").empty()) out += "\n> No data: " + Md(Str(s, "missing")) + "\n";
    if (!Arr(s, "figures").empty()) {
      out += "\n";
      for (const Json& fig : Arr(s, "figures")) {
        out += "- " + Md(Str(fig, "label")) + ": " + Md(Str(fig, "text")) + "\n";
      }
    }
    for (const Json& t : Arr(s, "tables")) MdTable(out, t);
    for (const Json& note : Arr(s, "notes")) out += "\n> " + Md(CellText(note)) + "\n";
    out += "\n### Findings\n";
    bool any = false;
    for (const Json& f : Arr(audit, "findings")) {
      if (Str(f, "area") != area) continue;
      MdFinding(out, f);
      any = true;
    }
    for (const Json& f : Arr(audit, "no_data")) {
      if (Str(f, "area") != area) continue;
      out += "\n- No data (" + Md(Str(f, "rule")) + "): " + Md(Str(f, "action")) + "\n";
      any = true;
    }
    if (!any) out += "\nNo finding: every rule of this area passed.\n";
  }
  if (audit.contains("diff")) MdDiff(out, audit["diff"]);
  return out;
}

std::string Html(const Json& audit) {
  const Json& summary = audit.contains("summary") ? audit["summary"] : Json::object();
  const std::string currency = Str(audit, "currency", "USD");
  std::string out =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width,initial-scale=1\"><title>Marketing operations audit " +
      core::HtmlEscape(Str(audit, "as_of")) + "</title><style>" + kCss +
      "</style></head><body><main>";
  out += "<h1>Marketing operations audit</h1><p class=\"muted\">As of " +
         core::HtmlEscape(Str(audit, "as_of")) + "</p>";

  out += "<section id=\"summary\"><h2>1. Executive summary</h2>";
  std::vector<std::string> labels;
  std::vector<double> scores;
  for (const Json& a : Arr(summary, "areas")) {
    labels.push_back(Str(a, "title") + (a["score"].is_number() ? "" : " (no data)"));
    scores.push_back(a["score"].is_number() ? a["score"].get<double>() : 0);
  }
  out += SvgBars("Score per area (0-100)", labels, {{"score", scores}}, "number", currency, 100);
  out += "<div class=\"cards\"><div class=\"card\">Annual savings found<b>" +
         core::HtmlEscape(Str(summary, "annual_savings_text")) +
         "</b></div><div class=\"card\">Pipeline at risk<b>" +
         core::HtmlEscape(Str(summary, "pipeline_at_risk_text")) + "</b>" +
         std::to_string(Arr(summary, "at_risk_opportunities").size()) +
         " open opportunities</div><div class=\"card\">Findings<b>" +
         std::to_string(Arr(audit, "findings").size()) + "</b>" + Str(summary, "passed") +
         " rules passed</div></div>";
  out += "<h3>Top actions</h3><ol class=\"top\">";
  for (const Json& t : Arr(summary, "top_actions")) {
    out += "<li><b>" + core::HtmlEscape(Str(t, "title")) +
           "</b>: " + core::HtmlEscape(Str(t, "action")) + " <span class=\"muted\">(" +
           core::HtmlEscape(Str(t, "effort")) + " effort";
    if (t.contains("impact")) out += ", " + core::HtmlEscape(Str(t["impact"], "text"));
    out += ")</span></li>";
  }
  out += "</ol></section>";

  int number = 2;
  for (const Json& s : SectionsByArea(audit)) {
    const std::string area = Str(s, "area");
    out += "<section id=\"" + core::HtmlEscape(area) + "\"><h2>" + std::to_string(number++) + ". " +
           core::HtmlEscape(Str(s, "title")) + "</h2>";
    if (!Str(s, "missing").empty()) {
      out += "<div class=\"nodata\">No data: " + core::HtmlEscape(Str(s, "missing")) + "</div>";
    }
    if (!Arr(s, "figures").empty()) {
      out += "<div class=\"cards\">";
      for (const Json& fig : Arr(s, "figures")) {
        out += "<div class=\"card\">" + core::HtmlEscape(Str(fig, "label")) + "<b>" +
               core::HtmlEscape(Str(fig, "text")) + "</b></div>";
      }
      out += "</div>";
    }
    for (const Json& c : Arr(s, "charts")) out += SvgChart(c, currency);
    for (const Json& t : Arr(s, "tables")) HtmlTable(out, t);
    for (const Json& note : Arr(s, "notes")) {
      out += "<p class=\"muted\">" + core::HtmlEscape(CellText(note)) + "</p>";
    }
    out += "<h3>Findings</h3>";
    bool any = false;
    for (const Json& f : Arr(audit, "findings")) {
      if (Str(f, "area") != area) continue;
      HtmlFinding(out, f);
      any = true;
    }
    for (const Json& f : Arr(audit, "no_data")) {
      if (Str(f, "area") != area) continue;
      out += "<div class=\"nodata\" data-rule=\"" + core::HtmlEscape(Str(f, "rule")) + "\">" +
             core::HtmlEscape(Str(f, "title")) + ": " + core::HtmlEscape(Str(f, "action")) +
             "</div>";
      any = true;
    }
    if (!any) out += "<p>No finding: every rule of this area passed.</p>";
    out += "</section>";
  }
  if (audit.contains("diff")) HtmlDiff(out, audit["diff"]);
  out += "<p class=\"muted\">Rules passed: ";
  bool first = true;
  for (const Json& id : Arr(audit, "passed")) {
    out += (first ? "" : ", ") + core::HtmlEscape(CellText(id));
    first = false;
  }
  out += "</p></main></body></html>\n";
  return out;
}

}  // namespace mops::report
