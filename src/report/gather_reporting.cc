// Section 7, reporting: funnel, velocity, CAC and ROI with their caveats.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "analytics/analytics.h"
#include "report/internal.h"

namespace mops::report::internal {

core::Status GatherReporting(store::Database& db, Facts& f, const std::string& cur) {
  Section s("reporting", "Reporting");
  MOPS_ASSIGN_OR_RETURN(int64_t opportunities, Count(db, "SELECT COUNT(*) FROM opportunities"));
  MOPS_ASSIGN_OR_RETURN(int64_t stages, Count(db, "SELECT COUNT(*) FROM lifecycle_history"));
  if (opportunities == 0 && stages == 0) {
    f.missing["reporting"] =
        "No opportunities and no lifecycle history: import them to report the funnel, CAC and "
        "ROI.";
    s.Missing(f.missing["reporting"]);
    f.sections.push_back(std::move(s.j));
    return {};
  }
  MOPS_ASSIGN_OR_RETURN(analytics::Dataset d, analytics::LoadDataset(db));

  // The lifecycle funnel.
  analytics::FunnelOptions funnel;
  for (std::string_view step :
       {"stage:lead", "stage:mql", "stage:sql", "stage:opportunity", "stage:customer"}) {
    MOPS_ASSIGN_OR_RETURN(analytics::StepSpec spec, analytics::ParseStep(step));
    funnel.steps.push_back(spec);
  }
  funnel.entry.to = f.as_of + 1;
  MOPS_ASSIGN_OR_RETURN(analytics::FunnelReport fr, analytics::Funnel(d, funnel));
  std::vector<std::string> labels;
  Json counts = Json::array(), funnel_rows = Json::array();
  for (const analytics::FunnelStep& step : fr.total.steps) {
    labels.push_back(step.label);
    counts.push_back(step.count);
    funnel_rows.push_back(
        {step.label, step.count, FormatValue(step.step_conversion, "percent", cur),
         FormatValue(step.overall, "percent", cur), fmt::format("{:.0f}", step.median_days)});
  }

  // Velocity: how many stage transitions skipped a stage (backfilled).
  analytics::VelocityOptions velocity;
  velocity.period.to = f.as_of + 1;
  const analytics::VelocityReport vr = analytics::Velocity(d, velocity);
  int64_t transitions = 0, skipped = 0;
  for (const analytics::VelocityRow& row : vr.rows) {
    if (row.entity != "contact" || !row.segment.empty() || !row.quarter.empty()) continue;
    transitions += row.count;
    skipped += row.skipped;
  }
  f.metrics["reporting.stage_transitions"] = static_cast<double>(transitions);
  f.metrics["reporting.skipped_stage_share"] =
      Share(static_cast<double>(skipped), static_cast<double>(transitions));

  // Spend, CAC and payback over the last four quarters.
  const bool spend = !d.spend_id.empty();
  Json cac_rows = Json::array();
  if (!spend) {
    f.missing["spend"] =
        "No ad spend: import it (mops spend import FILE) to compute CAC, payback and ROI.";
    s.Note(f.missing["spend"]);
  } else {
    analytics::CacOptions cac_options;
    cac_options.period.to = f.as_of + 1;
    const analytics::CacReport cac = analytics::Cac(d, cac_options);
    int64_t spent = 0, customers = 0;
    double payback_sum = 0, mrr = 0;
    const size_t first = cac.quarters.size() > 4 ? cac.quarters.size() - 4 : 0;
    for (size_t i = first; i < cac.quarters.size(); ++i) {
      const analytics::CacRow& q = cac.quarters[i];
      spent += q.blended_spend;
      customers += q.new_customers;
      mrr += q.new_mrr;
      payback_sum += q.payback_months * static_cast<double>(q.new_customers);
      cac_rows.push_back({q.period, Money(q.blended_spend, cur), q.new_customers,
                          fmt::format("{:.0f}", q.blended_cac),
                          fmt::format("{:.1f}", q.payback_months)});
    }
    f.metrics["reporting.new_customers"] = static_cast<double>(customers);
    if (customers > 0) {
      f.metrics["reporting.blended_cac"] =
          static_cast<double>(spent) / static_cast<double>(customers);
      f.metrics["reporting.payback_months"] = payback_sum / static_cast<double>(customers);
    }
  }

  // ROI by channel with the stored revenue attribution.
  MOPS_ASSIGN_OR_RETURN(analytics::Dataset::Credits credits, analytics::LoadCredits(db, d, 0, ""));
  if (credits.run_id == 0 || credits.conversion != "won") {
    f.missing["revenue_run"] =
        "No stored revenue attribution: run mops attribute --conversion won to give channels "
        "their revenue.";
    s.Note(f.missing["revenue_run"]);
  } else {
    analytics::ChannelOptions channel_options;
    const analytics::ChannelReport ch = analytics::Channels(d, channel_options, &credits);
    f.metrics["reporting.unattributed_revenue"] = ch.unattributed * 100;
    f.metrics["reporting.unattributed_revenue_share"] = Share(ch.unattributed, ch.won_revenue);
    s.Figure("Won revenue (stored run)", ch.won_revenue * 100, "money", cur);
    if (spend) {
      s.Figure("Paid spend", static_cast<double>(ch.total.spend), "money", cur);
      s.Figure("ROI (attributed revenue)", ch.total.roi, "percent", cur);
    }
    if (ch.won_revenue > 0 && ch.unattributed / ch.won_revenue > 0) {
      s.Note(
          fmt::format("Caveat: {} of won revenue has no channel credit; ROI by channel leaves it "
                      "out.",
                      FormatValue(ch.unattributed / ch.won_revenue, "percent", cur)));
    }
  }
  if (transitions > 0 && skipped > 0) {
    s.Note(fmt::format(
        "Caveat: {} of stage transitions skipped a stage and count zero days in it.",
        FormatValue(Share(static_cast<double>(skipped), static_cast<double>(transitions)),
                    "percent", cur)));
  }
  if (f.metrics.contains("reporting.blended_cac")) {
    s.Figure("Blended CAC (4 quarters)", f.metrics["reporting.blended_cac"], "money", cur);
    s.Figure("CAC payback", f.metrics["reporting.payback_months"], "number", cur);
  }
  s.Chart("Lifecycle funnel", labels, Json::array({{{"name", "contacts"}, {"values", counts}}}),
          "count");
  s.Table("Funnel", {"stage", "contacts", "step conversion", "overall", "median days"},
          funnel_rows);
  if (!cac_rows.empty()) {
    s.Table("CAC by quarter",
            {"quarter", "blended spend", "new customers", "blended CAC", "payback months"},
            cac_rows);
  }
  f.sections.push_back(std::move(s.j));
  return {};
}

}  // namespace mops::report::internal
