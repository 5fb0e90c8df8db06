// CLI verbs: `mops leads config show|set, score, explain, backtest, route,
// sla, status, list`.
#include "leads/commands.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cli11.h"
#include "core/strings.h"
#include "leads/internal.h"
#include "leads/report.h"

namespace mops::leads {
namespace {

struct Args {
  std::string kind = "scoring";
  std::string file;
  std::string as_of;
  std::string config;
  int64_t horizon = 90;
  int64_t contact = 0;
  bool dry_run = false;
  std::string status;
  int64_t by = 0;
  std::string reason;
  std::string grade;
  int limit = 20;
};

std::string P(double x) { return fmt::format("{:.2f}", x); }
std::string Pts(int64_t centi) { return P(static_cast<double>(centi) / 100); }
std::string Pct(double x) { return fmt::format("{:.1f}%", x * 100); }

core::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return core::Fail(core::MakeError(core::ErrorCode::kIo, "cannot read the file").At(path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

core::Status RunConfigShow(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(std::string yaml, ConfigYaml(*db, args.kind));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(Json{{"kind", args.kind}, {"yaml", yaml}}, std::cout);
  } else {
    std::cout << yaml;
  }
  return {};
}

core::Status RunConfigSet(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(std::string yaml, ReadFile(args.file));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  // Parse errors name the file given, not the config's kind.
  if (args.kind == kScoringConfig) {
    MOPS_TRY(ParseScoringConfig(yaml, args.file));
  } else if (args.kind == kRoutingConfig) {
    MOPS_TRY(ParseRoutingConfig(yaml, args.file));
  } else {
    MOPS_TRY(ParseSlaConfig(yaml, args.file));
  }
  MOPS_TRY(SaveConfig(*db, args.kind, yaml, "cli"));
  std::cout << "stored the " << args.kind << " config from " << args.file << "\n";
  return {};
}

core::Status RunScore(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(Timestamp as_of, internal::ParseAsOf(args.as_of, core::NowUtc()));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(ScoreRunReport r, ScoreWorkspace(*db, as_of, "cli"));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(ToJson(r), std::cout);
    return {};
  }
  std::cout << fmt::format(
      "scored {} contacts as of {}: {} scores changed, {} new MQLs, {} lifecycle moves ({:.2f} s "
      "load, {:.2f} s score, {:.2f} s write)\n",
      r.contacts, core::FormatTimestamp(r.as_of), r.changed, r.mqls_new, r.lifecycle_moves,
      r.load_seconds, r.score_seconds, r.write_seconds);
  return {};
}

core::Status RunExplain(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(Timestamp stored, StoredScoreAsOf(*db, args.contact, core::NowUtc()));
  MOPS_ASSIGN_OR_RETURN(Timestamp as_of, internal::ParseAsOf(args.as_of, stored));
  MOPS_ASSIGN_OR_RETURN(Explanation e, Explain(*db, args.contact, as_of));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(ToJson(e), std::cout);
    return {};
  }
  std::cout << fmt::format("contact {} as of {}: total {} = fit {} + engagement {}, grade {}\n",
                           e.contact_id, core::FormatTimestamp(as_of), Pts(e.score.total()),
                           Pts(e.score.fit), Pts(e.score.engagement), e.score.grade);
  cli::Table t{
      {"group", "rule", "points", "earned", "touch", "at", "halves_at", "expires_at", "detail"},
      {},
      {false, false, true, true, true, false, false, false, false}};
  for (const ScoreLine& l : e.lines) {
    t.rows.push_back({l.group, l.rule, Pts(l.points), Pts(l.raw),
                      l.touch_id ? std::to_string(l.touch_id) : "",
                      l.occurred_at ? core::FormatDate(l.occurred_at) : "",
                      l.halves_at ? core::FormatDate(*l.halves_at) : "",
                      l.expires_at ? core::FormatDate(*l.expires_at) : "", l.detail});
  }
  cli::PrintTable(t, ctx.format(), std::cout);
  return {};
}

void PrintBuckets(const std::string& title, const std::vector<BacktestBucket>& stored,
                  const std::vector<BacktestBucket>* draft, cli::Format format) {
  std::cout << title << "\n";
  cli::Table t{{"bucket", "contacts", "converted", "won", "rate", "lift", "scores"},
               {},
               {false, true, true, true, true, true, false}};
  if (draft) {
    t.columns.insert(t.columns.end(), {"draft_contacts", "draft_rate", "draft_lift"});
    t.numeric.insert(t.numeric.end(), {true, true, true});
  }
  for (size_t i = 0; i < stored.size(); ++i) {
    const BacktestBucket& b = stored[i];
    std::vector<std::string> row = {b.label,
                                    std::to_string(b.count),
                                    std::to_string(b.converted),
                                    std::to_string(b.won),
                                    Pct(b.rate),
                                    P(b.lift),
                                    P(b.min_score) + ".." + P(b.max_score)};
    if (draft) {
      if (i < draft->size()) {
        row.insert(row.end(),
                   {std::to_string((*draft)[i].count), Pct((*draft)[i].rate), P((*draft)[i].lift)});
      } else {
        row.insert(row.end(), {"", "", ""});
      }
    }
    t.rows.push_back(std::move(row));
  }
  cli::PrintTable(t, format, std::cout);
}

core::Status RunBacktestVerb(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(Timestamp as_of,
                        internal::ParseAsOf(args.as_of, core::NowUtc() - args.horizon * 86400));
  std::optional<std::string> draft;
  if (!args.config.empty()) {
    MOPS_ASSIGN_OR_RETURN(std::string yaml, ReadFile(args.config));
    MOPS_TRY(ParseScoringConfig(yaml, args.config));
    draft = yaml;
  }
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(BacktestReport r, RunBacktest(*db, as_of, args.horizon, draft));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(ToJson(r), std::cout);
    return {};
  }
  const BacktestResult& s = r.stored;
  std::cout << fmt::format(
      "backtest as of {} over {} days: {} contacts, {} converted ({}), {} won; AUC {:.3f}; MQLs "
      "at the threshold {} ({} converted, {})\n",
      core::FormatDate(r.as_of), r.horizon_days, s.contacts, s.converted, Pct(s.rate), s.won, s.auc,
      s.mqls, s.mqls_converted, Pct(s.mql_rate));
  if (r.draft) {
    const BacktestResult& d = *r.draft;
    std::cout << fmt::format("draft {}: AUC {:.3f} (stored {:.3f}); MQLs {} ({} converted, {})\n",
                             args.config, d.auc, s.auc, d.mqls, d.mqls_converted, Pct(d.mql_rate));
  }
  PrintBuckets("by score decile (1 = highest scores)", s.deciles,
               r.draft ? &r.draft->deciles : nullptr, ctx.format());
  PrintBuckets("by grade", s.grades, nullptr, ctx.format());
  return {};
}

