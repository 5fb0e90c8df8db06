// The composition root: builds the CLI, registers every capability's verbs
// and REST routes, and runs the verb the user asked for.
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

#include "analytics/commands.h"
#include "analytics/routes.h"
#include "attribution/attribution.h"
#include "attribution/commands.h"
#include "attribution/path_commands.h"
#include "attribution/routes.h"
#include "campaigns/campaigns.h"
#include "campaigns/commands.h"
#include "campaigns/routes.h"
#include "cli/cli.h"
#include "cli/cli11.h"
#include "cli/config.h"
#include "core/time.h"
#include "demo/demo.h"
#include "demo/demo_verb.h"
#include "http/commands.h"
#include "ingest/channel_routes.h"
#include "ingest/channel_rules.h"
#include "ingest/ingest.h"
#include "leads/commands.h"
#include "leads/leads.h"
#include "leads/routes.h"
#include "quality/enrich/enrich.h"
#include "quality/linkage/linkage.h"
#include "quality/quality.h"
#include "records/commands.h"
#include "records/routes.h"
#include "report/commands.h"
#include "report/routes.h"
#include "stack/commands.h"
#include "stack/discovery/commands.h"
#include "stack/discovery/routes.h"
#include "stack/routes.h"
#include "tracking/tracking.h"

namespace {

void InstallRoutes(mops::http::Router& router) {
  mops::records::RegisterRoutes(router);
  mops::attribution::RegisterRoutes(router);
  mops::stack::RegisterRoutes(router);
  mops::stack::discovery::RegisterRoutes(router);
  mops::ingest::RegisterChannelRoutes(router);
  mops::quality::RegisterRoutes(router, mops::quality::linkage::MatchedClusters);
  mops::quality::linkage::RegisterRoutes(router);
  mops::analytics::RegisterRoutes(router);
  mops::tracking::RegisterRoutes(router);
  mops::quality::enrich::RegisterRoutes(router);
  mops::campaigns::RegisterRoutes(router);
  mops::leads::RegisterRoutes(router);
  mops::report::RegisterRoutes(router);
}

// New contacts and accounts are matched against the workspace's with the
// stored model after each import (the linkage on_import setting: flag, merge
// or off).
mops::core::Status MatchImported(mops::store::Database& db, mops::ingest::Kind kind,
                                 std::span<const int64_t> new_ids) {
  namespace linkage = mops::quality::linkage;
  if (kind != mops::ingest::Kind::kContacts && kind != mops::ingest::Kind::kAccounts) return {};
  const std::string_view entity = mops::ingest::TableName(kind);
  MOPS_ASSIGN_OR_RETURN(
      linkage::IncrementalReport report,
      linkage::MatchNew(db, entity, new_ids, linkage::InstalledMerger(), "import"));
  if (report.matches + report.review > 0) {
    std::cerr << "duplicates: " << report.matches << " likely and " << report.review
              << " to review among the new " << entity << " (mops quality review list --entity "
              << entity << ")\n";
  }
  return {};
}

// Review decisions and incremental matching merge through the survivorship
// rules of the workspace's quality config.
void InstallMerger() {
  mops::quality::linkage::InstallMerger(
      [](mops::store::Database& db, std::string_view entity,
         std::span<const int64_t> ids) -> mops::core::Result<int64_t> {
        MOPS_ASSIGN_OR_RETURN(mops::quality::QualityConfig config,
                              mops::quality::LoadQualityConfig(db));
        MOPS_ASSIGN_OR_RETURN(
            mops::quality::MergeReport report,
            mops::quality::MergeRecords(db, entity, ids, config.survivorship, "matcher"));
        return report.merge_id;
      });
}

// After the demo company is loaded: its planted duplicates land in the review
// queue, and the data-quality page opens on a first score.
mops::core::Status PrepareDemo(mops::store::Database& db) {
  for (std::string_view entity : {"contacts", "accounts"}) {
    MOPS_TRY(mops::quality::linkage::Match(db, entity, "demo"));
  }
  mops::quality::CheckOptions check;
  check.actor = "demo";
  MOPS_TRY(mops::quality::Check(db, check));
  // A stored pipeline run and revenue run, so campaign roll-ups and channel
  // performance show attributed figures from the first click.
  for (auto conversion :
       {mops::attribution::ConversionKind::kCreated, mops::attribution::ConversionKind::kWon}) {
    MOPS_ASSIGN_OR_RETURN(mops::attribution::RunRequest request,
                          mops::attribution::DefaultRequest(db));
    request.conversion = conversion;
    MOPS_TRY(mops::attribution::Run(db, request, "demo"));
  }
  MOPS_TRY(mops::campaigns::SeedDemo(db));
  MOPS_TRY(mops::leads::ScoreDemo(db));
  MOPS_TRY(mops::tracking::LoadDemoEvents(db));  // after the pinned figures: adds touchpoints
  return {};
}

// Tracked events rescore the contacts they touched, and a contact that
// became an MQL by it is routed at once (lead management reads what the
// tracking API writes).
void InstallLeadHooks() {
  mops::tracking::AddTouchedListener(
      [](mops::store::Database& db, std::span<const int64_t> contacts) -> mops::core::Status {
        MOPS_TRY(mops::leads::RescoreTouched(db, contacts, mops::core::NowUtc()));
        return {};
      });
  // Contacts an import brings in as MQLs are routed at once, as the tracking
  // API's are.
  mops::ingest::AddPostImportHook([](mops::store::Database& db, mops::ingest::Kind kind,
                                     std::span<const int64_t> new_ids) -> mops::core::Status {
    if (kind != mops::ingest::Kind::kContacts) return {};
    MOPS_ASSIGN_OR_RETURN(mops::leads::RouteReport report,
                          mops::leads::RouteImportedMqls(db, new_ids, mops::core::NowUtc()));
    if (report.leads > 0) {
      int64_t queued = 0;
      for (const auto& a : report.assignments) queued += a.user_id == 0 ? 1 : 0;
      std::cerr << "routed " << report.leads << (report.leads == 1 ? " MQL" : " MQLs")
                << " without an owner: " << report.leads - queued << " to reps, " << queued
                << " to the fallback queue (mops leads route --dry-run shows why)\n";
    }
    return {};
  });
}

// An enrichment vendor's export reads as contacts or accounts by its
// columns (First Name, Email, Company Size): `mops import FILE` would load the
// vendor's rows as CRM records. It is refused with the verb meant for it;
// naming the kind still imports it.
void InstallImportAdvisors() {
  mops::ingest::AddImportFileAdvisor([](std::string_view head) -> std::optional<std::string> {
    const std::string_view entity = mops::quality::enrich::VendorFileEntity(head, {});
    if (entity.empty()) return std::nullopt;
    return fmt::format(
        "an enrichment vendor's export of {}: to fill your records' gaps from it, mops "
        "quality enrich load FILE; to import its rows as records, name the kind: mops import "
        "{} FILE",
        entity, entity);
  });
}

}  // namespace

