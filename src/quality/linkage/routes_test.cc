// The review routes through a real server: roles, listing with records side
// by side, accept and reject, JSON errors.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <thread>

#include "http/http.h"
#include "quality/linkage/linkage.h"
#include "quality/linkage/test_seed.h"
#include "tests/support/test_server.h"

namespace mops::quality::linkage {
namespace {

using http::Json;

TEST(ReviewRoutes, ListAcceptRejectAndErrors) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("mops-linkage-routes-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "ws.db").string();
  std::string ops, viewer;
  {
    auto db = store::Open(path);
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(store::Migrate(**db).has_value());
    testing::SeedContacts(**db);
    ops = *http::CreateToken(**db, "ops", http::Role::kOps);
    viewer = *http::CreateToken(**db, "viewer", http::Role::kViewer);
  }
  test_support::TestServer server(path, [](http::Router& r) { RegisterRoutes(r); });

  httplib::Client client("127.0.0.1", server.port());
  const httplib::Headers as_ops = {{"Authorization", "Bearer " + ops}};
  const httplib::Headers as_viewer = {{"Authorization", "Bearer " + viewer}};

  // Empty queue before matching; viewers may not run matching.
  auto empty = client.Get("/api/v1/quality/review?entity=contacts", as_viewer);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 200);
  EXPECT_TRUE(Json::parse(empty->body)["items"].empty());
  auto denied = client.Post("/api/v1/quality/match", as_viewer, "{}", "application/json");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);

  auto match =
      client.Post("/api/v1/quality/match", as_ops, R"({"entity":"contacts"})", "application/json");
  ASSERT_TRUE(match);
  ASSERT_EQ(match->status, 200) << match->body;
  EXPECT_EQ(Json::parse(match->body)["match"], 30);

  auto list = client.Get("/api/v1/quality/review?entity=contacts&status=match&limit=5", as_viewer);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200);
  const Json items = Json::parse(list->body)["items"];
  ASSERT_EQ(items.size(), 5u);
  // The total is what the filter holds, not the page; offset pages on.
  EXPECT_EQ(Json::parse(list->body)["total"], 30);
  auto second_page =
      client.Get("/api/v1/quality/review?entity=contacts&status=match&limit=5&offset=5", as_viewer);
  ASSERT_TRUE(second_page);
  ASSERT_EQ(second_page->status, 200);
  const Json page2 = Json::parse(second_page->body)["items"];
  ASSERT_EQ(page2.size(), 5u);
  for (const Json& a : items) {
    for (const Json& b : page2) EXPECT_NE(a["id"], b["id"]);
  }
  const Json& first = items[0];
  EXPECT_EQ(first["record_a"]["id"], first["record_a"]["id"].get<int64_t>());
  EXPECT_TRUE(first["record_a"].contains("email"));
  EXPECT_TRUE(first["record_b"].contains("first_name"));
  ASSERT_TRUE(first["explanation"].is_array());
  EXPECT_EQ(first["explanation"][0]["field"], "email");

  const std::string id = std::to_string(first["id"].get<int64_t>());
  auto viewer_accept =
      client.Post("/api/v1/quality/review/" + id + "/accept", as_viewer, "", "application/json");
  ASSERT_TRUE(viewer_accept);
  EXPECT_EQ(viewer_accept->status, 403);
  auto accept =
      client.Post("/api/v1/quality/review/" + id + "/accept", as_ops, "", "application/json");
  ASSERT_TRUE(accept);
  ASSERT_EQ(accept->status, 200) << accept->body;
  EXPECT_EQ(Json::parse(accept->body)["pair"]["status"], "accepted");
  EXPECT_TRUE(Json::parse(accept->body)["merge_id"].is_null());
  auto again =
      client.Post("/api/v1/quality/review/" + id + "/reject", as_ops, "", "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409);
  EXPECT_EQ(Json::parse(again->body)["error"]["code"], "conflict");

  const std::string other = std::to_string(items[1]["id"].get<int64_t>());
  auto reject =
      client.Post("/api/v1/quality/review/" + other + "/reject", as_ops, "", "application/json");
  ASSERT_TRUE(reject);
  EXPECT_EQ(Json::parse(reject->body)["pair"]["status"], "rejected");

  auto missing = client.Post("/api/v1/quality/review/abc/accept", as_ops, "", "application/json");
  ASSERT_TRUE(missing);
  // A path id that is not a whole positive integer is a bad request.
  EXPECT_EQ(missing->status, 400);
  auto unknown =
      client.Post("/api/v1/quality/review/999999/accept", as_ops, "", "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  auto bad_entity = client.Get("/api/v1/quality/review?entity=leads", as_viewer);
  ASSERT_TRUE(bad_entity);
  EXPECT_EQ(bad_entity->status, 400);
  EXPECT_EQ(Json::parse(bad_entity->body)["error"]["details"]["field"], "entity");
  auto bad_limit = client.Get("/api/v1/quality/review?limit=x", as_viewer);
  ASSERT_TRUE(bad_limit);
  EXPECT_EQ(bad_limit->status, 400);
  // Over the maximum: refused naming it, not clamped.
  auto over = client.Get("/api/v1/quality/review?limit=1001", as_viewer);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 400);
  EXPECT_NE(Json::parse(over->body)["error"]["message"].get<std::string>().find("at most 1000"),
            std::string::npos);
  // Unknown body fields are named, not ignored.
  auto unknown_field = client.Post("/api/v1/quality/match", as_ops,
                                   R"({"entity":"contacts","k":3})", "application/json");
  ASSERT_TRUE(unknown_field);
  EXPECT_EQ(unknown_field->status, 400);
  EXPECT_EQ(Json::parse(unknown_field->body)["error"]["details"]["field"], "k");
  auto accept_extra = client.Post("/api/v1/quality/review/1/accept", as_ops, R"({"merge":false})",
                                  "application/json");
  ASSERT_TRUE(accept_extra);
  EXPECT_EQ(accept_extra->status, 400);
  EXPECT_EQ(Json::parse(accept_extra->body)["error"]["details"]["field"], "merge");
  for (const char* bad : {"offset=x", "offset=-1"}) {
    auto bad_offset = client.Get(std::string("/api/v1/quality/review?") + bad, as_viewer);
    ASSERT_TRUE(bad_offset);
    EXPECT_EQ(bad_offset->status, 400) << bad;
    EXPECT_EQ(Json::parse(bad_offset->body)["error"]["details"]["field"], "offset") << bad;
  }

  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mops::quality::linkage