core::Status RunRoute(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(RouteReport r, RouteLeads(*db, args.dry_run, "cli", core::NowUtc()));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(ToJson(r), std::cout);
    return {};
  }
  int64_t queued = 0;
  cli::Table t{
      {"contact", "user", "queue", "rule", "reason"}, {}, {true, true, false, false, false}};
  for (const Assignment& a : r.assignments) {
    queued += a.user_id == 0;
    t.rows.push_back({std::to_string(a.contact_id), a.user_id ? std::to_string(a.user_id) : "",
                      a.queue, a.rule, a.reason});
  }
  cli::PrintTable(t, ctx.format(), std::cout);
  std::cout << fmt::format("{} leads: {} assigned, {} to the fallback queue{}\n", r.leads,
                           r.leads - queued, queued,
                           r.dry_run ? " (dry run: nothing changed)" : "");
  return {};
}

core::Status RunSla(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(Timestamp as_of, internal::ParseAsOf(args.as_of, core::NowUtc()));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(SlaReport r, SlaReportOf(*db, as_of));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(ToJson(r), std::cout);
    return {};
  }
  for (const auto& [title, rows] :
       {std::pair{"per rep", &r.reps}, std::pair{"per team", &r.teams}}) {
    std::cout << title << "\n";
    cli::Table t{
        {"name", "leads", "met", "breached", "at_risk", "open", "median_min", "within_sla"},
        {},
        {false, true, true, true, true, true, true, true}};
    for (const SlaRepRow& x : *rows) {
      t.rows.push_back({x.key, std::to_string(x.leads), std::to_string(x.met),
                        std::to_string(x.breached), std::to_string(x.at_risk),
                        std::to_string(x.open), x.median_minutes < 0 ? "" : P(x.median_minutes),
                        Pct(x.within_share)});
    }
    cli::PrintTable(t, ctx.format(), std::cout);
  }
  std::cout << "escalations\n";
  cli::Table e{{"contact", "tier", "state", "deadline", "overdue_min"},
               {},
               {true, false, false, false, true}};
  for (const SlaStatus& s : r.escalations) {
    e.rows.push_back({std::to_string(s.contact_id), s.tier, s.state,
                      core::FormatTimestamp(s.deadline), std::to_string(s.overdue_minutes)});
  }
  cli::PrintTable(e, ctx.format(), std::cout);
  std::cout << "handoff funnel by month of MQL\n";
  cli::Table f{{"month", "mql", "sal", "sql", "opportunity", "won"},
               {},
               {false, true, true, true, true, true}};
  for (const FunnelMonth& m : r.funnel) {
    f.rows.push_back({m.month, std::to_string(m.mql), std::to_string(m.sal), std::to_string(m.sql),
                      std::to_string(m.opportunity), std::to_string(m.won)});
  }
  cli::PrintTable(f, ctx.format(), std::cout);
  return {};
}

core::Status RunStatus(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  std::optional<int64_t> by;
  if (args.by > 0) by = args.by;
  MOPS_TRY(SetLeadStatus(*db, args.contact, args.status, by, args.reason, "cli", core::NowUtc()));
  std::cout << fmt::format("contact {}: status {}\n", args.contact, core::ToLower(args.status));
  return {};
}

