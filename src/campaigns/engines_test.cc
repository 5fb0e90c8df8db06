#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaigns/campaigns.h"

namespace mops::campaigns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr core::Timestamp kDay = core::kSecondsPerDay;
// 2026-03-02 (a Monday).
constexpr core::Timestamp kMonday = 1772409600;

TEST(StateMachine, EveryTransitionAllowedOrForbidden) {
  // The whole table: row = from, column = to.
  const bool allowed[kStateCount][kStateCount] = {
      // draft in_review approved scheduled live completed cancelled
      {false, true, false, false, false, false, true},    // draft
      {true, false, true, false, false, false, true},     // in_review
      {false, true, false, true, false, false, true},     // approved
      {false, true, true, false, true, false, true},      // scheduled
      {false, false, false, false, false, true, true},    // live
      {false, false, false, false, false, false, false},  // completed
      {false, false, false, false, false, false, false},  // cancelled
  };
  int forbidden = 0;
  for (int from = 0; from < kStateCount; ++from) {
    for (int to = 0; to < kStateCount; ++to) {
      const auto s = CheckTransition(static_cast<State>(from), static_cast<State>(to));
      EXPECT_EQ(s.has_value(), allowed[from][to])
          << StateName(static_cast<State>(from)) << " -> " << StateName(static_cast<State>(to));
      if (!s) {
        ++forbidden;
        EXPECT_EQ(s.error().code, core::ErrorCode::kConflict);
        EXPECT_THAT(s.error().message, HasSubstr(std::string(StateName(static_cast<State>(to)))));
      }
    }
  }
  EXPECT_EQ(forbidden, 49 - 14);
  EXPECT_THAT(CheckTransition(State::kCompleted, State::kLive).error().message,
              HasSubstr("it is final"));
  EXPECT_THAT(CheckTransition(State::kDraft, State::kLive).error().message,
              HasSubstr("from draft only to in_review, cancelled"));
}

TEST(StateMachine, NamesAndCrmStatuses) {
  for (int i = 0; i < kStateCount; ++i) {
    EXPECT_EQ(*ParseState(StateName(static_cast<State>(i))), static_cast<State>(i));
  }
  EXPECT_FALSE(ParseState("launched"));
  EXPECT_EQ(StateFromCrmStatus("In Progress"), State::kLive);
  EXPECT_EQ(StateFromCrmStatus("Completed"), State::kCompleted);
  EXPECT_EQ(StateFromCrmStatus("Aborted"), State::kCancelled);
  EXPECT_EQ(StateFromCrmStatus("Planned"), State::kDraft);
}

TEST(MemberStatuses, ValidationNeedsExactlyOneDefault) {
  std::vector<MemberStatus> s = {{"Sent", 1, false, true}, {"Responded", 2, true, false}};
  EXPECT_TRUE(ValidateMemberStatuses(s));
  s[1].is_default = true;
  EXPECT_THAT(ValidateMemberStatuses(s).error().message, HasSubstr("exactly one"));
  s[0].is_default = s[1].is_default = false;
  EXPECT_THAT(ValidateMemberStatuses(s).error().message, HasSubstr("0 are"));
  s[0].is_default = true;
  s[1].sort_order = 1;
  EXPECT_THAT(ValidateMemberStatuses(s).error().message, HasSubstr("repeats sort order 1"));
  s[1] = {"sent", 2, false, false};
  EXPECT_THAT(ValidateMemberStatuses(s).error().message, HasSubstr("listed twice"));
  EXPECT_FALSE(ValidateMemberStatuses({}));
  for (const char* type : {"Email", "Webinar", "Event", "Direct Mail", "Paid Search", "Other"}) {
    EXPECT_TRUE(ValidateMemberStatuses(DefaultMemberStatuses(type))) << type;
  }
}

