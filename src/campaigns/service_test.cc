// Campaign operations on a real workspace (SQLite, or PostgreSQL when built
// with MOPS_CAMPAIGNS_TEST_POSTGRES): the workflow end to end, roll-ups from
// a stored attribution run, budgets, member statuses, UTM check, fix and
// undo, and the REST routes with their roles.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "campaigns/campaigns.h"
#include "campaigns/routes.h"
#include "http/http.h"
#include "ingest/ingest.h"
#include "records/routes.h"
#include "store/database.h"
#include "tests/support/test_server.h"
#include "tests/support/test_workspace.h"

namespace mops::campaigns {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Json = nlohmann::json;
using store::Value;

class Workspace : public test_support::TestWorkspace {
 public:
#ifdef MOPS_CAMPAIGNS_TEST_POSTGRES
  Workspace() : TestWorkspace("campaigns", test_support::Backend::kPostgres) {}
#else
  Workspace() : TestWorkspace("campaigns", test_support::Backend::kSqlite) {}
#endif
  int64_t Value(const std::string& sql) { return store::AsInt(*db_->QueryValue(sql)); }
  void Exec(const std::string& sql, std::vector<store::Value> params = {}) {
    auto r = db_->Execute(sql, params);
    ASSERT_TRUE(r) << sql << ": " << r.error().ToString();
  }
};

template <typename T>
T Ok(core::Result<T> r) {
  EXPECT_TRUE(r) << r.error().ToString();
  return std::move(*r);
}
void Ok(core::Status s) { EXPECT_TRUE(s) << s.error().ToString(); }

// 2026-03-02.
constexpr core::Timestamp kMarch = 1772409600;

FieldEdits GoodFields(std::string name) {
  return {{"name", std::move(name)},
          {"type", "Webinar"},
          {"channel", "webinar"},
          {"owner", "ana"},
          {"goal", "200 registrations"},
          {"audience", "EMEA IT leaders"},
          {"utm_campaign", "emea_spring_webinar"},
          {"start_date", "2026-03-02"},
          {"end_date", "2026-04-01"},
          {"budget", "310.00"}};
}

TEST(Workflow, DraftToLiveWithTheGateAndEveryTransitionAudited) {
  Workspace ws;
  store::Database& db = ws.db();
  const int64_t id = Ok(CreateCampaign(db, GoodFields("Spring webinar"), "olga"));
  EXPECT_EQ(Ok(GetCampaign(db, id)).fields.state, State::kDraft);
  // Forbidden: draft -> live, and approved by transition.
  auto jump = Transition(db, id, State::kLive, "olga");
  ASSERT_FALSE(jump);
  EXPECT_THAT(jump.error().message, HasSubstr("from draft only to in_review, cancelled"));
  Ok(SetApprovalChain(db, id,
                      std::vector<StepDef>{{1, "Brand", "approver", "", 2},
                                           {1, "Legal", "", "lena", 2},
                                           {2, "Director", "approver", "", 1}},
                      "olga"));
  Ok(Transition(db, id, State::kInReview, "olga"));
  auto self_approve = Transition(db, id, State::kApproved, "olga");
  ASSERT_FALSE(self_approve);
  EXPECT_THAT(self_approve.error().message, HasSubstr("approval steps"));
  CampaignApprovals a = Ok(LoadApprovals(db, id, kMarch));
  ASSERT_EQ(a.steps.size(), 3u);
  EXPECT_EQ(a.active.size(), 2u);
  const Actor ana{"ana", "approver"}, lena{"lena", "viewer"};
  // Wrong person, then the right ones.
  auto wrong = DecideStep(db, id, a.steps[1].id, Decision::kApproved, "", ana);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, core::ErrorCode::kPermissionDenied);
  Ok(DecideStep(db, id, a.steps[0].id, Decision::kApproved, "", ana));
  Ok(DecideStep(db, id, a.steps[1].id, Decision::kApprovedWithChanges, "footer fixed", lena));
  EXPECT_EQ(Ok(GetCampaign(db, id)).fields.state, State::kInReview);
  Ok(DecideStep(db, id, a.steps[2].id, Decision::kApproved, "", ana));
  EXPECT_EQ(Ok(GetCampaign(db, id)).fields.state, State::kApproved);
  Ok(Transition(db, id, State::kScheduled, "olga"));
  // The gate: no tracked link, a manual item unchecked.
  const int64_t item = Ok(AddChecklistItem(db, id, "Legal sign-off", true, "olga"));
  auto refused = Transition(db, id, State::kLive, "olga");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, core::ErrorCode::kConflict);
  EXPECT_THAT(refused.error().message, HasSubstr("QA 'Tracking is present' failed"));
  EXPECT_THAT(refused.error().message, HasSubstr("QA 'Legal sign-off' is not checked"));
  EXPECT_EQ(Ok(GetCampaign(db, id)).fields.state, State::kScheduled);  // nothing changed
  Ok(CheckItem(db, id, item, true, "lena"));
  const int64_t asset = Ok(CreateAsset(
      db,
      {0, "Invite", "email",
       "https://example.com/w?utm_source=newsletter&utm_medium=email&utm_campaign=emea_spring_"
       "webinar",
       "ana", "ready", "Hi {{contact.first_name}}"},
      "olga"));
  // Linking an asset is a content change: the campaign goes back to review.
  EXPECT_TRUE(Ok(LinkAsset(db, id, asset, true, "olga")).sent_back);
  EXPECT_EQ(Ok(GetCampaign(db, id)).fields.state, State::kInReview);
  a = Ok(LoadApprovals(db, id, kMarch));
  ASSERT_EQ(a.steps.size(), 6u);  // a second round; the first is history
  EXPECT_EQ(a.steps[5].round, 2);
  // A step of the old round cannot be decided any more.
  EXPECT_FALSE(DecideStep(db, id, a.steps[0].id, Decision::kApproved, "", ana));
  for (int i = 3; i < 6; ++i) {
    Ok(DecideStep(db, id, a.steps[i].id, Decision::kApproved, "", i == 4 ? lena : ana));
  }
  Ok(Transition(db, id, State::kScheduled, "olga"));
  EXPECT_TRUE(Ok(CampaignLaunchGate(db, id)).empty());
  Ok(Transition(db, id, State::kLive, "olga"));
  Ok(Transition(db, id, State::kCompleted, "olga"));
  EXPECT_FALSE(Transition(db, id, State::kLive, "olga"));
  EXPECT_FALSE(UpdateCampaign(db, id, {{"goal", "more"}}, "olga"));
  // Every transition is in the audit log with its actor.
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.transition' AND "
                     "entity_id = '" +
                     std::to_string(id) + "'"),
            8);
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.transition' AND "
                     "actor = 'ana (approver)'"),
            2);
}

