// JSON and HTML documents of the stack analyses, and option parsing.
#include "stack/report.h"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>

#include "core/numbers.h"
#include "core/strings.h"
#include "stack/internal.h"

namespace mops::stack {
namespace {

double Major(int64_t minor) { return static_cast<double>(minor) / 100.0; }

Json DateOrNull(std::optional<Timestamp> t) { return t ? Json(core::FormatDate(*t)) : Json(); }

template <typename T>
Json Maybe(const std::optional<T>& v) {
  return v ? Json(*v) : Json();
}

}  // namespace

core::Result<Options> ParseOptions(const OptionText& text, Timestamp today) {
  Options o;
  o.as_of = core::FloorDiv(today, core::kSecondsPerDay) * core::kSecondsPerDay;
  if (!core::Trim(text.as_of).empty()) {
    auto t = core::ParseTimestamp(text.as_of);
    if (!t) return core::Fail(std::move(t).error().InField("as_of"));
    o.as_of = *t;
  }
  if (!core::Trim(text.stage).empty()) {
    auto s = ParseStage(text.stage);
    if (!s) return core::Fail(std::move(s).error().InField("stage"));
    o.stage = *s;
  }
  if (!core::Trim(text.budget).empty()) {
    auto b = core::ParseMoneyMinor(core::Trim(text.budget));
    if (!b || *b <= 0) {
      return core::Fail(
          core::MakeError(core::ErrorCode::kInvalidArgument,
                          "budget must be a positive amount, got '" + text.budget + "'")
              .InField("budget"));
    }
    o.marketing_budget = *b;
  }
  if (std::string_view t = core::Trim(text.threshold); !t.empty()) {
    const bool percent = t.ends_with('%');
    auto v = core::ParseDouble(percent ? core::Trim(t.substr(0, t.size() - 1)) : t);
    double x = v ? *v : -1;
    if (v && (percent || x > 1)) x /= 100;
    if (!v || !(x > 0 && x <= 1)) {
      return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                        "utilization threshold must be in (0, 1] or a percentage "
                                        "(70 or 70%), got '" +
                                            text.threshold + "'")
                            .InField("utilization_threshold"));
    }
    o.utilization_threshold = x;
  }
  return o;
}

Json InventoryJson(const Stack& stack, const Options& options) {
  const auto usage = Utilization(stack, options);
  std::map<int32_t, const SeatUsage*> usage_of;
  for (const SeatUsage& u : usage) usage_of[u.tool] = &u;
  const GraphReport graph = Graph(stack, options);
  std::map<int32_t, const Renewal*> renewal_of;
  const auto renewals = Renewals(stack, options);
  for (const Renewal& r : renewals) renewal_of[r.tool] = &r;

  Json tools = Json::array();
  for (size_t i = 0; i < stack.tools.size(); ++i) {
    const Tool& t = stack.tools[i];
    const auto u = usage_of.find(static_cast<int32_t>(i));
    const auto r = renewal_of.find(static_cast<int32_t>(i));
    Json caps = Json::array();
    for (const std::string& c : t.capabilities) caps.push_back(c);
    tools.push_back({
        {"id", t.id},
        {"name", t.name},
        {"vendor", t.vendor},
        {"category", t.category},
        {"primary", t.primary},
        {"capabilities", caps},
        {"catalog_product", t.catalog_product.empty() ? Json() : Json(t.catalog_product)},
        {"inferred_from", t.inferred_from.empty() ? Json() : Json(t.inferred_from)},
        {"owner", t.owner},
        {"annual_cost", Major(t.annual_cost)},
        {"currency", t.currency},
        {"billing_period", t.billing_period},
        {"seats", Maybe(t.seats)},
        {"active_seats", Maybe(t.active_seats)},
        {"utilization", u != usage_of.end() ? Json(u->second->utilization) : Json()},
        {"underused", u != usage_of.end() && u->second->below_threshold},
        {"contract_start", DateOrNull(t.contract_start)},
        {"renewal_date",
         r != renewal_of.end() ? DateOrNull(r->second->renewal_date) : DateOrNull(t.renewal_date)},
        {"notice_days", Maybe(t.notice_days)},
        {"notice_deadline",
         r != renewal_of.end() ? DateOrNull(r->second->notice_deadline) : Json()},
        {"auto_renew", t.auto_renew},
        {"status", t.status.empty() ? std::string("active") : t.status},
        {"sso", Maybe(t.sso)},
        {"dpa_signed", Maybe(t.dpa_signed)},
        {"data_scope", t.data_scope},
        {"reaches_crm", graph.crm >= 0 && graph.reaches_crm[i]},
    });
  }
  Json out = {{"as_of", core::FormatDate(options.as_of)}, {"tools", tools}};
  out["integrations"] = GraphJson(stack, graph)["edges"];
  return out;
}

