// Default channel classification (DESIGN.md's channel list) from UTM source
// and medium, referrer, touchpoint type and click ids in the landing URL.
//
// Order of the rules, first match wins:
//   1. the touchpoint type when it names the channel (webinar_*, event_*,
//      email_*, sales activity, direct mail, review);
//   2. the UTM medium, refined by the source (cpc on linkedin is paid_social,
//      on youtube video);
//   3. a click id in the URL (gclid, msclkid: paid_search; li_fat_id,
//      ttclid: paid_social; dclid: display);
//   4. the UTM source alone (a search engine without medium is organic);
//   5. the referrer's host (search engines, social networks, review sites,
//      webmail; any other host is referral);
//   6. nothing at all: direct. A medium no rule knows: other.
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

template <size_t N>
bool In(std::string_view s, const std::array<std::string_view, N>& set) {
  for (std::string_view x : set) {
    if (s == x) return true;
  }
  return false;
}

// True when one of the dot-separated labels of `host` is in `names`
// ("news.google.co.uk" has the label "google").
template <size_t N>
bool HostHasLabel(std::string_view host, const std::array<std::string_view, N>& names) {
  for (std::string_view label : core::Split(host, '.')) {
    if (In(label, names)) return true;
  }
  return false;
}

constexpr std::array<std::string_view, 10> kSearchEngines = {
    "google", "bing",   "duckduckgo", "yahoo", "baidu",
    "yandex", "ecosia", "ask",        "naver", "startpage"};
constexpr std::array<std::string_view, 16> kSocialNetworks = {
    "facebook", "fb",     "instagram", "ig",       "linkedin", "lnkd",    "twitter", "x",
    "reddit",   "tiktok", "pinterest", "snapchat", "quora",    "threads", "meta",    "mastodon"};
constexpr std::array<std::string_view, 3> kVideoSites = {"youtube", "vimeo", "wistia"};
constexpr std::array<std::string_view, 9> kReviewSites = {
    "g2",         "g2crowd", "capterra", "trustradius", "getapp", "softwareadvice",
    "trustpilot", "gartner", "peerspot"};
constexpr std::array<std::string_view, 7> kEmailSources = {
    "email", "newsletter", "mailchimp", "marketo", "pardot", "hs_email", "sendgrid"};

enum class SourceClass { kUnknown, kSearch, kSocial, kVideo, kReview, kEmail };

SourceClass ClassifySource(std::string_view source) {
  if (source.empty()) return SourceClass::kUnknown;
  std::string host = internal::DomainFromUrl(source);
  if (host.empty()) host = Token(source);
  if (host == "t.co" || host == "x.com") return SourceClass::kSocial;
  if (In(std::string_view(host), kEmailSources)) return SourceClass::kEmail;
  if (HostHasLabel(host, kVideoSites)) return SourceClass::kVideo;
  if (HostHasLabel(host, kReviewSites)) return SourceClass::kReview;
  if (HostHasLabel(host, kSocialNetworks)) return SourceClass::kSocial;
  if (HostHasLabel(host, kSearchEngines) || host == "adwords" || host == "google_ads" ||
      host == "googleads" || host == "microsoft_ads" || host == "bing_ads") {
    return SourceClass::kSearch;
  }
  return SourceClass::kUnknown;
}

std::string_view FromType(std::string_view type) {
  if (type.empty()) return {};
  if (type.starts_with("webinar")) return "webinar";
  if (type.starts_with("event") || type == "trade_show" || type == "tradeshow" ||
      type == "conference" || type == "booth_visit") {
    return "events";
  }
  if (type.starts_with("email")) return "email";
  if (type.starts_with("sales") || type == "call" || type == "meeting" || type == "phone_call" ||
      type == "sequence_step") {
    return "sales_outreach";
  }
  if (type == "direct_mail") return "direct_mail";
  if (type == "content_syndication" || type == "syndication") return "content_syndication";
  if (type == "review") return "review_sites";
  return {};
}

