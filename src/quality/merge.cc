// Merge with survivorship, and its exact undo.
//
// A merge of N records writes N - 1 merges rows (one per merged record) that
// share a batch_id, the id of the first. Each row's snapshot holds what undo
// needs, as JSON with typed values (numbers stay numbers, NULL stays null):
//   {"record": {...the merged record's row before...},
//    "moved": [{"table", "column", "ids": [...]}],   children re-pointed
//    "deleted": [{"table", "row": {...}}],           children removed
//    "survivor": {...}}                              first row only
// Undo re-points the children, re-inserts the removed rows with their ids,
// and writes the saved rows back, so the workspace is as it was.
#include <algorithm>
#include <set>

#include "core/strings.h"
#include "core/time.h"
#include "quality/quality.h"

namespace mops::quality {
namespace {

using core::ErrorCode;
using store::Value;

// Child references to move from a merged record to its survivor.
struct ChildRef {
  std::string_view table;
  std::string_view column;
};
constexpr ChildRef kContactChildren[] = {
    {"touchpoints", "contact_id"},       {"identities", "contact_id"},
    {"campaign_members", "contact_id"},  {"opportunity_contacts", "contact_id"},
    {"lifecycle_history", "contact_id"},  // unique per (contact, stage, entered_at): see below
    {"contacts", "merged_into"},          // records merged earlier follow their survivor
};
constexpr ChildRef kAccountChildren[] = {
    {"contacts", "account_id"}, {"opportunities", "account_id"}, {"touchpoints", "account_id"},
    {"accounts", "parent_id"},  {"accounts", "merged_into"},
};

// Columns that describe a record's identity in its source, not its data.
bool Mergeable(std::string_view column) {
  return column != "id" && column != "source_system" && column != "external_id" &&
         column != "created_at" && column != "updated_at" && column != "merged_into" &&
         !column.ends_with("_ref");
}

Json ValueToJson(const Value& v) {
  if (std::holds_alternative<int64_t>(v)) return std::get<int64_t>(v);
  if (std::holds_alternative<double>(v)) return std::get<double>(v);
  if (std::holds_alternative<std::string>(v)) return std::get<std::string>(v);
  return nullptr;
}

Value JsonToValue(const Json& j) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number_float()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  return Value{};
}

Json RowJson(const store::Rows& rows, size_t r) {
  Json out = Json::object();
  for (size_t c = 0; c < rows.columns.size(); ++c)
    out[rows.columns[c]] = ValueToJson(rows.rows[r][c]);
  return out;
}

bool Identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return c == '_' || core::IsAsciiDigit(c) || (c >= 'a' && c <= 'z');
  });
}

// Writes every column of a saved row back (UPDATE by id).
core::Status RestoreRow(store::Database& db, std::string_view table, const Json& row) {
  std::string sql = "UPDATE " + std::string(table) + " SET ";
  std::vector<Value> params;
  bool first = true;
  for (const auto& [column, value] : row.items()) {
    if (column == "id") continue;
    if (!Identifier(column)) {
      return core::Fail(ErrorCode::kInternal, "merge snapshot has a bad column name '{}'", column);
    }
    sql += (first ? "" : ", ") + column + " = ?";
    params.push_back(JsonToValue(value));
    first = false;
  }
  sql += " WHERE id = ?";
  params.push_back(row.at("id").get<int64_t>());
  MOPS_TRY(db.Execute(sql, params));
  return {};
}

core::Status InsertRow(store::Database& db, std::string_view table, const Json& row) {
  std::string columns, marks;
  std::vector<Value> params;
  for (const auto& [column, value] : row.items()) {
    if (!Identifier(column)) {
      return core::Fail(ErrorCode::kInternal, "merge snapshot has a bad column name '{}'", column);
    }
    columns += (columns.empty() ? "" : ", ") + column;
    marks += marks.empty() ? "?" : ", ?";
    params.push_back(JsonToValue(value));
  }
  MOPS_TRY(db.Execute(
      "INSERT INTO " + std::string(table) + " (" + columns + ") VALUES (" + marks + ")", params));
  return {};
}

