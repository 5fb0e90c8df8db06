// Attribution on the Salesforce org fixture (tests/fixtures/salesforce-org):
// the touches come from CRM objects only (campaign members, primary
// campaigns, lead and contact creation), and every figure is worked out by
// hand below. Built twice: on SQLite and, in attribution_postgres_test, on a
// real PostgreSQL.
//
// Won opportunities (revenue 65,000; won at the end of the close date, 90-day
// lookback, journeys through contact roles):
//   Acme - Fleet 30,000, closes 2024-03-20, role Ada Quill:
//     01-10 created (LeadSource Web) organic_search, 01-15 Google Ads Q1
//     (Web Marketing, Added_Date__c) display, 03-05 Newsletter March
//     (responded) email.
//   Borealis - Pilot 20,000, closes 04-10, role Cora Lind (a converted lead):
//     01-20 the lead's creation (LeadSource Webinar) webinar, 02-05 Spring
//     Webinar (responded, by LeadId) webinar; 05-20 Partner Co-marketing is
//     after the close.
//   Cobalt - Expansion 10,000, closes 04-30, no contact role: through its
//     account, Dev Patel: 03-15 Boston Trade Show (`event`) events, 04-02
//     Podcast Sponsorship (an unknown type) other.
//   Dunmore - Renewal 5,000: no touch at all.
// first_touch: organic_search 30,000, webinar 20,000, events 10,000,
//   (unattributed) 5,000.
// linear: organic_search, display, email 10,000 each; webinar 20,000;
//   events and other 5,000 each; (unattributed) 5,000.
// Through accounts: 1 opportunity, 10,000.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "attribution/attribution.h"
#include "ingest/test_util.h"

namespace mops::attribution {
namespace {

using ingest::testing::TempWorkspace;

struct OrgFile {
  ingest::Kind kind;
  const char* file;
};
constexpr OrgFile kOrg[] = {
    {ingest::Kind::kAccounts, "Account.csv"},
    {ingest::Kind::kContacts, "Contact.csv"},
    {ingest::Kind::kContacts, "Lead.csv"},
    {ingest::Kind::kCampaigns, "Campaign.csv"},
    {ingest::Kind::kCampaignMembers, "CampaignMember.csv"},
    {ingest::Kind::kOpportunities, "Opportunity.csv"},
    {ingest::Kind::kOpportunityContacts, "OpportunityContactRole.csv"},
};

void ImportOrg(TempWorkspace& ws, const std::vector<size_t>& order) {
  for (size_t i : order) {
    ingest::ImportOptions options;
    options.preset = ingest::Preset::kSalesforce;
    options.strict = true;
    options.rejects_path = ws.Path(std::string(kOrg[i].file) + ".rejects.csv");
    if (kOrg[i].kind == ingest::Kind::kCampaignMembers) {
      options.member_date_column = "Added_Date__c";
    }
    const std::string path = std::string(MOPS_FIXTURES) + "/salesforce-org/" + kOrg[i].file;
    auto summary = ingest::ImportFile(ws.db(), kOrg[i].kind, path, options);
    ASSERT_TRUE(summary.has_value()) << kOrg[i].file << ": " << summary.error().ToString();
  }
}

RunReport Attribute(TempWorkspace& ws, ConversionKind conversion) {
  RunRequest r;
  r.conversion = conversion;
  auto report = attribution::Run(ws.db(), r, "test");
  EXPECT_TRUE(report.has_value()) << report.error().ToString();
  return report ? *report : RunReport{};
}

std::map<std::string, double> ByChannel(const RunReport& report, Model model) {
  std::map<std::string, double> out;
  for (const ModelTotals& m : report.models) {
    if (m.model != model) continue;
    const DimensionTotals& t = m.by[static_cast<size_t>(Dimension::kChannel)];
    for (size_t k = 0; k < t.keys.size(); ++k) {
      if (t.value[k] != 0) out[t.keys[k]] = t.value[k];
    }
  }
  return out;
}

void ExpectOrgRevenue(TempWorkspace& ws) {
  RunReport won = Attribute(ws, ConversionKind::kWon);
  EXPECT_EQ(won.conversions, 4);
  EXPECT_DOUBLE_EQ(won.value, 65000);
  EXPECT_EQ(won.unattributed, 1);
  EXPECT_DOUBLE_EQ(won.unattributed_value, 5000);
  EXPECT_EQ(won.account_journeys, 1);
  EXPECT_DOUBLE_EQ(won.account_journey_value, 10000);
  const std::map<std::string, double> first = {
      {"organic_search", 30000}, {"webinar", 20000}, {"events", 10000}, {"(unattributed)", 5000}};
  EXPECT_EQ(ByChannel(won, Model::kFirstTouch), first);
  const std::map<std::string, double> linear = {
      {"organic_search", 10000}, {"display", 10000}, {"email", 10000},        {"webinar", 20000},
      {"events", 5000},          {"other", 5000},    {"(unattributed)", 5000}};
  EXPECT_EQ(ByChannel(won, Model::kLinear), linear);
  // Every won opportunity with a touch before its close has a named channel.
  std::map<int64_t, std::string> channels;
  for (const ConversionCredit& c : won.credits) {
    if (c.model == Model::kFirstTouch) channels[c.conversion_id] += c.channel;
  }
  ASSERT_EQ(channels.size(), 4u);
  for (const auto& [id, channel] : channels) {
    const std::string name =
        ws.Text("SELECT name FROM opportunities WHERE id = " + std::to_string(id));
    EXPECT_EQ(channel == "(unattributed)", name == "Dunmore - Renewal") << name << ": " << channel;
  }

  // Pipeline: Acme - Add-on (8,000, role Ben Ortiz, whose only touch is after
  // its creation) and Borealis - Lost (4,000, no roles) go through their
  // accounts; Cobalt - Expansion has no touch before its creation 03-01.
  RunReport created = Attribute(ws, ConversionKind::kCreated);
  EXPECT_EQ(created.conversions, 6);
  EXPECT_EQ(created.account_journeys, 2);
  EXPECT_DOUBLE_EQ(created.account_journey_value, 12000);
  EXPECT_EQ(created.unattributed, 2);
  EXPECT_DOUBLE_EQ(created.unattributed_value, 15000);
  // Null paths (Markov): the people in no conversion, Dev Patel and the three
  // unconverted leads. Acme's account-level touch (its primary campaign) was
  // in Acme - Add-on's journey through the account, so it is not one.
  EXPECT_EQ(created.null_paths, 4);
}

TEST(CrmOrgAttribution, RevenuePerChannelAndThroughAccounts) {
  TempWorkspace ws;
  ImportOrg(ws, {0, 1, 2, 3, 4, 5, 6});
  ExpectOrgRevenue(ws);
}

TEST(CrmOrgAttribution, SameFiguresInAnyFileOrderAndAfterReimport) {
  TempWorkspace ws;
  ImportOrg(ws, {6, 5, 4, 3, 2, 1, 0});
  ExpectOrgRevenue(ws);
  const int64_t touches = ws.Count("touchpoints");
  ImportOrg(ws, {3, 0, 6, 2, 4, 1, 5});
  EXPECT_EQ(ws.Count("touchpoints"), touches);
  ExpectOrgRevenue(ws);
}

}  // namespace
}  // namespace mops::attribution
