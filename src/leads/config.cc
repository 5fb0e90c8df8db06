// The three lead-management configs (scoring, routing, sla): YAML in,
// validated structs out. Every error names the config, the line, the group or
// rule and the key.
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <regex>
#include <set>

#include "core/strings.h"
#include "leads/leads.h"

namespace mops::leads {
namespace {

constexpr std::string_view kFitFields[] = {"email",
                                           "email_domain",
                                           "title",
                                           "seniority",
                                           "department",
                                           "country",
                                           "state",
                                           "city",
                                           "lead_status",
                                           "lifecycle_stage",
                                           "original_source",
                                           "company_name",
                                           "account.name",
                                           "account.domain",
                                           "account.industry",
                                           "account.country",
                                           "account.state",
                                           "account.employees",
                                           "account.annual_revenue"};

constexpr std::string_view kTouchKeyNames[] = {"type", "event", "url", "channel", "campaign"};

int LineOf(const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  return m.line >= 0 ? m.line + 1 : 0;
}

// Reads YAML for one config, keeping its name for messages.
class Reader {
 public:
  explicit Reader(std::string_view file) : file_(file) {}

  std::unexpected<core::Error> Error(const YAML::Node& at, std::string_view where,
                                     std::string message) const {
    core::Error e =
        core::MakeError(core::ErrorCode::kInvalidArgument,
                        where.empty() ? message : fmt::format("{}: {}", where, message));
    e.At(file_, LineOf(at));
    return std::unexpected(std::move(e));
  }

  core::Status Keys(const YAML::Node& map, std::string_view where,
                    std::initializer_list<std::string_view> allowed) const {
    if (!map.IsMap()) return Error(map, where, "must be a mapping");
    for (const auto& kv : map) {
      const std::string key = kv.first.as<std::string>();
      bool ok = false;
      for (std::string_view a : allowed) ok = ok || a == key;
      if (!ok) {
        std::vector<std::string_view> names(allowed);
        return Error(
            kv.first, where,
            fmt::format("unknown key '{}' (expected one of: {})", key, core::Join(names, ", ")));
      }
    }
    return {};
  }

  core::Result<double> Number(const YAML::Node& node, std::string_view where,
                              std::string_view key) const {
    try {
      const double v = node.as<double>();
      if (!std::isfinite(v)) return Error(node, where, fmt::format("{} must be finite", key));
      return v;
    } catch (const YAML::Exception&) {
      return Error(node, where, fmt::format("{} must be a number, not '{}'", key, node.Scalar()));
    }
  }
  // Points in the config are in points; kept in centipoints.
  core::Result<int64_t> Points(const YAML::Node& node, std::string_view where,
                               std::string_view key) const {
    MOPS_ASSIGN_OR_RETURN(double v, Number(node, where, key));
    if (std::abs(v) > 1e9) return Error(node, where, fmt::format("{} is out of range", key));
    return std::llround(v * 100);
  }
  core::Result<std::string> Text(const YAML::Node& node, std::string_view where,
                                 std::string_view key) const {
    if (!node.IsScalar()) return Error(node, where, fmt::format("{} must be a text", key));
    return node.Scalar();
  }
  core::Result<bool> Bool(const YAML::Node& node, std::string_view where,
                          std::string_view key) const {
    try {
      return node.as<bool>();
    } catch (const YAML::Exception&) {
      return Error(node, where, fmt::format("{} must be true or false", key));
    }
  }
  // One value or a list of values.
  core::Result<std::vector<std::string>> List(const YAML::Node& node, std::string_view where,
                                              std::string_view key) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
    } else if (node.IsSequence()) {
      for (const auto& v : node) {
        if (!v.IsScalar()) return Error(v, where, fmt::format("{} must list texts", key));
        out.push_back(v.Scalar());
      }
    } else {
      return Error(node, where, fmt::format("{} must be a value or a list", key));
    }
    if (out.empty()) return Error(node, where, fmt::format("{} must not be empty", key));
    return out;
  }

  core::Result<YAML::Node> Load(std::string_view yaml) const {
    try {
      YAML::Node root = YAML::Load(std::string(yaml));
      if (!root || root.IsNull()) {
        core::Error e = core::MakeError(core::ErrorCode::kInvalidArgument, "the config is empty");
        e.At(file_, 1);
        return std::unexpected(std::move(e));
      }
      if (!root.IsMap()) return Error(root, "", "the config must be a mapping");
      return root;
    } catch (const YAML::Exception& ex) {
      core::Error e = core::MakeError(core::ErrorCode::kInvalidArgument,
                                      fmt::format("not valid YAML: {}", ex.msg));
      e.At(file_, ex.mark.line + 1);
      return std::unexpected(std::move(e));
    }
  }

