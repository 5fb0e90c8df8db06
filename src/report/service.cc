// The audit on a workspace: gathers the facts of each area through the other
// slices' services (never re-computing what they compute), runs the engine,
// and stores runs in audit_runs.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include "analytics/analytics.h"
#include "attribution/attribution.h"
#include "campaigns/campaigns.h"
#include "core/strings.h"
#include "leads/leads.h"
#include "leads/report.h"
#include "quality/linkage/linkage.h"
#include "quality/quality.h"
#include "report/report.h"
#include "stack/discovery/discovery.h"
#include "stack/stack.h"
#include "store/database.h"

namespace mops::report {
namespace {

using store::Value;

constexpr size_t kKeep = 20;  // example records kept per figure

// ------------------------------------------------------------ section helpers

struct Section {
  Json j;
  Section(std::string_view area, std::string_view title) {
    j = {{"area", area},
         {"title", title},
         {"figures", Json::array()},
         {"charts", Json::array()},
         {"tables", Json::array()},
         {"notes", Json::array()}};
  }
  void Figure(std::string label, double value, std::string format, std::string_view currency) {
    j["figures"].push_back({{"label", std::move(label)},
                            {"value", value},
                            {"text", FormatValue(value, format, currency)}});
  }
  void Missing(std::string text) {
    if (!j.contains("missing")) j["missing"] = std::move(text);
  }
  void Note(std::string text) { j["notes"].push_back(std::move(text)); }
  void Table(std::string title, std::vector<std::string> columns, Json rows) {
    j["tables"].push_back(
        {{"title", std::move(title)}, {"columns", columns}, {"rows", std::move(rows)}});
  }
  void Chart(std::string title, std::vector<std::string> labels, Json series, std::string format) {
    if (labels.empty()) return;
    j["charts"].push_back({{"title", std::move(title)},
                           {"labels", labels},
                           {"series", std::move(series)},
                           {"format", std::move(format)}});
  }
};

double Share(double part, double whole) { return whole > 0 ? part / whole : 0; }

std::string Money(int64_t minor, std::string_view currency) {
  return FormatValue(static_cast<double>(minor), "money", currency);
}

Example Ex(std::string kind, int64_t id, std::string label, std::string detail = {}) {
  Example e;
  e.kind = std::move(kind);
  e.id = id;
  e.label = std::move(label);
  e.detail = std::move(detail);
  if (id != 0) {
    if (e.kind == "contact") e.link = "#/leads?contact=" + std::to_string(id);
    if (e.kind == "opportunity") e.link = "#/attribution?opportunity=" + std::to_string(id);
    if (e.kind == "campaign") e.link = "#/campaigns?campaign=" + std::to_string(id);
    if (e.kind == "tool" || e.kind == "integration") e.link = "#/stack";
    if (e.kind == "account") e.link = "#/quality?account=" + std::to_string(id);
  }
  return e;
}

core::Result<int64_t> Count(store::Database& db, std::string_view sql,
                            std::vector<Value> params = {}) {
  MOPS_ASSIGN_OR_RETURN(Value v, db.QueryValue(sql, params));
  return store::AsInt(v);
}

// ------------------------------------------------------------------ stack

core::Status GatherStack(store::Database& db, Facts& f, const std::string& cur) {
  Section s("stack", "Tech stack");
  MOPS_ASSIGN_OR_RETURN(stack::Stack st, stack::LoadStack(db));
  const bool recorded = std::any_of(st.tools.begin(), st.tools.end(),
                                    [](const stack::Tool& t) { return t.inferred_from.empty(); });
  if (!recorded) {
    f.missing["stack"] =
        "No tool inventory: import it (mops stack import tools FILE, mops stack import "
        "integrations FILE) to audit cost, overlaps and syncs.";
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

// ------------------------------------------------------------------ attribution

core::Status GatherAttribution(store::Database& db, Facts& f, const std::string& cur) {
  Section s("attribution", "Attribution health");
  MOPS_ASSIGN_OR_RETURN(int64_t opportunities, Count(db, "SELECT COUNT(*) FROM opportunities"));
  MOPS_ASSIGN_OR_RETURN(int64_t touches, Count(db, "SELECT COUNT(*) FROM touchpoints"));
  if (opportunities == 0 || touches == 0) {
    f.missing["attribution"] =
        "No opportunities or no touchpoints: import opportunities with their contact roles "
        "and the marketing touches (mops import), then attribution can be judged.";
    s.Missing(f.missing["attribution"]);
    f.sections.push_back(std::move(s.j));
    return {};
  }
  f.metrics["attribution.opportunities"] = static_cast<double>(opportunities);

  // Open opportunities and their amounts (the pipeline at risk counts these).
  MOPS_ASSIGN_OR_RETURN(store::Rows opps,
                        db.Query("SELECT id, COALESCE(name, ''), COALESCE(amount, 0), is_closed "
                                 "FROM opportunities ORDER BY id"));
  std::map<int64_t, std::pair<std::string, int64_t>> opp_info;
  for (const auto& r : opps.rows) {
    const int64_t id = store::AsInt(r[0]);
    opp_info[id] = {store::AsText(r[1]), store::AsInt(r[2])};
    if (store::AsInt(r[3]) == 0) f.open_amounts[id] = store::AsInt(r[2]);
  }

  // Credit per channel under first touch and W-shaped, created pipeline and
  // won revenue: from the newest stored runs when the workspace has them
  // (what the attribution page shows), else from the engine on the
  // workspace's journeys now (not stored). Money in minor units.
  double pipeline = 0, unattributed = 0;
  std::vector<int64_t> unattributed_ids;
  std::map<std::string, std::pair<double, double>> by_channel;  // first touch, W-shaped
  std::optional<double> revenue, revenue_unattributed;
  MOPS_ASSIGN_OR_RETURN(std::vector<attribution::RunInfo> runs, attribution::ListRuns(db, 50));
  const attribution::RunInfo* stored_created = nullptr;
  const attribution::RunInfo* stored_won = nullptr;
  for (const attribution::RunInfo& run : runs) {
    const std::string models = "," + run.models + ",";
    if (!stored_created && run.conversion == "created" &&
        models.find(",first_touch,") != std::string::npos &&
        models.find(",w_shaped,") != std::string::npos) {
      stored_created = &run;
    }
    if (!stored_won && run.conversion == "won") stored_won = &run;
  }
  if (stored_created != nullptr) {
    MOPS_ASSIGN_OR_RETURN(attribution::StoredRun run, attribution::LoadRun(db, stored_created->id));
    pipeline = run.info.value * 100;
    for (const auto& r : run.results) {
      if (r.dimension != "channel") continue;
      if (r.key == "(unattributed)") {
        if (r.model == "first_touch") unattributed = r.value * 100;
        continue;
      }
      if (r.model == "first_touch") by_channel[r.key].first += r.value * 100;
      if (r.model == "w_shaped") by_channel[r.key].second += r.value * 100;
    }
    MOPS_ASSIGN_OR_RETURN(auto credited,
                          attribution::RunCredits(db, run.info.id, "first_touch", "(unattributed)",
                                                  std::numeric_limits<int>::max()));
    for (const auto& c : credited) unattributed_ids.push_back(c.conversion_id);
    s.Note(fmt::format("Figures from stored attribution run #{} ({}).", run.info.id,
                       core::FormatTimestamp(run.info.created_at)));
  } else {
    MOPS_ASSIGN_OR_RETURN(attribution::RunRequest request, attribution::DefaultRequest(db));
    request.models = {attribution::Model::kFirstTouch, attribution::Model::kWShaped};
    request.store = false;
    request.conversion = attribution::ConversionKind::kCreated;
    request.to = f.as_of + 1;
    MOPS_ASSIGN_OR_RETURN(attribution::RunReport created, attribution::Run(db, request, "audit"));
    pipeline = created.value * 100;
    unattributed = created.unattributed_value * 100;
    for (const attribution::ConversionCredit& c : created.credits) {
      if (c.model == attribution::Model::kFirstTouch && c.channel == "(unattributed)") {
        unattributed_ids.push_back(c.conversion_id);
      }
    }
    for (const attribution::ModelTotals& m : created.models) {
      const auto& totals = m.by[static_cast<size_t>(attribution::Dimension::kChannel)];
      for (size_t k = 0; k < totals.keys.size(); ++k) {
        if (totals.keys[k] == "(unattributed)") continue;
        auto& slot = by_channel[totals.keys[k]];
        (m.model == attribution::Model::kFirstTouch ? slot.first : slot.second) +=
            totals.value[k] * 100;
      }
    }
  }
  if (stored_won != nullptr) {
    MOPS_ASSIGN_OR_RETURN(attribution::StoredRun run, attribution::LoadRun(db, stored_won->id));
    revenue = run.info.value * 100;
    revenue_unattributed = 0;
    const std::string first_model = run.info.models.substr(0, run.info.models.find(','));
    for (const auto& r : run.results) {
      if (r.dimension == "channel" && r.key == "(unattributed)" && r.model == first_model) {
        *revenue_unattributed += r.value * 100;
      }
    }
  } else {
    MOPS_ASSIGN_OR_RETURN(int64_t won,
                          Count(db, "SELECT COUNT(*) FROM opportunities WHERE is_won = 1"));
    if (won > 0) {
      MOPS_ASSIGN_OR_RETURN(attribution::RunRequest request, attribution::DefaultRequest(db));
      request.models = {attribution::Model::kFirstTouch};
      request.store = false;
      request.conversion = attribution::ConversionKind::kWon;
      request.to = f.as_of + 1;
      MOPS_ASSIGN_OR_RETURN(attribution::RunReport won_run, attribution::Run(db, request, "audit"));
      revenue = won_run.value * 100;
      revenue_unattributed = won_run.unattributed_value * 100;
    }
  }

  f.metrics["attribution.pipeline"] = pipeline;
  f.metrics["attribution.unattributed_pipeline"] = unattributed;
  f.metrics["attribution.unattributed_pipeline_share"] = Share(unattributed, pipeline);
  double unattributed_open = 0;
  for (int64_t id : unattributed_ids) {
    const auto& [name, amount] = opp_info[id];
    if (f.open_amounts.contains(id)) {
      unattributed_open += static_cast<double>(amount);
      f.flagged_opportunities["attribution.unattributed_opportunities"].push_back(id);
    }
    auto& ex = f.examples["attribution.unattributed_opportunities"];
    if (ex.size() < kKeep) ex.push_back(Ex("opportunity", id, name, Money(amount, cur)));
  }
  const int64_t unattributed_count = static_cast<int64_t>(unattributed_ids.size());
  f.metrics["attribution.unattributed_opportunities"] = static_cast<double>(unattributed_count);
  f.metrics["attribution.unattributed_opportunities#total"] =
      static_cast<double>(unattributed_count);
  f.metrics["attribution.unattributed_open_pipeline"] = unattributed_open;
  std::optional<double> revenue_share;
  if (revenue) {
    revenue_share = 1 - Share(*revenue_unattributed, *revenue);
    f.metrics["attribution.attributable_revenue_share"] = *revenue_share;
  }

  // Touches: web touches of tagged channels without UTMs, touches without a channel.
  constexpr std::string_view kUntagged =
      "COALESCE(url, '') <> '' AND COALESCE(channel, '') NOT IN ('direct', 'organic_search', "
      "'organic_social', 'referral', 'review_sites')";
  constexpr std::string_view kNoUtm =
      " AND COALESCE(source, '') = '' AND COALESCE(medium, '') = '' AND COALESCE(utm_campaign, "
      "'') = ''";
  // One scan for the three counts.
  constexpr std::string_view kNoChannel = "COALESCE(channel, '') IN ('', 'other')";
  MOPS_ASSIGN_OR_RETURN(
      store::Rows counts,
      db.Query(fmt::format("SELECT COALESCE(SUM(CASE WHEN {0} THEN 1 ELSE 0 END), 0), "
                           "COALESCE(SUM(CASE WHEN {0}{1} THEN 1 ELSE 0 END), 0), "
                           "COALESCE(SUM(CASE WHEN {2} THEN 1 ELSE 0 END), 0) FROM touchpoints",
                           kUntagged, kNoUtm, kNoChannel)));
  const int64_t web = store::AsInt(counts.rows.at(0).at(0));
  const int64_t no_utm = store::AsInt(counts.rows.at(0).at(1));
  const int64_t no_channel = store::AsInt(counts.rows.at(0).at(2));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows no_utm_rows,
      db.Query(fmt::format("SELECT id, contact_id, COALESCE(channel, ''), COALESCE(url, '') FROM "
                           "touchpoints WHERE {}{} ORDER BY id LIMIT {}",
                           kUntagged, kNoUtm, kKeep)));
  for (const auto& r : no_utm_rows.rows) {
    const int64_t contact = store::AsInt(r[1]);
    Example e = Ex("touchpoint", store::AsInt(r[0]), store::AsText(r[3]),
                   store::AsText(r[2]).empty() ? "no channel" : store::AsText(r[2]));
    if (contact != 0) e.link = "#/leads?contact=" + std::to_string(contact);
    f.examples["attribution.touches_without_utm"].push_back(std::move(e));
  }
  f.metrics["attribution.web_touches"] = static_cast<double>(web);
  f.metrics["attribution.touches_without_utm"] = static_cast<double>(no_utm);
  f.metrics["attribution.touches_without_utm#total"] = static_cast<double>(no_utm);
  f.metrics["attribution.touches_without_utm_share"] =
      Share(static_cast<double>(no_utm), static_cast<double>(web));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows no_channel_rows,
      db.Query(fmt::format("SELECT id, contact_id, type, COALESCE(source, '') FROM touchpoints "
                           "WHERE {} ORDER BY id LIMIT {}",
                           kNoChannel, kKeep)));
  for (const auto& r : no_channel_rows.rows) {
    Example e = Ex("touchpoint", store::AsInt(r[0]), store::AsText(r[2]),
                   store::AsText(r[3]).empty() ? "no source" : "source " + store::AsText(r[3]));
    if (store::AsInt(r[1]) != 0) e.link = "#/leads?contact=" + std::to_string(store::AsInt(r[1]));
    f.examples["attribution.touches_without_channel"].push_back(std::move(e));
  }
  f.metrics["attribution.touches_without_channel"] = static_cast<double>(no_channel);
  f.metrics["attribution.touches_without_channel#total"] = static_cast<double>(no_channel);
  f.metrics["attribution.touches_without_channel_share"] =
      Share(static_cast<double>(no_channel), static_cast<double>(touches));

  // Opportunities without contact roles.
  MOPS_ASSIGN_OR_RETURN(
      store::Rows no_roles,
      db.Query("SELECT o.id FROM opportunities o WHERE NOT EXISTS (SELECT 1 FROM "
               "opportunity_contacts r WHERE r.opportunity_id = o.id) ORDER BY o.id"));
  double no_roles_open = 0;
  for (const auto& r : no_roles.rows) {
    const int64_t id = store::AsInt(r[0]);
    const auto& [name, amount] = opp_info[id];
    auto& ex = f.examples["attribution.opportunities_without_roles"];
    if (ex.size() < kKeep) ex.push_back(Ex("opportunity", id, name, Money(amount, cur)));
    if (f.open_amounts.contains(id)) {
      no_roles_open += static_cast<double>(amount);
      f.flagged_opportunities["attribution.opportunities_without_roles"].push_back(id);
    }
  }
  f.metrics["attribution.opportunities_without_roles"] = static_cast<double>(no_roles.size());
  f.metrics["attribution.opportunities_without_roles#total"] = static_cast<double>(no_roles.size());
  f.metrics["attribution.opportunities_without_roles_share"] =
      Share(static_cast<double>(no_roles.size()), static_cast<double>(opportunities));
  f.metrics["attribution.no_roles_open_pipeline"] = no_roles_open;

  // Contacts without any touch.
  MOPS_ASSIGN_OR_RETURN(int64_t contacts,
                        Count(db, "SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL"));
  constexpr std::string_view kUntouched =
      "c.merged_into IS NULL AND NOT EXISTS (SELECT 1 FROM touchpoints t WHERE t.contact_id = "
      "c.id)";
  MOPS_ASSIGN_OR_RETURN(
      int64_t untouched,
      Count(db, fmt::format("SELECT COUNT(*) FROM contacts c WHERE {}", kUntouched)));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows untouched_rows,
      db.Query(fmt::format("SELECT c.id, COALESCE(c.email, '') FROM contacts c WHERE {} ORDER BY "
                           "c.id LIMIT {}",
                           kUntouched, kKeep)));
  for (const auto& r : untouched_rows.rows) {
    f.examples["attribution.contacts_without_touches"].push_back(
        Ex("contact", store::AsInt(r[0]), store::AsText(r[1])));
  }
  f.metrics["attribution.contacts_without_touches"] = static_cast<double>(untouched);
  f.metrics["attribution.contacts_without_touches#total"] = static_cast<double>(untouched);
  f.metrics["attribution.contacts_without_touches_share"] =
      Share(static_cast<double>(untouched), static_cast<double>(contacts));