Json OverlapJson(const Stack& stack, const OverlapReport& overlap) {
  const auto name = [&](int32_t t) { return stack.tools[t].name; };
  Json tools = Json::array();
  for (int32_t t : overlap.tools) tools.push_back(name(t));
  Json caps = Json::array();
  for (const std::string& c : overlap.capabilities)
    caps.push_back({{"id", c}, {"label", CapabilityLabel(c)}});
  Json redundancies = Json::array();
  for (const Redundancy& r : overlap.redundancies) {
    Json names = Json::array();
    for (int32_t t : r.tools) names.push_back(name(t));
    redundancies.push_back({{"capability", r.capability},
                            {"label", CapabilityLabel(r.capability)},
                            {"tools", names},
                            {"primary_count", r.primary_count},
                            {"all_integrated", r.all_integrated},
                            {"any_underused", r.any_underused},
                            {"weight", std::round(r.weight * 100) / 100},
                            {"severity", r.severity}});
  }
  Json pairs = Json::array();
  for (const PairOverlap& p : overlap.pairs) {
    pairs.push_back({{"a", name(p.a)},
                     {"b", name(p.b)},
                     {"shared", p.shared},
                     {"score", std::round(p.score * 1000) / 1000},
                     {"integrated", p.integrated},
                     {"duplicate", p.duplicate},
                     {"finding", internal::IsOverlapFinding(p)},
                     {"retire", name(p.retire)},
                     {"retire_coverage", std::round(p.retire_coverage * 1000) / 1000},
                     {"saving", Major(p.saving)}});
  }
  return {{"tools", tools},         {"capabilities", caps},
          {"cells", overlap.cells}, {"redundancies", redundancies},
          {"pairs", pairs},         {"estimated_saving", Major(overlap.estimated_saving)}};
}

Json UtilizationJson(const Stack& stack, const std::vector<SeatUsage>& usage,
                     const Options& options) {
  Json rows = Json::array();
  for (const SeatUsage& u : usage) {
    rows.push_back({{"tool", stack.tools[u.tool].name},
                    {"seats", u.seats},
                    {"active_seats", u.active_seats},
                    {"utilization", std::round(u.utilization * 1000) / 1000},
                    {"unused_seats", u.unused_seats},
                    {"unused_cost", Major(u.unused_cost)},
                    {"cost_per_active_seat", Major(u.cost_per_active)},
                    {"below_threshold", u.below_threshold}});
  }
  return {{"threshold", options.utilization_threshold}, {"tools", rows}};
}

Json RenewalsJson(const Stack& stack, const std::vector<Renewal>& renewals,
                  std::optional<int64_t> within, const Options& options) {
  Json rows = Json::array();
  for (const Renewal& r : renewals) {
    if (within && (r.days_to_deadline > *within || r.days_to_renewal < 0)) continue;
    const Tool& t = stack.tools[r.tool];
    rows.push_back({{"tool", t.name},
                    {"owner", t.owner},
                    {"annual_cost", Major(t.annual_cost)},
                    {"renewal_date", core::FormatDate(r.renewal_date)},
                    {"notice_days", t.notice_days.value_or(0)},
                    {"notice_deadline", core::FormatDate(r.notice_deadline)},
                    {"days_to_renewal", r.days_to_renewal},
                    {"days_to_deadline", r.days_to_deadline},
                    {"window", r.window},
                    {"auto_renew", r.auto_renew},
                    {"expired", r.expired}});
  }
  return {{"as_of", core::FormatDate(options.as_of)},
          {"within", within ? Json(*within) : Json()},
          {"windows", {30, 60, 90, 120}},
          {"renewals", rows}};
}

