// The dashboard's read routes, one at a time: every GET that the overview,
// attribution, quality and stack pages make, called through the route
// handlers (routing, service, JSON) on a demo workspace, without HTTP.
// Prints each route's rows, response bytes and median / worst latency.
//
//   read_routes_bench [--scale 1] [--repeat 20] [--dir DIR] [--only TEXT]
//                     [WORKSPACE]
//
// Without WORKSPACE, the demo company at --scale is built once under --dir
// (by default in the system's temporary folder), matched, checked and
// attributed as `mops demo` leaves it, and reused.
#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "attribution/attribution.h"
#include "attribution/routes.h"
#include "bench/bench_util.h"
#include "bench/demo_workspace.h"
#include "http/dispatch.h"
#include "http/http.h"
#include "http/response_cache.h"
#include "quality/linkage/linkage.h"
#include "quality/quality.h"
#include "records/records.h"
#include "records/routes.h"
#include "stack/routes.h"

namespace mops::bench {
namespace {

void InstallRoutes(http::Router& router) {
  records::RegisterRoutes(router);
  attribution::RegisterRoutes(router);
  stack::RegisterRoutes(router);
  quality::RegisterRoutes(router, quality::linkage::MatchedClusters);
  quality::linkage::RegisterRoutes(router);
}

// What `mops demo` does after loading, plus the attribution run that the
// attribution page asks for when it opens.
core::Status Prepare(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(store::Value runs, db.QueryValue("SELECT COUNT(*) FROM attribution_runs"));
  if (store::AsInt(runs) > 0) return {};
  for (std::string_view entity : {"contacts", "accounts"}) {
    MOPS_TRY(quality::linkage::Match(db, entity, "bench"));
  }
  quality::CheckOptions check;
  check.actor = "bench";
  MOPS_TRY(quality::Check(db, check));
  MOPS_ASSIGN_OR_RETURN(attribution::RunRequest request, attribution::DefaultRequest(db));
  request.store = true;
  MOPS_TRY(attribution::Run(db, request, "bench"));
  return {};
}

// The number of items in the response: the largest top-level array (or the
// array itself).
size_t Rows(const http::Json& j) {
  if (j.is_array()) return j.size();
  size_t n = 0;
  if (j.is_object()) {
    for (const auto& item : j.items()) {
      if (item.value().is_array()) n = std::max(n, item.value().size());
    }
  }
  return n;
}

// CPU time of this thread: steadier than wall time on a busy machine.
double ThreadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

struct Result {
  std::string route;
  size_t rows = 0;
  size_t bytes = 0;
  double p50_ms = 0;
  double max_ms = 0;
  double cpu_ms = 0;  // median CPU time of the calling thread
  std::string error;
};

Result Measure(const http::Router& router, store::Database& db, const std::string& target,
               int repeat) {
  Result out;
  out.route = target;
  http::Request req;
  req.method = "GET";
  const size_t q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) httplib::detail::parse_query_text(target.substr(q + 1), req.params);
  const http::Router::Route* route = nullptr;
  std::smatch match;
  for (const auto& r : router.routes()) {
    if (r.method == "GET" && std::regex_match(req.path, match, r.regex)) {
      route = &r;
      break;
    }
  }
  if (route == nullptr) {
    out.error = "no route";
    return out;
  }
  http::Principal admin{0, "bench", http::Role::kAdmin};
  std::vector<double> ms, cpu;
  for (int i = 0; i < repeat; ++i) {
    const double cpu_start = ThreadCpuMs();
    http::RequestContext ctx{req, admin, db, {}};
    for (size_t g = 1; g < match.size(); ++g) ctx.path_params.push_back(match[g].str());
    const auto start = std::chrono::steady_clock::now();
    core::Result<http::Json> json = route->handler(ctx);
    std::string body = json ? json->dump() : std::string();
    ms.push_back(Since(start) * 1000.0);
    cpu.push_back(ThreadCpuMs() - cpu_start);
    if (!json) {
      out.error = json.error().ToString();
      return out;
    }
    out.rows = Rows(*json);
    out.bytes = body.size();
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  out.p50_ms = ms[ms.size() / 2];
  out.max_ms = ms.back();
  out.cpu_ms = cpu[cpu.size() / 2];
  return out;
}

// Median CPU time of a call served by the server's dispatcher once its
// response cache holds the answer (the first call fills it and is not
// counted); -1 when the route is not cached.
double MeasureCached(const http::internal::Dispatcher& dispatcher, const http::Router& router,
                     const std::string& target, int repeat) {
  http::Request req;
  if (!http::internal::ParseTarget(target, req)) return -1;
  req.method = "GET";
  bool not_allowed = false;
  auto match = router.Find("GET", req.path, &not_allowed);
  if (!match || !http::internal::ResponseCache::Cacheable(req, *match->route)) return -1;
  http::internal::Plan plan;
  plan.route = match->route;
  plan.params = match->params;
  plan.principal = http::Principal{0, "bench", http::Role::kAdmin};
  (void)dispatcher.Execute(plan, req);
  std::vector<double> cpu;
  for (int i = 0; i < repeat; ++i) {
    const double cpu_start = ThreadCpuMs();
    http::internal::Response res = dispatcher.Execute(plan, req);
    cpu.push_back(ThreadCpuMs() - cpu_start);
    if (res.status != 200) return -1;
  }
  std::sort(cpu.begin(), cpu.end());
  return cpu[cpu.size() / 2];
}

// The reads the overview and weekly routes made before schema version 11 (a
// count of every touchpoint, live-record counts without the merged_into
// index, a scan of every touchpoint bucketed in memory), on the same
// workspace, for the before/after table.
core::Status LegacyOverview(store::Database& db) {
  const bool sqlite = db.dialect() == store::Dialect::kSqlite;
  const std::string not_indexed = sqlite ? " NOT INDEXED" : "";
  for (const std::string& sql :
       {"SELECT COUNT(*) FROM accounts" + not_indexed + " WHERE merged_into IS NULL",
        "SELECT COUNT(*) FROM contacts" + not_indexed + " WHERE merged_into IS NULL",
        std::string("SELECT COUNT(*) FROM opportunities"),
        std::string("SELECT COUNT(*) FROM campaigns"),
        std::string("SELECT COUNT(*) FROM touchpoints"), std::string("SELECT COUNT(*) FROM users"),
        std::string("SELECT COUNT(*) FROM spend"),
        std::string("SELECT COALESCE(SUM(CASE WHEN is_closed = 0 THEN amount END), 0), "
                    "COALESCE(SUM(CASE WHEN is_won = 1 THEN amount END), 0) FROM opportunities")}) {
    MOPS_TRY(db.Query(sql));
  }
  return {};
}

core::Result<size_t> LegacyWeekly(store::Database& db) {
  const store::ColumnType types[] = {store::ColumnType::kInt, store::ColumnType::kDict};
  MOPS_ASSIGN_OR_RETURN(auto cols,
                        db.ScanColumns("SELECT occurred_at, channel FROM touchpoints", {}, types));
  records::WeeklyChannels w = records::BucketByWeek(cols[0].ints, cols[1].codes, cols[1].dict);
  http::Json series = http::Json::array();
  for (size_t c = 0; c < w.channels.size(); ++c) {
    series.push_back({{"channel", w.channels[c]}, {"counts", w.counts[c]}});
  }
  return http::Json{{"weeks", w.weeks}, {"series", series}}.dump().size();
}

struct Timing {
  double p50_ms, max_ms, cpu_ms;
};

template <typename F>
Timing Time(int repeat, F&& body) {
  std::vector<double> ms, cpu;
  for (int i = 0; i < repeat; ++i) {
    const double cpu_start = ThreadCpuMs();
    const auto start = std::chrono::steady_clock::now();
    body();
    ms.push_back(Since(start) * 1000.0);
    cpu.push_back(ThreadCpuMs() - cpu_start);
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  return {ms[ms.size() / 2], ms.back(), cpu[cpu.size() / 2]};
}

int Main(int argc, char** argv) {
  double scale = 1.0;
  int repeat = 20;
  // Its own folder: Prepare() adds to the workspace what the other
  // workspace benchmarks do not expect.
  std::string dir = (std::filesystem::temp_directory_path() / "mops-bench-read-routes").string();
  std::string workspace;
  std::string only;  // run only the routes that contain this text
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--scale") && i + 1 < argc) {
      scale = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) {
      only = argv[++i];
    } else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) {
      dir = argv[++i];
    } else {
      workspace = argv[i];
    }
  }
  if (workspace.empty()) {
    auto built = DemoWorkspace(scale, dir);
    if (!built) Die(built.error());
    workspace = *built;
  }
  auto db = store::Open(workspace);
  if (!db) Die(db.error());
  if (auto s = store::Migrate(**db); !s) Die(s.error());
  if (auto s = Prepare(**db); !s) Die(s.error());

