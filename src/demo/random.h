// The generator's random numbers: xoshiro256** seeded through splitmix64,
// with its own distributions, so that a seed gives the same numbers with any
// standard library (std::*_distribution output is implementation-defined).
// Internal to src/demo.
#pragma once

#include <cmath>
#include <cstdint>

namespace mops::demo {

constexpr uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A stateless 64-bit mix of two words (for ids derived from a seed).
constexpr uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t s = a ^ (b * 0xD1B54A32D192ED03ULL);
  return SplitMix64(s);
}

class Rng {
 public:
  // `stream` separates independent sequences drawn from one seed.
  explicit Rng(uint64_t seed, uint64_t stream = 0) {
    uint64_t x = Mix(seed, stream);
    for (uint64_t& s : s_) s = SplitMix64(x);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n); n > 0. Multiply-shift: the bias is below n / 2^64.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  int32_t Index(size_t n) { return static_cast<int32_t>(Below(n)); }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  bool Chance(double p) { return Uniform() < p; }

  double Normal() {
    // Box-Muller; 1 - U keeps the logarithm finite.
    const double u1 = 1.0 - Uniform();
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }
  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }
  // Number of failures before the first success, success probability p.
  int Geometric(double p, int cap) {
    int n = 0;
    while (n < cap && !Chance(p)) ++n;
    return n;
  }

  // Index drawn with probability weight_of(items[i]) / sum; a linear scan,
  // meant for the short tables of the vocabulary. `items` is any sized range.
  template <typename Range, typename WeightOf>
  size_t Weighted(const Range& items, WeightOf weight_of) {
    double total = 0;
    for (const auto& item : items) total += weight_of(item);
    double x = Uniform() * total;
    size_t i = 0;
    for (const auto& item : items) {
      x -= weight_of(item);
      if (x < 0) return i;
      ++i;
    }
    return i - 1;
  }

 private:
  static constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace mops::demo
