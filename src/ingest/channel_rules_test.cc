// The channel rule engine: the defaults, rule order, click ids, the shipped
// host lists, config errors with their lines, and explain.
#include "ingest/channel_rules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "core/strings.h"

namespace mops::ingest {
namespace {

ChannelRules Parse(std::string_view yaml) {
  auto rules = ParseChannelRules(yaml, "test.yaml");
  EXPECT_TRUE(rules.has_value()) << rules.error().ToString();
  return std::move(*rules);
}

core::Error ParseError(std::string_view yaml) {
  auto rules = ParseChannelRules(yaml, "bad.yaml");
  EXPECT_FALSE(rules.has_value()) << yaml;
  return rules ? core::Error{} : rules.error();
}

std::string_view Channel(const ChannelRules& rules, ChannelInputs in) {
  return Classify(rules, in).channel;
}

TEST(ChannelRules, DefaultsParseAndEndInDirect) {
  const ChannelRules& rules = DefaultChannelRules();
  EXPECT_GT(rules.rules().size(), 40u);
  EXPECT_EQ(rules.default_channel(), "direct");
  EXPECT_EQ(rules.rules().front().name, "type_webinar");
  // Every line of a rule points into the document.
  const size_t lines =
      std::count(DefaultChannelRulesText().begin(), DefaultChannelRulesText().end(), '\n');
  for (const ChannelRule& r : rules.rules()) {
    EXPECT_GT(r.line, 0) << r.name;
    EXPECT_LE(r.line, static_cast<int64_t>(lines)) << r.name;
  }
  // The built-in lists are available by name.
  for (const char* list : {"search_engines", "social_networks", "video_sites", "review_sites",
                           "email_sources", "webmail"}) {
    EXPECT_TRUE(rules.lists().contains(list)) << list;
  }
}

TEST(ChannelRules, FirstMatchWins) {
  const char* kBoth = R"(
rules:
  - {name: linkedin_is_social, channel: paid_social, source: [linkedin]}
  - {name: cpc_is_search, channel: paid_search, medium: [cpc]}
)";
  const char* kSwapped = R"(
rules:
  - {name: cpc_is_search, channel: paid_search, medium: [cpc]}
  - {name: linkedin_is_social, channel: paid_social, source: [linkedin]}
)";
  const ChannelInputs in{"LinkedIn", "CPC", "", "", ""};
  const ChannelRules a = Parse(kBoth);
  const ChannelRules b = Parse(kSwapped);
  EXPECT_EQ(Classify(a, in).channel, "paid_social");
  EXPECT_EQ(Classify(a, in).rule, 0);
  EXPECT_EQ(Classify(b, in).channel, "paid_search");
  EXPECT_EQ(Classify(b, in).rule, 0);
  // Only the second holds: it gives the channel whatever the order.
  const ChannelInputs only_cpc{"google", "cpc", "", "", ""};
  EXPECT_EQ(Classify(a, only_cpc).channel, "paid_search");
  EXPECT_EQ(Classify(a, only_cpc).rule, 1);
  // None holds: the default.
  const ChannelInputs none{"", "", "", "", ""};
  EXPECT_EQ(Classify(a, none).channel, "direct");
  EXPECT_EQ(Classify(a, none).rule, -1);
}

TEST(ChannelRules, AllConditionsOfARuleMustHold) {
  const ChannelRules rules = Parse(R"(
rules:
  - {name: both, channel: partner, source: [acme], medium: [referral]}
default: other
)");
  EXPECT_EQ(Channel(rules, {"acme", "referral", "", "", ""}), "partner");
  EXPECT_EQ(Channel(rules, {"acme", "email", "", "", ""}), "other");
  EXPECT_EQ(Channel(rules, {"", "referral", "", "", ""}), "other");
}