std::string Placeholders(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s;
}

core::Status UpdateIds(store::Database& db, std::string_view table, std::string_view column,
                       const Value& value, const std::vector<int64_t>& ids) {
  constexpr size_t kChunk = 500;
  for (size_t i = 0; i < ids.size(); i += kChunk) {
    const size_t n = std::min(kChunk, ids.size() - i);
    std::vector<Value> params;
    params.reserve(n + 1);
    params.push_back(value);
    for (size_t k = 0; k < n; ++k) params.emplace_back(ids[i + k]);
    MOPS_TRY(db.Execute("UPDATE " + std::string(table) + " SET " + std::string(column) +
                            " = ? WHERE id IN (" + Placeholders(n) + ")",
                        params));
  }
  return {};
}

core::Status WriteAudit(store::Database& db, int64_t at, std::string_view actor,
                        std::string_view action, std::string_view entity, int64_t id,
                        const Json& before, const Json& after) {
  MOPS_TRY(db.Execute(
      "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, "
      "?, ?, ?, ?, ?)",
      std::vector<Value>{at, std::string(actor), std::string(action), std::string(entity),
                         std::to_string(id), before.is_null() ? Value{} : Value{before.dump()},
                         after.is_null() ? Value{} : Value{after.dump()}}));
  return {};
}

core::Result<std::span<const ChildRef>> ChildrenOf(std::string_view entity) {
  if (entity == "contacts") return std::span<const ChildRef>(kContactChildren);
  if (entity == "accounts") return std::span<const ChildRef>(kAccountChildren);
  return core::Fail(
      core::MakeError(ErrorCode::kInvalidArgument,
                      fmt::format("entity must be contacts or accounts, not '{}'", entity))
          .InField("entity"));
}

