#include "core/csv.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>

namespace mops::core {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

// Flags (in the byte's high bit) the bytes of `w` equal to zero. Flags above
// a true zero byte may be spurious, so only the lowest flag is exact.
inline uint64_t ZeroBytes(uint64_t w) { return (w - kOnes) & ~w & kHighs; }

inline uint64_t Load64(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  return w;
}

// Length of the valid UTF-8 sequence that starts at p (p[0] >= 0x80), or 0
// when it is not one (Unicode 15, table 3-7: no overlongs, no surrogates,
// nothing above U+10FFFF).
inline size_t Utf8SequenceLength(const unsigned char* p, const unsigned char* end) {
  const unsigned c = p[0];
  const size_t avail = static_cast<size_t>(end - p);
  if (c < 0xC2) return 0;
  if (c < 0xE0) return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c < 0xF0) {
    if (avail < 3) return 0;
    const unsigned c1 = p[1];
    const bool ok1 = c == 0xE0   ? (c1 >= 0xA0 && c1 <= 0xBF)
                     : c == 0xED ? (c1 >= 0x80 && c1 <= 0x9F)
                                 : (c1 & 0xC0) == 0x80;
    return ok1 && (p[2] & 0xC0) == 0x80 ? 3 : 0;
  }
  if (c < 0xF5) {
    if (avail < 4) return 0;
    const unsigned c1 = p[1];
    const bool ok1 = c == 0xF0   ? (c1 >= 0x90 && c1 <= 0xBF)
                     : c == 0xF4 ? (c1 >= 0x80 && c1 <= 0x8F)
                                 : (c1 & 0xC0) == 0x80;
    return ok1 && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4 : 0;
  }
  return 0;
}

// Offset of the first byte of `s` that is not part of valid UTF-8, or npos.
size_t FirstInvalidUtf8(std::string_view s) {
  const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
  const auto* p = begin;
  const auto* end = begin + s.size();
  while (p < end) {
    while (end - p >= 8 && (Load64(reinterpret_cast<const char*>(p)) & kHighs) == 0) p += 8;
    if (p == end) break;
    if (*p < 0x80) {
      ++p;
      continue;
    }
    const size_t n = Utf8SequenceLength(p, end);
    if (n == 0) return static_cast<size_t>(p - begin);
    p += n;
  }
  return std::string_view::npos;
}

// Line breaks (LF, CRLF or a lone CR) in `s`.
int64_t CountLineBreaks(std::string_view s) {
  int64_t n = std::count(s.begin(), s.end(), '\n');
  if (s.find('\r') != std::string_view::npos) {
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) ++n;
    }
  }
  return n;
}

