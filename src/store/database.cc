#include "store/database.h"

#include <fmt/format.h>

#include <charconv>

namespace mops::store {

int64_t AsInt(const Value& v, int64_t fallback) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(&v)) {
    int64_t out = 0;
    auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec == std::errc() && ptr == s->data() + s->size()) return out;
  }
  return fallback;
}

double AsDouble(const Value& v, double fallback) {
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* s = std::get_if<std::string>(&v)) {
    double out = 0;
    auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec == std::errc() && ptr == s->data() + s->size()) return out;
  }
  return fallback;
}

std::string AsText(const Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return {};
}

int Rows::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

Result<int64_t> Database::Execute(std::string_view sql, std::span<const Value> params) {
  MOPS_ASSIGN_OR_RETURN(auto stmt, Prepare(sql));
  return stmt->Execute(params);
}

Result<Rows> Database::Query(std::string_view sql, std::span<const Value> params) {
  MOPS_ASSIGN_OR_RETURN(auto stmt, Prepare(sql));
  return stmt->Query(params);
}

Result<Value> Database::QueryValue(std::string_view sql, std::span<const Value> params) {
  MOPS_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
  if (rows.rows.empty() || rows.rows[0].empty()) return Value{};
  return std::move(rows.rows[0][0]);
}

Result<Transaction> Transaction::Start(Database& db) {
  MOPS_TRY(db.Begin());
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->Rollback();
}

Status Transaction::Commit() {
  Database* db = db_;
  db_ = nullptr;
  return db->Commit();
}

Result<std::unique_ptr<Pool>> Pool::Create(const std::string& url, int size) {
  auto pool = std::make_unique<Pool>();
  pool->url_ = url;
  for (int i = 0; i < size; ++i) {
    MOPS_ASSIGN_OR_RETURN(auto db, Open(url));
    pool->free_.push_back(std::move(db));
  }
  return pool;
}

Pool::Lease Pool::Acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !free_.empty(); });
  auto db = std::move(free_.back());
  free_.pop_back();
  return Lease(this, std::move(db));
}

Pool::Lease::~Lease() {
  if (!db_) return;
  {
    std::lock_guard lock(pool_->mu_);
    pool_->free_.push_back(std::move(db_));
  }
  pool_->cv_.notify_one();
}

std::string ToDollarPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '?') {
      out += fmt::format("${}", ++n);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace mops::store
