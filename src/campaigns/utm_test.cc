#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaigns/campaigns.h"

namespace mops::campaigns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kConfig = R"YAML(# marketing naming rules
sources: [google, facebook, linkedin, newsletter]
mediums: [cpc, email, social, paid_social]
case: lower
space_replacement: "_"
forbidden: "?#&=%"
max_length: {utm_campaign: 60}
required: [utm_source, utm_medium, utm_campaign]
campaign_pattern: "{region}_{yyyy}{mm}_{channel}_{name}"
fields:
  region: [na, emea, apac]
  channel: [email, paid, social]
aliases: {insta: facebook}
)YAML";

NamingRules Rules() {
  auto r = ParseNamingConfig(kConfig, "naming.yaml");
  EXPECT_TRUE(r) << r.error().ToString();
  return *r;
}

std::vector<std::string> RulesOf(const std::vector<Violation>& vs) {
  std::vector<std::string> out;
  for (const Violation& v : vs) out.push_back(v.rule);
  return out;
}

TEST(NamingConfig, ParsesEveryKey) {
  const NamingRules r = Rules();
  EXPECT_THAT(r.sources, ElementsAre("google", "facebook", "linkedin", "newsletter"));
  EXPECT_EQ(r.max_length.at("utm_campaign"), 60);
  EXPECT_EQ(r.parts.size(), 8u);  // region _ yyyy mm _ channel _ name
  EXPECT_EQ(r.fields.at("region").size(), 3u);
  EXPECT_EQ(r.aliases.at("insta"), "facebook");
}

