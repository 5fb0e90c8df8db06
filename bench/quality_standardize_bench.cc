// Standardization throughput on the demo company's contacts and accounts
// (dirty as CRMs are: "U.S.A.", "(415) 555-0100", "mktg ops mgr", ...).
//
//   quality_standardize_bench [--scale S ...] [--breakdown] [--accuracy]
//
// Two measurements per scale:
//   engine  StandardizeContact / StandardizeAccount on records in memory, one
//           thread (the reference tables are loaded once before timing: "init")
//   no-phone the engine with the phones left out (libphonenumber dominates)
//   engine* StandardizeContacts / StandardizeAccounts: the same on every core
//   command quality::Standardize on a SQLite workspace holding the same
//           records: scan, engine, UPDATE of changed records and one audit row
//           per changed record, in one transaction
//   again   the command once more on the standardized workspace (nothing changes)
// Prints records, seconds, records/s, CPU seconds and peak RSS. Not a test: it
// never fails on a slow machine.
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "demo/demo.h"
#include "quality/quality.h"
#include "store/database.h"

namespace {

using namespace mops;

double PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(usage.ru_utime) + s(usage.ru_stime);
}

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void Row(const char* what, double scale, size_t records, double seconds, double cpu) {
  fmt::print("{:<8} {:>6.2f} {:>9} {:>9.3f} {:>12.0f} {:>8.2f} {:>9.1f}\n", what, scale, records,
             seconds, static_cast<double>(records) / seconds, cpu, PeakRssMb());
}

void Check(const core::Status& s, const char* what) {
  if (!s) {
    fmt::print(stderr, "{}: {}\n", what, s.error().ToString());
    std::exit(1);
  }
}

std::vector<quality::ContactFields> Contacts(const demo::Company& company) {
  std::vector<quality::ContactFields> out(company.contacts.size());
  for (size_t i = 0; i < out.size(); ++i) {
    const demo::Contact& c = company.contacts[i];
    quality::ContactFields& f = out[i];
    f.id = static_cast<int64_t>(i + 1);
    f.email = c.email;
    f.first_name = c.first_name;
    f.last_name = c.last_name;
    f.title = c.title;
    f.phone = c.phone;
    f.company_name = c.company_name;
    f.country = c.country;
    f.state = c.state;
  }
  return out;
}

std::vector<quality::AccountFields> Accounts(const demo::Company& company) {
  std::vector<quality::AccountFields> out(company.accounts.size());
  for (size_t i = 0; i < out.size(); ++i) {
    const demo::Account& a = company.accounts[i];
    out[i] = {static_cast<int64_t>(i + 1), a.name, a.domain, a.website, a.country, a.state, ""};
  }
  return out;
}

void Engine(double scale, const demo::Company& company) {
  auto contacts = Contacts(company);
  auto accounts = Accounts(company);
  std::vector<quality::FieldChange> changes;
  changes.reserve(64);
  const double cpu = CpuSeconds();
  const auto t = std::chrono::steady_clock::now();
  size_t n = 0;
  for (auto& c : contacts) {
    changes.clear();
    n += quality::StandardizeContact(c, changes);
  }
  for (auto& a : accounts) {
    changes.clear();
    n += quality::StandardizeAccount(a, changes);
  }
  const double seconds = Since(t);
  if (n == 0) fmt::print(stderr, "no changes?\n");
  Row("engine", scale, contacts.size() + accounts.size(), seconds, CpuSeconds() - cpu);

  // Without phones: what the rest of standardization costs (libphonenumber
  // dominates; see --breakdown).
  auto contacts3 = Contacts(company);
  for (auto& c : contacts3) c.phone.clear();
  auto accounts3 = Accounts(company);
  const double cpu3 = CpuSeconds();
  const auto t3 = std::chrono::steady_clock::now();
  for (auto& c : contacts3) {
    changes.clear();
    quality::StandardizeContact(c, changes);
  }
  for (auto& a : accounts3) {
    changes.clear();
    quality::StandardizeAccount(a, changes);
  }
  Row("no-phone", scale, contacts3.size() + accounts3.size(), Since(t3), CpuSeconds() - cpu3);

  // The same on every core, as the command runs it.
  auto contacts2 = Contacts(company);
  auto accounts2 = Accounts(company);
  const double cpu2 = CpuSeconds();
  const auto t2 = std::chrono::steady_clock::now();
  auto c = quality::StandardizeContacts(contacts2);
  auto a = quality::StandardizeAccounts(accounts2);
  Row("engine*", scale, c.size() + a.size(), Since(t2), CpuSeconds() - cpu2);
}

