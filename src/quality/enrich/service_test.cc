// Enrichment on a workspace: the hand-built cases of the issue, vendor files
// through staging, undo compared on full table dumps, bad input changing
// nothing. On SQLite, and (built with MOPS_ENRICH_TEST_POSTGRES) on a
// throwaway PostgreSQL.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "core/csv.h"
#include "core/time.h"
#include "quality/enrich/enrich.h"
#include "quality/enrich/provenance.h"
#include "records/records.h"
#include "store/database.h"
#ifdef MOPS_ENRICH_TEST_POSTGRES
#include "tests/support/postgres_server.h"
#endif

namespace mops::quality::enrich {
namespace {

using store::Value;

std::string Fixture(const std::string& name) {
  auto text = core::ReadFile(std::string(MOPS_ENRICH_FIXTURES) + "/" + name);
  EXPECT_TRUE(text.has_value()) << name;
  return text ? *text : std::string();
}

class EnrichWorkspace : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("mops_enrich_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
#ifdef MOPS_ENRICH_TEST_POSTGRES
    auto server = test_support::PostgresServer::Shared();
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    auto url =
        (*server)->CreateDatabase(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_TRUE(url.has_value()) << url.error().ToString();
    auto db = store::Open(*url);
#else
    auto db = store::Open((dir_ / "ws.db").string());
#endif
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_).has_value());
    Seed();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Exec(const std::string& sql, std::vector<Value> params = {}) {
    auto done = db_->Execute(sql, params);
    ASSERT_TRUE(done.has_value()) << sql << ": " << done.error().ToString();
  }

  // Invented companies and people.
  void Seed() {
    const std::string account =
        "INSERT INTO accounts (id, source_system, external_id, name, domain, website, industry, "
        "employees, annual_revenue, country, state, city) VALUES (?, 'salesforce', ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?)";
    Exec(account,
         {int64_t{1}, "001A", "Kessler Maschinenbau GmbH", Value{}, "www.kessler-maschinen.de",
          "Manufacturing", int64_t{420}, int64_t{8500000000}, "DE", "DE-BE", "Berlin"});
    Exec(account, {int64_t{2}, "001B", "Brightfield Labs Inc.", Value{}, Value{}, Value{}, Value{},
                   Value{}, "US", "US-CA", "San Francisco"});
    Exec(account, {int64_t{3}, "001C", "Tulp Data B.V.", Value{}, Value{}, "", Value{}, Value{},
                   "NL", Value{}, "Amsterdam"});
    const std::string contact =
        "INSERT INTO contacts (id, source_system, external_id, email, first_name, last_name, "
        "title, phone, account_id, country, state, industry, employees, company_name) VALUES (?, "
        "'salesforce', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    // 1: industry empty, account has one; title gives seniority and department.
    Exec(contact, {int64_t{1}, "003A", "helga.brandt@kessler-maschinen.de", "Helga", "Brandt",
                   "Head of Marketing", "+4930901820", int64_t{1}, Value{}, Value{}, Value{},
                   Value{}, Value{}});
    // 2: an industry a person typed; employees empty.
    Exec(contact, {int64_t{2}, "003B", "tobi.okafor@brightfield.io", "Tobi", "Okafor", "VP Sales",
                   Value{}, int64_t{2}, "US", "US-CA", "Retail", Value{}, ""});
    // 3: no account; the domain of the account it belongs to comes from its website.
    Exec(contact, {int64_t{3}, "003C", "k.vogel@kessler-maschinen.de", "Klara", "Vogel", Value{},
                   Value{}, Value{}, Value{}, Value{}, Value{}, Value{}, Value{}});
    // 4: a German phone and no country.
    Exec(contact, {int64_t{4}, "003D", "max@gmail.com", "Max", "Huber", "", "+49 89 12345678",
                   Value{}, Value{}, Value{}, Value{}, Value{}, Value{}});
    // 5: employees a person entered; a vendor will say otherwise.
    Exec(contact, {int64_t{5}, "003E", "jan@tulpdata.nl", "Jan", "Smit", "Data Engineer", Value{},
                   int64_t{3}, "NL", Value{}, Value{}, int64_t{100}, Value{}});
    Exec(contact, {int64_t{6}, "003F", "pieter.vandijk@tulpdata.nl", "Pieter", "van Dijk", Value{},
                   Value{}, int64_t{3}, Value{}, Value{}, Value{}, Value{}, Value{}});
  }

