// REST routes under /api/v1/quality/enrich. Analysts read, ops run, load
// and undo, admin sets the config (as the quality rules).
#include "core/numbers.h"
#include "core/time.h"
#include "http/http.h"
#include "http/input.h"
#include "quality/enrich/enrich.h"

namespace mops::quality::enrich {
namespace {

using core::ErrorCode;
using http::RequestContext;
using http::Role;

std::string Actor(const RequestContext& ctx) { return "token:" + ctx.principal.name; }

core::Result<int64_t> PathId(const RequestContext& ctx, std::string_view what) {
  auto id = core::ParseInt(ctx.path_params[0]);
  if (!id || *id <= 0) {
    return core::Fail(ErrorCode::kNotFound, "no {} '{}'", what, ctx.path_params[0]);
  }
  return *id;
}

core::Result<std::string> StringField(const Json& body, const char* name, bool required) {
  if (!body.contains(name)) {
    if (!required) return std::string();
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, std::string(name) + " is required")
            .InField(name));
  }
  if (!body[name].is_string()) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, std::string(name) + " must be a string")
            .InField(name));
  }
  return body[name].get<std::string>();
}

Json RunJson(const RunEntry& e) {
  return {{"run_id", e.id},
          {"at", core::FormatTimestamp(e.at)},
          {"actor", e.actor},
          {"source", e.source},
          {"records_changed", e.records_changed},
          {"fields_changed", e.fields_changed},
          {"conflicts", e.conflicts},
          {"undone_at", e.undone_at ? Json(core::FormatTimestamp(*e.undone_at)) : Json()}};
}

}  // namespace

void RegisterRoutes(http::Router& router) {
  router.Post(
      "/api/v1/quality/enrich", Role::kOps,
      {"Run the enrichment waterfall (body: {\"dry_run\": bool, \"source\": name})", {}, "quality"},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"dry_run", "source"}));
        RunOptions options;
        options.actor = Actor(ctx);
        if (body.contains("dry_run")) {
          if (!body["dry_run"].is_boolean()) {
            return core::Fail(
                core::MakeError(ErrorCode::kInvalidArgument, "dry_run must be true or false")
                    .InField("dry_run"));
          }
          options.dry_run = body["dry_run"].get<bool>();
        }
        MOPS_ASSIGN_OR_RETURN(options.source, StringField(body, "source", false));
        MOPS_ASSIGN_OR_RETURN(RunReport r, Run(ctx.db, options));
        return ToJson(r);
      });

  router.Post("/api/v1/quality/enrich/files", Role::kOps,
              {"Load a vendor export into staging (body: {\"name\": file name, \"text\": CSV, "
               "\"layout\": optional, \"decimal\": optional, \"thousands\": optional})",
               {},
               "quality"},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"name", "text", "layout",
                                                                        "decimal", "thousands"}));
                MOPS_ASSIGN_OR_RETURN(std::string name, StringField(body, "name", true));
                MOPS_ASSIGN_OR_RETURN(std::string text, StringField(body, "text", true));
                VendorReadOptions options;
                MOPS_ASSIGN_OR_RETURN(options.layout, StringField(body, "layout", false));
                MOPS_ASSIGN_OR_RETURN(std::string decimal, StringField(body, "decimal", false));
                MOPS_ASSIGN_OR_RETURN(std::string thousands, StringField(body, "thousands", false));
                MOPS_ASSIGN_OR_RETURN(options.numbers, core::ParseNumberFormat(decimal, thousands));
                MOPS_ASSIGN_OR_RETURN(LoadReport r,
                                      LoadVendorFile(ctx.db, text, name, options, Actor(ctx)));
                return ToJson(r);
              });

  router.Get("/api/v1/quality/enrich/runs", Role::kAnalyst,
             {"Enrichment runs, newest first, with the latest run's fill rates",
              {{"limit", "At most this many, 1-1000 (default 20)"}},
              "quality"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 20, 1000));
               MOPS_ASSIGN_OR_RETURN(auto list, ListRuns(ctx.db, limit));
               Json items = Json::array();
               for (const RunEntry& e : list) items.push_back(RunJson(e));
               Json latest;
               for (const RunEntry& e : list) {
                 if (e.undone_at) continue;
                 MOPS_ASSIGN_OR_RETURN(latest, RunDetail(ctx.db, e.id));
                 break;
               }
               return Json{{"items", items}, {"latest", latest}};
             });

  router.Get("/api/v1/quality/enrich/runs/{id}", Role::kAnalyst,
             {"One run: fill rates before and after per field, values per source", {}, "quality"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int64_t id, PathId(ctx, "enrichment run"));
               return RunDetail(ctx.db, id);
             });

  router.Post("/api/v1/quality/enrich/runs/{id}/undo", Role::kOps,
              {"Undo a run: every field it changed restored exactly", {}, "quality"},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(int64_t id, PathId(ctx, "enrichment run"));
                MOPS_TRY(http::ObjectBody(ctx, {}));
                MOPS_TRY(Undo(ctx.db, id, Actor(ctx)));
                return Json{{"run_id", id}, {"undone", true}};
              });

  router.Get(
      "/api/v1/quality/enrich/conflicts", Role::kAnalyst,
      {"Conflicts of a run (default: the latest not undone)",
       {{"run", "The run id"}, {"limit", "At most this many, 1-1000 (default 100)"}},
       "quality"},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 100, 1000));
        int64_t run = 0;
        if (auto text = ctx.Query("run"); text && !text->empty()) {
          auto id = core::ParseInt(*text);
          if (!id || *id <= 0) {
            return core::Fail(core::MakeError(ErrorCode::kInvalidArgument, "run must be a run id")
                                  .InField("run"));
          }
          run = *id;
        }
        MOPS_ASSIGN_OR_RETURN(auto list, ListConflicts(ctx.db, run, limit));
        Json items = Json::array();
        for (const Conflict& c : list) items.push_back(ToJson(c));
        return Json{{"items", items}};
      });

  router.Get("/api/v1/quality/enrich/stale", Role::kAnalyst,
             {"Enriched values older than stale_after_days, to refresh",
              {{"limit", "At most this many, 1-1000 (default 100)"}},
              "quality"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 100, 1000));
               MOPS_ASSIGN_OR_RETURN(auto list, ListStale(ctx.db, 0, limit));
               Json items = Json::array();
               for (const StaleValue& s : list) {
                 items.push_back({{"entity", s.entity},
                                  {"record_id", s.record_id},
                                  {"field", s.field},
                                  {"source", s.provenance.source},
                                  {"vendor_record_id", s.provenance.vendor_record_id},
                                  {"enriched_at", core::FormatTimestamp(s.provenance.at)}});
               }
               return Json{{"items", items}};
             });

  router.Get("/api/v1/quality/enrich/config", Role::kViewer,
             {"The enrichment config (YAML) and whether it is the default", {}, "quality"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(auto yaml, ConfigYaml(ctx.db));
               return Json{{"yaml", yaml.first}, {"default", yaml.second}};
             });
  router.Put(
      "/api/v1/quality/enrich/config", Role::kAdmin,
      {"Validate and store the enrichment config (body: {\"yaml\": \"...\"})", {}, "quality"},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"yaml"}));
        MOPS_ASSIGN_OR_RETURN(std::string yaml, StringField(body, "yaml", true));
        MOPS_TRY(SetConfig(ctx.db, yaml, "request body", Actor(ctx)));
        return Json{{"stored", true}};
      });
}

}  // namespace mops::quality::enrich