  // First touch vs W-shaped: how much credit moves between channels.
  double moved = 0, attributed = 0;
  struct Shift {
    std::string channel;
    double first, w;
  };
  std::vector<Shift> shifts;
  for (const auto& [channel, v] : by_channel) {
    if (v.first == 0 && v.second == 0) continue;
    moved += std::fabs(v.second - v.first);
    attributed += v.first;
    shifts.push_back({channel, v.first, v.second});
  }
  f.metrics["attribution.model_disagreement"] = Share(moved / 2, attributed);
  std::sort(shifts.begin(), shifts.end(), [](const Shift& a, const Shift& b) {
    return std::fabs(a.w - a.first) > std::fabs(b.w - b.first);
  });
  Json channel_rows = Json::array();
  Json gainers = Json::array(), losers = Json::array();
  std::vector<std::string> labels;
  Json first_values = Json::array(), w_values = Json::array();
  for (const Shift& sh : shifts) {
    const double delta = sh.w - sh.first;
    const std::string detail = (delta >= 0 ? "+" : "-") +
                               Money(std::llround(std::fabs(delta)), cur) + " under W-shaped (" +
                               Money(std::llround(sh.first), cur) + " -> " +
                               Money(std::llround(sh.w), cur) + ")";
    if (f.examples["attribution.model_shifts"].size() < kKeep && std::fabs(delta) >= 1) {
      f.examples["attribution.model_shifts"].push_back(Ex("channel", 0, sh.channel, detail));
    }
    channel_rows.push_back({sh.channel, Money(std::llround(sh.first), cur),
                            Money(std::llround(sh.w), cur),
                            (delta >= 0 ? "+" : "-") + Money(std::llround(std::fabs(delta)), cur)});
    labels.push_back(sh.channel);
    first_values.push_back(sh.first);
    w_values.push_back(sh.w);
  }
  for (const Shift& sh : shifts) {
    const double delta = sh.w - sh.first;
    if (delta > 0 && gainers.size() < 3) gainers.push_back(sh.channel);
    if (delta < 0 && losers.size() < 3) losers.push_back(sh.channel);
  }

