// CLI verbs: `mops quality standardize|rules|check|score|violations|merge|
// merges|undo|match-accounts`.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include "cli/cli.h"
#include "cli/cli11.h"
#include "core/csv.h"
#include "core/numbers.h"
#include "core/strings.h"
#include "core/time.h"
#include "quality/quality.h"

namespace mops::quality {
namespace {

using core::ErrorCode;

std::string Fixed1(double v) { return fmt::format("{:.1f}", v); }

core::Result<int64_t> ParseAsOf(const std::string& text) {
  if (text.empty()) return int64_t{0};
  auto t = core::ParseTimestamp(text);
  if (!t) return std::unexpected(std::move(t).error().InField("--as-of"));
  return *t;
}

core::Result<std::vector<int64_t>> ParseIds(const std::string& text) {
  std::vector<int64_t> ids;
  for (std::string_view part : core::Split(text, ',')) {
    part = core::Trim(part);
    if (part.empty()) continue;
    auto id = core::ParseInt(part);
    if (!id || *id <= 0) {
      return core::Fail(
          core::MakeError(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a record id", part))
              .InField("--ids"));
    }
    ids.push_back(*id);
  }
  return ids;
}

void PrintStandardize(cli::Context& ctx, const StandardizeReport& r) {
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(ToJson(r), std::cout);
    return;
  }
  std::map<std::string, const FieldChange*> example;
  for (const auto& [field, change] : r.examples) example[field] = &change;
  cli::Table table{{"field", "records changed", "example"}, {}, {false, true, false}};
  for (const auto& [field, n] : r.per_field) {
    std::string shown;
    if (auto it = example.find(field); it != example.end()) {
      const FieldChange& c = *it->second;
      shown = fmt::format("#{}: '{}' -> '{}'", c.id, c.before.substr(0, 40), c.after.substr(0, 40));
    }
    table.rows.push_back({field, std::to_string(n), shown});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  if (ctx.format() == cli::Format::kTable) {
    std::cout << fmt::format(
        "{} {} records of {} contacts and {} accounts ({} field changes) in {:.2f} s{}\n",
        r.dry_run ? "would change" : "changed", r.records_changed, r.contacts, r.accounts,
        r.changes, r.seconds, r.dry_run ? " (dry run: nothing written)" : "");
  }
}

void PrintCheck(cli::Context& ctx, const CheckReport& r) {
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(ToJson(r), std::cout);
    return;
  }
  cli::Table scores{{"entity", "source", "records", "score"}, {}, {false, false, true, true}};
  for (const EntityScore& s : r.scores) {
    scores.rows.push_back({s.entity, s.source_system.empty() ? "(all)" : s.source_system,
                           std::to_string(s.records), Fixed1(s.score)});
  }
  cli::PrintTable(scores, ctx.format(), std::cout);
  if (ctx.format() == cli::Format::kCsv) return;
  std::cout << "\n";
  cli::Table rules{
      {"rule", "entity", "checked", "failed", "examples"}, {}, {false, false, true, true, false}};
  for (const RuleSummary& s : r.rules) {
    std::vector<std::string> examples;
    for (const Violation& v : s.examples) {
      examples.push_back(v.value.empty() ? fmt::format("#{}", v.record_id)
                                         : fmt::format("#{} {}={}", v.record_id, v.field, v.value));
    }
    if (examples.size() > 3) examples.resize(3);
    rules.rows.push_back({s.name, s.entity, std::to_string(s.checked), std::to_string(s.failed),
                          core::Join(examples, ", ")});
  }
  cli::PrintTable(rules, ctx.format(), std::cout);
  std::cout << "\n";
  cli::Table fields{{"entity", "field", "complete %", "valid %"}, {}, {false, false, true, true}};
  for (const FieldSummary& f : r.fields) {
    const double n = static_cast<double>(std::max<int64_t>(f.stats.records, 1));
    fields.rows.push_back({f.entity, f.stats.field,
                           Fixed1(100.0 * static_cast<double>(f.stats.filled) / n),
                           f.stats.filled == 0 ? "-"
                                               : Fixed1(100.0 * static_cast<double>(f.stats.valid) /
                                                        static_cast<double>(f.stats.filled))});
  }
  cli::PrintTable(fields, ctx.format(), std::cout);
  if (r.run_id != 0) std::cout << fmt::format("\nstored as run {}\n", r.run_id);
}

}  // namespace

CLI::App* RegisterCommands(CLI::App& app, cli::Context& ctx, ClusterSource clusters) {
  auto* quality = cli::AddVerb(app, "quality", "Data quality: standardize, validate, merge");
  quality->require_subcommand(1);

  // standardize
  auto* standardize = cli::AddVerb(*quality, "standardize",
                                   "Standardize emails, phones, countries, names, titles, domains");
  auto dry_run = std::make_shared<bool>(false);
  cli::AddFlag(*standardize, "--dry-run", *dry_run, "Report what would change, change nothing");
  standardize->callback([&ctx, dry_run] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      StandardizeOptions options;
      options.dry_run = *dry_run;
      std::optional<cli::Progress> bar;
      options.progress = [&](int64_t done, int64_t total) {
        if (!bar) bar.emplace(ctx, "standardize", total);
        bar->Update(done);
      };
      MOPS_ASSIGN_OR_RETURN(StandardizeReport report, Standardize(*db, options));
      if (bar) bar->Done();
      PrintStandardize(ctx, report);
      return {};
    });
  });

  // rules
  auto* rules = cli::AddVerb(*quality, "rules", "Show or set the validation rules");
  rules->require_subcommand(1);
  auto* show = cli::AddVerb(*rules, "show", "Print the quality config (YAML)");
  show->callback([&ctx] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_ASSIGN_OR_RETURN(auto yaml, QualityConfigYaml(*db));
      if (yaml.second) std::cout << "# (default: no quality config is stored)\n";
      std::cout << yaml.first;
      if (!yaml.first.empty() && yaml.first.back() != '\n') std::cout << "\n";
      return {};
    });
  });
  auto* set = cli::AddVerb(*rules, "set", "Validate and store the quality config from FILE");
  auto file = std::make_shared<std::string>();
  cli::AddOption(*set, "FILE", *file, "YAML file with rules: and merge:")->required();
  set->callback([&ctx, file] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(std::string yaml, core::ReadFile(*file));
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_TRY(SetQualityConfig(*db, yaml, *file, "cli"));
      MOPS_ASSIGN_OR_RETURN(QualityConfig config, LoadQualityConfig(*db));
      std::cerr << fmt::format("stored the quality config: {} rules\n", config.rules.size());
      return {};
    });
  });

  // check
  auto* check = cli::AddVerb(*quality, "check",
                             "Check the rules; scores per entity and source; stored for the trend");
  auto as_of = std::make_shared<std::string>();
  auto no_store = std::make_shared<bool>(false);
  cli::AddOption(*check, "--as-of", *as_of, "Date the stale rules count from (default: now)");
  cli::AddFlag(*check, "--no-store", *no_store, "Do not keep this run in the score history");
  check->callback([&ctx, as_of, no_store] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      CheckOptions options;
      MOPS_ASSIGN_OR_RETURN(options.as_of, ParseAsOf(*as_of));
      options.store = !*no_store;
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_ASSIGN_OR_RETURN(CheckReport report, Check(*db, options));
      PrintCheck(ctx, report);
      return {};
    });
  });

  // score
  auto* score = cli::AddVerb(*quality, "score", "The data-quality score of the last check");
  auto history = std::make_shared<bool>(false);
  cli::AddFlag(*score, "--history", *history, "Every stored run, oldest first (the trend)");
  score->callback([&ctx, history] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      cli::Table table{{"run", "run at", "as of", "entity", "source", "records", "score"},
                       {},
                       {true, false, false, false, false, true, true}};
      if (*history) {
        MOPS_ASSIGN_OR_RETURN(auto points, ScoreHistory(*db, 1000));
        if (points.empty()) {
          return core::Fail(ErrorCode::kNotFound,
                            "no quality check has run yet (mops quality check)");
        }
        for (const ScorePoint& p : points) {
          table.rows.push_back({std::to_string(p.run_id), core::FormatTimestamp(p.run_at),
                                core::FormatDate(p.as_of), p.score.entity,
                                p.score.source_system.empty() ? "(all)" : p.score.source_system,
                                std::to_string(p.score.records), Fixed1(p.score.score)});
        }
      } else {
        MOPS_ASSIGN_OR_RETURN(CheckReport r, LatestCheck(*db));
        for (const EntityScore& s : r.scores) {
          table.rows.push_back({std::to_string(r.run_id), core::FormatTimestamp(r.run_at),
                                core::FormatDate(r.as_of), s.entity,
                                s.source_system.empty() ? "(all)" : s.source_system,
                                std::to_string(s.records), Fixed1(s.score)});
        }
      }
      cli::PrintTable(table, ctx.format(), std::cout);
      return {};
    });
  });

  // violations
  auto* violations = cli::AddVerb(*quality, "violations", "Export every violation as CSV");
  auto out = std::make_shared<std::string>("-");
  auto rule = std::make_shared<std::string>();
  auto v_as_of = std::make_shared<std::string>();
  cli::AddOption(*violations, "--out,-o", *out, "CSV file to write ('-': stdout)")
      ->capture_default_str();
  cli::AddOption(*violations, "--rule", *rule, "Only this rule");
  cli::AddOption(*violations, "--as-of", *v_as_of,
                 "Date the stale rules count from (default: now)");
  violations->callback([&ctx, out, rule, v_as_of] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(int64_t at, ParseAsOf(*v_as_of));
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_ASSIGN_OR_RETURN(auto rows, ListViolations(*db, at, *rule));
      core::CsvWriter csv(',', true);
      csv.Row({"rule", "entity", "record_id", "source_system", "external_id", "field", "value",
               "message"});
      for (const ViolationRow& v : rows) {
        csv.Field(v.rule);
        csv.Field(v.entity);
        csv.Field(v.record_id);
        csv.Field(v.source_system);
        csv.Field(v.external_id);
        csv.Field(v.field);
        csv.Field(v.value);
        csv.Field(v.message);
        csv.EndRow();
      }
      if (*out == "-") {
        std::cout << csv.data();
        return {};
      }
      std::ofstream f(*out, std::ios::binary | std::ios::trunc);
      if (!f) return core::Fail(ErrorCode::kIo, "cannot write '{}'", *out);
      f << csv.data();
      f.close();
      if (!f) return core::Fail(ErrorCode::kIo, "cannot write '{}'", *out);
      std::cerr << fmt::format("wrote {} violations to {}\n", rows.size(), *out);
      return {};
    });
  });

  // merge
  auto* merge = cli::AddVerb(
      *quality, "merge", "Merge duplicates (--ids), or every cluster the duplicate matcher found");
  auto entity = std::make_shared<std::string>("contacts");
  auto ids = std::make_shared<std::string>();
  cli::AddOption(*merge, "--entity", *entity, "contacts or accounts")
      ->check(cli::OneOf({"contacts", "accounts"}))
      ->capture_default_str();
  cli::AddOption(*merge, "--ids", *ids, "Record ids to merge into one, comma-separated");
  merge->callback([&ctx, entity, ids, clusters] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(std::vector<int64_t> list, ParseIds(*ids));
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_ASSIGN_OR_RETURN(QualityConfig config, LoadQualityConfig(*db));
      // Named ids merge as given (a merged one is an error); the matcher's
      // clusters are resolved to their current records first.
      ClusterMergeReport done;
      if (!list.empty()) {
        MOPS_ASSIGN_OR_RETURN(MergeReport r,
                              MergeRecords(*db, *entity, list, config.survivorship, "cli"));
        done.merges.push_back(std::move(r));
      } else if (!clusters) {
        return core::Fail(ErrorCode::kUnavailable,
                          "no duplicate matcher is installed: name the records with --ids");
      } else {
        MOPS_ASSIGN_OR_RETURN(auto todo, clusters(*db, *entity));
        MOPS_ASSIGN_OR_RETURN(done, MergeClusters(*db, *entity, todo, config.survivorship, "cli"));
      }
      cli::Table table{
          {"merge", "survivor", "merged", "children moved"}, {}, {true, true, false, true}};
      Json reports = Json::array();
      for (const MergeReport& r : done.merges) {
        int64_t moved = 0;
        for (const auto& [k, n] : r.children_moved) moved += n;
        std::vector<std::string> merged;
        for (int64_t id : r.merged_ids) merged.push_back(std::to_string(id));
        table.rows.push_back({std::to_string(r.merge_id), std::to_string(r.survivor_id),
                              core::Join(merged, ","), std::to_string(moved)});
        reports.push_back(ToJson(r));
      }
      if (ctx.format() == cli::Format::kJson) {
        cli::PrintJson(reports, std::cout);
      } else {
        cli::PrintTable(table, ctx.format(), std::cout);
      }
      if (done.skipped > 0) {
        std::cerr << fmt::format("{} clusters skipped: already merged\n", done.skipped);
      }
      if (done.merges.empty()) std::cerr << "nothing to merge\n";
      return {};
    });
  });

  auto* merges = cli::AddVerb(*quality, "merges", "List merges, newest first");
  merges->callback([&ctx] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_ASSIGN_OR_RETURN(auto list, ListMerges(*db, 1000));
      cli::Table table{{"merge", "entity", "survivor", "merged", "merged at", "actor", "undone at"},
                       {},
                       {true, false, true, false, false, false, false}};
      for (const MergeEntry& e : list) {
        std::vector<std::string> merged;
        for (int64_t id : e.merged_ids) merged.push_back(std::to_string(id));
        table.rows.push_back({std::to_string(e.merge_id), e.entity, std::to_string(e.survivor_id),
                              core::Join(merged, ","), core::FormatTimestamp(e.merged_at), e.actor,
                              e.undone_at ? core::FormatTimestamp(*e.undone_at) : ""});
      }
      cli::PrintTable(table, ctx.format(), std::cout);
      return {};
    });
  });

  auto* undo = cli::AddVerb(*quality, "undo", "Undo a merge exactly");
  auto merge_id = std::make_shared<int64_t>(0);
  cli::AddOption(*undo, "MERGE_ID", *merge_id, "The merge to undo (mops quality merges)")
      ->required();
  undo->callback([&ctx, merge_id] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_TRY(UndoMerge(*db, *merge_id, "cli"));
      std::cerr << fmt::format("undid merge {}\n", *merge_id);
      return {};
    });
  });

  // match-accounts
  auto* match =
      cli::AddVerb(*quality, "match-accounts",
                   "Attach contacts without an account by email domain, then company name");
  auto match_dry = std::make_shared<bool>(false);
  auto min_similarity = std::make_shared<double>(0.8);
  cli::AddFlag(*match, "--dry-run", *match_dry, "Report what would be attached, change nothing");
  cli::AddOption(*match, "--min-similarity", *min_similarity,
                 "Least token similarity of company names, 0-1")
      ->check(cli::InRange(0.0, 1.0))
      ->capture_default_str();
  match->callback([&ctx, match_dry, min_similarity] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_ASSIGN_OR_RETURN(MatchAccountsReport r,
                            MatchAccounts(*db, *match_dry, "cli", *min_similarity));
      if (ctx.format() == cli::Format::kJson) {
        cli::PrintJson(ToJson(r), std::cout);
        return {};
      }
      cli::Table table{{"outcome", "contacts"}, {}, {false, true}};
      table.rows.push_back({"matched by email domain", std::to_string(r.by_domain)});
      table.rows.push_back({"matched by company name", std::to_string(r.by_name)});
      for (const auto& [reason, n] : r.unmatched) {
        table.rows.push_back({"unmatched: " + reason, std::to_string(n)});
      }
      cli::PrintTable(table, ctx.format(), std::cout);
      if (ctx.format() == cli::Format::kTable) {
        std::cout << fmt::format("{} contacts without an account; {} touchpoints attached{}\n",
                                 r.contacts, r.touchpoints_attached,
                                 r.dry_run ? " (dry run: nothing written)" : "");
      }
      return {};
    });
  });
  return quality;
}

}  // namespace mops::quality
