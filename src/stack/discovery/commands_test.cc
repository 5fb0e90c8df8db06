// `mops stack discover ...` as a user types it: every report in table, csv and
// json, a generic file mapped on the command line with local numbers, a bad
// file failing with its line, apply and undo.
#include "stack/discovery/commands.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "stack/commands.h"
#include "store/database.h"
#include "tests/support/in_process_cli.h"

namespace mops::stack::discovery {
namespace {

namespace fs = std::filesystem;
const std::string kDir = std::string(MOPS_FIXTURES) + "/discovery/";

using Outcome = test_support::CliOutcome;

class DiscoverCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mops-discover-cli-" + std::to_string(::getpid()) + "-" +
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
        [](CLI::App& app, cli::Context& ctx) {
          stack::RegisterCommands(app, ctx);
          RegisterCommands(*app.get_subcommand("stack"), ctx);
        },
        (dir_ / "ws.db").string(), std::move(args));
  }
  int64_t Count(const std::string& table) {
    auto db = store::Open((dir_ / "ws.db").string());
    EXPECT_TRUE(db);
    EXPECT_TRUE(store::Migrate(**db));
    return store::AsInt(*(*db)->QueryValue("SELECT COUNT(*) FROM " + table));
  }
  fs::path dir_;
};

TEST_F(DiscoverCommands, EveryReportInEveryFormat) {
  Outcome spend =
      Mops({"stack", "discover", "spend", kDir + "ramp_transactions.csv", "--as-of", "2026-03-31"});
  ASSERT_EQ(spend.exit_code, 0) << spend.err;
  EXPECT_NE(spend.err.find("15 new"), std::string::npos) << spend.err;
  EXPECT_NE(spend.out.find("HubSpot Marketing Hub"), std::string::npos);
  EXPECT_NE(spend.out.find("1 recurring merchants"), std::string::npos) << spend.out;

  Outcome csv = Mops({"--format", "csv", "stack", "discover", "spend", "--as-of", "2026-03-31"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')),
            "tool,confidence,cadence,annualised,net,refunds,transactions,payers,next_expected,"
            "price_changes,duplicate");
  EXPECT_NE(csv.out.find("HubSpot Marketing Hub,0.90,monthly,10560.00,2280.00,-200.00,4"),
            std::string::npos)
      << csv.out;

  Outcome json = Mops({"--format", "json", "stack", "discover", "spend", "--as-of", "2026-03-31"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["currency"], "USD");
  EXPECT_EQ(doc["unmatched"][0]["merchant"], "FRESHDESK");

  Outcome unmatched = Mops({"--format", "csv", "stack", "discover", "spend", "--view", "unmatched",
                            "--as-of", "2026-03-31"});
  EXPECT_NE(unmatched.out.find("FRESHDESK,yes,monthly,3,177.00"), std::string::npos)
      << unmatched.out;

  Outcome rows = Mops({"--format", "csv", "stack", "discover", "spend", "--view", "transactions",
                       "--tool", "Zoom Webinars"});
  ASSERT_EQ(rows.exit_code, 0) << rows.err;
  EXPECT_EQ(std::count(rows.out.begin(), rows.out.end(), '\n'), 5);  // header + 4 charges

  Outcome usage = Mops({"--format", "csv", "stack", "discover", "usage",
                        kDir + "okta_system_log.csv", "--as-of", "2026-03-31"});
  ASSERT_EQ(usage.exit_code, 0) << usage.err;
  EXPECT_NE(usage.out.find("HubSpot Marketing Hub,2,1,2,2026-03-30,1"), std::string::npos)
      << usage.out;

  for (const char* format : {"table", "csv", "json"}) {
    Outcome r =
        Mops({"--format", format, "stack", "discover", "reconcile", "--as-of", "2026-03-31"});
    ASSERT_EQ(r.exit_code, 0) << format << r.err;
    EXPECT_NE(r.out.find("LinkedIn Sales Navigator"), std::string::npos) << format;
  }
}

TEST_F(DiscoverCommands, GenericMappedOnTheCommandLine) {
  Outcome r = Mops({"stack",       "discover",
                    "spend",       kDir + "generic_mapped.csv",
                    "--column",    "date=Buchungstag",
                    "--column",    "merchant=Empfänger",
                    "--column",    "amount=Betrag",
                    "--column",    "currency=Währung",
                    "--decimal",   ",",
                    "--thousands", ".",
                    "--as-of",     "2026-03-31",
                    "--format",    "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("generic preset"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("Clearbit,0.95,monthly,14814.72"), std::string::npos) << r.out;
}

TEST_F(DiscoverCommands, BadFileFailsWithItsLineAndStoresNothing) {
  Outcome r = Mops({"stack", "discover", "spend", kDir + "bad_amount.csv"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad_amount.csv:3:3"), std::string::npos) << r.err;
  EXPECT_EQ(Count("discovery_spend"), 0);
  Outcome preset = Mops(
      {"stack", "discover", "spend", kDir + "ramp_transactions.csv", "--preset", "quickbooks"});
  EXPECT_EQ(preset.exit_code, 1);
  EXPECT_NE(preset.err.find("debit"), std::string::npos) << preset.err;
  EXPECT_EQ(Mops({"stack", "discover", "reconcile", "--active-days", "45"}).exit_code, 2);
}

TEST_F(DiscoverCommands, ApplyAndUndo) {
  const std::string tools = Write("tools.csv",
                                  "name,annual_cost,seats,active_seats,status\n"
                                  "HubSpot Marketing Hub,9000,10,9,active\n");
  ASSERT_EQ(Mops({"stack", "import", "tools", tools}).exit_code, 0);
  ASSERT_EQ(Mops({"stack", "discover", "spend", kDir + "ramp_transactions.csv"}).exit_code, 0);
  Outcome dry = Mops({"stack", "discover", "apply", "--dry-run", "--as-of", "2026-03-31"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("dry run: 4 changes"), std::string::npos) << dry.out;
  EXPECT_EQ(Count("tools"), 1);
  Outcome applied = Mops({"stack", "discover", "apply", "--as-of", "2026-03-31"});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_EQ(Count("tools"), 4);
  Outcome undone = Mops({"stack", "discover", "undo"});
  ASSERT_EQ(undone.exit_code, 0) << undone.err;
  EXPECT_EQ(Count("tools"), 1);
  EXPECT_EQ(Mops({"stack", "discover", "undo"}).exit_code, 1);
}

}  // namespace
}  // namespace mops::stack::discovery
