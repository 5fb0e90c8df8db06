// The marketing operations audit: one report, built from what every other
// slice computes (stack, attribution, data quality, lead management, campaign
// operations, analytics), turned into findings with evidence, an action, an
// effort and an estimated impact, a 0-100 score per area, the top actions,
// the annual savings found and the pipeline at risk.
//
// Two halves:
// - The engine (rules.cc, engine.cc, render.cc, diff.cc) is pure: the facts
//   (named figures, example records, the data that is missing) and the rules
//   go in, the audit comes out; renderers and the diff work on the audit's
//   JSON document, so a stored run renders exactly as it was. No I/O, no
//   clock. Thread-safe: nothing is shared.
// - The service (service.cc) gathers the facts from a workspace through the
//   other slices' services, and stores and lists runs (audit_runs).
//
// The rules are data: one YAML file per area in src/report/rules/, embedded
// into the binary; the `audit` config overrides thresholds and severities
// and turns rules off (README.md has the formats and the score formula).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace mops::store {
class Database;
}

namespace mops::report {

using Json = nlohmann::json;
using core::Timestamp;

// Findings sort by severity: 0 for high, 1 for medium, 2 for anything else.
int SeverityRank(std::string_view severity);

// The six areas, in report order, and their titles.
struct AreaInfo {
  std::string_view id;
  std::string_view title;
};
const std::vector<AreaInfo>& Areas();
const AreaInfo* FindArea(std::string_view id);

// ---------------------------------------------------------------- facts

// One record behind a figure: what it is, its id, a label, and where the
// dashboard shows it ("#/leads?contact=12").
struct Example {
  std::string kind;  // contact, account, opportunity, campaign, tool, integration, rule, ...
  int64_t id = 0;    // 0 when the record has no workspace id (a UTM value, a field)
  std::string label;
  std::string detail;
  std::string link;
};

// Everything the rules read, gathered by the service (or built by hand in
// tests). Money is in minor units of `currency`.
struct Facts {
  Timestamp as_of = 0;
  std::string currency = "USD";
  // Named figures: "stack.overlap_pairs" -> 1.
  std::map<std::string, double> metrics;
  // Records behind a figure, by the figure's name (as many as the service
  // chose to keep; the report shows the first few).
  std::map<std::string, std::vector<Example>> examples;
  // Data sources that the workspace lacks, and what to do to get them:
  // "attribution" -> "Import opportunities ... then run `mops attribute`".
  std::map<std::string, std::string> missing;
  // Open opportunities that a figure flags (every one, not a sample), and
  // the open amount of every open opportunity: the pipeline at risk.
  std::map<std::string, std::vector<int64_t>> flagged_opportunities;
  std::map<int64_t, int64_t> open_amounts;
  // Tables and chart series of sections 2-7, as the renderers read them.
  Json sections = Json::array();
  // Wall seconds spent gathering each area (for the benchmark).
  std::map<std::string, double> seconds;
};

// ---------------------------------------------------------------- rules

enum class Comparison { kGreater, kGreaterOrEqual, kLess, kLessOrEqual };
std::string_view ComparisonText(Comparison c);  // ">", ">=", "<", "<="

struct Rule {
  std::string id;  // "stack.overlap"
  std::string area;
  std::string title;
  std::string metric;  // the named fact compared
  Comparison comparison = Comparison::kGreater;
  double threshold = 0;
  std::string severity;  // high, medium, low
  std::string effort;    // low, medium, high
  // Data sources the rule needs (Facts::missing keys): a missing one makes
  // the rule "no data".
  std::vector<std::string> requires_data;
  // Below `min_sample` of the figure `sample`, the rule has too little data
  // to judge (counted as no data).
  std::string sample;
  double min_sample = 0;
  std::string format = "count";  // count, percent, money, number, days, minutes
  std::string evidence;          // templates: see README.md
  std::string action;
  // Estimated impact: kind saving (annual money saved), pipeline (open
  // pipeline affected) or cost; amount = metric x factor, in minor units.
  std::string impact_kind;
  std::string impact_metric;
  double impact_factor = 1;
  std::string examples;  // the figure whose examples are shown (default: metric)
  std::string flags;     // the figure whose flagged opportunities are at risk
  int line = 0;          // in its rules file
  std::string file;
};

// Parses one rules file ("area: stack\nrules: [...]"); errors name the file,
// the line and the rule id.
core::Result<std::vector<Rule>> ParseRules(std::string_view yaml, std::string_view file);
// The shipped rules of every area, in area order (parsed once).
const std::vector<Rule>& DefaultRules();
// The shipped rules files: (file name, text).
const std::vector<std::pair<std::string, std::string_view>>& RuleFiles();

// The `audit` config:
//   examples: 5                 # example records per finding (1..50)
//   rules:
//     stack.overlap: {threshold: 1, severity: medium}
//     leads.score_inflation: {enabled: false}
struct RuleOverride {
  std::optional<double> threshold;
  std::optional<std::string> severity;
  std::optional<std::string> effort;
  bool enabled = true;
};
struct AuditConfig {
  int examples = 5;
  std::map<std::string, RuleOverride> rules;
};
// Errors name the file, the line and the rule id or key at fault.
core::Result<AuditConfig> ParseConfig(std::string_view yaml, std::string_view file,
                                      const std::vector<Rule>& rules);
// The rules with the config's overrides applied (disabled ones removed).
std::vector<Rule> ApplyConfig(std::vector<Rule> rules, const AuditConfig& config);

// ---------------------------------------------------------------- engine

struct Finding {
  std::string rule;  // the rule id, or "no_data.<source>" for a missing source
  std::string area;
  std::string title;
  std::string status;  // "fail" or "no_data"
  std::string severity;
  std::string effort;
  std::string metric;
  double value = 0;
  double threshold = 0;
  std::string comparison;
  std::string format;
  std::string evidence;
  std::string action;
  std::vector<Example> examples;
  int64_t example_total = 0;       // how many records the figure has
  std::string impact_kind;         // saving, pipeline, cost or empty
  int64_t impact = 0;              // minor units
  std::vector<std::string> rules;  // no_data: the rules it leaves unjudged
};

struct AreaScore {
  std::string area, title;
  std::optional<int> score;  // none when no rule could be judged
  int rules = 0, passed = 0, failed = 0, no_data = 0;
};

struct Audit {
  Timestamp as_of = 0;
  std::string currency;
  std::vector<AreaScore> areas;
  std::vector<Finding> findings;  // failed rules: by severity, then impact, then id
  std::vector<Finding> no_data;   // one per missing source and area
  std::vector<std::string> passed;
  std::vector<std::string> top_actions;  // rule ids of the 5 findings of most impact
  int64_t annual_savings = 0;            // sum of the saving impacts of the findings
  int64_t pipeline_at_risk = 0;          // open amount of the flagged opportunities
  std::vector<int64_t> at_risk_opportunities;
  Json sections = Json::array();
};

// Judges every rule on the facts. Area score = 100 x (sum of the weights of
// the rules that passed) / (sum of the weights of the rules judged), with
// weights high 3, medium 2, low 1; rules without data are not judged.
Audit Evaluate(const Facts& facts, const std::vector<Rule>& rules, int max_examples = 5);

// The audit as the JSON document that audit.schema.json describes, and back
// (what --diff and stored runs read).
Json ToJson(const Audit& audit);

// What changed between two audits' JSON documents: per area the score
// before and after, and the findings that are new, resolved, worse (higher
// severity, or the figure further past its threshold) or better.
Json Diff(const Json& before, const Json& after);

// Renderers of an audit document (with its "diff" when present).
std::string Markdown(const Json& audit);
// One self-contained HTML file: inline CSS (screen and print) and inline SVG
// charts, no script, no external asset; every string from data is escaped
// (core::HtmlEscape).
std::string Html(const Json& audit);

// Text of a figure in a rule's format ("12%", "$1,200", "3").
std::string FormatValue(double value, std::string_view format, std::string_view currency);

// ---------------------------------------------------------------- service

struct RunOptions {
  Timestamp as_of = 0;  // 0: now
  std::string actor = "cli";
  bool served = true;  // examples carry dashboard links
};

// Reads the stored `audit` config (the shipped defaults when none).
core::Result<AuditConfig> LoadConfig(store::Database& db);
// Gathers the facts of every area; a slice whose data is missing gives a
// Facts::missing entry, never an error.
core::Result<Facts> GatherFacts(store::Database& db, const RunOptions& options);
// Facts, rules and config together: the audit's JSON document.
core::Result<Json> RunAudit(store::Database& db, const RunOptions& options);

struct StoredRun {
  int64_t id = 0;
  Timestamp created_at = 0;
  Timestamp as_of = 0;
  std::string actor;
  Json audit;
};
// Runs the audit and stores it (one transaction); returns the stored run.
core::Result<StoredRun> RunAndStore(store::Database& db, const RunOptions& options);
// Stored runs, newest first, without their documents' findings (summary only).
core::Result<std::vector<StoredRun>> ListRuns(store::Database& db, int limit);
core::Result<StoredRun> LoadRun(store::Database& db, int64_t id);
// The run stored before `id`, if any.
core::Result<std::optional<StoredRun>> PreviousRun(store::Database& db, int64_t id);

// PDF from HTML with headless Chromium: kUnavailable naming what to install
// (and how to get HTML instead) when no Chromium is on PATH.
core::Status WritePdf(const std::string& html, const std::string& out_path);
// The same PDF as bytes (for a download), printed into a temporary file.
core::Result<std::string> PdfBytes(const std::string& html);

}  // namespace mops::report
