#include "ingest/channel_routes.h"

#include "http/input.h"
#include "ingest/channel_rules.h"

namespace mops::ingest {
namespace {

using http::Json;
using http::RequestContext;

std::string Actor(const RequestContext& ctx) { return "token:" + ctx.principal.name; }

std::string_view FieldText(ChannelField f) {
  switch (f) {
    case ChannelField::kType:
      return "type";
    case ChannelField::kMedium:
      return "medium";
    case ChannelField::kSource:
      return "source";
    case ChannelField::kReferrer:
      return "referrer";
  }
  return "";
}

Json ConditionJson(const ChannelCondition& c) {
  Json fields = Json::array();
  for (ChannelField f : c.fields) fields.push_back(FieldText(f));
  switch (c.kind) {
    case ChannelCondition::Kind::kValues:
      return {{"field", FieldText(c.field)}, {"values", c.values}};
    case ChannelCondition::Kind::kClickId:
      return {{"field", "click_id"}, {"values", c.values}};
    case ChannelCondition::Kind::kPresent:
      return {{"field", "present"}, {"values", fields}};
    case ChannelCondition::Kind::kEmpty:
      return {{"field", "empty"}, {"values", fields}};
  }
  return {};
}

Json RulesJson(const ChannelRules& rules, bool stored) {
  Json list = Json::array();
  for (size_t i = 0; i < rules.rules().size(); ++i) {
    const ChannelRule& r = rules.rules()[i];
    Json conds = Json::array();
    for (const ChannelCondition& c : r.conditions) conds.push_back(ConditionJson(c));
    list.push_back({{"index", i + 1},
                    {"name", r.name},
                    {"channel", r.channel},
                    {"line", r.line},
                    {"conditions", conds}});
  }
  return {{"stored", stored},
          {"default_channel", rules.default_channel()},
          {"rules", list},
          {"lists", rules.lists()},
          {"yaml", rules.text()}};
}

core::Result<Json> RulesDoc(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(std::string stored, StoredChannelRulesText(db));
  MOPS_ASSIGN_OR_RETURN(ChannelRules rules, LoadChannelRules(db));
  return RulesJson(rules, !stored.empty());
}

core::Result<ReclassifyReport> Reclassify(RequestContext& ctx, bool dry_run) {
  MOPS_ASSIGN_OR_RETURN(ChannelRules rules, LoadChannelRules(ctx.db));
  ReclassifyOptions options;
  options.dry_run = dry_run;
  options.actor = Actor(ctx);
  return ReclassifyTouchpoints(ctx.db, rules, options);
}

}  // namespace

void RegisterChannelRoutes(http::Router& router) {
  router.Get("/api/v1/channels/rules", http::Role::kAnalyst,
             {"The channel rules in force (stored, else the defaults): ordered rules, lists, YAML",
              {},
              "channels"},
             [](RequestContext& ctx) -> core::Result<Json> { return RulesDoc(ctx.db); });

  router.Put("/api/v1/channels/rules", http::Role::kOps,
             {"Validate and store the channel rules (body: {\"yaml\": \"...\"}); an invalid "
              "document changes nothing",
              {},
              "channels"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"yaml"}));
               if (!body.contains("yaml") || !body["yaml"].is_string()) {
                 return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                                   "body must be {\"yaml\": \"...\"}")
                                       .InField("yaml"));
               }
               MOPS_TRY(SaveChannelRules(ctx.db, body["yaml"].get<std::string>(), "request body",
                                         Actor(ctx)));
               return RulesDoc(ctx.db);
             });

  router.Get(
      "/api/v1/channels/explain", http::Role::kAnalyst,
      {"Which rule gives a touchpoint its channel and why, with the rules tried before",
       {{"url", "Landing page URL (click ids)"},
        {"referrer", "Referrer URL"},
        {"source", "utm_source"},
        {"medium", "utm_medium"},
        {"type", "Touchpoint type"}},
       "channels"},
      [](RequestContext& ctx) -> core::Result<Json> {
        for (const auto& [name, value] : ctx.QueryParams()) {
          if (name != "url" && name != "referrer" && name != "source" && name != "medium" &&
              name != "type") {
            return core::Fail(
                core::MakeError(core::ErrorCode::kInvalidArgument,
                                "unknown parameter '" + name +
                                    "' (expected url, referrer, source, medium, type)")
                    .InField(name));
          }
        }
        MOPS_ASSIGN_OR_RETURN(ChannelRules rules, LoadChannelRules(ctx.db));
        const std::string url = ctx.Query("url").value_or("");
        const std::string referrer = ctx.Query("referrer").value_or("");
        const std::string source = ctx.Query("source").value_or("");
        const std::string medium = ctx.Query("medium").value_or("");
        const std::string type = ctx.Query("type").value_or("");
        const ChannelExplanation e =
            ExplainChannel(rules, ChannelInputs{source, medium, referrer, type, url});
        Json tried = Json::array();
        for (const auto& t : e.tried) {
          tried.push_back(
              {{"rule", t.rule + 1}, {"name", t.name}, {"line", t.line}, {"failed", t.failed}});
        }
        return Json{{"channel", e.channel},     {"rule", e.rule < 0 ? Json() : Json(e.rule + 1)},
                    {"rule_name", e.rule_name}, {"line", e.rule_line},
                    {"reasons", e.reasons},     {"tried", tried},
                    {"inputs", e.inputs}};
      });

  router.Get("/api/v1/channels/preview", http::Role::kAnalyst,
             {"What reclassifying the stored touchpoints with the rules in force would change "
              "(counts per old -> new channel; writes nothing)",
              {},
              "channels"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(ReclassifyReport r, Reclassify(ctx, true));
               return r.ToJson();
             });

  router.Post("/api/v1/channels/reclassify", http::Role::kOps,
              {"Apply the rules in force to every stored touchpoint in one transaction (body: "
               "{\"dry_run\": bool})",
               {},
               "channels"},
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
                MOPS_ASSIGN_OR_RETURN(ReclassifyReport r, Reclassify(ctx, dry_run));
                return r.ToJson();
              });
}

}  // namespace mops::ingest
