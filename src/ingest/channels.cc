// Channels implied by CRM values: campaign types and lead sources. The
// channel of a touchpoint (ClassifyChannel) is given by the rule table in
// channel_rules.cc.
#include <array>

#include "core/strings.h"
#include "ingest/internal.h"

namespace mops::ingest {
namespace {

// Lower case, blanks, '-' and '/' as '_', trimmed.
std::string Token(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : core::Trim(s)) {
    c = core::AsciiToLower(c);
    if (c == ' ' || c == '-' || c == '/') c = '_';
    out.push_back(c);
  }
  return out;
}

}  // namespace

// Salesforce's standard campaign types (Advertisement, Banner Ads, Direct
// Mail, Email, Conference, Trade Show, Event, Webinar, Seminar, Partners,
// Referral Program, Public Relations, Telemarketing, Social Media, Web,
// Content Syndication, Other) and the variants real orgs use (`Web
// Marketing`, lower-case `event`, `Paid Search - Q3`, ...). Public relations
// is earned coverage that sends people from other sites: referral. "Web" is
// the org's own website (web-to-lead forms), found mostly through search:
// organic_search; "Web Marketing" is online advertising: display.
std::string_view CampaignTypeChannel(std::string_view type) {
  const std::string t = Token(type);
  if (t.empty()) return {};
  auto has = [&](std::string_view part) { return t.find(part) != std::string::npos; };
  if (has("webinar")) return "webinar";
  if (has("direct_mail") || has("directmail")) return "direct_mail";
  if (has("syndication")) return "content_syndication";
  if (has("paid_social") || has("social_ad") || has("sponsored")) return "paid_social";
  if (has("paid_search") || has("ppc") || t == "sem" || t.starts_with("sem_") || t == "search" ||
      has("search_ad")) {
    return "paid_search";
  }
  if (has("email") || has("e_mail") || has("newsletter") || has("nurture")) return "email";
  if (has("conference") || has("trade_show") || has("tradeshow") || has("event") ||
      has("seminar") || has("roadshow") || has("field") || has("workshop")) {
    return "events";
  }
  if (has("partner") || has("co_marketing")) return "partner";
  if (has("referral") || has("public_relations") || t == "pr" || t.starts_with("pr_") ||
      has("press") || has("word_of_mouth")) {
    return "referral";
  }
  if (has("affiliate")) return "affiliate";
  if (has("telemarketing") || has("telesales") || has("cold_call") || has("outbound") ||
      has("sales") || has("abm")) {
    return "sales_outreach";
  }
  if (has("banner") || has("display") || has("advertis") || has("programmatic") ||
      t == "web_marketing" || t == "online_advertising") {
    return "display";
  }
  if (has("video") || has("youtube")) return "video";
  if (has("review")) return "review_sites";
  if (has("social")) return "organic_social";
  if (has("seo") || has("organic") || t == "web" || t == "website" || t == "web_site" ||
      t == "web_form" || t == "web_to_lead") {
    return "organic_search";
  }
  if (t == "other" || t == "others" || t == "misc" || t == "miscellaneous") return "other";
  return {};
}

// HubSpot's source names (labels and internal values) first, then the values
// of Salesforce's LeadSource picklist, then anything a campaign type would
// say. HubSpot's "Offline Sources" (imports, the CRM UI, integrations) and
// "Other Campaigns" (tagged links of no known medium) say nothing about the
// marketing channel: other.
std::string_view SourceChannel(std::string_view source) {
  const std::string t = Token(source);
  if (t.empty()) return {};
  struct Named {
    std::string_view token, channel;
  };
  constexpr std::array<Named, 26> kNamed = {{
      {"organic_search", "organic_search"},
      {"paid_search", "paid_search"},
      {"paid_social", "paid_social"},
      {"social_media", "organic_social"},
      {"organic_social", "organic_social"},
      {"email_marketing", "email"},
      {"referrals", "referral"},
      {"direct_traffic", "direct"},
      {"direct", "direct"},
      {"offline_sources", "other"},
      {"offline", "other"},
      {"other_campaigns", "other"},
      {"ai_referrals", "referral"},
      {"ai_referral", "referral"},
      // Salesforce LeadSource.
      {"web", "organic_search"},
      {"phone_inquiry", "direct"},
      {"partner_referral", "partner"},
      {"purchased_list", "other"},
      {"employee_referral", "referral"},
      {"external_referral", "referral"},
      {"word_of_mouth", "referral"},
      {"seminar___internal", "events"},
      {"seminar___partner", "events"},
      {"inbound_call", "direct"},
      {"cold_call", "sales_outreach"},
      {"list_import", "other"},
  }};
  for (const Named& n : kNamed) {
    if (t == n.token) return n.channel;
  }
  return CampaignTypeChannel(source);
}

}  // namespace mops::ingest
