// Shapley (cumulative form), Shapley over conversion rates and Shao-Li: the
// three models that look at a path's set of channels, not its order.
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <unordered_map>

#include "attribution/internal.h"
#include "attribution/paths.h"

namespace mops::attribution {
namespace internal {

ChannelSets DistinctSets(const PathTable& paths) {
  ChannelSets sets;
  const size_t nchannels = paths.channels.size();
  IndexMap index(1024);
  std::vector<uint16_t> set;
  for (size_t r = 0; r < paths.rows(); ++r) {
    const auto path = paths.path(r);
    if (path.empty()) continue;
    uint64_t key = 0;
    if (nchannels < 64) {
      // The set is its bit mask: no sort, no comparison.
      for (const uint16_t c : path) key |= uint64_t{1} << c;
    } else {
      set.assign(path.begin(), path.end());
      std::sort(set.begin(), set.end());
      set.erase(std::unique(set.begin(), set.end()), set.end());
      key = 0xcbf29ce484222325ULL;
      for (const uint16_t c : set) key = (key ^ c) * 0x100000001b3ULL;
    }
    uint32_t s = 0;
    while (true) {
      bool inserted = false;
      s = index.Insert(key == ~0ULL ? 0 : key, inserted);
      if (inserted) {
        if (nchannels < 64) {
          for (uint64_t m = key; m != 0; m &= m - 1) {
            sets.channels.push_back(static_cast<uint16_t>(std::countr_zero(m)));
          }
        } else {
          sets.channels.insert(sets.channels.end(), set.begin(), set.end());
        }
        sets.offsets.push_back(static_cast<uint32_t>(sets.channels.size()));
        sets.conversions.push_back(0);
        sets.value.push_back(0);
        sets.nulls.push_back(0);
        break;
      }
      if (nchannels < 64 ||
          std::equal(set.begin(), set.end(), sets.channels.begin() + sets.offsets[s],
                     sets.channels.begin() + sets.offsets[s + 1])) {
        break;
      }
      key = key * 0x9E3779B97F4A7C15ULL + 1;  // a hash collision: probe on
    }
    sets.conversions[s] += paths.conversions[r];
    sets.value[s] += paths.value[r];
    sets.nulls[s] += paths.nulls[r];
  }
  return sets;
}

}  // namespace internal

namespace {

using internal::ChannelSets;
using internal::DistinctSets;

ChannelCredit Zero(size_t n) {
  ChannelCredit credit;
  credit.conversions.assign(n, 0.0);
  credit.value.assign(n, 0.0);
  return credit;
}

}  // namespace

core::Result<ChannelCredit> Shapley(const PathTable& paths) {
  ChannelCredit credit = Zero(paths.channels.size());
  const ChannelSets sets = DistinctSets(paths);
  for (size_t s = 0; s < sets.size(); ++s) {
    const double n = sets.offsets[s + 1] - sets.offsets[s];
    for (uint32_t k = sets.offsets[s]; k < sets.offsets[s + 1]; ++k) {
      credit.conversions[sets.channels[k]] += sets.conversions[s] / n;
      credit.value[sets.channels[k]] += sets.value[s] / n;
    }
  }
  return credit;
}

core::Result<ChannelCredit> ShapleyRate(const PathTable& paths) {
  constexpr size_t kMaxChannels = 20;
  const size_t n = paths.channels.size();
  if (n > kMaxChannels) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "shapley_rate is exact over all 2^n coalitions and supports at most {} "
                      "channels; the paths have {}",
                      kMaxChannels, n);
  }
  ChannelCredit credit = Zero(n);
  if (n == 0) return credit;
  const ChannelSets sets = DistinctSets(paths);
  const size_t masks = size_t{1} << n;
  // Per coalition mask: conversions, value and journeys of the paths whose
  // set is exactly the mask, then (zeta transform) whose set is a subset.
  std::vector<double> conv(masks, 0.0), value(masks, 0.0), journeys(masks, 0.0);
  double total_conv = 0, total_value = 0;
  for (size_t s = 0; s < sets.size(); ++s) {
    size_t mask = 0;
    for (uint32_t k = sets.offsets[s]; k < sets.offsets[s + 1]; ++k) {
      mask |= size_t{1} << sets.channels[k];
    }
    conv[mask] += sets.conversions[s];
    value[mask] += sets.value[s];
    journeys[mask] += sets.conversions[s] + sets.nulls[s];
    total_conv += sets.conversions[s];
    total_value += sets.value[s];
  }
  for (size_t bit = 1; bit < masks; bit <<= 1) {
    for (size_t mask = 0; mask < masks; ++mask) {
      if ((mask & bit) == 0) continue;
      conv[mask] += conv[mask ^ bit];
      value[mask] += value[mask ^ bit];
      journeys[mask] += journeys[mask ^ bit];
    }
  }
  // v(S) in place: conversions and value per journey.
  for (size_t mask = 0; mask < masks; ++mask) {
    const double j = journeys[mask];
    conv[mask] = j > 0 ? conv[mask] / j : 0.0;
    value[mask] = j > 0 ? value[mask] / j : 0.0;
  }
  // weight[s] = s! (n - 1 - s)! / n!, the chance that i joins right after a
  // given coalition of size s. weight[n] is never used (no channel is missing
  // from the full coalition) but is read by the loop below.
  std::vector<double> weight(n + 1, 0.0);
  for (size_t s = 0; s < n; ++s) {
    // 1 / (n * C(n - 1, s)), by lgamma to stay finite for any n <= 20.
    weight[s] =
        std::exp(std::lgamma(static_cast<double>(s) + 1) + std::lgamma(static_cast<double>(n - s)) -
                 std::lgamma(static_cast<double>(n) + 1));
  }
  std::vector<double> phi_conv(n, 0.0), phi_value(n, 0.0);
  for (size_t mask = 0; mask < masks; ++mask) {
    const double w = weight[static_cast<size_t>(std::popcount(mask))];
    for (size_t i = 0; i < n; ++i) {
      const size_t bit = size_t{1} << i;
      if ((mask & bit) != 0) continue;
      phi_conv[i] += w * (conv[mask | bit] - conv[mask]);
      phi_value[i] += w * (value[mask | bit] - value[mask]);
    }
  }
  // The phi sum to v(all) - v(empty) = v(all): scale that to the totals.
  // The computed sum is the divisor, so the credit adds up to the total even
  // when v(all) is tiny next to the marginal contributions (a rare channel
  // with a huge number of nulls) and rounding shows.
  auto scale = [&](const std::vector<double>& phi, double v_all, double total,
                   std::vector<double>& out) {
    double sum = 0;
    for (const double p : phi) sum += p;
    const double divisor = sum > 0 ? sum : v_all;
    const double factor = divisor > 0 ? total / divisor : 0.0;
    for (size_t i = 0; i < n; ++i) out[i] = phi[i] * factor;
  };
  scale(phi_conv, conv[masks - 1], total_conv, credit.conversions);
  scale(phi_value, value[masks - 1], total_value, credit.value);
  return credit;
}

