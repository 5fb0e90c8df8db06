// The `mops campaigns` verbs in process: the workflow from create to launch,
// templates and assets, member list imports, budgets, UTM check (one URL, a
// file of URLs, the stored touchpoints), fix and undo; and bad input: the
// exit code, the message naming what is wrong, and a workspace unchanged.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "campaigns/commands.h"
#include "cli/cli.h"
#include "store/database.h"
#include "tests/support/in_process_cli.h"

namespace mops::campaigns {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Outcome = test_support::CliOutcome;

const std::string kFixtures = std::string(MOPS_FIXTURES) + "/campaigns";

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CampaignsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mops-campaigns-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto db = store::Open(Workspace());
    ASSERT_TRUE(db) << db.error().ToString();
    ASSERT_TRUE(store::Migrate(**db));
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string Workspace() const { return (dir_ / "ws.db").string(); }

  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

  Outcome Mops(std::vector<std::string> args) {
    return test_support::RunInProcess(
        [](CLI::App& app, cli::Context& ctx) { RegisterCommands(app, ctx); }, Workspace(),
        std::move(args));
  }

  Json MopsJson(std::vector<std::string> args) {
    args.insert(args.begin(), {"--format", "json"});
    const Outcome r = Mops(args);
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 3) << r.err;
    return Json::parse(r.out);
  }

  void Exec(const std::string& sql, std::vector<store::Value> params = {}) {
    auto db = store::Open(Workspace());
    ASSERT_TRUE(db);
    auto r = (*db)->Execute(sql, params);
    ASSERT_TRUE(r) << sql << ": " << r.error().ToString();
  }

  int64_t Count(const std::string& sql) {
    auto db = store::Open(Workspace());
    EXPECT_TRUE(db);
    return store::AsInt(*(*db)->QueryValue(sql));
  }

  // Every row of the tables the verbs write, to prove that a refused
  // command changed nothing.
  std::string Snapshot() {
    auto db = store::Open(Workspace());
    EXPECT_TRUE(db);
    std::string out;
    for (const char* table :
         {"campaigns", "campaign_members", "campaign_templates", "assets", "campaign_assets",
          "campaign_checklist", "approval_steps", "audit_log", "configs", "touchpoints",
          "campaign_costs", "approval_chains", "campaign_member_statuses", "utm_fixes"}) {
      auto rows = (*db)->Query(std::string("SELECT * FROM ") + table + " ORDER BY 1");
      EXPECT_TRUE(rows) << table;
      if (!rows) continue;
      out += table;
      out += "\n";
      for (const auto& r : rows->rows) {
        for (const auto& v : r) out += store::AsText(v) + "|";
        out += "\n";
      }
    }
    return out;
  }

  int64_t CreateWebinar(const std::string& name) {
    const Outcome r = Mops({"campaigns", "create",
                            "--name",    name,
                            "--set",     "type=Webinar",
                            "--set",     "channel=webinar",
                            "--set",     "owner=ana",
                            "--set",     "goal=200 registrations",
                            "--set",     "audience=EMEA IT leaders",
                            "--set",     "utm_campaign=emea_spring_webinar",
                            "--set",     "start_date=2026-03-02",
                            "--set",     "end_date=2026-04-01",
                            "--set",     "budget=3100.00"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(Has(r.err, "created campaign ")) << r.err;
    return std::stoll(r.err.substr(r.err.find("created campaign ") + 17));
  }

  fs::path dir_;
};

TEST_F(CampaignsCli, CreateApproveScheduleAndTheLaunchGate) {
  const int64_t id = CreateWebinar("Spring webinar");
  const std::string sid = std::to_string(id);
  Outcome show = Mops({"campaigns", "show", sid});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_TRUE(Has(show.out, "campaign " + sid + " 'Spring webinar'")) << show.out;
  EXPECT_TRUE(Has(show.out, "state draft")) << show.out;
  EXPECT_TRUE(Has(show.out, "budget 3100.00")) << show.out;

  Outcome list = Mops({"--format", "csv", "campaigns", "list", "--state", "draft"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(Has(list.out, "Spring webinar")) << list.out;
  EXPECT_FALSE(Has(Mops({"campaigns", "list", "--state", "live"}).out, "Spring webinar"));

  // Forbidden: draft -> live. Then in review, and decided by an approver.
  Outcome jump = Mops({"campaigns", "transition", sid, "live"});
  EXPECT_EQ(jump.exit_code, 1);
  EXPECT_TRUE(Has(jump.err, "from draft only to in_review, cancelled")) << jump.err;
  ASSERT_EQ(Mops({"campaigns", "transition", sid, "in_review"}).exit_code, 0);
  const Json detail = MopsJson({"campaigns", "show", sid});
  ASSERT_EQ(detail["approvals"].size(), 1u);
  const std::string step = std::to_string(detail["approvals"][0]["id"].get<int64_t>());
  EXPECT_EQ(detail["campaign"]["state"], "in_review");

  // A viewer may not decide; a rejection needs a comment; neither changes anything.
  const std::string before = Snapshot();
  Outcome viewer =
      Mops({"campaigns", "approve", sid, "--step", step, "--as", "vera", "--role", "viewer"});
  EXPECT_EQ(viewer.exit_code, 1);
  EXPECT_TRUE(Has(viewer.err, "vera")) << viewer.err;
  Outcome no_comment = Mops({"campaigns", "approve", sid, "--step", step, "--decision", "rejected",
                             "--as", "ana", "--role", "approver"});
  EXPECT_EQ(no_comment.exit_code, 1);
  EXPECT_TRUE(Has(no_comment.err, "comment")) << no_comment.err;
  Outcome bad_decision = Mops({"campaigns", "approve", sid, "--step", step, "--decision", "maybe"});
  EXPECT_EQ(bad_decision.exit_code, 1);
  EXPECT_TRUE(Has(bad_decision.err, "maybe")) << bad_decision.err;
  EXPECT_EQ(Snapshot(), before);

  Outcome approve =
      Mops({"campaigns", "approve", sid, "--step", step, "--as", "ana", "--role", "approver"});
  ASSERT_EQ(approve.exit_code, 0) << approve.err;
  EXPECT_TRUE(Has(approve.err, "campaign is approved")) << approve.err;
  ASSERT_EQ(Mops({"campaigns", "transition", sid, "scheduled"}).exit_code, 0);

  // The gate names every missing item and changes nothing.
  ASSERT_EQ(Mops({"campaigns", "checklist", sid, "--add", "Speaker confirmed"}).exit_code, 0);
  const std::string gated = Snapshot();
  Outcome live = Mops({"campaigns", "transition", sid, "live"});
  EXPECT_EQ(live.exit_code, 1);
  EXPECT_TRUE(Has(live.err, "QA 'Tracking is present' failed")) << live.err;
  EXPECT_TRUE(Has(live.err, "QA 'Speaker confirmed' is not checked")) << live.err;
  EXPECT_EQ(Snapshot(), gated);
  Outcome shown = Mops({"campaigns", "show", sid});
  EXPECT_TRUE(Has(shown.out, "launch blocked:")) << shown.out;

  // Transitions are audited with the actor: in review and scheduled by the
  // CLI's user, approved by the approver's decision.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.transition' AND "
                  "actor = 'cli'"),
            2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.transition' AND "
                  "actor = 'ana (approver)'"),
            1);
}