Json GraphJson(const Stack& stack, const GraphReport& graph) {
  std::set<int32_t> islands(graph.islands.begin(), graph.islands.end());
  std::map<int32_t, const SyncIssue*> issues;
  for (const SyncIssue& s : graph.sync_issues) issues[s.integration] = &s;
  Json nodes = Json::array();
  for (size_t i = 0; i < stack.tools.size(); ++i) {
    const Tool& t = stack.tools[i];
    if (NameKey(t.status) == "retired") continue;
    nodes.push_back({{"index", i},
                     {"name", t.name},
                     {"category", t.category},
                     {"primary", t.primary},
                     {"status", t.status.empty() ? std::string("active") : t.status},
                     {"crm", static_cast<int32_t>(i) == graph.crm},
                     {"island", islands.contains(static_cast<int32_t>(i))},
                     {"reaches_crm", graph.crm >= 0 && graph.reaches_crm[i]},
                     {"annual_cost", Major(t.annual_cost)}});
  }
  Json edges = Json::array();
  for (size_t k = 0; k < stack.integrations.size(); ++k) {
    const Integration& in = stack.integrations[k];
    auto issue = issues.find(static_cast<int32_t>(k));
    edges.push_back(
        {{"from", in.from >= 0 ? Json(stack.tools[in.from].name) : Json(in.from_name)},
         {"to", in.to >= 0 ? Json(stack.tools[in.to].name) : Json(in.to_name)},
         {"resolved", in.from >= 0 && in.to >= 0},
         {"objects", in.objects},
         {"direction", in.direction},
         {"frequency", in.frequency},
         {"status", in.status},
         {"last_sync_at", in.last_sync_at ? Json(core::FormatTimestamp(*in.last_sync_at)) : Json()},
         {"error_rate", Maybe(in.error_rate)},
         {"problem", issue != issues.end() ? Json(issue->second->problem) : Json()},
         {"detail", issue != issues.end() ? Json(issue->second->detail) : Json()},
         {"inferred_from", in.inferred_from.empty() ? Json() : Json(in.inferred_from)}});
  }
  Json island_names = Json::array();
  for (int32_t t : graph.islands) island_names.push_back(stack.tools[t].name);
  Json flows = Json::array();
  for (const MissingFlow& m : graph.missing_flows) {
    flows.push_back({{"flow", m.flow},
                     {"tool", stack.tools[m.tool].name},
                     {"partial", m.partial},
                     {"detail", m.detail}});
  }
  return {{"crm", graph.crm >= 0 ? Json(stack.tools[graph.crm].name) : Json()},
          {"nodes", nodes},
          {"edges", edges},
          {"islands", island_names},
          {"missing_flows", flows}};
}

Json CostJson(const CostReport& cost, const Options& options) {
  const auto lines = [](const std::vector<CostLine>& v, bool labels) {
    Json out = Json::array();
    for (const CostLine& l : v) {
      out.push_back({{"name", labels ? CapabilityLabel(l.name) : l.name},
                     {"key", l.name},
                     {"annual_cost", Major(l.annual_cost)},
                     {"tools", l.tools}});
    }
    return out;
  };
  return {{"currency", cost.currency},
          {"total", Major(cost.total)},
          {"seats", cost.seats},
          {"active_seats", cost.active_seats},
          {"per_seat", Major(cost.per_seat)},
          {"per_active_seat", Major(cost.per_active_seat)},
          {"by_category", lines(cost.by_category, false)},
          {"by_capability", lines(cost.by_capability, true)},
          {"budget", options.marketing_budget ? Json(Major(*options.marketing_budget)) : Json()},
          {"budget_share", Maybe(cost.budget_share)}};
}

