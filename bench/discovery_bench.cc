// Tech stack discovery on a 500-person company: a year of card transactions
// (200,000 rows, Ramp's export) and a 1,000,000-row sign-in log (Okta's
// System Log CSV), generated in memory, then read, matched, billed, folded
// into seats and reconciled with a 30-tool inventory. Target: discovery and
// reconciliation within 2 s. Prints a table; never fails.
//
//   discovery_bench [--spend-rows N] [--signin-rows N]
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "core/csv.h"
#include "stack/discovery/discovery.h"

namespace {

using mops::core::Timestamp;
using namespace mops::stack;
using namespace mops::stack::discovery;

constexpr int64_t kDay = 86400;
constexpr Timestamp kAsOf = 1782777600;  // 2026-06-30

double PeakMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

uint64_t Next(uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

constexpr const char* kSaas[] = {"SALESFORCE.COM",
                                 "HUBSPOT INC 888-482-7768 MA",
                                 "ZOOM.US 888-799-9666",
                                 "LINKEDIN *SALES NAV",
                                 "SP * CANVA",
                                 "GONG.IO",
                                 "OUTREACH.IO",
                                 "SALESLOFT INC",
                                 "ZOOMINFO TECHNOLOGIES",
                                 "CLEARBIT",
                                 "6SENSE INSIGHTS",
                                 "SEGMENT.IO",
                                 "HOTJAR LTD MALTA",
                                 "DRIFT.COM",
                                 "CALENDLY",
                                 "SEMRUSH",
                                 "FIGMA",
                                 "ADOBE CREATIVE CLD",
                                 "TYPEFORM",
                                 "MAILCHIMP",
                                 "ASANA",
                                 "AIRTABLE",
                                 "MONDAY.COM",
                                 "WEBFLOW",
                                 "VIDYARD",
                                 "WISTIA",
                                 "AMPLITUDE",
                                 "MIXPANEL",
                                 "INTERCOM",
                                 "SPROUTSOCIAL",
                                 "LOOM.COM SUBSCRIPTION",
                                 "NOTION LABS INC",
                                 "SLACK TECHNOLOGIES",
                                 "DROPBOX*SUB",
                                 "1PASSWORD"};
constexpr const char* kApps[] = {"Salesforce",    "HubSpot",
                                 "Zoom Webinars", "LinkedIn Sales Navigator",
                                 "Canva",         "Gong",
                                 "Outreach",      "Salesloft",
                                 "ZoomInfo",      "Clearbit",
                                 "6sense",        "Segment",
                                 "Hotjar",        "Drift",
                                 "Calendly",      "Semrush",
                                 "Figma",         "Adobe Creative Cloud",
                                 "Typeform",      "Mailchimp",
                                 "Asana",         "Airtable",
                                 "monday.com",    "Webflow",
                                 "Vidyard",       "Wistia",
                                 "Amplitude",     "Mixpanel",
                                 "Intercom",      "Sprout Social",
                                 "Notion",        "Slack",
                                 "Dropbox",       "1Password",
                                 "Okta Dashboard"};

std::string SpendCsv(int rows) {
  uint64_t s = 0x9E3779B97F4A7C15ull;
  mops::core::CsvWriter w;
  w.Row({"Date", "Merchant", "Amount", "Currency", "Original Amount", "Original Currency", "User",
         "Card", "Department", "Ramp Category", "Memo"});
  const Timestamp start = kAsOf - 365 * kDay;
  for (int i = 0; i < rows; ++i) {
    const int person = static_cast<int>(Next(s) % 500);
    std::string merchant;
    Timestamp date;
    int64_t cents;
    if (i % 10 == 0) {  // a subscription: monthly on the person's day
      const size_t m = Next(s) % std::size(kSaas);
      merchant = kSaas[m];
      date = start + static_cast<int64_t>((person * 7 + m) % 28 + (i / 10 % 12) * 30) * kDay;
      cents = 1000 + static_cast<int64_t>(m) * 2500;
    } else {  // everyday spend: 3,000 merchants
      merchant = fmt::format("MERCHANT {} STORE", Next(s) % 3000);
      date = start + static_cast<int64_t>(Next(s) % 365) * kDay;
      cents = static_cast<int64_t>(Next(s) % 50000) + 100;
    }
    if (i % 97 == 0) cents = -cents;
    const mops::core::CivilDate d = mops::core::CivilFromDays(date / kDay);
    w.Row({fmt::format("{:02}/{:02}/{:04}", d.month, d.day, d.year), merchant,
           mops::core::FormatMoneyMinor(cents), "USD", "", "", fmt::format("Person {}", person),
           fmt::format("{:04}", 1000 + person), person % 3 == 0 ? "Marketing" : "Sales", "Software",
           ""});
  }
  return w.data();
}

std::string SigninCsv(int rows) {
  uint64_t s = 0xD1B54A32D192ED03ull;
  mops::core::CsvWriter w;
  w.Row({"uuid", "published", "eventType", "displayMessage", "outcome.result", "actor.alternateId",
         "actor.displayName", "target.displayName"});
  for (int i = 0; i < rows; ++i) {
    const int person = static_cast<int>(Next(s) % 500);
    const size_t app = Next(s) % std::size(kApps);
    const Timestamp t = kAsOf - static_cast<int64_t>(Next(s) % (180 * kDay));
    w.Row({fmt::format("e{}", i), mops::core::FormatTimestamp(t),
           i % 20 == 0 ? "user.session.start" : "user.authentication.sso",
           "User single sign on to app", i % 50 == 0 ? "FAILURE" : "SUCCESS",
           fmt::format("person{}@example.com", person), fmt::format("Person {}", person),
           kApps[app]});
  }
  return w.data();
}

Stack Inventory() {
  Stack stack;
  for (size_t i = 0; i < 30; ++i) {
    Tool t;
    t.id = static_cast<int64_t>(i + 1);
    t.name = kApps[i];
    t.annual_cost = 100000 * static_cast<int64_t>(i + 1);
    t.currency = "USD";
    t.seats = 50;
    t.active_seats = 40;
    stack.tools.push_back(t);
  }
  Resolve(stack);
  return stack;
}

// Wall time of f; its CPU time (this process) is added to `cpu`. On a shared
// machine the CPU time is the cost of the work itself.
double last_cpu = 0;
template <typename F>
double Seconds(F&& f) {
  const std::clock_t c0 = std::clock();
  const auto t0 = std::chrono::steady_clock::now();
  f();
  last_cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  int spend_rows = 200000, signin_rows = 1000000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--spend-rows") == 0) spend_rows = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--signin-rows") == 0) signin_rows = std::atoi(argv[i + 1]);
  }
  const std::string spend_csv = SpendCsv(spend_rows);
  const std::string signin_csv = SigninCsv(signin_rows);
  const Stack stack = Inventory();
  fmt::print("{:<34} {:>10} {:>10} {:>10} {:>14} {:>10}\n", "stage", "rows", "time_s", "cpu_s",
             "rows_per_s", "peak_mb");
  double total_cpu = 0;
  const auto row = [&](std::string_view stage, int64_t n, double s, double cpu = -1) {
    if (cpu < 0) cpu = last_cpu, total_cpu += last_cpu;
    fmt::print("{:<34} {:>10} {:>10.3f} {:>10.3f} {:>14.0f} {:>10.1f}\n", stage, n, s, cpu,
               s > 0 ? static_cast<double>(n) / s : 0.0, PeakMb());
  };
  double total = 0;
  SpendFile spend;
  double t = Seconds([&] {
    SpendReadOptions o;
    o.file_name = "bench.csv";
    spend = *ReadSpend(spend_csv, o);
  });
  row("read spend (Ramp CSV)", spend_rows, t);
  total += t;
  const Matcher matcher;
  SpendReport spend_report;
  t = Seconds([&] { spend_report = AnalyzeSpend(spend.rows, matcher, kAsOf); });
  row("match + bill spend", spend_rows, t);
  total += t;
  UsageFile usage;
  t = Seconds([&] { usage = *ReadUsage(signin_csv, {}); });
  row("read + fold sign-ins (Okta log)", signin_rows, t);
  total += t;
  UsageReport usage_report;
  t = Seconds([&] { usage_report = AnalyzeUsage(usage.pairs, matcher, kAsOf); });
  row("seats per tool", static_cast<int64_t>(usage.pairs.size()), t);
  total += t;
  ReconcileReport reconcile;
  size_t changes = 0;
  t = Seconds([&] {
    reconcile = Reconcile(stack, spend_report, usage_report);
    changes = PlanApply(stack, reconcile, spend_report, usage_report, matcher).size();
  });
  row("reconcile + apply plan", static_cast<int64_t>(reconcile.lines.size()), t);
  total += t;
  row("total (target <= 2 s)", spend_rows + signin_rows, total, total_cpu);
  fmt::print(
      "\n{} tools paid ({} shadow), {} unmatched merchants, {} (user, app) pairs, {} apply "
      "changes\n",
      spend_report.tools.size(), reconcile.shadow, spend_report.unmatched.size(),
      usage.pairs.size(), changes);
  return 0;
}