core::Result<MergeReport> MergeInTransaction(store::Database& db, std::string_view entity,
                                             std::span<const int64_t> input_ids,
                                             const SurvivorshipConfig& config,
                                             std::string_view actor, bool has_pairs) {
  MOPS_ASSIGN_OR_RETURN(std::span<const ChildRef> children, ChildrenOf(entity));
  std::vector<int64_t> ids(input_ids.begin(), input_ids.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.size() < 2) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      "a merge needs at least two different record ids")
                          .InField("ids"));
  }
  const std::string table(entity);
  std::vector<Value> id_params(ids.begin(), ids.end());
  MOPS_ASSIGN_OR_RETURN(store::Rows rows, db.Query("SELECT * FROM " + table + " WHERE id IN (" +
                                                       Placeholders(ids.size()) + ") ORDER BY id",
                                                   id_params));
  if (rows.size() != ids.size()) {
    std::set<int64_t> found;
    for (const auto& row : rows.rows) found.insert(store::AsInt(row[0]));
    for (int64_t id : ids) {
      if (!found.contains(id))
        return core::Fail(ErrorCode::kNotFound, "no {} with id {}", table, id);
    }
  }
  const int c_id = rows.ColumnIndex("id"), c_source = rows.ColumnIndex("source_system"),
            c_created = rows.ColumnIndex("created_at"), c_updated = rows.ColumnIndex("updated_at"),
            c_merged = rows.ColumnIndex("merged_into");
  std::vector<MergeCandidate> candidates;
  for (const auto& row : rows.rows) {
    if (!store::IsNull(row[c_merged])) {
      return core::Fail(ErrorCode::kConflict, "{} {} is already merged into {}", table,
                        store::AsInt(row[c_id]), store::AsInt(row[c_merged]));
    }
    MergeCandidate m;
    m.id = store::AsInt(row[c_id]);
    m.source_system = store::AsText(row[c_source]);
    m.created_at = store::AsInt(row[c_created]);
    m.updated_at = store::AsInt(row[c_updated]);
    for (size_t c = 0; c < rows.columns.size(); ++c) {
      if (Mergeable(rows.columns[c])) m.fields[rows.columns[c]] = store::AsText(row[c]);
    }
    candidates.push_back(std::move(m));
  }
  const size_t s = ChooseSurvivor(candidates, config);
  const int64_t survivor = candidates[s].id;
  std::map<std::string, std::string> merged = MergedFields(candidates, s, config);

  MergeReport report;
  report.entity = table;
  report.survivor_id = survivor;
  const int64_t now = core::NowUtc();
  const Json survivor_before = RowJson(rows, s);

  // The survivor's new values, typed like the column they came from.
  Json before_fields = Json::object(), after_fields = Json::object();
  std::string set_sql;
  std::vector<Value> set_params;
  for (const auto& [field, text] : merged) {
    const int c = rows.ColumnIndex(field);
    Value v = text.empty() ? Value{} : Value{text};
    for (const auto& row : rows.rows) {
      if (!store::IsNull(row[c]) && store::AsText(row[c]) == text) {
        v = row[c];
        break;
      }
    }
    // A survivor must not become its own parent.
    if (field == "parent_id" && std::holds_alternative<int64_t>(v) &&
        std::binary_search(ids.begin(), ids.end(), std::get<int64_t>(v))) {
      v = Value{};
    }
    before_fields[field] = ValueToJson(rows.rows[s][c]);
    after_fields[field] = ValueToJson(v);
    report.fields_changed[field] = store::AsText(v);
    set_sql += field + " = ?, ";
    set_params.push_back(std::move(v));
  }
  if (survivor_before.contains("parent_id") && survivor_before["parent_id"].is_number_integer() &&
      !merged.contains("parent_id") &&
      std::binary_search(ids.begin(), ids.end(), survivor_before["parent_id"].get<int64_t>())) {
    set_sql += "parent_id = NULL, ";
    report.fields_changed["parent_id"] = "";
  }
  set_sql += "updated_at = ?";
  set_params.push_back(now);
  set_params.push_back(survivor);
  MOPS_TRY(db.Execute("UPDATE " + table + " SET " + set_sql + " WHERE id = ?", set_params));

  // Lifecycle entries the survivor has (and gains), to drop duplicates.
  std::set<std::pair<std::string, int64_t>> stages;
  if (entity == "contacts") {
    MOPS_ASSIGN_OR_RETURN(store::Rows have,
                          db.Query("SELECT stage, entered_at FROM lifecycle_history WHERE "
                                   "contact_id = ?",
                                   std::vector<Value>{survivor}));
    for (const auto& row : have.rows) stages.emplace(store::AsText(row[0]), store::AsInt(row[1]));
  }

  // The duplicate matcher's pairs inside the cluster are settled: 'merged'
  // (their earlier decision goes into the snapshot, for undo).
  Json pairs = Json::array();
  if (has_pairs) {
    std::vector<Value> params = {table};
    params.insert(params.end(), ids.begin(), ids.end());
    params.insert(params.end(), ids.begin(), ids.end());
    MOPS_ASSIGN_OR_RETURN(
        store::Rows open,
        db.Query("SELECT id, status, decided_at, decided_by FROM match_pairs WHERE entity = ? AND "
                 "record_a IN (" +
                     Placeholders(ids.size()) + ") AND record_b IN (" + Placeholders(ids.size()) +
                     ") AND status IN ('match', 'accepted', 'review') ORDER BY id",
                 params));
    std::vector<int64_t> pair_ids;
    for (size_t k = 0; k < open.size(); ++k) {
      pairs.push_back(RowJson(open, k));
      pair_ids.push_back(store::AsInt(open.rows[k][0]));
    }
    if (!pair_ids.empty()) {
      MOPS_TRY(UpdateIds(db, "match_pairs", "status", Value{std::string("merged")}, pair_ids));
      MOPS_TRY(UpdateIds(db, "match_pairs", "decided_at", Value{now}, pair_ids));
      MOPS_TRY(UpdateIds(db, "match_pairs", "decided_by", Value{std::string(actor)}, pair_ids));
    }
    report.pairs_merged = static_cast<int64_t>(pair_ids.size());
  }

  for (size_t r = 0; r < rows.size(); ++r) {
    if (r == s) continue;
    const int64_t loser = candidates[r].id;
    Json snapshot = {
        {"record", RowJson(rows, r)}, {"moved", Json::array()}, {"deleted", Json::array()}};
    if (report.merge_ids.empty()) {
      snapshot["survivor"] = survivor_before;
      snapshot["pairs"] = pairs;
    }
    for (const ChildRef& child : children) {
      const std::string ctable(child.table), column(child.column);
      std::string sql = "SELECT * FROM " + ctable + " WHERE " + column + " = ?";
      std::vector<Value> params = {loser};
      // The cluster's own records are not children of each other.
      if (ctable == table) {
        sql += " AND id NOT IN (" + Placeholders(ids.size()) + ")";
        params.insert(params.end(), ids.begin(), ids.end());
      }
      MOPS_ASSIGN_OR_RETURN(store::Rows kids, db.Query(sql + " ORDER BY id", params));
      std::vector<int64_t> move_ids;
      const int k_id = kids.ColumnIndex("id");
      for (size_t k = 0; k < kids.size(); ++k) {
        if (ctable == "lifecycle_history") {
          auto key = std::make_pair(store::AsText(kids.rows[k][kids.ColumnIndex("stage")]),
                                    store::AsInt(kids.rows[k][kids.ColumnIndex("entered_at")]));
          if (!stages.insert(key).second) {
            snapshot["deleted"].push_back({{"table", ctable}, {"row", RowJson(kids, k)}});
            MOPS_TRY(db.Execute("DELETE FROM lifecycle_history WHERE id = ?",
                                std::vector<Value>{kids.rows[k][k_id]}));
            report.children_moved["lifecycle_history.removed_duplicates"]++;
            continue;
          }
        }
        move_ids.push_back(store::AsInt(kids.rows[k][k_id]));
      }
      if (move_ids.empty()) continue;
      MOPS_TRY(UpdateIds(db, ctable, column, Value{survivor}, move_ids));
      snapshot["moved"].push_back({{"table", ctable}, {"column", column}, {"ids", move_ids}});
      report.children_moved[ctable + "." + column] += static_cast<int64_t>(move_ids.size());
    }
    MOPS_TRY(db.Execute("UPDATE " + table + " SET merged_into = ?, updated_at = ? WHERE id = ?",
                        std::vector<Value>{survivor, now, loser}));
    MOPS_ASSIGN_OR_RETURN(
        store::Rows inserted,
        db.Query("INSERT INTO merges (entity, survivor_id, merged_id, snapshot, merged_at, actor, "
                 "batch_id) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                 std::vector<Value>{
                     table, survivor, loser, snapshot.dump(), now, std::string(actor),
                     report.merge_ids.empty() ? Value{} : Value{report.merge_ids.front()}}));
    const int64_t merge_id = store::AsInt(inserted.rows.at(0).at(0));
    if (report.merge_ids.empty()) {
      MOPS_TRY(
          db.Execute("UPDATE merges SET batch_id = id WHERE id = ?", std::vector<Value>{merge_id}));
    }
    report.merge_ids.push_back(merge_id);
    report.merged_ids.push_back(loser);
    MOPS_TRY(WriteAudit(db, now, actor, "quality.merge", table, loser,
                        Json{{"merged_into", nullptr}},
                        Json{{"merged_into", survivor}, {"merge_id", merge_id}}));
  }
  report.merge_id = report.merge_ids.front();
  Json moved = Json::object();
  for (const auto& [k, v] : report.children_moved) moved[k] = v;
  MOPS_TRY(WriteAudit(db, now, actor, "quality.merge", table, survivor, before_fields,
                      Json{{"fields", after_fields},
                           {"merged_ids", report.merged_ids},
                           {"children", moved},
                           {"merge_id", report.merge_id}}));
  return report;
}

}  // namespace

