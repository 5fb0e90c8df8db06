// Runs the real `mops` binary on every bad-input case of `mops import` and
// `mops export`: the exit code (1 for errors, 2 for usage), the message on
// stderr (file, line, problem) and that the workspace did not change.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/cli_support.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

namespace fs = std::filesystem;
using mops::cli_test::CliWorkspace;
using mops::cli_test::Fixture;
using mops::cli_test::RunResult;
using mops::cli_test::Slurp;

struct BadInput {
  std::string name;
  std::vector<std::string> args;  // after "import"; "{file}" is the fixture's copied path
  std::string fixture;
  int exit_code;
  std::vector<std::string> messages;  // substrings of stderr; "{file}" is the file path
};

void PrintTo(const BadInput& input, std::ostream* os) { *os << input.name; }

std::string Expand(std::string s, const std::string& file) {
  for (size_t at; (at = s.find("{file}")) != std::string::npos;) s.replace(at, 6, file);
  return s;
}

class ImportBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(ImportBadInput, FailsWithAMessageAndChangesNothing) {
  const BadInput& c = GetParam();
  CliWorkspace ws;
  ws.Seed();
  const std::string before = ws.Snapshot();
  // Without a fixture, {file} is a file that does not exist.
  const std::string file =
      c.fixture.empty() ? (ws.dir() / "nope.csv").string() : ws.Copy(c.fixture);
  std::vector<std::string> args = {"import"};
  for (const std::string& a : c.args) args.push_back(Expand(a, file));
  const RunResult run = ws.Mops(args);
  EXPECT_EQ(run.exit_code, c.exit_code) << run.err;
  for (const std::string& m : c.messages) EXPECT_THAT(run.err, HasSubstr(Expand(m, file)));
  if (c.exit_code == 1) {
    EXPECT_THAT(run.err, StartsWith("mops: "));
  }
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(ws.Snapshot(), before);
  EXPECT_FALSE(fs::exists(file + ".rejects.csv"));
}

// A directory is named with the reason (it used to end in std::bad_alloc).
TEST(ImportPaths, DirectoryIsNamedWithTheReason) {
  CliWorkspace ws;
  ws.Seed();
  const std::string before = ws.Snapshot();
  const fs::path dir = ws.dir() / "exports";
  fs::create_directories(dir);
  const RunResult run = ws.Mops({"import", "contacts", dir.string()});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr(dir.string() + ": cannot import a directory"));
  EXPECT_THAT(run.err, Not(HasSubstr("bad_alloc")));
  // The same without a kind (it would be read from the file's columns).
  const RunResult no_kind = ws.Mops({"import", dir.string()});
  EXPECT_EQ(no_kind.exit_code, 1) << no_kind.err;
  EXPECT_THAT(no_kind.err, HasSubstr(dir.string() + ": cannot import a directory"));
  const RunResult missing = ws.Mops({"import", (dir / "nope.csv").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("nope.csv: cannot read the file: No such file"));
  EXPECT_EQ(ws.Snapshot(), before);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ImportBadInput,
    ::testing::Values(
        BadInput{"unclosed_quote",
                 {"contacts", "{file}"},
                 "unclosed_quote.csv",
                 1,
                 {"{file}:2:4: ", "unclosed quoted field"}},
        BadInput{"invalid_utf8",
                 {"contacts", "{file}"},
                 "invalid_utf8.csv",
                 1,
                 {"{file}:2:4: ", "invalid UTF-8"}},
        BadInput{"wrong_column_count",
                 {"contacts", "{file}"},
                 "wrong_width.csv",
                 1,
                 {"{file}:3:", "expected 3 fields, found 4"}},
        BadInput{"empty_file", {"contacts", "{file}"}, "empty.csv", 1, {"{file}:1: empty file"}},
        BadInput{"missing_key_column",
                 {"contacts", "{file}"},
                 "missing_key.csv",
                 1,
                 {"{file}:1: ", "missing key column", "'external_id'"}},
        BadInput{"missing_key_column_hubspot",
                 {"contacts", "{file}", "--preset", "hubspot"},
                 "missing_key_hubspot.csv",
                 1,
                 {"{file}:1: ", "'Record ID'"}},
        BadInput{"unknown_kind",
                 {"widgets", "{file}"},
                 "contacts.csv",
                 1,
                 {"{file}: unknown kind 'widgets'"}},
        BadInput{"unknown_preset",
                 {"contacts", "{file}", "--preset", "marketo"},
                 "contacts.csv",
                 1,
                 {"{file}: unknown preset 'marketo'"}},
        BadInput{"preset_without_that_export",
                 {"spend", "{file}", "--preset", "hubspot"},
                 "contacts.csv",
                 1,
                 {"{file}:1: preset hubspot has no export of spend"}},
        BadInput{"unknown_date_format",
                 {"contacts", "{file}", "--date-format", "julian"},
                 "contacts.csv",
                 1,
                 {"{file}: ", "julian"}},
        BadInput{"missing_file", {"contacts", "{file}"}, "", 1, {"{file}: cannot open"}},
        BadInput{"self_contradicting_date_column",
                 {"contacts", "{file}"},
                 "mixed_dates.csv",
                 1,
                 {"{file}:3:3: ", "column 'created_at' mixes day/month orders",
                  "line 2 has '13/06/2024' (day first)", "line 3 has '06/14/2024' (month first)"}},
        BadInput{"unknown_date_order",
                 {"contacts", "{file}", "--date-order", "ydm"},
                 "contacts.csv",
                 1,
                 {"{file}: ", "unknown date order 'ydm'"}},
        BadInput{"bad_decimal_separator",
                 {"contacts", "{file}", "--decimal", ";"},
                 "contacts.csv",
                 1,
                 {"{file}: ", "invalid decimal separator"}},
        BadInput{"strict_reject",
                 {"contacts", "{file}", "--strict"},
                 "bad_rows.csv",
                 1,
                 {"{file}:2:3: field 'created_at': ", "2024-02-30", "nothing was imported"}},
        BadInput{
            "bad_mapping",
            {"contacts", "{file}", "--map", std::string(MOPS_CLI_FIXTURES) + "/bad_mapping.yaml"},
            "marketo.csv",
            1,
            {"bad_mapping.yaml:4:", "'Favourite Colour' maps to unknown field 'colour'"}},
        BadInput{"map_on_canonical_preset",
                 {"contacts", "{file}", "--preset", "canonical", "--map",
                  std::string(MOPS_CLI_FIXTURES) + "/bad_mapping.yaml"},
                 "marketo.csv",
                 1,
                 {"builds on preset salesforce or hubspot, not canonical"}},
        BadInput{"usage_missing_file", {"contacts"}, "", 2, {"FILE"}},
        BadInput{"usage_unknown_flag",
                 {"contacts", "{file}", "--frobnicate"},
                 "contacts.csv",
                 2,
                 {"frobnicate"}}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; });

