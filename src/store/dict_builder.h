// Internal to store/: the dictionary encoder both adapters use to fill kDict
// columns of ScanColumns.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/database.h"

namespace mops::store {

// Text -> code for one kDict column of a scan; codes in order of first
// appearance. Looks up by string_view (no std::string per cell) and
// remembers the last hit, since engines often scan runs of equal values.
class DictBuilder {
 public:
  int32_t Code(std::string_view key, Column& col) {
    if (last_code_ >= 0 && key == col.dict[last_code_]) return last_code_;
    // A small direct-mapped cache in front of the hash map: the columns
    // engines scan (types, channels, stages) take a few distinct values in
    // varying order, which a full string hash and bucket walk per cell make
    // the most expensive part of decoding them.
    int32_t& slot = recent_[Slot(key)];
    if (slot >= 0 && key == col.dict[slot]) return last_code_ = slot;
    auto it = index_.find(key);
    if (it == index_.end()) {
      const auto code = static_cast<int32_t>(col.dict.size());
      col.dict.emplace_back(key);
      it = index_.emplace(col.dict.back(), code).first;
    }
    last_code_ = it->second;
    slot = last_code_;
    return last_code_;
  }

 private:
  static constexpr size_t kSlots = 256;
  // The length and the first and last (up to) 8 bytes, mixed.
  static size_t Slot(std::string_view key) {
    const size_t n = key.size();
    if (n == 0) return 0;
    uint64_t head = 0, tail = 0;
    std::memcpy(&head, key.data(), n < 8 ? n : 8);
    if (n > 8) std::memcpy(&tail, key.data() + (n < 16 ? 8 : n - 8), n < 16 ? n - 8 : 8);
    const uint64_t h = (head ^ (tail * 0x9E3779B97F4A7C15ull) ^ n) * 0xFF51AFD7ED558CCDull;
    return static_cast<size_t>(h >> 56) & (kSlots - 1);
  }
  std::array<int32_t, kSlots> recent_ = MakeEmpty();
  static std::array<int32_t, kSlots> MakeEmpty() {
    std::array<int32_t, kSlots> a;
    a.fill(-1);
    return a;
  }
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> index_;
  int32_t last_code_ = -1;
};

}  // namespace mops::store
