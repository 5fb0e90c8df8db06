// Campaign operations at scale:
//   - `utm check --stored`: every UTM on the touchpoints of the demo company
//     at scales 1 and 10 (200,000 and 2,000,000 touchpoints) checked against
//     the demo's naming rules: the columnar load and the check, as the verb
//     runs them (target: <= 2 s at 2,000,000);
//   - roll-ups: the hierarchy engine on 1,000 to 100,000 campaigns five
//     levels deep (target: <= 200 ms at 10,000), and the whole service
//     (load from a SQLite workspace, members, costs, engine) at 10,000.
//
//   campaigns_bench [SCALE ...]   (default 1 10)
#include <fmt/format.h>

#include <filesystem>

#include "bench/bench_util.h"
#include "bench/demo_workspace.h"
#include "campaigns/campaigns.h"
#include "demo/campaign_ops.h"
#include "store/database.h"

namespace mops {
namespace {

struct Row {
  char what[40] = {};
  int64_t size = 0;   // touchpoints or campaigns
  int64_t found = 0;  // touchpoints affected, or roll-up rows
  double seconds = 0;
  double peak_mb = 0;
};

void SetPeak(Row& r, double peak) { r.peak_mb = peak; }

void Name(Row& r, const std::string& what) {
  fmt::format_to_n(r.what, sizeof r.what - 1, "{}", what);
}

campaigns::NamingRules DemoRules() {
  const demo::CampaignOpsPlan plan = demo::PlanCampaignOps({}, 42, 0);
  auto rules = campaigns::ParseNamingConfig(plan.naming_yaml, "demo naming");
  if (!rules) bench::Die(rules.error());
  return *rules;
}

std::vector<Row> UtmCheck(const std::string& workspace) {
  auto db = store::Open(workspace);
  if (!db) bench::Die(db.error());
  if (auto m = store::Migrate(**db); !m) bench::Die(m.error());
  const campaigns::NamingRules rules = DemoRules();
  Row r;
  Name(r, "utm check --stored");
  const auto start = std::chrono::steady_clock::now();
  auto check = campaigns::CheckStoredUtms(**db, rules);
  r.seconds = bench::Since(start);
  if (!check) bench::Die(check.error());
  r.size = check->touchpoints;
  r.found = check->touchpoints_affected;
  return {r};
}

// A forest of `n` campaigns: 1% roots, each level five times wider, five
// levels deep.
std::vector<campaigns::Node> Forest(int64_t n) {
  std::vector<campaigns::Node> nodes;
  nodes.reserve(n);
  std::vector<int64_t> level_start = {0};
  int64_t width = std::max<int64_t>(1, n / 100);
  for (int64_t id = 1; id <= n; ++id) {
    campaigns::Node node;
    node.id = id;
    node.budget = 100000 + id % 977;
    node.actual_cost = 90000 + id % 1013;
    node.members = id % 50;
    node.responses = id % 7;
    node.pipeline = static_cast<double>(id % 1000);
    node.won = static_cast<double>(id % 300);
    nodes.push_back(node);
  }
  // Levels: [0, w), [w, w + 5w), ... parents from the previous level.
  int64_t begin = 0, count = width, prev_begin = -1, prev_count = 0;
  for (int level = 1; begin < n; ++level) {
    const int64_t end = level == campaigns::kMaxDepth ? n : std::min(n, begin + count);
    for (int64_t i = begin; i < end; ++i) {
      nodes[i].parent_id = prev_count > 0 ? nodes[prev_begin + (i - begin) % prev_count].id : 0;
    }
    prev_begin = begin;
    prev_count = end - begin;
    begin = end;
    count *= 5;
  }
  return nodes;
}

std::vector<Row> RollupEngine(int64_t n) {
  const std::vector<campaigns::Node> nodes = Forest(n);
  Row r;
  Name(r, "roll-up engine");
  r.size = n;
  const int runs = 5;
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const campaigns::Rollup rollup = campaigns::RollUp(nodes);
    best = std::min(best, bench::Since(start));
    r.found = static_cast<int64_t>(rollup.rows.size());
    if (!rollup.problems.empty())
      bench::Die(core::MakeError(core::ErrorCode::kInternal, rollup.problems[0]));
  }
  r.seconds = best;
  return {r};
}

std::vector<Row> RollupService(int64_t n, const std::filesystem::path& dir) {
  const std::string path = (dir / fmt::format("rollups-{}.db", n)).string();
  std::filesystem::remove(path);
  auto db = store::Open(path);
  if (!db) bench::Die(db.error());
  if (auto m = store::Migrate(**db); !m) bench::Die(m.error());
  const std::vector<campaigns::Node> nodes = Forest(n);
  {
    auto tx = store::Transaction::Start(**db);
    if (!tx) bench::Die(tx.error());
    auto insert = (*db)->Prepare(
        "INSERT INTO campaigns (id, source_system, external_id, name, parent_id, budget, "
        "actual_cost, state) VALUES (?, 'bench', ?, ?, ?, ?, ?, 'live')");
    if (!insert) bench::Die(insert.error());
    for (const campaigns::Node& node : nodes) {
      const std::vector<store::Value> row = {
          node.id,
          fmt::format("c{}", node.id),
          fmt::format("Campaign {}", node.id),
          node.parent_id == 0 ? store::Value() : store::Value(node.parent_id),
          node.budget,
          node.actual_cost};
      if (auto s = (*insert)->Execute(row); !s) bench::Die(s.error());
    }
    if (auto s = tx->Commit(); !s) bench::Die(s.error());
  }
  Row r;
  Name(r, "roll-ups (service, SQLite)");
  r.size = n;
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto report = campaigns::Rollups(**db, {}, "");
    best = std::min(best, bench::Since(start));
    if (!report) bench::Die(report.error());
    r.found = static_cast<int64_t>(report->rollup.rows.size());
  }
  r.seconds = best;
  db->reset();
  std::filesystem::remove(path);
  return {r};
}

}  // namespace
}  // namespace mops

int main(int argc, char** argv) {
  using namespace mops;
  std::vector<double> scales;
  for (int i = 1; i < argc; ++i) scales.push_back(std::atof(argv[i]));
  if (scales.empty()) scales = {1, 10};
  const auto dir = std::filesystem::temp_directory_path() / "mops-bench-campaigns";
  std::vector<Row> rows;
  for (double scale : scales) {
    fmt::print(stderr, "preparing the scale-{} workspace...\n", scale);
    auto workspace = bench::DemoWorkspace(scale, dir);
    if (!workspace) bench::Die(workspace.error());
    for (const Row& r : bench::InChild<Row>([&] { return UtmCheck(*workspace); }, SetPeak)) {
      rows.push_back(r);
    }
  }
  for (int64_t n : {1'000, 10'000, 100'000}) {
    for (const Row& r : bench::InChild<Row>([&] { return RollupEngine(n); }, SetPeak)) {
      rows.push_back(r);
    }
  }
  std::filesystem::create_directories(dir);
  for (const Row& r : bench::InChild<Row>([&] { return RollupService(10'000, dir); }, SetPeak)) {
    rows.push_back(r);
  }
  fmt::print("{:<28} {:>10} {:>10} {:>10} {:>14} {:>8}\n", "benchmark", "input", "found", "time ms",
             "rows/s", "peak MB");
  for (const Row& r : rows) {
    fmt::print("{:<28} {:>10} {:>10} {:>10.1f} {:>14.0f} {:>8.0f}\n", r.what, r.size, r.found,
               r.seconds * 1000, static_cast<double>(r.size) / r.seconds, r.peak_mb);
  }
  return 0;
}