TEST(MemberStatuses, MembersOnlyMoveForwardAndKeepFirstResponse) {
  const auto statuses = DefaultMemberStatuses("Webinar");  // Invited, Registered, No Show, Attended
  MemberState m{"Invited", false, std::nullopt};
  auto r = AdvanceMember(statuses, m, "registered", kMonday);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "Registered");
  EXPECT_TRUE(r->responded);
  EXPECT_EQ(r->first_responded_at, kMonday);
  auto a = AdvanceMember(statuses, *r, "Attended", kMonday + kDay);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->first_responded_at, kMonday);  // the first response stays
  auto back = AdvanceMember(statuses, *a, "Registered", kMonday + 2 * kDay);
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().code, core::ErrorCode::kConflict);
  EXPECT_THAT(back.error().message, HasSubstr("only move forward"));
  EXPECT_FALSE(AdvanceMember(statuses, *a, "Attended", kMonday));  // sideways
  auto unknown = AdvanceMember(statuses, m, "Watched", kMonday);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_THAT(unknown.error().message, HasSubstr("Invited, Registered, No Show, Attended"));
}

TEST(MemberStatuses, ImportedMembersLandInTheStatuses) {
  const auto statuses = DefaultMemberStatuses("Email");  // Sent, Opened, Clicked, Unsubscribed
  auto hit = LandImportedMember(statuses, "CLICKED", false, std::nullopt, kMonday);
  EXPECT_TRUE(hit.mapped);
  EXPECT_EQ(hit.state.status, "Clicked");
  EXPECT_TRUE(hit.state.responded);
  EXPECT_EQ(hit.state.first_responded_at, kMonday);  // created_at when no date
  auto responded = LandImportedMember(statuses, "Responded", true, kMonday + kDay, kMonday);
  EXPECT_FALSE(responded.mapped);
  EXPECT_EQ(responded.state.status, "Clicked");  // first responded status
  EXPECT_EQ(responded.state.first_responded_at, kMonday + kDay);
  auto other = LandImportedMember(statuses, "Bounced", false, std::nullopt, kMonday);
  EXPECT_FALSE(other.mapped);
  EXPECT_EQ(other.state.status, "Sent");
  EXPECT_FALSE(other.state.responded);
}

// A 3-level tree, every figure computed by hand:
//   1 Program (budget 1000)              2 Other root (budget 7)
//   +- 10 Webinars (200)
//   |  +- 100 Webinar A (50, cost 40, 10 members, 4 resp, pipeline 1000, won 300)
//   |  +- 101 Webinar B (60, cost 70, 5 members, 5 resp, pipeline 500)
//   +- 11 Paid (300, cost 250, 20 members, 2 resp, won 900)
TEST(Hierarchy, RollUpThreeLevelsByHand) {
  const std::vector<Node> nodes = {
      {101, 10, 60, 70, 5, 5, 500, 0},  {1, 0, 1000, 0, 0, 0, 0, 0},
      {11, 1, 300, 250, 20, 2, 0, 900}, {100, 10, 50, 40, 10, 4, 1000, 300},
      {10, 1, 200, 0, 0, 0, 0, 0},      {2, 0, 7, 0, 0, 0, 0, 0},
  };
  const Rollup r = RollUp(nodes);
  EXPECT_TRUE(r.problems.empty());
  ASSERT_EQ(r.rows.size(), 6u);
  std::vector<int64_t> order;
  for (const RollupRow& row : r.rows) order.push_back(nodes[row.node].id);
  EXPECT_THAT(order, ElementsAre(1, 10, 100, 101, 11, 2));
  const RollupRow& program = r.rows[0];
  EXPECT_EQ(program.depth, 1);
  EXPECT_EQ(program.descendants, 4);
  EXPECT_EQ(program.total.budget, 1000 + 200 + 50 + 60 + 300);
  EXPECT_EQ(program.total.actual_cost, 40 + 70 + 250);
  EXPECT_EQ(program.total.members, 35);
  EXPECT_EQ(program.total.responses, 11);
  EXPECT_DOUBLE_EQ(program.total.pipeline, 1500);
  EXPECT_DOUBLE_EQ(program.total.won, 1200);
  const RollupRow& webinars = r.rows[1];
  EXPECT_EQ(webinars.depth, 2);
  EXPECT_EQ(webinars.total.budget, 310);
  EXPECT_EQ(webinars.total.actual_cost, 110);
  EXPECT_EQ(webinars.total.members, 15);
  EXPECT_EQ(webinars.total.responses, 9);
  EXPECT_DOUBLE_EQ(webinars.total.pipeline, 1500);
  EXPECT_DOUBLE_EQ(webinars.total.won, 300);
  EXPECT_EQ(r.rows[2].depth, 3);
  EXPECT_EQ(r.rows[2].total.budget, 50);  // a leaf's total is its own
  EXPECT_EQ(r.rows[5].total.budget, 7);
  EXPECT_EQ(r.rows[5].descendants, 0);
}

