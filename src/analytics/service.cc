// Loads the workspace into a Dataset: one columnar scan per table (the
// touchpoints split over parallel connections when large), ids mapped to rows
// through sorted id arrays.
#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "analytics/analytics.h"
#include "core/strings.h"

namespace mops::analytics {
namespace {

using store::ColumnType;
using store::Value;

constexpr int64_t kParallelRows = 400000;

// Rows of ids: a direct table when the ids are dense enough (they are
// sequence values), else a binary search over the ascending ids.
class RowIndex {
 public:
  explicit RowIndex(const std::vector<int64_t>& ids) : ids_(ids) {
    if (ids.empty() || ids.front() < 0) return;
    const int64_t max = ids.back();
    if (max > static_cast<int64_t>(ids.size()) * 4 + 1000000) return;
    table_.assign(static_cast<size_t>(max) + 1, kNone);
    for (size_t i = 0; i < ids.size(); ++i)
      table_[static_cast<size_t>(ids[i])] = static_cast<int32_t>(i);
  }
  int32_t operator()(int64_t id) const {
    if (!table_.empty()) {
      return id >= 0 && id < static_cast<int64_t>(table_.size()) ? table_[static_cast<size_t>(id)]
                                                                 : kNone;
    }
    auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
    return it != ids_.end() && *it == id ? static_cast<int32_t>(it - ids_.begin()) : kNone;
  }

 private:
  const std::vector<int64_t>& ids_;
  std::vector<int32_t> table_;
};

// Row of `id` in ascending `ids`, kNone when absent.
int32_t RowOf(const std::vector<int64_t>& ids, int64_t id) {
  auto it = std::lower_bound(ids.begin(), ids.end(), id);
  return it != ids.end() && *it == id ? static_cast<int32_t>(it - ids.begin()) : kNone;
}

// Codes of a scanned dictionary column re-coded into `dict`.
std::vector<int32_t> Recode(Dict& dict, const store::Column& col, bool lower = false) {
  std::vector<int32_t> map(col.dict.size());
  for (size_t i = 0; i < col.dict.size(); ++i) {
    map[i] =
        col.dict[i].empty() ? kNone : dict.Add(lower ? core::ToLower(col.dict[i]) : col.dict[i]);
  }
  std::vector<int32_t> out(col.codes.size());
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = col.codes[i] < 0 ? kNone : map[static_cast<size_t>(col.codes[i])];
  }
  return out;
}

core::Status LoadTouches(store::Database& db, Dataset& d,
                         const std::unordered_map<int64_t, int32_t>& campaign_code) {
  const ColumnType types[] = {ColumnType::kInt,  ColumnType::kInt,  ColumnType::kInt,
                              ColumnType::kInt,  ColumnType::kDict, ColumnType::kDict,
                              ColumnType::kDict, ColumnType::kInt,  ColumnType::kDict};
  constexpr std::string_view kSql =
      "SELECT id, contact_id, account_id, occurred_at, type, channel, source, campaign_id, "
      "event_name FROM touchpoints WHERE id >= ? AND id < ?";
  MOPS_ASSIGN_OR_RETURN(store::Rows range, db.Query("SELECT MIN(id), MAX(id) FROM touchpoints"));
  if (range.rows.empty() || store::IsNull(range.rows[0][0])) return {};
  const int64_t lo = store::AsInt(range.rows[0][0]);
  const int64_t hi = store::AsInt(range.rows[0][1]) + 1;
  std::vector<store::Column> cols;
  if (hi - lo > kParallelRows) {
    MOPS_ASSIGN_OR_RETURN(cols, store::ScanColumnsParallel(db, kSql, lo, hi, types, 4));
  } else {
    const Value params[] = {lo, hi};
    MOPS_ASSIGN_OR_RETURN(cols, db.ScanColumns(kSql, params, types));
  }
  const auto type = Recode(d.types, cols[4], true);
  const auto channel = Recode(d.channels, cols[5]);
  const auto source = Recode(d.sources, cols[6]);
  const auto event = Recode(d.events, cols[8]);
  const size_t n = cols[0].size();
  for (auto* v : {&d.touch_contact, &d.touch_account, &d.touch_type, &d.touch_channel,
                  &d.touch_source, &d.touch_campaign, &d.touch_event}) {
    v->reserve(n);
  }
  const RowIndex contact_row(d.contact_id), account_row(d.account_id);
  for (size_t i = 0; i < n; ++i) {
    const int32_t contact = cols[1].nulls[i] ? kNone : contact_row(cols[1].ints[i]);
    int32_t account = cols[2].nulls[i] ? kNone : account_row(cols[2].ints[i]);
    if (account == kNone && contact != kNone)
      account = d.contact_account[static_cast<size_t>(contact)];
    if (contact == kNone && account == kNone) continue;  // nobody the reports can count
    int32_t campaign = kNone;
    if (!cols[7].nulls[i]) {
      auto it = campaign_code.find(cols[7].ints[i]);
      if (it != campaign_code.end()) campaign = it->second;
    }
    d.touch_id.push_back(cols[0].ints[i]);
    d.touch_contact.push_back(contact);
    d.touch_account.push_back(account);
    d.touch_at.push_back(cols[3].ints[i]);
    d.touch_type.push_back(type[i]);
    d.touch_channel.push_back(channel[i]);
    d.touch_source.push_back(source[i]);
    d.touch_campaign.push_back(campaign);
    d.touch_event.push_back(event[i]);
  }
  return {};
}

}  // namespace

