// The tracking services on a real workspace: storing, deduplication,
// identity resolution and stitching, merges and their guard rails, group
// commit. Built twice: on SQLite, and with MOPS_TRACKING_TEST_POSTGRES on
// the test PostgreSQL server.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "ingest/channel_rules.h"
#include "ingest/ingest.h"
#include "quality/quality.h"
#include "tracking/tracking.h"
#ifdef MOPS_TRACKING_TEST_POSTGRES
#include "tests/support/postgres_server.h"
#endif

namespace mops::tracking {
namespace {

namespace fs = std::filesystem;
using store::Value;

constexpr int64_t kNow = 1'717'243'200'000;  // 2024-06-01T12:00:00Z

class TrackingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("mops-tracking-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
#ifdef MOPS_TRACKING_TEST_POSTGRES
    auto server = test_support::PostgresServer::Shared();
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    auto url =
        (*server)->CreateDatabase(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_TRUE(url.has_value()) << url.error().ToString();
    url_ = *url;
#else
    url_ = (dir_ / "ws.db").string();
#endif
    auto db = store::Open(url_);
    ASSERT_TRUE(db.has_value());
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_).has_value());
    auto key = CreateWriteKey(*db_, "site", {}, 0);
    ASSERT_TRUE(key.has_value()) << key.error().ToString();
    key_ = key->key.id;
  }
  void TearDown() override {
    db_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Parses and stores one batch body.
  StoreReport Send(const std::string& body, int64_t key = 0) {
    auto parsed = ParseBody(body, std::nullopt, kNow);
    EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().ToString());
    if (!parsed) return {};
    auto stored = StoreEvents(*db_, key == 0 ? key_ : key, "/v1/batch", std::move(parsed->events),
                              std::move(parsed->rejected));
    EXPECT_TRUE(stored.has_value()) << (stored ? "" : stored.error().ToString());
    return stored ? *stored : StoreReport{};
  }
  int64_t Int(const std::string& sql, std::vector<Value> params = {}) {
    auto v = db_->QueryValue(sql, params);
    EXPECT_TRUE(v.has_value()) << sql;
    return v ? store::AsInt(*v, -1) : -1;
  }
  std::string Text(const std::string& sql, std::vector<Value> params = {}) {
    auto v = db_->QueryValue(sql, params);
    EXPECT_TRUE(v.has_value()) << sql;
    return v ? store::AsText(*v) : "";
  }
  void SetConfig(const std::string& yaml) {
    auto saved = SaveTrackingConfig(*db_, yaml, "test.yaml", "test");
    ASSERT_TRUE(saved.has_value()) << saved.error().ToString();
  }

  fs::path dir_;
  std::string url_;
  std::unique_ptr<store::Database> db_;
  int64_t key_ = 0;
};

