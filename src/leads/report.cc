// The SLA report and the handoff funnel; JSON documents shared by the CLI's
// --format json and the REST routes.
#include "leads/report.h"

#include <algorithm>
#include <set>

#include "core/strings.h"
#include "leads/internal.h"

namespace mops::leads {

using store::ColumnType;
using store::Value;

namespace {

double Median(std::vector<int64_t> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? static_cast<double>(v[n / 2])
                    : (static_cast<double>(v[n / 2 - 1]) + static_cast<double>(v[n / 2])) / 2;
}

std::string Month(Timestamp t) { return core::FormatDate(t).substr(0, 7); }

Json Points(int64_t centi) { return static_cast<double>(centi) / 100.0; }

Json Time(std::optional<Timestamp> t) {
  return t ? Json(core::FormatTimestamp(*t)) : Json(nullptr);
}

}  // namespace

core::Result<SlaReport> SlaReportOf(store::Database& db, Timestamp now) {
  MOPS_ASSIGN_OR_RETURN(SlaConfig config, LoadSlaConfig(db));
  SlaReport report;
  report.as_of = now;
  // MQLs: the latest entry into mql starts the SLA clock, the first one dates
  // the funnel's month.
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT h.contact_id, MAX(h.entered_at), MIN(h.entered_at), c.owner_id, u.name, "
               "u.team, s.grade, COALESCE(s.total, 0), c.original_source, c.lifecycle_stage FROM "
               "lifecycle_history h JOIN contacts c ON c.id = h.contact_id LEFT JOIN users u ON "
               "u.id = c.owner_id LEFT JOIN lead_scores s ON s.contact_id = c.id WHERE h.stage = "
               "'mql' AND c.merged_into IS NULL AND h.entered_at <= ? GROUP BY h.contact_id, "
               "c.owner_id, u.name, u.team, s.grade, s.total, c.original_source, "
               "c.lifecycle_stage ORDER BY h.contact_id",
               std::vector<Value>{now}));
  // First touches: sales touches and the owner's status changes.
  std::string types;
  for (const std::string& t : config.first_touch_types) {
    types += (types.empty() ? "'" : ", '") + core::ToLower(t) + "'";
  }
  const std::vector<ColumnType> tt = {ColumnType::kInt, ColumnType::kInt};
  MOPS_ASSIGN_OR_RETURN(
      auto touches,
      db.ScanColumns("SELECT t.contact_id, t.occurred_at FROM touchpoints t WHERE t.contact_id "
                     "IN (SELECT contact_id FROM lifecycle_history WHERE stage = 'mql') AND "
                     "LOWER(t.type) IN (" +
                         types + ") ORDER BY t.contact_id, t.occurred_at",
                     {}, tt));
  const std::vector<ColumnType> st = {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt};
  MOPS_ASSIGN_OR_RETURN(auto statuses,
                        db.ScanColumns("SELECT contact_id, changed_at, user_id FROM "
                                       "lead_status_changes ORDER BY contact_id, changed_at",
                                       {}, st));
  MOPS_ASSIGN_OR_RETURN(std::vector<internal::Role> roles, internal::LoadRoles(db));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows reached,
      db.Query("SELECT DISTINCT contact_id FROM lifecycle_history WHERE stage IN ('sql', "
               "'opportunity', 'customer')"));
  std::set<int64_t> reached_sql;
  for (const auto& r : reached.rows) reached_sql.insert(store::AsInt(r[0]));

  std::map<std::string, FunnelMonth> funnel;
  std::map<int64_t, SlaRepRow> reps;
  std::map<std::string, SlaRepRow> teams;
  std::map<int64_t, std::vector<int64_t>> rep_minutes;
  std::map<std::string, std::vector<int64_t>> team_minutes;
  size_t ti = 0, si = 0, ri = 0;
  for (const auto& row : rows.rows) {
    const int64_t id = store::AsInt(row[0]);
    SlaLead lead;
    lead.contact_id = id;
    lead.mql_at = store::AsInt(row[1]);
    const Timestamp first_mql = store::AsInt(row[2]);
    lead.owner = store::AsInt(row[3], 0);
    const std::string rep_name = store::AsText(row[4]);
    lead.team = store::AsText(row[5]);
    lead.grade = store::IsNull(row[6]) ? "D4" : store::AsText(row[6]);
    lead.score = store::AsInt(row[7]);
    lead.source = store::AsText(row[8]);
    const int rank = internal::StageRank(store::AsText(row[9]));
    while (ti < touches[0].size() && touches[0].ints[ti] < id) ++ti;
    bool touched_after_first = false;
    for (size_t k = ti; k < touches[0].size() && touches[0].ints[k] == id; ++k) {
      const Timestamp at = touches[1].ints[k];
      if (at > now) break;
      if (at >= first_mql) touched_after_first = true;
      if (at >= lead.mql_at && !lead.first_touch) lead.first_touch = at;
    }
    while (si < statuses[0].size() && statuses[0].ints[si] < id) ++si;
    for (size_t k = si; k < statuses[0].size() && statuses[0].ints[k] == id; ++k) {
      const Timestamp at = statuses[1].ints[k];
      if (at > now) break;
      if (at >= first_mql) touched_after_first = true;
      if (lead.owner != 0 && !statuses[2].nulls[k] && statuses[2].ints[k] == lead.owner &&
          at >= lead.mql_at && (!lead.first_touch || at < *lead.first_touch)) {
        lead.first_touch = at;
      }
    }
    bool opp = false, won = false;
    while (ri < roles.size() && roles[ri].contact_id < id) ++ri;
    for (size_t k = ri; k < roles.size() && roles[k].contact_id == id; ++k) {
      if (roles[k].created_at > now) continue;
      opp = true;
      won = won || (roles[k].won && roles[k].close_date <= now);
    }
    FunnelMonth& f = funnel[Month(first_mql)];
    f.month = Month(first_mql);
    ++f.mql;
    const bool sql = opp || won || rank >= 3 || reached_sql.contains(id);
    if (touched_after_first || sql) ++f.sal;
    if (sql) ++f.sql;
    if (opp) ++f.opportunity;
    if (won) ++f.won;

    if (lead.owner == 0) continue;  // not handed to sales yet: the routing queue
    const SlaStatus s = EvaluateSla(config, lead, now);
    if (s.state == "no_sla") continue;
    report.all.push_back(s);
    const std::string team = lead.team.empty() ? "(no team)" : lead.team;
    for (SlaRepRow* r : {&reps[lead.owner], &teams[team]}) {
      ++r->leads;
      if (s.state == "met") ++r->met;
      if (s.state == "breached") ++r->breached;
      if (s.state == "at_risk") ++r->at_risk;
      if (s.state == "open") ++r->open;
    }
    reps[lead.owner].key = rep_name.empty() ? "user " + std::to_string(lead.owner) : rep_name;
    reps[lead.owner].user_id = lead.owner;
    teams[team].key = team;
    if (s.minutes_to_touch >= 0) {
      rep_minutes[lead.owner].push_back(s.minutes_to_touch);
      team_minutes[team].push_back(s.minutes_to_touch);
    }
    if (s.state == "at_risk" || (s.state == "breached" && !lead.first_touch)) {
      report.escalations.push_back(s);
    }
  }
  auto finish = [](SlaRepRow& r, const std::vector<int64_t>& minutes) {
    r.median_minutes = Median(minutes);
    const int64_t decided = r.met + r.breached;
    r.within_share = decided > 0 ? static_cast<double>(r.met) / static_cast<double>(decided) : 0;
  };
  for (auto& [id, r] : reps) {
    finish(r, rep_minutes[id]);
    report.reps.push_back(r);
  }
  for (auto& [name, r] : teams) {
    finish(r, team_minutes[name]);
    report.teams.push_back(r);
  }
  std::sort(report.reps.begin(), report.reps.end(),
            [](const SlaRepRow& a, const SlaRepRow& b) { return a.key < b.key; });
  std::stable_sort(report.escalations.begin(), report.escalations.end(),
                   [](const SlaStatus& a, const SlaStatus& b) {
                     if ((a.state == "breached") != (b.state == "breached")) {
                       return a.state == "breached";
                     }
                     return a.overdue_minutes > b.overdue_minutes;
                   });
  for (auto& [m, f] : funnel) report.funnel.push_back(f);
  return report;
}

