// Touches derived from CRM objects, on the Salesforce org and HubSpot
// fixtures of tests/fixtures (invented people, vendor column layouts).
#include "ingest/crm_touches.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/time.h"
#include "ingest/test_util.h"

namespace mops::ingest {
namespace {

using testing::TempWorkspace;

std::string Fixture(const std::string& name) { return std::string(MOPS_FIXTURES) + "/" + name; }

TEST(CrmChannels, SalesforceStandardCampaignTypesAndVariants) {
  const std::vector<std::pair<std::string_view, std::string_view>> cases = {
      {"Advertisement", "display"},
      {"Banner Ads", "display"},
      {"Direct Mail", "direct_mail"},
      {"Email", "email"},
      {"Conference", "events"},
      {"Trade Show", "events"},
      {"Event", "events"},
      {"event", "events"},
      {"EVENT", "events"},
      {"Webinar", "webinar"},
      {"Seminar", "events"},
      {"Partners", "partner"},
      {"Referral Program", "referral"},
      {"Public Relations", "referral"},
      {"Telemarketing", "sales_outreach"},
      {"Social Media", "organic_social"},
      {"Web", "organic_search"},
      {"Web Marketing", "display"},
      {"web marketing", "display"},
      {"Content Syndication", "content_syndication"},
      {"Other", "other"},
  };
  for (const auto& [type, channel] : cases) {
    EXPECT_EQ(CampaignTypeChannel(type), channel) << type;
  }
  EXPECT_EQ(CampaignTypeChannel("Podcast"), "");
  EXPECT_EQ(CampaignTypeChannel(""), "");
}

TEST(CrmChannels, LeadSourcesAndHubspotSourceNames) {
  const std::vector<std::pair<std::string_view, std::string_view>> cases = {
      {"Organic Search", "organic_search"},
      {"ORGANIC_SEARCH", "organic_search"},
      {"Paid Search", "paid_search"},
      {"Paid Social", "paid_social"},
      {"Social Media", "organic_social"},
      {"Email Marketing", "email"},
      {"Referrals", "referral"},
      {"Direct Traffic", "direct"},
      {"Offline Sources", "other"},
      {"Other Campaigns", "other"},
      {"AI Referrals", "referral"},
      {"Web", "organic_search"},
      {"Phone Inquiry", "direct"},
      {"Partner Referral", "partner"},
      {"Purchased List", "other"},
      {"Employee Referral", "referral"},
      {"Word of mouth", "referral"},
      {"Seminar - Internal", "events"},
      {"Trade Show", "events"},
      {"Webinar", "webinar"},
      {"Advertisement", "display"},
  };
  for (const auto& [source, channel] : cases) {
    EXPECT_EQ(SourceChannel(source), channel) << source;
  }
  EXPECT_EQ(SourceChannel("Carrier pigeon"), "");
}

TEST(CrmConfig, DefaultsAndOverrides) {
  auto config = internal::ParseCrmConfig(
      "member_date_column: Added_Date__c\n"
      "lead_status:\n"
      "  \"Nurture Pool\": recycled\n"
      "campaign_types: {Podcast: video}\n"
      "lead_sources: {\"Carrier pigeon\": direct_mail}\n",
      "crm.yaml");
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->member_date_column, "Added_Date__c");
  EXPECT_EQ(internal::LeadStatusStage(*config, "Open - Not Contacted"), "lead");
  EXPECT_EQ(internal::LeadStatusStage(*config, "open - not contacted"), "lead");
  EXPECT_EQ(internal::LeadStatusStage(*config, "Working - Contacted"), "mql");
  EXPECT_EQ(internal::LeadStatusStage(*config, "Closed - Converted"), "sql");
  EXPECT_EQ(internal::LeadStatusStage(*config, "Closed - Not Converted"), "disqualified");
  EXPECT_EQ(internal::LeadStatusStage(*config, "nurture pool"), "recycled");
  EXPECT_EQ(internal::LeadStatusStage(*config, "Something else"), "");
  EXPECT_EQ(internal::CampaignChannel(*config, "podcast"), "video");
  EXPECT_EQ(internal::CampaignChannel(*config, "Webinar"), "webinar");
  EXPECT_EQ(internal::LeadSourceChannel(*config, "Carrier Pigeon"), "direct_mail");
}

TEST(CrmConfig, ErrorsNameKeyAndLine) {
  auto bad_stage =
      internal::ParseCrmConfig("converted_stage: sql\nlead_status:\n  Open: hot\n", "crm.yaml");
  ASSERT_FALSE(bad_stage.has_value());
  EXPECT_EQ(bad_stage.error().line, 3);
  EXPECT_NE(bad_stage.error().message.find("lead_status.Open"), std::string::npos)
      << bad_stage.error().message;
  EXPECT_NE(bad_stage.error().message.find("'hot'"), std::string::npos);

  auto bad_channel = internal::ParseCrmConfig("campaign_types:\n  Podcast: radio\n", "crm.yaml");
  ASSERT_FALSE(bad_channel.has_value());
  EXPECT_EQ(bad_channel.error().line, 2);
  EXPECT_NE(bad_channel.error().message.find("unknown channel 'radio'"), std::string::npos);

  auto unknown_key = internal::ParseCrmConfig("lead_status: {}\nmember_date: X\n", "crm.yaml");
  ASSERT_FALSE(unknown_key.has_value());
  EXPECT_EQ(unknown_key.error().line, 2);
  EXPECT_NE(unknown_key.error().message.find("unknown key 'member_date'"), std::string::npos);

  auto not_map = internal::ParseCrmConfig("lead_status: [a, b]\n", "crm.yaml");
  ASSERT_FALSE(not_map.has_value());
  EXPECT_EQ(not_map.error().line, 1);

  auto yaml = internal::ParseCrmConfig("lead_status: {a: lead\n", "crm.yaml");
  ASSERT_FALSE(yaml.has_value());
  EXPECT_EQ(yaml.error().file, "crm.yaml");
}

// The org's files and kinds.
struct OrgFile {
  Kind kind;
  std::string file;
};
const std::vector<OrgFile>& OrgFiles() {
  static const std::vector<OrgFile> kFiles = {
      {Kind::kAccounts, "Account.csv"},
      {Kind::kContacts, "Contact.csv"},
      {Kind::kContacts, "Lead.csv"},
      {Kind::kCampaigns, "Campaign.csv"},
      {Kind::kCampaignMembers, "CampaignMember.csv"},
      {Kind::kOpportunities, "Opportunity.csv"},
      {Kind::kOpportunityContacts, "OpportunityContactRole.csv"},
  };
  return kFiles;
}

std::vector<ImportSummary> ImportOrg(TempWorkspace& ws, const std::vector<size_t>& order,
                                     bool member_date = true) {
  std::vector<ImportSummary> out;
  for (size_t i : order) {
    const OrgFile& f = OrgFiles()[i];
    ImportOptions options;
    options.preset = Preset::kSalesforce;
    options.rejects_path = ws.Path(f.file + ".rejects.csv");
    if (member_date && f.kind == Kind::kCampaignMembers)
      options.member_date_column = "Added_Date__c";
    auto text = core::ReadFile(Fixture("salesforce-org/" + f.file));
    EXPECT_TRUE(text.has_value());
    auto summary = ImportCsvText(ws.db(), f.kind, f.file, *text, options);
    EXPECT_TRUE(summary.has_value()) << f.file << ": " << summary.error().ToString();
    if (!summary) return out;
    EXPECT_EQ(summary->rejected, 0) << f.file << "\n" << summary->ToText();
    out.push_back(std::move(*summary));
  }
  return out;
}

// Every derived touch as "type|external_id|contact email|account name|time|channel".
std::vector<std::string> Touches(TempWorkspace& ws) {
  auto rows = ws.db().Query(
      "SELECT t.type, t.external_id, c.email, a.name, t.occurred_at, t.channel FROM touchpoints "
      "t LEFT JOIN contacts c ON c.id = t.contact_id LEFT JOIN accounts a ON a.id = t.account_id "
      "ORDER BY t.external_id");
  EXPECT_TRUE(rows.has_value());
  std::vector<std::string> out;
  for (const auto& r : rows->rows) {
    out.push_back(store::AsText(r[0]) + "|" + store::AsText(r[1]) + "|" + store::AsText(r[2]) +
                  "|" + store::AsText(r[3]) + "|" + core::FormatTimestamp(store::AsInt(r[4])) +
                  "|" + store::AsText(r[5]));
  }
  return out;
}

// The weekly rollup (touchpoint_weeks) and the touches it counts, as text:
// the derived touches are counted by one aggregated upsert, not by the
// per-row trigger, and must come out the same.
std::pair<std::string, std::string> Weeks(TempWorkspace& ws) {
  const auto text = [&](const std::string& sql) {
    auto rows = ws.db().Query(sql);
    EXPECT_TRUE(rows.has_value());
    std::string out;
    for (const auto& r : rows->rows) {
      out += store::AsText(r[0]) + "|" + store::AsText(r[1]) + "|" + store::AsText(r[2]) + "\n";
    }
    return out;
  };
  return {text("SELECT week, channel, touchpoints FROM touchpoint_weeks WHERE touchpoints <> 0 "
               "ORDER BY week, channel"),
          text("SELECT (CASE WHEN occurred_at >= -259200 THEN (occurred_at + 259200) / 604800 "
               "ELSE -((-259200 - occurred_at + 604799) / 604800) END) AS w, COALESCE(channel, "
               "'') AS c, COUNT(*) FROM touchpoints GROUP BY w, c ORDER BY w, c")};
}

TEST(CrmTouches, SalesforceOrgTouchesInAnyFileOrder) {
  TempWorkspace forward;
  TempWorkspace backward;
  TempWorkspace shuffled;
  ImportOrg(forward, {0, 1, 2, 3, 4, 5, 6});
  ImportOrg(backward, {6, 5, 4, 3, 2, 1, 0});
  ImportOrg(shuffled, {4, 2, 6, 0, 5, 3, 1});
  const std::vector<std::string> touches = Touches(forward);
  EXPECT_EQ(touches, Touches(backward));
  EXPECT_EQ(touches, Touches(shuffled));
  for (TempWorkspace* ws : {&forward, &backward, &shuffled}) {
    const auto [weeks, recounted] = Weeks(*ws);
    EXPECT_FALSE(weeks.empty());
    EXPECT_EQ(weeks, recounted);
  }

  const std::vector<std::string> expected = {
      // Members: FirstRespondedDate when responded, else Added_Date__c; a
      // member by LeadId of a converted lead is its contact.
      "campaign_member|campaign_member:00v5g00006Mem00AAB|cora.lind@borealis-foods.example|"
      "Borealis Foods|2024-02-05T00:00:00Z|webinar",
      "campaign_member|campaign_member:00v5g00006Mm003AAB|ada.quill@acme-robotics.example|Acme "
      "Robotics|2024-03-05T00:00:00Z|email",
      "campaign_member|campaign_member:00v5g00006Mm004AAB|dev.patel@cobalthealth.example|Cobalt "
      "Health|2024-03-15T00:00:00Z|events",
      "campaign_member|campaign_member:00v5g00006Mm005AAB|dev.patel@cobalthealth.example|Cobalt "
      "Health|2024-04-02T00:00:00Z|other",
      "campaign_member|campaign_member:00v5g00006Mm006AAB|fay.moreau@hollis.example||2024-03-"
      "10T00:00:00Z|email",
      "campaign_member|campaign_member:00v5g00006Mm007AAB|ben.ortiz@acme-robotics.example|Acme "
      "Robotics|2024-04-15T00:00:00Z|webinar",
      "campaign_member|campaign_member:00v5g00006Mm008AAB|cora.lind@borealis-foods.example|"
      "Borealis Foods|2024-05-20T00:00:00Z|partner",
      "campaign_member|campaign_member:00v5g0000Mem002AQA|ada.quill@acme-robotics.example|Acme "
      "Robotics|2024-01-15T00:00:00Z|display",
      // Contact and lead creation with a lead source; the converted lead's
      // creation is its contact's touch.
      "created|created:0035g00001AdaQuAAJ|ada.quill@acme-robotics.example|Acme "
      "Robotics|2024-01-10T15:04:11Z|organic_search",
      "created|created:00Q5g00002CorLdEAJ|cora.lind@borealis-foods.example|Borealis "
      "Foods|2024-01-20T16:20:00Z|webinar",
      "created|created:00Q5g00002FayMoEAJ|fay.moreau@hollis.example||2024-03-01T13:45:00Z|other",
      "created|created:00Q5g00002GusHaEAJ|gus.hale@quarry.example||2024-02-10T08:05:00Z|display",
      "created|created:00Q5g00002IvyChEAJ|ivy.chen@lumen.example||2024-02-12T17:00:00Z|referral",
      // The primary campaign of Acme - Fleet, on its account.
      "opportunity_campaign|opportunity_campaign:0065g00004AcmFlAAJ||Acme "
      "Robotics|2024-02-15T10:00:00Z|display",
  };
  EXPECT_EQ(touches, expected);
}

TEST(CrmTouches, ReportListsUnknownTypesAndUntouchedOpportunities) {
  TempWorkspace ws;
  std::vector<ImportSummary> summaries = ImportOrg(ws, {0, 1, 2, 3, 4, 5, 6});
  ASSERT_EQ(summaries.size(), 7u);
  const ImportSummary& campaigns = summaries[3];
  ASSERT_TRUE(campaigns.crm.ran);
  EXPECT_EQ(campaigns.crm.unknown_campaign_types, std::vector<std::string>{"Podcast (1 campaign)"});
  EXPECT_NE(campaigns.ToText().find("campaign types no channel rule knows (channel other): "
                                    "Podcast (1 campaign)"),
            std::string::npos)
      << campaigns.ToText();
  // Web Marketing and event are known: only Podcast goes to other.
  EXPECT_EQ(ws.Text("SELECT channel FROM campaigns WHERE name = 'Google Ads Q1'"), "display");
  EXPECT_EQ(ws.Text("SELECT channel FROM campaigns WHERE name = 'Boston Trade Show'"), "events");
  EXPECT_EQ(ws.Text("SELECT channel FROM campaigns WHERE name = 'Podcast Sponsorship'"), "other");

  const ImportSummary& members = summaries[4];
  // Contacts and leads came first: their creation touches are there already.
  ASSERT_EQ(members.crm.touches.size(), 2u);
  EXPECT_EQ(members.crm.touches[0].type, "campaign_member");
  EXPECT_EQ(members.crm.touches[1].type, "created");
  EXPECT_EQ(members.crm.touches[1].added, 0);
  EXPECT_EQ(members.crm.touches[0].total, 8);
  EXPECT_EQ(members.crm.touches[0].added, 8);

  // Dunmore - Renewal (won) has no touch on its account or contacts; the
  // report of the last file counts it.
  const ImportSummary& last = summaries.back();
  EXPECT_EQ(last.crm.opportunities, 6);
  EXPECT_EQ(last.crm.opportunities_without_touch, 1);
  EXPECT_EQ(last.crm.won_without_touch, 1);
  EXPECT_NE(last.ToText().find("opportunities without any touch: 1 of 6 (1 won)"),
            std::string::npos)
      << last.ToText();
  EXPECT_EQ(last.ToJson()["crm"]["opportunities_without_touch"], 1);
}

TEST(CrmTouches, ReimportAddsNoTouches) {
  TempWorkspace ws;
  ImportOrg(ws, {0, 1, 2, 3, 4, 5, 6});
  const int64_t touches = ws.Count("touchpoints");
  EXPECT_EQ(touches, 14);
  std::vector<ImportSummary> again = ImportOrg(ws, {0, 1, 2, 3, 4, 5, 6});
  EXPECT_EQ(ws.Count("touchpoints"), touches);
  const auto [weeks, recounted] = Weeks(ws);
  EXPECT_EQ(weeks, recounted);
  for (const ImportSummary& s : again) {
    for (const CrmReport::TouchCount& t : s.crm.touches) {
      EXPECT_EQ(t.added, 0) << s.file << " " << t.type;
    }
  }
}

TEST(CrmTouches, MembersAreDatedByCreatedDateWithoutTheOption) {
  TempWorkspace ws;
  ImportOrg(ws, {0, 1, 2, 3, 4, 5, 6}, /*member_date=*/false);
  // Responded members keep FirstRespondedDate; the others have the load date.
  EXPECT_EQ(ws.Int("SELECT occurred_at FROM touchpoints WHERE external_id = "
                   "'campaign_member:00v5g0000Mem002AQA'"),
            *core::ParseTimestamp("2024-06-01T08:00:00Z"));
  EXPECT_EQ(ws.Int("SELECT occurred_at FROM touchpoints WHERE external_id = "
                   "'campaign_member:00v5g00006Mm003AAB'"),
            *core::ParseTimestamp("2024-03-05T00:00:00Z"));
}

TEST(CrmTouches, MemberDateFromTheCrmConfig) {
  TempWorkspace ws;
  ImportOptions options;
  options.preset = Preset::kSalesforce;
  options.crm_config_text = "member_date_column: added_date__c\n";
  auto text = core::ReadFile(Fixture("salesforce-org/Campaign.csv"));
  ASSERT_TRUE(ImportCsvText(ws.db(), Kind::kCampaigns, "Campaign.csv", *text, options));
  options.crm_config_text.clear();  // stored now
  text = core::ReadFile(Fixture("salesforce-org/CampaignMember.csv"));
  auto members =
      ImportCsvText(ws.db(), Kind::kCampaignMembers, "CampaignMember.csv", *text, options);
  ASSERT_TRUE(members.has_value()) << members.error().ToString();
  EXPECT_EQ(ws.Int("SELECT created_at FROM campaign_members WHERE external_id = "
                   "'00v5g0000Mem002AQA'"),
            *core::ParseTimestamp("2024-01-15T00:00:00Z"));
  EXPECT_NE(
      std::find(members->unmapped_columns.begin(), members->unmapped_columns.end(), "CreatedDate"),
      members->unmapped_columns.end());
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM audit_log WHERE entity = 'configs' AND entity_id = "
                   "'crm'"),
            1);
}

