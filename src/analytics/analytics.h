// Marketing analytics: funnels, velocity, channel performance, CAC and
// payback, cohorts, targets vs actual, and the drill-down from every cell to
// the records behind it.
//
// The engines are pure functions over a Dataset (plain columnar structs, no
// I/O, no clock): the same dataset and options give the same report, and the
// dataset is read-only, so engines may run concurrently on one dataset.
// LoadDataset (service.cc) fills it from a workspace with columnar scans.
//
// Every count in a report is a number of records the drill-down can list:
// a cell's `Drill` returns exactly the records it counts, and their values
// sum to the cell (tests check it on SQLite and PostgreSQL).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "store/database.h"

namespace mops::analytics {

using core::Timestamp;
inline constexpr int32_t kNone = -1;

// Text values as codes: names[code].
struct Dict {
  std::vector<std::string> names;
  // Code of `name`, adding it when absent.
  int32_t Add(std::string_view name);
  int32_t Find(std::string_view name) const;  // kNone when absent
  std::string_view Name(int32_t code) const {
    return code < 0 ? std::string_view() : std::string_view(names[static_cast<size_t>(code)]);
  }
};

// Company-size segment of an account by employees: smb (< 200), mid_market
// (200-999), enterprise (>= 1000), unknown.
std::string_view SegmentOf(std::optional<int64_t> employees);

// The workspace's records as engines read them. Per-contact and per-account
// event lists are sorted by time and addressed through CSR offsets: the events
// of contact c are [begin[c], begin[c + 1]).
struct Dataset {
  Dict segments, stages, types, events, channels, sources, campaigns, opp_stages, opp_types;

  // Contacts (live: not merged), by row.
  std::vector<int64_t> contact_id;
  std::vector<Timestamp> contact_created;
  std::vector<int32_t> contact_segment;
  std::vector<int32_t> contact_account;  // account row, kNone
  // Email, for the drill-down. LoadDataset leaves it empty (the report layer
  // looks up the labels of the page of records it returns); tests fill it.
  std::vector<std::string> contact_label;

  // Accounts by row.
  std::vector<int64_t> account_id;
  std::vector<int32_t> account_segment;

  // Lifecycle history, sorted by (contact, entered_at).
  std::vector<int32_t> stage_contact, stage_code;
  std::vector<Timestamp> stage_at;
  std::vector<int32_t> stage_begin;  // size contacts + 1

  // Touchpoints of known contacts or accounts, sorted by (contact, time);
  // touch_begin indexes by contact row (touches without a contact are at the
  // end, after touch_begin.back()). account_touch lists touch rows by
  // (account, time), addressed by account_touch_begin.
  std::vector<int32_t> touch_contact, touch_account, touch_type, touch_channel, touch_source,
      touch_campaign, touch_event;
  std::vector<Timestamp> touch_at;
  std::vector<int32_t> touch_begin;
  std::vector<int32_t> account_touch, account_touch_begin;

  // Opportunities by row.
  std::vector<int64_t> opp_id;
  std::vector<std::string> opp_name;
  std::vector<int32_t> opp_account, opp_segment, opp_type;
  std::vector<int64_t> opp_amount;  // minor units
  std::vector<Timestamp> opp_created, opp_close;
  std::vector<uint8_t> opp_closed, opp_won;

  // Opportunity history, sorted by (opportunity, entered_at).
  std::vector<int32_t> hist_opp, hist_stage;
  std::vector<Timestamp> hist_at;
  std::vector<int32_t> hist_begin;  // size opportunities + 1

  // Spend rows.
  std::vector<int64_t> spend_id;
  std::vector<Timestamp> spend_date;
  std::vector<int32_t> spend_channel, spend_source, spend_campaign;
  std::vector<int64_t> spend_amount, spend_impressions, spend_clicks, spend_conversions;

  // Stored attribution credits of one run and model for won (or created)
  // opportunities. Per touch when the run kept its touches' credit (runs
  // stored since schema version 19): each credit has the touch's channel,
  // source and campaign, so revenue sums by any of them. Older runs have
  // credit per opportunity and channel only (per_touch false). Keys are codes
  // of the credits' own dictionaries (names as the run stored them; kNone for
  // a touch without that property); credits that went to no touch
  // ("(unattributed)") are not listed: they are the won revenue the credits
  // do not cover.
  struct Credits {
    int64_t run_id = 0;
    std::string model, conversion;
    bool per_touch = false;
    Dict channels, sources, campaigns;
    std::vector<int32_t> opp;  // opportunity row (kNone when not found)
    std::vector<int32_t> channel, source, campaign;
    std::vector<int64_t> touch_id;  // per touch; 0 otherwise
    std::vector<Timestamp> touch_at;
    std::vector<double> value;  // major units
  };

