// Internals of ingest/ shared by its files and tests: the field catalogue of
// each kind, the header mapping and the row converter. Pure: no store, cli or
// I/O here. Not for other folders (they include ingest.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "ingest/ingest.h"

namespace mops::ingest::internal {

// A typed cell, the same type as store::Value (monostate is NULL).
using Value = std::variant<std::monostate, int64_t, double, std::string>;

enum class FieldType : uint8_t {
  kText,
  kInt,
  kReal,
  kMoney,  // decimal major units in files, minor units stored
  kTime,   // any date-time, UTC seconds stored
  kDate,   // a date-time that exports as YYYY-MM-DD when it is midnight
  kBool,   // 0/1 stored
};

// What a field is for.
enum class Role : uint8_t {
  kColumn,            // stored in the column of the same name
  kKey,               // external_id
  kRef,               // external id of a `target` record in the same source: X_ref + X_id
  kOwner,             // a user by external id, name or email (any source): owner_ref + owner_id
  kSourceSystem,      // per-row source_system (canonical exports carry it)
  kStageDate,         // contacts: when the contact entered `stage` -> lifecycle_history
  kConverted,         // Salesforce lead IsConverted
  kConvertedContact,  // Salesforce lead ConvertedContactId
  kLeadRef,           // Salesforce LeadId: the contact reference when ContactId is empty
  kContactList,       // deals: associated contact ids -> opportunity_contacts
  kEmailLookup,       // touchpoints: the contact by email when contact_id is empty
};

enum class Target : uint8_t { kNone, kAccount, kContact, kCampaign, kOpportunity, kTool, kUser };

// The table a Target lives in.
std::string_view TargetTable(Target target);

struct FieldSpec {
  std::string_view name;  // canonical header name
  FieldType type = FieldType::kText;
  Role role = Role::kColumn;
  Target target = Target::kNone;
  bool required = false;     // a row with an empty cell is rejected
  int default_value = -1;    // NOT NULL DEFAULT columns: what an empty cell stores
  std::string_view stage;    // kStageDate: the lifecycle stage
  std::string_view aliases;  // other canonical names, '|'-separated ("id")
  // kText with a closed set of values: "value=synonym/synonym|value|...".
  // Cells are compared ignoring case, spaces, '-' and '_', and stored as the
  // value; anything else is rejected.
  std::string_view choices;
  // With `choices`: a sync interval ("5m", "1h", "PT5M") is accepted too and
  // stored as hourly, daily, weekly or its ISO 8601 form.
  bool interval = false;
  bool ratio = false;  // kReal in [0, 1]; "5%" reads as 0.05

  // For kRef/kOwner: "account_id" -> "account".
  std::string_view RefBase() const { return name.substr(0, name.size() - 3); }
  bool Stored() const {
    return role == Role::kColumn || role == Role::kRef || role == Role::kOwner;
  }
};

struct KindSpec {
  Kind kind;
  std::string_view cli_name;
  std::string_view table;
  std::vector<FieldSpec> fields;
  bool keyed = true;        // the table has (source_system, external_id)
  bool has_merged = false;  // the table has merged_into
  // Fields whose values make the key when the file has no key column.
  std::vector<std::string_view> synth_key;