TEST(Workflow, ContentChangeOfAnApprovedCampaignSendsItBack) {
  Workspace ws;
  store::Database& db = ws.db();
  const int64_t id = Ok(CreateCampaign(db, GoodFields("Launch"), "olga"));
  Ok(Transition(db, id, State::kInReview, "olga"));
  CampaignApprovals a = Ok(LoadApprovals(db, id, kMarch));
  ASSERT_EQ(a.steps.size(), 1u);  // the default chain: one approver
  Ok(DecideStep(db, id, a.steps[0].id, Decision::kApproved, "", {"ana", "approver"}));
  EXPECT_FALSE(Ok(UpdateCampaign(db, id, {{"owner", "bob"}}, "olga")).sent_back);
  EXPECT_EQ(Ok(GetCampaign(db, id)).fields.state, State::kApproved);
  EXPECT_TRUE(Ok(UpdateCampaign(db, id, {{"audience", "All customers"}}, "olga")).sent_back);
  EXPECT_EQ(Ok(GetCampaign(db, id)).fields.state, State::kInReview);
  // Changes required goes back to draft; rejected cancels.
  a = Ok(LoadApprovals(db, id, kMarch));
  Ok(DecideStep(db, id, a.steps.back().id, Decision::kChangesRequired, "wrong audience",
                {"ana", "approver"}));
  EXPECT_EQ(Ok(GetCampaign(db, id)).fields.state, State::kDraft);
  // A bad edit changes nothing.
  auto bad = UpdateCampaign(db, id, {{"goal", "x"}, {"budget", "lots"}}, "olga");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "budget");
  EXPECT_EQ(Ok(GetCampaign(db, id)).fields.goal, "200 registrations");
  EXPECT_EQ(UpdateCampaign(db, id, {{"colour", "red"}}, "olga").error().field, "colour");
  EXPECT_EQ(UpdateCampaign(db, id, {{"channel", "carrier pigeon"}}, "olga").error().field,
            "channel");
  EXPECT_EQ(UpdateCampaign(db, 999, {{"goal", "x"}}, "olga").error().code,
            core::ErrorCode::kNotFound);
}

TEST(Rollups, ThreeLevelsWithAStoredAttributionRun) {
  Workspace ws;
  store::Database& db = ws.db();
  const int64_t program = Ok(CreateCampaign(db, {{"name", "FY26"}, {"budget", "1000"}}, "o"));
  const int64_t webinars = Ok(CreateCampaign(
      db, {{"name", "Webinars"}, {"budget", "200"}, {"parent_id", std::to_string(program)}}, "o"));
  const int64_t a = Ok(CreateCampaign(
      db, {{"name", "Webinar A"}, {"budget", "50"}, {"parent_id", std::to_string(webinars)}}, "o"));
  const int64_t paid = Ok(CreateCampaign(
      db, {{"name", "Paid"}, {"budget", "300"}, {"parent_id", std::to_string(program)}}, "o"));
  // Spend 40 on A, a period cost of 25 on Paid, members and responses.
  ws.Exec(
      "INSERT INTO spend (source_system, external_id, date, channel, campaign_id, amount) "
      "VALUES ('t', 's1', ?, 'webinar', ?, 4000)",
      {kMarch, a});
  Ok(AddPeriodCost(db, paid, kMarch, 2500, "agency", "o"));
  ws.Exec(
      "INSERT INTO contacts (source_system, external_id, email) VALUES ('t', 'c1', "
      "'a@example.com'), ('t', 'c2', 'b@example.com')");
  ws.Exec(
      "INSERT INTO campaign_members (source_system, external_id, campaign_id, contact_id, "
      "status, responded) VALUES ('t', 'm1', ?, 1, 'Attended', 1), ('t', 'm2', ?, 2, "
      "'Invited', 0), ('t', 'm3', ?, 1, 'Clicked', 1)",
      {a, a, paid});
  // A stored run: linear credits pipeline to campaigns by name.
  ws.Exec(
      "INSERT INTO attribution_runs (created_at, conversion, journey, models, lookback_days, "
      "params, conversions, value, unattributed, summary) VALUES (1, 'created', 'roles', "
      "'linear,first_touch', 90, '{}', 3, 1500, 0, '{}')");
  ws.Exec(
      "INSERT INTO attribution_results (run_id, model, dimension, dim_key, conversions, "
      "value) VALUES (1, 'linear', 'campaign', 'Webinar A', 1, 1000), (1, 'linear', "
      "'campaign', 'Paid', 0.5, 400), (1, 'linear', 'campaign', '', 0.5, 100), (1, "
      "'first_touch', 'campaign', 'Paid', 1, 1500)");
  const std::vector<int64_t> runs = {1};
  const RollupReport r = Ok(Rollups(db, runs, "linear"));
  ASSERT_EQ(r.rollup.rows.size(), 4u);
  const RollupRow& top = r.rollup.rows[0];
  EXPECT_EQ(r.campaigns[top.node].fields.id, program);
  EXPECT_EQ(top.total.budget, 155000);
  EXPECT_EQ(top.total.actual_cost, 6500);
  EXPECT_EQ(top.total.members, 3);
  EXPECT_EQ(top.total.responses, 2);
  EXPECT_DOUBLE_EQ(top.total.pipeline, 1400);
  EXPECT_DOUBLE_EQ(top.total.won, 0);
  EXPECT_EQ(r.rollup.rows[1].total.budget, 25000);  // Webinars + A
  EXPECT_EQ(r.rollup.rows[2].depth, 3);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_THAT(r.notes[0], HasSubstr("100.00 of pipeline"));
  EXPECT_FALSE(Rollups(db, std::vector<int64_t>{1}, "markov"));
  EXPECT_EQ(Rollups(db, std::vector<int64_t>{9}, "linear").error().code,
            core::ErrorCode::kNotFound);
  // The hierarchy stays at five levels and acyclic.
  EXPECT_EQ(UpdateCampaign(db, program, {{"parent_id", std::to_string(a)}}, "o").error().field,
            "parent_id");
}

