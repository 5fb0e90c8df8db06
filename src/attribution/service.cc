// Attribution on the workspace: one columnar load per table, the engines,
// then the run stored in one transaction.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "attribution/attribution.h"
#include "core/strings.h"
#include "core/time.h"

namespace mops::attribution {
namespace {

using store::ColumnType;
using store::Value;
using Json = nlohmann::json;

constexpr std::string_view kConfigName = "attribution";
constexpr core::Timestamp kNoTime = std::numeric_limits<core::Timestamp>::min();
// Below this many touchpoints one connection loads them faster than several.
constexpr int64_t kParallelLoadRows = 200'000;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Maps workspace ids to dense indexes. Ids are auto-increment, so a flat
// vector is both the fastest and a small map.
class IdIndex {
 public:
  void Build(const std::vector<int64_t>& ids) {
    int64_t max_id = 0;
    for (int64_t id : ids) max_id = std::max(max_id, id);
    slots_.assign(static_cast<size_t>(max_id) + 1, kNone);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] >= 0) slots_[static_cast<size_t>(ids[i])] = static_cast<int32_t>(i);
    }
  }
  int32_t operator()(int64_t id, bool is_null = false) const {
    if (is_null || id < 0 || static_cast<size_t>(id) >= slots_.size()) return kNone;
    return slots_[static_cast<size_t>(id)];
  }

 private:
  std::vector<int32_t> slots_;
};

bool IsAtLeastLead(std::string_view stage) {
  return stage == "lead" || stage == "mql" || stage == "sql" || stage == "opportunity" ||
         stage == "customer" || stage == "evangelist";
}
bool IsAtLeastMql(std::string_view stage) { return IsAtLeastLead(stage) && stage != "lead"; }

struct Contacts {
  std::vector<int64_t> id, account_id;
  std::vector<uint8_t> account_null;
  std::vector<core::Timestamp> lead_at, mql_at;  // kNoTime when never
  IdIndex index;
};

core::Result<Contacts> LoadContacts(store::Database& db) {
  const ColumnType types[] = {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt,
                              ColumnType::kDict};
  MOPS_ASSIGN_OR_RETURN(auto cols, db.ScanColumns("SELECT id, account_id, created_at, "
                                                  "lifecycle_stage FROM contacts WHERE "
                                                  "merged_into IS NULL ORDER BY id",
                                                  {}, types));
  Contacts c;
  c.id = std::move(cols[0].ints);
  c.account_id = std::move(cols[1].ints);
  c.account_null = std::move(cols[1].nulls);
  c.index.Build(c.id);
  const size_t n = c.id.size();
  c.lead_at.assign(n, kNoTime);
  c.mql_at.assign(n, kNoTime);

  // Lead and MQL times from the lifecycle history: the first stage at or past
  // them (a contact that jumped straight to SQL became an MQL then).
  const ColumnType ht[] = {ColumnType::kInt, ColumnType::kDict, ColumnType::kInt};
  MOPS_ASSIGN_OR_RETURN(auto hist, db.ScanColumns("SELECT contact_id, stage, entered_at FROM "
                                                  "lifecycle_history WHERE contact_id IS NOT NULL",
                                                  {}, ht));
  std::vector<uint8_t> lead_stage(hist[1].dict.size()), mql_stage(hist[1].dict.size());
  for (size_t s = 0; s < hist[1].dict.size(); ++s) {
    const std::string stage = core::ToLower(hist[1].dict[s]);
    lead_stage[s] = IsAtLeastLead(stage);
    mql_stage[s] = IsAtLeastMql(stage);
  }
  auto earliest = [](core::Timestamp& slot, core::Timestamp t) {
    if (slot == kNoTime || t < slot) slot = t;
  };
  for (size_t r = 0; r < hist[0].size(); ++r) {
    const int32_t i = c.index(hist[0].ints[r]);
    const int32_t code = hist[1].codes[r];
    if (i == kNone || code < 0) continue;
    if (lead_stage[code]) earliest(c.lead_at[i], hist[2].ints[r]);
    if (mql_stage[code]) earliest(c.mql_at[i], hist[2].ints[r]);
  }
  // Contacts without history: their creation, when their stage says they got
  // there.
  for (size_t i = 0; i < n; ++i) {
    const int32_t code = cols[3].codes[i];
    if (code < 0 || cols[2].nulls[i]) continue;
    const std::string stage = core::ToLower(cols[3].dict[code]);
    if (c.lead_at[i] == kNoTime && IsAtLeastLead(stage)) c.lead_at[i] = cols[2].ints[i];
    if (c.mql_at[i] == kNoTime && IsAtLeastMql(stage)) c.mql_at[i] = cols[2].ints[i];
  }
  return c;
}

std::vector<std::string> MoveDict(store::Column& col) { return std::move(col.dict); }

struct Loaded {
  Contacts contacts;
  IdIndex accounts;
  size_t account_count = 0;
  TouchTable touches;
  std::vector<int64_t> campaign_ids;  // campaign code -> campaigns.id
};

