// Files as they really come (tests/fixtures): Salesforce ids in both forms
// and the null id, dates read per column, decimal commas and currencies,
// spreadsheet damage, the current HubSpot export and import-file layouts,
// consent fields, honest unresolved counts, unchanged re-imports, NUL bytes
// and paths that are not files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "core/csv.h"
#include "core/report_rows.h"
#include "ingest/ingest.h"
#include "ingest/internal.h"
#include "ingest/test_util.h"

namespace mops::ingest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadText;
using ::testing::StartsWith;
using testing::TempWorkspace;

// A fixture copied into the workspace directory: the import writes its
// rejects and warnings files beside it, never into the source tree.
std::string Fixture(TempWorkspace& ws, const std::string& name) {
  const std::string to = ws.Path(name);
  std::filesystem::copy_file(std::string(MOPS_FIXTURES) + "/" + name, to,
                             std::filesystem::copy_options::overwrite_existing);
  return to;
}

ImportSummary MustImport(TempWorkspace& ws, Kind kind, const std::string& fixture,
                         ImportOptions options = {}) {
  auto summary = ImportFile(ws.db(), kind, Fixture(ws, fixture), options);
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

ImportOptions Salesforce() {
  ImportOptions o;
  o.preset = Preset::kSalesforce;
  return o;
}

// --- Salesforce ids ----------------------------------------------------------

TEST(ImportSalesforceIds, FifteenAndEighteenCharacterFormsAreOneRecord) {
  TempWorkspace ws;
  // Accounts come from a report export: 15-character ids, two of which
  // differ only in case (two records).
  ImportSummary accounts = MustImport(ws, Kind::kAccounts, "salesforce_accounts.csv", Salesforce());
  EXPECT_EQ(accounts.imported, 3);
  EXPECT_EQ(ws.Count("accounts"), 3);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM accounts WHERE external_id IN ('0015g00000Qx7rTAAR', "
                   "'0015g00000Qx7RtAAJ', '0015g00000Rk2mPAAR')"),
            3);
  EXPECT_EQ(ws.Text("SELECT postal_code FROM accounts WHERE external_id = '0015g00000Qx7rTAAR'"),
            "02134");

  // Contacts name their accounts in the 18-character form; one has the null
  // AccountId (a private contact): no reference at all.
  ImportSummary contacts = MustImport(ws, Kind::kContacts, "salesforce_contacts.csv", Salesforce());
  EXPECT_EQ(contacts.imported, 4);
  EXPECT_EQ(contacts.rejected, 0);
  EXPECT_EQ(Unresolved(contacts, "contacts", "account"), 0);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM contacts WHERE account_id IS NOT NULL"), 3);
  EXPECT_EQ(ws.Text("SELECT COALESCE(account_ref, 'null') FROM contacts WHERE last_name = "
                    "'Ibarra'"),
            "null");
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM contacts c JOIN accounts a ON a.id = c.account_id "
                   "WHERE c.last_name = 'Weber' AND a.name = 'Northwind Logistics'"),
            1);

  // Opportunities name accounts in the 15-character form; the null
  // CampaignId is no campaign; an account outside the export stays unresolved
  // and is counted.
  ImportSummary opps =
      MustImport(ws, Kind::kOpportunities, "salesforce_opportunities.csv", Salesforce());
  EXPECT_EQ(opps.imported, 3);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM opportunities o JOIN accounts a ON a.id = o.account_id "
                   "WHERE o.external_id = '0065g00000Ak1ZxAAJ' AND a.name = 'Northwind "
                   "Analytics'"),
            1);
  EXPECT_EQ(ws.Text("SELECT COALESCE(primary_campaign_ref, 'null') FROM opportunities WHERE "
                    "external_id = '0065g00000Ak1ZxAAJ'"),
            "null");
  EXPECT_EQ(ws.Text("SELECT primary_campaign_ref FROM opportunities WHERE external_id = "
                    "'0065g00000Ak2yQAAR'"),
            "7015g00000Ls9QeAAJ");
  EXPECT_EQ(Unresolved(opps, "opportunities", "account"), 1);
  EXPECT_THAT(opps.ToText(), Not(HasSubstr("all resolved")));

  // Contact roles: both ids in the 15-character form; one contact is not in
  // the workspace.
  ImportSummary roles =
      MustImport(ws, Kind::kOpportunityContacts, "salesforce_contact_roles.csv", Salesforce());
  EXPECT_EQ(roles.imported, 3);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM opportunity_contacts WHERE contact_id IS NOT NULL AND "
                   "opportunity_id IS NOT NULL"),
            2);
  EXPECT_EQ(Unresolved(roles, "opportunity_contacts", "contact"), 1);
  EXPECT_THAT(roles.ToText(), HasSubstr("opportunity_contacts.contact: 1 unresolved"));

  auto links = ListUnresolved(ws.db(), Kind::kOpportunityContacts, 100);
  ASSERT_TRUE(links) << links.error().ToString();
  bool listed = false;
  for (const UnresolvedLink& l : *links) {
    if (l.table == "opportunity_contacts" && l.field == "contact") {
      EXPECT_EQ(l.ref, "0035g00000ZzZzZAAV");
      listed = true;
    }
  }
  EXPECT_TRUE(listed);
}

