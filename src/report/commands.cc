// CLI verb: `mops audit`, and the `audit` config registration.
#include "report/commands.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/cli11.h"
#include "cli/config.h"
#include "report/report.h"

namespace mops::report {
namespace {

struct Args {
  std::string format;  // html, pdf, json, md; empty: from --out, else the global format
  std::string out;
  std::string as_of;
  std::string diff;
  bool store = false;
  bool list_rules = false;
};

core::Result<Timestamp> ParseAsOf(const std::string& text) {
  if (text.empty()) return core::NowUtc();
  auto t = core::ParseTimestamp(text);
  if (!t) {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                      "--as-of must be a date (YYYY-MM-DD), got '" + text + "'")
                          .InField("as_of"));
  }
  // A date means the end of that day: its events count.
  return text.size() <= 10 ? *t + 86399 : *t;
}

std::string FormatOf(const Args& args, const cli::Context& ctx) {
  if (!args.format.empty()) return args.format;
  const std::string ext = std::filesystem::path(args.out).extension().string();
  if (ext == ".html" || ext == ".htm") return "html";
  if (ext == ".pdf") return "pdf";
  if (ext == ".json") return "json";
  if (ext == ".md") return "md";
  return ctx.format() == cli::Format::kJson ? "json" : "md";
}

core::Result<Json> ReadPrevious(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return core::Fail(core::MakeError(core::ErrorCode::kIo, "cannot read the file").At(path));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("schema", "") != "mops.audit/1") {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                      "not an audit document (mops audit --format json writes one)")
                          .At(path));
  }
  return doc;
}

core::Status WriteFile(const std::string& path, const std::string& text) {
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::binary);
    out << text;
    if (!out)
      return core::Fail(core::MakeError(core::ErrorCode::kIo, "cannot write the file").At(path));
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) return core::Fail(core::MakeError(core::ErrorCode::kIo, ec.message()).At(path));
  return {};
}

core::Status ListRules(cli::Context& ctx) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(AuditConfig config, LoadConfig(*db));
  const std::vector<Rule> rules = ApplyConfig(DefaultRules(), config);
  cli::Table table{
      {"rule", "area", "metric", "comparison", "threshold", "severity", "effort", "title"},
      {},
      {false, false, false, false, true, false, false, false}};
  for (const Rule& r : rules) {
    table.rows.push_back({r.id, r.area, r.metric, std::string(ComparisonText(r.comparison)),
                          fmt::format("{}", r.threshold), r.severity, r.effort, r.title});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  return {};
}

core::Status Run(cli::Context& ctx, const Args& args) {
  if (args.list_rules) return ListRules(ctx);
  const std::string format = FormatOf(args, ctx);
  if (format == "pdf" && args.out.empty()) {
    return core::Fail(
        core::MakeError(core::ErrorCode::kInvalidArgument, "--format pdf needs --out FILE.pdf")
            .InField("out"));
  }
  MOPS_ASSIGN_OR_RETURN(Timestamp as_of, ParseAsOf(args.as_of));
  std::optional<Json> previous;
  if (!args.diff.empty()) {
    MOPS_ASSIGN_OR_RETURN(Json prev, ReadPrevious(args.diff));
    previous = std::move(prev);
  }
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  RunOptions options;
  options.as_of = as_of;
  options.actor = "cli";
  options.served = false;
  Json doc;
  if (args.store) {
    MOPS_ASSIGN_OR_RETURN(StoredRun run, RunAndStore(*db, options));
    doc = std::move(run.audit);
    if (!ctx.quiet) std::cerr << "stored as audit run " << run.id << "\n";
  } else {
    MOPS_ASSIGN_OR_RETURN(doc, RunAudit(*db, options));
  }
  if (previous) doc["diff"] = Diff(*previous, doc);
  if (format == "pdf") return WritePdf(Html(doc), args.out);
  std::string text = format == "html" ? Html(doc)
                     : format == "md"
                         ? Markdown(doc)
                         : doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
  if (args.out.empty()) {
    std::cout << text;
    return {};
  }
  MOPS_TRY(WriteFile(args.out, text));
  if (!ctx.quiet) std::cerr << "wrote " << args.out << "\n";
  return {};
}

std::string DefaultConfigText() {
  std::string out =
      "# The audit's rules are shipped with mops; this config overrides them.\n"
      "# examples: example records shown per finding (1..50).\n"
      "examples: 5\n"
      "# rules: per rule id, any of threshold, severity, effort, enabled.\n"
      "rules: {}\n"
      "# The rules and their shipped thresholds:\n";
  for (const Rule& r : DefaultRules()) {
    out += fmt::format("#   {}: {{threshold: {}, severity: {}, effort: {}}}  # {} {} \n", r.id,
                       r.threshold, r.severity, r.effort, r.metric, ComparisonText(r.comparison));
  }
  return out;
}

}  // namespace

void RegisterCommands(CLI::App& app, cli::Context& ctx) {
  auto args = std::make_shared<Args>();
  CLI::App* audit = cli::AddVerb(
      app, "audit",
      "The marketing operations audit: scores, findings with evidence and actions, savings and "
      "pipeline at risk, as HTML, PDF, JSON or Markdown");
  cli::AddOption(*audit, "--format", args->format,
                 "html, pdf, json or md (default: from --out's extension, else md)")
      ->check(cli::OneOf({"html", "pdf", "json", "md"}));
  cli::AddOption(*audit, "--out,-o", args->out, "Write the report to this file (default: stdout)");
  cli::AddOption(*audit, "--as-of", args->as_of,
                 "The date the audit is made on (default: now, UTC)");
  cli::AddOption(*audit, "--diff", args->diff,
                 "A previous audit's JSON: adds what is new, resolved, worse and better");
  cli::AddFlag(*audit, "--store", args->store, "Also store the run in the workspace (audit_runs)");
  cli::AddFlag(*audit, "--list-rules", args->list_rules,
               "List the rules with the thresholds in force, and run nothing");
  audit->callback([&ctx, args] { cli::RunVerb(ctx, [&] { return Run(ctx, *args); }); });

  cli::ConfigSpec spec;
  spec.name = "audit";
  spec.description = "Audit rules: thresholds, severities and efforts per rule, rules turned off";
  spec.validate = [](std::string_view text, std::string_view file) -> core::Status {
    MOPS_TRY(ParseConfig(text, file, DefaultRules()));
    return {};
  };
  spec.default_text = DefaultConfigText;
  spec.after_set = "mops audit --list-rules shows the thresholds now in force";
  cli::RegisterConfig(std::move(spec));
}

}  // namespace mops::report
