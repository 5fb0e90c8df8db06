// The audit's rules as data: parsing the shipped rules files and the `audit`
// config that overrides them.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "report/report.h"
#include "report/rules_data.h"

namespace mops::report {
namespace {

using core::ErrorCode;

core::Error ErrorAt(std::string_view file, int line, std::string message) {
  core::Error e = core::MakeError(ErrorCode::kInvalidArgument, std::move(message));
  e.At(std::string(file), line);
  return e;
}

int LineOf(const YAML::Node& node) { return node.Mark().line + 1; }

core::Result<YAML::Node> LoadYaml(std::string_view yaml, std::string_view file) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root || root.IsNull()) {
      return core::Fail(ErrorAt(file, 1, "the document is empty"));
    }
    if (!root.IsMap()) return core::Fail(ErrorAt(file, LineOf(root), "must be a mapping"));
    return root;
  } catch (const YAML::Exception& ex) {
    return core::Fail(ErrorAt(file, ex.mark.line + 1, "not valid YAML: " + ex.msg));
  }
}

bool OneOf(std::string_view value, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

core::Result<double> Number(const YAML::Node& node, std::string_view file, std::string_view where,
                            std::string_view key) {
  if (!node.IsScalar()) {
    return core::Fail(
        ErrorAt(file, LineOf(node), fmt::format("{}: {} must be a number", where, key)));
  }
  try {
    return node.as<double>();
  } catch (const YAML::Exception&) {
    return core::Fail(
        ErrorAt(file, LineOf(node),
                fmt::format("{}: {} must be a number, got '{}'", where, key, node.Scalar())));
  }
}

core::Result<std::string> Text(const YAML::Node& node, std::string_view file,
                               std::string_view where, std::string_view key) {
  if (!node.IsScalar()) {
    return core::Fail(
        ErrorAt(file, LineOf(node), fmt::format("{}: {} must be a text", where, key)));
  }
  return node.Scalar();
}

core::Result<Comparison> ParseComparison(std::string_view text) {
  if (text == ">") return Comparison::kGreater;
  if (text == ">=") return Comparison::kGreaterOrEqual;
  if (text == "<") return Comparison::kLess;
  if (text == "<=") return Comparison::kLessOrEqual;
  return core::Fail(ErrorCode::kInvalidArgument, "comparison must be >, >=, < or <=, got '{}'",
                    text);
}

core::Result<Rule> ParseRule(const YAML::Node& node, std::string_view area, std::string_view file) {
  Rule rule;
  rule.area = std::string(area);
  rule.file = std::string(file);
  rule.line = LineOf(node);
  if (!node.IsMap()) return core::Fail(ErrorAt(file, rule.line, "a rule must be a mapping"));
  if (!node["id"]) return core::Fail(ErrorAt(file, rule.line, "a rule needs an id"));
  MOPS_ASSIGN_OR_RETURN(rule.id, Text(node["id"], file, "rule", "id"));
  const std::string where = "rule '" + rule.id + "'";
  if (!rule.id.starts_with(std::string(area) + ".")) {
    return core::Fail(
        ErrorAt(file, rule.line, fmt::format("{}: its id must start with '{}.'", where, area)));
  }
  static const std::set<std::string> kKeys = {"id",        "title",      "metric",   "comparison",
                                              "threshold", "severity",   "effort",   "requires",
                                              "sample",    "min_sample", "format",   "evidence",
                                              "action",    "impact",     "examples", "flags"};
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (!kKeys.contains(key)) {
      return core::Fail(
          ErrorAt(file, LineOf(kv.first), fmt::format("{}: unknown key '{}'", where, key)));
    }
  }
  for (std::string_view key :
       {"title", "metric", "comparison", "threshold", "severity", "effort", "evidence", "action"}) {
    if (!node[std::string(key)]) {
      return core::Fail(ErrorAt(file, rule.line, fmt::format("{}: {} is required", where, key)));
    }
  }
  MOPS_ASSIGN_OR_RETURN(rule.title, Text(node["title"], file, where, "title"));
  MOPS_ASSIGN_OR_RETURN(rule.metric, Text(node["metric"], file, where, "metric"));
  MOPS_ASSIGN_OR_RETURN(std::string comparison,
                        Text(node["comparison"], file, where, "comparison"));
  auto parsed = ParseComparison(comparison);
  if (!parsed) {
    return core::Fail(
        ErrorAt(file, LineOf(node["comparison"]), where + ": " + parsed.error().message));
  }
  rule.comparison = *parsed;
  MOPS_ASSIGN_OR_RETURN(rule.threshold, Number(node["threshold"], file, where, "threshold"));
  MOPS_ASSIGN_OR_RETURN(rule.severity, Text(node["severity"], file, where, "severity"));
  if (!OneOf(rule.severity, {"high", "medium", "low"})) {
    return core::Fail(
        ErrorAt(file, LineOf(node["severity"]), where + ": severity must be high, medium or low"));
  }
  MOPS_ASSIGN_OR_RETURN(rule.effort, Text(node["effort"], file, where, "effort"));
  if (!OneOf(rule.effort, {"high", "medium", "low"})) {
    return core::Fail(
        ErrorAt(file, LineOf(node["effort"]), where + ": effort must be high, medium or low"));
  }
  MOPS_ASSIGN_OR_RETURN(rule.evidence, Text(node["evidence"], file, where, "evidence"));
  MOPS_ASSIGN_OR_RETURN(rule.action, Text(node["action"], file, where, "action"));
  if (const YAML::Node r = node["requires"]) {
    if (!r.IsSequence()) {
      return core::Fail(ErrorAt(file, LineOf(r), where + ": requires must list data sources"));
    }
    for (const auto& s : r) {
      MOPS_ASSIGN_OR_RETURN(std::string source, Text(s, file, where, "requires"));
      rule.requires_data.push_back(std::move(source));
    }
  }
  if (const YAML::Node s = node["sample"]) {
    MOPS_ASSIGN_OR_RETURN(rule.sample, Text(s, file, where, "sample"));
    if (!node["min_sample"]) {
      return core::Fail(ErrorAt(file, LineOf(s), where + ": sample needs min_sample"));
    }
    MOPS_ASSIGN_OR_RETURN(rule.min_sample, Number(node["min_sample"], file, where, "min_sample"));
  }
  if (const YAML::Node f = node["format"]) {
    MOPS_ASSIGN_OR_RETURN(rule.format, Text(f, file, where, "format"));
    if (!OneOf(rule.format, {"count", "percent", "money", "number", "days", "minutes"})) {
      return core::Fail(
          ErrorAt(file, LineOf(f),
                  where + ": format must be count, percent, money, number, days or minutes"));
    }
  }
  if (const YAML::Node i = node["impact"]) {
    if (!i.IsMap() || !i["kind"] || !i["metric"]) {
      return core::Fail(
          ErrorAt(file, LineOf(i), where + ": impact must be {kind, metric[, factor]}"));
    }
    MOPS_ASSIGN_OR_RETURN(rule.impact_kind, Text(i["kind"], file, where, "impact kind"));
    if (!OneOf(rule.impact_kind, {"saving", "pipeline", "cost"})) {
      return core::Fail(ErrorAt(file, LineOf(i["kind"]),
                                where + ": impact kind must be saving, pipeline or cost"));
    }
    MOPS_ASSIGN_OR_RETURN(rule.impact_metric, Text(i["metric"], file, where, "impact metric"));
    if (i["factor"]) {
      MOPS_ASSIGN_OR_RETURN(rule.impact_factor, Number(i["factor"], file, where, "impact factor"));
    }
  }
  if (node["examples"]) {
    MOPS_ASSIGN_OR_RETURN(rule.examples, Text(node["examples"], file, where, "examples"));
  } else {
    rule.examples = rule.metric;
  }
  if (node["flags"]) {
    MOPS_ASSIGN_OR_RETURN(rule.flags, Text(node["flags"], file, where, "flags"));
  }
  return rule;
}

}  // namespace

