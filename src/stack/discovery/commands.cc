// mops stack discover spend|usage|reconcile|apply|undo|aliases.
#include "stack/discovery/commands.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <limits>
#include <memory>

#include "cli/cli11.h"
#include "core/csv.h"
#include "core/strings.h"
#include "stack/discovery/report.h"

namespace mops::stack::discovery {
namespace {

struct Args {
  std::string file;
  std::string preset = "auto";
  std::string date_order = "auto";
  std::string decimal, thousands;
  std::vector<std::string> columns;  // FIELD=LABEL
  std::string currency;
  std::string aliases;
  std::string as_of;
  int active_days = 30;
  std::string view = "tools";
  std::string tool, merchant;
  bool dry_run = false;
  int64_t id = 0;
};

core::Result<Timestamp> AsOf(const std::string& text) {
  if (core::Trim(text).empty()) {
    const Timestamp now = core::NowUtc();
    return core::FloorDiv(now, core::kSecondsPerDay) * core::kSecondsPerDay;
  }
  auto t = core::ParseTimestamp(text);
  if (!t) {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                      "--as-of must be a date, got '" + text + "'")
                          .InField("as-of"));
  }
  return *t;
}

core::Result<core::DateFormat> DateOrder(const std::string& text) {
  const std::string key = core::ToLower(core::Trim(text));
  if (key.empty() || key == "auto") return core::DateFormat::kAuto;
  if (key == "dmy") return core::DateFormat::kDmy;
  if (key == "mdy") return core::DateFormat::kMdy;
  if (key == "ymd") return core::DateFormat::kYmd;
  return core::Fail(core::ErrorCode::kInvalidArgument,
                    "--date-order must be auto, dmy, mdy or ymd, got '{}'", text);
}

void PrintImport(const ImportResult& r) {
  std::cerr << fmt::format("{}: {} rows ({} preset{}), {} new, {} already imported, {} skipped\n",
                           r.file, r.rows, r.preset, r.detected ? ", detected" : "", r.imported,
                           r.already, r.skipped);
  for (const std::string& w : r.warnings) std::cerr << "warning: " << w << "\n";
}

