// The `quality` config (validation rules and survivorship), rule evaluation
// and the data-quality score.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <regex>
#include <set>
#include <unordered_map>

#include "core/strings.h"
#include "core/time.h"
#include "quality/engine.h"

namespace mops::quality {
namespace {

using core::ErrorCode;

constexpr std::string_view kDefaultYaml =
    R"YAML(# The default data-quality rules of mops. Replace them with
#   mops quality rules set FILE
rules:
  - name: contact_email_required
    entity: contacts
    type: required
    fields: [email]
    weight: 3
  - name: contact_email_format
    entity: contacts
    type: pattern
    field: email
    pattern: "[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}"
    weight: 2
  - name: contact_name_required
    entity: contacts
    type: required
    fields: [first_name, last_name]
  - name: contact_country_iso
    entity: contacts
    type: pattern
    field: country
    pattern: "[A-Z]{2}"
    message: country is not an ISO 3166-1 alpha-2 code (run mops quality standardize)
  - name: contact_phone_e164
    entity: contacts
    type: pattern
    field: phone
    pattern: "\\+[1-9][0-9]{6,14}(;ext=[0-9]+)?"
    message: phone is not in E.164 form
  - name: contact_lifecycle_stage
    entity: contacts
    type: allowed
    field: lifecycle_stage
    values: [subscriber, lead, mql, sql, opportunity, customer, evangelist, recycled, disqualified]
  - name: customer_has_account
    entity: contacts
    type: cross_field
    when: {field: lifecycle_stage, in: [opportunity, customer, evangelist]}
    require: [account_id]
    weight: 2
  - name: contact_stale
    entity: contacts
    type: stale
    days: 365
  - name: account_name_domain_required
    entity: accounts
    type: required
    fields: [name, domain]
    weight: 3
  - name: account_domain_format
    entity: accounts
    type: pattern
    field: domain
    pattern: "[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}"
  - name: account_country_iso
    entity: accounts
    type: pattern
    field: country
    pattern: "[A-Z]{2}"
  - name: account_industry_required
    entity: accounts
    type: required
    fields: [industry]
  - name: account_stale
    entity: accounts
    type: stale
    days: 730
merge:
  survivor: most_complete
  source_priority: [salesforce, hubspot]
  fields:
    lifecycle_stage: most_recent
    lead_status: most_recent
    owner_id: most_recent
)YAML";

bool ValidIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 63 || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z'))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == '_' || core::IsAsciiDigit(c) || (c >= 'a' && c <= 'z');
  });
}

struct RuleError {
  std::string source;
  const Rule* rule;
  int64_t line;

  template <typename... Args>
  std::unexpected<core::Error> operator()(fmt::format_string<Args...> format,
                                          Args&&... args) const {
    std::string where =
        rule && !rule->name.empty() ? fmt::format("rule '{}'", rule->name) : std::string("a rule");
    core::Error e = core::MakeError(
        ErrorCode::kInvalidArgument,
        fmt::format("{}: {}", where, fmt::format(format, std::forward<Args>(args)...)));
    e.At(source, line);
    return std::unexpected(std::move(e));
  }
};

int64_t LineOf(const YAML::Node& node) { return node.Mark().line >= 0 ? node.Mark().line + 1 : 0; }

core::Result<std::vector<std::string>> StringList(const YAML::Node& node, const RuleError& fail,
                                                  std::string_view key) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      if (!item.IsScalar()) return fail("'{}' must be a list of strings", key);
      out.push_back(item.as<std::string>());
    }
  } else {
    return fail("'{}' must be a string or a list of strings", key);
  }
  return out;
}

core::Result<FieldRule> ParseFieldRule(std::string_view name) {
  if (name == "non_empty") return FieldRule::kNonEmpty;
  if (name == "most_recent") return FieldRule::kMostRecent;
  if (name == "union") return FieldRule::kUnion;
  return core::Fail(ErrorCode::kInvalidArgument,
                    "unknown field rule '{}' (expected non_empty, most_recent or union)", name);
}

