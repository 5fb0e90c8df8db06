// REST routes of campaign operations. Roles: viewer reads, ops creates and
// changes, approver decides approval steps (admin may do everything).
// GET /api/v1/campaigns and /api/v1/campaigns/{id} are the records' plain
// list and get (records/): the workflow's views have their own paths
// (campaign-board, campaign-hierarchy, campaign-calendar, .../detail).
#include "campaigns/routes.h"

#include <fmt/format.h>

#include <map>

#include "campaigns/internal.h"
#include "core/numbers.h"
#include "core/strings.h"
#include "http/input.h"

namespace mops::campaigns {
namespace {

using http::RequestContext;
using http::Role;
using internal::Json;

constexpr std::string_view kTag = "campaigns";

std::string ActorOf(const RequestContext& ctx) { return "token:" + ctx.principal.name; }

int64_t PathId(const RequestContext& ctx, size_t i = 0) {
  return core::ParseInt(ctx.path_params.at(i)).value_or(0);
}

core::Error Bad(std::string field, std::string message) {
  return core::MakeError(core::ErrorCode::kInvalidArgument, std::move(message))
      .InField(std::move(field));
}

// A campaign body's fields as text edits; numbers are accepted for budget
// and parent_id, null clears a field.
core::Result<FieldEdits> EditsOf(const Json& body, std::initializer_list<std::string_view> skip) {
  FieldEdits out;
  for (const auto& [key, value] : body.items()) {
    if (std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
    if (value.is_string()) {
      out[key] = value.get<std::string>();
    } else if (value.is_null()) {
      out[key] = "";
    } else if (value.is_number() && (key == "budget" || key == "parent_id")) {
      out[key] = value.is_number_integer() ? std::to_string(value.get<int64_t>())
                                           : fmt::format("{:.2f}", value.get<double>());
    } else {
      return core::Fail(Bad(key, key + " must be a text"));
    }
  }
  return out;
}

core::Result<std::optional<core::Timestamp>> DateParam(const RequestContext& ctx,
                                                       const std::string& name) {
  auto v = ctx.Query(name);
  if (!v || core::Trim(*v).empty()) return std::optional<core::Timestamp>();
  auto t = core::ParseTimestamp(*v, core::DateFormat::kIso);
  if (!t) return core::Fail(Bad(name, name + " must be a date YYYY-MM-DD, got '" + *v + "'"));
  return std::optional<core::Timestamp>(*t);
}

const std::initializer_list<std::string_view> kCampaignFields = {
    "name",   "type",     "channel", "parent_id", "status",   "start_date",   "end_date",
    "budget", "currency", "owner",   "goal",      "audience", "utm_campaign", "utm_pattern"};

// Per campaign, its newest approval round: approved (every step), pending,
// changes_required or rejected.
core::Result<std::map<int64_t, std::string>> ApprovalSummaries(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(store::Rows rows,
                        db.Query("SELECT campaign_id, round, decision FROM approval_steps ORDER BY "
                                 "campaign_id, round"));
  std::map<int64_t, std::pair<int64_t, std::string>> latest;
  for (const auto& r : rows.rows) {
    const int64_t id = store::AsInt(r[0]), round = store::AsInt(r[1]);
    const std::string d = store::AsText(r[2]);
    auto& [at, summary] = latest[id];
    if (round > at) at = round, summary = "approved";
    if (round < at) continue;
    if (d == "pending" && summary == "approved") summary = "pending";
    if (d == "changes_required" || d == "rejected") summary = d;
  }
  std::map<int64_t, std::string> out;
  for (const auto& [id, v] : latest) out[id] = v.second;
  return out;
}

// A live or completed campaign's blockers are what it was launched without.
State GateState(State s) {
  return s == State::kLive || s == State::kCompleted ? State::kScheduled : s;
}

core::Result<Json> Detail(store::Database& db, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(CampaignRecord c, GetCampaign(db, id));
  const core::Timestamp now = core::NowUtc();
  MOPS_ASSIGN_OR_RETURN(CampaignApprovals approvals, LoadApprovals(db, id, now));
  MOPS_ASSIGN_OR_RETURN(std::vector<QaItem> qa, CampaignQa(db, id));
  MOPS_ASSIGN_OR_RETURN(std::vector<AssetRecord> assets, ListAssets(db, id));
  MOPS_ASSIGN_OR_RETURN(std::vector<StatusCount> members, MembersByStatus(db, id));
  MOPS_ASSIGN_OR_RETURN(BudgetResult budget, CampaignBudget(db, id, now));
  Json steps = Json::array();
  for (const Step& s : approvals.steps) steps.push_back(internal::StepJson(s));
  Json qa_json = Json::array();
  for (const QaItem& q : qa) qa_json.push_back(internal::QaJson(q));
  Json asset_json = Json::array();
  for (const AssetRecord& a : assets) asset_json.push_back(internal::AssetJson(a));
  Json member_json = Json::array();
  int64_t total = 0;
  for (const StatusCount& m : members) {
    total += m.members;
    member_json.push_back({{"status", m.status},
                           {"sort_order", m.sort_order},
                           {"responded", m.responded},
                           {"members", m.members}});
  }
  Json active = Json::array(), overdue = Json::array();
  for (int32_t i : approvals.active) active.push_back(approvals.steps[i].id);
  for (int32_t i : approvals.overdue) overdue.push_back(approvals.steps[i].id);
  std::vector<std::string> transitions;
  for (State s : AllowedTransitions(c.fields.state)) transitions.emplace_back(StateName(s));
  return Json{{"campaign", internal::CampaignJson(c)},
              {"transitions", transitions},
              {"approval_chain", internal::ChainToJson(approvals.chain)},
              {"approvals", steps},
              {"active_steps", active},
              {"overdue_steps", overdue},
              {"qa", qa_json},
              {"launch_blockers", LaunchGate(GateState(c.fields.state), approvals.steps, qa)},
              {"assets", asset_json},
              {"members", {{"total", total}, {"by_status", member_json}}},
              {"budget", internal::BudgetJson(budget)}};
}

void CampaignRoutes(http::Router& router) {
  router.Get("/api/v1/campaign-board", Role::kViewer,
             {"Campaigns with their workflow state (?state= filters)",
              {{"state", "draft, in_review, approved, scheduled, live, completed or cancelled"}},
              std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               std::optional<State> only;
               if (auto s = ctx.Query("state")) {
                 auto parsed = ParseState(*s);
                 if (!parsed) return core::Fail(std::move(parsed.error()).InField("state"));
                 only = *parsed;
               }
               MOPS_ASSIGN_OR_RETURN(std::vector<CampaignRecord> all, ListCampaigns(ctx.db));
               MOPS_ASSIGN_OR_RETURN(auto approval, ApprovalSummaries(ctx.db));
               Json list = Json::array();
               for (const CampaignRecord& c : all) {
                 if (only && c.fields.state != *only) continue;
                 Json j = internal::CampaignJson(c);
                 auto it = approval.find(c.fields.id);
                 j["approval"] = it == approval.end() ? "none" : it->second;
                 // Past approval without an approved round: launched without approval.
                 const State s = c.fields.state;
                 j["unapproved_launch"] =
                     c.in_workflow &&
                     (s == State::kLive || s == State::kScheduled || s == State::kCompleted) &&
                     j["approval"] != "approved";
                 list.push_back(std::move(j));
               }
               return Json{{"campaigns", list}, {"total", list.size()}};
             });
  router.Post("/api/v1/campaigns", Role::kOps,
              {"Create a campaign (draft), optionally from a template (template_id)",
               {},
               std::string(kTag)},
              [](RequestContext& ctx) -> core::Result<Json> {
                std::vector<std::string_view> allowed(kCampaignFields);
                allowed.push_back("template_id");
                MOPS_ASSIGN_OR_RETURN(Json body, ctx.Body());
                if (!body.is_object()) return core::Fail(Bad("", "the body is a JSON object"));
                for (const auto& [k, v] : body.items()) {
                  if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
                    return core::Fail(Bad(k, "unknown field '" + k + "'"));
                  }
                }
                MOPS_ASSIGN_OR_RETURN(FieldEdits edits, EditsOf(body, {"template_id"}));
                int64_t id = 0;
                if (body.contains("template_id")) {
                  if (!body["template_id"].is_number_integer()) {
                    return core::Fail(Bad("template_id", "template_id is a template's id"));
                  }
                  MOPS_ASSIGN_OR_RETURN(
                      id, CreateFromTemplate(ctx.db, body["template_id"].get<int64_t>(), edits,
                                             ActorOf(ctx)));
                } else {
                  MOPS_ASSIGN_OR_RETURN(id, CreateCampaign(ctx.db, edits, ActorOf(ctx)));
                }
                return Detail(ctx.db, id);
              });
  router.Get("/api/v1/campaign-hierarchy", Role::kViewer,
             {"The hierarchy with roll-ups of budget, actual cost, members, responses, pipeline "
              "and won revenue",
              {{"run",
                "Stored attribution run ids (comma-separated): a created run gives pipeline, a won "
                "run revenue"},
               {"model", "Attribution model of the runs (default linear)"}},
              std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               std::vector<int64_t> runs;
               if (auto r = ctx.Query("run")) {
                 for (std::string_view part : core::Split(*r, ',')) {
                   auto id = core::ParseInt(core::Trim(part));
                   if (!id || *id <= 0)
                     return core::Fail(
                         Bad("run", "run is a list of attribution run ids, got '" + *r + "'"));
                   runs.push_back(*id);
                 }
               }
               const std::string model = ctx.Query("model").value_or("linear");
               MOPS_ASSIGN_OR_RETURN(RollupReport report,
                                     Rollups(ctx.db, runs, runs.empty() ? "" : model));
               return internal::RollupJson(report);
             });
  router.Get("/api/v1/campaign-calendar", Role::kViewer,
             {"Campaigns by date with conflicts (same audience e-mailed twice a day, two launches "
              "on a segment in a week)",
              {{"from", "First day, YYYY-MM-DD"}, {"to", "Day after the last, YYYY-MM-DD"}},
              std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(auto from, DateParam(ctx, "from"));
               MOPS_ASSIGN_OR_RETURN(auto to, DateParam(ctx, "to"));
               MOPS_TRY(http::CheckRange(from, to));
               MOPS_ASSIGN_OR_RETURN(CalendarReport r, Calendar(ctx.db, from, to));
               return internal::CalendarJson(r);
             });
  router.Get("/api/v1/campaigns/approvals/overdue", Role::kViewer,
             {"Approval steps past their due date", {}, std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(auto list, OverdueApprovals(ctx.db, core::NowUtc()));
               Json out = Json::array();
               for (const OverdueStep& o : list) {
                 Json j = internal::StepJson(o.step);
                 j["campaign_id"] = o.campaign_id;
                 j["campaign"] = o.campaign;
                 out.push_back(std::move(j));
               }
               return Json{{"overdue", out}};
             });
  router.Put(
      "/api/v1/campaigns/member-statuses", Role::kOps,
      {"Member statuses of a campaign type: {campaign_type, statuses: [{name, sort_order, "
       "responded, is_default}]}",
       {},
       std::string(kTag)},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"campaign_type", "statuses"}));
        if (!body.contains("campaign_type") || !body["campaign_type"].is_string()) {
          return core::Fail(Bad("campaign_type", "campaign_type is required"));
        }
        MOPS_ASSIGN_OR_RETURN(auto statuses,
                              internal::ParseStatuses(body.value("statuses", Json()), "statuses"));
        MOPS_TRY(SetMemberStatuses(ctx.db, std::nullopt, body["campaign_type"].get<std::string>(),
                                   statuses, ActorOf(ctx)));
        return Json{{"campaign_type", body["campaign_type"]},
                    {"statuses", internal::StatusesJson(statuses)}};
      });
  router.Post(
      "/api/v1/campaigns/members/align", Role::kOps,
      {"Put imported campaign members into their campaign's statuses", {}, std::string(kTag)},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_TRY(http::ObjectBody(ctx, {}));
        MOPS_ASSIGN_OR_RETURN(AlignReport r, AlignImportedMembers(ctx.db, 0, ActorOf(ctx)));
        return Json{{"members", r.members},
                    {"changed", r.changed},
                    {"unmapped", r.unmapped},
                    {"unmapped_statuses", r.unmapped_statuses}};
      });

  router.Get(
      "/api/v1/campaigns/{id}/detail", Role::kViewer,
      {"One campaign: fields, approvals, QA, launch blockers, assets, members by status, budget",
       {},
       std::string(kTag)},
      [](RequestContext& ctx) { return Detail(ctx.db, PathId(ctx)); });
  router.Put("/api/v1/campaigns/{id}", Role::kOps,
             {"Edit a campaign; a content change of an approved campaign sends it back to review",
              {},
              std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, kCampaignFields));
               MOPS_ASSIGN_OR_RETURN(FieldEdits edits, EditsOf(body, {}));
               MOPS_ASSIGN_OR_RETURN(UpdateResult r,
                                     UpdateCampaign(ctx.db, PathId(ctx), edits, ActorOf(ctx)));
               MOPS_ASSIGN_OR_RETURN(Json detail, Detail(ctx.db, PathId(ctx)));
               detail["sent_back_to_review"] = r.sent_back;
               return detail;
             });
  router.Post(
      "/api/v1/campaigns/{id}/transition", Role::kOps,
      {"Move a campaign: {to: in_review|scheduled|live|completed|cancelled|draft|approved}; live "
       "passes the launch gate",
       {},
       std::string(kTag)},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"to"}));
        if (!body.contains("to") || !body["to"].is_string())
          return core::Fail(Bad("to", "to is the target state"));
        auto to = ParseState(body["to"].get<std::string>());
        if (!to) return core::Fail(std::move(to.error()).InField("to"));
        MOPS_TRY(Transition(ctx.db, PathId(ctx), *to, ActorOf(ctx)));
        return Detail(ctx.db, PathId(ctx));
      });
  router.Put("/api/v1/campaigns/{id}/approval-chain", Role::kOps,
             {"The campaign's approval chain: {steps: [{stage, name, role | user, due_days}]}",
              {},
              std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"steps"}));
               MOPS_ASSIGN_OR_RETURN(auto chain,
                                     internal::ParseChain(body.value("steps", Json()), "steps"));
               MOPS_TRY(SetApprovalChain(ctx.db, PathId(ctx), chain, ActorOf(ctx)));
               return Json{{"steps", internal::ChainToJson(chain)}};
             });
  router.Post(
      "/api/v1/campaigns/{id}/approvals/{step_id}", Role::kApprover,
      {"Decide an approval step: {decision: "
       "approved|approved_with_changes|changes_required|rejected, comment}",
       {},
       std::string(kTag)},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"decision", "comment"}));
        if (!body.contains("decision") || !body["decision"].is_string())
          return core::Fail(Bad("decision", "decision is required"));
        if (body.contains("comment") && !body["comment"].is_string())
          return core::Fail(Bad("comment", "comment is a text"));
        MOPS_ASSIGN_OR_RETURN(Decision d, ParseDecision(body["decision"].get<std::string>()));
        const Actor actor{ctx.principal.name, std::string(http::RoleName(ctx.principal.role))};
        MOPS_TRY(DecideStep(ctx.db, PathId(ctx), PathId(ctx, 1), d,
                            body.value("comment", std::string()), actor));
        return Detail(ctx.db, PathId(ctx));
      });
  router.Post("/api/v1/campaigns/{id}/checklist", Role::kOps,
              {"Add a manual QA item: {label, blocking}", {}, std::string(kTag)},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"label", "blocking"}));
                if (!body.contains("label") || !body["label"].is_string())
                  return core::Fail(Bad("label", "label is required"));
                if (body.contains("blocking") && !body["blocking"].is_boolean())
                  return core::Fail(Bad("blocking", "blocking is true or false"));
                MOPS_TRY(AddChecklistItem(ctx.db, PathId(ctx), body["label"].get<std::string>(),
                                          body.value("blocking", true), ActorOf(ctx)));
                return Detail(ctx.db, PathId(ctx));
              });
  router.Put("/api/v1/campaigns/{id}/checklist/{item_id}", Role::kOps,
             {"Check or uncheck a manual QA item: {done}", {}, std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"done"}));
               if (!body.contains("done") || !body["done"].is_boolean())
                 return core::Fail(Bad("done", "done is true or false"));
               MOPS_TRY(CheckItem(ctx.db, PathId(ctx), PathId(ctx, 1), body["done"].get<bool>(),
                                  ActorOf(ctx)));
               return Detail(ctx.db, PathId(ctx));
             });
  router.Get(
      "/api/v1/campaigns/{id}/members", Role::kViewer,
      {"Members by status, with the campaign's statuses", {}, std::string(kTag)},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(auto statuses, MemberStatusesOf(ctx.db, PathId(ctx)));
        MOPS_ASSIGN_OR_RETURN(auto counts, MembersByStatus(ctx.db, PathId(ctx)));
        Json by = Json::array();
        for (const StatusCount& c : counts)
          by.push_back({{"status", c.status}, {"members", c.members}, {"responded", c.responded}});
        return Json{{"statuses", internal::StatusesJson(statuses)}, {"by_status", by}};
      });
  router.Put("/api/v1/campaigns/{id}/member-statuses", Role::kOps,
             {"The campaign's own member statuses: {statuses: [...]}", {}, std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"statuses"}));
               MOPS_ASSIGN_OR_RETURN(
                   auto statuses,
                   internal::ParseStatuses(body.value("statuses", Json()), "statuses"));
               MOPS_TRY(SetMemberStatuses(ctx.db, PathId(ctx), "", statuses, ActorOf(ctx)));
               return Json{{"statuses", internal::StatusesJson(statuses)}};
             });
  router.Post(
      "/api/v1/campaigns/{id}/members", Role::kOps,
      {"Add a member or move one forward: {contact_id, status}", {}, std::string(kTag)},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"contact_id", "status"}));
        if (!body.contains("contact_id") || !body["contact_id"].is_number_integer())
          return core::Fail(Bad("contact_id", "contact_id is a contact's id"));
        if (!body.contains("status") || !body["status"].is_string())
          return core::Fail(Bad("status", "status is required"));
        MOPS_ASSIGN_OR_RETURN(MemberState m,
                              MoveMember(ctx.db, PathId(ctx), body["contact_id"].get<int64_t>(),
                                         body["status"].get<std::string>(), ActorOf(ctx)));
        return Json{{"status", m.status},
                    {"responded", m.responded},
                    {"first_responded_at", m.first_responded_at
                                               ? Json(core::FormatTimestamp(*m.first_responded_at))
                                               : Json(nullptr)}};
      });
  router.Post(
      "/api/v1/campaigns/{id}/members/import", Role::kOps,
      {"Add the contacts of a HubSpot list export to the campaign in its default status: the CSV "
       "is the request body; one transaction",
       {{"file_name", "Name of the export, for messages and the audit log"},
        {"strict", "true: an unmatched row refuses the whole import (default false: reported)"}},
       std::string(kTag)},
      [](RequestContext& ctx) -> core::Result<Json> {
        for (const auto& [key, _] : ctx.QueryParams()) {
          if (key != "file_name" && key != "strict") {
            return core::Fail(
                Bad(key, "unknown parameter '" + key + "' (expected file_name, strict)"));
          }
        }
        bool strict = false;
        if (auto v = ctx.Query("strict")) {
          auto b = core::ParseBool(*v);
          if (!b) return core::Fail(Bad("strict", "strict is true or false, got '" + *v + "'"));
          strict = *b;
        }
        if (core::Trim(ctx.BodyText()).empty()) {
          return core::Fail(
              Bad("body", "the request body is the list export (CSV), and it is empty"));
        }
        const std::string file = ctx.Query("file_name").value_or("request body");
        MOPS_ASSIGN_OR_RETURN(
            ListImport r,
            ImportListMembersText(ctx.db, PathId(ctx), ctx.BodyText(), file, ActorOf(ctx), strict));
        Json unmatched = Json::array();
        for (const auto& [line, why] : r.unmatched) {
          unmatched.push_back({{"file", file}, {"line", line}, {"reason", why}});
        }
        return Json{
            {"rows", r.rows}, {"added", r.added}, {"already", r.already}, {"unmatched", unmatched}};
      });
  router.Post(
      "/api/v1/campaigns/{id}/template", Role::kOps,
      {"Save the campaign as a template: {name, description}; its checklist, assets, member "
       "statuses, UTM pattern and approval chain",
       {},
       std::string(kTag)},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"name", "description"}));
        if (!body.contains("name") || !body["name"].is_string())
          return core::Fail(Bad("name", "name is the template's name"));
        if (body.contains("description") && !body["description"].is_string())
          return core::Fail(Bad("description", "description is a text"));
        MOPS_ASSIGN_OR_RETURN(
            int64_t id,
            TemplateFromCampaign(ctx.db, PathId(ctx), body["name"].get<std::string>(),
                                 body.value("description", std::string()), ActorOf(ctx)));
        MOPS_ASSIGN_OR_RETURN(Template saved, GetTemplate(ctx.db, id));
        return internal::TemplateJson(saved);
      });
  router.Get(
      "/api/v1/campaigns/{id}/budget", Role::kViewer,
      {"Budget vs actual by month, variance, pacing, unit costs, and the cost lines behind them",
       {{"as_of", "Date for pacing, YYYY-MM-DD (default today)"}},
       std::string(kTag)},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(auto as_of, DateParam(ctx, "as_of"));
        MOPS_ASSIGN_OR_RETURN(BudgetResult b,
                              CampaignBudget(ctx.db, PathId(ctx), as_of.value_or(core::NowUtc())));
        return internal::BudgetJson(b);
      });
  router.Post(
      "/api/v1/campaigns/{id}/costs", Role::kOps,
      {"Enter a period cost: {month: YYYY-MM, amount, note}", {}, std::string(kTag)},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"month", "amount", "note"}));
        if (!body.contains("month") || !body["month"].is_string())
          return core::Fail(Bad("month", "month is YYYY-MM"));
        auto month =
            core::ParseTimestamp(body["month"].get<std::string>() + "-01", core::DateFormat::kIso);
        if (!month)
          return core::Fail(
              Bad("month", "month is YYYY-MM, got '" + body["month"].get<std::string>() + "'"));
        if (!body.contains("amount") || !(body["amount"].is_number() || body["amount"].is_string()))
          return core::Fail(Bad("amount", "amount is required"));
        const std::string text = body["amount"].is_string()
                                     ? body["amount"].get<std::string>()
                                     : fmt::format("{:.2f}", body["amount"].get<double>());
        auto amount = core::ParseMoneyMinor(text);
        if (!amount)
          return core::Fail(Bad("amount", "amount must be a number, got '" + text + "'"));
        if (body.contains("note") && !body["note"].is_string())
          return core::Fail(Bad("note", "note is a text"));
        MOPS_ASSIGN_OR_RETURN(int64_t id,
                              AddPeriodCost(ctx.db, PathId(ctx), *month, *amount,
                                            body.value("note", std::string()), ActorOf(ctx)));
        return Json{{"id", id}};
      });
  router.Post("/api/v1/campaigns/{id}/assets", Role::kOps,
              {"Use an asset in the campaign: {asset_id}", {}, std::string(kTag)},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"asset_id"}));
                if (!body.contains("asset_id") || !body["asset_id"].is_number_integer())
                  return core::Fail(Bad("asset_id", "asset_id is an asset's id"));
                MOPS_ASSIGN_OR_RETURN(
                    UpdateResult r, LinkAsset(ctx.db, PathId(ctx), body["asset_id"].get<int64_t>(),
                                              true, ActorOf(ctx)));
                MOPS_ASSIGN_OR_RETURN(Json detail, Detail(ctx.db, PathId(ctx)));
                detail["sent_back_to_review"] = r.sent_back;
                return detail;
              });
  router.Delete("/api/v1/campaigns/{id}/assets/{asset_id}", Role::kOps,
                {"Stop using an asset in the campaign", {}, std::string(kTag)},
                [](RequestContext& ctx) -> core::Result<Json> {
                  MOPS_ASSIGN_OR_RETURN(
                      UpdateResult r,
                      LinkAsset(ctx.db, PathId(ctx), PathId(ctx, 1), false, ActorOf(ctx)));
                  MOPS_ASSIGN_OR_RETURN(Json detail, Detail(ctx.db, PathId(ctx)));
                  detail["sent_back_to_review"] = r.sent_back;
                  return detail;
                });
}

