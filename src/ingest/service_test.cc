#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/csv.h"
#include "ingest/ingest.h"
#include "ingest/test_util.h"

namespace mops::ingest {
namespace {

using ::testing::HasSubstr;
using testing::ReadText;
using ::testing::StartsWith;
using testing::TempWorkspace;
using testing::Testdata;

ImportSummary MustImport(TempWorkspace& ws, Kind kind, const std::string& path,
                         ImportOptions options = {}) {
  auto summary = ImportFile(ws.db(), kind, path, options);
  EXPECT_TRUE(summary) << summary.error().ToString();
  return summary ? std::move(*summary) : ImportSummary{};
}

ImportSummary MustImportText(TempWorkspace& ws, Kind kind, std::string_view csv,
                             ImportOptions options = {}) {
  auto summary = ImportCsvText(ws.db(), kind, "test.csv", csv, options);
  EXPECT_TRUE(summary) << summary.error().ToString();
  return summary ? std::move(*summary) : ImportSummary{};
}

int64_t Unresolved(const ImportSummary& s, std::string_view table, std::string_view field) {
  for (const UnresolvedRef& u : s.unresolved) {
    if (u.table == table && u.field == field) return u.count;
  }
  return 0;
}

// --- HubSpot ---------------------------------------------------------------

TEST(ImportHubspot, ContactsCompaniesDealsInAnyOrder) {
  TempWorkspace ws;
  // Contacts first: their companies and owner are not there yet.
  ImportSummary contacts = MustImport(ws, Kind::kContacts, Testdata("hubspot_contacts.csv"));
  EXPECT_EQ(contacts.preset, Preset::kHubspot);
  EXPECT_TRUE(contacts.preset_detected);
  EXPECT_EQ(contacts.source_system, "hubspot");
  EXPECT_EQ(contacts.imported, 4);
  EXPECT_EQ(contacts.rejected, 0);
  EXPECT_THAT(contacts.unmapped_columns, ::testing::ElementsAre("Marketing emails opened"));
  EXPECT_EQ(Unresolved(contacts, "contacts", "account"), 3);
  EXPECT_EQ(Unresolved(contacts, "contacts", "owner"), 2);
  EXPECT_THAT(contacts.ToText(), StartsWith("imported 4, updated 0, unchanged 0, rejected 0\n"));
  EXPECT_THAT(contacts.ToText(), HasSubstr("contacts.account: 3 unresolved"));

  // "Became a ... Date" columns became lifecycle history.
  EXPECT_EQ(ws.Count("lifecycle_history"), 7);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM lifecycle_history h JOIN contacts c ON c.id = "
                   "h.contact_id WHERE c.external_id = '102'"),
            3);
  EXPECT_EQ(ws.Text("SELECT lifecycle_stage FROM contacts WHERE external_id = '101'"), "mql");
  EXPECT_EQ(ws.Text("SELECT lifecycle_stage FROM contacts WHERE external_id = '102'"), "sql");
  // A quoted field with a newline and a comma.
  EXPECT_EQ(ws.Text("SELECT title FROM contacts WHERE external_id = '103'"), "Head of\nDemand Gen");
  EXPECT_EQ(ws.Text("SELECT last_name FROM contacts WHERE external_id = '103'"), "Gómez");
  // The first of several associated companies.
  EXPECT_EQ(ws.Text("SELECT account_ref FROM contacts WHERE external_id = '102'"), "9003");

  ImportSummary companies = MustImport(ws, Kind::kAccounts, Testdata("hubspot_companies.csv"));
  EXPECT_EQ(companies.imported, 3);
  EXPECT_EQ(Unresolved(companies, "contacts", "account"), 0);
  EXPECT_EQ(ws.Int("SELECT annual_revenue FROM accounts WHERE external_id = '9001'"), 2500000000);
  EXPECT_EQ(ws.Int("SELECT employees FROM accounts WHERE external_id = '9001'"), 1200);
  EXPECT_EQ(ws.Text("SELECT domain FROM accounts WHERE external_id = '9003'"), "");
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM accounts a JOIN accounts p ON p.id = a.parent_id "
                   "WHERE a.external_id = '9002' AND p.external_id = '9001'"),
            1);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM contacts c JOIN accounts a ON a.id = c.account_id "
                   "WHERE c.external_id = '103' AND a.external_id = '9002'"),
            1);

  ImportSummary deals = MustImport(ws, Kind::kOpportunities, Testdata("hubspot_deals.csv"));
  EXPECT_EQ(deals.imported, 3);
  EXPECT_EQ(ws.Int("SELECT amount FROM opportunities WHERE external_id = '5001'"), 1250000);
  EXPECT_EQ(ws.Int("SELECT is_won FROM opportunities WHERE external_id = '5001'"), 1);
  EXPECT_EQ(ws.Int("SELECT is_closed FROM opportunities WHERE external_id = '5002'"), 1);
  EXPECT_EQ(ws.Int("SELECT is_won FROM opportunities WHERE external_id = '5002'"), 0);
  EXPECT_EQ(ws.Int("SELECT is_closed FROM opportunities WHERE external_id = '5003'"), 0);
  // Associated contacts became contact roles, keyed deal:contact.
  ASSERT_EQ(deals.related.size(), 1u);
  EXPECT_EQ(deals.related[0].table, "opportunity_contacts");
  EXPECT_EQ(deals.related[0].imported, 3);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM opportunity_contacts WHERE external_id = '5001:102' "
                   "AND opportunity_id IS NOT NULL AND contact_id IS NOT NULL"),
            1);

  // Owners arrive last: names and emails match users of any source.
  ImportSummary users = MustImport(ws, Kind::kUsers, Testdata("users.csv"));
  EXPECT_EQ(users.imported, 3);
  EXPECT_EQ(Unresolved(users, "contacts", "owner"), 0);
  EXPECT_EQ(Unresolved(users, "opportunities", "owner"), 0);
  // "Unknown Owner" matches nobody.
  EXPECT_EQ(Unresolved(users, "accounts", "owner"), 1);
  EXPECT_EQ(ws.Text("SELECT u.external_id FROM accounts a JOIN users u ON u.id = a.owner_id "
                    "WHERE a.external_id = '9002'"),
            "u1");
  EXPECT_EQ(ws.Count("audit_log"), 4);
}

// --- Report exports: title lines above the header, totals rows below -------

std::string Fixture(const std::string& name) { return std::string(MOPS_FIXTURES) + "/" + name; }

TEST(ImportReportExport, SalesforceReportWithTitleBlankLineAndTotals) {
  TempWorkspace ws;
  ImportOptions sf;
  sf.preset = Preset::kSalesforce;
  ImportSummary s = MustImport(ws, Kind::kContacts, Fixture("salesforce_report_contacts.csv"), sf);
  EXPECT_EQ(s.header_line, 3);
  EXPECT_THAT(s.title_lines, ::testing::ElementsAre(1));
  EXPECT_EQ(s.totals_rows, 1);
  EXPECT_THAT(s.totals_lines, ::testing::ElementsAre(8));
  EXPECT_EQ(s.rows, 4);
  EXPECT_EQ(s.imported, 4);
  EXPECT_EQ(s.rejected, 0);
  EXPECT_EQ(ws.Count("contacts"), 4);
  // A contact named Total with a real email is a record.
  EXPECT_EQ(ws.Text("SELECT email FROM contacts WHERE first_name = 'Total'"),
            "total.okonkwo@quillon-data.example");
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM contacts WHERE external_id LIKE '%Total%' OR email LIKE "
                   "'Grand%'"),
            0);
  // 15- and 18-character ids of the report name the same records.
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM contacts WHERE length(external_id) = 18"), 4);
  const std::string text = s.ToText();
  EXPECT_THAT(text, HasSubstr("header at line 3: 1 line above it skipped (report title, line 1)"));
  EXPECT_THAT(text, HasSubstr("totals rows skipped: 1 row at line 8"));
  const nlohmann::json j = s.ToJson();
  EXPECT_EQ(j["header_line"], 3);
  EXPECT_EQ(j["totals_lines"], nlohmann::json::array({8}));
  // Its created touches: one per contact, none for the totals row.
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM touchpoints WHERE type = 'created'"), 4);
  // The same file again: nothing new, nothing changed.
  ImportSummary again =
      MustImport(ws, Kind::kContacts, Fixture("salesforce_report_contacts.csv"), sf);
  EXPECT_EQ(again.imported, 0);
  EXPECT_EQ(again.unchanged, 4);
  EXPECT_EQ(again.totals_rows, 1);
}

