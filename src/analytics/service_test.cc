// The reports on a real workspace (a small demo company imported from its
// CSVs and attributed), reconciled against the tables behind them: funnel
// counts against lifecycle history, channel revenue against won revenue
// under every model, every drill-down against its cell. Built twice: on
// SQLite, and with MOPS_ANALYTICS_TEST_POSTGRES on a real PostgreSQL.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "analytics/analytics.h"
#include "analytics/report.h"
#include "analytics/routes.h"
#include "attribution/attribution.h"
#include "demo/demo.h"
#include "http/http.h"
#include "ingest/ingest.h"
#include "store/database.h"
#include "tests/support/test_server.h"
#ifdef MOPS_ANALYTICS_TEST_POSTGRES
#include "tests/support/postgres_server.h"
#endif

namespace mops::analytics {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string NewWorkspaceUrl([[maybe_unused]] const fs::path& dir, const std::string& name) {
#ifdef MOPS_ANALYTICS_TEST_POSTGRES
  auto server = test_support::PostgresServer::Shared();
  if (!server) {
    ADD_FAILURE() << server.error().ToString();
    std::abort();
  }
  auto url = (*server)->CreateDatabase(name);
  if (!url) {
    ADD_FAILURE() << url.error().ToString();
    std::abort();
  }
  return *url;
#else
  return (dir / (name + ".db")).string();
#endif
}

// One demo workspace for the whole suite: generating, importing and
// attributing it is the slow part.
class DemoWorkspace : public ::testing::Environment {
 public:
  static DemoWorkspace* instance;
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mops-analytics-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    url_ = NewWorkspaceUrl(dir_, "analytics_demo");
    auto db = store::Open(url_);
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_));
    demo::GeneratorOptions options;
    options.scale = 0.05;
    options.seed = 7;
    auto company = demo::GenerateCompany(options);
    ASSERT_TRUE(company) << company.error().ToString();
    const fs::path csv = dir_ / "csv";
    ASSERT_TRUE(demo::WriteCompanyCsv(*company, csv.string()));
    for (ingest::Kind kind : ingest::AllKinds()) {
      const fs::path path = csv / (std::string(ingest::TableName(kind)) + ".csv");
      if (!fs::exists(path)) continue;
      ingest::ImportOptions import;
      import.preset = ingest::Preset::kCanonical;
      import.source_system = "demo";
      auto done = ingest::ImportFile(*db_, kind, path.string(), import);
      ASSERT_TRUE(done) << done.error().ToString();
    }
    attribution::RunRequest won;
    won.conversion = attribution::ConversionKind::kWon;
    won.models = {attribution::Model::kFirstTouch,    attribution::Model::kLastTouch,
                  attribution::Model::kLinear,        attribution::Model::kTimeDecay,
                  attribution::Model::kPositionBased, attribution::Model::kWShaped,
                  attribution::Model::kMarkov};
    auto run = attribution::Run(*db_, won, "test");
    ASSERT_TRUE(run) << run.error().ToString();
    run_id_ = run->run_id;
    auto d = LoadDataset(*db_);
    ASSERT_TRUE(d) << d.error().ToString();
    dataset_ = std::make_unique<Dataset>(std::move(*d));
  }
  void TearDown() override {
    dataset_.reset();
    db_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  store::Database& db() { return *db_; }
  const Dataset& d() { return *dataset_; }
  const std::string& url() const { return url_; }
  int64_t run_id() const { return run_id_; }

 private:
  fs::path dir_;
  std::string url_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Dataset> dataset_;
  int64_t run_id_ = 0;
};
DemoWorkspace* DemoWorkspace::instance = nullptr;

DemoWorkspace& W() { return *DemoWorkspace::instance; }

int64_t SqlInt(const std::string& sql) {
  auto v = W().db().QueryValue(sql);
  EXPECT_TRUE(v) << v.error().ToString();
  return v ? store::AsInt(*v) : -1;
}

