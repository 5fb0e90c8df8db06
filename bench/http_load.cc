// http_load: the HTTP server under load. Serves the demo company (scale 1)
// with a real `mops serve`, drives it with Debian's wrk at 1, 50 and 200
// connections over every GET the dashboard's overview, attribution, quality
// and stack pages make, then again at 50 connections beside 1,000 slowloris
// connections (one header byte every 5 s). Prints requests/s, latency
// percentiles, errors and the server's RSS before and after each phase.
//
//   http_load [--mops PATH] [--seconds N] [--dir DIR]
#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/security/raw_http.h"

namespace {

namespace raw = mops::rawhttp;
using Json = nlohmann::json;

struct WrkResult {
  double rps = 0, p50 = 0, p99 = 0, p999 = 0;
  long errors = 0;
  long requests = 0;
};

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

WrkResult Wrk(int port, int connections, int seconds, const std::string& lua,
              const std::string& token, const std::string& paths) {
  const int threads = std::min(connections, 2);
  const std::string cmd = fmt::format(
      "MOPS_TOKEN='{}' MOPS_PATHS='{}' wrk -t{} -c{} -d{}s --timeout 5s -s '{}' "
      "http://127.0.0.1:{}/ 2>&1",
      token, paths, threads, connections, seconds, lua, port);
  const std::string out = Run(cmd);
  WrkResult r;
  const size_t at = out.find("MOPS_RESULT ");
  if (at == std::string::npos) {
    fmt::print(stderr, "wrk gave no result:\n{}\n", out);
    return r;
  }
  long requests = 0, duration_us = 0, connect = 0, read = 0, write = 0, status = 0, timeout = 0;
  std::sscanf(out.c_str() + at, "MOPS_RESULT %ld %ld %ld %ld %ld %ld %ld %lf %lf %lf", &requests,
              &duration_us, &connect, &read, &write, &status, &timeout, &r.p50, &r.p99, &r.p999);
  r.requests = requests;
  r.rps =
      duration_us > 0 ? static_cast<double>(requests) * 1e6 / static_cast<double>(duration_us) : 0;
  r.errors = connect + read + write + status + timeout;
  return r;
}

// Opens `count` connections that each send a request head one byte every
// 5 s, until `stop`; reopens the ones the server closes.
class Slowloris {
 public:
  Slowloris(int port, int count) : port_(port) {
    fds_.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) fds_.push_back(Open());
    thread_ = std::thread([this] {
      while (!stop_) {
        for (int& fd : fds_) {
          if (fd < 0 || !raw::SendAll(fd, "X")) {
            if (fd >= 0) ::close(fd);
            fd = Open();
            ++reopened_;
          }
        }
        for (int i = 0; i < 50 && !stop_; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      }
    });
  }
  ~Slowloris() {
    stop_ = true;
    thread_.join();
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }
  long reopened() const { return reopened_; }

 private:
  int Open() {
    const int fd = raw::Connect(port_);
    if (fd >= 0) raw::SendAll(fd, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: ");
    return fd;
  }
  int port_;
  std::vector<int> fds_;
  std::atomic<bool> stop_ = false;
  std::atomic<long> reopened_ = 0;
  std::thread thread_;
};

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

double TimeMs(int port, const std::string& request) {
  const auto start = std::chrono::steady_clock::now();
  const raw::Response r = raw::Exchange(port, request, 10000);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return r.status == 200 ? ms : -ms;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mops = MOPS_BENCH_BIN;
  int seconds = 10;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "mops_http_load";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--mops") mops = argv[i + 1];
    if (flag == "--seconds") seconds = std::atoi(argv[i + 1]);
    if (flag == "--dir") dir = argv[i + 1];
  }
  const std::string lua = std::string(MOPS_SOURCE_DIR) + "/bench/http_load.lua";
  raw::RaiseFileLimit();
  std::filesystem::create_directories(dir);
  const std::string workspace = (dir / "mops.db").string();
  const int port = raw::FreePort();

  if (!std::filesystem::exists(workspace)) {
    fmt::print("building the demo workspace at scale 1 in {} (once)\n", dir.string());
    raw::Process demo(
        mops, {"--workspace", workspace, "demo", "--scale", "1", "--port", std::to_string(port)},
        (dir / "demo.log").string());
    if (!demo.WaitHealthy(port, 900)) {
      fmt::print(stderr, "demo did not start:\n{}\n", demo.Output());
      return 1;
    }
  }
  std::string token =
      Run(fmt::format("'{}' --workspace '{}' token create --role admin --name "
                      "http_load 2>&1",
                      mops, workspace));
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (!token.starts_with("mops_")) {
    fmt::print(stderr, "token create failed: {}\n", token);
    return 1;
  }

  raw::Process server(mops, {"--workspace", workspace, "serve", "--port", std::to_string(port)},
                      (dir / "serve.log").string());
  if (!server.WaitHealthy(port, 60)) {
    fmt::print(stderr, "serve did not start:\n{}\n", server.Output());
    return 1;
  }
  const std::string auth = "Authorization: Bearer " + token + "\r\n";

