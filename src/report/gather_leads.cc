// Section 5, lead management: routing queue, capacity, SLA, handoff funnel and
// the score backtest.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "leads/leads.h"
#include "leads/report.h"
#include "report/internal.h"

namespace mops::report::internal {

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

}  // namespace mops::report::internal
