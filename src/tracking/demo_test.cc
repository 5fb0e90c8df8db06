// The demo's website traffic: stored through the real writer, deterministic,
// and every figure it adds reconciles with the rows behind it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "tracking/tracking.h"

namespace mops::tracking {
namespace {

namespace fs = std::filesystem;
using store::Value;

constexpr int64_t kNow = 1'782'820'800'000;  // 2026-06-30T12:00:00Z

class TrackingDemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("mops-tracking-demo-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  // A workspace with a few CRM contacts, accounts and one touchpoint (the
  // company's "today").
  std::unique_ptr<store::Database> Workspace(const std::string& name) {
    auto db = store::Open((dir_ / name).string());
    EXPECT_TRUE(db.has_value());
    EXPECT_TRUE(store::Migrate(**db).has_value());
    for (int i = 1; i <= 30; ++i) {
      EXPECT_TRUE((*db)
                      ->Execute("INSERT INTO contacts (source_system, external_id, email, "
                                "first_name, last_name) VALUES ('crm', ?, ?, 'Ana', ?)",
                                std::vector<Value>{"c" + std::to_string(i),
                                                   "ana" + std::to_string(i) + "@acme.example",
                                                   "Lopez" + std::to_string(i)})
                      .has_value());
    }
    for (int i = 1; i <= 3; ++i) {
      EXPECT_TRUE(
          (*db)
              ->Execute("INSERT INTO accounts (source_system, external_id, name, "
                        "domain) VALUES ('crm', ?, ?, ?)",
                        std::vector<Value>{"a" + std::to_string(i), "Acme " + std::to_string(i),
                                           "acme" + std::to_string(i) + ".example"})
              .has_value());
    }
    EXPECT_TRUE((*db)
                    ->Execute("INSERT INTO touchpoints (source_system, external_id, "
                              "occurred_at, type, channel) VALUES ('crm', 't1', ?, 'email', "
                              "'email')",
                              std::vector<Value>{kNow / 1000 - 86'400})
                    .has_value());
    return std::move(*db);
  }
  static int64_t Int(store::Database& db, const std::string& sql) {
    auto v = db.QueryValue(sql);
    EXPECT_TRUE(v.has_value()) << sql;
    return v ? store::AsInt(*v, -1) : -1;
  }
  static std::string Dump(store::Database& db, const std::string& sql) {
    auto rows = db.Query(sql);
    EXPECT_TRUE(rows.has_value()) << sql;
    std::string out;
    if (!rows) return out;
    for (const auto& r : rows->rows) {
      for (const auto& v : r) out += (store::IsNull(v) ? "NULL" : store::AsText(v)) + "|";
      out += "\n";
    }
    return out;
  }
  fs::path dir_;
};

TEST_F(TrackingDemoTest, LoadsAStreamThatTheEventsPageCanShow) {
  auto db = Workspace("a.db");
  DemoEventsOptions options;
  options.now_ms = kNow;
  auto report = LoadDemoEvents(*db, options);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();

  // 50 visitors at least (30 contacts / 20 is less).
  EXPECT_EQ(Int(*db,
                "SELECT COUNT(DISTINCT anonymous_id) FROM tracking_events WHERE "
                "anonymous_id LIKE 'demo-visitor-%' AND anonymous_id NOT LIKE '%-mobile'"),
            50);
  EXPECT_EQ(report->stored, Int(*db, "SELECT COUNT(*) FROM tracking_events"));
  EXPECT_EQ(report->touchpoints,
            Int(*db, "SELECT COUNT(*) FROM touchpoints WHERE source_system = 'tracking'"));
  EXPECT_EQ(report->rejected, Int(*db, "SELECT COUNT(*) FROM tracking_rejections"));
  EXPECT_GE(report->rejected, 3);
  // Each kind of refusal, with its reason.
  EXPECT_EQ(Int(*db, "SELECT COUNT(DISTINCT field) FROM tracking_rejections"), 3);
  EXPECT_GT(Int(*db, "SELECT COUNT(*) FROM tracking_rejections WHERE reason LIKE '%anonymousId%'"),
            0);
  // Every call type the page charts, and paid, email, organic, referral and
  // direct traffic among the touchpoints.
  EXPECT_EQ(Int(*db, "SELECT COUNT(DISTINCT type) FROM tracking_events"), 4);
  for (const char* channel :
       {"paid_search", "paid_social", "email", "organic_search", "referral", "direct"}) {
    EXPECT_GT(Int(*db, std::string("SELECT COUNT(*) FROM touchpoints WHERE source_system = "
                                   "'tracking' AND channel = '") +
                           channel + "'"),
              0)
        << channel;
  }
  // Identified visitors: their earlier page views were stitched to them.
  EXPECT_GT(report->stitched, 0);
  EXPECT_EQ(Int(*db,
                "SELECT COUNT(*) FROM touchpoints t JOIN identities i ON i.kind = "
                "'anonymous_id' AND i.value = t.anonymous_id WHERE t.source_system = "
                "'tracking' AND t.contact_id IS NULL"),
            0);
  // A second device joins the same contact: some contact has two anonymous ids.
  EXPECT_GT(Int(*db,
                "SELECT COUNT(*) FROM (SELECT contact_id FROM identities WHERE kind = "
                "'anonymous_id' GROUP BY contact_id HAVING COUNT(*) > 1)"),
            0);
  // Group calls attach accounts.
  EXPECT_GT(Int(*db,
                "SELECT COUNT(*) FROM contacts WHERE source_system = 'tracking' AND "
                "account_id IS NOT NULL"),
            0);
  // The weekly counts the trigger keeps still equal the touchpoints.
  EXPECT_EQ(Int(*db, "SELECT SUM(touchpoints) FROM touchpoint_weeks"),
            Int(*db, "SELECT COUNT(*) FROM touchpoints"));
  // Events happen before the company's "today"; they arrive in the last 30 minutes.
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM tracking_events WHERE occurred_at > " +
                         std::to_string(kNow / 1000 - 86'400)),
            0);
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM tracking_events WHERE received_at < " +
                         std::to_string(kNow - 30 * 60'000) + " OR received_at > " +
                         std::to_string(kNow)),
            0);
}

TEST_F(TrackingDemoTest, IsDeterministic) {
  auto a = Workspace("a.db");
  auto b = Workspace("b.db");
  DemoEventsOptions options;
  options.now_ms = kNow;
  ASSERT_TRUE(LoadDemoEvents(*a, options).has_value());
  ASSERT_TRUE(LoadDemoEvents(*b, options).has_value());
  const std::string events =
      "SELECT message_id, type, event, user_id, anonymous_id, occurred_at, received_at, "
      "contact_id, channel FROM tracking_events ORDER BY id";
  EXPECT_EQ(Dump(*a, events), Dump(*b, events));
  const std::string touchpoints =
      "SELECT external_id, contact_id, occurred_at, type, channel, source, medium, url, "
      "referrer FROM touchpoints ORDER BY id";
  EXPECT_EQ(Dump(*a, touchpoints), Dump(*b, touchpoints));
  options.seed = 7;
  auto c = Workspace("c.db");
  ASSERT_TRUE(LoadDemoEvents(*c, options).has_value());
  EXPECT_NE(Dump(*a, events), Dump(*c, events));
}

}  // namespace
}  // namespace mops::tracking
