// `mops attribute`: runs the models on the workspace and prints them side by
// side; `attribute runs|show|config` manage stored runs and the config.
#include "attribution/commands.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "attribution/attribution.h"
#include "cli/cli11.h"
#include "core/strings.h"

namespace mops::attribution {
namespace {

struct AttributeArgs {
  std::string model = "all";
  std::string conversion = "created";
  std::string by = "channel";
  std::string journey;
  std::string from, to;
  int lookback_days = -1;
  double half_life = 0;
  std::string position;
  int markov_order = 0;
  std::vector<std::string> exclude_types;
  bool include_all_types = false;
  std::string metric;
  bool detail = false;
  bool no_store = false;
};

std::string Number(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

core::Result<RunRequest> BuildRequest(store::Database& db, const AttributeArgs& a) {
  MOPS_ASSIGN_OR_RETURN(RunRequest r, DefaultRequest(db));
  if (a.model != "all") {
    for (std::string_view name : core::Split(a.model, ',')) {
      MOPS_ASSIGN_OR_RETURN(Model m, ParseModel(core::Trim(name)));
      r.models.push_back(m);
    }
  }
  MOPS_ASSIGN_OR_RETURN(r.conversion, ParseConversion(a.conversion));
  if (!a.journey.empty()) {
    r.scope = a.journey == "account" ? JourneyScope::kAccount : JourneyScope::kRoles;
  }
  if (!a.from.empty()) {
    auto t = core::ParseTimestamp(a.from);
    if (!t) return std::unexpected(std::move(t).error().InField("--from"));
    r.from = *t;
  }
  if (!a.to.empty()) {
    auto t = core::ParseTimestamp(a.to);
    if (!t) return std::unexpected(std::move(t).error().InField("--to"));
    r.to = *t;
  }
  if (r.from && r.to && *r.from >= *r.to) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "--from must be before --to");
  }
  if (a.lookback_days >= 0) r.lookback_days = a.lookback_days;
  if (a.half_life > 0) r.model_options.half_life_days = a.half_life;
  if (a.markov_order > 0) r.model_options.markov_order = a.markov_order;
  if (!a.position.empty()) {
    const auto parts = core::Split(a.position, ',');
    double w[3] = {0, 0, 0};
    bool ok = parts.size() == 3;
    for (size_t i = 0; ok && i < 3; ++i) {
      try {
        w[i] = std::stod(std::string(core::Trim(parts[i])));
      } catch (const std::exception&) {
        ok = false;
      }
    }
    if (!ok) {
      return core::Fail(
          core::MakeError(core::ErrorCode::kInvalidArgument,
                          fmt::format("--position takes three weights, first,middle,last "
                                      "(e.g. 40,20,40), not '{}'",
                                      a.position))
              .InField("--position"));
    }
    const double scale = w[0] + w[1] + w[2] > 1.5 ? 100.0 : 1.0;
    r.model_options.position = {w[0] / scale, w[1] / scale, w[2] / scale};
  }
  if (a.include_all_types) r.excluded_types.clear();
  if (!a.exclude_types.empty()) r.excluded_types = a.exclude_types;
  r.detail = a.detail;
  r.store = !a.no_store;
  MOPS_TRY(ValidateOptions(r.model_options));
  return r;
}

void PrintReport(const cli::Context& ctx, const RunReport& report, Dimension dimension,
                 bool by_value) {
  const size_t d = static_cast<size_t>(dimension);
  cli::Table table;
  table.columns = {std::string(DimensionName(dimension))};
  table.numeric = {false};
  for (const ModelTotals& m : report.models) {
    table.columns.push_back(std::string(ModelName(m.model)));
    table.numeric.push_back(true);
  }
  // Keys in the order of the first model's credit, largest first.
  const DimensionTotals& first = report.models.front().by[d];
  std::vector<size_t> order;
  for (size_t k = 0; k < first.keys.size(); ++k) {
    bool any = false;
    for (const ModelTotals& m : report.models) {
      any = any || m.by[d].conversions[k] != 0 || m.by[d].value[k] != 0;
    }
    if (any) order.push_back(k);
  }
  auto metric = [&](const DimensionTotals& t, size_t k) {
    return by_value ? t.value[k] : t.conversions[k];
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return metric(first, a) > metric(first, b); });
  const int decimals = by_value ? 2 : 3;
  std::vector<double> sums(report.models.size(), 0.0);
  for (size_t k : order) {
    std::vector<std::string> row = {first.keys[k]};
    for (size_t m = 0; m < report.models.size(); ++m) {
      const double v = metric(report.models[m].by[d], k);
      sums[m] += v;
      row.push_back(Number(v, decimals));
    }
    table.rows.push_back(std::move(row));
  }
  if (ctx.format() == cli::Format::kTable) {
    std::vector<std::string> total = {"total"};
    for (double s : sums) total.push_back(Number(s, decimals));
    table.rows.push_back(std::move(total));
  }
  cli::PrintTable(table, ctx.format(), std::cout);
}