TEST(NamingConfig, ErrorsNameTheKeyAndTheLine) {
  struct Case {
    std::string yaml, field, message;
    int64_t line;
  };
  const std::vector<Case> cases = {
      {"sources: [google]\ncase: title\n", "case", "lower, upper or any", 2},
      {"sources: google\n", "sources", "list of values", 1},
      {"mediums: [cpc]\n\nmax_length: {utm_campaign: 0}\n", "max_length", "1 to 2000", 3},
      {"max_length: {utm_colour: 5}\n", "max_length", "unknown parameter 'utm_colour'", 1},
      {"required: [utm_source, utm_place]\n", "required", "utm_place", 1},
      {"campaign_pattern: \"{region}_{name}\"\n", "campaign_pattern", "{region}", 1},
      {"campaign_pattern: \"{region_{name}\"\n", "campaign_pattern", "", 1},
      {"x: 1\nsourcez: [a]\n", "x", "unknown key 'x'", 1},
      {"space_replacement: \" \"\n", "space_replacement", "no space", 1},
      {"forbidden: \"_#\"\n", "forbidden", "space replacement", 1},
  };
  for (const Case& c : cases) {
    auto r = ParseNamingConfig(c.yaml, "naming.yaml");
    ASSERT_FALSE(r) << c.yaml;
    EXPECT_EQ(r.error().file, "naming.yaml");
    EXPECT_EQ(r.error().field, c.field) << c.yaml;
    EXPECT_EQ(r.error().line, c.line) << c.yaml;
    EXPECT_THAT(r.error().message, HasSubstr(c.message)) << c.yaml;
  }
  auto bad = ParseNamingConfig("sources: [a\n  b: c", "naming.yaml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, core::ErrorCode::kParse);
  EXPECT_GT(bad.error().line, 0);
  EXPECT_TRUE(ParseNamingConfig("", "naming.yaml"));
}

TEST(NamingRules, MixedCaseSpacesAndAliasesBecomeOneValue) {
  const NamingRules r = Rules();
  EXPECT_EQ(NormalizeValue(r, "utm_source", "Facebook"), "facebook");
  EXPECT_EQ(NormalizeValue(r, "utm_source", " facebook "), "facebook");
  EXPECT_EQ(NormalizeValue(r, "utm_source", "fb"), "facebook");
  EXPECT_EQ(NormalizeValue(r, "utm_source", "FB"), "facebook");
  EXPECT_EQ(NormalizeValue(r, "utm_source", "insta"), "facebook");    // config alias
  EXPECT_EQ(NormalizeValue(r, "utm_source", "facebok"), "facebook");  // one edit away
  EXPECT_EQ(NormalizeValue(r, "utm_medium", "E-Mail"), "email");
  EXPECT_EQ(NormalizeValue(r, "utm_campaign", "Spring  Launch _ 2026"), "spring_launch_2026");
  EXPECT_THAT(RulesOf(CheckValue(r, "utm_source", "Facebook")), ElementsAre("case"));
  EXPECT_THAT(RulesOf(CheckValue(r, "utm_source", "fb")), ElementsAre("not_allowed"));
  EXPECT_EQ(CheckValue(r, "utm_source", "Facebook")[0].suggestion, "facebook");
  EXPECT_EQ(CheckValue(r, "utm_source", "fb")[0].suggestion, "facebook");
  EXPECT_TRUE(CheckValue(r, "utm_source", "facebook").empty());
  // A value no rule can map gets no suggestion.
  const auto tiktok = CheckValue(r, "utm_source", "tiktok");
  EXPECT_THAT(RulesOf(tiktok), ElementsAre("not_allowed"));
  EXPECT_EQ(tiktok[0].suggestion, "");
}

// "(not set)" and its kin are an analytics tool's word for no value: the
// check calls them missing and never suggests renaming them.
TEST(NamingRules, PlaceholdersOfAnalyticsToolsAreMissingValues) {
  const NamingRules r = Rules();
  for (const char* v : {"(not set)", "(none)", "(Not Provided)", " (direct) "}) {
    const auto medium = CheckValue(r, "utm_medium", v);
    EXPECT_THAT(RulesOf(medium), ElementsAre("missing")) << v;
    EXPECT_EQ(medium[0].suggestion, "") << v;
  }
  // Not required: nothing to say.
  EXPECT_TRUE(CheckValue(r, "utm_content", "(not set)").empty());
}

TEST(NamingRules, UnicodeIsKeptAndOnlyAsciiChangesCase) {
  const NamingRules r = Rules();
  // "Événement Été" : É is not ASCII and stays as written; the space goes.
  EXPECT_EQ(NormalizeValue(r, "utm_content", "\xC3\x89v\xC3\xA9nement Été"),
            "\xC3\x89v\xC3\xA9nement_Été");
  EXPECT_THAT(RulesOf(CheckValue(r, "utm_content", "caf\xC3\xA9 menu")), ElementsAre("spaces"));
  EXPECT_TRUE(CheckValue(r, "utm_content", "caf\xC3\xA9_menu").empty());
  // Length counts bytes: 30 two-byte letters are 60 bytes, 31 are too many.
  std::string name = "emea_202603_email_";
  while (name.size() < 60) name += "x";
  EXPECT_TRUE(CheckValue(r, "utm_campaign", name).empty());
  EXPECT_THAT(RulesOf(CheckValue(r, "utm_campaign", name + "\xC3\xA9")), ElementsAre("length"));
}

TEST(NamingRules, CampaignPattern) {
  const NamingRules r = Rules();
  EXPECT_TRUE(CheckValue(r, "utm_campaign", "emea_202603_email_spring-launch").empty());
  const auto bad = CheckValue(r, "utm_campaign", "latam_202603_email_x");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].rule, "pattern");
  EXPECT_THAT(bad[0].message, HasSubstr("{region} at position 1 is not one of na, emea, apac"));
  EXPECT_THAT(CheckValue(r, "utm_campaign", "emea_202613_email_x")[0].message, HasSubstr("{mm}"));
  // Case and spaces are fixed, and the fix follows the pattern.
  const auto fixable = CheckValue(r, "utm_campaign", "EMEA_202603_Email_Spring Launch");
  EXPECT_THAT(RulesOf(fixable), ElementsAre("case", "spaces"));
  EXPECT_EQ(fixable[0].suggestion, "emea_202603_email_spring_launch");
  const auto name = CampaignName(
      r, {{"region", "EMEA"}, {"channel", "email"}, {"name", "Spring Launch"}}, 1772409600);
  ASSERT_TRUE(name);
  EXPECT_EQ(*name, "emea_202603_email_spring_launch");
  auto missing = CampaignName(r, {{"region", "emea"}, {"channel", "email"}}, 1772409600);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "name");
  auto wrong = CampaignName(r, {{"region", "mars"}, {"channel", "email"}, {"name", "x"}}, 0);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().field, "region");
}