// ---------------------------------------------------------------- JSON

Json ToJson(const ScoreRunReport& r) {
  return {{"as_of", core::FormatTimestamp(r.as_of)},
          {"contacts", r.contacts},
          {"changed", r.changed},
          {"new_mqls", r.mqls_new},
          {"lifecycle_moves", r.lifecycle_moves},
          {"seconds",
           {{"load", r.load_seconds}, {"score", r.score_seconds}, {"write", r.write_seconds}}}};
}

Json ToJson(const Explanation& e) {
  Json lines = Json::array();
  for (const ScoreLine& l : e.lines) {
    lines.push_back({{"group", l.group},
                     {"rule", l.rule},
                     {"detail", l.detail},
                     {"raw", Points(l.raw)},
                     {"points", Points(l.points)},
                     {"touch_id", l.touch_id == 0 ? Json(nullptr) : Json(l.touch_id)},
                     {"occurred_at", l.occurred_at == 0 ? Json(nullptr) : Time(l.occurred_at)},
                     {"halves_at", Time(l.halves_at)},
                     {"expires_at", Time(l.expires_at)}});
  }
  return {{"contact_id", e.contact_id},
          {"as_of", core::FormatTimestamp(e.as_of)},
          {"fit", Points(e.score.fit)},
          {"engagement", Points(e.score.engagement)},
          {"total", Points(e.score.total())},
          {"grade", e.score.grade},
          {"lines", lines}};
}