int main(int argc, char** argv) {
  // Logs (the server's access log among them) go to stderr, so that stdout
  // carries only what a verb prints for scripts.
  spdlog::set_default_logger(spdlog::stderr_color_mt("mops"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);

  CLI::App app{"mops: one source of truth for marketing operations"};
  app.set_version_flag("--version", "mops " MOPS_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  mops::cli::Context ctx;
  mops::cli::AddOption(app, "--workspace,-w", ctx.workspace,
                       "Workspace: a SQLite file path or a postgresql:// URL")
      ->envname("MOPS_WORKSPACE")
      ->capture_default_str();
  mops::cli::AddOption(app, "--format", ctx.format_name, "Report format")
      ->check(mops::cli::OneOf({"table", "csv", "json"}))
      ->capture_default_str();
  mops::cli::AddFlag(app, "--quiet,-q", ctx.quiet, "No progress output");

  mops::http::RegisterCommands(app, ctx, InstallRoutes);
  mops::records::RegisterCommands(app, ctx);
  mops::ingest::RegisterCommands(app, ctx);
  mops::ingest::AddPostImportHook(MatchImported);
  InstallMerger();
  InstallLeadHooks();
  InstallImportAdvisors();
  CLI::App* quality =
      mops::quality::RegisterCommands(app, ctx, mops::quality::linkage::MatchedClusters);
  mops::quality::linkage::RegisterCommands(*quality, ctx);
  mops::quality::enrich::RegisterCommands(*quality, ctx);
  mops::demo::RegisterCommands(app, ctx);
  CLI::App* attribute = mops::attribution::RegisterCommands(app, ctx);
  mops::attribution::RegisterPathsVerb(*attribute, ctx);
  mops::stack::RegisterCommands(app, ctx);
  mops::stack::discovery::RegisterCommands(*app.get_subcommand("stack"), ctx);
  mops::demo::AddExportLoader(mops::stack::discovery::ImportDemoExports);
  mops::analytics::RegisterCommands(app, ctx);
  mops::tracking::RegisterCommands(app, ctx);
  mops::campaigns::RegisterCommands(app, ctx);
  mops::leads::RegisterCommands(app, ctx);
  mops::report::RegisterCommands(app, ctx);
  mops::demo::RegisterDemoVerb(app, ctx, InstallRoutes, PrepareDemo);
  mops::cli::RegisterConfigCommands(app, ctx);
  {
    mops::cli::ConfigSpec attribution;
    attribution.name = "attribution";
    attribution.description = "Attribution runs: models, lookback, journeys, model weights";
    attribution.validate = [](std::string_view yaml, std::string_view) -> mops::core::Status {
      MOPS_TRY(mops::attribution::RequestFromConfig(yaml));
      return {};
    };
    mops::cli::RegisterConfig(std::move(attribution));
  }
  mops::ingest::RegisterChannelCommands(app, ctx);

  // CLI11 would answer `mops leads --help` with the top-level help and exit 0.
  if (auto unknown = mops::cli::UnknownVerb(app, argc, argv)) {
    std::cerr << "mops: " << *unknown << "\n";
    return 2;  // usage error
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;  // usage error
  }
  return ctx.exit_code;
}
