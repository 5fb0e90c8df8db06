// Path attribution: the whole pipeline (read the file, parse, run the model)
// on generated path files of 100,000 and 1,000,000 rows with 20 channels,
// per model; then the real `mops attribute paths` process on the 1M file.
//
//   attribution_paths_bench [--rows N ...] [--channels C] [--dir DIR]
//
// Each measurement runs in a forked child, so its peak RSS is its own; the
// best of three runs is printed (wall seconds, rows/s, CPU seconds = user +
// system, which tells a busy machine from slow code, and peak RSS). Not a
// test: it never fails on a slow machine.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "attribution/paths.h"
#include "core/csv.h"
#include "demo/demo.h"

namespace {

namespace attribution = mops::attribution;

struct Measure {
  double wall = 0;  // seconds
  double cpu = 0;   // user + system seconds
  double peak_mb = 0;
  bool ok = false;
};

double Seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }

// Runs `body` (or, with argv, a program) in a child; best of `runs`.
Measure Run(const std::function<bool()>& body, const std::vector<std::string>& argv, int runs) {
  Measure best;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
      if (!argv.empty()) {
        std::vector<char*> args;
        for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
      }
      _exit(body() ? 0 : 1);
    }
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    Measure m;
    m.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m.cpu = Seconds(usage.ru_utime) + Seconds(usage.ru_stime);
    m.peak_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
    m.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!m.ok) return m;
    if (!best.ok || m.wall < best.wall) best = m;
  }
  return best;
}

void Row(int64_t rows, int channels, const std::string& what, const Measure& m) {
  if (!m.ok) {
    fmt::print("{:>9} {:>8}  {:<34} failed\n", rows, channels, what);
    return;
  }
  fmt::print("{:>9} {:>8}  {:<34} {:>8.3f} {:>12.0f} {:>8.3f} {:>9.0f}\n", rows, channels, what,
             m.wall, static_cast<double>(rows) / m.wall, m.cpu, m.peak_mb);
  std::fflush(stdout);
}

// Read + parse + `model`, as the verb does (the verb maps the file instead
// of reading it).
std::function<bool()> Pipeline(const std::string& file,
                               const std::function<bool(const attribution::PathTable&)>& model) {
  return [file, model] {
    auto text = mops::core::ReadFile(file);
    if (!text) return false;
    auto table = attribution::ParsePathFile(*text, file);
    if (!table) {
      std::fprintf(stderr, "%s\n", table.error().ToString().c_str());
      return false;
    }
    return model(*table);
  };
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> sizes;
  int channels = 20;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--rows" && i + 1 < argc) {
      sizes.push_back(std::atoll(argv[++i]));
    } else if (arg == "--channels" && i + 1 < argc) {
      channels = std::atoi(argv[++i]);
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: attribution_paths_bench [--rows N ...] [--channels C] [--dir DIR]\n");
      return 2;
    }
  }
  if (sizes.empty()) sizes = {100'000, 1'000'000};
  const char* env_bin = std::getenv("MOPS_BIN");
  const std::string mops = env_bin != nullptr && *env_bin != '\0' ? env_bin : MOPS_BENCH_BIN;

  using Model = std::function<bool(const attribution::PathTable&)>;
  auto markov = [](int order) -> Model {
    return [order](const attribution::PathTable& t) {
      attribution::MarkovOptions options;
      options.order = order;
      options.with_chain = false;  // as the verb without --transitions
      return Markov(t, options).has_value();
    };
  };
  const std::vector<std::pair<std::string, Model>> models = {
      {"read + parse only", [](const attribution::PathTable& t) { return t.rows() > 0; }},
      {"heuristics (first, last, linear)",
       [](const attribution::PathTable& t) {
         return FirstTouch(t).conversions.size() + LastTouch(t).conversions.size() +
                    Linear(t, false).conversions.size() >
                0;
       }},
      {"heuristics + markov 1",
       [](const attribution::PathTable& t) {
         FirstTouch(t), LastTouch(t), Linear(t, false);
         attribution::MarkovOptions options;
         options.with_chain = false;
         return Markov(t, options).has_value();
       }},
      {"markov 1", markov(1)},
      {"markov 2", markov(2)},
      {"markov 3", markov(3)},
      {"markov 4", markov(4)},
      {"shapley", [](const attribution::PathTable& t) { return Shapley(t).has_value(); }},
      {"shapley_rate", [](const attribution::PathTable& t) { return ShapleyRate(t).has_value(); }},
      {"shao_li", [](const attribution::PathTable& t) { return ShaoLi(t).has_value(); }},
  };

  fmt::print("{:>9} {:>8}  {:<34} {:>8} {:>12} {:>8} {:>9}\n", "rows", "channels", "model",
             "wall s", "rows/s", "cpu s", "peak MB");
  std::string largest;
  for (const int64_t rows : sizes) {
    mops::demo::PathGeneratorOptions options;
    options.rows = rows;
    options.channels = channels;
    options.seed = 1;
    auto text = mops::demo::GeneratePathFile(options);
    if (!text) {
      std::fprintf(stderr, "%s\n", text.error().ToString().c_str());
      return 1;
    }
    const std::string file = fmt::format("{}/mops-paths-bench-{}.csv", dir, rows);
    FILE* f = std::fopen(file.c_str(), "wb");
    if (f == nullptr || std::fwrite(text->data(), 1, text->size(), f) != text->size()) {
      std::fprintf(stderr, "cannot write %s\n", file.c_str());
      return 1;
    }
    std::fclose(f);
    largest = file;
    for (const auto& [name, model] : models)
      Row(rows, channels, name, Run(Pipeline(file, model), {}, 3));
  }

  // The whole process, as a user runs it, on the largest file.
  const int64_t rows = sizes.back();
  fmt::print("\n`mops attribute paths` on {} ({} rows):\n", largest, rows);
  const std::vector<std::pair<std::string, std::vector<std::string>>> runs = {
      {"first_touch,last_touch,linear,markov", {}},
      {"markov --order 3", {"--order", "3"}},
      {"shapley_rate", {}},
      {"all", {}},
  };
  for (const auto& [name, extra] : runs) {
    std::vector<std::string> argv = {mops,
                                     "--quiet",
                                     "attribute",
                                     "paths",
                                     largest,
                                     "--model",
                                     name.substr(0, name.find(' ')),
                                     "--out",
                                     "/dev/null"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Row(rows, channels, name, Run({}, argv, 3));
  }
  for (const int64_t r : sizes) {
    std::filesystem::remove(fmt::format("{}/mops-paths-bench-{}.csv", dir, r));
  }
  return 0;
}
