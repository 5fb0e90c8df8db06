// Campaigns on a workspace: load, run the engines, write in transactions.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <unordered_map>

#include "campaigns/campaigns.h"
#include "campaigns/internal.h"
#include "core/csv.h"
#include "core/numbers.h"
#include "core/strings.h"
#include "core/taxonomy.h"
#include "ingest/ingest.h"
#include "store/database.h"

namespace mops::campaigns {

using core::ErrorCode;
using store::AsInt;
using store::AsText;
using store::IsNull;
using store::Value;
using Json = nlohmann::json;

namespace internal {

core::Status Audit(store::Database& db, std::string_view actor, std::string_view action,
                   std::string_view entity, int64_t id, const std::string& before,
                   const std::string& after) {
  MOPS_TRY(db.Execute(
      "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, "
      "?, ?, ?, ?, ?)",
      std::vector<Value>{core::NowUtc(), std::string(actor), std::string(action),
                         std::string(entity), std::to_string(id),
                         before.empty() ? Value() : Value(before),
                         after.empty() ? Value() : Value(after)}));
  return {};
}

}  // namespace internal

namespace {

using internal::Audit;

std::optional<int64_t> OptInt(const Value& v) {
  return IsNull(v) ? std::nullopt : std::optional<int64_t>(AsInt(v));
}

constexpr std::string_view kCampaignColumns =
    "c.id, c.name, c.type, c.channel, COALESCE(u.name, c.owner_ref), c.goal, c.audience, "
    "c.utm_campaign, c.start_date, c.end_date, c.budget, c.state, c.parent_id, c.source_system, "
    "c.external_id, c.status, c.currency, c.template_id, c.utm_pattern, c.actual_cost";

CampaignRecord RecordOf(const std::vector<Value>& r) {
  CampaignRecord c;
  CampaignFields& f = c.fields;
  f.id = AsInt(r[0]);
  f.name = AsText(r[1]);
  f.type = AsText(r[2]);
  f.channel = AsText(r[3]);
  f.owner = AsText(r[4]);
  f.goal = AsText(r[5]);
  f.audience = AsText(r[6]);
  f.utm_campaign = AsText(r[7]);
  f.start_date = OptInt(r[8]);
  f.end_date = OptInt(r[9]);
  f.budget = AsInt(r[10]);
  c.in_workflow = !IsNull(r[11]);
  c.parent_id = AsInt(r[12]);
  c.source_system = AsText(r[13]);
  c.external_id = AsText(r[14]);
  c.crm_status = AsText(r[15]);
  c.currency = AsText(r[16]);
  c.template_id = AsInt(r[17]);
  c.utm_pattern = AsText(r[18]);
  c.recorded_actual_cost = AsInt(r[19]);
  if (c.in_workflow) {
    auto s = ParseState(AsText(r[11]));
    f.state = s ? *s : State::kDraft;
  } else {
    f.state = StateFromCrmStatus(c.crm_status);
  }
  return c;
}

core::Status NotFound(int64_t id) {
  return core::Fail(ErrorCode::kNotFound, "campaign {} does not exist", id);
}

core::Result<int64_t> ParseMoney(std::string_view field, std::string_view text) {
  auto v = core::ParseMoneyMinor(core::Trim(text));
  if (!v || *v < 0) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument,
                        fmt::format("{} must be an amount of 0 or more, got '{}'", field, text))
            .InField(std::string(field)));
  }
  return *v;
}

core::Result<std::optional<core::Timestamp>> ParseDay(std::string_view field,
                                                      std::string_view text) {
  if (core::Trim(text).empty()) return std::optional<core::Timestamp>();
  auto t = core::ParseTimestamp(text, core::DateFormat::kIso);
  if (!t) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument,
                        fmt::format("{} must be a date YYYY-MM-DD: {}", field, t.error().message))
            .InField(std::string(field)));
  }
  return std::optional<core::Timestamp>(core::FloorDiv(*t, core::kSecondsPerDay) *
                                        core::kSecondsPerDay);
}

// Content fields: an edit of one of these sends an approved campaign back.
bool IsContentField(std::string_view f) {
  return f != "status" && f != "owner" && f != "parent_id";
}

core::Result<std::vector<Node>> HierarchyNodes(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(store::Rows rows,
                        db.Query("SELECT id, COALESCE(parent_id, 0) FROM campaigns"));
  std::vector<Node> nodes;
  for (const auto& r : rows.rows) nodes.push_back({AsInt(r[0]), AsInt(r[1])});
  return nodes;
}

// Applies field edits to the row with id `id` (which exists). Returns the
// audit text of the changed fields and whether content changed.
core::Result<std::pair<Json, bool>> ApplyEdits(store::Database& db, int64_t id,
                                               const FieldEdits& fields) {
  static const std::set<std::string> kText = {"name",     "type",         "channel",
                                              "status",   "currency",     "goal",
                                              "audience", "utm_campaign", "utm_pattern"};
  Json changed = Json::object();
  bool content = false;
  for (const auto& [field, raw] : fields) {
    const std::string value(core::Trim(raw));
    std::string column = field;
    Value v;
    if (kText.contains(field)) {
      if (field == "name" && value.empty()) {
        return core::Fail(core::MakeError(ErrorCode::kInvalidArgument, "a campaign needs a name")
                              .InField("name"));
      }
      if (field == "channel" && !value.empty() &&
          std::find(core::kChannels.begin(), core::kChannels.end(), value) ==
              core::kChannels.end()) {
        return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                          fmt::format("'{}' is not a channel (e.g. email, "
                                                      "paid_search, webinar, events)",
                                                      value))
                              .InField("channel"));
      }
      v = value.empty() ? Value() : Value(value);
    } else if (field == "start_date" || field == "end_date") {
      MOPS_ASSIGN_OR_RETURN(auto day, ParseDay(field, value));
      v = day ? Value(*day) : Value();
    } else if (field == "budget") {
      MOPS_ASSIGN_OR_RETURN(int64_t minor, ParseMoney(field, value));
      v = minor;
    } else if (field == "parent_id") {
      int64_t parent = 0;
      if (!value.empty()) {
        auto p = core::ParseInt(value);
        if (!p || *p < 0) {
          return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                            "parent_id must be a campaign id, got '" + value + "'")
                                .InField("parent_id"));
        }
        parent = *p;
      }
      MOPS_ASSIGN_OR_RETURN(std::vector<Node> nodes, HierarchyNodes(db));
      MOPS_TRY(CheckParent(nodes, id, parent));
      v = parent == 0 ? Value() : Value(parent);
    } else if (field == "owner") {
      MOPS_ASSIGN_OR_RETURN(
          Value user, db.QueryValue("SELECT id FROM users WHERE name = ? OR email = ? ORDER BY id",
                                    std::vector<Value>{value, value}));
      MOPS_TRY(db.Execute("UPDATE campaigns SET owner_id = ?, owner_ref = ? WHERE id = ?",
                          std::vector<Value>{user, value.empty() ? Value() : Value(value), id}));
      changed[field] = value;
      continue;
    } else {
      return core::Fail(
          core::MakeError(ErrorCode::kInvalidArgument,
                          fmt::format("unknown campaign field '{}' (expected name, type, channel, "
                                      "parent_id, status, start_date, end_date, budget, currency, "
                                      "owner, goal, audience, utm_campaign, utm_pattern)",
                                      field))
              .InField(field));
    }
    MOPS_ASSIGN_OR_RETURN(store::Rows before,
                          db.Query(fmt::format("SELECT {} FROM campaigns WHERE id = ?", column),
                                   std::vector<Value>{id}));
    if (!before.rows.empty() && before.rows[0][0] == v) continue;
    MOPS_TRY(
        db.Execute(fmt::format("UPDATE campaigns SET {} = ?, updated_at = ? WHERE id = ?", column),
                   std::vector<Value>{v, core::NowUtc(), id}));
    changed[field] = value;
    if (IsContentField(field)) content = true;
  }
  // A flight that ends before it starts is refused when either date is
  // edited (the caller's transaction rolls the edits back).
  if (fields.contains("start_date") || fields.contains("end_date")) {
    MOPS_ASSIGN_OR_RETURN(store::Rows dates,
                          db.Query("SELECT start_date, end_date FROM campaigns WHERE id = ?",
                                   std::vector<Value>{id}));
    if (!dates.rows.empty() && !IsNull(dates.rows[0][0]) && !IsNull(dates.rows[0][1]) &&
        AsInt(dates.rows[0][1]) < AsInt(dates.rows[0][0])) {
      const std::string field = fields.contains("end_date") ? "end_date" : "start_date";
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                        fmt::format("the end date {} is before the start date {}",
                                                    core::FormatDate(AsInt(dates.rows[0][1])),
                                                    core::FormatDate(AsInt(dates.rows[0][0]))))
                            .InField(field));
    }
  }
  return std::make_pair(changed, content);
}

