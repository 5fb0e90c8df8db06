// Blocking: candidate pairs from records that share a key value.
//
// A key's value per record is hashed (64 bits) and the (hash, record) list
// sorted; runs of one hash are the blocks. Two distinct key values collide
// with probability about n^2 / 2^64, which at most adds a candidate pair that
// scoring then rejects.
#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/strings.h"
#include "quality/linkage/engine.h"

namespace mops::quality::linkage {
namespace {

struct Transform {
  std::string_view name;
  KeyTransform transform;
};
constexpr Transform kTransforms[] = {
    {"soundex", KeyTransform::kSoundex},    {"initial", KeyTransform::kInitial},
    {"prefix3", KeyTransform::kPrefix3},    {"local", KeyTransform::kEmailLocal},
    {"domain", KeyTransform::kEmailDomain}, {"last7", KeyTransform::kLast7},
};

// Appends the part's value to `key`; false when it is empty.
bool AppendPart(const Records& records, const KeyPart& part, uint32_t row, std::string& key) {
  std::string_view v = records.fields[part.field][row];
  if (v.empty()) return false;
  switch (part.transform) {
    case KeyTransform::kValue:
      key.append(v);
      break;
    case KeyTransform::kSoundex: {
      const std::string s = Soundex(v);
      if (s.empty()) return false;
      key.append(s);
      break;
    }
    case KeyTransform::kInitial:
      key.push_back(v[0]);
      break;
    case KeyTransform::kPrefix3:
      key.append(v.substr(0, 3));
      break;
    case KeyTransform::kEmailLocal: {
      const size_t at = v.rfind('@');
      if (at == std::string_view::npos || at == 0) return false;
      key.append(v.substr(0, at));
      break;
    }
    case KeyTransform::kEmailDomain: {
      const size_t at = v.rfind('@');
      if (at != std::string_view::npos) v = v.substr(at + 1);
      if (v.empty()) return false;
      key.append(v);
      break;
    }
    case KeyTransform::kLast7:
      if (v.size() < 7) return false;
      key.append(v.substr(v.size() - 7));
      break;
  }
  key.push_back('\x1f');
  return true;
}

struct Entry {
  uint64_t hash;
  uint32_t row;
  bool right;  // linkage: the record is from the right-hand list
  bool operator<(const Entry& o) const { return hash != o.hash ? hash < o.hash : row < o.row; }
};

void KeyEntries(const Records& records, const BlockingKey& key, bool right,
                std::vector<Entry>& out) {
  std::string buffer;
  const std::hash<std::string_view> hasher;
  for (uint32_t row = 0; row < records.size(); ++row) {
    buffer.clear();
    bool ok = true;
    for (const KeyPart& part : key.parts) {
      if (!AppendPart(records, part, row, buffer)) {
        ok = false;
        break;
      }
    }
    if (ok) out.push_back({hasher(buffer), row, right});
  }
}

uint64_t Pack(uint32_t a, uint32_t b) { return (static_cast<uint64_t>(a) << 32) | b; }

std::vector<Pair> Unpack(std::vector<uint64_t>& packed) {
  std::sort(packed.begin(), packed.end());
  packed.erase(std::unique(packed.begin(), packed.end()), packed.end());
  std::vector<Pair> pairs(packed.size());
  for (size_t i = 0; i < packed.size(); ++i) {
    pairs[i] = {static_cast<uint32_t>(packed[i] >> 32), static_cast<uint32_t>(packed[i])};
  }
  std::vector<uint64_t>().swap(packed);
  return pairs;
}

// Walks the blocks of sorted entries: fn(begin, end) per block of >= 2.
template <typename Fn>
void ForEachBlock(const std::vector<Entry>& entries, const BlockingOptions& options,
                  BlockingStats::PerKey& stat, Fn fn) {
  size_t i = 0;
  while (i < entries.size()) {
    size_t j = i + 1;
    while (j < entries.size() && entries[j].hash == entries[i].hash) ++j;
    if (j - i > options.max_block_size) {
      ++stat.skipped_blocks;
      stat.skipped_records += static_cast<int64_t>(j - i);
    } else if (j - i >= 2) {
      fn(i, j);
    }
    i = j;
  }
}

std::vector<Pair> DedupPairs(const Records& records, std::span<const BlockingKey> keys,
                             const std::vector<uint8_t>* focus, const BlockingOptions& options,
                             BlockingStats* stats) {
  std::vector<uint64_t> packed;
  std::vector<Entry> entries;
  BlockingStats local;
  for (const BlockingKey& key : keys) {
    BlockingStats::PerKey stat;
    stat.key = key.text;
    entries.clear();
    KeyEntries(records, key, false, entries);
    std::sort(entries.begin(), entries.end());
    ForEachBlock(entries, options, stat, [&](size_t begin, size_t end) {
      for (size_t x = begin; x < end; ++x) {
        const uint32_t a = entries[x].row;
        for (size_t y = x + 1; y < end; ++y) {
          const uint32_t b = entries[y].row;
          if (focus && !(*focus)[a] && !(*focus)[b]) continue;
          packed.push_back(Pack(a, b));  // rows are sorted within a block: a < b
          ++stat.pairs;
        }
      }
    });
    local.keys.push_back(std::move(stat));
  }
  std::vector<Pair> pairs = Unpack(packed);
  local.candidate_pairs = static_cast<int64_t>(pairs.size());
  if (stats) *stats = std::move(local);
  return pairs;
}

}  // namespace

bool BlockingKeyValue(const Records& records, const BlockingKey& key, uint32_t row,
                      std::string& out) {
  for (const KeyPart& part : key.parts) {
    if (!AppendPart(records, part, row, out)) return false;
  }
  return true;
}

core::Result<BlockingKey> ParseBlockingKey(std::string_view text,
                                           std::span<const FieldSpec> fields) {
  BlockingKey key;
  key.text = std::string(core::Trim(text));
  for (std::string_view raw : core::Split(text, '+')) {
    std::string_view part = core::Trim(raw);
    KeyPart kp;
    if (const size_t open = part.find('('); open != std::string_view::npos) {
      if (!part.ends_with(')')) {
        return core::Fail(core::ErrorCode::kInvalidArgument,
                          "blocking key '{}': '{}' lacks its closing parenthesis", text, part);
      }
      const std::string fn = core::ToLower(core::Trim(part.substr(0, open)));
      bool known = false;
      for (const Transform& t : kTransforms) {
        if (t.name == fn) {
          kp.transform = t.transform;
          known = true;
        }
      }
      if (!known) {
        return core::Fail(core::ErrorCode::kInvalidArgument,
                          "blocking key '{}': unknown function '{}' (expected soundex, initial, "
                          "prefix3, local, domain or last7)",
                          text, fn);
      }
      part = core::Trim(part.substr(open + 1, part.size() - open - 2));
    }
    if (part.empty()) {
      return core::Fail(core::ErrorCode::kInvalidArgument, "blocking key '{}' has an empty part",
                        text);
    }
    int found = -1;
    for (size_t f = 0; f < fields.size(); ++f) {
      if (fields[f].name == part) found = static_cast<int>(f);
    }
    if (found < 0) {
      return core::Fail(core::ErrorCode::kInvalidArgument,
                        "blocking key '{}': '{}' is not one of the fields", text, part);
    }
    kp.field = found;
    key.parts.push_back(kp);
  }
  return key;
}

std::vector<Pair> BlockPairs(const Records& records, std::span<const BlockingKey> keys,
                             const BlockingOptions& options, BlockingStats* stats) {
  return DedupPairs(records, keys, nullptr, options, stats);
}

std::vector<Pair> BlockPairsTouching(const Records& records, std::span<const BlockingKey> keys,
                                     std::span<const uint32_t> focus,
                                     const BlockingOptions& options) {
  std::vector<uint8_t> in_focus(records.size(), 0);
  for (uint32_t r : focus) {
    if (r < in_focus.size()) in_focus[r] = 1;
  }
  return DedupPairs(records, keys, &in_focus, options, nullptr);
}

std::vector<Pair> BlockPairs(const Records& left, const Records& right,
                             std::span<const BlockingKey> keys, const BlockingOptions& options,
                             BlockingStats* stats) {
  std::vector<uint64_t> packed;
  std::vector<Entry> entries;
  BlockingStats local;
  for (const BlockingKey& key : keys) {
    BlockingStats::PerKey stat;
    stat.key = key.text;
    entries.clear();
    KeyEntries(left, key, false, entries);
    KeyEntries(right, key, true, entries);
    std::sort(entries.begin(), entries.end());
    ForEachBlock(entries, options, stat, [&](size_t begin, size_t end) {
      for (size_t x = begin; x < end; ++x) {
        if (entries[x].right) continue;
        for (size_t y = begin; y < end; ++y) {
          if (!entries[y].right) continue;
          packed.push_back(Pack(entries[x].row, entries[y].row));
          ++stat.pairs;
        }
      }
    });
    local.keys.push_back(std::move(stat));
  }
  std::vector<Pair> pairs = Unpack(packed);
  local.candidate_pairs = static_cast<int64_t>(pairs.size());
  if (stats) *stats = std::move(local);
  return pairs;
}

}  // namespace mops::quality::linkage
