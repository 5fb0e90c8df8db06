// Each ad platform preset on a sample export written from the platform's
// documented columns (tests/fixtures/ads), then imported into a workspace.
#include "analytics/spend_import.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "analytics/analytics.h"
#include "core/csv.h"
#include "store/database.h"
#ifdef MOPS_ANALYTICS_TEST_POSTGRES
#include "tests/support/postgres_server.h"
#endif

namespace mops::analytics {
namespace {

namespace fs = std::filesystem;

std::string Fixture(const std::string& name) {
  auto text = core::ReadFile(std::string(MOPS_FIXTURES) + "/ads/" + name);
  EXPECT_TRUE(text) << text.error().ToString();
  return text ? *text : std::string();
}

double Total(const AdExport& ex) {
  int64_t sum = 0;
  for (const AdSpendRow& r : ex.rows) sum += r.amount;
  return static_cast<double>(sum) / 100;
}

std::map<std::string, std::string> Channels(const AdExport& ex) {
  std::map<std::string, std::string> out;
  for (const AdSpendRow& r : ex.rows) out[r.campaign] = r.channel;
  return out;
}

TEST(AdPresets, GoogleAdsUtf16WithTitleLinesTotalsAndDashes) {
  auto ex = ParseAdExport(Fixture("google_ads_campaign_report.csv"), "google.csv");
  ASSERT_TRUE(ex) << ex.error().ToString();
  EXPECT_EQ(ex->preset, AdPreset::kGoogleAds);
  EXPECT_EQ(ex->header_line, 3);
  ASSERT_EQ(ex->rows.size(), 6u);
  EXPECT_EQ(ex->totals_skipped, 4);
  EXPECT_TRUE(ex->rejects.empty());
  EXPECT_DOUBLE_EQ(Total(*ex), 2800.61);
  const AdSpendRow& first = ex->rows[0];
  EXPECT_EQ(first.campaign, "Brand \u2013 Search (\u00f1)");  // UTF-16 decoded to UTF-8
  EXPECT_EQ(first.campaign_id, "20491837");
  EXPECT_EQ(first.date, 1740787200);  // 2025-03-01
  EXPECT_EQ(first.amount, 123456);
  EXPECT_EQ(first.currency, "USD");
  EXPECT_EQ(first.impressions, 10234);
  EXPECT_EQ(first.clicks, 456);
  EXPECT_DOUBLE_EQ(*first.conversions, 12);
  EXPECT_FALSE(ex->rows[2].conversions.has_value());  // " --"
  EXPECT_EQ(ex->rows[4].amount, 0);
  EXPECT_FALSE(ex->rows[4].clicks.has_value());
  const auto channels = Channels(*ex);
  EXPECT_EQ(channels.at("Brand \u2013 Search (\u00f1)"), "paid_search");
  EXPECT_EQ(channels.at("Retargeting Display"), "display");
  EXPECT_EQ(channels.at("PMax - Demo Requests"), "paid_search");
  EXPECT_EQ(channels.at("Product Video"), "video");
  EXPECT_EQ(channels.at("Demand Gen - Prospecting"), "display");
  EXPECT_NE(std::find(ex->unmapped_columns.begin(), ex->unmapped_columns.end(), "Avg. CPC"),
            ex->unmapped_columns.end());
}

TEST(AdPresets, LinkedInReportWithMonthFirstDatesAndCurrencySymbols) {
  auto ex = ParseAdExport(Fixture("linkedin_campaign_performance.csv"), "linkedin.csv");
  ASSERT_TRUE(ex) << ex.error().ToString();
  EXPECT_EQ(ex->preset, AdPreset::kLinkedIn);
  EXPECT_EQ(ex->header_line, 5);
  ASSERT_EQ(ex->rows.size(), 4u);
  EXPECT_DOUBLE_EQ(Total(*ex), 2643.15);
  EXPECT_EQ(ex->rows[0].date, 1741910400);  // 3/14/2025
  EXPECT_EQ(ex->rows[2].date, 1740960000);  // 3/3/2025: month first, like the column's 3/14
  EXPECT_EQ(ex->rows[0].impressions, 45118);
  EXPECT_EQ(ex->rows[2].amount, 41275);
  EXPECT_EQ(ex->rows[2].currency, "USD");
  EXPECT_FALSE(ex->rows[3].impressions.has_value());
  for (const auto& [campaign, channel] : Channels(*ex)) EXPECT_EQ(channel, "paid_social");
}

TEST(AdPresets, MetaExportCurrencyInTheHeaderAndARejectedRow) {
  auto ex = ParseAdExport(Fixture("meta_ads_export.csv"), "meta.csv");
  ASSERT_TRUE(ex) << ex.error().ToString();
  EXPECT_EQ(ex->preset, AdPreset::kMeta);
  ASSERT_EQ(ex->rows.size(), 3u);
  ASSERT_EQ(ex->rejects.size(), 1u);
  EXPECT_EQ(ex->rejects[0].line, 5);
  EXPECT_EQ(ex->rejects[0].column, "Link clicks");
  EXPECT_EQ(ex->rejects[0].value, "12k");
  EXPECT_DOUBLE_EQ(Total(*ex), 445.5);
  EXPECT_EQ(ex->rows[0].currency, "EUR");
  EXPECT_EQ(ex->rows[2].currency, "EUR");  // from "Amount spent (EUR)"
  EXPECT_DOUBLE_EQ(*ex->rows[0].conversions, 14);
  EXPECT_EQ(ex->rows[0].clicks, 301);
  EXPECT_EQ(ex->rows[0].channel, "paid_social");
}

TEST(AdPresets, MicrosoftAdsReportWithPreambleTotalAndCopyright) {
  auto ex = ParseAdExport(Fixture("microsoft_ads_campaign_performance.csv"), "msads.csv");
  ASSERT_TRUE(ex) << ex.error().ToString();
  EXPECT_EQ(ex->preset, AdPreset::kMicrosoftAds);
  EXPECT_EQ(ex->header_line, 10);
  ASSERT_EQ(ex->rows.size(), 3u);
  EXPECT_EQ(ex->totals_skipped, 2);
  EXPECT_DOUBLE_EQ(Total(*ex), 97);
  const auto channels = Channels(*ex);
  EXPECT_EQ(channels.at("Brand - Search"), "paid_search");
  EXPECT_EQ(channels.at("Audience - Retarget"), "display");
}

TEST(AdPresets, BadFilesAreErrorsThatNameTheFile) {
  auto none = ParseAdExport("name,email\nAda,ada@example.com\n", "people.csv");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().file, "people.csv");
  auto wrong = ParseAdExport(Fixture("meta_ads_export.csv"), "meta.csv", AdPreset::kGoogleAds);
  EXPECT_FALSE(wrong);
  auto mixed = ParseAdExport(
      "Start Date (in UTC),Campaign Name,Total Spent\n13/3/2025,A,1\n3/14/2025,A,2\n", "mixed.csv");
  ASSERT_FALSE(mixed);
  EXPECT_NE(mixed.error().message.find("day-first"), std::string::npos);
  auto nodate = ParseAdExport("Campaign,Cost\nBrand,12\n", "nodate.csv");
  ASSERT_FALSE(nodate);
  EXPECT_NE(nodate.error().message.find("segmented by day"), std::string::npos);
  EXPECT_FALSE(ToUtf8(std::string("\xff\xfe\x41", 3), "odd.csv"));
  EXPECT_FALSE(ToUtf8(std::string("\xff\xfe\x00\xd8\x41\x00", 6), "surrogate.csv"));
  EXPECT_FALSE(ParseAdPreset("tiktok"));
}

class SpendWorkspace : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mops-spend-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
#ifdef MOPS_ANALYTICS_TEST_POSTGRES
    auto server = test_support::PostgresServer::Shared();
    ASSERT_TRUE(server) << server.error().ToString();
    auto url =
        (*server)->CreateDatabase(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_TRUE(url) << url.error().ToString();
    url_ = *url;
#else
    url_ = (dir_ / "ws.db").string();
#endif
    auto db = store::Open(url_);
    ASSERT_TRUE(db);
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_));
    ASSERT_TRUE(db_->ExecScript(
        "INSERT INTO campaigns (source_system, external_id, name, utm_campaign, channel) VALUES "
        "('crm', 'c1', 'Brand – Search (ñ)', 'brand_search', 'paid_search'), "
        "('crm', 'c2', 'PMax Q1', 'pmax - demo requests', 'paid_search'), "
        "('crm', 'c3', 'ABM program', 'abm', 'paid_social');"));
  }
  void TearDown() override {
    db_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  int64_t Count(const std::string& sql) { return store::AsInt(*db_->QueryValue(sql)); }

  fs::path dir_;
  std::string url_;
  std::unique_ptr<store::Database> db_;
};

