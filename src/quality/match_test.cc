#include <gtest/gtest.h>

#include "quality/engine.h"

namespace mops::quality {
namespace {

TEST(MatchTest, DomainThenNameThenUnmatched) {
  std::vector<AccountKey> accounts = {
      {1, "acme.com", "acme", "US"},
      {2, "globex.de", "globex", "DE"},
      {3, "initech.com", "initech software", "US"},
      {4, "dup.com", "twin", "US"},
      {5, "dup.com", "twin", "US"},
      {6, "", "umbrella health", "GB"},
      {7, "", "umbrella health", "US"},
  };
  std::vector<LeadKey> leads = {
      {100, "jane@acme.com", "Something Else", ""},  // domain wins over name
      {101, "joe@gmail.com", "Globex GmbH", "DE"},   // free mail: by name
      {102, "", "Initech Software, Inc.", "US"},     // key equal
      {103, "", "Initech Software Systems", "US"},   // 2/3 tokens: below 0.8
      {104, "x@dup.com", "", ""},                    // two accounts share the domain
      {105, "", "Umbrella Health Ltd", "GB"},        // country picks one of two
      {106, "", "Umbrella Health", ""},              // both countries possible
      {107, "", "Globex", "FR"},                     // the country differs
      {108, "", "", ""},
  };
  auto m = MatchLeadsToAccounts(leads, accounts);
  ASSERT_EQ(m.size(), leads.size());
  EXPECT_EQ(m[0].account_id, 1);
  EXPECT_EQ(m[0].method, "domain");
  EXPECT_EQ(m[1].account_id, 2);
  EXPECT_EQ(m[1].method, "name");
  EXPECT_EQ(m[2].account_id, 3);
  EXPECT_EQ(m[3].account_id, 0);
  EXPECT_EQ(m[4].account_id, 0);
  EXPECT_EQ(m[4].method, "ambiguous_domain");
  EXPECT_EQ(m[5].account_id, 6);
  EXPECT_EQ(m[6].account_id, 0);
  EXPECT_EQ(m[6].method, "ambiguous_name");
  EXPECT_EQ(m[7].account_id, 0);
  EXPECT_EQ(m[7].method, "no_match");
  EXPECT_EQ(m[8].method, "no_company");
  // A lower threshold lets the fuzzy match through.
  auto loose = MatchLeadsToAccounts(std::span(leads).subspan(3, 1), accounts, 0.6);
  EXPECT_EQ(loose[0].account_id, 3);
  EXPECT_NEAR(loose[0].similarity, 2.0 / 3, 1e-9);
}

TEST(MatchTest, TokenSimilarity) {
  EXPECT_DOUBLE_EQ(TokenSimilarity("acme corp", "acme corp"), 1);
  EXPECT_DOUBLE_EQ(TokenSimilarity("acme", "acme labs"), 0.5);
  EXPECT_DOUBLE_EQ(TokenSimilarity("", "acme"), 0);
}

}  // namespace
}  // namespace mops::quality