// An asset from a body: the fields given over `base` (a new asset's
// defaults, or the stored asset for an edit).
core::Result<Asset> AssetOf(const Json& body, Asset base) {
  for (const char* key : {"name", "type", "url", "owner", "status", "body"}) {
    if (body.contains(key) && !body[key].is_string())
      return core::Fail(Bad(key, std::string(key) + " is a text"));
  }
  Asset a = std::move(base);
  a.name = body.value("name", a.name);
  a.type = body.value("type", a.type);
  a.url = body.value("url", a.url);
  a.owner = body.value("owner", a.owner);
  a.status = body.value("status", a.status);
  a.body = body.value("body", a.body);
  return a;
}

Asset NewAsset() {
  Asset a;
  a.status = "draft";
  return a;
}

void LibraryRoutes(http::Router& router) {
  router.Get(
      "/api/v1/campaign-templates", Role::kViewer,
      {"Campaign templates with checklist, assets, member statuses, UTM pattern and approval chain",
       {},
       std::string(kTag)},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(auto list, ListTemplates(ctx.db));
        Json out = Json::array();
        for (const Template& t : list) out.push_back(internal::TemplateJson(t));
        return Json{{"templates", out}};
      });
  router.Post("/api/v1/campaign-templates", Role::kOps,
              {"Create a template", {}, std::string(kTag)},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(
                    Json body,
                    http::ObjectBody(ctx, {"name", "type", "channel", "utm_pattern", "description",
                                           "checklist", "assets", "statuses", "approval_chain"}));
                MOPS_ASSIGN_OR_RETURN(Template t, internal::ParseTemplate(body));
                MOPS_ASSIGN_OR_RETURN(int64_t id, CreateTemplate(ctx.db, t, ActorOf(ctx)));
                MOPS_ASSIGN_OR_RETURN(Template saved, GetTemplate(ctx.db, id));
                return internal::TemplateJson(saved);
              });
  router.Get("/api/v1/assets", Role::kViewer,
             {"The asset library and the campaigns that use each asset", {}, std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(auto list, ListAssets(ctx.db, std::nullopt));
               Json out = Json::array();
               for (const AssetRecord& a : list) out.push_back(internal::AssetJson(a));
               return Json{{"assets", out}};
             });
  router.Post("/api/v1/assets", Role::kOps,
              {"Add an asset: {name, type, url, owner, status, body}", {}, std::string(kTag)},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(
                    Json body,
                    http::ObjectBody(ctx, {"name", "type", "url", "owner", "status", "body"}));
                MOPS_ASSIGN_OR_RETURN(Asset a, AssetOf(body, NewAsset()));
                MOPS_ASSIGN_OR_RETURN(int64_t id, CreateAsset(ctx.db, a, ActorOf(ctx)));
                return Json{{"id", id}};
              });
  router.Put("/api/v1/assets/{id}", Role::kOps,
             {"Edit an asset: the fields given change, the others stay; new content (url, body) "
              "sends approved campaigns that use it back to review",
              {},
              std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"name", "type", "url",
                                                                       "owner", "status", "body"}));
               MOPS_ASSIGN_OR_RETURN(AssetRecord stored, GetAsset(ctx.db, PathId(ctx)));
               MOPS_ASSIGN_OR_RETURN(Asset a, AssetOf(body, stored.asset));
               MOPS_TRY(UpdateAsset(ctx.db, a, ActorOf(ctx)));
               MOPS_ASSIGN_OR_RETURN(AssetRecord saved, GetAsset(ctx.db, a.id));
               return internal::AssetJson(saved);
             });
}