TEST(ImportSalesforceIds, ConsentFieldsAreKept) {
  TempWorkspace ws;
  MustImport(ws, Kind::kContacts, "salesforce_contacts.csv", Salesforce());
  EXPECT_EQ(ws.Int("SELECT email_opt_out FROM contacts WHERE last_name = 'Weber'"), 1);
  EXPECT_EQ(ws.Int("SELECT fax_opt_out FROM contacts WHERE last_name = 'Weber'"), 1);
  EXPECT_EQ(ws.Int("SELECT do_not_call FROM contacts WHERE last_name = 'Weber'"), 0);
  EXPECT_EQ(ws.Int("SELECT do_not_call FROM contacts WHERE last_name = 'Hart'"), 1);
  EXPECT_EQ(ws.Text("SELECT mobile_phone FROM contacts WHERE last_name = 'Hart'"),
            "+44 7700 900321");
  // Exported in the canonical shape, so they round-trip.
  const std::vector<std::string> header = CanonicalHeader(Kind::kContacts);
  for (const char* field : {"mobile_phone", "email_opt_out", "do_not_call", "fax_opt_out",
                            "legal_basis", "postal_code"}) {
    EXPECT_NE(std::find(header.begin(), header.end(), field), header.end()) << field;
  }
  const std::string out = ws.Path("contacts-export.csv");
  ASSERT_TRUE(ExportTable(ws.db(), Kind::kContacts, out, {}));
  EXPECT_THAT(ReadText(out), HasSubstr("email_opt_out"));
}

// --- Dates per column, numbers ----------------------------------------------

