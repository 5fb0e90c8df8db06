// The enrichment services: config, vendor files into staging, runs of the
// waterfall, undo, and the listings, on a workspace, in transactions.
#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>
#include <unordered_map>

#include "core/parallel_parts.h"
#include "core/strings.h"
#include "core/time.h"
#include "quality/enrich/enrich.h"
#include "quality/enrich/provenance.h"
#include "quality/quality.h"
#include "store/batch_insert.h"
#include "store/checkpointer.h"

namespace mops::quality::enrich {
namespace {

using core::ErrorCode;
using store::ColumnType;
using store::Value;

constexpr std::string_view kAuditInsert =
    "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, ?, "
    "?, ?, ?, ?)";

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Value TextOrNull(std::string_view s) { return s.empty() ? Value{} : Value{std::string(s)}; }
// The same, taking the text (for rows not needed afterwards).
Value TakeTextOrNull(std::string& s) { return s.empty() ? Value{} : Value{std::move(s)}; }

core::Status Audit(store::Database& db, int64_t at, std::string_view actor, std::string_view action,
                   std::string_view entity, const std::string& entity_id, const Json& before,
                   const Json& after) {
  MOPS_TRY(db.Execute(
      kAuditInsert,
      std::vector<Value>{at, std::string(actor), std::string(action), std::string(entity),
                         entity_id, before.is_null() ? Value{} : Value{Dump(before)},
                         after.is_null() ? Value{} : Value{Dump(after)}}));
  return {};
}

Provenance ProvenanceFrom(const Json& j) {
  Provenance p;
  p.source = j.value("source", "");
  p.vendor_record_id = j.value("vendor_record_id", "");
  p.confidence = j.value("confidence", 0.0);
  p.reason = j.value("reason", "");
  p.at = j.value("at_unix", int64_t{0});
  p.run_id = j.value("run", int64_t{0});
  return p;
}

// The enrichable columns of an entity, scanned with their types.
struct Loaded {
  std::vector<int64_t> ids;
  std::vector<store::Column> fields;  // by FieldNames(entity)
  std::vector<store::Column> extra;   // the entity's read-only inputs
};

// A text field whose values repeat across a workspace's records (an
// industry, a country, a title): scanned dictionary-coded, each distinct text
// once, instead of a string per record. Names, phones and domains are
// mostly distinct.
bool RepeatsAcrossRecords(std::string_view field) {
  return field != "company_name" && field != "phone" && field != "domain";
}

// The text of a text or dictionary-coded cell (empty for NULL).
std::string_view TextCell(const store::Column& c, size_t r) {
  if (c.type == ColumnType::kDict) {
    return c.codes[r] < 0 ? std::string_view{} : std::string_view(c.dict[c.codes[r]]);
  }
  return c.texts[r];
}

core::Result<Loaded> LoadEntity(store::Database& db, std::string_view entity,
                                std::span<const std::string_view> extra,
                                std::span<const ColumnType> extra_types) {
  const auto names = FieldNames(entity);
  std::string sql = "SELECT id";
  std::vector<ColumnType> types = {ColumnType::kInt};
  for (std::string_view f : names) {
    sql += fmt::format(", {}", f);
    types.push_back(IsIntegerField(f)         ? ColumnType::kInt
                    : RepeatsAcrossRecords(f) ? ColumnType::kDict
                                              : ColumnType::kText);
  }
  for (size_t i = 0; i < extra.size(); ++i) {
    sql += fmt::format(", {}", extra[i]);
    types.push_back(extra_types[i]);
  }
  sql += fmt::format(" FROM {} WHERE merged_into IS NULL ORDER BY id", entity);
  MOPS_ASSIGN_OR_RETURN(std::vector<store::Column> cols, db.ScanColumns(sql, {}, types));
  Loaded out;
  out.ids = std::move(cols[0].ints);
  for (size_t f = 0; f < names.size(); ++f) out.fields.push_back(std::move(cols[1 + f]));
  for (size_t i = 0; i < extra.size(); ++i) {
    out.extra.push_back(std::move(cols[1 + names.size() + i]));
  }
  return out;
}

// CellText into `out`, reusing its buffer.
void AssignCellText(std::string& out, const store::Column& c, size_t r) {
  if (c.nulls[r]) {
    out.clear();
  } else if (c.type == ColumnType::kInt) {
    out.clear();
    fmt::format_to(std::back_inserter(out), "{}", c.ints[r]);
  } else {
    out.assign(TextCell(c, r));
  }
}

std::string CellText(const store::Column& c, size_t r) {
  if (c.nulls[r]) return {};
  if (c.type == ColumnType::kInt) return std::to_string(c.ints[r]);
  return std::string(TextCell(c, r));
}

// store::AsInt of a text, without making a Value of it first.
int64_t IntOf(std::string_view text) {
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() ? out : 0;
}

Value ValueFor(std::string_view field, const std::string& text) {
  if (text.empty()) return Value{};
  if (IsIntegerField(field)) return Value{IntOf(text)};
  return Value{text};
}

Value ValueFromJson(const Json& j) {
  if (j.is_null()) return Value{};
  if (j.is_number_integer()) return Value{j.get<int64_t>()};
  if (j.is_number()) return Value{j.get<double>()};
  return Value{j.get<std::string>()};
}

// A record's provenance as stored (the text, kept exactly for undo) and parsed.
struct StoredProvenance {
  std::string text;
  Json fields;
};

core::Result<std::unordered_map<int64_t, StoredProvenance>> LoadProvenance(
    store::Database& db, std::string_view entity) {
  std::unordered_map<int64_t, StoredProvenance> out;
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT record_id, fields FROM enrichment_provenance WHERE entity = ?",
               std::vector<Value>{std::string(entity)}));
  for (const auto& row : rows.rows) {
    StoredProvenance p;
    p.text = store::AsText(row[1]);
    p.fields = ExpandProvenance(p.text);
    if (!p.fields.is_object()) p.fields = Json::object();
    out.emplace(store::AsInt(row[0]), std::move(p));
  }
  return out;
}

// The staged vendor rows matched to records of one entity, ordered by record.
struct Staged {
  std::vector<store::Column> cols;
  std::vector<uint32_t> order;  // row indexes sorted by record id
};
constexpr std::string_view kStagingColumns =
    "record_id, source, vendor_record_id, match_method, match_probability, email, first_name, "
    "last_name, company_name, domain, title, seniority, department, phone, country, state, city, "
    "industry, employees, annual_revenue";

// What a run reads of a staged row: its record and match, and the values
// that offer candidates (the names and e-mail only matched it). Columns that
// repeat (titles, countries, ...) come dictionary-coded.
constexpr std::string_view kStagedRunColumns =
    "record_id, source, vendor_record_id, match_method, match_probability, company_name, domain, "
    "title, seniority, department, phone, country, state, city, industry, employees, "
    "annual_revenue";

core::Result<Staged> LoadStaged(store::Database& db, std::string_view entity) {
  const ColumnType T = ColumnType::kText, I = ColumnType::kInt, D = ColumnType::kDict,
                   R = ColumnType::kReal;
  const std::vector<ColumnType> types = {I, D, T, D, R, T, T, D, D, D, T, D, D, D, D, I, I};
  Staged s;
  MOPS_ASSIGN_OR_RETURN(
      s.cols, db.ScanColumns(fmt::format("SELECT {} FROM enrichment_staging WHERE entity = ? AND "
                                         "match_status = 'matched' ORDER BY id",
                                         kStagedRunColumns),
                             std::vector<Value>{std::string(entity)}, types));
  s.order.resize(s.cols[0].size());
  std::iota(s.order.begin(), s.order.end(), 0u);
  std::stable_sort(s.order.begin(), s.order.end(),
                   [&](uint32_t a, uint32_t b) { return s.cols[0].ints[a] < s.cols[0].ints[b]; });
  return s;
}

std::string_view DictText(const store::Column& c, size_t i) {
  return c.codes[i] < 0 ? std::string_view{} : std::string_view(c.dict[c.codes[i]]);
}

