// Internals of ingest/ shared by its files and tests: the field catalogue of
// each kind, the header mapping and the row converter. Pure: no store, cli or
// I/O here. Not for other folders (they include ingest.h).
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"
#include "core/numbers.h"
#include "core/time.h"
#include "ingest/ingest.h"

namespace mops::ingest {
class ChannelRules;
}

namespace mops::ingest::internal {

// CPU seconds of the process, or of the calling thread.
inline double CpuSeconds(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Appends one ImportPhase per Mark to `out` (nothing when it is null): the
// wall and process CPU seconds since the previous Mark.
class PhaseClock {
 public:
  explicit PhaseClock(std::vector<ImportPhase>* out) : out_(out) {}
  void Mark(std::string name) {
    if (out_ == nullptr) return;
    const auto now = std::chrono::steady_clock::now();
    const double cpu = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
    out_->push_back(
        {std::move(name), std::chrono::duration<double>(now - wall_).count(), cpu - cpu_});
    wall_ = now;
    cpu_ = cpu;
  }

 private:
  std::vector<ImportPhase>* out_;
  std::chrono::steady_clock::time_point wall_ = std::chrono::steady_clock::now();
  double cpu_ = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
};

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
  kContactList,       // associated contact ids: a deal's -> opportunity_contacts; a
                      // company's -> the account of those contacts that have none
  kEmailLookup,       // touchpoints: the contact by email when contact_id is empty
  kAccountDomain,     // the account by its domain or URL when account_id is empty ("domain:<d>")
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
  // Another column for the same field ("Associated Company" beside
  // "Associated Company (Primary)"): used only when no other column fills
  // the field, and silently ignored when one does.
  bool alternate = false;
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
  // A vendor preset (salesforce, hubspot) the file builds on: the columns it
  // lists override the preset's, the others map by the preset's labels, and
  // the import is the preset's (ids, lifecycle, touches). kMapping: none.
  Preset preset = Preset::kMapping;
  std::string source_system;
  std::optional<core::DateFormat> date_format;
  std::optional<core::DateFormat> date_order;  // dmy, mdy or ymd
  std::string decimal;                         // "," or "." (empty: default)
  std::string thousands;
  struct Column {
    std::string label;
    std::string field;  // empty: ignore the column
    int64_t line = 0;
  };
  std::vector<Column> columns;
};

// Parses a mapping file:
//   kind: contacts            # optional
//   preset: salesforce        # optional: the columns below override its labels
//   source_system: marketo    # optional
//   date_format: mdy          # optional
//   columns:
//     "Email Address": email
//     "Lead Score": ~         # ignored on purpose
// Errors name the file, line and key.
core::Result<CustomMapping> ParseMappingYaml(std::string_view text, std::string_view name);

// "dmy", "mdy", "ymd" (the --date-order of ambiguous date columns).
core::Result<core::DateFormat> ParseDateOrder(std::string_view name);

// Checks a mapping against a kind: every target field must exist.
core::Status ValidateMapping(const CustomMapping& mapping, Kind kind);

// The preset whose labels match most headers exactly ("Record ID" means
// HubSpot); ties go to canonical.
Preset DetectPreset(Kind kind, std::span<const std::string> headers);

struct ColumnMapping {
  int field = -1;  // index into KindSpec::fields; -1: ignored
  bool first_of_list = false;
  bool alternate = false;
};

struct Mapping {
  Preset preset = Preset::kCanonical;
  bool detected = false;
  std::vector<ColumnMapping> columns;  // one per file column
  std::vector<int> field_column;       // one per field: its file column, or -1
  std::vector<std::string> unmapped;   // labels of ignored columns
  std::vector<std::string> warnings;
  bool synth_key = false;  // no key column: keys come from KindSpec::synth_key
  // ... or from these fields: a HubSpot import file has no Record ID, and
  // HubSpot itself tells contacts apart by email, companies by domain.
  std::vector<std::string_view> synth_key_fields;
};

// A report export's header may stand below this many title and blank lines.
constexpr int64_t kHeaderSearchLines = 20;

// The kinds a header maps onto, with how many of each kind's fields it
// names, most first (DetectKind's evidence).
struct KindFit {
  Kind kind;
  int fields = 0;
};
std::vector<KindFit> KindFits(std::span<const std::string> headers);

// Maps a header onto the kind's fields. `preset` kAuto detects; kMapping uses
// `custom` (then canonical names for columns it does not list). Errors (file
// line 1): no header, missing key or required column, an unknown preset for
// the kind.
core::Result<Mapping> MapColumns(Kind kind, std::span<const std::string> headers, Preset preset,
                                 const CustomMapping* custom, std::string_view file_name);

// How each column of a file is read, decided from all of its values before
// any row is converted (ColumnSurvey), so that no row is read differently
// from its neighbours.
struct ColumnPlan {
  std::vector<core::DateFormat> date_format;  // per field
  // Per field (postal codes): the length of the column's digit-only values
  // that start with 0; a shorter digit-only value lost its leading zeros.
  std::vector<int> zero_led_length;
};

// Looks at every value of a file's date and postal-code columns (one pass
// over the records before the import proper; cheap next to writing them).
// The day/month order of a date column comes from its values: one whose
// first number is over 12 makes the column day first, one whose second is
// over 12 month first; a column with both is an error naming the column
// and a line of each. A column with neither is read in `base` order.
class ColumnSurvey {
 public:
  ColumnSurvey(const KindSpec& spec, const Mapping& mapping);
  bool empty() const { return watched_.empty(); }
  void Add(std::span<const std::string_view> record, int64_t line);
  // `base`: the order asked for (or kAuto); kIso, kYmd and kEpoch columns are
  // not reordered. Warnings say where the data overrode the order asked for.
  core::Result<ColumnPlan> Finish(core::DateFormat base, std::span<const std::string> headers,
                                  std::string_view file_name,
                                  std::vector<std::string>& warnings) const;

