// Lifecycle stages (forward only, side moves explicit), sales statuses, and
// the routing service.
#include <set>

#include "core/strings.h"
#include "leads/internal.h"
#include "quality/engine.h"

namespace mops::leads {

using store::ColumnType;
using store::Value;

namespace internal {

std::string CanonicalStage(std::string_view stage) {
  std::string key;
  for (char ch : stage) {
    if (std::isalnum(static_cast<unsigned char>(ch))) key += core::AsciiToLower(ch);
  }
  if (key.empty()) return "";
  if (key == "mql" || key == "marketingqualifiedlead") return "mql";
  if (key == "sql" || key == "salesqualifiedlead") return "sql";
  if (key == "opportunity" || key == "opp") return "opportunity";
  if (key == "customer") return "customer";
  if (key == "evangelist") return "evangelist";
  if (key == "subscriber") return "subscriber";
  if (key == "lead") return "lead";
  if (key == "recycled") return "recycled";
  if (key == "disqualified") return "disqualified";
  return "lead";
}

int StageRank(std::string_view stage) {
  static constexpr std::string_view kStages[] = {"subscriber",  "lead",     "mql",       "sql",
                                                 "opportunity", "customer", "evangelist"};
  const std::string s = CanonicalStage(stage);
  if (s == "recycled" || s == "disqualified") return -1;
  for (int i = 0; i < 7; ++i) {
    if (kStages[i] == s) return i;
  }
  return 1;
}

core::Result<std::vector<Role>> LoadRoles(store::Database& db, std::span<const int64_t> only) {
  std::string sql =
      "SELECT oc.contact_id, o.id, o.is_won, o.created_at, o.close_date, oc.role FROM "
      "opportunity_contacts oc JOIN opportunities o ON o.id = oc.opportunity_id WHERE "
      "oc.contact_id IS NOT NULL AND o.created_at IS NOT NULL";
  if (!only.empty()) {
    std::string ids;
    for (int64_t id : only) ids += (ids.empty() ? "" : ",") + std::to_string(id);
    sql += " AND oc.contact_id IN (" + ids + ")";
  }
  sql += " ORDER BY oc.contact_id, o.created_at, o.id";
  const std::vector<ColumnType> types = {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt,
                                         ColumnType::kInt, ColumnType::kInt, ColumnType::kText};
  MOPS_ASSIGN_OR_RETURN(auto c, db.ScanColumns(sql, {}, types));
  std::vector<Role> roles(c[0].size());
  for (size_t i = 0; i < roles.size(); ++i) {
    roles[i] = {c[0].ints[i],
                c[1].ints[i],
                c[2].ints[i] != 0,
                c[3].ints[i],
                c[4].nulls[i] ? c[3].ints[i] : c[4].ints[i],
                c[5].texts[i]};
  }
  return roles;
}

core::Result<StageWriter> StageWriter::Make(store::Database& db) {
  StageWriter w;
  MOPS_ASSIGN_OR_RETURN(w.update_,
                        db.Prepare("UPDATE contacts SET lifecycle_stage = ? WHERE id = ?"));
  // One move per stage and instant: a second identical move keeps the first row.
  MOPS_ASSIGN_OR_RETURN(w.history_,
                        db.Prepare("INSERT INTO lifecycle_history (contact_id, stage, entered_at, "
                                   "cause, from_stage) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO "
                                   "NOTHING"));
  MOPS_ASSIGN_OR_RETURN(w.audit_, db.Prepare(kAuditInsert));
  return w;
}

core::Status StageWriter::Move(int64_t contact_id, std::string_view from, std::string_view to,
                               std::string_view cause, Timestamp at, std::string_view actor) {
  const std::vector<Value> update = {std::string(to), contact_id};
  MOPS_TRY(update_->ExecuteQueued(update));
  const std::vector<Value> history = {contact_id, std::string(to), at, std::string(cause),
                                      std::string(from)};
  MOPS_TRY(history_->ExecuteQueued(history));
  const nlohmann::json before = {{"lifecycle_stage", from}};
  const nlohmann::json after = {{"lifecycle_stage", to}, {"cause", cause}};
  const std::vector<Value> audit = {at,          std::string(actor),         "leads.lifecycle",
                                    "contacts",  std::to_string(contact_id), before.dump(),
                                    after.dump()};
  return audit_->ExecuteQueued(audit);
}

core::Status MoveStage(store::Database& db, int64_t contact_id, std::string_view from,
                       std::string_view to, std::string_view cause, Timestamp at,
                       std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(StageWriter w, StageWriter::Make(db));
  MOPS_TRY(w.Move(contact_id, from, to, cause, at, actor));
  return db.Flush();
}

core::Result<int64_t> ApplyLifecycle(store::Database& db, const ScoringConfig& config,
                                     const ScoringInput& input, std::span<const Score> scores,
                                     std::span<const Role> roles, Timestamp as_of,
                                     std::string_view actor, int64_t* new_mqls) {
  int64_t moves = 0;
  MOPS_ASSIGN_OR_RETURN(StageWriter writer, StageWriter::Make(db));
  const size_t stage_field = 9;  // FitFields(): lifecycle_stage
  const TextColumn& stages = input.texts[stage_field];
  // Each distinct stage text is read once, not once per contact.
  std::vector<std::string> canonical(stages.dict.size());
  std::vector<int> ranks(stages.dict.size());
  for (size_t k = 0; k < stages.dict.size(); ++k) {
    canonical[k] = CanonicalStage(stages.dict[k]);
    ranks[k] = StageRank(canonical[k]);
  }
  const int no_stage_rank = StageRank("");
  size_t r = 0;
  for (size_t i = 0; i < input.size(); ++i) {
    const int64_t id = input.contact_ids[i];
    const int32_t code = stages.codes[i];
    std::string stage = code >= 0 ? canonical[code] : "";
    const std::string side = stage;
    int rank = code >= 0 ? ranks[code] : no_stage_rank;
    if (stage == "disqualified") continue;  // only an explicit move brings it back
    while (r < roles.size() && roles[r].contact_id < id) ++r;
    const Role* opp = nullptr;
    const Role* won = nullptr;
    for (size_t q = r; q < roles.size() && roles[q].contact_id == id; ++q) {
      if (roles[q].created_at > as_of) continue;
      if (opp == nullptr) opp = &roles[q];
      if (roles[q].won && roles[q].close_date <= as_of && won == nullptr) won = &roles[q];
    }
    auto move = [&](std::string_view to, const std::string& cause, Timestamp at) -> core::Status {
      MOPS_TRY(writer.Move(id, stage, to, cause, at, actor));
      stage = std::string(to);
      rank = StageRank(stage);
      ++moves;
      return {};
    };
    if (won != nullptr && rank < 5) {
      MOPS_TRY(move("customer", fmt::format("opportunity {} won", won->opportunity_id),
                    std::min(as_of, won->close_date)));
      continue;
    }
    if (opp != nullptr && rank < 4) {
      MOPS_TRY(move("opportunity",
                    fmt::format("{} on opportunity {}", opp->role.empty() ? "role" : opp->role,
                                opp->opportunity_id),
                    std::min(as_of, opp->created_at)));
      continue;
    }
    const Score& s = scores[i];
    if (rank < 2 && s.fit >= config.mql_fit && s.engagement >= config.mql_engagement) {
      MOPS_TRY(move("mql",
                    fmt::format("score: fit {:.2f} >= {:.2f} and engagement {:.2f} >= {:.2f}{}",
                                s.fit / 100.0, config.mql_fit / 100.0, s.engagement / 100.0,
                                config.mql_engagement / 100.0,
                                side == "recycled" ? " (recycled lead requalified)" : ""),
                    as_of));
      if (new_mqls) ++*new_mqls;
      continue;
    }
    if ((stage == "mql" || stage == "sql") && config.recycle_after_days > 0 && opp == nullptr) {
      const int64_t b = input.touch_begin[i], e = input.touch_begin[i + 1];
      Timestamp last = 0;
      for (int64_t t = b; t < e; ++t) {
        if (input.occurred_at[t] <= as_of) last = std::max(last, input.occurred_at[t]);
      }
      if (last > 0 && as_of - last >= config.recycle_after_days * 86400) {
        MOPS_TRY(move("recycled",
                      fmt::format("no activity for {} days (last touch {})", (as_of - last) / 86400,
                                  core::FormatDate(last)),
                      as_of));
      }
    }
  }
  return moves;
}

}  // namespace internal

core::Status SetLeadStatus(store::Database& db, int64_t contact_id, std::string_view status,
                           std::optional<int64_t> by_user, std::string_view reason,
                           std::string_view actor, Timestamp at) {
  static constexpr std::string_view kStatuses[] = {"working", "accepted", "qualified", "rejected",
                                                   "unqualified"};
  const std::string s = core::ToLower(core::Trim(status));
  if (std::find(std::begin(kStatuses), std::end(kStatuses), s) == std::end(kStatuses)) {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                      fmt::format("unknown status '{}' (expected working, "
                                                  "accepted, qualified, rejected or unqualified)",
                                                  status))
                          .InField("status"));
  }
  if (s == "unqualified" && core::Trim(reason).empty()) {
    return core::Fail(
        core::MakeError(core::ErrorCode::kInvalidArgument, "disqualifying a lead needs a reason")
            .InField("reason"));
  }
  const std::vector<Value> id = {contact_id};
  MOPS_ASSIGN_OR_RETURN(store::Rows rows,
                        db.Query("SELECT lifecycle_stage, lead_status FROM contacts WHERE id = ? "
                                 "AND merged_into IS NULL",
                                 id));
  if (rows.empty()) {
    return core::Fail(core::MakeError(core::ErrorCode::kNotFound,
                                      fmt::format("no contact {} (or it was merged)", contact_id))
                          .InField("contact"));
  }
  if (by_user) {
    const std::vector<Value> u = {*by_user};
    MOPS_ASSIGN_OR_RETURN(Value found, db.QueryValue("SELECT id FROM users WHERE id = ?", u));
    if (store::IsNull(found)) {
      return core::Fail(
          core::MakeError(core::ErrorCode::kNotFound, fmt::format("no user {}", *by_user))
              .InField("by"));
    }
  }
  const std::string stage = internal::CanonicalStage(store::AsText(rows.rows[0][0]));
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  const std::vector<Value> change = {
      contact_id,        s, at, by_user ? Value(*by_user) : Value(), std::string(reason),
      std::string(actor)};
  MOPS_TRY(
      db.Execute("INSERT INTO lead_status_changes (contact_id, status, changed_at, user_id, "
                 "reason, actor) VALUES (?, ?, ?, ?, ?, ?)",
                 change));
  const std::vector<Value> upd = {s, contact_id};
  MOPS_TRY(db.Execute("UPDATE contacts SET lead_status = ? WHERE id = ?", upd));
  const nlohmann::json before = {{"lead_status", store::AsText(rows.rows[0][1])}};
  const nlohmann::json after = {{"lead_status", s}, {"reason", reason}};
  const std::vector<Value> audit = {at,          std::string(actor),         "leads.status",
                                    "contacts",  std::to_string(contact_id), before.dump(),
                                    after.dump()};
  MOPS_TRY(db.Execute(internal::kAuditInsert, audit));
  const std::string why = core::Trim(reason).empty() ? "" : ": " + std::string(core::Trim(reason));
  if (s == "qualified" && internal::StageRank(stage) < 3) {
    MOPS_TRY(
        internal::MoveStage(db, contact_id, stage, "sql", "qualified by sales" + why, at, actor));
  } else if (s == "rejected" && stage != "recycled") {
    MOPS_TRY(internal::MoveStage(db, contact_id, stage, "recycled", "rejected by sales" + why, at,
                                 actor));
  } else if (s == "unqualified" && stage != "disqualified") {
    MOPS_TRY(internal::MoveStage(db, contact_id, stage, "disqualified", "disqualified" + why, at,
                                 actor));
  }
  return tx.Commit();
}

