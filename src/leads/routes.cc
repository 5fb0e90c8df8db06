// REST routes of lead management. Analysts read (scores, explain, backtest,
// SLA, queue, configs); ops change (configs, rescoring, routing, statuses).
#include "leads/routes.h"

#include "core/numbers.h"
#include "core/strings.h"
#include "http/input.h"
#include "leads/internal.h"
#include "leads/report.h"

namespace mops::leads {
namespace {

using http::RequestContext;
using http::Role;

std::string Actor(const RequestContext& ctx) { return "token:" + ctx.principal.name; }

core::Result<Timestamp> AsOfParam(const RequestContext& ctx) {
  return internal::ParseAsOf(ctx.Query("as_of").value_or(""), core::NowUtc());
}

core::Result<Timestamp> AsOfField(const Json& body) {
  if (!body.contains("as_of")) return core::NowUtc();
  if (!body["as_of"].is_string()) {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                      "as_of must be a date (YYYY-MM-DD) or a time stamp")
                          .InField("as_of"));
  }
  return internal::ParseAsOf(body["as_of"].get<std::string>(), core::NowUtc());
}

core::Result<std::string> KindParam(const RequestContext& ctx) {
  const std::string kind = ctx.path_params.at(0);
  if (kind != kScoringConfig && kind != kRoutingConfig && kind != kSlaConfig) {
    return core::Fail(core::MakeError(core::ErrorCode::kNotFound,
                                      fmt::format("no config '{}' (expected scoring, routing or "
                                                  "sla)",
                                                  kind))
                          .InField("kind"));
  }
  return kind;
}

}  // namespace

