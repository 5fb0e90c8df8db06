// Import throughput into SQLite: synthetic HubSpot-like canonical contacts
// (17 columns, account and owner references that resolve), at 20k and 200k
// rows, first as new rows and then re-imported (every row unchanged).
//
// With --salesforce N: a Salesforce Data Loader Contact export of N rows
// (every field quoted, 18-character ids, AccountId in the 15-character form
// on half the rows and the null id on 2%, ISO dates) imported with the
// salesforce preset: ids normalized to 18 characters, dates surveyed per
// column before the rows are read. Into SQLite, and with --postgres also into
// a throwaway PostgreSQL server (tests/support), side by side.
//
//   import_bench [--rows N ...] [--salesforce N ...] [--postgres] [--phases] [--floor]
//                [--dir DIR] [--keep]
//
// --keep: leave the generated files and the SQLite workspaces in DIR (to time
// single statements on them afterwards).
// --phases: under each Salesforce row, the import's steps with their wall and
// CPU seconds (ImportSummary::phases).
// --floor: after the first Salesforce import into SQLite, the contacts and
// touchpoints it stored written again by SQLite alone (bench/sqlite_floor.h):
// what any import of those rows into this schema takes at least.
//
// Prints kind, rows, wall seconds, rows/s, CPU seconds (user + system, which
// tells a busy machine from a slow import) and the process's peak RSS. Not a test:
// it never fails on a slow machine.
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/sqlite_floor.h"
#include "core/salesforce_id.h"
#include "ingest/ingest.h"
#include "store/database.h"
#include "tests/support/postgres_server.h"

namespace {

using mops::ingest::ImportFile;
using mops::ingest::ImportOptions;
using mops::ingest::Kind;

constexpr int kAccounts = 5000;
constexpr int kUsers = 50;

double PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void WriteFile(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(text.data(), 1, text.size(), f) != text.size()) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
  std::fclose(f);
}

std::string UsersCsv() {
  std::string csv = "external_id,name,email,team,territory,capacity,active\n";
  for (int i = 0; i < kUsers; ++i) {
    csv += fmt::format("u{0},Rep {0},rep{0}@example.com,AE,T{1},100,true\n", i, i % 5);
  }
  return csv;
}

std::string AccountsCsv() {
  std::string csv = "external_id,name,domain,industry,employees,annual_revenue,country,owner_id\n";
  for (int i = 0; i < kAccounts; ++i) {
    csv += fmt::format("a{0},Company {0},company{0}.com,Software,{1},{2}.00,US,Rep {3}\n", i,
                       10 + i % 5000, 100000 + i * 17, i % kUsers);
  }
  return csv;
}

std::string ContactsCsv(int rows, uint32_t seed) {
  static const char* kFirst[] = {"Ana", "Bob", "Carla", "Dan", "Eve", "Femi", "Gus", "Hana"};
  static const char* kLast[] = {"Silva", "Lee", "Gómez", "Wu", "Okafor", "Novak", "Berg"};
  static const char* kTitles[] = {"VP Marketing",       "CTO",      "Marketing Ops Manager",
                                  "Head of Demand Gen", "Engineer", "\"Director, Sales\""};
  static const char* kStages[] = {"subscriber", "lead", "mql", "sql", "opportunity", "customer"};
  static const char* kCountries[] = {"United States", "Canada", "Germany", "France", "UK"};
  std::mt19937 rng(seed);
  std::string csv =
      "external_id,email,first_name,last_name,title,phone,company_name,account_id,country,"
      "state,city,lifecycle_stage,lead_status,owner_id,original_source,created_at,updated_at\n";
  csv.reserve(static_cast<size_t>(rows) * 220);
  for (int i = 0; i < rows; ++i) {
    const int account = static_cast<int>(rng() % kAccounts);
    const char* first = kFirst[rng() % 8];
    const char* last = kLast[rng() % 7];
    const int64_t created = 1672531200 + static_cast<int64_t>(rng() % (365 * 86400));
    fmt::format_to(std::back_inserter(csv),
                   "c{0},{1}.{2}{0}@company{3}.com,{1},{2},{4},+1 555 {5:04},Company {3},a{3},{6},"
                   "CA,San Francisco,{7},Open,u{8},ORGANIC_SEARCH,{9},{10}\n",
                   i, first, last, account, kTitles[rng() % 6], rng() % 10000,
                   kCountries[rng() % 5], kStages[rng() % 6], rng() % kUsers,
                   mops::core::FormatTimestamp(created),
                   mops::core::FormatTimestamp(created + 86400));
  }
  return csv;
}

