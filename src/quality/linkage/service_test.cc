// Workspace matching, the review queue, decisions, incremental matching and
// clusters, on SQLite (and, built with MOPS_LINKAGE_TEST_POSTGRES, on a
// throwaway PostgreSQL).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "quality/linkage/linkage.h"
#include "quality/linkage/test_seed.h"
#include "store/database.h"
#ifdef MOPS_LINKAGE_TEST_POSTGRES
#include "tests/support/postgres_server.h"
#endif

namespace mops::quality::linkage {
namespace {

using store::Value;

class Workspace : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("mops-linkage-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
#ifdef MOPS_LINKAGE_TEST_POSTGRES
    auto server = test_support::PostgresServer::Shared();
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    auto url =
        (*server)->CreateDatabase(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_TRUE(url.has_value()) << url.error().ToString();
    auto db = store::Open(*url);
#else
    auto db = store::Open((dir_ / "ws.db").string());
#endif
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_).has_value());
    SeedContacts();
  }
  void TearDown() override {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  int64_t AddContact(const std::string& ext, const std::string& email, const std::string& first,
                     const std::string& last, const std::string& phone, const std::string& company,
                     const std::string& city) {
    return testing::AddContact(*db_, ext, email, first, last, phone, company, city);
  }
  void SeedContacts() {
    testing::Seeded seeded = testing::SeedContacts(*db_);
    ids_ = seeded.ids;
    dup_ids_ = seeded.dup_ids;
    originals_ = seeded.originals;
  }

  int64_t Count(const std::string& sql) {
    auto v = db_->QueryValue(sql);
    EXPECT_TRUE(v.has_value());
    return store::AsInt(*v);
  }

  std::set<std::pair<int64_t, int64_t>> PlantedPairs() const {
    std::set<std::pair<int64_t, int64_t>> out;
    for (size_t i = 0; i < dup_ids_.size(); ++i) {
      out.insert({std::min(originals_[i], dup_ids_[i]), std::max(originals_[i], dup_ids_[i])});
    }
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Database> db_;
  std::vector<int64_t> ids_, dup_ids_, originals_;
};

TEST_F(Workspace, MatchFindsPlantedDuplicatesAndStoresTheModel) {
  auto report = Match(*db_, "contacts", "test");
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_EQ(report->records, 270);
  EXPECT_GE(report->candidate_pairs, 30);
  auto matches = ListReview(*db_, "contacts", "match", 1000);
  ASSERT_TRUE(matches.has_value());
  const auto planted = PlantedPairs();
  int found = 0;
  for (const ReviewItem& m : *matches) {
    EXPECT_LT(m.record_a, m.record_b);
    EXPECT_GE(m.probability, 0.9);
    found += planted.contains({m.record_a, m.record_b});
    auto doc = nlohmann::json::parse(m.explanation);
    ASSERT_TRUE(doc.is_array());
    ASSERT_EQ(doc.size(), 6u);
    EXPECT_EQ(doc[0]["field"], "email");
    EXPECT_TRUE(doc[0].contains("weight"));
    EXPECT_TRUE(doc[0].contains("value_a"));
  }
  EXPECT_EQ(found, 30);
  EXPECT_EQ(static_cast<int>(matches->size()), 30);  // and nothing else
  EXPECT_EQ(Count("SELECT COUNT(*) FROM configs WHERE name = 'linkage.model.contacts'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'quality.match'"), 1);

  auto clusters = MatchedClusters(*db_, "contacts");
  ASSERT_TRUE(clusters.has_value()) << clusters.error().ToString();
  EXPECT_EQ(clusters->size(), 30u);
  for (const auto& c : *clusters) {
    ASSERT_EQ(c.size(), 2u);
    EXPECT_TRUE(planted.contains({c[0], c[1]}));
  }
}

TEST_F(Workspace, DecisionsAreRememberedAcrossRuns) {
  ASSERT_TRUE(Match(*db_, "contacts", "test").has_value());
  auto matches = ListReview(*db_, "contacts", "match", 10);
  ASSERT_TRUE(matches.has_value());
  ASSERT_GE(matches->size(), 2u);
  const int64_t rejected = (*matches)[0].id, accepted = (*matches)[1].id;
  auto r = RejectPair(*db_, rejected, "alice");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->pair.status, "rejected");
  auto a = AcceptPair(*db_, accepted, "alice");
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(a->merge_id.has_value());  // no merger installed

  auto again = Match(*db_, "contacts", "test");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->decided, 2);
  EXPECT_EQ(GetPair(*db_, rejected)->status, "rejected");
  EXPECT_EQ(GetPair(*db_, accepted)->status, "accepted");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'quality.review.%' "
                  "AND actor = 'alice'"),
            2);

  // A rejected pair is not a cluster any more.
  auto clusters = MatchedClusters(*db_, "contacts");
  ASSERT_TRUE(clusters.has_value());
  const ReviewItem gone = *GetPair(*db_, rejected);
  for (const auto& c : *clusters) {
    EXPECT_FALSE(c == (std::vector<int64_t>{gone.record_a, gone.record_b}));
  }

  // Deciding twice is a conflict and changes nothing; unknown ids are not found.
  auto twice = AcceptPair(*db_, rejected, "bob");
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(GetPair(*db_, rejected)->status, "rejected");
  EXPECT_EQ(AcceptPair(*db_, 999999, "bob").error().code, core::ErrorCode::kNotFound);
}

