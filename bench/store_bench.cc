// Bulk load through the store: inserts N synthetic touchpoints in one
// transaction with one reused prepared statement, then reads back the
// columns an attribution engine needs with ScanColumns. Prints one table row
// per backend, size and phase.
//
//   store_bench [--rows 200000,2000000] [--backend sqlite|postgres|all]
//               [--postgres-url URL]
//
// PostgreSQL runs when --postgres-url, MOPS_BENCH_POSTGRES_URL or
// MOPS_TEST_POSTGRES_URL names a server where the user may create databases,
// e.g. under scripts/with-postgres.sh; each run gets its own database, dropped
// after. SQLite runs in a temporary file. Target: the SQLite scan reads at
// least 2 million touchpoints per second.
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/taxonomy.h"
#include "store/database.h"

namespace mops::store {
namespace {

namespace fs = std::filesystem;

struct Options {
  std::vector<int64_t> rows = {200000, 2000000};
  bool sqlite = true;
  bool postgres = true;
  std::string postgres_url;
};

// Resets the kernel's peak-RSS mark so each phase reports its own peak.
void ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

double PeakRssMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return 0;
}

struct Measurement {
  double seconds = 0;
  double peak_rss_mb = 0;
};

template <typename F>
Result<Measurement> Measure(F&& body) {
  ResetPeakRss();
  const auto start = std::chrono::steady_clock::now();
  MOPS_TRY(body());
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  return Measurement{elapsed.count(), PeakRssMb()};
}

constexpr std::array<std::string_view, 6> kTypes = {"page_view",   "form_fill", "email_open",
                                                    "email_click", "ad_click",  "webinar"};
using core::kChannels;

Status InsertTouchpoints(Database& db, int64_t n) {
  MOPS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(
      auto insert,
      db.Prepare("INSERT INTO touchpoints (source_system, external_id, contact_id, account_id, "
                 "occurred_at, type, channel, source, campaign_id, value) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  const int64_t contacts = std::max<int64_t>(n / 20, 1);
  std::vector<Value> params(10);
  params[0] = std::string("bench");
  for (int64_t k = 0; k < n; ++k) {
    const int64_t contact = (k * 7919) % contacts;
    params[1] = fmt::format("tp-{}", k);
    params[2] = contact;
    params[3] = contact % 13 == 0 ? Value{} : Value(contact / 8);
    params[4] = int64_t{1672531200} + k * 13;
    params[5] = std::string(kTypes[(k * 31) % kTypes.size()]);
    params[6] = k % 17 == 0 ? Value{} : Value(std::string(kChannels[(k * 7) % kChannels.size()]));
    params[7] = std::string("google");
    params[8] = k % 3 == 0 ? Value{} : Value(int64_t{k % 500});
    params[9] = k % 10 == 0 ? Value(static_cast<double>(k % 1000) * 12.5) : Value{};
    MOPS_TRY(insert->Execute(params));
  }
  insert.reset();
  return tx.Commit();
}

Status ScanTouchpoints(Database& db, int64_t n) {
  const std::array<ColumnType, 8> types = {ColumnType::kInt, ColumnType::kInt,  ColumnType::kInt,
                                           ColumnType::kInt, ColumnType::kDict, ColumnType::kDict,
                                           ColumnType::kInt, ColumnType::kReal};
  MOPS_ASSIGN_OR_RETURN(
      std::vector<Column> cols,
      db.ScanColumns("SELECT id, contact_id, account_id, occurred_at, type, channel, campaign_id, "
                     "value FROM touchpoints",
                     {}, types));
  if (static_cast<int64_t>(cols[0].size()) != n || cols[4].dict.size() != kTypes.size()) {
    return core::Fail(core::ErrorCode::kInternal, "scan read {} rows and {} types, wanted {}",
                      cols[0].size(), cols[4].dict.size(), n);
  }
  return {};
}

// `url` with its database (the path) replaced by `database`.
std::string WithDatabase(std::string_view url, std::string_view database) {
  const size_t authority = url.find("://") + 3;
  const size_t query = url.find('?', authority);
  const size_t path_end = query == std::string_view::npos ? url.size() : query;
  const size_t path = std::min(url.find('/', authority), path_end);
  return fmt::format("{}/{}{}", url.substr(0, path), database, url.substr(path_end));
}

void PrintRow(std::string_view backend, std::string_view phase, int64_t rows,
              const Measurement& m) {
  fmt::print("{:<10} {:<7} {:>10} {:>9.3f} {:>12.0f} {:>13.1f}\n", backend, phase, rows, m.seconds,
             static_cast<double>(rows) / m.seconds, m.peak_rss_mb);
  std::fflush(stdout);
}

// One backend, one size: a fresh workspace, migrate, insert, scan.
Status RunOne(std::string_view backend, const std::string& url, int64_t rows) {
  MOPS_ASSIGN_OR_RETURN(auto db, Open(url));
  MOPS_TRY(Migrate(*db));
  MOPS_ASSIGN_OR_RETURN(Measurement insert, Measure([&] { return InsertTouchpoints(*db, rows); }));
  PrintRow(backend, "insert", rows, insert);
  MOPS_ASSIGN_OR_RETURN(Measurement scan, Measure([&] { return ScanTouchpoints(*db, rows); }));
  PrintRow(backend, "scan", rows, scan);
  return {};
}

Status RunSqlite(int64_t rows) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("mops-store-bench-{}", getpid());
  fs::create_directories(dir);
  auto status = RunOne("sqlite", (dir / "bench.db").string(), rows);
  fs::remove_all(dir);
  return status;
}

Status RunPostgres(const std::string& server_url, int64_t rows) {
  const std::string name = fmt::format("mops_bench_{}_{}", getpid(), rows);
  {
    MOPS_ASSIGN_OR_RETURN(auto admin, Open(server_url));
    MOPS_TRY(admin->ExecScript(fmt::format("CREATE DATABASE {}", name)));
  }
  auto status = RunOne("postgres", WithDatabase(server_url, name), rows);
  MOPS_ASSIGN_OR_RETURN(auto admin, Open(server_url));
  MOPS_TRY(admin->ExecScript(fmt::format("DROP DATABASE {}", name)));
  return status;
}

Result<Options> ParseOptions(int argc, char** argv) {
  Options options;
  for (const char* name : {"MOPS_TEST_POSTGRES_URL", "MOPS_BENCH_POSTGRES_URL"}) {
    if (const char* env = std::getenv(name); env != nullptr && *env != '\0') {
      options.postgres_url = env;
    }
  }
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--rows" && has_value) {
      options.rows.clear();
      std::string_view list = argv[++i];
      while (!list.empty()) {
        const size_t comma = list.find(',');
        options.rows.push_back(
            std::strtoll(std::string(list.substr(0, comma)).c_str(), nullptr, 10));
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
      }
    } else if (arg == "--backend" && has_value) {
      const std::string_view b = argv[++i];
      options.sqlite = b == "sqlite" || b == "all";
      options.postgres = b == "postgres" || b == "all";
    } else if (arg == "--postgres-url" && has_value) {
      options.postgres_url = argv[++i];
    } else {
      return core::Fail(core::ErrorCode::kInvalidArgument,
                        "usage: store_bench [--rows N[,N...]] [--backend sqlite|postgres|all] "
                        "[--postgres-url URL]");
    }
  }
  return options;
}

int Main(int argc, char** argv) {
  auto options = ParseOptions(argc, argv);
  if (!options) {
    fmt::print(stderr, "{}\n", options.error().message);
    return 2;
  }
  if (options->postgres && options->postgres_url.empty()) {
    fmt::print(stderr,
               "postgres: not run (set MOPS_TEST_POSTGRES_URL or run under "
               "scripts/with-postgres.sh)\n");
    options->postgres = false;
  }
  fmt::print("{:<10} {:<7} {:>10} {:>9} {:>12} {:>13}\n", "backend", "phase", "rows", "seconds",
             "rows/s", "peak RSS MB");
  for (int64_t rows : options->rows) {
    if (options->sqlite) {
      if (auto s = RunSqlite(rows); !s) fmt::print(stderr, "sqlite: {}\n", s.error().ToString());
    }
    if (options->postgres) {
      if (auto s = RunPostgres(options->postgres_url, rows); !s) {
        fmt::print(stderr, "postgres: {}\n", s.error().ToString());
      }
    }
  }
  return 0;
}

}  // namespace
}  // namespace mops::store

int main(int argc, char** argv) { return mops::store::Main(argc, argv); }