  s.Figure("Created pipeline", pipeline, "money", cur);
  s.Figure("Attributable pipeline", 1 - Share(unattributed, pipeline), "percent", cur);
  if (revenue_share) {
    s.Figure("Won revenue", *revenue, "money", cur);
    s.Figure("Attributable revenue", *revenue_share, "percent", cur);
  }
  s.Figure("Unattributed opportunities", static_cast<double>(unattributed_count), "count", cur);
  s.Figure("Opportunities without contact roles", static_cast<double>(no_roles.size()), "count",
           cur);
  s.Figure("Web touches without UTM", static_cast<double>(no_utm), "count", cur);
  s.Figure("Touches without channel", static_cast<double>(no_channel), "count", cur);
  s.Figure("Contacts without touches", static_cast<double>(untouched), "count", cur);
  s.Figure("Credit that moves between models", Share(moved / 2, attributed), "percent", cur);
  s.Chart("Pipeline credit by channel: first touch vs W-shaped", labels,
          Json::array({{{"name", "first touch"}, {"values", first_values}},
                       {{"name", "W-shaped"}, {"values", w_values}}}),
          "money");
  s.Table("Credit by channel", {"channel", "first touch", "W-shaped", "change"}, channel_rows);
  s.j["gainers"] = gainers;
  s.j["losers"] = losers;
  if (!gainers.empty() || !losers.empty()) {
    auto list = [](const Json& a) {
      std::string out;
      for (const Json& x : a) out += (out.empty() ? "" : ", ") + x.get<std::string>();
      return out.empty() ? std::string("none") : out;
    };
    s.Note("Gain most under W-shaped: " + list(gainers) + ". Lose most: " + list(losers) + ".");
  }
  f.sections.push_back(std::move(s.j));
  return {};
}

// ------------------------------------------------------------------ data quality

core::Status GatherData(store::Database& db, Facts& f, const std::string& cur) {
  Section s("data", "Data quality");
  MOPS_ASSIGN_OR_RETURN(int64_t contacts,
                        Count(db, "SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL"));
  if (contacts == 0) {
    f.missing["quality"] = "No contacts: import contacts and accounts (mops import) first.";
    s.Missing(f.missing["quality"]);
    f.sections.push_back(std::move(s.j));
    return {};
  }
  quality::CheckOptions check;
  check.as_of = f.as_of;
  check.store = false;
  check.actor = "audit";
  MOPS_ASSIGN_OR_RETURN(quality::CheckReport report, quality::Check(db, check));
  Json score_rows = Json::array();
  double lowest = 101;
  for (const quality::EntityScore& e : report.scores) {
    if (e.source_system.empty()) {
      f.metrics["data." + std::string(e.entity == "contacts" ? "contact" : "account") + "_score"] =
          std::round(e.score * 10) / 10;
    } else {
      lowest = std::min(lowest, e.score);
    }
    score_rows.push_back({e.entity, e.source_system.empty() ? "(all)" : e.source_system, e.records,
                          fmt::format("{:.1f}", e.score)});
  }
  if (lowest <= 100) f.metrics["data.lowest_source_score"] = lowest;
  Json violation_rows = Json::array();
  for (const quality::RuleSummary& r : report.rules) {
    if (r.failed == 0) continue;
    f.examples["data.top_violations"].push_back(
        Ex("rule", 0, r.name, fmt::format("{} of {} {}", r.failed, r.checked, r.entity)));
    if (violation_rows.size() < 10) {
      std::string ids;
      for (const quality::Violation& v : r.examples) {
        ids += (ids.empty() ? "" : ", ") + std::to_string(v.record_id);
      }
      violation_rows.push_back({r.name, r.entity, r.failed, r.checked, ids});
    }
  }

  // Standardization: what a run would change, by the standardization engine
  // on the records (nothing written); past kSample records of an entity, on
  // an evenly spread sample of them (every k-th id), and the share is the
  // sample's.
  constexpr int64_t kSample = 20000;
  std::map<std::string, int64_t> per_field;
  int64_t sampled_contacts = 0, sampled_accounts = 0;
  bool sampled = false;
  {
    const int64_t stride = std::max<int64_t>(1, (contacts + kSample - 1) / kSample);
    sampled |= stride > 1;
    MOPS_ASSIGN_OR_RETURN(
        store::Rows rows,
        db.Query("SELECT id, email, first_name, last_name, title, seniority, department, phone, "
                 "company_name, country, state, email_status, email_suggestion, phone_type, "
                 "phone_valid FROM contacts WHERE merged_into IS NULL AND id % ? = 0 ORDER BY id",
                 std::vector<Value>{stride}));
    std::vector<quality::ContactFields> records;
    for (const auto& r : rows.rows) {
      quality::ContactFields c;
      c.id = store::AsInt(r[0]);
      std::string* text[] = {&c.email,     &c.first_name, &c.last_name,    &c.title,
                             &c.seniority, &c.department, &c.phone,        &c.company_name,
                             &c.country,   &c.state,      &c.email_status, &c.email_suggestion,
                             &c.phone_type};
      for (size_t i = 0; i < std::size(text); ++i) *text[i] = store::AsText(r[i + 1]);
      if (!store::IsNull(r[14])) c.phone_valid = store::AsInt(r[14]);
      records.push_back(std::move(c));
    }
    sampled_contacts = static_cast<int64_t>(records.size());
    for (const auto& changes : quality::StandardizeContacts(records)) {
      std::set<std::string> seen;
      for (const quality::FieldChange& c : changes) seen.insert("contacts." + c.field);
      for (const std::string& field : seen) ++per_field[field];
    }
  }
  {
    MOPS_ASSIGN_OR_RETURN(int64_t accounts,
                          Count(db, "SELECT COUNT(*) FROM accounts WHERE merged_into IS NULL"));
    const int64_t stride = std::max<int64_t>(1, (accounts + kSample - 1) / kSample);
    sampled |= stride > 1;
    MOPS_ASSIGN_OR_RETURN(
        store::Rows rows,
        db.Query("SELECT id, name, domain, website, country, state, company_key FROM accounts "
                 "WHERE merged_into IS NULL AND id % ? = 0 ORDER BY id",
                 std::vector<Value>{stride}));
    std::vector<quality::AccountFields> records;
    for (const auto& r : rows.rows) {
      quality::AccountFields a;
      a.id = store::AsInt(r[0]);
      std::string* text[] = {&a.name, &a.domain, &a.website, &a.country, &a.state, &a.company_key};
      for (size_t i = 0; i < std::size(text); ++i) *text[i] = store::AsText(r[i + 1]);
      records.push_back(std::move(a));
    }
    sampled_accounts = static_cast<int64_t>(records.size());
    for (const auto& changes : quality::StandardizeAccounts(records)) {
      std::set<std::string> seen;
      for (const quality::FieldChange& c : changes) seen.insert("accounts." + c.field);
      for (const std::string& field : seen) ++per_field[field];
    }
  }
  // Fields standardization fills as what it learned (email status, phone
  // type and validity, company keys) are not values out of standard form.
  static const std::set<std::string> kLearned = {"contacts.email_status",
                                                 "contacts.email_suggestion", "contacts.phone_type",
                                                 "contacts.phone_valid", "accounts.company_key"};
  std::vector<std::pair<std::string, int64_t>> fields;
  double worst = 0;
  for (const auto& [field, n] : per_field) {
    if (kLearned.contains(field)) continue;
    const double of =
        static_cast<double>(field.starts_with("accounts.") ? sampled_accounts : sampled_contacts);
    worst = std::max(worst, Share(static_cast<double>(n), of));
    fields.emplace_back(field, n);
  }
  f.metrics["data.standardization_share"] = worst;
  std::sort(fields.begin(), fields.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [field, n] : fields) {
    f.examples["data.standardization_fields"].push_back(
        Ex("field", 0, field,
           fmt::format("{} of {} records{}", n,
                       field.starts_with("accounts.") ? sampled_accounts : sampled_contacts,
                       sampled ? " sampled" : "")));
  }
  if (sampled) {
    s.Note(
        fmt::format("Standardization estimated on {} contacts and {} accounts spread evenly "
                    "over the workspace.",
                    sampled_contacts, sampled_accounts));
  }

  // Duplicates: the matcher's stored pairs (a match run is needed).
  MOPS_ASSIGN_OR_RETURN(
      int64_t trained,
      Count(db, "SELECT COUNT(*) FROM configs WHERE name = 'linkage.model.contacts'"));
  Json dup = nullptr;
  if (trained == 0) {
    f.missing["duplicates"] =
        "The duplicate matcher has not run on contacts: run mops quality match --entity contacts "
        "to estimate duplicates.";
  } else {
    MOPS_ASSIGN_OR_RETURN(int64_t likely, quality::linkage::CountPairs(db, "contacts", "match"));
    MOPS_ASSIGN_OR_RETURN(int64_t review, quality::linkage::CountPairs(db, "contacts", "review"));
    MOPS_ASSIGN_OR_RETURN(auto clusters, quality::linkage::MatchedClusters(db, "contacts"));
    int64_t estimated = 0;
    for (const auto& c : clusters) estimated += static_cast<int64_t>(c.size()) - 1;
    MOPS_ASSIGN_OR_RETURN(auto pairs, quality::linkage::FoundPairs(db, "contacts", 0.5, kKeep));
    for (const auto& p : pairs) {
      Example e =
          Ex("contact", p.record_a, fmt::format("contacts {} and {}", p.record_a, p.record_b),
             fmt::format("p = {:.2f}, {}", p.probability, p.status));
      f.examples["data.duplicate_pairs"].push_back(std::move(e));
    }
    f.metrics["data.duplicate_pairs"] = static_cast<double>(likely + review);
    f.metrics["data.duplicate_pairs#total"] = static_cast<double>(likely + review);
    f.metrics["data.estimated_duplicates"] = static_cast<double>(estimated);
    f.metrics["data.duplicate_rate"] =
        Share(static_cast<double>(estimated), static_cast<double>(contacts));
    dup = {{"likely_pairs", likely}, {"review_pairs", review}, {"estimated", estimated}};
  }

  // Completeness of the fields that scoring and routing read.
  MOPS_ASSIGN_OR_RETURN(leads::ScoringConfig scoring, leads::LoadScoringConfig(db));
  MOPS_ASSIGN_OR_RETURN(leads::RoutingConfig routing, leads::LoadRoutingConfig(db));
  static const std::set<std::string> kContactColumns = {
      "email",        "title",   "seniority", "department", "phone",
      "company_name", "country", "state",     "city",       "original_source"};
  static const std::set<std::string> kAccountColumns = {
      "name", "industry", "employees", "annual_revenue", "country", "state", "domain", "city"};
  std::set<std::string> needed;
  for (const leads::Group& g : scoring.groups) {
    for (const leads::FitRule& r : g.fit_rules) needed.insert(r.field);
  }
  for (const leads::RoutingRule& r : routing.rules) {
    if (!r.when.countries.empty()) needed.insert("country");
    if (!r.when.states.empty()) needed.insert("state");
    if (!r.when.industries.empty()) needed.insert("account.industry");
    if (r.when.min_employees || r.when.max_employees) needed.insert("account.employees");
    if (!r.when.sources.empty()) needed.insert("original_source");
  }
  std::vector<std::string> columns;
  std::string select;
  for (const std::string& field : needed) {
    std::string expr;
    if (field.starts_with("account.") && kAccountColumns.contains(field.substr(8))) {
      const std::string col = "a." + field.substr(8);
      expr = field == "account.employees" || field == "account.annual_revenue"
                 ? "COUNT(" + col + ")"
                 : "SUM(CASE WHEN COALESCE(" + col + ", '') <> '' THEN 1 ELSE 0 END)";
    } else if (kContactColumns.contains(field)) {
      expr = "SUM(CASE WHEN COALESCE(c." + field + ", '') <> '' THEN 1 ELSE 0 END)";
    } else {
      continue;  // derived attributes (email_domain, ...) follow from the columns
    }
    columns.push_back(field);
    select += (select.empty() ? "" : ", ") + expr;
  }
  Json completeness_rows = Json::array();
  if (!columns.empty()) {
    MOPS_ASSIGN_OR_RETURN(
        store::Rows filled,
        db.Query("SELECT " + select +
                 " FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id WHERE "
                 "c.merged_into IS NULL"));
    double least = 1;
    std::vector<std::pair<double, std::string>> shares;
    for (size_t i = 0; i < columns.size(); ++i) {
      const double share =
          Share(store::AsDouble(filled.rows.at(0).at(i)), static_cast<double>(contacts));
      least = std::min(least, share);
      shares.emplace_back(share, columns[i]);
      completeness_rows.push_back({columns[i], FormatValue(share, "percent", cur)});
    }
    std::sort(shares.begin(), shares.end());
    for (const auto& [share, field] : shares) {
      if (share >= 0.999) continue;
      f.examples["data.routing_fields"].push_back(
          Ex("field", 0, field, FormatValue(share, "percent", cur) + " filled"));
    }
    f.metrics["data.routing_fields_completeness"] = least;
  }

  s.Figure("Contacts", static_cast<double>(contacts), "count", cur);
  if (f.metrics.contains("data.contact_score")) {
    s.Figure("Contact score", f.metrics["data.contact_score"], "number", cur);
  }
  if (f.metrics.contains("data.account_score")) {
    s.Figure("Account score", f.metrics["data.account_score"], "number", cur);
  }
  if (f.metrics.contains("data.estimated_duplicates")) {
    s.Figure("Estimated duplicate contacts", f.metrics["data.estimated_duplicates"], "count", cur);
  }
  s.Figure("Most affected field: records to standardize", worst, "percent", cur);
  std::vector<std::string> labels;
  Json values = Json::array();
  for (const quality::EntityScore& e : report.scores) {
    labels.push_back(e.entity + (e.source_system.empty() ? "" : " / " + e.source_system));
    values.push_back(e.score);
  }
  s.Chart("Quality score by entity and source", labels,
          Json::array({{{"name", "score"}, {"values", values}}}), "number");
  s.Table("Scores", {"entity", "source", "records", "score"}, score_rows);
  if (!violation_rows.empty()) {
    s.Table("Top violations", {"rule", "entity", "failed", "checked", "example record ids"},
            violation_rows);
  }
  if (!completeness_rows.empty()) {
    s.Table("Fields scoring and routing read", {"field", "filled"}, completeness_rows);
  }
  if (dup.is_null()) s.Note(f.missing["duplicates"]);
  s.j["duplicates"] = dup;
  f.sections.push_back(std::move(s.j));
  return {};
}

// ------------------------------------------------------------------ lead management

core::Status GatherLeads(store::Database& db, Facts& f, const std::string& cur) {
  Section s("leads", "Lead management");
  MOPS_ASSIGN_OR_RETURN(
      int64_t staged,
      Count(db,
            "SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL AND lifecycle_stage IN "
            "('mql', 'sql', 'opportunity', 'customer')"));
  MOPS_ASSIGN_OR_RETURN(int64_t history,
                        Count(db, "SELECT COUNT(*) FROM lifecycle_history WHERE stage = 'mql'"));
  if (staged == 0 && history == 0) {
    f.missing["leads"] =
        "No contact has reached MQL: import lifecycle stages and their history, or score the "
        "contacts (mops leads score) to judge lead management.";
    s.Missing(f.missing["leads"]);
    f.sections.push_back(std::move(s.j));
    return {};
  }
  MOPS_ASSIGN_OR_RETURN(Json queue, leads::RoutingQueue(db, static_cast<int>(kKeep)));
  f.metrics["leads.unowned_mqls"] = queue["total"].get<double>();
  f.metrics["leads.unowned_mqls#total"] = queue["total"].get<double>();
  for (const Json& item : queue["items"]) {
    const std::string name = item["name"].get<std::string>();
    f.examples["leads.unowned_mqls"].push_back(Ex(
        "contact", item["contact_id"].get<int64_t>(),
        name.empty() ? item["email"].get<std::string>() : name, item["queue"].get<std::string>()));
  }
  // Owners over capacity: open leads (mql, sql) as routing counts them.
  MOPS_ASSIGN_OR_RETURN(
      store::Rows over,
      db.Query("SELECT u.id, COALESCE(u.name, u.email, ''), u.capacity, (SELECT COUNT(*) FROM "
               "contacts c WHERE c.owner_id = u.id AND c.merged_into IS NULL AND "
               "c.lifecycle_stage IN ('mql', 'sql')) AS open FROM users u WHERE u.capacity > 0 "
               "ORDER BY u.id"));
  double over_capacity = 0;
  for (const auto& r : over.rows) {
    const int64_t capacity = store::AsInt(r[2]), open = store::AsInt(r[3]);
    if (open <= capacity) continue;
    ++over_capacity;
    Example e = Ex("user", store::AsInt(r[0]), store::AsText(r[1]),
                   fmt::format("{} open leads, capacity {}", open, capacity));
    e.link = "#/leads";
    f.examples["leads.owners_over_capacity"].push_back(std::move(e));
  }
  f.metrics["leads.owners_over_capacity"] = over_capacity;

  MOPS_ASSIGN_OR_RETURN(leads::SlaReport sla, leads::SlaReportOf(db, f.as_of));
  int64_t met = 0, breached = 0, at_risk = 0, open = 0;
  std::vector<double> minutes;
  for (const leads::SlaStatus& st : sla.all) {
    if (st.state == "met") ++met;
    if (st.state == "breached") ++breached;
    if (st.state == "at_risk") ++at_risk;
    if (st.state == "open") ++open;
    if (st.minutes_to_touch >= 0) minutes.push_back(static_cast<double>(st.minutes_to_touch));
  }
  for (const leads::SlaStatus& st : sla.escalations) {
    if (st.state != "breached") continue;
    if (f.examples["leads.sla_breaches"].size() >= kKeep) break;
    MOPS_ASSIGN_OR_RETURN(Value email, db.QueryValue("SELECT email FROM contacts WHERE id = ?",
                                                     std::vector<Value>{st.contact_id}));
    const std::string label = store::AsText(email);
    f.examples["leads.sla_breaches"].push_back(
        Ex("contact", st.contact_id,
           label.empty() ? "contact " + std::to_string(st.contact_id) : label,
           fmt::format("{} min overdue, tier {}", st.overdue_minutes, st.tier)));
  }
  f.metrics["leads.sla_breaches#total"] = static_cast<double>(breached);
  f.metrics["leads.sla_judged"] = static_cast<double>(met + breached);
  f.metrics["leads.sla_breached"] = static_cast<double>(breached);
  f.metrics["leads.sla_compliance"] =
      Share(static_cast<double>(met), static_cast<double>(met + breached));
  std::sort(minutes.begin(), minutes.end());
  if (!minutes.empty()) f.metrics["leads.median_minutes_to_touch"] = minutes[minutes.size() / 2];
  int64_t mql = 0, sql = 0, opp = 0, won = 0;
  Json funnel_rows = Json::array();
  for (const leads::FunnelMonth& m : sla.funnel) {
    mql += m.mql;
    sql += m.sql;
    opp += m.opportunity;
    won += m.won;
    funnel_rows.push_back({m.month, m.mql, m.sal, m.sql, m.opportunity, m.won});
  }
  f.metrics["leads.mqls"] = static_cast<double>(mql);
  f.metrics["leads.mql_to_sql"] = Share(static_cast<double>(sql), static_cast<double>(mql));

  MOPS_ASSIGN_OR_RETURN(int64_t scored, Count(db, "SELECT COUNT(*) FROM lead_scores"));
  Json backtest = nullptr;
  if (scored == 0) {
    f.missing["scoring"] =
        "No lead scores: run mops leads score, then the backtest can judge the scoring model.";
  } else {
    // Scores as of 90 days ago against the opportunities of the 90 days
    // since: the horizon has to have happened.
    constexpr int64_t kHorizonDays = 90;
    MOPS_ASSIGN_OR_RETURN(
        leads::BacktestReport bt,
        leads::RunBacktest(db, f.as_of - kHorizonDays * 86400, kHorizonDays, std::nullopt));
    const leads::BacktestResult& r = bt.stored;
    f.metrics["leads.scored_contacts"] = static_cast<double>(r.contacts);
    f.metrics["leads.backtest_converted"] = static_cast<double>(r.converted);
    f.metrics["leads.backtest_auc"] = r.auc;
    f.metrics["leads.backtest_lift"] = r.deciles.empty() ? 0 : r.deciles.front().lift;
    f.metrics["leads.mql_share"] =
        Share(static_cast<double>(r.mqls), static_cast<double>(r.contacts));
    backtest = {{"contacts", r.contacts}, {"converted", r.converted},
                {"auc", r.auc},           {"top_decile_lift", f.metrics["leads.backtest_lift"]},
                {"mqls", r.mqls},         {"mql_rate", r.mql_rate}};
  }

  s.Figure("MQLs", static_cast<double>(mql), "count", cur);
  s.Figure("MQL to SQL", f.metrics["leads.mql_to_sql"], "percent", cur);
  if (met + breached > 0)
    s.Figure("SLA compliance", f.metrics["leads.sla_compliance"], "percent", cur);
  if (f.metrics.contains("leads.median_minutes_to_touch")) {
    s.Figure("Median speed to lead", f.metrics["leads.median_minutes_to_touch"], "minutes", cur);
  }
  s.Figure("MQLs without owner", f.metrics["leads.unowned_mqls"], "count", cur);
  s.Figure("Owners over capacity", over_capacity, "count", cur);
  if (!backtest.is_null()) {
    s.Figure("Score AUC", f.metrics["leads.backtest_auc"], "number", cur);
    s.Figure("Top decile lift", f.metrics["leads.backtest_lift"], "number", cur);
  } else {
    s.Note(f.missing["scoring"]);
  }
  s.Chart("Handoff funnel", {"MQL", "SQL", "Opportunity", "Won"},
          Json::array({{{"name", "contacts"}, {"values", {mql, sql, opp, won}}}}), "count");
  s.Table("SLA", {"met", "breached", "at risk", "open"},
          Json::array({{met, breached, at_risk, open}}));
  if (!funnel_rows.empty()) {
    s.Table("Handoff funnel by MQL month", {"month", "mql", "sal", "sql", "opportunity", "won"},
            funnel_rows);
  }
  s.j["backtest"] = backtest;
  f.sections.push_back(std::move(s.j));
  return {};
}

// ------------------------------------------------------------------ campaigns

core::Status GatherCampaigns(store::Database& db, Facts& f, const std::string& cur) {
  Section s("campaigns", "Campaign operations");
  MOPS_ASSIGN_OR_RETURN(std::vector<campaigns::CampaignRecord> list, campaigns::ListCampaigns(db));
  if (list.empty()) {
    f.missing["campaigns"] =
        "No campaigns: import them (mops import campaigns FILE) or create them (mops campaigns "
        "create) to audit budgets, dates and approvals.";
    s.Missing(f.missing["campaigns"]);
    f.sections.push_back(std::move(s.j));
    return {};
  }
  using campaigns::State;
  MOPS_ASSIGN_OR_RETURN(campaigns::NamingRules naming, campaigns::LoadNamingRules(db));
  MOPS_ASSIGN_OR_RETURN(campaigns::StoredCheck utm, campaigns::CheckStoredUtms(db, naming));
  Json utm_rows = Json::array();
  if (utm.with_utm == 0) {
    f.missing["utms"] = "No touchpoint carries UTMs: nothing to check against the naming rules.";
  } else {
    f.metrics["campaigns.utm_violations"] = static_cast<double>(utm.touchpoints_affected);
    f.metrics["campaigns.utm_violation_share"] =
        Share(static_cast<double>(utm.touchpoints_affected), static_cast<double>(utm.with_utm));
    for (const campaigns::StoredViolation& v : utm.violations) {
      if (f.examples["campaigns.utm_violation_share"].size() < kKeep) {
        f.examples["campaigns.utm_violation_share"].push_back(
            Ex("utm", 0, v.param + "=" + v.value,
               fmt::format("{} touches; {}", v.touchpoints,
                           v.suggestion.empty() ? v.message : "use '" + v.suggestion + "'")));
      }
      if (utm_rows.size() < 15) {
        utm_rows.push_back({v.param, v.value, v.touchpoints, v.message, v.suggestion});
      }
    }
    f.metrics["campaigns.utm_violation_share#total"] = static_cast<double>(utm.violations.size());
  }

  double no_budget = 0, outside = 0, unapproved = 0, over = 0, overspend = 0;
  int64_t budget_total = 0, actual_total = 0;
  Json budget_rows = Json::array();
  for (const campaigns::CampaignRecord& c : list) {
    const campaigns::CampaignFields& k = c.fields;
    const State st = k.state;
    const bool planned_or_run = st != State::kCancelled && st != State::kDraft;
    if (planned_or_run && k.budget <= 0) {
      ++no_budget;
      f.examples["campaigns.without_budget"].push_back(
          Ex("campaign", k.id, k.name, std::string(campaigns::StateName(st))));
    }
    const bool running = st == State::kLive || st == State::kScheduled;
    if ((running && k.end_date && *k.end_date < f.as_of) ||
        (st == State::kLive && k.start_date && *k.start_date > f.as_of)) {
      ++outside;
      f.examples["campaigns.outside_dates"].push_back(
          Ex("campaign", k.id, k.name,
             fmt::format("{} {} - {}", campaigns::StateName(st),
                         k.start_date ? core::FormatDate(*k.start_date) : "?",
                         k.end_date ? core::FormatDate(*k.end_date) : "?")));
    }
    if (c.in_workflow && (running || st == State::kCompleted)) {
      MOPS_ASSIGN_OR_RETURN(campaigns::CampaignApprovals approvals,
                            campaigns::LoadApprovals(db, k.id, f.as_of));
      std::map<int, bool> round_ok;
      for (const campaigns::Step& step : approvals.steps) {
        const bool ok = step.decision == campaigns::Decision::kApproved ||
                        step.decision == campaigns::Decision::kApprovedWithChanges;
        auto [it, fresh] = round_ok.emplace(step.round, ok);
        if (!fresh) it->second = it->second && ok;
      }
      const bool approved =
          std::any_of(round_ok.begin(), round_ok.end(), [](const auto& r) { return r.second; });
      if (!approved) {
        ++unapproved;
        f.examples["campaigns.unapproved_launches"].push_back(Ex(
            "campaign", k.id, k.name,
            std::string(campaigns::StateName(st)) +
                (approvals.steps.empty() ? ", never sent for approval" : ", no approved round")));
      }
    }
    if (k.budget > 0 && st != State::kCancelled && st != State::kDraft) {
      MOPS_ASSIGN_OR_RETURN(campaigns::BudgetResult b,
                            campaigns::CampaignBudget(db, k.id, f.as_of));
      budget_total += b.report.budget;
      actual_total += b.report.actual;
      if (b.report.over_budget) {
        ++over;
        overspend += static_cast<double>(-b.report.variance);
        f.examples["campaigns.over_budget"].push_back(
            Ex("campaign", k.id, k.name,
               Money(b.report.actual, cur) + " of " + Money(b.report.budget, cur)));
        budget_rows.push_back({k.name, Money(b.report.budget, cur), Money(b.report.actual, cur),
                               Money(b.report.variance, cur)});
      }
    }
  }
  f.metrics["campaigns.campaigns"] = static_cast<double>(list.size());
  f.metrics["campaigns.without_budget"] = no_budget;
  f.metrics["campaigns.outside_dates"] = outside;
  f.metrics["campaigns.unapproved_launches"] = unapproved;
  f.metrics["campaigns.over_budget"] = over;
  f.metrics["campaigns.overspend"] = overspend;

  s.Figure("Campaigns", static_cast<double>(list.size()), "count", cur);
  s.Figure("Budgeted", static_cast<double>(budget_total), "money", cur);
  s.Figure("Spent", static_cast<double>(actual_total), "money", cur);
  if (utm.with_utm > 0) {
    s.Figure("Touches with UTMs breaking the rules", f.metrics["campaigns.utm_violation_share"],
             "percent", cur);
  }
  s.Chart(
      "Campaign problems", {"without budget", "outside dates", "unapproved launch", "over budget"},
      Json::array({{{"name", "campaigns"}, {"values", {no_budget, outside, unapproved, over}}}}),
      "count");
  if (!utm_rows.empty()) {
    s.Table("UTM violations", {"parameter", "value", "touches", "problem", "suggestion"}, utm_rows);
  }
  if (!budget_rows.empty()) {
    s.Table("Over budget", {"campaign", "budget", "actual", "variance"}, budget_rows);
  }
  f.sections.push_back(std::move(s.j));
  return {};
}

// ------------------------------------------------------------------ reporting

core::Status GatherReporting(store::Database& db, Facts& f, const std::string& cur) {
  Section s("reporting", "Reporting");
  MOPS_ASSIGN_OR_RETURN(int64_t opportunities, Count(db, "SELECT COUNT(*) FROM opportunities"));
  MOPS_ASSIGN_OR_RETURN(int64_t stages, Count(db, "SELECT COUNT(*) FROM lifecycle_history"));
  if (opportunities == 0 && stages == 0) {
    f.missing["reporting"] =
        "No opportunities and no lifecycle history: import them to report the funnel, CAC and "
        "ROI.";
    s.Missing(f.missing["reporting"]);
    f.sections.push_back(std::move(s.j));
    return {};
  }
  MOPS_ASSIGN_OR_RETURN(analytics::Dataset d, analytics::LoadDataset(db));

  // The lifecycle funnel.
  analytics::FunnelOptions funnel;
  for (std::string_view step :
       {"stage:lead", "stage:mql", "stage:sql", "stage:opportunity", "stage:customer"}) {
    MOPS_ASSIGN_OR_RETURN(analytics::StepSpec spec, analytics::ParseStep(step));
    funnel.steps.push_back(spec);
  }
  funnel.entry.to = f.as_of + 1;
  MOPS_ASSIGN_OR_RETURN(analytics::FunnelReport fr, analytics::Funnel(d, funnel));
  std::vector<std::string> labels;
  Json counts = Json::array(), funnel_rows = Json::array();
  for (const analytics::FunnelStep& step : fr.total.steps) {
    labels.push_back(step.label);
    counts.push_back(step.count);
    funnel_rows.push_back(
        {step.label, step.count, FormatValue(step.step_conversion, "percent", cur),
         FormatValue(step.overall, "percent", cur), fmt::format("{:.0f}", step.median_days)});
  }

  // Velocity: how many stage transitions skipped a stage (backfilled).
  analytics::VelocityOptions velocity;
  velocity.period.to = f.as_of + 1;
  const analytics::VelocityReport vr = analytics::Velocity(d, velocity);
  int64_t transitions = 0, skipped = 0;
  for (const analytics::VelocityRow& row : vr.rows) {
    if (row.entity != "contact" || !row.segment.empty() || !row.quarter.empty()) continue;
    transitions += row.count;
    skipped += row.skipped;
  }
  f.metrics["reporting.stage_transitions"] = static_cast<double>(transitions);
  f.metrics["reporting.skipped_stage_share"] =
      Share(static_cast<double>(skipped), static_cast<double>(transitions));

  // Spend, CAC and payback over the last four quarters.
  const bool spend = !d.spend_id.empty();
  Json cac_rows = Json::array();
  if (!spend) {
    f.missing["spend"] =
        "No ad spend: import it (mops spend import FILE) to compute CAC, payback and ROI.";
    s.Note(f.missing["spend"]);
  } else {
    analytics::CacOptions cac_options;
    cac_options.period.to = f.as_of + 1;
    const analytics::CacReport cac = analytics::Cac(d, cac_options);
    int64_t spent = 0, customers = 0;
    double payback_sum = 0, mrr = 0;
    const size_t first = cac.quarters.size() > 4 ? cac.quarters.size() - 4 : 0;
    for (size_t i = first; i < cac.quarters.size(); ++i) {
      const analytics::CacRow& q = cac.quarters[i];
      spent += q.blended_spend;
      customers += q.new_customers;
      mrr += q.new_mrr;
      payback_sum += q.payback_months * static_cast<double>(q.new_customers);
      cac_rows.push_back({q.period, Money(q.blended_spend, cur), q.new_customers,
                          fmt::format("{:.0f}", q.blended_cac),
                          fmt::format("{:.1f}", q.payback_months)});
    }
    f.metrics["reporting.new_customers"] = static_cast<double>(customers);
    if (customers > 0) {
      f.metrics["reporting.blended_cac"] =
          static_cast<double>(spent) / static_cast<double>(customers);
      f.metrics["reporting.payback_months"] = payback_sum / static_cast<double>(customers);
    }
  }

  // ROI by channel with the stored revenue attribution.
  MOPS_ASSIGN_OR_RETURN(analytics::Dataset::Credits credits, analytics::LoadCredits(db, d, 0, ""));
  if (credits.run_id == 0 || credits.conversion != "won") {
    f.missing["revenue_run"] =
        "No stored revenue attribution: run mops attribute --conversion won to give channels "
        "their revenue.";
    s.Note(f.missing["revenue_run"]);
  } else {
    analytics::ChannelOptions channel_options;
    const analytics::ChannelReport ch = analytics::Channels(d, channel_options, &credits);
    f.metrics["reporting.unattributed_revenue"] = ch.unattributed * 100;
    f.metrics["reporting.unattributed_revenue_share"] = Share(ch.unattributed, ch.won_revenue);
    s.Figure("Won revenue (stored run)", ch.won_revenue * 100, "money", cur);
    if (spend) {
      s.Figure("Paid spend", static_cast<double>(ch.total.spend), "money", cur);
      s.Figure("ROI (attributed revenue)", ch.total.roi, "percent", cur);
    }
    if (ch.won_revenue > 0 && ch.unattributed / ch.won_revenue > 0) {
      s.Note(
          fmt::format("Caveat: {} of won revenue has no channel credit; ROI by channel leaves it "
                      "out.",
                      FormatValue(ch.unattributed / ch.won_revenue, "percent", cur)));
    }
  }
  if (transitions > 0 && skipped > 0) {
    s.Note(fmt::format(
        "Caveat: {} of stage transitions skipped a stage and count zero days in it.",
        FormatValue(Share(static_cast<double>(skipped), static_cast<double>(transitions)),
                    "percent", cur)));
  }
  if (f.metrics.contains("reporting.blended_cac")) {
    s.Figure("Blended CAC (4 quarters)", f.metrics["reporting.blended_cac"], "money", cur);
    s.Figure("CAC payback", f.metrics["reporting.payback_months"], "number", cur);
  }
  s.Chart("Lifecycle funnel", labels, Json::array({{{"name", "contacts"}, {"values", counts}}}),
          "count");
  s.Table("Funnel", {"stage", "contacts", "step conversion", "overall", "median days"},
          funnel_rows);
  if (!cac_rows.empty()) {
    s.Table("CAC by quarter",
            {"quarter", "blended spend", "new customers", "blended CAC", "payback months"},
            cac_rows);
  }
  f.sections.push_back(std::move(s.j));
  return {};
}

}  // namespace

