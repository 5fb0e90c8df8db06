// The pure engines of data quality: standardization of single values and of
// whole records, validation rules and the score, survivorship, and lead-to-
// account matching. They take and return plain structs; no store, http or
// cli, no I/O. quality.h re-exports this header with the services that run
// the engines on a workspace.
//
// Thread-safety: every function is reentrant. The reference tables (ISO
// codes, lists) are built once, on first use, behind a function-local static.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace mops::quality {

// ---------------------------------------------------------------------------
// Values

// What StandardizeEmail found. `email` is the cleaned address (trimmed, lower
// case, a "mailto:" prefix and angle brackets removed); empty input stays
// empty with status "empty".
struct EmailInfo {
  std::string email;
  // "ok", "empty", "invalid" (syntax), "disposable", "role", "typo".
  // Disposable wins over role, role over typo.
  std::string status;
  std::string domain;      // after '@', lower case
  std::string suggestion;  // for status "typo": the address on the likely domain
  bool free_mail = false;  // a popular mailbox provider (gmail.com, ...)
};
EmailInfo StandardizeEmail(std::string_view raw);

// True for a domain on the list of popular mailbox providers.
bool IsFreeMailDomain(std::string_view domain);

// What StandardizePhone found. A number that libphonenumber cannot parse or
// that is not valid for its region keeps its input text (trimmed) with
// valid = false: nothing is thrown away.
struct PhoneInfo {
  std::string phone;  // E.164 ("+14155550123") when valid, else the trimmed input
  bool valid = false;
  // "mobile", "fixed_line", "fixed_line_or_mobile", "toll_free", "premium_rate",
  // "voip", "shared_cost", "personal", "pager", "uan", "voicemail", "unknown";
  // empty when not valid.
  std::string type;
};
// `default_region` is an ISO 3166-1 alpha-2 code for numbers written without
// a country code ("(415) 555-0100"); empty means "US". An extension
// ("x123", "ext. 12") is kept after the number as ";ext=123" (RFC 3966).
PhoneInfo StandardizePhone(std::string_view raw, std::string_view default_region);
// True for text in the form StandardizePhone writes ("+" and 7-15 digits,
// optionally ";ext=" and digits).
bool IsStandardPhone(std::string_view phone);

// ISO 3166-1 alpha-2 for a country written as its code (alpha-2, alpha-3), its
// ISO name or official name, its common name, or a known alias ("USA", "U.S.",
// "UK", "England", "Holland", "Deutschland"); case, dots and extra spaces do
// not matter. nullopt when unknown.
std::optional<std::string> CountryCode(std::string_view raw);
// The ISO short name for an alpha-2 code ("US" -> "United States"); empty when unknown.
std::string CountryName(std::string_view alpha2);

// ISO 3166-2 code ("US-CA") for a state or province of `country_alpha2`,
// written as its code with or without the country prefix ("CA", "US-CA") or
// its name ("California"). nullopt when unknown or when the country is empty.
std::optional<std::string> SubdivisionCode(std::string_view raw, std::string_view country_alpha2);

// A person's name in proper case: trimmed, inner whitespace collapsed, each
// word capitalized, with the usual exceptions: Mc and Mac prefixes
// ("mcdonald" -> "McDonald"), O' and D' ("o'brien" -> "O'Brien"), hyphenated
// parts ("smith-jones" -> "Smith-Jones"), lower-case particles inside a name
// (van, von, der, den, de, da, di, du, la, le, del, della, dos, das, ter, ten,
// bin, al), and roman numerals (III). A name typed in mixed case
// ("DeShawn", "MacKenzie") is kept as typed: the person chose it. UTF-8
// letters beyond ASCII are kept as typed.
std::string ProperCaseName(std::string_view raw);

// Seniority: c_level, vp, director, manager, senior, entry (empty title: "").
// Department: marketing, sales, engineering, product, finance, hr, operations,
// it, executive, other (empty title: "").
struct TitleInfo {
  std::string seniority;
  std::string department;
};
TitleInfo ClassifyTitle(std::string_view title);
// A seniority or department as CRMs write it ("C-Level", "Individual
// Contributor", "VP", "Human Resources") in the taxonomy above; empty when
// not recognised.
std::string NormalizeSeniority(std::string_view value);
std::string NormalizeDepartment(std::string_view value);