TEST(Hierarchy, CyclesAndDepthAreReportedNotFatal) {
  const std::vector<Node> cycle = {{1, 2, 5}, {2, 1, 7}, {3, 0, 1}};
  const Rollup r = RollUp(cycle);
  ASSERT_EQ(r.rows.size(), 3u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0], HasSubstr("cycle"));
  int64_t sum = 0;
  for (const RollupRow& row : r.rows) {
    if (row.parent < 0) sum += row.total.budget;
  }
  EXPECT_EQ(sum, 13);  // every campaign counted once
  std::vector<Node> deep;
  for (int i = 1; i <= 6; ++i) deep.push_back({i, i - 1, 1});
  const Rollup d = RollUp(deep);
  EXPECT_EQ(d.rows[0].total.budget, 6);
  ASSERT_EQ(d.problems.size(), 1u);
  EXPECT_THAT(d.problems[0], HasSubstr("level 6"));
}

TEST(Hierarchy, CheckParentKeepsFiveLevelsAndNoCycle) {
  std::vector<Node> chain;
  for (int i = 1; i <= 4; ++i) chain.push_back({i, i - 1});
  chain.push_back({9, 0});
  chain.push_back({10, 9});
  EXPECT_TRUE(CheckParent(chain, 9, 0));
  EXPECT_TRUE(CheckParent(chain, 10, 4));    // level 5
  auto too_deep = CheckParent(chain, 9, 4);  // 9 and its child would reach level 6
  ASSERT_FALSE(too_deep);
  EXPECT_EQ(too_deep.error().field, "parent_id");
  EXPECT_THAT(too_deep.error().message, HasSubstr("level 6"));
  EXPECT_THAT(CheckParent(chain, 1, 3).error().message, HasSubstr("ancestor"));
  EXPECT_THAT(CheckParent(chain, 2, 2).error().message, HasSubstr("own parent"));
  EXPECT_THAT(CheckParent(chain, 2, 77).error().message, HasSubstr("does not exist"));
}

std::vector<Step> TwoStageChain() {
  const std::vector<StepDef> chain = {{1, "Brand", "approver", "", 2},
                                      {1, "Legal", "", "lena", 3},
                                      {2, "Director", "approver", "", 1}};
  return StartRound(chain, 1, kMonday);
}

TEST(Approvals, StagesRunInOrderAndStepsInParallel) {
  std::vector<Step> steps = TwoStageChain();
  EXPECT_EQ(steps[0].due_at, kMonday + 2 * kDay);
  EXPECT_EQ(steps[1].due_at, kMonday + 3 * kDay);
  EXPECT_EQ(steps[2].due_at, kMonday + 4 * kDay);  // after stage 1's 3 days
  EXPECT_THAT(ActiveSteps(steps), ElementsAre(0, 1));
  const Actor approver{"ana", "approver"}, lena{"lena", "viewer"};
  auto a = Decide(steps, 0, State::kInReview, Decision::kApproved, approver, "", kMonday);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->campaign_state);
  steps[0] = a->step;
  EXPECT_THAT(ActiveSteps(steps), ElementsAre(1));
  auto l = Decide(steps, 1, State::kInReview, Decision::kApprovedWithChanges, lena,
                  "fixed the footer", kMonday);
  ASSERT_TRUE(l);
  steps[1] = l->step;
  EXPECT_THAT(ActiveSteps(steps), ElementsAre(2));
  auto d = Decide(steps, 2, State::kInReview, Decision::kApproved, approver, "", kMonday);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->campaign_state, State::kApproved);
}