// A 15-character Salesforce id: key prefix, "5g" pod, then `n` in base 62.
std::string SalesforceId15(std::string_view prefix, int64_t n) {
  static constexpr std::string_view kDigits =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string id(15, '0');
  id.replace(0, prefix.size(), prefix);
  for (size_t i = 14; i >= 5 && n > 0; --i) {
    id[i] = kDigits[static_cast<size_t>(n % 62)];
    n /= 62;
  }
  return id;
}
std::string SalesforceId18(std::string_view prefix, int64_t n) {
  const std::string id = SalesforceId15(prefix, n);
  return id + mops::core::SalesforceIdSuffix(id);
}

std::string SalesforceUsersCsv() {
  std::string csv = "\"Id\",\"Name\",\"Email\",\"IsActive\",\"Department\"\r\n";
  for (int i = 0; i < kUsers; ++i) {
    csv += fmt::format("\"{}\",\"Rep {}\",\"rep{}@example.com\",\"true\",\"Sales\"\r\n",
                       SalesforceId18("0055g", i + 1), i, i);
  }
  return csv;
}

std::string SalesforceAccountsCsv() {
  std::string csv =
      "\"Id\",\"Name\",\"Website\",\"Industry\",\"NumberOfEmployees\",\"BillingCountry\","
      "\"OwnerId\",\"CreatedDate\"\r\n";
  for (int i = 0; i < kAccounts; ++i) {
    csv += fmt::format(
        "\"{}\",\"Company {}\",\"https://www.company{}.com\",\"Technology\",\"{}\",\"United "
        "States\",\"{}\",\"2023-01-{:02}T09:00:00.000Z\"\r\n",
        SalesforceId18("0015g", i + 1), i, i, 10 + i % 5000,
        SalesforceId18("0055g", i % kUsers + 1), i % 28 + 1);
  }
  return csv;
}

