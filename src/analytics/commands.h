#pragma once

#include "cli/cli.h"

namespace mops::analytics {

// mops report funnel|velocity|channels|cac|cohorts|targets|config, mops spend import.
void RegisterCommands(CLI::App& app, cli::Context& ctx);

}  // namespace mops::analytics
