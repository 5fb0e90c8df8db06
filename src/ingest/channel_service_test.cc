// The channel rules on a workspace: the stored config (a bad one changes
// nothing), imports through the stored rules, reclassify counts and writes,
// the generic config registry, and the REST routes. Built twice: on SQLite,
// and with MOPS_CHANNELS_TEST_POSTGRES on a real PostgreSQL.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "cli/config.h"
#include "http/http.h"
#include "ingest/channel_routes.h"
#include "ingest/channel_rules.h"
#include "store/database.h"
#include "tests/support/test_server.h"
#include "tests/support/test_workspace.h"

namespace mops::ingest {
namespace {

namespace fs = std::filesystem;
using store::Value;

class Workspace : public test_support::TestWorkspace {
 public:
#ifdef MOPS_CHANNELS_TEST_POSTGRES
  Workspace() : TestWorkspace("channels", test_support::Backend::kPostgres) {}
#else
  Workspace() : TestWorkspace("channels", test_support::Backend::kSqlite) {}
#endif
  int64_t Int(const std::string& sql, std::vector<Value> params = {}) {
    auto v = db_->QueryValue(sql, params);
    EXPECT_TRUE(v.has_value()) << sql;
    return v ? store::AsInt(*v) : -1;
  }
  std::map<std::string, std::string> Channels() {
    std::map<std::string, std::string> out;
    auto rows = db_->Query("SELECT external_id, channel FROM touchpoints");
    EXPECT_TRUE(rows.has_value());
    for (const auto& r : rows->rows) out[store::AsText(r[0])] = store::AsText(r[1]);
    return out;
  }
  // Touchpoints per channel, and the same from the trigger-kept weekly table.
  void ExpectWeeksReconcile() {
    auto direct =
        db_->Query("SELECT COALESCE(channel, ''), COUNT(*) FROM touchpoints GROUP BY 1 ORDER BY 1");
    auto weeks = db_->Query(
        "SELECT channel, SUM(touchpoints) FROM touchpoint_weeks GROUP BY channel HAVING "
        "SUM(touchpoints) <> 0 ORDER BY 1");
    ASSERT_TRUE(direct.has_value() && weeks.has_value());
    ASSERT_EQ(direct->rows.size(), weeks->rows.size());
    for (size_t i = 0; i < direct->rows.size(); ++i) {
      EXPECT_EQ(store::AsText(direct->rows[i][0]), store::AsText(weeks->rows[i][0]));
      EXPECT_EQ(store::AsInt(direct->rows[i][1]), store::AsInt(weeks->rows[i][1]));
    }
  }
};

core::Result<ImportSummary> Import(store::Database& db, std::string_view csv) {
  ImportOptions options;
  options.preset = Preset::kCanonical;
  return ImportCsvText(db, Kind::kTouchpoints, "touchpoints.csv", csv, options);
}

// Seven touchpoints, five of them stored with a channel the default rules
// would not give.
constexpr std::string_view kStored =
    "external_id,occurred_at,type,channel,source,medium,referrer,url\n"
    "t1,2024-03-04,page_view,display,google,cpc,,https://acme.com/\n"
    "t2,2024-03-04,page_view,paid_search,linkedin,cpc,,https://acme.com/\n"
    "t3,2024-03-05,page_view,organic_search,,,https://www.google.com/,https://acme.com/\n"
    "t4,2024-03-11,page_view,direct,,,,https://acme.com/?fbclid=IwAR0x\n"
    "t5,2024-03-11,page_view,referral,,,,https://acme.com/\n"
    "t6,2024-03-12,webinar_attended,webinar,,,,\n"
    "t7,2024-03-18,page_view,display,,,,https://acme.com/p?gclid=Cj0K&x=1\n";

constexpr std::string_view kPartnerRules = R"(# acme sends partner traffic
rules:
  - {name: acme, channel: partner, source: [acme]}
  - {name: search, channel: organic_search, referrer: ["@search_engines"]}
default: other
)";

TEST(ChannelService, DefaultsUntilRulesAreStored) {
  Workspace ws;
  auto text = StoredChannelRulesText(ws.db());
  ASSERT_TRUE(text.has_value());
  EXPECT_TRUE(text->empty());
  auto rules = LoadChannelRules(ws.db());
  ASSERT_TRUE(rules.has_value());
  EXPECT_EQ(rules->rules().size(), DefaultChannelRules().rules().size());
  ASSERT_TRUE(SaveChannelRules(ws.db(), kPartnerRules, "partner.yaml", "test").has_value());
  rules = LoadChannelRules(ws.db());
  ASSERT_TRUE(rules.has_value());
  ASSERT_EQ(rules->rules().size(), 2u);
  EXPECT_EQ(rules->rules()[0].name, "acme");
  EXPECT_EQ(rules->default_channel(), "other");
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM audit_log WHERE action = 'config.set' AND entity_id = "
                   "'channels' AND actor = 'test'"),
            1);
}

