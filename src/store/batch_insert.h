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

// Swaps two values so that each keeps the other's text buffer when both hold
// text: a row refilled for every insert then allocates nothing.
inline void SwapValues(Value& a, Value& b) {
  auto* sa = std::get_if<std::string>(&a);
  auto* sb = std::get_if<std::string>(&b);
  if (sa != nullptr && sb != nullptr) {
    sa->swap(*sb);
  } else {
    std::swap(a, b);
  }
}

class BatchInsert {
 public:
  // head: "INSERT INTO t (a, b, c)"; tail: "" or "ON CONFLICT ...".
  static core::Result<BatchInsert> Make(Database& db, std::string head, int columns,
                                        std::string tail, int batch = 64);
  // One row: exactly `columns` values.
  template <typename... V>
  core::Status Add(V&&... values) {
    static_assert(sizeof...(V) > 0);
    ((Slot() = std::forward<V>(values)), ...);
    return SendIfFull();
  }
  // One row of exactly `columns` values, moved from.
  core::Status AddRow(std::span<Value> row) {
    for (Value& v : row) Slot() = std::move(v);
    return SendIfFull();
  }
  // One row of exactly `columns` values, swapped with the batch's slots: the
  // row gets values of an earlier row back (their text buffers), so a caller
  // that refills the same row for each insert allocates nothing.
  core::Status SwapRow(std::span<Value> row) {
    for (Value& v : row) SwapValues(Slot(), v);
    return SendIfFull();
  }
  // Rows added and not sent yet.
  int pending_rows() const { return static_cast<int>(used_) / columns_; }
  int batch() const { return batch_; }
  core::Status Finish();

 private:
  BatchInsert() = default;
  std::string Sql(int rows) const;
  core::Status SendIfFull();  // prepares the full-batch statement when first needed
  core::Status Send(Statement& statement);
  // The next value slot of the current batch (kept between batches, so that
  // text values reuse their buffers).
  Value& Slot() {
    if (used_ == values_.size()) values_.emplace_back();
    return values_[used_++];
  }

  Database* db_ = nullptr;
  std::string head_, tail_;
  int columns_ = 0, batch_ = 0;
  std::unique_ptr<Statement> full_;
  std::vector<Value> values_;
  size_t used_ = 0;  // values_[0, used_) are the current batch's
};

}  // namespace mops::store