TEST_F(CampaignsCli, BadInputExitsWithTheReasonAndChangesNothing) {
  const int64_t id = CreateWebinar("Autumn webinar");
  const std::string sid = std::to_string(id);
  const std::string before = Snapshot();
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"campaigns", "create", "--set", "type=Email"}, 2, "--name is required"},
      {{"campaigns", "create", "--name", "X", "--set", "budget"}, 1, "--set takes FIELD=VALUE"},
      {{"campaigns", "create", "--name", "X", "--set", "budget=ten"}, 1, "budget"},
      {{"campaigns", "create", "--name", "X", "--set", "colour=red"}, 1, "colour"},
      {{"campaigns", "create", "--name", "X", "--set", "start_date=2026-02-30"}, 1, "start_date"},
      {{"campaigns", "create", "--name", "X", "--template", "77"}, 1, "template 77"},
      {{"campaigns", "create", "--name", "X", "--set", "start_date=2026-05-01", "--set",
        "end_date=2026-04-01"},
       1,
       "field 'end_date': the end date 2026-04-01 is before the start date 2026-05-01"},
      {{"campaigns", "update", sid, "--set", "end_date=2026-01-01"}, 1, "before the start date"},
      {{"campaigns", "update", sid, "--set", "start_date=2026-05-01", "--set", "goal=x"},
       1,
       "start_date"},
      {{"campaigns", "update", sid}, 2, "--set is required"},
      {{"campaigns", "transition", sid, "flying"}, 1, "flying"},
      {{"campaigns", "transition", "999", "in_review"}, 1, "999"},
      {{"campaigns", "transition", "0", "in_review"}, 2, ""},
      {{"campaigns", "show", "999"}, 1, "999"},
      {{"campaigns", "chain", sid, "--steps", "[{\"stage\":1,\"colour\":\"x\"}]"}, 1, "colour"},
      {{"campaigns", "chain", sid, "--steps", "not json"}, 1, "--steps is not JSON"},
      {{"campaigns", "cost", sid, "--month", "2026-13", "--amount", "10"}, 1, "2026-13"},
      {{"campaigns", "cost", sid, "--month", "2026-03", "--amount", "a lot"}, 1, "a lot"},
      {{"campaigns", "budget", sid, "--as-of", "yesterday"}, 1, "yesterday"},
      {{"campaigns", "rollups", "--run", "x"}, 1, "--run takes attribution run ids"},
      {{"campaigns", "calendar", "--from", "March"}, 1, "March"},
      {{"campaigns", "checklist", sid}, 1, "name an item"},
      {{"campaigns", "members", sid, "--contact", "5", "--status", "Attended"}, 1, "5"},
      {{"campaigns", "statuses", "--campaign", sid, "--set", "[{\"name\":\"Sent\"}]"},
       1,
       "default"},
      {{"campaigns", "templates", "--add", (dir_ / "missing.json").string()}, 1, "missing.json"},
      {{"campaigns", "templates", "--from-campaign", sid}, 1, "--name"},
      {{"campaigns", "assets", "--name", "Banner", "--type", "hologram"}, 1, "hologram"},
      {{"campaigns", "asset-edit", "999", "--set", "status=ready"}, 1, "asset 999"},
      {{"campaigns", "import-list", sid, (dir_ / "none.csv").string()}, 1, "none.csv"},
      {{"campaigns", "utm", "check"}, 1, "check one URL, a --file of URLs, or --stored"},
      {{"campaigns", "utm", "check", "https://a.io/", "--stored"}, 1, "check one URL"},
      {{"campaigns", "utm", "check", "--file", (dir_ / "nope.txt").string()}, 1, "nope.txt"},
      {{"campaigns", "utm", "build", "example.com/x", "--source", "a", "--medium", "b",
        "--campaign", "c"},
       1,
       "url"},
      {{"campaigns", "utm", "build", "https://a.io/", "--medium", "email", "--campaign", "c"},
       1,
       "utm_source is required"},
      {{"campaigns", "utm", "undo", "42"}, 1, "42"},
      {{"campaigns", "fly"}, 2, ""},
  };
  for (const Case& c : cases) {
    const Outcome r = Mops(c.args);
    std::string joined;
    for (const std::string& a : c.args) joined += a + " ";
    EXPECT_EQ(r.exit_code, c.exit_code) << joined << "\n" << r.err;
    EXPECT_TRUE(Has(r.err, c.message)) << joined << "\nstderr: " << r.err;
    if (c.exit_code == 1) {
      EXPECT_TRUE(Has(r.err, "mops: ")) << joined << "\n" << r.err;
    }
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(CampaignsCli, UtmCheckOfAFileReportsEachViolationWithItsFix) {
  const std::string file = kFixtures + "/utm_links.txt";
  Outcome table = Mops({"campaigns", "utm", "check", "--file", file});
  EXPECT_EQ(table.exit_code, 3) << table.err;  // violations found
  // Mixed case and spaces, an already-encoded value, with the fragment kept.
  EXPECT_TRUE(Has(table.out,
                  "fixed: https://example.com/pricing?utm_source=facebook&utm_medium=paid_social&"
                  "utm_campaign=spring_launch#plans"))
      << table.out;
  EXPECT_TRUE(Has(table.out, "parameter name 'UTM_SOURCE' is not lower case")) << table.out;
  EXPECT_TRUE(Has(table.out, "not an absolute URL")) << table.out;

  const Json r = MopsJson({"campaigns", "utm", "check", "--file", file});
  ASSERT_EQ(r.size(), 6u);  // the comment and the blank line are not URLs
  EXPECT_TRUE(r[0]["valid"].get<bool>()) << r[0].dump();
  // Facebook / Paid Social / Spring Launch: case and spaces, each with its fix.
  const Json& pricing = r[1];
  EXPECT_FALSE(pricing["valid"].get<bool>());
  std::map<std::string, std::string> suggestion;
  std::set<std::string> rules;
  for (const Json& v : pricing["violations"]) {
    rules.insert(v["param"].get<std::string>() + ":" + v["rule"].get<std::string>());
    if (!v["suggestion"].is_null()) suggestion[v["param"]] = v["suggestion"];
  }
  EXPECT_TRUE(rules.contains("utm_source:case"));
  EXPECT_TRUE(rules.contains("utm_medium:spaces"));
  EXPECT_TRUE(rules.contains("utm_campaign:spaces"));
  EXPECT_EQ(suggestion["utm_source"], "facebook");
  EXPECT_EQ(suggestion["utm_medium"], "paid_social");
  EXPECT_EQ(suggestion["utm_campaign"], "spring_launch");
  // An upper-case parameter name and a missing utm_campaign.
  const Json& webinar = r[2];
  std::set<std::string> webinar_rules;
  for (const Json& v : webinar["violations"]) {
    webinar_rules.insert(v["param"].get<std::string>() + ":" + v["rule"].get<std::string>());
  }
  EXPECT_TRUE(webinar_rules.contains("utm_source:case"));
  EXPECT_TRUE(webinar_rules.contains("utm_campaign:missing"));
  // Not a URL.
  EXPECT_FALSE(r[3]["well_formed"].get<bool>());
  // Unicode is kept; fb is the built-in alias of facebook.
  const Json& cafe = r[4];
  EXPECT_EQ(cafe["url"],
            "https://example.com/caf%C3%A9?utm_source=fb&utm_medium=paid_social&"
            "utm_campaign=caf%C3%A9_cr%C3%A8me");
  EXPECT_EQ(cafe["utm"]["utm_campaign"], "caf\xC3\xA9_cr\xC3\xA8me");
  ASSERT_EQ(cafe["violations"].size(), 1u) << cafe.dump();
  EXPECT_EQ(cafe["violations"][0]["rule"], "alias");
  EXPECT_EQ(cafe["violations"][0]["suggestion"], "facebook");
  // An encoded '?' and '=' are forbidden characters once decoded.
  const Json& demo = r[5];
  ASSERT_EQ(demo["violations"].size(), 1u) << demo.dump();
  EXPECT_EQ(demo["violations"][0]["param"], "utm_content");
  EXPECT_EQ(demo["violations"][0]["rule"], "forbidden");
  EXPECT_EQ(demo["violations"][0]["suggestion"], "herov2");

  // Under a config of allowed values, fb is not allowed and its fix is facebook.
  ASSERT_EQ(Mops({"campaigns", "utm", "config", "--set", kFixtures + "/naming.yaml"}).exit_code, 0);
  const Json strict = MopsJson({"campaigns", "utm", "check", "--file", file});
  EXPECT_EQ(strict[4]["violations"][0]["rule"], "not_allowed");
  EXPECT_EQ(strict[4]["violations"][0]["suggestion"], "facebook");

  // A clean file exits 0.
  Outcome clean = Mops({"campaigns", "utm", "check", "--file", kFixtures + "/utm_links_clean.txt"});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  // One URL.
  EXPECT_EQ(Mops({"campaigns", "utm", "check", "https://a.io/?utm_source=Fb"}).exit_code, 3);
}

TEST_F(CampaignsCli, UtmConfigBuildAndAStoredFixThatIsUndone) {
  // A bad config names its file, line and key, and the old one stays.
  ASSERT_EQ(Mops({"campaigns", "utm", "config", "--set", kFixtures + "/naming.yaml"}).exit_code, 0);
  const std::string bad = Write("bad.yaml", "sources: [google]\nmediums: [cpc]\ncase: Title\n");
  Outcome refused = Mops({"campaigns", "utm", "config", "--set", bad});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(Has(refused.err, "bad.yaml:3")) << refused.err;
  EXPECT_TRUE(Has(refused.err, "case")) << refused.err;
  EXPECT_TRUE(Has(Mops({"campaigns", "utm", "config"}).out, "linkedin"));

  Outcome built = Mops({"campaigns", "utm", "build", "https://example.com/p?x=1#top", "--source",
                        "Newsletter", "--medium", "email", "--campaign", "Spring Launch"});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_EQ(built.out,
            "https://example.com/p?x=1&utm_source=newsletter&utm_medium=email&utm_campaign="
            "spring_launch#top\n");
  Outcome pigeon = Mops({"campaigns", "utm", "build", "https://example.com/", "--source",
                         "newsletter", "--medium", "carrier pigeon", "--campaign", "x"});
  EXPECT_EQ(pigeon.exit_code, 1);
  EXPECT_TRUE(Has(pigeon.err, "utm_medium")) << pigeon.err;

  // Stored touchpoints written three ways; one campaign knows spring_launch.
  ASSERT_EQ(Mops({"campaigns", "create", "--name", "Spring", "--set", "utm_campaign=spring_launch"})
                .exit_code,
            0);
  int n = 0;
  for (const auto& [source, medium, count] :
       std::vector<std::tuple<std::string, std::string, int>>{{"facebook", "paid_social", 3},
                                                              {"Facebook", "paid_social", 2},
                                                              {"fb", "Paid Social", 1}}) {
    for (int i = 0; i < count; ++i) {
      Exec(
          "INSERT INTO touchpoints (source_system, external_id, occurred_at, type, channel, "
          "source, medium, utm_campaign) VALUES ('t', ?, 1772409600, 'page_view', "
          "'paid_social', ?, ?, 'spring_launch')",
          {"t" + std::to_string(n++), source, medium});
    }
  }
  Outcome check = Mops({"campaigns", "utm", "check", "--stored"});
  EXPECT_EQ(check.exit_code, 3);
  EXPECT_TRUE(Has(check.out, "6 touchpoints, 6 with UTMs, 3 affected")) << check.out;
  const std::string before = Snapshot();
  Outcome dry = Mops({"campaigns", "utm", "fix", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_TRUE(Has(dry.out, "dry run: would fix 3 touchpoints")) << dry.out;
  EXPECT_TRUE(Has(dry.out, "utm_source 'Facebook' -> 'facebook'")) << dry.out;
  EXPECT_EQ(Snapshot(), before);
  Outcome fix = Mops({"campaigns", "utm", "fix", "--actor", "olga"});
  ASSERT_EQ(fix.exit_code, 0) << fix.err;
  EXPECT_TRUE(Has(fix.out, "fixed 3 touchpoints")) << fix.out;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM touchpoints WHERE source = 'facebook' AND medium = "
                  "'paid_social'"),
            6);
  EXPECT_EQ(Mops({"campaigns", "utm", "check", "--stored"}).exit_code, 0);
  const std::string undo_id = fix.out.substr(fix.out.find("utm undo ") + 9);
  Outcome undo =
      Mops({"campaigns", "utm", "undo", std::string(undo_id.substr(0, undo_id.find('\n')))});
  ASSERT_EQ(undo.exit_code, 0) << undo.err;
  EXPECT_TRUE(Has(undo.out, "3 touchpoints restored")) << undo.out;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM touchpoints WHERE source = 'Facebook'"), 2);
}

TEST_F(CampaignsCli, TemplatesAssetsAndAListImport) {
  const int64_t id = CreateWebinar("June webinar");
  const std::string sid = std::to_string(id);
  ASSERT_EQ(Mops({"campaigns", "assets", "--name", "Invite", "--type", "email", "--url",
                  "https://example.com/w?utm_source=newsletter", "--owner", "ana", "--status",
                  "ready", "--campaign", sid})
                .exit_code,
            0);
  ASSERT_EQ(Mops({"campaigns", "checklist", sid, "--add", "Speaker confirmed"}).exit_code, 0);
  Outcome saved = Mops({"campaigns", "templates", "--from-campaign", sid, "--name", "Webinar kit"});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  EXPECT_TRUE(Has(saved.err, "created template")) << saved.err;
  // The same name again is refused.
  Outcome twice = Mops({"campaigns", "templates", "--from-campaign", sid, "--name", "Webinar kit"});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_TRUE(Has(twice.err, "Webinar kit")) << twice.err;
  const Json templates = MopsJson({"campaigns", "templates"});
  ASSERT_EQ(templates.size(), 1u);
  EXPECT_EQ(templates[0]["type"], "Webinar");
  EXPECT_EQ(templates[0]["checklist"], Json::array({"Speaker confirmed"}));
  EXPECT_EQ(templates[0]["assets"].size(), 1u);
  EXPECT_EQ(templates[0]["approval_chain"][0]["role"], "approver");
  EXPECT_EQ(templates[0]["statuses"][0]["name"], "Invited");
  const std::string tid = std::to_string(templates[0]["id"].get<int64_t>());

  // A campaign cloned from it carries the checklist, the asset and the chain.
  Outcome clone = Mops(
      {"--format", "json", "campaigns", "create", "--name", "July webinar", "--template", tid});
  ASSERT_EQ(clone.exit_code, 0) << clone.err;
  const Json cloned = Json::parse(clone.out);
  EXPECT_EQ(cloned["campaign"]["template_id"], templates[0]["id"]);
  EXPECT_EQ(cloned["campaign"]["type"], "Webinar");
  bool has_item = false;
  for (const Json& q : cloned["qa"]) has_item = has_item || q["label"] == "Speaker confirmed";
  EXPECT_TRUE(has_item) << cloned["qa"].dump();

  // The library lists the asset with both campaigns; its status changes.
  Outcome assets = Mops({"--format", "csv", "campaigns", "assets"});
  ASSERT_EQ(assets.exit_code, 0);
  const std::string both = sid + "," + std::to_string(cloned["campaign"]["id"].get<int64_t>());
  EXPECT_TRUE(Has(assets.out, both)) << assets.out;
  ASSERT_EQ(Mops({"campaigns", "asset-edit", "1", "--set", "status=retired"}).exit_code, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM assets WHERE status = 'retired' AND name = 'Invite'"), 1);
  Outcome colour = Mops({"campaigns", "asset-edit", "1", "--set", "colour=red"});
  EXPECT_EQ(colour.exit_code, 1);
  EXPECT_TRUE(Has(colour.err, "colour")) << colour.err;
  Outcome retired = Mops({"campaigns", "asset-edit", "1", "--set", "status=gone"});
  EXPECT_EQ(retired.exit_code, 1);
  EXPECT_TRUE(Has(retired.err, "gone")) << retired.err;

  // A HubSpot list export: title row, ids in two forms, one unknown person.
  Exec(
      "INSERT INTO contacts (source_system, external_id, email) VALUES ('hubspot', '1201', "
      "'ingrid.halvorsen@fjordlytics.example'), ('hubspot', '1202', "
      "'t.wierzba@brightmill.example'), ('salesforce', '003A', 'ama.owusu@kente-data.example')");
  const std::string list = std::string(MOPS_FIXTURES) + "/hubspot_list_members.csv";
  const std::string before = Snapshot();
  Outcome strict = Mops({"campaigns", "import-list", sid, list, "--strict"});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_TRUE(Has(strict.err, "hubspot_list_members.csv:6")) << strict.err;
  EXPECT_TRUE(Has(strict.err, "9999")) << strict.err;
  EXPECT_EQ(Snapshot(), before);
  Outcome imported = Mops({"campaigns", "import-list", sid, list});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(Has(imported.out, "4 rows: 3 members added, 0 already members, 1 unmatched"))
      << imported.out;
  EXPECT_TRUE(Has(imported.out, "hubspot_list_members.csv:6: no contact with record id '9999'"))
      << imported.out;
  Outcome members = Mops({"--format", "csv", "campaigns", "members", sid});
  EXPECT_TRUE(Has(members.out, "Invited,1,no,3")) << members.out;

  // Period cost and budget.
  ASSERT_EQ(Mops({"campaigns", "cost", sid, "--month", "2026-03", "--amount", "1200.50", "--note",
                  "venue"})
                .exit_code,
            0);
  Outcome budget = Mops({"campaigns", "budget", sid, "--as-of", "2026-03-17"});
  ASSERT_EQ(budget.exit_code, 0) << budget.err;
  EXPECT_TRUE(Has(budget.out, "budget 3100.00 actual 1200.50 variance 1899.50")) << budget.out;
}

}  // namespace
}  // namespace mops::campaigns
