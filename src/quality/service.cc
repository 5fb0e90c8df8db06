// The quality services: the engines run on a workspace, in transactions.
#include <algorithm>
#include <chrono>
#include <set>

#include "core/strings.h"
#include "core/time.h"
#include "quality/quality.h"

namespace mops::quality {
namespace {

using core::ErrorCode;
using store::ColumnType;
using store::Value;

Value TextOrNull(const std::string& s) { return s.empty() ? Value{} : Value{s}; }

std::string DumpJson(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

core::Status Audit(store::Statement& insert, int64_t at, std::string_view actor,
                   std::string_view action, std::string_view entity, const std::string& entity_id,
                   const Json& before, const Json& after) {
  std::vector<Value> params = {at,
                               std::string(actor),
                               std::string(action),
                               std::string(entity),
                               entity_id,
                               before.is_null() ? Value{} : Value{DumpJson(before)},
                               after.is_null() ? Value{} : Value{DumpJson(after)}};
  return insert.ExecuteQueued(params);
}

constexpr std::string_view kAuditInsert =
    "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, ?, "
    "?, ?, ?, ?)";

// The columns of a table, from an empty select.
core::Result<std::set<std::string>> TableColumns(store::Database& db, std::string_view table) {
  MOPS_ASSIGN_OR_RETURN(store::Rows rows,
                        db.Query("SELECT * FROM " + std::string(table) + " WHERE 1 = 0"));
  return std::set<std::string>(rows.columns.begin(), rows.columns.end());
}

}  // namespace

// ---------------------------------------------------------------------------
// Standardize

core::Result<StandardizeReport> Standardize(store::Database& db,
                                            const StandardizeOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  StandardizeReport report;
  report.dry_run = options.dry_run;
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));

  const ColumnType T = ColumnType::kText, I = ColumnType::kInt;
  const std::vector<ColumnType> contact_types = {I, T, T, T, T, T, T, T, T, T, T, T, T, T, I};
  MOPS_ASSIGN_OR_RETURN(
      std::vector<store::Column> c,
      db.ScanColumns("SELECT id, email, first_name, last_name, title, seniority, department, "
                     "phone, company_name, country, state, email_status, email_suggestion, "
                     "phone_type, phone_valid FROM contacts WHERE merged_into IS NULL ORDER BY id",
                     {}, contact_types));
  const std::vector<ColumnType> account_types = {I, T, T, T, T, T, T};
  MOPS_ASSIGN_OR_RETURN(
      std::vector<store::Column> a,
      db.ScanColumns("SELECT id, name, domain, website, country, state, company_key FROM accounts "
                     "WHERE merged_into IS NULL ORDER BY id",
                     {}, account_types));
  report.contacts = static_cast<int64_t>(c[0].size());
  report.accounts = static_cast<int64_t>(a[0].size());
  const int64_t total = report.contacts + report.accounts;

  std::unique_ptr<store::Statement> update_contact, update_account, audit;
  if (!options.dry_run) {
    MOPS_ASSIGN_OR_RETURN(
        update_contact,
        db.Prepare("UPDATE contacts SET email = ?, first_name = ?, last_name = ?, title = ?, "
                   "seniority = ?, department = ?, phone = ?, company_name = ?, country = ?, "
                   "state = ?, email_status = ?, email_suggestion = ?, phone_type = ?, "
                   "phone_valid = ? WHERE id = ?"));
    MOPS_ASSIGN_OR_RETURN(
        update_account,
        db.Prepare("UPDATE accounts SET name = ?, domain = ?, website = ?, country = ?, state = ?, "
                   "company_key = ? WHERE id = ?"));
    MOPS_ASSIGN_OR_RETURN(audit, db.Prepare(kAuditInsert));
  }
  const int64_t now = core::NowUtc();
  std::vector<FieldChange> changes;
  std::set<std::string> example_fields;
  auto record_changes = [&](std::string_view entity, int64_t id) -> core::Status {
    if (changes.empty()) return {};
    ++report.records_changed;
    report.changes += static_cast<int64_t>(changes.size());
    Json before = Json::object(), after = Json::object();
    for (const FieldChange& ch : changes) {
      const std::string key = std::string(entity) + "." + ch.field;
      ++report.per_field[key];
      if (example_fields.insert(key).second) report.examples.emplace_back(key, ch);
      before[ch.field] = ch.before;
      after[ch.field] = ch.after;
    }
    if (!options.dry_run) {
      MOPS_TRY(Audit(*audit, now, options.actor, "quality.standardize", entity, std::to_string(id),
                     before, after));
    }
    return {};
  };

