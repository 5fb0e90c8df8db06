// What the events page shows, read from the workspace.
#include <fmt/format.h>

#include <chrono>

#include "tracking/tracking.h"

namespace mops::tracking {
namespace {

using store::Value;

Json CellJson(const Value& v) {
  if (store::IsNull(v)) return nullptr;
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return *d;
  return std::get<std::string>(v);
}

Json RowsJson(const store::Rows& rows) {
  Json items = Json::array();
  for (const auto& r : rows.rows) {
    Json item = Json::object();
    for (size_t i = 0; i < rows.columns.size(); ++i) item[rows.columns[i]] = CellJson(r[i]);
    items.push_back(std::move(item));
  }
  return items;
}

constexpr std::string_view kEventColumns =
    "id, received_at, occurred_at, type, event, user_id, anonymous_id, contact_id, "
    "touchpoint_id, channel, message_id, write_key_id";

}  // namespace

core::Result<Json> EventsSummary(store::Database& db, const EventsSummaryOptions& options) {
  const int64_t now = options.now_ms != 0 ? options.now_ms
                                          : std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count();
  const int64_t first_minute = now / 60000 - options.minutes + 1;
  const int64_t since = first_minute * 60000;
  const std::vector<Value> window = {since};
  Json out;
  out["window"] = {{"minutes", options.minutes}, {"from_ms", since}, {"to_ms", now}};

  MOPS_ASSIGN_OR_RETURN(Value total, db.QueryValue("SELECT COUNT(*) FROM tracking_events"));
  MOPS_ASSIGN_OR_RETURN(Value in_window, db.QueryValue("SELECT COUNT(*) FROM tracking_events "
                                                       "WHERE received_at >= ?",
                                                       window));
  out["events"] = {{"total", store::AsInt(total)}, {"in_window", store::AsInt(in_window)}};

  MOPS_ASSIGN_OR_RETURN(
      store::Rows latest,
      db.Query(
          fmt::format("SELECT {} FROM tracking_events ORDER BY id DESC LIMIT 20", kEventColumns)));
  out["latest"] = RowsJson(latest);

  MOPS_ASSIGN_OR_RETURN(
      store::Rows by_type,
      db.Query(
          "SELECT received_at / 60000 AS minute, type AS key, COUNT(*) AS events FROM "
          "tracking_events WHERE received_at >= ? GROUP BY received_at / 60000, type ORDER BY 1, 2",
          window));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows by_channel,
      db.Query("SELECT received_at / 60000 AS minute, COALESCE(channel, '') AS key, COUNT(*) AS "
               "events FROM tracking_events WHERE received_at >= ? GROUP BY received_at / 60000, "
               "COALESCE(channel, '') ORDER BY 1, 2",
               window));
  out["per_minute"] = {{"first_minute", first_minute},
                       {"by_type", RowsJson(by_type)},
                       {"by_channel", RowsJson(by_channel)}};

  MOPS_ASSIGN_OR_RETURN(
      store::Rows reasons,
      db.Query("SELECT COALESCE(field, '') AS field, reason, COUNT(*) AS events FROM "
               "tracking_rejections WHERE received_at >= ? GROUP BY COALESCE(field, ''), reason "
               "ORDER BY 3 DESC, 2 LIMIT 50",
               window));
  MOPS_ASSIGN_OR_RETURN(
      Value rejected_total,
      db.QueryValue("SELECT COUNT(*) FROM tracking_rejections WHERE received_at >= ?", window));
  out["rejections"] = {{"in_window", store::AsInt(rejected_total)},
                       {"by_reason", RowsJson(reasons)}};

