// Small ASCII string helpers shared by every folder. They never allocate
// unless they return a std::string, and they treat bytes >= 0x80 as opaque
// (no locale, no Unicode case folding). For plain prefix/suffix tests use
// std::string_view::starts_with / ends_with.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mops::core {

// True for ' ', '\t', '\n', '\v', '\f', '\r'.
constexpr bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
constexpr bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
constexpr char AsciiToLower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }
constexpr char AsciiToUpper(char c) { return c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c; }

// Remove ASCII whitespace (IsAsciiSpace) at both ends / the left / the right.
// Text safe inside HTML elements and quoted attributes: & < > " ' escaped.
std::string HtmlEscape(std::string_view text);

std::string_view Trim(std::string_view s);
std::string_view TrimLeft(std::string_view s);
std::string_view TrimRight(std::string_view s);

// Trims and turns every run of ASCII whitespace into one space.
std::string CollapseSpaces(std::string_view s);

std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);

// ASCII case-insensitive comparisons.
bool IEquals(std::string_view a, std::string_view b);
bool IStartsWith(std::string_view s, std::string_view prefix);
bool IEndsWith(std::string_view s, std::string_view suffix);

// Splits on every `sep`: "a,,b" -> {"a", "", "b"}; "" -> {""}. The views
// point into `s`.
std::vector<std::string_view> Split(std::string_view s, char sep);

// Joins `parts` with `sep` between them.
std::string Join(const std::vector<std::string_view>& parts, std::string_view sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);

}  // namespace mops::core
