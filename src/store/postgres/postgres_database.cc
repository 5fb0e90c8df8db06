#include "store/postgres/postgres_database.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "store/dict_builder.h"

namespace mops::store {
namespace {

using core::ErrorCode;

// Type OIDs from the server's pg_type catalog; fixed since PostgreSQL 7.
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

// Rows fetched per round trip by ScanColumns: bounds client memory on large
// scans while keeping round trips negligible.
constexpr int kScanBatchRows = 65536;

// Queued statements per pipeline sync. At most two such segments are in
// flight: the server runs one while the client reads the results of the
// other, and the results waiting to be read stay small.
constexpr int kPipelineSegment = 1024;

// How a result column's text is read back.
enum class Kind { kInt, kReal, kNumeric, kBool, kText };

Kind KindOf(Oid type) {
  switch (type) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid:
      return Kind::kInt;
    case kFloat4Oid:
    case kFloat8Oid:
      return Kind::kReal;
    case kNumericOid:
      return Kind::kNumeric;
    case kBoolOid:
      return Kind::kBool;
    default:
      return Kind::kText;
  }
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;

std::string_view TrimNewlines(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
    s.remove_suffix(1);
  }
  return s;
}

// The raw password of a postgresql:// URL (userinfo or ?password=), or "".
std::vector<std::string_view> PasswordsIn(std::string_view url) {
  std::vector<std::string_view> out;
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return out;
  const size_t start = scheme + 3;
  const size_t query = url.find('?', start);
  const std::string_view head =
      url.substr(start, query == std::string_view::npos ? url.npos : query - start);
  // The userinfo ends at the last '@' before the query, so a password with a
  // stray '/' or '@' is still found.
  const size_t at = head.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = head.substr(0, at);
    const size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos && colon + 1 < userinfo.size()) {
      out.push_back(userinfo.substr(colon + 1));
    }
  }
  if (query != std::string_view::npos) {
    std::string_view rest = url.substr(query + 1);
    while (!rest.empty()) {
      const size_t amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      if (pair.starts_with("password=") && pair.size() > 9) out.push_back(pair.substr(9));
      if (amp == std::string_view::npos) break;
      rest.remove_prefix(amp + 1);
    }
  }
  return out;
}

// `text` with every occurrence of each secret replaced by "****".
std::string Redact(std::string_view text, const std::vector<std::string_view>& secrets) {
  std::string out(text);
  for (std::string_view secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + 4)) {
      out.replace(pos, secret.size(), "****");
    }
  }
  return out;
}

// Text of a parameter as PostgreSQL's input functions read it. Doubles are
// shortest round-trip, so the server stores exactly the bits we hold.
std::string_view FormatNumber(const Value& v, std::array<char, 32>& buf) {
  char* const first = buf.data();
  char* const last = buf.data() + buf.size();
  if (const auto* i = std::get_if<int64_t>(&v)) {
    return {first, static_cast<size_t>(std::to_chars(first, last, *i).ptr - first)};
  }
  const double d = std::get<double>(v);
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return {first, static_cast<size_t>(std::to_chars(first, last, d).ptr - first)};
}

int64_t ParseInt(std::string_view s) {
  int64_t out = 0;
  std::from_chars(s.data(), s.data() + s.size(), out);
  return out;
}

double ParseDouble(std::string_view s) {
  double out = 0;
  std::from_chars(s.data(), s.data() + s.size(), out);
  return out;
}