TEST_F(Workspace, BadArgumentsAreErrors) {
  EXPECT_EQ(Match(*db_, "leads", "t").error().field, "entity");
  EXPECT_EQ(ListReview(*db_, "contacts", "maybe", 10).error().field, "status");
  EXPECT_EQ(ListReview(*db_, "contacts", "review", 0).error().field, "limit");
  EXPECT_EQ(ParseIncrementalMode("sometimes").error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM match_pairs"), 0);
}

TEST_F(Workspace, AcceptMergesWithTheInstalledMerger) {
  ASSERT_TRUE(Match(*db_, "contacts", "test").has_value());
  auto matches = ListReview(*db_, "contacts", "match", 1);
  ASSERT_TRUE(matches.has_value() && !matches->empty());
  std::vector<int64_t> merged;
  InstallMerger([&](store::Database&, std::string_view entity,
                    std::span<const int64_t> ids) -> core::Result<int64_t> {
    EXPECT_EQ(entity, "contacts");
    merged.assign(ids.begin(), ids.end());
    return 77;
  });
  auto d = AcceptPair(*db_, (*matches)[0].id, "alice");
  InstallMerger({});
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  EXPECT_EQ(d->merge_id, 77);
  EXPECT_EQ(d->pair.status, "merged");
  EXPECT_EQ(merged, (std::vector<int64_t>{(*matches)[0].record_a, (*matches)[0].record_b}));
}

TEST_F(Workspace, NewRecordsAreMatchedWithTheStoredModel) {
  ASSERT_TRUE(Match(*db_, "contacts", "test").has_value());
  const int64_t pairs_before = Count("SELECT COUNT(*) FROM match_pairs");
  // A third record of person 5 (ids_[0]) arrives.
  const int64_t fresh = AddContact("n1", "ROBERT.HARTLEY0@company0.com", "Bob", "Hartley",
                                   "617-555-1000", "company 0 labs", "Boston");
  auto p5 = db_->Query("SELECT email FROM contacts WHERE id = ?", std::vector<Value>{ids_[0]});
  ASSERT_TRUE(p5.has_value());
  const std::string email5 = store::AsText(p5->rows[0][0]);
  ASSERT_TRUE(
      db_->Execute("UPDATE contacts SET email = ? WHERE id = ?", std::vector<Value>{email5, fresh})
          .has_value());

  ASSERT_TRUE(SetIncrementalMode(*db_, "contacts", IncrementalMode::kOff, "t").has_value());
  const std::vector<int64_t> news = {fresh};
  auto off = MatchNew(*db_, "contacts", news, {}, "import");
  ASSERT_TRUE(off.has_value());
  EXPECT_EQ(off->candidate_pairs, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM match_pairs"), pairs_before);

  ASSERT_TRUE(SetIncrementalMode(*db_, "contacts", IncrementalMode::kFlag, "t").has_value());
  auto flagged = MatchNew(*db_, "contacts", news, {}, "import");
  ASSERT_TRUE(flagged.has_value()) << flagged.error().ToString();
  EXPECT_FALSE(flagged->trained);
  EXPECT_GE(flagged->matches, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM match_pairs WHERE record_b = " + std::to_string(fresh) +
                  " AND record_a = " + std::to_string(ids_[0]) + " AND status = 'match'"),
            1);

  ASSERT_TRUE(SetIncrementalMode(*db_, "contacts", IncrementalMode::kMerge, "t").has_value());
  std::vector<std::vector<int64_t>> merged;
  auto merging = MatchNew(
      *db_, "contacts", news,
      [&](store::Database&, std::string_view,
          std::span<const int64_t> ids) -> core::Result<int64_t> {
        merged.emplace_back(ids.begin(), ids.end());
        return 1;
      },
      "import");
  ASSERT_TRUE(merging.has_value()) << merging.error().ToString();
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_TRUE(std::find(merged[0].begin(), merged[0].end(), fresh) != merged[0].end());
  EXPECT_TRUE(std::find(merged[0].begin(), merged[0].end(), ids_[0]) != merged[0].end());
  EXPECT_EQ(merging->merged_clusters, 1);
  EXPECT_GE(Count("SELECT COUNT(*) FROM match_pairs WHERE status = 'merged'"), 1);
}

TEST_F(Workspace, AccountsMatchOnDomainAndName) {
  static const char* kWords[] = {"Acme",  "Globex", "Initech", "Umbrella",  "Hooli",  "Vandelay",
                                 "Stark", "Wayne",  "Wonka",   "Cyberdyne", "Tyrell", "Soylent"};
  static const char* kKinds[] = {"Labs", "Systems", "Health", "Media", "Partners"};
  static const char* kCities[] = {"Boston", "Denver", "London", "Berlin"};
  std::set<std::pair<int64_t, int64_t>> planted;
  static const char* kPlaces[] = {"North", "Pacific", "Atlantic", "Summit", "Harbor"};
  for (int i = 0; i < 300; ++i) {
    const std::string name =
        std::string(kPlaces[i / 60]) + " " + kWords[i % 12] + " " + kKinds[(i / 12) % 5];
    const std::string domain = "www." + std::string(kWords[i % 12]) + std::to_string(i) + ".com";
    const std::string city = kCities[i % 4];
    auto add = [&](const std::string& ext, const std::string& n, const std::string& d) {
      auto rows = db_->Query(
          "INSERT INTO accounts (source_system, external_id, name, domain, city, country) "
          "VALUES ('test', ?, ?, ?, ?, 'US') RETURNING id",
          std::vector<Value>{ext, n, d, city});
      EXPECT_TRUE(rows.has_value());
      return store::AsInt(rows->rows[0][0]);
    };
    const int64_t a = add("a" + std::to_string(i), name, domain);
    if (i % 10 == 0) {
      const int64_t b = add("b" + std::to_string(i), name + ", Inc.", "https://" + domain + "/");
      planted.insert({a, b});
    }
  }
  auto report = Match(*db_, "accounts", "test");
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_EQ(report->records, 330);
  auto matches = ListReview(*db_, "accounts", "match", 100);
  ASSERT_TRUE(matches.has_value());
  std::set<std::pair<int64_t, int64_t>> found;
  for (const ReviewItem& m : *matches) found.insert({m.record_a, m.record_b});
  EXPECT_EQ(found, planted);
  // Contacts are untouched by an accounts run.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM match_pairs WHERE entity = 'contacts'"), 0);
}

TEST_F(Workspace, AWorkspaceConfigChangesFieldsAndThresholds) {
  ASSERT_TRUE(Match(*db_, "contacts", "test").has_value());
  const std::string yaml =
      "threshold: 0.99\n"
      "fields:\n"
      "  - {name: mail, column: email, type: email}\n"
      "  - {name: first, column: first_name, type: name}\n"
      "  - {name: last, column: last_name, type: name, term_frequency: true}\n"
      "  - {name: tel, column: phone, type: phone}\n"
      "blocking: [mail, last7(tel), first + last, soundex(last) + initial(first)]\n";
  ASSERT_TRUE(SetWorkspaceConfig(*db_, "contacts", yaml, "ws.yaml", "alice").has_value());
  // The stored model no longer fits: incremental matching says so.
  const std::vector<int64_t> news = {ids_[0]};
  auto stale = MatchNew(*db_, "contacts", news, {}, "import");
  ASSERT_FALSE(stale.has_value());
  EXPECT_NE(stale.error().message.find("run `mops quality match` again"), std::string::npos)
      << stale.error().message;

  auto report = Match(*db_, "contacts", "test");
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  auto matches = ListReview(*db_, "contacts", "match", 1000);
  ASSERT_TRUE(matches.has_value());
  ASSERT_FALSE(matches->empty());
  for (const ReviewItem& m : *matches) {
    EXPECT_GE(m.probability, 0.99);
    auto doc = nlohmann::json::parse(m.explanation);
    ASSERT_EQ(doc.size(), 4u);
    EXPECT_EQ(doc[3]["field"], "tel");
  }
  EXPECT_TRUE(MatchNew(*db_, "contacts", news, {}, "import").has_value());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'quality.match.config'"), 1);

  // Only the table's comparable columns, and no id.
  auto bad = SetWorkspaceConfig(*db_, "contacts",
                                "fields:\n  - {name: a, type: name}\n  - {name: s, column: "
                                "secret_hash, type: text}\nblocking: [a]\n",
                                "bad.yaml", "alice");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().file, "bad.yaml");
  EXPECT_EQ(bad.error().line, 2);  // 'a' is not a column either
  EXPECT_EQ(bad.error().field, "a");
  auto with_id = SetWorkspaceConfig(*db_, "contacts",
                                    "id: external_id\nfields:\n  - {name: email, type: email}\n",
                                    "id.yaml", "alice");
  ASSERT_FALSE(with_id.has_value());
  EXPECT_EQ(with_id.error().field, "id");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'quality.match.config'"), 1);
}

TEST_F(Workspace, FirstIncrementalRunTrainsAModel) {
  const std::vector<int64_t> news = {ids_[0]};
  auto r = MatchNew(*db_, "contacts", news, {}, "import");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_TRUE(r->trained);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM configs WHERE name = 'linkage.model.contacts'"), 1);
}

}  // namespace
}  // namespace mops::quality::linkage
