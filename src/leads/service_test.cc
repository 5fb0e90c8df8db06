// Lead management on a real workspace (SQLite, or PostgreSQL when built with
// MOPS_LEADS_TEST_POSTGRES): score history only on change, explain equal to
// the stored score, incremental rescore, bad configs changing nothing,
// lifecycle moves with their causes, the backtest on a hand-built workspace,
// routing with audit and persisted round robin, the SLA report and funnel,
// and the REST routes with their roles.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "leads/internal.h"
#include "leads/report.h"
#include "leads/routes.h"
#include "store/database.h"
#include "tests/support/test_server.h"
#include "tests/support/test_workspace.h"

namespace mops::leads {
namespace {

namespace fs = std::filesystem;
using store::Value;

constexpr int64_t kDay = 86400;
constexpr Timestamp kAsOf = 1773619200;  // Monday 2026-03-16 00:00 UTC

constexpr std::string_view kConfig = R"(groups:
  - name: fit
    kind: fit
    rules:
      - {name: vp, field: seniority, equals: vp, points: 40}
  - name: eng
    kind: engagement
    rules:
      - {name: demo, event: demo request, points: 50, once: true}
      - {name: visit, type: page_view, points: 10, repeatable: true}
grades: {fit: [40, 20, 10], engagement: [50, 20, 10]}
lifecycle:
  mql: {fit: 30, engagement: 40}
  recycle_after_days: 30
)";

class Workspace : public test_support::TestWorkspace {
 public:
#ifdef MOPS_LEADS_TEST_POSTGRES
  Workspace() : TestWorkspace("leads", test_support::Backend::kPostgres) {}
#else
  Workspace() : TestWorkspace("leads", test_support::Backend::kSqlite) {}
#endif
  int64_t Count(const std::string& sql) { return store::AsInt(*db_->QueryValue(sql)); }
  void Exec(const std::string& sql, std::vector<Value> params) {
    auto r = db_->Execute(sql, params);
    ASSERT_TRUE(r) << sql << ": " << r.error().ToString();
  }
  int64_t Contact(std::string seniority, Timestamp created = kAsOf - 100 * kDay,
                  std::string stage = "lead") {
    const int64_t n = ++contacts_;
    Exec(
        "INSERT INTO contacts (source_system, external_id, email, first_name, seniority, "
        "lifecycle_stage, created_at) VALUES ('t', ?, ?, ?, ?, ?, ?)",
        {"c" + std::to_string(n), "p" + std::to_string(n) + "@acme.com",
         "Person" + std::to_string(n), seniority.empty() ? Value() : Value(seniority), stage,
         created});
    return store::AsInt(*db_->QueryValue("SELECT id FROM contacts WHERE external_id = ?",
                                         std::vector<Value>{"c" + std::to_string(n)}));
  }
  void Touch(int64_t contact, Timestamp at, std::string type, std::string event = "") {
    const int64_t n = ++touches_;
    Exec(
        "INSERT INTO touchpoints (source_system, external_id, contact_id, occurred_at, type, "
        "event_name) VALUES ('t', ?, ?, ?, ?, ?)",
        {"t" + std::to_string(n), contact, at, type, event.empty() ? Value() : Value(event)});
  }
  int64_t Opportunity(int64_t contact, Timestamp created, bool won, Timestamp closed) {
    const int64_t n = ++opps_;
    Exec(
        "INSERT INTO opportunities (source_system, external_id, name, created_at, close_date, "
        "is_closed, is_won) VALUES ('t', ?, 'deal', ?, ?, ?, ?)",
        {"o" + std::to_string(n), created, closed, int64_t{won ? 1 : 0}, int64_t{won ? 1 : 0}});
    const int64_t id =
        store::AsInt(*db_->QueryValue("SELECT id FROM opportunities WHERE external_id = ?",
                                      std::vector<Value>{"o" + std::to_string(n)}));
    Exec(
        "INSERT INTO opportunity_contacts (source_system, external_id, opportunity_id, "
        "contact_id, role) VALUES ('t', ?, ?, ?, 'Champion')",
        {"oc" + std::to_string(n), id, contact});
    return id;
  }
  int64_t User(std::string name, std::string team, int64_t capacity = 0) {
    Exec(
        "INSERT INTO users (source_system, external_id, name, email, team, capacity) VALUES "
        "('t', ?, ?, ?, ?, ?)",
        {name, name, name + "@example.com", team, capacity > 0 ? Value(capacity) : Value()});
    return store::AsInt(
        *db_->QueryValue("SELECT id FROM users WHERE external_id = ?", std::vector<Value>{name}));
  }

  int64_t contacts_ = 0, touches_ = 0, opps_ = 0;
};

TEST(LeadsService, ScoresHistoryOnlyOnChangeAndExplainMatches) {
  Workspace ws;
  ASSERT_TRUE(SaveConfig(ws.db(), kScoringConfig, kConfig, "test"));
  const int64_t a = ws.Contact("vp");
  const int64_t b = ws.Contact("");
  ws.Contact("");  // scores 0: no row
  ws.Touch(a, kAsOf - 5 * kDay, "form_submit", "Demo Request");
  ws.Touch(a, kAsOf - 4 * kDay, "page_view");
  ws.Touch(b, kAsOf - 3 * kDay, "page_view");
  ws.Touch(b, kAsOf + 3 * kDay, "page_view");  // after as_of

  auto first = ScoreWorkspace(ws.db(), kAsOf, "test");
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(first->contacts, 3);
  EXPECT_EQ(first->changed, 2);
  EXPECT_EQ(ws.Count("SELECT total FROM lead_scores WHERE contact_id = " + std::to_string(a)),
            10000);
  EXPECT_EQ(ws.Count("SELECT total FROM lead_scores WHERE contact_id = " + std::to_string(b)),
            1000);
  // A first score replaces nothing: no history row yet.
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_score_history"), 0);

  // Same data, same as_of: nothing changes, no history row.
  auto again = ScoreWorkspace(ws.db(), kAsOf, "test");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->changed, 0);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_score_history"), 0);

  // A new event: the incremental rescore writes that contact only.
  ws.Touch(b, kAsOf - 1 * kDay, "page_view");
  const int64_t ids[] = {b};
  auto inc = RescoreContacts(ws.db(), ids, kAsOf);
  ASSERT_TRUE(inc) << inc.error().ToString();
  EXPECT_EQ(inc->contacts, 1);
  EXPECT_EQ(inc->changed, 1);
  EXPECT_EQ(ws.Count("SELECT total FROM lead_scores WHERE contact_id = " + std::to_string(b)),
            2000);
  // The value it replaced is history: b's 10 points as of kAsOf.
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_score_history"), 1);
  EXPECT_EQ(ws.Count("SELECT total FROM lead_score_history WHERE contact_id = " +
                     std::to_string(b) + " AND at = " + std::to_string(kAsOf)),
            1000);
  // The lead's detail lists the replaced value, then the current one.
  auto detail = LeadDetail(ws.db(), b, kAsOf);
  ASSERT_TRUE(detail) << detail.error().ToString();
  const Json& history = (*detail)["score_history"];
  ASSERT_EQ(history.size(), 2u) << history.dump();
  EXPECT_EQ(history[0]["total"], 10);
  EXPECT_EQ(history[1]["total"], 20);
  auto detail_a = LeadDetail(ws.db(), a, kAsOf);
  ASSERT_TRUE(detail_a);
  ASSERT_EQ((*detail_a)["score_history"].size(), 1u);
  EXPECT_EQ((*detail_a)["score_history"][0]["total"], 100);

  auto e = Explain(ws.db(), a, kAsOf);
  ASSERT_TRUE(e) << e.error().ToString();
  int64_t sum = 0;
  for (const ScoreLine& l : e->lines) sum += l.points;
  EXPECT_EQ(sum, e->score.total());
  EXPECT_EQ(e->score.total(), 10000);
  EXPECT_EQ(e->score.grade, "A1");
  EXPECT_EQ(e->lines.size(), 3u);
  EXPECT_FALSE(Explain(ws.db(), 999999, kAsOf));

  // Without a date, an explanation is as of the stored score (the demo
  // scores as of its last touch, not today), so it adds up to the total the
  // lists show; a contact never scored is explained as of the fallback.
  const Timestamp later = kAsOf + 40 * kDay;
  auto stored = StoredScoreAsOf(ws.db(), b, later);
  ASSERT_TRUE(stored) << stored.error().ToString();
  EXPECT_EQ(*stored, kAsOf);
  auto eb = Explain(ws.db(), b, *stored);
  ASSERT_TRUE(eb) << eb.error().ToString();
  EXPECT_EQ(eb->score.total(),
            ws.Count("SELECT total FROM lead_scores WHERE contact_id = " + std::to_string(b)));
  EXPECT_EQ(*StoredScoreAsOf(ws.db(), 999999, later), later);
}