TEST(ImportDates, EachColumnIsReadInOneOrder) {
  TempWorkspace ws;
  ImportOptions options;
  options.mapping_path = Fixture(ws, "european_deals.yaml");
  ImportSummary s = MustImport(ws, Kind::kOpportunities, "european_deals.csv", options);
  EXPECT_EQ(s.imported, 4);
  EXPECT_EQ(s.rejected, 0);
  EXPECT_EQ(s.delimiter, ';');
  // 13-06-2024 makes "Close date" day first, so 09-06-2024 is 9 June (not 6
  // September, as it was read row by row).
  EXPECT_EQ(ws.Int("SELECT close_date FROM opportunities WHERE external_id = 'EU-1002'"),
            *core::ParseTimestamp("2024-06-09"));
  EXPECT_EQ(ws.Int("SELECT close_date FROM opportunities WHERE external_id = 'EU-1001'"),
            *core::ParseTimestamp("2024-06-13"));
  // "Created" has no value over 12: the mapping's date_order (dmy) reads it.
  EXPECT_EQ(ws.Int("SELECT created_at FROM opportunities WHERE external_id = 'EU-1001'"),
            *core::ParseTimestamp("2024-02-09"));
  // Decimal commas, euro symbols and codes; the currency is kept.
  EXPECT_EQ(ws.Int("SELECT amount FROM opportunities WHERE external_id = 'EU-1001'"), 123456);
  EXPECT_EQ(ws.Text("SELECT currency FROM opportunities WHERE external_id = 'EU-1001'"), "EUR");
  EXPECT_EQ(ws.Int("SELECT amount FROM opportunities WHERE external_id = 'EU-1002'"), 250000);
  EXPECT_EQ(ws.Int("SELECT amount FROM opportunities WHERE external_id = 'EU-1003'"), 1200000);
  EXPECT_EQ(ws.Text("SELECT currency FROM opportunities WHERE external_id = 'EU-1003'"), "EUR");
  EXPECT_EQ(ws.Int("SELECT amount FROM opportunities WHERE external_id = 'EU-1004'"), 98050);
  EXPECT_EQ(ws.Text("SELECT COALESCE(currency, 'none') FROM opportunities WHERE external_id = "
                    "'EU-1004'"),
            "none");
}

TEST(ImportDates, SelfContradictingColumnIsRefusedAndChangesNothing) {
  TempWorkspace ws;
  ImportOptions options;
  options.mapping_path = Fixture(ws, "european_deals.yaml");
  const auto before = ws.Counts();
  auto s = ImportFile(ws.db(), Kind::kOpportunities, Fixture(ws, "european_deals_mixed_dates.csv"),
                      options);
  ASSERT_FALSE(s);
  const std::string message = s.error().ToString();
  EXPECT_THAT(message, HasSubstr("'Close date'"));
  EXPECT_THAT(message, HasSubstr("line 2 has '13-06-2024' (day first)"));
  EXPECT_THAT(message, HasSubstr("line 4 has '06-14-2024' (month first)"));
  EXPECT_EQ(s.error().line, 4);
  EXPECT_EQ(s.error().column, 5);
  EXPECT_EQ(ws.Counts(), before);
}

TEST(ImportDates, AmbiguousColumnFollowsTheOrderAskedFor) {
  const std::string csv =
      "id,email,created_at\n"
      "c1,a@example.com,05-03-2024\n"
      "c2,b@example.com,11-12-2024\n";
  {
    TempWorkspace ws;
    MustImportText(ws, Kind::kContacts, csv);  // month first, as CRMs export
    EXPECT_EQ(ws.Int("SELECT created_at FROM contacts WHERE external_id = 'c1'"),
              *core::ParseTimestamp("2024-05-03"));
  }
  {
    TempWorkspace ws;
    ImportOptions options;
    options.date_order = core::DateFormat::kDmy;
    MustImportText(ws, Kind::kContacts, csv, options);
    EXPECT_EQ(ws.Int("SELECT created_at FROM contacts WHERE external_id = 'c1'"),
              *core::ParseTimestamp("2024-03-05"));
    EXPECT_EQ(ws.Int("SELECT created_at FROM contacts WHERE external_id = 'c2'"),
              *core::ParseTimestamp("2024-12-11"));
  }
  {
    // A value over 12 decides, whatever was asked (with a warning).
    TempWorkspace ws;
    ImportOptions options;
    options.date_order = core::DateFormat::kMdy;
    ImportSummary s = MustImportText(ws, Kind::kContacts,
                                     csv + std::string("c3,c@example.com,25-12-2024\n"), options);
    EXPECT_EQ(s.rejected, 0);
    EXPECT_EQ(ws.Int("SELECT created_at FROM contacts WHERE external_id = 'c1'"),
              *core::ParseTimestamp("2024-03-05"));
    EXPECT_THAT(s.ToText(), HasSubstr("column 'created_at' is read day first (line 4"));
  }
}

