// The tracking API through the real server on loopback: write-key
// credentials, every error case, gzip, CORS, rate limits, settings documents,
// and messageId replays across a restart.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sodium.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>

#include "tests/support/test_server.h"
#include "tracking/tracking.h"

namespace mops::tracking {
namespace {

namespace fs = std::filesystem;

std::string Gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Basic(const std::string& user) {
  const std::string raw = user + ":";
  std::string b64(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  return "Basic " + b64;
}

class TrackingRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() /
            ("mops_tracking_routes_test_" + std::to_string(getpid()) + ".db");
    Remove();
    auto db = store::Open(path_.string());
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(store::Migrate(**db).has_value());
    db_ = std::move(*db);
    key_ = CreateWriteKey(*db_, "site", {"https://www.acme.example"}, 0)->secret;
    admin_ = *http::CreateToken(*db_, "admin", http::Role::kAdmin);
  }
  void TearDown() override {
    db_.reset();
    Remove();
  }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path_.string() + suffix);
  }
  std::unique_ptr<test_support::TestServer> Start() {
    return std::make_unique<test_support::TestServer>(path_.string(),
                                                      [](http::Router& r) { RegisterRoutes(r); });
  }
  int64_t Count(const std::string& sql) { return store::AsInt(*db_->QueryValue(sql)); }

  fs::path path_;
  std::unique_ptr<store::Database> db_;
  std::string key_;
  std::string admin_;
};

