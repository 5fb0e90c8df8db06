#include "core/time.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace mops::core {
namespace {

using ::testing::HasSubstr;

// 2024-03-31T00:00:00Z
constexpr Timestamp kMarch31 = 1711843200;

Timestamp Parse(std::string_view text, DateFormat format = DateFormat::kAuto) {
  Result<Timestamp> t = ParseTimestamp(text, format);
  EXPECT_TRUE(t.has_value()) << text << ": " << t.error().ToString();
  return t.value_or(-1);
}

std::string ErrorOf(std::string_view text, DateFormat format = DateFormat::kAuto) {
  Result<Timestamp> t = ParseTimestamp(text, format);
  if (t.has_value()) return "parsed as " + FormatTimestamp(*t);
  EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument);
  return t.error().message;
}

TEST(DaysFromCivilTest, KnownDays) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1970, 1, 2), 1);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(2024, 3, 31), kMarch31 / kSecondsPerDay);
  EXPECT_EQ(DaysFromCivil(1, 1, 1), -719162);
  EXPECT_EQ(DaysFromCivil(9999, 12, 31), 2932896);
}

TEST(FormatTest, RoundTripsDays) {
  for (int64_t day = -800000; day <= 3000000; day += 997) {
    const Timestamp t = day * kSecondsPerDay + 3723;
    Result<Timestamp> back = ParseTimestamp(FormatTimestamp(t), DateFormat::kIso);
    if (day >= DaysFromCivil(1, 1, 1) && day <= DaysFromCivil(9999, 12, 31)) {
      ASSERT_TRUE(back.has_value()) << FormatTimestamp(t);
      ASSERT_EQ(*back, t);
    }
  }
}

TEST(FormatTest, TimestampAndDate) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(kMarch31 + 12 * 3600 + 5 * 60 + 9), "2024-03-31T12:05:09Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatDate(kMarch31 + 86399), "2024-03-31");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
  EXPECT_EQ(FormatDate(DaysFromCivil(2024, 2, 29) * kSecondsPerDay), "2024-02-29");
}

TEST(NowUtcTest, IsAfter2024) { EXPECT_GT(NowUtc(), kMarch31); }

TEST(ParseTimestampTest, IsoDatesAndTimes) {
  EXPECT_EQ(Parse("2024-03-31"), kMarch31);
  EXPECT_EQ(Parse("2024-03-31T12:05:00Z"), kMarch31 + 43500);
  EXPECT_EQ(Parse("2024-03-31T12:05:00"), kMarch31 + 43500);
  EXPECT_EQ(Parse("2024-03-31T12:05Z"), kMarch31 + 43500);
  EXPECT_EQ(Parse("2024-03-31t12:05:07z"), kMarch31 + 43507);
  EXPECT_EQ(Parse("2024-03-31 12:05:00"), kMarch31 + 43500);
  EXPECT_EQ(Parse("2024-03-31 12:05"), kMarch31 + 43500);
  EXPECT_EQ(Parse("  2024-03-31  "), kMarch31);
  EXPECT_EQ(Parse("2024-3-1"), DaysFromCivil(2024, 3, 1) * kSecondsPerDay);
}

TEST(ParseTimestampTest, FractionalSecondsAreTruncated) {
  EXPECT_EQ(Parse("2024-03-31T12:05:00.999Z"), kMarch31 + 43500);
  EXPECT_EQ(Parse("2024-03-31T12:05:01.123456789Z"), kMarch31 + 43501);
  EXPECT_EQ(Parse("2024-03-31 12:05:00.000"), kMarch31 + 43500);  // HubSpot
  EXPECT_EQ(Parse("2024-03-31T12:05:00,5Z"), kMarch31 + 43500);
}

TEST(ParseTimestampTest, Offsets) {
  const Timestamp noon = kMarch31 + 12 * 3600;
  EXPECT_EQ(Parse("2024-03-31T12:00:00+02:00"), noon - 7200);
  EXPECT_EQ(Parse("2024-03-31T12:00:00+0200"), noon - 7200);
  EXPECT_EQ(Parse("2024-03-31T12:00:00-05"), noon + 5 * 3600);
  EXPECT_EQ(Parse("2024-03-31T12:00:00-05:30"), noon + 5 * 3600 + 1800);
  EXPECT_EQ(Parse("2024-03-31T12:00:00.000+0000"), noon);  // Salesforce
  EXPECT_EQ(Parse("2024-03-31 12:00:00 UTC"), noon);
  EXPECT_EQ(Parse("2024-03-31 12:00:00 +01:00"), noon - 3600);
  EXPECT_EQ(Parse("2024-03-31T00:30:00+01:00"), kMarch31 - 1800);  // previous day in UTC
}