// Truncates like SQLite's REAL -> INTEGER conversion, saturating instead of
// overflowing.
int64_t TruncateToInt(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (d <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

// Integer reading of any cell, as SQLite reads a cell with column_int64.
int64_t IntOf(Kind kind, std::string_view s) {
  switch (kind) {
    case Kind::kInt:
      return ParseInt(s);
    case Kind::kBool:
      return s == "t" ? 1 : 0;
    case Kind::kReal:
    case Kind::kNumeric:
      return TruncateToInt(ParseDouble(s));
    case Kind::kText: {
      int64_t out = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      if (ec == std::errc() && ptr == s.data() + s.size()) return out;
      return TruncateToInt(ParseDouble(s));
    }
  }
  return 0;
}

double RealOf(Kind kind, std::string_view s) {
  if (kind == Kind::kBool) return s == "t" ? 1.0 : 0.0;
  return ParseDouble(s);
}

// Text reading of a cell; booleans read as SQLite stores them, "1"/"0".
std::string_view TextOf(Kind kind, std::string_view s) {
  if (kind == Kind::kBool) return s == "t" ? "1" : "0";
  return s;
}

// A cell of a row-oriented result. NUMERIC holds aggregates such as
// SUM(bigint); an integral one reads as an integer, which is what SQLite
// returns for the same query.
Value CellOf(Kind kind, std::string_view s) {
  switch (kind) {
    case Kind::kInt:
      return ParseInt(s);
    case Kind::kReal:
      return ParseDouble(s);
    case Kind::kBool:
      return int64_t{s == "t" ? 1 : 0};
    case Kind::kNumeric: {
      if (s.find_first_of(".eEN") == std::string_view::npos) {
        int64_t out = 0;
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        if (ec == std::errc() && ptr == s.data() + s.size()) return out;
      }
      return ParseDouble(s);
    }
    case Kind::kText:
      return std::string(s);
  }
  return Value{};
}

// Appends every row of `r` to `cols`, one column at a time.
void AppendColumns(const PGresult* r, std::vector<Column>& cols, std::vector<DictBuilder>& dicts) {
  const int rows = PQntuples(r);
  for (int c = 0; c < static_cast<int>(cols.size()); ++c) {
    Column& col = cols[c];
    const Kind kind = KindOf(PQftype(r, c));
    const size_t base = col.nulls.size();
    col.nulls.resize(base + rows);
    uint8_t* nulls = col.nulls.data() + base;
    auto cell = [&](int row) {
      return std::string_view(PQgetvalue(r, row, c), static_cast<size_t>(PQgetlength(r, row, c)));
    };
    switch (col.type) {
      case ColumnType::kInt: {
        col.ints.resize(base + rows);
        int64_t* out = col.ints.data() + base;
        for (int row = 0; row < rows; ++row) {
          nulls[row] = PQgetisnull(r, row, c) ? 1 : 0;
          out[row] = nulls[row] ? 0 : IntOf(kind, cell(row));
        }
        break;
      }
      case ColumnType::kReal: {
        col.reals.resize(base + rows);
        double* out = col.reals.data() + base;
        for (int row = 0; row < rows; ++row) {
          nulls[row] = PQgetisnull(r, row, c) ? 1 : 0;
          out[row] = nulls[row] ? 0.0 : RealOf(kind, cell(row));
        }
        break;
      }
      case ColumnType::kText: {
        col.texts.reserve(base + rows);
        for (int row = 0; row < rows; ++row) {
          nulls[row] = PQgetisnull(r, row, c) ? 1 : 0;
          if (nulls[row]) {
            col.texts.emplace_back();
          } else {
            col.texts.emplace_back(TextOf(kind, cell(row)));
          }
        }
        break;
      }
      case ColumnType::kDict: {
        col.codes.resize(base + rows);
        int32_t* out = col.codes.data() + base;
        for (int row = 0; row < rows; ++row) {
          nulls[row] = PQgetisnull(r, row, c) ? 1 : 0;
          out[row] = nulls[row] ? -1 : dicts[c].Code(TextOf(kind, cell(row)), col);
        }
        break;
      }
    }
  }
}

// Number of parameters of `sql`, given its rewrite by ToDollarPlaceholders:
// every `?` outside quotes became one `$n`, and nothing else adds a '$'.
int PlaceholderCount(std::string_view sql, std::string_view converted) {
  return static_cast<int>(std::ranges::count(converted, '$') - std::ranges::count(sql, '$'));
}

// True when `sql` is a query that DECLARE CURSOR accepts.
bool IsCursorQuery(std::string_view sql) {
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(') {
      ++i;
    } else if (sql.substr(i).starts_with("--")) {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) return false;
    } else {
      break;
    }
  }
  std::string word;
  for (; i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])); ++i) {
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i]))));
  }
  return word == "SELECT" || word == "WITH" || word == "VALUES" || word == "TABLE";
}