TEST(CrmTouches, MissingMemberDateColumnIsAnErrorAndChangesNothing) {
  TempWorkspace ws;
  ImportOptions options;
  options.preset = Preset::kSalesforce;
  options.member_date_column = "Joined_On__c";
  auto text = core::ReadFile(Fixture("salesforce-org/CampaignMember.csv"));
  const auto before = ws.Counts();
  auto members =
      ImportCsvText(ws.db(), Kind::kCampaignMembers, "CampaignMember.csv", *text, options);
  ASSERT_FALSE(members.has_value());
  EXPECT_EQ(members.error().file, "CampaignMember.csv");
  EXPECT_EQ(members.error().line, 1);
  EXPECT_NE(members.error().message.find("'Joined_On__c'"), std::string::npos);
  EXPECT_EQ(ws.Counts(), before);
}

TEST(CrmTouches, BadCrmConfigFailsTheImportAndChangesNothing) {
  TempWorkspace ws;
  ImportOptions options;
  options.preset = Preset::kSalesforce;
  options.crm_config_text = "lead_status:\n  Open: warm\n";
  auto text = core::ReadFile(Fixture("salesforce-org/Lead.csv"));
  const auto before = ws.Counts();
  auto leads = ImportCsvText(ws.db(), Kind::kContacts, "Lead.csv", *text, options);
  ASSERT_FALSE(leads.has_value());
  EXPECT_EQ(leads.error().line, 2);
  EXPECT_EQ(ws.Counts(), before);
  EXPECT_EQ(ws.Int("SELECT COUNT(*) FROM configs WHERE name = 'crm'"), 0);
}