double SqlDouble(const std::string& sql) {
  auto v = W().db().QueryValue(sql);
  EXPECT_TRUE(v) << v.error().ToString();
  return v ? store::AsDouble(*v) : -1;
}

json Report(std::string_view name, const Params& p) {
  auto doc = ReportJson(W().db(), W().d(), name, p, core::NowUtc());
  EXPECT_TRUE(doc) << doc.error().ToString();
  return doc ? *doc : json();
}

// The drill-down of one cell: its count and sum.
std::pair<int64_t, double> Drill(std::string_view name, const Params& p) {
  auto doc = DrillJson(W().db(), W().d(), name, p, core::NowUtc(), 0, 5);
  EXPECT_TRUE(doc) << doc.error().ToString();
  if (!doc) return {-1, -1};
  EXPECT_LE((*doc)["records"].size(), 5u);
  return {(*doc)["count"].get<int64_t>(), (*doc)["sum"].get<double>()};
}

TEST(Workspace, HasTheDemoCompany) {
  EXPECT_GT(W().d().contact_count(), 500u);
  EXPECT_GT(W().d().opportunity_count(), 20u);
  EXPECT_GT(W().d().spend_id.size(), 100u);
  EXPECT_GT(W().d().touch_count(), 5000u);
}

TEST(Reconcile, FunnelCountsMatchLifecycleHistory) {
  constexpr std::string_view kLive =
      "FROM lifecycle_history h JOIN contacts c ON c.id = h.contact_id WHERE c.merged_into IS NULL";
  for (std::string stage : {"lead", "mql", "sql", "customer"}) {
    const json doc = Report("funnel", {{"steps", "stage:" + stage}});
    EXPECT_EQ(doc["total"]["steps"][0]["count"].get<int64_t>(),
              SqlInt(fmt::format("SELECT COUNT(DISTINCT h.contact_id) {} AND h.stage = '{}'", kLive,
                                 stage)))
        << stage;
  }
  // Lead then MQL, in order: contacts with an MQL entry at or after their first lead entry.
  const json doc = Report("funnel", {{"steps", "stage:lead,stage:mql"}});
  EXPECT_EQ(doc["total"]["steps"][1]["count"].get<int64_t>(),
            SqlInt("SELECT COUNT(*) FROM (SELECT h.contact_id, MIN(h.entered_at) AS l FROM "
                   "lifecycle_history h JOIN contacts c ON c.id = h.contact_id WHERE "
                   "c.merged_into IS NULL AND h.stage = 'lead' GROUP BY h.contact_id) f WHERE "
                   "EXISTS (SELECT 1 FROM lifecycle_history m WHERE m.contact_id = f.contact_id "
                   "AND m.stage = 'mql' AND m.entered_at >= f.l)"));
  EXPECT_GT(doc["total"]["steps"][1]["count"].get<int64_t>(), 0);
}

TEST(Reconcile, ChannelRevenueSumsToWonRevenueUnderEveryModel) {
  const double won = SqlDouble(
      "SELECT CAST(SUM(amount) AS DOUBLE PRECISION) / 100 FROM opportunities WHERE is_won = 1");
  ASSERT_GT(won, 0);
  auto models = W().db().Query(fmt::format(
      "SELECT DISTINCT model FROM attribution_credits WHERE run_id = {}", W().run_id()));
  ASSERT_TRUE(models);
  ASSERT_GE(models->size(), 5u);
  for (const auto& row : models->rows) {
    const std::string model = store::AsText(row[0]);
    const json doc = Report("channels", {{"model", model}, {"run", std::to_string(W().run_id())}});
    EXPECT_EQ(doc["model"], model);
    double sum = 0;
    for (const json& r : doc["rows"]) sum += r["revenue"].get<double>();
    EXPECT_NEAR(doc["won_revenue"].get<double>(), won, 0.01) << model;
    EXPECT_NEAR(sum + doc["unattributed_revenue"].get<double>(), won, 0.01) << model;
    // Credited revenue is whole deals: each credited deal's credits add up to its amount.
    const double credited = SqlDouble(fmt::format(
        "SELECT CAST(SUM(o.amount) AS DOUBLE PRECISION) / 100 FROM opportunities o WHERE o.id IN "
        "(SELECT conversion_id FROM attribution_credits WHERE run_id = {} AND model = '{}' AND "
        "channel <> '(unattributed)')",
        W().run_id(), model));
    EXPECT_NEAR(sum, credited, 0.01) << model;
    // And each channel's revenue is its records.
    for (const json& r : doc["rows"]) {
      if (r["revenue"].get<double>() == 0) continue;
      auto [count, total] =
          Drill("channels",
                {{"model", model}, {"key", r["key"].get<std::string>()}, {"metric", "revenue"}});
      EXPECT_GT(count, 0);
      EXPECT_NEAR(total, r["revenue"].get<double>(), 0.01) << model << " " << r["key"];
    }
  }
}

