// JSON forms of the campaign documents: what the REST routes answer and
// what the CLI prints with --format json.
#include <fmt/format.h>

#include "campaigns/internal.h"
#include "core/numbers.h"
#include "core/strings.h"

namespace mops::campaigns::internal {
namespace {

using core::ErrorCode;

Json OptDate(const std::optional<core::Timestamp>& t) {
  return t ? Json(core::FormatDate(*t)) : Json(nullptr);
}
Json OptNum(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }
Json OptMoney(const std::optional<double>& minor) {
  return minor ? Json(*minor / 100.0) : Json(nullptr);
}
double Major(int64_t minor) { return static_cast<double>(minor) / 100.0; }

core::Error BadField(std::string field, std::string message) {
  return core::MakeError(ErrorCode::kInvalidArgument, std::move(message)).InField(std::move(field));
}

Json TotalsJson(const Totals& t) {
  return {{"budget", Major(t.budget)}, {"actual_cost", Major(t.actual_cost)},
          {"members", t.members},      {"responses", t.responses},
          {"pipeline", t.pipeline},    {"won_revenue", t.won}};
}

}  // namespace

std::string Money(int64_t minor) { return core::FormatMoneyMinor(minor); }

Json ChainToJson(std::span<const StepDef> chain) {
  Json out = Json::array();
  for (const StepDef& s : chain) {
    Json j = {{"stage", s.stage}, {"name", s.name}, {"due_days", s.due_days}};
    if (!s.role.empty()) j["role"] = s.role;
    if (!s.user.empty()) j["user"] = s.user;
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<StepDef> ChainFromJson(const Json& j) {
  std::vector<StepDef> out;
  for (const Json& s : j) {
    StepDef d;
    d.stage = s.value("stage", 1);
    d.name = s.value("name", std::string());
    d.role = s.value("role", std::string());
    d.user = s.value("user", std::string());
    d.due_days = s.value("due_days", 3);
    out.push_back(std::move(d));
  }
  return out;
}

core::Result<std::vector<StepDef>> ParseChain(const Json& j, std::string_view field) {
  if (!j.is_array()) return core::Fail(BadField(std::string(field), "must be a list of steps"));
  std::vector<StepDef> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const Json& s = j[i];
    const std::string where = fmt::format("{}[{}]", field, i);
    if (!s.is_object()) return core::Fail(BadField(where, "a step is an object"));
    for (const auto& [k, v] : s.items()) {
      if (k != "stage" && k != "name" && k != "role" && k != "user" && k != "due_days") {
        return core::Fail(BadField(
            where + "." + k,
            "unknown step field '" + k + "' (expected stage, name, role, user, due_days)"));
      }
    }
    StepDef d;
    if (s.contains("stage")) {
      if (!s["stage"].is_number_integer())
        return core::Fail(BadField(where + ".stage", "stage is a whole number"));
      d.stage = s["stage"].get<int>();
    }
    if (s.contains("due_days")) {
      if (!s["due_days"].is_number_integer())
        return core::Fail(BadField(where + ".due_days", "due_days is a whole number"));
      d.due_days = s["due_days"].get<int>();
    }
    for (const char* key : {"name", "role", "user"}) {
      if (s.contains(key) && !s[key].is_string()) {
        return core::Fail(BadField(where + "." + key, std::string(key) + " is a text"));
      }
    }
    d.name = s.value("name", std::string());
    d.role = s.value("role", std::string());
    d.user = s.value("user", std::string());
    if (!d.role.empty() && d.role != "approver" && d.role != "ops" && d.role != "admin" &&
        d.role != "analyst") {
      return core::Fail(BadField(where + ".role", "role '" + d.role +
                                                      "' cannot approve (approver, ops, analyst "
                                                      "or admin)"));
    }
    if (d.name.empty()) d.name = !d.user.empty() ? d.user : d.role;
    out.push_back(std::move(d));
  }
  MOPS_TRY(ValidateChain(out));
  return out;
}

core::Result<std::vector<MemberStatus>> ParseStatuses(const Json& j, std::string_view field) {
  if (!j.is_array()) return core::Fail(BadField(std::string(field), "must be a list of statuses"));
  std::vector<MemberStatus> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const Json& s = j[i];
    const std::string where = fmt::format("{}[{}]", field, i);
    if (!s.is_object() || !s.contains("name") || !s["name"].is_string()) {
      return core::Fail(BadField(where, "a status is an object with a name"));
    }
    for (const auto& [k, v] : s.items()) {
      if (k != "name" && k != "sort_order" && k != "responded" && k != "is_default") {
        return core::Fail(BadField(
            where + "." + k,
            "unknown status field '" + k + "' (expected name, sort_order, responded, is_default)"));
      }
    }
    MemberStatus m;
    m.name = s["name"].get<std::string>();
    m.sort_order = static_cast<int>(i) + 1;
    if (s.contains("sort_order")) {
      if (!s["sort_order"].is_number_integer())
        return core::Fail(BadField(where + ".sort_order", "sort_order is a whole number"));
      m.sort_order = s["sort_order"].get<int>();
    }
    for (const char* key : {"responded", "is_default"}) {
      if (s.contains(key) && !s[key].is_boolean()) {
        return core::Fail(BadField(where + "." + key, std::string(key) + " is true or false"));
      }
    }
    m.responded = s.value("responded", false);
    m.is_default = s.value("is_default", false);
    out.push_back(std::move(m));
  }
  MOPS_TRY(ValidateMemberStatuses(out));
  return out;
}

Json StatusesJson(std::span<const MemberStatus> statuses) {
  Json out = Json::array();
  for (const MemberStatus& s : statuses) {
    out.push_back({{"name", s.name},
                   {"sort_order", s.sort_order},
                   {"responded", s.responded},
                   {"is_default", s.is_default}});
  }
  return out;
}

Json TemplateToJson(const Template& t) {
  return {{"checklist", t.checklist},
          {"assets", t.assets},
          {"statuses", StatusesJson(t.statuses)},
          {"approval_chain", ChainToJson(t.approval_chain)}};
}

Template TemplateFromJson(const Json& j) {
  Template t;
  t.checklist = j.value("checklist", std::vector<std::string>{});
  t.assets = j.value("assets", std::vector<int64_t>{});
  for (const Json& s : j.value("statuses", Json::array())) {
    t.statuses.push_back({s.value("name", std::string()), s.value("sort_order", 0),
                          s.value("responded", false), s.value("is_default", false)});
  }
  t.approval_chain = ChainFromJson(j.value("approval_chain", Json::array()));
  return t;
}

core::Result<Template> ParseTemplate(const Json& j) {
  Template t;
  for (const char* key : {"name", "type", "channel", "utm_pattern", "description"}) {
    if (j.contains(key) && !j[key].is_string()) {
      return core::Fail(BadField(key, std::string(key) + " is a text"));
    }
  }
  t.name = j.value("name", std::string());
  t.type = j.value("type", std::string());
  t.channel = j.value("channel", std::string());
  t.utm_pattern = j.value("utm_pattern", std::string());
  t.description = j.value("description", std::string());
  if (j.contains("checklist")) {
    if (!j["checklist"].is_array())
      return core::Fail(BadField("checklist", "checklist is a list of texts"));
    for (const Json& item : j["checklist"]) {
      if (!item.is_string() || core::Trim(item.get<std::string>()).empty()) {
        return core::Fail(BadField("checklist", "a checklist item is a non-empty text"));
      }
      t.checklist.push_back(item.get<std::string>());
    }
  }
  if (j.contains("assets")) {
    if (!j["assets"].is_array())
      return core::Fail(BadField("assets", "assets is a list of asset ids"));
    for (const Json& a : j["assets"]) {
      if (!a.is_number_integer() || a.get<int64_t>() <= 0) {
        return core::Fail(BadField("assets", "an asset is named by its id"));
      }
      t.assets.push_back(a.get<int64_t>());
    }
  }
  if (j.contains("statuses")) {
    MOPS_ASSIGN_OR_RETURN(t.statuses, ParseStatuses(j["statuses"], "statuses"));
  }
  if (j.contains("approval_chain")) {
    MOPS_ASSIGN_OR_RETURN(t.approval_chain, ParseChain(j["approval_chain"], "approval_chain"));
  }
  MOPS_TRY(ValidateTemplate(t));
  return t;
}

Json CampaignJson(const CampaignRecord& c) {
  const CampaignFields& f = c.fields;
  return {{"id", f.id},
          {"name", f.name},
          {"type", f.type},
          {"channel", f.channel},
          {"parent_id", c.parent_id == 0 ? Json(nullptr) : Json(c.parent_id)},
          {"state", StateName(f.state)},
          {"in_workflow", c.in_workflow},
          {"crm_status", c.crm_status},
          {"start_date", OptDate(f.start_date)},
          {"end_date", OptDate(f.end_date)},
          {"owner", f.owner},
          {"goal", f.goal},
          {"audience", f.audience},
          {"budget", Major(f.budget)},
          {"currency", c.currency.empty() ? "USD" : c.currency},
          {"utm_campaign", f.utm_campaign},
          {"utm_pattern", c.utm_pattern},
          {"template_id", c.template_id == 0 ? Json(nullptr) : Json(c.template_id)},
          {"source_system", c.source_system},
          {"external_id", c.external_id}};
}

Json StepJson(const Step& s) {
  return {{"id", s.id},
          {"round", s.round},
          {"stage", s.def.stage},
          {"name", s.def.name},
          {"role", s.def.role.empty() ? Json(nullptr) : Json(s.def.role)},
          {"user", s.def.user.empty() ? Json(nullptr) : Json(s.def.user)},
          {"decision", DecisionName(s.decision)},
          {"due_at", core::FormatTimestamp(s.due_at)},
          {"decided_by", s.decided_by.empty() ? Json(nullptr) : Json(s.decided_by)},
          {"decided_at", s.decided_at ? Json(core::FormatTimestamp(*s.decided_at)) : Json(nullptr)},
          {"comment", s.comment}};
}

Json QaJson(const QaItem& q) {
  return {{"key", q.key},           {"label", q.label},   {"automatic", q.automatic},
          {"blocking", q.blocking}, {"passed", q.passed}, {"detail", q.detail}};
}

Json RollupJson(const RollupReport& r) {
  Json rows = Json::array();
  for (const RollupRow& row : r.rollup.rows) {
    const CampaignRecord& c = r.campaigns[row.node];
    rows.push_back(
        {{"id", c.fields.id},
         {"name", c.fields.name},
         {"type", c.fields.type},
         {"state", StateName(c.fields.state)},
         {"parent_id", row.parent < 0 ? Json(nullptr) : Json(r.campaigns[row.parent].fields.id)},
         {"depth", row.depth},
         {"descendants", row.descendants},
         {"own", TotalsJson(row.own)},
         {"total", TotalsJson(row.total)}});
  }
  Totals all;
  for (const RollupRow& row : r.rollup.rows) {
    if (row.parent >= 0) continue;
    all.budget += row.total.budget;
    all.actual_cost += row.total.actual_cost;
    all.members += row.total.members;
    all.responses += row.total.responses;
    all.pipeline += row.total.pipeline;
    all.won += row.total.won;
  }
  return {{"model", r.model.empty() ? Json(nullptr) : Json(r.model)},
          {"runs", r.runs},
          {"campaigns", rows},
          {"totals", TotalsJson(all)},
          {"problems", r.rollup.problems},
          {"notes", r.notes}};
}

Json CalendarJson(const CalendarReport& r) {
  Json entries = Json::array();
  for (const CalendarEntry& e : r.entries) {
    entries.push_back({{"id", e.id},
                       {"name", e.name},
                       {"channel", e.channel},
                       {"audience", e.audience},
                       {"state", StateName(e.state)},
                       {"start", core::FormatDate(e.start)},
                       {"end", core::FormatDate(e.end)}});
  }
  Json conflicts = Json::array();
  for (const Conflict& c : r.conflicts) {
    conflicts.push_back({{"kind", c.kind},
                         {"campaigns", c.campaigns},
                         {"audience", c.audience},
                         {"when", c.when},
                         {"message", c.message}});
  }
  return {{"entries", entries}, {"conflicts", conflicts}};
}

Json BudgetJson(const BudgetResult& b) {
  const BudgetReport& r = b.report;
  Json months = Json::array();
  for (const BudgetMonth& m : r.months) {
    months.push_back({{"month", m.month},
                      {"planned", Major(m.planned)},
                      {"spend", Major(m.spend)},
                      {"period_costs", Major(m.period_costs)},
                      {"actual", Major(m.actual)},
                      {"variance", Major(m.variance)}});
  }
  Json lines = Json::array();
  for (const CostRecord& l : b.lines) {
    lines.push_back({{"id", l.id},
                     {"kind", l.kind},
                     {"date", core::FormatDate(l.date)},
                     {"amount", Major(l.amount)},
                     {"detail", l.detail}});
  }
  return {{"currency", b.currency},
          {"budget", Major(r.budget)},
          {"actual", Major(r.actual)},
          {"variance", Major(r.variance)},
          {"variance_pct", OptNum(r.variance_pct)},
          {"over_budget", r.over_budget},
          {"elapsed", OptNum(r.elapsed)},
          {"pacing", OptNum(r.pacing)},
          {"pacing_status", r.pacing_status},
          {"cost_per_member", OptMoney(r.cost_per_member)},
          {"cost_per_response", OptMoney(r.cost_per_response)},
          {"cost_per_opportunity", OptMoney(r.cost_per_opportunity)},
          {"cost_per_won_deal", OptMoney(r.cost_per_won_deal)},
          {"months", months},
          {"lines", lines}};
}

Json StoredCheckJson(const StoredCheck& c, int limit) {
  auto violation = [](const StoredViolation& v) {
    return Json{{"param", v.param},
                {"value", v.value},
                {"rules", v.rules},
                {"message", v.message},
                {"suggestion", v.suggestion.empty() ? Json(nullptr) : Json(v.suggestion)},
                {"touchpoints", v.touchpoints}};
  };
  Json vs = Json::array();
  for (size_t i = 0; i < c.violations.size() && static_cast<int>(i) < limit; ++i) {
    vs.push_back(violation(c.violations[i]));
  }
  Json camps = Json::array();
  for (const StoredViolation& v : c.campaigns) camps.push_back(violation(v));
  Json unknown = Json::array();
  for (size_t i = 0; i < c.unknown_campaigns.size() && static_cast<int>(i) < limit; ++i) {
    unknown.push_back({{"utm_campaign", c.unknown_campaigns[i].first},
                       {"touchpoints", c.unknown_campaigns[i].second}});
  }
  int64_t fixable = 0;
  for (const StoredViolation& v : c.violations) fixable += v.suggestion.empty() ? 0 : 1;
  return {{"touchpoints", c.touchpoints},
          {"with_utm", c.with_utm},
          {"touchpoints_affected", c.touchpoints_affected},
          {"violation_count", c.violations.size()},
          {"fixable_values", fixable},
          {"violations", vs},
          {"campaign_violations", camps},
          {"unknown_campaign_count", c.unknown_campaigns.size()},
          {"unknown_campaigns", unknown},
          {"fixes", c.fixes}};
}

Json FixJson(const FixReport& f) {
  return {{"fix_id", f.fix_id == 0 ? Json(nullptr) : Json(f.fix_id)},
          {"dry_run", f.dry_run},
          {"touchpoints", f.touchpoints},
          {"channels_changed", f.channels_changed},
          {"channel_moves", f.channel_moves},
          {"fixes", f.fixes}};
}

Json UrlCheckJson(const UrlCheck& c) {
  Json vs = Json::array();
  for (const Violation& v : c.violations) {
    vs.push_back({{"param", v.param},
                  {"value", v.value},
                  {"rule", v.rule},
                  {"message", v.message},
                  {"suggestion", v.suggestion.empty() ? Json(nullptr) : Json(v.suggestion)}});
  }
  return {{"url", c.url},
          {"well_formed", c.well_formed},
          {"error", c.error},
          {"utm", c.utm},
          {"valid", c.well_formed && c.violations.empty()},
          {"violations", vs},
          {"fixed_url", c.fixed_url.empty() ? Json(nullptr) : Json(c.fixed_url)}};
}

Json AssetJson(const AssetRecord& a) {
  return {{"id", a.asset.id},     {"name", a.asset.name},    {"type", a.asset.type},
          {"url", a.asset.url},   {"owner", a.asset.owner},  {"status", a.asset.status},
          {"body", a.asset.body}, {"campaigns", a.campaigns}};
}

Json TemplateJson(const Template& t) {
  Json j = TemplateToJson(t);
  j["id"] = t.id;
  j["name"] = t.name;
  j["type"] = t.type;
  j["channel"] = t.channel;
  j["utm_pattern"] = t.utm_pattern;
  j["description"] = t.description;
  return j;
}

}  // namespace mops::campaigns::internal
