// tracking_load: the tracking API under load. Starts a real `mops serve` on a
// fresh workspace with a write key, and drives it on loopback from several
// keep-alive connections: batches of 100 events to /v1/batch for N seconds
// (default 60) on SQLite, single events to /v1/track, and the batch run again
// on PostgreSQL (a server started for the run, or MOPS_TEST_POSTGRES_URL's).
// Every event has its own messageId, so every one is stored; 200 means
// committed. Prints events/s, requests/s, latency p50/p99, the server's
// peak RSS (VmHWM) and its CPU time (total and per event) per run.
//
//   tracking_load [--mops PATH] [--seconds N] [--connections C] [--no-postgres]
#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/tracking_bodies.h"
#include "tests/support/free_port.h"
#include "tests/support/postgres_server.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string Run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

struct Server {
  pid_t pid = -1;
  int port = 0;
};

// Starts `mops serve` and waits until it answers /healthz.
Server Start(const std::string& mops, const std::string& workspace, int threads) {
  Server s;
  s.port = mops::test_support::FreePort();
  s.pid = ::fork();
  if (s.pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    const std::string port = std::to_string(s.port);
    const std::string t = std::to_string(threads);
    ::execl(mops.c_str(), mops.c_str(), "--workspace", workspace.c_str(), "serve", "--port",
            port.c_str(), "--host", "127.0.0.1", "--threads", t.c_str(), nullptr);
    ::_exit(127);
  }
  httplib::Client c("127.0.0.1", s.port);
  for (int i = 0; i < 600; ++i) {
    if (auto r = c.Get("/healthz"); r && r->status == 200) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  fmt::print(stderr, "mops serve did not start\n");
  std::exit(1);
}

long PeakRssKb(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmHWM:")) return std::stol(line.substr(6));
  }
  return 0;
}

// User + system CPU seconds the process has used so far (/proc/PID/stat
// fields 14 and 15, in clock ticks): wall time is noisy on a shared host,
// CPU per event is not.
double CpuSeconds(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i >= 14) ticks += std::stod(f);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

void Stop(const Server& s) {
  ::kill(s.pid, SIGTERM);
  int status = 0;
  ::waitpid(s.pid, &status, 0);
}

struct Result {
  std::string name;
  int connections = 0;
  int batch = 0;
  double seconds = 0;
  long requests = 0;
  long errors = 0;
  double p50 = 0, p99 = 0;
  long rss_kb = 0;
  double cpu_seconds = 0;  // the server's user + system CPU time during the run
};

std::string Basic(const std::string& key) {
  static const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string in = key + ":";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (i + 1 < in.size() ? static_cast<unsigned char>(in[i + 1]) << 8 : 0) |
                       (i + 2 < in.size() ? static_cast<unsigned char>(in[i + 2]) : 0);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kB64[v & 63] : '=';
  }
  return "Basic " + out;
}

Result Load(const std::string& name, const Server& server, const std::string& key, int connections,
            int batch, int seconds) {
  std::atomic<long> errors{0};
  std::vector<std::vector<double>> latencies(connections);
  const double cpu_before = CpuSeconds(server.pid);
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", server.port);
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);  // else each body waits ~40 ms for a delayed ACK
      c.set_read_timeout(30, 0);
      const httplib::Headers auth = {{"Authorization", Basic(key)}};
      long seq = 0;
      while (Clock::now() < deadline) {
        std::string body;
        std::string path;
        if (batch > 1) {
          path = "/v1/batch";
          body = mops::bench::TrackingBatchBody(name, t, seq, batch);
        } else {
          path = "/v1/track";
          body = fmt::format(
              R"({{"anonymousId":"v{}-{}","messageId":"{}-{}-{}","event":"Form Submitted"}})", t,
              seq % 5000, name, t, seq);
        }
        ++seq;
        const auto t0 = Clock::now();
        auto r = c.Post(path, auth, body, "application/json");
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (!r || r->status != 200) {
          ++errors;
          continue;
        }
        latencies[t].push_back(ms);
      }
    });
  }
  for (auto& t : threads) t.join();
  Result r;
  r.cpu_seconds = CpuSeconds(server.pid) - cpu_before;
  r.name = name;
  r.connections = connections;
  r.batch = batch;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  r.requests = static_cast<long>(all.size());
  r.errors = errors.load();
  if (!all.empty()) {
    r.p50 = all[all.size() / 2];
    r.p99 = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  r.rss_kb = PeakRssKb(server.pid);
  return r;
}