TEST(Budget, BudgetVsActualReconcilesWithItsLines) {
  Workspace ws;
  store::Database& db = ws.db();
  const int64_t id = Ok(CreateCampaign(db, GoodFields("Budgeted"), "o"));
  ws.Exec(
      "INSERT INTO spend (source_system, external_id, date, channel, source, campaign_id, "
      "amount) VALUES ('t', 's1', ?, 'paid_social', 'linkedin', ?, 5000), ('t', 's2', ?, "
      "'paid_social', 'linkedin', ?, 2000)",
      {kMarch, id, kMarch + 30 * 86400, id});
  Ok(AddPeriodCost(db, id, kMarch + 5 * 86400, 3000, "venue deposit", "o"));
  EXPECT_FALSE(AddPeriodCost(db, id, kMarch, 0, "", "o"));
  const BudgetResult b = Ok(CampaignBudget(db, id, kMarch + 10 * 86400));
  EXPECT_EQ(b.report.budget, 31000);
  EXPECT_EQ(b.report.actual, 10000);
  int64_t lines = 0;
  for (const CostRecord& l : b.lines) lines += l.amount;
  EXPECT_EQ(lines, b.report.actual);
  int64_t months = 0;
  for (const BudgetMonth& m : b.report.months) months += m.actual;
  EXPECT_EQ(months, b.report.actual);
  EXPECT_EQ(b.report.pacing_status, "on_track");
  ASSERT_EQ(b.lines.size(), 3u);
  EXPECT_EQ(b.lines[2].detail, "venue deposit");
}

TEST(Members, ImportedMembersLandInStatusesAndOnlyMoveForward) {
  Workspace ws;
  store::Database& db = ws.db();
  const int64_t id = Ok(CreateCampaign(db, {{"name", "Mail"}, {"type", "Email"}}, "o"));
  ws.Exec(
      "INSERT INTO contacts (source_system, external_id, email) VALUES ('t', 'c1', "
      "'a@example.com'), ('t', 'c2', 'b@example.com'), ('t', 'c3', 'c@example.com')");
  ws.Exec(
      "INSERT INTO campaign_members (source_system, external_id, campaign_id, contact_id, "
      "status, responded, created_at) VALUES ('t', 'm1', ?, 1, 'clicked', 0, ?), ('t', "
      "'m2', ?, 2, 'Responded', 1, ?)",
      {id, kMarch, id, kMarch});
  const AlignReport r = Ok(AlignImportedMembers(db, 0, "import"));
  EXPECT_EQ(r.members, 2);
  EXPECT_EQ(r.changed, 2);
  EXPECT_EQ(r.unmapped, 1);
  EXPECT_EQ(r.unmapped_statuses.at("Responded"), 1);
  const auto counts = Ok(MembersByStatus(db, id));
  ASSERT_EQ(counts.size(), 4u);
  EXPECT_EQ(counts[2].status, "Clicked");
  EXPECT_EQ(counts[2].members, 2);
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM campaign_members WHERE first_responded_at IS NOT NULL"),
            2);
  // Align again: nothing to change.
  EXPECT_EQ(Ok(AlignImportedMembers(db, 0, "import")).changed, 0);
  // A new member starts at the default and moves forward only.
  EXPECT_EQ(Ok(MoveMember(db, id, 3, "Opened", "o")).status, "Opened");
  EXPECT_EQ(MoveMember(db, id, 3, "Sent", "o").error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(MoveMember(db, id, 99, "Opened", "o").error().code, core::ErrorCode::kNotFound);
  // Statuses per type; a set without exactly one default is refused.
  Ok(SetMemberStatuses(
      db, std::nullopt, "Email",
      std::vector<MemberStatus>{{"Sent", 1, false, true}, {"Engaged", 2, true, false}}, "o"));
  EXPECT_EQ(Ok(MemberStatusesOf(db, id)).size(), 2u);
  EXPECT_FALSE(
      SetMemberStatuses(db, id, "", std::vector<MemberStatus>{{"Sent", 1, false, false}}, "o"));
  EXPECT_EQ(Ok(MemberStatusesOf(db, id)).size(), 2u);
}

