// The marketing operations audit on the demo company: the whole audit
// (every area's facts gathered through the slices' services, the rules, the
// JSON document) and its HTML rendering, at several scales.
//
//   audit_bench [SCALE...]      (default: 1 10; target: scale 10 in <= 10 s)
//
// The workspace is the demo company imported at that scale, then prepared
// once the way `mops demo` prepares it for the audit's other inputs: stored
// pipeline and revenue attribution runs, the campaign operations seed and lead
// scores. Each scale runs in a child process, so the peak memory is its own;
// cpu s is user + system time of that process (all threads).
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "attribution/attribution.h"
#include "bench/bench_util.h"
#include "bench/demo_workspace.h"
#include "campaigns/campaigns.h"
#include "leads/leads.h"
#include "report/report.h"

namespace mops {
namespace {

struct Row {
  double scale = 0;
  int64_t contacts = 0;
  int64_t touchpoints = 0;
  int64_t opportunities = 0;
  int64_t findings = 0;
  double seconds = 0;
  double cpu_s = 0;
  double html_ms = 0;
  double peak_mb = 0;
  double area_s[6] = {};  // stack, attribution, data, leads, campaigns, reporting
};

void SetPeak(Row& r, double peak) { r.peak_mb = peak; }

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

template <typename T>
T OrDie(core::Result<T> r) {
  if (!r) bench::Die(r.error());
  return std::move(*r);
}

// A copy of the demo workspace with the audit's other inputs, made once.
std::string Prepared(double scale, const std::filesystem::path& dir) {
  const std::string source = OrDie(bench::DemoWorkspace(scale, dir));
  const auto path = dir / fmt::format("audit-company-{}.db", scale);
  if (std::filesystem::exists(path)) return path.string();
  const auto partial = path.string() + ".partial";
  std::filesystem::copy_file(source, partial, std::filesystem::copy_options::overwrite_existing);
  {
    auto db = OrDie(store::Open(partial));
    if (auto s = store::Migrate(*db); !s) bench::Die(s.error());
    // The stored pipeline and revenue runs the demo opens with.
    for (auto conversion :
         {attribution::ConversionKind::kCreated, attribution::ConversionKind::kWon}) {
      auto request = OrDie(attribution::DefaultRequest(*db));
      request.conversion = conversion;
      OrDie(attribution::Run(*db, request, "bench"));
    }
    if (auto s = campaigns::SeedDemo(*db); !s) bench::Die(s.error());
    if (auto s = leads::ScoreDemo(*db); !s) bench::Die(s.error());
  }
  std::filesystem::rename(partial, path);
  return path.string();
}

int64_t Count(store::Database& db, std::string_view sql) {
  return store::AsInt(OrDie(db.QueryValue(sql)));
}

std::vector<Row> Measure(double scale, const std::string& path) {
  auto db = OrDie(store::Open(path));
  Row r;
  r.scale = scale;
  r.contacts = Count(*db, "SELECT COUNT(*) FROM contacts");
  r.touchpoints = Count(*db, "SELECT COUNT(*) FROM touchpoints");
  r.opportunities = Count(*db, "SELECT COUNT(*) FROM opportunities");
  // "Today" for the demo company: the day after its newest touch.
  const int64_t as_of = Count(*db, "SELECT MAX(occurred_at) FROM touchpoints") + 86400;
  report::RunOptions options;
  options.as_of = as_of;
  options.actor = "bench";
  const double cpu0 = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  const report::AuditConfig config = OrDie(report::LoadConfig(*db));
  const report::Facts facts = OrDie(report::GatherFacts(*db, options));
  const report::Json doc = report::ToJson(report::Evaluate(
      facts, report::ApplyConfig(report::DefaultRules(), config), config.examples));
  r.seconds = bench::Since(start);
  int i = 0;
  for (const char* area : {"stack", "attribution", "data", "leads", "campaigns", "reporting"}) {
    auto it = facts.seconds.find(area);
    r.area_s[i++] = it == facts.seconds.end() ? 0 : it->second;
  }
  r.cpu_s = CpuSeconds() - cpu0;
  r.findings = static_cast<int64_t>(doc["findings"].size());
  const auto html_start = std::chrono::steady_clock::now();
  const std::string html = report::Html(doc);
  r.html_ms = bench::Since(html_start) * 1000;
  if (html.empty()) std::abort();
  return {r};
}

}  // namespace
}  // namespace mops

int main(int argc, char** argv) {
  using namespace mops;
  std::vector<double> scales;
  for (int i = 1; i < argc; ++i) scales.push_back(std::atof(argv[i]));
  if (scales.empty()) scales = {1, 10};
  // Its own folder: the workspaces here are migrated and prepared by this
  // build, not shared with other benchmarks.
  const auto dir = std::filesystem::temp_directory_path() / "mops-bench-audit";
  std::vector<Row> rows;
  for (double scale : scales) {
    fmt::print(stderr, "preparing the scale-{} workspace...\n", scale);
    const std::string path = Prepared(scale, dir);
    for (const Row& r : bench::InChild<Row>([&] { return Measure(scale, path); }, SetPeak)) {
      rows.push_back(r);
    }
  }
  fmt::print("{:>6} {:>9} {:>12} {:>13} {:>9} {:>9} {:>8} {:>8} {:>8}\n", "scale", "contacts",
             "touchpoints", "opportunities", "findings", "seconds", "cpu s", "html ms", "peak MB");
  for (const Row& r : rows) {
    fmt::print("{:>6} {:>9} {:>12} {:>13} {:>9} {:>9.2f} {:>8.2f} {:>8.1f} {:>8.0f}\n", r.scale,
               r.contacts, r.touchpoints, r.opportunities, r.findings, r.seconds, r.cpu_s,
               r.html_ms, r.peak_mb);
  }
  fmt::print("\nseconds per area (wall)\n{:>6} {:>8} {:>12} {:>8} {:>8} {:>10} {:>10}\n", "scale",
             "stack", "attribution", "data", "leads", "campaigns", "reporting");
  for (const Row& r : rows) {
    fmt::print("{:>6} {:>8.2f} {:>12.2f} {:>8.2f} {:>8.2f} {:>10.2f} {:>10.2f}\n", r.scale,
               r.area_s[0], r.area_s[1], r.area_s[2], r.area_s[3], r.area_s[4], r.area_s[5]);
  }
  return 0;
}