// Nanoseconds per record of each value engine, to see where the time goes.
void Breakdown(const demo::Company& company) {
  const auto& contacts = company.contacts;
  auto time = [&](const char* what, auto fn) {
    const auto t = std::chrono::steady_clock::now();
    size_t sink = 0;
    for (const demo::Contact& c : contacts) sink += fn(c);
    const double ns = Since(t) * 1e9 / static_cast<double>(contacts.size());
    fmt::print("  {:<22} {:>8.0f} ns/record{}\n", what, ns, sink == 0 ? " (no output)" : "");
  };
  time("StandardizeEmail",
       [](const demo::Contact& c) { return quality::StandardizeEmail(c.email).email.size(); });
  time("StandardizePhone", [](const demo::Contact& c) {
    return quality::StandardizePhone(c.phone, "US").phone.size() + 1;
  });
  time("CountryCode", [](const demo::Contact& c) {
    return quality::CountryCode(c.country).value_or("").size() + 1;
  });
  time("SubdivisionCode", [](const demo::Contact& c) {
    return quality::SubdivisionCode(c.state, "US").value_or("").size() + 1;
  });
  time("ProperCaseName x2", [](const demo::Contact& c) {
    return quality::ProperCaseName(c.first_name).size() +
           quality::ProperCaseName(c.last_name).size();
  });
  time("ClassifyTitle",
       [](const demo::Contact& c) { return quality::ClassifyTitle(c.title).seniority.size() + 1; });
  time("CompanyKey",
       [](const demo::Contact& c) { return quality::CompanyKey(c.company_name).size() + 1; });
}

// How often the engines agree with what the generator planted: seniority and
// department of the role a title was drawn from (where the generator filled
// them in), the country of the
// contact's account (contacts type it their own way: "U.S.", "Deutschland"),
// and how many phones and emails come out standard.
void Accuracy(const demo::Company& company) {
  int64_t titled = 0, seniority_ok = 0, department_ok = 0;
  int64_t countries = 0, country_known = 0, with_account = 0, country_agrees = 0;
  int64_t phones = 0, e164 = 0, valid = 0;
  std::map<std::string, int64_t> email_status;
  for (const demo::Contact& c : company.contacts) {
    if (!c.title.empty() && !c.seniority.empty()) {
      ++titled;
      const quality::TitleInfo t = quality::ClassifyTitle(c.title);
      const std::string want = quality::NormalizeSeniority(c.seniority);
      // The generator's "Individual Contributor" covers our senior and entry.
      seniority_ok += t.seniority == want || (want == "entry" && t.seniority == "senior");
      department_ok += t.department == quality::NormalizeDepartment(c.department);
    }
    if (!c.country.empty()) {
      ++countries;
      auto code = quality::CountryCode(c.country);
      country_known += code.has_value();
      if (c.account != demo::kNone) {
        ++with_account;
        country_agrees +=
            code &&
            code == quality::CountryCode(company.accounts[static_cast<size_t>(c.account)].country);
      }
    }
    if (!c.phone.empty()) {
      ++phones;
      auto p = quality::StandardizePhone(c.phone, quality::CountryCode(c.country).value_or(""));
      e164 += quality::IsStandardPhone(p.phone);
      valid += p.valid;
    }
    ++email_status[quality::StandardizeEmail(c.email).status];
  }
  auto pct = [](int64_t a, int64_t b) {
    return b == 0 ? 0.0 : 100.0 * static_cast<double>(a) / static_cast<double>(b);
  };
  fmt::print("  title -> seniority agrees with the generator's role   {:6.2f} % of {}\n",
             pct(seniority_ok, titled), titled);
  fmt::print("  title -> department agrees with the generator's role  {:6.2f} % of {}\n",
             pct(department_ok, titled), titled);
  fmt::print("  countries recognised (ISO 3166-1)                     {:6.2f} % of {}\n",
             pct(country_known, countries), countries);
  fmt::print("  country equal to the account's                        {:6.2f} % of {}\n",
             pct(country_agrees, with_account), with_account);
  fmt::print("  phones in E.164 / valid                               {:6.2f} % / {:.2f} % of {}\n",
             pct(e164, phones), pct(valid, phones), phones);
  std::string statuses;
  for (const auto& [k, v] : email_status) statuses += fmt::format(" {}={}", k, v);
  fmt::print("  email status:{}\n", statuses);
}

