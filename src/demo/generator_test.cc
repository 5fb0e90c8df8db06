#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/csv.h"
#include "core/taxonomy.h"
#include "demo/demo.h"

namespace mops::demo {
namespace {

namespace fs = std::filesystem;
using core::Timestamp;
constexpr Timestamp kDay = core::kSecondsPerDay;

const Company& Small() {
  static const Company company = *GenerateCompany({.scale = 0.1, .seed = 7});
  return company;
}

fs::path TempDir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("mops_demo_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(dir);
  return dir;
}

// Writes the small company once and reads the CSVs back.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  int Column(std::string_view name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : static_cast<int>(it - header.begin());
  }
};

Table ReadCsv(const fs::path& path) {
  auto data = core::ReadFile(path.string());
  EXPECT_TRUE(data.has_value()) << path;
  Table table;
  if (!data) return table;
  core::CsvReader reader(*data, {.delimiter = ',', .file_name = path.string()});
  std::vector<std::string_view> fields;
  bool first = true;
  while (true) {
    auto more = reader.Next(fields);
    EXPECT_TRUE(more.has_value()) << (more ? "" : more.error().ToString());
    if (!more || !*more) break;
    std::vector<std::string> row(fields.begin(), fields.end());
    if (first) {
      table.header = std::move(row);
      first = false;
    } else {
      table.rows.push_back(std::move(row));
    }
  }
  return table;
}

const fs::path& SmallDir() {
  static const fs::path dir = [] {
    fs::path d = TempDir("small");
    const auto status = WriteCompanyCsv(Small(), d.string());
    EXPECT_TRUE(status.has_value()) << status.error().ToString();
    return d;
  }();
  return dir;
}

const Table& SmallCsv(const std::string& table) {
  static std::map<std::string, Table> cache;
  auto it = cache.find(table);
  if (it == cache.end()) it = cache.emplace(table, ReadCsv(SmallDir() / (table + ".csv"))).first;
  return it->second;
}

std::map<std::string, std::string> FilesUnder(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    files[fs::relative(e.path(), dir).string()] = *core::ReadFile(e.path().string());
  }
  return files;
}

TEST(GenerateCompany, SameSeedGivesByteIdenticalFilesAndOtherSeedsDiffer) {
  const fs::path a = TempDir("det_a");
  const fs::path b = TempDir("det_b");
  const fs::path c = TempDir("det_c");
  ASSERT_TRUE(WriteCompanyCsv(*GenerateCompany({.scale = 0.02, .seed = 11}), a.string()));
  ASSERT_TRUE(WriteCompanyCsv(*GenerateCompany({.scale = 0.02, .seed = 11}), b.string()));
  ASSERT_TRUE(WriteCompanyCsv(*GenerateCompany({.scale = 0.02, .seed = 12}), c.string()));
  const auto fa = FilesUnder(a);
  const auto fb = FilesUnder(b);
  const auto fc = FilesUnder(c);
  // 13 tables + discovery_{ramp,okta}.csv + truth/{contact_duplicates.csv,summary.json,README.md}
  ASSERT_EQ(fa.size(), 18u);
  EXPECT_TRUE(fa == fb);
  for (const char* file :
       {"contacts.csv", "touchpoints.csv", "accounts.csv", "opportunities.csv"}) {
    EXPECT_NE(fa.at(file), fc.at(file)) << file;
  }
  fs::remove_all(a);
  fs::remove_all(b);
  fs::remove_all(c);
}