TEST_F(TrackingRoutesTest, BasicAuthOrBodyKeyAndEveryCredentialError) {
  auto server = Start();
  httplib::Client c("127.0.0.1", server->port());
  const std::string event = R"({"userId":"u1","event":"Signed Up","messageId":"m1"})";
  auto ok = c.Post("/v1/track", {{"Authorization", Basic(key_)}}, event, "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(http::Json::parse(ok->body)["success"], true);

  auto body_key = c.Post(
      "/v1/track", {},
      R"({"writeKey":")" + key_ + R"(","userId":"u1","event":"x","messageId":"m2"})", "text/plain");
  ASSERT_TRUE(body_key);
  EXPECT_EQ(body_key->status, 200) << body_key->body;

  auto none = c.Post("/v1/track", event, "application/json");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_NE(none->body.find("missing write key"), std::string::npos);

  auto unknown =
      c.Post("/v1/track", {{"Authorization", Basic("wk_nope")}}, event, "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401);

  // A write key opens no read route, in any form.
  for (const std::string& auth : {Basic(key_), "Bearer " + key_}) {
    auto read = c.Get("/api/v1/tracking/summary", {{"Authorization", auth}});
    ASSERT_TRUE(read);
    EXPECT_EQ(read->status, 401) << auth;
  }
  auto admin_read = c.Get("/api/v1/tracking/summary", {{"Authorization", "Bearer " + admin_}});
  ASSERT_TRUE(admin_read);
  EXPECT_EQ(admin_read->status, 200);
  // Nor does an API token send events.
  auto token_send =
      c.Post("/v1/track", {{"Authorization", "Bearer " + admin_}}, event, "application/json");
  ASSERT_TRUE(token_send);
  EXPECT_EQ(token_send->status, 401);

  // Revoked: refused from then on.
  auto keys = c.Get("/api/v1/tracking/writekeys", {{"Authorization", "Bearer " + admin_}});
  ASSERT_TRUE(keys);
  const int64_t id = http::Json::parse(keys->body)["items"][0]["id"];
  auto revoke = c.Delete("/api/v1/tracking/writekeys/" + std::to_string(id),
                         {{"Authorization", "Bearer " + admin_}});
  ASSERT_TRUE(revoke);
  EXPECT_EQ(revoke->status, 200);
  auto revoked = c.Post("/v1/track", {{"Authorization", Basic(key_)}}, event, "application/json");
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->status, 401);
  EXPECT_NE(revoked->body.find("revoked"), std::string::npos);
}

TEST_F(TrackingRoutesTest, BadEventsGet400NamingTheProblemAndBatchesKeepGoodItems) {
  auto server = Start();
  httplib::Client c("127.0.0.1", server->port());
  const httplib::Headers auth = {{"Authorization", Basic(key_)}};
  auto field_of = [](const httplib::Result& r) {
    return http::Json::parse(r->body)["error"]["details"].value("field", "");
  };

  auto malformed = c.Post("/v1/track", auth, "{\"userId\": ", "application/json");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_NE(malformed->body.find("not valid JSON"), std::string::npos);

  auto no_ids = c.Post("/v1/track", auth, R"({"event":"x"})", "application/json");
  ASSERT_TRUE(no_ids);
  EXPECT_EQ(no_ids->status, 400);
  EXPECT_EQ(field_of(no_ids), "userId");

  auto no_event = c.Post("/v1/track", auth, R"({"userId":"u"})", "application/json");
  ASSERT_TRUE(no_event);
  EXPECT_EQ(no_event->status, 400);
  EXPECT_EQ(field_of(no_event), "event");

  const std::string big =
      R"({"userId":"u","event":"x","properties":{"b":")" + std::string(40 * 1024, 'a') + "\"}}";
  auto over = c.Post("/v1/track", auth, big, "application/json");
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 400);
  EXPECT_NE(over->body.find("over 32768 bytes"), std::string::npos);

  std::string huge = R"({"batch":[)";
  while (huge.size() < 520 * 1024) huge += R"({"type":"page","anonymousId":"a"},)";
  huge += R"({"type":"page","anonymousId":"a"}]})";
  auto over_batch = c.Post("/v1/batch", auth, huge, "application/json");
  ASSERT_TRUE(over_batch);
  EXPECT_EQ(over_batch->status, 400);
  EXPECT_NE(over_batch->body.find("over 512000 bytes"), std::string::npos);

  auto mixed = c.Post("/v1/batch", auth, R"({"batch":[
      {"type":"track","userId":"u","event":"Form Submitted","messageId":"good"},
      {"type":"launch","userId":"u","messageId":"bad-type"},
      {"type":"page","messageId":"no-ids"}]})",
                      "application/json");
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->status, 200) << mixed->body;
  const http::Json m = http::Json::parse(mixed->body);
  EXPECT_EQ(m["accepted"], 1);
  ASSERT_EQ(m["rejected"].size(), 2u);
  EXPECT_EQ(m["rejected"][0]["index"], 1);
  EXPECT_EQ(m["rejected"][0]["field"], "type");
  EXPECT_EQ(m["rejected"][1]["index"], 2);
  EXPECT_EQ(m["rejected"][1]["field"], "userId");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tracking_events WHERE message_id = 'good'"), 1);

  auto all_bad =
      c.Post("/v1/batch", auth, R"({"batch":[{"type":"nope","userId":"u"}]})", "application/json");
  ASSERT_TRUE(all_bad);
  EXPECT_EQ(all_bad->status, 400);

  // Every refusal is on record with its reason.
  auto rejections = c.Get("/api/v1/tracking/rejections", {{"Authorization", "Bearer " + admin_}});
  ASSERT_TRUE(rejections);
  EXPECT_GE(http::Json::parse(rejections->body)["items"].size(), 5u);
}

TEST_F(TrackingRoutesTest, GzipBodiesWithTheirInflatedSizeLimited) {
  auto server = Start();
  httplib::Client c("127.0.0.1", server->port());
  const httplib::Headers gz = {{"Authorization", Basic(key_)}, {"Content-Encoding", "gzip"}};
  auto ok = c.Post("/v1/batch", gz,
                   Gzip(R"({"batch":[{"type":"page","anonymousId":"a","messageId":"z1"}]})"),
                   "application/x-www-form-urlencoded");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tracking_events WHERE message_id = 'z1'"), 1);

  // 20 MB of spaces compress to ~20 KB: refused after inflating 500 KB.
  const std::string bomb = Gzip(R"({"batch":[)" + std::string(20 * 1024 * 1024, ' ') + "]}");
  ASSERT_LT(bomb.size(), 500u * 1024);
  auto refused = c.Post("/v1/batch", gz, bomb, "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_NE(refused->body.find("inflated body is over"), std::string::npos);

  auto garbage = c.Post("/v1/batch", gz, "not gzip at all", "application/json");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
}

TEST_F(TrackingRoutesTest, RateLimitGives429WithRetryAfter) {
  const std::string limited = CreateWriteKey(*db_, "limited", {}, 2)->secret;
  auto server = Start();
  httplib::Client c("127.0.0.1", server->port());
  int ok = 0;
  int refused = 0;
  std::string retry_after;
  for (int i = 0; i < 6; ++i) {
    auto r = c.Post("/v1/page", {{"Authorization", Basic(limited)}},
                    R"({"anonymousId":"a","messageId":"r)" + std::to_string(i) + "\"}",
                    "application/json");
    ASSERT_TRUE(r);
    if (r->status == 200) ++ok;
    if (r->status == 429) {
      ++refused;
      retry_after = r->get_header_value("Retry-After");
    }
  }
  EXPECT_GE(ok, 2);
  EXPECT_GE(refused, 1);
  EXPECT_EQ(retry_after, "1");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tracking_events"), ok);
}

