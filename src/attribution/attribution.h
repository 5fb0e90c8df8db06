// Attribution on a workspace: loads touchpoints and conversions, runs the
// models (journeys.h, paths.h), and stores each run with its parameters so the
// API, the dashboard and the audit report serve the same figures.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attribution/journeys.h"
#include "core/error.h"
#include "store/database.h"

namespace mops::attribution {

struct RunRequest {
  std::vector<Model> models;  // empty: every model
  ConversionKind conversion = ConversionKind::kCreated;
  JourneyScope scope = JourneyScope::kRoles;
  int lookback_days = 90;
  // Conversions at or after `from` and before `to`.
  std::optional<core::Timestamp> from, to;
  ModelOptions model_options;
  // Touchpoint types that take no credit.
  std::vector<std::string> excluded_types{"sales_activity"};
  bool store = true;    // keep the run in the workspace
  bool detail = false;  // fill RunReport::detail
};

// The `attribution` config (YAML in the configs table) supplies defaults:
//   lookback_days: 90
//   half_life_days: 7
//   journey: roles            # or account
//   exclude_types: [sales_activity]
//   position_based: {first: 0.4, middle: 0.2, last: 0.4}
//   custom: {first: 0.25, lead_creation: 0.25, opportunity_creation: 0.25,
//            closed_won: 0.15, rest: 0.1}
//   markov_order: 1
// Errors name the key.
core::Result<RunRequest> RequestFromConfig(std::string_view yaml);
core::Result<RunRequest> DefaultRequest(store::Database& db);
core::Status SaveConfig(store::Database& db, std::string_view yaml, std::string_view actor);
core::Result<std::string> LoadConfigText(store::Database& db);

struct ModelTotals {
  Model model = Model::kFirstTouch;
  std::array<DimensionTotals, kDimensionCount> by;
};

// One touch's credit under one model (--detail).
struct DetailRow {
  int64_t conversion_id = 0;
  int64_t touchpoint_id = 0;
  core::Timestamp occurred_at = 0;
  std::string channel, campaign;
  Model model = Model::kFirstTouch;
  double share = 0;
  double value = 0;
};

// Credit per conversion and channel, for the drill-down from a channel to the
// opportunities (or contacts) behind it.
struct ConversionCredit {
  Model model = Model::kFirstTouch;
  int64_t conversion_id = 0;
  std::string channel;
  double conversions = 0;
  double value = 0;
};

struct RunReport {
  int64_t run_id = 0;  // 0 when not stored
  core::Timestamp created_at = 0;
  RunRequest request;
  int64_t conversions = 0;
  double value = 0;
  int64_t unattributed = 0;
  double unattributed_value = 0;
  // Opportunities attributed through their account's journey because their
  // contact roles gave no touch (none, or none with a counted touch in the
  // window), and their value: pipeline for created, revenue for won.
  int64_t account_journeys = 0;
  double account_journey_value = 0;
  int64_t touchpoints = 0;  // loaded from the workspace
  int64_t journey_touches = 0;
  int64_t null_paths = 0;
  std::vector<ModelTotals> models;
  std::vector<PathCount> top_paths;
  std::optional<SourcedInfluenced> sourced;  // opportunity conversions only
  std::vector<ConversionCredit> credits;
  std::vector<DetailRow> detail;
  double load_seconds = 0, compute_seconds = 0, store_seconds = 0;
};

core::Result<RunReport> Run(store::Database& db, const RunRequest& request, std::string_view actor);

// Stored runs.
struct RunInfo {
  int64_t id = 0;
  core::Timestamp created_at = 0;
  std::string actor;
  std::string conversion, journey, models;
  int lookback_days = 0;
  std::optional<core::Timestamp> from, to;
  int64_t conversions = 0;
  double value = 0;
  int64_t unattributed = 0;
};
core::Result<std::vector<RunInfo>> ListRuns(store::Database& db, int limit);

// A stored run's results: every model by every dimension, plus the summary
// (top paths, sourced and influenced) as the JSON text stored with it.
struct StoredRun {
  RunInfo info;
  std::string params_json;
  std::string summary_json;
  struct Result {
    std::string model, dimension, key;
    double conversions = 0, value = 0;
  };
  std::vector<Result> results;
};
core::Result<StoredRun> LoadRun(store::Database& db, int64_t run_id);

// The conversions behind a channel's credit in a stored run, largest first.
struct CreditedConversion {
  int64_t conversion_id = 0;
  std::string name;  // opportunity name or contact email
  double amount = 0;
  double conversions = 0;  // share of this conversion given to the channel
  double value = 0;
};
core::Result<std::vector<CreditedConversion>> RunCredits(store::Database& db, int64_t run_id,
                                                         std::string_view model,
                                                         std::string_view channel, int limit);

}  // namespace mops::attribution
