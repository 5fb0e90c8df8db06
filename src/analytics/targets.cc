// Targets vs actual: monthly targets from the `analytics` config, pacing and
// a linear run-rate forecast to month end.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>

#include "analytics/analytics.h"
#include "core/numbers.h"

namespace mops::analytics {
namespace {

constexpr std::string_view kMetrics[] = {"leads", "mqls", "pipeline", "revenue"};

struct Month {
  Timestamp from, to;
};

core::Result<Month> ParseMonth(std::string_view text) {
  if (text.size() == 7 && text[4] == '-') {
    auto y = core::ParseInt(text.substr(0, 4));
    auto m = core::ParseInt(text.substr(5, 2));
    if (y && m && *m >= 1 && *m <= 12) {
      const auto month = static_cast<unsigned>(*m);
      const Timestamp from = core::DaysFromCivil(*y, month, 1) * core::kSecondsPerDay;
      const Timestamp to = month == 12
                               ? core::DaysFromCivil(*y + 1, 1, 1) * core::kSecondsPerDay
                               : core::DaysFromCivil(*y, month + 1, 1) * core::kSecondsPerDay;
      return Month{from, to};
    }
  }
  return core::Fail(core::ErrorCode::kInvalidArgument, "'{}' is not a month (YYYY-MM)", text);
}

// Records of a metric in [from, to): contacts entering the stage for the
// first time, opportunities created (pipeline) or won (revenue).
void Walk(const Dataset& d, std::string_view metric, Timestamp from, Timestamp to,
          const std::function<void(char, size_t, double, Timestamp)>& visit) {
  if (metric == "leads" || metric == "mqls") {
    const int32_t code = d.stages.Find(metric == "leads" ? "lead" : "mql");
    if (code == kNone) return;
    for (size_t c = 0; c < d.contact_count(); ++c) {
      for (int32_t i = d.stage_begin[c]; i < d.stage_begin[c + 1]; ++i) {
        if (d.stage_code[static_cast<size_t>(i)] != code) continue;
        const Timestamp at = d.stage_at[static_cast<size_t>(i)];
        if (at >= from && at < to) visit('c', c, 1, at);
        break;  // the first entry only
      }
    }
    return;
  }
  const bool revenue = metric == "revenue";
  for (size_t p = 0; p < d.opportunity_count(); ++p) {
    if (revenue && !d.opp_won[p]) continue;
    const Timestamp at = revenue ? d.opp_close[p] : d.opp_created[p];
    if (at >= from && at < to) visit('o', p, static_cast<double>(d.opp_amount[p]) / 100, at);
  }
}

}  // namespace

core::Result<std::vector<MonthTargets>> ParseTargets(std::string_view yaml, std::string_view file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return core::Fail(core::MakeError(core::ErrorCode::kParse, e.msg)
                          .At(std::string(file), e.mark.line + 1, e.mark.column + 1));
  }
  std::vector<MonthTargets> out;
  if (!root || root.IsNull()) return out;
  const auto error = [&](const YAML::Node& at, std::string key, std::string message) {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument, std::move(message))
                          .At(std::string(file), at.Mark().line + 1, at.Mark().column + 1)
                          .InField(std::move(key)));
  };
  if (!root.IsMap()) return error(root, "", "the analytics config must be a mapping");
  for (const auto& top : root) {
    const std::string key = top.first.as<std::string>();
    if (key != "targets") {
      return error(top.first, key, "unknown key '" + key + "' (expected targets)");
    }
    if (!top.second.IsMap()) return error(top.second, key, "targets must map months to metrics");
    for (const auto& month : top.second) {
      const std::string name = month.first.as<std::string>();
      if (!ParseMonth(name)) return error(month.first, "targets." + name, "not a month (YYYY-MM)");
      if (!month.second.IsMap()) {
        return error(month.second, "targets." + name, "a month maps metrics to numbers");
      }
      MonthTargets t;
      t.month = name;
      for (const auto& metric : month.second) {
        const std::string m = metric.first.as<std::string>();
        const std::string field = "targets." + name + "." + m;
        if (std::find(std::begin(kMetrics), std::end(kMetrics), m) == std::end(kMetrics)) {
          return error(metric.first, field,
                       "unknown metric '" + m + "' (expected leads, mqls, pipeline or revenue)");
        }
        const std::string text = metric.second.IsScalar() ? metric.second.as<std::string>() : "";
        auto value = core::ParseDouble(text);
        if (!value || *value < 0) {
          return error(metric.second, field, "'" + text + "' is not a non-negative number");
        }
        t.values[m] = *value;
      }
      out.push_back(std::move(t));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const MonthTargets& a, const MonthTargets& b) { return a.month < b.month; });
  return out;
}

std::vector<TargetRow> Targets(const Dataset& d, const std::vector<MonthTargets>& targets,
                               Timestamp as_of) {
  std::vector<TargetRow> out;
  for (const MonthTargets& t : targets) {
    auto month = ParseMonth(t.month);
    if (!month) continue;  // ParseTargets checked it
    const double length = static_cast<double>(month->to - month->from);
    const double elapsed = std::clamp(static_cast<double>(as_of - month->from) / length, 0.0, 1.0);
    for (const auto& [metric, target] : t.values) {
      TargetRow r;
      r.month = t.month;
      r.metric = metric;
      r.target = target;
      Walk(d, metric, month->from, std::min(month->to, std::max(month->from, as_of)),
           [&](char, size_t, double value, Timestamp) { r.actual += value; });
      r.expected_to_date = target * elapsed;
      r.pacing = r.expected_to_date > 0 ? r.actual / r.expected_to_date : 0;
      r.forecast = elapsed > 0 ? r.actual / elapsed : 0;
      r.attainment = target > 0 ? r.forecast / target : 0;
      out.push_back(std::move(r));
    }
  }
  return out;
}

core::Result<std::vector<Record>> TargetDrill(const Dataset& d, std::string_view month,
                                              std::string_view metric, Timestamp as_of) {
  MOPS_ASSIGN_OR_RETURN(Month m, ParseMonth(month));
  if (std::find(std::begin(kMetrics), std::end(kMetrics), metric) == std::end(kMetrics)) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "metric must be leads, mqls, pipeline or revenue, got '{}'", metric);
  }
  std::vector<Record> out;
  Walk(d, metric, m.from, std::min(m.to, std::max(m.from, as_of)),
       [&](char kind, size_t row, double value, Timestamp at) {
         Record r;
         r.kind = kind == 'c' ? "contact" : "opportunity";
         r.id = kind == 'c' ? d.contact_id[row] : d.opp_id[row];
         r.label = kind == 'c' ? d.ContactLabel(row) : d.opp_name[row];
         r.at = at;
         r.value = value;
         out.push_back(std::move(r));
       });
  return out;
}

}  // namespace mops::analytics