// Staged row `i`, viewed in place (this runs per staged row).
VendorRowView StagedRow(const Staged& s, uint32_t i) {
  VendorRowView row;
  row.vendor_record_id = s.cols[2].texts[i];
  row.company_name = s.cols[5].texts[i];
  row.domain = s.cols[6].texts[i];
  row.title = DictText(s.cols[7], i);
  row.seniority = DictText(s.cols[8], i);
  row.department = DictText(s.cols[9], i);
  row.phone = s.cols[10].texts[i];
  row.country = DictText(s.cols[11], i);
  row.state = DictText(s.cols[12], i);
  row.city = DictText(s.cols[13], i);
  row.industry = DictText(s.cols[14], i);
  if (!s.cols[15].nulls[i]) row.employees = s.cols[15].ints[i];
  if (!s.cols[16].nulls[i]) row.annual_revenue = s.cols[16].ints[i];
  return row;
}

// Candidates of the staged rows of `record_id`; `cursor` walks s.order.
void StagedCandidates(const Staged& s, std::string_view entity, int64_t record_id, size_t& cursor,
                      std::string_view only_source, std::vector<Candidate>& out) {
  while (cursor < s.order.size() && s.cols[0].ints[s.order[cursor]] < record_id) ++cursor;
  for (size_t k = cursor; k < s.order.size() && s.cols[0].ints[s.order[k]] == record_id; ++k) {
    const uint32_t i = s.order[k];
    const std::string_view source = DictText(s.cols[1], i);
    if (!only_source.empty() && source != only_source) continue;
    VendorCandidates(StagedRow(s, i), source, entity, s.cols[4].reals[i], DictText(s.cols[3], i),
                     out);
  }
}

// One record's decisions: changed fields and the candidates that won.
struct RecordChange {
  std::vector<int> fields;
  // Parallel to fields: the first fields.size() are this record's (copies:
  // candidates grow and re-sort); the slots past them are kept for their
  // buffers, so a record's copies allocate nothing once warm.
  std::vector<Candidate> chosen;
  void Clear() { fields.clear(); }
  void Add(int field, const Candidate& c) {
    const size_t k = fields.size();
    fields.push_back(field);
    if (chosen.size() <= k) {
      chosen.push_back(c);
    } else {
      chosen[k] = c;
    }
  }
};

bool IsEmptyCell(const store::Column& c, size_t r) {
  return c.nulls[r] || (c.type != ColumnType::kInt && TextCell(c, r).empty());
}

// Candidates grouped by field, stable: a counting sort that moves each
// candidate once into `scratch` (reused, so no allocation once warm).
void SortByField(std::vector<Candidate>& candidates, std::vector<Candidate>& scratch) {
  constexpr size_t kFields = 32;
  static_assert(kContactFieldCount <= kFields && kAccountFieldCount <= kFields);
  std::array<uint32_t, kFields + 1> start{};
  bool sorted = true;
  for (size_t i = 0; i < candidates.size(); ++i) {
    ++start[static_cast<size_t>(candidates[i].field) + 1];
    if (i > 0 && candidates[i - 1].field > candidates[i].field) sorted = false;
  }
  if (sorted) return;
  for (size_t f = 1; f <= kFields; ++f) start[f] += start[f - 1];
  scratch.resize(candidates.size());
  for (Candidate& c : candidates) scratch[start[static_cast<size_t>(c.field)]++] = std::move(c);
  candidates.swap(scratch);
}

std::span<const Candidate> OfField(const std::vector<Candidate>& sorted, int field) {
  auto lo = std::lower_bound(sorted.begin(), sorted.end(), field,
                             [](const Candidate& c, int f) { return c.field < f; });
  auto hi = lo;
  while (hi != sorted.end() && hi->field == field) ++hi;
  return {sorted.data() + (lo - sorted.begin()), static_cast<size_t>(hi - lo)};
}

// JSON text without building a document: the hot path writes one
// provenance object and one change row per changed record
// (AppendJsonString, provenance.h, writes the strings).
void AppendCell(std::string& out, const store::Column& c, size_t r) {
  if (c.nulls[r]) {
    out += "null";
  } else if (c.type == ColumnType::kInt) {
    out += std::to_string(c.ints[r]);
  } else {
    AppendJsonString(out, TextCell(c, r));
  }
}

void AppendValue(std::string& out, std::string_view field, const std::string& value) {
  if (IsIntegerField(field)) {
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}"), IntOf(value));
  } else {
    AppendJsonString(out, value);
  }
}

// `tail`: what follows the reason in every provenance entry of a run
// (`,"at":"…","at_unix":…,"run":…}`).
void AppendProvenance(std::string& out, const Candidate& c, std::string_view tail) {
  out += "{\"source\":";
  AppendJsonString(out, c.source);
  if (!c.vendor_record_id.empty()) {
    out += ",\"vendor_record_id\":";
    AppendJsonString(out, c.vendor_record_id);
  }
  fmt::format_to(std::back_inserter(out), FMT_COMPILE(",\"confidence\":{:.4g},\"reason\":"),
                 c.confidence);
  AppendJsonString(out, c.reason);
  out += tail;
}

struct Runner {
  std::string_view entity;
  const EnrichmentConfig& config;
  RunReport& report;
  std::vector<FieldFill*> fills;  // by field index
  // The config per field, looked up once.
  std::vector<std::vector<std::string>> order;
  std::vector<uint8_t> overwrite;

  void Init(std::vector<FieldFill>& field_fills) {
    const auto names = FieldNames(entity);
    for (size_t f = 0; f < names.size(); ++f) {
      fills.push_back(&field_fills[f]);
      order.push_back(config.SourcesFor(entity, static_cast<int>(f)));
      overwrite.push_back(config.overwrite.contains(fmt::format("{}.{}", entity, names[f])));
    }
  }

  // Decides `field` of one record from its candidates (sorted by field),
  // updating `values` and `change`.
  void Decide(int field, int64_t id, std::vector<std::string>& values,
              const StoredProvenance* provenance, const std::vector<Candidate>& candidates,
              RecordChange& change) {
    const std::span<const Candidate> of_field = OfField(candidates, field);
    if (of_field.empty()) return;
    const std::string_view name = FieldNames(entity)[field];
    std::string current_source;
    if (provenance != nullptr) {
      const Json& fields = provenance->fields;
      if (auto it = fields.find(name); it != fields.end() && it->is_object()) {
        current_source = it->value("source", "");
      }
    }
    FieldDecision d = DecideField(entity, id, name, values[field], current_source, of_field,
                                  order[field], overwrite[field] != 0, config.tolerance);
    for (Conflict& c : d.conflicts) report.conflicts.push_back(std::move(c));
    if (d.chosen == nullptr) return;
    values[field] = d.chosen->value;
    change.Add(field, *d.chosen);
    fills[field]->changed++;
    fills[field]->by_source[d.chosen->source]++;
  }
};

// One changed record's writes, built by the thread that decided it (the
// JSON texts are most of a write's CPU) and executed by the writing thread.
struct PendingWrite {
  size_t row = 0;
  uint32_t mask = 0;          // bit f: field f changed
  std::vector<Value> params;  // the changed fields in column order, then the id
  std::string provenance, before, after;
  // Enriched for the first time: the undo (`before`, the values only) goes
  // in the provenance row, and no change row is written.
  bool folded = false;
};

// The texts of a run's writes: the provenance tail (`at`, `run`) formatted
// once. Read-only once made, so worker threads share it.
struct WriteTexts {
  std::string tail;  // of every provenance entry
  int64_t run_id = 0, now = 0;

