#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ingest/internal.h"

namespace mops::ingest::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string FieldOf(Kind kind, const Mapping& m, size_t column) {
  const int f = m.columns[column].field;
  return f < 0 ? std::string("-") : std::string(SpecFor(kind).fields[f].name);
}

TEST(DetectPreset, RecordIdMeansHubspot) {
  const std::vector<std::string> h = {"Record ID", "First Name", "Email"};
  EXPECT_EQ(DetectPreset(Kind::kContacts, h), Preset::kHubspot);
}

TEST(DetectPreset, ApiNamesMeanSalesforce) {
  const std::vector<std::string> h = {"Id", "FirstName", "LastName", "Email", "AccountId"};
  EXPECT_EQ(DetectPreset(Kind::kContacts, h), Preset::kSalesforce);
  const std::vector<std::string> roles = {"OpportunityId", "ContactId", "Role", "IsPrimary"};
  EXPECT_EQ(DetectPreset(Kind::kOpportunityContacts, roles), Preset::kSalesforce);
}

TEST(DetectPreset, FieldNamesMeanCanonical) {
  const std::vector<std::string> h = {"external_id", "email", "first_name", "account_id"};
  EXPECT_EQ(DetectPreset(Kind::kContacts, h), Preset::kCanonical);
  // A tie (a file with only an email) stays canonical.
  const std::vector<std::string> tie = {"id", "Email"};
  EXPECT_EQ(DetectPreset(Kind::kContacts, tie), Preset::kCanonical);
}

TEST(MapColumns, CanonicalAcceptsIdCaseAndBlanks) {
  const std::vector<std::string> h = {"ID", " Email ", "first_name", "shoe size"};
  auto m = MapColumns(Kind::kContacts, h, Preset::kAuto, nullptr, "c.csv");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->preset, Preset::kCanonical);
  EXPECT_TRUE(m->detected);
  EXPECT_EQ(FieldOf(Kind::kContacts, *m, 0), "external_id");
  EXPECT_EQ(FieldOf(Kind::kContacts, *m, 1), "email");
  EXPECT_EQ(FieldOf(Kind::kContacts, *m, 2), "first_name");
  EXPECT_EQ(FieldOf(Kind::kContacts, *m, 3), "-");
  EXPECT_THAT(m->unmapped, ElementsAre("shoe size"));
}

TEST(MapColumns, HubspotLabels) {
  const std::vector<std::string> h = {"Record ID", "Contact owner", "Associated Company IDs",
                                      "Became a Marketing Qualified Lead Date", "Lead Score"};
  auto m = MapColumns(Kind::kContacts, h, Preset::kHubspot, nullptr, "c.csv");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_FALSE(m->detected);
  EXPECT_EQ(FieldOf(Kind::kContacts, *m, 1), "owner_id");
  EXPECT_EQ(FieldOf(Kind::kContacts, *m, 2), "account_id");
  EXPECT_TRUE(m->columns[2].first_of_list);
  EXPECT_EQ(FieldOf(Kind::kContacts, *m, 3), "mql_at");
  EXPECT_THAT(m->unmapped, ElementsAre("Lead Score"));
}

TEST(MapColumns, SecondColumnForTheSameFieldIsIgnoredWithAWarning) {
  const std::vector<std::string> h = {"Id", "MailingCountry", "Country"};
  auto m = MapColumns(Kind::kContacts, h, Preset::kSalesforce, nullptr, "c.csv");
  ASSERT_TRUE(m);
  EXPECT_EQ(FieldOf(Kind::kContacts, *m, 1), "country");
  EXPECT_EQ(FieldOf(Kind::kContacts, *m, 2), "-");
  ASSERT_EQ(m->warnings.size(), 1u);
  EXPECT_THAT(m->warnings[0], HasSubstr("'Country' also maps to field 'country'"));
}

// A HubSpot import file has no Record ID: contacts are keyed by email.
TEST(MapColumns, HubspotImportFileIsKeyedByEmail) {
  const std::vector<std::string> h = {"First Name", "Email", "Create Date"};
  auto m = MapColumns(Kind::kContacts, h, Preset::kHubspot, nullptr, "contacts.csv");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_TRUE(m->synth_key);
  EXPECT_THAT(m->synth_key_fields, ElementsAre("email"));
}

TEST(MapColumns, MissingKeyColumnNamesTheExpectedLabel) {
  const std::vector<std::string> h = {"First Name", "Last Name", "Create Date"};
  auto m = MapColumns(Kind::kContacts, h, Preset::kHubspot, nullptr, "contacts.csv");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().file, "contacts.csv");
  EXPECT_EQ(m.error().line, 1);
  EXPECT_THAT(m.error().message, HasSubstr("missing key column"));
  EXPECT_THAT(m.error().message, HasSubstr("'Record ID'"));
  EXPECT_THAT(m.error().ToString(), HasSubstr("contacts.csv:1:"));
}

