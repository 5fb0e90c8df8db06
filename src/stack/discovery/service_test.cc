// Discovery on a real workspace (SQLite, or PostgreSQL when built with
// MOPS_DISCOVERY_TEST_POSTGRES): imports of the fixtures, a bad file that
// changes nothing, apply then undo restoring the inventory exactly, the
// findings on discovered figures, and the REST routes with their roles.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/csv.h"
#include "ingest/ingest.h"
#include "stack/discovery/discovery.h"
#include "stack/discovery/report.h"
#include "stack/discovery/routes.h"
#include "store/database.h"
#include "tests/support/test_server.h"
#include "tests/support/test_workspace.h"

namespace mops::stack::discovery {
namespace {

namespace fs = std::filesystem;
const std::string kDir = std::string(MOPS_FIXTURES) + "/discovery/";

class Workspace : public test_support::TestWorkspace {
 public:
#ifdef MOPS_DISCOVERY_TEST_POSTGRES
  Workspace() : TestWorkspace("discovery", test_support::Backend::kPostgres) {}
#else
  Workspace() : TestWorkspace("discovery", test_support::Backend::kSqlite) {}
#endif
  std::string path() const { return url_; }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  int64_t Count(const std::string& table) {
    return store::AsInt(*db_->QueryValue("SELECT COUNT(*) FROM " + table));
  }
  // Every column of every tool, in id order: what "exactly" means.
  std::string DumpTools() {
    auto rows = db_->Query("SELECT * FROM tools ORDER BY id");
    EXPECT_TRUE(rows.has_value());
    std::string out;
    for (const auto& r : rows->rows) {
      for (size_t c = 0; c < r.size(); ++c) {
        out += rows->columns[c] + "=" + (store::IsNull(r[c]) ? "NULL" : store::AsText(r[c])) + ";";
      }
      out += "\n";
    }
    return out;
  }
};

Timestamp Day(const char* d) { return *core::ParseTimestamp(d); }

constexpr const char* kTools =
    "name,vendor,category,capabilities,owner,annual_cost,billing_period,seats,active_seats,"
    "contract_start,renewal_date,notice_days,auto_renew,status,sso,dpa_signed,data_scope\n"
    "HubSpot Marketing Hub,HubSpot,Marketing Automation,,Dana Ruiz,9000,annual,10,9,,2026-09-01,"
    "30,true,active,true,true,pii\n"
    "ON24,ON24,Webinar,,Riley Chen,42000,annual,8,2,,2026-05-01,60,true,active,,,\n"
    "Salesforce Sales Cloud,Salesforce,CRM,,Ana Lima,12000,annual,,,,,,false,active,,,\n";

void ImportInventory(Workspace& ws) {
  const std::string tools = ws.Write("tools.csv", kTools);
  auto done = ingest::ImportFile(ws.db(), ingest::Kind::kTools, tools, {});
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  ASSERT_EQ(done->imported, 3);
}

void ImportFixtures(Workspace& ws) {
  for (const char* f : {"ramp_transactions.csv", "brex_transactions.csv", "amex_statement.csv"}) {
    auto r = ImportSpend(ws.db(), kDir + f, {}, "test");
    ASSERT_TRUE(r.has_value()) << f << ": " << r.error().ToString();
  }
  for (const char* f : {"okta_system_log.csv", "okta_assignments.csv", "entra_signins.csv"}) {
    auto r = ImportUsage(ws.db(), kDir + f, {}, "test");
    ASSERT_TRUE(r.has_value()) << f << ": " << r.error().ToString();
  }
}

TEST(DiscoveryService, ImportIsIdempotentAndEveryPresetLands) {
  Workspace ws;
  auto first = ImportSpend(ws.db(), kDir + "ramp_transactions.csv", {}, "test");
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(first->preset, "ramp");
  EXPECT_TRUE(first->detected);
  EXPECT_EQ(first->imported, 15);
  auto again = ImportSpend(ws.db(), kDir + "ramp_transactions.csv", {}, "test");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->imported, 0);
  EXPECT_EQ(again->already, 15);
  EXPECT_EQ(ws.Count("discovery_spend"), 15);
  for (const char* f : {"brex_transactions.csv", "amex_statement.csv", "expensify_export.csv",
                        "quickbooks_bank.csv", "xero_bank.csv"}) {
    auto r = ImportSpend(ws.db(), kDir + f, {}, "test");
    ASSERT_TRUE(r) << f << ": " << r.error().ToString();
    EXPECT_GT(r->imported, 0) << f;
  }
  auto usage = ImportUsage(ws.db(), kDir + "okta_system_log.csv", {}, "test");
  ASSERT_TRUE(usage) << usage.error().ToString();
  EXPECT_EQ(usage->imported, 2);
  auto usage_again = ImportUsage(ws.db(), kDir + "okta_system_log.csv", {}, "test");
  ASSERT_TRUE(usage_again);
  EXPECT_EQ(usage_again->imported, 0);
  EXPECT_EQ(ws.Count("discovery_usage"), 2);
}

TEST(DiscoveryService, BadFileChangesNothingAndNamesTheLine) {
  Workspace ws;
  ImportInventory(ws);
  const int64_t audit = ws.Count("audit_log");
  auto r = ImportSpend(ws.db(), kDir + "bad_amount.csv", {}, "test");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().line, 3);
  EXPECT_EQ(r.error().field, "Amount");
  EXPECT_NE(r.error().ToString().find("bad_amount.csv:3"), std::string::npos)
      << r.error().ToString();
  EXPECT_EQ(ws.Count("discovery_spend"), 0);
  EXPECT_EQ(ws.Count("audit_log"), audit);
  const std::string bad_usage = ws.Write("u.csv",
                                         "user,app,last_sign_in\na@x.com,Gong,2026-01-01\n"
                                         "b@x.com,Gong,next week\n");
  auto u = ImportUsage(ws.db(), bad_usage, {}, "test");
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().line, 3);
  EXPECT_EQ(ws.Count("discovery_usage"), 0);
  // A bad alias file adds none of its rows.
  auto a = AddAliases(ws.db(), "pattern,tool\nFRESHDESK,Freshdesk\n", "aliases.csv");
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().line, 2);
  EXPECT_EQ(ws.Count("discovery_aliases"), 0);
}