// The columns of a Data Loader export of Contact with the fields a marketing
// team asks for.
std::string SalesforceContactsCsv(int rows, uint32_t seed) {
  static const char* kFirst[] = {"Ana", "Bob", "Carla", "Dan", "Eve", "Femi", "Gus", "Hana"};
  static const char* kLast[] = {"Silva", "Lee", "Gómez", "Wu", "Okafor", "Novak", "Berg"};
  static const char* kTitles[] = {"VP Marketing",       "CTO",      "Marketing Ops Manager",
                                  "Head of Demand Gen", "Engineer", "Director, Sales"};
  static const char* kSources[] = {"Web", "Trade Show", "Partner Referral", "Advertisement"};
  std::mt19937 rng(seed);
  std::string csv =
      "\"Id\",\"AccountId\",\"FirstName\",\"LastName\",\"Email\",\"Phone\",\"MobilePhone\","
      "\"Title\",\"MailingCity\",\"MailingState\",\"MailingPostalCode\",\"MailingCountry\","
      "\"LeadSource\",\"HasOptedOutOfEmail\",\"DoNotCall\",\"OwnerId\",\"CreatedDate\","
      "\"LastModifiedDate\"\r\n";
  csv.reserve(static_cast<size_t>(rows) * 330);
  for (int i = 0; i < rows; ++i) {
    const int account = static_cast<int>(rng() % kAccounts) + 1;
    const uint32_t pick = rng() % 100;
    const std::string account_id = pick < 2    ? std::string("000000000000000AAA")
                                   : pick < 51 ? SalesforceId15("0015g", account)
                                               : SalesforceId18("0015g", account);
    const char* first = kFirst[rng() % 8];
    const char* last = kLast[rng() % 7];
    const int64_t created = 1672531200 + static_cast<int64_t>(rng() % (365 * 86400));
    const std::string created_text = mops::core::FormatTimestamp(created);
    const std::string modified_text = mops::core::FormatTimestamp(created + 86400);
    fmt::format_to(std::back_inserter(csv),
                   "\"{}\",\"{}\",\"{}\",\"{}{}\",\"{}.{}{}@company{}.com\",\"(415) 555-{:04}\","
                   "\"\",\"{}\",\"San Francisco\",\"CA\",\"{:05}\",\"United States\",\"{}\",\"{}\","
                   "\"false\",\"{}\",\"{}.000Z\",\"{}.000Z\"\r\n",
                   SalesforceId18("0035g", i + 1), account_id, first, last, "", first, last, i,
                   account, rng() % 10000, kTitles[rng() % 6], rng() % 99999, kSources[rng() % 4],
                   rng() % 10 == 0 ? "true" : "false",
                   SalesforceId18("0055g", static_cast<int>(rng() % kUsers) + 1),
                   created_text.substr(0, created_text.size() - 1),
                   modified_text.substr(0, modified_text.size() - 1));
  }
  return csv;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Row {
  std::string kind;
  int64_t rows;
  double seconds;
  double cpu_seconds;
  std::vector<mops::ingest::ImportPhase> phases;
};

bool show_phases = false;
bool show_floor = false;
bool keep = false;

// The import's own steps (--phases): wall and CPU seconds of each.
void PrintPhases(const Row& r) {
  if (!show_phases) return;
  for (const auto& p : r.phases) {
    std::printf("    %-40s %9.3f s wall %9.3f s cpu\n", p.name.c_str(), p.seconds, p.cpu_seconds);
  }
  std::fflush(stdout);
}

void Print(const Row& r) {
  std::printf("%-22s %10lld %9.3f %12.0f %9.3f %11.1f\n", r.kind.c_str(),
              static_cast<long long>(r.rows), r.seconds,
              r.seconds > 0 ? static_cast<double>(r.rows) / r.seconds : 0.0, r.cpu_seconds,
              PeakRssMb());
  std::fflush(stdout);
}

Row TimedImport(mops::store::Database& db, Kind kind, const std::string& path,
                const std::string& label, const ImportOptions& options = {}) {
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = CpuSeconds();
  auto summary = ImportFile(db, kind, path, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!summary) {
    std::fprintf(stderr, "import failed: %s\n", summary.error().ToString().c_str());
    std::exit(1);
  }
  if (summary->rejected > 0 || (!summary->unresolved.empty() && !label.starts_with("sf "))) {
    std::fprintf(stderr, "unexpected: %s", summary->ToText().c_str());
  }
  return {label, summary->rows, seconds, CpuSeconds() - cpu_start, std::move(summary->phases)};
}

// The Salesforce Contact export of `rows` into a fresh workspace at `url`.
void SalesforceRun(const std::string& url, const std::string& backend,
                   const std::filesystem::path& dir, int rows) {
  auto db = mops::store::Open(url);
  if (!db || !mops::store::Migrate(**db)) {
    std::fprintf(stderr, "cannot create workspace %s\n", url.c_str());
    std::exit(1);
  }
  ImportOptions sf;
  sf.preset = mops::ingest::Preset::kSalesforce;
  const std::string users = (dir / "sf-users.csv").string();
  const std::string accounts = (dir / "sf-accounts.csv").string();
  const std::string contacts = (dir / fmt::format("sf-contacts-{}.csv", rows)).string();
  if (!std::filesystem::exists(contacts)) {
    WriteFile(users, SalesforceUsersCsv());
    WriteFile(accounts, SalesforceAccountsCsv());
    WriteFile(contacts, SalesforceContactsCsv(rows, 7));
  }
  TimedImport(**db, Kind::kUsers, users, "sf users", sf);
  TimedImport(**db, Kind::kAccounts, accounts, "sf accounts", sf);
  const Row first = TimedImport(**db, Kind::kContacts, contacts, "sf contacts " + backend, sf);
  Print(first);
  PrintPhases(first);
  if (show_floor && backend == "sqlite") {
    const auto steps =
        mops::bench::InsertFloor(url, (dir / "floor.db").string(), {"contacts", "touchpoints"});
    double seconds = 0;
    for (const auto& s : steps) seconds += s.seconds;
    Print({"sf floor sqlite", first.rows, seconds, 0, {}});
    for (const auto& s : steps) {
      std::printf("    %-40s %9.3f s wall %10lld rows\n", s.name.c_str(), s.seconds,
                  static_cast<long long>(s.rows));
    }
  }
  const Row again = TimedImport(**db, Kind::kContacts, contacts, "sf re-import " + backend, sf);
  Print(again);
  PrintPhases(again);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> scales;
  std::vector<int> salesforce;
  bool postgres = false;
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("mops-import-bench-" + std::to_string(::getpid()));
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--rows" && i + 1 < argc) {
      scales.push_back(std::stoi(argv[++i]));
    } else if (arg == "--salesforce" && i + 1 < argc) {
      salesforce.push_back(std::stoi(argv[++i]));
    } else if (arg == "--postgres") {
      postgres = true;
    } else if (arg == "--phases") {
      show_phases = true;
    } else if (arg == "--floor") {
      show_floor = true;
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (arg == "--keep") {
      keep = true;
    } else {
      std::fprintf(stderr,
                   "usage: import_bench [--rows N ...] [--salesforce N ...] [--postgres] "
                   "[--phases] [--floor] [--dir DIR] [--keep]\n");
      return 2;
    }
  }
  if (scales.empty() && salesforce.empty()) scales = {20000, 200000};
  std::filesystem::create_directories(dir);

  std::printf("%-22s %10s %9s %12s %9s %11s\n", "kind", "rows", "seconds", "rows/s", "cpu s",
              "peak RSS MB");
  for (int rows : scales) {
    const std::string db_path = (dir / fmt::format("bench-{}.db", rows)).string();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix);
    auto db = mops::store::Open(db_path);
    if (!db || !mops::store::Migrate(**db)) {
      std::fprintf(stderr, "cannot create workspace %s\n", db_path.c_str());
      return 1;
    }
    const std::string users = (dir / "users.csv").string();
    const std::string accounts = (dir / "accounts.csv").string();
    const std::string contacts = (dir / fmt::format("contacts-{}.csv", rows)).string();
    WriteFile(users, UsersCsv());
    WriteFile(accounts, AccountsCsv());
    WriteFile(contacts, ContactsCsv(rows, 42));
    TimedImport(**db, Kind::kUsers, users, "users");
    Print(TimedImport(**db, Kind::kAccounts, accounts, "accounts"));
    Print(TimedImport(**db, Kind::kContacts, contacts, "contacts (new)"));
    Print(TimedImport(**db, Kind::kContacts, contacts, "contacts (re-import)"));
    db->reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix);
    std::filesystem::remove(contacts);
  }
  std::unique_ptr<mops::test_support::PostgresServer> server;
  if (postgres && !salesforce.empty()) {
    auto started = mops::test_support::PostgresServer::Start();
    if (!started) {
      std::fprintf(stderr, "cannot start PostgreSQL: %s\n", started.error().ToString().c_str());
      return 1;
    }
    server = std::move(*started);
  }
  for (int rows : salesforce) {
    const std::string db_path = (dir / fmt::format("sf-{}.db", rows)).string();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix);
    SalesforceRun(db_path, "sqlite", dir, rows);
    if (!keep) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix);
    }
    if (server) {
      auto url = server->CreateDatabase(fmt::format("import_bench_{}", rows));
      if (!url) {
        std::fprintf(stderr, "cannot create database: %s\n", url.error().ToString().c_str());
        return 1;
      }
      SalesforceRun(*url, "postgres", dir, rows);
    }
    if (!keep) std::filesystem::remove((dir / fmt::format("sf-contacts-{}.csv", rows)).string());
  }
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
