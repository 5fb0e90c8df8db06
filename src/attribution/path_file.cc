// The path file reader and PathTableBuilder.
//
// The file is split at line boundaries into one chunk per thread; each chunk
// is parsed into its own table with its own channel dictionary, then the
// chunks are concatenated in file order and their channel ids remapped to
// the order of first appearance in the file, so the result does not depend
// on the thread count. An error is kept as a byte offset and turned into a
// line and column only when reported.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <thread>

#include "attribution/internal.h"
#include "attribution/paths.h"
#include "core/csv.h"

namespace mops::attribution {
namespace {

using internal::HashName;
using internal::IndexMap;

constexpr size_t kMaxChannels = 65535;
// PathTable::offsets are 32-bit.
constexpr size_t kMaxSteps = 0xFFFFFFFFu;

[[gnu::always_inline]] inline bool IsBlank(char c) { return c == ' ' || c == '\t'; }

[[gnu::always_inline]] inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && (IsBlank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The next `c` in `s` from `from`, or npos. Fields and names are short: a
// plain loop beats a call to memchr.
[[gnu::always_inline]] inline size_t Find(std::string_view s, char c, size_t from) {
  for (size_t i = from; i < s.size(); ++i) {
    if (s[i] == c) return i;
  }
  return std::string_view::npos;
}

// A number as from_chars reads it. Plain decimals of at most 15 significant
// digits (the usual case: counts and amounts) take Clinger's fast path: the
// digits as an exact integer divided by an exact power of ten, which is
// correctly rounded, so the result is the same.
std::from_chars_result ParseNumber(std::string_view s, double& out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  uint64_t mantissa = 0;
  int digits = 0, fraction = -1;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
      if (mantissa != 0 || fraction >= 0) ++digits;
      if (fraction >= 0) ++fraction;
    } else if (c == '.' && fraction < 0) {
      fraction = 0;
    } else {
      break;
    }
  }
  const bool plain =
      i == s.size() && i > 0 && digits <= 15 && fraction != 0 && !(fraction > 0 && i == 1);
  if (!plain) return std::from_chars(s.data(), s.data() + s.size(), out);
  out = static_cast<double>(mantissa);
  if (fraction > 0) out /= kPow10[fraction];
  return {s.data() + s.size(), std::errc()};
}

// a == b for short names without a call: two overlapping 8-byte loads
// cover 8 to 16 bytes.
[[gnu::always_inline]] inline bool Equal(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  if (n >= 8 && n <= 16) {
    uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.data(), 8);
    std::memcpy(&b0, b.data(), 8);
    std::memcpy(&a1, a.data() + n - 8, 8);
    std::memcpy(&b1, b.data() + n - 8, 8);
    return a0 == b0 && a1 == b1;
  }
  return a == b;
}

// Channel names -> ids in order of first appearance, keyed by their text
// (views into the parsed text, which outlives the dictionary).
class Dictionary {
 public:
  // ~0u when the dictionary is full.
  uint32_t Intern(std::string_view name) {
    const uint64_t h = HashName(name);
    size_t slot = h & mask_;
    while (true) {
      const Slot& entry = slots_[slot];
      if (entry.id == kEmpty) break;
      if (entry.hash == h && Equal(names_[entry.id], name)) return entry.id;
      slot = (slot + 1) & mask_;
    }
    if (names_.size() >= kMaxChannels) return ~0u;
    const uint32_t id = static_cast<uint32_t>(names_.size());
    names_.push_back(name);
    slots_[slot] = Slot{h, id};
    if (names_.size() * 2 > slots_.size()) Grow();
    return id;
  }
  const std::vector<std::string_view>& names() const { return names_; }

 private:
  static constexpr uint32_t kEmpty = ~0u;
  struct Slot {
    uint64_t hash = 0;
    uint32_t id = kEmpty;
  };

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    for (const Slot& entry : old) {
      if (entry.id == kEmpty) continue;
      size_t slot = entry.hash & mask_;
      while (slots_[slot].id != kEmpty) slot = (slot + 1) & mask_;
      slots_[slot] = entry;
    }
  }

  std::vector<Slot> slots_ = std::vector<Slot>(64);
  size_t mask_ = 63;
  std::vector<std::string_view> names_;
};

struct ChunkError {
  size_t offset = 0;  // into the whole text
  std::string field;
  std::string message;
};

struct Chunk {
  PathTable table;
  Dictionary dictionary;
  std::optional<ChunkError> error;
};