TEST_F(TrackingRoutesTest, CorsOnlyForTheKeysOrigins) {
  auto server = Start();
  httplib::Client c("127.0.0.1", server->port());
  auto preflight = c.Options("/v1/batch", {{"Origin", "https://www.acme.example"},
                                           {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Origin"), "https://www.acme.example");

  auto other = c.Options("/v1/batch", {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403);
  EXPECT_EQ(other->get_header_value("Access-Control-Allow-Origin"), "");

  auto post =
      c.Post("/v1/page", {{"Authorization", Basic(key_)}, {"Origin", "https://evil.example"}},
             R"({"anonymousId":"a"})", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 403);
  auto allowed = c.Post("/v1/page", {{"Origin", "https://www.acme.example"}},
                        R"({"anonymousId":"a","writeKey":")" + key_ + "\"}", "text/plain");
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200) << allowed->body;
  EXPECT_EQ(allowed->get_header_value("Access-Control-Allow-Origin"), "https://www.acme.example");
  // The API routes have no CORS.
  auto api = c.Options("/api/v1/tracking/summary", {{"Origin", "https://www.acme.example"}});
  ASSERT_TRUE(api);
  EXPECT_EQ(api->get_header_value("Access-Control-Allow-Origin"), "");
}

TEST_F(TrackingRoutesTest, SettingsDocumentsForTheBrowserSdks) {
  auto server = Start();
  httplib::Client c("127.0.0.1", server->port());
  auto segment = c.Get("/v1/projects/" + key_ + "/settings");
  ASSERT_TRUE(segment);
  ASSERT_EQ(segment->status, 200) << segment->body;
  const http::Json s = http::Json::parse(segment->body);
  EXPECT_EQ(s["integrations"]["Segment.io"]["apiHost"],
            "127.0.0.1:" + std::to_string(server->port()) + "/v1");
  EXPECT_EQ(s["integrations"]["Segment.io"]["protocol"], "http");
  auto bad = c.Get("/v1/projects/wk_unknown/settings");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);

  auto rudder = c.Get("/sourceConfig/?p=npm&v=3.0.0", {{"Authorization", Basic(key_)}});
  ASSERT_TRUE(rudder);
  ASSERT_EQ(rudder->status, 200) << rudder->body;
  EXPECT_EQ(http::Json::parse(rudder->body)["source"]["enabled"], true);
}

TEST_F(TrackingRoutesTest, MessageIdReplayAfterRestartIsAcknowledgedNotStored) {
  const std::string body =
      R"({"batch":[{"type":"track","userId":"u","event":"Signed Up","messageId":"once"}]})";
  {
    auto server = Start();
    httplib::Client c("127.0.0.1", server->port());
    auto first = c.Post("/v1/batch", {{"Authorization", Basic(key_)}}, body, "application/json");
    ASSERT_TRUE(first);
    EXPECT_EQ(http::Json::parse(first->body)["stored"], 1) << first->status << " " << first->body;
  }
  auto server = Start();
  httplib::Client c("127.0.0.1", server->port());
  auto replay = c.Post("/v1/batch", {{"Authorization", Basic(key_)}}, body, "application/json");
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 200) << replay->body;
  EXPECT_EQ(http::Json::parse(replay->body)["duplicates"], 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tracking_events"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM touchpoints"), 1);
}

}  // namespace
}  // namespace mops::tracking
