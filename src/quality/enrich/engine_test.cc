// The enrichment engines: config, inference, the waterfall, vendor layouts
// (each on a fixture written from the vendor's documented columns, with
// invented people) and matching.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/csv.h"
#include "core/time.h"
#include "quality/enrich/enrich.h"
#include "quality/enrich/provenance.h"

namespace mops::quality::enrich {
namespace {

std::string Fixture(const std::string& name) {
  auto text = core::ReadFile(std::string(MOPS_ENRICH_FIXTURES) + "/" + name);
  EXPECT_TRUE(text.has_value()) << name;
  return text ? *text : std::string();
}

VendorFile Read(const std::string& name, core::NumberFormat numbers = {}) {
  VendorReadOptions options;
  options.numbers = numbers;
  auto file = ReadVendorFile(Fixture(name), name, options);
  EXPECT_TRUE(file.has_value()) << (file ? "" : file.error().ToString());
  return file ? *file : VendorFile{};
}

std::vector<std::string> Order(std::initializer_list<const char*> names) {
  return std::vector<std::string>(names.begin(), names.end());
}

Candidate Make(int field, std::string value, std::string source, double confidence = 0.9) {
  Candidate c;
  c.field = field;
  c.value = std::move(value);
  c.source = std::move(source);
  c.confidence = confidence;
  c.reason = "test";
  return c;
}

// ---------------------------------------------------------------- config

TEST(EnrichConfig, DefaultCoversEveryField) {
  const EnrichmentConfig& config = DefaultEnrichmentConfig();
  for (std::string_view entity : {"contacts", "accounts"}) {
    for (size_t f = 0; f < FieldNames(entity).size(); ++f) {
      EXPECT_FALSE(config.SourcesFor(entity, static_cast<int>(f)).empty())
          << entity << "." << FieldNames(entity)[f];
    }
  }
  EXPECT_EQ(config.stale_after_days, 180);
  EXPECT_DOUBLE_EQ(config.tolerance, 2.0);
}

TEST(EnrichConfig, FieldAndEntityFieldKeys) {
  auto config = ParseEnrichmentConfig(
      "sources:\n  employees: [apollo, zoominfo, inferred]\n  contacts.industry: [inferred]\n"
      "overwrite: [contacts.title]\n",
      "enrichment.yaml");
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->SourcesFor("contacts", kCEmployees), Order({"apollo", "zoominfo", "inferred"}));
  EXPECT_EQ(config->SourcesFor("accounts", kAEmployees), Order({"apollo", "zoominfo", "inferred"}));
  EXPECT_EQ(config->SourcesFor("contacts", kCIndustry), Order({"inferred"}));
  // Fields the file does not name keep the default order.
  EXPECT_EQ(config->SourcesFor("accounts", kAIndustry),
            DefaultEnrichmentConfig().SourcesFor("accounts", kAIndustry));
  EXPECT_TRUE(config->overwrite.contains("contacts.title"));
}

TEST(EnrichConfig, UnknownFieldNamesLineAndKey) {
  auto config = ParseEnrichmentConfig(
      "stale_after_days: 90\nsources:\n  employees: [zoominfo]\n  headcount: [apollo]\n",
      "enrichment.yaml");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().file, "enrichment.yaml");
  EXPECT_EQ(config.error().line, 4);
  EXPECT_EQ(config.error().field, "sources.headcount");
  EXPECT_NE(config.error().message.find("unknown field 'headcount'"), std::string::npos);
}

TEST(EnrichConfig, UnknownSourceNamesLineAndKey) {
  auto config =
      ParseEnrichmentConfig("sources:\n  employees: [zoominfo, zoomifo]\n", "enrichment.yaml");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().line, 2);
  EXPECT_EQ(config.error().field, "sources.employees");
  EXPECT_NE(config.error().message.find("unknown source 'zoomifo'"), std::string::npos);
}

TEST(EnrichConfig, OtherBadInput) {
  EXPECT_FALSE(ParseEnrichmentConfig("colour: blue\n", "x").has_value());
  EXPECT_FALSE(ParseEnrichmentConfig("overwrite: [shoe_size]\n", "x").has_value());
  EXPECT_FALSE(ParseEnrichmentConfig("tolerance: 0.5\n", "x").has_value());
  EXPECT_FALSE(ParseEnrichmentConfig("stale_after_days: soon\n", "x").has_value());
  EXPECT_FALSE(ParseEnrichmentConfig("sources: [a, b]\n", "x").has_value());
  EXPECT_FALSE(ParseEnrichmentConfig("sources:\n  city: [apollo, apollo]\n", "x").has_value());
  EXPECT_FALSE(ParseEnrichmentConfig("sources: {city: [x\n", "x").has_value());
}

// ---------------------------------------------------------------- inference

std::vector<std::string> EmptyContact() { return std::vector<std::string>(kContactFieldCount); }

