#include <gtest/gtest.h>

#include "ingest/ingest.h"

namespace mops::ingest {
namespace {

struct Case {
  std::string_view source, medium, referrer, type, url;
  std::string_view want;
};

TEST(ClassifyChannel, Table) {
  const Case cases[] = {
      // Paid search and paid social by medium and source.
      {"google", "cpc", "", "", "", "paid_search"},
      {"bing", "PPC", "", "", "", "paid_search"},
      {"google", "paidsearch", "", "", "", "paid_search"},
      {"linkedin", "cpc", "", "", "", "paid_social"},
      {"facebook", "paid_social", "", "", "", "paid_social"},
      {"twitter", "paid-social", "", "", "", "paid_social"},
      {"facebook", "cpm", "", "", "", "paid_social"},
      {"youtube", "cpc", "", "", "", "video"},
      {"g2", "cpc", "", "", "", "review_sites"},
      // Other mediums.
      {"newsletter", "email", "", "", "", "email"},
      {"hubspot", "Email", "", "", "", "email"},
      {"cnn", "display", "", "", "", "display"},
      {"dv360", "banner", "", "", "", "display"},
      {"adroll", "cpm", "", "", "", "display"},
      {"partnerstack", "affiliate", "", "", "", "affiliate"},
      {"vimeo", "video", "", "", "", "video"},
      {"techtarget", "syndication", "", "", "", "content_syndication"},
      {"acme", "partner", "", "", "", "partner"},
      {"postcard", "direct_mail", "", "", "", "direct_mail"},
      {"saastr", "event", "", "", "", "events"},
      {"zoom", "webinar", "", "", "", "webinar"},
      {"linkedin", "social", "", "", "", "organic_social"},
      {"blog", "referral", "", "", "", "referral"},
      {"capterra", "review", "", "", "", "review_sites"},
      {"outreach", "outbound", "", "", "", "sales_outreach"},
      {"google", "organic", "", "", "", "organic_search"},
      {"foo", "(none)", "", "", "", "direct"},
      {"foo", "carrier_pigeon", "", "", "", "other"},
      // Source without medium.
      {"google", "", "", "", "", "organic_search"},
      {"linkedin.com", "", "", "", "", "organic_social"},
      {"partnerblog", "", "", "", "", "referral"},
      // Referrers.
      {"", "", "https://www.google.com/", "", "", "organic_search"},
      {"", "", "https://www.google.co.uk/search?q=mops", "", "", "organic_search"},
      {"", "", "https://duckduckgo.com/", "", "", "organic_search"},
      {"", "", "https://www.bing.com/search", "", "", "organic_search"},
      {"", "", "https://t.co/abc", "", "", "organic_social"},
      {"", "", "https://www.linkedin.com/feed/", "", "", "organic_social"},
      {"", "", "https://news.ycombinator.com/item?id=1", "", "", "referral"},
      {"", "", "https://www.youtube.com/watch?v=x", "", "", "video"},
      {"", "", "https://www.g2.com/products/mops", "", "", "review_sites"},
      {"", "", "https://mail.google.com/", "", "", "email"},
      // Click ids without UTMs.
      {"", "", "", "", "https://acme.com/?gclid=abc", "paid_search"},
      {"", "", "", "", "https://acme.com/pricing?x=1&msclkid=abc", "paid_search"},
      {"", "", "", "", "https://acme.com/?li_fat_id=abc", "paid_social"},
      {"", "", "", "", "https://acme.com/?notgclid=abc", "direct"},
      // Touchpoint types win.
      {"linkedin", "cpc", "", "webinar_attended", "", "webinar"},
      {"", "", "", "event_attended", "", "events"},
      {"", "", "", "sales_activity", "", "sales_outreach"},
      {"", "", "", "call", "", "sales_outreach"},
      {"", "", "", "meeting", "", "sales_outreach"},
      {"", "", "", "email_click", "", "email"},
      {"", "", "", "direct_mail", "", "direct_mail"},
      // Nothing at all.
      {"", "", "", "page_view", "", "direct"},
      {"", "", "", "", "", "direct"},
  };
  for (const Case& c : cases) {
    const ChannelInputs in{c.source, c.medium, c.referrer, c.type, c.url};
    EXPECT_EQ(ClassifyChannel(in), c.want)
        << "source=" << c.source << " medium=" << c.medium << " referrer=" << c.referrer
        << " type=" << c.type << " url=" << c.url;
  }
}

TEST(CampaignTypeChannel, SalesforceAndHubspotTypes) {
  EXPECT_EQ(CampaignTypeChannel("Webinar"), "webinar");
  EXPECT_EQ(CampaignTypeChannel("Trade Show"), "events");
  EXPECT_EQ(CampaignTypeChannel("Seminar / Conference"), "events");
  EXPECT_EQ(CampaignTypeChannel("Email"), "email");
  EXPECT_EQ(CampaignTypeChannel("Direct Mail"), "direct_mail");
  EXPECT_EQ(CampaignTypeChannel("Banner Ads"), "display");
  EXPECT_EQ(CampaignTypeChannel("Partners"), "partner");
  EXPECT_EQ(CampaignTypeChannel("Referral Program"), "referral");
  EXPECT_EQ(CampaignTypeChannel("Telemarketing"), "sales_outreach");
  EXPECT_EQ(CampaignTypeChannel("Paid Search"), "paid_search");
  EXPECT_EQ(CampaignTypeChannel("Paid Social"), "paid_social");
  EXPECT_EQ(CampaignTypeChannel("Content Syndication"), "content_syndication");
  // Salesforce's own "Other" type is the other channel (not an unknown type).
  EXPECT_EQ(CampaignTypeChannel("Other"), "other");
  EXPECT_EQ(CampaignTypeChannel(""), "");
}

}  // namespace
}  // namespace mops::ingest
