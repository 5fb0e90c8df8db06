// CLI verbs: `mops campaigns ...` and `mops campaigns utm ...`.
#include "campaigns/commands.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "campaigns/internal.h"
#include "cli/cli11.h"
#include "core/numbers.h"
#include "core/strings.h"
#include "ingest/ingest.h"

namespace mops::campaigns {
namespace {

using internal::Json;

struct Args {
  int64_t id = 0;
  int64_t other = 0;  // step, item, asset, template, fix
  std::string text;   // state, label, decision, url, status
  std::vector<std::string> sets;
  std::string name, comment, actor = "cli", role = "admin", state;
  std::string file, json, from, to, as_of, month, amount, note, model = "linear", runs;
  std::string type, url, owner, status = "draft", body;
  std::string source, medium, campaign, content, term, date;
  std::vector<std::string> parts;
  bool flag = false;
  bool stored = false;
  int limit = 20;
};

core::Status Usage(std::string message) {
  return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument, std::move(message)));
}

core::Result<FieldEdits> ParseSets(const std::vector<std::string>& sets) {
  FieldEdits out;
  for (const std::string& s : sets) {
    const size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      return std::unexpected(Usage("--set takes FIELD=VALUE, got '" + s + "'").error());
    }
    out[std::string(core::Trim(s.substr(0, eq)))] = s.substr(eq + 1);
  }
  return out;
}

core::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::Fail(core::ErrorCode::kIo, "cannot read {}", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

core::Result<Json> ParseJsonText(const std::string& text, std::string_view what) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    return core::Fail(core::ErrorCode::kParse, "{} is not JSON: {}", what, e.what());
  }
}

std::string Amount(double major) { return fmt::format("{:.2f}", major); }
std::string Opt(const std::optional<core::Timestamp>& t) { return t ? core::FormatDate(*t) : ""; }

core::Status PrintDetail(cli::Context& ctx, store::Database& db, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(CampaignRecord c, GetCampaign(db, id));
  MOPS_ASSIGN_OR_RETURN(CampaignApprovals a, LoadApprovals(db, id, core::NowUtc()));
  MOPS_ASSIGN_OR_RETURN(std::vector<QaItem> qa, CampaignQa(db, id));
  const auto blockers = LaunchGate(c.fields.state, a.steps, qa);
  if (ctx.format() == cli::Format::kJson) {
    Json steps = Json::array(), items = Json::array();
    for (const Step& s : a.steps) steps.push_back(internal::StepJson(s));
    for (const QaItem& q : qa) items.push_back(internal::QaJson(q));
    cli::PrintJson({{"campaign", internal::CampaignJson(c)},
                    {"approvals", steps},
                    {"qa", items},
                    {"launch_blockers", blockers}},
                   std::cout);
    return {};
  }
  const CampaignFields& f = c.fields;
  std::cout << fmt::format(
      "campaign {} '{}'\n  state {}  type {}  channel {}  owner {}\n  dates {} .. {}  budget {} "
      "{}\n  goal {}\n  audience {}\n  utm_campaign {}\n",
      f.id, f.name, StateName(f.state), f.type, f.channel, f.owner, Opt(f.start_date),
      Opt(f.end_date), internal::Money(f.budget), c.currency.empty() ? "USD" : c.currency, f.goal,
      f.audience, f.utm_campaign);
  std::cout << "approvals:\n";
  for (const Step& s : a.steps) {
    std::cout << fmt::format("  [{}] round {} stage {} {} ({}): {}{}\n", s.id, s.round, s.def.stage,
                             s.def.name, s.def.user.empty() ? s.def.role : s.def.user,
                             DecisionName(s.decision), s.comment.empty() ? "" : " - " + s.comment);
  }
  std::cout << "QA:\n";
  for (const QaItem& q : qa) {
    std::cout << fmt::format("  {} {}{}\n", q.passed ? "ok  " : "FAIL", q.label,
                             q.passed ? "" : ": " + q.detail);
  }
  if (blockers.empty()) {
    std::cout << "launch: ready\n";
  } else {
    std::cout << "launch blocked:\n";
    for (const std::string& b : blockers) std::cout << "  - " << b << "\n";
  }
  return {};
}

core::Status RunList(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  std::optional<State> only;
  if (!args.state.empty()) {
    MOPS_ASSIGN_OR_RETURN(only, ParseState(args.state));
  }
  MOPS_ASSIGN_OR_RETURN(std::vector<CampaignRecord> all, ListCampaigns(*db));
  cli::Table t{{"id", "name", "type", "channel", "state", "start", "end", "budget", "owner",
                "audience", "utm_campaign", "parent"},
               {},
               {true, false, false, false, false, false, false, true, false, false, false, true}};
  for (const CampaignRecord& c : all) {
    if (only && c.fields.state != *only) continue;
    const CampaignFields& f = c.fields;
    t.rows.push_back({std::to_string(f.id), f.name, f.type, f.channel,
                      std::string(StateName(f.state)), Opt(f.start_date), Opt(f.end_date),
                      internal::Money(f.budget), f.owner, f.audience, f.utm_campaign,
                      c.parent_id == 0 ? "" : std::to_string(c.parent_id)});
  }
  cli::PrintTable(t, ctx.format(), std::cout);
  return {};
}

