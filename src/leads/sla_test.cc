// SLA deadlines at the exact boundary, inside and outside business hours, in
// the team's time zone (America/New_York is UTC-4 from 2026-03-08).
#include <gtest/gtest.h>

#include "leads/leads.h"

namespace mops::leads {
namespace {

// Friday 2026-03-13 16:50 EDT = 20:50 UTC.
constexpr Timestamp kFriday1650 = 1773435000;
// Monday 2026-03-16 09:05 EDT = 13:05 UTC.
constexpr Timestamp kMonday0905 = 1773666300;
// Tuesday 2026-03-17 10:00 EDT = 14:00 UTC.
constexpr Timestamp kTuesday1000 = 1773756000;
// Saturday 2026-03-14 12:00 UTC.
constexpr Timestamp kSaturdayNoon = 1773489600;

SlaConfig Config() {
  auto c = ParseSlaConfig(R"(tiers:
  - {name: hot, grades: [A1], within_minutes: 15, business_hours: false}
  - {name: warm, within_minutes: 15}
business_hours: {timezone: America/New_York, days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
teams:
  EMEA: {timezone: Europe/London, start: "09:00", end: "17:30"}
)");
  EXPECT_TRUE(c) << c.error().ToString();
  return *c;
}

SlaLead Lead(Timestamp mql, std::string grade = "B2") {
  SlaLead l;
  l.contact_id = 1;
  l.grade = std::move(grade);
  l.mql_at = mql;
  return l;
}

TEST(Sla, TimeZoneOffsets) {
  EXPECT_EQ(*UtcOffset("America/New_York", kFriday1650), -4 * 3600);
  EXPECT_EQ(*UtcOffset("America/New_York", 1767225600), -5 * 3600);  // 2026-01-01
  EXPECT_EQ(*UtcOffset("UTC", kFriday1650), 0);
  EXPECT_FALSE(UtcOffset("Nowhere/City", 0));
}

TEST(Sla, BoundaryAcrossTheWeekend) {
  const SlaConfig c = Config();
  SlaLead l = Lead(kFriday1650);
  // 10 minutes on Friday, 5 on Monday morning.
  EXPECT_EQ(EvaluateSla(c, l, kMonday0905).deadline, kMonday0905);
  l.first_touch = kMonday0905;
  EXPECT_EQ(EvaluateSla(c, l, kMonday0905 + 3600).state, "met");
  l.first_touch = kMonday0905 + 1;
  const SlaStatus late = EvaluateSla(c, l, kMonday0905 + 3600);
  EXPECT_EQ(late.state, "breached");
  EXPECT_EQ(late.tier, "warm");
  // Untouched: not breached at the deadline itself, breached one second after.
  l.first_touch.reset();
  EXPECT_EQ(EvaluateSla(c, l, kMonday0905).state, "at_risk");
  EXPECT_EQ(EvaluateSla(c, l, kMonday0905 + 1).state, "breached");
  // Saturday night is not business time: still open on Sunday.
  EXPECT_EQ(EvaluateSla(c, l, kFriday1650 + 86400).state, "open");
}

TEST(Sla, BoundaryInsideBusinessHours) {
  const SlaConfig c = Config();
  SlaLead l = Lead(kTuesday1000);
  l.first_touch = kTuesday1000 + 15 * 60;
  EXPECT_EQ(EvaluateSla(c, l, kTuesday1000 + 7200).state, "met");
  l.first_touch = kTuesday1000 + 15 * 60 + 1;
  EXPECT_EQ(EvaluateSla(c, l, kTuesday1000 + 7200).state, "breached");
  l.first_touch.reset();
  // 75% of 15 minutes is 11: open at 10 minutes, at risk at 11.
  EXPECT_EQ(EvaluateSla(c, l, kTuesday1000 + 10 * 60).state, "open");
  EXPECT_EQ(EvaluateSla(c, l, kTuesday1000 + 11 * 60).state, "at_risk");
}

TEST(Sla, OutsideBusinessHoursWaitsForTheOpening) {
  const SlaConfig c = Config();
  // Saturday noon: the clock starts Monday 09:00 EDT (13:00 UTC).
  EXPECT_EQ(EvaluateSla(c, Lead(kSaturdayNoon), kSaturdayNoon).deadline,
            kMonday0905 - 5 * 60 + 15 * 60);
  // A 24x7 tier does not wait.
  EXPECT_EQ(EvaluateSla(c, Lead(kSaturdayNoon, "A1"), kSaturdayNoon).deadline,
            kSaturdayNoon + 15 * 60);
  // The EMEA team works in London (GMT until 2026-03-29): 09:00 UTC on Monday.
  SlaLead emea = Lead(kSaturdayNoon);
  emea.team = "emea";
  EXPECT_EQ(EvaluateSla(c, emea, kSaturdayNoon).deadline, 1773651600 + 15 * 60);
}

TEST(Sla, BusinessMinutesSpanDays) {
  BusinessHours h;
  h.timezone = "UTC";
  // Tuesday 16:00 UTC + 120 business minutes = 60 today + 60 Wednesday from 09:00.
  const Timestamp tue16 = 1773763200;
  EXPECT_EQ(AddBusinessMinutes(h, tue16, 120), tue16 + 17 * 3600 + 60 * 60);
}

}  // namespace
}  // namespace mops::leads