Json GapsJson(const Stack& stack, const GapReport& gaps) {
  Json g = Json::array();
  for (const Gap& x : gaps.gaps) {
    g.push_back({{"capability", x.capability},
                 {"label", CapabilityLabel(x.capability)},
                 {"essential", x.essential},
                 {"typical_annual_cost", Major(x.typical_annual_cost)}});
  }
  Json o = Json::array();
  for (const Overbuilt& x : gaps.overbuilt) {
    Json names = Json::array();
    for (int32_t t : x.tools) names.push_back(stack.tools[t].name);
    o.push_back({{"capability", x.capability.empty() ? Json() : Json(x.capability)},
                 {"tools", names},
                 {"annual_cost", Major(x.annual_cost)},
                 {"detail", x.detail}});
  }
  const ReferenceStack& ref = ReferenceFor(gaps.stage);
  return {{"stage", StageName(gaps.stage)},
          {"reference", ref.description},
          {"typical_tools", {ref.min_tools, ref.max_tools}},
          {"active_tools", gaps.active_tools},
          {"gaps", g},
          {"overbuilt", o},
          {"covered", gaps.covered}};
}

Json AuditJson(const AuditReport& audit, const Options& options) {
  Json findings = Json::array();
  std::map<std::string, int> by_kind, by_severity;
  for (const Finding& f : audit.findings) {
    ++by_kind[f.kind];
    ++by_severity[f.severity];
    findings.push_back({{"kind", f.kind},
                        {"severity", f.severity},
                        {"tools", f.tools},
                        {"evidence", f.evidence},
                        {"action", f.action},
                        {"recommendation", f.recommendation},
                        {"annual_impact", Major(f.annual_impact)}});
  }
  return {{"as_of", core::FormatDate(audit.as_of)},
          {"stage", StageName(audit.stage)},
          {"utilization_threshold", options.utilization_threshold},
          {"findings", findings},
          {"summary",
           {{"findings", audit.findings.size()},
            {"by_kind", by_kind},
            {"by_severity", by_severity},
            {"total_saving", Major(audit.total_saving)},
            {"total_added_cost", Major(audit.total_added_cost)},
            {"currency", audit.cost.currency}}},
          {"cost", CostJson(audit.cost, options)}};
}

