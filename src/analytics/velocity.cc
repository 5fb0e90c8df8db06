// Velocity: median days between stages, for contacts (lifecycle history) and
// opportunities (opportunity history), by segment and by quarter.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "analytics/analytics.h"
#include "core/strings.h"

namespace mops::analytics {
namespace {

constexpr Timestamp kNever = INT64_MIN;

// One measured transition of one record.
struct Sample {
  int32_t record;  // contact or opportunity row
  size_t from;     // index into the stage list
  Timestamp from_at, to_at;
  bool skipped;
  int32_t segment;
};

// Applies the missing-stage rule to `at` (first entry per listed stage) and
// emits each measurable transition.
template <typename Emit>
void Transitions(std::vector<Timestamp>& at, int32_t record, int32_t segment, Emit emit) {
  const size_t n = at.size();
  size_t first = n, last = n;
  for (size_t k = 0; k < n; ++k) {
    if (at[k] == kNever) continue;
    if (first == n) first = k;
    last = k;
  }
  if (first == n) return;
  std::vector<uint8_t> filled(n, 0);
  for (size_t k = last; k-- > first;) {
    if (at[k] == kNever) {
      at[k] = at[k + 1];
      filled[k] = 1;
    }
  }
  for (size_t k = first; k < last; ++k) {
    if (at[k + 1] < at[k]) continue;  // out of order in the source: not a duration
    emit(Sample{record, k, at[k], at[k + 1], filled[k] || filled[k + 1], segment});
  }
}

std::vector<std::string> OpportunityOrder(const Dataset& d) {
  // Mean position of each stage's first entry within its opportunity.
  std::vector<double> sum(d.opp_stages.names.size(), 0), count(d.opp_stages.names.size(), 0);
  for (size_t o = 0; o < d.opp_id.size(); ++o) {
    std::vector<int32_t> seen;
    for (int32_t i = d.hist_begin[o]; i < d.hist_begin[o + 1]; ++i) {
      const int32_t s = d.hist_stage[static_cast<size_t>(i)];
      if (s < 0 || std::find(seen.begin(), seen.end(), s) != seen.end()) continue;
      sum[static_cast<size_t>(s)] += static_cast<double>(seen.size());
      count[static_cast<size_t>(s)] += 1;
      seen.push_back(s);
    }
  }
  std::vector<std::pair<double, std::string>> order;
  for (size_t s = 0; s < sum.size(); ++s) {
    if (count[s] == 0) continue;
    if (core::ToLower(d.opp_stages.names[s]).find("lost") != std::string::npos) continue;
    order.emplace_back(sum[s] / count[s], d.opp_stages.names[s]);
  }
  std::sort(order.begin(), order.end());
  std::vector<std::string> out;
  for (auto& [_, name] : order) out.push_back(std::move(name));
  return out;
}

std::vector<Sample> Samples(const Dataset& d, const std::vector<std::string>& stages, bool contacts,
                            const Period& period) {
  const Dict& dict = contacts ? d.stages : d.opp_stages;
  std::vector<int32_t> index(dict.names.size(), -1);
  for (size_t k = 0; k < stages.size(); ++k) {
    const int32_t code = dict.Find(stages[k]);
    if (code >= 0) index[static_cast<size_t>(code)] = static_cast<int32_t>(k);
  }
  std::vector<Sample> out;
  const size_t records = contacts ? d.contact_count() : d.opportunity_count();
  const auto& begin = contacts ? d.stage_begin : d.hist_begin;
  const auto& codes = contacts ? d.stage_code : d.hist_stage;
  const auto& times = contacts ? d.stage_at : d.hist_at;
  std::vector<Timestamp> at(stages.size());
  for (size_t r = 0; r < records; ++r) {
    std::fill(at.begin(), at.end(), kNever);
    for (int32_t i = begin[r]; i < begin[r + 1]; ++i) {
      const int32_t code = codes[static_cast<size_t>(i)];
      if (code < 0 || index[static_cast<size_t>(code)] < 0) continue;
      Timestamp& slot = at[static_cast<size_t>(index[static_cast<size_t>(code)])];
      if (slot == kNever) slot = times[static_cast<size_t>(i)];
    }
    const int32_t segment = contacts ? d.contact_segment[r] : d.opp_segment[r];
    Transitions(at, static_cast<int32_t>(r), segment, [&](const Sample& s) {
      if (period.Contains(s.to_at)) out.push_back(s);
    });
  }
  return out;
}

double Days(const Sample& s) {
  return static_cast<double>(s.to_at - s.from_at) / core::kSecondsPerDay;
}

int64_t QuarterIndex(Timestamp t) {
  const core::CivilDate c = core::CivilFromDays(core::FloorDiv(t, core::kSecondsPerDay));
  return c.year * 4 + (c.month - 1) / 3;
}

std::string QuarterName(int64_t q) { return fmt::format("{:04}-Q{}", q / 4, q % 4 + 1); }

void Rows(const Dataset& d, const std::vector<std::string>& stages, const std::string& entity,
          const std::vector<Sample>& samples, std::vector<VelocityRow>& out) {
  // Cells keyed by (kind, from, segment code, quarter): kind 0 totals, 1 by
  // segment, 2 by quarter.
  struct Cell {
    std::vector<double> days;
    int64_t skipped = 0;
  };
  std::map<std::tuple<int, size_t, int32_t, int64_t>, Cell> cells;
  for (const Sample& s : samples) {
    const double days = Days(s);
    for (const auto& key : {std::make_tuple(0, s.from, kNone, int64_t{0}),
                            std::make_tuple(1, s.from, s.segment, int64_t{0}),
                            std::make_tuple(2, s.from, kNone, QuarterIndex(s.to_at))}) {
      Cell& cell = cells[key];
      cell.days.push_back(days);
      cell.skipped += s.skipped ? 1 : 0;
    }
  }
  const size_t first = out.size();
  for (auto& [key, cell] : cells) {
    const auto& [kind, from, segment, quarter] = key;
    VelocityRow row;
    row.entity = entity;
    row.from = stages[from];
    row.to = stages[from + 1];
    if (kind == 1) row.segment = std::string(d.segments.Name(segment));
    if (kind == 2) row.quarter = QuarterName(quarter);
    row.count = static_cast<int64_t>(cell.days.size());
    row.skipped = cell.skipped;
    row.p90_days = Percentile(cell.days, 0.9);
    row.median_days = Median(std::move(cell.days));
    out.push_back(std::move(row));
  }
  // Totals first, then segments, then quarters; each in stage order.
  std::stable_sort(
      out.begin() + static_cast<ptrdiff_t>(first), out.end(),
      [&](const VelocityRow& a, const VelocityRow& b) {
        const int ka = !a.segment.empty() ? 1 : (!a.quarter.empty() ? 2 : 0);
        const int kb = !b.segment.empty() ? 1 : (!b.quarter.empty() ? 2 : 0);
        if (ka != kb) return ka < kb;
        const auto ia = std::find(stages.begin(), stages.end(), a.from) - stages.begin();
        const auto ib = std::find(stages.begin(), stages.end(), b.from) - stages.begin();
        if (ia != ib) return ia < ib;
        return std::tie(a.segment, a.quarter) < std::tie(b.segment, b.quarter);
      });
}

}  // namespace

VelocityReport Velocity(const Dataset& d, const VelocityOptions& options) {
  VelocityReport report;
  report.contact_stages = options.contact_stages;
  report.opportunity_stages =
      options.opportunity_stages.empty() ? OpportunityOrder(d) : options.opportunity_stages;
  Rows(d, report.contact_stages, "contact", Samples(d, report.contact_stages, true, options.period),
       report.rows);
  Rows(d, report.opportunity_stages, "opportunity",
       Samples(d, report.opportunity_stages, false, options.period), report.rows);
  return report;
}

core::Result<std::vector<Record>> VelocityDrill(const Dataset& d, const VelocityOptions& options,
                                                std::string_view entity, std::string_view from,
                                                std::string_view to, std::string_view segment,
                                                std::string_view quarter) {
  const bool contacts = entity == "contact";
  if (!contacts && entity != "opportunity") {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "entity must be contact or opportunity, got '{}'", entity);
  }
  const std::vector<std::string> stages =
      contacts
          ? options.contact_stages
          : (options.opportunity_stages.empty() ? OpportunityOrder(d) : options.opportunity_stages);
  size_t from_index = stages.size();
  for (size_t k = 0; k + 1 < stages.size(); ++k) {
    if (stages[k] == from && stages[k + 1] == to) from_index = k;
  }
  if (from_index == stages.size()) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "'{}' -> '{}' is not a transition of the {} stages", from, to, entity);
  }
  std::vector<Record> out;
  for (const Sample& s : Samples(d, stages, contacts, options.period)) {
    if (s.from != from_index) continue;
    if (!segment.empty() && d.segments.Name(s.segment) != segment) continue;
    if (!quarter.empty() && QuarterOf(s.to_at) != quarter) continue;
    Record rec;
    rec.kind = contacts ? "contact" : "opportunity";
    const size_t r = static_cast<size_t>(s.record);
    rec.id = contacts ? d.contact_id[r] : d.opp_id[r];
    rec.label = contacts ? d.ContactLabel(r) : d.opp_name[r];
    rec.at = s.to_at;
    rec.value = Days(s);
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace mops::analytics
