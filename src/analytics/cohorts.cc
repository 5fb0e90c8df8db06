// Cohorts: contacts by month created and the share reaching each stage by
// month since creation; revenue cohorts by the month of an account's first
// won deal; first-time and recurring engagement retention.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>

#include "analytics/analytics.h"

namespace mops::analytics {
namespace {

int64_t AbsMonth(Timestamp t) {
  const core::CivilDate c = core::CivilFromDays(core::FloorDiv(t, core::kSecondsPerDay));
  return c.year * 12 + (c.month - 1);
}

std::string MonthName(int64_t abs) { return fmt::format("{:04}-{:02}", abs / 12, abs % 12 + 1); }

Timestamp AbsStart(int64_t abs) {
  return core::DaysFromCivil(abs / 12, static_cast<unsigned>(abs % 12 + 1), 1) *
         core::kSecondsPerDay;
}

bool CohortIn(const Period& p, int64_t abs) { return p.Contains(AbsStart(abs)); }

std::vector<uint8_t> EngagementTypes(const Dataset& d, const CohortOptions& o) {
  std::vector<uint8_t> keep(d.types.names.size(), 0);
  for (size_t t = 0; t < keep.size(); ++t) {
    keep[t] = o.engagement_types.empty()
                  ? d.types.names[t] != "sales_activity"
                  : std::find(o.engagement_types.begin(), o.engagement_types.end(),
                              d.types.names[t]) != o.engagement_types.end();
  }
  return keep;
}

// AbsMonth for times in ascending order: the month's bounds are kept, so a
// run of times in one month costs two comparisons each.
class MonthOfTime {
 public:
  int64_t operator()(Timestamp t) {
    if (t < lo_ || t >= hi_) {
      month_ = AbsMonth(t);
      lo_ = AbsStart(month_);
      hi_ = AbsStart(month_ + 1);
    }
    return month_;
  }