core::Result<std::vector<StepDef>> ChainOf(store::Database& db, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(Value body,
                        db.QueryValue("SELECT body FROM approval_chains WHERE campaign_id = ?",
                                      std::vector<Value>{id}));
  if (IsNull(body)) {
    // Without a chain of its own a campaign needs one approver.
    return std::vector<StepDef>{{1, "Approval", "approver", "", 3}};
  }
  return internal::ChainFromJson(Json::parse(AsText(body)));
}

core::Status StartApprovalRound(store::Database& db, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(std::vector<StepDef> chain, ChainOf(db, id));
  MOPS_ASSIGN_OR_RETURN(Value last, db.QueryValue("SELECT MAX(round) FROM approval_steps WHERE "
                                                  "campaign_id = ?",
                                                  std::vector<Value>{id}));
  const int round = static_cast<int>(AsInt(last, 0)) + 1;
  for (const Step& s : StartRound(chain, round, core::NowUtc())) {
    MOPS_TRY(db.Execute(
        "INSERT INTO approval_steps (campaign_id, round, stage, name, role, user_name, decision, "
        "due_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
        std::vector<Value>{id, int64_t{s.round}, int64_t{s.def.stage}, s.def.name,
                           s.def.role.empty() ? Value() : Value(s.def.role),
                           s.def.user.empty() ? Value() : Value(s.def.user), s.due_at}));
  }
  return {};
}

core::Status SetState(store::Database& db, int64_t id, State from, State to, std::string_view actor,
                      std::string_view why) {
  MOPS_TRY(db.Execute("UPDATE campaigns SET state = ?, updated_at = ? WHERE id = ?",
                      std::vector<Value>{std::string(StateName(to)), core::NowUtc(), id}));
  Json after = {{"state", StateName(to)}};
  if (!why.empty()) after["why"] = why;
  MOPS_TRY(Audit(db, actor, "campaign.transition", "campaigns", id,
                 Json{{"state", StateName(from)}}.dump(), after.dump()));
  if (to == State::kInReview) MOPS_TRY(StartApprovalRound(db, id));
  return {};
}

core::Result<std::vector<Step>> StepsOf(store::Database& db, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, round, stage, name, role, user_name, decision, due_at, decided_by, "
               "decided_at, comment FROM approval_steps WHERE campaign_id = ? ORDER BY round, "
               "stage, id",
               std::vector<Value>{id}));
  std::vector<Step> out;
  for (const auto& r : rows.rows) {
    Step s;
    s.id = AsInt(r[0]);
    s.round = static_cast<int>(AsInt(r[1]));
    s.def.stage = static_cast<int>(AsInt(r[2]));
    s.def.name = AsText(r[3]);
    s.def.role = AsText(r[4]);
    s.def.user = AsText(r[5]);
    auto d = ParseDecision(AsText(r[6]));
    s.decision = d ? *d : Decision::kPending;
    s.due_at = AsInt(r[7]);
    s.decided_by = AsText(r[8]);
    s.decided_at = OptInt(r[9]);
    s.comment = AsText(r[10]);
    out.push_back(std::move(s));
  }
  return out;
}

core::Result<UpdateResult> SendBackIfApproved(store::Database& db, const CampaignRecord& c,
                                              std::string_view actor, std::string_view why) {
  UpdateResult out;
  const State s = c.fields.state;
  if (c.in_workflow && (s == State::kApproved || s == State::kScheduled)) {
    MOPS_TRY(SetState(db, c.fields.id, s, State::kInReview, actor, why));
    out.sent_back = true;
  }
  return out;
}

}  // namespace

// ------------------------------------------------------------- campaigns

core::Result<std::vector<CampaignRecord>> ListCampaigns(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query(fmt::format("SELECT {} FROM campaigns c LEFT JOIN users u ON u.id = c.owner_id "
                           "ORDER BY c.id",
                           kCampaignColumns)));
  std::vector<CampaignRecord> out;
  out.reserve(rows.size());
  for (const auto& r : rows.rows) out.push_back(RecordOf(r));
  return out;
}

core::Result<CampaignRecord> GetCampaign(store::Database& db, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query(fmt::format("SELECT {} FROM campaigns c LEFT JOIN users u ON u.id = c.owner_id "
                           "WHERE c.id = ?",
                           kCampaignColumns),
               std::vector<Value>{id}));
  if (rows.empty()) return std::unexpected(NotFound(id).error());
  return RecordOf(rows.rows[0]);
}

core::Result<int64_t> CreateCampaign(store::Database& db, const FieldEdits& fields,
                                     std::string_view actor) {
  auto name = fields.find("name");
  if (name == fields.end() || core::Trim(name->second).empty()) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, "a campaign needs a name").InField("name"));
  }
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  const core::Timestamp now = core::NowUtc();
  MOPS_ASSIGN_OR_RETURN(
      store::Rows ids,
      db.Query("INSERT INTO campaigns (source_system, external_id, name, state, created_at, "
               "updated_at) VALUES ('mops', ?, ?, 'draft', ?, ?) RETURNING id",
               std::vector<Value>{fmt::format("new-{}-{}", now, name->second),
                                  std::string(core::Trim(name->second)), now, now}));
  const int64_t id = AsInt(ids.rows.at(0).at(0));
  MOPS_TRY(db.Execute("UPDATE campaigns SET external_id = ? WHERE id = ?",
                      std::vector<Value>{fmt::format("mops-{}", id), id}));
  MOPS_ASSIGN_OR_RETURN(auto applied, ApplyEdits(db, id, fields));
  MOPS_TRY(Audit(db, actor, "campaign.create", "campaigns", id, "", applied.first.dump()));
  MOPS_TRY(tx.Commit());
  return id;
}

