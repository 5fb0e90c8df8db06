// REST routes of the audit: run and store, list, one run with its diff
// against the run before, and the report as a file to download.
#include "report/routes.h"

#include "core/numbers.h"
#include "http/input.h"
#include "report/report.h"

namespace mops::report {
namespace {

using http::RequestContext;
using http::Role;

constexpr std::string_view kTag = "audit";

core::Error Bad(std::string field, std::string message) {
  return core::MakeError(core::ErrorCode::kInvalidArgument, std::move(message))
      .InField(std::move(field));
}

core::Result<int64_t> IdOf(const RequestContext& ctx) {
  auto id = core::ParseInt(ctx.path_params.at(0));
  if (!id || *id <= 0) return core::Fail(Bad("id", "id must be a positive whole number"));
  return *id;
}

Json RunBrief(const StoredRun& run) {
  return Json{{"id", run.id},
              {"created_at", core::FormatTimestamp(run.created_at)},
              {"as_of", core::FormatDate(run.as_of)},
              {"actor", run.actor},
              {"summary", run.audit.value("summary", Json::object())}};
}

}  // namespace

void RegisterRoutes(http::Router& router) {
  router.Post(
      "/api/v1/audit/runs", Role::kOps,
      {"Run the marketing operations audit and store it ({as_of: YYYY-MM-DD} optional)",
       {},
       std::string(kTag)},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"as_of"}));
        RunOptions options;
        options.actor = ctx.principal.name;
        if (body.contains("as_of")) {
          if (!body["as_of"].is_string()) {
            return core::Fail(Bad("as_of", "as_of is a date, YYYY-MM-DD"));
          }
          const std::string text = body["as_of"].get<std::string>();
          auto t = core::ParseTimestamp(text);
          if (!t)
            return core::Fail(Bad("as_of", "as_of is a date, YYYY-MM-DD, got '" + text + "'"));
          options.as_of = text.size() <= 10 ? *t + 86399 : *t;
        }
        MOPS_ASSIGN_OR_RETURN(StoredRun run, RunAndStore(ctx.db, options));
        return RunBrief(run);
      });
  router.Get("/api/v1/audit/runs", Role::kAnalyst,
             {"Stored audit runs, newest first, with their summaries",
              {{"limit", "How many (1-100, default 20)"}},
              std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 20, 100));
               MOPS_ASSIGN_OR_RETURN(std::vector<StoredRun> runs, ListRuns(ctx.db, limit));
               Json items = Json::array();
               for (const StoredRun& run : runs) items.push_back(RunBrief(run));
               return Json{{"items", items}};
             });
  router.Get("/api/v1/audit/runs/{id}", Role::kAnalyst,
             {"One stored audit: the whole document and its diff against the run before",
              {},
              std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int64_t id, IdOf(ctx));
               MOPS_ASSIGN_OR_RETURN(StoredRun run, LoadRun(ctx.db, id));
               MOPS_ASSIGN_OR_RETURN(std::optional<StoredRun> previous, PreviousRun(ctx.db, id));
               Json out = RunBrief(run);
               out["audit"] = run.audit;
               out["previous_id"] = previous ? Json(previous->id) : Json(nullptr);
               out["diff"] = previous ? Diff(previous->audit, run.audit) : Json(nullptr);
               return out;
             });
  router.Get("/api/v1/audit/runs/{id}/report", Role::kAnalyst,
             {"A stored audit as a file to download",
              {{"format", "html (default), md, json or pdf (printed by headless Chromium)"}},
              std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int64_t id, IdOf(ctx));
               const std::string format = ctx.Query("format").value_or("html");
               if (format != "html" && format != "md" && format != "json" && format != "pdf") {
                 return core::Fail(
                     Bad("format", "format must be html, md, json or pdf, got '" + format + "'"));
               }
               MOPS_ASSIGN_OR_RETURN(StoredRun run, LoadRun(ctx.db, id));
               MOPS_ASSIGN_OR_RETURN(std::optional<StoredRun> previous, PreviousRun(ctx.db, id));
               Json doc = run.audit;
               if (previous) doc["diff"] = Diff(previous->audit, run.audit);
               RequestContext::Download file;
               const std::string stem =
                   "mops-audit-" + std::to_string(id) + "-" + core::FormatDate(run.as_of);
               if (format == "html") {
                 file = {"text/html; charset=utf-8", stem + ".html", Html(doc)};
               } else if (format == "md") {
                 file = {"text/markdown; charset=utf-8", stem + ".md", Markdown(doc)};
               } else if (format == "pdf") {
                 MOPS_ASSIGN_OR_RETURN(std::string pdf, PdfBytes(Html(doc)));
                 file = {"application/pdf", stem + ".pdf", std::move(pdf)};
               } else {
                 file = {"application/json", stem + ".json",
                         doc.dump(2, ' ', false, Json::error_handler_t::replace)};
               }
               ctx.download = std::move(file);
               return Json::object();
             });
  router.Get("/api/v1/audit/rules", Role::kAnalyst,
             {"The audit's rules with the thresholds in force (shipped rules and the audit config)",
              {},
              std::string(kTag)},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(AuditConfig config, LoadConfig(ctx.db));
               Json rules = Json::array();
               for (const Rule& r : ApplyConfig(DefaultRules(), config)) {
                 rules.push_back({{"id", r.id},
                                  {"area", r.area},
                                  {"title", r.title},
                                  {"metric", r.metric},
                                  {"comparison", std::string(ComparisonText(r.comparison))},
                                  {"threshold", r.threshold},
                                  {"severity", r.severity},
                                  {"effort", r.effort},
                                  {"format", r.format}});
               }
               return Json{{"rules", rules}, {"examples", config.examples}};
             });
}

}  // namespace mops::report
