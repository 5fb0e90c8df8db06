// The audit: every engine's result turned into findings with a severity,
// evidence, an action and an annual impact. Also the Graphviz rendering.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/strings.h"
#include "stack/internal.h"
#include "stack/stack.h"

namespace mops::stack {

std::string internal::FormatMoney(int64_t minor, std::string_view currency) {
  const int64_t units = static_cast<int64_t>(std::llround(static_cast<double>(minor) / 100.0));
  std::string digits = std::to_string(units < 0 ? -units : units);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(digits[i]);
  }
  const std::string sign = units < 0 ? "-" : "";
  if (currency.empty() || currency == "USD") return sign + "$" + grouped;
  return sign + grouped + " " + std::string(currency);
}

namespace {

using internal::FormatMoney;

std::string Labels(const std::vector<std::string>& capabilities) {
  std::vector<std::string> out;
  for (const std::string& c : capabilities) out.push_back(CapabilityLabel(c));
  return core::Join(out, ", ");
}

int SeverityRank(std::string_view s) { return s == "high" ? 0 : s == "medium" ? 1 : 2; }

// Capabilities whose tools create or collect customer data: an island among
// them means leads or signals never reach the CRM.
bool ProducesData(const Tool& t) {
  static constexpr std::string_view kData[] = {"marketing_automation",
                                               "email",
                                               "forms",
                                               "chat",
                                               "scheduling",
                                               "webinar",
                                               "events",
                                               "enrichment",
                                               "intent_data",
                                               "abm",
                                               "ads_management",
                                               "surveys",
                                               "landing_pages",
                                               "call_tracking",
                                               "reviews",
                                               "cdp",
                                               "sales_engagement",
                                               "conversation_intelligence",
                                               "product_analytics"};
  for (std::string_view c : kData) {
    if (internal::HasCapability(t, c)) return true;
  }
  return false;
}

}  // namespace