bool IsPlainNumber(std::string_view v) {
  size_t i = 0;
  if (i < v.size() && (v[i] == '-' || v[i] == '+')) ++i;
  size_t digits = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++digits;
  if (i < v.size() && v[i] == '.') {
    ++i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
    ++i;
    if (i < v.size() && (v[i] == '-' || v[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == v.size();
}

bool StartsLikeFormula(std::string_view v) {
  if (v.empty()) return false;
  switch (v[0]) {
    case '=':
    case '@':
    case '\t':
    case '\r':
      return true;
    case '+':
    case '-':
      return !IsPlainNumber(v);
    default:
      return false;
  }
}

}  // namespace

bool IsValidUtf8(std::string_view s) { return FirstInvalidUtf8(s) == std::string_view::npos; }

int64_t CountLines(std::string_view text) {
  const bool ends_with_break = text.ends_with('\n') || text.ends_with('\r');
  return CountLineBreaks(text) + (ends_with_break ? 0 : 1);
}

char DetectDelimiter(std::string_view text) {
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  constexpr std::array<char, 4> kCandidates = {',', ';', '\t', '|'};
  std::array<int64_t, 4> counts{};
  bool in_quotes = false;
  for (char c : text) {
    if (c == '"') {
      in_quotes = !in_quotes;
    } else if (!in_quotes) {
      if (c == '\n' || c == '\r') break;
      for (size_t k = 0; k < kCandidates.size(); ++k) {
        if (c == kCandidates[k]) ++counts[k];
      }
    }
  }
  size_t best = 0;
  for (size_t k = 1; k < kCandidates.size(); ++k) {
    if (counts[k] > counts[best]) best = k;
  }
  return kCandidates[best];
}

struct CsvReader::Impl {
  // A field whose unescaped text lives in `scratch`, patched into the
  // record's views once the record is complete (scratch may grow meanwhile).
  struct ScratchField {
    size_t index;
    size_t offset;
    size_t length;
  };

  std::string_view data;
  size_t pos = 0;
  CsvOptions options;
  char delim = ',';
  uint64_t delim_pattern = 0;
  int64_t line = 1;  // line of data[pos]
  int64_t record_line = 0;
  int64_t width = -1;
  std::string scratch;
  std::vector<ScratchField> scratch_fields;
  std::optional<Error> pending;  // first error in the record being read

  bool IsTrimmable(char c) const { return (c == ' ' || c == '\t') && c != delim; }
  bool IsTerminator(char c) const { return c == delim || c == '\n' || c == '\r'; }

  void Fail(int64_t at_line, size_t column, std::string message) {
    if (pending) return;
    pending = MakeError(ErrorCode::kParse, std::move(message))
                  .At(options.file_name, at_line, static_cast<int64_t>(column));
  }

  // Position of the first delimiter, CR, LF or byte >= 0x80 at or after `p`.
  size_t ScanUnquoted(size_t p) const {
    const char* base = data.data();
    const size_t size = data.size();
    while (size - p >= 8) {
      const uint64_t w = Load64(base + p);
      const uint64_t hits = ZeroBytes(w ^ delim_pattern) | ZeroBytes(w ^ (kOnes * '\n')) |
                            ZeroBytes(w ^ (kOnes * '\r')) | (w & kHighs);
      if (hits != 0) return p + static_cast<size_t>(__builtin_ctzll(hits) >> 3);
      p += 8;
    }
    while (p < size && !IsTerminator(base[p]) && static_cast<unsigned char>(base[p]) < 0x80) ++p;
    return p;
  }

  void ReadUnquoted(std::vector<std::string_view>& fields, size_t start) {
    const size_t column = fields.size() + 1;
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    while (true) {
      pos = ScanUnquoted(pos);
      if (pos >= data.size() || bytes[pos] < 0x80) break;
      const size_t n = Utf8SequenceLength(bytes + pos, bytes + data.size());
      if (n == 0) {
        Fail(line, column,
             fmt::format("invalid UTF-8 (byte 0x{:02X}); save the file as UTF-8", bytes[pos]));
        ++pos;
      } else {
        pos += n;
      }
    }
    size_t end = pos;
    if (options.trim_fields) {
      while (end > start && IsTrimmable(data[end - 1])) --end;
    }
    fields.push_back(data.substr(start, end - start));
  }

  // Validates and counts the lines of one stretch of a quoted field.
  void QuotedSegment(std::string_view segment, size_t column) {
    if (!pending) {
      const size_t bad = FirstInvalidUtf8(segment);
      if (bad != std::string_view::npos) {
        Fail(line + CountLineBreaks(segment.substr(0, bad)), column,
             fmt::format("invalid UTF-8 (byte 0x{:02X}); save the file as UTF-8",
                         static_cast<unsigned char>(segment[bad])));
      }
    }
    line += CountLineBreaks(segment);
  }

  // Reads a quoted field; pos is on the opening quote. Returns false when the
  // quote is never closed (the rest of the input is consumed).
  bool ReadQuoted(std::vector<std::string_view>& fields) {
    const size_t column = fields.size() + 1;
    const int64_t quote_line = line;
    const size_t content_start = ++pos;
    bool escaped = false;
    size_t scratch_offset = 0;
    size_t content_end = 0;
    while (true) {
      const void* q = std::memchr(data.data() + pos, '"', data.size() - pos);
      const size_t segment_end =
          q != nullptr ? static_cast<size_t>(static_cast<const char*>(q) - data.data())
                       : data.size();
      const std::string_view segment = data.substr(pos, segment_end - pos);
      QuotedSegment(segment, column);
      if (escaped) scratch.append(segment);
      if (q == nullptr) {
        pos = data.size();
        pending.reset();
        Fail(quote_line, column,
             fmt::format("unclosed quoted field: the quote opened on line {} is never closed",
                         quote_line));
        return false;
      }
      pos = segment_end + 1;
      if (pos < data.size() && data[pos] == '"') {
        if (!escaped) {
          escaped = true;
          scratch_offset = scratch.size();
          scratch.append(data.substr(content_start, segment_end - content_start));
        }
        scratch.push_back('"');
        ++pos;
        continue;
      }
      content_end = segment_end;
      break;
    }
    if (escaped) {
      scratch_fields.push_back({fields.size(), scratch_offset, scratch.size() - scratch_offset});
      fields.emplace_back();
    } else {
      fields.push_back(data.substr(content_start, content_end - content_start));
    }
    if (options.trim_fields) {
      while (pos < data.size() && IsTrimmable(data[pos])) ++pos;
    }
    if (pos < data.size() && !IsTerminator(data[pos])) {
      const char c = data[pos];
      const std::string found = c >= 0x20 && c < 0x7F ? fmt::format(" '{}'", c) : "";
      const std::string expected = delim == '\t' ? "\\t" : std::string(1, delim);
      Fail(line, column,
           fmt::format("unexpected character{} after closing quote (expected '{}' or end of line)",
                       found, expected));
      while (pos < data.size() && !IsTerminator(data[pos])) ++pos;
    }
    return true;
  }

  // Skips empty lines (and, with trim_fields, lines of blanks). Returns
  // false at the end of the input.
  bool SkipBlankLines() {
    while (pos < data.size()) {
      size_t p = pos;
      if (options.trim_fields) {
        while (p < data.size() && IsTrimmable(data[p])) ++p;
        if (p == data.size()) {
          pos = p;
          return false;
        }
      }
      if (data[p] == '\n') {
        pos = p + 1;
      } else if (data[p] == '\r') {
        pos = p + 1;
        if (pos < data.size() && data[pos] == '\n') ++pos;
      } else {
        return true;
      }
      ++line;
    }
    return false;
  }

  Result<bool> Next(std::vector<std::string_view>& fields) {
    fields.clear();
    scratch.clear();
    scratch_fields.clear();
    pending.reset();
    if (!SkipBlankLines()) return false;
    record_line = line;
    while (true) {
      size_t start = pos;
      if (options.trim_fields) {
        while (pos < data.size() && IsTrimmable(data[pos])) ++pos;
        start = pos;
      }
      if (pos < data.size() && data[pos] == '"') {
        if (!ReadQuoted(fields)) return std::unexpected(std::move(*pending));
      } else {
        ReadUnquoted(fields, start);
      }
      if (pos >= data.size()) break;
      const char c = data[pos++];
      if (c == delim) continue;
      if (c == '\r' && pos < data.size() && data[pos] == '\n') ++pos;
      ++line;
      break;
    }
    for (const ScratchField& f : scratch_fields) {
      fields[f.index] = std::string_view(scratch.data() + f.offset, f.length);
    }
    const auto found = static_cast<int64_t>(fields.size());
    if (width < 0) width = found;
    if (pending) return std::unexpected(std::move(*pending));
    if (options.require_same_width && found != width) {
      return std::unexpected(
          MakeError(ErrorCode::kParse, fmt::format("expected {} fields, found {}", width, found))
              .At(options.file_name, record_line, std::min(found, width) + 1));
    }
    return true;
  }
};

CsvReader::CsvReader(std::string_view data, CsvOptions options) : impl_(std::make_unique<Impl>()) {
  if (data.starts_with(kBom)) data.remove_prefix(kBom.size());
  impl_->data = data;
  impl_->delim = options.delimiter != 0 ? options.delimiter : DetectDelimiter(data);
  impl_->delim_pattern = kOnes * static_cast<unsigned char>(impl_->delim);
  impl_->line = options.first_line;
  impl_->options = std::move(options);
}

CsvReader::~CsvReader() = default;

Result<bool> CsvReader::Next(std::vector<std::string_view>& fields) { return impl_->Next(fields); }

int64_t CsvReader::record_line() const { return impl_->record_line; }

char CsvReader::delimiter() const { return impl_->delim; }

Result<std::string> ReadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int err = errno;
    return std::unexpected(MakeError(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                                     fmt::format("cannot open file: {}", std::strerror(err)))
                               .At(path));
  }
  std::string out;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    const long size = std::ftell(f);
    if (size > 0) out.reserve(static_cast<size_t>(size));
    std::rewind(f);
  }
  std::array<char, 1 << 16> buffer;
  while (true) {
    const size_t n = std::fread(buffer.data(), 1, buffer.size(), f);
    out.append(buffer.data(), n);
    if (n < buffer.size()) break;
  }
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) {
    return std::unexpected(
        MakeError(ErrorCode::kIo, fmt::format("cannot read file: {}", std::strerror(err)))
            .At(path));
  }
  return out;
}

