// Foundation benchmark: the path every capability's data takes.
//
//   generate  the synthetic company (GenerateCompany + canonical CSVs)
//   import    every file into a fresh SQLite workspace (one transaction each)
//   load      all touchpoints as column arrays (Database::ScanColumns)
//
// at scales 1 and 10 (or those given as arguments). Each stage runs in its
// own child process so that its peak memory is its own. Set
// MOPS_BENCH_POSTGRES_URL (scripts/with-postgres.sh does) to also load into
// and scan from PostgreSQL. Prints a table; never fails on slowness.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "demo/demo.h"
#include "ingest/ingest.h"
#include "store/database.h"

namespace {

using namespace mops;  // NOLINT(google-build-using-namespace): a bench program
using bench::Die;
using bench::Since;

struct Row {
  char stage[48];
  double scale;
  int64_t items;
  char unit[24];
  double seconds;
  double peak_mb;
};

void SetPeak(Row& r, double peak_mb) { r.peak_mb = peak_mb; }

std::vector<Row> InChild(const std::function<std::vector<Row>()>& body) {
  return bench::InChild<Row>(body, SetPeak);
}

Row MakeRow(std::string_view stage, double scale, int64_t items, std::string_view unit,
            double seconds) {
  Row r{};
  std::snprintf(r.stage, sizeof r.stage, "%.*s", static_cast<int>(stage.size()), stage.data());
  std::snprintf(r.unit, sizeof r.unit, "%.*s", static_cast<int>(unit.size()), unit.data());
  r.scale = scale;
  r.items = items;
  r.seconds = seconds;
  return r;
}

std::vector<Row> Generate(double scale, const std::string& dir) {
  auto start = std::chrono::steady_clock::now();
  demo::GeneratorOptions options;
  options.scale = scale;
  auto company = demo::GenerateCompany(options);
  if (!company) Die(company.error());
  if (auto s = demo::WriteCompanyCsv(*company, dir); !s) Die(s.error());
  return {MakeRow("generate + write CSV", scale, static_cast<int64_t>(company->touchpoints.size()),
                  "touchpoints", Since(start))};
}

std::vector<Row> Import(double scale, const std::string& dir, const std::string& workspace,
                        std::string_view label) {
  auto db = store::Open(workspace);
  if (!db) Die(db.error());
  if (auto s = store::Migrate(**db); !s) Die(s.error());
  std::vector<Row> rows;
  int64_t total_rows = 0;
  auto all_start = std::chrono::steady_clock::now();
  for (ingest::Kind kind : ingest::AllKinds()) {
    auto path = std::filesystem::path(dir) / (std::string(ingest::TableName(kind)) + ".csv");
    if (!std::filesystem::exists(path)) continue;
    ingest::ImportOptions options;
    options.preset = ingest::Preset::kCanonical;
    options.source_system = "demo";
    auto start = std::chrono::steady_clock::now();
    auto summary = ingest::ImportFile(**db, kind, path.string(), options);
    if (!summary) Die(summary.error());
    total_rows += summary->rows;
    if (kind == ingest::Kind::kContacts || kind == ingest::Kind::kTouchpoints) {
      rows.push_back(MakeRow(fmt::format("import {} ({})", ingest::KindName(kind), label), scale,
                             summary->rows, "rows", Since(start)));
    }
  }
  rows.push_back(MakeRow(fmt::format("import all files ({})", label), scale, total_rows, "rows",
                         Since(all_start)));
  return rows;
}

std::vector<Row> Load(double scale, const std::string& workspace, std::string_view label) {
  auto db = store::Open(workspace);
  if (!db) Die(db.error());
  using store::ColumnType;
  const ColumnType types[] = {ColumnType::kInt, ColumnType::kInt,  ColumnType::kInt,
                              ColumnType::kInt, ColumnType::kDict, ColumnType::kDict,
                              ColumnType::kInt, ColumnType::kReal};
  auto start = std::chrono::steady_clock::now();
  auto cols = (*db)->ScanColumns(
      "SELECT id, contact_id, account_id, occurred_at, type, channel, campaign_id, value "
      "FROM touchpoints",
      {}, types);
  if (!cols) Die(cols.error());
  return {MakeRow(fmt::format("bulk load touchpoints ({})", label), scale,
                  static_cast<int64_t>((*cols)[0].size()), "touchpoints", Since(start))};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<double> scales;
  for (int i = 1; i < argc; ++i) scales.push_back(std::atof(argv[i]));
  if (scales.empty()) scales = {1, 10};
  const char* pg = std::getenv("MOPS_BENCH_POSTGRES_URL");
  auto tmp = std::filesystem::temp_directory_path() / fmt::format("mops_bench_{}", getpid());

  std::vector<Row> rows;
  for (double scale : scales) {
    const std::string dir = (tmp / fmt::format("scale{}", scale)).string();
    const std::string sqlite = (tmp / fmt::format("scale{}.db", scale)).string();
    std::filesystem::create_directories(dir);
    for (auto& r : InChild([&] { return Generate(scale, dir); })) rows.push_back(r);
    for (auto& r : InChild([&] { return Import(scale, dir, sqlite, "sqlite"); })) rows.push_back(r);
    for (auto& r : InChild([&] { return Load(scale, sqlite, "sqlite"); })) rows.push_back(r);
    if (pg != nullptr) {
      // A fresh schema per scale: drop what the previous scale left.
      InChild([&] {
        auto db = store::Open(pg);
        if (!db) Die(db.error());
        (void)(*db)->ExecScript("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
        return std::vector<Row>{};
      });
      for (auto& r : InChild([&] { return Import(scale, dir, pg, "postgres"); })) rows.push_back(r);
      for (auto& r : InChild([&] { return Load(scale, pg, "postgres"); })) rows.push_back(r);
    }
  }
  std::filesystem::remove_all(tmp);

  fmt::print("{:<34} {:>6} {:>12} {:>12} {:>9} {:>14} {:>10}\n", "stage", "scale", "items", "unit",
             "seconds", "items/s", "peak MB");
  fmt::print("{}\n", std::string(103, '-'));
  for (const Row& r : rows) {
    fmt::print("{:<34} {:>6} {:>12} {:>12} {:>9.3f} {:>14.0f} {:>10.1f}\n", r.stage, r.scale,
               r.items, r.unit, r.seconds, r.seconds > 0 ? r.items / r.seconds : 0.0, r.peak_mb);
  }
  return 0;
}
