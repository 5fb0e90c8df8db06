// Rows of one INSERT sent in multi-row statements (`batch` rows each, the
// rest at Finish): fewer statements to run on SQLite, fewer messages on
// PostgreSQL. Statements are queued (Statement::ExecuteQueued); Finish
// flushes.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "store/database.h"

namespace mops::store {

class BatchInsert {
 public:
  // head: "INSERT INTO t (a, b, c)"; tail: "" or "ON CONFLICT ...".
  static core::Result<BatchInsert> Make(Database& db, std::string head, int columns,
                                        std::string tail, int batch = 64);
  // One row: exactly `columns` values.
  template <typename... V>
  core::Status Add(V&&... values) {
    static_assert(sizeof...(V) > 0);
    (values_.emplace_back(std::forward<V>(values)), ...);
    return SendIfFull();
  }
  // One row of exactly `columns` values, moved from.
  core::Status AddRow(std::span<Value> row) {
    for (Value& v : row) values_.push_back(std::move(v));
    return SendIfFull();
  }
  core::Status Finish();

 private:
  BatchInsert() = default;
  std::string Sql(int rows) const;
  core::Status SendIfFull();  // prepares the full-batch statement when first needed
  core::Status Send(Statement& statement);

  Database* db_ = nullptr;
  std::string head_, tail_;
  int columns_ = 0, batch_ = 0;
  std::unique_ptr<Statement> full_;
  std::vector<Value> values_;
};

}  // namespace mops::store
