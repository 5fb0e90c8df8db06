// Helpers shared by the path engines; internal to src/attribution.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <thread>
#include <vector>

#include "attribution/paths.h"

namespace mops::attribution::internal {

// Open-addressing map from a 64-bit key to a dense uint32 index (the order
// of insertion). Keys must not be ~0. Linear probing, load factor <= 1/2:
// the hot loops of the engines do millions of these lookups.
class IndexMap {
 public:
  explicit IndexMap(size_t expected = 16) {
    Rehash(std::bit_ceil(std::max<size_t>(expected * 2, 16)));
  }

  // The index of `key`, inserting it as size() if absent; `inserted` says which.
  uint32_t Insert(uint64_t key, bool& inserted) {
    size_t slot = Hash(key) & mask_;
    while (true) {
      Slot& s = slots_[slot];
      if (s.key == key) {
        inserted = false;
        return s.index;
      }
      if (s.key == kEmpty) break;
      slot = (slot + 1) & mask_;
    }
    if ((size_ + 1) * 2 > slots_.size()) {
      Rehash(slots_.size() * 2);
      return Insert(key, inserted);
    }
    slots_[slot] = Slot{key, static_cast<uint32_t>(size_)};
    inserted = true;
    return static_cast<uint32_t>(size_++);
  }

  // The index of `key`, or ~0u.
  uint32_t Find(uint64_t key) const {
    size_t slot = Hash(key) & mask_;
    while (true) {
      const Slot& s = slots_[slot];
      if (s.key == key) return s.index;
      if (s.key == kEmpty) return ~0u;
      slot = (slot + 1) & mask_;
    }
  }

  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~0ULL;
  struct Slot {
    uint64_t key = kEmpty;
    uint32_t index = 0;
  };

  static uint64_t Hash(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
  }

  void Rehash(size_t capacity) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const Slot& s : old) {
      if (s.key == kEmpty) continue;
      size_t slot = Hash(s.key) & mask_;
      while (slots_[slot].key != kEmpty) slot = (slot + 1) & mask_;
      slots_[slot] = s;
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

// A 64-bit hash of a short name, 8 bytes at a time.
inline uint64_t HashName(std::string_view s) {
  uint64_t h = (s.size() + 1) * 0x9E3779B97F4A7C15ULL;
  auto mix = [&h](uint64_t w) {
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 29;
  };
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    mix(w);
  }
  if (i < s.size()) {
    uint64_t w = 0;
    for (size_t k = 0; i + k < s.size(); ++k) {
      w |= uint64_t{static_cast<unsigned char>(s[i + k])} << (8 * k);
    }
    mix(w);
  }
  return h;
}

// Threads to use for `requested` (0: one per core, at most 4).
inline int ThreadCount(int requested) {
  if (requested > 0) return requested;
  const unsigned n = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(n, 1u, 4u));
}

// Distinct channels of each path, with the rows' totals summed per distinct
// set. Sets are sorted ascending; set s is channels[offsets[s] .. offsets[s+1]).
struct ChannelSets {
  std::vector<uint32_t> offsets{0};
  std::vector<uint16_t> channels;
  std::vector<double> conversions;
  std::vector<double> value;
  std::vector<double> nulls;
  size_t size() const { return conversions.size(); }
};

// Rows without steps are skipped. O(steps log L).
ChannelSets DistinctSets(const PathTable& paths);

}  // namespace mops::attribution::internal
