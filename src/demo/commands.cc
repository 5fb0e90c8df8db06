// `mops generate`: writes the synthetic company as canonical CSVs.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "cli/cli.h"
#include "demo/demo.h"

namespace mops::demo {
namespace {

struct GenerateArgs {
  double scale = 1;
  uint64_t seed = 42;
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
    std::cerr << fmt::format("wrote {} (seed {}, scale {}) in {:.1f} s; ground truth in {}\n",
                             args.out, args.seed, args.scale, seconds,
                             (std::filesystem::path(args.out) / "truth").string());
  }
  return {};
}

}  // namespace

void RegisterCommands(CLI::App& app, cli::Context& ctx) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* generate = app.add_subcommand(
      "generate",
      "Generate a synthetic B2B SaaS company (accounts, contacts with duplicates, campaigns, "
      "touchpoints, opportunities, spend, tech stack) as canonical CSVs");
  generate
      ->add_option("--scale", args->scale,
                   "Size: 1 is ~5,000 accounts, 20,000 contacts, 200,000 touchpoints")
      ->check(CLI::Range(1e-6, 1000.0))
      ->capture_default_str();
  generate->add_option("--seed", args->seed, "Random seed: the same seed gives the same files")
      ->capture_default_str();
  generate->add_option("--out", args->out, "Folder to write the CSVs into (created if needed)");
  // Not ->required(): `generate` also hosts sub-verbs of its own, which do
  // not take --out. The callback checks it when `generate` itself runs.
  generate->callback([&ctx, args, generate] {
    if (!generate->get_subcommands().empty()) return;
    cli::RunVerb(ctx, [&ctx, &args] { return RunGenerate(ctx, *args); });
  });
}

}  // namespace mops::demo