TEST(ImportNumbers, DecimalCommaOption) {
  const std::string csv =
      "id;name;amount;close_date\n"
      "o1;Renewal;1.234,56;2024-06-30\n"
      "o2;Upsell;12,5 EUR;2024-06-30\n";
  {
    // Without the option a decimal comma is rejected, with a hint.
    TempWorkspace ws;
    ImportSummary s = MustImportText(ws, Kind::kOpportunities, csv);
    EXPECT_EQ(s.rejected, 2);
    ASSERT_FALSE(s.rejects.empty());
    EXPECT_THAT(s.rejects[0].reason, HasSubstr("--decimal ,"));
  }
  TempWorkspace ws;
  ImportOptions options;
  options.decimal = ",";
  ImportSummary s = MustImportText(ws, Kind::kOpportunities, csv, options);
  EXPECT_EQ(s.rejected, 0);
  EXPECT_EQ(ws.Int("SELECT amount FROM opportunities WHERE external_id = 'o1'"), 123456);
  EXPECT_EQ(ws.Int("SELECT amount FROM opportunities WHERE external_id = 'o2'"), 1250);
  EXPECT_EQ(ws.Text("SELECT currency FROM opportunities WHERE external_id = 'o2'"), "EUR");
}

TEST(ImportNumbers, SpendKeepsTheCurrencyOfItsAmounts) {
  TempWorkspace ws;
  ImportOptions options;
  options.decimal = ",";
  ImportSummary s = MustImportText(ws, Kind::kSpend,
                                   "date;channel;source;amount;clicks\n"
                                   "2024-06-01;paid_search;google;\xE2\x82\xAC"
                                   "1.250,75;310\n",
                                   options);
  EXPECT_EQ(s.rejected, 0);
  EXPECT_EQ(ws.Int("SELECT amount FROM spend"), 125075);
  EXPECT_EQ(ws.Text("SELECT currency FROM spend"), "EUR");
}

TEST(ImportNumbers, AmountCurrencyMustAgreeWithTheCurrencyColumn) {
  TempWorkspace ws;
  ImportSummary s = MustImportText(ws, Kind::kOpportunities,
                                   "id,amount,currency\n"
                                   "o1,$12k,USD\n"
                                   "o2,1200 EUR,USD\n"
                                   "o3,1200 EUR,eur\n");
  EXPECT_EQ(s.imported, 1);
  EXPECT_EQ(s.rejected, 2);
  ASSERT_EQ(s.rejects.size(), 2u);
  EXPECT_EQ(s.rejects[0].line, 2);
  EXPECT_THAT(s.rejects[1].reason, HasSubstr("the amount is in EUR but the currency is 'USD'"));
}

// --- Spreadsheet damage -------------------------------------------------------

TEST(ImportDamage, ExcelScientificNotationAndStrippedZerosAreFlagged) {
  TempWorkspace ws;
  ImportSummary s = MustImport(ws, Kind::kContacts, "hubspot_contacts_excel.csv");
  EXPECT_EQ(s.preset, Preset::kHubspot);
  // The row whose key is in scientific notation cannot be keyed: rejected.
  EXPECT_EQ(s.imported, 3);
  EXPECT_EQ(s.rejected, 1);
  ASSERT_FALSE(s.rejects.empty());
  EXPECT_EQ(s.rejects[0].line, 4);
  EXPECT_THAT(s.rejects[0].reason, HasSubstr("precision lost: Excel scientific notation"));
  // Two phones in scientific notation and a postal code without its zero:
  // imported as written, flagged, listed in the warnings file.
  EXPECT_EQ(s.damaged, 3);
  ASSERT_EQ(s.damage.size(), 3u);
  EXPECT_EQ(s.damage[0].line, 2);
  EXPECT_EQ(s.damage[0].field, "Phone Number");
  EXPECT_EQ(s.damage[0].reason, "precision lost: Excel scientific notation");
  EXPECT_EQ(s.damage[2].field, "Postal Code");
  EXPECT_THAT(s.damage[2].reason, HasSubstr("leading zeros stripped"));
  EXPECT_EQ(ws.Text("SELECT phone FROM contacts WHERE first_name = 'Marcus'"), "1.11015E+11");
  EXPECT_EQ(ws.Text("SELECT damaged_fields FROM contacts WHERE first_name = 'Marcus'"), "phone");
  EXPECT_EQ(ws.Text("SELECT damaged_fields FROM contacts WHERE first_name = 'Nina'"),
            "phone,postal_code");
  EXPECT_EQ(ws.Text("SELECT COALESCE(damaged_fields, 'none') FROM contacts WHERE first_name = "
                    "'Paula'"),
            "none");
  ASSERT_FALSE(s.warnings_path.empty());
  const std::string warnings = ReadText(s.warnings_path);
  EXPECT_THAT(warnings, StartsWith("line,column,field,value,reason\n"));
  EXPECT_THAT(warnings, HasSubstr("3,5,Phone Number,1.11015E+11,precision lost: Excel"));
  EXPECT_THAT(s.ToText(), HasSubstr("precision lost: 3 values"));
}

