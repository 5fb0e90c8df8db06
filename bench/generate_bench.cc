// Generation speed of the demo company: GenerateCompany then WriteCompanyCsv,
// at several scales. Prints a table (scale, touchpoints, generate s, write s,
// total wall s, CPU s of all threads, touchpoints per wall second, CSV MB,
// peak RSS) and never fails on a slow machine.
//
//   generate_bench [--out DIR] [--seed S] [SCALE ...]   (default scales: 1 10)
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "demo/demo.h"

namespace {

double Seconds(std::chrono::steady_clock::time_point from) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - from).count();
}

// User + system CPU seconds of the process so far (all threads).
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

double DirMb(const std::filesystem::path& dir) {
  uintmax_t bytes = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) bytes += e.file_size();
  }
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string out = (std::filesystem::temp_directory_path() / "mops_generate_bench").string();
  uint64_t seed = 42;
  std::vector<double> scales;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else if (arg == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      scales.push_back(std::strtod(arg.c_str(), nullptr));
    }
  }
  if (scales.empty()) scales = {1, 10};

  std::printf("%-7s %12s %10s %9s %9s %7s %14s %9s %12s\n", "scale", "touchpoints", "generate_s",
              "write_s", "total_s", "cpu_s", "touchpoints/s", "csv_MB", "peak_rss_MB");
  for (double scale : scales) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = CpuSeconds();
    mops::demo::GeneratorOptions options;
    options.scale = scale;
    options.seed = seed;
    auto company = mops::demo::GenerateCompany(options);
    if (!company) {
      std::fprintf(stderr, "generate: %s\n", company.error().ToString().c_str());
      return 1;
    }
    const double generate_s = Seconds(start);
    const auto write_start = std::chrono::steady_clock::now();
    const std::string dir = out + "/scale-" + std::to_string(scale);
    if (auto s = mops::demo::WriteCompanyCsv(*company, dir); !s) {
      std::fprintf(stderr, "write: %s\n", s.error().ToString().c_str());
      return 1;
    }
    const double write_s = Seconds(write_start);
    const double total_s = Seconds(start);
    const auto touches = static_cast<double>(company->touchpoints.size());
    const double cpu_s = CpuSeconds() - cpu_start;
    std::printf("%-7g %12zu %10.2f %9.2f %9.2f %7.2f %14.0f %9.1f %12.0f\n", scale,
                company->touchpoints.size(), generate_s, write_s, total_s, cpu_s, touches / total_s,
                DirMb(dir), PeakRssMb());
    std::fflush(stdout);
  }
  return 0;
}
