// `mops quality match` then `mops quality merge` over every cluster, run on
// copies of one workspace, must merge the same records the same way: a
// merge is not something to leave to thread scheduling or hash order.
// SQLite only (copies are files made with VACUUM INTO).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "quality/linkage/crm_contacts.h"
#include "quality/linkage/linkage.h"
#include "quality/quality.h"
#include "store/database.h"

namespace mops::quality::linkage {
namespace {

namespace fs = std::filesystem;
using store::Value;

struct Outcome {
  std::vector<std::vector<int64_t>> clusters;
  // Per merge: survivor then the merged ids.
  std::vector<std::vector<int64_t>> merges;
  // Every contact's merged_into (0: none) and surviving fields, by id.
  std::vector<std::string> contacts;
};

class Determinism : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() / ("mops-linkage-determinism-" + std::to_string(::getpid()) +
                                        "-" + std::to_string(counter++));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::unique_ptr<store::Database> OpenDb(const fs::path& path) {
    auto db = store::Open(path.string());
    EXPECT_TRUE(db.has_value()) << db.error().ToString();
    return db ? std::move(*db) : nullptr;
  }

  // A workspace holding the CRM contacts (colleagues sharing phones,
  // surnames and offices, with planted duplicates).
  fs::path Seed() {
    const fs::path path = dir_ / "origin.db";
    auto db = OpenDb(path);
    EXPECT_TRUE(store::Migrate(*db).has_value());
    const testing::CrmContacts data = testing::GenerateCrmContacts(120, 11);
    auto tx = store::Transaction::Start(*db);
    EXPECT_TRUE(tx.has_value());
    for (const testing::CrmContact& c : data.rows) {
      auto done = db->Execute(
          "INSERT INTO contacts (source_system, external_id, email, first_name, last_name, phone, "
          "company_name, city, created_at, updated_at) VALUES ('salesforce', ?, ?, ?, ?, ?, ?, ?, "
          "1700000000, 1700000000)",
          std::vector<Value>{c.id, c.email, c.first_name, c.last_name, c.phone, c.company, c.city});
      EXPECT_TRUE(done.has_value()) << done.error().ToString();
    }
    EXPECT_TRUE(tx->Commit().has_value());
    return path;
  }

  fs::path Copy(store::Database& db, const std::string& name) {
    const fs::path path = dir_ / name;
    auto done = db.Execute("VACUUM INTO ?", std::vector<Value>{path.string()});
    EXPECT_TRUE(done.has_value()) << done.error().ToString();
    return path;
  }

  // Matching (when asked) and merging every cluster, as the two verbs do.
  Outcome MatchAndMerge(const fs::path& path, bool match) {
    Outcome out;
    auto db = OpenDb(path);
    if (match) {
      auto report = Match(*db, "contacts", "test");
      EXPECT_TRUE(report.has_value()) << report.error().ToString();
    }
    auto clusters = MatchedClusters(*db, "contacts");
    EXPECT_TRUE(clusters.has_value()) << clusters.error().ToString();
    if (!clusters) return out;
    out.clusters = *clusters;
    auto config = LoadQualityConfig(*db);
    EXPECT_TRUE(config.has_value());
    auto merged = MergeClusters(*db, "contacts", *clusters, config->survivorship, "test");
    EXPECT_TRUE(merged.has_value()) << merged.error().ToString();
    if (!merged) return out;
    for (const MergeReport& r : merged->merges) {
      std::vector<int64_t> m = {r.survivor_id};
      m.insert(m.end(), r.merged_ids.begin(), r.merged_ids.end());
      out.merges.push_back(std::move(m));
    }
    auto rows = db->Query(
        "SELECT id, COALESCE(merged_into, 0), COALESCE(email, ''), COALESCE(first_name, ''), "
        "COALESCE(phone, '') FROM contacts ORDER BY id");
    EXPECT_TRUE(rows.has_value());
    for (const auto& r : rows->rows) {
      out.contacts.push_back(std::to_string(store::AsInt(r[0])) + "|" +
                             std::to_string(store::AsInt(r[1])) + "|" + store::AsText(r[2]) + "|" +
                             store::AsText(r[3]) + "|" + store::AsText(r[4]));
    }
    return out;
  }

  fs::path dir_;
};

TEST_F(Determinism, MergeOnCopiesOfOneMatchedWorkspaceMergesTheSame) {
  const fs::path origin = Seed();
  std::vector<fs::path> copies;
  {
    auto db = OpenDb(origin);
    auto report = Match(*db, "contacts", "test");
    ASSERT_TRUE(report.has_value()) << report.error().ToString();
    for (int i = 0; i < 3; ++i) copies.push_back(Copy(*db, "matched" + std::to_string(i) + ".db"));
  }
  const Outcome first = MatchAndMerge(copies[0], false);
  ASSERT_GT(first.merges.size(), 20u);
  for (size_t i = 1; i < copies.size(); ++i) {
    const Outcome again = MatchAndMerge(copies[i], false);
    EXPECT_EQ(again.clusters, first.clusters) << "copy " << i;
    EXPECT_EQ(again.merges, first.merges) << "copy " << i;
    EXPECT_EQ(again.contacts, first.contacts) << "copy " << i;
  }
}

TEST_F(Determinism, MatchThenMergeOnCopiesOfOneWorkspaceMergesTheSame) {
  const fs::path origin = Seed();
  std::vector<fs::path> copies;
  {
    auto db = OpenDb(origin);
    for (int i = 0; i < 3; ++i) copies.push_back(Copy(*db, "fresh" + std::to_string(i) + ".db"));
  }
  const Outcome first = MatchAndMerge(copies[0], true);
  ASSERT_GT(first.merges.size(), 20u);
  for (size_t i = 1; i < copies.size(); ++i) {
    const Outcome again = MatchAndMerge(copies[i], true);
    EXPECT_EQ(again.clusters, first.clusters) << "copy " << i;
    EXPECT_EQ(again.merges, first.merges) << "copy " << i;
    EXPECT_EQ(again.contacts, first.contacts) << "copy " << i;
  }
}

}  // namespace
}  // namespace mops::quality::linkage
