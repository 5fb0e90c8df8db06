// `mops generate`: writes the synthetic company as canonical CSVs.
#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli/cli.h"
#include "cli/cli11.h"
#include "core/time.h"
#include "demo/demo.h"

namespace mops::demo {
namespace {

struct GenerateArgs {
  double scale = 1;
  uint64_t seed = 42;
  std::string as_of;  // empty: today
  std::string out;
};

core::Status RunGenerate(cli::Context& ctx, const GenerateArgs& args) {
  if (args.out.empty()) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "generate: --out DIR is required (the folder to write the CSVs into)");
  }
  const auto start = std::chrono::steady_clock::now();
  GeneratorOptions options;
  options.scale = args.scale;
  options.seed = args.seed;
  MOPS_ASSIGN_OR_RETURN(options.reference_time, ReferenceTimeAsOf(args.as_of));
  MOPS_ASSIGN_OR_RETURN(Company company, GenerateCompany(options));
  MOPS_TRY(WriteCompanyCsv(company, args.out));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  cli::Table table;
  table.columns = {"table", "rows"};
  table.numeric = {false, true};
  for (const GenerationStats::Row& row : company.stats.Tables()) {
    table.rows.push_back({std::string(row.table), std::to_string(row.rows)});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  if (!ctx.quiet) {
    std::cerr << fmt::format(
        "wrote {} (seed {}, scale {}, as of {}) in {:.1f} s; ground truth in {}\n", args.out,
        args.seed, args.scale, core::FormatDate(options.reference_time), seconds,
        (std::filesystem::path(args.out) / "truth").string());
  }
  return {};
}

struct PathsArgs {
  PathGeneratorOptions options;
  std::string out;
};

core::Status RunGeneratePaths(cli::Context& ctx, const PathsArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  MOPS_ASSIGN_OR_RETURN(const std::string text, GeneratePathFile(args.options));
  std::ofstream out(args.out, std::ios::binary | std::ios::trunc);
  if (out) out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (out) out.close();
  if (!out) {
    return core::Fail(core::MakeError(core::ErrorCode::kIo,
                                      fmt::format("cannot write file: {}", std::strerror(errno)))
                          .At(args.out));
  }
  if (!ctx.quiet) {
    std::cerr << fmt::format(
        "wrote {} ({} rows, {} channels, seed {}, {:.1f} MB) in {:.2f} s\n", args.out,
        args.options.rows, args.options.channels, args.options.seed, text.size() / 1e6,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return {};
}

}  // namespace

void RegisterCommands(CLI::App& app, cli::Context& ctx) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* generate = cli::AddVerb(
      app, "generate",
      "Generate a synthetic B2B SaaS company (accounts, contacts with duplicates, campaigns, "
      "touchpoints, opportunities, spend, tech stack) as canonical CSVs");
  cli::AddOption(*generate, "--scale", args->scale,
                 "Size: 1 is ~5,000 accounts, 20,000 contacts, 200,000 touchpoints")
      ->check(cli::InRange(1e-6, 1000.0))
      ->capture_default_str();
  cli::AddOption(*generate, "--seed", args->seed, "Random seed: the same seed gives the same files")
      ->capture_default_str();
  cli::AddOption(*generate, "--as-of", args->as_of,
                 "The company's today: its data ends on this date (default: today, UTC)");
  cli::AddOption(*generate, "--out", args->out,
                 "Folder to write the CSVs into (created if needed)");
  // Not ->required(): `generate` also hosts sub-verbs of its own, which do
  // not take --out. The callback checks it when `generate` itself runs.

  generate->callback([&ctx, args, generate] {
    if (!generate->get_subcommands().empty()) return;
    cli::RunVerb(ctx, [&ctx, &args] { return RunGenerate(ctx, *args); });
  });

  auto paths_args = std::make_shared<PathsArgs>();
  CLI::App* paths = cli::AddVerb(
      *generate, "paths",
      "Generate a random path file (path;total_conversions;total_conversion_value;total_null) "
      "for `mops attribute paths` and its benchmark");
  cli::AddOption(*paths, "--rows", paths_args->options.rows, "Rows (paths with their counts)")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}))
      ->capture_default_str();
  cli::AddOption(*paths, "--channels", paths_args->options.channels, "Distinct channels")
      ->check(cli::InRange(1, 1000))
      ->capture_default_str();
  cli::AddOption(*paths, "--seed", paths_args->options.seed, "Random seed")->capture_default_str();
  cli::AddOption(*paths, "--out", paths_args->out, "File to write")->required();
  paths->callback([&ctx, paths_args] {
    cli::RunVerb(ctx, [&ctx, &paths_args] { return RunGeneratePaths(ctx, *paths_args); });
  });
}

}  // namespace mops::demo
