// Fuzz target: the enrichment config parser and the vendor file reader, fed
// the same bytes (and the bytes after each known header, so the reader gets
// past detection). Beyond "no crash, no exception": a config that parses has
// sources for every field, all of them known; every row read has a line
// inside the file and the waterfall decides on its candidates.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "quality/enrich/enrich.h"

namespace {

#define FUZZ_CHECK(cond, what)                                \
  do {                                                        \
    if (!(cond)) {                                            \
      std::fprintf(stderr, "enrich_fuzz: %s failed\n", what); \
      std::abort();                                           \
    }                                                         \
  } while (false)

const char* const kSeeds[] = {
    "sources:\n  employees: [zoominfo, apollo, inferred]\noverwrite: [contacts.title]\n",
    "stale_after_days: 30\ntolerance: 3\nsources: {contacts.country: [inferred]}\n",
    "Jane,Doe,jane@acme.com,Acme,\"1,200\",Germany,+49 30 901820\n",
    "1,O'Brien,x,\"VP-Level\",,10,001+,$12.5M,,United States,CA\nTotal: 1,,,\n",
};

}  // namespace

extern "C" size_t MopsFuzzSeeds(const char* const** seeds) {
  *seeds = kSeeds;
  return sizeof(kSeeds) / sizeof(kSeeds[0]);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mops::quality::enrich;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto config = ParseEnrichmentConfig(input, "fuzz")) {
    for (std::string_view entity : {"contacts", "accounts"}) {
      for (size_t f = 0; f < FieldNames(entity).size(); ++f) {
        for (const std::string& s : config->SourcesFor(entity, static_cast<int>(f))) {
          FUZZ_CHECK(IsSource(s), "known source");
        }
      }
    }
  }
  if (size > 4096) return 0;
  const std::string headers[] = {
      "",
      "ZoomInfo Contact ID,First Name,Last Name,Email Address,Company Name,Employees,Country,"
      "Direct Phone Number,Revenue (in 000s USD),Person State\n",
      "Company,Website,# Employees,Annual Revenue,Company Country,Apollo Account Id\n",
      "First Name;Last Name;Business Email;Direct Dial;Company Size;Country\n"};
  for (const std::string& header : headers) {
    const std::string text = header + std::string(input);
    auto file = ReadVendorFile(text, "fuzz.csv", {});
    if (!file) continue;
    std::vector<Candidate> candidates;
    for (const VendorRow& row : file->rows) {
      FUZZ_CHECK(row.line >= 1, "row line");
      VendorCandidates(row, file->source, file->entity, 0.95, "email", candidates);
    }
    const std::vector<std::string> order = {file->source, "inferred"};
    for (const Candidate& c : candidates) {
      const auto names = FieldNames(file->entity);
      FUZZ_CHECK(c.field >= 0 && static_cast<size_t>(c.field) < names.size(), "field index");
      (void)DecideField(file->entity, 1, names[c.field], "", "", {&c, 1}, order, false, 2);
    }
  }
  return 0;
}
