// The engines on hand-built datasets, against figures worked out by hand.
#include <gtest/gtest.h>

#include <numeric>

#include "analytics/analytics.h"
#include "analytics/test_builder.h"

namespace mops::analytics {
namespace {

using testing::Builder;
using testing::Day;
using testing::kDay;

std::vector<int64_t> Counts(const FunnelGroup& g) {
  std::vector<int64_t> out;
  for (const FunnelStep& s : g.steps) out.push_back(s.count);
  return out;
}

std::vector<StepSpec> Steps(std::initializer_list<std::string_view> texts) {
  std::vector<StepSpec> out;
  for (std::string_view t : texts) out.push_back(*ParseStep(t));
  return out;
}

// A: lead d1, mql d3, sql d10. B: lead d1, sql d5, mql d7. C: mql d2, lead d4. D: lead d2.
Dataset StageFunnelData() {
  Builder b;
  const int32_t a = b.Contact(1, Day(0)), bb = b.Contact(2, Day(0)), c = b.Contact(3, Day(0)),
                d = b.Contact(4, Day(0));
  b.Stage(a, "lead", Day(1));
  b.Stage(a, "mql", Day(3));
  b.Stage(a, "sql", Day(10));
  b.Stage(bb, "lead", Day(1));
  b.Stage(bb, "sql", Day(5));
  b.Stage(bb, "mql", Day(7));
  b.Stage(c, "mql", Day(2));
  b.Stage(c, "lead", Day(4));
  b.Stage(d, "lead", Day(2));
  b.Touch(a, Day(0), "page_view", "paid_search");
  b.Touch(bb, Day(0), "page_view", "organic_search");
  b.Touch(c, Day(0), "page_view", "paid_search");
  return b.Build();
}

TEST(Funnel, OrderedStrictAndAnyOrderCountAsWorkedOut) {
  const Dataset d = StageFunnelData();
  FunnelOptions o;
  o.steps = Steps({"stage:lead", "stage:mql", "stage:sql"});
  auto ordered = Funnel(d, o);
  ASSERT_TRUE(ordered) << ordered.error().ToString();
  EXPECT_EQ(Counts(ordered->total), (std::vector<int64_t>{4, 2, 1}));
  EXPECT_DOUBLE_EQ(ordered->total.steps[1].step_conversion, 0.5);
  EXPECT_DOUBLE_EQ(ordered->total.steps[2].step_conversion, 0.5);
  EXPECT_DOUBLE_EQ(ordered->total.steps[2].overall, 0.25);
  EXPECT_EQ(ordered->total.steps[1].dropped, 2);
  // Lead to MQL: A 2 days, B 6 days.
  EXPECT_DOUBLE_EQ(ordered->total.steps[1].median_days, 4);
  EXPECT_DOUBLE_EQ(ordered->total.steps[1].p90_days, 6);
  EXPECT_DOUBLE_EQ(ordered->total.steps[2].median_days, 7);
  EXPECT_DOUBLE_EQ(ordered->total.median_days_total, 9);

  o.order = FunnelOrder::kStrict;
  auto strict = Funnel(d, o);
  ASSERT_TRUE(strict);
  EXPECT_EQ(Counts(strict->total), (std::vector<int64_t>{4, 1, 1}));

  o.order = FunnelOrder::kAny;
  auto any = Funnel(d, o);
  ASSERT_TRUE(any);
  // A and B did all three (B out of order), C two, D one.
  EXPECT_EQ(Counts(any->total), (std::vector<int64_t>{4, 3, 2}));
}

// Skipped stages counted: an entry into a stage step stands for the stage
// steps before it in the same run, at its time. On the data above: B's SQL
// at day 5 also makes its MQL (day 5, not 7), C's MQL at day 2 its lead;
// strict funnels are unchanged, and a touch step ends the run.
TEST(Funnel, SkippedStagesCountWhenAsked) {
  const Dataset d = StageFunnelData();
  FunnelOptions o;
  o.steps = Steps({"stage:lead", "stage:mql", "stage:sql"});
  o.count_skipped_stages = true;
  auto ordered = Funnel(d, o);
  ASSERT_TRUE(ordered) << ordered.error().ToString();
  EXPECT_EQ(Counts(ordered->total), (std::vector<int64_t>{4, 3, 2}));
  // Lead to MQL: A 2 days, B 4 (1 to 5), C 0; MQL to SQL: A 7, B 0.
  EXPECT_DOUBLE_EQ(ordered->total.steps[1].median_days, 2);
  EXPECT_DOUBLE_EQ(ordered->total.steps[2].median_days, 3.5);
  o.order = FunnelOrder::kAny;
  auto any = Funnel(d, o);
  ASSERT_TRUE(any);
  EXPECT_EQ(Counts(any->total), (std::vector<int64_t>{4, 3, 2}));
  o.order = FunnelOrder::kStrict;
  auto strict = Funnel(d, o);
  ASSERT_TRUE(strict);
  EXPECT_EQ(Counts(strict->total), (std::vector<int64_t>{4, 1, 1}));

  // A visit, then an SQL entry: the lead before the SQL counts, the visit
  // is never implied.
  Builder b;
  const int32_t x = b.Contact(1, Day(0)), y = b.Contact(2, Day(0));
  b.Touch(x, Day(0), "page_view", "paid_search");
  b.Stage(x, "sql", Day(5));
  b.Stage(y, "sql", Day(5));
  const Dataset mixed = b.Build();
  FunnelOptions m;
  m.steps = Steps({"type:page_view", "stage:lead", "stage:sql"});
  m.count_skipped_stages = true;
  auto counted = Funnel(mixed, m);
  ASSERT_TRUE(counted);
  EXPECT_EQ(Counts(counted->total), (std::vector<int64_t>{1, 1, 1}));
  m.count_skipped_stages = false;
  auto ignored = Funnel(mixed, m);
  ASSERT_TRUE(ignored);
  EXPECT_EQ(Counts(ignored->total), (std::vector<int64_t>{1, 0, 0}));
}

TEST(Funnel, ConversionWindowCutsSlowConversions) {
  const Dataset d = StageFunnelData();
  FunnelOptions o;
  o.steps = Steps({"stage:lead", "stage:mql", "stage:sql"});
  o.window_seconds = 5 * kDay;
  auto r = Funnel(d, o);
  ASSERT_TRUE(r);
  // A: mql after 2 days, sql after 9 (> 5); B: mql after 6 (> 5).
  EXPECT_EQ(Counts(r->total), (std::vector<int64_t>{4, 1, 0}));
  o.window_seconds = 6 * kDay;  // B's mql now counts (6 days, inclusive)
  r = Funnel(d, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(Counts(r->total), (std::vector<int64_t>{4, 2, 0}));
}

TEST(Funnel, ExclusionBetweenStepsRemovesTheContact) {
  Builder b;
  const int32_t e = b.Contact(1, Day(0)), f = b.Contact(2, Day(0)), g = b.Contact(3, Day(0)),
                h = b.Contact(4, Day(0));
  b.Touch(e, Day(1), "page_view", "direct");
  b.Touch(e, Day(2), "email_open", "email");
  b.Touch(e, Day(3), "form_submit", "direct");
  b.Touch(f, Day(1), "page_view", "direct");
  b.Touch(f, Day(2), "form_submit", "direct");
  b.Touch(f, Day(3), "email_open", "email");  // after the funnel: kept
  b.Touch(g, Day(1), "page_view", "direct");
  b.Touch(g, Day(2), "email_open", "email");  // never converted, no window: excluded
  b.Touch(h, Day(1), "page_view", "direct");
  b.Touch(h, Day(9), "email_open", "email");  // after the 5-day window ends: kept
  const Dataset d = b.Build();
  FunnelOptions o;
  o.steps = Steps({"type:page_view", "type:form_submit"});
  o.exclusions.push_back({*ParseStep("type:email_open"), 0, -1});
  auto r = Funnel(d, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->excluded, 3);  // e, g and h (no window: ever after)
  EXPECT_EQ(Counts(r->total), (std::vector<int64_t>{1, 1}));
  o.window_seconds = 5 * kDay;
  r = Funnel(d, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->excluded, 2);
  EXPECT_EQ(Counts(r->total), (std::vector<int64_t>{2, 1}));
}

TEST(Funnel, EventStepsEntryPeriodAndBadOptions) {
  Builder b;
  const int32_t a = b.Contact(1, Day(0)), c = b.Contact(2, Day(0));
  b.Touch(a, Day(1), "form_submit", "paid_search", "google", "Brand", "Demo Request");
  b.Touch(a, Day(2), "meeting", "sales_outreach");
  b.Touch(c, Day(40), "form_submit", "paid_search", "google", "Brand", "Demo Request");
  const Dataset d = b.Build();
  FunnelOptions o;
  o.steps = Steps({"event:Demo Request", "type:meeting"});
  o.entry.to = Day(30);
  auto r = Funnel(d, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(Counts(r->total), (std::vector<int64_t>{1, 1}));
  EXPECT_FALSE(ParseStep("color:blue"));
  EXPECT_FALSE(ParseStep("stage:"));
  EXPECT_FALSE(ParseFunnelOrder("sideways"));
  FunnelOptions none;
  EXPECT_FALSE(Funnel(d, none));
  o.exclusions.push_back({*ParseStep("type:page_view"), 1, 1});
  EXPECT_FALSE(Funnel(d, o));
}

TEST(Funnel, BreakdownGroupsAndDrillDownRowsSumToTheCells) {
  const Dataset d = StageFunnelData();
  FunnelOptions o;
  o.steps = Steps({"stage:lead", "stage:mql", "stage:sql"});
  o.breakdown = Breakdown::kFirstTouchChannel;
  auto r = Funnel(d, o);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->groups.size(), 3u);
  int64_t sum = 0;
  for (const FunnelGroup& g : r->groups) {
    sum += g.steps[0].count;
    for (int k = 0; k < 3; ++k) {
      auto rows = FunnelDrill(d, o, k, g.key, false);
      ASSERT_TRUE(rows);
      EXPECT_EQ(static_cast<int64_t>(rows->size()), g.steps[static_cast<size_t>(k)].count)
          << g.key << " step " << k;
      if (k > 0) {
        auto dropped = FunnelDrill(d, o, k, g.key, true);
        ASSERT_TRUE(dropped);
        EXPECT_EQ(static_cast<int64_t>(dropped->size()), g.steps[static_cast<size_t>(k)].dropped);
      }
    }
  }
  EXPECT_EQ(sum, r->total.steps[0].count);
  EXPECT_EQ(r->groups[0].key, "paid_search");
  EXPECT_EQ(Counts(r->groups[0]), (std::vector<int64_t>{2, 1, 1}));
  // Latest touch before the furthest step: only one touch each here.
  o.breakdown = Breakdown::kLatestTouchChannel;
  auto latest = Funnel(d, o);
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->groups.size(), 3u);
  EXPECT_FALSE(FunnelDrill(d, o, 3, "", false));
}

// Initial vs latest source, and cohorts from a funnel (the month of step 1).
//   A: google (paid) Mar 1, lead Mar 2, hubspot email Mar 11, MQL Mar 13
//   B: bing Apr 5, lead Apr 6, hubspot email Apr 8, MQL Apr 10
//   C: google Mar 3, lead Mar 4, no MQL
TEST(Funnel, InitialAndLatestSourceAndCohortBreakdowns) {
  Builder b;
  const int32_t a = b.Contact(1, Day(0)), c2 = b.Contact(2, Day(0)), c3 = b.Contact(3, Day(0));
  b.Touch(a, Day(0), "ad_click", "paid_search", "google");
  b.Touch(a, Day(10), "email_click", "email", "hubspot");
  b.Stage(a, "lead", Day(1));
  b.Stage(a, "mql", Day(12));
  b.Touch(c2, Day(35), "page_view", "organic_search", "bing");
  b.Touch(c2, Day(38), "email_click", "email", "hubspot");
  b.Stage(c2, "lead", Day(36));
  b.Stage(c2, "mql", Day(40));
  b.Touch(c3, Day(2), "ad_click", "paid_search", "google");
  b.Stage(c3, "lead", Day(3));
  const Dataset d = b.Build();
  FunnelOptions o;
  o.steps = Steps({"stage:lead", "stage:mql"});
  const auto groups = [&](Breakdown by) {
    o.breakdown = by;
    std::map<std::string, std::vector<int64_t>> out;
    auto r = Funnel(d, o);
    EXPECT_TRUE(r);
    if (r) {
      for (const FunnelGroup& g : r->groups) out[g.key] = Counts(g);
    }
    return out;
  };
  using M = std::map<std::string, std::vector<int64_t>>;
  EXPECT_EQ(groups(Breakdown::kFirstTouchSource), (M{{"google", {2, 1}}, {"bing", {1, 1}}}));
  EXPECT_EQ(groups(Breakdown::kLatestTouchSource), (M{{"hubspot", {2, 2}}, {"google", {1, 0}}}));
  EXPECT_EQ(groups(Breakdown::kCohort), (M{{"2024-03", {2, 1}}, {"2024-04", {1, 1}}}));
  auto april = FunnelDrill(d, o, 1, "2024-04", false);
  ASSERT_TRUE(april);
  ASSERT_EQ(april->size(), 1u);
  EXPECT_EQ((*april)[0].id, 2);
  EXPECT_TRUE(ParseBreakdown("first_touch_source"));
  EXPECT_FALSE(ParseBreakdown("zodiac"));
}

TEST(Velocity, MissingStagesTakeTheNextStagesEntry) {
  Builder b;
  const int32_t acct = b.Account(10, "enterprise");
  const int32_t x = b.Contact(1, Day(0), acct), y = b.Contact(2, Day(0)), z = b.Contact(3, Day(0));
  b.Stage(x, "lead", Day(0));
  b.Stage(x, "mql", Day(4));
  b.Stage(x, "sql", Day(10));
  b.Stage(y, "lead", Day(0));
  b.Stage(y, "sql", Day(6));  // skipped mql
  b.Stage(z, "mql", Day(0));  // nothing after: nothing measured
  const int32_t o1 = b.Opportunity(100, acct, 1000000, Day(0), Day(30), true, true);
  b.History(o1, "Prospecting", Day(0));
  b.History(o1, "Demo", Day(3));
  b.History(o1, "Closed Won", Day(30));
  const int32_t o2 = b.Opportunity(101, acct, 500000, Day(0), Day(20), true, false);
  b.History(o2, "Prospecting", Day(0));
  b.History(o2, "Closed Lost", Day(20));
  const Dataset d = b.Build();
  VelocityOptions o;
  o.contact_stages = {"lead", "mql", "sql"};
  const VelocityReport r = Velocity(d, o);
  const auto find = [&](std::string_view entity, std::string_view from, std::string_view segment) {
    for (const VelocityRow& row : r.rows) {
      if (row.entity == entity && row.from == from && row.segment == segment &&
          row.quarter.empty()) {
        return row;
      }
    }
    return VelocityRow{};
  };
  const VelocityRow lead_mql = find("contact", "lead", "");
  EXPECT_EQ(lead_mql.count, 2);
  EXPECT_EQ(lead_mql.skipped, 1);
  EXPECT_DOUBLE_EQ(lead_mql.median_days, 5);  // 4 and 6
  const VelocityRow mql_sql = find("contact", "mql", "");
  EXPECT_EQ(mql_sql.count, 2);
  EXPECT_DOUBLE_EQ(mql_sql.median_days, 3);  // 6 and 0
  EXPECT_EQ(find("contact", "lead", "enterprise").count, 1);
  EXPECT_DOUBLE_EQ(find("contact", "lead", "enterprise").median_days, 4);
  // Opportunity stages from the data, lost stages left out.
  EXPECT_EQ(r.opportunity_stages, (std::vector<std::string>{"Prospecting", "Demo", "Closed Won"}));
  EXPECT_DOUBLE_EQ(find("opportunity", "Prospecting", "").median_days, 3);
  EXPECT_EQ(find("opportunity", "Prospecting", "").count, 1);
  auto rows = VelocityDrill(d, o, "contact", "lead", "mql", "", "");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  std::vector<double> days;
  for (const Record& rec : *rows) days.push_back(rec.value);
  EXPECT_DOUBLE_EQ(Median(days), lead_mql.median_days);
  EXPECT_FALSE(VelocityDrill(d, o, "contact", "lead", "sql", "", ""));
  EXPECT_FALSE(VelocityDrill(d, o, "account", "lead", "mql", "", ""));
}

// March 2024: paid search spend 3,000 + 2,000; other costs 5,000 a month; two
// new-business wins (24,000 sourced by paid search, 12,000 by organic) and a
// loss; April: a 30,000 win.
Dataset CacData() {
  Builder b;
  const int32_t a1 = b.Account(1), a2 = b.Account(2), a3 = b.Account(3), a4 = b.Account(4);
  b.Touch(kNone, Day(-90), "ad_click", "paid_search", "google", "Brand", "", a1);
  b.Touch(kNone, Day(-90), "page_view", "organic_search", "google", "", "", a2);
  b.Spend(Day(0), "paid_search", 300000, "Brand", 10000, 400);
  b.Spend(Day(10), "paid_search", 200000, "Brand", 10000, 100);
  b.Opportunity(1, a1, 2400000, Day(1) - 30 * kDay, Day(1), true, true);
  b.Opportunity(2, a2, 1200000, Day(2) - 60 * kDay, Day(2), true, true);
  b.Opportunity(3, a3, 900000, Day(-50), Day(3), true, false);
  b.Opportunity(4, a4, 3000000, Day(0), Day(45), true, true);  // 2024-04-15
  b.Opportunity(5, a3, 500000, Day(5), Day(120), false, false);
  return b.Build();
}

TEST(Cac, BlendedPaidPaybackMagicNumberAndVelocityAsWorkedOut) {
  const Dataset d = CacData();
  CacOptions o;
  o.period.from = Day(-60);  // 2024-01-01
  o.period.to = Day(122);    // 2024-07-01
  o.other_costs_per_month = 500000;
  o.gross_margin = 0.8;
  const CacReport r = Cac(d, o);
  ASSERT_EQ(r.months.size(), 6u);
  const CacRow& march = r.months[2];
  EXPECT_EQ(march.period, "2024-03");
  EXPECT_EQ(march.paid_spend, 500000);
  EXPECT_EQ(march.blended_spend, 1000000);
  EXPECT_EQ(march.new_customers, 2);
  EXPECT_EQ(march.paid_customers, 1);
  EXPECT_DOUBLE_EQ(march.blended_cac, 5000);
  EXPECT_DOUBLE_EQ(march.paid_cac, 5000);
  EXPECT_DOUBLE_EQ(march.new_mrr, 3000);
  EXPECT_NEAR(march.payback_months, 5000.0 / 1200.0, 1e-9);
  EXPECT_NEAR(march.win_rate, 2.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(march.avg_deal, 18000);
  EXPECT_DOUBLE_EQ(march.cycle_days, 45);
  EXPECT_EQ(march.open_opportunities, 2);  // the April win and the open deal
  EXPECT_NEAR(march.pipeline_velocity, 2 * (2.0 / 3) * 18000 / 45, 1e-9);
  ASSERT_EQ(r.quarters.size(), 2u);
  EXPECT_EQ(r.quarters[0].blended_spend, 2000000);  // 5,000 paid + 3 x 5,000
  EXPECT_DOUBLE_EQ(r.quarters[1].new_arr, 30000);
  EXPECT_DOUBLE_EQ(r.quarters[1].magic_number, 1.5);
  auto rows = CacDrill(d, o, "2024-03", "paid_spend");
  ASSERT_TRUE(rows);
  double sum = 0;
  for (const Record& rec : *rows) sum += rec.value;
  EXPECT_DOUBLE_EQ(sum, 5000);
  auto customers = CacDrill(d, o, "2024-03", "new_customers");
  ASSERT_TRUE(customers);
  EXPECT_EQ(customers->size(), 2u);
  EXPECT_FALSE(CacDrill(d, o, "2030-01", "new_customers"));
  EXPECT_FALSE(CacDrill(d, o, "2024-03", "happiness"));
}

TEST(Channels, RoasRoiAndRevenueReconcileWithWonRevenue) {
  const Dataset d = CacData();
  Dataset::Credits credits;
  credits.run_id = 7;
  credits.model = "linear";
  credits.conversion = "won";
  // Deal 1 (24,000): 6,000 to paid_search and 18,000 to organic; deal 2
  // (12,000): all organic; deal 4 unattributed.
  // Per channel only (a run stored before credit per touch).
  const int32_t paid_code = credits.channels.Add("paid_search"),
                organic_code = credits.channels.Add("organic_search");
  credits.opp = {0, 0, 1};
  credits.channel = {paid_code, organic_code, organic_code};
  credits.source = credits.campaign = {kNone, kNone, kNone};
  credits.touch_id = {0, 0, 0};
  credits.touch_at = {0, 0, 0};
  credits.value = {6000, 18000, 12000};
  ChannelOptions o;
  o.period.from = Day(0);
  o.period.to = Day(31);
  const ChannelReport r = Channels(d, o, &credits);
  ASSERT_FALSE(r.rows.empty());
  const ChannelRow& paid = r.rows[0];
  EXPECT_EQ(paid.key, "paid_search");
  EXPECT_EQ(paid.spend, 500000);
  EXPECT_DOUBLE_EQ(paid.ctr, 500.0 / 20000);
  EXPECT_DOUBLE_EQ(paid.cpc, 10);
  EXPECT_DOUBLE_EQ(paid.revenue, 6000);
  EXPECT_DOUBLE_EQ(paid.roas, 1.2);
  EXPECT_DOUBLE_EQ(paid.roi, 0.2);
  EXPECT_DOUBLE_EQ(r.won_revenue, 36000);
  EXPECT_DOUBLE_EQ(r.total.revenue, 36000);
  EXPECT_DOUBLE_EQ(r.unattributed, 0);
  auto rows = ChannelDrill(d, o, &credits, "organic_search", "revenue");
  ASSERT_TRUE(rows);
  double sum = 0;
  for (const Record& rec : *rows) sum += rec.value;
  EXPECT_DOUBLE_EQ(sum, 30000);
  // Sourced pipeline: deal 5 (created in March) is on account 3, which has no touch.
  EXPECT_EQ(r.total.sourced_count, 0);
  EXPECT_FALSE(ChannelDrill(d, o, &credits, "paid_search", "likes"));
  // Credit per channel cannot be split by campaign: no revenue, and a drill says why.
  o.dimension = Dimension::kCampaign;
  const ChannelReport by_campaign = Channels(d, o, &credits);
  EXPECT_FALSE(by_campaign.revenue_available);
  EXPECT_DOUBLE_EQ(by_campaign.total.revenue, 0);
  auto refused = ChannelDrill(d, o, &credits, "Brand", "revenue");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("per channel only"), std::string::npos);
}

// Revenue per campaign and source, worked by hand. Three won deals in March:
//   deal 1 (30,000), position based 40/20/40 over three touches:
//     t11 paid_search / google / Brand       12,000
//     t12 email / hubspot / Nurture           6,000
//     t13 webinar / zoom / Webinar 1         12,000
//   deal 2 (10,000): no touch, unattributed
//   deal 3 (20,000):
//     t31 paid_search / google / Brand        8,000
//     t32 paid_search / bing / Retired        6,000  (a campaign the workspace no longer has)
//     t33 direct / (no source) / (no campaign) 6,000
// Spend: Brand 4,000 on paid_search; ABM 2,000 on paid_social.
//   by campaign: Brand 20,000 (ROAS 5, ROI 4), Webinar 1 12,000, Nurture 6,000,
//                Retired 6,000, (none) 6,000, ABM 0 (ROI -1): 50,000
//   by channel:  paid_search 26,000 (ROAS 6.5, ROI 5.5), webinar 12,000, email 6,000,
//                direct 6,000: 50,000
//   by source:   google 20,000, zoom 12,000, hubspot 6,000, bing 6,000, (none) 6,000
// and in every breakdown 50,000 + 10,000 unattributed = 60,000 won.
struct TouchCreditCase {
  Dataset d;
  Dataset::Credits credits;
};

TouchCreditCase TouchCredits() {
  Builder b;
  const int32_t a1 = b.Account(1), a2 = b.Account(2), a3 = b.Account(3);
  b.Spend(Day(0), "paid_search", 400000, "Brand", 40000, 800);
  b.Spend(Day(1), "paid_social", 200000, "ABM", 10000, 50);
  b.Opportunity(1, a1, 3000000, Day(-40), Day(2), true, true);
  b.Opportunity(2, a2, 1000000, Day(-40), Day(3), true, true);
  b.Opportunity(3, a3, 2000000, Day(-40), Day(4), true, true);
  b.Opportunity(4, a3, 9900000, Day(-40), Day(40), true, true);  // April: not in the period
  TouchCreditCase c{b.Build(), {}};
  Dataset::Credits& k = c.credits;
  k.run_id = 9;
  k.model = "position_based";
  k.conversion = "won";
  k.per_touch = true;
  const auto add = [&](int32_t opp, int64_t touch, std::string_view channel,
                       std::string_view source, std::string_view campaign, double value) {
    k.opp.push_back(opp);
    k.touch_id.push_back(touch);
    k.touch_at.push_back(Day(-10));
    k.channel.push_back(k.channels.Add(channel));
    k.source.push_back(source.empty() ? kNone : k.sources.Add(source));
    k.campaign.push_back(campaign.empty() ? kNone : k.campaigns.Add(campaign));
    k.value.push_back(value);
  };
  add(0, 11, "paid_search", "google", "Brand", 12000);
  add(0, 12, "email", "hubspot", "Nurture", 6000);
  add(0, 13, "webinar", "zoom", "Webinar 1", 12000);
  add(2, 31, "paid_search", "google", "Brand", 8000);
  add(2, 32, "paid_search", "bing", "Retired", 6000);
  add(2, 33, "direct", "", "", 6000);
  add(3, 41, "email", "hubspot", "Nurture", 99000);  // April
  return c;
}

std::map<std::string, ChannelRow> ByKey(const ChannelReport& r) {
  std::map<std::string, ChannelRow> out;
  for (const ChannelRow& row : r.rows) out[row.key] = row;
  return out;
}

TEST(Channels, RevenueByCampaignAndSourceFromTouchCreditsAsWorkedOut) {
  const TouchCreditCase c = TouchCredits();
  ChannelOptions o;
  o.period.from = Day(0);
  o.period.to = Day(31);
  o.dimension = Dimension::kCampaign;
  const ChannelReport campaigns = Channels(c.d, o, &c.credits);
  EXPECT_TRUE(campaigns.revenue_available);
  auto by = ByKey(campaigns);
  EXPECT_DOUBLE_EQ(by["Brand"].revenue, 20000);
  EXPECT_EQ(by["Brand"].spend, 400000);
  EXPECT_DOUBLE_EQ(by["Brand"].roas, 5);
  EXPECT_DOUBLE_EQ(by["Brand"].roi, 4);
  EXPECT_DOUBLE_EQ(by["Webinar 1"].revenue, 12000);
  EXPECT_DOUBLE_EQ(by["Nurture"].revenue, 6000);
  EXPECT_DOUBLE_EQ(by["Retired"].revenue, 6000);
  EXPECT_DOUBLE_EQ(by["(none)"].revenue, 6000);
  EXPECT_DOUBLE_EQ(by["ABM"].revenue, 0);
  EXPECT_DOUBLE_EQ(by["ABM"].roi, -1);
  EXPECT_DOUBLE_EQ(campaigns.total.revenue, 50000);
  EXPECT_DOUBLE_EQ(campaigns.won_revenue, 60000);
  EXPECT_DOUBLE_EQ(campaigns.unattributed, 10000);

  o.dimension = Dimension::kChannel;
  const ChannelReport channels = Channels(c.d, o, &c.credits);
  by = ByKey(channels);
  EXPECT_DOUBLE_EQ(by["paid_search"].revenue, 26000);
  EXPECT_DOUBLE_EQ(by["paid_search"].roas, 6.5);
  EXPECT_DOUBLE_EQ(by["paid_search"].roi, 5.5);
  EXPECT_DOUBLE_EQ(by["webinar"].revenue, 12000);
  EXPECT_DOUBLE_EQ(by["email"].revenue, 6000);
  EXPECT_DOUBLE_EQ(by["direct"].revenue, 6000);
  EXPECT_DOUBLE_EQ(channels.total.revenue, 50000);
  EXPECT_DOUBLE_EQ(channels.unattributed, 10000);

  o.dimension = Dimension::kSource;
  const ChannelReport sources = Channels(c.d, o, &c.credits);
  by = ByKey(sources);
  EXPECT_DOUBLE_EQ(by["google"].revenue, 20000);
  EXPECT_DOUBLE_EQ(by["zoom"].revenue, 12000);
  EXPECT_DOUBLE_EQ(by["hubspot"].revenue, 6000);
  EXPECT_DOUBLE_EQ(by["bing"].revenue, 6000);
  EXPECT_DOUBLE_EQ(by["(none)"].revenue, 6000);
  EXPECT_DOUBLE_EQ(sources.total.revenue, 50000);

  // Without a period, April's deal counts too.
  o.period = {};
  EXPECT_DOUBLE_EQ(Channels(c.d, o, &c.credits).total.revenue, 149000);
}

TEST(Channels, RevenueDrillDownListsDealTouchAndCredit) {
  const TouchCreditCase c = TouchCredits();
  ChannelOptions o;
  o.period.from = Day(0);
  o.period.to = Day(31);
  o.dimension = Dimension::kCampaign;
  auto brand = ChannelDrill(c.d, o, &c.credits, "Brand", "revenue");
  ASSERT_TRUE(brand);
  ASSERT_EQ(brand->size(), 2u);
  EXPECT_EQ((*brand)[0].kind, "opportunity");
  EXPECT_EQ((*brand)[0].id, 1);
  EXPECT_EQ((*brand)[0].touch_id, 11);
  EXPECT_EQ((*brand)[0].touch, "paid_search / google / Brand");
  EXPECT_DOUBLE_EQ((*brand)[0].value, 12000);
  EXPECT_EQ((*brand)[1].id, 3);
  EXPECT_EQ((*brand)[1].touch_id, 31);
  EXPECT_DOUBLE_EQ((*brand)[1].value, 8000);
  auto none = ChannelDrill(c.d, o, &c.credits, "(none)", "revenue");
  ASSERT_TRUE(none);
  ASSERT_EQ(none->size(), 1u);
  EXPECT_EQ((*none)[0].touch, "direct");
  auto retired = ChannelDrill(c.d, o, &c.credits, "Retired", "revenue");
  ASSERT_TRUE(retired);
  EXPECT_EQ(retired->size(), 1u);
  auto nothing = ChannelDrill(c.d, o, &c.credits, "No such campaign", "revenue");
  ASSERT_TRUE(nothing);
  EXPECT_TRUE(nothing->empty());
  // The totals' cells: the won deals, and what no touch got.
  auto won = ChannelDrill(c.d, o, &c.credits, "", "won_revenue");
  ASSERT_TRUE(won);
  double sum = 0;
  for (const Record& r : *won) sum += r.value;
  EXPECT_EQ(won->size(), 3u);
  EXPECT_DOUBLE_EQ(sum, 60000);
  auto unattributed = ChannelDrill(c.d, o, &c.credits, "", "unattributed");
  ASSERT_TRUE(unattributed);
  ASSERT_EQ(unattributed->size(), 1u);
  EXPECT_EQ((*unattributed)[0].id, 2);
  EXPECT_DOUBLE_EQ((*unattributed)[0].value, 10000);
  EXPECT_FALSE(ChannelDrill(c.d, o, nullptr, "", "unattributed"));
}

TEST(Channels, SourcedAndInfluencedPipelineAndLeads) {
  Builder b;
  const int32_t acct = b.Account(1);
  const int32_t c = b.Contact(1, Day(0), acct);
  b.Touch(c, Day(0), "ad_click", "paid_social", "linkedin", "ABM");
  b.Touch(c, Day(5), "webinar_attended", "webinar", "zoom", "Webinar 1");
  b.Touch(c, Day(6), "sales_activity", "sales_outreach");
  b.Stage(c, "lead", Day(1));
  b.Stage(c, "mql", Day(5));
  b.Opportunity(1, acct, 5000000, Day(10), Day(40), false, false);
  const Dataset d = b.Build();
  ChannelOptions o;
  const ChannelReport r = Channels(d, o, nullptr);
  std::map<std::string, ChannelRow> by;
  for (const ChannelRow& row : r.rows) by[row.key] = row;
  EXPECT_EQ(by["paid_social"].leads, 1);
  EXPECT_EQ(by["paid_social"].mqls, 1);  // first touch of the contact
  EXPECT_EQ(by["paid_social"].sourced_pipeline, 5000000);
  EXPECT_EQ(by["paid_social"].influenced_pipeline, 5000000);
  EXPECT_EQ(by["webinar"].influenced_pipeline, 5000000);
  EXPECT_EQ(by["webinar"].sourced_pipeline, 0);
  EXPECT_EQ(by.count("sales_outreach"), 0u);
  EXPECT_EQ(r.total.influenced_pipeline, 5000000);  // once, not twice
  o.lookback_days = 7;  // the ad click (10 days before) falls out of the window
  const ChannelReport narrow = Channels(d, o, nullptr);
  for (const ChannelRow& row : narrow.rows) {
    if (row.key == "paid_social") {
      EXPECT_EQ(row.influenced_pipeline, 0);
    }
  }
}

TEST(Cohorts, StageReachRetentionAndRevenue) {
  Builder b;
  const int32_t acct = b.Account(1);
  const int32_t a = b.Contact(1, Day(0), acct), c = b.Contact(2, Day(5)), e = b.Contact(3, Day(35));
  b.Stage(a, "mql", Day(1));
  b.Stage(a, "sql", Day(40));  // April: month 1
  b.Stage(c, "mql", Day(70));  // May: month 2
  b.Touch(a, Day(1), "page_view", "direct");
  b.Touch(a, Day(33), "page_view", "direct");  // April
  b.Touch(c, Day(2), "page_view", "direct");
  b.Touch(c, Day(65), "page_view", "direct");  // May
  b.Touch(e, Day(36), "email_open", "email");  // April
  b.Touch(e, Day(37), "sales_activity", "sales_outreach");
  b.Opportunity(1, acct, 1200000, Day(0), Day(20), true, true);
  b.Opportunity(2, acct, 300000, Day(30), Day(62), true, true, "Expansion");
  const Dataset d = b.Build();
  CohortOptions o;
  o.months = 4;
  o.stages = {"mql", "sql"};
  const CohortReport r = Cohorts(d, o);
  ASSERT_EQ(r.stage_cohorts.size(), 2u);
  EXPECT_EQ(r.stage_cohorts[0].cohort, "2024-03");
  EXPECT_EQ(r.stage_cohorts[0].size, 2);
  EXPECT_EQ(r.stage_cohorts[0].reached[0], (std::vector<int64_t>{1, 1, 2, 2}));  // mql
  EXPECT_EQ(r.stage_cohorts[0].reached[1], (std::vector<int64_t>{0, 1, 1, 1}));  // sql
  ASSERT_EQ(r.first_time.size(), 2u);
  EXPECT_EQ(r.first_time[0].size, 2);
  EXPECT_EQ(r.first_time[0].retained, (std::vector<int64_t>{2, 1, 1, 0}));
  EXPECT_EQ(r.first_time[1].size, 1);  // e, in April
  ASSERT_EQ(r.recurring.size(), 3u);   // March, April, May
  EXPECT_EQ(r.recurring[1].size, 2);   // a and e engaged in April
  EXPECT_EQ(r.recurring[1].retained, (std::vector<int64_t>{2, 0, 0, 0}));
  ASSERT_EQ(r.revenue.size(), 1u);
  EXPECT_EQ(r.revenue[0].revenue, (std::vector<double>{12000, 12000, 15000, 15000}));
  auto rows = CohortDrill(d, o, "stages", "2024-03", 2, "mql");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->size(), 2u);
  auto retained = CohortDrill(d, o, "first_time", "2024-03", 1, "");
  ASSERT_TRUE(retained);
  EXPECT_EQ(retained->size(), 1u);
  auto revenue = CohortDrill(d, o, "revenue", "2024-03", 2, "");
  ASSERT_TRUE(revenue);
  double sum = 0;
  for (const Record& rec : *revenue) sum += rec.value;
  EXPECT_DOUBLE_EQ(sum, 15000);
  EXPECT_FALSE(CohortDrill(d, o, "stages", "2024-03", 9, "mql"));
  EXPECT_FALSE(CohortDrill(d, o, "weather", "2024-03", 0, ""));
}

TEST(Targets, PacingAndRunRateForecast) {
  Builder b;
  const int32_t acct = b.Account(1);
  for (int i = 0; i < 6; ++i) {
    const int32_t c = b.Contact(i + 1, Day(i));
    b.Stage(c, "lead", Day(i));  // six leads on March 1-6
  }
  b.Opportunity(1, acct, 1000000, Day(2), Day(8), true, true);
  const Dataset d = b.Build();
  auto targets = ParseTargets("targets:\n  2024-03: {leads: 31, revenue: 20000}\n");
  ASSERT_TRUE(targets) << targets.error().ToString();
  // As of March 11 00:00: 10 of 31 days elapsed.
  const auto rows = Targets(d, *targets, Day(10));
  ASSERT_EQ(rows.size(), 2u);
  const TargetRow& leads = rows[0];
  EXPECT_EQ(leads.metric, "leads");
  EXPECT_DOUBLE_EQ(leads.actual, 6);
  EXPECT_DOUBLE_EQ(leads.expected_to_date, 10);
  EXPECT_DOUBLE_EQ(leads.pacing, 0.6);
  EXPECT_NEAR(leads.forecast, 18.6, 1e-9);
  const TargetRow& revenue = rows[1];
  EXPECT_DOUBLE_EQ(revenue.actual, 10000);
  EXPECT_NEAR(revenue.forecast, 31000, 1e-9);
  EXPECT_NEAR(revenue.attainment, 1.55, 1e-9);
  auto drill = TargetDrill(d, "2024-03", "leads", Day(10));
  ASSERT_TRUE(drill);
  EXPECT_EQ(drill->size(), 6u);
  // Bad configs name the line and the key.
  auto bad = ParseTargets("targets:\n  2024-03: {leeds: 3}\n");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().line, 2);
  EXPECT_EQ(bad.error().field, "targets.2024-03.leeds");
  EXPECT_FALSE(ParseTargets("targets:\n  March: {leads: 3}\n"));
  EXPECT_FALSE(ParseTargets("targets:\n  2024-03: {leads: -3}\n"));
  EXPECT_FALSE(ParseTargets("goals: {}\n"));
  EXPECT_FALSE(ParseTargets("targets: [\n"));
}

TEST(Helpers, MedianPercentileMonths) {
  EXPECT_DOUBLE_EQ(Median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(Median({4, 1, 2, 3}), 2.5);
  EXPECT_DOUBLE_EQ(Percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9), 9);
  EXPECT_DOUBLE_EQ(Median({}), 0);
  EXPECT_EQ(MonthOf(Day(0)), "2024-03");
  EXPECT_EQ(QuarterOf(Day(0)), "2024-Q1");
  EXPECT_EQ(SegmentOf(150), "smb");
  EXPECT_EQ(SegmentOf(std::nullopt), "unknown");
}

}  // namespace
}  // namespace mops::analytics