TEST(EnrichInfer, EmptyIndustryFilledFromTheAccount) {
  AccountView account;
  account.id = 12;
  account.name = "Kessler Maschinenbau GmbH";
  account.values = std::vector<std::string>(kAccountFieldCount);
  account.values[kAIndustry] = "Manufacturing";
  account.values[kAEmployees] = "420";
  std::vector<std::string> contact = EmptyContact();
  std::vector<Candidate> candidates;
  InferContact(contact, {&account, "account_id", 0.9}, candidates);
  std::vector<Candidate> industry;
  for (const Candidate& c : candidates) {
    if (c.field == kCIndustry) industry.push_back(c);
  }
  ASSERT_EQ(industry.size(), 1u);
  const auto order = DefaultEnrichmentConfig().SourcesFor("contacts", kCIndustry);
  FieldDecision d = DecideField("contacts", 1, "industry", "", "", industry, order, false, 2);
  ASSERT_NE(d.chosen, nullptr);
  EXPECT_EQ(d.chosen->value, "Manufacturing");
  EXPECT_EQ(d.chosen->source, "inferred");
  EXPECT_DOUBLE_EQ(d.chosen->confidence, 0.9);
  EXPECT_EQ(d.chosen->reason, "account #12 (Kessler Maschinenbau GmbH)");
  // The reason made once per account (as a run does) gives the same
  // candidates; a matched account's reason still names the method.
  account.reason = AccountReason(account);
  EXPECT_EQ(account.reason, "account #12 (Kessler Maschinenbau GmbH)");
  std::vector<Candidate> again;
  InferContact(contact, {&account, "account_id", 0.9}, again);
  ASSERT_EQ(again.size(), candidates.size());
  for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i].reason, candidates[i].reason);
  again.clear();
  InferContact(contact, {&account, "domain", 0.8}, again);
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(again[0].reason, "account #12 (Kessler Maschinenbau GmbH) matched by domain");
}

TEST(EnrichInfer, GermanPhoneGivesDe) {
  EXPECT_EQ(PhoneRegion("+49 30 901820"), "DE");
  EXPECT_EQ(PhoneRegion("0049 30 901820"), "DE");
  EXPECT_EQ(PhoneRegion("+14155550134"), "US");
  EXPECT_EQ(PhoneRegion("(415) 555-0134"), "");  // no country code: no evidence
  EXPECT_EQ(PhoneRegion("+49 1"), "");
  std::vector<std::string> contact = EmptyContact();
  contact[kCPhone] = "+4930901820";
  std::vector<Candidate> candidates;
  InferContact(contact, {}, candidates);
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0].field, kCCountry);
  EXPECT_EQ(candidates[0].value, "DE");
  EXPECT_EQ(candidates[0].reason, "phone +49…: DE");
}

TEST(EnrichInfer, TitleGivesSeniorityDepartmentAndFunction) {
  std::vector<std::string> contact = EmptyContact();
  contact[kCTitle] = "VP Marketing";
  std::vector<Candidate> candidates;
  DerivedCandidates(contact, candidates);
  std::map<int, std::string> by_field;
  for (const Candidate& c : candidates) by_field[c.field] = c.value;
  EXPECT_EQ(by_field[kCSeniority], "vp");
  EXPECT_EQ(by_field[kCDepartment], "marketing");
  EXPECT_EQ(by_field[kCJobFunction], "marketing");
  EXPECT_EQ(JobFunction("Director of Demand Generation"), "demand_generation");
  EXPECT_EQ(JobFunction("Sr. Software Engineer"), "software_engineering");
  EXPECT_EQ(JobFunction(""), "");
}

TEST(EnrichInfer, TimeZoneFromCountryAndState) {
  EXPECT_EQ(TimeZoneFor("DE", "").first, "Europe/Berlin");
  EXPECT_EQ(TimeZoneFor("US", "US-CA").first, "America/Los_Angeles");
  EXPECT_EQ(TimeZoneFor("US", "NY").first, "America/New_York");
  EXPECT_DOUBLE_EQ(TimeZoneFor("US", "US-TX").second, 0.8);  // split state
  EXPECT_EQ(TimeZoneFor("US", "").first, "");                // spans zones
  EXPECT_EQ(TimeZoneFor("ZZ", "").first, "");
  std::vector<std::string> contact = EmptyContact();
  contact[kCCountry] = "United States";
  contact[kCState] = "California";
  std::vector<Candidate> candidates;
  DerivedCandidates(contact, candidates);
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0].value, "America/Los_Angeles");
  EXPECT_EQ(candidates[0].reason, "country US, state US-CA");
}

TEST(EnrichInfer, AccountDomainFromWebsiteElseAgreeingAddresses) {
  std::vector<Candidate> out;
  InferAccount("https://www.Brightfield.io/about", {}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].value, "brightfield.io");
  out.clear();
  const std::vector<std::string> agree = {"tulpdata.nl", "", "tulpdata.nl"};
  InferAccount("", agree, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].value, "tulpdata.nl");
  EXPECT_EQ(out[0].reason, "2 contact addresses @tulpdata.nl");
  out.clear();
  const std::vector<std::string> disagree = {"tulpdata.nl", "other.nl"};
  InferAccount("", disagree, out);
  EXPECT_TRUE(out.empty());
}

// ---------------------------------------------------------------- waterfall

TEST(EnrichWaterfall, FirstSourceInOrderWins) {
  const std::vector<Candidate> c = {Make(kCEmployees, "400", "inferred"),
                                    Make(kCEmployees, "450", "apollo"),
                                    Make(kCEmployees, "500", "zoominfo")};
  auto d = DecideField("contacts", 1, "employees", "", "", c,
                       Order({"zoominfo", "apollo", "inferred"}), false, 2);
  ASSERT_NE(d.chosen, nullptr);
  EXPECT_EQ(d.chosen->source, "zoominfo");
  d = DecideField("contacts", 1, "employees", "", "", c, Order({"apollo", "zoominfo", "inferred"}),
                  false, 2);
  ASSERT_NE(d.chosen, nullptr);
  EXPECT_EQ(d.chosen->value, "450");
  // A source not listed for the field does not count.
  d = DecideField("contacts", 1, "employees", "", "", c, Order({"clearbit"}), false, 2);
  EXPECT_EQ(d.chosen, nullptr);
  // An enriched value gives way to a more trusted source, not to a less trusted one.
  d = DecideField("contacts", 1, "employees", "400", "inferred", c,
                  Order({"zoominfo", "apollo", "inferred"}), false, 2);
  ASSERT_NE(d.chosen, nullptr);
  EXPECT_EQ(d.chosen->source, "zoominfo");
  const std::vector<Candidate> only_inferred = {Make(kCEmployees, "420", "inferred")};
  d = DecideField("contacts", 1, "employees", "500", "zoominfo", only_inferred,
                  Order({"zoominfo", "apollo", "inferred"}), false, 2);
  EXPECT_EQ(d.chosen, nullptr);
}

