// Deduplication end to end in file mode (`mops quality dedup` without a
// config): generated contacts with planted duplicates (about 5%, each with
// a nickname, a typo, another e-mail or phone format, a company variant)
// at 10k, 100k and 1M rows, each in its own child process so that peak
// memory is per size.
//
//   dedup_bench [--rows N ...] [--threads T] [--dir DIR]
//
// Prints records, candidate pairs, seconds per stage (read, block, compare,
// EM, score, cluster, write), total, records/s, pairwise precision, recall
// and F1 against the planted truth, and the child's peak RSS. Not a test: it
// never fails on a slow machine.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/csv.h"
#include "quality/linkage/linkage.h"

namespace {

namespace lk = mops::quality::linkage;

struct FirstName {
  std::string_view name;
  std::string_view nickname;  // empty: none
};
constexpr FirstName kFirst[] = {
    {"Robert", "Bob"},
    {"William", "Bill"},
    {"James", "Jim"},
    {"Michael", "Mike"},
    {"Richard", "Rick"},
    {"Thomas", "Tom"},
    {"Christopher", "Chris"},
    {"Daniel", "Dan"},
    {"Matthew", "Matt"},
    {"Anthony", "Tony"},
    {"Joseph", "Joe"},
    {"Steven", "Steve"},
    {"Andrew", "Andy"},
    {"Jonathan", "Jon"},
    {"Nicholas", "Nick"},
    {"Alexander", "Alex"},
    {"Benjamin", "Ben"},
    {"Timothy", "Tim"},
    {"Kenneth", "Ken"},
    {"Edward", "Ted"},
    {"Charles", "Chuck"},
    {"Samuel", "Sam"},
    {"Patrick", "Pat"},
    {"Gregory", "Greg"},
    {"Jeffrey", "Jeff"},
    {"David", "Dave"},
    {"Kevin", ""},
    {"Brian", ""},
    {"Jason", ""},
    {"Ryan", ""},
    {"Eric", ""},
    {"Mark", ""},
    {"Elizabeth", "Liz"},
    {"Katherine", "Kate"},
    {"Jennifer", "Jen"},
    {"Margaret", "Peggy"},
    {"Patricia", "Trish"},
    {"Susan", "Sue"},
    {"Rebecca", "Becky"},
    {"Deborah", "Deb"},
    {"Samantha", "Sam"},
    {"Victoria", "Vicky"},
    {"Christine", "Chris"},
    {"Jessica", "Jess"},
    {"Alexandra", "Alex"},
    {"Kimberly", "Kim"},
    {"Stephanie", "Steph"},
    {"Abigail", "Abby"},
    {"Emily", ""},
    {"Sarah", ""},
    {"Laura", ""},
    {"Rachel", ""},
    {"Megan", ""},
    {"Olivia", ""},
    {"Emma", ""},
    {"Hannah", ""},
    {"Grace", ""},
    {"Chloe", ""},
    {"Priya", ""},
    {"Rahul", ""},
    {"Ananya", ""},
    {"Vikram", "Vik"},
    {"Arjun", ""},
    {"Wei", ""},
    {"Mei", ""},
    {"Hiroshi", ""},
    {"Yuki", ""},
    {"Lukas", ""},
    {"Anna", ""},
    {"Sophie", ""},
    {"Lea", ""},
    {"Jose", ""},
    {"Maria", ""},
    {"Lars", ""},
    {"Sanne", ""},
    {"Niamh", ""},
    {"Oliver", "Ollie"},
    {"Harry", ""},
    {"Isabella", "Bella"},
    {"Zoe", ""},
};
// Surnames are made of two syllables: a long tail, like real ones.
constexpr std::string_view kHead[] = {"Al",   "Bar", "Cor", "Dun", "El",  "Fer", "Gal", "Har",
                                      "Ing",  "Jan", "Kel", "Lin", "Mor", "Nor", "Ol",  "Par",
                                      "Quin", "Ros", "Sal", "Tor", "Ul",  "Van", "Wes", "Yor",
                                      "Zim",  "Bel", "Cas", "Dal", "Fen", "Hol"};
constexpr std::string_view kTail[] = {
    "ton",  "ley",   "son",  "man",  "berg", "wood", "field", "ford", "well", "ridge",
    "more", "stone", "ham",  "by",   "er",   "ez",   "ini",   "ova",  "sen",  "ski",
    "wick", "worth", "land", "mont", "dale", "cott", "ard",   "ing",  "ow",   "ish"};
constexpr std::string_view kCities[] = {"New York",  "London", "Berlin", "Paris",   "Austin",
                                        "Toronto",   "Sydney", "Madrid", "Chicago", "Boston",
                                        "Seattle",   "Denver", "Munich", "Dublin",  "Amsterdam",
                                        "Singapore", "Tokyo",  "Milan",  "Oslo",    "Zurich"};
constexpr std::string_view kCompanyWords[] = {
    "Acme",   "Nova",   "Blue",  "Peak", "Iron",   "Star",   "Cloud",   "River", "North", "Bright",
    "Vertex", "Summit", "Cedar", "Echo", "Falcon", "Harbor", "Quantum", "Lumen", "Orbit", "Pixel"};
constexpr std::string_view kCompanyKinds[] = {"Labs",  "Systems",  "Software",  "Health",
                                              "Media", "Partners", "Analytics", "Logistics"};

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  double Uniform01() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Uniform01() < p; }

 private:
  uint64_t s_;
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Typo(std::string s, Rng& rng) {
  if (s.size() < 4) return s + s.back();
  const size_t i = 1 + rng.Below(s.size() - 2);
  switch (rng.Below(3)) {
    case 0:
      std::swap(s[i], s[i + 1]);
      break;
    case 1:
      s.erase(i, 1);
      break;
    default:
      s.insert(i, 1, s[i]);
  }
  return s;
}