enum class Column { kPath, kConversions, kValue, kNulls };
constexpr std::array<std::string_view, 4> kColumnNames = {"path", "total_conversions",
                                                          "total_conversion_value", "total_null"};

struct Header {
  std::vector<Column> columns;
};

// Parses lines [begin, end) of `text` (begin at a line start) into `chunk`.
void ParseChunk(std::string_view text, size_t begin, size_t end, const Header& header,
                const PathFileOptions& options, Chunk& chunk) {
  PathTable& t = chunk.table;
  const char* base = text.data();
  const size_t ncols = header.columns.size();
  std::vector<ChannelId> path;
  auto fail = [&](const char* at, Column column, std::string message) {
    chunk.error =
        ChunkError{static_cast<size_t>(at - base),
                   std::string(kColumnNames[static_cast<size_t>(column)]), std::move(message)};
  };
  size_t pos = begin;
  while (pos < end) {
    const char* line = base + pos;
    const void* nl = std::memchr(line, '\n', end - pos);
    const size_t line_end =
        nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - base) : end;
    const std::string_view row(line, line_end - pos);
    pos = line_end + 1;
    if (Trim(row).empty()) continue;

    double conversions = 0, value = 0, nulls = 0;
    bool have_path = false;
    size_t field_start = 0;
    for (size_t col = 0; col <= ncols; ++col) {
      const size_t sep_at = Find(row, options.sep, field_start);
      const size_t field_end = sep_at == std::string_view::npos ? row.size() : sep_at;
      const std::string_view raw = row.substr(field_start, field_end - field_start);
      if (col == ncols) {
        fail(line + field_start - 1, header.columns[ncols - 1],
             fmt::format("expected {} fields separated by '{}', found more", ncols, options.sep));
        return;
      }
      const Column column = header.columns[col];
      const std::string_view field = Trim(raw);
      const char* field_at = line + field_start + (field.data() - raw.data());
      if (column == Column::kPath) {
        path.clear();
        if (field.empty()) {
          fail(field_at, column, "empty path");
          return;
        }
        size_t step_start = 0;
        while (true) {
          const size_t step_end_at = Find(field, options.path_sep, step_start);
          const size_t step_end =
              step_end_at == std::string_view::npos ? field.size() : step_end_at;
          const std::string_view raw_step = field.substr(step_start, step_end - step_start);
          const std::string_view step = Trim(raw_step);
          if (step.empty()) {
            fail(field_at + step_start, column,
                 fmt::format("empty channel name in path '{}'", field));
            return;
          }
          const size_t known = chunk.dictionary.names().size();
          const uint32_t id = chunk.dictionary.Intern(step);
          if (id == ~0u) {
            fail(field_at + step_start, column,
                 fmt::format("more than {} distinct channels", kMaxChannels));
            return;
          }
          // Names are checked once, when first seen.
          if (chunk.dictionary.names().size() > known && !core::IsValidUtf8(step)) {
            fail(field_at + step_start, column, "channel name is not valid UTF-8");
            return;
          }
          path.push_back(static_cast<ChannelId>(id));
          if (step_end_at == std::string_view::npos) break;
          step_start = step_end + 1;
        }
        have_path = true;
      } else {
        double number = 0;
        const auto [ptr, ec] = ParseNumber(field, number);
        if (field.empty() || ec != std::errc() || ptr != field.data() + field.size() ||
            !std::isfinite(number)) {
          fail(field_at, column,
               field.empty() ? std::string("missing number")
                             : fmt::format("invalid number '{}'", field));
          return;
        }
        if (number < 0) {
          fail(field_at, column, fmt::format("negative number '{}'", field));
          return;
        }
        switch (column) {
          case Column::kConversions:
            conversions = number;
            break;
          case Column::kValue:
            value = number;
            break;
          case Column::kNulls:
            nulls = number;
            break;
          case Column::kPath:
            break;
        }
      }
      field_start = field_end + 1;
      if (sep_at == std::string_view::npos) {
        if (col + 1 < ncols) {
          fail(line + row.size(), header.columns[col + 1],
               fmt::format("expected {} fields separated by '{}', found {}", ncols, options.sep,
                           col + 1));
          return;
        }
        break;
      }
    }
    if (!have_path) continue;
    if (t.steps.size() + path.size() > kMaxSteps) {
      fail(line, Column::kPath, fmt::format("more than {} touches in all paths", kMaxSteps));
      return;
    }
    t.steps.insert(t.steps.end(), path.begin(), path.end());
    t.offsets.push_back(static_cast<uint32_t>(t.steps.size()));
    t.conversions.push_back(conversions);
    t.value.push_back(value);
    t.nulls.push_back(nulls);
  }
}

