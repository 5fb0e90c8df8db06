// Touches from CRM objects at scale: a synthetic Salesforce org in Data
// Loader layout (accounts, contacts with a LeadSource, 200 campaigns of the
// standard types, N campaign members dated by Added_Date__c) imported into a
// SQLite workspace. Rows:
//   campaign members (new)      the member import, its N touches derived in it
//   campaign members (again)    the same file again: N touches updated in place
//   re-derive from campaigns    a 200-row campaigns import that re-derives
//                               every member touch (the derivation alone,
//                               nearly): rows = member touches
// Prints rows, seconds, rows/s, CPU seconds and peak RSS. Not a test.
//
//   crm_touches_bench [--rows N ...] [--dir DIR]   (default 100,000 and 1,000,000)
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "ingest/ingest.h"
#include "store/database.h"

namespace {

using mops::ingest::Kind;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

// An 18-character-looking id: prefix, zero padding, the number.
std::string Id(std::string_view prefix, int64_t n) {
  return fmt::format("{}{:0>12}AAA", prefix, n);
}

constexpr const char* kTypes[] = {"Webinar",       "Email",    "Trade Show",  "event",
                                  "Web Marketing", "Partners", "Direct Mail", "Advertisement",
                                  "Telemarketing", "Podcast"};
constexpr const char* kSources[] = {"Web", "Partner Referral", "Trade Show", "Advertisement", ""};
constexpr int kCampaigns = 200;

struct Files {
  std::filesystem::path accounts, contacts, campaigns, members;
};

Files WriteOrg(const std::filesystem::path& dir, int64_t members) {
  const int64_t contacts = std::max<int64_t>(members / 4, 1);
  const int64_t accounts = std::max<int64_t>(contacts / 10, 1);
  std::mt19937_64 rng(42);
  Files f{dir / "Account.csv", dir / "Contact.csv", dir / "Campaign.csv",
          dir / fmt::format("CampaignMember-{}.csv", members)};
  std::string csv = "\"Id\",\"Name\",\"Website\",\"CreatedDate\"\n";
  for (int64_t a = 0; a < accounts; ++a) {
    csv += fmt::format("\"{}\",\"Company {}\",\"company{}.example\",\"2024-01-02T10:00:00.000Z\"\n",
                       Id("001", a), a, a);
  }
  WriteFile(f.accounts, csv);
  csv =
      "\"Id\",\"AccountId\",\"FirstName\",\"LastName\",\"Email\",\"LeadSource\",\"CreatedDate\"\n";
  for (int64_t c = 0; c < contacts; ++c) {
    csv += fmt::format(
        "\"{}\",\"{}\",\"First{}\",\"Last{}\",\"person{}@company{}.example\",\"{}\","
        "\"2024-0{}-{:02}T09:{:02}:00.000Z\"\n",
        Id("003", c), Id("001", c % accounts), c, c, c, c % accounts, kSources[c % 5], 1 + c % 9,
        1 + c % 28, c % 60);
  }
  WriteFile(f.contacts, csv);
  csv = "\"Id\",\"Name\",\"Type\",\"Status\",\"StartDate\",\"CreatedDate\"\n";
  for (int c = 0; c < kCampaigns; ++c) {
    csv += fmt::format(
        "\"{}\",\"Campaign {}\",\"{}\",\"Completed\",\"2024-01-01\","
        "\"2024-06-01T08:00:00.000Z\"\n",
        Id("701", c), c, kTypes[c % 10]);
  }
  WriteFile(f.campaigns, csv);
  csv =
      "\"Id\",\"CampaignId\",\"LeadId\",\"ContactId\",\"Status\",\"HasResponded\","
      "\"FirstRespondedDate\",\"Added_Date__c\",\"CreatedDate\"\n";
  csv.reserve(static_cast<size_t>(members) * 150);
  for (int64_t m = 0; m < members; ++m) {
    const bool responded = rng() % 3 == 0;
    const int64_t contact = static_cast<int64_t>(rng() % static_cast<uint64_t>(contacts));
    csv += fmt::format(
        "\"{}\",\"{}\",\"\",\"{}\",\"{}\",\"{}\",\"{}\",\"2024-0{}-{:02}\","
        "\"2024-06-01T08:00:00.000Z\"\n",
        Id("00v", m), Id("701", static_cast<int64_t>(rng() % kCampaigns)), Id("003", contact),
        responded ? "Responded" : "Sent", responded ? "true" : "false",
        responded ? fmt::format("2024-0{}-{:02}", 1 + m % 9, 1 + m % 28) : "", 1 + m % 9,
        1 + (m / 9) % 28);
  }
  WriteFile(f.members, csv);
  return f;
}

void Timed(mops::store::Database& db, Kind kind, const std::filesystem::path& path,
           std::string_view label, bool print, int64_t rows_override = -1) {
  mops::ingest::ImportOptions options;
  options.preset = mops::ingest::Preset::kSalesforce;
  options.rejects_path = path.string() + ".rejects.csv";
  if (kind == Kind::kCampaignMembers) options.member_date_column = "Added_Date__c";
  const auto start = std::chrono::steady_clock::now();
  const double cpu = CpuSeconds();
  auto summary = mops::ingest::ImportFile(db, kind, path.string(), options);
  const double seconds = mops::bench::Since(start);
  if (!summary) mops::bench::Die(summary.error());
  if (summary->rejected > 0) std::fprintf(stderr, "unexpected: %s", summary->ToText().c_str());
  if (!print) return;
  const int64_t rows = rows_override >= 0 ? rows_override : summary->rows;
  std::printf("%-28s %10lld %9.3f %12.0f %9.3f %11.1f\n", std::string(label).c_str(),
              static_cast<long long>(rows), seconds, seconds > 0 ? rows / seconds : 0.0,
              CpuSeconds() - cpu, mops::bench::PeakMb());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> scales;
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("mops-crm-touches-bench-" + std::to_string(::getpid()));
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--rows" && i + 1 < argc) {
      scales.push_back(std::stoll(argv[++i]));
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: crm_touches_bench [--rows N ...] [--dir DIR]\n");
      return 2;
    }
  }
  if (scales.empty()) scales = {100000, 1000000};
  std::filesystem::create_directories(dir);
  std::printf("%-28s %10s %9s %12s %9s %11s\n", "step", "rows", "seconds", "rows/s", "cpu s",
              "peak RSS MB");
  for (int64_t members : scales) {
    const Files files = WriteOrg(dir, members);
    const std::string db_path = (dir / fmt::format("bench-{}.db", members)).string();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix);
    auto db = mops::store::Open(db_path);
    if (!db) mops::bench::Die(db.error());
    if (auto migrated = mops::store::Migrate(**db); !migrated) mops::bench::Die(migrated.error());
    Timed(**db, Kind::kAccounts, files.accounts, "accounts", false);
    Timed(**db, Kind::kContacts, files.contacts, "contacts", false);
    Timed(**db, Kind::kCampaigns, files.campaigns, "campaigns", false);
    Timed(**db, Kind::kCampaignMembers, files.members, "campaign members (new)", true);
    Timed(**db, Kind::kCampaignMembers, files.members, "campaign members (again)", true);
    auto touches =
        (*db)->QueryValue("SELECT COUNT(*) FROM touchpoints WHERE type = 'campaign_member'");
    if (!touches) mops::bench::Die(touches.error());
    Timed(**db, Kind::kCampaigns, files.campaigns, "re-derive from campaigns", true,
          mops::store::AsInt(*touches));
    db->reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
