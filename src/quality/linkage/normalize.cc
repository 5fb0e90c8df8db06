// Field normalizers: the forms that comparison and blocking read.
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/strings.h"
#include "quality/linkage/engine.h"

namespace mops::quality::linkage {
namespace {

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHighByte(char c) { return static_cast<unsigned char>(c) >= 0x80; }

// Legal forms dropped from the end of a company name (and "the" at its start).
constexpr std::array<std::string_view, 36> kLegalSuffixes = {
    "inc",  "incorporated", "corp", "corporation", "co",   "company", "llc", "ltd", "limited",
    "gmbh", "ag",           "sa",   "sas",         "sarl", "bv",      "nv",  "plc", "pty",
    "pte",  "srl",          "spa",  "ab",          "as",   "oy",      "kk",  "lp",  "llp",
    "lc",   "pllc",         "se",   "kg",          "mbh",  "oyj",     "asa", "sl",  "ltda"};

bool IsLegalSuffix(std::string_view token) {
  for (std::string_view s : kLegalSuffixes) {
    if (token == s) return true;
  }
  return false;
}

char SoundexCode(char c) {
  switch (c) {
    case 'b':
    case 'f':
    case 'p':
    case 'v':
      return '1';
    case 'c':
    case 'g':
    case 'j':
    case 'k':
    case 'q':
    case 's':
    case 'x':
    case 'z':
      return '2';
    case 'd':
    case 't':
      return '3';
    case 'l':
      return '4';
    case 'm':
    case 'n':
      return '5';
    case 'r':
      return '6';
    case 'h':
    case 'w':
      return 'h';  // neither a code nor a separator of equal codes
    default:
      return '0';  // vowels (and y): separate equal codes
  }
}

bool ValidDate(int y, int m, int d) { return y >= 1000 && m >= 1 && m <= 12 && d >= 1 && d <= 31; }

std::string FormatDate(int y, int m, int d) {
  std::string out(8, '0');
  out[0] = static_cast<char>('0' + y / 1000 % 10);
  out[1] = static_cast<char>('0' + y / 100 % 10);
  out[2] = static_cast<char>('0' + y / 10 % 10);
  out[3] = static_cast<char>('0' + y % 10);
  out[4] = static_cast<char>('0' + m / 10);
  out[5] = static_cast<char>('0' + m % 10);
  out[6] = static_cast<char>('0' + d / 10);
  out[7] = static_cast<char>('0' + d % 10);
  return out;
}

}  // namespace

std::string NormalizeText(std::string_view s) {
  std::string out = core::CollapseSpaces(s);
  for (char& c : out) c = core::AsciiToLower(c);
  return out;
}

std::string NormalizeName(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (IsAsciiAlpha(c)) {
      out.push_back(core::AsciiToLower(c));
    } else if (IsHighByte(c)) {
      out.push_back(c);
    }
  }
  return out;
}

std::string PhoneDigits(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (core::IsAsciiDigit(c)) {
      out.push_back(c);
    } else if ((c == 'x' || c == 'X' || c == 'e' || c == 'E' || c == '#') && !out.empty()) {
      break;  // "x123", "ext. 12", "#5": an extension reaches the same line
    }
  }
  return out;
}

std::string NormalizeEmail(std::string_view s) {
  std::string out = core::ToLower(core::Trim(s));
  const size_t at = out.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 >= out.size()) return {};
  if (out.starts_with("mailto:")) out.erase(0, 7);
  return out;
}

std::pair<std::string_view, std::string_view> SplitEmail(std::string_view email) {
  const size_t at = email.rfind('@');
  if (at == std::string_view::npos) return {email, {}};
  return {email.substr(0, at), email.substr(at + 1)};
}

std::string CompanyKey(std::string_view s) {
  std::vector<std::string> tokens;
  std::string token;
  const auto flush = [&] {
    if (!token.empty()) tokens.push_back(std::move(token));
    token.clear();
  };
  for (char c : s) {
    if (IsAsciiAlpha(c) || core::IsAsciiDigit(c) || IsHighByte(c)) {
      token.push_back(core::AsciiToLower(c));
    } else if (c == '.' || c == '\'') {
      continue;  // "Inc." -> inc, "L.L.C." -> llc, "O'Neil" -> oneil
    } else if (c == '&') {
      flush();
      tokens.emplace_back("and");
    } else {
      flush();
    }
  }
  flush();
  size_t begin = 0;
  if (tokens.size() > 1 && tokens[0] == "the") begin = 1;
  size_t end = tokens.size();
  while (end > begin + 1 && IsLegalSuffix(tokens[end - 1])) --end;
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    if (!out.empty()) out.push_back(' ');
    out += tokens[i];
  }
  return out;
}

std::string NormalizeDomain(std::string_view s) {
  std::string v = core::ToLower(core::Trim(s));
  if (const size_t at = v.rfind('@'); at != std::string::npos) v.erase(0, at + 1);
  if (const size_t scheme = v.find("://"); scheme != std::string::npos) v.erase(0, scheme + 3);
  if (const size_t end = v.find_first_of("/?#:"); end != std::string::npos) v.erase(end);
  while (!v.empty() && v.back() == '.') v.pop_back();
  if (v.starts_with("www.")) v.erase(0, 4);
  if (v.find('.') == std::string::npos) return {};
  return v;
}

std::string NormalizeDate(std::string_view s) {
  std::vector<std::string_view> groups;
  size_t i = 0;
  while (i < s.size()) {
    if (!core::IsAsciiDigit(s[i])) {
      if (s[i] == 'T' && groups.size() >= 3) break;  // time of an ISO stamp
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && core::IsAsciiDigit(s[j])) ++j;
    groups.push_back(s.substr(i, j - i));
    i = j;
  }
  const auto num = [](std::string_view g) {
    int v = 0;
    for (char c : g) v = v * 10 + (c - '0');
    return v;
  };
  if (groups.size() == 1 && groups[0].size() == 8) {
    // Kept even when the month or day is out of range: a typo'd date still
    // compares by edit distance.
    return std::string(groups[0]);
  }
  if (groups.size() < 3) return {};
  if (groups[0].size() == 4 && groups[1].size() <= 2 && groups[2].size() <= 2) {
    const int y = num(groups[0]), m = num(groups[1]), d = num(groups[2]);
    return ValidDate(y, m, d) ? FormatDate(y, m, d) : std::string();
  }
  if (groups[2].size() == 4 && groups[0].size() <= 2 && groups[1].size() <= 2) {
    const int a = num(groups[0]), b = num(groups[1]), y = num(groups[2]);
    // Day first unless that is impossible (a swapped pair still compares
    // at the "swapped" level).
    if (b > 12 && a <= 12) return ValidDate(y, a, b) ? FormatDate(y, a, b) : std::string();
    return ValidDate(y, b, a) ? FormatDate(y, b, a) : std::string();
  }
  return {};
}

std::string Soundex(std::string_view name) {
  std::string out;
  char last = 0;
  for (char raw : name) {
    if (!IsAsciiAlpha(raw)) continue;
    const char c = core::AsciiToLower(raw);
    const char code = SoundexCode(c);
    if (out.empty()) {
      out.push_back(core::AsciiToUpper(c));
      last = code;
      continue;
    }
    if (code == 'h') continue;
    if (code != '0' && code != last) out.push_back(code);
    last = code;
    if (out.size() == 4) break;
  }
  if (out.empty()) return out;
  out.resize(4, '0');
  return out;
}

}  // namespace mops::quality::linkage
