// The stack audit (every engine: overlap, utilization, renewals, integration
// graph, gaps, cost, findings) on synthetic stacks of 20, 200 and 2,000
// tools drawn from the product catalog, with about 1.5 integrations per tool
// (a hub-and-spoke around the CRM, links between neighbours, some failing,
// stale or missing).
//
//   stack_bench [--tools N ...] [--seed S]
//
// Prints tools, integrations, findings, the median wall time of the audit,
// tools audited per second and the process's peak RSS (the RSS includes the
// smaller runs before it). Not a test: it never fails on a slow machine.
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/strings.h"
#include "core/time.h"
#include "stack/stack.h"

namespace {

using namespace mops::stack;

constexpr int64_t kDay = mops::core::kSecondsPerDay;
const Timestamp kToday = mops::core::DaysFromCivil(2026, 6, 30) * kDay;

double PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// Tool 0 is the CRM; the others cycle through the catalog (a large company
// runs several instances of a product: regions, business units).
Stack MakeStack(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto uniform = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  };
  const auto catalog = Catalog();
  Stack s;
  s.tools.reserve(n);
  for (int i = 0; i < n; ++i) {
    const Product& p = i == 0 ? *FindProduct("Salesforce") : catalog[i % catalog.size()];
    Tool t;
    const int copy = static_cast<int>(i / catalog.size());
    t.name = copy == 0 ? std::string(p.name) : fmt::format("{} ({})", p.name, copy + 1);
    t.vendor = p.vendor;
    t.category = p.category;
    for (std::string_view c : mops::core::Split(p.capabilities, ';'))
      t.capabilities.emplace_back(c);
    t.owner = fmt::format("Owner {}", i % 40);
    t.annual_cost = uniform(0, 9) == 0 ? 0 : uniform(1200, 150000) * 100;
    t.currency = "USD";
    t.billing_period = "annual";
    t.seats = uniform(1, 80);
    t.active_seats = uniform(0, *t.seats);
    t.renewal_date = kToday + uniform(-30, 365) * kDay;
    t.notice_days = std::vector<int64_t>{0, 30, 60, 90}[uniform(0, 3)];
    t.auto_renew = uniform(0, 3) != 0;
    t.status = uniform(0, 19) == 0 ? "retired" : uniform(0, 19) == 0 ? "evaluating" : "active";
    if (i == 0) t.status = "active";
    s.tools.push_back(std::move(t));
  }
  const auto link = [&](int32_t from, int32_t to) {
    Integration in;
    in.from = from;
    in.to = to;
    in.objects = {"contacts", "accounts"};
    in.direction = uniform(0, 2) == 0 ? "two_way" : "one_way";
    in.frequency = std::vector<std::string>{"realtime", "hourly", "daily", "weekly"}[uniform(0, 3)];
    const int64_t roll = uniform(0, 99);
    in.status = roll < 5 ? "failing" : roll < 8 ? "paused" : "active";
    in.last_sync_at = kToday - uniform(60, 40 * kDay);
    in.error_rate = static_cast<double>(uniform(0, 80)) / 1000.0;
    s.integrations.push_back(std::move(in));
  };
  for (int32_t i = 1; i < n; ++i) {
    const int64_t roll = uniform(0, 99);
    if (roll < 55) {
      link(i, 0);
    } else if (roll < 90) {
      link(i, static_cast<int32_t>(uniform(0, i - 1)));
    }  // else: no link of its own (a possible island)
    if (uniform(0, 1) == 0) link(static_cast<int32_t>(uniform(0, n - 1)), i);
  }
  Resolve(s);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes;
  uint64_t seed = 42;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--tools") == 0 && i + 1 < argc) {
      sizes.push_back(std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: stack_bench [--tools N ...] [--seed S]\n");
      return 2;
    }
  }
  if (sizes.empty()) sizes = {20, 200, 2000};

  fmt::print("{:>7} {:>12} {:>9} {:>6} {:>12} {:>14} {:>13}\n", "tools", "integrations", "findings",
             "runs", "audit_ms", "tools_per_s", "peak_rss_mb");
  for (int n : sizes) {
    if (n < 2) {
      std::fprintf(stderr, "--tools must be at least 2\n");
      return 2;
    }
    const Stack stack = MakeStack(n, seed);
    Options options;
    options.as_of = kToday;
    options.stage = Stage::kScale;
    // Enough runs for about a second of work, at least 3; the median is shown.
    std::vector<double> times;
    size_t findings = 0;
    double spent = 0;
    while (times.size() < 3 || (spent < 1.0 && times.size() < 1000)) {
      const auto start = std::chrono::steady_clock::now();
      const AuditReport audit = Audit(stack, options);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      findings = audit.findings.size();
      times.push_back(seconds);
      spent += seconds;
    }
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2];
    fmt::print("{:>7} {:>12} {:>9} {:>6} {:>12.3f} {:>14.0f} {:>13.1f}\n", n,
               stack.integrations.size(), findings, times.size(), median * 1000, n / median,
               PeakRssMb());
  }
  return 0;
}
