#include "core/time.h"

#include <array>
#include <chrono>

#include "core/strings.h"

namespace mops::core {
namespace {

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range that parses and
// formats as four-digit years.
constexpr Timestamp kMinTimestamp = -62135596800;
constexpr Timestamp kMaxTimestamp = 253402300799;

bool IsLeapYear(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

}  // namespace

// Inverse of DaysFromCivil (H. Hinnant, "chrono-compatible low-level date
// algorithms").
CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

namespace {

// What an error says is expected, per format.
std::string_view Expected(DateFormat format) {
  switch (format) {
    case DateFormat::kIso:
      return "expected ISO-8601 like 2024-03-31 or 2024-03-31T12:00:00Z";
    case DateFormat::kMdy:
      return "expected month/day/year like 03/31/2024 or 03/31/2024 2:05 PM";
    case DateFormat::kDmy:
      return "expected day/month/year like 31/03/2024 or 31.03.2024 14:05";
    case DateFormat::kYmd:
      return "expected year/month/day like 2024/03/31";
    case DateFormat::kEpoch:
      return "expected seconds or milliseconds since 1970-01-01 like 1711886400";
    case DateFormat::kAuto:
      break;
  }
  return "expected ISO-8601 like 2024-03-31 or 2024-03-31T12:00:00Z, or use --date-format";
}

// A cursor over the text being parsed.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool AtEnd() const { return i_ >= s_.size(); }
  char Peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
  bool Eat(char c) {
    if (Peek() != c || AtEnd()) return false;
    ++i_;
    return true;
  }
  void SkipSpaces() {
    while (Peek() == ' ') ++i_;
  }
  // Reads between min and max digits; -1 when fewer than min are there.
  int64_t Digits(size_t min, size_t max, size_t* count = nullptr) {
    int64_t v = 0;
    size_t n = 0;
    while (n < max && IsAsciiDigit(Peek())) {
      v = v * 10 + (Peek() - '0');
      ++i_, ++n;
    }
    if (count != nullptr) *count = n;
    return n < min ? -1 : v;
  }
  std::string_view Rest() const { return s_.substr(std::min(i_, s_.size())); }
  void Advance(size_t n) { i_ += n; }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

struct Fields {
  int64_t year = 0;
  int64_t month = 0;
  int64_t day = 0;
  int64_t hour = 0;
  int64_t minute = 0;
  int64_t second = 0;
  int64_t offset_seconds = 0;  // local time minus UTC
};

enum class Parsed { kOk, kUnrecognized };

class DateParser {
 public:
  DateParser(std::string_view text, DateFormat format) : text_(text), format_(format), in_(text) {}

  Result<Timestamp> Parse() {
    if (Date() != Parsed::kOk || Time() != Parsed::kOk) return Unrecognized();
    in_.SkipSpaces();
    if (!in_.AtEnd()) return Unrecognized();
    return Validate();
  }

 private:
  std::unexpected<Error> Unrecognized() const {
    return core::Fail(ErrorCode::kInvalidArgument, "unrecognized date '{}' ({})", text_,
                      Expected(format_));
  }
  std::unexpected<Error> Invalid(std::string_view why) const {
    return core::Fail(ErrorCode::kInvalidArgument, "invalid date '{}': {}", text_, why);
  }