TEST(EnrichWaterfall, ValueAPersonEnteredIsLeftAlone) {
  const std::vector<Candidate> c = {Make(kCIndustry, "Software", "zoominfo")};
  auto d = DecideField("contacts", 1, "industry", "Retail", "", c, Order({"zoominfo"}), false, 2);
  EXPECT_EQ(d.chosen, nullptr);
  EXPECT_TRUE(d.conflicts.empty());  // industries are worded differently: no conflict
  d = DecideField("contacts", 1, "industry", "Retail", "", c, Order({"zoominfo"}), true, 2);
  ASSERT_NE(d.chosen, nullptr);  // unless the config says so for the field
  EXPECT_EQ(d.chosen->value, "Software");
}

TEST(EnrichWaterfall, ConflictListedNotResolved) {
  // A person's value contradicted by a vendor: kept, listed.
  const std::vector<Candidate> big = {Make(kCEmployees, "5000", "zoominfo")};
  auto d = DecideField("contacts", 7, "employees", "100", "", big, Order({"zoominfo"}), false, 2);
  EXPECT_EQ(d.chosen, nullptr);
  ASSERT_EQ(d.conflicts.size(), 1u);
  EXPECT_EQ(d.conflicts[0].record_id, 7);
  EXPECT_EQ(d.conflicts[0].kept_value, "100");
  EXPECT_EQ(d.conflicts[0].kept_source, "workspace");
  EXPECT_EQ(d.conflicts[0].other_value, "5000");
  EXPECT_EQ(ConflictOutcome(d.conflicts[0]), "kept");
  // Two sources more than 2x apart on an empty field: not filled, listed.
  const std::vector<Candidate> two = {Make(kCEmployees, "100", "zoominfo"),
                                      Make(kCEmployees, "250", "apollo")};
  d = DecideField("contacts", 7, "employees", "", "", two, Order({"zoominfo", "apollo"}), false, 2);
  EXPECT_EQ(d.chosen, nullptr);
  ASSERT_EQ(d.conflicts.size(), 1u);
  EXPECT_EQ(d.conflicts[0].other_source, "apollo");
  // The listing says the trusted value was not written, not that it was kept.
  EXPECT_EQ(ConflictOutcome(d.conflicts[0]), "left empty");
  // Revenue is stored in cents and listed in major units, as records show it.
  const std::vector<Candidate> revenue = {Make(kCAnnualRevenue, "1200000000", "apollo"),
                                          Make(kCAnnualRevenue, "290300000050", "inferred")};
  d = DecideField("contacts", 7, "annual_revenue", "", "", revenue, Order({"apollo", "inferred"}),
                  false, 2);
  ASSERT_EQ(d.conflicts.size(), 1u);
  EXPECT_EQ(d.conflicts[0].kept_value, "12000000.00");
  EXPECT_EQ(d.conflicts[0].other_value, "2903000000.50");
  EXPECT_NE(d.conflicts[0].reason.find("12000000.00 (apollo) against 2903000000.50 (inferred)"),
            std::string::npos)
      << d.conflicts[0].reason;
  // Within tolerance: filled from the first.
  const std::vector<Candidate> near = {Make(kCEmployees, "100", "zoominfo"),
                                       Make(kCEmployees, "190", "apollo")};
  d = DecideField("contacts", 7, "employees", "", "", near, Order({"zoominfo", "apollo"}), false,
                  2);
  ASSERT_NE(d.chosen, nullptr);
  EXPECT_EQ(d.chosen->value, "100");
  // Another country.
  const std::vector<Candidate> countries = {Make(kCCountry, "DE", "inferred"),
                                            Make(kCCountry, "US", "zoominfo")};
  d = DecideField("contacts", 7, "country", "", "", countries, Order({"inferred", "zoominfo"}),
                  false, 2);
  EXPECT_EQ(d.chosen, nullptr);
  ASSERT_EQ(d.conflicts.size(), 1u);
  EXPECT_TRUE(Disagree("country", "Germany", "US", 2));
  EXPECT_FALSE(Disagree("country", "Germany", "DE", 2));
}

// ---------------------------------------------------------------- vendor files

const VendorRow* RowWithId(const VendorFile& file, std::string_view id) {
  for (const VendorRow& r : file.rows) {
    if (r.vendor_record_id == id) return &r;
  }
  return nullptr;
}