Json ToJson(const BacktestResult& r) {
  auto buckets = [](const std::vector<BacktestBucket>& v) {
    Json out = Json::array();
    for (const BacktestBucket& b : v) {
      out.push_back({{"label", b.label},
                     {"count", b.count},
                     {"converted", b.converted},
                     {"won", b.won},
                     {"min_score", b.min_score},
                     {"max_score", b.max_score},
                     {"rate", b.rate},
                     {"lift", b.lift}});
    }
    return out;
  };
  return {{"contacts", r.contacts},
          {"converted", r.converted},
          {"won", r.won},
          {"rate", r.rate},
          {"auc", r.auc},
          {"deciles", buckets(r.deciles)},
          {"grades", buckets(r.grades)},
          {"mqls", r.mqls},
          {"mqls_converted", r.mqls_converted},
          {"mql_rate", r.mql_rate}};
}

Json ToJson(const BacktestReport& r) {
  return {{"as_of", core::FormatTimestamp(r.as_of)},
          {"horizon_days", r.horizon_days},
          {"stored", ToJson(r.stored)},
          {"draft", r.draft ? ToJson(*r.draft) : Json(nullptr)}};
}

Json ToJson(const RouteReport& r) {
  Json rows = Json::array();
  std::map<std::string, int64_t> per_rule;
  int64_t queued = 0;
  for (const Assignment& a : r.assignments) {
    rows.push_back({{"contact_id", a.contact_id},
                    {"user_id", a.user_id == 0 ? Json(nullptr) : Json(a.user_id)},
                    {"queue", a.queue.empty() ? Json(nullptr) : Json(a.queue)},
                    {"rule", a.rule},
                    {"reason", a.reason}});
    ++per_rule[a.rule.empty() ? "(none)" : a.rule];
    queued += a.user_id == 0 ? 1 : 0;
  }
  return {{"leads", r.leads},     {"assigned", r.leads - queued}, {"queued", queued},
          {"per_rule", per_rule}, {"dry_run", r.dry_run},         {"assignments", rows}};
}