core::Result<int64_t> CreateFromTemplate(store::Database& db, int64_t template_id,
                                         const FieldEdits& fields, std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(Template t, GetTemplate(db, template_id));
  FieldEdits all = fields;
  if (!t.type.empty()) all.try_emplace("type", t.type);
  if (!t.channel.empty()) all.try_emplace("channel", t.channel);
  if (!t.utm_pattern.empty()) all.try_emplace("utm_pattern", t.utm_pattern);
  auto name = all.find("name");
  if (name == all.end() || core::Trim(name->second).empty()) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, "a campaign needs a name").InField("name"));
  }
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  const core::Timestamp now = core::NowUtc();
  MOPS_ASSIGN_OR_RETURN(
      store::Rows ids,
      db.Query("INSERT INTO campaigns (source_system, external_id, name, state, template_id, "
               "created_at, updated_at) VALUES ('mops', ?, ?, 'draft', ?, ?, ?) RETURNING id",
               std::vector<Value>{fmt::format("new-{}-{}", now, name->second),
                                  std::string(core::Trim(name->second)), template_id, now, now}));
  const int64_t id = AsInt(ids.rows.at(0).at(0));
  MOPS_TRY(db.Execute("UPDATE campaigns SET external_id = ? WHERE id = ?",
                      std::vector<Value>{fmt::format("mops-{}", id), id}));
  MOPS_ASSIGN_OR_RETURN(auto applied, ApplyEdits(db, id, all));
  for (const std::string& item : t.checklist) {
    MOPS_TRY(
        db.Execute("INSERT INTO campaign_checklist (campaign_id, label, blocking) VALUES (?, "
                   "?, 1)",
                   std::vector<Value>{id, item}));
  }
  for (int64_t asset : t.assets) {
    MOPS_TRY(db.Execute(
        "INSERT INTO campaign_assets (campaign_id, asset_id) SELECT ?, id FROM assets WHERE id = ?",
        std::vector<Value>{id, asset}));
  }
  for (const MemberStatus& s : t.statuses) {
    MOPS_TRY(db.Execute(
        "INSERT INTO campaign_member_statuses (campaign_id, name, sort_order, responded, "
        "is_default) VALUES (?, ?, ?, ?, ?)",
        std::vector<Value>{id, s.name, int64_t{s.sort_order}, int64_t{s.responded},
                           int64_t{s.is_default}}));
  }
  if (!t.approval_chain.empty()) {
    MOPS_TRY(db.Execute("INSERT INTO approval_chains (campaign_id, body) VALUES (?, ?)",
                        std::vector<Value>{id, internal::ChainToJson(t.approval_chain).dump()}));
  }
  applied.first["template_id"] = template_id;
  MOPS_TRY(Audit(db, actor, "campaign.create", "campaigns", id, "", applied.first.dump()));
  MOPS_TRY(tx.Commit());
  return id;
}

core::Result<UpdateResult> UpdateCampaign(store::Database& db, int64_t id, const FieldEdits& fields,
                                          std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(CampaignRecord before, GetCampaign(db, id));
  if (before.fields.state == State::kCompleted || before.fields.state == State::kCancelled) {
    return core::Fail(ErrorCode::kConflict, "campaign {} is {}: it can no longer change", id,
                      StateName(before.fields.state));
  }
  MOPS_ASSIGN_OR_RETURN(auto applied, ApplyEdits(db, id, fields));
  UpdateResult out;
  if (applied.first.empty()) return out;
  if (applied.second) {
    MOPS_ASSIGN_OR_RETURN(out, SendBackIfApproved(db, before, actor, "content changed"));
  }
  MOPS_TRY(Audit(db, actor, "campaign.update", "campaigns", id, "", applied.first.dump()));
  MOPS_TRY(tx.Commit());
  return out;
}

core::Status Transition(store::Database& db, int64_t id, State to, std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(CampaignRecord c, GetCampaign(db, id));
  const State from = c.fields.state;
  MOPS_TRY(CheckTransition(from, to));
  if (to == State::kApproved && from == State::kInReview) {
    return core::Fail(ErrorCode::kConflict,
                      "campaign {} is approved by its approval steps, not by a transition", id);
  }
  if (to == State::kLive) {
    MOPS_ASSIGN_OR_RETURN(std::vector<std::string> reasons, CampaignLaunchGate(db, id));
    if (!reasons.empty()) {
      core::Error e = core::MakeError(
          ErrorCode::kConflict,
          fmt::format("campaign {} cannot go live: {}", id, core::Join(reasons, "; ")));
      return core::Fail(std::move(e));
    }
  }
  MOPS_TRY(SetState(db, id, from, to, actor, ""));
  MOPS_TRY(tx.Commit());
  return {};
}

// ------------------------------------------------------------- approvals

core::Result<CampaignApprovals> LoadApprovals(store::Database& db, int64_t id,
                                              core::Timestamp as_of) {
  MOPS_TRY(GetCampaign(db, id));
  CampaignApprovals out;
  MOPS_ASSIGN_OR_RETURN(out.chain, ChainOf(db, id));
  MOPS_ASSIGN_OR_RETURN(out.steps, StepsOf(db, id));
  out.active = ActiveSteps(out.steps);
  out.overdue = OverdueSteps(out.steps, as_of);
  return out;
}

core::Status SetApprovalChain(store::Database& db, int64_t id, std::span<const StepDef> chain,
                              std::string_view actor) {
  MOPS_TRY(ValidateChain(chain));
  if (chain.empty()) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, "an approval chain needs at least one step")
            .InField("approval_chain"));
  }
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_TRY(GetCampaign(db, id));
  const std::string body = internal::ChainToJson(chain).dump();
  MOPS_TRY(db.Execute(
      "INSERT INTO approval_chains (campaign_id, body) VALUES (?, ?) ON CONFLICT (campaign_id) DO "
      "UPDATE SET body = excluded.body",
      std::vector<Value>{id, body}));
  MOPS_TRY(Audit(db, actor, "campaign.approval_chain", "campaigns", id, "", body));
  MOPS_TRY(tx.Commit());
  return {};
}

core::Result<DecisionEffect> DecideStep(store::Database& db, int64_t campaign_id, int64_t step_id,
                                        Decision decision, std::string_view comment,
                                        const Actor& actor) {
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(CampaignRecord c, GetCampaign(db, campaign_id));
  MOPS_ASSIGN_OR_RETURN(std::vector<Step> steps, StepsOf(db, campaign_id));
  int32_t index = -1;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].id == step_id) index = static_cast<int32_t>(i);
  }
  if (index < 0) {
    return core::Fail(ErrorCode::kNotFound, "campaign {} has no approval step {}", campaign_id,
                      step_id);
  }
  if (steps[index].round != steps.back().round) {
    return core::Fail(ErrorCode::kConflict,
                      "step {} belongs to an earlier review round; decide the current round",
                      step_id);
  }
  MOPS_ASSIGN_OR_RETURN(DecisionEffect effect, Decide(steps, index, c.fields.state, decision, actor,
                                                      comment, core::NowUtc()));
  MOPS_TRY(db.Execute(
      "UPDATE approval_steps SET decision = ?, decided_by = ?, decided_at = ?, comment = ? WHERE "
      "id = ?",
      std::vector<Value>{std::string(DecisionName(decision)), actor.name, *effect.step.decided_at,
                         std::string(comment), step_id}));
  const std::string actor_text = actor.name + " (" + actor.role + ")";
  MOPS_TRY(Audit(db, actor_text, "campaign.decision", "campaigns", campaign_id, "",
                 Json{{"step", step_id},
                      {"name", effect.step.def.name},
                      {"decision", DecisionName(decision)},
                      {"comment", comment}}
                     .dump()));
  if (effect.campaign_state) {
    MOPS_TRY(SetState(
        db, campaign_id, c.fields.state, *effect.campaign_state, actor_text,
        fmt::format("approval step '{}': {}", effect.step.def.name, DecisionName(decision))));
  }
  MOPS_TRY(tx.Commit());
  return effect;
}

core::Result<std::vector<OverdueStep>> OverdueApprovals(store::Database& db,
                                                        core::Timestamp as_of) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT DISTINCT s.campaign_id, c.name FROM approval_steps s JOIN campaigns c ON "
               "c.id = s.campaign_id WHERE s.decision = 'pending' AND s.due_at < ? AND c.state = "
               "'in_review' ORDER BY s.campaign_id",
               std::vector<Value>{as_of}));
  std::vector<OverdueStep> out;
  for (const auto& r : rows.rows) {
    MOPS_ASSIGN_OR_RETURN(std::vector<Step> steps, StepsOf(db, AsInt(r[0])));
    for (int32_t i : OverdueSteps(steps, as_of)) {
      out.push_back({AsInt(r[0]), AsText(r[1]), steps[i]});
    }
  }
  return out;
}