core::Result<Loaded> LoadTouches(store::Database& db, const RunRequest& request) {
  Loaded out;
  MOPS_ASSIGN_OR_RETURN(out.contacts, LoadContacts(db));
  {
    const ColumnType types[] = {ColumnType::kInt};
    MOPS_ASSIGN_OR_RETURN(
        auto cols,
        db.ScanColumns("SELECT id FROM accounts WHERE merged_into IS NULL ORDER BY id", {}, types));
    out.accounts.Build(cols[0].ints);
    out.account_count = cols[0].size();
  }
  // Campaign names by id, so the campaign dimension reads as names.
  IdIndex campaign_index;
  std::vector<std::string> campaign_names;
  {
    const ColumnType types[] = {ColumnType::kInt, ColumnType::kText};
    MOPS_ASSIGN_OR_RETURN(auto cols,
                          db.ScanColumns("SELECT id, name FROM campaigns ORDER BY id", {}, types));
    campaign_index.Build(cols[0].ints);
    out.campaign_ids = cols[0].ints;
    campaign_names = std::move(cols[1].texts);
  }
  const ColumnType types[] = {
      ColumnType::kInt,  ColumnType::kInt,  ColumnType::kInt,  ColumnType::kInt, ColumnType::kDict,
      ColumnType::kDict, ColumnType::kDict, ColumnType::kDict, ColumnType::kInt, ColumnType::kDict};
  // The largest load of all: split over connections in parallel threads when
  // the table is large enough to pay for them.
  MOPS_ASSIGN_OR_RETURN(store::Rows range, db.Query("SELECT MIN(id), MAX(id) FROM touchpoints"));
  const int64_t lo = store::AsInt(range.rows.at(0).at(0));
  const int64_t hi = store::AsInt(range.rows.at(0).at(1)) + 1;
  const int parts = hi - lo > kParallelLoadRows
                        ? static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u))
                        : 1;
  MOPS_ASSIGN_OR_RETURN(
      auto cols,
      store::ScanColumnsParallel(db,
                                 "SELECT id, contact_id, account_id, occurred_at, type, channel, "
                                 "source, medium, campaign_id, utm_content FROM touchpoints "
                                 "WHERE id >= ? AND id < ?",
                                 lo, hi, types, parts));
  TouchTable& t = out.touches;
  const size_t n = cols[0].size();
  t.id = std::move(cols[0].ints);
  t.at = std::move(cols[3].ints);
  t.channel = std::move(cols[5].codes);
  t.source = std::move(cols[6].codes);
  t.medium = std::move(cols[7].codes);
  t.content = std::move(cols[9].codes);
  t.channels = MoveDict(cols[5]);
  t.sources = MoveDict(cols[6]);
  t.mediums = MoveDict(cols[7]);
  t.contents = MoveDict(cols[9]);
  t.campaigns = campaign_names;
  t.campaign.resize(n);
  for (size_t i = 0; i < n; ++i) t.campaign[i] = campaign_index(cols[8].ints[i], cols[8].nulls[i]);
  for (size_t c = 0; c < t.channels.size(); ++c) {
    if (t.channels[c] == "direct") t.direct_channel = static_cast<int32_t>(c);
  }

  // Per type: does it take credit, is it sales'.
  const std::vector<std::string>& type_dict = cols[4].dict;
  std::vector<uint8_t> type_counts(type_dict.size(), 1), type_sales(type_dict.size(), 0);
  for (size_t k = 0; k < type_dict.size(); ++k) {
    for (const std::string& excluded : request.excluded_types) {
      if (core::IEquals(type_dict[k], excluded)) type_counts[k] = 0;
    }
    type_sales[k] = core::IEquals(type_dict[k], "sales_activity");
  }
  int32_t sales_channel = kNone;
  for (size_t c = 0; c < t.channels.size(); ++c) {
    if (t.channels[c] == "sales_outreach") sales_channel = static_cast<int32_t>(c);
  }
  t.counts.resize(n);
  t.marketing.resize(n);
  t.group.resize(n);
  const bool by_account =
      request.scope == JourneyScope::kAccount && IsOpportunityConversion(request.conversion);
  for (size_t i = 0; i < n; ++i) {
    const int32_t type = cols[4].codes[i];
    t.counts[i] = type < 0 ? 1 : type_counts[type];
    t.marketing[i] = (type < 0 || !type_sales[type]) && t.channel[i] != sales_channel;
    const int32_t contact = out.contacts.index(cols[1].ints[i], cols[1].nulls[i]);
    if (!by_account) {
      // Touches on an account alone (an opportunity's primary campaign) form
      // the account's group after the contacts', for the account fallback.
      t.group[i] = contact;
      if (contact == kNone && IsOpportunityConversion(request.conversion)) {
        const int32_t account = out.accounts(cols[2].ints[i], cols[2].nulls[i]);
        if (account != kNone) {
          t.group[i] = static_cast<int32_t>(out.contacts.id.size()) + account;
        }
      }
      continue;
    }
    int32_t account = out.accounts(cols[2].ints[i], cols[2].nulls[i]);
    if (account == kNone && contact != kNone && !out.contacts.account_null[contact]) {
      account = out.accounts(out.contacts.account_id[contact]);
    }
    t.group[i] = account;
  }
  return out;
}

bool InRange(core::Timestamp at, const RunRequest& r) {
  return (!r.from || at >= *r.from) && (!r.to || at < *r.to);
}