 private:
  std::string file_;
};

// Points thresholds of a grade: three descending numbers.
core::Result<std::vector<int64_t>> Thresholds(const Reader& r, const YAML::Node& node,
                                              std::string_view where) {
  if (!node.IsSequence() || node.size() != 3) {
    return r.Error(node, where, "must list three thresholds, highest first (e.g. [50, 30, 15])");
  }
  std::vector<int64_t> out;
  for (const auto& v : node) {
    MOPS_ASSIGN_OR_RETURN(int64_t p, r.Points(v, where, "threshold"));
    if (!out.empty() && p > out.back()) {
      return r.Error(v, where, "thresholds must be listed highest first");
    }
    out.push_back(p);
  }
  return out;
}

core::Result<FitRule> ParseFitRule(const Reader& r, const YAML::Node& node,
                                   std::string_view group) {
  FitRule rule;
  rule.line = LineOf(node);
  if (!node.IsMap())
    return r.Error(node, fmt::format("group '{}'", group), "a rule must be a mapping");
  if (!node["name"]) return r.Error(node, fmt::format("group '{}'", group), "a rule needs a name");
  MOPS_ASSIGN_OR_RETURN(rule.name, r.Text(node["name"], fmt::format("group '{}'", group), "name"));
  const std::string where = fmt::format("rule '{}' (group {})", rule.name, group);
  MOPS_TRY(
      r.Keys(node, where,
             {"name", "field", "points", "equals", "in", "range", "contains", "regex", "exists"}));
  if (!node["field"]) return r.Error(node, where, "needs a field");
  MOPS_ASSIGN_OR_RETURN(rule.field, r.Text(node["field"], where, "field"));
  bool known = false;
  for (std::string_view f : kFitFields) known = known || f == rule.field;
  if (!known) {
    std::vector<std::string_view> names(std::begin(kFitFields), std::end(kFitFields));
    return r.Error(node["field"], where,
                   fmt::format("unknown field '{}' (expected one of: {})", rule.field,
                               core::Join(names, ", ")));
  }
  if (!node["points"]) return r.Error(node, where, "needs points");
  MOPS_ASSIGN_OR_RETURN(rule.points, r.Points(node["points"], where, "points"));
  int ops = 0;
  for (const char* op : {"equals", "in", "range", "contains", "regex", "exists"}) {
    if (node[op]) ++ops;
  }
  if (ops != 1) {
    return r.Error(node, where,
                   "needs exactly one test of: equals, in, range, contains, regex, exists");
  }
  const bool numeric = IsNumericField(rule.field);
  if (const auto v = node["equals"]) {
    rule.op = FitOp::kEquals;
    MOPS_ASSIGN_OR_RETURN(std::string s, r.Text(v, where, "equals"));
    rule.values.push_back(s);
  } else if (const auto v2 = node["in"]) {
    rule.op = FitOp::kIn;
    MOPS_ASSIGN_OR_RETURN(rule.values, r.List(v2, where, "in"));
  } else if (const auto v3 = node["contains"]) {
    rule.op = FitOp::kContains;
    MOPS_ASSIGN_OR_RETURN(rule.values, r.List(v3, where, "contains"));
  } else if (const auto v4 = node["regex"]) {
    rule.op = FitOp::kRegex;
    MOPS_ASSIGN_OR_RETURN(std::string s, r.Text(v4, where, "regex"));
    try {
      std::regex re(s, std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error& e) {
      return r.Error(v4, where, fmt::format("regex '{}' does not compile: {}", s, e.what()));
    }
    rule.values.push_back(s);
  } else if (const auto v5 = node["range"]) {
    rule.op = FitOp::kRange;
    if (!numeric) {
      return r.Error(v5, where, fmt::format("range needs a numeric field, not '{}'", rule.field));
    }
    if (!v5.IsSequence() || v5.size() != 2) {
      return r.Error(v5, where, "range must be [min, max] (either may be null)");
    }
    if (!v5[0].IsNull()) {
      MOPS_ASSIGN_OR_RETURN(rule.min, r.Number(v5[0], where, "range min"));
    }
    if (!v5[1].IsNull()) {
      MOPS_ASSIGN_OR_RETURN(rule.max, r.Number(v5[1], where, "range max"));
    }
    if (rule.min && rule.max && *rule.min > *rule.max) {
      return r.Error(v5, where, "range min is above its max");
    }
  } else {
    rule.op = FitOp::kExists;
    MOPS_ASSIGN_OR_RETURN(rule.exists, r.Bool(node["exists"], where, "exists"));
  }
  if (numeric && (rule.op == FitOp::kContains || rule.op == FitOp::kRegex)) {
    return r.Error(node, where,
                   fmt::format("'{}' is numeric: use equals, in, range or exists", rule.field));
  }
  if (numeric && (rule.op == FitOp::kEquals || rule.op == FitOp::kIn)) {
    for (const std::string& v : rule.values) {
      char* end = nullptr;
      std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0') {
        return r.Error(node, where,
                       fmt::format("'{}' is numeric; '{}' is not a number", rule.field, v));
      }
    }
  }
  return rule;
}

