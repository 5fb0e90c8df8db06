// The random path file generator (see demo.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <vector>

#include "demo/demo.h"
#include "demo/random.h"

namespace mops::demo {

core::Result<std::string> GeneratePathFile(const PathGeneratorOptions& options) {
  if (options.rows < 1) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "paths: --rows must be >= 1 (got {})",
                      options.rows);
  }
  if (options.channels < 1 || options.channels > 1000) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "paths: --channels must be between 1 and 1000 (got {})", options.channels);
  }
  const size_t n = static_cast<size_t>(options.channels);
  std::vector<std::string> names;
  for (size_t c = 0; c < n; ++c) {
    names.push_back(c < static_cast<size_t>(kChannelCount)
                        ? std::string(ChannelName(static_cast<Channel>(c)))
                        : fmt::format("channel_{}", c + 1));
  }
  Rng rng(options.seed, 0x9a7f);
  // Popularity ~ 1 / rank^0.3, in a shuffled rank order so that the list
  // order is not the popularity order; each channel also has its own lift
  // on the conversion chance.
  std::vector<size_t> rank(n);
  for (size_t c = 0; c < n; ++c) rank[c] = c;
  for (size_t c = n; c > 1; --c) std::swap(rank[c - 1], rank[rng.Below(c)]);
  std::vector<double> cumulative(n), lift(n);
  double total = 0;
  for (size_t c = 0; c < n; ++c) {
    total += 1.0 / std::pow(static_cast<double>(rank[c]) + 1, 0.3);
    cumulative[c] = total;
    lift[c] = rng.Uniform(0.5, 2.0);
  }
  auto draw = [&] {
    const double x = rng.Uniform() * total;
    return static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), x) -
                               cumulative.begin());
  };

  std::string out = "path;total_conversions;total_conversion_value;total_null\n";
  out.reserve(static_cast<size_t>(options.rows) * 48);
  std::vector<size_t> path;
  for (int64_t r = 0; r < options.rows; ++r) {
    const int length = 1 + rng.Geometric(0.25, 19);
    path.clear();
    double strength = 0;
    for (int k = 0; k < length; ++k) {
      const size_t c = (k > 0 && rng.Chance(0.15)) ? path.back() : std::min(draw(), n - 1);
      path.push_back(c);
      strength += lift[c];
    }
    for (size_t k = 0; k < path.size(); ++k) {
      if (k > 0) out += " > ";
      out += names[path[k]];
    }
    const int journeys = 1 + rng.Geometric(0.45, 7);
    // Longer, stronger paths convert more often, up to one in two.
    const double chance = std::min(0.5, 0.04 * strength);
    int conversions = 0;
    for (int j = 0; j < journeys; ++j) conversions += rng.Chance(chance) ? 1 : 0;
    double value = 0;
    for (int j = 0; j < conversions; ++j) value += rng.LogNormal(120, 0.6);
    fmt::format_to(std::back_inserter(out), ";{};{:.2f};{}\n", conversions, value,
                   journeys - conversions);
  }
  return out;
}

}  // namespace mops::demo
