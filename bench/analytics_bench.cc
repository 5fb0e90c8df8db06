// The analytics reports on the demo company: the dataset load (cold) and
// each report and one drill-down of its largest cell once loaded (warm).
//
//   analytics_bench [SCALE...]      (default: 1 10; scale 10 is ~2M touchpoints)
//
// Cold = load the workspace into the dataset + the report's first run (the
// channel report also loads the stored attribution credits). Warm = the
// median of five runs on the loaded dataset. Each scale runs in a child
// process, so the peak memory is that scale's own.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "analytics/analytics.h"
#include "analytics/report.h"
#include "attribution/attribution.h"
#include "bench/bench_util.h"
#include "bench/demo_workspace.h"

namespace mops {
namespace {

struct Row {
  double scale = 0;
  char report[16] = {};
  int64_t touchpoints = 0;
  int64_t contacts = 0;
  double load_s = 0;
  double load_cpu_s = 0;
  double cold_s = 0;
  double warm_ms = 0;
  double warm_cpu_ms = 0;
  double drill_ms = 0;
  int64_t drill_records = 0;
  double peak_mb = 0;
};

void SetPeak(Row& r, double peak) { r.peak_mb = peak; }

template <typename F>
double Millis(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return bench::Since(start) * 1000;
}

// CPU time of the calling thread (the reports run on one thread): what a
// report costs on a machine shared with other work, where wall time is not.
double ThreadCpuMillis() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1000 + static_cast<double>(ts.tv_nsec) / 1e6;
}

template <typename F>
double MedianCpuMillis(F&& f) {
  std::vector<double> t;
  for (int i = 0; i < 5; ++i) {
    const double start = ThreadCpuMillis();
    f();
    t.push_back(ThreadCpuMillis() - start);
  }
  std::sort(t.begin(), t.end());
  return t[2];
}

template <typename F>
double MedianMillis(F&& f) {
  std::vector<double> t;
  for (int i = 0; i < 5; ++i) t.push_back(Millis(f));
  std::sort(t.begin(), t.end());
  return t[2];
}

void Check(const core::Result<nlohmann::json>& r) {
  if (!r) bench::Die(r.error());
}

std::vector<Row> Measure(double scale, const std::string& path) {
  auto db = store::Open(path);
  if (!db) bench::Die(db.error());
  if (auto m = store::Migrate(**db); !m) bench::Die(m.error());
  // A stored run of won deals, with credit per touch, for the channel
  // report's revenue (by channel, source and campaign).
  auto runs = (*db)->QueryValue(
      "SELECT COUNT(*) FROM attribution_runs r WHERE conversion = 'won' AND EXISTS (SELECT 1 "
      "FROM attribution_touch_credits t WHERE t.run_id = r.id)");
  if (!runs) bench::Die(runs.error());
  if (store::AsInt(*runs) == 0) {
    attribution::RunRequest request;
    request.conversion = attribution::ConversionKind::kWon;
    request.models = {attribution::Model::kLinear, attribution::Model::kFirstTouch};
    if (auto r = attribution::Run(**db, request, "bench"); !r) bench::Die(r.error());
  }
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  auto loaded = analytics::LoadDataset(**db);
  if (!loaded) bench::Die(loaded.error());
  const double load_s = bench::Since(start);
  const double load_cpu_s = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const analytics::Dataset& d = *loaded;
  const core::Timestamp now = core::NowUtc();

  struct Case {
    const char* report;
    analytics::Params params;
    analytics::Params drill;
  };
  // The drill-downs open the largest cells: all of funnel step 1, the biggest
  // channel's spend, a whole quarter's spend, the first cohort's month 11.
  auto channels = analytics::ReportJson(**db, d, "channels", {}, now);
  Check(channels);
  const std::string top_channel =
      (*channels)["rows"].empty() ? "" : (*channels)["rows"][0]["key"].get<std::string>();
  // The campaign with the most attributed revenue.
  auto by_campaign = analytics::ReportJson(**db, d, "channels", {{"by", "campaign"}}, now);
  Check(by_campaign);
  std::string top_campaign;
  double top_revenue = -1;
  for (const auto& r : (*by_campaign)["rows"]) {
    if (r["revenue"].get<double>() > top_revenue) {
      top_revenue = r["revenue"].get<double>();
      top_campaign = r["key"].get<std::string>();
    }
  }
  auto cac = analytics::ReportJson(**db, d, "cac", {}, now);
  Check(cac);
  const std::string quarter =
      (*cac)["quarters"].empty() ? "" : (*cac)["quarters"][0]["period"].get<std::string>();
  auto cohorts = analytics::ReportJson(**db, d, "cohorts", {}, now);
  Check(cohorts);
  // The largest cohort.
  std::string cohort;
  int64_t cohort_size = -1;
  for (const auto& c : (*cohorts)["stage_cohorts"]) {
    if (c["size"].get<int64_t>() > cohort_size) {
      cohort_size = c["size"].get<int64_t>();
      cohort = c["cohort"].get<std::string>();
    }
  }
  const std::string funnel_steps =
      "stage:lead,stage:mql,stage:sql,stage:opportunity,stage:customer";
  if (auto s = analytics::SaveConfig(**db,
                                     "targets:\n  2026-05: {leads: 5000, mqls: 1500, "
                                     "pipeline: 9000000, revenue: 2500000}\n",
                                     "bench");
      !s) {
    bench::Die(s.error());
  }
  const std::vector<Case> cases = {
      {"funnel", {{"steps", funnel_steps}}, {{"steps", funnel_steps}, {"step", "1"}}},
      {"funnel+touch",
       {{"steps", "type:page_view,type:form_submit,stage:mql"},
        {"window", "90"},
        {"breakdown", "first_touch_channel"}},
       {{"steps", "type:page_view,type:form_submit,stage:mql"},
        {"window", "90"},
        {"breakdown", "first_touch_channel"},
        {"step", "1"},
        {"group", "organic_search"}}},
      {"velocity", {}, {{"entity", "contact"}, {"from_stage", "lead"}, {"to_stage", "mql"}}},
      {"channels", {}, {{"key", top_channel}, {"metric", "spend"}}},
      {"channels+camp",
       {{"by", "campaign"}},
       {{"by", "campaign"}, {"key", top_campaign}, {"metric", "revenue"}}},
      {"cac", {}, {{"period", quarter}, {"metric", "paid_spend"}}},
      {"cohorts", {}, {{"table", "stages"}, {"cohort", cohort}, {"month", "11"}, {"stage", "mql"}}},
      {"targets",
       {{"as_of", "2026-05-20"}},
       {{"as_of", "2026-05-20"}, {"month", "2026-05"}, {"metric", "leads"}}},
  };
  std::vector<Row> out;
  for (const Case& c : cases) {
    Row r;
    r.scale = scale;
    std::strncpy(r.report, c.report, sizeof(r.report) - 1);
    r.touchpoints = static_cast<int64_t>(d.touch_count());
    r.contacts = static_cast<int64_t>(d.contact_count());
    r.load_s = load_s;
    r.load_cpu_s = load_cpu_s;
    const std::string name = std::string(c.report).substr(0, std::string(c.report).find('+'));
    const auto run = [&] { Check(analytics::ReportJson(**db, d, name, c.params, now)); };
    r.cold_s = load_s + Millis(run) / 1000;
    r.warm_ms = MedianMillis(run);
    r.warm_cpu_ms = MedianCpuMillis(run);
    r.drill_ms = MedianMillis([&] {
      auto doc = analytics::DrillJson(**db, d, name, c.drill, now, 0, 100);
      Check(doc);
      r.drill_records = (*doc)["count"].get<int64_t>();
    });
    out.push_back(r);
  }
  return out;
}

}  // namespace
}  // namespace mops

