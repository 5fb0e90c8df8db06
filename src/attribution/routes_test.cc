// The attribution routes through the real server: strict inputs, and errors
// that are mops's own (no JSON library text reaches the client).
#include "attribution/routes.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>

#include "http/http.h"
#include "tests/support/test_server.h"

namespace mops::attribution {
namespace {

using http::Json;

class AttributionRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("mops_attribution_routes_test_" + std::to_string(getpid()) + ".db");
    Remove();
    auto db = store::Open(path_.string());
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    ASSERT_TRUE(store::Migrate(**db).has_value());
    token_ = *http::CreateToken(**db, "analyst", http::Role::kAnalyst);
  }
  void TearDown() override { Remove(); }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_.string() + suffix);
  }

  std::filesystem::path path_;
  std::string token_;
};

TEST_F(AttributionRoutesTest, BadRunRequestsNameTheField) {
  test_support::TestServer server(path_.string(), [](http::Router& r) { RegisterRoutes(r); });
  httplib::Client client("127.0.0.1", server.port());
  const httplib::Headers auth = {{"Authorization", "Bearer " + token_}};
  auto post = [&](const std::string& body) {
    auto r = client.Post("/api/v1/attribution/runs", auth, body, "application/json");
    EXPECT_TRUE(r);
    return r ? std::make_pair(r->status, Json::parse(r->body)) : std::make_pair(0, Json());
  };
  struct Case {
    const char* body;
    const char* field;
    const char* message;
  };
  for (const Case& c : {
           Case{R"({"modles": ["linear"]})", "modles", "unknown field 'modles'"},
           Case{R"({"lookback_days": "ninety"})", "lookback_days",
                "lookback_days must be a whole number of days"},
           Case{R"({"models": [1, 2]})", "models", "models must be"},
           Case{R"({"position_based": [0.4]})", "position_based", "position_based must be"},
           Case{R"({"exclude_types": "email"})", "exclude_types", "exclude_types must be"},
           Case{R"({"from": 20250101})", "from", "from must be an ISO-8601"},
           Case{R"({"from": "2025-06-01", "to": "2025-01-01"})", "from", "is after to"},
       }) {
    auto [status, body] = post(c.body);
    EXPECT_EQ(status, 400) << c.body << ": " << body.dump();
    const Json& error = body["error"];
    EXPECT_EQ(error["code"], "invalid_argument") << c.body;
    EXPECT_EQ(error["details"]["field"], c.field) << c.body << ": " << body.dump();
    const std::string message = error["message"].get<std::string>();
    EXPECT_NE(message.find(c.message), std::string::npos) << c.body << ": " << message;
    // nlohmann's what() reads "[json.exception.type_error.302] type must be ...".
    EXPECT_EQ(message.find("json.exception"), std::string::npos) << message;
    EXPECT_EQ(message.find("type must be"), std::string::npos) << message;
  }
  auto [status, body] = post("{not json");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["error"]["message"], "request body is not valid JSON");
}

TEST_F(AttributionRoutesTest, LimitOverTheMaximumIsRefused) {
  test_support::TestServer server(path_.string(), [](http::Router& r) { RegisterRoutes(r); });
  httplib::Client client("127.0.0.1", server.port());
  const httplib::Headers auth = {{"Authorization", "Bearer " + token_}};
  auto ok = client.Get("/api/v1/attribution/runs?limit=1000", auth);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto over = client.Get("/api/v1/attribution/runs?limit=1001", auth);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 400);
  const Json error = Json::parse(over->body)["error"];
  EXPECT_EQ(error["details"]["field"], "limit");
  EXPECT_NE(error["message"].get<std::string>().find("at most 1000"), std::string::npos);
  auto garbage = client.Get("/api/v1/attribution/runs?limit=ten", auth);
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400) << "a bad limit used to fall back silently";
  auto credits =
      client.Get("/api/v1/attribution/runs/1/credits?model=linear&channel=email&limit=10001", auth);
  ASSERT_TRUE(credits);
  EXPECT_EQ(credits->status, 400);
}

}  // namespace
}  // namespace mops::attribution
