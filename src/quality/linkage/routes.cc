// REST routes of the review queue and workspace matching.
#include <httplib.h>

#include "http/http.h"
#include "quality/linkage/linkage.h"

namespace mops::quality::linkage {
namespace {

using http::Json;
using http::RequestContext;
using store::Value;

// The record of a pair, as the review screen shows it side by side.
core::Result<Json> RecordJson(store::Database& db, std::string_view entity, int64_t id) {
  const std::string sql =
      entity == "accounts"
          ? "SELECT id, external_id, name, domain, website, industry, city, country, merged_into "
            "FROM accounts WHERE id = ?"
          : "SELECT id, external_id, email, first_name, last_name, title, phone, company_name, "
            "city, country, merged_into FROM contacts WHERE id = ?";
  MOPS_ASSIGN_OR_RETURN(store::Rows rows, db.Query(sql, std::vector<Value>{id}));
  if (rows.empty()) return Json{{"id", id}, {"missing", true}};
  Json out = Json::object();
  for (size_t c = 0; c < rows.columns.size(); ++c) {
    const Value& v = rows.rows[0][c];
    if (store::IsNull(v)) {
      out[rows.columns[c]] = nullptr;
    } else if (std::holds_alternative<int64_t>(v)) {
      out[rows.columns[c]] = std::get<int64_t>(v);
    } else {
      out[rows.columns[c]] = store::AsText(v);
    }
  }
  return out;
}

core::Result<Json> ItemJson(store::Database& db, const ReviewItem& item) {
  MOPS_ASSIGN_OR_RETURN(Json a, RecordJson(db, item.entity, item.record_a));
  MOPS_ASSIGN_OR_RETURN(Json b, RecordJson(db, item.entity, item.record_b));
  Json explanation = Json::parse(item.explanation, nullptr, false);
  if (explanation.is_discarded()) explanation = Json::array();
  return Json{{"id", item.id},
              {"entity", item.entity},
              {"record_a", std::move(a)},
              {"record_b", std::move(b)},
              {"match_weight", item.match_weight},
              {"probability", item.probability},
              {"status", item.status},
              {"explanation", std::move(explanation)}};
}

core::Result<int64_t> PairId(const RequestContext& ctx) {
  try {
    size_t used = 0;
    const int64_t id = std::stoll(ctx.path_params[0], &used);
    if (used == ctx.path_params[0].size()) return id;
  } catch (const std::exception&) {
  }
  return core::Fail(core::ErrorCode::kNotFound, "no match pair with id '{}'", ctx.path_params[0]);
}

core::Result<Json> DecisionJson(store::Database& db, const Decision& d) {
  MOPS_ASSIGN_OR_RETURN(Json pair, ItemJson(db, d.pair));
  return Json{{"pair", std::move(pair)},
              {"merge_id", d.merge_id ? Json(*d.merge_id) : Json(nullptr)}};
}

}  // namespace

void RegisterRoutes(http::Router& router) {
  router.Get("/api/v1/quality/review", http::Role::kViewer,
             {"Duplicate pairs to review, records side by side with the weight each field added",
              {{"entity", "contacts (default) or accounts"},
               {"status", "review (default), match, accepted, rejected or merged"},
               {"limit", "At most this many, 1-1000 (default 100)"},
               {"offset", "Skip this many first (paging; default 0)"}},
              "quality"},
             [](RequestContext& ctx) -> core::Result<Json> {
               const std::string entity = ctx.Query("entity").value_or("contacts");
               const std::string status = ctx.Query("status").value_or("review");
               int limit = 100;
               if (auto l = ctx.Query("limit")) {
                 try {
                   limit = std::stoi(*l);
                 } catch (const std::exception&) {
                   return core::Fail(
                       core::MakeError(core::ErrorCode::kInvalidArgument, "limit must be a number")
                           .InField("limit"));
                 }
               }
               int64_t offset = 0;
               if (auto o = ctx.Query("offset")) {
                 try {
                   offset = std::stoll(*o);
                 } catch (const std::exception&) {
                   return core::Fail(
                       core::MakeError(core::ErrorCode::kInvalidArgument, "offset must be a number")
                           .InField("offset"));
                 }
               }
               MOPS_ASSIGN_OR_RETURN(auto items, ListReview(ctx.db, entity, status, limit, offset));
               MOPS_ASSIGN_OR_RETURN(int64_t total, CountPairs(ctx.db, entity, status));
               Json out = Json::array();
               for (const ReviewItem& item : items) {
                 MOPS_ASSIGN_OR_RETURN(Json j, ItemJson(ctx.db, item));
                 out.push_back(std::move(j));
               }
               return Json{{"entity", entity},
                           {"status", status},
                           {"total", total},
                           {"offset", offset},
                           {"items", std::move(out)}};
             });

  router.Post("/api/v1/quality/review/{id}/accept", http::Role::kOps,
              {"Accept a pair as a duplicate (merged when a merger is installed)", {}, "quality"},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(int64_t id, PairId(ctx));
                MOPS_ASSIGN_OR_RETURN(Decision d,
                                      AcceptPair(ctx.db, id, "api:" + ctx.principal.name));
                return DecisionJson(ctx.db, d);
              });

  router.Post("/api/v1/quality/review/{id}/reject", http::Role::kOps,
              {"Reject a pair: remembered, never proposed again", {}, "quality"},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(int64_t id, PairId(ctx));
                MOPS_ASSIGN_OR_RETURN(Decision d,
                                      RejectPair(ctx.db, id, "api:" + ctx.principal.name));
                return DecisionJson(ctx.db, d);
              });

  router.Post(
      "/api/v1/quality/match", http::Role::kOps,
      {"Find duplicates of an entity: body {\"entity\": \"contacts\"|\"accounts\"}", {}, "quality"},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, ctx.Body());
        std::string entity = "contacts";
        if (body.is_object() && body.contains("entity")) {
          if (!body["entity"].is_string()) {
            return core::Fail(
                core::MakeError(core::ErrorCode::kInvalidArgument, "entity must be a string")
                    .InField("entity"));
          }
          entity = body["entity"].get<std::string>();
        }
        MOPS_ASSIGN_OR_RETURN(MatchReport r, Match(ctx.db, entity, "api:" + ctx.principal.name));
        return Json{
            {"entity", r.entity},   {"records", r.records}, {"candidate_pairs", r.candidate_pairs},
            {"match", r.matches},   {"review", r.review},   {"decided", r.decided},
            {"removed", r.removed}, {"prior", r.prior},     {"seconds", r.seconds}};
      });
}

}  // namespace mops::quality::linkage
