// Every config error names the config, the line, the group or rule and what
// is wrong.
#include <gtest/gtest.h>

#include "leads/leads.h"

namespace mops::leads {
namespace {

std::string ScoringError(std::string_view yaml) {
  auto c = ParseScoringConfig(yaml);
  if (c) return "(parsed)";
  EXPECT_EQ(c.error().code, core::ErrorCode::kInvalidArgument);
  return c.error().ToString();
}

constexpr std::string_view kHead = "groups:\n  - name: g\n    kind: fit\n    rules:\n";

TEST(ScoringConfig, ErrorsNameRuleAndLine) {
  EXPECT_EQ(ScoringError(std::string(kHead) +
                         "      - {name: ok, field: seniority, equals: vp, points: 5}\n"
                         "      - {name: bad, field: shoe_size, equals: 9, points: 5}\n"),
            "scoring:6: rule 'bad' (group g): unknown field 'shoe_size' (expected one of: "
            "email, email_domain, title, seniority, department, country, state, city, "
            "lead_status, lifecycle_stage, original_source, company_name, account.name, "
            "account.domain, account.industry, account.country, account.state, "
            "account.employees, account.annual_revenue)");
  EXPECT_EQ(ScoringError(std::string(kHead) +
                         "      - {name: re, field: title, regex: '([a-z', points: 5}\n")
                .substr(0, 57),
            "scoring:5: rule 're' (group g): regex '([a-z' does not co");
  EXPECT_EQ(ScoringError(std::string(kHead) +
                         "      - {name: two, field: title, equals: x, contains: y, points: 5}\n"),
            "scoring:5: rule 'two' (group g): needs exactly one test of: equals, in, range, "
            "contains, regex, exists");
  EXPECT_EQ(ScoringError(std::string(kHead) +
                         "      - {name: r, field: title, range: [1, 2], points: 5}\n"),
            "scoring:5: rule 'r' (group g): range needs a numeric field, not 'title'");
  EXPECT_EQ(ScoringError(std::string(kHead) +
                         "      - {name: r, field: account.employees, range: [9, 2], points: 5}\n"),
            "scoring:5: rule 'r' (group g): range min is above its max");
  EXPECT_EQ(ScoringError(std::string(kHead) +
                         "      - {name: p, field: title, exists: true, points: lots}\n"),
            "scoring:5: rule 'p' (group g): points must be a number, not 'lots'");
  EXPECT_EQ(ScoringError(std::string(kHead) + "      - {name: d, field: title, exists: true, "
                                              "points: 1}\n      - {name: d, field: email, "
                                              "exists: true, points: 1}\n"),
            "scoring:6: rule 'd' (group g): the name is used twice");
  EXPECT_EQ(ScoringError("groups:\n  - name: e\n    kind: engagement\n    half_life_days: 7\n"
                         "    rules:\n      - {name: x, points: 5}\n"),
            "scoring:6: rule 'x' (group e): needs at least one of: type, event, url, channel, "
            "campaign (which touches count)");
  EXPECT_EQ(ScoringError("groups:\n  - name: e\n    kind: engagement\n    rules:\n"
                         "      - {name: x, type: page_view, points: 5, cap: 10}\n"),
            "scoring:5: rule 'x' (group e): cap and period caps need repeatable: true");
  EXPECT_EQ(ScoringError("groups:\n  - name: e\n    kind: engagement\n    rules:\n"
                         "      - {name: x, type: page_view, points: 5, repeatable: true, "
                         "period_days: 7}\n"),
            "scoring:5: rule 'x' (group e): period_days and period_cap go together");
  EXPECT_EQ(ScoringError("groups:\n  - name: f\n    kind: fit\n    half_life_days: 3\n"
                         "    rules:\n      - {name: t, field: title, exists: true, points: 1}\n"),
            "scoring:4: group 'f': fit groups do not decay");
  EXPECT_EQ(ScoringError("groups:\n  - name: f\n    kind: both\n    rules: []\n"),
            "scoring:3: group 'f': kind must be fit or engagement, not 'both'");
  EXPECT_EQ(ScoringError("groups: [\n"),
            "scoring:2: not valid YAML: end of sequence flow not found");
  EXPECT_EQ(ScoringError(""), "scoring:1: the config is empty");
  EXPECT_EQ(ScoringError("groups: []\ncolour: red\n"),
            "scoring:2: unknown key 'colour' (expected one of: groups, grades, lifecycle)");
  EXPECT_EQ(
      ScoringError(std::string(kHead) + "      - {name: t, field: title, exists: true, points: 1}\n"
                                        "grades: {fit: [10, 20, 5]}\n"),
      "scoring:6: grades.fit: thresholds must be listed highest first");
}

TEST(RoutingConfig, ErrorsNameRuleAndLine) {
  auto bad_pool = ParseRoutingConfig("rules:\n  - name: r\n    to: {pool: nowhere}\n");
  ASSERT_FALSE(bad_pool);
  EXPECT_EQ(bad_pool.error().ToString(), "routing:3: rule 'r': no pool named 'nowhere'");
  auto bad_grade =
      ParseRoutingConfig("rules:\n  - name: g\n    when: {grades: [A1, E9]}\n    to: {user: a}\n");
  ASSERT_FALSE(bad_grade);
  EXPECT_EQ(bad_grade.error().ToString(), "routing:3: rule 'g': 'e9' is not a grade (A1..D4)");
  auto two = ParseRoutingConfig("rules:\n  - name: t\n    to: {user: a, pool: b}\n");
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().ToString(),
            "routing:3: rule 't': to takes exactly one of account_owner, user, pool");
  auto weight =
      ParseRoutingConfig("pools:\n  - name: p\n    members: [{user: a, weight: 0}]\nrules: []\n");
  ASSERT_FALSE(weight);
  EXPECT_EQ(weight.error().ToString(),
            "routing:3: pool 'p': weight must be a whole number from 1 to 1000");
  EXPECT_TRUE(ParseRoutingConfig(DefaultRoutingYaml()));
}

TEST(SlaConfig, ErrorsNameTierAndLine) {
  auto zone = ParseSlaConfig(
      "tiers:\n  - {name: hot, within_minutes: 15}\nbusiness_hours: {timezone: Mars/Olympus}\n");
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().ToString(), "sla:3: business_hours: unknown time zone 'Mars/Olympus'");
  auto within = ParseSlaConfig("tiers:\n  - {name: hot}\n");
  ASSERT_FALSE(within);
  EXPECT_EQ(within.error().ToString(), "sla:2: tier 'hot': needs within_minutes or within_hours");
  auto hours = ParseSlaConfig(
      "tiers:\n  - {name: hot, within_hours: 2}\nbusiness_hours: {start: '18:00', end: '09:00'}\n");
  ASSERT_FALSE(hours);
  EXPECT_EQ(hours.error().ToString(), "sla:3: business_hours: start must be before end");
  auto parsed = ParseSlaConfig(DefaultSlaYaml());
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(parsed->tiers.size(), 3u);
  EXPECT_EQ(parsed->team_hours.count("emea"), 1u);
}

}  // namespace
}  // namespace mops::leads
