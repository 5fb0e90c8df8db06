#include "attribution/journeys.h"

#include <algorithm>
#include <array>
#include <numeric>

#include "core/strings.h"
#include "core/time.h"

namespace mops::attribution {
namespace {

constexpr std::array<std::string_view, kModelCount> kModelNames = {
    "first_touch", "last_touch", "last_non_direct", "linear", "time_decay", "position_based",
    "w_shaped",    "full_path",  "custom",          "markov", "shapley",
};
constexpr std::array<Model, kModelCount> kModels = {
    Model::kFirstTouch, Model::kLastTouch,     Model::kLastNonDirect, Model::kLinear,
    Model::kTimeDecay,  Model::kPositionBased, Model::kWShaped,       Model::kFullPath,
    Model::kCustom,     Model::kMarkov,        Model::kShapley,
};
constexpr std::array<std::string_view, 4> kConversionNames = {"created", "won", "lead", "mql"};
constexpr std::array<std::string_view, kDimensionCount> kDimensionNames = {
    "channel", "campaign", "source", "medium", "content"};

bool TouchBefore(const TouchTable& t, uint32_t a, uint32_t b) {
  return t.at[a] != t.at[b] ? t.at[a] < t.at[b] : t.id[a] < t.id[b];
}

// The last position in `journey` whose touch is at or before `t`.
int32_t LastAtOrBefore(const TouchTable& touches, std::span<const uint32_t> journey,
                       std::optional<core::Timestamp> t) {
  if (!t) return kNone;
  int32_t found = kNone;
  for (size_t p = 0; p < journey.size() && touches.at[journey[p]] <= *t; ++p) {
    found = static_cast<int32_t>(p);
  }
  return found;
}

}  // namespace

std::string_view ModelName(Model model) { return kModelNames[static_cast<size_t>(model)]; }

core::Result<Model> ParseModel(std::string_view name) {
  for (size_t i = 0; i < kModelCount; ++i) {
    if (kModelNames[i] == name) return kModels[i];
  }
  // The short names users know from other tools.
  if (name == "u_shaped" || name == "u") return Model::kPositionBased;
  if (name == "w") return Model::kWShaped;
  if (name == "z_shaped" || name == "z") return Model::kFullPath;
  return core::Fail(
      core::ErrorCode::kInvalidArgument,
      "unknown model '{}' (one of first_touch, last_touch, last_non_direct, linear, "
      "time_decay, position_based, w_shaped, full_path, custom, markov, shapley, all)",
      name);
}

std::span<const Model> AllModels() { return kModels; }

std::string_view ConversionName(ConversionKind kind) {
  return kConversionNames[static_cast<size_t>(kind)];
}

core::Result<ConversionKind> ParseConversion(std::string_view name) {
  for (size_t i = 0; i < kConversionNames.size(); ++i) {
    if (kConversionNames[i] == name) return static_cast<ConversionKind>(i);
  }
  return core::Fail(core::ErrorCode::kInvalidArgument,
                    "unknown conversion '{}' (one of created, won, lead, mql)", name);
}

std::string_view DimensionName(Dimension d) { return kDimensionNames[static_cast<size_t>(d)]; }

core::Result<Dimension> ParseDimension(std::string_view name) {
  for (size_t i = 0; i < kDimensionNames.size(); ++i) {
    if (kDimensionNames[i] == name) return static_cast<Dimension>(i);
  }
  return core::Fail(core::ErrorCode::kInvalidArgument,
                    "unknown dimension '{}' (one of channel, campaign, source, medium, content)",
                    name);
}

TouchIndex IndexTouches(const TouchTable& touches, size_t group_count) {
  TouchIndex index;
  index.group_offsets.assign(group_count + 1, 0);
  for (int32_t g : touches.group) {
    if (g >= 0 && static_cast<size_t>(g) < group_count) ++index.group_offsets[g + 1];
  }
  std::partial_sum(index.group_offsets.begin(), index.group_offsets.end(),
                   index.group_offsets.begin());
  index.order.resize(index.group_offsets.back());
  std::vector<uint32_t> next(index.group_offsets.begin(), index.group_offsets.end() - 1);
  for (size_t i = 0; i < touches.size(); ++i) {
    const int32_t g = touches.group[i];
    if (g >= 0 && static_cast<size_t>(g) < group_count) {
      index.order[next[g]++] = static_cast<uint32_t>(i);
    }
  }
  for (size_t g = 0; g < group_count; ++g) {
    auto first = index.order.begin() + index.group_offsets[g];
    auto last = index.order.begin() + index.group_offsets[g + 1];
    std::sort(first, last, [&](uint32_t a, uint32_t b) { return TouchBefore(touches, a, b); });
  }
  return index;
}

namespace {

// Touches of `groups` inside [lo, hi], in (time, id) order, into `out`.
void CollectWindow(const TouchTable& touches, const TouchIndex& index,
                   std::span<const int32_t> groups, core::Timestamp lo, core::Timestamp hi,
                   std::vector<uint32_t>& out) {
  out.clear();
  for (int32_t g : groups) {
    if (g < 0 || static_cast<size_t>(g) + 1 >= index.group_offsets.size()) continue;
    auto first = index.order.begin() + index.group_offsets[g];
    auto last = index.order.begin() + index.group_offsets[g + 1];
    auto it = std::lower_bound(first, last, lo,
                               [&](uint32_t t, core::Timestamp v) { return touches.at[t] < v; });
    for (; it != last && touches.at[*it] <= hi; ++it) out.push_back(*it);
  }
  if (groups.size() > 1) {
    std::sort(out.begin(), out.end(),
              [&](uint32_t a, uint32_t b) { return TouchBefore(touches, a, b); });
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
}

void AppendJourney(const TouchTable& touches, std::span<const uint32_t> window, Journeys& out) {
  out.all_first.push_back(window.empty() ? kNone : static_cast<int32_t>(window.front()));
  for (uint32_t t : window) {
    if (touches.counts[t]) out.touches.push_back(t);
  }
  out.offsets.push_back(static_cast<uint32_t>(out.touches.size()));
}

}  // namespace

Journeys BuildJourneys(const TouchTable& touches, const TouchIndex& index,
                       std::span<const ConversionEvent> conversions,
                       const JourneyOptions& options) {
  Journeys out;
  out.offsets.reserve(conversions.size() + 1);
  out.all_first.reserve(conversions.size());
  out.milestones.reserve(conversions.size());
  std::vector<uint32_t> window;
  const int64_t lookback = int64_t{options.lookback_days} * core::kSecondsPerDay;
  for (const ConversionEvent& c : conversions) {
    CollectWindow(touches, index, c.groups, c.at - lookback, c.at, window);
    AppendJourney(touches, window, out);
    bool via_fallback = false;
    if (!c.fallback_groups.empty() && out.offsets.back() == out.offsets[out.offsets.size() - 2]) {
      // No counted touch through the conversion's own groups: its account's.
      out.offsets.pop_back();
      out.all_first.pop_back();
      CollectWindow(touches, index, c.fallback_groups, c.at - lookback, c.at, window);
      AppendJourney(touches, window, out);
      via_fallback = out.offsets.back() != out.offsets[out.offsets.size() - 2];
    }
    out.via_fallback.push_back(via_fallback ? 1 : 0);
    const std::span<const uint32_t> journey = out.of(out.size() - 1);
    Journeys::Milestones m;
    m.lead_creation = LastAtOrBefore(touches, journey, c.lead_created_at);
    m.opportunity_creation = LastAtOrBefore(touches, journey, c.opportunity_created_at);
    m.closed_won = LastAtOrBefore(touches, journey, c.won_at);
    out.milestones.push_back(m);
  }
  return out;
}

Journeys BuildNullJourneys(const TouchTable& touches, const TouchIndex& index,
                           std::span<const ConversionEvent> conversions,
                           const JourneyOptions& options, core::Timestamp from,
                           core::Timestamp to) {
  const size_t group_count = index.group_offsets.size() - 1;
  std::vector<uint8_t> converted(group_count, 0);
  for (const ConversionEvent& c : conversions) {
    for (int32_t g : c.groups) {
      if (g >= 0 && static_cast<size_t>(g) < group_count) converted[g] = 1;
    }
  }
  Journeys out;
  std::vector<uint32_t> window;
  const int64_t lookback = int64_t{options.lookback_days} * core::kSecondsPerDay;
  for (size_t g = 0; g < group_count; ++g) {
    if (converted[g]) continue;
    auto first = index.order.begin() + index.group_offsets[g];
    auto last = index.order.begin() + index.group_offsets[g + 1];
    // The group's last touch at or before `to`.
    auto end = std::upper_bound(first, last, to,
                                [&](core::Timestamp v, uint32_t t) { return v < touches.at[t]; });
    if (end == first) continue;
    const core::Timestamp last_at = touches.at[*(end - 1)];
    if (last_at < from) continue;
    const int32_t group = static_cast<int32_t>(g);
    CollectWindow(touches, index, std::span<const int32_t>(&group, 1), last_at - lookback, last_at,
                  window);
    AppendJourney(touches, window, out);
    out.milestones.push_back({});
    if (out.offsets.back() == out.offsets[out.offsets.size() - 2]) {
      // No counted touch: not a path.
      out.offsets.pop_back();
      out.all_first.pop_back();
      out.milestones.pop_back();
    }
  }
  return out;
}

DimensionTotals Summarize(Dimension dimension, const TouchTable& touches, const Journeys& journeys,
                          const ModelCredit& credit, std::span<const ConversionEvent> conversions) {
  const std::vector<int32_t>* codes = nullptr;
  const std::vector<std::string>* dict = nullptr;
  switch (dimension) {
    case Dimension::kChannel:
      codes = &touches.channel, dict = &touches.channels;
      break;
    case Dimension::kCampaign:
      codes = &touches.campaign, dict = &touches.campaigns;
      break;
    case Dimension::kSource:
      codes = &touches.source, dict = &touches.sources;
      break;
    case Dimension::kMedium:
      codes = &touches.medium, dict = &touches.mediums;
      break;
    case Dimension::kContent:
      codes = &touches.content, dict = &touches.contents;
      break;
  }
  DimensionTotals out;
  out.keys = *dict;
  out.keys.push_back("(none)");
  out.keys.push_back("(unattributed)");
  const size_t none = out.keys.size() - 2, unattributed = out.keys.size() - 1;
  out.conversions.assign(out.keys.size(), 0);
  out.value.assign(out.keys.size(), 0);
  for (size_t j = 0; j < journeys.size(); ++j) {
    const double value = conversions[j].value;
    const uint32_t begin = journeys.offsets[j], end = journeys.offsets[j + 1];
    if (begin == end) {
      out.conversions[unattributed] += 1;
      out.value[unattributed] += value;
      continue;
    }
    for (uint32_t p = begin; p < end; ++p) {
      const int32_t code = (*codes)[journeys.touches[p]];
      const size_t slot = code >= 0 ? static_cast<size_t>(code) : none;
      out.conversions[slot] += credit.share[p];
      out.value[slot] += credit.share[p] * value;
    }
  }
  return out;
}

std::vector<PathCount> TopPaths(const TouchTable& touches, const Journeys& journeys,
                                std::span<const ConversionEvent> conversions, size_t limit) {
  // Paths as channel-code sequences first: cheaper to hash than names.
  std::vector<std::pair<std::vector<int32_t>, size_t>> keyed;
  keyed.reserve(journeys.size());
  for (size_t j = 0; j < journeys.size(); ++j) {
    std::vector<int32_t> path;
    for (uint32_t t : journeys.of(j)) {
      if (path.empty() || path.back() != touches.channel[t]) path.push_back(touches.channel[t]);
    }
    keyed.emplace_back(std::move(path), j);
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<PathCount> out;
  for (size_t i = 0; i < keyed.size();) {
    size_t k = i;
    PathCount pc;
    for (; k < keyed.size() && keyed[k].first == keyed[i].first; ++k) {
      ++pc.journeys;
      pc.value += conversions[keyed[k].second].value;
    }
    if (keyed[i].first.empty()) {
      pc.path = "(no touch)";
    } else {
      for (int32_t c : keyed[i].first) {
        if (!pc.path.empty()) pc.path += " > ";
        pc.path += c >= 0 ? touches.channels[c] : std::string("(none)");
      }
    }
    out.push_back(std::move(pc));
    i = k;
  }
  std::stable_sort(out.begin(), out.end(), [](const PathCount& a, const PathCount& b) {
    return a.journeys != b.journeys ? a.journeys > b.journeys : a.path < b.path;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

SourcedInfluenced SourcedAndInfluenced(const TouchTable& touches, const Journeys& journeys,
                                       std::span<const ConversionEvent> conversions) {
  SourcedInfluenced out;
  out.channels = touches.channels;
  out.channels.push_back("(none)");
  out.channels.push_back("(sales)");
  out.channels.push_back("(no touch)");
  const size_t n = out.channels.size();
  const size_t none = n - 3, sales = n - 2, no_touch = n - 1;
  out.sourced_count.assign(n, 0);
  out.sourced_value.assign(n, 0);
  out.influenced_count.assign(n, 0);
  out.influenced_value.assign(n, 0);
  std::vector<uint8_t> seen(n, 0);
  for (size_t j = 0; j < journeys.size(); ++j) {
    const double value = conversions[j].value;
    const int32_t first = journeys.all_first[j];
    size_t slot = no_touch;
    if (first != kNone) {
      const int32_t ch = touches.channel[first];
      slot = !touches.marketing[first] ? sales : ch >= 0 ? static_cast<size_t>(ch) : none;
    }
    ++out.sourced_count[slot];
    out.sourced_value[slot] += value;
    if (slot != sales && slot != no_touch) {
      ++out.marketing_sourced;
      out.marketing_sourced_value += value;
    }
    std::fill(seen.begin(), seen.end(), 0);
    bool influenced = false;
    for (uint32_t t : journeys.of(j)) {
      if (!touches.marketing[t]) continue;
      influenced = true;
      const int32_t ch = touches.channel[t];
      seen[ch >= 0 ? static_cast<size_t>(ch) : none] = 1;
    }
    for (size_t c = 0; c < n; ++c) {
      if (!seen[c]) continue;
      ++out.influenced_count[c];
      out.influenced_value[c] += value;
    }
    if (influenced) {
      ++out.marketing_influenced;
      out.marketing_influenced_value += value;
    }
  }
  return out;
}

}  // namespace mops::attribution