TEST_F(TrackingServiceTest, AnonymousVisitsAreStitchedWhenTheVisitorIdentifies) {
  const StoreReport visits = Send(R"({"batch": [
    {"type": "page", "anonymousId": "anon-1", "messageId": "p1",
     "timestamp": "2024-05-01T10:00:00Z",
     "context": {"page": {"url": "https://acme.example/pricing?gclid=abc&utm_source=google&utm_medium=cpc&utm_campaign=brand",
                          "referrer": "https://www.google.com/"}}},
    {"type": "page", "anonymousId": "anon-1", "messageId": "p2",
     "timestamp": "2024-05-03T10:00:00Z",
     "context": {"page": {"url": "https://acme.example/blog"},
                 "campaign": {"source": "newsletter", "medium": "email", "name": "may"}}},
    {"type": "track", "anonymousId": "anon-1", "messageId": "t1", "event": "Demo Requested",
     "timestamp": "2024-05-04T10:00:00Z"}
  ]})");
  EXPECT_EQ(visits.stored, 3);
  EXPECT_EQ(visits.touchpoints, 3);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM touchpoints WHERE contact_id IS NULL"), 3);
  EXPECT_EQ(Text("SELECT type FROM touchpoints WHERE message_id = 't1'"), "demo_request");
  EXPECT_EQ(Text("SELECT channel FROM touchpoints WHERE message_id = 'p1'"), "paid_search");
  EXPECT_EQ(Text("SELECT utm_campaign FROM touchpoints WHERE message_id = 'p1'"), "brand");
  EXPECT_EQ(Text("SELECT channel FROM touchpoints WHERE message_id = 'p2'"), "email");

  const StoreReport identify = Send(R"({"batch": [
    {"type": "identify", "anonymousId": "anon-1", "userId": "user-1", "messageId": "i1",
     "timestamp": "2024-05-05T10:00:00Z",
     "traits": {"email": " Jane.Doe@ACME.example ", "firstName": "Jane", "lastName": "Doe",
                "title": "VP Marketing"}}]})");
  EXPECT_EQ(identify.stitched, 3);
  ASSERT_EQ(identify.contacts.size(), 1u);
  const int64_t contact = identify.contacts[0];
  EXPECT_EQ(Int("SELECT COUNT(*) FROM touchpoints WHERE contact_id = ?", {contact}), 3);
  // The email is standardized by the quality engine.
  EXPECT_EQ(Text("SELECT email FROM contacts WHERE id = ?", {contact}), "jane.doe@acme.example");
  EXPECT_EQ(Text("SELECT title FROM contacts WHERE id = ?", {contact}), "VP Marketing");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM identities WHERE contact_id = ?", {contact}), 3);
  // First touch: the paid search visit; latest: the demo request (email channel source kept).
  EXPECT_EQ(Text("SELECT first_touch_channel FROM contacts WHERE id = ?", {contact}),
            "paid_search");
  EXPECT_EQ(Text("SELECT first_touch_source FROM contacts WHERE id = ?", {contact}), "google");
  EXPECT_EQ(Text("SELECT first_touch_campaign FROM contacts WHERE id = ?", {contact}), "brand");
  EXPECT_EQ(Text("SELECT first_touch_referrer FROM contacts WHERE id = ?", {contact}),
            "https://www.google.com/");
  EXPECT_EQ(
      Text("SELECT first_touch_landing_page FROM contacts WHERE id = ?", {contact}),
      "https://acme.example/pricing?gclid=abc&utm_source=google&utm_medium=cpc&utm_campaign=brand");
  EXPECT_EQ(Int("SELECT latest_touch_at FROM contacts WHERE id = ?", {contact}), 1714816800);
  EXPECT_EQ(Text("SELECT original_source FROM contacts WHERE id = ?", {contact}), "paid_search");

  // Later events of the known visitor go to the contact directly.
  Send(R"({"batch": [{"type": "track", "userId": "user-1", "messageId": "t2",
           "event": "Webinar Registered", "timestamp": "2024-05-06T10:00:00Z"}]})");
  EXPECT_EQ(Int("SELECT contact_id FROM touchpoints WHERE message_id = 't2'"), contact);
  EXPECT_EQ(Text("SELECT latest_channel FROM contacts WHERE id = ?", {contact}), "webinar");

  // The summary reconciles with the records behind it.
  EventsSummaryOptions options;
  options.now_ms = kNow;
  auto summary = EventsSummary(*db_, options);
  ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
  EXPECT_EQ((*summary)["events"]["total"], 5);
  EXPECT_EQ((*summary)["identity"]["visitors"], 1);
  EXPECT_EQ((*summary)["identity"]["known_visitors"], 1);
  EXPECT_EQ((*summary)["identity"]["touchpoints_with_contact"], 4);
  auto listed = ListEvents(*db_, 100, 0, "", "");
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ((*listed)["items"].size(), 5u);
}

TEST_F(TrackingServiceTest, MessageIdsAreStoredOncePerWriteKey) {
  const std::string body = R"({"batch": [
    {"type": "track", "userId": "u", "event": "Signed Up", "messageId": "same"},
    {"type": "track", "userId": "u", "event": "Signed Up", "messageId": "same"},
    {"type": "page", "anonymousId": "a", "messageId": "other"}]})";
  StoreReport first = Send(body);
  EXPECT_EQ(first.stored, 2);
  EXPECT_EQ(first.duplicates, 1);
  StoreReport replay = Send(body);
  EXPECT_EQ(replay.stored, 0);
  EXPECT_EQ(replay.duplicates, 3);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM tracking_events"), 2);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM touchpoints"), 2);
  // Another key's events are its own.
  auto other = CreateWriteKey(*db_, "app", {}, 0);
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(Send(body, other->key.id).stored, 2);
  // Across a reopen (a restart) the ids are still known.
  db_.reset();
  db_ = std::move(*store::Open(url_));
  EXPECT_EQ(Send(body).duplicates, 3);
}

