// CLI verbs: `mops import` and `mops export`.
#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/cli.h"
#include "cli/cli11.h"
#include "core/csv.h"
#include "core/numbers.h"
#include "core/strings.h"
#include "ingest/ingest.h"
#include "ingest/internal.h"

namespace mops::ingest {
namespace {

struct ImportArgs {
  std::string kind;
  std::string file;
  std::string preset = "auto";
  std::string map;
  std::string date_format = "auto";
  std::string source;
  std::string date_order;
  std::string decimal;
  std::string thousands;
  bool strict = false;
  std::string member_date;
  std::string crm_config;
  bool show_unresolved = false;
};

struct ExportArgs {
  std::string kind;
  std::string format;
  std::string out = "-";
  bool include_merged = false;
};

constexpr int64_t kUnresolvedShown = 1000;

std::vector<PostImportHook>& Hooks() {
  static std::vector<PostImportHook> hooks;
  return hooks;
}

std::vector<ImportFileAdvisor>& Advisors() {
  static std::vector<ImportFileAdvisor> advisors;
  return advisors;
}

// Errors about the command line name the file the user wanted imported.
core::Error AtFile(core::Error e, const std::string& file) {
  if (e.file.empty()) e.file = file;
  return e;
}

// The first bytes of a file: enough for DetectKind's header search (20
// lines), without reading a large export twice.
core::Result<std::string> FileHead(const std::string& path) {
  constexpr size_t kHeadBytes = 256 * 1024;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                      "cannot import a directory (name one of its files)")
                          .At(path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::Fail(core::MakeError(core::ErrorCode::kIo,
                                      fmt::format("cannot read the file: {}", std::strerror(errno)))
                          .At(path));
  }
  std::string head(kHeadBytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(kHeadBytes));
  head.resize(static_cast<size_t>(in.gcount()));
  return head;
}

// `mops import FILE` names no kind: a mapping file's `kind:` gives it, else
// the file's header (DetectKind), and the user is told which was taken.
core::Result<Kind> KindOf(const ImportArgs& args) {
  if (!args.kind.empty()) {
    auto kind = ParseKind(args.kind);
    if (!kind) return core::Fail(AtFile(std::move(kind).error(), args.file));
    return *kind;
  }
  if (!args.map.empty()) {
    MOPS_ASSIGN_OR_RETURN(std::string yaml, core::ReadFile(args.map));
    MOPS_ASSIGN_OR_RETURN(internal::CustomMapping mapping,
                          internal::ParseMappingYaml(yaml, args.map));
    if (mapping.kind) return *mapping.kind;
    // A mapping on a vendor preset lists a few columns; the rest of the
    // header is the preset's and tells the kind as it does without a map.
    const auto asked = ParsePreset(args.preset);
    const bool on_preset = mapping.preset != Preset::kMapping ||
                           (asked && (*asked == Preset::kSalesforce || *asked == Preset::kHubspot));
    if (!on_preset) {
      return core::Fail(
          core::MakeError(core::ErrorCode::kInvalidArgument,
                          fmt::format("the mapping file names no kind: give it (kind: contacts) or "
                                      "name it: mops import KIND {} --map {}",
                                      args.file, args.map))
              .At(args.map));
    }
  }
  MOPS_ASSIGN_OR_RETURN(std::string head, FileHead(args.file));
  for (const ImportFileAdvisor& advise : Advisors()) {
    if (std::optional<std::string> message = advise(head)) {
      return core::Fail(
          core::MakeError(core::ErrorCode::kInvalidArgument, std::move(*message)).At(args.file));
    }
  }
  MOPS_ASSIGN_OR_RETURN(Kind kind, DetectKind(head, args.file));
  // Not progress: a decision the user should see, so --quiet keeps it.
  std::cerr << fmt::format("{} holds {} (by its columns; name the kind to choose another)\n",
                           args.file, KindName(kind));
  return kind;
}

core::Status RunImport(cli::Context& ctx, const ImportArgs& args) {
  auto kind = KindOf(args);
  if (!kind) return core::Fail(std::move(kind).error());
  ImportOptions options;
  auto preset = ParsePreset(args.preset);
  if (!preset) return core::Fail(AtFile(std::move(preset).error(), args.file));
  options.preset = *preset;
  auto date_format = core::ParseDateFormatName(args.date_format);
  if (!date_format) return core::Fail(AtFile(std::move(date_format).error(), args.file));
  options.date_format = *date_format;
  options.date_format_set = core::ToLower(args.date_format) != "auto";
  if (!args.date_order.empty()) {
    auto order = internal::ParseDateOrder(args.date_order);
    if (!order) return core::Fail(AtFile(std::move(order).error(), args.file));
    options.date_order = *order;
  }
  if (auto numbers = core::ParseNumberFormat(args.decimal, args.thousands); !numbers) {
    return core::Fail(AtFile(std::move(numbers).error(), args.file));
  }
  options.decimal = args.decimal;
  options.thousands = args.thousands;
  options.mapping_path = args.map;
  options.strict = args.strict;
  options.source_system = std::string(core::Trim(args.source));
  options.actor = "cli";
  options.member_date_column = std::string(core::Trim(args.member_date));
  options.crm_config_path = args.crm_config;

  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  // New rows are those above the table's largest id before the import.
  const std::string table(TableName(*kind));
  int64_t max_id_before = 0;
  if (!Hooks().empty()) {
    MOPS_ASSIGN_OR_RETURN(store::Value v, db->QueryValue("SELECT MAX(id) FROM " + table));
    max_id_before = store::AsInt(v, 0);
  }
  std::optional<cli::Progress> bar;
  auto progress = [&](int64_t done, int64_t total) {
    if (!bar) bar.emplace(ctx, "import " + args.file, total);
    bar->Update(done);
  };
  MOPS_ASSIGN_OR_RETURN(ImportSummary summary,
                        ImportFile(*db, *kind, args.file, options, progress));
  if (bar) bar->Done();
  std::vector<UnresolvedLink> links;
  if (args.show_unresolved) {
    MOPS_ASSIGN_OR_RETURN(links, ListUnresolved(*db, *kind, kUnresolvedShown));
  }
  if (ctx.format() == cli::Format::kJson) {
    nlohmann::json j = summary.ToJson();
    if (args.show_unresolved) {
      nlohmann::json list = nlohmann::json::array();
      for (const UnresolvedLink& l : links) {
        list.push_back({{"table", l.table},
                        {"field", l.field},
                        {"external_id", l.external_id},
                        {"ref", l.ref}});
      }
      j["unresolved_links"] = std::move(list);
    }
    cli::PrintJson(j, std::cout);
  } else {
    std::cout << summary.ToText();
    if (args.show_unresolved) {
      for (const UnresolvedLink& l : links) {
        std::cout << fmt::format("unresolved: {} {} -> {} '{}' (not in the workspace)\n", l.table,
                                 l.external_id, l.field, l.ref);
      }
      if (static_cast<int64_t>(links.size()) == kUnresolvedShown) {
        std::cout << fmt::format("unresolved: (the first {} only)\n", kUnresolvedShown);
      }
    }
  }
  if (!Hooks().empty() && summary.imported > 0) {
    MOPS_ASSIGN_OR_RETURN(store::Rows rows,
                          db->Query("SELECT id FROM " + table + " WHERE id > ? ORDER BY id",
                                    std::vector<store::Value>{max_id_before}));
    std::vector<int64_t> new_ids;
    new_ids.reserve(rows.size());
    for (const auto& r : rows.rows) new_ids.push_back(store::AsInt(r[0]));
    for (const PostImportHook& hook : Hooks()) {
      if (auto done = hook(*db, *kind, new_ids); !done) {
        core::Error e = std::move(done).error();
        e.message = "the import is committed, but a step after it failed: " + e.message;
        return core::Fail(std::move(e));
      }
    }
  }
  return {};
}

core::Status RunExport(cli::Context& ctx, const ExportArgs& args) {
  MOPS_ASSIGN_OR_RETURN(Kind kind, ParseKind(args.kind));
  ExportOptions options;
  options.include_merged = args.include_merged;
  std::string format = args.format;
  if (format.empty()) {
    // From the file name, else CSV.
    const std::string lower = core::ToLower(args.out);
    format = lower.ends_with(".xlsx") ? "xlsx" : lower.ends_with(".json") ? "json" : "csv";
  }
  MOPS_ASSIGN_OR_RETURN(options.format, ParseExportFormat(format));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(ExportSummary summary, ExportTable(*db, kind, args.out, options));
  if (args.out != "-") {
    std::cout << fmt::format("exported {} {} to {}\n", summary.rows, TableName(kind), summary.path);
  }
  return {};
}

}  // namespace