  void Build(std::string_view entity, const Loaded& l, size_t r, const RecordChange& ch,
             const StoredProvenance* old_prov, PendingWrite& out) const {
    const auto names = FieldNames(entity);
    out.row = r;
    out.mask = 0;
    for (int f : ch.fields) out.mask |= uint32_t{1} << f;
    out.params.clear();
    for (size_t f = 0; f < names.size(); ++f) {
      if ((out.mask & (uint32_t{1} << f)) == 0) continue;
      for (size_t k = 0; k < ch.fields.size(); ++k) {
        if (ch.fields[k] == static_cast<int>(f)) {
          out.params.push_back(ValueFor(names[f], ch.chosen[k].value));
          break;
        }
      }
    }
    out.params.emplace_back(l.ids[r]);
    std::string& before = out.before;
    std::string& after = out.after;
    out.folded = old_prov == nullptr;
    std::string& prov_text = out.provenance;
    if (out.folded) {
      // Undo deletes the provenance row: the values are all it needs. Most
      // were NULL: those go by their one-letter code in "nulls" (a tenth of
      // the bytes of "field": null), the rest by name in "values".
      before.assign("{");
      std::string& nulls = after;  // free until the row is written
      nulls.clear();
      for (size_t k = 0; k < ch.fields.size(); ++k) {
        const store::Column& column = l.fields[ch.fields[k]];
        const std::string_view name = names[ch.fields[k]];
        const char code = FieldCode(name);
        if (column.nulls[r] && code != 0) {
          nulls.push_back(code);
          continue;
        }
        before += before.size() == 1 ? "\"values\":{" : ",";
        AppendJsonString(before, name);
        before.push_back(':');
        AppendCell(before, column, r);
      }
      if (before.size() > 1) before.push_back('}');
      if (!nulls.empty()) {
        before += before.size() > 1 ? ",\"nulls\":\"" : "\"nulls\":\"";
        before += nulls;
        before.push_back('"');
      }
      before.push_back('}');
      after.clear();
      thread_local CompactProvenanceWriter writer;
      writer.Start(run_id, now);
      for (size_t k = 0; k < ch.fields.size(); ++k) {
        const Candidate& c = ch.chosen[k];
        writer.Add(names[ch.fields[k]], {c.source, c.vendor_record_id, c.confidence, c.reason});
      }
      writer.Finish(prov_text);
    } else {
      // Enriched before: a change row keeps the values and the stored
      // provenance text as it was (a JSON string) for undo, and the other
      // fields' provenance is kept.
      before.assign("{\"values\":{");
      for (size_t k = 0; k < ch.fields.size(); ++k) {
        if (k > 0) before.push_back(',');
        AppendJsonString(before, names[ch.fields[k]]);
        before.push_back(':');
        AppendCell(before, l.fields[ch.fields[k]], r);
      }
      before += "},\"provenance\":";
      AppendJsonString(before, old_prov->text);
      before.push_back('}');
      after.assign("{\"values\":{");
      for (size_t k = 0; k < ch.fields.size(); ++k) {
        if (k > 0) after.push_back(',');
        AppendJsonString(after, names[ch.fields[k]]);
        after.push_back(':');
        AppendValue(after, names[ch.fields[k]], ch.chosen[k].value);
      }
      after += "}}";
      Json merged = old_prov->fields;
      for (size_t k = 0; k < ch.fields.size(); ++k) {
        std::string one;
        AppendProvenance(one, ch.chosen[k], tail);
        merged[std::string(names[ch.fields[k]])] = Json::parse(one);
      }
      prov_text = CompactProvenance(merged);
    }
  }
};

// The writes of a run: the changed fields, the provenance, and what undo
// reads (in the provenance row of a record enriched for the first time, else
// a change row). One UPDATE per set of changed fields (prepared once,
// binding only those); provenance and change rows in multi-row statements.
// Statements are queued (one round trip per batch on PostgreSQL).
static_assert(kContactFieldCount <= 32 && kAccountFieldCount <= 32);
constexpr std::string_view kPendingContacts = "enrichment_pending_contacts";
struct Writer {
  store::Database* db = nullptr;
  int64_t run_id = 0, now = 0;
  WriteTexts texts;
  std::unordered_map<uint32_t, std::unique_ptr<store::Statement>> update[2];  // by field mask
  std::optional<store::BatchInsert> provenance, changes;
  // Changed contacts on PostgreSQL: their new values go to a temporary
  // table in multi-row INSERTs, and one UPDATE ... FROM writes them all at
  // Finish.
  std::optional<store::BatchInsert> pending_contacts;
  std::vector<Value> row;

  core::Status Prepare(store::Database& database, int64_t run, int64_t time) {
    db = &database;
    run_id = run;
    now = time;
    texts.tail = fmt::format(",\"at\":\"{}\",\"at_unix\":{},\"run\":{}}}",
                             core::FormatTimestamp(time), now, run_id);
    texts.run_id = run_id;
    texts.now = now;
    MOPS_ASSIGN_OR_RETURN(
        provenance,
        store::BatchInsert::Make(
            database,
            "INSERT INTO enrichment_provenance (entity, record_id, fields, undo_run, undo_before)",
            5, "ON CONFLICT (entity, record_id) DO UPDATE SET fields = excluded.fields"));
    MOPS_ASSIGN_OR_RETURN(
        changes,
        store::BatchInsert::Make(
            database, "INSERT INTO enrichment_changes (run_id, entity, record_id, before, after)",
            5, ""));
    // PostgreSQL: one statement instead of one per record. Not on SQLite,
    // where UPDATE ... FROM materializes the join first and the prepared
    // per-record UPDATEs cost less (run of 1,000,000 contacts: 40.8 against
    // 35.9 CPU s).
    if (database.dialect() == store::Dialect::kPostgres) {
      // The rowid itself on SQLite; a 64-bit key on PostgreSQL.
      std::string create = fmt::format(
          "CREATE TEMPORARY TABLE {} (id {} PRIMARY KEY, mask BIGINT NOT NULL", kPendingContacts,
          database.dialect() == store::Dialect::kSqlite ? "INTEGER" : "BIGINT");
      std::string head = fmt::format("INSERT INTO {} (id, mask", kPendingContacts);
      for (std::string_view f : FieldNames("contacts")) {
        create += fmt::format(", {} {}", f, IsIntegerField(f) ? "BIGINT" : "TEXT");
        head += fmt::format(", {}", f);
      }
      create += ")";
      head += ")";
      MOPS_TRY(database.ExecScript(create));
      MOPS_ASSIGN_OR_RETURN(pending_contacts,
                            store::BatchInsert::Make(database, head, 2 + kContactFieldCount, ""));
    }
    return {};
  }

  // The UPDATE of exactly the fields in `mask` (bit f: field f), prepared
  // the first time that set of fields changes.
  core::Result<store::Statement*> UpdateFor(std::string_view entity, uint32_t mask) {
    auto& cache = update[entity == "contacts" ? 0 : 1];
    if (auto it = cache.find(mask); it != cache.end()) return it->second.get();
    const auto names = FieldNames(entity);
    std::string sql = fmt::format("UPDATE {} SET ", entity);
    bool first = true;
    for (size_t f = 0; f < names.size(); ++f) {
      if ((mask & (uint32_t{1} << f)) == 0) continue;
      sql += fmt::format("{}{} = ?", first ? "" : ", ", names[f]);
      first = false;
    }
    sql += " WHERE id = ?";
    MOPS_ASSIGN_OR_RETURN(std::unique_ptr<store::Statement> stmt, db->Prepare(sql));
    return cache.emplace(mask, std::move(stmt)).first->second.get();
  }

  // Executes one record's writes (its texts move into the parameters).
  core::Status Write(std::string_view entity, int64_t id, PendingWrite& w) {
    if (pending_contacts && entity == "contacts") {
      row.clear();
      row.emplace_back(id);
      row.emplace_back(int64_t{w.mask});
      size_t k = 0;
      for (int f = 0; f < kContactFieldCount; ++f) {
        if ((w.mask & (uint32_t{1} << f)) != 0) {
          row.push_back(std::move(w.params[k++]));
        } else {
          row.emplace_back();
        }
      }
      MOPS_TRY(pending_contacts->AddRow(row));
    } else {
      MOPS_ASSIGN_OR_RETURN(store::Statement * update_stmt, UpdateFor(entity, w.mask));
      MOPS_TRY(update_stmt->ExecuteQueued(w.params));
    }
    row.clear();
    row.emplace_back(std::string(entity));
    row.emplace_back(id);
    row.emplace_back(std::move(w.provenance));
    if (w.folded) {
      row.emplace_back(run_id);
      row.emplace_back(std::move(w.before));
      MOPS_TRY(provenance->AddRow(row));
    } else {
      // Not set on conflict: the row keeps the undo of its first enrichment.
      row.emplace_back();
      row.emplace_back();
      MOPS_TRY(provenance->AddRow(row));
      row.clear();
      row.emplace_back(run_id);
      row.emplace_back(std::string(entity));
      row.emplace_back(id);
      row.emplace_back(std::move(w.before));
      row.emplace_back(std::move(w.after));
      MOPS_TRY(changes->AddRow(row));
    }
    w.provenance.clear();
    w.before.clear();
    w.after.clear();
    return {};
  }

