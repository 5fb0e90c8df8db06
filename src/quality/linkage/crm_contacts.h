// Test and benchmark data: a CRM contacts export where colleagues share their
// company's switchboard number, office address, e-mail domain and sometimes a
// surname, with planted true duplicates (typos, nicknames, initials, changed
// or personal e-mails, phones in another format or damaged by a spreadsheet
// into scientific notation, company suffix variants). Columns follow a
// Salesforce Contact export (Id, FirstName, LastName, Email, Phone,
// Account Name, MailingStreet, MailingCity, MailingPostalCode); the people
// are invented. Deterministic for a given seed.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mops::quality::linkage::testing {

struct CrmContact {
  std::string id, first_name, last_name, email, phone, company, street, city, postcode;
};

struct CrmContacts {
  std::string csv;                 // header and one line per record
  std::vector<CrmContact> rows;    // the same records
  std::vector<std::string> ids;    // per record
  std::vector<std::string> truth;  // per record: the person it belongs to
};

namespace crm_detail {

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  double Uniform01() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Uniform01() < p; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  uint64_t s_;
};

struct First {
  std::string_view name;
  std::string_view nickname;  // empty: none
};
inline constexpr First kFirst[] = {
    {"Robert", "Bob"},
    {"William", "Bill"},
    {"James", "Jim"},
    {"Michael", "Mike"},
    {"Richard", "Rick"},
    {"Thomas", "Tom"},
    {"Christopher", "Chris"},
    {"Daniel", "Dan"},
    {"Matthew", "Matt"},
    {"Anthony", "Tony"},
    {"Joseph", "Joe"},
    {"Steven", "Steve"},
    {"Andrew", "Andy"},
    {"Jonathan", "Jon"},
    {"Nicholas", "Nick"},
    {"Alexander", "Alex"},
    {"Benjamin", "Ben"},
    {"Timothy", "Tim"},
    {"Kenneth", "Ken"},
    {"Edward", "Ted"},
    {"Charles", "Chuck"},
    {"Samuel", "Sam"},
    {"Patrick", "Pat"},
    {"Gregory", "Greg"},
    {"Jeffrey", "Jeff"},
    {"David", "Dave"},
    {"Kevin", ""},
    {"Brian", ""},
    {"Jason", ""},
    {"Ryan", ""},
    {"Eric", ""},
    {"Mark", ""},
    {"Elizabeth", "Liz"},
    {"Katherine", "Kate"},
    {"Jennifer", "Jen"},
    {"Margaret", "Peggy"},
    {"Patricia", "Trish"},
    {"Susan", "Sue"},
    {"Rebecca", "Becky"},
    {"Deborah", "Deb"},
    {"Samantha", "Sam"},
    {"Victoria", "Vicky"},
    {"Christine", "Chris"},
    {"Jessica", "Jess"},
    {"Alexandra", "Alex"},
    {"Kimberly", "Kim"},
    {"Stephanie", "Steph"},
    {"Abigail", "Abby"},
    {"Emily", ""},
    {"Sarah", ""},
    {"Laura", ""},
    {"Rachel", ""},
    {"Megan", ""},
    {"Olivia", ""},
    {"Emma", ""},
    {"Hannah", ""},
    {"Grace", ""},
    {"Chloe", ""},
    {"Priya", ""},
    {"Rahul", ""},
    {"Ananya", ""},
    {"Arjun", ""},
    {"Wei", ""},
    {"Mei", ""},
    {"Hiroshi", ""},
    {"Yuki", ""},
    {"Lukas", ""},
    {"Anna", ""},
    {"Sophie", ""},
    {"Jose", ""},
    {"Maria", ""},
    {"Lars", ""},
    {"Niamh", ""},
    {"Oliver", "Ollie"},
    {"Harry", ""},
    {"Zoe", ""},
    {"John", "Johnny"},
    {"Jane", ""},
    {"Paul", ""},
    {"Peter", "Pete"},
};
// Common surnames first: drawn with a skew, so that colleagues share them.
inline constexpr std::string_view kCommonLast[] = {
    "Smith",  "Johnson",  "Williams", "Brown",  "Jones", "Garcia",  "Miller", "Davis",
    "Wilson", "Anderson", "Taylor",   "Thomas", "Moore", "Martin",  "Lee",    "Walker",
    "Clark",  "Lewis",    "Young",    "Hall",   "Allen", "King",    "Wright", "Scott",
    "Green",  "Baker",    "Adams",    "Nelson", "Hill",  "Campbell"};
inline constexpr std::string_view kHead[] = {"Al",  "Bar", "Cor", "Dun", "El",  "Fer", "Gal",
                                             "Har", "Ing", "Jan", "Kel", "Lin", "Mor", "Nor",
                                             "Ol",  "Par", "Ros", "Sal", "Tor", "Van", "Wes"};
