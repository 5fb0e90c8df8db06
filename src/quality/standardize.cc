// Standardization of single values (email, names, titles, company names,
// domains) and of whole contact and account records.
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <thread>
#include <unordered_set>

#include "core/edit_distance.h"
#include "core/strings.h"
#include "quality/data.h"
#include "quality/engine.h"
#include "quality/text.h"

namespace mops::quality {
namespace {

using StringSet = std::unordered_set<std::string_view>;

struct EmailLists {
  StringSet roles;
  StringSet disposable;
  StringSet mail;
  std::vector<std::string_view> mail_list;
};

const EmailLists& Lists() {
  static const EmailLists lists = [] {
    EmailLists l;
    for (auto v : internal::ListLines(data::RoleAccounts())) l.roles.insert(v);
    for (auto v : internal::ListLines(data::DisposableDomains())) l.disposable.insert(v);
    l.mail_list = internal::ListLines(data::MailDomains());
    for (auto v : l.mail_list) l.mail.insert(v);
    return l;
  }();
  return lists;
}

bool IsAsciiAlnum(char c) {
  return core::IsAsciiDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// RFC 5321/5322 dot-atom local part, without quoted strings (which real
// marketing systems reject anyway).
bool ValidLocalPart(std::string_view local) {
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.') {
    return false;
  }
  static constexpr std::string_view kSpecials = "!#$%&'*+/=?^_`{|}~-.";
  char previous = 0;
  for (char c : local) {
    if (!IsAsciiAlnum(c) && kSpecials.find(c) == std::string_view::npos) return false;
    if (c == '.' && previous == '.') return false;
    previous = c;
  }
  return true;
}

bool ValidHost(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  auto labels = core::Split(host, '.');
  if (labels.size() < 2) return false;
  for (std::string_view label : labels) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!IsAsciiAlnum(c) && c != '-') return false;
    }
  }
  const std::string_view tld = labels.back();
  if (tld.size() < 2) return false;
  // A top-level domain is letters, or an IDN label ("xn--...").
  if (!tld.starts_with("xn--")) {
    for (char c : tld) {
      if (!(c >= 'a' && c <= 'z')) return false;
    }
  }
  return true;
}