  core::Status Finish() {
    MOPS_TRY(provenance->Finish());
    MOPS_TRY(changes->Finish());
    if (!pending_contacts) return {};
    MOPS_TRY(pending_contacts->Finish());
    // Each column keeps its value unless its bit is set.
    std::string sql = "UPDATE contacts SET ";
    const auto names = FieldNames("contacts");
    for (size_t f = 0; f < names.size(); ++f) {
      sql += fmt::format("{}{} = CASE WHEN (u.mask & {}) <> 0 THEN u.{} ELSE contacts.{} END",
                         f == 0 ? "" : ", ", names[f], uint32_t{1} << f, names[f], names[f]);
    }
    sql += fmt::format(" FROM {} u WHERE contacts.id = u.id", kPendingContacts);
    MOPS_TRY(db->Execute(sql));
    return db->ExecScript(fmt::format("DROP TABLE {}", kPendingContacts));
  }
};

}  // namespace

// ---------------------------------------------------------------------------
// Config

core::Result<std::pair<std::string, bool>> ConfigYaml(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(Value v,
                        db.QueryValue("SELECT body FROM configs WHERE name = 'enrichment'"));
  if (store::IsNull(v)) return std::make_pair(std::string(DefaultEnrichmentConfigYaml()), true);
  return std::make_pair(store::AsText(v), false);
}

core::Result<EnrichmentConfig> LoadConfig(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(auto yaml, ConfigYaml(db));
  if (yaml.second) return DefaultEnrichmentConfig();
  auto config = ParseEnrichmentConfig(yaml.first, "stored enrichment config");
  if (!config) {
    core::Error e = std::move(config).error();
    e.message += " (fix it with mops quality enrich config set FILE)";
    return core::Fail(std::move(e));
  }
  return config;
}

core::Status SetConfig(store::Database& db, std::string_view yaml, std::string_view source_name,
                       std::string_view actor) {
  MOPS_TRY(ParseEnrichmentConfig(yaml, source_name));
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(auto old, ConfigYaml(db));
  const int64_t now = core::NowUtc();
  MOPS_TRY(db.Execute(
      "INSERT INTO configs (name, body, updated_at, updated_by) VALUES ('enrichment', ?, ?, ?) "
      "ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, "
      "updated_by = excluded.updated_by",
      std::vector<Value>{std::string(yaml), now, std::string(actor)}));
  MOPS_TRY(Audit(db, now, actor, "quality.enrich_config", "configs", "enrichment",
                 old.second ? Json() : Json(old.first), Json(std::string(yaml))));
  return tx.Commit();
}

// ---------------------------------------------------------------------------
// Vendor files

core::Result<LoadReport> LoadVendorFile(store::Database& db, std::string_view text,
                                        std::string_view file_name,
                                        const VendorReadOptions& options, std::string_view actor) {
  // The file is read (parsed and converted on every core) while the
  // records of its entity are scanned: its header says which, and neither
  // needs the other.
  const std::string_view entity = VendorFileEntity(text, options);
  std::optional<core::Result<VendorFile>> read;
  std::jthread reading([&] { read.emplace(ReadVendorFile(text, file_name, options)); });
  core::Result<EnrichmentConfig> config = LoadConfig(db);
  // The staged rows' WAL is copied into the workspace file by the
  // checkpointer's thread, not by this commit (SQLite workspace files).
  const store::CheckpointElsewhere checkpoints(db);
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  const ColumnType T = ColumnType::kText, I = ColumnType::kInt;
  std::vector<MatchContact> contacts;
  std::vector<MatchAccount> accounts;
  core::Status scanned;
  if (!config) {
    // Reported after the file's own errors, as when it was read first.
  } else if (entity == "contacts") {
    // A contact's company is its account's name when it has one: the
    // accounts' keys are made once each (about ten contacts per account) and
    // looked up by id, rather than the name joined to every contact's row.
    const std::vector<ColumnType> account_types = {I, T};
    const std::vector<ColumnType> types = {I, T, T, T, T, I};
    auto a = db.ScanColumns("SELECT id, name FROM accounts ORDER BY id", {}, account_types);
    auto c = a ? db.ScanColumns(
                     "SELECT id, email, first_name, last_name, company_name, account_id FROM "
                     "contacts WHERE merged_into IS NULL ORDER BY id",
                     {}, types)
               : core::Result<std::vector<store::Column>>(core::Fail(std::move(a).error()));
    if (c) {
      const std::vector<int64_t>& account_ids = (*a)[0].ints;
      std::vector<std::string>& account_names = (*a)[1].texts;
      std::vector<std::string> account_keys(account_ids.size());
      core::ParallelParts(account_ids.size(), [&](size_t lo, size_t hi) {
        for (size_t i = lo; i < hi; ++i) account_keys[i] = CompanyKey(account_names[i]);
      });
      contacts.resize((*c)[0].size());
      // Each contact on its own: on every core.
      core::ParallelParts(contacts.size(), [&](size_t lo, size_t hi) {
        for (size_t i = lo; i < hi; ++i) {
          MatchContact& m = contacts[i];
          m.id = (*c)[0].ints[i];
          m.email = core::ToLower(core::Trim((*c)[1].texts[i]));
          m.first_name = std::move((*c)[2].texts[i]);
          m.last_name = std::move((*c)[3].texts[i]);
          const std::string* account_key = nullptr;
          if (!(*c)[5].nulls[i]) {
            const auto it =
                std::lower_bound(account_ids.begin(), account_ids.end(), (*c)[5].ints[i]);
            const size_t k = static_cast<size_t>(it - account_ids.begin());
            if (it != account_ids.end() && *it == (*c)[5].ints[i] && !account_names[k].empty()) {
              account_key = &account_keys[k];
            }
          }
          m.company_key = account_key != nullptr ? *account_key : CompanyKey((*c)[4].texts[i]);
        }
      });
    } else {
      scanned = core::Fail(std::move(c).error());
    }
  } else if (entity == "accounts") {
    const std::vector<ColumnType> types = {I, T, T, T, T};
    auto a = db.ScanColumns(
        "SELECT id, domain, website, name, country FROM accounts WHERE merged_into IS NULL ORDER "
        "BY id",
        {}, types);
    if (a) {
      accounts.resize((*a)[0].size());
      for (size_t i = 0; i < accounts.size(); ++i) {
        MatchAccount& m = accounts[i];
        m.id = (*a)[0].ints[i];
        m.domain = DomainFromWebsite((*a)[1].texts[i]);
        if (m.domain.empty()) m.domain = DomainFromWebsite((*a)[2].texts[i]);
        m.company_key = CompanyKey((*a)[3].texts[i]);
        m.country = CountryCode((*a)[4].texts[i]).value_or("");
      }
    } else {
      scanned = core::Fail(std::move(a).error());
    }
  }
  reading.join();
  if (!*read) return core::Fail(std::move(*read).error());
  if (!config) return core::Fail(std::move(config).error());
  if (!scanned) return core::Fail(std::move(scanned).error());
  VendorFile file = std::move(**read);
  LoadReport report;
  report.layout = file.layout;
  report.source = file.source;
  report.entity = file.entity;
  report.file = std::string(file_name);
  report.rows = static_cast<int64_t>(file.rows.size());
  report.skipped = file.skipped;
  report.warnings = file.warnings;
  const VendorMatcher matcher(file.entity, contacts, accounts, config->min_match_probability);

  MOPS_ASSIGN_OR_RETURN(Value last, db.QueryValue("SELECT MAX(batch_id) FROM enrichment_staging"));
  report.batch_id = store::AsInt(last, 0) + 1;
  const int64_t now = core::NowUtc();
  MOPS_ASSIGN_OR_RETURN(int64_t replaced,
                        db.Execute("DELETE FROM enrichment_staging WHERE source = ? AND entity = ?",
                                   std::vector<Value>{file.source, file.entity}));
  MOPS_ASSIGN_OR_RETURN(
      store::BatchInsert insert,
      store::BatchInsert::Make(db,
                               fmt::format("INSERT INTO enrichment_staging (batch_id, layout, "
                                           "entity, file, line, loaded_at, match_status, {})",
                                           kStagingColumns),
                               27, ""));
  // Rows are matched (on every core) a block ahead of the block being
  // staged (on this thread): the matching and SQLite's inserts overlap. The
  // block being matched is only read, the one being staged only written.
  std::vector<RowMatch> matches(file.rows.size());
  constexpr size_t kMatchBlock = size_t{1} << 16;
  auto match_block = [&](size_t lo) {
    const size_t n = std::min(file.rows.size(), lo + kMatchBlock) - lo;
    const std::span<const VendorRow> rows = std::span<const VendorRow>(file.rows).subspan(lo, n);
    const std::span<RowMatch> out = std::span<RowMatch>(matches).subspan(lo, n);
    core::ParallelParts(n, [&](size_t a, size_t b) {
      matcher.Match(rows.subspan(a, b - a), out.subspan(a, b - a));
    });
  };
  match_block(0);
  std::jthread matching;
  std::vector<Value> params;
  for (size_t r = 0; r < file.rows.size(); ++r) {
    if (r % kMatchBlock == 0) {
      if (matching.joinable()) matching.join();
      if (r + kMatchBlock < file.rows.size()) matching = std::jthread(match_block, r + kMatchBlock);
    }
    VendorRow& row = file.rows[r];  // its texts move into the parameters
    const RowMatch& m = matches[r];
    if (m.status == "matched") {
      ++report.matched;
      ++report.by_method[m.method];
    } else {
      (m.status == "ambiguous" ? report.ambiguous : report.unmatched)++;
      if (report.examples.size() < 20) {
        report.examples.push_back({{"line", row.line},
                                   {"vendor_record_id", row.vendor_record_id},
                                   {"name", core::Trim(row.first_name + " " + row.last_name)},
                                   {"email", row.email},
                                   {"company", row.company_name},
                                   {"status", m.status},
                                   {"method", m.method}});
      }
    }
    // Built in place: an initializer list would copy every text once more.
    params.clear();
    params.emplace_back(report.batch_id);
    params.emplace_back(file.layout);
    params.emplace_back(file.entity);
    params.emplace_back(std::string(file_name));
    params.emplace_back(row.line);
    params.emplace_back(now);
    params.emplace_back(m.status);
    params.push_back(m.record_id == 0 ? Value{} : Value{m.record_id});
    params.emplace_back(file.source);
    params.emplace_back(std::move(row.vendor_record_id));
    params.push_back(TextOrNull(m.method));
    params.push_back(m.method.empty() ? Value{} : Value{m.probability});
    for (std::string* text : {&row.email, &row.first_name, &row.last_name, &row.company_name,
                              &row.domain, &row.title, &row.seniority, &row.department, &row.phone,
                              &row.country, &row.state, &row.city, &row.industry}) {
      params.push_back(TakeTextOrNull(*text));
    }
    params.push_back(row.employees ? Value{*row.employees} : Value{});
    params.push_back(row.annual_revenue ? Value{*row.annual_revenue} : Value{});
    MOPS_TRY(insert.AddRow(params));
  }
  MOPS_TRY(insert.Finish());
  MOPS_TRY(db.Flush());
  MOPS_TRY(Audit(db, now, actor, "quality.enrich_load", "enrichment_staging",
                 std::to_string(report.batch_id), replaced > 0 ? Json{{"rows", replaced}} : Json(),
                 {{"file", report.file},
                  {"layout", report.layout},
                  {"rows", report.rows},
                  {"matched", report.matched},
                  {"unmatched", report.unmatched},
                  {"ambiguous", report.ambiguous}}));
  MOPS_TRY(tx.Commit());
  return report;
}