core::Error ErrorAt(std::string_view text, std::string_view file_name, size_t offset,
                    std::string field, std::string message) {
  const std::string_view before = text.substr(0, offset);
  const int64_t line = std::count(before.begin(), before.end(), '\n') + 1;
  const size_t line_start = before.rfind('\n');
  const int64_t column =
      static_cast<int64_t>(offset - (line_start == std::string_view::npos ? 0 : line_start + 1)) +
      1;
  core::Error error = core::MakeError(core::ErrorCode::kInvalidArgument, std::move(message));
  error.At(std::string(file_name), line, column);
  if (!field.empty()) error.field = std::move(field);
  return error;
}

}  // namespace

// ---------------------------------------------------------------------------

struct PathTableBuilder::Impl {
  PathTable table;
  IndexMap by_hash{64};
  // Names are owned by table.channels; lookups compare against them.
};

PathTableBuilder::PathTableBuilder() : impl_(std::make_unique<Impl>()) {}
PathTableBuilder::~PathTableBuilder() = default;
PathTableBuilder::PathTableBuilder(PathTableBuilder&&) noexcept = default;
PathTableBuilder& PathTableBuilder::operator=(PathTableBuilder&&) noexcept = default;

core::Result<ChannelId> PathTableBuilder::Channel(std::string_view name) {
  uint64_t h = HashName(name);
  while (true) {
    bool inserted = false;
    const uint32_t id = impl_->by_hash.Insert(h == ~0ULL ? 0 : h, inserted);
    if (inserted) {
      if (impl_->table.channels.size() >= kMaxChannels) {
        return core::Fail(core::ErrorCode::kInvalidArgument, "more than {} distinct channels",
                          kMaxChannels);
      }
      impl_->table.channels.emplace_back(name);
      return static_cast<ChannelId>(id);
    }
    if (impl_->table.channels[id] == name) return static_cast<ChannelId>(id);
    h = h * 0x9E3779B97F4A7C15ULL + 1;
  }
}

void PathTableBuilder::AddRow(std::span<const ChannelId> path, double conversions, double value,
                              double nulls) {
  PathTable& t = impl_->table;
  t.steps.insert(t.steps.end(), path.begin(), path.end());
  t.offsets.push_back(static_cast<uint32_t>(t.steps.size()));
  t.conversions.push_back(conversions);
  t.value.push_back(value);
  t.nulls.push_back(nulls);
}

PathTable PathTableBuilder::Finish() && { return std::move(impl_->table); }

// ---------------------------------------------------------------------------