TEST(ChannelService, ABadConfigChangesNothing) {
  Workspace ws;
  const std::string bad =
      "rules:\n  - {name: a, channel: partner, source: [acme]}\n"
      "  - {name: b, channel: parnter, medium: [x]}\n";
  auto saved = SaveChannelRules(ws.db(), bad, "bad.yaml", "test");
  ASSERT_FALSE(saved.has_value());
  EXPECT_EQ(saved.error().file, "bad.yaml");
  EXPECT_EQ(saved.error().line, 3);
  EXPECT_NE(saved.error().message.find("rule 2 'b'"), std::string::npos);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM configs WHERE name = 'channels'"), 0);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM audit_log"), 0);

  // With rules stored, a bad document leaves them in force.
  ASSERT_TRUE(SaveChannelRules(ws.db(), kPartnerRules, "partner.yaml", "test").has_value());
  ASSERT_FALSE(SaveChannelRules(ws.db(), bad, "bad.yaml", "test").has_value());
  // The same through the registry that `mops config set` uses.
  RegisterChannelConfigs();
  auto spec = cli::FindConfig("channels");
  ASSERT_TRUE(spec.has_value());
  auto via_registry = cli::WriteConfig(ws.db(), *spec, bad, "bad.yaml", "cli");
  ASSERT_FALSE(via_registry.has_value());
  EXPECT_EQ(via_registry.error().line, 3);
  auto text = StoredChannelRulesText(ws.db());
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text, kPartnerRules);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM audit_log"), 1);
  // An import after the failed set still uses the stored rules.
  ASSERT_TRUE(Import(ws.db(), "external_id,occurred_at,type,source\na,2024-01-01,page_view,acme\n")
                  .has_value());
  EXPECT_EQ(ws.Channels()["a"], "partner");
}

TEST(ChannelService, ImportsGoThroughTheStoredRules) {
  Workspace ws;
  const std::string csv =
      "external_id,occurred_at,type,channel,source,medium,referrer\n"
      "a,2024-01-01,page_view,,acme,,\n"
      "b,2024-01-01,page_view,,,,https://www.bing.com/\n"
      "c,2024-01-01,page_view,,,,\n"
      "d,2024-01-01,page_view,email,acme,,\n";  // a channel in the file is kept
  ASSERT_TRUE(Import(ws.db(), csv).has_value());
  auto before = ws.Channels();
  EXPECT_EQ(before["a"], "referral");  // the defaults: an unknown source
  EXPECT_EQ(before["b"], "organic_search");
  EXPECT_EQ(before["c"], "direct");
  EXPECT_EQ(before["d"], "email");

  ASSERT_TRUE(SaveChannelRules(ws.db(), kPartnerRules, "partner.yaml", "test").has_value());
  // Re-importing the file (rows without a channel get one again).
  ASSERT_TRUE(Import(ws.db(), csv).has_value());
  auto after = ws.Channels();
  EXPECT_EQ(after["a"], "partner");
  EXPECT_EQ(after["b"], "organic_search");
  EXPECT_EQ(after["c"], "other");
  EXPECT_EQ(after["d"], "email");
  ws.ExpectWeeksReconcile();
}

