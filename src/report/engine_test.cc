// The audit engine: the shipped rules, evaluation with hand-computed scores,
// savings and pipeline at risk, the config, the diff, the renderers, and the
// document against the committed JSON Schema.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "report/report.h"

namespace mops::report {
namespace {

Rule MakeRule(std::string id, std::string metric, Comparison cmp, double threshold,
              std::string severity) {
  Rule r;
  r.id = std::move(id);
  r.area = r.id.substr(0, r.id.find('.'));
  r.title = "title of " + r.id;
  r.metric = std::move(metric);
  r.comparison = cmp;
  r.threshold = threshold;
  r.severity = std::move(severity);
  r.effort = "low";
  r.evidence = "{value} seen: {examples}";
  r.action = "fix {count:other}";
  r.examples = r.metric;
  return r;
}

TEST(Rules, ShippedFilesParseAndCoverEveryArea) {
  const std::vector<Rule>& rules = DefaultRules();
  std::set<std::string> areas, ids;
  for (const Rule& r : rules) {
    areas.insert(r.area);
    EXPECT_TRUE(ids.insert(r.id).second) << r.id;
    EXPECT_NE(FindArea(r.area), nullptr) << r.id;
    EXPECT_GT(r.line, 0) << r.id;
  }
  EXPECT_EQ(areas.size(), Areas().size());
  EXPECT_GE(rules.size(), 25u);
}

TEST(Rules, ErrorsNameFileLineAndRule) {
  auto bad = ParseRules(
      "area: stack\nrules:\n  - id: stack.x\n    title: X\n    metric: m\n    comparison: \"~\"\n"
      "    threshold: 1\n    severity: high\n    effort: low\n    evidence: e\n    action: a\n",
      "rules/stack.yaml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().file, "rules/stack.yaml");
  EXPECT_EQ(bad.error().line, 6);
  EXPECT_NE(bad.error().message.find("rule 'stack.x'"), std::string::npos);

  auto missing = ParseRules("area: stack\nrules:\n  - id: stack.y\n    title: Y\n", "f.yaml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().line, 3);
  EXPECT_NE(missing.error().message.find("metric is required"), std::string::npos);

  auto wrong_area = ParseRules("area: nowhere\nrules: []\n", "f.yaml");
  ASSERT_FALSE(wrong_area);
  EXPECT_NE(wrong_area.error().message.find("unknown area"), std::string::npos);
}

TEST(Config, OverridesThresholdsSeverityAndTurnsRulesOff) {
  auto config = ParseConfig(
      "examples: 2\nrules:\n  stack.overlap: {threshold: 3, severity: low}\n"
      "  leads.score_inflation: {enabled: false}\n",
      "audit.yaml", DefaultRules());
  ASSERT_TRUE(config) << config.error().ToString();
  EXPECT_EQ(config->examples, 2);
  const std::vector<Rule> rules = ApplyConfig(DefaultRules(), *config);
  EXPECT_EQ(rules.size(), DefaultRules().size() - 1);
  for (const Rule& r : rules) {
    EXPECT_NE(r.id, "leads.score_inflation");
    if (r.id == "stack.overlap") {
      EXPECT_EQ(r.threshold, 3);
      EXPECT_EQ(r.severity, "low");
    }
  }
}

TEST(Config, ErrorsNameRuleAndLine) {
  auto unknown =
      ParseConfig("rules:\n  stack.nope: {threshold: 1}\n", "audit.yaml", DefaultRules());
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().line, 2);
  EXPECT_NE(unknown.error().message.find("unknown rule 'stack.nope'"), std::string::npos);

  auto bad = ParseConfig("examples: 3\nrules:\n  stack.overlap:\n    threshold: lots\n",
                         "audit.yaml", DefaultRules());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().file, "audit.yaml");
  EXPECT_EQ(bad.error().line, 4);
  EXPECT_NE(bad.error().message.find("rule 'stack.overlap'"), std::string::npos);

  auto share = ParseConfig("rules:\n  attribution.touches_without_utm: {threshold: 20}\n",
                           "audit.yaml", DefaultRules());
  ASSERT_FALSE(share);
  EXPECT_NE(share.error().message.find("share from 0 to 1"), std::string::npos);
}

// Two areas, hand-computed:
// stack: overlap (high, fails, saving $12,000), seats (medium, fails, saving
//   $3,000), syncs (low, passes) -> 100 x 1 / 6 = 17.
// attribution: roles (high, fails, flags opportunities 1 and 2; 2 is closed),
//   utm (medium, no data: source "attribution_extra" missing) -> 100 x 0 / 3 = 0.
// leads: one rule judged on a sample that is too small -> no score.
Facts HandFacts() {
  Facts f;
  f.as_of = 1'700'000'000;
  f.currency = "USD";
  f.metrics = {{"stack.overlap_pairs", 1},
               {"stack.overlap_saving", 1'200'000},
               {"stack.underused_tools", 2},
               {"stack.unused_seat_cost", 300'000},
               {"stack.failing_syncs", 0},
               {"attribution.no_roles", 2},
               {"attribution.no_roles_open", 5'000'000},
               {"leads.mql_to_sql", 0.05},
               {"leads.mqls", 3},
               {"other", 7}};
  f.examples["stack.overlap_pairs"] = {{"tool", 4, "HubSpot + <Marketo>", "both MAP", "#/stack"}};
  f.examples["attribution.no_roles"] = {{"opportunity", 1, "Acme renewal", "", ""},
                                        {"opportunity", 2, "Beta | new", "", ""}};
  f.flagged_opportunities["attribution.no_roles"] = {1, 2};
  f.open_amounts = {{1, 5'000'000}, {3, 700'000}};
  f.missing["attribution_extra"] = "Import more.";
  return f;
}

std::vector<Rule> HandRules() {
  std::vector<Rule> rules = {
      MakeRule("stack.overlap", "stack.overlap_pairs", Comparison::kGreater, 0, "high"),
      MakeRule("stack.seats", "stack.underused_tools", Comparison::kGreater, 0, "medium"),
      MakeRule("stack.syncs", "stack.failing_syncs", Comparison::kGreater, 0, "low"),
      MakeRule("attribution.roles", "attribution.no_roles", Comparison::kGreater, 0, "high"),
      MakeRule("attribution.utm", "attribution.no_roles", Comparison::kGreater, 0, "medium"),
      MakeRule("leads.sql", "leads.mql_to_sql", Comparison::kLess, 0.2, "medium"),
  };
  rules[0].impact_kind = "saving";
  rules[0].impact_metric = "stack.overlap_saving";
  rules[1].impact_kind = "saving";
  rules[1].impact_metric = "stack.unused_seat_cost";
  rules[3].impact_kind = "pipeline";
  rules[3].impact_metric = "attribution.no_roles_open";
  rules[3].flags = "attribution.no_roles";
  rules[4].requires_data = {"attribution_extra"};
  rules[5].sample = "leads.mqls";
  rules[5].min_sample = 20;
  rules[5].format = "percent";
  return rules;
}

TEST(Evaluate, HandComputedScoresSavingsAndPipelineAtRisk) {
  const Audit audit = Evaluate(HandFacts(), HandRules(), 5);
  std::vector<std::string> fired;
  for (const Finding& f : audit.findings) fired.push_back(f.rule);
  // High first, by impact; then medium.
  EXPECT_EQ(fired, (std::vector<std::string>{"attribution.roles", "stack.overlap", "stack.seats"}));
  EXPECT_EQ(audit.passed, (std::vector<std::string>{"stack.syncs"}));
  ASSERT_EQ(audit.areas.size(), 6u);
  std::map<std::string, std::optional<int>> score;
  for (const AreaScore& a : audit.areas) score[a.area] = a.score;
  EXPECT_EQ(score["stack"], 17);  // 1 of 6
  EXPECT_EQ(score["attribution"], 0);
  EXPECT_EQ(score["leads"], std::nullopt);
  EXPECT_EQ(score["data"], std::nullopt);
  EXPECT_EQ(audit.annual_savings, 1'500'000);
  // Opportunity 2 is flagged but closed: not open pipeline.
  EXPECT_EQ(audit.pipeline_at_risk, 5'000'000);
  EXPECT_EQ(audit.at_risk_opportunities, (std::vector<int64_t>{1}));
  EXPECT_EQ(audit.top_actions,
            (std::vector<std::string>{"attribution.roles", "stack.overlap", "stack.seats"}));
  ASSERT_EQ(audit.no_data.size(), 2u);
  EXPECT_EQ(audit.no_data[0].rule, "no_data.attribution_extra");
  EXPECT_EQ(audit.no_data[0].rules, (std::vector<std::string>{"attribution.utm"}));
  EXPECT_EQ(audit.no_data[1].rule, "no_data.leads.mqls");
  EXPECT_NE(audit.no_data[1].action.find("Too little data"), std::string::npos);
  // Templates.
  const Finding& overlap = audit.findings[1];
  EXPECT_EQ(overlap.evidence, "1 seen: HubSpot + <Marketo>");
  EXPECT_EQ(overlap.action, "fix 7");
  EXPECT_EQ(overlap.impact, 1'200'000);
}

TEST(Evaluate, ExamplesAreCappedAndMissingFiguresAreNoData) {
  Facts f = HandFacts();
  const Audit audit = Evaluate(f, HandRules(), 1);
  for (const Finding& x : audit.findings) {
    if (x.rule == "attribution.roles") {
      EXPECT_EQ(x.examples.size(), 1u);
      EXPECT_EQ(x.example_total, 2);
      EXPECT_EQ(x.evidence, "2 seen: Acme renewal and 1 more");
    }
  }
  f.metrics.erase("stack.failing_syncs");
  const Audit without = Evaluate(f, HandRules(), 5);
  bool found = false;
  for (const Finding& x : without.no_data) found |= x.rule == "no_data.stack.failing_syncs";
  EXPECT_TRUE(found);
  EXPECT_EQ(without.areas[0].score, 0);  // overlap and seats judged, both fail
}

TEST(Format, Values) {
  EXPECT_EQ(FormatValue(0.256, "percent", "USD"), "26%");
  EXPECT_EQ(FormatValue(0.004, "percent", "USD"), "0.4%");
  EXPECT_EQ(FormatValue(123'456'78, "money", "USD"), "$123,457");
  EXPECT_EQ(FormatValue(123'400, "money", "EUR"), "€1,234");
  EXPECT_EQ(FormatValue(1234, "count", "USD"), "1,234");
  EXPECT_EQ(FormatValue(1.5, "number", "USD"), "1.50");
  EXPECT_EQ(FormatValue(90, "minutes", "USD"), "90 min");
  EXPECT_EQ(FormatValue(180, "minutes", "USD"), "3.0 h");
}

TEST(Diff, NewResolvedWorseBetterAndScores) {
  Facts f = HandFacts();
  const Json before = ToJson(Evaluate(f, HandRules(), 5));
  f.metrics["stack.overlap_pairs"] = 0;    // resolved
  f.metrics["attribution.no_roles"] = 5;   // worse (more past > 0)
  f.metrics["stack.underused_tools"] = 1;  // better
  f.metrics["stack.failing_syncs"] = 2;    // new
  const Json after = ToJson(Evaluate(f, HandRules(), 5));
  const Json d = Diff(before, after);
  auto rules = [&](const char* kind) {
    std::vector<std::string> out;
    for (const Json& x : d[kind]) out.push_back(x["rule"]);
    return out;
  };
  EXPECT_EQ(rules("new"), (std::vector<std::string>{"stack.syncs"}));
  EXPECT_EQ(rules("resolved"), (std::vector<std::string>{"stack.overlap"}));
  EXPECT_EQ(rules("worse"), (std::vector<std::string>{"attribution.roles"}));
  EXPECT_EQ(rules("better"), (std::vector<std::string>{"stack.seats"}));
  for (const Json& a : d["areas"]) {
    if (a["area"] == "stack") {
      EXPECT_EQ(a["before"], 17);
      EXPECT_EQ(a["after"], 50);  // overlap (3) passes, seats (2) and syncs (1) fail: 3/6
      EXPECT_EQ(a["change"], 33);
    }
  }
}

TEST(Render, HtmlIsSelfContainedEscapedAndHasCharts) {
  Facts f = HandFacts();
  f.sections = Json::array(
      {{{"area", "stack"},
        {"title", "Tech stack"},
        {"figures", Json::array({{{"label", "<b>cost</b>"}, {"value", 1}, {"text", "$1"}}})},
        {"charts", Json::array({{{"title", "Cost"},
                                 {"labels", {"<script>alert(1)</script>", "CRM"}},
                                 {"series", Json::array({{{"name", "cost"}, {"values", {5, 10}}}})},
                                 {"format", "money"}}})},
        {"tables",
         Json::array({{{"title", "Inventory"},
                       {"columns", {"tool"}},
                       {"rows", Json::array({Json::array({"<img src=x onerror=1>"})})}}})},
        {"notes", Json::array()}}});
  const Json doc = ToJson(Evaluate(f, HandRules(), 5));
  const std::string html = Html(doc);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>cost"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("HubSpot + &lt;Marketo&gt;"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  // Two charts (the area scores and the section's), each with bars.
  const std::regex svg("<svg class=\"chart\"");
  EXPECT_EQ(
      std::distance(std::sregex_iterator(html.begin(), html.end(), svg), std::sregex_iterator()),
      2);
  EXPECT_NE(html.find("<rect"), std::string::npos);

  const std::string md = Markdown(doc);
  EXPECT_NE(md.find("## 1. Executive summary"), std::string::npos);
  EXPECT_NE(md.find("Beta \\| new"), std::string::npos);
  EXPECT_NE(md.find("&lt;Marketo&gt;"), std::string::npos);
}

// ------------------------------------------------------------------ schema
//
// A validator for the subset of JSON Schema (draft-07) the committed schema
// uses: type, const, enum, required, properties, additionalProperties:
// false, items, minItems, maxItems, minimum, maximum, minLength, pattern,
// $ref to #/definitions/NAME.
class Validator {
 public:
  explicit Validator(Json schema) : root_(std::move(schema)) {}
  std::vector<std::string> Check(const Json& doc) {
    errors_.clear();
    Walk(root_, doc, "$");
    return errors_;
  }

 private:
  static bool IsType(const Json& v, const std::string& type) {
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "string") return v.is_string();
    if (type == "integer") return v.is_number_integer();
    if (type == "number") return v.is_number();
    if (type == "boolean") return v.is_boolean();
    if (type == "null") return v.is_null();
    return false;
  }
  void Walk(const Json& s, const Json& v, const std::string& at) {
    if (s.contains("$ref")) {
      const std::string ref = s["$ref"];
      Walk(root_["definitions"][ref.substr(std::string("#/definitions/").size())], v, at);
      return;
    }
    if (s.contains("type")) {
      bool ok = false;
      if (s["type"].is_array()) {
        for (const Json& t : s["type"]) ok |= IsType(v, t);
      } else {
        ok = IsType(v, s["type"]);
      }
      if (!ok) return Err(at, "type " + s["type"].dump() + ", got " + v.dump().substr(0, 60));
    }
    if (s.contains("const") && v != s["const"]) Err(at, "const " + s["const"].dump());
    if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end()) {
      Err(at, "enum, got " + v.dump());
    }
    if (v.is_number()) {
      if (s.contains("minimum") && v.get<double>() < s["minimum"].get<double>()) Err(at, "minimum");
      if (s.contains("maximum") && v.get<double>() > s["maximum"].get<double>()) Err(at, "maximum");
    }
    if (v.is_string()) {
      const std::string text = v;
      if (s.contains("minLength") && text.size() < s["minLength"].get<size_t>())
        Err(at, "minLength");
      if (s.contains("pattern") &&
          !std::regex_search(text, std::regex(s["pattern"].get<std::string>()))) {
        Err(at, "pattern " + s["pattern"].get<std::string>() + ", got " + text);
      }
    }
    if (v.is_object()) {
      for (const Json& r : s.value("required", Json::array())) {
        if (!v.contains(r.get<std::string>())) Err(at, "required " + r.get<std::string>());
      }
      const Json props = s.value("properties", Json::object());
      for (const auto& [k, x] : v.items()) {
        if (props.contains(k)) {
          Walk(props[k], x, at + "." + k);
        } else if (s.contains("additionalProperties") && s["additionalProperties"] == false) {
          Err(at, "additional property " + k);
        }
      }
    }
    if (v.is_array()) {
      if (s.contains("minItems") && v.size() < s["minItems"].get<size_t>()) Err(at, "minItems");
      if (s.contains("maxItems") && v.size() > s["maxItems"].get<size_t>()) Err(at, "maxItems");
      if (s.contains("items")) {
        for (size_t i = 0; i < v.size(); ++i)
          Walk(s["items"], v[i], at + "[" + std::to_string(i) + "]");
      }
    }
  }
  void Err(const std::string& at, const std::string& what) { errors_.push_back(at + ": " + what); }
  Json root_;
  std::vector<std::string> errors_;
};

Json LoadSchema() {
  std::ifstream in(MOPS_REPORT_SCHEMA);
  return Json::parse(in);
}

TEST(Schema, AuditDocumentValidates) {
  Validator v(LoadSchema());
  Facts f = HandFacts();
  Json doc = ToJson(Evaluate(f, HandRules(), 5));
  EXPECT_EQ(v.Check(doc), std::vector<std::string>{});
  doc["diff"] = Diff(doc, doc);
  EXPECT_EQ(v.Check(doc), std::vector<std::string>{});
  // The validator does catch a broken document.
  doc["summary"]["areas"][0]["score"] = 140;
  doc["findings"][0]["severity"] = "urgent";
  EXPECT_EQ(v.Check(doc).size(), 2u);
}

}  // namespace
}  // namespace mops::report
