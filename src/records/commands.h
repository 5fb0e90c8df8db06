#pragma once

#include "cli/cli.h"

namespace mops::records {

// mops status: what the workspace holds.
void RegisterCommands(CLI::App& app, cli::Context& ctx);

}  // namespace mops::records
