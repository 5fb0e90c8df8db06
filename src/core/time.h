// Time in mops: UTC, seconds since the Unix epoch, in an int64 (Timestamp).
// Dates alone are midnight UTC. Parsing accepts ISO-8601 and the usual CRM
// export formats; DateFormat says how to read ambiguous day/month orders.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace mops::core {

using Timestamp = int64_t;
inline constexpr int64_t kSecondsPerDay = 86400;

enum class DateFormat {
  kAuto,   // ISO-8601, "YYYY-MM-DD HH:MM[:SS]", YYYY/MM/DD, and N/N/YYYY read as
           // M/D/YYYY (US, as CRMs export) unless the first number is > 12;
           // dotted dates (31.03.2024) are day first
  kIso,    // ISO-8601 only
  kMdy,    // 03/31/2024 [HH:MM[:SS] [AM|PM]] (and ISO)
  kDmy,    // 31/03/2024 or 31.03.2024 [HH:MM[:SS]] (and ISO)
  kYmd,    // 2024/03/31 (and ISO)
  kEpoch,  // seconds (or milliseconds, when > 1e11) since the epoch
};

// Parses "iso", "mdy", "dmy", "ymd", "epoch", "auto".
Result<DateFormat> ParseDateFormatName(std::string_view name);

// Parses a date or date-time to UTC; blanks around it are ignored.
//   - date, then optionally 'T' or spaces and H:MM[:SS[.fraction]], then
//     optionally AM/PM, then optionally a zone: Z, UTC, GMT, +HH:MM, +HHMM,
//     +HH (or '-'). The zone offset is applied; no zone means UTC.
//   - fractions of a second are truncated; two-digit years (3/31/24) pivot
//     like POSIX %y: 69-99 are 19xx, 00-68 are 20xx.
//   - years 0001-9999 only.
// Errors (kInvalidArgument) quote the text and say what was wrong or what was
// expected: "invalid date '2024-13-01': month must be 1-12",
// "unrecognized date '31 Foo 2024' (expected ISO-8601 like ...)".
Result<Timestamp> ParseTimestamp(std::string_view text, DateFormat format = DateFormat::kAuto);

// Days since 1970-01-01 for a civil date (proleptic Gregorian; month 1-12,
// day 1-31, not checked). Negative before 1970.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

struct CivilDate {
  int64_t year;
  unsigned month;  // 1-12
  unsigned day;    // 1-31
};
// The civil date of a day number (inverse of DaysFromCivil).
CivilDate CivilFromDays(int64_t days);

// Division rounding toward negative infinity (b > 0): the day of a
// timestamp before 1970 is FloorDiv(t, kSecondsPerDay), not t / kSecondsPerDay.
inline int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// "2024-03-31T12:00:00Z" (ISO-8601, UTC). ParseTimestamp reads it back.
std::string FormatTimestamp(Timestamp t);
// "2024-03-31"
std::string FormatDate(Timestamp t);

// The current time, from the system clock.
Timestamp NowUtc();
// Milliseconds since the Unix epoch, for durations and receive times.
int64_t NowUnixMillis();

}  // namespace mops::core
