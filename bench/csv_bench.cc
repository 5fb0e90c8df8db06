// CSV reader throughput on ~50 MB of contact-like CSV generated in memory
// (CRM export shape: quoted company names with commas, some notes with
// doubled quotes and line breaks, UTF-8 names). Prints a table; never fails.
//
//   csv_bench [megabytes]      (default 50)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv.h"

namespace {

std::string GenerateContacts(size_t target_bytes, int64_t* rows) {
  static constexpr std::string_view kFirst[] = {"Jane", "John", "Ana",   "Jos\xC3\xA9", "Mei",
                                                "Olu",  "Sven", "Priya", "Zo\xC3\xAB",  "Liam"};
  static constexpr std::string_view kLast[] = {"Doe",
                                               "Smith",
                                               "Garc\xC3\xAD"
                                               "a",
                                               "Chen",
                                               "Okafor",
                                               "M\xC3\xBCller",
                                               "Patel",
                                               "Brown"};
  static constexpr std::string_view kCompany[] = {
      "Acme", "\"Globex, Inc.\"", "Initech", "\"Umbrella, Ltd\"", "Hooli", "Stark Industries"};
  static constexpr std::string_view kTitle[] = {"VP Marketing", "Marketing Ops Manager", "CMO",
                                                "\"Director, Demand Gen\"", "SDR"};
  static constexpr std::string_view kStage[] = {"subscriber", "lead",        "mql",
                                                "sql",        "opportunity", "customer"};
  static constexpr std::string_view kNote[] = {"",
                                               "",
                                               "",
                                               "Met at booth",
                                               "\"Asked about \"\"enterprise\"\" plan\"",
                                               "\"Call back\nnext week\""};
  std::mt19937_64 rng(7);
  auto pick = [&](const auto& list) { return list[rng() % std::size(list)]; };
  std::string out =
      "Record ID,Email,First Name,Last Name,Job Title,Company Name,Phone Number,Country,City,"
      "Lifecycle Stage,Create Date,Annual Revenue,Notes\r\n";
  out.reserve(target_bytes + 4096);
  int64_t n = 0;
  while (out.size() < target_bytes) {
    ++n;
    const std::string_view first = pick(kFirst);
    const std::string_view last = pick(kLast);
    out += std::to_string(100000 + n);
    out += ',';
    out += "user";
    out += std::to_string(n);
    out += "@example";
    out += std::to_string(n % 997);
    out += ".com,";
    out += first;
    out += ',';
    out += last;
    out += ',';
    out += pick(kTitle);
    out += ',';
    out += pick(kCompany);
    out += ",+1 555 ";
    out += std::to_string(1000000 + rng() % 9000000);
    out += ",United States,San Francisco,";
    out += pick(kStage);
    out += ",2024-03-";
    out += std::to_string(10 + rng() % 20);
    out += " 12:05:00.000,";
    out += std::to_string(rng() % 100000000);
    out += ',';
    out += pick(kNote);
    out += "\r\n";
  }
  *rows = n;
  return out;
}

struct Run {
  double seconds;
  int64_t records;
  size_t fields;
};

Run ReadAll(std::string_view data, bool trim) {
  const auto start = std::chrono::steady_clock::now();
  mops::core::CsvOptions options;
  options.trim_fields = trim;
  options.file_name = "bench.csv";
  mops::core::CsvReader reader(data, options);
  std::vector<std::string_view> fields;
  Run run{0, 0, 0};
  while (true) {
    auto more = reader.Next(fields);
    if (!more) {
      std::fprintf(stderr, "%s\n", more.error().ToString().c_str());
      std::exit(1);
    }
    if (!*more) break;
    ++run.records;
    run.fields += fields.size() + fields.back().size();  // use the values
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t megabytes = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 50;
  int64_t rows = 0;
  const std::string data = GenerateContacts(megabytes << 20, &rows);
  const double mb = static_cast<double>(data.size()) / 1e6;

  std::printf("%-22s %10s %10s %9s %10s %14s\n", "case", "MB", "records", "seconds", "MB/s",
              "records/s");
  for (bool trim : {false, true}) {
    Run best{1e9, 0, 0};
    for (int i = 0; i < 5; ++i) {
      const Run run = ReadAll(data, trim);
      if (run.seconds < best.seconds) best = run;
    }
    std::printf("%-22s %10.1f %10lld %9.3f %10.0f %14.0f\n",
                trim ? "reader, trim_fields" : "reader", mb, static_cast<long long>(best.records),
                best.seconds, mb / best.seconds, static_cast<double>(best.records) / best.seconds);
  }
  {
    double best = 1e9;
    for (int i = 0; i < 5; ++i) {
      const auto start = std::chrono::steady_clock::now();
      const bool ok = mops::core::IsValidUtf8(data);
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!ok) return 1;
      best = std::min(best, s);
    }
    std::printf("%-22s %10.1f %10s %9.3f %10.0f %14s\n", "IsValidUtf8 (reference)", mb, "-", best,
                mb / best, "-");
  }
  std::printf("(generated %lld data rows; best of 5 runs)\n", static_cast<long long>(rows));
  return 0;
}
