// The scoring service: configs, columnar loads, the workspace rescore with
// its write-back of changed rows only, incremental rescores, explain, and the
// backtest.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/strings.h"
#include "leads/internal.h"
#include "store/checkpointer.h"

namespace mops::leads {

using store::ColumnType;
using store::Value;

namespace internal {

core::Result<Timestamp> ParseAsOf(std::string_view text, Timestamp fallback) {
  if (core::Trim(text).empty()) return fallback;
  auto t = core::ParseTimestamp(text);
  if (!t) return core::Fail(std::move(t).error().InField("as_of"));
  return *t;
}

}  // namespace internal

namespace {

using internal::kAuditInsert;

// Reader connections of a workspace load: one when asked for one thread,
// else at least two (the scans wait on the database as much as on the CPU).
int LoadParts(int threads) { return threads == 1 ? 1 : std::max(2, threads); }

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

core::Result<std::string> ConfigYaml(store::Database& db, std::string_view kind) {
  std::string_view fallback;
  if (kind == kScoringConfig) {
    fallback = DefaultScoringYaml();
  } else if (kind == kRoutingConfig) {
    fallback = DefaultRoutingYaml();
  } else if (kind == kSlaConfig) {
    fallback = DefaultSlaYaml();
  } else {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                      fmt::format("unknown config '{}' (expected scoring, "
                                                  "routing or sla)",
                                                  kind))
                          .InField("kind"));
  }
  const std::vector<Value> p = {"leads." + std::string(kind)};
  MOPS_ASSIGN_OR_RETURN(Value body, db.QueryValue("SELECT body FROM configs WHERE name = ?", p));
  if (store::IsNull(body)) return std::string(fallback);
  return store::AsText(body);
}

core::Status SaveConfig(store::Database& db, std::string_view kind, std::string_view yaml,
                        std::string_view actor) {
  MOPS_TRY(ConfigYaml(db, kind));  // the kind exists
  if (kind == kScoringConfig) {
    MOPS_TRY(ParseScoringConfig(yaml));
  } else if (kind == kRoutingConfig) {
    MOPS_TRY(ParseRoutingConfig(yaml));
  } else {
    MOPS_TRY(ParseSlaConfig(yaml));
  }
  MOPS_ASSIGN_OR_RETURN(std::string before, ConfigYaml(db, kind));
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  const int64_t now = core::NowUtc();
  const std::string name = "leads." + std::string(kind);
  const std::vector<Value> row = {name, std::string(yaml), now, std::string(actor)};
  MOPS_TRY(
      db.Execute("INSERT INTO configs (name, body, updated_at, updated_by) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = "
                 "excluded.updated_at, updated_by = excluded.updated_by",
                 row));
  const std::vector<Value> audit = {now,    std::string(actor), "leads.config", "configs", name,
                                    before, std::string(yaml)};
  MOPS_TRY(db.Execute(kAuditInsert, audit));
  return tx.Commit();
}

core::Result<ScoringConfig> LoadScoringConfig(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(std::string yaml, ConfigYaml(db, kScoringConfig));
  // Parsing (and compiling the regexes of) a config costs about a millisecond:
  // incremental rescores reuse the last one while its text is the same.
  static std::mutex mu;
  static std::string last_yaml;
  static std::optional<ScoringConfig> last;
  {
    std::lock_guard lock(mu);
    if (last && last_yaml == yaml) return *last;
  }
  MOPS_ASSIGN_OR_RETURN(ScoringConfig config, ParseScoringConfig(yaml));
  std::lock_guard lock(mu);
  last_yaml = yaml;
  last = config;
  return config;
}
core::Result<RoutingConfig> LoadRoutingConfig(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(std::string yaml, ConfigYaml(db, kRoutingConfig));
  return ParseRoutingConfig(yaml);
}
core::Result<SlaConfig> LoadSlaConfig(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(std::string yaml, ConfigYaml(db, kSlaConfig));
  return ParseSlaConfig(yaml);
}

