#include "demo/demo_verb.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

#include "cli/cli11.h"
#include "core/time.h"
#include "demo/demo.h"
#include "ingest/ingest.h"

namespace mops::demo {

core::Result<std::string> DemoToken(store::Database& db, const std::string& workspace) {
  if (workspace.find("://") != std::string::npos) {
    return http::CreateToken(db, "demo", http::Role::kAdmin);
  }
  const std::filesystem::path ws(workspace);
  const std::filesystem::path path =
      (ws.has_parent_path() ? ws.parent_path() : std::filesystem::path(".")) / "demo-token";
  {
    std::ifstream in(path);
    std::string stored;
    if (in && std::getline(in, stored)) {
      auto principal = http::Authenticate(db, stored);
      if (principal && principal->role == http::Role::kAdmin) return stored;
    }
  }
  MOPS_ASSIGN_OR_RETURN(std::string token, http::CreateToken(db, "demo", http::Role::kAdmin));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return core::Fail(core::ErrorCode::kIo, "cannot write {}: {}", path.string(),
                      std::strerror(errno));
  }
  const std::string line = token + "\n";
  // An existing file keeps its mode on open: make it owner-only either way.
  const bool ok = ::fchmod(fd, 0600) == 0 &&
                  ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    return core::Fail(core::ErrorCode::kIo, "cannot write {}: {}", path.string(),
                      std::strerror(saved));
  }
  return token;
}

namespace {

struct DemoOptions {
  double scale = 0.2;
  uint64_t seed = 42;
  std::string as_of;     // empty: today
  std::string data_dir;  // empty: beside the workspace
  http::ServerOptions server;
};

std::vector<ExportLoader>& ExportLoaders() {
  static std::vector<ExportLoader> loaders;
  return loaders;
}

// Loads every canonical file of `dir` into the workspace, referenced tables
// first, so that references resolve as each file lands.
core::Status ImportCompany(store::Database& db, const std::string& dir, cli::Context& ctx) {
  for (ingest::Kind kind : ingest::AllKinds()) {
    const std::string path =
        (std::filesystem::path(dir) / (std::string(ingest::TableName(kind)) + ".csv")).string();
    if (!std::filesystem::exists(path)) continue;
    ingest::ImportOptions options;
    options.preset = ingest::Preset::kCanonical;
    options.source_system = "demo";
    options.actor = "demo";
    cli::Progress progress(ctx, fmt::format("importing {}", ingest::KindName(kind)), 0);
    MOPS_ASSIGN_OR_RETURN(
        ingest::ImportSummary summary,
        ingest::ImportFile(db, kind, path, options,
                           [&progress](int64_t done, int64_t) { progress.Update(done); }));
    progress.Done();
    std::cout << fmt::format("{:<22} imported {}, updated {}, rejected {}\n",
                             ingest::KindName(kind), summary.imported, summary.updated,
                             summary.rejected);
  }
  for (const ExportLoader& load : ExportLoaders()) MOPS_TRY(load(db, dir));
  return {};
}

core::Status RunDemo(cli::Context& ctx, const DemoOptions& options,
                     const http::RouteInstaller& install_routes, const AfterLoad& after_load) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(store::Value contacts, db->QueryValue("SELECT COUNT(*) FROM contacts"));
  if (store::AsInt(contacts) > 0) {
    std::cout << "workspace " << db->display_name() << " already holds data: serving it as is\n";
  } else {
    std::string dir = options.data_dir;
    if (dir.empty()) {
      std::filesystem::path ws(ctx.workspace);
      dir = (ws.has_parent_path() ? ws.parent_path() : std::filesystem::path("."))
                .append("demo-data")
                .string();
    }
    GeneratorOptions gen;
    gen.scale = options.scale;
    gen.seed = options.seed;
    MOPS_ASSIGN_OR_RETURN(gen.reference_time, ReferenceTimeAsOf(options.as_of));
    std::cout << fmt::format("generating a company at scale {} (seed {}, as of {}) into {}\n",
                             gen.scale, gen.seed, core::FormatDate(gen.reference_time), dir);
    MOPS_ASSIGN_OR_RETURN(Company company, GenerateCompany(gen));
    MOPS_TRY(WriteCompanyCsv(company, dir));
    MOPS_TRY(ImportCompany(*db, dir, ctx));
    if (after_load) MOPS_TRY(after_load(*db));
  }
  MOPS_ASSIGN_OR_RETURN(std::string token, DemoToken(*db, ctx.workspace));
  db.reset();
  std::cout << "admin token: " << token << std::endl;
  http::ServerOptions server = options.server;
  server.on_listening = [](const std::string& url, const std::function<void()>&) {
    std::cout << "serving " << url << std::endl
              << "open " << url << " and sign in with the admin token above" << std::endl;
  };
  return http::ServeWorkspace(ctx, server, install_routes);
}

}  // namespace

void AddExportLoader(ExportLoader loader) { ExportLoaders().push_back(std::move(loader)); }

void RegisterDemoVerb(CLI::App& app, cli::Context& ctx, http::RouteInstaller install_routes,
                      AfterLoad after_load) {
  auto options = std::make_shared<DemoOptions>();
  auto* demo = cli::AddVerb(
      app, "demo", "Generate a demo company, load it into the workspace and serve the dashboard");
  cli::AddOption(*demo, "--scale", options->scale, "Company size (1: 20,000 contacts)")
      ->check(cli::InRange(0.001, 100.0))
      ->capture_default_str();
  cli::AddOption(*demo, "--seed", options->seed, "Random seed")->capture_default_str();
  cli::AddOption(*demo, "--as-of", options->as_of,
                 "The company's today: its data ends on this date (default: today, UTC)");
  cli::AddOption(*demo, "--data", options->data_dir, "Where to write the generated CSVs");
  cli::AddOption(*demo, "--host", options->server.host, "Address to listen on")
      ->capture_default_str();
  cli::AddOption(*demo, "--port", options->server.port, "Port to listen on")
      ->check(cli::InRange(1, 65535))
      ->capture_default_str();
  demo->callback([&ctx, options, install_routes, after_load] {
    cli::RunVerb(ctx, [&] { return RunDemo(ctx, *options, install_routes, after_load); });
  });
}

}  // namespace mops::demo
