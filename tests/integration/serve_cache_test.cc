// The response cache against a real `mops serve`: a CLI import into the same
// workspace, made by another process while the server runs, is visible to
// the server's very next read. On SQLite and on a real PostgreSQL.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/security/raw_http.h"
#include "tests/support/postgres_server.h"

namespace mops {
namespace {

namespace raw = rawhttp;
using Json = nlohmann::json;

struct MopsRun {
  int exit_code = -1;
  std::string out;
};

MopsRun RunMops(const std::vector<std::string>& args) {
  std::string cmd = "'" + std::string(MOPS_BIN) + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  MopsRun run;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) run.out.append(buf, n);
  const int status = ::pclose(p);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

void WriteFile(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

class ServeCacheTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mops_serve_cache_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    if (GetParam()) {
      auto server = test_support::PostgresServer::Shared();
      ASSERT_TRUE(server.has_value()) << server.error().ToString();
      auto url = (*server)->CreateDatabase("serve_cache");
      ASSERT_TRUE(url.has_value()) << url.error().ToString();
      workspace_ = *url;
    } else {
      workspace_ = dir_ + "/mops.db";
    }
    const MopsRun init = RunMops({"--workspace", workspace_, "init"});
    std::smatch m;
    ASSERT_TRUE(std::regex_search(init.out, m, std::regex("admin token: (mops_\\S+)"))) << init.out;
    token_ = m[1];
    port_ = raw::FreePort();
    server_ = std::make_unique<raw::Process>(
        MOPS_BIN,
        std::vector<std::string>{"--workspace", workspace_, "serve", "--port",
                                 std::to_string(port_), "--threads", "2"},
        dir_ + "/serve.log");
    ASSERT_TRUE(server_->WaitHealthy(port_, 30)) << server_->Output();
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->Stop(), 0) << server_->Output();
    }
    std::filesystem::remove_all(dir_);
  }

  raw::Response Get(const std::string& path, const std::string& extra = "") {
    return raw::Exchange(port_, raw::Get(path, "Authorization: Bearer " + token_ + "\r\n" + extra));
  }
  std::vector<std::string> Emails() {
    raw::Response res = Get("/api/v1/contacts?limit=100");
    EXPECT_EQ(res.status, 200) << res.body;
    std::vector<std::string> emails;
    Json doc = Json::parse(res.body, nullptr, false);
    for (const auto& c : doc["items"]) emails.push_back(c.value("email", ""));
    std::sort(emails.begin(), emails.end());
    return emails;
  }
  void Import(const std::string& name, const std::string& csv) {
    const std::string file = dir_ + "/" + name;
    WriteFile(file, csv);
    const MopsRun run = RunMops({"--workspace", workspace_, "import", "contacts", file});
    ASSERT_EQ(run.exit_code, 0) << run.out;
  }

  std::string dir_, workspace_, token_;
  int port_ = 0;
  std::unique_ptr<raw::Process> server_;
};

TEST_P(ServeCacheTest, CliImportWhileServingIsVisibleToTheNextRead) {
  constexpr std::string_view kHeader = "external_id,email,first_name,last_name,created_at\n";
  Import("one.csv", std::string(kHeader) + "c1,ana@example.com,Ana,Silva,2024-01-05T10:00:00Z\n");
  EXPECT_EQ(Emails(), std::vector<std::string>{"ana@example.com"});
  // Twice: the second read is the cached one.
  const raw::Response cached = Get("/api/v1/contacts?limit=100");
  ASSERT_EQ(cached.status, 200);
  const std::string etag = cached.headers.count("etag") ? cached.headers.at("etag") : "";
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(Get("/api/v1/contacts?limit=100", "If-None-Match: " + etag + "\r\n").status, 304);

  Import("two.csv", std::string(kHeader) + "c2,bo@example.com,Bo,Lee,2024-01-06T10:00:00Z\n");
  EXPECT_EQ(Emails(), (std::vector<std::string>{"ana@example.com", "bo@example.com"}));
  const raw::Response after = Get("/api/v1/contacts?limit=100", "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(after.status, 200);
  EXPECT_NE(after.headers.count("etag") ? after.headers.at("etag") : "", etag);
  // The security headers stay on cached responses.
  EXPECT_EQ(after.headers.count("cache-control") ? after.headers.at("cache-control") : "",
            "no-store");
}

INSTANTIATE_TEST_SUITE_P(Backends, ServeCacheTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("Postgres") : std::string("Sqlite");
                         });

}  // namespace
}  // namespace mops
