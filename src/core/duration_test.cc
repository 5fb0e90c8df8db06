#include "core/duration.h"

#include <gtest/gtest.h>

namespace mops::core {
namespace {

TEST(Interval, ShortForms) {
  EXPECT_EQ(ParseInterval("5m"), 300);
  EXPECT_EQ(ParseInterval("15m"), 900);
  EXPECT_EQ(ParseInterval("15 min"), 900);
  EXPECT_EQ(ParseInterval("1h"), 3600);
  EXPECT_EQ(ParseInterval("1H"), 3600);
  EXPECT_EQ(ParseInterval("1d"), 86400);
  EXPECT_EQ(ParseInterval("2 weeks"), 14 * 86400);
  EXPECT_EQ(ParseInterval("30s"), 30);
}

TEST(Interval, Iso8601) {
  EXPECT_EQ(ParseInterval("PT5M"), 300);
  EXPECT_EQ(ParseInterval("pt15m"), 900);
  EXPECT_EQ(ParseInterval("PT1H30M"), 5400);
  EXPECT_EQ(ParseInterval("P1D"), 86400);
  EXPECT_EQ(ParseInterval("P1DT12H"), 86400 + 12 * 3600);
  EXPECT_EQ(ParseInterval("P1W"), 7 * 86400);
}

TEST(Interval, NotAnInterval) {
  for (const char* bad : {"", "m", "5", "5x", "-5m", "0m", "PT", "P", "P1M", "P1Y", "PT5", "P5H",
                          "PTT5M", "5m5", "99999999999d", "daily"}) {
    EXPECT_FALSE(ParseInterval(bad).has_value()) << bad;
  }
}

TEST(Interval, IsoForm) {
  EXPECT_EQ(FormatIsoInterval(300), "PT5M");
  EXPECT_EQ(FormatIsoInterval(3600), "PT1H");
  EXPECT_EQ(FormatIsoInterval(5400), "PT1H30M");
  EXPECT_EQ(FormatIsoInterval(86400), "P1D");
  EXPECT_EQ(FormatIsoInterval(7 * 86400), "P1W");
  EXPECT_EQ(FormatIsoInterval(86400 + 30), "P1DT30S");
}

}  // namespace
}  // namespace mops::core