core::Result<EngagementRule> ParseEngagementRule(const Reader& r, const YAML::Node& node,
                                                 std::string_view group) {
  EngagementRule rule;
  rule.line = LineOf(node);
  rule.match.resize(kTouchKeyCount);
  if (!node.IsMap())
    return r.Error(node, fmt::format("group '{}'", group), "a rule must be a mapping");
  if (!node["name"]) return r.Error(node, fmt::format("group '{}'", group), "a rule needs a name");
  MOPS_ASSIGN_OR_RETURN(rule.name, r.Text(node["name"], fmt::format("group '{}'", group), "name"));
  const std::string where = fmt::format("rule '{}' (group {})", rule.name, group);
  MOPS_TRY(r.Keys(node, where,
                  {"name", "points", "type", "event", "url", "channel", "campaign", "repeatable",
                   "once", "cap", "period_days", "period_cap"}));
  if (!node["points"]) return r.Error(node, where, "needs points");
  MOPS_ASSIGN_OR_RETURN(rule.points, r.Points(node["points"], where, "points"));
  if (rule.points == 0) return r.Error(node["points"], where, "points must not be 0");
  bool any = false;
  for (int k = 0; k < kTouchKeyCount; ++k) {
    const std::string key(kTouchKeyNames[k]);
    if (!node[key]) continue;
    MOPS_ASSIGN_OR_RETURN(rule.match[k], r.List(node[key], where, key));
    for (std::string& v : rule.match[k]) v = core::ToLower(v);
    any = true;
  }
  if (!any) {
    return r.Error(node, where,
                   "needs at least one of: type, event, url, channel, campaign (which touches "
                   "count)");
  }
  if (node["repeatable"] && node["once"]) {
    return r.Error(node, where, "give repeatable or once, not both");
  }
  if (node["repeatable"]) {
    MOPS_ASSIGN_OR_RETURN(rule.repeatable, r.Bool(node["repeatable"], where, "repeatable"));
  }
  if (node["once"]) {
    MOPS_ASSIGN_OR_RETURN(bool once, r.Bool(node["once"], where, "once"));
    rule.repeatable = !once;
  }
  if (node["cap"]) {
    MOPS_ASSIGN_OR_RETURN(int64_t cap, r.Points(node["cap"], where, "cap"));
    if (cap <= 0) return r.Error(node["cap"], where, "cap must be positive (a size of points)");
    rule.cap = cap;
  }
  if (node["period_days"] || node["period_cap"]) {
    if (!node["period_days"] || !node["period_cap"]) {
      return r.Error(node, where, "period_days and period_cap go together");
    }
    MOPS_ASSIGN_OR_RETURN(double days, r.Number(node["period_days"], where, "period_days"));
    if (days < 1 || days != std::floor(days)) {
      return r.Error(node["period_days"], where, "period_days must be a whole number of days >= 1");
    }
    rule.period_days = static_cast<int64_t>(days);
    MOPS_ASSIGN_OR_RETURN(rule.period_cap, r.Points(node["period_cap"], where, "period_cap"));
    if (rule.period_cap <= 0)
      return r.Error(node["period_cap"], where, "period_cap must be positive");
  }
  if (!rule.repeatable && (rule.cap || rule.period_days > 0)) {
    return r.Error(node, where, "cap and period caps need repeatable: true");
  }
  return rule;
}