// Revenue by source and by campaign comes from the credit of each touch the
// run stored: under every model, each breakdown's revenue sums to the
// channels' (which equal the run's credit per channel) and, with the
// unattributed rest, to won revenue; every cell's drill-down lists (deal,
// touch, credit) rows that sum to it; ROAS and ROI are revenue over the
// cell's spend.
TEST(Reconcile, RevenueBySourceAndCampaignSumsToChannelsAndWonRevenue) {
  const std::string run = std::to_string(W().run_id());
  auto models = W().db().Query(
      fmt::format("SELECT DISTINCT model FROM attribution_touch_credits WHERE run_id = {}", run));
  ASSERT_TRUE(models);
  ASSERT_EQ(models->size(), 7u);
  // A period that cuts the deals: half of them close before it ends.
  const std::string to = SqlInt("SELECT COUNT(*) FROM opportunities WHERE is_won = 1") > 0
                             ? core::FormatDate(SqlInt("SELECT MIN(close_date) FROM opportunities "
                                                       "WHERE is_won = 1") +
                                                200 * core::kSecondsPerDay)
                             : "";
  for (const auto& row : models->rows) {
    const std::string model = store::AsText(row[0]);
    // Each deal's touch credits add up to its amount.
    EXPECT_EQ(SqlInt(fmt::format(
                  "SELECT COUNT(*) FROM (SELECT t.conversion_id, SUM(t.value) AS v FROM "
                  "attribution_touch_credits t WHERE t.run_id = {} AND t.model = '{}' GROUP BY "
                  "t.conversion_id) s JOIN opportunities o ON o.id = s.conversion_id WHERE "
                  "ABS(s.v - CAST(o.amount AS DOUBLE PRECISION) / 100) > 0.001",
                  run, model)),
              0)
        << model;
    for (const Params& period : {Params{}, Params{{"to", to}}}) {
      std::map<std::string, double> totals;
      double won = 0, unattributed = 0;
      for (std::string by : {"channel", "source", "campaign"}) {
        Params p = period;
        p["run"] = run;
        p["model"] = model;
        p["by"] = by;
        const json doc = Report("channels", p);
        EXPECT_EQ(doc["by"], by);
        EXPECT_TRUE(doc["credit_per_touch"].get<bool>());
        double sum = 0;
        for (const json& r : doc["rows"]) {
          const double revenue = r["revenue"].get<double>();
          sum += revenue;
          const double spend = r["spend"].get<double>();
          if (spend > 0) {
            EXPECT_NEAR(r["roas"].get<double>(), revenue / spend, 1e-9);
            EXPECT_NEAR(r["roi"].get<double>(), (revenue - spend) / spend, 1e-9);
          }
          if (revenue == 0) continue;
          Params cell = p;
          cell["key"] = r["key"].get<std::string>();
          cell["metric"] = "revenue";
          auto records = DrillJson(W().db(), W().d(), "channels", cell, core::NowUtc(), 0, 3);
          ASSERT_TRUE(records) << records.error().ToString();
          EXPECT_NEAR((*records)["sum"].get<double>(), revenue, 0.01) << model << " " << by;
          ASSERT_FALSE((*records)["records"].empty());
          const json& first = (*records)["records"][0];
          EXPECT_EQ(first["kind"], "opportunity");
          EXPECT_GT(first["touchpoint_id"].get<int64_t>(), 0);
          EXPECT_FALSE(first["touch"].get<std::string>().empty());
        }
        EXPECT_NEAR(sum, doc["total"]["revenue"].get<double>(), 0.01);
        totals[by] = sum;
        won = doc["won_revenue"].get<double>();
        unattributed = doc["unattributed_revenue"].get<double>();
        EXPECT_NEAR(sum + unattributed, won, 0.01) << model << " " << by;
        // The totals' cells are their deals too.
        Params cell = p;
        cell["key"] = "total";
        cell["metric"] = "unattributed";
        EXPECT_NEAR(Drill("channels", cell).second, unattributed, 0.01);
        cell["metric"] = "won_revenue";
        EXPECT_NEAR(Drill("channels", cell).second, won, 0.01);
      }
      EXPECT_GT(totals["channel"], 0) << model;
      EXPECT_NEAR(totals["source"], totals["channel"], 0.01) << model;
      EXPECT_NEAR(totals["campaign"], totals["channel"], 0.01) << model;
      if (period.empty()) {
        // The channels' revenue is the run's own credit per channel.
        EXPECT_NEAR(totals["channel"],
                    SqlDouble(fmt::format("SELECT SUM(value) FROM attribution_credits WHERE "
                                          "run_id = {} AND model = '{}' AND channel <> "
                                          "'(unattributed)'",
                                          run, model)),
                    0.01)
            << model;
      }
    }
  }
  // Campaigns join their spend: some campaign has both spend and revenue.
  const json campaigns = Report("channels", {{"by", "campaign"}, {"run", run}});
  bool joined = false;
  for (const json& r : campaigns["rows"]) {
    joined = joined || (r["spend"].get<double>() > 0 && r["revenue"].get<double>() > 0);
  }
  EXPECT_TRUE(joined);
}