core::Result<MergeReport> MergeRecords(store::Database& db, std::string_view entity,
                                       std::span<const int64_t> ids,
                                       const SurvivorshipConfig& config, std::string_view actor) {
  // Whether LINKAGE's match_pairs table is there, asked before the
  // transaction: on PostgreSQL a failed statement would abort it.
  const bool has_pairs = db.Query("SELECT id FROM match_pairs WHERE 1 = 0").has_value();
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(MergeReport report,
                        MergeInTransaction(db, entity, ids, config, actor, has_pairs));
  MOPS_TRY(tx.Commit());
  return report;
}

core::Result<ClusterMergeReport> MergeClusters(store::Database& db, std::string_view entity,
                                               const std::vector<std::vector<int64_t>>& clusters,
                                               const SurvivorshipConfig& config,
                                               std::string_view actor) {
  MOPS_TRY(ChildrenOf(entity));
  const std::string table(entity);
  MOPS_ASSIGN_OR_RETURN(auto lookup,
                        db.Prepare("SELECT merged_into FROM " + table + " WHERE id = ?"));
  ClusterMergeReport out;
  for (const auto& cluster : clusters) {
    std::set<int64_t> current;
    for (int64_t id : cluster) {
      // Follow merged_into to the record that stands for this one now
      // (bounded, in case of a cycle written by hand).
      for (int hops = 0; hops < 64; ++hops) {
        std::vector<Value> p = {id};
        MOPS_ASSIGN_OR_RETURN(store::Rows rows, lookup->Query(p));
        if (rows.empty() || store::IsNull(rows.rows[0][0])) break;
        id = store::AsInt(rows.rows[0][0]);
      }
      current.insert(id);
    }
    if (current.size() < 2) {
      ++out.skipped;
      continue;
    }
    const std::vector<int64_t> ids(current.begin(), current.end());
    MOPS_ASSIGN_OR_RETURN(MergeReport r, MergeRecords(db, entity, ids, config, actor));
    out.merges.push_back(std::move(r));
  }
  return out;
}

