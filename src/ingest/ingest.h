// Import and export of the workspace's records.
//
// Import reads a CSV export (canonical, HubSpot, Salesforce, or any other
// with a mapping file) into one table of the workspace, in one transaction:
// either the whole file lands (minus the rows rejected into FILE.rejects.csv)
// or nothing does. Rows are keyed by (source_system, external_id), so
// importing the same export again updates rows instead of adding them, and
// only the columns present in the file are written. References to records
// that are not in the workspace yet are kept by their external id (the *_ref
// columns) and resolved whenever the referenced record arrives.
//
// Export writes a table in the canonical shape (the one import reads without
// a preset) as CSV, JSON or xlsx, so an export re-imports cleanly.
//
// The engines (mapping, conversion, channel classification) are pure and
// thread-safe. The service functions take a store::Database, which is not
// thread-safe: one call per connection at a time. An import parses on a
// second thread of its own, but uses the database from the calling thread
// only, and calls `progress` from the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "store/database.h"

namespace CLI {
class App;
}
namespace mops::cli {
class Context;
}

namespace mops::ingest {

// What a file holds; each kind fills one table.
enum class Kind {
  kAccounts,
  kContacts,
  kOpportunities,
  kOpportunityContacts,
  kOpportunityHistory,
  kCampaigns,
  kCampaignMembers,
  kTouchpoints,
  kSpend,
  kUsers,
  kTools,
  kIntegrations,
  kLifecycleHistory,
};

// "contacts", "opportunity-contacts", ... (also "opportunity_contacts", and
// the CRM object names "companies", "deals", "leads"). Errors list the kinds.
core::Result<Kind> ParseKind(std::string_view name);
// The CLI name: "opportunity-contacts".
std::string_view KindName(Kind kind);
// The table it fills: "opportunity_contacts".
std::string_view TableName(Kind kind);
// Every kind, in the order a full import should load them (referenced
// records first; any order works, this one resolves references soonest).
const std::vector<Kind>& AllKinds();

// The kind of records a CSV export holds, read from its header (below any
// report title lines): the kind whose columns, canonical or a CRM's labels,
// the header maps the most of. An error names the file and says why when no
// kind maps, or when two kinds map nearly as many columns (then the caller
// must name the kind). `csv` may be only the start of the file.
core::Result<Kind> DetectKind(std::string_view csv, std::string_view file_name);

// Where the column labels of a file come from.
enum class Preset {
  kAuto,        // detect from the header
  kCanonical,   // the table's field names
  kHubspot,     // HubSpot export labels ("Record ID", "First Name", ...)
  kSalesforce,  // Salesforce API field names ("Id", "FirstName", ...)
  kMapping,     // a mapping file (--map)
};
core::Result<Preset> ParsePreset(std::string_view name);
std::string_view PresetName(Preset preset);

struct ImportOptions {
  Preset preset = Preset::kAuto;
  // Path of a YAML mapping file (--map); sets preset to kMapping.
  std::string mapping_path;
  // The mapping's text when it is not read from a file (tests, API).
  std::string mapping_text;
  core::DateFormat date_format = core::DateFormat::kAuto;
  bool date_format_set = false;  // --date-format given: overrides the mapping file's
  // --date-order: how date columns whose values do not tell (no day or
  // month over 12) are read: kDmy, kMdy or kYmd; kAuto: the mapping file's,
  // else --date-format's when it is one of those, else month first (the
  // order of Salesforce and HubSpot exports). A column whose values tell is
  // read in their order; one that contradicts itself is a file error.
  core::DateFormat date_order = core::DateFormat::kAuto;
  // --decimal / --thousands ("," and "." for 1.234,56); empty: the mapping
  // file's, else '.' and ','.
  std::string decimal;
  std::string thousands;
  // Abort on the first rejected row and write nothing.
  bool strict = false;
  // source_system of the rows. Empty: the preset's ("hubspot", "salesforce"),
  // the mapping file's, or "csv" for canonical files.
  std::string source_system;
  // Where rejected rows go. Empty: FILE.rejects.csv beside the input for
  // ImportFile; none for ImportCsvText (rejects are still in the summary).
  std::string rejects_path;
  // Where values that were imported but lost precision in a spreadsheet are
  // listed (same columns as rejects). Empty: FILE.warnings.csv beside the
  // input for ImportFile; none for ImportCsvText.
  std::string warnings_path;
  // Recorded in the audit log.
  std::string actor = "cli";
  // Campaign members: the column that dates a member when it did not respond
  // (in place of CreatedDate, e.g. "Added_Date__c" in an org loaded by a data
  // import). Empty: the `crm` config's member_date_column, else CreatedDate.
  std::string member_date_column;
  // A `crm` config (YAML, see README "CRM touches") to validate and store
  // before the import derives touches; path or text.
  std::string crm_config_path;
  std::string crm_config_text;
};

// A row (or one cell of it) that could not be imported.
struct Reject {
  int64_t line = 0;    // 1-based line where the record starts
  int64_t column = 0;  // 1-based column, 0 when the whole row is at fault
  std::string field;   // the file's column label
  std::string value;
  std::string reason;
};

// References still pointing at records that are not in the workspace.
struct UnresolvedRef {
  std::string table;  // "contacts"
  std::string field;  // "account"
  int64_t count = 0;
};

// Rows written to another table than the kind's own (HubSpot lifecycle dates,
// deal-contact associations, converted Salesforce leads).
struct RelatedCounts {
  std::string table;
  int64_t imported = 0;
  int64_t updated = 0;  // already present (unchanged or updated)
};

// What an import with the salesforce or hubspot preset derived from CRM
// objects (README "CRM touches"): touchpoints by type, the campaign types and
// lead sources no channel rule knows (their touches go to `other`), the
// lifecycle values it mapped, and the source's opportunities without any
// touch on their account or contacts.
struct CrmReport {
  bool ran = false;
  struct TouchCount {
    std::string type;   // "campaign_member", "opportunity_campaign", "created", ...
    int64_t total = 0;  // derived touches of this type in the source
    int64_t added = 0;  // of which this import added
  };
  std::vector<TouchCount> touches;
  std::vector<std::string> unknown_campaign_types;  // "Podcast (2 campaigns)"
  std::vector<std::string> unknown_sources;         // "Purchased List (3 records)"
  std::vector<std::string> lifecycle_warnings;
  int64_t opportunities = 0;
  int64_t opportunities_without_touch = 0;
  int64_t won_without_touch = 0;
};

// The time one step of an import took (ImportSummary::phases): wall seconds
// and CPU seconds of the whole process over the step (the parsing thread's
// own CPU time is its step "parse (parsing thread)").
struct ImportPhase {
  std::string name;
  double seconds = 0;
  double cpu_seconds = 0;
};

struct ImportSummary {
  Kind kind = Kind::kContacts;
  std::string table;
  std::string file;  // as given
  Preset preset = Preset::kCanonical;
  bool preset_detected = false;
  std::string source_system;
  char delimiter = ',';