core::Status RunList(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  std::optional<std::string> grade;
  if (!args.grade.empty()) grade = args.grade;
  MOPS_ASSIGN_OR_RETURN(Json list, ScoreList(*db, grade, args.limit, 0));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(list, std::cout);
    return {};
  }
  cli::Table t{{"contact", "name", "stage", "fit", "engagement", "total", "grade"},
               {},
               {true, false, false, true, true, true, false}};
  for (const Json& i : list["items"]) {
    t.rows.push_back({std::to_string(i["contact_id"].get<int64_t>()), i["name"].get<std::string>(),
                      i["lifecycle_stage"].get<std::string>(), P(i["fit"].get<double>()),
                      P(i["engagement"].get<double>()), P(i["total"].get<double>()),
                      i["grade"].get<std::string>()});
  }
  cli::PrintTable(t, ctx.format(), std::cout);
  return {};
}

}  // namespace

void RegisterCommands(CLI::App& app, cli::Context& ctx) {
  CLI::App* leads = cli::AddVerb(
      app, "leads", "Lead management: scoring with decay, backtest, lifecycle, routing, SLA");
  leads->require_subcommand(1);
  const auto verb = [&ctx](CLI::App* parent, const std::string& name, const std::string& help,
                           core::Status (*run)(cli::Context&, const Args&)) {
    auto args = std::make_shared<Args>();
    CLI::App* sub = cli::AddVerb(*parent, name, help);
    sub->callback([&ctx, args, run] { cli::RunVerb(ctx, [&] { return run(ctx, *args); }); });
    return std::make_pair(sub, args);
  };
  CLI::App* config =
      cli::AddVerb(*leads, "config", "Show or store the scoring, routing or sla config");
  config->require_subcommand(1);
  {
    auto [sub, args] =
        verb(config, "show", "Print a config (the default one until one is stored)", RunConfigShow);
    cli::AddOption(*sub, "KIND", args->kind, "scoring (default), routing or sla")
        ->check(cli::OneOf({"scoring", "routing", "sla"}));
  }
  {
    auto [sub, args] = verb(config, "set",
                            "Validate and store a config from a YAML file; a bad "
                            "one changes nothing",
                            RunConfigSet);
    cli::AddOption(*sub, "KIND", args->kind, "scoring, routing or sla")
        ->required()
        ->check(cli::OneOf({"scoring", "routing", "sla"}));
    cli::AddOption(*sub, "FILE", args->file, "The YAML file")->required();
  }
  {
    auto [sub, args] =
        verb(leads, "score", "Rescore every contact in one transaction and apply the lifecycle",
             RunScore);
    cli::AddOption(*sub, "--as-of", args->as_of,
                   "Score as of this date or time (default now, UTC)");
  }
  {
    auto [sub, args] = verb(leads, "explain", "Why a lead has its score, rule by rule", RunExplain);
    cli::AddOption(*sub, "CONTACT", args->contact, "Contact id")
        ->required()
        ->check(CLI::PositiveNumber);
    cli::AddOption(
        *sub, "--as-of", args->as_of,
        "Explain as of this date or time (default: when its stored score was computed, else now)");
  }
  {
    auto [sub, args] = verb(leads, "backtest",
                            "How well the score predicted opportunities: lift per decile and "
                            "grade, AUC, MQLs; --config compares a draft side by side",
                            RunBacktestVerb);
    cli::AddOption(*sub, "--config", args->config, "A draft scoring config (YAML) to compare");
    cli::AddOption(*sub, "--as-of", args->as_of,
                   "Score as of this past date (default: now - horizon)");
    cli::AddOption(*sub, "--horizon", args->horizon, "Days after as-of that count (default 90)")
        ->check(cli::InRange(1, 3650));
  }
  {
    auto [sub, args] = verb(leads, "route", "Route the MQLs without an owner", RunRoute);
    cli::AddFlag(*sub, "--dry-run", args->dry_run, "Show the assignments and change nothing");
  }
  {
    auto [sub, args] =
        verb(leads, "sla", "SLA per rep and team, escalations, and the handoff funnel", RunSla);
    cli::AddOption(*sub, "--as-of", args->as_of, "Evaluate as of this time (default now)");
  }
  {
    auto [sub, args] = verb(leads, "status",
                            "Record a sales status: working, accepted, qualified (-> sql), "
                            "rejected (-> recycled), unqualified (-> disqualified)",
                            RunStatus);
    cli::AddOption(*sub, "CONTACT", args->contact, "Contact id")
        ->required()
        ->check(CLI::PositiveNumber);
    cli::AddOption(*sub, "STATUS", args->status, "The status")->required();
    cli::AddOption(*sub, "--by", args->by,
                   "The user id who set it (the owner's counts as first touch)");
    cli::AddOption(*sub, "--reason", args->reason, "Why (required to disqualify)");
  }
  {
    auto [sub, args] = verb(leads, "list", "Scored contacts, highest first", RunList);
    cli::AddOption(*sub, "--grade", args->grade, "Only this grade (A1..D4)");
    cli::AddOption(*sub, "--limit", args->limit, "Rows (default 20)")
        ->check(cli::InRange(1, 100000));
  }
}

}  // namespace mops::leads