  // Every row of the tables enrichment touches, with types.
  std::string Dump() {
    std::string out;
    for (const char* sql :
         {"SELECT * FROM contacts ORDER BY id", "SELECT * FROM accounts ORDER BY id",
          "SELECT * FROM enrichment_provenance ORDER BY entity, record_id",
          "SELECT * FROM enrichment_staging ORDER BY id", "SELECT * FROM configs ORDER BY name"}) {
      auto rows = db_->Query(sql);
      EXPECT_TRUE(rows.has_value()) << sql;
      if (!rows) continue;
      out += sql;
      out += "\n";
      for (const auto& row : rows->rows) {
        for (size_t i = 0; i < row.size(); ++i) {
          out += rows->columns[i] + "=";
          if (store::IsNull(row[i])) {
            out += "NULL";
          } else if (std::holds_alternative<int64_t>(row[i])) {
            out += "i" + store::AsText(row[i]);
          } else if (std::holds_alternative<double>(row[i])) {
            out += "d" + store::AsText(row[i]);
          } else {
            out += "'" + store::AsText(row[i]) + "'";
          }
          out += " ";
        }
        out += "\n";
      }
    }
    return out;
  }

  std::string Text(const std::string& sql) {
    auto v = db_->QueryValue(sql);
    EXPECT_TRUE(v.has_value()) << sql;
    return v ? store::AsText(*v) : "?";
  }

  RunReport RunOk(RunOptions options = {}) {
    auto r = enrich::Run(*db_, options);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? *r : RunReport{};
  }