  int64_t rows = 0;       // data records read
  int64_t imported = 0;   // new rows
  int64_t updated = 0;    // rows that existed, with a value changed
  int64_t unchanged = 0;  // rows that existed with the same values
  int64_t rejected = 0;   // rows rejected
  // Rows whose key appeared earlier in the same file: the last one wins.
  int64_t duplicates = 0;
  std::vector<int64_t> duplicate_lines;  // the first few
  // A report export's lines that are no records, skipped and listed: its
  // title (and filter) lines above the header, and totals rows ("Total",
  // "Grand Totals (25 records)") with no key and nothing but numbers.
  int64_t header_line = 1;
  std::vector<int64_t> title_lines;
  int64_t totals_rows = 0;
  std::vector<int64_t> totals_lines;  // the first few

  // The first rejects (all of them are in the rejects file).
  std::vector<Reject> rejects;
  std::string rejects_path;  // empty when nothing was rejected or not written

  // Values imported but flagged: precision lost in a spreadsheet (an Excel
  // scientific-notation phone or id, a postal code without its leading
  // zeros). Such values are kept as written, listed in the contact's
  // damaged_fields, and never used for matching. All in warnings_path.
  int64_t damaged = 0;
  std::vector<Reject> damage;  // the first few
  std::string warnings_path;

  std::vector<std::string> unmapped_columns;  // ignored columns of the file
  std::vector<std::string> warnings;
  std::vector<RelatedCounts> related;
  // References still unresolved after this import, in the imported table and
  // in the tables that point at it (owners: every table for users).
  std::vector<UnresolvedRef> unresolved;
  CrmReport crm;
  double seconds = 0;
  // Where the time went, step by step, in order (for benchmarks and
  // profiling; not part of the text or JSON summary).
  std::vector<ImportPhase> phases;

