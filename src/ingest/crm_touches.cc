// Touches and lifecycle stages derived from CRM objects: see crm_touches.h
// and README.md ("CRM touches").
#include "ingest/crm_touches.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include "core/strings.h"
#include "core/taxonomy.h"
#include "core/time.h"
#include "core/yaml_line.h"
#include "ingest/internal.h"
#include "ingest/resolve.h"
#include "store/deferred_indexes.h"

namespace mops::ingest::internal {
namespace {

using core::ErrorCode;
using store::Value;

constexpr std::string_view kConfigName = "crm";

// Keys compare like channel tokens: lower case, blanks, '-', '/' and '_' as
// one '_'-less form ("Open - Not Contacted" == "open not contacted").
std::string KeyToken(std::string_view s) {
  std::string out;
  for (char c : core::Trim(s)) {
    c = core::AsciiToLower(c);
    if (c == ' ' || c == '-' || c == '_' || c == '/' || c == '.') continue;
    out.push_back(c);
  }
  return out;
}

// Salesforce's standard lead statuses and the usual custom ones.
constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kDefaultLeadStatus = {{
    {"Open - Not Contacted", "lead"},
    {"Working - Contacted", "mql"},
    {"Closed - Converted", "sql"},
    {"Closed - Not Converted", "disqualified"},
    {"Open", "lead"},
    {"New", "lead"},
    {"Not Contacted", "lead"},
    {"Contacted", "lead"},
    {"Working", "mql"},
    {"Attempting Contact", "mql"},
    {"Engaged", "mql"},
    {"Nurturing", "recycled"},
    {"Nurture", "recycled"},
    {"Recycled", "recycled"},
    {"MQL", "mql"},
    {"Marketing Qualified", "mql"},
    {"SAL", "sql"},
    {"SQL", "sql"},
    {"Sales Qualified", "sql"},
    {"Qualified", "sql"},
    {"Converted", "sql"},
    {"Unqualified", "disqualified"},
    {"Disqualified", "disqualified"},
    {"Closed - Disqualified", "disqualified"},
}};

bool IsStage(std::string_view s) {
  return std::find(core::kLifecycleStages.begin(), core::kLifecycleStages.end(), s) !=
         core::kLifecycleStages.end();
}
bool IsChannel(std::string_view s) {
  return std::find(core::kChannels.begin(), core::kChannels.end(), s) != core::kChannels.end();
}

using core::MarkLine;

std::unexpected<core::Error> ConfigError(std::string_view name, int64_t line, std::string message) {
  core::Error e = core::MakeError(ErrorCode::kInvalidArgument, std::move(message));
  return core::Fail(std::move(e).At(std::string(name), line));
}

// A scalar value that must be one of `allowed` (stages or channels).
core::Result<std::string> Named(const YAML::Node& value, std::string_view name, int64_t line,
                                std::string_view key, bool stage) {
  if (!value.IsScalar()) {
    return ConfigError(
        name, line,
        fmt::format("'{}' must be a {} name", key, stage ? "lifecycle stage" : "channel"));
  }
  const std::string v = core::ToLower(core::Trim(value.as<std::string>()));
  if (stage ? !IsStage(v) : !IsChannel(v)) {
    return ConfigError(
        name, line,
        fmt::format("'{}': unknown {} '{}' (expected one of: {})", key,
                    stage ? "lifecycle stage" : "channel", v,
                    stage ? core::Join(std::vector<std::string_view>(core::kLifecycleStages.begin(),
                                                                     core::kLifecycleStages.end()),
                                       ", ")
                          : core::Join(std::vector<std::string_view>(core::kChannels.begin(),
                                                                     core::kChannels.end()),
                                       ", ")));
  }
  return v;
}

core::Status ReadMap(const YAML::Node& node, std::string_view name, int64_t line,
                     std::string_view key, bool stage, std::map<std::string, std::string>& out) {
  if (!node.IsMap()) {
    return ConfigError(name, line,
                       fmt::format("'{}' must map values to {} names", key,
                                   stage ? "lifecycle stage" : "channel"));
  }
  for (const auto& entry : node) {
    const int64_t entry_line = MarkLine(entry.first);
    if (!entry.first.IsScalar()) return ConfigError(name, entry_line, "a key must be text");
    const std::string label = entry.first.as<std::string>();
    MOPS_ASSIGN_OR_RETURN(std::string v, Named(entry.second, name, entry_line,
                                               std::string(key) + "." + label, stage));
    out[KeyToken(label)] = std::move(v);
  }
  return {};
}

int64_t Count(store::Database& db, std::string_view sql, std::vector<Value> params) {
  auto v = db.QueryValue(sql, params);
  return v ? store::AsInt(*v) : 0;
}

// Derived touch types, in report order.
constexpr std::array<std::string_view, 5> kTouchTypes = {
    "campaign_member", "opportunity_campaign", "created", "latest_source", "recent_conversion"};

core::Result<std::map<std::string, int64_t>> CountTouches(store::Database& db,
                                                          const std::string& source) {
  std::map<std::string, int64_t> out;
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT type, COUNT(*) FROM touchpoints WHERE source_system = ? AND type IN "
               "('campaign_member', 'opportunity_campaign', 'created', 'latest_source', "
               "'recent_conversion') GROUP BY type",
               std::vector<Value>{source}));
  for (const auto& r : rows.rows) out[store::AsText(r[0])] = store::AsInt(r[1]);
  return out;
}

