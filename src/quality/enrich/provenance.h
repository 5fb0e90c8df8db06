// How a record's provenance is stored (enrichment_provenance.fields), and
// read back as the object the record routes, the stale listing and the
// dashboard show: field -> {source, vendor_record_id, confidence, reason,
// at, at_unix, run}.
//
// Stored compactly, as a JSON array (format 3, written since issue 19's
// third pass at the 1M benchmark):
//
//   [3, [[run, at_unix, "a0b0e1i2"], ...], [fact, ...]]
//
// one group per run that set some of the record's fields (a run's time is
// written once), its fields as pairs of characters: the field's code
// (FieldCode: one letter per enrichable field name) and the index of its fact
// (FactDigit). A field without a code (none today) goes in an optional
// fourth element of its group, {"field": index, ...}. Each distinct fact is
// written once (the fields one vendor row or one account filled share it),
// in one of three forms:
//
//   [confidence, "reason"]                          source "inferred", no vendor id
//   ["source", "vendor id", confidence, "method", p] reason "source id (method match, p=0.99)"
//   ["source", "vendor id", confidence, "reason"]   any other
//
// so the reason a vendor row gives is rebuilt on read, not stored. `at` is
// formatted from `at_unix` on read. Readers see exactly what the earlier
// formats gave, which are still read: format 2 (fields by name, every fact
// as the four-element form) and the first, the expanded object itself.
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

// The one-letter code of an enrichable field in the stored formats (the
// provenance groups, a first enrichment's undo), or 0 for a name without
// one. Codes are never reused or reordered: stored rows keep them.
char FieldCode(std::string_view field);
// The field of a code; empty for an unknown code.
std::string_view FieldOfCode(char code);

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
  std::string named_;  // fields without a code: "name":index,...
  std::string facts_;
  std::string confidence_;
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
