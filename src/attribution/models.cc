// The workspace models: each turns a journey into shares that sum to 1.
#include <algorithm>
#include <cmath>

#include "attribution/journeys.h"
#include "attribution/paths.h"

namespace mops::attribution {
namespace {

constexpr double kWeightTolerance = 1e-9;

struct Placed {
  int32_t position;
  double weight;
};

// Milestone weights onto a journey of n touches, by the rule in journeys.h.
void PlaceMilestones(std::span<const Placed> milestones, double rest, std::span<double> share) {
  const size_t n = share.size();
  std::fill(share.begin(), share.end(), 0.0);
  std::vector<uint8_t> is_milestone(n, 0);
  double spill = rest;
  for (const Placed& m : milestones) {
    if (m.weight == 0) continue;  // a milestone the model does not weigh is an ordinary touch
    if (m.position == kNone) {
      spill += m.weight;
      continue;
    }
    share[m.position] += m.weight;
    is_milestone[m.position] = 1;
  }
  const size_t others =
      static_cast<size_t>(std::count(is_milestone.begin(), is_milestone.end(), 0));
  if (others > 0) {
    for (size_t p = 0; p < n; ++p) {
      if (!is_milestone[p]) share[p] = spill / static_cast<double>(others);
    }
    return;
  }
  double placed = 0;
  for (double s : share) placed += s;
  if (placed <= 0) {
    std::fill(share.begin(), share.end(), 1.0 / static_cast<double>(n));
    return;
  }
  for (double& s : share) s += spill * s / placed;
}

void Milestones(const Journeys::Milestones& m, size_t n, const MilestoneWeights& w,
                std::span<double> share) {
  const Placed placed[] = {{0, w.first},
                           {m.lead_creation, w.lead_creation},
                           {m.opportunity_creation, w.opportunity_creation},
                           {m.closed_won, w.closed_won}};
  (void)n;
  PlaceMilestones(placed, w.rest, share);
}

// Splits a journey's credit over its distinct channels in proportion to
// `channel_weight`, then equally over each channel's touches. Falls back to an
// equal split when the journey's channels all weigh nothing.
void ByChannelWeight(const TouchTable& touches, std::span<const uint32_t> journey,
                     std::span<const double> channel_weight, std::span<double> share,
                     std::vector<int32_t>& count) {
  const size_t unknown = channel_weight.size() - 1;
  auto slot = [&](uint32_t t) {
    const int32_t c = touches.channel[t];
    return c >= 0 ? static_cast<size_t>(c) : unknown;
  };
  for (uint32_t t : journey) ++count[slot(t)];
  double total = 0;
  for (uint32_t t : journey) {
    const size_t c = slot(t);
    total += channel_weight[c] / count[c];
  }
  for (size_t p = 0; p < journey.size(); ++p) {
    const size_t c = slot(journey[p]);
    share[p] = total > 0 ? channel_weight[c] / count[c] / total
                         : 1.0 / static_cast<double>(journey.size());
  }
  for (uint32_t t : journey) count[slot(t)] = 0;
}

// The channels of the journeys as a path table (channel id = dictionary code,
// with one extra id for touches without a channel).
PathTable ToPathTable(const TouchTable& touches, const Journeys& journeys,
                      const Journeys& null_journeys, std::span<const ConversionEvent> conversions) {
  PathTable paths;
  paths.channels = touches.channels;
  paths.channels.push_back("(none)");
  const ChannelId unknown = static_cast<ChannelId>(paths.channels.size() - 1);
  auto add = [&](const Journeys& js, size_t j, double conversions_, double value, double nulls) {
    const auto journey = js.of(j);
    if (journey.empty()) return;
    for (uint32_t t : journey) {
      const int32_t c = touches.channel[t];
      paths.steps.push_back(c >= 0 ? static_cast<ChannelId>(c) : unknown);
    }
    paths.offsets.push_back(static_cast<uint32_t>(paths.steps.size()));
    paths.conversions.push_back(conversions_);
    paths.value.push_back(value);
    paths.nulls.push_back(nulls);
  };
  for (size_t j = 0; j < journeys.size(); ++j) add(journeys, j, 1, conversions[j].value, 0);
  for (size_t j = 0; j < null_journeys.size(); ++j) add(null_journeys, j, 0, 0, 1);
  return paths;
}

}  // namespace

core::Status ValidateOptions(const ModelOptions& options) {
  auto check = [](std::string_view name, std::initializer_list<double> weights) -> core::Status {
    double sum = 0;
    for (double w : weights) {
      if (!(w >= 0)) {
        return core::Fail(core::ErrorCode::kInvalidArgument, "{} weights must not be negative",
                          name);
      }
      sum += w;
    }
    if (std::abs(sum - 1) > kWeightTolerance) {
      return core::Fail(core::ErrorCode::kInvalidArgument,
                        "{} weights must sum to 100% (they sum to {:.4g}%)", name, sum * 100);
    }
    return {};
  };
  MOPS_TRY(check("position_based",
                 {options.position.first, options.position.middle, options.position.last}));
  MOPS_TRY(check("custom", {options.custom.first, options.custom.lead_creation,
                            options.custom.opportunity_creation, options.custom.closed_won,
                            options.custom.rest}));
  if (!(options.half_life_days > 0)) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "half_life_days must be positive");
  }
  if (options.markov_order < 1 || options.markov_order > 4) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "markov order must be 1 to 4");
  }
  return {};
}

