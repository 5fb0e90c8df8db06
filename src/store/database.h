// The workspace database: one interface, two backends (SQLite, PostgreSQL).
//
// store/ is the only place that knows SQL dialects. Callers write portable
// SQL with `?` placeholders (the PostgreSQL adapter rewrites them to $n),
// INTEGER/BIGINT/DOUBLE PRECISION/TEXT columns, `INSERT ... ON CONFLICT ...
// DO UPDATE`, and `RETURNING`: the subset both engines run the same way.
// Times are BIGINT seconds since the epoch (UTC); money is BIGINT minor units;
// flags are INTEGER 0/1.
//
// A Database is one connection and is not thread-safe: a thread that needs the
// workspace opens its own (see Pool). Prepared statements belong to the
// Database that made them and must not outlive it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"

namespace mops::store {

using core::Result;
using core::Status;

enum class Dialect { kSqlite, kPostgres };

// A bound parameter or a result cell. monostate is SQL NULL.
using Value = std::variant<std::monostate, int64_t, double, std::string>;

inline bool IsNull(const Value& v) { return std::holds_alternative<std::monostate>(v); }
// Integer view of a cell: NULL -> fallback; text is parsed; real is truncated.
int64_t AsInt(const Value& v, int64_t fallback = 0);
double AsDouble(const Value& v, double fallback = 0);
// Text view of a cell: NULL -> "", numbers formatted.
std::string AsText(const Value& v);

// A small, row-oriented result (lists, lookups). Engines use ScanColumns.
struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;

  size_t size() const { return rows.size(); }
  bool empty() const { return rows.empty(); }
  // Index of a column by name; -1 when absent.
  int ColumnIndex(std::string_view name) const;
};

// Column types for ScanColumns. kDict stores text as codes into a dictionary,
// which is what engines want for channels, stages and types.
enum class ColumnType { kInt, kReal, kText, kDict };

// One column of a columnar scan. Only the vectors of its type are filled.
// NULLs read as 0 / 0.0 / "" / code -1 and are marked in `nulls` (1 = NULL).
struct Column {
  ColumnType type = ColumnType::kInt;
  std::vector<int64_t> ints;
  std::vector<double> reals;
  std::vector<std::string> texts;
  std::vector<int32_t> codes;
  std::vector<std::string> dict;
  std::vector<uint8_t> nulls;

  size_t size() const { return nulls.size(); }
  // Room for `rows` rows in the vectors of its type: a scan that knows its
  // size allocates each vector once instead of doubling it (every doubling
  // is new memory that the kernel zeroes, and a copy).
  void Reserve(size_t rows);
};

// A prepared statement with `?` placeholders. Reusable: each call binds anew.
class Statement {
 public:
  virtual ~Statement() = default;
  // Executes and returns the number of rows changed.
  virtual Result<int64_t> Execute(std::span<const Value> params) = 0;
  // Executes and returns all result rows.
  virtual Result<Rows> Query(std::span<const Value> params) = 0;
  // Queues an execution whose result the caller does not need (bulk writes):
  // the PostgreSQL adapter sends it without waiting for the server (libpq
  // pipeline mode), so that many rows cost about one round trip. Parameters
  // are copied at queue time. An error of a queued statement surfaces at the
  // latest at Database::Flush, Commit, or the next non-queued call on the
  // connection (which first waits for everything queued); it may surface
  // earlier, from a later ExecuteQueued. Only the first error is reported;
  // on PostgreSQL it aborts the transaction, which must then be rolled back.
  // Queue inside a transaction: outside one, PostgreSQL runs each batch of
  // queued statements as one implicit transaction, so a failure also undoes
  // its neighbours. The default runs Execute at once (SQLite: a local call
  // is cheap).
  virtual Status ExecuteQueued(std::span<const Value> params) {
    auto done = Execute(params);
    if (!done) return std::unexpected(std::move(done).error());
    return {};
  }
};

class Database {
 public:
  virtual ~Database() = default;

