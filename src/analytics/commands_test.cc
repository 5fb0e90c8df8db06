// The verbs through the real binary: `mops spend import` on an ad export,
// `mops report ...` in each format, and bad input (exit code, message, and a
// workspace left as it was).
#include <gtest/gtest.h>

#include "tests/cli/cli_support.h"

namespace mops::cli_test {
namespace {

std::string AdFixture(const std::string& name) {
  return std::string(MOPS_FIXTURES) + "/ads/" + name;
}

TEST(AnalyticsCli, SpendImportThenReports) {
  CliWorkspace ws;
  RunResult imported = ws.Mops({"spend", "import", AdFixture("google_ads_campaign_report.csv")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("imported 6, updated 0, rejected 0"), std::string::npos)
      << imported.out;
  EXPECT_NE(imported.out.find("summary rows skipped: 4"), std::string::npos) << imported.out;
  EXPECT_NE(imported.out.find("unmatched campaign: Product Video"), std::string::npos);

  RunResult channels =
      ws.Mops({"--format", "csv", "report", "channels", "--dimension", "campaign"});
  ASSERT_EQ(channels.exit_code, 0) << channels.err;
  EXPECT_NE(channels.out.find("Retargeting Display,310.20,88410,231"), std::string::npos)
      << channels.out;
  // --by is the switch's name; --dimension its older one.
  RunResult by = ws.Mops({"--format", "csv", "report", "channels", "--by", "campaign"});
  ASSERT_EQ(by.exit_code, 0) << by.err;
  EXPECT_EQ(by.out, channels.out);
  RunResult bad_by = ws.Mops({"report", "channels", "--by", "planet"});
  EXPECT_EQ(bad_by.exit_code, 1);
  EXPECT_NE(bad_by.err.find("by must be channel, source or campaign"), std::string::npos)
      << bad_by.err;
  RunResult drill = ws.Mops({"--format", "json", "report", "channels", "--drill", "--key",
                             "display", "--metric", "spend"});
  ASSERT_EQ(drill.exit_code, 0) << drill.err;
  EXPECT_NE(drill.out.find("\"count\": 2"), std::string::npos) << drill.out;
  EXPECT_NE(drill.out.find("\"sum\": 368.95"), std::string::npos) << drill.out;
  for (std::string report : {"funnel", "velocity", "cac", "cohorts", "targets"}) {
    RunResult r = ws.Mops({"--format", "json", "report", report});
    EXPECT_EQ(r.exit_code, 0) << report << ": " << r.err;
  }
}

TEST(AnalyticsCli, BadInputChangesNothing) {
  CliWorkspace ws;
  ASSERT_EQ(ws.Mops({"spend", "import", AdFixture("linkedin_campaign_performance.csv")}).exit_code,
            0);
  const std::string before = ws.Mops({"--format", "csv", "report", "channels"}).out;
  RunResult not_ads =
      ws.Mops({"spend", "import", ws.Write("people.csv", "name,email\nA,a@x.io\n")});
  EXPECT_EQ(not_ads.exit_code, 1);
  EXPECT_NE(not_ads.err.find("people.csv"), std::string::npos) << not_ads.err;
  RunResult strict = ws.Mops({"spend", "import", "--strict", AdFixture("meta_ads_export.csv")});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_NE(strict.err.find(":5"), std::string::npos) << strict.err;
  EXPECT_NE(strict.err.find("Link clicks"), std::string::npos) << strict.err;
  RunResult config =
      ws.Mops({"report", "config", ws.Write("t.yaml", "targets:\n  2026-05: {leeds: 3}\n")});
  EXPECT_EQ(config.exit_code, 1);
  EXPECT_NE(config.err.find("t.yaml:2"), std::string::npos) << config.err;
  RunResult order = ws.Mops({"report", "funnel", "--order", "sideways"});
  EXPECT_EQ(order.exit_code, 1);
  EXPECT_NE(order.err.find("order"), std::string::npos) << order.err;
  EXPECT_EQ(ws.Mops({"--format", "csv", "report", "channels"}).out, before);
}

}  // namespace
}  // namespace mops::cli_test
