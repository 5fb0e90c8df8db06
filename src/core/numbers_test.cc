#include "core/numbers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "core/strings.h"

namespace mops::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename T>
std::string ErrorOf(const Result<T>& r) {
  if (r.has_value()) return "no error";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  return r.error().message;
}

TEST(ParseIntTest, Accepts) {
  EXPECT_EQ(ParseInt("42").value(), 42);
  EXPECT_EQ(ParseInt("  -17 ").value(), -17);
  EXPECT_EQ(ParseInt("+7").value(), 7);
  EXPECT_EQ(ParseInt("0").value(), 0);
  EXPECT_EQ(ParseInt("1,234").value(), 1234);
  EXPECT_EQ(ParseInt("-1,234,567").value(), -1234567);
  EXPECT_EQ(ParseInt("1234.0").value(), 1234);
  EXPECT_EQ(ParseInt("1,234.00").value(), 1234);
  EXPECT_EQ(ParseInt("007").value(), 7);
  EXPECT_EQ(ParseInt("9223372036854775807").value(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ParseInt("-9223372036854775808").value(), std::numeric_limits<int64_t>::min());
}

TEST(ParseIntTest, Rejects) {
  EXPECT_EQ(ErrorOf(ParseInt("abc")), "invalid number 'abc'");
  EXPECT_EQ(ErrorOf(ParseInt("")), "invalid number '': empty");
  EXPECT_EQ(ErrorOf(ParseInt("  ")), "invalid number '  ': empty");
  EXPECT_EQ(ErrorOf(ParseInt("1.5")), "invalid number '1.5': not a whole number");
  EXPECT_EQ(ErrorOf(ParseInt("12a")), "invalid number '12a'");
  EXPECT_EQ(
      ErrorOf(ParseInt("1,23")),
      "invalid number '1,23': misplaced thousands separator (the decimal separator is '.'; for "
      "decimal commas use --decimal ,)");
  EXPECT_THAT(ErrorOf(ParseInt("1234,567")),
              HasSubstr("invalid number '1234,567': misplaced thousands separator"));
  EXPECT_THAT(ErrorOf(ParseInt("1,2345")), HasSubstr("misplaced thousands separator"));
  EXPECT_THAT(ErrorOf(ParseInt(",123")), HasSubstr("invalid number"));
  EXPECT_THAT(ErrorOf(ParseInt("1,,234")), HasSubstr("misplaced thousands separator"));
  EXPECT_THAT(ErrorOf(ParseInt("1,234,")), HasSubstr("misplaced thousands separator"));
  EXPECT_EQ(ErrorOf(ParseInt("9223372036854775808")),
            "invalid number '9223372036854775808': out of range");
  EXPECT_THAT(ErrorOf(ParseInt("-9223372036854775809")), HasSubstr("out of range"));
  EXPECT_EQ(ErrorOf(ParseInt("$5")), "invalid number '$5'");
  EXPECT_EQ(ErrorOf(ParseInt("1e3")), "invalid number '1e3'");
  EXPECT_EQ(ErrorOf(ParseInt("-")), "invalid number '-'");
  EXPECT_EQ(ErrorOf(ParseInt(".")), "invalid number '.'");
  EXPECT_EQ(ErrorOf(ParseInt("--1")), "invalid number '--1'");
  EXPECT_EQ(ErrorOf(ParseInt("1 2")), "invalid number '1 2'");
}

TEST(ParseDoubleTest, Accepts) {
  EXPECT_DOUBLE_EQ(ParseDouble("3.14").value(), 3.14);
  EXPECT_DOUBLE_EQ(ParseDouble(" -1,234.56 ").value(), -1234.56);
  EXPECT_DOUBLE_EQ(ParseDouble("$1,234.56").value(), 1234.56);
  EXPECT_DOUBLE_EQ(ParseDouble("-$5").value(), -5);
  EXPECT_DOUBLE_EQ(ParseDouble("$-5").value(), -5);
  EXPECT_DOUBLE_EQ(ParseDouble("\xE2\x82\xAC"
                               "12.5")
                       .value(),
                   12.5);
  EXPECT_DOUBLE_EQ(ParseDouble("\xC2\xA3"
                               " 7")
                       .value(),
                   7);
  EXPECT_DOUBLE_EQ(ParseDouble(".5").value(), 0.5);
  EXPECT_DOUBLE_EQ(ParseDouble("5.").value(), 5);
  EXPECT_DOUBLE_EQ(ParseDouble("1e-3").value(), 0.001);
  EXPECT_DOUBLE_EQ(ParseDouble("2.5E+2").value(), 250);
  EXPECT_DOUBLE_EQ(ParseDouble("+0").value(), 0);
}

TEST(ParseDoubleTest, Rejects) {
  EXPECT_EQ(ErrorOf(ParseDouble("abc")), "invalid number 'abc'");
  EXPECT_EQ(ErrorOf(ParseDouble("nan")), "invalid number 'nan'");
  EXPECT_EQ(ErrorOf(ParseDouble("inf")), "invalid number 'inf'");
  EXPECT_THAT(ErrorOf(ParseDouble("1234,56")), HasSubstr("misplaced thousands separator"));
  EXPECT_EQ(ErrorOf(ParseDouble("12%")), "invalid number '12%'");
  EXPECT_EQ(ErrorOf(ParseDouble("1e")), "invalid number '1e'");
  EXPECT_EQ(ErrorOf(ParseDouble("1e400")), "invalid number '1e400': out of range");
  EXPECT_EQ(ErrorOf(ParseDouble("1.2.3")), "invalid number '1.2.3'");
  EXPECT_EQ(ErrorOf(ParseDouble("$")), "invalid number '$'");
  EXPECT_EQ(ErrorOf(ParseDouble("-$-5")), "invalid number '-$-5'");
}

TEST(ParseMoneyMinorTest, Accepts) {
  EXPECT_EQ(ParseMoneyMinor("$1,234.56").value(), 123456);
  EXPECT_EQ(ParseMoneyMinor("1234").value(), 123400);
  EXPECT_EQ(ParseMoneyMinor("-5.5").value(), -550);
  EXPECT_EQ(ParseMoneyMinor("0.29").value(), 29);
  EXPECT_EQ(ParseMoneyMinor(".07").value(), 7);
  EXPECT_EQ(ParseMoneyMinor("  -$0.01 ").value(), -1);
  EXPECT_EQ(ParseMoneyMinor("12", 0).value(), 12);
  EXPECT_EQ(ParseMoneyMinor("12.345", 3).value(), 12345);
  EXPECT_EQ(ParseMoneyMinor("1.5", 0).value(), 2);
  EXPECT_EQ(ParseMoneyMinor("92233720368547758.07").value(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ParseMoneyMinor("-92233720368547758.08").value(), std::numeric_limits<int64_t>::min());
}

TEST(ParseMoneyMinorTest, RoundsHalfAwayFromZeroWithoutDrift) {
  EXPECT_EQ(ParseMoneyMinor("0.125").value(), 13);
  EXPECT_EQ(ParseMoneyMinor("0.124999").value(), 12);
  EXPECT_EQ(ParseMoneyMinor("-0.125").value(), -13);
  EXPECT_EQ(ParseMoneyMinor("1.005").value(), 101);  // 1.00499999... as a double
  EXPECT_EQ(ParseMoneyMinor("0.995").value(), 100);
  EXPECT_EQ(ParseMoneyMinor("-0.004").value(), 0);
}

TEST(ParseMoneyMinorTest, Rejects) {
  EXPECT_EQ(ErrorOf(ParseMoneyMinor("abc")), "invalid number 'abc'");
  EXPECT_EQ(ErrorOf(ParseMoneyMinor("1.234e3")), "invalid number '1.234e3'");
  EXPECT_THAT(ErrorOf(ParseMoneyMinor("1234,56")), HasSubstr("misplaced thousands separator"));
  EXPECT_EQ(ErrorOf(ParseMoneyMinor("92233720368547758.08")),
            "invalid number '92233720368547758.08': out of range");
  EXPECT_THAT(ErrorOf(ParseMoneyMinor("92233720368547758.075")), HasSubstr("out of range"));
  EXPECT_THAT(ErrorOf(ParseMoneyMinor("1", 19)), HasSubstr("minor_digits must be 0-18"));
  EXPECT_THAT(ErrorOf(ParseMoneyMinor("1", -1)), HasSubstr("minor_digits must be 0-18"));
  EXPECT_EQ(ErrorOf(ParseMoneyMinor("")), "invalid number '': empty");
  EXPECT_EQ(ErrorOf(ParseMoneyMinor("5 USD")), "invalid number '5 USD'");
}

TEST(FormatMoneyMinorTest, Formats) {
  EXPECT_EQ(FormatMoneyMinor(123456), "1234.56");
  EXPECT_EQ(FormatMoneyMinor(-5), "-0.05");
  EXPECT_EQ(FormatMoneyMinor(0), "0.00");
  EXPECT_EQ(FormatMoneyMinor(100), "1.00");
  EXPECT_EQ(FormatMoneyMinor(12, 0), "12");
  EXPECT_EQ(FormatMoneyMinor(12345, 3), "12.345");
  EXPECT_EQ(FormatMoneyMinor(std::numeric_limits<int64_t>::min()), "-92233720368547758.08");
  EXPECT_EQ(FormatMoneyMinor(std::numeric_limits<int64_t>::max()), "92233720368547758.07");
}

TEST(FormatMoneyMinorTest, RoundTrips) {
  for (int64_t v :
       {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{99}, int64_t{-100}, int64_t{123456789},
        std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    for (int digits : {0, 2, 4}) {
      EXPECT_EQ(ParseMoneyMinor(FormatMoneyMinor(v, digits), digits).value(), v);
    }
  }
}

TEST(ParseBoolTest, AcceptsCommonSpellings) {
  for (std::string_view yes : {"true", "TRUE", "True", "yes", "Y", "y", "t", "1", " yes "}) {
    EXPECT_TRUE(ParseBool(yes).value()) << yes;
  }
  for (std::string_view no : {"false", "FALSE", "no", "N", "n", "f", "0", "\tno"}) {
    EXPECT_FALSE(ParseBool(no).value()) << no;
  }
}

TEST(ParseBoolTest, Rejects) {
  EXPECT_EQ(ErrorOf(ParseBool("maybe")),
            "invalid boolean 'maybe' (expected true/false, yes/no, y/n, t/f or 1/0)");
  EXPECT_THAT(ErrorOf(ParseBool("")), HasSubstr("invalid boolean ''"));
  EXPECT_THAT(ErrorOf(ParseBool("2")), HasSubstr("invalid boolean"));
  EXPECT_THAT(ErrorOf(ParseBool("yess")), HasSubstr("invalid boolean"));
}

TEST(StringsTest, Trim) {
  EXPECT_EQ(Trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("   "), "");
  EXPECT_EQ(TrimLeft("  a "), "a ");
  EXPECT_EQ(TrimRight("  a "), "  a");
}

TEST(StringsTest, CaseHelpers) {
  EXPECT_EQ(ToLower("MiXeD 123 \xC3\x89"), "mixed 123 \xC3\x89");
  EXPECT_EQ(ToUpper("abc"), "ABC");
  EXPECT_TRUE(IEquals("Email", "EMAIL"));
  EXPECT_FALSE(IEquals("Email", "Emails"));
  EXPECT_TRUE(IStartsWith("HubSpot ID", "hubspot"));
  EXPECT_FALSE(IStartsWith("Hub", "hubspot"));
  EXPECT_TRUE(IEndsWith("contact.CSV", ".csv"));
  EXPECT_FALSE(IEndsWith("csv", ".csv"));
}

TEST(StringsTest, SplitAndJoin) {
  EXPECT_THAT(Split("a,,b", ','), ElementsAre("a", "", "b"));
  EXPECT_THAT(Split("", ','), ElementsAre(""));
  EXPECT_THAT(Split("a,", ','), ElementsAre("a", ""));
  EXPECT_EQ(Join(std::vector<std::string>{"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(Join(std::vector<std::string_view>{}, ","), "");
}

}  // namespace
}  // namespace mops::core

namespace mops::core {
namespace {

TEST(NumberFormatTest, DecimalCommaWithDotGroups) {
  auto format = ParseNumberFormat(",", "");
  ASSERT_TRUE(format) << format.error().message;
  EXPECT_EQ(format->decimal, ',');
  EXPECT_EQ(format->thousands, '.');
  EXPECT_EQ(*ParseMoneyMinor("1.234,56", 2, *format), 123456);
  EXPECT_EQ(*ParseMoneyMinor("1234,5", 2, *format), 123450);
  EXPECT_DOUBLE_EQ(*ParseDouble("1.234,5", *format), 1234.5);
  EXPECT_FALSE(ParseMoneyMinor("1.23,45", 2, *format));  // misplaced group
  // The default format still refuses a decimal comma, with a hint.
  auto refused = ParseMoneyMinor("1234,56");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("--decimal ,"), std::string::npos);
}

TEST(NumberFormatTest, BadSeparators) {
  EXPECT_FALSE(ParseNumberFormat(";", ""));
  EXPECT_FALSE(ParseNumberFormat(".", "."));
  EXPECT_FALSE(ParseNumberFormat(",", ","));
  auto swiss = ParseNumberFormat(".", "'");
  ASSERT_TRUE(swiss);
  EXPECT_EQ(*ParseMoneyMinor("1'234.50", 2, *swiss), 123450);
}

TEST(AmountTest, CurrencySymbolsAndCodes) {
  const NumberFormat eu{',', '.'};
  auto a = ParseAmount(
      "\xE2\x82\xAC"
      "1.234,56",
      eu);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->minor, 123456);
  EXPECT_EQ(a->currency, "EUR");
  a = ParseAmount("1.234,56 \xE2\x82\xAC", eu);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->minor, 123456);
  EXPECT_EQ(a->currency, "EUR");
  a = ParseAmount("1,234.56 USD");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->minor, 123456);
  EXPECT_EQ(a->currency, "USD");
  a = ParseAmount("GBP 12");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->minor, 1200);
  EXPECT_EQ(a->currency, "GBP");
  a = ParseAmount("-5 \xE2\x82\xAC");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->minor, -500);
  a = ParseAmount("$1,000");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->currency, "USD");
  a = ParseAmount("1000");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->currency, "");
  a = ParseAmount("1.234,56\xC2\xA0\xE2\x82\xAC", eu);  // no-break space
  ASSERT_TRUE(a);
  EXPECT_EQ(a->minor, 123456);
}

TEST(AmountTest, NotAmounts) {
  EXPECT_FALSE(ParseAmount("$ 12k"));
  EXPECT_FALSE(ParseAmount("12 usd"));  // codes are upper case
  EXPECT_FALSE(ParseAmount("USD"));
  EXPECT_FALSE(ParseAmount("12 EURO"));
  EXPECT_FALSE(ParseAmount("$12 USD"));
}

}  // namespace
}  // namespace mops::core
