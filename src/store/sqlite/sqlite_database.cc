#include "store/sqlite/sqlite_database.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/checkpointer.h"
#include "store/dict_builder.h"

namespace mops::store {
namespace {

using core::ErrorCode;

std::unexpected<core::Error> SqliteError(sqlite3* db, std::string_view what) {
  return core::Fail(ErrorCode::kDatabase, "{}: {}", what, sqlite3_errmsg(db));
}

class SqliteStatement final : public Statement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  Status Bind(std::span<const Value> params) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    const int expected = sqlite3_bind_parameter_count(stmt_);
    if (static_cast<int>(params.size()) != expected) {
      return core::Fail(ErrorCode::kInternal, "statement wants {} parameters, got {}: {}", expected,
                        params.size(), sqlite3_sql(stmt_));
    }
    for (int i = 0; i < expected; ++i) {
      const Value& v = params[i];
      int rc = SQLITE_OK;
      if (const auto* n = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt_, i + 1, *n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt_, i + 1, *d);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text(stmt_, i + 1, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
      } else {
        rc = sqlite3_bind_null(stmt_, i + 1);
      }
      if (rc != SQLITE_OK) return SqliteError(db_, "bind");
    }
    return {};
  }

  Result<int64_t> Execute(std::span<const Value> params) override {
    MOPS_TRY(Bind(params));
    int rc;
    while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) return StepError();
    return sqlite3_changes64(db_);
  }

  Result<Rows> Query(std::span<const Value> params) override {
    MOPS_TRY(Bind(params));
    Rows rows;
    const int n = sqlite3_column_count(stmt_);
    for (int i = 0; i < n; ++i) rows.columns.emplace_back(sqlite3_column_name(stmt_, i));
    int rc;
    while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
      auto& row = rows.rows.emplace_back();
      row.reserve(n);
      for (int i = 0; i < n; ++i) row.push_back(Cell(i));
    }
    if (rc != SQLITE_DONE) return StepError();
    return rows;
  }

  sqlite3_stmt* raw() { return stmt_; }

  std::unexpected<core::Error> StepError() {
    // Only a duplicate key is a conflict, as on PostgreSQL (23505); other
    // constraint failures (NOT NULL, CHECK) are database errors.
    const int extended = sqlite3_extended_errcode(db_);
    const bool duplicate =
        extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY;
    auto e = core::Fail(duplicate ? ErrorCode::kConflict : ErrorCode::kDatabase, "{}",
                        sqlite3_errmsg(db_));
    sqlite3_reset(stmt_);
    return e;
  }

 private:
  Value Cell(int i) {
    switch (sqlite3_column_type(stmt_, i)) {
      case SQLITE_INTEGER:
        return int64_t{sqlite3_column_int64(stmt_, i)};
      case SQLITE_FLOAT:
        return sqlite3_column_double(stmt_, i);
      case SQLITE_NULL:
        return Value{};
      default: {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
        return std::string(text, sqlite3_column_bytes(stmt_, i));
      }
    }
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

std::string_view CellText(sqlite3_value* cell) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(cell));
  return {p, static_cast<size_t>(sqlite3_value_bytes(cell))};
}

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteDatabase() override {
    // The checkpointer's connection goes first, so that this close, when it
    // is the workspace's last, checkpoints and removes the WAL files.
    if (!path_.empty() && path_ != ":memory:" && !path_.starts_with("file:")) {
      ForgetCheckpoints(path_);
    }
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }
  const std::string& display_name() const override { return path_; }
  Result<std::unique_ptr<Database>> OpenAnother() const override { return OpenSqlite(path_); }

  Status ExecScript(std::string_view sql) override {
    std::string owned(sql);
    char* message = nullptr;
    if (sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message != nullptr ? message : "unknown error";
      sqlite3_free(message);
      return core::Fail(ErrorCode::kDatabase, "{}", text);
    }
    return {};
  }

  Result<std::unique_ptr<Statement>> Prepare(std::string_view sql) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr) != SQLITE_OK) {
      return SqliteError(db_, fmt::format("prepare '{}'", sql));
    }
    return std::make_unique<SqliteStatement>(db_, stmt);
  }

  Status Begin() override { return ExecScript("BEGIN IMMEDIATE"); }
  Status Commit() override { return ExecScript("COMMIT"); }
  Status Rollback() override { return ExecScript("ROLLBACK"); }

  Result<std::vector<Column>> ScanColumns(std::string_view sql, std::span<const Value> params,
                                          std::span<const ColumnType> types,
                                          size_t expected_rows) override {
    MOPS_ASSIGN_OR_RETURN(auto prepared, Prepare(sql));
    auto* stmt = static_cast<SqliteStatement*>(prepared.get());
    MOPS_TRY(stmt->Bind(params));
    sqlite3_stmt* raw = stmt->raw();
    const int n = sqlite3_column_count(raw);
    if (n != static_cast<int>(types.size())) {
      return core::Fail(ErrorCode::kInternal, "scan wants {} columns, query has {}", types.size(),
                        n);
    }
    std::vector<Column> columns(n);
    std::vector<DictBuilder> dicts(n);
    for (int i = 0; i < n; ++i) {
      columns[i].type = types[i];
      columns[i].Reserve(expected_rows);
    }
    int rc;
    while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
      for (int i = 0; i < n; ++i) {
        Column& col = columns[i];
        // One lookup of the cell, then cheap accessors: the sqlite3_column_*
        // functions each redo it. The value is "unprotected", which only
        // matters to connections shared between threads; ours is not.
        sqlite3_value* cell = sqlite3_column_value(raw, i);
        const bool null = sqlite3_value_type(cell) == SQLITE_NULL;
        col.nulls.push_back(null ? 1 : 0);
        switch (col.type) {
          case ColumnType::kInt:
            col.ints.push_back(null ? 0 : sqlite3_value_int64(cell));
            break;
          case ColumnType::kReal:
            col.reals.push_back(null ? 0.0 : sqlite3_value_double(cell));
            break;
          case ColumnType::kText:
            if (null) {
              col.texts.emplace_back();
            } else {
              col.texts.emplace_back(CellText(cell));
            }
            break;
          case ColumnType::kDict:
            col.codes.push_back(null ? -1 : dicts[i].Code(CellText(cell), col));
            break;
        }
      }
    }
    if (rc != SQLITE_DONE) return stmt->StepError();
    return columns;
  }

 private:
  sqlite3* db_;
  std::string path_;
};

