// The documents discovery serves: JSON for the REST API and `--format json`,
// and the CLI's tables. Money leaves as major units (numbers), dates as
// YYYY-MM-DD. Folder-internal (commands.cc, routes.cc, tests).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "stack/discovery/discovery.h"

namespace mops::stack::discovery {

using Json = nlohmann::json;

Json ImportJson(const ImportResult& result);
Json SpendJson(const SpendReport& report);
Json UsageJson(const UsageReport& report, const Stack& stack);
Json ReconcileJson(const ReconcileReport& report);
Json ApplyJson(const ApplyResult& result);
// The records behind a tool's (or an unmatched merchant's) figures: every
// spend row matched to `tool`, or whose normalised descriptor is `merchant`.
// Their amounts add up to the tool's net spend.
Json TransactionsJson(const std::vector<SpendRow>& rows, const Matcher& matcher,
                      const std::string& tool, const std::string& merchant, size_t limit);

cli::Table SpendTable(const SpendReport& report);
cli::Table UnmatchedTable(const SpendReport& report);
cli::Table UsageTable(const UsageReport& report, const Stack& stack);
cli::Table ReconcileTable(const ReconcileReport& report);
cli::Table ApplyTable(const ApplyResult& result);

}  // namespace mops::stack::discovery
