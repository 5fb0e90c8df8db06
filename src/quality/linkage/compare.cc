// Comparators and the comparison levels of every field type.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/strings.h"
#include "quality/linkage/engine.h"

namespace mops::quality::linkage {

extern const std::string_view kNicknameCsv;

namespace {

// name -> the ids of the nickname lines it is on.
class NicknameTable {
 public:
  NicknameTable() {
    int group = 0;
    for (std::string_view line : core::Split(kNicknameCsv, '\n')) {
      line = core::Trim(line);
      if (line.empty() || line.front() == '#') continue;
      for (std::string_view name : core::Split(line, ',')) {
        const std::string key = NormalizeName(name);
        if (!key.empty()) groups_[key].push_back(group);
      }
      ++group;
    }
  }
  bool Match(std::string_view a, std::string_view b) const {
    const auto ia = groups_.find(a);
    if (ia == groups_.end()) return false;
    const auto ib = groups_.find(b);
    if (ib == groups_.end()) return false;
    for (int g : ia->second) {
      if (std::find(ib->second.begin(), ib->second.end(), g) != ib->second.end()) return true;
    }
    return false;
  }

 private:
  // Looked up by string_view without building a string (heterogeneous lookup).
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<int>, Hash, std::equal_to<>> groups_;
};

const NicknameTable& Nicknames() {
  static const NicknameTable table;
  return table;
}

struct LevelNames {
  Comparison comparison;
  std::string_view name;
  std::array<std::string_view, 7> labels;  // level 0 first; "" ends the list
};

constexpr std::array<LevelNames, 9> kLevels = {{
    {Comparison::kExact, "exact", {"missing", "exact", "different", "", "", "", ""}},
    {Comparison::kName,
     "name",
     {"missing", "exact", "nickname", "initial", "similar (jw>=0.92)", "alike (jw>=0.80)",
      "different"}},
    {Comparison::kText,
     "text",
     {"missing", "exact", "one edit", "similar (jw>=0.90)", "alike (jw>=0.80)", "different", ""}},
    {Comparison::kEmail,
     "email",
     {"missing", "exact", "same local part (personal mailbox)", "same work domain, another mailbox",
      "different", "", ""}},
    {Comparison::kPhone,
     "phone",
     {"missing", "exact", "same last 9 digits", "one digit off", "different", "", ""}},
    {Comparison::kDate,
     "date",
     {"missing", "exact", "day and month swapped", "one digit off", "different", "", ""}},
    {Comparison::kNumber,
     "number",
     {"missing", "exact", "within 1%", "within 10%", "different", "", ""}},
    {Comparison::kCompany,
     "company",
     {"missing", "exact", "same words", "similar (jw>=0.90)", "different", "", ""}},
    {Comparison::kDomain, "domain", {"missing", "exact", "different", "", "", "", ""}},
}};

const LevelNames& LevelsOf(Comparison c) { return kLevels[static_cast<size_t>(c)]; }

bool ParseNumber(std::string_view s, double& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

uint8_t CompareName(std::string_view a, std::string_view b) {
  if (a == b) return 1;
  if (AreNicknames(a, b)) return 2;
  // "J" (from "J.") and "John": an initial is not a different name.
  if ((a.size() == 1 || b.size() == 1) && a[0] == b[0]) return 3;
  const double jw = JaroWinkler(a, b);
  if (jw >= 0.92) return 4;
  if (jw >= 0.80) return 5;
  return 6;
}

uint8_t CompareText(std::string_view a, std::string_view b) {
  if (a == b) return 1;
  if (DamerauLevenshtein(a, b, 1) <= 1) return 2;
  const double jw = JaroWinkler(a, b);
  if (jw >= 0.90) return 3;
  if (jw >= 0.80) return 4;
  return 5;
}

// Personal mailbox providers. A person's work and personal addresses often
// share the local part; two work addresses at different companies with the
// same local part ("john.smith@a.com", "john.smith@b.com") are usually two
// people with the same name, which the name fields already weigh.
constexpr std::string_view kFreeMail[] = {
    "gmail.com",     "googlemail.com", "yahoo.com", "yahoo.co.uk",    "ymail.com",    "hotmail.com",
    "hotmail.co.uk", "outlook.com",    "live.com",  "msn.com",        "icloud.com",   "me.com",
    "mac.com",       "aol.com",        "proton.me", "protonmail.com", "gmx.com",      "gmx.de",
    "gmx.net",       "web.de",         "mail.com",  "yandex.com",     "yandex.ru",    "mail.ru",
    "qq.com",        "163.com",        "126.com",   "zoho.com",       "fastmail.com", "orange.fr",
    "free.fr",       "laposte.net",    "libero.it", "t-online.de",    "comcast.net"};

bool IsFreeMail(std::string_view domain) {
  for (std::string_view d : kFreeMail) {
    if (domain == d) return true;
  }
  return false;
}

uint8_t CompareEmail(std::string_view a, std::string_view b) {
  if (a == b) return 1;
  const auto [la, da] = SplitEmail(a);
  const auto [lb, db] = SplitEmail(b);
  const bool free_a = IsFreeMail(da), free_b = IsFreeMail(db);
  // Two mailboxes at one company's domain, made of different names, are as
  // a rule two colleagues (a typo'd local part is not another mailbox).
  if (da == db && !free_a && !la.empty() && !lb.empty() &&
      (la[0] != lb[0] || JaroWinkler(la, lb) < 0.9)) {
    return 3;
  }
  if (da != db && !free_a && !free_b) return 4;
  // A similar local part is left out on purpose: local parts are made of
  // the person's names, so it would count the name agreement twice.
  return la == lb ? 2 : 4;
}

uint8_t ComparePhone(std::string_view a, std::string_view b) {
  if (a == b) return 1;
  // Country code, trunk 0 or 00 prefix aside, the last nine digits name the line.
  const size_t n = std::min<size_t>({a.size(), b.size(), 9});
  if (n >= 7 && a.substr(a.size() - n) == b.substr(b.size() - n)) return 2;
  if (a.size() == b.size() && DamerauLevenshtein(a, b, 1) <= 1) return 3;
  return 4;
}

uint8_t CompareDate(std::string_view a, std::string_view b) {
  if (a == b) return 1;
  if (a.size() == 8 && b.size() == 8 && a.substr(0, 4) == b.substr(0, 4) &&
      a.substr(4, 2) == b.substr(6, 2) && a.substr(6, 2) == b.substr(4, 2)) {
    return 2;
  }
  if (DamerauLevenshtein(a, b, 1) <= 1) return 3;
  return 4;
}

uint8_t CompareNumber(std::string_view a, std::string_view b) {
  if (a == b) return 1;
  double x = 0, y = 0;
  if (!ParseNumber(a, x) || !ParseNumber(b, y)) return 4;
  if (x == y) return 1;
  const double scale = std::max(std::fabs(x), std::fabs(y));
  const double rel = std::fabs(x - y) / scale;
  if (rel <= 0.01) return 2;
  if (rel <= 0.10) return 3;
  return 4;
}

// Every word of the shorter name has its like in the other (TokenSimilarity
// == 1), stopping at the first word that has none.
bool AllTokensMatch(std::string_view a, std::string_view b) {
  if (std::count(a.begin(), a.end(), ' ') > std::count(b.begin(), b.end(), ' ')) std::swap(a, b);
  size_t i = 0;
  bool any = false;
  while (i < a.size()) {
    const size_t j = std::min(a.find(' ', i), a.size());
    const std::string_view t = a.substr(i, j - i);
    i = j + 1;
    if (t.empty()) continue;
    any = true;
    bool found = false;
    size_t k = 0;
    while (k < b.size() && !found) {
      const size_t e = std::min(b.find(' ', k), b.size());
      const std::string_view u = b.substr(k, e - k);
      k = e + 1;
      found = !u.empty() && (t == u || JaroWinkler(t, u) >= 0.92);
    }
    if (!found) return false;
  }
  return any;
}

uint8_t CompareCompany(std::string_view a, std::string_view b) {
  if (a == b) return 1;
  if (AllTokensMatch(a, b)) return 2;
  if (JaroWinkler(a, b) >= 0.90) return 3;
  return 4;
}

std::string NormalizeNumber(std::string_view s) {
  std::string out;
  for (char c : core::Trim(s)) {
    if (core::IsAsciiDigit(c) || c == '.' || c == '-' || c == 'e' || c == 'E' || c == '+') {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

namespace {

// Jaro similarity and common prefix, with the matched flags of each string
// in `Flags` (bits of a word for short strings, bytes otherwise).
template <typename Flags>
double Jaro(std::string_view a, std::string_view b, Flags& fa, Flags& fb) {
  const size_t la = a.size(), lb = b.size();
  const size_t window = lb / 2 > 0 ? lb / 2 - 1 : 0;
  size_t matches = 0;
  for (size_t i = 0; i < la; ++i) {
    const size_t lo = i > window ? i - window : 0;
    const size_t hi = std::min(lb, i + window + 1);
    for (size_t j = lo; j < hi; ++j) {
      if (!fb.Get(j) && a[i] == b[j]) {
        fa.Set(i);
        fb.Set(j);
        ++matches;
        break;
      }
    }
  }
  if (matches == 0) return 0;
  size_t transpositions = 0;
  for (size_t i = 0, j = 0; i < la; ++i) {
    if (!fa.Get(i)) continue;
    while (!fb.Get(j)) ++j;
    if (a[i] != b[j]) ++transpositions;
    ++j;
  }
  const double m = static_cast<double>(matches);
  return (m / static_cast<double>(la) + m / static_cast<double>(lb) +
          (m - static_cast<double>(transpositions) / 2) / m) /
         3;
}

struct BitFlags {
  uint64_t bits = 0;
  bool Get(size_t i) const { return (bits >> i) & 1; }
  void Set(size_t i) { bits |= uint64_t{1} << i; }
};

struct ByteFlags {
  explicit ByteFlags(size_t n) : bytes(n, 0) {}
  std::vector<uint8_t> bytes;
  bool Get(size_t i) const { return bytes[i] != 0; }
  void Set(size_t i) { bytes[i] = 1; }
};

}  // namespace

double JaroWinkler(std::string_view a, std::string_view b) {
  if (a.empty() && b.empty()) return 1;
  if (a.empty() || b.empty()) return 0;
  if (a == b) return 1;
  if (a.size() > b.size()) std::swap(a, b);
  double jaro = 0;
  if (b.size() <= 64) {
    BitFlags fa, fb;
    jaro = Jaro(a, b, fa, fb);
  } else {
    ByteFlags fa(a.size()), fb(b.size());
    jaro = Jaro(a, b, fa, fb);
  }
  if (jaro == 0) return 0;
  size_t prefix = 0;
  while (prefix < 4 && prefix < a.size() && a[prefix] == b[prefix]) ++prefix;
  return jaro + static_cast<double>(prefix) * 0.1 * (1 - jaro);
}

bool AreNicknames(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty() || a == b) return false;
  return Nicknames().Match(a, b);
}

double TokenSimilarity(std::string_view a, std::string_view b) {
  // Company names have a few words; tokens past the 16th are ignored.
  constexpr size_t kMax = 16;
  std::array<std::string_view, kMax> ta, tb;
  const auto tokens = [](std::string_view s, std::array<std::string_view, kMax>& out) {
    size_t n = 0;
    size_t i = 0;
    while (i < s.size() && n < kMax) {
      while (i < s.size() && s[i] == ' ') ++i;
      const size_t j = s.find(' ', i);
      const size_t end = j == std::string_view::npos ? s.size() : j;
      if (end > i) out[n++] = s.substr(i, end - i);
      i = end;
    }
    return n;
  };
  size_t na = tokens(a, ta), nb = tokens(b, tb);
  if (na == 0 || nb == 0) return 0;
  if (na > nb) {
    std::swap(ta, tb);
    std::swap(na, nb);
  }
  size_t found = 0;
  for (size_t x = 0; x < na; ++x) {
    for (size_t y = 0; y < nb; ++y) {
      if (ta[x] == tb[y] || JaroWinkler(ta[x], tb[y]) >= 0.92) {
        ++found;
        break;
      }
    }
  }
  return static_cast<double>(found) / static_cast<double>(na);
}

core::Result<Comparison> ParseComparison(std::string_view name) {
  const std::string lower = core::ToLower(core::Trim(name));
  for (const LevelNames& l : kLevels) {
    if (l.name == lower) return l.comparison;
  }
  return core::Fail(core::ErrorCode::kInvalidArgument,
                    "unknown comparison '{}' (expected exact, name, text, email, phone, date, "
                    "number, company or domain)",
                    name);
}

std::string_view ComparisonName(Comparison c) { return LevelsOf(c).name; }

int LevelCount(Comparison c) {
  const auto& labels = LevelsOf(c).labels;
  int n = 0;
  while (n < static_cast<int>(labels.size()) && !labels[n].empty()) ++n;
  return n;
}

std::string_view LevelLabel(Comparison c, int level) {
  if (level < 0 || level >= LevelCount(c)) return "?";
  return LevelsOf(c).labels[level];
}

bool IsSpreadsheetNumber(std::string_view raw) {
  const std::string_view s = core::Trim(raw);
  size_t i = 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && core::IsAsciiDigit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (!digits()) return false;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    ++i;
    if (!digits()) return false;
  }
  if (i >= s.size() || (s[i] != 'e' && s[i] != 'E')) return false;
  ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  return digits() && i == s.size();
}

std::string NormalizeValue(Comparison c, std::string_view raw) {
  // A phone or an id a spreadsheet turned into "1.11015E+11" lost its
  // digits: it says nothing about who the record is.
  if ((c == Comparison::kPhone || c == Comparison::kExact) && IsSpreadsheetNumber(raw)) return {};
  switch (c) {
    case Comparison::kExact:
    case Comparison::kText:
      return NormalizeText(raw);
    case Comparison::kName:
      return NormalizeName(raw);
    case Comparison::kEmail:
      return NormalizeEmail(raw);
    case Comparison::kPhone:
      return PhoneDigits(raw);
    case Comparison::kDate:
      return NormalizeDate(raw);
    case Comparison::kNumber:
      return NormalizeNumber(raw);
    case Comparison::kCompany:
      return CompanyKey(raw);
    case Comparison::kDomain:
      return NormalizeDomain(raw);
  }
  return std::string(raw);
}

uint8_t CompareValues(Comparison c, std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return 0;
  switch (c) {
    case Comparison::kExact:
    case Comparison::kDomain:
      return a == b ? 1 : 2;
    case Comparison::kName:
      return CompareName(a, b);
    case Comparison::kText:
      return CompareText(a, b);
    case Comparison::kEmail:
      return CompareEmail(a, b);
    case Comparison::kPhone:
      return ComparePhone(a, b);
    case Comparison::kDate:
      return CompareDate(a, b);
    case Comparison::kNumber:
      return CompareNumber(a, b);
    case Comparison::kCompany:
      return CompareCompany(a, b);
  }
  return 0;
}

}  // namespace mops::quality::linkage
