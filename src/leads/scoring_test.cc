// Hand-computed scores: fit rules, group caps, once and repeatable rules,
// caps per rule and per period, half-life and window decay on given dates,
// negative points; explanations add up to the score; the backtest's lift and
// AUC on hand-built numbers.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <numeric>

#include "leads/leads.h"

namespace mops::leads {
namespace {

constexpr int64_t kDay = 86400;
// Monday 2026-03-16 00:00 UTC.
constexpr Timestamp kW0 = 1773619200;
constexpr Timestamp kAsOf = kW0 + 14 * kDay;  // Monday 2026-03-30

constexpr std::string_view kConfig = R"(groups:
  - name: who
    kind: fit
    cap: 30
    rules:
      - {name: senior, field: seniority, in: [vp, c_level], points: 20}
      - {name: size, field: account.employees, range: [200, 5000], points: 15}
      - {name: free_mail, field: email_domain, regex: '^(gmail|yahoo)\.', points: -10}
  - name: web
    kind: engagement
    cap: 50
    half_life_days: 10
    rules:
      - {name: pricing, url: '*/pricing*', points: 10, repeatable: true, cap: 25, period_days: 7, period_cap: 15}
      - {name: demo, event: demo request, points: 40, once: true}
  - name: email
    kind: engagement
    window_days: 30
    rules:
      - {name: click, type: email_click, points: 3, repeatable: true}
      - {name: unsub, event: unsubscribe, points: -20, once: true}
grades: {fit: [25, 15, 5], engagement: [40, 20, 5]}
)";

// Builds a ScoringInput contact by contact.
class InputBuilder {
 public:
  InputBuilder() : in_(ScoringInput::Empty()) {}
  void Contact(int64_t id, std::map<std::string, std::string> texts,
               std::map<std::string, double> numbers) {
    in_.contact_ids.push_back(id);
    const auto f = FitFields();
    for (size_t i = 0; i < f.size(); ++i) {
      auto it = texts.find(std::string(f[i]));
      in_.texts[i].codes.push_back(it == texts.end() ? -1 : Code(in_.texts[i], it->second));
      auto n = numbers.find(std::string(f[i]));
      in_.numbers[i].push_back(n == numbers.end() ? std::nan("") : n->second);
    }
    in_.touch_begin.push_back(in_.touch_begin.back());
  }
  // Adds a touch to the last contact (in time order).
  void Touch(Timestamp at, std::string type, std::string event = "", std::string url = "") {
    in_.touch_ids.push_back(static_cast<int64_t>(in_.touch_ids.size()) + 1);
    in_.occurred_at.push_back(at);
    const std::string values[] = {type, event, url, "", ""};
    for (int k = 0; k < kTouchKeyCount; ++k) {
      in_.touch_keys[k].codes.push_back(values[k].empty() ? -1
                                                          : Code(in_.touch_keys[k], values[k]));
    }
    ++in_.touch_begin.back();
  }
  const ScoringInput& input() const { return in_; }

