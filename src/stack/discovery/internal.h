// Internals of discovery/ shared by its readers and tests: header detection
// over a preset's labels and the day/month order of a date column. Pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace mops::stack::discovery::internal {

// One field of a preset and the labels its exports use for it, '|'-separated,
// compared by NameKey (case, blanks and punctuation do not matter), in order
// of preference.
struct FieldLabels {
  std::string_view field;
  std::string_view labels;
};

struct PresetSpec {
  int id = 0;  // the preset enum value
  std::string_view name;
  std::vector<FieldLabels> fields;
  // Labels only this vendor's export has: each one present weighs 3.
  std::string_view signature;
  // Fields a file must have for the preset (one of each '|' group).
  std::vector<std::string_view> required;
  core::DateFormat date_order = core::DateFormat::kMdy;
};

// For each field of `spec`, the column of the header that holds it (-1).
std::vector<int> MapHeader(const PresetSpec& spec, std::span<const std::string> header);
// How well a header fits: matched labels + 3 per signature label; -1 when a
// required field is missing.
int ScoreHeader(const PresetSpec& spec, std::span<const std::string> header);
// The missing required fields, "date, amount".
std::string MissingFields(const PresetSpec& spec, std::span<const std::string> header);

// Collects the evidence of a date column's day/month order, value by value.
class DateOrderSurvey {
 public:
  void Add(std::string_view value, int64_t line);
  // The order the values show, else `fallback`; an error naming the column
  // and a line of each when they contradict each other.
  core::Result<core::DateFormat> Finish(core::DateFormat fallback, std::string_view column,
                                        std::string_view file_name) const;

 private:
  int64_t day_first_line_ = 0, month_first_line_ = 0;
  std::string day_first_value_, month_first_value_;
};

// "3/31/2026" read in `order` (ISO always accepted). kInvalidArgument
// quoting the value otherwise.
core::Result<core::Timestamp> ParseDate(std::string_view text, core::DateFormat order);

}  // namespace mops::stack::discovery::internal