TEST(NamingConfig, PatternConstantsFollowTheRules) {
  // No name built from the pattern could pass the case rule or the space rule.
  auto upper = ParseNamingConfig("campaign_pattern: \"{name}_Q_{name}\"\n", "naming.yaml");
  ASSERT_FALSE(upper);
  EXPECT_EQ(upper.error().field, "campaign_pattern");
  EXPECT_THAT(upper.error().message, HasSubstr("'_Q_' is not lower case"));
  EXPECT_EQ(upper.error().line, 1);
  auto space = ParseNamingConfig("case: any\ncampaign_pattern: \"{name} {yyyy}\"\n", "n.yaml");
  ASSERT_FALSE(space);
  EXPECT_EQ(space.error().line, 2);
  EXPECT_THAT(space.error().message, HasSubstr("space"));
  // The key order does not matter: case after the pattern is still seen.
  EXPECT_FALSE(ParseNamingConfig("campaign_pattern: \"x_{name}\"\ncase: upper\n", "n.yaml"));
  EXPECT_TRUE(ParseNamingConfig("campaign_pattern: \"X_{name}\"\ncase: upper\n", "n.yaml"));
}

TEST(NamingRules, DatePartsFollowTheCaseRule) {
  auto r = ParseNamingConfig("case: upper\ncampaign_pattern: \"{yyyy}{q}_{name}\"\n", "n.yaml");
  ASSERT_TRUE(r) << r.error().ToString();
  const auto name = CampaignName(*r, {{"name", "launch"}}, 1772409600);  // 2026-03-02
  ASSERT_TRUE(name) << name.error().ToString();
  EXPECT_EQ(*name, "2026Q1_LAUNCH");
  BuildRequest req;
  req.url = "https://example.com/";
  req.utm = {{"source", "google"}, {"medium", "cpc"}};
  req.parts = {{"name", "launch"}};
  req.date = 1772409600;
  auto built = BuildUrl(*r, req);
  ASSERT_TRUE(built) << built.error().ToString();
  EXPECT_EQ(built->url,
            "https://example.com/?utm_source=GOOGLE&utm_medium=CPC&utm_campaign=2026Q1_LAUNCH");
}

// Found by campaigns_naming_fuzz: a {name} of forbidden characters only
// built "q126--", which the pattern then refused.
TEST(NamingRules, APartEmptiedByTheRulesIsRefused) {
  auto r = ParseNamingConfig("campaign_pattern: \"{yy}-{name}\"\n", "n.yaml");
  ASSERT_TRUE(r);
  auto name = CampaignName(*r, {{"name", "%%"}}, 1772409600);
  ASSERT_FALSE(name);
  EXPECT_EQ(name.error().field, "name");
  EXPECT_THAT(name.error().message, HasSubstr("'%%' is empty once forbidden characters"));
  EXPECT_EQ(*CampaignName(*r, {{"name", "50% off"}}, 1772409600), "26-50_off");
}

TEST(NamingRules, NoSuggestionThatStillBreaksARule) {
  auto r = ParseNamingConfig("max_length: {utm_source: 8}\n", "n.yaml");
  ASSERT_TRUE(r);
  // "facebook_ads" is lower case without spaces, but still too long.
  const auto vs = CheckValue(*r, "utm_source", "Facebook Ads");
  EXPECT_THAT(RulesOf(vs), ElementsAre("case", "spaces", "length"));
  for (const Violation& v : vs) EXPECT_EQ(v.suggestion, "") << v.rule;
  // An alias to a value with a space is no suggestion either.
  auto alias = ParseNamingConfig("aliases: {fb: \"face book\"}\n", "n.yaml");
  ASSERT_TRUE(alias);
  const auto fb = CheckValue(*alias, "utm_source", "fb");
  ASSERT_EQ(fb.size(), 1u);
  EXPECT_EQ(fb[0].suggestion, "");
  // A fixable value still gets its fix.
  EXPECT_EQ(CheckValue(*r, "utm_source", "Google")[0].suggestion, "google");
}