  http::Router router;
  InstallRoutes(router);
  auto runs = (*db)->QueryValue("SELECT MAX(id) FROM attribution_runs");
  if (!runs) Die(runs.error());
  const std::string run = std::to_string(store::AsInt(*runs, 0));
  auto touchpoints = (*db)->QueryValue("SELECT COUNT(*) FROM touchpoints");
  if (!touchpoints) Die(touchpoints.error());

  const std::string as_of = "as_of=2026-06-30&stage=growth";
  const std::vector<std::string> targets = {
      "/api/v1/me",
      "/api/v1/overview",
      "/api/v1/touchpoints/weekly",
      "/api/v1/touchpoints",
      "/api/v1/touchpoints?channel=email",
      "/api/v1/contacts",
      "/api/v1/attribution/runs?limit=50",
      "/api/v1/attribution/runs/" + run,
      "/api/v1/attribution/runs/" + run + "/credits?model=linear&channel=email",
      "/api/v1/quality/check",
      "/api/v1/quality/scores",
      "/api/v1/quality/merges",
      "/api/v1/quality/review?entity=contacts",
      "/api/v1/quality/review?entity=accounts",
      "/api/v1/stack/tools?" + as_of,
      "/api/v1/stack/overlap?" + as_of,
      "/api/v1/stack/graph?" + as_of,
      "/api/v1/stack/renewals?" + as_of,
      "/api/v1/stack/audit?" + as_of,
  };
  // The server's dispatcher with its response cache, for the cached column.
  auto pool = store::Pool::Create(workspace, 1);
  if (!pool) Die(pool.error());
  auto version = http::internal::DataVersion::Open(workspace);
  if (!version) Die(version.error());
  http::internal::ResponseCache cache(std::move(*version), 256u << 20);
  const http::ServerOptions server_options;
  const http::internal::Dispatcher dispatcher(router, **pool, server_options, &cache);

