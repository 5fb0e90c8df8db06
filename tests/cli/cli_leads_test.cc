// `mops leads` through the real binary: the configs it shows (the defaults,
// then the stored one), a bad config that changes nothing, and contacts an
// import brings in as MQLs, routed at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/cli/cli_support.h"

namespace mops::cli_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(CliLeadsTest, ConfigShowPrintsTheDefaultsThenTheStoredConfig) {
  CliWorkspace ws;
  const RunResult scoring = ws.Mops({"leads", "config", "show"});
  ASSERT_EQ(scoring.exit_code, 0) << scoring.err;
  EXPECT_THAT(scoring.out, HasSubstr("groups:\n  - name: persona\n    kind: fit\n"));
  EXPECT_THAT(scoring.out, HasSubstr("half_life_days: 30"));
  EXPECT_THAT(scoring.out, HasSubstr("  mql: {fit: 30, engagement: 40}\n"));
  const RunResult routing = ws.Mops({"leads", "config", "show", "routing"});
  ASSERT_EQ(routing.exit_code, 0) << routing.err;
  EXPECT_THAT(routing.out, HasSubstr("fallback_queue: unassigned\n"));
  const RunResult sla = ws.Mops({"leads", "config", "show", "sla"});
  ASSERT_EQ(sla.exit_code, 0) << sla.err;
  EXPECT_THAT(sla.out, HasSubstr("tiers:"));
  const RunResult json = ws.Mops({"--format", "json", "leads", "config", "show", "routing"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["kind"], "routing");
  EXPECT_EQ(doc["yaml"], routing.out);
  const RunResult unknown = ws.Mops({"leads", "config", "show", "colours"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("colours"));

  // A stored config is what show prints; a bad one is refused with its line
  // and changes nothing.
  const std::string good = ws.Write("scoring.yaml", R"(groups:
  - name: who
    kind: fit
    rules:
      - {name: vp, field: seniority, equals: vp, points: 40}
)");
  const RunResult set = ws.Mops({"leads", "config", "set", "scoring", good});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(set.out, "stored the scoring config from " + good + "\n");
  EXPECT_EQ(ws.Mops({"leads", "config", "show", "scoring"}).out, Slurp(good));
  const std::string bad = ws.Write("bad.yaml", R"(groups:
  - name: who
    kind: fit
    rules:
      - {name: shoes, field: shoe_size, equals: 42, points: 5}
)");
  const RunResult refused = ws.Mops({"leads", "config", "set", "scoring", bad});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr(bad + ":5: rule 'shoes' (group who): unknown field "
                                           "'shoe_size'"));
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(ws.Mops({"leads", "config", "show", "scoring"}).out, Slurp(good));
}

TEST(CliLeadsTest, MqlsAnImportBringsInAreRoutedAtOnce) {
  CliWorkspace ws;
  const std::string users = ws.Write("users.csv",
                                     "external_id,name,email,team\n"
                                     "u1,Ines Duarte,ines@example.com,AE\n");
  ASSERT_EQ(ws.Mops({"import", "users", users}).exit_code, 0);
  const std::string routing = ws.Write("routing.yaml", R"(rules:
  - {name: inbound, to: {user: ines@example.com}}
)");
  ASSERT_EQ(ws.Mops({"leads", "config", "set", "routing", routing}).exit_code, 0);
  ASSERT_EQ(ws.Mops({"import", "accounts", Fixture("accounts.csv")}).exit_code, 0);
  // c1 is an MQL, c2 an SQL: one lead to route.
  const RunResult imported = ws.Mops({"import", "contacts", Fixture("contacts.csv")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.err,
              HasSubstr("routed 1 MQL without an owner: 1 to reps, 0 to the fallback queue"));
  // Nobody is left waiting, and c1's owner is the rep.
  const RunResult waiting = ws.Mops({"leads", "route", "--dry-run"});
  ASSERT_EQ(waiting.exit_code, 0) << waiting.err;
  EXPECT_THAT(waiting.out, HasSubstr("0 leads: 0 assigned"));
  const RunResult contacts = ws.Mops({"export", "contacts", "--format", "json", "--out", "-"});
  ASSERT_EQ(contacts.exit_code, 0) << contacts.err;
  const auto rows = nlohmann::json::parse(contacts.out);
  int owned = 0;
  for (const auto& row : rows) {
    if (row.value("external_id", "") == "c1") {
      EXPECT_FALSE(row["owner_id"].is_null()) << row.dump();
      ++owned;
    }
  }
  EXPECT_EQ(owned, 1);
  // The same file again adds no contact: nothing is routed.
  const RunResult again = ws.Mops({"import", "contacts", Fixture("contacts.csv")});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.err, Not(HasSubstr("routed")));
}

}  // namespace
}  // namespace mops::cli_test
