#include <gtest/gtest.h>

#include "quality/engine.h"

namespace mops::quality {
namespace {

std::vector<MergeCandidate> Cluster() {
  return {
      {10,
       "hubspot",
       100,
       500,
       {{"email", "a@x.com"}, {"phone", ""}, {"title", "CMO"}, {"tags", "a; b"}}},
      {11,
       "salesforce",
       50,
       400,
       {{"email", "a@x.com"}, {"phone", "+1"}, {"title", ""}, {"tags", "B; c"}}},
      {12, "csv", 0, 900, {{"email", ""}, {"phone", "+2"}, {"title", "VP"}, {"tags", ""}}},
  };
}

TEST(SurvivorTest, Rules) {
  auto c = Cluster();
  SurvivorshipConfig config;
  config.survivor = SurvivorRule::kMostComplete;  // 10 and 11 tie on 3 fields; 10 is newer
  EXPECT_EQ(c[ChooseSurvivor(c, config)].id, 10);
  config.survivor = SurvivorRule::kMostRecent;
  EXPECT_EQ(c[ChooseSurvivor(c, config)].id, 12);
  config.survivor = SurvivorRule::kOldest;  // unknown creation ranks last
  EXPECT_EQ(c[ChooseSurvivor(c, config)].id, 11);
  config.survivor = SurvivorRule::kSourcePriority;
  config.source_priority = {"salesforce", "hubspot"};
  EXPECT_EQ(c[ChooseSurvivor(c, config)].id, 11);
  config.source_priority = {"csv"};
  EXPECT_EQ(c[ChooseSurvivor(c, config)].id, 12);
}

TEST(SurvivorTest, TiesGoToTheLowestId) {
  std::vector<MergeCandidate> c = {{5, "a", 1, 1, {}}, {3, "a", 1, 1, {}}, {4, "a", 1, 1, {}}};
  SurvivorshipConfig config;
  EXPECT_EQ(c[ChooseSurvivor(c, config)].id, 3);
}

TEST(MergedFieldsTest, FieldRules) {
  auto c = Cluster();
  SurvivorshipConfig config;  // non_empty by default
  config.field_rules["title"] = FieldRule::kMostRecent;
  config.field_rules["tags"] = FieldRule::kUnion;
  auto merged = MergedFields(c, 0, config);
  // phone was empty: the most recently updated non-empty value (record 12).
  EXPECT_EQ(merged.at("phone"), "+2");
  // title: most recent non-empty wins over the survivor's own value.
  EXPECT_EQ(merged.at("title"), "VP");
  // union: distinct values, case-insensitively, survivor's first.
  EXPECT_EQ(merged.at("tags"), "a; b; c");
  // email unchanged: not reported.
  EXPECT_FALSE(merged.contains("email"));
}

}  // namespace
}  // namespace mops::quality