// ------------------------------------------------------- member statuses

core::Result<std::vector<MemberStatus>> MemberStatusesOf(store::Database& db, int64_t campaign_id) {
  MOPS_ASSIGN_OR_RETURN(CampaignRecord c, GetCampaign(db, campaign_id));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT name, sort_order, responded, is_default, campaign_id FROM "
               "campaign_member_statuses WHERE campaign_id = ? OR (campaign_id IS NULL AND "
               "campaign_type = ?) ORDER BY sort_order",
               std::vector<Value>{campaign_id, c.fields.type}));
  std::vector<MemberStatus> own, by_type;
  for (const auto& r : rows.rows) {
    MemberStatus s{AsText(r[0]), static_cast<int>(AsInt(r[1])), AsInt(r[2]) != 0, AsInt(r[3]) != 0};
    (IsNull(r[4]) ? by_type : own).push_back(std::move(s));
  }
  if (!own.empty()) return own;
  if (!by_type.empty()) return by_type;
  return DefaultMemberStatuses(c.fields.type);
}

core::Status SetMemberStatuses(store::Database& db, std::optional<int64_t> campaign_id,
                               std::string_view campaign_type,
                               std::span<const MemberStatus> statuses, std::string_view actor) {
  MOPS_TRY(ValidateMemberStatuses(statuses));
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  if (campaign_id) {
    MOPS_TRY(GetCampaign(db, *campaign_id));
    MOPS_TRY(db.Execute("DELETE FROM campaign_member_statuses WHERE campaign_id = ?",
                        std::vector<Value>{*campaign_id}));
  } else {
    if (core::Trim(campaign_type).empty()) {
      return core::Fail(
          core::MakeError(ErrorCode::kInvalidArgument, "name a campaign or a campaign type")
              .InField("campaign_type"));
    }
    MOPS_TRY(db.Execute(
        "DELETE FROM campaign_member_statuses WHERE campaign_id IS NULL AND campaign_type = ?",
        std::vector<Value>{std::string(campaign_type)}));
  }
  Json list = Json::array();
  for (const MemberStatus& s : statuses) {
    MOPS_TRY(db.Execute(
        "INSERT INTO campaign_member_statuses (campaign_type, campaign_id, name, sort_order, "
        "responded, is_default) VALUES (?, ?, ?, ?, ?, ?)",
        std::vector<Value>{campaign_id ? Value() : Value(std::string(campaign_type)),
                           campaign_id ? Value(*campaign_id) : Value(), s.name,
                           int64_t{s.sort_order}, int64_t{s.responded}, int64_t{s.is_default}}));
    list.push_back({{"name", s.name},
                    {"sort_order", s.sort_order},
                    {"responded", s.responded},
                    {"is_default", s.is_default}});
  }
  MOPS_TRY(Audit(db, actor, "campaign.member_statuses", "campaign_member_statuses",
                 campaign_id.value_or(0), "",
                 Json{{"campaign_type", campaign_type}, {"statuses", list}}.dump()));
  MOPS_TRY(tx.Commit());
  return {};
}

core::Result<std::vector<StatusCount>> MembersByStatus(store::Database& db, int64_t campaign_id) {
  MOPS_ASSIGN_OR_RETURN(std::vector<MemberStatus> statuses, MemberStatusesOf(db, campaign_id));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT status, COUNT(*) FROM campaign_members WHERE campaign_id = ? GROUP BY "
               "status",
               std::vector<Value>{campaign_id}));
  std::vector<StatusCount> out;
  for (const MemberStatus& s : statuses) out.push_back({s.name, s.sort_order, s.responded, 0});
  for (const auto& r : rows.rows) {
    const std::string name = AsText(r[0]);
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const StatusCount& c) { return core::IEquals(c.status, name); });
    if (it == out.end()) {
      out.push_back({name, 1000, false, AsInt(r[1])});  // not aligned yet
    } else {
      it->members += AsInt(r[1]);
    }
  }
  return out;
}

core::Result<MemberState> MoveMember(store::Database& db, int64_t campaign_id, int64_t contact_id,
                                     std::string_view status, std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(std::vector<MemberStatus> statuses, MemberStatusesOf(db, campaign_id));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, status, responded, first_responded_at FROM campaign_members WHERE "
               "campaign_id = ? AND contact_id = ? ORDER BY id",
               std::vector<Value>{campaign_id, contact_id}));
  const core::Timestamp now = core::NowUtc();
  MemberState current;
  int64_t member_id = 0;
  if (rows.empty()) {
    auto def = std::find_if(statuses.begin(), statuses.end(),
                            [](const MemberStatus& s) { return s.is_default; });
    MOPS_ASSIGN_OR_RETURN(Value contact, db.QueryValue("SELECT id FROM contacts WHERE id = ?",
                                                       std::vector<Value>{contact_id}));
    if (IsNull(contact)) {
      return core::Fail(core::MakeError(ErrorCode::kNotFound,
                                        fmt::format("contact {} does not exist", contact_id))
                            .InField("contact_id"));
    }
    MOPS_ASSIGN_OR_RETURN(
        store::Rows ids,
        db.Query("INSERT INTO campaign_members (source_system, external_id, campaign_id, "
                 "contact_id, status, responded, created_at) VALUES ('mops', ?, ?, ?, ?, 0, ?) "
                 "RETURNING id",
                 std::vector<Value>{fmt::format("mops-{}-{}", campaign_id, contact_id), campaign_id,
                                    contact_id, def == statuses.end() ? Value() : Value(def->name),
                                    now}));
    member_id = AsInt(ids.rows.at(0).at(0));
    current.status = def == statuses.end() ? "" : def->name;
    if (core::IEquals(current.status, status)) {
      MOPS_TRY(tx.Commit());
      return current;
    }
  } else {
    member_id = AsInt(rows.rows[0][0]);
    current = {AsText(rows.rows[0][1]), AsInt(rows.rows[0][2]) != 0, OptInt(rows.rows[0][3])};
  }
  MOPS_ASSIGN_OR_RETURN(MemberState next, AdvanceMember(statuses, current, status, now));
  MOPS_TRY(db.Execute(
      "UPDATE campaign_members SET status = ?, responded = ?, first_responded_at = ? WHERE id = ?",
      std::vector<Value>{next.status, int64_t{next.responded},
                         next.first_responded_at ? Value(*next.first_responded_at) : Value(),
                         member_id}));
  MOPS_TRY(Audit(db, actor, "campaign.member", "campaign_members", member_id,
                 Json{{"status", current.status}}.dump(), Json{{"status", next.status}}.dump()));
  MOPS_TRY(tx.Commit());
  return next;
}

