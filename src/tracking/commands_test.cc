// The `mops writekey` and `mops tracking` verbs in process: output, formats,
// exit codes, and a bad config that changes nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cli.h"
#include "tests/support/in_process_cli.h"
#include "tracking/tracking.h"

namespace mops::tracking {
namespace {

namespace fs = std::filesystem;

using Outcome = test_support::CliOutcome;

class TrackingCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mops-tracking-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  Outcome Mops(std::vector<std::string> args) {
    return test_support::RunInProcess(
        [](CLI::App& app, cli::Context& ctx) { RegisterCommands(app, ctx); },
        (dir_ / "ws.db").string(), std::move(args));
  }
  fs::path dir_;
};

TEST_F(TrackingCommandsTest, WriteKeyCreateListRevoke) {
  const Outcome created =
      Mops({"writekey", "create", "--name", "site", "--origin", "https://www.acme.example"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string secret = created.out.substr(0, created.out.find('\n'));
  EXPECT_TRUE(secret.starts_with("wk_"));
  EXPECT_NE(created.err.find("shown only once"), std::string::npos);

  const Outcome listed = Mops({"--format", "json", "writekey", "list"});
  ASSERT_EQ(listed.exit_code, 0);
  EXPECT_EQ(listed.out.find(secret), std::string::npos);  // never the secret
  const Json items = Json::parse(listed.out)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["origins"][0], "https://www.acme.example");
  // Only the hash is stored.
  auto db = store::Open((dir_ / "ws.db").string());
  ASSERT_TRUE(db.has_value());
  auto hash = (*db)->QueryValue("SELECT key_hash FROM write_keys");
  ASSERT_TRUE(hash.has_value());
  EXPECT_NE(store::AsText(*hash), secret);
  EXPECT_TRUE(AuthenticateWriteKey(**db, secret).has_value());

  EXPECT_EQ(Mops({"writekey", "revoke", std::to_string(items[0]["id"].get<int64_t>())}).exit_code,
            0);
  EXPECT_FALSE(AuthenticateWriteKey(**db, secret).has_value());
  const Outcome again = Mops({"writekey", "revoke", std::to_string(items[0]["id"].get<int64_t>())});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("no active write key"), std::string::npos);

  const Outcome bad_origin =
      Mops({"writekey", "create", "--name", "x", "--origin", "acme.example"});
  EXPECT_EQ(bad_origin.exit_code, 1);
  EXPECT_NE(bad_origin.err.find("origin 'acme.example'"), std::string::npos);
}

TEST_F(TrackingCommandsTest, ConfigSetValidatesAndABadFileChangesNothing) {
  const Outcome defaults = Mops({"tracking", "config", "show"});
  ASSERT_EQ(defaults.exit_code, 0) << defaults.err;
  EXPECT_NE(defaults.out.find("Demo Requested: demo_request"), std::string::npos);

  const std::string good = Write("good.yaml", "events:\n  Quote Requested: demo_request\n");
  ASSERT_EQ(Mops({"tracking", "config", "set", good}).exit_code, 0);
  const std::string bad =
      Write("bad.yaml", "events:\n  Quote Requested: demo_request\n  X: nope\n");
  const Outcome refused = Mops({"tracking", "config", "set", bad});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("line 3"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("event 'X'"), std::string::npos) << refused.err;
  const Outcome shown = Mops({"tracking", "config", "show"});
  EXPECT_NE(shown.out.find("Quote Requested: demo_request"), std::string::npos);
  EXPECT_EQ(shown.out.find("Demo Requested"), std::string::npos);

  const Outcome summary = Mops({"tracking", "summary"});
  EXPECT_EQ(summary.exit_code, 0) << summary.err;
  EXPECT_NE(summary.out.find("stitched_touchpoints"), std::string::npos);
}

}  // namespace
}  // namespace mops::tracking