TEST(ChannelRules, EachClickIdOfTheDefaults) {
  struct Case {
    std::string_view param, channel;
  };
  const Case cases[] = {{"gclid", "paid_search"},  {"gbraid", "paid_search"},
                        {"wbraid", "paid_search"}, {"msclkid", "paid_search"},
                        {"fbclid", "paid_social"}, {"li_fat_id", "paid_social"},
                        {"ttclid", "paid_social"}, {"dclid", "display"}};
  for (const Case& c : cases) {
    for (const std::string& url :
         {"https://acme.com/?" + std::string(c.param) + "=abc",
          "https://acme.com/pricing?utm_x=1&" + std::string(c.param) + "=abc#top",
          "https://acme.com/?" + std::string(c.param)}) {
      const ChannelInputs in{"", "", "", "page_view", url};
      EXPECT_EQ(ClassifyChannel(in), c.channel) << url;
      const ChannelExplanation e = ExplainChannel(DefaultChannelRules(), in);
      ASSERT_FALSE(e.reasons.empty());
      EXPECT_NE(e.reasons[0].find(c.param), std::string::npos) << e.reasons[0];
    }
    // A parameter whose name only ends with the click id does not count, nor
    // the click id in the path.
    EXPECT_EQ(
        ClassifyChannel({"", "", "", "", "https://acme.com/?not" + std::string(c.param) + "=1"}),
        "direct");
    EXPECT_EQ(ClassifyChannel({"", "", "", "", "https://acme.com/" + std::string(c.param)}),
              "direct");
  }
  // A UTM medium says more than a click id: the medium's rule comes first.
  EXPECT_EQ(ClassifyChannel({"newsletter", "email", "", "", "https://acme.com/?gclid=1"}), "email");
  // A click id says more than a referrer.
  EXPECT_EQ(ClassifyChannel({"", "", "https://www.google.com/", "", "https://acme.com/?gclid=1"}),
            "paid_search");
  EXPECT_EQ(
      ClassifyChannel({"", "", "https://www.facebook.com/", "", "https://acme.com/?fbclid=1"}),
      "paid_social");
}

// Every entry of a shipped host list, as a referrer and as a utm_source.
void CheckList(std::string_view list, std::string_view organic) {
  const auto& text = BuiltinChannelLists().at(std::string(list));
  int entries = 0;
  for (std::string_view line : core::Split(text, '\n')) {
    line = core::Trim(line.substr(0, line.find('#')));
    if (line.empty() || line.find('_') != std::string_view::npos) continue;
    ++entries;
    const std::string host = line.find('.') == std::string_view::npos
                                 ? "www." + std::string(line) + ".com"
                                 : std::string(line);
    const std::string referrer = "https://" + host + "/some/page?q=1";
    EXPECT_EQ(ClassifyChannel({"", "", referrer, "", ""}), organic) << list << ": " << referrer;
    EXPECT_EQ(ClassifyChannel({std::string(line), "", "", "", ""}), organic)
        << list << ": " << line;
    // Country domains and subdomains of a name.
    if (line.find('.') == std::string_view::npos) {
      const std::string cc = "https://news." + std::string(line) + ".co.uk/";
      EXPECT_EQ(ClassifyChannel({"", "", cc, "", ""}), organic) << cc;
    }
  }
  EXPECT_GT(entries, 3) << list;
}

TEST(ChannelRules, SearchEngineReferrersAndSources) {
  CheckList("search_engines", "organic_search");
  EXPECT_EQ(ClassifyChannel({"", "", "https://search.brave.com/search?q=x", "", ""}),
            "organic_search");
  // Paid search on any search engine.
  EXPECT_EQ(ClassifyChannel({"bing", "cpc", "https://www.bing.com/", "", ""}), "paid_search");
}

TEST(ChannelRules, SocialNetworkReferrersAndSources) {
  CheckList("social_networks", "organic_social");
  EXPECT_EQ(ClassifyChannel({"", "", "https://lnkd.in/abc", "", ""}), "organic_social");
  EXPECT_EQ(ClassifyChannel({"facebook", "cpc", "", "", ""}), "paid_social");
  EXPECT_EQ(ClassifyChannel({"linkedin.com", "paid-social", "", "", ""}), "paid_social");
}