TEST(DiscoveryService, ReconcileFindsShadowToolsUnpaidAndSeats) {
  Workspace ws;
  ImportInventory(ws);
  ImportFixtures(ws);
  auto d = LoadDiscovery(ws.db(), Day("2026-03-31"));
  ASSERT_TRUE(d) << d.error().ToString();
  std::map<std::string, const ReconcileLine*> by;
  for (const ReconcileLine& l : d->reconcile.lines) by[l.tool] = &l;
  EXPECT_EQ(by.at("Canva")->status, "shadow");
  EXPECT_EQ(by.at("Gong")->status, "shadow");
  EXPECT_EQ(by.at("Semrush")->status, "shadow");
  EXPECT_EQ(by.at("ON24")->status, "paid");  // the Amex statement pays it
  EXPECT_EQ(by.at("Salesforce Sales Cloud")->status, "paid");
  EXPECT_EQ(by.at("Salesforce Sales Cloud")->cadence, "annual");
  EXPECT_EQ(by.at("Salesforce Sales Cloud")->actual_cost, 1320000);
  EXPECT_EQ(by.at("Salesforce Sales Cloud")->assigned, 3);
  EXPECT_EQ(by.at("Salesforce Sales Cloud")->active, 1);
  // HubSpot is paid on Ramp and on Amex: two payers, one duplicate.
  EXPECT_TRUE(by.at("HubSpot Marketing Hub")->duplicate);
  // Aliases a user adds take effect on the stored rows.
  ASSERT_TRUE(AddAliases(ws.db(),
                         "pattern,tool,match,confidence,category\n"
                         "FRESHDESK,Freshdesk,prefix,0.9,chat\n",
                         "mine.csv"));
  auto again = LoadDiscovery(ws.db(), Day("2026-03-31"));
  ASSERT_TRUE(again);
  bool freshdesk = false;
  for (const ToolSpend& t : again->spend_report.tools)
    freshdesk = freshdesk || t.tool == "Freshdesk";
  EXPECT_TRUE(freshdesk);
}

