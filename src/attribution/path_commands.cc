#include "attribution/path_commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "attribution/paths.h"
#include "cli/cli11.h"
#include "core/csv.h"
#include "core/mapped_file.h"
#include "core/strings.h"

namespace mops::attribution {
namespace {

constexpr std::string_view kModels[] = {"first_touch", "last_touch",   "linear", "markov",
                                        "shapley",     "shapley_rate", "shao_li"};

struct PathsArgs {
  std::string file;
  std::string model = "all";
  int order = 1;
  std::string sep = ";";
  std::string path_sep = ">";
  bool unique = false;
  std::string out;
  std::string transitions;
  bool removal_effects = false;
};

core::Result<char> SeparatorChar(std::string_view flag, std::string_view text) {
  if (text == "\\t" || text == "tab") return '\t';
  if (text.size() != 1) {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                      fmt::format("must be one character (got '{}')", text))
                          .InField(std::string(flag)));
  }
  return text[0];
}

core::Status WriteText(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (out) out.close();
  if (!out) {
    return core::Fail(core::MakeError(core::ErrorCode::kIo,
                                      fmt::format("cannot write file: {}", std::strerror(errno)))
                          .At(path));
  }
  return {};
}

// The models named by --model, in the canonical order.
core::Result<std::vector<std::string_view>> SelectModels(std::string_view spec) {
  std::vector<std::string_view> wanted;
  for (const std::string_view part : core::Split(spec, ',')) {
    const std::string name = core::ToLower(core::Trim(part));
    if (name == "all") {
      wanted.assign(std::begin(kModels), std::end(kModels));
      continue;
    }
    const auto* found = std::find(std::begin(kModels), std::end(kModels), name);
    if (found == std::end(kModels)) {
      return core::Fail(
          core::MakeError(core::ErrorCode::kInvalidArgument,
                          fmt::format("unknown model '{}': expected all or one or more of "
                                      "first_touch, last_touch, linear, markov, shapley, "
                                      "shapley_rate, shao_li (comma-separated)",
                                      name))
              .InField("--model"));
    }
    wanted.push_back(*found);
  }
  std::vector<std::string_view> models;
  for (const std::string_view m : kModels) {
    if (std::find(wanted.begin(), wanted.end(), m) != wanted.end()) models.push_back(m);
  }
  if (models.empty()) {
    return core::Fail(
        core::MakeError(core::ErrorCode::kInvalidArgument, "no model given").InField("--model"));
  }
  return models;
}