core::Result<Rule> ParseRule(const YAML::Node& node, size_t index, std::string_view source) {
  Rule rule;
  rule.line = LineOf(node);
  RuleError fail{std::string(source), nullptr, rule.line};
  if (!node.IsMap()) return fail("rule {} must be a mapping", index + 1);
  if (!node["name"] || !node["name"].IsScalar()) return fail("rule {} has no name", index + 1);
  rule.name = node["name"].as<std::string>();
  fail.rule = &rule;
  static const std::set<std::string> kKeys = {"name",    "entity", "type",    "fields",
                                              "field",   "values", "pattern", "when",
                                              "require", "days",   "weight",  "message"};
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!kKeys.contains(key)) {
      fail.line = LineOf(kv.first);
      return fail("unknown key '{}'", key);
    }
  }
  auto scalar = [&](const char* key) -> core::Result<std::string> {
    if (!node[key]) return fail("'{}' is required", key);
    if (!node[key].IsScalar()) return fail("'{}' must be a string", key);
    return node[key].as<std::string>();
  };
  MOPS_ASSIGN_OR_RETURN(rule.entity, scalar("entity"));
  if (rule.entity != "contacts" && rule.entity != "accounts") {
    return fail("entity '{}' is not contacts or accounts", rule.entity);
  }
  MOPS_ASSIGN_OR_RETURN(rule.type, scalar("type"));
  if (node["weight"]) {
    try {
      rule.weight = node["weight"].as<double>();
    } catch (const YAML::Exception&) {
      return fail("weight must be a number");
    }
    if (!(rule.weight > 0 && rule.weight <= 100)) return fail("weight must be in (0, 100]");
  }
  if (node["message"]) {
    MOPS_ASSIGN_OR_RETURN(rule.message, scalar("message"));
  }

  if (rule.type == "required") {
    if (!node["fields"]) return fail("'fields' is required for a required rule");
    MOPS_ASSIGN_OR_RETURN(rule.fields, StringList(node["fields"], fail, "fields"));
  } else if (rule.type == "allowed" || rule.type == "pattern") {
    MOPS_ASSIGN_OR_RETURN(std::string field, scalar("field"));
    rule.fields = {field};
    if (rule.type == "allowed") {
      if (!node["values"]) return fail("'values' is required for an allowed rule");
      MOPS_ASSIGN_OR_RETURN(rule.values, StringList(node["values"], fail, "values"));
    } else {
      MOPS_ASSIGN_OR_RETURN(rule.pattern, scalar("pattern"));
      try {
        std::regex check(rule.pattern);
      } catch (const std::regex_error& e) {
        return fail("pattern '{}' is not a valid regular expression: {}", rule.pattern, e.what());
      }
    }
  } else if (rule.type == "cross_field") {
    const YAML::Node when = node["when"];
    if (!when || !when.IsMap() || !when["field"]) {
      return fail("'when' must be a mapping with 'field' and 'in' (or 'equals')");
    }
    rule.when_field = when["field"].as<std::string>();
    const YAML::Node values = when["in"] ? when["in"] : when["equals"];
    if (!values) return fail("'when' needs 'in' or 'equals'");
    MOPS_ASSIGN_OR_RETURN(rule.when_values, StringList(values, fail, "when.in"));
    if (!node["require"]) return fail("'require' is required for a cross_field rule");
    MOPS_ASSIGN_OR_RETURN(rule.fields, StringList(node["require"], fail, "require"));
    if (!ValidIdentifier(rule.when_field)) {
      return fail("'{}' is not a field name", rule.when_field);
    }
  } else if (rule.type == "stale") {
    if (!node["days"]) return fail("'days' is required for a stale rule");
    try {
      rule.days = node["days"].as<int64_t>();
    } catch (const YAML::Exception&) {
      return fail("days must be a whole number");
    }
    if (rule.days <= 0) return fail("days must be positive");
  } else {
    return fail("unknown type '{}' (expected required, allowed, pattern, cross_field or stale)",
                rule.type);
  }
  for (const std::string& f : rule.fields) {
    if (!ValidIdentifier(f)) return fail("'{}' is not a field name", f);
  }
  return rule;
}

}  // namespace