  // The dashboard's GETs. An attribution run first, so that the run routes
  // have one to show.
  char today[16];
  const std::time_t now = std::time(nullptr);
  std::strftime(today, sizeof today, "%Y-%m-%d", std::gmtime(&now));
  std::vector<std::string> paths = {
      "/api/v1/me",
      "/api/v1/overview",
      "/api/v1/touchpoints/weekly",
      "/api/v1/attribution/runs?limit=50",
      "/api/v1/quality/review?entity=contacts",
      "/api/v1/quality/review?entity=accounts",
      "/api/v1/quality/check",
      "/api/v1/quality/scores",
      "/api/v1/quality/merges",
  };
  for (const char* page : {"audit", "tools", "overlap", "graph", "renewals"}) {
    paths.push_back(fmt::format("/api/v1/stack/{}?as_of={}&stage=growth", page, today));
  }
  const std::string run_body = R"({"conversion":"created"})";
  raw::Response run = raw::Exchange(
      port,
      "POST /api/v1/attribution/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
          "Content-Type: application/json\r\nContent-Length: " + std::to_string(run_body.size()) +
          "\r\nConnection: close\r\n\r\n" + run_body,
      120000);
  raw::Response runs = raw::Exchange(port, raw::Get("/api/v1/attribution/runs?limit=1", auth));
  try {
    Json doc = Json::parse(runs.body);
    if (!doc["items"].empty()) {
      const auto id = doc["items"][0]["id"].get<int64_t>();
      paths.push_back(fmt::format("/api/v1/attribution/runs/{}", id));
      // The credits of the run's first channel, as the page asks on a click.
      const raw::Response detail =
          raw::Exchange(port, raw::Get(fmt::format("/api/v1/attribution/runs/{}", id), auth));
      std::string channel;
      std::function<void(const Json&)> find = [&](const Json& j) {
        if (!channel.empty()) return;
        if (j.is_object()) {
          if (j.contains("channel") && j["channel"].is_string()) {
            channel = j["channel"].get<std::string>();
            return;
          }
          for (const auto& [k, v] : j.items()) find(v);
        } else if (j.is_array()) {
          for (const auto& v : j) find(v);
        }
      };
      find(Json::parse(detail.body, nullptr, false));
      if (!channel.empty()) {
        paths.push_back(
            fmt::format("/api/v1/attribution/runs/{}/credits?model=linear&channel={}&limit=50", id,
                        UrlEncode(channel)));
      }
    }
  } catch (const std::exception&) {
    fmt::print(stderr, "no attribution run (POST gave {}): run routes left out\n", run.status);
  }
  std::string joined;
  for (const auto& p : paths) {
    const raw::Response r = raw::Exchange(port, raw::Get(p, auth), 60000);
    fmt::print("  warm-up {:3} {}\n", r.status, p);
    joined += p + " ";
  }

  fmt::print("\nhttp_load: mops serve, demo workspace at scale 1, {} GET paths, {} s per phase\n",
             paths.size(), seconds);
  fmt::print("{:<26} {:>6} {:>10} {:>9} {:>9} {:>9} {:>7} {:>10} {:>10}\n", "phase", "conns",
             "req/s", "p50 ms", "p99 ms", "p99.9 ms", "errors", "RSS MB <", "RSS MB >");
  auto row = [&](const std::string& phase, int conns, const WrkResult& r, long before, long after) {
    fmt::print("{:<26} {:>6} {:>10.1f} {:>9.1f} {:>9.1f} {:>9.1f} {:>7} {:>10.1f} {:>10.1f}\n",
               phase, conns, r.rps, r.p50 / 1000.0, r.p99 / 1000.0, r.p999 / 1000.0, r.errors,
               static_cast<double>(before) / 1024.0, static_cast<double>(after) / 1024.0);
    std::fflush(stdout);
  };
  const long baseline = raw::RssKb(server.pid());
  for (int conns : {1, 50, 200}) {
    const long before = raw::RssKb(server.pid());
    const WrkResult r = Wrk(port, conns, seconds, lua, token, joined);
    row("dashboard GETs", conns, r, before, raw::RssKb(server.pid()));
  }

  // The server alone: a route that costs the database nothing much, so that
  // what is measured is connection handling (Nagle, keep-alive, threads).
  for (int conns : {50, 200}) {
    const long before = raw::RssKb(server.pid());
    const WrkResult r = Wrk(port, conns, seconds, lua, token, "/api/v1/me");
    row("GET /api/v1/me only", conns, r, before, raw::RssKb(server.pid()));
  }

  // Slowloris beside the load.
  const long before = raw::RssKb(server.pid());
  double health_ms = 0, page_ms = 0;
  long reopened = 0;
  WrkResult r;
  {
    Slowloris attack(port, 1000);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    std::thread probe([&] {
      std::this_thread::sleep_for(std::chrono::seconds(std::max(1, seconds / 2)));
      health_ms = TimeMs(port, raw::Get("/healthz"));
      page_ms = TimeMs(port, raw::Get("/"));
    });
    r = Wrk(port, 50, seconds, lua, token, joined);
    probe.join();
    reopened = attack.reopened();
  }
  std::this_thread::sleep_for(std::chrono::seconds(3));
  row("GETs + 1000 slowloris", 50, r, before, raw::RssKb(server.pid()));
  fmt::print(
      "\nduring slowloris: /healthz {:.1f} ms, dashboard GET / {:.1f} ms from a fresh client "
      "(negative: failed); slow connections reopened after a close: {}\n",
      health_ms, page_ms, reopened);
  fmt::print("RSS: baseline {:.1f} MB, after everything {:.1f} MB\n",
             static_cast<double>(baseline) / 1024.0,
             static_cast<double>(raw::RssKb(server.pid())) / 1024.0);
  server.Stop();
  return 0;
}