struct Person {
  int first;
  std::string last;
  int company;
  int city;
  std::string phone;  // 10 digits
  int pattern;
};

// Contacts CSV (external_id,email,first_name,last_name,phone,company_name,city)
// and the person of every row.
std::string Generate(int64_t rows, std::vector<int32_t>& truth) {
  Rng rng(42);
  const int64_t people = rows * 100 / 105;
  const int64_t companies = std::max<int64_t>(10, rows / 25);
  std::vector<Person> persons(people);
  for (int64_t p = 0; p < people; ++p) {
    Person& x = persons[p];
    x.first = static_cast<int>(rng.Below(std::size(kFirst)));
    x.last = std::string(kHead[rng.Below(std::size(kHead))]) +
             std::string(kTail[rng.Below(std::size(kTail))]);
    if (rng.Chance(0.3)) x.last += std::string(kTail[rng.Below(std::size(kTail))]);
    x.company = static_cast<int>(rng.Below(companies));
    x.city = static_cast<int>(rng.Below(std::size(kCities)));
    x.phone = fmt::format("{}{:03}{:04}", 200 + rng.Below(800), rng.Below(1000), rng.Below(10000));
    x.pattern = static_cast<int>(rng.Below(3));
  }
  const auto company_name = [](int c) {
    return fmt::format("{} {} {}", kCompanyWords[c % std::size(kCompanyWords)],
                       kCompanyWords[(c / std::size(kCompanyWords)) % std::size(kCompanyWords)],
                       kCompanyKinds[c % std::size(kCompanyKinds)]) +
           (c >= 400 ? fmt::format(" {}", c / 400) : std::string());
  };
  const auto domain = [](int c) { return fmt::format("co{}.example", c); };
  const auto email = [&](const Person& x, std::string_view first, int pattern, int company) {
    const std::string f = Lower(first), l = Lower(x.last);
    std::string local = pattern == 0   ? f + "." + l
                        : pattern == 1 ? f.substr(0, 1) + l
                                       : f + l.substr(0, 1);
    return local + "@" + domain(company);
  };
  std::string csv = "external_id,email,first_name,last_name,phone,company_name,city\n";
  csv.reserve(static_cast<size_t>(rows) * 110);
  truth.clear();
  const auto row = [&](int64_t id, const std::string& e, std::string_view f, std::string_view l,
                       std::string_view ph, std::string_view co, std::string_view city) {
    csv += fmt::format("c{},{},{},{},{},\"{}\",{}\n", id, e, f, l, ph, co, city);
  };
  int64_t id = 0;
  // Unique e-mails per person: the index makes same-name coworkers differ.
  std::vector<std::string> emails(people);
  for (int64_t p = 0; p < people; ++p) {
    const Person& x = persons[p];
    emails[p] = email(x, kFirst[x.first].name, x.pattern, x.company);
    emails[p].insert(emails[p].find('@'), std::to_string(p % 97));
    const std::string ph =
        fmt::format("({}) {}-{}", x.phone.substr(0, 3), x.phone.substr(3, 3), x.phone.substr(6));
    row(++id, emails[p], kFirst[x.first].name, x.last, ph, company_name(x.company),
        kCities[x.city]);
    truth.push_back(static_cast<int32_t>(p));
  }
  while (id < rows) {
    const int64_t p = static_cast<int64_t>(rng.Below(people));
    const Person& x = persons[p];
    std::string first(kFirst[x.first].name), last = x.last;
    std::string e = emails[p];
    const double r = rng.Uniform01();
    if (r < 0.3) {
      std::string upper = e;
      upper[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[0])));
      e = upper;
    } else if (r < 0.6) {
      e = Lower(first) + "." + Lower(last) + "@gmail.com";
    } else if (r < 0.8) {
      e.clear();
    }
    bool changed = false;
    if (!kFirst[x.first].nickname.empty() && rng.Chance(0.45)) {
      first = kFirst[x.first].nickname;
      changed = true;
    }
    if (rng.Chance(0.25) || (!changed && rng.Chance(0.5))) last = Typo(last, rng);
    std::string ph = rng.Chance(0.5) ? "+1 " + x.phone : (rng.Chance(0.5) ? x.phone : "");
    std::string co = company_name(x.company);
    if (rng.Chance(0.3)) co += ", Inc.";
    row(++id, e, first, last, ph, co, rng.Chance(0.85) ? kCities[x.city] : "");
    truth.push_back(static_cast<int32_t>(p));
  }
  return csv;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int RunOne(int64_t rows, int threads, const std::filesystem::path& dir) {
  std::vector<int32_t> truth;
  const std::string csv = Generate(rows, truth);
  const std::string input = (dir / fmt::format("contacts_{}.csv", rows)).string();
  {
    FILE* f = std::fopen(input.c_str(), "wb");
    if (f == nullptr || std::fwrite(csv.data(), 1, csv.size(), f) != csv.size()) {
      std::fprintf(stderr, "cannot write %s\n", input.c_str());
      return 1;
    }
    std::fclose(f);
  }
  lk::DedupFileOptions options;
  options.input = input;
  options.out = (dir / fmt::format("clusters_{}.csv", rows)).string();
  options.threads = threads;
  const auto start = std::chrono::steady_clock::now();
  auto report = lk::DedupFile(options);
  const double total = Seconds(start);
  if (!report) {
    std::fprintf(stderr, "dedup failed: %s\n", report.error().ToString().c_str());
    return 1;
  }
  // Accuracy against the planted persons (not timed).
  auto text = mops::core::ReadFile(options.out);
  if (!text) return 1;
  mops::core::CsvReader reader(*text, {});
  std::vector<std::string_view> fields;
  std::unordered_map<std::string, uint32_t> cluster_ids;
  std::vector<uint32_t> cluster;
  std::vector<std::string> labels;
  bool header = true;
  while (true) {
    auto more = reader.Next(fields);
    if (!more || !*more) break;
    if (header) {
      header = false;
      continue;
    }
    cluster.push_back(
        cluster_ids.emplace(std::string(fields[1]), cluster_ids.size()).first->second);
    labels.push_back(std::to_string(truth[cluster.size() - 1]));
  }
  const lk::Accuracy acc = lk::PairwiseAccuracy(cluster, labels);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto& t = report->times;
  std::printf(
      "%9lld %11lld %6.2f %6.2f %7.2f %6.2f %6.2f %7.2f %6.2f %7.2f %9.0f %6.4f %6.4f %6.4f "
      "%8.0f\n",
      static_cast<long long>(report->records), static_cast<long long>(report->candidate_pairs),
      report->read_seconds, t.block, t.compare, t.train, t.score, t.cluster, report->write_seconds,
      total, static_cast<double>(report->records) / total, acc.precision(), acc.recall(), acc.f1(),
      static_cast<double>(usage.ru_maxrss) / 1024.0);
  std::fflush(stdout);
  std::filesystem::remove(input);
  std::filesystem::remove(options.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> sizes;
  int threads = 2;
  std::filesystem::path dir = std::filesystem::temp_directory_path();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--rows" && i + 1 < argc) {
      sizes.push_back(std::atoll(argv[++i]));
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: dedup_bench [--rows N ...] [--threads T] [--dir DIR]\n");
      return 2;
    }
  }
  if (sizes.empty()) sizes = {10'000, 100'000, 1'000'000};
  std::printf("dedup_bench: file mode, default config, %d threads\n", threads);
  std::printf("%9s %11s %6s %6s %7s %6s %6s %7s %6s %7s %9s %6s %6s %6s %8s\n", "records",
              "cand_pairs", "read", "block", "compare", "em", "score", "cluster", "write",
              "total_s", "rec/s", "prec", "recall", "f1", "peak_MB");
  std::fflush(stdout);
  for (int64_t rows : sizes) {
    const pid_t child = fork();
    if (child < 0) return 1;
    if (child == 0) _exit(RunOne(rows, threads, dir));
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
  }
  return 0;
}