Json ToJson(const SlaReport& r) {
  auto rows = [](const std::vector<SlaRepRow>& v) {
    Json out = Json::array();
    for (const SlaRepRow& x : v) {
      out.push_back({{"name", x.key},
                     {"user_id", x.user_id == 0 ? Json(nullptr) : Json(x.user_id)},
                     {"leads", x.leads},
                     {"met", x.met},
                     {"breached", x.breached},
                     {"at_risk", x.at_risk},
                     {"open", x.open},
                     {"median_minutes_to_first_touch",
                      x.median_minutes < 0 ? Json(nullptr) : Json(x.median_minutes)},
                     {"within_sla", x.within_share}});
    }
    return out;
  };
  auto statuses = [](const std::vector<SlaStatus>& v) {
    Json out = Json::array();
    for (const SlaStatus& s : v) {
      out.push_back({{"contact_id", s.contact_id},
                     {"tier", s.tier},
                     {"deadline", core::FormatTimestamp(s.deadline)},
                     {"state", s.state},
                     {"minutes_to_first_touch",
                      s.minutes_to_touch < 0 ? Json(nullptr) : Json(s.minutes_to_touch)},
                     {"overdue_minutes", s.overdue_minutes}});
    }
    return out;
  };
  Json funnel = Json::array();
  for (const FunnelMonth& f : r.funnel) {
    auto rate = [](int64_t a, int64_t b) {
      return b > 0 ? Json(static_cast<double>(a) / static_cast<double>(b)) : Json(nullptr);
    };
    funnel.push_back({{"month", f.month},
                      {"mql", f.mql},
                      {"sal", f.sal},
                      {"sql", f.sql},
                      {"opportunity", f.opportunity},
                      {"won", f.won},
                      {"mql_to_sal", rate(f.sal, f.mql)},
                      {"sal_to_sql", rate(f.sql, f.sal)},
                      {"sql_to_opportunity", rate(f.opportunity, f.sql)},
                      {"opportunity_to_won", rate(f.won, f.opportunity)}});
  }
  return {{"as_of", core::FormatTimestamp(r.as_of)},
          {"reps", rows(r.reps)},
          {"teams", rows(r.teams)},
          {"escalations", statuses(r.escalations)},
          {"funnel", funnel}};
}

namespace {

// The rows (key, count), keys ascending, as `item(key, count)`, with the keys
// missing between two rows listed with 0 so that a chart of them closes no
// gap; a gap wider than kMaxFilled keys (an outlier far from the rest) stays.
template <typename Item>
Json WithoutGaps(const store::Rows& rows, const Item& item) {
  constexpr int64_t kMaxFilled = 1000;
  Json out = Json::array();
  std::optional<int64_t> previous;
  for (const auto& row : rows.rows) {
    const int64_t key = store::AsInt(row[0]);
    if (previous && key - *previous - 1 <= kMaxFilled) {
      for (int64_t gap = *previous + 1; gap < key; ++gap) out.push_back(item(gap, 0));
    }
    out.push_back(item(key, store::AsInt(row[1])));
    previous = key;
  }
  return out;
}

}  // namespace

core::Result<Json> Summary(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(ScoringConfig config, LoadScoringConfig(db));
  // Grade matrix and score distribution over the stored scores of live contacts.
  MOPS_ASSIGN_OR_RETURN(store::Rows grades,
                        db.Query("SELECT s.grade, COUNT(*) FROM lead_scores s JOIN contacts c ON "
                                 "c.id = s.contact_id WHERE c.merged_into IS NULL GROUP BY "
                                 "s.grade ORDER BY s.grade"));
  Json matrix = Json::object();
  int64_t scored = 0;
  for (const auto& row : grades.rows) {
    matrix[store::AsText(row[0])] = store::AsInt(row[1]);
    scored += store::AsInt(row[1]);
  }
  // Buckets of 10 points (totals are centipoints).
  MOPS_ASSIGN_OR_RETURN(
      store::Rows dist,
      db.Query("SELECT (CASE WHEN s.total >= 0 THEN s.total / 1000 ELSE -((999 - s.total) / "
               "1000) END) AS b, COUNT(*) FROM lead_scores s JOIN contacts c ON c.id = "
               "s.contact_id WHERE c.merged_into IS NULL GROUP BY 1 ORDER BY 1"));
  const auto bucket = [](int64_t b, int64_t n) {
    return Json{{"from", b * 10}, {"to", b * 10 + 10}, {"contacts", n}};
  };
  const Json distribution = WithoutGaps(dist, bucket);
  MOPS_ASSIGN_OR_RETURN(
      store::Rows weeks,
      db.Query("SELECT (CASE WHEN entered_at >= -259200 THEN (entered_at + 259200) / 604800 ELSE "
               "-((-259200 - entered_at + 604799) / 604800) END) AS w, COUNT(DISTINCT contact_id) "
               "FROM lifecycle_history WHERE stage = 'mql' AND contact_id IS NOT NULL GROUP BY 1 "
               "ORDER BY 1"));
  const auto week = [](int64_t w, int64_t n) {
    return Json{{"week", core::FormatDate(w * 604800 - 259200)}, {"mqls", n}};
  };
  const Json mqls = WithoutGaps(weeks, week);
  MOPS_ASSIGN_OR_RETURN(Value last, db.QueryValue("SELECT MAX(as_of) FROM lead_scores"));
  return Json{{"scored", scored},
              {"grades", matrix},
              {"distribution", distribution},
              {"mqls_per_week", mqls},
              {"last_as_of", store::IsNull(last) ? Json(nullptr) : Time(store::AsInt(last))},
              {"mql_threshold",
               {{"fit", Points(config.mql_fit)}, {"engagement", Points(config.mql_engagement)}}}};
}

