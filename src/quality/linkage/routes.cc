// REST routes of the review queue and workspace matching.

#include <charconv>
#include <map>
#include <span>

#include "http/http.h"
#include "http/input.h"
#include "quality/linkage/linkage.h"

namespace mops::quality::linkage {
namespace {

using http::Json;
using http::RequestContext;
using store::Value;

// The records of pairs, as the review screen shows them side by side, by id:
// one query for a whole page of pairs (a query per record made the review
// list the slowest read of the quality page). A missing id is absent.
core::Result<std::map<int64_t, Json>> RecordsJson(store::Database& db, std::string_view entity,
                                                  const std::vector<int64_t>& ids) {
  std::map<int64_t, Json> out;
  if (ids.empty()) return out;
  std::string sql =
      entity == "accounts"
          ? "SELECT id, external_id, name, domain, website, industry, city, country, merged_into "
            "FROM accounts WHERE id IN ("
          : "SELECT id, external_id, email, first_name, last_name, title, phone, company_name, "
            "city, country, merged_into FROM contacts WHERE id IN (";
  std::vector<Value> params;
  params.reserve(ids.size());
  for (int64_t id : ids) {
    sql += params.empty() ? "?" : ", ?";
    params.emplace_back(id);
  }
  sql += ")";
  MOPS_ASSIGN_OR_RETURN(store::Rows rows, db.Query(sql, params));
  for (const auto& row : rows.rows) {
    Json record = Json::object();
    for (size_t c = 0; c < rows.columns.size(); ++c) {
      const Value& v = row[c];
      if (store::IsNull(v)) {
        record[rows.columns[c]] = nullptr;
      } else if (std::holds_alternative<int64_t>(v)) {
        record[rows.columns[c]] = std::get<int64_t>(v);
      } else {
        record[rows.columns[c]] = store::AsText(v);
      }
    }
    out.emplace(store::AsInt(row[0]), std::move(record));
  }
  return out;
}

Json ItemJson(const ReviewItem& item, const std::map<int64_t, Json>& records) {
  auto record = [&](int64_t id) {
    auto it = records.find(id);
    return it == records.end() ? Json{{"id", id}, {"missing", true}} : it->second;
  };
  Json explanation = Json::parse(item.explanation, nullptr, false);
  if (explanation.is_discarded()) explanation = Json::array();
  return Json{{"id", item.id},
              {"entity", item.entity},
              {"record_a", record(item.record_a)},
              {"record_b", record(item.record_b)},
              {"match_weight", item.match_weight},
              {"probability", item.probability},
              {"status", item.status},
              {"explanation", std::move(explanation)}};
}

// Review items as JSON, their records loaded in one query per entity.
core::Result<Json> ItemsJson(store::Database& db, std::span<const ReviewItem> items) {
  std::map<std::string, std::vector<int64_t>> ids;
  for (const ReviewItem& item : items) {
    ids[item.entity].push_back(item.record_a);
    ids[item.entity].push_back(item.record_b);
  }
  std::map<std::string, std::map<int64_t, Json>> records;
  for (const auto& [entity, list] : ids) {
    MOPS_ASSIGN_OR_RETURN(records[entity], RecordsJson(db, entity, list));
  }
  Json out = Json::array();
  for (const ReviewItem& item : items) out.push_back(ItemJson(item, records[item.entity]));
  return out;
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
  MOPS_ASSIGN_OR_RETURN(Json pairs, ItemsJson(db, std::span(&d.pair, 1)));
  Json pair = std::move(pairs[0]);
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
               MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 100, 1000));
               int64_t offset = 0;
               if (auto o = ctx.Query("offset")) {
                 const char* end = o->data() + o->size();
                 const auto [stop, ec] = std::from_chars(o->data(), end, offset);
                 if (ec != std::errc() || stop != end) {
                   return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                                     "offset must be a whole number")
                                         .InField("offset"));
                 }
               }
               MOPS_ASSIGN_OR_RETURN(auto items, ListReview(ctx.db, entity, status, limit, offset));
               MOPS_ASSIGN_OR_RETURN(int64_t total, CountPairs(ctx.db, entity, status));
               MOPS_ASSIGN_OR_RETURN(Json out, ItemsJson(ctx.db, items));
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
                MOPS_TRY(http::ObjectBody(ctx, {}));
                MOPS_ASSIGN_OR_RETURN(Decision d,
                                      AcceptPair(ctx.db, id, "api:" + ctx.principal.name));
                return DecisionJson(ctx.db, d);
              });

  router.Post("/api/v1/quality/review/{id}/reject", http::Role::kOps,
              {"Reject a pair: remembered, never proposed again", {}, "quality"},
              [](RequestContext& ctx) -> core::Result<Json> {
                MOPS_ASSIGN_OR_RETURN(int64_t id, PairId(ctx));
                MOPS_TRY(http::ObjectBody(ctx, {}));
                MOPS_ASSIGN_OR_RETURN(Decision d,
                                      RejectPair(ctx.db, id, "api:" + ctx.principal.name));
                return DecisionJson(ctx.db, d);
              });

  router.Post(
      "/api/v1/quality/match", http::Role::kOps,
      {"Find duplicates of an entity: body {\"entity\": \"contacts\"|\"accounts\"}", {}, "quality"},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"entity"}));
        std::string entity = "contacts";
        if (body.contains("entity")) {
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