  Parsed Date() {
    const bool iso_only = format_ == DateFormat::kIso;
    size_t n = 0;
    const int64_t first = in_.Digits(1, 4, &n);
    if (first < 0) return Parsed::kUnrecognized;
    const char sep = in_.Peek();
    if (n == 4) {
      // Year first: ISO (dashes) everywhere, slashes unless ISO-only.
      if (sep != '-' && (sep != '/' || iso_only)) return Parsed::kUnrecognized;
      in_.Advance(1);
      f_.year = first;
      if ((f_.month = in_.Digits(1, 2)) < 0 || !in_.Eat(sep)) return Parsed::kUnrecognized;
      if ((f_.day = in_.Digits(1, 2)) < 0) return Parsed::kUnrecognized;
      return Parsed::kOk;
    }
    if (iso_only || format_ == DateFormat::kYmd || n > 2) return Parsed::kUnrecognized;
    if (sep != '/' && sep != '.' && sep != '-') return Parsed::kUnrecognized;
    in_.Advance(1);
    const int64_t second = in_.Digits(1, 2);
    if (second < 0 || !in_.Eat(sep)) return Parsed::kUnrecognized;
    size_t year_digits = 0;
    const int64_t year = in_.Digits(2, 4, &year_digits);
    if (year < 0 || year_digits == 3) return Parsed::kUnrecognized;
    // Two-digit years pivot as POSIX strptime %y does: 69-99 -> 19xx.
    f_.year = year_digits == 2 ? (year < 69 ? 2000 + year : 1900 + year) : year;
    bool day_first = format_ == DateFormat::kDmy;
    if (format_ == DateFormat::kAuto) {
      // Dotted dates are European; otherwise US order unless the first number
      // cannot be a month.
      day_first = sep == '.' || first > 12;
    }
    f_.day = day_first ? first : second;
    f_.month = day_first ? second : first;
    return Parsed::kOk;
  }

  Parsed Time() {
    if (in_.AtEnd()) return Parsed::kOk;
    if (in_.Peek() == 'T' || in_.Peek() == 't') {
      in_.Advance(1);
    } else if (in_.Peek() == ' ') {
      in_.SkipSpaces();
      if (in_.AtEnd()) return Parsed::kOk;
    } else if (in_.Peek() == 'Z' || in_.Peek() == 'z') {
      in_.Advance(1);  // a date with a zone designator only ("2024-03-31Z")
      return Parsed::kOk;
    } else {
      return Parsed::kUnrecognized;
    }
    if ((f_.hour = in_.Digits(1, 2)) < 0 || !in_.Eat(':')) return Parsed::kUnrecognized;
    if ((f_.minute = in_.Digits(2, 2)) < 0) return Parsed::kUnrecognized;
    if (in_.Eat(':')) {
      if ((f_.second = in_.Digits(2, 2)) < 0) return Parsed::kUnrecognized;
      if (in_.Peek() == '.' || in_.Peek() == ',') {
        in_.Advance(1);
        size_t n = 0;
        // Fractions are truncated: a Timestamp has whole seconds.
        while (IsAsciiDigit(in_.Peek())) in_.Advance(1), ++n;
        if (n == 0) return Parsed::kUnrecognized;
      }
    }
    in_.SkipSpaces();
    const std::string_view rest = in_.Rest();
    if (IStartsWith(rest, "AM") || IStartsWith(rest, "PM")) {
      meridiem_ = AsciiToUpper(rest[0]);
      in_.Advance(2);
    }
    return Zone();
  }

