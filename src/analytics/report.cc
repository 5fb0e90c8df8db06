// Report and drill-down documents from text parameters (CLI and REST).
#include "analytics/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/duration.h"
#include "core/numbers.h"
#include "core/strings.h"

namespace mops::analytics {
namespace {

using Json = nlohmann::json;
using ParamDocs = std::vector<std::pair<std::string_view, std::string_view>>;

core::Error BadParam(std::string_view name, std::string message) {
  return core::MakeError(core::ErrorCode::kInvalidArgument, std::move(message))
      .InField(std::string(name));
}

std::string Get(const Params& p, std::string_view key) {
  auto it = p.find(std::string(key));
  return it == p.end() ? std::string() : it->second;
}

std::vector<std::string> List(const Params& p, std::string_view key) {
  std::vector<std::string> out;
  const std::string text = Get(p, key);
  if (text.empty()) return out;
  for (std::string_view part : core::Split(text, ',')) {
    const std::string_view t = core::Trim(part);
    if (!t.empty()) out.emplace_back(t);
  }
  return out;
}

core::Result<std::optional<Timestamp>> Date(const Params& p, std::string_view key) {
  const std::string text = Get(p, key);
  if (text.empty()) return std::optional<Timestamp>();
  auto t = core::ParseTimestamp(text);
  if (!t) return core::Fail(BadParam(key, fmt::format("{}: {}", key, t.error().message)));
  return std::optional<Timestamp>(*t);
}

core::Result<Period> PeriodOf(const Params& p) {
  Period period;
  MOPS_ASSIGN_OR_RETURN(period.from, Date(p, "from"));
  MOPS_ASSIGN_OR_RETURN(period.to, Date(p, "to"));
  if (period.from && period.to && *period.from >= *period.to) {
    return core::Fail(BadParam("to", "to must be after from"));
  }
  return period;
}

core::Result<double> Number(const Params& p, std::string_view key, double fallback, double lo,
                            double hi) {
  const std::string text = Get(p, key);
  if (text.empty()) return fallback;
  auto v = core::ParseDouble(text);
  if (!v || *v < lo || *v > hi) {
    return core::Fail(BadParam(
        key, fmt::format("{} must be a number from {} to {}, got '{}'", key, lo, hi, text)));
  }
  return *v;
}

const ParamDocs kPeriod = {{"from", "Start of the period (date, inclusive)"},
                           {"to", "End of the period (date, exclusive)"}};

const std::map<std::string_view, ParamDocs>& AllReportParams() {
  static const std::map<std::string_view, ParamDocs> kParams = {
      {"funnel",
       {{"steps",
         "Comma-separated steps: stage:NAME, type:TOUCH_TYPE or event:EVENT_NAME "
         "(default stage:lead,stage:mql,stage:sql,stage:opportunity,stage:customer)"},
        {"order", "ordered (default), strict or any"},
        {"window", "Conversion window from step 1: days (30) or an interval (12h, 2w)"},
        {"skipped",
         "ignore (default) or count: a stage step skipped counts as done when a later stage "
         "step is (not in strict order)"},
        {"exclude", "Comma-separated exclusion steps, each optionally @FROM-TO (1-based steps)"},
        {"breakdown",
         "channel, source, campaign, segment, first_touch_channel, latest_touch_channel, "
         "first_touch_source, latest_touch_source or cohort (month of step 1)"},
        {"from", "Step 1 on or after this date"},
        {"to", "Step 1 before this date"}}},
      {"velocity",
       {{"stages", "Contact stages in order (default lead,mql,sql,opportunity,customer)"},
        {"opportunity_stages", "Opportunity stages in order (default: from the data)"},
        {"from", "Later stage entered on or after this date"},
        {"to", "Later stage entered before this date"}}},
      {"channels",
       {{"by", "Rows per channel (default), source or campaign"},
        {"dimension", "The same as by (an older name)"},
        {"run", "Stored attribution run id (default: the latest run of won deals)"},
        {"model", "Attribution model of that run (default linear, else its first)"},
        {"lookback", "Days before creation that influence pipeline (default 90)"},
        {"from", "Start of the period (date, inclusive)"},
        {"to", "End of the period (date, exclusive)"}}},
      {"cac",
       {{"other_costs", "Other sales and marketing costs per month, major units (default 0)"},
        {"gross_margin", "Gross margin for payback, 0-1 (default 0.8)"},
        {"paid_channels", "Channels whose sourced customers are paid (default: those with spend)"},
        {"from", "Start of the period (date, inclusive)"},
        {"to", "End of the period (date, exclusive)"}}},
      {"cohorts",
       {{"months", "Months since the cohort month (default 12, at most 36)"},
        {"stages", "Stages to follow (default mql,sql,opportunity,customer)"},
        {"engagement_types",
         "Touch types that count as engagement (default: all but "
         "sales_activity)"},
        {"from", "First cohort month (date)"},
        {"to", "Cohorts before this date"}}},
      {"targets", {{"as_of", "Today for pacing (date; default now)"}}},
  };
  return kParams;
}

const std::map<std::string_view, ParamDocs>& AllDrillParams() {
  static const std::map<std::string_view, ParamDocs> kParams = {
      {"funnel",
       {{"step", "Step number (1-based)"},
        {"group", "Breakdown value (default: all)"},
        {"dropped", "true: those who reached the step before and not this one"}}},
      {"velocity",
       {{"entity", "contact or opportunity"},
        {"from_stage", "Earlier stage"},
        {"to_stage", "Later stage"},
        {"segment", "Segment (default: all)"},
        {"quarter", "Quarter as 2024-Q2 (default: all)"}}},
      {"channels",
       {{"key", "Channel, source or campaign"},
        {"metric",
         "spend, leads, mqls, sourced_pipeline, influenced_pipeline, revenue (the credited "
         "touches), won_revenue or unattributed (the total's deals; key ignored)"}}},
      {"cac",
       {{"period", "Month (2024-05) or quarter (2024-Q2)"},
        {"metric", "paid_spend, new_customers, paid_customers, new_arr or open_opportunities"}}},
      {"cohorts",
       {{"table", "stages, first_time, recurring or revenue"},
        {"cohort", "Cohort month (2024-05)"},
        {"month", "Months since the cohort month"},
        {"stage", "Stage (table stages)"}}},
      {"targets", {{"month", "Month (2024-05)"}, {"metric", "leads, mqls, pipeline or revenue"}}},
  };
  return kParams;
}

core::Status CheckParams(std::string_view report, const Params& p, bool drill) {
  const auto& known = AllReportParams().at(report);
  const auto& cells = AllDrillParams().at(report);
  for (const auto& [key, _] : p) {
    const auto is = [&](const ParamDocs& docs) {
      return std::any_of(docs.begin(), docs.end(), [&](const auto& d) { return d.first == key; });
    };
    if (is(known) || (drill && is(cells))) continue;
    std::vector<std::string_view> names;
    for (const auto& d : known) names.push_back(d.first);
    if (drill) {
      for (const auto& d : cells) names.push_back(d.first);
    }
    return core::Fail(BadParam(key, fmt::format("unknown parameter '{}' of the {} report "
                                                "(expected one of: {})",
                                                key, report, fmt::join(names, ", "))));
  }
  return {};
}

core::Result<FunnelOptions> FunnelOptionsOf(const Params& p) {
  FunnelOptions o;
  std::vector<std::string> steps = List(p, "steps");
  if (steps.empty()) {
    steps = {"stage:lead", "stage:mql", "stage:sql", "stage:opportunity", "stage:customer"};
  }
  for (const std::string& s : steps) {
    auto step = ParseStep(s);
    if (!step) return core::Fail(std::move(step.error()).InField("steps"));
    o.steps.push_back(std::move(*step));
  }
  auto order = ParseFunnelOrder(Get(p, "order"));
  if (!order) return core::Fail(std::move(order.error()).InField("order"));
  o.order = *order;
  if (const std::string skipped = Get(p, "skipped"); skipped == "count") {
    o.count_skipped_stages = true;
  } else if (!skipped.empty() && skipped != "ignore") {
    return core::Fail(
        BadParam("skipped", fmt::format("skipped must be ignore or count, got '{}'", skipped)));
  }
  const std::string window = Get(p, "window");
  if (!window.empty()) {
    auto days = core::ParseDouble(window);
    std::optional<int64_t> seconds;
    if (days && *days > 0) {
      seconds = static_cast<int64_t>(*days * core::kSecondsPerDay);
    } else if (!days) {
      seconds = core::ParseInterval(window);
    }
    if (!seconds || *seconds <= 0) {
      return core::Fail(BadParam("window", fmt::format("window must be a positive number of days "
                                                       "or an interval (12h, 2w), got '{}'",
                                                       window)));
    }
    o.window_seconds = *seconds;
  }
  for (const std::string& text : List(p, "exclude")) {
    Exclusion e;
    std::string_view step = text;
    const size_t at = text.rfind('@');
    if (at != std::string::npos) {
      step = std::string_view(text).substr(0, at);
      const auto range = core::Split(std::string_view(text).substr(at + 1), '-');
      auto from = range.size() == 2 ? core::ParseInt(range[0]) : core::ParseInt("x");
      auto to = range.size() == 2 ? core::ParseInt(range[1]) : core::ParseInt("x");
      if (!from || !to) {
        return core::Fail(BadParam("exclude", fmt::format("exclusion '{}': write STEP@FROM-TO "
                                                          "with step numbers, as type:x@1-2",
                                                          text)));
      }
      e.from = static_cast<int>(*from) - 1;
      e.to = static_cast<int>(*to) - 1;
    }
    auto parsed = ParseStep(step);
    if (!parsed) return core::Fail(std::move(parsed.error()).InField("exclude"));
    e.step = std::move(*parsed);
    o.exclusions.push_back(std::move(e));
  }
  auto breakdown = ParseBreakdown(Get(p, "breakdown"));
  if (!breakdown) return core::Fail(std::move(breakdown.error()).InField("breakdown"));
  o.breakdown = *breakdown;
  MOPS_ASSIGN_OR_RETURN(o.entry, PeriodOf(p));
  return o;
}

core::Result<VelocityOptions> VelocityOptionsOf(const Params& p) {
  VelocityOptions o;
  if (auto s = List(p, "stages"); !s.empty()) {
    for (auto& x : s) x = core::ToLower(x);
    o.contact_stages = std::move(s);
  }
  o.opportunity_stages = List(p, "opportunity_stages");
  MOPS_ASSIGN_OR_RETURN(o.period, PeriodOf(p));
  return o;
}

// The channel report's breakdown: `by`, or its older name `dimension`.
core::Result<std::string> ByOf(const Params& p) {
  const std::string by = Get(p, "by"), dimension = Get(p, "dimension");
  if (!by.empty() && !dimension.empty() && by != dimension) {
    return core::Fail(BadParam("by", fmt::format("by ('{}') and dimension ('{}') say different "
                                                 "things: give one",
                                                 by, dimension)));
  }
  return by.empty() ? (dimension.empty() ? std::string("channel") : dimension) : by;
}

core::Result<ChannelOptions> ChannelOptionsOf(const Params& p) {
  ChannelOptions o;
  MOPS_ASSIGN_OR_RETURN(std::string by, ByOf(p));
  auto dim = ParseDimension(by);
  if (!dim) {
    return core::Fail(
        BadParam(Get(p, "by").empty() ? "dimension" : "by",
                 fmt::format("by must be channel, source or campaign, got '{}'", by)));
  }
  o.dimension = *dim;
  MOPS_ASSIGN_OR_RETURN(double lookback, Number(p, "lookback", 90, 0, 3650));
  o.lookback_days = static_cast<int>(lookback);
  MOPS_ASSIGN_OR_RETURN(o.period, PeriodOf(p));
  return o;
}

core::Result<Dataset::Credits> CreditsOf(store::Database& db, const Dataset& d, const Params& p) {
  MOPS_ASSIGN_OR_RETURN(double run, Number(p, "run", 0, 0, 9e15));
  return LoadCredits(db, d, static_cast<int64_t>(run), Get(p, "model"));
}

core::Result<CacOptions> CacOptionsOf(const Params& p) {
  CacOptions o;
  MOPS_ASSIGN_OR_RETURN(double other, Number(p, "other_costs", 0, 0, 1e13));
  o.other_costs_per_month = static_cast<int64_t>(other * 100 + 0.5);
  MOPS_ASSIGN_OR_RETURN(o.gross_margin, Number(p, "gross_margin", 0.8, 0.01, 1));
  o.paid_channels = List(p, "paid_channels");
  MOPS_ASSIGN_OR_RETURN(o.period, PeriodOf(p));
  return o;
}

core::Result<CohortOptions> CohortOptionsOf(const Params& p) {
  CohortOptions o;
  MOPS_ASSIGN_OR_RETURN(double months, Number(p, "months", 12, 1, 36));
  o.months = static_cast<int>(months);
  if (auto s = List(p, "stages"); !s.empty()) {
    for (auto& x : s) x = core::ToLower(x);
    o.stages = std::move(s);
  }
  o.engagement_types = List(p, "engagement_types");
  MOPS_ASSIGN_OR_RETURN(o.period, PeriodOf(p));
  return o;
}

core::Result<Timestamp> AsOf(const Params& p, Timestamp now) {
  MOPS_ASSIGN_OR_RETURN(auto as_of, Date(p, "as_of"));
  return as_of.value_or(now);
}

double Money(int64_t minor) { return static_cast<double>(minor) / 100; }

Json FunnelStepsJson(const FunnelGroup& g) {
  Json steps = Json::array();
  for (const FunnelStep& s : g.steps) {
    steps.push_back({{"step", s.label},
                     {"count", s.count},
                     {"step_conversion", s.step_conversion},
                     {"overall", s.overall},
                     {"dropped", s.dropped},
                     {"median_days", s.median_days},
                     {"p90_days", s.p90_days}});
  }
  return {{"key", g.key}, {"steps", steps}, {"median_days_total", g.median_days_total}};
}

Json ChannelRowJson(const ChannelRow& r) {
  return {{"key", r.key},
          {"spend", Money(r.spend)},
          {"impressions", r.impressions},
          {"clicks", r.clicks},
          {"ctr", r.ctr},
          {"cpc", r.cpc},
          {"leads", r.leads},
          {"cpl", r.cpl},
          {"mqls", r.mqls},
          {"sourced_count", r.sourced_count},
          {"sourced_pipeline", Money(r.sourced_pipeline)},
          {"influenced_count", r.influenced_count},
          {"influenced_pipeline", Money(r.influenced_pipeline)},
          {"revenue", r.revenue},
          {"roas", r.roas},
          {"roi", r.roi},
          {"weekly_spend", [&] {
             Json w = Json::array();
             for (int64_t x : r.weekly_spend) w.push_back(Money(x));
             return w;
           }()}};
}

Json CacRowJson(const CacRow& r) {
  return {{"period", r.period},
          {"paid_spend", Money(r.paid_spend)},
          {"blended_spend", Money(r.blended_spend)},
          {"new_customers", r.new_customers},
          {"paid_customers", r.paid_customers},
          {"blended_cac", r.blended_cac},
          {"paid_cac", r.paid_cac},
          {"new_mrr", r.new_mrr},
          {"payback_months", r.payback_months},
          {"new_arr", r.new_arr},
          {"magic_number", r.magic_number},
          {"open_opportunities", r.open_opportunities},
          {"win_rate", r.win_rate},
          {"avg_deal", r.avg_deal},
          {"cycle_days", r.cycle_days},
          {"pipeline_velocity", r.pipeline_velocity}};
}

// Labels (emails) of the contacts among the records [begin, end) that have
// none: the dataset does not keep them, so a page of records costs one lookup.
core::Status LabelContacts(store::Database& db, std::vector<Record>& records, size_t begin,
                           size_t end) {
  std::vector<store::Value> ids;
  std::string marks;
  for (size_t i = begin; i < end; ++i) {
    if (records[i].kind != "contact" || !records[i].label.empty()) continue;
    marks += marks.empty() ? "?" : ", ?";
    ids.emplace_back(records[i].id);
  }
  if (ids.empty()) return {};
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, email FROM contacts WHERE id IN (" + marks + ")", ids));
  std::unordered_map<int64_t, std::string> email;
  for (const auto& row : rows.rows) email[store::AsInt(row[0])] = store::AsText(row[1]);
  for (size_t i = begin; i < end; ++i) {
    Record& r = records[i];
    if (r.kind != "contact" || !r.label.empty()) continue;
    auto it = email.find(r.id);
    r.label =
        it != email.end() && !it->second.empty() ? it->second : "contact " + std::to_string(r.id);
  }
  return {};
}

core::Result<std::vector<MonthTargets>> StoredTargets(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(std::string text, LoadConfigText(db));
  return ParseTargets(text, "analytics config");
}

}  // namespace

const std::vector<std::string_view>& ReportNames() {
  static const std::vector<std::string_view> kNames = {"funnel", "velocity", "channels",
                                                       "cac",    "cohorts",  "targets"};
  return kNames;
}

const std::vector<std::pair<std::string_view, std::string_view>>& ReportParams(
    std::string_view report) {
  return AllReportParams().at(report);
}

const std::vector<std::pair<std::string_view, std::string_view>>& DrillParams(
    std::string_view report) {
  return AllDrillParams().at(report);
}

core::Result<Json> ReportJson(store::Database& db, const Dataset& d, std::string_view report,
                              const Params& p, Timestamp now) {
  if (!AllReportParams().contains(report)) {
    return core::Fail(core::ErrorCode::kNotFound, "no report '{}' (reports: {})", report,
                      fmt::join(ReportNames(), ", "));
  }
  MOPS_TRY(CheckParams(report, p, false));
  if (report == "funnel") {
    MOPS_ASSIGN_OR_RETURN(FunnelOptions o, FunnelOptionsOf(p));
    MOPS_ASSIGN_OR_RETURN(FunnelReport r, Funnel(d, o));
    Json groups = Json::array();
    for (const FunnelGroup& g : r.groups) groups.push_back(FunnelStepsJson(g));
    return Json{{"report", "funnel"},
                {"order", Get(p, "order").empty() ? "ordered" : Get(p, "order")},
                {"skipped", o.count_skipped_stages ? "count" : "ignore"},
                {"window_days", static_cast<double>(o.window_seconds) / core::kSecondsPerDay},
                {"breakdown", Get(p, "breakdown")},
                {"total", FunnelStepsJson(r.total)},
                {"groups", groups},
                {"excluded", r.excluded}};
  }
  if (report == "velocity") {
    MOPS_ASSIGN_OR_RETURN(VelocityOptions o, VelocityOptionsOf(p));
    const VelocityReport r = Velocity(d, o);
    Json rows = Json::array();
    for (const VelocityRow& v : r.rows) {
      rows.push_back({{"entity", v.entity},
                      {"from", v.from},
                      {"to", v.to},
                      {"segment", v.segment},
                      {"quarter", v.quarter},
                      {"count", v.count},
                      {"skipped", v.skipped},
                      {"median_days", v.median_days},
                      {"p90_days", v.p90_days}});
    }
    return Json{{"report", "velocity"},
                {"contact_stages", r.contact_stages},
                {"opportunity_stages", r.opportunity_stages},
                {"missing_stage_rule",
                 "a skipped stage takes the entry time of the next stage "
                 "entered (0 days in it)"},
                {"rows", rows}};
  }
  if (report == "channels") {
    MOPS_ASSIGN_OR_RETURN(ChannelOptions o, ChannelOptionsOf(p));
    MOPS_ASSIGN_OR_RETURN(Dataset::Credits credits, CreditsOf(db, d, p));
    const ChannelReport r = Channels(d, o, credits.run_id ? &credits : nullptr);
    Json rows = Json::array();
    for (const ChannelRow& c : r.rows) rows.push_back(ChannelRowJson(c));
    Json models = Json::array();
    if (credits.run_id) {
      const store::Value id[] = {credits.run_id};
      MOPS_ASSIGN_OR_RETURN(store::Rows m,
                            db.Query("SELECT DISTINCT model FROM attribution_credits "
                                     "WHERE run_id = ? ORDER BY model",
                                     id));
      for (const auto& row : m.rows) models.push_back(store::AsText(row[0]));
    }
    MOPS_ASSIGN_OR_RETURN(std::string by, ByOf(p));
    Json doc{{"report", "channels"},
             {"by", by},
             {"dimension", by},
             {"run", r.run_id},
             {"model", r.model},
             {"models", models},
             {"conversion", credits.conversion},
             {"credit_per_touch", credits.per_touch},
             {"revenue_available", r.revenue_available},
             {"rows", rows},
             {"total", ChannelRowJson(r.total)},
             {"won_revenue", r.won_revenue},
             {"unattributed_revenue", r.unattributed}};
    if (!r.revenue_available) {
      doc["revenue_note"] = fmt::format(
          "attribution run {} keeps credit per channel only (stored before credit per touch): "
          "revenue, ROAS and ROI by {} need a newer run (mops attribute --conversion won)",
          r.run_id, by);
    }
    return doc;
  }
  if (report == "cac") {
    MOPS_ASSIGN_OR_RETURN(CacOptions o, CacOptionsOf(p));
    const CacReport r = Cac(d, o);
    Json months = Json::array(), quarters = Json::array();
    for (const CacRow& c : r.months) months.push_back(CacRowJson(c));
    for (const CacRow& c : r.quarters) quarters.push_back(CacRowJson(c));
    return Json{{"report", "cac"},
                {"gross_margin", o.gross_margin},
                {"other_costs_per_month", Money(o.other_costs_per_month)},
                {"months", months},
                {"quarters", quarters}};
  }
  if (report == "cohorts") {
    MOPS_ASSIGN_OR_RETURN(CohortOptions o, CohortOptionsOf(p));
    const CohortReport r = Cohorts(d, o);
    Json stages = Json::array(), first = Json::array(), recurring = Json::array(),
         revenue = Json::array();
    for (const CohortRow& c : r.stage_cohorts) {
      Json reached = Json::object();
      for (size_t s = 0; s < r.stages.size(); ++s) reached[r.stages[s]] = c.reached[s];
      stages.push_back({{"cohort", c.cohort}, {"size", c.size}, {"reached", reached}});
    }
    for (const RetentionRow& c : r.first_time) {
      first.push_back({{"cohort", c.cohort}, {"size", c.size}, {"retained", c.retained}});
    }
    for (const RetentionRow& c : r.recurring) {
      recurring.push_back({{"cohort", c.cohort}, {"size", c.size}, {"retained", c.retained}});
    }
    for (const RevenueCohortRow& c : r.revenue) {
      revenue.push_back({{"cohort", c.cohort}, {"accounts", c.accounts}, {"revenue", c.revenue}});
    }
    return Json{{"report", "cohorts"},     {"months", o.months},  {"stages", r.stages},
                {"stage_cohorts", stages}, {"first_time", first}, {"recurring", recurring},
                {"revenue", revenue}};
  }
  // targets
  MOPS_ASSIGN_OR_RETURN(Timestamp as_of, AsOf(p, now));
  MOPS_ASSIGN_OR_RETURN(auto targets, StoredTargets(db));
  Json rows = Json::array();
  for (const TargetRow& t : Targets(d, targets, as_of)) {
    rows.push_back({{"month", t.month},
                    {"metric", t.metric},
                    {"target", t.target},
                    {"actual", t.actual},
                    {"expected_to_date", t.expected_to_date},
                    {"pacing", t.pacing},
                    {"forecast", t.forecast},
                    {"attainment", t.attainment}});
  }
  return Json{{"report", "targets"}, {"as_of", core::FormatDate(as_of)}, {"rows", rows}};
}

core::Result<Json> DrillJson(store::Database& db, const Dataset& d, std::string_view report,
                             const Params& p, Timestamp now, int64_t offset, int64_t limit) {
  if (!AllReportParams().contains(report)) {
    return core::Fail(core::ErrorCode::kNotFound, "no report '{}' (reports: {})", report,
                      fmt::join(ReportNames(), ", "));
  }
  MOPS_TRY(CheckParams(report, p, true));
  for (const auto& [key, _] : AllDrillParams().at(report)) {
    const bool optional = key == "group" || key == "dropped" || key == "segment" ||
                          key == "quarter" || key == "stage";
    if (!optional && Get(p, key).empty()) {
      return core::Fail(BadParam(key, fmt::format("the {} drill-down needs {}", report, key)));
    }
  }
  std::vector<Record> records;
  if (report == "funnel") {
    MOPS_ASSIGN_OR_RETURN(FunnelOptions o, FunnelOptionsOf(p));
    MOPS_ASSIGN_OR_RETURN(double step, Number(p, "step", 1, 1, 20));
    const std::string dropped = Get(p, "dropped");
    bool is_dropped = false;
    if (!dropped.empty()) {
      auto b = core::ParseBool(dropped);
      if (!b) return core::Fail(BadParam("dropped", "dropped must be true or false"));
      is_dropped = *b;
    }
    auto r = FunnelDrill(d, o, static_cast<int>(step) - 1, Get(p, "group"), is_dropped);
    if (!r) return core::Fail(std::move(r.error()).InField("step"));
    records = std::move(*r);
  } else if (report == "velocity") {
    MOPS_ASSIGN_OR_RETURN(VelocityOptions o, VelocityOptionsOf(p));
    MOPS_ASSIGN_OR_RETURN(
        records, VelocityDrill(d, o, Get(p, "entity"), Get(p, "from_stage"), Get(p, "to_stage"),
                               Get(p, "segment"), Get(p, "quarter")));
  } else if (report == "channels") {
    MOPS_ASSIGN_OR_RETURN(ChannelOptions o, ChannelOptionsOf(p));
    MOPS_ASSIGN_OR_RETURN(Dataset::Credits credits, CreditsOf(db, d, p));
    MOPS_ASSIGN_OR_RETURN(records, ChannelDrill(d, o, credits.run_id ? &credits : nullptr,
                                                Get(p, "key"), Get(p, "metric")));
  } else if (report == "cac") {
    MOPS_ASSIGN_OR_RETURN(CacOptions o, CacOptionsOf(p));
    MOPS_ASSIGN_OR_RETURN(records, CacDrill(d, o, Get(p, "period"), Get(p, "metric")));
  } else if (report == "cohorts") {
    MOPS_ASSIGN_OR_RETURN(CohortOptions o, CohortOptionsOf(p));
    MOPS_ASSIGN_OR_RETURN(double month, Number(p, "month", 0, 0, 36));
    MOPS_ASSIGN_OR_RETURN(records, CohortDrill(d, o, Get(p, "table"), Get(p, "cohort"),
                                               static_cast<int>(month), Get(p, "stage")));
  } else {
    MOPS_ASSIGN_OR_RETURN(Timestamp as_of, AsOf(p, now));
    MOPS_ASSIGN_OR_RETURN(records, TargetDrill(d, Get(p, "month"), Get(p, "metric"), as_of));
  }
  double sum = 0;
  for (const Record& r : records) sum += r.value;
  Json rows = Json::array();
  const auto n = static_cast<int64_t>(records.size());
  const int64_t first = std::clamp<int64_t>(offset, 0, n);
  const int64_t last = std::clamp<int64_t>(offset + limit, first, n);
  MOPS_TRY(LabelContacts(db, records, static_cast<size_t>(first), static_cast<size_t>(last)));
  for (int64_t i = first; i < last; ++i) {
    const Record& r = records[static_cast<size_t>(i)];
    Json row = {{"kind", r.kind},
                {"id", r.id},
                {"label", r.label},
                {"at", core::FormatTimestamp(r.at)},
                {"value", r.value}};
    if (r.touch_id != 0) {
      row["touchpoint_id"] = r.touch_id;
      row["touch_at"] = core::FormatTimestamp(r.touch_at);
      row["touch"] = r.touch;
    }
    rows.push_back(std::move(row));
  }
  return Json{{"report", std::string(report)},
              {"count", n},
              {"sum", sum},
              {"offset", offset},
              {"limit", limit},
              {"records", rows}};
}

cli::Table MainTable(std::string_view report, const Json& doc) {
  cli::Table t;
  const auto num = [](const Json& v) {
    if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
    if (v.is_number()) {
      const double x = v.get<double>();
      if (std::abs(x) >= 1000) return fmt::format("{:.0f}", x);
      if (std::abs(x) >= 1) return fmt::format("{:.2f}", x);
      return fmt::format("{:.4g}", x);
    }
    return v.is_string() ? v.get<std::string>() : v.dump();
  };
  const auto fill = [&](const Json& rows, const std::vector<std::string>& cols) {
    t.columns = cols;
    for (const Json& row : rows) {
      std::vector<std::string> cells;
      for (const std::string& c : cols) cells.push_back(row.contains(c) ? num(row[c]) : "");
      t.rows.push_back(std::move(cells));
    }
    for (size_t i = 0; i < cols.size(); ++i) {
      t.numeric.push_back(!rows.empty() && rows[0].contains(cols[i]) &&
                          rows[0][cols[i]].is_number());
    }
  };
  if (doc.contains("records")) {
    const bool touches = !doc["records"].empty() && doc["records"][0].contains("touchpoint_id");
    if (touches) {
      fill(doc["records"],
           {"kind", "id", "label", "at", "touchpoint_id", "touch_at", "touch", "value"});
    } else {
      fill(doc["records"], {"kind", "id", "label", "at", "value"});
    }
  } else if (report == "funnel") {
    Json rows = Json::array();
    const auto add = [&](const Json& g) {
      for (Json s : g["steps"]) {
        s["group"] = g["key"].get<std::string>().empty() ? "(all)" : g["key"];
        rows.push_back(s);
      }
    };
    add(doc["total"]);
    for (const Json& g : doc["groups"]) add(g);
    fill(rows, {"group", "step", "count", "step_conversion", "overall", "dropped", "median_days",
                "p90_days"});
  } else if (report == "velocity") {
    fill(doc["rows"], {"entity", "from", "to", "segment", "quarter", "count", "skipped",
                       "median_days", "p90_days"});
  } else if (report == "channels") {
    Json rows = doc["rows"];
    rows.push_back(doc["total"]);
    fill(rows, {"key", "spend", "impressions", "clicks", "ctr", "cpc", "leads", "cpl", "mqls",
                "sourced_pipeline", "influenced_pipeline", "revenue", "roas", "roi"});
  } else if (report == "cac") {
    Json rows = doc["months"];
    for (const Json& q : doc["quarters"]) rows.push_back(q);
    fill(rows,
         {"period", "paid_spend", "blended_spend", "new_customers", "paid_customers", "blended_cac",
          "paid_cac", "payback_months", "new_arr", "magic_number", "pipeline_velocity"});
  } else if (report == "cohorts") {
    Json rows = Json::array();
    for (const Json& c : doc["stage_cohorts"]) {
      for (auto it = c["reached"].begin(); it != c["reached"].end(); ++it) {
        Json row = {{"cohort", c["cohort"]}, {"size", c["size"]}, {"stage", it.key()}};
        const Json& counts = it.value();
        for (size_t m = 0; m < counts.size(); ++m) {
          const double size = c["size"].get<double>();
          row["m" + std::to_string(m)] = size > 0 ? counts[m].get<double>() / size : 0.0;
        }
        rows.push_back(row);
      }
    }
    std::vector<std::string> cols = {"cohort", "size", "stage"};
    for (int m = 0; m < doc["months"].get<int>(); ++m) cols.push_back("m" + std::to_string(m));
    fill(rows, cols);
  } else {
    fill(doc["rows"], {"month", "metric", "target", "actual", "expected_to_date", "pacing",
                       "forecast", "attainment"});
  }
  return t;
}

}  // namespace mops::analytics
