// JSON documents and CLI tables of discovery.
#include "stack/discovery/report.h"

#include <fmt/format.h>

#include "core/numbers.h"
#include "core/strings.h"

namespace mops::stack::discovery {
namespace {

double Major(int64_t minor) { return static_cast<double>(minor) / 100.0; }
std::string Money(int64_t minor) { return core::FormatMoneyMinor(minor); }
Json Date(std::optional<Timestamp> t) { return t ? Json(core::FormatDate(*t)) : Json(nullptr); }
std::string DateText(std::optional<Timestamp> t) { return t ? core::FormatDate(*t) : ""; }
Json OptJson(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(nullptr); }
std::string OptText(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : ""; }

Json PriceChangesJson(const std::vector<PriceChange>& changes) {
  Json out = Json::array();
  for (const PriceChange& p : changes) {
    out.push_back(
        {{"date", core::FormatDate(p.date)}, {"from", Major(p.from)}, {"to", Major(p.to)}});
  }
  return out;
}

std::string PriceChangesText(const std::vector<PriceChange>& changes) {
  std::vector<std::string> out;
  for (const PriceChange& p : changes) {
    out.push_back(
        fmt::format("{}: {} -> {}", core::FormatDate(p.date), Money(p.from), Money(p.to)));
  }
  return core::Join(out, "; ");
}

std::string PayersText(const ToolSpend& t) {
  std::vector<std::string> out;
  for (const Payer& p : t.payers) {
    std::string s = p.payer;
    if (!p.department.empty()) s += (s.empty() ? "" : " ") + std::string("(") + p.department + ")";
    if (!p.card.empty()) s += (s.empty() ? "card " : " card ") + p.card;
    out.push_back(s.empty() ? "unknown" : s);
  }
  return core::Join(out, "; ");
}

}  // namespace

Json ImportJson(const ImportResult& r) {
  return {{"file", r.file},       {"preset", r.preset},     {"detected", r.detected},
          {"rows", r.rows},       {"imported", r.imported}, {"already", r.already},
          {"skipped", r.skipped}, {"warnings", r.warnings}};
}

Json SpendJson(const SpendReport& r) {
  Json tools = Json::array();
  for (const ToolSpend& t : r.tools) {
    Json payers = Json::array();
    for (const Payer& p : t.payers) {
      payers.push_back({{"payer", p.payer},
                        {"card", p.card},
                        {"department", p.department},
                        {"cadence", p.billing.cadence},
                        {"charges", p.billing.charges},
                        {"net", Major(p.billing.net)},
                        {"last_amount", Major(p.billing.last_amount)},
                        {"annualised", Major(p.billing.annualised)},
                        {"first", Date(p.billing.first)},
                        {"last", Date(p.billing.last)},
                        {"next_expected", Date(p.billing.next_expected)}});
    }
    Json months = Json::array();
    for (int64_t v : t.month_net) months.push_back(Major(v));
    tools.push_back({{"tool", t.tool},
                     {"category", t.category},
                     {"in_catalog", FindProduct(t.tool) != nullptr},
                     {"confidence", t.confidence},
                     {"descriptors", t.descriptors},
                     {"cadence", t.cadence},
                     {"annualised", Major(t.annualised)},
                     {"net", Major(t.net)},
                     {"refunds", Major(t.refunds)},
                     {"transactions", t.transactions},
                     {"first", Date(t.first)},
                     {"last", Date(t.last)},
                     {"next_expected", Date(t.next_expected)},
                     {"price_changes", PriceChangesJson(t.price_changes)},
                     {"duplicate", t.duplicate},
                     {"duplicate_detail", t.duplicate_detail},
                     {"payers", payers},
                     {"month_net", months}});
  }
  Json unmatched = Json::array();
  for (const UnmatchedMerchant& u : r.unmatched) {
    unmatched.push_back({{"merchant", u.merchant},
                         {"descriptors", u.descriptors},
                         {"transactions", u.transactions},
                         {"net", Major(u.net)},
                         {"cadence", u.cadence},
                         {"recurring", u.recurring},
                         {"payers", u.payers}});
  }
  return {{"as_of", core::FormatDate(r.as_of)},
          {"currency", r.currency},
          {"months", r.months},
          {"transactions", r.transactions},
          {"total", Major(r.total)},
          {"matched", Major(r.matched)},
          {"unmatched_total", Major(r.unmatched_total)},
          {"tools", tools},
          {"unmatched", unmatched}};
}

Json UsageJson(const UsageReport& r, const Stack& stack) {
  Json tools = Json::array();
  for (const ToolUsage& t : r.tools) {
    Json inventory = nullptr;
    for (const Tool& i : stack.tools) {
      if (NameKey(i.catalog_product.empty() ? i.name : i.catalog_product) == NameKey(t.tool)) {
        inventory = {{"seats", OptJson(i.seats)}, {"active_seats", OptJson(i.active_seats)}};
      }
    }
    tools.push_back({{"tool", t.tool},
                     {"apps", t.apps},
                     {"assigned", t.assigned},
                     {"active_30", t.active_30},
                     {"active_90", t.active_90},
                     {"last_use", Date(t.last_use)},
                     {"active_seats", t.active_seats},
                     {"inventory", inventory}});
  }
  Json unmatched = Json::array();
  for (const UnmatchedApp& a : r.unmatched) {
    unmatched.push_back({{"app", a.app}, {"users", a.users}, {"last_use", Date(a.last_use)}});
  }
  return {{"as_of", core::FormatDate(r.as_of)},
          {"active_days", r.active_days},
          {"tools", tools},
          {"unmatched", unmatched}};
}

Json ReconcileJson(const ReconcileReport& r) {
  Json lines = Json::array();
  for (const ReconcileLine& l : r.lines) {
    lines.push_back({{"tool", l.tool},
                     {"status", l.status},
                     {"in_inventory", l.inventory >= 0},
                     {"payers", l.payers},
                     {"cadence", l.cadence},
                     {"inventory_cost", Major(l.inventory_cost)},
                     {"actual_cost", Major(l.actual_cost)},
                     {"net_spend", Major(l.net_spend)},
                     {"seats", OptJson(l.seats)},
                     {"inventory_active", OptJson(l.inventory_active)},
                     {"assigned", OptJson(l.assigned)},
                     {"active", OptJson(l.active)},
                     {"duplicate", l.duplicate}});
  }
  return {{"as_of", core::FormatDate(r.as_of)},
          {"currency", r.currency},
          {"summary",
           {{"shadow", r.shadow},
            {"shadow_cost", Major(r.shadow_cost)},
            {"unpaid", r.unpaid},
            {"unpaid_cost", Major(r.unpaid_cost)},
            {"inventory_cost", Major(r.inventory_cost)},
            {"actual_cost", Major(r.actual_cost)},
            {"seats_paid", r.seats_paid},
            {"seats_used", r.seats_used}}},
          {"lines", lines}};
}

Json ApplyJson(const ApplyResult& r) {
  Json changes = Json::array();
  for (const ToolChange& c : r.changes) {
    Json after = Json::object();
    if (c.annual_cost) after["annual_cost"] = Major(*c.annual_cost);
    if (c.billing_period) after["billing_period"] = *c.billing_period;
    if (c.seats) after["seats"] = *c.seats;
    if (c.active_seats) after["active_seats"] = *c.active_seats;
    if (c.owner) after["owner"] = *c.owner;
    if (c.renewal_date) after["renewal_date"] = core::FormatDate(*c.renewal_date);
    Json before = nullptr;
    if (c.before_cost || c.before_seats || c.before_active) {
      before = {{"annual_cost", c.before_cost ? Json(Major(*c.before_cost)) : Json(nullptr)},
                {"seats", OptJson(c.before_seats)},
                {"active_seats", OptJson(c.before_active)}};
    }
    changes.push_back({{"tool", c.tool},
                       {"action", c.tool_id > 0 && c.before_cost ? "update" : "add"},
                       {"tool_id", c.tool_id},
                       {"reason", c.reason},
                       {"category", c.category},
                       {"before", before},
                       {"after", after}});
  }
  return {{"dry_run", r.dry_run}, {"apply_id", r.apply_id}, {"changes", changes}};
}

Json TransactionsJson(const std::vector<SpendRow>& rows, const Matcher& matcher,
                      const std::string& tool, const std::string& merchant, size_t limit) {
  Json out = Json::array();
  int64_t total = 0;
  int64_t count = 0;
  std::unordered_map<std::string, std::optional<Match>> cache;
  for (const SpendRow& r : rows) {
    auto it = cache.find(r.descriptor);
    if (it == cache.end())
      it = cache.emplace(r.descriptor, matcher.MatchDescriptor(r.descriptor)).first;
    const bool hit = !tool.empty() ? (it->second && it->second->tool == tool)
                                   : (!it->second && NormalizeDescriptor(r.descriptor) == merchant);
    if (!hit) continue;
    total += r.amount;
    ++count;
    if (out.size() >= limit) continue;
    out.push_back(
        {{"date", core::FormatDate(r.date)},
         {"descriptor", r.descriptor},
         {"amount", Major(r.amount)},
         {"currency", r.currency},
         {"original_amount", r.original_amount ? Json(Major(*r.original_amount)) : Json(nullptr)},
         {"original_currency", r.original_currency},
         {"payer", r.payer},
         {"card", r.card},
         {"department", r.department},
         {"line", r.line}});
  }
  return {{"tool", tool},
          {"merchant", merchant},
          {"count", count},
          {"total", Major(total)},
          {"transactions", out}};
}

cli::Table SpendTable(const SpendReport& r) {
  cli::Table t{{"tool", "confidence", "cadence", "annualised", "net", "refunds", "transactions",
                "payers", "next_expected", "price_changes", "duplicate"},
               {},
               {false, true, false, true, true, true, true, false, false, false, false}};
  for (const ToolSpend& s : r.tools) {
    t.rows.push_back({s.tool, fmt::format("{:.2f}", s.confidence), s.cadence, Money(s.annualised),
                      Money(s.net), Money(s.refunds), std::to_string(s.transactions), PayersText(s),
                      DateText(s.next_expected), PriceChangesText(s.price_changes),
                      s.duplicate ? s.duplicate_detail : ""});
  }
  return t;
}

cli::Table UnmatchedTable(const SpendReport& r) {
  cli::Table t{{"merchant", "recurring", "cadence", "transactions", "net", "payers", "descriptors"},
               {},
               {false, false, false, true, true, false, false}};
  for (const UnmatchedMerchant& u : r.unmatched) {
    t.rows.push_back({u.merchant, u.recurring ? "yes" : "no", u.cadence,
                      std::to_string(u.transactions), Money(u.net), core::Join(u.payers, "; "),
                      core::Join(u.descriptors, " | ")});
  }
  return t;
}

cli::Table UsageTable(const UsageReport& r, const Stack& stack) {
  cli::Table t{{"tool", "assigned", "active_30d", "active_90d", "last_use", "active_seats",
                "inventory_seats", "inventory_active"},
               {},
               {false, true, true, true, false, true, true, true}};
  for (const ToolUsage& u : r.tools) {
    std::string seats, active;
    for (const Tool& i : stack.tools) {
      if (NameKey(i.catalog_product.empty() ? i.name : i.catalog_product) == NameKey(u.tool)) {
        seats = OptText(i.seats);
        active = OptText(i.active_seats);
      }
    }
    t.rows.push_back({u.tool, std::to_string(u.assigned), std::to_string(u.active_30),
                      std::to_string(u.active_90), DateText(u.last_use),
                      std::to_string(u.active_seats), seats, active});
  }
  for (const UnmatchedApp& a : r.unmatched) {
    t.rows.push_back({"(unmatched app) " + a.app, std::to_string(a.users), "", "",
                      DateText(a.last_use), "", "", ""});
  }
  return t;
}

cli::Table ReconcileTable(const ReconcileReport& r) {
  cli::Table t{{"tool", "status", "payers", "cadence", "inventory_cost", "actual_cost",
                "seats_paid", "seats_used", "duplicate"},
               {},
               {false, false, false, false, true, true, true, true, false}};
  for (const ReconcileLine& l : r.lines) {
    t.rows.push_back({l.tool, l.status, l.payers, l.cadence, Money(l.inventory_cost),
                      Money(l.actual_cost), OptText(l.seats), OptText(l.active),
                      l.duplicate ? "yes" : ""});
  }
  return t;
}

cli::Table ApplyTable(const ApplyResult& r) {
  cli::Table t{{"tool", "action", "annual_cost", "billing", "seats", "active_seats", "reason"},
               {},
               {false, false, true, false, true, true, false}};
  for (const ToolChange& c : r.changes) {
    t.rows.push_back({c.tool, c.before_cost ? "update" : "add",
                      c.annual_cost ? Money(*c.annual_cost) : "", c.billing_period.value_or(""),
                      OptText(c.seats), OptText(c.active_seats), c.reason});
  }
  return t;
}

}  // namespace mops::stack::discovery
