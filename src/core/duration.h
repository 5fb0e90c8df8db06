// Sync intervals as integrations and schedules write them: "5m", "15 min",
// "1h", "2d", "1w", and ISO 8601 durations ("PT5M", "PT1H30M", "P1D", "P1W").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mops::core {

// Seconds of a sync interval; nullopt when `text` is not one (or is zero).
// Short forms take a whole number and a unit s|sec|m|min|h|hr|d|day|w|wk
// (plural and case aside); ISO 8601 takes P[nW][nD][T[nH][nM][nS]] (no years
// or months: their length varies).
std::optional<int64_t> ParseInterval(std::string_view text);

// The ISO 8601 form of an interval: 300 -> "PT5M", 86400 -> "P1D".
std::string FormatIsoInterval(int64_t seconds);

}  // namespace mops::core