void AddPostImportHook(PostImportHook hook) { Hooks().push_back(std::move(hook)); }

void AddImportFileAdvisor(ImportFileAdvisor advisor) { Advisors().push_back(std::move(advisor)); }

void RegisterCommands(CLI::App& app, cli::Context& ctx) {
  std::vector<std::string> kinds;
  for (Kind k : AllKinds()) kinds.emplace_back(KindName(k));
  const std::string kind_help = "What the file holds: " + core::Join(kinds, ", ");

  auto import_args = std::make_shared<ImportArgs>();
  CLI::App* import_verb = cli::AddVerb(
      app, "import",
      "Import a CSV export (canonical, HubSpot, Salesforce, or mapped) into the workspace: "
      "mops import [KIND] FILE, the kind read from the file's columns when left out. One "
      "transaction; rejected rows go to FILE.rejects.csv.");
  cli::AddOption(*import_verb, "KIND", import_args->kind,
                 kind_help + " (default: read from the file's columns)");
  cli::AddOption(*import_verb, "FILE", import_args->file, "The CSV file");
  cli::AddOption(*import_verb, "--preset", import_args->preset,
                 "Column labels: canonical, hubspot or salesforce (default: detected)");
  cli::AddOption(*import_verb, "--map", import_args->map,
                 "YAML mapping file: columns: {\"Email Address\": email, ...}; with --preset "
                 "salesforce|hubspot (or preset: in the file) it overrides only the columns it "
                 "lists");
  cli::AddOption(*import_verb, "--date-format", import_args->date_format,
                 "auto, iso, mdy, dmy, ymd or epoch (default: auto)");
  cli::AddOption(*import_verb, "--date-order", import_args->date_order,
                 "dmy, mdy or ymd: how date columns whose values do not tell are read "
                 "(a column with a day over 12 is day first whatever this says)");
  cli::AddOption(*import_verb, "--decimal", import_args->decimal,
                 "Decimal separator of numbers and amounts: . (default) or , (1.234,56)");
  cli::AddOption(*import_verb, "--thousands", import_args->thousands,
                 "Thousands separator: , (default), . (default with --decimal ,), ', space "
                 "or none");
  cli::AddFlag(*import_verb, "--show-unresolved", import_args->show_unresolved,
               "List the references still unresolved (records not in the workspace)");
  cli::AddFlag(*import_verb, "--strict", import_args->strict,
               "Abort on the first rejected row and import nothing");
  cli::AddOption(*import_verb, "--source", import_args->source,
                 "source_system of the rows (default: the preset's, or csv)");
  cli::AddOption(*import_verb, "--member-date", import_args->member_date,
                 "campaign-members: the column that dates a member that did not respond, "
                 "in place of CreatedDate (e.g. Added_Date__c)");
  cli::AddOption(*import_verb, "--crm-config", import_args->crm_config,
                 "YAML crm config to store: member_date_column, lead_status, "
                 "converted_stage, unknown_lifecycle_stage, campaign_types, lead_sources");
  import_verb->callback([&ctx, import_args] {
    ImportArgs args = *import_args;
    // One positional is the file (`mops import Contact.csv`), unless it
    // names a kind and no such file exists (`mops import contacts`: the
    // file is missing, a usage error).
    if (args.file.empty()) {
      if (args.kind.empty() || (ParseKind(args.kind) && !std::filesystem::exists(args.kind))) {
        throw CLI::ValidationError("FILE",
                                   "which file? mops import [KIND] FILE (KIND: read "
                                   "from the file's columns when left out)");
      }
      args.file = std::move(args.kind);
      args.kind.clear();
    }
    cli::RunVerb(ctx, [&] { return RunImport(ctx, args); });
  });

  auto export_args = std::make_shared<ExportArgs>();
  CLI::App* exp = cli::AddVerb(
      app, "export", "Export a table in canonical columns (re-importable) as CSV, JSON or xlsx");
  cli::AddOption(*exp, "KIND", export_args->kind, kind_help)->required();
  cli::AddOption(*exp, "--format", export_args->format,
                 "csv, json or xlsx (default: from --out's extension, else csv)");
  cli::AddOption(*exp, "--out,-o", export_args->out, "Output file ('-': standard output)");
  cli::AddFlag(*exp, "--include-merged", export_args->include_merged,
               "Include records merged into another (with a merged_into column)");
  exp->callback(
      [&ctx, export_args] { cli::RunVerb(ctx, [&] { return RunExport(ctx, *export_args); }); });
}

}  // namespace mops::ingest
