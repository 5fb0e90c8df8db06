// UTM governance on a workspace: the naming config, the check of every
// stored UTM, and fixes that can be undone.
#include <fmt/format.h>

#include <algorithm>

#include "campaigns/campaigns.h"
#include "campaigns/internal.h"
#include "core/strings.h"
#include "ingest/ingest.h"
#include "store/database.h"

namespace mops::campaigns {

using core::ErrorCode;
using store::AsInt;
using store::AsText;
using store::IsNull;
using store::Value;
using Json = nlohmann::json;

namespace {

constexpr std::string_view kConfigName = "naming";

Value Opt(const std::string& s, bool was_null) { return was_null ? Value() : Value(s); }

}  // namespace

core::Result<std::string> NamingConfigText(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(Value body, db.QueryValue("SELECT body FROM configs WHERE name = ?",
                                                  std::vector<Value>{std::string(kConfigName)}));
  return AsText(body);
}

core::Result<NamingRules> LoadNamingRules(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(std::string text, NamingConfigText(db));
  return ParseNamingConfig(text, "configs.naming");
}

core::Status SaveNamingConfig(store::Database& db, std::string_view yaml, std::string_view name,
                              std::string_view actor) {
  MOPS_TRY(ParseNamingConfig(yaml, name));
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(std::string before, NamingConfigText(db));
  MOPS_TRY(db.Execute(
      "INSERT INTO configs (name, body, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT "
      "(name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = "
      "excluded.updated_by",
      std::vector<Value>{std::string(kConfigName), std::string(yaml), core::NowUtc(),
                         std::string(actor)}));
  MOPS_TRY(internal::Audit(db, actor, "config.set", "configs", 0, before, std::string(yaml)));
  MOPS_TRY(tx.Commit());
  return {};
}

core::Result<StoredCheck> CheckStoredUtms(store::Database& db, const NamingRules& rules) {
  StoredUtms utms;
  {
    // Counted per distinct combination from the touchpoints_utm index: the
    // table's wide rows are not read.
    const store::ColumnType types[] = {store::ColumnType::kDict, store::ColumnType::kDict,
                                       store::ColumnType::kDict, store::ColumnType::kInt};
    MOPS_ASSIGN_OR_RETURN(
        auto cols, db.ScanColumns("SELECT source, medium, utm_campaign, COUNT(*) FROM touchpoints "
                                  "GROUP BY source, medium, utm_campaign",
                                  {}, types));
    utms.source_dict = std::move(cols[0].dict);
    utms.medium_dict = std::move(cols[1].dict);
    utms.campaign_dict = std::move(cols[2].dict);
    utms.source = std::move(cols[0].codes);
    utms.medium = std::move(cols[1].codes);
    utms.campaign = std::move(cols[2].codes);
    utms.counts = std::move(cols[3].ints);
  }
  MOPS_ASSIGN_OR_RETURN(store::Rows campaigns,
                        db.Query("SELECT id, name, utm_campaign FROM campaigns WHERE "
                                 "utm_campaign IS NOT NULL AND utm_campaign <> '' ORDER BY id"));
  for (const auto& r : campaigns.rows) utms.campaign_names.push_back(AsText(r[2]));
  StoredCheck out = CheckStored(rules, utms);
  for (const auto& r : campaigns.rows) {
    const std::vector<Violation> vs = CheckValue(rules, "utm_campaign", AsText(r[2]));
    if (vs.empty()) continue;
    StoredViolation sv;
    sv.param = "utm_campaign";
    sv.value = AsText(r[2]);
    std::vector<std::string> messages;
    for (const Violation& v : vs) {
      sv.rules.push_back(v.rule);
      messages.push_back(v.message);
      if (!v.suggestion.empty()) sv.suggestion = v.suggestion;
    }
    sv.message =
        fmt::format("campaign {} '{}': {}", AsInt(r[0]), AsText(r[1]), core::Join(messages, "; "));
    out.campaigns.push_back(std::move(sv));
  }
  return out;
}

core::Result<FixReport> FixStoredUtms(store::Database& db, bool dry_run, std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(NamingRules rules, LoadNamingRules(db));
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(StoredCheck check, CheckStoredUtms(db, rules));
  FixReport out;
  out.dry_run = dry_run;
  out.fixes = check.fixes;
  if (out.fixes.empty()) return out;
  // The rows a fix touches.
  std::string where;
  std::vector<Value> params;
  const std::pair<std::string_view, std::string_view> columns[] = {
      {"utm_source", "source"}, {"utm_medium", "medium"}, {"utm_campaign", "utm_campaign"}};
  for (const auto& [param, column] : columns) {
    auto it = out.fixes.find(std::string(param));
    if (it == out.fixes.end()) continue;
    std::vector<std::string> marks;
    for (const auto& [value, fixed] : it->second) {
      marks.push_back("?");
      params.push_back(value);
    }
    if (!where.empty()) where += " OR ";
    where += fmt::format("{} IN ({})", column, core::Join(marks, ", "));
  }
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, source, medium, utm_campaign, channel, referrer, type, url FROM "
               "touchpoints WHERE " +
                   where + " ORDER BY id",
               params));
  auto fixed = [&](std::string_view param, const Value& v) -> std::string {
    const std::string text = AsText(v);
    auto p = out.fixes.find(std::string(param));
    if (p == out.fixes.end()) return text;
    auto f = p->second.find(text);
    return f == p->second.end() ? text : f->second;
  };
  std::unique_ptr<store::Statement> save, update;
  int64_t fix_id = 0;
  if (!dry_run) {
    MOPS_ASSIGN_OR_RETURN(
        store::Rows ids,
        db.Query("INSERT INTO utm_fixes (at, actor, touchpoints, fixes) VALUES (?, ?, 0, ?) "
                 "RETURNING id",
                 std::vector<Value>{core::NowUtc(), std::string(actor), Json(out.fixes).dump()}));
    fix_id = AsInt(ids.rows.at(0).at(0));
    MOPS_ASSIGN_OR_RETURN(save, db.Prepare("INSERT INTO utm_fix_changes (fix_id, touchpoint_id, "
                                           "source, medium, utm_campaign, channel) VALUES (?, ?, "
                                           "?, ?, ?, ?)"));
    MOPS_ASSIGN_OR_RETURN(update, db.Prepare("UPDATE touchpoints SET source = ?, medium = ?, "
                                             "utm_campaign = ?, channel = ? WHERE id = ?"));
  }
  for (const auto& r : rows.rows) {
    const std::string source = fixed("utm_source", r[1]);
    const std::string medium = fixed("utm_medium", r[2]);
    const std::string campaign = fixed("utm_campaign", r[3]);
    const std::string channel = AsText(r[4]);
    const std::string referrer = AsText(r[5]), type = AsText(r[6]), url = AsText(r[7]);
    // A channel that the old UTMs implied follows the new ones; a channel
    // that came from elsewhere (an import's own column) stays.
    const std::string_view before =
        ingest::ClassifyChannel({AsText(r[1]), AsText(r[2]), referrer, type, url});
    std::string next = channel;
    if (channel.empty() || channel == before) {
      next = std::string(ingest::ClassifyChannel({source, medium, referrer, type, url}));
    }
    ++out.touchpoints;
    if (next != channel) {
      ++out.channels_changed;
      ++out.channel_moves[fmt::format("{} -> {}", channel.empty() ? "(none)" : channel, next)];
    }
    if (dry_run) continue;
    const std::vector<Value> old = {fix_id, AsInt(r[0]), r[1], r[2], r[3], r[4]};
    MOPS_TRY(save->ExecuteQueued(old));
    const std::vector<Value> now = {Opt(source, IsNull(r[1])), Opt(medium, IsNull(r[2])),
                                    Opt(campaign, IsNull(r[3])),
                                    next.empty() ? Value() : Value(next), AsInt(r[0])};
    MOPS_TRY(update->ExecuteQueued(now));
  }
  if (dry_run) return out;
  out.fix_id = fix_id;
  MOPS_TRY(db.Execute("UPDATE utm_fixes SET touchpoints = ? WHERE id = ?",
                      std::vector<Value>{out.touchpoints, fix_id}));
  MOPS_TRY(internal::Audit(db, actor, "utm.fix", "utm_fixes", fix_id, "",
                           Json{{"touchpoints", out.touchpoints},
                                {"channels_changed", out.channels_changed},
                                {"fixes", out.fixes}}
                               .dump()));
  MOPS_TRY(tx.Commit());
  return out;
}

