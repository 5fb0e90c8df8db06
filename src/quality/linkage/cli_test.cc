// The real mops binary on the linkage verbs: exit codes, messages on stderr,
// no output file and no workspace change on bad input, and the import hook.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/cli/cli_support.h"

namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;
using mops::cli_test::RunResult;
using mops::cli_test::Slurp;

class Cli : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) const {
    return ws_.Write(name, text);
  }
  RunResult Mops(std::vector<std::string> args) const { return ws_.Mops(std::move(args)); }

  mops::cli_test::CliWorkspace ws_;
  const fs::path dir_ = ws_.dir();
};

constexpr const char* kContacts =
    "external_id,email,first_name,last_name,phone,company_name,city\n"
    "c1,bob.smith@acme.com,Robert,Smith,(415) 555-0100,\"Acme, Inc.\",Boston\n"
    "c2,BOB.SMITH@acme.com,Bob,Smith,+1 415 555 0100,Acme,Boston\n"
    "c3,alice@globex.com,Alice,Jones,212 555 0199,Globex,Denver\n";

TEST_F(Cli, DedupWritesClustersAndReports) {
  const std::string in = Write("contacts.csv", kContacts);
  const std::string out = (dir_ / "clusters.csv").string();
  const RunResult r = Mops({"quality", "dedup", in, "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("candidate pairs"));
  EXPECT_EQ(Slurp(out), "id,cluster_id\nc1,c1\nc2,c1\nc3,c3\n");
}

TEST_F(Cli, BadInputIsAnErrorAndWritesNothing) {
  const std::string in = Write("contacts.csv", kContacts);
  const std::string out = (dir_ / "clusters.csv").string();
  const std::string config =
      Write("bad.yaml", "id: external_id\nfields:\n  - {name: email, type: emial}\n");
  RunResult r = Mops({"quality", "dedup", in, "--config", config, "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("bad.yaml:3"));
  EXPECT_THAT(r.err, HasSubstr("unknown comparison 'emial'"));
  EXPECT_FALSE(fs::exists(out));

  r = Mops({"quality", "dedup", (dir_ / "missing.csv").string(), "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("missing.csv"));
  EXPECT_FALSE(fs::exists(out));

  r = Mops({"quality", "match", "--entity", "leads"});
  EXPECT_EQ(r.exit_code, 2);  // usage error

  r = Mops({"quality", "review", "accept", "12345"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no match pair with id 12345"));

  r = Mops({"quality", "match", "--on-import", "sometimes"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("unknown mode 'sometimes'"));
}

TEST_F(Cli, ImportMatchesNewContactsAndReviewDecides) {
  const std::string in = Write("contacts.csv", kContacts);
  RunResult r = Mops({"import", "contacts", in});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Mops({"--format", "csv", "quality", "review", "list", "--status", "match"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The import hook matched the new contacts: c1 and c2 are one person.
  ASSERT_THAT(r.out, HasSubstr(",match,"));
  const std::string first_id =
      r.out.substr(r.out.find('\n') + 1, r.out.find(',', r.out.find('\n')) - r.out.find('\n') - 1);
  r = Mops({"quality", "review", "reject", first_id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(" rejected "));
  r = Mops({"--format", "csv", "quality", "match"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Matching again keeps the decision.
  r = Mops({"--format", "csv", "quality", "review", "list", "--status", "rejected"});
  EXPECT_THAT(r.out, HasSubstr("\n" + first_id + ","));
}

// `mops quality match` lists the pairs it found (as the user guide says),
// strongest first, in every output format; the run's summary goes to stderr.
TEST_F(Cli, MatchListsThePairsItFound) {
  const std::string in = Write("contacts.csv", kContacts);
  RunResult r = Mops({"import", "contacts", in});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Mops({"--format", "csv", "quality", "match"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("id,record_a,record_b,match_weight,probability,status,why\n"));
  EXPECT_THAT(r.out, HasSubstr(",match,"));
  EXPECT_THAT(r.out, HasSubstr("Smith"));
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;  // header + c1~c2

  r = Mops({"--format", "json", "quality", "match", "--min-probability", "0.999", "--limit", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"status\""));
  EXPECT_THAT(r.out, HasSubstr("match"));

  // Bad options are refused before matching runs.
  r = Mops({"quality", "match", "--min-probability", "1.5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--min-probability must be in [0, 1]"));
  r = Mops({"quality", "match", "--limit", "0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--limit must be 1-1000"));
}

}  // namespace