core::Status RunShow(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  return PrintDetail(ctx, *db, args.id);
}

core::Status RunCreate(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(FieldEdits edits, ParseSets(args.sets));
  if (!args.name.empty()) edits["name"] = args.name;
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  int64_t id = 0;
  if (args.other > 0) {
    MOPS_ASSIGN_OR_RETURN(id, CreateFromTemplate(*db, args.other, edits, args.actor));
  } else {
    MOPS_ASSIGN_OR_RETURN(id, CreateCampaign(*db, edits, args.actor));
  }
  std::cerr << "created campaign " << id << "\n";
  return PrintDetail(ctx, *db, id);
}

core::Status RunUpdate(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(FieldEdits edits, ParseSets(args.sets));
  if (edits.empty()) return Usage("nothing to change: give --set FIELD=VALUE");
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(UpdateResult r, UpdateCampaign(*db, args.id, edits, args.actor));
  if (r.sent_back) std::cerr << "content changed: campaign " << args.id << " is back in review\n";
  return PrintDetail(ctx, *db, args.id);
}

core::Status RunTransition(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(State to, ParseState(args.text));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_TRY(Transition(*db, args.id, to, args.actor));
  std::cerr << "campaign " << args.id << " is " << StateName(to) << "\n";
  return {};
}

core::Status RunApprove(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(Decision d, ParseDecision(args.text));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(DecisionEffect e, DecideStep(*db, args.id, args.other, d, args.comment,
                                                     Actor{args.actor, args.role}));
  std::cerr << fmt::format(
      "step '{}': {}{}\n", e.step.def.name, DecisionName(d),
      e.campaign_state ? fmt::format("; campaign is {}", StateName(*e.campaign_state)) : "");
  return {};
}

core::Status RunChain(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  if (args.json.empty()) {
    MOPS_ASSIGN_OR_RETURN(CampaignApprovals a, LoadApprovals(*db, args.id, core::NowUtc()));
    cli::PrintJson(internal::ChainToJson(a.chain), std::cout);
    return {};
  }
  MOPS_ASSIGN_OR_RETURN(Json j, ParseJsonText(args.json, "--steps"));
  MOPS_ASSIGN_OR_RETURN(auto chain, internal::ParseChain(j, "steps"));
  return SetApprovalChain(*db, args.id, chain, args.actor);
}

core::Status RunOverdue(cli::Context& ctx, const Args&) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(auto list, OverdueApprovals(*db, core::NowUtc()));
  cli::Table t{{"campaign", "name", "step", "stage", "for", "due"},
               {},
               {true, false, true, true, false, false}};
  for (const OverdueStep& o : list) {
    t.rows.push_back({std::to_string(o.campaign_id), o.campaign, o.step.def.name,
                      std::to_string(o.step.def.stage),
                      o.step.def.user.empty() ? o.step.def.role : o.step.def.user,
                      core::FormatTimestamp(o.step.due_at)});
  }
  cli::PrintTable(t, ctx.format(), std::cout);
  return {};
}

core::Status RunCheckItem(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  if (!args.name.empty()) {
    MOPS_ASSIGN_OR_RETURN(int64_t item,
                          AddChecklistItem(*db, args.id, args.name, true, args.actor));
    std::cerr << "added checklist item " << item << "\n";
    return {};
  }
  if (args.other <= 0) return Usage("name an item (--item ID) or add one (--add LABEL)");
  return CheckItem(*db, args.id, args.other, !args.flag, args.actor);
}

core::Status RunRollups(cli::Context& ctx, const Args& args) {
  std::vector<int64_t> runs;
  for (std::string_view part : core::Split(args.runs, ',')) {
    if (core::Trim(part).empty()) continue;
    auto id = core::ParseInt(core::Trim(part));
    if (!id || *id <= 0) return Usage("--run takes attribution run ids, got '" + args.runs + "'");
    runs.push_back(*id);
  }
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(RollupReport r, Rollups(*db, runs, runs.empty() ? "" : args.model));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(internal::RollupJson(r), std::cout);
    return {};
  }
  cli::Table t{{"id", "campaign", "level", "budget", "actual_cost", "members", "responses",
                "pipeline", "won_revenue"},
               {},
               {true, false, true, true, true, true, true, true, true}};
  for (const RollupRow& row : r.rollup.rows) {
    const CampaignRecord& c = r.campaigns[row.node];
    t.rows.push_back(
        {std::to_string(c.fields.id), std::string(2 * (row.depth - 1), ' ') + c.fields.name,
         std::to_string(row.depth), internal::Money(row.total.budget),
         internal::Money(row.total.actual_cost), std::to_string(row.total.members),
         std::to_string(row.total.responses), Amount(row.total.pipeline), Amount(row.total.won)});
  }
  cli::PrintTable(t, ctx.format(), std::cout);
  if (!runs.empty()) std::cerr << "pipeline and revenue: model " << args.model << "\n";
  for (const std::string& n : r.notes) std::cerr << "note: " << n << "\n";
  for (const std::string& p : r.rollup.problems) std::cerr << "warning: " << p << "\n";
  return {};
}