// The popular mail domain `domain` is most likely a typo of, or "".
std::string_view TypoOf(std::string_view domain) {
  const EmailLists& lists = Lists();
  if (lists.mail.contains(domain) || lists.disposable.contains(domain)) return {};
  // Two edits only on longer domains, and never on the first letter: short
  // company domains sit within two edits of "me.com" or "aol.com".
  const int cap = domain.size() < 10 ? 1 : 2;
  std::string_view best;
  int best_distance = cap + 1;
  for (std::string_view candidate : lists.mail_list) {
    const int length_gap =
        std::abs(static_cast<int>(candidate.size()) - static_cast<int>(domain.size()));
    if (length_gap > cap) continue;
    const int d = core::EditDistance(domain, candidate, cap);
    if (d == 2 && candidate.front() != domain.front()) continue;
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

// --- names

constexpr std::array<std::string_view, 22> kParticles = {
    "van",   "von", "der", "den", "de",  "da",  "di",  "du", "la", "le", "del",
    "della", "dos", "das", "do",  "ter", "ten", "bin", "al", "el", "y",  "zu"};
constexpr std::array<std::string_view, 9> kRoman = {"ii",  "iii",  "iv", "v", "vi",
                                                    "vii", "viii", "ix", "x"};
// Mac names that are written MacX; "Mack", "Macy", "Machado" are not.
constexpr std::array<std::string_view, 20> kMacNames = {
    "allister", "arthur", "aulay",  "donald", "dougall", "duff",   "farlane",
    "gregor",   "innes",  "intyre", "kay",    "kenzie",  "kinnon", "lachlan",
    "lean",     "leod",   "millan", "neil",   "pherson", "queen"};

bool Contains(std::span<const std::string_view> list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

bool HasNonAscii(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// The word with its first letter upper case and the rest as given (already lower).
std::string Capitalized(std::string_view lower) {
  if (lower.empty()) return {};
  if (!HasNonAscii(lower.substr(0, 1))) {
    std::string out(lower);
    out[0] = core::AsciiToUpper(out[0]);
    return out;
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(lower.data(), static_cast<int32_t>(lower.size())));
  const UChar32 first = u.char32At(0);
  icu::UnicodeString rebuilt;
  rebuilt.append(u_totitle(first));
  rebuilt.append(u, U16_LENGTH(first), u.length() - U16_LENGTH(first));
  std::string out;
  rebuilt.toUTF8String(out);
  return out;
}

// One hyphen- or apostrophe-free part of a name, lower case in, proper case out.
std::string ProperPart(std::string_view lower) {
  if (lower.starts_with("mc") && lower.size() > 2) {
    return "Mc" + Capitalized(lower.substr(2));
  }
  if (lower.starts_with("mac") && Contains(kMacNames, lower.substr(3))) {
    return "Mac" + Capitalized(lower.substr(3));
  }
  return Capitalized(lower);
}

std::string ProperWord(std::string_view word, bool first, bool last) {
  bool upper = false, lower = false;
  for (char c : word) {
    upper |= c >= 'A' && c <= 'Z';
    lower |= c >= 'a' && c <= 'z';
  }
  // "DeShawn", "MacKenzie", "van": typed with care, kept.
  if (upper && lower && word.size() > 1 && word[0] >= 'A' && word[0] <= 'Z') {
    return std::string(word);
  }
  const std::string w = internal::Lower(word);
  if (!first && Contains(kRoman, w) && last) return core::ToUpper(w);
  if (w == "jr" || w == "jr." || w == "sr" || w == "sr.") return Capitalized(w);
  if (!last && Contains(kParticles, w)) return w;
  std::string out;
  size_t start = 0;
  for (size_t i = 0; i <= w.size(); ++i) {
    if (i < w.size() && w[i] != '-' && w[i] != '\'') continue;
    std::string_view part = std::string_view(w).substr(start, i - start);
    // O'Brien, D'Angelo: one letter before the apostrophe is a prefix.
    out += ProperPart(part);
    if (i < w.size()) out.push_back(w[i]);
    start = i + 1;
  }
  return out;
}

// --- titles

struct Keyword {
  std::string_view word;
  std::string_view value;
};

bool HasWord(const std::vector<std::string_view>& words, std::string_view w) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

bool HasPhrase(const std::string& padded, std::string_view phrase) {
  std::string needle = " ";
  needle += phrase;
  needle += ' ';
  return padded.find(needle) != std::string::npos;
}

constexpr std::array<std::string_view, 12> kLegalSuffixes1 = {
    "inc",     "incorporated", "llc",  "llp",         "lp", "ltd",
    "limited", "gmbh",         "corp", "corporation", "co", "company"};
constexpr std::array<std::string_view, 30> kLegalSuffixes2 = {
    "plc", "sa",  "sas", "sarl", "ag",  "bv",  "nv",   "oy",    "ab",       "as",
    "aps", "pty", "pte", "kk",   "srl", "spa", "sl",   "kg",    "ug",       "se",
    "lda", "sro", "oyj", "asa",  "mbh", "ohg", "kgaa", "group", "holdings", "sprl"};

bool IsLegalSuffix(std::string_view w) {
  // "group" and "holdings" are only dropped after another suffix was found
  // or at the end of a longer name; treating them as suffixes keeps
  // "Acme Group" and "Acme Inc" together, which is what a CRM user expects.
  return Contains(kLegalSuffixes1, w) || Contains(kLegalSuffixes2, w);
}

}  // namespace

bool IsFreeMailDomain(std::string_view domain) { return Lists().mail.contains(domain); }

EmailInfo StandardizeEmail(std::string_view raw) {
  EmailInfo info;
  // Peel blanks, "mailto:" and <...> until none is left, so that the result
  // is a fixed point (standardizing twice changes nothing).
  std::string_view s = core::Trim(raw);
  for (size_t before = s.size() + 1; s.size() != before;) {
    before = s.size();
    if (core::IStartsWith(s, "mailto:")) s = core::Trim(s.substr(7));
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') {
      s = core::Trim(s.substr(1, s.size() - 2));
    }
  }
  info.email = core::ToLower(s);
  if (info.email.empty()) {
    info.status = "empty";
    return info;
  }
  const size_t at = info.email.rfind('@');
  if (at == std::string::npos || at == 0) {
    info.status = "invalid";
    return info;
  }
  std::string domain = info.email.substr(at + 1);
  while (!domain.empty() && domain.back() == '.') domain.pop_back();
  const std::string_view local = std::string_view(info.email).substr(0, at);
  if (!ValidLocalPart(local) || !ValidHost(domain)) {
    info.status = "invalid";
    info.domain = std::move(domain);
    return info;
  }
  info.email = std::string(local) + "@" + domain;
  info.domain = std::move(domain);
  const std::string_view mailbox_local = std::string_view(info.email).substr(0, at);
  const EmailLists& lists = Lists();
  info.free_mail = lists.mail.contains(info.domain);
  // "info+news" is the mailbox "info".
  const std::string_view mailbox = mailbox_local.substr(0, mailbox_local.find('+'));
  if (lists.disposable.contains(info.domain)) {
    info.status = "disposable";
  } else if (lists.roles.contains(mailbox)) {
    info.status = "role";
  } else if (std::string_view fix = TypoOf(info.domain); !fix.empty()) {
    info.status = "typo";
    info.suggestion = std::string(mailbox_local) + "@" + std::string(fix);
  } else {
    info.status = "ok";
  }
  return info;
}

std::string ProperCaseName(std::string_view raw) {
  const std::string collapsed = core::CollapseSpaces(raw);
  if (collapsed.empty()) return collapsed;
  const auto words = core::Split(collapsed, ' ');
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out.push_back(' ');
    out += ProperWord(words[i], i == 0, i + 1 == words.size());
  }
  return out;
}

TitleInfo ClassifyTitle(std::string_view title) {
  TitleInfo info;
  // Dots vanish ("V.P." -> "vp", "Sr." -> "sr"); other punctuation separates words.
  std::string norm;
  for (char c : internal::Lower(title)) {
    if (c == '.') continue;
    norm.push_back(IsAsciiAlnum(c) || static_cast<unsigned char>(c) >= 0x80 ? c : ' ');
  }
  const std::string padded = " " + core::CollapseSpaces(norm) + " ";
  if (padded.size() <= 2) return info;
  const auto words = core::Split(std::string_view(padded).substr(1, padded.size() - 2), ' ');
  auto any = [&](std::initializer_list<std::string_view> list) {
    for (std::string_view w : list) {
      if (w.find(' ') != std::string_view::npos ? HasPhrase(padded, w) : HasWord(words, w)) {
        return true;
      }
    }
    return false;
  };

  const bool vice = any({"vice president", "vp", "svp", "evp", "avp", "vice pres"});
  if (!vice && any({"chief", "ceo", "cfo", "cmo", "cto", "coo", "cio", "cro", "cpo", "ciso", "cdo",
                    "chro", "president", "founder", "cofounder", "owner", "managing director",
                    "executive director", "general manager"})) {
    info.seniority = "c_level";
  } else if (vice) {
    info.seniority = "vp";
  } else if (any({"director", "dir", "head"})) {
    info.seniority = "director";
  } else if (any({"manager", "mgr", "supervisor", "team lead", "managing", "csm", "pm"})) {
    info.seniority = "manager";
  } else if (any({"senior", "sr", "principal", "staff", "lead", "expert"})) {
    info.seniority = "senior";
  } else {
    info.seniority = "entry";
  }

  if (any({"marketing",
           "mktg",
           "demand",
           "growth",
           "brand",
           "content",
           "seo",
           "sem",
           "ppc",
           "communications",
           "comms",
           "pr",
           "social media",
           "campaign",
           "campaigns",
           "field marketing",
           "events",
           "mops",
           "cmo",
           "advertising",
           "digital marketing",
           "product marketing",
           "lifecycle",
           "martech"})) {
    info.department = "marketing";
  } else if (any({"sales", "account executive", "ae", "sdr", "bdr", "business development",
                  "account manager", "cro", "customer success", "csm", "partnerships",
                  "channel"})) {
    info.department = "sales";
  } else if (any({"hr", "human resources", "people", "talent", "recruiter", "recruiting", "chro",
                  "recruitment"})) {
    info.department = "hr";
  } else if (any({"finance", "financial", "cfo", "accounting", "accountant", "controller",
                  "treasurer", "fp a", "payroll"})) {
    info.department = "finance";
  } else if (any({"product", "ux", "designer", "design", "cpo", "product manager", "pm"})) {
    info.department = "product";
  } else if (any({"engineer", "engineering", "developer", "software", "devops", "sre", "architect",
                  "cto", "programmer", "qa", "swe", "data scientist", "data analyst",
                  "data engineer", "analytics", "bi"})) {
    info.department = "engineering";
  } else if (any({"it", "information technology", "cio", "sysadmin", "systems administrator",
                  "network", "helpdesk", "infrastructure", "ciso", "security"})) {
    info.department = "it";
  } else if (any({"operations", "ops", "revops", "logistics", "supply chain", "coo",
                  "procurement"})) {
    info.department = "operations";
  } else if (info.seniority == "c_level") {
    info.department = "executive";
  } else {
    info.department = "other";
  }
  return info;
}

std::string NormalizeSeniority(std::string_view value) {
  std::string key;
  for (char c : internal::Lower(value)) {
    if (IsAsciiAlnum(c)) key.push_back(c);
  }
  static constexpr std::pair<std::string_view, std::string_view> kLevels[] = {
      {"clevel", "c_level"},
      {"csuite", "c_level"},
      {"cxo", "c_level"},
      {"executive", "c_level"},
      {"owner", "c_level"},
      {"founder", "c_level"},
      {"vp", "vp"},
      {"vicepresident", "vp"},
      {"svp", "vp"},
      {"evp", "vp"},
      {"director", "director"},
      {"head", "director"},
      {"manager", "manager"},
      {"mgr", "manager"},
      {"senior", "senior"},
      {"sr", "senior"},
      {"lead", "senior"},
      {"principal", "senior"},
      {"entry", "entry"},
      {"individualcontributor", "entry"},
      {"ic", "entry"},
      {"junior", "entry"},
      {"jr", "entry"},
      {"associate", "entry"},
      {"staff", "entry"},
      {"intern", "entry"},
      {"student", "entry"}};
  for (const auto& [k, v] : kLevels) {
    if (key == k) return std::string(v);
  }
  return {};
}

std::string NormalizeDepartment(std::string_view value) {
  const std::string key = internal::FoldKey(value);
  if (key.empty()) return {};
  if (key == "other" || key == "executive" || key == "management" || key == "leadership") {
    return key == "other" ? "other" : "executive";
  }
  TitleInfo t = ClassifyTitle(value);
  return t.department == "other" || t.department == "executive" ? std::string() : t.department;
}

std::string CompanyKey(std::string_view name) {
  std::string norm;
  for (char c : internal::Lower(name)) {
    if (c == '.' || c == '\'') continue;
    if (c == '&') {
      norm += " and ";
    } else {
      norm.push_back(IsAsciiAlnum(c) || static_cast<unsigned char>(c) >= 0x80 ? c : ' ');
    }
  }
  const std::string collapsed = core::CollapseSpaces(norm);
  std::vector<std::string_view> words = core::Split(collapsed, ' ');
  if (collapsed.empty()) return {};
  size_t begin = 0, end = words.size();
  if (end - begin > 1 && words[begin] == "the") ++begin;
  while (end - begin > 1 && (IsLegalSuffix(words[end - 1]) || words[end - 1] == "and")) --end;
  std::vector<std::string_view> kept(words.begin() + static_cast<std::ptrdiff_t>(begin),
                                     words.begin() + static_cast<std::ptrdiff_t>(end));
  return core::Join(kept, " ");
}

std::string DomainFromWebsite(std::string_view website) {
  std::string s = core::ToLower(core::Trim(website));
  if (size_t scheme = s.find("://"); scheme != std::string::npos) s.erase(0, scheme + 3);
  if (size_t cut = s.find_first_of("/?#"); cut != std::string::npos) s.erase(cut);
  if (size_t user = s.rfind('@'); user != std::string::npos) s.erase(0, user + 1);
  if (size_t port = s.find(':'); port != std::string::npos) s.erase(port);
  while (!s.empty() && s.back() == '.') s.pop_back();
  if (s.starts_with("www.")) s.erase(0, 4);
  return ValidHost(s) ? s : std::string();
}

std::string CompanyDomainFromEmail(std::string_view email) {
  const size_t at = email.rfind('@');
  if (at == std::string_view::npos) return {};
  std::string domain = DomainFromWebsite(email.substr(at + 1));
  const EmailLists& lists = Lists();
  if (domain.empty() || lists.mail.contains(domain) || lists.disposable.contains(domain)) return {};
  return domain;
}

namespace {

void Set(std::string& field, std::string value, int64_t id, std::string_view name,
         std::vector<FieldChange>& changes, size_t& n) {
  if (field == value) return;
  changes.push_back({id, std::string(name), std::move(field), value});
  field = std::move(value);
  ++n;
}

}  // namespace

size_t StandardizeContact(ContactFields& c, std::vector<FieldChange>& changes) {
  size_t n = 0;
  const EmailInfo email = StandardizeEmail(c.email);
  Set(c.email, email.email, c.id, "email", changes, n);
  Set(c.email_status, email.status == "empty" ? std::string() : email.status, c.id, "email_status",
      changes, n);
  Set(c.email_suggestion, email.suggestion, c.id, "email_suggestion", changes, n);
  Set(c.first_name, ProperCaseName(c.first_name), c.id, "first_name", changes, n);
  Set(c.last_name, ProperCaseName(c.last_name), c.id, "last_name", changes, n);
  Set(c.title, core::CollapseSpaces(c.title), c.id, "title", changes, n);
  Set(c.company_name, core::CollapseSpaces(c.company_name), c.id, "company_name", changes, n);
  if (std::string level = NormalizeSeniority(c.seniority); !level.empty()) {
    Set(c.seniority, std::move(level), c.id, "seniority", changes, n);
  }
  if (std::string dept = NormalizeDepartment(c.department); !dept.empty()) {
    Set(c.department, std::move(dept), c.id, "department", changes, n);
  }
  if (!c.title.empty() && (c.seniority.empty() || c.department.empty())) {
    TitleInfo t = ClassifyTitle(c.title);
    if (c.seniority.empty())
      Set(c.seniority, std::move(t.seniority), c.id, "seniority", changes, n);
    if (c.department.empty()) {
      Set(c.department, std::move(t.department), c.id, "department", changes, n);
    }
  }
  std::optional<std::string> country = CountryCode(c.country);
  Set(c.country, country ? *country : core::CollapseSpaces(c.country), c.id, "country", changes, n);
  if (country) {
    std::optional<std::string> state = SubdivisionCode(c.state, *country);
    Set(c.state, state ? *state : core::CollapseSpaces(c.state), c.id, "state", changes, n);
  } else {
    Set(c.state, core::CollapseSpaces(c.state), c.id, "state", changes, n);
  }
  if (c.phone_valid && IsStandardPhone(c.phone)) return n;
  PhoneInfo phone = StandardizePhone(c.phone, country ? *country : std::string());
  Set(c.phone, std::move(phone.phone), c.id, "phone", changes, n);
  Set(c.phone_type, std::move(phone.type), c.id, "phone_type", changes, n);
  const std::optional<int64_t> valid =
      c.phone.empty() ? std::nullopt : std::optional<int64_t>(phone.valid ? 1 : 0);
  if (valid != c.phone_valid) {
    changes.push_back({c.id, "phone_valid", c.phone_valid ? std::to_string(*c.phone_valid) : "",
                       valid ? std::to_string(*valid) : ""});
    c.phone_valid = valid;
    ++n;
  }
  return n;
}

size_t StandardizeAccount(AccountFields& a, std::vector<FieldChange>& changes) {
  size_t n = 0;
  Set(a.name, core::CollapseSpaces(a.name), a.id, "name", changes, n);
  Set(a.website, std::string(core::Trim(a.website)), a.id, "website", changes, n);
  std::string domain = DomainFromWebsite(a.domain);
  if (domain.empty()) domain = DomainFromWebsite(a.website);
  if (domain.empty()) domain = core::CollapseSpaces(a.domain);
  Set(a.domain, std::move(domain), a.id, "domain", changes, n);
  Set(a.company_key, CompanyKey(a.name), a.id, "company_key", changes, n);
  std::optional<std::string> country = CountryCode(a.country);
  Set(a.country, country ? *country : core::CollapseSpaces(a.country), a.id, "country", changes, n);
  std::optional<std::string> state =
      country ? SubdivisionCode(a.state, *country) : std::optional<std::string>();
  Set(a.state, state ? *state : core::CollapseSpaces(a.state), a.id, "state", changes, n);
  return n;
}

namespace {

template <typename Record, typename Fn>
std::vector<std::vector<FieldChange>> InParallel(std::span<Record> records, int threads, Fn fn) {
  std::vector<std::vector<FieldChange>> changes(records.size());
  if (threads <= 0) {
    threads = static_cast<int>(std::min(8u, std::max(1u, std::thread::hardware_concurrency())));
  }
  // Below a few thousand records a thread costs more than it saves.
  threads =
      static_cast<int>(std::min<size_t>(static_cast<size_t>(threads), records.size() / 2048 + 1));
  auto work = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) fn(records[i], changes[i]);
  };
  if (threads == 1) {
    work(0, records.size());
    return changes;
  }
  std::vector<std::jthread> pool;
  const size_t chunk =
      (records.size() + static_cast<size_t>(threads) - 1) / static_cast<size_t>(threads);
  for (int t = 0; t < threads; ++t) {
    const size_t begin = static_cast<size_t>(t) * chunk;
    const size_t end = std::min(records.size(), begin + chunk);
    if (begin < end) pool.emplace_back(work, begin, end);
  }
  pool.clear();  // joins: every thread is done before `changes` is handed back
  return changes;
}

}  // namespace

std::vector<std::vector<FieldChange>> StandardizeContacts(std::span<ContactFields> contacts,
                                                          int threads) {
  return InParallel(contacts, threads, [](ContactFields& c, std::vector<FieldChange>& out) {
    StandardizeContact(c, out);
  });
}

std::vector<std::vector<FieldChange>> StandardizeAccounts(std::span<AccountFields> accounts,
                                                          int threads) {
  return InParallel(accounts, threads, [](AccountFields& a, std::vector<FieldChange>& out) {
    StandardizeAccount(a, out);
  });
}

}  // namespace mops::quality
