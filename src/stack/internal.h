// Internals of stack/ shared by its engine files and tests. Not for other
// folders (they include stack.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "stack/stack.h"

namespace mops::stack::internal {

// A pair of tools whose overlap score reaches this is a finding even when
// they do not share their primary capability.
inline constexpr double kOverlapFindingScore = 0.75;

bool HasCapability(const Tool& t, std::string_view capability);
// An integration that links two known tools and is not switched off.
bool Connects(const Integration& in);
// Undirected adjacency over connecting integrations.
std::vector<std::vector<int32_t>> Neighbours(const Stack& stack);
// active / seats in [0, 1]; 1 when the tool records no seats.
double UtilizationOf(const Tool& t);
// Whether the audit reports a pair as an overlap finding.
bool IsOverlapFinding(const PairOverlap& p);

// "$12,500" for USD, "12,500 EUR" otherwise; whole units, rounded.
std::string FormatMoney(int64_t minor, std::string_view currency);

}  // namespace mops::stack::internal
