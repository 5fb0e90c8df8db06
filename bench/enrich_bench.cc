// Enrichment at scale: a workspace of N contacts and N/10 accounts, and a
// ZoomInfo contacts export of V rows (60% of them people of the workspace by
// e-mail, 20% by name and company with a personal address, 20% strangers).
//
//   enrich_bench [--contacts N] [--accounts N] [--vendor-rows N] [--backend sqlite|postgres|both]
//                [--floor]
//
// Steps, each timed on its own (building the workspace and the file is not):
//   load  LoadVendorFile: parse, detect, convert, match and stage every row
//   dry   Run with --dry-run: the scans and the engines, no writes
//   run   Run: accounts and contacts scanned, inference, the waterfall,
//         updates, provenance, change rows, in one transaction
//   total load + run
// With --floor (SQLite): the same writes made by SQLite alone (bench/sqlite_floor.h)
// on a copy of the workspace taken before the load: the staged rows inserted
// (floor of the load), then the changed records' enrichable fields updated
// and the run's provenance, change and conflict rows inserted (floor of the
// run), each committed.
// PostgreSQL runs when MOPS_BENCH_POSTGRES_URL names a database (its
// enrichment tables and records are emptied first). Prints rows, seconds,
// rows/s and peak RSS. Not a test: it never fails on a slow machine.
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/sqlite_floor.h"
#include "core/strings.h"
#include "quality/enrich/enrich.h"
#include "store/database.h"