  // Engines first (on every core), then the writes, on this thread.
  std::vector<ContactFields> contacts(c[0].size());
  for (size_t r = 0; r < contacts.size(); ++r) {
    ContactFields& contact = contacts[r];
    contact.id = c[0].ints[r];
    contact.email = std::move(c[1].texts[r]);
    contact.first_name = std::move(c[2].texts[r]);
    contact.last_name = std::move(c[3].texts[r]);
    contact.title = std::move(c[4].texts[r]);
    contact.seniority = std::move(c[5].texts[r]);
    contact.department = std::move(c[6].texts[r]);
    contact.phone = std::move(c[7].texts[r]);
    contact.company_name = std::move(c[8].texts[r]);
    contact.country = std::move(c[9].texts[r]);
    contact.state = std::move(c[10].texts[r]);
    contact.email_status = std::move(c[11].texts[r]);
    contact.email_suggestion = std::move(c[12].texts[r]);
    contact.phone_type = std::move(c[13].texts[r]);
    contact.phone_valid = c[14].nulls[r] ? std::nullopt : std::optional<int64_t>(c[14].ints[r]);
  }
  c.clear();
  std::vector<AccountFields> accounts(a[0].size());
  for (size_t r = 0; r < accounts.size(); ++r) {
    AccountFields& account = accounts[r];
    account.id = a[0].ints[r];
    account.name = std::move(a[1].texts[r]);
    account.domain = std::move(a[2].texts[r]);
    account.website = std::move(a[3].texts[r]);
    account.country = std::move(a[4].texts[r]);
    account.state = std::move(a[5].texts[r]);
    account.company_key = std::move(a[6].texts[r]);
  }
  a.clear();
  std::vector<std::vector<FieldChange>> contact_changes = StandardizeContacts(contacts);
  std::vector<std::vector<FieldChange>> account_changes = StandardizeAccounts(accounts);

