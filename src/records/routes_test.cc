// The record routes through the real server: strict query inputs.
#include "records/routes.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>

#include "http/http.h"
#include "tests/support/test_server.h"

namespace mops::records {
namespace {

using http::Json;

class RecordRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("mops_records_routes_test_" + std::to_string(getpid()) + ".db");
    Remove();
    auto db = store::Open(path_.string());
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    ASSERT_TRUE(store::Migrate(**db).has_value());
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE((*db)
                      ->Execute("INSERT INTO contacts (source_system, external_id, email, "
                                "created_at) VALUES ('csv', ?, ?, ?)",
                                std::vector<store::Value>{"c" + std::to_string(i),
                                                          "p" + std::to_string(i) + "@x.com",
                                                          int64_t{1'700'000'000 + i}})
                      .has_value());
    }
    token_ = *http::CreateToken(**db, "viewer", http::Role::kViewer);
  }
  void TearDown() override { Remove(); }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_.string() + suffix);
  }

  std::filesystem::path path_;
  std::string token_;
};

TEST_F(RecordRoutesTest, LimitOverTheMaximumIsRefusedNotClamped) {
  test_support::TestServer server(path_.string(), [](http::Router& r) { RegisterRoutes(r); });
  httplib::Client client("127.0.0.1", server.port());
  const httplib::Headers auth = {{"Authorization", "Bearer " + token_}};

  auto max = client.Get("/api/v1/contacts?limit=1000", auth);
  ASSERT_TRUE(max);
  EXPECT_EQ(max->status, 200);
  EXPECT_EQ(Json::parse(max->body)["items"].size(), 3u);

  for (const char* url : {"/api/v1/contacts?limit=1001", "/api/v1/touchpoints?limit=5000",
                          "/api/v1/opportunities?limit=99999999999"}) {
    auto over = client.Get(url, auth);
    ASSERT_TRUE(over) << url;
    EXPECT_EQ(over->status, 400) << url;
    const Json error = Json::parse(over->body)["error"];
    EXPECT_EQ(error["details"]["field"], "limit") << over->body;
    EXPECT_NE(error["message"].get<std::string>().find("at most 1000"), std::string::npos)
        << over->body;
  }
  auto garbage = client.Get("/api/v1/contacts?limit=12abc", auth);
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
}

TEST_F(RecordRoutesTest, FromAfterToIsRefused) {
  test_support::TestServer server(path_.string(), [](http::Router& r) { RegisterRoutes(r); });
  httplib::Client client("127.0.0.1", server.port());
  const httplib::Headers auth = {{"Authorization", "Bearer " + token_}};

  auto ok = client.Get("/api/v1/contacts?from=2023-01-01&to=2024-01-01", auth);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto reversed = client.Get("/api/v1/contacts?from=2024-01-01&to=2023-01-01", auth);
  ASSERT_TRUE(reversed);
  EXPECT_EQ(reversed->status, 400);
  const Json error = Json::parse(reversed->body)["error"];
  EXPECT_EQ(error["code"], "invalid_argument");
  EXPECT_EQ(error["details"]["field"], "from");
  EXPECT_NE(error["message"].get<std::string>().find("is after to"), std::string::npos);
}

}  // namespace
}  // namespace mops::records