void RegisterRoutes(http::Router& router) {
  router.Get(
      "/api/v1/leads/summary", Role::kAnalyst,
      {"Scored contacts: grade matrix (A-D x 1-4), distribution, MQLs per week", {}, "leads"},
      [](RequestContext& ctx) -> core::Result<Json> { return Summary(ctx.db); });
  router.Get(
      "/api/v1/leads/scores", Role::kAnalyst,
      {"Scored contacts, highest first (the records behind the grade matrix)",
       {{"grade", "Only this grade (A1..D4)"},
        {"limit", "1..500 (default 50)"},
        {"offset", "Rows to skip"}},
       "leads"},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 50, 500));
        int64_t offset = 0;
        if (auto o = ctx.Query("offset")) {
          auto n = core::ParseInt(*o);
          if (!n || *n < 0) {
            return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                              "offset must be a whole number >= 0")
                                  .InField("offset"));
          }
          offset = *n;
        }
        auto grade = ctx.Query("grade");
        if (grade && (grade->size() != 2 || std::toupper((*grade)[0]) < 'A' ||
                      std::toupper((*grade)[0]) > 'D' || (*grade)[1] < '1' || (*grade)[1] > '4')) {
          return core::Fail(
              core::MakeError(core::ErrorCode::kInvalidArgument, "grade must be A1..D4")
                  .InField("grade"));
        }
        return ScoreList(ctx.db, grade, limit, offset);
      });
  router.Get("/api/v1/leads/contacts/{id}", Role::kAnalyst,
             {"One lead: score explanation (lines add up to the score, with decay and expiry "
              "dates), lifecycle timeline, score history, assignments",
              {{"as_of", "Explain as of this date (default: when its stored score was computed)"}},
              "leads"},
             [](RequestContext& ctx) -> core::Result<Json> {
               const int64_t id = *core::ParseInt(ctx.path_params.at(0));
               MOPS_ASSIGN_OR_RETURN(Timestamp stored, StoredScoreAsOf(ctx.db, id, core::NowUtc()));
               MOPS_ASSIGN_OR_RETURN(Timestamp as_of,
                                     internal::ParseAsOf(ctx.Query("as_of").value_or(""), stored));
               return LeadDetail(ctx.db, id, as_of);
             });
  router.Post(
      "/api/v1/leads/contacts/{id}/status", Role::kOps,
      {"Set a sales status: working, accepted, qualified (-> sql), rejected (-> "
       "recycled), unqualified (-> disqualified, needs a reason). Body: {status, by_user, "
       "reason}",
       {},
       "leads"},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"status", "by_user", "reason"}));
        if (!body.contains("status") || !body["status"].is_string()) {
          return core::Fail(
              core::MakeError(core::ErrorCode::kInvalidArgument, "status is required (a text)")
                  .InField("status"));
        }
        std::optional<int64_t> by;
        if (body.contains("by_user")) {
          if (!body["by_user"].is_number_integer()) {
            return core::Fail(
                core::MakeError(core::ErrorCode::kInvalidArgument, "by_user must be a user id")
                    .InField("by_user"));
          }
          by = body["by_user"].get<int64_t>();
        }
        std::string reason;
        if (body.contains("reason")) {
          if (!body["reason"].is_string()) {
            return core::Fail(
                core::MakeError(core::ErrorCode::kInvalidArgument, "reason must be a text")
                    .InField("reason"));
          }
          reason = body["reason"].get<std::string>();
        }
        const int64_t id = *core::ParseInt(ctx.path_params.at(0));
        MOPS_TRY(SetLeadStatus(ctx.db, id, body["status"].get<std::string>(), by, reason,
                               Actor(ctx), core::NowUtc()));
        return LeadDetail(ctx.db, id, core::NowUtc());
      });
  router.Post("/api/v1/leads/score", Role::kOps,
              {"Rescore every contact in one transaction (body: {\"as_of\": date}); history rows "
               "only where a score changed; lifecycle moves applied",
               {},
               "leads"},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"as_of"}));
                MOPS_ASSIGN_OR_RETURN(Timestamp as_of, AsOfField(body));
                MOPS_ASSIGN_OR_RETURN(ScoreRunReport r, ScoreWorkspace(ctx.db, as_of, Actor(ctx)));
                return ToJson(r);
              });
  router.Post("/api/v1/leads/backtest", Role::kAnalyst,
              {"Backtest the stored scoring config (and a draft, body config: YAML) as of a past "
               "date: per decile and grade count, conversion, lift; AUC; MQLs at the threshold. "
               "Body: {as_of, horizon_days, config}. Changes nothing.",
               {},
               "leads"},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(Json body,
                                      http::ObjectBody(ctx, {"as_of", "horizon_days", "config"}));
                MOPS_ASSIGN_OR_RETURN(Timestamp as_of, AsOfField(body));
                int64_t horizon = 90;
                if (body.contains("horizon_days")) {
                  if (!body["horizon_days"].is_number_integer() ||
                      body["horizon_days"].get<int64_t>() < 1 ||
                      body["horizon_days"].get<int64_t>() > 3650) {
                    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                                      "horizon_days must be a whole number from "
                                                      "1 to 3650")
                                          .InField("horizon_days"));
                  }
                  horizon = body["horizon_days"].get<int64_t>();
                }
                std::optional<std::string> draft;
                if (body.contains("config")) {
                  if (!body["config"].is_string()) {
                    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                                      "config must be the YAML text of a scoring "
                                                      "config")
                                          .InField("config"));
                  }
                  draft = body["config"].get<std::string>();
                }
                MOPS_ASSIGN_OR_RETURN(BacktestReport r, RunBacktest(ctx.db, as_of, horizon, draft));
                return ToJson(r);
              });
  router.Post("/api/v1/leads/route", Role::kOps,
              {"Route the MQLs without an owner (body: {\"dry_run\": bool}); every assignment "
               "audited with its rule",
               {},
               "leads"},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"dry_run"}));
                bool dry_run = false;
                if (body.contains("dry_run")) {
                  if (!body["dry_run"].is_boolean()) {
                    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                                      "dry_run must be true or false")
                                          .InField("dry_run"));
                  }
                  dry_run = body["dry_run"].get<bool>();
                }
                MOPS_ASSIGN_OR_RETURN(RouteReport r,
                                      RouteLeads(ctx.db, dry_run, Actor(ctx), core::NowUtc()));
                return ToJson(r);
              });
  router.Get(
      "/api/v1/leads/queue", Role::kAnalyst,
      {"The routing queue: MQLs without an owner", {{"limit", "1..500 (default 100)"}}, "leads"},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 100, 500));
        return RoutingQueue(ctx.db, limit);
      });
  router.Get("/api/v1/leads/sla", Role::kAnalyst,
             {"SLA per rep and team (breaches, at risk, median minutes to first touch, share "
              "within SLA), escalations, and the MQL->SAL->SQL->opportunity->won funnel by month",
              {{"as_of", "Evaluate as of this time (default now)"}},
              "leads"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(Timestamp as_of, AsOfParam(ctx));
               MOPS_ASSIGN_OR_RETURN(SlaReport r, SlaReportOf(ctx.db, as_of));
               return ToJson(r);
             });
  router.Get("/api/v1/leads/config/{kind}", Role::kAnalyst,
             {"A lead-management config (scoring, routing or sla) as YAML", {}, "leads"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(std::string kind, KindParam(ctx));
               MOPS_ASSIGN_OR_RETURN(std::string yaml, ConfigYaml(ctx.db, kind));
               return Json{{"kind", kind}, {"yaml", yaml}};
             });
  router.Put("/api/v1/leads/config/{kind}", Role::kOps,
             {"Validate and store a config (body: {\"yaml\": \"...\"}); a bad one changes nothing "
              "and the error names the rule and line",
              {},
              "leads"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(std::string kind, KindParam(ctx));
               MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"yaml"}));
               if (!body.contains("yaml") || !body["yaml"].is_string()) {
                 return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                                   "body must be {\"yaml\": \"...\"}")
                                       .InField("yaml"));
               }
               MOPS_TRY(SaveConfig(ctx.db, kind, body["yaml"].get<std::string>(), Actor(ctx)));
               return Json{{"kind", kind}, {"stored", true}};
             });
}

}  // namespace mops::leads
