// Loads the workspace's stack into the engines' structs.
#include <algorithm>
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
  Resolve(stack);
  return stack;
}

}  // namespace mops::stack
