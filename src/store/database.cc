#include "store/database.h"

#include <fmt/format.h>

#include <charconv>
#include <thread>
#include <unordered_map>

#include "store/checkpointer.h"

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

void Column::Reserve(size_t rows) {
  nulls.reserve(rows);
  switch (type) {
    case ColumnType::kInt:
      ints.reserve(rows);
      break;
    case ColumnType::kReal:
      reals.reserve(rows);
      break;
    case ColumnType::kText:
      texts.reserve(rows);
      break;
    case ColumnType::kDict:
      codes.reserve(rows);
      break;
  }
}

Result<std::vector<Column>> ScanColumnsParallel(Database& db, std::string_view sql, int64_t lo,
                                                int64_t hi, std::span<const ColumnType> types,
                                                int parts) {
  parts = std::max(1, parts);
  if (hi - lo < parts) parts = 1;
  std::vector<std::unique_ptr<Database>> others;
  for (int p = 1; p < parts; ++p) {
    MOPS_ASSIGN_OR_RETURN(auto other, db.OpenAnother());
    others.push_back(std::move(other));
  }
  const int64_t step = (hi - lo) / parts + 1;
  std::vector<Result<std::vector<Column>>> results(parts);
  // A key range is at most as many rows (row ids, usually dense): the first
  // part's columns get room for all of them, so the later parts' rows are
  // appended in place. Reserved memory that is never written costs no page.
  constexpr int64_t kMaxReserve = int64_t{1} << 26;
  auto expected = [&](int64_t rows) {
    return rows > 0 && rows <= kMaxReserve ? static_cast<size_t>(rows) : size_t{0};
  };
  auto scan = [&](Database& conn, int p) {
    const int64_t from = lo + step * p;
    const int64_t to = p == parts - 1 ? hi : std::min(hi, from + step);
    const std::vector<Value> range = {from, to};
    results[p] = conn.ScanColumns(sql, range, types, expected(p == 0 ? hi - lo : to - from));
  };
  {
    std::vector<std::jthread> threads;
    for (int p = 1; p < parts; ++p) threads.emplace_back(scan, std::ref(*others[p - 1]), p);
    scan(db, 0);
  }
  for (auto& r : results) {
    if (!r) return std::unexpected(std::move(r).error());
  }
  std::vector<Column> out = std::move(*results[0]);
  // Each column appends the later parts' rows; columns are independent, so
  // the connections' threads share them out.
  auto merge = [&](size_t c) {
    for (int p = 1; p < parts; ++p) {
      Column& to = out[c];
      Column& from = (*results[p])[c];
      to.nulls.insert(to.nulls.end(), from.nulls.begin(), from.nulls.end());
      switch (to.type) {
        case ColumnType::kInt:
          to.ints.insert(to.ints.end(), from.ints.begin(), from.ints.end());
          break;
        case ColumnType::kReal:
          to.reals.insert(to.reals.end(), from.reals.begin(), from.reals.end());
          break;
        case ColumnType::kText:
          to.texts.insert(to.texts.end(), std::make_move_iterator(from.texts.begin()),
                          std::make_move_iterator(from.texts.end()));
          break;
        case ColumnType::kDict: {
          // Recode the part's dictionary into the merged one.
          // Reserved first: the index views the merged dictionary's strings.
          to.dict.reserve(to.dict.size() + from.dict.size());
          std::unordered_map<std::string_view, int32_t> index;
          for (size_t k = 0; k < to.dict.size(); ++k)
            index.emplace(to.dict[k], static_cast<int32_t>(k));
          std::vector<int32_t> recode(from.dict.size());
          for (size_t k = 0; k < from.dict.size(); ++k) {
            auto it = index.find(from.dict[k]);
            if (it == index.end()) {
              to.dict.push_back(from.dict[k]);
              recode[k] = static_cast<int32_t>(to.dict.size() - 1);
            } else {
              recode[k] = it->second;
            }
          }
          to.codes.reserve(to.codes.size() + from.codes.size());
          for (int32_t code : from.codes) to.codes.push_back(code < 0 ? code : recode[code]);
          break;
        }
      }
      from = Column{};
    }
  };
  if (parts > 1) {
    std::vector<std::jthread> threads;
    for (int w = 1; w < parts; ++w) {
      threads.emplace_back([&, w] {
        for (size_t c = w; c < out.size(); c += parts) merge(c);
      });
    }
    for (size_t c = 0; c < out.size(); c += parts) merge(c);
  }
  return out;
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

namespace {
// WAL pages past which a request connection checkpoints by itself.
constexpr int kPoolCheckpointPages = 16384;
}  // namespace

Result<std::unique_ptr<Pool>> Pool::Create(const std::string& url, int size) {
  auto pool = std::make_unique<Pool>();
  pool->url_ = url;
  for (int i = 0; i < size; ++i) {
    MOPS_ASSIGN_OR_RETURN(auto db, Open(url));
    // Requests leave WAL checkpoints to the checkpointer's thread (asked for
    // when a lease ends); a connection still checkpoints by itself past this
    // bound, should that thread fall behind.
    if (CanCheckpointElsewhere(*db)) {
      MOPS_TRY(db->ExecScript(fmt::format("PRAGMA wal_autocheckpoint={}", kPoolCheckpointPages)));
    }
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
  RequestCheckpoint(*db_);
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