TEST_F(TrackingServiceTest, BlockedValuesNeverLinkAnyone) {
  SetConfig("blocked_identities: [guest]\n");
  Send(R"({"batch": [
    {"type": "identify", "userId": "u1", "anonymousId": "undefined", "messageId": "1"},
    {"type": "identify", "userId": "u2", "anonymousId": "undefined", "messageId": "2"},
    {"type": "identify", "userId": "guest", "anonymousId": "a3", "traits": {"email": "null"}, "messageId": "3"}]})");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL"), 2);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM identities WHERE value IN ('undefined', 'guest', 'null')"),
            0);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM identity_merges"), 0);
}

TEST_F(TrackingServiceTest, TwoKnownContactsMergeThroughSurvivorshipAndCanBeUndone) {
  Send(R"({"batch": [
    {"type": "identify", "anonymousId": "a-c", "traits": {"email": "jane@acme.example", "title": "CMO"}, "messageId": "1"},
    {"type": "page", "anonymousId": "a-c", "messageId": "p1", "timestamp": "2024-05-01T00:00:00Z"},
    {"type": "identify", "userId": "u-d", "anonymousId": "a-d", "messageId": "2"},
    {"type": "page", "anonymousId": "a-d", "messageId": "p2", "timestamp": "2024-05-02T00:00:00Z"}]})");
  ASSERT_EQ(Int("SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL"), 2);
  const int64_t c = Int("SELECT contact_id FROM identities WHERE value = 'a-c'");
  const int64_t d = Int("SELECT contact_id FROM identities WHERE value = 'a-d'");
  ASSERT_NE(c, d);

  const StoreReport joined = Send(R"({"batch": [
    {"type": "identify", "userId": "u-d", "traits": {"email": "JANE@acme.example"}, "messageId": "join"}]})");
  EXPECT_EQ(joined.merges, 1);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL"), 1);
  EXPECT_EQ(Text("SELECT status FROM identity_merges"), "merged");
  EXPECT_EQ(Text("SELECT message_id FROM identity_merges"), "join");
  const int64_t merge_id = Int("SELECT merge_id FROM identity_merges");
  const int64_t survivor = Int("SELECT id FROM contacts WHERE merged_into IS NULL");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM touchpoints WHERE contact_id = ?", {survivor}), 2);

  auto undone = quality::UndoMerge(*db_, merge_id, "test");
  ASSERT_TRUE(undone.has_value()) << undone.error().ToString();
  EXPECT_EQ(Int("SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL"), 2);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM touchpoints WHERE contact_id = ?", {c}), 1);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM touchpoints WHERE contact_id = ?", {d}), 1);
}

TEST_F(TrackingServiceTest, PerKindLimitRefusesTheMergeAndLogsTheCause) {
  // Two people with their own user ids share a browser (anonymous id).
  Send(R"({"batch": [
    {"type": "identify", "userId": "alice", "anonymousId": "shared-laptop", "messageId": "1"},
    {"type": "identify", "userId": "bob", "anonymousId": "bobs-phone", "messageId": "2"},
    {"type": "identify", "userId": "bob", "anonymousId": "shared-laptop", "messageId": "3"}]})");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL"), 2);
  EXPECT_EQ(Text("SELECT status FROM identity_merges WHERE message_id = '3'"), "refused");
  EXPECT_NE(Text("SELECT reason FROM identity_merges WHERE message_id = '3'").find("user_id"),
            std::string::npos);
  // With room for two user ids per contact, the same event merges.
  SetConfig("max_identities: {user_id: 2}\n");
  Send(
      R"({"batch": [{"type": "identify", "userId": "bob", "anonymousId": "shared-laptop", "messageId": "4"}]})");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL"), 1);
  EXPECT_EQ(Text("SELECT status FROM identity_merges WHERE message_id = '4'"), "merged");
}