TEST(Members, AHubSpotListExportBecomesMembers) {
  Workspace ws;
  store::Database& db = ws.db();
  const int64_t id = Ok(CreateCampaign(db, {{"name", "Q2 webinar"}, {"type", "Webinar"}}, "o"));
  ws.Exec(
      "INSERT INTO contacts (source_system, external_id, email) VALUES ('hubspot', '1201', "
      "'ingrid.halvorsen@fjordlytics.example'), ('hubspot', '1202', "
      "'t.wierzba@brightmill.example'), ('salesforce', '003A', "
      "'ama.owusu@kente-data.example')");
  const std::string file = std::string(MOPS_FIXTURES) + "/hubspot_list_members.csv";
  const ListImport r = Ok(ImportListMembers(db, id, file, "o"));
  EXPECT_EQ(r.rows, 4);
  EXPECT_EQ(r.added, 3);
  ASSERT_EQ(r.unmatched.size(), 1u);
  EXPECT_EQ(r.unmatched[0].first, 6);
  EXPECT_THAT(r.unmatched[0].second, HasSubstr("9999"));
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM campaign_members WHERE status = 'Invited'"), 3);
  // Again: nothing new.
  const ListImport again = Ok(ImportListMembers(db, id, file, "o"));
  EXPECT_EQ(again.added, 0);
  EXPECT_EQ(again.already, 3);
  EXPECT_EQ(ImportListMembers(db, id, file + ".missing", "o").error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM campaign_members"), 3);
}

TEST(Templates, ACampaignClonesItsTemplate) {
  Workspace ws;
  store::Database& db = ws.db();
  const int64_t asset =
      Ok(CreateAsset(db, {0, "Banner", "ad", "https://example.com/a", "ana", "ready", ""}, "o"));
  Template t;
  t.name = "Webinar kit";
  t.type = "Webinar";
  t.channel = "webinar";
  t.utm_pattern = "{region}_{name}";
  t.checklist = {"Speaker confirmed", "Recording tested"};
  t.assets = {asset};
  t.statuses = {{"Invited", 1, false, true}, {"Attended", 2, true, false}};
  t.approval_chain = {{1, "Brand", "approver", "", 2}};
  const int64_t tid = Ok(CreateTemplate(db, t, "o"));
  EXPECT_EQ(CreateTemplate(db, t, "o").error().code, core::ErrorCode::kConflict);
  const int64_t id = Ok(CreateFromTemplate(db, tid, {{"name", "June webinar"}}, "o"));
  const CampaignRecord c = Ok(GetCampaign(db, id));
  EXPECT_EQ(c.fields.type, "Webinar");
  EXPECT_EQ(c.utm_pattern, "{region}_{name}");
  EXPECT_EQ(c.template_id, tid);
  EXPECT_EQ(Ok(Checklist(db, id)).size(), 2u);
  EXPECT_EQ(Ok(ListAssets(db, id)).size(), 1u);
  EXPECT_EQ(Ok(MemberStatusesOf(db, id))[1].name, "Attended");
  EXPECT_EQ(Ok(LoadApprovals(db, id, kMarch)).chain[0].name, "Brand");
  EXPECT_EQ(Ok(ListAssets(db, std::nullopt))[0].campaigns, std::vector<int64_t>{id});
  EXPECT_EQ(CreateFromTemplate(db, 77, {{"name", "x"}}, "o").error().code,
            core::ErrorCode::kNotFound);
}

TEST(Calendar, ConflictsFromStoredCampaigns) {
  Workspace ws;
  store::Database& db = ws.db();
  for (const char* name : {"News", "Upsell"}) {
    Ok(CreateCampaign(db,
                      {{"name", name},
                       {"channel", "email"},
                       {"audience", "Customers"},
                       {"start_date", "2026-03-04"}},
                      "o"));
  }
  const CalendarReport r = Ok(Calendar(db, kMarch, kMarch + 31 * 86400));
  EXPECT_EQ(r.entries.size(), 2u);
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].kind, "same_day_email");
  EXPECT_TRUE(Ok(Calendar(db, kMarch + 40 * 86400, std::nullopt)).entries.empty());
}

void AddTouch(Workspace& ws, int n, const std::string& source, const std::string& medium,
              const std::string& campaign, const std::string& channel) {
  for (int i = 0; i < n; ++i) {
    static int next = 0;
    ws.Exec(
        "INSERT INTO touchpoints (source_system, external_id, occurred_at, type, channel, "
        "source, medium, utm_campaign) VALUES ('t', ?, ?, 'page_view', ?, ?, ?, ?)",
        {"t" + std::to_string(next++), kMarch, channel, source, medium, campaign});
  }
}