core::Status UndoMerge(store::Database& db, int64_t merge_id, std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(Value batch_value,
                        db.QueryValue("SELECT COALESCE(batch_id, id) FROM merges WHERE id = ?",
                                      std::vector<Value>{merge_id}));
  if (store::IsNull(batch_value)) return core::Fail(ErrorCode::kNotFound, "no merge {}", merge_id);
  const int64_t batch = store::AsInt(batch_value);
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, entity, survivor_id, merged_id, snapshot, undone_at FROM merges WHERE "
               "COALESCE(batch_id, id) = ? ORDER BY id",
               std::vector<Value>{batch}));
  if (!store::IsNull(rows.rows.front()[5])) {
    return core::Fail(ErrorCode::kConflict, "merge {} is already undone", batch);
  }
  const std::string entity = store::AsText(rows.rows.front()[1]);
  MOPS_TRY(ChildrenOf(entity));
  std::set<int64_t> records;
  for (const auto& row : rows.rows) {
    records.insert(store::AsInt(row[2]));
    records.insert(store::AsInt(row[3]));
  }
  const int64_t last = store::AsInt(rows.rows.back()[0]);
  MOPS_ASSIGN_OR_RETURN(store::Rows later,
                        db.Query("SELECT COALESCE(batch_id, id), survivor_id, merged_id FROM "
                                 "merges WHERE entity = ? AND id > ? AND undone_at IS NULL ORDER "
                                 "BY id DESC",
                                 std::vector<Value>{entity, last}));
  for (const auto& row : later.rows) {
    if (records.contains(store::AsInt(row[1])) || records.contains(store::AsInt(row[2]))) {
      return core::Fail(ErrorCode::kConflict,
                        "merge {} involves the same records and came later: undo it first",
                        store::AsInt(row[0]));
    }
  }
  Json survivor_row;
  std::vector<int64_t> restored;
  for (auto it = rows.rows.rbegin(); it != rows.rows.rend(); ++it) {
    Json snapshot = Json::parse(store::AsText((*it)[4]), nullptr, false);
    if (snapshot.is_discarded() || !snapshot.contains("record")) {
      return core::Fail(ErrorCode::kInternal, "merge {} has an unreadable snapshot",
                        store::AsInt((*it)[0]));
    }
    for (const Json& moved : snapshot["moved"]) {
      const std::string table = moved.at("table").get<std::string>();
      const std::string column = moved.at("column").get<std::string>();
      if (!Identifier(table) || !Identifier(column)) {
        return core::Fail(ErrorCode::kInternal, "merge snapshot names a bad table or column");
      }
      MOPS_TRY(UpdateIds(db, table, column, Value{store::AsInt((*it)[3])},
                         moved.at("ids").get<std::vector<int64_t>>()));
    }
    for (const Json& deleted : snapshot["deleted"]) {
      const std::string table = deleted.at("table").get<std::string>();
      if (!Identifier(table)) return core::Fail(ErrorCode::kInternal, "bad table in snapshot");
      MOPS_TRY(InsertRow(db, table, deleted.at("row")));
    }
    MOPS_TRY(RestoreRow(db, entity, snapshot["record"]));
    restored.push_back(store::AsInt((*it)[3]));
    if (snapshot.contains("survivor")) survivor_row = snapshot["survivor"];
    for (const Json& pair : snapshot.value("pairs", Json::array())) {
      MOPS_TRY(db.Execute(
          "UPDATE match_pairs SET status = ?, decided_at = ?, decided_by = ? WHERE id = ?",
          std::vector<Value>{JsonToValue(pair.at("status")), JsonToValue(pair.at("decided_at")),
                             JsonToValue(pair.at("decided_by")), JsonToValue(pair.at("id"))}));
    }
  }
  if (!survivor_row.is_object()) {
    return core::Fail(ErrorCode::kInternal, "merge {} has no survivor snapshot", batch);
  }
  MOPS_TRY(RestoreRow(db, entity, survivor_row));
  const int64_t now = core::NowUtc();
  MOPS_TRY(db.Execute("UPDATE merges SET undone_at = ? WHERE COALESCE(batch_id, id) = ?",
                      std::vector<Value>{now, batch}));
  MOPS_TRY(WriteAudit(db, now, actor, "quality.undo", entity, survivor_row["id"].get<int64_t>(),
                      Json{{"merge_id", batch}},
                      Json{{"restored", restored}, {"merge_id", batch}}));
  MOPS_TRY(tx.Commit());
  return {};
}