TEST_F(TrackingServiceTest, AliasAndGroup) {
  Send(R"({"batch": [
    {"type": "page", "anonymousId": "old-anon", "messageId": "p", "timestamp": "2024-05-01T00:00:00Z"},
    {"type": "identify", "userId": "new-user", "traits": {"email": "x@y.example"}, "messageId": "i"},
    {"type": "alias", "previousId": "old-anon", "userId": "new-user", "messageId": "a"},
    {"type": "group", "userId": "new-user", "groupId": "acct-42", "messageId": "g",
     "traits": {"name": "Acme Corp", "website": "https://www.acme.example", "industry": "Software", "employees": 250}}]})");
  const int64_t contact = Int("SELECT contact_id FROM identities WHERE value = 'new-user'");
  EXPECT_EQ(Int("SELECT contact_id FROM touchpoints WHERE message_id = 'p'"), contact);
  const int64_t account = Int("SELECT id FROM accounts WHERE external_id = 'acct-42'");
  EXPECT_EQ(Text("SELECT name FROM accounts WHERE id = ?", {account}), "Acme Corp");
  EXPECT_EQ(Text("SELECT domain FROM accounts WHERE id = ?", {account}), "acme.example");
  EXPECT_EQ(Int("SELECT employees FROM accounts WHERE id = ?", {account}), 250);
  EXPECT_EQ(Int("SELECT account_id FROM contacts WHERE id = ?", {contact}), account);
  EXPECT_EQ(Int("SELECT account_id FROM touchpoints WHERE message_id = 'p'"), account);
}

TEST_F(TrackingServiceTest, RejectionsAreLoggedAndEventTypesConfigurable) {
  SetConfig("events:\n  Quote Requested: demo_request\n");
  const StoreReport r = Send(R"({"batch": [
    {"type": "track", "userId": "u", "event": "Quote Requested", "messageId": "q"},
    {"type": "track", "userId": "u", "event": "Form Submitted", "messageId": "f"},
    {"type": "track", "event": "no ids", "messageId": "bad"}]})");
  EXPECT_EQ(r.stored, 2);
  EXPECT_EQ(Text("SELECT type FROM touchpoints WHERE message_id = 'q'"), "demo_request");
  // The table was replaced: the default entry is gone, the fallback applies.
  EXPECT_EQ(Text("SELECT type FROM touchpoints WHERE message_id = 'f'"), "event");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM tracking_rejections"), 1);
  EXPECT_EQ(Text("SELECT field FROM tracking_rejections"), "userId");
  // A bad config changes nothing.
  auto bad = SaveTrackingConfig(*db_, "events: {X: nope}\n", "bad.yaml", "test");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("bad.yaml line 1"), std::string::npos);
  EXPECT_NE(Text("SELECT body FROM configs WHERE name = 'tracking'").find("Quote Requested"),
            std::string::npos);
}

TEST_F(TrackingServiceTest, GroupCommitStoresEveryRequestOnceAndCallsListeners) {
  // The listener stays installed for the process: it counts into a static.
  static std::atomic<int64_t> touched{0};
  static bool installed = false;
  if (!installed) {
    AddTouchedListener([](store::Database&, std::span<const int64_t> ids) -> core::Status {
      touched += static_cast<int64_t>(ids.size());
      return {};
    });
    installed = true;
  }
  touched = 0;
  Writer writer;
  constexpr int kThreads = 4;
  constexpr int kRequests = 25;
  std::vector<std::thread> threads;
  std::atomic<int64_t> stored{0};
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto db = store::Open(url_);
      if (!db) {
        ++failures;
        return;
      }
      for (int r = 0; r < kRequests; ++r) {
        std::string items;
        for (int i = 0; i < 10; ++i) {
          items += fmt::format(
              R"({}{{"type":"identify","userId":"t{}-r{}-{}","anonymousId":"a{}-{}-{}","messageId":"{}-{}-{}"}})",
              items.empty() ? "" : ",", t, r, i, t, r, i, t, r, i);
        }
        auto parsed = ParseBody("{\"batch\":[" + items + "]}", std::nullopt, kNow);
        if (!parsed) {
          ++failures;
          continue;
        }
        auto done = writer.Store(**db, key_, "/v1/batch", std::move(parsed->events), {});
        if (!done) {
          ++failures;
          continue;
        }
        stored += done->stored;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(stored.load(), kThreads * kRequests * 10);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM tracking_events"), kThreads * kRequests * 10);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM contacts"), kThreads * kRequests * 10);
  EXPECT_EQ(touched.load(), kThreads * kRequests * 10);
}