TEST(EnrichVendor, ZoomInfoContacts) {
  VendorFile f = Read("zoominfo_contacts.csv");
  EXPECT_EQ(f.layout, "zoominfo_contacts");
  EXPECT_EQ(f.source, "zoominfo");
  EXPECT_EQ(f.entity, "contacts");
  ASSERT_EQ(f.rows.size(), 3u);  // title rows and the totals row are skipped
  EXPECT_EQ(f.skipped, 3);
  const VendorRow* helga = RowWithId(f, "1482736501");
  ASSERT_NE(helga, nullptr);
  EXPECT_EQ(helga->line, 4);
  EXPECT_EQ(helga->email, "helga.brandt@kessler-maschinen.de");
  EXPECT_EQ(helga->country, "DE");
  EXPECT_EQ(helga->state, "DE-BE");
  EXPECT_EQ(helga->phone, "+4930901820");
  EXPECT_EQ(helga->domain, "kessler-maschinen.de");
  EXPECT_EQ(helga->seniority, "director");
  EXPECT_EQ(helga->employees, 420);
  EXPECT_EQ(helga->annual_revenue, int64_t{85000} * 1000 * 100);  // thousands of USD, minor units
  const VendorRow* tobi = RowWithId(f, "1482736502");
  ASSERT_NE(tobi, nullptr);
  EXPECT_EQ(tobi->phone, "+14155550134");
  EXPECT_EQ(tobi->state, "US-CA");
  EXPECT_EQ(tobi->seniority, "vp");
  const VendorRow* maja = RowWithId(f, "1482736503");
  ASSERT_NE(maja, nullptr);
  EXPECT_EQ(maja->employees, 150);  // "1.5E+2" as a spreadsheet wrote it
  EXPECT_FALSE(maja->annual_revenue.has_value());
  ASSERT_EQ(f.warnings.size(), 1u);
  EXPECT_NE(f.warnings[0].find("line 6"), std::string::npos) << f.warnings[0];
}

TEST(EnrichVendor, ZoomInfoCompanies) {
  VendorFile f = Read("zoominfo_companies.csv");
  EXPECT_EQ(f.layout, "zoominfo_companies");
  EXPECT_EQ(f.entity, "accounts");
  ASSERT_EQ(f.rows.size(), 3u);
  EXPECT_EQ(f.rows[0].domain, "kessler-maschinen.de");  // from "http://www.../de/"
  EXPECT_EQ(f.rows[1].domain, "brightfield.io");
  EXPECT_EQ(f.rows[2].country, "GB");
  EXPECT_EQ(f.rows[2].employees, 210);
}

TEST(EnrichVendor, ApolloPeopleAndAccounts) {
  VendorFile people = Read("apollo_people.csv");
  EXPECT_EQ(people.layout, "apollo_people");
  ASSERT_EQ(people.rows.size(), 3u);
  EXPECT_EQ(people.rows[0].vendor_record_id, "64f0a1b2c3d4e5f6a7b8c9d0");
  EXPECT_EQ(people.rows[0].phone, "+14155550134");  // a leading apostrophe from a spreadsheet
  EXPECT_EQ(people.rows[0].department, "sales");    // "master_sales"
  EXPECT_EQ(people.rows[0].annual_revenue, int64_t{12000000} * 100);
  EXPECT_EQ(people.rows[1].seniority, "director");  // "head"
  EXPECT_EQ(people.rows[1].email, "");
  EXPECT_EQ(people.rows[1].domain, "brightfield.io");
  VendorFile accounts = Read("apollo_accounts.csv");
  EXPECT_EQ(accounts.layout, "apollo_accounts");
  EXPECT_EQ(accounts.entity, "accounts");
  ASSERT_EQ(accounts.rows.size(), 2u);
  EXPECT_EQ(accounts.rows[1].employees, 4000);
}

TEST(EnrichVendor, Clearbit) {
  VendorFile people = Read("clearbit_people.csv");
  EXPECT_EQ(people.layout, "clearbit_people");
  ASSERT_EQ(people.rows.size(), 1u);
  EXPECT_EQ(people.rows[0].seniority, "director");
  EXPECT_EQ(people.rows[0].department, "marketing");
  EXPECT_EQ(people.rows[0].employees, 450);
  VendorFile companies = Read("clearbit_companies.csv");
  EXPECT_EQ(companies.layout, "clearbit_companies");
  ASSERT_EQ(companies.rows.size(), 1u);
  EXPECT_EQ(companies.rows[0].state, "US-CA");
}

TEST(EnrichVendor, LushaWithEuropeanNumbers) {
  VendorFile f = Read("lusha_contacts.csv", core::NumberFormat{',', '.'});
  EXPECT_EQ(f.layout, "lusha_contacts");
  ASSERT_EQ(f.rows.size(), 2u);  // the blank last row is skipped
  EXPECT_EQ(f.rows[0].employees, 1200);
  EXPECT_EQ(f.rows[0].country, "NL");
  EXPECT_EQ(f.rows[0].phone, "+31207948120");
  EXPECT_EQ(f.rows[0].vendor_record_id, "lusha_contacts.csv:2");  // no id column: file and line
  EXPECT_EQ(f.rows[1].seniority, "c_level");
}

TEST(EnrichVendor, Cognism) {
  VendorFile f = Read("cognism_contacts.csv");
  EXPECT_EQ(f.layout, "cognism_contacts");
  ASSERT_EQ(f.rows.size(), 2u);
  EXPECT_EQ(f.rows[0].employees, 350);  // "201-500": the middle
  EXPECT_EQ(f.rows[0].phone, "+442079460322");
  EXPECT_EQ(f.rows[0].country, "GB");
}

