// JSON documents of leads/, shared by the CLI's --format json and the REST
// routes; the read queries behind the dashboard page. For this folder only.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "leads/leads.h"

namespace mops::leads {

using Json = nlohmann::json;

Json ToJson(const ScoreRunReport& report);
Json ToJson(const Explanation& explanation);
Json ToJson(const BacktestResult& result);
Json ToJson(const BacktestReport& report);
Json ToJson(const RouteReport& report);
Json ToJson(const SlaReport& report);

// Scored contacts: grade matrix, distribution by 10 points, MQLs per week.
core::Result<Json> Summary(store::Database& db);
// Scored contacts, highest total first; `total` counts every match.
core::Result<Json> ScoreList(store::Database& db, std::optional<std::string> grade, int limit,
                             int64_t offset);
// Explanation, lifecycle timeline, score history and assignments of one lead.
core::Result<Json> LeadDetail(store::Database& db, int64_t contact_id, Timestamp as_of);
// MQLs without an owner: not routed yet or waiting in the fallback queue.
core::Result<Json> RoutingQueue(store::Database& db, int limit);

}  // namespace mops::leads