  virtual Dialect dialect() const = 0;
  // The URL or path this database was opened from, with any password removed.
  virtual const std::string& display_name() const = 0;
  // A new connection to the same database, for reads in parallel threads.
  virtual Result<std::unique_ptr<Database>> OpenAnother() const = 0;

  // Runs one or more statements without parameters (migrations, pragmas).
  virtual Status ExecScript(std::string_view sql) = 0;
  virtual Result<std::unique_ptr<Statement>> Prepare(std::string_view sql) = 0;

  // Waits for every statement queued with Statement::ExecuteQueued and
  // returns the first error among them (its message names the statement and
  // its position among those queued since the last flush). Every other call
  // (Execute, Query, ScanColumns, ExecScript, Prepare, Begin, Commit,
  // Rollback) flushes first, so callers that mix queued and other calls see
  // the queued rows. Rollback discards a queued error; Commit reports it and
  // rolls back.
  virtual Status Flush() { return {}; }
  // After Flush (or another call) reported the error of a queued statement:
  // that statement's position (1-based) among those queued since the flush
  // before; 0 when the last error did not come from a queued statement.
  virtual int64_t failed_queued_position() const { return 0; }

  // Transactions do not nest; use Transaction below.
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;

  // Runs a query and fills one Column per result column with the requested
  // types, in one pass inside the adapter (no per-row virtual calls): the
  // bulk load that engines use. `types.size()` must equal the column count.
  // `expected_rows`: about how many rows come (an upper bound is best), so
  // that the columns are allocated once; 0 when the caller does not know.
  virtual Result<std::vector<Column>> ScanColumns(std::string_view sql,
                                                  std::span<const Value> params,
                                                  std::span<const ColumnType> types,
                                                  size_t expected_rows = 0) = 0;

  // Conveniences over Prepare.
  Result<int64_t> Execute(std::string_view sql, std::span<const Value> params = {});
  Result<Rows> Query(std::string_view sql, std::span<const Value> params = {});
  // First column of the first row, or NULL when there is no row.
  Result<Value> QueryValue(std::string_view sql, std::span<const Value> params = {});
};

// ScanColumns split over `parts` connections (this one and parts - 1 from
// OpenAnother), each in its own thread: for the large loads of the engines.
// `sql` must take exactly two parameters, an integer key's lower bound
// (inclusive) and upper bound (exclusive), as in "... WHERE id >= ? AND id < ?";
// [lo, hi) is the whole key range. Rows come range by range; dictionary
// columns are merged into one dictionary. Each connection reads its own
// snapshot: run it where concurrent writes do not matter.
Result<std::vector<Column>> ScanColumnsParallel(Database& db, std::string_view sql, int64_t lo,
                                                int64_t hi, std::span<const ColumnType> types,
                                                int parts);

// Opens a workspace: a `postgresql://` or `postgres://` URL selects PostgreSQL,
// anything else is a SQLite file path (created when missing). Does not migrate.
Result<std::unique_ptr<Database>> Open(const std::string& url);

// Brings the schema to the newest version (or to `up_to`, for tests of a
// migration on older data), each migration in its own transaction. Safe to
// call on every start; concurrent callers serialize on the database's own
// locks.
Status Migrate(Database& db, int up_to = 0);
// Current schema version (0 for an empty database).
Result<int> SchemaVersion(Database& db);
int LatestSchemaVersion();

// RAII transaction: rolls back unless Commit() was called.
class Transaction {
 public:
  static Result<Transaction> Start(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Database& db) : db_(&db) {}
  Database* db_;
};

// A fixed set of connections shared by server threads. Acquire blocks until
// one is free. Thread-safe.
class Pool {
 public:
  static Result<std::unique_ptr<Pool>> Create(const std::string& url, int size);

  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Database> db) : pool_(pool), db_(std::move(db)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Database& operator*() { return *db_; }
    Database* operator->() { return db_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Database> db_;
  };
  Lease Acquire();
  const std::string& url() const { return url_; }

 private:
  std::string url_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Database>> free_;
};

// Rewrites `?` placeholders (outside quotes) to $1, $2, ... for PostgreSQL.
std::string ToDollarPlaceholders(std::string_view sql);

}  // namespace mops::store