TEST(Utm, CheckFixAndUndoStoredTouchpoints) {
  Workspace ws;
  store::Database& db = ws.db();
  Ok(SaveNamingConfig(db, "sources: [google, facebook, linkedin]\nmediums: [cpc, paid_social]\n",
                      "naming.yaml", "o"));
  Ok(CreateCampaign(db, {{"name", "Spring"}, {"utm_campaign", "spring_launch"}}, "o"));
  Ok(CreateCampaign(db, {{"name", "Bad"}, {"utm_campaign", "Bad Name"}}, "o"));
  // Channels as the importer classified them from the values as written.
  auto channel = [](const char* source, const char* medium) {
    return std::string(ingest::ClassifyChannel({source, medium, "", "page_view", ""}));
  };
  AddTouch(ws, 3, "facebook", "paid_social", "spring_launch", channel("facebook", "paid_social"));
  AddTouch(ws, 2, "Facebook", "paid_social", "spring_launch", channel("Facebook", "paid_social"));
  AddTouch(ws, 2, "fb", "Paid Social", "Spring_Launch", channel("fb", "Paid Social"));
  AddTouch(ws, 1, "tiktok", "cpc", "unknown_one", channel("tiktok", "cpc"));
  // "Face Book" is no known social network: the importer called its cpc
  // clicks paid search.
  AddTouch(ws, 1, "Face Book", "cpc", "spring_launch", channel("Face Book", "cpc"));
  ASSERT_EQ(channel("Face Book", "cpc"), "paid_search");
  const NamingRules rules = Ok(LoadNamingRules(db));
  const StoredCheck c = Ok(CheckStoredUtms(db, rules));
  EXPECT_EQ(c.touchpoints, 9);
  EXPECT_EQ(c.touchpoints_affected, 6);
  EXPECT_EQ(c.fixes.at("utm_source").at("Facebook"), "facebook");
  EXPECT_EQ(c.fixes.at("utm_source").at("fb"), "facebook");
  EXPECT_EQ(c.fixes.at("utm_source").at("Face Book"), "facebook");
  EXPECT_EQ(c.fixes.at("utm_medium").at("Paid Social"), "paid_social");
  ASSERT_EQ(c.campaigns.size(), 1u);
  EXPECT_THAT(c.campaigns[0].message, HasSubstr("'Bad'"));
  ASSERT_EQ(c.unknown_campaigns.size(), 2u);  // Spring_Launch and unknown_one
  // A dry run changes nothing.
  const FixReport dry = Ok(FixStoredUtms(db, true, "o"));
  EXPECT_EQ(dry.touchpoints, 5);
  EXPECT_EQ(dry.channels_changed, 1);
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM touchpoints WHERE source = 'Facebook'"), 2);
  const int64_t audit_before = ws.Value("SELECT COUNT(*) FROM audit_log");
  const FixReport fix = Ok(FixStoredUtms(db, false, "olga"));
  EXPECT_EQ(fix.touchpoints, 5);
  EXPECT_GT(fix.fix_id, 0);
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM touchpoints WHERE source = 'facebook'"), 8);
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM touchpoints WHERE utm_campaign = 'spring_launch'"), 8);
  // Reclassified: the Face Book click is paid social now.
  EXPECT_EQ(fix.channels_changed, 1);
  EXPECT_EQ(fix.channel_moves.at("paid_search -> paid_social"), 1);
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM touchpoints WHERE channel = 'paid_social'"),
            8 + (channel("tiktok", "cpc") == "paid_social" ? 1 : 0));
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM audit_log WHERE action = 'utm.fix'"), 1);
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM audit_log"), audit_before + 1);
  EXPECT_EQ(Ok(CheckStoredUtms(db, rules)).touchpoints_affected, 1);  // tiktok stays
  // Undo restores every value and channel.
  EXPECT_EQ(Ok(UndoUtmFix(db, fix.fix_id, "olga")), 5);
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM touchpoints WHERE source = 'Facebook'"), 2);
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM touchpoints WHERE source = 'fb' AND medium = 'Paid "
                     "Social' AND utm_campaign = 'Spring_Launch'"),
            2);
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM touchpoints WHERE source = 'Face Book' AND channel = "
                     "'paid_search'"),
            1);
  EXPECT_EQ(UndoUtmFix(db, fix.fix_id, "olga").error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(UndoUtmFix(db, 42, "olga").error().code, core::ErrorCode::kNotFound);
  // A bad config is refused with its key and line, and the old one stays.
  auto bad = SaveNamingConfig(db, "sources: [google]\ncase: Title\n", "naming.yaml", "o");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().line, 2);
  EXPECT_EQ(bad.error().field, "case");
  EXPECT_THAT(Ok(NamingConfigText(db)), HasSubstr("linkedin"));
}