TEST_F(SpendWorkspace, ImportMatchesCampaignsReportsUnmatchedAndReimportUpdates) {
  const std::string bytes = Fixture("google_ads_campaign_report.csv");
  auto s = ImportSpend(*db_, "google.csv", bytes, {});
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->imported, 6);
  EXPECT_EQ(s->updated, 0);
  EXPECT_EQ(s->source_system, "google_ads");
  EXPECT_EQ(s->amount, 280061);
  // By name (Brand, twice) and by utm_campaign (PMax); three others unmatched.
  EXPECT_EQ(s->matched_rows, 3);
  ASSERT_EQ(s->unmatched.size(), 3u);
  EXPECT_EQ(s->unmatched[0].campaign, "Demand Gen - Prospecting");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM spend"), 6);
  EXPECT_EQ(Count("SELECT SUM(amount) FROM spend"), 280061);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM spend WHERE campaign_id IS NOT NULL"), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE entity = 'spend'"), 1);
  auto again = ImportSpend(*db_, "google.csv", bytes, {});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->imported, 0);
  EXPECT_EQ(again->updated, 6);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM spend"), 6);
  // The dataset names unmatched campaigns by their platform name.
  auto d = LoadDataset(*db_);
  ASSERT_TRUE(d) << d.error().ToString();
  EXPECT_NE(d->campaigns.Find("Demand Gen - Prospecting"), kNone);
  ChannelOptions o;
  o.dimension = Dimension::kCampaign;
  int64_t total = 0;
  for (const ChannelRow& r : Channels(*d, o, nullptr).rows) total += r.spend;
  EXPECT_EQ(total, 280061);
  EXPECT_NE(s->ToText().find("unmatched campaign: Product Video"), std::string::npos);
}

TEST_F(SpendWorkspace, StrictRejectChangesNothingAndEveryPresetImports) {
  SpendImportOptions strict;
  strict.strict = true;
  auto failed = ImportSpend(*db_, "meta.csv", Fixture("meta_ads_export.csv"), strict);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().line, 5);
  EXPECT_EQ(failed.error().field, "Link clicks");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM spend"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log"), 0);
  auto meta = ImportSpend(*db_, "meta.csv", Fixture("meta_ads_export.csv"), {});
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->imported, 3);
  EXPECT_EQ(meta->rejects.size(), 1u);
  auto li = ImportSpend(*db_, "li.csv", Fixture("linkedin_campaign_performance.csv"), {});
  ASSERT_TRUE(li);
  EXPECT_EQ(li->imported, 4);
  auto ms = ImportSpend(*db_, "ms.csv", Fixture("microsoft_ads_campaign_performance.csv"), {});
  ASSERT_TRUE(ms);
  EXPECT_EQ(ms->imported, 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM spend"), 10);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM spend WHERE currency = 'EUR'"), 3);
  EXPECT_EQ(Count("SELECT COUNT(DISTINCT source_system) FROM spend"), 3);
}

}  // namespace
}  // namespace mops::analytics
