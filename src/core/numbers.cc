#include "core/numbers.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "core/strings.h"

namespace mops::core {
namespace {

constexpr uint64_t kInt64Magnitude = uint64_t{1} << 63;  // |INT64_MIN|

// The pieces of a decimal number, digits only.
struct Parts {
  bool negative = false;
  std::string_view integer;  // as written, may hold group separators
  bool grouped = false;
  std::string_view fraction;  // digits after '.'
  std::string_view exponent;  // "e-3", or empty
  char group = ',';           // the group separator of `integer`
};

std::unexpected<Error> Invalid(std::string_view text, std::string_view why = {}) {
  if (why.empty()) return Fail(ErrorCode::kInvalidArgument, "invalid number '{}'", text);
  return Fail(ErrorCode::kInvalidArgument, "invalid number '{}': {}", text, why);
}

struct CurrencySymbol {
  std::string_view symbol;
  std::string_view code;
};
constexpr CurrencySymbol kSymbols[] = {
    {"$", "USD"},
    {"\xE2\x82\xAC", "EUR"},  // €
    {"\xC2\xA3", "GBP"},      // £
};

// A no-break space (U+00A0, U+202F) or a space: spreadsheets put either
// between an amount and its currency.
size_t BlankAt(std::string_view s, size_t i) {
  if (i < s.size() && s[i] == ' ') return 1;
  if (s.substr(i).starts_with("\xC2\xA0")) return 2;
  if (s.substr(i).starts_with("\xE2\x80\xAF")) return 3;
  return 0;
}
void EatBlanksFront(std::string_view& s) {
  while (size_t n = BlankAt(s, 0)) s.remove_prefix(n);
}
void EatBlanksBack(std::string_view& s) {
  while (true) {
    if (s.ends_with(' ')) {
      s.remove_suffix(1);
    } else if (s.ends_with("\xC2\xA0")) {
      s.remove_suffix(2);
    } else if (s.ends_with("\xE2\x80\xAF")) {
      s.remove_suffix(3);
    } else {
      return;
    }
  }
}

bool IsUpperCode(std::string_view s) {
  return s.size() == 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// A leading currency symbol or ISO 4217 code ("USD 12", "EUR12"); `code`
// gets the code.
bool EatCurrencyFront(std::string_view& s, std::string_view* code) {
  for (const CurrencySymbol& c : kSymbols) {
    if (s.starts_with(c.symbol)) {
      s.remove_prefix(c.symbol.size());
      EatBlanksFront(s);
      if (code != nullptr) *code = c.code;
      return true;
    }
  }
  if (code != nullptr && s.size() > 3 && IsUpperCode(s.substr(0, 3))) {
    *code = s.substr(0, 3);
    s.remove_prefix(3);
    EatBlanksFront(s);
    return true;
  }
  return false;
}

// A trailing currency symbol or code ("12 €", "1,234.56 USD").
bool EatCurrencyBack(std::string_view& s, std::string_view* code) {
  for (const CurrencySymbol& c : kSymbols) {
    if (s.ends_with(c.symbol)) {
      s.remove_suffix(c.symbol.size());
      EatBlanksBack(s);
      *code = c.code;
      return true;
    }
  }
  if (s.size() > 3 && IsUpperCode(s.substr(s.size() - 3))) {
    *code = s.substr(s.size() - 3);
    s.remove_suffix(3);
    EatBlanksBack(s);
    return true;
  }
  return false;
}

bool EatCurrency(std::string_view& s) { return EatCurrencyFront(s, nullptr); }

size_t CountDigits(std::string_view s, size_t i) {
  size_t n = 0;
  while (i + n < s.size() && IsAsciiDigit(s[i + n])) ++n;
  return n;
}

Result<Parts> SplitNumber(std::string_view text, bool currency, bool exponent,
                          NumberFormat format = {}, std::string_view* code = nullptr) {
  std::string_view s = Trim(text);
  const char group = format.thousands;
  const char point = format.decimal;
  if (s.empty()) return Invalid(text, "empty");
  Parts parts;
  auto eat_sign = [&] {
    if (s.starts_with('-') || s.starts_with('+')) {
      parts.negative = s[0] == '-';
      s.remove_prefix(1);
      return true;
    }
    return false;
  };
  const bool signed_first = eat_sign();
  if (code != nullptr) {
    if (EatCurrencyFront(s, code)) {
      if (!signed_first) eat_sign();
    } else {
      EatCurrencyBack(s, code);
    }
  } else if (currency && EatCurrency(s) && !signed_first) {
    eat_sign();
  }

  // Integer part, with thousands separators: 1-3 digits, then ",ddd" groups.
  size_t i = CountDigits(s, 0);
  while (group != 0 && i > 0 && i < s.size() && s[i] == group) {
    if ((!parts.grouped && i > 3) || CountDigits(s, i + 1) != 3) {
      // "1234,56" is a European decimal comma; we do not guess.
      if (group == ',' && point == '.') {
        return Invalid(text,
                       "misplaced thousands separator (the decimal separator is '.'; for "
                       "decimal commas use --decimal ,)");
      }
      return Invalid(text, fmt::format("misplaced thousands separator '{}'", group));
    }
    parts.grouped = true;
    i += 4;
  }
  if (parts.grouped && CountDigits(s, i) != 0) {
    return Invalid(text, "misplaced thousands separator");
  }
  parts.integer = s.substr(0, i);
  if (i < s.size() && s[i] == point) {
    const size_t n = CountDigits(s, i + 1);
    parts.fraction = s.substr(i + 1, n);
    i += 1 + n;
  }
  if (parts.integer.empty() && parts.fraction.empty()) return Invalid(text);
  if (exponent && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '-' || s[j] == '+')) ++j;
    const size_t n = CountDigits(s, j);
    if (n == 0) return Invalid(text);
    parts.exponent = s.substr(i, j + n - i);
    i = j + n;
  }
  if (i != s.size()) {
    if (s[i] == ',' && point == '.') {
      return Invalid(text, "a decimal comma? (the decimal separator is '.'; use --decimal ,)");
    }
    return Invalid(text);
  }
  parts.group = group;
  return parts;
}

// Accumulates digits (skipping `group`) into `value`; false on passing `limit`.
bool Accumulate(std::string_view digits, uint64_t limit, uint64_t& value, char group = ',') {
  for (char c : digits) {
    if (c == group) continue;
    const auto d = static_cast<uint64_t>(c - '0');
    if (value > (limit - d) / 10) return false;
    value = value * 10 + d;
  }
  return true;
}

int64_t ApplySign(uint64_t magnitude, bool negative) {
  if (!negative) return static_cast<int64_t>(magnitude);
  if (magnitude == kInt64Magnitude) return std::numeric_limits<int64_t>::min();
  return -static_cast<int64_t>(magnitude);
}

uint64_t Pow10(int n) {
  uint64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

}  // namespace

Result<int64_t> ParseInt(std::string_view text) {
  MOPS_ASSIGN_OR_RETURN(const Parts parts, SplitNumber(text, false, false));
  if (parts.integer.empty()) return Invalid(text);
  if (parts.fraction.find_first_not_of('0') != std::string_view::npos) {
    return Invalid(text, "not a whole number");
  }
  uint64_t magnitude = 0;
  if (!Accumulate(parts.integer, parts.negative ? kInt64Magnitude : kInt64Magnitude - 1,
                  magnitude)) {
    return Invalid(text, "out of range");
  }
  return ApplySign(magnitude, parts.negative);
}

Result<double> ParseDouble(std::string_view text) { return ParseDouble(text, NumberFormat{}); }

Result<double> ParseDouble(std::string_view text, NumberFormat format) {
  MOPS_ASSIGN_OR_RETURN(const Parts parts, SplitNumber(text, true, true, format));
  std::string clean;
  clean.reserve(parts.integer.size() + parts.fraction.size() + parts.exponent.size() + 3);
  if (parts.negative) clean.push_back('-');
  for (char c : parts.integer) {
    if (c != parts.group) clean.push_back(c);
  }
  if (parts.integer.empty()) clean.push_back('0');
  if (!parts.fraction.empty()) {
    clean.push_back('.');
    clean.append(parts.fraction);
  }
  clean.append(parts.exponent);
  double value = 0;
  const auto [end, ec] = std::from_chars(clean.data(), clean.data() + clean.size(), value);
  if (ec == std::errc::result_out_of_range || !std::isfinite(value)) {
    return Invalid(text, "out of range");
  }
  if (ec != std::errc() || end != clean.data() + clean.size()) return Invalid(text);
  return value;
}

Result<int64_t> ParseMoneyMinor(std::string_view text, int minor_digits) {
  return ParseMoneyMinor(text, minor_digits, NumberFormat{});
}

Result<int64_t> ParseMoneyMinor(std::string_view text, int minor_digits, NumberFormat format) {
  MOPS_ASSIGN_OR_RETURN(Amount amount, ParseAmount(text, format, minor_digits, false));
  return amount.minor;
}

Result<Amount> ParseAmount(std::string_view text, NumberFormat format, int minor_digits,
                           bool codes) {
  if (minor_digits < 0 || minor_digits > 18) {
    return Fail(ErrorCode::kInvalidArgument, "minor_digits must be 0-18, got {}", minor_digits);
  }
  std::string_view code;
  MOPS_ASSIGN_OR_RETURN(const Parts parts,
                        SplitNumber(text, true, false, format, codes ? &code : nullptr));
  const uint64_t limit = parts.negative ? kInt64Magnitude : kInt64Magnitude - 1;
  const auto digits = static_cast<size_t>(minor_digits);
  uint64_t magnitude = 0;
  bool ok = Accumulate(parts.integer, limit, magnitude, parts.group);
  // The first minor_digits of the fraction, padded with zeros.
  for (size_t k = 0; ok && k < digits; ++k) {
    const char c = k < parts.fraction.size() ? parts.fraction[k] : '0';
    ok = Accumulate(std::string_view(&c, 1), limit, magnitude);
  }
  if (ok && parts.fraction.size() > digits && parts.fraction[digits] >= '5') {
    ok = magnitude < limit;
    ++magnitude;
  }
  if (!ok) return Invalid(text, "out of range");
  return Amount{ApplySign(magnitude, parts.negative), std::string(code)};
}

Result<NumberFormat> ParseNumberFormat(std::string_view decimal, std::string_view thousands) {
  NumberFormat format;
  auto one = [](std::string_view s, std::string_view what) -> Result<char> {
    if (IEquals(s, "none") || s.empty()) return '\0';
    if (IEquals(s, "space")) return ' ';
    if (s.size() == 1 && (s[0] == '.' || s[0] == ',' || s[0] == '\'' || s[0] == ' ')) return s[0];
    return Fail(ErrorCode::kInvalidArgument,
                "invalid {} separator '{}' (expected '.', ',', \"'\", space or none)", what, s);
  };
  if (!decimal.empty()) {
    MOPS_ASSIGN_OR_RETURN(format.decimal, one(decimal, "decimal"));
    if (format.decimal != '.' && format.decimal != ',') {
      return Fail(ErrorCode::kInvalidArgument, "invalid decimal separator '{}' (expected . or ,)",
                  decimal);
    }
    // "--decimal ," alone means the European 1.234,56.
    if (format.decimal == ',') format.thousands = '.';
  }
  if (!thousands.empty()) {
    MOPS_ASSIGN_OR_RETURN(format.thousands, one(thousands, "thousands"));
  }
  if (format.thousands == format.decimal) {
    return Fail(ErrorCode::kInvalidArgument,
                "the decimal and thousands separators must differ (both '{}')", format.decimal);
  }
  return format;
}

Result<bool> ParseBool(std::string_view text) {
  const std::string_view s = Trim(text);
  for (std::string_view yes : {"true", "yes", "y", "t", "1"}) {
    if (IEquals(s, yes)) return true;
  }
  for (std::string_view no : {"false", "no", "n", "f", "0"}) {
    if (IEquals(s, no)) return false;
  }
  return Fail(ErrorCode::kInvalidArgument,
              "invalid boolean '{}' (expected true/false, yes/no, y/n, t/f or 1/0)", text);
}

std::string FormatMoneyMinor(int64_t minor, int minor_digits) {
  minor_digits = minor_digits < 0 ? 0 : (minor_digits > 18 ? 18 : minor_digits);
  const bool negative = minor < 0;
  const uint64_t magnitude =
      negative ? uint64_t{0} - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  const uint64_t scale = Pow10(minor_digits);
  std::string out = negative ? "-" : "";
  out += std::to_string(magnitude / scale);
  if (minor_digits > 0) out += fmt::format(".{:0{}}", magnitude % scale, minor_digits);
  return out;
}

}  // namespace mops::core
