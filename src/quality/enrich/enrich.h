// Data enrichment: fills the empty fields of contacts and accounts from what
// the workspace already knows (inference) and from vendor files (ZoomInfo,
// Apollo, Clearbit, Lusha, Cognism exports loaded into a staging area), field
// by field in a waterfall of sources, keeping the provenance of every value,
// listing conflicts instead of resolving them, and undoing a run exactly.
//
// The engines (config, inference, waterfall, vendor layouts, matching) are
// pure functions over plain structs: no store, http or cli, no I/O. The
// services run them on a workspace, each command in one transaction of its
// own (so not inside another one). A Database is not thread-safe; neither
// are these functions on one Database. Engines are reentrant.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/numbers.h"
#include "store/database.h"

namespace CLI {
class App;
}
namespace mops::cli {
class Context;
}
namespace mops::http {
class Router;
}

namespace mops::quality::enrich {

using Json = nlohmann::json;

// ---------------------------------------------------------------------------
// Fields and sources

// The enrichable fields of contacts, in this order (indexes into a record's
// values). employees and annual_revenue are integers (revenue in minor
// units, as accounts store it), the rest text.
enum ContactField : int {
  kCIndustry,
  kCEmployees,
  kCAnnualRevenue,
  kCCountry,
  kCState,
  kCCity,
  kCCompanyName,
  kCTitle,
  kCSeniority,
  kCDepartment,
  kCJobFunction,
  kCTimeZone,
  kCPhone,
  kContactFieldCount
};
enum AccountField : int {
  kADomain,
  kAIndustry,
  kAEmployees,
  kAAnnualRevenue,
  kACountry,
  kAState,
  kACity,
  kAccountFieldCount
};
// Column names of the fields of "contacts" or "accounts" (empty for another).
std::span<const std::string_view> FieldNames(std::string_view entity);
// Index of `field` among FieldNames(entity); -1 when it is not enrichable.
int FieldIndex(std::string_view entity, std::string_view field);
// True for the integer fields (employees, annual_revenue).
bool IsIntegerField(std::string_view field);

// Sources: "inferred" (from the workspace) and the vendors.
inline constexpr std::string_view kInferred = "inferred";
std::span<const std::string_view> VendorNames();  // zoominfo, apollo, clearbit, lusha, cognism
bool IsSource(std::string_view name);             // a vendor or "inferred"

// ---------------------------------------------------------------------------
// Config (`enrichment`, YAML)

struct EnrichmentConfig {
  // "contacts.employees" -> sources in order of trust (first is best). Every
  // enrichable field has an entry (the default order when the YAML has none).
  std::map<std::string, std::vector<std::string>> sources;
  // Fields ("contacts.title") whose value a person entered or the CRM owns
  // may be overwritten by the first source that has a value.
  std::set<std::string> overwrite;
  int64_t stale_after_days = 180;
  // Integer fields disagree when the larger is more than this many times
  // the smaller (2: employees 100 against 250 is a conflict).
  double tolerance = 2.0;
  // Least probability of a name-and-company match of a vendor row.
  double min_match_probability = 0.9;

