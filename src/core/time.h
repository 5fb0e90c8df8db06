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
  kAuto,  // ISO-8601, "YYYY-MM-DD HH:MM[:SS]", and M/D/YYYY (US, as CRMs export)
  kIso,   // ISO-8601 only
  kMdy,   // 03/31/2024 [HH:MM[:SS] [AM|PM]]
  kDmy,   // 31/03/2024 or 31.03.2024 [HH:MM[:SS]]
  kYmd,   // 2024/03/31
  kEpoch, // seconds (or milliseconds, when > 1e11) since the epoch
};

// Parses "iso", "mdy", "dmy", "ymd", "epoch", "auto".
Result<DateFormat> ParseDateFormatName(std::string_view name);

// Parses a date or date-time to UTC. A time zone offset ("Z", "+02:00") is
// applied; a value without one is taken as UTC. Errors say what was expected.
Result<Timestamp> ParseTimestamp(std::string_view text, DateFormat format = DateFormat::kAuto);

// Days since 1970-01-01 for a civil date (proleptic Gregorian).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

// "2024-03-31T12:00:00Z"
std::string FormatTimestamp(Timestamp t);
// "2024-03-31"
std::string FormatDate(Timestamp t);

Timestamp NowUtc();

}  // namespace mops::core
