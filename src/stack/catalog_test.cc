#include <gtest/gtest.h>

#include <set>

#include "core/strings.h"
#include "stack/stack.h"

namespace mops::stack {
namespace {

TEST(CatalogTest, ProductsByNameAndAliasIgnoringCaseAndPunctuation) {
  struct Case {
    std::string_view typed;
    std::string_view product;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"HubSpot Marketing Hub", "HubSpot Marketing Hub"},
           {"hubspot marketing-hub", "HubSpot Marketing Hub"},
           {"Marketo Engage", "Marketo Engage"},
           {"MARKETO", "Marketo Engage"},
           {"Google Analytics 4", "Google Analytics 4"},
           {"GA4", "Google Analytics 4"},
           {"Pardot", "Account Engagement"},
           {"Bizible", "Marketo Measure"},
           {"Chorus.ai", "Chorus"},
           {"chili piper", "Chili Piper"},
           {"dbt", "dbt Cloud"},
           {"Google BigQuery", "BigQuery"},
           {"Zoom Webinar", "Zoom Webinars"},
           {"WordPress VIP", "WordPress"},
           {"D&B Hoovers", "Dun & Bradstreet"},
           {" salesforce ", "Salesforce Sales Cloud"},
       }) {
    const Product* p = FindProduct(c.typed);
    ASSERT_NE(p, nullptr) << c.typed;
    EXPECT_EQ(p->name, c.product) << c.typed;
  }
  EXPECT_EQ(FindProduct("Acme Internal Tool"), nullptr);
  EXPECT_EQ(FindProduct(""), nullptr);
  EXPECT_EQ(FindProduct("--"), nullptr);
}

TEST(CatalogTest, CoversEveryProductTheIssueNames) {
  for (std::string_view name :
       {"Salesforce",  "HubSpot",     "Marketo",   "Pardot",     "Marketo Measure",
        "6sense",      "Demandbase",  "Gong",      "Chorus",     "Bombora",
        "G2",          "GA4",         "Looker",    "Tableau",    "Segment",
        "RudderStack", "Drift",       "Intercom",  "Clearbit",   "ZoomInfo",
        "Outreach",    "Salesloft",   "Hotjar",    "Optimizely", "Unbounce",
        "Calendly",    "Chili Piper", "LeanData",  "ON24",       "Zoom Webinars",
        "Hootsuite",   "Semrush",     "WordPress", "Contentful", "Snowflake",
        "BigQuery",    "Fivetran",    "Hightouch", "dbt"}) {
    EXPECT_NE(FindProduct(name), nullptr) << name;
  }
  EXPECT_GE(Catalog().size(), 100u);
}

TEST(CatalogTest, EveryProductUsesTaxonomyCapabilitiesWithItsCategoryFirst) {
  std::set<std::string> names;
  for (const Product& p : Catalog()) {
    EXPECT_TRUE(names.insert(NameKey(p.name)).second) << "duplicate product " << p.name;
    const auto caps = core::Split(p.capabilities, ';');
    ASSERT_FALSE(caps.empty()) << p.name;
    EXPECT_EQ(caps.front(), p.category) << p.name;
    for (std::string_view c : caps) {
      const CapabilityInfo* info = FindCapability(c);
      ASSERT_NE(info, nullptr) << p.name << ": " << c;
      EXPECT_EQ(info->id, c) << p.name;
    }
    // An alias never shadows another product.
    for (std::string_view alias : core::Split(p.aliases, '|')) {
      if (alias.empty()) continue;
      const Product* found = FindProduct(alias);
      ASSERT_NE(found, nullptr) << alias;
      EXPECT_EQ(found->name, p.name) << alias;
    }
  }
}

TEST(TaxonomyTest, CoversTheIssueListAndResolvesAliases) {
  for (std::string_view id : {"crm",
                              "marketing_automation",
                              "email",
                              "attribution",
                              "web_analytics",
                              "product_analytics",
                              "abm",
                              "intent_data",
                              "enrichment",
                              "chat",
                              "conversion_optimization",
                              "forms",
                              "scheduling",
                              "webinar",
                              "events",
                              "social_management",
                              "seo",
                              "cms",
                              "dam",
                              "ads_management",
                              "cdp",
                              "data_warehouse",
                              "bi",
                              "reverse_etl",
                              "conversation_intelligence",
                              "call_tracking",
                              "reviews",
                              "surveys",
                              "project_management"}) {
    const CapabilityInfo* c = FindCapability(id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_EQ(c->id, id);
  }
  EXPECT_EQ(CanonicalCapability("Marketing Automation"), "marketing_automation");
  EXPECT_EQ(CanonicalCapability("webinars"), "webinar");
  EXPECT_EQ(CanonicalCapability("Account-Based Marketing"), "abm");
  EXPECT_EQ(CanonicalCapability("ads_search"), "ads_management");
  EXPECT_EQ(CanonicalCapability("Customer Data Platform"), "cdp");
  EXPECT_EQ(CanonicalCapability("Lead Scoring"), "marketing_automation");
  // Outside the taxonomy: kept, in snake case.
  EXPECT_EQ(CanonicalCapability("  Engagement Analytics! "), "engagement_analytics");
  EXPECT_EQ(CanonicalCapability("   "), "");
}

TEST(ReferenceStackTest, StagesParseAndListKnownCapabilities) {
  EXPECT_EQ(*ParseStage("Growth"), Stage::kGrowth);
  EXPECT_EQ(*ParseStage("seed"), Stage::kSeed);
  EXPECT_EQ(*ParseStage("SCALE"), Stage::kScale);
  auto bad = ParseStage("unicorn");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("seed, growth or scale"), std::string::npos);
  for (Stage s : {Stage::kSeed, Stage::kGrowth, Stage::kScale}) {
    const ReferenceStack& r = ReferenceFor(s);
    EXPECT_EQ(r.stage, s);
    EXPECT_LT(r.min_tools, r.max_tools);
    for (std::string_view list : {r.essential, r.recommended, r.premature}) {
      for (std::string_view c : core::Split(list, ';')) {
        if (!c.empty()) {
          EXPECT_NE(FindCapability(c), nullptr) << StageName(s) << ": " << c;
        }
      }
    }
  }
}

}  // namespace
}  // namespace mops::stack
