// Fuzz target: the quality config parser and the value standardizers, fed
// the same bytes. Beyond "no crash, no exception": a config that parses
// checks a small table without failing; standardizing twice changes nothing
// the second time; a country code found maps to a name.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "quality/engine.h"

namespace {

#define FUZZ_CHECK(cond, what)                                 \
  do {                                                         \
    if (!(cond)) {                                             \
      std::fprintf(stderr, "quality_fuzz: %s failed\n", what); \
      std::abort();                                            \
    }                                                          \
  } while (false)

const char* const kSeeds[] = {
    "rules:\n  - name: r\n    entity: contacts\n    type: required\n    fields: [email]\n",
    "rules:\n  - {name: p, entity: accounts, type: pattern, field: domain, pattern: '[a-z]+'}\n"
    "merge:\n  survivor: oldest\n  fields: {email: union}\n",
    "rules:\n  - name: c\n    entity: contacts\n    type: cross_field\n    when: {field: a, in: "
    "[x]}\n"
    "    require: [b]\n  - {name: s, entity: contacts, type: stale, days: 3}\n",
    "Jane.O'Brien@Gmial.com",
    "+44 (0)20 7946 0958 ext. 12",
    "U.S.A.",
    "mcdonald-van der berg III",
    "The Acme Corp., Inc. & Co.",
};

}  // namespace

extern "C" size_t MopsFuzzSeeds(const char* const** seeds) {
  *seeds = kSeeds;
  return sizeof(kSeeds) / sizeof(kSeeds[0]);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mops::quality;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto config = ParseQualityConfig(input, "fuzz");
  if (config) {
    RecordTable table;
    table.entity = "contacts";
    table.fields = RuleFields(config->rules, "contacts");
    table.values.assign(table.fields.size(), {"", std::string(input.substr(0, 16))});
    table.ids = {1, 2};
    table.source_system = {"a", "b"};
    table.updated_at = {0, 1};
    CheckResult r = CheckRecords(table, config->rules, 100);
    for (const EntityScore& s : r.scores) FUZZ_CHECK(s.score >= 0 && s.score <= 100, "score range");
  }
  if (size > 512) return 0;
  ContactFields c;
  c.email = c.first_name = c.last_name = c.title = c.phone = c.company_name = c.country = c.state =
      std::string(input);
  std::vector<FieldChange> changes;
  StandardizeContact(c, changes);
  changes.clear();
  if (StandardizeContact(c, changes) != 0) {
    for (const FieldChange& ch : changes) {
      std::fprintf(stderr, "second pass changed %s: [%s] -> [%s]\n", ch.field.c_str(),
                   ch.before.c_str(), ch.after.c_str());
    }
    FUZZ_CHECK(false, "standardize is idempotent");
  }
  AccountFields a;
  a.name = a.domain = a.website = a.country = a.state = std::string(input);
  StandardizeAccount(a, changes);
  changes.clear();
  if (StandardizeAccount(a, changes) != 0) {
    for (const FieldChange& ch : changes) {
      std::fprintf(stderr, "second pass changed %s: [%s] -> [%s]\n", ch.field.c_str(),
                   ch.before.c_str(), ch.after.c_str());
    }
    FUZZ_CHECK(false, "account standardize is idempotent");
  }
  if (auto code = CountryCode(input)) FUZZ_CHECK(!CountryName(*code).empty(), "country name");
  (void)CompanyKey(input);
  (void)DomainFromWebsite(input);
  (void)ClassifyTitle(input);
  return 0;
}
