// Section 2, the tech stack: the stack audit, integration graph, renewals and
// utilization (stack/), and tools paid outside the inventory (discovery).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "core/strings.h"
#include "report/internal.h"
#include "stack/discovery/discovery.h"
#include "stack/stack.h"

namespace mops::report::internal {

core::Status GatherStack(store::Database& db, Facts& f, const std::string& cur) {
  Section s("stack", "Tech stack");
  MOPS_ASSIGN_OR_RETURN(stack::Stack st, stack::LoadStack(db));
  const bool recorded = std::any_of(st.tools.begin(), st.tools.end(),
                                    [](const stack::Tool& t) { return t.inferred_from.empty(); });
  if (!recorded) {
    // The tools the imported data names (the stack page shows them) are
    // known, their costs, seats and syncs are not.
    std::vector<std::string> inferred;
    for (const stack::Tool& t : st.tools) inferred.push_back(t.name);
    f.missing["stack"] =
        (inferred.empty() ? std::string("No tool inventory")
                          : "No tool inventory (the imported data comes from " +
                                core::Join(inferred, " and ") + ")") +
        ": import it (mops stack import tools FILE, mops stack import integrations FILE) to "
        "audit cost, overlaps and syncs.";
    s.Missing(f.missing["stack"]);
    f.sections.push_back(std::move(s.j));
    return {};
  }
  stack::Options o;
  o.as_of = f.as_of;
  const stack::AuditReport audit = stack::Audit(st, o);
  const stack::GraphReport graph = stack::Graph(st, o);
  const auto renewals = stack::Renewals(st, o);
  const auto usage = stack::Utilization(st, o);
  auto name = [&](int32_t i) {
    return i >= 0 && static_cast<size_t>(i) < st.tools.size() ? st.tools[i].name
                                                              : std::string("(unknown)");
  };
  auto tool_id = [&](const std::string& n) -> int64_t {
    for (const stack::Tool& t : st.tools) {
      if (t.name == n) return t.id;
    }
    return 0;
  };

  int64_t active = 0;
  for (const stack::Tool& t : st.tools) active += t.IsActive() ? 1 : 0;
  f.metrics["stack.tools"] = static_cast<double>(active);
  f.metrics["stack.annual_cost"] = static_cast<double>(audit.cost.total);

  double overlap_pairs = 0, overlap_saving = 0, underused = 0, unused_cost = 0;
  auto& overlap_ex = f.examples["stack.overlap_pairs"];
  auto& underused_ex = f.examples["stack.underused_tools"];
  Json overlap_rows = Json::array();
  for (const stack::Finding& finding : audit.findings) {
    const std::string tools = core::Join(finding.tools, " + ");
    if (finding.kind == "overlap") {
      ++overlap_pairs;
      overlap_saving += static_cast<double>(std::max<int64_t>(0, finding.annual_impact));
      overlap_ex.push_back(Ex("tool", finding.tools.empty() ? 0 : tool_id(finding.tools[0]), tools,
                              finding.evidence));
      overlap_rows.push_back(
          {tools, finding.evidence, finding.recommendation, Money(finding.annual_impact, cur)});
    } else if (finding.kind == "underused") {
      ++underused;
      unused_cost += static_cast<double>(std::max<int64_t>(0, finding.annual_impact));
      underused_ex.push_back(Ex("tool", finding.tools.empty() ? 0 : tool_id(finding.tools[0]),
                                tools, finding.evidence));
    }
  }
  f.metrics["stack.overlap_pairs"] = overlap_pairs;
  f.metrics["stack.overlap_saving"] = overlap_saving;
  f.metrics["stack.underused_tools"] = underused;
  f.metrics["stack.unused_seat_cost"] = unused_cost;

  double failing = 0, stale = 0;
  Json sync_rows = Json::array();
  for (const stack::SyncIssue& issue : graph.sync_issues) {
    const stack::Integration& in = st.integrations[issue.integration];
    const std::string label = name(in.from) + " -> " + name(in.to);
    Example e = Ex("integration", in.id, label, issue.detail);
    if (issue.problem == "failing") {
      ++failing;
      f.examples["stack.failing_syncs"].push_back(e);
    } else {
      ++stale;
      f.examples["stack.stale_syncs"].push_back(e);
    }
    sync_rows.push_back({label, issue.problem, issue.detail});
  }
  f.metrics["stack.failing_syncs"] = failing;
  f.metrics["stack.stale_syncs"] = stale;
  f.metrics["stack.islands"] = static_cast<double>(graph.islands.size());
  for (int32_t t : graph.islands) {
    f.examples["stack.islands"].push_back(Ex("tool", st.tools[t].id, st.tools[t].name));
  }

  double due = 0, due_cost = 0;
  Json renewal_rows = Json::array();
  for (const stack::Renewal& r : renewals) {
    const stack::Tool& t = st.tools[r.tool];
    if (r.days_to_deadline < 0 || r.days_to_deadline > 90) continue;
    ++due;
    due_cost += static_cast<double>(t.annual_cost);
    const std::string detail = "notice by " + core::FormatDate(r.notice_deadline);
    f.examples["stack.renewals_due"].push_back(Ex("tool", t.id, t.name, detail));
    renewal_rows.push_back({t.name, core::FormatDate(r.renewal_date),
                            core::FormatDate(r.notice_deadline), r.days_to_deadline,
                            Money(t.annual_cost, cur), r.auto_renew ? "yes" : "no"});
  }
  f.metrics["stack.renewals_due"] = due;
  f.metrics["stack.renewals_due_cost"] = due_cost;

  // Discovery: card/accounting spend and sign-ins, when imported.
  auto discovery = stack::discovery::LoadDiscovery(db, f.as_of);
  if (!discovery) return std::unexpected(std::move(discovery).error());
  if (discovery->spend.empty() && discovery->usage.empty()) {
    f.missing["discovery"] =
        "No card, accounting or sign-in export: import them (mops stack discover spend FILE, "
        "mops stack discover usage FILE) to find tools paid outside the inventory.";
  } else {
    double shadow = 0, shadow_cost = 0;
    for (const auto& line : discovery->reconcile.lines) {
      if (line.status != "shadow") continue;
      ++shadow;
      shadow_cost += static_cast<double>(line.actual_cost);
      f.examples["stack.shadow_tools"].push_back(Ex(
          "tool", 0, line.tool, Money(line.actual_cost, cur) + " a year, paid by " + line.payers));
    }
    f.metrics["stack.shadow_tools"] = shadow;
    f.metrics["stack.shadow_cost"] = shadow_cost;
  }

  s.Figure("Active tools", static_cast<double>(active), "count", cur);
  s.Figure("Annual cost", static_cast<double>(audit.cost.total), "money", cur);
  s.Figure("Savings found by the stack audit", static_cast<double>(audit.total_saving), "money",
           cur);
  std::vector<std::string> labels;
  Json cost = Json::array();
  Json cost_values = Json::array();
  for (const stack::CostLine& c : audit.cost.by_category) {
    labels.push_back(c.name);
    cost_values.push_back(static_cast<double>(c.annual_cost));
  }
  s.Chart("Annual cost by category", labels,
          Json::array({{{"name", "annual cost"}, {"values", cost_values}}}), "money");
  Json inventory = Json::array();
  std::map<int32_t, const stack::SeatUsage*> seat_of;
  for (const auto& u : usage) seat_of[u.tool] = &u;
  for (size_t i = 0; i < st.tools.size(); ++i) {
    const stack::Tool& t = st.tools[i];
    auto u = seat_of.find(static_cast<int32_t>(i));
    inventory.push_back(
        {t.name, t.primary.empty() ? t.category : t.primary, t.owner, Money(t.annual_cost, cur),
         t.seats ? std::to_string(*t.seats) : "",
         t.active_seats ? std::to_string(*t.active_seats) : "",
         u != seat_of.end() ? FormatValue(u->second->utilization, "percent", cur) : "",
         t.status.empty() ? "active" : t.status});
  }
  s.Table("Inventory",
          {"tool", "capability", "owner", "annual cost", "seats", "active seats", "utilization",
           "status"},
          inventory);
  if (!overlap_rows.empty()) {
    s.Table("Overlaps", {"tools", "evidence", "recommendation", "saving"}, overlap_rows);
  }
  if (!sync_rows.empty())
    s.Table("Failing and stale syncs", {"integration", "problem", "detail"}, sync_rows);
  if (!graph.islands.empty()) {
    std::vector<std::string> names;
    for (int32_t t : graph.islands) names.push_back(st.tools[t].name);
    s.Note("Islands (no path to the CRM): " + core::Join(names, ", "));
  }
  if (!renewal_rows.empty()) {
    s.Table("Renewal notice deadlines in the next 90 days",
            {"tool", "renewal", "notice by", "days left", "annual cost", "auto-renew"},
            renewal_rows);
  }
  f.sections.push_back(std::move(s.j));
  return {};
}

}  // namespace mops::report::internal