core::Result<std::vector<MergeEntry>> ListMerges(store::Database& db, int limit) {
  limit = std::clamp(limit, 1, 1000);
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT COALESCE(batch_id, id), entity, survivor_id, merged_id, merged_at, actor, "
               "undone_at FROM merges WHERE COALESCE(batch_id, id) IN (SELECT id FROM merges "
               "WHERE batch_id = id OR batch_id IS NULL ORDER BY id DESC LIMIT ?) ORDER BY 1 DESC, "
               "id",
               std::vector<Value>{int64_t{limit}}));
  std::vector<MergeEntry> out;
  for (const auto& row : rows.rows) {
    const int64_t batch = store::AsInt(row[0]);
    if (out.empty() || out.back().merge_id != batch) {
      MergeEntry e;
      e.merge_id = batch;
      e.entity = store::AsText(row[1]);
      e.survivor_id = store::AsInt(row[2]);
      e.merged_at = store::AsInt(row[4]);
      e.actor = store::AsText(row[5]);
      if (!store::IsNull(row[6])) e.undone_at = store::AsInt(row[6]);
      out.push_back(std::move(e));
    }
    out.back().merged_ids.push_back(store::AsInt(row[3]));
  }
  return out;
}

Json ToJson(const MergeReport& r) {
  Json fields = Json::object(), moved = Json::object();
  for (const auto& [k, v] : r.fields_changed) fields[k] = v;
  for (const auto& [k, v] : r.children_moved) moved[k] = v;
  return {{"merge_id", r.merge_id},       {"merge_ids", r.merge_ids},   {"entity", r.entity},
          {"survivor_id", r.survivor_id}, {"merged_ids", r.merged_ids}, {"fields_changed", fields},
          {"children_moved", moved}};
}

}  // namespace mops::quality