// A run stored before credit per touch keeps revenue per channel only: by
// campaign its revenue is not reported and its drill-down says why; by
// channel it still reconciles.
TEST(Reconcile, RunWithCreditPerChannelOnly) {
  attribution::RunRequest request;
  request.conversion = attribution::ConversionKind::kWon;
  request.models = {attribution::Model::kLinear};
  auto run = attribution::Run(W().db(), request, "test");
  ASSERT_TRUE(run) << run.error().ToString();
  const std::string id = std::to_string(run->run_id);
  ASSERT_TRUE(W().db().Execute("DELETE FROM attribution_touch_credits WHERE run_id = " + id));
  const json by_channel = Report("channels", {{"run", id}});
  EXPECT_FALSE(by_channel["credit_per_touch"].get<bool>());
  double sum = 0;
  for (const json& r : by_channel["rows"]) sum += r["revenue"].get<double>();
  EXPECT_GT(sum, 0);
  EXPECT_NEAR(sum + by_channel["unattributed_revenue"].get<double>(),
              by_channel["won_revenue"].get<double>(), 0.01);
  const json by_campaign = Report("channels", {{"run", id}, {"by", "campaign"}});
  EXPECT_FALSE(by_campaign["revenue_available"].get<bool>());
  EXPECT_NE(by_campaign["revenue_note"].get<std::string>().find("per channel only"),
            std::string::npos);
  auto drill = DrillJson(W().db(), W().d(), "channels",
                         {{"run", id}, {"by", "campaign"}, {"key", "x"}, {"metric", "revenue"}},
                         core::NowUtc(), 0, 5);
  EXPECT_FALSE(drill);
  auto clash = ReportJson(W().db(), W().d(), "channels",
                          {{"by", "source"}, {"dimension", "campaign"}}, core::NowUtc());
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().field, "by");
  // The other tests read the latest run of won deals: leave it as it was.
  for (std::string table : {"attribution_credits", "attribution_results"}) {
    ASSERT_TRUE(W().db().Execute("DELETE FROM " + table + " WHERE run_id = " + id));
  }
  ASSERT_TRUE(W().db().Execute("DELETE FROM attribution_runs WHERE id = " + id));
}