TEST(Approvals, EveryForbiddenDecision) {
  std::vector<Step> steps = TwoStageChain();
  const Actor approver{"ana", "approver"};
  // Not in review.
  for (State s : {State::kDraft, State::kApproved, State::kScheduled, State::kLive,
                  State::kCompleted, State::kCancelled}) {
    auto r = Decide(steps, 0, s, Decision::kApproved, approver, "", kMonday);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, core::ErrorCode::kConflict);
  }
  // A later stage before the earlier one is done.
  auto early = Decide(steps, 2, State::kInReview, Decision::kApproved, approver, "", kMonday);
  ASSERT_FALSE(early);
  EXPECT_THAT(early.error().message, HasSubstr("earlier stage"));
  // Wrong role, wrong user.
  auto role = Decide(steps, 0, State::kInReview, Decision::kApproved, {"olga", "ops"}, "", kMonday);
  ASSERT_FALSE(role);
  EXPECT_EQ(role.error().code, core::ErrorCode::kPermissionDenied);
  EXPECT_THAT(role.error().message, HasSubstr("role 'approver'"));
  auto user = Decide(steps, 1, State::kInReview, Decision::kApproved, approver, "", kMonday);
  ASSERT_FALSE(user);
  EXPECT_THAT(user.error().message, HasSubstr("user 'lena'"));
  // No comment on changes required or rejected; pending is no decision.
  auto silent =
      Decide(steps, 0, State::kInReview, Decision::kChangesRequired, approver, " ", kMonday);
  ASSERT_FALSE(silent);
  EXPECT_EQ(silent.error().field, "comment");
  EXPECT_FALSE(Decide(steps, 0, State::kInReview, Decision::kRejected, approver, "", kMonday));
  EXPECT_FALSE(Decide(steps, 0, State::kInReview, Decision::kPending, approver, "x", kMonday));
  EXPECT_FALSE(Decide(steps, 7, State::kInReview, Decision::kApproved, approver, "", kMonday));
  // Twice.
  steps[0] = Decide(steps, 0, State::kInReview, Decision::kApproved, approver, "", kMonday)->step;
  auto twice = Decide(steps, 0, State::kInReview, Decision::kApproved, approver, "", kMonday);
  ASSERT_FALSE(twice);
  EXPECT_THAT(twice.error().message, HasSubstr("already decided"));
  // Admin may decide any active step.
  EXPECT_TRUE(
      Decide(steps, 1, State::kInReview, Decision::kApproved, {"root", "admin"}, "", kMonday));
}

TEST(Approvals, ChangesRequiredAndRejectedMoveTheCampaign) {
  const std::vector<Step> steps = TwoStageChain();
  const Actor approver{"ana", "approver"};
  EXPECT_EQ(
      Decide(steps, 0, State::kInReview, Decision::kChangesRequired, approver, "logo", kMonday)
          ->campaign_state,
      State::kDraft);
  EXPECT_EQ(Decide(steps, 0, State::kInReview, Decision::kRejected, approver, "off brand", kMonday)
                ->campaign_state,
            State::kCancelled);
}

TEST(Approvals, OverdueStepsAreTheActiveOnesPastDue) {
  std::vector<Step> steps = TwoStageChain();
  EXPECT_TRUE(OverdueSteps(steps, kMonday + kDay).empty());
  EXPECT_THAT(OverdueSteps(steps, kMonday + 2 * kDay + 1), ElementsAre(0));
  EXPECT_THAT(OverdueSteps(steps, kMonday + 10 * kDay), ElementsAre(0, 1));  // 2 not active
  EXPECT_FALSE(ValidateChain(std::vector<StepDef>{{1, "x", "approver", "lena", 1}}));
  EXPECT_FALSE(ValidateChain(std::vector<StepDef>{{0, "x", "approver", "", 1}}));
  EXPECT_TRUE(ValidateChain(std::vector<StepDef>{{1, "x", "", "lena", 1}}));
}

CampaignFields GoodCampaign() {
  CampaignFields c;
  c.id = 7;
  c.name = "Spring webinar";
  c.type = "Webinar";
  c.channel = "webinar";
  c.owner = "ana";
  c.goal = "200 registrations";
  c.audience = "EMEA IT leaders";
  c.utm_campaign = "spring_webinar";
  c.start_date = kMonday;
  c.end_date = kMonday + 30 * kDay;
  c.budget = 500000;
  c.state = State::kScheduled;
  return c;
}

TEST(Qa, AutomaticChecksPassOnAGoodCampaign) {
  const std::vector<Asset> assets = {
      {1, "Invite", "email",
       "https://example.com/w?utm_source=email&utm_medium=email&utm_campaign=spring_webinar", "ana",
       "ready", "Hi {{contact.first_name}}, join us. {{ company | default: 'your team' }}"}};
  const auto qa =
      RunQa(GoodCampaign(), assets, DefaultMemberStatuses("Webinar"), {}, DefaultNamingRules());
  for (const QaItem& q : qa) EXPECT_TRUE(q.passed) << q.key << ": " << q.detail;
  EXPECT_EQ(qa.size(), 9u);
}