 private:
  struct Evidence {
    int64_t line = 0;
    std::string value;
  };
  struct FieldStats {
    bool date = false;
    bool postal = false;
    bool dotted = false;
    Evidence day_first;
    Evidence month_first;
    int zero_led_length = 0;
  };
  const KindSpec& spec_;
  const Mapping& mapping_;
  std::vector<FieldStats> fields_;
  std::vector<int> watched_;
};

// "1.11015E+11": how Excel shows a long number (a phone, an id) in a General
// cell, with its last digits gone.
bool LooksLikeExcelScientific(std::string_view text);
bool IsDigits(std::string_view text);

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
  uint64_t row_hash = 0;        // RowHash, set by the importer
};

// A hash of the values a row writes (the `written` fields, with their types),
// never 0: stored in each table's row_hash, so that re-importing an identical
// row is told apart from an update without reading the row back. Stable
// across runs and builds (a fixed multiply-xorshift over 8-byte words).
uint64_t RowHash(const ConvertedRow& row, const std::vector<bool>& written);

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

  // Per-column date orders and postal-code lengths (default: the
  // constructor's date format everywhere, no postal-code check).
  void SetColumnPlan(ColumnPlan plan);
  void SetNumberFormat(core::NumberFormat format) { numbers_ = format; }
  // Salesforce ids (keys and references) to their 18-character form; the
  // null id becomes an empty reference. A contact's or lead's company that
  // is an account id is taken as its account (see company_was_account_id).
  void SetSalesforceIds(bool on);
  // The rules that give touchpoints without a channel theirs (not owned;
  // default: DefaultChannelRules()).
  void SetChannelRules(const ChannelRules* rules) { channel_rules_ = rules; }
  // Values of the last converted row that were imported but lost precision in
  // a spreadsheet (scientific notation, stripped leading zeros): column,
  // value and reason.
  const std::vector<CellProblem>& damage() const { return damage_; }
  // The last converted row's company was a Salesforce account id, not a
  // name (real Lead exports have them): it became the row's account
  // reference when the row had none, and the company name was left empty.
  bool company_was_account_id() const { return company_was_account_id_; }

 private:
  bool ConvertCell(const FieldSpec& field, int field_index, std::string_view text, Value& out,
                   std::string& reason);
  void Derive(ConvertedRow& row);
  // Spreadsheet damage of a non-empty cell: records it, true when the row
  // must be rejected (a key cannot be trusted).
  bool CheckDamage(const FieldSpec& field, int field_index, int64_t column, std::string_view text,
                   std::vector<CellProblem>& problems);

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
  ColumnPlan plan_;
  core::NumberFormat numbers_;
  bool salesforce_ids_ = false;
  const ChannelRules* channel_rules_ = nullptr;
  std::vector<CellProblem> damage_;
  std::string damaged_fields_;
  int damage_field_ = -1;    // damaged_fields, when the kind has it
  int account_domain_ = -1;  // account_domain, when mapped
  int account_ = -1;         // account_id
  int company_ = -1;         // company_name
  bool company_was_account_id_ = false;
  int currency_ = -1;  // currency, when the kind has it
  std::string amount_currency_;
  std::string sf_id_;
  std::string sf_list_;
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
