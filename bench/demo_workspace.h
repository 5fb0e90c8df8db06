// A SQLite workspace holding the synthetic company at a given scale, for
// benchmarks of the engines that run on a workspace. Built once per scale and
// seed under `dir` and reused by later runs (the generator is deterministic).
#pragma once

#include <filesystem>
#include <string>

#include "demo/demo.h"
#include "ingest/ingest.h"
#include "store/database.h"

namespace mops::bench {

inline core::Result<std::string> DemoWorkspace(double scale, const std::filesystem::path& dir,
                                               uint64_t seed = 42) {
  const std::filesystem::path csv = dir / fmt::format("company-{}-{}", scale, seed);
  const std::filesystem::path db_path = dir / fmt::format("company-{}-{}.db", scale, seed);
  if (std::filesystem::exists(db_path)) return db_path.string();
  std::filesystem::create_directories(dir);
  demo::GeneratorOptions options;
  options.scale = scale;
  options.seed = seed;
  MOPS_ASSIGN_OR_RETURN(demo::Company company, demo::GenerateCompany(options));
  MOPS_TRY(demo::WriteCompanyCsv(company, csv.string()));
  const std::filesystem::path partial = db_path.string() + ".partial";
  std::filesystem::remove(partial);
  {
    MOPS_ASSIGN_OR_RETURN(auto db, store::Open(partial.string()));
    MOPS_TRY(store::Migrate(*db));
    for (ingest::Kind kind : ingest::AllKinds()) {
      const auto path = csv / (std::string(ingest::TableName(kind)) + ".csv");
      if (!std::filesystem::exists(path)) continue;
      ingest::ImportOptions import;
      import.preset = ingest::Preset::kCanonical;
      import.source_system = "demo";
      MOPS_TRY(ingest::ImportFile(*db, kind, path.string(), import));
    }
  }
  std::filesystem::remove_all(csv);
  std::filesystem::rename(partial, db_path);
  return db_path.string();
}

}  // namespace mops::bench