// The upsert tail every derived touch shares: a re-derivation updates the
// touch in place (its identity is the source and the derived key), and
// writes nothing when nothing changed, so re-importing a file costs reads.
std::string Upsert(const store::Database& db) {
  static constexpr std::string_view kColumns[] = {"contact_id",  "account_id", "occurred_at",
                                                  "type",        "channel",    "source",
                                                  "campaign_id", "event_name"};
  const std::string_view distinct =
      db.dialect() == store::Dialect::kSqlite ? " IS NOT " : " IS DISTINCT FROM ";
  std::string set, changed;
  for (std::string_view c : kColumns) {
    if (!set.empty()) set += ", ";
    set += fmt::format("{0} = excluded.{0}", c);
    if (!changed.empty()) changed += " OR ";
    changed += fmt::format("touchpoints.{0}{1}excluded.{0}", c, distinct);
  }
  return fmt::format(" ON CONFLICT (source_system, external_id) DO UPDATE SET {} WHERE {}", set,
                     changed);
}

// The INSERT ... SELECT head every derived touch shares; the SELECT's list
// follows. On SQLite the rows are marked weeks_counted, so that the per-row
// insert trigger skips them and AddWeeks counts them with one aggregated
// upsert (a million created touches would otherwise run a million trigger
// upserts); on PostgreSQL the statement-level trigger counts them.
std::string Insert(const store::Database& db) {
  return fmt::format(
      "INSERT INTO touchpoints (weeks_counted, source_system, external_id, contact_id, "
      "account_id, occurred_at, type, channel, source, campaign_id, event_name) SELECT {}, ",
      db.dialect() == store::Dialect::kSqlite ? "1" : "NULL");
}

// The Monday week of a time, as touchpoint_weeks numbers them (the SQL of
// the schema's triggers: weeks from Monday 1969-12-29, rounded down).
int64_t WeekOf(int64_t t) {
  return t >= -259200 ? (t + 259200) / 604800 : -((-259200 - t + 604799) / 604800);
}

// SQLite: the touches inserted since `last_id` (the largest id before the
// derivation: new rows get larger ones) into touchpoint_weeks. One columnar
// scan of the new rows counted here (a GROUP BY of a million rows sorts
// them all: 1.6 s where the scan takes 0.2), then one upsert per (week,
// channel).
core::Status AddWeeks(store::Database& db, int64_t last_id) {
  if (db.dialect() != store::Dialect::kSqlite) return {};
  static constexpr store::ColumnType kTypes[] = {store::ColumnType::kInt, store::ColumnType::kDict};
  MOPS_ASSIGN_OR_RETURN(
      std::vector<store::Column> cols,
      db.ScanColumns("SELECT occurred_at, channel FROM touchpoints WHERE id > ? AND "
                     "weeks_counted = 1",
                     std::vector<Value>{last_id}, kTypes));
  const store::Column& at = cols[0];
  const store::Column& channel = cols[1];
  // (week, channel code) -> touches; code -1 (NULL) counts as '', like COALESCE.
  std::map<std::pair<int64_t, std::string_view>, int64_t> counts;
  std::pair<int64_t, int32_t> last_key{0, -2};
  int64_t* last_count = nullptr;
  for (size_t i = 0; i < at.size(); ++i) {
    const std::pair<int64_t, int32_t> key{WeekOf(at.ints[i]), channel.codes[i]};
    if (key != last_key || last_count == nullptr) {
      const std::string_view name =
          key.second < 0 ? std::string_view() : std::string_view(channel.dict[key.second]);
      last_count = &counts[{key.first, name}];
      last_key = key;
    }
    ++*last_count;
  }
  if (counts.empty()) return {};
  MOPS_ASSIGN_OR_RETURN(
      auto upsert,
      db.Prepare("INSERT INTO touchpoint_weeks (week, channel, touchpoints) VALUES (?, ?, ?) ON "
                 "CONFLICT (week, channel) DO UPDATE SET touchpoints = "
                 "touchpoint_weeks.touchpoints + excluded.touchpoints"));
  std::vector<Value> params(3);
  for (const auto& [key, n] : counts) {
    params[0] = key.first;
    params[1] = std::string(key.second);
    params[2] = n;
    MOPS_TRY(upsert->Execute(params));
  }
  return {};
}

