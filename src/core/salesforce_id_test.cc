#include "core/salesforce_id.h"

#include <gtest/gtest.h>

namespace mops::core {
namespace {

// Each suffix worked by hand: per 5-character chunk, bit j is set when
// character j of the chunk is an upper-case A-Z; the 5-bit value indexes
// "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345" (0 -> A, 8 -> I, 21 -> V, 31 -> 5).
TEST(SalesforceIdTest, SuffixOfKnownIds) {
  // "001A0" : A at position 3 -> 8 -> 'I'
  // "00000" : none            -> 0 -> 'A'
  // "6Vm9r" : V at position 1 -> 2 -> 'C'
  EXPECT_EQ(SalesforceIdSuffix("001A0000006Vm9r"), "IAC");
  // "00330" -> 0 'A'; "00000" -> 0 'A'; "AbCdE": A(0) C(2) E(4) = 1+4+16 = 21 -> 'V'
  EXPECT_EQ(SalesforceIdSuffix("0033000000AbCdE"), "AAV");
  // "00Q5g": Q(2) = 4 -> 'E'; "00000" -> 'A'; "XyZab": X(0) Z(2) = 1+4 = 5 -> 'F'
  EXPECT_EQ(SalesforceIdSuffix("00Q5g00000XyZab"), "EAF");
  // "006Dn": D(3) = 8 -> 'I'; "00000" -> 'A'; "4aBcD": B(2) D(4) = 4+16 = 20 -> 'U'
  EXPECT_EQ(SalesforceIdSuffix("006Dn000004aBcD"), "IAU");
  // "ABCDE" = 31 -> '5'; "abcde" = 0 -> 'A'; "AbCdE" = 21 -> 'V'
  EXPECT_EQ(SalesforceIdSuffix("ABCDEabcdeAbCdE"), "5AV");
}

TEST(SalesforceIdTest, NormalizesFifteenToEighteen) {
  std::string out;
  EXPECT_EQ(NormalizeSalesforceId("001A0000006Vm9r", out), SalesforceIdForm::kId);
  EXPECT_EQ(out, "001A0000006Vm9rIAC");
  EXPECT_EQ(NormalizeSalesforceId("001A0000006Vm9rIAC", out), SalesforceIdForm::kId);
  EXPECT_EQ(out, "001A0000006Vm9rIAC");
}

TEST(SalesforceIdTest, FifteenCharacterIdsAreCaseSensitive) {
  // Two records whose 15-character ids differ only in case are two records:
  // their 18-character forms differ.
  std::string a;
  std::string b;
  NormalizeSalesforceId("001A0000006Vm9r", a);
  NormalizeSalesforceId("001a0000006vm9r", b);
  EXPECT_NE(a, b);
  EXPECT_EQ(b, "001a0000006vm9rAAA");
}

TEST(SalesforceIdTest, NullIdIsAnEmptyReference) {
  std::string out = "x";
  EXPECT_EQ(NormalizeSalesforceId("000000000000000AAA", out), SalesforceIdForm::kNull);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(NormalizeSalesforceId("000000000000000", out), SalesforceIdForm::kNull);
  EXPECT_TRUE(IsSalesforceNullId("000000000000000"));
  EXPECT_FALSE(IsSalesforceNullId("000000000000001"));
}

TEST(SalesforceIdTest, OtherTextIsLeftAlone) {
  std::string out;
  EXPECT_EQ(NormalizeSalesforceId("12345", out), SalesforceIdForm::kNotAnId);
  EXPECT_EQ(out, "12345");
  EXPECT_EQ(NormalizeSalesforceId("001A0000006Vm9-", out), SalesforceIdForm::kNotAnId);
  EXPECT_EQ(NormalizeSalesforceId("jane@example.com", out), SalesforceIdForm::kNotAnId);
  EXPECT_FALSE(IsSalesforceIdShape("001A0000006Vm9rI"));  // 16 characters
}

}  // namespace
}  // namespace mops::core