void PrintDetail(const cli::Context& ctx, const RunReport& report) {
  cli::Table table;
  table.columns = {"conversion_id", "touchpoint_id", "occurred_at", "channel",
                   "campaign",      "model",         "share",       "value"};
  table.numeric = {true, true, false, false, false, false, true, true};
  for (const DetailRow& r : report.detail) {
    table.rows.push_back({std::to_string(r.conversion_id), std::to_string(r.touchpoint_id),
                          core::FormatTimestamp(r.occurred_at), r.channel, r.campaign,
                          std::string(ModelName(r.model)), Number(r.share, 6), Number(r.value, 2)});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
}

core::Status RunAttribute(cli::Context& ctx, const AttributeArgs& args) {
  MOPS_ASSIGN_OR_RETURN(Dimension dimension, ParseDimension(args.by));
  if (!args.metric.empty() && args.metric != "value" && args.metric != "conversions") {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "--metric must be value or conversions, not '{}'", args.metric);
  }
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(RunRequest request, BuildRequest(*db, args));
  MOPS_ASSIGN_OR_RETURN(RunReport report, Run(*db, request, "cli"));
  if (args.detail) {
    PrintDetail(ctx, report);
  } else {
    const bool by_value =
        args.metric.empty() ? IsOpportunityConversion(request.conversion) : args.metric == "value";
    PrintReport(ctx, report, dimension, by_value);
    if (ctx.format() == cli::Format::kTable && IsOpportunityConversion(request.conversion) &&
        request.scope == JourneyScope::kRoles) {
      std::cout << fmt::format(
          "through account journeys (no contact role with a touch): {} of {} opportunities, "
          "value {:.2f} of {:.2f}\n",
          report.account_journeys, report.conversions, report.account_journey_value, report.value);
    }
  }
  std::cout.flush();  // the table before the summary line when both go to a terminal
  if (!ctx.quiet) {
    std::cerr << fmt::format(
        "{} conversions ({}), value {:.2f}; {} unattributed; {} through accounts (value {:.2f}); "
        "{} touchpoints loaded, {} in journeys; load {:.2f} s, models {:.2f} s, store {:.2f} s{}\n",
        report.conversions, ConversionName(request.conversion), report.value, report.unattributed,
        report.account_journeys, report.account_journey_value, report.touchpoints,
        report.journey_touches, report.load_seconds, report.compute_seconds, report.store_seconds,
        report.run_id ? fmt::format("; run {}", report.run_id) : std::string());
  }
  return {};
}

core::Status RunList(cli::Context& ctx, int limit) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(std::vector<RunInfo> runs, ListRuns(*db, limit));
  cli::Table table;
  table.columns = {"run",      "created_at",  "actor", "conversion",   "journey",
                   "lookback", "conversions", "value", "unattributed", "models"};
  table.numeric = {true, false, false, false, false, true, true, true, true, false};
  for (const RunInfo& r : runs) {
    table.rows.push_back({std::to_string(r.id), core::FormatTimestamp(r.created_at), r.actor,
                          r.conversion, r.journey, std::to_string(r.lookback_days),
                          std::to_string(r.conversions), Number(r.value, 2),
                          std::to_string(r.unattributed), r.models});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  return {};
}

core::Status RunShow(cli::Context& ctx, int64_t run_id, const std::string& by) {
  MOPS_TRY(ParseDimension(by));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(StoredRun run, LoadRun(*db, run_id));
  if (ctx.format() == cli::Format::kJson) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : run.results) {
      if (r.dimension != by) continue;
      rows.push_back(
          {{"model", r.model}, {"key", r.key}, {"conversions", r.conversions}, {"value", r.value}});
    }
    cli::PrintJson({{"run", run.info.id},
                    {"params", nlohmann::json::parse(run.params_json)},
                    {"results", rows},
                    {"summary", nlohmann::json::parse(run.summary_json)}},
                   std::cout);
    return {};
  }
  cli::Table table;
  table.columns = {"model", by, "conversions", "value"};
  table.numeric = {false, false, true, true};
  for (const auto& r : run.results) {
    if (r.dimension != by) continue;
    table.rows.push_back({r.model, r.key, Number(r.conversions, 3), Number(r.value, 2)});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  return {};
}

}  // namespace

