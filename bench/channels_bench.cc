// Channel rules: the engine classifying N touchpoints with the default rules
// (1M and 10M), and `reclassify` of a stored workspace of 1M touchpoints
// (dry run and the real write) on SQLite, and on PostgreSQL when
// MOPS_BENCH_POSTGRES_URL is set.
//
//   channels_bench [--classify N ...] [--stored N]
//
// The inputs mix what real touchpoints carry: UTM source and medium on about
// half, a referrer on a third, click ids on one in eight landing URLs, a
// touchpoint type that names the channel on one in ten; 50,000 distinct
// inputs, cycled. Each stage runs in a child process, so its peak memory is
// its own. Not a test: it never fails on a slow machine.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "ingest/channel_rules.h"
#include "store/database.h"
#include "tests/support/postgres_server.h"

namespace {

using mops::core::Status;
using mops::ingest::ChannelInputs;
using mops::store::Value;

struct Input {
  std::string source, medium, referrer, type, url;
};

std::vector<Input> MakeInputs(size_t n, uint64_t seed) {
  const char* sources[] = {"google",  "bing",         "linkedin",  "facebook", "newsletter", "g2",
                           "youtube", "partnerstack", "acme-blog", "twitter",  "hs_email"};
  const char* mediums[] = {"cpc",      "organic",   "email", "paid_social", "social", "display",
                           "referral", "affiliate", "cpm",   "(none)",      "podcast"};
  const char* referrers[] = {"https://www.google.com/",        "https://www.bing.com/search?q=x",
                             "https://www.linkedin.com/feed/", "https://t.co/abc",
                             "https://news.ycombinator.com/",  "https://mail.google.com/",
                             "https://www.g2.com/products/x",  "https://blog.partner.io/post"};
  const char* types[] = {"page_view", "page_view", "page_view", "form_submit", "ad_click",
                         "page_view", "signup",    "page_view", "page_view",   "webinar_attended"};
  const char* click_ids[] = {"gclid", "msclkid", "fbclid", "li_fat_id", "ttclid", "wbraid"};
  std::mt19937_64 rng(seed);
  std::vector<Input> out(n);
  for (size_t i = 0; i < n; ++i) {
    Input& in = out[i];
    if (rng() % 2 == 0) {
      in.source = sources[rng() % std::size(sources)];
      in.medium = mediums[rng() % std::size(mediums)];
    }
    if (rng() % 3 == 0) in.referrer = referrers[rng() % std::size(referrers)];
    in.type = types[rng() % std::size(types)];
    in.url = fmt::format("https://www.acme.example/page/{}", rng() % 500);
    if (rng() % 8 == 0) {
      in.url += fmt::format("?{}={:x}", click_ids[rng() % std::size(click_ids)], rng());
    }
  }
  return out;
}

struct Row {
  char stage[24];
  int64_t n;
  int64_t changed;
  double seconds;
  double peak_mb;
};

void SetPeak(Row& r, double peak) { r.peak_mb = peak; }

Row MakeRow(std::string_view stage, int64_t n, int64_t changed, double seconds) {
  Row r{};
  std::snprintf(r.stage, sizeof r.stage, "%.*s", static_cast<int>(stage.size()), stage.data());
  r.n = n;
  r.changed = changed;
  r.seconds = seconds;
  return r;
}

void Print(const std::vector<Row>& rows) {
  for (const Row& r : rows) {
    fmt::print("{:<22} {:>11} {:>10} {:>9.3f} {:>14.0f} {:>9.1f}\n", r.stage, r.n,
               r.changed < 0 ? std::string("-") : std::to_string(r.changed), r.seconds,
               static_cast<double>(r.n) / r.seconds, r.peak_mb);
  }
  std::fflush(stdout);
}

std::vector<Row> Classify(int64_t n) {
  const std::vector<Input> inputs = MakeInputs(50000, 42);
  const auto& rules = mops::ingest::DefaultChannelRules();
  std::map<std::string_view, int64_t> counts;
  std::vector<int64_t> per_channel(rules.rules().size() + 1);
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < n; ++i) {
    const Input& in = inputs[static_cast<size_t>(i) % inputs.size()];
    const auto m = mops::ingest::Classify(
        rules, ChannelInputs{in.source, in.medium, in.referrer, in.type, in.url});
    ++per_channel[m.rule < 0 ? rules.rules().size() : static_cast<size_t>(m.rule)];
  }
  const double seconds = mops::bench::Since(start);
  int64_t total = 0;
  for (int64_t c : per_channel) total += c;
  if (total != n) std::abort();
  return {MakeRow("classify", n, -1, seconds)};
}