  std::vector<Value> params;
  for (size_t r = 0; r < contacts.size(); ++r) {
    if (contact_changes[r].empty()) continue;
    changes = std::move(contact_changes[r]);
    const ContactFields& contact = contacts[r];
    MOPS_TRY(record_changes("contacts", contact.id));
    if (options.dry_run) continue;
    params = {TextOrNull(contact.email),
              TextOrNull(contact.first_name),
              TextOrNull(contact.last_name),
              TextOrNull(contact.title),
              TextOrNull(contact.seniority),
              TextOrNull(contact.department),
              TextOrNull(contact.phone),
              TextOrNull(contact.company_name),
              TextOrNull(contact.country),
              TextOrNull(contact.state),
              TextOrNull(contact.email_status),
              TextOrNull(contact.email_suggestion),
              TextOrNull(contact.phone_type),
              contact.phone_valid ? Value{*contact.phone_valid} : Value{},
              contact.id};
    MOPS_TRY(update_contact->ExecuteQueued(params));
    if (options.progress && r % 4096 == 0) options.progress(static_cast<int64_t>(r), total);
  }
  for (size_t r = 0; r < accounts.size(); ++r) {
    if (account_changes[r].empty()) continue;
    changes = std::move(account_changes[r]);
    const AccountFields& account = accounts[r];
    MOPS_TRY(record_changes("accounts", account.id));
    if (options.dry_run) continue;
    params = {TextOrNull(account.name),
              TextOrNull(account.domain),
              TextOrNull(account.website),
              TextOrNull(account.country),
              TextOrNull(account.state),
              TextOrNull(account.company_key),
              account.id};
    MOPS_TRY(update_account->ExecuteQueued(params));
  }
  if (options.progress) options.progress(total, total);
  if (!options.dry_run) {
    MOPS_TRY(db.Flush());
    MOPS_TRY(tx.Commit());
  }
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

Json ToJson(const StandardizeReport& r) {
  Json fields = Json::object();
  for (const auto& [k, v] : r.per_field) fields[k] = v;
  Json examples = Json::array();
  for (const auto& [k, ch] : r.examples) {
    examples.push_back({{"field", k}, {"id", ch.id}, {"before", ch.before}, {"after", ch.after}});
  }
  return {
      {"contacts", r.contacts}, {"accounts", r.accounts}, {"records_changed", r.records_changed},
      {"changes", r.changes},   {"per_field", fields},    {"examples", examples},
      {"dry_run", r.dry_run},   {"seconds", r.seconds}};
}

// ---------------------------------------------------------------------------
// Config

core::Result<std::pair<std::string, bool>> QualityConfigYaml(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(Value v, db.QueryValue("SELECT body FROM configs WHERE name = 'quality'"));
  if (store::IsNull(v)) return std::make_pair(std::string(DefaultQualityConfigYaml()), true);
  return std::make_pair(store::AsText(v), false);
}

core::Result<QualityConfig> LoadQualityConfig(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(auto yaml, QualityConfigYaml(db));
  if (yaml.second) return DefaultQualityConfig();
  auto config = ParseQualityConfig(yaml.first, "stored quality config");
  if (!config) {
    core::Error e = std::move(config).error();
    e.message += " (fix it with mops quality rules set FILE)";
    return core::Fail(std::move(e));
  }
  return config;
}

core::Status SetQualityConfig(store::Database& db, std::string_view yaml, std::string_view source,
                              std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(QualityConfig config, ParseQualityConfig(yaml, source));
  std::map<std::string, std::set<std::string>> columns;
  for (const char* entity : {"contacts", "accounts"}) {
    MOPS_ASSIGN_OR_RETURN(columns[entity], TableColumns(db, entity));
  }
  for (const Rule& rule : config.rules) {
    std::vector<std::string> fields = rule.fields;
    if (!rule.when_field.empty()) fields.push_back(rule.when_field);
    for (const std::string& f : fields) {
      if (!columns[rule.entity].contains(f)) {
        return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                          fmt::format("rule '{}': {} has no field '{}'", rule.name,
                                                      rule.entity, f))
                              .At(std::string(source), rule.line));
      }
    }
  }
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(auto old, QualityConfigYaml(db));
  const int64_t now = core::NowUtc();
  MOPS_TRY(db.Execute(
      "INSERT INTO configs (name, body, updated_at, updated_by) VALUES ('quality', ?, ?, ?) "
      "ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, "
      "updated_by = excluded.updated_by",
      std::vector<Value>{std::string(yaml), now, std::string(actor)}));
  MOPS_ASSIGN_OR_RETURN(auto audit, db.Prepare(kAuditInsert));
  MOPS_TRY(Audit(*audit, now, actor, "quality.rules", "configs", "quality",
                 old.second ? Json() : Json(old.first), Json(std::string(yaml))));
  MOPS_TRY(tx.Commit());
  return {};
}

// ---------------------------------------------------------------------------
// Check and score