core::Result<AuditConfig> LoadConfig(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(store::Rows rows,
                        db.Query("SELECT body FROM configs WHERE name = 'audit'"));
  if (rows.empty()) return AuditConfig{};
  return ParseConfig(store::AsText(rows.rows[0][0]), "audit config", DefaultRules());
}

core::Result<Facts> GatherFacts(store::Database& db, const RunOptions& options) {
  Facts f;
  f.as_of = options.as_of != 0 ? options.as_of : core::NowUtc();
  MOPS_ASSIGN_OR_RETURN(
      store::Rows currency,
      db.Query("SELECT currency FROM opportunities WHERE COALESCE(currency, '') <> '' "
               "GROUP BY currency ORDER BY COUNT(*) DESC LIMIT 1"));
  if (!currency.empty()) f.currency = store::AsText(currency.rows[0][0]);
  const std::string cur = f.currency;
  using Gather = core::Status (*)(store::Database&, Facts&, const std::string&);
  const std::pair<const char*, Gather> areas[] = {
      {"stack", GatherStack}, {"attribution", GatherAttribution}, {"data", GatherData},
      {"leads", GatherLeads}, {"campaigns", GatherCampaigns},     {"reporting", GatherReporting}};
  for (const auto& [area, gather] : areas) {
    const auto start = std::chrono::steady_clock::now();
    MOPS_TRY(gather(db, f, cur));
    f.seconds[area] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  if (!options.served) {
    for (auto& [metric, list] : f.examples) {
      for (Example& e : list) e.link.clear();
    }
  }
  return f;
}

core::Result<Json> RunAudit(store::Database& db, const RunOptions& options) {
  MOPS_ASSIGN_OR_RETURN(AuditConfig config, LoadConfig(db));
  MOPS_ASSIGN_OR_RETURN(Facts facts, GatherFacts(db, options));
  const Audit audit = Evaluate(facts, ApplyConfig(DefaultRules(), config), config.examples);
  return ToJson(audit);
}

core::Result<StoredRun> RunAndStore(store::Database& db, const RunOptions& options) {
  MOPS_ASSIGN_OR_RETURN(Json doc, RunAudit(db, options));
  StoredRun run;
  run.created_at = core::NowUtc();
  run.as_of = options.as_of != 0 ? options.as_of : run.created_at;
  run.actor = options.actor;
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows id,
      db.Query("INSERT INTO audit_runs (created_at, as_of, actor, json) VALUES (?, ?, ?, ?) "
               "RETURNING id",
               std::vector<Value>{run.created_at, run.as_of, run.actor, doc.dump()}));
  run.id = store::AsInt(id.rows.at(0).at(0));
  MOPS_TRY(db.Execute(
      "INSERT INTO audit_log (at, actor, action, entity, entity_id, after) VALUES (?, ?, "
      "'audit.run', 'audit_runs', ?, ?)",
      std::vector<Value>{
          run.created_at, run.actor, std::to_string(run.id),
          Json{{"as_of", doc["as_of"]}, {"findings", doc["findings"].size()}}.dump()}));
  MOPS_TRY(tx.Commit());
  run.audit = std::move(doc);
  return run;
}

