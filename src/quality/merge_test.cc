// Merge and undo on both backends: children move, merged records point at
// their survivor, and undo gives back the whole workspace exactly.
#include "quality/test_util.h"

namespace mops::quality {
namespace {

using testing::Backend;
using testing::WorkspaceTest;

class MergeTest : public WorkspaceTest {};

INSTANTIATE_TEST_SUITE_P(Backends, MergeTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendName);

TEST_P(MergeTest, ContactsMergeAndUndoRestoreTheWholeWorkspace) {
  Seed();
  const auto before = Dump();
  SurvivorshipConfig config;  // most complete wins: contact 2
  config.field_rules["lifecycle_stage"] = FieldRule::kMostRecent;
  const std::vector<int64_t> ids = {5, 1, 2};
  auto merged = MergeRecords(db(), "contacts", ids, config, "test");
  ASSERT_TRUE(merged.has_value()) << merged.error().ToString();
  EXPECT_EQ(merged->survivor_id, 2);
  EXPECT_EQ(merged->merged_ids, (std::vector<int64_t>{1, 5}));
  EXPECT_EQ(merged->merge_ids.size(), 2u);
  EXPECT_EQ(merged->merge_id, merged->merge_ids[0]);

  // The survivor: the most recent lifecycle stage (contact 5 updated last).
  EXPECT_EQ(store::AsText(One("SELECT lifecycle_stage FROM contacts WHERE id = 2")), "subscriber");
  EXPECT_EQ(store::AsInt(One("SELECT merged_into FROM contacts WHERE id = 1")), 2);
  EXPECT_EQ(store::AsInt(One("SELECT merged_into FROM contacts WHERE id = 5")), 2);
  // Children now belong to the survivor.
  EXPECT_EQ(Count("touchpoints", "contact_id = 2"), 4);
  EXPECT_EQ(Count("identities", "contact_id = 2"), 2);
  EXPECT_EQ(Count("campaign_members", "contact_id = 2"), 2);
  EXPECT_EQ(Count("lifecycle_history", "contact_id IN (1, 5)"), 0);
  // Contact 1's (lead, 100) duplicated the survivor's: removed, not moved.
  EXPECT_EQ(Count("lifecycle_history", "contact_id = 2"), 3);
  EXPECT_EQ(merged->children_moved.at("lifecycle_history.removed_duplicates"), 1);
  // The record merged long ago still points at 2.
  EXPECT_EQ(store::AsInt(One("SELECT merged_into FROM contacts WHERE id = 4")), 2);
  EXPECT_EQ(Count("merges", "undone_at IS NULL"), 2);
  EXPECT_EQ(Count("audit_log", "action = 'quality.merge'"), 3);

  auto list = ListMerges(db());
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].merged_ids, (std::vector<int64_t>{1, 5}));

  // Undo by any row of the batch.
  QUALITY_ASSERT_OK(UndoMerge(db(), merged->merge_ids[1], "test"));
  ExpectSameWorkspace(before, Dump());
  EXPECT_EQ(Count("audit_log", "action = 'quality.undo'"), 1);
  auto again = UndoMerge(db(), merged->merge_id, "test");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, core::ErrorCode::kConflict);
  // The same records can be merged again after the undo.
  auto redo = MergeRecords(db(), "contacts", ids, config, "test");
  ASSERT_TRUE(redo.has_value()) << redo.error().ToString();
  QUALITY_ASSERT_OK(UndoMerge(db(), redo->merge_id, "test"));
  ExpectSameWorkspace(before, Dump());
}

TEST_P(MergeTest, AccountsMergeMovesContactsOpportunitiesAndChildAccounts) {
  Seed();
  const auto before = Dump();
  SurvivorshipConfig config;
  config.survivor = SurvivorRule::kSourcePriority;
  config.source_priority = {"salesforce"};
  const std::vector<int64_t> ids = {1, 2};
  auto merged = MergeRecords(db(), "accounts", ids, config, "test");
  ASSERT_TRUE(merged.has_value()) << merged.error().ToString();
  EXPECT_EQ(merged->survivor_id, 1);
  // Non-empty wins: the survivor gains the website it lacked, keeps its industry.
  EXPECT_EQ(store::AsText(One("SELECT website FROM accounts WHERE id = 1")),
            "https://www.acme.com");
  EXPECT_EQ(store::AsText(One("SELECT industry FROM accounts WHERE id = 1")), "Software");
  EXPECT_EQ(Count("contacts", "account_id = 1"), 3);  // 1, 2 and the merged 4
  EXPECT_EQ(Count("opportunities", "account_id = 1"), 1);
  EXPECT_EQ(Count("touchpoints", "account_id = 1"), 3);
  EXPECT_EQ(store::AsInt(One("SELECT parent_id FROM accounts WHERE id = 3")), 1);
  QUALITY_ASSERT_OK(UndoMerge(db(), merged->merge_id, "test"));
  ExpectSameWorkspace(before, Dump());
}