TEST(Reconcile, SpendAndPipelineDrillDownsSumToTheirCells) {
  const json doc = Report("channels", {{"dimension", "channel"}});
  double spend = 0;
  for (const json& r : doc["rows"]) {
    const Params cell = {{"key", r["key"].get<std::string>()}};
    for (std::string metric : {"spend", "sourced_pipeline", "influenced_pipeline"}) {
      Params p = cell;
      p["metric"] = metric;
      auto [count, total] = Drill("channels", p);
      EXPECT_NEAR(total, r[metric].get<double>(), 0.01) << r["key"] << " " << metric;
    }
    for (std::string metric : {"leads", "mqls"}) {
      Params p = cell;
      p["metric"] = metric;
      auto [count, total] = Drill("channels", p);
      EXPECT_EQ(count, r[metric].get<int64_t>()) << r["key"] << " " << metric;
    }
    spend += r["spend"].get<double>();
  }
  EXPECT_NEAR(spend, SqlDouble("SELECT CAST(SUM(amount) AS DOUBLE PRECISION) / 100 FROM spend"),
              0.01);
  const json campaigns = Report("channels", {{"dimension", "campaign"}});
  EXPECT_GT(campaigns["rows"].size(), 5u);
}

TEST(Reconcile, FunnelBreakdownCellsAreTheirRecords) {
  const Params p = {{"steps", "stage:lead,stage:mql,stage:sql"},
                    {"breakdown", "first_touch_channel"},
                    {"window", "180"}};
  const json doc = Report("funnel", p);
  int64_t entered = 0;
  for (const json& g : doc["groups"]) {
    entered += g["steps"][0]["count"].get<int64_t>();
    for (int step = 1; step <= 3; ++step) {
      Params cell = p;
      cell["step"] = std::to_string(step);
      cell["group"] = g["key"].get<std::string>();
      EXPECT_EQ(Drill("funnel", cell).first, g["steps"][step - 1]["count"].get<int64_t>());
      if (step > 1) {
        cell["dropped"] = "true";
        EXPECT_EQ(Drill("funnel", cell).first, g["steps"][step - 1]["dropped"].get<int64_t>());
      }
    }
  }
  EXPECT_EQ(entered, doc["total"]["steps"][0]["count"].get<int64_t>());
}

// Skipped stages counted: each step holds at least the contacts it holds
// otherwise, at least those with an entry at that stage or a later one of
// the steps, and its records are its count.
TEST(Reconcile, FunnelWithSkippedStagesCountedIsItsRecords) {
  const Params ignore = {{"steps", "stage:lead,stage:mql,stage:sql,stage:opportunity"}};
  Params count = ignore;
  count["skipped"] = "count";
  const json without = Report("funnel", ignore);
  const json with = Report("funnel", count);
  EXPECT_EQ(with["skipped"], "count");
  EXPECT_EQ(without["skipped"], "ignore");
  const std::vector<std::string> stages = {"lead", "mql", "sql", "opportunity"};
  for (int step = 1; step <= 4; ++step) {
    const int64_t n = with["total"]["steps"][step - 1]["count"].get<int64_t>();
    EXPECT_GE(n, without["total"]["steps"][step - 1]["count"].get<int64_t>()) << step;
    Params cell = count;
    cell["step"] = std::to_string(step);
    EXPECT_EQ(Drill("funnel", cell).first, n) << step;
  }
  // Everyone with an opportunity entry reached the last step.
  EXPECT_EQ(with["total"]["steps"][3]["count"].get<int64_t>(),
            SqlInt("SELECT COUNT(DISTINCT h.contact_id) FROM lifecycle_history h JOIN contacts c "
                   "ON c.id = h.contact_id WHERE c.merged_into IS NULL AND h.stage = "
                   "'opportunity'"));
  Params bad = count;
  bad["skipped"] = "sometimes";
  auto refused = ReportJson(W().db(), W().d(), "funnel", bad, core::NowUtc());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().ToString().find("skipped must be ignore or count"), std::string::npos);
}