namespace {

// Whether a write of `rows` rows into a table holding `existing` rewrites a
// large share of it: at least a quarter, and a few thousand rows.
bool IsBulkWrite(size_t rows, size_t existing) {
  constexpr size_t kMinRows = 4096;
  return rows >= kMinRows && rows * 4 >= existing;
}

// A score write's transaction, begun, with the stored scores it compares
// with (read inside it): contact_id, fit, engagement, grade, total, as_of.
struct StoreBegun {
  store::Transaction tx;
  std::vector<store::Column> old;
};
core::Result<StoreBegun> BeginStore(store::Database& db, std::span<const int64_t> only) {
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  const std::vector<ColumnType> types = {ColumnType::kInt,  ColumnType::kInt, ColumnType::kInt,
                                         ColumnType::kDict, ColumnType::kInt, ColumnType::kInt};
  std::string sql = "SELECT contact_id, fit, engagement, grade, total, as_of FROM lead_scores";
  if (!only.empty()) sql += " WHERE contact_id IN (" + internal::IdList(only) + ")";
  MOPS_ASSIGN_OR_RETURN(auto old, db.ScanColumns(sql + " ORDER BY contact_id", {}, types));
  return StoreBegun{std::move(tx), std::move(old)};
}

// Writes the changed scores, each replaced one to the history, then the
// lifecycle, in the transaction BeginStore began.
core::Result<ScoreRunReport> Store(store::Database& db, StoreBegun begun,
                                   const ScoringConfig& config, const ScoringInput& input,
                                   const std::vector<Score>& scores, Timestamp as_of,
                                   std::string_view actor, std::span<const int64_t> only,
                                   bool lifecycle) {
  ScoreRunReport report;
  report.as_of = as_of;
  report.contacts = static_cast<int64_t>(input.size());
  const auto started = std::chrono::steady_clock::now();
  store::Transaction tx = std::move(begun.tx);
  const std::vector<store::Column>& old = begun.old;
  MOPS_ASSIGN_OR_RETURN(
      internal::BatchInsert upsert,
      internal::BatchInsert::Make(
          db,
          "INSERT INTO lead_scores (contact_id, fit, engagement, total, grade, as_of, scored_at)",
          7,
          "ON CONFLICT (contact_id) DO UPDATE SET fit = excluded.fit, engagement = "
          "excluded.engagement, total = excluded.total, grade = excluded.grade, as_of = "
          "excluded.as_of, scored_at = excluded.scored_at"));
  MOPS_ASSIGN_OR_RETURN(auto update,
                        db.Prepare("UPDATE lead_scores SET fit = ?, engagement = ?, total = ?, "
                                   "grade = ?, as_of = ?, scored_at = ? WHERE contact_id = ?"));
  MOPS_ASSIGN_OR_RETURN(internal::BatchInsert history,
                        internal::BatchInsert::Make(db,
                                                    "INSERT INTO lead_score_history (contact_id, "
                                                    "at, fit, engagement, total, grade)",
                                                    6, ""));
  const int64_t now = core::NowUtc();
  // First which contacts change (and whether their row exists), then the
  // writes.
  std::vector<uint32_t> changed;
  std::vector<int64_t> stored_row;  // the row in `old`, or -1
  size_t o = 0;
  const size_t old_n = old[0].size();
  for (size_t i = 0; i < input.size(); ++i) {
    const int64_t id = input.contact_ids[i];
    while (o < old_n && old[0].ints[o] < id) ++o;
    const Score& s = scores[i];
    const bool stored = o < old_n && old[0].ints[o] == id;
    if (stored && old[1].ints[o] == s.fit && old[2].ints[o] == s.engagement &&
        old[3].codes[o] >= 0 && old[3].dict[old[3].codes[o]] == s.grade) {
      continue;
    }
    // A contact never scored and scoring 0 needs no row.
    if (!stored && s.fit == 0 && s.engagement == 0) continue;
    changed.push_back(static_cast<uint32_t>(i));
    stored_row.push_back(stored ? static_cast<int64_t>(o) : -1);
  }
  report.changed = static_cast<int64_t>(changed.size());
  // A run that rewrites a large share of the table (the first, or a day of
  // decay) writes stored rows by the multi-row upsert, which costs less per
  // row than one UPDATE each (1.3 against 1.8 CPU s for 1,000,000 scores
  // with their history rows); a small one updates them by key (one seek; an
  // upsert would try the insert first and seek again).
  const bool bulk = only.empty() && IsBulkWrite(changed.size(), old_n);
  for (size_t k = 0; k < changed.size(); ++k) {
    const size_t i = changed[k];
    const int64_t id = input.contact_ids[i];
    const Score& s = scores[i];
    const int64_t r = stored_row[k];
    if (r >= 0 && !bulk) {
      const Value row[] = {s.fit, s.engagement, s.total(), s.grade, as_of, now, id};
      MOPS_TRY(update->ExecuteQueued(row));
    } else {
      MOPS_TRY(upsert.Add(id, s.fit, s.engagement, s.total(), s.grade, as_of, now));
    }
    if (r >= 0) {
      const int32_t grade = old[3].codes[r];
      MOPS_TRY(history.Add(id, old[5].ints[r], old[1].ints[r], old[2].ints[r], old[4].ints[r],
                           grade >= 0 ? old[3].dict[grade] : std::string()));
    }
  }
  MOPS_TRY(upsert.Finish());
  MOPS_TRY(history.Finish());
  MOPS_TRY(db.Flush());
  if (lifecycle) {
    MOPS_ASSIGN_OR_RETURN(std::vector<internal::Role> roles, internal::LoadRoles(db, only));
    MOPS_ASSIGN_OR_RETURN(
        report.lifecycle_moves,
        internal::ApplyLifecycle(db, config, input, scores, roles, as_of, actor, &report.mqls_new));
    MOPS_TRY(db.Flush());
  }
  MOPS_TRY(tx.Commit());
  report.write_seconds = Seconds(started);
  return report;
}

}  // namespace