TEST_P(MergeTest, BadMergesChangeNothing) {
  Seed();
  const auto before = Dump();
  SurvivorshipConfig config;
  auto merged_already = MergeRecords(db(), "contacts", std::vector<int64_t>{4, 1}, config, "t");
  ASSERT_FALSE(merged_already.has_value());
  EXPECT_EQ(merged_already.error().code, core::ErrorCode::kConflict);
  auto unknown = MergeRecords(db(), "contacts", std::vector<int64_t>{1, 999}, config, "t");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, core::ErrorCode::kNotFound);
  auto one = MergeRecords(db(), "contacts", std::vector<int64_t>{1, 1}, config, "t");
  ASSERT_FALSE(one.has_value());
  EXPECT_EQ(one.error().field, "ids");
  auto entity = MergeRecords(db(), "users", std::vector<int64_t>{1, 2}, config, "t");
  ASSERT_FALSE(entity.has_value());
  EXPECT_EQ(entity.error().field, "entity");
  auto missing = UndoMerge(db(), 42, "t");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
  ExpectSameWorkspace(before, Dump());
  EXPECT_EQ(Count("merges"), 0);
  EXPECT_EQ(Count("audit_log"), 0);
}

TEST_P(MergeTest, ALaterMergeOfTheSameRecordsMustBeUndoneFirst) {
  Seed();
  const auto before = Dump();
  SurvivorshipConfig config;
  config.survivor = SurvivorRule::kOldest;
  auto first = MergeRecords(db(), "contacts", std::vector<int64_t>{1, 5}, config, "t");
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_EQ(first->survivor_id, 1);
  const auto middle = Dump();
  auto second = MergeRecords(db(), "contacts", std::vector<int64_t>{1, 2}, config, "t");
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  EXPECT_EQ(second->survivor_id, 1);  // created at 100, before contact 2
  auto blocked = UndoMerge(db(), first->merge_id, "t");
  ASSERT_FALSE(blocked.has_value());
  EXPECT_EQ(blocked.error().code, core::ErrorCode::kConflict);
  EXPECT_NE(blocked.error().message.find(std::to_string(second->merge_id)), std::string::npos);
  QUALITY_ASSERT_OK(UndoMerge(db(), second->merge_id, "t"));
  ExpectSameWorkspace(middle, Dump());
  QUALITY_ASSERT_OK(UndoMerge(db(), first->merge_id, "t"));
  ExpectSameWorkspace(before, Dump());
}

// The duplicate matcher's pairs (match_pairs, written by quality/linkage) are settled by a merge
// and restored by its undo.
TEST_P(MergeTest, MatcherPairsBecomeMergedAndComeBackOnUndo) {
  Seed();
  Exec(
      "INSERT INTO match_pairs (id, entity, record_a, record_b, match_weight, probability, "
      "explanation, status, found_at, decided_at, decided_by) VALUES "
      "(1, 'contacts', 1, 2, 12.5, 0.99, '[]', 'match', 100, NULL, NULL), "
      "(2, 'contacts', 1, 5, 3.25, 0.61, '[]', 'review', 100, NULL, NULL), "
      "(3, 'contacts', 2, 3, -4.0, 0.01, '[]', 'rejected', 100, 150, 'ann'), "
      "(4, 'accounts', 1, 2, 9.0, 0.97, '[]', 'match', 100, NULL, NULL)");
  const auto before = Dump();
  ASSERT_TRUE(before.contains("match_pairs"));
  auto merged =
      MergeRecords(db(), "contacts", std::vector<int64_t>{1, 2, 5}, SurvivorshipConfig{}, "t");
  ASSERT_TRUE(merged.has_value()) << merged.error().ToString();
  EXPECT_EQ(merged->pairs_merged, 2);
  EXPECT_EQ(store::AsText(One("SELECT status FROM match_pairs WHERE id = 1")), "merged");
  EXPECT_EQ(store::AsText(One("SELECT status FROM match_pairs WHERE id = 2")), "merged");
  EXPECT_EQ(store::AsText(One("SELECT decided_by FROM match_pairs WHERE id = 2")), "t");
  EXPECT_EQ(store::AsText(One("SELECT status FROM match_pairs WHERE id = 3")), "rejected");
  EXPECT_EQ(store::AsText(One("SELECT status FROM match_pairs WHERE id = 4")), "match");
  QUALITY_ASSERT_OK(UndoMerge(db(), merged->merge_id, "t"));
  ExpectSameWorkspace(before, Dump());
}

TEST_P(MergeTest, ClustersReportedAgainAfterTheirMergeAreSkipped) {
  Seed();
  SurvivorshipConfig config;
  const std::vector<std::vector<int64_t>> clusters = {{1, 2}, {5, 1}, {3, 3}};
  auto first = MergeClusters(db(), "contacts", clusters, config, "t");
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  // {1, 2} merges; {5, 1} is {5, survivor of 1}; {3, 3} is one record.
  ASSERT_EQ(first->merges.size(), 2u);
  EXPECT_EQ(first->skipped, 1);
  EXPECT_EQ(first->merges[1].merged_ids.size(), 1u);
  auto again = MergeClusters(db(), "contacts", clusters, config, "t");
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_TRUE(again->merges.empty());
  EXPECT_EQ(again->skipped, 3);
}

}  // namespace
}  // namespace mops::quality