Json ToJson(const LoadReport& r) {
  return {{"batch_id", r.batch_id},   {"layout", r.layout},       {"source", r.source},
          {"entity", r.entity},       {"file", r.file},           {"rows", r.rows},
          {"skipped", r.skipped},     {"matched", r.matched},     {"unmatched", r.unmatched},
          {"ambiguous", r.ambiguous}, {"by_method", r.by_method}, {"warnings", r.warnings},
          {"examples", r.examples}};
}

// ---------------------------------------------------------------------------
// Runs

core::Result<RunReport> Run(store::Database& db, const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  if (!options.source.empty() && !IsSource(options.source)) {
    std::vector<std::string> names = {std::string(kInferred)};
    for (std::string_view v : VendorNames()) names.emplace_back(v);
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      fmt::format("unknown source '{}' (sources: {})",
                                                  options.source, core::Join(names, ", ")))
                          .InField("source"));
  }
  MOPS_ASSIGN_OR_RETURN(EnrichmentConfig config, LoadConfig(db));
  const int64_t now = options.now != 0 ? options.now : core::NowUtc();
  RunReport report;
  report.dry_run = options.dry_run;
  report.source = options.source;
  // A run rewrites most records and writes a provenance row for each: the
  // WAL it leaves is copied into the workspace file by the checkpointer's
  // thread, not by this commit (SQLite workspace files; nothing elsewhere).
  std::optional<store::CheckpointElsewhere> checkpoints;
  if (!options.dry_run) checkpoints.emplace(db);
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  // The staged rows are scanned on a second connection while this one scans
  // the records (a SQLite workspace file only): the run holds the write lock
  // from its start and has written nothing yet, so both read the same
  // committed rows. PostgreSQL keeps one connection, since another would
  // read a snapshot of its own.
  std::optional<core::Result<std::array<Staged, 2>>> staged_aside;
  std::jthread staged_scan;
  if (store::CanCheckpointElsewhere(db)) {
    staged_scan = std::jthread([&db, &staged_aside] {
      staged_aside = [&db]() -> core::Result<std::array<Staged, 2>> {
        MOPS_ASSIGN_OR_RETURN(std::unique_ptr<store::Database> other, db.OpenAnother());
        std::array<Staged, 2> out;
        MOPS_ASSIGN_OR_RETURN(out[0], LoadStaged(*other, "accounts"));
        MOPS_ASSIGN_OR_RETURN(out[1], LoadStaged(*other, "contacts"));
        return out;
      }();
    });
  }

  const ColumnType T = ColumnType::kText, I = ColumnType::kInt;
  const std::string_view account_extra[] = {"name", "website"};
  const ColumnType account_extra_types[] = {T, T};
  MOPS_ASSIGN_OR_RETURN(Loaded acc, LoadEntity(db, "accounts", account_extra, account_extra_types));
  const std::string_view contact_extra[] = {"email", "account_id"};
  const ColumnType contact_extra_types[] = {T, I};
  MOPS_ASSIGN_OR_RETURN(Loaded con, LoadEntity(db, "contacts", contact_extra, contact_extra_types));
  report.accounts = static_cast<int64_t>(acc.ids.size());
  report.contacts = static_cast<int64_t>(con.ids.size());
  MOPS_ASSIGN_OR_RETURN(auto acc_prov, LoadProvenance(db, "accounts"));
  MOPS_ASSIGN_OR_RETURN(auto con_prov, LoadProvenance(db, "contacts"));
  Staged acc_staged, con_staged;
  if (staged_scan.joinable()) {
    staged_scan.join();
    if (!*staged_aside) return core::Fail(std::move(*staged_aside).error());
    acc_staged = std::move((**staged_aside)[0]);
    con_staged = std::move((**staged_aside)[1]);
  } else {
    MOPS_ASSIGN_OR_RETURN(acc_staged, LoadStaged(db, "accounts"));
    MOPS_ASSIGN_OR_RETURN(con_staged, LoadStaged(db, "contacts"));
  }

  // Fill rates before, one entry per field, contacts first (what scoring
  // and routing read).
  std::vector<FieldFill> contact_fills(kContactFieldCount), account_fills(kAccountFieldCount);
  auto count_before = [](std::string_view entity, const Loaded& l, std::vector<FieldFill>& fills) {
    for (size_t f = 0; f < fills.size(); ++f) {
      fills[f].field = fmt::format("{}.{}", entity, FieldNames(entity)[f]);
      fills[f].records = static_cast<int64_t>(l.ids.size());
      const store::Column& c = l.fields[f];
      for (size_t r = 0; r < c.size(); ++r) {
        if (!IsEmptyCell(c, r)) ++fills[f].before;
      }
      fills[f].after = fills[f].before;
    }
  };
  count_before("contacts", con, contact_fills);
  count_before("accounts", acc, account_fills);

  std::optional<Writer> writer;
  if (!options.dry_run) {
    MOPS_ASSIGN_OR_RETURN(
        store::Rows run_row,
        db.Query("INSERT INTO enrichment_runs (run_at, actor, source, records_changed, "
                 "fields_changed, conflicts, report) VALUES (?, ?, ?, 0, 0, 0, '{}') RETURNING id",
                 std::vector<Value>{now, options.actor, TextOrNull(options.source)}));
    report.run_id = store::AsInt(run_row.rows.at(0).at(0));
    writer.emplace();
    MOPS_TRY(writer->Prepare(db, report.run_id, now));
  }

  const bool inferred_on = options.source.empty() || options.source == kInferred;
  const std::string vendor_only = options.source == kInferred ? "\x01" : options.source;

  // Accounts first: contacts inherit the enriched values.
  std::unordered_map<int64_t, size_t> account_row;
  account_row.reserve(acc.ids.size());
  for (size_t r = 0; r < acc.ids.size(); ++r) account_row.emplace(acc.ids[r], r);
  std::vector<std::vector<std::string>> contact_domains(acc.ids.size());
  const store::Column& con_email = con.extra[0];
  const store::Column& con_account = con.extra[1];
  {
    // The domains on every core, gathered per account in contact order.
    std::vector<std::string> domains(con.ids.size());
    core::ParallelParts(con.ids.size(), [&](size_t lo, size_t hi) {
      for (size_t r = lo; r < hi; ++r) {
        if (!con_account.nulls[r]) domains[r] = CompanyDomainFromEmail(con_email.texts[r]);
      }
    });
    for (size_t r = 0; r < con.ids.size(); ++r) {
      if (con_account.nulls[r] || domains[r].empty()) continue;
      auto it = account_row.find(con_account.ints[r]);
      if (it == account_row.end()) continue;
      contact_domains[it->second].push_back(std::move(domains[r]));
    }
  }

  std::vector<AccountView> views(acc.ids.size());
  std::vector<Candidate> candidates, scratch;
  RecordChange change;
  PendingWrite pending;
  // Counts one changed record (by its mask of changed fields) and executes
  // its writes.
  auto finish = [&](std::string_view entity, const Loaded& l, size_t r, uint32_t mask,
                    std::vector<FieldFill>& fills, PendingWrite& w) -> core::Status {
    ++report.records_changed;
    for (size_t f = 0; f < fills.size(); ++f) {
      if ((mask & (uint32_t{1} << f)) == 0) continue;
      ++report.fields_changed;
      if (IsEmptyCell(l.fields[f], r)) ++fills[f].after;
    }
    if (writer) MOPS_TRY(writer->Write(entity, l.ids[r], w));
    return {};
  };
  {
    Runner runner{"accounts", config, report, {}, {}, {}};
    runner.Init(account_fills);
    size_t cursor = 0;
    for (size_t r = 0; r < acc.ids.size(); ++r) {
      AccountView& view = views[r];
      view.id = acc.ids[r];
      view.name = acc.extra[0].texts[r];
      if (inferred_on) view.reason = AccountReason(view);
      view.values.resize(kAccountFieldCount);
      for (int f = 0; f < kAccountFieldCount; ++f) view.values[f] = CellText(acc.fields[f], r);
      candidates.clear();
      StagedCandidates(acc_staged, "accounts", view.id, cursor, vendor_only, candidates);
      if (inferred_on) InferAccount(acc.extra[1].texts[r], contact_domains[r], candidates);
      if (candidates.empty()) continue;
      SortByField(candidates, scratch);
      const auto pit = acc_prov.find(view.id);
      const StoredProvenance* prov = pit == acc_prov.end() ? nullptr : &pit->second;
      change.Clear();
      for (int f = 0; f < kAccountFieldCount; ++f) {
        runner.Decide(f, view.id, view.values, prov, candidates, change);
      }
      if (change.fields.empty()) continue;
      uint32_t mask = 0;
      for (int f : change.fields) mask |= uint32_t{1} << f;
      if (writer) writer->texts.Build("accounts", acc, r, change, prov, pending);
      MOPS_TRY(finish("accounts", acc, r, mask, account_fills, pending));
    }
  }
  contact_domains.clear();

  // Contacts without an account inherit from the one lead-to-account
  // matching finds (without attaching them: that is match-accounts' call).
  std::unordered_map<int64_t, AccountMatch> lead_matches;
  if (inferred_on) {
    std::vector<LeadKey> leads;
    for (size_t r = 0; r < con.ids.size(); ++r) {
      if (!con_account.nulls[r]) continue;
      leads.push_back({con.ids[r], con_email.texts[r], CellText(con.fields[kCCompanyName], r),
                       CountryCode(CellText(con.fields[kCCountry], r)).value_or("")});
    }
    std::vector<AccountKey> keys(acc.ids.size());
    for (size_t r = 0; r < acc.ids.size(); ++r) {
      keys[r] = {acc.ids[r], views[r].values[kADomain], CompanyKey(views[r].name),
                 CountryCode(views[r].values[kACountry]).value_or("")};
    }
    for (const AccountMatch& m : MatchLeadsToAccounts(leads, keys)) {
      if (m.account_id != 0) lead_matches.emplace(m.contact_id, m);
    }
  }
  // Contacts are independent of each other: blocks of them are decided on
  // every core, each changed record's texts built there too, then written on
  // this thread in record order while the next block is being decided.
  struct Worker {
    RunReport local;  // conflicts
    std::vector<FieldFill> fills = std::vector<FieldFill>(kContactFieldCount);
    std::vector<Candidate> candidates, scratch;
    std::vector<std::string> values = std::vector<std::string>(kContactFieldCount);
    RecordChange change;
    std::vector<PendingWrite> changes;
  };
  const WriteTexts* texts = writer ? &writer->texts : nullptr;
  static constexpr int kDerived[] = {kCSeniority, kCDepartment, kCJobFunction, kCTimeZone};
  auto decide_contacts = [&](Worker& w, size_t lo, size_t hi) {
    Runner runner{"contacts", config, w.local, {}, {}, {}};
    runner.Init(w.fills);
    std::vector<std::string>& values = w.values;
    std::vector<Candidate>& cands = w.candidates;
    size_t cursor = 0;
    if (lo < hi) {
      const int64_t first = con.ids[lo];
      cursor = static_cast<size_t>(
          std::partition_point(con_staged.order.begin(), con_staged.order.end(),
                               [&](uint32_t i) { return con_staged.cols[0].ints[i] < first; }) -
          con_staged.order.begin());
    }
    for (size_t r = lo; r < hi; ++r) {
      const int64_t id = con.ids[r];
      for (int f = 0; f < kContactFieldCount; ++f) AssignCellText(values[f], con.fields[f], r);
      cands.clear();
      StagedCandidates(con_staged, "contacts", id, cursor, vendor_only, cands);
      if (inferred_on) {
        AccountLink link;
        if (!con_account.nulls[r]) {
          if (auto it = account_row.find(con_account.ints[r]); it != account_row.end()) {
            link = {&views[it->second], "account_id", 0.9};
          }
        } else if (auto it = lead_matches.find(id); it != lead_matches.end()) {
          if (auto a = account_row.find(it->second.account_id); a != account_row.end()) {
            const bool by_domain = it->second.method == "domain";
            link = {&views[a->second], it->second.method,
                    by_domain ? 0.8 : 0.7 * it->second.similarity};
          }
        }
        InferContact(values, link, cands);
      }
      const auto pit = con_prov.find(id);
      const StoredProvenance* prov = pit == con_prov.end() ? nullptr : &pit->second;
      RecordChange& ch = w.change;
      ch.Clear();
      SortByField(cands, w.scratch);
      for (int f = 0; f < kContactFieldCount; ++f) {
        if (std::find(std::begin(kDerived), std::end(kDerived), f) != std::end(kDerived)) continue;
        runner.Decide(f, id, values, prov, cands, ch);
      }
      if (inferred_on) {
        DerivedCandidates(values, cands);
        SortByField(cands, w.scratch);
      }
      for (int f : kDerived) runner.Decide(f, id, values, prov, cands, ch);
      if (ch.fields.empty()) continue;
      PendingWrite& out = w.changes.emplace_back();
      out.row = r;
      if (texts != nullptr) {
        texts->Build("contacts", con, r, ch, prov, out);
      } else {
        for (int f : ch.fields) out.mask |= uint32_t{1} << f;
      }
    }
  };
  {
    const size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
    constexpr size_t kBlock = 1 << 14;
    // Two sets of workers: one holds the block being written, the other
    // decides the next. One thread per part lives for the whole loop (its
    // caches of phone countries, titles and zones with it): thread t
    // decides part t of every block, block k in set k % 2 once block k - 2
    // is written, and this thread writes block k once every part of it is
    // decided.
    std::vector<Worker> sets[2] = {std::vector<Worker>(threads), std::vector<Worker>(threads)};
    const size_t blocks = (con.ids.size() + kBlock - 1) / kBlock;
    std::mutex mu;
    std::condition_variable cv;
    std::vector<size_t> decided(threads, 0);  // blocks each thread has decided
    size_t written_blocks = 0;
    bool stop = false;  // the writes failed: the threads end
    auto write_block = [&](std::vector<Worker>& set) -> core::Status {
      for (Worker& w : set) {
        for (PendingWrite& pw : w.changes) {
          MOPS_TRY(finish("contacts", con, pw.row, pw.mask, contact_fills, pw));
        }
        w.changes.clear();
        for (Conflict& c : w.local.conflicts) report.conflicts.push_back(std::move(c));
        w.local.conflicts.clear();
      }
      return {};
    };
    {
      std::vector<std::jthread> pool;
      for (size_t t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
          for (size_t k = 0; k < blocks; ++k) {
            {
              std::unique_lock lock(mu);
              cv.wait(lock, [&] { return stop || written_blocks + 2 > k; });
              if (stop) return;
            }
            const size_t lo = k * kBlock, hi = std::min(con.ids.size(), lo + kBlock);
            const size_t per = (hi - lo + threads - 1) / threads;
            const size_t from = std::min(hi, lo + t * per), to = std::min(hi, from + per);
            decide_contacts(sets[k % 2][t], from, to);
            {
              std::lock_guard lock(mu);
              decided[t] = k + 1;
            }
            cv.notify_all();
          }
        });
      }
      for (size_t k = 0; k < blocks; ++k) {
        {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] {
            return std::all_of(decided.begin(), decided.end(), [k](size_t d) { return d > k; });
          });
        }
        core::Status written = write_block(sets[k % 2]);
        {
          std::lock_guard lock(mu);
          written_blocks = k + 1;
          stop = !written;
        }
        cv.notify_all();
        if (!written) return core::Fail(std::move(written).error());
      }
    }
    std::vector<Worker> workers;
    for (auto& set : sets) {
      for (Worker& w : set) workers.push_back(std::move(w));
    }
    for (Worker& w : workers) {
      for (int f = 0; f < kContactFieldCount; ++f) {
        contact_fills[f].changed += w.fills[f].changed;
        for (const auto& [source, n] : w.fills[f].by_source)
          contact_fills[f].by_source[source] += n;
      }
    }
  }
  for (auto* fills : {&contact_fills, &account_fills}) {
    for (FieldFill& f : *fills) report.fields.push_back(std::move(f));
  }

  if (!writer) {
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
  }
  MOPS_TRY(writer->Finish());
  MOPS_ASSIGN_OR_RETURN(
      auto insert_conflict,
      db.Prepare("INSERT INTO enrichment_conflicts (run_id, entity, record_id, field, kept_value, "
                 "kept_source, other_value, other_source, other_record_id, reason) VALUES (?, ?, "
                 "?, ?, ?, ?, ?, ?, ?, ?)"));
  for (const Conflict& c : report.conflicts) {
    MOPS_TRY(insert_conflict->ExecuteQueued(std::vector<Value>{
        report.run_id, c.entity, c.record_id, c.field, c.kept_value, c.kept_source, c.other_value,
        c.other_source, TextOrNull(c.other_record_id), c.reason}));
  }
  MOPS_TRY(db.Flush());
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // The conflicts are rows of their own: the stored report goes without
  // them (not built to be erased: 100,000 of them at 1M contacts).
  std::vector<Conflict> conflicts = std::move(report.conflicts);
  report.conflicts.clear();
  Json stored = ToJson(report);
  report.conflicts = std::move(conflicts);
  stored.erase("conflicts");
  stored["conflict_count"] = report.conflicts.size();
  MOPS_TRY(
      db.Execute("UPDATE enrichment_runs SET records_changed = ?, fields_changed = ?, "
                 "conflicts = ?, report = ? WHERE id = ?",
                 std::vector<Value>{report.records_changed, report.fields_changed,
                                    static_cast<int64_t>(report.conflicts.size()), Dump(stored),
                                    report.run_id}));
  MOPS_TRY(Audit(db, now, options.actor, "quality.enrich", "enrichment_runs",
                 std::to_string(report.run_id), Json(),
                 {{"records_changed", report.records_changed},
                  {"fields_changed", report.fields_changed},
                  {"conflicts", report.conflicts.size()},
                  {"source", options.source}}));
  MOPS_TRY(tx.Commit());
  return report;
}