TEST(ParseTimestampTest, UsDates) {
  EXPECT_EQ(Parse("3/31/2024"), kMarch31);
  EXPECT_EQ(Parse("03/31/2024"), kMarch31);
  EXPECT_EQ(Parse("03/31/2024 2:05 PM"), kMarch31 + 14 * 3600 + 300);
  EXPECT_EQ(Parse("03/31/2024 2:05pm"), kMarch31 + 14 * 3600 + 300);
  EXPECT_EQ(Parse("03/31/2024 12:05 AM"), kMarch31 + 300);
  EXPECT_EQ(Parse("03/31/2024 12:05 PM"), kMarch31 + 12 * 3600 + 300);
  EXPECT_EQ(Parse("03/31/2024 11:59:59 PM"), kMarch31 + 86399);
  EXPECT_EQ(Parse("03/31/2024 14:05"), kMarch31 + 14 * 3600 + 300);
  EXPECT_EQ(Parse("3/31/24"), kMarch31);
  EXPECT_EQ(Parse("3/31/2024", DateFormat::kMdy), kMarch31);
}

TEST(ParseTimestampTest, AutoPicksDayFirstOnlyWhenItMustOrForDots) {
  EXPECT_EQ(Parse("31/03/2024"), kMarch31);  // 31 cannot be a month
  EXPECT_EQ(Parse("04/03/2024"), DaysFromCivil(2024, 4, 3) * kSecondsPerDay);  // US order
  EXPECT_EQ(Parse("31.03.2024"), kMarch31);
  EXPECT_EQ(Parse("04.03.2024"), DaysFromCivil(2024, 3, 4) * kSecondsPerDay);
}

TEST(ParseTimestampTest, DayFirstFormat) {
  EXPECT_EQ(Parse("31/03/2024", DateFormat::kDmy), kMarch31);
  EXPECT_EQ(Parse("31.03.2024", DateFormat::kDmy), kMarch31);
  EXPECT_EQ(Parse("04/03/2024", DateFormat::kDmy), DaysFromCivil(2024, 3, 4) * kSecondsPerDay);
  EXPECT_EQ(Parse("31.03.2024 14:05", DateFormat::kDmy), kMarch31 + 14 * 3600 + 300);
  EXPECT_EQ(Parse("2024-03-31", DateFormat::kDmy), kMarch31);  // ISO is never ambiguous
}

TEST(ParseTimestampTest, YearFirstSlashes) {
  EXPECT_EQ(Parse("2024/03/31"), kMarch31);
  EXPECT_EQ(Parse("2024/03/31", DateFormat::kYmd), kMarch31);
  EXPECT_EQ(Parse("2024/03/31 08:00", DateFormat::kYmd), kMarch31 + 8 * 3600);
}

TEST(ParseTimestampTest, Epoch) {
  EXPECT_EQ(Parse("1711843200", DateFormat::kEpoch), kMarch31);
  EXPECT_EQ(Parse("1711843200123", DateFormat::kEpoch), kMarch31);
  EXPECT_EQ(Parse("1711843200.75", DateFormat::kEpoch), kMarch31);
  EXPECT_EQ(Parse("0", DateFormat::kEpoch), 0);
  EXPECT_EQ(Parse("-86400", DateFormat::kEpoch), -86400);
  EXPECT_THAT(ErrorOf("2024-03-31", DateFormat::kEpoch),
              HasSubstr("unrecognized date '2024-03-31' (expected seconds or milliseconds"));
  EXPECT_THAT(ErrorOf("99999999999999999", DateFormat::kEpoch), HasSubstr("out of range"));
  EXPECT_THAT(ErrorOf("1234567890123456789012", DateFormat::kEpoch), HasSubstr("unrecognized"));
}

TEST(ParseTimestampTest, LeapYears) {
  EXPECT_EQ(Parse("2024-02-29"), DaysFromCivil(2024, 2, 29) * kSecondsPerDay);
  EXPECT_EQ(Parse("2000-02-29"), DaysFromCivil(2000, 2, 29) * kSecondsPerDay);
  EXPECT_EQ(ErrorOf("2023-02-29"), "invalid date '2023-02-29': day must be 1-28 for 2023-02");
  EXPECT_EQ(ErrorOf("1900-02-29"), "invalid date '1900-02-29': day must be 1-28 for 1900-02");
  EXPECT_EQ(ErrorOf("2/30/2024"), "invalid date '2/30/2024': day must be 1-29 for 2024-02");
}