TEST(Reconcile, VelocityCacCohortAndTargetCells) {
  const json velocity = Report("velocity", {});
  ASSERT_FALSE(velocity["rows"].empty());
  for (const json& r : velocity["rows"]) {
    if (!r["quarter"].get<std::string>().empty()) continue;
    auto [count, _] = Drill("velocity", {{"entity", r["entity"].get<std::string>()},
                                         {"from_stage", r["from"].get<std::string>()},
                                         {"to_stage", r["to"].get<std::string>()},
                                         {"segment", r["segment"].get<std::string>()}});
    EXPECT_EQ(count, r["count"].get<int64_t>());
  }
  const json cac = Report("cac", {{"other_costs", "20000"}});
  ASSERT_FALSE(cac["months"].empty());
  int64_t customers = 0;
  for (const json& m : cac["months"]) {
    const std::string period = m["period"].get<std::string>();
    EXPECT_EQ(Drill("cac", {{"period", period}, {"metric", "new_customers"}}).first,
              m["new_customers"].get<int64_t>());
    EXPECT_NEAR(Drill("cac", {{"period", period}, {"metric", "paid_spend"}}).second,
                m["paid_spend"].get<double>(), 0.01);
    customers += m["new_customers"].get<int64_t>();
  }
  EXPECT_GT(customers, 0);
  const json cohorts = Report("cohorts", {{"months", "6"}});
  ASSERT_FALSE(cohorts["stage_cohorts"].empty());
  const json& c = cohorts["stage_cohorts"][0];
  EXPECT_EQ(Drill("cohorts", {{"months", "6"},
                              {"table", "stages"},
                              {"cohort", c["cohort"].get<std::string>()},
                              {"month", "5"},
                              {"stage", "mql"}})
                .first,
            c["reached"]["mql"][5].get<int64_t>());
  // Engagement retention cells, first-time and recurring.
  for (std::string table : {"first_time", "recurring"}) {
    ASSERT_FALSE(cohorts[table].empty()) << table;
    for (const json& row : cohorts[table]) {
      for (int m : {0, 1, 3}) {
        EXPECT_EQ(Drill("cohorts", {{"months", "6"},
                                    {"table", table},
                                    {"cohort", row["cohort"].get<std::string>()},
                                    {"month", std::to_string(m)}})
                      .first,
                  row["retained"][static_cast<size_t>(m)].get<int64_t>())
            << table << " " << row["cohort"] << " month " << m;
      }
    }
  }
  ASSERT_FALSE(cohorts["revenue"].empty());
  const json& rc = cohorts["revenue"][0];
  EXPECT_NEAR(Drill("cohorts", {{"months", "6"},
                                {"table", "revenue"},
                                {"cohort", rc["cohort"].get<std::string>()},
                                {"month", "3"}})
                  .second,
              rc["revenue"][3].get<double>(), 0.01);
  // Targets from the stored config.
  const std::string month = cac["months"][2]["period"].get<std::string>();
  ASSERT_TRUE(
      SaveConfig(W().db(), "targets:\n  " + month + ": {leads: 100, revenue: 50000}\n", "test"));
  const json targets = Report("targets", {{"as_of", "2030-01-01"}});
  ASSERT_EQ(targets["rows"].size(), 2u);
  for (const json& t : targets["rows"]) {
    EXPECT_NEAR(Drill("targets", {{"as_of", "2030-01-01"},
                                  {"month", month},
                                  {"metric", t["metric"].get<std::string>()}})
                    .second,
                t["actual"].get<double>(), 0.01);
    EXPECT_DOUBLE_EQ(t["forecast"].get<double>(), t["actual"].get<double>());  // month is over
  }
  // A bad config is refused and the stored one stays.
  EXPECT_FALSE(SaveConfig(W().db(), "targets:\n  2024-13: {leads: 1}\n", "test"));
  EXPECT_EQ(Report("targets", {{"as_of", "2030-01-01"}})["rows"].size(), 2u);
}