core::Result<ModelCredit> Attribute(Model model, const TouchTable& touches,
                                    const Journeys& journeys, const Journeys& null_journeys,
                                    std::span<const ConversionEvent> conversions,
                                    const ModelOptions& options) {
  MOPS_TRY(ValidateOptions(options));
  ModelCredit out;
  out.model = model;
  out.share.assign(journeys.touches.size(), 0.0);

  // The data-driven models weigh channels once over all journeys.
  std::vector<double> channel_weight;
  if (model == Model::kMarkov) {
    const PathTable paths = ToPathTable(touches, journeys, null_journeys, conversions);
    MarkovOptions markov;
    markov.order = options.markov_order;
    MOPS_ASSIGN_OR_RETURN(MarkovResult result, Markov(paths, markov));
    channel_weight = result.removal_effects;
    channel_weight.resize(touches.channels.size() + 1, 0.0);
  } else if (model == Model::kShapley) {
    // v(S) = conversions of journeys whose channel set is inside S is a sum of
    // unanimity games, one per journey, so each journey's Shapley share is an
    // equal split over its distinct channels; summed, these are exactly the
    // channels' Shapley values.
    channel_weight.assign(touches.channels.size() + 1, 1.0);
  }
  std::vector<int32_t> count(touches.channels.size() + 1, 0);

  for (size_t j = 0; j < journeys.size(); ++j) {
    const std::span<const uint32_t> journey = journeys.of(j);
    const size_t n = journey.size();
    if (n == 0) continue;
    std::span<double> share(out.share.data() + journeys.offsets[j], n);
    const Journeys::Milestones& m = journeys.milestones[j];
    switch (model) {
      case Model::kFirstTouch:
        share[0] = 1;
        break;
      case Model::kLastTouch:
        share[n - 1] = 1;
        break;
      case Model::kLastNonDirect: {
        size_t p = n - 1;
        for (size_t q = n; q-- > 0;) {
          if (touches.channel[journey[q]] != touches.direct_channel ||
              touches.direct_channel == kNone) {
            p = q;
            break;
          }
        }
        share[p] = 1;
        break;
      }
      case Model::kLinear:
        std::fill(share.begin(), share.end(), 1.0 / static_cast<double>(n));
        break;
      case Model::kTimeDecay: {
        // Ages relative to the newest touch, so that long windows with short
        // half-lives cannot underflow every weight to zero.
        const double half_life = options.half_life_days * 86400.0;
        const core::Timestamp newest = touches.at[journey[n - 1]];
        double total = 0;
        for (size_t p = 0; p < n; ++p) {
          const double age = static_cast<double>(newest - touches.at[journey[p]]);
          share[p] = std::exp2(-age / half_life);
          total += share[p];
        }
        for (double& s : share) s /= total;
        break;
      }
      case Model::kPositionBased: {
        const Placed placed[] = {{0, options.position.first},
                                 {static_cast<int32_t>(n - 1), options.position.last}};
        PlaceMilestones(placed, options.position.middle, share);
        break;
      }
      case Model::kWShaped:
        Milestones(m, n, kWShaped, share);
        break;
      case Model::kFullPath:
        Milestones(m, n, kFullPath, share);
        break;
      case Model::kCustom:
        Milestones(m, n, options.custom, share);
        break;
      case Model::kMarkov:
      case Model::kShapley:
        ByChannelWeight(touches, journey, channel_weight, share, count);
        break;
    }
  }
  return out;
}

}  // namespace mops::attribution