TEST(GenerateCompany, ThreadCountDoesNotChangeTheCompany) {
  const auto one = GenerateCompany({.scale = 0.15, .seed = 5, .threads = 1});
  const auto three = GenerateCompany({.scale = 0.15, .seed = 5, .threads = 3});
  ASSERT_TRUE(one.has_value() && three.has_value());
  const fs::path a = TempDir("threads_1");
  const fs::path b = TempDir("threads_3");
  ASSERT_TRUE(WriteCompanyCsv(*one, a.string()));
  ASSERT_TRUE(WriteCompanyCsv(*three, b.string()));
  EXPECT_TRUE(FilesUnder(a) == FilesUnder(b));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(GenerateCompany, CountsFollowTheScale) {
  const GenerationStats& s = Small().stats;
  EXPECT_EQ(s.accounts, 500);
  EXPECT_EQ(s.contacts, 2000);
  EXPECT_GE(s.touchpoints, 18000);
  EXPECT_LE(s.touchpoints, 22000);
  EXPECT_GE(s.opportunities, 70);
  EXPECT_LE(s.opportunities, 130);
  EXPECT_GE(s.users, 20);
  EXPECT_LE(s.users, 40);
  EXPECT_GE(s.campaigns, 100);
  EXPECT_LE(s.campaigns, 300);
  EXPECT_GE(s.tools, 15);
  EXPECT_LE(s.tools, 25);
  EXPECT_GE(s.integrations, 10);
  EXPECT_GT(s.campaign_members, s.contacts);
  EXPECT_GE(s.lifecycle_history, s.contacts);
  EXPECT_GT(s.opportunity_history, s.opportunities);
  EXPECT_GT(s.spend, 1000);
  for (const auto& row : s.Tables()) {
    EXPECT_EQ(static_cast<int64_t>(SmallCsv(std::string(row.table)).rows.size()), row.rows)
        << row.table;
  }
  // Users have teams, territories, and a couple are unavailable.
  int inactive = 0;
  int away = 0;
  std::set<std::string> teams;
  std::set<std::string> territories;
  for (const User& u : Small().users) {
    inactive += !u.active;
    away += u.out_of_office_until.has_value();
    teams.insert(u.team);
    if (!u.territory.empty()) territories.insert(u.territory);
  }
  EXPECT_EQ(teams, (std::set<std::string>{"AE", "AM", "Marketing", "SDR"}));
  EXPECT_EQ(territories, (std::set<std::string>{"APAC", "EMEA", "NA-East", "NA-West"}));
  EXPECT_GE(inactive, 1);
  EXPECT_GE(away, 1);
}

TEST(GenerateCompany, EveryReferencePointsToAnExistingRecord) {
  std::map<std::string, std::set<std::string>> ids;
  for (const auto& [table, columns] : CsvHeaders()) {
    const Table& t = SmallCsv(std::string(table));
    const int key = t.Column("external_id");
    if (key < 0) continue;
    for (const auto& row : t.rows) {
      EXPECT_TRUE(ids[std::string(table)].insert(row[key]).second)
          << table << " repeats " << row[key];
    }
  }
  struct Reference {
    std::string table;
    std::string column;
    std::string target;
    bool required;
  };
  const std::vector<Reference> refs = {
      {"accounts", "owner_id", "users", false},
      {"accounts", "parent_id", "accounts", false},
      {"contacts", "account_id", "accounts", false},
      {"contacts", "owner_id", "users", false},
      {"lifecycle_history", "contact_id", "contacts", true},
      {"campaigns", "parent_id", "campaigns", false},
      {"campaigns", "owner_id", "users", false},
      {"campaign_members", "campaign_id", "campaigns", true},
      {"campaign_members", "contact_id", "contacts", true},
      {"touchpoints", "contact_id", "contacts", false},
      {"touchpoints", "account_id", "accounts", false},
      {"touchpoints", "campaign_id", "campaigns", false},
      {"opportunities", "account_id", "accounts", true},
      {"opportunities", "primary_campaign_id", "campaigns", false},
      {"opportunities", "owner_id", "users", true},
      {"opportunity_contacts", "opportunity_id", "opportunities", true},
      {"opportunity_contacts", "contact_id", "contacts", true},
      {"opportunity_history", "opportunity_id", "opportunities", true},
      {"spend", "campaign_id", "campaigns", false},
      {"integrations", "from_tool_id", "tools", true},
      {"integrations", "to_tool_id", "tools", true},
  };
  for (const Reference& ref : refs) {
    const Table& t = SmallCsv(ref.table);
    const int column = t.Column(ref.column);
    ASSERT_GE(column, 0) << ref.table << "." << ref.column;
    int64_t filled = 0;
    for (const auto& row : t.rows) {
      const std::string& value = row[column];
      if (value.empty()) {
        EXPECT_FALSE(ref.required) << ref.table << "." << ref.column << " is empty";
        continue;
      }
      ++filled;
      EXPECT_TRUE(ids[ref.target].contains(value))
          << ref.table << "." << ref.column << " = " << value << " is not in " << ref.target;
    }
    EXPECT_GT(filled, 0) << ref.table << "." << ref.column << " never set";
  }
  // Truth covers every contact, and only contacts.
  const Table truth = ReadCsv(SmallDir() / "truth" / "contact_duplicates.csv");
  ASSERT_EQ(truth.header, (std::vector<std::string>{"external_id", "person_id"}));
  std::set<std::string> covered;
  for (const auto& row : truth.rows) covered.insert(row[0]);
  EXPECT_EQ(covered, ids["contacts"]);
  // No account is its own ancestor (parents have no parents).
  for (const Account& a : Small().accounts) {
    if (a.parent != kNone) {
      EXPECT_EQ(Small().accounts[a.parent].parent, kNone);
    }
  }
}

// The columns of each table in src/store/schema.cc, in order.
std::map<std::string, std::vector<std::string>> SchemaColumns() {
  std::string path;
  if (const char* root = std::getenv("MOPS_SOURCE_DIR")) {
    path = (fs::path(root) / "src" / "store" / "schema.cc").string();
  } else {
    path = (fs::path(__FILE__).parent_path().parent_path() / "store" / "schema.cc").string();
  }
  auto text = core::ReadFile(path);
  EXPECT_TRUE(text.has_value()) << path;
  std::map<std::string, std::vector<std::string>> tables;
  if (!text) return tables;
  const std::regex create(R"(CREATE TABLE (\w+) \(([^;]*)\);)");
  for (auto it = std::sregex_iterator(text->begin(), text->end(), create);
       it != std::sregex_iterator(); ++it) {
    std::vector<std::string>& columns = tables[(*it)[1]];
    const std::string body = (*it)[2];
    const std::regex line(R"(\n\s*(\w+) )");
    for (auto l = std::sregex_iterator(body.begin(), body.end(), line); l != std::sregex_iterator();
         ++l) {
      const std::string name = (*l)[1];
      if (name != "UNIQUE" && name != "PRIMARY") columns.push_back(name);
    }
  }
  return tables;
}

TEST(WriteCompanyCsv, HeadersAreTheSchemaColumnsInCanonicalForm) {
  const auto schema = SchemaColumns();
  ASSERT_GT(schema.size(), 10u);
  // Canonical form: no id or source_system (the importer sets them), no
  // *_ref (references go in the *_id column as external ids), no
  // merged_into/updated_at, created_at only where it means something.
  const std::set<std::string> with_created = {"accounts", "contacts", "opportunities", "campaigns",
                                              "campaign_members"};
  for (const auto& [table, header] : CsvHeaders()) {
    SCOPED_TRACE(std::string(table));
    ASSERT_TRUE(schema.contains(std::string(table)));
    std::vector<std::string> expected;
    for (const std::string& c : schema.at(std::string(table))) {
      if (c == "id" || c == "source_system" || c == "merged_into" || c == "updated_at") continue;
      if (c.ends_with("_ref")) continue;
      if (c == "created_at" && !with_created.contains(std::string(table))) continue;
      expected.push_back(c);
    }
    EXPECT_EQ(std::vector<std::string>(header.begin(), header.end()), expected);
    EXPECT_EQ(SmallCsv(std::string(table)).header, expected);
  }
}

// The folders the writer creates hold people's records: private, like the
// workspace. A folder that already exists keeps its mode.
TEST(WriteCompanyCsv, CreatedFoldersArePrivate) {
  namespace fs = std::filesystem;
  const fs::path base = fs::temp_directory_path() / ("mops_demo_modes_" + std::to_string(getpid()));
  fs::remove_all(base);
  ASSERT_TRUE(fs::create_directories(base));
  fs::permissions(base, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  const fs::path out = base / "new" / "company";
  ASSERT_TRUE(WriteCompanyCsv(Small(), out.string()).has_value());
  EXPECT_EQ(fs::status(out).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(fs::status(out / "truth").permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(fs::status(base).permissions() & fs::perms::all,
            fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  fs::remove_all(base);
}

TEST(GenerateCompany, DuplicatesAreRecordedAtAboutFivePercent) {
  const Company& c = Small();
  std::map<int32_t, std::vector<int32_t>> by_person;
  for (size_t i = 0; i < c.contacts.size(); ++i) {
    by_person[c.contacts[i].person].push_back(static_cast<int32_t>(i));
  }
  EXPECT_EQ(static_cast<int64_t>(by_person.size()), c.stats.persons);
  const double rate = static_cast<double>(c.contacts.size() - by_person.size()) /
                      static_cast<double>(c.contacts.size());
  EXPECT_GE(rate, 0.04);
  EXPECT_LE(rate, 0.06);
  const auto norm = [](std::string s) {
    std::erase(s, ' ');
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  int groups = 0;
  int same_email = 0;
  int renamed = 0;
  for (const auto& [person, records] : by_person) {
    if (records.size() < 2) continue;
    ++groups;
    const Contact& a = c.contacts[records[0]];
    for (size_t k = 1; k < records.size(); ++k) {
      const Contact& b = c.contacts[records[k]];
      // Never an exact copy: something visible differs.
      EXPECT_FALSE(a.email == b.email && a.first_name == b.first_name &&
                   a.last_name == b.last_name && a.phone == b.phone && a.title == b.title)
          << a.email;
      EXPECT_GE(b.created_at, a.created_at);
      same_email += norm(a.email) == norm(b.email);
      renamed += norm(a.first_name) != norm(b.first_name);
    }
  }
  EXPECT_GT(groups, 50);
  EXPECT_GT(same_email, 0);       // matchable by normalized e-mail
  EXPECT_LT(same_email, groups);  // and others only by name, company, phone
  EXPECT_GT(renamed, 0);          // nicknames
}

TEST(GenerateCompany, TechStackHasOverlapsAnIslandAndARenewalDueSoon) {
  const Company& c = Small();
  const Truth& t = c.truth;
  ASSERT_NE(t.crm_tool, kNone);
  ASSERT_GE(t.capability_overlaps.size(), 2u);
  std::map<std::string, int> active_with;
  for (const Tool& tool : c.tools) {
    if (tool.status != "active") continue;
    for (const std::string& cap : tool.capabilities) ++active_with[cap];
  }
  EXPECT_GE(active_with["marketing_automation"], 2);
  EXPECT_GE(active_with["webinars"], 2);
  for (const auto& [capability, tools] : t.capability_overlaps) {
    EXPECT_GE(tools.size(), 2u);
    for (int32_t i : tools) {
      const auto& caps = c.tools[i].capabilities;
      EXPECT_NE(std::find(caps.begin(), caps.end(), capability), caps.end()) << capability;
    }
  }
  // The island has no path to the CRM, in either direction; most tools do.
  std::vector<std::vector<int32_t>> adjacent(c.tools.size());
  for (const Integration& in : c.integrations) {
    adjacent[in.from_tool].push_back(in.to_tool);
    adjacent[in.to_tool].push_back(in.from_tool);
  }
  std::vector<bool> reached(c.tools.size(), false);
  std::vector<int32_t> stack = {t.crm_tool};
  reached[t.crm_tool] = true;
  while (!stack.empty()) {
    const int32_t at = stack.back();
    stack.pop_back();
    for (int32_t next : adjacent[at]) {
      if (!reached[next]) stack.push_back(next), reached[next] = true;
    }
  }
  ASSERT_NE(t.island_tool, kNone);
  EXPECT_FALSE(reached[t.island_tool]);
  EXPECT_GE(std::count(reached.begin(), reached.end(), true),
            static_cast<long>(c.tools.size()) - 3);
  // Notice deadline within 30 days after the reference date.
  ASSERT_NE(t.renewal_due_tool, kNone);
  const Tool& due = c.tools[t.renewal_due_tool];
  const Timestamp deadline = due.renewal_date - due.notice_days * kDay;
  EXPECT_GT(deadline, t.reference_time);
  EXPECT_LE(deadline, t.reference_time + 30 * kDay);
  // Some seats are paid for and unused.
  EXPECT_TRUE(std::any_of(c.tools.begin(), c.tools.end(), [](const Tool& x) {
    return x.status == "active" && x.active_seats * 2 < x.seats;
  }));
  // Integrations in every status.
  std::set<std::string> statuses;
  for (const Integration& in : c.integrations) statuses.insert(in.status);
  EXPECT_EQ(statuses, (std::set<std::string>{"active", "failing", "paused"}));
}

TEST(GenerateCompany, NothingHappensAfterTheReferenceDate) {
  const Company& c = Small();
  const Timestamp ref = c.truth.reference_time;
  EXPECT_EQ(ref, kDefaultReferenceTime);
  EXPECT_EQ(c.truth.window_start, ref - 545 * kDay);
  for (const Touchpoint& tp : c.touchpoints) {
    ASSERT_LE(tp.occurred_at, ref);
    ASSERT_GE(tp.occurred_at, c.truth.window_start);
  }
  for (const Contact& x : c.contacts) EXPECT_LE(x.created_at, ref);
  for (const LifecycleEntry& e : c.lifecycle_history) EXPECT_LE(e.entered_at, ref);
  for (const Opportunity& o : c.opportunities) {
    EXPECT_LE(o.created_at, ref);
    EXPECT_GE(o.created_at, c.truth.window_start);
    if (o.is_closed) {
      EXPECT_LE(o.close_date, ref);
    }
    if (!o.is_closed) {
      EXPECT_GT(o.close_date, ref);
    }
  }
  for (const OpportunityHistory& h : c.opportunity_history) EXPECT_LE(h.entered_at, ref);
  for (const Spend& s : c.spend) EXPECT_LT(s.date, ref);
  for (const CampaignMember& m : c.campaign_members) EXPECT_LE(m.created_at, ref);
  // The reference date is an option, not the clock.
  const auto earlier = GenerateCompany({.scale = 0.02, .seed = 7, .reference_time = 1700000000});
  ASSERT_TRUE(earlier.has_value());
  for (const Touchpoint& tp : earlier->touchpoints) ASSERT_LE(tp.occurred_at, 1700000000);
}

TEST(GenerateCompany, LifecycleHistoryIsConsistent) {
  const Company& c = Small();
  std::vector<std::vector<LifecycleEntry>> history(c.contacts.size());
  for (const LifecycleEntry& e : c.lifecycle_history) history[e.contact].push_back(e);
  const auto side = [](Lifecycle s) {
    return s == Lifecycle::kRecycled || s == Lifecycle::kDisqualified;
  };
  for (size_t i = 0; i < c.contacts.size(); ++i) {
    const auto& h = history[i];
    const Contact& contact = c.contacts[i];
    ASSERT_FALSE(h.empty()) << i;
    EXPECT_GE(h.front().entered_at, contact.created_at);
    EXPECT_TRUE(h.front().stage == Lifecycle::kSubscriber || h.front().stage == Lifecycle::kLead);
    EXPECT_EQ(h.back().stage, contact.lifecycle_stage) << i;
    int rank = -1;
    for (size_t k = 0; k < h.size(); ++k) {
      if (k > 0) {
        EXPECT_GT(h[k].entered_at, h[k - 1].entered_at);
      }
      if (side(h[k].stage)) {
        EXPECT_EQ(k, h.size() - 1) << "side state in the middle of contact " << i;
        continue;
      }
      EXPECT_GT(static_cast<int>(h[k].stage), rank) << "stage went backwards for contact " << i;
      rank = static_cast<int>(h[k].stage);
    }
  }
  // Opportunities drive stages: won -> customer, open -> at least opportunity.
  std::map<int32_t, int> best;  // contact -> 2 won, 1 open
  for (const OpportunityContact& oc : c.opportunity_contacts) {
    const Opportunity& o = c.opportunities[oc.opportunity];
    const int v = o.is_won ? 2 : o.is_closed ? 0 : 1;
    best[oc.contact] = std::max(best[oc.contact], v);
  }
  int customers_from_won = 0;
  for (const auto& [contact, v] : best) {
    const Lifecycle s = c.contacts[contact].lifecycle_stage;
    if (v == 2) {
      EXPECT_TRUE(s == Lifecycle::kCustomer || s == Lifecycle::kEvangelist) << contact;
      ++customers_from_won;
    } else if (v == 1) {
      EXPECT_GE(static_cast<int>(s), static_cast<int>(Lifecycle::kOpportunity)) << contact;
      EXPECT_FALSE(side(s));
    }
  }
  EXPECT_GT(customers_from_won, 10);
  // A customer comes from a won deal or a customer account.
  for (size_t i = 0; i < c.contacts.size(); ++i) {
    const Contact& contact = c.contacts[i];
    if (contact.lifecycle_stage != Lifecycle::kCustomer) continue;
    const auto it = best.find(static_cast<int32_t>(i));
    const bool won = it != best.end() && it->second == 2;
    const int32_t account = contact.account;
    const bool customer_account =
        account != kNone && c.accounts[account].customer_since.has_value();
    EXPECT_TRUE(won || customer_account || account == kNone) << i;
  }
  // Every stage occurs.
  std::set<Lifecycle> stages;
  for (const Contact& contact : c.contacts) stages.insert(contact.lifecycle_stage);
  EXPECT_GE(stages.size(), 8u);
}

TEST(GenerateCompany, OpportunitiesProgressAndFollowMarketingTouches) {
  const Company& c = Small();
  std::vector<std::vector<OpportunityHistory>> history(c.opportunities.size());
  for (const OpportunityHistory& h : c.opportunity_history) history[h.opportunity].push_back(h);
  std::vector<int> primaries(c.opportunities.size(), 0);
  for (const OpportunityContact& oc : c.opportunity_contacts)
    primaries[oc.opportunity] += oc.is_primary;
  // First marketing touch per account and per person (a contact may not be
  // linked to its account before the deal).
  std::map<int32_t, Timestamp> account_first;
  std::map<int32_t, Timestamp> person_first;
  const auto note = [](std::map<int32_t, Timestamp>& m, int32_t key, Timestamp t) {
    auto [it, inserted] = m.emplace(key, t);
    if (!inserted) it->second = std::min(it->second, t);
  };
  for (const Touchpoint& tp : c.touchpoints) {
    if (tp.channel == Channel::kSalesOutreach) continue;
    if (tp.account != kNone) note(account_first, tp.account, tp.occurred_at);
    if (tp.contact != kNone) note(person_first, c.contacts[tp.contact].person, tp.occurred_at);
  }
  std::vector<int32_t> primary_person(c.opportunities.size(), kNone);
  for (const OpportunityContact& oc : c.opportunity_contacts) {
    if (oc.is_primary) primary_person[oc.opportunity] = c.contacts[oc.contact].person;
  }
  const std::vector<std::string> stages = {"Prospecting", "Discovery",  "Demo",       "Proposal",
                                           "Negotiation", "Closed Won", "Closed Lost"};
  std::map<std::string, int> types;
  int won = 0;
  int lost = 0;
  int open = 0;
  for (size_t i = 0; i < c.opportunities.size(); ++i) {
    const Opportunity& o = c.opportunities[i];
    const auto& h = history[i];
    ++types[o.type];
    ASSERT_FALSE(h.empty());
    EXPECT_EQ(h.back().stage, o.stage);
    EXPECT_EQ(h.back().amount, o.amount);
    EXPECT_EQ(h.front().entered_at, o.created_at);
    int rank = -1;
    for (const OpportunityHistory& e : h) {
      const int r =
          static_cast<int>(std::find(stages.begin(), stages.end(), e.stage) - stages.begin());
      ASSERT_LT(r, 7) << e.stage;
      EXPECT_GT(r, rank);
      rank = r;
    }
    EXPECT_EQ(o.is_closed, o.stage == "Closed Won" || o.stage == "Closed Lost");
    EXPECT_EQ(o.is_won, o.stage == "Closed Won");
    EXPECT_GT(o.amount, 0);
    EXPECT_LE(primaries[i], 1);
    open += !o.is_closed;
    if (o.type == "New Business") {
      won += o.is_won;
      lost += o.is_closed && !o.is_won;
    }
    if (o.type == "New Business") {
      EXPECT_EQ(primaries[i], 1);
      Timestamp first = core::Timestamp{INT64_MAX};
      if (account_first.contains(o.account)) first = account_first[o.account];
      if (person_first.contains(primary_person[i])) {
        first = std::min(first, person_first[primary_person[i]]);
      }
      EXPECT_LT(first, o.created_at) << "no marketing touch before opportunity " << i;
    }
  }
  EXPECT_GT(types["New Business"], types["Renewal"] + types["Expansion"]);
  EXPECT_GT(won, 5);
  EXPECT_GT(lost, won);  // new business wins about 3 in 10
  EXPECT_GT(open, 5);
}

TEST(GenerateCompany, ChannelsConvertAtDifferentRates) {
  const auto company = GenerateCompany({.scale = 0.5, .seed = 3});
  ASSERT_TRUE(company.has_value());
  const Company& c = *company;
  // Share of contacts, by the channel of their first touch, that became the
  // primary contact of a new-business opportunity.
  std::vector<int> first(c.contacts.size(), -1);
  for (const Touchpoint& tp : c.touchpoints) {
    if (tp.contact != kNone && first[tp.contact] < 0) {
      first[tp.contact] = static_cast<int>(tp.channel);
    }
  }
  std::set<int32_t> primaries;
  for (const OpportunityContact& oc : c.opportunity_contacts) {
    if (oc.is_primary && c.opportunities[oc.opportunity].type == "New Business") {
      primaries.insert(oc.contact);
    }
  }
  std::array<double, kChannelCount> contacts{};
  std::array<double, kChannelCount> converted{};
  for (size_t i = 0; i < c.contacts.size(); ++i) {
    if (first[i] < 0) continue;
    contacts[first[i]] += 1;
    converted[first[i]] += primaries.contains(static_cast<int32_t>(i));
  }
  const auto rate = [&](Channel ch) {
    return converted[static_cast<size_t>(ch)] / std::max(1.0, contacts[static_cast<size_t>(ch)]);
  };
  EXPECT_GT(rate(Channel::kReferral), 2 * rate(Channel::kDisplay));
  EXPECT_GT(rate(Channel::kEvents), 2 * rate(Channel::kContentSyndication));
  EXPECT_GT(rate(Channel::kReviewSites), 2 * rate(Channel::kPaidSocial));
  EXPECT_GT(rate(Channel::kPaidSearch), rate(Channel::kPaidSocial));
}

TEST(GenerateCompany, ContactsCarryRealisticDirtyData) {
  const Company& c = Small();
  int upper_email = 0;
  int padded = 0;
  int no_phone = 0;
  std::set<std::string> countries;
  std::set<std::string> titles;
  std::set<std::string> phone_shapes;
  for (const Contact& x : c.contacts) {
    upper_email +=
        std::any_of(x.email.begin(), x.email.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
    padded += (!x.email.empty() && (x.email.front() == ' ' || x.email.back() == ' ')) ||
              (!x.last_name.empty() && x.last_name.back() == ' ');
    no_phone += x.phone.empty();
    countries.insert(x.country);
    titles.insert(x.title);
    if (x.phone.starts_with("(")) phone_shapes.insert("(415) 555-0134");
    if (x.phone.starts_with("+1 ")) phone_shapes.insert("+1 415 555 0134");
    if (x.phone.size() == 12 && x.phone[3] == '.') phone_shapes.insert("415.555.0134");
    if (x.phone.starts_with("+44 ")) phone_shapes.insert("+44 20 7946 0958");
  }
  const double n = static_cast<double>(c.contacts.size());
  EXPECT_GT(upper_email / n, 0.05);
  EXPECT_GT(padded, 0);
  EXPECT_GT(no_phone / n, 0.15);
  EXPECT_LT(no_phone / n, 0.5);
  EXPECT_EQ(phone_shapes.size(), 4u);
  for (const char* country :
       {"USA", "United States", "U.S.", "us", "UK", "England", "Germany", "Deutschland", ""}) {
    EXPECT_TRUE(countries.contains(country)) << country;
  }
  for (const char* title : {"VP Marketing", "Vice President, Marketing", "Mktg Mgr", "CMO",
                            "Sr. Software Engineer", ""}) {
    EXPECT_TRUE(titles.contains(title)) << title;
  }
  // Some anonymous touches before identification share the contact's cookie.
  std::map<int32_t, bool> cookie_identified;
  for (const Touchpoint& tp : c.touchpoints) {
    if (tp.visitor != kNone && tp.contact != kNone) cookie_identified[tp.visitor] = true;
  }
  int stitched = 0;
  for (const Touchpoint& tp : c.touchpoints) {
    stitched +=
        tp.contact == kNone && tp.visitor != kNone && cookie_identified.contains(tp.visitor);
  }
  EXPECT_GT(stitched, 100);
}

TEST(GenerateCompany, ValuesUseTheSharedVocabulary) {
  // DESIGN.md's lists, spelled once in core/taxonomy.h.
  const std::set<std::string> channels(core::kChannels.begin(), core::kChannels.end());
  const std::set<std::string> stages(core::kLifecycleStages.begin(), core::kLifecycleStages.end());
  ASSERT_EQ(channels.size(), 18u);
  ASSERT_EQ(stages.size(), 9u);
  std::set<std::string> used;
  for (const char* table : {"touchpoints", "campaigns", "spend"}) {
    const Table& t = SmallCsv(table);
    const int col = t.Column("channel");
    for (const auto& row : t.rows) {
      EXPECT_TRUE(channels.contains(row[col])) << table << ": " << row[col];
      used.insert(row[col]);
    }
  }
  EXPECT_EQ(used, channels) << "every channel appears somewhere";
  for (const char* table : {"contacts", "lifecycle_history"}) {
    const Table& t = SmallCsv(table);
    const int col = t.Column(std::string(table) == "contacts" ? "lifecycle_stage" : "stage");
    for (const auto& row : t.rows) EXPECT_TRUE(stages.contains(row[col])) << row[col];
  }
  const std::regex time(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
  const std::regex date(R"(\d{4}-\d{2}-\d{2})");
  const std::regex money(R"(-?\d+\.\d{2})");
  const Table& o = SmallCsv("opportunities");
  for (const auto& row : o.rows) {
    EXPECT_TRUE(std::regex_match(row[o.Column("created_at")], time));
    EXPECT_TRUE(std::regex_match(row[o.Column("close_date")], date));
    EXPECT_TRUE(std::regex_match(row[o.Column("amount")], money));
    EXPECT_TRUE(row[o.Column("is_won")] == "true" || row[o.Column("is_won")] == "false");
  }
  // The dictionary does not grow with the scale: 16-bit ids are enough.
  EXPECT_LT(Small().texts.size(), 5000u);
  EXPECT_EQ(ExternalId(RecordKind::kContact, 0), "con-000001");
  EXPECT_EQ(ExternalId(RecordKind::kTouchpoint, 41), "tp-00000042");
  EXPECT_EQ(SmallCsv("contacts").rows.front()[0], "con-000001");
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(AnonymousId(7, 3), uuid));
  EXPECT_EQ(AnonymousId(7, 3), AnonymousId(7, 3));
  EXPECT_NE(AnonymousId(7, 3), AnonymousId(8, 3));
}

TEST(GenerateCompany, UtmNamingConventionHasAFewPlantedViolations) {
  const Company& c = Small();
  const std::regex convention{std::string(kUtmConvention)};
  const std::set<std::string> violations(c.truth.utm_violations.begin(),
                                         c.truth.utm_violations.end());
  EXPECT_GE(violations.size(), 3u);
  int children = 0;
  for (const Campaign& camp : c.campaigns) {
    if (camp.type == "Program") {
      EXPECT_TRUE(camp.utm_campaign.empty());
      continue;
    }
    ++children;
    const bool ok = std::regex_match(camp.utm_campaign, convention);
    EXPECT_EQ(ok, !violations.contains(camp.utm_campaign)) << camp.utm_campaign;
  }
  EXPECT_LT(static_cast<int>(violations.size()), children / 5);
  // Hierarchy: children point at programs.
  for (const Campaign& camp : c.campaigns) {
    if (camp.parent != kNone) {
      EXPECT_EQ(c.campaigns[camp.parent].type, "Program");
    }
  }
  std::set<std::string> statuses;
  for (const Campaign& camp : c.campaigns) statuses.insert(camp.status);
  EXPECT_EQ(statuses, (std::set<std::string>{"Aborted", "Completed", "In Progress", "Planned"}));
}

TEST(GenerateCompany, SpendIsPlausibleAndAddsUpToActualCost) {
  const Company& c = Small();
  std::vector<int64_t> by_campaign(c.campaigns.size(), 0);
  int with_clicks = 0;
  for (const Spend& s : c.spend) {
    EXPECT_GE(s.amount, 0);
    EXPECT_NE(s.campaign, kNone);
    EXPECT_EQ(s.channel, c.campaigns[s.campaign].channel);
    by_campaign[s.campaign] += s.amount;
    if (!s.clicks || !s.impressions) continue;
    ++with_clicks;
    EXPECT_LE(*s.clicks, *s.impressions);
    if (*s.clicks >= 20) {
      const double ctr = static_cast<double>(*s.clicks) / static_cast<double>(*s.impressions);
      EXPECT_GT(ctr, 0.0003);
      EXPECT_LT(ctr, 0.3);
      const double cpc = static_cast<double>(s.amount) / 100 / static_cast<double>(*s.clicks);
      EXPECT_GT(cpc, 0.2);
      EXPECT_LT(cpc, 40);
    }
  }
  EXPECT_GT(with_clicks, 500);
  for (size_t i = 0; i < c.campaigns.size(); ++i) {
    if (c.campaigns[i].type == "Program") continue;
    EXPECT_EQ(c.campaigns[i].actual_cost, by_campaign[i]) << c.campaigns[i].name;
  }
}

TEST(GenerateCompany, RejectsInvalidOptions) {
  for (double scale : {0.0, -1.0, 1e9, std::nan("")}) {
    const auto result = GenerateCompany({.scale = scale});
    ASSERT_FALSE(result.has_value()) << scale;
    EXPECT_EQ(result.error().code, core::ErrorCode::kInvalidArgument);
  }
  // A folder that cannot be created: its parent is a file.
  const fs::path file = TempDir("not_a_folder");
  {
    std::FILE* f = std::fopen(file.string().c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  const auto status = WriteCompanyCsv(Small(), (file / "out").string());
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, core::ErrorCode::kIo);
  EXPECT_NE(status.error().ToString().find("not_a_folder"), std::string::npos);
  fs::remove(file);
}

}  // namespace
}  // namespace mops::demo