namespace {

core::Result<StoredRun> RunOfRow(const std::vector<Value>& r) {
  StoredRun run;
  run.id = store::AsInt(r[0]);
  run.created_at = store::AsInt(r[1]);
  run.as_of = store::AsInt(r[2]);
  run.actor = store::AsText(r[3]);
  run.audit = Json::parse(store::AsText(r[4]), nullptr, false);
  if (run.audit.is_discarded()) {
    return core::Fail(core::ErrorCode::kInternal, "audit run {} holds a document that is not JSON",
                      run.id);
  }
  return run;
}

}  // namespace

core::Result<std::vector<StoredRun>> ListRuns(store::Database& db, int limit) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, created_at, as_of, actor, json FROM audit_runs ORDER BY id DESC LIMIT ?",
               std::vector<Value>{int64_t{limit}}));
  std::vector<StoredRun> out;
  for (const auto& r : rows.rows) {
    MOPS_ASSIGN_OR_RETURN(StoredRun run, RunOfRow(r));
    Json brief = {{"as_of", run.audit.value("as_of", "")},
                  {"summary", run.audit.value("summary", Json::object())}};
    run.audit = std::move(brief);
    out.push_back(std::move(run));
  }
  return out;
}

core::Result<StoredRun> LoadRun(store::Database& db, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, created_at, as_of, actor, json FROM audit_runs WHERE id = ?",
               std::vector<Value>{id}));
  if (rows.empty()) {
    return core::Fail(
        core::MakeError(core::ErrorCode::kNotFound, "no audit run " + std::to_string(id))
            .InField("id"));
  }
  return RunOfRow(rows.rows[0]);
}

