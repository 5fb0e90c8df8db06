// REST routes of the analytics: the same documents as `mops report ... --format json`.
#include "analytics/routes.h"

#include "analytics/report.h"
#include "analytics/spend_import.h"
#include "core/numbers.h"
#include "http/input.h"

namespace mops::analytics {
namespace {

using http::RequestContext;

core::Result<Params> ParamsOf(const RequestContext& ctx, bool drill) {
  Params out;
  for (const auto& [key, value] : ctx.QueryParams()) {
    if (drill && (key == "limit" || key == "offset")) continue;
    if (!out.emplace(key, value).second) {
      return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                        "parameter '" + key + "' is given twice")
                            .InField(key));
    }
  }
  return out;
}

std::vector<http::QueryParamDoc> Docs(std::string_view report, bool drill) {
  std::vector<http::QueryParamDoc> out;
  for (const auto& [name, help] : ReportParams(report)) {
    out.push_back({std::string(name), std::string(help)});
  }
  if (drill) {
    for (const auto& [name, help] : DrillParams(report)) {
      out.push_back({std::string(name), std::string(help)});
    }
    out.push_back({"limit", "Records per page (default 100, at most 1000)"});
    out.push_back({"offset", "First record of the page (default 0)"});
  }
  return out;
}

}  // namespace

void RegisterRoutes(http::Router& router) {
  for (std::string_view name : ReportNames()) {
    const std::string report(name);
    router.Get("/api/v1/analytics/" + report, http::Role::kAnalyst,
               {"Analytics report: " + report, Docs(name, false), "analytics"},
               [report](RequestContext& ctx) -> core::Result<http::Json> {
                 MOPS_ASSIGN_OR_RETURN(Params params, ParamsOf(ctx, false));
                 MOPS_ASSIGN_OR_RETURN(auto d, CachedDataset(ctx.db));
                 return ReportJson(ctx.db, *d, report, params, core::NowUtc());
               });
    router.Get("/api/v1/analytics/" + report + "/records", http::Role::kAnalyst,
               {"The records behind one cell of the " + report +
                    " report (count and sum are over all of them)",
                Docs(name, true), "analytics"},
               [report](RequestContext& ctx) -> core::Result<http::Json> {
                 MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 100, 1000));
                 int64_t offset = 0;
                 if (auto o = ctx.Query("offset")) {
                   auto n = core::ParseInt(*o);
                   if (!n || *n < 0) {
                     return core::Fail(
                         core::MakeError(core::ErrorCode::kInvalidArgument,
                                         "offset must be a whole number >= 0, got '" + *o + "'")
                             .InField("offset"));
                   }
                   offset = *n;
                 }
                 MOPS_ASSIGN_OR_RETURN(Params params, ParamsOf(ctx, true));
                 MOPS_ASSIGN_OR_RETURN(auto d, CachedDataset(ctx.db));
                 return DrillJson(ctx.db, *d, report, params, core::NowUtc(), offset, limit);
               });
  }
  router.Get("/api/v1/analytics/config", http::Role::kAnalyst,
             {"The analytics config (monthly targets) as YAML text", {}, "analytics"},
             [](RequestContext& ctx) -> core::Result<http::Json> {
               MOPS_ASSIGN_OR_RETURN(std::string text, LoadConfigText(ctx.db));
               return http::Json{{"yaml", text}};
             });
  router.Put("/api/v1/analytics/config", http::Role::kOps,
             {"Replace the analytics config: {\"yaml\": \"targets: ...\"}", {}, "analytics"},
             [](RequestContext& ctx) -> core::Result<http::Json> {
               MOPS_ASSIGN_OR_RETURN(http::Json body, http::ObjectBody(ctx, {"yaml"}));
               if (!body.contains("yaml") || !body["yaml"].is_string()) {
                 return core::Fail(
                     core::MakeError(core::ErrorCode::kInvalidArgument, "yaml must be a string")
                         .InField("yaml"));
               }
               const std::string yaml = body["yaml"].get<std::string>();
               MOPS_TRY(SaveConfig(ctx.db, yaml, ctx.principal.name));
               MOPS_ASSIGN_OR_RETURN(auto targets, ParseTargets(yaml));
               return http::Json{{"months", targets.size()}};
             });
  router.Post(
      "/api/v1/analytics/spend", http::Role::kOps,
      {"Import an ad platform's report export (the request body) into spend",
       {{"preset", "auto (default), google-ads, linkedin, meta, microsoft-ads"},
        {"name", "File name for messages (default upload.csv)"},
        {"strict", "true: the first rejected row aborts the import"}},
       "analytics"},
      [](RequestContext& ctx) -> core::Result<http::Json> {
        for (const auto& [key, _] : ctx.QueryParams()) {
          if (key != "preset" && key != "name" && key != "strict") {
            return core::Fail(
                core::MakeError(core::ErrorCode::kInvalidArgument,
                                "unknown parameter '" + key + "' (expected preset, name, strict)")
                    .InField(key));
          }
        }
        SpendImportOptions options;
        MOPS_ASSIGN_OR_RETURN(options.preset, ParseAdPreset(ctx.Query("preset").value_or("auto")));
        if (auto s = ctx.Query("strict")) {
          auto b = core::ParseBool(*s);
          if (!b) {
            return core::Fail(
                core::MakeError(core::ErrorCode::kInvalidArgument, "strict must be true or false")
                    .InField("strict"));
          }
          options.strict = *b;
        }
        options.actor = ctx.principal.name;
        MOPS_ASSIGN_OR_RETURN(
            SpendImportSummary s,
            ImportSpend(ctx.db, ctx.Query("name").value_or("upload.csv"), ctx.BodyText(), options));
        return s.ToJson();
      });
}

}  // namespace mops::analytics