 private:
  Timestamp lo_ = 1, hi_ = 0;
  int64_t month_ = 0;
};

// Months (absolute, ascending, distinct) in which contact c engaged.
void EngagedMonths(const Dataset& d, const std::vector<uint8_t>& keep, size_t c,
                   std::vector<int64_t>& out) {
  out.clear();
  MonthOfTime month_of;
  for (int32_t i = d.touch_begin[c]; i < d.touch_begin[c + 1]; ++i) {
    const int32_t type = d.touch_type[static_cast<size_t>(i)];
    if (type < 0 || !keep[static_cast<size_t>(type)]) continue;
    const int64_t m = month_of(d.touch_at[static_cast<size_t>(i)]);
    if (out.empty() || out.back() != m) out.push_back(m);
  }
}

// First entry time of each listed stage of contact c (INT64_MIN: never).
void StageTimes(const Dataset& d, const std::vector<int32_t>& codes, size_t c,
                std::vector<Timestamp>& at) {
  at.assign(codes.size(), INT64_MIN);
  for (int32_t i = d.stage_begin[c]; i < d.stage_begin[c + 1]; ++i) {
    for (size_t s = 0; s < codes.size(); ++s) {
      if (d.stage_code[static_cast<size_t>(i)] == codes[s] && at[s] == INT64_MIN) {
        at[s] = d.stage_at[static_cast<size_t>(i)];
      }
    }
  }
}

struct AccountRevenue {
  int64_t first = INT64_MAX;  // absolute month of the first won deal
  std::vector<int32_t> won;   // opportunity rows
};

std::vector<AccountRevenue> Revenue(const Dataset& d) {
  std::vector<AccountRevenue> out(d.account_id.size());
  for (size_t p = 0; p < d.opportunity_count(); ++p) {
    if (!d.opp_won[p] || d.opp_account[p] < 0) continue;
    AccountRevenue& a = out[static_cast<size_t>(d.opp_account[p])];
    a.first = std::min(a.first, AbsMonth(d.opp_close[p]));
    a.won.push_back(static_cast<int32_t>(p));
  }
  return out;
}

}  // namespace

CohortReport Cohorts(const Dataset& d, const CohortOptions& o) {
  CohortReport report;
  report.stages = o.stages;
  const size_t months = static_cast<size_t>(std::max(1, o.months));
  std::vector<int32_t> codes;
  for (const std::string& s : o.stages) codes.push_back(d.stages.Find(s));
  // Stage cohorts by month created (flat, like the retention rows below).
  int64_t created_base = INT64_MAX, created_last = INT64_MIN;
  if (!d.contact_created.empty()) {
    const auto [lo, hi] = std::minmax_element(d.contact_created.begin(), d.contact_created.end());
    created_base = AbsMonth(*lo);
    created_last = AbsMonth(*hi);
  }
  std::vector<CohortRow> stage_flat(
      created_base <= created_last ? static_cast<size_t>(created_last - created_base + 1) : 0);
  // Retention rows by month (flat: a lookup per engaged month of every contact).
  int64_t base = INT64_MAX, last = INT64_MIN;
  if (!d.touch_at.empty()) {
    const auto [lo, hi] = std::minmax_element(d.touch_at.begin(), d.touch_at.end());
    base = AbsMonth(*lo);
    last = AbsMonth(*hi);
  }
  const size_t span = base <= last ? static_cast<size_t>(last - base + 1) : 0;
  std::vector<RetentionRow> first_flat(span), recurring_flat(span);
  const auto keep = EngagementTypes(d, o);
  std::vector<Timestamp> at;
  std::vector<int64_t> engaged;
  for (size_t c = 0; c < d.contact_count(); ++c) {
    const int64_t cohort = AbsMonth(d.contact_created[c]);
    if (CohortIn(o.period, cohort)) {
      CohortRow& row = stage_flat[static_cast<size_t>(cohort - created_base)];
      if (row.size == 0) row.reached.assign(codes.size(), std::vector<int64_t>(months, 0));
      ++row.size;
      StageTimes(d, codes, c, at);
      for (size_t s = 0; s < codes.size(); ++s) {
        if (at[s] == INT64_MIN) continue;
        const int64_t m = std::max<int64_t>(0, AbsMonth(at[s]) - cohort);
        for (size_t k = static_cast<size_t>(m); k < months; ++k) ++row.reached[s][k];
      }
    }
    EngagedMonths(d, keep, c, engaged);
    if (engaged.empty()) continue;
    if (CohortIn(o.period, engaged[0])) {
      RetentionRow& row = first_flat[static_cast<size_t>(engaged[0] - base)];
      if (row.size == 0) row.retained.assign(months, 0);
      ++row.size;
      for (int64_t m : engaged) {
        if (m - engaged[0] < static_cast<int64_t>(months))
          ++row.retained[static_cast<size_t>(m - engaged[0])];
      }
    }
    for (size_t i = 0; i < engaged.size(); ++i) {
      if (!CohortIn(o.period, engaged[i])) continue;
      RetentionRow& row = recurring_flat[static_cast<size_t>(engaged[i] - base)];
      if (row.size == 0) row.retained.assign(months, 0);
      ++row.size;
      for (size_t j = i;
           j < engaged.size() && engaged[j] - engaged[i] < static_cast<int64_t>(months); ++j) {
        ++row.retained[static_cast<size_t>(engaged[j] - engaged[i])];
      }
    }
  }
  for (size_t m = 0; m < stage_flat.size(); ++m) {
    if (stage_flat[m].size == 0) continue;
    stage_flat[m].cohort = MonthName(created_base + static_cast<int64_t>(m));
    report.stage_cohorts.push_back(std::move(stage_flat[m]));
  }
  for (size_t m = 0; m < span; ++m) {
    if (first_flat[m].size > 0) {
      first_flat[m].cohort = MonthName(base + static_cast<int64_t>(m));
      report.first_time.push_back(std::move(first_flat[m]));
    }
    if (recurring_flat[m].size > 0) {
      recurring_flat[m].cohort = MonthName(base + static_cast<int64_t>(m));
      report.recurring.push_back(std::move(recurring_flat[m]));
    }
  }
  std::map<int64_t, RevenueCohortRow> revenue_rows;
  for (const AccountRevenue& a : Revenue(d)) {
    if (a.won.empty() || !CohortIn(o.period, a.first)) continue;
    RevenueCohortRow& row = revenue_rows[a.first];
    if (row.accounts == 0) row.revenue.assign(months, 0);
    ++row.accounts;
    for (int32_t p : a.won) {
      const int64_t m = AbsMonth(d.opp_close[static_cast<size_t>(p)]) - a.first;
      for (size_t k = static_cast<size_t>(m); k < months; ++k) {
        row.revenue[k] += static_cast<double>(d.opp_amount[static_cast<size_t>(p)]) / 100;
      }
    }
  }
  for (auto& [m, row] : revenue_rows) {
    row.cohort = MonthName(m);
    report.revenue.push_back(std::move(row));
  }
  return report;
}

core::Result<std::vector<Record>> CohortDrill(const Dataset& d, const CohortOptions& o,
                                              std::string_view table, std::string_view cohort,
                                              int month, std::string_view stage) {
  if (month < 0 || month >= o.months) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "month must be 0-{}, got {}", o.months - 1,
                      month);
  }
  std::vector<Record> out;
  const auto contact = [&](size_t c, Timestamp at) {
    Record r;
    r.kind = "contact";
    r.id = d.contact_id[c];
    r.label = d.ContactLabel(c);
    r.at = at;
    r.value = 1;
    out.push_back(std::move(r));
  };
  if (table == "stages") {
    const int32_t code = d.stages.Find(stage);
    if (std::find(o.stages.begin(), o.stages.end(), stage) == o.stages.end()) {
      return core::Fail(core::ErrorCode::kInvalidArgument, "stage '{}' is not in the report",
                        stage);
    }
    std::vector<Timestamp> at;
    for (size_t c = 0; c < d.contact_count(); ++c) {
      const int64_t m0 = AbsMonth(d.contact_created[c]);
      if (MonthName(m0) != cohort || !CohortIn(o.period, m0)) continue;
      StageTimes(d, {code}, c, at);
      if (at[0] == INT64_MIN || code == kNone) continue;
      if (std::max<int64_t>(0, AbsMonth(at[0]) - m0) <= month) contact(c, at[0]);
    }
    return out;
  }
  if (table == "first_time" || table == "recurring") {
    const auto keep = EngagementTypes(d, o);
    std::vector<int64_t> engaged;
    for (size_t c = 0; c < d.contact_count(); ++c) {
      EngagedMonths(d, keep, c, engaged);
      if (engaged.empty()) continue;
      const bool first = table == "first_time";
      for (size_t i = 0; i < (first ? 1 : engaged.size()); ++i) {
        if (MonthName(engaged[i]) != cohort || !CohortIn(o.period, engaged[i])) continue;
        if (std::binary_search(engaged.begin(), engaged.end(), engaged[i] + month)) {
          contact(c, AbsStart(engaged[i] + month));
        }
      }
    }
    return out;
  }
  if (table == "revenue") {
    for (const AccountRevenue& a : Revenue(d)) {
      if (a.won.empty() || MonthName(a.first) != cohort || !CohortIn(o.period, a.first)) continue;
      for (int32_t p : a.won) {
        const size_t ps = static_cast<size_t>(p);
        if (AbsMonth(d.opp_close[ps]) - a.first > month) continue;
        Record r;
        r.kind = "opportunity";
        r.id = d.opp_id[ps];
        r.label = d.opp_name[ps];
        r.at = d.opp_close[ps];
        r.value = static_cast<double>(d.opp_amount[ps]) / 100;
        out.push_back(std::move(r));
      }
    }
    return out;
  }
  return core::Fail(core::ErrorCode::kInvalidArgument,
                    "table must be stages, first_time, recurring or revenue, got '{}'", table);
}

}  // namespace mops::analytics
