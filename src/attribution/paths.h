// Path-level attribution engines: pure functions over aggregated channel paths
// (the format of ChannelAttribution: a path of channels with its conversions,
// conversion value and nulls). The workspace models build a PathTable from
// journeys and call the same engines, so one implementation serves both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace mops::attribution {

using ChannelId = uint16_t;

// Paths stored flat: row r is steps[offsets[r] .. offsets[r + 1]). Rows may
// repeat a path; engines aggregate as they need.
struct PathTable {
  std::vector<std::string> channels;  // ChannelId -> name
  std::vector<uint32_t> offsets{0};   // rows + 1 entries
  std::vector<ChannelId> steps;
  std::vector<double> conversions;  // per row
  std::vector<double> value;        // per row
  std::vector<double> nulls;        // per row

  size_t rows() const { return conversions.size(); }
};

// Credit per channel, indexed by ChannelId.
struct ChannelCredit {
  std::vector<double> conversions;
  std::vector<double> value;
};

ChannelCredit FirstTouch(const PathTable& paths);
ChannelCredit LastTouch(const PathTable& paths);
// Every occurrence gets an equal share; `unique` credits each distinct channel
// of a path once instead.
ChannelCredit Linear(const PathTable& paths, bool unique);

struct MarkovOptions {
  int order = 1;  // states are tuples of the last `order` channels
};

struct MarkovTransition {
  uint32_t from = 0;  // state index
  uint32_t to = 0;
  double probability = 0;
};

struct MarkovResult {
  ChannelCredit credit;
  std::vector<double> removal_effects;  // per channel
  double conversion_probability = 0;    // from the start state
  // The chain, for --transitions: state names ("(start)", "(conversion)",
  // "(null)", "a>b" for order-2 tuples, ...) and its non-zero transitions.
  std::vector<std::string> states;
  std::vector<MarkovTransition> transitions;
};

core::Result<MarkovResult> Markov(const PathTable& paths, const MarkovOptions& options);

// v(S) = conversions of paths whose channel set is a subset of S.
core::Result<ChannelCredit> Shapley(const PathTable& paths);
// v(S) = conversion rate of paths whose channel set is a subset of S, exact
// over all coalitions (at most 20 channels); scaled to total conversions.
core::Result<ChannelCredit> ShapleyRate(const PathTable& paths);
// Shao and Li (2011), the probabilistic model.
core::Result<ChannelCredit> ShaoLi(const PathTable& paths);

}  // namespace mops::attribution