TEST(ChannelRules, ReferralLinksFromReviewSitesAndSocialNetworks) {
  // The demo tags its G2 profile links utm_medium=referral.
  EXPECT_EQ(ClassifyChannel({"g2", "referral", "https://www.g2.com/products/x/reviews", "page_view",
                             "https://www.example.com/?utm_source=g2&utm_medium=referral"}),
            "review_sites");
  EXPECT_EQ(ClassifyChannel({"facebook", "referral", "", "", ""}), "organic_social");
  EXPECT_EQ(ClassifyChannel({"blog", "referral", "", "", ""}), "referral");
}

TEST(ChannelRules, OtherShippedLists) {
  CheckList("video_sites", "video");
  CheckList("review_sites", "review_sites");
  EXPECT_EQ(ClassifyChannel({"", "", "https://mail.yahoo.com/d/folders/1", "", ""}), "email");
  EXPECT_EQ(ClassifyChannel({"", "", "https://outlook.office.com/mail/", "", ""}), "email");
  EXPECT_EQ(ClassifyChannel({"", "", "https://blog.somewhere.org/post", "", ""}), "referral");
  EXPECT_EQ(ClassifyChannel({"", "", "not a url", "", ""}), "direct");
}

TEST(ChannelRules, ListsGlobsAndOverrides) {
  const ChannelRules rules = Parse(R"(
lists:
  partners: [acme.io, globex]
  search_engines: [kagi]          # replaces the built-in list
rules:
  - {name: partner_sites, channel: partner, referrer: ["@partners"]}
  - {name: search, channel: organic_search, referrer: ["@search_engines"]}
  - {name: spring_campaigns, channel: email, medium: ["spring-*"]}
  - {name: no_source, channel: other, empty: [source], present: [referrer]}
)");
  EXPECT_EQ(Channel(rules, {"", "", "https://blog.acme.io/x", "", ""}), "partner");
  EXPECT_EQ(Channel(rules, {"", "", "https://acme.io/", "", ""}), "partner");
  EXPECT_EQ(Channel(rules, {"", "", "https://notacme.io/", "", ""}), "other");
  EXPECT_EQ(Channel(rules, {"", "", "https://eu.globex.com/", "", ""}), "partner");
  EXPECT_EQ(Channel(rules, {"", "", "https://kagi.com/search", "", ""}), "organic_search");
  // google is no longer a search engine in this workspace.
  EXPECT_EQ(Channel(rules, {"", "", "https://www.google.com/", "", ""}), "other");
  EXPECT_EQ(Channel(rules, {"", "Spring 2024", "", "", ""}), "email");
  EXPECT_EQ(Channel(rules, {"x", "", "https://www.google.com/", "", ""}), "direct");
}