void UtmRoutes(http::Router& router) {
  router.Get("/api/v1/utm/config", Role::kViewer,
             {"The naming config (YAML) and the rules in force", {}, std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(std::string text, NamingConfigText(ctx.db));
               MOPS_ASSIGN_OR_RETURN(NamingRules r, LoadNamingRules(ctx.db));
               return Json{{"yaml", text},
                           {"sources", r.sources},
                           {"mediums", r.mediums},
                           {"case", r.case_rule == CaseRule::kLower   ? "lower"
                                    : r.case_rule == CaseRule::kUpper ? "upper"
                                                                      : "any"},
                           {"space_replacement", r.space_replacement},
                           {"required", r.required},
                           {"campaign_pattern", r.pattern},
                           {"fields", r.fields}};
             });
  router.Put(
      "/api/v1/utm/config", Role::kOps,
      {"Store the naming config: {yaml}; refused with the key and line of an error",
       {},
       std::string(kTag)},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"yaml"}));
        if (!body.contains("yaml") || !body["yaml"].is_string())
          return core::Fail(Bad("yaml", "yaml is the config text"));
        MOPS_TRY(SaveNamingConfig(ctx.db, body["yaml"].get<std::string>(), "naming", ActorOf(ctx)));
        return Json{{"saved", true}};
      });
  router.Post(
      "/api/v1/utm/build", Role::kViewer,
      {"Build a tracked URL: {url, utm: {source, medium, campaign, content, term}, parts: {...}, "
       "date}",
       {},
       std::string(kTag)},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"url", "utm", "parts", "date"}));
        BuildRequest req;
        if (!body.contains("url") || !body["url"].is_string())
          return core::Fail(Bad("url", "url is required"));
        req.url = body["url"].get<std::string>();
        for (const char* key : {"utm", "parts"}) {
          if (!body.contains(key)) continue;
          if (!body[key].is_object())
            return core::Fail(Bad(key, std::string(key) + " maps names to texts"));
          for (const auto& [k, v] : body[key].items()) {
            if (!v.is_string()) return core::Fail(Bad(std::string(key) + "." + k, "a text"));
            (std::string_view(key) == "utm" ? req.utm : req.parts)[k] = v.get<std::string>();
          }
        }
        if (body.contains("date")) {
          if (!body["date"].is_string()) return core::Fail(Bad("date", "date is YYYY-MM-DD"));
          auto t = core::ParseTimestamp(body["date"].get<std::string>(), core::DateFormat::kIso);
          if (!t) return core::Fail(Bad("date", "date is YYYY-MM-DD"));
          req.date = *t;
        } else {
          req.date = core::NowUtc();
        }
        MOPS_ASSIGN_OR_RETURN(NamingRules rules, LoadNamingRules(ctx.db));
        MOPS_ASSIGN_OR_RETURN(BuiltUrl built, BuildUrl(rules, req));
        return Json{{"url", built.url}, {"utm", built.utm}};
      });
  router.Post("/api/v1/utm/check", Role::kViewer,
              {"Check URLs against the naming rules: {urls: [...]}", {}, std::string(kTag)},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"urls"}));
                if (!body.contains("urls") || !body["urls"].is_array())
                  return core::Fail(Bad("urls", "urls is a list of URLs"));
                if (body["urls"].size() > 10000)
                  return core::Fail(Bad("urls", "at most 10000 URLs per request"));
                MOPS_ASSIGN_OR_RETURN(NamingRules rules, LoadNamingRules(ctx.db));
                Json out = Json::array();
                for (const Json& u : body["urls"]) {
                  if (!u.is_string()) return core::Fail(Bad("urls", "every URL is a text"));
                  out.push_back(internal::UrlCheckJson(CheckUrl(rules, u.get<std::string>())));
                }
                return Json{{"results", out}};
              });
  router.Get("/api/v1/utm/stored", Role::kViewer,
             {"Every UTM on touchpoints and campaigns checked: violations with suggestions and "
              "touchpoints affected, utm_campaign values matching no campaign",
              {{"limit", "Violations listed (default 50, at most 1000)"}},
              std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 50, 1000));
               MOPS_ASSIGN_OR_RETURN(NamingRules rules, LoadNamingRules(ctx.db));
               MOPS_ASSIGN_OR_RETURN(StoredCheck c, CheckStoredUtms(ctx.db, rules));
               return internal::StoredCheckJson(c, limit);
             });
  router.Post("/api/v1/utm/fix", Role::kOps,
              {"Apply the suggested fixes to stored touchpoints (dry_run: preview), reclassifying "
               "channels; audited and undoable",
               {},
               std::string(kTag)},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"dry_run"}));
                if (body.contains("dry_run") && !body["dry_run"].is_boolean())
                  return core::Fail(Bad("dry_run", "dry_run is true or false"));
                MOPS_ASSIGN_OR_RETURN(
                    FixReport r, FixStoredUtms(ctx.db, body.value("dry_run", false), ActorOf(ctx)));
                return internal::FixJson(r);
              });
  router.Post("/api/v1/utm/fixes/{id}/undo", Role::kOps, {"Undo a UTM fix", {}, std::string(kTag)},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(int64_t n, UndoUtmFix(ctx.db, PathId(ctx), ActorOf(ctx)));
                return Json{{"fix_id", PathId(ctx)}, {"touchpoints", n}};
              });
}

}  // namespace

void RegisterRoutes(http::Router& router) {
  CampaignRoutes(router);
  LibraryRoutes(router);
  UtmRoutes(router);
}

}  // namespace mops::campaigns