  size_t contact_count() const { return contact_id.size(); }
  size_t touch_count() const { return touch_at.size(); }
  std::string ContactLabel(size_t row) const {
    return row < contact_label.size() ? contact_label[row] : std::string();
  }
  size_t opportunity_count() const { return opp_id.size(); }
  // Builds the CSR offsets and sort orders from the filled columns (the
  // loader and tests call it once after filling). Touches already in
  // (contact, time) order are not moved.
  void Finish();
  // Row order by (key, time): keys 0..keys-1 ascending, then the rows of key
  // kNone; equal times in row order. Linear in the rows plus a sort of each
  // key's rows. What Finish sorts by, and what the loader gathers the
  // touchpoint columns in.
  static std::vector<int32_t> SortOrder(const std::vector<int32_t>& key,
                                        const std::vector<Timestamp>& at, int32_t keys);
};

// One record behind a cell: a contact, an opportunity or a spend row, with
// the value the cell adds up (1 for counts; an amount in major units; days).
struct Record {
  std::string kind;  // contact, opportunity, spend
  int64_t id = 0;
  std::string label;
  Timestamp at = 0;
  double value = 0;
  // Attributed revenue: the credited touch (0 when the credit is per channel)
  // and its channel / source / campaign.
  int64_t touch_id = 0;
  Timestamp touch_at = 0;
  std::string touch;
};

// A half-open period [from, to); missing ends are open.
struct Period {
  std::optional<Timestamp> from, to;
  bool Contains(Timestamp t) const { return (!from || t >= *from) && (!to || t < *to); }
};

// ---------------------------------------------------------------- funnel

// A funnel step: a lifecycle stage ("stage:mql"), a touchpoint type
// ("type:form_submit") or a touchpoint event name ("event:Demo Request").
struct StepSpec {
  enum class Kind { kStage, kType, kEvent } kind = Kind::kStage;
  std::string value;
};
core::Result<StepSpec> ParseStep(std::string_view text);

enum class FunnelOrder { kOrdered, kStrict, kAny };
core::Result<FunnelOrder> ParseFunnelOrder(std::string_view name);

enum class Breakdown {
  kNone,
  kChannel,  // of the touch that matched step 1, else the first touch
  kSource,
  kCampaign,
  kSegment,
  kFirstTouchChannel,
  kLatestTouchChannel,  // last touch at or before the furthest step reached
  kFirstTouchSource,    // initial source (HubSpot's original source drill-down 1)
  kLatestTouchSource,   // the source of that last touch
  kCohort,              // the month the contact did step 1 ("2024-05")
};
core::Result<Breakdown> ParseBreakdown(std::string_view name);

// An exclusion: a contact with an event matching `step` after it reached step
// `from` and before it reached step `to` (or, when it never did, before the
// end of its conversion window; without a window, ever after) leaves the
// funnel altogether.
struct Exclusion {
  StepSpec step;
  int from = 0;  // 0-based step indexes
  int to = -1;   // -1: the last step
};

struct FunnelOptions {
  std::vector<StepSpec> steps;
  FunnelOrder order = FunnelOrder::kOrdered;
  int64_t window_seconds = 0;  // 0: no window
  std::vector<Exclusion> exclusions;
  Breakdown breakdown = Breakdown::kNone;
  Period entry;  // step 1 happened in this period
  // Ordered and any-order funnels: a stage step the contact skipped counts
  // as done when it entered a later stage step of the same run of stage
  // steps, at that time (as velocity's rule for missing stages, and as a
  // CRM whose records jump from lead to opportunity is read). Strict
  // funnels never count a skipped stage.
  bool count_skipped_stages = false;
};

struct FunnelStep {
  std::string label;
  int64_t count = 0;
  double step_conversion = 0;  // count / previous count (1 for step 1)
  double overall = 0;          // count / step 1 count
  int64_t dropped = 0;         // previous count - count
  double median_days = 0;      // time from the previous step, of those who reached this one
  double p90_days = 0;
};

struct FunnelGroup {
  std::string key;  // breakdown value ("" for the total)
  std::vector<FunnelStep> steps;
  double median_days_total = 0;  // step 1 to the last step, of those who completed
};

struct FunnelReport {
  FunnelGroup total;
  std::vector<FunnelGroup> groups;  // by breakdown, largest first
  int64_t excluded = 0;
};

core::Result<FunnelReport> Funnel(const Dataset& d, const FunnelOptions& options);
// The contacts of a funnel cell: those who reached step `step` (0-based) in
// group `group` ("" for all), or with `dropped`, those who reached the step
// before and not this one. Value 1 each; `at` is when they reached the step.
core::Result<std::vector<Record>> FunnelDrill(const Dataset& d, const FunnelOptions& options,
                                              int step, std::string_view group, bool dropped);

// ---------------------------------------------------------------- velocity

// Missing stages (README "Velocity"): a stage the record skipped takes the
// entry time of the next stage it entered (zero days in it), as CRMs backfill
// skipped lifecycle dates; stages after the furthest one reached are not
// measured, nor those before the first one entered.
struct VelocityOptions {
  std::vector<std::string> contact_stages{"lead", "mql", "sql", "opportunity", "customer"};
  // Opportunity stages in order; empty: from the data (median position of
  // each stage in the histories).
  std::vector<std::string> opportunity_stages;
  Period period;  // by the time the later stage was entered
};

struct VelocityRow {
  std::string entity;  // contact, opportunity
  std::string from, to;
  std::string segment;  // "" for all
  std::string quarter;  // "2024-Q2"; "" for all
  int64_t count = 0;
  int64_t skipped = 0;  // of which the record skipped `from` or `to` (backfilled)
  double median_days = 0;
  double p90_days = 0;
};

struct VelocityReport {
  std::vector<std::string> contact_stages, opportunity_stages;
  std::vector<VelocityRow> rows;  // totals (segment and quarter ""), then by segment, by quarter
};

VelocityReport Velocity(const Dataset& d, const VelocityOptions& options);
// The records behind a velocity row: value = days between the two stages.
core::Result<std::vector<Record>> VelocityDrill(const Dataset& d, const VelocityOptions& options,
                                                std::string_view entity, std::string_view from,
                                                std::string_view to, std::string_view segment,
                                                std::string_view quarter);

// ---------------------------------------------------------------- channels

enum class Dimension { kChannel, kSource, kCampaign };
core::Result<Dimension> ParseDimension(std::string_view name);

struct ChannelOptions {
  Dimension dimension = Dimension::kChannel;
  Period period;
  int lookback_days = 90;  // influenced pipeline
};

struct ChannelRow {
  std::string key;
  int64_t spend = 0;  // minor units
  int64_t impressions = 0, clicks = 0;
  double ctr = 0, cpc = 0;  // cpc in major units
  int64_t leads = 0, mqls = 0;
  double cpl = 0;
  int64_t sourced_count = 0, influenced_count = 0;
  int64_t sourced_pipeline = 0, influenced_pipeline = 0;  // minor units
  double revenue = 0;                                     // attributed won revenue, major units
  double roas = 0, roi = 0;
  std::vector<int64_t> weekly_spend;  // sparkline: spend per week of the period
};

struct ChannelReport {
  std::vector<ChannelRow> rows;  // by spend, then revenue
  ChannelRow total;
  double won_revenue = 0;   // all won revenue of the credited conversions in the period
  double unattributed = 0;  // won revenue no touch got credit for
  int64_t run_id = 0;
  std::string model;
  // False when the run keeps credit per channel only and the dimension is
  // source or campaign: revenue, ROAS and ROI are then not reported.
  bool revenue_available = true;
};

ChannelReport Channels(const Dataset& d, const ChannelOptions& options,
                       const Dataset::Credits* credits);
// metric: spend, leads, mqls, sourced_pipeline, influenced_pipeline, revenue
// (per credited touch when the run kept them: deal, touch, credit), or the
// report's totals won_revenue (the won deals) and unattributed (per deal, the
// part of its amount no touch got; key ignored).
core::Result<std::vector<Record>> ChannelDrill(const Dataset& d, const ChannelOptions& options,
                                               const Dataset::Credits* credits,
                                               std::string_view key, std::string_view metric);

// ---------------------------------------------------------------- CAC

struct CacOptions {
  Period period;
  // Spend definition: the spend table (paid media) always; plus these
  // monthly amounts in minor units (salaries, tools, agencies).
  int64_t other_costs_per_month = 0;
  std::vector<std::string> paid_channels;  // empty: the channels that have spend
  double gross_margin = 0.8;
  std::vector<std::string> new_business_types{"new business", "new", "new customer"};
};

struct CacRow {
  std::string period;                         // 2024-05 or 2024-Q2
  int64_t paid_spend = 0, blended_spend = 0;  // minor units
  int64_t new_customers = 0, paid_customers = 0;
  double blended_cac = 0, paid_cac = 0;  // major units
  double new_mrr = 0;                    // major units: won new-business amount / 12
  double payback_months = 0;             // blended CAC / (new MRR per customer x gross margin)
  double new_arr = 0;                    // won amount (new business and expansion)
  double magic_number = 0;  // new ARR / blended spend of the previous period (quarters)
  int64_t open_opportunities = 0;
  double win_rate = 0, avg_deal = 0, cycle_days = 0;
  double pipeline_velocity = 0;  // major units per day
};

struct CacReport {
  std::vector<CacRow> months, quarters;
};

CacReport Cac(const Dataset& d, const CacOptions& options);
// metric: new_customers, paid_customers, paid_spend, new_arr, open_opportunities.
core::Result<std::vector<Record>> CacDrill(const Dataset& d, const CacOptions& options,
                                           std::string_view period, std::string_view metric);

// ---------------------------------------------------------------- cohorts

struct CohortOptions {
  Period period;  // cohort months in this period
  int months = 12;
  std::vector<std::string> stages{"mql", "sql", "opportunity", "customer"};
  std::vector<std::string> engagement_types;  // empty: every type but sales_activity
};

struct CohortRow {
  std::string cohort;  // 2024-05
  int64_t size = 0;
  std::vector<std::vector<int64_t>> reached;  // [stage][months since] cumulative
};
struct RetentionRow {
  std::string cohort;
  int64_t size = 0;
  std::vector<int64_t> retained;  // [months since]
};
struct RevenueCohortRow {
  std::string cohort;  // month of the account's first won deal
  int64_t accounts = 0;
  std::vector<double> revenue;  // cumulative, major units, [months since]
};

struct CohortReport {
  std::vector<std::string> stages;
  std::vector<CohortRow> stage_cohorts;
  std::vector<RetentionRow> first_time, recurring;
  std::vector<RevenueCohortRow> revenue;
};

CohortReport Cohorts(const Dataset& d, const CohortOptions& options);
// table: stages (stage required), first_time, recurring, revenue.
core::Result<std::vector<Record>> CohortDrill(const Dataset& d, const CohortOptions& options,
                                              std::string_view table, std::string_view cohort,
                                              int month, std::string_view stage);

// ---------------------------------------------------------------- targets

// Monthly targets, from the `analytics` config:
//   targets:
//     2024-05: {leads: 400, mqls: 120, pipeline: 450000, revenue: 150000}
// Money in major units. Errors name the line and key.
struct MonthTargets {
  std::string month;
  std::map<std::string, double> values;  // leads, mqls, pipeline, revenue
};
core::Result<std::vector<MonthTargets>> ParseTargets(std::string_view yaml,
                                                     std::string_view file = "analytics");

struct TargetRow {
  std::string month, metric;
  double target = 0, actual = 0;  // money in major units
  double expected_to_date = 0;    // target x elapsed share of the month
  double pacing = 0;              // actual / expected_to_date
  double forecast = 0;            // linear run rate to month end
  double attainment = 0;          // forecast / target
};

std::vector<TargetRow> Targets(const Dataset& d, const std::vector<MonthTargets>& targets,
                               Timestamp as_of);
core::Result<std::vector<Record>> TargetDrill(const Dataset& d, std::string_view month,
                                              std::string_view metric, Timestamp as_of);

// ---------------------------------------------------------------- helpers

// "2024-05" of a time; "2024-Q2".
std::string MonthOf(Timestamp t);
std::string QuarterOf(Timestamp t);
// Median and 90th percentile (nearest rank on the sorted values); 0 when empty.
double Median(std::vector<double> values);
double Percentile(std::vector<double> values, double p);

// ---------------------------------------------------------------- service

// Loads the workspace's records (columnar scans; touchpoints in parallel
// connections when large).
core::Result<Dataset> LoadDataset(store::Database& db);
// The credits of a stored attribution run (run 0: the latest run of won
// deals; model "": the run's first model), as opportunity rows of `d`.
core::Result<Dataset::Credits> LoadCredits(store::Database& db, const Dataset& d, int64_t run_id,
                                           std::string_view model);

// A loaded dataset shared by requests while the workspace does not change:
// the key is the highest id of the tables read and of the audit log (every
// import writes one), checked with a few index lookups per call.
// Thread-safe.
core::Result<std::shared_ptr<const Dataset>> CachedDataset(store::Database& db);

// The `analytics` config (targets) stored in the workspace.
core::Status SaveConfig(store::Database& db, std::string_view yaml, std::string_view actor);
core::Result<std::string> LoadConfigText(store::Database& db);

}  // namespace mops::analytics
