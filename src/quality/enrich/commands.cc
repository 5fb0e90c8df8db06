// CLI verbs: `mops quality enrich [--dry-run] [--source NAME]` and its
// sub-verbs load, undo, runs, conflicts, stale, config show|set.
#include <fmt/format.h>

#include <iostream>

#include "cli/cli.h"
#include "cli/cli11.h"
#include "core/csv.h"
#include "core/strings.h"
#include "core/time.h"
#include "quality/enrich/enrich.h"

namespace mops::quality::enrich {
namespace {

std::string Percent(int64_t n, int64_t total) {
  return total == 0 ? "-" : fmt::format("{:.1f}%", 100.0 * static_cast<double>(n) / total);
}

void PrintConflicts(cli::Context& ctx, const std::vector<Conflict>& conflicts, size_t limit) {
  // "value" is the record's own value when it kept it, else the most trusted
  // candidate, which a conflict leaves unwritten: the outcome says which.
  cli::Table table{{"entity", "record", "field", "value", "source", "other", "other source",
                    "vendor record", "outcome"},
                   {},
                   {false, true, false, false, false, false, false, false, false}};
  for (size_t i = 0; i < conflicts.size() && i < limit; ++i) {
    const Conflict& c = conflicts[i];
    table.rows.push_back({c.entity, std::to_string(c.record_id), c.field, c.kept_value,
                          c.kept_source, c.other_value, c.other_source, c.other_record_id,
                          std::string(ConflictOutcome(c))});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
}

void PrintRun(cli::Context& ctx, const RunReport& r) {
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(ToJson(r), std::cout);
    return;
  }
  cli::Table table{{"field", "records", "fill before", "fill after", "changed", "by source"},
                   {},
                   {false, true, false, false, true, false}};
  for (const FieldFill& f : r.fields) {
    std::vector<std::string> sources;
    for (const auto& [s, n] : f.by_source) sources.push_back(fmt::format("{}: {}", s, n));
    table.rows.push_back({f.field, std::to_string(f.records), Percent(f.before, f.records),
                          Percent(f.after, f.records), std::to_string(f.changed),
                          core::Join(sources, ", ")});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  if (ctx.format() != cli::Format::kTable) return;
  // Per source: values set, over all fields.
  std::map<std::string, int64_t> per_source;
  for (const FieldFill& f : r.fields) {
    for (const auto& [s, n] : f.by_source) per_source[s] += n;
  }
  std::cout << "\nvalues set per source:\n";
  cli::Table sources{{"source", "values set"}, {}, {false, true}};
  for (const auto& [s, n] : per_source) sources.rows.push_back({s, std::to_string(n)});
  cli::PrintTable(sources, ctx.format(), std::cout);
  if (!r.conflicts.empty()) {
    std::cout << fmt::format("\n{} conflicts (listed, not resolved):\n", r.conflicts.size());
    PrintConflicts(ctx, r.conflicts, 20);
    if (r.conflicts.size() > 20) {
      std::cout << "... mops quality enrich conflicts lists them all\n";
    }
  }
  std::cout << fmt::format(
      "\n{} {} fields of {} records ({} contacts, {} accounts) in {:.2f} s{}\n",
      r.dry_run ? "would change" : "changed", r.fields_changed, r.records_changed, r.contacts,
      r.accounts, r.seconds,
      r.dry_run ? " (dry run: nothing written)"
                : fmt::format("; run {} (undo: mops quality enrich "
                              "undo {})",
                              r.run_id, r.run_id));
}

}  // namespace

void RegisterCommands(CLI::App& quality, cli::Context& ctx) {
  auto* enrich = cli::AddVerb(
      quality, "enrich",
      "Fill empty fields from the workspace and staged vendor files, field by field in the "
      "waterfall of the enrichment config");
  auto dry_run = std::make_shared<bool>(false);
  auto source = std::make_shared<std::string>();
  cli::AddFlag(*enrich, "--dry-run", *dry_run, "Report fill rates and conflicts, change nothing");
  cli::AddOption(*enrich, "--source", *source,
                 "Only this source: inferred, zoominfo, apollo, clearbit, lusha, cognism");
  enrich->callback([&ctx, enrich, dry_run, source] {
    if (!enrich->get_subcommands().empty()) return;
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      RunOptions options;
      options.dry_run = *dry_run;
      options.source = *source;
      auto report = Run(*db, options);
      if (!report && report.error().field == "source") report.error().field = "--source";
      if (!report) return std::unexpected(std::move(report).error());
      PrintRun(ctx, *report);
      return {};
    });
  });