core::Result<AlignReport> AlignImportedMembers(store::Database& db, int64_t campaign_id,
                                               std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  AlignReport out;
  std::string sql =
      "SELECT m.id, m.campaign_id, m.status, m.responded, m.first_responded_at, m.created_at "
      "FROM campaign_members m WHERE m.campaign_id IS NOT NULL";
  std::vector<Value> params;
  if (campaign_id > 0) {
    sql += " AND m.campaign_id = ?";
    params.push_back(campaign_id);
  }
  sql += " ORDER BY m.campaign_id, m.id";
  MOPS_ASSIGN_OR_RETURN(store::Rows rows, db.Query(sql, params));
  MOPS_ASSIGN_OR_RETURN(auto update,
                        db.Prepare("UPDATE campaign_members SET status = ?, responded = ?, "
                                   "first_responded_at = ? WHERE id = ?"));
  int64_t current_campaign = -1;
  std::vector<MemberStatus> statuses;
  for (const auto& r : rows.rows) {
    const int64_t cid = AsInt(r[1]);
    if (cid != current_campaign) {
      auto s = MemberStatusesOf(db, cid);
      if (!s) continue;  // a member of a campaign that is not there
      statuses = std::move(*s);
      current_campaign = cid;
    }
    ++out.members;
    const std::string status = AsText(r[2]);
    const bool responded = AsInt(r[3]) != 0;
    const LandedMember landed =
        LandImportedMember(statuses, status, responded, OptInt(r[4]), OptInt(r[5]));
    if (!landed.mapped) {
      ++out.unmapped;
      ++out.unmapped_statuses[status];
    }
    const bool same = landed.state.status == status && landed.state.responded == responded &&
                      landed.state.first_responded_at == OptInt(r[4]);
    if (same) continue;
    ++out.changed;
    const std::vector<Value> row = {
        landed.state.status, int64_t{landed.state.responded},
        landed.state.first_responded_at ? Value(*landed.state.first_responded_at) : Value(),
        AsInt(r[0])};
    MOPS_TRY(update->ExecuteQueued(row));
  }
  Json unmapped = out.unmapped_statuses;
  MOPS_TRY(Audit(
      db, actor, "campaign.members_aligned", "campaign_members", campaign_id, "",
      Json{{"members", out.members}, {"changed", out.changed}, {"unmapped", unmapped}}.dump()));
  MOPS_TRY(tx.Commit());
  return out;
}

core::Result<ListImport> ImportListMembers(store::Database& db, int64_t campaign_id,
                                           const std::string& path, std::string_view actor,
                                           bool strict) {
  MOPS_ASSIGN_OR_RETURN(std::string text, core::ReadFile(path));
  return ImportListMembersText(db, campaign_id, text, path, actor, strict);
}

core::Result<ListImport> ImportListMembersText(store::Database& db, int64_t campaign_id,
                                               std::string_view text, std::string_view file_name,
                                               std::string_view actor, bool strict) {
  const std::string file(file_name);
  core::CsvOptions options;
  options.require_same_width = false;
  options.trim_fields = true;
  options.file_name = file;
  core::CsvReader reader(text, options);
  std::vector<std::string_view> fields;
  int id_col = -1, email_col = -1;
  std::string id_header, email_header;
  // The header is the first record naming the record id or the e-mail.
  while (true) {
    MOPS_ASSIGN_OR_RETURN(bool more, reader.Next(fields));
    if (!more) {
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                        "no header with 'Record ID' or 'Email' in the file")
                            .At(file));
    }
    for (size_t i = 0; i < fields.size(); ++i) {
      const std::string h = core::ToLower(core::Trim(fields[i]));
      if (id_col < 0 && (h == "record id" || h == "contact id" || h == "vid")) {
        id_col = static_cast<int>(i);
        id_header = std::string(core::Trim(fields[i]));
      }
      if (email_col < 0 && (h == "email" || h == "e-mail")) {
        email_col = static_cast<int>(i);
        email_header = std::string(core::Trim(fields[i]));
      }
    }
    if (id_col >= 0 || email_col >= 0) break;
  }
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(std::vector<MemberStatus> statuses, MemberStatusesOf(db, campaign_id));
  std::string status;
  for (const MemberStatus& s : statuses) {
    if (s.is_default) status = s.name;
  }
  ListImport out;
  const core::Timestamp now = core::NowUtc();
  while (true) {
    MOPS_ASSIGN_OR_RETURN(bool more, reader.Next(fields));
    if (!more) break;
    auto field = [&](int col) {
      return col >= 0 && static_cast<size_t>(col) < fields.size()
                 ? std::string(core::Trim(fields[col]))
                 : std::string();
    };
    // A blank line between records is no member.
    if (field(id_col).empty() && field(email_col).empty() &&
        std::all_of(fields.begin(), fields.end(),
                    [](std::string_view f) { return core::Trim(f).empty(); })) {
      continue;
    }
    ++out.rows;
    const int64_t line = reader.record_line();
    // "1,201" and "1201.0" (a spreadsheet's) are record 1201.
    std::string id;
    for (char c : field(id_col)) {
      if (c != ',') id.push_back(c);
    }
    if (id.ends_with(".0")) id.resize(id.size() - 2);
    const std::string email = core::ToLower(field(email_col));
    Value contact;
    if (!id.empty()) {
      MOPS_ASSIGN_OR_RETURN(contact, db.QueryValue("SELECT COALESCE(merged_into, id) FROM contacts "
                                                   "WHERE source_system = 'hubspot' AND "
                                                   "external_id = ?",
                                                   std::vector<Value>{id}));
    }
    if (IsNull(contact) && !email.empty()) {
      MOPS_ASSIGN_OR_RETURN(contact, db.QueryValue("SELECT MIN(COALESCE(merged_into, id)) FROM "
                                                   "contacts WHERE LOWER(email) = ?",
                                                   std::vector<Value>{email}));
    }
    if (IsNull(contact)) {
      const bool by_id = !id.empty() || email.empty();
      std::string why =
          id.empty() && email.empty()
              ? fmt::format("no {} or {} on the row", id_col >= 0 ? id_header : "Record ID",
                            email_col >= 0 ? email_header : "Email")
              : fmt::format("no contact with record id '{}' or e-mail '{}'", id, email);
      if (strict) {
        const int col = by_id ? id_col : email_col;
        return core::Fail(
            core::MakeError(ErrorCode::kInvalidArgument,
                            why + "; nothing was imported (without strict, unmatched rows are "
                                  "reported and the others added)")
                .At(file, line, col >= 0 ? col + 1 : 0)
                .InField(by_id ? (id_col >= 0 ? id_header : email_header) : email_header));
      }
      out.unmatched.emplace_back(line, std::move(why));
      continue;
    }
    MOPS_ASSIGN_OR_RETURN(
        int64_t n,
        db.Execute("INSERT INTO campaign_members (source_system, external_id, campaign_id, "
                   "contact_id, status, responded, created_at) VALUES ('hubspot_list', ?, ?, ?, "
                   "?, 0, ?) ON CONFLICT (source_system, external_id) DO NOTHING",
                   std::vector<Value>{fmt::format("{}:{}", campaign_id, AsInt(contact)),
                                      campaign_id, AsInt(contact), status, now}));
    (n > 0 ? out.added : out.already) += 1;
  }
  MOPS_TRY(Audit(db, actor, "campaign.list_import", "campaigns", campaign_id, "",
                 Json{{"file", file},
                      {"rows", out.rows},
                      {"added", out.added},
                      {"unmatched", out.unmatched.size()}}
                     .dump()));
  MOPS_TRY(tx.Commit());
  return out;
}

// ------------------------------------------------------ templates, assets

core::Result<std::vector<Template>> ListTemplates(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(store::Rows rows,
                        db.Query("SELECT id, name, type, channel, description, utm_pattern, body "
                                 "FROM campaign_templates ORDER BY name"));
  std::vector<Template> out;
  for (const auto& r : rows.rows) {
    Template t = internal::TemplateFromJson(Json::parse(AsText(r[6])));
    t.id = AsInt(r[0]);
    t.name = AsText(r[1]);
    t.type = AsText(r[2]);
    t.channel = AsText(r[3]);
    t.description = AsText(r[4]);
    t.utm_pattern = AsText(r[5]);
    out.push_back(std::move(t));
  }
  return out;
}

core::Result<Template> GetTemplate(store::Database& db, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(std::vector<Template> all, ListTemplates(db));
  for (Template& t : all) {
    if (t.id == id) return std::move(t);
  }
  return core::Fail(ErrorCode::kNotFound, "template {} does not exist", id);
}