// Creates the folders above `path` that do not exist yet, each with mode 0700.
Status CreateParentFolders(const std::string& path) {
  namespace fs = std::filesystem;
  std::vector<fs::path> missing;
  for (fs::path dir = fs::path(path).parent_path(); !dir.empty(); dir = dir.parent_path()) {
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return core::Fail(ErrorCode::kIo, "cannot create workspace '{}': '{}' is not a folder",
                          path, dir.string());
      }
      break;
    }
    if (errno == ENOTDIR) continue;  // a file above: reported when the walk reaches it
    if (errno != ENOENT) {
      return core::Fail(ErrorCode::kIo,
                        "cannot create workspace '{}': cannot create folder '{}': {}", path,
                        dir.string(), std::strerror(errno));
    }
    missing.push_back(dir);
    if (dir == dir.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      return core::Fail(ErrorCode::kIo,
                        "cannot create workspace '{}': cannot create folder '{}': {}", path,
                        it->string(), std::strerror(errno));
    }
  }
  return {};
}

// Creates the workspace file with mode 0600 when it does not exist. SQLite
// then gives its -wal and -shm files the database file's mode.
Status CreatePrivateFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return {};
    return core::Fail(ErrorCode::kIo, "cannot create workspace '{}': {}", path,
                      std::strerror(errno));
  }
  ::close(fd);
  return {};
}

}  // namespace

Status PrepareSqliteFile(const std::string& path) {
  // In-memory databases and URI filenames are SQLite's to interpret.
  if (path.empty() || path == ":memory:" || path.starts_with("file:")) return {};
  MOPS_TRY(CreateParentFolders(path));
  return CreatePrivateFile(path);
}

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path) {
  // No allocation statistics (nothing reads them): with them on, every
  // allocation of every connection takes one process-wide mutex. Only
  // possible before SQLite initializes; afterwards the call is refused.
  static std::once_flag memstatus_off;
  std::call_once(memstatus_off, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  MOPS_TRY(PrepareSqliteFile(path));
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return core::Fail(ErrorCode::kIo, "cannot open workspace '{}': {}", path, message);
  }
  sqlite3_busy_timeout(db, 10000);
  auto database = std::make_unique<SqliteDatabase>(db, path);
  // WAL lets readers (the server, reports) run while an import writes.
  // NORMAL sync in WAL mode survives process crashes (a power loss may lose
  // the last commits); the tracking API's "200 means committed" relies on it.
  MOPS_TRY(database->ExecScript(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
      "PRAGMA cache_size=-65536; PRAGMA foreign_keys=OFF;"
      // Reads through a memory map rather than read() into the page cache:
      // the bulk scans of the engines then decode pages in place instead of
      // copying each one from the kernel (SQLite caps the size at its
      // compile-time maximum).
      "PRAGMA mmap_size=4294967296;"));
  return database;
}

}  // namespace mops::store