core::Result<Dataset> LoadDataset(store::Database& db) {
  Dataset d;
  {
    const ColumnType types[] = {ColumnType::kInt, ColumnType::kInt};
    MOPS_ASSIGN_OR_RETURN(auto cols, db.ScanColumns("SELECT id, employees FROM accounts WHERE "
                                                    "merged_into IS NULL ORDER BY id",
                                                    {}, types));
    d.account_id = std::move(cols[0].ints);
    d.account_segment.resize(d.account_id.size());
    for (size_t i = 0; i < d.account_id.size(); ++i) {
      d.account_segment[i] = d.segments.Add(
          SegmentOf(cols[1].nulls[i] ? std::nullopt : std::optional<int64_t>(cols[1].ints[i])));
    }
  }
  const int32_t unknown = d.segments.Add("unknown");
  {
    const ColumnType types[] = {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt,
                                ColumnType::kText};
    MOPS_ASSIGN_OR_RETURN(auto cols,
                          db.ScanColumns("SELECT id, account_id, created_at, email FROM contacts "
                                         "WHERE merged_into IS NULL ORDER BY id",
                                         {}, types));
    d.contact_id = std::move(cols[0].ints);
    d.contact_created = std::move(cols[2].ints);
    d.contact_label = std::move(cols[3].texts);
    const size_t n = d.contact_id.size();
    d.contact_account.resize(n);
    d.contact_segment.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const int32_t a = cols[1].nulls[i] ? kNone : RowOf(d.account_id, cols[1].ints[i]);
      d.contact_account[i] = a;
      d.contact_segment[i] = a == kNone ? unknown : d.account_segment[static_cast<size_t>(a)];
      if (d.contact_label[i].empty())
        d.contact_label[i] = "contact " + std::to_string(d.contact_id[i]);
    }
  }
  {
    const ColumnType types[] = {ColumnType::kInt, ColumnType::kDict, ColumnType::kInt};
    MOPS_ASSIGN_OR_RETURN(auto cols,
                          db.ScanColumns("SELECT contact_id, stage, entered_at FROM "
                                         "lifecycle_history WHERE contact_id IS NOT NULL",
                                         {}, types));
    const auto stage = Recode(d.stages, cols[1], true);
    const RowIndex contact_row(d.contact_id);
    for (size_t i = 0; i < cols[0].size(); ++i) {
      const int32_t c = contact_row(cols[0].ints[i]);
      if (c == kNone || stage[i] == kNone) continue;
      d.stage_contact.push_back(c);
      d.stage_code.push_back(stage[i]);
      d.stage_at.push_back(cols[2].ints[i]);
    }
  }
  std::unordered_map<int64_t, int32_t> campaign_code;
  {
    const ColumnType types[] = {ColumnType::kInt, ColumnType::kText, ColumnType::kText};
    MOPS_ASSIGN_OR_RETURN(
        auto cols,
        db.ScanColumns("SELECT id, name, external_id FROM campaigns ORDER BY id", {}, types));
    for (size_t i = 0; i < cols[0].size(); ++i) {
      const std::string& name = cols[1].texts[i].empty() ? cols[2].texts[i] : cols[1].texts[i];
      campaign_code[cols[0].ints[i]] = d.campaigns.Add(name);
    }
  }
  MOPS_TRY(LoadTouches(db, d, campaign_code));
  {
    const ColumnType types[] = {ColumnType::kInt,  ColumnType::kText, ColumnType::kInt,
                                ColumnType::kDict, ColumnType::kInt,  ColumnType::kInt,
                                ColumnType::kInt,  ColumnType::kInt,  ColumnType::kInt};
    MOPS_ASSIGN_OR_RETURN(
        auto cols, db.ScanColumns("SELECT id, name, account_id, type, amount, created_at, "
                                  "close_date, is_closed, is_won FROM opportunities ORDER BY id",
                                  {}, types));
    d.opp_id = std::move(cols[0].ints);
    d.opp_name = std::move(cols[1].texts);
    d.opp_type = Recode(d.opp_types, cols[3]);
    d.opp_amount = std::move(cols[4].ints);
    d.opp_created = std::move(cols[5].ints);
    d.opp_close = std::move(cols[6].ints);
    const size_t n = d.opp_id.size();
    d.opp_account.resize(n);
    d.opp_segment.resize(n);
    d.opp_closed.resize(n);
    d.opp_won.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const int32_t a = cols[2].nulls[i] ? kNone : RowOf(d.account_id, cols[2].ints[i]);
      d.opp_account[i] = a;
      d.opp_segment[i] = a == kNone ? unknown : d.account_segment[static_cast<size_t>(a)];
      d.opp_closed[i] = cols[7].ints[i] != 0;
      d.opp_won[i] = cols[8].ints[i] != 0;
      if (cols[6].nulls[i]) d.opp_close[i] = d.opp_created[i];
      if (d.opp_name[i].empty()) d.opp_name[i] = "opportunity " + std::to_string(d.opp_id[i]);
    }
  }
  {
    const ColumnType types[] = {ColumnType::kInt, ColumnType::kDict, ColumnType::kInt};
    MOPS_ASSIGN_OR_RETURN(auto cols,
                          db.ScanColumns("SELECT opportunity_id, stage, entered_at FROM "
                                         "opportunity_history WHERE opportunity_id IS NOT NULL",
                                         {}, types));
    const auto stage = Recode(d.opp_stages, cols[1]);
    for (size_t i = 0; i < cols[0].size(); ++i) {
      const int32_t o = RowOf(d.opp_id, cols[0].ints[i]);
      if (o == kNone || stage[i] == kNone) continue;
      d.hist_opp.push_back(o);
      d.hist_stage.push_back(stage[i]);
      d.hist_at.push_back(cols[2].ints[i]);
    }
  }
  {
    const ColumnType types[] = {ColumnType::kInt,  ColumnType::kInt, ColumnType::kDict,
                                ColumnType::kDict, ColumnType::kInt, ColumnType::kText,
                                ColumnType::kInt,  ColumnType::kInt, ColumnType::kInt,
                                ColumnType::kReal};
    MOPS_ASSIGN_OR_RETURN(
        auto cols,
        db.ScanColumns("SELECT id, date, channel, source, campaign_id, campaign_name, amount, "
                       "impressions, clicks, conversions FROM spend ORDER BY id",
                       {}, types));
    d.spend_id = std::move(cols[0].ints);
    d.spend_date = std::move(cols[1].ints);
    d.spend_channel = Recode(d.channels, cols[2]);
    d.spend_source = Recode(d.sources, cols[3]);
    d.spend_amount = std::move(cols[6].ints);
    d.spend_impressions = std::move(cols[7].ints);
    d.spend_clicks = std::move(cols[8].ints);
    d.spend_conversions.resize(d.spend_id.size());
    d.spend_campaign.resize(d.spend_id.size());
    for (size_t i = 0; i < d.spend_id.size(); ++i) {
      d.spend_conversions[i] = static_cast<int64_t>(cols[9].reals[i]);
      int32_t campaign = kNone;
      if (!cols[4].nulls[i]) {
        auto it = campaign_code.find(cols[4].ints[i]);
        if (it != campaign_code.end()) campaign = it->second;
      }
      // An ad platform's campaign that matched no mops campaign keeps its name.
      if (campaign == kNone && !cols[5].texts[i].empty())
        campaign = d.campaigns.Add(cols[5].texts[i]);
      d.spend_campaign[i] = campaign;
    }
  }
  d.Finish();
  return d;
}