namespace {

// Loads the fields the rules need (plus ids, source, update time) of one entity.
core::Result<RecordTable> LoadRecords(store::Database& db, std::string_view entity,
                                      const QualityConfig& config,
                                      std::vector<std::string>* external_ids) {
  RecordTable table;
  table.entity = std::string(entity);
  MOPS_ASSIGN_OR_RETURN(auto columns, TableColumns(db, entity));
  for (const std::string& f : RuleFields(config.rules, entity)) {
    if (columns.contains(f)) table.fields.push_back(f);
  }
  // Completeness of the fields a marketer looks at, even without a rule.
  const std::vector<std::string> extra =
      entity == "contacts"
          ? std::vector<std::string>{"email", "first_name",   "last_name",       "title",
                                     "phone", "company_name", "account_id",      "country",
                                     "state", "city",         "lifecycle_stage", "owner_id"}
          : std::vector<std::string>{"name",      "domain",         "website", "industry",
                                     "employees", "annual_revenue", "country", "state",
                                     "city",      "owner_id"};
  for (const std::string& f : extra) {
    if (columns.contains(f) &&
        std::find(table.fields.begin(), table.fields.end(), f) == table.fields.end()) {
      table.fields.push_back(f);
    }
  }
  // Field names are validated identifiers that exist as columns.
  std::string sql = "SELECT id, source_system, external_id, COALESCE(updated_at, created_at)";
  std::vector<ColumnType> types = {ColumnType::kInt, ColumnType::kDict, ColumnType::kText,
                                   ColumnType::kInt};
  for (const std::string& f : table.fields) {
    sql += ", " + f;
    types.push_back(ColumnType::kText);
  }
  sql += " FROM " + std::string(entity) + " WHERE merged_into IS NULL ORDER BY id";
  MOPS_ASSIGN_OR_RETURN(std::vector<store::Column> cols, db.ScanColumns(sql, {}, types));
  table.ids = std::move(cols[0].ints);
  table.source_system.reserve(table.ids.size());
  for (int32_t code : cols[1].codes) {
    table.source_system.push_back(code < 0 ? std::string() : cols[1].dict[code]);
  }
  if (external_ids) *external_ids = std::move(cols[2].texts);
  table.updated_at = std::move(cols[3].ints);
  for (size_t f = 0; f < table.fields.size(); ++f)
    table.values.push_back(std::move(cols[4 + f].texts));
  return table;
}

Json ScoreJson(const EntityScore& s) {
  return {{"entity", s.entity},
          {"source_system", s.source_system.empty() ? Json() : Json(s.source_system)},
          {"records", s.records},
          {"score", std::round(s.score * 10) / 10}};
}

// What a violation of a rule without its own message means.
std::string DefaultMessage(const Rule& rule, const Violation& v) {
  if (rule.type == "required") return v.field + " is empty";
  if (rule.type == "allowed") return v.field + " is not one of the allowed values";
  if (rule.type == "pattern") return v.field + " does not match " + rule.pattern;
  if (rule.type == "cross_field") {
    return fmt::format("{} is empty while {} is {}", v.field, rule.when_field,
                       core::Join(rule.when_values, " or "));
  }
  if (rule.type == "stale") {
    return v.value.empty() ? "never updated"
                           : fmt::format("not updated for more than {} days", rule.days);
  }
  return rule.type + " rule failed";
}

}  // namespace

core::Result<CheckReport> Check(store::Database& db, const CheckOptions& options) {
  MOPS_ASSIGN_OR_RETURN(QualityConfig config, LoadQualityConfig(db));
  CheckReport report;
  report.run_at = core::NowUtc();
  report.as_of = options.as_of != 0 ? options.as_of : report.run_at;
  for (const char* entity : {"contacts", "accounts"}) {
    MOPS_ASSIGN_OR_RETURN(RecordTable table, LoadRecords(db, entity, config, nullptr));
    report.records[entity] = static_cast<int64_t>(table.ids.size());
    CheckResult result = CheckRecords(table, config.rules, report.as_of);
    for (RuleResult& rr : result.rules) {
      RuleSummary s;
      s.name = rr.rule->name;
      s.entity = rr.rule->entity;
      s.type = rr.rule->type;
      s.message = rr.rule->message;
      s.weight = rr.rule->weight;
      s.checked = rr.checked;
      s.failed = rr.failed;
      if (rr.violations.size() > 5) rr.violations.resize(5);
      s.examples = std::move(rr.violations);
      report.rules.push_back(std::move(s));
    }
    for (FieldStats& f : result.fields) report.fields.push_back({entity, std::move(f)});
    for (EntityScore& s : result.scores) report.scores.push_back(std::move(s));
  }
  std::stable_sort(report.rules.begin(), report.rules.end(),
                   [](const RuleSummary& a, const RuleSummary& b) { return a.failed > b.failed; });
  if (options.store) {
    MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
    MOPS_ASSIGN_OR_RETURN(
        store::Rows inserted,
        db.Query("INSERT INTO quality_runs (run_at, as_of, actor, report) VALUES (?, ?, ?, ?) "
                 "RETURNING id",
                 std::vector<Value>{report.run_at, report.as_of, options.actor,
                                    DumpJson(ToJson(report))}));
    report.run_id = store::AsInt(inserted.rows.at(0).at(0));
    MOPS_ASSIGN_OR_RETURN(auto insert,
                          db.Prepare("INSERT INTO quality_scores (run_id, entity, source_system, "
                                     "records, score) VALUES (?, ?, ?, ?, ?)"));
    for (const EntityScore& s : report.scores) {
      std::vector<Value> p = {report.run_id, s.entity, s.source_system, s.records, s.score};
      MOPS_TRY(insert->ExecuteQueued(p));
    }
    MOPS_ASSIGN_OR_RETURN(auto audit, db.Prepare(kAuditInsert));
    Json scores = Json::array();
    for (const EntityScore& s : report.scores) {
      if (s.source_system.empty()) scores.push_back(ScoreJson(s));
    }
    MOPS_TRY(Audit(*audit, report.run_at, options.actor, "quality.check", "quality_runs",
                   std::to_string(report.run_id), Json(), scores));
    MOPS_TRY(db.Flush());
    MOPS_TRY(tx.Commit());
  }
  return report;
}

