// Internal to store/: the dictionary encoder both adapters use to fill kDict
// columns of ScanColumns.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"

namespace mops::store {

// Text -> code for one kDict column of a scan; codes in order of first
// appearance. The engines' bulk loads call it once per cell (tens of millions
// of times), so it is an open-addressing table of (hash, code) that compares
// against the column's own dictionary: no std::string per cell, no node per
// entry, no division. It remembers the last hit, since scans often meet runs
// of equal values.
class DictBuilder {
 public:
  int32_t Code(std::string_view key, Column& col) {
    if (last_code_ >= 0 && key == col.dict[last_code_]) return last_code_;
    const uint64_t h = Hash(key);
    if (slots_.empty()) slots_.assign(16, Slot{});
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.code < 0) {
        const auto code = static_cast<int32_t>(col.dict.size());
        col.dict.emplace_back(key);
        s = Slot{h, code};
        if (++size_ * 2 > slots_.size()) Grow();
        last_code_ = code;
        return code;
      }
      if (s.hash == h && col.dict[s.code] == key) {
        last_code_ = s.code;
        return s.code;
      }
    }
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    int32_t code = -1;
  };

  // 8 bytes at a time, each mixed by a multiply and a shift.
  static uint64_t Hash(std::string_view s) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ s.size();
    const char* p = s.data();
    size_t n = s.size();
    for (; n >= 8; p += 8, n -= 8) {
      uint64_t v;
      std::memcpy(&v, p, 8);
      h = (h ^ v) * 0xbf58476d1ce4e5b9ULL;
      h ^= h >> 31;
    }
    // The last 0-7 bytes with fixed-size loads (a variable-size memcpy is a
    // library call): two overlapping 4-byte words, or first, middle, last.
    uint64_t v = 0;
    if (n >= 4) {
      uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, p + n - 4, 4);
      v = (uint64_t{a} << 32) | b;
    } else if (n > 0) {
      v = (uint64_t{static_cast<unsigned char>(p[0])} << 16) |
          (uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) |
          static_cast<unsigned char>(p[n - 1]);
    }
    h = (h ^ v) * 0x94d049bb133111ebULL;
    return h ^ (h >> 29);
  }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.code < 0) continue;
      size_t i = s.hash & mask;
      while (slots_[i].code >= 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
  int32_t last_code_ = -1;
};

}  // namespace mops::store