TEST(LeadsService, BadConfigChangesNothing) {
  Workspace ws;
  ASSERT_TRUE(SaveConfig(ws.db(), kScoringConfig, kConfig, "test"));
  const int64_t audits = ws.Count("SELECT COUNT(*) FROM audit_log");
  auto bad = SaveConfig(ws.db(), kScoringConfig,
                        "groups:\n  - name: g\n    kind: fit\n    rules:\n"
                        "      - {name: broken, field: title, regex: '(', points: 5}\n",
                        "test");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().ToString().substr(0, 45), "scoring:5: rule 'broken' (group g): regex '('");
  EXPECT_EQ(*ConfigYaml(ws.db(), kScoringConfig), kConfig);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM audit_log"), audits);
  auto bad_routing = SaveConfig(ws.db(), kRoutingConfig, "rules: 3\n", "test");
  ASSERT_FALSE(bad_routing);
  EXPECT_EQ(bad_routing.error().ToString(), "routing:1: rules must be a list");
  EXPECT_EQ(*ConfigYaml(ws.db(), kRoutingConfig), DefaultRoutingYaml());
  EXPECT_FALSE(SaveConfig(ws.db(), "colours", "a: 1\n", "test"));
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM configs"), 1);
}

// A tracked event rescores its contact as of the newest of its touches and
// stored scores, never after now: in a workspace whose data ends at kAsOf
// (a demo pinned to that date) the score stays as of kAsOf; an event that
// arrives now scores its contact as of now.
TEST(LeadsService, RescoreTouchedScoresAsOfTheNewestActivity) {
  Workspace ws;
  ASSERT_TRUE(SaveConfig(ws.db(), kScoringConfig, kConfig, "test"));
  const int64_t a = ws.Contact("vp");
  const int64_t b = ws.Contact("");
  ws.Touch(a, kAsOf - 2 * kDay, "page_view");
  ws.Touch(b, kAsOf - 3 * kDay, "page_view");
  ASSERT_TRUE(ScoreWorkspace(ws.db(), kAsOf, "test"));
  const Timestamp now = kAsOf + 160 * kDay;
  auto as_of = [&](int64_t id) {
    return ws.Count("SELECT as_of FROM lead_scores WHERE contact_id = " + std::to_string(id));
  };

  // A touch before the stored score's date: as of the stored score.
  ws.Touch(a, kAsOf - kDay, "form_submit", "Demo Request");
  const int64_t ids_a[] = {a};
  auto r = RescoreTouched(ws.db(), ids_a, now);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->changed, 1);
  EXPECT_EQ(as_of(a), kAsOf);
  auto e = Explain(ws.db(), a, kAsOf);
  ASSERT_TRUE(e);
  EXPECT_EQ(ws.Count("SELECT total FROM lead_scores WHERE contact_id = " + std::to_string(a)),
            e->score.total());

  // A touch that happens now: as of now.
  ws.Touch(b, now - 60, "page_view");
  const int64_t ids_b[] = {b};
  ASSERT_TRUE(RescoreTouched(ws.db(), ids_b, now));
  EXPECT_EQ(as_of(b), now - 60);
  // One stamped after now (a client's clock ahead): scored as of now, so
  // the touch does not count yet and the score stays as it was.
  ws.Touch(b, now + 3600, "page_view");
  auto ahead = RescoreTouched(ws.db(), ids_b, now);
  ASSERT_TRUE(ahead);
  EXPECT_EQ(ahead->changed, 0);
  EXPECT_EQ(as_of(b), now - 60);
}

TEST(LeadsService, LifecycleMovesForwardWithCauses) {
  Workspace ws;
  ASSERT_TRUE(SaveConfig(ws.db(), kScoringConfig, kConfig, "test"));
  const int64_t mql = ws.Contact("vp");
  ws.Touch(mql, kAsOf - 2 * kDay, "form_submit", "demo request");
  const int64_t sql_low = ws.Contact("", kAsOf - 100 * kDay, "salesqualifiedlead");
  ws.Touch(sql_low, kAsOf - 40 * kDay, "page_view");  // inactive 40 days: recycled
  const int64_t opp = ws.Contact("");
  ws.Opportunity(opp, kAsOf - 10 * kDay, false, kAsOf + 30 * kDay);
  const int64_t won = ws.Contact("", kAsOf - 100 * kDay, "mql");
  ws.Opportunity(won, kAsOf - 60 * kDay, true, kAsOf - 5 * kDay);
  const int64_t cust = ws.Contact("vp", kAsOf - 100 * kDay, "customer");
  ws.Touch(cust, kAsOf - 1 * kDay, "form_submit", "demo request");

  auto r = ScoreWorkspace(ws.db(), kAsOf, "test");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->mqls_new, 1);
  EXPECT_EQ(r->lifecycle_moves, 4);
  auto stage = [&](int64_t id) {
    return store::AsText(*ws.db().QueryValue("SELECT lifecycle_stage FROM contacts WHERE id = ?",
                                             std::vector<Value>{id}));
  };
  EXPECT_EQ(stage(mql), "mql");
  EXPECT_EQ(stage(sql_low), "recycled");
  EXPECT_EQ(stage(opp), "opportunity");
  EXPECT_EQ(stage(won), "customer");
  EXPECT_EQ(stage(cust), "customer");  // forward only: a customer never becomes an MQL
  auto cause = [&](int64_t id) {
    return store::AsText(*ws.db().QueryValue(
        "SELECT cause FROM lifecycle_history WHERE contact_id = ? ORDER BY id DESC",
        std::vector<Value>{id}));
  };
  EXPECT_EQ(cause(mql), "score: fit 40.00 >= 30.00 and engagement 50.00 >= 40.00");
  EXPECT_EQ(cause(sql_low), "no activity for 40 days (last touch 2026-02-04)");
  EXPECT_EQ(cause(opp).substr(0, 24), "Champion on opportunity ");
  EXPECT_EQ(cause(won).substr(0, 12), "opportunity ");
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM audit_log WHERE action = 'leads.lifecycle'"), 4);
  // A second run moves nobody again.
  auto again = ScoreWorkspace(ws.db(), kAsOf, "test");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->lifecycle_moves, 0);

  // Side moves: sales rejects (recycled), qualifies (sql), disqualifies (reason needed).
  const int64_t user = ws.User("ana", "AE");
  auto no_reason = SetLeadStatus(ws.db(), mql, "unqualified", user, "", "test", kAsOf + 60);
  ASSERT_FALSE(no_reason);
  EXPECT_EQ(no_reason.error().ToString(), "field 'reason': disqualifying a lead needs a reason");
  EXPECT_EQ(stage(mql), "mql");
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_status_changes"), 0);
  ASSERT_TRUE(SetLeadStatus(ws.db(), mql, "qualified", user, "", "test", kAsOf + 120));
  EXPECT_EQ(stage(mql), "sql");
  ASSERT_TRUE(SetLeadStatus(ws.db(), mql, "unqualified", user, "student", "test", kAsOf + 180));
  EXPECT_EQ(stage(mql), "disqualified");
  EXPECT_EQ(cause(mql), "disqualified: student");
  EXPECT_FALSE(SetLeadStatus(ws.db(), mql, "maybe", user, "", "test", kAsOf));
  // A disqualified lead stays so, whatever its score.
  ASSERT_TRUE(ScoreWorkspace(ws.db(), kAsOf + 240, "test"));
  EXPECT_EQ(stage(mql), "disqualified");
}

