// The lead-scoring signal of the demo company: who ends up on a deal depends
// on who they are (fit) and what they did (engagement), so that a lead score
// built from the same facts predicts pipeline, and a random one does not.
// For the generator only.
#pragma once

#include <cstddef>
#include <span>

namespace mops::demo {

// How likely a person is to be drawn into a deal's buying group: fit (role x
// account, 0..1) squared, times its channel-weighted marketing engagement
// (0 for none), with a floor so that every person keeps a small chance.
double BuyerWeight(double fit, double engagement);

// The index whose cumulative weight first exceeds u x sum(weights); u is a
// uniform draw in [0, 1). Uniform over the indices when every weight is 0.
size_t PickByWeight(std::span<const double> weights, double u);

}  // namespace mops::demo