TEST(NamingRules, PatternsWithManyFreePartsStayFast) {
  auto r = ParseNamingConfig(
      "case: any\nmax_length: {utm_campaign: 2000}\n"
      "campaign_pattern: \"{name}_{name}_{name}_{name}_{name}_{name}_{name}_end\"\n",
      "n.yaml");
  ASSERT_TRUE(r) << r.error().ToString();
  std::string value;
  for (int i = 0; i < 300; ++i) value += "a_";
  value += "nd";  // never ends in "_end": every split is tried, each once
  const auto vs = CheckValue(*r, "utm_campaign", value);
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].rule, "pattern");
  EXPECT_TRUE(CheckValue(*r, "utm_campaign", "a_b_c_d_e_f_g_end").empty());
}

TEST(UrlCheck, AlreadyEncodedUrlsAndFragments) {
  const NamingRules r = Rules();
  const UrlCheck c =
      CheckUrl(r,
               "https://example.com/p?utm_source=Face%20Book&utm_medium=cpc&utm_campaign="
               "emea_202603_paid_spring%2Dlaunch&ref=a%26b#section-2");
  ASSERT_TRUE(c.well_formed);
  EXPECT_EQ(c.utm.at("utm_source"), "Face Book");
  EXPECT_EQ(c.utm.at("utm_campaign"), "emea_202603_paid_spring-launch");
  EXPECT_THAT(RulesOf(c.violations), ElementsAre("case", "spaces", "not_allowed"));
  // "Face Book" -> "face_book" -> the alias facebook; the rest is kept.
  EXPECT_EQ(c.fixed_url,
            "https://example.com/p?utm_source=facebook&utm_medium=cpc&utm_campaign="
            "emea_202603_paid_spring-launch&ref=a%26b#section-2");
  const UrlCheck plus = CheckUrl(
      r, "https://example.com/?UTM_SOURCE=google&utm_medium=cpc+&utm_campaign=na_202601_paid_x");
  EXPECT_THAT(RulesOf(plus.violations), ElementsAre("case", "spaces"));
  EXPECT_THAT(plus.fixed_url, HasSubstr("utm_source=google&utm_medium=cpc&"));
  const UrlCheck relative = CheckUrl(r, "/pricing?utm_source=google");
  EXPECT_FALSE(relative.well_formed);
  const UrlCheck none = CheckUrl(r, "https://example.com/#utm_source=google");
  EXPECT_THAT(RulesOf(none.violations), ElementsAre("missing", "missing", "missing"));
}

TEST(UrlBuild, KeepsTheQueryAndTheFragment) {
  const NamingRules r = Rules();
  BuildRequest req;
  req.url = "https://example.com/pricing?plan=pro&ref=a%26b&utm_source=old#compare";
  req.utm = {{"source", "Facebook"}, {"medium", "Paid Social"}, {"content", "Blue Banner"}};
  req.parts = {{"region", "emea"}, {"channel", "social"}, {"name", "Spring Launch"}};
  req.date = 1772409600;
  auto built = BuildUrl(r, req);
  ASSERT_TRUE(built) << built.error().ToString();
  EXPECT_EQ(built->url,
            "https://example.com/pricing?plan=pro&ref=a%26b&utm_source=facebook&utm_medium="
            "paid_social&utm_campaign=emea_202603_social_spring_launch&utm_content=blue_banner"
            "#compare");
  // Unicode content is percent-encoded as UTF-8.
  req.utm["content"] = "Été";
  EXPECT_THAT(BuildUrl(r, req)->url, HasSubstr("utm_content=%C3%89t%C3%A9"));
  req.utm["source"] = "tiktok";
  auto refused = BuildUrl(r, req);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "utm_source");
  req.utm["source"] = "google";
  req.url = "example.com/x";
  EXPECT_EQ(BuildUrl(r, req).error().field, "url");
  req.url = "https://example.com";
  req.utm["colour"] = "red";
  EXPECT_EQ(BuildUrl(r, req).error().field, "colour");
}

TEST(UrlCodec, DecodeAndEncode) {
  EXPECT_EQ(UrlDecode("a%20b+c%2"), "a b c%2");
  EXPECT_EQ(UrlDecode("%zz"), "%zz");
  EXPECT_EQ(UrlEncode("a b&c=é"), "a%20b%26c%3D%C3%A9");
}