  // load
  auto* load = cli::AddVerb(
      *enrich, "load",
      "Read a vendor export (ZoomInfo, Apollo, Clearbit, Lusha, Cognism) into staging, "
      "matched to contacts or accounts");
  auto file = std::make_shared<std::string>();
  auto layout = std::make_shared<std::string>();
  auto decimal = std::make_shared<std::string>();
  auto thousands = std::make_shared<std::string>();
  cli::AddOption(*load, "FILE", *file, "The CSV export")->required();
  cli::AddOption(*load, "--layout", *layout, "Layout name (default: detected from the header)");
  cli::AddOption(*load, "--decimal", *decimal, "Decimal separator of the file's numbers: . or ,");
  cli::AddOption(*load, "--thousands", *thousands, "Thousands separator: , . ' space none");
  load->callback([&ctx, file, layout, decimal, thousands] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      VendorReadOptions options;
      options.layout = *layout;
      MOPS_ASSIGN_OR_RETURN(options.numbers, core::ParseNumberFormat(*decimal, *thousands));
      MOPS_ASSIGN_OR_RETURN(std::string text, core::ReadFile(*file));
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_ASSIGN_OR_RETURN(LoadReport r, LoadVendorFile(*db, text, *file, options, "cli"));
      if (ctx.format() == cli::Format::kJson) {
        cli::PrintJson(ToJson(r), std::cout);
        return {};
      }
      std::cout << fmt::format(
          "{}: layout {} ({} {}), {} rows ({} skipped): {} matched, {} unmatched, {} ambiguous\n",
          r.file, r.layout, r.source, r.entity, r.rows, r.skipped, r.matched, r.unmatched,
          r.ambiguous);
      for (const auto& [method, n] : r.by_method) {
        std::cout << fmt::format("  matched by {}: {}\n", method, n);
      }
      for (const std::string& w : r.warnings) std::cerr << "warning: " << w << "\n";
      if (!r.examples.empty()) {
        cli::Table table{{"line", "vendor record", "name", "email", "company", "status"},
                         {},
                         {true, false, false, false, false, false}};
        for (const Json& e : r.examples) {
          table.rows.push_back({std::to_string(e["line"].get<int64_t>()),
                                e["vendor_record_id"].get<std::string>(),
                                e["name"].get<std::string>(), e["email"].get<std::string>(),
                                e["company"].get<std::string>(), e["status"].get<std::string>()});
        }
        cli::PrintTable(table, ctx.format(), std::cout);
      }
      return {};
    });
  });

  // undo
  auto* undo = cli::AddVerb(*enrich, "undo", "Restore every field a run changed, exactly");
  auto run_id = std::make_shared<int64_t>(0);
  cli::AddOption(*undo, "RUN", *run_id, "The run (mops quality enrich runs)")->required();
  undo->callback([&ctx, run_id] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_TRY(Undo(*db, *run_id, "cli"));
      std::cerr << fmt::format("undid enrichment run {}\n", *run_id);
      return {};
    });
  });

  // runs
  auto* runs = cli::AddVerb(*enrich, "runs", "Enrichment runs, newest first");
  runs->callback([&ctx] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_ASSIGN_OR_RETURN(auto list, ListRuns(*db, 100));
      cli::Table table{
          {"run", "at", "actor", "source", "records", "fields", "conflicts", "undone at"},
          {},
          {true, false, false, false, true, true, true, false}};
      for (const RunEntry& e : list) {
        table.rows.push_back({std::to_string(e.id), core::FormatTimestamp(e.at), e.actor,
                              e.source.empty() ? "(all)" : e.source,
                              std::to_string(e.records_changed), std::to_string(e.fields_changed),
                              std::to_string(e.conflicts),
                              e.undone_at ? core::FormatTimestamp(*e.undone_at) : ""});
      }
      cli::PrintTable(table, ctx.format(), std::cout);
      return {};
    });
  });

  // conflicts
  auto* conflicts = cli::AddVerb(*enrich, "conflicts", "Conflicts a run listed");
  auto conflicts_run = std::make_shared<int64_t>(0);
  cli::AddOption(*conflicts, "--run", *conflicts_run, "The run (default: the latest not undone)");
  conflicts->callback([&ctx, conflicts_run] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_ASSIGN_OR_RETURN(auto list, ListConflicts(*db, *conflicts_run, 100000));
      PrintConflicts(ctx, list, list.size());
      return {};
    });
  });

  // stale
  auto* stale = cli::AddVerb(
      *enrich, "stale", "Enriched values older than the config's stale_after_days, to refresh");
  auto stale_limit = std::make_shared<int>(1000);
  cli::AddOption(*stale, "--limit", *stale_limit, "At most this many")
      ->check(cli::InRange(1, 1000000));
  stale->callback([&ctx, stale_limit] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_ASSIGN_OR_RETURN(auto list, ListStale(*db, 0, *stale_limit));
      cli::Table table{{"entity", "record", "field", "source", "vendor record", "enriched at"},
                       {},
                       {false, true, false, false, false, false}};
      for (const StaleValue& s : list) {
        table.rows.push_back({s.entity, std::to_string(s.record_id), s.field, s.provenance.source,
                              s.provenance.vendor_record_id,
                              core::FormatTimestamp(s.provenance.at)});
      }
      cli::PrintTable(table, ctx.format(), std::cout);
      return {};
    });
  });

  // config
  auto* config = cli::AddVerb(*enrich, "config", "The enrichment config (YAML)");
  config->require_subcommand(1);
  auto* show = cli::AddVerb(*config, "show", "Print the config (the default when none is stored)");
  show->callback([&ctx] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_ASSIGN_OR_RETURN(auto yaml, ConfigYaml(*db));
      std::cout << yaml.first;
      if (yaml.second) std::cerr << "(the default: no enrichment config is stored)\n";
      return {};
    });
  });
  auto* set = cli::AddVerb(*config, "set", "Validate and store the config from FILE");
  auto config_file = std::make_shared<std::string>();
  cli::AddOption(*set, "FILE", *config_file, "YAML with sources:, overwrite:, stale_after_days:")
      ->required();
  set->callback([&ctx, config_file] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(std::string yaml, core::ReadFile(*config_file));
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_TRY(SetConfig(*db, yaml, *config_file, "cli"));
      std::cerr << "stored the enrichment config\n";
      return {};
    });
  });
}

}  // namespace mops::quality::enrich