TEST(Qa, EachAutomaticCheckFailsForItsReason) {
  CampaignFields c = GoodCampaign();
  c.goal.clear();
  c.budget = 0;
  c.end_date = kMonday - kDay;
  c.utm_campaign = "Spring Webinar";
  const std::vector<Asset> assets = {
      {1, "Invite", "email", "https://example.com/w?utm_source=Email", "ana", "ready",
       "Hi {{contact.frist_name}} and {{first_name"},
      {2, "Banner", "ad", "example.com/no-scheme", "ana", "ready", ""}};
  const std::vector<ChecklistItem> manual = {{5, "Legal sign-off", true, false, ""}};
  const auto qa = RunQa(c, assets, {}, manual, DefaultNamingRules());
  std::map<std::string, QaItem> by;
  for (const QaItem& q : qa) by[q.key] = q;
  EXPECT_THAT(by["links_well_formed"].detail, HasSubstr("Banner: no scheme"));
  EXPECT_THAT(by["links_have_utm"].detail, HasSubstr("Invite: no utm_medium"));
  EXPECT_THAT(by["utm_valid"].detail, HasSubstr("'Email' is not lower case"));
  EXPECT_THAT(by["required_fields"].detail, HasSubstr("goal is empty"));
  EXPECT_FALSE(by["budget_set"].passed);
  EXPECT_THAT(by["dates_consistent"].detail, HasSubstr("is before start"));
  EXPECT_THAT(by["member_statuses"].detail, HasSubstr("at least one"));
  EXPECT_THAT(by["personalization_tokens"].detail, HasSubstr("{{contact.frist_name}}"));
  EXPECT_THAT(by["personalization_tokens"].detail, HasSubstr("not closed"));
  EXPECT_THAT(by["tracking_present"].detail, HasSubstr("contains spaces"));
  EXPECT_FALSE(by["manual:5"].passed);
  EXPECT_FALSE(by["manual:5"].automatic);
}

TEST(Qa, TokensOfEveryToolAreRead) {
  EXPECT_TRUE(UnresolvedTokens("Hi {!Lead.FirstName}, %%First_Name%% *|FNAME|*").size() == 1);
  EXPECT_THAT(UnresolvedTokens("*|FNAME|*"), ElementsAre("*|FNAME|*"));
  EXPECT_THAT(UnresolvedTokens("{{ }}"), ElementsAre("{{ }}"));
  EXPECT_TRUE(UnresolvedTokens("plain text, 50% off, 100%").empty());
}

TEST(LaunchGate, RefusesWithEveryReason) {
  std::vector<Step> steps = TwoStageChain();
  steps[0].decision = Decision::kApproved;
  std::vector<QaItem> qa = {{"links_have_utm", "Every link carries UTM parameters", true, true,
                             false, "Invite: no utm_medium"},
                            {"budget_set", "Budget is set", true, true, true, ""},
                            {"manual:3", "Legal sign-off", false, true, false, "not checked yet"},
                            {"manual:4", "Nice to have", false, false, false, ""}};
  const auto reasons = LaunchGate(State::kInReview, steps, qa);
  EXPECT_THAT(reasons,
              ElementsAre(HasSubstr("the campaign is in_review"),
                          "approval step 'Legal' (user 'lena') is pending",
                          "approval step 'Director' (role 'approver') is pending",
                          "QA 'Every link carries UTM parameters' failed: Invite: no utm_medium",
                          "QA 'Legal sign-off' is not checked"));
  for (Step& s : steps) s.decision = Decision::kApproved;
  qa[0].passed = qa[2].passed = true;
  EXPECT_TRUE(LaunchGate(State::kScheduled, steps, qa).empty());
  EXPECT_THAT(LaunchGate(State::kScheduled, {}, qa), ElementsAre(HasSubstr("no approval")));
  // A newer round replaces the old one.
  Step again = steps[0];
  again.round = 2;
  again.decision = Decision::kPending;
  steps.push_back(again);
  EXPECT_THAT(LaunchGate(State::kScheduled, steps, qa),
              ElementsAre("approval step 'Brand' (role 'approver') is pending"));
}