// A Salesforce report exported with "Details Only" heads its columns with
// the fields' labels ("Contact ID", "Created Date"), not their API names:
// detected as Salesforce, every column read, dates day-first by the column.
TEST(ImportReportExport, SalesforceReportWithFieldLabels) {
  TempWorkspace ws;
  ImportSummary s =
      MustImport(ws, Kind::kContacts, Fixture("salesforce_report_contacts_labels.csv"));
  EXPECT_EQ(s.preset, Preset::kSalesforce);
  EXPECT_TRUE(s.preset_detected);
  EXPECT_EQ(s.header_line, 3);
  EXPECT_EQ(s.totals_rows, 1);
  EXPECT_EQ(s.imported, 3);
  EXPECT_EQ(s.duplicates, 1);
  EXPECT_THAT(s.ToText(), ::testing::Not(HasSubstr("columns ignored")));
  EXPECT_EQ(ws.Text("SELECT title FROM contacts WHERE external_id = '0035g00000LmN4aAAF'"),
            "SVP Sales");
  EXPECT_EQ(ws.Text("SELECT company_name || '/' || country || '/' || original_source FROM "
                    "contacts WHERE external_id = '0035g00000LmN4bAAF'"),
            "Nordlys/Norway/Web");
  // 09/06/2024 is 9 June: the column also holds 13/06 and 31/12.
  EXPECT_EQ(ws.Int("SELECT created_at FROM contacts WHERE external_id = '0035g00000LmN4bAAF'"),
            1717941720);
  ImportSummary again =
      MustImport(ws, Kind::kContacts, Fixture("salesforce_report_contacts_labels.csv"));
  EXPECT_EQ(again.updated, 0);
  EXPECT_EQ(again.unchanged, 3);
}

TEST(ImportReportExport, HubspotReportWithTitleFilterLinesAndTotals) {
  TempWorkspace ws;
  ImportSummary s = MustImport(ws, Kind::kContacts, Fixture("hubspot_report_contacts.csv"));
  EXPECT_EQ(s.preset, Preset::kHubspot);
  EXPECT_EQ(s.header_line, 4);
  EXPECT_THAT(s.title_lines, ::testing::ElementsAre(1, 2));
  EXPECT_THAT(s.totals_lines, ::testing::ElementsAre(8));
  EXPECT_EQ(s.imported, 3);
  EXPECT_EQ(s.rejected, 0);
  EXPECT_EQ(ws.Text("SELECT email FROM contacts WHERE first_name = 'Total'"),
            "total.mbeki@kestrel-logistics.example");
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM contacts WHERE external_id = 'Total'"), 0);
}

// A HubSpot import file is keyed by email: its totals row must not become a
// contact whose email is "Total". Semicolons, a title, a blank line; the
// survey, the rows and the rejects all read the file's own lines.
TEST(ImportReportExport, EmailKeyedFileLinesSurveyAndRejects) {
  TempWorkspace ws;
  const std::string csv =
      "Contact list export\n"
      "\n"
      "First Name;Last Name;Email;Create Date\n"
      "Ana;Lima;ana@lima.example;13/06/2024\n"
      "Total;Ng;total.ng@ng.example;09/06/2024\n"
      "Bo;Berg;bo@berg.example;not a date\n"
      "Totals (3 records);;;\n"
      "Total;;;\n";
  ImportSummary s = MustImportText(ws, Kind::kContacts, csv);
  EXPECT_EQ(s.header_line, 3);
  EXPECT_EQ(s.totals_rows, 2);
  EXPECT_THAT(s.totals_lines, ::testing::ElementsAre(7, 8));
  EXPECT_EQ(s.imported, 2);
  EXPECT_EQ(s.rejected, 1);
  ASSERT_EQ(s.rejects.size(), 1u);
  EXPECT_EQ(s.rejects[0].line, 6);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM contacts WHERE lower(email) LIKE 'total%' AND email NOT "
                   "LIKE '%@%'"),
            0);
  // The date column was surveyed below the title: 13/06 makes it day first,
  // so 09/06/2024 is 9 June (day 19883 of the epoch; integer division reads
  // the same on SQLite and PostgreSQL).
  EXPECT_EQ(ws.Int("SELECT created_at / 86400 FROM contacts WHERE email = 'total.ng@ng.example'"),
            19883);
}

TEST(ImportReportExport, LifecycleFileWithTitleAndTotals) {
  TempWorkspace ws;
  MustImportText(ws, Kind::kContacts, "external_id,email\nc1,a@x.com\n");
  ImportSummary s = MustImportText(ws, Kind::kLifecycleHistory,
                                   "Lifecycle report\n"
                                   "contact_id,stage,entered_at\n"
                                   "c1,lead,2024-01-01\n"
                                   "c1,,2024-01-07\n"
                                   "Total,,\n");
  EXPECT_EQ(s.header_line, 2);
  EXPECT_EQ(s.imported, 1);
  EXPECT_EQ(s.rejected, 1);
  ASSERT_EQ(s.rejects.size(), 1u);
  EXPECT_EQ(s.rejects[0].line, 4);
  EXPECT_THAT(s.totals_lines, ::testing::ElementsAre(5));
  EXPECT_EQ(ws.Count("lifecycle_history"), 1);
}

// --- Salesforce ------------------------------------------------------------