core::Result<std::vector<ConversionEvent>> LoadConversions(store::Database& db,
                                                           const RunRequest& request,
                                                           const Loaded& loaded) {
  std::vector<ConversionEvent> out;
  const Contacts& contacts = loaded.contacts;
  if (!IsOpportunityConversion(request.conversion)) {
    const bool mql = request.conversion == ConversionKind::kMql;
    for (size_t i = 0; i < contacts.id.size(); ++i) {
      const core::Timestamp at = mql ? contacts.mql_at[i] : contacts.lead_at[i];
      if (at == kNoTime || !InRange(at, request)) continue;
      ConversionEvent c;
      c.id = contacts.id[i];
      c.at = at;
      c.value = 0;
      if (contacts.lead_at[i] != kNoTime) c.lead_created_at = contacts.lead_at[i];
      c.groups = {static_cast<int32_t>(i)};
      out.push_back(std::move(c));
    }
    return out;
  }

  const ColumnType types[] = {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt,
                              ColumnType::kInt, ColumnType::kInt, ColumnType::kInt};
  MOPS_ASSIGN_OR_RETURN(auto opp, db.ScanColumns("SELECT id, account_id, created_at, close_date, "
                                                 "is_won, amount FROM opportunities ORDER BY id",
                                                 {}, types));
  IdIndex opp_index;
  opp_index.Build(opp[0].ints);
  const size_t n = opp[0].size();

  // Won at: when the opportunity entered a closed-won stage, else the end of
  // its close date (close dates have day precision).
  std::vector<core::Timestamp> won_at(n, kNoTime);
  {
    const ColumnType ht[] = {ColumnType::kInt, ColumnType::kInt};
    MOPS_ASSIGN_OR_RETURN(
        auto h, db.ScanColumns("SELECT opportunity_id, MIN(entered_at) FROM opportunity_history "
                               "WHERE lower(stage) IN ('closed won', 'closedwon', 'won') "
                               "GROUP BY opportunity_id",
                               {}, ht));
    for (size_t r = 0; r < h[0].size(); ++r) {
      const int32_t o = opp_index(h[0].ints[r]);
      if (o != kNone && !h[1].nulls[r]) won_at[o] = h[1].ints[r];
    }
  }
  // Contact roles, primary first.
  std::vector<std::vector<int32_t>> roles(n);
  std::vector<int32_t> primary(n, kNone);
  {
    const ColumnType rt[] = {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt};
    MOPS_ASSIGN_OR_RETURN(auto r, db.ScanColumns("SELECT opportunity_id, contact_id, is_primary "
                                                 "FROM opportunity_contacts WHERE contact_id IS "
                                                 "NOT NULL ORDER BY opportunity_id, contact_id",
                                                 {}, rt));
    for (size_t k = 0; k < r[0].size(); ++k) {
      const int32_t o = opp_index(r[0].ints[k]);
      const int32_t c = contacts.index(r[1].ints[k]);
      if (o == kNone || c == kNone) continue;
      roles[o].push_back(c);
      if (r[2].ints[k] != 0) primary[o] = c;
    }
  }
  // Contacts per account, for account journeys (and the account fallback of
  // role journeys) and their lead creation.
  const bool by_account = request.scope == JourneyScope::kAccount;
  std::vector<std::vector<int32_t>> account_contacts;
  {
    account_contacts.resize(loaded.account_count);
    for (size_t i = 0; i < contacts.id.size(); ++i) {
      if (contacts.account_null[i]) continue;
      const int32_t a = loaded.accounts(contacts.account_id[i]);
      if (a != kNone) account_contacts[a].push_back(static_cast<int32_t>(i));
    }
  }

  const bool won = request.conversion == ConversionKind::kWon;
  for (size_t o = 0; o < n; ++o) {
    if (opp[2].nulls[o]) continue;
    core::Timestamp at = opp[2].ints[o];
    if (won) {
      if (opp[4].ints[o] == 0) continue;
      if (won_at[o] == kNoTime && !opp[3].nulls[o])
        won_at[o] = opp[3].ints[o] + core::kSecondsPerDay - 1;
      if (won_at[o] == kNoTime) continue;
      at = won_at[o];
    }
    if (!InRange(at, request)) continue;
    ConversionEvent c;
    c.id = opp[0].ints[o];
    c.at = at;
    c.value = static_cast<double>(opp[5].ints[o]) / 100.0;
    c.opportunity_created_at = opp[2].ints[o];
    if (won) c.won_at = at;
    // Lead creation: the primary contact's, else the earliest of the people
    // on the journey.
    const std::vector<int32_t>* people = &roles[o];
    if (by_account) {
      const int32_t a = loaded.accounts(opp[1].ints[o], opp[1].nulls[o]);
      if (a != kNone) c.groups = {a};
      if (people->empty() && a != kNone) people = &account_contacts[a];
    } else {
      c.groups = roles[o];
      // Without a counted touch through its roles (or without roles), the
      // opportunity's journey is its account's: its contacts and the touches
      // on the account itself (groups after the contacts').
      const int32_t a = loaded.accounts(opp[1].ints[o], opp[1].nulls[o]);
      if (a != kNone) {
        c.fallback_groups = account_contacts[a];
        c.fallback_groups.push_back(static_cast<int32_t>(contacts.id.size()) + a);
        if (people->empty()) people = &account_contacts[a];
      }
    }
    core::Timestamp lead = kNoTime;
    if (primary[o] != kNone && contacts.lead_at[primary[o]] != kNoTime) {
      lead = contacts.lead_at[primary[o]];
    } else {
      for (int32_t p : *people) {
        const core::Timestamp t = contacts.lead_at[p];
        if (t != kNoTime && (lead == kNoTime || t < lead)) lead = t;
      }
    }
    if (lead != kNoTime) c.lead_created_at = lead;
    out.push_back(std::move(c));
  }
  return out;
}