 private:
  static int32_t Code(TextColumn& col, const std::string& v) {
    for (size_t i = 0; i < col.dict.size(); ++i) {
      if (col.dict[i] == v) return static_cast<int32_t>(i);
    }
    col.dict.push_back(v);
    return static_cast<int32_t>(col.dict.size() - 1);
  }
  ScoringInput in_;
};

InputBuilder HandBuilt() {
  InputBuilder b;
  b.Contact(1, {{"seniority", "VP"}, {"email_domain", "acme.com"}}, {{"account.employees", 1000}});
  b.Touch(kAsOf - 40 * kDay, "email_click");                                // expired (window 30)
  b.Touch(kW0, "page_view", "", "https://acme.io/pricing");                 // 10, age 14
  b.Touch(kW0 + 2 * kDay, "page_view", "", "https://acme.io/pricing?x=1");  // period cap: 5
  b.Touch(kW0 + 3 * kDay, "page_view", "", "https://acme.io/pricing");      // period used up
  b.Touch(kW0 + 7 * kDay, "page_view", "", "https://acme.io/pricing");      // new week: 10
  b.Touch(kW0 + 8 * kDay, "page_view", "", "https://acme.io/pricing");      // rule cap 25 reached
  b.Touch(kW0 + 10 * kDay, "form_submit", "Demo Request");                  // 40, age 4
  b.Touch(kW0 + 12 * kDay, "form_submit", "demo request");                  // once: ignored
  b.Touch(kAsOf - 5 * kDay, "email_click");                                 // 3
  b.Touch(kAsOf - 2 * kDay, "email_click", "unsubscribe");                  // -20 (and a click: 3)
  b.Touch(kAsOf - 1 * kDay, "email_click");                                 // 3
  b.Touch(kAsOf + 1 * kDay, "email_click");                                 // after as_of
  b.Contact(2, {{"seniority", "manager"}, {"email_domain", "gmail.com"}},
            {{"account.employees", 100}});
  b.Contact(3, {}, {});
  return b;
}

int64_t Sum(const std::vector<ScoreLine>& lines) {
  int64_t s = 0;
  for (const ScoreLine& l : lines) s += l.points;
  return s;
}

TEST(Scoring, HandComputedWithDecayCapsAndNegatives) {
  auto config = ParseScoringConfig(kConfig);
  ASSERT_TRUE(config) << config.error().ToString();
  const InputBuilder b = HandBuilt();
  const Scorer scorer(*config, b.input());

  std::vector<ScoreLine> lines;
  const Score s1 = scorer.ScoreOne(0, kAsOf, &lines);
  // Fit: 20 + 15 = 35, cut to the group cap 30.
  EXPECT_EQ(s1.fit, 3000);
  // web: pricing 1000*2^-1.4 = 378.9 -> 379, 500*2^-1.2 = 217.6 -> 218,
  // 1000*2^-0.7 = 615.6 -> 616; demo 4000*2^-0.4 = 3031.4 -> 3031: 4244.
  // email: clicks 300 + 300 + 300 (the unsubscribe touch is a click too), the
  // expired click 0, unsubscribe -2000: -1100.
  EXPECT_EQ(s1.engagement, 4244 - 1100);
  EXPECT_EQ(s1.grade, "A2");
  EXPECT_EQ(Sum(lines), s1.total());
  int pricing = 0, cap_lines = 0;
  for (const ScoreLine& l : lines) {
    if (l.rule == "pricing") ++pricing;
    if (l.rule == "(group cap)") {
      ++cap_lines;
      EXPECT_EQ(l.points, -500);
    }
    if (l.rule == "demo") {
      EXPECT_EQ(l.raw, 4000);
      EXPECT_EQ(l.points, 3031);
      ASSERT_TRUE(l.halves_at);
      EXPECT_EQ(*l.halves_at, kAsOf + 10 * kDay);
      // Under half a point after 10 * log2(4000 / 50) days.
      ASSERT_TRUE(l.expires_at);
      EXPECT_EQ(*l.expires_at,
                kW0 + 10 * kDay + static_cast<Timestamp>(10 * kDay * std::log2(80.0)));
    }
    if (l.rule == "click" && l.occurred_at == kAsOf - 40 * kDay) {
      EXPECT_EQ(l.points, 0);
      EXPECT_EQ(*l.expires_at, kAsOf - 10 * kDay);
    }
  }
  EXPECT_EQ(pricing, 3);
  EXPECT_EQ(cap_lines, 1);

  // Ten days later everything has decayed further: web 189 + 109 + 308 + 1516;
  // email: the clicks at -5 and -1 days and the one at +1 still count, the
  // unsubscribe too.
  lines.clear();
  const Score later = scorer.ScoreOne(0, kAsOf + 10 * kDay, &lines);
  EXPECT_EQ(later.fit, 3000);
  EXPECT_EQ(later.engagement, 189 + 109 + 308 + 1516 + 1200 - 2000);
  EXPECT_EQ(Sum(lines), later.total());

  lines.clear();
  const Score s2 = scorer.ScoreOne(1, kAsOf, &lines);
  EXPECT_EQ(s2.fit, -1000);  // free mail only
  EXPECT_EQ(s2.engagement, 0);
  EXPECT_EQ(s2.grade, "D4");
  EXPECT_EQ(Sum(lines), s2.total());
  const Score s3 = scorer.ScoreOne(2, kAsOf);
  EXPECT_EQ(s3.total(), 0);

  // ScoreAll gives the same as one by one, in parallel too.
  const auto all = ScoreAll(*config, b.input(), kAsOf, 3);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].total(), s1.total());
  EXPECT_EQ(all[1].total(), s2.total());
}