core::Result<int64_t> CreateTemplate(store::Database& db, const Template& t,
                                     std::string_view actor) {
  MOPS_TRY(ValidateTemplate(t));
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(Value dup, db.QueryValue("SELECT id FROM campaign_templates WHERE name = ?",
                                                 std::vector<Value>{t.name}));
  if (!IsNull(dup)) {
    return core::Fail(
        core::MakeError(ErrorCode::kConflict,
                        fmt::format("a template named '{}' exists (id {})", t.name, AsInt(dup)))
            .InField("name"));
  }
  for (int64_t a : t.assets) {
    MOPS_ASSIGN_OR_RETURN(
        Value hit, db.QueryValue("SELECT id FROM assets WHERE id = ?", std::vector<Value>{a}));
    if (IsNull(hit)) {
      return core::Fail(
          core::MakeError(ErrorCode::kInvalidArgument, fmt::format("asset {} does not exist", a))
              .InField("assets"));
    }
  }
  const std::string body = internal::TemplateToJson(t).dump();
  MOPS_ASSIGN_OR_RETURN(
      store::Rows ids,
      db.Query("INSERT INTO campaign_templates (name, type, channel, description, utm_pattern, "
               "body, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
               std::vector<Value>{t.name, t.type, t.channel, t.description, t.utm_pattern, body,
                                  core::NowUtc(), std::string(actor)}));
  const int64_t id = AsInt(ids.rows.at(0).at(0));
  MOPS_TRY(Audit(db, actor, "campaign_template.create", "campaign_templates", id, "", body));
  MOPS_TRY(tx.Commit());
  return id;
}

core::Result<int64_t> TemplateFromCampaign(store::Database& db, int64_t campaign_id,
                                           std::string_view name, std::string_view description,
                                           std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(CampaignRecord c, GetCampaign(db, campaign_id));
  Template t;
  t.name = std::string(core::Trim(name));
  t.description = std::string(description);
  t.type = c.fields.type;
  t.channel = c.fields.channel;
  t.utm_pattern = c.utm_pattern;
  MOPS_ASSIGN_OR_RETURN(std::vector<ChecklistItem> items, Checklist(db, campaign_id));
  for (const ChecklistItem& i : items) t.checklist.push_back(i.label);
  MOPS_ASSIGN_OR_RETURN(std::vector<AssetRecord> assets, ListAssets(db, campaign_id));
  for (const AssetRecord& a : assets) t.assets.push_back(a.asset.id);
  MOPS_ASSIGN_OR_RETURN(t.statuses, MemberStatusesOf(db, campaign_id));
  MOPS_ASSIGN_OR_RETURN(t.approval_chain, ChainOf(db, campaign_id));
  if (t.description.empty()) t.description = fmt::format("From campaign '{}'", c.fields.name);
  return CreateTemplate(db, t, actor);
}

core::Result<AssetRecord> GetAsset(store::Database& db, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(std::vector<AssetRecord> all, ListAssets(db, std::nullopt));
  for (AssetRecord& a : all) {
    if (a.asset.id == id) return std::move(a);
  }
  return core::Fail(
      core::MakeError(ErrorCode::kNotFound, fmt::format("asset {} does not exist", id))
          .InField("id"));
}

core::Result<std::vector<AssetRecord>> ListAssets(store::Database& db,
                                                  std::optional<int64_t> campaign_id) {
  std::string sql = "SELECT id, name, type, url, owner, status, body FROM assets";
  std::vector<Value> params;
  if (campaign_id) {
    sql += " WHERE id IN (SELECT asset_id FROM campaign_assets WHERE campaign_id = ?)";
    params.push_back(*campaign_id);
  }
  sql += " ORDER BY id";
  MOPS_ASSIGN_OR_RETURN(store::Rows rows, db.Query(sql, params));
  MOPS_ASSIGN_OR_RETURN(store::Rows links,
                        db.Query("SELECT asset_id, campaign_id FROM campaign_assets ORDER BY "
                                 "asset_id, campaign_id"));
  std::unordered_map<int64_t, std::vector<int64_t>> used;
  for (const auto& r : links.rows) used[AsInt(r[0])].push_back(AsInt(r[1]));
  std::vector<AssetRecord> out;
  for (const auto& r : rows.rows) {
    AssetRecord a;
    a.asset = {AsInt(r[0]),  AsText(r[1]), AsText(r[2]), AsText(r[3]),
               AsText(r[4]), AsText(r[5]), AsText(r[6])};
    a.campaigns = used[a.asset.id];
    out.push_back(std::move(a));
  }
  return out;
}

namespace {
core::Status ValidateAsset(const Asset& a) {
  static const std::set<std::string> kTypes = {
      "email", "landing_page", "ad", "social_post", "document", "image", "video", "form", "other"};
  static const std::set<std::string> kStatuses = {"draft", "in_review", "ready", "retired"};
  if (core::Trim(a.name).empty()) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, "an asset needs a name").InField("name"));
  }
  if (!kTypes.contains(a.type)) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      fmt::format("asset type '{}' is not one of email, "
                                                  "landing_page, ad, social_post, document, "
                                                  "image, video, form, other",
                                                  a.type))
                          .InField("type"));
  }
  if (!kStatuses.contains(a.status)) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      fmt::format("asset status '{}' is not one of draft, "
                                                  "in_review, ready, retired",
                                                  a.status))
                          .InField("status"));
  }
  return {};
}
}  // namespace

core::Result<int64_t> CreateAsset(store::Database& db, const Asset& a, std::string_view actor) {
  MOPS_TRY(ValidateAsset(a));
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  const core::Timestamp now = core::NowUtc();
  MOPS_ASSIGN_OR_RETURN(
      store::Rows ids,
      db.Query("INSERT INTO assets (name, type, url, owner, status, body, created_at, updated_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
               std::vector<Value>{a.name, a.type, a.url, a.owner, a.status, a.body, now, now}));
  const int64_t id = AsInt(ids.rows.at(0).at(0));
  MOPS_TRY(Audit(db, actor, "asset.create", "assets", id, "",
                 Json{{"name", a.name}, {"type", a.type}, {"url", a.url}}.dump()));
  MOPS_TRY(tx.Commit());
  return id;
}

core::Status UpdateAsset(store::Database& db, const Asset& a, std::string_view actor) {
  MOPS_TRY(ValidateAsset(a));
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(store::Rows before, db.Query("SELECT url, body FROM assets WHERE id = ?",
                                                     std::vector<Value>{a.id}));
  if (before.empty()) return core::Fail(ErrorCode::kNotFound, "asset {} does not exist", a.id);
  MOPS_TRY(db.Execute(
      "UPDATE assets SET name = ?, type = ?, url = ?, owner = ?, status = ?, body = ?, "
      "updated_at = ? WHERE id = ?",
      std::vector<Value>{a.name, a.type, a.url, a.owner, a.status, a.body, core::NowUtc(), a.id}));
  // New content in an approved campaign's asset sends the campaign back.
  if (AsText(before.rows[0][0]) != a.url || AsText(before.rows[0][1]) != a.body) {
    MOPS_ASSIGN_OR_RETURN(store::Rows users,
                          db.Query("SELECT campaign_id FROM campaign_assets WHERE asset_id = ?",
                                   std::vector<Value>{a.id}));
    for (const auto& r : users.rows) {
      MOPS_ASSIGN_OR_RETURN(CampaignRecord c, GetCampaign(db, AsInt(r[0])));
      MOPS_TRY(SendBackIfApproved(db, c, actor, fmt::format("asset {} changed", a.id)));
    }
  }
  MOPS_TRY(Audit(db, actor, "asset.update", "assets", a.id,
                 Json{{"url", AsText(before.rows[0][0])}}.dump(), Json{{"url", a.url}}.dump()));
  MOPS_TRY(tx.Commit());
  return {};
}

