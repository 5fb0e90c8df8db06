#pragma once

#include "cli/cli.h"

namespace mops::leads {

// mops leads config|score|explain|backtest|route|sla|status|list.
void RegisterCommands(CLI::App& app, cli::Context& ctx);

}  // namespace mops::leads
