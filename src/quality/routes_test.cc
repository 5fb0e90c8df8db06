// The REST routes through the real server: roles, JSON errors, and the
// shapes the dashboard reads.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <future>
#include <thread>

#include "http/http.h"
#include "quality/test_util.h"
#include "tests/support/test_server.h"

namespace mops::quality {
namespace {

using testing::Backend;
using testing::WorkspaceTest;

class RoutesTest : public WorkspaceTest {};

INSTANTIATE_TEST_SUITE_P(Sqlite, RoutesTest, ::testing::Values(Backend::kSqlite),
                         testing::BackendName);

TEST_P(RoutesTest, RolesErrorsAndShapes) {
  Seed();
  const std::string admin = *http::CreateToken(db(), "admin", http::Role::kAdmin);
  const std::string ops = *http::CreateToken(db(), "ops", http::Role::kOps);
  const std::string viewer = *http::CreateToken(db(), "viewer", http::Role::kViewer);
  const std::string path = (dir_ / "workspace.db").string();

  test_support::TestServer server(path, [](http::Router& r) { RegisterRoutes(r); });

  httplib::Client client("127.0.0.1", server.port());
  auto as = [](const std::string& token) {
    return httplib::Headers{{"Authorization", "Bearer " + token}};
  };
  auto post = [&](const std::string& token, const std::string& url, const Json& body) {
    auto r = client.Post(url, as(token), body.dump(), "application/json");
    EXPECT_TRUE(r) << url;
    return std::make_pair(r ? r->status : 0, r ? Json::parse(r->body) : Json());
  };
  auto get = [&](const std::string& token, const std::string& url) {
    auto r = client.Get(url, as(token));
    EXPECT_TRUE(r) << url;
    return std::make_pair(r ? r->status : 0, r ? Json::parse(r->body) : Json());
  };

  // Standardize: ops may, a viewer may not; a dry run changes nothing.
  EXPECT_EQ(post(viewer, "/api/v1/quality/standardize", Json::object()).first, 403);
  auto preview = post(ops, "/api/v1/quality/standardize", {{"dry_run", true}});
  EXPECT_EQ(preview.first, 200);
  EXPECT_EQ(preview.second["dry_run"], true);
  EXPECT_GT(preview.second["records_changed"].get<int64_t>(), 0);
  EXPECT_EQ(post(ops, "/api/v1/quality/standardize", {{"dry_run", "yes"}}).first, 400);

  // Check: 404 before the first, then stored and served.
  auto none = get(viewer, "/api/v1/quality/check");
  EXPECT_EQ(none.first, 404);
  EXPECT_EQ(none.second["error"]["code"], "not_found");
  EXPECT_EQ(post(viewer, "/api/v1/quality/check", Json::object()).first, 403);
  auto checked = post(ops, "/api/v1/quality/check", {{"as_of", "2026-01-01"}});
  ASSERT_EQ(checked.first, 200) << checked.second.dump();
  auto last = get(viewer, "/api/v1/quality/check");
  EXPECT_EQ(last.first, 200);
  EXPECT_EQ(last.second["run_id"], checked.second["run_id"]);
  EXPECT_EQ(last.second["as_of"], "2026-01-01T00:00:00Z");
  auto bad_date = post(ops, "/api/v1/quality/check", {{"as_of", "someday"}});
  EXPECT_EQ(bad_date.first, 400);
  EXPECT_EQ(bad_date.second["error"]["details"]["field"], "as_of");
  auto scores = get(viewer, "/api/v1/quality/scores");
  EXPECT_EQ(scores.first, 200);
  EXPECT_FALSE(scores.second["items"].empty());

  // Rules: admin only; an invalid config names the rule.
  auto yaml = "rules:\n  - {name: bad, entity: contacts, type: required, fields: [nope]}\n";
  EXPECT_EQ(
      client.Put("/api/v1/quality/rules", as(ops), Json{{"yaml", yaml}}.dump(), "application/json")
          ->status,
      403);
  auto refused = client.Put("/api/v1/quality/rules", as(admin), Json{{"yaml", yaml}}.dump(),
                            "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_NE(Json::parse(refused->body)["error"]["message"].get<std::string>().find("rule 'bad'"),
            std::string::npos);
  auto rules = get(viewer, "/api/v1/quality/rules");
  EXPECT_EQ(rules.second["default"], true);

  // Violations.
  auto violations = get(ops, "/api/v1/quality/violations?rule=customer_has_account");
  EXPECT_EQ(violations.first, 200);
  EXPECT_EQ(violations.second["total"], 1);
  EXPECT_EQ(violations.second["items"][0]["record_id"], 3);
  EXPECT_EQ(get(ops, "/api/v1/quality/violations?rule=nope").first, 404);
  EXPECT_EQ(get(ops, "/api/v1/quality/violations?limit=0").first, 400);

  // Merge, list, undo.
  EXPECT_EQ(post(ops, "/api/v1/quality/merge", {{"entity", "contacts"}}).first, 503);
  EXPECT_EQ(post(ops, "/api/v1/quality/merge", {{"entity", "contacts"}, {"ids", "1,2"}}).first,
            400);
  auto merged = post(ops, "/api/v1/quality/merge", {{"entity", "contacts"}, {"ids", {1, 2}}});
  ASSERT_EQ(merged.first, 200) << merged.second.dump();
  const int64_t merge_id = merged.second["merge_id"];
  auto list = get(viewer, "/api/v1/quality/merges");
  ASSERT_EQ(list.second["items"].size(), 1u);
  EXPECT_EQ(list.second["items"][0]["merge_id"], merge_id);
  EXPECT_EQ(list.second["items"][0]["undone_at"], nullptr);
  const std::string undo = "/api/v1/quality/merges/" + std::to_string(merge_id) + "/undo";
  EXPECT_EQ(post(viewer, undo, Json::object()).first, 403);
  EXPECT_EQ(post(ops, undo, Json::object()).first, 200);
  EXPECT_EQ(post(ops, undo, Json::object()).first, 409);
  // A path id that is not a whole positive integer is a bad request.
  EXPECT_EQ(post(ops, "/api/v1/quality/merges/abc/undo", Json::object()).first, 400);
  EXPECT_EQ(post(ops, "/api/v1/quality/merges/999999/undo", Json::object()).first, 404);

  // Lead-to-account matching.
  auto match = post(ops, "/api/v1/quality/match-accounts", {{"dry_run", true}});
  EXPECT_EQ(match.first, 200);
  EXPECT_EQ(match.second["contacts"], 3);
  EXPECT_EQ(post(ops, "/api/v1/quality/match-accounts", {{"min_similarity", 2}}).first, 400);

  // The routes are documented.
  auto openapi = get(viewer, "/api/v1/openapi.json");
  EXPECT_TRUE(openapi.second["paths"].contains("/api/v1/quality/merges/{id}/undo"));
}

// Strict inputs (issue 10): unknown body fields and over-large limits get 400
// naming the field; nothing is changed.
TEST_P(RoutesTest, UnknownFieldsAndLimitsAreRefused) {
  Seed();
  const std::string admin = *http::CreateToken(db(), "admin", http::Role::kAdmin);
  const std::string path = (dir_ / "workspace.db").string();
  test_support::TestServer server(path, [](http::Router& r) { RegisterRoutes(r); });
  httplib::Client client("127.0.0.1", server.port());
  const httplib::Headers auth = {{"Authorization", "Bearer " + admin}};
  auto refused = [&](const std::string& method, const std::string& url, const Json& body,
                     const std::string& field) {
    auto r = method == "PUT" ? client.Put(url, auth, body.dump(), "application/json")
                             : client.Post(url, auth, body.dump(), "application/json");
    ASSERT_TRUE(r) << url;
    EXPECT_EQ(r->status, 400) << url << ": " << r->body;
    const Json error = Json::parse(r->body)["error"];
    EXPECT_EQ(error["details"]["field"], field) << url << ": " << r->body;
    EXPECT_NE(error["message"].get<std::string>().find("unknown field '" + field + "'"),
              std::string::npos)
        << r->body;
  };
  refused("POST", "/api/v1/quality/standardize", {{"dry_run", true}, {"dryrun", true}}, "dryrun");
  refused("PUT", "/api/v1/quality/rules", {{"yaml", "rules: []\n"}, {"force", true}}, "force");
  refused("POST", "/api/v1/quality/check", {{"store", false}, {"asof", "2025-01-01"}}, "asof");
  refused("POST", "/api/v1/quality/merge", {{"entity", "contacts"}, {"id", {1, 2}}}, "id");
  refused("POST", "/api/v1/quality/merges/1/undo", {{"really", true}}, "really");
  refused("POST", "/api/v1/quality/match-accounts", {{"dry_run", true}, {"min", 0.5}}, "min");
  // Nothing was merged by the refused merge.
  auto merges = client.Get("/api/v1/quality/merges", auth);
  ASSERT_TRUE(merges);
  EXPECT_EQ(Json::parse(merges->body)["items"].size(), 0u);

  auto over = client.Get("/api/v1/quality/merges?limit=1001", auth);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 400);
  EXPECT_NE(Json::parse(over->body)["error"]["message"].get<std::string>().find("at most 1000"),
            std::string::npos)
      << over->body;
}

}  // namespace
}  // namespace mops::quality