// The dataset keeps no emails: the drill-down looks up the labels of the
// page it returns.
TEST(Reconcile, DrillDownLabelsContactsFromTheWorkspace) {
  EXPECT_TRUE(W().d().contact_label.empty());
  auto doc = DrillJson(W().db(), W().d(), "funnel", {{"steps", "stage:lead"}, {"step", "1"}},
                       core::NowUtc(), 3, 4);
  ASSERT_TRUE(doc) << doc.error().ToString();
  ASSERT_EQ((*doc)["records"].size(), 4u);
  for (const json& r : (*doc)["records"]) {
    auto email = W().db().QueryValue(
        fmt::format("SELECT email FROM contacts WHERE id = {}", r["id"].get<int64_t>()));
    ASSERT_TRUE(email);
    const std::string expected = store::AsText(*email).empty()
                                     ? "contact " + std::to_string(r["id"].get<int64_t>())
                                     : store::AsText(*email);
    EXPECT_EQ(r["label"], expected);
  }
}

TEST(Params, BadParametersNameTheField) {
  auto bad = ReportJson(W().db(), W().d(), "funnel", {{"stepz", "stage:lead"}}, core::NowUtc());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "stepz");
  bad = ReportJson(W().db(), W().d(), "funnel", {{"window", "soon"}}, core::NowUtc());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "window");
  bad = ReportJson(W().db(), W().d(), "channels", {{"model", "astrology"}}, core::NowUtc());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "model");
  bad = ReportJson(W().db(), W().d(), "cac", {{"from", "2025-05-01"}, {"to", "2025-01-01"}},
                   core::NowUtc());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "to");
  bad = ReportJson(W().db(), W().d(), "weather", {}, core::NowUtc());
  EXPECT_FALSE(bad);
  auto drill =
      DrillJson(W().db(), W().d(), "cac", {{"metric", "new_customers"}}, core::NowUtc(), 0, 10);
  ASSERT_FALSE(drill);
  EXPECT_EQ(drill.error().field, "period");
}

TEST(Routes, ReportsAndRecordsOverHttp) {
  auto admin = http::CreateToken(W().db(), "admin", http::Role::kAdmin);
  auto viewer = http::CreateToken(W().db(), "viewer", http::Role::kViewer);
  ASSERT_TRUE(admin && viewer);
  test_support::TestServer server(W().url(), RegisterRoutes);
  httplib::Client client("127.0.0.1", server.port());
  const httplib::Headers auth = {{"Authorization", "Bearer " + *admin}};
  auto r =
      client.Get("/api/v1/analytics/funnel?steps=stage:lead,stage:mql&breakdown=segment", auth);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json funnel = json::parse(r->body);
  const json& g = funnel["groups"][0];
  r = client.Get(
      "/api/v1/analytics/funnel/records?steps=stage:lead,stage:mql&breakdown=segment"
      "&step=2&limit=3&group=" +
          g["key"].get<std::string>(),
      auth);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json records = json::parse(r->body);
  EXPECT_EQ(records["count"], g["steps"][1]["count"]);
  EXPECT_LE(records["records"].size(), 3u);
  r = client.Get("/api/v1/analytics/funnel?steps=stage:lead&bogus=1", auth);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("bogus"), std::string::npos);
  r = client.Get("/api/v1/analytics/funnel/records?step=1&limit=5000", auth);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = client.Get("/api/v1/analytics/channels", {{"Authorization", "Bearer " + *viewer}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  r = client.Put("/api/v1/analytics/config", auth, R"({"yaml": "targets: {2025-01: {mqls: -1}}"})",
                 "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

}  // namespace
}  // namespace mops::analytics

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  mops::analytics::DemoWorkspace::instance = new mops::analytics::DemoWorkspace();
  ::testing::AddGlobalTestEnvironment(mops::analytics::DemoWorkspace::instance);
  return RUN_ALL_TESTS();
}
