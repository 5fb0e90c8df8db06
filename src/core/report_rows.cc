#include "core/report_rows.h"

#include <algorithm>

#include "core/csv.h"
#include "core/strings.h"

namespace mops::core {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// `cell` (lower case) starts with the word `word`: nothing or no letter after it.
bool StartsWithWord(std::string_view cell, std::string_view word) {
  return cell.starts_with(word) && (cell.size() == word.size() || !IsLetter(cell[word.size()]));
}

// A sum, an amount or a count as reports print them.
bool IsNumberLike(std::string_view cell) {
  bool digit = false;
  for (size_t i = 0; i < cell.size(); ++i) {
    const char c = cell[i];
    if (IsAsciiDigit(c)) {
      digit = true;
    } else if (c == ',' || c == '.' || c == ' ' || c == '-' || c == '+' || c == '(' || c == ')' ||
               c == '%' || c == '$' || c == '\'') {
      continue;
    } else if ((c == 'k' || c == 'K' || c == 'm' || c == 'M') && digit) {
      continue;  // "3.5K"
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      continue;  // currency signs: € £ ¥ and no-break spaces
    } else {
      return false;
    }
  }
  return digit;
}

}  // namespace

std::optional<HeaderLine> FindHeaderLine(
    std::string_view text, int64_t max_lines,
    const std::function<bool(std::span<const std::string_view>)>& is_header, char delimiter) {
  size_t offset = text.starts_with(kBom) ? kBom.size() : 0;
  std::vector<int64_t> skipped;
  std::vector<std::string_view> fields;
  for (int64_t line = 1; line <= max_lines && offset < text.size(); ++line) {
    size_t end = text.find_first_of("\r\n", offset);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view content = text.substr(offset, end - offset);
    if (!Trim(content).empty()) {
      CsvOptions options;
      options.delimiter = delimiter != 0 ? delimiter : DetectDelimiter(content);
      options.trim_fields = true;
      options.require_same_width = false;
      CsvReader reader(content, options);
      if (auto got = reader.Next(fields); got && *got && is_header(fields)) {
        HeaderLine out;
        out.line = line;
        out.offset = offset;
        out.delimiter = options.delimiter;
        for (std::string_view f : fields) out.fields.emplace_back(Trim(f));
        out.skipped_lines = std::move(skipped);
        return out;
      }
      skipped.push_back(line);
    }
    // LF, CRLF or a lone CR ends a line (as CsvReader counts them).
    offset = end;
    if (offset < text.size() && text[offset] == '\r') ++offset;
    if (offset < text.size() && text[offset] == '\n' && offset == end + (text[end] == '\r')) {
      ++offset;
    }
  }
  return std::nullopt;
}

bool IsTotalsLabel(std::string_view raw) {
  raw = Trim(raw);
  if (raw.empty()) return false;
  switch (AsciiToLower(raw[0])) {  // most cells of most rows stop here
    case 't':
    case 'g':
    case 's':
    case 'r':
    case 'c':
    case '(':
    case '\xc2':
      break;
    default:
      return false;
  }
  // Lower case, the first 64 bytes (enough for any label): no allocation.
  char buffer[64];
  const size_t n = std::min(raw.size(), sizeof(buffer));
  for (size_t i = 0; i < n; ++i) buffer[i] = AsciiToLower(raw[i]);
  const std::string_view cell(buffer, n);
  if (cell.starts_with("\xc2\xa9") || StartsWithWord(cell, "(c)") ||
      StartsWithWord(cell, "copyright")) {
    return true;
  }
  std::string_view c = cell;
  if (StartsWithWord(c, "grand")) c = TrimLeft(c.substr(5));
  for (std::string_view word : {"total", "totals", "subtotal", "subtotals"}) {
    if (StartsWithWord(c, word)) return true;
  }
  // "Records: 12", "Count: 12", "Count"
  for (std::string_view word : {"records", "count"}) {
    if (c == word || (StartsWithWord(c, word) && c.size() > word.size() && c[word.size()] == ':')) {
      return true;
    }
  }
  return false;
}

bool IsTotalsRow(std::span<const std::string_view> fields, const TotalsRowRule& rule) {
  int label = -1;
  for (size_t i = 0; i < fields.size() && i < rule.label_columns; ++i) {
    if (IsTotalsLabel(fields[i])) {
      label = static_cast<int>(i);
      break;
    }
  }
  if (label < 0) {
    if (!rule.blank_rows) return false;
    for (std::string_view f : fields) {
      if (!Trim(f).empty()) return false;
    }
    return true;
  }
  size_t filled = 0;
  for (std::string_view f : fields) filled += Trim(f).empty() ? 0 : 1;
  if (rule.max_filled > 0 && filled > rule.max_filled) return false;
  for (int k : rule.key_columns) {
    if (k < 0 || static_cast<size_t>(k) >= fields.size() || k == label) continue;
    if (!Trim(fields[static_cast<size_t>(k)]).empty()) return false;
  }
  if (rule.numbers_only) {
    for (size_t i = 0; i < fields.size(); ++i) {
      const std::string_view f = Trim(fields[i]);
      if (static_cast<int>(i) == label || f.empty()) continue;
      if (!IsNumberLike(f)) return false;
    }
  }
  return true;
}

}  // namespace mops::core