core::Status RunCalendar(cli::Context& ctx, const Args& args) {
  std::optional<core::Timestamp> from, to;
  if (!args.from.empty()) {
    MOPS_ASSIGN_OR_RETURN(from, core::ParseTimestamp(args.from, core::DateFormat::kIso));
  }
  if (!args.to.empty()) {
    MOPS_ASSIGN_OR_RETURN(to, core::ParseTimestamp(args.to, core::DateFormat::kIso));
  }
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(CalendarReport r, Calendar(*db, from, to));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(internal::CalendarJson(r), std::cout);
    return {};
  }
  cli::Table t{{"start", "end", "id", "campaign", "channel", "audience", "state"}, {}, {}};
  for (const CalendarEntry& e : r.entries) {
    t.rows.push_back({core::FormatDate(e.start), core::FormatDate(e.end), std::to_string(e.id),
                      e.name, e.channel, e.audience, std::string(StateName(e.state))});
  }
  cli::PrintTable(t, ctx.format(), std::cout);
  for (const Conflict& c : r.conflicts) std::cout << "conflict: " << c.message << "\n";
  return {};
}

core::Status RunBudget(cli::Context& ctx, const Args& args) {
  core::Timestamp as_of = core::NowUtc();
  if (!args.as_of.empty()) {
    MOPS_ASSIGN_OR_RETURN(as_of, core::ParseTimestamp(args.as_of, core::DateFormat::kIso));
  }
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(BudgetResult b, CampaignBudget(*db, args.id, as_of));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(internal::BudgetJson(b), std::cout);
    return {};
  }
  cli::Table t{{"month", "planned", "spend", "period_costs", "actual", "variance"},
               {},
               {false, true, true, true, true, true}};
  for (const BudgetMonth& m : b.report.months) {
    t.rows.push_back({m.month, internal::Money(m.planned), internal::Money(m.spend),
                      internal::Money(m.period_costs), internal::Money(m.actual),
                      internal::Money(m.variance)});
  }
  cli::PrintTable(t, ctx.format(), std::cout);
  const BudgetReport& r = b.report;
  auto per = [](const std::optional<double>& v) {
    return v ? fmt::format("{:.2f}", *v / 100) : std::string("-");
  };
  std::cout << fmt::format(
      "budget {} actual {} variance {} ({}){}\npacing {} ({})\ncost per member {} response {} "
      "opportunity {} won deal {}\n",
      internal::Money(r.budget), internal::Money(r.actual), internal::Money(r.variance), b.currency,
      r.over_budget ? " OVER BUDGET" : "", r.pacing ? fmt::format("{:.2f}", *r.pacing) : "-",
      r.pacing_status, per(r.cost_per_member), per(r.cost_per_response),
      per(r.cost_per_opportunity), per(r.cost_per_won_deal));
  return {};
}

core::Status RunCost(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(core::Timestamp month,
                        core::ParseTimestamp(args.month + "-01", core::DateFormat::kIso));
  MOPS_ASSIGN_OR_RETURN(int64_t amount, core::ParseMoneyMinor(args.amount));
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(int64_t id,
                        AddPeriodCost(*db, args.id, month, amount, args.note, args.actor));
  std::cerr << "period cost " << id << " added\n";
  return {};
}

core::Status RunMembers(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  if (args.other > 0) {
    MOPS_ASSIGN_OR_RETURN(MemberState m,
                          MoveMember(*db, args.id, args.other, args.text, args.actor));
    std::cerr << "contact " << args.other << " is " << m.status << "\n";
    return {};
  }
  MOPS_ASSIGN_OR_RETURN(auto counts, MembersByStatus(*db, args.id));
  cli::Table t{{"status", "order", "responded", "members"}, {}, {false, true, false, true}};
  for (const StatusCount& c : counts) {
    t.rows.push_back({c.status, std::to_string(c.sort_order), c.responded ? "yes" : "no",
                      std::to_string(c.members)});
  }
  cli::PrintTable(t, ctx.format(), std::cout);
  return {};
}