core::Result<Dataset::Credits> LoadCredits(store::Database& db, const Dataset& d, int64_t run_id,
                                           std::string_view model) {
  Dataset::Credits out;
  if (run_id == 0) {
    MOPS_ASSIGN_OR_RETURN(
        store::Rows rows,
        db.Query("SELECT id FROM attribution_runs ORDER BY CASE WHEN conversion = 'won' THEN 0 "
                 "ELSE 1 END, id DESC LIMIT 1"));
    if (rows.empty()) return out;  // no stored run: no attributed revenue
    run_id = store::AsInt(rows.rows[0][0]);
  }
  const Value id[] = {run_id};
  MOPS_ASSIGN_OR_RETURN(store::Rows run,
                        db.Query("SELECT conversion FROM attribution_runs WHERE id = ?", id));
  if (run.empty()) {
    return core::Fail(core::MakeError(core::ErrorCode::kNotFound,
                                      fmt::format("attribution run {} does not exist", run_id))
                          .InField("run"));
  }
  out.run_id = run_id;
  out.conversion = store::AsText(run.rows[0][0]);
  if (out.conversion != "won" && out.conversion != "created") {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                      fmt::format("attribution run {} credits {} conversions; "
                                                  "channel revenue needs a run of won or created "
                                                  "opportunities",
                                                  run_id, out.conversion))
                          .InField("run"));
  }
  MOPS_ASSIGN_OR_RETURN(
      store::Rows models,
      db.Query("SELECT DISTINCT model FROM attribution_credits WHERE run_id = ? ORDER BY model",
               id));
  std::vector<std::string> names;
  for (const auto& row : models.rows) names.push_back(store::AsText(row[0]));
  std::string chosen(model);
  if (chosen.empty()) {
    if (std::find(names.begin(), names.end(), "linear") != names.end()) {
      chosen = "linear";
    } else if (!names.empty()) {
      chosen = names[0];
    }
  }
  if (std::find(names.begin(), names.end(), chosen) == names.end()) {
    return core::Fail(core::MakeError(core::ErrorCode::kNotFound,
                                      fmt::format("attribution run {} has no credits for model "
                                                  "'{}' (it has: {})",
                                                  run_id, chosen, fmt::join(names, ", ")))
                          .InField("model"));
  }
  out.model = chosen;
  const Value params[] = {run_id, out.model};
  const ColumnType types[] = {ColumnType::kInt, ColumnType::kText, ColumnType::kReal};
  MOPS_ASSIGN_OR_RETURN(auto cols, db.ScanColumns("SELECT conversion_id, channel, value FROM "
                                                  "attribution_credits WHERE run_id = ? AND "
                                                  "model = ? ORDER BY id",
                                                  params, types));
  for (size_t i = 0; i < cols[0].size(); ++i) {
    out.opp.push_back(RowOf(d.opp_id, cols[0].ints[i]));
    out.channel.push_back(d.channels.Find(cols[1].texts[i]));
    out.value.push_back(cols[2].reals[i]);
  }
  return out;
}