std::string JoinModels(const std::vector<Model>& models) {
  std::string out;
  for (Model m : models) {
    if (!out.empty()) out += ",";
    out += ModelName(m);
  }
  return out;
}

Json ParamsJson(const RunRequest& r) {
  Json excluded = Json::array();
  for (const std::string& t : r.excluded_types) excluded.push_back(t);
  const ModelOptions& o = r.model_options;
  return Json{
      {"models", JoinModels(r.models)},
      {"conversion", std::string(ConversionName(r.conversion))},
      {"journey", r.scope == JourneyScope::kAccount ? "account" : "roles"},
      {"lookback_days", r.lookback_days},
      {"from", r.from ? Json(core::FormatTimestamp(*r.from)) : Json()},
      {"to", r.to ? Json(core::FormatTimestamp(*r.to)) : Json()},
      {"exclude_types", excluded},
      {"half_life_days", o.half_life_days},
      {"markov_order", o.markov_order},
      {"position_based",
       {{"first", o.position.first}, {"middle", o.position.middle}, {"last", o.position.last}}},
      {"custom",
       {{"first", o.custom.first},
        {"lead_creation", o.custom.lead_creation},
        {"opportunity_creation", o.custom.opportunity_creation},
        {"closed_won", o.custom.closed_won},
        {"rest", o.custom.rest}}}};
}

Json SummaryJson(const RunReport& report) {
  Json paths = Json::array();
  for (const PathCount& p : report.top_paths) {
    paths.push_back({{"path", p.path}, {"journeys", p.journeys}, {"value", p.value}});
  }
  Json summary = {{"top_paths", paths},
                  {"touchpoints", report.touchpoints},
                  {"journey_touches", report.journey_touches},
                  {"null_paths", report.null_paths},
                  {"unattributed_value", report.unattributed_value},
                  {"account_journeys",
                   {{"count", report.account_journeys}, {"value", report.account_journey_value}}}};
  if (report.sourced) {
    const SourcedInfluenced& s = *report.sourced;
    Json rows = Json::array();
    for (size_t c = 0; c < s.channels.size(); ++c) {
      if (s.sourced_count[c] == 0 && s.influenced_count[c] == 0) continue;
      rows.push_back({{"channel", s.channels[c]},
                      {"sourced_count", s.sourced_count[c]},
                      {"sourced_value", s.sourced_value[c]},
                      {"influenced_count", s.influenced_count[c]},
                      {"influenced_value", s.influenced_value[c]}});
    }
    summary["sourced_influenced"] = {
        {"channels", rows},
        {"marketing_sourced",
         {{"count", s.marketing_sourced}, {"value", s.marketing_sourced_value}}},
        {"marketing_influenced",
         {{"count", s.marketing_influenced}, {"value", s.marketing_influenced_value}}}};
  }
  return summary;
}

// The credit of every journey touch under each model of a run of
// opportunities, for attribution_touch_credits: what lets a report sum a
// run's credit by any property of the touch (source, campaign) and list the
// touches behind it.
struct TouchShares {
  const Loaded* loaded = nullptr;
  const Journeys* journeys = nullptr;
  std::span<const ConversionEvent> conversions;
  std::vector<std::pair<Model, std::vector<double>>> shares;  // aligned with journeys->touches
};