class PostgresDatabase;

class PostgresStatement final : public Statement {
 public:
  PostgresStatement(PostgresDatabase* db, std::string name, std::string sql, int param_count)
      : db_(db), name_(std::move(name)), sql_(std::move(sql)), param_count_(param_count) {}
  ~PostgresStatement() override;

  Result<int64_t> Execute(std::span<const Value> params) override;
  Result<Rows> Query(std::span<const Value> params) override;
  Status ExecuteQueued(std::span<const Value> params) override;

 private:
  Result<ResultPtr> Run(std::span<const Value> params);

  PostgresDatabase* db_;
  std::string name_;
  std::string sql_;  // as the caller wrote it, for error messages
  int param_count_;
};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(ConnPtr conn, std::string display_name, std::vector<std::string> secrets)
      : conn_(std::move(conn)),
        display_name_(std::move(display_name)),
        secrets_(std::move(secrets)) {}

  Dialect dialect() const override { return Dialect::kPostgres; }
  const std::string& display_name() const override { return display_name_; }
  Result<std::unique_ptr<Database>> OpenAnother() const override { return OpenPostgres(url_); }
  void set_url(std::string url) { url_ = std::move(url); }

  Status ExecScript(std::string_view sql) override {
    MOPS_TRY(Drain());
    MOPS_TRY(EnsureConnected());
    const std::string owned(sql);
    ResultPtr r(PQexec(conn(), owned.c_str()));
    return Check(r.get());
  }

  Result<std::unique_ptr<Statement>> Prepare(std::string_view sql) override {
    MOPS_TRY(Drain());
    MOPS_TRY(EnsureConnected());
    std::string converted = ToDollarPlaceholders(sql);
    const int param_count = PlaceholderCount(sql, converted);
    std::string name = fmt::format("mops_{}", ++statement_counter_);
    ResultPtr r(PQprepare(conn(), name.c_str(), converted.c_str(), 0, nullptr));
    // Preparing has no effect on data: after a connection lost while idle,
    // reconnect and prepare again.
    if (PQstatus(conn()) == CONNECTION_BAD && !in_transaction_) {
      MOPS_TRY(EnsureConnected());
      r.reset(PQprepare(conn(), name.c_str(), converted.c_str(), 0, nullptr));
    }
    if (auto ok = Check(r.get()); !ok) {
      core::Error e = std::move(ok).error();
      e.message = fmt::format("prepare '{}': {}", sql, e.message);
      return core::Fail(std::move(e));
    }
    return std::make_unique<PostgresStatement>(this, std::move(name), std::string(sql),
                                               param_count);
  }

  // PostgreSQL only warns on BEGIN inside a transaction or COMMIT outside
  // one; these report an error instead, as SQLite does.
  Status Begin() override {
    MOPS_TRY(Drain());
    MOPS_TRY(EnsureConnected());
    if (in_transaction_ || PQtransactionStatus(conn()) != PQTRANS_IDLE) {
      return core::Fail(ErrorCode::kDatabase, "cannot start a transaction within a transaction");
    }
    ResultPtr r(PQexec(conn(), "BEGIN"));
    // BEGIN changes nothing either: retry once on a connection lost while idle.
    if (PQstatus(conn()) == CONNECTION_BAD) {
      MOPS_TRY(EnsureConnected());
      r.reset(PQexec(conn(), "BEGIN"));
    }
    MOPS_TRY(Check(r.get()));
    in_transaction_ = true;
    return {};
  }

  Status Commit() override {
    // A queued statement failed: the transaction is aborted; end it.
    if (auto drained = Drain(); !drained) {
      if (in_transaction_ || PQtransactionStatus(conn()) != PQTRANS_IDLE) {
        in_transaction_ = false;
        ResultPtr r(PQexec(conn(), "ROLLBACK"));
        FlushDeallocations();
      }
      return drained;
    }
    if (!in_transaction_ && PQtransactionStatus(conn()) == PQTRANS_IDLE) {
      return core::Fail(ErrorCode::kDatabase, "cannot commit: no transaction is active");
    }
    in_transaction_ = false;
    ResultPtr r(PQexec(conn(), "COMMIT"));
    MOPS_TRY(Check(r.get()));
    FlushDeallocations();
    // COMMIT of a transaction in which a statement failed rolls it back and
    // still reports success; the caller must know that nothing was written.
    if (std::string_view(PQcmdStatus(r.get())) == "ROLLBACK") {
      return core::Fail(ErrorCode::kDatabase,
                        "transaction rolled back: an earlier statement in it failed");
    }
    return {};
  }

  Status Rollback() override {
    (void)Drain();  // whatever failed is rolled back
    if (!in_transaction_ && PQtransactionStatus(conn()) == PQTRANS_IDLE) {
      return core::Fail(ErrorCode::kDatabase, "cannot rollback: no transaction is active");
    }
    in_transaction_ = false;
    ResultPtr r(PQexec(conn(), "ROLLBACK"));
    MOPS_TRY(Check(r.get()));
    FlushDeallocations();
    return {};
  }

  Result<std::vector<Column>> ScanColumns(std::string_view sql, std::span<const Value> params,
                                          std::span<const ColumnType> types,
                                          size_t expected_rows) override {
    std::vector<Column> columns(types.size());
    for (size_t i = 0; i < types.size(); ++i) {
      columns[i].type = types[i];
      columns[i].Reserve(expected_rows);
    }
    std::vector<DictBuilder> dicts(types.size());
    MOPS_TRY(Drain());
    MOPS_TRY(EnsureConnected());
    ParamTexts texts;
    MOPS_TRY(texts.Set(params));
    const std::string converted = ToDollarPlaceholders(sql);
    if (const int wanted = PlaceholderCount(sql, converted); wanted != texts.size()) {
      return core::Fail(ErrorCode::kInternal, "statement wants {} parameters, got {}: {}", wanted,
                        texts.size(), sql);
    }

    auto take = [&](const PGresult* r) -> Status {
      if (PQnfields(r) != static_cast<int>(types.size())) {
        return core::Fail(ErrorCode::kInternal, "scan wants {} columns, query has {}", types.size(),
                          PQnfields(r));
      }
      AppendColumns(r, columns, dicts);
      return {};
    };

    if (!IsCursorQuery(sql)) {
      ResultPtr r(PQexecParams(conn(), converted.c_str(), texts.size(), nullptr, texts.values(),
                               nullptr, nullptr, 0));
      MOPS_TRY(Check(r.get()));
      MOPS_TRY(take(r.get()));
      return columns;
    }

    // A cursor streams the rows in batches, so a scan of millions of rows
    // never holds them all as text at once. Cursors live in a transaction.
    const PGTransactionStatusType status = PQtransactionStatus(conn());
    if (status == PQTRANS_INERROR) {
      return core::Fail(ErrorCode::kDatabase,
                        "current transaction is aborted, commands ignored until end of "
                        "transaction block");
    }
    const bool own_transaction = status == PQTRANS_IDLE;
    // Plan for reading every row, not for a fast first batch.
    MOPS_TRY(ExecScript(own_transaction ? "BEGIN; SET LOCAL cursor_tuple_fraction TO 1.0"
                                        : "SET LOCAL cursor_tuple_fraction TO 1.0"));
    const std::string cursor = fmt::format("mops_scan_{}", ++statement_counter_);
    auto scan = [&]() -> Status {
      const std::string declare =
          fmt::format("DECLARE {} NO SCROLL CURSOR FOR {}", cursor, converted);
      ResultPtr d(PQexecParams(conn(), declare.c_str(), texts.size(), nullptr, texts.values(),
                               nullptr, nullptr, 0));
      MOPS_TRY(Check(d.get()));
      const std::string fetch = fmt::format("FETCH FORWARD {} FROM {}", kScanBatchRows, cursor);
      auto send_fetch = [&]() -> Status {
        if (PQsendQuery(conn(), fetch.c_str()) == 0) {
          return core::Fail(ErrorCode::kUnavailable, "{}", TrimNewlines(PQerrorMessage(conn())));
        }
        return {};
      };
      // The result of the FETCH in flight; a simple query yields one result.
      auto receive = [&]() -> Result<ResultPtr> {
        ResultPtr r(PQgetResult(conn()));
        while (PGresult* extra = PQgetResult(conn())) PQclear(extra);
        MOPS_TRY(Check(r.get()));
        return r;
      };
      MOPS_TRY(send_fetch());
      while (true) {
        MOPS_ASSIGN_OR_RETURN(ResultPtr r, receive());
        const bool more = PQntuples(r.get()) == kScanBatchRows;
        // The server reads the next batch while this one is converted.
        if (more) MOPS_TRY(send_fetch());
        if (auto taken = take(r.get()); !taken) {
          if (more) (void)receive();
          return taken;
        }
        if (!more) break;
      }
      return ExecScript(fmt::format("CLOSE {}", cursor));
    }();
    if (own_transaction) {
      if (!scan) {
        (void)ExecScript("ROLLBACK");
        return std::unexpected(std::move(scan).error());
      }
      MOPS_TRY(ExecScript("COMMIT"));
    }
    MOPS_TRY(scan);
    return columns;
  }

  // Text-format parameter values for libpq, pointing into the Values or
  // into owned buffers for numbers.
  class ParamTexts {
   public:
    Status Set(std::span<const Value> params) {
      numbers_.resize(params.size());
      values_.resize(params.size());
      for (size_t i = 0; i < params.size(); ++i) {
        const Value& v = params[i];
        if (IsNull(v)) {
          values_[i] = nullptr;
        } else if (const auto* s = std::get_if<std::string>(&v)) {
          // Text parameters end at their first NUL; PostgreSQL text cannot
          // hold one, so refuse rather than truncate.
          if (std::memchr(s->data(), '\0', s->size()) != nullptr) {
            return core::Fail(ErrorCode::kInvalidArgument, "text parameter {} contains a NUL byte",
                              i + 1);
          }
          values_[i] = s->c_str();
        } else {
          const std::string_view text = FormatNumber(v, numbers_[i]);
          if (text.data() != numbers_[i].data()) {
            values_[i] = text.data();  // a literal such as "NaN", NUL-terminated
          } else {
            numbers_[i][text.size()] = '\0';
            values_[i] = numbers_[i].data();
          }
        }
      }
      return {};
    }
    int size() const { return static_cast<int>(values_.size()); }
    const char* const* values() const { return values_.data(); }

   private:
    std::vector<std::array<char, 32>> numbers_;
    std::vector<const char*> values_;
  };

  // Success, or the error of a finished command. A unique violation is a
  // kConflict; a lost connection is kUnavailable.
  Status Check(const PGresult* r) {
    const ExecStatusType status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
      return {};
    }
    if (PQstatus(conn()) == CONNECTION_BAD) {
      return core::Fail(ErrorCode::kUnavailable, "connection to {} lost: {}", display_name_,
                        TrimNewlines(PQerrorMessage(conn())));
    }
    if (r == nullptr) {
      return core::Fail(ErrorCode::kDatabase, "{}", TrimNewlines(PQerrorMessage(conn())));
    }
    const char* sqlstate = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char* detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    const bool unique_violation = sqlstate != nullptr && std::strcmp(sqlstate, "23505") == 0;
    std::string message = primary != nullptr ? std::string(primary)
                                             : std::string(TrimNewlines(PQresultErrorMessage(r)));
    // A unique violation's detail quotes the row's values (often personal
    // data), so it is left out, as SQLite leaves it out.
    if (detail != nullptr && !unique_violation) message += fmt::format(" ({})", detail);
    return core::Fail(unique_violation ? ErrorCode::kConflict : ErrorCode::kDatabase, "{}",
                      message);
  }

  // Drops a prepared statement now, or after the current transaction when a
  // failed statement has blocked it.
  void Deallocate(const std::string& name) {
    Settle();  // a queued execution of it may still be in flight
    if (PQstatus(conn()) != CONNECTION_OK) return;
    if (PQtransactionStatus(conn()) == PQTRANS_INERROR) {
      pending_deallocations_.push_back(name);
      return;
    }
    const std::string sql = "DEALLOCATE " + name;
    ResultPtr r(PQexec(conn(), sql.c_str()));
  }

  PGconn* conn() const { return conn_.get(); }

  Status Flush() override { return Drain(); }
  int64_t failed_queued_position() const override { return failed_position_; }

  // Sends one execution of the prepared statement `name` without waiting for
  // its result (pipeline mode). `sql` is the statement's text, for errors; it
  // outlives the execution, since a statement's destructor settles first.
  Status Queue(const std::string& name, const std::string& sql, std::span<const Value> params) {
    if (pipeline_error_) return std::unexpected(*pipeline_error_);
    if (!pipeline_) {
      MOPS_TRY(EnsureConnected());
      if (PQenterPipelineMode(conn()) == 0) {
        return core::Fail(ErrorCode::kDatabase, "cannot enter pipeline mode: {}",
                          TrimNewlines(PQerrorMessage(conn())));
      }
      pipeline_ = true;
      queued_ = 0;
      failed_position_ = 0;
    }
    MOPS_TRY(queue_texts_.Set(params));
    if (PQsendQueryPrepared(conn(), name.c_str(), queue_texts_.size(), queue_texts_.values(),
                            nullptr, nullptr, 0) == 0) {
      Record(core::MakeError(
                 ErrorCode::kUnavailable,
                 fmt::format("cannot queue statement: {}", TrimNewlines(PQerrorMessage(conn())))),
             queued_ + 1, sql);
      Abandon();
      return std::unexpected(*pipeline_error_);
    }
    inflight_.push_back(&sql);
    ++queued_;
    if (++unsynced_ >= kPipelineSegment) {
      Sync();
      while (segments_.size() > 1) ReadSegment();
    }
    if (pipeline_error_) return std::unexpected(*pipeline_error_);
    return {};
  }

  // Per-session settings, on every (re)connection.
  Status Configure() {
    ResultPtr r(PQexec(conn(), "SET TimeZone TO 'UTC'"));
    return Check(r.get());
  }

 private:
  // Reconnects a connection lost between transactions (a server restart, an
  // idle timeout), so that a pooled Database recovers; statements prepared
  // before are gone. Within a transaction a lost connection stays an error
  // until Rollback: reconnecting would let the rest of the transaction
  // commit on its own.
  Status EnsureConnected() {
    if (PQstatus(conn()) == CONNECTION_OK) return {};
    if (in_transaction_) {
      return core::Fail(ErrorCode::kUnavailable,
                        "connection to {} lost during a transaction; roll it back", display_name_);
    }
    PQreset(conn());
    if (PQstatus(conn()) != CONNECTION_OK) {
      std::vector<std::string_view> secrets(secrets_.begin(), secrets_.end());
      return core::Fail(ErrorCode::kUnavailable, "cannot reconnect to {}: {}", display_name_,
                        Redact(TrimNewlines(PQerrorMessage(conn())), secrets));
    }
    pending_deallocations_.clear();
    return Configure();
  }

  // Waits for every queued statement and leaves pipeline mode; the first
  // error stays in pipeline_error_.
  void Settle() {
    if (!pipeline_) return;
    if (unsynced_ > 0) Sync();
    while (!segments_.empty()) ReadSegment();
    if (pipeline_ && PQexitPipelineMode(conn()) == 0 && !pipeline_error_) {
      Record(
          core::MakeError(ErrorCode::kDatabase, fmt::format("cannot leave pipeline mode: {}",
                                                            TrimNewlines(PQerrorMessage(conn())))),
          queued_, "");
    }
    pipeline_ = false;
  }

  // Settles, then reports (and forgets) the first error of the queued
  // statements. Every call that is not ExecuteQueued starts with it.
  Status Drain() {
    Settle();
    if (!pipeline_error_) return {};
    core::Error e = std::move(*pipeline_error_);
    pipeline_error_.reset();
    return std::unexpected(std::move(e));
  }

  // Ends the current segment of queued statements with a sync point.
  void Sync() {
    if (PQpipelineSync(conn()) == 0) {
      Record(core::MakeError(ErrorCode::kUnavailable,
                             fmt::format("cannot send queued statements: {}",
                                         TrimNewlines(PQerrorMessage(conn())))),
             queued_, "");
      Abandon();
      return;
    }
    segments_.push_back(unsynced_);
    unsynced_ = 0;
  }

  // Reads the results of the oldest synced segment: one result and a NULL
  // per statement (PGRES_PIPELINE_ABORTED after a failure), then the sync.
  void ReadSegment() {
    const int count = segments_.front();
    segments_.pop_front();
    for (int i = 0; i < count; ++i) {
      const std::string* sql = inflight_.front();
      inflight_.pop_front();
      const int64_t position = queued_ - static_cast<int64_t>(inflight_.size());
      ResultPtr r(PQgetResult(conn()));
      if (r == nullptr || PQresultStatus(r.get()) != PGRES_PIPELINE_ABORTED) {
        if (auto ok = Check(r.get()); !ok) Record(std::move(ok).error(), position, *sql);
      }
      if (r == nullptr || PQstatus(conn()) == CONNECTION_BAD) {
        Abandon();
        return;
      }
      ResultPtr end(PQgetResult(conn()));
      if (end != nullptr) {
        Record(core::MakeError(ErrorCode::kInternal, "unexpected result in pipeline"), position,
               *sql);
        Abandon();
        return;
      }
    }
    ResultPtr sync(PQgetResult(conn()));
    if (sync == nullptr || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
      Record(core::MakeError(ErrorCode::kUnavailable,
                             fmt::format("connection to {} lost: {}", display_name_,
                                         TrimNewlines(PQerrorMessage(conn())))),
             queued_, "");
      Abandon();
    }
  }

  // Keeps the first error of a queued statement, with its place.
  void Record(core::Error e, int64_t position, std::string_view sql) {
    if (pipeline_error_) return;
    if (sql.empty()) {
      e.message = fmt::format("{} (after {} queued statements)", e.message, position);
    } else {
      e.message = fmt::format("{} (queued statement {} since the last flush: {})", e.message,
                              position, sql);
    }
    failed_position_ = position;
    pipeline_error_ = std::move(e);
  }

  // Gives up on the results in flight (a lost connection).
  void Abandon() {
    inflight_.clear();
    segments_.clear();
    unsynced_ = 0;
    (void)PQexitPipelineMode(conn());
    pipeline_ = false;
  }

  void FlushDeallocations() {
    if (pending_deallocations_.empty()) return;
    std::string sql;
    for (const std::string& name : pending_deallocations_) sql += "DEALLOCATE " + name + ";";
    pending_deallocations_.clear();
    ResultPtr r(PQexec(conn(), sql.c_str()));
  }

  ConnPtr conn_;
  std::string display_name_;
  std::vector<std::string> secrets_;  // to redact from libpq's messages
  std::string url_;                   // with its password, for OpenAnother only
  bool in_transaction_ = false;       // Begin() succeeded, no Commit/Rollback yet
  uint64_t statement_counter_ = 0;
  std::vector<std::string> pending_deallocations_;
  // Pipeline mode (ExecuteQueued).
  bool pipeline_ = false;
  int64_t queued_ = 0;                       // statements queued since pipeline mode was entered
  int unsynced_ = 0;                         // queued after the last sync point
  std::deque<int> segments_;                 // statements per sync point whose results are unread
  std::deque<const std::string*> inflight_;  // the text of each unread statement
  std::optional<core::Error> pipeline_error_;
  int64_t failed_position_ = 0;
  ParamTexts queue_texts_;
};