std::string NeutralizeFormula(std::string_view value) {
  std::string out;
  if (StartsLikeFormula(value)) {
    out.reserve(value.size() + 1);
    out.push_back('\'');
  }
  out.append(value);
  return out;
}

void CsvWriter::Separator() {
  if (fields_in_row_ > 0) out_.push_back(delimiter_);
  ++fields_in_row_;
}

void CsvWriter::Field(std::string_view value) {
  Separator();
  last_empty_ = value.empty();
  const bool neutralize = neutralize_ && StartsLikeFormula(value);
  bool quote =
      !value.empty() && (value.front() == ' ' || value.front() == '\t' || value.back() == ' ' ||
                         value.back() == '\t' || value.starts_with(kBom));
  bool has_quote = false;
  if (!quote) {
    for (char c : value) {
      if (c == delimiter_ || c == '\n' || c == '\r') quote = true;
      if (c == '"') quote = has_quote = true;
    }
  } else {
    has_quote = value.find('"') != std::string_view::npos;
  }
  if (!quote) {
    if (neutralize) out_.push_back('\'');
    out_.append(value);
    return;
  }
  out_.push_back('"');
  if (neutralize) out_.push_back('\'');
  if (!has_quote) {
    out_.append(value);
  } else {
    for (char c : value) {
      if (c == '"') out_.push_back('"');
      out_.push_back(c);
    }
  }
  out_.push_back('"');
}

void CsvWriter::Field(int64_t value) {
  Separator();
  last_empty_ = false;
  std::array<char, 24> buffer;
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out_.append(buffer.data(), end);
}

void CsvWriter::Field(double value) {
  Separator();
  last_empty_ = false;
  std::array<char, 32> buffer;
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out_.append(buffer.data(), end);
}

void CsvWriter::EmptyField() {
  Separator();
  last_empty_ = true;
}

void CsvWriter::EndRow() {
  // A lone empty field would be a blank line, which readers skip.
  if (fields_in_row_ == 1 && last_empty_) out_.append("\"\"");
  out_.push_back('\n');
  fields_in_row_ = 0;
  last_empty_ = false;
}

void CsvWriter::Row(const std::vector<std::string>& values) {
  for (const std::string& v : values) Field(std::string_view(v));
  EndRow();
}

}  // namespace mops::core