// A contact imported from the CRM has an email but no identity row: an
// identify with that address (in any case) is that contact, not a new one.
TEST_F(TrackingServiceTest, IdentifyWithAnImportedContactsEmailAttachesToIt) {
  ASSERT_TRUE(db_->Execute("INSERT INTO contacts (source_system, external_id, email) VALUES "
                           "('salesforce', '003A', 'dana.lee@acme.example')")
                  .has_value());
  const int64_t imported = Int("SELECT id FROM contacts WHERE external_id = '003A'");
  Send(R"({"batch": [
    {"type": "page", "anonymousId": "anon-9", "messageId": "p9",
     "context": {"page": {"url": "https://acme.example/pricing"}}},
    {"type": "identify", "anonymousId": "anon-9", "messageId": "i9",
     "traits": {"email": "Dana.Lee@ACME.example"}}]})");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM contacts"), 1);
  EXPECT_EQ(Int("SELECT contact_id FROM identities WHERE kind = 'email'"), imported);
  EXPECT_EQ(Int("SELECT contact_id FROM touchpoints WHERE message_id = 'p9'"), imported);
}

// Tracked touches follow the workspace's stored channel rules.
TEST_F(TrackingServiceTest, TouchpointsFollowTheStoredChannelRules) {
  auto saved = ingest::SaveChannelRules(*db_, R"(rules:
  - {name: partner portal, channel: partner, source: [partnerhub]}
)",
                                        "rules.yaml", "test");
  ASSERT_TRUE(saved.has_value()) << saved.error().ToString();
  Send(R"({"batch": [
    {"type": "page", "anonymousId": "anon-5", "messageId": "p5",
     "context": {"page": {"url": "https://acme.example/?utm_source=partnerhub&utm_medium=link"}}}]})");
  EXPECT_EQ(Text("SELECT channel FROM touchpoints WHERE message_id = 'p5'"), "partner");
}

// Pages after the landing page belong to the channel that brought the
// visitor, within the session window; after it, a page without referrer is
// direct again.
TEST_F(TrackingServiceTest, LaterPagesOfAVisitKeepTheLandingChannel) {
  Send(R"({"batch": [
    {"type": "page", "anonymousId": "v1", "messageId": "l1", "timestamp": "2024-05-01T10:00:00Z",
     "context": {"page": {"url": "https://acme.example/?gclid=abc", "referrer": "https://www.google.com/"}}},
    {"type": "page", "anonymousId": "v1", "messageId": "l2", "timestamp": "2024-05-01T10:05:00Z",
     "context": {"page": {"url": "https://acme.example/pricing", "referrer": "https://acme.example/"}}},
    {"type": "track", "anonymousId": "v1", "messageId": "l3", "event": "Demo Requested",
     "timestamp": "2024-05-01T10:20:00Z", "context": {"page": {"url": "https://acme.example/demo"}}},
    {"type": "page", "anonymousId": "v1", "messageId": "l4", "timestamp": "2024-05-01T13:00:00Z",
     "context": {"page": {"url": "https://acme.example/pricing"}}}]})");
  EXPECT_EQ(Text("SELECT channel FROM touchpoints WHERE message_id = 'l1'"), "paid_search");
  EXPECT_EQ(Text("SELECT channel FROM touchpoints WHERE message_id = 'l2'"), "paid_search");
  EXPECT_EQ(Text("SELECT channel FROM touchpoints WHERE message_id = 'l3'"), "paid_search");
  EXPECT_EQ(Text("SELECT channel FROM touchpoints WHERE message_id = 'l4'"), "direct");
}