core::Result<Json> ScoreList(store::Database& db, std::optional<std::string> grade, int limit,
                             int64_t offset) {
  std::vector<Value> params;
  std::string where = "c.merged_into IS NULL";
  if (grade) {
    where += " AND s.grade = ?";
    params.push_back(core::ToUpper(*grade));
  }
  MOPS_ASSIGN_OR_RETURN(Value total,
                        db.QueryValue("SELECT COUNT(*) FROM lead_scores s JOIN contacts c ON c.id "
                                      "= s.contact_id WHERE " +
                                          where,
                                      params));
  params.push_back(int64_t{limit});
  params.push_back(offset);
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT s.contact_id, c.first_name, c.last_name, c.email, c.lifecycle_stage, "
               "c.owner_id, s.fit, s.engagement, s.total, s.grade, s.as_of FROM lead_scores s "
               "JOIN contacts c ON c.id = s.contact_id WHERE " +
                   where + " ORDER BY s.total DESC, s.contact_id LIMIT ? OFFSET ?",
               params));
  Json items = Json::array();
  for (const auto& r : rows.rows) {
    items.push_back({{"contact_id", store::AsInt(r[0])},
                     {"name", core::Trim(store::AsText(r[1]) + " " + store::AsText(r[2]))},
                     {"email", store::AsText(r[3])},
                     {"lifecycle_stage", store::AsText(r[4])},
                     {"owner_id", store::IsNull(r[5]) ? Json(nullptr) : Json(store::AsInt(r[5]))},
                     {"fit", Points(store::AsInt(r[6]))},
                     {"engagement", Points(store::AsInt(r[7]))},
                     {"total", Points(store::AsInt(r[8]))},
                     {"grade", store::AsText(r[9])},
                     {"as_of", Time(store::AsInt(r[10]))}});
  }
  return Json{{"total", store::AsInt(total)}, {"offset", offset}, {"items", items}};
}