// --- HubSpot layouts ------------------------------------------------------------

TEST(ImportHubspotLayouts, CurrentExportWithRepeatedAssociations) {
  TempWorkspace ws;
  ImportSummary contacts = MustImport(ws, Kind::kContacts, "hubspot_contacts_export.csv");
  EXPECT_EQ(contacts.preset, Preset::kHubspot);
  EXPECT_TRUE(contacts.preset_detected);
  EXPECT_EQ(contacts.imported, 3);
  EXPECT_TRUE(contacts.unmapped_columns.empty())
      << ::testing::PrintToString(contacts.unmapped_columns);
  EXPECT_TRUE(contacts.warnings.empty()) << ::testing::PrintToString(contacts.warnings);
  // The primary association wins over the list.
  EXPECT_EQ(ws.Text("SELECT account_ref FROM contacts WHERE external_id = '51234567801'"),
            "20987654301");
  EXPECT_EQ(ws.Text("SELECT company_name FROM contacts WHERE external_id = '51234567801'"),
            "Brightwave Labs");
  EXPECT_EQ(ws.Text("SELECT mobile_phone FROM contacts WHERE external_id = '51234567801'"),
            "+1 415 555 0188");
  EXPECT_EQ(ws.Text("SELECT country FROM contacts WHERE external_id = '51234567802'"), "Germany");
  EXPECT_EQ(ws.Int("SELECT email_opt_out FROM contacts WHERE external_id = '51234567802'"), 1);
  EXPECT_EQ(ws.Text("SELECT legal_basis FROM contacts WHERE external_id = '51234567802'"),
            "Freely given consent from contact");

  ImportSummary companies = MustImport(ws, Kind::kAccounts, "hubspot_companies_export.csv");
  EXPECT_EQ(companies.imported, 3);
  EXPECT_EQ(Unresolved(companies, "contacts", "account"), 0);

  ImportSummary deals = MustImport(ws, Kind::kOpportunities, "hubspot_deals_export.csv");
  EXPECT_EQ(deals.imported, 2);
  EXPECT_EQ(ws.Count("opportunity_contacts"), 3);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM opportunities WHERE account_id IS NOT NULL"), 2);
  // A deal's contact that is not in the workspace is counted, not "all resolved".
  EXPECT_EQ(Unresolved(deals, "opportunity_contacts", "contact"), 1);
  EXPECT_THAT(deals.ToText(), Not(HasSubstr("all resolved")));
}

