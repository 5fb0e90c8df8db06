#pragma once

#include "cli/cli.h"

namespace mops::stack {

// mops stack list|overlap|utilization|renewals|graph|gaps|cost|audit|catalog|import.
void RegisterCommands(CLI::App& app, cli::Context& ctx);

}  // namespace mops::stack