  LoadReport LoadOk(const std::string& name, core::NumberFormat numbers = {}) {
    VendorReadOptions options;
    options.numbers = numbers;
    auto r = LoadVendorFile(*db_, Fixture(name), name, options, "test");
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? *r : LoadReport{};
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Database> db_;
};

const FieldFill* Fill(const RunReport& r, std::string_view field) {
  for (const FieldFill& f : r.fields) {
    if (f.field == field) return &f;
  }
  return nullptr;
}

TEST_F(EnrichWorkspace, InferenceHandBuiltCases) {
  const RunReport r = RunOk();
  ASSERT_GT(r.run_id, 0);
  // An empty industry filled from the account.
  EXPECT_EQ(Text("SELECT industry FROM contacts WHERE id = 1"), "Manufacturing");
  EXPECT_EQ(Text("SELECT employees FROM contacts WHERE id = 1"), "420");
  // A title to seniority and department.
  EXPECT_EQ(Text("SELECT seniority FROM contacts WHERE id = 1"), "director");
  EXPECT_EQ(Text("SELECT department FROM contacts WHERE id = 1"), "marketing");
  EXPECT_EQ(Text("SELECT time_zone FROM contacts WHERE id = 1"), "Europe/Berlin");
  // A value a person entered is left alone.
  EXPECT_EQ(Text("SELECT industry FROM contacts WHERE id = 2"), "Retail");
  EXPECT_EQ(Text("SELECT time_zone FROM contacts WHERE id = 2"), "America/Los_Angeles");
  // The account's domain from its website; the contact without an account
  // inherits through lead-to-account matching (not attached).
  EXPECT_EQ(Text("SELECT domain FROM accounts WHERE id = 1"), "kessler-maschinen.de");
  EXPECT_EQ(Text("SELECT industry FROM contacts WHERE id = 3"), "Manufacturing");
  EXPECT_EQ(Text("SELECT COALESCE(account_id, 0) FROM contacts WHERE id = 3"), "0");
  // Domain from agreeing contact addresses.
  EXPECT_EQ(Text("SELECT domain FROM accounts WHERE id = 3"), "tulpdata.nl");
  EXPECT_EQ(Text("SELECT domain FROM accounts WHERE id = 2"), "brightfield.io");
  // +49 phone to DE, with its reason.
  EXPECT_EQ(Text("SELECT country FROM contacts WHERE id = 4"), "DE");
  auto prov = RecordProvenance(*db_, "contacts", 4);
  ASSERT_TRUE(prov.has_value());
  EXPECT_EQ((*prov)["country"]["reason"], "phone +49…: DE");
  EXPECT_EQ((*prov)["country"]["source"], "inferred");
  EXPECT_EQ((*prov)["country"]["run"], r.run_id);
  // Company name on a contact from its account.
  EXPECT_EQ(Text("SELECT company_name FROM contacts WHERE id = 2"), "Brightfield Labs Inc.");

  const FieldFill* industry = Fill(r, "contacts.industry");
  ASSERT_NE(industry, nullptr);
  EXPECT_EQ(industry->records, 6);
  EXPECT_EQ(industry->before, 1);
  EXPECT_EQ(industry->after, 3);  // contacts 1 and 3
  EXPECT_EQ(industry->by_source.at("inferred"), 2);
  // The figures reconcile with the table.
  for (const FieldFill& f : r.fields) {
    const auto dot = f.field.find('.');
    const std::string table = f.field.substr(0, dot), column = f.field.substr(dot + 1);
    const std::string empty = IsIntegerField(column) ? "" : " AND " + column + " <> ''";
    EXPECT_EQ(Text("SELECT COUNT(*) FROM " + table + " WHERE " + column + " IS NOT NULL" + empty),
              std::to_string(f.after))
        << f.field;
  }
  // The record route shows where values came from.
  auto record = records::Get(*db_, *records::FindEntity("contacts"), 1);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ((*record)["provenance"]["industry"]["reason"],
            "account #1 (Kessler Maschinenbau GmbH)");
  // A second run finds nothing more to do.
  const RunReport again = RunOk();
  EXPECT_EQ(again.fields_changed, 0);
}

TEST_F(EnrichWorkspace, DryRunWritesNothing) {
  const std::string before = Dump();
  RunOptions options;
  options.dry_run = true;
  const RunReport r = RunOk(options);
  EXPECT_EQ(r.run_id, 0);
  EXPECT_GT(r.fields_changed, 0);
  EXPECT_EQ(Dump(), before);
  EXPECT_EQ(Text("SELECT COUNT(*) FROM enrichment_runs"), "0");
}

TEST_F(EnrichWorkspace, VendorWaterfallProvenanceAndConflicts) {
  const LoadReport zi = LoadOk("zoominfo_contacts.csv");
  EXPECT_EQ(zi.layout, "zoominfo_contacts");
  EXPECT_EQ(zi.rows, 3);
  EXPECT_EQ(zi.matched, 2);  // Helga and Tobi by email
  EXPECT_EQ(zi.unmatched, 1);
  const LoadReport ap = LoadOk("apollo_people.csv");
  EXPECT_EQ(ap.matched, 1);  // Tobi; Rosa and Imani are not in the workspace
  const LoadReport lu = LoadOk("lusha_contacts.csv", core::NumberFormat{',', '.'});
  EXPECT_EQ(lu.matched, 1);  // Pieter by email
  const RunReport r = RunOk();
  // Employees of Tobi: ZoomInfo (85) before Apollo (90) in the default order.
  EXPECT_EQ(Text("SELECT employees FROM contacts WHERE id = 2"), "85");
  auto prov = RecordProvenance(*db_, "contacts", 2);
  ASSERT_TRUE(prov.has_value());
  EXPECT_EQ((*prov)["employees"]["source"], "zoominfo");
  EXPECT_EQ((*prov)["employees"]["vendor_record_id"], "1482736502");
  EXPECT_GT((*prov)["employees"]["confidence"].get<double>(), 0.8);
  EXPECT_FALSE((*prov)["employees"]["at"].get<std::string>().empty());
  // Still the person's industry.
  EXPECT_EQ(Text("SELECT industry FROM contacts WHERE id = 2"), "Retail");
  // Lusha matched Pieter (empty field, one source: filled); Jan's typed 100 stays.
  EXPECT_EQ(Text("SELECT employees FROM contacts WHERE id = 6"), "1200");
  EXPECT_EQ(Text("SELECT employees FROM contacts WHERE id = 5"), "100");
  // Helga: account says 420 employees (inferred), ZoomInfo 420: no conflict.
  EXPECT_EQ(Text("SELECT employees FROM contacts WHERE id = 1"), "420");
  const FieldFill* employees = Fill(r, "contacts.employees");
  ASSERT_NE(employees, nullptr);
  EXPECT_EQ(employees->by_source.at("zoominfo"), 2);
  EXPECT_EQ(employees->by_source.at("lusha"), 1);

  // Only one source.
  RunOptions only;
  only.source = "apollo";
  only.dry_run = true;
  const RunReport apollo_only = RunOk(only);
  for (const FieldFill& f : apollo_only.fields) {
    for (const auto& [source, n] : f.by_source) EXPECT_EQ(source, "apollo") << f.field;
  }
}

TEST_F(EnrichWorkspace, ConflictListedNotResolved) {
  // Jan's company size typed as 100; a ZoomInfo row for Jan says 5000.
  const std::string csv =
      "ZoomInfo Contact ID,First Name,Last Name,Email Address,Company Name,Employees,Country\n"
      "900,Jan,Smit,jan@tulpdata.nl,Tulp Data,5000,Germany\n";
  auto loaded = LoadVendorFile(*db_, csv, "zi.csv", {}, "test");
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  const RunReport r = RunOk();
  EXPECT_EQ(Text("SELECT employees FROM contacts WHERE id = 5"), "100");
  bool employees = false, country = false;
  for (const Conflict& c : r.conflicts) {
    if (c.record_id != 5) continue;
    if (c.field == "employees") {
      employees = true;
      EXPECT_EQ(c.kept_value, "100");
      EXPECT_EQ(c.kept_source, "workspace");
      EXPECT_EQ(c.other_value, "5000");
      EXPECT_EQ(c.other_source, "zoominfo");
      EXPECT_EQ(c.other_record_id, "900");
    }
    if (c.field == "country") country = true;
  }
  EXPECT_TRUE(employees);
  EXPECT_TRUE(country);  // NL typed, DE from the vendor
  auto listed = ListConflicts(*db_, 0, 100);
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->size(), r.conflicts.size());
}

TEST_F(EnrichWorkspace, UndoRestoresTheWorkspaceExactly) {
  const std::string original = Dump();
  const RunReport first = RunOk();
  ASSERT_GT(first.fields_changed, 0);
  const std::string after_first = Dump();
  LoadOk("zoominfo_contacts.csv");
  const std::string loaded = Dump();
  const RunReport second = RunOk();
  ASSERT_GT(second.fields_changed, 0);
  // The later run touched the same records: it goes first.
  auto refused = Undo(*db_, first.run_id, "test");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, core::ErrorCode::kConflict);
  ASSERT_TRUE(Undo(*db_, second.run_id, "test").has_value());
  EXPECT_EQ(Dump(), loaded);
  auto twice = Undo(*db_, second.run_id, "test");
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().code, core::ErrorCode::kConflict);
  ASSERT_TRUE(Undo(*db_, first.run_id, "test").has_value());
  // Everything but the staged vendor rows is as before the first run.
  Exec("DELETE FROM enrichment_staging");
  EXPECT_EQ(Dump(), original);
  (void)after_first;
  EXPECT_EQ(Undo(*db_, 999, "test").error().code, core::ErrorCode::kNotFound);
  auto runs = ListRuns(*db_, 10);
  ASSERT_TRUE(runs.has_value());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_TRUE((*runs)[0].undone_at.has_value());
}