core::Result<PathTable> ParsePathFile(std::string_view text, std::string_view file_name,
                                      const PathFileOptions& options) {
  if (options.sep == options.path_sep) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "the field separator and the path separator must differ (both '{}')",
                      options.sep);
  }
  if (options.sep == '\n' || options.sep == '\r' || options.path_sep == '\n' ||
      options.path_sep == '\r') {
    return core::Fail(core::ErrorCode::kInvalidArgument, "a separator cannot be a line break");
  }
  size_t pos = 0;
  if (text.starts_with("\xEF\xBB\xBF")) pos = 3;

  // The header: the first line that is not blank.
  Header header;
  {
    std::optional<std::string_view> line;
    size_t line_start = pos;
    while (pos < text.size()) {
      const size_t nl = text.find('\n', pos);
      const size_t end = nl == std::string_view::npos ? text.size() : nl;
      const std::string_view candidate = text.substr(pos, end - pos);
      line_start = pos;
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      if (!Trim(candidate).empty()) {
        line = candidate;
        break;
      }
    }
    if (!line) {
      return core::Fail(ErrorAt(text, file_name, text.size(), "",
                                fmt::format("empty file: expected the header "
                                            "path{0}total_conversions{0}total_conversion_value{0}"
                                            "total_null",
                                            options.sep)));
    }
    std::array<bool, 4> seen{};
    size_t start = 0;
    while (true) {
      const size_t sep_at = line->find(options.sep, start);
      const size_t end = sep_at == std::string_view::npos ? line->size() : sep_at;
      const std::string_view raw = line->substr(start, end - start);
      std::string name(Trim(raw));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const auto found = std::find(kColumnNames.begin(), kColumnNames.end(), name);
      const size_t at = line_start + start;
      if (found == kColumnNames.end()) {
        // A header split on another separator is the usual cause: say which.
        std::string hint;
        for (const char other : {',', ';', '\t', '|'}) {
          if (other != options.sep && name.starts_with("path") &&
              name.find(other) != std::string::npos) {
            hint = fmt::format("; the file seems to use '{}' as separator (--sep)",
                               other == '\t' ? std::string("\\t") : std::string(1, other));
            break;
          }
        }
        return core::Fail(ErrorAt(
            text, file_name, at, "",
            fmt::format("unknown column '{0}' in the header: expected path{1}total_conversions"
                        "{1}total_conversion_value{1}total_null (value and null optional){2}",
                        Trim(raw), options.sep, hint)));
      }
      const size_t index = static_cast<size_t>(found - kColumnNames.begin());
      if (seen[index]) {
        return core::Fail(ErrorAt(text, file_name, at, "",
                                  fmt::format("column '{}' appears twice in the header", name)));
      }
      seen[index] = true;
      header.columns.push_back(static_cast<Column>(index));
      if (sep_at == std::string_view::npos) break;
      start = end + 1;
    }
    if (!seen[0] || !seen[1]) {
      return core::Fail(ErrorAt(
          text, file_name, line_start, "",
          fmt::format("the header must name the columns path and total_conversions (found '{}')",
                      Trim(*line))));
    }
  }

  // Chunks at line boundaries; small inputs get one.
  const size_t body = text.size() - pos;
  const int threads = body < (1u << 20) ? 1 : internal::ThreadCount(options.threads);
  std::vector<size_t> bounds{pos};
  for (int i = 1; i < threads; ++i) {
    size_t at = pos + body * static_cast<size_t>(i) / static_cast<size_t>(threads);
    at = std::max(at, bounds.back());
    const size_t nl = text.find('\n', at);
    bounds.push_back(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  bounds.push_back(text.size());
  std::vector<Chunk> chunks(static_cast<size_t>(threads));
  {
    std::vector<std::jthread> workers;
    for (size_t i = 1; i < chunks.size(); ++i) {
      workers.emplace_back(
          [&, i] { ParseChunk(text, bounds[i], bounds[i + 1], header, options, chunks[i]); });
    }
    ParseChunk(text, bounds[0], bounds[1], header, options, chunks[0]);
  }
  for (Chunk& chunk : chunks) {
    if (chunk.error) {
      return core::Fail(ErrorAt(text, file_name, chunk.error->offset, std::move(chunk.error->field),
                                std::move(chunk.error->message)));
    }
  }

  // Merge: global ids in order of first appearance.
  PathTable out = std::move(chunks[0].table);
  for (const std::string_view name : chunks[0].dictionary.names()) out.channels.emplace_back(name);
  if (chunks.size() > 1) {
    Dictionary global;
    for (const std::string_view name : chunks[0].dictionary.names()) global.Intern(name);
    size_t total_rows = out.rows(), total_steps = out.steps.size();
    for (size_t i = 1; i < chunks.size(); ++i) {
      total_rows += chunks[i].table.rows();
      total_steps += chunks[i].table.steps.size();
    }
    if (total_steps > kMaxSteps) {
      return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                        fmt::format("more than {} touches in all paths", kMaxSteps))
                            .At(std::string(file_name)));
    }
    out.offsets.reserve(total_rows + 1);
    out.steps.reserve(total_steps);
    out.conversions.reserve(total_rows);
    out.value.reserve(total_rows);
    out.nulls.reserve(total_rows);
    for (size_t i = 1; i < chunks.size(); ++i) {
      const PathTable& t = chunks[i].table;
      std::vector<ChannelId> remap;
      for (const std::string_view name : chunks[i].dictionary.names()) {
        const size_t before = global.names().size();
        const uint32_t id = global.Intern(name);
        if (id == ~0u) {
          return core::Fail(
              core::MakeError(core::ErrorCode::kInvalidArgument,
                              fmt::format("more than {} distinct channels", kMaxChannels))
                  .At(std::string(file_name)));
        }
        if (global.names().size() > before) out.channels.emplace_back(name);
        remap.push_back(static_cast<ChannelId>(id));
      }
      const uint32_t base = static_cast<uint32_t>(out.steps.size());
      for (const ChannelId c : t.steps) out.steps.push_back(remap[c]);
      for (size_t r = 1; r < t.offsets.size(); ++r) out.offsets.push_back(base + t.offsets[r]);
      out.conversions.insert(out.conversions.end(), t.conversions.begin(), t.conversions.end());
      out.value.insert(out.value.end(), t.value.begin(), t.value.end());
      out.nulls.insert(out.nulls.end(), t.nulls.begin(), t.nulls.end());
    }
  }
  return out;
}

}  // namespace mops::attribution
