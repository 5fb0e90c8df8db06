// The reports as JSON documents, from named text parameters: what the CLI
// (`mops report NAME --key value`) and the REST routes
// (`GET /api/v1/analytics/NAME?key=value`) share. For this folder only.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/analytics.h"
#include "cli/cli.h"

namespace mops::analytics {

using Params = std::map<std::string, std::string>;

// The reports: funnel, velocity, channels, cac, cohorts, targets.
const std::vector<std::string_view>& ReportNames();
// The parameters a report takes (besides the drill-down's), with their help.
const std::vector<std::pair<std::string_view, std::string_view>>& ReportParams(
    std::string_view report);
// The drill-down parameters of a report (which cell).
const std::vector<std::pair<std::string_view, std::string_view>>& DrillParams(
    std::string_view report);

// The report as JSON. Unknown or bad parameters are errors naming the
// parameter; nothing is written. `now` is "today" for targets.
core::Result<nlohmann::json> ReportJson(store::Database& db, const Dataset& d,
                                        std::string_view report, const Params& params,
                                        Timestamp now);
// The records behind one cell: {"records": [...], "count", "sum", "offset",
// "limit"}; count and sum are over all the cell's records, the list is the
// page [offset, offset + limit).
core::Result<nlohmann::json> DrillJson(store::Database& db, const Dataset& d,
                                       std::string_view report, const Params& params, Timestamp now,
                                       int64_t offset, int64_t limit);

// The main table of a report document, for --format table|csv.
cli::Table MainTable(std::string_view report, const nlohmann::json& doc);

}  // namespace mops::analytics
