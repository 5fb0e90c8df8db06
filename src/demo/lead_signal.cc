// See lead_signal.h.
#include "demo/lead_signal.h"

#include <algorithm>

namespace mops::demo {

double BuyerWeight(double fit, double engagement) {
  const double f = std::clamp(fit, 0.0, 1.0);
  return 0.02 + f * f * (0.2 + std::max(0.0, engagement));
}

size_t PickByWeight(std::span<const double> weights, double u) {
  if (weights.empty()) return 0;
  double total = 0;
  for (double w : weights) total += std::max(0.0, w);
  if (total <= 0) {
    return std::min(weights.size() - 1,
                    static_cast<size_t>(u * static_cast<double>(weights.size())));
  }
  double target = u * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    target -= std::max(0.0, weights[i]);
    if (target < 0) return i;
  }
  return weights.size() - 1;
}

}  // namespace mops::demo
