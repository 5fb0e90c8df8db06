#include "cli/cli.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace mops::cli {
namespace {

// A verb tree shaped like mops's: global options with values, a verb with
// verbs below it, and a leaf verb with a positional argument.
class UnknownVerbTest : public ::testing::Test {
 protected:
  UnknownVerbTest() {
    app_.add_option("--workspace,-w", workspace_);
    app_.add_option("--format", format_);
    app_.add_flag("--quiet,-q", quiet_);
    CLI::App* quality = app_.add_subcommand("quality", "Data quality");
    quality->add_subcommand("check", "Score");
    CLI::App* review = quality->add_subcommand("review", "Review queue");
    review->add_subcommand("list", "List");
    CLI::App* import = app_.add_subcommand("import", "Import");
    import->add_option("file", file_);
    app_.add_subcommand("serve", "Serve")->add_option("--port", port_);
    app_.add_subcommand("demo", "Demo");
  }

  std::optional<std::string> Check(std::vector<std::string> words) {
    words.insert(words.begin(), "mops");
    std::vector<const char*> argv;
    for (const auto& w : words) argv.push_back(w.c_str());
    return UnknownVerb(app_, static_cast<int>(argv.size()), argv.data());
  }

  CLI::App app_{"mops"};
  std::string workspace_, format_, file_;
  bool quiet_ = false;
  int port_ = 0;
};

TEST_F(UnknownVerbTest, KnownVerbsPass) {
  EXPECT_FALSE(Check({"demo"}));
  EXPECT_FALSE(Check({"quality", "check"}));
  EXPECT_FALSE(Check({"quality", "review", "list", "--help"}));
  EXPECT_FALSE(Check({"--workspace", "ws/mops.db", "serve", "--port", "8080"}));
  EXPECT_FALSE(Check({"-w", "leads", "demo"}));  // a value, not a verb
  EXPECT_FALSE(Check({"--workspace=leads", "demo"}));
  EXPECT_FALSE(Check({"-q", "demo"}));
  EXPECT_FALSE(Check({"--help"}));
  EXPECT_FALSE(Check({}));
}

TEST_F(UnknownVerbTest, PositionalArgumentsOfALeafVerbAreNotVerbs) {
  EXPECT_FALSE(Check({"import", "contacts.csv"}));
  EXPECT_FALSE(Check({"demo", "--", "leads"}));
}

TEST_F(UnknownVerbTest, UnknownTopLevelVerbNamesItAndTheVerbsThatExist) {
  for (auto words : std::vector<std::vector<std::string>>{
           {"leads"}, {"leads", "--help"}, {"--help", "leads"}, {"-q", "leads", "list"}}) {
    auto message = Check(words);
    ASSERT_TRUE(message) << words[0];
    EXPECT_EQ(*message, "unknown command 'leads'; the commands are: demo, import, quality, serve");
  }
}

TEST_F(UnknownVerbTest, UnknownQuietFlagValueIsNotSkipped) {
  // -q takes no value: the word after it is a verb.
  auto message = Check({"-q", "report"});
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("unknown command 'report'"), std::string::npos);
}

TEST_F(UnknownVerbTest, UnknownNestedVerbNamesThePath) {
  auto message = Check({"quality", "audit", "--help"});
  ASSERT_TRUE(message);
  EXPECT_EQ(*message, "unknown command 'quality audit'; the commands are: check, review");
}

}  // namespace
}  // namespace mops::cli
