// `make demo` keeps one admin token across restarts.
#include "demo/demo_verb.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "http/http.h"

namespace mops::demo {
namespace {

class DemoTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mops_demo_token_test_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    workspace_ = (dir_ / "mops.db").string();
    auto db = store::Open(workspace_);
    ASSERT_TRUE(db.has_value());
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_).has_value());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  int64_t ActiveTokens() {
    auto tokens = http::ListTokens(*db_);
    EXPECT_TRUE(tokens.has_value());
    int64_t n = 0;
    for (const auto& t : *tokens) n += t.revoked_at ? 0 : 1;
    return n;
  }

  std::filesystem::path dir_;
  std::string workspace_;
  std::unique_ptr<store::Database> db_;
};

TEST_F(DemoTokenTest, ReusedAcrossRestartsAndKeptPrivate) {
  auto first = DemoToken(*db_, workspace_);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  const auto file = dir_ / "demo-token";
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = DemoToken(*db_, workspace_);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(*second, *first) << "a restart must not mint another admin token";
  EXPECT_EQ(ActiveTokens(), 1);
  auto who = http::Authenticate(*db_, *second);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->role, http::Role::kAdmin);
}

TEST_F(DemoTokenTest, ReplacedWhenRevokedOrForeign) {
  auto first = DemoToken(*db_, workspace_);
  ASSERT_TRUE(first.has_value());
  auto who = http::Authenticate(*db_, *first);
  ASSERT_TRUE(who.has_value());
  ASSERT_TRUE(http::RevokeToken(*db_, who->token_id).has_value());
  auto second = DemoToken(*db_, workspace_);
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(*second, *first);
  EXPECT_TRUE(http::Authenticate(*db_, *second).has_value());

  // A file left by another workspace (or edited by hand, or world-readable)
  // is replaced, and made owner-only.
  const auto file = dir_ / "demo-token";
  std::ofstream(file) << "mops_not_a_token_of_this_workspace\n";
  ::chmod(file.c_str(), 0644);
  auto third = DemoToken(*db_, workspace_);
  ASSERT_TRUE(third.has_value());
  EXPECT_TRUE(third->starts_with("mops_"));
  EXPECT_NE(*third, "mops_not_a_token_of_this_workspace");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(file);
  std::string stored;
  std::getline(in, stored);
  EXPECT_EQ(stored, *third);
}

}  // namespace
}  // namespace mops::demo