TEST(CrmLifecycle, SalesforceLeadStatusesAndConversion) {
  TempWorkspace ws;
  std::vector<ImportSummary> s = ImportOrg(ws, {0, 1, 2});
  ASSERT_EQ(s.size(), 3u);
  auto stage = [&](const std::string& email) {
    return ws.Text("SELECT lifecycle_stage FROM contacts WHERE email = '" + email + "'");
  };
  EXPECT_EQ(stage("fay.moreau@hollis.example"), "lead");        // Open - Not Contacted
  EXPECT_EQ(stage("gus.hale@quarry.example"), "mql");           // Working - Contacted
  EXPECT_EQ(stage("ivy.chen@lumen.example"), "lead");           // unknown status: the default
  EXPECT_EQ(stage("cora.lind@borealis-foods.example"), "sql");  // converted lead's contact
  EXPECT_EQ(stage("ada.quill@acme-robotics.example"), "");      // a contact, never a lead
  ASSERT_EQ(s[2].crm.lifecycle_warnings.size(), 1u);
  EXPECT_NE(s[2].crm.lifecycle_warnings[0].find("'Nurture Pool' (1 lead)"), std::string::npos)
      << s[2].crm.lifecycle_warnings[0];
  // Each record with a stage was a lead from its CreatedDate (Salesforce has
  // no stage history); a contact that never was a lead gets no entry.
  // (Count takes what follows FROM.)
  const std::string entries =
      "lifecycle_history h JOIN contacts c ON c.id = h.contact_id WHERE h.stage = 'lead' AND "
      "h.entered_at = c.created_at AND h.cause = 'created in Salesforce'";
  const int64_t with_stage =
      ws.Count("contacts WHERE lifecycle_stage IS NOT NULL AND lifecycle_stage <> ''");
  EXPECT_GT(with_stage, 3);
  EXPECT_EQ(ws.Count(entries), with_stage);
  EXPECT_EQ(ws.Count("lifecycle_history h JOIN contacts c ON c.id = h.contact_id WHERE c.email = "
                     "'ada.quill@acme-robotics.example'"),
            0);
  // Importing the files again adds none.
  ImportOrg(ws, {0, 1, 2});
  EXPECT_EQ(ws.Count(entries), with_stage);
  EXPECT_EQ(ws.Count("lifecycle_history"), with_stage);
}

