// The demo company's card and identity-provider exports (see discovery.h).
#include "demo/discovery.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/csv.h"
#include "demo/random.h"

namespace mops::demo {
namespace {

constexpr uint64_t kStreamDiscovery = 0x6469736376;  // "discv"

// How a tool is paid and used. Cost per charge in cents; 0 cost: not paid.
struct Plan {
  std::string_view tool;        // inventory tool, or a shadow tool's app label
  std::string_view descriptor;  // as the card statement writes the merchant
  std::string_view cadence;     // monthly, quarterly, annual
  int64_t charge = 0;           // cents, per charge
  std::string_view department;  // who pays
  int assigned = 0;             // users assigned in the identity provider
  int active = 0;               // of whom signed in within 30 days
};

// Planted figures: compare with the inventory's (generator.cc MakeStack).
constexpr Plan kPlans[] = {
    {"Salesforce Sales Cloud", "SALESFORCE.COM", "annual", 17100000, "Sales", 58, 41},
    {"HubSpot Marketing Hub", "HUBSPOT INC 888-482-7768 MA", "monthly", 400000, "Marketing", 10, 8},
    {"Marketo Engage", "ADOBE MARKETO", "annual", 6000000, "Marketing", 22, 3},
    {"Zoom Webinars", "ZOOM.US 888-799-9666", "monthly", 75000, "Marketing", 5, 4},
    {"ON24", "", "", 0, "", 8, 1},
    {"Outreach", "OUTREACH.IO", "quarterly", 1375000, "Sales", 38, 29},
    {"Salesloft", "SALESLOFT INC", "monthly", 250000, "Sales", 18, 2},
    {"ZoomInfo", "ZOOMINFO TECHNOLOGIES", "annual", 3800000, "Sales", 15, 10},
    {"Clearbit", "CLEARBIT", "monthly", 100000, "Marketing", 3, 1},
    {"6sense", "6SENSE INSIGHTS", "annual", 7000000, "Marketing", 12, 3},
    {"Segment", "SEGMENT.IO", "monthly", 200000, "Marketing", 5, 3},
    {"Hotjar", "HOTJAR LTD MALTA", "monthly", 30000, "Marketing", 5, 0},
    {"Drift", "DRIFT.COM", "monthly", 208300, "Marketing", 10, 4},
    {"Gong", "GONG.IO", "annual", 5200000, "Sales", 40, 9},
    {"Canva", "SP * CANVA", "monthly", 37500, "Marketing", 30, 7},
    {"WordPress VIP", "WPVIP INC", "annual", 2500000, "Marketing", 12, 10},
    {"Marketo Measure", "BIZIBLE", "annual", 3000000, "Marketing", 4, 2},
    {"Cvent", "CVENT INC", "annual", 2800000, "Marketing", 6, 2},
    {"Sprout Social", "SPROUTSOCIAL", "monthly", 75000, "Marketing", 6, 5},
    {"Typeform", "TYPEFORM", "monthly", 10000, "Marketing", 3, 1},
    // Shadow tools: paid on cards, not in the inventory.
    {"LinkedIn Sales Navigator", "LINKEDIN *SALES NAV", "monthly", 9999, "Sales", 3, 2},
    {"Semrush", "SEMRUSH", "monthly", 12995, "Marketing", 1, 1},
    {"Calendly", "CALENDLY", "monthly", 1600, "Sales", 4, 4},
    // Recurring merchants no alias knows: listed, never guessed.
    {"Loom", "LOOM.COM SUBSCRIPTION", "monthly", 6000, "Marketing", 0, 0},
    {"Notion", "NOTION LABS INC", "monthly", 8000, "Marketing", 40, 31},
};

constexpr std::string_view kFirst[] = {"Avery", "Blake",  "Casey",  "Drew",  "Emery", "Finley",
                                       "Gray",  "Harper", "Jules",  "Kai",   "Lane",  "Morgan",
                                       "Noor",  "Oakley", "Parker", "Quinn", "Reese", "Sage"};
constexpr std::string_view kLast[] = {"Abbott",   "Baptiste",  "Castillo", "Dube",    "Eklund",
                                      "Fontaine", "Gallo",     "Haddad",   "Ito",     "Jansen",
                                      "Kowalski", "Lindqvist", "Moreau",   "Nakamura"};

struct CardHolder {
  std::string name, email, team;
};

std::vector<CardHolder> People(const Company& c) {
  std::vector<CardHolder> out;
  for (const User& u : c.users) out.push_back({u.name, u.email, u.team});
  // The rest of the company (not in the CRM's user list): 100 more people.
  for (int i = 0; static_cast<int>(out.size()) < 132; ++i) {
    const std::string_view first = kFirst[i % std::size(kFirst)];
    const std::string_view last = kLast[(i / std::size(kFirst)) % std::size(kLast)];
    std::string email = fmt::format("{}.{}{}@example.com", first, last, i);
    std::transform(email.begin(), email.end(), email.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    out.push_back({fmt::format("{} {}", first, last), email, i % 3 == 0 ? "Marketing" : "Sales"});
  }
  return out;
}

std::string Money(int64_t cents) {
  return fmt::format("{}{}.{:02}", cents < 0 ? "-" : "", std::llabs(cents) / 100,
                     std::llabs(cents) % 100);
}

std::string UsDate(core::Timestamp t) {
  const core::CivilDate d = core::CivilFromDays(core::FloorDiv(t, core::kSecondsPerDay));
  return fmt::format("{:02}/{:02}/{:04}", d.month, d.day, d.year);
}

core::Timestamp AddMonths(core::Timestamp t, int months) {
  const core::CivilDate d = core::CivilFromDays(core::FloorDiv(t, core::kSecondsPerDay));
  int64_t m = static_cast<int64_t>(d.month) - 1 + months;
  const int64_t y = d.year + core::FloorDiv(m, 12);
  m -= core::FloorDiv(m, 12) * 12;
  return core::DaysFromCivil(y, static_cast<unsigned>(m + 1), std::min(d.day, 28u)) *
         core::kSecondsPerDay;
}

core::Status Save(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return core::Fail(core::ErrorCode::kIo, "cannot write {}", path.string());
  return {};
}

}  // namespace

core::Status WriteDiscoveryExports(const Company& company, const std::string& dir) {
  Rng rng(company.options.seed, kStreamDiscovery);
  const core::Timestamp today =
      core::FloorDiv(company.truth.reference_time, core::kSecondsPerDay) * core::kSecondsPerDay;
  const core::Timestamp start = today - 395 * core::kSecondsPerDay;
  const std::vector<CardHolder> people = People(company);
  const auto pick = [&](std::string_view team, int n) {
    std::vector<int32_t> out;
    for (int32_t i = 0; i < static_cast<int32_t>(people.size()) && static_cast<int>(out.size()) < n;
         ++i) {
      if (team.empty() || people[i].team == team ||
          (team == "Sales" && people[i].team != "Marketing")) {
        out.push_back(i);
      }
    }
    return out;
  };
  const std::vector<int32_t> marketing = pick("Marketing", 6);
  const std::vector<int32_t> sales = pick("Sales", 6);

  struct Txn {
    core::Timestamp date;
    std::string descriptor;
    int64_t amount;
    std::string original;  // "27.60" when billed in EUR
    int32_t person;
    std::string card, department, memo;
  };
  std::vector<Txn> txns;
  const auto card_of = [&](int32_t person) {
    return fmt::format("{:04}", 1000 + person * 37 % 9000);
  };
  const auto charge = [&](const Plan& p, int32_t person, std::string_view department,
                          int64_t amount) {
    const int months = p.cadence == "monthly" ? 1 : p.cadence == "quarterly" ? 3 : 12;
    // The first charge falls in the first period of the window (annual
    // contracts in its first month, so the year shows two of them).
    core::Timestamp t = start + rng.Between(0, std::min(months, 1) * 28 - 1) * core::kSecondsPerDay;
    if (months == 3) t = start + rng.Between(0, 83) * core::kSecondsPerDay;
    for (int n = 0; t <= today; ++n, t = AddMonths(t, months)) {
      int64_t a = amount;
      std::string original;
      if (p.tool == "Salesforce Sales Cloud" && n > 0) a = amount * 105 / 100;  // price rise
      if (p.tool == "Hotjar") {
        original = Money(a * 100 / 109);  // billed in euros
        a += rng.Between(-150, 150);      // the exchange rate moves
      }
      txns.push_back({t, std::string(p.descriptor), a, original, person, card_of(person),
                      std::string(department), ""});
    }
  };
  int32_t hubspot_payer = marketing[0];
  for (const Plan& p : kPlans) {
    if (p.charge == 0) continue;
    const bool sales_paid = p.department == "Sales";
    const std::vector<int32_t>& team = sales_paid ? sales : marketing;
    const int32_t payer = team[static_cast<size_t>(rng.Below(team.size()))];
    if (p.tool == "LinkedIn Sales Navigator") {
      for (int i = 0; i < 3; ++i) charge(p, sales[static_cast<size_t>(i)], "Sales", p.charge);
      continue;
    }
    charge(p, payer, p.department, p.charge);
    if (p.tool == "HubSpot Marketing Hub") hubspot_payer = payer;
    // Planted duplicates: Zoom and Canva also paid by Sales.
    if (p.tool == "Zoom Webinars") charge(p, sales[1], "Sales", 14990);
    if (p.tool == "Canva") charge(p, sales[2], "Sales", 11999);
  }
  // A credit from HubSpot for an outage.
  txns.push_back({today - 40 * core::kSecondsPerDay, "HUBSPOT INC 888-482-7768 MA", -50000, "",
                  hubspot_payer, card_of(hubspot_payer), "Marketing", "service credit"});
  // Everyday card spend that is no software at all.
  constexpr std::string_view kEveryday[] = {"UBER *TRIP", "DELTA AIR LINES", "BLUE BOTTLE COFFEE",
                                            "WEWORK DAY PASS", "FEDEX OFFICE"};
  for (int i = 0; i < 120; ++i) {
    const int32_t person = (i % 2 == 0 ? marketing : sales)[static_cast<size_t>(i % 6)];
    txns.push_back({start + rng.Between(0, 394) * core::kSecondsPerDay,
                    std::string(kEveryday[rng.Below(std::size(kEveryday))]),
                    rng.Between(800, 60000), "", person, card_of(person),
                    people[person].team == "Marketing" ? "Marketing" : "Sales", ""});
  }
  std::stable_sort(txns.begin(), txns.end(),
                   [](const Txn& a, const Txn& b) { return a.date < b.date; });
  core::CsvWriter ramp;
  ramp.Row({"Date", "Merchant", "Amount", "Currency", "Original Amount", "Original Currency",
            "User", "Card", "Department", "Ramp Category", "Memo"});
  for (const Txn& t : txns) {
    ramp.Row({UsDate(t.date), t.descriptor, Money(t.amount), "USD", t.original,
              t.original.empty() ? "" : "EUR", people[t.person].name, t.card, t.department,
              "Software", t.memo});
  }
  const std::filesystem::path root(dir);
  MOPS_TRY(Save(root / "discovery_ramp.csv", ramp.data()));

  core::CsvWriter okta;
  okta.Row({"Application", "Application Label", "User", "Login", "Status", "Assigned Date",
            "Last Sign In"});
  for (const Plan& p : kPlans) {
    if (p.assigned == 0) continue;
    std::string app;
    for (char ch : p.tool) {
      if (ch != ' ') app.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    }
    const size_t offset = static_cast<size_t>(rng.Below(people.size()));
    for (int i = 0; i < p.assigned; ++i) {
      const CardHolder& who = people[(offset + static_cast<size_t>(i) * 7) % people.size()];
      std::string last;
      if (i < p.active) {
        last = core::FormatTimestamp(today - rng.Between(0, 25) * core::kSecondsPerDay -
                                     rng.Between(0, 80000));
      } else if (i % 3 != 2) {
        last = core::FormatTimestamp(today - rng.Between(35, 200) * core::kSecondsPerDay);
      }  // else assigned and never signed in
      okta.Row({app, std::string(p.tool), who.name, who.email, "ACTIVE",
                core::FormatDate(start - rng.Between(0, 300) * core::kSecondsPerDay), last});
    }
  }
  return Save(root / "discovery_okta.csv", okta.data());
}

}  // namespace mops::demo