Json ToJson(const Conflict& c) {
  return {{"entity", c.entity},
          {"record_id", c.record_id},
          {"field", c.field},
          {"kept_value", c.kept_value},
          {"kept_source", c.kept_source},
          {"other_value", c.other_value},
          {"other_source", c.other_source},
          {"other_record_id", c.other_record_id},
          {"reason", c.reason}};
}

Json ToJson(const RunReport& r) {
  Json fields = Json::array();
  for (const FieldFill& f : r.fields) {
    auto rate = [&](int64_t n) {
      return f.records == 0 ? 0.0 : static_cast<double>(n) / static_cast<double>(f.records);
    };
    fields.push_back({{"field", f.field},
                      {"records", f.records},
                      {"before", f.before},
                      {"after", f.after},
                      {"fill_before", rate(f.before)},
                      {"fill_after", rate(f.after)},
                      {"changed", f.changed},
                      {"by_source", f.by_source}});
  }
  Json conflicts = Json::array();
  for (const Conflict& c : r.conflicts) conflicts.push_back(ToJson(c));
  return {{"run_id", r.run_id == 0 ? Json() : Json(r.run_id)},
          {"dry_run", r.dry_run},
          {"source", r.source},
          {"contacts", r.contacts},
          {"accounts", r.accounts},
          {"records_changed", r.records_changed},
          {"fields_changed", r.fields_changed},
          {"conflict_count", r.conflicts.size()},
          {"fields", fields},
          {"conflicts", conflicts},
          {"seconds", r.seconds}};
}