TEST(MapColumns, LinkKindsWithoutIdSynthesizeTheKey) {
  const std::vector<std::string> h = {"OpportunityId", "ContactId", "Role"};
  auto m = MapColumns(Kind::kOpportunityContacts, h, Preset::kAuto, nullptr, "ocr.csv");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_TRUE(m->synth_key);
  // Without the opportunity there is no key to make.
  const std::vector<std::string> no_opp = {"ContactId", "Role"};
  EXPECT_FALSE(MapColumns(Kind::kOpportunityContacts, no_opp, Preset::kSalesforce, nullptr, "x"));
}

TEST(MapColumns, MissingRequiredColumn) {
  const std::vector<std::string> h = {"external_id", "type", "utm_source"};
  auto m = MapColumns(Kind::kTouchpoints, h, Preset::kAuto, nullptr, "t.csv");
  ASSERT_FALSE(m);
  EXPECT_THAT(m.error().message, HasSubstr("missing required column"));
  EXPECT_THAT(m.error().message, HasSubstr("'occurred_at'"));
}

TEST(MapColumns, PresetWithoutThatExport) {
  const std::vector<std::string> h = {"Record ID", "Amount"};
  auto m = MapColumns(Kind::kSpend, h, Preset::kHubspot, nullptr, "s.csv");
  ASSERT_FALSE(m);
  EXPECT_THAT(m.error().message, HasSubstr("preset hubspot has no export of spend"));
}

TEST(MapColumns, EmptyHeader) {
  const std::vector<std::string> h = {"", " "};
  auto m = MapColumns(Kind::kContacts, h, Preset::kAuto, nullptr, "e.csv");
  ASSERT_FALSE(m);
  EXPECT_THAT(m.error().ToString(), HasSubstr("e.csv:1: no header line"));
}

constexpr std::string_view kMappingYaml = R"(# a Marketo export
kind: contacts
source_system: marketo
date_format: dmy
columns:
  "Email Address": email
  "Lead ID": id
  "Score": ~
)";

TEST(MappingYaml, Parses) {
  auto m = ParseMappingYaml(kMappingYaml, "map.yaml");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->kind, Kind::kContacts);
  EXPECT_EQ(m->source_system, "marketo");
  EXPECT_EQ(m->date_format, core::DateFormat::kDmy);
  ASSERT_EQ(m->columns.size(), 3u);
  EXPECT_EQ(m->columns[0].label, "Email Address");
  EXPECT_EQ(m->columns[0].field, "email");
  EXPECT_EQ(m->columns[0].line, 6);
  EXPECT_EQ(m->columns[2].field, "");
  EXPECT_TRUE(ValidateMapping(*m, Kind::kContacts));

  // Listed columns map; unlisted ones fall back to canonical names; an
  // ignored column is not reported as unmapped.
  const std::vector<std::string> h = {"Lead ID", "Email Address", "Score", "title", "Other"};
  auto mapped = MapColumns(Kind::kContacts, h, Preset::kMapping, &*m, "leads.csv");
  ASSERT_TRUE(mapped) << mapped.error().ToString();
  EXPECT_EQ(FieldOf(Kind::kContacts, *mapped, 0), "external_id");
  EXPECT_EQ(FieldOf(Kind::kContacts, *mapped, 1), "email");
  EXPECT_EQ(FieldOf(Kind::kContacts, *mapped, 2), "-");
  EXPECT_EQ(FieldOf(Kind::kContacts, *mapped, 3), "title");
  EXPECT_THAT(mapped->unmapped, ElementsAre("Other"));
}

// A mapping file on the Salesforce preset: its columns override the
// preset's, whichever comes first in the header; the rest map by the preset.
TEST(MappingYaml, OnAPresetOverridesOnlyTheColumnsItLists) {
  auto m = ParseMappingYaml(
      "preset: salesforce\ncolumns:\n  Created_Date__c: created_at\n  Status: ~\n", "map.yaml");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->preset, Preset::kSalesforce);
  ASSERT_TRUE(ValidateMapping(*m, Kind::kContacts));
  const std::vector<std::string> h = {"Id",     "CreatedDate",     "Email",
                                      "Status", "Created_Date__c", "Nickname__c"};
  auto mapped = MapColumns(Kind::kContacts, h, Preset::kMapping, &*m, "Lead.csv");
  ASSERT_TRUE(mapped) << mapped.error().ToString();
  EXPECT_EQ(mapped->preset, Preset::kSalesforce);
  EXPECT_EQ(FieldOf(Kind::kContacts, *mapped, 0), "external_id");
  EXPECT_EQ(FieldOf(Kind::kContacts, *mapped, 1), "-");  // gives way to Created_Date__c
  EXPECT_EQ(FieldOf(Kind::kContacts, *mapped, 2), "email");
  EXPECT_EQ(FieldOf(Kind::kContacts, *mapped, 3), "-");  // ignored by the file
  EXPECT_EQ(FieldOf(Kind::kContacts, *mapped, 4), "created_at");
  EXPECT_THAT(mapped->unmapped, ElementsAre("Nickname__c"));
  EXPECT_TRUE(mapped->warnings.empty());
  // Without its column in the header, the preset's CreatedDate stays.
  auto without = MapColumns(Kind::kContacts, std::vector<std::string>{"Id", "CreatedDate"},
                            Preset::kMapping, &*m, "Lead.csv");
  ASSERT_TRUE(without);
  EXPECT_EQ(FieldOf(Kind::kContacts, *without, 1), "created_at");

  auto bad = ParseMappingYaml("columns: {A: email}\npreset: marketo\n", "m.yaml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().line, 2);
  EXPECT_THAT(bad.error().message, HasSubstr("'preset' must be salesforce or hubspot"));
}

