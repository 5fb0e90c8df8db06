// Evaluate: the rules judged on the facts, the area scores, the top actions,
// the savings and the pipeline at risk; and the audit as a JSON document.
#include <algorithm>
#include <cmath>
#include <set>

#include "report/report.h"

namespace mops::report {
namespace {

int Weight(std::string_view severity) {
  if (severity == "high") return 3;
  if (severity == "medium") return 2;
  return 1;
}

bool Fails(const Rule& rule, double value) {
  switch (rule.comparison) {
    case Comparison::kGreater:
      return value > rule.threshold;
    case Comparison::kGreaterOrEqual:
      return value >= rule.threshold;
    case Comparison::kLess:
      return value < rule.threshold;
    case Comparison::kLessOrEqual:
      return value <= rule.threshold;
  }
  return false;
}

std::string Thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string CurrencySymbol(std::string_view currency) {
  if (currency == "USD") return "$";
  if (currency == "EUR") return "€";
  if (currency == "GBP") return "£";
  return std::string(currency) + " ";
}

// The examples named in a template: labels of the first three, and "and N
// more" for the rest (their details are listed with the examples).
std::string ExampleText(const std::vector<Example>& examples, int64_t total) {
  if (examples.empty()) return "none listed";
  std::string out;
  const size_t shown = std::min<size_t>(3, examples.size());
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += ", ";
    out += examples[i].label;
  }
  if (total > static_cast<int64_t>(shown)) out += fmt::format(" and {} more", total - shown);
  return out;
}

// Fills a template: {value}, {threshold}, {examples}, {total} and
// {FORMAT:metric} for any named figure (FORMAT one of the rule formats).
std::string Fill(std::string_view text, const Rule& rule, double value, const Facts& facts,
                 const std::vector<Example>& examples, int64_t total) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '{') {
      out += text[i++];
      continue;
    }
    const size_t close = text.find('}', i);
    if (close == std::string_view::npos) {
      out += text.substr(i);
      break;
    }
    const std::string_view key = text.substr(i + 1, close - i - 1);
    if (key == "value") {
      out += FormatValue(value, rule.format, facts.currency);
    } else if (key == "threshold") {
      out += FormatValue(rule.threshold, rule.format, facts.currency);
    } else if (key == "examples") {
      out += ExampleText(examples, total);
    } else if (key == "total") {
      out += Thousands(total);
    } else if (const size_t colon = key.find(':'); colon != std::string_view::npos) {
      const std::string metric(key.substr(colon + 1));
      auto it = facts.metrics.find(metric);
      out += it == facts.metrics.end()
                 ? std::string("n/a")
                 : FormatValue(it->second, key.substr(0, colon), facts.currency);
    } else {
      out += text.substr(i, close - i + 1);
    }
    i = close + 1;
  }
  return out;
}

}  // namespace

int SeverityRank(std::string_view severity) {
  if (severity == "high") return 0;
  if (severity == "medium") return 1;
  return 2;
}

std::string FormatValue(double value, std::string_view format, std::string_view currency) {
  if (!std::isfinite(value)) return "n/a";
  if (format == "percent") {
    const double pct = value * 100;
    return pct != 0 && std::fabs(pct) < 1 ? fmt::format("{:.1f}%", pct)
                                          : fmt::format("{:.0f}%", pct);
  }
  if (format == "money") {
    return CurrencySymbol(currency) + Thousands(std::llround(value / 100));
  }
  if (format == "number") {
    return std::fabs(value - std::round(value)) < 1e-9 ? Thousands(std::llround(value))
                                                       : fmt::format("{:.2f}", value);
  }
  if (format == "days") return fmt::format("{:.0f} days", value);
  if (format == "minutes") {
    if (value >= 120) return fmt::format("{:.1f} h", value / 60);
    return fmt::format("{:.0f} min", value);
  }
  return Thousands(std::llround(value));
}