core::Status RunStatuses(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  if (args.json.empty()) {
    if (args.id <= 0) return Usage("name a campaign (--campaign ID) to list its statuses");
    MOPS_ASSIGN_OR_RETURN(auto s, MemberStatusesOf(*db, args.id));
    cli::PrintJson(internal::StatusesJson(s), std::cout);
    return {};
  }
  MOPS_ASSIGN_OR_RETURN(Json j, ParseJsonText(args.json, "--statuses"));
  MOPS_ASSIGN_OR_RETURN(auto statuses, internal::ParseStatuses(j, "statuses"));
  return SetMemberStatuses(*db, args.id > 0 ? std::optional<int64_t>(args.id) : std::nullopt,
                           args.type, statuses, args.actor);
}

core::Status RunImportList(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(ListImport r,
                        ImportListMembers(*db, args.id, args.file, args.actor, args.flag));
  std::cout << fmt::format("{} rows: {} members added, {} already members, {} unmatched\n", r.rows,
                           r.added, r.already, r.unmatched.size());
  for (const auto& [line, why] : r.unmatched) {
    std::cout << fmt::format("{}:{}: {}\n", args.file, line, why);
  }
  return {};
}

core::Status RunAlign(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(AlignReport r, AlignImportedMembers(*db, args.id, args.actor));
  std::cout << fmt::format("{} members, {} changed, {} with a status the campaign does not have\n",
                           r.members, r.changed, r.unmapped);
  for (const auto& [status, n] : r.unmapped_statuses) {
    std::cout << fmt::format("  '{}': {}\n", status, n);
  }
  return {};
}

core::Status RunTemplates(cli::Context& ctx, const Args& args) {
  if (args.other > 0 && args.name.empty()) {
    return Usage("--from-campaign needs --name for the new template");
  }
  if (args.other > 0 && !args.file.empty()) {
    return Usage("give either --add FILE or --from-campaign ID, not both");
  }
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  if (args.other > 0) {
    MOPS_ASSIGN_OR_RETURN(int64_t id,
                          TemplateFromCampaign(*db, args.other, args.name, args.note, args.actor));
    std::cerr << "created template " << id << " from campaign " << args.other << "\n";
    return {};
  }
  if (!args.file.empty()) {
    MOPS_ASSIGN_OR_RETURN(std::string text, ReadFile(args.file));
    MOPS_ASSIGN_OR_RETURN(Json j, ParseJsonText(text, args.file));
    auto t = internal::ParseTemplate(j);
    if (!t) return core::Fail(std::move(t.error()).At(args.file));
    MOPS_ASSIGN_OR_RETURN(int64_t id, CreateTemplate(*db, *t, args.actor));
    std::cerr << "created template " << id << "\n";
    return {};
  }
  MOPS_ASSIGN_OR_RETURN(auto list, ListTemplates(*db));
  Json out = Json::array();
  for (const Template& t : list) out.push_back(internal::TemplateJson(t));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(out, std::cout);
    return {};
  }
  cli::Table t{{"id", "name", "type", "channel", "utm_pattern", "checklist", "assets", "steps"},
               {},
               {true, false, false, false, false, true, true, true}};
  for (const Template& x : list) {
    t.rows.push_back({std::to_string(x.id), x.name, x.type, x.channel, x.utm_pattern,
                      std::to_string(x.checklist.size()), std::to_string(x.assets.size()),
                      std::to_string(x.approval_chain.size())});
  }
  cli::PrintTable(t, ctx.format(), std::cout);
  return {};
}

core::Status RunAssets(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  if (!args.name.empty()) {
    Asset a{0, args.name, args.type, args.url, args.owner, args.status, args.body};
    MOPS_ASSIGN_OR_RETURN(int64_t id, CreateAsset(*db, a, args.actor));
    std::cerr << "created asset " << id << "\n";
    if (args.id > 0) MOPS_TRY(LinkAsset(*db, args.id, id, true, args.actor));
    return {};
  }
  if (args.id > 0 && args.other > 0) {
    MOPS_ASSIGN_OR_RETURN(UpdateResult r,
                          LinkAsset(*db, args.id, args.other, !args.flag, args.actor));
    if (r.sent_back) std::cerr << "campaign " << args.id << " is back in review\n";
    return {};
  }
  MOPS_ASSIGN_OR_RETURN(
      auto list, ListAssets(*db, args.id > 0 ? std::optional<int64_t>(args.id) : std::nullopt));
  cli::Table t{{"id", "name", "type", "status", "owner", "url", "campaigns"}, {}, {true}};
  t.numeric.resize(7, false);
  for (const AssetRecord& a : list) {
    std::vector<std::string> ids;
    for (int64_t c : a.campaigns) ids.push_back(std::to_string(c));
    t.rows.push_back({std::to_string(a.asset.id), a.asset.name, a.asset.type, a.asset.status,
                      a.asset.owner, a.asset.url, core::Join(ids, ",")});
  }
  cli::PrintTable(t, ctx.format(), std::cout);
  return {};
}

