// `mops demo`: generate a company, load it into the workspace and serve it.
// It composes the generator, the importer and the server, so it lives in its
// own library above all three.
#pragma once

#include <functional>

#include "cli/cli.h"
#include "http/commands.h"

namespace mops::demo {

// Runs on the workspace once the company is loaded (the composition root
// finds the duplicates, so the review queue has work in it).
using AfterLoad = std::function<core::Status(store::Database&)>;

void RegisterDemoVerb(CLI::App& app, cli::Context& ctx, http::RouteInstaller install_routes,
                      AfterLoad after_load = {});

}  // namespace mops::demo