TEST(ImportSalesforce, FullExportWithConvertedLeads) {
  TempWorkspace ws;
  ImportOptions sf;
  sf.preset = Preset::kSalesforce;
  // Users of the Salesforce org (by API name the same as the canonical file).
  MustImport(ws, Kind::kUsers, Testdata("users.csv"));
  ImportSummary leads = MustImport(ws, Kind::kContacts, Testdata("sf_leads.csv"));
  EXPECT_EQ(leads.preset, Preset::kSalesforce);
  EXPECT_TRUE(leads.preset_detected);
  EXPECT_EQ(leads.source_system, "salesforce");
  // The unconverted lead is a person; the two converted ones are identities.
  EXPECT_EQ(leads.imported, 1);
  ASSERT_EQ(leads.related.size(), 1u);
  EXPECT_EQ(leads.related[0].table, "identities");
  EXPECT_EQ(leads.related[0].imported, 2);
  EXPECT_EQ(Unresolved(leads, "identities", "contact"), 2);
  EXPECT_THAT(leads.ToText(), HasSubstr("identities.contact: 2 unresolved"));

  ImportSummary accounts = MustImport(ws, Kind::kAccounts, Testdata("sf_accounts.csv"), sf);
  EXPECT_EQ(accounts.imported, 3);
  EXPECT_EQ(ws.Text("SELECT domain FROM accounts WHERE external_id = '001A000001hooliAA'"),
            "hooli.xyz");
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM accounts WHERE owner_id IS NOT NULL"), 3);
  EXPECT_EQ(ws.Int("SELECT created_at FROM accounts WHERE external_id = '001A000001initAAA'"),
            1682935200);

  ImportSummary contacts = MustImport(ws, Kind::kContacts, Testdata("sf_contacts.csv"));
  EXPECT_EQ(contacts.imported, 3);
  // Lead 1's contact arrived; lead 3's (003...cont9) never does.
  EXPECT_EQ(Unresolved(contacts, "identities", "contact"), 1);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM identities i JOIN contacts c ON c.id = i.contact_id "
                   "WHERE i.kind = 'salesforce_lead_id' AND i.value = '00QA000000lead1AA' AND "
                   "c.external_id = '003A000000cont1AA'"),
            1);
  EXPECT_EQ(ws.Count("contacts"), 4);

  MustImport(ws, Kind::kCampaigns, Testdata("sf_campaigns.csv"));
  EXPECT_EQ(ws.Text("SELECT channel FROM campaigns WHERE external_id = '701A000000camp1AA'"),
            "webinar");
  EXPECT_EQ(ws.Int("SELECT actual_cost FROM campaigns WHERE external_id = '701A000000camp1AA'"),
            420075);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM campaigns WHERE parent_id IS NOT NULL"), 2);

  ImportSummary members =
      MustImport(ws, Kind::kCampaignMembers, Testdata("sf_campaign_members.csv"));
  EXPECT_EQ(members.imported, 3);
  EXPECT_EQ(Unresolved(members, "campaign_members", "contact"), 0);
  // The member known by the converted lead's id is the contact.
  EXPECT_EQ(ws.Text("SELECT c.external_id FROM campaign_members m JOIN contacts c ON c.id = "
                    "m.contact_id WHERE m.external_id = '00vA000000mem1AAA'"),
            "003A000000cont1AA");
  EXPECT_EQ(ws.Text("SELECT c.external_id FROM campaign_members m JOIN contacts c ON c.id = "
                    "m.contact_id WHERE m.external_id = '00vA000000mem2AAA'"),
            "00QA000000lead2AA");

  ImportSummary opps = MustImport(ws, Kind::kOpportunities, Testdata("sf_opportunities.csv"));
  EXPECT_EQ(opps.imported, 2);
  EXPECT_EQ(ws.Int("SELECT amount FROM opportunities WHERE external_id = '006A000000opp2AAA'"),
            25000050);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM opportunities WHERE primary_campaign_id IS NOT NULL"), 1);
  ImportSummary roles =
      MustImport(ws, Kind::kOpportunityContacts, Testdata("sf_contact_roles.csv"));
  EXPECT_EQ(roles.imported, 3);
  EXPECT_EQ(ws.Int("SELECT is_primary FROM opportunity_contacts WHERE external_id = "
                   "'006A000000opp1AAA:003A000000cont1AA'"),
            1);
  ImportSummary history =
      MustImport(ws, Kind::kOpportunityHistory, Testdata("sf_opportunity_history.csv"));
  EXPECT_EQ(history.imported, 3);
  EXPECT_EQ(Unresolved(history, "opportunity_history", "opportunity"), 0);
  EXPECT_EQ(Unresolved(history, "opportunity_contacts", "contact"), 0);

  // Importing the leads again after their contacts changes nothing.
  const auto before = ws.Counts();
  ImportSummary again = MustImport(ws, Kind::kContacts, Testdata("sf_leads.csv"));
  EXPECT_EQ(again.imported, 0);
  EXPECT_EQ(again.updated, 0);
  EXPECT_EQ(again.unchanged, 1);
  auto after = ws.Counts();
  after["audit_log"]--;
  EXPECT_EQ(before, after);
}

// --- Identity and idempotence ----------------------------------------------

TEST(Import, SameFileTwiceChangesNoCount) {
  TempWorkspace ws;
  MustImport(ws, Kind::kAccounts, Testdata("hubspot_companies.csv"));
  MustImport(ws, Kind::kContacts, Testdata("hubspot_contacts.csv"));
  MustImport(ws, Kind::kOpportunities, Testdata("hubspot_deals.csv"));
  const auto before = ws.Counts();
  ImportSummary again = MustImport(ws, Kind::kContacts, Testdata("hubspot_contacts.csv"));
  EXPECT_EQ(again.imported, 0);
  EXPECT_EQ(again.updated, 0);
  EXPECT_EQ(again.unchanged, 4);
  ImportSummary deals = MustImport(ws, Kind::kOpportunities, Testdata("hubspot_deals.csv"));
  EXPECT_EQ(deals.updated, 0);
  EXPECT_EQ(deals.unchanged, 3);
  ASSERT_EQ(deals.related.size(), 1u);
  EXPECT_EQ(deals.related[0].imported, 0);
  auto after = ws.Counts();
  EXPECT_EQ(after["audit_log"], before.at("audit_log") + 2);
  after["audit_log"] = before.at("audit_log");
  EXPECT_EQ(before, after);
}

TEST(Import, ChangedFieldsUpdateAndAbsentColumnsStay) {
  TempWorkspace ws;
  MustImportText(ws, Kind::kContacts,
                 "external_id,email,phone,title\n"
                 "c1,a@x.com,555-1,CEO\n"
                 "c2,b@x.com,555-2,CTO\n");
  // A later export without the phone column, one changed title, one new row.
  ImportSummary s = MustImportText(ws, Kind::kContacts,
                                   "external_id,email,title\n"
                                   "c1,a@x.com,Founder\n"
                                   "c3,c@x.com,\n");
  EXPECT_EQ(s.imported, 1);
  EXPECT_EQ(s.updated, 1);
  EXPECT_EQ(ws.Text("SELECT title FROM contacts WHERE external_id = 'c1'"), "Founder");
  EXPECT_EQ(ws.Text("SELECT phone FROM contacts WHERE external_id = 'c1'"), "555-1");
  EXPECT_EQ(ws.Text("SELECT phone FROM contacts WHERE external_id = 'c2'"), "555-2");
  EXPECT_EQ(ws.Count("contacts"), 3);
  // A present but empty cell clears the field: the export says it is empty now.
  MustImportText(ws, Kind::kContacts, "external_id,title\nc2,\n");
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM contacts WHERE external_id = 'c2' AND title IS NULL"), 1);
}

TEST(Import, SameIdInAnotherSourceIsAnotherRecord) {
  TempWorkspace ws;
  MustImportText(ws, Kind::kContacts, "external_id,email\n1,a@x.com\n");
  ImportOptions other;
  other.source_system = "marketo";
  ImportSummary s = MustImportText(ws, Kind::kContacts, "external_id,email\n1,b@x.com\n", other);
  EXPECT_EQ(s.imported, 1);
  EXPECT_EQ(ws.Count("contacts"), 2);
}

TEST(Import, DuplicateKeysInOneFileLastWins) {
  TempWorkspace ws;
  ImportSummary s =
      MustImportText(ws, Kind::kContacts, "external_id,title\nc1,First\nc2,Other\nc1,Second\n");
  EXPECT_EQ(s.imported, 2);
  EXPECT_EQ(s.duplicates, 1);
  EXPECT_THAT(s.duplicate_lines, ::testing::ElementsAre(4));
  EXPECT_THAT(s.ToText(), HasSubstr("duplicates: 1 row"));
  EXPECT_EQ(ws.Text("SELECT title FROM contacts WHERE external_id = 'c1'"), "Second");

  // The counts say what the import leaves in the workspace. The same file
  // again: c1's first row differs from the stored one, but its last row
  // restores it, so nothing was updated.
  ImportSummary again =
      MustImportText(ws, Kind::kContacts, "external_id,title\nc1,First\nc2,Other\nc1,Second\n");
  EXPECT_EQ(again.imported, 0);
  EXPECT_EQ(again.updated, 0);
  EXPECT_EQ(again.unchanged, 2);
  EXPECT_EQ(again.duplicates, 1);
  EXPECT_EQ(ws.Text("SELECT title FROM contacts WHERE external_id = 'c1'"), "Second");
  // A first row equal to the stored one and a later one that changes it: updated.
  ImportSummary changed =
      MustImportText(ws, Kind::kContacts, "external_id,title\nc1,Second\nc2,Other\nc1,Third\n");
  EXPECT_EQ(changed.updated, 1);
  EXPECT_EQ(changed.unchanged, 1);
  EXPECT_EQ(ws.Text("SELECT title FROM contacts WHERE external_id = 'c1'"), "Third");
  // Three rows of one key: changed, restored, changed again.
  ImportSummary thrice =
      MustImportText(ws, Kind::kContacts, "external_id,title\nc1,Fourth\nc1,Third\nc1,Fifth\n");
  EXPECT_EQ(thrice.updated, 1);
  EXPECT_EQ(thrice.unchanged, 0);
  EXPECT_EQ(thrice.duplicates, 2);
  EXPECT_EQ(thrice.rows, thrice.imported + thrice.updated + thrice.unchanged + thrice.duplicates);
  EXPECT_EQ(ws.Text("SELECT title FROM contacts WHERE external_id = 'c1'"), "Fifth");
}