inline constexpr std::string_view kTail[] = {"ton",  "ley",  "son", "man", "berg", "wood", "field",
                                             "ford", "well", "ova", "sen", "ski",  "wick", "dale"};
inline constexpr std::string_view kCompanyWords[] = {
    "Acme",   "Nova",   "Blue",  "Peak", "Iron",   "Star",   "Cloud",   "River", "North", "Bright",
    "Vertex", "Summit", "Cedar", "Echo", "Falcon", "Harbor", "Quantum", "Lumen", "Orbit", "Pixel"};
inline constexpr std::string_view kCompanyKinds[] = {"Labs",  "Systems",  "Software",  "Health",
                                                     "Media", "Partners", "Analytics", "Logistics"};
inline constexpr std::string_view kStreets[] = {"Main",  "Oak",    "Market", "Park",  "Harbor",
                                                "Elm",   "Cedar",  "Summit", "River", "Mill",
                                                "Union", "Church", "Water",  "King",  "Bridge"};
inline constexpr std::string_view kCities[] = {"Boston",  "Austin",  "Denver", "Chicago",
                                               "Seattle", "Atlanta", "Dallas", "Portland"};
inline constexpr std::string_view kFreeMail[] = {"gmail.com", "yahoo.com", "outlook.com",
                                                 "hotmail.com"};

inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline std::string Typo(std::string s, Rng& rng) {
  if (s.size() < 4) return s + s.back();
  const size_t i = 1 + rng.Below(s.size() - 2);
  switch (rng.Below(3)) {
    case 0:
      std::swap(s[i], s[i + 1]);
      break;
    case 1:
      s.erase(i, 1);
      break;
    default:
      s.insert(i, 1, s[i]);
  }
  return s;
}

// 10 digits as a spreadsheet shows them once it took them for a number with
// a country code: 1 + 10 digits -> "1.61755E+10".
inline std::string ExcelDamaged(std::string_view digits) {
  const std::string full = "1" + std::string(digits);
  return fmt::format("{}.{}E+{}", full[0], full.substr(1, 5), full.size() - 1);
}

inline std::string FormatPhone(std::string_view d, int style) {
  switch (style) {
    case 0:
      return fmt::format("({}) {}-{}", d.substr(0, 3), d.substr(3, 3), d.substr(6));
    case 1:
      return fmt::format("+1 {}-{}-{}", d.substr(0, 3), d.substr(3, 3), d.substr(6));
    case 2:
      return fmt::format("{}.{}.{}", d.substr(0, 3), d.substr(3, 3), d.substr(6));
    default:
      return std::string(d);
  }
}

