// Data quality and governance on a workspace: standardize contacts and
// accounts, validate them against the `quality` rules and score them, merge
// duplicates with survivorship and undo a merge exactly, attach leads to
// their accounts. The pure engines are in engine.h (re-exported here).
//
// Every function that changes the workspace runs in one transaction of its
// own (so it must not be called inside another: transactions do not nest)
// and writes an audit_log row for each change, with actions prefixed
// "quality.". A Database is not thread-safe; neither are these functions on
// one Database.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "quality/engine.h"
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

namespace mops::quality {

using Json = nlohmann::json;

// ---------------------------------------------------------------------------
// Standardize

struct StandardizeOptions {
  bool dry_run = false;  // compute and report, change nothing
  std::string actor = "cli";
  // Called with (records done, records total) now and then.
  std::function<void(int64_t, int64_t)> progress;
};

struct StandardizeReport {
  int64_t contacts = 0;  // records read (merged ones are skipped)
  int64_t accounts = 0;
  int64_t records_changed = 0;
  int64_t changes = 0;
  // "contacts.email" -> number of records whose email changed, in name order.
  std::map<std::string, int64_t> per_field;
  // A few changes to show (the first of each field).
  std::vector<std::pair<std::string, FieldChange>> examples;
  bool dry_run = false;
  double seconds = 0;
};
// Standardizes every contact and account that is not merged. Writes only
// records that change, one audit row per changed record (action
// "quality.standardize", before/after hold the changed fields). updated_at
// is left alone: it is the time the source system changed the record, which
// the stale rule and survivorship read.
core::Result<StandardizeReport> Standardize(store::Database& db, const StandardizeOptions& options);
Json ToJson(const StandardizeReport& report);

// ---------------------------------------------------------------------------
// Rules, check and score

// The stored `quality` config, or the default when none is stored.
core::Result<QualityConfig> LoadQualityConfig(store::Database& db);
// Its YAML text, and whether it is the default.
core::Result<std::pair<std::string, bool>> QualityConfigYaml(store::Database& db);
// Validates (syntax, rules, and that every field the rules name is a column
// of the entity) and stores the config; audited as "quality.rules". On error
// nothing is stored; the error names the rule, and `source` with the line.
core::Status SetQualityConfig(store::Database& db, std::string_view yaml, std::string_view source,
                              std::string_view actor);

struct RuleSummary {
  std::string name, entity, type, message;
  double weight = 1;
  int64_t checked = 0, failed = 0;
  std::vector<Violation> examples;  // the first five
};
struct FieldSummary {
  std::string entity;
  FieldStats stats;
};
struct CheckReport {
  int64_t run_id = 0;  // 0 when not stored
  int64_t run_at = 0;
  int64_t as_of = 0;
  std::map<std::string, int64_t> records;  // entity -> records checked
  std::vector<RuleSummary> rules;          // most failures first
  std::vector<FieldSummary> fields;
  std::vector<EntityScore> scores;  // per entity: overall, then per source
};
struct CheckOptions {
  int64_t as_of = 0;  // 0: now
  bool store = true;  // keep the run (quality_runs, quality_scores) for the trend
  std::string actor = "cli";
};
// Checks the rules on every contact and account that is not merged.
core::Result<CheckReport> Check(store::Database& db, const CheckOptions& options);
Json ToJson(const CheckReport& report);
// The last stored run, or kNotFound when there is none.
core::Result<CheckReport> LatestCheck(store::Database& db);

struct ScorePoint {
  int64_t run_id = 0;
  int64_t run_at = 0;
  int64_t as_of = 0;
  EntityScore score;
};
// Stored scores, oldest run first (the last `limit` runs).
core::Result<std::vector<ScorePoint>> ScoreHistory(store::Database& db, int limit = 100);

struct ViolationRow {
  std::string rule, entity;
  int64_t record_id = 0;
  std::string source_system, external_id, field, value, message;
};
// Every violation as of `as_of` (0: now), optionally of one rule only.
core::Result<std::vector<ViolationRow>> ListViolations(store::Database& db, int64_t as_of,
                                                       std::string_view rule = {});

// ---------------------------------------------------------------------------
// Merge and undo

struct MergeReport {
  int64_t merge_id = 0;            // the batch: pass it to UndoMerge
  std::vector<int64_t> merge_ids;  // one merges row per merged record
  std::string entity;
  int64_t survivor_id = 0;
  std::vector<int64_t> merged_ids;
  std::map<std::string, std::string> fields_changed;  // survivor column -> new value
  std::map<std::string, int64_t> children_moved;      // "touchpoints.contact_id" -> rows
  int64_t pairs_merged = 0;  // match_pairs inside the cluster set to 'merged'
};
Json ToJson(const MergeReport& report);

// Merges one cluster of `entity` ("contacts" or "accounts"): picks the
// survivor, fills its fields by the field rules, moves every child record
// (touchpoints, identities, campaign members, opportunity roles, lifecycle
// history; for accounts also contacts, opportunities, touchpoints and child
// accounts) to it, and sets merged_into on the others. A lifecycle entry the
// survivor already has is removed (and restored by undo). One merges row per
// merged record, holding the snapshot that UndoMerge restores. When the
// duplicate matcher's match_pairs table exists, its undecided or accepted
// pairs inside the cluster become 'merged' (and go back on undo). kNotFound for
// an unknown id, kConflict for a record that is already merged,
// kInvalidArgument for fewer than two distinct ids.
core::Result<MergeReport> MergeRecords(store::Database& db, std::string_view entity,
                                       std::span<const int64_t> ids,
                                       const SurvivorshipConfig& config, std::string_view actor);
// Undoes the merge `merge_id` (any merges row of the batch): the records and
// their children are restored exactly as they were before it. kConflict when
// it is undone already or a later merge involves its records (undo that
// first); kNotFound for an unknown id.
core::Status UndoMerge(store::Database& db, int64_t merge_id, std::string_view actor);

struct MergeEntry {
  int64_t merge_id = 0;
  std::string entity;
  int64_t survivor_id = 0;
  std::vector<int64_t> merged_ids;
  int64_t merged_at = 0;
  std::string actor;
  std::optional<int64_t> undone_at;
};
// Merges, newest first.
core::Result<std::vector<MergeEntry>> ListMerges(store::Database& db, int limit = 100);

// Merges each cluster in its own transaction. Ids are first replaced by the
// record they were merged into (following merged_into), so clusters that a
// matcher reports again after their merge are skipped, not refused; a
// cluster left with fewer than two records counts as skipped. Stops at the
// first error, keeping the merges before it.
struct ClusterMergeReport {
  std::vector<MergeReport> merges;
  int64_t skipped = 0;
};
core::Result<ClusterMergeReport> MergeClusters(store::Database& db, std::string_view entity,
                                               const std::vector<std::vector<int64_t>>& clusters,
                                               const SurvivorshipConfig& config,
                                               std::string_view actor);

// Where `mops quality merge` without --ids and the merge route without ids
// get their clusters: the composition root installs the duplicate matcher's.
using ClusterSource = std::function<core::Result<std::vector<std::vector<int64_t>>>(
    store::Database&, std::string_view entity)>;

// ---------------------------------------------------------------------------
// Lead-to-account matching

struct MatchAccountsReport {
  int64_t contacts = 0;  // contacts without an account
  int64_t by_domain = 0, by_name = 0;
  int64_t touchpoints_attached = 0;
  std::map<std::string, int64_t> unmatched;  // reason -> contacts
  std::vector<AccountMatch> examples;        // a few matches and non-matches
  bool dry_run = false;
};
core::Result<MatchAccountsReport> MatchAccounts(store::Database& db, bool dry_run,
                                                std::string_view actor,
                                                double min_similarity = 0.8);
Json ToJson(const MatchAccountsReport& report);

// ---------------------------------------------------------------------------
// Interfaces

// Creates the `quality` verb with its sub-verbs and returns it (the linkage
// library adds its own sub-verbs to it). `clusters` may be empty.
CLI::App* RegisterCommands(CLI::App& app, cli::Context& ctx, ClusterSource clusters = {});
void RegisterRoutes(http::Router& router, ClusterSource clusters = {});

}  // namespace mops::quality
