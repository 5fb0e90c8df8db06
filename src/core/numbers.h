// Numbers as they appear in exports: surrounding blanks, thousands
// separators ("1,234,567", checked: "1,23" is an error), a leading currency
// symbol on amounts ("$1,234.56", "-€5", "£-5"). The decimal separator is
// '.' unless a NumberFormat says otherwise ("1.234,56" with decimal ','):
// "1234,56" is rejected rather than guessed.
//
// Money is exact: ParseMoneyMinor reads the digits themselves (no double on
// the way), so "0.29" is 29 cents, not 28.
//
// Errors are ErrorCode::kInvalidArgument with a message like
// "invalid number 'abc'" (plus ": why" when it helps). Callers add the file,
// line and field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace mops::core {

// The separators of a file's numbers. thousands 0: no grouping accepted.
struct NumberFormat {
  char decimal = '.';
  char thousands = ',';
};

// From the --decimal / --thousands options (either may be empty: the
// default). "," alone gives the European 1.234,56; thousands may also be
// "'", "space" or "none". Errors on anything else or equal separators.
Result<NumberFormat> ParseNumberFormat(std::string_view decimal, std::string_view thousands);

// "42", " -1,234 ", "+7", "1234.0" (a zero fraction is allowed; "1.5" is an
// error). No currency symbol. Range: int64_t.
Result<int64_t> ParseInt(std::string_view text);

// "3.14", "-1,234.56", "$1,234.56", ".5", "1e-3". Finite values only
// (no "nan"/"inf"); an overflowing or underflowing exponent is an error.
Result<double> ParseDouble(std::string_view text);
Result<double> ParseDouble(std::string_view text, NumberFormat format);

// Amount in minor units: ParseMoneyMinor("$1,234.56") == 123456,
// ParseMoneyMinor("-5.5") == -550, ParseMoneyMinor("12", 0) == 12. Extra
// fraction digits are rounded half away from zero ("0.125" -> 13).
// minor_digits must be 0-18. No exponents. Range: int64_t minor units.
Result<int64_t> ParseMoneyMinor(std::string_view text, int minor_digits = 2);
Result<int64_t> ParseMoneyMinor(std::string_view text, int minor_digits, NumberFormat format);

// An amount with the currency it is written in: "€1.234,56" (decimal ','),
// "1,234.56 USD", "USD 12", "-5 €", "£5" (a symbol or an ISO 4217 code, before
// or after the number, with or without a space). $ is read as USD, € as EUR,
// £ as GBP; `currency` is empty when the text names none. Suffixes such as
// "12k" are errors. With codes false, only a leading symbol is accepted (as
// ParseMoneyMinor does) and `currency` stays empty.
struct Amount {
  int64_t minor = 0;
  std::string currency;
};
Result<Amount> ParseAmount(std::string_view text, NumberFormat format = {}, int minor_digits = 2,
                           bool codes = true);

// true/false, yes/no, y/n, t/f, 1/0, case-insensitive, surrounding blanks
// ignored. Empty text is an error too (callers decide what empty means).
Result<bool> ParseBool(std::string_view text);

// 123456 -> "1234.56", -5 -> "-0.05", 12 with minor_digits 0 -> "12". No
// grouping, no currency symbol: the inverse of ParseMoneyMinor.
std::string FormatMoneyMinor(int64_t minor, int minor_digits = 2);

}  // namespace mops::core
