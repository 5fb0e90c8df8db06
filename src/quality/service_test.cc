// The quality services on both backends: standardize, the rules config,
// check and score with history, violations, lead-to-account matching.
#include "quality/test_util.h"

namespace mops::quality {
namespace {

using testing::Backend;
using testing::WorkspaceTest;

class ServiceTest : public WorkspaceTest {};

INSTANTIATE_TEST_SUITE_P(Backends, ServiceTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendName);

TEST_P(ServiceTest, StandardizeWritesChangesAndAuditsThem) {
  Seed();
  const auto before = Dump();
  StandardizeOptions dry;
  dry.dry_run = true;
  auto preview = Standardize(db(), dry);
  ASSERT_TRUE(preview.has_value()) << preview.error().ToString();
  EXPECT_GT(preview->records_changed, 0);
  ExpectSameWorkspace(before, Dump());
  EXPECT_EQ(Count("audit_log"), 0);

  auto done = Standardize(db(), StandardizeOptions{});
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(done->records_changed, preview->records_changed);
  EXPECT_EQ(done->per_field, preview->per_field);
  EXPECT_EQ(done->contacts, 5);  // the merged contact 4 is left alone
  EXPECT_EQ(done->accounts, 4);
  EXPECT_EQ(Count("audit_log", "action = 'quality.standardize'"), done->records_changed);
  EXPECT_EQ(store::AsText(One("SELECT email FROM contacts WHERE id = 1")), "jane@acme.com");
  EXPECT_EQ(store::AsText(One("SELECT first_name FROM contacts WHERE id = 1")), "Jane");
  EXPECT_EQ(store::AsText(One("SELECT last_name FROM contacts WHERE id = 3")), "O'Brien");
  EXPECT_EQ(store::AsText(One("SELECT country FROM contacts WHERE id = 1")), "US");
  EXPECT_EQ(store::AsText(One("SELECT state FROM contacts WHERE id = 1")), "US-CA");
  EXPECT_EQ(store::AsText(One("SELECT state FROM contacts WHERE id = 3")), "DE-BE");
  EXPECT_EQ(store::AsText(One("SELECT phone FROM contacts WHERE id = 3")), "+49301234567");
  EXPECT_EQ(store::AsInt(One("SELECT phone_valid FROM contacts WHERE id = 3")), 1);
  EXPECT_EQ(store::AsInt(One("SELECT phone_valid FROM contacts WHERE id = 6")), 0);
  EXPECT_EQ(store::AsText(One("SELECT seniority FROM contacts WHERE id = 3")), "manager");
  EXPECT_EQ(store::AsText(One("SELECT email_status FROM contacts WHERE id = 5")), "typo");
  EXPECT_EQ(store::AsText(One("SELECT email_suggestion FROM contacts WHERE id = 5")),
            "jane.doe@gmail.com");
  EXPECT_EQ(store::AsText(One("SELECT email_status FROM contacts WHERE id = 6")), "role");
  EXPECT_EQ(store::AsText(One("SELECT country FROM contacts WHERE id = 4")), "US");  // merged
  EXPECT_EQ(store::AsText(One("SELECT country FROM accounts WHERE id = 4")), "DE");
  EXPECT_EQ(store::AsText(One("SELECT company_key FROM accounts WHERE id = 4")), "globex");
  EXPECT_EQ(store::AsText(One("SELECT domain FROM accounts WHERE id = 2")), "acme.com");
  // updated_at stays the source system's.
  EXPECT_EQ(store::AsInt(One("SELECT updated_at FROM contacts WHERE id = 1")), 100);
  // The audit row holds both sides.
  auto audit = db().Query(
      "SELECT before, after FROM audit_log WHERE action = 'quality.standardize' AND entity = "
      "'contacts' AND entity_id = '1'");
  ASSERT_TRUE(audit.has_value());
  ASSERT_EQ(audit->size(), 1u);
  const Json b = Json::parse(store::AsText(audit->rows[0][0]));
  const Json a = Json::parse(store::AsText(audit->rows[0][1]));
  EXPECT_EQ(b["country"], "U.S.A.");
  EXPECT_EQ(a["country"], "US");

  auto again = Standardize(db(), StandardizeOptions{});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->records_changed, 0);
}

TEST_P(ServiceTest, RulesConfigIsValidatedAgainstTheSchema) {
  auto yaml = QualityConfigYaml(db());
  ASSERT_TRUE(yaml.has_value());
  EXPECT_TRUE(yaml->second);  // the default
  const std::string bad =
      "rules:\n"
      "  - name: ok_rule\n    entity: contacts\n    type: required\n    fields: [email]\n"
      "  - name: shoe_size_required\n    entity: contacts\n    type: required\n"
      "    fields: [shoe_size]\n";
  auto refused = SetQualityConfig(db(), bad, "rules.yaml", "test");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().message,
            "rule 'shoe_size_required': contacts has no field 'shoe_size'");
  EXPECT_EQ(refused.error().file, "rules.yaml");
  EXPECT_EQ(refused.error().line, 6);
  EXPECT_EQ(Count("configs"), 0);
  auto syntax = SetQualityConfig(db(), "rules:\n  - name: [\n", "rules.yaml", "test");
  ASSERT_FALSE(syntax.has_value());
  EXPECT_EQ(Count("configs"), 0);