TEST(StoredCheck, CountsTouchpointsPerValueAndMergesVariants) {
  const NamingRules r = Rules();
  StoredUtms u;
  u.source_dict = {"facebook", "Facebook", "fb", "google", "tiktok"};
  u.medium_dict = {"paid_social", "cpc", ""};
  u.campaign_dict = {"emea_202603_social_spring", "EMEA_202603_social_spring", "old_name"};
  u.campaign_names = {"emea_202603_social_spring"};
  // 8 touchpoints; -1 is NULL.
  u.source = {0, 1, 1, 2, 3, 4, -1, 0};
  u.medium = {0, 0, 0, 0, 1, 1, -1, 2};
  u.campaign = {0, 1, 1, 0, -1, 2, -1, 0};
  const StoredCheck c = CheckStored(r, u);
  EXPECT_EQ(c.touchpoints, 8);
  EXPECT_EQ(c.with_utm, 7);
  // 1, 2 (Facebook + EMEA), 3 (fb), 5 (tiktok, old_name); empty values are
  // no violations of stored data; 6 carries no UTM at all.
  EXPECT_EQ(c.touchpoints_affected, 4);
  ASSERT_EQ(c.violations.size(), 5u);
  EXPECT_EQ(c.violations[0].value, "Facebook");
  EXPECT_EQ(c.violations[0].touchpoints, 2);
  EXPECT_EQ(c.fixes.at("utm_source").at("Facebook"), "facebook");
  EXPECT_EQ(c.fixes.at("utm_source").at("fb"), "facebook");
  EXPECT_FALSE(c.fixes.at("utm_source").contains("tiktok"));
  EXPECT_EQ(c.fixes.at("utm_campaign").at("EMEA_202603_social_spring"),
            "emea_202603_social_spring");
  ASSERT_EQ(c.unknown_campaigns.size(), 2u);
  EXPECT_EQ(c.unknown_campaigns[0],
            (std::pair<std::string, int64_t>{"EMEA_202603_social_spring", 2}));
  EXPECT_EQ(c.unknown_campaigns[1].first, "old_name");
  // The same touchpoints as counted combinations give the same answer.
  StoredUtms grouped = u;
  grouped.source = {0, 1, 2, 3, 4, -1, 0};
  grouped.medium = {0, 0, 0, 1, 1, -1, 2};
  grouped.campaign = {0, 1, 0, -1, 2, -1, 0};
  grouped.counts = {1, 2, 1, 1, 1, 1, 1};
  const StoredCheck g = CheckStored(r, grouped);
  EXPECT_EQ(g.touchpoints, c.touchpoints);
  EXPECT_EQ(g.with_utm, c.with_utm);
  EXPECT_EQ(g.touchpoints_affected, c.touchpoints_affected);
  ASSERT_EQ(g.violations.size(), c.violations.size());
  for (size_t i = 0; i < g.violations.size(); ++i) {
    EXPECT_EQ(g.violations[i].touchpoints, c.violations[i].touchpoints) << g.violations[i].value;
  }
  EXPECT_EQ(g.unknown_campaigns, c.unknown_campaigns);
}

TEST(StoredCheck, PlaceholdersOfDirectVisitsAreNoUtms) {
  const NamingRules r = Rules();
  StoredUtms u;
  u.source_dict = {"(direct)", "google", "(not set)"};
  u.medium_dict = {"(none)", "cpc", "(not set)"};
  u.campaign_dict = {"(not set)", "emea_202603_paid_brand"};
  u.campaign_names = {"emea_202603_paid_brand"};
  // A direct visit as analytics tools write it, a clean paid click, and a
  // referral whose medium the tool did not know; then a bad source.
  u.source_dict.push_back("Google");
  u.source = {0, 1, 1, 3};
  u.medium = {0, 1, 2, 1};
  u.campaign = {0, 1, 0, 1};
  u.counts = {40, 10, 3, 2};
  const StoredCheck c = CheckStored(r, u);
  EXPECT_EQ(c.touchpoints, 55);
  EXPECT_EQ(c.with_utm, 15);  // not the 40 direct visits
  EXPECT_EQ(c.touchpoints_affected, 2);
  ASSERT_EQ(c.violations.size(), 1u);  // placeholders are no violations
  EXPECT_EQ(c.violations[0].value, "Google");
  EXPECT_EQ(c.violations[0].touchpoints, 2);
  EXPECT_TRUE(c.unknown_campaigns.empty());  // (not set) names no campaign
  EXPECT_EQ(c.fixes.at("utm_source").at("Google"), "google");
}

}  // namespace
}  // namespace mops::campaigns