core::Result<UpdateResult> LinkAsset(store::Database& db, int64_t campaign_id, int64_t asset_id,
                                     bool link, std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(CampaignRecord c, GetCampaign(db, campaign_id));
  MOPS_ASSIGN_OR_RETURN(
      Value hit, db.QueryValue("SELECT id FROM assets WHERE id = ?", std::vector<Value>{asset_id}));
  if (IsNull(hit)) {
    return core::Fail(
        core::MakeError(ErrorCode::kNotFound, fmt::format("asset {} does not exist", asset_id))
            .InField("asset_id"));
  }
  int64_t changed = 0;
  if (link) {
    MOPS_ASSIGN_OR_RETURN(changed,
                          db.Execute("INSERT INTO campaign_assets (campaign_id, asset_id) VALUES "
                                     "(?, ?) ON CONFLICT (campaign_id, asset_id) DO NOTHING",
                                     std::vector<Value>{campaign_id, asset_id}));
  } else {
    MOPS_ASSIGN_OR_RETURN(changed,
                          db.Execute("DELETE FROM campaign_assets WHERE campaign_id = ? AND "
                                     "asset_id = ?",
                                     std::vector<Value>{campaign_id, asset_id}));
  }
  UpdateResult out;
  if (changed > 0) {
    MOPS_ASSIGN_OR_RETURN(out, SendBackIfApproved(db, c, actor, "assets changed"));
    MOPS_TRY(Audit(db, actor, link ? "campaign.asset_link" : "campaign.asset_unlink", "campaigns",
                   campaign_id, "", Json{{"asset", asset_id}}.dump()));
  }
  MOPS_TRY(tx.Commit());
  return out;
}

// ------------------------------------------------------------ QA, launch

core::Result<std::vector<ChecklistItem>> Checklist(store::Database& db, int64_t campaign_id) {
  MOPS_ASSIGN_OR_RETURN(store::Rows rows,
                        db.Query("SELECT id, label, blocking, done, done_by FROM "
                                 "campaign_checklist WHERE campaign_id = ? ORDER BY id",
                                 std::vector<Value>{campaign_id}));
  std::vector<ChecklistItem> out;
  for (const auto& r : rows.rows) {
    out.push_back({AsInt(r[0]), AsText(r[1]), AsInt(r[2]) != 0, AsInt(r[3]) != 0, AsText(r[4])});
  }
  return out;
}

core::Result<int64_t> AddChecklistItem(store::Database& db, int64_t campaign_id,
                                       std::string_view label, bool blocking,
                                       std::string_view actor) {
  if (core::Trim(label).empty()) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument, "a checklist item needs a label")
                          .InField("label"));
  }
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_TRY(GetCampaign(db, campaign_id));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows ids,
      db.Query("INSERT INTO campaign_checklist (campaign_id, label, blocking) VALUES (?, ?, ?) "
               "RETURNING id",
               std::vector<Value>{campaign_id, std::string(core::Trim(label)), int64_t{blocking}}));
  const int64_t id = AsInt(ids.rows.at(0).at(0));
  MOPS_TRY(Audit(db, actor, "campaign.checklist_add", "campaigns", campaign_id, "",
                 Json{{"item", id}, {"label", label}}.dump()));
  MOPS_TRY(tx.Commit());
  return id;
}

core::Status CheckItem(store::Database& db, int64_t campaign_id, int64_t item_id, bool done,
                       std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(
      int64_t n,
      db.Execute("UPDATE campaign_checklist SET done = ?, done_by = ?, done_at = ? WHERE id = ? "
                 "AND campaign_id = ?",
                 std::vector<Value>{int64_t{done}, done ? Value(std::string(actor)) : Value(),
                                    done ? Value(core::NowUtc()) : Value(), item_id, campaign_id}));
  if (n == 0) {
    return core::Fail(ErrorCode::kNotFound, "campaign {} has no checklist item {}", campaign_id,
                      item_id);
  }
  MOPS_TRY(Audit(db, actor, "campaign.checklist_check", "campaigns", campaign_id, "",
                 Json{{"item", item_id}, {"done", done}}.dump()));
  MOPS_TRY(tx.Commit());
  return {};
}

core::Result<std::vector<QaItem>> CampaignQa(store::Database& db, int64_t campaign_id) {
  MOPS_ASSIGN_OR_RETURN(CampaignRecord c, GetCampaign(db, campaign_id));
  MOPS_ASSIGN_OR_RETURN(std::vector<AssetRecord> assets, ListAssets(db, campaign_id));
  std::vector<Asset> plain;
  for (AssetRecord& a : assets) {
    if (a.asset.status != "retired") plain.push_back(std::move(a.asset));
  }
  MOPS_ASSIGN_OR_RETURN(std::vector<MemberStatus> statuses, MemberStatusesOf(db, campaign_id));
  MOPS_ASSIGN_OR_RETURN(std::vector<ChecklistItem> manual, Checklist(db, campaign_id));
  MOPS_ASSIGN_OR_RETURN(NamingRules rules, LoadNamingRules(db));
  if (!c.utm_pattern.empty()) {
    NamingRules own = rules;
    own.pattern = c.utm_pattern;
    auto parsed = ParseNamingConfig(
        "campaign_pattern: \"" + c.utm_pattern + "\"\nfields: " + Json(rules.fields).dump() + "\n",
        "utm_pattern");
    if (parsed) own.parts = parsed->parts;
    rules = std::move(own);
  }
  return RunQa(c.fields, plain, statuses, manual, rules);
}

core::Result<std::vector<std::string>> CampaignLaunchGate(store::Database& db,
                                                          int64_t campaign_id) {
  MOPS_ASSIGN_OR_RETURN(CampaignRecord c, GetCampaign(db, campaign_id));
  MOPS_ASSIGN_OR_RETURN(std::vector<Step> steps, StepsOf(db, campaign_id));
  MOPS_ASSIGN_OR_RETURN(std::vector<QaItem> qa, CampaignQa(db, campaign_id));
  return LaunchGate(c.fields.state, steps, qa);
}

// -------------------------------------------------------------- roll-ups

