#pragma once

#include "cli/cli.h"

namespace mops::stack::discovery {

// mops stack discover spend|usage|reconcile|apply|undo|aliases, under the
// `stack` verb.
void RegisterCommands(CLI::App& stack, cli::Context& ctx);

// Imports the demo company's card and sign-in exports (discovery_ramp.csv,
// discovery_okta.csv) found in `dir`, for `mops demo`.
core::Status ImportDemoExports(store::Database& db, const std::string& dir);

}  // namespace mops::stack::discovery
