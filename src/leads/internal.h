// Shared between the service files of leads/ only.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/parallel_parts.h"
#include "leads/leads.h"
#include "store/batch_insert.h"
#include "store/database.h"

namespace mops::leads::internal {

using store::Value;

inline constexpr std::string_view kAuditInsert =
    "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, ?, "
    "?, ?, ?, ?)";

// Stage ranks: subscriber 0 .. evangelist 6; recycled and disqualified -1
// (side states); an unknown or empty stage counts as lead (1).
int StageRank(std::string_view stage);
// The canonical name of a stage as CRMs write it ("marketingqualifiedlead",
// "MQL", "Sales Qualified Lead" -> mql / sql); empty stays empty.
std::string CanonicalStage(std::string_view stage);

// A contact's opportunity roles (for lifecycle and the backtest).
struct Role {
  int64_t contact_id = 0;
  int64_t opportunity_id = 0;
  bool won = false;
  Timestamp created_at = 0;
  Timestamp close_date = 0;
  std::string role;
};
// Sorted by contact, then opportunity creation. `only`: those contacts.
core::Result<std::vector<Role>> LoadRoles(store::Database& db, std::span<const int64_t> only = {});

// Moves contacts forward by score, opportunity roles and inactivity (see
// leads.h ScoreWorkspace). Runs inside the caller's transaction.
core::Result<int64_t> ApplyLifecycle(store::Database& db, const ScoringConfig& config,
                                     const ScoringInput& input, std::span<const Score> scores,
                                     std::span<const Role> roles, Timestamp as_of,
                                     std::string_view actor, int64_t* new_mqls);

// Multi-row INSERTs of the score writes.
using store::BatchInsert;

// Writes stage moves with statements prepared once (contacts.lifecycle_stage,
// lifecycle_history with the cause, audit_log); queued: flush before reading.
class StageWriter {
 public:
  static core::Result<StageWriter> Make(store::Database& db);
  core::Status Move(int64_t contact_id, std::string_view from, std::string_view to,
                    std::string_view cause, Timestamp at, std::string_view actor);

 private:
  std::unique_ptr<store::Statement> update_, history_, audit_;
};

// Records one stage move (contacts.lifecycle_stage, lifecycle_history with
// its cause, audit_log).
core::Status MoveStage(store::Database& db, int64_t contact_id, std::string_view from,
                       std::string_view to, std::string_view cause, Timestamp at,
                       std::string_view actor);

// Touchpoint rows in scan order (not grouped): their contact, id and time,
// and `keys`, an input without contacts whose touch_keys hold the rows' keys
// (the columns `needs` names, prepared as a workspace load prepares them), so
// that a Scorer over it gives each row's rule set.
struct TouchRows {
  std::vector<int64_t> contact_ids, ids;
  std::vector<Timestamp> times;
  ScoringInput keys;
};
// The touchpoints with a contact that satisfy `where` (SQL over t).
core::Result<TouchRows> ScanTouchRows(store::Database& db, std::string_view where,
                                      const ScoringNeeds& needs);

// The rows of the touch cache a LoadWithTouchCache left to write, with the
// mark they were read under.
struct TouchCacheWrite {
  bool pending = false;  // false: nothing to write (PostgreSQL)
  bool rebuild = false;  // every row again
  int64_t high = 0, last_change = 0;
  std::string stamp;
  // Blocks of lead_touch_blocks: block, text ("" deletes the block).
  std::vector<std::pair<int64_t, std::string>> blocks;
  int64_t contacts = 0;  // contacts whose rows changed in them
};

// The workspace's scoring input as of `as_of` with the touches' rule sets
// (ScoringInput::touch_sets) read from the touch cache and brought up to
// date, or built when it cannot be used (see touch_cache.cc); `write`
// receives the cache rows to store. On PostgreSQL: LoadScoringInput as it
// is, nothing to store. Fills report's touch_cache*.
core::Result<ScoringInput> LoadWithTouchCache(store::Database& db, const ScoringConfig& config,
                                              Timestamp as_of, int parts, ScoreRunReport& report,
                                              TouchCacheWrite& write);
// Stores what LoadWithTouchCache left in `write` (a transaction of its own),
// unless a later rescore has set its mark since. Uses only `db`: it may run
// on another thread while this one scores.
core::Status StoreTouchCache(store::Database& db, TouchCacheWrite write, ScoreRunReport& report);

using core::ParallelRanges;

// "1,2,3": ids for an IN list.
std::string IdList(std::span<const int64_t> ids);

// "2026-03-30" or a full time stamp; empty -> `fallback`.
core::Result<Timestamp> ParseAsOf(std::string_view text, Timestamp fallback);

}  // namespace mops::leads::internal