Json ToJson(const CheckReport& r) {
  Json rules = Json::array();
  for (const RuleSummary& s : r.rules) {
    Json examples = Json::array();
    for (const Violation& v : s.examples) {
      examples.push_back({{"record_id", v.record_id}, {"field", v.field}, {"value", v.value}});
    }
    rules.push_back({{"name", s.name},
                     {"entity", s.entity},
                     {"type", s.type},
                     {"message", s.message},
                     {"weight", s.weight},
                     {"checked", s.checked},
                     {"failed", s.failed},
                     {"examples", examples}});
  }
  Json fields = Json::array();
  for (const FieldSummary& f : r.fields) {
    const double n = static_cast<double>(std::max<int64_t>(f.stats.records, 1));
    fields.push_back(
        {{"entity", f.entity},
         {"field", f.stats.field},
         {"records", f.stats.records},
         {"filled", f.stats.filled},
         {"valid", f.stats.valid},
         {"completeness", std::round(1000.0 * static_cast<double>(f.stats.filled) / n) / 10},
         {"validity", f.stats.filled == 0 ? 100.0
                                          : std::round(1000.0 * static_cast<double>(f.stats.valid) /
                                                       static_cast<double>(f.stats.filled)) /
                                                10}});
  }
  Json scores = Json::array();
  for (const EntityScore& s : r.scores) scores.push_back(ScoreJson(s));
  Json records = Json::object();
  for (const auto& [k, v] : r.records) records[k] = v;
  return {{"run_id", r.run_id == 0 ? Json() : Json(r.run_id)},
          {"run_at", core::FormatTimestamp(r.run_at)},
          {"as_of", core::FormatTimestamp(r.as_of)},
          {"records", records},
          {"scores", scores},
          {"rules", rules},
          {"fields", fields}};
}

core::Result<CheckReport> LatestCheck(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(store::Rows rows,
                        db.Query("SELECT id, run_at, as_of, report FROM quality_runs ORDER BY id "
                                 "DESC LIMIT 1"));
  if (rows.empty()) {
    return core::Fail(ErrorCode::kNotFound, "no quality check has run yet (mops quality check)");
  }
  const auto& row = rows.rows[0];
  Json j = Json::parse(store::AsText(row[3]), nullptr, false);
  if (j.is_discarded()) return core::Fail(ErrorCode::kInternal, "stored quality run is not JSON");
  CheckReport r;
  r.run_id = store::AsInt(row[0]);
  r.run_at = store::AsInt(row[1]);
  r.as_of = store::AsInt(row[2]);
  // Locals, not temporaries: a range-for over a temporary's items() dangles.
  const Json records = j.value("records", Json::object());
  const Json rules = j.value("rules", Json::array());
  const Json fields = j.value("fields", Json::array());
  const Json scores = j.value("scores", Json::array());
  for (const auto& [k, v] : records.items()) r.records[k] = v.get<int64_t>();
  for (const Json& s : rules) {
    RuleSummary rs;
    rs.name = s.value("name", "");
    rs.entity = s.value("entity", "");
    rs.type = s.value("type", "");
    rs.message = s.value("message", "");
    rs.weight = s.value("weight", 1.0);
    rs.checked = s.value("checked", int64_t{0});
    rs.failed = s.value("failed", int64_t{0});
    const Json examples = s.value("examples", Json::array());
    for (const Json& e : examples) {
      rs.examples.push_back(
          {e.value("record_id", int64_t{0}), e.value("field", ""), e.value("value", "")});
    }
    r.rules.push_back(std::move(rs));
  }
  for (const Json& f : fields) {
    FieldSummary fs;
    fs.entity = f.value("entity", "");
    fs.stats.field = f.value("field", "");
    fs.stats.records = f.value("records", int64_t{0});
    fs.stats.filled = f.value("filled", int64_t{0});
    fs.stats.valid = f.value("valid", int64_t{0});
    r.fields.push_back(std::move(fs));
  }
  for (const Json& s : scores) {
    EntityScore es;
    es.entity = s.value("entity", "");
    es.source_system = s["source_system"].is_string() ? s["source_system"].get<std::string>() : "";
    es.records = s.value("records", int64_t{0});
    es.score = s.value("score", 0.0);
    r.scores.push_back(std::move(es));
  }
  return r;
}