// Campaigns of the source get the channel of their type (overrides first);
// a type no rule knows goes to `other` and is reported.
core::Status CampaignChannels(store::Database& db, const std::string& source,
                              const CrmConfig& config, CrmReport& report) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT type, channel, COUNT(*) FROM campaigns WHERE source_system = ? GROUP BY "
               "type, channel ORDER BY type, channel",
               std::vector<Value>{source}));
  std::map<std::string, int64_t> unknown;
  for (const auto& r : rows.rows) {
    const std::string type = store::AsText(r[0]);
    const std::string stored = store::AsText(r[1]);
    std::string channel;
    if (auto it = config.campaign_types.find(KeyToken(type)); it != config.campaign_types.end()) {
      channel = it->second;
    } else if (!stored.empty()) {
      channel = stored;
    } else {
      channel = CampaignChannel(config, type);
    }
    if (channel.empty()) {
      channel = "other";
      if (!core::Trim(type).empty()) unknown[type] += store::AsInt(r[2]);
    }
    if (channel == stored) continue;
    if (store::IsNull(r[0])) {
      MOPS_TRY(db.Execute(
          "UPDATE campaigns SET channel = ? WHERE source_system = ? AND type IS NULL AND "
          "(channel IS NULL OR channel = '')",
          std::vector<Value>{channel, source}));
    } else {
      MOPS_TRY(
          db.Execute("UPDATE campaigns SET channel = ? WHERE source_system = ? AND type = ? AND "
                     "COALESCE(channel, '') = ?",
                     std::vector<Value>{channel, source, type, stored}));
    }
  }
  for (const auto& [type, n] : unknown) {
    report.unknown_campaign_types.push_back(
        fmt::format("{} ({} campaign{})", type, n, n == 1 ? "" : "s"));
  }
  return {};
}

// A member touched the campaign when it first responded, else when it was
// added (created_at holds the configured member date column).
core::Status MemberTouches(store::Database& db, const std::string& source) {
  const std::string sql = fmt::format(
      "{}m.source_system, 'campaign_member:' || m.external_id, m.contact_id, ct.account_id, "
      "CASE WHEN m.responded <> 0 AND m.first_responded_at IS NOT NULL THEN m.first_responded_at "
      "ELSE m.created_at END, 'campaign_member', COALESCE(c.channel, 'other'), c.type, "
      "m.campaign_id, m.status FROM campaign_members m JOIN campaigns c ON c.id = m.campaign_id "
      "JOIN contacts ct ON ct.id = m.contact_id WHERE m.source_system = ? AND (CASE WHEN "
      "m.responded <> 0 AND m.first_responded_at IS NOT NULL THEN m.first_responded_at ELSE "
      "m.created_at END) IS NOT NULL{}",
      Insert(db), Upsert(db));
  MOPS_TRY(db.Execute(sql, std::vector<Value>{source}));
  return {};
}

// Opportunity.CampaignId: the primary campaign touched the opportunity's
// account when the opportunity was created.
core::Status OpportunityTouches(store::Database& db, const std::string& source) {
  const std::string sql = fmt::format(
      "{}o.source_system, 'opportunity_campaign:' || o.external_id, NULL, o.account_id, "
      "o.created_at, 'opportunity_campaign', COALESCE(c.channel, 'other'), c.type, c.id, o.name "
      "FROM opportunities o JOIN campaigns c ON c.id = o.primary_campaign_id WHERE "
      "o.source_system = ? AND o.created_at IS NOT NULL{}",
      Insert(db), Upsert(db));
  MOPS_TRY(db.Execute(sql, std::vector<Value>{source}));
  return {};
}

// Distinct source values one derivation statement takes (3 parameters each).
constexpr size_t kValuesPerStatement = 200;

