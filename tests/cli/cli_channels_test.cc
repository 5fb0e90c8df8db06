// `mops config` and `mops channels` through the real binary: a bad rules file
// is refused with its file, line and rule and changes nothing; show prints
// the rules in force; explain names the rule; reclassify counts, then writes.
#include <gtest/gtest.h>

#include "tests/cli/cli_support.h"

namespace mops::cli_test {
namespace {

constexpr const char* kTouchpoints =
    "external_id,occurred_at,type,channel,source,medium,referrer,url\n"
    "t1,2024-03-04,page_view,display,google,cpc,,https://acme.com/\n"
    "t2,2024-03-05,page_view,organic_search,,,https://www.google.com/,https://acme.com/\n"
    "t3,2024-03-11,page_view,direct,,,,https://acme.com/?fbclid=IwAR\n";

TEST(CliChannels, ABadRulesFileChangesNothing) {
  CliWorkspace ws;
  ASSERT_EQ(ws.Mops({"import", "touchpoints", ws.Write("tp.csv", kTouchpoints)}).exit_code, 0);
  const std::string before = ws.Snapshot();
  const std::string bad = ws.Write("bad.yaml",
                                   "rules:\n"
                                   "  - {name: ok, channel: email, medium: [email]}\n"
                                   "  - {name: typo, channel: paid_serch, medium: [cpc]}\n");
  RunResult set = ws.Mops({"config", "set", "channels", bad});
  EXPECT_EQ(set.exit_code, 1);
  EXPECT_NE(set.err.find("bad.yaml:3:"), std::string::npos) << set.err;
  EXPECT_NE(set.err.find("rule 2 'typo'"), std::string::npos) << set.err;
  EXPECT_NE(set.err.find("paid_serch"), std::string::npos) << set.err;
  RunResult check = ws.Mops({"config", "check", "channels", bad});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_EQ(ws.Snapshot(), before);
  // Still the defaults.
  RunResult show = ws.Mops({"config", "show", "channels"});
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_NE(show.out.find("name: type_webinar"), std::string::npos);
  EXPECT_NE(show.err.find("built-in defaults"), std::string::npos) << show.err;
  // An unknown config is named with the ones that exist.
  RunResult unknown = ws.Mops({"config", "show", "chanels"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("channels"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("crm"), std::string::npos) << unknown.err;
}

TEST(CliChannels, ExplainSetReclassify) {
  CliWorkspace ws;
  ASSERT_EQ(ws.Mops({"import", "touchpoints", ws.Write("tp.csv", kTouchpoints)}).exit_code, 0);

  RunResult explain = ws.Mops({"channels", "explain", "--url", "https://acme.com/?ttclid=1",
                               "--referrer", "https://www.google.com/"});
  ASSERT_EQ(explain.exit_code, 0) << explain.err;
  EXPECT_NE(explain.out.find("channel: paid_social"), std::string::npos) << explain.out;
  EXPECT_NE(explain.out.find("'click_id_social'"), std::string::npos) << explain.out;
  EXPECT_NE(explain.out.find("the URL has the click id 'ttclid'"), std::string::npos);
  EXPECT_NE(explain.out.find("rules tried before"), std::string::npos);

  // Two rows disagree with the defaults (t1 by its medium, t3 by fbclid).
  RunResult dry = ws.Mops({"--format", "json", "channels", "reclassify", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("\"changed\": 2"), std::string::npos) << dry.out;
  const std::string unchanged = ws.Snapshot();
  ASSERT_EQ(ws.Mops({"channels", "reclassify", "--dry-run"}).exit_code, 0);
  EXPECT_EQ(ws.Snapshot(), unchanged);

  const std::string rules = ws.Write("rules.yaml",
                                     "rules:\n"
                                     "  - {name: search, channel: organic_search, "
                                     "referrer: ['@search_engines']}\n"
                                     "default: other\n");
  RunResult set = ws.Mops({"config", "set", "channels", rules});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  RunResult show = ws.Mops({"config", "show", "channels"});
  EXPECT_NE(show.out.find("default: other"), std::string::npos) << show.out;
  RunResult list = ws.Mops({"config", "list"});
  EXPECT_NE(list.out.find("channels"), std::string::npos);

  RunResult done = ws.Mops({"channels", "reclassify"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("display"), std::string::npos) << done.out;
  EXPECT_NE(done.err.find("changed 2 of 3 touchpoints"), std::string::npos) << done.err;
  // The stored channels: t1 and t3 by the default, t2 by its search referrer.
  RunResult exported = ws.Mops({"export", "touchpoints", "--format", "csv", "--out", "-"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  int other = 0, search = 0;
  for (size_t pos = 0; (pos = exported.out.find('\n', pos)) != std::string::npos; ++pos) {
    const std::string line =
        exported.out.substr(pos + 1, exported.out.find('\n', pos + 1) - pos - 1);
    if (line.find(",other,") != std::string::npos) ++other;
    if (line.find(",organic_search,") != std::string::npos) ++search;
  }
  EXPECT_EQ(other, 2) << exported.out;
  EXPECT_EQ(search, 1) << exported.out;
  RunResult nothing_left = ws.Mops({"--format", "json", "channels", "reclassify", "--dry-run"});
  EXPECT_NE(nothing_left.out.find("\"changed\": 0"), std::string::npos) << nothing_left.out;

  // Back to the defaults.
  ASSERT_EQ(ws.Mops({"config", "reset", "channels"}).exit_code, 0);
  RunResult table = ws.Mops({"channels", "show"});
  EXPECT_NE(table.out.find("click_id_search"), std::string::npos);
}

}  // namespace
}  // namespace mops::cli_test