std::string NewKey(const std::string& mops, const std::string& workspace) {
  Run(fmt::format("'{}' --workspace '{}' init >/dev/null 2>&1", mops, workspace));
  std::string key = Run(fmt::format("'{}' --workspace '{}' writekey create --name load 2>/dev/null",
                                    mops, workspace));
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  return key;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mops = MOPS_BENCH_BIN;
  int seconds = 60;
  // Each connection waits for its batch's group commit (p50 ~15-23 ms), so
  // with 8 connections the run measures that wait, not the server: 8 gave
  // 45-49k events/s with a core to spare, 16 gave 59-62k. Senders keep
  // several requests in flight; 16 is the default.
  int connections = 16;
  bool postgres = true;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--mops" && i + 1 < argc)
      mops = argv[++i];
    else if (flag == "--seconds" && i + 1 < argc)
      seconds = std::stoi(argv[++i]);
    else if (flag == "--connections" && i + 1 < argc)
      connections = std::stoi(argv[++i]);
    else if (flag == "--no-postgres")
      postgres = false;
    else {
      fmt::print(
          stderr,
          "usage: tracking_load [--mops PATH] [--seconds N] [--connections C] [--no-postgres]\n");
      return 2;
    }
  }
  const fs::path dir = fs::temp_directory_path() / fmt::format("mops-tracking-load-{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::vector<Result> results;
  const int threads = connections;  // one worker per connection: each waits for its commit

  {
    const std::string ws = (dir / "sqlite.db").string();
    const std::string key = NewKey(mops, ws);
    Server s = Start(mops, ws, threads);
    results.push_back(Load("sqlite-batch", s, key, connections, 100, seconds));
    Stop(s);
    s = Start(mops, ws, threads * 2);
    results.push_back(Load("sqlite-single", s, key, connections * 2, 1, std::max(10, seconds / 3)));
    Stop(s);
  }
  if (postgres) {
    auto server = mops::test_support::PostgresServer::Shared();
    if (!server) {
      fmt::print(stderr, "PostgreSQL: {}\n", server.error().ToString());
    } else if (auto url = (*server)->CreateDatabase("tracking_load"); url) {
      const std::string key = NewKey(mops, *url);
      Server s = Start(mops, *url, threads);
      results.push_back(Load("postgres-batch", s, key, connections, 100, seconds));
      Stop(s);
    } else {
      fmt::print(stderr, "PostgreSQL: {}\n", url.error().ToString());
    }
  }

  fmt::print("{:<15} {:>5} {:>5} {:>7} {:>10} {:>11} {:>9} {:>8} {:>8} {:>7} {:>9} {:>8} {:>8}\n",
             "run", "conns", "batch", "seconds", "requests", "events/s", "req/s", "p50 ms",
             "p99 ms", "errors", "peak MB", "cpu s", "cpu us/ev");
  for (const Result& r : results) {
    const double events = static_cast<double>(r.requests) * r.batch;
    fmt::print(
        "{:<15} {:>5} {:>5} {:>7.1f} {:>10} {:>11.0f} {:>9.0f} {:>8.2f} {:>8.2f} {:>7} {:>9.1f} "
        "{:>8.1f} {:>8.1f}\n",
        r.name, r.connections, r.batch, r.seconds, r.requests, events / r.seconds,
        r.requests / r.seconds, r.p50, r.p99, r.errors, r.rss_kb / 1024.0, r.cpu_seconds,
        events > 0 ? r.cpu_seconds * 1e6 / events : 0.0);
  }
  fs::remove_all(dir);
  return 0;
}
