// Internal to store/: the dictionary encoder both adapters use to fill kDict
// columns of ScanColumns.
#pragma once

#include <cstdint>
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
    auto it = index_.find(key);
    if (it == index_.end()) {
      const auto code = static_cast<int32_t>(col.dict.size());
      col.dict.emplace_back(key);
      it = index_.emplace(col.dict.back(), code).first;
    }
    last_code_ = it->second;
    return last_code_;
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> index_;
  int32_t last_code_ = -1;
};

}  // namespace mops::store
