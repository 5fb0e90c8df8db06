// Inference from the workspace: a contact from its account, the country
// from the phone, the time zone from country and state, seniority,
// department and job function from the title, an account's domain from its
// website or its contacts' addresses (engine).
#include <fmt/compile.h>
#include <fmt/format.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <unordered_map>

#include "core/strings.h"
#include "quality/engine.h"
#include "quality/enrich/enrich.h"

namespace mops::quality::enrich {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// Countries with one time zone for (nearly) all of their people.
constexpr std::pair<std::string_view, std::string_view> kCountryZones[] = {
    {"GB", "Europe/London"},      {"IE", "Europe/Dublin"},
    {"DE", "Europe/Berlin"},      {"FR", "Europe/Paris"},
    {"ES", "Europe/Madrid"},      {"IT", "Europe/Rome"},
    {"NL", "Europe/Amsterdam"},   {"BE", "Europe/Brussels"},
    {"CH", "Europe/Zurich"},      {"AT", "Europe/Vienna"},
    {"SE", "Europe/Stockholm"},   {"NO", "Europe/Oslo"},
    {"DK", "Europe/Copenhagen"},  {"FI", "Europe/Helsinki"},
    {"PL", "Europe/Warsaw"},      {"CZ", "Europe/Prague"},
    {"PT", "Europe/Lisbon"},      {"GR", "Europe/Athens"},
    {"HU", "Europe/Budapest"},    {"RO", "Europe/Bucharest"},
    {"LU", "Europe/Luxembourg"},  {"EE", "Europe/Tallinn"},
    {"LV", "Europe/Riga"},        {"LT", "Europe/Vilnius"},
    {"IS", "Atlantic/Reykjavik"}, {"TR", "Europe/Istanbul"},
    {"UA", "Europe/Kyiv"},        {"IL", "Asia/Jerusalem"},
    {"IN", "Asia/Kolkata"},       {"JP", "Asia/Tokyo"},
    {"KR", "Asia/Seoul"},         {"CN", "Asia/Shanghai"},
    {"SG", "Asia/Singapore"},     {"HK", "Asia/Hong_Kong"},
    {"TW", "Asia/Taipei"},        {"AE", "Asia/Dubai"},
    {"SA", "Asia/Riyadh"},        {"PH", "Asia/Manila"},
    {"TH", "Asia/Bangkok"},       {"VN", "Asia/Ho_Chi_Minh"},
    {"MY", "Asia/Kuala_Lumpur"},  {"ZA", "Africa/Johannesburg"},
    {"NG", "Africa/Lagos"},       {"KE", "Africa/Nairobi"},
    {"EG", "Africa/Cairo"},       {"NZ", "Pacific/Auckland"},
    {"CO", "America/Bogota"},     {"PE", "America/Lima"},
    {"CL", "America/Santiago"},   {"AR", "America/Argentina/Buenos_Aires"},
};

// States and provinces of the countries that span zones. `split`: part of
// the state lies in another zone.
struct StateZone {
  std::string_view zone;
  std::string_view states;  // space-separated ISO 3166-2 suffixes
  bool split;
};
constexpr StateZone kUsZones[] = {
    {"America/New_York", "CT DE DC GA ME MD MA NH NJ NY NC OH PA RI SC VT VA WV", false},
    {"America/New_York", "FL IN KY MI", true},
    {"America/Chicago", "AL AR IL IA LA MN MS MO OK WI", false},
    {"America/Chicago", "KS NE ND SD TN TX", true},
    {"America/Denver", "CO MT NM UT WY", false},
    {"America/Boise", "ID", true},
    {"America/Phoenix", "AZ", false},
    {"America/Los_Angeles", "CA NV WA", false},
    {"America/Los_Angeles", "OR", true},
    {"America/Anchorage", "AK", true},
    {"Pacific/Honolulu", "HI", false},
};
constexpr StateZone kCaZones[] = {
    {"America/Toronto", "ON QC", true},   {"America/Vancouver", "BC", true},
    {"America/Edmonton", "AB", false},    {"America/Winnipeg", "MB", false},
    {"America/Regina", "SK", true},       {"America/Halifax", "NS NB PE", false},
    {"America/St_Johns", "NL", true},     {"America/Whitehorse", "YT", false},
    {"America/Yellowknife", "NT", false}, {"America/Iqaluit", "NU", true},
};
constexpr StateZone kAuZones[] = {
    {"Australia/Sydney", "NSW ACT", false}, {"Australia/Melbourne", "VIC", false},
    {"Australia/Hobart", "TAS", false},     {"Australia/Brisbane", "QLD", false},
    {"Australia/Adelaide", "SA", false},    {"Australia/Perth", "WA", false},
    {"Australia/Darwin", "NT", false},
};
constexpr StateZone kBrZones[] = {
    {"America/Sao_Paulo", "SP RJ MG PR RS SC ES DF GO", false},
};

// Keywords of a title (lower case, first match wins) and the job function.
constexpr std::pair<std::string_view, std::string_view> kFunctions[] = {
    {"demand gen", "demand_generation"},
    {"marketing operations", "marketing_operations"},
    {"marketing ops", "marketing_operations"},
    {"product marketing", "product_marketing"},
    {"content", "content_marketing"},
    {"brand", "brand_marketing"},
    {"field marketing", "field_marketing"},
    {"event", "field_marketing"},
    {"digital marketing", "digital_marketing"},
    {"seo", "digital_marketing"},
    {"paid media", "digital_marketing"},
    {"growth", "growth_marketing"},
    {"revenue operations", "revenue_operations"},
    {"revops", "revenue_operations"},
    {"sales operations", "revenue_operations"},
    {"sales development", "sales_development"},
    {"business development", "sales_development"},
    {"sdr", "sales_development"},
    {"bdr", "sales_development"},
    {"account executive", "sales_execution"},
    {"account manager", "account_management"},
    {"customer success", "customer_success"},
    {"security", "security"},
    {"data", "data_analytics"},
    {"analytics", "data_analytics"},
    {"software", "software_engineering"},
    {"developer", "software_engineering"},
    {"engineer", "software_engineering"},
    {"product manager", "product_management"},
    {"product owner", "product_management"},
    {"design", "design"},
    {"ux", "design"},
    {"controller", "finance"},
    {"accounting", "finance"},
    {"recruit", "talent_acquisition"},
    {"talent", "talent_acquisition"},
    {"counsel", "legal"},
    {"legal", "legal"},
    {"chief executive", "general_management"},
    {"ceo", "general_management"},
    {"founder", "general_management"},
    {"president", "general_management"},
    {"managing director", "general_management"},
};

bool HasWord(std::string_view text, std::string_view word) {
  size_t pos = 0;
  while ((pos = text.find(word, pos)) != std::string_view::npos) {
    const bool start = pos == 0 || !std::isalnum(static_cast<unsigned char>(text[pos - 1]));
    const size_t end = pos + word.size();
    // A keyword may be a word's beginning ("engineer" in "engineering").
    if (start && (word.size() > 3 || end == text.size() ||
                  !std::isalnum(static_cast<unsigned char>(text[end])))) {
      return true;
    }
    ++pos;
  }
  return false;
}

// "+49…": the country code, not the whole number (reasons are shown widely).
std::string ShortPhone(int country_code) { return fmt::format("+{}…", country_code); }

void Add(std::vector<Candidate>& out, int field, std::string_view value, double confidence,
         std::string_view reason) {
  if (value.empty()) return;
  Candidate c;
  c.field = field;
  c.value = std::string(value);
  c.source = std::string(kInferred);
  c.confidence = confidence;
  c.reason = std::string(reason);
  out.push_back(std::move(c));
}

}  // namespace