core::Result<QualityConfig> ParseQualityConfig(std::string_view yaml, std::string_view source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    return core::Fail(core::MakeError(ErrorCode::kParse, e.msg)
                          .At(std::string(source), e.mark.line + 1, e.mark.column + 1));
  }
  QualityConfig config;
  if (root.IsNull()) return config;
  if (!root.IsMap()) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      "the quality config must be a mapping with 'rules' and "
                                      "'merge'")
                          .At(std::string(source), LineOf(root)));
  }
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (key != "rules" && key != "merge") {
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                        "unknown key '" + key + "' (expected rules, merge)")
                            .At(std::string(source), LineOf(kv.first)));
    }
  }
  if (const YAML::Node rules = root["rules"]) {
    if (!rules.IsSequence()) {
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument, "'rules' must be a list")
                            .At(std::string(source), LineOf(rules)));
    }
    std::set<std::string> names;
    try {
      for (size_t i = 0; i < rules.size(); ++i) {
        MOPS_ASSIGN_OR_RETURN(Rule rule, ParseRule(rules[i], i, source));
        if (!names.insert(rule.name).second) {
          return RuleError{std::string(source), &rule, rule.line}("the name is used twice");
        }
        config.rules.push_back(std::move(rule));
      }
    } catch (const YAML::Exception& e) {
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument, e.msg)
                            .At(std::string(source), e.mark.line + 1));
    }
  }
  if (const YAML::Node merge = root["merge"]) {
    auto fail = [&](const YAML::Node& at, std::string message) {
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument, "merge: " + message)
                            .At(std::string(source), LineOf(at)));
    };
    if (!merge.IsMap()) return fail(merge, "must be a mapping");
    try {
      for (const auto& kv : merge) {
        const std::string key = kv.first.as<std::string>();
        if (key == "survivor") {
          const std::string v = kv.second.as<std::string>();
          if (v == "most_complete") {
            config.survivorship.survivor = SurvivorRule::kMostComplete;
          } else if (v == "most_recent") {
            config.survivorship.survivor = SurvivorRule::kMostRecent;
          } else if (v == "oldest") {
            config.survivorship.survivor = SurvivorRule::kOldest;
          } else if (v == "source_priority") {
            config.survivorship.survivor = SurvivorRule::kSourcePriority;
          } else {
            return fail(kv.second, "unknown survivor rule '" + v +
                                       "' (expected most_complete, most_recent, oldest, "
                                       "source_priority)");
          }
        } else if (key == "source_priority") {
          if (!kv.second.IsSequence()) return fail(kv.second, "source_priority must be a list");
          for (const auto& s : kv.second) {
            config.survivorship.source_priority.push_back(s.as<std::string>());
          }
        } else if (key == "default") {
          auto rule = ParseFieldRule(kv.second.as<std::string>());
          if (!rule) return fail(kv.second, rule.error().message);
          config.survivorship.default_field_rule = *rule;
        } else if (key == "fields") {
          if (!kv.second.IsMap()) return fail(kv.second, "fields must be a mapping");
          for (const auto& f : kv.second) {
            const std::string field = f.first.as<std::string>();
            if (!ValidIdentifier(field))
              return fail(f.first, "'" + field + "' is not a field name");
            auto rule = ParseFieldRule(f.second.as<std::string>());
            if (!rule) return fail(f.second, "field " + field + ": " + rule.error().message);
            config.survivorship.field_rules[field] = *rule;
          }
        } else {
          return fail(kv.first, "unknown key '" + key +
                                    "' (expected survivor, source_priority, default, fields)");
        }
      }
    } catch (const YAML::Exception& e) {
      return fail(merge, e.msg);
    }
  }
  return config;
}

std::string_view DefaultQualityConfigYaml() { return kDefaultYaml; }

const QualityConfig& DefaultQualityConfig() {
  static const QualityConfig config = *ParseQualityConfig(kDefaultYaml, "default quality config");
  return config;
}

int RecordTable::FieldIndex(std::string_view name) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i] == name) return static_cast<int>(i);
  }
  return -1;
}

std::vector<std::string> RuleFields(std::span<const Rule> rules, std::string_view entity) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& f) {
    if (!f.empty() && std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  };
  for (const Rule& r : rules) {
    if (r.entity != entity) continue;
    for (const auto& f : r.fields) add(f);
    add(r.when_field);
  }
  return out;
}

