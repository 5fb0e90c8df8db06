// `mops attribute` and its sub-verbs (runs, show, config).
#pragma once

#include "cli/cli.h"

namespace mops::attribution {

// Adds `attribute` and returns it, so that other verbs (`attribute paths`) can
// hang under it.
CLI::App* RegisterCommands(CLI::App& app, cli::Context& ctx);

}  // namespace mops::attribution
