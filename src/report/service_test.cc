// The audit on a hand-built workspace with known problems (two overlapping
// tools, a failing sync, web touches without UTMs, an opportunity without
// contact roles, a duplicate pair, an MQL without owner, a campaign without
// budget, a launch without approval): it finds exactly those. Then the diff
// after fixes, stored runs, the REST routes and the CLI. Built twice: on
// SQLite, and with MOPS_REPORT_TEST_POSTGRES on a real PostgreSQL.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "attribution/attribution.h"
#include "quality/linkage/linkage.h"
#include "report/commands.h"
#include "report/report.h"
#include "report/routes.h"
#include "store/database.h"
#include "tests/support/in_process_cli.h"
#include "tests/support/test_server.h"
#include "tests/support/test_workspace.h"

namespace mops::report {
namespace {

using store::Value;

#ifdef MOPS_REPORT_TEST_POSTGRES
constexpr auto kBackend = test_support::Backend::kPostgres;
#else
constexpr auto kBackend = test_support::Backend::kSqlite;
#endif

constexpr int64_t kDay = 86400;

class Workspace : public test_support::TestWorkspace {
 public:
  Workspace() : TestWorkspace("report", kBackend) {}

  void Exec(std::string_view sql, std::vector<Value> params = {}) {
    auto done = db().Execute(sql, params);
    ASSERT_TRUE(done) << sql << ": " << done.error().ToString();
  }
  int64_t Id(std::string_view table, std::string_view external_id) {
    auto v = db().QueryValue(fmt::format("SELECT id FROM {} WHERE external_id = ?", table),
                             std::vector<Value>{std::string(external_id)});
    EXPECT_TRUE(v) << table;
    return v ? store::AsInt(*v) : 0;
  }
};

// 2026-06-30 12:00:00 UTC, a Tuesday.
const Timestamp kAsOf = *core::ParseTimestamp("2026-06-30T12:00:00Z");

void BuildKnownProblems(Workspace& w) {
  const Timestamp now = kAsOf;
  // Stack: two marketing automation tools (overlap), a CRM; Marketo's sync fails.
  w.Exec(
      "INSERT INTO tools (source_system, external_id, name, category, annual_cost, currency, "
      "status, owner) VALUES ('csv', 't1', 'Salesforce Sales Cloud', 'CRM', 6000000, 'USD', "
      "'active', 'Sales Ops'), ('csv', 't2', 'HubSpot Marketing Hub', 'Marketing Automation', "
      "3600000, 'USD', 'active', 'Marketing'), ('csv', 't3', 'Marketo Engage', 'Marketing "
      "Automation', 4800000, 'USD', 'active', 'Marketing')");
  const int64_t sf = w.Id("tools", "t1"), hs = w.Id("tools", "t2"), mk = w.Id("tools", "t3");
  w.Exec(
      "INSERT INTO integrations (source_system, external_id, from_tool_id, to_tool_id, objects, "
      "direction, status, last_sync_at, frequency, error_rate) VALUES ('csv', 'i1', ?, ?, "
      "'contacts', 'two_way', 'active', ?, 'hourly', 0), ('csv', 'i2', ?, ?, 'contacts', "
      "'two_way', 'failing', ?, 'hourly', 0.4)",
      {hs, sf, now - 600, mk, sf, now - 600});

  w.Exec(
      "INSERT INTO users (source_system, external_id, name, email, team, capacity, active) "
      "VALUES ('salesforce', 'u1', 'Rita Reyes', 'rita@example.com', 'sales', 10, 1)");
  const int64_t rita = w.Id("users", "u1");
  w.Exec(
      "INSERT INTO accounts (source_system, external_id, name, domain, website, industry, "
      "employees, country, created_at, updated_at) VALUES ('salesforce', 'a1', 'Acme', "
      "'acme.com', 'https://acme.com', 'software', 500, 'US', ?, ?), ('salesforce', 'a2', "
      "'Beta', 'beta.io', 'https://beta.io', 'software', 800, 'US', ?, ?)",
      {now - 300 * kDay, now - 5 * kDay, now - 300 * kDay, now - 5 * kDay});
  const int64_t acme = w.Id("accounts", "a1"), beta = w.Id("accounts", "a2");
  struct Person {
    const char* ext;
    const char* email;
    const char* first;
    const char* last;
    const char* phone;
    int64_t account;
    const char* stage;
    bool owned;
  };
  const Person people[] = {
      {"c1", "ana@acme.com", "Ana", "Alvarez", "+14155550101", acme, "customer", true},
      {"c2", "ben@acme.com", "Ben", "Brown", "+14155550102", acme, "opportunity", true},
      // The MQL nobody owns.
      {"c3", "cara@beta.io", "Cara", "Cole", "+14155550103", beta, "mql", false},
      // The duplicate pair.
      {"c4", "dan.diaz@beta.io", "Dan", "Diaz", "+14155550104", beta, "lead", true},
      {"c5", "dan.diaz@beta.io", "Dan", "Diaz", "+14155550104", beta, "lead", true},
      {"c6", "eve@beta.io", "Eve", "Evans", "+14155550106", beta, "lead", true},
  };
  for (const Person& p : people) {
    w.Exec(
        "INSERT INTO contacts (source_system, external_id, email, first_name, last_name, title, "
        "seniority, department, phone, company_name, account_id, country, state, city, "
        "lifecycle_stage, owner_id, original_source, created_at, updated_at) VALUES "
        "('salesforce', ?, ?, ?, ?, 'VP Marketing', 'vp', 'marketing', ?, ?, ?, 'US', 'US-CA', "
        "'San Francisco', ?, ?, 'Web', ?, ?)",
        {p.ext, p.email, p.first, p.last, p.phone, p.account == acme ? "Acme" : "Beta", p.account,
         p.stage, p.owned ? Value(rita) : Value(), now - 200 * kDay, now - 3 * kDay});
  }
  const int64_t c1 = w.Id("contacts", "c1"), c2 = w.Id("contacts", "c2"),
                c3 = w.Id("contacts", "c3"), c4 = w.Id("contacts", "c4"),
                c5 = w.Id("contacts", "c5"), c6 = w.Id("contacts", "c6");
  // Cara became an MQL ten minutes ago: her SLA clock is still running.
  w.Exec("INSERT INTO lifecycle_history (contact_id, stage, entered_at) VALUES (?, 'mql', ?)",
         {c3, now - 600});

  // Touches: tagged ones, and two paid-social web visits without UTMs.
  struct Touch {
    const char* ext;
    int64_t contact;
    int64_t at;
    const char* type;
    const char* channel;
    const char* source;
    const char* medium;
    const char* campaign;
    const char* url;
  };
  const Touch touches[] = {
      {"t1", c1, now - 130 * kDay, "page_view", "paid_search", "google", "cpc", "spring_launch",
       "https://acme-corp.example/pricing"},
      {"t2", c1, now - 40 * kDay, "email_click", "email", "newsletter", "email", "spring_launch",
       "https://acme-corp.example/blog"},
      {"t3", c2, now - 35 * kDay, "email_click", "email", "newsletter", "email", "spring_launch",
       "https://acme-corp.example/webinar"},
      {"t4", c3, now - 20 * kDay, "page_view", "paid_social", nullptr, nullptr, nullptr,
       "https://acme-corp.example/demo"},
      {"t5", c4, now - 18 * kDay, "page_view", "paid_social", nullptr, nullptr, nullptr,
       "https://acme-corp.example/demo"},
      {"t6", c5, now - 17 * kDay, "form_submit", "events", nullptr, nullptr, nullptr, nullptr},
      {"t7", c6, now - 16 * kDay, "form_submit", "webinar", nullptr, nullptr, nullptr, nullptr},
      {"t8", c3, now - 15 * kDay, "page_view", "paid_search", "google", "cpc", "spring_launch",
       "https://acme-corp.example/pricing"},
  };
  for (const Touch& t : touches) {
    auto text = [](const char* s) { return s == nullptr ? Value() : Value(std::string(s)); };
    w.Exec(
        "INSERT INTO touchpoints (source_system, external_id, contact_id, occurred_at, type, "
        "channel, source, medium, utm_campaign, url) VALUES ('salesforce', ?, ?, ?, ?, ?, ?, ?, "
        "?, ?)",
        {t.ext, t.contact, t.at, t.type, t.channel, text(t.source), text(t.medium),
         text(t.campaign), text(t.url)});
  }

  // Opportunities: one with roles, one without (its account journey attributes it), one won.
  w.Exec(
      "INSERT INTO opportunities (source_system, external_id, account_id, name, stage, amount, "
      "currency, created_at, close_date, is_closed, is_won, type) VALUES "
      "('salesforce', 'o1', ?, 'Acme expansion', 'Proposal', 5000000, 'USD', ?, ?, 0, 0, 'new "
      "business'), ('salesforce', 'o2', ?, 'Beta new logo', 'Discovery', 2000000, 'USD', ?, ?, "
      "0, 0, 'new business'), ('salesforce', 'o3', ?, 'Acme first deal', 'Closed Won', 3000000, "
      "'USD', ?, ?, 1, 1, 'new business')",
      {acme, now - 20 * kDay, now + 40 * kDay, beta, now - 10 * kDay, now + 60 * kDay, acme,
       now - 100 * kDay, now - 60 * kDay});
  const int64_t o1 = w.Id("opportunities", "o1"), o3 = w.Id("opportunities", "o3");
  w.Exec(
      "INSERT INTO opportunity_contacts (source_system, external_id, opportunity_id, "
      "contact_id, role, is_primary) VALUES ('salesforce', 'r1', ?, ?, 'Decision Maker', 1), "
      "('salesforce', 'r2', ?, ?, 'Influencer', 0), ('salesforce', 'r3', ?, ?, 'Decision "
      "Maker', 1)",
      {o1, c1, o1, c2, o3, c1});

  // Campaigns: one live in the workflow with no approval round, one running without budget.
  w.Exec(
      "INSERT INTO campaigns (source_system, external_id, name, type, channel, status, "
      "start_date, end_date, budget, currency, utm_campaign, state) VALUES ('salesforce', 'k1', "
      "'Spring launch', 'Email', 'email', 'In Progress', ?, ?, 1000000, 'USD', "
      "'spring_launch', 'live'), ('salesforce', 'k2', 'Webinar series', 'Webinar', 'webinar', "
      "'In Progress', ?, ?, NULL, 'USD', 'webinar_series', NULL)",
      {now - 40 * kDay, now + 20 * kDay, now - 10 * kDay, now + 30 * kDay});
}

std::set<std::string> Fired(const Json& doc) {
  std::set<std::string> out;
  for (const Json& f : doc["findings"]) out.insert(f["rule"].get<std::string>());
  return out;
}

std::set<std::string> NoData(const Json& doc) {
  std::set<std::string> out;
  for (const Json& f : doc["no_data"]) out.insert(f["rule"].get<std::string>());
  return out;
}

const Json& FindingOf(const Json& doc, std::string_view rule) {
  for (const Json& f : doc["findings"]) {
    if (f["rule"] == rule) return f;
  }
  static const Json kNone;
  return kNone;
}

RunOptions AsOf() {
  RunOptions o;
  o.as_of = kAsOf;
  o.actor = "test";
  return o;
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BuildKnownProblems(w_);
    auto matched = quality::linkage::Match(w_.db(), "contacts", "test");
    ASSERT_TRUE(matched) << matched.error().ToString();
  }
  Workspace w_;
};

TEST_F(AuditTest, FindsExactlyTheKnownProblems) {
  auto doc = RunAudit(w_.db(), AsOf());
  ASSERT_TRUE(doc) << doc.error().ToString();
  EXPECT_EQ(Fired(*doc),
            (std::set<std::string>{
                "stack.overlap", "stack.failing_syncs", "attribution.touches_without_utm",
                "attribution.no_contact_roles", "data.duplicates", "leads.unowned_mqls",
                "campaigns.without_budget", "campaigns.unapproved_launches"}))
      << doc->dump(2);
  // What the small workspace cannot judge is said, not failed.
  EXPECT_EQ(NoData(*doc),
            (std::set<std::string>{"no_data.discovery", "no_data.attribution.opportunities",
                                   "no_data.leads.sla_judged", "no_data.leads.mqls",
                                   "no_data.scoring", "no_data.reporting.stage_transitions",
                                   "no_data.revenue_run", "no_data.spend"}))
      << doc->dump(2);

  // Evidence names the records, with dashboard links.
  const Json& roles = FindingOf(*doc, "attribution.no_contact_roles");
  ASSERT_EQ(roles["examples"].size(), 1u);
  EXPECT_EQ(roles["examples"][0]["label"], "Beta new logo");
  EXPECT_EQ(roles["examples"][0]["link"],
            "#/attribution?opportunity=" + std::to_string(w_.Id("opportunities", "o2")));
  const Json& unowned = FindingOf(*doc, "leads.unowned_mqls");
  EXPECT_EQ(unowned["examples"][0]["id"], w_.Id("contacts", "c3"));
  EXPECT_EQ(unowned["examples"][0]["link"],
            "#/leads?contact=" + std::to_string(w_.Id("contacts", "c3")));
  const Json& utm = FindingOf(*doc, "attribution.touches_without_utm");
  EXPECT_NEAR(utm["value"].get<double>(), 2.0 / 6, 1e-9);  // 2 of 6 tagged-channel web touches
  const Json& launch = FindingOf(*doc, "campaigns.unapproved_launches");
  EXPECT_EQ(launch["examples"][0]["label"], "Spring launch");
  EXPECT_EQ(FindingOf(*doc, "campaigns.without_budget")["examples"][0]["label"], "Webinar series");
  EXPECT_NE(FindingOf(*doc, "stack.overlap")["evidence"].get<std::string>().find("Marketo"),
            std::string::npos);

  // The pipeline at risk is the open opportunity without roles, and the API
  // lists it; the savings are the stack audit's overlap saving.
  const Json& summary = (*doc)["summary"];
  EXPECT_EQ(summary["at_risk_opportunities"], Json::array({w_.Id("opportunities", "o2")}));
  EXPECT_DOUBLE_EQ(summary["pipeline_at_risk"].get<double>(), 20000);
  EXPECT_DOUBLE_EQ(summary["annual_savings"].get<double>(),
                   FindingOf(*doc, "stack.overlap")["impact"]["amount"].get<double>());
  EXPECT_GT(summary["annual_savings"].get<double>(), 0);
  EXPECT_EQ(summary["top_actions"].size(), 5u);
  // Every area with problems scores under 100; reporting has nothing it can
  // judge here (no spend, no stored revenue run, too few stage transitions).
  for (const Json& a : summary["areas"]) {
    if (a["area"] == "reporting") {
      EXPECT_TRUE(a["score"].is_null()) << a.dump();
      continue;
    }
    ASSERT_TRUE(a["score"].is_number()) << a.dump();
    EXPECT_LT(a["score"].get<int>(), 100) << a.dump();
  }
  ASSERT_EQ((*doc)["sections"].size(), 6u);
}

// With stored attribution runs (what the attribution page shows), the audit
// reads them instead of running the models again, and finds the same.
TEST_F(AuditTest, ReadsStoredAttributionRunsWhenPresent) {
  auto computed = RunAudit(w_.db(), AsOf());
  ASSERT_TRUE(computed) << computed.error().ToString();
  for (auto conversion :
       {attribution::ConversionKind::kCreated, attribution::ConversionKind::kWon}) {
    auto request = attribution::DefaultRequest(w_.db());
    ASSERT_TRUE(request);
    request->conversion = conversion;
    ASSERT_TRUE(attribution::Run(w_.db(), *request, "test"));
  }
  auto stored = RunAudit(w_.db(), AsOf());
  ASSERT_TRUE(stored) << stored.error().ToString();
  EXPECT_EQ(Fired(*stored), Fired(*computed));
  const Json& a = (*stored)["sections"][1];
  ASSERT_EQ(a["area"], "attribution");
  EXPECT_NE(a["notes"].dump().find("stored attribution run"), std::string::npos) << a.dump();
  const Json& before = (*computed)["sections"][1];
  for (size_t i = 0; i < a["figures"].size(); ++i) {
    EXPECT_EQ(a["figures"][i]["text"], before["figures"][i]["text"]) << a["figures"][i].dump();
  }
}

TEST_F(AuditTest, DiffAfterFixesShowsResolvedWorseAndScores) {
  auto before = RunAudit(w_.db(), AsOf());
  ASSERT_TRUE(before) << before.error().ToString();
  // Fix: Cara gets an owner, the Beta deal gets its contact role; and one
  // more untagged paid visit makes the UTM gap worse.
  w_.Exec(
      "UPDATE contacts SET owner_id = (SELECT id FROM users WHERE external_id = 'u1') "
      "WHERE external_id = 'c3'");
  w_.Exec(
      "INSERT INTO opportunity_contacts (source_system, external_id, opportunity_id, contact_id, "
      "role, is_primary) VALUES ('salesforce', 'r4', ?, ?, 'Decision Maker', 1)",
      {w_.Id("opportunities", "o2"), w_.Id("contacts", "c3")});
  w_.Exec(
      "INSERT INTO touchpoints (source_system, external_id, contact_id, occurred_at, type, "
      "channel, url) VALUES ('salesforce', 't9', ?, ?, 'page_view', 'display', "
      "'https://acme-corp.example/x')",
      {w_.Id("contacts", "c6"), kAsOf - 2 * kDay});
  auto after = RunAudit(w_.db(), AsOf());
  ASSERT_TRUE(after) << after.error().ToString();
  const Json d = Diff(*before, *after);
  auto rules = [&](const char* kind) {
    std::set<std::string> out;
    for (const Json& x : d[kind]) out.insert(x["rule"].get<std::string>());
    return out;
  };
  EXPECT_EQ(rules("resolved"),
            (std::set<std::string>{"leads.unowned_mqls", "attribution.no_contact_roles"}));
  EXPECT_EQ(rules("new"), std::set<std::string>{});
  EXPECT_EQ(rules("worse"), std::set<std::string>{"attribution.touches_without_utm"});
  for (const Json& a : d["areas"]) {
    if (a["area"] == "leads" || a["area"] == "attribution") {
      EXPECT_GT(a["change"].get<int>(), 0) << a.dump();
    }
  }
  EXPECT_DOUBLE_EQ(d["pipeline_at_risk"]["after"].get<double>(), 0);
}

TEST_F(AuditTest, StoredRunsListLoadAndRender) {
  auto first = RunAndStore(w_.db(), AsOf());
  ASSERT_TRUE(first) << first.error().ToString();
  auto second = RunAndStore(w_.db(), AsOf());
  ASSERT_TRUE(second) << second.error().ToString();
  auto runs = ListRuns(w_.db(), 10);
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].id, second->id);
  EXPECT_EQ((*runs)[0].audit["as_of"], "2026-06-30");
  auto loaded = LoadRun(w_.db(), first->id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(Fired(loaded->audit), Fired(first->audit));
  auto prev = PreviousRun(w_.db(), second->id);
  ASSERT_TRUE(prev);
  ASSERT_TRUE(prev->has_value());
  EXPECT_EQ((*prev)->id, first->id);
  EXPECT_EQ(LoadRun(w_.db(), 999).error().code, core::ErrorCode::kNotFound);
  const std::string html = Html(loaded->audit);
  EXPECT_NE(html.find("Marketo Engage"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
}

TEST_F(AuditTest, ConfigOverridesThresholdAndBadConfigChangesNothing) {
  // Two pairs would be needed now for the overlap rule.
  w_.Exec(
      "INSERT INTO configs (name, body, updated_at, updated_by) VALUES ('audit', "
      "'rules:\n  stack.overlap: {threshold: 1}\n', 0, 'test')");
  auto doc = RunAudit(w_.db(), AsOf());
  ASSERT_TRUE(doc) << doc.error().ToString();
  EXPECT_FALSE(Fired(*doc).contains("stack.overlap"));
  EXPECT_TRUE(Fired(*doc).contains("stack.failing_syncs"));
}

TEST_F(AuditTest, CliWritesEveryFormatAndDiffs) {
  const auto install = [](CLI::App& app, cli::Context& ctx) { RegisterCommands(app, ctx); };
  const std::string dir = w_.dir().string();
  auto run = [&](std::vector<std::string> args) {
    return test_support::RunInProcess(install, w_.url(), std::move(args));
  };
  auto json = run({"audit", "--as-of", "2026-06-30", "--out", dir + "/a.json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  std::ifstream in(dir + "/a.json");
  const Json doc = Json::parse(in);
  EXPECT_TRUE(Fired(doc).contains("leads.unowned_mqls"));
  // Markdown on stdout, HTML to a file.
  auto md = run({"audit", "--as-of", "2026-06-30", "--format", "md"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_NE(md.out.find("## 1. Executive summary"), std::string::npos);
  EXPECT_NE(md.out.find("MQLs without an owner"), std::string::npos);
  auto html = run({"audit", "--as-of", "2026-06-30", "--out", dir + "/a.html"});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  EXPECT_TRUE(std::filesystem::file_size(dir + "/a.html") > 1000);
  // Fix the unowned MQL and diff against the first run.
  w_.Exec(
      "UPDATE contacts SET owner_id = (SELECT id FROM users WHERE external_id = 'u1') "
      "WHERE external_id = 'c3'");
  auto diff =
      run({"audit", "--as-of", "2026-06-30", "--format", "json", "--diff", dir + "/a.json"});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  const Json d = Json::parse(diff.out)["diff"];
  ASSERT_EQ(d["resolved"].size(), 1u);
  EXPECT_EQ(d["resolved"][0]["rule"], "leads.unowned_mqls");
  // Bad inputs: clear errors, nothing written.
  auto bad_date = run({"audit", "--as-of", "June", "--out", dir + "/b.json"});
  EXPECT_EQ(bad_date.exit_code, 1);
  EXPECT_NE(bad_date.err.find("--as-of"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir + "/b.json"));
  std::ofstream(dir + "/not.json") << "{\"hello\": 1}";
  auto bad_diff = run({"audit", "--diff", dir + "/not.json"});
  EXPECT_EQ(bad_diff.exit_code, 1);
  EXPECT_NE(bad_diff.err.find("not an audit document"), std::string::npos);
  auto pdf_no_out = run({"audit", "--format", "pdf"});
  EXPECT_EQ(pdf_no_out.exit_code, 1);
  EXPECT_NE(pdf_no_out.err.find("--out"), std::string::npos);
  auto rules = run({"audit", "--list-rules"});
  ASSERT_EQ(rules.exit_code, 0) << rules.err;
  EXPECT_NE(rules.out.find("campaigns.unapproved_launches"), std::string::npos);
}

TEST_F(AuditTest, RoutesRunStoreListAndDownloadWithRoles) {
  auto ops = http::CreateToken(w_.db(), "ops", http::Role::kOps);
  auto analyst = http::CreateToken(w_.db(), "analyst", http::Role::kAnalyst);
  ASSERT_TRUE(ops && analyst);
  test_support::TestServer server(w_.url(), [](http::Router& r) { RegisterRoutes(r); });
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(120, 0);
  const httplib::Headers as_ops = {{"Authorization", "Bearer " + *ops}};
  const httplib::Headers as_analyst = {{"Authorization", "Bearer " + *analyst}};

  auto refused = client.Post("/api/v1/audit/runs", as_analyst, "{}", "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  auto bad = client.Post("/api/v1/audit/runs", as_ops, R"({"as_of": "soon"})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(Json::parse(bad->body)["error"]["details"]["field"], "as_of");

  auto created =
      client.Post("/api/v1/audit/runs", as_ops, R"({"as_of": "2026-06-30"})", "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  const Json brief = Json::parse(created->body);
  EXPECT_EQ(brief["as_of"], "2026-06-30");
  const int64_t id = brief["id"];

  auto list = client.Get("/api/v1/audit/runs", as_analyst);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200);
  EXPECT_EQ(Json::parse(list->body)["items"][0]["id"], id);
  auto one = client.Get("/api/v1/audit/runs/" + std::to_string(id), as_analyst);
  ASSERT_TRUE(one);
  ASSERT_EQ(one->status, 200);
  const Json run = Json::parse(one->body);
  EXPECT_TRUE(Fired(run["audit"]).contains("stack.overlap"));
  EXPECT_TRUE(run["diff"].is_null());

  auto md =
      client.Get("/api/v1/audit/runs/" + std::to_string(id) + "/report?format=md", as_analyst);
  ASSERT_TRUE(md);
  ASSERT_EQ(md->status, 200);
  EXPECT_EQ(md->get_header_value("Content-Disposition"),
            "attachment; filename=\"mops-audit-" + std::to_string(id) + "-2026-06-30.md\"");
  EXPECT_NE(md->body.find("## 1. Executive summary"), std::string::npos);
  auto html = client.Get("/api/v1/audit/runs/" + std::to_string(id) + "/report", as_analyst);
  ASSERT_TRUE(html);
  EXPECT_EQ(html->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(html->body.find("<svg"), std::string::npos);
  // PDF printed by headless Chromium when it is installed (the browser tests
  // need it), else an error that names what to install.
  auto pdf =
      client.Get("/api/v1/audit/runs/" + std::to_string(id) + "/report?format=pdf", as_analyst);
  ASSERT_TRUE(pdf);
  if (pdf->status == 200) {
    EXPECT_EQ(pdf->get_header_value("Content-Type"), "application/pdf");
    EXPECT_EQ(pdf->body.substr(0, 5), "%PDF-");
  } else {
    EXPECT_NE(pdf->body.find("chromium"), std::string::npos) << pdf->body;
  }
  auto wrong =
      client.Get("/api/v1/audit/runs/" + std::to_string(id) + "/report?format=docx", as_analyst);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 400);
  EXPECT_NE(wrong->body.find("format"), std::string::npos) << wrong->body;
  auto missing = client.Get("/api/v1/audit/runs/999", as_analyst);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

// PDF goes through headless Chromium; without one on PATH the error says
// what to install and how to get HTML instead, and writes nothing.
TEST(AuditPdf, PrintsWithChromiumAndSaysSoWithout) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("mops-report-pdf-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "empty-bin");
  const std::string html =
      "<!DOCTYPE html><html><body><h1>Audit</h1><svg class=\"chart\" viewBox=\"0 0 10 10\">"
      "<rect width=\"5\" height=\"5\"/></svg></body></html>";
  const char* old = std::getenv("PATH");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("PATH", (dir / "empty-bin").c_str(), 1);
  const core::Status missing = WritePdf(html, (dir / "none.pdf").string());
  ::setenv("PATH", saved.c_str(), 1);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::ErrorCode::kUnavailable);
  EXPECT_NE(missing.error().message.find("chromium is not installed"), std::string::npos);
  EXPECT_NE(missing.error().message.find("--format html"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "none.pdf"));
  if (!std::filesystem::exists("/usr/bin/chromium")) {
    std::filesystem::remove_all(dir);
    GTEST_SKIP() << "no chromium here";
  }
  const core::Status printed = WritePdf(html, (dir / "audit.pdf").string());
  ASSERT_TRUE(printed) << printed.error().ToString();
  std::ifstream in(dir / "audit.pdf", std::ios::binary);
  std::string magic(5, '\0');
  in.read(magic.data(), 5);
  EXPECT_EQ(magic, "%PDF-");
  std::filesystem::remove_all(dir);
}

// A workspace with nothing in it: every area says what is missing, nothing fails.
TEST(AuditEmpty, EveryAreaSaysWhatIsMissing) {
  Workspace w;
  auto doc = RunAudit(w.db(), AsOf());
  ASSERT_TRUE(doc) << doc.error().ToString();
  EXPECT_TRUE((*doc)["findings"].empty());
  std::set<std::string> areas;
  for (const Json& f : (*doc)["no_data"]) areas.insert(f["area"].get<std::string>());
  EXPECT_EQ(areas.size(), 6u);
  for (const Json& a : (*doc)["summary"]["areas"]) EXPECT_TRUE(a["score"].is_null());
  for (const Json& s : (*doc)["sections"]) EXPECT_TRUE(s.contains("missing")) << s.dump();
}

// CRM data and no tool inventory: the stack area has no data, and says which
// tools the data names.
TEST(AuditEmpty, StackWithoutInventoryNamesTheToolsOfTheData) {
  Workspace w;
  w.Exec(
      "INSERT INTO contacts (source_system, external_id, email) VALUES ('hubspot', '101', "
      "'cy@example.com')");
  auto doc = RunAudit(w.db(), AsOf());
  ASSERT_TRUE(doc) << doc.error().ToString();
  bool found = false;
  for (const Json& f : (*doc)["no_data"]) {
    if (f["area"] != "stack") continue;
    found = true;
    EXPECT_NE(f.dump().find("No tool inventory (the imported data comes from HubSpot Marketing "
                            "Hub and HubSpot Sales Hub)"),
              std::string::npos)
        << f.dump();
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace mops::report
