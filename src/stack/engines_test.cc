#include <gtest/gtest.h>

#include <algorithm>

#include "core/time.h"
#include "stack/internal.h"
#include "stack/stack.h"

namespace mops::stack {
namespace {

constexpr int64_t kDay = core::kSecondsPerDay;
const Timestamp kToday = core::DaysFromCivil(2026, 6, 30) * kDay;

Tool MakeTool(std::string name, std::string category, std::vector<std::string> caps,
              int64_t cost_major = 0, std::optional<int64_t> seats = {},
              std::optional<int64_t> active = {}) {
  Tool t;
  t.name = std::move(name);
  t.category = std::move(category);
  t.capabilities = std::move(caps);
  t.annual_cost = cost_major * 100;
  t.currency = "USD";
  t.seats = seats;
  t.active_seats = active;
  t.status = "active";
  return t;
}

Integration Link(int32_t from, int32_t to, std::string direction = "one_way",
                 std::string status = "active") {
  Integration in;
  in.from = from;
  in.to = to;
  in.direction = std::move(direction);
  in.status = std::move(status);
  return in;
}

Options Today() {
  Options o;
  o.as_of = kToday;
  return o;
}

// ---------------------------------------------------------------- resolve

TEST(ResolveTest, CatalogFillsEmptyFieldsAndRecordOverridesIt) {
  Stack s;
  s.tools.push_back(MakeTool("HubSpot Marketing Hub", "", {}));
  s.tools.push_back(MakeTool("Marketo", "Email", {"email", "Forms"}));  // overridden
  s.tools.push_back(MakeTool("Hotjar", "Web Analytics", {"heatmaps", "surveys"}));
  s.tools.push_back(MakeTool("In-house scorer", "Lead Scoring", {}));
  Resolve(s);
  const Tool& hubspot = s.tools[0];
  EXPECT_EQ(hubspot.vendor, "HubSpot");
  EXPECT_EQ(hubspot.category, "Marketing automation");
  EXPECT_EQ(hubspot.primary, "marketing_automation");
  EXPECT_EQ(hubspot.catalog_product, "HubSpot Marketing Hub");
  EXPECT_TRUE(internal::HasCapability(hubspot, "forms"));
  const Tool& marketo = s.tools[1];
  EXPECT_EQ(marketo.vendor, "Adobe");  // empty: from the catalog
  EXPECT_EQ(marketo.capabilities, (std::vector<std::string>{"email", "forms"}));
  EXPECT_EQ(marketo.primary, "email");
  // A category that is none of the tool's capabilities does not become primary.
  EXPECT_EQ(s.tools[2].primary, "conversion_optimization");
  EXPECT_EQ(s.tools[2].capabilities,
            (std::vector<std::string>{"conversion_optimization", "surveys"}));
  EXPECT_EQ(s.tools[3].capabilities, (std::vector<std::string>{"marketing_automation"}));
  Resolve(s);  // idempotent
  EXPECT_EQ(s.tools[2].capabilities.size(), 2u);
}

// ---------------------------------------------------------------- utilization

TEST(UtilizationTest, ThresholdIsStrictAndUnusedSeatsAreCosted) {
  Stack s;
  s.tools.push_back(MakeTool("A", "crm", {"crm"}, 10000, 10, 7));    // exactly 70%
  s.tools.push_back(MakeTool("B", "chat", {"chat"}, 10000, 10, 6));  // 60%
  s.tools.push_back(MakeTool("C", "seo", {"seo"}, 5000, 4, 9));      // more active than seats
  s.tools.push_back(MakeTool("D", "bi", {"bi"}, 5000));              // no seats recorded
  s.tools.push_back(MakeTool("E", "cms", {"cms"}, 5000, 0, 0));      // zero seats
  Tool retired = MakeTool("F", "cms", {"cms"}, 5000, 10, 0);
  retired.status = "retired";
  s.tools.push_back(retired);
  Resolve(s);
  const auto u = Utilization(s, Today());
  ASSERT_EQ(u.size(), 3u);
  EXPECT_DOUBLE_EQ(u[0].utilization, 0.7);
  EXPECT_FALSE(u[0].below_threshold);
  EXPECT_EQ(u[0].unused_seats, 3);
  EXPECT_EQ(u[0].unused_cost, 300000);
  EXPECT_EQ(u[0].cost_per_active, 1000000 / 7);
  EXPECT_TRUE(u[1].below_threshold);
  EXPECT_EQ(u[1].unused_cost, 400000);
  EXPECT_DOUBLE_EQ(u[2].utilization, 1.0);
  EXPECT_EQ(u[2].unused_seats, 0);
  EXPECT_EQ(u[2].unused_cost, 0);

  Options strict = Today();
  strict.utilization_threshold = 0.71;
  EXPECT_TRUE(Utilization(s, strict)[0].below_threshold);
}

// ---------------------------------------------------------------- overlap

TEST(OverlapTest, MatrixRedundancyWeightsAndPairs) {
  Stack s;
  s.tools.push_back(MakeTool("CRM", "crm", {"crm"}, 50000, 10, 10));
  s.tools.push_back(MakeTool("MA one", "marketing_automation",
                             {"marketing_automation", "email", "forms", "social_management"}, 48000,
                             10, 9));
  s.tools.push_back(MakeTool("MA two", "marketing_automation",
                             {"marketing_automation", "email", "forms"}, 60000, 25, 6));
  s.tools.push_back(MakeTool("Social", "social_management", {"social_management"}, 9000, 6, 5));
  s.tools.push_back(MakeTool("Ads one", "ads_management", {"ads_management"}, 0));
  s.tools.push_back(MakeTool("Ads two", "ads_management", {"ads_management"}, 0));
  Tool retired = MakeTool("Old MA", "marketing_automation", {"marketing_automation"}, 0);
  retired.status = "retired";
  s.tools.push_back(retired);
  s.integrations.push_back(Link(1, 0, "two_way"));
  s.integrations.push_back(Link(2, 0, "two_way"));
  Resolve(s);
  const OverlapReport o = Overlap(s, Today());

  ASSERT_EQ(o.tools.size(), 6u);  // the retired tool is not a column
  const auto row = std::find(o.capabilities.begin(), o.capabilities.end(), "marketing_automation") -
                   o.capabilities.begin();
  EXPECT_EQ(o.cells[row][1], 2);
  EXPECT_EQ(o.cells[row][2], 2);
  EXPECT_EQ(o.cells[row][0], 0);
  const auto email =
      std::find(o.capabilities.begin(), o.capabilities.end(), "email") - o.capabilities.begin();
  EXPECT_EQ(o.cells[email][1], 1);

  // Heaviest first: two primaries, not integrated with each other, one underused.
  ASSERT_FALSE(o.redundancies.empty());
  const Redundancy& top = o.redundancies.front();
  EXPECT_EQ(top.capability, "marketing_automation");
  EXPECT_EQ(top.primary_count, 2);
  EXPECT_FALSE(top.all_integrated);
  EXPECT_TRUE(top.any_underused);
  EXPECT_DOUBLE_EQ(top.weight, 2.0);
  EXPECT_EQ(top.severity, "high");
  // Several ad platforms are expected: a redundancy, but a light one.
  auto ads = std::find_if(o.redundancies.begin(), o.redundancies.end(),
                          [](const Redundancy& r) { return r.capability == "ads_management"; });
  ASSERT_NE(ads, o.redundancies.end());
  EXPECT_EQ(ads->severity, "low");

  // The MA pair: duplicates; MA two is fully covered and underused -> retired.
  const PairOverlap& pair = o.pairs.front();
  EXPECT_TRUE(pair.duplicate);
  EXPECT_EQ(std::min(pair.a, pair.b), 1);
  EXPECT_EQ(std::max(pair.a, pair.b), 2);
  EXPECT_EQ(pair.retire, 2);
  EXPECT_DOUBLE_EQ(pair.retire_coverage, 1.0);
  // MA one has 1 spare seat; MA two's 6 users need 5 more at 4,800 each.
  EXPECT_EQ(pair.saving, 6000000 - 5 * 480000);
  // shared weight 2+1+1 over the smaller tool's 2+1+1.
  EXPECT_DOUBLE_EQ(pair.score, 1.0);
  EXPECT_FALSE(pair.integrated);
  // Two ad platforms share nothing that counts.
  for (const PairOverlap& p : o.pairs) {
    EXPECT_FALSE(p.a == 4 && p.b == 5);
  }
  // Social: shares its primary with MA one's side feature: score 1/2, no finding.
  auto social = std::find_if(o.pairs.begin(), o.pairs.end(),
                             [](const PairOverlap& p) { return p.a == 1 && p.b == 3; });
  ASSERT_NE(social, o.pairs.end());
  EXPECT_DOUBLE_EQ(social->score, 0.5);
  EXPECT_FALSE(internal::IsOverlapFinding(*social));
  EXPECT_EQ(o.estimated_saving, pair.saving);
}

TEST(OverlapTest, IntegratedAndWellUsedDuplicatesWeighLess) {
  Stack s;
  s.tools.push_back(MakeTool("W1", "webinar", {"webinar"}, 9000, 5, 5));
  s.tools.push_back(MakeTool("W2", "webinar", {"webinar"}, 9000, 5, 5));
  s.integrations.push_back(Link(0, 1));
  Resolve(s);
  const OverlapReport o = Overlap(s, Today());
  ASSERT_EQ(o.redundancies.size(), 1u);
  EXPECT_TRUE(o.redundancies[0].all_integrated);
  EXPECT_DOUBLE_EQ(o.redundancies[0].weight, 1.0);
  EXPECT_EQ(o.redundancies[0].severity, "medium");
  ASSERT_EQ(o.pairs.size(), 1u);
  EXPECT_TRUE(o.pairs[0].integrated);
}

TEST(OverlapTest, OneActiveToolIsNoRedundancy) {
  Stack s;
  s.tools.push_back(MakeTool("W1", "webinar", {"webinar"}, 9000));
  Tool evaluating = MakeTool("W2", "webinar", {"webinar"}, 9000);
  evaluating.status = "evaluating";
  s.tools.push_back(evaluating);
  Resolve(s);
  const OverlapReport o = Overlap(s, Today());
  EXPECT_TRUE(o.redundancies.empty());
  EXPECT_TRUE(o.pairs.empty());
}

// ---------------------------------------------------------------- renewals

TEST(RenewalsTest, WindowBoundariesAreInclusive) {
  EXPECT_EQ(RenewalWindow(-1), -1);
  EXPECT_EQ(RenewalWindow(0), 30);
  EXPECT_EQ(RenewalWindow(30), 30);
  EXPECT_EQ(RenewalWindow(31), 60);
  EXPECT_EQ(RenewalWindow(60), 60);
  EXPECT_EQ(RenewalWindow(61), 90);
  EXPECT_EQ(RenewalWindow(90), 90);
  EXPECT_EQ(RenewalWindow(120), 120);
  EXPECT_EQ(RenewalWindow(121), 0);
}

TEST(RenewalsTest, DeadlineIsRenewalMinusNoticeDays) {
  Stack s;
  const auto tool = [&](std::string name, int64_t renew_in, int64_t notice, bool auto_renew) {
    Tool t = MakeTool(std::move(name), "crm", {"crm"}, 1000);
    t.renewal_date = kToday + renew_in * kDay;
    t.notice_days = notice;
    t.auto_renew = auto_renew;
    s.tools.push_back(t);
  };
  tool("edge30", 90, 60, true);    // deadline in exactly 30 days
  tool("edge31", 91, 60, false);   // 31 days
  tool("today", 30, 30, true);     // deadline today
  tool("passed", 20, 30, true);    // deadline 10 days ago, renewal ahead
  tool("expired", -5, 30, false);  // not auto-renewing, renewal passed
  tool("rolled", -5, 30, true);    // auto-renewed: next year
  Tool none = MakeTool("none", "crm", {"crm"});
  s.tools.push_back(none);
  Resolve(s);
  const auto r = Renewals(s, Today());
  ASSERT_EQ(r.size(), 6u);
  const auto find = [&](std::string_view name) {
    return *std::find_if(r.begin(), r.end(),
                         [&](const Renewal& x) { return s.tools[x.tool].name == name; });
  };
  EXPECT_EQ(find("edge30").days_to_deadline, 30);
  EXPECT_EQ(find("edge30").window, 30);
  EXPECT_EQ(find("edge30").notice_deadline, kToday + 30 * kDay);
  EXPECT_EQ(find("edge31").window, 60);
  EXPECT_EQ(find("today").days_to_deadline, 0);
  EXPECT_EQ(find("today").window, 30);
  EXPECT_EQ(find("passed").window, -1);
  EXPECT_FALSE(find("passed").expired);
  EXPECT_TRUE(find("expired").expired);
  const Renewal rolled = find("rolled");
  EXPECT_FALSE(rolled.expired);
  EXPECT_EQ(core::FormatDate(rolled.renewal_date), "2027-06-25");
  EXPECT_EQ(rolled.days_to_renewal, 360);
  // Soonest deadline first.
  EXPECT_TRUE(std::is_sorted(r.begin(), r.end(), [](const Renewal& a, const Renewal& b) {
    return a.notice_deadline < b.notice_deadline;
  }));
}

// ---------------------------------------------------------------- graph

TEST(GraphTest, IslandsHaveNoPathToTheCrmInEitherDirection) {
  // 0 CRM <- 1 MA <- 2 forms ; 3 -> 4 (a component of its own) ; 5 alone;
  // 6 connects only through a disabled sync.
  Stack s;
  s.tools.push_back(MakeTool("CRM", "crm", {"crm"}));
  s.tools.push_back(MakeTool("MA", "marketing_automation", {"marketing_automation"}));
  s.tools.push_back(MakeTool("Forms", "forms", {"forms"}));
  s.tools.push_back(MakeTool("Heatmaps", "conversion_optimization", {"conversion_optimization"}));
  s.tools.push_back(MakeTool("Surveys", "surveys", {"surveys"}));
  s.tools.push_back(MakeTool("Design", "design", {"design"}));
  s.tools.push_back(MakeTool("Chat", "chat", {"chat"}));
  s.integrations.push_back(Link(1, 0, "two_way"));
  s.integrations.push_back(Link(2, 1));
  s.integrations.push_back(Link(3, 4));
  s.integrations.push_back(Link(6, 0, "one_way", "disabled"));
  Resolve(s);
  const GraphReport g = Graph(s, Today());
  EXPECT_EQ(g.crm, 0);
  EXPECT_EQ(g.islands, (std::vector<int32_t>{3, 4, 5, 6}));
  EXPECT_TRUE(g.reaches_crm[2]);  // against the sync direction still counts as a path
  EXPECT_TRUE(g.missing_flows.empty());
}

TEST(GraphTest, SingleToolAndNoCrm) {
  Stack one;
  one.tools.push_back(MakeTool("CRM", "crm", {"crm"}));
  Resolve(one);
  EXPECT_TRUE(Graph(one, Today()).islands.empty());

  Stack none;
  none.tools.push_back(MakeTool("A", "chat", {"chat"}));
  none.tools.push_back(MakeTool("B", "seo", {"seo"}));
  Resolve(none);
  const GraphReport g = Graph(none, Today());
  EXPECT_EQ(g.crm, -1);
  EXPECT_TRUE(g.islands.empty());  // undefined without a system of record; a gap instead
}

TEST(GraphTest, FailingStaleAndUnresolvedSyncs) {
  Stack s;
  s.tools.push_back(MakeTool("CRM", "crm", {"crm"}));
  s.tools.push_back(MakeTool("MA", "marketing_automation", {"marketing_automation"}));
  s.tools.push_back(MakeTool("Chat", "chat", {"chat"}));
  s.tools.push_back(MakeTool("Events", "events", {"events"}));
  Integration failing = Link(1, 0, "two_way", "failing");
  Integration erroring = Link(2, 0);
  erroring.error_rate = 0.05;  // at the threshold: failing
  Integration ok_rate = Link(2, 1);
  ok_rate.error_rate = 0.049;
  ok_rate.frequency = "daily";
  ok_rate.last_sync_at = kToday - 3 * kDay;  // exactly at the limit: not stale
  Integration stale = Link(3, 0);
  stale.frequency = "daily";
  stale.last_sync_at = kToday - 3 * kDay - 1;
  Integration unresolved = Link(3, -1);
  unresolved.to_name = "Ghost";
  s.integrations = {failing, erroring, ok_rate, stale, unresolved};
  Resolve(s);
  const GraphReport g = Graph(s, Today());
  ASSERT_EQ(g.sync_issues.size(), 3u);
  EXPECT_EQ(g.sync_issues[0].integration, 0);
  EXPECT_EQ(g.sync_issues[0].problem, "failing");
  EXPECT_EQ(g.sync_issues[1].integration, 1);
  EXPECT_EQ(g.sync_issues[1].problem, "failing");
  EXPECT_EQ(g.sync_issues[2].integration, 3);
  EXPECT_EQ(g.sync_issues[2].problem, "stale");
  EXPECT_EQ(g.unresolved, (std::vector<int32_t>{4}));
  EXPECT_EQ(StaleAfterSeconds("weekly"), 21 * kDay);
  EXPECT_EQ(StaleAfterSeconds(""), 7 * kDay);
  // Sync intervals as integration lists write them.
  EXPECT_EQ(StaleAfterSeconds("PT5M"), kDay);
  EXPECT_EQ(StaleAfterSeconds("P1D"), 3 * kDay);
  EXPECT_EQ(StaleAfterSeconds("P1W"), 21 * kDay);
  EXPECT_EQ(StaleAfterSeconds("2d"), 6 * kDay);
}

TEST(GraphTest, MissingCriticalFlows) {
  Stack s;
  s.tools.push_back(MakeTool("CRM", "crm", {"crm"}));
  s.tools.push_back(MakeTool("MA none", "marketing_automation", {"marketing_automation"}));
  s.tools.push_back(MakeTool("MA one-way", "marketing_automation", {"marketing_automation"}));
  s.tools.push_back(MakeTool("Ads direct", "ads_management", {"ads_management"}));
  s.tools.push_back(MakeTool("Ads via CDP", "ads_management", {"ads_management"}));
  s.tools.push_back(MakeTool("Ads wrong way", "ads_management", {"ads_management"}));
  s.tools.push_back(MakeTool("CDP", "cdp", {"cdp"}));
  s.tools.push_back(MakeTool("Attribution", "attribution", {"attribution"}));
  s.integrations.push_back(Link(2, 0));  // MA -> CRM only
  s.integrations.push_back(Link(0, 3));  // offline conversions
  s.integrations.push_back(Link(0, 6));  // CRM -> CDP -> ads
  s.integrations.push_back(Link(6, 4));
  s.integrations.push_back(Link(5, 0));  // leads from ads, nothing back
  s.integrations.push_back(Link(7, 0, "two_way"));
  Resolve(s);
  const GraphReport g = Graph(s, Today());
  std::vector<std::pair<std::string, bool>> got;
  for (const MissingFlow& m : g.missing_flows) got.emplace_back(s.tools[m.tool].name, m.partial);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, bool>>{
                     {"MA none", false}, {"MA one-way", true}, {"Ads wrong way", false}}));
}

