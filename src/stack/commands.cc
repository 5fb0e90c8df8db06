// CLI verbs: `mops stack list|overlap|utilization|renewals|graph|gaps|cost|
// audit|catalog|import`.
#include "stack/commands.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "cli/cli11.h"
#include "core/strings.h"
#include "ingest/ingest.h"
#include "stack/internal.h"
#include "stack/report.h"

namespace mops::stack {
namespace {

struct Args {
  OptionText options;
  std::string format;  // verb-local --format (graph, audit); empty: the global one
  std::string out;     // audit: write to a file
  int64_t within = -1;
  std::string view = "capabilities";
  std::string query;
  // import
  std::string kind;
  std::string file;
  std::string date_format = "auto";
  std::string source;
  bool strict = false;
};

void AddAnalysisOptions(CLI::App* verb, Args& args) {
  cli::AddOption(*verb, "--as-of", args.options.as_of,
                 "The date the analysis is made on (default: today, UTC)");
  cli::AddOption(*verb, "--stage", args.options.stage,
                 "Company stage of the reference stack: seed, growth or scale (default growth)");
  cli::AddOption(*verb, "--budget", args.options.budget,
                 "Annual marketing budget, for the cost's share of it (e.g. 1200000)");
  cli::AddOption(*verb, "--utilization-threshold", args.options.threshold,
                 "Seat utilization below which a tool is underused: 0.7, 70 or 70% (default 70%)");
}

struct Loaded {
  Stack stack;
  Options options;
};

core::Result<Loaded> Load(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(Options options, ParseOptions(args.options, core::NowUtc()));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(Stack stack, LoadStack(*db));
  return Loaded{std::move(stack), options};
}

std::string Money(int64_t minor) { return fmt::format("{:.2f}", static_cast<double>(minor) / 100); }
std::string Percent(double x) { return fmt::format("{:.0f}%", x * 100); }
std::string CapLabel(std::string_view id) {
  const CapabilityInfo* c = FindCapability(id);
  return c != nullptr ? std::string(c->label) : std::string(id);
}

core::Status RunList(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(Loaded l, Load(ctx, args));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(InventoryJson(l.stack, l.options), std::cout);
    return {};
  }
  std::map<int32_t, Renewal> renewals;
  for (const Renewal& r : Renewals(l.stack, l.options)) renewals.emplace(r.tool, r);
  cli::Table table{
      {"tool", "vendor", "category", "capabilities", "owner", "annual_cost", "seats", "active",
       "utilization", "renewal", "notice_by", "auto_renew", "status"},
      {},
      {false, false, false, false, false, true, true, true, true, false, false, false, false}};
  for (size_t i = 0; i < l.stack.tools.size(); ++i) {
    const Tool& t = l.stack.tools[i];
    auto r = renewals.find(static_cast<int32_t>(i));
    table.rows.push_back(
        {t.name, t.vendor, t.category, core::Join(t.capabilities, ";"), t.owner,
         Money(t.annual_cost), t.seats ? std::to_string(*t.seats) : "",
         t.active_seats ? std::to_string(*t.active_seats) : "",
         t.seats && t.active_seats && *t.seats > 0 ? Percent(internal::UtilizationOf(t)) : "",
         r != renewals.end() ? core::FormatDate(r->second.renewal_date) : "",
         r != renewals.end() ? core::FormatDate(r->second.notice_deadline) : "",
         t.auto_renew ? "yes" : "no", t.status.empty() ? "active" : t.status});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  return {};
}

core::Status RunOverlap(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(Loaded l, Load(ctx, args));
  const OverlapReport o = Overlap(l.stack, l.options);
  const auto& tools = l.stack.tools;
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(OverlapJson(l.stack, o), std::cout);
    return {};
  }
  if (args.view == "pairs") {
    cli::Table table{
        {"tool_a", "tool_b", "shared", "score", "integrated", "retire", "saving", "finding"},
        {},
        {false, false, false, true, false, false, true, false}};
    for (const PairOverlap& p : o.pairs) {
      table.rows.push_back({tools[p.a].name, tools[p.b].name, core::Join(p.shared, ";"),
                            fmt::format("{:.2f}", p.score), p.integrated ? "yes" : "no",
                            tools[p.retire].name, Money(p.saving),
                            internal::IsOverlapFinding(p) ? "yes" : "no"});
    }
    cli::PrintTable(table, ctx.format(), std::cout);
  } else if (args.view == "matrix") {
    cli::Table table;
    table.columns = {"capability"};
    table.numeric = {false};
    for (int32_t t : o.tools) {
      table.columns.push_back(tools[t].name);
      table.numeric.push_back(false);
    }
    for (size_t c = 0; c < o.capabilities.size(); ++c) {
      std::vector<std::string> row = {o.capabilities[c]};
      for (int cell : o.cells[c]) row.push_back(cell == 2 ? "P" : cell == 1 ? "x" : "");
      table.rows.push_back(std::move(row));
    }
    cli::PrintTable(table, ctx.format(), std::cout);
  } else {
    cli::Table table{
        {"capability", "tools", "primary_for", "integrated", "underused", "weight", "severity"},
        {},
        {false, false, true, false, false, true, false}};
    for (const Redundancy& r : o.redundancies) {
      std::vector<std::string> names;
      for (int32_t t : r.tools) names.push_back(tools[t].name);
      table.rows.push_back({CapLabel(r.capability), core::Join(names, ", "),
                            std::to_string(r.primary_count), r.all_integrated ? "yes" : "no",
                            r.any_underused ? "yes" : "no", fmt::format("{:.2f}", r.weight),
                            r.severity});
    }
    cli::PrintTable(table, ctx.format(), std::cout);
  }
  return {};
}

core::Status RunUtilization(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(Loaded l, Load(ctx, args));
  const auto usage = Utilization(l.stack, l.options);
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(UtilizationJson(l.stack, usage, l.options), std::cout);
    return {};
  }
  cli::Table table{{"tool", "seats", "active", "utilization", "unused", "unused_cost",
                    "cost_per_active_seat", "flag"},
                   {},
                   {false, true, true, true, true, true, true, false}};
  for (const SeatUsage& u : usage) {
    table.rows.push_back({l.stack.tools[u.tool].name, std::to_string(u.seats),
                          std::to_string(u.active_seats), Percent(u.utilization),
                          std::to_string(u.unused_seats), Money(u.unused_cost),
                          Money(u.cost_per_active), u.below_threshold ? "underused" : ""});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  return {};
}

core::Status RunRenewals(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(Loaded l, Load(ctx, args));
  const auto renewals = Renewals(l.stack, l.options);
  std::optional<int64_t> within;
  if (args.within >= 0) within = args.within;
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(RenewalsJson(l.stack, renewals, within, l.options), std::cout);
    return {};
  }
  cli::Table table{{"tool", "notice_deadline", "days_left", "window", "renewal_date", "auto_renew",
                    "annual_cost", "owner"},
                   {},
                   {false, false, true, false, false, false, true, false}};
  for (const Renewal& r : renewals) {
    if (within && (r.days_to_deadline > *within || r.days_to_renewal < 0)) continue;
    const Tool& t = l.stack.tools[r.tool];
    const std::string window = r.window > 0    ? fmt::format("<= {} days", r.window)
                               : r.window == 0 ? "later"
                               : r.expired     ? "expired"
                                               : "notice passed";
    table.rows.push_back({t.name, core::FormatDate(r.notice_deadline),
                          std::to_string(r.days_to_deadline), window,
                          core::FormatDate(r.renewal_date), r.auto_renew ? "yes" : "no",
                          Money(t.annual_cost), t.owner});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  return {};
}

core::Status RunGraph(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(Loaded l, Load(ctx, args));
  const GraphReport g = Graph(l.stack, l.options);
  const std::string format = args.format.empty() ? "dot" : args.format;
  if (format == "json") {
    cli::PrintJson(GraphJson(l.stack, g), std::cout);
  } else {
    std::cout << GraphDot(l.stack, g);
  }
  return {};
}

core::Status RunGaps(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(Loaded l, Load(ctx, args));
  const GapReport gaps = Gaps(l.stack, l.options);
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(GapsJson(l.stack, gaps), std::cout);
    return {};
  }
  cli::Table table{{"kind", "capability", "tools", "detail", "annual_cost"},
                   {},
                   {false, false, false, false, true}};
  for (const Gap& g : gaps.gaps) {
    table.rows.push_back({g.essential ? "gap (essential)" : "gap (recommended)",
                          CapLabel(g.capability), "", "typical cost of adding it",
                          Money(g.typical_annual_cost)});
  }
  for (const Overbuilt& o : gaps.overbuilt) {
    std::vector<std::string> names;
    for (int32_t t : o.tools) names.push_back(l.stack.tools[t].name);
    table.rows.push_back({"overbuilt", o.capability.empty() ? "" : CapLabel(o.capability),
                          core::Join(names, ", "), o.detail, Money(o.annual_cost)});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  return {};
}

core::Status RunCost(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(Loaded l, Load(ctx, args));
  const CostReport c = Cost(l.stack, l.options);
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(CostJson(c, l.options), std::cout);
    return {};
  }
  cli::Table table{{"line", "tools", "annual_cost", "share"}, {}, {false, true, true, true}};
  const auto share = [&](int64_t v) {
    return c.total > 0 ? Percent(static_cast<double>(v) / static_cast<double>(c.total)) : "";
  };
  table.rows.push_back(
      {"total (" + c.currency + ")", "", Money(c.total), c.total > 0 ? "100%" : ""});
  table.rows.push_back({"per seat", std::to_string(c.seats), Money(c.per_seat), ""});
  table.rows.push_back(
      {"per active seat", std::to_string(c.active_seats), Money(c.per_active_seat), ""});
  if (c.budget_share) {
    table.rows.push_back({"share of marketing budget", "", Money(*l.options.marketing_budget),
                          fmt::format("{:.1f}%", *c.budget_share * 100)});
  }
  for (const CostLine& line : c.by_category) {
    table.rows.push_back({"category: " + line.name, std::to_string(line.tools),
                          Money(line.annual_cost), share(line.annual_cost)});
  }
  for (const CostLine& line : c.by_capability) {
    table.rows.push_back({"capability: " + CapLabel(line.name), std::to_string(line.tools),
                          Money(line.annual_cost), share(line.annual_cost)});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  return {};
}

core::Status RunAudit(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(Loaded l, Load(ctx, args));
  const AuditReport audit = Audit(l.stack, l.options);
  const std::string format = !args.format.empty() ? args.format : ctx.format_name;
  std::string text;
  if (format == "html") {
    text = AuditHtml(l.stack, audit, l.options);
  } else if (format == "json") {
    text = AuditJson(audit, l.options).dump(2) + "\n";
  } else {
    cli::Table table{{"severity", "kind", "tools", "action", "annual_impact", "evidence"},
                     {},
                     {false, false, false, false, true, false}};
    for (const Finding& f : audit.findings) {
      table.rows.push_back({f.severity, f.kind, core::Join(f.tools, ", "), f.action,
                            Money(f.annual_impact), f.evidence});
    }
    std::ostringstream out;
    cli::PrintTable(table, format == "csv" ? cli::Format::kCsv : cli::Format::kTable, out);
    if (format != "csv") {
      out << fmt::format(
          "\n{} findings; estimated annual saving {} {}, cost of closing gaps {} {}\n",
          audit.findings.size(), Money(audit.total_saving), audit.cost.currency,
          Money(audit.total_added_cost), audit.cost.currency);
    }
    text = out.str();
  }
  if (args.out.empty()) {
    std::cout << text;
    return {};
  }
  std::ofstream file(args.out, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) {
    return core::Fail(
        core::MakeError(core::ErrorCode::kIo, "cannot write the report").At(args.out));
  }
  std::cerr << fmt::format("wrote {} findings to {}\n", audit.findings.size(), args.out);
  return {};
}

core::Status RunCatalog(cli::Context& ctx, const Args& args) {
  cli::Table table{{"product", "vendor", "category", "capabilities", "aliases"}, {}, {}};
  const auto add = [&](const Product& p) {
    std::vector<std::string> caps;
    for (std::string_view c : core::Split(p.capabilities, ';')) caps.emplace_back(c);
    table.rows.push_back({std::string(p.name), std::string(p.vendor), CapLabel(p.category),
                          core::Join(caps, ";"), std::string(p.aliases)});
  };
  if (!args.query.empty()) {
    const Product* p = FindProduct(args.query);
    if (p == nullptr) {
      return core::Fail(core::ErrorCode::kNotFound,
                        "'{}' is not in the catalog; give its category and capabilities in the "
                        "tools file",
                        args.query);
    }
    add(*p);
  } else {
    for (const Product& p : Catalog()) add(p);
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  return {};
}

core::Status RunImport(cli::Context& ctx, const Args& args) {
  ingest::Kind kind;
  if (args.kind == "tools") {
    kind = ingest::Kind::kTools;
  } else if (args.kind == "integrations") {
    kind = ingest::Kind::kIntegrations;
  } else {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "unknown kind '{}' (expected tools or integrations)", args.kind);
  }
  ingest::ImportOptions options;
  options.preset = ingest::Preset::kCanonical;
  MOPS_ASSIGN_OR_RETURN(options.date_format, core::ParseDateFormatName(args.date_format));
  options.date_format_set = core::ToLower(args.date_format) != "auto";
  options.strict = args.strict;
  options.source_system = std::string(core::Trim(args.source));
  options.actor = "cli";
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(ingest::ImportSummary summary,
                        ingest::ImportFile(*db, kind, args.file, options));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(summary.ToJson(), std::cout);
  } else {
    std::cout << summary.ToText();
  }
  return {};
}

}  // namespace