PostgresStatement::~PostgresStatement() { db_->Deallocate(name_); }

Result<ResultPtr> PostgresStatement::Run(std::span<const Value> params) {
  if (static_cast<int>(params.size()) != param_count_) {
    return core::Fail(ErrorCode::kInternal, "statement wants {} parameters, got {}: {}",
                      param_count_, params.size(), sql_);
  }
  MOPS_TRY(db_->Flush());
  PostgresDatabase::ParamTexts texts;
  MOPS_TRY(texts.Set(params));
  ResultPtr r(PQexecPrepared(db_->conn(), name_.c_str(), texts.size(), texts.values(), nullptr,
                             nullptr, 0));
  MOPS_TRY(db_->Check(r.get()));
  return r;
}

Status PostgresStatement::ExecuteQueued(std::span<const Value> params) {
  if (static_cast<int>(params.size()) != param_count_) {
    return core::Fail(ErrorCode::kInternal, "statement wants {} parameters, got {}: {}",
                      param_count_, params.size(), sql_);
  }
  return db_->Queue(name_, sql_, params);
}

Result<int64_t> PostgresStatement::Execute(std::span<const Value> params) {
  MOPS_ASSIGN_OR_RETURN(ResultPtr r, Run(params));
  const std::string_view tuples = PQcmdTuples(r.get());
  return tuples.empty() ? 0 : ParseInt(tuples);
}