// Real Lead exports sometimes hold the account's id in Company: it is the
// lead's account (either id form), not a company called "0015g...".
TEST(CrmLeads, CompanyHoldingAnAccountIdIsTheAccount) {
  TempWorkspace ws;
  ImportOrg(ws, {0});
  const std::string leads =
      "\"Id\",\"FirstName\",\"LastName\",\"Email\",\"Company\",\"Status\",\"CreatedDate\"\n"
      "\"00Q5g00002AbcAaEAJ\",\"Lia\",\"Berg\",\"lia@a.example\",\"0015g00000AcmRBAAZ\","
      "\"Open - Not Contacted\",\"2024-03-01T10:00:00.000Z\"\n"
      "\"00Q5g00002AbcBbEAJ\",\"Max\",\"Roth\",\"max@b.example\",\"0015g00000BorFd\","
      "\"Open - Not Contacted\",\"2024-03-02T10:00:00.000Z\"\n"
      "\"00Q5g00002AbcCcEAJ\",\"Ola\",\"Nord\",\"ola@c.example\",\"Hollis Ltd\","
      "\"Open - Not Contacted\",\"2024-03-03T10:00:00.000Z\"\n"
      // 18 characters starting 001 whose suffix is not their checksum: a name.
      "\"00Q5g00002AbcDdEAJ\",\"Pia\",\"Sand\",\"pia@d.example\",\"001ABCDEFGHIJKLMNO\","
      "\"Open - Not Contacted\",\"2024-03-04T10:00:00.000Z\"\n";
  ImportOptions options;
  options.preset = Preset::kSalesforce;
  auto summary = ImportCsvText(ws.db(), Kind::kContacts, "Lead.csv", leads, options);
  ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
  EXPECT_EQ(summary->imported, 4);
  EXPECT_EQ(ws.Lines("SELECT c.email, c.company_name, a.name FROM contacts c LEFT JOIN accounts "
                     "a ON a.id = c.account_id WHERE c.external_id LIKE '00Q5g00002Abc%' ORDER BY "
                     "c.email"),
            "lia@a.example|-|Acme Robotics;max@b.example|-|Borealis Foods;ola@c.example|Hollis "
            "Ltd|-;pia@d.example|001ABCDEFGHIJKLMNO|-");
  const auto warning =
      std::find_if(summary->warnings.begin(), summary->warnings.end(),
                   [](const std::string& w) { return w.find("account id") != std::string::npos; });
  ASSERT_NE(warning, summary->warnings.end()) << summary->ToText();
  EXPECT_NE(warning->find("2 rows have an account id in the company column (lines 2, 3)"),
            std::string::npos)
      << *warning;
  EXPECT_TRUE(summary->unresolved.empty()) << summary->ToText();
  // The same file again changes nothing.
  auto again = ImportCsvText(ws.db(), Kind::kContacts, "Lead.csv", leads, options);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->unchanged, 4) << again->ToText();
}