inline std::string Quote(std::string_view s) {
  if (s.find_first_of(",\"\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace crm_detail

// About `accounts` x 8 people (accounts of 1 to 60 contacts, a few large),
// 20% of them with one or two duplicate records.
inline CrmContacts GenerateCrmContacts(int accounts, uint64_t seed = 7) {
  using namespace crm_detail;
  Rng rng(seed);
  CrmContacts out;
  out.csv =
      "Id,FirstName,LastName,Email,Phone,Account Name,MailingStreet,MailingCity,"
      "MailingPostalCode\n";
  int64_t next_id = 0;
  int64_t person = 0;
  const auto add = [&](std::string_view first, std::string_view last, std::string_view email,
                       std::string_view phone, std::string_view company, std::string_view street,
                       std::string_view city, std::string_view postcode) {
    const std::string id = fmt::format("003{:012d}", ++next_id);
    out.csv +=
        fmt::format("{},{},{},{},{},{},{},{},{}\n", id, Quote(first), Quote(last), Quote(email),
                    Quote(phone), Quote(company), Quote(street), Quote(city), Quote(postcode));
    out.rows.push_back({id, std::string(first), std::string(last), std::string(email),
                        std::string(phone), std::string(company), std::string(street),
                        std::string(city), std::string(postcode)});
    out.ids.push_back(id);
    out.truth.push_back(std::to_string(person));
  };
  for (int a = 0; a < accounts; ++a) {
    const std::string word1(rng.Pick(kCompanyWords)), word2(rng.Pick(kCompanyWords));
    const std::string company =
        fmt::format("{} {} {}", word1, word2 == word1 ? "Prime" : word2, rng.Pick(kCompanyKinds));
    const std::string domain = Lower(word1) + Lower(word2) + fmt::format("{}.com", a);
    const std::string switchboard =
        fmt::format("{}{:03}{:04}", 200 + rng.Below(800), rng.Below(1000), rng.Below(10000));
    const std::string street = fmt::format("{} {} {}", 1 + rng.Below(400), rng.Pick(kStreets),
                                           rng.Chance(0.5) ? "Street" : "Avenue");
    const std::string city(rng.Pick(kCities));
    const std::string postcode = fmt::format("{:05}", 10000 + rng.Below(89999));
    const int email_pattern = static_cast<int>(rng.Below(4));
    // Most accounts are small; one in ten has 20 to 60 contacts.
    const int size =
        rng.Chance(0.1) ? 20 + static_cast<int>(rng.Below(41)) : 1 + static_cast<int>(rng.Below(8));
    std::vector<std::string> surnames;
    std::vector<std::string> emails;
    for (int c = 0; c < size; ++c, ++person) {
      const First& first = rng.Pick(kFirst);
      std::string last;
      if (!surnames.empty() && rng.Chance(0.2)) {
        last = surnames[rng.Below(surnames.size())];
      } else if (rng.Chance(0.5)) {
        last = std::string(kCommonLast[rng.Below(rng.Chance(0.5) ? 8 : std::size(kCommonLast))]);
      } else {
        last = std::string(rng.Pick(kHead)) + std::string(rng.Pick(kTail));
      }
      surnames.push_back(last);
      const std::string f = Lower(first.name), l = Lower(last);
      std::string local = email_pattern == 0   ? f + "." + l
                          : email_pattern == 1 ? f.substr(0, 1) + l
                          : email_pattern == 2 ? f + l.substr(0, 1)
                                               : f + "_" + l;
      for (int n = 2; std::find(emails.begin(), emails.end(), local) != emails.end(); ++n) {
        local = (email_pattern == 0 ? f + "." + l : f.substr(0, 1) + l) + std::to_string(n);
      }
      emails.push_back(local);
      const std::string email = local + "@" + domain;
      // Switchboard for most; a direct line (same exchange) or a mobile otherwise.
      const double r = rng.Uniform01();
      const std::string digits =
          r < 0.55   ? switchboard
          : r < 0.85 ? switchboard.substr(0, 6) + fmt::format("{:04}", rng.Below(10000))
                     : fmt::format("{}{:03}{:04}", 200 + rng.Below(800), rng.Below(1000),
                                   rng.Below(10000));
      const int style = static_cast<int>(rng.Below(4));
      const std::string phone =
          rng.Chance(0.03) ? ExcelDamaged(digits) : FormatPhone(digits, style);
      add(first.name, last, email, phone, company, street, city, postcode);

      const int dups = rng.Chance(0.2) ? (rng.Chance(0.2) ? 2 : 1) : 0;
      for (int d = 0; d < dups; ++d) {
        std::string df(first.name), dl = last, de = email, dp = phone, dc = company;
        std::string ds = street, dcity = city, dpost = postcode;
        const double fr = rng.Uniform01();
        if (fr < 0.3 && !first.nickname.empty()) {
          df = first.nickname;
        } else if (fr < 0.38) {
          df = std::string(first.name.substr(0, 1)) + ".";
        } else if (fr < 0.48) {
          df = Typo(df, rng);
        }
        if (rng.Chance(0.2)) dl = Typo(dl, rng);
        if (rng.Chance(0.05)) dl = Lower(dl);
        const double er = rng.Uniform01();
        if (er < 0.15) {
          de = local;
          de[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(de[0])));
          de += "@" + domain;
        } else if (er < 0.40) {
          de = f + "." + l + "@" + std::string(rng.Pick(kFreeMail));
        } else if (er < 0.55) {
          de.clear();
        } else if (er < 0.60) {
          // A changed address at the same company (a new naming scheme).
          de = f.substr(0, 1) + "." + l + "@" + domain;
        }
        const double pr = rng.Uniform01();
        if (pr < 0.35) {
          dp = FormatPhone(digits, static_cast<int>(rng.Below(4)));
        } else if (pr < 0.50) {
          dp = ExcelDamaged(digits);
        } else if (pr < 0.65) {
          dp.clear();
        } else if (pr < 0.80) {
          dp = FormatPhone(switchboard, static_cast<int>(rng.Below(4)));
        }
        if (rng.Chance(0.3)) dc += rng.Chance(0.5) ? ", Inc." : " LLC";
        if (rng.Chance(0.1)) dc = Typo(dc, rng);
        const double sr = rng.Uniform01();
        if (sr < 0.2) {
          ds.clear();
          dpost.clear();
        } else if (sr < 0.3) {
          const size_t at = ds.rfind(' ');
          ds = ds.substr(0, at) + (ds.ends_with("Street") ? " St." : " Ave");
        }
        if (rng.Chance(0.1)) dcity.clear();
        add(df, dl, de, dp, dc, ds, dcity, dpost);
      }
    }
  }
  return out;
}

}  // namespace mops::quality::linkage::testing
