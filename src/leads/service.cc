// The scoring service: configs, columnar loads, the workspace rescore with
// its write-back of changed rows only, incremental rescores, explain, and the
// backtest.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <unordered_map>

#include "core/strings.h"
#include "leads/internal.h"

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

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::string IdList(std::span<const int64_t> ids) {
  std::string out;
  for (int64_t id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

TextColumn FromDict(store::Column&& c) {
  TextColumn t;
  t.codes = std::move(c.codes);
  t.dict = std::move(c.dict);
  return t;
}

// Column of contacts' text fields in FitFields() order, as SQL over c (contact)
// and a (account).
constexpr std::string_view kFieldSql[] = {
    "c.email",           "NULL",           "c.title",     "c.seniority",     "c.department",
    "c.country",         "c.state",        "c.city",      "c.lead_status",   "c.lifecycle_stage",
    "c.original_source", "c.company_name", "a.name",      "a.domain",        "a.industry",
    "a.country",         "a.state",        "a.employees", "a.annual_revenue"};

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

// Replaces `campaign_id` (kInt) by a kDict column of the campaign key,
// COALESCE(campaigns.name, utm_campaign), as a LEFT JOIN would give it.
core::Status ResolveCampaignKey(store::Database& db, store::Column& campaign_id,
                                const store::Column& utm) {
  const ColumnType types[] = {ColumnType::kInt, ColumnType::kText};
  MOPS_ASSIGN_OR_RETURN(auto cp, db.ScanColumns("SELECT id, name FROM campaigns", {}, types));
  store::Column key;
  key.type = ColumnType::kDict;
  const size_t m = campaign_id.size();
  key.codes.resize(m, -1);
  key.nulls.resize(m, 1);
  // Codes of the utm dictionary are kept; campaign names are appended (or
  // mapped onto an equal utm value).
  key.dict = utm.dict;
  key.dict.reserve(utm.dict.size() + cp[0].size());  // the index views its strings
  std::unordered_map<std::string_view, int32_t> index;
  for (size_t k = 0; k < key.dict.size(); ++k) index.emplace(key.dict[k], static_cast<int32_t>(k));
  // Campaign ids are usually dense: a table by id, else a hash map.
  int64_t lo = 0, hi = -1;
  for (size_t row = 0; row < cp[0].size(); ++row) {
    if (cp[0].nulls[row]) continue;
    if (hi < lo) lo = hi = cp[0].ints[row];
    lo = std::min(lo, cp[0].ints[row]);
    hi = std::max(hi, cp[0].ints[row]);
  }
  const bool dense = hi - lo < static_cast<int64_t>(4 * cp[0].size() + 1024);
  std::vector<int32_t> by_id(dense && hi >= lo ? static_cast<size_t>(hi - lo + 1) : 0, -1);
  std::unordered_map<int64_t, int32_t> campaign_code;
  for (size_t row = 0; row < cp[0].size(); ++row) {
    if (cp[0].nulls[row] || cp[1].nulls[row]) continue;
    const int64_t id = cp[0].ints[row];
    const std::string& name = cp[1].texts[row];
    auto it = index.find(name);
    if (it == index.end()) {
      key.dict.push_back(name);
      it = index.emplace(key.dict.back(), static_cast<int32_t>(key.dict.size() - 1)).first;
    }
    if (dense) {
      by_id[static_cast<size_t>(id - lo)] = it->second;
    } else {
      campaign_code.emplace(id, it->second);
    }
  }
  for (size_t k = 0; k < m; ++k) {
    int32_t code = -1;
    if (!campaign_id.nulls[k]) {
      const int64_t id = campaign_id.ints[k];
      if (dense) {
        if (id >= lo && id <= hi) code = by_id[static_cast<size_t>(id - lo)];
      } else if (auto it = campaign_code.find(id); it != campaign_code.end()) {
        code = it->second;
      }
    }
    if (code < 0 && !utm.nulls[k]) code = utm.codes[k];
    key.codes[k] = code;
    key.nulls[k] = code < 0 ? 1 : 0;
  }
  campaign_id = std::move(key);
  return {};
}

}  // namespace

core::Result<ScoringInput> LoadScoringInput(store::Database& db, Timestamp as_of, int parts,
                                            std::span<const int64_t> only) {
  ScoringInput in = ScoringInput::Empty();
  const auto fields = FitFields();
  std::string select = "SELECT c.id";
  std::vector<ColumnType> types = {ColumnType::kInt};
  for (size_t f = 0; f < fields.size(); ++f) {
    if (fields[f] == "email_domain") continue;  // derived from the e-mail
    select += ", ";
    select += kFieldSql[f];
    types.push_back(f == 0                      ? ColumnType::kText
                    : IsNumericField(fields[f]) ? ColumnType::kReal
                                                : ColumnType::kDict);
  }
  select +=
      // Unary +: SQLite would otherwise read the contacts_merged index (all of
      // it: nearly every contact is unmerged) even when a few ids are asked for.
      " FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id WHERE +c.merged_into IS NULL";
  // The campaign key is COALESCE(campaign name, utm_campaign): resolved here
  // from the (small) campaigns table rather than by a join, which costs an
  // index lookup per touch.
  std::string touches = fmt::format(
      "SELECT t.contact_id, t.id, t.occurred_at, t.type, t.event_name, t.url, "
      "t.channel, t.campaign_id, t.utm_campaign FROM touchpoints t WHERE +t.occurred_at <= {}",
      as_of);
  const std::vector<ColumnType> touch_types = {
      ColumnType::kInt,  ColumnType::kInt,  ColumnType::kInt, ColumnType::kDict, ColumnType::kDict,
      ColumnType::kDict, ColumnType::kDict, ColumnType::kInt, ColumnType::kDict};
  std::vector<store::Column> c, t;
  if (!only.empty()) {
    const std::string ids = IdList(only);
    MOPS_ASSIGN_OR_RETURN(
        c, db.ScanColumns(select + " AND c.id IN (" + ids + ") ORDER BY c.id", {}, types));
    MOPS_ASSIGN_OR_RETURN(t, db.ScanColumns(touches + " AND t.contact_id IN (" + ids +
                                                ") ORDER BY t.contact_id, t.occurred_at, t.id",
                                            {}, touch_types));
  } else {
    MOPS_ASSIGN_OR_RETURN(Value lo, db.QueryValue("SELECT MIN(id) FROM contacts"));
    MOPS_ASSIGN_OR_RETURN(Value hi, db.QueryValue("SELECT MAX(id) FROM contacts"));
    const int64_t l = store::AsInt(lo, 0), h = store::AsInt(hi, -1) + 1;
    const int n = std::max(1, parts);
    MOPS_ASSIGN_OR_RETURN(
        c, store::ScanColumnsParallel(db, select + " AND c.id >= ? AND c.id < ? ORDER BY c.id", l,
                                      h, types, n));
    // Split by touch id (the row id): each connection reads only its own
    // range of the table, in table order; rows are grouped by contact below.
    MOPS_ASSIGN_OR_RETURN(Value tlo, db.QueryValue("SELECT MIN(id) FROM touchpoints"));
    MOPS_ASSIGN_OR_RETURN(Value thi, db.QueryValue("SELECT MAX(id) FROM touchpoints"));
    MOPS_ASSIGN_OR_RETURN(
        t, store::ScanColumnsParallel(
               db, touches + " AND +t.contact_id IS NOT NULL AND t.id >= ? AND t.id < ?",
               store::AsInt(tlo, 0), store::AsInt(thi, -1) + 1, touch_types, n));
  }
  MOPS_TRY(ResolveCampaignKey(db, t[7], t[8]));
  const size_t n = c[0].size();
  in.contact_ids = std::move(c[0].ints);
  size_t col = 1;
  for (size_t f = 0; f < fields.size(); ++f) {
    if (fields[f] == "email_domain") continue;
    store::Column& src = c[col++];
    if (IsNumericField(fields[f])) {
      in.numbers[f].resize(n);
      for (size_t i = 0; i < n; ++i) {
        in.numbers[f][i] = src.nulls[i] ? std::nan("") : src.reals[i];
      }
    } else if (f == 0) {
      // E-mails are unique: the address itself, and its domain as a dictionary.
      TextColumn email, domain;
      email.codes.resize(n, -1);
      domain.codes.resize(n, -1);
      std::unordered_map<std::string, int32_t> domains;
      for (size_t i = 0; i < n; ++i) {
        if (src.nulls[i] || src.texts[i].empty()) continue;
        email.codes[i] = static_cast<int32_t>(email.dict.size());
        const std::string& e = src.texts[i];
        const size_t at = e.rfind('@');
        if (at != std::string::npos) {
          std::string d = core::ToLower(core::Trim(std::string_view(e).substr(at + 1)));
          auto [it, fresh] = domains.emplace(d, static_cast<int32_t>(domain.dict.size()));
          if (fresh) domain.dict.push_back(std::move(d));
          domain.codes[i] = it->second;
        }
        email.dict.push_back(std::move(src.texts[i]));
      }
      in.texts[0] = std::move(email);
      in.texts[1] = std::move(domain);
    } else {
      in.texts[f] = FromDict(std::move(src));
    }
  }
  for (size_t f = 0; f < fields.size(); ++f) {
    if (in.texts[f].codes.empty()) in.texts[f].codes.assign(n, -1);
    if (in.numbers[f].empty()) in.numbers[f].assign(n, std::nan(""));
  }
  // Touches grouped by contact (a counting sort over the contacts' positions),
  // then in time order within each contact.
  const size_t m = t[0].size();
  in.touch_begin.assign(n + 1, 0);
  const int64_t min_id = n > 0 ? in.contact_ids.front() : 0;
  const int64_t span = n > 0 ? in.contact_ids.back() - min_id + 1 : 0;
  std::vector<int32_t> position;
  const bool dense = span <= static_cast<int64_t>(4 * n + 1024);
  if (dense) {
    position.assign(static_cast<size_t>(span), -1);
    for (size_t i = 0; i < n; ++i) position[in.contact_ids[i] - min_id] = static_cast<int32_t>(i);
  }
  auto contact_of = [&](int64_t id) -> int32_t {
    if (n == 0 || id < min_id || id - min_id >= span) return -1;
    if (dense) return position[id - min_id];
    auto it = std::lower_bound(in.contact_ids.begin(), in.contact_ids.end(), id);
    return it != in.contact_ids.end() && *it == id
               ? static_cast<int32_t>(it - in.contact_ids.begin())
               : -1;
  };
  std::vector<int32_t> owner(m);
  for (size_t k = 0; k < m; ++k) {
    owner[k] = t[0].nulls[k] ? -1 : contact_of(t[0].ints[k]);
    if (owner[k] >= 0) ++in.touch_begin[owner[k] + 1];
  }
  for (size_t i = 0; i < n; ++i) in.touch_begin[i + 1] += in.touch_begin[i];
  const size_t kept = static_cast<size_t>(in.touch_begin[n]);
  std::vector<size_t> order(kept);
  {
    std::vector<int64_t> next(in.touch_begin.begin(), in.touch_begin.end() - 1);
    for (size_t k = 0; k < m; ++k) {
      if (owner[k] >= 0) order[next[owner[k]]++] = k;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    auto b = order.begin() + in.touch_begin[i], e = order.begin() + in.touch_begin[i + 1];
    if (e - b > 1) {
      std::sort(b, e, [&](size_t x, size_t y) {
        return t[2].ints[x] != t[2].ints[y] ? t[2].ints[x] < t[2].ints[y]
                                            : t[1].ints[x] < t[1].ints[y];
      });
    }
  }
  in.touch_ids.resize(kept);
  in.occurred_at.resize(kept);
  for (int k = 0; k < kTouchKeyCount; ++k) {
    in.touch_keys[k].dict = std::move(t[3 + k].dict);
    in.touch_keys[k].codes.resize(kept);
  }
  for (size_t j = 0; j < kept; ++j) {
    const size_t k = order[j];
    in.touch_ids[j] = t[1].ints[k];
    in.occurred_at[j] = t[2].ints[k];
    for (int q = 0; q < kTouchKeyCount; ++q) in.touch_keys[q].codes[j] = t[3 + q].codes[k];
  }
  // Dictionary values compare without case: lower-case them once.
  for (int q = 0; q < kTouchKeyCount; ++q) {
    if (q == static_cast<int>(TouchKey::kUrl)) continue;
    for (std::string& v : in.touch_keys[q].dict) v = core::ToLower(v);
  }
  return in;
}

namespace {

// Writes the changed scores (and their history rows), then the lifecycle.
core::Result<ScoreRunReport> Store(store::Database& db, const ScoringConfig& config,
                                   const ScoringInput& input, const std::vector<Score>& scores,
                                   Timestamp as_of, std::string_view actor,
                                   std::span<const int64_t> only, bool lifecycle) {
  ScoreRunReport report;
  report.as_of = as_of;
  report.contacts = static_cast<int64_t>(input.size());
  const auto started = std::chrono::steady_clock::now();
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  const std::vector<ColumnType> types = {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt,
                                         ColumnType::kDict};
  std::string sql = "SELECT contact_id, fit, engagement, grade FROM lead_scores";
  if (!only.empty()) sql += " WHERE contact_id IN (" + IdList(only) + ")";
  MOPS_ASSIGN_OR_RETURN(auto old, db.ScanColumns(sql + " ORDER BY contact_id", {}, types));
  MOPS_ASSIGN_OR_RETURN(
      auto upsert,
      db.Prepare("INSERT INTO lead_scores (contact_id, fit, engagement, total, grade, as_of, "
                 "scored_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET "
                 "fit = excluded.fit, engagement = excluded.engagement, total = excluded.total, "
                 "grade = excluded.grade, as_of = excluded.as_of, scored_at = excluded.scored_at"));
  MOPS_ASSIGN_OR_RETURN(auto history,
                        db.Prepare("INSERT INTO lead_score_history (contact_id, at, fit, "
                                   "engagement, total, grade) VALUES (?, ?, ?, ?, ?, ?)"));
  const int64_t now = core::NowUtc();
  size_t o = 0;
  const size_t old_n = old[0].size();
  for (size_t i = 0; i < input.size(); ++i) {
    const int64_t id = input.contact_ids[i];
    while (o < old_n && old[0].ints[o] < id) ++o;
    const Score& s = scores[i];
    if (o < old_n && old[0].ints[o] == id && old[1].ints[o] == s.fit &&
        old[2].ints[o] == s.engagement && old[3].codes[o] >= 0 &&
        old[3].dict[old[3].codes[o]] == s.grade) {
      continue;
    }
    // A contact never scored and scoring 0 needs no row.
    if ((o >= old_n || old[0].ints[o] != id) && s.fit == 0 && s.engagement == 0) continue;
    ++report.changed;
    const std::vector<Value> row = {id, s.fit, s.engagement, s.total(), s.grade, as_of, now};
    MOPS_TRY(upsert->ExecuteQueued(row));
    const std::vector<Value> h = {id, as_of, s.fit, s.engagement, s.total(), s.grade};
    MOPS_TRY(history->ExecuteQueued(h));
  }
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
  auto started = std::chrono::steady_clock::now();
  MOPS_ASSIGN_OR_RETURN(ScoringInput input, LoadScoringInput(db, as_of, std::max(2, threads)));
  const double load = Seconds(started);
  started = std::chrono::steady_clock::now();
  const std::vector<Score> scores = ScoreAll(config, input, as_of, threads);
  const double score = Seconds(started);
  MOPS_ASSIGN_OR_RETURN(ScoreRunReport report,
                        Store(db, config, input, scores, as_of, actor, {}, lifecycle));
  report.load_seconds = load;
  report.score_seconds = score;
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
  MOPS_ASSIGN_OR_RETURN(ScoringInput input, LoadScoringInput(db, as_of, 1, ids));
  const std::vector<Score> scores = ScoreAll(config, input, as_of, 1);
  return Store(db, config, input, scores, as_of, "rescore", ids, true);
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
  MOPS_ASSIGN_OR_RETURN(ScoringInput input, LoadScoringInput(db, as_of, std::max(2, threads)));
  const std::vector<ColumnType> types = {ColumnType::kInt, ColumnType::kInt};
  MOPS_ASSIGN_OR_RETURN(auto created, db.ScanColumns("SELECT id, created_at FROM contacts WHERE "
                                                     "merged_into IS NULL ORDER BY id",
                                                     {}, types));
  MOPS_ASSIGN_OR_RETURN(std::vector<internal::Role> roles, internal::LoadRoles(db));
  const Timestamp end = as_of + horizon_days * 86400;
  // The population: contacts known at as_of and not yet on an opportunity.
  std::vector<uint8_t> keep(input.size(), 0), converted(input.size(), 0), won(input.size(), 0);
  size_t k = 0, r = 0;
  for (size_t i = 0; i < input.size(); ++i) {
    const int64_t id = input.contact_ids[i];
    while (k < created[0].size() && created[0].ints[k] < id) ++k;
    const bool known = k < created[0].size() && created[0].ints[k] == id &&
                       (created[1].nulls[k] || created[1].ints[k] <= as_of);
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
