#pragma once

#include "cli/cli.h"

namespace mops::report {

// mops audit [--format html|pdf|json|md] [--out FILE] [--as-of DATE]
//            [--diff PREVIOUS.json] [--store] [--list-rules]
// and the `audit` config in the `mops config` registry.
void RegisterCommands(CLI::App& app, cli::Context& ctx);

}  // namespace mops::report
