// The enrichment routes through the real server: roles, JSON errors, and
// the shapes the dashboard reads.
#include "records/routes.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>

#include "http/http.h"
#include "quality/enrich/enrich.h"
#include "store/database.h"
#include "tests/support/test_server.h"

namespace mops::quality::enrich {
namespace {

using store::Value;

TEST(EnrichRoutes, RolesErrorsAndShapes) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("mops_enrich_routes_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "ws.db").string();
  std::string admin, ops, analyst, viewer;
  {
    auto db = store::Open(path);
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(store::Migrate(**db).has_value());
    ASSERT_TRUE((*db)
                    ->Execute("INSERT INTO accounts (id, source_system, external_id, name, "
                              "website, industry) VALUES (1, 'crm', 'A1', 'Kessler GmbH', "
                              "'kessler-maschinen.de', 'Manufacturing')")
                    .has_value());
    ASSERT_TRUE((*db)
                    ->Execute("INSERT INTO contacts (id, source_system, external_id, email, "
                              "title, account_id) VALUES (1, 'crm', 'C1', "
                              "'helga@kessler-maschinen.de', 'VP Marketing', 1)")
                    .has_value());
    admin = *http::CreateToken(**db, "admin", http::Role::kAdmin);
    ops = *http::CreateToken(**db, "ops", http::Role::kOps);
    analyst = *http::CreateToken(**db, "analyst", http::Role::kAnalyst);
    viewer = *http::CreateToken(**db, "viewer", http::Role::kViewer);
  }
  {
    test_support::TestServer server(path, [](http::Router& r) {
      RegisterRoutes(r);
      records::RegisterRoutes(r);
    });
    httplib::Client client("127.0.0.1", server.port());
    auto as = [](const std::string& token) {
      return httplib::Headers{{"Authorization", "Bearer " + token}};
    };
    auto send = [&](const std::string& method, const std::string& token, const std::string& url,
                    const Json& body) {
      auto r = method == "PUT" ? client.Put(url, as(token), body.dump(), "application/json")
                               : client.Post(url, as(token), body.dump(), "application/json");
      EXPECT_TRUE(r) << url;
      return std::make_pair(r ? r->status : 0, r ? Json::parse(r->body) : Json());
    };
    auto get = [&](const std::string& token, const std::string& url) {
      auto r = client.Get(url, as(token));
      EXPECT_TRUE(r) << url;
      return std::make_pair(r ? r->status : 0, r ? Json::parse(r->body) : Json());
    };

    // Reading runs takes an analyst; running takes ops.
    EXPECT_EQ(get(viewer, "/api/v1/quality/enrich/runs").first, 403);
    EXPECT_EQ(send("POST", viewer, "/api/v1/quality/enrich", Json::object()).first, 403);
    EXPECT_EQ(send("POST", analyst, "/api/v1/quality/enrich", Json::object()).first, 403);
    auto dry = send("POST", ops, "/api/v1/quality/enrich", {{"dry_run", true}});
    ASSERT_EQ(dry.first, 200) << dry.second.dump();
    EXPECT_TRUE(dry.second["run_id"].is_null());
    EXPECT_GT(dry.second["fields_changed"].get<int64_t>(), 0);
    // Strict inputs.
    auto unknown = send("POST", ops, "/api/v1/quality/enrich", {{"dryrun", true}});
    EXPECT_EQ(unknown.first, 400);
    EXPECT_EQ(unknown.second["error"]["code"], "invalid_argument");
    EXPECT_EQ(send("POST", ops, "/api/v1/quality/enrich", {{"dry_run", "yes"}}).first, 400);
    EXPECT_EQ(send("POST", ops, "/api/v1/quality/enrich", {{"source", "dnb"}}).first, 400);
    EXPECT_EQ(get(analyst, "/api/v1/quality/enrich/runs?limit=0").first, 400);
    // A run, its report, the record's provenance, the undo.
    auto run = send("POST", ops, "/api/v1/quality/enrich", Json::object());
    ASSERT_EQ(run.first, 200) << run.second.dump();
    const int64_t id = run.second["run_id"].get<int64_t>();
    auto runs = get(analyst, "/api/v1/quality/enrich/runs");
    ASSERT_EQ(runs.first, 200);
    EXPECT_EQ(runs.second["items"][0]["run_id"], id);
    EXPECT_EQ(runs.second["latest"]["run_id"], id);
    EXPECT_TRUE(runs.second["latest"]["fields"].is_array());
    auto detail = get(analyst, "/api/v1/quality/enrich/runs/" + std::to_string(id));
    EXPECT_EQ(detail.first, 200);
    EXPECT_EQ(get(analyst, "/api/v1/quality/enrich/runs/999").first, 404);
    auto contact = get(viewer, "/api/v1/contacts/1");
    ASSERT_EQ(contact.first, 200);
    EXPECT_EQ(contact.second["industry"], "Manufacturing");
    EXPECT_EQ(contact.second["provenance"]["industry"]["source"], "inferred");
    EXPECT_EQ(contact.second["provenance"]["seniority"]["reason"], "title 'VP Marketing'");
    EXPECT_EQ(get(analyst, "/api/v1/quality/enrich/conflicts").first, 200);
    EXPECT_EQ(get(analyst, "/api/v1/quality/enrich/stale").first, 200);
    const std::string undo = "/api/v1/quality/enrich/runs/" + std::to_string(id) + "/undo";
    EXPECT_EQ(send("POST", viewer, undo, Json::object()).first, 403);
    EXPECT_EQ(send("POST", ops, undo, Json::object()).first, 200);
    EXPECT_EQ(send("POST", ops, undo, Json::object()).first, 409);
    auto after = get(viewer, "/api/v1/contacts/1");
    EXPECT_TRUE(after.second["industry"].is_null());
    EXPECT_FALSE(after.second.contains("provenance"));
    // The config: anyone reads it, only admin sets it.
    auto config = get(viewer, "/api/v1/quality/enrich/config");
    ASSERT_EQ(config.first, 200);
    EXPECT_TRUE(config.second["default"].get<bool>());
    const Json yaml = {{"yaml", "sources:\n  employees: [apollo, inferred]\n"}};
    EXPECT_EQ(send("PUT", ops, "/api/v1/quality/enrich/config", yaml).first, 403);
    EXPECT_EQ(send("PUT", admin, "/api/v1/quality/enrich/config", yaml).first, 200);
    auto bad = send("PUT", admin, "/api/v1/quality/enrich/config",
                    {{"yaml", "sources:\n  shoe_size: [apollo]\n"}});
    EXPECT_EQ(bad.first, 400);
    EXPECT_EQ(bad.second["error"]["details"]["field"], "sources.shoe_size");
    // A vendor file through the API.
    auto file = send("POST", ops, "/api/v1/quality/enrich/files",
                     {{"name", "apollo.csv"},
                      {"text",
                       "First Name,Last Name,Email,# Employees,Apollo Contact Id\n"
                       "Helga,Brandt,helga@kessler-maschinen.de,420,ap1\n"}});
    ASSERT_EQ(file.first, 200) << file.second.dump();
    EXPECT_EQ(file.second["matched"], 1);
    EXPECT_EQ(send("POST", ops, "/api/v1/quality/enrich/files", {{"name", "x.csv"}}).first, 400);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mops::quality::enrich
