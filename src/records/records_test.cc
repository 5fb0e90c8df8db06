#include "records/records.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/time.h"
#ifdef MOPS_RECORDS_TEST_POSTGRES
#include "tests/support/postgres_server.h"
#endif

namespace mops::records {
namespace {

TEST(BucketByWeekTest, MondayWeeksLargestChannelFirst) {
  // 2025-01-06 is a Monday; 2025-01-12 a Sunday; 2025-01-13 the next Monday.
  const int64_t mon = *core::ParseTimestamp("2025-01-06T00:00:00Z");
  const int64_t sun = *core::ParseTimestamp("2025-01-12T23:59:59Z");
  const int64_t next = *core::ParseTimestamp("2025-01-13T08:00:00Z");
  const int64_t later = *core::ParseTimestamp("2025-01-29T08:00:00Z");
  std::vector<int64_t> at = {mon, sun, next, next, later, mon};
  std::vector<int32_t> codes = {0, 0, 1, 1, 1, -1};
  std::vector<std::string> dict = {"email", "paid_search"};
  WeeklyChannels w = BucketByWeek(at, codes, dict);
  ASSERT_EQ(w.weeks.size(), 4u);
  EXPECT_EQ(w.weeks[0], "2025-01-06");
  EXPECT_EQ(w.weeks[1], "2025-01-13");
  EXPECT_EQ(w.weeks[3], "2025-01-27");
  ASSERT_EQ(w.channels.size(), 3u);
  EXPECT_EQ(w.channels[0], "paid_search");
  EXPECT_EQ(w.counts[0], (std::vector<int64_t>{0, 2, 0, 1}));
  EXPECT_EQ(w.channels[1], "email");
  EXPECT_EQ(w.counts[1], (std::vector<int64_t>{2, 0, 0, 0}));
  EXPECT_EQ(w.channels[2], "unclassified");
  EXPECT_TRUE(BucketByWeek({}, {}, {}).weeks.empty());
}

TEST(ListTest, FiltersPaginationAndMerged) {
  auto path = std::filesystem::temp_directory_path() /
              ("mops_records_test_" + std::to_string(getpid()) + ".db");
  std::filesystem::remove(path);
  {
    auto db = store::Open(path.string());
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(store::Migrate(**db).has_value());
    for (int i = 0; i < 25; ++i) {
      ASSERT_TRUE(
          (*db)
              ->Execute(
                  "INSERT INTO contacts (source_system, external_id, email, "
                  "lifecycle_stage, created_at, merged_into) VALUES (?, ?, ?, ?, ?, ?)",
                  std::vector<store::Value>{
                      std::string("csv"), "c" + std::to_string(i),
                      "p" + std::to_string(i) + "@x.com", std::string(i % 2 ? "lead" : "mql"),
                      int64_t{1700000000 + i}, i == 3 ? store::Value{int64_t{1}} : store::Value{}})
              .has_value());
    }
    const EntitySpec* contacts = FindEntity("contacts");
    ASSERT_NE(contacts, nullptr);
    ListQuery q;
    q.limit = 10;
    std::vector<std::string> seen;
    while (true) {
      auto page = List(**db, *contacts, q);
      ASSERT_TRUE(page.has_value()) << page.error().ToString();
      for (const auto& item : page->items) seen.push_back(item["external_id"]);
      if (!page->next_after_id) break;
      q.after_id = *page->next_after_id;
    }
    EXPECT_EQ(seen.size(), 24u);  // the merged one is hidden
    ListQuery mql;
    mql.equals["lifecycle_stage"] = "mql";
    auto page = List(**db, *contacts, mql);
    ASSERT_TRUE(page.has_value());
    EXPECT_EQ(page->items.size(), 13u);  // even ids 0..24; the merged #3 is odd
    EXPECT_EQ(page->items[0]["created_at"], "2023-11-14T22:13:20Z");
    ListQuery bad;
    bad.equals["password"] = "x";
    auto rejected = List(**db, *contacts, bad);
    ASSERT_FALSE(rejected.has_value());
    EXPECT_EQ(rejected.error().field, "password");
    auto one = Get(**db, *contacts, 1);
    ASSERT_TRUE(one.has_value());
    EXPECT_EQ((*one)["email"], "p0@x.com");
    EXPECT_EQ(Get(**db, *contacts, 999).error().code, core::ErrorCode::kNotFound);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

// The contact record carries the consent fields an import keeps (schema 8).
TEST(GetTest, ContactRecordShowsConsent) {
  auto path = std::filesystem::temp_directory_path() /
              ("mops_records_consent_test_" + std::to_string(getpid()) + ".db");
  std::filesystem::remove(path);
  {
    auto db = store::Open(path.string());
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(store::Migrate(**db).has_value());
    ASSERT_TRUE((*db)
                    ->Execute("INSERT INTO contacts (source_system, external_id, email, "
                              "email_opt_out, do_not_call, fax_opt_out, mobile_phone, legal_basis) "
                              "VALUES ('salesforce', 'c1', 'a@x.com', 1, 0, 1, '+1 555 0100', "
                              "'Legitimate interest')")
                    .has_value());
    const EntitySpec* contacts = FindEntity("contacts");
    ASSERT_NE(contacts, nullptr);
    auto one = Get(**db, *contacts, 1);
    ASSERT_TRUE(one.has_value()) << one.error().ToString();
    EXPECT_EQ((*one)["email_opt_out"], 1);
    EXPECT_EQ((*one)["do_not_call"], 0);
    EXPECT_EQ((*one)["fax_opt_out"], 1);
    EXPECT_EQ((*one)["mobile_phone"], "+1 555 0100");
    EXPECT_EQ((*one)["legal_basis"], "Legitimate interest");
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

// The weekly series comes from touchpoint_weeks, which triggers keep: after
// every kind of write it equals a bucketing of a full scan of touchpoints.
// Built with MOPS_RECORDS_TEST_POSTGRES, on a new database of the test
// PostgreSQL server (its triggers are PL/pgSQL, not SQLite's).
TEST(WeeklyTest, AggregateFollowsEveryWrite) {
  auto path = std::filesystem::temp_directory_path() /
              ("mops_records_weekly_test_" + std::to_string(getpid()) + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  std::string url = path.string();
#ifdef MOPS_RECORDS_TEST_POSTGRES
  auto server = test_support::PostgresServer::Shared();
  ASSERT_TRUE(server.has_value()) << server.error().ToString();
  auto database = (*server)->CreateDatabase("records_weekly");
  ASSERT_TRUE(database.has_value()) << database.error().ToString();
  url = *database;
#endif
  {
    auto opened = store::Open(url);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    store::Database& db = **opened;
    // Touchpoints before the migration that adds the aggregate are counted too.
    ASSERT_TRUE(store::Migrate(db, 6).has_value());
    int next = 0;
    auto insert = [&](int64_t at, store::Value channel) {
      ASSERT_TRUE(db.Execute("INSERT INTO touchpoints (source_system, external_id, occurred_at, "
                             "type, channel) VALUES ('t', ?, ?, 'page_view', ?)",
                             std::vector<store::Value>{"t" + std::to_string(next++), at,
                                                       std::move(channel)})
                      .has_value());
    };
    const int64_t mon = *core::ParseTimestamp("2025-01-06T00:00:00Z");
    insert(mon, std::string("email"));
    insert(mon - 1, std::string("email"));  // Sunday: the week before
    ASSERT_TRUE(store::Migrate(db).has_value());

    auto scanned = [&]() {
      const store::ColumnType types[] = {store::ColumnType::kInt, store::ColumnType::kDict};
      auto cols = db.ScanColumns("SELECT occurred_at, channel FROM touchpoints", {}, types);
      EXPECT_TRUE(cols.has_value());
      return BucketByWeek((*cols)[0].ints, (*cols)[1].codes, (*cols)[1].dict);
    };
    auto expect_same = [&](const char* when) {
      auto w = LoadWeeklyChannels(db);
      ASSERT_TRUE(w.has_value()) << w.error().ToString();
      WeeklyChannels s = scanned();
      EXPECT_EQ(w->weeks, s.weeks) << when;
      EXPECT_EQ(w->channels, s.channels) << when;
      EXPECT_EQ(w->counts, s.counts) << when;
    };
    expect_same("after the migration");
    auto w = LoadWeeklyChannels(db);
    ASSERT_EQ(w->weeks, (std::vector<std::string>{"2024-12-30", "2025-01-06"}));

    for (int i = 0; i < 40; ++i) {
      insert(mon + i * 86'400 * 3 + i, i % 3 == 0   ? store::Value{}
                                       : i % 3 == 1 ? store::Value{std::string("paid_search")}
                                                    : store::Value{std::string("email")});
    }
    insert(*core::ParseTimestamp("1969-12-31T12:00:00Z"), std::string("direct_mail"));
    expect_same("after inserts, one before 1970");
    ASSERT_TRUE(
        db.Execute("UPDATE touchpoints SET channel = 'webinar' WHERE id % 4 = 0").has_value());
    expect_same("after a channel change");
    ASSERT_TRUE(
        db.Execute("UPDATE touchpoints SET occurred_at = occurred_at + 86400 * 9 WHERE id % 5 = 0")
            .has_value());
    expect_same("after a time change");
    ASSERT_TRUE(db.Execute("DELETE FROM touchpoints WHERE id % 3 = 0").has_value());
    expect_same("after deletes");
    // A rolled-back write leaves the aggregate as it was.
    ASSERT_TRUE(db.Begin().has_value());
    ASSERT_TRUE(db.Execute("DELETE FROM touchpoints").has_value());
    ASSERT_TRUE(db.Rollback().has_value());
    expect_same("after a rollback");
    ASSERT_TRUE(db.Execute("DELETE FROM touchpoints").has_value());
    auto empty = LoadWeeklyChannels(db);
    ASSERT_TRUE(empty.has_value());
    EXPECT_TRUE(empty->weeks.empty());
    EXPECT_TRUE(empty->channels.empty());
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

}  // namespace
}  // namespace mops::records
