// The service on a small workspace imported from testdata/, with every figure
// worked out by hand (the timeline is in the comments). Built twice: on SQLite
// and, as attribution_postgres_test, on a real PostgreSQL.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "attribution/attribution.h"
#include "ingest/test_util.h"

namespace mops::attribution {
namespace {

using ingest::testing::TempWorkspace;

// acc-1 (Acme): con-1 (lead 02-01, MQL 02-10), con-2 (a lead since 01-01, not
// on the opportunity). acc-2 (Beta): con-3 (lead 02-05, MQL 03-01), con-4.
// Touches (2026):
//   tp-1 con-1 01-20 organic_search     tp-2 con-1 02-01 paid_search (lead touch)
//   tp-3 con-2 02-15 webinar            tp-4 con-1 03-01 email
//   tp-5 con-1 03-02 sales_activity     tp-6 con-1 03-20 direct
//   tp-7 con-3 02-20 paid_social
// opp-1 Acme 10,000 created 03-10, won (close date 04-01), con-1 primary.
// opp-2 Beta 5,000 created 03-05, con-3.   opp-3 Beta 2,000 created 03-06, no roles.

class AttributionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (ingest::Kind kind :
         {ingest::Kind::kAccounts, ingest::Kind::kContacts, ingest::Kind::kLifecycleHistory,
          ingest::Kind::kCampaigns, ingest::Kind::kTouchpoints, ingest::Kind::kOpportunities,
          ingest::Kind::kOpportunityContacts}) {
      ingest::ImportOptions options;
      options.strict = true;
      const std::string path = std::string(MOPS_ATTRIBUTION_TESTDATA) + "/" +
                               std::string(ingest::TableName(kind)) + ".csv";
      auto summary = ingest::ImportFile(ws_.db(), kind, path, options);
      ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
    }
  }
  RunReport Attribute(ConversionKind conversion, JourneyScope scope = JourneyScope::kRoles) {
    RunRequest r;
    r.conversion = conversion;
    r.scope = scope;
    auto report = attribution::Run(ws_.db(), r, "test");
    EXPECT_TRUE(report.has_value()) << report.error().ToString();
    return report ? *report : RunReport{};
  }
  // Credit (value, or conversions) of one key under one model.
  static std::map<std::string, double> By(const RunReport& report, Model model,
                                          Dimension d = Dimension::kChannel, bool value = true) {
    std::map<std::string, double> out;
    for (const ModelTotals& m : report.models) {
      if (m.model != model) continue;
      const DimensionTotals& t = m.by[static_cast<size_t>(d)];
      for (size_t k = 0; k < t.keys.size(); ++k) {
        const double v = value ? t.value[k] : t.conversions[k];
        if (v != 0) out[t.keys[k]] = v;
      }
    }
    return out;
  }

  TempWorkspace ws_;
};

void ExpectCredit(const std::map<std::string, double>& got,
                  const std::map<std::string, double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [key, v] : want) {
    ASSERT_TRUE(got.contains(key)) << key;
    EXPECT_NEAR(got.at(key), v, 1e-6) << key;
  }
}

TEST_F(AttributionServiceTest, PipelineThroughContactRoles) {
  RunReport r = Attribute(ConversionKind::kCreated);
  EXPECT_EQ(r.conversions, 3);
  EXPECT_DOUBLE_EQ(r.value, 17000);
  // opp-3 has no contact role: its journey is its account's (Beta: con-3's
  // paid_social touch of 02-20).
  EXPECT_EQ(r.unattributed, 0);
  EXPECT_EQ(r.account_journeys, 1);
  EXPECT_DOUBLE_EQ(r.account_journey_value, 2000);
  // opp-1's journey: organic_search, paid_search (lead creation), email (the
  // opportunity creation touch); the sales activity and the touch after
  // creation are out.
  ExpectCredit(By(r, Model::kFirstTouch), {{"organic_search", 10000}, {"paid_social", 7000}});
  ExpectCredit(By(r, Model::kLastTouch), {{"email", 10000}, {"paid_social", 7000}});
  ExpectCredit(
      By(r, Model::kPositionBased),
      {{"organic_search", 4000}, {"paid_search", 2000}, {"email", 4000}, {"paid_social", 7000}});
  const double third = 10000.0 / 3;
  for (Model m : {Model::kLinear, Model::kWShaped, Model::kFullPath}) {
    ExpectCredit(By(r, m), {{"organic_search", third},
                            {"paid_search", third},
                            {"email", third},
                            {"paid_social", 7000}});
  }
  // Sourced by the first touch, influenced by any marketing touch.
  ASSERT_TRUE(r.sourced.has_value());
  const SourcedInfluenced& s = *r.sourced;
  EXPECT_EQ(s.marketing_sourced, 3);
  EXPECT_DOUBLE_EQ(s.marketing_sourced_value, 17000);
  EXPECT_EQ(s.marketing_influenced, 3);
  ASSERT_FALSE(r.top_paths.empty());
  EXPECT_EQ(r.top_paths[0].path, "paid_social");
  EXPECT_EQ(r.top_paths[0].journeys, 2);
  // The stored run says how much went through accounts.
  auto stored = LoadRun(ws_.db(), r.run_id);
  ASSERT_TRUE(stored.has_value());
  const auto summary = nlohmann::json::parse(stored->summary_json);
  EXPECT_EQ(summary["account_journeys"]["count"], 1);
  EXPECT_DOUBLE_EQ(summary["account_journeys"]["value"].get<double>(), 2000);
}