  fmt::print("read routes on {} (scale {}, {} touchpoints), median of {} calls, one thread\n\n",
             workspace, scale, store::AsInt(*touchpoints), repeat);
  fmt::print("{:<64} {:>7} {:>10} {:>9} {:>9} {:>9} {:>10}\n", "route", "rows", "bytes", "p50 ms",
             "max ms", "cpu ms", "cached cpu");
  double total = 0;
  double total_cpu = 0;
  double total_cached = 0;
  for (const std::string& target : targets) {
    if (!only.empty() && target.find(only) == std::string::npos) continue;
    Result r = Measure(router, **db, target, repeat);
    if (!r.error.empty()) {
      fmt::print("{:<64} error: {}\n", r.route, r.error);
      continue;
    }
    const double cached = MeasureCached(dispatcher, router, target, repeat);
    total += r.p50_ms;
    total_cpu += r.cpu_ms;
    total_cached += cached >= 0 ? cached : r.cpu_ms;
    fmt::print("{:<64} {:>7} {:>10} {:>9.2f} {:>9.2f} {:>9.2f} {:>10}\n", r.route, r.rows, r.bytes,
               r.p50_ms, r.max_ms, r.cpu_ms,
               cached >= 0 ? fmt::format("{:.3f}", cached) : std::string("(uncached)"));
  }
  fmt::print("\n{:<64} {:>7} {:>10} {:>9.2f} {:>9} {:>9.2f} {:>10.3f}\n", "all routes, one pass",
             "", "", total, "", total_cpu, total_cached);

  if (!only.empty()) return 0;
  fmt::print("\nbefore schema 11, same workspace (the reads these routes made then)\n");
  const Timing overview = Time(repeat, [&] {
    if (auto s = LegacyOverview(**db); !s) Die(s.error());
  });
  fmt::print("{:<64} {:>7} {:>10} {:>9.2f} {:>9.2f} {:>9.2f}\n", "/api/v1/overview (scans)", "", "",
             overview.p50_ms, overview.max_ms, overview.cpu_ms);
  size_t weekly_bytes = 0;
  const Timing weekly = Time(repeat, [&] {
    auto bytes = LegacyWeekly(**db);
    if (!bytes) Die(bytes.error());
    weekly_bytes = *bytes;
  });
  fmt::print("{:<64} {:>7} {:>10} {:>9.2f} {:>9.2f} {:>9.2f}\n",
             "/api/v1/touchpoints/weekly (scan)", "", weekly_bytes, weekly.p50_ms, weekly.max_ms,
             weekly.cpu_ms);
  fmt::print("peak memory {:.0f} MiB\n", PeakMb());
  return 0;
}

}  // namespace
}  // namespace mops::bench

int main(int argc, char** argv) { return mops::bench::Main(argc, argv); }