  const std::string good =
      "rules:\n"
      "  - name: email_required\n    entity: contacts\n    type: required\n    fields: [email]\n"
      "merge:\n  survivor: oldest\n";
  QUALITY_ASSERT_OK(SetQualityConfig(db(), good, "rules.yaml", "test"));
  auto loaded = LoadQualityConfig(db());
  ASSERT_TRUE(loaded.has_value());
  ASSERT_EQ(loaded->rules.size(), 1u);
  EXPECT_EQ(loaded->survivorship.survivor, SurvivorRule::kOldest);
  EXPECT_EQ(Count("audit_log", "action = 'quality.rules'"), 1);
  yaml = QualityConfigYaml(db());
  EXPECT_EQ(yaml->first, good);
  EXPECT_FALSE(yaml->second);
}

TEST_P(ServiceTest, CheckStoresRunsForTheTrend) {
  Seed();
  CheckOptions options;
  options.as_of = 1000 + 400 * 86400;  // contact 1 (updated at 100 s) is stale, 400 days on
  auto first = Check(db(), options);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_GT(first->run_id, 0);
  EXPECT_EQ(first->records.at("contacts"), 5);
  EXPECT_EQ(first->records.at("accounts"), 4);
  auto rule = [&](const CheckReport& r, const std::string& name) {
    for (const RuleSummary& s : r.rules) {
      if (s.name == name) return s;
    }
    ADD_FAILURE() << "no rule " << name;
    return RuleSummary{};
  };
  // Contact 3 is a customer without an account.
  EXPECT_EQ(rule(*first, "customer_has_account").failed, 1);
  EXPECT_EQ(rule(*first, "customer_has_account").examples.at(0).record_id, 3);
  // Before standardize: "U.S.A." and "Deutschland" ("UK" has the form of a code).
  EXPECT_EQ(rule(*first, "contact_country_iso").failed, 2);
  double before_score = 0;
  for (const EntityScore& s : first->scores) {
    if (s.entity == "contacts" && s.source_system.empty()) before_score = s.score;
  }

  ASSERT_TRUE(Standardize(db(), StandardizeOptions{}).has_value());
  auto second = Check(db(), options);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(rule(*second, "contact_country_iso").failed, 0);
  double after_score = 0;
  for (const EntityScore& s : second->scores) {
    if (s.entity == "contacts" && s.source_system.empty()) after_score = s.score;
  }
  EXPECT_GT(after_score, before_score);

  auto history = ScoreHistory(db());
  ASSERT_TRUE(history.has_value());
  std::set<int64_t> runs;
  for (const ScorePoint& p : *history) runs.insert(p.run_id);
  EXPECT_EQ(runs, (std::set<int64_t>{first->run_id, second->run_id}));
  auto latest = LatestCheck(db());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->run_id, second->run_id);
  EXPECT_EQ(latest->rules.size(), second->rules.size());

  // A check that is not stored leaves no run.
  options.store = false;
  ASSERT_TRUE(Check(db(), options).has_value());
  EXPECT_EQ(Count("quality_runs"), 2);
  EXPECT_EQ(Count("audit_log", "action = 'quality.check'"), 2);
}

TEST_P(ServiceTest, ViolationsListEveryFailure) {
  Seed();
  auto all = ListViolations(db(), 0);
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  auto only = ListViolations(db(), 0, "customer_has_account");
  ASSERT_TRUE(only.has_value());
  ASSERT_EQ(only->size(), 1u);
  EXPECT_EQ((*only)[0].record_id, 3);
  EXPECT_EQ((*only)[0].external_id, "C3");
  EXPECT_EQ((*only)[0].source_system, "hubspot");
  EXPECT_EQ((*only)[0].field, "account_id");
  EXPECT_GT(all->size(), only->size());
  auto unknown = ListViolations(db(), 0, "no_such_rule");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, core::ErrorCode::kNotFound);
}

TEST_P(ServiceTest, MatchAccountsByDomainThenName) {
  Seed();
  Exec(
      "INSERT INTO touchpoints (source_system, external_id, contact_id, occurred_at, type) "
      "VALUES ('web', 'T9', 3, 9000, 'page_view')");
  const auto before = Dump();
  auto preview = MatchAccounts(db(), true, "test");
  ASSERT_TRUE(preview.has_value()) << preview.error().ToString();
  ExpectSameWorkspace(before, Dump());
  // Without an account: 3 (globex.de), 5 (free mail typo, "Acme, Inc."), 6 (initech.com).
  EXPECT_EQ(preview->contacts, 3);
  auto done = MatchAccounts(db(), false, "test");
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->by_domain, 1);  // 3 -> Globex by its domain
  EXPECT_EQ(store::AsInt(One("SELECT account_id FROM contacts WHERE id = 3")), 4);
  EXPECT_EQ(store::AsInt(One("SELECT account_id FROM touchpoints WHERE external_id = 'T9'")), 4);
  EXPECT_EQ(done->touchpoints_attached, 1);
  // "Acme, Inc." has key "acme", which two accounts have ("Acme Inc", "ACME"): ambiguous.
  EXPECT_TRUE(store::IsNull(One("SELECT account_id FROM contacts WHERE id = 5")));
  EXPECT_EQ(done->unmatched.at("ambiguous_name"), 1);
  EXPECT_EQ(done->unmatched.at("no_match"), 1);  // Initech
  EXPECT_EQ(Count("audit_log", "action = 'quality.match_account'"), 1);
  // Merging the duplicate accounts resolves the ambiguity.
  ASSERT_TRUE(
      MergeRecords(db(), "accounts", std::vector<int64_t>{1, 2}, SurvivorshipConfig{}, "t"));
  auto after = MatchAccounts(db(), false, "test");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->by_name, 1);
}

}  // namespace
}  // namespace mops::quality