core::Result<RollupReport> Rollups(store::Database& db, std::span<const int64_t> run_ids,
                                   std::string_view model) {
  RollupReport out;
  out.model = std::string(model);
  out.runs.assign(run_ids.begin(), run_ids.end());
  MOPS_ASSIGN_OR_RETURN(out.campaigns, ListCampaigns(db));
  std::unordered_map<int64_t, size_t> index;
  std::unordered_map<std::string, size_t> by_name;
  std::vector<Node> nodes(out.campaigns.size());
  for (size_t i = 0; i < out.campaigns.size(); ++i) {
    const CampaignRecord& c = out.campaigns[i];
    index[c.fields.id] = i;
    by_name.try_emplace(c.fields.name, i);
    nodes[i].id = c.fields.id;
    nodes[i].parent_id = c.parent_id;
    nodes[i].budget = c.fields.budget;
  }
  // Actual cost: spend and period costs; the imported ActualCost only when
  // a campaign has neither.
  std::vector<uint8_t> has_cost(nodes.size(), 0);
  MOPS_ASSIGN_OR_RETURN(
      store::Rows costs,
      db.Query("SELECT campaign_id, SUM(amount) FROM spend WHERE campaign_id IS NOT NULL GROUP BY "
               "campaign_id UNION ALL SELECT campaign_id, SUM(amount) FROM campaign_costs GROUP BY "
               "campaign_id"));
  for (const auto& r : costs.rows) {
    auto it = index.find(AsInt(r[0]));
    if (it == index.end()) continue;
    nodes[it->second].actual_cost += AsInt(r[1]);
    has_cost[it->second] = 1;
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!has_cost[i]) nodes[i].actual_cost = out.campaigns[i].recorded_actual_cost;
  }
  MOPS_ASSIGN_OR_RETURN(
      store::Rows members,
      db.Query("SELECT campaign_id, COUNT(*), SUM(CASE WHEN responded <> 0 THEN 1 ELSE 0 END) "
               "FROM campaign_members WHERE campaign_id IS NOT NULL GROUP BY campaign_id"));
  for (const auto& r : members.rows) {
    auto it = index.find(AsInt(r[0]));
    if (it == index.end()) continue;
    nodes[it->second].members = AsInt(r[1]);
    nodes[it->second].responses = AsInt(r[2]);
  }
  for (int64_t run : run_ids) {
    MOPS_ASSIGN_OR_RETURN(store::Rows info,
                          db.Query("SELECT conversion, models FROM attribution_runs WHERE id = ?",
                                   std::vector<Value>{run}));
    if (info.empty()) {
      return core::Fail(core::MakeError(ErrorCode::kNotFound,
                                        fmt::format("attribution run {} does not exist", run))
                            .InField("run"));
    }
    const std::string conversion = AsText(info.rows[0][0]);
    if (conversion != "created" && conversion != "won") {
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                        fmt::format("attribution run {} credits '{}' conversions: "
                                                    "roll-ups need a created (pipeline) or won "
                                                    "(revenue) run",
                                                    run, conversion))
                            .InField("run"));
    }
    const std::string models = AsText(info.rows[0][1]);
    if (models.find(std::string(model)) == std::string::npos) {
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                        fmt::format("attribution run {} has no model '{}' (it has "
                                                    "{})",
                                                    run, model, models))
                            .InField("model"));
    }
    MOPS_ASSIGN_OR_RETURN(
        store::Rows results,
        db.Query("SELECT dim_key, value FROM attribution_results WHERE run_id = ? AND model = ? "
                 "AND dimension = 'campaign'",
                 std::vector<Value>{run, std::string(model)}));
    double unmatched = 0;
    for (const auto& r : results.rows) {
      auto it = by_name.find(AsText(r[0]));
      if (it == by_name.end()) {
        unmatched += store::AsDouble(r[1]);
        continue;
      }
      (conversion == "created" ? nodes[it->second].pipeline : nodes[it->second].won) +=
          store::AsDouble(r[1]);
    }
    if (unmatched > 0) {
      out.notes.push_back(
          fmt::format("run {}: {:.2f} of {} credited to touches without a "
                      "campaign",
                      run, unmatched, conversion == "created" ? "pipeline" : "revenue"));
    }
  }
  out.rollup = RollUp(nodes);
  return out;
}

// -------------------------------------------------------------- calendar

core::Result<CalendarReport> Calendar(store::Database& db, std::optional<core::Timestamp> from,
                                      std::optional<core::Timestamp> to) {
  if (from && to && *from > *to) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, "from is after to").InField("from"));
  }
  MOPS_ASSIGN_OR_RETURN(std::vector<CampaignRecord> all, ListCampaigns(db));
  CalendarReport out;
  for (const CampaignRecord& c : all) {
    if (!c.fields.start_date) continue;
    const core::Timestamp start = *c.fields.start_date;
    const core::Timestamp end = c.fields.end_date.value_or(start);
    if (to && start >= *to) continue;
    if (from && end < *from) continue;
    out.entries.push_back({c.fields.id, c.fields.name, c.fields.channel, c.fields.audience,
                           c.fields.state, start, end});
  }
  std::sort(out.entries.begin(), out.entries.end(), [](const auto& a, const auto& b) {
    return a.start != b.start ? a.start < b.start : a.id < b.id;
  });
  out.conflicts = CalendarConflicts(out.entries);
  return out;
}

// --------------------------------------------------------------- budgets

core::Result<BudgetResult> CampaignBudget(store::Database& db, int64_t id, core::Timestamp as_of) {
  MOPS_ASSIGN_OR_RETURN(CampaignRecord c, GetCampaign(db, id));
  BudgetResult out;
  out.currency = c.currency.empty() ? "USD" : c.currency;
  BudgetInput in;
  in.budget = c.fields.budget;
  in.start = c.fields.start_date;
  in.end = c.fields.end_date;
  MOPS_ASSIGN_OR_RETURN(
      store::Rows spend,
      db.Query("SELECT id, date, amount, channel, source FROM spend WHERE campaign_id = ? ORDER BY "
               "date, id",
               std::vector<Value>{id}));
  for (const auto& r : spend.rows) {
    out.lines.push_back({AsInt(r[0]), "spend", AsInt(r[1]), AsInt(r[2]),
                         AsText(r[3]) + (IsNull(r[4]) ? "" : " / " + AsText(r[4]))});
  }
  MOPS_ASSIGN_OR_RETURN(
      store::Rows period,
      db.Query("SELECT id, month, amount, note FROM campaign_costs WHERE campaign_id = ? ORDER BY "
               "month, id",
               std::vector<Value>{id}));
  for (const auto& r : period.rows) {
    out.lines.push_back({AsInt(r[0]), "period_cost", AsInt(r[1]), AsInt(r[2]), AsText(r[3])});
  }
  if (out.lines.empty() && c.recorded_actual_cost > 0) {
    out.lines.push_back({0, "recorded", c.fields.end_date.value_or(c.fields.start_date.value_or(0)),
                         c.recorded_actual_cost, "actual cost recorded in the CRM"});
  }
  for (const CostRecord& l : out.lines) in.costs.push_back({l.date, l.amount, l.kind});
  MOPS_ASSIGN_OR_RETURN(
      store::Rows members,
      db.Query("SELECT COUNT(*), SUM(CASE WHEN responded <> 0 THEN 1 ELSE 0 END) FROM "
               "campaign_members WHERE campaign_id = ?",
               std::vector<Value>{id}));
  in.members = AsInt(members.rows[0][0]);
  in.responses = AsInt(members.rows[0][1]);
  MOPS_ASSIGN_OR_RETURN(
      store::Rows opps,
      db.Query("SELECT COUNT(*), SUM(CASE WHEN is_won <> 0 THEN 1 ELSE 0 END) FROM opportunities "
               "WHERE primary_campaign_id = ?",
               std::vector<Value>{id}));
  in.opportunities = AsInt(opps.rows[0][0]);
  in.won_deals = AsInt(opps.rows[0][1]);
  out.report = Budget(in, as_of);
  return out;
}

core::Result<int64_t> AddPeriodCost(store::Database& db, int64_t id, core::Timestamp month,
                                    int64_t amount, std::string_view note, std::string_view actor) {
  if (amount == 0) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument, "a period cost needs an amount")
                          .InField("amount"));
  }
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(CampaignRecord c, GetCampaign(db, id));
  const core::CivilDate d = core::CivilFromDays(core::FloorDiv(month, core::kSecondsPerDay));
  const core::Timestamp first = core::DaysFromCivil(d.year, d.month, 1) * core::kSecondsPerDay;
  MOPS_ASSIGN_OR_RETURN(
      store::Rows ids,
      db.Query("INSERT INTO campaign_costs (campaign_id, month, amount, currency, note, "
               "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
               std::vector<Value>{id, first, amount, c.currency.empty() ? "USD" : c.currency,
                                  std::string(note), core::NowUtc(), std::string(actor)}));
  const int64_t cost_id = AsInt(ids.rows.at(0).at(0));
  MOPS_TRY(Audit(
      db, actor, "campaign.period_cost", "campaigns", id, "",
      Json{
          {"cost", cost_id}, {"month", core::FormatDate(first)}, {"amount", amount}, {"note", note}}
          .dump()));
  MOPS_TRY(tx.Commit());
  return cost_id;
}

}  // namespace mops::campaigns
