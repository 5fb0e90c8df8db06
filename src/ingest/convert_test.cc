#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ingest/internal.h"

namespace mops::ingest::internal {
namespace {

using ::testing::HasSubstr;

// Maps a header and converts one record.
struct Converted {
  bool ok = false;
  ConvertedRow row;
  std::vector<CellProblem> problems;
  const KindSpec* spec = nullptr;

  const Value& operator[](std::string_view field) const {
    return row.values[spec->FieldIndex(field)];
  }
  std::string Text(std::string_view field) const {
    const auto* s = std::get_if<std::string>(&(*this)[field]);
    return s != nullptr ? *s : "<null>";
  }
  int64_t Int(std::string_view field) const {
    const auto* i = std::get_if<int64_t>(&(*this)[field]);
    return i != nullptr ? *i : -999;
  }
  bool Null(std::string_view field) const {
    return std::holds_alternative<std::monostate>((*this)[field]);
  }
};

Converted Convert(Kind kind, std::vector<std::string> header, std::vector<std::string_view> record,
                  Preset preset = Preset::kAuto,
                  core::DateFormat date_format = core::DateFormat::kAuto) {
  Converted c;
  c.spec = &SpecFor(kind);
  auto mapping = MapColumns(kind, header, preset, nullptr, "test.csv");
  EXPECT_TRUE(mapping) << mapping.error().ToString();
  if (!mapping) return c;
  RowConverter converter(*c.spec, *mapping, date_format, "csv");
  c.ok = converter.Convert(record, c.row, c.problems);
  return c;
}

TEST(Convert, TypedValues) {
  auto c = Convert(Kind::kAccounts,
                   {"external_id", "name", "employees", "annual_revenue", "created_at", "website"},
                   {"a1", "  Acme  ", "1,200", "$25,000,000.50", "2024-03-31T12:00:00Z",
                    "https://www.Acme.com/about"});
  ASSERT_TRUE(c.ok);
  EXPECT_EQ(c.row.key, "a1");
  EXPECT_EQ(c.row.source_system, "csv");
  EXPECT_EQ(c.Text("name"), "Acme");
  EXPECT_EQ(c.Int("employees"), 1200);
  EXPECT_EQ(c.Int("annual_revenue"), 2500000050);
  EXPECT_EQ(c.Int("created_at"), 1711886400);
  // The domain comes from the website when the file has no domain column.
  EXPECT_EQ(c.Text("domain"), "acme.com");
}

TEST(Convert, ProblemsNameTheColumnAndReason) {
  auto c = Convert(Kind::kOpportunities, {"external_id", "amount", "close_date", "is_won", "name"},
                   {"o1", "12,5", "31st of March", "maybe", "Deal"});
  EXPECT_FALSE(c.ok);
  ASSERT_EQ(c.problems.size(), 3u);
  EXPECT_EQ(c.problems[0].column, 2);
  EXPECT_EQ(c.problems[0].value, "12,5");
  EXPECT_THAT(c.problems[0].reason, HasSubstr("12,5"));
  EXPECT_EQ(c.problems[1].column, 3);
  EXPECT_THAT(c.problems[1].reason, HasSubstr("date"));
  EXPECT_EQ(c.problems[2].column, 4);
  EXPECT_EQ(c.problems[2].value, "maybe");
}

TEST(Convert, MissingKeyAndRequiredFields) {
  auto no_key = Convert(Kind::kContacts, {"external_id", "email"}, {" ", "a@b.c"});
  EXPECT_FALSE(no_key.ok);
  ASSERT_EQ(no_key.problems.size(), 1u);
  EXPECT_EQ(no_key.problems[0].column, 1);
  EXPECT_EQ(no_key.problems[0].reason, "missing external_id");

  auto no_time =
      Convert(Kind::kTouchpoints, {"external_id", "occurred_at", "type"}, {"t1", "", "page_view"});
  EXPECT_FALSE(no_time.ok);
  EXPECT_EQ(no_time.problems[0].reason, "missing occurred_at");
}

TEST(Convert, EmptyCellsAreNullOrTheColumnDefault) {
  auto c = Convert(Kind::kOpportunities, {"external_id", "amount", "is_closed", "is_won"},
                   {"o1", "", "", "true"});
  ASSERT_TRUE(c.ok);
  EXPECT_TRUE(c.Null("amount"));
  EXPECT_EQ(c.Int("is_closed"), 0);
  EXPECT_EQ(c.Int("is_won"), 1);
  // Fields the file does not have stay NULL.
  EXPECT_TRUE(c.Null("name"));
}

TEST(Convert, HubspotListsAndStages) {
  auto c = Convert(Kind::kContacts,
                   {"Record ID", "Associated Company IDs", "Lifecycle Stage", "Became a Lead Date"},
                   {"101", "9003; 9001", "Marketing Qualified Lead", "03/31/2024"});
  ASSERT_TRUE(c.ok);
  EXPECT_EQ(c.row.source_system, "csv");  // the service passes the preset's source
  EXPECT_EQ(c.Text("account_id"), "9003");
  EXPECT_EQ(c.Text("lifecycle_stage"), "mql");
  EXPECT_EQ(c.Int("lead_at"), 1711843200);
}

TEST(Convert, DealStageGivesClosedAndWon) {
  struct Case {
    std::string_view stage;
    int closed, won;
  };
  for (const Case& k :
       {Case{"Closed Won", 1, 1}, Case{"closedwon", 1, 1}, Case{"Closed Lost", 1, 0},
        Case{"closedlost", 1, 0}, Case{"appointmentscheduled", 0, 0}}) {
    auto c = Convert(Kind::kOpportunities, {"Record ID", "Deal Stage"}, {"5001", k.stage});
    ASSERT_TRUE(c.ok);
    EXPECT_EQ(c.Int("is_closed"), k.closed) << k.stage;
    EXPECT_EQ(c.Int("is_won"), k.won) << k.stage;
    EXPECT_EQ(c.Text("stage"), k.stage);
  }
}

TEST(Convert, SalesforceConvertedLead) {
  const std::vector<std::string> h = {"Id", "Email", "IsConverted", "ConvertedContactId"};
  auto converted = Convert(Kind::kContacts, h, {"00Q1", "a@b.c", "true", "0031"});
  ASSERT_TRUE(converted.ok);
  EXPECT_TRUE(converted.row.converted_lead);
  auto open = Convert(Kind::kContacts, h, {"00Q2", "a@b.c", "false", ""});
  ASSERT_TRUE(open.ok);
  EXPECT_FALSE(open.row.converted_lead);
}

TEST(Convert, CampaignMemberByLeadAndSynthesizedKey) {
  auto c = Convert(Kind::kCampaignMembers, {"CampaignId", "LeadId", "ContactId", "HasResponded"},
                   {"7011", "00Q1", "", "true"});
  ASSERT_TRUE(c.ok) << (c.problems.empty() ? "" : c.problems[0].reason);
  EXPECT_EQ(c.Text("contact_id"), "00Q1");
  EXPECT_EQ(c.row.key, "7011:00Q1");
  EXPECT_EQ(c.Int("responded"), 1);

  auto nobody =
      Convert(Kind::kCampaignMembers, {"CampaignId", "LeadId", "ContactId"}, {"7011", "", ""});
  EXPECT_FALSE(nobody.ok);
  EXPECT_THAT(nobody.problems[0].reason, HasSubstr("missing contact_id"));
}

TEST(Convert, TouchpointChannelAndEmailReference) {
  auto c = Convert(Kind::kTouchpoints,
                   {"external_id", "occurred_at", "type", "utm_source", "utm_medium", "email"},
                   {"t1", "2024-01-01", "page_view", "linkedin", "cpc", "Ana@Acme.COM"});
  ASSERT_TRUE(c.ok);
  EXPECT_EQ(c.Text("channel"), "paid_social");
  EXPECT_EQ(c.Text("source"), "linkedin");
  EXPECT_EQ(c.Text("contact_id"), "email:ana@acme.com");

  // A channel given in the file is kept.
  auto given = Convert(Kind::kTouchpoints, {"external_id", "occurred_at", "type", "channel"},
                       {"t2", "2024-01-01", "page_view", "partner"});
  EXPECT_EQ(given.Text("channel"), "partner");
}

TEST(Convert, CampaignChannelFromType) {
  auto c = Convert(Kind::kCampaigns, {"Id", "Name", "Type"}, {"701", "Q1", "Webinar"},
                   Preset::kSalesforce);
  ASSERT_TRUE(c.ok);
  EXPECT_EQ(c.Text("channel"), "webinar");
}

TEST(Convert, DateFormats) {
  auto dmy = Convert(Kind::kContacts, {"external_id", "created_at"}, {"c1", "31/01/2024"},
                     Preset::kAuto, core::DateFormat::kDmy);
  ASSERT_TRUE(dmy.ok);
  EXPECT_EQ(dmy.Int("created_at"), 1706659200);
  auto mdy = Convert(Kind::kContacts, {"external_id", "created_at"}, {"c1", "31/01/2024"},
                     Preset::kAuto, core::DateFormat::kMdy);
  EXPECT_FALSE(mdy.ok);
}

TEST(Convert, RowSourceColumnOverridesTheDefault) {
  auto c = Convert(Kind::kContacts, {"external_id", "source_system"}, {"c1", "hubspot"});
  ASSERT_TRUE(c.ok);
  EXPECT_EQ(c.row.source_system, "hubspot");
  auto empty = Convert(Kind::kContacts, {"external_id", "source_system"}, {"c1", ""});
  EXPECT_EQ(empty.row.source_system, "csv");
}

TEST(Convert, LifecycleStages) {
  EXPECT_EQ(NormalizeLifecycleStage("Marketing Qualified Lead"), "mql");
  EXPECT_EQ(NormalizeLifecycleStage("marketingqualifiedlead"), "mql");
  EXPECT_EQ(NormalizeLifecycleStage("salesqualifiedlead"), "sql");
  EXPECT_EQ(NormalizeLifecycleStage("SQL"), "sql");
  EXPECT_EQ(NormalizeLifecycleStage(" Customer "), "customer");
  EXPECT_EQ(NormalizeLifecycleStage("Evangelist"), "evangelist");
  EXPECT_EQ(NormalizeLifecycleStage("Other"), "other");
  EXPECT_EQ(NormalizeLifecycleStage("Partner Prospect"), "partner prospect");
}

TEST(Convert, DomainFromUrl) {
  EXPECT_EQ(DomainFromUrl("https://www.Example.com/path?q=1"), "example.com");
  EXPECT_EQ(DomainFromUrl("www.initech.com"), "initech.com");
  EXPECT_EQ(DomainFromUrl("http://user@shop.example.co.uk:8080/"), "shop.example.co.uk");
  EXPECT_EQ(DomainFromUrl("not a url"), "");
  EXPECT_EQ(DomainFromUrl(""), "");
}

}  // namespace
}  // namespace mops::ingest::internal