TEST(Import, RowSourceColumn) {
  TempWorkspace ws;
  ImportSummary s = MustImportText(ws, Kind::kAccounts,
                                   "external_id,name,source_system\n"
                                   "1,A,hubspot\n1,B,salesforce\n2,C,\n");
  EXPECT_EQ(s.imported, 3);
  EXPECT_EQ(ws.Text("SELECT name FROM accounts WHERE source_system = 'salesforce'"), "B");
  EXPECT_EQ(ws.Text("SELECT source_system FROM accounts WHERE external_id = '2'"), "csv");
  ImportSummary again =
      MustImportText(ws, Kind::kAccounts, "external_id,name,source_system\n1,A2,hubspot\n");
  EXPECT_EQ(again.updated, 1);
  EXPECT_EQ(again.imported, 0);
}

// --- References ------------------------------------------------------------

TEST(Import, TouchpointsResolveContactsByIdOrEmailAndFillAccounts) {
  TempWorkspace ws;
  const std::string touches =
      "external_id,contact_id,email,occurred_at,type,utm_source,utm_medium,utm_campaign,"
      "referrer\n"
      "t1,c1,,2024-01-01T10:00:00Z,page_view,google,cpc,spring,\n"
      "t2,,ANA@Acme.com,2024-01-02T10:00:00Z,form_submit,,,,https://www.bing.com/\n"
      "t3,,,2024-01-03T10:00:00Z,webinar_attended,,,,\n";
  ImportSummary s = MustImportText(ws, Kind::kTouchpoints, touches);
  EXPECT_EQ(s.imported, 3);
  EXPECT_EQ(Unresolved(s, "touchpoints", "contact"), 2);
  EXPECT_EQ(ws.Text("SELECT channel FROM touchpoints WHERE external_id = 't1'"), "paid_search");
  EXPECT_EQ(ws.Text("SELECT channel FROM touchpoints WHERE external_id = 't2'"), "organic_search");
  EXPECT_EQ(ws.Text("SELECT channel FROM touchpoints WHERE external_id = 't3'"), "webinar");

  MustImportText(ws, Kind::kAccounts, "external_id,name\na1,Acme\n");
  ImportSummary contacts = MustImportText(ws, Kind::kContacts,
                                          "external_id,email,account_id\nc1,x@y.com,a1\nc2,"
                                          "ana@acme.com,a1\n");
  EXPECT_EQ(Unresolved(contacts, "touchpoints", "contact"), 0);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM touchpoints WHERE account_id IS NOT NULL"), 2);
  EXPECT_EQ(ws.Text("SELECT c.external_id FROM touchpoints t JOIN contacts c ON c.id = "
                    "t.contact_id WHERE t.external_id = 't2'"),
            "c2");

  // Campaigns by utm_campaign when the touch names no campaign id.
  MustImportText(ws, Kind::kCampaigns, "external_id,name,utm_campaign\ncmp1,Spring,spring\n");
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM touchpoints t JOIN campaigns c ON c.id = "
                   "t.campaign_id WHERE t.external_id = 't1'"),
            1);
}

TEST(Import, ResolveReferencesReportsWhatIsLeft) {
  TempWorkspace ws;
  MustImportText(ws, Kind::kOpportunities,
                 "external_id,account_id,owner_id,primary_campaign_id\no1,a1,Nobody,cmp9\n");
  auto left = ResolveReferences(ws.db());
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 3u);
  EXPECT_EQ((*left)[0].table, "opportunities");
}

// --- Rejects ----------------------------------------------------------------

TEST(Import, RejectsFileHasLineColumnFieldValueReason) {
  TempWorkspace ws;
  const std::string path = ws.WriteFile("deals.csv",
                                        "external_id,name,amount,close_date,is_won\n"
                                        "o1,Good,100,2024-01-01,false\n"
                                        "o2,Bad amount,1O0,2024-01-01,false\n"
                                        "o3,\"=HYPERLINK(\"\"x\"\")\",100,yesterday,perhaps\n"
                                        ",No key,5,2024-01-01,true\n");
  ImportSummary s = MustImport(ws, Kind::kOpportunities, path);
  EXPECT_EQ(s.imported, 1);
  EXPECT_EQ(s.rejected, 3);
  EXPECT_THAT(s.ToText(), StartsWith("imported 1, updated 0, unchanged 0, rejected 3\n"));
  EXPECT_EQ(s.rejects_path, path + ".rejects.csv");
  EXPECT_THAT(s.ToText(), HasSubstr("rejects: " + path + ".rejects.csv"));
  EXPECT_EQ(ws.Count("opportunities"), 1);

  const std::string rejects = ReadText(path + ".rejects.csv");
  core::CsvReader reader(rejects, {});
  std::vector<std::string_view> row;
  ASSERT_TRUE(*reader.Next(row));
  EXPECT_THAT(row, ::testing::ElementsAre("line", "column", "field", "value", "reason"));
  std::vector<std::vector<std::string>> rows;
  while (*reader.Next(row)) rows.emplace_back(row.begin(), row.end());
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0][0], "3");
  EXPECT_EQ(rows[0][1], "3");
  EXPECT_EQ(rows[0][2], "amount");
  EXPECT_EQ(rows[0][3], "1O0");
  EXPECT_THAT(rows[0][4], HasSubstr("1O0"));
  EXPECT_EQ(rows[1][0], "4");
  EXPECT_EQ(rows[1][2], "close_date");
  EXPECT_EQ(rows[2][2], "is_won");
  EXPECT_EQ(rows[3][0], "5");
  EXPECT_EQ(rows[3][1], "1");
  EXPECT_EQ(rows[3][4], "missing external_id");

  // A clean run removes the stale rejects file.
  ws.WriteFile("deals.csv", "external_id,name\no1,Good\n");
  MustImport(ws, Kind::kOpportunities, path);
  EXPECT_FALSE(std::filesystem::exists(path + ".rejects.csv"));
}

TEST(Import, RejectsFileNeutralizesFormulas) {
  TempWorkspace ws;
  const std::string path = ws.WriteFile("c.csv", "external_id,created_at\nc1,=cmd|' /C calc'!A0\n");
  ImportSummary s = MustImport(ws, Kind::kContacts, path);
  EXPECT_EQ(s.rejected, 1);
  const std::string rejects = ReadText(path + ".rejects.csv");
  EXPECT_THAT(rejects, HasSubstr("'=cmd"));
  EXPECT_THAT(rejects, ::testing::Not(HasSubstr(",=cmd")));
}

