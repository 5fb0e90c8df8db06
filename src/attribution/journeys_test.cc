// Hand-computed expectations for every workspace model and every edge case
// in journeys.h, plus the reconciliation property on random journeys.
#include "attribution/journeys.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "attribution/paths.h"

namespace mops::attribution {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kT0 = 1'750'000'000;  // a conversion time

// Builds a TouchTable by channel name; every touch belongs to group 0 unless
// given.
class Builder {
 public:
  Builder& Touch(std::string_view channel, int64_t at, int32_t group = 0, bool counts = true,
                 bool marketing = true, int64_t id = 0) {
    t_.id.push_back(id ? id : static_cast<int64_t>(t_.id.size() + 1));
    t_.at.push_back(at);
    t_.group.push_back(group);
    t_.channel.push_back(Code(channel));
    t_.campaign.push_back(kNone);
    t_.source.push_back(kNone);
    t_.medium.push_back(kNone);
    t_.content.push_back(kNone);
    t_.counts.push_back(counts);
    t_.marketing.push_back(marketing);
    return *this;
  }
  TouchTable Build() {
    for (size_t c = 0; c < t_.channels.size(); ++c) {
      if (t_.channels[c] == "direct") t_.direct_channel = static_cast<int32_t>(c);
    }
    return t_;
  }

 private:
  int32_t Code(std::string_view channel) {
    for (size_t c = 0; c < t_.channels.size(); ++c) {
      if (t_.channels[c] == channel) return static_cast<int32_t>(c);
    }
    t_.channels.emplace_back(channel);
    return static_cast<int32_t>(t_.channels.size() - 1);
  }
  TouchTable t_;
};

ConversionEvent Conv(int64_t at, double value = 100, std::vector<int32_t> groups = {0}) {
  ConversionEvent c;
  c.id = 1;
  c.at = at;
  c.value = value;
  c.groups = std::move(groups);
  return c;
}

struct Case {
  TouchTable touches;
  std::vector<ConversionEvent> conversions;
  Journeys journeys;
  Journeys nulls;
  size_t groups = 1;
  JourneyOptions options;