core::Status RunAssetEdit(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(FieldEdits edits, ParseSets(args.sets));
  if (edits.empty()) return Usage("nothing to change: give --set FIELD=VALUE");
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(AssetRecord stored, GetAsset(*db, args.other));
  Asset a = stored.asset;
  for (const auto& [field, value] : edits) {
    if (field == "name") {
      a.name = value;
    } else if (field == "type") {
      a.type = value;
    } else if (field == "url") {
      a.url = value;
    } else if (field == "owner") {
      a.owner = value;
    } else if (field == "status") {
      a.status = value;
    } else if (field == "body") {
      a.body = value;
    } else {
      return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                        "unknown asset field '" + field +
                                            "' (expected name, type, url, owner, status, body)")
                            .InField(field));
    }
  }
  MOPS_TRY(UpdateAsset(*db, a, args.actor));
  std::cerr << "asset " << a.id << " saved\n";
  return {};
}

// ------------------------------------------------------------------- utm

core::Status RunUtmConfig(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  if (args.file.empty()) {
    MOPS_ASSIGN_OR_RETURN(std::string text, NamingConfigText(*db));
    std::cout << (text.empty() ? "# no naming config: mops's defaults apply\n" : text);
    return {};
  }
  MOPS_ASSIGN_OR_RETURN(std::string text, ReadFile(args.file));
  MOPS_TRY(SaveNamingConfig(*db, text, args.file, args.actor));
  std::cerr << "naming config saved\n";
  return {};
}

core::Status RunUtmBuild(cli::Context& ctx, const Args& args) {
  BuildRequest req;
  req.url = args.url;
  const std::pair<const char*, const std::string*> utm[] = {{"utm_source", &args.source},
                                                            {"utm_medium", &args.medium},
                                                            {"utm_campaign", &args.campaign},
                                                            {"utm_content", &args.content},
                                                            {"utm_term", &args.term}};
  for (const auto& [k, v] : utm) {
    if (!v->empty()) req.utm[k] = *v;
  }
  for (const std::string& p : args.parts) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos) return Usage("--part takes NAME=VALUE, got '" + p + "'");
    req.parts[p.substr(0, eq)] = p.substr(eq + 1);
  }
  if (!args.date.empty()) {
    MOPS_ASSIGN_OR_RETURN(req.date, core::ParseTimestamp(args.date, core::DateFormat::kIso));
  } else {
    req.date = core::NowUtc();
  }
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(NamingRules rules, LoadNamingRules(*db));
  MOPS_ASSIGN_OR_RETURN(BuiltUrl built, BuildUrl(rules, req));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson({{"url", built.url}, {"utm", built.utm}}, std::cout);
  } else {
    std::cout << built.url << "\n";
  }
  return {};
}

core::Status RunUtmCheck(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(NamingRules rules, LoadNamingRules(*db));
  const int sources =
      (args.url.empty() ? 0 : 1) + (args.file.empty() ? 0 : 1) + (args.stored ? 1 : 0);
  if (sources != 1) return Usage("check one URL, a --file of URLs, or --stored");
  if (args.stored) {
    MOPS_ASSIGN_OR_RETURN(StoredCheck c, CheckStoredUtms(*db, rules));
    if (ctx.format() == cli::Format::kJson) {
      cli::PrintJson(internal::StoredCheckJson(c, args.limit), std::cout);
      return {};
    }
    std::cout << fmt::format(
        "{} touchpoints, {} with UTMs, {} affected by {} violating values; {} utm_campaign values "
        "match no campaign; {} campaigns break the rules\n",
        c.touchpoints, c.with_utm, c.touchpoints_affected, c.violations.size(),
        c.unknown_campaigns.size(), c.campaigns.size());
    cli::Table t{{"param", "value", "touchpoints", "rules", "suggestion"},
                 {},
                 {false, false, true, false, false}};
    for (size_t i = 0; i < c.violations.size() && static_cast<int>(i) < args.limit; ++i) {
      const StoredViolation& v = c.violations[i];
      t.rows.push_back({v.param, v.value, std::to_string(v.touchpoints), core::Join(v.rules, ","),
                        v.suggestion});
    }
    cli::PrintTable(t, ctx.format(), std::cout);
    for (size_t i = 0; i < c.unknown_campaigns.size() && static_cast<int>(i) < args.limit; ++i) {
      std::cout << fmt::format("no campaign: utm_campaign '{}' on {} touchpoints\n",
                               c.unknown_campaigns[i].first, c.unknown_campaigns[i].second);
    }
    for (const StoredViolation& v : c.campaigns) std::cout << v.message << "\n";
    if (c.touchpoints_affected > 0) ctx.exit_code = 3;
    return {};
  }
  std::vector<std::string> urls;
  if (!args.url.empty()) {
    urls.push_back(args.url);
  } else {
    MOPS_ASSIGN_OR_RETURN(std::string text, ReadFile(args.file));
    for (std::string_view line : core::Split(text, '\n')) {
      line = core::Trim(line);
      if (!line.empty() && !line.starts_with("#")) urls.emplace_back(line);
    }
  }
  Json out = Json::array();
  cli::Table t{{"url", "param", "value", "rule", "message", "suggestion"}, {}, {}};
  bool bad = false;
  for (const std::string& u : urls) {
    const UrlCheck c = CheckUrl(rules, u);
    out.push_back(internal::UrlCheckJson(c));
    if (!c.well_formed) {
      t.rows.push_back({u, "", "", "malformed", c.error, ""});
      bad = true;
    }
    for (const Violation& v : c.violations) {
      t.rows.push_back({u, v.param, v.value, v.rule, v.message, v.suggestion});
      bad = true;
    }
  }
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(out, std::cout);
  } else {
    cli::PrintTable(t, ctx.format(), std::cout);
    for (const Json& r : out) {
      if (!r["fixed_url"].is_null())
        std::cout << "fixed: " << r["fixed_url"].get<std::string>() << "\n";
    }
  }
  if (bad) ctx.exit_code = 3;
  return {};
}