TEST_F(AttributionServiceTest, AccountJourneysTakeEveryContactOfTheAccount) {
  RunReport r = Attribute(ConversionKind::kCreated, JourneyScope::kAccount);
  EXPECT_EQ(r.unattributed, 0);  // opp-3 now has Beta's paid_social touch
  ExpectCredit(By(r, Model::kLinear), {{"organic_search", 2500},
                                       {"paid_search", 2500},
                                       {"webinar", 2500},
                                       {"email", 2500},
                                       {"paid_social", 7000}});
  ExpectCredit(By(r, Model::kLinear, Dimension::kCampaign),
               {{"Spring Webinar", 2500}, {"(none)", 14500}});
}

TEST_F(AttributionServiceTest, RevenueAtTheEndOfTheCloseDate) {
  RunReport r = Attribute(ConversionKind::kWon);
  EXPECT_EQ(r.conversions, 1);
  EXPECT_DOUBLE_EQ(r.value, 10000);
  ExpectCredit(By(r, Model::kLastTouch), {{"direct", 10000}});
  ExpectCredit(By(r, Model::kLastNonDirect), {{"email", 10000}});
  // Full path: first, lead creation, opportunity creation (email, 03-01) and
  // closed won (direct) take 22.5% each; no other touch, so 25% each.
  ExpectCredit(
      By(r, Model::kFullPath),
      {{"organic_search", 2500}, {"paid_search", 2500}, {"email", 2500}, {"direct", 2500}});
}

TEST_F(AttributionServiceTest, LeadAndMqlConversionsPerContact) {
  RunReport mql = Attribute(ConversionKind::kMql);
  EXPECT_EQ(mql.conversions, 2);
  ExpectCredit(By(mql, Model::kLinear, Dimension::kChannel, false),
               {{"organic_search", 0.5}, {"paid_search", 0.5}, {"paid_social", 1}});
  RunReport lead = Attribute(ConversionKind::kLead);
  // con-1 (touches up to 02-01 count), con-2 (a lead since its creation, no
  // touch before) and con-3 (no touch before 02-05).
  EXPECT_EQ(lead.conversions, 3);
  EXPECT_EQ(lead.unattributed, 2);
  ExpectCredit(By(lead, Model::kLastTouch, Dimension::kChannel, false),
               {{"paid_search", 1}, {"(unattributed)", 2}});
}

TEST_F(AttributionServiceTest, EveryModelReconcilesWithPipelineAndRevenue) {
  for (ConversionKind kind : {ConversionKind::kCreated, ConversionKind::kWon, ConversionKind::kLead,
                              ConversionKind::kMql}) {
    for (JourneyScope scope : {JourneyScope::kRoles, JourneyScope::kAccount}) {
      RunReport r = Attribute(kind, scope);
      for (const ModelTotals& m : r.models) {
        for (size_t d = 0; d < kDimensionCount; ++d) {
          double n = 0, v = 0;
          for (size_t k = 0; k < m.by[d].keys.size(); ++k) {
            n += m.by[d].conversions[k];
            v += m.by[d].value[k];
          }
          EXPECT_NEAR(n, static_cast<double>(r.conversions), 1e-9) << ModelName(m.model);
          EXPECT_NEAR(v, r.value, 1e-6) << ModelName(m.model);
        }
      }
    }
  }
}