// Lead and contact creation with its source; converted leads (kept as
// identities of their contact) carry their own creation over to the contact.
// HubSpot's latest source and recent conversion, when dated.
core::Status CreatedTouches(store::Database& db, const std::string& source, const CrmConfig& config,
                            CrmReport& report) {
  std::map<std::string, int64_t> unknown;
  // Channel per distinct source value: few values, one statement each.
  auto channel_of = [&](const std::string& value, int64_t n) {
    std::string channel = LeadSourceChannel(config, value);
    if (channel.empty()) {
      channel = "other";
      if (n > 0) unknown[value] += n;
    }
    return channel;
  };
  // The source values of the three derivations from the contacts (lead
  // source, HubSpot's latest source, the source of the recent conversion),
  // from one grouped pass over the contacts instead of one each (a GROUP BY
  // sorts every contact: 0.4 s for a million). Values in byte order, as
  // SQLite's GROUP BY gave them; a conversion with neither source first.
  std::map<std::string, int64_t> originals, latests, conversions;
  int64_t conversions_without_source = 0;
  {
    MOPS_ASSIGN_OR_RETURN(
        store::Rows groups,
        db.Query("SELECT original_source, latest_source, CASE WHEN recent_conversion_at IS NULL "
                 "THEN 0 ELSE 1 END, COUNT(*) FROM contacts WHERE source_system = ? GROUP BY 1, "
                 "2, 3",
                 std::vector<Value>{source}));
    for (const auto& r : groups.rows) {
      const int64_t n = store::AsInt(r[3]);
      const std::string original = store::AsText(r[0]);
      const std::string latest = store::AsText(r[1]);
      if (!original.empty()) originals[original] += n;
      if (!latest.empty()) latests[latest] += n;
      if (store::AsInt(r[2]) == 0) continue;
      // COALESCE(latest_source, original_source): an empty latest source is
      // still the one taken.
      if (!store::IsNull(r[1])) {
        conversions[latest] += n;
      } else if (!store::IsNull(r[0])) {
        conversions[original] += n;
      } else {
        conversions_without_source += n;
      }
    }
  }
  const std::vector<std::pair<std::string, int64_t>> values(originals.begin(), originals.end());
  // SQLite, no created touch of the source yet (a first import): the
  // contacts' statements cannot meet an existing key (each contact gives
  // one), so they are plain INSERTs, without the upsert's conflict handling.
  // (The key range is bytewise on SQLite only: PostgreSQL's collation may
  // order ':' and ';' otherwise, so there the upsert stays.)
  std::string contacts_tail = Upsert(db);
  if (db.dialect() == store::Dialect::kSqlite) {
    MOPS_ASSIGN_OR_RETURN(
        Value any_created,
        db.QueryValue("SELECT COUNT(*) FROM (SELECT 1 FROM touchpoints WHERE source_system = ? "
                      "AND external_id >= 'created:' AND external_id < 'created;' LIMIT 1) t",
                      std::vector<Value>{source}));
    if (store::AsInt(any_created) == 0) contacts_tail.clear();
  }
  // One pass over the contacts for many values (the channel of each from a
  // CASE), not one per value: a million contacts with twenty lead sources
  // would otherwise be read twenty times.
  for (size_t first = 0; first < values.size(); first += kValuesPerStatement) {
    const size_t end = std::min(values.size(), first + kValuesPerStatement);
    std::string cases;
    std::string in;
    std::vector<Value> params;
    for (size_t i = first; i < end; ++i) {
      const std::string& value = values[i].first;
      params.push_back(value);
      params.push_back(channel_of(value, values[i].second));
      cases += " WHEN ? THEN ?";
    }
    params.push_back(source);
    for (size_t i = first; i < end; ++i) {
      params.push_back(values[i].first);
      in += i == first ? "?" : ", ?";
    }
    MOPS_TRY(db.Execute(
        fmt::format("{}ct.source_system, 'created:' || ct.external_id, COALESCE("
                    "ct.merged_into, ct.id), ct.account_id, ct.created_at, 'created', CASE "
                    "ct.original_source{} END, COALESCE(ct.source_detail_1, ct.original_source), "
                    "NULL, ct.source_detail_2 FROM contacts ct WHERE ct.source_system = ? AND "
                    "ct.original_source IN ({}) AND ct.created_at IS NOT NULL{}",
                    Insert(db), cases, in, contacts_tail),
        params));
  }
  MOPS_ASSIGN_OR_RETURN(
      store::Rows leads,
      db.Query("SELECT lead_source, COUNT(*) FROM identities WHERE kind = ? AND source_system = ? "
               "AND lead_source IS NOT NULL AND lead_source <> '' GROUP BY lead_source",
               std::vector<Value>{std::string(kLeadIdentity), source}));
  for (const auto& r : leads.rows) {
    const std::string value = store::AsText(r[0]);
    const std::string channel = channel_of(value, store::AsInt(r[1]));
    MOPS_TRY(db.Execute(
        fmt::format("{}i.source_system, 'created:' || i.value, i.contact_id, ct.account_id, "
                    "i.lead_created_at, 'created', ?, i.lead_source, NULL, NULL FROM identities i "
                    "JOIN contacts ct ON ct.id = i.contact_id WHERE i.kind = ? AND "
                    "i.source_system = ? AND i.lead_source = ? AND i.lead_created_at IS NOT NULL{}",
                    Insert(db), Upsert(db)),
        std::vector<Value>{channel, std::string(kLeadIdentity), source, value}));
  }
  // HubSpot: the latest source (unless it is the creation itself) and the
  // most recent conversion, which happened in the latest source's session.
  for (const auto& [value, n] : latests) {
    const std::string channel = channel_of(value, n);
    MOPS_TRY(db.Execute(
        fmt::format("{}ct.source_system, 'latest_source:' || ct.external_id, COALESCE("
                    "ct.merged_into, ct.id), ct.account_id, ct.latest_source_at, "
                    "'latest_source', ?, ct.latest_source, NULL, NULL FROM contacts ct WHERE "
                    "ct.source_system = ? AND ct.latest_source = ? AND ct.latest_source_at IS "
                    "NOT NULL AND (ct.created_at IS NULL OR ct.latest_source_at <> "
                    "ct.created_at){}",
                    Insert(db), Upsert(db)),
        std::vector<Value>{channel, source, value}));
  }
  std::vector<std::optional<std::string>> conversion_values;
  if (conversions_without_source > 0) conversion_values.emplace_back();
  for (const auto& entry : conversions) conversion_values.emplace_back(entry.first);
  for (const std::optional<std::string>& v : conversion_values) {
    const bool none = !v.has_value();
    const std::string value = v.value_or(std::string());
    const std::string channel = none ? std::string("other") : channel_of(value, 0);
    MOPS_TRY(db.Execute(
        fmt::format("{}ct.source_system, 'recent_conversion:' || ct.external_id, COALESCE("
                    "ct.merged_into, ct.id), ct.account_id, ct.recent_conversion_at, "
                    "'recent_conversion', ?, COALESCE(ct.latest_source, ct.original_source), "
                    "NULL, ct.recent_conversion FROM contacts ct WHERE ct.source_system = ? AND "
                    "ct.recent_conversion_at IS NOT NULL AND {}{}",
                    Insert(db),
                    none ? "ct.latest_source IS NULL AND ct.original_source IS NULL"
                         : "COALESCE(ct.latest_source, ct.original_source) = ?",
                    Upsert(db)),
        none ? std::vector<Value>{channel, source} : std::vector<Value>{channel, source, value}));
  }
  for (const auto& [value, n] : unknown) {
    report.unknown_sources.push_back(fmt::format("{} ({} record{})", value, n, n == 1 ? "" : "s"));
  }
  return {};
}