TEST(EnrichVendor, UnknownLayoutIsAClearError) {
  auto f = ReadVendorFile(Fixture("unknown_layout.csv"), "unknown_layout.csv", {});
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().file, "unknown_layout.csv");
  EXPECT_EQ(f.error().line, 1);
  EXPECT_NE(f.error().message.find("unknown vendor layout"), std::string::npos);
  EXPECT_NE(f.error().message.find("Name, Mail, Firm, Size"), std::string::npos);
  EXPECT_NE(f.error().message.find("zoominfo_contacts"), std::string::npos);
  VendorReadOptions bad;
  bad.layout = "hoovers";
  auto g = ReadVendorFile(Fixture("apollo_people.csv"), "apollo_people.csv", bad);
  ASSERT_FALSE(g.has_value());
  EXPECT_EQ(g.error().field, "layout");
}

// ---------------------------------------------------------------- matching

TEST(EnrichMatch, EmailThenDomainThenNameAndCompany) {
  const std::vector<MatchContact> contacts = {
      {1, "tobi.okafor@brightfield.io", "Tobi", "Okafor", "brightfield labs"},
      {2, "r.ferreira@brightfield.io", "Rosa", "Ferreira", "brightfield labs"},
      {3, "helga.brandt@kessler-maschinen.de", "Helga", "Brandt", "kessler maschinenbau"},
      {4, "sanne@gmail.com", "Sanne", "Bakker", "tulp data"},
      {5, "dup@x.com", "A", "B", ""},
      {6, "dup@x.com", "C", "D", ""},
      {7, "jan@tulpdata.nl", "Jan", "Smit", "tulp data"},
  };
  std::vector<VendorRow> rows(6);
  rows[0].email = "tobi.okafor@brightfield.io";
  rows[1].first_name = "Rosa";  // no email: her work domain, then her name
  rows[1].last_name = "Ferreira";
  rows[1].domain = "brightfield.io";
  rows[2].first_name = "Sanne";  // personal mailbox: name and company
  rows[2].last_name = "Bakker";
  rows[2].company_name = "Tulp Data B.V.";
  rows[3].email = "dup@x.com";
  rows[4].first_name = "Nobody";
  rows[4].last_name = "Known";
  rows[4].company_name = "Tulp Data";
  rows[5].first_name = "Ghost";
  rows[5].company_name = "Elsewhere Inc";
  auto m = MatchVendorRows(rows, "contacts", contacts, {}, 0.9);
  EXPECT_EQ(m[0].record_id, 1);
  EXPECT_EQ(m[0].method, "email");
  EXPECT_EQ(m[1].record_id, 2);
  EXPECT_EQ(m[1].method, "domain");
  EXPECT_GT(m[1].probability, 0.99);
  EXPECT_EQ(m[2].record_id, 4);
  EXPECT_EQ(m[2].method, "name_company");
  EXPECT_EQ(m[3].status, "ambiguous");
  EXPECT_EQ(m[4].status, "unmatched");
  EXPECT_EQ(m[5].status, "unmatched");
}

// The header of a ZoomInfo contacts export, for files built row by row.
constexpr std::string_view kZoomInfoContactsHeader =
    "ZoomInfo Contact ID,First Name,Last Name,Job Title,Management Level,Email Address,"
    "Direct Phone Number,Company Name,Website,Employees,Revenue (in 000s USD),Primary "
    "Industry,Person City,Country\n";

// A large file is converted on every core: every row in its form, the
// warnings in line order.
TEST(EnrichVendors, LargeFileConvertedInOrder) {
  std::string text(kZoomInfoContactsHeader);
  constexpr int kRows = 40000;
  for (int r = 0; r < kRows; ++r) {
    text += fmt::format(
        "{},Anna,Meyer{},CFO,VP-Level,Anna.M{}@Example{}.COM,{},Acme,{},{},{},"
        "Software,Berlin,Germany\n",
        1000 + r, r, r, r % 50, r % 1000 == 7 ? "+49 30" : "+49 30 901820",
        r % 3 == 0 ? "https://www.acme.de/x" : "", r % 997 == 5 ? "many" : "\"1,200\"",
        r % 2 == 0 ? "12500" : "");
  }
  auto file = ReadVendorFile(text, "big.csv", {});
  ASSERT_TRUE(file.has_value()) << file.error().ToString();
  ASSERT_EQ(file->rows.size(), static_cast<size_t>(kRows));
  std::vector<int64_t> warned_lines;
  for (const std::string& w : file->warnings) {
    warned_lines.push_back(std::stoll(w.substr(5, w.find_first_of(" :", 5) - 5)));
  }
  EXPECT_TRUE(std::is_sorted(warned_lines.begin(), warned_lines.end()));
  EXPECT_EQ(file->warnings.size(), static_cast<size_t>(40 + 41));
  for (int r = 0; r < kRows; r += 1231) {
    const VendorRow& row = file->rows[r];
    EXPECT_EQ(row.line, r + 2);
    EXPECT_EQ(row.vendor_record_id, std::to_string(1000 + r));
    EXPECT_EQ(row.email, fmt::format("anna.m{}@example{}.com", r, r % 50));
    EXPECT_EQ(row.domain, r % 3 == 0 ? "acme.de" : fmt::format("example{}.com", r % 50));
    EXPECT_EQ(row.country, "DE");
    EXPECT_EQ(row.seniority, "vp");
    EXPECT_EQ(row.phone, r % 1000 == 7 ? "" : "+4930901820");
    EXPECT_EQ(row.employees, r % 997 == 5 ? std::nullopt : std::optional<int64_t>(1200));
    EXPECT_EQ(row.annual_revenue,
              r % 2 == 0 ? std::optional<int64_t>(int64_t{12500} * 1000 * 100) : std::nullopt);
  }
}

