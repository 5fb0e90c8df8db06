// The floor of a benchmark's writes on SQLite: the time SQLite itself takes
// to store the rows a mops command stored, with nothing of mops around it.
//
// A target such as "1M rows in 5 s" is only reachable when it lies above
// this floor. The rows are read back from the workspace the command wrote,
// held in memory typed as stored, and written again into a fresh file with
// the workspace's pragmas and the same tables: one prepared statement, values
// bound from memory, one transaction, secondary indexes built after the rows
// (the cheapest order), then the commit. No parsing, no conversion, no
// triggers, no reads of other tables.
#pragma once

#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace mops::bench {

// Rows of one query, typed as stored, in compact column streams.
struct StoredRows {
  int columns = 0;
  int64_t rows = 0;
  std::vector<unsigned char> types;  // one SQLITE_* type per cell
  std::vector<int64_t> ints;
  std::vector<double> reals;
  std::string bytes;  // text and blobs, one after another
  std::vector<uint32_t> lengths;
};

// The pragmas a workspace connection sets (store/sqlite), so that the floor
// pays the same cache and journal costs.
constexpr const char* kWorkspacePragmas =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; "
    "PRAGMA cache_size=-65536; PRAGMA foreign_keys=OFF; PRAGMA mmap_size=4294967296;";

[[noreturn]] inline void FloorDie(sqlite3* db, const std::string& what) {
  fmt::print(stderr, "floor: {}: {}\n", what, db != nullptr ? sqlite3_errmsg(db) : "");
  std::exit(1);
}

inline void FloorExec(sqlite3* db, const std::string& sql) {
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) FloorDie(db, sql);
}

inline sqlite3* FloorOpen(const std::string& path, bool fresh) {
  if (fresh) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) FloorDie(db, "open " + path);
  FloorExec(db, kWorkspacePragmas);
  return db;
}

inline StoredRows ReadStoredRows(sqlite3* db, const std::string& select) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, select.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    FloorDie(db, select);
  }
  StoredRows out;
  out.columns = sqlite3_column_count(st);
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int c = 0; c < out.columns; ++c) {
      const int type = sqlite3_column_type(st, c);
      out.types.push_back(static_cast<unsigned char>(type));
      if (type == SQLITE_INTEGER) {
        out.ints.push_back(sqlite3_column_int64(st, c));
      } else if (type == SQLITE_FLOAT) {
        out.reals.push_back(sqlite3_column_double(st, c));
      } else if (type == SQLITE_TEXT || type == SQLITE_BLOB) {
        const void* p = type == SQLITE_TEXT ? static_cast<const void*>(sqlite3_column_text(st, c))
                                            : sqlite3_column_blob(st, c);
        const int n = sqlite3_column_bytes(st, c);
        out.bytes.append(static_cast<const char*>(p), static_cast<size_t>(n));
        out.lengths.push_back(static_cast<uint32_t>(n));
      }
    }
    ++out.rows;
  }
  sqlite3_finalize(st);
  return out;
}

// Executes `sql` (one parameter per column of `rows`) once per row.
inline void WriteStoredRows(sqlite3* db, const std::string& sql, const StoredRows& rows) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) FloorDie(db, sql);
  size_t cell = 0, i = 0, r = 0, b = 0, offset = 0;
  for (int64_t row = 0; row < rows.rows; ++row) {
    for (int c = 1; c <= rows.columns; ++c) {
      switch (rows.types[cell++]) {
        case SQLITE_INTEGER:
          sqlite3_bind_int64(st, c, rows.ints[i++]);
          break;
        case SQLITE_FLOAT:
          sqlite3_bind_double(st, c, rows.reals[r++]);
          break;
        case SQLITE_TEXT:
          sqlite3_bind_text(st, c, rows.bytes.data() + offset, static_cast<int>(rows.lengths[b]),
                            SQLITE_STATIC);
          offset += rows.lengths[b++];
          break;
        case SQLITE_BLOB:
          sqlite3_bind_blob(st, c, rows.bytes.data() + offset, static_cast<int>(rows.lengths[b]),
                            SQLITE_STATIC);
          offset += rows.lengths[b++];
          break;
        default:
          sqlite3_bind_null(st, c);
      }
    }
    if (sqlite3_step(st) != SQLITE_DONE) FloorDie(db, sql);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
}

// The CREATE statements of `table` in `db`: the table first, then its
// indexes (the implicit ones of its constraints come with the table).
struct TableSchema {
  std::string table;
  std::vector<std::string> indexes;
};

inline TableSchema SchemaOf(sqlite3* db, const std::string& table) {
  TableSchema out;
  const StoredRows sql = ReadStoredRows(
      db, fmt::format("SELECT type, sql FROM sqlite_master WHERE tbl_name = '{}' AND type IN "
                      "('table', 'index') AND sql IS NOT NULL ORDER BY type = 'index', name",
                      table));
  size_t offset = 0;
  for (size_t k = 0; k < sql.lengths.size(); k += 2) {
    const std::string type = sql.bytes.substr(offset, sql.lengths[k]);
    offset += sql.lengths[k];
    std::string text = sql.bytes.substr(offset, sql.lengths[k + 1]);
    offset += sql.lengths[k + 1];
    if (type == "table") {
      out.table = std::move(text);
    } else {
      out.indexes.push_back(std::move(text));
    }
  }
  if (out.table.empty()) FloorDie(db, "no table " + table);
  return out;
}

inline std::string Placeholders(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

// One timed step of a floor, for the benchmark's table.
struct FloorStep {
  std::string name;
  int64_t rows = 0;
  double seconds = 0;
};

// Times a step `body` and appends it to `steps`.
template <typename Body>
void TimeFloorStep(std::vector<FloorStep>& steps, std::string name, int64_t rows, Body body) {
  const auto start = std::chrono::steady_clock::now();
  body();
  steps.push_back(
      {std::move(name), rows,
       std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()});
}

// The floor of inserting every row of `tables` as they stand in the workspace
// at `source_path`: into empty tables of the same schema in a fresh file at
// `floor_path`, rows first, then the secondary indexes, then the commit.
inline std::vector<FloorStep> InsertFloor(const std::string& source_path,
                                          const std::string& floor_path,
                                          const std::vector<std::string>& tables) {
  sqlite3* source = FloorOpen(source_path, false);
  std::vector<TableSchema> schemas;
  std::vector<StoredRows> rows;
  for (const std::string& t : tables) {
    schemas.push_back(SchemaOf(source, t));
    rows.push_back(ReadStoredRows(source, fmt::format("SELECT * FROM {} ORDER BY rowid", t)));
  }
  sqlite3_close(source);
  sqlite3* db = FloorOpen(floor_path, true);
  for (const TableSchema& s : schemas) FloorExec(db, s.table);
  std::vector<FloorStep> steps;
  FloorExec(db, "BEGIN");
  for (size_t k = 0; k < tables.size(); ++k) {
    TimeFloorStep(steps, "insert " + tables[k], rows[k].rows, [&] {
      WriteStoredRows(
          db, fmt::format("INSERT INTO {} VALUES ({})", tables[k], Placeholders(rows[k].columns)),
          rows[k]);
    });
  }
  for (size_t k = 0; k < tables.size(); ++k) {
    TimeFloorStep(steps, "indexes of " + tables[k], rows[k].rows, [&] {
      for (const std::string& index : schemas[k].indexes) FloorExec(db, index);
    });
  }
  TimeFloorStep(steps, "commit", 0, [&] { FloorExec(db, "COMMIT"); });
  sqlite3_close(db);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(floor_path + suffix);
  return steps;
}

}  // namespace mops::bench