// Salesforce leads: the stage of their status; a converted lead's contact
// gets the converted stage when it has none.
core::Status LeadLifecycle(store::Database& db, const std::string& source, const CrmConfig& config,
                           CrmReport& report) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows statuses,
      db.Query("SELECT lead_status, COUNT(*) FROM contacts WHERE source_system = ? AND "
               "lead_status IS NOT NULL AND lead_status <> '' GROUP BY lead_status",
               std::vector<Value>{source}));
  for (const auto& r : statuses.rows) {
    const std::string status = store::AsText(r[0]);
    std::string stage = LeadStatusStage(config, status);
    if (stage.empty()) {
      stage = config.unknown_status_stage;
      report.lifecycle_warnings.push_back(
          fmt::format("lead status '{}' ({} lead{}) has no lifecycle stage in the crm config: "
                      "set to '{}' (unknown_status_stage)",
                      status, store::AsInt(r[1]), store::AsInt(r[1]) == 1 ? "" : "s", stage));
    }
    MOPS_TRY(db.Execute(
        "UPDATE contacts SET lifecycle_stage = ? WHERE source_system = ? AND lead_status = ? AND "
        "(lifecycle_stage IS NULL OR lifecycle_stage <> ?)",
        std::vector<Value>{stage, source, status, stage}));
  }
  MOPS_TRY(db.Execute(
      "UPDATE contacts SET lifecycle_stage = ? WHERE lifecycle_stage IS NULL AND id IN (SELECT "
      "contact_id FROM identities WHERE kind = ? AND source_system = ? AND contact_id IS NOT "
      "NULL)",
      std::vector<Value>{config.converted_stage, std::string(kLeadIdentity), source}));
  // Salesforce keeps no stage history: a record with a lifecycle stage (a
  // lead, or a converted lead's contact) was a lead from its CreatedDate.
  // That entry is what funnels and velocity start from; without it a
  // Salesforce org's funnel had no first step. Only for contacts with no
  // history at all (an import or a rescore may have written theirs); the
  // unique (contact, stage, time) index makes a re-import add nothing.
  MOPS_TRY(db.Execute(
      "INSERT INTO lifecycle_history (contact_id, source_system, contact_ref, stage, entered_at, "
      "cause) SELECT c.id, c.source_system, c.external_id, 'lead', c.created_at, ? FROM contacts "
      "c WHERE c.source_system = ? AND c.merged_into IS NULL AND c.created_at IS NOT NULL AND "
      "c.lifecycle_stage IS NOT NULL AND c.lifecycle_stage NOT IN ('', 'subscriber', 'other') "
      "AND NOT EXISTS (SELECT 1 FROM lifecycle_history h WHERE h.contact_id = c.id) ON CONFLICT "
      "DO NOTHING",
      std::vector<Value>{std::string("created in Salesforce"), source}));
  return {};
}