core::Result<BusinessHours> ParseHours(const Reader& r, const YAML::Node& node,
                                       std::string_view where) {
  BusinessHours h;
  MOPS_TRY(r.Keys(node, where, {"timezone", "days", "start", "end", "always"}));
  if (node["always"]) {
    MOPS_ASSIGN_OR_RETURN(h.always, r.Bool(node["always"], where, "always"));
  }
  if (node["timezone"]) {
    MOPS_ASSIGN_OR_RETURN(h.timezone, r.Text(node["timezone"], where, "timezone"));
    if (!UtcOffset(h.timezone, 0)) {
      return r.Error(node["timezone"], where, fmt::format("unknown time zone '{}'", h.timezone));
    }
  }
  if (node["days"]) {
    static constexpr std::string_view kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    MOPS_ASSIGN_OR_RETURN(auto days, r.List(node["days"], where, "days"));
    h.days.clear();
    for (const std::string& d : days) {
      int found = 0;
      for (int i = 0; i < 7; ++i) {
        if (core::IStartsWith(d, kDays[i]) && d.size() >= 3) found = i + 1;
      }
      if (found == 0) {
        return r.Error(node["days"], where, fmt::format("unknown day '{}' (mon..sun)", d));
      }
      h.days.push_back(found);
    }
  }
  auto minute = [&](const char* key, int& slot) -> core::Status {
    if (!node[key]) return {};
    MOPS_ASSIGN_OR_RETURN(std::string s, r.Text(node[key], where, key));
    int hh = 0, mm = 0;
    char tail = 0;
    if (std::sscanf(s.c_str(), "%d:%d%c", &hh, &mm, &tail) != 2 || hh < 0 || hh > 24 || mm < 0 ||
        mm > 59 || hh * 60 + mm > 24 * 60) {
      return r.Error(node[key], where, fmt::format("{} must be HH:MM, not '{}'", key, s));
    }
    slot = hh * 60 + mm;
    return {};
  };
  MOPS_TRY(minute("start", h.start_minute));
  MOPS_TRY(minute("end", h.end_minute));
  if (!h.always && h.start_minute >= h.end_minute) {
    return r.Error(node, where, "start must be before end");
  }
  return h;
}

}  // namespace

std::span<const std::string_view> FitFields() { return kFitFields; }
bool IsNumericField(std::string_view field) {
  return field == "account.employees" || field == "account.annual_revenue";
}
std::string_view TouchKeyName(TouchKey key) { return kTouchKeyNames[static_cast<int>(key)]; }

std::string_view DefaultScoringYaml() {
  return R"YAML(# Lead scoring: fit (who they are) and engagement (what they did).
# Points may be negative; caps are sizes of points. Engagement decays per
# group: half_life_days or window_days.
groups:
  - name: persona
    kind: fit
    cap: 40
    rules:
      - {name: senior_buyer, field: seniority, in: [c_level, vp], points: 20}
      - {name: director, field: seniority, equals: director, points: 12}
      - {name: manager, field: seniority, equals: manager, points: 6}
      - {name: marketing_or_sales, field: department, in: [marketing, sales, revenue operations], points: 8}
  - name: company
    kind: fit
    cap: 40
    rules:
      - {name: core_segment, field: account.employees, range: [200, 5000], points: 15}
      - {name: enterprise, field: account.employees, range: [5001, null], points: 10}
      - {name: target_industry, field: account.industry, in: [software, saas, technology, financial services, internet], points: 10}
      - {name: known_account, field: account.name, exists: true, points: 5}
      - {name: free_mail, field: email_domain, regex: '^(gmail|yahoo|hotmail|outlook|aol|icloud|gmx|proton(mail)?)\.', points: -10}
      - {name: student_or_job_seeker, field: title, contains: [student, intern, seeking], points: -15}
  - name: intent
    kind: engagement
    cap: 60
    half_life_days: 30
    rules:
      - {name: demo_request, event: [demo request, request a demo, contact sales], points: 30, once: true}
      - {name: pricing_page, url: ['*/pricing*'], points: 5, repeatable: true, cap: 15, period_days: 7, period_cap: 10}
      - {name: form_submit, type: form_submit, points: 8, repeatable: true, cap: 24}
      - {name: webinar, type: [webinar_attended, event_attended], points: 10, repeatable: true, cap: 30}
      - {name: content, type: content_download, points: 6, repeatable: true, cap: 18}
  - name: activity
    kind: engagement
    cap: 30
    window_days: 90
    rules:
      - {name: email_click, type: email_click, points: 2, repeatable: true, cap: 10, period_days: 7, period_cap: 4}
      - {name: ad_click, type: ad_click, points: 1, repeatable: true, cap: 5}
      - {name: web_visit, type: page_view, points: 1, repeatable: true, cap: 10, period_days: 1, period_cap: 2}
      - {name: careers_page, url: ['*/careers*', '*/jobs*'], points: -10, once: true}
      - {name: unsubscribe, event: [unsubscribe, unsubscribed], points: -20, once: true}
grades:
  fit: [50, 30, 15]
  engagement: [50, 25, 10]
lifecycle:
  mql: {fit: 30, engagement: 40}
  recycle_after_days: 90
)YAML";
}