// Touches are written many rows per statement: every row keeps the outcome
// it had alone (stored or a duplicate, in this batch or before, its event
// pointing at its own touchpoint), across statement boundaries (64 rows),
// and an identify between touches sees the touches before it.
TEST_F(TrackingServiceTest, ManyTouchesPerStatementKeepEachRowsOutcome) {
  auto batch = [](int from, int to, const std::string& extra) {
    std::string items;
    for (int i = from; i < to; ++i) {
      items += fmt::format(
          R"({{"type":"{}","anonymousId":"m-{}","messageId":"mm-{}","event":"Form Submitted",)"
          R"("timestamp":"2024-05-0{}T10:00:00Z","context":{{"page":{{"url":)"
          R"("https://acme.example/?utm_source=s{}&utm_medium=cpc"}}}}}},)",
          i % 3 == 0 ? "track" : "page", i % 40, i, 1 + i % 9, i % 5);
    }
    return R"({"batch": [)" + items + extra + "]}";
  };
  // 150 touches; mm-3 again at 140 (another statement than its first), an
  // identify of visitor m-7 after its touches 7, 47, 87 and 127.
  const std::string identify =
      R"({"type":"identify","anonymousId":"m-7","userId":"mu-7","messageId":"mi-7"},)"
      R"({"type":"page","anonymousId":"m-7","messageId":"mm-3","timestamp":"2024-05-02T10:00:00Z"},)"
      R"({"type":"page","anonymousId":"m-7","messageId":"mx-7","timestamp":"2024-05-02T11:00:00Z"})";
  StoreReport first = Send(batch(0, 150, identify));
  EXPECT_EQ(first.stored, 152);
  EXPECT_EQ(first.touchpoints, 151);
  EXPECT_EQ(first.duplicates, 1);
  EXPECT_EQ(first.stitched, 4);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM touchpoints"), 151);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM tracking_events"), 152);
  // Every event points at the touchpoint of its own messageId and channel.
  EXPECT_EQ(Int("SELECT COUNT(*) FROM tracking_events e JOIN touchpoints t ON t.id = "
                "e.touchpoint_id WHERE t.message_id = e.message_id AND t.channel = e.channel AND "
                "t.occurred_at = e.occurred_at"),
            151);
  // The touches before the identify were stitched; the one after it knew
  // its contact when it was stored (no stale answer from before).
  EXPECT_EQ(Int("SELECT COUNT(*) FROM touchpoints WHERE anonymous_id = 'm-7' AND contact_id IS "
                "NOT NULL"),
            5);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM tracking_events WHERE message_id = 'mx-7' AND contact_id "
                "IS NOT NULL"),
            1);
  EXPECT_EQ(Text("SELECT anonymous_id FROM touchpoints WHERE message_id = 'mm-3'"), "m-3");
  // A replay with new rows among old ones, and a row whose touchpoint was
  // deleted since (stored again, then taken back: a duplicate).
  ASSERT_TRUE(db_->Execute("DELETE FROM touchpoints WHERE message_id = 'mm-100'").has_value());
  StoreReport replay =
      Send(batch(90, 220, R"({"type":"page","anonymousId":"m-1","messageId":"mm-0"})"));
  EXPECT_EQ(replay.stored, 70);
  EXPECT_EQ(replay.touchpoints, 70);
  EXPECT_EQ(replay.duplicates, 61);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM touchpoints"), 220);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM tracking_events"), 222);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM touchpoints WHERE message_id = 'mm-100'"), 0);
  EXPECT_EQ(Int("SELECT SUM(touchpoints) FROM touchpoint_weeks"), 220);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM tracking_events e JOIN touchpoints t ON t.id = "
                "e.touchpoint_id WHERE t.message_id = e.message_id"),
            220);
}