Status Store(mops::store::Database& db, int64_t n) {
  const std::vector<Input> inputs = MakeInputs(50000, 7);
  MOPS_ASSIGN_OR_RETURN(mops::store::Transaction tx, mops::store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(
      auto insert,
      db.Prepare("INSERT INTO touchpoints (source_system, external_id, occurred_at, type, channel, "
                 "source, medium, referrer, url) VALUES ('bench', ?, ?, ?, 'other', ?, ?, ?, ?)"));
  std::vector<Value> params(7);
  auto text = [](const std::string& s) { return s.empty() ? Value() : Value(s); };
  for (int64_t k = 0; k < n; ++k) {
    const Input& in = inputs[static_cast<size_t>(k) % inputs.size()];
    params[0] = fmt::format("tp-{}", k);
    params[1] = int64_t{1672531200} + k * 29;
    params[2] = in.type;
    params[3] = text(in.source);
    params[4] = text(in.medium);
    params[5] = text(in.referrer);
    params[6] = text(in.url);
    MOPS_TRY(insert->ExecuteQueued(params));
  }
  MOPS_TRY(db.Flush());
  insert.reset();
  return tx.Commit();
}

std::vector<Row> Reclassify(const std::string& url, bool dry_run) {
  auto db = mops::store::Open(url);
  if (!db) mops::bench::Die(db.error());
  const auto rules = mops::ingest::LoadChannelRules(**db);
  if (!rules) mops::bench::Die(rules.error());
  mops::ingest::ReclassifyOptions options;
  options.dry_run = dry_run;
  const auto start = std::chrono::steady_clock::now();
  auto report = mops::ingest::ReclassifyTouchpoints(**db, *rules, options);
  if (!report) mops::bench::Die(report.error());
  return {MakeRow(dry_run ? "reclassify --dry-run" : "reclassify", report->touchpoints,
                  report->changed, mops::bench::Since(start))};
}

void RunStored(std::string_view backend, const std::string& url, int64_t n) {
  fmt::print("\n{} workspace of {} touchpoints (all stored as 'other')\n", backend, n);
  fmt::print("{:<22} {:>11} {:>10} {:>9} {:>14} {:>9}\n", "stage", "touchpoints", "changed",
             "seconds", "rows/s", "peak MB");
  Print(mops::bench::InChild<Row>(
      [&] {
        auto db = mops::store::Open(url);
        if (!db) mops::bench::Die(db.error());
        if (auto m = mops::store::Migrate(**db); !m) mops::bench::Die(m.error());
        const auto start = std::chrono::steady_clock::now();
        if (auto s = Store(**db, n); !s) mops::bench::Die(s.error());
        return std::vector<Row>{MakeRow("insert (setup)", n, -1, mops::bench::Since(start))};
      },
      SetPeak));
  Print(mops::bench::InChild<Row>([&] { return Reclassify(url, true); }, SetPeak));
  Print(mops::bench::InChild<Row>([&] { return Reclassify(url, false); }, SetPeak));
  // Nothing left to change.
  Print(mops::bench::InChild<Row>([&] { return Reclassify(url, false); }, SetPeak));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> sizes;
  int64_t stored = 1'000'000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--classify") == 0 && i + 1 < argc) {
      sizes.push_back(std::atoll(argv[++i]));
    } else if (std::strcmp(argv[i], "--stored") == 0 && i + 1 < argc) {
      stored = std::atoll(argv[++i]);
    } else {
      fmt::print(stderr, "usage: channels_bench [--classify N ...] [--stored N]\n");
      return 2;
    }
  }
  if (sizes.empty()) sizes = {1'000'000, 10'000'000};

  fmt::print("classify with the {} default rules (50,000 distinct inputs, cycled)\n",
             mops::ingest::DefaultChannelRules().rules().size());
  fmt::print("{:<22} {:>11} {:>10} {:>9} {:>14} {:>9}\n", "stage", "touchpoints", "changed",
             "seconds", "rows/s", "peak MB");
  for (int64_t n : sizes) Print(mops::bench::InChild<Row>([n] { return Classify(n); }, SetPeak));

  if (stored > 0) {
    const auto dir =
        std::filesystem::temp_directory_path() / fmt::format("mops-channels-bench-{}", getpid());
    std::filesystem::create_directories(dir);
    RunStored("sqlite", (dir / "ws.db").string(), stored);
    std::filesystem::remove_all(dir);
    if (const char* pg = std::getenv("MOPS_BENCH_POSTGRES_URL"); pg != nullptr && *pg != '\0') {
      const std::string name = fmt::format("mops_channels_bench_{}", getpid());
      auto admin = mops::store::Open(pg);
      if (!admin) mops::bench::Die(admin.error());
      if (auto s = (*admin)->ExecScript("CREATE DATABASE " + name); !s) mops::bench::Die(s.error());
      RunStored("postgresql", mops::test_support::WithDatabase(pg, name), stored);
      if (auto s = (*admin)->ExecScript("DROP DATABASE " + name); !s) mops::bench::Die(s.error());
    }
  }
  return 0;
}