core::Result<ScoringConfig> ParseScoringConfig(std::string_view yaml, std::string_view file) {
  const Reader r(file);
  MOPS_ASSIGN_OR_RETURN(YAML::Node root, r.Load(yaml));
  ScoringConfig config;
  config.body = std::string(yaml);
  MOPS_TRY(r.Keys(root, "", {"groups", "grades", "lifecycle"}));
  const YAML::Node groups = root["groups"];
  if (!groups || !groups.IsSequence() || groups.size() == 0) {
    return r.Error(groups ? groups : root, "", "groups must list at least one group");
  }
  std::set<std::string> group_names;
  for (const auto& g : groups) {
    Group group;
    group.line = LineOf(g);
    if (!g.IsMap() || !g["name"]) return r.Error(g, "", "a group needs a name");
    MOPS_ASSIGN_OR_RETURN(group.name, r.Text(g["name"], "", "group name"));
    const std::string where = fmt::format("group '{}'", group.name);
    if (!group_names.insert(group.name).second) return r.Error(g, where, "the name is used twice");
    MOPS_TRY(r.Keys(g, where, {"name", "kind", "cap", "half_life_days", "window_days", "rules"}));
    if (!g["kind"]) return r.Error(g, where, "needs kind: fit or engagement");
    MOPS_ASSIGN_OR_RETURN(std::string kind, r.Text(g["kind"], where, "kind"));
    if (kind == "fit") {
      group.kind = GroupKind::kFit;
    } else if (kind == "engagement") {
      group.kind = GroupKind::kEngagement;
    } else {
      return r.Error(g["kind"], where,
                     fmt::format("kind must be fit or engagement, not '{}'", kind));
    }
    if (g["cap"]) {
      MOPS_ASSIGN_OR_RETURN(int64_t cap, r.Points(g["cap"], where, "cap"));
      if (cap <= 0) return r.Error(g["cap"], where, "cap must be positive");
      group.cap = cap;
    }
    if (g["half_life_days"] && g["window_days"]) {
      return r.Error(g, where, "give half_life_days or window_days, not both");
    }
    for (const char* key : {"half_life_days", "window_days"}) {
      if (!g[key]) continue;
      if (group.kind == GroupKind::kFit) {
        return r.Error(g[key], where, "fit groups do not decay");
      }
      MOPS_ASSIGN_OR_RETURN(double days, r.Number(g[key], where, key));
      if (days <= 0) return r.Error(g[key], where, fmt::format("{} must be positive", key));
      group.decay = {
          std::string_view(key) == "half_life_days" ? DecayKind::kHalfLife : DecayKind::kWindow,
          days};
    }
    const YAML::Node rules = g["rules"];
    if (!rules || !rules.IsSequence() || rules.size() == 0) {
      return r.Error(rules ? rules : g, where, "rules must list at least one rule");
    }
    std::set<std::string> rule_names;
    for (const auto& rn : rules) {
      if (group.kind == GroupKind::kFit) {
        MOPS_ASSIGN_OR_RETURN(FitRule rule, ParseFitRule(r, rn, group.name));
        if (!rule_names.insert(rule.name).second) {
          return r.Error(rn, fmt::format("rule '{}' (group {})", rule.name, group.name),
                         "the name is used twice");
        }
        group.fit_rules.push_back(std::move(rule));
      } else {
        MOPS_ASSIGN_OR_RETURN(EngagementRule rule, ParseEngagementRule(r, rn, group.name));
        if (!rule_names.insert(rule.name).second) {
          return r.Error(rn, fmt::format("rule '{}' (group {})", rule.name, group.name),
                         "the name is used twice");
        }
        group.engagement_rules.push_back(std::move(rule));
      }
    }
    config.groups.push_back(std::move(group));
  }
  if (const YAML::Node grades = root["grades"]) {
    MOPS_TRY(r.Keys(grades, "grades", {"fit", "engagement"}));
    if (grades["fit"]) {
      MOPS_ASSIGN_OR_RETURN(config.fit_grades, Thresholds(r, grades["fit"], "grades.fit"));
    }
    if (grades["engagement"]) {
      MOPS_ASSIGN_OR_RETURN(config.engagement_grades,
                            Thresholds(r, grades["engagement"], "grades.engagement"));
    }
  }
  if (const YAML::Node lc = root["lifecycle"]) {
    MOPS_TRY(r.Keys(lc, "lifecycle", {"mql", "recycle_after_days"}));
    if (const YAML::Node mql = lc["mql"]) {
      MOPS_TRY(r.Keys(mql, "lifecycle.mql", {"fit", "engagement"}));
      if (mql["fit"]) {
        MOPS_ASSIGN_OR_RETURN(config.mql_fit, r.Points(mql["fit"], "lifecycle.mql", "fit"));
      }
      if (mql["engagement"]) {
        MOPS_ASSIGN_OR_RETURN(config.mql_engagement,
                              r.Points(mql["engagement"], "lifecycle.mql", "engagement"));
      }
    }
    if (lc["recycle_after_days"]) {
      MOPS_ASSIGN_OR_RETURN(double d,
                            r.Number(lc["recycle_after_days"], "lifecycle", "recycle_after_days"));
      if (d < 0)
        return r.Error(lc["recycle_after_days"], "lifecycle",
                       "recycle_after_days must not be negative");
      config.recycle_after_days = static_cast<int64_t>(d);
    }
  }
  return config;
}

