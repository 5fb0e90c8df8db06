#pragma once

#include "cli/cli.h"

namespace mops::campaigns {

// mops campaigns list|show|create|update|transition|launch|approve|...|utm ...
// Also installs the post-import hook that puts imported campaign members
// into their campaign's statuses.
void RegisterCommands(CLI::App& app, cli::Context& ctx);

}  // namespace mops::campaigns
