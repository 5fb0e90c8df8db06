// Per-column decisions made from all of a column's values before any row is
// converted: the day/month order of each date column and the length of the
// zero-led postal codes (see ColumnSurvey in internal.h).
#include <fmt/format.h>

#include "core/strings.h"
#include "ingest/internal.h"

namespace mops::ingest::internal {
namespace {

bool IsDateField(const FieldSpec& f) {
  return f.type == FieldType::kTime || f.type == FieldType::kDate;
}

// The two leading numbers of "N/N/YYYY", "N-N-YY" or "N.N.YYYY" (1-2 digits
// each); false for anything else (ISO dates, year first, epoch, text).
bool LeadingPair(std::string_view s, int& first, int& second, char& sep) {
  size_t i = 0;
  auto digits = [&](int& v) {
    size_t n = 0;
    v = 0;
    while (i < s.size() && n < 3 && core::IsAsciiDigit(s[i])) v = v * 10 + (s[i++] - '0'), ++n;
    return n >= 1 && n <= 2;
  };
  if (!digits(first) || i >= s.size()) return false;
  sep = s[i];
  if (sep != '/' && sep != '-' && sep != '.') return false;
  ++i;
  if (!digits(second) || i >= s.size() || s[i] != sep) return false;
  return true;
}

}  // namespace

bool LooksLikeExcelScientific(std::string_view s) {
  // d[.ddd]E[+-]dd, as Excel shows a long number in a General cell.
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size() || !core::IsAsciiDigit(s[i])) return false;
  ++i;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    ++i;
    const size_t start = i;
    while (i < s.size() && core::IsAsciiDigit(s[i])) ++i;
    if (i == start) return false;
  }
  if (i >= s.size() || (s[i] != 'E' && s[i] != 'e')) return false;
  ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const size_t start = i;
  while (i < s.size() && core::IsAsciiDigit(s[i])) ++i;
  return i > start && i == s.size();
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!core::IsAsciiDigit(c)) return false;
  }
  return true;
}

ColumnSurvey::ColumnSurvey(const KindSpec& spec, const Mapping& mapping)
    : spec_(spec), mapping_(mapping), fields_(spec.fields.size()) {
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    const int col = mapping.field_column[i];
    if (col < 0) continue;
    const FieldSpec& f = spec.fields[i];
    if (IsDateField(f)) fields_[i].date = true;
    if (f.name == "postal_code") fields_[i].postal = true;
    if (fields_[i].date || fields_[i].postal) watched_.push_back(static_cast<int>(i));
  }
}

void ColumnSurvey::Add(std::span<const std::string_view> record, int64_t line) {
  for (int i : watched_) {
    const size_t col = static_cast<size_t>(mapping_.field_column[i]);
    if (col >= record.size()) continue;
    const std::string_view text = core::Trim(record[col]);
    if (text.empty()) continue;
    FieldStats& s = fields_[i];
    if (s.date) {
      int first = 0;
      int second = 0;
      char sep = 0;
      if (!LeadingPair(text, first, second, sep)) continue;
      if (sep == '.') s.dotted = true;
      Evidence* e = nullptr;
      if (first > 12 && second <= 12) e = &s.day_first;
      if (second > 12 && first <= 12) e = &s.month_first;
      if (e != nullptr && e->line == 0) {
        e->line = line;
        e->value.assign(text);
      }
    } else if (s.postal && IsDigits(text) && text.front() == '0') {
      s.zero_led_length = std::max(s.zero_led_length, static_cast<int>(text.size()));
    }
  }
}

core::Result<ColumnPlan> ColumnSurvey::Finish(core::DateFormat base,
                                              std::span<const std::string> headers,
                                              std::string_view file_name,
                                              std::vector<std::string>& warnings) const {
  ColumnPlan plan;
  plan.date_format.assign(spec_.fields.size(), base);
  plan.zero_led_length.assign(spec_.fields.size(), 0);
  const bool orderable = base == core::DateFormat::kAuto || base == core::DateFormat::kMdy ||
                         base == core::DateFormat::kDmy;
  for (int i : watched_) {
    const FieldStats& s = fields_[i];
    const int col = mapping_.field_column[i];
    const std::string label = static_cast<size_t>(col) < headers.size()
                                  ? headers[col]
                                  : std::string(spec_.fields[i].name);
    plan.zero_led_length[i] = s.zero_led_length;
    if (!s.date || !orderable) continue;
    if (s.day_first.line > 0 && s.month_first.line > 0) {
      const bool day_later = s.day_first.line > s.month_first.line;
      const Evidence& later = day_later ? s.day_first : s.month_first;
      core::Error e = core::MakeError(
          core::ErrorCode::kParse,
          fmt::format("column '{}' mixes day/month orders: line {} has '{}' (day first), line {} "
                      "has '{}' (month first); a column is read in one order, so nothing was "
                      "imported",
                      label, s.day_first.line, s.day_first.value, s.month_first.line,
                      s.month_first.value));
      e.field = label;
      return core::Fail(std::move(e).At(std::string(file_name), later.line, col + 1));
    }
    if (s.day_first.line > 0) {
      plan.date_format[i] = core::DateFormat::kDmy;
      if (base == core::DateFormat::kMdy) {
        warnings.push_back(fmt::format(
            "column '{}' is read day first (line {} has '{}'), not in the order asked for", label,
            s.day_first.line, s.day_first.value));
      }
    } else if (s.month_first.line > 0) {
      plan.date_format[i] = core::DateFormat::kMdy;
      if (base == core::DateFormat::kDmy) {
        warnings.push_back(fmt::format(
            "column '{}' is read month first (line {} has '{}'), not in the order asked for", label,
            s.month_first.line, s.month_first.value));
      }
    } else if (base == core::DateFormat::kAuto && s.dotted) {
      plan.date_format[i] = core::DateFormat::kDmy;  // 05.03.2024 is European
    }
  }
  return plan;
}

}  // namespace mops::ingest::internal
