#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace mops::core {

// body(lo, hi) over [0, n) split in `parts` contiguous ranges, in order (part
// p is the p-th from the start), each on a thread of its own but the first,
// which runs on the calling thread; returns when all are done. Each part must
// write only its own outputs, so the result does not depend on `parts`.
template <typename Body>
void ParallelRanges(size_t n, int parts, const Body& body) {
  parts = std::max(1, parts);
  if (n < static_cast<size_t>(parts)) parts = 1;
  if (parts == 1) {
    body(size_t{0}, n);
    return;
  }
  std::vector<std::jthread> threads;
  const size_t step = (n + parts - 1) / parts;
  for (int p = 1; p < parts; ++p) {
    const size_t lo = std::min(n, step * p), hi = std::min(n, lo + step);
    threads.emplace_back([&body, lo, hi] { body(lo, hi); });
  }
  body(size_t{0}, std::min(n, step));
}

// ParallelRanges with one part per core (up to 8), each part at least
// `min_part` long: small inputs run on the calling thread alone.
template <typename Body>
void ParallelParts(size_t n, const Body& body, size_t min_part = 8192) {
  const size_t parts =
      std::min<size_t>(std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8),
                       std::max<size_t>(1, n / std::max<size_t>(min_part, 1)));
  ParallelRanges(n, static_cast<int>(parts), body);
}

}  // namespace mops::core
