// Workspace attribution engines: journeys built from touchpoints, the
// rule-based and data-driven models over them, and the report that sums the
// credit. Pure functions over plain structs; the service fills the inputs
// from the workspace.
//
// The rules every model follows (README.md has the worked examples):
// - A journey is the touches of a conversion's contacts (its opportunity
//   roles, or every contact of its account) inside [at - lookback, at], ordered
//   by (time, touchpoint id). A touch after the conversion is excluded.
// - Only touch types marked `counts` take credit; the others are still
//   journey context for sourced pipeline.
// - Position models place weight on milestones (first touch, lead creation,
//   opportunity creation, closed won). Milestones on the same touch add their
//   weights. The weight of a milestone that the journey lacks, and the "rest"
//   weight, go in equal parts to the touches that are no milestone; when every
//   touch is a milestone, the remainder is shared by the milestones in
//   proportion to their weights. So one touch gets 100% and two touches in U
//   split 50/50.
// - A conversion without a counted touch goes to the "(unattributed)" row, so
//   every model's credit sums to the conversions and to their value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace mops::attribution {

enum class Model : uint8_t {
  kFirstTouch,
  kLastTouch,
  kLastNonDirect,
  kLinear,
  kTimeDecay,
  kPositionBased,
  kWShaped,
  kFullPath,
  kCustom,
  kMarkov,
  kShapley,
};
inline constexpr size_t kModelCount = 11;
std::string_view ModelName(Model model);
core::Result<Model> ParseModel(std::string_view name);
std::span<const Model> AllModels();

// What counts as the conversion: an opportunity created (pipeline) or won
// (revenue), or a contact becoming a lead or an MQL.
enum class ConversionKind : uint8_t { kCreated, kWon, kLead, kMql };
std::string_view ConversionName(ConversionKind kind);
core::Result<ConversionKind> ParseConversion(std::string_view name);
inline bool IsOpportunityConversion(ConversionKind k) {
  return k == ConversionKind::kCreated || k == ConversionKind::kWon;
}

// Journeys of an opportunity run through its contact roles or through every
// contact (and touchpoint) of its account.
enum class JourneyScope : uint8_t { kRoles, kAccount };

// The dimensions credit is reported by.
enum class Dimension : uint8_t { kChannel, kCampaign, kSource, kMedium, kContent };
inline constexpr size_t kDimensionCount = 5;
std::string_view DimensionName(Dimension d);
core::Result<Dimension> ParseDimension(std::string_view name);

inline constexpr int32_t kNone = -1;

// Touchpoints, columnar. Text dimensions are dictionary codes (kNone when
// empty). `group` is what journeys are built from: the contact index for role
// and contact journeys, the account index for account journeys.
struct TouchTable {
  std::vector<int64_t> id;
  std::vector<core::Timestamp> at;
  std::vector<int32_t> group;
  std::vector<int32_t> channel;
  std::vector<int32_t> campaign;
  std::vector<int32_t> source;
  std::vector<int32_t> medium;
  std::vector<int32_t> content;
  std::vector<uint8_t> counts;     // 1 when the touch type takes credit
  std::vector<uint8_t> marketing;  // 1 when the touch is marketing's (sourced/influenced)
  // Dictionaries of the coded columns.
  std::vector<std::string> channels, campaigns, sources, mediums, contents;
  // The channel code of "direct" (kNone when absent), for last_non_direct.
  int32_t direct_channel = kNone;

  size_t size() const { return id.size(); }
};

// One conversion: an opportunity (created or won) or a contact (lead, MQL).
// `groups` lists the touch groups of its journey (its role contacts, its
// account, or the contact itself).
struct ConversionEvent {
  int64_t id = 0;  // opportunity or contact id
  core::Timestamp at = 0;
  double value = 0;  // amount in major units for opportunities, 1 for contacts
  std::optional<core::Timestamp> lead_created_at;
  std::optional<core::Timestamp> opportunity_created_at;
  std::optional<core::Timestamp> won_at;
  std::vector<int32_t> groups;
  // The account journey of an opportunity (its account's contacts and
  // account-level touches): used instead of `groups` when those give no
  // counted touch in the window, e.g. an opportunity without contact roles.
  std::vector<int32_t> fallback_groups;
};

// Weights of the position models, as fractions that sum to 1.
struct PositionWeights {
  double first = 0.4, middle = 0.2, last = 0.4;  // position_based (U)
};
struct MilestoneWeights {
  double first = 0, lead_creation = 0, opportunity_creation = 0, closed_won = 0, rest = 0;
};
inline constexpr MilestoneWeights kWShaped{0.3, 0.3, 0.3, 0, 0.1};
inline constexpr MilestoneWeights kFullPath{0.225, 0.225, 0.225, 0.225, 0.1};