TEST(MappingYaml, UnknownFieldNamesTheKeyAndLine) {
  auto m =
      ParseMappingYaml("columns:\n  \"Email Address\": email\n  \"Shoe\": shoe_size\n", "map.yaml");
  ASSERT_TRUE(m);
  auto status = ValidateMapping(*m, Kind::kContacts);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().line, 3);
  EXPECT_THAT(status.error().ToString(), HasSubstr("map.yaml:3:"));
  EXPECT_THAT(status.error().message, HasSubstr("column 'Shoe' maps to unknown field 'shoe_size'"));
}

TEST(MappingYaml, TwoColumnsForOneField) {
  auto m = ParseMappingYaml("columns:\n  A: email\n  B: email\n", "map.yaml");
  ASSERT_TRUE(m);
  auto status = ValidateMapping(*m, Kind::kContacts);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().line, 3);
}

TEST(MappingYaml, Errors) {
  auto unknown_key = ParseMappingYaml("columns: {A: email}\ncolour: blue\n", "m.yaml");
  ASSERT_FALSE(unknown_key);
  EXPECT_EQ(unknown_key.error().line, 2);
  EXPECT_THAT(unknown_key.error().message, HasSubstr("unknown key 'colour'"));

  auto bad_yaml = ParseMappingYaml("columns:\n  A: [email\n", "m.yaml");
  ASSERT_FALSE(bad_yaml);
  EXPECT_EQ(bad_yaml.error().file, "m.yaml");
  EXPECT_GT(bad_yaml.error().line, 0);
  EXPECT_THAT(bad_yaml.error().message, HasSubstr("invalid YAML"));

  auto no_columns = ParseMappingYaml("kind: contacts\n", "m.yaml");
  ASSERT_FALSE(no_columns);
  EXPECT_THAT(no_columns.error().message, HasSubstr("missing 'columns'"));

  auto bad_kind = ParseMappingYaml("kind: widgets\ncolumns: {A: email}\n", "m.yaml");
  ASSERT_FALSE(bad_kind);
  EXPECT_EQ(bad_kind.error().line, 1);

  auto bad_date = ParseMappingYaml("date_format: julian\ncolumns: {A: email}\n", "m.yaml");
  ASSERT_FALSE(bad_date);

  auto other_kind = ParseMappingYaml("kind: accounts\ncolumns: {A: name}\n", "m.yaml");
  ASSERT_TRUE(other_kind);
  auto status = ValidateMapping(*other_kind, Kind::kContacts);
  ASSERT_FALSE(status);
  EXPECT_THAT(status.error().message, HasSubstr("for accounts, not for contacts"));
}

TEST(Kinds, ParseAndNames) {
  EXPECT_EQ(*ParseKind("opportunity-contacts"), Kind::kOpportunityContacts);
  EXPECT_EQ(*ParseKind("Opportunity_Contacts"), Kind::kOpportunityContacts);
  EXPECT_EQ(*ParseKind("deals"), Kind::kOpportunities);
  EXPECT_EQ(*ParseKind("companies"), Kind::kAccounts);
  auto bad = ParseKind("widgets");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("unknown kind 'widgets'"));
  EXPECT_THAT(bad.error().message, HasSubstr("campaign-members"));
  EXPECT_EQ(TableName(Kind::kCampaignMembers), "campaign_members");
  EXPECT_FALSE(ParsePreset("marketo"));
  EXPECT_EQ(*ParsePreset("HubSpot"), Preset::kHubspot);
}

TEST(Kinds, CanonicalHeaderStartsWithTheKeyAndHasNoVirtualFields) {
  for (Kind k : AllKinds()) {
    const auto header = CanonicalHeader(k);
    ASSERT_FALSE(header.empty());
    if (k != Kind::kLifecycleHistory) {
      EXPECT_EQ(header.front(), "external_id");
    }
    EXPECT_EQ(header.back(), "source_system");
  }
  EXPECT_THAT(CanonicalHeader(Kind::kLifecycleHistory),
              ElementsAre("contact_id", "stage", "entered_at", "source_system"));
  const auto contacts = CanonicalHeader(Kind::kContacts);
  EXPECT_EQ(std::count(contacts.begin(), contacts.end(), "mql_at"), 0);
  EXPECT_EQ(std::count(contacts.begin(), contacts.end(), "account_id"), 1);
}

}  // namespace
}  // namespace mops::ingest::internal
