// Duplicates and linkage: the public interface of src/quality/linkage.
//
// - File mode: `mops quality dedup` and `mops quality link` on CSV files, with
//   an optional YAML config (LinkageConfig) or columns recognized by their
//   headers.
// - Workspace mode: Match trains a model on the workspace's contacts or
//   accounts, stores it and writes match_pairs; the review queue decides the
//   uncertain pairs; MatchNew scores newly imported records with the stored
//   model; MatchedClusters gives the clusters that merging acts on.
//
// The engine (engine.h) is pure; the functions here read files or the
// workspace. Workspace functions take a store::Database, which is not
// thread-safe: one call per connection at a time. Each workspace write is one
// transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "quality/linkage/engine.h"
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

namespace mops::quality::linkage {

// ---------------------------------------------------------------- config

// A linkage configuration (YAML; see examples/linkage/*.yaml):
//   id: rec_id                      # id column; absent: the row number
//   threshold: 0.999                # match probability for a match
//   review_threshold: 0.5           # workspace: lower bound of the review band
//   cluster_floor: 0.5              # every pair in a cluster reaches this
//   max_block_size: 500
//   max_cluster_size: 100
//   one_to_one: true                # link: each record links at most once
//   fields:
//     - {name: surname, type: name, term_frequency: true, column: Last Name}
//   blocking:
//     - soundex(surname) + postcode
struct LinkageConfig {
  std::string name;       // file name, for messages
  std::string id_column;  // empty: 1-based row numbers
  std::vector<FieldSpec> fields;
  std::vector<int64_t> field_lines;  // config line of each field (0: default config)
  std::vector<std::string> blocking;
  std::vector<int64_t> blocking_lines;
  double threshold = 0.999;
  double review_threshold = 0.5;
  double cluster_floor = 0.5;
  size_t max_block_size = 500;
  size_t max_cluster_size = 100;
  bool one_to_one = false;
};

// Errors name the config and the line of the offending key.
core::Result<LinkageConfig> ParseConfig(std::string_view yaml, std::string_view name);
core::Result<LinkageConfig> LoadConfig(const std::string& path);

// The configuration for a file without one: the usual contact and account
// columns recognized by their headers (email, first/last name, phone,
// company, domain or website, city, date of birth, postcode; id, external_id,
// unique_id, rec_id as the id). kInvalidArgument, naming the file, when no
// column is recognized.
core::Result<LinkageConfig> DefaultConfig(std::span<const std::string> header,
                                          std::string_view file);
// Default blocking keys for a set of fields (by their default names).
std::vector<std::string> DefaultBlocking(std::span<const FieldSpec> fields);

// Blocking keys and options of a config, checked against its fields.
core::Result<PipelineOptions> PipelineFor(const LinkageConfig& config);

// ---------------------------------------------------------------- file mode

// A CSV file read for linkage: header and values trimmed, values normalized.
struct LinkageFile {
  std::string path;
  std::vector<std::string> header;
  TextColumn ids;  // the id column's values, or row numbers
  Records records;
  std::vector<std::string> extra;  // values of `keep_column` when asked (tests: truth)
};

// Reads `path` for `config` (nullopt: DefaultConfig from its header, stored
// into *used_config when given). A config column missing from the file is an
// error naming the config line; duplicate ids are an error naming the line.
core::Result<LinkageFile> ReadLinkageFile(const std::string& path, const LinkageConfig* config,
                                          LinkageConfig* used_config = nullptr,
                                          std::string_view keep_column = {});

struct DedupFileOptions {
  std::string input;
  std::string config_path;  // empty: default config
  std::string out;          // id,cluster_id
  std::string pairs_out;    // optional: id_a,id_b,match_weight,probability,explanation
  int threads = 2;
  // Stage names as they start ("read", "block", ..., "write"), for progress.
  std::function<void(std::string_view stage, int64_t items)> on_stage;
};

struct FileReport {
  int64_t records = 0;  // left + right for link
  int64_t candidate_pairs = 0;
  int64_t matched_pairs = 0;  // dedup: pairs above threshold; link: links written
  int64_t clusters = 0;       // dedup: clusters of two or more
  int64_t clustered_records = 0;
  int64_t refused_joins = 0;
  double prior = 0;
  int em_iterations = 0;
  double read_seconds = 0;
  StageTimes times;
  double write_seconds = 0;
  std::vector<std::pair<std::string, std::string>> weights;  // field: "level=weight, ..."
};

// Writes `id,cluster_id` for every input row (cluster_id: the id of the
// cluster's first record in file order). Outputs are written to a temporary
// name and renamed.
core::Result<FileReport> DedupFile(const DedupFileOptions& options);

struct LinkFileOptions {
  std::string left;
  std::string right;
  std::string config_path;
  std::string out;  // id_a,id_b,score (score: match probability)
  int threads = 2;
  std::function<void(std::string_view stage, int64_t items)> on_stage;
};
core::Result<FileReport> LinkFiles(const LinkFileOptions& options);

// ---------------------------------------------------------------- workspace

// "contacts" or "accounts"; anything else is kInvalidArgument.
core::Status CheckEntity(std::string_view entity);

struct MatchReport {
  std::string entity;
  int64_t records = 0;
  int64_t candidate_pairs = 0;
  int64_t matches = 0;  // status 'match' after the run
  int64_t review = 0;   // status 'review'
  int64_t decided = 0;  // pairs kept as decided (accepted, rejected, merged)
  int64_t removed = 0;  // undecided pairs of an earlier run no longer found
  double prior = 0;
  int em_iterations = 0;
  double seconds = 0;
};

// Stores the workspace's linkage config for an entity (configs:
// linkage.config.<entity>), which Match, MatchNew and MatchedClusters then
// use instead of the default fields, keys and thresholds. Same format as
// file mode, without `id`; a field's `column` must be one of the table's
// comparable columns. Errors name `name` (the file) and the line.
core::Status SetWorkspaceConfig(store::Database& db, std::string_view entity, std::string_view yaml,
                                std::string_view name, std::string_view actor);

// Blocking, EM and scoring over the entity's records that are not merged
// into another; stores the model (configs: linkage.model.<entity>) and
// writes match_pairs in one transaction: 'match' at or above the threshold,
// 'review' in [review_threshold, threshold). Decided pairs keep their status.
core::Result<MatchReport> Match(store::Database& db, std::string_view entity,
                                std::string_view actor);

// What happens to records that arrive after the model was trained.
enum class IncrementalMode { kOff, kFlag, kMerge };
core::Result<IncrementalMode> ParseIncrementalMode(std::string_view name);
std::string_view IncrementalModeName(IncrementalMode mode);
// Stored in configs (linkage.incremental.<entity>); default flag.
core::Result<IncrementalMode> GetIncrementalMode(store::Database& db, std::string_view entity);
core::Status SetIncrementalMode(store::Database& db, std::string_view entity, IncrementalMode mode,
                                std::string_view actor);

// Merges one cluster of record ids of an entity; returns the merge id. The
// composition root wires the governance merge into it.
using MergeCallback = std::function<core::Result<int64_t>(store::Database&, std::string_view entity,
                                                          std::span<const int64_t> ids)>;

struct IncrementalReport {
  int64_t new_records = 0;
  int64_t candidate_pairs = 0;
  int64_t matches = 0;
  int64_t review = 0;
  int64_t merged_clusters = 0;
  bool trained = false;  // no stored model: Match ran on the whole entity
};

// Scores `new_ids` against every record of the entity with the stored model
// (training one with Match when there is none) and writes their pairs. With
// mode merge, each cluster that holds a new record and matches is passed to
// `merge` (its pairs become 'merged'). Mode off does nothing.
core::Result<IncrementalReport> MatchNew(store::Database& db, std::string_view entity,
                                         std::span<const int64_t> new_ids,
                                         const MergeCallback& merge, std::string_view actor);

// The clusters (record ids, two or more each, ascending) formed by pairs
// whose status is 'match' or 'accepted', never joining two groups when a
// pair between them was rejected or scores under the cluster floor.
core::Result<std::vector<std::vector<int64_t>>> MatchedClusters(store::Database& db,
                                                                std::string_view entity);

// One pair of the review queue.
struct ReviewItem {
  int64_t id = 0;
  std::string entity;
  int64_t record_a = 0;
  int64_t record_b = 0;
  double match_weight = 0;
  double probability = 0;
  std::string status;
  std::string explanation;  // JSON array
};
// Pairs with status 'review' (or `status` when given), strongest first,
// `offset` of them skipped (paging).
core::Result<std::vector<ReviewItem>> ListReview(store::Database& db, std::string_view entity,
                                                 std::string_view status, int limit,
                                                 int64_t offset = 0);
// How many pairs have that status (what the queue has left to decide).
core::Result<int64_t> CountPairs(store::Database& db, std::string_view entity,
                                 std::string_view status);
// The pairs the last matching found, for `mops quality match`: status match
// or review with probability >= min_probability, strongest first.
core::Result<std::vector<ReviewItem>> FoundPairs(store::Database& db, std::string_view entity,
                                                 double min_probability, int limit);
core::Result<ReviewItem> GetPair(store::Database& db, int64_t id);

struct Decision {
  ReviewItem pair;
  std::optional<int64_t> merge_id;  // when a merger is installed and it merged
};
// Marks a pair accepted (and merges it with the installed merger, if any) or
// rejected; both remembered across runs of Match. Audit-logged.
core::Result<Decision> AcceptPair(store::Database& db, int64_t id, std::string_view actor);
core::Result<Decision> RejectPair(store::Database& db, int64_t id, std::string_view actor);

// The merger used when a review pair is accepted (empty: accept only marks
// the pair). Set once by the composition root before serving; not
// thread-safe against concurrent calls to AcceptPair.
void InstallMerger(MergeCallback merge);
const MergeCallback& InstalledMerger();

// ---------------------------------------------------------------- wiring

// Adds dedup, link, match and review under the `quality` subcommand.
void RegisterCommands(CLI::App& quality, cli::Context& ctx);
// GET /api/v1/quality/review, POST .../review/{id}/accept|reject,
// POST /api/v1/quality/match.
void RegisterRoutes(http::Router& router);

}  // namespace mops::quality::linkage