// A record enriched for the first time keeps its undo in its provenance row
// (one written row per changed record); a record enriched before gets a
// change row. Both undo exactly.
TEST_F(EnrichWorkspace, FirstEnrichmentUndoInProvenanceRow) {
  const std::string original = Dump();
  const RunReport first = RunOk();
  ASSERT_GT(first.records_changed, 0);
  EXPECT_EQ(Text("SELECT COUNT(*) FROM enrichment_changes"), "0");
  EXPECT_EQ(Text(fmt::format("SELECT COUNT(*) FROM enrichment_provenance WHERE undo_run = {}",
                             first.run_id)),
            std::to_string(first.records_changed));
  LoadOk("zoominfo_contacts.csv");
  const RunReport second = RunOk();
  ASSERT_GT(second.records_changed, 0);
  // Records the first run enriched have change rows now; those it did not,
  // their provenance row, and the first run's undo is kept where it was.
  const int64_t changed_rows = std::stoll(Text(
      fmt::format("SELECT COUNT(*) FROM enrichment_changes WHERE run_id = {}", second.run_id)));
  const int64_t folded = std::stoll(Text(fmt::format(
      "SELECT COUNT(*) FROM enrichment_provenance WHERE undo_run = {}", second.run_id)));
  EXPECT_GT(changed_rows, 0);
  EXPECT_EQ(changed_rows + folded, second.records_changed);
  EXPECT_EQ(Text(fmt::format("SELECT COUNT(*) FROM enrichment_provenance WHERE undo_run = {}",
                             first.run_id)),
            std::to_string(first.records_changed));
  ASSERT_TRUE(Undo(*db_, second.run_id, "test").has_value());
  ASSERT_TRUE(Undo(*db_, first.run_id, "test").has_value());
  Exec("DELETE FROM enrichment_staging");
  EXPECT_EQ(Dump(), original);
}

