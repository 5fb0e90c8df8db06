// Loads the workspace into a Dataset: one columnar scan per table (the
// touchpoints split over parallel connections when large), ids mapped to rows
// through sorted id arrays.
#include <algorithm>
#include <mutex>
#include <thread>

#include "analytics/analytics.h"
#include "core/strings.h"

namespace mops::analytics {
namespace {

using store::ColumnType;
using store::Value;

constexpr int64_t kParallelRows = 400000;
// Connections for the touchpoint scan: more than the cores only adds the cost
// of merging their parts.
constexpr unsigned kMaxScanParts = 4;

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

// Campaign codes by campaign id.
struct CampaignCodes {
  std::vector<int64_t> ids;  // ascending
  std::vector<int32_t> codes;
  int32_t operator()(int64_t id) const {
    const int32_t row = index ? (*index)(id) : kNone;
    return row == kNone ? kNone : codes[static_cast<size_t>(row)];
  }
  std::unique_ptr<RowIndex> index;
};

core::Status LoadTouches(store::Database& db, Dataset& d, const CampaignCodes& campaign_code) {
  // The columns the reports read, and no more (the id is not one of them).
  const ColumnType types[] = {ColumnType::kInt,  ColumnType::kInt,  ColumnType::kInt,
                              ColumnType::kDict, ColumnType::kDict, ColumnType::kDict,
                              ColumnType::kInt,  ColumnType::kDict};
  constexpr std::string_view kSql =
      "SELECT contact_id, account_id, occurred_at, type, channel, source, campaign_id, "
      "event_name FROM touchpoints WHERE id >= ? AND id < ?";
  MOPS_ASSIGN_OR_RETURN(store::Rows range, db.Query("SELECT MIN(id), MAX(id) FROM touchpoints"));
  if (range.rows.empty() || store::IsNull(range.rows[0][0])) return {};
  const int64_t lo = store::AsInt(range.rows[0][0]);
  const int64_t hi = store::AsInt(range.rows[0][1]) + 1;
  std::vector<store::Column> cols;
  const unsigned parts = std::clamp(std::thread::hardware_concurrency(), 1u, kMaxScanParts);
  if (hi - lo > kParallelRows && parts > 1) {
    MOPS_ASSIGN_OR_RETURN(
        cols, store::ScanColumnsParallel(db, kSql, lo, hi, types, static_cast<int>(parts)));
  } else {
    const Value params[] = {lo, hi};
    MOPS_ASSIGN_OR_RETURN(cols, db.ScanColumns(kSql, params, types));
  }
  const auto type = Recode(d.types, cols[3], true);
  const auto channel = Recode(d.channels, cols[4]);
  const auto source = Recode(d.sources, cols[5]);
  const auto event = Recode(d.events, cols[7]);
  const size_t n = cols[0].size();
  // The touches of someone the reports can count, then each column gathered
  // once in (contact, time) order, the order Finish would sort them in.
  std::vector<int32_t> kept, contact, account;
  std::vector<Timestamp> at;
  for (auto* v : {&kept, &contact, &account}) v->reserve(n);
  at.reserve(n);
  const RowIndex contact_row(d.contact_id), account_row(d.account_id);
  for (size_t i = 0; i < n; ++i) {
    const int32_t c = cols[0].nulls[i] ? kNone : contact_row(cols[0].ints[i]);
    int32_t a = cols[1].nulls[i] ? kNone : account_row(cols[1].ints[i]);
    if (a == kNone && c != kNone) a = d.contact_account[static_cast<size_t>(c)];
    if (c == kNone && a == kNone) continue;
    kept.push_back(static_cast<int32_t>(i));
    contact.push_back(c);
    account.push_back(a);
    at.push_back(cols[2].ints[i]);
  }
  const std::vector<int32_t> order =
      Dataset::SortOrder(contact, at, static_cast<int32_t>(d.contact_count()));
  const size_t m = kept.size();
  for (auto* v : {&d.touch_contact, &d.touch_account, &d.touch_type, &d.touch_channel,
                  &d.touch_source, &d.touch_campaign, &d.touch_event}) {
    v->resize(m);
  }
  d.touch_at.resize(m);
  for (size_t j = 0; j < m; ++j) {
    const auto k = static_cast<size_t>(order[j]);
    const auto i = static_cast<size_t>(kept[k]);
    d.touch_contact[j] = contact[k];
    d.touch_account[j] = account[k];
    d.touch_at[j] = at[k];
    d.touch_type[j] = type[i];
    d.touch_channel[j] = channel[i];
    d.touch_source[j] = source[i];
    d.touch_campaign[j] = cols[6].nulls[i] ? kNone : campaign_code(cols[6].ints[i]);
    d.touch_event[j] = event[i];
  }
  return {};
}

}  // namespace

core::Result<Dataset> LoadDataset(store::Database& db) {
  Dataset d;
  {
    // The live rows are filtered here: a scan of the table in id order, where
    // "WHERE merged_into IS NULL" has SQLite look every row up through the
    // index on merged_into.
    const ColumnType types[] = {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt};
    MOPS_ASSIGN_OR_RETURN(
        auto cols,
        db.ScanColumns("SELECT id, employees, merged_into FROM accounts ORDER BY id", {}, types));
    const int32_t segment[] = {d.segments.Add("smb"), d.segments.Add("mid_market"),
                               d.segments.Add("enterprise"), d.segments.Add("unknown")};
    for (size_t i = 0; i < cols[0].size(); ++i) {
      if (!cols[2].nulls[i]) continue;
      d.account_id.push_back(cols[0].ints[i]);
      const std::string_view name =
          SegmentOf(cols[1].nulls[i] ? std::nullopt : std::optional<int64_t>(cols[1].ints[i]));
      d.account_segment.push_back(name == "smb"          ? segment[0]
                                  : name == "mid_market" ? segment[1]
                                  : name == "enterprise" ? segment[2]
                                                         : segment[3]);
    }
  }
  const int32_t unknown = d.segments.Add("unknown");
  {
    // No email: the drill-down looks up the labels of the records it shows.
    const ColumnType types[] = {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt,
                                ColumnType::kInt};
    MOPS_ASSIGN_OR_RETURN(auto cols, db.ScanColumns("SELECT id, account_id, created_at, "
                                                    "merged_into FROM contacts ORDER BY id",
                                                    {}, types));
    const size_t rows = cols[0].size();
    const RowIndex account_row(d.account_id);
    for (auto* v : {&d.contact_account, &d.contact_segment}) v->reserve(rows);
    d.contact_id.reserve(rows);
    d.contact_created.reserve(rows);
    for (size_t i = 0; i < rows; ++i) {
      if (!cols[3].nulls[i]) continue;  // merged
      const int32_t a = cols[1].nulls[i] ? kNone : account_row(cols[1].ints[i]);
      d.contact_id.push_back(cols[0].ints[i]);
      d.contact_created.push_back(cols[2].ints[i]);
      d.contact_account.push_back(a);
      d.contact_segment.push_back(a == kNone ? unknown : d.account_segment[static_cast<size_t>(a)]);
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
  CampaignCodes campaign_code;
  {
    const ColumnType types[] = {ColumnType::kInt, ColumnType::kText, ColumnType::kText};
    MOPS_ASSIGN_OR_RETURN(
        auto cols,
        db.ScanColumns("SELECT id, name, external_id FROM campaigns ORDER BY id", {}, types));
    campaign_code.ids = std::move(cols[0].ints);
    for (size_t i = 0; i < campaign_code.ids.size(); ++i) {
      const std::string& name = cols[1].texts[i].empty() ? cols[2].texts[i] : cols[1].texts[i];
      campaign_code.codes.push_back(d.campaigns.Add(name));
    }
    campaign_code.index = std::make_unique<RowIndex>(campaign_code.ids);
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
    const RowIndex account_row(d.account_id);
    for (size_t i = 0; i < n; ++i) {
      const int32_t a = cols[2].nulls[i] ? kNone : account_row(cols[2].ints[i]);
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
      int32_t campaign = cols[4].nulls[i] ? kNone : campaign_code(cols[4].ints[i]);
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
  // Credit per touch when the run kept it (runs of opportunities stored since
  // schema version 19), else per channel.
  MOPS_ASSIGN_OR_RETURN(store::Rows has,
                        db.Query("SELECT 1 FROM attribution_touch_credits WHERE run_id = ? AND "
                                 "model = ? LIMIT 1",
                                 params));
  out.per_touch = !has.empty();
  if (out.per_touch) {
    // The campaign's key is the dataset's: its name, else its external id.
    const ColumnType types[] = {ColumnType::kInt,  ColumnType::kInt,  ColumnType::kInt,
                                ColumnType::kDict, ColumnType::kDict, ColumnType::kDict,
                                ColumnType::kDict, ColumnType::kReal};
    MOPS_ASSIGN_OR_RETURN(
        auto cols,
        db.ScanColumns("SELECT t.conversion_id, t.touchpoint_id, t.occurred_at, t.channel, "
                       "t.source, c.name, c.external_id, t.value FROM attribution_touch_credits "
                       "t LEFT JOIN campaigns c ON c.id = t.campaign_id WHERE t.run_id = ? AND "
                       "t.model = ? ORDER BY t.id",
                       params, types));
    const size_t n = cols[0].size();
    out.channel = Recode(out.channels, cols[3]);
    out.source = Recode(out.sources, cols[4]);
    out.campaign = Recode(out.campaigns, cols[5]);
    const auto external = Recode(out.campaigns, cols[6]);
    out.opp.resize(n);
    const RowIndex opp_row(d.opp_id);
    for (size_t i = 0; i < n; ++i) {
      out.opp[i] = opp_row(cols[0].ints[i]);
      if (out.campaign[i] == kNone) out.campaign[i] = external[i];
    }
    out.touch_id = std::move(cols[1].ints);
    out.touch_at = std::move(cols[2].ints);
    out.value = std::move(cols[7].reals);
    return out;
  }
  const ColumnType types[] = {ColumnType::kInt, ColumnType::kDict, ColumnType::kReal};
  MOPS_ASSIGN_OR_RETURN(auto cols, db.ScanColumns("SELECT conversion_id, channel, value FROM "
                                                  "attribution_credits WHERE run_id = ? AND "
                                                  "model = ? ORDER BY id",
                                                  params, types));
  const RowIndex opp_row(d.opp_id);
  const auto channel = Recode(out.channels, cols[1]);
  const int32_t none = out.channels.Find("(none)"),
                unattributed = out.channels.Find("(unattributed)");
  for (size_t i = 0; i < cols[0].size(); ++i) {
    // A deal without touches: not a channel's; it stays unattributed.
    if (channel[i] == unattributed && unattributed != kNone) continue;
    out.opp.push_back(opp_row(cols[0].ints[i]));
    out.channel.push_back(channel[i] == none ? kNone : channel[i]);
    out.source.push_back(kNone);
    out.campaign.push_back(kNone);
    out.touch_id.push_back(0);
    out.touch_at.push_back(0);
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