// ---------------------------------------------------------------- gaps and cost

TEST(GapsTest, MissingAndPrematureCapabilitiesForTheStage) {
  Stack s;
  s.tools.push_back(MakeTool("CRM", "crm", {"crm"}, 10000));
  s.tools.push_back(MakeTool("MA", "marketing_automation", {"marketing_automation", "forms"}));
  s.tools.push_back(MakeTool("ABM", "abm", {"abm", "intent_data"}, 60000));
  Resolve(s);
  Options seed = Today();
  seed.stage = Stage::kSeed;
  const GapReport g = Gaps(s, seed);
  std::vector<std::string> essential;
  for (const Gap& x : g.gaps) {
    if (x.essential) essential.push_back(x.capability);
  }
  EXPECT_EQ(essential, (std::vector<std::string>{"web_analytics", "cms"}));
  ASSERT_EQ(g.overbuilt.size(), 1u);
  EXPECT_EQ(g.overbuilt[0].capability, "abm");
  EXPECT_EQ(g.overbuilt[0].annual_cost, 6000000);

  Options scale = Today();
  scale.stage = Stage::kScale;
  EXPECT_TRUE(Gaps(s, scale).overbuilt.empty());
}

TEST(CostTest, TotalsSplitsAndBudgetShare) {
  Stack s;
  s.tools.push_back(MakeTool("A", "CRM", {"crm", "bi", "forms"}, 100, 10, 5));  // 10000 minor
  s.tools.push_back(MakeTool("B", "Chat", {"chat"}, 50, 5, 5));
  s.tools.push_back(MakeTool("C", "Web analytics", {"web_analytics"}, 0, 10, 10));
  Tool retired = MakeTool("D", "Chat", {"chat"}, 999);
  retired.status = "retired";
  s.tools.push_back(retired);
  Resolve(s);
  Options o = Today();
  o.marketing_budget = 150000;  // 1,500.00
  const CostReport c = Cost(s, o);
  EXPECT_EQ(c.currency, "USD");
  EXPECT_EQ(c.total, 15000);
  EXPECT_EQ(c.seats, 15);  // free tools do not dilute the per-seat cost
  EXPECT_EQ(c.per_seat, 1000);
  EXPECT_EQ(c.per_active_seat, 1500);
  ASSERT_EQ(c.by_category.size(), 3u);
  EXPECT_EQ(c.by_category[0].name, "CRM");
  int64_t split = 0;
  for (const CostLine& l : c.by_capability) split += l.annual_cost;
  EXPECT_EQ(split, c.total);
  ASSERT_TRUE(c.budget_share);
  EXPECT_DOUBLE_EQ(*c.budget_share, 0.1);
  s.tools[1].currency = "EUR";
  EXPECT_EQ(Cost(s, o).currency, "mixed");
}

}  // namespace
}  // namespace mops::stack