core::Result<ScoreRunReport> ScoreWorkspace(store::Database& db, Timestamp as_of,
                                            std::string_view actor, int threads, bool lifecycle) {
  MOPS_ASSIGN_OR_RETURN(ScoringConfig config, LoadScoringConfig(db));
  // Its commits write tens of megabytes to the WAL: copying them into the
  // database (0.3-0.6 s with the fsyncs) is left to the checkpointer's thread.
  const store::CheckpointElsewhere checkpoints(db);
  auto started = std::chrono::steady_clock::now();
  // The touches come from the touch cache (touch_cache.cc) where it can be
  // used: one short row per contact instead of every touchpoint.
  ScoreRunReport cache;
  internal::TouchCacheWrite cache_write;
  MOPS_ASSIGN_OR_RETURN(
      ScoringInput input,
      internal::LoadWithTouchCache(db, config, as_of, LoadParts(threads), cache, cache_write));
  const double load = Seconds(started);
  started = std::chrono::steady_clock::now();
  // The cache rows are written while the scores are computed (the writer
  // waits on SQLite, the scoring threads on nothing), then the scores.
  // The score write's transaction begins there too, with its read of the
  // stored scores.
  core::Status cached = {};
  std::optional<core::Result<StoreBegun>> begun;
  std::vector<Score> scores;
  {
    std::jthread writer([&] {
      cached = internal::StoreTouchCache(db, std::move(cache_write), cache);
      if (cached) begun.emplace(BeginStore(db, {}));
    });
    scores = ScoreAll(config, input, as_of, threads);
  }
  MOPS_TRY(cached);
  if (!*begun) return core::Fail(std::move(*begun).error());
  const double score = Seconds(started);
  MOPS_ASSIGN_OR_RETURN(ScoreRunReport report, Store(db, std::move(**begun), config, input, scores,
                                                     as_of, actor, {}, lifecycle));
  report.load_seconds = load;
  report.score_seconds = score;
  report.touch_cache = cache.touch_cache;
  report.cache_new_touches = cache.cache_new_touches;
  report.cache_changed_contacts = cache.cache_changed_contacts;
  report.cache_rows_written = cache.cache_rows_written;
  report.cache_write_seconds = cache.cache_write_seconds;
  return report;
}

core::Status ScoreDemo(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(Value last, db.QueryValue("SELECT MAX(occurred_at) FROM touchpoints"));
  if (store::IsNull(last)) return {};
  MOPS_TRY(ScoreWorkspace(db, store::AsInt(last), "demo", 0, false));
  return {};
}

core::Result<ScoreRunReport> RescoreContacts(store::Database& db, std::span<const int64_t> ids,
                                             Timestamp as_of) {
  if (ids.empty()) return ScoreRunReport{};
  MOPS_ASSIGN_OR_RETURN(ScoringConfig config, LoadScoringConfig(db));
  MOPS_ASSIGN_OR_RETURN(ScoringInput input, LoadScoringInput(db, as_of, 1, ids, NeedsOf(config)));
  const std::vector<Score> scores = ScoreAll(config, input, as_of, 1);
  MOPS_ASSIGN_OR_RETURN(StoreBegun begun, BeginStore(db, ids));
  return Store(db, std::move(begun), config, input, scores, as_of, "rescore", ids, true);
}

