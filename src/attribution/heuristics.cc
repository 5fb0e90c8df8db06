// First touch, last touch and linear, as ChannelAttribution defines them.
#include "attribution/internal.h"
#include "attribution/paths.h"

namespace mops::attribution {
namespace {

ChannelCredit Zero(const PathTable& paths) {
  ChannelCredit credit;
  credit.conversions.assign(paths.channels.size(), 0.0);
  credit.value.assign(paths.channels.size(), 0.0);
  return credit;
}

}  // namespace

ChannelCredit FirstTouch(const PathTable& paths) {
  ChannelCredit credit = Zero(paths);
  for (size_t r = 0; r < paths.rows(); ++r) {
    if (paths.offsets[r] == paths.offsets[r + 1]) continue;
    const ChannelId c = paths.steps[paths.offsets[r]];
    credit.conversions[c] += paths.conversions[r];
    credit.value[c] += paths.value[r];
  }
  return credit;
}

ChannelCredit LastTouch(const PathTable& paths) {
  ChannelCredit credit = Zero(paths);
  for (size_t r = 0; r < paths.rows(); ++r) {
    if (paths.offsets[r] == paths.offsets[r + 1]) continue;
    const ChannelId c = paths.steps[paths.offsets[r + 1] - 1];
    credit.conversions[c] += paths.conversions[r];
    credit.value[c] += paths.value[r];
  }
  return credit;
}

ChannelCredit Linear(const PathTable& paths, bool unique) {
  ChannelCredit credit = Zero(paths);
  std::vector<ChannelId> distinct;
  // Marks which channels the current path has already credited (unique).
  std::vector<uint32_t> seen_in_row(paths.channels.size(), ~0u);
  for (size_t r = 0; r < paths.rows(); ++r) {
    const auto path = paths.path(r);
    if (path.empty() || (paths.conversions[r] == 0 && paths.value[r] == 0)) continue;
    if (!unique) {
      const double conv = paths.conversions[r] / static_cast<double>(path.size());
      const double value = paths.value[r] / static_cast<double>(path.size());
      for (const ChannelId c : path) {
        credit.conversions[c] += conv;
        credit.value[c] += value;
      }
      continue;
    }
    distinct.clear();
    for (const ChannelId c : path) {
      if (seen_in_row[c] == r) continue;
      seen_in_row[c] = static_cast<uint32_t>(r);
      distinct.push_back(c);
    }
    const double conv = paths.conversions[r] / static_cast<double>(distinct.size());
    const double value = paths.value[r] / static_cast<double>(distinct.size());
    for (const ChannelId c : distinct) {
      credit.conversions[c] += conv;
      credit.value[c] += value;
    }
  }
  return credit;
}

}  // namespace mops::attribution