core::Result<std::optional<StoredRun>> PreviousRun(store::Database& db, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, created_at, as_of, actor, json FROM audit_runs WHERE id < ? ORDER BY "
               "id DESC LIMIT 1",
               std::vector<Value>{id}));
  if (rows.empty()) return std::optional<StoredRun>{};
  MOPS_ASSIGN_OR_RETURN(StoredRun run, RunOfRow(rows.rows[0]));
  return std::optional<StoredRun>(std::move(run));
}

namespace {

// The first of the Chromium names on PATH, or empty.
std::string FindChromium() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return {};
  std::string_view rest(path);
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (dir.empty()) continue;
    for (const char* name :
         {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
      const std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return {};
}

}  // namespace

core::Status WritePdf(const std::string& html, const std::string& out_path) {
  const std::string chromium = FindChromium();
  if (chromium.empty()) {
    return core::Fail(core::ErrorCode::kUnavailable,
                      "chromium is not installed (none of chromium, chromium-browser, "
                      "google-chrome on PATH): install it (apt-get install chromium) to write "
                      "PDF, or use --format html and print the HTML report from a browser");
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec) /
                 fmt::format("mops-audit-{}-{}", ::getpid(),
                             std::chrono::steady_clock::now().time_since_epoch().count());
  fs::create_directories(dir, ec);
  if (ec)
    return core::Fail(core::ErrorCode::kIo, "cannot create a temporary folder: {}", ec.message());
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } cleanup{dir};
  const fs::path page = dir / "audit.html";
  {
    std::ofstream out(page, std::ios::binary);
    out << html;
    if (!out) return core::Fail(core::ErrorCode::kIo, "cannot write {}", page.string());
  }
  const fs::path target = fs::absolute(out_path, ec);
  const std::string print_arg = "--print-to-pdf=" + target.string();
  const std::string profile_arg = "--user-data-dir=" + (dir / "profile").string();
  const std::string url = "file://" + page.string();
  std::vector<std::string> args = {chromium,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-pdf-header-footer",
                                   "--disable-dev-shm-usage",
                                   profile_arg,
                                   print_arg,
                                   url};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, chromium.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return core::Fail(core::ErrorCode::kUnavailable, "cannot start {}: {}", chromium,
                      std::strerror(spawned));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !fs::exists(target) ||
      fs::file_size(target, ec) == 0) {
    return core::Fail(core::ErrorCode::kUnavailable,
                      "{} did not print the PDF (exit status {}); use --format html instead",
                      chromium, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  return {};
}

}  // namespace mops::report