core::Status RunPaths(cli::Context& ctx, const PathsArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  PathFileOptions file_options;
  MOPS_ASSIGN_OR_RETURN(file_options.sep, SeparatorChar("--sep", args.sep));
  MOPS_ASSIGN_OR_RETURN(file_options.path_sep, SeparatorChar("--path-sep", args.path_sep));
  MOPS_ASSIGN_OR_RETURN(const std::vector<std::string_view> models, SelectModels(args.model));
  bool all = false;
  for (const std::string_view part : core::Split(args.model, ',')) {
    all = all || core::ToLower(core::Trim(part)) == "all";
  }
  const bool has_markov = std::find(models.begin(), models.end(), "markov") != models.end();
  if ((!args.transitions.empty() || args.removal_effects) && !has_markov) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "--transitions and --removal-effects need the markov model (--model "
                      "markov or all)");
  }
  if (args.order < 1) {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                      fmt::format("must be >= 1 (got {})", args.order))
                          .InField("--order"));
  }

  PathTable paths;
  {
    core::MappedFile mapped;
    std::string read;
    std::string_view text;
    if (mapped.Open(args.file, core::MappedFile::Access::kRandom)) {
      text = mapped.text();
    } else {
      MOPS_ASSIGN_OR_RETURN(read, core::ReadFile(args.file));
      text = read;
    }
    MOPS_ASSIGN_OR_RETURN(paths, ParsePathFile(text, args.file, file_options));
  }

  // Channels in name order, for a stable output.
  std::vector<size_t> by_name(paths.channels.size());
  std::iota(by_name.begin(), by_name.end(), size_t{0});
  std::sort(by_name.begin(), by_name.end(),
            [&](size_t a, size_t b) { return paths.channels[a] < paths.channels[b]; });

  core::CsvWriter csv(',', /*neutralize_formulas=*/true);
  csv.Row({"model", "channel", "conversions", "value"});
  auto emit = [&](std::string_view model, const ChannelCredit& credit) {
    for (const size_t c : by_name) {
      csv.Field(model);
      csv.Field(paths.channels[c]);
      csv.Field(credit.conversions[c]);
      csv.Field(credit.value[c]);
      csv.EndRow();
    }
  };
  // The models run side by side (each is a pure function of the table);
  // their results are checked and written in the canonical order, and only
  // once every model has succeeded, so a failure writes nothing.
  struct ModelRun {
    ChannelCredit credit;
    std::optional<MarkovResult> markov;
  };
  auto run = [&](std::string_view model) -> core::Result<ModelRun> {
    ModelRun out;
    if (model == "first_touch") {
      out.credit = FirstTouch(paths);
    } else if (model == "last_touch") {
      out.credit = LastTouch(paths);
    } else if (model == "linear") {
      out.credit = Linear(paths, args.unique);
    } else if (model == "markov") {
      MarkovOptions options;
      options.order = args.order;
      options.with_chain = !args.transitions.empty();
      MOPS_ASSIGN_OR_RETURN(out.markov, Markov(paths, options));
      out.credit = out.markov->credit;
    } else if (model == "shapley") {
      MOPS_ASSIGN_OR_RETURN(out.credit, Shapley(paths));
    } else if (model == "shapley_rate") {
      MOPS_ASSIGN_OR_RETURN(out.credit, ShapleyRate(paths));
    } else if (model == "shao_li") {
      MOPS_ASSIGN_OR_RETURN(out.credit, ShaoLi(paths));
    }
    return out;
  };
  std::vector<std::future<core::Result<ModelRun>>> runs;
  for (const std::string_view model : models) {
    runs.push_back(std::async(std::launch::async, run, model));
  }
  std::vector<core::Result<ModelRun>> results;
  for (auto& f : runs) results.push_back(f.get());

  std::string skipped;
  const MarkovResult* markov = nullptr;
  for (size_t i = 0; i < models.size(); ++i) {
    core::Result<ModelRun>& result = results[i];
    if (!result) {
      // `all` means every model that applies; naming shapley_rate asks for it.
      if (models[i] == "shapley_rate" && all && paths.channels.size() > 20) {
        skipped = result.error().message;
        continue;
      }
      return std::unexpected(std::move(result).error());
    }
    emit(models[i], result->credit);
    if (result->markov) markov = &*result->markov;
  }

  if (markov != nullptr && !args.transitions.empty()) {
    core::CsvWriter t(',', /*neutralize_formulas=*/true);
    t.Row({"from", "to", "probability"});
    for (const MarkovTransition& tr : markov->transitions) {
      t.Field(markov->states[tr.from]);
      t.Field(markov->states[tr.to]);
      t.Field(tr.probability);
      t.EndRow();
    }
    MOPS_TRY(WriteText(args.transitions, t.data()));
  }
  if (markov != nullptr && args.removal_effects) {
    core::CsvWriter re(',', /*neutralize_formulas=*/true);
    re.Row({"channel", "removal_effect"});
    for (const size_t c : by_name) {
      re.Field(paths.channels[c]);
      re.Field(markov->removal_effects[c]);
      re.EndRow();
    }
    std::cerr << fmt::format("markov order {}: conversion probability {}\n", args.order,
                             markov->conversion_probability)
              << re.data();
  }
  if (args.out.empty()) {
    std::cout << csv.data();
    std::cout.flush();
  } else {
    MOPS_TRY(WriteText(args.out, csv.data()));
  }
  if (!skipped.empty()) std::cerr << "mops: shapley_rate left out: " << skipped << "\n";
  if (!ctx.quiet) {
    std::cerr << fmt::format(
        "{}: {} rows, {} channels, {} conversions; {} model(s) in {:.3f} s\n", args.file,
        paths.rows(), paths.channels.size(),
        std::accumulate(paths.conversions.begin(), paths.conversions.end(), 0.0),
        models.size() - (skipped.empty() ? 0 : 1),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return {};
}

}  // namespace

void RegisterPathsVerb(CLI::App& attribute, cli::Context& ctx) {
  auto args = std::make_shared<PathsArgs>();
  CLI::App* paths =
      cli::AddVerb(attribute, "paths",
                   "Attribute the conversions of a path file (ChannelAttribution's format: "
                   "path;total_conversions;total_conversion_value;total_null) to its channels");
  cli::AddOption(*paths, "file", args->file, "The path file")->required();
  cli::AddOption(*paths, "--model", args->model,
                 "all, or one or more of first_touch, last_touch, linear, markov, shapley, "
                 "shapley_rate, shao_li (comma-separated)")
      ->capture_default_str();
  cli::AddOption(*paths, "--order", args->order, "Markov order K (states are the last K channels)")
      ->check(cli::InRange(1, 64))
      ->capture_default_str();
  cli::AddOption(*paths, "--sep", args->sep, "Field separator (one character; \\t for tab)")
      ->capture_default_str();
  cli::AddOption(*paths, "--path-sep", args->path_sep, "Separator of the channels in a path")
      ->capture_default_str();
  cli::AddFlag(*paths, "--unique", args->unique, "linear: credit each distinct channel once");
  cli::AddOption(*paths, "--out", args->out, "Write the CSV to this file instead of stdout");
  cli::AddOption(*paths, "--transitions", args->transitions,
                 "markov: write the transition matrix (from,to,probability) to this file");
  cli::AddFlag(*paths, "--removal-effects", args->removal_effects,
               "markov: print the removal effects (channel,removal_effect) on stderr");
  paths->callback([&ctx, args] { cli::RunVerb(ctx, [&] { return RunPaths(ctx, *args); }); });
}

}  // namespace mops::attribution