core::Result<std::vector<ScorePoint>> ScoreHistory(store::Database& db, int limit) {
  limit = std::clamp(limit, 1, 1000);
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT r.id, r.run_at, r.as_of, s.entity, s.source_system, s.records, s.score "
               "FROM quality_scores s JOIN quality_runs r ON r.id = s.run_id "
               "WHERE r.id IN (SELECT id FROM quality_runs ORDER BY id DESC LIMIT ?) "
               "ORDER BY r.id, s.entity, s.source_system",
               std::vector<Value>{int64_t{limit}}));
  std::vector<ScorePoint> out;
  for (const auto& row : rows.rows) {
    ScorePoint p;
    p.run_id = store::AsInt(row[0]);
    p.run_at = store::AsInt(row[1]);
    p.as_of = store::AsInt(row[2]);
    p.score.entity = store::AsText(row[3]);
    p.score.source_system = store::AsText(row[4]);
    p.score.records = store::AsInt(row[5]);
    p.score.score = store::AsDouble(row[6]);
    out.push_back(std::move(p));
  }
  return out;
}

core::Result<std::vector<ViolationRow>> ListViolations(store::Database& db, int64_t as_of,
                                                       std::string_view rule) {
  MOPS_ASSIGN_OR_RETURN(QualityConfig config, LoadQualityConfig(db));
  if (!rule.empty() && std::none_of(config.rules.begin(), config.rules.end(),
                                    [&](const Rule& r) { return r.name == rule; })) {
    return core::Fail(core::MakeError(ErrorCode::kNotFound,
                                      fmt::format("no rule named '{}' in the quality config", rule))
                          .InField("rule"));
  }
  if (as_of == 0) as_of = core::NowUtc();
  std::vector<ViolationRow> out;
  for (const char* entity : {"contacts", "accounts"}) {
    std::vector<std::string> external_ids;
    MOPS_ASSIGN_OR_RETURN(RecordTable table, LoadRecords(db, entity, config, &external_ids));
    std::unordered_map<int64_t, size_t> row_of;
    for (size_t r = 0; r < table.ids.size(); ++r) row_of[table.ids[r]] = r;
    CheckResult result = CheckRecords(table, config.rules, as_of);
    for (const RuleResult& rr : result.rules) {
      if (!rule.empty() && rr.rule->name != rule) continue;
      for (const Violation& v : rr.violations) {
        const size_t r = row_of[v.record_id];
        out.push_back({rr.rule->name, entity, v.record_id, table.source_system[r], external_ids[r],
                       v.field, v.value,
                       rr.rule->message.empty() ? DefaultMessage(*rr.rule, v) : rr.rule->message});
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Lead-to-account matching

core::Result<MatchAccountsReport> MatchAccounts(store::Database& db, bool dry_run,
                                                std::string_view actor, double min_similarity) {
  MatchAccountsReport report;
  report.dry_run = dry_run;
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  const ColumnType T = ColumnType::kText, I = ColumnType::kInt;
  const std::vector<ColumnType> lead_types = {I, T, T, T};
  MOPS_ASSIGN_OR_RETURN(
      auto l, db.ScanColumns("SELECT id, email, company_name, country FROM contacts WHERE "
                             "account_id IS NULL AND merged_into IS NULL ORDER BY id",
                             {}, lead_types));
  const std::vector<ColumnType> account_types = {I, T, T, T, T};
  MOPS_ASSIGN_OR_RETURN(auto a, db.ScanColumns("SELECT id, domain, website, name, country FROM "
                                               "accounts WHERE merged_into IS NULL ORDER BY id",
                                               {}, account_types));
  std::vector<LeadKey> leads(l[0].size());
  for (size_t i = 0; i < leads.size(); ++i) {
    leads[i] = {l[0].ints[i], l[1].texts[i], l[2].texts[i],
                CountryCode(l[3].texts[i]).value_or("")};
  }
  std::vector<AccountKey> accounts(a[0].size());
  for (size_t i = 0; i < accounts.size(); ++i) {
    std::string domain = DomainFromWebsite(a[1].texts[i]);
    if (domain.empty()) domain = DomainFromWebsite(a[2].texts[i]);
    accounts[i] = {a[0].ints[i], std::move(domain), CompanyKey(a[3].texts[i]),
                   CountryCode(a[4].texts[i]).value_or("")};
  }
  report.contacts = static_cast<int64_t>(leads.size());
  std::vector<AccountMatch> matches = MatchLeadsToAccounts(leads, accounts, min_similarity);

  std::unique_ptr<store::Statement> attach, touches, audit;
  if (!dry_run) {
    MOPS_ASSIGN_OR_RETURN(attach, db.Prepare("UPDATE contacts SET account_id = ? WHERE id = ? AND "
                                             "account_id IS NULL"));
    MOPS_ASSIGN_OR_RETURN(touches, db.Prepare("UPDATE touchpoints SET account_id = ? WHERE "
                                              "contact_id = ? AND account_id IS NULL"));
    MOPS_ASSIGN_OR_RETURN(audit, db.Prepare(kAuditInsert));
  }
  const int64_t now = core::NowUtc();
  int64_t shown_matched = 0, shown_unmatched = 0;
  for (const AccountMatch& m : matches) {
    if (m.account_id == 0) {
      ++report.unmatched[m.method];
      if (shown_unmatched++ < 5) report.examples.push_back(m);
      continue;
    }
    (m.method == "domain" ? report.by_domain : report.by_name)++;
    if (shown_matched++ < 10) report.examples.push_back(m);
    if (dry_run) continue;
    std::vector<Value> p = {m.account_id, m.contact_id};
    MOPS_TRY(attach->Execute(p));
    MOPS_ASSIGN_OR_RETURN(int64_t moved, touches->Execute(p));
    report.touchpoints_attached += moved;
    Json after = {{"account_id", m.account_id}, {"method", m.method}};
    if (m.method == "name") after["similarity"] = m.similarity;
    if (moved > 0) after["touchpoints"] = moved;
    MOPS_TRY(Audit(*audit, now, actor, "quality.match_account", "contacts",
                   std::to_string(m.contact_id), Json{{"account_id", nullptr}}, after));
  }
  if (!dry_run) {
    MOPS_TRY(db.Flush());
    MOPS_TRY(tx.Commit());
  }
  return report;
}

Json ToJson(const MatchAccountsReport& r) {
  Json unmatched = Json::object();
  int64_t total_unmatched = 0;
  for (const auto& [k, v] : r.unmatched) {
    unmatched[k] = v;
    total_unmatched += v;
  }
  Json examples = Json::array();
  for (const AccountMatch& m : r.examples) {
    examples.push_back({{"contact_id", m.contact_id},
                        {"account_id", m.account_id == 0 ? Json() : Json(m.account_id)},
                        {"method", m.method},
                        {"similarity", m.similarity}});
  }
  return {{"contacts", r.contacts},
          {"matched", r.by_domain + r.by_name},
          {"by_domain", r.by_domain},
          {"by_name", r.by_name},
          {"touchpoints_attached", r.touchpoints_attached},
          {"unmatched", total_unmatched},
          {"unmatched_by_reason", unmatched},
          {"examples", examples},
          {"dry_run", r.dry_run}};
}

}  // namespace mops::quality