TEST(LeadsService, BacktestOnHandBuiltWorkspace) {
  Workspace ws;
  ASSERT_TRUE(SaveConfig(ws.db(), kScoringConfig, kConfig, "test"));
  const int64_t c1 = ws.Contact("vp");  // 90, converts and wins
  ws.Touch(c1, kAsOf - 3 * kDay, "form_submit", "demo request");
  const int64_t c2 = ws.Contact("vp");  // 60
  ws.Touch(c2, kAsOf - 3 * kDay, "page_view");
  ws.Touch(c2, kAsOf - 2 * kDay, "page_view");
  const int64_t c3 = ws.Contact("");  // 30, converts
  for (int i = 1; i <= 3; ++i) ws.Touch(c3, kAsOf - i * kDay, "page_view");
  const int64_t c4 = ws.Contact("");  // 10
  ws.Touch(c4, kAsOf - kDay, "page_view");
  ws.Contact("");                       // 0
  const int64_t c6 = ws.Contact("vp");  // already on a deal: not a lead
  ws.Opportunity(c6, kAsOf - 5 * kDay, false, kAsOf + 50 * kDay);
  const int64_t c7 = ws.Contact("vp", kAsOf + kDay);  // not known yet
  ws.Opportunity(c7, kAsOf + 5 * kDay, false, kAsOf + 50 * kDay);
  ws.Opportunity(c1, kAsOf + 10 * kDay, true, kAsOf + 20 * kDay);
  ws.Opportunity(c3, kAsOf + 30 * kDay, false, kAsOf + 200 * kDay);
  const int64_t late = ws.Contact("");  // converts after the horizon
  ws.Opportunity(late, kAsOf + 100 * kDay, false, kAsOf + 200 * kDay);
  (void)c2, (void)c4;

  auto r = RunBacktest(ws.db(), kAsOf, 90, std::string(R"(groups:
  - name: noise
    kind: engagement
    rules:
      - {name: visits, type: page_view, points: -10, repeatable: true}
)"));
  ASSERT_TRUE(r) << r.error().ToString();
  const BacktestResult& s = r->stored;
  EXPECT_EQ(s.contacts, 6);
  EXPECT_EQ(s.converted, 2);
  EXPECT_EQ(s.won, 1);
  // Positives 90 and 30 against 60, 10, 0, 0: (4 + 3) / 8.
  EXPECT_DOUBLE_EQ(s.auc, 7.0 / 8.0);
  ASSERT_EQ(s.deciles.size(), 10u);
  EXPECT_EQ(s.deciles[0].count, 1);
  EXPECT_DOUBLE_EQ(s.deciles[0].lift, 3.0);  // rate 1 over 2/6
  EXPECT_DOUBLE_EQ(s.deciles[1].lift, 0.0);
  EXPECT_DOUBLE_EQ(s.deciles[2].lift, 3.0);
  EXPECT_EQ(s.mqls, 1);
  EXPECT_EQ(s.mqls_converted, 1);
  ASSERT_TRUE(r->draft);
  // The draft scores visits down: c1 (0 visits) and c3 (-30) ...
  EXPECT_LT(r->draft->auc, s.auc);
  EXPECT_FALSE(RunBacktest(ws.db(), kAsOf, 0, std::nullopt));
  auto bad_draft = RunBacktest(ws.db(), kAsOf, 90, std::string("groups: 1\n"));
  ASSERT_FALSE(bad_draft);
  EXPECT_EQ(bad_draft.error().ToString(), "draft:1: groups must list at least one group");
}

TEST(LeadsService, RoutesWithAuditAndPersistedRoundRobin) {
  Workspace ws;
  ASSERT_TRUE(SaveConfig(ws.db(), kScoringConfig, kConfig, "test"));
  const int64_t ana = ws.User("ana", "AE");
  const int64_t ben = ws.User("ben", "AE");
  const int64_t cho = ws.User("cho", "AE", 1);
  ASSERT_TRUE(SaveConfig(ws.db(), kRoutingConfig, R"(pools:
  - name: inbound
    members: [{user: ana, weight: 2}, {user: ben}, {user: cho}]
rules:
  - {name: everyone, to: {pool: inbound}}
fallback_queue: triage
)",
                         "test"));
  std::vector<int64_t> leads;
  for (int i = 0; i < 8; ++i) {
    leads.push_back(ws.Contact("vp", kAsOf - 100 * kDay, "mql"));
  }
  auto dry = RouteLeads(ws.db(), true, "test", kAsOf);
  ASSERT_TRUE(dry) << dry.error().ToString();
  EXPECT_EQ(dry->leads, 8);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_assignments"), 0);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM contacts WHERE owner_id IS NOT NULL"), 0);

  auto r = RouteLeads(ws.db(), false, "test", kAsOf);
  ASSERT_TRUE(r) << r.error().ToString();
  // Cho takes one (capacity 1), then ana and ben share 2:1.
  auto owned = [&](int64_t user) {
    return ws.Count("SELECT COUNT(*) FROM contacts WHERE owner_id = " + std::to_string(user));
  };
  EXPECT_EQ(owned(cho), 1);
  EXPECT_EQ(owned(ana) + owned(ben), 7);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_assignments WHERE rule = 'everyone'"), 8);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM audit_log WHERE action = 'leads.route'"), 8);
  EXPECT_GT(ws.Count("SELECT COUNT(*) FROM lead_routing_state"), 0);
  // Nothing left to route.
  auto none = RouteLeads(ws.db(), false, "test", kAsOf);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->leads, 0);
  // Everyone at capacity: the fallback queue, recorded once.
  ws.Exec("UPDATE users SET capacity = 1", {});
  ws.Contact("vp", kAsOf - 100 * kDay, "mql");
  auto full = RouteLeads(ws.db(), false, "test", kAsOf);
  ASSERT_TRUE(full);
  ASSERT_EQ(full->assignments.size(), 1u);
  EXPECT_EQ(full->assignments[0].queue, "triage");
  ASSERT_TRUE(RouteLeads(ws.db(), false, "test", kAsOf));
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_assignments WHERE queue = 'triage'"), 1);
  auto queue = RoutingQueue(ws.db(), 10);
  ASSERT_TRUE(queue);
  EXPECT_EQ((*queue)["total"], 1);
  EXPECT_EQ((*queue)["items"][0]["queue"], "triage");
  // Never scored (an MQL by its CRM stage): no score, not 0.
  EXPECT_TRUE((*queue)["items"][0]["total"].is_null()) << (*queue).dump();
}

TEST(LeadsService, SlaReportAndFunnel) {
  Workspace ws;
  ASSERT_TRUE(SaveConfig(ws.db(), kSlaConfig, R"(tiers:
  - {name: all, within_minutes: 60, business_hours: false}
)",
                         "test"));
  const int64_t ana = ws.User("ana", "AE");
  const int64_t fast = ws.Contact("vp");
  const int64_t slow = ws.Contact("vp");
  const int64_t never = ws.Contact("vp");
  const int64_t by_status = ws.Contact("vp");
  for (int64_t c : {fast, slow, never, by_status}) {
    ws.Exec("UPDATE contacts SET owner_id = ? WHERE id = ?", {ana, c});
    ws.Exec("INSERT INTO lifecycle_history (contact_id, stage, entered_at) VALUES (?, 'mql', ?)",
            {c, kAsOf});
  }
  ws.Touch(fast, kAsOf + 60 * 60, "sales_activity");  // exactly at the deadline: met
  ws.Touch(slow, kAsOf + 60 * 60 + 1, "call");        // one second late
  ASSERT_TRUE(SetLeadStatus(ws.db(), by_status, "accepted", ana, "", "test", kAsOf + 600));
  ws.Opportunity(fast, kAsOf + kDay, true, kAsOf + 5 * kDay);

  auto r = SlaReportOf(ws.db(), kAsOf + 10 * kDay);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->reps.size(), 1u);
  const SlaRepRow& rep = r->reps[0];
  EXPECT_EQ(rep.key, "ana");
  EXPECT_EQ(rep.leads, 4);
  EXPECT_EQ(rep.met, 2);
  EXPECT_EQ(rep.breached, 2);
  EXPECT_DOUBLE_EQ(rep.within_share, 0.5);
  EXPECT_DOUBLE_EQ(rep.median_minutes, 60);  // 10, 60, 60
  ASSERT_EQ(r->escalations.size(), 1u);
  EXPECT_EQ(r->escalations[0].contact_id, never);
  ASSERT_EQ(r->funnel.size(), 1u);
  EXPECT_EQ(r->funnel[0].month, "2026-03");
  EXPECT_EQ(r->funnel[0].mql, 4);
  EXPECT_EQ(r->funnel[0].sal, 3);
  EXPECT_EQ(r->funnel[0].sql, 1);
  EXPECT_EQ(r->funnel[0].opportunity, 1);
  EXPECT_EQ(r->funnel[0].won, 1);
}