  Parsed Zone() {
    in_.SkipSpaces();
    if (in_.AtEnd()) return Parsed::kOk;
    const std::string_view rest = in_.Rest();
    if (in_.Eat('Z') || in_.Eat('z')) return Parsed::kOk;
    if (IStartsWith(rest, "UTC") || IStartsWith(rest, "GMT")) {
      in_.Advance(3);
      if (in_.AtEnd()) return Parsed::kOk;
    }
    const char sign = in_.Peek();
    if (sign != '+' && sign != '-') return Parsed::kUnrecognized;
    in_.Advance(1);
    const int64_t hours = in_.Digits(2, 2);
    if (hours < 0) return Parsed::kUnrecognized;
    int64_t minutes = 0;
    if (in_.Eat(':')) {
      if ((minutes = in_.Digits(2, 2)) < 0) return Parsed::kUnrecognized;
    } else if (IsAsciiDigit(in_.Peek())) {
      if ((minutes = in_.Digits(2, 2)) < 0) return Parsed::kUnrecognized;
    }
    offset_hours_ = hours;
    offset_minutes_ = minutes;
    f_.offset_seconds = (sign == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
    return Parsed::kOk;
  }

  Result<Timestamp> Validate() {
    if (f_.year < 1) return Invalid("year must be 1-9999");
    if (f_.month < 1 || f_.month > 12) return Invalid("month must be 1-12");
    const unsigned max_day = DaysInMonth(f_.year, static_cast<unsigned>(f_.month));
    if (f_.day < 1 || f_.day > max_day) {
      return Invalid(fmt::format("day must be 1-{} for {:04}-{:02}", max_day, f_.year, f_.month));
    }
    if (meridiem_ != 0) {
      if (f_.hour < 1 || f_.hour > 12) return Invalid("hour must be 1-12 with AM/PM");
      if (f_.hour == 12) f_.hour = 0;
      if (meridiem_ == 'P') f_.hour += 12;
    } else if (f_.hour > 23) {
      return Invalid("hour must be 0-23");
    }
    if (f_.minute > 59) return Invalid("minute must be 0-59");
    if (f_.second > 59) return Invalid("second must be 0-59");
    if (offset_hours_ > 23 || offset_minutes_ > 59) {
      return Invalid("time zone offset must be within -23:59 and +23:59");
    }
    const Timestamp t =
        DaysFromCivil(f_.year, static_cast<unsigned>(f_.month), static_cast<unsigned>(f_.day)) *
            kSecondsPerDay +
        f_.hour * 3600 + f_.minute * 60 + f_.second - f_.offset_seconds;
    if (t < kMinTimestamp || t > kMaxTimestamp) {
      return Invalid("out of range (0001-01-01 to 9999-12-31 UTC)");
    }
    return t;
  }

  std::string_view text_;
  DateFormat format_;
  Scanner in_;
  Fields f_;
  char meridiem_ = 0;
  int64_t offset_hours_ = 0;
  int64_t offset_minutes_ = 0;
};

Result<Timestamp> ParseEpoch(std::string_view text) {
  Scanner in(text);
  const bool negative = in.Eat('-');
  size_t n = 0;
  const int64_t value = in.Digits(1, 18, &n);
  if (value >= 0 && in.Eat('.')) {
    while (IsAsciiDigit(in.Peek())) in.Advance(1);  // fraction of a second or millisecond
  }
  if (value < 0 || !in.AtEnd()) {
    return core::Fail(ErrorCode::kInvalidArgument, "unrecognized date '{}' ({})", text,
                      Expected(DateFormat::kEpoch));
  }
  int64_t seconds = value;
  // Seconds above 1e11 would be past the year 5000: such values are
  // milliseconds (1e11 ms is 1973-03-03).
  if (value > 100'000'000'000) seconds = value / 1000;
  if (negative) seconds = -seconds;
  if (seconds < kMinTimestamp || seconds > kMaxTimestamp) {
    return core::Fail(ErrorCode::kInvalidArgument,
                      "invalid date '{}': out of range (0001-01-01 to 9999-12-31 UTC)", text);
  }
  return seconds;
}

}  // namespace

Result<DateFormat> ParseDateFormatName(std::string_view name) {
  const std::string_view n = Trim(name);
  if (IEquals(n, "auto")) return DateFormat::kAuto;
  if (IEquals(n, "iso")) return DateFormat::kIso;
  if (IEquals(n, "mdy")) return DateFormat::kMdy;
  if (IEquals(n, "dmy")) return DateFormat::kDmy;
  if (IEquals(n, "ymd")) return DateFormat::kYmd;
  if (IEquals(n, "epoch")) return DateFormat::kEpoch;
  return Fail(ErrorCode::kInvalidArgument,
              "unknown date format '{}' (expected auto, iso, mdy, dmy, ymd or epoch)", name);
}

Result<Timestamp> ParseTimestamp(std::string_view text, DateFormat format) {
  const std::string_view trimmed = Trim(text);
  if (trimmed.empty())
    return Fail(ErrorCode::kInvalidArgument, "empty date ({})", Expected(format));
  if (format == DateFormat::kEpoch) return ParseEpoch(trimmed);
  return DateParser(trimmed, format).Parse();
}

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  const int64_t y = month <= 2 ? year - 1 : year;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string FormatTimestamp(Timestamp t) {
  const int64_t days = FloorDiv(t, kSecondsPerDay);
  const int64_t secs = t - days * kSecondsPerDay;
  const CivilDate c = CivilFromDays(days);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.year, c.month, c.day, secs / 3600,
                     secs / 60 % 60, secs % 60);
}

std::string FormatDate(Timestamp t) {
  const CivilDate c = CivilFromDays(FloorDiv(t, kSecondsPerDay));
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

Timestamp NowUtc() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t NowUnixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mops::core