TEST(Import, SummaryAndRejectsFile) {
  CliWorkspace ws;
  const std::string file = ws.Copy("bad_rows.csv");
  const RunResult run = ws.Mops({"import", "contacts", file});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, StartsWith("imported 1, updated 0, unchanged 0, rejected 1\n"));
  EXPECT_THAT(run.out, HasSubstr("rejects: " + file + ".rejects.csv"));
  const std::string rejects = Slurp(file + ".rejects.csv");
  EXPECT_THAT(rejects, StartsWith("line,column,field,value,reason\n2,3,created_at,2024-02-30,"));

  // Again: nothing new; with --format json the summary is JSON.
  const RunResult again = ws.Mops({"--format", "json", "import", "contacts", file});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto summary = nlohmann::json::parse(again.out);
  EXPECT_EQ(summary["imported"], 0);
  EXPECT_EQ(summary["updated"], 0);
  EXPECT_EQ(summary["unchanged"], 1);  // the same values as before
  EXPECT_EQ(summary["rejected"], 1);
}

// `mops import FILE`: the kind comes from the file's columns and stderr says
// which; a header that fits no kind, or a kind with no file, is an error
// that says what to type, and imports nothing.
TEST(Import, KindReadFromTheColumns) {
  CliWorkspace ws;
  const RunResult accounts = ws.Mops({"import", Fixture("accounts.csv")});
  ASSERT_EQ(accounts.exit_code, 0) << accounts.err;
  EXPECT_THAT(accounts.out, HasSubstr("accounts.csv, 2 rows, into accounts"));
  const std::string roles = ws.Copy("contact_roles.csv");
  const RunResult role_run = ws.Mops({"import", roles});
  ASSERT_EQ(role_run.exit_code, 0) << role_run.err;
  EXPECT_THAT(role_run.out, HasSubstr("into opportunity_contacts"));
  EXPECT_THAT(accounts.err, HasSubstr("accounts.csv holds accounts (by its columns"));

  const std::string before = ws.Snapshot();
  const std::string odd = ws.Write("shoes.csv", "Shoe size,Favourite colour\n42,blue\n");
  const RunResult unknown = ws.Mops({"import", odd});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr(odd + ":1: cannot tell what records it holds"));
  EXPECT_THAT(unknown.err, HasSubstr("mops import KIND " + odd));
  // An enrichment vendor's export reads as contacts by its columns; without
  // a kind it is refused with the verb meant for it.
  const std::string vendor =
      ws.Write("cognism.csv",
               "First Name,Last Name,Email,Company Name,Job Title,Office Phone,Mobile Phone,City,"
               "State,Country,Street,Zip Code,Website,Industry,Company Size\nAda,Quill,ada@acme."
               "example,Acme,VP Marketing,+1 415 555 0100,,San Francisco,CA,United States,1 "
               "Main St,94105,acme.example,Software,51-200\n");
  const RunResult refused = ws.Mops({"import", vendor});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr(vendor + ": an enrichment vendor's export of contacts"));
  EXPECT_THAT(refused.err, HasSubstr("mops quality enrich load FILE"));
  const RunResult no_file = ws.Mops({"import", "contacts"});
  EXPECT_EQ(no_file.exit_code, 2);
  EXPECT_THAT(no_file.err, HasSubstr("which file? mops import [KIND] FILE"));
  EXPECT_EQ(ws.Snapshot(), before);
}

