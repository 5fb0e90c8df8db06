// The workspace's core records, as the API and the dashboard read them:
// listing with filters and cursor pagination, fetch by id, the overview
// counts, and touchpoints per week by channel.
//
// Records are returned as JSON objects with times as ISO-8601 UTC strings and
// money in major units (a number) beside its currency.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/database.h"

namespace mops::records {

using Json = nlohmann::json;

// The entities served: accounts, contacts, opportunities, campaigns,
// touchpoints, users.
struct EntitySpec {
  std::string name;                  // URL segment and table name
  std::vector<std::string> filters;  // columns that accept ?column=value
  std::string time_column;           // for ?from=&to= (empty: none)
  bool has_merged_into = false;      // hide merged records unless asked
};
const std::vector<EntitySpec>& Entities();
const EntitySpec* FindEntity(std::string_view name);

// The largest page a list returns; routes refuse a larger `limit`.
inline constexpr int kMaxPageSize = 1000;

struct ListQuery {
  std::map<std::string, std::string> equals;  // column -> value
  std::optional<int64_t> from, to;            // on time_column, [from, to)
  int64_t after_id = 0;                       // cursor
  int limit = 100;                            // 1..kMaxPageSize
  bool include_merged = false;
};

struct Page {
  Json items = Json::array();
  std::optional<int64_t> next_after_id;  // set when more rows follow
};

core::Result<Page> List(store::Database& db, const EntitySpec& entity, const ListQuery& query);
core::Result<Json> Get(store::Database& db, const EntitySpec& entity, int64_t id);

struct Overview {
  std::string workspace;
  std::vector<std::pair<std::string, int64_t>> counts;  // in display order
  // Touchpoints derived from CRM objects (campaign members, primary
  // campaigns, creation with a lead source, HubSpot sources); a part of
  // counts["touchpoints"], so not a count card of its own.
  int64_t crm_touches = 0;
  double open_pipeline = 0;  // major units
  double won_revenue = 0;
  std::string currency = "USD";
};
core::Result<Overview> LoadOverview(store::Database& db);

struct WeeklyChannels {
  std::vector<std::string> weeks;  // Monday of each ISO week, "YYYY-MM-DD"
  std::vector<std::string> channels;
  std::vector<std::vector<int64_t>> counts;  // [channel][week]
};
// Touchpoints of one channel in one week. `week` counts Monday weeks from the
// one of 1969-12-29 (WeekOf); an empty channel is "unclassified".
struct WeekCount {
  int64_t week = 0;
  std::string channel;
  int64_t touchpoints = 0;
};
// The week of a unix time: floor((t + 3 days) / 7 days).
int64_t WeekOf(int64_t t);
// Pure: every week from the first to the last with a count (gaps are zeros),
// channels largest first (ties by name), empty and zero counts left out.
WeeklyChannels WeeklyFromCounts(std::span<const WeekCount> counts);
// Pure: buckets (occurred_at, channel code) pairs into weeks; code -1 is a
// NULL channel.
WeeklyChannels BucketByWeek(std::span<const int64_t> occurred_at, std::span<const int32_t> codes,
                            std::span<const std::string> dict);
// From the touchpoint_weeks aggregate that triggers keep (schema version 11):
// a few hundred rows, whatever the number of touchpoints.
core::Result<WeeklyChannels> LoadWeeklyChannels(store::Database& db);

}  // namespace mops::records