void RegisterCommands(CLI::App& app, cli::Context& ctx) {
  CLI::App* stack = cli::AddVerb(
      app, "stack", "Marketing tech stack: inventory, overlap, renewals, integration map, audit");
  stack->require_subcommand(1);
  const auto verb = [&](const std::string& name, const std::string& help,
                        core::Status (*run)(cli::Context&, const Args&), bool analysis = true) {
    auto args = std::make_shared<Args>();
    CLI::App* sub = cli::AddVerb(*stack, name, help);
    if (analysis) AddAnalysisOptions(sub, *args);
    sub->callback([&ctx, args, run] { cli::RunVerb(ctx, [&] { return run(ctx, *args); }); });
    return std::make_pair(sub, args);
  };
  verb("list", "The tool inventory (catalog values filled in), with utilization and renewals",
       RunList);
  {
    auto [sub, args] =
        verb("overlap", "Capability redundancies, tool pairs or the matrix", RunOverlap);
    cli::AddOption(*sub, "--view", args->view, "capabilities (default), pairs or matrix")
        ->check(cli::OneOf({"capabilities", "pairs", "matrix"}));
  }
  verb("utilization", "Seat utilization and the cost of unused seats", RunUtilization);
  {
    auto [sub, args] = verb("renewals", "Renewal calendar with notice deadlines", RunRenewals);
    cli::AddOption(*sub, "--within", args->within,
                   "Only notice deadlines in the next DAYS days (30, 60, 90, 120, ...)")
        ->check(CLI::NonNegativeNumber);
  }
  {
    auto [sub, args] = verb("graph", "The integration graph as Graphviz dot or JSON", RunGraph);
    cli::AddOption(*sub, "--format", args->format, "dot (default) or json")
        ->check(cli::OneOf({"dot", "json"}));
  }
  verb("gaps", "Missing and over-built capabilities against the stage's reference stack", RunGaps);
  verb("cost", "Cost: total, per seat, per category, per capability, share of budget", RunCost);
  {
    auto [sub, args] =
        verb("audit", "The stack audit: findings with actions and savings", RunAudit);
    cli::AddOption(*sub, "--format", args->format, "table (default), csv, json or html")
        ->check(cli::OneOf({"table", "csv", "json", "html"}));
    cli::AddOption(*sub, "--out,-o", args->out, "Write the report to this file");
  }
  {
    auto [sub, args] = verb("catalog", "The built-in product catalog, or one product looked up",
                            RunCatalog, false);
    cli::AddOption(*sub, "PRODUCT", args->query, "A product name or alias (\"GA4\", \"Marketo\")");
  }
  {
    auto [sub, args] = verb("import",
                            "Import canonical tools or integrations CSV (same reject handling as "
                            "`mops import`: FILE.rejects.csv, all or nothing)",
                            RunImport, false);
    cli::AddOption(*sub, "KIND", args->kind, "tools or integrations")
        ->required()
        ->check(cli::OneOf({"tools", "integrations"}));
    cli::AddOption(*sub, "FILE", args->file, "The CSV file")->required();
    cli::AddOption(*sub, "--date-format", args->date_format,
                   "auto, iso, mdy, dmy, ymd or epoch (default: auto)");
    cli::AddOption(*sub, "--source", args->source, "source_system of the rows (default: csv)");
    cli::AddFlag(*sub, "--strict", args->strict,
                 "Abort on the first rejected row and import nothing");
  }
}

}  // namespace mops::stack
