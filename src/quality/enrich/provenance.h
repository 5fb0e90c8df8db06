// How a record's provenance is stored (enrichment_provenance.fields), and
// read back as the object the record routes, the stale listing and the
// dashboard show: field -> {source, vendor_record_id, confidence, reason,
// at, at_unix, run}.
//
// Stored compactly, as a JSON array:
//
//   [2, [[run, at_unix, {"field": fact, ...}], ...],
//       [[source, vendor_record_id, confidence, reason], ...]]
//
// one group per run that set some of the record's fields (a run's time is
// written once), and each distinct fact once (the fields one vendor row or
// one account filled share theirs). `at` is formatted from `at_unix` on
// read. The first format, the expanded object itself, is still read.
// Depends on core only, so the record routes can read it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace mops::quality::enrich {

// Appends `s` as a JSON string (quoted, escaped): the hot paths write their
// stored texts without building a JSON document.
void AppendJsonString(std::string& out, std::string_view s);

// One field's provenance as the enrichment writes it.
struct ProvenanceFact {
  std::string_view source;
  std::string_view vendor_record_id;  // empty: none
  double confidence = 0;
  std::string_view reason;
};

// Builds the compact text of one run's facts for a record enriched for the
// first time, field by field (the hot path of a run: no JSON document).
class CompactProvenanceWriter {
 public:
  void Start(int64_t run, int64_t at_unix);
  void Add(std::string_view field, const ProvenanceFact& fact);
  // The text; the writer is ready for Start again.
  void Finish(std::string& out);

 private:
  std::string group_;
  std::string facts_;
  // The facts written so far (their views stay valid until Finish).
  struct Seen {
    ProvenanceFact fact;
    int index;
  };
  std::vector<Seen> seen_;
};

// The expanded object of a stored text, either format; an unreadable text
// gives null.
nlohmann::json ExpandProvenance(std::string_view text);

// The compact text of an expanded object (fields from several runs).
std::string CompactProvenance(const nlohmann::json& expanded);

}  // namespace mops::quality::enrich