core::Status StoreTouchCredits(store::Database& db, int64_t run_id, const TouchShares& s) {
  if (s.loaded == nullptr || s.journeys == nullptr) return {};
  const TouchTable& t = s.loaded->touches;
  const Journeys& journeys = *s.journeys;
  MOPS_ASSIGN_OR_RETURN(
      auto insert,
      db.Prepare("INSERT INTO attribution_touch_credits (run_id, model, conversion_id, "
                 "touchpoint_id, occurred_at, channel, source, campaign_id, share, value) VALUES "
                 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  std::vector<Value> row(10);
  row[0] = run_id;
  for (const auto& [model, share] : s.shares) {
    row[1] = std::string(ModelName(model));
    for (size_t j = 0; j < journeys.size(); ++j) {
      row[2] = s.conversions[j].id;
      for (uint32_t p = journeys.offsets[j]; p < journeys.offsets[j + 1]; ++p) {
        if (share[p] == 0) continue;
        const uint32_t i = journeys.touches[p];
        row[3] = t.id[i];
        row[4] = t.at[i];
        row[5] = t.channel[i] >= 0 ? t.channels[static_cast<size_t>(t.channel[i])] : std::string();
        row[6] = t.source[i] >= 0 ? t.sources[static_cast<size_t>(t.source[i])] : std::string();
        row[7] = t.campaign[i] >= 0
                     ? Value(s.loaded->campaign_ids[static_cast<size_t>(t.campaign[i])])
                     : Value();
        row[8] = share[p];
        row[9] = share[p] * s.conversions[j].value;
        MOPS_TRY(insert->ExecuteQueued(row));
      }
    }
  }
  return {};
}

core::Status StoreRun(store::Database& db, RunReport& report, std::string_view actor,
                      const TouchShares& touch_shares) {
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  const RunRequest& r = report.request;
  const std::vector<Value> run = {
      report.created_at,
      std::string(actor),
      std::string(ConversionName(r.conversion)),
      std::string(r.scope == JourneyScope::kAccount ? "account" : "roles"),
      JoinModels(r.models),
      int64_t{r.lookback_days},
      r.from ? Value(*r.from) : Value(),
      r.to ? Value(*r.to) : Value(),
      ParamsJson(r).dump(),
      report.conversions,
      report.value,
      report.unattributed,
      SummaryJson(report).dump()};
  MOPS_ASSIGN_OR_RETURN(
      store::Rows ids,
      db.Query("INSERT INTO attribution_runs (created_at, actor, conversion, journey, models, "
               "lookback_days, from_at, to_at, params, conversions, value, unattributed, summary) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
               run));
  report.run_id = store::AsInt(ids.rows.at(0).at(0));

  MOPS_ASSIGN_OR_RETURN(auto result,
                        db.Prepare("INSERT INTO attribution_results (run_id, model, dimension, "
                                   "dim_key, conversions, value) VALUES (?, ?, ?, ?, ?, ?)"));
  for (const ModelTotals& m : report.models) {
    for (size_t d = 0; d < kDimensionCount; ++d) {
      const DimensionTotals& t = m.by[d];
      for (size_t k = 0; k < t.keys.size(); ++k) {
        if (t.conversions[k] == 0 && t.value[k] == 0) continue;
        const std::vector<Value> row = {report.run_id,
                                        std::string(ModelName(m.model)),
                                        std::string(DimensionName(static_cast<Dimension>(d))),
                                        t.keys[k],
                                        t.conversions[k],
                                        t.value[k]};
        MOPS_TRY(result->ExecuteQueued(row));
      }
    }
  }
  MOPS_ASSIGN_OR_RETURN(auto credit,
                        db.Prepare("INSERT INTO attribution_credits (run_id, model, "
                                   "conversion_id, channel, conversions, value) VALUES (?, ?, ?, "
                                   "?, ?, ?)"));
  for (const ConversionCredit& c : report.credits) {
    const std::vector<Value> row = {report.run_id,   std::string(ModelName(c.model)),
                                    c.conversion_id, c.channel,
                                    c.conversions,   c.value};
    MOPS_TRY(credit->ExecuteQueued(row));
  }
  MOPS_TRY(StoreTouchCredits(db, report.run_id, touch_shares));
  const std::vector<Value> audit = {report.created_at, std::string(actor),
                                    std::to_string(report.run_id), ParamsJson(r).dump()};
  MOPS_TRY(
      db.Execute("INSERT INTO audit_log (at, actor, action, entity, entity_id, after) "
                 "VALUES (?, ?, 'attribution.run', 'attribution_runs', ?, ?)",
                 audit));
  return tx.Commit();
}

// Per conversion and channel, the credit of one model (for drill-down).
void AddCredits(const TouchTable& touches, const Journeys& journeys, const ModelCredit& credit,
                std::span<const ConversionEvent> conversions, std::vector<ConversionCredit>& out) {
  std::vector<double> by_channel(touches.channels.size() + 1, 0.0);
  const size_t none = touches.channels.size();
  for (size_t j = 0; j < journeys.size(); ++j) {
    const uint32_t begin = journeys.offsets[j], end = journeys.offsets[j + 1];
    auto emit = [&](std::string channel, double share) {
      out.push_back({credit.model, conversions[j].id, std::move(channel), share,
                     share * conversions[j].value});
    };
    if (begin == end) {
      emit("(unattributed)", 1);
      continue;
    }
    for (uint32_t p = begin; p < end; ++p) {
      const int32_t c = touches.channel[journeys.touches[p]];
      by_channel[c >= 0 ? static_cast<size_t>(c) : none] += credit.share[p];
    }
    for (size_t c = 0; c < by_channel.size(); ++c) {
      if (by_channel[c] == 0) continue;
      emit(c < none ? touches.channels[c] : std::string("(none)"), by_channel[c]);
      by_channel[c] = 0;
    }
  }
}

core::Result<double> ReadWeight(const YAML::Node& node, std::string_view section,
                                std::string_view key) {
  const YAML::Node v = node[std::string(key)];
  if (!v) return 0.0;
  try {
    double w = v.as<double>();
    // Weights may be written as percentages (40) or fractions (0.4).
    return w;
  } catch (const YAML::Exception&) {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                      fmt::format("{}.{} must be a number", section, key))
                          .InField(std::string(section) + "." + std::string(key)));
  }
}

}  // namespace

