// Lead management at scale, on a SQLite workspace of synthetic contacts with
// ten touchpoints each: the full rescore (loading included; first run writes
// every score, the second only what changed), the incremental rescore of one
// contact (p50/p99 over 1,000 calls), routing 100,000 leads through a
// weighted round-robin pool, and the backtest. Prints a table.
//
//   leads_bench [--keep] [CONTACTS ...]      (default: 100000 1000000)
//
// The workspace is built with INSERT ... SELECT over a recursive counter and
// deterministic arithmetic "randomness", so building it is not what is timed.
// With --keep (or MOPS_BENCH_KEEP=1) the workspace of each size stays in the
// system's temporary folder (leads-bench-N.db) and the next run reuses it:
// its scores, lifecycle moves and assignments are cleared first, so every run
// starts from the same state. Building 10,000,000 touchpoints takes minutes.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "leads/leads.h"
#include "store/database.h"

namespace mops::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr core::Timestamp kAsOf = 1782777600;  // 2026-06-30

struct Row {
  char what[56];
  int64_t size;
  double seconds;
  double cpu_seconds;  // user + system of this process over the stage
  double per_second;
  double peak_mb;
};

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
double cpu_mark = 0;

Row MakeRow(const std::string& what, int64_t size, double seconds) {
  Row r{};
  const double cpu = CpuSeconds();
  r.cpu_seconds = cpu - cpu_mark;
  cpu_mark = cpu;
  fmt::format_to_n(r.what, sizeof r.what - 1, "{}", what);
  r.size = size;
  r.seconds = seconds;
  r.per_second = seconds > 0 ? static_cast<double>(size) / seconds : 0;
  return r;
}

void Check(const core::Status& s) {
  if (!s) Die(s.error());
}
void Check(const core::Result<int64_t>& s) {
  if (!s) Die(s.error());
}

// Contacts 1..n over n/20 accounts, ten touches each within the year before kAsOf.
void Build(store::Database& db, int64_t n) {
  Check(db.ExecScript("PRAGMA synchronous = OFF"));
  Check(db.Begin());
  Check(db.Execute(
      fmt::format("WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < "
                  "{0}) INSERT INTO accounts (source_system, external_id, name, industry, "
                  "employees, country) SELECT 'bench', 'a' || x, 'Account ' || x, CASE x % 5 "
                  "WHEN 0 THEN 'Software' WHEN 1 THEN 'Retail' WHEN 2 THEN 'Financial Services' "
                  "WHEN 3 THEN 'Manufacturing' ELSE 'Internet' END, 10 + (x * 7919) % 20000, "
                  "CASE x % 3 WHEN 0 THEN 'US' WHEN 1 THEN 'DE' ELSE 'GB' END FROM seq",
                  std::max<int64_t>(1, n / 20))));
  Check(db.Execute(
      fmt::format("WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < "
                  "{0}) INSERT INTO contacts (source_system, external_id, email, first_name, "
                  "seniority, department, title, account_id, lifecycle_stage, created_at) "
                  "SELECT 'bench', 'c' || x, 'p' || x || CASE x % 7 WHEN 0 THEN '@gmail.com' "
                  "ELSE '@acme' || (x % 997) || '.com' END, 'P' || x, CASE (x * 31) % 6 WHEN 0 "
                  "THEN 'c_level' WHEN 1 THEN 'vp' WHEN 2 THEN 'director' WHEN 3 THEN 'manager' "
                  "ELSE 'entry' END, CASE x % 4 WHEN 0 THEN 'marketing' WHEN 1 THEN 'sales' "
                  "ELSE 'engineering' END, 'Title ' || (x % 50), 1 + (x % {1}), 'lead', {2} "
                  "FROM seq",
                  n, std::max<int64_t>(1, n / 20), kAsOf - 400 * 86400)));
  Check(db.Execute(
      fmt::format("WITH RECURSIVE seq(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM seq WHERE x < "
                  "{0} - 1) INSERT INTO touchpoints (source_system, external_id, contact_id, "
                  "occurred_at, type, channel, event_name, url) SELECT 'bench', 't' || x, 1 + "
                  "x / 10, {1} - ((x * 2654435761) % 31536000), CASE (x * 40503) % 9 WHEN 0 "
                  "THEN 'form_submit' WHEN 1 THEN 'email_click' WHEN 2 THEN 'ad_click' WHEN 3 "
                  "THEN 'webinar_attended' WHEN 4 THEN 'content_download' ELSE 'page_view' "
                  "END, CASE x % 6 WHEN 0 THEN 'email' WHEN 1 THEN 'paid_search' WHEN 2 THEN "
                  "'organic_search' WHEN 3 THEN 'webinar' ELSE 'direct' END, CASE WHEN (x * "
                  "977) % 50 = 0 THEN 'Demo Request' WHEN (x * 977) % 97 = 0 THEN "
                  "'unsubscribe' ELSE NULL END, 'https://example.com/' || CASE (x * 13) % 8 "
                  "WHEN 0 THEN 'pricing' WHEN 1 THEN 'careers' ELSE 'blog/' || (x % 300) END "
                  "FROM seq",
                  n * 10, kAsOf)));
  Check(db.Commit());
}

