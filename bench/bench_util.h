// What every benchmark program needs: wall time, peak memory, and running a
// stage in a child process so that its peak memory is its own.
#pragma once

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <type_traits>
#include <vector>

#include "core/error.h"

namespace mops::bench {

// Peak resident memory of this process so far, in MiB.
inline double PeakMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

inline double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

[[noreturn]] inline void Die(const core::Error& e) {
  fmt::print(stderr, "error: {}\n", e.ToString());
  _exit(1);
}

// Runs `body` in a forked child and returns the rows it produced (sent back
// through a pipe, so Row must be trivially copyable). `set_peak` stamps each
// row with the child's peak memory before it is sent.
template <typename Row>
std::vector<Row> InChild(const std::function<std::vector<Row>()>& body,
                         void (*set_peak)(Row&, double peak_mb)) {
  static_assert(std::is_trivially_copyable_v<Row>);
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::vector<Row> rows = body();
    for (Row& r : rows) set_peak(r, PeakMb());
    (void)!write(fds[1], rows.data(), rows.size() * sizeof(Row));
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::vector<Row> rows;
  Row r;
  while (read(fds[0], &r, sizeof r) == static_cast<ssize_t>(sizeof r)) rows.push_back(r);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fmt::print(stderr, "stage failed (status {})\n", status);
  }
  return rows;
}

}  // namespace mops::bench