// ---------------------------------------------------------------------------
// Undo

core::Status Undo(store::Database& db, int64_t run_id, std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows run,
      db.Query("SELECT undone_at FROM enrichment_runs WHERE id = ?", std::vector<Value>{run_id}));
  if (run.empty()) return core::Fail(ErrorCode::kNotFound, "no enrichment run {}", run_id);
  if (!store::IsNull(run.rows[0][0])) {
    return core::Fail(ErrorCode::kConflict, "enrichment run {} is undone already", run_id);
  }
  // A later run that changed a record this run enriched for the first time
  // wrote a change row for it (the record had provenance by then).
  MOPS_ASSIGN_OR_RETURN(
      Value later,
      db.QueryValue("SELECT MIN(r.id) FROM enrichment_runs r JOIN enrichment_changes c ON "
                    "c.run_id = r.id WHERE r.id > ? AND r.undone_at IS NULL AND (EXISTS (SELECT 1 "
                    "FROM enrichment_changes m WHERE m.run_id = ? AND m.entity = c.entity AND "
                    "m.record_id = c.record_id) OR EXISTS (SELECT 1 FROM enrichment_provenance p "
                    "WHERE p.undo_run = ? AND p.entity = c.entity AND p.record_id = c.record_id))",
                    std::vector<Value>{run_id, run_id, run_id}));
  if (!store::IsNull(later)) {
    return core::Fail(ErrorCode::kConflict,
                      "enrichment run {} changed records that run {} changed later: undo run {} "
                      "first",
                      store::AsInt(later), run_id, store::AsInt(later));
  }
  MOPS_ASSIGN_OR_RETURN(store::Rows changes,
                        db.Query("SELECT entity, record_id, before FROM enrichment_changes WHERE "
                                 "run_id = ? ORDER BY id DESC",
                                 std::vector<Value>{run_id}));
  MOPS_ASSIGN_OR_RETURN(auto upsert_prov,
                        db.Prepare("INSERT INTO enrichment_provenance (entity, record_id, fields) "
                                   "VALUES (?, ?, ?) ON CONFLICT (entity, record_id) DO UPDATE "
                                   "SET fields = excluded.fields"));
  MOPS_ASSIGN_OR_RETURN(auto delete_prov,
                        db.Prepare("DELETE FROM enrichment_provenance WHERE entity = ? AND "
                                   "record_id = ?"));
  // The values before, of one record, written back: "values" by field name,
  // and (a first enrichment's undo) "nulls", the codes of the fields that
  // were NULL.
  auto restore = [&](const std::string& entity, int64_t id, const Json& before) -> core::Status {
    const bool readable = !before.is_discarded() && before.is_object() &&
                          (before.contains("values") || before.contains("nulls"));
    if (!readable) {
      return core::Fail(ErrorCode::kInternal,
                        "enrichment run {}: the change of {} {} is unreadable", run_id, entity, id);
    }
    std::string sql = fmt::format("UPDATE {} SET ", entity == "accounts" ? "accounts" : "contacts");
    std::vector<Value> params;
    auto set = [&](std::string_view field, Value value) -> core::Status {
      if (FieldIndex(entity, field) < 0) {
        return core::Fail(ErrorCode::kInternal, "enrichment run {}: unknown field '{}'", run_id,
                          field);
      }
      sql += fmt::format("{}{} = ?", params.empty() ? "" : ", ", field);
      params.push_back(std::move(value));
      return {};
    };
    if (auto values = before.find("values"); values != before.end() && values->is_object()) {
      for (const auto& [field, value] : values->items()) MOPS_TRY(set(field, ValueFromJson(value)));
    }
    if (auto nulls = before.find("nulls"); nulls != before.end() && nulls->is_string()) {
      for (char code : nulls->get_ref<const std::string&>()) MOPS_TRY(set(FieldOfCode(code), {}));
    }
    if (params.empty()) return {};
    sql += " WHERE id = ?";
    params.push_back(id);
    MOPS_TRY(db.Execute(sql, params));
    return {};
  };
  // Records the run enriched for the first time: the values from their
  // provenance row, which goes.
  MOPS_ASSIGN_OR_RETURN(store::Rows folded, db.Query("SELECT entity, record_id, undo_before FROM "
                                                     "enrichment_provenance WHERE undo_run = ?",
                                                     std::vector<Value>{run_id}));
  for (const auto& row : folded.rows) {
    MOPS_TRY(restore(store::AsText(row[0]), store::AsInt(row[1]),
                     Json::parse(store::AsText(row[2]), nullptr, false)));
  }
  MOPS_TRY(db.Execute("DELETE FROM enrichment_provenance WHERE undo_run = ?",
                      std::vector<Value>{run_id}));
  for (const auto& row : changes.rows) {
    const std::string entity = store::AsText(row[0]);
    const int64_t id = store::AsInt(row[1]);
    const Json before = Json::parse(store::AsText(row[2]), nullptr, false);
    MOPS_TRY(restore(entity, id, before));
    const Json& prov = before["provenance"];
    if (prov.is_null()) {
      MOPS_TRY(delete_prov->Execute(std::vector<Value>{entity, id}));
    } else {
      const std::string text = prov.is_string() ? prov.get<std::string>() : Dump(prov);
      MOPS_TRY(upsert_prov->Execute(std::vector<Value>{entity, id, text}));
    }
  }
  const int64_t now = core::NowUtc();
  MOPS_TRY(db.Execute("UPDATE enrichment_runs SET undone_at = ?, undone_by = ? WHERE id = ?",
                      std::vector<Value>{now, std::string(actor), run_id}));
  MOPS_TRY(Audit(db, now, actor, "quality.enrich_undo", "enrichment_runs", std::to_string(run_id),
                 Json(), {{"records_restored", changes.size() + folded.size()}}));
  return tx.Commit();
}