core::Status RunUtmFix(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(FixReport r, FixStoredUtms(*db, args.flag, args.actor));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(internal::FixJson(r), std::cout);
    return {};
  }
  std::cout << fmt::format("{}{} touchpoints, {} channels reclassified\n",
                           r.dry_run ? "dry run: would fix " : "fixed ", r.touchpoints,
                           r.channels_changed);
  for (const auto& [param, fixes] : r.fixes) {
    for (const auto& [from, to] : fixes)
      std::cout << fmt::format("  {} '{}' -> '{}'\n", param, from, to);
  }
  for (const auto& [move, n] : r.channel_moves)
    std::cout << fmt::format("  channel {}: {}\n", move, n);
  if (!r.dry_run && r.fix_id > 0) {
    std::cout << fmt::format("undo with: mops campaigns utm undo {}\n", r.fix_id);
  }
  return {};
}

core::Status RunUtmUndo(cli::Context& ctx, const Args& args) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(int64_t n, UndoUtmFix(*db, args.other, args.actor));
  std::cout << fmt::format("UTM fix {} undone: {} touchpoints restored\n", args.other, n);
  return {};
}

// Imported campaign members land in their campaign's statuses.
core::Status AlignAfterImport(store::Database& db, ingest::Kind kind,
                              std::span<const int64_t> new_ids) {
  if (kind != ingest::Kind::kCampaignMembers || new_ids.empty()) return {};
  MOPS_ASSIGN_OR_RETURN(AlignReport r, AlignImportedMembers(db, 0, "import"));
  if (r.unmapped > 0) {
    std::cerr << fmt::format(
        "campaign members: {} with a status their campaign does not have went to its default "
        "(mops campaigns statuses)\n",
        r.unmapped);
  }
  return {};
}

}  // namespace

