#include "core/numbers.h"

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
  std::string_view integer;  // as written, may hold ',' group separators
  bool grouped = false;
  std::string_view fraction;  // digits after '.'
  std::string_view exponent;  // "e-3", or empty
};

std::unexpected<Error> Invalid(std::string_view text, std::string_view why = {}) {
  if (why.empty()) return Fail(ErrorCode::kInvalidArgument, "invalid number '{}'", text);
  return Fail(ErrorCode::kInvalidArgument, "invalid number '{}': {}", text, why);
}

bool EatCurrency(std::string_view& s) {
  for (std::string_view symbol : {"$", "\xE2\x82\xAC" /* € */, "\xC2\xA3" /* £ */}) {
    if (s.starts_with(symbol)) {
      s.remove_prefix(symbol.size());
      while (s.starts_with(' ')) s.remove_prefix(1);
      return true;
    }
  }
  return false;
}

size_t CountDigits(std::string_view s, size_t i) {
  size_t n = 0;
  while (i + n < s.size() && IsAsciiDigit(s[i + n])) ++n;
  return n;
}

Result<Parts> SplitNumber(std::string_view text, bool currency, bool exponent) {
  std::string_view s = Trim(text);
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
  if (currency && EatCurrency(s) && !signed_first) eat_sign();

  // Integer part, with thousands separators: 1-3 digits, then ",ddd" groups.
  size_t i = CountDigits(s, 0);
  while (i > 0 && i < s.size() && s[i] == ',') {
    if (!parts.grouped && i > 3) return Invalid(text, "misplaced thousands separator");
    parts.grouped = true;
    if (CountDigits(s, i + 1) != 3) {
      // "1234,56" is a European decimal comma; we do not guess.
      return Invalid(text, "misplaced thousands separator (the decimal separator is '.')");
    }
    i += 4;
  }
  if (parts.grouped && CountDigits(s, i) != 0) {
    return Invalid(text, "misplaced thousands separator");
  }
  parts.integer = s.substr(0, i);
  if (i < s.size() && s[i] == '.') {
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
  if (i != s.size()) return Invalid(text);
  return parts;
}

// Accumulates digits (skipping ',') into `value`; false on passing `limit`.
bool Accumulate(std::string_view digits, uint64_t limit, uint64_t& value) {
  for (char c : digits) {
    if (c == ',') continue;
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

Result<double> ParseDouble(std::string_view text) {
  MOPS_ASSIGN_OR_RETURN(const Parts parts, SplitNumber(text, true, true));
  std::string clean;
  clean.reserve(parts.integer.size() + parts.fraction.size() + parts.exponent.size() + 3);
  if (parts.negative) clean.push_back('-');
  for (char c : parts.integer) {
    if (c != ',') clean.push_back(c);
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
  if (minor_digits < 0 || minor_digits > 18) {
    return Fail(ErrorCode::kInvalidArgument, "minor_digits must be 0-18, got {}", minor_digits);
  }
  MOPS_ASSIGN_OR_RETURN(const Parts parts, SplitNumber(text, true, false));
  const uint64_t limit = parts.negative ? kInt64Magnitude : kInt64Magnitude - 1;
  const auto digits = static_cast<size_t>(minor_digits);
  uint64_t magnitude = 0;
  bool ok = Accumulate(parts.integer, limit, magnitude);
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
  return ApplySign(magnitude, parts.negative);
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