// ---------------------------------------------------------------- routing

std::string_view DefaultRoutingYaml() {
  return R"YAML(# Lead routing: ordered rules, the first match wins. A lead no rule takes,
# or whose target has no rep available (capacity, out of office), goes to
# the fallback queue. Conditions: countries, states, industries, sources,
# grades, min_employees, max_employees, min_score. Targets: account_owner,
# user (e-mail, external id or name), or a pool:
#   pools:
#     - name: inbound
#       method: round_robin        # or fewest_open
#       members: [{user: ana@example.com, weight: 2}, {user: ben@example.com}]
#   rules:
#     - {name: hot, when: {grades: [A1, A2, B1]}, to: {pool: inbound}}
rules:
  - name: existing_account
    to: {account_owner: true}
fallback_queue: unassigned
)YAML";
}

core::Result<RoutingConfig> ParseRoutingConfig(std::string_view yaml, std::string_view file) {
  const Reader r(file);
  MOPS_ASSIGN_OR_RETURN(YAML::Node root, r.Load(yaml));
  RoutingConfig config;
  config.body = std::string(yaml);
  MOPS_TRY(r.Keys(root, "", {"rules", "pools", "fallback_queue"}));
  if (root["fallback_queue"]) {
    MOPS_ASSIGN_OR_RETURN(config.fallback_queue,
                          r.Text(root["fallback_queue"], "", "fallback_queue"));
    if (config.fallback_queue.empty())
      return r.Error(root["fallback_queue"], "", "fallback_queue must not be empty");
  }
  std::set<std::string> pool_names;
  if (const YAML::Node pools = root["pools"]) {
    if (!pools.IsSequence()) return r.Error(pools, "", "pools must be a list");
    for (const auto& p : pools) {
      Pool pool;
      pool.line = LineOf(p);
      if (!p.IsMap() || !p["name"]) return r.Error(p, "", "a pool needs a name");
      MOPS_ASSIGN_OR_RETURN(pool.name, r.Text(p["name"], "", "pool name"));
      const std::string where = fmt::format("pool '{}'", pool.name);
      if (!pool_names.insert(pool.name).second) return r.Error(p, where, "the name is used twice");
      MOPS_TRY(r.Keys(p, where, {"name", "method", "members"}));
      if (p["method"]) {
        MOPS_ASSIGN_OR_RETURN(std::string m, r.Text(p["method"], where, "method"));
        if (m == "round_robin") {
          pool.method = PoolMethod::kRoundRobin;
        } else if (m == "fewest_open") {
          pool.method = PoolMethod::kFewestOpen;
        } else {
          return r.Error(p["method"], where,
                         fmt::format("method must be round_robin or fewest_open, not '{}'", m));
        }
      }
      const YAML::Node members = p["members"];
      if (!members || !members.IsSequence() || members.size() == 0) {
        return r.Error(members ? members : p, where, "members must list at least one user");
      }
      for (const auto& m : members) {
        PoolMember member;
        if (m.IsScalar()) {
          member.user = m.Scalar();
        } else {
          MOPS_TRY(r.Keys(m, where, {"user", "weight"}));
          if (!m["user"]) return r.Error(m, where, "a member needs a user");
          MOPS_ASSIGN_OR_RETURN(member.user, r.Text(m["user"], where, "user"));
          if (m["weight"]) {
            MOPS_ASSIGN_OR_RETURN(double w, r.Number(m["weight"], where, "weight"));
            if (w < 1 || w != std::floor(w) || w > 1000) {
              return r.Error(m["weight"], where, "weight must be a whole number from 1 to 1000");
            }
            member.weight = static_cast<int64_t>(w);
          }
        }
        pool.members.push_back(std::move(member));
      }
      config.pools.push_back(std::move(pool));
    }
  }
  const YAML::Node rules = root["rules"];
  if (!rules || !rules.IsSequence())
    return r.Error(rules ? rules : root, "", "rules must be a list");
  std::set<std::string> rule_names;
  for (const auto& n : rules) {
    RoutingRule rule;
    rule.line = LineOf(n);
    if (!n.IsMap() || !n["name"]) return r.Error(n, "", "a rule needs a name");
    MOPS_ASSIGN_OR_RETURN(rule.name, r.Text(n["name"], "", "rule name"));
    const std::string where = fmt::format("rule '{}'", rule.name);
    if (!rule_names.insert(rule.name).second) return r.Error(n, where, "the name is used twice");
    MOPS_TRY(r.Keys(n, where, {"name", "when", "to"}));
    if (const YAML::Node w = n["when"]) {
      MOPS_TRY(r.Keys(w, where,
                      {"countries", "states", "industries", "sources", "grades", "min_employees",
                       "max_employees", "min_score"}));
      auto list = [&](const char* key, std::vector<std::string>& slot) -> core::Status {
        if (!w[key]) return {};
        MOPS_ASSIGN_OR_RETURN(slot, r.List(w[key], where, key));
        for (std::string& s : slot) s = core::ToLower(s);
        return {};
      };
      MOPS_TRY(list("countries", rule.when.countries));
      MOPS_TRY(list("states", rule.when.states));
      MOPS_TRY(list("industries", rule.when.industries));
      MOPS_TRY(list("sources", rule.when.sources));
      MOPS_TRY(list("grades", rule.when.grades));
      for (const std::string& g : rule.when.grades) {
        if (g.size() != 2 || g[0] < 'a' || g[0] > 'd' || g[1] < '1' || g[1] > '4') {
          return r.Error(w["grades"], where, fmt::format("'{}' is not a grade (A1..D4)", g));
        }
      }
      auto count = [&](const char* key, std::optional<int64_t>& slot) -> core::Status {
        if (!w[key]) return {};
        MOPS_ASSIGN_OR_RETURN(double v, r.Number(w[key], where, key));
        if (v < 0) return r.Error(w[key], where, fmt::format("{} must not be negative", key));
        slot = static_cast<int64_t>(v);
        return {};
      };
      MOPS_TRY(count("min_employees", rule.when.min_employees));
      MOPS_TRY(count("max_employees", rule.when.max_employees));
      if (w["min_score"]) {
        MOPS_ASSIGN_OR_RETURN(rule.when.min_score, r.Points(w["min_score"], where, "min_score"));
      }
    }
    const YAML::Node to = n["to"];
    if (!to) return r.Error(n, where, "needs to: {account_owner: true} | {user: U} | {pool: P}");
    MOPS_TRY(r.Keys(to, where, {"account_owner", "user", "pool"}));
    if (to.size() != 1)
      return r.Error(to, where, "to takes exactly one of account_owner, user, pool");
    if (to["account_owner"]) {
      rule.action = ActionKind::kAccountOwner;
    } else if (to["user"]) {
      rule.action = ActionKind::kUser;
      MOPS_ASSIGN_OR_RETURN(rule.target, r.Text(to["user"], where, "user"));
    } else {
      rule.action = ActionKind::kPool;
      MOPS_ASSIGN_OR_RETURN(rule.target, r.Text(to["pool"], where, "pool"));
      if (!pool_names.contains(rule.target)) {
        return r.Error(to["pool"], where, fmt::format("no pool named '{}'", rule.target));
      }
    }
    config.rules.push_back(std::move(rule));
  }
  return config;
}