  // Identity: visitors seen by anonymous id, those now known (linked to a
  // contact), touchpoints attached to a contact, and profile merges.
  MOPS_ASSIGN_OR_RETURN(Value visitors,
                        db.QueryValue("SELECT COUNT(DISTINCT anonymous_id) FROM tracking_events "
                                      "WHERE anonymous_id IS NOT NULL"));
  MOPS_ASSIGN_OR_RETURN(
      Value known,
      db.QueryValue("SELECT COUNT(DISTINCT e.anonymous_id) FROM tracking_events e JOIN identities "
                    "i ON i.kind = 'anonymous_id' AND i.value = e.anonymous_id WHERE i.contact_id "
                    "IS NOT NULL"));
  MOPS_ASSIGN_OR_RETURN(Value tracked,
                        db.QueryValue("SELECT COUNT(*) FROM touchpoints WHERE source_system = "
                                      "'tracking'"));
  MOPS_ASSIGN_OR_RETURN(Value attached,
                        db.QueryValue("SELECT COUNT(*) FROM touchpoints WHERE source_system = "
                                      "'tracking' AND contact_id IS NOT NULL"));
  // Stitched: attached to a contact although sent before the visitor was
  // identified (the touchpoint's time precedes its anonymous id's link).
  MOPS_ASSIGN_OR_RETURN(
      Value stitched,
      db.QueryValue("SELECT COUNT(*) FROM touchpoints t JOIN identities i ON i.kind = "
                    "'anonymous_id' AND i.value = t.anonymous_id WHERE t.source_system = "
                    "'tracking' AND t.contact_id IS NOT NULL AND t.occurred_at < i.created_at"));
  MOPS_ASSIGN_OR_RETURN(store::Rows merges,
                        db.Query("SELECT status, COUNT(*) AS merges FROM identity_merges GROUP BY "
                                 "status ORDER BY status"));
  Json merge_counts = Json::object();
  for (const auto& r : merges.rows) merge_counts[store::AsText(r[0])] = store::AsInt(r[1]);
  const int64_t v = store::AsInt(visitors);
  const int64_t k = store::AsInt(known);
  out["identity"] = {{"visitors", v},
                     {"known_visitors", k},
                     {"anonymous_visitors", v - k},
                     {"touchpoints", store::AsInt(tracked)},
                     {"touchpoints_with_contact", store::AsInt(attached)},
                     {"stitched_touchpoints", store::AsInt(stitched)},
                     {"merges", merge_counts}};

  MOPS_ASSIGN_OR_RETURN(
      store::Rows mix,
      db.Query("SELECT COALESCE(first_touch_channel, '') AS channel, COUNT(*) AS contacts FROM "
               "contacts WHERE first_touch_at IS NOT NULL AND merged_into IS NULL GROUP BY "
               "COALESCE(first_touch_channel, '') ORDER BY 2 DESC, 1"));
  out["first_touch_channels"] = RowsJson(mix);
  return out;
}

core::Result<Json> ListEvents(store::Database& db, int64_t limit, int64_t before_id,
                              std::string_view type, std::string_view channel) {
  std::string sql = fmt::format("SELECT {} FROM tracking_events WHERE 1 = 1", kEventColumns);
  std::vector<Value> params;
  if (before_id > 0) {
    sql += " AND id < ?";
    params.emplace_back(before_id);
  }
  if (!type.empty()) {
    sql += " AND type = ?";
    params.emplace_back(std::string(type));
  }
  if (!channel.empty()) {
    sql += " AND channel = ?";
    params.emplace_back(std::string(channel));
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(limit);
  MOPS_ASSIGN_OR_RETURN(store::Rows rows, db.Query(sql, params));
  Json items = RowsJson(rows);
  Json out = {{"items", items}};
  if (!items.empty() && static_cast<int64_t>(items.size()) == limit) {
    out["next_before"] = items.back()["id"];
  }
  return out;
}

core::Result<Json> ListRejections(store::Database& db, int64_t limit) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, received_at, write_key_id, route, item_index, field, reason, "
               "message_id FROM tracking_rejections ORDER BY id DESC LIMIT ?",
               std::vector<Value>{limit}));
  return Json{{"items", RowsJson(rows)}};
}

core::Result<Json> ListIdentityMerges(store::Database& db, int64_t limit) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, at, write_key_id, message_id, kind, value, survivor_id, merged_id, "
               "merge_id, status, reason FROM identity_merges ORDER BY id DESC LIMIT ?",
               std::vector<Value>{limit}));
  return Json{{"items", RowsJson(rows)}};
}

}  // namespace mops::tracking
