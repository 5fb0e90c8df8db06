// Runs the real `mops attribute` on the hand-worked workspace of
// src/attribution/testdata: the figures, every output format, and each bad
// input with its exit code and message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/cli/cli_support.h"

namespace {

using mops::cli_test::CliWorkspace;
using mops::cli_test::RunResult;
using ::testing::HasSubstr;

class CliAttributeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* kind : {"accounts", "contacts", "lifecycle_history", "campaigns",
                             "touchpoints", "opportunities", "opportunity_contacts"}) {
      const std::string file = std::string(MOPS_ATTRIBUTION_TESTDATA) + "/" + kind + ".csv";
      RunResult run = ws_.Mops({"import", kind, file, "--strict"});
      ASSERT_EQ(run.exit_code, 0) << kind << ": " << run.err;
    }
  }
  CliWorkspace ws_;
};

TEST_F(CliAttributeTest, ModelsSideBySideInEveryFormat) {
  RunResult csv = ws_.Mops({"--format", "csv", "attribute", "--model", "first_touch,linear"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_THAT(csv.out, HasSubstr("channel,first_touch,linear\n"));
  EXPECT_THAT(csv.out, HasSubstr("organic_search,10000.00,3333.33\n"));
  // opp-3 (no contact role) goes through its account: Beta's paid_social.
  EXPECT_THAT(csv.out, HasSubstr("paid_social,7000.00,7000.00\n"));
  EXPECT_THAT(csv.out, ::testing::Not(HasSubstr("(unattributed)")));

  RunResult json = ws_.Mops({"--format", "json", "attribute", "--conversion", "won", "--model",
                             "last_touch,last_non_direct"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto rows = nlohmann::json::parse(json.out);
  bool saw_direct = false;
  for (const auto& row : rows) {
    if (row["channel"] == "direct") {
      saw_direct = true;
      EXPECT_EQ(row["last_touch"], 10000);
      EXPECT_EQ(row["last_non_direct"], 0);
    }
  }
  EXPECT_TRUE(saw_direct) << json.out;

  RunResult by = ws_.Mops({"--format", "csv", "attribute", "--model", "linear", "--journey",
                           "account", "--by", "campaign"});
  ASSERT_EQ(by.exit_code, 0) << by.err;
  EXPECT_THAT(by.out, HasSubstr("Spring Webinar,2500.00\n"));

  RunResult detail =
      ws_.Mops({"--format", "csv", "attribute", "--model", "position_based", "--detail"});
  ASSERT_EQ(detail.exit_code, 0) << detail.err;
  EXPECT_THAT(detail.out, HasSubstr("conversion_id,touchpoint_id,occurred_at,channel,campaign,"
                                    "model,share,value\n"));
  EXPECT_THAT(detail.out, HasSubstr(",2026-01-20T00:00:00Z,organic_search,,position_based,"
                                    "0.400000,4000.00\n"));

  RunResult runs = ws_.Mops({"--format", "csv", "attribute", "runs"});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_THAT(runs.out, HasSubstr(",cli,won,roles,90,1,10000.00,0,"));
  RunResult show = ws_.Mops({"--format", "csv", "attribute", "show", "1"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("linear,organic_search,0.333,3333.33\n"));
}

// A Salesforce org export (tests/fixtures/salesforce-org) imported with the
// verbs a user runs: touches come from the CRM objects, the import reports
// what it derived, status counts it, and attribution names every won
// opportunity's channel but the one without any touch.
TEST(CliCrmOrg, ImportStatusAndAttribute) {
  CliWorkspace ws;
  const std::string dir = std::string(MOPS_FIXTURES) + "/salesforce-org/";
  const std::vector<std::pair<std::string, std::string>> files = {
      {"campaign-members", "CampaignMember.csv"},
      {"opportunities", "Opportunity.csv"},
      {"leads", "Lead.csv"},
      {"contacts", "Contact.csv"},
      {"accounts", "Account.csv"},
      {"opportunity-contacts", "OpportunityContactRole.csv"},
      {"campaigns", "Campaign.csv"}};
  std::string last;
  for (const auto& [kind, file] : files) {
    std::vector<std::string> args = {"import", kind,
                                     ws.Write(file, mops::cli_test::Slurp(dir + file))};
    if (kind == "campaign-members") {
      args.insert(args.end(), {"--member-date", "Added_Date__c"});
    }
    RunResult run = ws.Mops(args);
    ASSERT_EQ(run.exit_code, 0) << file << ": " << run.err;
    last = run.out + run.err;
  }
  EXPECT_THAT(last, HasSubstr("warning: campaign types no channel rule knows (channel other): "
                              "Podcast (1 campaign)"));
  EXPECT_THAT(last, HasSubstr("touches from CRM objects: campaign_member 8 (8 new)"));
  EXPECT_THAT(last, HasSubstr("opportunities without any touch: 1 of 6 (1 won)"));

  RunResult status = ws.Mops({"--format", "csv", "status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("campaign_members,8\n"));
  EXPECT_THAT(status.out, HasSubstr("touchpoints from CRM objects,14\n"));

  RunResult won = ws.Mops({"attribute", "--conversion", "won", "--model", "first_touch,linear"});
  ASSERT_EQ(won.exit_code, 0) << won.err;
  EXPECT_THAT(won.out, HasSubstr("through account journeys (no contact role with a touch): 1 of "
                                 "4 opportunities, value 10000.00 of 65000.00"));
  RunResult csv = ws.Mops(
      {"--format", "csv", "attribute", "--conversion", "won", "--model", "first_touch,linear"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_THAT(csv.out, HasSubstr("organic_search,30000.00,10000.00\n"));
  EXPECT_THAT(csv.out, HasSubstr("webinar,20000.00,20000.00\n"));
  EXPECT_THAT(csv.out, HasSubstr("events,10000.00,5000.00\n"));
  EXPECT_THAT(csv.out, HasSubstr("(unattributed),5000.00,5000.00\n"));
  RunResult show = ws.Mops({"--format", "json", "attribute", "show", "2"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const auto run = nlohmann::json::parse(show.out);
  EXPECT_EQ(run["summary"]["account_journeys"]["count"], 1);
  EXPECT_EQ(run["summary"]["account_journeys"]["value"], 10000);
}

TEST_F(CliAttributeTest, BadInputIsNamedAndChangesNothing) {
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"attribute", "--conversion", "closed"}, 2, "--conversion"},
      {{"attribute", "--model", "linear,best"}, 1, "unknown model 'best'"},
      {{"attribute", "--from", "yesterday"}, 1, "--from"},
      {{"attribute", "--from", "2026-04-01", "--to", "2026-03-01"},
       1,
       "--from must be before --to"},
      {{"attribute", "--position", "40,60"}, 1, "--position takes three weights"},
      {{"attribute", "--position", "50,20,40"}, 1, "position_based weights must sum to 100%"},
      {{"attribute", "--lookback-days", "-3"}, 2, "--lookback-days"},
      {{"attribute", "show", "42"}, 1, "no attribution run 42"},
      {{"attribute", "config", "set", "/nonexistent/attribution.yaml"}, 1, "cannot open"},
  };
  for (const Case& c : cases) {
    RunResult run = ws_.Mops(c.args);
    EXPECT_EQ(run.exit_code, c.exit_code) << c.args.back() << ": " << run.err;
    EXPECT_THAT(run.err, HasSubstr(c.message)) << c.args.back();
  }
  // Nothing was stored by the failed runs.
  RunResult runs = ws_.Mops({"--format", "csv", "attribute", "runs"});
  EXPECT_EQ(runs.out,
            "run,created_at,actor,conversion,journey,lookback,conversions,value,"
            "unattributed,models\n");

  const std::string bad = (ws_.dir() / "bad.yaml").string();
  std::ofstream(bad) << "lookback_days: 30\nhalf_life: 3\n";
  RunResult config = ws_.Mops({"attribute", "config", "set", bad});
  EXPECT_EQ(config.exit_code, 1);
  EXPECT_THAT(config.err,
              HasSubstr("bad.yaml: attribution config, line 2: unknown key 'half_life'"));
  RunResult shown = ws_.Mops({"attribute", "config", "show"});
  EXPECT_THAT(shown.out, HasSubstr("no attribution config"));
}

}  // namespace