int64_t Count(store::Database& db, const char* sql) {
  auto v = db.QueryValue(sql);
  if (!v) Die(v.error());
  return store::AsInt(*v);
}

// What the runs below write, cleared so that a kept workspace starts where a
// new one does.
void Reset(store::Database& db) {
  Check(db.Begin());
  Check(db.ExecScript(
      "DELETE FROM lead_scores; DELETE FROM lead_score_history; DELETE FROM lifecycle_history; "
      "DELETE FROM audit_log; DELETE FROM lead_assignments; DELETE FROM lead_routing_state; "
      "UPDATE contacts SET lifecycle_stage = 'lead', owner_id = NULL WHERE lifecycle_stage IS "
      "NOT 'lead' OR owner_id IS NOT NULL; DELETE FROM lead_touch_cache_state; DELETE FROM "
      "lead_touch_blocks; DELETE FROM lead_touch_changes;"));
  Check(db.Commit());
}

std::vector<Row> Run(int64_t n, const std::string& dir, bool keep) {
  std::vector<Row> rows;
  const std::string path = dir + (keep ? "/leads-bench-" : "/leads-") + std::to_string(n) + ".db";
  if (!keep) fs::remove(path);
  auto opened = store::Open(path);
  if (!opened) Die(opened.error());
  Check(store::Migrate(**opened));
  auto t = Clock::now();
  if (keep && Count(**opened, "SELECT COUNT(*) FROM contacts") == n &&
      Count(**opened, "SELECT MAX(id) FROM touchpoints") == n * 10) {
    Reset(**opened);
    fmt::print(stderr, "reused {} ({} contacts); reset in {:.1f} s\n", path, n, Since(t));
  } else {
    if (keep) {
      opened->reset();
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
      opened = store::Open(path);
      if (!opened) Die(opened.error());
      Check(store::Migrate(**opened));
    }
    Build(**opened, n);
    fmt::print(stderr, "built {} contacts, {} touchpoints in {:.1f} s\n", n, n * 10, Since(t));
  }
  store::Database& db = **opened;

  // Each rescore with how it read the touches: "built" reads every
  // touchpoint and writes the touch cache, "kept" reads the cache and the
  // touches written since.
  auto rescore = [&](const char* what, core::Timestamp as_of) {
    t = Clock::now();
    cpu_mark = CpuSeconds();
    auto r = leads::ScoreWorkspace(db, as_of, "bench");
    if (!r) Die(r.error());
    rows.push_back(MakeRow(what, n, Since(t)));
    fmt::print(stderr,
               "  {}: load {:.2f} s (cache {}: {} new touches, {} contacts read again, {} rows "
               "written in {:.2f} s), score {:.2f} s, write {:.2f} s; {} changed\n",
               what, r->load_seconds, r->touch_cache, r->cache_new_touches,
               r->cache_changed_contacts, r->cache_rows_written, r->cache_write_seconds,
               r->score_seconds, r->write_seconds, r->changed);
  };
  rescore("rescore, first (all written; cold: cache built)", kAsOf);
  rescore("rescore, again (none changed; warm)", kAsOf);
  Check(db.Begin());
  Check(db.ExecScript("DELETE FROM lead_touch_cache_state"));
  Check(db.Commit());
  rescore("rescore, cold, none changed (cache built)", kAsOf);
  rescore("rescore, a day later (decay: all; warm)", kAsOf + 86400);
  // A typical day: 1% new touches (100,000 per 1,000,000 contacts, on 9% of
  // the contacts), rescored as of the same time: only their scores change.
  const int64_t before = Count(db, "SELECT MAX(id) FROM touchpoints");
  Check(db.Begin());
  Check(db.Execute(fmt::format(
      "WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < {0}) "
      "INSERT INTO touchpoints (source_system, external_id, contact_id, occurred_at, type, "
      "channel, event_name, url) SELECT 'day', 'd' || x, 1 + (x * 7919) % {1}, {2} + (x % 80000), "
      "CASE x % 3 WHEN 0 THEN 'form_submit' ELSE 'page_view' END, 'direct', CASE WHEN x % 40 = "
      "0 THEN 'Demo Request' END, 'https://example.com/' || CASE x % 4 WHEN 0 THEN 'pricing' "
      "ELSE 'blog/' || (x % 300) END FROM seq",
      n / 10, n / 11, kAsOf)));
  Check(db.Commit());
  rescore("rescore, a typical day (warm)", kAsOf + 86400);
  Check(db.Begin());
  Check(db.Execute(fmt::format("DELETE FROM touchpoints WHERE id > {}", before)));
  Check(db.Commit());
  rescore("rescore, day's touches deleted (warm)", kAsOf + 86400);

  // The parts of a rescore on their own: the load (only the columns the
  // stored config tests) and the scoring; the write is the rest.
  {
    auto config = leads::LoadScoringConfig(db);
    if (!config) Die(config.error());
    t = Clock::now();
    cpu_mark = CpuSeconds();
    auto input = leads::LoadScoringInput(db, kAsOf, 2, {}, leads::NeedsOf(*config));
    if (!input) Die(input.error());
    rows.push_back(MakeRow("load of every touch (no cache)", n, Since(t)));
    t = Clock::now();
    cpu_mark = CpuSeconds();
    const auto scores = leads::ScoreAll(*config, *input, kAsOf);
    rows.push_back(MakeRow("scoring (engine)", n, Since(t)));
    if (scores.size() != static_cast<size_t>(n))
      Die(core::MakeError(core::ErrorCode::kInternal, "scores"));
  }

  fmt::print(stderr, "  incremental rescores...\n");
  // Incremental: one contact at a time, as after an event.
  std::vector<double> ms;
  for (int i = 0; i < 1000; ++i) {
    const int64_t id = 1 + (static_cast<int64_t>(i) * 7919 * 104729) % n;
    const int64_t ids[] = {id};
    const auto s = Clock::now();
    auto r = leads::RescoreContacts(db, ids, kAsOf + 2 * 86400);
    if (!r) Die(r.error());
    ms.push_back(Since(s) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  Row p50 = MakeRow("incremental rescore p50 (ms)", 1, ms[499] / 1000);
  Row p99 = MakeRow("incremental rescore p99 (ms)", 1, ms[989] / 1000);
  p50.seconds = ms[499];
  p99.seconds = ms[989];
  rows.push_back(p50);
  rows.push_back(p99);

  t = Clock::now();
  cpu_mark = CpuSeconds();
  fmt::print(stderr, "  backtest...\n");
  auto bt = leads::RunBacktest(db, kAsOf - 90 * 86400, 90, std::nullopt);
  if (!bt) Die(bt.error());
  rows.push_back(MakeRow("backtest (90 days)", n, Since(t)));
  opened->reset();
  if (!keep) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
  }
  return rows;
}

std::vector<Row> Routing(int64_t n) {
  auto config = leads::ParseRoutingConfig(R"(pools:
  - name: inbound
    members: [{user: r0, weight: 3}, {user: r1, weight: 2}, r2, r3, r4, r5, r6, r7, r8, r9]
  - name: smb
    method: fewest_open
    members: [r10, r11, r12, r13, r14]
rules:
  - {name: big, when: {min_employees: 5000}, to: {account_owner: true}}
  - {name: west, when: {countries: [US], states: [CA, WA, OR]}, to: {user: r15}}
  - {name: hot, when: {grades: [A1, A2, B1]}, to: {pool: inbound}}
  - {name: smb, when: {max_employees: 200}, to: {pool: smb}}
  - {name: rest, to: {pool: inbound}}
)");
  if (!config) Die(config.error());
  std::vector<leads::Rep> reps(16);
  for (int i = 0; i < 16; ++i) {
    reps[i].id = i + 1;
    reps[i].external_id = "r" + std::to_string(i);
    reps[i].capacity = i % 4 == 0 ? n / 20 : 0;
  }
  reps[3].out_of_office_until = kAsOf + 86400;
  static constexpr const char* kGrades[] = {"A1", "B2", "C3", "D4", "B1", "A2"};
  std::vector<leads::Lead> leads(n);
  for (int64_t i = 0; i < n; ++i) {
    leads::Lead& l = leads[i];
    l.contact_id = i + 1;
    l.country = i % 3 == 0 ? "US" : "DE";
    l.state = i % 5 == 0 ? "CA" : "NY";
    l.grade = kGrades[i % 6];
    l.employees = (i * 7919) % 20000;
    l.score = (i * 31) % 10000;
    l.account_owner = 1 + i % 16;
  }
  leads::PoolState state;
  cpu_mark = CpuSeconds();
  const auto t = Clock::now();
  auto a = leads::Route(*config, leads, reps, state, kAsOf);
  if (!a) Die(a.error());
  return {MakeRow("routing (engine)", n, Since(t))};
}

}  // namespace
}  // namespace mops::bench