core::Result<ScoreRunReport> RescoreTouched(store::Database& db, std::span<const int64_t> ids,
                                            Timestamp now) {
  if (ids.empty()) return ScoreRunReport{};
  const std::string list = internal::IdList(ids);
  MOPS_ASSIGN_OR_RETURN(
      Value latest,
      db.QueryValue("SELECT MAX(t) FROM (SELECT MAX(occurred_at) AS t FROM touchpoints WHERE "
                    "contact_id IN (" +
                    list + ") UNION ALL SELECT MAX(as_of) FROM lead_scores WHERE contact_id IN (" +
                    list + ")) latest"));
  const Timestamp as_of = store::IsNull(latest) ? now : std::min(now, store::AsInt(latest));
  MOPS_ASSIGN_OR_RETURN(ScoreRunReport report, RescoreContacts(db, ids, as_of));
  if (report.mqls_new > 0) MOPS_TRY(RouteLeads(db, /*dry_run=*/false, "tracking", as_of));
  return report;
}

core::Result<Timestamp> StoredScoreAsOf(store::Database& db, int64_t contact_id,
                                        Timestamp fallback) {
  const Value p[] = {contact_id};
  MOPS_ASSIGN_OR_RETURN(Value v,
                        db.QueryValue("SELECT as_of FROM lead_scores WHERE contact_id = ?", p));
  return store::IsNull(v) ? fallback : store::AsInt(v);
}

core::Result<Explanation> Explain(store::Database& db, int64_t contact_id, Timestamp as_of) {
  MOPS_ASSIGN_OR_RETURN(ScoringConfig config, LoadScoringConfig(db));
  const int64_t ids[] = {contact_id};
  MOPS_ASSIGN_OR_RETURN(ScoringInput input, LoadScoringInput(db, as_of, 1, ids));
  if (input.size() != 1) {
    return core::Fail(core::MakeError(core::ErrorCode::kNotFound,
                                      fmt::format("no contact {} (or it was merged)", contact_id))
                          .InField("contact"));
  }
  Explanation e;
  e.contact_id = contact_id;
  e.as_of = as_of;
  const Scorer scorer(config, input);
  e.score = scorer.ScoreOne(0, as_of, &e.lines);
  return e;
}

core::Result<BacktestReport> RunBacktest(store::Database& db, Timestamp as_of, int64_t horizon_days,
                                         std::optional<std::string> draft_yaml, int threads) {
  if (horizon_days <= 0) {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                      "horizon must be a positive number of days")
                          .InField("horizon"));
  }
  std::optional<ScoringConfig> draft;
  if (draft_yaml) {
    MOPS_ASSIGN_OR_RETURN(draft, ParseScoringConfig(*draft_yaml, "draft"));
  }
  MOPS_ASSIGN_OR_RETURN(ScoringConfig config, LoadScoringConfig(db));
  ScoringNeeds needs = NeedsOf(config);
  if (draft) needs |= NeedsOf(*draft);
  needs.created_at = true;
  MOPS_ASSIGN_OR_RETURN(ScoringInput input,
                        LoadScoringInput(db, as_of, LoadParts(threads), {}, needs));
  MOPS_ASSIGN_OR_RETURN(std::vector<internal::Role> roles, internal::LoadRoles(db));
  const Timestamp end = as_of + horizon_days * 86400;
  // The population: contacts known at as_of and not yet on an opportunity.
  std::vector<uint8_t> keep(input.size(), 0), converted(input.size(), 0), won(input.size(), 0);
  size_t r = 0;
  for (size_t i = 0; i < input.size(); ++i) {
    const int64_t id = input.contact_ids[i];
    const bool known = input.created_at[i] <= as_of;
    bool before = false;
    while (r < roles.size() && roles[r].contact_id < id) ++r;
    for (size_t q = r; q < roles.size() && roles[q].contact_id == id; ++q) {
      if (roles[q].created_at <= as_of) {
        before = true;
      } else if (roles[q].created_at <= end) {
        converted[i] = 1;
        if (roles[q].won && roles[q].close_date <= end) won[i] = 1;
      }
    }
    keep[i] = known && !before;
  }
  auto run = [&](const ScoringConfig& c) {
    const std::vector<Score> all = ScoreAll(c, input, as_of, threads);
    std::vector<Score> s;
    std::vector<uint8_t> conv, w;
    for (size_t i = 0; i < input.size(); ++i) {
      if (!keep[i]) continue;
      s.push_back(all[i]);
      conv.push_back(converted[i]);
      w.push_back(won[i]);
    }
    return Backtest(c, s, conv, w);
  };
  BacktestReport report;
  report.as_of = as_of;
  report.horizon_days = horizon_days;
  report.stored = run(config);
  if (draft) report.draft = run(*draft);
  return report;
}

}  // namespace mops::leads