void Command(double scale, const demo::Company& company, const std::string& dir) {
  const std::string path = dir + fmt::format("/standardize_{}.db", scale);
  std::filesystem::remove(path);
  auto db = store::Open(path);
  if (!db) Check(std::unexpected(db.error()), "open");
  Check(store::Migrate(**db), "migrate");
  {
    auto tx = store::Transaction::Start(**db);
    auto insert = (*db)->Prepare(
        "INSERT INTO contacts (source_system, external_id, email, first_name, last_name, title, "
        "phone, company_name, country, state) VALUES ('bench', ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (size_t i = 0; i < company.contacts.size(); ++i) {
      const demo::Contact& c = company.contacts[i];
      std::vector<store::Value> p = {fmt::format("c{}", i), c.email,   c.first_name,
                                     c.last_name,           c.title,   c.phone,
                                     c.company_name,        c.country, c.state};
      Check((*insert)->ExecuteQueued(p), "insert contact");
    }
    auto insert_account = (*db)->Prepare(
        "INSERT INTO accounts (source_system, external_id, name, domain, website, country, "
        "state) VALUES ('bench', ?, ?, ?, ?, ?, ?)");
    for (size_t i = 0; i < company.accounts.size(); ++i) {
      const demo::Account& a = company.accounts[i];
      std::vector<store::Value> p = {
          fmt::format("a{}", i), a.name, a.domain, a.website, a.country, a.state};
      Check((*insert_account)->ExecuteQueued(p), "insert account");
    }
    Check(tx->Commit(), "commit");
  }
  const double cpu = CpuSeconds();
  const auto t = std::chrono::steady_clock::now();
  quality::StandardizeOptions options;
  options.actor = "bench";
  auto report = quality::Standardize(**db, options);
  if (!report) Check(std::unexpected(report.error()), "standardize");
  const double seconds = Since(t);
  Row("command", scale, static_cast<size_t>(report->contacts + report->accounts), seconds,
      CpuSeconds() - cpu);
  // Again: everything is standard now (phones in E.164 are not parsed again).
  const double cpu2 = CpuSeconds();
  const auto t2 = std::chrono::steady_clock::now();
  auto again = quality::Standardize(**db, options);
  if (!again) Check(std::unexpected(again.error()), "standardize again");
  Row("again", scale, static_cast<size_t>(again->contacts + again->accounts), Since(t2),
      CpuSeconds() - cpu2);
  db->reset();
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<double> scales;
  bool breakdown = false;
  bool accuracy = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--breakdown") == 0) breakdown = true;
    if (std::strcmp(argv[i], "--accuracy") == 0) accuracy = true;
    if (std::strcmp(argv[i], "--scale") == 0 && i + 1 < argc)
      scales.push_back(std::atof(argv[++i]));
  }
  if (scales.empty()) scales = {0.25, 1, 5};
  const std::string dir =
      std::filesystem::temp_directory_path() / ("mops_quality_bench_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);

  // The reference tables (ISO JSON, lists, libphonenumber metadata) load on
  // first use: measured apart.
  auto t = std::chrono::steady_clock::now();
  quality::ContactFields warm;
  warm.email = "a@b.com";
  warm.phone = "+1 650 253 0000";
  warm.country = "USA";
  warm.state = "CA";
  warm.first_name = "José";
  std::vector<quality::FieldChange> changes;
  quality::StandardizeContact(warm, changes);
  fmt::print("init (reference tables, once per process): {:.3f} s\n\n", Since(t));

  fmt::print("{:<8} {:>6} {:>9} {:>9} {:>12} {:>8} {:>9}\n", "what", "scale", "records", "seconds",
             "records/s", "cpu s", "peak MB");
  for (double scale : scales) {
    demo::GeneratorOptions options;
    options.scale = scale;
    auto company = demo::GenerateCompany(options);
    if (!company) Check(std::unexpected(company.error()), "generate");
    Engine(scale, *company);
    if (breakdown) Breakdown(*company);
    if (accuracy) Accuracy(*company);
    Command(scale, *company, dir);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