TEST(Scoring, EngagementGroupCapAndOperators) {
  auto config = ParseScoringConfig(R"(groups:
  - name: g
    kind: engagement
    cap: 50
    rules:
      - {name: a, type: webinar_attended, points: 40}
      - {name: b, channel: [events, webinar], points: 40}
  - name: f
    kind: fit
    rules:
      - {name: eq, field: country, equals: US, points: 1}
      - {name: has_title, field: title, exists: true, points: 2}
      - {name: no_state, field: state, exists: false, points: 4}
      - {name: contains, field: title, contains: [market, growth], points: 8}
      - {name: emp, field: account.employees, equals: 250, points: 16}
      - {name: rev, field: account.annual_revenue, range: [null, 1000000], points: 32}
)");
  ASSERT_TRUE(config) << config.error().ToString();
  InputBuilder b;
  b.Contact(7, {{"country", "us"}, {"title", "Head of Marketing"}}, {{"account.employees", 250}});
  b.Touch(kAsOf - kDay, "webinar_attended");
  auto in = b.input();
  // The channel of the touch: webinar.
  in.touch_keys[static_cast<int>(TouchKey::kChannel)].dict.push_back("Webinar");
  in.touch_keys[static_cast<int>(TouchKey::kChannel)].codes[0] = 0;
  const Scorer scorer(*config, in);
  std::vector<ScoreLine> lines;
  const Score s = scorer.ScoreOne(0, kAsOf, &lines);
  EXPECT_EQ(s.engagement, 5000);                   // 40 + 40 cut to 50
  EXPECT_EQ(s.fit, 100 + 200 + 400 + 800 + 1600);  // no revenue: range does not match
  EXPECT_EQ(Sum(lines), s.total());
}

// A rule on a key none of the touches has a value for matches nothing (it
// once matched everything: an empty dictionary was read as "any value").
TEST(Scoring, ConstrainedKeyWithoutValuesMatchesNothing) {
  auto config = ParseScoringConfig(R"(groups:
  - name: g
    kind: engagement
    rules:
      - {name: demo, event: demo request, points: 50}
      - {name: visit, type: page_view, points: 10, repeatable: true}
)");
  ASSERT_TRUE(config) << config.error().ToString();
  InputBuilder b;
  b.Contact(1, {}, {});
  b.Touch(kAsOf - kDay, "page_view");
  b.Touch(kAsOf - kDay, "page_view");
  const Scorer scorer(*config, b.input());
  EXPECT_EQ(scorer.ScoreOne(0, kAsOf).engagement, 2000);
}

// More engagement rules than one 64-bit word of rule bits: each rule still
// matches only its own touches, whichever word its bit sits in.
TEST(Scoring, ManyRulesUseSeveralWordsOfRuleBits) {
  std::string yaml = "groups:\n  - name: g\n    kind: engagement\n    rules:\n";
  for (int r = 0; r < 70; ++r) {
    yaml += fmt::format("      - {{name: r{0}, event: e{0}, points: {1}, repeatable: true}}\n", r,
                        r + 1);
  }
  auto config = ParseScoringConfig(yaml);
  ASSERT_TRUE(config) << config.error().ToString();
  InputBuilder b;
  b.Contact(1, {}, {});
  b.Touch(kAsOf - 3 * kDay, "page_view", "e0");
  b.Touch(kAsOf - 2 * kDay, "page_view", "E63");
  b.Touch(kAsOf - 2 * kDay, "page_view", "e64");
  b.Touch(kAsOf - kDay, "page_view", "e69");
  b.Touch(kAsOf - kDay, "page_view", "e69");
  b.Touch(kAsOf - kDay, "page_view", "e70");  // no such rule
  b.Contact(2, {}, {});
  b.Touch(kAsOf - kDay, "page_view");
  const Scorer scorer(*config, b.input());
  std::vector<ScoreLine> lines;
  const Score s = scorer.ScoreOne(0, kAsOf, &lines);
  EXPECT_EQ(s.engagement, 100 + 6400 + 6500 + 2 * 7000);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].rule, "r0");
  EXPECT_EQ(lines[1].rule, "r63");
  EXPECT_EQ(lines[2].rule, "r64");
  EXPECT_EQ(lines[3].rule, "r69");
  EXPECT_EQ(scorer.ScoreOne(1, kAsOf).engagement, 0);
}

// Touch keys that were not loaded (a load reads only what the rules test)
// read as without a value: a rule on such a key matches nothing, the others
// score as before.
TEST(Scoring, KeysNotLoadedHaveNoValue) {
  auto config = ParseScoringConfig(R"(groups:
  - name: g
    kind: engagement
    rules:
      - {name: visit, type: page_view, points: 10, repeatable: true}
      - {name: pricing, url: '*/pricing', points: 5}
)");
  ASSERT_TRUE(config) << config.error().ToString();
  InputBuilder b;
  b.Contact(1, {}, {});
  b.Touch(kAsOf - kDay, "page_view", "", "https://acme.io/pricing");
  b.Touch(kAsOf - kDay, "page_view", "", "https://acme.io/pricing");
  ScoringInput in = b.input();
  EXPECT_EQ(Scorer(*config, in).ScoreOne(0, kAsOf).engagement, 2500);
  in.touch_keys[static_cast<int>(TouchKey::kUrl)] = {};
  EXPECT_EQ(Scorer(*config, in).ScoreOne(0, kAsOf).engagement, 2000);
}