Audit Evaluate(const Facts& facts, const std::vector<Rule>& rules, int max_examples) {
  Audit audit;
  audit.as_of = facts.as_of;
  audit.currency = facts.currency;
  audit.sections = facts.sections;
  // Per area: weight judged, weight passed, and the counts.
  std::map<std::string, AreaScore> scores;
  std::map<std::string, int> judged_weight, passed_weight;
  // No-data findings: one per (area, source).
  std::map<std::pair<std::string, std::string>, Finding> missing;
  std::set<int64_t> at_risk;

  for (const Rule& rule : rules) {
    AreaScore& area = scores[rule.area];
    ++area.rules;
    // A rule without its data: the first missing source names why.
    std::string source, why;
    for (const std::string& s : rule.requires_data) {
      if (auto it = facts.missing.find(s); it != facts.missing.end()) {
        source = s;
        why = it->second;
        break;
      }
    }
    auto value_it = facts.metrics.find(rule.metric);
    if (source.empty() && value_it == facts.metrics.end()) {
      source = rule.metric;
      why = "The workspace gives no figure for " + rule.metric + ".";
    }
    if (source.empty() && !rule.sample.empty()) {
      auto s = facts.metrics.find(rule.sample);
      const double n = s == facts.metrics.end() ? 0 : s->second;
      if (n < rule.min_sample) {
        source = rule.sample;
        why = fmt::format("Too little data to judge: {} is {} (at least {} needed).", rule.sample,
                          FormatValue(n, "number", facts.currency),
                          FormatValue(rule.min_sample, "number", facts.currency));
      }
    }
    if (!source.empty()) {
      ++area.no_data;
      Finding& f = missing[{rule.area, source}];
      if (f.rule.empty()) {
        f.rule = "no_data." + source;
        f.area = rule.area;
        f.status = "no_data";
        f.severity = "info";
        f.effort = "low";
        f.title = "Not enough data: " + source;
        f.action = why;
      }
      f.rules.push_back(rule.id);
      continue;
    }
    const double value = value_it->second;
    judged_weight[rule.area] += Weight(rule.severity);
    if (!Fails(rule, value)) {
      ++area.passed;
      passed_weight[rule.area] += Weight(rule.severity);
      audit.passed.push_back(rule.id);
      continue;
    }
    ++area.failed;
    Finding f;
    f.rule = rule.id;
    f.area = rule.area;
    f.title = rule.title;
    f.status = "fail";
    f.severity = rule.severity;
    f.effort = rule.effort;
    f.metric = rule.metric;
    f.value = value;
    f.threshold = rule.threshold;
    f.comparison = std::string(ComparisonText(rule.comparison));
    f.format = rule.format;
    if (auto ex = facts.examples.find(rule.examples); ex != facts.examples.end()) {
      f.example_total = static_cast<int64_t>(ex->second.size());
      const size_t n = std::min<size_t>(ex->second.size(), static_cast<size_t>(max_examples));
      f.examples.assign(ex->second.begin(), ex->second.begin() + static_cast<ptrdiff_t>(n));
    }
    if (auto total = facts.metrics.find(rule.examples + "#total"); total != facts.metrics.end()) {
      f.example_total = static_cast<int64_t>(total->second);
    }
    f.evidence = Fill(rule.evidence, rule, value, facts, f.examples, f.example_total);
    f.action = Fill(rule.action, rule, value, facts, f.examples, f.example_total);
    if (!rule.impact_kind.empty()) {
      f.impact_kind = rule.impact_kind;
      auto m = facts.metrics.find(rule.impact_metric);
      if (m != facts.metrics.end()) {
        f.impact = std::llround(m->second * rule.impact_factor);
      }
    }
    if (!rule.flags.empty()) {
      if (auto fl = facts.flagged_opportunities.find(rule.flags);
          fl != facts.flagged_opportunities.end()) {
        at_risk.insert(fl->second.begin(), fl->second.end());
      }
    }
    audit.findings.push_back(std::move(f));
  }

  std::stable_sort(audit.findings.begin(), audit.findings.end(),
                   [](const Finding& a, const Finding& b) {
                     if (SeverityRank(a.severity) != SeverityRank(b.severity)) {
                       return SeverityRank(a.severity) < SeverityRank(b.severity);
                     }
                     if (a.impact != b.impact) return a.impact > b.impact;
                     return a.rule < b.rule;
                   });
  for (auto& [key, f] : missing) audit.no_data.push_back(std::move(f));

  // Top actions: the most money or pipeline first, then severity.
  std::vector<const Finding*> order;
  for (const Finding& f : audit.findings) order.push_back(&f);
  std::stable_sort(order.begin(), order.end(), [](const Finding* a, const Finding* b) {
    const int64_t ia = a->impact_kind == "cost" ? 0 : a->impact;
    const int64_t ib = b->impact_kind == "cost" ? 0 : b->impact;
    if (ia != ib) return ia > ib;
    return SeverityRank(a->severity) < SeverityRank(b->severity);
  });
  for (size_t i = 0; i < order.size() && i < 5; ++i) audit.top_actions.push_back(order[i]->rule);

  for (const Finding& f : audit.findings) {
    if (f.impact_kind == "saving" && f.impact > 0) audit.annual_savings += f.impact;
  }
  for (int64_t id : at_risk) {
    auto it = facts.open_amounts.find(id);
    if (it == facts.open_amounts.end()) continue;  // closed since: not at risk
    audit.pipeline_at_risk += it->second;
    audit.at_risk_opportunities.push_back(id);
  }

  for (const AreaInfo& info : Areas()) {
    AreaScore s = scores[std::string(info.id)];
    s.area = std::string(info.id);
    s.title = std::string(info.title);
    const int judged = judged_weight[s.area];
    if (judged > 0) {
      s.score = static_cast<int>(
          std::lround(100.0 * static_cast<double>(passed_weight[s.area]) / judged));
    }
    audit.areas.push_back(s);
  }
  return audit;
}