// A companies export lists each company's contacts: a contact without a
// company gets it; one another company holds keeps it; one not in the
// workspace is counted.
TEST(ImportHubspotLayouts, CompanyExportLinksItsContacts) {
  TempWorkspace ws;
  ImportOptions hubspot;
  hubspot.preset = Preset::kHubspot;
  auto contacts =
      ImportCsvText(ws.db(), Kind::kContacts, "contacts.csv",
                    "Record ID - Contact,First Name,Last Name,Email,Associated Company "
                    "IDs\n1,Ana,Alvarez,ana@acme.example,\n2,Ben,Brown,ben@acme."
                    "example,\n3,Cy,Cole,cy@other.example,900\n5,Eve,Egan,eve@x.example,\n",
                    hubspot);
  ASSERT_TRUE(contacts.has_value()) << contacts.error().ToString();
  const std::string companies_csv =
      "Record ID - Company,Company name,Associated Contact IDs\n900,Other Co,\n901,Acme,1;2;3;4\n"
      // Listed by two companies: the first one.
      "902,Beta,5\n903,Gamma,5\n";
  auto companies = ImportCsvText(ws.db(), Kind::kAccounts, "companies.csv", companies_csv, hubspot);
  ASSERT_TRUE(companies.has_value()) << companies.error().ToString();
  EXPECT_TRUE(companies->unmapped_columns.empty())
      << ::testing::PrintToString(companies->unmapped_columns);
  EXPECT_EQ(ws.Lines("SELECT c.external_id, a.name FROM contacts c LEFT JOIN accounts a ON a.id = "
                     "c.account_id ORDER BY c.external_id"),
            "1|Acme;2|Acme;3|Other Co;5|Beta");
  const auto links =
      std::find_if(companies->related.begin(), companies->related.end(),
                   [](const RelatedCounts& r) { return r.table.starts_with("contacts"); });
  ASSERT_NE(links, companies->related.end()) << companies->ToText();
  EXPECT_EQ(links->imported, 3);  // 1, 2 and 5 linked
  EXPECT_EQ(links->updated, 2);   // 3 held by another company; 5 by the first listing
  EXPECT_THAT(companies->ToText(),
              HasSubstr("1 contact listed in 'Associated Contact IDs' is not in the workspace"));
  // Again: nothing new to link.
  auto again = ImportCsvText(ws.db(), Kind::kAccounts, "companies.csv", companies_csv, hubspot);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->unchanged, 4);
  EXPECT_EQ(ws.Lines("SELECT c.external_id, a.name FROM contacts c LEFT JOIN accounts a ON a.id = "
                     "c.account_id ORDER BY c.external_id"),
            "1|Acme;2|Acme;3|Other Co;5|Beta");
}

TEST(ImportHubspotLayouts, ImportFilesLinkByDomainAndEmail) {
  TempWorkspace ws;
  MustImport(ws, Kind::kAccounts, "hubspot_companies_export.csv");
  ImportOptions hubspot;
  hubspot.preset = Preset::kHubspot;
  ImportSummary contacts = MustImport(ws, Kind::kContacts, "hubspot_import_contacts.csv", hubspot);
  EXPECT_EQ(contacts.imported, 3);
  EXPECT_EQ(contacts.rejected, 0);
  // Keyed by email (an import file has no Record ID).
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM contacts WHERE external_id = "
                   "'ines.duarte@brightwave.example'"),
            1);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM contacts c JOIN accounts a ON a.id = c.account_id "
                   "WHERE c.email = 'ines.duarte@brightwave.example' AND a.name = 'Brightwave "
                   "Labs'"),
            1);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM contacts c JOIN accounts a ON a.id = c.account_id "
                   "WHERE c.email = 'rafael.souza@feldmann.example' AND a.name = 'Feldmann "
                   "GmbH'"),
            1);
  EXPECT_EQ(ws.Text("SELECT mobile_phone FROM contacts WHERE email = "
                    "'rafael.souza@feldmann.example'"),
            "+49 151 5550 7788");
  EXPECT_EQ(Unresolved(contacts, "contacts", "account"), 1);  // nowhere.example

  ImportSummary deals = MustImport(ws, Kind::kOpportunities, "hubspot_import_deals.csv", hubspot);
  EXPECT_EQ(deals.imported, 2);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM opportunities WHERE account_id IS NOT NULL"), 2);
  // The contact by email, whatever its case.
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM opportunity_contacts oc JOIN contacts c ON c.id = "
                   "oc.contact_id JOIN opportunities o ON o.id = oc.opportunity_id WHERE "
                   "o.name = 'Feldmann - Training' AND c.last_name = 'Souza'"),
            1);
  EXPECT_EQ(Unresolved(deals, "opportunity_contacts", "contact"), 0);
}