namespace {

using namespace mops;
using store::Value;

struct Sizes {
  int64_t contacts = 1'000'000;
  int64_t accounts = 100'000;
  int64_t vendor_rows = 1'000'000;
};

constexpr const char* kFirst[] = {"Anna", "Ben",  "Chloe", "David", "Emma", "Felix", "Grace",
                                  "Hugo", "Iris", "Jonas", "Kara",  "Liam", "Mona",  "Noah"};
constexpr const char* kLast[] = {"Meyer", "Okafor", "Rossi",  "Nguyen", "Schmidt", "Dubois",
                                 "Kowal", "Silva",  "Tanaka", "Haddad", "Brennan", "Larsen"};
constexpr const char* kTitles[] = {"VP Marketing",
                                   "Marketing Operations Manager",
                                   "Software Engineer",
                                   "Head of Sales",
                                   "CFO",
                                   "Demand Generation Director",
                                   ""};
constexpr const char* kCountries[] = {"US", "DE", "GB", "FR", "NL"};
constexpr const char* kPhones[] = {"+1 415 555 01{:02d}", "+49 30 9018{:02d}0",
                                   "+44 20 7946 03{:02d}", "+33 1 42 68 53 {:02d}",
                                   "+31 20 794 81{:02d}"};
constexpr const char* kIndustries[] = {"Software", "Manufacturing", "Financial Services",
                                       "Healthcare", "Retail"};

std::string First(int64_t i) { return kFirst[i % 14]; }
std::string Last(int64_t i) { return std::string(kLast[(i / 14) % 12]) + std::to_string(i / 168); }
std::string Company(int64_t a) { return fmt::format("Company {} Systems", a); }
std::string Domain(int64_t a) { return fmt::format("company{}.com", a); }

void Check(const core::Status& s) {
  if (!s) bench::Die(s.error());
}

void Build(store::Database& db, const Sizes& n) {
  Check(db.ExecScript(
      "DELETE FROM enrichment_changes; DELETE FROM enrichment_runs; DELETE FROM "
      "enrichment_provenance; DELETE FROM enrichment_staging; DELETE FROM enrichment_conflicts; "
      "DELETE FROM contacts; DELETE FROM accounts;"));
  auto tx = store::Transaction::Start(db);
  if (!tx) bench::Die(tx.error());
  auto account = db.Prepare(
      "INSERT INTO accounts (id, source_system, external_id, name, website, industry, employees, "
      "annual_revenue, country, state, city) VALUES (?, 'salesforce', ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!account) bench::Die(account.error());
  for (int64_t a = 1; a <= n.accounts; ++a) {
    const char* country = kCountries[a % 5];
    std::vector<Value> p = {a,
                            fmt::format("A{}", a),
                            Company(a),
                            a % 2 == 0 ? Value{"https://www." + Domain(a)} : Value{},
                            a % 5 == 0 ? Value{} : Value{kIndustries[a % 5]},
                            a % 7 == 0 ? Value{} : Value{int64_t{10 + (a * 37) % 5000}},
                            int64_t{(100000 + a) * 1000 * 100},
                            country,
                            std::string(country) == "US" ? Value{"US-CA"} : Value{},
                            "Springfield"};
    Check((*account)->ExecuteQueued(p));
  }
  auto contact = db.Prepare(
      "INSERT INTO contacts (id, source_system, external_id, email, first_name, last_name, title, "
      "phone, company_name, account_id, country) VALUES (?, 'salesforce', ?, ?, ?, ?, ?, ?, ?, ?, "
      "?)");
  if (!contact) bench::Die(contact.error());
  for (int64_t i = 1; i <= n.contacts; ++i) {
    const int64_t a = 1 + (i * 7919) % n.accounts;
    const bool attached = i % 2 == 0;
    std::vector<Value> p = {
        i,
        fmt::format("C{}", i),
        fmt::format("{}.{}@{}", First(i), Last(i), Domain(a)),
        First(i),
        Last(i),
        kTitles[i % 7][0] ? Value{kTitles[i % 7]} : Value{},
        i % 3 == 0 ? Value{fmt::format(fmt::runtime(kPhones[i % 5]), i % 100)} : Value{},
        Company(a),
        attached ? Value{a} : Value{},
        i % 3 == 0 ? Value{} : Value{kCountries[a % 5]}};
    Check((*contact)->ExecuteQueued(p));
  }
  Check(db.Flush());
  Check(tx->Commit());
}

std::string VendorFile(const Sizes& n) {
  std::string out =
      "ZoomInfo Contact ID,First Name,Last Name,Job Title,Management Level,Email Address,"
      "Direct Phone Number,Company Name,Website,Employees,Revenue (in 000s USD),Primary "
      "Industry,Person City,Country\n";
  out.reserve(static_cast<size_t>(n.vendor_rows) * 150);
  for (int64_t r = 0; r < n.vendor_rows; ++r) {
    const int64_t i = 1 + (r * 104729) % n.contacts;
    const int64_t a = 1 + (i * 7919) % n.accounts;
    const int kind = static_cast<int>(r % 5);  // 0-2 e-mail, 3 name+company, 4 stranger
    std::string email, first = First(i), last = Last(i), company = Company(a);
    if (kind <= 2) {
      email = fmt::format("{}.{}@{}", first, last, Domain(a));
    } else if (kind == 3) {
      email = fmt::format("{}{}@gmail.com", first, r);
    } else {
      first = "Zed";
      last = fmt::format("Stranger{}", r);
      company = fmt::format("Unknown {} Ltd", r);
      email = fmt::format("zed{}@unknown{}.io", r, r);
    }
    fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},,{},{},{},{},{},Springfield,{}\n",
                   9000000 + r, first, last, kTitles[r % 6], "Manager", email, company, Domain(a),
                   20 + (a * 37) % 5000, 100000 + a, kIndustries[a % 5], kCountries[a % 5]);
  }
  return out;
}

// CPU seconds of this process (user + system): beside wall time, because a
// shared machine stretches wall time.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(usage.ru_utime) + s(usage.ru_stime);
}

struct Row {
  std::string backend, step;
  int64_t rows = 0;
  double seconds = 0;
  double cpu = 0;
  double peak = 0;
};