TEST(Import, StrictAbortsOnFirstRejectAndWritesNothing) {
  TempWorkspace ws;
  MustImportText(ws, Kind::kUsers, "external_id,name\nu1,Jane\n");
  const auto before = ws.Counts();
  const std::string path = ws.WriteFile("c.csv",
                                        "external_id,email,created_at\n"
                                        "c1,a@x.com,2024-01-01\n"
                                        "c2,b@x.com,2024-13-45\n"
                                        "c3,c@x.com,2024-01-03\n");
  ImportOptions strict;
  strict.strict = true;
  auto s = ImportFile(ws.db(), Kind::kContacts, path, strict);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().file, path);
  EXPECT_EQ(s.error().line, 3);
  EXPECT_EQ(s.error().column, 3);
  EXPECT_EQ(s.error().field, "created_at");
  EXPECT_THAT(s.error().ToString(), HasSubstr(path + ":3:3:"));
  EXPECT_THAT(s.error().message, HasSubstr("nothing was imported"));
  EXPECT_EQ(ws.Counts(), before);
  EXPECT_FALSE(std::filesystem::exists(path + ".rejects.csv"));
}

// --- Files that cannot be imported at all ----------------------------------

struct BadFile {
  std::string name;
  std::string content;
  int64_t line;
  std::string message;
};

TEST(Import, UnparseableFilesChangeNothing) {
  const std::vector<BadFile> cases = {
      {"unclosed.csv", "external_id,email\nc1,a@x.com\nc2,\"b@x.com\nc3,c@x.com\n", 3,
       "unclosed quoted field"},
      {"utf8.csv", "external_id,email\nc1,a@x.com\nc2,b\xff@x.com\n", 3, "invalid UTF-8"},
      {"width.csv", "external_id,email\nc1,a@x.com\nc2,b@x.com,extra\n", 3,
       "expected 2 fields, found 3"},
      {"empty.csv", "", 1, "empty file"},
      {"blank.csv", "\xEF\xBB\xBF\r\n  \n", 1, "empty file"},
      {"nokey.csv", "email,first_name\na@x.com,A\n", 1, "missing key column"},
      // Below a report's title lines, errors keep the file's line numbers.
      {"title_unclosed.csv",
       "\"Report\"\n\nexternal_id,email\nc1,a@x.com\nc2,\"b@x.com\nc3,c@x.com\n", 5,
       "unclosed quoted field"},
      {"title_width.csv", "Report title\nexternal_id,email\nc1,a@x.com,extra\n", 3,
       "expected 2 fields, found 3"},
      {"title_nokey.csv", "My report\nemail,first_name\na@x.com,A\n", 1, "missing key column"},
  };
  for (const BadFile& bad : cases) {
    SCOPED_TRACE(bad.name);
    TempWorkspace ws;
    MustImportText(ws, Kind::kContacts, "external_id,email\nc0,zero@x.com\n");
    const auto before = ws.Counts();
    const std::string path = ws.WriteFile(bad.name, bad.content);
    auto s = ImportFile(ws.db(), Kind::kContacts, path, {});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().file, path);
    EXPECT_EQ(s.error().line, bad.line);
    EXPECT_THAT(s.error().message, HasSubstr(bad.message));
    EXPECT_THAT(s.error().ToString(), HasSubstr(bad.name + ":" + std::to_string(bad.line)));
    EXPECT_EQ(ws.Counts(), before);
    EXPECT_FALSE(std::filesystem::exists(path + ".rejects.csv"));
  }
}

TEST(Import, ErrorsLateInABigFileStillChangeNothing) {
  // Past several batches of the parsing thread, so rows were being written
  // when the error came.
  std::string csv = "external_id,email,created_at\n";
  for (int i = 0; i < 5000; ++i) csv += "c" + std::to_string(i) + ",x@y.z,2024-01-01\n";
  const std::string good = csv;
  csv += "bad,\"unclosed,2024-01-01\n";
  for (int i = 0; i < 100; ++i) csv += "d" + std::to_string(i) + ",x@y.z,2024-01-01\n";

  TempWorkspace ws;
  MustImportText(ws, Kind::kUsers, "external_id,name\nu1,Jane\n");
  const auto before = ws.Counts();
  auto s = ImportCsvText(ws.db(), Kind::kContacts, "big.csv", csv, {});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().line, 5002);
  EXPECT_THAT(s.error().message, HasSubstr("unclosed quoted field"));
  EXPECT_EQ(ws.Counts(), before);

  ImportOptions strict;
  strict.strict = true;
  auto s2 =
      ImportCsvText(ws.db(), Kind::kContacts, "big.csv", good + "late,x@y.z,not a date\n", strict);
  ASSERT_FALSE(s2);
  EXPECT_EQ(s2.error().line, 5002);
  EXPECT_EQ(ws.Counts(), before);

  // And the same file without the bad line imports whole.
  ImportSummary ok = MustImportText(ws, Kind::kContacts, good);
  EXPECT_EQ(ok.imported, 5000);
}

// The indexes (name and definition) of `table`, whichever backend.
std::vector<std::string> IndexDefinitions(TempWorkspace& ws, const std::string& table) {
  const bool sqlite = ws.db().dialect() == store::Dialect::kSqlite;
  auto rows = ws.db().Query(
      sqlite ? "SELECT name || ': ' || COALESCE(sql, '') FROM sqlite_master WHERE type = "
               "'index' AND tbl_name = ? ORDER BY name"
             : "SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE tablename = ? AND "
               "schemaname = current_schema() ORDER BY indexname",
      std::vector<store::Value>{table});
  EXPECT_TRUE(rows) << rows.error().ToString();
  std::vector<std::string> out;
  if (rows) {
    for (const auto& r : rows->rows) out.push_back(store::AsText(r[0]));
  }
  return out;
}

// A Salesforce Contact export of `n` rows, each with a lead source and a
// creation date (so each also gives a "created" touch).
std::string SalesforceContacts(int n) {
  std::string csv =
      "\"Id\",\"FirstName\",\"LastName\",\"Email\",\"LeadSource\",\"CreatedDate\"\r\n";
  for (int i = 0; i < n; ++i) {
    csv += fmt::format(
        "\"0035g{:010}\",\"Ana\",\"Silva {}\",\"ana.silva{}@example.com\",\"{}\","
        "\"2024-{:02}-{:02}T09:30:00.000Z\"\r\n",
        i, i, i, i % 3 == 0 ? "Web" : "Trade Show", i % 12 + 1, i % 28 + 1);
  }
  return csv;
}

// The triggers on contacts and touchpoints (SQLite; none are deferred on
// PostgreSQL).
std::vector<std::string> TriggerDefinitions(TempWorkspace& ws) {
  if (ws.db().dialect() != store::Dialect::kSqlite) return {};
  auto rows = ws.db().Query(
      "SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
      "('contacts', 'touchpoints') ORDER BY name");
  EXPECT_TRUE(rows) << rows.error().ToString();
  std::vector<std::string> out;
  if (rows) {
    for (const auto& r : rows->rows) out.push_back(store::AsText(r[0]));
  }
  return out;
}

std::vector<int64_t> Ints(TempWorkspace& ws, const std::string& sql) {
  auto rows = ws.db().Query(sql);
  EXPECT_TRUE(rows) << rows.error().ToString();
  std::vector<int64_t> out;
  if (rows) {
    for (const auto& r : rows->rows) out.push_back(store::AsInt(r[0]));
  }
  return out;
}