core::Result<RunRequest> RequestFromConfig(std::string_view yaml) {
  RunRequest r;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "attribution config, line {}: {}",
                      e.mark.line + 1, e.msg);
  }
  if (!root || root.IsNull()) return r;
  if (!root.IsMap()) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "attribution config must be a mapping");
  }
  static const std::unordered_set<std::string> kKeys = {
      "lookback_days",  "half_life_days", "journey",     "exclude_types",
      "position_based", "custom",         "markov_order"};
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (!kKeys.contains(key)) {
      return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                        fmt::format("attribution config, line {}: unknown key '{}'",
                                                    kv.first.Mark().line + 1, key))
                            .InField(key));
    }
  }
  auto number = [&](const char* key, auto& slot) -> core::Status {
    if (!root[key]) return {};
    try {
      slot = root[key].as<std::remove_reference_t<decltype(slot)>>();
    } catch (const YAML::Exception&) {
      return core::Fail(
          core::MakeError(core::ErrorCode::kInvalidArgument,
                          fmt::format("attribution config, line {}: {} must be a number",
                                      root[key].Mark().line + 1, key))
              .InField(key));
    }
    return {};
  };
  MOPS_TRY(number("lookback_days", r.lookback_days));
  MOPS_TRY(number("half_life_days", r.model_options.half_life_days));
  MOPS_TRY(number("markov_order", r.model_options.markov_order));
  if (r.lookback_days < 0) {
    return core::Fail(
        core::MakeError(core::ErrorCode::kInvalidArgument, "lookback_days must not be negative")
            .InField("lookback_days"));
  }
  if (root["journey"]) {
    const std::string j = root["journey"].as<std::string>();
    if (j != "roles" && j != "account") {
      return core::Fail(
          core::MakeError(core::ErrorCode::kInvalidArgument,
                          fmt::format("journey must be roles or account, not '{}'", j))
              .InField("journey"));
    }
    r.scope = j == "account" ? JourneyScope::kAccount : JourneyScope::kRoles;
  }
  if (root["exclude_types"]) {
    if (!root["exclude_types"].IsSequence()) {
      return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                        "exclude_types must be a list of touchpoint types")
                            .InField("exclude_types"));
    }
    r.excluded_types.clear();
    for (const auto& t : root["exclude_types"]) r.excluded_types.push_back(t.as<std::string>());
  }
  // Weights in percent (40) or as fractions (0.4): a set summing to ~100 is
  // read as percent.
  auto weights = [](std::initializer_list<double*> slots) {
    double sum = 0;
    for (double* s : slots) sum += *s;
    if (sum > 1.5) {
      for (double* s : slots) *s /= 100.0;
    }
  };
  if (const YAML::Node u = root["position_based"]) {
    PositionWeights& p = r.model_options.position;
    MOPS_ASSIGN_OR_RETURN(p.first, ReadWeight(u, "position_based", "first"));
    MOPS_ASSIGN_OR_RETURN(p.middle, ReadWeight(u, "position_based", "middle"));
    MOPS_ASSIGN_OR_RETURN(p.last, ReadWeight(u, "position_based", "last"));
    weights({&p.first, &p.middle, &p.last});
  }
  if (const YAML::Node c = root["custom"]) {
    MilestoneWeights& w = r.model_options.custom;
    MOPS_ASSIGN_OR_RETURN(w.first, ReadWeight(c, "custom", "first"));
    MOPS_ASSIGN_OR_RETURN(w.lead_creation, ReadWeight(c, "custom", "lead_creation"));
    MOPS_ASSIGN_OR_RETURN(w.opportunity_creation, ReadWeight(c, "custom", "opportunity_creation"));
    MOPS_ASSIGN_OR_RETURN(w.closed_won, ReadWeight(c, "custom", "closed_won"));
    MOPS_ASSIGN_OR_RETURN(w.rest, ReadWeight(c, "custom", "rest"));
    weights({&w.first, &w.lead_creation, &w.opportunity_creation, &w.closed_won, &w.rest});
  }
  if (auto valid = ValidateOptions(r.model_options); !valid) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "attribution config: {}",
                      valid.error().message);
  }
  return r;
}

core::Result<std::string> LoadConfigText(store::Database& db) {
  const std::vector<Value> params = {std::string(kConfigName)};
  MOPS_ASSIGN_OR_RETURN(Value body,
                        db.QueryValue("SELECT body FROM configs WHERE name = ?", params));
  return store::AsText(body);
}

core::Result<RunRequest> DefaultRequest(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(std::string text, LoadConfigText(db));
  return RequestFromConfig(text);
}

core::Status SaveConfig(store::Database& db, std::string_view yaml, std::string_view actor) {
  MOPS_TRY(RequestFromConfig(yaml));  // validate before storing
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(std::string before, LoadConfigText(db));
  const core::Timestamp now = core::NowUtc();
  const std::vector<Value> row = {std::string(kConfigName), std::string(yaml), now,
                                  std::string(actor)};
  MOPS_TRY(
      db.Execute("INSERT INTO configs (name, body, updated_at, updated_by) VALUES (?, ?, ?, "
                 "?) ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = "
                 "excluded.updated_at, updated_by = excluded.updated_by",
                 row));
  const std::vector<Value> audit = {now, std::string(actor), before, std::string(yaml)};
  MOPS_TRY(
      db.Execute("INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) "
                 "VALUES (?, ?, 'config.set', 'configs', 'attribution', ?, ?)",
                 audit));
  return tx.Commit();
}