// --- Honest reports ---------------------------------------------------------------

TEST(ImportReports, IdenticalReimportIsUnchanged) {
  TempWorkspace ws;
  const std::string path = Fixture(ws, "salesforce_contacts.csv");
  auto first = ImportFile(ws.db(), Kind::kContacts, path, Salesforce());
  ASSERT_TRUE(first);
  auto again = ImportFile(ws.db(), Kind::kContacts, path, Salesforce());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->imported, 0);
  EXPECT_EQ(again->updated, 0);
  EXPECT_EQ(again->unchanged, 4);
  EXPECT_THAT(again->ToText(), StartsWith("imported 0, updated 0, unchanged 4, rejected 0\n"));
  // An unchanged row is not written again: a value changed in the workspace
  // since (standardized, edited) is not reverted by the identical file.
  ASSERT_TRUE(
      ws.db().Execute("UPDATE contacts SET phone = '+16175550142' WHERE last_name = 'Raman'"));
  auto third = ImportFile(ws.db(), Kind::kContacts, path, Salesforce());
  ASSERT_TRUE(third);
  EXPECT_EQ(third->unchanged, 4);
  EXPECT_EQ(ws.Text("SELECT phone FROM contacts WHERE last_name = 'Raman'"), "+16175550142");

  // One changed cell: one updated row.
  std::string text = ReadText(path);
  text.replace(text.find("VP Marketing"), 12, "CMO");
  ws.WriteFile("salesforce_contacts.csv", text);
  auto changed = ImportFile(ws.db(), Kind::kContacts, path, Salesforce());
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->updated, 1);
  EXPECT_EQ(changed->unchanged, 3);
  EXPECT_EQ(ws.Text("SELECT title FROM contacts WHERE last_name = 'Raman'"), "CMO");
}

// --- Bad files ------------------------------------------------------------------------

TEST(ImportBadFiles, NulByteRejectsTheRowWithLineAndColumn) {
  TempWorkspace ws;
  std::string csv = "id,email,first_name\nc1,a@example.com,Ann\nc2,b@example.com,B";
  csv.push_back('\0');
  csv += "ob\nc3,c@example.com,Cy\n";
  ImportSummary s = MustImportText(ws, Kind::kContacts, csv);
  EXPECT_EQ(s.imported, 2);
  EXPECT_EQ(s.rejected, 1);
  ASSERT_EQ(s.rejects.size(), 1u);
  EXPECT_EQ(s.rejects[0].line, 3);
  EXPECT_EQ(s.rejects[0].column, 3);
  EXPECT_EQ(s.rejects[0].reason, "NUL byte in the value");
}

TEST(ImportBadFiles, DirectoryIsNamedWithTheReason) {
  TempWorkspace ws;
  const std::string dir = ws.Path("exports");
  std::filesystem::create_directories(dir);
  auto s = ImportFile(ws.db(), Kind::kContacts, dir, {});
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().ToString(), HasSubstr(dir));
  EXPECT_THAT(s.error().ToString(), HasSubstr("directory"));
}

}  // namespace
}  // namespace mops::ingest