Result<Rows> PostgresStatement::Query(std::span<const Value> params) {
  MOPS_ASSIGN_OR_RETURN(ResultPtr r, Run(params));
  Rows rows;
  const int n = PQnfields(r.get());
  const int count = PQntuples(r.get());
  std::vector<Kind> kinds(n);
  for (int c = 0; c < n; ++c) {
    rows.columns.emplace_back(PQfname(r.get(), c));
    kinds[c] = KindOf(PQftype(r.get(), c));
  }
  rows.rows.resize(count);
  for (int row = 0; row < count; ++row) {
    auto& out = rows.rows[row];
    out.reserve(n);
    for (int c = 0; c < n; ++c) {
      if (PQgetisnull(r.get(), row, c)) {
        out.emplace_back();
      } else {
        out.push_back(CellOf(
            kinds[c], std::string_view(PQgetvalue(r.get(), row, c), PQgetlength(r.get(), row, c))));
      }
    }
  }
  return rows;
}

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url) {
  const std::vector<std::string_view> secrets = PasswordsIn(url);
  const std::string display_name = Redact(url, secrets);
  // client_encoding comes after the URL so that it wins over one in the URL:
  // every string we exchange is UTF-8.
  const std::array<const char*, 4> keys = {"dbname", "client_encoding", "fallback_application_name",
                                           nullptr};
  const std::array<const char*, 4> values = {url.c_str(), "UTF8", "mops", nullptr};
  ConnPtr conn(PQconnectdbParams(keys.data(), values.data(), 1));
  if (conn == nullptr) return core::Fail(ErrorCode::kUnavailable, "out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    // libpq may echo parts of the URL (a malformed token, say): redact.
    return core::Fail(ErrorCode::kUnavailable, "cannot connect to PostgreSQL at {}: {}",
                      display_name, Redact(TrimNewlines(PQerrorMessage(conn.get())), secrets));
  }
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  auto db = std::make_unique<PostgresDatabase>(
      std::move(conn), display_name, std::vector<std::string>(secrets.begin(), secrets.end()));
  db->set_url(url);
  // Times are integers in UTC, but now() and friends must agree.
  if (auto s = db->Configure(); !s) {
    return core::Fail(ErrorCode::kDatabase, "cannot configure the session on {}: {}", display_name,
                      s.error().message);
  }
  return db;
}

}  // namespace mops::store