  // Index of a field by canonical name; -1 when absent.
  int FieldIndex(std::string_view name) const;
};

const KindSpec& SpecFor(Kind kind);

// One label of a preset's export and the field it fills.
struct PresetLabel {
  std::string_view label;
  std::string_view field;
  bool first_of_list = false;  // "123;456": the first id only
};
// The labels of `preset` (hubspot, salesforce) for `kind`; empty when the
// preset has no export of that kind.
std::span<const PresetLabel> PresetLabels(Preset preset, Kind kind);
// "hubspot", "salesforce", "csv".
std::string_view PresetSourceSystem(Preset preset);

// A parsed --map file.
struct CustomMapping {
  std::string name;  // file name, for messages
  std::optional<Kind> kind;
  std::string source_system;
  std::optional<core::DateFormat> date_format;
  struct Column {
    std::string label;
    std::string field;  // empty: ignore the column
    int64_t line = 0;
  };
  std::vector<Column> columns;
};

// Parses a mapping file:
//   kind: contacts            # optional
//   source_system: marketo    # optional
//   date_format: mdy          # optional
//   columns:
//     "Email Address": email
//     "Lead Score": ~         # ignored on purpose
// Errors name the file, line and key.
core::Result<CustomMapping> ParseMappingYaml(std::string_view text, std::string_view name);

// Checks a mapping against a kind: every target field must exist.
core::Status ValidateMapping(const CustomMapping& mapping, Kind kind);

// The preset whose labels match most headers exactly ("Record ID" means
// HubSpot); ties go to canonical.
Preset DetectPreset(Kind kind, std::span<const std::string> headers);

struct ColumnMapping {
  int field = -1;  // index into KindSpec::fields; -1: ignored
  bool first_of_list = false;
};

struct Mapping {
  Preset preset = Preset::kCanonical;
  bool detected = false;
  std::vector<ColumnMapping> columns;  // one per file column
  std::vector<int> field_column;       // one per field: its file column, or -1
  std::vector<std::string> unmapped;   // labels of ignored columns
  std::vector<std::string> warnings;
  bool synth_key = false;  // no key column: keys come from KindSpec::synth_key
};

// Maps a header onto the kind's fields. `preset` kAuto detects; kMapping uses
// `custom` (then canonical names for columns it does not list). Errors (file
// line 1): no header, missing key or required column, an unknown preset for
// the kind.
core::Result<Mapping> MapColumns(Kind kind, std::span<const std::string> headers, Preset preset,
                                 const CustomMapping* custom, std::string_view file_name);

// A cell that failed conversion.
struct CellProblem {
  int64_t column = 0;  // 1-based file column; 0 for the row as a whole
  std::string value;
  std::string reason;
};

// One converted row: values per field of the kind (NULL when the file has no
// such column or the cell is empty).
struct ConvertedRow {
  std::vector<Value> values;
  std::string source_system;
  std::string key;              // external id, given or synthesized
  bool converted_lead = false;  // a Salesforce lead converted into a contact
};

// Converts records of one file. Reuses the row's buffers, so converting a row
// does not allocate once the buffers have grown.
class RowConverter {
 public:
  RowConverter(const KindSpec& spec, const Mapping& mapping, core::DateFormat date_format,
               std::string default_source);

  // Fills `row`; returns false (and appends to `problems`) when the row must
  // be rejected.
  bool Convert(std::span<const std::string_view> record, ConvertedRow& row,
               std::vector<CellProblem>& problems);

  // Fields the rows carry (mapped or derived): the columns an import writes.
  const std::vector<bool>& written() const { return written_; }

 private:
  bool ConvertCell(const FieldSpec& field, std::string_view text, Value& out, std::string& reason);
  void Derive(ConvertedRow& row);

  const KindSpec& spec_;
  const Mapping& mapping_;
  core::DateFormat date_format_;
  std::string default_source_;
  std::vector<bool> written_;
  std::vector<bool> derived_;
  // Indexes of the fields the conversion reads by name (-1: the kind has none).
  struct FieldIndexes {
    int source = -1, key = -1, contact = -1, email = -1, is_converted = -1, converted_contact = -1,
        domain = -1, website = -1, stage = -1, is_closed = -1, is_won = -1, type = -1, channel = -1,
        source_utm = -1, medium = -1, referrer = -1, url = -1, lead = -1;
  } ix_;
  std::vector<int> synth_key_;
  std::string scratch_;
  std::string stage_;
};

// Typed conversions of one cell (trimmed, non-empty).
core::Result<int64_t> ParseTimeCell(std::string_view text, core::DateFormat format);
// "https://www.Example.com/path" -> "example.com"; empty when there is no host.
std::string DomainFromUrl(std::string_view url);
// NormalizeLifecycleStage into `out`, with `scratch` for the work (no
// allocation once both have grown).
void NormalizeStage(std::string_view value, std::string& out, std::string& scratch);
// The value of `choices` (see FieldSpec) that `text` names; empty when none.
std::string_view MatchChoice(std::string_view choices, std::string_view text);
// Sets `v` to the text, reusing its buffer.
void SetText(Value& v, std::string_view text);

}  // namespace mops::ingest::internal