AuditReport Audit(const Stack& stack, const Options& options) {
  AuditReport report;
  report.as_of = options.as_of;
  report.stage = options.stage;
  report.cost = Cost(stack, options);
  const std::string& currency =
      report.cost.currency == "mixed" ? std::string() : report.cost.currency;
  const auto money = [&](int64_t minor) { return FormatMoney(minor, currency); };
  const auto& tools = stack.tools;
  std::vector<Finding>& findings = report.findings;

  const std::vector<SeatUsage> usage = Utilization(stack, options);
  std::map<int32_t, const SeatUsage*> usage_of;
  for (const SeatUsage& u : usage) usage_of[u.tool] = &u;
  const auto usage_text = [&](int32_t t) -> std::string {
    auto it = usage_of.find(t);
    if (it == usage_of.end()) return {};
    return fmt::format("{} uses {} of {} seats ({:.0f}%)", tools[t].name, it->second->active_seats,
                       it->second->seats, it->second->utilization * 100);
  };

  // Tools the workspace has data from but no inventory entry for.
  std::vector<std::string> inferred, because;
  for (const Tool& t : tools) {
    if (t.inferred_from.empty()) continue;
    inferred.push_back(t.name);
    because.push_back(t.name + ": " + t.inferred_from);
  }
  if (!inferred.empty()) {
    Finding f;
    f.kind = "inferred";
    f.severity = "low";
    f.tools = inferred;
    f.evidence =
        "no tool inventory; inferred from the imported data (" + core::Join(because, "; ") + ")";
    f.action = "keep";
    f.recommendation =
        "Import the tool inventory (mops stack import tools FILE) to audit costs, seats and "
        "renewals";
    findings.push_back(std::move(f));
  }

  // Overlap: one finding per consolidation; a tool retired once is not
  // counted again.
  const OverlapReport overlap = Overlap(stack, options);
  std::map<int32_t, std::string> retire_by;  // retired tool -> the tool kept
  for (const PairOverlap& p : overlap.pairs) {
    if (!internal::IsOverlapFinding(p)) continue;
    const int32_t kept = p.a == p.retire ? p.b : p.a;
    const bool first = !retire_by.contains(p.retire);
    Finding f;
    f.kind = "overlap";
    f.tools = {tools[kept].name, tools[p.retire].name};
    const bool underused =
        internal::UtilizationOf(tools[p.retire]) < options.utilization_threshold ||
        internal::UtilizationOf(tools[kept]) < options.utilization_threshold;
    f.severity = p.duplicate && (!p.integrated || underused) ? "high"
                 : p.duplicate                               ? "medium"
                                                             : "low";
    std::vector<std::string> evidence = {
        fmt::format("both cover {} (overlap score {:.2f})", Labels(p.shared), p.score)};
    evidence.push_back(p.integrated ? "they sync with each other"
                                    : "they do not integrate with each other");
    for (int32_t t : {kept, p.retire}) {
      if (std::string u = usage_text(t); !u.empty()) evidence.push_back(u);
    }
    evidence.push_back(fmt::format("{} costs {} a year; {} covers {:.0f}% of it",
                                   tools[p.retire].name, money(tools[p.retire].annual_cost),
                                   tools[kept].name, p.retire_coverage * 100));
    f.evidence = core::Join(evidence, "; ");
    f.action = "consolidate";
    f.recommendation = fmt::format("Consolidate {} on {} and retire {}", Labels(p.shared),
                                   tools[kept].name, tools[p.retire].name);
    f.annual_impact = first ? p.saving : 0;
    if (!first) {
      f.recommendation += " (its saving is counted with " + retire_by[p.retire] + ")";
    }
    retire_by.emplace(p.retire, tools[kept].name);
    findings.push_back(std::move(f));
  }

  // Under-used seats.
  for (const SeatUsage& u : usage) {
    if (!u.below_threshold || tools[u.tool].annual_cost <= 0) continue;
    Finding f;
    f.kind = "underused";
    f.tools = {tools[u.tool].name};
    f.evidence = fmt::format("{}, below the {:.0f}% threshold; {} unused seats cost {} a year",
                             usage_text(u.tool), options.utilization_threshold * 100,
                             u.unused_seats, money(u.unused_cost));
    const bool retiring = retire_by.contains(u.tool);
    f.action = retiring ? "retire" : "renegotiate";
    if (retiring) {
      f.recommendation = "Retire it in the consolidation on " + retire_by[u.tool] +
                         " (its saving is counted there)";
    } else {
      f.recommendation = fmt::format("Reduce {} to {} seats at the next renewal",
                                     tools[u.tool].name, std::max<int64_t>(1, u.active_seats));
      f.annual_impact = u.unused_cost;
    }
    f.severity = u.utilization < 0.3 && u.unused_cost >= 500000 ? "high"
                 : u.unused_cost >= 100000                      ? "medium"
                                                                : "low";
    findings.push_back(std::move(f));
  }

  // Integration map. Between tools inferred from imported data, with no
  // integration list imported, a missing link is a question, not a fact.
  const GraphReport graph = Graph(stack, options);
  const bool links_unknown =
      std::none_of(stack.integrations.begin(), stack.integrations.end(),
                   [](const Integration& in) { return in.inferred_from.empty(); });
  const auto unrecorded = [&](Finding& f, int32_t a, int32_t b) {
    if (!links_unknown || (tools[a].inferred_from.empty() && tools[b].inferred_from.empty())) {
      return;
    }
    f.severity = "medium";
    f.evidence +=
        "; no integration list was imported (the tools are inferred from the data), so a link "
        "may exist unrecorded";
    f.recommendation =
        "Import the integration list (mops stack import integrations FILE) if they are "
        "connected; otherwise: " +
        f.recommendation;
  };
  for (int32_t t : graph.islands) {
    Finding f;
    f.kind = "island";
    f.tools = {tools[t].name};
    const bool data = ProducesData(tools[t]);
    f.severity = data ? "high" : "medium";
    int links = 0;
    for (const Integration& in : stack.integrations) {
      if (internal::Connects(in) && (in.from == t || in.to == t)) ++links;
    }
    f.evidence = fmt::format("{} has no integration path to {}, the system of record ({})",
                             tools[t].name, tools[graph.crm].name,
                             links == 0 ? "no integrations at all"
                                        : fmt::format("{} integrations, none reaching it", links));
    if (data) f.evidence += "; the data it collects never reaches the CRM";
    if (std::string u = usage_text(t); !u.empty()) f.evidence += "; " + u;
    f.action = "add";
    f.recommendation = fmt::format("Connect {} to {} (directly or through the CDP), or retire it",
                                   tools[t].name, tools[graph.crm].name);
    unrecorded(f, t, graph.crm);
    findings.push_back(std::move(f));
  }
  for (const SyncIssue& s : graph.sync_issues) {
    const Integration& in = stack.integrations[s.integration];
    Finding f;
    f.kind = "failing_sync";
    f.tools = {tools[in.from].name, tools[in.to].name};
    f.severity = s.problem == "failing" ? "high" : "medium";
    std::string objects = core::Join(in.objects, ", ");
    f.evidence = fmt::format("{} {} {} sync{} is {}: {}", tools[in.from].name,
                             in.TwoWay() ? "<->" : "->", tools[in.to].name,
                             objects.empty() ? "" : " of " + objects, s.problem, s.detail);
    f.action = "keep";
    f.recommendation =
        s.problem == "failing"
            ? "Fix the sync: records are not reaching " + tools[in.to].name
            : "Resume or re-authorize the sync, or remove it if it is no longer needed";
    findings.push_back(std::move(f));
  }
  for (const MissingFlow& m : graph.missing_flows) {
    Finding f;
    f.kind = "missing_flow";
    f.tools = {tools[graph.crm].name, tools[m.tool].name};
    f.severity = m.partial ? "medium" : m.flow == "crm->ads" ? "medium" : "high";
    f.evidence = m.detail;
    f.action = "add";
    if (m.flow == "marketing_automation<->crm") {
      f.recommendation = m.partial ? "Make the " + tools[m.tool].name + " sync two-way"
                                   : "Connect " + tools[m.tool].name + " to " +
                                         tools[graph.crm].name + " with a two-way sync";
    } else if (m.flow == "crm->ads") {
      f.recommendation = "Send offline conversions (opportunities, closed-won) from " +
                         tools[graph.crm].name + " to " + tools[m.tool].name;
    } else {
      f.recommendation = "Sync opportunities and revenue from " + tools[graph.crm].name + " to " +
                         tools[m.tool].name;
    }
    unrecorded(f, m.tool, graph.crm);
    findings.push_back(std::move(f));
  }
  for (int32_t k : graph.unresolved) {
    const Integration& in = stack.integrations[k];
    Finding f;
    f.kind = "failing_sync";
    f.severity = "low";
    f.tools = {in.from >= 0 ? tools[in.from].name : in.from_name,
               in.to >= 0 ? tools[in.to].name : in.to_name};
    f.evidence = fmt::format("the integration {} -> {} names a tool that is not in the inventory",
                             in.from_name, in.to_name);
    f.action = "add";
    f.recommendation =
        "Add the missing tool to the inventory or correct the integration's tool name";
    findings.push_back(std::move(f));
  }

  // Renewals whose notice deadline falls in the next 90 days, and those
  // whose deadline passed with the renewal still ahead (the contract is
  // locked in for another term: worth knowing, if late).
  for (const Renewal& r : Renewals(stack, options)) {
    const bool passed =
        r.window == -1 && !r.expired && r.days_to_renewal >= 0 && r.days_to_renewal <= 120;
    if (!passed && (r.window <= 0 || r.window > 90)) continue;
    const Tool& t = tools[r.tool];
    Finding f;
    f.kind = "renewal";
    f.tools = {t.name};
    f.severity = passed ? "low" : r.window <= 30 ? "high" : r.window <= 60 ? "medium" : "low";
    f.evidence =
        fmt::format("{} {} on {} ({} a year); notice deadline {} ", t.name,
                    r.auto_renew ? "auto-renews" : "renews", core::FormatDate(r.renewal_date),
                    money(t.annual_cost), core::FormatDate(r.notice_deadline));
    f.evidence += passed ? fmt::format("passed {} days ago", -r.days_to_deadline)
                         : fmt::format("is in {} days", r.days_to_deadline);
    auto u = usage_of.find(r.tool);
    if (passed) {
      f.action = "keep";
      f.recommendation = fmt::format(
          "The notice period has started: ask {} for terms now and diary the next deadline",
          t.vendor.empty() ? t.name : t.vendor);
    } else if (retire_by.contains(r.tool)) {
      f.action = "retire";
      f.recommendation = fmt::format("Give notice by {} and consolidate on {}",
                                     core::FormatDate(r.notice_deadline), retire_by[r.tool]);
    } else if (u != usage_of.end() && u->second->below_threshold) {
      f.action = "renegotiate";
      f.recommendation = fmt::format("Renegotiate before {}: {} seats are unused",
                                     core::FormatDate(r.notice_deadline), u->second->unused_seats);
    } else {
      f.action = "keep";
      f.recommendation =
          fmt::format("Confirm the renewal terms before {}", core::FormatDate(r.notice_deadline));
    }
    findings.push_back(std::move(f));
  }

  // Gaps and over-built areas.
  const GapReport gaps = Gaps(stack, options);
  for (const Gap& g : gaps.gaps) {
    Finding f;
    f.kind = "gap";
    f.severity = g.essential ? "high" : "low";
    f.evidence = fmt::format("no active tool covers {}, {} for a {}-stage stack",
                             CapabilityLabel(g.capability),
                             g.essential ? "essential" : "recommended", StageName(options.stage));
    f.action = "add";
    f.recommendation = "Add " + CapabilityLabel(g.capability);
    if (g.typical_annual_cost > 0) {
      f.recommendation += fmt::format(" (typically about {} a year)", money(g.typical_annual_cost));
    }
    f.annual_impact = -g.typical_annual_cost;
    findings.push_back(std::move(f));
  }
  for (const Overbuilt& o : gaps.overbuilt) {
    Finding f;
    f.kind = "overbuilt";
    for (int32_t t : o.tools) f.tools.push_back(tools[t].name);
    f.evidence = o.detail;
    if (o.capability.empty()) {
      f.severity = "low";
      f.action = "consolidate";
      f.recommendation = "Review the stack for tools that can be consolidated";
    } else {
      f.severity = "medium";
      f.action = "retire";
      f.evidence += fmt::format("; {} a year", money(o.annual_cost));
      f.recommendation =
          "Retire or pause " + CapabilityLabel(o.capability) + " until the company needs it";
      f.annual_impact = o.annual_cost;
    }
    findings.push_back(std::move(f));
  }

  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (SeverityRank(a.severity) != SeverityRank(b.severity)) {
      return SeverityRank(a.severity) < SeverityRank(b.severity);
    }
    return std::abs(a.annual_impact) > std::abs(b.annual_impact);
  });
  for (const Finding& f : findings) {
    if (f.annual_impact > 0) report.total_saving += f.annual_impact;
    if (f.annual_impact < 0) report.total_added_cost -= f.annual_impact;
  }
  return report;
}