core::Status RunSpend(cli::Context& ctx, const Args& a) {
  MOPS_ASSIGN_OR_RETURN(Timestamp as_of, AsOf(a.as_of));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  if (!a.aliases.empty()) {
    MOPS_ASSIGN_OR_RETURN(std::string text, core::ReadFile(a.aliases));
    MOPS_ASSIGN_OR_RETURN(int64_t n, AddAliases(*db, text, a.aliases));
    std::cerr << fmt::format("{}: {} aliases added\n", a.aliases, n);
  }
  std::optional<ImportResult> imported;
  if (!a.file.empty()) {
    SpendReadOptions o;
    MOPS_ASSIGN_OR_RETURN(o.preset, ParseSpendPreset(a.preset));
    MOPS_ASSIGN_OR_RETURN(o.date_order, DateOrder(a.date_order));
    MOPS_ASSIGN_OR_RETURN(o.numbers, core::ParseNumberFormat(a.decimal, a.thousands));
    for (const std::string& c : a.columns) {
      const size_t eq = c.find('=');
      if (eq == std::string::npos) {
        return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                          "--column takes FIELD=LABEL, got '" + c + "'")
                              .InField("column"));
      }
      o.columns.emplace_back(core::Trim(c.substr(0, eq)), core::Trim(c.substr(eq + 1)));
    }
    if (!o.columns.empty() && o.preset == SpendPreset::kAuto) o.preset = SpendPreset::kGeneric;
    o.currency = a.currency;
    MOPS_ASSIGN_OR_RETURN(imported, ImportSpend(*db, a.file, o, "cli"));
    PrintImport(*imported);
  }
  MOPS_ASSIGN_OR_RETURN(Discovery d, LoadDiscovery(*db, as_of, a.active_days));
  if (a.view == "transactions") {
    const Matcher matcher(d.aliases);
    const Json doc = TransactionsJson(d.spend, matcher, a.tool, core::ToUpper(a.merchant),
                                      std::numeric_limits<size_t>::max());
    if (ctx.format() == cli::Format::kJson) {
      cli::PrintJson(doc, std::cout);
      return {};
    }
    cli::Table t{
        {"date", "descriptor", "amount", "currency", "original", "payer", "card", "department"},
        {},
        {false, false, true, false, false, false, false, false}};
    for (const Json& r : doc["transactions"]) {
      t.rows.push_back({r["date"], r["descriptor"],
                        fmt::format("{:.2f}", r["amount"].get<double>()), r["currency"],
                        r["original_amount"].is_null()
                            ? std::string()
                            : fmt::format("{:.2f} {}", r["original_amount"].get<double>(),
                                          r["original_currency"].get<std::string>()),
                        r["payer"], r["card"], r["department"]});
    }
    cli::PrintTable(t, ctx.format(), std::cout);
    return {};
  }
  if (ctx.format() == cli::Format::kJson) {
    Json doc = SpendJson(d.spend_report);
    if (imported) doc["import"] = ImportJson(*imported);
    cli::PrintJson(doc, std::cout);
    return {};
  }
  if (a.view == "unmatched") {
    cli::PrintTable(UnmatchedTable(d.spend_report), ctx.format(), std::cout);
    return {};
  }
  cli::PrintTable(SpendTable(d.spend_report), ctx.format(), std::cout);
  if (ctx.format() == cli::Format::kTable) {
    const SpendReport& r = d.spend_report;
    int recurring = 0;
    for (const UnmatchedMerchant& u : r.unmatched) recurring += u.recurring ? 1 : 0;
    std::cout << fmt::format(
        "\n{} transactions, net {} {}: {} matched to {} tools, {} unmatched ({} recurring "
        "merchants; --view unmatched lists them)\n",
        r.transactions, core::FormatMoneyMinor(r.total), r.currency,
        core::FormatMoneyMinor(r.matched), r.tools.size(),
        core::FormatMoneyMinor(r.unmatched_total), recurring);
  }
  return {};
}

core::Status RunUsage(cli::Context& ctx, const Args& a) {
  MOPS_ASSIGN_OR_RETURN(Timestamp as_of, AsOf(a.as_of));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  std::optional<ImportResult> imported;
  if (!a.file.empty()) {
    UsageReadOptions o;
    MOPS_ASSIGN_OR_RETURN(o.preset, ParseUsagePreset(a.preset));
    MOPS_ASSIGN_OR_RETURN(o.date_order, DateOrder(a.date_order));
    MOPS_ASSIGN_OR_RETURN(imported, ImportUsage(*db, a.file, o, "cli"));
    PrintImport(*imported);
  }
  MOPS_ASSIGN_OR_RETURN(Discovery d, LoadDiscovery(*db, as_of, a.active_days));
  if (ctx.format() == cli::Format::kJson) {
    Json doc = UsageJson(d.usage_report, d.stack);
    if (imported) doc["import"] = ImportJson(*imported);
    cli::PrintJson(doc, std::cout);
    return {};
  }
  cli::PrintTable(UsageTable(d.usage_report, d.stack), ctx.format(), std::cout);
  return {};
}

core::Status RunReconcile(cli::Context& ctx, const Args& a) {
  MOPS_ASSIGN_OR_RETURN(Timestamp as_of, AsOf(a.as_of));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(Discovery d, LoadDiscovery(*db, as_of, a.active_days));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(ReconcileJson(d.reconcile), std::cout);
    return {};
  }
  cli::PrintTable(ReconcileTable(d.reconcile), ctx.format(), std::cout);
  if (ctx.format() == cli::Format::kTable) {
    const ReconcileReport& r = d.reconcile;
    std::cout << fmt::format(
        "\n{} shadow tools ({} {} a year), {} inventory tools without a payment ({} {}); "
        "inventory cost {} vs actual {}; seats paid {} vs used {}\n",
        r.shadow, core::FormatMoneyMinor(r.shadow_cost), r.currency, r.unpaid,
        core::FormatMoneyMinor(r.unpaid_cost), r.currency, core::FormatMoneyMinor(r.inventory_cost),
        core::FormatMoneyMinor(r.actual_cost), r.seats_paid, r.seats_used);
  }
  return {};
}