struct ModelOptions {
  double half_life_days = 7;
  PositionWeights position;
  MilestoneWeights custom{0.25, 0.25, 0.25, 0.15, 0.1};
  int markov_order = 1;
};
// Weights must be non-negative and sum to 1 (within 1e-9); the error names the
// weight set.
core::Status ValidateOptions(const ModelOptions& options);

struct JourneyOptions {
  int lookback_days = 90;
};

// Journeys in CSR form: journey j is touches[offsets[j] .. offsets[j+1]),
// indexes into the TouchTable, in (time, id) order, counted touches only.
// `all_first` is the first touch of any type in the window (for sourced
// pipeline); kNone when the window is empty.
struct Journeys {
  std::vector<uint32_t> offsets{0};
  std::vector<uint32_t> touches;
  std::vector<int32_t> all_first;
  // Milestones as positions inside the journey (kNone when absent).
  struct Milestones {
    int32_t lead_creation = kNone;
    int32_t opportunity_creation = kNone;
    int32_t closed_won = kNone;
  };
  std::vector<Milestones> milestones;
  // Per journey: 1 when it came from the conversion's fallback_groups.
  std::vector<uint8_t> via_fallback;

  size_t size() const { return offsets.size() - 1; }
  std::span<const uint32_t> of(size_t j) const {
    return {touches.data() + offsets[j], offsets[j + 1] - offsets[j]};
  }
};

// Touch order per group: the touches of group g are
// order[group_offsets[g] .. group_offsets[g+1]), sorted by (time, id).
struct TouchIndex {
  std::vector<uint32_t> group_offsets;
  std::vector<uint32_t> order;
};
TouchIndex IndexTouches(const TouchTable& touches, size_t group_count);

Journeys BuildJourneys(const TouchTable& touches, const TouchIndex& index,
                       std::span<const ConversionEvent> conversions, const JourneyOptions& options);

// Channel paths of the groups that did not convert (for the data-driven
// models' null paths): per group that is in no conversion, its counted touches
// in the lookback window that ends at its last touch in [from, to].
Journeys BuildNullJourneys(const TouchTable& touches, const TouchIndex& index,
                           std::span<const ConversionEvent> conversions,
                           const JourneyOptions& options, core::Timestamp from, core::Timestamp to);

// The credit of one model: per journey touch (aligned with Journeys::touches)
// the share of its conversion, each journey's shares summing to 1.
struct ModelCredit {
  Model model = Model::kFirstTouch;
  std::vector<double> share;
};

core::Result<ModelCredit> Attribute(Model model, const TouchTable& touches,
                                    const Journeys& journeys, const Journeys& null_journeys,
                                    std::span<const ConversionEvent> conversions,
                                    const ModelOptions& options);

// Credit summed per key of a dimension. `conversions` and `value` are indexed
// by dictionary code, with one extra last slot for "(none)" (a touch without
// that dimension) and one for "(unattributed)".
struct DimensionTotals {
  std::vector<std::string> keys;  // code -> name, then "(none)", "(unattributed)"
  std::vector<double> conversions;
  std::vector<double> value;
};
DimensionTotals Summarize(Dimension dimension, const TouchTable& touches, const Journeys& journeys,
                          const ModelCredit& credit, std::span<const ConversionEvent> conversions);

// The most frequent channel paths of the journeys (repeats collapsed).
struct PathCount {
  std::string path;  // "paid_search > email > webinar"
  int64_t journeys = 0;
  double value = 0;
};
std::vector<PathCount> TopPaths(const TouchTable& touches, const Journeys& journeys,
                                std::span<const ConversionEvent> conversions, size_t limit);

// Sourced and influenced pipeline per channel: sourced by the channel of the
// first touch (of any type) when that touch is marketing's; influenced by every
// channel with a marketing touch in the window. Reported side by side, never
// summed.
struct SourcedInfluenced {
  std::vector<std::string> channels;  // code -> name, then "(sales)", "(no touch)"
  std::vector<int64_t> sourced_count;
  std::vector<double> sourced_value;
  std::vector<int64_t> influenced_count;
  std::vector<double> influenced_value;
  int64_t marketing_sourced = 0, marketing_influenced = 0;
  double marketing_sourced_value = 0, marketing_influenced_value = 0;
};
SourcedInfluenced SourcedAndInfluenced(const TouchTable& touches, const Journeys& journeys,
                                       std::span<const ConversionEvent> conversions);

}  // namespace mops::attribution