std::string AuditHtml(const Stack& stack, const AuditReport& audit, const Options& options) {
  const std::string currency = audit.cost.currency == "mixed" ? "" : audit.cost.currency;
  const auto money = [&](int64_t minor) { return internal::FormatMoney(minor, currency); };
  std::string h;
  h += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       "<title>Marketing tech stack audit</title>\n<style>\n"
       "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;"
       "max-width:72rem;padding:0 1rem;color:#1f2933;line-height:1.45}\n"
       "h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #d9e2ec;"
       "padding-bottom:.3rem}\n.muted{color:#627d98}\n"
       ".cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1.2rem 0}\n"
       ".card{border:1px solid #d9e2ec;border-radius:8px;padding:.8rem 1.1rem;min-width:10rem}\n"
       ".card b{display:block;font-size:1.5rem}\n"
       "table{border-collapse:collapse;width:100%;font-size:.92rem}\n"
       "th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid #e4e7eb;"
       "vertical-align:top}\nth{background:#f5f7fa}\ntd.num{text-align:right;white-space:nowrap}\n"
       ".sev{font-weight:600;border-radius:4px;padding:.1rem .45rem;font-size:.8rem}\n"
       ".high{background:#ffe3e3;color:#a61b1b}.medium{background:#fff3c4;color:#8d5b00}"
       ".low{background:#e3f8ff;color:#0b6e99}\n"
       "@media print{body{margin:0}.card{break-inside:avoid}}\n</style></head><body>\n";
  h += "<h1>Marketing tech stack audit</h1>\n";
  h += fmt::format(
      "<p class=\"muted\">As of {} &middot; {}-stage reference stack &middot; "
      "utilization threshold {:.0f}%</p>\n",
      core::FormatDate(audit.as_of), StageName(audit.stage), options.utilization_threshold * 100);
  int active = 0;
  for (const Tool& t : stack.tools) active += t.IsActive() ? 1 : 0;
  std::map<std::string, int> sev;
  for (const Finding& f : audit.findings) ++sev[f.severity];
  h += "<div class=\"cards\">\n";
  h += fmt::format("<div class=\"card\">Active tools<b>{}</b></div>\n", active);
  h += fmt::format("<div class=\"card\">Annual cost<b>{}</b></div>\n",
                   core::HtmlEscape(money(audit.cost.total)));
  if (audit.cost.budget_share) {
    h += fmt::format("<div class=\"card\">Share of marketing budget<b>{:.1f}%</b></div>\n",
                     *audit.cost.budget_share * 100);
  }
  h += fmt::format("<div class=\"card\">Findings<b>{}</b>{} high, {} medium, {} low</div>\n",
                   audit.findings.size(), sev["high"], sev["medium"], sev["low"]);
  h += fmt::format("<div class=\"card\">Estimated annual saving<b>{}</b></div>\n",
                   core::HtmlEscape(money(audit.total_saving)));
  if (audit.total_added_cost > 0) {
    h += fmt::format("<div class=\"card\">Cost of closing gaps<b>{}</b></div>\n",
                     core::HtmlEscape(money(audit.total_added_cost)));
  }
  h += "</div>\n<h2>Findings</h2>\n<table><thead><tr><th>Severity</th><th>Kind</th><th>Tools</th>"
       "<th>Evidence</th><th>Action</th><th class=\"num\">Annual impact</th></tr></thead><tbody>\n";
  for (const Finding& f : audit.findings) {
    h += fmt::format(
        "<tr><td><span class=\"sev {0}\">{0}</span></td><td>{1}</td><td>{2}</td><td>{3}</td>"
        "<td><b>{4}</b><br>{5}</td><td class=\"num\">{6}</td></tr>\n",
        core::HtmlEscape(f.severity), core::HtmlEscape(f.kind),
        core::HtmlEscape(core::Join(f.tools, ", ")), core::HtmlEscape(f.evidence),
        core::HtmlEscape(f.action), core::HtmlEscape(f.recommendation),
        f.annual_impact == 0 ? std::string("&ndash;") : core::HtmlEscape(money(f.annual_impact)));
  }
  h += "</tbody></table>\n<h2>Cost by category</h2>\n<table><thead><tr><th>Category</th>"
       "<th class=\"num\">Tools</th><th class=\"num\">Annual cost</th><th class=\"num\">Share"
       "</th></tr></thead><tbody>\n";
  for (const CostLine& l : audit.cost.by_category) {
    h += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{:.1f}%</td></tr>\n",
        core::HtmlEscape(l.name), l.tools, core::HtmlEscape(money(l.annual_cost)),
        audit.cost.total > 0
            ? 100.0 * static_cast<double>(l.annual_cost) / static_cast<double>(audit.cost.total)
            : 0.0);
  }
  h += "</tbody></table>\n<h2>Renewals in the next 120 days</h2>\n<table><thead><tr><th>Tool</th>"
       "<th>Notice deadline</th><th>Renewal</th><th>Auto-renew</th><th class=\"num\">Annual cost"
       "</th></tr></thead><tbody>\n";
  for (const Renewal& r : Renewals(stack, options)) {
    if (r.window <= 0) continue;
    h += fmt::format(
        "<tr><td>{}</td><td>{} (in {} days)</td><td>{}</td><td>{}</td>"
        "<td class=\"num\">{}</td></tr>\n",
        core::HtmlEscape(stack.tools[r.tool].name), core::FormatDate(r.notice_deadline),
        r.days_to_deadline, core::FormatDate(r.renewal_date), r.auto_renew ? "yes" : "no",
        core::HtmlEscape(money(stack.tools[r.tool].annual_cost)));
  }
  h += "</tbody></table>\n<p class=\"muted\">Generated by mops. Savings are estimates: the covered "
       "share of a retired tool's cost less the seats its users need elsewhere, and the cost of "
       "unused seats.</p>\n</body></html>\n";
  return h;
}

}  // namespace mops::stack