CheckResult CheckRecords(const RecordTable& table, std::span<const Rule> rules, int64_t as_of) {
  CheckResult result;
  const size_t n = table.ids.size();
  auto value = [&](int field, size_t r) -> const std::string& {
    static const std::string kEmpty;
    return field < 0 ? kEmpty : table.values[static_cast<size_t>(field)][r];
  };

  // Field stats: filled and valid, for every field the table carries.
  std::vector<std::vector<uint8_t>> invalid(table.fields.size(), std::vector<uint8_t>(n, 0));

  for (const Rule& rule : rules) {
    if (rule.entity != table.entity) continue;
    RuleResult rr;
    rr.rule = &rule;
    std::vector<int> idx;
    for (const auto& f : rule.fields) idx.push_back(table.FieldIndex(f));
    const int when = rule.when_field.empty() ? -1 : table.FieldIndex(rule.when_field);
    std::optional<std::regex> re;
    if (rule.type == "pattern") re.emplace(rule.pattern, std::regex::optimize);
    for (size_t r = 0; r < n; ++r) {
      if (rule.type == "required") {
        ++rr.checked;
        bool failed = false;
        for (size_t k = 0; k < idx.size(); ++k) {
          if (value(idx[k], r).empty()) {
            failed = true;
            rr.violations.push_back({table.ids[r], rule.fields[k], ""});
            break;
          }
        }
        rr.failed += failed;
      } else if (rule.type == "allowed" || rule.type == "pattern") {
        const std::string& v = value(idx[0], r);
        if (v.empty()) continue;  // absence is the business of required rules
        ++rr.checked;
        const bool ok = rule.type == "allowed" ? std::find(rule.values.begin(), rule.values.end(),
                                                           v) != rule.values.end()
                                               : std::regex_match(v, *re);
        if (!ok) {
          ++rr.failed;
          rr.violations.push_back({table.ids[r], rule.fields[0], v});
          if (idx[0] >= 0) invalid[static_cast<size_t>(idx[0])][r] = 1;
        }
      } else if (rule.type == "cross_field") {
        const std::string& w = value(when, r);
        if (std::find(rule.when_values.begin(), rule.when_values.end(), w) ==
            rule.when_values.end()) {
          continue;
        }
        ++rr.checked;
        for (size_t k = 0; k < idx.size(); ++k) {
          if (value(idx[k], r).empty()) {
            ++rr.failed;
            rr.violations.push_back({table.ids[r], rule.fields[k], ""});
            break;
          }
        }
      } else if (rule.type == "stale") {
        ++rr.checked;
        const int64_t at = r < table.updated_at.size() ? table.updated_at[r] : 0;
        if (at == 0 || as_of - at > rule.days * 86400) {
          ++rr.failed;
          rr.violations.push_back(
              {table.ids[r], "updated_at", at == 0 ? std::string() : core::FormatDate(at)});
        }
      }
    }
    result.rules.push_back(std::move(rr));
  }

  for (size_t f = 0; f < table.fields.size(); ++f) {
    FieldStats stats;
    stats.field = table.fields[f];
    stats.records = static_cast<int64_t>(n);
    for (size_t r = 0; r < n; ++r) {
      if (table.values[f][r].empty()) continue;
      ++stats.filled;
      stats.valid += invalid[f][r] ? 0 : 1;
    }
    result.fields.push_back(std::move(stats));
  }

  // Scores: overall, then per source. A rule's pass rate within a group
  // needs its checked/failed counts per group, recomputed from the
  // violations (each violation is one failed record).
  std::vector<std::string> sources;
  std::unordered_map<std::string, size_t> source_of;
  std::vector<size_t> record_source(n, 0);
  for (size_t r = 0; r < n; ++r) {
    const std::string& s = r < table.source_system.size() ? table.source_system[r] : "";
    auto [it, inserted] = source_of.emplace(s, sources.size());
    if (inserted) sources.push_back(s);
    record_source[r] = it->second;
  }
  std::unordered_map<int64_t, size_t> row_of;
  row_of.reserve(n);
  for (size_t r = 0; r < n; ++r) row_of[table.ids[r]] = r;

  std::vector<double> weighted(sources.size() + 1, 0), weights(sources.size() + 1, 0);
  std::vector<int64_t> group_records(sources.size() + 1, 0);
  group_records[0] = static_cast<int64_t>(n);
  for (size_t r = 0; r < n; ++r) ++group_records[record_source[r] + 1];
  for (const RuleResult& rr : result.rules) {
    std::vector<int64_t> checked(sources.size() + 1, 0), failed(sources.size() + 1, 0);
    checked[0] = rr.checked;
    failed[0] = rr.failed;
    if (!sources.empty()) {
      // checked per source: records the rule applies to; recount cheaply by
      // rule type (required/stale apply to all, others to non-empty values).
      const Rule& rule = *rr.rule;
      const int f0 = rule.fields.empty() ? -1 : table.FieldIndex(rule.fields[0]);
      const int when = rule.when_field.empty() ? -1 : table.FieldIndex(rule.when_field);
      for (size_t r = 0; r < n; ++r) {
        bool applies = true;
        if (rule.type == "allowed" || rule.type == "pattern") {
          applies = !value(f0, r).empty();
        } else if (rule.type == "cross_field") {
          applies = std::find(rule.when_values.begin(), rule.when_values.end(), value(when, r)) !=
                    rule.when_values.end();
        }
        if (applies) ++checked[record_source[r] + 1];
      }
      for (const Violation& v : rr.violations) ++failed[record_source[row_of[v.record_id]] + 1];
    }
    for (size_t g = 0; g < checked.size(); ++g) {
      if (checked[g] == 0) continue;
      const double pass = 1.0 - static_cast<double>(failed[g]) / static_cast<double>(checked[g]);
      weighted[g] += rr.rule->weight * pass;
      weights[g] += rr.rule->weight;
    }
  }
  for (size_t g = 0; g < sources.size() + 1; ++g) {
    EntityScore s;
    s.entity = table.entity;
    s.source_system = g == 0 ? std::string() : sources[g - 1];
    s.records = group_records[g];
    s.score = weights[g] > 0 ? 100.0 * weighted[g] / weights[g] : 100.0;
    result.scores.push_back(std::move(s));
  }
  std::sort(
      result.scores.begin() + 1, result.scores.end(),
      [](const EntityScore& a, const EntityScore& b) { return a.source_system < b.source_system; });
  return result;
}

}  // namespace mops::quality
