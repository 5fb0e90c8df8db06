// CLI verbs: `mops report funnel|velocity|channels|cac|cohorts|targets ...`,
// `mops report config FILE`, `mops spend import FILE`.
#include "analytics/commands.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "analytics/report.h"
#include "analytics/spend_import.h"
#include "cli/cli11.h"
#include "core/csv.h"

namespace mops::analytics {
namespace {

struct ReportArgs {
  std::map<std::string, std::string> values;  // parameter -> text ("" when not given)
  bool drill = false;
  int64_t offset = 0;
  int64_t limit = 1000000;
};

std::string Flag(std::string_view param) {
  std::string out = "--";
  for (char c : param) out += c == '_' ? '-' : c;
  return out;
}

core::Status RunReport(cli::Context& ctx, std::string_view name, const ReportArgs& args) {
  Params params;
  for (const auto& [k, v] : args.values) {
    if (!v.empty()) params[k] = v;
  }
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(Dataset d, LoadDataset(*db));
  nlohmann::json doc;
  if (args.drill) {
    MOPS_ASSIGN_OR_RETURN(doc,
                          DrillJson(*db, d, name, params, core::NowUtc(), args.offset, args.limit));
  } else {
    MOPS_ASSIGN_OR_RETURN(doc, ReportJson(*db, d, name, params, core::NowUtc()));
  }
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(doc, std::cout);
  } else {
    cli::PrintTable(MainTable(name, doc), ctx.format(), std::cout);
    if (args.drill && ctx.format() == cli::Format::kTable) {
      std::cout << fmt::format("{} records, sum {:.2f}\n", doc["count"].get<int64_t>(),
                               doc["sum"].get<double>());
    }
  }
  return {};
}

core::Status RunConfig(cli::Context& ctx, const std::string& file) {
  MOPS_ASSIGN_OR_RETURN(std::string text, core::ReadFile(file));
  auto parsed = ParseTargets(text, file);
  if (!parsed) return core::Fail(std::move(parsed.error()));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_TRY(SaveConfig(*db, text, "cli"));
  std::cout << fmt::format("analytics config stored: targets for {} months\n", parsed->size());
  return {};
}

struct SpendArgs {
  std::string file;
  std::string preset = "auto";
  std::string source_system;
  bool strict = false;
};

core::Status RunSpendImport(cli::Context& ctx, const SpendArgs& args) {
  MOPS_ASSIGN_OR_RETURN(AdPreset preset, ParseAdPreset(args.preset));
  MOPS_ASSIGN_OR_RETURN(std::string bytes, core::ReadFile(args.file));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  SpendImportOptions options;
  options.preset = preset;
  options.source_system = args.source_system;
  options.strict = args.strict;
  MOPS_ASSIGN_OR_RETURN(SpendImportSummary s, ImportSpend(*db, args.file, bytes, options));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(s.ToJson(), std::cout);
  } else {
    std::cout << s.ToText();
  }
  return {};
}

}  // namespace

void RegisterCommands(CLI::App& app, cli::Context& ctx) {
  CLI::App* report = cli::AddVerb(
      app, "report", "Marketing analytics: funnel, velocity, channels, cac, cohorts, targets");
  report->require_subcommand(1);
  static const std::map<std::string_view, std::string_view> kHelp = {
      {"funnel",
       "Funnel over lifecycle stages or touch types/events: counts, conversion, "
       "drop-off, time to convert, breakdown"},
      {"velocity",
       "Median days between stages, contacts and opportunities, by segment and quarter"},
      {"channels",
       "Channel, source or campaign performance: spend, CTR, CPC, leads, CPL, "
       "pipeline, attributed revenue, ROAS, ROI"},
      {"cac",
       "Blended and paid CAC, payback, magic number, pipeline velocity per month and "
       "quarter"},
      {"cohorts", "Stage cohorts by month created, engagement retention, revenue cohorts"},
      {"targets", "Monthly targets vs actual: pacing and run-rate forecast"},
  };
  for (std::string_view name : ReportNames()) {
    auto args = std::make_shared<ReportArgs>();
    CLI::App* sub = cli::AddVerb(*report, std::string(name), std::string(kHelp.at(name)));
    for (const auto& [param, help] : ReportParams(name)) {
      cli::AddOption(*sub, Flag(param), args->values[std::string(param)], std::string(help));
    }
    for (const auto& [param, help] : DrillParams(name)) {
      cli::AddOption(*sub, Flag(param), args->values[std::string(param)],
                     "Drill-down: " + std::string(help));
    }
    cli::AddFlag(*sub, "--drill", args->drill,
                 "List the records behind one cell (see the drill-down "
                 "options) instead of the report");
    cli::AddOption(*sub, "--offset", args->offset, "Drill-down: first record (default 0)");
    cli::AddOption(*sub, "--limit", args->limit, "Drill-down: at most this many records");
    const std::string n(name);
    sub->callback([&ctx, args, n] { cli::RunVerb(ctx, [&] { return RunReport(ctx, n, *args); }); });
  }
  {
    auto file = std::make_shared<std::string>();
    CLI::App* sub = cli::AddVerb(
        *report, "config", "Store the analytics config (monthly targets, YAML) in the workspace");
    cli::AddOption(*sub, "file", *file, "YAML file: targets: {2024-05: {leads: 400, ...}}")
        ->required();
    sub->callback([&ctx, file] { cli::RunVerb(ctx, [&] { return RunConfig(ctx, *file); }); });
  }
  CLI::App* spend = cli::AddVerb(app, "spend", "Ad spend from the ad platforms' report exports");
  spend->require_subcommand(1);
  {
    auto args = std::make_shared<SpendArgs>();
    CLI::App* sub = cli::AddVerb(
        *spend, "import",
        "Import a Google Ads, LinkedIn, Meta or Microsoft Ads report export into spend");
    cli::AddOption(*sub, "file", args->file, "The export (CSV, tab-separated, UTF-8 or UTF-16)")
        ->required();
    cli::AddOption(*sub, "--preset", args->preset,
                   "auto (default: from the header), google-ads, linkedin, meta, microsoft-ads");
    cli::AddOption(*sub, "--source-system", args->source_system,
                   "source_system of the rows (default: the platform's name)");
    cli::AddFlag(*sub, "--strict", args->strict,
                 "Abort on the first rejected row and write nothing");
    sub->callback([&ctx, args] { cli::RunVerb(ctx, [&] { return RunSpendImport(ctx, *args); }); });
  }
}

}  // namespace mops::analytics
