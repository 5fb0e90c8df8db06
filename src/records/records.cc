#include "records/records.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "core/time.h"
#include "quality/enrich/provenance.h"

namespace mops::records {
namespace {

using store::Value;

bool IsTimeColumn(std::string_view c) {
  static const std::set<std::string_view> kTimes = {
      "created_at",          "updated_at",   "occurred_at", "close_date",   "entered_at",
      "start_date",          "end_date",     "date",        "last_sync_at", "first_responded_at",
      "out_of_office_until", "renewal_date", "merged_at",   "undone_at",    "last_used_at",
      "revoked_at"};
  return kTimes.contains(c);
}

bool IsMoneyColumn(std::string_view c) {
  return c == "annual_revenue" || c == "amount" || c == "budget" || c == "actual_cost" ||
         c == "annual_cost";
}

Json CellToJson(const std::string& column, const Value& v) {
  if (store::IsNull(v)) return nullptr;
  if (IsTimeColumn(column)) return core::FormatTimestamp(store::AsInt(v));
  if (IsMoneyColumn(column)) return static_cast<double>(store::AsInt(v)) / 100.0;
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return std::get<std::string>(v);
}

Json RowToJson(const store::Rows& rows, const std::vector<Value>& row) {
  Json obj = Json::object();
  for (size_t i = 0; i < rows.columns.size(); ++i) {
    obj[rows.columns[i]] = CellToJson(rows.columns[i], row[i]);
  }
  return obj;
}

}  // namespace

const std::vector<EntitySpec>& Entities() {
  static const std::vector<EntitySpec> kEntities = {
      {"accounts",
       {"source_system", "external_id", "domain", "industry", "country", "owner_id", "parent_id"},
       "created_at",
       true},
      {"contacts",
       {"source_system", "external_id", "email", "account_id", "lifecycle_stage", "lead_status",
        "country", "owner_id", "seniority", "department"},
       "created_at",
       true},
      {"opportunities",
       {"source_system", "external_id", "account_id", "stage", "is_won", "is_closed", "type",
        "owner_id", "primary_campaign_id"},
       "created_at",
       false},
      {"campaigns",
       {"source_system", "external_id", "type", "channel", "status", "parent_id", "utm_campaign"},
       "start_date",
       false},
      {"touchpoints",
       {"source_system", "contact_id", "account_id", "type", "channel", "source", "medium",
        "campaign_id", "utm_campaign", "anonymous_id"},
       "occurred_at",
       false},
      {"users",
       {"source_system", "external_id", "team", "territory", "active", "email"},
       "",
       false},
  };
  return kEntities;
}

const EntitySpec* FindEntity(std::string_view name) {
  for (const auto& e : Entities()) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

core::Result<Page> List(store::Database& db, const EntitySpec& entity, const ListQuery& query) {
  std::string sql = "SELECT * FROM " + entity.name + " WHERE id > ?";
  std::vector<Value> params{query.after_id};
  for (const auto& [column, value] : query.equals) {
    if (std::find(entity.filters.begin(), entity.filters.end(), column) == entity.filters.end()) {
      return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                        "cannot filter " + entity.name + " by '" + column + "'")
                            .InField(column));
    }
    // Whitelisted column names only ever reach the SQL text; values are bound.
    sql += " AND " + column + " = ?";
    if (column.ends_with("_id") && column != "external_id" && column != "anonymous_id") {
      params.emplace_back(store::AsInt(Value{value}, -1));
    } else if (column == "is_won" || column == "is_closed" || column == "active") {
      params.emplace_back(int64_t{value == "true" || value == "1"});
    } else {
      params.emplace_back(value);
    }
  }
  if (!entity.time_column.empty()) {
    if (query.from) {
      sql += " AND " + entity.time_column + " >= ?";
      params.emplace_back(*query.from);
    }
    if (query.to) {
      sql += " AND " + entity.time_column + " < ?";
      params.emplace_back(*query.to);
    }
  }
  if (entity.has_merged_into && !query.include_merged) sql += " AND merged_into IS NULL";
  const int limit = std::clamp(query.limit, 1, kMaxPageSize);
  sql += " ORDER BY id LIMIT ?";
  params.emplace_back(int64_t{limit + 1});
  MOPS_ASSIGN_OR_RETURN(store::Rows rows, db.Query(sql, params));
  Page page;
  const int id_index = rows.ColumnIndex("id");
  for (size_t i = 0; i < rows.rows.size() && i < static_cast<size_t>(limit); ++i) {
    page.items.push_back(RowToJson(rows, rows.rows[i]));
  }
  if (rows.rows.size() > static_cast<size_t>(limit)) {
    page.next_after_id = store::AsInt(rows.rows[limit - 1][id_index]);
  }
  return page;
}

core::Result<Json> Get(store::Database& db, const EntitySpec& entity, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(store::Rows rows, db.Query("SELECT * FROM " + entity.name + " WHERE id = ?",
                                                   std::vector<Value>{id}));
  if (rows.empty()) {
    return core::Fail(core::ErrorCode::kNotFound, "no {} with id {}", entity.name, id);
  }
  Json record = RowToJson(rows, rows.rows[0]);
  if (entity.name == "contacts" || entity.name == "accounts") {
    // Where enriched values came from (quality/enrich): field -> source,
    // vendor record id, confidence, reason, time.
    MOPS_ASSIGN_OR_RETURN(
        Value provenance,
        db.QueryValue("SELECT fields FROM enrichment_provenance WHERE entity = ? AND record_id = ?",
                      std::vector<Value>{entity.name, id}));
    if (!store::IsNull(provenance)) {
      Json fields = quality::enrich::ExpandProvenance(store::AsText(provenance));
      if (fields.is_object()) record["provenance"] = std::move(fields);
    }
  }
  return record;
}

