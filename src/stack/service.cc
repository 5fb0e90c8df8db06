// Loads the workspace's stack into the engines' structs.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "core/strings.h"
#include "stack/stack.h"
#include "store/database.h"

namespace mops::stack {
namespace {

using store::AsInt;
using store::AsText;
using store::IsNull;
using store::Value;

std::optional<int64_t> OptInt(const Value& v) {
  return IsNull(v) ? std::nullopt : std::optional<int64_t>(AsInt(v));
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  for (std::string_view part : core::Split(text, ';')) {
    part = core::Trim(part);
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

// The products a source system stands for: the CRM it is, and the
// marketing automation that comes with it.
struct SourceProducts {
  std::string_view source;  // NameKey of source_system
  std::string_view crm;     // catalog product, or empty
  std::string_view automation;
};
constexpr SourceProducts kSourceProducts[] = {
    {"salesforce", "Salesforce Sales Cloud", ""},
    {"sfdc", "Salesforce Sales Cloud", ""},
    {"hubspot", "HubSpot Sales Hub", "HubSpot Marketing Hub"},
    {"dynamics", "Microsoft Dynamics 365 Sales", ""},
    {"dynamics365", "Microsoft Dynamics 365 Sales", ""},
    {"pipedrive", "Pipedrive", ""},
    {"zoho", "Zoho CRM", ""},
    {"marketo", "", "Marketo Engage"},
    {"pardot", "", "Account Engagement"},
    {"eloqua", "", "Oracle Eloqua"},
};

// With no tool inventory, the systems the CRM data was exported from are
// tools all the same: the CRM (and the marketing automation that comes
// with it) inferred from the source_system of contacts, accounts,
// opportunities and campaigns. A HubSpot source counts as the CRM only when
// no other CRM source is there, or when its deals were imported. The CRM
// and the marketing automation of one source are one platform: a native
// two-way link joins them (integrations name tools by name, resolved later).
core::Result<Stack> InferTools(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT 'contacts', source_system, COUNT(*) FROM contacts GROUP BY source_system "
               "UNION ALL SELECT 'accounts', source_system, COUNT(*) FROM accounts GROUP BY "
               "source_system UNION ALL SELECT 'opportunities', source_system, COUNT(*) FROM "
               "opportunities GROUP BY source_system UNION ALL SELECT 'campaigns', "
               "source_system, COUNT(*) FROM campaigns GROUP BY source_system"));
  // product -> (what, count) evidence, in a fixed order.
  std::map<std::string, std::vector<std::string>> evidence;
  std::map<std::string, bool> has_deals;
  bool other_crm = false;
  for (const auto& r : rows.rows) {
    const std::string table = AsText(r[0]);
    const std::string source = AsText(r[1]);
    const std::string key = NameKey(source);
    for (const SourceProducts& p : kSourceProducts) {
      if (p.source != key) continue;
      const std::string what =
          fmt::format("source_system '{}' of {} {}", source, AsInt(r[2]), table);
      if (!p.crm.empty()) {
        evidence[std::string(p.crm)].push_back(what);
        if (table == "opportunities") has_deals[std::string(p.crm)] = true;
        if (key != "hubspot") other_crm = true;
      }
      if (!p.automation.empty()) evidence[std::string(p.automation)].push_back(what);
    }
  }
  Stack out;
  for (const auto& [product, what] : evidence) {
    if (product == "HubSpot Sales Hub" && other_crm && !has_deals[product]) continue;
    Tool t;
    t.name = product;
    t.status = "active";
    t.inferred_from = core::Join(what, "; ");
    out.tools.push_back(std::move(t));
  }
  const auto inferred = [&](std::string_view name) {
    return std::any_of(out.tools.begin(), out.tools.end(),
                       [&](const Tool& t) { return t.name == name; });
  };
  std::set<std::string_view> linked;
  for (const SourceProducts& p : kSourceProducts) {
    if (p.crm.empty() || p.automation.empty() || !inferred(p.crm) || !inferred(p.automation) ||
        !linked.insert(p.crm).second) {
      continue;
    }
    Integration in;
    in.from_name = std::string(p.crm);
    in.to_name = std::string(p.automation);
    in.objects = {"contacts", "accounts", "opportunities"};
    in.direction = "two_way";
    in.frequency = "realtime";
    in.status = "active";
    in.inferred_from = fmt::format("{} and {} are one platform (source_system '{}')", p.crm,
                                   p.automation, p.source);
    out.integrations.push_back(std::move(in));
  }
  return out;
}

}  // namespace

core::Result<Stack> LoadStack(store::Database& db) {
  Stack stack;
  MOPS_ASSIGN_OR_RETURN(
      store::Rows tools,
      db.Query("SELECT id, external_id, name, vendor, category, capabilities, owner, annual_cost, "
               "currency, billing_period, seats, active_seats, contract_start, renewal_date, "
               "notice_days, auto_renew, status, sso, dpa_signed, data_scope FROM tools "
               "ORDER BY id"));
  // By name in byte order (the engines' order is the same on both backends,
  // whatever PostgreSQL's collation), then by id.
  std::stable_sort(tools.rows.begin(), tools.rows.end(),
                   [](const auto& a, const auto& b) { return AsText(a[2]) < AsText(b[2]); });
  // Integrations name their tools by id, by external id or by name.
  std::unordered_map<int64_t, int32_t> by_id;
  std::unordered_map<std::string, int32_t> by_external, by_name;
  for (const auto& r : tools.rows) {
    Tool t;
    t.id = AsInt(r[0]);
    t.name = AsText(r[2]);
    t.vendor = AsText(r[3]);
    t.category = AsText(r[4]);
    t.capabilities = SplitList(AsText(r[5]));
    t.owner = AsText(r[6]);
    t.annual_cost = AsInt(r[7]);
    t.currency = AsText(r[8]);
    t.billing_period = AsText(r[9]);
    t.seats = OptInt(r[10]);
    t.active_seats = OptInt(r[11]);
    t.contract_start = OptInt(r[12]);
    t.renewal_date = OptInt(r[13]);
    t.notice_days = OptInt(r[14]);
    t.auto_renew = AsInt(r[15]) != 0;
    t.status = AsText(r[16]);
    if (!IsNull(r[17])) t.sso = AsInt(r[17]) != 0;
    if (!IsNull(r[18])) t.dpa_signed = AsInt(r[18]) != 0;
    t.data_scope = AsText(r[19]);
    const int32_t index = static_cast<int32_t>(stack.tools.size());
    by_id.emplace(t.id, index);
    by_external.emplace(AsText(r[1]), index);
    by_name.emplace(NameKey(t.name), index);
    stack.tools.push_back(std::move(t));
  }
  std::vector<Integration> native;  // of inferred tools
  if (stack.tools.empty()) {
    MOPS_ASSIGN_OR_RETURN(Stack inferred, InferTools(db));
    stack.tools = std::move(inferred.tools);
    native = std::move(inferred.integrations);
    for (size_t i = 0; i < stack.tools.size(); ++i) {
      by_name.emplace(NameKey(stack.tools[i].name), static_cast<int32_t>(i));
    }
  }
  const auto find = [&](const Value& id, const Value& ref) -> int32_t {
    if (!IsNull(id)) {
      auto it = by_id.find(AsInt(id));
      if (it != by_id.end()) return it->second;
    }
    const std::string text = AsText(ref);
    if (text.empty()) return -1;
    if (auto it = by_external.find(text); it != by_external.end()) return it->second;
    if (auto it = by_name.find(NameKey(text)); it != by_name.end()) return it->second;
    return -1;
  };
  MOPS_ASSIGN_OR_RETURN(
      store::Rows integrations,
      db.Query("SELECT id, from_tool_id, from_tool_ref, to_tool_id, to_tool_ref, objects, "
               "direction, frequency, status, last_sync_at, error_rate FROM integrations "
               "ORDER BY id"));
  for (const auto& r : integrations.rows) {
    Integration in;
    in.id = AsInt(r[0]);
    in.from = find(r[1], r[2]);
    in.from_name = AsText(r[2]);
    in.to = find(r[3], r[4]);
    in.to_name = AsText(r[4]);
    in.objects = SplitList(AsText(r[5]));
    in.direction = AsText(r[6]);
    in.frequency = AsText(r[7]);
    in.status = AsText(r[8]);
    in.last_sync_at = OptInt(r[9]);
    if (!IsNull(r[10])) in.error_rate = store::AsDouble(r[10]);
    stack.integrations.push_back(std::move(in));
  }
  for (Integration& in : native) {
    in.from = find(Value(), in.from_name);
    in.to = find(Value(), in.to_name);
    stack.integrations.push_back(std::move(in));
  }
  Resolve(stack);
  return stack;
}

}  // namespace mops::stack
