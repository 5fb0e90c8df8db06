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

// The demo's admin token. For a SQLite workspace it is kept beside the file
// in `demo-token` (mode 0600) and reused on the next start while it still
// authenticates there as admin; otherwise (first start, revoked, expired,
// another workspace's) a new one is minted and stored. A PostgreSQL workspace
// has no folder: a token is minted on each start.
core::Result<std::string> DemoToken(store::Database& db, const std::string& workspace);

// Loads exports the generator writes beside the canonical files that no
// ingest kind reads (stack discovery's spend and sign-ins), once those are in.
using ExportLoader = std::function<core::Status(store::Database&, const std::string& dir)>;
void AddExportLoader(ExportLoader loader);

void RegisterDemoVerb(CLI::App& app, cli::Context& ctx, http::RouteInstaller install_routes,
                      AfterLoad after_load = {});

}  // namespace mops::demo