TEST(DiscoveryService, ApplyThenUndoRestoresTheInventoryExactly) {
  Workspace ws;
  ImportInventory(ws);
  ImportFixtures(ws);
  const std::string before = ws.DumpTools();
  const int64_t tools = ws.Count("tools");

  auto preview = Apply(ws.db(), Day("2026-03-31"), 30, true, "test");
  ASSERT_TRUE(preview) << preview.error().ToString();
  EXPECT_EQ(preview->apply_id, 0);
  EXPECT_EQ(ws.DumpTools(), before);  // a dry run writes nothing

  auto applied = Apply(ws.db(), Day("2026-03-31"), 30, false, "test");
  ASSERT_TRUE(applied) << applied.error().ToString();
  EXPECT_GT(applied->apply_id, 0);
  EXPECT_EQ(applied->changes.size(), preview->changes.size());
  EXPECT_GT(ws.Count("tools"), tools);
  auto stack = LoadStack(ws.db());
  ASSERT_TRUE(stack);
  std::map<std::string, const Tool*> by;
  for (const Tool& t : stack->tools) by[t.name] = &t;
  ASSERT_TRUE(by.count("Canva"));
  EXPECT_EQ(by["Canva"]->category, "design");
  ASSERT_TRUE(by.count("LinkedIn Sales Navigator"));
  EXPECT_EQ(by["LinkedIn Sales Navigator"]->owner, "Marc Dubois");
  EXPECT_EQ(by["Salesforce Sales Cloud"]->annual_cost, 1320000);
  EXPECT_EQ(by["Salesforce Sales Cloud"]->seats, 3);
  EXPECT_EQ(by["Salesforce Sales Cloud"]->active_seats, 1);
  EXPECT_EQ(by["HubSpot Marketing Hub"]->active_seats, 1);
  EXPECT_EQ(by["HubSpot Marketing Hub"]->seats, 10);  // paid seats kept
  // The findings now run on the discovered figures: HubSpot 1 of 10 seats.
  Options o;
  o.as_of = Day("2026-03-31");
  bool underused = false;
  for (const SeatUsage& u : Utilization(*stack, o)) {
    if (stack->tools[u.tool].name == "HubSpot Marketing Hub") {
      underused = u.below_threshold && u.active_seats == 1;
    }
  }
  EXPECT_TRUE(underused);
  EXPECT_GT(ws.Count("audit_log"), 0);

  // Nothing left to apply once applied.
  auto twice = Apply(ws.db(), Day("2026-03-31"), 30, true, "test");
  ASSERT_TRUE(twice);
  EXPECT_TRUE(twice->changes.empty());

  auto undone = UndoApply(ws.db(), std::nullopt, "test");
  ASSERT_TRUE(undone) << undone.error().ToString();
  EXPECT_EQ(*undone, applied->apply_id);
  EXPECT_EQ(ws.DumpTools(), before);
  auto nothing = UndoApply(ws.db(), std::nullopt, "test");
  ASSERT_FALSE(nothing);
  EXPECT_EQ(nothing.error().code, core::ErrorCode::kNotFound);
}