TEST(ParseTimestampTest, RangeErrorsSayWhatIsExpected) {
  EXPECT_EQ(ErrorOf("2024-13-01"), "invalid date '2024-13-01': month must be 1-12");
  EXPECT_EQ(ErrorOf("2024-00-10"), "invalid date '2024-00-10': month must be 1-12");
  EXPECT_EQ(ErrorOf("2024-04-31"), "invalid date '2024-04-31': day must be 1-30 for 2024-04");
  EXPECT_EQ(ErrorOf("2024-04-00"), "invalid date '2024-04-00': day must be 1-30 for 2024-04");
  EXPECT_EQ(ErrorOf("2024-03-31T24:00:00Z"),
            "invalid date '2024-03-31T24:00:00Z': hour must be 0-23");
  EXPECT_EQ(ErrorOf("2024-03-31T12:60:00Z"),
            "invalid date '2024-03-31T12:60:00Z': minute must be 0-59");
  EXPECT_EQ(ErrorOf("2024-03-31T12:00:61Z"),
            "invalid date '2024-03-31T12:00:61Z': second must be 0-59");
  EXPECT_EQ(ErrorOf("03/31/2024 13:05 PM"),
            "invalid date '03/31/2024 13:05 PM': hour must be 1-12 with AM/PM");
  EXPECT_EQ(ErrorOf("03/31/2024 0:05 AM"),
            "invalid date '03/31/2024 0:05 AM': hour must be 1-12 with AM/PM");
  EXPECT_THAT(ErrorOf("2024-03-31T12:00:00+25:00"), HasSubstr("time zone offset"));
  EXPECT_THAT(ErrorOf("0000-01-01"), HasSubstr("year must be 1-9999"));
  EXPECT_THAT(ErrorOf("9999-12-31T23:00:00-05:00"), HasSubstr("out of range"));
  EXPECT_EQ(ErrorOf("13/31/2024", DateFormat::kMdy),
            "invalid date '13/31/2024': month must be 1-12");
  EXPECT_EQ(ErrorOf("31/13/2024", DateFormat::kDmy),
            "invalid date '31/13/2024': month must be 1-12");
  EXPECT_EQ(ErrorOf("31/31/2024"), "invalid date '31/31/2024': month must be 1-12");
}

TEST(ParseTimestampTest, UnrecognizedSaysWhatIsExpected) {
  EXPECT_EQ(ErrorOf("31 Foo 2024"),
            "unrecognized date '31 Foo 2024' (expected ISO-8601 like 2024-03-31 or "
            "2024-03-31T12:00:00Z, or use --date-format)");
  EXPECT_EQ(ErrorOf("3/31/2024", DateFormat::kIso),
            "unrecognized date '3/31/2024' (expected ISO-8601 like 2024-03-31 or "
            "2024-03-31T12:00:00Z)");
  EXPECT_THAT(ErrorOf("2024-03-31", DateFormat::kMdy), HasSubstr("parsed as"));
  EXPECT_THAT(ErrorOf("31-03", DateFormat::kDmy),
              HasSubstr("(expected day/month/year like 31/03/2024"));
  EXPECT_THAT(ErrorOf("3/31/2024", DateFormat::kYmd),
              HasSubstr("(expected year/month/day like 2024/03/31)"));
  for (std::string_view bad :
       {"yesterday", "2024", "2024-03", "2024-03-31T", "2024-03-31T12", "2024-03-31T12:5",
        "2024-03-31T12:05:00+", "2024-03-31T12:05:00+2", "2024-03-31X", "2024-03-31 12:05 foo",
        "2024-03-31T12:05:00.Z", "2024/03-31", "1711843200", "3/31/202", "3//2024", "03/31/2024 PM",
        "12:05", "2024-03-31T12:05:00Z extra", "\xC3\xA9"}) {
    EXPECT_THAT(ErrorOf(bad), HasSubstr("unrecognized date")) << bad;
  }
}

TEST(ParseTimestampTest, Empty) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("empty date"));
  EXPECT_THAT(ErrorOf("   "), HasSubstr("empty date"));
}

TEST(ParseDateFormatNameTest, Names) {
  EXPECT_EQ(ParseDateFormatName("auto").value(), DateFormat::kAuto);
  EXPECT_EQ(ParseDateFormatName("ISO").value(), DateFormat::kIso);
  EXPECT_EQ(ParseDateFormatName("mdy").value(), DateFormat::kMdy);
  EXPECT_EQ(ParseDateFormatName("dmy").value(), DateFormat::kDmy);
  EXPECT_EQ(ParseDateFormatName("ymd").value(), DateFormat::kYmd);
  EXPECT_EQ(ParseDateFormatName("Epoch").value(), DateFormat::kEpoch);
  Result<DateFormat> bad = ParseDateFormatName("european");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message,
            "unknown date format 'european' (expected auto, iso, mdy, dmy, ymd or epoch)");
}

}  // namespace
}  // namespace mops::core
