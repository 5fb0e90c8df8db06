// REST routes under /api/v1/quality.

#include "core/numbers.h"
#include "core/time.h"
#include "http/http.h"
#include "http/input.h"
#include "quality/quality.h"

namespace mops::quality {
namespace {

using core::ErrorCode;
using http::RequestContext;
using http::Role;

core::Result<int64_t> AsOfParam(const RequestContext& ctx) {
  auto text = ctx.Query("as_of");
  if (!text || text->empty()) return int64_t{0};
  auto t = core::ParseTimestamp(*text);
  if (!t) return std::unexpected(std::move(t).error().InField("as_of"));
  return *t;
}

// An optional JSON body (an empty body is an empty object).
core::Result<Json> OptionalBody(const RequestContext& ctx) {
  if (ctx.BodyText().empty()) return Json::object();
  MOPS_ASSIGN_OR_RETURN(Json body, ctx.Body());
  if (!body.is_object()) {
    return core::Fail(ErrorCode::kInvalidArgument, "the request body must be a JSON object");
  }
  return body;
}

core::Result<bool> BoolField(const Json& body, const char* name) {
  if (!body.contains(name)) return false;
  if (!body[name].is_boolean()) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, std::string(name) + " must be true or false")
            .InField(name));
  }
  return body[name].get<bool>();
}

std::string Actor(const RequestContext& ctx) { return "token:" + ctx.principal.name; }

}  // namespace