int main(int argc, char** argv) {
  using namespace mops::bench;
  std::vector<int64_t> sizes;
  const char* keep_env = std::getenv("MOPS_BENCH_KEEP");
  bool keep = keep_env != nullptr && std::string(keep_env) == "1";
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--keep") {
      keep = true;
    } else {
      sizes.push_back(std::stoll(argv[i]));
    }
  }
  if (sizes.empty()) sizes = {100000, 1000000};
  const std::string dir = std::filesystem::temp_directory_path().string();
  std::vector<Row> rows;
  for (int64_t n : sizes) {
    auto part =
        InChild<Row>([&] { return Run(n, dir, keep); }, [](Row& r, double mb) { r.peak_mb = mb; });
    rows.insert(rows.end(), part.begin(), part.end());
  }
  auto routing =
      InChild<Row>([] { return Routing(100000); }, [](Row& r, double mb) { r.peak_mb = mb; });
  rows.insert(rows.end(), routing.begin(), routing.end());
  fmt::print("{:<48} {:>10} {:>12} {:>8} {:>14} {:>10}\n", "stage", "contacts", "seconds", "cpu s",
             "per second", "peak MiB");
  for (const Row& r : rows) {
    const bool latency = std::string(r.what).find("(ms)") != std::string::npos;
    fmt::print("{:<48} {:>10} {:>12} {:>8} {:>14} {:>10.0f}\n", r.what, r.size,
               latency ? fmt::format("{:.2f} ms", r.seconds) : fmt::format("{:.3f}", r.seconds),
               latency ? "" : fmt::format("{:.3f}", r.cpu_seconds),
               latency ? "" : fmt::format("{:.0f}", r.per_second), r.peak_mb);
  }
  return 0;
}
