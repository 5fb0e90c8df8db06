// Discovery on a workspace: imports of spend and sign-in exports, the
// workspace's aliases, the loaded and analysed discovery, and apply / undo
// of the inventory changes, each write in one transaction.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/csv.h"
#include "core/strings.h"
#include "stack/discovery/discovery.h"
#include "store/database.h"

namespace mops::stack::discovery {
namespace {

using Json = nlohmann::json;
using store::AsInt;
using store::AsText;
using store::IsNull;
using store::Value;

// FNV-1a, stable across runs and builds: the identity of a spend record.
uint64_t Fnv(std::string_view text, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

Value Opt(const std::optional<int64_t>& v) { return v ? Value(*v) : Value(); }
Value Text(const std::string& s) { return s.empty() ? Value() : Value(s); }

Json ToJson(const Value& v) {
  if (std::holds_alternative<int64_t>(v)) return std::get<int64_t>(v);
  if (std::holds_alternative<double>(v)) return std::get<double>(v);
  if (std::holds_alternative<std::string>(v)) return std::get<std::string>(v);
  return nullptr;
}

Value FromJson(const Json& j) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  return Value();
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

core::Status Audit(store::Database& db, std::string_view actor, std::string_view action,
                   std::string_view entity, const std::string& entity_id, const Json& before,
                   const Json& after) {
  MOPS_TRY(db.Execute(
      "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, "
      "?, ?, ?, ?, ?)",
      std::vector<Value>{int64_t{core::NowUtc()}, std::string(actor), std::string(action),
                         std::string(entity), entity_id,
                         before.is_null() ? Value() : Value(Dump(before)),
                         after.is_null() ? Value() : Value(Dump(after))}));
  return {};
}

core::Result<std::string> ReadWhole(const std::string& path) { return core::ReadFile(path); }

Json ToolRowJson(const store::Rows& rows, size_t r) {
  Json row = Json::object();
  for (size_t c = 0; c < rows.columns.size(); ++c) row[rows.columns[c]] = ToJson(rows.rows[r][c]);
  return row;
}

}  // namespace

core::Result<ImportResult> ImportSpendText(store::Database& db, std::string_view text,
                                           const SpendReadOptions& options,
                                           std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(SpendFile file, ReadSpend(text, options));
  ImportResult result;
  result.file = options.file_name;
  result.preset = std::string(SpendPresetName(file.preset));
  result.detected = file.detected;
  result.rows = static_cast<int64_t>(file.rows.size());
  result.skipped = file.skipped;
  result.warnings = file.warnings;
  const int64_t now = core::NowUtc();
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(
      auto insert,
      db.Prepare("INSERT INTO discovery_spend (record_key, source, file, line, posted_at, "
                 "descriptor, amount, currency, original_amount, original_currency, payer, card, "
                 "department, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON "
                 "CONFLICT (record_key) DO NOTHING"));
  std::unordered_map<uint64_t, int> seen;
  std::vector<Value> params(14);
  for (const SpendRow& r : file.rows) {
    uint64_t h = Fnv(result.preset);
    h = Fnv(r.descriptor, h);
    h = Fnv(fmt::format("|{}|{}|{}|{}|{}|{}|{}|{}", r.date, r.amount, r.currency,
                        r.original_amount.value_or(0), r.original_currency, r.payer, r.card,
                        r.department),
            h);
    const int occurrence = seen[h]++;
    params[0] = fmt::format("{}:{:016x}:{}", result.preset, h, occurrence);
    params[1] = result.preset;
    params[2] = Text(options.file_name);
    params[3] = r.line;
    params[4] = r.date;
    params[5] = r.descriptor;
    params[6] = r.amount;
    params[7] = Text(r.currency);
    params[8] = Opt(r.original_amount);
    params[9] = Text(r.original_currency);
    params[10] = Text(r.payer);
    params[11] = Text(r.card);
    params[12] = Text(r.department);
    params[13] = now;
    MOPS_ASSIGN_OR_RETURN(int64_t changed, insert->Execute(params));
    (changed > 0 ? result.imported : result.already) += 1;
  }
  MOPS_TRY(Audit(db, actor, "discovery_import", "discovery_spend", options.file_name, nullptr,
                 Json{{"preset", result.preset},
                      {"rows", result.rows},
                      {"imported", result.imported},
                      {"already", result.already},
                      {"skipped", result.skipped}}));
  MOPS_TRY(tx.Commit());
  return result;
}

core::Result<ImportResult> ImportSpend(store::Database& db, const std::string& path,
                                       const SpendReadOptions& options, std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(std::string text, ReadWhole(path));
  SpendReadOptions o = options;
  if (o.file_name.empty()) o.file_name = path;
  return ImportSpendText(db, text, o, actor);
}

core::Result<ImportResult> ImportUsageText(store::Database& db, std::string_view text,
                                           const UsageReadOptions& options,
                                           std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(UsageFile file, ReadUsage(text, options));
  ImportResult result;
  result.file = options.file_name;
  result.preset = std::string(UsagePresetName(file.preset));
  result.detected = file.detected;
  result.rows = file.rows;
  result.skipped = file.ignored;
  result.warnings = file.warnings;
  const int64_t now = core::NowUtc();
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(Value before, db.QueryValue("SELECT COUNT(*) FROM discovery_usage"));
  MOPS_ASSIGN_OR_RETURN(
      auto upsert,
      db.Prepare("INSERT INTO discovery_usage (user_key, app, source, assigned, last_used_at, "
                 "imported_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_key, app) DO UPDATE SET "
                 "assigned = CASE WHEN excluded.assigned > discovery_usage.assigned THEN "
                 "excluded.assigned ELSE discovery_usage.assigned END, last_used_at = CASE WHEN "
                 "excluded.last_used_at IS NULL THEN discovery_usage.last_used_at WHEN "
                 "discovery_usage.last_used_at IS NULL OR excluded.last_used_at > "
                 "discovery_usage.last_used_at THEN excluded.last_used_at ELSE "
                 "discovery_usage.last_used_at END, source = excluded.source, imported_at = "
                 "excluded.imported_at"));
  std::vector<Value> params(6);
  for (const UserApp& p : file.pairs) {
    params[0] = p.user;
    params[1] = p.app;
    params[2] = result.preset;
    params[3] = int64_t{p.assigned ? 1 : 0};
    params[4] = Opt(p.last_used);
    params[5] = now;
    MOPS_TRY(upsert->ExecuteQueued(params));
  }
  MOPS_TRY(db.Flush());
  MOPS_ASSIGN_OR_RETURN(Value after, db.QueryValue("SELECT COUNT(*) FROM discovery_usage"));
  result.imported = AsInt(after) - AsInt(before);
  result.already = static_cast<int64_t>(file.pairs.size()) - result.imported;
  MOPS_TRY(Audit(db, actor, "discovery_import", "discovery_usage", options.file_name, nullptr,
                 Json{{"preset", result.preset},
                      {"rows", result.rows},
                      {"pairs", file.pairs.size()},
                      {"imported", result.imported},
                      {"ignored", result.skipped}}));
  MOPS_TRY(tx.Commit());
  return result;
}

core::Result<ImportResult> ImportUsage(store::Database& db, const std::string& path,
                                       const UsageReadOptions& options, std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(std::string text, ReadWhole(path));
  UsageReadOptions o = options;
  if (o.file_name.empty()) o.file_name = path;
  return ImportUsageText(db, text, o, actor);
}

core::Result<int64_t> AddAliases(store::Database& db, std::string_view csv,
                                 std::string_view file_name) {
  MOPS_ASSIGN_OR_RETURN(std::vector<Alias> aliases, ParseAliases(csv, file_name));
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  const int64_t now = core::NowUtc();
  for (const Alias& a : aliases) {
    MOPS_TRY(db.Execute(
        "INSERT INTO discovery_aliases (pattern, tool, match_kind, confidence, category, "
        "added_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pattern) DO UPDATE SET tool = "
        "excluded.tool, match_kind = excluded.match_kind, confidence = excluded.confidence, "
        "category = excluded.category, added_at = excluded.added_at",
        std::vector<Value>{a.pattern, a.tool, a.match, a.confidence, Text(a.category), now}));
  }
  MOPS_TRY(Audit(db, "cli", "discovery_aliases", "discovery_aliases", std::string(file_name),
                 nullptr, Json{{"aliases", aliases.size()}}));
  MOPS_TRY(tx.Commit());
  return static_cast<int64_t>(aliases.size());
}

core::Result<Discovery> LoadDiscovery(store::Database& db, Timestamp as_of, int active_days) {
  Discovery d;
  MOPS_ASSIGN_OR_RETURN(d.stack, LoadStack(db));
  MOPS_ASSIGN_OR_RETURN(store::Rows aliases,
                        db.Query("SELECT pattern, tool, match_kind, confidence, category, id FROM "
                                 "discovery_aliases ORDER BY id"));
  for (const auto& r : aliases.rows) {
    Alias a;
    a.pattern = AsText(r[0]);
    a.tool = AsText(r[1]);
    a.match = AsText(r[2]);
    a.confidence = store::AsDouble(r[3]);
    a.category = AsText(r[4]);
    a.line = AsInt(r[5]);
    d.aliases.push_back(std::move(a));
  }
  using store::ColumnType;
  const ColumnType spend_types[] = {
      ColumnType::kInt, ColumnType::kInt,  ColumnType::kText, ColumnType::kInt,  ColumnType::kDict,
      ColumnType::kInt, ColumnType::kDict, ColumnType::kDict, ColumnType::kDict, ColumnType::kDict};
  MOPS_ASSIGN_OR_RETURN(
      auto s, db.ScanColumns("SELECT line, posted_at, descriptor, amount, currency, "
                             "original_amount, original_currency, payer, card, department FROM "
                             "discovery_spend ORDER BY posted_at, id",
                             {}, spend_types));
  const auto dict = [](const store::Column& c, size_t i) -> std::string {
    return c.codes[i] < 0 ? std::string() : c.dict[c.codes[i]];
  };
  d.spend.resize(s[0].size());
  for (size_t i = 0; i < d.spend.size(); ++i) {
    SpendRow& r = d.spend[i];
    r.line = s[0].ints[i];
    r.date = s[1].ints[i];
    r.descriptor = s[2].texts[i];
    r.amount = s[3].ints[i];
    r.currency = dict(s[4], i);
    if (!s[5].nulls[i]) r.original_amount = s[5].ints[i];
    r.original_currency = dict(s[6], i);
    r.payer = dict(s[7], i);
    r.card = dict(s[8], i);
    r.department = dict(s[9], i);
  }
  const ColumnType usage_types[] = {ColumnType::kText, ColumnType::kDict, ColumnType::kInt,
                                    ColumnType::kInt};
  MOPS_ASSIGN_OR_RETURN(
      auto u, db.ScanColumns("SELECT user_key, app, assigned, last_used_at FROM discovery_usage "
                             "ORDER BY id",
                             {}, usage_types));
  d.usage.resize(u[0].size());
  for (size_t i = 0; i < d.usage.size(); ++i) {
    UserApp& p = d.usage[i];
    p.user = u[0].texts[i];
    p.app = dict(u[1], i);
    p.assigned = u[2].ints[i] != 0;
    if (!u[3].nulls[i]) p.last_used = u[3].ints[i];
  }
  const Matcher matcher(d.aliases);
  d.spend_report = AnalyzeSpend(d.spend, matcher, as_of);
  d.usage_report = AnalyzeUsage(d.usage, matcher, as_of, active_days);
  d.reconcile = Reconcile(d.stack, d.spend_report, d.usage_report);
  return d;
}

core::Result<ApplyResult> Apply(store::Database& db, Timestamp as_of, int active_days, bool dry_run,
                                std::string_view actor) {
  ApplyResult result;
  result.dry_run = dry_run;
  // A dry run only reads (outside a transaction, like LoadStack).
  std::optional<store::Transaction> tx;
  if (!dry_run) {
    MOPS_ASSIGN_OR_RETURN(store::Transaction started, store::Transaction::Start(db));
    tx.emplace(std::move(started));
  }
  MOPS_ASSIGN_OR_RETURN(Discovery d, LoadDiscovery(db, as_of, active_days));
  const Matcher matcher(d.aliases);
  result.changes = PlanApply(d.stack, d.reconcile, d.spend_report, d.usage_report, matcher);
  if (dry_run || result.changes.empty()) return result;
  Json updated = Json::array();
  Json inserted = Json::array();
  Json changes = Json::array();
  for (ToolChange& c : result.changes) {
    Json after = Json::object();
    if (c.annual_cost) after["annual_cost"] = *c.annual_cost;
    if (c.billing_period) after["billing_period"] = *c.billing_period;
    if (c.seats) after["seats"] = *c.seats;
    if (c.active_seats) after["active_seats"] = *c.active_seats;
    if (c.owner) after["owner"] = *c.owner;
    if (c.renewal_date) after["renewal_date"] = *c.renewal_date;
    if (c.tool_id > 0) {
      MOPS_ASSIGN_OR_RETURN(store::Rows before, db.Query("SELECT * FROM tools WHERE id = ?",
                                                         std::vector<Value>{c.tool_id}));
      if (before.empty()) {
        return core::Fail(core::ErrorCode::kConflict, "tool {} ('{}') is gone; run apply again",
                          c.tool_id, c.tool);
      }
      const Json row = ToolRowJson(before, 0);
      updated.push_back(row);
      std::string sql = "UPDATE tools SET row_hash = NULL";
      std::vector<Value> params;
      for (const auto& [column, value] : after.items()) {
        sql += ", " + column + " = ?";
        params.push_back(FromJson(value));
      }
      sql += " WHERE id = ?";
      params.push_back(c.tool_id);
      MOPS_TRY(db.Execute(sql, params));
      MOPS_TRY(Audit(db, actor, "discovery_apply", "tools", std::to_string(c.tool_id), row, after));
    } else {
      after["name"] = c.tool;
      MOPS_ASSIGN_OR_RETURN(
          store::Rows id,
          db.Query("INSERT INTO tools (source_system, external_id, name, vendor, category, "
                   "capabilities, owner, annual_cost, currency, billing_period, seats, "
                   "active_seats, renewal_date, auto_renew, status) VALUES ('discovery', ?, ?, ?, "
                   "?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'active') RETURNING id",
                   std::vector<Value>{NameKey(c.tool), c.tool, Text(c.vendor), Text(c.category),
                                      Text(c.capabilities), c.owner ? Value(*c.owner) : Value(),
                                      Opt(c.annual_cost), Text(c.currency),
                                      c.billing_period ? Value(*c.billing_period) : Value(),
                                      Opt(c.seats), Opt(c.active_seats), Opt(c.renewal_date)}));
      c.tool_id = AsInt(id.rows.at(0).at(0));
      inserted.push_back(c.tool_id);
      MOPS_TRY(
          Audit(db, actor, "discovery_apply", "tools", std::to_string(c.tool_id), nullptr, after));
    }
    changes.push_back(
        Json{{"tool", c.tool}, {"tool_id", c.tool_id}, {"reason", c.reason}, {"after", after}});
  }
  MOPS_ASSIGN_OR_RETURN(
      store::Rows id,
      db.Query("INSERT INTO discovery_applies (applied_at, actor, as_of, snapshot, changes) "
               "VALUES (?, ?, ?, ?, ?) RETURNING id",
               std::vector<Value>{int64_t{core::NowUtc()}, std::string(actor), as_of,
                                  Dump(Json{{"updated", updated}, {"inserted", inserted}}),
                                  Dump(changes)}));
  result.apply_id = AsInt(id.rows.at(0).at(0));
  MOPS_TRY(tx->Commit());
  return result;
}

core::Result<int64_t> UndoApply(store::Database& db, std::optional<int64_t> apply_id,
                                std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(store::Rows latest,
                        db.Query("SELECT id, snapshot FROM discovery_applies WHERE undone_at IS "
                                 "NULL ORDER BY id DESC LIMIT 1"));
  if (latest.empty()) {
    return core::Fail(core::ErrorCode::kNotFound, "no discovery apply to undo");
  }
  const int64_t id = AsInt(latest.rows[0][0]);
  if (apply_id && *apply_id != id) {
    return core::Fail(core::ErrorCode::kConflict,
                      "apply {} is not the latest one still applied ({}): undo that first",
                      *apply_id, id);
  }
  const Json snapshot = Json::parse(AsText(latest.rows[0][1]), nullptr, false);
  if (snapshot.is_discarded() || !snapshot.contains("updated")) {
    return core::Fail(core::ErrorCode::kInternal, "apply {} has an unreadable snapshot", id);
  }
  for (const Json& row : snapshot["updated"]) {
    std::string sql = "UPDATE tools SET ";
    std::vector<Value> params;
    bool first = true;
    for (const auto& [column, value] : row.items()) {
      if (column == "id") continue;
      if (!first) sql += ", ";
      first = false;
      sql += column + " = ?";
      params.push_back(FromJson(value));
    }
    sql += " WHERE id = ?";
    params.push_back(row["id"].get<int64_t>());
    MOPS_TRY(db.Execute(sql, params));
    MOPS_TRY(Audit(db, actor, "discovery_undo", "tools", std::to_string(row["id"].get<int64_t>()),
                   nullptr, row));
  }
  for (const Json& tool : snapshot["inserted"]) {
    MOPS_TRY(db.Execute("DELETE FROM tools WHERE id = ?", std::vector<Value>{tool.get<int64_t>()}));
    MOPS_TRY(Audit(db, actor, "discovery_undo", "tools", std::to_string(tool.get<int64_t>()),
                   nullptr, nullptr));
  }
  MOPS_TRY(db.Execute("UPDATE discovery_applies SET undone_at = ? WHERE id = ?",
                      std::vector<Value>{int64_t{core::NowUtc()}, id}));
  MOPS_TRY(tx.Commit());
  return id;
}

}  // namespace mops::stack::discovery
