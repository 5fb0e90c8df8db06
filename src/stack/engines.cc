// The pure engines: resolution against the catalog, utilization, overlap,
// renewals, the integration graph, gaps against the reference stack, cost.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/duration.h"
#include "core/strings.h"
#include "stack/internal.h"
#include "stack/stack.h"

namespace mops::stack {

using internal::HasCapability;

bool Tool::IsActive() const {
  const std::string key = NameKey(status);
  return key.empty() || key == "active" || key == "inuse" || key == "live";
}

void Resolve(Stack& stack) {
  for (Tool& t : stack.tools) {
    const Product* product = FindProduct(t.name);
    t.catalog_product = product != nullptr ? std::string(product->name) : std::string();
    if (product != nullptr) {
      if (t.vendor.empty()) t.vendor = product->vendor;
      if (t.category.empty()) {
        const CapabilityInfo* c = FindCapability(product->category);
        t.category = c != nullptr ? std::string(c->label) : std::string(product->category);
      }
      if (t.capabilities.empty()) {
        for (std::string_view c : core::Split(product->capabilities, ';')) {
          t.capabilities.emplace_back(c);
        }
      }
    }
    std::vector<std::string> canonical;
    for (const std::string& c : t.capabilities) {
      std::string id = CanonicalCapability(c);
      if (!id.empty() && std::find(canonical.begin(), canonical.end(), id) == canonical.end()) {
        canonical.push_back(std::move(id));
      }
    }
    const std::string category = CanonicalCapability(t.category);
    if (canonical.empty() && !category.empty()) canonical.push_back(category);
    t.capabilities = std::move(canonical);
    // The category is the primary capability when the tool has it; a
    // category that names none of its capabilities (Hotjar filed under "Web
    // Analytics" but doing heatmaps) defers to the first capability listed.
    if (!category.empty() &&
        std::find(t.capabilities.begin(), t.capabilities.end(), category) != t.capabilities.end()) {
      t.primary = category;
    } else {
      t.primary = t.capabilities.empty() ? std::string() : t.capabilities.front();
    }
  }
}

// ---------------------------------------------------------------- utilization

std::vector<SeatUsage> Utilization(const Stack& stack, const Options& options) {
  std::vector<SeatUsage> out;
  for (size_t i = 0; i < stack.tools.size(); ++i) {
    const Tool& t = stack.tools[i];
    if (!t.IsActive() || !t.seats || *t.seats <= 0 || !t.active_seats) continue;
    SeatUsage u;
    u.tool = static_cast<int32_t>(i);
    u.seats = *t.seats;
    u.active_seats = std::max<int64_t>(0, *t.active_seats);
    u.utilization =
        std::min(1.0, static_cast<double>(u.active_seats) / static_cast<double>(u.seats));
    u.unused_seats = std::max<int64_t>(0, u.seats - u.active_seats);
    u.unused_cost = static_cast<int64_t>(
        std::llround(static_cast<double>(t.annual_cost) * static_cast<double>(u.unused_seats) /
                     static_cast<double>(u.seats)));
    u.cost_per_active = u.active_seats > 0 ? t.annual_cost / u.active_seats : 0;
    u.below_threshold = u.utilization < options.utilization_threshold;
    out.push_back(u);
  }
  return out;
}

// ---------------------------------------------------------------- overlap

namespace internal {

bool HasCapability(const Tool& t, std::string_view capability) {
  return std::find(t.capabilities.begin(), t.capabilities.end(), capability) !=
         t.capabilities.end();
}

bool Connects(const Integration& in) {
  const std::string key = NameKey(in.status);
  return in.from >= 0 && in.to >= 0 && key != "disabled" && key != "retired" && key != "inactive" &&
         key != "deleted";
}

std::vector<std::vector<int32_t>> Neighbours(const Stack& stack) {
  std::vector<std::vector<int32_t>> adjacent(stack.tools.size());
  for (const Integration& in : stack.integrations) {
    if (!Connects(in)) continue;
    adjacent[in.from].push_back(in.to);
    adjacent[in.to].push_back(in.from);
  }
  return adjacent;
}

double UtilizationOf(const Tool& t) {
  if (!t.seats || *t.seats <= 0 || !t.active_seats) return 1.0;
  return std::min(1.0, static_cast<double>(std::max<int64_t>(0, *t.active_seats)) /
                           static_cast<double>(*t.seats));
}

}  // namespace internal

namespace {

// A capability weighs 2 for the tool whose primary capability it is, else 1:
// sharing a tool's main job matters more than sharing a side feature.
int WeightOf(const Tool& t, const std::string& capability) {
  return capability == t.primary ? 2 : 1;
}

int TotalWeight(const Tool& t) {
  int w = 0;
  for (const std::string& c : t.capabilities) w += WeightOf(t, c);
  return w;
}

bool ExpectsMany(std::string_view capability) {
  const CapabilityInfo* c = FindCapability(capability);
  return c != nullptr && c->expects_many;
}

}  // namespace

bool internal::IsOverlapFinding(const PairOverlap& p) {
  return p.duplicate || p.score >= kOverlapFindingScore;
}

OverlapReport Overlap(const Stack& stack, const Options& options) {
  OverlapReport report;
  const auto& tools = stack.tools;
  for (size_t i = 0; i < tools.size(); ++i) {
    if (tools[i].IsActive()) report.tools.push_back(static_cast<int32_t>(i));
  }
  // Rows in taxonomy order, then capabilities outside it by name.
  std::set<std::string> present;
  for (int32_t t : report.tools)
    present.insert(tools[t].capabilities.begin(), tools[t].capabilities.end());
  for (const CapabilityInfo& c : Taxonomy()) {
    if (present.erase(std::string(c.id)) > 0) report.capabilities.emplace_back(c.id);
  }
  report.capabilities.insert(report.capabilities.end(), present.begin(), present.end());

  std::set<std::pair<int32_t, int32_t>> linked;
  for (const Integration& in : stack.integrations) {
    if (!internal::Connects(in)) continue;
    linked.emplace(std::min(in.from, in.to), std::max(in.from, in.to));
  }
  const auto integrated = [&](int32_t a, int32_t b) {
    return linked.contains({std::min(a, b), std::max(a, b)});
  };
  const auto underused = [&](int32_t t) {
    return internal::UtilizationOf(tools[t]) < options.utilization_threshold;
  };

  report.cells.assign(report.capabilities.size(), std::vector<int>(report.tools.size(), 0));
  for (size_t c = 0; c < report.capabilities.size(); ++c) {
    const std::string& cap = report.capabilities[c];
    Redundancy r;
    r.capability = cap;
    for (size_t k = 0; k < report.tools.size(); ++k) {
      const Tool& t = tools[report.tools[k]];
      if (!HasCapability(t, cap)) continue;
      report.cells[c][k] = t.primary == cap ? 2 : 1;
      r.tools.push_back(report.tools[k]);
      if (t.primary == cap) ++r.primary_count;
      if (underused(report.tools[k])) r.any_underused = true;
    }
    if (r.tools.size() < 2) continue;
    r.all_integrated = true;
    for (size_t x = 0; x < r.tools.size(); ++x) {
      for (size_t y = x + 1; y < r.tools.size(); ++y) {
        if (!integrated(r.tools[x], r.tools[y])) r.all_integrated = false;
      }
    }
    // Duplicated main jobs weigh most; tools that do not talk to each other
    // (the data is split) or that are underused (money is idle) add to it.
    const double base = r.primary_count >= 2 ? 1.0 : r.primary_count == 1 ? 0.6 : 0.3;
    r.weight = base * (1.0 + (r.all_integrated ? 0.0 : 0.5) + (r.any_underused ? 0.5 : 0.0));
    if (ExpectsMany(cap)) r.weight *= 0.25;
    r.severity = r.weight >= 1.5 ? "high" : r.weight >= 0.75 ? "medium" : "low";
    report.redundancies.push_back(std::move(r));
  }
  std::stable_sort(report.redundancies.begin(), report.redundancies.end(),
                   [](const Redundancy& a, const Redundancy& b) { return a.weight > b.weight; });

  // Only pairs that share a capability can overlap: take them from the
  // matrix rows instead of trying every pair (a large stack shares little).
  std::set<std::string> many;
  std::vector<std::pair<uint32_t, uint32_t>> candidates;
  for (size_t c = 0; c < report.capabilities.size(); ++c) {
    if (ExpectsMany(report.capabilities[c])) {
      many.insert(report.capabilities[c]);
      continue;
    }
    std::vector<uint32_t> columns;
    for (size_t k = 0; k < report.tools.size(); ++k) {
      if (report.cells[c][k] > 0) columns.push_back(static_cast<uint32_t>(k));
    }
    for (size_t i = 0; i < columns.size(); ++i) {
      for (size_t j = i + 1; j < columns.size(); ++j)
        candidates.emplace_back(columns[i], columns[j]);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  for (const auto& [x, y] : candidates) {
    {
      const int32_t a = report.tools[x], b = report.tools[y];
      const Tool& ta = tools[a];
      const Tool& tb = tools[b];
      PairOverlap p;
      p.a = a;
      p.b = b;
      int shared_a = 0, shared_b = 0, shared_min = 0;
      for (const std::string& c : ta.capabilities) {
        // Two ad networks share "ads" without duplicating each other.
        if (!HasCapability(tb, c) || many.contains(c)) continue;
        p.shared.push_back(c);
        shared_a += WeightOf(ta, c);
        shared_b += WeightOf(tb, c);
        shared_min += std::min(WeightOf(ta, c), WeightOf(tb, c));
        if (c == ta.primary && c == tb.primary) p.duplicate = true;
      }
      if (p.shared.empty()) continue;
      const int wa = TotalWeight(ta), wb = TotalWeight(tb);
      p.score = static_cast<double>(shared_min) / static_cast<double>(std::min(wa, wb));
      p.integrated = integrated(a, b);
      const double cov_a = static_cast<double>(shared_a) / wa;
      const double cov_b = static_cast<double>(shared_b) / wb;
      // Retire the tool the other covers clearly better; when both are
      // covered about as well, the less used one (fewer people to move).
      bool retire_a;
      if (std::abs(cov_a - cov_b) > 0.25) {
        retire_a = cov_a > cov_b;
      } else if (internal::UtilizationOf(ta) != internal::UtilizationOf(tb)) {
        retire_a = internal::UtilizationOf(ta) < internal::UtilizationOf(tb);
      } else {
        retire_a = ta.annual_cost >= tb.annual_cost;
      }
      const Tool& gone = retire_a ? ta : tb;
      const Tool& kept = retire_a ? tb : ta;
      p.retire = retire_a ? a : b;
      p.retire_coverage = retire_a ? cov_a : cov_b;
      // Saving: the covered share of the retired tool's cost, less the seats
      // the kept tool must add for the retired tool's active users.
      double saving = static_cast<double>(gone.annual_cost) * p.retire_coverage;
      if (kept.seats && *kept.seats > 0 && gone.active_seats) {
        const int64_t spare =
            std::max<int64_t>(0, *kept.seats - kept.active_seats.value_or(*kept.seats));
        const int64_t needed = std::max<int64_t>(0, *gone.active_seats - spare);
        saving -= static_cast<double>(needed) * static_cast<double>(kept.annual_cost) /
                  static_cast<double>(*kept.seats);
      }
      p.saving = std::max<int64_t>(0, std::llround(saving));
      report.pairs.push_back(std::move(p));
    }
  }
  std::stable_sort(report.pairs.begin(), report.pairs.end(),
                   [](const PairOverlap& a, const PairOverlap& b) {
                     if (a.duplicate != b.duplicate) return a.duplicate;
                     if (a.score != b.score) return a.score > b.score;
                     return a.saving > b.saving;
                   });
  // A tool retired by one consolidation cannot be saved twice.
  std::set<int32_t> retired;
  for (const PairOverlap& p : report.pairs) {
    if (internal::IsOverlapFinding(p) && retired.insert(p.retire).second) {
      report.estimated_saving += p.saving;
    }
  }
  return report;
}

// ---------------------------------------------------------------- renewals

int RenewalWindow(int64_t days_to_deadline) {
  if (days_to_deadline < 0) return -1;
  for (int w : {30, 60, 90, 120}) {
    if (days_to_deadline <= w) return w;
  }
  return 0;
}

namespace {

Timestamp AddYears(Timestamp t, int years) {
  const int64_t day = core::FloorDiv(t, core::kSecondsPerDay);
  const int64_t seconds = t - day * core::kSecondsPerDay;
  core::CivilDate d = core::CivilFromDays(day);
  d.year += years;
  const bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
  if (d.month == 2 && d.day == 29 && !leap) d.day = 28;
  return core::DaysFromCivil(d.year, d.month, d.day) * core::kSecondsPerDay + seconds;
}

int64_t DaysBetween(Timestamp from, Timestamp to) {
  return core::FloorDiv(to, core::kSecondsPerDay) - core::FloorDiv(from, core::kSecondsPerDay);
}

}  // namespace

std::vector<Renewal> Renewals(const Stack& stack, const Options& options) {
  std::vector<Renewal> out;
  for (size_t i = 0; i < stack.tools.size(); ++i) {
    const Tool& t = stack.tools[i];
    if (!t.renewal_date || NameKey(t.status) == "retired") continue;
    Renewal r;
    r.tool = static_cast<int32_t>(i);
    r.auto_renew = t.auto_renew;
    r.renewal_date = *t.renewal_date;
    // An auto-renewing contract whose recorded date has passed renewed for
    // another term (a year) and is now due on the anniversary.
    if (t.auto_renew) {
      for (int k = 1; DaysBetween(options.as_of, r.renewal_date) < 0 && k <= 100; ++k) {
        r.renewal_date = AddYears(*t.renewal_date, k);
      }
    }
    r.notice_deadline = r.renewal_date - t.notice_days.value_or(0) * core::kSecondsPerDay;
    r.days_to_renewal = DaysBetween(options.as_of, r.renewal_date);
    r.days_to_deadline = DaysBetween(options.as_of, r.notice_deadline);
    r.window = RenewalWindow(r.days_to_deadline);
    r.expired = !t.auto_renew && r.days_to_renewal < 0;
    out.push_back(r);
  }
  std::stable_sort(out.begin(), out.end(), [](const Renewal& a, const Renewal& b) {
    return a.notice_deadline < b.notice_deadline;
  });
  return out;
}

// ---------------------------------------------------------------- graph

int64_t StaleAfterSeconds(std::string_view frequency) {
  const std::string key = NameKey(frequency);
  constexpr int64_t kDay = core::kSecondsPerDay;
  if (key == "realtime" || key == "streaming" || key == "continuous" || key == "hourly" ||
      key == "instant") {
    return kDay;
  }
  if (key == "daily" || key == "nightly") return 3 * kDay;
  if (key == "weekly") return 21 * kDay;
  if (key == "monthly") return 62 * kDay;
  // A sync interval ("PT5M", "15m"): three missed runs, and at least a day.
  if (const std::optional<int64_t> interval = core::ParseInterval(frequency)) {
    return std::max<int64_t>(kDay, 3 * *interval);
  }
  return 7 * kDay;
}

namespace {

bool IsDataHub(const Tool& t) {
  return t.primary == "cdp" || t.primary == "reverse_etl" || t.primary == "data_warehouse" ||
         t.primary == "data_integration";
}

// Whether data flows from `from` to `to`: a direct sync in that direction
// (or two-way), or a path through data tools (CDP, warehouse, reverse ETL).
bool FlowsTo(const Stack& stack, int32_t from, int32_t to) {
  std::vector<std::vector<int32_t>> out(stack.tools.size());
  for (const Integration& in : stack.integrations) {
    if (!internal::Connects(in)) continue;
    out[in.from].push_back(in.to);
    if (in.TwoWay()) out[in.to].push_back(in.from);
  }
  std::vector<bool> seen(stack.tools.size(), false);
  std::vector<int32_t> todo = {from};
  seen[from] = true;
  while (!todo.empty()) {
    const int32_t n = todo.back();
    todo.pop_back();
    for (int32_t m : out[n]) {
      if (m == to) return true;
      if (seen[m] || !IsDataHub(stack.tools[m]) || !stack.tools[m].IsActive()) continue;
      seen[m] = true;
      todo.push_back(m);
    }
  }
  return false;
}

}  // namespace

GraphReport Graph(const Stack& stack, const Options& options) {
  GraphReport g;
  const auto& tools = stack.tools;
  const int32_t n = static_cast<int32_t>(tools.size());
  for (int32_t i = 0; i < n && g.crm < 0; ++i) {
    if (tools[i].IsActive() && tools[i].primary == "crm") g.crm = i;
  }
  for (int32_t i = 0; i < n && g.crm < 0; ++i) {
    if (tools[i].IsActive() && HasCapability(tools[i], "crm")) g.crm = i;
  }
  g.reaches_crm.assign(tools.size(), false);
  if (g.crm >= 0) {
    const auto adjacent = internal::Neighbours(stack);
    std::vector<int32_t> todo = {g.crm};
    g.reaches_crm[g.crm] = true;
    while (!todo.empty()) {
      const int32_t t = todo.back();
      todo.pop_back();
      for (int32_t m : adjacent[t]) {
        if (!g.reaches_crm[m]) {
          g.reaches_crm[m] = true;
          todo.push_back(m);
        }
      }
    }
    for (int32_t i = 0; i < n; ++i) {
      if (tools[i].IsActive() && !g.reaches_crm[i]) g.islands.push_back(i);
    }
  }

  for (size_t k = 0; k < stack.integrations.size(); ++k) {
    const Integration& in = stack.integrations[k];
    if (in.from < 0 || in.to < 0) {
      g.unresolved.push_back(static_cast<int32_t>(k));
      continue;
    }
    if (!internal::Connects(in)) continue;
    const std::string status = NameKey(in.status);
    SyncIssue issue;
    issue.integration = static_cast<int32_t>(k);
    if (status == "failing" || status == "failed" || status == "error" || status == "broken") {
      issue.problem = "failing";
      issue.detail = "status " + in.status;
    } else if (in.error_rate && *in.error_rate >= options.failing_error_rate) {
      issue.problem = "failing";
      issue.detail = fmt::format("error rate {:.1f}%", *in.error_rate * 100);
    } else if (status == "paused") {
      issue.problem = "stale";
      issue.detail = "paused";
    } else if (in.last_sync_at &&
               options.as_of - *in.last_sync_at > StaleAfterSeconds(in.frequency)) {
      issue.problem = "stale";
      issue.detail = fmt::format(
          "no sync for {} days ({} expected)", DaysBetween(*in.last_sync_at, options.as_of),
          in.frequency.empty() ? std::string("weekly at least") : in.frequency);
    } else {
      continue;
    }
    if (in.last_sync_at) {
      issue.detail += ", last sync " + core::FormatDate(*in.last_sync_at);
    }
    g.sync_issues.push_back(std::move(issue));
  }

  if (g.crm >= 0) {
    const std::string& crm_name = tools[g.crm].name;
    for (int32_t i = 0; i < n; ++i) {
      const Tool& t = tools[i];
      if (!t.IsActive() || i == g.crm) continue;
      if (t.primary == "marketing_automation") {
        const bool up = FlowsTo(stack, i, g.crm), down = FlowsTo(stack, g.crm, i);
        if (!up && !down) {
          g.missing_flows.push_back({"marketing_automation<->crm", i, false,
                                     "no sync between " + t.name + " and " + crm_name});
        } else if (!up || !down) {
          g.missing_flows.push_back(
              {"marketing_automation<->crm", i, true,
               fmt::format("only {} -> {}: leads and their sales status need a two-way sync",
                           up ? t.name : crm_name, up ? crm_name : t.name)});
        }
      } else if (t.primary == "ads_management") {
        if (!FlowsTo(stack, g.crm, i)) {
          g.missing_flows.push_back({"crm->ads", i, false,
                                     "no offline conversions from " + crm_name + " to " + t.name +
                                         ": the ad platform optimizes for clicks, not pipeline"});
        }
      } else if (t.primary == "attribution") {
        if (!FlowsTo(stack, g.crm, i)) {
          g.missing_flows.push_back({"crm->attribution", i, false,
                                     "no opportunities flow from " + crm_name + " to " + t.name +
                                         ": attribution cannot credit pipeline or revenue"});
        }
      }
    }
  }
  return g;
}

// ---------------------------------------------------------------- gaps

GapReport Gaps(const Stack& stack, const Options& options) {
  GapReport report;
  report.stage = options.stage;
  const ReferenceStack& ref = ReferenceFor(options.stage);
  std::set<std::string> present;
  for (const Tool& t : stack.tools) {
    if (!t.IsActive()) continue;
    ++report.active_tools;
    present.insert(t.capabilities.begin(), t.capabilities.end());
  }
  const auto check = [&](std::string_view list, bool essential) {
    for (std::string_view c : core::Split(list, ';')) {
      if (c.empty()) continue;
      if (present.contains(std::string(c))) {
        report.covered.emplace_back(c);
        continue;
      }
      const CapabilityInfo* info = FindCapability(c);
      report.gaps.push_back(
          {std::string(c), essential, info != nullptr ? info->typical_annual_cost * 100 : 0});
    }
  };
  check(ref.essential, true);
  check(ref.recommended, false);

  for (std::string_view c : core::Split(ref.premature, ';')) {
    if (c.empty()) continue;
    Overbuilt o;
    o.capability = c;
    for (size_t i = 0; i < stack.tools.size(); ++i) {
      const Tool& t = stack.tools[i];
      if (t.IsActive() && t.primary == c) {
        o.tools.push_back(static_cast<int32_t>(i));
        o.annual_cost += t.annual_cost;
      }
    }
    if (o.tools.empty()) continue;
    o.detail = fmt::format("a {}-stage stack does not usually need {} yet", StageName(ref.stage),
                           FindCapability(c) != nullptr ? FindCapability(c)->label : c);
    report.overbuilt.push_back(std::move(o));
  }
  if (report.active_tools > ref.max_tools) {
    Overbuilt o;
    o.detail = fmt::format("{} active tools; a {}-stage stack typically runs {}-{}",
                           report.active_tools, StageName(ref.stage), ref.min_tools, ref.max_tools);
    report.overbuilt.push_back(std::move(o));
  }
  return report;
}

// ---------------------------------------------------------------- cost

CostReport Cost(const Stack& stack, const Options& options) {
  CostReport r;
  std::map<std::string, CostLine> categories, capabilities;
  int64_t seat_cost = 0;
  for (const Tool& t : stack.tools) {
    if (!t.IsActive()) continue;
    if (r.currency.empty()) {
      r.currency = t.currency;
    } else if (!t.currency.empty() && t.currency != r.currency) {
      r.currency = "mixed";
    }
    r.total += t.annual_cost;
    if (t.seats && *t.seats > 0 && t.annual_cost > 0) {
      seat_cost += t.annual_cost;
      r.seats += *t.seats;
      r.active_seats += std::max<int64_t>(0, t.active_seats.value_or(*t.seats));
    }
    const CapabilityInfo* primary = FindCapability(t.primary);
    const std::string category = !t.category.empty()  ? t.category
                                 : primary != nullptr ? std::string(primary->label)
                                                      : std::string("Uncategorized");
    CostLine& line = categories[category];
    line.name = category;
    line.annual_cost += t.annual_cost;
    ++line.tools;
    const int64_t n = static_cast<int64_t>(t.capabilities.size());
    for (size_t k = 0; k < t.capabilities.size(); ++k) {
      CostLine& cl = capabilities[t.capabilities[k]];
      cl.name = t.capabilities[k];
      // Split evenly, the remainder to the first capabilities, so the lines
      // add up to the total exactly.
      cl.annual_cost += t.annual_cost / n + (static_cast<int64_t>(k) < t.annual_cost % n ? 1 : 0);
      ++cl.tools;
    }
  }
  if (r.currency.empty()) r.currency = "USD";
  r.per_seat = r.seats > 0 ? seat_cost / r.seats : 0;
  r.per_active_seat = r.active_seats > 0 ? seat_cost / r.active_seats : 0;
  const auto sorted = [](std::map<std::string, CostLine>& m) {
    std::vector<CostLine> v;
    for (auto& [_, line] : m) v.push_back(std::move(line));
    std::stable_sort(v.begin(), v.end(), [](const CostLine& a, const CostLine& b) {
      return a.annual_cost > b.annual_cost;
    });
    return v;
  };
  r.by_category = sorted(categories);
  r.by_capability = sorted(capabilities);
  if (options.marketing_budget && *options.marketing_budget > 0) {
    r.budget_share = static_cast<double>(r.total) / static_cast<double>(*options.marketing_budget);
  }
  return r;
}

}  // namespace mops::stack
