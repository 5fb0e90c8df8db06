#include "records/records.h"

#include <algorithm>
#include <set>

#include "core/time.h"

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
  const int limit = std::clamp(query.limit, 1, 1000);
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
  return RowToJson(rows, rows.rows[0]);
}

core::Result<Overview> LoadOverview(store::Database& db) {
  Overview o;
  o.workspace = db.display_name();
  static const std::vector<std::pair<std::string, std::string>> kCounts = {
      {"accounts", "SELECT COUNT(*) FROM accounts WHERE merged_into IS NULL"},
      {"contacts", "SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL"},
      {"opportunities", "SELECT COUNT(*) FROM opportunities"},
      {"campaigns", "SELECT COUNT(*) FROM campaigns"},
      {"touchpoints", "SELECT COUNT(*) FROM touchpoints"},
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

WeeklyChannels BucketByWeek(std::span<const int64_t> occurred_at, std::span<const int32_t> codes,
                            std::span<const std::string> dict) {
  WeeklyChannels out;
  if (occurred_at.empty()) return out;
  // 1970-01-01 was a Thursday: shift by 3 days so weeks start on Monday.
  auto week_of = [](int64_t t) {
    const int64_t day = core::FloorDiv(t, core::kSecondsPerDay);
    return core::FloorDiv(day + 3, 7) * 7 - 3;  // the Monday on or before `day`
  };
  int64_t first = week_of(*std::min_element(occurred_at.begin(), occurred_at.end()));
  int64_t last = week_of(*std::max_element(occurred_at.begin(), occurred_at.end()));
  const size_t weeks = static_cast<size_t>((last - first) / 7 + 1);
  // codes index dict; -1 (NULL channel) goes to an "unclassified" series.
  std::vector<std::vector<int64_t>> by_code(dict.size() + 1, std::vector<int64_t>(weeks, 0));
  for (size_t i = 0; i < occurred_at.size(); ++i) {
    size_t w = static_cast<size_t>((week_of(occurred_at[i]) - first) / 7);
    size_t c = codes[i] < 0 ? dict.size() : static_cast<size_t>(codes[i]);
    ++by_code[c][w];
  }
  for (size_t w = 0; w < weeks; ++w) {
    out.weeks.push_back(
        core::FormatDate((first + static_cast<int64_t>(w) * 7) * core::kSecondsPerDay));
  }
  // Largest channels first, so the stacked chart reads bottom-up by volume.
  std::vector<size_t> order;
  for (size_t c = 0; c < by_code.size(); ++c) {
    int64_t total = 0;
    for (int64_t n : by_code[c]) total += n;
    if (total > 0) order.push_back(c);
  }
  auto total_of = [&](size_t c) {
    int64_t t = 0;
    for (int64_t n : by_code[c]) t += n;
    return t;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return total_of(a) > total_of(b); });
  for (size_t c : order) {
    out.channels.push_back(c < dict.size() ? dict[c] : "unclassified");
    out.counts.push_back(std::move(by_code[c]));
  }
  return out;
}

core::Result<WeeklyChannels> LoadWeeklyChannels(store::Database& db) {
  const store::ColumnType types[] = {store::ColumnType::kInt, store::ColumnType::kDict};
  MOPS_ASSIGN_OR_RETURN(auto cols,
                        db.ScanColumns("SELECT occurred_at, channel FROM touchpoints", {}, types));
  return BucketByWeek(cols[0].ints, cols[1].codes, cols[1].dict);
}

}  // namespace mops::records