// A first enrichment's undo names the fields that were NULL by their codes
// and keeps the others' values ('' stays ''), and the record route reads the
// coded provenance as the reasons the run gave.
TEST_F(EnrichWorkspace, FirstEnrichmentUndoCodesTheNulls) {
  const std::string original = Dump();
  const RunReport first = RunOk();
  ASSERT_GT(first.records_changed, 0);
  const Json before = Json::parse(Text(
      "SELECT undo_before FROM enrichment_provenance WHERE entity = 'contacts' AND record_id = 2"));
  EXPECT_EQ(before["values"], Json({{"company_name", ""}})) << before.dump();
  ASSERT_TRUE(before["nulls"].is_string()) << before.dump();
  for (char code : before["nulls"].get<std::string>()) {
    EXPECT_GE(FieldIndex("contacts", FieldOfCode(code)), 0) << code;
  }
  auto provenance = RecordProvenance(*db_, "contacts", 2);
  ASSERT_TRUE(provenance.has_value());
  EXPECT_EQ((*provenance)["company_name"]["reason"], "account #2 (Brightfield Labs Inc.)");
  EXPECT_EQ((*provenance)["company_name"]["source"], "inferred");
  EXPECT_EQ((*provenance)["company_name"]["run"], first.run_id);
  ASSERT_TRUE(Undo(*db_, first.run_id, "test").has_value());
  EXPECT_EQ(Dump(), original);
}

// A companies export: its header says accounts, so the load scans the
// accounts (by domain, then company key) while the file is read.
TEST_F(EnrichWorkspace, CompaniesFileMatchedToAccounts) {
  const LoadReport r = LoadOk("zoominfo_companies.csv");
  EXPECT_EQ(r.entity, "accounts");
  EXPECT_EQ(r.rows, 3);
  EXPECT_EQ(r.matched, 2);
  EXPECT_EQ(r.unmatched, 1);
  EXPECT_EQ(Text("SELECT record_id FROM enrichment_staging WHERE vendor_record_id = '88120034'"),
            "1");
  EXPECT_EQ(Text("SELECT record_id FROM enrichment_staging WHERE vendor_record_id = '88120035'"),
            "2");
}

// A run stored before the undo moved into the provenance row (a change row
// per record, its provenance null) is undone as it always was.
TEST_F(EnrichWorkspace, ChangeRowsOfEarlierRunsStillUndone) {
  const std::string original = Dump();
  const RunReport first = RunOk();
  ASSERT_GT(first.records_changed, 0);
  auto rows = db_->Query(
      "SELECT entity, record_id, undo_before FROM enrichment_provenance WHERE undo_run = ?",
      std::vector<Value>{Value{first.run_id}});
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(static_cast<int64_t>(rows->size()), first.records_changed);
  for (const auto& row : rows->rows) {
    Json before = Json::parse(store::AsText(row[2]));
    before["provenance"] = nullptr;
    Exec(
        "INSERT INTO enrichment_changes (run_id, entity, record_id, before, after) VALUES (?, ?, "
        "?, ?, '{}')",
        {Value{first.run_id}, row[0], row[1], Value{before.dump()}});
  }
  Exec("UPDATE enrichment_provenance SET undo_run = NULL, undo_before = NULL");
  ASSERT_TRUE(Undo(*db_, first.run_id, "test").has_value());
  EXPECT_EQ(Text("SELECT COUNT(*) FROM enrichment_provenance"), "0");
  EXPECT_EQ(Dump(), original);
}

TEST_F(EnrichWorkspace, ConfigOrderAndOverwrite) {
  ASSERT_TRUE(
      SetConfig(*db_, "sources:\n  employees: [apollo, zoominfo]\noverwrite: [contacts.industry]\n",
                "enrichment.yaml", "test")
          .has_value());
  LoadOk("zoominfo_contacts.csv");
  LoadOk("apollo_people.csv");
  RunOk();
  EXPECT_EQ(Text("SELECT employees FROM contacts WHERE id = 2"), "90");  // Apollo first now
  // Overwrite is on for industry: Tobi's typed "Retail" gives way to ZoomInfo's.
  EXPECT_EQ(Text("SELECT industry FROM contacts WHERE id = 2"), "Software");
}