// An org loaded by a data import: every CreatedDate is the load date and the
// real one sits in a custom field. A mapping file on the preset names it, and
// the created touches and lifecycle entries are dated by it.
TEST(CrmLeads, MappingFileOnThePresetDatesLeadsByACustomField) {
  TempWorkspace ws;
  const std::string leads =
      "Id,FirstName,LastName,Email,Company,Status,LeadSource,CreatedDate,Created_Date__c\n"
      "00Q5g00002AbcAa,Lia,Berg,lia@a.example,Acme,Open - Not Contacted,Webinar,"
      "2024-06-01T08:00:00.000Z,2023-02-11\n"
      "00Q5g00002AbcBb,Max,Roth,max@b.example,Borealis,Working - Contacted,Web,"
      "2024-06-01T08:00:00.000Z,2023-03-15\n";
  ImportOptions options;
  options.preset = Preset::kSalesforce;
  options.mapping_text = "columns:\n  Created_Date__c: created_at\n";
  auto summary = ImportCsvText(ws.db(), Kind::kContacts, "Lead.csv", leads, options);
  ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
  EXPECT_EQ(summary->preset, Preset::kSalesforce);
  EXPECT_EQ(summary->imported, 2) << summary->ToText();
  EXPECT_TRUE(summary->warnings.empty()) << summary->ToText();
  // 15-character ids still take their 18-character form (the preset's).
  const int64_t feb11 = *core::ParseTimestamp("2023-02-11");
  const int64_t mar15 = *core::ParseTimestamp("2023-03-15");
  EXPECT_EQ(ws.Lines("SELECT external_id, created_at, lifecycle_stage FROM contacts ORDER BY "
                     "external_id"),
            fmt::format("00Q5g00002AbcAaEAJ|{}|lead;00Q5g00002AbcBbEAJ|{}|mql", feb11, mar15));
  EXPECT_EQ(ws.Lines("SELECT occurred_at, channel FROM touchpoints WHERE type = 'created' ORDER BY "
                     "occurred_at"),
            fmt::format("{}|webinar;{}|organic_search", feb11, mar15));
  // Nothing is dated by the load date in CreatedDate.
  EXPECT_EQ(ws.Count(fmt::format("lifecycle_history WHERE entered_at >= {}",
                                 *core::ParseTimestamp("2024-06-01"))),
            0);

  // A mapping file for another preset than the one asked for is refused.
  ImportOptions hubspot;
  hubspot.preset = Preset::kHubspot;
  hubspot.mapping_text = "preset: salesforce\ncolumns:\n  Created_Date__c: created_at\n";
  const auto before = ws.Counts();
  auto refused = ImportCsvText(ws.db(), Kind::kContacts, "Lead.csv", leads, hubspot);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("builds on preset salesforce, not hubspot"),
            std::string::npos)
      << refused.error().ToString();
  EXPECT_EQ(ws.Counts(), before);
}