// Lifecycle values mops does not know ("Other", a custom stage) take the
// configured default, with a warning, instead of failing the stage rules.
core::Status UnknownLifecycle(store::Database& db, const std::string& source,
                              const CrmConfig& config, CrmReport& report) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows stages,
      db.Query("SELECT lifecycle_stage, COUNT(*) FROM contacts WHERE source_system = ? AND "
               "lifecycle_stage IS NOT NULL AND lifecycle_stage <> '' GROUP BY lifecycle_stage",
               std::vector<Value>{source}));
  for (const auto& r : stages.rows) {
    const std::string stage = store::AsText(r[0]);
    if (IsStage(stage)) continue;
    const int64_t n = store::AsInt(r[1]);
    report.lifecycle_warnings.push_back(
        fmt::format("lifecycle stage '{}' ({} contact{}) is not a mops stage: set to '{}' "
                    "(unknown_lifecycle_stage)",
                    stage, n, n == 1 ? "" : "s", config.unknown_lifecycle_stage));
    MOPS_TRY(db.Execute(
        "UPDATE contacts SET lifecycle_stage = ? WHERE source_system = ? AND lifecycle_stage = ?",
        std::vector<Value>{config.unknown_lifecycle_stage, source, stage}));
  }
  return {};
}

// How many touches the source's contacts and members can give at most (a
// bound, for WorthDeferring).
core::Result<int64_t> DerivableTouches(store::Database& db, const std::string& source, bool members,
                                       bool created) {
  int64_t n = 0;
  if (members) {
    MOPS_ASSIGN_OR_RETURN(Value count, db.QueryValue("SELECT COUNT(*) FROM campaign_members WHERE "
                                                     "source_system = ? AND contact_id IS NOT NULL",
                                                     std::vector<Value>{source}));
    n += store::AsInt(count);
  }
  if (created) {
    MOPS_ASSIGN_OR_RETURN(Value count,
                          db.QueryValue("SELECT COUNT(*) FROM contacts WHERE source_system = ? "
                                        "AND created_at IS NOT NULL",
                                        std::vector<Value>{source}));
    n += store::AsInt(count);
  }
  return n;
}

// Opportunities of the source with no touch on their account or on the
// contacts of their roles or of their account.
core::Status CountUntouched(store::Database& db, const std::string& source, CrmReport& report) {
  constexpr std::string_view kNoTouch =
      "NOT EXISTS (SELECT 1 FROM touchpoints t WHERE t.account_id = o.account_id) AND NOT "
      "EXISTS (SELECT 1 FROM opportunity_contacts oc JOIN touchpoints t ON t.contact_id = "
      "oc.contact_id WHERE oc.opportunity_id = o.id) AND NOT EXISTS (SELECT 1 FROM contacts c "
      "JOIN touchpoints t ON t.contact_id = c.id WHERE c.account_id = o.account_id)";
  report.opportunities =
      Count(db, "SELECT COUNT(*) FROM opportunities WHERE source_system = ?", {source});
  report.opportunities_without_touch =
      Count(db,
            fmt::format("SELECT COUNT(*) FROM opportunities o WHERE o.source_system = ? AND {}",
                        kNoTouch),
            {source});
  report.won_without_touch = Count(
      db,
      fmt::format(
          "SELECT COUNT(*) FROM opportunities o WHERE o.source_system = ? AND o.is_won <> 0 AND {}",
          kNoTouch),
      {source});
  return {};
}

}  // namespace