TEST(Import, LargeFirstImportBuildsIndexesOnceAndKeepsThem) {
  // More rows than the table holds and than internal::kMinDeferredRows: the
  // secondary indexes of contacts and touchpoints are dropped for the writes
  // and built again in the same transaction.
  constexpr int kRows = 25000;
  const std::string csv = SalesforceContacts(kRows);
  TempWorkspace ws;
  const auto contact_indexes = IndexDefinitions(ws, "contacts");
  const auto touch_indexes = IndexDefinitions(ws, "touchpoints");
  const auto triggers = TriggerDefinitions(ws);
  ASSERT_GE(contact_indexes.size(), 3u);
  ASSERT_GE(touch_indexes.size(), 3u);
  ImportOptions sf;
  sf.preset = Preset::kSalesforce;

  // A reject under --strict on the last line: nothing changes, indexes included.
  ImportOptions strict = sf;
  strict.strict = true;
  const auto before = ws.Counts();
  auto failed =
      ImportCsvText(ws.db(), Kind::kContacts, "contacts.csv",
                    csv + "\"0035g9999999999\",\"A\",\"B\",\"a@b.c\",\"Web\",\"soon\"\r\n", strict);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().line, kRows + 2);
  EXPECT_EQ(ws.Counts(), before);
  EXPECT_EQ(IndexDefinitions(ws, "contacts"), contact_indexes);
  EXPECT_EQ(IndexDefinitions(ws, "touchpoints"), touch_indexes);
  EXPECT_EQ(TriggerDefinitions(ws), triggers);

  ImportSummary s = MustImportText(ws, Kind::kContacts, csv, sf);
  EXPECT_EQ(s.imported, kRows);
  EXPECT_EQ(IndexDefinitions(ws, "contacts"), contact_indexes);
  EXPECT_EQ(IndexDefinitions(ws, "touchpoints"), touch_indexes);
  EXPECT_EQ(TriggerDefinitions(ws), triggers);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM contacts"), kRows);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM contacts WHERE email = 'ana.silva24999@example.com'"), 1);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM touchpoints WHERE type = 'created'"), kRows);
  // Every touch is counted once in the weekly rollup, in its week and channel.
  EXPECT_EQ(ws.Int("SELECT SUM(touchpoints) FROM touchpoint_weeks"), kRows);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM (SELECT (CASE WHEN occurred_at >= -259200 THEN "
                   "(occurred_at + 259200) / 604800 ELSE -((-259200 - occurred_at + 604799) / "
                   "604800) END) AS w, COALESCE(channel, '') AS c, COUNT(*) AS n FROM touchpoints "
                   "GROUP BY w, c) t LEFT JOIN touchpoint_weeks k ON k.week = t.w AND k.channel = "
                   "t.c WHERE k.touchpoints IS NULL OR k.touchpoints <> t.n"),
            0);
  EXPECT_GE(ws.Int("SELECT COUNT(*) FROM touchpoint_weeks WHERE touchpoints > 0"), 12);
  if (ws.db().dialect() == store::Dialect::kSqlite) {
    EXPECT_EQ(ws.Text("PRAGMA integrity_check"), "ok");
    const bool deferred = std::any_of(s.phases.begin(), s.phases.end(), [](const ImportPhase& p) {
      return p.name == "create the deferred indexes";
    });
    EXPECT_TRUE(deferred) << "the contacts indexes were not deferred";
    const bool replayed = std::any_of(s.phases.begin(), s.phases.end(), [](const ImportPhase& p) {
      return p.name == "apply the deferred insert triggers";
    });
    EXPECT_TRUE(replayed) << "the contacts insert trigger was not deferred";
    EXPECT_GE(triggers.size(), 4u);
  }

  // The same file again: nothing to write, nothing dropped.
  ImportSummary again = MustImportText(ws, Kind::kContacts, csv, sf);
  EXPECT_EQ(again.unchanged, kRows);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM touchpoints"), kRows);
  EXPECT_EQ(ws.Int("SELECT SUM(touchpoints) FROM touchpoint_weeks"), kRows);
  EXPECT_EQ(IndexDefinitions(ws, "contacts"), contact_indexes);
  EXPECT_EQ(IndexDefinitions(ws, "touchpoints"), touch_indexes);
}

// The leads touch cache logs every contact a write adds and every touch up
// to its `pending` mark (migration 28's triggers). A large first import
// drops those triggers for its writes and logs the same rows in one
// statement each: the log must be what the triggers would have written.
TEST(Import, LargeFirstImportLogsWhatTheTouchCacheTriggersWould) {
  constexpr int kRows = 25000;
  TempWorkspace ws;
  if (ws.db().dialect() != store::Dialect::kSqlite) GTEST_SKIP() << "SQLite's touch cache";
  // A rescore reading up to a mark above every new touch: each is logged.
  ASSERT_TRUE(
      ws.db().Execute("INSERT INTO lead_touch_cache_state (id, stamp, hwm, pending) "
                      "VALUES (1, 'test', 0, 1000000000)"));
  const auto triggers = TriggerDefinitions(ws);
  ImportOptions sf;
  sf.preset = Preset::kSalesforce;
  ImportSummary s = MustImportText(ws, Kind::kContacts, SalesforceContacts(kRows), sf);
  EXPECT_EQ(s.imported, kRows);
  EXPECT_EQ(TriggerDefinitions(ws), triggers);
  const std::vector<int64_t> logged =
      Ints(ws, "SELECT contact_id FROM lead_touch_changes ORDER BY contact_id");
  const std::vector<int64_t> expected =
      Ints(ws,
           "SELECT id FROM (SELECT id FROM contacts UNION ALL SELECT contact_id FROM touchpoints "
           "WHERE contact_id IS NOT NULL) ORDER BY id");
  EXPECT_EQ(logged.size(), 2u * kRows);
  EXPECT_EQ(logged, expected);

  // Without a state row nothing is logged, as with the triggers.
  TempWorkspace cold;
  MustImportText(cold, Kind::kContacts, SalesforceContacts(kRows), sf);
  EXPECT_EQ(cold.Int("SELECT COUNT(*) FROM lead_touch_changes"), 0);
  // Below the mark only: a mark under every new touch logs the contacts alone.
  TempWorkspace marked;
  ASSERT_TRUE(
      marked.db().Execute("INSERT INTO lead_touch_cache_state (id, stamp, hwm, pending) "
                          "VALUES (1, 'test', 0, 0)"));
  MustImportText(marked, Kind::kContacts, SalesforceContacts(kRows), sf);
  EXPECT_EQ(marked.Int("SELECT COUNT(*) FROM lead_touch_changes"), kRows);
}