TEST(CrmTouches, HubspotSourcePropertiesBecomeTouches) {
  TempWorkspace ws;
  ImportOptions options;
  options.rejects_path = ws.Path("hubspot.rejects.csv");
  auto text = core::ReadFile(Fixture("hubspot/contacts-sources.csv"));
  ASSERT_TRUE(text.has_value());
  auto summary = ImportCsvText(ws.db(), Kind::kContacts, "contacts-sources.csv", *text, options);
  ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
  EXPECT_EQ(summary->preset, Preset::kHubspot);
  EXPECT_EQ(summary->rejected, 0) << summary->ToText();
  const std::vector<std::string> expected = {
      "created|created:51201|hana.kowalski@fjord-analytics.example||2024-02-03T09:14:00Z|organic_"
      "search",
      "created|created:51202|omar.reyes@tallpine.example||2024-02-10T11:00:00Z|paid_search",
      "created|created:51203|lise.berg@nordlys.example||2024-01-05T08:30:00Z|referral",
      "created|created:51204|tom.achebe@kestrel.example||2024-03-01T10:00:00Z|other",
      "created|created:51205|mia.santos@orchard.example||2024-03-04T14:20:00Z|referral",
      "created|created:51206|raj.iyer@bluefin.example||2024-03-06T07:45:00Z|paid_social",
      "latest_source|latest_source:51201|hana.kowalski@fjord-analytics.example||2024-03-11T16:40:"
      "00Z|email",
      "latest_source|latest_source:51203|lise.berg@nordlys.example||2024-02-20T13:05:00Z|organic_"
      "social",
      "latest_source|latest_source:51205|mia.santos@orchard.example||2024-03-20T09:00:00Z|direct",
      "recent_conversion|recent_conversion:51201|hana.kowalski@fjord-analytics.example||2024-03-"
      "11T16:41:00Z|email",
      "recent_conversion|recent_conversion:51202|omar.reyes@tallpine.example||2024-02-10T11:02:"
      "00Z|paid_search",
      "recent_conversion|recent_conversion:51205|mia.santos@orchard.example||2024-03-20T09:03:00Z|"
      "direct",
  };
  EXPECT_EQ(Touches(ws), expected);
  EXPECT_EQ(ws.Text("SELECT source FROM touchpoints WHERE external_id = 'created:51202'"),
            "adwords");
  EXPECT_EQ(ws.Text("SELECT event_name FROM touchpoints WHERE external_id = "
                    "'recent_conversion:51202'"),
            "Free trial signup");
  // "Other" and a custom stage take the default, with a warning each.
  EXPECT_EQ(ws.Text("SELECT lifecycle_stage FROM contacts WHERE external_id = '51204'"), "lead");
  EXPECT_EQ(ws.Text("SELECT lifecycle_stage FROM contacts WHERE external_id = '51205'"), "lead");
  EXPECT_EQ(ws.Text("SELECT lifecycle_stage FROM contacts WHERE external_id = '51201'"), "mql");
  EXPECT_EQ(summary->crm.lifecycle_warnings.size(), 2u) << summary->ToText();
  EXPECT_NE(summary->ToText().find("lifecycle stage 'other' (1 contact) is not a mops stage: set "
                                   "to 'lead'"),
            std::string::npos)
      << summary->ToText();
  // Again: nothing new.
  auto again = ImportCsvText(ws.db(), Kind::kContacts, "contacts-sources.csv", *text, options);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(Touches(ws), expected);
}

}  // namespace
}  // namespace mops::ingest