  const std::vector<std::string>& SourcesFor(std::string_view entity, int field) const;
};

// Parses the config. Keys of `sources` (and entries of `overwrite`) are a
// field ("employees": every entity that has it) or "entity.field". Errors
// name `source_name`, the YAML line and the key: an unknown field, an unknown
// source, an unknown top-level key, a bad number. Nothing of it is applied.
core::Result<EnrichmentConfig> ParseEnrichmentConfig(std::string_view yaml,
                                                     std::string_view source_name);
std::string_view DefaultEnrichmentConfigYaml();
const EnrichmentConfig& DefaultEnrichmentConfig();

// ---------------------------------------------------------------------------
// The waterfall

// A value one source offers for one field of one record.
struct Candidate {
  int field = 0;
  std::string value;  // in the workspace's form (ISO codes, E.164, minor units)
  std::string source;
  std::string vendor_record_id;  // empty for inferred values
  double confidence = 0;         // 0..1
  std::string reason;            // "phone +49…: DE", "account #12 (Acme)"
};

// Where a field's current value came from.
struct Provenance {
  std::string source;
  std::string vendor_record_id;
  double confidence = 0;
  std::string reason;
  int64_t at = 0;  // unix seconds
  int64_t run_id = 0;
};

// Two sources (or a source and the record) that disagree beyond tolerance.
struct Conflict {
  std::string entity;
  int64_t record_id = 0;
  std::string field;
  std::string kept_value;
  std::string kept_source;  // "workspace" for a value a person or the CRM set
  std::string other_value;
  std::string other_source;
  std::string other_record_id;
  std::string reason;
};

// What the waterfall did with a conflicted field ("left empty", "left as it
// was", "kept"): the last clause of the conflict's reason, which the
// waterfall writes.
std::string_view ConflictOutcome(const Conflict& c);

// True when two values of `field` disagree beyond tolerance: integers whose
// ratio exceeds `tolerance`, or two different countries. Other fields never
// conflict (vendors word industries and titles differently).
bool Disagree(std::string_view field, std::string_view a, std::string_view b, double tolerance);

// What the waterfall decided for one field of one record.
struct FieldDecision {
  const Candidate* chosen = nullptr;  // set when the value changes
  std::vector<Conflict> conflicts;
};
// The waterfall for one field. `current` is the record's value ("" = empty);
// `current_source` its provenance source, "" when a person or the CRM set it
// (such a value is kept unless `overwrite`). `candidates` are this field's,
// from any source; only the sources in `order` count, first best. An empty
// field takes the first source's value unless the sources disagree beyond
// tolerance (then nothing is filled and the conflict is listed); an enriched
// value is replaced by a more trusted source's value, or refreshed by its
// own source; a kept value that a source contradicts is a conflict.
FieldDecision DecideField(std::string_view entity, int64_t record_id, std::string_view field,
                          std::string_view current, std::string_view current_source,
                          std::span<const Candidate> candidates, std::span<const std::string> order,
                          bool overwrite, double tolerance);

// ---------------------------------------------------------------------------
// Inference

// The region (ISO 3166-1 alpha-2) of an international phone number ("+49 30
// ...", "0049 ..."), from libphonenumber; empty when the number has no
// country code or is not valid.
std::string PhoneRegion(std::string_view phone);
// IANA time zone of a country (alpha-2) and state (ISO 3166-2, "US-CA"), with
// a confidence: 0.95 for a single-zone country or state, 0.8 for a state
// split between zones (the zone of most of its people). Empty when unknown or
// when the country spans zones and the state is not given.
std::pair<std::string, double> TimeZoneFor(std::string_view country, std::string_view state);
// Job function from a title ("Director of Demand Generation" ->
// "demand_generation"); falls back to the title's department; empty when
// neither says anything.
std::string JobFunction(std::string_view title);

// An account as contacts inherit from it.
struct AccountView {
  int64_t id = 0;
  std::string name;
  std::vector<std::string> values;  // by AccountField
  // AccountReason(*this), made once for the contacts of the account (a run
  // infers from each account for about ten); empty: made per contact.
  std::string reason;
};
// The reason of the values a contact inherits from its own account:
// "account #12 (Acme)".
std::string AccountReason(const AccountView& account);
// How a contact is tied to the account it inherits from.
struct AccountLink {
  const AccountView* account = nullptr;
  std::string method;  // "account_id", "domain", "name"
  double confidence = 0;
};
// Candidates inferred for a contact whose values are `values` (by
// ContactField): from its account (industry, employees, annual revenue,
// country, state, city, company name), country from the phone. Derived
// fields (title -> seniority, department, job function; country and state ->
// time zone) come from DerivedCandidates, after the other fields are decided.
void InferContact(std::span<const std::string> values, const AccountLink& link,
                  std::vector<Candidate>& out);
void DerivedCandidates(std::span<const std::string> values, std::vector<Candidate>& out);
// Candidates inferred for an account: domain from its website, else from the
// company domains of its contacts' addresses when they all agree.
void InferAccount(std::string_view website, std::span<const std::string> contact_domains,
                  std::vector<Candidate>& out);

// ---------------------------------------------------------------------------
// Vendor files

// One row of a vendor file, in the workspace's form.
struct VendorRow {
  int64_t line = 0;
  std::string vendor_record_id;
  std::string email, first_name, last_name, company_name, domain, title, seniority, department,
      phone, country, state, city, industry;
  std::optional<int64_t> employees;
  std::optional<int64_t> annual_revenue;  // minor units
};

struct VendorFile {
  std::string layout;  // "zoominfo_contacts", ..., see VendorLayouts()
  std::string source;  // the vendor: "zoominfo"
  std::string entity;  // "contacts" or "accounts"
  std::vector<VendorRow> rows;
  int64_t skipped = 0;                // title, blank and totals rows
  std::vector<std::string> warnings;  // with line numbers
};

// The layouts, each with the vendor, the entity and the columns that detect it.
struct VendorLayout {
  std::string_view name, source, entity;
  std::string_view signature;  // the header that identifies it
};
std::span<const VendorLayout> VendorLayouts();

struct VendorReadOptions {
  std::string layout;  // empty: detect from the header
  core::NumberFormat numbers;
};
// Reads a vendor export: finds the header among the first lines (title rows
// above it are skipped), detects the layout, converts every row (countries
// to ISO codes, phones to E.164, employees and revenue as numbers in the
// file's format; ZoomInfo's revenue is in thousands of USD), skips blank and
// totals rows. An unknown layout is an error naming the file and line 1 and
// listing the known layouts; a bad number is an error naming line and column.
core::Result<VendorFile> ReadVendorFile(std::string_view text, std::string_view file_name,
                                        const VendorReadOptions& options);
// The entity ("contacts" or "accounts") of the layout ReadVendorFile would
// find, from the header alone (cheap: the first lines); empty when it would
// find none.
std::string_view VendorFileEntity(std::string_view text, const VendorReadOptions& options);

// Workspace records to match vendor rows to.
struct MatchContact {
  int64_t id = 0;
  std::string email, first_name, last_name, company_key;  // company of the contact or its account
};
struct MatchAccount {
  int64_t id = 0;
  std::string domain, company_key, country;
};
struct RowMatch {
  int64_t record_id = 0;  // 0: none
  std::string method;     // "email", "domain", "name_company"
  double probability = 0;
  std::string status;  // "matched", "unmatched", "ambiguous"
};
// Matches rows to records: contacts by email, then by work domain and name,
// then by name and company through the linkage comparators (Fellegi-Sunter
// weights of the name and company levels to a probability); accounts by
// domain, then by company key (and country when both are known). Two records
// within 0.05 of the best probability make the row ambiguous.
std::vector<RowMatch> MatchVendorRows(std::span<const VendorRow> rows, std::string_view entity,
                                      std::span<const MatchContact> contacts,
                                      std::span<const MatchAccount> accounts,
                                      double min_probability);
// The same in parts: the records' maps built once, then rows matched
// against them a part at a time (a load stages one part while the next is
// matched). Match only reads: any number of threads may call it at once.
// Keeps views of `contacts` and `accounts`, which must outlive it.
class VendorMatcher {
 public:
  VendorMatcher(std::string_view entity, std::span<const MatchContact> contacts,
                std::span<const MatchAccount> accounts, double min_probability);
  // The match of rows[i] in out[i]; out.size() == rows.size().
  void Match(std::span<const VendorRow> rows, std::span<RowMatch> out) const;