TEST(Routes, RolesAreEnforcedWithAReason) {
  Workspace ws;
  const std::string viewer = *http::CreateToken(ws.db(), "vera", http::Role::kViewer);
  const std::string ops = *http::CreateToken(ws.db(), "olga", http::Role::kOps);
  const std::string approver = *http::CreateToken(ws.db(), "ana", http::Role::kApprover);
  // The records' routes first, as the composition root installs them: the
  // campaign routes must not be shadowed by GET /api/v1/campaigns/{id}.
  test_support::TestServer server(ws.url(), [](http::Router& r) {
    records::RegisterRoutes(r);
    RegisterRoutes(r);
  });
  httplib::Client client("127.0.0.1", server.port());
  auto auth = [](const std::string& t) {
    return httplib::Headers{{"Authorization", "Bearer " + t}};
  };
  auto post = [&](const std::string& token, const std::string& path, const Json& body) {
    return client.Post(path, auth(token), body.dump(), "application/json");
  };
  // Viewer reads, cannot create.
  EXPECT_EQ(client.Get("/api/v1/campaign-board", auth(viewer))->status, 200);
  auto denied = post(viewer, "/api/v1/campaigns", {{"name", "x"}});
  ASSERT_EQ(denied->status, 403);
  EXPECT_THAT(denied->body, HasSubstr("needs 'ops'"));
  // Ops creates; unknown fields and bad values name the field.
  auto unknown = post(ops, "/api/v1/campaigns", {{"name", "x"}, {"colour", "red"}});
  ASSERT_EQ(unknown->status, 400);
  EXPECT_EQ(
      Json::parse(unknown->body)["error"]["details"].dump().find("colour") != std::string::npos ||
          unknown->body.find("colour") != std::string::npos,
      true);
  Json body = {{"name", "Spring"},         {"type", "Webinar"},
               {"channel", "webinar"},     {"owner", "olga"},
               {"goal", "100 leads"},      {"audience", "EMEA"},
               {"utm_campaign", "spring"}, {"start_date", "2026-03-02"},
               {"end_date", "2026-03-31"}, {"budget", 1000}};
  auto created = post(ops, "/api/v1/campaigns", body);
  ASSERT_EQ(created->status, 200) << created->body;
  const int64_t id = Json::parse(created->body)["campaign"]["id"];
  const std::string base = "/api/v1/campaigns/" + std::to_string(id);
  ASSERT_EQ(post(ops, base + "/transition", {{"to", "in_review"}})->status, 200);
  const Json detail = Json::parse(client.Get(base + "/detail", auth(viewer))->body);
  ASSERT_EQ(detail["approvals"].size(), 1u);
  const std::string step =
      base + "/approvals/" + std::to_string(detail["approvals"][0]["id"].get<int64_t>());
  // Ops may not approve; the approver may; a rejection needs a comment.
  auto ops_decides = post(ops, step, {{"decision", "approved"}});
  ASSERT_EQ(ops_decides->status, 403);
  EXPECT_THAT(ops_decides->body, HasSubstr("needs 'approver'"));
  auto no_comment = post(approver, step, {{"decision", "rejected"}});
  ASSERT_EQ(no_comment->status, 400);
  EXPECT_THAT(no_comment->body, HasSubstr("comment"));
  auto approved = post(approver, step, {{"decision", "approved"}});
  ASSERT_EQ(approved->status, 200) << approved->body;
  EXPECT_EQ(Json::parse(approved->body)["campaign"]["state"], "approved");
  // The approver cannot schedule; ops can; live is refused with the reasons.
  EXPECT_EQ(post(approver, base + "/transition", {{"to", "scheduled"}})->status, 403);
  ASSERT_EQ(post(ops, base + "/transition", {{"to", "scheduled"}})->status, 200);
  auto live = post(ops, base + "/transition", {{"to", "live"}});
  ASSERT_EQ(live->status, 409);
  EXPECT_THAT(live->body, HasSubstr("Tracking is present"));
  // UTM build keeps the query and the fragment.
  auto built =
      post(viewer, "/api/v1/utm/build",
           {{"url", "https://example.com/p?x=1#top"},
            {"utm", {{"source", "Newsletter"}, {"medium", "email"}, {"campaign", "spring"}}}});
  ASSERT_EQ(built->status, 200) << built->body;
  EXPECT_EQ(
      Json::parse(built->body)["url"],
      "https://example.com/p?x=1&utm_source=newsletter&utm_medium=email&utm_campaign=spring#top");
  auto asset = post(ops, "/api/v1/assets",
                    {{"name", "Invite"},
                     {"type", "email"},
                     {"status", "ready"},
                     {"url", Json::parse(built->body)["url"]}});
  ASSERT_EQ(asset->status, 200) << asset->body;
  auto linked = post(ops, base + "/assets", {{"asset_id", Json::parse(asset->body)["id"]}});
  ASSERT_EQ(linked->status, 200);
  EXPECT_TRUE(Json::parse(linked->body)["sent_back_to_review"].get<bool>());
  // Bad config: 400 with the line.
  auto config = client.Put("/api/v1/utm/config", auth(ops), Json{{"yaml", "case: loud\n"}}.dump(),
                           "application/json");
  ASSERT_EQ(config->status, 400);
  EXPECT_THAT(config->body, HasSubstr("lower, upper or any"));
  EXPECT_EQ(client.Get("/api/v1/utm/stored?limit=0", auth(viewer))->status, 400);
  EXPECT_EQ(client.Get("/api/v1/utm/stored", auth(viewer))->status, 200);
  // The records' plain list stays, and lists the campaign.
  auto records = client.Get("/api/v1/campaigns", auth(viewer));
  ASSERT_EQ(records->status, 200);
  EXPECT_THAT(records->body, HasSubstr("Spring"));
  EXPECT_EQ(client.Get("/api/v1/campaign-hierarchy", auth(viewer))->status, 200);
  EXPECT_EQ(
      client.Get("/api/v1/campaign-calendar?from=2026-03-01&to=2026-04-01", auth(viewer))->status,
      200);
  EXPECT_EQ(
      client.Get("/api/v1/campaign-calendar?from=2026-05-01&to=2026-04-01", auth(viewer))->status,
      400);
  EXPECT_EQ(client.Get("/api/v1/campaigns/999/detail", auth(viewer))->status, 404);
  EXPECT_EQ(client.Get("/api/v1/campaigns/abc/detail", auth(viewer))->status, 400);
  auto openapi = Json::parse(client.Get("/api/v1/openapi.json", auth(viewer))->body)["paths"];
  for (const char* path : {"/api/v1/campaign-board", "/api/v1/campaigns/{id}/approvals/{step_id}",
                           "/api/v1/utm/stored", "/api/v1/utm/fix", "/api/v1/assets"}) {
    EXPECT_TRUE(openapi.contains(path)) << path;
  }
}

