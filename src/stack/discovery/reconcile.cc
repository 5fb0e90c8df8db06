// Usage per tool, the reconciliation of discovered spend and sign-ins with
// the inventory, and the inventory changes `apply` makes of it.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "core/strings.h"
#include "stack/discovery/discovery.h"

namespace mops::stack::discovery {
namespace {

// The key a tool is compared by: its catalog product, else its name.
std::string ToolKey(std::string_view name) {
  if (const Product* p = FindProduct(name)) return NameKey(p->name);
  return NameKey(name);
}

std::string PayerText(const ToolSpend& t) {
  std::vector<std::string> out;
  for (const Payer& p : t.payers) {
    std::string s = !p.payer.empty() ? p.payer : !p.department.empty() ? p.department : "";
    if (!p.payer.empty() && !p.department.empty()) s += " (" + p.department + ")";
    if (!p.card.empty()) s += (s.empty() ? "card " : ", card ") + p.card;
    if (s.empty()) s = "unknown";
    out.push_back(std::move(s));
  }
  return core::Join(out, "; ");
}

}  // namespace

UsageReport AnalyzeUsage(std::span<const UserApp> pairs, const Matcher& matcher, Timestamp as_of,
                         int active_days) {
  UsageReport report;
  report.as_of = as_of;
  report.active_days = active_days;
  std::unordered_map<std::string_view, std::optional<Match>> app_match;
  struct Users {
    std::unordered_map<std::string_view, std::optional<Timestamp>> last;
    std::vector<std::string> apps;
  };
  std::map<std::string, Users> tools;
  std::map<std::string, Users> unmatched;
  for (const UserApp& p : pairs) {
    auto it = app_match.find(p.app);
    if (it == app_match.end()) it = app_match.emplace(p.app, matcher.MatchApp(p.app)).first;
    Users& u = it->second ? tools[it->second->tool] : unmatched[p.app];
    if (std::find(u.apps.begin(), u.apps.end(), p.app) == u.apps.end()) u.apps.push_back(p.app);
    if (!p.assigned && !p.last_used) continue;
    auto [slot, added] = u.last.try_emplace(p.user, p.last_used);
    if (!added && p.last_used && (!slot->second || *p.last_used > *slot->second)) {
      slot->second = p.last_used;
    }
  }
  const Timestamp d30 = as_of - 30 * core::kSecondsPerDay, d90 = as_of - 90 * core::kSecondsPerDay;
  const Timestamp window = as_of - static_cast<int64_t>(active_days) * core::kSecondsPerDay;
  for (auto& [name, u] : tools) {
    ToolUsage t;
    t.tool = name;
    t.category = matcher.CategoryOf(name);
    t.apps = u.apps;
    std::sort(t.apps.begin(), t.apps.end());
    t.assigned = static_cast<int64_t>(u.last.size());
    for (const auto& [user, last] : u.last) {
      if (!last) continue;
      if (!t.last_use || *last > *t.last_use) t.last_use = last;
      if (*last >= d30) ++t.active_30;
      if (*last >= d90) ++t.active_90;
      if (*last >= window) ++t.active_seats;
    }
    report.tools.push_back(std::move(t));
  }
  for (auto& [name, u] : unmatched) {
    UnmatchedApp a;
    a.app = name;
    a.users = static_cast<int64_t>(u.last.size());
    for (const auto& [user, last] : u.last) {
      if (last && (!a.last_use || *last > *a.last_use)) a.last_use = last;
    }
    report.unmatched.push_back(std::move(a));
  }
  std::stable_sort(report.unmatched.begin(), report.unmatched.end(),
                   [](const UnmatchedApp& a, const UnmatchedApp& b) { return a.users > b.users; });
  return report;
}

ReconcileReport Reconcile(const Stack& stack, const SpendReport& spend, const UsageReport& usage) {
  ReconcileReport r;
  r.as_of = spend.as_of != 0 ? spend.as_of : usage.as_of;
  r.currency = spend.currency;
  std::map<std::string, ReconcileLine> lines;
  std::vector<std::string> order;
  const auto line = [&](const std::string& key, const std::string& name) -> ReconcileLine& {
    auto [it, added] = lines.try_emplace(key);
    if (added) {
      it->second.tool = name;
      order.push_back(key);
    }
    return it->second;
  };
  for (size_t i = 0; i < stack.tools.size(); ++i) {
    const Tool& t = stack.tools[i];
    ReconcileLine& l =
        line(NameKey(!t.catalog_product.empty() ? t.catalog_product : t.name), t.name);
    if (l.inventory >= 0) continue;  // the first record of a tool listed twice
    l.inventory = static_cast<int32_t>(i);
    l.inventory_cost = t.annual_cost;
    l.seats = t.seats;
    l.inventory_active = t.active_seats;
    if (r.currency.empty()) r.currency = t.currency;
  }
  for (const ToolSpend& s : spend.tools) {
    ReconcileLine& l = line(ToolKey(s.tool), s.tool);
    l.actual_cost = s.annualised;
    l.net_spend = s.net;
    l.cadence = s.cadence;
    l.payers = PayerText(s);
    l.duplicate = s.duplicate;
  }
  for (const ToolUsage& u : usage.tools) {
    ReconcileLine& l = line(ToolKey(u.tool), u.tool);
    l.assigned = u.assigned;
    l.active = u.active_seats;
  }
  const std::vector<std::string> paid = [&] {
    std::vector<std::string> keys;
    for (const ToolSpend& s : spend.tools) keys.push_back(ToolKey(s.tool));
    return keys;
  }();
  for (const std::string& key : order) {
    ReconcileLine& l = lines[key];
    const bool is_paid = std::find(paid.begin(), paid.end(), key) != paid.end();
    if (l.inventory < 0) {
      l.status = is_paid ? "shadow" : "used_only";
    } else {
      const Tool& t = stack.tools[l.inventory];
      const bool retired = t.status == "retired";
      if (is_paid) {
        l.status = retired ? "retired_paid" : "paid";
      } else if (retired) {
        l.status = "retired";
      } else {
        l.status = t.annual_cost > 0 ? "unpaid" : "free";
      }
    }
  }
  const auto rank = [](const std::string& s) {
    return s == "shadow" ? 0 : s == "retired_paid" ? 1 : s == "unpaid" ? 2 : 3;
  };
  for (const std::string& key : order) r.lines.push_back(std::move(lines[key]));
  std::stable_sort(r.lines.begin(), r.lines.end(),
                   [&](const ReconcileLine& a, const ReconcileLine& b) {
                     if (rank(a.status) != rank(b.status)) return rank(a.status) < rank(b.status);
                     if (a.actual_cost != b.actual_cost) return a.actual_cost > b.actual_cost;
                     return a.tool < b.tool;
                   });
  for (const ReconcileLine& l : r.lines) {
    r.inventory_cost += l.inventory_cost;
    r.actual_cost += l.actual_cost;
    if (l.status == "shadow") {
      ++r.shadow;
      r.shadow_cost += l.actual_cost;
    }
    if (l.status == "unpaid") {
      ++r.unpaid;
      r.unpaid_cost += l.inventory_cost;
    }
    if (l.seats && l.active) {
      r.seats_paid += *l.seats;
      r.seats_used += *l.active;
    }
  }
  return r;
}

std::vector<ToolChange> PlanApply(const Stack& stack, const ReconcileReport& reconcile,
                                  const SpendReport& spend, const UsageReport& usage,
                                  const Matcher& matcher) {
  std::unordered_map<std::string, const ToolSpend*> spend_of;
  for (const ToolSpend& s : spend.tools) spend_of[ToolKey(s.tool)] = &s;
  std::unordered_map<std::string, const ToolUsage*> usage_of;
  for (const ToolUsage& u : usage.tools) usage_of[ToolKey(u.tool)] = &u;
  const auto period = [](const std::string& cadence) -> std::optional<std::string> {
    if (cadence == "monthly" || cadence == "quarterly" || cadence == "annual") return cadence;
    if (cadence == "irregular") return std::string("usage");
    return std::nullopt;
  };
  std::vector<ToolChange> changes;
  for (const ReconcileLine& l : reconcile.lines) {
    const std::string key = ToolKey(l.tool);
    const ToolSpend* s = spend_of.count(key) ? spend_of[key] : nullptr;
    const ToolUsage* u = usage_of.count(key) ? usage_of[key] : nullptr;
    ToolChange c;
    c.tool = l.tool;
    std::vector<std::string> why;
    if (l.status == "shadow" && s != nullptr) {
      c.reason = "shadow tool: paid by " + l.payers;
      c.annual_cost = s->annualised;
      c.billing_period = period(s->cadence);
      c.currency = spend.currency == "mixed" ? "" : spend.currency;
      if (!s->payers.empty()) {
        const Payer& top = s->payers.front();
        c.owner = !top.payer.empty() ? top.payer : top.department;
      }
      if (s->cadence == "annual") c.renewal_date = s->next_expected;
      if (const Product* p = FindProduct(s->tool)) {
        c.vendor = std::string(p->vendor);
        c.category = std::string(p->category);
        c.capabilities = std::string(p->capabilities);
      } else {
        c.category = matcher.CategoryOf(s->tool);
        c.capabilities = c.category;
      }
      if (u != nullptr) {
        c.seats = u->assigned;
        c.active_seats = u->active_seats;
      }
      changes.push_back(std::move(c));
      continue;
    }
    if (l.inventory < 0) continue;
    const Tool& t = stack.tools[l.inventory];
    c.tool = t.name;
    c.tool_id = t.id;
    c.before_cost = t.annual_cost;
    c.before_seats = t.seats;
    c.before_active = t.active_seats;
    if (s != nullptr && t.status != "retired") {
      if (s->annualised != t.annual_cost) {
        c.annual_cost = s->annualised;
        why.push_back(fmt::format("annual cost {} -> {} ({})",
                                  core::FormatMoneyMinor(t.annual_cost),
                                  core::FormatMoneyMinor(s->annualised), s->cadence));
      }
      auto p = period(s->cadence);
      if (p && *p != "usage" && *p != t.billing_period) {
        c.billing_period = p;
        why.push_back("billing " + *p);
      }
    }
    if (u != nullptr && t.status != "retired") {
      if (!t.active_seats || *t.active_seats != u->active_seats) {
        c.active_seats = u->active_seats;
        why.push_back(fmt::format("active seats {} -> {}",
                                  t.active_seats ? std::to_string(*t.active_seats) : "none",
                                  u->active_seats));
      }
      if (!t.seats) {
        c.seats = u->assigned;
        why.push_back(fmt::format("seats none -> {} assigned", u->assigned));
      }
    }
    if (why.empty()) continue;
    c.reason = core::Join(why, "; ");
    changes.push_back(std::move(c));
  }
  return changes;
}

}  // namespace mops::stack::discovery