// The summary's charts have no gaps: score buckets and MQL weeks without
// contacts between the first and the last are listed with 0.
TEST(LeadsService, SummaryListsEmptyBucketsAndWeeks) {
  Workspace ws;
  const int64_t a = ws.Contact(""), b = ws.Contact(""), c = ws.Contact("");
  ws.Exec(
      "INSERT INTO lead_scores (contact_id, fit, engagement, total, grade, as_of, scored_at) "
      "VALUES (?, 500, 0, 500, 'D4', 0, 0), (?, 2500, 0, 2500, 'C4', 0, 0), (?, -300, 0, -300, "
      "'D4', 0, 0)",
      {a, b, c});
  // MQLs in the weeks of Monday 2026-03-02 and 2026-03-16, none between.
  ws.Exec(
      "INSERT INTO lifecycle_history (contact_id, stage, entered_at) VALUES (?, 'mql', ?), (?, "
      "'mql', ?)",
      {a, int64_t{1772452800}, b, int64_t{1773662400}});
  auto s = Summary(ws.db());
  ASSERT_TRUE(s) << s.error().ToString();
  std::vector<std::tuple<int64_t, int64_t, int64_t>> buckets;
  for (const Json& d : (*s)["distribution"])
    buckets.emplace_back(d["from"], d["to"], d["contacts"]);
  EXPECT_EQ(buckets, (std::vector<std::tuple<int64_t, int64_t, int64_t>>{
                         {-10, 0, 1}, {0, 10, 1}, {10, 20, 0}, {20, 30, 1}}));
  std::vector<std::pair<std::string, int64_t>> weeks;
  for (const Json& w : (*s)["mqls_per_week"]) weeks.emplace_back(w["week"], w["mqls"]);
  EXPECT_EQ(weeks, (std::vector<std::pair<std::string, int64_t>>{
                       {"2026-03-02", 1}, {"2026-03-09", 0}, {"2026-03-16", 1}}));
  // An outlier far from the rest (a score of 50,000 points) is not reached by
  // thousands of empty buckets: that gap stays.
  const int64_t far = ws.Contact("");
  ws.Exec(
      "INSERT INTO lead_scores (contact_id, fit, engagement, total, grade, as_of, scored_at) "
      "VALUES (?, 5000000, 0, 5000000, 'A4', 0, 0)",
      {far});
  auto with_outlier = Summary(ws.db());
  ASSERT_TRUE(with_outlier);
  const Json& d = (*with_outlier)["distribution"];
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d[4]["from"], 50000);
  EXPECT_EQ(d[4]["contacts"], 1);
}

TEST(LeadsRoutes, RolesAndDocuments) {
  Workspace ws;
  ASSERT_TRUE(SaveConfig(ws.db(), kScoringConfig, kConfig, "test"));
  const int64_t a = ws.Contact("vp");
  ws.Touch(a, kAsOf - kDay, "form_submit", "demo request");
  auto analyst = http::CreateToken(ws.db(), "analyst", http::Role::kAnalyst);
  auto ops = http::CreateToken(ws.db(), "ops", http::Role::kOps);
  ASSERT_TRUE(analyst && ops);
  test_support::TestServer server(ws.url(), [](http::Router& r) { RegisterRoutes(r); });
  httplib::Client client("127.0.0.1", server.port());
  const httplib::Headers as_analyst = {{"Authorization", "Bearer " + *analyst}};
  const httplib::Headers as_ops = {{"Authorization", "Bearer " + *ops}};
  const std::string score_body = R"({"as_of": "2026-03-16"})";

  auto denied = client.Post("/api/v1/leads/score", as_analyst, score_body, "application/json");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  auto scored = client.Post("/api/v1/leads/score", as_ops, score_body, "application/json");
  ASSERT_TRUE(scored);
  ASSERT_EQ(scored->status, 200) << scored->body;
  EXPECT_EQ(nlohmann::json::parse(scored->body)["changed"], 1);

  auto summary = client.Get("/api/v1/leads/summary", as_analyst);
  ASSERT_TRUE(summary);
  ASSERT_EQ(summary->status, 200) << summary->body;
  const auto s = nlohmann::json::parse(summary->body);
  EXPECT_EQ(s["scored"], 1);
  EXPECT_EQ(s["grades"]["A1"], 1);
  // The grade matrix's count is the list's total.
  auto list = client.Get("/api/v1/leads/scores?grade=A1", as_analyst);
  ASSERT_TRUE(list);
  EXPECT_EQ(nlohmann::json::parse(list->body)["total"], 1);
  auto bad_limit = client.Get("/api/v1/leads/scores?limit=0", as_analyst);
  ASSERT_TRUE(bad_limit);
  EXPECT_EQ(bad_limit->status, 400);

  auto detail =
      client.Get("/api/v1/leads/contacts/" + std::to_string(a) + "?as_of=2026-03-16", as_analyst);
  ASSERT_TRUE(detail);
  ASSERT_EQ(detail->status, 200) << detail->body;
  const auto d = nlohmann::json::parse(detail->body);
  EXPECT_EQ(d["total"], 90.0);
  EXPECT_EQ(d["lifecycle"][0]["stage"], "mql");

  auto bad_config = client.Put("/api/v1/leads/config/scoring", as_ops, R"({"yaml": "groups: [\n"})",
                               "application/json");
  ASSERT_TRUE(bad_config);
  EXPECT_EQ(bad_config->status, 400);
  const auto err = nlohmann::json::parse(bad_config->body)["error"];
  EXPECT_EQ(err["details"]["file"], "scoring");
  EXPECT_EQ(err["details"]["line"], 2);
  EXPECT_EQ(err["message"].get<std::string>().substr(0, 14), "not valid YAML");
  auto analyst_put = client.Put("/api/v1/leads/config/scoring", as_analyst, R"({"yaml": "x: 1"})",
                                "application/json");
  ASSERT_TRUE(analyst_put);
  EXPECT_EQ(analyst_put->status, 403);
  auto unknown = client.Put("/api/v1/leads/config/scoring", as_ops, R"({"yaml": "x", "extra": 1})",
                            "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  auto config = client.Get("/api/v1/leads/config/routing", as_analyst);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->status, 200);
  auto backtest = client.Post("/api/v1/leads/backtest", as_analyst,
                              R"({"as_of": "2026-03-16", "horizon_days": 30})", "application/json");
  ASSERT_TRUE(backtest);
  EXPECT_EQ(backtest->status, 200) << backtest->body;
  auto route =
      client.Post("/api/v1/leads/route", as_ops, R"({"dry_run": true})", "application/json");
  ASSERT_TRUE(route);
  EXPECT_EQ(route->status, 200) << route->body;
  auto sla = client.Get("/api/v1/leads/sla", as_analyst);
  ASSERT_TRUE(sla);
  EXPECT_EQ(sla->status, 200) << sla->body;
}

// The campaign condition of an engagement rule matches the campaign's name,
// else the touch's utm_campaign (COALESCE(campaign name, utm_campaign)),
// without case.
TEST(LeadsService, CampaignRuleMatchesCampaignNameElseUtm) {
  Workspace ws;
  ASSERT_TRUE(SaveConfig(ws.db(), kScoringConfig, R"(groups:
  - name: eng
    kind: engagement
    rules:
      - {name: launch, campaign: [Spring Launch], points: 10, repeatable: true}
)",
                         "test"));
  ws.Exec("INSERT INTO campaigns (source_system, external_id, name) VALUES ('t', 'k1', ?)",
          {"Spring Launch"});
  ws.Exec("INSERT INTO campaigns (source_system, external_id, name) VALUES ('t', 'k2', 'Other')",
          {});
  const int64_t spring = ws.Count("SELECT id FROM campaigns WHERE external_id = 'k1'");
  const int64_t other = ws.Count("SELECT id FROM campaigns WHERE external_id = 'k2'");
  const int64_t c = ws.Contact("");
  auto touch = [&](const std::string& id, Timestamp at, Value campaign, Value utm) {
    ws.Exec(
        "INSERT INTO touchpoints (source_system, external_id, contact_id, occurred_at, type, "
        "campaign_id, utm_campaign) VALUES ('t', ?, ?, ?, 'email_click', ?, ?)",
        {id, c, at, campaign, utm});
  };
  touch("by-campaign", kAsOf - 4 * kDay, spring, Value());                  // 10
  touch("by-utm", kAsOf - 3 * kDay, Value(), "spring launch");              // 10
  touch("name-wins", kAsOf - 2 * kDay, other, "Spring Launch");             // Other: no
  touch("no-campaign", kAsOf - 1 * kDay, Value(), Value());                 // no
  touch("unknown-id", kAsOf - 1 * kDay, int64_t{999999}, "Spring Launch");  // utm: 10
  auto r = ScoreWorkspace(ws.db(), kAsOf, "test");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(ws.Count("SELECT engagement FROM lead_scores WHERE contact_id = " + std::to_string(c)),
            3000);
  auto e = Explain(ws.db(), c, kAsOf);
  ASSERT_TRUE(e) << e.error().ToString();
  ASSERT_EQ(e->lines.size(), 3u);
  EXPECT_NE(e->lines[0].detail.find("campaign=spring launch"), std::string::npos)
      << e->lines[0].detail;
}

// The workspace load reads only the columns the rules test, groups touches
// by contact in time order (then id) whatever the table's order, and writes
// in batches: the stored scores equal those of a full load, one by one.
TEST(LeadsService, WorkspaceLoadMatchesFullLoadAndWritesInBatches) {
  Workspace ws;
  ASSERT_TRUE(SaveConfig(ws.db(), kScoringConfig, R"(groups:
  - name: who
    kind: fit
    rules:
      - {name: vp, field: seniority, equals: vp, points: 10}
      - {name: corp, field: email_domain, equals: acme.com, points: 5}
  - name: eng
    kind: engagement
    half_life_days: 7
    rules:
      - {name: first, type: page_view, points: 20, once: true}
      - {name: weekly, type: page_view, points: 3, repeatable: true, period_days: 7, period_cap: 5}
)",
                         "test"));
  std::vector<int64_t> ids;
  for (int i = 0; i < 150; ++i) {
    const int64_t c = ws.Contact(i % 3 == 0 ? "vp" : "");
    ids.push_back(c);
    // Newest first in the table: the load must sort them back.
    for (int k = 0; k < i % 5; ++k) ws.Touch(c, kAsOf - (k * 3 + 1) * kDay, "page_view");
  }
  auto r = ScoreWorkspace(ws.db(), kAsOf, "test");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->contacts, 150);
  EXPECT_EQ(r->changed, 150);  // everyone has at least the e-mail domain's 5 points
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_scores"), 150);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_score_history"), 0);

  auto config = LoadScoringConfig(ws.db());
  ASSERT_TRUE(config);
  auto full = LoadScoringInput(ws.db(), kAsOf);  // every column, one connection
  ASSERT_TRUE(full) << full.error().ToString();
  ASSERT_EQ(full->size(), 150u);
  for (size_t i = 0; i < full->size(); ++i) {
    for (int64_t t = full->touch_begin[i] + 1; t < full->touch_begin[i + 1]; ++t) {
      ASSERT_LE(full->occurred_at[t - 1], full->occurred_at[t]);
    }
  }
  const auto expected = ScoreAll(*config, *full, kAsOf, 1);
  auto needed = LoadScoringInput(ws.db(), kAsOf, 2, {}, NeedsOf(*config));
  ASSERT_TRUE(needed) << needed.error().ToString();
  EXPECT_TRUE(needed->touch_keys[static_cast<int>(TouchKey::kUrl)].codes.empty());
  const auto got = ScoreAll(*config, *needed, kAsOf, 2);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].total(), expected[i].total()) << "contact " << full->contact_ids[i];
    EXPECT_EQ(ws.Count("SELECT total FROM lead_scores WHERE contact_id = " +
                       std::to_string(full->contact_ids[i])),
              expected[i].total());
  }
  // By hand, the fifth contact (not a vp; acme.com: fit 5): visits at -10
  // (Friday), -7 (Monday), -4 and -1 days, half-life 7 days. first: 20 at
  // -10: 2000 * 2^(-10/7) = 743. weekly (3, at most 5 a week): -10 earns 3
  // (111), the new week's -7 earns 3 (150) and -4 the 2 left (134.6 -> 135),
  // -1 nothing.
  EXPECT_EQ(
      ws.Count("SELECT engagement FROM lead_scores WHERE contact_id = " + std::to_string(ids[4])),
      743 + 111 + 150 + 135);
  EXPECT_EQ(ws.Count("SELECT fit FROM lead_scores WHERE contact_id = " + std::to_string(ids[4])),
            500);
  auto again = ScoreWorkspace(ws.db(), kAsOf, "test");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->changed, 0);
  // A week later every engaged contact decays: the replaced scores go to
  // the history.
  auto later = ScoreWorkspace(ws.db(), kAsOf + 7 * kDay, "test");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->changed, ws.Count("SELECT COUNT(*) FROM lead_scores WHERE engagement > 0"));
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_score_history"), later->changed);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_score_history WHERE at = " + std::to_string(kAsOf)),
            later->changed);
}

