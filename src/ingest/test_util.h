// Helpers for ingest/ tests: a throwaway SQLite workspace and table counts.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "core/csv.h"
#include "ingest/ingest.h"
#include "store/database.h"
#ifdef MOPS_INGEST_TEST_POSTGRES
#include "tests/support/postgres_server.h"
#endif

namespace mops::ingest::testing {

// A migrated workspace and a fresh directory for files, removed afterwards.
// SQLite in the directory; built with MOPS_INGEST_TEST_POSTGRES, a new
// database on the test PostgreSQL server instead (the same tests, the other
// backend).
class TempWorkspace {
 public:
  TempWorkspace() {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("mops-ingest-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
#ifdef MOPS_INGEST_TEST_POSTGRES
    auto server = test_support::PostgresServer::Shared();
    if (!server) {
      ADD_FAILURE() << server.error().ToString();
      std::abort();
    }
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    auto url = (*server)->CreateDatabase(test != nullptr ? test->name() : "ingest");
    if (!url) {
      ADD_FAILURE() << url.error().ToString();
      std::abort();
    }
    auto db = store::Open(*url);
#else
    auto db = store::Open((dir_ / "ws.db").string());
#endif
    if (!db) {
      ADD_FAILURE() << db.error().ToString();
      std::abort();
    }
    db_ = std::move(*db);
    auto migrated = store::Migrate(*db_);
    EXPECT_TRUE(migrated.has_value()) << migrated.error().ToString();
  }
  ~TempWorkspace() {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  store::Database& db() { return *db_; }
  std::filesystem::path dir() const { return dir_; }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // Writes `text` to a file in the workspace directory and returns its path.
  std::string WriteFile(const std::string& name, std::string_view text) const {
    const std::string path = Path(name);
    FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    return path;
  }

  int64_t Count(const std::string& table) {
    auto v = db_->QueryValue("SELECT COUNT(*) FROM " + table);
    EXPECT_TRUE(v.has_value());
    return v ? store::AsInt(*v) : -1;
  }

  // Row counts of every table an import may write.
  std::map<std::string, int64_t> Counts() {
    std::map<std::string, int64_t> counts;
    for (Kind k : AllKinds()) counts[std::string(TableName(k))] = Count(std::string(TableName(k)));
    counts["identities"] = Count("identities");
    counts["audit_log"] = Count("audit_log");
    return counts;
  }

  // The rows of a query as "a|b|c;d|e|f" (NULL as "-"), on either backend.
  std::string Lines(const std::string& sql) {
    auto rows = db_->Query(sql);
    EXPECT_TRUE(rows.has_value()) << sql << ": " << rows.error().ToString();
    std::string out;
    if (!rows) return out;
    for (const auto& r : rows->rows) {
      if (!out.empty()) out += ';';
      for (size_t i = 0; i < r.size(); ++i) {
        if (i > 0) out += '|';
        out += store::IsNull(r[i]) ? std::string("-") : store::AsText(r[i]);
      }
    }
    return out;
  }

  // One text cell (empty for NULL or no row).
  std::string Text(const std::string& sql) {
    auto v = db_->QueryValue(sql);
    EXPECT_TRUE(v.has_value()) << sql << ": " << v.error().ToString();
    return v ? store::AsText(*v) : std::string();
  }
  int64_t Int(const std::string& sql) {
    auto v = db_->QueryValue(sql);
    EXPECT_TRUE(v.has_value()) << sql << ": " << v.error().ToString();
    return v ? store::AsInt(*v, -1) : -1;
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::Database> db_;
};

inline std::string Testdata(const std::string& name) {
  return std::string(MOPS_INGEST_TESTDATA) + "/" + name;
}

inline std::string ReadText(const std::string& path) {
  auto text = core::ReadFile(path);
  EXPECT_TRUE(text.has_value()) << path;
  return text ? *text : std::string();
}

}  // namespace mops::ingest::testing
