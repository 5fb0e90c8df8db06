// Workspace attribution benchmark: every model on the synthetic company at
// scales 1 and 10 (or those given as arguments), loading included. Each run
// is its own child process, so peak memory is per run. Prints a table; never
// fails on slowness. The path-file engines have their own benchmark
// (attribution_paths_bench).
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "attribution/attribution.h"
#include "bench/bench_util.h"
#include "bench/demo_workspace.h"

namespace {

using namespace mops;  // NOLINT(google-build-using-namespace): a bench program

struct Row {
  double scale;
  int64_t touchpoints;
  int64_t conversions;
  int64_t journey_touches;
  char conversion[12];
  char models[24];
  double load_s, compute_s, store_s, total_s;
  double peak_mb;
};

void SetPeak(Row& r, double peak_mb) { r.peak_mb = peak_mb; }

std::vector<Row> Measure(double scale, const std::string& workspace,
                         attribution::ConversionKind kind, std::vector<attribution::Model> models,
                         const char* label, bool store) {
  auto db = store::Open(workspace);
  if (!db) bench::Die(db.error());
  attribution::RunRequest request;
  request.conversion = kind;
  request.models = std::move(models);
  request.store = store;
  const auto start = std::chrono::steady_clock::now();
  auto report = attribution::Run(**db, request, "bench");
  if (!report) bench::Die(report.error());
  Row r{};
  r.scale = scale;
  r.touchpoints = report->touchpoints;
  r.conversions = report->conversions;
  r.journey_touches = report->journey_touches;
  std::snprintf(r.conversion, sizeof r.conversion, "%s",
                std::string(attribution::ConversionName(kind)).c_str());
  std::snprintf(r.models, sizeof r.models, "%s", label);
  r.load_s = report->load_seconds;
  r.compute_s = report->compute_seconds;
  r.store_s = report->store_seconds;
  r.total_s = bench::Since(start);
  return {r};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<double> scales;
  for (int i = 1; i < argc; ++i) scales.push_back(std::atof(argv[i]));
  if (scales.empty()) scales = {1, 10};
  const auto dir = std::filesystem::temp_directory_path() / "mops-bench-workspaces";
  std::vector<Row> rows;
  using attribution::ConversionKind;
  using attribution::Model;
  for (double scale : scales) {
    fmt::print(stderr, "preparing the scale-{} workspace...\n", scale);
    auto workspace = bench::DemoWorkspace(scale, dir);
    if (!workspace) bench::Die(workspace.error());
    auto add = [&](ConversionKind kind, std::vector<Model> models, const char* label, bool store) {
      for (const Row& r : bench::InChild<Row>(
               [&] { return Measure(scale, *workspace, kind, models, label, store); }, SetPeak)) {
        rows.push_back(r);
      }
    };
    add(ConversionKind::kCreated, {}, "all 11", false);
    add(ConversionKind::kCreated, {}, "all 11 + store", true);
    add(ConversionKind::kWon, {}, "all 11", false);
    add(ConversionKind::kMql, {}, "all 11", false);
    add(ConversionKind::kCreated, {Model::kMarkov}, "markov", false);
    add(ConversionKind::kCreated, {Model::kLinear}, "linear", false);
  }
  fmt::print("{:>6} {:>12} {:>11} {:>9} {:>8} {:<15} {:>7} {:>8} {:>7} {:>8} {:>12} {:>8}\n",
             "scale", "touchpoints", "conversions", "in paths", "conv", "models", "load s",
             "models s", "store s", "total s", "touches/s", "peak MB");
  for (const Row& r : rows) {
    fmt::print(
        "{:>6} {:>12} {:>11} {:>9} {:>8} {:<15} {:>7.3f} {:>8.3f} {:>7.3f} {:>8.3f} {:>12.0f} "
        "{:>8.0f}\n",
        r.scale, r.touchpoints, r.conversions, r.journey_touches, r.conversion, r.models, r.load_s,
        r.compute_s, r.store_s, r.total_s, static_cast<double>(r.touchpoints) / r.total_s,
        r.peak_mb);
  }
  return 0;
}