// A generated workspace, large enough that the scoring runs on two threads
// and the write rebuilds the score index: the parallel path (two reader
// connections, two scoring threads) stores exactly what one thread does,
// scores, history and lifecycle moves alike, a first run and a day later
// (every engaged score decays), and the backtest agrees too.
TEST(LeadsService, ParallelRescoreEqualsOneThread) {
  Workspace ws;
  constexpr int64_t kContacts = 30000, kTouches = 150000;
  ws.Exec(
      "WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < 1500) "
      "INSERT INTO accounts (source_system, external_id, name, industry, employees, country) "
      "SELECT 't', 'a' || x, 'Account ' || x, CASE x % 3 WHEN 0 THEN 'Software' WHEN 1 THEN "
      "'Retail' ELSE 'Internet' END, 10 + (x * 7919) % 20000, CASE x % 2 WHEN 0 THEN 'US' "
      "ELSE 'DE' END FROM seq",
      {});
  // Contacts created over the 300 days before as_of (so the backtest 60 days
  // back leaves some out); touches spread over the table (contact 1 + 7919 x
  // mod n), on whole days so that a contact has ties, some after as_of.
  ws.Exec(fmt::format(
              "WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < {0}) "
              "INSERT INTO contacts (source_system, external_id, email, first_name, seniority, "
              "department, title, account_id, lifecycle_stage, created_at) SELECT 't', 'c' || x, "
              "'p' || x || CASE x % 7 WHEN 0 THEN '@gmail.com' ELSE '@acme' || (x % 97) || '.com' "
              "END, 'P' || x, CASE (x * 31) % 6 WHEN 0 THEN 'c_level' WHEN 1 THEN 'vp' WHEN 2 "
              "THEN 'director' WHEN 3 THEN 'manager' ELSE 'entry' END, CASE x % 4 WHEN 0 THEN "
              "'marketing' WHEN 1 THEN 'sales' ELSE 'engineering' END, 'Title ' || (x % 50), "
              "CASE WHEN x % 11 = 0 THEN NULL ELSE 1 + x % 1500 END, 'lead', {1} - (x % 300) * "
              "{2} FROM seq",
              kContacts, kAsOf, kDay),
          {});
  ws.Exec(fmt::format(
              "WITH RECURSIVE seq(x) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT x + 1 FROM seq "
              "WHERE x < {0} "
              "- 1) INSERT INTO touchpoints (source_system, external_id, contact_id, "
              "occurred_at, type, channel, event_name, url) SELECT 't', 't' || x, 1 + (x * 7919) "
              "% {1}, {2} + {3} * (5 - (x * 2654435761) % 200), CASE (x * 40503) % 9 WHEN 0 "
              "THEN 'form_submit' WHEN 1 THEN 'email_click' WHEN 2 THEN 'ad_click' WHEN 3 THEN "
              "'webinar_attended' WHEN 4 THEN 'content_download' ELSE 'page_view' END, CASE x % "
              "6 WHEN 0 THEN 'email' WHEN 1 THEN 'paid_search' ELSE 'direct' END, CASE WHEN (x * "
              "977) % 50 = 0 THEN 'Demo Request' WHEN (x * 977) % 97 = 0 THEN 'unsubscribe' ELSE "
              "NULL END, 'https://example.com/' || CASE (x * 13) % 8 WHEN 0 THEN 'pricing' WHEN 1 "
              "THEN 'careers' ELSE 'blog/' || (x % 300) END FROM seq",
              kTouches, kContacts, kAsOf, kDay),
          {});
  ASSERT_EQ(ws.Count("SELECT COUNT(*) FROM touchpoints"), kTouches);
  // The default rules, with a threshold these few touches reach: MQL moves too.
  std::string yaml(DefaultScoringYaml());
  const std::string mql = "mql: {fit: 30, engagement: 40}";
  ASSERT_NE(yaml.find(mql), std::string::npos);
  yaml.replace(yaml.find(mql), mql.size(), "mql: {fit: 20, engagement: 10}");
  ASSERT_TRUE(SaveConfig(ws.db(), kScoringConfig, yaml, "test"));

  struct Snapshot {
    std::vector<std::vector<Value>> scores, history, moves;
    int64_t changed_first = 0, changed_later = 0;
  };
  auto rows = [&](const std::string& sql) {
    auto r = ws.db().Query(sql);
    EXPECT_TRUE(r) << sql;
    return r ? r->rows : std::vector<std::vector<Value>>{};
  };
  auto run = [&](int threads) {
    Snapshot s;
    auto first = ScoreWorkspace(ws.db(), kAsOf, "test", threads);
    EXPECT_TRUE(first) << first.error().ToString();
    auto later = ScoreWorkspace(ws.db(), kAsOf + kDay, "test", threads);
    EXPECT_TRUE(later) << later.error().ToString();
    if (!first || !later) return s;
    s.changed_first = first->changed;
    s.changed_later = later->changed;
    s.scores = rows(
        "SELECT contact_id, fit, engagement, total, grade, as_of FROM lead_scores ORDER BY "
        "contact_id");
    s.history = rows(
        "SELECT contact_id, at, fit, engagement, total, grade FROM lead_score_history ORDER BY "
        "contact_id, at");
    s.moves = rows(
        "SELECT contact_id, stage, from_stage, cause FROM lifecycle_history ORDER BY contact_id, "
        "entered_at, stage");
    // The index the rewrite rebuilt is there again, and used by the reads.
    EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_scores WHERE total >= 5000"),
              ws.Count("SELECT COUNT(*) FROM lead_scores WHERE +total >= 5000"));
    // Cleared for the next run, as the workspace was before.
    auto reset = ws.db().ExecScript(
        "DELETE FROM lead_scores; DELETE FROM lead_score_history; DELETE FROM lifecycle_history; "
        "DELETE FROM audit_log WHERE action <> 'leads.config'; UPDATE contacts SET "
        "lifecycle_stage = 'lead'");
    EXPECT_TRUE(reset) << reset.error().ToString();
    return s;
  };
  const Snapshot one = run(1);
  const Snapshot two = run(2);
  // The same two rescores contact by contact (RescoreContacts, 500 at a time:
  // each write a few rows, never the bulk path) store the same rows.
  Snapshot parts;
  {
    std::vector<int64_t> ids;
    for (const auto& r : rows("SELECT id FROM contacts ORDER BY id")) {
      ids.push_back(store::AsInt(r[0]));
    }
    for (const Timestamp as_of : {kAsOf, kAsOf + kDay}) {
      int64_t changed = 0;
      for (size_t k = 0; k < ids.size(); k += 500) {
        const auto chunk =
            std::span<const int64_t>(ids).subspan(k, std::min<size_t>(500, ids.size() - k));
        auto r = RescoreContacts(ws.db(), chunk, as_of);
        ASSERT_TRUE(r) << r.error().ToString();
        changed += r->changed;
      }
      (as_of == kAsOf ? parts.changed_first : parts.changed_later) = changed;
    }
    parts.scores = rows(
        "SELECT contact_id, fit, engagement, total, grade, as_of FROM lead_scores ORDER BY "
        "contact_id");
    parts.history = rows(
        "SELECT contact_id, at, fit, engagement, total, grade FROM lead_score_history ORDER BY "
        "contact_id, at");
    parts.moves = rows(
        "SELECT contact_id, stage, from_stage, cause FROM lifecycle_history ORDER BY contact_id, "
        "entered_at, stage");
  }
  EXPECT_EQ(parts.changed_first, one.changed_first);
  EXPECT_EQ(parts.changed_later, one.changed_later);
  EXPECT_TRUE(parts.scores == one.scores);
  EXPECT_TRUE(parts.history == one.history);
  EXPECT_TRUE(parts.moves == one.moves);
  ASSERT_TRUE(ws.db().ExecScript(
      "DELETE FROM lead_scores; DELETE FROM lead_score_history; DELETE FROM lifecycle_history; "
      "DELETE FROM audit_log WHERE action <> 'leads.config'; UPDATE contacts SET "
      "lifecycle_stage = 'lead'"));
  // The first run writes every contact with a score; a day later decay
  // changes the engaged ones (over a quarter of the rows: the bulk path).
  EXPECT_GT(one.changed_first, kContacts / 2);
  EXPECT_GT(one.changed_later * 4, one.changed_first);
  EXPECT_EQ(static_cast<int64_t>(one.scores.size()), one.changed_first);
  EXPECT_EQ(static_cast<int64_t>(one.history.size()), one.changed_later);
  EXPECT_FALSE(one.moves.empty());
  EXPECT_EQ(two.changed_first, one.changed_first);
  EXPECT_EQ(two.changed_later, one.changed_later);
  EXPECT_TRUE(two.scores == one.scores);
  EXPECT_TRUE(two.history == one.history);
  EXPECT_TRUE(two.moves == one.moves);
  {
    const bool sqlite = ws.db().dialect() == store::Dialect::kSqlite;
    // A bulk write that fails part way (at the score of a contact past the
    // first thousand) changes nothing: no scores.
    ASSERT_TRUE(ws.db().ExecScript(
        sqlite ? "CREATE TRIGGER fail_scores BEFORE INSERT ON lead_scores WHEN NEW.contact_id > "
                 "1000 BEGIN SELECT RAISE(ABORT, 'scores refused'); END"
               : "CREATE FUNCTION fail_scores() RETURNS trigger AS $$ BEGIN IF NEW.contact_id > "
                 "1000 THEN RAISE EXCEPTION 'scores refused'; END IF; RETURN NEW; END $$ "
                 "LANGUAGE plpgsql; CREATE TRIGGER fail_scores BEFORE INSERT ON lead_scores FOR "
                 "EACH ROW EXECUTE FUNCTION fail_scores()"));
    auto failed = ScoreWorkspace(ws.db(), kAsOf, "test");
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().ToString().find("scores refused"), std::string::npos);
    EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_scores"), 0);
    ASSERT_TRUE(ws.db().ExecScript(sqlite ? "DROP TRIGGER fail_scores"
                                          : "DROP TRIGGER fail_scores ON lead_scores; "
                                            "DROP FUNCTION fail_scores()"));
    auto again = ScoreWorkspace(ws.db(), kAsOf, "test");
    ASSERT_TRUE(again) << again.error().ToString();
    EXPECT_EQ(again->changed, one.changed_first);
    // A day later, the history write fails part way: the scores stay as they
    // were and no history row is left.
    const int64_t sum = ws.Count("SELECT SUM(total) FROM lead_scores");
    ASSERT_TRUE(ws.db().ExecScript(
        sqlite ? "CREATE TRIGGER fail_history BEFORE INSERT ON lead_score_history WHEN "
                 "NEW.contact_id > 1000 BEGIN SELECT RAISE(ABORT, 'history refused'); END"
               : "CREATE FUNCTION fail_history() RETURNS trigger AS $$ BEGIN IF NEW.contact_id "
                 "> 1000 THEN RAISE EXCEPTION 'history refused'; END IF; RETURN NEW; END $$ "
                 "LANGUAGE plpgsql; CREATE TRIGGER fail_history BEFORE INSERT ON "
                 "lead_score_history FOR EACH ROW EXECUTE FUNCTION fail_history()"));
    auto later = ScoreWorkspace(ws.db(), kAsOf + kDay, "test");
    ASSERT_FALSE(later);
    EXPECT_NE(later.error().ToString().find("history refused"), std::string::npos);
    EXPECT_EQ(ws.Count("SELECT SUM(total) FROM lead_scores"), sum);
    EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_scores WHERE as_of <> " + std::to_string(kAsOf)),
              0);
    EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_score_history"), 0);
    ASSERT_TRUE(ws.db().ExecScript(sqlite ? "DROP TRIGGER fail_history"
                                          : "DROP TRIGGER fail_history ON lead_score_history; "
                                            "DROP FUNCTION fail_history()"));
  }
  auto bt1 = RunBacktest(ws.db(), kAsOf - 60 * kDay, 90, std::nullopt, 1);
  auto bt2 = RunBacktest(ws.db(), kAsOf - 60 * kDay, 90, std::nullopt, 2);
  ASSERT_TRUE(bt1 && bt2);
  EXPECT_GT(bt1->stored.contacts, 0);
  EXPECT_LT(bt1->stored.contacts, kContacts);
  EXPECT_EQ(ToJson(*bt1).dump(), ToJson(*bt2).dump());
}

