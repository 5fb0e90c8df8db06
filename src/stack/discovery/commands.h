#pragma once

#include "cli/cli.h"

namespace mops::stack::discovery {

// mops stack discover spend|usage|reconcile|apply|undo|aliases, under the
// `stack` verb.
void RegisterCommands(CLI::App& stack, cli::Context& ctx);

}  // namespace mops::stack::discovery