core::Status RunApply(cli::Context& ctx, const Args& a) {
  MOPS_ASSIGN_OR_RETURN(Timestamp as_of, AsOf(a.as_of));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(ApplyResult r, Apply(*db, as_of, a.active_days, a.dry_run, "cli"));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(ApplyJson(r), std::cout);
    return {};
  }
  cli::PrintTable(ApplyTable(r), ctx.format(), std::cout);
  if (ctx.format() == cli::Format::kTable) {
    if (r.dry_run) {
      std::cout << fmt::format("\ndry run: {} changes, nothing written\n", r.changes.size());
    } else if (r.apply_id > 0) {
      std::cout << fmt::format(
          "\napplied {} changes (apply {}); `mops stack discover undo` reverts them\n",
          r.changes.size(), r.apply_id);
    } else {
      std::cout << "\nthe inventory already holds the discovered figures\n";
    }
  }
  return {};
}

core::Status RunUndo(cli::Context& ctx, const Args& a) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  std::optional<int64_t> id;
  if (a.id > 0) id = a.id;
  MOPS_ASSIGN_OR_RETURN(int64_t undone, UndoApply(*db, id, "cli"));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(Json{{"undone", undone}}, std::cout);
  } else {
    std::cout << fmt::format("undid apply {}: the inventory is as it was before it\n", undone);
  }
  return {};
}

core::Status RunAliases(cli::Context& ctx, const Args& a) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  if (!a.file.empty()) {
    MOPS_ASSIGN_OR_RETURN(std::string text, core::ReadFile(a.file));
    MOPS_ASSIGN_OR_RETURN(int64_t n, AddAliases(*db, text, a.file));
    std::cerr << fmt::format("{}: {} aliases added\n", a.file, n);
  }
  MOPS_ASSIGN_OR_RETURN(Discovery d, LoadDiscovery(*db, core::NowUtc(), 30));
  cli::Table t{{"pattern", "tool", "match", "confidence", "category", "source"},
               {},
               {false, false, false, true, false, false}};
  for (const Alias& al : d.aliases) {
    t.rows.push_back({al.pattern, al.tool, al.match, fmt::format("{:.2f}", al.confidence),
                      al.category, "workspace"});
  }
  auto builtin = ParseAliases(BuiltinAliasCsv(), "built-in");
  if (builtin) {
    for (const Alias& al : *builtin) {
      t.rows.push_back({al.pattern, al.tool, al.match, fmt::format("{:.2f}", al.confidence),
                        al.category, "built-in"});
    }
  }
  cli::PrintTable(t, ctx.format(), std::cout);
  return {};
}

}  // namespace

core::Status ImportDemoExports(store::Database& db, const std::string& dir) {
  const std::string spend = dir + "/discovery_ramp.csv";
  const std::string usage = dir + "/discovery_okta.csv";
  if (std::ifstream(spend)) {
    MOPS_ASSIGN_OR_RETURN(ImportResult r, ImportSpend(db, spend, {}, "demo"));
    std::cout << fmt::format("{:<22} imported {}, already {}\n", "discovery spend", r.imported,
                             r.already);
  }
  if (std::ifstream(usage)) {
    MOPS_ASSIGN_OR_RETURN(ImportResult r, ImportUsage(db, usage, {}, "demo"));
    std::cout << fmt::format("{:<22} imported {}, already {}\n", "discovery sign-ins", r.imported,
                             r.already);
  }
  return {};
}