core::Result<RunReport> Run(store::Database& db, const RunRequest& request,
                            std::string_view actor) {
  MOPS_TRY(ValidateOptions(request.model_options));
  if (request.lookback_days < 0) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "lookback days must not be negative");
  }
  RunReport report;
  report.request = request;
  if (report.request.models.empty()) {
    report.request.models.assign(AllModels().begin(), AllModels().end());
  }
  report.created_at = core::NowUtc();

  auto start = std::chrono::steady_clock::now();
  MOPS_ASSIGN_OR_RETURN(Loaded loaded, LoadTouches(db, report.request));
  MOPS_ASSIGN_OR_RETURN(std::vector<ConversionEvent> conversions,
                        LoadConversions(db, report.request, loaded));
  report.load_seconds = Seconds(start);

  start = std::chrono::steady_clock::now();
  const TouchTable& touches = loaded.touches;
  const bool by_account = report.request.scope == JourneyScope::kAccount &&
                          IsOpportunityConversion(report.request.conversion);
  const size_t groups =
      by_account
          ? loaded.account_count
          : loaded.contacts.id.size() +
                (IsOpportunityConversion(report.request.conversion) ? loaded.account_count : 0);
  const TouchIndex index = IndexTouches(touches, groups);
  JourneyOptions jopts;
  jopts.lookback_days = report.request.lookback_days;
  const Journeys journeys = BuildJourneys(touches, index, conversions, jopts);
  // A journey that came through its account converted the account's people:
  // they are no null paths.
  for (size_t j = 0; j < journeys.size(); ++j) {
    if (journeys.via_fallback[j] != 0) {
      std::swap(conversions[j].groups, conversions[j].fallback_groups);
    }
  }
  Journeys nulls;
  const bool data_driven = std::ranges::any_of(
      report.request.models, [](Model m) { return m == Model::kMarkov || m == Model::kShapley; });
  if (data_driven) {
    core::Timestamp from = std::numeric_limits<core::Timestamp>::min();
    core::Timestamp to = std::numeric_limits<core::Timestamp>::max();
    if (report.request.from) from = *report.request.from;
    if (report.request.to) to = *report.request.to - 1;
    nulls = BuildNullJourneys(touches, index, conversions, jopts, from, to);
  }

  report.touchpoints = static_cast<int64_t>(touches.size());
  report.journey_touches = static_cast<int64_t>(journeys.touches.size());
  report.null_paths = static_cast<int64_t>(nulls.size());
  report.conversions = static_cast<int64_t>(conversions.size());
  for (size_t j = 0; j < journeys.size(); ++j) {
    report.value += conversions[j].value;
    if (journeys.offsets[j] == journeys.offsets[j + 1]) {
      ++report.unattributed;
      report.unattributed_value += conversions[j].value;
    } else if (journeys.via_fallback[j] != 0) {
      ++report.account_journeys;
      report.account_journey_value += conversions[j].value;
    }
  }
  TouchShares touch_shares;
  const bool keep_shares =
      report.request.store && IsOpportunityConversion(report.request.conversion);
  if (keep_shares) {
    touch_shares.loaded = &loaded;
    touch_shares.journeys = &journeys;
    touch_shares.conversions = conversions;
  }
  for (Model model : report.request.models) {
    MOPS_ASSIGN_OR_RETURN(ModelCredit credit, Attribute(model, touches, journeys, nulls,
                                                        conversions, report.request.model_options));
    ModelTotals totals;
    totals.model = model;
    for (size_t d = 0; d < kDimensionCount; ++d) {
      totals.by[d] = Summarize(static_cast<Dimension>(d), touches, journeys, credit, conversions);
    }
    report.models.push_back(std::move(totals));
    AddCredits(touches, journeys, credit, conversions, report.credits);
    if (report.request.detail) {
      for (size_t j = 0; j < journeys.size(); ++j) {
        for (uint32_t p = journeys.offsets[j]; p < journeys.offsets[j + 1]; ++p) {
          const uint32_t t = journeys.touches[p];
          DetailRow row;
          row.conversion_id = conversions[j].id;
          row.touchpoint_id = touches.id[t];
          row.occurred_at = touches.at[t];
          row.channel = touches.channel[t] >= 0 ? touches.channels[touches.channel[t]] : "";
          row.campaign = touches.campaign[t] >= 0 ? touches.campaigns[touches.campaign[t]] : "";
          row.model = model;
          row.share = credit.share[p];
          row.value = credit.share[p] * conversions[j].value;
          report.detail.push_back(std::move(row));
        }
      }
    }
    if (keep_shares) touch_shares.shares.emplace_back(model, std::move(credit.share));
  }
  report.top_paths = TopPaths(touches, journeys, conversions, 20);
  if (IsOpportunityConversion(report.request.conversion)) {
    report.sourced = SourcedAndInfluenced(touches, journeys, conversions);
  }
  report.compute_seconds = Seconds(start);

  if (report.request.store) {
    start = std::chrono::steady_clock::now();
    MOPS_TRY(StoreRun(db, report, actor, touch_shares));
    report.store_seconds = Seconds(start);
  }
  return report;
}

