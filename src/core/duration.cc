#include "core/duration.h"

#include "core/strings.h"

namespace mops::core {
namespace {

constexpr int64_t kMinute = 60, kHour = 3600, kDay = 86400, kWeek = 7 * 86400;
// A year of seconds bounds every interval (and keeps products from overflowing).
constexpr int64_t kMaxInterval = 366 * kDay;

std::optional<int64_t> UnitSeconds(std::string_view unit) {
  const std::string u = ToLower(unit);
  if (u == "s" || u == "sec" || u == "secs" || u == "second" || u == "seconds") return 1;
  if (u == "m" || u == "min" || u == "mins" || u == "minute" || u == "minutes") return kMinute;
  if (u == "h" || u == "hr" || u == "hrs" || u == "hour" || u == "hours") return kHour;
  if (u == "d" || u == "day" || u == "days") return kDay;
  if (u == "w" || u == "wk" || u == "wks" || u == "week" || u == "weeks") return kWeek;
  return std::nullopt;
}

// "P1DT2H" and the like (upper or lower case).
std::optional<int64_t> ParseIso(std::string_view s) {
  if (s.size() < 3 || (s[0] != 'P' && s[0] != 'p')) return std::nullopt;
  int64_t total = 0;
  bool time = false, any = false;
  int64_t number = -1;
  for (size_t i = 1; i < s.size(); ++i) {
    const char c = AsciiToUpper(s[i]);
    if (IsAsciiDigit(c)) {
      if (number < 0) number = 0;
      number = number * 10 + (c - '0');
      if (number > kMaxInterval) return std::nullopt;
      continue;
    }
    if (c == 'T') {
      if (time || number >= 0) return std::nullopt;
      time = true;
      continue;
    }
    if (number < 0) return std::nullopt;
    int64_t unit = 0;
    if (!time && c == 'W') unit = kWeek;
    if (!time && c == 'D') unit = kDay;
    if (time && c == 'H') unit = kHour;
    if (time && c == 'M') unit = kMinute;
    if (time && c == 'S') unit = 1;
    if (unit == 0) return std::nullopt;  // years, months, or a misplaced unit
    total += number * unit;
    if (total > kMaxInterval) return std::nullopt;
    number = -1;
    any = true;
  }
  if (number >= 0 || !any || total <= 0) return std::nullopt;
  return total;
}

}  // namespace

std::optional<int64_t> ParseInterval(std::string_view text) {
  const std::string_view s = Trim(text);
  if (s.empty()) return std::nullopt;
  if (s[0] == 'P' || s[0] == 'p') return ParseIso(s);
  size_t i = 0;
  int64_t number = 0;
  while (i < s.size() && IsAsciiDigit(s[i])) {
    number = number * 10 + (s[i] - '0');
    if (number > kMaxInterval) return std::nullopt;
    ++i;
  }
  if (i == 0) return std::nullopt;
  const std::string_view unit = Trim(s.substr(i));
  const auto seconds = UnitSeconds(unit);
  if (!seconds || number <= 0 || number * *seconds > kMaxInterval) return std::nullopt;
  return number * *seconds;
}

std::string FormatIsoInterval(int64_t seconds) {
  if (seconds <= 0) return "PT0S";
  std::string out = "P";
  if (seconds % kWeek == 0) return out + std::to_string(seconds / kWeek) + "W";
  if (seconds >= kDay) {
    out += std::to_string(seconds / kDay) + "D";
    seconds %= kDay;
  }
  if (seconds == 0) return out;
  out += "T";
  if (seconds >= kHour) out += std::to_string(seconds / kHour) + "H";
  seconds %= kHour;
  if (seconds >= kMinute) out += std::to_string(seconds / kMinute) + "M";
  seconds %= kMinute;
  if (seconds > 0) out += std::to_string(seconds) + "S";
  return out;
}

}  // namespace mops::core