CLI::App* RegisterCommands(CLI::App& app, cli::Context& ctx) {
  auto args = std::make_shared<AttributeArgs>();
  CLI::App* attribute = cli::AddVerb(
      app, "attribute",
      "Attribute pipeline, revenue, leads or MQLs to channels and campaigns with every model "
      "side by side");
  cli::AddOption(*attribute, "--model", args->model,
                 "first_touch, last_touch, last_non_direct, linear, time_decay, "
                 "position_based, w_shaped, full_path, custom, markov, shapley; a "
                 "comma-separated list, or all")
      ->capture_default_str();
  cli::AddOption(*attribute, "--conversion", args->conversion, "created, won, lead or mql")
      ->check(cli::OneOf({"created", "won", "lead", "mql"}))
      ->capture_default_str();
  cli::AddOption(*attribute, "--by", args->by, "channel, campaign, source, medium or content")
      ->check(cli::OneOf({"channel", "campaign", "source", "medium", "content"}))
      ->capture_default_str();
  cli::AddOption(*attribute, "--journey", args->journey,
                 "roles (the opportunity's contact roles) or account (every contact "
                 "of its account); default from the config, else roles")
      ->check(cli::OneOf({"roles", "account"}));
  cli::AddOption(*attribute, "--from", args->from, "Conversions at or after this date");
  cli::AddOption(*attribute, "--to", args->to, "Conversions before this date");
  cli::AddOption(*attribute, "--lookback-days", args->lookback_days,
                 "Touches this many days before the conversion count (default 90)")
      ->check(cli::InRange(0, 3650));
  cli::AddOption(*attribute, "--half-life", args->half_life, "time_decay half-life in days (7)")
      ->check(CLI::PositiveNumber);
  cli::AddOption(*attribute, "--position", args->position,
                 "position_based weights first,middle,last (40,20,40)");
  cli::AddOption(*attribute, "--markov-order", args->markov_order, "Markov chain order (1)")
      ->check(cli::InRange(1, 4));
  cli::AddOption(*attribute, "--exclude-types", args->exclude_types,
                 "Touchpoint types that take no credit (default sales_activity)")
      ->delimiter(',');
  cli::AddFlag(*attribute, "--all-types", args->include_all_types, "Every touchpoint type counts");
  cli::AddOption(*attribute, "--metric", args->metric,
                 "value (pipeline or revenue) or conversions; default value for "
                 "created/won, conversions for lead/mql");
  cli::AddFlag(*attribute, "--detail", args->detail,
               "Print the credit per conversion and touchpoint instead");
  cli::AddFlag(*attribute, "--no-store", args->no_store, "Do not keep the run in the workspace");
  attribute->require_subcommand(0, 1);
  attribute->callback([&ctx, args, attribute] {
    if (!attribute->get_subcommands().empty()) return;
    cli::RunVerb(ctx, [&ctx, &args] { return RunAttribute(ctx, *args); });
  });

  auto limit = std::make_shared<int>(20);
  CLI::App* runs = cli::AddVerb(*attribute, "runs", "List stored attribution runs");
  cli::AddOption(*runs, "--limit", *limit, "How many, newest first")->capture_default_str();
  runs->callback(
      [&ctx, limit] { cli::RunVerb(ctx, [&ctx, limit] { return RunList(ctx, *limit); }); });

  auto show_id = std::make_shared<int64_t>(0);
  auto show_by = std::make_shared<std::string>("channel");
  CLI::App* show = cli::AddVerb(*attribute, "show", "Print a stored run's results");
  cli::AddOption(*show, "RUN", *show_id, "Run id (see attribute runs)")->required();
  cli::AddOption(*show, "--by", *show_by, "channel, campaign, source, medium or content")
      ->capture_default_str();
  show->callback([&ctx, show_id, show_by] {
    cli::RunVerb(ctx, [&ctx, show_id, show_by] { return RunShow(ctx, *show_id, *show_by); });
  });

  CLI::App* config = cli::AddVerb(*attribute, "config", "Show or set the attribution config");
  config->require_subcommand(1);
  cli::AddVerb(*config, "show", "Print the stored config (YAML)")->callback([&ctx] {
    cli::RunVerb(ctx, [&ctx]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_ASSIGN_OR_RETURN(std::string text, LoadConfigText(*db));
      std::cout << (text.empty() ? "# no attribution config: defaults apply\n" : text);
      return {};
    });
  });
  auto file = std::make_shared<std::string>();
  CLI::App* set = cli::AddVerb(*config, "set", "Validate and store a config file (YAML)");
  cli::AddOption(*set, "FILE", *file, "YAML file")->required();
  set->callback([&ctx, file] {
    cli::RunVerb(ctx, [&ctx, file]() -> core::Status {
      std::ifstream in(*file, std::ios::binary);
      if (!in) return core::Fail(core::ErrorCode::kNotFound, "{}: cannot open", *file);
      std::stringstream text;
      text << in.rdbuf();
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      if (auto saved = SaveConfig(*db, text.str(), "cli"); !saved) {
        core::Error e = std::move(saved).error();
        e.message = *file + ": " + e.message;
        return std::unexpected(std::move(e));
      }
      if (!ctx.quiet) std::cerr << "attribution config stored\n";
      return {};
    });
  });
  return attribute;
}

}  // namespace mops::attribution
