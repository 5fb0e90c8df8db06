#include <gtest/gtest.h>

#include <algorithm>

#include "core/time.h"
#include "stack/report.h"
#include "stack/stack.h"

namespace mops::stack {
namespace {

constexpr int64_t kDay = core::kSecondsPerDay;
const Timestamp kToday = core::DaysFromCivil(2026, 6, 30) * kDay;

// A small stack with one of every finding.
Stack SmallStack() {
  Stack s;
  const auto add = [&](std::string name, std::string category, std::vector<std::string> caps,
                       int64_t cost, int64_t seats, int64_t active) {
    Tool t;
    t.name = std::move(name);
    t.category = std::move(category);
    t.capabilities = std::move(caps);
    t.annual_cost = cost * 100;
    t.currency = "USD";
    t.seats = seats;
    t.active_seats = active;
    t.status = "active";
    s.tools.push_back(std::move(t));
  };
  add("CRM", "crm", {"crm"}, 50000, 20, 19);                                               // 0
  add("MA", "marketing_automation", {"marketing_automation", "email"}, 40000, 10, 9);      // 1
  add("MA two", "marketing_automation", {"marketing_automation", "email"}, 30000, 10, 2);  // 2
  add("Island", "chat", {"chat"}, 5000, 5, 5);                                             // 3
  add("Ads", "ads_management", {"ads_management"}, 0, 3, 3);                               // 4
  add("Renewing", "cms", {"cms"}, 12000, 4, 4);                                            // 5
  add("Warehouse", "reverse_etl", {"reverse_etl"}, 15000, 2, 2);                           // 6
  s.tools[5].renewal_date = kToday + 40 * kDay;
  s.tools[5].notice_days = 30;  // deadline in 10 days
  s.tools[5].auto_renew = true;
  s.tools[6].renewal_date = kToday + 20 * kDay;
  s.tools[6].notice_days = 60;  // deadline passed 40 days ago
  const auto link = [&](int32_t from, int32_t to, std::string direction, std::string status) {
    Integration in;
    in.from = from;
    in.to = to;
    in.direction = std::move(direction);
    in.status = std::move(status);
    in.objects = {"contacts"};
    s.integrations.push_back(in);
  };
  link(1, 0, "two_way", "active");
  link(2, 0, "two_way", "failing");
  link(4, 0, "one_way", "active");  // leads in, no conversions back
  link(5, 1, "one_way", "active");
  link(6, 0, "one_way", "active");
  Resolve(s);
  return s;
}

Options Today(Stage stage = Stage::kGrowth) {
  Options o;
  o.as_of = kToday;
  o.stage = stage;
  return o;
}

const Finding* Find(const AuditReport& a, std::string_view kind, std::string_view tool) {
  for (const Finding& f : a.findings) {
    if (f.kind == kind && std::find(f.tools.begin(), f.tools.end(), tool) != f.tools.end()) {
      return &f;
    }
  }
  return nullptr;
}

TEST(AuditTest, EveryKindOfFinding) {
  const Stack s = SmallStack();
  const AuditReport a = Audit(s, Today());

  const Finding* overlap = Find(a, "overlap", "MA two");
  ASSERT_NE(overlap, nullptr);
  EXPECT_EQ(overlap->action, "consolidate");
  EXPECT_EQ(overlap->severity, "high");
  EXPECT_EQ(overlap->tools, (std::vector<std::string>{"MA", "MA two"}));
  // MA has one spare seat; MA two's two users need one more at 4,000.
  EXPECT_EQ(overlap->annual_impact, 3000000 - 400000);
  EXPECT_NE(overlap->evidence.find("Marketing automation"), std::string::npos);

  // Underused and being retired: no second saving.
  const Finding* underused = Find(a, "underused", "MA two");
  ASSERT_NE(underused, nullptr);
  EXPECT_EQ(underused->action, "retire");
  EXPECT_EQ(underused->annual_impact, 0);

  const Finding* island = Find(a, "island", "Island");
  ASSERT_NE(island, nullptr);
  EXPECT_EQ(island->severity, "high");  // chat collects leads
  EXPECT_EQ(island->action, "add");
  EXPECT_NE(island->evidence.find("no integrations at all"), std::string::npos);

  const Finding* failing = Find(a, "failing_sync", "MA two");
  ASSERT_NE(failing, nullptr);
  EXPECT_EQ(failing->severity, "high");

  const Finding* flow = Find(a, "missing_flow", "Ads");
  ASSERT_NE(flow, nullptr);
  EXPECT_NE(flow->recommendation.find("offline conversions"), std::string::npos);

  const Finding* renewal = Find(a, "renewal", "Renewing");
  ASSERT_NE(renewal, nullptr);
  EXPECT_EQ(renewal->severity, "high");
  EXPECT_NE(renewal->evidence.find("in 10 days"), std::string::npos);

  const Finding* locked = Find(a, "renewal", "Warehouse");
  ASSERT_NE(locked, nullptr);
  EXPECT_EQ(locked->severity, "low");
  EXPECT_NE(locked->evidence.find("passed 40 days ago"), std::string::npos);

  const Finding* gap = Find(a, "gap", "");
  EXPECT_EQ(gap, nullptr);  // gaps name no tool
  const auto gaps = std::count_if(a.findings.begin(), a.findings.end(),
                                  [](const Finding& f) { return f.kind == "gap"; });
  EXPECT_GT(gaps, 0);
  const auto attribution = std::find_if(a.findings.begin(), a.findings.end(), [](const Finding& f) {
    return f.kind == "gap" && f.evidence.find("Attribution") != std::string::npos;
  });
  ASSERT_NE(attribution, a.findings.end());
  EXPECT_EQ(attribution->severity, "high");
  EXPECT_EQ(attribution->annual_impact, -3000000);

  const Finding* overbuilt = Find(a, "overbuilt", "Warehouse");
  ASSERT_NE(overbuilt, nullptr);
  EXPECT_EQ(overbuilt->action, "retire");
  EXPECT_EQ(overbuilt->annual_impact, 1500000);

  // Severity order, and the totals add up the signed impacts.
  int64_t saving = 0, added = 0;
  int last_rank = 0;
  for (const Finding& f : a.findings) {
    const int rank = f.severity == "high" ? 0 : f.severity == "medium" ? 1 : 2;
    EXPECT_GE(rank, last_rank);
    last_rank = rank;
    if (f.annual_impact > 0) saving += f.annual_impact;
    if (f.annual_impact < 0) added -= f.annual_impact;
    EXPECT_FALSE(f.evidence.empty());
    EXPECT_TRUE(f.action == "keep" || f.action == "consolidate" || f.action == "renegotiate" ||
                f.action == "retire" || f.action == "add")
        << f.action;
  }
  EXPECT_EQ(a.total_saving, saving);
  EXPECT_EQ(a.total_added_cost, added);
}

TEST(AuditTest, JsonShapeAndHtmlReport) {
  const Stack s = SmallStack();
  Options o = Today();
  o.marketing_budget = 100000000;
  const AuditReport a = Audit(s, o);
  const Json j = AuditJson(a, o);
  ASSERT_TRUE(j["findings"].is_array());
  ASSERT_EQ(j["findings"].size(), a.findings.size());
  for (const Json& f : j["findings"]) {
    for (const char* key : {"kind", "severity", "tools", "evidence", "action", "annual_impact"}) {
      EXPECT_TRUE(f.contains(key)) << key;
    }
    EXPECT_TRUE(f["annual_impact"].is_number());
  }
  EXPECT_EQ(j["as_of"], "2026-06-30");
  EXPECT_DOUBLE_EQ(j["cost"]["budget_share"].get<double>(),
                   static_cast<double>(a.cost.total) / 100000000.0);

  const std::string html = AuditHtml(s, a, o);
  EXPECT_TRUE(html.starts_with("<!doctype html>"));
  EXPECT_NE(html.find("Marketing tech stack audit"), std::string::npos);
  EXPECT_NE(html.find("MA two"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(AuditTest, HtmlEscapesToolNames) {
  Stack s = SmallStack();
  s.tools[3].name = "<b>Island</b> & co";
  const AuditReport a = Audit(s, Today());
  const std::string html = AuditHtml(s, a, Today());
  EXPECT_EQ(html.find("<b>Island"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;Island&lt;/b&gt; &amp; co"), std::string::npos);
}

TEST(AuditTest, GraphDotMarksIslandsAndProblems) {
  const Stack s = SmallStack();
  const std::string dot = GraphDot(s, Graph(s, Today()));
  EXPECT_TRUE(dot.starts_with("digraph stack {"));
  EXPECT_NE(dot.find("t3 [label=\"Island"), std::string::npos);
  EXPECT_NE(dot.find("color=red, fontcolor=red"), std::string::npos);
  EXPECT_NE(dot.find("t2 -> t0 [label=\"contacts\", dir=both, color=red]"), std::string::npos);
}

TEST(OptionsTest, ParsesAndRejectsWithTheField) {
  const Timestamp now = kToday + 3600 * 5;
  auto d = ParseOptions({}, now);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->as_of, kToday);  // today at midnight
  EXPECT_DOUBLE_EQ(d->utilization_threshold, 0.7);

  auto o = ParseOptions({"2026-01-15", "scale", "1200000", "80%"}, now);
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_EQ(core::FormatDate(o->as_of), "2026-01-15");
  EXPECT_EQ(o->stage, Stage::kScale);
  EXPECT_EQ(*o->marketing_budget, 120000000);
  EXPECT_DOUBLE_EQ(o->utilization_threshold, 0.8);
  EXPECT_DOUBLE_EQ(ParseOptions({"", "", "", "65"}, now)->utilization_threshold, 0.65);
  EXPECT_DOUBLE_EQ(ParseOptions({"", "", "", "0.5"}, now)->utilization_threshold, 0.5);

  EXPECT_EQ(ParseOptions({"yesterday", "", "", ""}, now).error().field, "as_of");
  EXPECT_EQ(ParseOptions({"", "huge", "", ""}, now).error().field, "stage");
  EXPECT_EQ(ParseOptions({"", "", "-5", ""}, now).error().field, "budget");
  EXPECT_EQ(ParseOptions({"", "", "", "0"}, now).error().field, "utilization_threshold");
  EXPECT_EQ(ParseOptions({"", "", "", "150%"}, now).error().field, "utilization_threshold");
}

}  // namespace
}  // namespace mops::stack
