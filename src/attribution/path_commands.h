// `mops attribute paths`: the path engines on a path file.
#pragma once

#include "cli/cli.h"

namespace mops::attribution {

// Adds the `paths` sub-verb to the `attribute` subcommand:
//   mops attribute paths FILE --model MODEL[,MODEL...]|all [--order K]
//     [--sep ';'] [--path-sep '>'] [--unique] [--out FILE]
//     [--transitions FILE] [--removal-effects]
// It prints CSV `model,channel,conversions,value` (stdout or --out).
void RegisterPathsVerb(CLI::App& attribute, cli::Context& ctx);

}  // namespace mops::attribution