namespace {

Json ExampleJson(const Example& e) {
  Json j = {{"kind", e.kind}, {"label", e.label}};
  if (e.id != 0) j["id"] = e.id;
  if (!e.detail.empty()) j["detail"] = e.detail;
  if (!e.link.empty()) j["link"] = e.link;
  return j;
}

Json FindingJson(const Finding& f, std::string_view currency) {
  Json examples = Json::array();
  for (const Example& e : f.examples) examples.push_back(ExampleJson(e));
  Json j = {{"rule", f.rule},     {"area", f.area},         {"title", f.title},
            {"status", f.status}, {"severity", f.severity}, {"effort", f.effort},
            {"action", f.action}};
  if (f.status == "fail") {
    j["metric"] = f.metric;
    j["value"] = f.value;
    j["value_text"] = FormatValue(f.value, f.format, currency);
    j["threshold"] = f.threshold;
    j["comparison"] = f.comparison;
    j["format"] = f.format;
    j["evidence"] = f.evidence;
    j["examples"] = examples;
    j["example_total"] = f.example_total;
    if (!f.impact_kind.empty()) {
      j["impact"] = {{"kind", f.impact_kind},
                     {"amount", static_cast<double>(f.impact) / 100},
                     {"text", FormatValue(static_cast<double>(f.impact), "money", currency)}};
    }
  } else {
    j["rules"] = f.rules;
  }
  return j;
}

}  // namespace

Json ToJson(const Audit& audit) {
  Json areas = Json::array();
  for (const AreaScore& a : audit.areas) {
    areas.push_back({{"area", a.area},
                     {"title", a.title},
                     {"score", a.score ? Json(*a.score) : Json(nullptr)},
                     {"rules", a.rules},
                     {"passed", a.passed},
                     {"failed", a.failed},
                     {"no_data", a.no_data}});
  }
  Json findings = Json::array();
  for (const Finding& f : audit.findings) findings.push_back(FindingJson(f, audit.currency));
  Json no_data = Json::array();
  for (const Finding& f : audit.no_data) no_data.push_back(FindingJson(f, audit.currency));
  Json top = Json::array();
  for (const std::string& id : audit.top_actions) {
    for (const Finding& f : audit.findings) {
      if (f.rule != id) continue;
      Json t = {{"rule", f.rule},     {"area", f.area},         {"title", f.title},
                {"action", f.action}, {"severity", f.severity}, {"effort", f.effort}};
      if (!f.impact_kind.empty()) {
        t["impact"] = {
            {"kind", f.impact_kind},
            {"amount", static_cast<double>(f.impact) / 100},
            {"text", FormatValue(static_cast<double>(f.impact), "money", audit.currency)}};
      }
      top.push_back(std::move(t));
    }
  }
  return Json{{"schema", "mops.audit/1"},
              {"as_of", core::FormatDate(audit.as_of)},
              {"currency", audit.currency},
              {"summary",
               {{"areas", areas},
                {"top_actions", top},
                {"annual_savings", static_cast<double>(audit.annual_savings) / 100},
                {"annual_savings_text",
                 FormatValue(static_cast<double>(audit.annual_savings), "money", audit.currency)},
                {"pipeline_at_risk", static_cast<double>(audit.pipeline_at_risk) / 100},
                {"pipeline_at_risk_text",
                 FormatValue(static_cast<double>(audit.pipeline_at_risk), "money", audit.currency)},
                {"at_risk_opportunities", audit.at_risk_opportunities},
                {"findings", audit.findings.size()},
                {"passed", audit.passed.size()}}},
              {"findings", findings},
              {"no_data", no_data},
              {"passed", audit.passed},
              {"sections", audit.sections}};
}

}  // namespace mops::report