core::Result<Json> LeadDetail(store::Database& db, int64_t contact_id, Timestamp as_of) {
  MOPS_ASSIGN_OR_RETURN(Explanation e, Explain(db, contact_id, as_of));
  Json doc = ToJson(e);
  const std::vector<Value> id = {contact_id};
  MOPS_ASSIGN_OR_RETURN(store::Rows c,
                        db.Query("SELECT first_name, last_name, email, title, lifecycle_stage, "
                                 "lead_status, owner_id FROM contacts WHERE id = ?",
                                 id));
  if (!c.empty()) {
    const auto& r = c.rows[0];
    doc["contact"] = {{"name", core::Trim(store::AsText(r[0]) + " " + store::AsText(r[1]))},
                      {"email", store::AsText(r[2])},
                      {"title", store::AsText(r[3])},
                      {"lifecycle_stage", store::AsText(r[4])},
                      {"lead_status", store::AsText(r[5])},
                      {"owner_id", store::IsNull(r[6]) ? Json(nullptr) : Json(store::AsInt(r[6]))}};
  }
  MOPS_ASSIGN_OR_RETURN(store::Rows h,
                        db.Query("SELECT stage, entered_at, cause, from_stage FROM "
                                 "lifecycle_history WHERE contact_id = ? ORDER BY entered_at, id",
                                 id));
  Json timeline = Json::array();
  for (const auto& r : h.rows) {
    timeline.push_back({{"stage", store::AsText(r[0])},
                        {"entered_at", Time(store::AsInt(r[1]))},
                        {"cause", store::AsText(r[2])},
                        {"from_stage", store::AsText(r[3])}});
  }
  doc["lifecycle"] = timeline;
  MOPS_ASSIGN_OR_RETURN(store::Rows sh,
                        db.Query("SELECT at, fit, engagement, total, grade FROM (SELECT at, "
                                 "fit, engagement, total, grade, 0 AS current, id FROM "
                                 "lead_score_history WHERE contact_id = ? UNION ALL SELECT "
                                 "as_of, fit, engagement, total, grade, 1, 0 FROM lead_scores "
                                 "WHERE contact_id = ?) h ORDER BY current, at, id",
                                 std::vector<Value>{contact_id, contact_id}));
  Json history = Json::array();
  for (const auto& r : sh.rows) {
    history.push_back({{"at", Time(store::AsInt(r[0]))},
                       {"fit", Points(store::AsInt(r[1]))},
                       {"engagement", Points(store::AsInt(r[2]))},
                       {"total", Points(store::AsInt(r[3]))},
                       {"grade", store::AsText(r[4])}});
  }
  doc["score_history"] = history;
  MOPS_ASSIGN_OR_RETURN(store::Rows as,
                        db.Query("SELECT a.assigned_at, a.user_id, u.name, a.queue, a.rule, "
                                 "a.reason FROM lead_assignments a LEFT JOIN users u ON u.id = "
                                 "a.user_id WHERE a.contact_id = ? ORDER BY a.assigned_at, a.id",
                                 id));
  Json assignments = Json::array();
  for (const auto& r : as.rows) {
    assignments.push_back(
        {{"at", Time(store::AsInt(r[0]))},
         {"user_id", store::IsNull(r[1]) ? Json(nullptr) : Json(store::AsInt(r[1]))},
         {"user", store::AsText(r[2])},
         {"queue", store::AsText(r[3])},
         {"rule", store::AsText(r[4])},
         {"reason", store::AsText(r[5])}});
  }
  doc["assignments"] = assignments;
  return doc;
}

core::Result<Json> RoutingQueue(store::Database& db, int limit) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query(
          "SELECT c.id, c.first_name, c.last_name, c.email, s.total, s.grade, "
          "(SELECT a.queue FROM lead_assignments a WHERE a.contact_id = c.id AND a.user_id "
          "IS NULL ORDER BY a.id DESC LIMIT 1), (SELECT a.reason FROM lead_assignments a "
          "WHERE a.contact_id = c.id AND a.user_id IS NULL ORDER BY a.id DESC LIMIT 1) FROM "
          "contacts c LEFT JOIN lead_scores s ON s.contact_id = c.id WHERE c.merged_into IS "
          "NULL AND c.owner_id IS NULL AND c.lifecycle_stage = 'mql' ORDER BY COALESCE(s.total, "
          "0) DESC, c.id LIMIT ?",
          std::vector<Value>{int64_t{limit}}));
  MOPS_ASSIGN_OR_RETURN(Value total,
                        db.QueryValue("SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL AND "
                                      "owner_id IS NULL AND lifecycle_stage = 'mql'"));
  Json items = Json::array();
  for (const auto& r : rows.rows) {
    items.push_back(
        {{"contact_id", store::AsInt(r[0])},
         {"name", core::Trim(store::AsText(r[1]) + " " + store::AsText(r[2]))},
         {"email", store::AsText(r[3])},
         // An MQL by its CRM stage may have no score yet: no number, not 0.
         {"total", store::IsNull(r[4]) ? Json(nullptr) : Json(Points(store::AsInt(r[4])))},
         {"grade", store::IsNull(r[5]) ? Json(nullptr) : Json(store::AsText(r[5]))},
         {"queue", store::IsNull(r[6]) ? Json("(not routed yet)") : Json(store::AsText(r[6]))},
         {"reason", store::AsText(r[7])}});
  }
  return Json{{"total", store::AsInt(total)}, {"items", items}};
}

}  // namespace mops::leads