TEST(ChannelService, ReclassifyCountsThenWrites) {
  Workspace ws;
  ASSERT_TRUE(Import(ws.db(), kStored).has_value());
  const auto before = ws.Channels();
  const int64_t audits = ws.Int("SELECT COUNT(*) FROM audit_log");

  ReclassifyOptions options;
  options.dry_run = true;
  options.batch = 2;  // full batches and a shorter last one
  auto dry = ReclassifyTouchpoints(ws.db(), DefaultChannelRules(), options);
  ASSERT_TRUE(dry.has_value()) << dry.error().ToString();
  EXPECT_EQ(dry->touchpoints, 7);
  EXPECT_EQ(dry->changed, 5);
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  for (const auto& c : dry->changes) counts[{c.from, c.to}] = c.count;
  const std::map<std::pair<std::string, std::string>, int64_t> want = {
      {{"display", "paid_search"}, 2},  // t1 by its medium, t7 by its gclid
      {{"paid_search", "paid_social"}, 1},
      {{"direct", "paid_social"}, 1},  // fbclid
      {{"referral", "direct"}, 1}};
  EXPECT_EQ(counts, want);
  EXPECT_EQ(dry->changes.front().count, 2);  // largest first
  EXPECT_EQ(ws.Channels(), before);          // a dry run writes nothing
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM audit_log"), audits);

  options.dry_run = false;
  auto done = ReclassifyTouchpoints(ws.db(), DefaultChannelRules(), options);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(done->changed, 5);
  auto after = ws.Channels();
  EXPECT_EQ(after["t1"], "paid_search");
  EXPECT_EQ(after["t2"], "paid_social");
  EXPECT_EQ(after["t3"], "organic_search");
  EXPECT_EQ(after["t4"], "paid_social");
  EXPECT_EQ(after["t5"], "direct");
  EXPECT_EQ(after["t6"], "webinar");
  EXPECT_EQ(after["t7"], "paid_search");
  ws.ExpectWeeksReconcile();
  auto audit =
      ws.db().Query("SELECT actor, after FROM audit_log WHERE action = 'channels.reclassify'");
  ASSERT_TRUE(audit.has_value());
  ASSERT_EQ(audit->size(), 1u);
  const auto logged = nlohmann::json::parse(store::AsText(audit->rows[0][1]));
  EXPECT_EQ(logged["changed"], 5);
  EXPECT_EQ(logged["changes"].size(), 4u);

  // Nothing left to change: no write, no audit entry.
  auto again = ReclassifyTouchpoints(ws.db(), DefaultChannelRules(), options);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->changed, 0);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM audit_log WHERE action = 'channels.reclassify'"), 1);

  // The workspace's own rules, loaded from the store.
  ASSERT_TRUE(SaveChannelRules(ws.db(), kPartnerRules, "partner.yaml", "test").has_value());
  auto rules = LoadChannelRules(ws.db());
  ASSERT_TRUE(rules.has_value());
  auto custom = ReclassifyTouchpoints(ws.db(), *rules, options);
  ASSERT_TRUE(custom.has_value());
  EXPECT_EQ(custom->changed, 6);  // all but t3 (a search referrer) become other
  after = ws.Channels();
  EXPECT_EQ(after["t3"], "organic_search");
  EXPECT_EQ(after["t6"], "other");
  ws.ExpectWeeksReconcile();
}

TEST(ChannelService, ReclassifyManyRowsInBatches) {
  Workspace ws;
  std::string csv = "external_id,occurred_at,type,channel,source,medium,referrer,url\n";
  const char* sources[] = {"google", "linkedin", "newsletter", "acme"};
  for (int i = 0; i < 5000; ++i) {
    csv +=
        fmt::format("r{},2024-0{}-1{},page_view,other,{},{},,https://acme.com/{}\n", i, 1 + i % 9,
                    i % 10, sources[i % 4], i % 3 == 0 ? "cpc" : "", i % 7 == 0 ? "?gclid=1" : "");
  }
  ASSERT_TRUE(Import(ws.db(), csv).has_value());
  ReclassifyOptions options;
  auto done = ReclassifyTouchpoints(ws.db(), DefaultChannelRules(), options);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(done->touchpoints, 5000);
  int64_t sum = 0;
  for (const auto& c : done->changes) {
    EXPECT_EQ(c.from, "other");
    EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM touchpoints WHERE channel = ?", {c.to}), c.count)
        << c.to;
    sum += c.count;
  }
  EXPECT_EQ(sum, done->changed);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM touchpoints WHERE channel = 'other'"), 5000 - sum);
  ws.ExpectWeeksReconcile();
  // Every row now has the channel the engine gives it.
  auto rows = ws.db().Query("SELECT type, medium, source, referrer, url, channel FROM touchpoints");
  ASSERT_TRUE(rows.has_value());
  for (const auto& r : rows->rows) {
    const std::string type = store::AsText(r[0]), medium = store::AsText(r[1]),
                      source = store::AsText(r[2]), referrer = store::AsText(r[3]),
                      url = store::AsText(r[4]);
    ASSERT_EQ(ClassifyChannel({source, medium, referrer, type, url}), store::AsText(r[5]));
  }
}