int main(int argc, char** argv) {
  using namespace mops;
  std::vector<double> scales;
  for (int i = 1; i < argc; ++i) scales.push_back(std::atof(argv[i]));
  if (scales.empty()) scales = {1, 10};
  const auto dir = std::filesystem::temp_directory_path() / "mops-bench-workspaces";
  std::vector<Row> rows;
  for (double scale : scales) {
    fmt::print(stderr, "preparing the scale-{} workspace...\n", scale);
    auto workspace = bench::DemoWorkspace(scale, dir);
    if (!workspace) bench::Die(workspace.error());
    for (const Row& r : bench::InChild<Row>([&] { return Measure(scale, *workspace); }, SetPeak)) {
      rows.push_back(r);
    }
  }
  fmt::print("{:>6} {:<13} {:>12} {:>9} {:>7} {:>10} {:>8} {:>8} {:>12} {:>9} {:>10} {:>8}\n",
             "scale", "report", "touchpoints", "contacts", "load s", "load cpu s", "cold s",
             "warm ms", "warm cpu ms", "drill ms", "drill rows", "peak MB");
  for (const Row& r : rows) {
    fmt::print(
        "{:>6} {:<13} {:>12} {:>9} {:>7.3f} {:>10.3f} {:>8.3f} {:>8.1f} {:>12.1f} {:>9.1f} {:>10} "
        "{:>8.0f}\n",
        r.scale, r.report, r.touchpoints, r.contacts, r.load_s, r.load_cpu_s, r.cold_s, r.warm_ms,
        r.warm_cpu_ms, r.drill_ms, r.drill_records, r.peak_mb);
  }
  return 0;
}
