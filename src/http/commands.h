// CLI verbs of the HTTP layer: init (first admin token), token
// create/list/revoke, and serve.
#pragma once

#include <functional>

#include "cli/cli.h"
#include "http/http.h"

namespace mops::http {

// Adds every capability's routes; supplied by main.cc, the composition root.
using RouteInstaller = std::function<void(Router&)>;

void RegisterCommands(CLI::App& app, cli::Context& ctx, RouteInstaller install_routes);

// Serves the workspace of `ctx` until SIGTERM/SIGINT (used by serve and demo).
core::Status ServeWorkspace(cli::Context& ctx, ServerOptions options,
                            const RouteInstaller& install_routes);

}  // namespace mops::http
