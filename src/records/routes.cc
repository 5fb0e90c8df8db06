#include "records/routes.h"

#include "core/time.h"
#include "http/input.h"
#include "records/records.h"

namespace mops::records {
namespace {

using http::Json;
using http::RequestContext;

core::Result<ListQuery> ParseListQuery(const RequestContext& ctx, const EntitySpec& entity) {
  ListQuery q;
  MOPS_ASSIGN_OR_RETURN(q.limit, http::LimitParam(ctx, q.limit, kMaxPageSize));
  for (const auto& [key, value] : ctx.QueryParams()) {
    if (key == "limit") {
      continue;
    } else if (key == "cursor") {
      MOPS_ASSIGN_OR_RETURN(q.after_id, http::DecodeCursor(value));
    } else if (key == "from" || key == "to") {
      auto t = core::ParseTimestamp(value);
      if (!t) return std::unexpected(std::move(t).error().InField(key));
      (key == "from" ? q.from : q.to) = *t;
    } else if (key == "include_merged") {
      q.include_merged = value == "true" || value == "1";
    } else {
      q.equals[key] = value;
    }
  }
  (void)entity;
  MOPS_TRY(http::CheckRange(q.from, q.to));
  return q;
}

}  // namespace

void RegisterRoutes(http::Router& router) {
  for (const EntitySpec& entity : Entities()) {
    std::vector<http::QueryParamDoc> params = {
        {"limit", "Page size, 1-1000 (default 100)"},
        {"cursor", "Opaque cursor from the previous page's next_cursor"}};
    if (!entity.time_column.empty()) {
      params.push_back(
          {"from", "Only rows with " + entity.time_column + " at or after (ISO-8601)"});
      params.push_back({"to", "Only rows with " + entity.time_column + " before (ISO-8601)"});
    }
    for (const auto& f : entity.filters) params.push_back({f, "Equals filter"});
    const std::string name = entity.name;
    router.Get("/api/v1/" + name, http::Role::kViewer,
               {"List " + name + " (cursor pagination)", params, name},
               [name](RequestContext& ctx) -> core::Result<Json> {
                 const EntitySpec* spec = FindEntity(name);
                 MOPS_ASSIGN_OR_RETURN(ListQuery q, ParseListQuery(ctx, *spec));
                 MOPS_ASSIGN_OR_RETURN(Page page, List(ctx.db, *spec, q));
                 Json out = {{"items", std::move(page.items)}};
                 out["next_cursor"] =
                     page.next_after_id ? Json(http::EncodeCursor(*page.next_after_id)) : Json();
                 return out;
               });
    router.Get("/api/v1/" + name + "/{id}", http::Role::kViewer, {"Get one of " + name, {}, name},
               [name](RequestContext& ctx) -> core::Result<Json> {
                 int64_t id = 0;
                 try {
                   id = std::stoll(ctx.path_params[0]);
                 } catch (const std::exception&) {
                   return core::Fail(core::ErrorCode::kNotFound, "no {} with id '{}'", name,
                                     ctx.path_params[0]);
                 }
                 return Get(ctx.db, *FindEntity(name), id);
               });
  }

  router.Get("/api/v1/me", http::Role::kViewer, {"The calling token's name and role", {}, "auth"},
             [](RequestContext& ctx) -> core::Result<Json> {
               return Json{{"name", ctx.principal.name},
                           {"role", std::string(http::RoleName(ctx.principal.role))}};
             });

  router.Get("/api/v1/overview", http::Role::kViewer,
             {"Workspace counts and pipeline totals", {}, "overview"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(Overview o, LoadOverview(ctx.db));
               Json counts = Json::object();
               for (const auto& [name, n] : o.counts) counts[name] = n;
               return Json{{"workspace", o.workspace},
                           {"counts", counts},
                           {"crm_touches", o.crm_touches},
                           {"pipeline",
                            {{"open_amount", o.open_pipeline},
                             {"won_amount", o.won_revenue},
                             {"currency", o.currency}}}};
             });

  router.Get("/api/v1/touchpoints/weekly", http::Role::kViewer,
             {"Touchpoints per week (Monday) by channel", {}, "overview"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(WeeklyChannels w, LoadWeeklyChannels(ctx.db));
               Json series = Json::array();
               for (size_t c = 0; c < w.channels.size(); ++c) {
                 series.push_back({{"channel", w.channels[c]}, {"counts", w.counts[c]}});
               }
               return Json{{"weeks", w.weeks}, {"series", series}};
             });
}

}  // namespace mops::records
