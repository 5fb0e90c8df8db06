// CAC, payback, magic number and pipeline velocity per month and quarter
// (definitions in DESIGN.md and the README).
#include <algorithm>
#include <functional>

#include "analytics/analytics.h"
#include "core/strings.h"

namespace mops::analytics {
namespace {

struct Span {
  std::string name;
  Timestamp from, to;
  int months;
};

Timestamp MonthStart(int64_t year, unsigned month) {
  return core::DaysFromCivil(year, month, 1) * core::kSecondsPerDay;
}

// Months (or quarters) covering the period; an open end takes the data's range.
std::vector<Span> Spans(const Dataset& d, const Period& period, bool quarters) {
  Timestamp lo = period.from.value_or(INT64_MAX), hi = period.to.value_or(INT64_MIN);
  if (!period.from || !period.to) {
    const auto see = [&](Timestamp t) {
      if (!period.from) lo = std::min(lo, t);
      if (!period.to) hi = std::max(hi, t + 1);
    };
    for (Timestamp t : d.spend_date) see(t);
    for (size_t p = 0; p < d.opportunity_count(); ++p) {
      if (d.opp_closed[p]) see(d.opp_close[p]);
    }
  }
  std::vector<Span> out;
  if (lo >= hi) return out;
  core::CivilDate c = core::CivilFromDays(core::FloorDiv(lo, core::kSecondsPerDay));
  int64_t year = c.year;
  unsigned month = quarters ? (c.month - 1) / 3 * 3 + 1 : c.month;
  const unsigned step = quarters ? 3 : 1;
  for (int guard = 0; guard < 240; ++guard) {
    const Timestamp from = MonthStart(year, month);
    if (from >= hi) break;
    unsigned next = month + step;
    int64_t next_year = year;
    if (next > 12) next -= 12, ++next_year;
    const Timestamp to = MonthStart(next_year, next);
    out.push_back({quarters ? QuarterOf(from) : MonthOf(from), std::max(from, lo), std::min(to, hi),
                   static_cast<int>(step)});
    year = next_year;
    month = next;
  }
  return out;
}

bool IsNewBusiness(const Dataset& d, const CacOptions& o, size_t p) {
  const std::string type = core::ToLower(d.opp_types.Name(d.opp_type[p]));
  if (type.empty()) return true;
  return std::find(o.new_business_types.begin(), o.new_business_types.end(), type) !=
         o.new_business_types.end();
}

bool IsRenewal(const Dataset& d, size_t p) {
  return core::ToLower(d.opp_types.Name(d.opp_type[p])).find("renewal") != std::string::npos;
}

// Channel of the account's first touch before the opportunity was created.
int32_t SourceChannel(const Dataset& d, size_t p) {
  if (d.opp_account[p] < 0) return kNone;
  const size_t a = static_cast<size_t>(d.opp_account[p]);
  if (d.account_touch_begin[a] == d.account_touch_begin[a + 1]) return kNone;
  const size_t t =
      static_cast<size_t>(d.account_touch[static_cast<size_t>(d.account_touch_begin[a])]);
  return d.touch_at[t] < d.opp_created[p] ? d.touch_channel[t] : kNone;
}

std::vector<uint8_t> PaidChannels(const Dataset& d, const CacOptions& o) {
  std::vector<uint8_t> paid(d.channels.names.size(), 0);
  if (o.paid_channels.empty()) {
    for (int32_t c : d.spend_channel) {
      if (c >= 0) paid[static_cast<size_t>(c)] = 1;
    }
  } else {
    for (const std::string& name : o.paid_channels) {
      const int32_t c = d.channels.Find(name);
      if (c >= 0) paid[static_cast<size_t>(c)] = 1;
    }
  }
  return paid;
}

enum class CacMetric { kPaidSpend, kNewCustomer, kPaidCustomer, kNewArr, kOpen };

using CacVisit = std::function<void(CacMetric, char kind, size_t row, double value, Timestamp at)>;

void WalkCac(const Dataset& d, const CacOptions& o, const Span& s, const std::vector<uint8_t>& paid,
             const CacVisit& visit) {
  for (size_t i = 0; i < d.spend_id.size(); ++i) {
    if (d.spend_date[i] >= s.from && d.spend_date[i] < s.to) {
      visit(CacMetric::kPaidSpend, 's', i, static_cast<double>(d.spend_amount[i]) / 100,
            d.spend_date[i]);
    }
  }
  for (size_t p = 0; p < d.opportunity_count(); ++p) {
    const double amount = static_cast<double>(d.opp_amount[p]) / 100;
    if (d.opp_created[p] < s.to && (!d.opp_closed[p] || d.opp_close[p] >= s.to)) {
      visit(CacMetric::kOpen, 'o', p, 1, d.opp_created[p]);
    }
    if (!d.opp_won[p] || d.opp_close[p] < s.from || d.opp_close[p] >= s.to) continue;
    if (!IsRenewal(d, p)) visit(CacMetric::kNewArr, 'o', p, amount, d.opp_close[p]);
    if (!IsNewBusiness(d, o, p)) continue;
    visit(CacMetric::kNewCustomer, 'o', p, 1, d.opp_close[p]);
    const int32_t ch = SourceChannel(d, p);
    if (ch >= 0 && paid[static_cast<size_t>(ch)]) {
      visit(CacMetric::kPaidCustomer, 'o', p, 1, d.opp_close[p]);
    }
  }
}

CacRow Compute(const Dataset& d, const CacOptions& o, const Span& s,
               const std::vector<uint8_t>& paid) {
  CacRow r;
  r.period = s.name;
  double new_business = 0;
  WalkCac(d, o, s, paid, [&](CacMetric m, char, size_t row, double value, Timestamp) {
    switch (m) {
      case CacMetric::kPaidSpend:
        r.paid_spend += d.spend_amount[row];
        break;
      case CacMetric::kNewCustomer:
        ++r.new_customers;
        new_business += static_cast<double>(d.opp_amount[row]) / 100;
        break;
      case CacMetric::kPaidCustomer:
        ++r.paid_customers;
        break;
      case CacMetric::kNewArr:
        r.new_arr += value;
        break;
      case CacMetric::kOpen:
        ++r.open_opportunities;
        break;
    }
  });
  r.blended_spend = r.paid_spend + o.other_costs_per_month * s.months;
  r.blended_cac = r.new_customers > 0 ? static_cast<double>(r.blended_spend) / 100 /
                                            static_cast<double>(r.new_customers)
                                      : 0;
  r.paid_cac = r.paid_customers > 0
                   ? static_cast<double>(r.paid_spend) / 100 / static_cast<double>(r.paid_customers)
                   : 0;
  r.new_mrr = new_business / 12;
  const double mrr_per_customer =
      r.new_customers > 0 ? r.new_mrr / static_cast<double>(r.new_customers) : 0;
  r.payback_months = mrr_per_customer * o.gross_margin > 0
                         ? r.blended_cac / (mrr_per_customer * o.gross_margin)
                         : 0;
  // Win rate, deal size and cycle of the deals closed in the span.
  int64_t won = 0, closed = 0;
  double won_amount = 0, cycle = 0;
  for (size_t p = 0; p < d.opportunity_count(); ++p) {
    if (!d.opp_closed[p] || d.opp_close[p] < s.from || d.opp_close[p] >= s.to) continue;
    ++closed;
    if (!d.opp_won[p]) continue;
    ++won;
    won_amount += static_cast<double>(d.opp_amount[p]) / 100;
    cycle += static_cast<double>(d.opp_close[p] - d.opp_created[p]) / core::kSecondsPerDay;
  }
  r.win_rate = closed > 0 ? static_cast<double>(won) / static_cast<double>(closed) : 0;
  r.avg_deal = won > 0 ? won_amount / static_cast<double>(won) : 0;
  r.cycle_days = won > 0 ? cycle / static_cast<double>(won) : 0;
  r.pipeline_velocity = r.cycle_days > 0 ? static_cast<double>(r.open_opportunities) * r.win_rate *
                                               r.avg_deal / r.cycle_days
                                         : 0;
  return r;
}

}  // namespace

CacReport Cac(const Dataset& d, const CacOptions& o) {
  CacReport report;
  const auto paid = PaidChannels(d, o);
  for (const Span& s : Spans(d, o.period, false)) report.months.push_back(Compute(d, o, s, paid));
  for (const Span& s : Spans(d, o.period, true)) report.quarters.push_back(Compute(d, o, s, paid));
  // Magic number: new ARR of a quarter over the blended spend of the one before.
  for (size_t q = 1; q < report.quarters.size(); ++q) {
    const int64_t prior = report.quarters[q - 1].blended_spend;
    report.quarters[q].magic_number =
        prior > 0 ? report.quarters[q].new_arr / (static_cast<double>(prior) / 100) : 0;
  }
  return report;
}

core::Result<std::vector<Record>> CacDrill(const Dataset& d, const CacOptions& o,
                                           std::string_view period, std::string_view metric) {
  static const std::pair<std::string_view, CacMetric> kMetrics[] = {
      {"paid_spend", CacMetric::kPaidSpend},        {"new_customers", CacMetric::kNewCustomer},
      {"paid_customers", CacMetric::kPaidCustomer}, {"new_arr", CacMetric::kNewArr},
      {"open_opportunities", CacMetric::kOpen},
  };
  const CacMetric* wanted = nullptr;
  for (const auto& [name, m] : kMetrics) {
    if (name == metric) wanted = &m;
  }
  if (wanted == nullptr) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "metric must be paid_spend, new_customers, paid_customers, new_arr or "
                      "open_opportunities, got '{}'",
                      metric);
  }
  const bool quarter = period.find('Q') != std::string_view::npos;
  for (const Span& s : Spans(d, o.period, quarter)) {
    if (s.name != period) continue;
    std::vector<Record> out;
    const auto paid = PaidChannels(d, o);
    WalkCac(d, o, s, paid, [&](CacMetric m, char kind, size_t row, double value, Timestamp at) {
      if (m != *wanted) return;
      Record r;
      r.at = at;
      r.value = value;
      if (kind == 's') {
        r.kind = "spend";
        r.id = d.spend_id[row];
        r.label = std::string(d.campaigns.Name(d.spend_campaign[row]));
      } else {
        r.kind = "opportunity";
        r.id = d.opp_id[row];
        r.label = d.opp_name[row];
      }
      out.push_back(std::move(r));
    });
    return out;
  }
  return core::Fail(core::ErrorCode::kNotFound,
                    "period '{}' is not in the report (months as 2024-05, quarters as 2024-Q2)",
                    period);
}

}  // namespace mops::analytics
