#include "attribution/routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "attribution/attribution.h"
#include "http/input.h"

namespace mops::attribution {
namespace {

using http::Json;
using http::RequestContext;

core::Error FieldError(std::string field, std::string message) {
  return core::MakeError(core::ErrorCode::kInvalidArgument, std::move(message)).InField(field);
}

// A run request from a JSON body, over the workspace's config defaults.
core::Result<RunRequest> RequestFromJson(store::Database& db, const Json& body) {
  MOPS_TRY(http::CheckFields(
      body, {"models", "conversion", "journey", "lookback_days", "from", "to", "half_life_days",
             "position_based", "markov_order", "exclude_types"}));
  MOPS_ASSIGN_OR_RETURN(RunRequest r, DefaultRequest(db));
  // The field being read, for a type error: nlohmann's exception text names
  // neither the field nor anything a caller can act on.
  std::string_view field;
  auto at = [&](std::string_view key) -> const Json& {
    field = key;
    return body.at(std::string(key));
  };
  try {
    if (body.contains("models")) {
      const Json& m = at("models");
      if (m.is_string() && m.get<std::string>() == "all") {
        r.models.clear();
      } else if (m.is_array()) {
        for (const Json& name : m) {
          auto model = ParseModel(name.get<std::string>());
          if (!model) return core::Fail(FieldError("models", model.error().message));
          r.models.push_back(*model);
        }
      } else {
        return core::Fail(FieldError("models", "models must be \"all\" or a list of names"));
      }
    }
    if (body.contains("conversion")) {
      auto c = ParseConversion(at("conversion").get<std::string>());
      if (!c) return core::Fail(FieldError("conversion", c.error().message));
      r.conversion = *c;
    }
    if (body.contains("journey")) {
      const std::string j = at("journey").get<std::string>();
      if (j != "roles" && j != "account") {
        return core::Fail(FieldError("journey", "journey must be roles or account"));
      }
      r.scope = j == "account" ? JourneyScope::kAccount : JourneyScope::kRoles;
    }
    if (body.contains("lookback_days")) {
      r.lookback_days = at("lookback_days").get<int>();
      if (r.lookback_days < 0 || r.lookback_days > 3650) {
        return core::Fail(FieldError("lookback_days", "lookback_days must be 0 to 3650"));
      }
    }
    for (const char* key : {"from", "to"}) {
      if (!body.contains(key) || body[key].is_null()) continue;
      auto t = core::ParseTimestamp(at(key).get<std::string>());
      if (!t) return std::unexpected(std::move(t).error().InField(key));
      (std::string_view(key) == "from" ? r.from : r.to) = *t;
    }
    if (body.contains("half_life_days")) {
      r.model_options.half_life_days = at("half_life_days").get<double>();
    }
    if (body.contains("markov_order")) {
      r.model_options.markov_order = at("markov_order").get<int>();
    }
    if (body.contains("position_based")) {
      const Json& p = at("position_based");
      r.model_options.position = {p.value("first", 0.4), p.value("middle", 0.2),
                                  p.value("last", 0.4)};
    }
    if (body.contains("exclude_types")) {
      r.excluded_types = at("exclude_types").get<std::vector<std::string>>();
    }
  } catch (const Json::exception&) {
    static const std::unordered_map<std::string_view, std::string_view> kExpected = {
        {"models", "\"all\" or a list of model names"},
        {"conversion", "a conversion name"},
        {"journey", "roles or account"},
        {"lookback_days", "a whole number of days"},
        {"from", "an ISO-8601 date or time"},
        {"to", "an ISO-8601 date or time"},
        {"half_life_days", "a number of days"},
        {"markov_order", "a whole number"},
        {"position_based", "an object of numbers first, middle and last"},
        {"exclude_types", "a list of touchpoint types"}};
    const auto expected = kExpected.find(field);
    return core::Fail(FieldError(
        std::string(field),
        fmt::format("{} must be {}", field,
                    expected == kExpected.end() ? "of another type" : expected->second)));
  }
  MOPS_TRY(http::CheckRange(r.from, r.to));
  if (auto valid = ValidateOptions(r.model_options); !valid) {
    return std::unexpected(std::move(valid).error());
  }
  return r;
}

Json InfoJson(const RunInfo& r) {
  return Json{{"id", r.id},
              {"created_at", core::FormatTimestamp(r.created_at)},
              {"actor", r.actor},
              {"conversion", r.conversion},
              {"journey", r.journey},
              {"models", r.models},
              {"lookback_days", r.lookback_days},
              {"from", r.from ? Json(core::FormatTimestamp(*r.from)) : Json()},
              {"to", r.to ? Json(core::FormatTimestamp(*r.to)) : Json()},
              {"conversions", r.conversions},
              {"value", r.value},
              {"unattributed", r.unattributed}};
}

Json RunJson(const StoredRun& run) {
  // Built in place: a run has thousands of results, and an initializer list
  // copies every value once more (the largest cost of this read route).
  Json results = Json::array();
  auto& items = results.get_ref<Json::array_t&>();
  items.reserve(run.results.size());
  for (const auto& r : run.results) {
    Json item(Json::value_t::object);
    auto& fields = item.get_ref<Json::object_t&>();
    fields.emplace("model", r.model);
    fields.emplace("dimension", r.dimension);
    fields.emplace("key", r.key);
    fields.emplace("conversions", r.conversions);
    fields.emplace("value", r.value);
    items.push_back(std::move(item));
  }
  Json out = InfoJson(run.info);
  out["params"] = Json::parse(run.params_json);
  out["summary"] = Json::parse(run.summary_json);
  out["results"] = std::move(results);
  return out;
}

core::Result<int64_t> RunId(const RequestContext& ctx) {
  try {
    return std::stoll(ctx.path_params.at(0));
  } catch (const std::exception&) {
    return core::Fail(core::ErrorCode::kNotFound, "no attribution run '{}'", ctx.path_params.at(0));
  }
}

// The most runs and credited conversions a list returns (the service's caps).
constexpr int kMaxRuns = 1000;
constexpr int kMaxCredits = 10000;

}  // namespace

void RegisterRoutes(http::Router& router) {
  router.Post("/api/v1/attribution/runs", http::Role::kAnalyst,
              {"Run attribution models (body: models, conversion, journey, lookback_days, "
               "from, to, half_life_days, position_based, markov_order, exclude_types) and "
               "store the run",
               {},
               "attribution"},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(Json body, ctx.Body());
                MOPS_ASSIGN_OR_RETURN(RunRequest request, RequestFromJson(ctx.db, body));
                request.store = true;
                MOPS_ASSIGN_OR_RETURN(RunReport report,
                                      Run(ctx.db, request, "api:" + ctx.principal.name));
                MOPS_ASSIGN_OR_RETURN(StoredRun run, LoadRun(ctx.db, report.run_id));
                Json out = RunJson(run);
                out["timing"] = {{"load_seconds", report.load_seconds},
                                 {"compute_seconds", report.compute_seconds},
                                 {"store_seconds", report.store_seconds}};
                return out;
              });
  router.Get("/api/v1/attribution/runs", http::Role::kViewer,
             {"Stored attribution runs, newest first",
              {{"limit", "How many, 1-1000 (default 20)"}},
              "attribution"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 20, kMaxRuns));
               MOPS_ASSIGN_OR_RETURN(std::vector<RunInfo> runs, ListRuns(ctx.db, limit));
               Json items = Json::array();
               for (const RunInfo& r : runs) items.push_back(InfoJson(r));
               return Json{{"items", items}};
             });
  router.Get("/api/v1/attribution/runs/{id}", http::Role::kViewer,
             {"A stored run: parameters, every model by every dimension, top paths, sourced "
              "and influenced pipeline",
              {},
              "attribution"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int64_t id, RunId(ctx));
               MOPS_ASSIGN_OR_RETURN(StoredRun run, LoadRun(ctx.db, id));
               return RunJson(run);
             });
  router.Get("/api/v1/attribution/runs/{id}/credits", http::Role::kViewer,
             {"The conversions behind a channel's credit in a run",
              {{"model", "Model name (required)"},
               {"channel", "Channel (required)"},
               {"limit", "How many, largest credit first, 1-10000 (default 100)"}},
              "attribution"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int64_t id, RunId(ctx));
               const auto model = ctx.Query("model");
               const auto channel = ctx.Query("channel");
               if (!model) return core::Fail(FieldError("model", "model is required"));
               if (!channel) return core::Fail(FieldError("channel", "channel is required"));
               MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 100, kMaxCredits));
               MOPS_ASSIGN_OR_RETURN(auto rows, RunCredits(ctx.db, id, *model, *channel, limit));
               Json items = Json::array();
               for (const CreditedConversion& c : rows) {
                 items.push_back({{"conversion_id", c.conversion_id},
                                  {"name", c.name},
                                  {"amount", c.amount},
                                  {"conversions", c.conversions},
                                  {"value", c.value}});
               }
               return Json{{"items", items}};
             });
}

}  // namespace mops::attribution