// A company's match key: lower case, legal suffixes (Inc, LLC, Ltd, GmbH,
// Corp, SA, AG, BV, PLC, Pty, ...) and a leading "The" dropped, punctuation
// removed, '&' read as "and", spaces collapsed. "The Acme Corp., Inc." ->
// "acme". Empty when nothing is left.
std::string CompanyKey(std::string_view name);

// The registrable host of a website: scheme, "www.", port, path, query and
// a trailing dot removed, lower case. "https://www.Acme.com/about" ->
// "acme.com". Empty when it is not a host name.
std::string DomainFromWebsite(std::string_view website);
// The company domain of an email address: its domain unless it is free mail
// or disposable (then empty).
std::string CompanyDomainFromEmail(std::string_view email);

// ---------------------------------------------------------------------------
// Records

// The fields of a contact that standardization reads and writes. Empty
// strings are absent values.
struct ContactFields {
  int64_t id = 0;
  std::string email, first_name, last_name, title, seniority, department, phone, company_name,
      country, state;
  // Written by standardization (columns of migration 5).
  std::string email_status, email_suggestion, phone_type;
  std::optional<int64_t> phone_valid;
};

struct AccountFields {
  int64_t id = 0;
  std::string name, domain, website, country, state, company_key;
};

// One changed field of one record.
struct FieldChange {
  int64_t id = 0;
  std::string field;
  std::string before;
  std::string after;
};

// Standardizes `contact` in place and appends a FieldChange for each field
// whose value changed. seniority and department are derived from the title
// only when they are empty (a value someone set wins, normalized to the
// taxonomy when it is recognised, else kept). A phone already in
// E.164 with phone_valid set was standardized before and is not parsed again
// (E.164 does not depend on the region). Returns the number of changes
// appended.
size_t StandardizeContact(ContactFields& contact, std::vector<FieldChange>& changes);
size_t StandardizeAccount(AccountFields& account, std::vector<FieldChange>& changes);

// Standardizes every record in place on `threads` threads (0: one per core,
// at most 8); element i of the result holds record i's changes. Phone
// parsing dominates the cost, and records are independent, so this scales
// with cores.
std::vector<std::vector<FieldChange>> StandardizeContacts(std::span<ContactFields> contacts,
                                                          int threads = 0);
std::vector<std::vector<FieldChange>> StandardizeAccounts(std::span<AccountFields> accounts,
                                                          int threads = 0);

// ---------------------------------------------------------------------------
// Rules and score

// A validation rule of the `quality` config.
struct Rule {
  std::string name;
  std::string entity;  // "contacts" | "accounts"
  // "required" (fields non-empty), "allowed" (field in values), "pattern"
  // (field matches regex, full match), "cross_field" (when `when_field` is one
  // of `when_values`, `fields` must be non-empty), "stale" (updated_at, or
  // created_at when there is none, older than `days` before as-of).
  std::string type;
  std::vector<std::string>
      fields;  // required, cross_field; also the single field of allowed/pattern
  std::vector<std::string> values;  // allowed
  std::string pattern;              // pattern
  std::string when_field;
  std::vector<std::string> when_values;
  int64_t days = 0;  // stale
  double weight = 1;
  std::string message;  // optional text shown with a violation
  int64_t line = 0;     // in the YAML, for messages
};

// Survivorship of merges.
enum class SurvivorRule { kMostComplete, kMostRecent, kOldest, kSourcePriority };
enum class FieldRule { kNonEmpty, kMostRecent, kUnion };
struct SurvivorshipConfig {
  SurvivorRule survivor = SurvivorRule::kMostComplete;
  std::vector<std::string> source_priority;  // first is best; unlisted sources rank last
  FieldRule default_field_rule = FieldRule::kNonEmpty;
  std::map<std::string, FieldRule> field_rules;  // column -> rule
};

struct QualityConfig {
  std::vector<Rule> rules;
  SurvivorshipConfig survivorship;
};

