// The channel rules on a workspace: the stored `channels` config and the
// reclassification of stored touchpoints.
#include <chrono>
#include <unordered_map>

#include "cli/config.h"
#include "ingest/channel_rules.h"
#include "ingest/crm_touches.h"

namespace mops::ingest {
namespace {

using store::Value;

cli::ConfigSpec ChannelsSpec() {
  cli::ConfigSpec spec;
  spec.name = std::string(kChannelsConfig);
  spec.description =
      "Channel rules: ordered conditions on type, medium, source, referrer and click ids";
  spec.validate = [](std::string_view text, std::string_view file) -> core::Status {
    MOPS_TRY(ParseChannelRules(text, file));
    return {};
  };
  spec.default_text = [] { return std::string(DefaultChannelRulesText()); };
  spec.after_set =
      "touchpoints imported from now on use these rules; `mops channels reclassify --dry-run` "
      "shows what they change in the stored ones";
  return spec;
}

}  // namespace

void RegisterChannelConfigs() {
  cli::RegisterConfig(ChannelsSpec());
  cli::ConfigSpec crm;
  crm.name = "crm";
  crm.description =
      "CRM imports: member date column, lead status and lifecycle mapping, campaign types and "
      "lead sources to channels";
  crm.validate = [](std::string_view text, std::string_view file) -> core::Status {
    MOPS_TRY(internal::ParseCrmConfig(text, file));
    return {};
  };
  cli::RegisterConfig(std::move(crm));
}

core::Result<std::string> StoredChannelRulesText(store::Database& db) {
  const std::vector<Value> params = {std::string(kChannelsConfig)};
  MOPS_ASSIGN_OR_RETURN(Value body,
                        db.QueryValue("SELECT body FROM configs WHERE name = ?", params));
  return store::AsText(body);
}

core::Result<ChannelRules> LoadChannelRules(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(std::string text, StoredChannelRulesText(db));
  if (text.empty()) {
    // A copy of the defaults: ChannelRules is move-only, so parse the text.
    return ParseChannelRules(DefaultChannelRulesText(), "channel_rules.yaml (built in)");
  }
  return ParseChannelRules(text, "configs.channels");
}

core::Status SaveChannelRules(store::Database& db, std::string_view yaml,
                              std::string_view file_name, std::string_view actor) {
  return cli::WriteConfig(db, ChannelsSpec(), yaml, file_name, actor);
}

nlohmann::json ReclassifyReport::ToJson() const {
  nlohmann::json changes_json = nlohmann::json::array();
  for (const Change& c : changes) {
    changes_json.push_back({{"from", c.from}, {"to", c.to}, {"touchpoints", c.count}});
  }
  return {{"touchpoints", touchpoints},
          {"changed", changed},
          {"dry_run", dry_run},
          {"changes", changes_json},
          {"seconds", seconds}};
}

core::Result<ReclassifyReport> ReclassifyTouchpoints(store::Database& db, const ChannelRules& rules,
                                                     const ReclassifyOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  ReclassifyReport report;
  report.dry_run = options.dry_run;
  const int64_t batch = std::clamp<int64_t>(options.batch, 1, 5000);

  // Read and write in one transaction, so that the counts are those of the
  // rows written.
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  using store::ColumnType;
  const ColumnType types[] = {ColumnType::kInt,  ColumnType::kDict, ColumnType::kDict,
                              ColumnType::kDict, ColumnType::kDict, ColumnType::kDict,
                              ColumnType::kText};
  MOPS_ASSIGN_OR_RETURN(
      std::vector<store::Column> cols,
      db.ScanColumns("SELECT id, channel, type, medium, source, referrer, url FROM touchpoints "
                     "ORDER BY id",
                     {}, types));
  const store::Column& ids = cols[0];
  const store::Column& channel = cols[1];
  const store::Column& type = cols[2];
  const store::Column& medium = cols[3];
  const store::Column& source = cols[4];
  const store::Column& referrer = cols[5];
  const store::Column& url = cols[6];
  const size_t n = ids.size();
  report.touchpoints = static_cast<int64_t>(n);

  auto dict = [](const store::Column& c, size_t i) -> std::string_view {
    return c.codes[i] < 0 ? std::string_view() : std::string_view(c.dict[c.codes[i]]);
  };
  // Without a query string the URL cannot hold a click id, so the channel
  // depends only on the four dictionary codes: classify each combination once.
  struct KeyHash {
    size_t operator()(const std::array<int32_t, 4>& k) const {
      uint64_t h = 0x9E3779B97F4A7C15ull;
      for (int32_t v : k) h = (h ^ static_cast<uint32_t>(v)) * 0xBF58476D1CE4E5B9ull;
      return h ^ (h >> 31);
    }
  };
  std::unordered_map<std::array<int32_t, 4>, int, KeyHash> memo;
  // The new channel of each row as an index into `names`.
  std::vector<std::string> names(rules.rules().size() + 1);
  for (size_t r = 0; r < rules.rules().size(); ++r) names[r] = rules.rules()[r].channel;
  names.back() = rules.default_channel();
  const int default_index = static_cast<int>(rules.rules().size());

  // Per (old code, new rule index): the row ids that change.
  std::map<std::pair<int32_t, std::string>, std::vector<int64_t>> moves;
  for (size_t i = 0; i < n; ++i) {
    const std::string_view u = url.texts[i];
    int rule;
    const ChannelInputs in{dict(source, i), dict(medium, i), dict(referrer, i), dict(type, i), u};
    if (u.find('?') == std::string_view::npos) {
      const std::array<int32_t, 4> key = {type.codes[i], medium.codes[i], source.codes[i],
                                          referrer.codes[i]};
      auto it = memo.find(key);
      if (it == memo.end()) {
        const ChannelMatch m = Classify(rules, in);
        it = memo.emplace(key, m.rule < 0 ? default_index : m.rule).first;
      }
      rule = it->second;
    } else {
      const ChannelMatch m = Classify(rules, in);
      rule = m.rule < 0 ? default_index : m.rule;
    }
    const std::string& to = names[rule];
    if (dict(channel, i) == to) continue;
    moves[{channel.codes[i], to}].push_back(ids.ints[i]);
  }

  for (const auto& [key, rows] : moves) {
    report.changes.push_back({key.first < 0 ? std::string() : channel.dict[key.first], key.second,
                              int64_t(rows.size())});
    report.changed += static_cast<int64_t>(rows.size());
  }
  std::stable_sort(report.changes.begin(), report.changes.end(),
                   [](const auto& a, const auto& b) { return a.count > b.count; });

  if (!options.dry_run && report.changed > 0) {
    // Group the rows by new channel; one statement per full batch of ids.
    std::map<std::string, std::vector<int64_t>> by_channel;
    for (const auto& [key, rows] : moves) {
      auto& dst = by_channel[key.second];
      dst.insert(dst.end(), rows.begin(), rows.end());
    }
    std::string sql = "UPDATE touchpoints SET channel = ? WHERE id IN (?";
    for (int64_t k = 1; k < batch; ++k) sql += ", ?";
    sql += ")";
    MOPS_ASSIGN_OR_RETURN(std::unique_ptr<store::Statement> full, db.Prepare(sql));
    std::vector<Value> params;
    for (auto& [to, rows] : by_channel) {
      std::sort(rows.begin(), rows.end());
      size_t pos = 0;
      while (pos < rows.size()) {
        const size_t take = std::min<size_t>(batch, rows.size() - pos);
        params.assign(1, to);
        for (size_t k = 0; k < take; ++k) params.emplace_back(rows[pos + k]);
        if (take == static_cast<size_t>(batch)) {
          MOPS_TRY(full->ExecuteQueued(params));
        } else {
          std::string tail = "UPDATE touchpoints SET channel = ? WHERE id IN (?";
          for (size_t k = 1; k < take; ++k) tail += ", ?";
          tail += ")";
          MOPS_TRY(db.Execute(tail, params));
        }
        pos += take;
      }
    }
    MOPS_TRY(db.Flush());
    nlohmann::json after = report.ToJson();
    after.erase("seconds");
    after.erase("dry_run");
    const std::vector<Value> audit = {core::NowUtc(), options.actor, after.dump()};
    MOPS_TRY(db.Execute(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, "
        "'channels.reclassify', 'touchpoints', NULL, NULL, ?)",
        audit));
    MOPS_TRY(tx.Commit());
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace mops::ingest
