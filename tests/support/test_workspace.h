// A throwaway workspace for a service test: a SQLite file in a fresh
// temporary folder, or a fresh database named after the running test on the
// shared test PostgreSQL server (postgres_server.h); migrated to the latest
// schema. The folder also holds files a test writes beside the workspace and
// is removed with it. Header-only: it needs the test's store and GoogleTest.
//
// A test file built for both backends derives its own fixture from it:
//   class Workspace : public test_support::TestWorkspace {
//    public:
//     Workspace() : TestWorkspace("leads", kBackend) {}
//   };
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "store/database.h"
#include "tests/support/postgres_server.h"

namespace mops::test_support {

enum class Backend { kSqlite, kPostgres };

class TestWorkspace {
 public:
  TestWorkspace(std::string_view prefix, Backend backend) {
    static int counter = 0;
    dir_ = std::filesystem::temp_directory_path() /
           ("mops-" + std::string(prefix) + "-test-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (backend == Backend::kPostgres) {
      auto server = PostgresServer::Shared();
      if (!server) Fail(server.error().ToString());
      const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
      auto url = (*server)->CreateDatabase(test != nullptr ? test->name() : std::string(prefix));
      if (!url) Fail(url.error().ToString());
      url_ = *url;
    } else {
      url_ = (dir_ / "ws.db").string();
    }
    auto db = store::Open(url_);
    if (!db) Fail(db.error().ToString());
    db_ = std::move(*db);
    auto migrated = store::Migrate(*db_);
    if (!migrated) Fail(migrated.error().ToString());
  }
  ~TestWorkspace() {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TestWorkspace(const TestWorkspace&) = delete;
  TestWorkspace& operator=(const TestWorkspace&) = delete;

  store::Database& db() { return *db_; }
  const std::string& url() const { return url_; }
  const std::filesystem::path& dir() const { return dir_; }

 protected:
  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<store::Database> db_;

 private:
  // A workspace that cannot be made leaves nothing to test: fail loudly.
  [[noreturn]] static void Fail(const std::string& why) {
    ADD_FAILURE() << "test workspace: " << why;
    std::abort();
  }
};

}  // namespace mops::test_support
