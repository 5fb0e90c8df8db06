// The documents stack/ serves: JSON for the REST API and `--format json`, a
// standalone HTML audit report, and the parsing of the analysis options the
// CLI and the API share. Folder-internal (routes.cc, commands.cc, tests).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "stack/stack.h"

namespace mops::stack {

using Json = nlohmann::json;

// Options as the user types them; empty strings take the defaults.
struct OptionText {
  std::string as_of;      // a date; empty: `today`
  std::string stage;      // seed, growth, scale
  std::string budget;     // marketing budget per year, major units ("1200000")
  std::string threshold;  // utilization threshold: 0.7 or 70 or 70%
};
// Errors name the option (field) and the value.
core::Result<Options> ParseOptions(const OptionText& text, Timestamp today);

// Money leaves as major units (a number), times as ISO dates or date-times.
Json InventoryJson(const Stack& stack, const Options& options);
Json OverlapJson(const Stack& stack, const OverlapReport& overlap);
Json UtilizationJson(const Stack& stack, const std::vector<SeatUsage>& usage,
                     const Options& options);
// Renewals whose notice deadline is at most `within` days away (and those
// passed less than a renewal ago); every renewal when `within` is empty.
Json RenewalsJson(const Stack& stack, const std::vector<Renewal>& renewals,
                  std::optional<int64_t> within, const Options& options);
Json GraphJson(const Stack& stack, const GraphReport& graph);
Json CostJson(const CostReport& cost, const Options& options);
Json GapsJson(const Stack& stack, const GapReport& gaps);
// {"as_of", "stage", "findings": [{kind, severity, tools, evidence, action,
// recommendation, annual_impact}], "summary": {...}, "cost": {...}}
Json AuditJson(const AuditReport& audit, const Options& options);
// A standalone, printable HTML page (inline CSS, no scripts).
std::string AuditHtml(const Stack& stack, const AuditReport& audit, const Options& options);

}  // namespace mops::stack