std::string GraphDot(const Stack& stack, const GraphReport& graph) {
  const auto quote = [](std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out.push_back('\\');
      if (c == '\n') {
        out += "\\n";
      } else {
        out.push_back(c);
      }
    }
    return out + "\"";
  };
  std::set<int32_t> islands(graph.islands.begin(), graph.islands.end());
  std::map<int32_t, std::string> problems;
  for (const SyncIssue& s : graph.sync_issues) problems[s.integration] = s.problem;
  std::string dot = "digraph stack {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n";
  for (size_t i = 0; i < stack.tools.size(); ++i) {
    const Tool& t = stack.tools[i];
    if (!t.IsActive()) continue;
    std::string attrs =
        "label=" + quote(t.name + "\n" + (t.category.empty() ? t.primary : t.category));
    if (static_cast<int32_t>(i) == graph.crm) attrs += ", penwidth=3";
    if (islands.contains(static_cast<int32_t>(i))) attrs += ", color=red, fontcolor=red";
    dot += fmt::format("  t{} [{}];\n", i, attrs);
  }
  for (size_t k = 0; k < stack.integrations.size(); ++k) {
    const Integration& in = stack.integrations[k];
    if (in.from < 0 || in.to < 0 || !stack.tools[in.from].IsActive() ||
        !stack.tools[in.to].IsActive()) {
      continue;
    }
    std::string attrs = "label=" + quote(core::Join(in.objects, ", "));
    if (in.TwoWay()) attrs += ", dir=both";
    auto p = problems.find(static_cast<int32_t>(k));
    if (p != problems.end()) {
      attrs += p->second == "failing" ? ", color=red" : ", color=orange, style=dashed";
    } else if (!internal::Connects(in)) {
      attrs += ", style=dotted";
    }
    dot += fmt::format("  t{} -> t{} [{}];\n", in.from, in.to, attrs);
  }
  dot += "}\n";
  return dot;
}

}  // namespace mops::stack