void Print(const Row& r) {
  fmt::print("{:<9} {:<6} {:>10} {:>9.2f} {:>9.2f} {:>12.0f} {:>9.0f}\n", r.backend, r.step, r.rows,
             r.seconds, r.cpu, static_cast<double>(r.rows) / std::max(r.seconds, 1e-9), r.peak);
  std::fflush(stdout);
}

// The floor of the load's and the run's writes (--floor): read from the
// workspace at `ws` after the run, written into `copy` (the workspace before
// the load).
void PrintFloor(const std::string& ws, const std::string& copy) {
  sqlite3* source = bench::FloorOpen(ws, false);
  auto changed = [&](std::string_view entity) {
    const auto names = quality::enrich::FieldNames(entity);
    std::string sets;
    for (std::string_view f : names) sets += fmt::format("{}{} = ?", sets.empty() ? "" : ", ", f);
    return std::pair{
        fmt::format("UPDATE {} SET {} WHERE id = ?", entity, sets),
        bench::ReadStoredRows(
            source,
            fmt::format("SELECT {}, id FROM {} WHERE id IN (SELECT record_id FROM "
                        "enrichment_provenance WHERE entity = '{}') ORDER BY id",
                        core::Join(std::vector<std::string_view>(names.begin(), names.end()), ", "),
                        entity, entity))};
  };
  auto inserted = [&](const std::string& table, const std::string& where) {
    bench::StoredRows rows = bench::ReadStoredRows(
        source, fmt::format("SELECT * FROM {} {} ORDER BY rowid", table, where));
    return std::pair{
        fmt::format("INSERT INTO {} VALUES ({})", table, bench::Placeholders(rows.columns)),
        std::move(rows)};
  };
  const std::string last_run = "WHERE run_id = (SELECT MAX(id) FROM enrichment_runs)";
  const std::vector<std::pair<std::string, std::pair<std::string, bench::StoredRows>>> load = {
      {"insert staged rows", inserted("enrichment_staging", "")}};
  const std::vector<std::pair<std::string, std::pair<std::string, bench::StoredRows>>> run = {
      {"update contacts", changed("contacts")},
      {"update accounts", changed("accounts")},
      {"insert provenance", inserted("enrichment_provenance", "")},
      {"insert changes", inserted("enrichment_changes", last_run)},
      {"insert conflicts", inserted("enrichment_conflicts", last_run)}};
  sqlite3_close(source);
  sqlite3* db = bench::FloorOpen(copy, false);
  for (const auto* writes : {&load, &run}) {
    std::vector<bench::FloorStep> steps;
    bench::FloorExec(db, "BEGIN");
    for (const auto& [name, write] : *writes) {
      bench::TimeFloorStep(steps, name, write.second.rows,
                           [&] { bench::WriteStoredRows(db, write.first, write.second); });
    }
    bench::TimeFloorStep(steps, "commit", 0, [&] { bench::FloorExec(db, "COMMIT"); });
    double total = 0;
    for (const auto& s : steps) total += s.seconds;
    Print({"sqlite", writes == &load ? "floor load" : "floor run", steps.front().rows, total, 0,
           bench::PeakMb()});
    for (const auto& s : steps)
      fmt::print("    {:<24} {:>10} {:>9.2f} s\n", s.name, s.rows, s.seconds);
  }
  sqlite3_close(db);
}