TEST(Scoring, DefaultConfigParsesAndGrades) {
  auto config = ParseScoringConfig(DefaultScoringYaml());
  ASSERT_TRUE(config) << config.error().ToString();
  EXPECT_EQ(GradeOf(*config, 5000, 5000), "A1");
  EXPECT_EQ(GradeOf(*config, 4999, 2500), "B2");
  EXPECT_EQ(GradeOf(*config, 1500, 999), "C4");
  EXPECT_EQ(GradeOf(*config, -100, 0), "D4");
}

TEST(Scoring, DecayFactors) {
  EXPECT_DOUBLE_EQ(DecayFactor({DecayKind::kHalfLife, 7}, 7 * kDay), 0.5);
  EXPECT_DOUBLE_EQ(DecayFactor({DecayKind::kHalfLife, 7}, 14 * kDay), 0.25);
  EXPECT_DOUBLE_EQ(DecayFactor({DecayKind::kWindow, 30}, 30 * kDay - 1), 1);
  EXPECT_DOUBLE_EQ(DecayFactor({DecayKind::kWindow, 30}, 30 * kDay), 0);
  EXPECT_DOUBLE_EQ(DecayFactor({DecayKind::kNone, 0}, 1e9), 1);
}

TEST(Backtest, HandComputedLiftAndAuc) {
  auto config = ParseScoringConfig(kConfig);
  ASSERT_TRUE(config);
  // Totals 10..1 points, highest first; converted: the top two and the last.
  std::vector<Score> scores;
  for (int i = 0; i < 10; ++i) {
    Score s;
    s.fit = (10 - i) * 100;
    s.grade = i < 5 ? "A1" : "D4";
    scores.push_back(s);
  }
  const std::vector<uint8_t> converted = {1, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  const std::vector<uint8_t> won = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const BacktestResult r = Backtest(*config, scores, converted, won);
  EXPECT_EQ(r.contacts, 10);
  EXPECT_EQ(r.converted, 3);
  EXPECT_EQ(r.won, 1);
  EXPECT_DOUBLE_EQ(r.rate, 0.3);
  // Positives 10, 9 and 1 against 7 negatives 8..2: 7 + 7 + 0 of 21 pairs.
  EXPECT_NEAR(r.auc, 14.0 / 21.0, 1e-12);
  ASSERT_EQ(r.deciles.size(), 10u);
  EXPECT_NEAR(r.deciles[0].lift, 1.0 / 0.3, 1e-12);
  EXPECT_EQ(r.deciles[2].lift, 0);
  EXPECT_NEAR(r.deciles[9].lift, 1.0 / 0.3, 1e-12);
  ASSERT_EQ(r.grades.size(), 2u);
  EXPECT_EQ(r.grades[0].label, "A1");
  EXPECT_NEAR(r.grades[0].rate, 0.4, 1e-12);
  EXPECT_NEAR(r.grades[0].lift, 0.4 / 0.3, 1e-12);
  EXPECT_NEAR(r.grades[1].lift, 0.2 / 0.3, 1e-12);
  // MQL: fit >= 30 and engagement >= 40 in kConfig's defaults: none (no engagement).
  EXPECT_EQ(r.mqls, 0);

  // 25 contacts: deciles of 3,3,3,3,3,2,2,2,2,2.
  std::vector<Score> many(25);
  std::vector<uint8_t> none(25, 0);
  const BacktestResult m = Backtest(*config, many, none, none);
  EXPECT_EQ(m.deciles[0].count, 3);
  EXPECT_EQ(m.deciles[4].count, 3);
  EXPECT_EQ(m.deciles[5].count, 2);
  EXPECT_EQ(m.auc, 0.5);
}

TEST(Backtest, AucCountsTiesHalf) {
  const std::vector<int64_t> s = {5, 5, 1, 9};
  const std::vector<uint8_t> p = {1, 0, 0, 1};
  // Pairs (pos, neg): (5,5) 0.5, (5,1) 1, (9,5) 1, (9,1) 1 -> 3.5 / 4.
  EXPECT_DOUBLE_EQ(Auc(s, p), 3.5 / 4);
}

}  // namespace
}  // namespace mops::leads