TEST_F(AttributionServiceTest, RunsAreStoredWithTheirParametersAndCredits) {
  RunRequest request;
  request.models = {Model::kLinear, Model::kFirstTouch};
  request.lookback_days = 30;
  request.from = *core::ParseTimestamp("2026-03-01");
  request.to = *core::ParseTimestamp("2026-04-01");
  auto report = attribution::Run(ws_.db(), request, "tester");
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  ASSERT_GT(report->run_id, 0);
  auto runs = ListRuns(ws_.db(), 10);
  ASSERT_TRUE(runs.has_value());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].actor, "tester");
  EXPECT_EQ((*runs)[0].models, "linear,first_touch");
  EXPECT_EQ((*runs)[0].lookback_days, 30);
  auto stored = LoadRun(ws_.db(), report->run_id);
  ASSERT_TRUE(stored.has_value()) << stored.error().ToString();
  const auto params = nlohmann::json::parse(stored->params_json);
  EXPECT_EQ(params["lookback_days"], 30);
  EXPECT_EQ(params["from"], "2026-03-01T00:00:00Z");
  // With a 30-day window, opp-1 keeps email and paid_search is 37 days old.
  double linear_email = 0;
  for (const auto& r : stored->results) {
    if (r.model == "linear" && r.dimension == "channel" && r.key == "email") linear_email = r.value;
  }
  EXPECT_DOUBLE_EQ(linear_email, 10000);
  const auto summary = nlohmann::json::parse(stored->summary_json);
  EXPECT_TRUE(summary.contains("sourced_influenced"));
  // The drill-down from a channel to its opportunities.
  auto credits = RunCredits(ws_.db(), report->run_id, "first_touch", "paid_social", 10);
  ASSERT_TRUE(credits.has_value()) << credits.error().ToString();
  // Beta Upsell has no contact role: its credit came through its account.
  ASSERT_EQ(credits->size(), 2u);
  EXPECT_EQ((*credits)[0].name, "Beta New");
  EXPECT_DOUBLE_EQ((*credits)[0].value, 5000);
  EXPECT_EQ((*credits)[1].name, "Beta Upsell");
  EXPECT_DOUBLE_EQ((*credits)[1].value, 2000);
  EXPECT_EQ(LoadRun(ws_.db(), 999).error().code, core::ErrorCode::kNotFound);
  EXPECT_FALSE(RunCredits(ws_.db(), report->run_id, "nope", "email", 10).has_value());
  EXPECT_EQ(ws_.Int("SELECT COUNT(*) FROM audit_log WHERE action = 'attribution.run'"), 1);
}

TEST_F(AttributionServiceTest, ConfigSetsDefaultsAndRejectsBadInput) {
  ASSERT_TRUE(SaveConfig(ws_.db(),
                         "lookback_days: 45\njourney: account\n"
                         "position_based: {first: 30, middle: 40, last: 30}\n",
                         "test")
                  .has_value());
  auto request = DefaultRequest(ws_.db());
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->lookback_days, 45);
  EXPECT_EQ(request->scope, JourneyScope::kAccount);
  EXPECT_NEAR(request->model_options.position.middle, 0.4, 1e-12);

  auto unknown = SaveConfig(ws_.db(), "lookback_days: 45\nlookbak: 3\n", "test");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("line 2"), std::string::npos) << unknown.error().message;
  EXPECT_NE(unknown.error().message.find("lookbak"), std::string::npos);
  auto sum = SaveConfig(ws_.db(), "custom: {first: 0.5, rest: 0.1}\n", "test");
  ASSERT_FALSE(sum.has_value());
  EXPECT_NE(sum.error().message.find("custom"), std::string::npos);
  EXPECT_FALSE(SaveConfig(ws_.db(), "half_life_days: soon\n", "test").has_value());
  EXPECT_FALSE(SaveConfig(ws_.db(), "journey: [a\n", "test").has_value());
  // The failed saves left the first config in place.
  auto still = DefaultRequest(ws_.db());
  ASSERT_TRUE(still.has_value());
  EXPECT_EQ(still->lookback_days, 45);
}

}  // namespace
}  // namespace mops::attribution