namespace {

RunInfo InfoFromRow(const store::Rows& rows, size_t r) {
  const auto& row = rows.rows[r];
  RunInfo info;
  info.id = store::AsInt(row[0]);
  info.created_at = store::AsInt(row[1]);
  info.actor = store::AsText(row[2]);
  info.conversion = store::AsText(row[3]);
  info.journey = store::AsText(row[4]);
  info.models = store::AsText(row[5]);
  info.lookback_days = static_cast<int>(store::AsInt(row[6]));
  if (!std::holds_alternative<std::monostate>(row[7])) info.from = store::AsInt(row[7]);
  if (!std::holds_alternative<std::monostate>(row[8])) info.to = store::AsInt(row[8]);
  info.conversions = static_cast<int64_t>(store::AsDouble(row[9]));
  info.value = store::AsDouble(row[10]);
  info.unattributed = static_cast<int64_t>(store::AsDouble(row[11]));
  return info;
}

constexpr std::string_view kRunColumns =
    "id, created_at, actor, conversion, journey, models, lookback_days, from_at, to_at, "
    "conversions, value, unattributed";

}  // namespace

core::Result<std::vector<RunInfo>> ListRuns(store::Database& db, int limit) {
  const std::vector<Value> params = {int64_t{std::clamp(limit, 1, 1000)}};
  MOPS_ASSIGN_OR_RETURN(store::Rows rows,
                        db.Query("SELECT " + std::string(kRunColumns) +
                                     " FROM attribution_runs ORDER BY id DESC LIMIT ?",
                                 params));
  std::vector<RunInfo> out;
  for (size_t r = 0; r < rows.size(); ++r) out.push_back(InfoFromRow(rows, r));
  return out;
}

core::Result<StoredRun> LoadRun(store::Database& db, int64_t run_id) {
  const std::vector<Value> id = {run_id};
  MOPS_ASSIGN_OR_RETURN(store::Rows rows,
                        db.Query("SELECT " + std::string(kRunColumns) +
                                     ", params, summary FROM attribution_runs WHERE id = ?",
                                 id));
  if (rows.empty()) {
    return core::Fail(core::ErrorCode::kNotFound, "no attribution run {}", run_id);
  }
  StoredRun run;
  run.info = InfoFromRow(rows, 0);
  run.params_json = store::AsText(rows.rows[0][12]);
  run.summary_json = store::AsText(rows.rows[0][13]);
  MOPS_ASSIGN_OR_RETURN(store::Rows results,
                        db.Query("SELECT model, dimension, dim_key, conversions, value FROM "
                                 "attribution_results WHERE run_id = ? ORDER BY id",
                                 id));
  for (const auto& row : results.rows) {
    run.results.push_back({store::AsText(row[0]), store::AsText(row[1]), store::AsText(row[2]),
                           store::AsDouble(row[3]), store::AsDouble(row[4])});
  }
  return run;
}

core::Result<std::vector<CreditedConversion>> RunCredits(store::Database& db, int64_t run_id,
                                                         std::string_view model,
                                                         std::string_view channel, int limit) {
  const std::vector<Value> id = {run_id};
  MOPS_ASSIGN_OR_RETURN(Value conversion,
                        db.QueryValue("SELECT conversion FROM attribution_runs WHERE id = ?", id));
  if (std::holds_alternative<std::monostate>(conversion)) {
    return core::Fail(core::ErrorCode::kNotFound, "no attribution run {}", run_id);
  }
  MOPS_TRY(ParseModel(model));
  const std::string kind = store::AsText(conversion);
  const bool opportunities = kind == "created" || kind == "won";
  const std::string sql =
      opportunities
          ? "SELECT c.conversion_id, o.name, o.amount, c.conversions, c.value FROM "
            "attribution_credits c LEFT JOIN opportunities o ON o.id = c.conversion_id WHERE "
            "c.run_id = ? AND c.model = ? AND c.channel = ? ORDER BY c.value DESC, "
            "c.conversions DESC, c.conversion_id LIMIT ?"
          : "SELECT c.conversion_id, p.email, 0, c.conversions, c.value FROM "
            "attribution_credits c LEFT JOIN contacts p ON p.id = c.conversion_id WHERE "
            "c.run_id = ? AND c.model = ? AND c.channel = ? ORDER BY c.conversions DESC, "
            "c.conversion_id LIMIT ?";
  const std::vector<Value> params = {run_id, std::string(model), std::string(channel),
                                     int64_t{std::clamp(limit, 1, 10000)}};
  MOPS_ASSIGN_OR_RETURN(store::Rows rows, db.Query(sql, params));
  std::vector<CreditedConversion> out;
  for (const auto& row : rows.rows) {
    out.push_back({store::AsInt(row[0]), store::AsText(row[1]),
                   static_cast<double>(store::AsInt(row[2])) / 100.0, store::AsDouble(row[3]),
                   store::AsDouble(row[4])});
  }
  return out;
}

}  // namespace mops::attribution