TEST_F(EnrichWorkspace, BadInputChangesNothing) {
  const std::string before = Dump();
  auto unknown =
      LoadVendorFile(*db_, Fixture("unknown_layout.csv"), "unknown_layout.csv", {}, "test");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().file, "unknown_layout.csv");
  EXPECT_EQ(unknown.error().line, 1);
  auto bad_source =
      SetConfig(*db_, "sources:\n  industry: [zoominfo, dnb]\n", "enrichment.yaml", "test");
  ASSERT_FALSE(bad_source.has_value());
  EXPECT_EQ(bad_source.error().line, 2);
  EXPECT_EQ(bad_source.error().field, "sources.industry");
  auto bad_field = SetConfig(*db_, "sources:\n  revenue: [zoominfo]\n", "enrichment.yaml", "test");
  ASSERT_FALSE(bad_field.has_value());
  EXPECT_EQ(bad_field.error().field, "sources.revenue");
  RunOptions options;
  options.source = "dnb";
  auto run = enrich::Run(*db_, options);
  ASSERT_FALSE(run.has_value());
  EXPECT_EQ(run.error().field, "source");
  EXPECT_EQ(Dump(), before);
  EXPECT_EQ(Text("SELECT COUNT(*) FROM enrichment_runs"), "0");
}

TEST_F(EnrichWorkspace, StaleValuesAreListed) {
  RunOptions options;
  options.now = 1'600'000'000;  // 2020
  RunOk(options);
  auto stale = ListStale(*db_, 1'600'000'000 + 200 * 86400, 1000);
  ASSERT_TRUE(stale.has_value());
  EXPECT_FALSE(stale->empty());
  auto fresh = ListStale(*db_, 1'600'000'000 + 100 * 86400, 1000);
  ASSERT_TRUE(fresh.has_value());
  EXPECT_TRUE(fresh->empty());
}

// Provenance stored by earlier versions (the expanded object per record) is
// read, merged by a later run and restored by its undo exactly as stored.
TEST_F(EnrichWorkspace, FirstProvenanceFormatStillRead) {
  const RunReport first = RunOk();
  ASSERT_GT(first.fields_changed, 0);
  auto record = records::Get(*db_, *records::FindEntity("contacts"), 1);
  ASSERT_TRUE(record.has_value());
  const Json shown = (*record)["provenance"];
  ASSERT_TRUE(shown.is_object());
  ASSERT_TRUE(shown.contains("industry"));
  auto stale_before = ListStale(*db_, core::NowUtc() + 400 * 86400, 1000);
  ASSERT_TRUE(stale_before.has_value());
  // Every record's provenance rewritten in the first format.
  auto rows = db_->Query("SELECT entity, record_id FROM enrichment_provenance");
  ASSERT_TRUE(rows.has_value());
  for (const auto& row : rows->rows) {
    auto prov = RecordProvenance(*db_, store::AsText(row[0]), store::AsInt(row[1]));
    ASSERT_TRUE(prov.has_value());
    Exec("UPDATE enrichment_provenance SET fields = ? WHERE entity = ? AND record_id = ?",
         {prov->dump(), row[0], row[1]});
  }
  auto again = records::Get(*db_, *records::FindEntity("contacts"), 1);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ((*again)["provenance"].dump(), shown.dump());
  auto stale_after = ListStale(*db_, core::NowUtc() + 400 * 86400, 1000);
  ASSERT_TRUE(stale_after.has_value());
  EXPECT_EQ(stale_after->size(), stale_before->size());
  // A later run merges into it; its undo puts the first-format text back.
  LoadOk("zoominfo_contacts.csv");
  const std::string loaded = Dump();
  const RunReport second = RunOk();
  ASSERT_GT(second.fields_changed, 0);
  auto merged = RecordProvenance(*db_, "contacts", 2);
  ASSERT_TRUE(merged.has_value());
  EXPECT_EQ((*merged)["employees"]["source"], "zoominfo");
  EXPECT_EQ((*merged)["employees"]["run"], second.run_id);
  EXPECT_EQ((*merged)["time_zone"]["run"], first.run_id);
  ASSERT_TRUE(Undo(*db_, second.run_id, "test").has_value());
  EXPECT_EQ(Dump(), loaded);
}

}  // namespace
}  // namespace mops::quality::enrich