// Cells with doubled quotes (unquoted by the reader into its own storage,
// valid only until the next row) and quoted line breaks keep their text and
// their rows' lines when the rows are converted after reading.
TEST(EnrichVendors, QuotedCellsKeptThroughTheRead) {
  std::string text(kZoomInfoContactsHeader);
  constexpr int kRows = 20000;
  for (int r = 0; r < kRows; ++r) {
    text += fmt::format(
        "{},Anna,\"O\"\"Neil {}\",\"Head of \"\"Ops\"\" {}\",Manager,a{}@acme.de,,"
        "\"Acme\nGmbH {}\",,10,,Software,Berlin,Germany\n",
        5000 + r, r, r, r, r);
  }
  auto file = ReadVendorFile(text, "quoted.csv", {});
  ASSERT_TRUE(file.has_value()) << file.error().ToString();
  ASSERT_EQ(file->rows.size(), static_cast<size_t>(kRows));
  for (int r = 0; r < kRows; r += 997) {
    const VendorRow& row = file->rows[r];
    EXPECT_EQ(row.line, 2 + 2 * r);  // each row spans two lines
    EXPECT_EQ(row.last_name, fmt::format("O\"Neil {}", r));
    EXPECT_EQ(row.title, fmt::format("Head of \"Ops\" {}", r));
    EXPECT_EQ(row.company_name, fmt::format("Acme\nGmbH {}", r));
    EXPECT_EQ(row.vendor_record_id, std::to_string(5000 + r));
  }
}

// Large files are matched on every core: the same matches as row by row.
std::string Letters(int n) {  // names are compared without digits
  std::string out = "Q";
  for (; n > 0; n /= 26) out.push_back(static_cast<char>('a' + n % 26));
  return out;
}
TEST(EnrichMatch, ManyRowsMatchAsOneByOne) {
  constexpr int kContacts = 20000, kRows = 30000;
  const char* first[] = {"Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Grace"};
  std::vector<MatchContact> contacts;
  for (int i = 0; i < kContacts; ++i) {
    const int company = i / 40;  // 40 people per company
    contacts.push_back({i + 1, fmt::format("p{}@company{}.com", i, company), first[i % 7],
                        Letters(i / 7), fmt::format("company {}", company)});
  }
  std::vector<VendorRow> rows(kRows);
  for (int r = 0; r < kRows; ++r) {
    const int i = (r * 7919) % kContacts, company = i / 40;
    VendorRow& row = rows[r];
    row.first_name = first[i % 7];
    row.last_name = Letters(i / 7);
    switch (r % 4) {
      case 0:
        row.email = fmt::format("p{}@company{}.com", i, company);
        break;
      case 1:
        row.domain = fmt::format("company{}.com", company);
        break;
      case 2:
        row.company_name = fmt::format("Company {} Inc.", company);
        break;
      default:
        row.first_name = "Zed";
        row.company_name = "Nowhere Ltd";
        break;
    }
  }
  const std::vector<RowMatch> all = MatchVendorRows(rows, "contacts", contacts, {}, 0.9);
  ASSERT_EQ(all.size(), rows.size());
  int matched = 0;
  for (const RowMatch& m : all) matched += m.status == "matched";
  EXPECT_GT(matched, kRows / 2);
  // Matched in parts against one matcher (as a load stages one part while
  // the next is matched): the same matches.
  const VendorMatcher matcher("contacts", contacts, {}, 0.9);
  std::vector<RowMatch> parts(rows.size());
  for (size_t lo = 0; lo < rows.size(); lo += 4099) {
    const size_t n = std::min<size_t>(4099, rows.size() - lo);
    matcher.Match(std::span<const VendorRow>(rows).subspan(lo, n),
                  std::span<RowMatch>(parts).subspan(lo, n));
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    ASSERT_EQ(parts[r].status, all[r].status) << r;
    ASSERT_EQ(parts[r].record_id, all[r].record_id) << r;
    ASSERT_EQ(parts[r].method, all[r].method) << r;
    ASSERT_EQ(parts[r].probability, all[r].probability) << r;
  }
  for (int r = 0; r < kRows; r += 997) {
    const std::vector<RowMatch> one =
        MatchVendorRows(std::span(rows).subspan(r, 1), "contacts", contacts, {}, 0.9);
    EXPECT_EQ(all[r].status, one[0].status) << r;
    EXPECT_EQ(all[r].method, one[0].method) << r;
    EXPECT_EQ(all[r].record_id, one[0].record_id) << r;
    EXPECT_EQ(all[r].probability, one[0].probability) << r;
  }
}

// The entity a load scans for while the file is read is the one the file's
// layout has, from the header alone.
TEST(EnrichVendors, EntityFromTheHeaderAlone) {
  for (const char* name : {"zoominfo_contacts.csv", "zoominfo_companies.csv", "apollo_people.csv",
                           "apollo_accounts.csv", "clearbit_people.csv", "clearbit_companies.csv",
                           "lusha_contacts.csv", "cognism_contacts.csv"}) {
    const std::string text = Fixture(name);
    auto file = ReadVendorFile(text, name, {});
    ASSERT_TRUE(file.has_value()) << name;
    EXPECT_EQ(VendorFileEntity(text, {}), file->entity) << name;
  }
  EXPECT_EQ(VendorFileEntity(Fixture("unknown_layout.csv"), {}), "");
  VendorReadOptions named;
  named.layout = "apollo_people";
  EXPECT_EQ(VendorFileEntity(Fixture("apollo_people.csv"), named), "contacts");
  EXPECT_EQ(VendorFileEntity(Fixture("zoominfo_companies.csv"), named), "");
  EXPECT_EQ(VendorFileEntity("Report: contacts\n\n" + Fixture("zoominfo_contacts.csv"), {}),
            "contacts");
}

