#include <gtest/gtest.h>

#include "quality/engine.h"

namespace mops::quality {
namespace {

TEST(QualityConfigTest, DefaultParses) {
  const QualityConfig& config = DefaultQualityConfig();
  EXPECT_GE(config.rules.size(), 10u);
  EXPECT_EQ(config.survivorship.survivor, SurvivorRule::kMostComplete);
  EXPECT_EQ(config.survivorship.field_rules.at("lifecycle_stage"), FieldRule::kMostRecent);
}

// Each bad config names the rule (or key) and the YAML line.
TEST(QualityConfigTest, ErrorsNameTheRuleAndLine) {
  struct Case {
    const char* yaml;
    const char* message_part;
    int64_t line;
  };
  for (Case c : {
           Case{"rules:\n  - name: r1\n    entity: contacts\n    type: required\n    fields: "
                "[email]\n"
                "  - name: bad_regex\n    entity: contacts\n    type: pattern\n    field: email\n"
                "    pattern: \"([a-z\"\n",
                "rule 'bad_regex': pattern '([a-z' is not a valid regular expression", 6},
           {"rules:\n  - name: r\n    entity: leads\n    type: required\n    fields: [x]\n",
            "rule 'r': entity 'leads' is not contacts or accounts", 2},
           {"rules:\n  - name: r\n    entity: contacts\n    type: fancy\n",
            "rule 'r': unknown type 'fancy'", 2},
           {"rules:\n  - name: r\n    entity: contacts\n    type: required\n",
            "rule 'r': 'fields' is required", 2},
           {"rules:\n  - name: r\n    entity: contacts\n    type: stale\n    days: -3\n",
            "rule 'r': days must be positive", 2},
           {"rules:\n  - name: r\n    entity: contacts\n    type: required\n    fields: [\"a; "
            "DROP\"]\n",
            "rule 'r': 'a; DROP' is not a field name", 2},
           {"rules:\n  - name: r\n    entity: contacts\n    type: required\n    fields: [email]\n"
            "    colour: red\n",
            "rule 'r': unknown key 'colour'", 6},
           {"rules:\n  - name: r\n    entity: contacts\n    type: cross_field\n    require: [a]\n",
            "rule 'r': 'when' must be a mapping", 2},
           {"rules:\n  - name: r\n    entity: contacts\n    type: required\n    fields: [email]\n"
            "  - name: r\n    entity: contacts\n    type: required\n    fields: [phone]\n",
            "rule 'r': the name is used twice", 6},
           {"rules:\n  - entity: contacts\n", "rule 1 has no name", 2},
           {"merge:\n  survivor: loudest\n", "unknown survivor rule 'loudest'", 2},
           {"merge:\n  fields:\n    email: longest\n", "field email: unknown field rule 'longest'",
            3},
           {"rulez: []\n", "unknown key 'rulez'", 1},
       }) {
    auto parsed = ParseQualityConfig(c.yaml, "q.yaml");
    ASSERT_FALSE(parsed.has_value()) << c.yaml;
    EXPECT_NE(parsed.error().message.find(c.message_part), std::string::npos)
        << parsed.error().message;
    EXPECT_EQ(parsed.error().file, "q.yaml");
    EXPECT_EQ(parsed.error().line, c.line) << c.yaml;
  }
  auto syntax = ParseQualityConfig("rules: [\n", "q.yaml");
  ASSERT_FALSE(syntax.has_value());
  EXPECT_EQ(syntax.error().code, core::ErrorCode::kParse);
}

RecordTable Sample() {
  RecordTable t;
  t.entity = "contacts";
  t.fields = {"email", "lifecycle_stage", "account_id"};
  t.ids = {1, 2, 3, 4};
  t.source_system = {"hubspot", "hubspot", "salesforce", "salesforce"};
  t.updated_at = {1000 * 86400, 900 * 86400, 0, 999 * 86400};
  t.values = {{"a@x.com", "", "bad", "d@x.com"},
              {"lead", "customer", "customer", "weird"},
              {"", "", "5", ""}};
  return t;
}

TEST(CheckTest, ViolationsCompletenessAndScores) {
  auto config = ParseQualityConfig(
      "rules:\n"
      "  - {name: email_required, entity: contacts, type: required, fields: [email]}\n"
      "  - {name: email_format, entity: contacts, type: pattern, field: email, pattern: '.+@.+'}\n"
      "  - {name: stage, entity: contacts, type: allowed, field: lifecycle_stage, values: [lead, "
      "customer]}\n"
      "  - name: customer_account\n    entity: contacts\n    type: cross_field\n"
      "    when: {field: lifecycle_stage, in: [customer]}\n    require: [account_id]\n"
      "  - {name: stale, entity: contacts, type: stale, days: 30}\n"
      "  - {name: acct, entity: accounts, type: required, fields: [name]}\n",
      "test");
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  CheckResult r = CheckRecords(Sample(), config->rules, 1000 * 86400);
  ASSERT_EQ(r.rules.size(), 5u);    // the accounts rule does not apply
  EXPECT_EQ(r.rules[0].failed, 1);  // record 2 has no email
  EXPECT_EQ(r.rules[0].violations[0].record_id, 2);
  EXPECT_EQ(r.rules[1].checked, 3);  // empty values are not checked for format
  EXPECT_EQ(r.rules[1].failed, 1);
  EXPECT_EQ(r.rules[1].violations[0].value, "bad");
  EXPECT_EQ(r.rules[2].failed, 1);
  EXPECT_EQ(r.rules[2].violations[0].value, "weird");
  EXPECT_EQ(r.rules[3].checked, 2);  // two customers
  EXPECT_EQ(r.rules[3].failed, 1);   // record 2 has no account
  EXPECT_EQ(r.rules[4].failed, 2);   // record 3 never updated, record 2 100 days old
  // Completeness and validity of email.
  EXPECT_EQ(r.fields[0].field, "email");
  EXPECT_EQ(r.fields[0].filled, 3);
  EXPECT_EQ(r.fields[0].valid, 2);
  // Score: mean pass rate of the 5 rules: (3/4 + 2/3 + 3/4 + 1/2 + 2/4) / 5.
  ASSERT_EQ(r.scores.size(), 3u);
  EXPECT_NEAR(r.scores[0].score, 100.0 * (0.75 + 2.0 / 3 + 0.75 + 0.5 + 0.5) / 5, 1e-9);
  EXPECT_EQ(r.scores[1].source_system, "hubspot");
  EXPECT_EQ(r.scores[1].records, 2);
  // hubspot: email 1/2, format 1/1, stage 2/2, customer 0/1, stale 1/2.
  EXPECT_NEAR(r.scores[1].score, 100.0 * (0.5 + 1 + 1 + 0 + 0.5) / 5, 1e-9);
  // salesforce: email 2/2, format 1/2, stage 1/2, customer 1/1, stale 1/2.
  EXPECT_NEAR(r.scores[2].score, 100.0 * (1 + 0.5 + 0.5 + 1 + 0.5) / 5, 1e-9);
}

TEST(CheckTest, NoRecordsScoresHundred) {
  RecordTable t;
  t.entity = "accounts";
  CheckResult r = CheckRecords(t, DefaultQualityConfig().rules, 0);
  ASSERT_EQ(r.scores.size(), 1u);
  EXPECT_EQ(r.scores[0].score, 100);
}

TEST(RuleFieldsTest, Dedupes) {
  auto f = RuleFields(DefaultQualityConfig().rules, "contacts");
  EXPECT_NE(std::find(f.begin(), f.end(), "email"), f.end());
  EXPECT_NE(std::find(f.begin(), f.end(), "lifecycle_stage"), f.end());
  EXPECT_EQ(std::count(f.begin(), f.end(), "email"), 1);
}

}  // namespace
}  // namespace mops::quality
