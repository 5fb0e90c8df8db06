// The bulk touchpoint scans of the engines, on an existing workspace: the
// leads touch load as it was (split by contact over full table scans, with a
// campaign join per row) and as it is (split by row id, campaign key resolved
// in memory), and the analytics touch load, each with and without a memory
// map. Prints wall time and the process's CPU seconds, since the machine may
// be shared.
//
//   scan_bench WORKSPACE.db [PARTS]     (PARTS: connections, default 2)
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "store/database.h"

namespace mops {
namespace {

using store::ColumnType;

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int64_t Int(store::Database& db, const char* sql) {
  auto v = db.QueryValue(sql);
  if (!v) bench::Die(v.error());
  return store::AsInt(*v);
}

struct Case {
  const char* name;
  std::string sql;
  std::vector<ColumnType> types;
  bool by_contact;
};

}  // namespace
}  // namespace mops

int main(int argc, char** argv) {
  using namespace mops;
  if (argc < 2) {
    fmt::print(stderr, "usage: scan_bench WORKSPACE.db [PARTS]\n");
    return 2;
  }
  const int parts = argc > 2 ? std::atoi(argv[2]) : 2;
  auto opened = store::Open(argv[1]);
  if (!opened) bench::Die(opened.error());
  store::Database& db = **opened;
  const int64_t clo = Int(db, "SELECT MIN(id) FROM contacts");
  const int64_t chi = Int(db, "SELECT MAX(id) FROM contacts") + 1;
  const int64_t tlo = Int(db, "SELECT MIN(id) FROM touchpoints");
  const int64_t thi = Int(db, "SELECT MAX(id) FROM touchpoints") + 1;
  const int64_t as_of = Int(db, "SELECT MAX(occurred_at) FROM touchpoints");
  const std::vector<ColumnType> d5(5, ColumnType::kDict);
  const std::vector<Case> cases = {
      {"leads, by contact + join",
       fmt::format("SELECT t.contact_id, t.id, t.occurred_at, t.type, t.event_name, t.url, "
                   "t.channel, COALESCE(cp.name, t.utm_campaign) FROM touchpoints t LEFT JOIN "
                   "campaigns cp ON cp.id = t.campaign_id WHERE +t.occurred_at <= {} AND "
                   "+t.contact_id >= ? AND +t.contact_id < ?",
                   as_of),
       {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt, ColumnType::kDict, ColumnType::kDict,
        ColumnType::kDict, ColumnType::kDict, ColumnType::kDict},
       true},
      {"leads, by row id + join",
       fmt::format("SELECT t.contact_id, t.id, t.occurred_at, t.type, t.event_name, t.url, "
                   "t.channel, COALESCE(cp.name, t.utm_campaign) FROM touchpoints t LEFT JOIN "
                   "campaigns cp ON cp.id = t.campaign_id WHERE +t.occurred_at <= {} AND "
                   "+t.contact_id IS NOT NULL AND t.id >= ? AND t.id < ?",
                   as_of),
       {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt, ColumnType::kDict, ColumnType::kDict,
        ColumnType::kDict, ColumnType::kDict, ColumnType::kDict},
       false},
      {"leads, by row id",
       fmt::format("SELECT t.contact_id, t.id, t.occurred_at, t.type, t.event_name, t.url, "
                   "t.channel, t.campaign_id, t.utm_campaign FROM touchpoints t WHERE "
                   "+t.occurred_at <= {} AND +t.contact_id IS NOT NULL AND t.id >= ? AND t.id < ?",
                   as_of),
       {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt, ColumnType::kDict, ColumnType::kDict,
        ColumnType::kDict, ColumnType::kDict, ColumnType::kInt, ColumnType::kDict},
       false},
      {"analytics, by row id",
       "SELECT id, contact_id, account_id, occurred_at, type, channel, source, campaign_id, "
       "event_name FROM touchpoints WHERE id >= ? AND id < ?",
       {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt, ColumnType::kInt, ColumnType::kDict,
        ColumnType::kDict, ColumnType::kDict, ColumnType::kInt, ColumnType::kDict},
       false},
  };
  fmt::print("{:<24} {:>6} {:>6} {:>10} {:>8} {:>8} {:>12}\n", "scan", "parts", "mmap", "rows",
             "wall s", "cpu s", "rows/cpu s");
  for (const Case& c : cases) {
    for (int p : {1, parts}) {
      for (bool mmap : {false, true}) {
        // The setting applies to this connection; the other parts open their
        // own (with the default), so the map is only varied for one part.
        if (p > 1 && !mmap) continue;
        auto set = db.ExecScript(mmap ? "PRAGMA mmap_size=4294967296" : "PRAGMA mmap_size=0");
        if (!set) bench::Die(set.error());
        const auto start = std::chrono::steady_clock::now();
        const double cpu = CpuSeconds();
        auto cols = c.by_contact ? store::ScanColumnsParallel(db, c.sql, clo, chi, c.types, p)
                                 : store::ScanColumnsParallel(db, c.sql, tlo, thi, c.types, p);
        if (!cols) bench::Die(cols.error());
        const double wall = bench::Since(start);
        const double used = CpuSeconds() - cpu;
        const size_t rows = (*cols)[0].size();
        fmt::print("{:<24} {:>6} {:>6} {:>10} {:>8.3f} {:>8.3f} {:>12.0f}\n", c.name, p,
                   mmap ? "on" : "off", rows, wall, used, static_cast<double>(rows) / used);
      }
    }
  }
  return 0;
}