TEST(Routes, AHubSpotListUploadLandsWholeOrNotAtAll) {
  Workspace ws;
  const std::string viewer = *http::CreateToken(ws.db(), "vera", http::Role::kViewer);
  const std::string ops = *http::CreateToken(ws.db(), "olga", http::Role::kOps);
  test_support::TestServer server(ws.url(), [](http::Router& r) {
    records::RegisterRoutes(r);
    RegisterRoutes(r);
  });
  httplib::Client client("127.0.0.1", server.port());
  const httplib::Headers as_ops = {{"Authorization", "Bearer " + ops}};
  const int64_t id =
      Ok(CreateCampaign(ws.db(), {{"name", "Q2 webinar"}, {"type", "Webinar"}}, "o"));
  ws.Exec(
      "INSERT INTO contacts (source_system, external_id, email) VALUES ('hubspot', '1201', "
      "'ingrid.halvorsen@fjordlytics.example'), ('hubspot', '1202', "
      "'t.wierzba@brightmill.example'), ('salesforce', '003A', "
      "'ama.owusu@kente-data.example')");
  std::ifstream in(std::string(MOPS_FIXTURES) + "/hubspot_list_members.csv");
  const std::string csv((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string path = "/api/v1/campaigns/" + std::to_string(id) + "/members/import";
  auto members = [&] { return ws.Value("SELECT COUNT(*) FROM campaign_members"); };

  // A viewer may not import.
  auto denied = client.Post(path, {{"Authorization", "Bearer " + viewer}}, csv, "text/csv");
  ASSERT_EQ(denied->status, 403);
  EXPECT_THAT(denied->body, HasSubstr("needs 'ops'"));
  // Strict: the unknown person on line 6 refuses the whole file, named by line and field.
  auto strict =
      client.Post(path + "?strict=true&file_name=registrants.csv", as_ops, csv, "text/csv");
  ASSERT_EQ(strict->status, 400) << strict->body;
  const Json error = Json::parse(strict->body)["error"];
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("9999"));
  EXPECT_THAT(error.dump(), HasSubstr("registrants.csv"));
  EXPECT_THAT(error.dump(), HasSubstr("\"line\":6"));
  EXPECT_THAT(error.dump(), HasSubstr("Record ID"));
  EXPECT_EQ(members(), 0);
  // A broken CSV (an unclosed quote) after good rows: nothing lands, the line is named.
  auto broken = client.Post(path + "?file_name=broken.csv", as_ops,
                            "Record ID,Email\n1201,ingrid.halvorsen@fjordlytics.example\n"
                            "\"1202,t.wierzba@brightmill.example\n",
                            "text/csv");
  ASSERT_EQ(broken->status, 400) << broken->body;
  EXPECT_THAT(broken->body, HasSubstr("broken.csv"));
  EXPECT_EQ(members(), 0);
  // No header, an empty body, unknown parameters, an unknown campaign.
  auto headless = client.Post(path, as_ops, "Name,Phone\nIngrid,+47 22 00 00 00\n", "text/csv");
  ASSERT_EQ(headless->status, 400);
  EXPECT_THAT(headless->body, HasSubstr("'Record ID' or 'Email'"));
  auto empty = client.Post(path, as_ops, "", "text/csv");
  ASSERT_EQ(empty->status, 400);
  EXPECT_THAT(empty->body, HasSubstr("empty"));
  EXPECT_EQ(client.Post(path + "?strict=maybe", as_ops, csv, "text/csv")->status, 400);
  auto unknown = client.Post(path + "?dry_run=true", as_ops, csv, "text/csv");
  ASSERT_EQ(unknown->status, 400);
  EXPECT_THAT(unknown->body, HasSubstr("dry_run"));
  EXPECT_EQ(client.Post("/api/v1/campaigns/999/members/import", as_ops, csv, "text/csv")->status,
            404);
  EXPECT_EQ(members(), 0);
  // Without strict: three members in the default status, the unknown row reported.
  auto ok = client.Post(path + "?file_name=registrants.csv", as_ops, csv, "text/csv");
  ASSERT_EQ(ok->status, 200) << ok->body;
  const Json r = Json::parse(ok->body);
  EXPECT_EQ(r["rows"], 4);
  EXPECT_EQ(r["added"], 3);
  ASSERT_EQ(r["unmatched"].size(), 1u);
  EXPECT_EQ(r["unmatched"][0]["line"], 6);
  EXPECT_EQ(r["unmatched"][0]["file"], "registrants.csv");
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM campaign_members WHERE status = 'Invited'"), 3);
  EXPECT_EQ(ws.Value("SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.list_import'"), 1);
  // Again: nothing new.
  EXPECT_EQ(Json::parse(client.Post(path, as_ops, csv, "text/csv")->body)["already"], 3);
  auto openapi = Json::parse(
      client.Get("/api/v1/openapi.json", {{"Authorization", "Bearer " + viewer}})->body)["paths"];
  EXPECT_TRUE(openapi.contains("/api/v1/campaigns/{id}/members/import"));
  EXPECT_TRUE(openapi.contains("/api/v1/campaigns/{id}/template"));
}

TEST(Routes, ATemplateFromACampaignAndAssetEdits) {
  Workspace ws;
  const std::string viewer = *http::CreateToken(ws.db(), "vera", http::Role::kViewer);
  const std::string ops = *http::CreateToken(ws.db(), "olga", http::Role::kOps);
  test_support::TestServer server(ws.url(), [](http::Router& r) {
    records::RegisterRoutes(r);
    RegisterRoutes(r);
  });
  httplib::Client client("127.0.0.1", server.port());
  auto auth = [](const std::string& t) {
    return httplib::Headers{{"Authorization", "Bearer " + t}};
  };
  store::Database& db = ws.db();
  const int64_t id = Ok(CreateCampaign(db, GoodFields("Spring webinar"), "o"));
  Ok(UpdateCampaign(db, id, {{"utm_pattern", "{region}_{name}"}}, "o"));
  const int64_t asset = Ok(
      CreateAsset(db, {0, "Invite", "email", "https://example.com/w", "ana", "ready", "Hi"}, "o"));
  Ok(LinkAsset(db, id, asset, true, "o"));
  Ok(AddChecklistItem(db, id, "Speaker confirmed", true, "o"));
  Ok(SetMemberStatuses(
      db, id, "",
      std::vector<MemberStatus>{{"Invited", 1, false, true}, {"Joined", 2, true, false}}, "o"));
  Ok(SetApprovalChain(
      db, id, std::vector<StepDef>{{1, "Brand", "approver", "", 2}, {2, "Legal", "", "lena", 1}},
      "o"));
  const std::string path = "/api/v1/campaigns/" + std::to_string(id) + "/template";
  EXPECT_EQ(
      client.Post(path, auth(viewer), Json{{"name", "Kit"}}.dump(), "application/json")->status,
      403);
  EXPECT_EQ(
      client.Post(path, auth(ops), Json{{"colour", "red"}}.dump(), "application/json")->status,
      400);
  auto nameless = client.Post(path, auth(ops), "{}", "application/json");
  ASSERT_EQ(nameless->status, 400);
  EXPECT_THAT(nameless->body, HasSubstr("name"));
  auto saved =
      client.Post(path, auth(ops), Json{{"name", "Webinar kit"}}.dump(), "application/json");
  ASSERT_EQ(saved->status, 200) << saved->body;
  const Json t = Json::parse(saved->body);
  EXPECT_EQ(t["type"], "Webinar");
  EXPECT_EQ(t["utm_pattern"], "{region}_{name}");
  EXPECT_EQ(t["checklist"], Json::array({"Speaker confirmed"}));
  EXPECT_EQ(t["assets"], Json::array({asset}));
  EXPECT_EQ(t["statuses"][1]["name"], "Joined");
  ASSERT_EQ(t["approval_chain"].size(), 2u);
  EXPECT_EQ(t["approval_chain"][1]["user"], "lena");
  EXPECT_EQ(client.Post(path, auth(ops), Json{{"name", "Webinar kit"}}.dump(), "application/json")
                ->status,
            409);
  EXPECT_EQ(client
                .Post("/api/v1/campaigns/999/template", auth(ops), Json{{"name", "Other"}}.dump(),
                      "application/json")
                ->status,
            404);
  // A campaign cloned from it has the same checklist, assets, statuses and chain.
  auto clone = client.Post("/api/v1/campaigns", auth(ops),
                           Json{{"name", "June webinar"}, {"template_id", t["id"]}}.dump(),
                           "application/json");
  ASSERT_EQ(clone->status, 200) << clone->body;
  const Json c = Json::parse(clone->body);
  EXPECT_EQ(c["campaign"]["template_id"], t["id"]);
  EXPECT_EQ(c["campaign"]["utm_pattern"], "{region}_{name}");
  EXPECT_EQ(c["assets"][0]["id"], asset);
  EXPECT_EQ(c["approval_chain"], t["approval_chain"]);
  EXPECT_EQ(c["members"]["by_status"][1]["status"], "Joined");

  // An asset edit changes only the fields given; bad values are refused.
  const std::string apath = "/api/v1/assets/" + std::to_string(asset);
  auto edited =
      client.Put(apath, auth(ops), Json{{"status", "retired"}}.dump(), "application/json");
  ASSERT_EQ(edited->status, 200) << edited->body;
  const Json a = Json::parse(edited->body);
  EXPECT_EQ(a["status"], "retired");
  EXPECT_EQ(a["name"], "Invite");
  EXPECT_EQ(a["url"], "https://example.com/w");
  EXPECT_EQ(a["campaigns"].size(), 2u);
  auto bad = client.Put(apath, auth(ops), Json{{"status", "gone"}}.dump(), "application/json");
  ASSERT_EQ(bad->status, 400);
  EXPECT_THAT(bad->body, HasSubstr("gone"));
  EXPECT_EQ(client
                .Put("/api/v1/assets/999", auth(ops), Json{{"status", "ready"}}.dump(),
                     "application/json")
                ->status,
            404);
  EXPECT_EQ(
      client.Put(apath, auth(viewer), Json{{"status", "ready"}}.dump(), "application/json")->status,
      403);
  EXPECT_EQ(Ok(GetAsset(db, asset)).asset.status, "retired");
}

}  // namespace
}  // namespace mops::campaigns