// touchpoint_weeks equals a GROUP BY over touchpoints after every kind of
// write: the tracking writer counts its touchpoints once per group (single
// calls and group commits, a replay whose touchpoint was deleted), triggers
// count the rest (imports, also under the source name "tracking", their
// updates, stitching, reclassification, merges and their undo, deletes).
TEST_F(TrackingServiceTest, WeeklyCountsEqualAGroupByAfterEveryKindOfWrite) {
  const std::string week =
      "(CASE WHEN occurred_at >= -259200 THEN (occurred_at + 259200) / 604800 ELSE -((-259200 - "
      "occurred_at + 604799) / 604800) END)";
  auto dump = [&](const std::string& sql) {
    auto rows = db_->Query(sql);
    EXPECT_TRUE(rows.has_value()) << sql << ": " << (rows ? "" : rows.error().ToString());
    std::string out;
    if (!rows) return out;
    for (const auto& r : rows->rows) {
      out += std::to_string(store::AsInt(r[0])) + " " + store::AsText(r[1]) + " " +
             std::to_string(store::AsInt(r[2])) + "\n";
    }
    return out;
  };
  auto expect_exact = [&](const std::string& after) {
    const std::string kept = dump(
        "SELECT week, channel, touchpoints FROM touchpoint_weeks WHERE touchpoints <> 0 ORDER BY "
        "week, channel");
    const std::string grouped =
        dump("SELECT " + week +
             " AS w, COALESCE(channel, '') AS c, COUNT(*) FROM touchpoints GROUP BY 1, 2 ORDER "
             "BY 1, 2");
    EXPECT_EQ(kept, grouped) << "after " << after;
    EXPECT_FALSE(grouped.empty()) << after;
  };

  // Two weeks, several channels, one before 1970.
  const std::string first = R"({"batch": [
    {"type": "page", "anonymousId": "w-a", "messageId": "w1", "timestamp": "2024-05-05T23:59:59Z",
     "context": {"page": {"url": "https://acme.example/?utm_source=google&utm_medium=cpc"}}},
    {"type": "page", "anonymousId": "w-a", "messageId": "w2", "timestamp": "2024-05-06T00:00:00Z",
     "context": {"page": {"url": "https://acme.example/", "referrer": "https://www.google.com/"}}},
    {"type": "track", "anonymousId": "w-b", "messageId": "w3", "event": "Form Submitted",
     "timestamp": "2024-05-06T08:00:00Z"},
    {"type": "page", "anonymousId": "w-b", "messageId": "w4", "timestamp": "1969-12-31T12:00:00Z"},
    {"type": "identify", "anonymousId": "w-c", "messageId": "w5", "traits": {"title": "CMO"}}]})";
  EXPECT_EQ(Send(first).touchpoints, 4);
  expect_exact("a batch");

  // Group commits on the writer's own connection.
  Writer writer;
  for (int i = 0; i < 3; ++i) {
    auto parsed = ParseBody(
        R"({"batch": [{"type": "page", "anonymousId": "w-d", "messageId": "g)" + std::to_string(i) +
            R"(", "timestamp": "2024-05-13T10:00:00Z", "context": {"campaign": {"source": "news", "medium": "email"}}}]})",
        std::nullopt, kNow);
    ASSERT_TRUE(parsed.has_value());
    auto stored = writer.Store(*db_, key_, "/v1/batch", std::move(parsed->events), {});
    ASSERT_TRUE(stored.has_value()) << stored.error().ToString();
    EXPECT_EQ(stored->touchpoints, 1);
  }
  expect_exact("group commits");

  // A replay whose touchpoint was deleted meanwhile: inserted, then removed.
  ASSERT_TRUE(db_->Execute("DELETE FROM touchpoints WHERE message_id = 'w2'").has_value());
  expect_exact("a delete");
  const StoreReport replay = Send(first);
  EXPECT_EQ(replay.stored, 0);
  EXPECT_EQ(replay.duplicates, 5);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM touchpoints WHERE message_id = 'w2'"), 0);
  expect_exact("a replay");

  // Stitching and an account: contact and account ids change, not weeks.
  Send(R"({"batch": [
    {"type": "identify", "anonymousId": "w-a", "userId": "w-user", "messageId": "w6",
     "traits": {"email": "wendy@acme.example"}},
    {"type": "group", "userId": "w-user", "groupId": "acme", "messageId": "w7",
     "traits": {"name": "Acme"}},
    {"type": "identify", "anonymousId": "w-b", "userId": "w-user-2", "messageId": "w8",
     "traits": {"email": "walt@acme.example"}}]})");
  EXPECT_GT(Int("SELECT COUNT(*) FROM touchpoints WHERE contact_id IS NOT NULL"), 0);
  expect_exact("identify and group");

  // Imports insert, then update channels and times; a file may even use the
  // source name "tracking": its rows are not marked, so triggers count them.
  ingest::ImportOptions options;
  options.preset = ingest::Preset::kCanonical;
  const std::string csv =
      "external_id,occurred_at,type,channel,source,medium\n"
      "i1,2024-05-07,page_view,display,google,display\n"
      "i2,2024-05-20,email_click,email,news,email\n"
      "i3,2024-05-20,page_view,,,\n";
  auto imported = ingest::ImportCsvText(*db_, ingest::Kind::kTouchpoints, "t.csv", csv, options);
  ASSERT_TRUE(imported.has_value()) << imported.error().ToString();
  expect_exact("an import");
  const std::string changed =
      "external_id,occurred_at,type,channel,source,medium\n"
      "i1,2024-05-21,page_view,paid_social,facebook,paid\n"
      "i2,2024-05-20,email_click,partner,news,email\n";
  imported = ingest::ImportCsvText(*db_, ingest::Kind::kTouchpoints, "t.csv", changed, options);
  ASSERT_TRUE(imported.has_value()) << imported.error().ToString();
  expect_exact("an import that updates");
  options.source_system = "tracking";
  imported = ingest::ImportCsvText(*db_, ingest::Kind::kTouchpoints, "t.csv", csv, options);
  ASSERT_TRUE(imported.has_value()) << imported.error().ToString();
  EXPECT_EQ(Int("SELECT COUNT(*) FROM touchpoints WHERE source_system = 'tracking' AND "
                "weeks_counted IS NULL"),
            3);
  expect_exact("an import under the source name tracking");

  // Reclassification with other rules.
  ASSERT_TRUE(ingest::SaveChannelRules(
                  *db_,
                  "rules:\n  - {name: news, channel: partner, source: [news]}\ndefault: other\n",
                  "rules.yaml", "test")
                  .has_value());
  auto rules = ingest::LoadChannelRules(*db_);
  ASSERT_TRUE(rules.has_value()) << rules.error().ToString();
  auto reclassified = ingest::ReclassifyTouchpoints(*db_, *rules, ingest::ReclassifyOptions{});
  ASSERT_TRUE(reclassified.has_value()) << reclassified.error().ToString();
  EXPECT_GT(reclassified->changed, 0);
  expect_exact("a reclassification");
  // The writer's next group follows the stored rules.
  Send(R"({"batch": [{"type": "page", "anonymousId": "w-e", "messageId": "w9",
           "timestamp": "2024-05-13T10:00:00Z"}]})");
  EXPECT_EQ(Text("SELECT channel FROM touchpoints WHERE message_id = 'w9'"), "other");
  expect_exact("tracking under stored rules");

  // A survivorship merge of the two known contacts, and its undo.
  const int64_t a = Int("SELECT contact_id FROM identities WHERE value = 'w-user'");
  const int64_t b = Int("SELECT contact_id FROM identities WHERE value = 'w-user-2'");
  ASSERT_NE(a, b);
  auto config = quality::LoadQualityConfig(*db_);
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  const int64_t ids[] = {a, b};
  auto merged = quality::MergeRecords(*db_, "contacts", ids, config->survivorship, "test");
  ASSERT_TRUE(merged.has_value()) << merged.error().ToString();
  expect_exact("a merge");
  ASSERT_TRUE(quality::UndoMerge(*db_, merged->merge_id, "test").has_value());
  expect_exact("an undo");

  // Deletes.
  ASSERT_TRUE(db_->Execute("DELETE FROM touchpoints WHERE id % 2 = 0").has_value());
  expect_exact("deletes");
}