TEST(EnrichMatch, AccountsByDomainThenName) {
  const std::vector<MatchAccount> accounts = {{10, "brightfield.io", "brightfield labs", "US"},
                                              {11, "", "kessler maschinenbau", "DE"},
                                              {12, "", "quillon freight", "GB"},
                                              {13, "", "quillon freight", "IE"}};
  VendorFile f = Read("zoominfo_companies.csv");
  auto m = MatchVendorRows(f.rows, "accounts", {}, accounts, 0.9);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].record_id, 11);
  EXPECT_EQ(m[0].method, "name_company");
  EXPECT_EQ(m[1].record_id, 10);
  EXPECT_EQ(m[1].method, "domain");
  EXPECT_EQ(m[2].record_id, 12);  // the country tells the two Quillons apart
}

// ------------------------------------------------------------ provenance

// One entry of the first stored format, as runs wrote it: the expanded
// object the record routes answer.
std::string FirstFormatEntry(const ProvenanceFact& f, int64_t run, int64_t at) {
  std::string out = "{\"source\":" + Json(std::string(f.source)).dump();
  if (!f.vendor_record_id.empty()) {
    out += ",\"vendor_record_id\":" + Json(std::string(f.vendor_record_id)).dump();
  }
  out += fmt::format(",\"confidence\":{:.4g},\"reason\":", f.confidence);
  out += Json(std::string(f.reason)).dump();
  out +=
      fmt::format(",\"at\":\"{}\",\"at_unix\":{},\"run\":{}}}", core::FormatTimestamp(at), at, run);
  return out;
}

TEST(EnrichProvenance, CompactReadsExactlyAsTheExpandedFormat) {
  const int64_t run = 7, at = 1767225600;
  const ProvenanceFact vendor = {"zoominfo", "1482736502", 0.99,
                                 "zoominfo 1482736502 (email match, p=0.99)"};
  const ProvenanceFact account = {"inferred", "", 0.7 * 0.9, "account #12 (Acme \"Tools\" \\ AG)"};
  const ProvenanceFact phone = {"inferred", "", 0.9, "phone +49…: DE\t\x01"};
  const ProvenanceFact whole = {"apollo", "a-1", 1.0, ""};
  const ProvenanceFact fine = {"lusha", "file:12", 0.812345678, "lusha"};
  const std::pair<const char*, ProvenanceFact> fields[] = {
      {"industry", vendor}, {"employees", vendor}, {"city", account}, {"state", account},
      {"country", phone},   {"title", whole},      {"phone", fine}};
  CompactProvenanceWriter writer;
  writer.Start(run, at);
  std::string first = "{";
  for (const auto& [field, fact] : fields) {
    writer.Add(field, fact);
    if (first.size() > 1) first += ",";
    first += Json(field).dump() + ":" + FirstFormatEntry(fact, run, at);
  }
  first += "}";
  std::string compact;
  writer.Finish(compact);
  const Json expected = Json::parse(first);
  const Json expanded = ExpandProvenance(compact);
  // The same object, down to the number types and the text of each value.
  EXPECT_EQ(expanded, expected);
  EXPECT_EQ(expanded.dump(), expected.dump());
  EXPECT_EQ(expanded["title"]["confidence"].dump(), "1");
  EXPECT_EQ(expanded["phone"]["confidence"].dump(), "0.8123");
  EXPECT_FALSE(expanded["city"].contains("vendor_record_id"));
  // Each distinct fact once: far smaller than the expanded text.
  EXPECT_LT(compact.size() * 2, first.size());
  // The first format is read as it is, and compacts to the same facts.
  EXPECT_EQ(ExpandProvenance(first), expected);
  EXPECT_EQ(ExpandProvenance(CompactProvenance(expected)).dump(), expected.dump());
  // Unreadable texts read as nothing.
  EXPECT_TRUE(ExpandProvenance("").is_null());
  EXPECT_TRUE(ExpandProvenance("[9,[],[]]").is_null());
  EXPECT_TRUE(ExpandProvenance("[3,[],[]]").empty());
  EXPECT_TRUE(ExpandProvenance("[2,[[1,2,{\"x\":5}]],[]]").empty());
  EXPECT_TRUE(ExpandProvenance("[3,[[1,2,\"a5z0\"]],[[0.9,\"r\"]]]").empty());
}