TEST(ChannelService, Routes) {
  Workspace ws;
  ASSERT_TRUE(Import(ws.db(), kStored).has_value());
  const std::string ops = *http::CreateToken(ws.db(), "ops", http::Role::kOps);
  const std::string analyst = *http::CreateToken(ws.db(), "analyst", http::Role::kAnalyst);
  const std::string viewer = *http::CreateToken(ws.db(), "viewer", http::Role::kViewer);
  test_support::TestServer server(ws.url(), [](http::Router& r) { RegisterChannelRoutes(r); });
  httplib::Client client("127.0.0.1", server.port());
  auto as = [](const std::string& token) {
    return httplib::Headers{{"Authorization", "Bearer " + token}};
  };
  using Json = nlohmann::json;
  auto parse = [](const httplib::Result& r) {
    return std::make_pair(r ? r->status : 0, r ? Json::parse(r->body) : Json());
  };

  auto rules = parse(client.Get("/api/v1/channels/rules", as(analyst)));
  ASSERT_EQ(rules.first, 200);
  EXPECT_EQ(rules.second["stored"], false);
  EXPECT_EQ(rules.second["rules"][0]["name"], "type_webinar");
  EXPECT_EQ(rules.second["default_channel"], "direct");
  EXPECT_EQ(parse(client.Get("/api/v1/channels/rules", as(viewer))).first, 403);

  auto explain = parse(
      client.Get("/api/v1/channels/explain?url=https%3A%2F%2Facme.com%2F%3Fttclid%3D1&referrer=",
                 as(analyst)));
  ASSERT_EQ(explain.first, 200) << explain.second.dump();
  EXPECT_EQ(explain.second["channel"], "paid_social");
  EXPECT_EQ(explain.second["rule_name"], "click_id_social");
  EXPECT_FALSE(explain.second["tried"].empty());
  EXPECT_EQ(parse(client.Get("/api/v1/channels/explain?uri=x", as(analyst))).first, 400);

  auto preview = parse(client.Get("/api/v1/channels/preview", as(analyst)));
  ASSERT_EQ(preview.first, 200);
  EXPECT_EQ(preview.second["changed"], 5);
  EXPECT_EQ(preview.second["dry_run"], true);

  // PUT: ops only; a bad document is a 400 naming the rule and line, and
  // changes nothing.
  const Json bad = {{"yaml", "rules:\n  - {name: x, channel: nowhere}\n"}};
  EXPECT_EQ(
      client.Put("/api/v1/channels/rules", as(analyst), bad.dump(), "application/json")->status,
      403);
  auto refused =
      parse(client.Put("/api/v1/channels/rules", as(ops), bad.dump(), "application/json"));
  EXPECT_EQ(refused.first, 400);
  EXPECT_NE(refused.second["error"]["message"].get<std::string>().find("rule 1 'x'"),
            std::string::npos)
      << refused.second.dump();
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM configs WHERE name = 'channels'"), 0);
  EXPECT_EQ(parse(client.Put("/api/v1/channels/rules", as(ops), Json{{"yml", "x"}}.dump(),
                             "application/json"))
                .first,
            400);
  auto put =
      parse(client.Put("/api/v1/channels/rules", as(ops),
                       Json{{"yaml", std::string(kPartnerRules)}}.dump(), "application/json"));
  ASSERT_EQ(put.first, 200) << put.second.dump();
  EXPECT_EQ(put.second["stored"], true);
  EXPECT_EQ(put.second["rules"].size(), 2u);

  // Reclassify: ops only; dry_run must be a boolean.
  EXPECT_EQ(parse(client.Post("/api/v1/channels/reclassify", as(analyst), "{}", "application/json"))
                .first,
            403);
  EXPECT_EQ(parse(client.Post("/api/v1/channels/reclassify", as(ops),
                              Json{{"dry_run", "yes"}}.dump(), "application/json"))
                .first,
            400);
  auto dry = parse(client.Post("/api/v1/channels/reclassify", as(ops),
                               Json{{"dry_run", true}}.dump(), "application/json"));
  ASSERT_EQ(dry.first, 200);
  EXPECT_EQ(dry.second["changed"], 6);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM touchpoints WHERE channel = 'other'"), 0);
  auto done = parse(client.Post("/api/v1/channels/reclassify", as(ops), "{}", "application/json"));
  ASSERT_EQ(done.first, 200);
  EXPECT_EQ(done.second["changed"], 6);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM touchpoints WHERE channel = 'other'"), 6);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM audit_log WHERE action = 'channels.reclassify' AND "
                   "actor = 'token:ops'"),
            1);
  ws.ExpectWeeksReconcile();
}

}  // namespace
}  // namespace mops::ingest
