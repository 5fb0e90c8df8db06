#include "store/deferred_indexes.h"

#include <algorithm>

namespace mops::store {

namespace {

// A name as a quoted SQL identifier (a quote inside is doubled).
std::string QuotedIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

}  // namespace

core::Status DeferredIndexes::Defer(Database& db, std::string_view table,
                                    std::span<const std::string> written) {
  if (db.dialect() != Dialect::kSqlite) return {};
  MOPS_ASSIGN_OR_RETURN(
      Rows indexes,
      db.Query("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND "
               "sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' AND sql NOT LIKE '% WHERE %' "
               "ORDER BY name",
               std::vector<Value>{std::string(table)}));
  for (const auto& r : indexes.rows) {
    const std::string name = AsText(r[0]);
    if (!written.empty()) {
      MOPS_ASSIGN_OR_RETURN(Rows columns, db.Query("SELECT name FROM pragma_index_info(?)",
                                                   std::vector<Value>{name}));
      const bool touched =
          std::any_of(columns.rows.begin(), columns.rows.end(), [&](const auto& c) {
            return std::find(written.begin(), written.end(), AsText(c[0])) != written.end();
          });
      if (!touched) continue;
    }
    MOPS_TRY(db.Execute("DROP INDEX " + QuotedIdentifier(name)));
    definitions_.push_back(AsText(r[1]));
  }
  return {};
}

core::Status DeferredIndexes::Restore(Database& db) {
  for (const std::string& sql : definitions_) MOPS_TRY(db.Execute(sql));
  definitions_.clear();
  return {};
}

}  // namespace mops::store