void RegisterRoutes(http::Router& router, ClusterSource clusters) {
  router.Post("/api/v1/quality/standardize", Role::kOps,
              {"Standardize contacts and accounts (body: {\"dry_run\": bool})", {}, "quality"},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(Json body, OptionalBody(ctx));
                MOPS_TRY(http::CheckFields(body, {"dry_run"}));
                StandardizeOptions options;
                MOPS_ASSIGN_OR_RETURN(options.dry_run, BoolField(body, "dry_run"));
                options.actor = Actor(ctx);
                MOPS_ASSIGN_OR_RETURN(StandardizeReport r, Standardize(ctx.db, options));
                return ToJson(r);
              });

  router.Get("/api/v1/quality/rules", Role::kViewer,
             {"The quality config (YAML) and whether it is the default", {}, "quality"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(auto yaml, QualityConfigYaml(ctx.db));
               MOPS_ASSIGN_OR_RETURN(QualityConfig config, LoadQualityConfig(ctx.db));
               Json rules = Json::array();
               for (const Rule& r : config.rules) {
                 rules.push_back({{"name", r.name},
                                  {"entity", r.entity},
                                  {"type", r.type},
                                  {"fields", r.fields},
                                  {"weight", r.weight}});
               }
               return Json{{"yaml", yaml.first}, {"default", yaml.second}, {"rules", rules}};
             });
  router.Put("/api/v1/quality/rules", Role::kAdmin,
             {"Validate and store the quality config (body: {\"yaml\": \"...\"})", {}, "quality"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(Json body, ctx.Body());
               if (!body.is_object() || !body.contains("yaml") || !body["yaml"].is_string()) {
                 return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                                   "body must be {\"yaml\": \"...\"}")
                                       .InField("yaml"));
               }
               MOPS_TRY(http::CheckFields(body, {"yaml"}));
               MOPS_TRY(SetQualityConfig(ctx.db, body["yaml"].get<std::string>(), "request body",
                                         Actor(ctx)));
               MOPS_ASSIGN_OR_RETURN(QualityConfig config, LoadQualityConfig(ctx.db));
               return Json{{"stored", true}, {"rules", config.rules.size()}};
             });

  router.Post(
      "/api/v1/quality/check", Role::kAnalyst,
      {"Check the rules and store the scores (body: {\"as_of\": ISO date, \"store\": bool})",
       {},
       "quality"},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, OptionalBody(ctx));
        MOPS_TRY(http::CheckFields(body, {"as_of", "store"}));
        CheckOptions options;
        options.actor = Actor(ctx);
        if (body.contains("as_of")) {
          if (!body["as_of"].is_string()) {
            return core::Fail(
                core::MakeError(ErrorCode::kInvalidArgument, "as_of must be an ISO-8601 date")
                    .InField("as_of"));
          }
          auto t = core::ParseTimestamp(body["as_of"].get<std::string>());
          if (!t) return std::unexpected(std::move(t).error().InField("as_of"));
          options.as_of = *t;
        }
        if (body.contains("store")) {
          MOPS_ASSIGN_OR_RETURN(options.store, BoolField(body, "store"));
        }
        MOPS_ASSIGN_OR_RETURN(CheckReport r, Check(ctx.db, options));
        return ToJson(r);
      });
  router.Get(
      "/api/v1/quality/check", Role::kViewer,
      {"The last stored check: scores, rules with examples, completeness per field", {}, "quality"},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(CheckReport r, LatestCheck(ctx.db));
        return ToJson(r);
      });
  router.Get(
      "/api/v1/quality/scores", Role::kViewer,
      {"Score history per entity and source, oldest run first",
       {{"limit", "Runs to return, 1-1000 (default 100)"}},
       "quality"},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 100, 1000));
        MOPS_ASSIGN_OR_RETURN(auto points, ScoreHistory(ctx.db, limit));
        Json items = Json::array();
        for (const ScorePoint& p : points) {
          items.push_back({{"run_id", p.run_id},
                           {"run_at", core::FormatTimestamp(p.run_at)},
                           {"as_of", core::FormatTimestamp(p.as_of)},
                           {"entity", p.score.entity},
                           {"source_system",
                            p.score.source_system.empty() ? Json() : Json(p.score.source_system)},
                           {"records", p.score.records},
                           {"score", std::round(p.score.score * 10) / 10}});
        }
        return Json{{"items", items}};
      });
  router.Get("/api/v1/quality/violations", Role::kAnalyst,
             {"Violations of the rules now (or as of a date)",
              {{"rule", "Only this rule"},
               {"as_of", "Date the stale rules count from (ISO-8601; default now)"},
               {"limit", "At most this many, 1-1000 (default 100)"}},
              "quality"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int64_t as_of, AsOfParam(ctx));
               MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 100, 1000));
               MOPS_ASSIGN_OR_RETURN(auto rows,
                                     ListViolations(ctx.db, as_of, ctx.Query("rule").value_or("")));
               Json items = Json::array();
               for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(limit); ++i) {
                 const ViolationRow& v = rows[i];
                 items.push_back({{"rule", v.rule},
                                  {"entity", v.entity},
                                  {"record_id", v.record_id},
                                  {"source_system", v.source_system},
                                  {"external_id", v.external_id},
                                  {"field", v.field},
                                  {"value", v.value},
                                  {"message", v.message}});
               }
               return Json{{"items", items}, {"total", rows.size()}};
             });

  router.Post(
      "/api/v1/quality/merge", Role::kOps,
      {"Merge records into one (body: {\"entity\": \"contacts\", \"ids\": [..]}); "
       "without ids, every cluster of the duplicate matcher",
       {},
       "quality"},
      [clusters](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, ctx.Body());
        if (!body.is_object() || !body.contains("entity") || !body["entity"].is_string()) {
          return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                            "entity (contacts or accounts) is required")
                                .InField("entity"));
        }
        MOPS_TRY(http::CheckFields(body, {"entity", "ids"}));
        const std::string entity = body["entity"].get<std::string>();
        MOPS_ASSIGN_OR_RETURN(QualityConfig config, LoadQualityConfig(ctx.db));
        if (body.contains("ids")) {
          std::vector<int64_t> ids;
          if (!body["ids"].is_array()) {
            return core::Fail(
                core::MakeError(ErrorCode::kInvalidArgument, "ids must be an array of record ids")
                    .InField("ids"));
          }
          for (const Json& id : body["ids"]) {
            if (!id.is_number_integer()) {
              return core::Fail(
                  core::MakeError(ErrorCode::kInvalidArgument, "ids must be an array of record ids")
                      .InField("ids"));
            }
            ids.push_back(id.get<int64_t>());
          }
          MOPS_ASSIGN_OR_RETURN(MergeReport r,
                                MergeRecords(ctx.db, entity, ids, config.survivorship, Actor(ctx)));
          return ToJson(r);
        }
        if (!clusters) {
          return core::Fail(ErrorCode::kUnavailable,
                            "no duplicate matcher is installed: name the records in ids");
        }
        MOPS_ASSIGN_OR_RETURN(auto todo, clusters(ctx.db, entity));
        MOPS_ASSIGN_OR_RETURN(ClusterMergeReport done,
                              MergeClusters(ctx.db, entity, todo, config.survivorship, Actor(ctx)));
        Json merges = Json::array();
        for (const MergeReport& r : done.merges) merges.push_back(ToJson(r));
        return Json{{"merges", merges}, {"skipped", done.skipped}};
      });
  router.Get(
      "/api/v1/quality/merges", Role::kViewer,
      {"Merges, newest first", {{"limit", "At most this many, 1-1000 (default 100)"}}, "quality"},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 100, 1000));
        MOPS_ASSIGN_OR_RETURN(auto list, ListMerges(ctx.db, limit));
        Json items = Json::array();
        for (const MergeEntry& e : list) {
          items.push_back(
              {{"merge_id", e.merge_id},
               {"entity", e.entity},
               {"survivor_id", e.survivor_id},
               {"merged_ids", e.merged_ids},
               {"merged_at", core::FormatTimestamp(e.merged_at)},
               {"actor", e.actor},
               {"undone_at", e.undone_at ? Json(core::FormatTimestamp(*e.undone_at)) : Json()}});
        }
        return Json{{"items", items}};
      });
  router.Post("/api/v1/quality/merges/{id}/undo", Role::kOps,
              {"Undo a merge: records and children restored exactly", {}, "quality"},
              [](RequestContext& ctx) -> core::Result<Json> {
                auto id = core::ParseInt(ctx.path_params[0]);
                if (!id) {
                  return core::Fail(ErrorCode::kNotFound, "no merge '{}'", ctx.path_params[0]);
                }
                MOPS_ASSIGN_OR_RETURN(Json body, OptionalBody(ctx));
                MOPS_TRY(http::CheckFields(body, {}));
                MOPS_TRY(UndoMerge(ctx.db, *id, Actor(ctx)));
                return Json{{"merge_id", *id}, {"undone", true}};
              });

  router.Post("/api/v1/quality/match-accounts", Role::kOps,
              {"Attach contacts without an account (body: {\"dry_run\": bool, "
               "\"min_similarity\": 0-1})",
               {},
               "quality"},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(Json body, OptionalBody(ctx));
                MOPS_TRY(http::CheckFields(body, {"dry_run", "min_similarity"}));
                MOPS_ASSIGN_OR_RETURN(bool dry_run, BoolField(body, "dry_run"));
                double min_similarity = 0.8;
                if (body.contains("min_similarity")) {
                  if (!body["min_similarity"].is_number() ||
                      body["min_similarity"].get<double>() < 0 ||
                      body["min_similarity"].get<double>() > 1) {
                    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                                      "min_similarity must be a number from 0 to 1")
                                          .InField("min_similarity"));
                  }
                  min_similarity = body["min_similarity"].get<double>();
                }
                MOPS_ASSIGN_OR_RETURN(MatchAccountsReport r,
                                      MatchAccounts(ctx.db, dry_run, Actor(ctx), min_similarity));
                return ToJson(r);
              });
}

}  // namespace mops::quality