core::Result<Overview> LoadOverview(store::Database& db) {
  Overview o;
  o.workspace = db.display_name();
  static const std::vector<std::pair<std::string, std::string>> kCounts = {
      {"accounts", "SELECT COUNT(*) FROM accounts WHERE merged_into IS NULL"},
      {"contacts", "SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL"},
      {"opportunities", "SELECT COUNT(*) FROM opportunities"},
      {"campaigns", "SELECT COUNT(*) FROM campaigns"},
      // From the aggregate the triggers keep: a count of every touchpoint is
      // a scan of the largest table.
      {"touchpoints", "SELECT COALESCE(SUM(touchpoints), 0) FROM touchpoint_weeks"},
      {"campaign_members", "SELECT COUNT(*) FROM campaign_members"},
      {"users", "SELECT COUNT(*) FROM users"},
      {"spend", "SELECT COUNT(*) FROM spend"},
  };
  for (const auto& [name, sql] : kCounts) {
    MOPS_ASSIGN_OR_RETURN(Value v, db.QueryValue(sql));
    o.counts.emplace_back(name, store::AsInt(v));
  }
  MOPS_ASSIGN_OR_RETURN(
      Value crm, db.QueryValue("SELECT COUNT(*) FROM touchpoints WHERE type IN ('campaign_member', "
                               "'opportunity_campaign', 'created', 'latest_source', "
                               "'recent_conversion')"));
  o.crm_touches = store::AsInt(crm);
  MOPS_ASSIGN_OR_RETURN(
      store::Rows money,
      db.Query("SELECT COALESCE(SUM(CASE WHEN is_closed = 0 THEN amount END), 0), "
               "COALESCE(SUM(CASE WHEN is_won = 1 THEN amount END), 0) FROM opportunities"));
  o.open_pipeline = static_cast<double>(store::AsInt(money.rows[0][0])) / 100.0;
  o.won_revenue = static_cast<double>(store::AsInt(money.rows[0][1])) / 100.0;
  return o;
}

int64_t WeekOf(int64_t t) {
  return core::FloorDiv(t + 3 * core::kSecondsPerDay, 7 * core::kSecondsPerDay);
}

WeeklyChannels WeeklyFromCounts(std::span<const WeekCount> counts) {
  WeeklyChannels out;
  std::map<std::string, std::map<int64_t, int64_t>> by_channel;
  std::optional<int64_t> first, last;
  for (const WeekCount& c : counts) {
    if (c.touchpoints <= 0) continue;
    by_channel[c.channel.empty() ? "unclassified" : c.channel][c.week] += c.touchpoints;
    first = std::min(first.value_or(c.week), c.week);
    last = std::max(last.value_or(c.week), c.week);
  }
  if (!first) return out;
  const size_t weeks = static_cast<size_t>(*last - *first + 1);
  for (size_t w = 0; w < weeks; ++w) {
    const int64_t monday = (*first + static_cast<int64_t>(w)) * 7 - 3;  // days since 1970-01-01
    out.weeks.push_back(core::FormatDate(monday * core::kSecondsPerDay));
  }
  struct Series {
    std::string channel;
    int64_t total = 0;
    std::vector<int64_t> counts;
  };
  std::vector<Series> series;
  for (auto& [channel, per_week] : by_channel) {
    Series s{channel, 0, std::vector<int64_t>(weeks, 0)};
    for (const auto& [week, n] : per_week) {
      s.counts[static_cast<size_t>(week - *first)] = n;
      s.total += n;
    }
    series.push_back(std::move(s));
  }
  // Largest channels first, so the stacked chart reads bottom-up by volume.
  std::stable_sort(series.begin(), series.end(),
                   [](const Series& a, const Series& b) { return a.total > b.total; });
  for (Series& s : series) {
    out.channels.push_back(std::move(s.channel));
    out.counts.push_back(std::move(s.counts));
  }
  return out;
}

WeeklyChannels BucketByWeek(std::span<const int64_t> occurred_at, std::span<const int32_t> codes,
                            std::span<const std::string> dict) {
  std::map<std::pair<int64_t, int32_t>, int64_t> buckets;
  for (size_t i = 0; i < occurred_at.size(); ++i) ++buckets[{WeekOf(occurred_at[i]), codes[i]}];
  std::vector<WeekCount> counts;
  counts.reserve(buckets.size());
  for (const auto& [key, n] : buckets) {
    counts.push_back({key.first, key.second < 0 ? std::string() : dict[key.second], n});
  }
  return WeeklyFromCounts(counts);
}

core::Result<WeeklyChannels> LoadWeeklyChannels(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT week, channel, touchpoints FROM touchpoint_weeks WHERE touchpoints > 0"));
  std::vector<WeekCount> counts;
  counts.reserve(rows.rows.size());
  for (const auto& r : rows.rows) {
    counts.push_back({store::AsInt(r[0]), store::AsText(r[1]), store::AsInt(r[2])});
  }
  return WeeklyFromCounts(counts);
}

}  // namespace mops::records
