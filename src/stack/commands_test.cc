// The `mops stack` verbs in process: output, formats and exit codes.
#include "stack/commands.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/cli.h"
#include "store/database.h"
#include "tests/support/in_process_cli.h"

namespace mops::stack {
namespace {

namespace fs = std::filesystem;

// Runs `mops --workspace WS ARGS...` with the stack verbs and captures stdout
// and stderr.
using Outcome = test_support::CliOutcome;

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mops-stack-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Write("tools.csv",
          "name,category,capabilities,owner,annual_cost,seats,active_seats,renewal_date,"
          "notice_days,auto_renew,status\n"
          "Salesforce,,,Raj,120000,40,38,2026-12-01,60,true,active\n"
          "HubSpot Marketing Hub,,,Jane,36000,10,9,2027-03-01,30,true,active\n"
          "Marketo,,,Jane,60000,25,6,2026-08-10,30,true,active\n"
          "Hotjar,,,Jane,3600,5,1,2026-09-01,30,false,active\n");
    Write("integrations.csv",
          "from_tool,to_tool,objects,direction,status\n"
          "HubSpot Marketing Hub,Salesforce,contacts,two_way,active\n"
          "Marketo,Salesforce,leads,two_way,failing\n");
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

  void Import() {
    ASSERT_EQ(Mops({"stack", "import", "tools", (dir_ / "tools.csv").string()}).exit_code, 0);
    ASSERT_EQ(
        Mops({"stack", "import", "integrations", (dir_ / "integrations.csv").string()}).exit_code,
        0);
  }

  fs::path dir_;
};

TEST_F(CommandsTest, ImportReportsRejectsAndStrictFails) {
  Import();
  const std::string bad = Write("bad.csv", "name,annual_cost\nGood,10\nBad,ten\n");
  Outcome r = Mops({"stack", "import", "tools", bad});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("rejected 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("line 3, column 2"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(bad + ".rejects.csv"));

  Outcome strict = Mops({"stack", "import", "tools", bad, "--strict"});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_NE(strict.err.find("bad.csv:3:2"), std::string::npos) << strict.err;

  EXPECT_EQ(Mops({"stack", "import", "vendors", bad}).exit_code, 2);
  Outcome missing = Mops({"stack", "import", "tools", (dir_ / "none.csv").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("none.csv"), std::string::npos);
}

TEST_F(CommandsTest, ListRenewalsAndAuditFormats) {
  Import();
  Outcome list = Mops({"stack", "list", "--as-of", "2026-07-01"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  // "Marketo" is the catalog's Marketo Engage: its vendor is filled in.
  EXPECT_NE(list.out.find("Adobe"), std::string::npos) << list.out;

  // Marketo: renewal 2026-08-10, notice 30 -> deadline 2026-07-11, 10 days away.
  Outcome renewals = Mops({"stack", "renewals", "--within", "30", "--as-of", "2026-07-01"});
  ASSERT_EQ(renewals.exit_code, 0);
  EXPECT_NE(renewals.out.find("2026-07-11"), std::string::npos) << renewals.out;
  EXPECT_EQ(renewals.out.find("Salesforce"), std::string::npos) << renewals.out;

  Outcome json = Mops({"--format", "json", "stack", "audit", "--as-of", "2026-07-01"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto doc = nlohmann::json::parse(json.out);
  std::set<std::string> kinds;
  for (const auto& f : doc["findings"]) kinds.insert(f["kind"].get<std::string>());
  for (const char* kind : {"overlap", "underused", "island", "failing_sync", "renewal", "gap"}) {
    EXPECT_TRUE(kinds.contains(kind)) << kind;
  }

  const std::string html_path = (dir_ / "audit.html").string();
  Outcome html = Mops({"stack", "audit", "--format", "html", "--out", html_path, "--as-of",
                       "2026-07-01", "--budget", "2000000"});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  std::ifstream in(html_path);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(page.starts_with("<!doctype html>"));
  EXPECT_NE(page.find("Share of marketing budget"), std::string::npos);

  Outcome table = Mops({"stack", "audit", "--as-of", "2026-07-01"});
  EXPECT_NE(table.out.find("estimated annual saving"), std::string::npos) << table.out;

  Outcome dot = Mops({"stack", "graph", "--as-of", "2026-07-01"});
  EXPECT_TRUE(dot.out.starts_with("digraph stack {")) << dot.out;
  EXPECT_NE(dot.out.find("color=red, fontcolor=red"), std::string::npos);  // Hotjar

  Outcome matrix = Mops({"--format", "csv", "stack", "overlap", "--view", "matrix"});
  EXPECT_NE(matrix.out.find("marketing_automation,"), std::string::npos) << matrix.out;
}

TEST_F(CommandsTest, BadOptionsFailWithTheField) {
  Import();
  Outcome date = Mops({"stack", "audit", "--as-of", "soon"});
  EXPECT_EQ(date.exit_code, 1);
  EXPECT_NE(date.err.find("as_of"), std::string::npos) << date.err;
  Outcome stage = Mops({"stack", "gaps", "--stage", "unicorn"});
  EXPECT_EQ(stage.exit_code, 1);
  EXPECT_NE(stage.err.find("seed, growth or scale"), std::string::npos);
  Outcome threshold = Mops({"stack", "utilization", "--utilization-threshold", "250%"});
  EXPECT_EQ(threshold.exit_code, 1);
  EXPECT_EQ(Mops({"stack", "audit", "--format", "pdf"}).exit_code, 2);
  Outcome unknown = Mops({"stack", "catalog", "Nothing Like It"});
  EXPECT_EQ(unknown.exit_code, 1);
  Outcome known = Mops({"stack", "catalog", "ga4"});
  EXPECT_NE(known.out.find("Google Analytics 4"), std::string::npos);
}

}  // namespace
}  // namespace mops::stack