core::Result<CrmConfig> ParseCrmConfig(std::string_view yaml, std::string_view name) {
  CrmConfig config;
  for (const auto& [status, stage] : kDefaultLeadStatus) {
    config.lead_status[KeyToken(status)] = std::string(stage);
  }
  if (core::Trim(yaml).empty()) return config;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    core::Error error = core::MakeError(ErrorCode::kParse, "invalid YAML: " + e.msg);
    return core::Fail(std::move(error).At(std::string(name), e.mark.line + 1, e.mark.column + 1));
  }
  if (root.IsNull()) return config;
  if (!root.IsMap()) return ConfigError(name, MarkLine(root), "the crm config is a YAML map");
  try {
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      const YAML::Node& value = entry.second;
      const int64_t line = MarkLine(entry.first);
      if (key == "member_date_column") {
        if (!value.IsScalar() || core::Trim(value.as<std::string>()).empty()) {
          return ConfigError(name, line, "'member_date_column' must be a column label");
        }
        config.member_date_column = std::string(core::Trim(value.as<std::string>()));
      } else if (key == "lead_status") {
        MOPS_TRY(ReadMap(value, name, line, key, true, config.lead_status));
      } else if (key == "converted_stage") {
        MOPS_ASSIGN_OR_RETURN(config.converted_stage, Named(value, name, line, key, true));
      } else if (key == "unknown_status_stage") {
        MOPS_ASSIGN_OR_RETURN(config.unknown_status_stage, Named(value, name, line, key, true));
      } else if (key == "unknown_lifecycle_stage") {
        MOPS_ASSIGN_OR_RETURN(config.unknown_lifecycle_stage, Named(value, name, line, key, true));
      } else if (key == "campaign_types") {
        MOPS_TRY(ReadMap(value, name, line, key, false, config.campaign_types));
      } else if (key == "lead_sources") {
        MOPS_TRY(ReadMap(value, name, line, key, false, config.lead_sources));
      } else {
        return ConfigError(name, line,
                           "unknown key '" + key +
                               "' (expected member_date_column, lead_status, converted_stage, "
                               "unknown_status_stage, unknown_lifecycle_stage, campaign_types, "
                               "lead_sources)");
      }
    }
  } catch (const YAML::Exception& e) {
    return ConfigError(name, e.mark.line + 1, "invalid crm config: " + e.msg);
  }
  return config;
}

core::Result<CrmConfig> LoadCrmConfig(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(Value body, db.QueryValue("SELECT body FROM configs WHERE name = ?",
                                                  std::vector<Value>{std::string(kConfigName)}));
  return ParseCrmConfig(store::AsText(body), "configs.crm");
}

core::Status SaveCrmConfig(store::Database& db, std::string_view yaml, std::string_view name,
                           std::string_view actor) {
  MOPS_TRY(ParseCrmConfig(yaml, name));
  MOPS_ASSIGN_OR_RETURN(Value before, db.QueryValue("SELECT body FROM configs WHERE name = ?",
                                                    std::vector<Value>{std::string(kConfigName)}));
  const core::Timestamp now = core::NowUtc();
  MOPS_TRY(db.Execute(
      "INSERT INTO configs (name, body, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT "
      "(name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = "
      "excluded.updated_by",
      std::vector<Value>{std::string(kConfigName), std::string(yaml), now, std::string(actor)}));
  MOPS_TRY(db.Execute(
      "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, "
      "'config.set', 'configs', 'crm', ?, ?)",
      std::vector<Value>{now, std::string(actor), before, std::string(yaml)}));
  return {};
}

std::string LeadStatusStage(const CrmConfig& config, std::string_view status) {
  auto it = config.lead_status.find(KeyToken(status));
  return it == config.lead_status.end() ? std::string() : it->second;
}

std::string CampaignChannel(const CrmConfig& config, std::string_view type) {
  if (auto it = config.campaign_types.find(KeyToken(type)); it != config.campaign_types.end()) {
    return it->second;
  }
  return std::string(CampaignTypeChannel(type));
}

std::string LeadSourceChannel(const CrmConfig& config, std::string_view source) {
  if (auto it = config.lead_sources.find(KeyToken(source)); it != config.lead_sources.end()) {
    return it->second;
  }
  return std::string(SourceChannel(source));
}