core::Result<std::shared_ptr<const Dataset>> CachedDataset(store::Database& db) {
  static std::mutex mu;
  static std::string key;
  static std::string url;
  static std::shared_ptr<const Dataset> cached;
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT (SELECT MAX(id) FROM audit_log), (SELECT MAX(id) FROM contacts), "
               "(SELECT MAX(id) FROM lifecycle_history), (SELECT MAX(id) FROM touchpoints), "
               "(SELECT MAX(id) FROM opportunities), (SELECT MAX(id) FROM opportunity_history), "
               "(SELECT MAX(id) FROM spend), (SELECT MAX(id) FROM merges), "
               "(SELECT MAX(id) FROM attribution_runs)"));
  std::string now;
  for (const Value& v : rows.rows.at(0)) now += store::AsText(v) + ",";
  {
    std::lock_guard lock(mu);
    if (cached && key == now && url == db.display_name()) return cached;
  }
  MOPS_ASSIGN_OR_RETURN(Dataset d, LoadDataset(db));
  auto shared = std::make_shared<const Dataset>(std::move(d));
  std::lock_guard lock(mu);
  key = now;
  url = db.display_name();
  cached = shared;
  return shared;
}

core::Status SaveConfig(store::Database& db, std::string_view yaml, std::string_view actor) {
  MOPS_TRY(ParseTargets(yaml));
  const Value params[] = {std::string(yaml), core::NowUtc(), std::string(actor)};
  MOPS_TRY(
      db.Execute("INSERT INTO configs (name, body, updated_at, updated_by) VALUES "
                 "('analytics', ?, ?, ?) ON CONFLICT (name) DO UPDATE SET body = "
                 "excluded.body, updated_at = excluded.updated_at, updated_by = "
                 "excluded.updated_by",
                 params));
  return {};
}

core::Result<std::string> LoadConfigText(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(Value v,
                        db.QueryValue("SELECT body FROM configs WHERE name = 'analytics'"));
  return store::AsText(v);
}

}  // namespace mops::analytics