// ---------------------------------------------------------------------------
// Listings

core::Result<std::vector<RunEntry>> ListRuns(store::Database& db, int limit) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, run_at, actor, source, records_changed, fields_changed, conflicts, "
               "undone_at FROM enrichment_runs ORDER BY id DESC LIMIT ?",
               std::vector<Value>{int64_t{limit}}));
  std::vector<RunEntry> out;
  for (const auto& r : rows.rows) {
    RunEntry e;
    e.id = store::AsInt(r[0]);
    e.at = store::AsInt(r[1]);
    e.actor = store::AsText(r[2]);
    e.source = store::AsText(r[3]);
    e.records_changed = store::AsInt(r[4]);
    e.fields_changed = store::AsInt(r[5]);
    e.conflicts = store::AsInt(r[6]);
    if (!store::IsNull(r[7])) e.undone_at = store::AsInt(r[7]);
    out.push_back(std::move(e));
  }
  return out;
}

core::Result<Json> RunDetail(store::Database& db, int64_t run_id) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT report, run_at, actor, undone_at FROM enrichment_runs WHERE id = ?",
               std::vector<Value>{run_id}));
  if (rows.empty()) return core::Fail(ErrorCode::kNotFound, "no enrichment run {}", run_id);
  Json out = Json::parse(store::AsText(rows.rows[0][0]), nullptr, false);
  if (out.is_discarded()) out = Json::object();
  out["run_id"] = run_id;
  out["at"] = core::FormatTimestamp(store::AsInt(rows.rows[0][1]));
  out["actor"] = store::AsText(rows.rows[0][2]);
  out["undone_at"] = store::IsNull(rows.rows[0][3])
                         ? Json()
                         : Json(core::FormatTimestamp(store::AsInt(rows.rows[0][3])));
  return out;
}

core::Result<std::vector<Conflict>> ListConflicts(store::Database& db, int64_t run_id, int limit) {
  if (run_id == 0) {
    MOPS_ASSIGN_OR_RETURN(
        Value last, db.QueryValue("SELECT MAX(id) FROM enrichment_runs WHERE undone_at IS NULL"));
    if (store::IsNull(last)) return std::vector<Conflict>{};
    run_id = store::AsInt(last);
  }
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT entity, record_id, field, kept_value, kept_source, other_value, "
               "other_source, other_record_id, reason FROM enrichment_conflicts WHERE run_id = ? "
               "ORDER BY id LIMIT ?",
               std::vector<Value>{run_id, int64_t{limit}}));
  std::vector<Conflict> out;
  for (const auto& r : rows.rows) {
    out.push_back({store::AsText(r[0]), store::AsInt(r[1]), store::AsText(r[2]),
                   store::AsText(r[3]), store::AsText(r[4]), store::AsText(r[5]),
                   store::AsText(r[6]), store::AsText(r[7]), store::AsText(r[8])});
  }
  return out;
}

core::Result<std::vector<StaleValue>> ListStale(store::Database& db, int64_t now, int limit) {
  MOPS_ASSIGN_OR_RETURN(EnrichmentConfig config, LoadConfig(db));
  if (now == 0) now = core::NowUtc();
  const int64_t cutoff = now - config.stale_after_days * 86400;
  MOPS_ASSIGN_OR_RETURN(store::Rows rows,
                        db.Query("SELECT entity, record_id, fields FROM enrichment_provenance "
                                 "ORDER BY entity, record_id"));
  std::vector<StaleValue> out;
  for (const auto& r : rows.rows) {
    const Json fields = ExpandProvenance(store::AsText(r[2]));
    if (!fields.is_object()) continue;
    for (const auto& [field, j] : fields.items()) {
      Provenance p = ProvenanceFrom(j);
      if (p.at >= cutoff) continue;
      out.push_back({store::AsText(r[0]), store::AsInt(r[1]), field, std::move(p)});
      if (static_cast<int>(out.size()) >= limit) return out;
    }
  }
  return out;
}

core::Result<Json> RecordProvenance(store::Database& db, std::string_view entity,
                                    int64_t record_id) {
  MOPS_ASSIGN_OR_RETURN(Value v, db.QueryValue("SELECT fields FROM enrichment_provenance WHERE "
                                               "entity = ? AND record_id = ?",
                                               std::vector<Value>{std::string(entity), record_id}));
  if (store::IsNull(v)) return Json::object();
  Json fields = ExpandProvenance(store::AsText(v));
  return fields.is_object() ? fields : Json::object();
}

}  // namespace mops::quality::enrich