  void Build() {
    const TouchIndex index = IndexTouches(touches, groups);
    journeys = BuildJourneys(touches, index, conversions, options);
    nulls =
        BuildNullJourneys(touches, index, conversions, options, std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::max());
  }
  std::vector<double> Shares(Model model, ModelOptions mo = {}, size_t journey = 0) {
    auto credit = Attribute(model, touches, journeys, nulls, conversions, mo);
    EXPECT_TRUE(credit.has_value()) << (credit ? "" : credit.error().message);
    const auto begin = credit->share.begin() + journeys.offsets[journey];
    return {begin, begin + (journeys.offsets[journey + 1] - journeys.offsets[journey])};
  }
};

void ExpectShares(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << "touch " << i;
}

// A conversion whose own groups (contact roles) give no counted touch takes
// its fallback groups (its account's); one whose groups have a touch keeps
// them, and a fallback without touches stays unattributed.
TEST(JourneyTest, FallbackGroupsWhenTheRolesHaveNoCountedTouch) {
  Case c;
  c.touches = Builder()
                  .Touch("sales_outreach", kT0 - 5 * kDay, 0, /*counts=*/false)
                  .Touch("email", kT0 - 4 * kDay, 1)
                  .Touch("webinar", kT0 - 3 * kDay, 2)
                  .Touch("events", kT0 + kDay, 3)
                  .Build();
  c.groups = 4;
  ConversionEvent roles_without_touch = Conv(kT0, 100, {0});
  roles_without_touch.fallback_groups = {1, 2};
  ConversionEvent roles_with_touch = Conv(kT0, 50, {1});
  roles_with_touch.fallback_groups = {2};
  ConversionEvent nothing = Conv(kT0, 10, {});
  nothing.fallback_groups = {3};  // its only touch is after the conversion
  c.conversions = {roles_without_touch, roles_with_touch, nothing};
  c.Build();
  ASSERT_EQ(c.journeys.size(), 3u);
  EXPECT_EQ(c.journeys.via_fallback, (std::vector<uint8_t>{1, 0, 0}));
  ASSERT_EQ(c.journeys.of(0).size(), 2u);
  EXPECT_EQ(c.touches.channels[c.touches.channel[c.journeys.of(0)[0]]], "email");
  EXPECT_EQ(c.touches.channels[c.touches.channel[c.journeys.of(0)[1]]], "webinar");
  // The first touch of any type in the window is the fallback's.
  EXPECT_EQ(c.journeys.all_first[0], 1);
  ASSERT_EQ(c.journeys.of(1).size(), 1u);
  EXPECT_TRUE(c.journeys.of(2).empty());
}

TEST(JourneyTest, OneTouchGetsEverythingInEveryModel) {
  Case r;
  r.touches = Builder().Touch("email", kT0 - kDay).Build();
  r.conversions = {Conv(kT0)};
  r.Build();
  for (Model m : AllModels()) {
    ExpectShares(r.Shares(m), {1.0});
  }
}

TEST(JourneyTest, TwoTouchesSplitFiftyFiftyInU) {
  Case r;
  r.touches = Builder().Touch("email", kT0 - 2 * kDay).Touch("webinar", kT0 - kDay).Build();
  r.conversions = {Conv(kT0)};
  r.Build();
  ExpectShares(r.Shares(Model::kPositionBased), {0.5, 0.5});
  ExpectShares(r.Shares(Model::kFirstTouch), {1, 0});
  ExpectShares(r.Shares(Model::kLastTouch), {0, 1});
  ExpectShares(r.Shares(Model::kLinear), {0.5, 0.5});
}

TEST(JourneyTest, PositionBasedPutsFortyOnEachEnd) {
  Case r;
  Builder b;
  for (int i = 4; i >= 1; --i) b.Touch("email", kT0 - i * kDay);
  r.touches = b.Build();
  r.conversions = {Conv(kT0)};
  r.Build();
  ExpectShares(r.Shares(Model::kPositionBased), {0.4, 0.1, 0.1, 0.4});
  ModelOptions custom;
  custom.position = {0.3, 0.4, 0.3};
  ExpectShares(r.Shares(Model::kPositionBased, custom), {0.3, 0.2, 0.2, 0.3});
}

TEST(JourneyTest, TimeDecayHalvesPerHalfLife) {
  Case r;
  r.touches = Builder()
                  .Touch("email", kT0 - 15 * kDay)
                  .Touch("email", kT0 - 8 * kDay)
                  .Touch("webinar", kT0 - kDay)
                  .Build();
  r.conversions = {Conv(kT0)};
  r.Build();
  // Weights 1/4, 1/2, 1 over 7-day steps.
  ExpectShares(r.Shares(Model::kTimeDecay), {0.25 / 1.75, 0.5 / 1.75, 1 / 1.75});
  ModelOptions fast;
  fast.half_life_days = 3.5;
  ExpectShares(r.Shares(Model::kTimeDecay, fast), {1 / 21.0, 4 / 21.0, 16 / 21.0});
}

TEST(JourneyTest, LastNonDirectSkipsDirectUnlessThereIsNothingElse) {
  Case r;
  r.touches = Builder()
                  .Touch("paid_search", kT0 - 3 * kDay)
                  .Touch("email", kT0 - 2 * kDay)
                  .Touch("direct", kT0 - kDay)
                  .Touch("direct", kT0 - 100, 1)
                  .Build();
  r.groups = 2;
  r.conversions = {Conv(kT0), Conv(kT0, 100, {1})};
  r.Build();
  ExpectShares(r.Shares(Model::kLastNonDirect), {0, 1, 0});
  ExpectShares(r.Shares(Model::kLastNonDirect, {}, 1), {1});
}

TEST(JourneyTest, WShapedAndFullPathUseTheMilestones) {
  Case r;
  Builder b;
  for (int i = 6; i >= 1; --i) b.Touch("email", kT0 - i * kDay);
  r.touches = b.Build();
  ConversionEvent c = Conv(kT0);
  c.lead_created_at = kT0 - 5 * kDay;         // touch 1
  c.opportunity_created_at = kT0 - 3 * kDay;  // touch 3
  c.won_at = kT0;                             // touch 5 (the last)
  r.conversions = {c};
  r.Build();
  ASSERT_EQ(r.journeys.milestones[0].lead_creation, 1);
  ASSERT_EQ(r.journeys.milestones[0].opportunity_creation, 3);
  ASSERT_EQ(r.journeys.milestones[0].closed_won, 5);
  // W: 30/30/30 on first, LC, OC; 10 over touches 2, 4, 5.
  const double w_rest = 0.1 / 3;
  ExpectShares(r.Shares(Model::kWShaped), {0.3, 0.3, w_rest, 0.3, w_rest, w_rest});
  // Full path: 22.5 on first, LC, OC, CW; 10 over touches 2 and 4.
  ExpectShares(r.Shares(Model::kFullPath), {0.225, 0.225, 0.05, 0.225, 0.05, 0.225});
  ModelOptions mo;
  mo.custom = {0.1, 0.2, 0.3, 0.2, 0.2};
  ExpectShares(r.Shares(Model::kCustom, mo), {0.1, 0.2, 0.1, 0.3, 0.1, 0.2});
}

TEST(JourneyTest, MilestonesOnTheSameTouchAddTheirWeights) {
  Case r;
  r.touches = Builder()
                  .Touch("email", kT0 - 4 * kDay)
                  .Touch("webinar", kT0 - 3 * kDay)
                  .Touch("email", kT0 - 2 * kDay)
                  .Build();
  ConversionEvent c = Conv(kT0);
  c.lead_created_at = kT0 - 4 * kDay;  // the first touch is also the lead creation touch
  c.opportunity_created_at = kT0 - kDay;
  r.conversions = {c};
  r.Build();
  ExpectShares(r.Shares(Model::kWShaped), {0.6, 0.1, 0.3});
}

TEST(JourneyTest, MissingMilestonesGoToTheOtherTouches) {
  // A pipeline conversion has no closed-won touch: its 22.5% joins the 10%
  // over the touches that are no milestone.
  Case r;
  Builder b;
  for (int i = 4; i >= 1; --i) b.Touch("email", kT0 - i * kDay);
  r.touches = b.Build();
  ConversionEvent c = Conv(kT0);
  c.lead_created_at = kT0 - 3 * kDay;  // touch 1
  c.opportunity_created_at = kT0;      // touch 3
  r.conversions = {c};
  r.Build();
  ExpectShares(r.Shares(Model::kFullPath), {0.225, 0.225, 0.325, 0.225});
  // With every touch a milestone, the rest is shared in proportion.
  Case small;
  small.touches = Builder().Touch("email", kT0 - 2 * kDay).Touch("webinar", kT0 - kDay).Build();
  ConversionEvent d = Conv(kT0);
  d.lead_created_at = kT0 - 2 * kDay;
  d.opportunity_created_at = kT0;
  small.conversions = {d};
  small.Build();
  // first+LC = 0.6 on touch 0, OC = 0.3 on touch 1; 0.1 shared 2:1.
  ExpectShares(small.Shares(Model::kWShaped), {0.6 + 0.1 * 2 / 3, 0.3 + 0.1 / 3});
}

TEST(JourneyTest, TouchesAfterTheConversionOrBeforeTheWindowAreExcluded) {
  Case r;
  r.touches = Builder()
                  .Touch("display", kT0 - 91 * kDay)  // outside the 90-day window
                  .Touch("email", kT0 - 90 * kDay)    // exactly at its edge: in
                  .Touch("webinar", kT0)              // at the conversion: in
                  .Touch("paid_search", kT0 + 1)      // after: out
                  .Build();
  r.conversions = {Conv(kT0)};
  r.Build();
  ASSERT_EQ(r.journeys.of(0).size(), 2u);
  EXPECT_EQ(r.touches.channels[r.touches.channel[r.journeys.of(0)[0]]], "email");
  EXPECT_EQ(r.touches.channels[r.touches.channel[r.journeys.of(0)[1]]], "webinar");
  r.options.lookback_days = 0;
  r.Build();
  ASSERT_EQ(r.journeys.of(0).size(), 1u);
}

TEST(JourneyTest, EqualTimestampsAreOrderedById) {
  Case r;
  r.touches = Builder()
                  .Touch("webinar", kT0 - kDay, 0, true, true, 9)
                  .Touch("email", kT0 - kDay, 0, true, true, 4)
                  .Build();
  r.conversions = {Conv(kT0)};
  r.Build();
  ExpectShares(r.Shares(Model::kFirstTouch), {1, 0});
  EXPECT_EQ(r.touches.id[r.journeys.of(0)[0]], 4);
}

TEST(JourneyTest, JourneysWithoutTouchesAreUnattributedAndTotalsReconcile) {
  Case r;
  r.touches = Builder().Touch("email", kT0 - kDay).Touch("email", kT0 - kDay, 1, false).Build();
  r.groups = 3;
  r.conversions = {Conv(kT0, 100, {0}), Conv(kT0, 250, {1}), Conv(kT0, 50, {2})};
  r.Build();
  for (Model m : AllModels()) {
    auto credit = Attribute(m, r.touches, r.journeys, r.nulls, r.conversions, {});
    ASSERT_TRUE(credit.has_value());
    DimensionTotals t =
        Summarize(Dimension::kChannel, r.touches, r.journeys, *credit, r.conversions);
    ASSERT_EQ(t.keys.back(), "(unattributed)");
    EXPECT_DOUBLE_EQ(t.conversions.back(), 2) << ModelName(m);
    EXPECT_DOUBLE_EQ(t.value.back(), 300) << ModelName(m);
    EXPECT_DOUBLE_EQ(t.conversions[0], 1);
    EXPECT_DOUBLE_EQ(t.value[0], 100);
  }
}

TEST(JourneyTest, GroupsMergeIntoOneJourney) {
  // An opportunity with two contact roles: their touches interleave by time.
  Case r;
  r.touches = Builder()
                  .Touch("email", kT0 - 3 * kDay, 0)
                  .Touch("webinar", kT0 - 2 * kDay, 1)
                  .Touch("paid_search", kT0 - kDay, 0)
                  .Touch("display", kT0 - kDay, 2)  // not on the opportunity
                  .Build();
  r.groups = 3;
  r.conversions = {Conv(kT0, 100, {0, 1})};
  r.Build();
  ASSERT_EQ(r.journeys.of(0).size(), 3u);
  std::vector<std::string> order;
  for (uint32_t t : r.journeys.of(0)) order.push_back(r.touches.channels[r.touches.channel[t]]);
  EXPECT_EQ(order, (std::vector<std::string>{"email", "webinar", "paid_search"}));
  // Group 2 did not convert: it is a null path for the data-driven models.
  ASSERT_EQ(r.nulls.size(), 1u);
}

TEST(JourneyTest, ShapleyIsTheExactCumulativeShapleyValue) {
  // {a: 4, a>b: 6} gives a = 7, b = 3.
  Case r;
  Builder b;
  std::vector<ConversionEvent> conversions;
  int32_t g = 0;
  for (int i = 0; i < 4; ++i, ++g) {
    b.Touch("a", kT0 - kDay, g);
    conversions.push_back(Conv(kT0, 1, {g}));
  }
  for (int i = 0; i < 6; ++i, ++g) {
    b.Touch("a", kT0 - 2 * kDay, g).Touch("b", kT0 - kDay, g);
    conversions.push_back(Conv(kT0, 1, {g}));
  }
  r.touches = b.Build();
  r.groups = static_cast<size_t>(g);
  r.conversions = conversions;
  r.Build();
  auto credit = Attribute(Model::kShapley, r.touches, r.journeys, r.nulls, r.conversions, {});
  ASSERT_TRUE(credit.has_value());
  DimensionTotals t = Summarize(Dimension::kChannel, r.touches, r.journeys, *credit, r.conversions);
  EXPECT_DOUBLE_EQ(t.conversions[0], 7);
  EXPECT_DOUBLE_EQ(t.conversions[1], 3);
}

TEST(JourneyTest, MarkovSplitsEachJourneyByRemovalEffect) {
  Case r;
  Builder b;
  std::vector<ConversionEvent> conversions;
  int32_t g = 0;
  for (int i = 0; i < 3; ++i, ++g) {
    b.Touch("a", kT0 - 3 * kDay, g).Touch("a", kT0 - 2 * kDay, g).Touch("b", kT0 - kDay, g);
    conversions.push_back(Conv(kT0, 10, {g}));
  }
  for (int i = 0; i < 2; ++i, ++g) b.Touch("b", kT0 - kDay, g);  // non-converting
  r.touches = b.Build();
  r.groups = static_cast<size_t>(g);
  r.conversions = conversions;
  r.Build();
  ASSERT_EQ(r.nulls.size(), 2u);
  // The same chain through the path engine gives the removal effects.
  PathTable paths;
  paths.channels = {"a", "b", "(none)"};
  paths.steps = {0, 0, 1, 1};
  paths.offsets = {0, 3, 4};
  paths.conversions = {3, 0};
  paths.value = {30, 0};
  paths.nulls = {0, 2};
  auto markov = Markov(paths, {});
  ASSERT_TRUE(markov.has_value());
  const double ra = markov->removal_effects[0], rb = markov->removal_effects[1];
  ASSERT_GT(ra + rb, 0);
  // a has two touches: each gets half of a's share.
  const double a = ra / (ra + rb), bb = rb / (ra + rb);
  ExpectShares(r.Shares(Model::kMarkov), {a / 2, a / 2, bb});
}

TEST(JourneyTest, SourcedAndInfluenced) {
  Case r;
  r.touches = Builder()
                  .Touch("sales_outreach", kT0 - 3 * kDay, 0, false, false)  // sales first
                  .Touch("email", kT0 - 2 * kDay, 0)
                  .Touch("paid_search", kT0 - 2 * kDay, 1)
                  .Touch("email", kT0 - kDay, 1)
                  .Build();
  r.groups = 3;
  r.conversions = {Conv(kT0, 100, {0}), Conv(kT0, 200, {1}), Conv(kT0, 400, {2})};
  r.Build();
  SourcedInfluenced s = SourcedAndInfluenced(r.touches, r.journeys, r.conversions);
  auto slot = [&](std::string_view name) {
    return static_cast<size_t>(std::find(s.channels.begin(), s.channels.end(), name) -
                               s.channels.begin());
  };
  EXPECT_EQ(s.sourced_count[slot("(sales)")], 1);
  EXPECT_EQ(s.sourced_count[slot("paid_search")], 1);
  EXPECT_DOUBLE_EQ(s.sourced_value[slot("paid_search")], 200);
  EXPECT_EQ(s.sourced_count[slot("(no touch)")], 1);
  EXPECT_EQ(s.influenced_count[slot("email")], 2);
  EXPECT_DOUBLE_EQ(s.influenced_value[slot("email")], 300);
  EXPECT_EQ(s.marketing_sourced, 1);
  EXPECT_EQ(s.marketing_influenced, 2);
  EXPECT_DOUBLE_EQ(s.marketing_influenced_value, 300);
}

TEST(JourneyTest, EveryModelReconcilesOnRandomJourneys) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> channels = {"email", "direct", "paid_search", "webinar",
                                             "display"};
  Builder b;
  std::vector<ConversionEvent> conversions;
  const int groups = 400;
  for (int32_t g = 0; g < groups; ++g) {
    const int touches = static_cast<int>(rng() % 7);
    for (int i = 0; i < touches; ++i) {
      b.Touch(channels[rng() % channels.size()], kT0 - static_cast<int64_t>(rng() % (120 * kDay)),
              g, rng() % 8 != 0);
    }
    if (g % 3 != 0) {
      ConversionEvent c = Conv(kT0, static_cast<double>(rng() % 10000) / 7.0, {g});
      c.lead_created_at = kT0 - static_cast<int64_t>(rng() % (100 * kDay));
      c.opportunity_created_at = kT0 - static_cast<int64_t>(rng() % (20 * kDay));
      if (g % 2) c.won_at = kT0;
      conversions.push_back(c);
    }
  }
  Case r;
  r.touches = b.Build();
  r.groups = groups;
  r.conversions = conversions;
  r.Build();
  double want_value = 0;
  for (const auto& c : conversions) want_value += c.value;
  for (Model m : AllModels()) {
    auto credit = Attribute(m, r.touches, r.journeys, r.nulls, r.conversions, {});
    ASSERT_TRUE(credit.has_value());
    for (size_t d = 0; d < kDimensionCount; ++d) {
      DimensionTotals t =
          Summarize(static_cast<Dimension>(d), r.touches, r.journeys, *credit, r.conversions);
      double n = 0, v = 0;
      for (size_t k = 0; k < t.keys.size(); ++k) n += t.conversions[k], v += t.value[k];
      EXPECT_NEAR(n, static_cast<double>(conversions.size()), 1e-9) << ModelName(m);
      EXPECT_NEAR(v, want_value, 1e-6) << ModelName(m);
    }
    for (size_t j = 0; j < r.journeys.size(); ++j) {
      double sum = 0;
      for (uint32_t p = r.journeys.offsets[j]; p < r.journeys.offsets[j + 1]; ++p) {
        EXPECT_GE(credit->share[p], 0);
        sum += credit->share[p];
      }
      if (r.journeys.offsets[j] != r.journeys.offsets[j + 1]) {
        EXPECT_NEAR(sum, 1, 1e-12);
      }
    }
  }
}