// ---------------------------------------------------------------- sla

std::string_view DefaultSlaYaml() {
  return R"YAML(# Marketing-to-sales SLA: the first tier whose conditions hold applies.
# The clock starts when the lead becomes an MQL and runs in the business
# hours of the owner's team.
tiers:
  - {name: hot, grades: [A1, A2, B1], within_minutes: 15, business_hours: false}
  - {name: warm, min_score: 60, within_minutes: 120}
  - {name: nurture, within_minutes: 1440}
business_hours:
  timezone: America/New_York
  days: [mon, tue, wed, thu, fri]
  start: "09:00"
  end: "17:00"
teams:
  EMEA: {timezone: Europe/London, days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:30"}
  APAC: {timezone: Asia/Singapore, days: [mon, tue, wed, thu, fri], start: "09:00", end: "18:00"}
at_risk_share: 0.75
first_touch_types: [sales_activity, call, meeting]
)YAML";
}

core::Result<SlaConfig> ParseSlaConfig(std::string_view yaml, std::string_view file) {
  const Reader r(file);
  MOPS_ASSIGN_OR_RETURN(YAML::Node root, r.Load(yaml));
  SlaConfig config;
  config.body = std::string(yaml);
  MOPS_TRY(
      r.Keys(root, "", {"tiers", "business_hours", "teams", "at_risk_share", "first_touch_types"}));
  const YAML::Node tiers = root["tiers"];
  if (!tiers || !tiers.IsSequence() || tiers.size() == 0) {
    return r.Error(tiers ? tiers : root, "", "tiers must list at least one tier");
  }
  std::set<std::string> names;
  for (const auto& t : tiers) {
    SlaTier tier;
    tier.line = LineOf(t);
    if (!t.IsMap() || !t["name"]) return r.Error(t, "", "a tier needs a name");
    MOPS_ASSIGN_OR_RETURN(tier.name, r.Text(t["name"], "", "tier name"));
    const std::string where = fmt::format("tier '{}'", tier.name);
    if (!names.insert(tier.name).second) return r.Error(t, where, "the name is used twice");
    MOPS_TRY(r.Keys(t, where,
                    {"name", "grades", "sources", "min_score", "within_minutes", "within_hours",
                     "business_hours"}));
    if (t["grades"]) {
      MOPS_ASSIGN_OR_RETURN(tier.grades, r.List(t["grades"], where, "grades"));
      for (std::string& g : tier.grades) g = core::ToUpper(g);
    }
    if (t["sources"]) {
      MOPS_ASSIGN_OR_RETURN(tier.sources, r.List(t["sources"], where, "sources"));
      for (std::string& s : tier.sources) s = core::ToLower(s);
    }
    if (t["min_score"]) {
      MOPS_ASSIGN_OR_RETURN(tier.min_score, r.Points(t["min_score"], where, "min_score"));
    }
    if (t["within_minutes"] && t["within_hours"]) {
      return r.Error(t, where, "give within_minutes or within_hours, not both");
    }
    if (t["within_minutes"]) {
      MOPS_ASSIGN_OR_RETURN(double m, r.Number(t["within_minutes"], where, "within_minutes"));
      tier.within_minutes = std::llround(m);
    } else if (t["within_hours"]) {
      MOPS_ASSIGN_OR_RETURN(double h, r.Number(t["within_hours"], where, "within_hours"));
      tier.within_minutes = std::llround(h * 60);
    } else {
      return r.Error(t, where, "needs within_minutes or within_hours");
    }
    if (tier.within_minutes <= 0) return r.Error(t, where, "the time allowed must be positive");
    if (t["business_hours"]) {
      MOPS_ASSIGN_OR_RETURN(tier.business_hours,
                            r.Bool(t["business_hours"], where, "business_hours"));
    }
    config.tiers.push_back(std::move(tier));
  }
  if (root["business_hours"]) {
    MOPS_ASSIGN_OR_RETURN(config.default_hours,
                          ParseHours(r, root["business_hours"], "business_hours"));
  }
  if (const YAML::Node teams = root["teams"]) {
    if (!teams.IsMap()) return r.Error(teams, "teams", "must map team names to business hours");
    for (const auto& kv : teams) {
      const std::string team = kv.first.as<std::string>();
      MOPS_ASSIGN_OR_RETURN(BusinessHours h,
                            ParseHours(r, kv.second, fmt::format("team '{}'", team)));
      config.team_hours[core::ToLower(team)] = h;
    }
  }
  if (root["at_risk_share"]) {
    MOPS_ASSIGN_OR_RETURN(config.at_risk_share,
                          r.Number(root["at_risk_share"], "", "at_risk_share"));
    if (config.at_risk_share <= 0 || config.at_risk_share >= 1) {
      return r.Error(root["at_risk_share"], "", "at_risk_share must be between 0 and 1");
    }
  }
  if (root["first_touch_types"]) {
    MOPS_ASSIGN_OR_RETURN(config.first_touch_types,
                          r.List(root["first_touch_types"], "", "first_touch_types"));
  }
  return config;
}

}  // namespace mops::leads