// The ingress routes' key cache: a revocation by this process holds at once,
// one written by another process (here: straight into the table) after the
// cache's age; refusals are never cached.
TEST_F(TrackingServiceTest, CachedKeyChecksFollowRevocations) {
  auto made = CreateWriteKey(*db_, "cached", {}, 0);
  ASSERT_TRUE(made.has_value());
  const std::string secret = made->secret;
  const auto hour = std::chrono::milliseconds(3'600'000);
  auto key = AuthenticateWriteKeyCached(*db_, secret, hour);
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_EQ(key->id, made->key.id);
  EXPECT_FALSE(AuthenticateWriteKeyCached(*db_, "wk_unknown", hour).has_value());

  ASSERT_TRUE(db_->Execute("UPDATE write_keys SET revoked_at = 1 WHERE id = ?",
                           std::vector<Value>{made->key.id})
                  .has_value());
  EXPECT_TRUE(AuthenticateWriteKeyCached(*db_, secret, hour).has_value());
  auto aged = AuthenticateWriteKeyCached(*db_, secret, std::chrono::milliseconds(0));
  ASSERT_FALSE(aged.has_value());
  EXPECT_EQ(aged.error().code, core::ErrorCode::kUnauthenticated);

  auto other = CreateWriteKey(*db_, "other", {}, 0);
  ASSERT_TRUE(other.has_value());
  ASSERT_TRUE(AuthenticateWriteKeyCached(*db_, other->secret, hour).has_value());
  ASSERT_TRUE(RevokeWriteKey(*db_, other->key.id).has_value());
  EXPECT_FALSE(AuthenticateWriteKeyCached(*db_, other->secret, hour).has_value());
}

}  // namespace
}  // namespace mops::tracking
