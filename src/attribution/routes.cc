#include "attribution/routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "attribution/attribution.h"

namespace mops::attribution {
namespace {

using http::Json;
using http::RequestContext;

core::Error FieldError(std::string field, std::string message) {
  return core::MakeError(core::ErrorCode::kInvalidArgument, std::move(message)).InField(field);
}

// The first field of a run request whose JSON type is wrong, and what it
// should be.
std::pair<std::string, std::string> WrongTypeField(const Json& body) {
  auto strings = [](const Json& v) {
    return v.is_array() &&
           std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_string(); });
  };
  for (const auto& [key, v] : body.items()) {
    if (key == "models" && !v.is_string() && !strings(v))
      return {key, "\"all\" or a list of names"};
    if ((key == "conversion" || key == "journey") && !v.is_string()) return {key, "a string"};
    if ((key == "from" || key == "to") && !v.is_string() && !v.is_null()) {
      return {key, "a date string or null"};
    }
    if ((key == "lookback_days" || key == "markov_order") && !v.is_number_integer()) {
      return {key, "a whole number"};
    }
    if (key == "half_life_days" && !v.is_number()) return {key, "a number"};
    if (key == "exclude_types" && !strings(v)) return {key, "a list of strings"};
    if (key == "position_based") {
      if (!v.is_object()) return {key, "an object of first, middle and last weights"};
      for (const auto& [part, weight] : v.items()) {
        if (!weight.is_number()) return {key + "." + part, "a number"};
      }
    }
  }
  return {"body", "a JSON object of run options"};
}

// A run request from a JSON body, over the workspace's config defaults.
core::Result<RunRequest> RequestFromJson(store::Database& db, const Json& body) {
  if (!body.is_object()) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "the body must be a JSON object");
  }
  static const std::unordered_set<std::string> kFields = {
      "models", "conversion",     "journey",        "lookback_days", "from",
      "to",     "half_life_days", "position_based", "markov_order",  "exclude_types"};
  for (const auto& [key, value] : body.items()) {
    if (!kFields.contains(key)) {
      return core::Fail(FieldError(key, "unknown field '" + key + "'"));
    }
  }
  MOPS_ASSIGN_OR_RETURN(RunRequest r, DefaultRequest(db));
  try {
    if (body.contains("models")) {
      const Json& m = body["models"];
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
      auto c = ParseConversion(body["conversion"].get<std::string>());
      if (!c) return core::Fail(FieldError("conversion", c.error().message));
      r.conversion = *c;
    }
    if (body.contains("journey")) {
      const std::string j = body["journey"].get<std::string>();
      if (j != "roles" && j != "account") {
        return core::Fail(FieldError("journey", "journey must be roles or account"));
      }
      r.scope = j == "account" ? JourneyScope::kAccount : JourneyScope::kRoles;
    }
    if (body.contains("lookback_days")) {
      r.lookback_days = body["lookback_days"].get<int>();
      if (r.lookback_days < 0 || r.lookback_days > 3650) {
        return core::Fail(FieldError("lookback_days", "lookback_days must be 0 to 3650"));
      }
    }
    for (const char* key : {"from", "to"}) {
      if (!body.contains(key) || body[key].is_null()) continue;
      auto t = core::ParseTimestamp(body[key].get<std::string>());
      if (!t) return std::unexpected(std::move(t).error().InField(key));
      (std::string_view(key) == "from" ? r.from : r.to) = *t;
    }
    if (body.contains("half_life_days")) {
      r.model_options.half_life_days = body["half_life_days"].get<double>();
    }
    if (body.contains("markov_order")) {
      r.model_options.markov_order = body["markov_order"].get<int>();
    }
    if (body.contains("position_based")) {
      const Json& p = body["position_based"];
      r.model_options.position = {p.value("first", 0.4), p.value("middle", 0.2),
                                  p.value("last", 0.4)};
    }
    if (body.contains("exclude_types")) {
      r.excluded_types = body["exclude_types"].get<std::vector<std::string>>();
    }
  } catch (const Json::exception&) {
    // mops's own message naming the field; the JSON library's text stays out.
    const auto [field, expected] = WrongTypeField(body);
    return core::Fail(FieldError(field, field + " must be " + expected));
  }
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
  Json results = Json::array();
  for (const auto& r : run.results) {
    results.push_back({{"model", r.model},
                       {"dimension", r.dimension},
                       {"key", r.key},
                       {"conversions", r.conversions},
                       {"value", r.value}});
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

int LimitParam(const RequestContext& ctx, int fallback) {
  const auto v = ctx.Query("limit");
  if (!v) return fallback;
  try {
    return std::stoi(*v);
  } catch (const std::exception&) {
    return fallback;
  }
}

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
              {{"limit", "How many (default 20)"}},
              "attribution"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(std::vector<RunInfo> runs,
                                     ListRuns(ctx.db, LimitParam(ctx, 20)));
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
               {"limit", "How many, largest credit first (default 100)"}},
              "attribution"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int64_t id, RunId(ctx));
               const auto model = ctx.Query("model");
               const auto channel = ctx.Query("channel");
               if (!model) return core::Fail(FieldError("model", "model is required"));
               if (!channel) return core::Fail(FieldError("channel", "channel is required"));
               MOPS_ASSIGN_OR_RETURN(
                   auto rows, RunCredits(ctx.db, id, *model, *channel, LimitParam(ctx, 100)));
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