namespace mops::ingest {
namespace {

// `mops import FILE` without a kind: each file of a Salesforce org export,
// the HubSpot exports and import files, and a labelled Salesforce report
// (title rows above its header) name their kind by their columns.
TEST(DetectKindTest, FixturesNameTheirKind) {
  const std::vector<std::pair<std::string, Kind>> cases = {
      {"salesforce-org/Account.csv", Kind::kAccounts},
      {"salesforce-org/Campaign.csv", Kind::kCampaigns},
      {"salesforce-org/CampaignMember.csv", Kind::kCampaignMembers},
      {"salesforce-org/Contact.csv", Kind::kContacts},
      {"salesforce-org/Lead.csv", Kind::kContacts},
      {"salesforce-org/Opportunity.csv", Kind::kOpportunities},
      {"salesforce-org/OpportunityContactRole.csv", Kind::kOpportunityContacts},
      {"salesforce_accounts.csv", Kind::kAccounts},
      {"salesforce_contacts.csv", Kind::kContacts},
      {"salesforce_opportunities.csv", Kind::kOpportunities},
      {"salesforce_contact_roles.csv", Kind::kOpportunityContacts},
      {"salesforce_report_contacts.csv", Kind::kContacts},
      {"salesforce_report_contacts_labels.csv", Kind::kContacts},
      {"hubspot_contacts_export.csv", Kind::kContacts},
      {"hubspot_companies_export.csv", Kind::kAccounts},
      {"hubspot_deals_export.csv", Kind::kOpportunities},
      {"hubspot_import_contacts.csv", Kind::kContacts},
      {"hubspot_import_deals.csv", Kind::kOpportunities},
      {"hubspot_report_contacts.csv", Kind::kContacts},
  };
  for (const auto& [name, kind] : cases) {
    const std::string text = ReadText(std::string(MOPS_FIXTURES) + "/" + name);
    // The evidence, for the failure message: each kind's mapped columns.
    std::string fits;
    core::FindHeaderLine(text, internal::kHeaderSearchLines,
                         [&](std::span<const std::string_view> cells) {
                           std::vector<std::string> labels(cells.begin(), cells.end());
                           const auto found = internal::KindFits(labels);
                           for (const auto& f : found) {
                             fits += fmt::format(" {}={}", KindName(f.kind), f.fields);
                           }
                           return !found.empty();
                         });
    auto detected = DetectKind(text, name);
    ASSERT_TRUE(detected) << name << ": " << detected.error().ToString() << fits;
    EXPECT_EQ(KindName(*detected), KindName(kind)) << name << fits;
  }
}

TEST(DetectKindTest, UnknownAndAmbiguousHeadersSayWhy) {
  auto unknown = DetectKind("Shoe size,Favourite colour\n42,blue\n", "shoes.csv");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().file, "shoes.csv");
  EXPECT_THAT(unknown.error().message, HasSubstr("cannot tell what records it holds"));
  EXPECT_THAT(unknown.error().message, HasSubstr("mops import KIND shoes.csv"));
  // Id, Name and CreatedDate: an account, a campaign or an opportunity.
  auto vague = DetectKind("Id,Name\n001000000000001AAA,Acme\n", "things.csv");
  ASSERT_FALSE(vague);
  EXPECT_THAT(vague.error().message, HasSubstr("nearly as well"));
  EXPECT_EQ(vague.error().line, 1);
  // A card statement: Date, Amount and Currency fit ad spend, eight columns
  // fit nothing.
  auto card = DetectKind(
      "Date,Merchant,Amount,Currency,Original Amount,Original Currency,User,Card,Department,"
      "Ramp Category,Memo\n11/07/2025,TYPEFORM,100.00,USD,,,Joseph Henderson,2073,Marketing,"
      "Software,\n",
      "ramp.csv");
  ASSERT_FALSE(card);
  EXPECT_THAT(card.error().message, HasSubstr("only 3 of its 11 columns fit spend"));
  // Three columns that all fit are a canonical file.
  auto roles = DetectKind("opportunity_id,contact_id,role\no1,c1,Champion\n", "roles.csv");
  ASSERT_TRUE(roles) << roles.error().ToString();
  EXPECT_EQ(*roles, Kind::kOpportunityContacts);
}

}  // namespace
}  // namespace mops::ingest