namespace {

// Results of a pure function memoized per distinct key, per thread (the
// engines run on every core). Bounded: emptied when it reaches `kLimit`.
template <typename V>
struct Memo {
  static constexpr size_t kLimit = size_t{1} << 18;
  std::unordered_map<std::string, V> map;
  template <typename F>
  const V& Get(std::string_view key, F&& compute) {
    if (auto it = map.find(std::string(key)); it != map.end()) return it->second;
    if (map.size() >= kLimit) map.clear();
    return map.emplace(std::string(key), compute()).first->second;
  }
};

// The number as libphonenumber reads it: "+" and digits, "00" as "+";
// empty when it has no country code.
std::string PhoneDigits(std::string_view phone) {
  std::string_view text = core::Trim(phone);
  if (const size_t ext = text.find(";ext="); ext != std::string_view::npos) {
    text = text.substr(0, ext);
  }
  std::string digits;
  for (char c : text) {
    if (core::IsAsciiDigit(c) || (c == '+' && digits.empty())) digits.push_back(c);
  }
  if (digits.starts_with("00")) digits = "+" + digits.substr(2);
  if (!digits.starts_with("+") || digits.size() < 8) return {};
  return digits;
}

std::string RegionOfDigits(const std::string& digits) {
  static const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(digits, "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) return {};
  if (!util.IsValidNumber(number)) return {};
  std::string region;
  util.GetRegionCodeForNumber(number, &region);
  if (region == "ZZ" || region == "001") return {};
  return region;
}

// The country a phone number gives, with the reason, per distinct number
// (libphonenumber's parse and validation cost most of a contact's
// inference; a workspace repeats switchboard numbers).
struct PhoneCountry {
  std::string region, reason;
};
const PhoneCountry& PhoneCountryOf(std::string_view phone) {
  thread_local Memo<PhoneCountry> memo;
  const std::string digits = PhoneDigits(phone);
  return memo.Get(digits, [&] {
    PhoneCountry out;
    if (digits.empty()) return out;
    out.region = RegionOfDigits(digits);
    if (!out.region.empty()) {
      static const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
      out.reason = fmt::format("phone {}: {}", ShortPhone(util.GetCountryCodeForRegion(out.region)),
                               out.region);
    }
    return out;
  });
}

}  // namespace

std::string PhoneRegion(std::string_view phone) {
  const std::string digits = PhoneDigits(phone);
  if (digits.empty()) return {};
  return RegionOfDigits(digits);
}

std::pair<std::string, double> TimeZoneFor(std::string_view country, std::string_view state) {
  const std::string cc = core::ToUpper(core::Trim(country));
  if (cc.empty()) return {};
  for (const auto& [code, zone] : kCountryZones) {
    if (code == cc) return {std::string(zone), 0.95};
  }
  std::span<const StateZone> zones;
  if (cc == "US") zones = kUsZones;
  if (cc == "CA") zones = kCaZones;
  if (cc == "AU") zones = kAuZones;
  if (cc == "BR") zones = kBrZones;
  if (zones.empty()) return {};
  std::string_view st = core::Trim(state);
  if (st.size() > cc.size() + 1 && core::IStartsWith(st, cc + "-")) st = st.substr(cc.size() + 1);
  if (st.empty()) return {};
  const std::string suffix = core::ToUpper(st);
  for (const StateZone& z : zones) {
    for (std::string_view s : core::Split(z.states, ' ')) {
      if (s == suffix) return {std::string(z.zone), z.split ? 0.8 : 0.95};
    }
  }
  return {};
}

std::string JobFunction(std::string_view title) {
  const std::string lower = core::ToLower(core::Trim(title));
  if (lower.empty()) return {};
  for (const auto& [word, function] : kFunctions) {
    if (HasWord(lower, word)) return std::string(function);
  }
  const std::string department = ClassifyTitle(title).department;
  if (department.empty() || department == "other" || department == "executive") return {};
  return department;
}

std::string AccountReason(const AccountView& account) {
  return fmt::format(FMT_COMPILE("account #{} ({})"), account.id, account.name);
}

void InferContact(std::span<const std::string> values, const AccountLink& link,
                  std::vector<Candidate>& out) {
  if (link.account != nullptr) {
    const AccountView& a = *link.account;
    std::string formatted;
    if (link.method != "account_id") {
      formatted =
          fmt::format(FMT_COMPILE("account #{} ({}) matched by {}"), a.id, a.name, link.method);
    } else if (a.reason.empty()) {
      formatted = AccountReason(a);
    }
    const std::string& why = formatted.empty() ? a.reason : formatted;
    constexpr std::pair<int, int> kFromAccount[] = {
        {kCIndustry, kAIndustry}, {kCEmployees, kAEmployees}, {kCAnnualRevenue, kAAnnualRevenue},
        {kCCountry, kACountry},   {kCState, kAState},         {kCCity, kACity}};
    for (const auto& [cf, af] : kFromAccount) {
      if (static_cast<size_t>(af) < a.values.size()) {
        Add(out, cf, a.values[af], link.confidence, why);
      }
    }
    Add(out, kCCompanyName, a.name, link.confidence, why);
  }
  const std::string& phone = values[kCPhone];
  if (!phone.empty()) {
    const PhoneCountry& pc = PhoneCountryOf(phone);
    if (!pc.region.empty()) Add(out, kCCountry, pc.region, 0.9, pc.reason);
  }
}

namespace {

// What a title says (seniority, department, job function), per distinct title.
struct TitleFacts {
  std::string seniority, department, function, why;
};
const TitleFacts& TitleFactsOf(const std::string& title) {
  thread_local Memo<TitleFacts> memo;
  return memo.Get(title, [&] {
    TitleFacts t;
    TitleInfo info = ClassifyTitle(title);
    t.seniority = std::move(info.seniority);
    if (info.department != "other") t.department = std::move(info.department);
    t.function = JobFunction(title);
    t.why = fmt::format("title '{}'", title.substr(0, 60));
    return t;
  });
}

// The time zone a country and state give, per distinct pair.
struct ZoneFacts {
  std::string zone, why;
  double confidence = 0;
};
const ZoneFacts& ZoneFactsOf(const std::string& country_raw, const std::string& state_raw) {
  thread_local Memo<ZoneFacts> memo;
  std::string key = country_raw;
  key.push_back('\x1f');
  key += state_raw;
  return memo.Get(key, [&] {
    ZoneFacts z;
    const std::string country = CountryCode(country_raw).value_or("");
    if (country.empty()) return z;
    const std::string state = SubdivisionCode(state_raw, country).value_or("");
    auto [zone, confidence] = TimeZoneFor(country, state);
    z.zone = std::move(zone);
    z.confidence = confidence;
    z.why = state.empty() || confidence == 0 ? fmt::format("country {}", country)
                                             : fmt::format("country {}, state {}", country, state);
    return z;
  });
}

}  // namespace

void DerivedCandidates(std::span<const std::string> values, std::vector<Candidate>& out) {
  const std::string& title = values[kCTitle];
  if (!title.empty()) {
    const TitleFacts& t = TitleFactsOf(title);
    Add(out, kCSeniority, t.seniority, 0.8, t.why);
    Add(out, kCDepartment, t.department, 0.8, t.why);
    Add(out, kCJobFunction, t.function, 0.75, t.why);
  }
  if (!values[kCCountry].empty()) {
    const ZoneFacts& z = ZoneFactsOf(values[kCCountry], values[kCState]);
    Add(out, kCTimeZone, z.zone, z.confidence, z.why);
  }
}

void InferAccount(std::string_view website, std::span<const std::string> contact_domains,
                  std::vector<Candidate>& out) {
  const std::string from_site = DomainFromWebsite(website);
  if (!from_site.empty()) {
    Add(out, kADomain, from_site, 0.95,
        fmt::format("website {}", std::string(core::Trim(website)).substr(0, 80)));
    return;
  }
  std::string agreed;
  int64_t n = 0;
  for (const std::string& d : contact_domains) {
    if (d.empty()) continue;
    if (agreed.empty()) agreed = d;
    if (d != agreed) return;  // contacts disagree: no evidence
    ++n;
  }
  if (n == 0) return;
  const double confidence = std::min(0.9, 0.6 + 0.1 * static_cast<double>(n));
  Add(out, kADomain, agreed, confidence,
      fmt::format("{} contact address{} @{}", n, n == 1 ? "" : "es", agreed));
}

}  // namespace mops::quality::enrich