TEST(DiscoveryRoutes, AnalystsReadOpsApply) {
  Workspace ws;
  ImportInventory(ws);
  ImportFixtures(ws);
  const std::string analyst = *http::CreateToken(ws.db(), "analyst", http::Role::kAnalyst);
  const std::string ops = *http::CreateToken(ws.db(), "ops", http::Role::kOps);
  const std::string viewer = *http::CreateToken(ws.db(), "viewer", http::Role::kViewer);
  test_support::TestServer server(ws.path(), [](http::Router& r) { RegisterRoutes(r); });
  httplib::Client client("127.0.0.1", server.port());
  const auto auth = [](const std::string& t) {
    return httplib::Headers{{"Authorization", "Bearer " + t}};
  };
  const std::string q = "?as_of=2026-03-31";
  auto spend = client.Get("/api/v1/stack/discovery/spend" + q, auth(analyst));
  ASSERT_TRUE(spend);
  ASSERT_EQ(spend->status, 200) << spend->body;
  auto d = LoadDiscovery(ws.db(), Day("2026-03-31"));
  ASSERT_TRUE(d);
  EXPECT_EQ(Json::parse(spend->body), SpendJson(d->spend_report));
  // The records behind a figure add up to it.
  auto tx = client.Get("/api/v1/stack/discovery/spend/transactions?tool=HubSpot%20Marketing%20Hub",
                       auth(analyst));
  ASSERT_EQ(tx->status, 200) << tx->body;
  const Json t = Json::parse(tx->body);
  // A named document: a range-for over a temporary's member would outlive it.
  const Json spend_doc = Json::parse(spend->body);
  for (const Json& tool : spend_doc["tools"]) {
    if (tool["tool"] == "HubSpot Marketing Hub") {
      EXPECT_DOUBLE_EQ(t["total"].get<double>(), tool["net"].get<double>());
    }
  }
  for (const char* path : {"/api/v1/stack/discovery/usage", "/api/v1/stack/discovery/reconcile",
                           "/api/v1/stack/discovery/apply"}) {
    auto r = client.Get(std::string(path) + q, auth(analyst));
    EXPECT_EQ(r->status, 200) << path << r->body;
  }
  EXPECT_EQ(client.Get("/api/v1/stack/discovery/spend", auth(viewer))->status, 403);
  EXPECT_EQ(client.Get("/api/v1/stack/discovery/spend?as_of=someday", auth(analyst))->status, 400);
  EXPECT_EQ(client.Get("/api/v1/stack/discovery/reconcile?active_days=45", auth(analyst))->status,
            400);
  // Analysts may not apply; ops may; unknown body fields are refused.
  EXPECT_EQ(
      client.Post("/api/v1/stack/discovery/apply", auth(analyst), "{}", "application/json")->status,
      403);
  EXPECT_EQ(
      client
          .Post("/api/v1/stack/discovery/apply", auth(ops), "{\"force\":true}", "application/json")
          ->status,
      400);
  const std::string before = ws.DumpTools();
  auto applied = client.Post("/api/v1/stack/discovery/apply", auth(ops),
                             "{\"as_of\":\"2026-03-31\"}", "application/json");
  ASSERT_EQ(applied->status, 200) << applied->body;
  EXPECT_GT(Json::parse(applied->body)["apply_id"].get<int64_t>(), 0);
  EXPECT_NE(ws.DumpTools(), before);
  auto undone = client.Post("/api/v1/stack/discovery/undo", auth(ops), "{}", "application/json");
  ASSERT_EQ(undone->status, 200) << undone->body;
  EXPECT_EQ(ws.DumpTools(), before);
  // Import through the API: a bad body is a 400 naming the line.
  auto bad = client.Post("/api/v1/stack/discovery/spend?file_name=x.csv", auth(ops),
                         "date,merchant,amount\n2026-01-01,CANVA,ten\n", "text/csv");
  ASSERT_EQ(bad->status, 400) << bad->body;
  EXPECT_NE(bad->body.find("x.csv"), std::string::npos);
  auto good = client.Post("/api/v1/stack/discovery/spend?file_name=x.csv", auth(ops),
                          "date,merchant,amount\n2026-01-01,CANVA,10\n", "text/csv");
  ASSERT_EQ(good->status, 200) << good->body;
  EXPECT_EQ(Json::parse(good->body)["imported"], 1);
}

}  // namespace
}  // namespace mops::stack::discovery
