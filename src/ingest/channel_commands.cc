// `mops channels show|explain|reclassify`.
#include <fmt/format.h>

#include <iostream>

#include "cli/cli.h"
#include "cli/cli11.h"
#include "core/strings.h"
#include "ingest/channel_rules.h"

namespace mops::ingest {
namespace {

std::string ConditionText(const ChannelCondition& c) {
  auto field = [](ChannelField f) -> std::string_view {
    switch (f) {
      case ChannelField::kType:
        return "type";
      case ChannelField::kMedium:
        return "medium";
      case ChannelField::kSource:
        return "source";
      case ChannelField::kReferrer:
        return "referrer";
    }
    return "";
  };
  std::vector<std::string_view> fields;
  for (ChannelField f : c.fields) fields.push_back(field(f));
  switch (c.kind) {
    case ChannelCondition::Kind::kValues:
      return fmt::format("{} in [{}]", field(c.field), core::Join(c.values, ", "));
    case ChannelCondition::Kind::kClickId:
      return fmt::format("click_id in [{}]", core::Join(c.values, ", "));
    case ChannelCondition::Kind::kPresent:
      return fmt::format("present: {}", core::Join(fields, ", "));
    case ChannelCondition::Kind::kEmpty:
      return fmt::format("empty: {}", core::Join(fields, ", "));
  }
  return "";
}

struct ExplainArgs {
  std::string url, referrer, source, medium, type;
};

core::Status RunExplain(cli::Context& ctx, const ExplainArgs& a) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(ChannelRules rules, LoadChannelRules(*db));
  const ChannelExplanation e =
      ExplainChannel(rules, ChannelInputs{a.source, a.medium, a.referrer, a.type, a.url});
  if (ctx.format() == cli::Format::kJson) {
    nlohmann::json tried = nlohmann::json::array();
    for (const auto& t : e.tried) {
      tried.push_back(
          {{"rule", t.rule + 1}, {"name", t.name}, {"line", t.line}, {"failed", t.failed}});
    }
    cli::PrintJson({{"channel", e.channel},
                    {"rule", e.rule < 0 ? nlohmann::json() : nlohmann::json(e.rule + 1)},
                    {"rule_name", e.rule_name},
                    {"line", e.rule_line},
                    {"reasons", e.reasons},
                    {"tried", tried},
                    {"inputs", e.inputs}},
                   std::cout);
    return {};
  }
  std::cout << "channel: " << e.channel << "\n";
  if (e.rule >= 0) {
    std::cout << fmt::format("rule {} '{}' (line {}):\n", e.rule + 1, e.rule_name, e.rule_line);
  } else {
    std::cout << "no rule matched: the default channel\n";
  }
  for (const std::string& r : e.reasons) std::cout << "  " << r << "\n";
  std::cout << fmt::format("inputs: type '{}', medium '{}', source '{}', referrer host '{}'\n",
                           e.inputs.at("type"), e.inputs.at("medium"), e.inputs.at("source"),
                           e.inputs.at("referrer"));
  if (!e.tried.empty()) {
    std::cout << "rules tried before:\n";
    cli::Table table{
        {"#", "rule", "line", "did not match because"}, {}, {true, false, true, false}};
    for (const auto& t : e.tried) {
      table.rows.push_back({std::to_string(t.rule + 1), t.name, std::to_string(t.line), t.failed});
    }
    cli::PrintTable(table, cli::Format::kTable, std::cout);
  }
  return {};
}

core::Status RunShow(cli::Context& ctx) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(std::string stored, StoredChannelRulesText(*db));
  MOPS_ASSIGN_OR_RETURN(ChannelRules rules, LoadChannelRules(*db));
  cli::Table table{{"#", "rule", "channel", "conditions"}, {}, {true, false, false, false}};
  for (size_t i = 0; i < rules.rules().size(); ++i) {
    const ChannelRule& r = rules.rules()[i];
    std::vector<std::string> conds;
    for (const ChannelCondition& c : r.conditions) conds.push_back(ConditionText(c));
    table.rows.push_back({std::to_string(i + 1), r.name, r.channel,
                          conds.empty() ? "(always)" : core::Join(conds, "; ")});
  }
  table.rows.push_back({"", "(default)", rules.default_channel(), "no rule matched"});
  if (!ctx.quiet) {
    std::cerr << (stored.empty() ? "# the built-in default rules\n"
                                 : "# the workspace's rules (mops config show channels)\n");
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  return {};
}

core::Status RunReclassify(cli::Context& ctx, bool dry_run) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(ChannelRules rules, LoadChannelRules(*db));
  ReclassifyOptions options;
  options.dry_run = dry_run;
  MOPS_ASSIGN_OR_RETURN(ReclassifyReport report, ReclassifyTouchpoints(*db, rules, options));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(report.ToJson(), std::cout);
    return {};
  }
  cli::Table table{{"from", "to", "touchpoints"}, {}, {false, false, true}};
  for (const auto& c : report.changes) {
    table.rows.push_back({c.from.empty() ? "(none)" : c.from, c.to, std::to_string(c.count)});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  std::cerr << fmt::format("{} {} of {} touchpoints{} ({:.2f} s)\n",
                           dry_run ? "would change" : "changed", report.changed, report.touchpoints,
                           dry_run ? " (dry run: nothing written)" : "", report.seconds);
  return {};
}

}  // namespace

void RegisterChannelCommands(CLI::App& app, cli::Context& ctx) {
  RegisterChannelConfigs();
  CLI::App* channels =
      cli::AddVerb(app, "channels",
                   "Channel rules: show them, explain a classification, reclassify touchpoints");
  channels->require_subcommand(1);

  cli::AddVerb(*channels, "show", "The rules in force, in order (first match wins)")
      ->callback([&ctx] { cli::RunVerb(ctx, [&] { return RunShow(ctx); }); });

  auto args = std::make_shared<ExplainArgs>();
  CLI::App* explain = cli::AddVerb(
      *channels, "explain",
      "Which rule gives a touchpoint its channel, and why (and the rules tried before)");
  cli::AddOption(*explain, "--url", args->url, "Landing page URL (for click ids)");
  cli::AddOption(*explain, "--referrer", args->referrer, "Referrer URL");
  cli::AddOption(*explain, "--source", args->source, "utm_source");
  cli::AddOption(*explain, "--medium", args->medium, "utm_medium");
  cli::AddOption(*explain, "--type", args->type,
                 "Touchpoint type (page_view, webinar_attended, ...)");
  explain->callback([&ctx, args] { cli::RunVerb(ctx, [&] { return RunExplain(ctx, *args); }); });

  auto dry_run = std::make_shared<bool>(false);
  CLI::App* reclassify = cli::AddVerb(
      *channels, "reclassify",
      "Apply the rules in force to every stored touchpoint, in one transaction; prints the "
      "counts per old -> new channel");
  cli::AddFlag(*reclassify, "--dry-run", *dry_run, "Count the changes, write nothing");
  reclassify->callback(
      [&ctx, dry_run] { cli::RunVerb(ctx, [&] { return RunReclassify(ctx, *dry_run); }); });
}

}  // namespace mops::ingest