// The default routing sends a lead without an account to the owner of the
// account that lead-to-account matching finds (by its e-mail's domain);
// a lead that matches nothing waits in the fallback queue.
TEST(LeadsService, RoutesToTheOwnerOfTheMatchedAccount) {
  Workspace ws;
  const int64_t ana = ws.User("ana", "AE");
  ws.Exec(
      "INSERT INTO accounts (source_system, external_id, name, domain, country, owner_id) VALUES "
      "('t', 'a1', 'Acme Corporation', 'acme.com', 'US', ?)",
      {ana});
  const int64_t matched = ws.Contact("vp", kAsOf - 100 * kDay, "mql");  // p1@acme.com
  const int64_t stray = ws.Contact("vp", kAsOf - 100 * kDay, "mql");
  ws.Exec("UPDATE contacts SET email = 'someone@example.org' WHERE id = ?", {stray});
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM contacts WHERE account_id IS NOT NULL"), 0);
  auto r = RouteLeads(ws.db(), false, "test", kAsOf);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->assignments.size(), 2u);
  EXPECT_EQ(ws.Count("SELECT owner_id FROM contacts WHERE id = " + std::to_string(matched)), ana);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_assignments WHERE contact_id = " +
                     std::to_string(matched) + " AND user_id = " + std::to_string(ana) +
                     " AND rule = 'existing_account'"),
            1);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM contacts WHERE owner_id IS NULL AND id = " +
                     std::to_string(stray)),
            1);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_assignments WHERE user_id IS NULL AND queue = "
                     "'unassigned' AND contact_id = " +
                     std::to_string(stray)),
            1);
}

