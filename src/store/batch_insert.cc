#include "store/batch_insert.h"

#include <algorithm>

namespace mops::store {

core::Result<BatchInsert> BatchInsert::Make(Database& db, std::string head, int columns,
                                            std::string tail, int batch) {
  BatchInsert b;
  b.db_ = &db;
  b.head_ = std::move(head);
  b.tail_ = std::move(tail);
  b.columns_ = columns;
  b.batch_ = std::max(1, batch);
  b.values_.reserve(static_cast<size_t>(b.batch_ * columns));
  return b;
}

std::string BatchInsert::Sql(int rows) const {
  std::string one = "(";
  for (int c = 0; c < columns_; ++c) one += c == 0 ? "?" : ", ?";
  one += ")";
  std::string sql = head_ + " VALUES ";
  for (int r = 0; r < rows; ++r) {
    if (r > 0) sql += ", ";
    sql += one;
  }
  if (!tail_.empty()) sql += " " + tail_;
  return sql;
}

core::Status BatchInsert::SendIfFull() {
  if (used_ < static_cast<size_t>(batch_ * columns_)) return {};
  if (!full_) {
    MOPS_ASSIGN_OR_RETURN(full_, db_->Prepare(Sql(batch_)));
  }
  return Send(*full_);
}

core::Status BatchInsert::Send(Statement& statement) {
  const size_t used = used_;
  used_ = 0;
  MOPS_TRY(statement.ExecuteQueued(std::span<const Value>(values_.data(), used)));
  return {};
}

core::Status BatchInsert::Finish() {
  if (used_ > 0) {
    const int rows = static_cast<int>(used_) / columns_;
    MOPS_ASSIGN_OR_RETURN(auto rest, db_->Prepare(Sql(rows)));
    MOPS_TRY(Send(*rest));
    MOPS_TRY(db_->Flush());  // before `rest` goes
  }
  return db_->Flush();
}

}  // namespace mops::store