core::Result<int64_t> UndoUtmFix(store::Database& db, int64_t fix_id, std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(store::Rows fix, db.Query("SELECT undone_at FROM utm_fixes WHERE id = ?",
                                                  std::vector<Value>{fix_id}));
  if (fix.empty()) return core::Fail(ErrorCode::kNotFound, "UTM fix {} does not exist", fix_id);
  if (!IsNull(fix.rows[0][0])) {
    return core::Fail(ErrorCode::kConflict, "UTM fix {} was already undone", fix_id);
  }
  MOPS_ASSIGN_OR_RETURN(Value later,
                        db.QueryValue("SELECT MIN(id) FROM utm_fixes WHERE id > ? AND undone_at "
                                      "IS NULL",
                                      std::vector<Value>{fix_id}));
  if (!IsNull(later)) {
    return core::Fail(ErrorCode::kConflict, "undo UTM fix {} first: it came after fix {}",
                      AsInt(later), fix_id);
  }
  MOPS_ASSIGN_OR_RETURN(
      int64_t n,
      db.Execute("UPDATE touchpoints SET source = (SELECT c.source FROM utm_fix_changes c WHERE "
                 "c.fix_id = ? AND c.touchpoint_id = touchpoints.id), medium = (SELECT c.medium "
                 "FROM utm_fix_changes c WHERE c.fix_id = ? AND c.touchpoint_id = "
                 "touchpoints.id), utm_campaign = (SELECT c.utm_campaign FROM utm_fix_changes c "
                 "WHERE c.fix_id = ? AND c.touchpoint_id = touchpoints.id), channel = (SELECT "
                 "c.channel FROM utm_fix_changes c WHERE c.fix_id = ? AND c.touchpoint_id = "
                 "touchpoints.id) WHERE id IN (SELECT touchpoint_id FROM utm_fix_changes WHERE "
                 "fix_id = ?)",
                 std::vector<Value>{fix_id, fix_id, fix_id, fix_id, fix_id}));
  MOPS_TRY(db.Execute("UPDATE utm_fixes SET undone_at = ? WHERE id = ?",
                      std::vector<Value>{core::NowUtc(), fix_id}));
  MOPS_TRY(internal::Audit(db, actor, "utm.fix_undo", "utm_fixes", fix_id, "",
                           Json{{"touchpoints", n}}.dump()));
  MOPS_TRY(tx.Commit());
  return n;
}

}  // namespace mops::campaigns
