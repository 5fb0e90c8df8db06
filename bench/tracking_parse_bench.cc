// tracking_parse_bench: the request workers' share of a batched event, alone:
// ParseBody (nlohmann's SAX parser into flat arrays) and ParseBodyWithTree
// (nlohmann's tree) on the batch body tracking_load sends (100 events of
// ~250 bytes) and on a browser-like batch (page context, campaign, traits,
// properties). Prints CPU time (this thread's, steady on a shared machine),
// wall time, events/s and peak memory per run.
//
//   tracking_parse_bench [--bodies N]
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/tracking_bodies.h"
#include "tracking/engine.h"

namespace {

using mops::tracking::ParsedBody;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The body tracking_load sends.
std::string LoadBody(int seq) { return mops::bench::TrackingBatchBody("bench", 3, seq, 100); }

// What analytics.js sends from a browser: a full context per event.
std::string BrowserBody(int seq) {
  std::string body = R"({"batch":[)";
  for (int i = 0; i < 100; ++i) {
    body += fmt::format(
        R"({}{{"type":"{}","anonymousId":"0f3c{}-{}","userId":null,"messageId":"ajs-next-{}-{}","event":"Demo Requested","properties":{{"plan":"team","revenue":{},"currency":"EUR","path":"/pricing"}},"context":{{"page":{{"path":"/pricing","referrer":"https://www.google.com/","search":"?utm_source=google&utm_medium=cpc&gclid=Cj0K{}","title":"Pricing \u2014 Acme","url":"https://www.acme.example/pricing?utm_source=google&utm_medium=cpc&gclid=Cj0K{}"}},"userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36","locale":"de-DE","library":{{"name":"analytics.js","version":"next-1.84.0"}},"campaign":{{"source":"google","medium":"cpc","name":"spring \"sale\""}},"traits":{{"email":"jane{}@example.com"}}}},"originalTimestamp":"2024-06-01T11:59:59.{:03}Z","timestamp":"2024-06-01T11:59:59.{:03}Z"}})",
        i == 0 ? "" : ",", i % 3 == 0 ? "track" : "page", seq, i, seq, i, i * 10, i, i, i, i, i);
  }
  body += R"(],"sentAt":"2024-06-01T12:00:00.000Z","writeKey":"wk_bench"})";
  return body;
}

struct Row {
  std::string run;
  std::string parser;
  size_t bodies = 0;
  size_t bytes = 0;
  size_t events = 0;
  double cpu = 0;
  double wall = 0;
  double peak_mb = 0;
};

Row Measure(const std::string& run, const std::string& parser,
            const std::vector<std::string>& bodies, bool sax) {
  Row row{run, parser};
  const auto start = std::chrono::steady_clock::now();
  const double cpu0 = ThreadCpuSeconds();
  for (const std::string& body : bodies) {
    auto parsed = sax ? mops::tracking::ParseBody(body, std::nullopt, 1'717'243'200'000)
                      : mops::tracking::ParseBodyWithTree(body, std::nullopt, 1'717'243'200'000);
    if (!parsed) mops::bench::Die(parsed.error());
    if (!parsed->rejected.empty()) {
      fmt::print(stderr, "refused: {}\n", parsed->rejected[0].reason);
      std::exit(1);
    }
    row.events += parsed->events.size();
    row.bytes += body.size();
  }
  row.cpu = ThreadCpuSeconds() - cpu0;
  row.wall = mops::bench::Since(start);
  row.bodies = bodies.size();
  row.peak_mb = mops::bench::PeakMb();
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 2000;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--bodies" && i + 1 < argc) {
      n = std::stoi(argv[++i]);
    } else {
      fmt::print(stderr, "usage: tracking_parse_bench [--bodies N]\n");
      return 2;
    }
  }
  std::vector<Row> rows;
  for (const auto& [run, make] :
       {std::pair<std::string, std::string (*)(int)>{"load-batch", LoadBody},
        std::pair<std::string, std::string (*)(int)>{"browser-batch", BrowserBody}}) {
    std::vector<std::string> bodies;
    for (int i = 0; i < n; ++i) bodies.push_back(make(i));
    // Warm both (the SAX parse keeps its arrays per thread), then measure
    // each twice, alternating.
    Measure(run, "tree", {bodies.begin(), bodies.begin() + 10}, false);
    Measure(run, "sax", {bodies.begin(), bodies.begin() + 10}, true);
    for (int round = 0; round < 2; ++round) {
      rows.push_back(Measure(run, "tree", bodies, false));
      rows.push_back(Measure(run, "sax", bodies, true));
    }
  }
  fmt::print("{:<14} {:<6} {:>7} {:>9} {:>9} {:>8} {:>8} {:>10} {:>9} {:>8}\n", "run", "parser",
             "bodies", "MB", "events", "cpu s", "wall s", "events/s", "cpu us/ev", "peak MB");
  for (const Row& r : rows) {
    fmt::print("{:<14} {:<6} {:>7} {:>9.1f} {:>9} {:>8.3f} {:>8.3f} {:>10.0f} {:>9.2f} {:>8.1f}\n",
               r.run, r.parser, r.bodies, static_cast<double>(r.bytes) / 1e6, r.events, r.cpu,
               r.wall, static_cast<double>(r.events) / r.cpu,
               r.cpu * 1e6 / static_cast<double>(r.events), r.peak_mb);
  }
  return 0;
}