void RegisterCommands(CLI::App& stack, cli::Context& ctx) {
  CLI::App* discover = cli::AddVerb(
      stack, "discover",
      "Discover the stack from spend and sign-in exports and reconcile it with the inventory");
  discover->require_subcommand(1);
  const auto verb = [&](const std::string& name, const std::string& help,
                        core::Status (*run)(cli::Context&, const Args&)) {
    auto args = std::make_shared<Args>();
    CLI::App* sub = cli::AddVerb(*discover, name, help);
    sub->callback([&ctx, args, run] { cli::RunVerb(ctx, [&] { return run(ctx, *args); }); });
    return std::make_pair(sub, args);
  };
  const auto analysis = [](CLI::App* sub, Args& args) {
    cli::AddOption(*sub, "--as-of", args.as_of, "The date of the analysis (default: today, UTC)");
    cli::AddOption(*sub, "--active-days", args.active_days,
                   "A seat is active when used in the last N days: 30 (default) or 90")
        ->check(CLI::IsMember({30, 90}));
  };
  {
    auto [sub, args] = verb("spend",
                            "Import a card or accounting export (Ramp, Brex, Expensify, American "
                            "Express, QuickBooks Online, Xero, generic) and report spend per tool",
                            RunSpend);
    analysis(sub, *args);
    cli::AddOption(*sub, "FILE", args->file, "The export (CSV); without it, the stored spend");
    cli::AddOption(*sub, "--preset", args->preset,
                   "auto (default), ramp, brex, expensify, amex, quickbooks, xero or generic");
    cli::AddOption(*sub, "--date-order", args->date_order,
                   "Order of dates that do not tell: auto (the preset's), dmy, mdy or ymd");
    cli::AddOption(*sub, "--decimal", args->decimal, "Decimal separator of amounts (default '.')");
    cli::AddOption(*sub, "--thousands", args->thousands,
                   "Thousands separator: ',', '.', \"'\", space or none");
    cli::AddOption(*sub, "--column", args->columns,
                   "Generic preset: FIELD=LABEL (date, merchant, amount, debit, credit, "
                   "currency, original_amount, original_currency, payer, card, department)");
    cli::AddOption(*sub, "--currency", args->currency,
                   "The account currency when the file names none");
    cli::AddOption(*sub, "--aliases", args->aliases,
                   "Add merchant aliases first (CSV: pattern,tool,match,confidence,category)");
    cli::AddOption(*sub, "--view", args->view, "tools (default), unmatched or transactions")
        ->check(cli::OneOf({"tools", "unmatched", "transactions"}));
    cli::AddOption(*sub, "--tool", args->tool, "transactions: the rows matched to this tool");
    cli::AddOption(*sub, "--merchant", args->merchant,
                   "transactions: the rows of this unmatched merchant");
  }
  {
    auto [sub, args] = verb("usage",
                            "Import an identity-provider export (Okta, Google Workspace, "
                            "Microsoft Entra, generic) and report seats used per tool",
                            RunUsage);
    analysis(sub, *args);
    cli::AddOption(*sub, "FILE", args->file, "The export (CSV); without it, the stored sign-ins");
    cli::AddOption(*sub, "--preset", args->preset,
                   "auto (default), okta-assignments, okta-system-log, google-login, "
                   "google-token, entra or generic");
    cli::AddOption(*sub, "--date-order", args->date_order, "auto, dmy, mdy or ymd");
  }
  {
    auto [sub, args] = verb("reconcile",
                            "Shadow tools, unpaid inventory tools, cost and seats against the "
                            "inventory",
                            RunReconcile);
    analysis(sub, *args);
  }
  {
    auto [sub, args] = verb("apply",
                            "Write discovered tools, costs and active seats into the inventory "
                            "(one transaction, audited, undoable)",
                            RunApply);
    analysis(sub, *args);
    cli::AddFlag(*sub, "--dry-run", args->dry_run, "Show the changes, write nothing");
  }
  {
    auto [sub, args] = verb("undo", "Revert the latest apply", RunUndo);
    cli::AddOption(*sub, "--id", args->id, "The apply to revert (must be the latest one)");
  }
  {
    auto [sub, args] =
        verb("aliases", "List the merchant aliases, or add a CSV of them", RunAliases);
    cli::AddOption(*sub, "FILE", args->file, "pattern,tool,match,confidence,category");
  }
}

}  // namespace mops::stack::discovery
