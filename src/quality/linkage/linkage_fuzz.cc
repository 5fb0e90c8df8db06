// Fuzz target for the linkage config parser, blocking keys, normalizers and
// comparators: outside input must give a value or an Error, never a crash,
// and the comparators' invariants must hold on any bytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "quality/linkage/linkage.h"

namespace {

namespace lk = mops::quality::linkage;

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" size_t MopsFuzzSeeds(const char* const** seeds) {
  static const char* const kSeeds[] = {
      "id: rec_id\nfields:\n  - {name: a, type: name}\nblocking:\n  - soundex(a)\n",
      "fields:\n  - {name: e, type: email}\n  - {name: p, type: phone}\nthreshold: 0.8\n",
      "fields: [{name: d, type: date}, {name: c, type: company, term_frequency: true}]\n"
      "blocking: [\"d + prefix3(c)\", \"last7(d)\"]\n",
      "fields:\n  - {name: a, type: fuzzy}\n",
      "Bob.Smith@Acme.COM\n(415) 555-0100 x12\nAcme, Inc.\n1956-04-09\n",
  };
  *seeds = kSeeds;
  return sizeof(kSeeds) / sizeof(kSeeds[0]);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto config = lk::ParseConfig(input, "fuzz.yaml");
  if (config) {
    Check(!config->fields.empty());
    Check(config->threshold > 0 && config->threshold < 1);
    Check(lk::PipelineFor(*config).has_value());
  } else {
    Check(!config.error().message.empty());
  }
  if (size > 512) return 0;
  // Two halves as two values of every type.
  const std::string_view a = input.substr(0, size / 2), b = input.substr(size / 2);
  for (lk::Comparison c :
       {lk::Comparison::kExact, lk::Comparison::kName, lk::Comparison::kText,
        lk::Comparison::kEmail, lk::Comparison::kPhone, lk::Comparison::kDate,
        lk::Comparison::kNumber, lk::Comparison::kCompany, lk::Comparison::kDomain}) {
    const std::string na = lk::NormalizeValue(c, a), nb = lk::NormalizeValue(c, b);
    const int level = lk::CompareValues(c, na, nb);
    Check(level >= 0 && level < lk::LevelCount(c));
    Check(level == lk::CompareValues(c, na, nb));
    if (!na.empty()) Check(lk::CompareValues(c, na, na) == 1);
  }
  const double jw = lk::JaroWinkler(a, b);
  Check(jw >= 0 && jw <= 1 + 1e-12);
  Check(lk::JaroWinkler(a, b) == lk::JaroWinkler(b, a));
  Check(lk::DamerauLevenshtein(a, b) == lk::DamerauLevenshtein(b, a));
  const std::string s = lk::Soundex(a);
  Check(s.empty() || s.size() == 4);
  return 0;
}
