// The built-in data of stack/: the capability taxonomy, the vendor and
// product catalog, and the reference stacks per company stage. Plain
// constexpr tables, so the data ships inside the binary and is read without
// any parsing at start-up; the lookup indexes are built once, on first use.
#include <algorithm>
#include <array>
#include <unordered_map>

#include "core/strings.h"
#include "stack/stack.h"

namespace mops::stack {
namespace {

// Typical costs are rough mid-market list prices (USD per year) for a
// growth-stage company: enough to size a gap, not a quote.
constexpr std::array kTaxonomy = {
    CapabilityInfo{"crm", "CRM", "Core",
                   "customer relationship management|sales crm|opportunity management|pipeline "
                   "management|contact management|system of record",
                   false, 60000},
    CapabilityInfo{"marketing_automation", "Marketing automation", "Engagement",
                   "marketing automation platform|map|lead scoring|lead nurturing|nurture", false,
                   40000},
    CapabilityInfo{"email", "Email", "Engagement",
                   "email marketing|email service provider|esp|newsletters|transactional email",
                   false, 6000},
    CapabilityInfo{"attribution", "Attribution", "Measurement",
                   "marketing attribution|multi touch attribution|mta|revenue attribution", false,
                   30000},
    CapabilityInfo{"web_analytics", "Web analytics", "Measurement",
                   "website analytics|site analytics|conversion tracking", false, 0},
    CapabilityInfo{"product_analytics", "Product analytics", "Measurement",
                   "product usage analytics|behavioral analytics|in app analytics", false, 20000},
    CapabilityInfo{"abm", "ABM", "Demand", "account based marketing|account based advertising|abx",
                   false, 60000},
    CapabilityInfo{"intent_data", "Intent data", "Data", "intent|buyer intent|intent signals",
                   false, 30000},
    CapabilityInfo{"enrichment", "Enrichment", "Data",
                   "data enrichment|contact database|b2b data|prospecting data|form shortening",
                   false, 25000},
    CapabilityInfo{"chat", "Chat", "Conversion",
                   "live chat|chatbot|chatbots|conversational marketing|website chat", false,
                   15000},
    CapabilityInfo{"conversion_optimization", "Conversion optimization", "Conversion",
                   "cro|ab testing|a b testing|experimentation|heatmaps|session recording|"
                   "personalization|website personalization",
                   false, 10000},
    CapabilityInfo{"forms", "Forms", "Conversion",
                   "form builder|web forms|lead gen forms|lead generation forms", false, 2000},
    CapabilityInfo{"scheduling", "Scheduling", "Conversion",
                   "meeting scheduling|calendar scheduling|meeting booking|meetings", false, 5000},
    CapabilityInfo{"webinar", "Webinar", "Demand", "webinars|webinar platform|webcasts", false,
                   10000},
    CapabilityInfo{"events", "Events", "Demand",
                   "event management|virtual events|in person events|field events|registration|"
                   "badge scanning",
                   false, 25000},
    CapabilityInfo{"social_management", "Social management", "Engagement",
                   "social media management|social publishing|social listening|social media", false,
                   8000},
    CapabilityInfo{"seo", "SEO", "Demand",
                   "search engine optimization|keyword research|rank tracking", false, 5000},
    CapabilityInfo{"cms", "CMS", "Content", "content management|website|blog|web cms|headless cms",
                   false, 15000},
    CapabilityInfo{"dam", "DAM", "Content",
                   "digital asset management|asset library|asset management|brand assets", false,
                   20000},
    CapabilityInfo{"ads_management", "Ads management", "Demand",
                   "advertising|paid media|ads|ads search|ads display|ads social|paid search|"
                   "paid social|display advertising|programmatic",
                   true, 0},
    CapabilityInfo{"cdp", "CDP", "Data",
                   "customer data platform|event tracking|event collection|identity resolution",
                   false, 30000},
    CapabilityInfo{"data_warehouse", "Data warehouse", "Data",
                   "warehouse|dwh|data lake|lakehouse|cloud data warehouse", false, 20000},
    CapabilityInfo{"bi", "BI", "Measurement",
                   "business intelligence|reporting|dashboards|data visualization", false, 15000},
    CapabilityInfo{"reverse_etl", "Reverse ETL", "Data", "data activation|reverse etl", false,
                   15000},
    CapabilityInfo{"conversation_intelligence", "Conversation intelligence", "Sales",
                   "call recording|conversation analytics|revenue intelligence", false, 40000},
    CapabilityInfo{"call_tracking", "Call tracking", "Measurement",
                   "phone call tracking|call analytics", false, 5000},
    CapabilityInfo{"reviews", "Reviews", "Demand",
                   "review sites|customer reviews|review management|peer reviews", true, 15000},
    CapabilityInfo{"surveys", "Surveys", "Engagement", "survey|nps|customer feedback|feedback",
                   false, 3000},
    CapabilityInfo{"project_management", "Project management", "Operations",
                   "work management|marketing project management|task management", false, 5000},
    // Beyond the list: capabilities the catalog's products need.
    CapabilityInfo{"sales_engagement", "Sales engagement", "Sales",
                   "email sequences|sales sequences|cadences|dialer|sales outreach", false, 30000},
    CapabilityInfo{"landing_pages", "Landing pages", "Conversion",
                   "landing page builder|landing page", false, 5000},
    CapabilityInfo{"lead_routing", "Lead routing", "Operations",
                   "lead to account matching|lead assignment|routing", false, 15000},
    CapabilityInfo{"data_integration", "Data integration", "Data",
                   "etl|elt|data pipelines|data ingestion|connectors", false, 12000},
    CapabilityInfo{"data_transformation", "Data transformation", "Data",
                   "transformation|data modeling|analytics engineering", false, 5000},
    CapabilityInfo{"design", "Design", "Content", "graphic design|creative|brand templates", false,
                   2000},
    CapabilityInfo{"video", "Video", "Content", "video hosting|video marketing|video meetings",
                   false, 5000},
};

// The catalog: category (= primary capability) first in the capabilities.
constexpr std::array kCatalog = {
    // CRM
    Product{"Salesforce Sales Cloud", "Salesforce", "crm", "crm;bi",
            "Salesforce|SFDC|Salesforce CRM|Sales Cloud"},
    Product{"HubSpot Sales Hub", "HubSpot", "crm", "crm;sales_engagement;scheduling",
            "HubSpot CRM|HubSpot Sales"},
    Product{"Microsoft Dynamics 365 Sales", "Microsoft", "crm", "crm;bi",
            "Dynamics 365|Dynamics CRM|Microsoft Dynamics"},
    Product{"Pipedrive", "Pipedrive", "crm", "crm", ""},
    Product{"Zoho CRM", "Zoho", "crm", "crm", ""},
    // Marketing automation and email
    Product{"HubSpot Marketing Hub", "HubSpot", "marketing_automation",
            "marketing_automation;email;landing_pages;forms;social_management;seo",
            "HubSpot|HubSpot Marketing|HubSpot Marketing Hub Professional|HubSpot Marketing Hub "
            "Enterprise"},
    Product{"Marketo Engage", "Adobe", "marketing_automation",
            "marketing_automation;email;landing_pages;forms",
            "Marketo|Adobe Marketo|Adobe Marketo "
            "Engage"},
    Product{"Account Engagement", "Salesforce", "marketing_automation",
            "marketing_automation;email;landing_pages;forms",
            "Pardot|Salesforce Pardot|Marketing Cloud Account Engagement|MCAE"},
    Product{"Salesforce Marketing Cloud", "Salesforce", "email",
            "email;marketing_automation;social_management",
            "SFMC|Marketing Cloud|Marketing Cloud Engagement|ExactTarget"},
    Product{"Oracle Eloqua", "Oracle", "marketing_automation",
            "marketing_automation;email;landing_pages;forms", "Eloqua"},
    Product{"ActiveCampaign", "ActiveCampaign", "marketing_automation",
            "marketing_automation;email;forms", ""},
    Product{"Mailchimp", "Intuit", "email", "email;landing_pages;forms", "Intuit Mailchimp"},
    Product{"Customer.io", "Customer.io", "email", "email;marketing_automation", ""},
    Product{"Braze", "Braze", "email", "email;marketing_automation", ""},
    Product{"Iterable", "Iterable", "email", "email;marketing_automation", ""},
    Product{"Klaviyo", "Klaviyo", "email", "email;marketing_automation;forms", ""},
    // Attribution
    Product{"Marketo Measure", "Adobe", "attribution", "attribution;bi",
            "Bizible|Adobe Marketo Measure"},
    Product{"Dreamdata", "Dreamdata", "attribution", "attribution;bi", ""},
    Product{"HockeyStack", "HockeyStack", "attribution", "attribution;web_analytics;bi", ""},
    Product{"CaliberMind", "CaliberMind", "attribution", "attribution;bi", ""},
    // ABM and intent
    Product{"6sense", "6sense", "abm", "abm;intent_data;ads_management;enrichment",
            "6sense Revenue AI|6sense ABM|Sixsense"},
    Product{"Demandbase", "Demandbase", "abm", "abm;intent_data;ads_management;enrichment",
            "Demandbase One"},
    Product{"Terminus", "DemandScience", "abm", "abm;ads_management", ""},
    Product{"RollWorks", "NextRoll", "abm", "abm;ads_management;intent_data", ""},
    Product{"Bombora", "Bombora", "intent_data", "intent_data", "Bombora Company Surge"},
    Product{"G2", "G2", "reviews", "reviews;intent_data", "G2 Crowd|G2.com|G2 Buyer Intent"},
    Product{"Capterra", "Gartner Digital Markets", "reviews", "reviews", ""},
    Product{"TrustRadius", "TrustRadius", "reviews", "reviews;intent_data", ""},
    // Conversation intelligence and call tracking
    Product{"Gong", "Gong", "conversation_intelligence", "conversation_intelligence", "Gong.io"},
    Product{"Chorus", "ZoomInfo", "conversation_intelligence", "conversation_intelligence",
            "Chorus.ai|ZoomInfo Chorus"},
    Product{"CallRail", "CallRail", "call_tracking", "call_tracking;conversation_intelligence", ""},
    Product{"Invoca", "Invoca", "call_tracking", "call_tracking;conversation_intelligence", ""},
    // Analytics
    Product{"Google Analytics 4", "Google", "web_analytics", "web_analytics",
            "GA4|Google Analytics|Universal Analytics|GA"},
    Product{"Adobe Analytics", "Adobe", "web_analytics", "web_analytics;product_analytics", ""},
    Product{"Matomo", "InnoCraft", "web_analytics", "web_analytics", "Piwik"},
    Product{"Amplitude", "Amplitude", "product_analytics",
            "product_analytics;web_analytics;conversion_optimization", ""},
    Product{"Mixpanel", "Mixpanel", "product_analytics", "product_analytics;web_analytics", ""},
    Product{"Heap", "Contentsquare", "product_analytics", "product_analytics;web_analytics", ""},
    Product{"Pendo", "Pendo", "product_analytics", "product_analytics;surveys", ""},
    Product{"PostHog", "PostHog", "product_analytics",
            "product_analytics;conversion_optimization;web_analytics", ""},
    // BI
    Product{"Looker", "Google", "bi", "bi", "Google Looker"},
    Product{"Looker Studio", "Google", "bi", "bi", "Google Data Studio|Data Studio"},
    Product{"Tableau", "Salesforce", "bi", "bi", "Tableau Cloud|Tableau Server"},
    Product{"Power BI", "Microsoft", "bi", "bi", "Microsoft Power BI"},
    Product{"Sigma", "Sigma Computing", "bi", "bi", "Sigma Computing"},
    Product{"Metabase", "Metabase", "bi", "bi", ""},
    Product{"Domo", "Domo", "bi", "bi", ""},
    // Customer data, warehouse and pipelines
    Product{"Segment", "Twilio", "cdp", "cdp;data_integration", "Twilio Segment|Segment.io"},
    Product{"RudderStack", "RudderStack", "cdp", "cdp;reverse_etl;data_integration", ""},
    Product{"mParticle", "Rokt", "cdp", "cdp", ""},
    Product{"Tealium", "Tealium", "cdp", "cdp", "Tealium AudienceStream"},
    Product{"Hightouch", "Hightouch", "reverse_etl", "reverse_etl;cdp", ""},
    Product{"Census", "Fivetran", "reverse_etl", "reverse_etl", "Census Reverse ETL"},
    Product{"Fivetran", "Fivetran", "data_integration", "data_integration", ""},
    Product{"Airbyte", "Airbyte", "data_integration", "data_integration", ""},
    Product{"Stitch", "Qlik", "data_integration", "data_integration", "Stitch Data"},
    Product{"dbt Cloud", "dbt Labs", "data_transformation", "data_transformation",
            "dbt|dbt Core|getdbt"},
    Product{"Snowflake", "Snowflake", "data_warehouse", "data_warehouse", "Snowflake Data Cloud"},
    Product{"BigQuery", "Google", "data_warehouse", "data_warehouse",
            "Google BigQuery|GCP BigQuery"},
    Product{"Amazon Redshift", "Amazon Web Services", "data_warehouse", "data_warehouse",
            "Redshift|AWS Redshift"},
    Product{"Databricks", "Databricks", "data_warehouse", "data_warehouse", "Databricks Lakehouse"},
    // Chat, scheduling, routing
    Product{"Drift", "Salesloft", "chat", "chat;scheduling", "Salesloft Drift|Drift.com"},
    Product{"Intercom", "Intercom", "chat", "chat;surveys", ""},
    Product{"Qualified", "Qualified", "chat", "chat;scheduling", "Qualified Piper"},
    Product{"Calendly", "Calendly", "scheduling", "scheduling", ""},
    Product{"Chili Piper", "Chili Piper", "scheduling", "scheduling;lead_routing", "ChiliPiper"},
    Product{"LeanData", "LeanData", "lead_routing", "lead_routing", ""},
    // Enrichment and sales engagement
    Product{"Clearbit", "HubSpot", "enrichment", "enrichment;forms;intent_data",
            "Clearbit Enrichment|Breeze Intelligence|HubSpot Breeze Intelligence"},
    Product{"ZoomInfo", "ZoomInfo", "enrichment", "enrichment;intent_data",
            "ZoomInfo SalesOS|ZoomInfo MarketingOS|DiscoverOrg"},
    Product{"Apollo.io", "Apollo", "enrichment", "enrichment;sales_engagement", "Apollo"},
    Product{"Lusha", "Lusha", "enrichment", "enrichment", ""},
    Product{"Cognism", "Cognism", "enrichment", "enrichment;intent_data", ""},
    Product{"Clay", "Clay", "enrichment", "enrichment", ""},
    Product{"Dun & Bradstreet", "Dun & Bradstreet", "enrichment", "enrichment",
            "D&B|D&B Hoovers|Hoovers|Dun and Bradstreet"},
    Product{"Outreach", "Outreach", "sales_engagement",
            "sales_engagement;conversation_intelligence", "Outreach.io"},
    Product{"Salesloft", "Salesloft", "sales_engagement",
            "sales_engagement;conversation_intelligence", "SalesLoft Cadence"},
    // Conversion
    Product{"Hotjar", "Contentsquare", "conversion_optimization", "conversion_optimization;surveys",
            "Hotjar Observe"},
    Product{"FullStory", "FullStory", "conversion_optimization",
            "conversion_optimization;product_analytics", ""},
    Product{"Microsoft Clarity", "Microsoft", "conversion_optimization", "conversion_optimization",
            "Clarity"},
    Product{"Optimizely", "Optimizely", "conversion_optimization", "conversion_optimization;cms",
            "Optimizely Web Experimentation|Optimizely X"},
    Product{"VWO", "Wingify", "conversion_optimization", "conversion_optimization",
            "Visual Website Optimizer"},
    Product{"Mutiny", "Mutiny", "conversion_optimization", "conversion_optimization;abm", ""},
    Product{"Unbounce", "Unbounce", "landing_pages", "landing_pages;conversion_optimization;forms",
            ""},
    Product{"Instapage", "Instapage", "landing_pages", "landing_pages;conversion_optimization", ""},
    Product{"Typeform", "Typeform", "forms", "forms;surveys", ""},
    Product{"Jotform", "Jotform", "forms", "forms;surveys", ""},
    Product{"Formstack", "Formstack", "forms", "forms", ""},
    Product{"SurveyMonkey", "Momentive", "surveys", "surveys;forms", "Momentive"},
    Product{"Qualtrics", "Qualtrics", "surveys", "surveys", "Qualtrics XM"},
    // Webinars and events
    Product{"ON24", "ON24", "webinar", "webinar;events;video", "ON24 Platform|ON24 Webcast Elite"},
    Product{"Zoom Webinars", "Zoom", "webinar", "webinar;video", "Zoom Webinar"},
    Product{"GoTo Webinar", "GoTo", "webinar", "webinar", "GoToWebinar|LogMeIn GoToWebinar"},
    Product{"Livestorm", "Livestorm", "webinar", "webinar;events", ""},
    Product{"Goldcast", "Goldcast", "webinar", "webinar;events", ""},
    Product{"BrightTALK", "TechTarget", "webinar", "webinar", ""},
    Product{"Cvent", "Cvent", "events", "events", "Cvent Event Management"},
    Product{"Bizzabo", "Bizzabo", "events", "events", ""},
    Product{"Splash", "Splash", "events", "events", ""},
    Product{"Eventbrite", "Eventbrite", "events", "events", ""},
    // Social and SEO
    Product{"Hootsuite", "Hootsuite", "social_management", "social_management", ""},
    Product{"Sprout Social", "Sprout Social", "social_management", "social_management", ""},
    Product{"Buffer", "Buffer", "social_management", "social_management", ""},
    Product{"Brandwatch", "Cision", "social_management", "social_management", ""},
    Product{"Semrush", "Semrush", "seo", "seo", "SEMrush"},
    Product{"Ahrefs", "Ahrefs", "seo", "seo", ""},
    Product{"Moz Pro", "Moz", "seo", "seo", "Moz"},
    Product{"Conductor", "Conductor", "seo", "seo", ""},
    Product{"Screaming Frog", "Screaming Frog", "seo", "seo", "Screaming Frog SEO Spider"},
    // Content
    Product{"WordPress", "Automattic", "cms", "cms",
            "WordPress VIP|WordPress.com|WordPress.org|WP Engine"},
    Product{"Contentful", "Contentful", "cms", "cms", ""},
    Product{"Webflow", "Webflow", "cms", "cms;landing_pages;forms", ""},
    Product{"Sanity", "Sanity", "cms", "cms", "Sanity.io"},
    Product{"Drupal", "Drupal", "cms", "cms", ""},
    Product{"Adobe Experience Manager", "Adobe", "cms", "cms;dam", "AEM"},
    Product{"Bynder", "Bynder", "dam", "dam", ""},
    Product{"Brandfolder", "Smartsheet", "dam", "dam", ""},
    Product{"Canto", "Canto", "dam", "dam", ""},
    Product{"Canva", "Canva", "design", "design;dam", "Canva Pro|Canva for Teams"},
    Product{"Figma", "Figma", "design", "design", ""},
    Product{"Adobe Creative Cloud", "Adobe", "design", "design", "Creative Cloud"},
    Product{"Wistia", "Wistia", "video", "video", ""},
    Product{"Vidyard", "Vidyard", "video", "video", ""},
    // Advertising
    Product{"Google Ads", "Google", "ads_management", "ads_management",
            "Google AdWords|AdWords|Google Ads Manager"},
    Product{"LinkedIn Campaign Manager", "LinkedIn", "ads_management", "ads_management;forms",
            "LinkedIn Ads|LinkedIn Marketing Solutions"},
    Product{"Meta Ads Manager", "Meta", "ads_management", "ads_management",
            "Facebook Ads|Facebook Ads Manager|Meta Ads|Instagram Ads"},
    Product{"Microsoft Advertising", "Microsoft", "ads_management", "ads_management",
            "Bing Ads|Microsoft Ads"},
    Product{"StackAdapt", "StackAdapt", "ads_management", "ads_management", ""},
    Product{"The Trade Desk", "The Trade Desk", "ads_management", "ads_management", ""},
    Product{"Metadata.io", "Metadata", "ads_management", "ads_management;abm", "Metadata"},
    // Project management
    Product{"Asana", "Asana", "project_management", "project_management", ""},
    Product{"monday.com", "monday.com", "project_management", "project_management",
            "Monday|monday work management"},
    Product{"Wrike", "Wrike", "project_management", "project_management", ""},
    Product{"Jira", "Atlassian", "project_management", "project_management", "Jira Software"},
    Product{"Airtable", "Airtable", "project_management", "project_management", ""},
    Product{"Adobe Workfront", "Adobe", "project_management", "project_management", "Workfront"},
};

constexpr std::array kReferenceStacks = {
    ReferenceStack{Stage::kSeed,
                   "Seed: a CRM, one engagement tool, a website and analytics; spend on pipeline, "
                   "not tooling",
                   "crm;marketing_automation;web_analytics;cms;forms",
                   "scheduling;seo;social_management;ads_management;chat;enrichment",
                   "abm;intent_data;data_warehouse;reverse_etl;cdp;conversation_intelligence;dam;"
                   "lead_routing;attribution;bi;events",
                   4, 10},
    ReferenceStack{Stage::kGrowth,
                   "Growth: repeatable demand generation with attribution, enrichment and "
                   "webinars; one tool per job",
                   "crm;marketing_automation;web_analytics;cms;forms;ads_management;enrichment;"
                   "attribution;scheduling;webinar",
                   "seo;social_management;chat;conversion_optimization;sales_engagement;"
                   "conversation_intelligence;product_analytics;bi;events;reviews;lead_routing;"
                   "surveys;intent_data;cdp",
                   "dam;reverse_etl", 12, 25},
    ReferenceStack{Stage::kScale,
                   "Scale: account-based, data-driven marketing on a warehouse, with routing and "
                   "conversation intelligence",
                   "crm;marketing_automation;web_analytics;cms;forms;ads_management;enrichment;"
                   "attribution;scheduling;webinar;abm;intent_data;cdp;data_warehouse;bi;"
                   "conversation_intelligence;sales_engagement;lead_routing;events;seo",
                   "reverse_etl;dam;product_analytics;reviews;conversion_optimization;"
                   "social_management;chat;data_integration;project_management;surveys;"
                   "call_tracking",
                   "", 20, 60},
};

template <typename T>
using KeyIndex = std::unordered_map<std::string, const T*>;

void IndexNames(KeyIndex<CapabilityInfo>& index, const CapabilityInfo& c) {
  index.emplace(NameKey(c.id), &c);
  index.emplace(NameKey(c.label), &c);
  for (std::string_view alias : core::Split(c.aliases, '|')) index.emplace(NameKey(alias), &c);
}

const KeyIndex<CapabilityInfo>& CapabilityIndex() {
  static const KeyIndex<CapabilityInfo> index = [] {
    KeyIndex<CapabilityInfo> out;
    for (const CapabilityInfo& c : kTaxonomy) IndexNames(out, c);
    return out;
  }();
  return index;
}

const KeyIndex<Product>& ProductIndex() {
  static const KeyIndex<Product> index = [] {
    KeyIndex<Product> out;
    // Names first, so that an alias never shadows another product's name.
    for (const Product& p : kCatalog) out.emplace(NameKey(p.name), &p);
    for (const Product& p : kCatalog) {
      for (std::string_view alias : core::Split(p.aliases, '|')) {
        if (!alias.empty()) out.emplace(NameKey(alias), &p);
      }
    }
    return out;
  }();
  return index;
}

}  // namespace

std::string NameKey(std::string_view text) {
  std::string key;
  key.reserve(text.size());
  for (char c : text) {
    const char l = core::AsciiToLower(c);
    if ((l >= 'a' && l <= 'z') || core::IsAsciiDigit(l)) {
      key.push_back(l);
    } else if (c == '&') {
      key += "and";
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      key.push_back(c);  // keep non-ASCII letters as they are
    }
  }
  return key;
}

std::span<const CapabilityInfo> Taxonomy() { return kTaxonomy; }

const CapabilityInfo* FindCapability(std::string_view name) {
  const auto& index = CapabilityIndex();
  auto it = index.find(NameKey(name));
  return it == index.end() ? nullptr : it->second;
}

std::string CapabilityLabel(std::string_view name) {
  const CapabilityInfo* c = FindCapability(name);
  return c != nullptr ? std::string(c->label) : std::string(name);
}

std::string CanonicalCapability(std::string_view name) {
  name = core::Trim(name);
  if (name.empty()) return {};
  if (const CapabilityInfo* c = FindCapability(name)) return std::string(c->id);
  std::string out;
  for (char c : name) {
    const char l = core::AsciiToLower(c);
    if ((l >= 'a' && l <= 'z') || core::IsAsciiDigit(l) || static_cast<unsigned char>(c) >= 0x80) {
      out.push_back(l);
    } else if (!out.empty() && out.back() != '_') {
      out.push_back('_');
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::span<const Product> Catalog() { return kCatalog; }

const Product* FindProduct(std::string_view name) {
  const std::string key = NameKey(name);
  if (key.empty()) return nullptr;
  const auto& index = ProductIndex();
  auto it = index.find(key);
  return it == index.end() ? nullptr : it->second;
}

core::Result<Stage> ParseStage(std::string_view name) {
  const std::string key = NameKey(name);
  if (key == "seed" || key == "startup" || key == "early") return Stage::kSeed;
  if (key == "growth") return Stage::kGrowth;
  if (key == "scale" || key == "enterprise") return Stage::kScale;
  return core::Fail(core::ErrorCode::kInvalidArgument,
                    "unknown stage '{}' (expected seed, growth or scale)", name);
}

std::string_view StageName(Stage stage) {
  switch (stage) {
    case Stage::kSeed:
      return "seed";
    case Stage::kGrowth:
      return "growth";
    case Stage::kScale:
      return "scale";
  }
  return "growth";
}

const ReferenceStack& ReferenceFor(Stage stage) {
  return *std::find_if(kReferenceStacks.begin(), kReferenceStacks.end(),
                       [stage](const ReferenceStack& r) { return r.stage == stage; });
}

}  // namespace mops::stack