// A mapping file on the Salesforce preset: the kind is read from the
// header, and only the listed column differs from the preset.
TEST(Import, MappingOnAPresetNeedsNoKind) {
  CliWorkspace ws;
  const std::string leads =
      ws.Write("Lead.csv",
               "Id,FirstName,LastName,Email,Company,Status,CreatedDate,Created_Date__c\n"
               "00Q5g00002AbcAa,Lia,Berg,lia@a.example,Acme,Open - Not Contacted,"
               "2024-06-01T08:00:00.000Z,2023-02-11\n");
  const std::string map =
      ws.Write("leads.yaml", "preset: salesforce\ncolumns:\n  Created_Date__c: created_at\n");
  const RunResult run = ws.Mops({"import", leads, "--map", map});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("Lead.csv holds contacts (by its columns"));
  EXPECT_THAT(run.out, HasSubstr("into contacts (preset salesforce"));
  // Without a preset the file must still name its kind.
  const std::string plain = ws.Write("plain.yaml", "columns:\n  Created_Date__c: created_at\n");
  const RunResult refused = ws.Mops({"import", leads, "--map", plain});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("the mapping file names no kind"));
}

TEST(Import, ShowUnresolvedListsTheMissingRecords) {
  CliWorkspace ws;
  const std::string file = ws.Copy("contact_roles.csv");
  const RunResult run = ws.Mops({"import", "opportunity-contacts", file, "--show-unresolved"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("opportunity_contacts.contact: 1 unresolved"));
  EXPECT_THAT(run.out, Not(HasSubstr("all resolved")));
  EXPECT_THAT(run.out, HasSubstr("unresolved: opportunity_contacts o1:c404 -> contact 'c404'"));
  EXPECT_THAT(run.out, HasSubstr("unresolved: opportunity_contacts o1:c404 -> opportunity 'o1'"));

  const RunResult json =
      ws.Mops({"--format", "json", "import", "opportunity-contacts", file, "--show-unresolved"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto summary = nlohmann::json::parse(json.out);
  EXPECT_EQ(summary["unchanged"], 1);
  ASSERT_EQ(summary["unresolved_links"].size(), 2u);
}

TEST(Export, FormatsAndFormulaNeutralization) {
  CliWorkspace ws;
  ws.Seed();
  const std::string csv = (ws.dir() / "accounts.csv").string();
  RunResult run = ws.Mops({"export", "accounts", "--format", "csv", "--out", csv});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("exported 2 accounts to " + csv));
  const std::string text = Slurp(csv);
  EXPECT_THAT(text, HasSubstr("\"'=HYPERLINK(\"\"http://evil.example\"\")\""));
  EXPECT_THAT(text, HasSubstr("a1,Acme,acme.com,,,,25000000.00,"));

  const std::string json = (ws.dir() / "contacts.json").string();
  run = ws.Mops({"export", "contacts", "--out", json});  // format from the extension
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto doc = nlohmann::json::parse(Slurp(json));
  ASSERT_EQ(doc.size(), 2u);
  EXPECT_EQ(doc[0]["account_id"], "a1");

  const std::string xlsx = (ws.dir() / "accounts.xlsx").string();
  run = ws.Mops({"export", "accounts", "--format", "xlsx", "--out", xlsx});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Slurp(xlsx).substr(0, 2), "PK");

  // The export re-imports into a fresh workspace as the same data.
  CliWorkspace other;
  const std::string contacts_csv = (ws.dir() / "contacts.csv").string();
  ASSERT_EQ(ws.Mops({"export", "contacts", "--out", contacts_csv}).exit_code, 0);
  ASSERT_EQ(other.Mops({"import", "accounts", Fixture("accounts.csv")}).exit_code, 0);
  const RunResult imported = other.Mops({"import", "contacts", contacts_csv});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.out, StartsWith("imported 2, updated 0, unchanged 0, rejected 0\n"));
  EXPECT_EQ(other.Snapshot(), ws.Snapshot());
}

TEST(Export, BadInput) {
  CliWorkspace ws;
  ws.Seed();
  RunResult run = ws.Mops({"export", "widgets", "--out", "-"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("unknown kind 'widgets'"));
  run = ws.Mops({"export", "contacts", "--format", "pdf", "--out", "-"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("unknown export format 'pdf'"));
  run = ws.Mops({"export", "contacts", "--format", "xlsx", "--out", "-"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("xlsx needs an output file"));
  const std::string missing = (ws.dir() / "no-such-dir" / "c.csv").string();
  run = ws.Mops({"export", "contacts", "--out", missing});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(missing));
  EXPECT_FALSE(fs::exists(missing));
  run = ws.Mops({"export"});
  EXPECT_EQ(run.exit_code, 2);
}

}  // namespace