void RegisterCommands(CLI::App& app, cli::Context& ctx) {
  ingest::AddPostImportHook(AlignAfterImport);
  CLI::App* root = cli::AddVerb(
      app, "campaigns",
      "Campaign operations: hierarchy, approvals, QA, launch, budgets, UTM governance");
  root->require_subcommand(1);
  auto verb = [&ctx](CLI::App* parent, const std::string& name, const std::string& help,
                     core::Status (*run)(cli::Context&, const Args&)) {
    auto args = std::make_shared<Args>();
    CLI::App* sub = cli::AddVerb(*parent, name, help);
    sub->callback([&ctx, args, run] { cli::RunVerb(ctx, [&] { return run(ctx, *args); }); });
    return std::make_pair(sub, args);
  };
  auto id = [](CLI::App* sub, Args& a) {
    cli::AddOption(*sub, "ID", a.id, "Campaign id")->required()->check(CLI::PositiveNumber);
  };
  auto actor = [](CLI::App* sub, Args& a) {
    cli::AddOption(*sub, "--actor", a.actor, "Who makes the change (audit log; default cli)");
  };
  {
    auto [s, a] = verb(root, "list", "Campaigns with their workflow state", RunList);
    cli::AddOption(*s, "--state", a->state, "Only campaigns in this state");
  }
  {
    auto [s, a] = verb(root, "show", "A campaign: fields, approvals, QA, launch blockers", RunShow);
    id(s, *a);
  }
  {
    auto [s, a] = verb(root, "create", "Create a draft campaign (from a template with --template)",
                       RunCreate);
    cli::AddOption(*s, "--name", a->name, "Campaign name")->required();
    cli::AddOption(*s, "--template", a->other, "Template id");
    cli::AddOption(*s, "--set", a->sets,
                   "FIELD=VALUE (type, channel, parent_id, start_date, end_date, budget, owner, "
                   "goal, audience, utm_campaign, ...)");
    actor(s, *a);
  }
  {
    auto [s, a] =
        verb(root, "update", "Edit a campaign (an approved one goes back to review)", RunUpdate);
    id(s, *a);
    cli::AddOption(*s, "--set", a->sets, "FIELD=VALUE")->required();
    actor(s, *a);
  }
  {
    auto [s, a] = verb(root, "transition",
                       "Move a campaign: in_review, scheduled, live, completed, cancelled, ...",
                       RunTransition);
    id(s, *a);
    cli::AddOption(*s, "STATE", a->text, "Target state")->required();
    actor(s, *a);
  }
  {
    auto [s, a] = verb(root, "approve", "Decide an approval step", RunApprove);
    id(s, *a);
    cli::AddOption(*s, "--step", a->other, "Step id (see show)")->required();
    cli::AddOption(*s, "--decision", a->text,
                   "approved, approved_with_changes, changes_required or rejected")
        ->default_str("approved");
    a->text = "approved";
    cli::AddOption(*s, "--comment", a->comment, "Why (required for changes_required and rejected)");
    cli::AddOption(*s, "--as", a->actor, "The approver's name (default cli)");
    cli::AddOption(*s, "--role", a->role, "The approver's role (default admin)");
  }
  {
    auto [s, a] =
        verb(root, "chain", "Show or set a campaign's approval chain (--steps JSON)", RunChain);
    id(s, *a);
    cli::AddOption(*s, "--steps", a->json,
                   "[{\"stage\":1,\"name\":\"Brand\",\"role\":\"approver\",\"due_days\":2}, ...]");
    actor(s, *a);
  }
  verb(root, "overdue", "Approval steps past their due date", RunOverdue);
  {
    auto [s, a] =
        verb(root, "checklist",
             "Check a manual QA item (--item), uncheck (--undo), or add one (--add)", RunCheckItem);
    id(s, *a);
    cli::AddOption(*s, "--item", a->other, "Item id");
    cli::AddOption(*s, "--add", a->name, "Label of a new blocking item");
    cli::AddFlag(*s, "--undo", a->flag, "Uncheck the item");
    actor(s, *a);
  }
  {
    auto [s, a] =
        verb(root, "rollups",
             "The hierarchy with roll-ups (pipeline and revenue from stored attribution runs)",
             RunRollups);
    cli::AddOption(*s, "--run", a->runs,
                   "Attribution run ids, comma-separated (created: pipeline, won: revenue)");
    cli::AddOption(*s, "--model", a->model, "Attribution model (default linear)");
  }
  {
    auto [s, a] = verb(root, "calendar", "Campaigns by date, with conflicts", RunCalendar);
    cli::AddOption(*s, "--from", a->from, "First day YYYY-MM-DD");
    cli::AddOption(*s, "--to", a->to, "Day after the last YYYY-MM-DD");
  }
  {
    auto [s, a] =
        verb(root, "budget", "Budget vs actual by month, variance, pacing, unit costs", RunBudget);
    id(s, *a);
    cli::AddOption(*s, "--as-of", a->as_of, "Date for pacing (default today)");
  }
  {
    auto [s, a] = verb(root, "cost", "Enter a period cost", RunCost);
    id(s, *a);
    cli::AddOption(*s, "--month", a->month, "YYYY-MM")->required();
    cli::AddOption(*s, "--amount", a->amount, "Amount in major units")->required();
    cli::AddOption(*s, "--note", a->note, "What it is");
    actor(s, *a);
  }
  {
    auto [s, a] = verb(root, "members",
                       "Members by status, or move one forward (--contact --status)", RunMembers);
    id(s, *a);
    cli::AddOption(*s, "--contact", a->other, "Contact id");
    cli::AddOption(*s, "--status", a->text, "Target status");
    actor(s, *a);
  }
  {
    auto [s, a] = verb(root, "statuses",
                       "Show or set member statuses of a campaign (--campaign) or type (--type)",
                       RunStatuses);
    cli::AddOption(*s, "--campaign", a->id, "Campaign id");
    cli::AddOption(*s, "--type", a->type, "Campaign type");
    cli::AddOption(
        *s, "--set", a->json,
        "[{\"name\":\"Sent\",\"is_default\":true}, {\"name\":\"Clicked\",\"responded\":true}]");
    actor(s, *a);
  }
  {
    auto [s, a] = verb(root, "import-list",
                       "Add the contacts of a HubSpot list export to a campaign (default status)",
                       RunImportList);
    id(s, *a);
    cli::AddOption(*s, "FILE", a->file, "The list export (CSV)")->required();
    cli::AddFlag(*s, "--strict", a->flag, "An unmatched row refuses the whole import");
    actor(s, *a);
  }
  {
    auto [s, a] =
        verb(root, "align", "Put imported members into their campaign's statuses", RunAlign);
    cli::AddOption(*s, "--campaign", a->id, "Only this campaign");
    actor(s, *a);
  }
  {
    auto [s, a] =
        verb(root, "templates",
             "Templates; --add FILE creates one from JSON, --from-campaign ID --name N from a "
             "campaign",
             RunTemplates);
    cli::AddOption(*s, "--add", a->file, "Template JSON file");
    cli::AddOption(*s, "--from-campaign", a->other, "Campaign to save as a template")
        ->check(CLI::PositiveNumber);
    cli::AddOption(*s, "--name", a->name, "Name of the template made from a campaign");
    cli::AddOption(*s, "--description", a->note, "Its description");
    actor(s, *a);
  }
  {
    auto [s, a] =
        verb(root, "assets", "The asset library; --name adds one; --campaign ID --asset A links",
             RunAssets);
    cli::AddOption(*s, "--campaign", a->id, "Campaign id (list its assets, or link)");
    cli::AddOption(*s, "--asset", a->other, "Asset id to link to the campaign");
    cli::AddFlag(*s, "--unlink", a->flag, "Unlink instead");
    cli::AddOption(*s, "--name", a->name, "New asset's name");
    cli::AddOption(*s, "--type", a->type,
                   "email, landing_page, ad, social_post, document, image, video, form, other");
    cli::AddOption(*s, "--url", a->url, "Its URL");
    cli::AddOption(*s, "--owner", a->owner, "Owner");
    cli::AddOption(*s, "--status", a->status, "draft, in_review, ready, retired");
    cli::AddOption(*s, "--body", a->body, "Text content");
    actor(s, *a);
  }
  {
    auto [s, a] = verb(root, "asset-edit",
                       "Edit an asset: --set status=ready, url=..., owner=... (new content sends "
                       "approved campaigns using it back to review)",
                       RunAssetEdit);
    cli::AddOption(*s, "ASSET", a->other, "Asset id")->required()->check(CLI::PositiveNumber);
    cli::AddOption(*s, "--set", a->sets, "FIELD=VALUE (name, type, url, owner, status, body)")
        ->required();
    actor(s, *a);
  }
  CLI::App* utm = cli::AddVerb(*root, "utm", "UTM naming governance");
  utm->require_subcommand(1);
  {
    auto [s, a] =
        verb(utm, "config", "Show the naming config, or store one (--set FILE)", RunUtmConfig);
    cli::AddOption(*s, "--set", a->file, "YAML file");
    actor(s, *a);
  }
  {
    auto [s, a] = verb(utm, "build", "Build a tracked URL that follows the rules", RunUtmBuild);
    cli::AddOption(*s, "URL", a->url, "Landing URL (its query and fragment are kept)")->required();
    cli::AddOption(*s, "--source", a->source, "utm_source");
    cli::AddOption(*s, "--medium", a->medium, "utm_medium");
    cli::AddOption(*s, "--campaign", a->campaign, "utm_campaign (or build it from --part)");
    cli::AddOption(*s, "--content", a->content, "utm_content");
    cli::AddOption(*s, "--term", a->term, "utm_term");
    cli::AddOption(*s, "--part", a->parts, "NAME=VALUE for the campaign pattern");
    cli::AddOption(*s, "--date", a->date, "Date for the pattern's date parts (default today)");
  }
  {
    auto [s, a] = verb(utm, "check",
                       "Check a URL, a file of URLs, or every stored UTM (exit 3 on violations)",
                       RunUtmCheck);
    cli::AddOption(*s, "URL", a->url, "A URL");
    cli::AddOption(*s, "--file", a->file, "A file with one URL per line");
    cli::AddFlag(*s, "--stored", a->stored, "Every UTM on touchpoints and campaigns");
    cli::AddOption(*s, "--limit", a->limit, "Violations listed (default 20)");
  }
  {
    auto [s, a] = verb(
        utm, "fix", "Apply the suggested fixes to stored touchpoints (one transaction, undoable)",
        RunUtmFix);
    cli::AddFlag(*s, "--dry-run", a->flag, "Show what would change");
    actor(s, *a);
  }
  {
    auto [s, a] = verb(utm, "undo", "Undo a UTM fix", RunUtmUndo);
    cli::AddOption(*s, "FIX", a->other, "Fix id")->required();
    actor(s, *a);
  }
}

}  // namespace mops::campaigns