TEST(Calendar, SameDayEmailAndSameWeekLaunch) {
  const std::vector<CalendarEntry> entries = {
      {1, "Newsletter", "email", "Customers", State::kScheduled, kMonday + 9 * 3600, 0},
      {2, "Upsell", "email", "customers ", State::kDraft, kMonday + 15 * 3600, 0},
      {3, "Webinar", "webinar", "EMEA", State::kApproved, kMonday + 2 * kDay, 0},
      {4, "Ads", "paid_social", "emea", State::kScheduled, kMonday + 6 * kDay, 0},
      {5, "Next week", "paid_social", "EMEA", State::kScheduled, kMonday + 7 * kDay, 0},
      {6, "Cancelled", "email", "Customers", State::kCancelled, kMonday, 0},
      {7, "No audience", "email", "", State::kDraft, kMonday, 0},
  };
  const auto conflicts = CalendarConflicts(entries);
  ASSERT_EQ(conflicts.size(), 2u);
  EXPECT_EQ(conflicts[0].kind, "same_day_email");
  EXPECT_THAT(conflicts[0].campaigns, ElementsAre(1, 2));
  EXPECT_EQ(conflicts[0].when, "2026-03-02");
  EXPECT_THAT(conflicts[0].message, HasSubstr("e-mailed 2 times on 2026-03-02"));
  EXPECT_EQ(conflicts[1].kind, "same_week_launch");
  EXPECT_THAT(conflicts[1].campaigns, ElementsAre(3, 4));
  EXPECT_EQ(conflicts[1].when, "2026-W10");
  EXPECT_EQ(IsoWeek(kMonday - kDay), "2026-W09");
  EXPECT_EQ(IsoWeek(1767225600), "2026-W01");  // 2026-01-01, a Thursday
  EXPECT_EQ(IsoWeek(1735603200), "2025-W01");  // 2024-12-31, a Tuesday
}

TEST(Budget, VarianceMonthsPacingAndUnitCosts) {
  BudgetInput in;
  in.budget = 31000;  // 2026-03-02 .. 2026-04-01: 31 days, 1000 a day
  in.start = kMonday;
  in.end = kMonday + 30 * kDay;
  in.costs = {{kMonday, 5000, "spend"},
              {kMonday + 5 * kDay, 3000, "period_cost"},
              {kMonday + 30 * kDay, 2000, "spend"}};
  in.members = 100;
  in.responses = 40;
  in.opportunities = 4;
  in.won_deals = 0;
  const BudgetReport r = Budget(in, kMonday + 10 * kDay);  // 10 of 31 days elapsed
  EXPECT_EQ(r.actual, 10000);
  EXPECT_EQ(r.variance, 21000);
  EXPECT_NEAR(*r.variance_pct, 21000.0 / 31000, 1e-12);
  EXPECT_NEAR(*r.elapsed, 10.0 / 31, 1e-12);
  EXPECT_NEAR(*r.pacing, (10000.0 / 31000) / (10.0 / 31), 1e-12);
  EXPECT_EQ(r.pacing_status, "on_track");
  ASSERT_EQ(r.months.size(), 2u);
  EXPECT_EQ(r.months[0].month, "2026-03");
  EXPECT_EQ(r.months[0].planned, 30000);
  EXPECT_EQ(r.months[0].spend, 5000);
  EXPECT_EQ(r.months[0].period_costs, 3000);
  EXPECT_EQ(r.months[0].variance, 22000);
  EXPECT_EQ(r.months[1].planned, 1000);
  EXPECT_EQ(r.months[1].actual, 2000);
  EXPECT_DOUBLE_EQ(*r.cost_per_member, 100);
  EXPECT_DOUBLE_EQ(*r.cost_per_response, 250);
  EXPECT_DOUBLE_EQ(*r.cost_per_opportunity, 2500);
  EXPECT_FALSE(r.cost_per_won_deal);
  in.costs.push_back({kMonday + kDay, 30000, "spend"});
  const BudgetReport over = Budget(in, kMonday + 10 * kDay);
  EXPECT_TRUE(over.over_budget);
  EXPECT_EQ(over.variance, -9000);
  EXPECT_EQ(over.pacing_status, "over");
  in.budget = 0;
  EXPECT_EQ(Budget(in, kMonday).pacing_status, "no_budget");
}

}  // namespace
}  // namespace mops::campaigns
