// `mops demo`: generate a company, load it into the workspace and serve it.
// It composes the generator, the importer and the server, so it lives in its
// own library above all three.
#pragma once

#include "cli/cli.h"
#include "http/commands.h"

namespace mops::demo {

void RegisterDemoVerb(CLI::App& app, cli::Context& ctx, http::RouteInstaller install_routes);

}  // namespace mops::demo