TEST(ChannelRules, ErrorsNameTheRuleAndLine) {
  struct Case {
    std::string_view yaml;
    int64_t line;
    std::vector<std::string_view> says;
  };
  const Case cases[] = {
      {"rules:\n  - {name: a, channel: email, medium: [email]}\n  - {name: b, channel: "
       "emial, medium: [x]}\n",
       3,
       {"rule 2 'b'", "unknown channel 'emial'", "paid_search"}},
      {"rules:\n  - name: a\n    channel: email\n    meduim: [email]\n",
       4,
       {"rule 1 'a'", "unknown key 'meduim'"}},
      {"rules:\n  - {name: a, channel: email, source: ['@search']}\n",
       2,
       {"rule 1 'a'", "unknown list '@search'", "search_engines"}},
      {"rules:\n  - {name: a, channel: email, medium: []}\n", 2, {"rule 1 'a'", "empty list"}},
      {"rules:\n  - {name: a, channel: email}\n  - {name: b, channel: direct, medium: [x]}\n",
       3,
       {"rule 2 'b'", "can never match", "rule 1 'a'"}},
      {"rules:\n  - {name: a, channel: email, medium: [x]}\n  - {name: a, channel: direct, "
       "medium: [y]}\n",
       3,
       {"rule 2 'a'", "already used by rule 1"}},
      {"rules:\n  - {name: a, medium: [x]}\n", 2, {"rule 1 'a'", "no channel"}},
      {"rules:\n  - {name: a, channel: email, click_id: ['gclid=1']}\n",
       2,
       {"rule 1 'a'", "not a query parameter"}},
      {"rules:\n  - {name: a, channel: email, present: [campaign]}\n",
       2,
       {"rule 1 'a'", "unknown field 'campaign'"}},
      {"rules:\n  - {name: a, channel: email, medium: [x]}\ndefault: nowhere\n",
       3,
       {"default", "unknown channel 'nowhere'"}},
      {"rules:\n  - {name: a, channel: email, medium: [x]\n", 3, {"invalid YAML"}},
      {"rulez: []\n", 1, {"unknown key 'rulez'"}},
      {"lists:\n  mine: [a]\n", 1, {"no 'rules'"}},
      {"rules:\n  - {name: a, channel: email, medium: [x]}\n  - {[x]: y, channel: email}\n",
       3,
       {"invalid channels config"}},
      {"lists:\n  {a: b}: [x]\nrules: []\n", 2, {"invalid channels config"}},
      {"rules:\n  - {name: a, channel: email, medium: [x, {y: 1}]}\n",
       2,
       {"rule 1 'a'", "every entry must be a text"}},
  };
  for (const Case& c : cases) {
    const core::Error e = ParseError(c.yaml);
    EXPECT_EQ(e.file, "bad.yaml") << c.yaml;
    EXPECT_EQ(e.line, c.line) << c.yaml << "\n" << e.ToString();
    for (std::string_view s : c.says) {
      EXPECT_NE(e.ToString().find(s), std::string::npos) << e.ToString() << "\nwants: " << s;
    }
  }
}

TEST(ChannelRules, ExplainShowsTheMatchAndTheRulesTriedBefore) {
  const ChannelRules rules = Parse(R"(
rules:
  - {name: webinars, channel: webinar, type: ["webinar*"]}
  - {name: paid, channel: paid_search, click_id: [gclid]}
  - {name: search, channel: organic_search, referrer: ["@search_engines"]}
)");
  const ChannelExplanation e =
      ExplainChannel(rules, {"", "", "https://www.google.de/search", "page_view", "https://a.io/"});
  EXPECT_EQ(e.channel, "organic_search");
  EXPECT_EQ(e.rule, 2);
  EXPECT_EQ(e.rule_name, "search");
  EXPECT_EQ(e.rule_line, 5);
  ASSERT_EQ(e.reasons.size(), 1u);
  EXPECT_EQ(e.reasons[0], "referrer 'google.de' matches 'google' of @search_engines");
  ASSERT_EQ(e.tried.size(), 2u);
  EXPECT_EQ(e.tried[0].name, "webinars");
  EXPECT_EQ(e.tried[0].failed, "type 'page_view' matches none of its entries");
  EXPECT_EQ(e.tried[1].name, "paid");
  EXPECT_EQ(e.tried[1].failed, "the URL has none of the click ids gclid");
  EXPECT_EQ(e.inputs.at("referrer"), "google.de");

  const ChannelExplanation d = ExplainChannel(rules, {"", "", "", "", ""});
  EXPECT_EQ(d.channel, "direct");
  EXPECT_EQ(d.rule, -1);
  EXPECT_EQ(d.rule_name, "(default)");
  EXPECT_EQ(d.tried.size(), 3u);
  EXPECT_EQ(d.tried[2].failed, "referrer is empty");
  // Explain and Classify agree.
  EXPECT_EQ(Classify(rules, {"", "", "https://www.google.de/search", "page_view", ""}).rule, 2);
}

TEST(ChannelRules, ClassifyIsThreadSafe) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong = 0;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&wrong, t] {
      for (int i = 0; i < 2000; ++i) {
        const bool paid = (i + t) % 2 == 0;
        const std::string_view c = ClassifyChannel({paid ? "linkedin" : "", paid ? "cpc" : "",
                                                    paid ? "" : "https://www.bing.com/", "", ""});
        if (c != (paid ? "paid_social" : "organic_search")) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace mops::ingest