core::Result<ChannelCredit> ShaoLi(const PathTable& paths) {
  const size_t n = paths.channels.size();
  ChannelCredit credit = Zero(n);
  const ChannelSets sets = DistinctSets(paths);
  // Journeys and conversions of the paths that contain channel i, and pair
  // {i, j} (key i * n + j, i < j).
  std::vector<double> single_conv(n, 0.0), single_journeys(n, 0.0);
  std::unordered_map<uint64_t, std::pair<double, double>> pair;
  for (size_t s = 0; s < sets.size(); ++s) {
    const double conv = sets.conversions[s];
    const double journeys = conv + sets.nulls[s];
    for (uint32_t a = sets.offsets[s]; a < sets.offsets[s + 1]; ++a) {
      single_conv[sets.channels[a]] += conv;
      single_journeys[sets.channels[a]] += journeys;
      for (uint32_t b = a + 1; b < sets.offsets[s + 1]; ++b) {
        auto& p = pair[uint64_t{sets.channels[a]} * n + sets.channels[b]];
        p.first += conv;
        p.second += journeys;
      }
    }
  }
  auto rate = [](double conv, double journeys) { return journeys > 0 ? conv / journeys : 0.0; };
  std::vector<double> p_single(n);
  for (size_t i = 0; i < n; ++i) p_single[i] = rate(single_conv[i], single_journeys[i]);

  std::vector<double> contribution;
  for (size_t s = 0; s < sets.size(); ++s) {
    if (sets.conversions[s] == 0 && sets.value[s] == 0) continue;
    const uint32_t begin = sets.offsets[s], end = sets.offsets[s + 1];
    const size_t k = end - begin;
    contribution.assign(k, 0.0);
    double sum = 0;
    for (uint32_t a = begin; a < end; ++a) {
      const uint16_t i = sets.channels[a];
      double c = p_single[i];
      if (k > 1) {
        double interaction = 0;
        for (uint32_t b = begin; b < end; ++b) {
          if (b == a) continue;
          const uint16_t j = sets.channels[b];
          const auto& p = pair.at(uint64_t{std::min(i, j)} * n + std::max(i, j));
          interaction += rate(p.first, p.second) - p_single[i] - p_single[j];
        }
        c += interaction / (2.0 * static_cast<double>(k - 1));
      }
      contribution[a - begin] = std::max(c, 0.0);
      sum += contribution[a - begin];
    }
    for (uint32_t a = begin; a < end; ++a) {
      const double share = sum > 0 ? contribution[a - begin] / sum : 1.0 / static_cast<double>(k);
      credit.conversions[sets.channels[a]] += sets.conversions[s] * share;
      credit.value[sets.channels[a]] += sets.value[s] * share;
    }
  }
  return credit;
}

}  // namespace mops::attribution