// Parses the `quality` config (YAML). Errors name the rule ("rule
// 'email_format' (line 7): ...") and the YAML line; `source` names the
// document in messages (a file name, or "quality config").
core::Result<QualityConfig> ParseQualityConfig(std::string_view yaml, std::string_view source);
// The rule set used when the workspace stores none.
std::string_view DefaultQualityConfigYaml();
const QualityConfig& DefaultQualityConfig();

// The fields the rules look at, columnar: values[f][r] is field f of record r
// (empty = absent). `fields` names the columns; `source_system`, `updated_at`
// (0 = unknown) and `ids` describe the records.
struct RecordTable {
  std::string entity;
  std::vector<std::string> fields;
  std::vector<std::vector<std::string>> values;
  std::vector<int64_t> ids;
  std::vector<std::string> source_system;
  std::vector<int64_t> updated_at;

  int FieldIndex(std::string_view name) const;
};

struct Violation {
  int64_t record_id = 0;
  std::string field;
  std::string value;
};

struct RuleResult {
  const Rule* rule = nullptr;
  int64_t checked = 0;  // records the rule applied to
  int64_t failed = 0;
  std::vector<Violation> violations;  // every violation (examples are the first few)
};

struct FieldStats {
  std::string field;
  int64_t filled = 0;  // non-empty
  int64_t valid = 0;   // non-empty and passing the allowed/pattern rules on the field
  int64_t records = 0;
};

struct EntityScore {
  std::string entity;
  std::string source_system;  // empty: all sources
  int64_t records = 0;
  double score = 100;  // 0-100
};

struct CheckResult {
  std::vector<RuleResult> rules;
  std::vector<FieldStats> fields;
  std::vector<EntityScore> scores;  // the entity overall first, then per source
};

// Evaluates `rules` (those of table.entity) on `table` as of `as_of`.
// Score = 100 x the weighted mean over rules of the pass rate (1 - failed /
// checked); a rule that checked nothing does not count. Per source system the
// same over that source's records.
CheckResult CheckRecords(const RecordTable& table, std::span<const Rule> rules, int64_t as_of);
// The fields a rule set needs from an entity (deduplicated, in first-seen order).
std::vector<std::string> RuleFields(std::span<const Rule> rules, std::string_view entity);

// ---------------------------------------------------------------------------
// Survivorship

// One record of a merge cluster: its columns as text (empty = NULL/absent)
// plus what the survivor rule needs.
struct MergeCandidate {
  int64_t id = 0;
  std::string source_system;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::map<std::string, std::string> fields;  // mergeable columns only
};

// Index of the survivor among `records` (non-empty): by the rule, ties to
// the lowest id.
size_t ChooseSurvivor(std::span<const MergeCandidate> records, const SurvivorshipConfig& config);
// The survivor's new value of each mergeable field (only fields whose value
// changes are returned). Candidates other than the survivor are considered
// in order of most recent update first for kNonEmpty and kMostRecent.
std::map<std::string, std::string> MergedFields(std::span<const MergeCandidate> records,
                                                size_t survivor, const SurvivorshipConfig& config);

// ---------------------------------------------------------------------------
// Lead-to-account matching

struct AccountKey {
  int64_t id = 0;
  std::string domain;       // normalized
  std::string company_key;  // CompanyKey(name)
  std::string country;      // alpha-2 or empty
};
struct LeadKey {
  int64_t id = 0;
  std::string email;
  std::string company_name;
  std::string country;  // alpha-2 or empty
};
struct AccountMatch {
  int64_t contact_id = 0;
  int64_t account_id = 0;  // 0: unmatched
  std::string method;  // "domain", "name", or why unmatched ("ambiguous_domain", "no_match", ...)
  double similarity = 0;  // for "name"
};
// Token similarity (Jaccard over words) of two company keys, 0..1.
double TokenSimilarity(std::string_view a, std::string_view b);
// Email domain (non free mail) equal to exactly one account's domain wins;
// else the company key equal to one account's, or the best token similarity
// >= min_similarity, with the country equal when both are known; ties are
// ambiguous and stay unmatched.
std::vector<AccountMatch> MatchLeadsToAccounts(std::span<const LeadKey> leads,
                                               std::span<const AccountKey> accounts,
                                               double min_similarity = 0.8);

}  // namespace mops::quality