std::string_view ComparisonText(Comparison c) {
  switch (c) {
    case Comparison::kGreater:
      return ">";
    case Comparison::kGreaterOrEqual:
      return ">=";
    case Comparison::kLess:
      return "<";
    case Comparison::kLessOrEqual:
      return "<=";
  }
  return ">";
}

const std::vector<AreaInfo>& Areas() {
  static const std::vector<AreaInfo> kAreas = {
      {"stack", "Tech stack"},
      {"attribution", "Attribution health"},
      {"data", "Data quality"},
      {"leads", "Lead management"},
      {"campaigns", "Campaign operations"},
      {"reporting", "Reporting"},
  };
  return kAreas;
}

const AreaInfo* FindArea(std::string_view id) {
  for (const AreaInfo& a : Areas()) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

core::Result<std::vector<Rule>> ParseRules(std::string_view yaml, std::string_view file) {
  MOPS_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(yaml, file));
  if (!root["area"]) return core::Fail(ErrorAt(file, 1, "area is required"));
  MOPS_ASSIGN_OR_RETURN(std::string area, Text(root["area"], file, "file", "area"));
  if (FindArea(area) == nullptr) {
    return core::Fail(ErrorAt(
        file, LineOf(root["area"]),
        "unknown area '" + area + "' (stack, attribution, data, leads, campaigns, reporting)"));
  }
  const YAML::Node list = root["rules"];
  if (!list || !list.IsSequence()) {
    return core::Fail(ErrorAt(file, 1, "rules must be a list"));
  }
  std::vector<Rule> rules;
  std::set<std::string> ids;
  for (const auto& node : list) {
    MOPS_ASSIGN_OR_RETURN(Rule rule, ParseRule(node, area, file));
    if (!ids.insert(rule.id).second) {
      return core::Fail(ErrorAt(file, rule.line, "rule '" + rule.id + "' is defined twice"));
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

const std::vector<std::pair<std::string, std::string_view>>& RuleFiles() {
  static const std::vector<std::pair<std::string, std::string_view>> kFiles = {
      {"rules/stack.yaml", rules_data::Stack()},
      {"rules/attribution.yaml", rules_data::Attribution()},
      {"rules/data.yaml", rules_data::Data()},
      {"rules/leads.yaml", rules_data::Leads()},
      {"rules/campaigns.yaml", rules_data::Campaigns()},
      {"rules/reporting.yaml", rules_data::Reporting()},
  };
  return kFiles;
}

const std::vector<Rule>& DefaultRules() {
  static const std::vector<Rule> kRules = [] {
    std::vector<Rule> all;
    for (const auto& [file, text] : RuleFiles()) {
      auto rules = ParseRules(text, file);
      // The shipped files are tested (rules_test); a broken one is a build defect.
      if (!rules) throw std::runtime_error(rules.error().ToString());
      all.insert(all.end(), rules->begin(), rules->end());
    }
    return all;
  }();
  return kRules;
}

core::Result<AuditConfig> ParseConfig(std::string_view yaml, std::string_view file,
                                      const std::vector<Rule>& rules) {
  AuditConfig config;
  MOPS_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(yaml, file));
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (key == "examples") {
      MOPS_ASSIGN_OR_RETURN(double n, Number(kv.second, file, "config", "examples"));
      if (n < 1 || n > 50 || n != static_cast<int>(n)) {
        return core::Fail(
            ErrorAt(file, LineOf(kv.second), "examples must be a whole number from 1 to 50"));
      }
      config.examples = static_cast<int>(n);
    } else if (key == "rules") {
      if (!kv.second.IsMap()) {
        return core::Fail(ErrorAt(file, LineOf(kv.second), "rules must map rule ids to settings"));
      }
      for (const auto& r : kv.second) {
        const std::string id = r.first.Scalar();
        const auto known = std::find_if(rules.begin(), rules.end(),
                                        [&](const Rule& rule) { return rule.id == id; });
        if (known == rules.end()) {
          return core::Fail(
              ErrorAt(file, LineOf(r.first),
                      "unknown rule '" + id + "' (mops audit --list-rules lists them)"));
        }
        const std::string where = "rule '" + id + "'";
        if (!r.second.IsMap()) {
          return core::Fail(ErrorAt(file, LineOf(r.second),
                                    where + ": settings must be a mapping (threshold, severity, "
                                            "effort, enabled)"));
        }
        RuleOverride o;
        for (const auto& s : r.second) {
          const std::string name = s.first.Scalar();
          if (name == "threshold") {
            MOPS_ASSIGN_OR_RETURN(double t, Number(s.second, file, where, "threshold"));
            if (known->format == "percent" && (t < 0 || t > 1)) {
              return core::Fail(
                  ErrorAt(file, LineOf(s.second), where + ": threshold is a share from 0 to 1"));
            }
            o.threshold = t;
          } else if (name == "severity" || name == "effort") {
            MOPS_ASSIGN_OR_RETURN(std::string v, Text(s.second, file, where, name));
            if (!OneOf(v, {"high", "medium", "low"})) {
              return core::Fail(ErrorAt(file, LineOf(s.second),
                                        where + ": " + name + " must be high, medium or low"));
            }
            (name == "severity" ? o.severity : o.effort) = v;
          } else if (name == "enabled") {
            try {
              o.enabled = s.second.as<bool>();
            } catch (const YAML::Exception&) {
              return core::Fail(
                  ErrorAt(file, LineOf(s.second), where + ": enabled must be true or false"));
            }
          } else {
            return core::Fail(ErrorAt(
                file, LineOf(s.first),
                where + ": unknown setting '" + name + "' (threshold, severity, effort, enabled)"));
          }
        }
        config.rules[id] = o;
      }
    } else {
      return core::Fail(
          ErrorAt(file, LineOf(kv.first), "unknown key '" + key + "' (examples, rules)"));
    }
  }
  return config;
}

std::vector<Rule> ApplyConfig(std::vector<Rule> rules, const AuditConfig& config) {
  std::vector<Rule> out;
  for (Rule& rule : rules) {
    auto it = config.rules.find(rule.id);
    if (it != config.rules.end()) {
      const RuleOverride& o = it->second;
      if (!o.enabled) continue;
      if (o.threshold) rule.threshold = *o.threshold;
      if (o.severity) rule.severity = *o.severity;
      if (o.effort) rule.effort = *o.effort;
    }
    out.push_back(std::move(rule));
  }
  return out;
}

}  // namespace mops::report
