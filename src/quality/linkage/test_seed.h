// Test helper: contacts with planted duplicates in a workspace.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "store/database.h"

namespace mops::quality::linkage::testing {

inline int64_t AddContact(store::Database& db, const std::string& ext, const std::string& email,
                          const std::string& first, const std::string& last,
                          const std::string& phone, const std::string& company,
                          const std::string& city) {
  auto rows = db.Query(
      "INSERT INTO contacts (source_system, external_id, email, first_name, last_name, phone, "
      "company_name, city) VALUES ('test', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      std::vector<store::Value>{ext, email, first, last, phone, company, city});
  EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
  return rows ? store::AsInt(rows->rows[0][0]) : 0;
}

struct Seeded {
  std::vector<int64_t> ids;        // one record per person
  std::vector<int64_t> dup_ids;    // the second records
  std::vector<int64_t> originals;  // the person's first record, per dup_ids entry
};

// 240 people (distinct names) at 40 companies; 30 of them have a second
// record with a nickname, a personal e-mail or another phone format.
inline Seeded SeedContacts(store::Database& db) {
  static const char* kFirst[] = {
      "Robert", "William", "Katherine", "James", "Elizabeth", "Michael", "Jennifer", "David",
      "Susan",  "Thomas",  "Priya",     "Lukas", "Mei",       "Oliver",  "Sarah",    "Daniel"};
  static const char* kLast[] = {"Hartley", "Okafor",   "Lindqvist", "Moreau",  "Tanaka",
                                "Brennan", "Castillo", "Novak",     "Fischer", "Walsh",
                                "Ibsen",   "Romano",   "Kowalski",  "Dubois",  "Haddad"};
  static const char* kCity[] = {"Boston", "Denver", "London", "Berlin", "Austin"};
  static const char* kNick[] = {"Bob", "Bill", "Kate",  "Jim",   "Liz", "Mike",  "Jen",   "Dave",
                                "Sue", "Tom",  "Priya", "Lukas", "Mei", "Ollie", "Sarah", "Dan"};
  Seeded out;
  for (int p = 0; p < 240; ++p) {
    const int f = p % 16, l = (p / 16) % 15, c = (p * 7) % 40;
    const std::string first = kFirst[f], last = kLast[l];
    const std::string domain = "company" + std::to_string(c) + ".com";
    std::string lower_first = first, lower_last = last;
    for (char& ch : lower_first) ch = static_cast<char>(std::tolower(ch));
    for (char& ch : lower_last) ch = static_cast<char>(std::tolower(ch));
    const std::string email = lower_first + "." + lower_last + std::to_string(p) + "@" + domain;
    const std::string phone = "617555" + std::to_string(1000 + p);
    const std::string company = "Company " + std::to_string(c) + " Labs";
    const std::string city = kCity[c % 5];
    out.ids.push_back(
        AddContact(db, "c" + std::to_string(p), email, first, last, phone, company, city));
    if (p % 8 == 0) {
      const std::string dup_email =
          p % 16 == 0 ? email : lower_first + "." + lower_last + std::to_string(p) + "@gmail.com";
      out.dup_ids.push_back(AddContact(db, "d" + std::to_string(p), dup_email, kNick[f], last,
                                       "+1 (617) 555-" + std::to_string(1000 + p),
                                       company + ", Inc.", city));
      out.originals.push_back(out.ids.back());
    }
  }
  return out;
}

}  // namespace mops::quality::linkage::testing