TEST(Import, UnknownKindPresetAndMissingFile) {
  auto kind = ParseKind("widgets");
  ASSERT_FALSE(kind);
  EXPECT_THAT(kind.error().message, HasSubstr("unknown kind 'widgets'"));
  auto preset = ParsePreset("marketo");
  ASSERT_FALSE(preset);
  EXPECT_THAT(preset.error().message, HasSubstr("unknown preset 'marketo'"));

  TempWorkspace ws;
  auto missing = ImportFile(ws.db(), Kind::kContacts, ws.Path("nope.csv"), {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().file, ws.Path("nope.csv"));
  EXPECT_EQ(ws.Count("audit_log"), 0);
}

// --- Formats -----------------------------------------------------------------

TEST(Import, SemicolonsBomCrlfAndDateFormats) {
  TempWorkspace ws;
  ImportOptions dmy;
  dmy.date_format = core::DateFormat::kDmy;
  dmy.date_format_set = true;
  ImportSummary s = MustImportText(ws, Kind::kContacts,
                                   "\xEF\xBB\xBF"
                                   "external_id;email;created_at\r\n"
                                   "c1;a@x.com;31/01/2024\r\n"
                                   "c2;b@x.com;01.02.2024 13:45\r\n",
                                   dmy);
  EXPECT_EQ(s.delimiter, ';');
  EXPECT_EQ(s.imported, 2);
  EXPECT_EQ(ws.Int("SELECT created_at FROM contacts WHERE external_id = 'c1'"), 1706659200);
  EXPECT_EQ(ws.Int("SELECT created_at FROM contacts WHERE external_id = 'c2'"),
            1706659200 + 86400 + 13 * 3600 + 45 * 60);
}

TEST(Import, MappingFile) {
  TempWorkspace ws;
  ImportOptions options;
  options.mapping_path = Testdata("marketo_mapping.yaml");
  ImportSummary s = MustImport(ws, Kind::kContacts, Testdata("marketo_leads.csv"), options);
  EXPECT_EQ(s.preset, Preset::kMapping);
  EXPECT_EQ(s.source_system, "marketo");
  EXPECT_EQ(s.imported, 2);
  EXPECT_TRUE(s.unmapped_columns.empty());
  EXPECT_EQ(ws.Int("SELECT created_at FROM contacts WHERE external_id = 'M-1'"), 1706659200);
  EXPECT_EQ(ws.Text("SELECT company_name FROM contacts WHERE external_id = 'M-2'"), "Bar Ltd");

  ImportOptions wrong_kind = options;
  auto s2 = ImportFile(ws.db(), Kind::kAccounts, Testdata("marketo_leads.csv"), wrong_kind);
  ASSERT_FALSE(s2);
  EXPECT_THAT(s2.error().ToString(), HasSubstr("marketo_mapping.yaml"));
}

TEST(Import, LifecycleHistoryFile) {
  TempWorkspace ws;
  MustImportText(ws, Kind::kContacts, "external_id,email\nc1,a@x.com\n");
  ImportSummary s = MustImportText(ws, Kind::kLifecycleHistory,
                                   "contact_id,stage,entered_at\n"
                                   "c1,lead,2024-01-01\n"
                                   "c1,Marketing Qualified Lead,2024-01-05\n"
                                   "c9,lead,2024-01-01\n"
                                   "c1,,2024-01-07\n");
  EXPECT_EQ(s.imported, 3);
  EXPECT_EQ(s.rejected, 1);
  ASSERT_EQ(s.rejects.size(), 1u);
  EXPECT_EQ(s.rejects[0].reason, "missing stage");
  EXPECT_EQ(s.rejects[0].line, 5);
  // c9 is not in the workspace: its row waits for it.
  EXPECT_EQ(Unresolved(s, "lifecycle_history", "contact"), 1);
  EXPECT_THAT(s.ToText(), HasSubstr("lifecycle_history.contact: 1 unresolved"));
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM lifecycle_history WHERE stage = 'mql'"), 1);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM lifecycle_history WHERE contact_id IS NULL AND "
                   "source_system = 'csv' AND contact_ref = 'c9'"),
            1);
  ImportSummary again = MustImportText(ws, Kind::kLifecycleHistory,
                                       "contact_id,stage,entered_at\nc1,lead,2024-01-01\n"
                                       "c9,lead,2024-01-01\n");
  EXPECT_EQ(again.imported, 0);
  EXPECT_EQ(again.updated, 2);
  EXPECT_EQ(ws.Count("lifecycle_history"), 3);
}

TEST(Import, LifecycleHistoryBeforeContactsResolvesWhenTheyArrive) {
  TempWorkspace ws;
  const std::string history =
      "contact_id,stage,entered_at\n"
      "c1,lead,2024-01-01\n"
      "c1,mql,2024-01-05\n"
      "c2,lead,2024-01-02\n"
      "c3,lead,2024-01-03\n"
      "c1,lead,2024-01-01\n";
  ImportSummary s = MustImportText(ws, Kind::kLifecycleHistory, history);
  EXPECT_EQ(s.rows, 5);
  EXPECT_EQ(s.imported, 4);
  EXPECT_EQ(s.duplicates, 1);
  EXPECT_EQ(s.rejected, 0);
  EXPECT_EQ(Unresolved(s, "lifecycle_history", "contact"), 4);

  // Importing the same file again while the rows are parked adds nothing.
  const auto before = ws.Counts();
  ImportSummary again = MustImportText(ws, Kind::kLifecycleHistory, history);
  EXPECT_EQ(again.imported, 0);
  EXPECT_EQ(again.updated, 4);
  auto after = ws.Counts();
  after["audit_log"]--;
  EXPECT_EQ(before, after);

  // The same contact ids from another source are other people.
  ImportOptions other;
  other.source_system = "marketo";
  MustImportText(ws, Kind::kContacts, "external_id,email\nc1,m@x.com\n", other);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM lifecycle_history WHERE contact_id IS NULL"), 4);

  ImportSummary contacts =
      MustImportText(ws, Kind::kContacts, "external_id,email\nc1,a@x.com\nc2,b@x.com\n");
  EXPECT_EQ(Unresolved(contacts, "lifecycle_history", "contact"), 1);
  EXPECT_THAT(contacts.ToText(), HasSubstr("lifecycle_history.contact: 1 unresolved"));
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM lifecycle_history h JOIN contacts c ON c.id = "
                   "h.contact_id WHERE c.external_id = 'c1' AND c.source_system = 'csv'"),
            2);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM lifecycle_history h JOIN contacts c ON c.id = "
                   "h.contact_id WHERE c.external_id = 'c2'"),
            1);

  // Resolved rows are not written twice either.
  ImportSummary third = MustImportText(ws, Kind::kLifecycleHistory, history);
  EXPECT_EQ(third.imported, 0);
  EXPECT_EQ(third.updated, 4);
  EXPECT_EQ(ws.Count("lifecycle_history"), 4);

  auto left = ResolveReferences(ws.db());
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].table, "lifecycle_history");
  EXPECT_EQ((*left)[0].count, 1);

  // The export carries the reference of the parked row, and re-imports.
  const std::string path = ws.Path("history.csv");
  auto exported = ExportTable(ws.db(), Kind::kLifecycleHistory, path, {});
  ASSERT_TRUE(exported) << exported.error().ToString();
  EXPECT_EQ(exported->rows, 4);
  EXPECT_THAT(ReadText(path), HasSubstr("c3,lead,2024-01-03T00:00:00Z,csv"));
  ImportSummary round = MustImport(ws, Kind::kLifecycleHistory, path);
  EXPECT_EQ(round.imported, 0);
  EXPECT_EQ(round.updated, 4);
}

TEST(Import, LifecycleRowsNamingOneContactTwiceKeepOne) {
  TempWorkspace ws;
  ImportOptions sf;
  sf.source_system = "salesforce";
  // By the contact id and by the id of the lead converted into it, before
  // either is known; and a row that a later resolved row will duplicate.
  MustImportText(ws, Kind::kLifecycleHistory,
                 "contact_id,stage,entered_at\n"
                 "003c1,lead,2024-01-01\n"
                 "00Qlead1,lead,2024-01-01\n"
                 "00Qlead1,mql,2024-01-05\n",
                 sf);
  EXPECT_EQ(ws.Count("lifecycle_history"), 3);
  MustImportText(ws, Kind::kContacts,
                 "Id,LastName,IsConverted,ConvertedContactId\n00Qlead1,Gibbons,true,003c1\n", sf);
  ImportSummary contacts = MustImportText(ws, Kind::kContacts, "Id,LastName\n003c1,Gibbons\n", sf);
  EXPECT_TRUE(contacts.unresolved.empty()) << contacts.ToText();
  EXPECT_EQ(ws.Count("lifecycle_history"), 2);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM lifecycle_history h JOIN contacts c ON c.id = "
                   "h.contact_id WHERE c.external_id = '003c1'"),
            2);

  // A parked row whose contact already has that entry goes when it resolves.
  MustImportText(ws, Kind::kLifecycleHistory,
                 "contact_id,stage,entered_at\n00Qlead2,mql,2024-01-05\n", sf);
  EXPECT_EQ(ws.Count("lifecycle_history"), 3);
  ImportSummary lead2 = MustImportText(
      ws, Kind::kContacts,
      "Id,LastName,IsConverted,ConvertedContactId\n00Qlead2,Gibbons,true,003c1\n", sf);
  EXPECT_TRUE(lead2.unresolved.empty()) << lead2.ToText();
  EXPECT_EQ(ws.Count("lifecycle_history"), 2);
}