std::string_view FromMedium(std::string_view medium, SourceClass source) {
  constexpr std::array<std::string_view, 8> kPaidClick = {
      "cpc", "ppc", "paid", "paidsearch", "paid_search", "sem", "search_ads", "ads"};
  constexpr std::array<std::string_view, 9> kPaidSocial = {
      "paid_social", "paidsocial",        "social_paid", "social_ads",  "socialads",
      "sponsored",   "sponsored_content", "social_cpc",  "paid_socials"};
  constexpr std::array<std::string_view, 8> kDisplay = {
      "display",     "banner",      "cpm",    "programmatic",
      "retargeting", "remarketing", "native", "display_ads"};
  constexpr std::array<std::string_view, 6> kEmail = {"email", "e_mail", "newsletter",
                                                      "mail",  "edm",    "nurture"};
  constexpr std::array<std::string_view, 6> kSocial = {"social", "social_media",   "organic_social",
                                                       "sm",     "social_network", "post"};
  constexpr std::array<std::string_view, 4> kVideo = {"video", "preroll", "pre_roll", "cpv"};
  constexpr std::array<std::string_view, 3> kSyndication = {"syndication", "content_syndication",
                                                            "syndicated"};
  constexpr std::array<std::string_view, 4> kPartner = {"partner", "partners", "co_marketing",
                                                        "comarketing"};
  constexpr std::array<std::string_view, 4> kDirectMail = {"direct_mail", "directmail", "postal",
                                                           "print"};
  constexpr std::array<std::string_view, 6> kEvents = {"event",      "events",     "tradeshow",
                                                       "trade_show", "conference", "field_event"};
  constexpr std::array<std::string_view, 3> kReview = {"review", "reviews", "review_site"};
  constexpr std::array<std::string_view, 3> kReferral = {"referral", "referrals", "link"};
  constexpr std::array<std::string_view, 3> kOrganic = {"organic", "seo", "organic_search"};
  constexpr std::array<std::string_view, 6> kSales = {"sales", "outbound",       "sdr",
                                                      "bdr",   "sales_outreach", "sequence"};
  constexpr std::array<std::string_view, 4> kDirect = {"(none)", "none", "direct", "(direct)"};

  if (In(medium, kPaidClick) || (medium == "cpm" && source == SourceClass::kSocial)) {
    switch (source) {
      case SourceClass::kSocial:
        return "paid_social";
      case SourceClass::kVideo:
        return "video";
      case SourceClass::kReview:
        return "review_sites";
      default:
        return "paid_search";
    }
  }
  if (In(medium, kPaidSocial)) return "paid_social";
  if (In(medium, kDisplay)) return "display";
  if (In(medium, kEmail)) return "email";
  if (In(medium, kSocial)) return "organic_social";
  if (In(medium, kVideo)) return "video";
  if (In(medium, kSyndication)) return "content_syndication";
  if (In(medium, kPartner)) return "partner";
  if (In(medium, kDirectMail)) return "direct_mail";
  if (In(medium, kEvents)) return "events";
  if (medium == "webinar") return "webinar";
  if (In(medium, kReview)) return "review_sites";
  if (In(medium, kReferral)) return "referral";
  if (medium == "affiliate" || medium == "affiliates") return "affiliate";
  if (In(medium, kSales)) return "sales_outreach";
  if (In(medium, kOrganic))
    return source == SourceClass::kSocial ? "organic_social" : "organic_search";
  if (In(medium, kDirect)) return "direct";
  return "other";
}

// The value of a query parameter's presence: "?gclid=" or "&gclid=".
bool UrlHasParam(std::string_view url, std::string_view name) {
  size_t pos = 0;
  while ((pos = url.find(name, pos)) != std::string_view::npos) {
    const bool starts = pos > 0 && (url[pos - 1] == '?' || url[pos - 1] == '&');
    const size_t end = pos + name.size();
    if (starts && end < url.size() && url[end] == '=') return true;
    pos = end;
  }
  return false;
}

std::string_view FromClickIds(std::string_view url) {
  if (url.find('?') == std::string_view::npos) return {};
  if (UrlHasParam(url, "gclid") || UrlHasParam(url, "msclkid") || UrlHasParam(url, "gbraid") ||
      UrlHasParam(url, "wbraid")) {
    return "paid_search";
  }
  if (UrlHasParam(url, "li_fat_id") || UrlHasParam(url, "ttclid")) return "paid_social";
  if (UrlHasParam(url, "dclid")) return "display";
  return {};
}

// The unpaid channel of a known kind of source (a search engine, a social
// network, ...); empty when the kind is unknown.
std::string_view OrganicChannel(SourceClass source) {
  switch (source) {
    case SourceClass::kSearch:
      return "organic_search";
    case SourceClass::kSocial:
      return "organic_social";
    case SourceClass::kVideo:
      return "video";
    case SourceClass::kReview:
      return "review_sites";
    case SourceClass::kEmail:
      return "email";
    case SourceClass::kUnknown:
      break;
  }
  return {};
}

std::string_view FromReferrer(std::string_view referrer) {
  const std::string host = internal::DomainFromUrl(referrer);
  if (host.empty()) return {};
  if (host.starts_with("mail.") || host.starts_with("outlook.") || host == "webmail" ||
      host.find(".mail.") != std::string::npos) {
    return "email";
  }
  if (auto c = OrganicChannel(ClassifySource(host)); !c.empty()) return c;
  return "referral";
}

}  // namespace

std::string_view ClassifyChannel(const ChannelInputs& in) {
  if (auto c = FromType(Token(in.type)); !c.empty()) return c;
  const std::string medium = Token(in.medium);
  const SourceClass source = ClassifySource(in.source);
  if (!medium.empty()) return FromMedium(medium, source);
  if (auto c = FromClickIds(in.url); !c.empty()) return c;
  if (!core::Trim(in.source).empty()) {
    if (auto c = OrganicChannel(source); !c.empty()) return c;
    const std::string token = Token(in.source);
    if (token == "direct" || token == "(direct)") return "direct";
    return "referral";
  }
  if (auto c = FromReferrer(in.referrer); !c.empty()) return c;
  return "direct";
}

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