// After an import: the new contacts that are MQLs without an owner are
// routed; an import that brought none changes nothing.
TEST(LeadsService, RoutesMqlsAnImportCreated) {
  Workspace ws;
  const int64_t ana = ws.User("ana", "AE");
  ASSERT_TRUE(SaveConfig(ws.db(), kRoutingConfig, R"(rules:
  - {name: all, to: {user: ana}}
)",
                         "test"));
  const int64_t lead = ws.Contact("vp");
  const int64_t ids_lead[] = {lead};
  auto none = RouteImportedMqls(ws.db(), ids_lead, kAsOf);
  ASSERT_TRUE(none) << none.error().ToString();
  EXPECT_EQ(none->leads, 0);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_assignments"), 0);
  auto empty = RouteImportedMqls(ws.db(), {}, kAsOf);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->leads, 0);

  const int64_t a = ws.Contact("vp", kAsOf - kDay, "mql");
  const int64_t b = ws.Contact("", kAsOf - kDay, "mql");
  const int64_t c = ws.Contact("", kAsOf - kDay, "lead");
  const int64_t ids[] = {a, b, c};
  auto routed = RouteImportedMqls(ws.db(), ids, kAsOf);
  ASSERT_TRUE(routed) << routed.error().ToString();
  EXPECT_EQ(routed->leads, 2);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM contacts WHERE owner_id = " + std::to_string(ana)), 2);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM lead_assignments WHERE actor = 'import' AND rule = "
                     "'all'"),
            2);
  EXPECT_EQ(ws.Count("SELECT COUNT(*) FROM audit_log WHERE action = 'leads.route' AND actor = "
                     "'import'"),
            2);
  // Again: nobody is waiting.
  auto again = RouteImportedMqls(ws.db(), ids, kAsOf);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->leads, 0);
}

// The touch cache (SQLite): a rescore that reads the cached touches and the
// writes since gives exactly what a rescore from every touchpoint gives, after
// every kind of write. Workspace `cached` keeps its cache; `scratch` has its
// cache state removed before every rescore, so it loads every touchpoint; both
// get the same writes. After each step: the same scores, history rows and
// lifecycle moves in both, and the stored scores equal to ScoreAll over a
// plain LoadScoringInput.
TEST(LeadsService, TouchCacheRescoreEqualsFullRescore) {
  Workspace cached, scratch;
  const std::string config = R"(groups:
  - name: fit
    kind: fit
    rules:
      - {name: vp, field: seniority, equals: vp, points: 40}
  - name: eng
    kind: engagement
    half_life_days: 20
    cap: 150
    rules:
      - {name: demo, event: demo request, points: 50, once: true}
      - {name: visit, type: page_view, points: 5, repeatable: true, cap: 40, period_days: 7, period_cap: 10}
      - {name: pricing, url: ['*/pricing*'], points: 15, repeatable: true}
      - {name: launch, campaign: spring launch, points: 20, once: true}
      - {name: careers, url: ['*/careers*'], points: -10, once: true}
grades: {fit: [40, 20, 10], engagement: [50, 20, 10]}
lifecycle:
  mql: {fit: 30, engagement: 30}
  recycle_after_days: 30
)";
  auto both = [&](const std::string& sql) {
    for (Workspace* ws : {&cached, &scratch}) ws->Exec(sql, {});
  };
  ASSERT_TRUE(SaveConfig(cached.db(), kScoringConfig, config, "test"));
  ASSERT_TRUE(SaveConfig(scratch.db(), kScoringConfig, config, "test"));
  both(
      "INSERT INTO campaigns (source_system, external_id, name) VALUES ('t', 'k1', 'Spring "
      "Launch'), ('t', 'k2', 'Autumn')");
  both(
      "WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < 400) "
      "INSERT INTO contacts (source_system, external_id, email, seniority, lifecycle_stage, "
      "created_at) SELECT 't', 'k' || x, 'p' || x || '@acme.com', CASE x % 3 WHEN 0 THEN 'vp' "
      "ELSE 'manager' END, 'lead', 0 FROM seq");
  // Touches on whole days (ties within a contact), some after as_of, out of
  // id order in time, with campaigns by id or by utm name.
  auto touches = [&](int from, int to, const std::string& prefix) {
    both(fmt::format(
        "WITH RECURSIVE seq(x) AS (SELECT {0} UNION ALL SELECT x + 1 FROM seq WHERE x < {1}) "
        "INSERT INTO touchpoints (source_system, external_id, contact_id, occurred_at, type, "
        "event_name, url, campaign_id, utm_campaign) SELECT 't', '{2}' || x, 1 + (x * 7919) % "
        "400, {3} + {4} * (3 - (x * 2654435761) % 90), CASE x % 4 WHEN 0 THEN 'form_submit' "
        "ELSE 'page_view' END, CASE WHEN x % 17 = 0 THEN 'Demo Request' END, "
        "'https://example.com/' || CASE x % 5 WHEN 0 THEN 'pricing' WHEN 1 THEN 'careers' ELSE "
        "'blog' END, CASE x % 11 WHEN 0 THEN 1 WHEN 1 THEN 2 END, CASE x % 13 WHEN 0 THEN "
        "'spring launch' END FROM seq",
        from, to, prefix, kAsOf, kDay));
  };
  touches(1, 4000, "t");

  auto rows = [](Workspace& ws, const std::string& sql) {
    auto r = ws.db().Query(sql);
    EXPECT_TRUE(r) << sql;
    return r ? r->rows : std::vector<std::vector<Value>>{};
  };
  const std::string kScores =
      "SELECT contact_id, fit, engagement, total, grade, as_of FROM lead_scores ORDER BY "
      "contact_id";
  const std::string kHistory =
      "SELECT contact_id, at, fit, engagement, total, grade FROM lead_score_history ORDER BY "
      "contact_id, at, id";
  const std::string kMoves =
      "SELECT contact_id, stage, from_stage, cause FROM lifecycle_history ORDER BY contact_id, "
      "entered_at, stage";
  const bool sqlite = cached.db().dialect() == store::Dialect::kSqlite;
  int steps = 0;
  auto check = [&](Timestamp as_of, std::string_view expect_cache, const std::string& what) {
    SCOPED_TRACE(what);
    ++steps;
    ASSERT_TRUE(scratch.db().ExecScript("DELETE FROM lead_touch_cache_state"));
    auto a = ScoreWorkspace(cached.db(), as_of, "test", 2);
    ASSERT_TRUE(a) << a.error().ToString();
    auto b = ScoreWorkspace(scratch.db(), as_of, "test", 1);
    ASSERT_TRUE(b) << b.error().ToString();
    EXPECT_EQ(a->touch_cache, sqlite ? expect_cache : "off");
    EXPECT_EQ(b->touch_cache, sqlite ? "built" : "off");
    EXPECT_EQ(a->changed, b->changed);
    EXPECT_EQ(a->lifecycle_moves, b->lifecycle_moves);
    const auto scores = rows(cached, kScores);
    EXPECT_EQ(scores, rows(scratch, kScores));
    EXPECT_EQ(rows(cached, kHistory), rows(scratch, kHistory));
    EXPECT_EQ(rows(cached, kMoves), rows(scratch, kMoves));
    // From every touchpoint with the engine's own matching.
    auto cfg = LoadScoringConfig(cached.db());
    ASSERT_TRUE(cfg);
    auto input = LoadScoringInput(cached.db(), as_of, 1, {}, NeedsOf(*cfg));
    ASSERT_TRUE(input);
    const std::vector<Score> expect = ScoreAll(*cfg, *input, as_of, 1);
    size_t r = 0, nonzero = 0;
    for (size_t i = 0; i < input->size(); ++i) {
      while (r < scores.size() && store::AsInt(scores[r][0]) < input->contact_ids[i]) ++r;
      const bool stored = r < scores.size() && store::AsInt(scores[r][0]) == input->contact_ids[i];
      if (expect[i].fit != 0 || expect[i].engagement != 0) ++nonzero;
      if (!stored) {
        EXPECT_EQ(expect[i].total(), 0) << "contact " << input->contact_ids[i];
        continue;
      }
      EXPECT_EQ(store::AsInt(scores[r][1]), expect[i].fit) << "contact " << input->contact_ids[i];
      EXPECT_EQ(store::AsInt(scores[r][2]), expect[i].engagement)
          << "contact " << input->contact_ids[i];
      EXPECT_EQ(store::AsText(scores[r][4]), expect[i].grade);
    }
    EXPECT_GT(nonzero, 100u);
  };

  check(kAsOf, "built", "first rescore: no cache yet");
  EXPECT_EQ(cached.Count("SELECT COUNT(*) FROM lead_touch_changes"), sqlite ? 0 : 0);
  check(kAsOf, "kept", "nothing changed");
  touches(4001, 4300, "n");
  cached.Contact("vp");
  scratch.Contact("vp");
  both(
      "INSERT INTO touchpoints (source_system, external_id, contact_id, occurred_at, type) "
      "VALUES ('t', 'x1', 401, " +
      std::to_string(kAsOf - 2 * kDay) + ", 'page_view')");
  check(kAsOf, "kept", "new touches, a new contact");
  both("DELETE FROM touchpoints WHERE id IN (5, 77, 1234)");
  // The newest touch deleted, then an insert that takes its id again.
  both("DELETE FROM touchpoints WHERE id = (SELECT MAX(id) FROM touchpoints)");
  both(
      "INSERT INTO touchpoints (source_system, external_id, contact_id, occurred_at, type, url) "
      "VALUES ('t', 'x2', 9, " +
      std::to_string(kAsOf - kDay) + ", 'page_view', 'https://example.com/pricing')");
  check(kAsOf, "kept", "deleted touches, an id used again");
  both(
      "UPDATE touchpoints SET url = 'https://example.com/pricing/x' WHERE id BETWEEN 100 AND "
      "120");
  both(
      "UPDATE touchpoints SET occurred_at = occurred_at - 40 * 86400 WHERE id BETWEEN 200 AND "
      "230");
  both("UPDATE touchpoints SET event_name = 'Demo Request' WHERE id BETWEEN 300 AND 305");
  check(kAsOf, "kept", "changed touches");
  // A merge: the loser's touches move to the winner, the loser is merged.
  both("UPDATE touchpoints SET contact_id = 10 WHERE contact_id = 11");
  both("UPDATE contacts SET merged_into = 10 WHERE id = 11");
  both("UPDATE contacts SET merged_into = 12 WHERE id = 13");
  check(kAsOf, "kept", "merged contacts");
  // Tracking events: touches written one by one after the mark, one of them
  // for a contact merged away (not scored), then the merge undone.
  for (int i = 0; i < 5; ++i) {
    both(fmt::format(
        "INSERT INTO touchpoints (source_system, external_id, contact_id, occurred_at, type, "
        "event_name, url) VALUES ('tracking', 'ev{0}', {1}, {2}, 'page_view', 'Demo Request', "
        "'https://example.com/pricing')",
        i, i == 4 ? 13 : 20 + i, kAsOf - i * 3600));
  }
  check(kAsOf, "kept", "tracking events");
  both("UPDATE contacts SET merged_into = NULL WHERE id = 13");
  check(kAsOf, "kept", "a merge undone");
  // Contacts in blocks of their own (the cache keeps 1,024 contacts by id per
  // row): new ones with touches, then the last one merged away, which leaves
  // its block empty.
  both(
      "INSERT INTO contacts (id, source_system, external_id, email, seniority, lifecycle_stage, "
      "created_at) VALUES (1500, 't', 'h1', 'h1@acme.com', 'vp', 'lead', 0), (2100, 't', 'h2', "
      "'h2@acme.com', 'manager', 'lead', 0), (5000, 't', 'h3', 'h3@acme.com', 'vp', 'lead', 0)");
  for (int i = 0; i < 9; ++i) {
    both(fmt::format(
        "INSERT INTO touchpoints (source_system, external_id, contact_id, occurred_at, type, "
        "event_name, url) VALUES ('t', 'h{0}', {1}, {2}, 'page_view', {3}, "
        "'https://example.com/pricing')",
        i,
        i % 3 == 0   ? 1500
        : i % 3 == 1 ? 2100
                     : 5000,
        kAsOf - i * kDay, i == 2 ? "'Demo Request'" : "NULL"));
  }
  check(kAsOf, "kept", "contacts in other blocks");
  if (sqlite) {
    EXPECT_EQ(cached.Count("SELECT COUNT(*) FROM lead_touch_blocks"), 4);
  }
  both("UPDATE touchpoints SET contact_id = 1500 WHERE contact_id = 5000");
  both("UPDATE contacts SET merged_into = 1500 WHERE id = 5000");
  both(
      "INSERT INTO touchpoints (source_system, external_id, contact_id, occurred_at, type) "
      "VALUES ('t', 'h9', 2100, " +
      std::to_string(kAsOf - kDay) + ", 'page_view')");
  check(kAsOf, "kept", "the last block's only contact merged away");
  if (sqlite) {
    EXPECT_EQ(cached.Count("SELECT COUNT(*) FROM lead_touch_blocks"), 3);
    EXPECT_EQ(cached.Count("SELECT COUNT(*) FROM lead_touch_blocks WHERE block = 4"), 0);
  }
  // An import: many touches and contacts at once (most contacts change).
  touches(5001, 9000, "i");
  check(kAsOf, "kept", "an import of touches");
  // The campaign key of a rule changes with a campaign's name.
  both("UPDATE campaigns SET name = 'Autumn Launch' WHERE external_id = 'k1'");
  both("UPDATE campaigns SET name = 'Spring Launch' WHERE external_id = 'k2'");
  check(kAsOf, "built", "a campaign renamed");
  // A config change.
  std::string next = config;
  next.replace(next.find("points: 15"), 10, "points: 25");
  ASSERT_TRUE(SaveConfig(cached.db(), kScoringConfig, next, "test"));
  ASSERT_TRUE(SaveConfig(scratch.db(), kScoringConfig, next, "test"));
  check(kAsOf, "built", "a config change");
  check(kAsOf + 3 * kDay, "kept", "a later as_of: decay, touches that were in the future");
  check(kAsOf + 60 * kDay, "kept", "much later: recycling");
  check(kAsOf - 10 * kDay, "kept", "an earlier as_of");
  EXPECT_EQ(steps, 16);
  if (sqlite) {
    // A block that does not decode is an error naming its contacts, not a
    // score; so is a contact's row in a block that does.
    cached.Exec("UPDATE lead_touch_blocks SET contacts = 'x' WHERE block = 0", {});
    auto bad = ScoreWorkspace(cached.db(), kAsOf, "test");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("block of contacts 0 to 1023"), std::string::npos)
        << bad.error().message;
    // Contact 1, a row of two bytes: five touches, then nothing.
    cached.Exec("UPDATE lead_touch_blocks SET contacts = X'01020500' WHERE block = 0", {});
    bad = ScoreWorkspace(cached.db(), kAsOf, "test");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("lead_touch_blocks: the entry of contact 1 does not"),
              std::string::npos)
        << bad.error().message;
  }
}

