#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace mops::core {

// f(lo, hi) over [0, n) in contiguous parts, one per core (up to 8), each part
// at least `min_part` long; the calling thread takes the first part. Each part
// must write only its own outputs, so the result does not depend on the number
// of threads. Small inputs run on the calling thread alone.
template <typename F>
void ParallelParts(size_t n, const F& f, size_t min_part = 8192) {
  const size_t threads =
      std::min<size_t>(std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8),
                       std::max<size_t>(1, n / std::max<size_t>(min_part, 1)));
  if (threads <= 1) {
    f(size_t{0}, n);
    return;
  }
  const size_t per = (n + threads - 1) / threads;
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) {
    const size_t lo = std::min(n, t * per), hi = std::min(n, lo + per);
    pool.emplace_back([&f, lo, hi] { f(lo, hi); });
  }
  f(size_t{0}, std::min(n, per));
  for (std::thread& th : pool) th.join();
}

}  // namespace mops::core