// The stored facts are coded (inferred ones without their source, a vendor
// row's reason as its method and p) and the readers see the same object as
// before: the reason rebuilt to the character, whatever the facts hold.
TEST(EnrichProvenance, CodedFactsReadAsTheirReasons) {
  const int64_t run = 3, at = 1767225600;
  const ProvenanceFact facts[] = {
      {"zoominfo", "9000000", 0.891, "zoominfo 9000000 (email match, p=0.99)"},
      {"apollo", "a \"1\"", 0.9, "apollo a \"1\" (domain match, p=1.00)"},
      {"lusha", "7", 0.5, "lusha 7 (email match, p=0.9)"},    // one decimal: kept as it is
      {"lusha", "8", 0.5, "lusha 8 (email match, p=0.99"},    // no bracket: kept
      {"lusha", "9", 0.5, "lusha 10 (email match, p=0.99)"},  // another id: kept
      {"inferred", "", 0.8, "title 'VP Marketing'"},
      {"inferred", "x-1", 0.7, "inferred x-1 (name_company match, p=0.70)"},
      {"cognism", "", 1.0, ""}};
  const std::string_view names[] = {"industry", "employees", "city",     "state",
                                    "title",    "seniority", "x_custom", "domain"};
  CompactProvenanceWriter writer;
  writer.Start(run, at);
  std::string first = "{";
  for (size_t i = 0; i < std::size(facts); ++i) {
    writer.Add(names[i], facts[i]);
    if (first.size() > 1) first += ",";
    first += Json(std::string(names[i])).dump() + ":" + FirstFormatEntry(facts[i], run, at);
  }
  first += "}";
  std::string compact;
  writer.Finish(compact);
  const Json expected = Json::parse(first);
  EXPECT_EQ(ExpandProvenance(compact).dump(), expected.dump()) << compact;
  EXPECT_EQ(compact.find("9000000 (email"), std::string::npos) << compact;
  EXPECT_NE(compact.find("[0.8,\"title 'VP Marketing'\"]"), std::string::npos) << compact;
  EXPECT_NE(compact.find("{\"x_custom\":6}"), std::string::npos) << compact;
  EXPECT_EQ(ExpandProvenance(CompactProvenance(expected)).dump(), expected.dump());
  // Every p a vendor row can give reads back as it was written.
  for (int i = 0; i <= 100; ++i) {
    const std::string reason = fmt::format("zoominfo 5 (email match, p={:.2f})", i / 100.0);
    writer.Start(run, at);
    writer.Add("industry", {"zoominfo", "5", 0.9 * i / 100.0, reason});
    writer.Finish(compact);
    EXPECT_EQ(ExpandProvenance(compact)["industry"]["reason"], reason) << compact;
  }
}

// Texts stored in format 2 (fields by name, every fact whole) read as they
// always did, and a typical contact's format 3 text is far smaller.
TEST(EnrichProvenance, SecondFormatStillRead) {
  const std::string format2 =
      "[2,[[1,1796601571,{\"industry\":0,\"employees\":0,\"annual_revenue\":0,\"state\":1,"
      "\"city\":1,\"seniority\":2,\"department\":2,\"job_function\":3,\"time_zone\":4}]],"
      "[[\"zoominfo\",\"9000000\",0.891,\"zoominfo 9000000 (email match, p=0.99)\"],"
      "[\"inferred\",\"\",0.8,\"account #1920 (Company 1920 Systems) matched by domain\"],"
      "[\"inferred\",\"\",0.8,\"title 'Marketing Operations Manager'\"],"
      "[\"inferred\",\"\",0.75,\"title 'Marketing Operations Manager'\"],"
      "[\"inferred\",\"\",0.95,\"country US, state US-CA\"]]]";
  const Json expanded = ExpandProvenance(format2);
  ASSERT_EQ(expanded.size(), 9u);
  EXPECT_EQ(expanded["industry"]["reason"], "zoominfo 9000000 (email match, p=0.99)");
  EXPECT_EQ(expanded["industry"]["vendor_record_id"], "9000000");
  EXPECT_EQ(expanded["city"]["source"], "inferred");
  EXPECT_FALSE(expanded["city"].contains("vendor_record_id"));
  EXPECT_EQ(expanded["job_function"]["confidence"].dump(), "0.75");
  EXPECT_EQ(expanded["time_zone"]["at"], core::FormatTimestamp(1796601571));
  const std::string format3 = CompactProvenance(expanded);
  EXPECT_EQ(ExpandProvenance(format3), expanded);
  EXPECT_EQ(ExpandProvenance(format3).dump(), expanded.dump());
  EXPECT_LT(format3.size() * 10, format2.size() * 6) << format3;
}

TEST(EnrichProvenance, FieldCodesAreStable) {
  // Stored rows keep these codes: a new field takes the next letter.
  EXPECT_EQ(FieldCode("industry"), 'a');
  EXPECT_EQ(FieldCode("domain"), 'n');
  EXPECT_EQ(FieldCode("unknown"), 0);
  EXPECT_EQ(FieldOfCode('g'), "company_name");
  EXPECT_EQ(FieldOfCode('z'), "");
  for (std::string_view entity : {"contacts", "accounts"}) {
    for (std::string_view field : FieldNames(entity)) {
      EXPECT_NE(FieldCode(field), 0) << field;
      EXPECT_EQ(FieldOfCode(FieldCode(field)), field);
    }
  }
}

TEST(EnrichProvenance, FieldsOfSeveralRunsKeepTheirRunAndTime) {
  CompactProvenanceWriter writer;
  writer.Start(1, 1700000000);
  writer.Add("industry", {"inferred", "", 0.9, "account #1 (A)"});
  writer.Add("city", {"inferred", "", 0.9, "account #1 (A)"});
  std::string one;
  writer.Finish(one);
  Json merged = ExpandProvenance(one);
  writer.Start(2, 1700086400);
  writer.Add("city", {"zoominfo", "9", 0.95, "zoominfo 9 (email match, p=0.95)"});
  std::string two;
  writer.Finish(two);
  merged["city"] = ExpandProvenance(two)["city"];
  const Json back = ExpandProvenance(CompactProvenance(merged));
  EXPECT_EQ(back, merged);
  EXPECT_EQ(back["industry"]["run"], 1);
  EXPECT_EQ(back["city"]["run"], 2);
  EXPECT_EQ(back["city"]["at"], core::FormatTimestamp(1700086400));
  EXPECT_EQ(back["industry"]["at_unix"], 1700000000);
}

}  // namespace
}  // namespace mops::quality::enrich