bool UseColumnFor(Mapping& mapping, const KindSpec& spec, std::span<const std::string> headers,
                  std::string_view field, std::string_view label) {
  const int f = spec.FieldIndex(field);
  if (f < 0) return false;
  int found = -1;
  for (size_t col = 0; col < headers.size(); ++col) {
    if (core::IEquals(core::Trim(headers[col]), core::Trim(label))) found = static_cast<int>(col);
  }
  if (found < 0) return false;
  const int previous = mapping.field_column[f];
  if (previous == found) return true;
  if (previous >= 0) {
    mapping.columns[previous].field = -1;
    mapping.unmapped.push_back(std::string(core::Trim(headers[previous])));
  }
  const int displaced = mapping.columns[found].field;
  if (displaced >= 0) mapping.field_column[displaced] = -1;
  auto& unmapped = mapping.unmapped;
  unmapped.erase(std::remove(unmapped.begin(), unmapped.end(), std::string(core::Trim(label))),
                 unmapped.end());
  std::erase_if(unmapped,
                [&](const std::string& u) { return core::IEquals(u, core::Trim(headers[found])); });
  mapping.columns[found].field = f;
  mapping.columns[found].first_of_list = false;
  mapping.field_column[f] = found;
  return true;
}

core::Status DeriveCrmTouches(store::Database& db, Kind kind, Preset preset,
                              const std::string& source_system, const CrmConfig& config,
                              CrmReport& report, std::vector<ImportPhase>* steps) {
  if (preset != Preset::kSalesforce && preset != Preset::kHubspot) return {};
  const bool members = kind == Kind::kCampaignMembers || kind == Kind::kCampaigns ||
                       kind == Kind::kContacts || kind == Kind::kAccounts;
  const bool opportunities =
      kind == Kind::kOpportunities || kind == Kind::kCampaigns || kind == Kind::kAccounts;
  const bool created = kind == Kind::kContacts || kind == Kind::kAccounts;
  const bool counts = kind != Kind::kUsers && kind != Kind::kTools && kind != Kind::kIntegrations;
  if (!counts) return {};
  report.ran = true;
  // The steps, for ImportSummary::phases (nothing without `steps`).
  PhaseClock step(steps);
  MOPS_ASSIGN_OR_RETURN(auto before, CountTouches(db, source_system));
  if (kind == Kind::kContacts) {
    if (preset == Preset::kSalesforce) MOPS_TRY(LeadLifecycle(db, source_system, config, report));
    if (preset == Preset::kHubspot) MOPS_TRY(UnknownLifecycle(db, source_system, config, report));
  }
  if (members || opportunities) MOPS_TRY(CampaignChannels(db, source_system, config, report));
  step.Mark("count touches, lifecycle stages, campaign channels");
  // Touches of a large first import (a contact's creation, a member) build
  // touchpoints' indexes once, at the end, instead of row by row.
  store::DeferredIndexes deferred;
  DeferredInsertTriggers deferred_triggers;
  if (members || created) {
    MOPS_ASSIGN_OR_RETURN(int64_t incoming, DerivableTouches(db, source_system, members, created));
    static const std::vector<std::string> kWritten = {
        "source_system", "external_id", "contact_id", "account_id",  "occurred_at",
        "type",          "channel",     "source",     "campaign_id", "event_name"};
    MOPS_ASSIGN_OR_RETURN(bool defer, WorthDeferring(db, "touchpoints", incoming));
    if (defer) {
      MOPS_TRY(deferred.Defer(db, "touchpoints", kWritten));
      MOPS_TRY(deferred_triggers.Defer(db, "touchpoints"));
    }
  }
  MOPS_ASSIGN_OR_RETURN(Value last, db.QueryValue("SELECT COALESCE(MAX(id), 0) FROM touchpoints"));
  const int64_t last_id = store::AsInt(last);
  step.Mark("defer touchpoints indexes");
  if (members) MOPS_TRY(MemberTouches(db, source_system));
  if (opportunities) MOPS_TRY(OpportunityTouches(db, source_system));
  step.Mark("member and opportunity touches");
  if (created) MOPS_TRY(CreatedTouches(db, source_system, config, report));
  step.Mark("created and source touches");
  MOPS_TRY(AddWeeks(db, last_id));
  MOPS_TRY(deferred_triggers.Restore(db));
  step.Mark("weekly counts, deferred insert triggers");
  MOPS_TRY(deferred.Restore(db));
  step.Mark("create the deferred touchpoints indexes");
  MOPS_ASSIGN_OR_RETURN(auto after, CountTouches(db, source_system));
  for (std::string_view type : kTouchTypes) {
    const std::string t(type);
    const int64_t total = after.contains(t) ? after[t] : 0;
    if (total == 0) continue;
    const int64_t was = before.contains(t) ? before[t] : 0;
    report.touches.push_back({t, total, total - was});
  }
  MOPS_TRY(CountUntouched(db, source_system, report));
  step.Mark("count touches and untouched opportunities");
  return {};
}

}  // namespace mops::ingest::internal
