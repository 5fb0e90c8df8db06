// Header detection and per-column date order for the discovery readers.
#include <fmt/format.h>

#include "core/strings.h"
#include "stack/discovery/internal.h"
#include "stack/stack.h"

namespace mops::stack::discovery::internal {
namespace {

// The two leading numbers of "N/N/YYYY", "N-N-YY" or "N.N.YYYY".
bool LeadingPair(std::string_view s, int& first, int& second) {
  size_t i = 0;
  const auto digits = [&](int& v) {
    size_t n = 0;
    v = 0;
    while (i < s.size() && n < 3 && core::IsAsciiDigit(s[i])) v = v * 10 + (s[i++] - '0'), ++n;
    return n >= 1 && n <= 2;
  };
  if (!digits(first) || i >= s.size()) return false;
  const char sep = s[i];
  if (sep != '/' && sep != '-' && sep != '.') return false;
  ++i;
  return digits(second) && i < s.size() && s[i] == sep;
}

int FieldColumn(std::string_view labels, std::span<const std::string> keys) {
  for (std::string_view label : core::Split(labels, '|')) {
    const std::string key = NameKey(label);
    for (size_t c = 0; c < keys.size(); ++c) {
      if (keys[c] == key) return static_cast<int>(c);
    }
  }
  return -1;
}

std::vector<std::string> Keys(std::span<const std::string> header) {
  std::vector<std::string> keys;
  keys.reserve(header.size());
  for (const std::string& h : header) keys.push_back(NameKey(h));
  return keys;
}

const FieldLabels* FindField(const PresetSpec& spec, std::string_view field) {
  for (const FieldLabels& f : spec.fields) {
    if (f.field == field) return &f;
  }
  return nullptr;
}

}  // namespace

std::vector<int> MapHeader(const PresetSpec& spec, std::span<const std::string> header) {
  const std::vector<std::string> keys = Keys(header);
  std::vector<int> out;
  out.reserve(spec.fields.size());
  for (const FieldLabels& f : spec.fields) out.push_back(FieldColumn(f.labels, keys));
  return out;
}

std::string MissingFields(const PresetSpec& spec, std::span<const std::string> header) {
  const std::vector<std::string> keys = Keys(header);
  std::vector<std::string> missing;
  for (std::string_view group : spec.required) {
    bool any = false;
    for (std::string_view field : core::Split(group, '|')) {
      const FieldLabels* f = FindField(spec, field);
      if (f != nullptr && FieldColumn(f->labels, keys) >= 0) any = true;
    }
    if (!any) missing.emplace_back(group);
  }
  return core::Join(missing, ", ");
}

int ScoreHeader(const PresetSpec& spec, std::span<const std::string> header) {
  if (!MissingFields(spec, header).empty()) return -1;
  const std::vector<std::string> keys = Keys(header);
  int score = 0;
  for (const FieldLabels& f : spec.fields) {
    if (FieldColumn(f.labels, keys) >= 0) ++score;
  }
  if (!spec.signature.empty()) {
    for (std::string_view label : core::Split(spec.signature, '|')) {
      const std::string key = NameKey(label);
      for (const std::string& k : keys) {
        if (k == key) score += 3;
      }
    }
  }
  return score;
}

void DateOrderSurvey::Add(std::string_view value, int64_t line) {
  int first = 0, second = 0;
  if (!LeadingPair(core::Trim(value), first, second)) return;
  if (first > 12 && day_first_line_ == 0) {
    day_first_line_ = line;
    day_first_value_ = std::string(core::Trim(value));
  } else if (second > 12 && month_first_line_ == 0) {
    month_first_line_ = line;
    month_first_value_ = std::string(core::Trim(value));
  }
}

core::Result<core::DateFormat> DateOrderSurvey::Finish(core::DateFormat fallback,
                                                       std::string_view column,
                                                       std::string_view file_name) const {
  if (day_first_line_ > 0 && month_first_line_ > 0) {
    return core::Fail(
        core::MakeError(core::ErrorCode::kInvalidArgument,
                        fmt::format("dates of column '{}' are day first on line {} ('{}') and "
                                    "month first on line {} ('{}'); fix the file",
                                    column, day_first_line_, day_first_value_, month_first_line_,
                                    month_first_value_))
            .At(std::string(file_name), std::max(day_first_line_, month_first_line_))
            .InField(std::string(column)));
  }
  if (day_first_line_ > 0) return core::DateFormat::kDmy;
  if (month_first_line_ > 0) return core::DateFormat::kMdy;
  return fallback;
}

core::Result<core::Timestamp> ParseDate(std::string_view text, core::DateFormat order) {
  return core::ParseTimestamp(text,
                              order == core::DateFormat::kAuto ? core::DateFormat::kMdy : order);
}

}  // namespace mops::stack::discovery::internal