 private:
  RowMatch MatchContactRow(const VendorRow& row) const;
  RowMatch MatchAccountRow(const VendorRow& row) const;

  bool contacts_entity_;
  std::span<const MatchContact> contacts_;
  std::span<const MatchAccount> accounts_;
  double min_probability_;
  // Contacts: their normalized names, their work domains (the keys of
  // by_domain_ view them), e-mail -> id (-1: shared by several).
  std::vector<std::pair<std::string, std::string>> names_;
  std::vector<std::string> domains_;
  std::unordered_map<std::string_view, int64_t> by_email_;
  // Record indexes by work domain (accounts: domain) and company key.
  std::unordered_map<std::string_view, std::vector<uint32_t>> by_domain_, by_company_;
};
// The candidates a matched row offers a record of its entity.
void VendorCandidates(const VendorRow& row, std::string_view source, std::string_view entity,
                      double probability, std::string_view method, std::vector<Candidate>& out);
// The values of a staged row that offer candidates, read in place (a run
// reads a million of them: no copies).
struct VendorRowView {
  std::string_view vendor_record_id, company_name, domain, title, seniority, department, phone,
      country, state, city, industry;
  std::optional<int64_t> employees, annual_revenue;
};
void VendorCandidates(const VendorRowView& row, std::string_view source, std::string_view entity,
                      double probability, std::string_view method, std::vector<Candidate>& out);

// ---------------------------------------------------------------------------
// Services

core::Result<EnrichmentConfig> LoadConfig(store::Database& db);
core::Result<std::pair<std::string, bool>> ConfigYaml(store::Database& db);  // text, is default
// Validates and stores the config (audited "quality.enrich_config"); on error
// nothing is stored.
core::Status SetConfig(store::Database& db, std::string_view yaml, std::string_view source_name,
                       std::string_view actor);

struct LoadReport {
  int64_t batch_id = 0;
  std::string layout, source, entity, file;
  int64_t rows = 0, skipped = 0, matched = 0, unmatched = 0, ambiguous = 0;
  std::map<std::string, int64_t> by_method;
  std::vector<std::string> warnings;
  // A few rows not matched, or ambiguous: line, id, name or email, status.
  std::vector<Json> examples;
};
// Reads a vendor file into the staging area (enrichment_staging), matched to
// workspace records. Rows of the same vendor and entity loaded before are
// replaced: the newest export is the vendor's word. Nothing reaches contacts
// or accounts until a run.
core::Result<LoadReport> LoadVendorFile(store::Database& db, std::string_view text,
                                        std::string_view file_name,
                                        const VendorReadOptions& options, std::string_view actor);
Json ToJson(const LoadReport& report);

struct RunOptions {
  bool dry_run = false;
  std::string source;  // only this source ("" = all)
  std::string actor = "cli";
  int64_t now = 0;  // 0: the clock
};
struct FieldFill {
  std::string field;  // "contacts.industry"
  int64_t records = 0, before = 0, after = 0, changed = 0;
  std::map<std::string, int64_t> by_source;  // values this run set, per source
};
struct RunReport {
  int64_t run_id = 0;  // 0 for a dry run
  bool dry_run = false;
  std::string source;
  int64_t contacts = 0, accounts = 0;
  int64_t records_changed = 0, fields_changed = 0;
  std::vector<FieldFill> fields;
  std::vector<Conflict> conflicts;
  double seconds = 0;
};
// Runs the waterfall over every contact and account that is not merged.
// Writes the changed fields, their provenance, what undo restores (the values
// before in the provenance row of a record enriched for the first time, else
// one enrichment_changes row), the conflicts, the run and one audit row
// ("quality.enrich"). A dry run writes nothing.
core::Result<RunReport> Run(store::Database& db, const RunOptions& options);
Json ToJson(const RunReport& report);
Json ToJson(const Conflict& conflict);

// Restores every field run `run_id` changed, and the provenance before it.
// kConflict when it is undone already or a later run changed one of its
// records (undo that first); kNotFound for an unknown run.
core::Status Undo(store::Database& db, int64_t run_id, std::string_view actor);

struct RunEntry {
  int64_t id = 0;
  int64_t at = 0;
  std::string actor, source;
  int64_t records_changed = 0, fields_changed = 0, conflicts = 0;
  std::optional<int64_t> undone_at;
};
core::Result<std::vector<RunEntry>> ListRuns(store::Database& db, int limit);
// The stored report of a run (as ToJson(RunReport)).
core::Result<Json> RunDetail(store::Database& db, int64_t run_id);
// Conflicts of a run (0: the latest run not undone).
core::Result<std::vector<Conflict>> ListConflicts(store::Database& db, int64_t run_id, int limit);

struct StaleValue {
  std::string entity;
  int64_t record_id = 0;
  std::string field;
  Provenance provenance;
};
// Enriched values older than the config's stale_after_days as of `now`.
core::Result<std::vector<StaleValue>> ListStale(store::Database& db, int64_t now, int limit);
// Provenance of every enriched field of one record: field -> provenance JSON.
core::Result<Json> RecordProvenance(store::Database& db, std::string_view entity,
                                    int64_t record_id);

// ---------------------------------------------------------------------------
// Interfaces

// Adds `enrich` (with load, undo, runs, conflicts, stale, config) under
// `quality`.
void RegisterCommands(CLI::App& quality, cli::Context& ctx);
void RegisterRoutes(http::Router& router);

}  // namespace mops::quality::enrich