// Two rescores at once: one that finds another's later mark when it writes
// leaves the touch cache to that one (its scores are right all the same).
TEST(LeadsService, TouchCacheLeftToALaterRescore) {
  Workspace ws;
  if (ws.db().dialect() != store::Dialect::kSqlite) GTEST_SKIP() << "SQLite only";
  ASSERT_TRUE(SaveConfig(ws.db(), kScoringConfig, kConfig, "test"));
  const int64_t a = ws.Contact("vp");
  ws.Touch(a, kAsOf - 5 * kDay, "page_view");
  auto first = ScoreWorkspace(ws.db(), kAsOf, "test");
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(first->touch_cache, "built");
  const int64_t hwm = ws.Count("SELECT hwm FROM lead_touch_cache_state");
  ws.Touch(a, kAsOf - 4 * kDay, "form_submit", "Demo Request");
  // Another rescore moves the mark as soon as this one has set it.
  ws.Exec(
      "CREATE TRIGGER later_mark AFTER UPDATE OF pending ON lead_touch_cache_state BEGIN UPDATE "
      "lead_touch_cache_state SET pending = NEW.pending + 1; END",
      {});
  auto second = ScoreWorkspace(ws.db(), kAsOf, "test");
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(second->touch_cache, "kept, not stored (a later rescore's mark)");
  EXPECT_EQ(ws.Count("SELECT total FROM lead_scores WHERE contact_id = " + std::to_string(a)),
            10000);
  EXPECT_EQ(ws.Count("SELECT hwm FROM lead_touch_cache_state"), hwm);
  ws.Exec("DROP TRIGGER later_mark", {});
  ws.Touch(a, kAsOf - 3 * kDay, "page_view");
  auto third = ScoreWorkspace(ws.db(), kAsOf, "test");
  ASSERT_TRUE(third) << third.error().ToString();
  EXPECT_EQ(third->touch_cache, "kept");
  EXPECT_EQ(third->cache_new_touches, 2);
  EXPECT_EQ(ws.Count("SELECT total FROM lead_scores WHERE contact_id = " + std::to_string(a)),
            11000);
  EXPECT_GT(ws.Count("SELECT hwm FROM lead_touch_cache_state"), hwm);
}

}  // namespace
}  // namespace mops::leads