void RunOn(const std::string& backend, store::Database& db, const Sizes& n, const std::string& file,
           const std::string& ws_path = {}, const std::string& floor_copy = {}) {
  auto t = std::chrono::steady_clock::now();
  Build(db, n);
  fmt::print(stderr, "{}: built {} contacts, {} accounts in {:.1f} s\n", backend, n.contacts,
             n.accounts, bench::Since(t));
  if (!floor_copy.empty()) Check(db.ExecScript(fmt::format("VACUUM INTO '{}'", floor_copy)));
  t = std::chrono::steady_clock::now();
  double cpu = CpuSeconds();
  auto loaded = quality::enrich::LoadVendorFile(db, file, "zoominfo.csv", {}, "bench");
  if (!loaded) bench::Die(loaded.error());
  const double load_s = bench::Since(t), load_cpu = CpuSeconds() - cpu;
  Print({backend, "load", n.vendor_rows, load_s, load_cpu, bench::PeakMb()});
  fmt::print(stderr,
             "{}: matched {} ({} by email, {} by domain, {} by name and company), {} "
             "unmatched, {} ambiguous\n",
             backend, loaded->matched, loaded->by_method["email"], loaded->by_method["domain"],
             loaded->by_method["name_company"], loaded->unmatched, loaded->ambiguous);
  t = std::chrono::steady_clock::now();
  cpu = CpuSeconds();
  quality::enrich::RunOptions dry;
  dry.dry_run = true;
  auto preview = quality::enrich::Run(db, dry);
  if (!preview) bench::Die(preview.error());
  Print({backend, "dry", n.contacts + n.accounts, bench::Since(t), CpuSeconds() - cpu,
         bench::PeakMb()});
  t = std::chrono::steady_clock::now();
  cpu = CpuSeconds();
  auto run = quality::enrich::Run(db, {});
  if (!run) bench::Die(run.error());
  const double run_s = bench::Since(t), run_cpu = CpuSeconds() - cpu;
  Print({backend, "run", n.contacts + n.accounts, run_s, run_cpu, bench::PeakMb()});
  Print({backend, "total", n.contacts, load_s + run_s, load_cpu + run_cpu, bench::PeakMb()});
  fmt::print(stderr, "{}: {} fields of {} records changed, {} conflicts\n", backend,
             run->fields_changed, run->records_changed, run->conflicts.size());
  if (!floor_copy.empty()) PrintFloor(ws_path, floor_copy);
}

}  // namespace

int main(int argc, char** argv) {
  Sizes n;
  std::string backend = "both";
  bool floor = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--floor") {
      floor = true;
      continue;
    }
    if (i + 1 >= argc) break;
    const int64_t v = std::atoll(argv[i + 1]);
    if (flag == "--contacts") n.contacts = v;
    if (flag == "--accounts") n.accounts = v;
    if (flag == "--vendor-rows") n.vendor_rows = v;
    if (flag == "--backend") backend = argv[i + 1];
    ++i;
  }
  if (n.contacts <= 0 || n.accounts <= 0 || n.vendor_rows <= 0) {
    fmt::print(stderr, "sizes must be positive\n");
    return 2;
  }
  const std::string file = VendorFile(n);
  fmt::print("{:<9} {:<6} {:>10} {:>9} {:>9} {:>12} {:>9}\n", "backend", "step", "rows", "seconds",
             "cpu s", "rows/s", "peak MB");
  if (backend == "sqlite" || backend == "both") {
    const auto dir = std::filesystem::temp_directory_path() /
                     fmt::format("mops_enrich_bench_{}", static_cast<long>(::getpid()));
    std::filesystem::create_directories(dir);
    {
      auto db = store::Open((dir / "ws.db").string());
      if (!db) bench::Die(db.error());
      Check(store::Migrate(**db));
      RunOn("sqlite", **db, n, file, (dir / "ws.db").string(),
            floor ? (dir / "floor.db").string() : std::string());
    }
    std::filesystem::remove_all(dir);
  }
  const char* url = std::getenv("MOPS_BENCH_POSTGRES_URL");
  if ((backend == "postgres" || backend == "both") && url != nullptr && *url != '\0') {
    auto db = store::Open(url);
    if (!db) bench::Die(db.error());
    Check(store::Migrate(**db));
    RunOn("postgres", **db, n, file);
  } else if (backend != "sqlite") {
    fmt::print(stderr, "postgres: skipped (set MOPS_BENCH_POSTGRES_URL)\n");
  }
  return 0;
}