  // First line: "imported N, updated M, unchanged U, rejected K"; then one line per
  // detail (source, rejects file, duplicates, unmapped columns, related
  // rows, unresolved references).
  std::string ToText() const;
  nlohmann::json ToJson() const;
};

using ProgressFn = std::function<void(int64_t done, int64_t total)>;

// Imports a CSV file into `db` in one transaction and resolves references.
// Errors (file unreadable or unparseable, unknown column mapping, missing key
// column, a reject under `strict`, a database error) leave the workspace
// unchanged and name the file, line and column where they apply. `progress`
// gets (lines done, lines total).
core::Result<ImportSummary> ImportFile(store::Database& db, Kind kind, const std::string& path,
                                       const ImportOptions& options, ProgressFn progress = {});

// The same on CSV text in memory; `name` stands for the file in messages.
core::Result<ImportSummary> ImportCsvText(store::Database& db, Kind kind, std::string_view name,
                                          std::string_view csv, const ImportOptions& options,
                                          ProgressFn progress = {});

// Resolves every pending reference of the workspace (the *_ref columns whose
// *_id is still empty), then returns the references still unresolved, per
// table and field. Runs in the caller's transaction, if any. Rules: see
// README.md ("Reference resolution").
core::Result<std::vector<UnresolvedRef>> ResolveReferences(store::Database& db);

// One record whose reference is still unresolved.
struct UnresolvedLink {
  std::string table;        // "opportunity_contacts"
  std::string field;        // "contact"
  std::string external_id;  // the row holding the reference
  std::string ref;          // what it names
};
// The unresolved references of `kind`'s table and the tables pointing at it
// (every table when kind is empty), at most `limit`, ordered by table, field
// and row (`mops import --show-unresolved`).
core::Result<std::vector<UnresolvedLink>> ListUnresolved(store::Database& db,
                                                         std::optional<Kind> kind, int64_t limit);

enum class ExportFormat { kCsv, kJson, kXlsx };
core::Result<ExportFormat> ParseExportFormat(std::string_view name);

struct ExportOptions {
  ExportFormat format = ExportFormat::kCsv;
  // Records merged into another (merged_into set) are left out unless asked;
  // with them, a merged_into column holds the survivor's external id.
  bool include_merged = false;
};

struct ExportSummary {
  int64_t rows = 0;
  std::string path;
};

// Writes the kind's table in canonical columns to `path` ("-": stdout, for
// CSV and JSON). CSV and xlsx cells that would start a formula get a leading
// apostrophe. The file is written to a temporary name and renamed, so a failed
// export leaves no partial file.
core::Result<ExportSummary> ExportTable(store::Database& db, Kind kind, const std::string& path,
                                        const ExportOptions& options);

// The canonical header of a kind: what ExportTable writes and a canonical
// import reads.
std::vector<std::string> CanonicalHeader(Kind kind);

// Channel of a touchpoint from its UTM source and medium, referrer URL,
// touchpoint type and landing URL (for click ids). Inputs in any case; the
// result is one of DESIGN.md's channel names.
struct ChannelInputs {
  std::string_view source;
  std::string_view medium;
  std::string_view referrer;
  std::string_view type;
  std::string_view url;
};
std::string_view ClassifyChannel(const ChannelInputs& in);

// Channel implied by a campaign type ("Webinar", "Email", "Trade Show",
// "Paid Search", ...); empty when the type says nothing about the channel.
std::string_view CampaignTypeChannel(std::string_view type);

// Channel implied by a lead source: Salesforce LeadSource values ("Web",
// "Partner Referral", "Trade Show", ...) and HubSpot's source names
// ("Organic Search", "PAID_SOCIAL", "Offline Sources", ...); empty when
// nothing knows the value.
std::string_view SourceChannel(std::string_view source);

// DESIGN.md lifecycle stage for a CRM value: "Marketing Qualified Lead",
// "marketingqualifiedlead" and "MQL" become "mql"; unknown values are kept,
// trimmed and lower-cased.
std::string NormalizeLifecycleStage(std::string_view value);

// Called by `mops import` after an import committed, with the ids of the
// rows it added to the kind's table (ascending; rows it updated are not
// included). The composition root registers these (e.g. duplicate matching
// of new contacts); ingest itself knows nothing of them. An error is
// reported as the verb's error (the import itself stays committed). Register
// before parsing the command line; not thread-safe.
using PostImportHook =
    std::function<core::Status(store::Database& db, Kind kind, std::span<const int64_t> new_ids)>;
void AddPostImportHook(PostImportHook hook);

// Asked by `mops import FILE` (no kind given) with the file's first bytes,
// before the kind is read from its columns: a message when the file is not
// one to import (another slice's input, as an enrichment vendor's export),
// and the import stops with it; nothing otherwise. Naming the kind skips
// them. The composition root registers these; not thread-safe.
using ImportFileAdvisor = std::function<std::optional<std::string>(std::string_view head)>;
void AddImportFileAdvisor(ImportFileAdvisor advisor);

// Registers `import` and `export`.
void RegisterCommands(CLI::App& app, cli::Context& ctx);

}  // namespace mops::ingest