TEST(Import, ConvertedLeadBeforeItsContact) {
  TempWorkspace ws;
  ImportOptions sf;
  sf.preset = Preset::kSalesforce;
  MustImportText(ws, Kind::kCampaigns, "Id,Name\n701c1,Webinar\n", sf);
  ImportSummary members = MustImportText(
      ws, Kind::kCampaignMembers, "Id,CampaignId,LeadId,ContactId\n00v1,701c1,00Qlead1,\n", sf);
  EXPECT_EQ(Unresolved(members, "campaign_members", "contact"), 1);
  const std::string leads =
      "Id,LastName,IsConverted,ConvertedContactId\n00Qlead1,Gibbons,true,003c1\n";
  ImportSummary s = MustImportText(ws, Kind::kContacts, leads, sf);
  EXPECT_EQ(s.imported, 0);
  ASSERT_EQ(s.related.size(), 1u);
  EXPECT_EQ(s.related[0].table, "identities");
  EXPECT_EQ(s.related[0].imported, 1);
  EXPECT_EQ(Unresolved(s, "identities", "contact"), 1);
  EXPECT_EQ(ws.Count("contacts"), 0);
  // The lead waits as an identity with a reference to its contact.
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM identities WHERE kind = 'salesforce_lead_id' AND value "
                   "= '00Qlead1' AND source_system = 'salesforce' AND contact_ref = '003c1' AND "
                   "contact_id IS NULL"),
            1);
  EXPECT_EQ(ws.Count("identities"), 1);

  // Again: nothing new.
  ImportSummary again = MustImportText(ws, Kind::kContacts, leads, sf);
  ASSERT_EQ(again.related.size(), 1u);
  EXPECT_EQ(again.related[0].imported, 0);
  EXPECT_EQ(again.related[0].updated, 1);
  EXPECT_EQ(ws.Count("identities"), 1);

  // A contact with that id in another source is someone else.
  ImportOptions hubspot;
  hubspot.source_system = "hubspot";
  MustImportText(ws, Kind::kContacts, "external_id,email\n003c1,h@x.com\n", hubspot);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM identities WHERE contact_id IS NULL"), 1);

  // The contact arrives: the identity, and the member named by the lead id,
  // resolve to it.
  ImportSummary contact = MustImportText(ws, Kind::kContacts, "Id,LastName\n003c1,Gibbons\n", sf);
  EXPECT_TRUE(contact.unresolved.empty()) << contact.ToText();
  EXPECT_EQ(ws.Text("SELECT c.source_system FROM identities i JOIN contacts c ON c.id = "
                    "i.contact_id WHERE i.value = '00Qlead1'"),
            "salesforce");
  EXPECT_EQ(ws.Text("SELECT c.external_id FROM campaign_members m JOIN contacts c ON c.id = "
                    "m.contact_id WHERE m.external_id = '00v1' AND c.source_system = 'salesforce'"),
            "003c1");
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM identities WHERE kind <> 'salesforce_lead_id'"), 0);
}

TEST(Import, AuditLogHasOneRowPerImport) {
  TempWorkspace ws;
  MustImportText(ws, Kind::kContacts, "external_id,email\nc1,a@x.com\nc2,b@x.com\n");
  EXPECT_EQ(ws.Count("audit_log"), 1);
  EXPECT_EQ(ws.Text("SELECT action FROM audit_log"), "import");
  EXPECT_EQ(ws.Text("SELECT entity FROM audit_log"), "contacts");
  const auto after = nlohmann::json::parse(ws.Text("SELECT after FROM audit_log"));
  EXPECT_EQ(after["imported"], 2);
  EXPECT_EQ(after["kind"], "contacts");
}

// Found by ingest_fuzz: the total counted LF only, while the reader (and
// the progress it reports) also takes a lone CR as a line end, so progress
// went past the total on old spreadsheet exports.
TEST(Import, ProgressCountsLinesLikeTheReader) {
  for (Kind kind : {Kind::kContacts, Kind::kLifecycleHistory}) {
    SCOPED_TRACE(KindName(kind));
    TempWorkspace ws;
    std::string csv =
        kind == Kind::kContacts ? "external_id,email\r" : "contact_id,stage,entered_at\r";
    for (int i = 0; i < 5000; ++i) {
      csv += kind == Kind::kContacts ? "c" + std::to_string(i) + ",\"x@y.z\r\"\r"
                                     : "c" + std::to_string(i) + ",lead,2024-01-01\r\n";
    }
    int64_t last_done = 0;
    int64_t last_total = 0;
    auto s = ImportCsvText(ws.db(), kind, "cr.csv", csv, {}, [&](int64_t done, int64_t total) {
      EXPECT_GE(done, last_done);
      EXPECT_LE(done, total);
      last_done = done;
      last_total = total;
    });
    ASSERT_TRUE(s) << s.error().ToString();
    EXPECT_EQ(s->imported, 5000);
    EXPECT_EQ(last_done, last_total);
    EXPECT_EQ(last_total, kind == Kind::kContacts ? 10001 : 5001);
  }
}

// Found by ingest_fuzz: a source_system that is not UTF-8 (from --source or
// a mapping file) made writing the audit entry throw instead of failing.
TEST(Import, SourceSystemMustBeUtf8) {
  TempWorkspace ws;
  ImportOptions options;
  options.source_system = "mar\xEBketo";
  auto s = ImportCsvText(ws.db(), Kind::kContacts, "c.csv", "external_id\nc1\n", options);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message, HasSubstr("source_system is not valid UTF-8"));
  ImportOptions mapped;
  mapped.mapping_text = "source_system: \"mar\xEBketo\"\ncolumns:\n  Id: external_id\n";
  auto m = ImportCsvText(ws.db(), Kind::kContacts, "c.csv", "Id\nc1\n", mapped);
  ASSERT_FALSE(m);
  EXPECT_THAT(m.error().message, HasSubstr("source_system is not valid UTF-8"));
  EXPECT_EQ(ws.Count("contacts"), 0);
  EXPECT_EQ(ws.Count("audit_log"), 0);
}

// The audit entry and the JSON summary keep a file name that is not UTF-8
// (any bytes make a path), with U+FFFD for the bad bytes.
TEST(Import, FileNameThatIsNotUtf8) {
  TempWorkspace ws;
  auto s = ImportCsvText(ws.db(), Kind::kContacts, "c\xFF.csv", "external_id\nc1\n", {});
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->imported, 1);
  EXPECT_EQ(ws.Text("SELECT entity_id FROM audit_log"), "c\xEF\xBF\xBD.csv");
  EXPECT_THAT(ws.Text("SELECT after FROM audit_log"), HasSubstr("c\xEF\xBF\xBD.csv"));
  EXPECT_THAT(s->ToJson().dump(2, ' ', false, nlohmann::json::error_handler_t::replace),
              HasSubstr("c\xEF\xBF\xBD.csv"));
}

TEST(Import, ProgressReachesTheEnd) {
  TempWorkspace ws;
  std::string csv = "external_id,email\n";
  for (int i = 0; i < 10000; ++i) csv += "c" + std::to_string(i) + ",x@y.z\n";
  int64_t last_done = 0;
  int64_t last_total = 0;
  auto s =
      ImportCsvText(ws.db(), Kind::kContacts, "big.csv", csv, {}, [&](int64_t done, int64_t total) {
        EXPECT_GE(done, last_done);
        last_done = done;
        last_total = total;
      });
  ASSERT_TRUE(s);
  EXPECT_EQ(s->imported, 10000);
  EXPECT_EQ(last_done, last_total);
}

}  // namespace
}  // namespace mops::ingest