core::Result<RouteReport> RouteLeads(store::Database& db, bool dry_run, std::string_view actor,
                                     Timestamp now) {
  MOPS_ASSIGN_OR_RETURN(RoutingConfig config, LoadRoutingConfig(db));
  RouteReport report;
  report.dry_run = dry_run;
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  // Reps and their open leads.
  MOPS_ASSIGN_OR_RETURN(
      store::Rows users,
      db.Query("SELECT u.id, u.email, u.external_id, u.name, u.team, u.capacity, u.active, "
               "u.out_of_office_until, (SELECT COUNT(*) FROM contacts c WHERE c.owner_id = u.id "
               "AND c.merged_into IS NULL AND c.lifecycle_stage IN ('mql', 'sql')) FROM users u "
               "ORDER BY u.id"));
  std::vector<Rep> reps;
  for (const auto& u : users.rows) {
    Rep rep;
    rep.id = store::AsInt(u[0]);
    rep.email = store::AsText(u[1]);
    rep.external_id = store::AsText(u[2]);
    rep.name = store::AsText(u[3]);
    rep.team = store::AsText(u[4]);
    rep.capacity = store::AsInt(u[5], 0);
    rep.active = store::AsInt(u[6], 1) != 0;
    if (!store::IsNull(u[7])) rep.out_of_office_until = store::AsInt(u[7]);
    rep.open = store::AsInt(u[8]);
    reps.push_back(std::move(rep));
  }
  // The MQLs without an owner, hottest first.
  const std::vector<ColumnType> types = {ColumnType::kInt,  ColumnType::kDict, ColumnType::kDict,
                                         ColumnType::kDict, ColumnType::kDict, ColumnType::kDict,
                                         ColumnType::kInt,  ColumnType::kInt,  ColumnType::kInt,
                                         ColumnType::kText, ColumnType::kText, ColumnType::kInt};
  MOPS_ASSIGN_OR_RETURN(
      auto l,
      db.ScanColumns(
          "SELECT c.id, COALESCE(c.country, a.country), COALESCE(c.state, a.state), a.industry, "
          "c.original_source, s.grade, a.employees, COALESCE(s.total, 0), a.owner_id, c.email, "
          "c.company_name, c.account_id FROM contacts c LEFT JOIN accounts a ON a.id = "
          "c.account_id LEFT JOIN lead_scores s ON s.contact_id = c.id WHERE c.merged_into IS "
          "NULL AND c.owner_id IS NULL AND c.lifecycle_stage = 'mql' ORDER BY COALESCE(s.total, "
          "0) DESC, c.id",
          {}, types));
  auto text = [](const store::Column& c, size_t i) {
    return c.codes[i] >= 0 ? c.dict[c.codes[i]] : std::string();
  };
  std::vector<Lead> leads(l[0].size());
  std::vector<quality::LeadKey> unmatched;
  std::vector<size_t> unmatched_at;
  for (size_t i = 0; i < leads.size(); ++i) {
    Lead& lead = leads[i];
    lead.contact_id = l[0].ints[i];
    lead.country = text(l[1], i);
    lead.state = text(l[2], i);
    lead.industry = text(l[3], i);
    lead.source = text(l[4], i);
    lead.grade = l[5].codes[i] >= 0 ? text(l[5], i) : "D4";
    lead.employees = l[6].nulls[i] ? -1 : l[6].ints[i];
    lead.score = l[7].ints[i];
    lead.account_owner = l[8].nulls[i] ? 0 : l[8].ints[i];
    if (l[11].nulls[i]) {
      unmatched.push_back({lead.contact_id, l[9].texts[i], l[10].texts[i],
                           quality::CountryCode(lead.country).value_or("")});
      unmatched_at.push_back(i);
    }
  }
  // Leads without an account: the owner of the account that lead-to-account
  // matching finds for them.
  if (!unmatched.empty()) {
    const std::vector<ColumnType> at = {ColumnType::kInt,  ColumnType::kText, ColumnType::kText,
                                        ColumnType::kText, ColumnType::kText, ColumnType::kInt};
    MOPS_ASSIGN_OR_RETURN(auto a, db.ScanColumns("SELECT id, domain, website, name, country, "
                                                 "owner_id FROM accounts WHERE merged_into IS "
                                                 "NULL ORDER BY id",
                                                 {}, at));
    std::vector<quality::AccountKey> accounts(a[0].size());
    std::map<int64_t, int64_t> owner;
    for (size_t i = 0; i < accounts.size(); ++i) {
      std::string domain = quality::DomainFromWebsite(a[1].texts[i]);
      if (domain.empty()) domain = quality::DomainFromWebsite(a[2].texts[i]);
      accounts[i] = {a[0].ints[i], std::move(domain), quality::CompanyKey(a[3].texts[i]),
                     quality::CountryCode(a[4].texts[i]).value_or("")};
      if (!a[5].nulls[i]) owner[a[0].ints[i]] = a[5].ints[i];
    }
    const auto matches = quality::MatchLeadsToAccounts(unmatched, accounts);
    for (size_t k = 0; k < matches.size(); ++k) {
      auto it = owner.find(matches[k].account_id);
      if (matches[k].account_id != 0 && it != owner.end()) {
        leads[unmatched_at[k]].account_owner = it->second;
      }
    }
  }
  PoolState state;
  MOPS_ASSIGN_OR_RETURN(store::Rows st,
                        db.Query("SELECT pool, user_id, credit FROM lead_routing_state"));
  for (const auto& row : st.rows) {
    state[store::AsText(row[0])][store::AsInt(row[1])] = store::AsInt(row[2]);
  }
  MOPS_ASSIGN_OR_RETURN(report.assignments, Route(config, leads, reps, state, now));
  report.leads = static_cast<int64_t>(leads.size());
  if (dry_run) return report;

  // A lead already waiting in the same queue is not queued again.
  MOPS_ASSIGN_OR_RETURN(store::Rows queued,
                        db.Query("SELECT DISTINCT contact_id, queue FROM lead_assignments WHERE "
                                 "user_id IS NULL"));
  std::set<std::pair<int64_t, std::string>> waiting;
  for (const auto& row : queued.rows) waiting.emplace(store::AsInt(row[0]), store::AsText(row[1]));
  MOPS_ASSIGN_OR_RETURN(auto owner, db.Prepare("UPDATE contacts SET owner_id = ? WHERE id = ?"));
  MOPS_ASSIGN_OR_RETURN(auto insert,
                        db.Prepare("INSERT INTO lead_assignments (contact_id, user_id, queue, "
                                   "rule, reason, assigned_at, actor) VALUES (?, ?, ?, ?, ?, ?, "
                                   "?)"));
  MOPS_ASSIGN_OR_RETURN(auto audit, db.Prepare(internal::kAuditInsert));
  for (const Assignment& a : report.assignments) {
    if (a.user_id == 0 && waiting.contains({a.contact_id, a.queue})) continue;
    const Value user = a.user_id != 0 ? Value(a.user_id) : Value();
    const std::vector<Value> row = {a.contact_id,
                                    user,
                                    a.user_id == 0 ? Value(a.queue) : Value(),
                                    a.rule.empty() ? Value() : Value(a.rule),
                                    a.reason.empty() ? Value() : Value(a.reason),
                                    now,
                                    std::string(actor)};
    MOPS_TRY(insert->ExecuteQueued(row));
    if (a.user_id != 0) {
      const std::vector<Value> o = {a.user_id, a.contact_id};
      MOPS_TRY(owner->ExecuteQueued(o));
    }
    nlohmann::json after = {{"rule", a.rule}};
    if (a.user_id != 0) {
      after["owner_id"] = a.user_id;
    } else {
      after["queue"] = a.queue;
      after["reason"] = a.reason;
    }
    const std::vector<Value> au = {
        now,         std::string(actor),           "leads.route",
        "contacts",  std::to_string(a.contact_id), nlohmann::json{{"owner_id", nullptr}}.dump(),
        after.dump()};
    MOPS_TRY(audit->ExecuteQueued(au));
  }
  MOPS_ASSIGN_OR_RETURN(auto save,
                        db.Prepare("INSERT INTO lead_routing_state (pool, user_id, credit) VALUES "
                                   "(?, ?, ?) ON CONFLICT (pool, user_id) DO UPDATE SET credit = "
                                   "excluded.credit"));
  for (const auto& [pool, credits] : state) {
    for (const auto& [user, credit] : credits) {
      const std::vector<Value> row = {pool, user, credit};
      MOPS_TRY(save->ExecuteQueued(row));
    }
  }
  MOPS_TRY(db.Flush());
  MOPS_TRY(tx.Commit());
  return report;
}

core::Result<RouteReport> RouteImportedMqls(store::Database& db, std::span<const int64_t> new_ids,
                                            Timestamp now) {
  if (new_ids.empty()) return RouteReport{};
  // The ids an import adds are those above the table's previous maximum.
  const std::vector<Value> from = {new_ids.front()};
  MOPS_ASSIGN_OR_RETURN(Value waiting,
                        db.QueryValue("SELECT COUNT(*) FROM contacts WHERE id >= ? AND "
                                      "merged_into IS NULL AND owner_id IS NULL AND "
                                      "lifecycle_stage = 'mql'",
                                      from));
  if (store::AsInt(waiting) == 0) return RouteReport{};
  return RouteLeads(db, /*dry_run=*/false, "import", now);
}

}  // namespace mops::leads