TEST(JourneyTest, TopPathsCollapseRepeats) {
  Case r;
  r.touches = Builder()
                  .Touch("email", kT0 - 3 * kDay, 0)
                  .Touch("email", kT0 - 2 * kDay, 0)
                  .Touch("webinar", kT0 - kDay, 0)
                  .Touch("email", kT0 - 2 * kDay, 1)
                  .Touch("webinar", kT0 - kDay, 1)
                  .Touch("direct", kT0 - kDay, 2)
                  .Build();
  r.groups = 3;
  r.conversions = {Conv(kT0, 1, {0}), Conv(kT0, 2, {1}), Conv(kT0, 4, {2})};
  r.Build();
  auto top = TopPaths(r.touches, r.journeys, r.conversions, 10);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].path, "email > webinar");
  EXPECT_EQ(top[0].journeys, 2);
  EXPECT_DOUBLE_EQ(top[0].value, 3);
  EXPECT_EQ(top[1].path, "direct");
}

TEST(ModelOptionsTest, WeightsMustSumToOne) {
  ModelOptions o;
  EXPECT_TRUE(ValidateOptions(o).has_value());
  o.position = {0.5, 0.2, 0.4};
  auto bad = ValidateOptions(o);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("position_based"), std::string::npos);
  o = {};
  o.custom.rest = -0.1;
  EXPECT_FALSE(ValidateOptions(o).has_value());
  o = {};
  o.half_life_days = 0;
  EXPECT_FALSE(ValidateOptions(o).has_value());
}

TEST(ModelNamesTest, RoundTripAndAliases) {
  for (Model m : AllModels()) EXPECT_EQ(*ParseModel(ModelName(m)), m);
  EXPECT_EQ(*ParseModel("u_shaped"), Model::kPositionBased);
  EXPECT_EQ(*ParseModel("z"), Model::kFullPath);
  EXPECT_FALSE(ParseModel("last").has_value());
  EXPECT_EQ(*ParseConversion("mql"), ConversionKind::kMql);
  EXPECT_FALSE(ParseConversion("closed").has_value());
  EXPECT_EQ(*ParseDimension("campaign"), Dimension::kCampaign);
}

}  // namespace
}  // namespace mops::attribution
