// Lead management: fit and engagement scoring with caps and decay, the score
// backtest, lifecycle stages, routing and the marketing-to-sales SLA.
//
// Engines (config.cc, scoring.cc, backtest.cc, routing.cc, sla.cc) are pure
// functions over plain structs: no store, no clock ("now" is always an
// argument), no I/O. Scores are kept in centipoints (int64, 1 point = 100) so
// that the lines of an explanation add up exactly to the score.
//
// The service functions take a store::Database, which is not thread-safe:
// one call per connection. Every write a user triggers is one transaction,
// and a config that does not validate is never stored.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace mops::store {
class Database;
}

namespace mops::leads {

using core::Timestamp;

// ---------------------------------------------------------------- scoring config

// Attributes a fit rule can test. Contact fields by name ("seniority",
// "email", "email_domain", ...), account fields as "account.<name>".
// Numeric ones (account.employees, account.annual_revenue) also take range.
std::span<const std::string_view> FitFields();
bool IsNumericField(std::string_view field);

enum class FitOp { kEquals, kIn, kRange, kContains, kRegex, kExists };

struct FitRule {
  std::string name;
  int line = 0;  // in the config, 1-based
  std::string field;
  FitOp op = FitOp::kEquals;
  std::vector<std::string> values;  // equals (1), in, contains (any of), regex (1)
  std::optional<double> min, max;   // range, inclusive; either may be open
  bool exists = true;               // exists: true (has a value) or false (has none)
  int64_t points = 0;               // centipoints, may be negative
};

// Keys an engagement rule matches touchpoints on; each takes one value or a
// list (any of). Text compares without case; url is a glob (* and ?) over
// the whole URL.
enum class TouchKey { kType, kEvent, kUrl, kChannel, kCampaign, kCount };
inline constexpr int kTouchKeyCount = static_cast<int>(TouchKey::kCount);
std::string_view TouchKeyName(TouchKey key);

struct EngagementRule {
  std::string name;
  int line = 0;
  std::vector<std::vector<std::string>> match;  // per TouchKey; empty: any
  int64_t points = 0;                           // centipoints per touch
  bool repeatable = false;                      // false: once (the first matching touch)
  std::optional<int64_t> cap;                   // max |points| from the rule, centipoints
  int64_t period_days = 0;                      // > 0: at most period_cap per period
  int64_t period_cap = 0;
};

enum class DecayKind { kNone, kHalfLife, kWindow };
struct Decay {
  DecayKind kind = DecayKind::kNone;
  double days = 0;  // half-life or window length
};

enum class GroupKind { kFit, kEngagement };
struct Group {
  std::string name;
  int line = 0;
  GroupKind kind = GroupKind::kFit;
  std::optional<int64_t> cap;  // centipoints: the group's total is at most this
  Decay decay;                 // engagement groups only
  std::vector<FitRule> fit_rules;
  std::vector<EngagementRule> engagement_rules;
};

struct ScoringConfig {
  std::vector<Group> groups;
  // Grade letter: A when fit >= fit_grades[0], B >= [1], C >= [2], else D.
  std::vector<int64_t> fit_grades = {5000, 3000, 1500};
  // Grade digit: 1 when engagement >= engagement_grades[0], ... else 4.
  std::vector<int64_t> engagement_grades = {5000, 2500, 1000};
  // Lifecycle: MQL when fit >= mql_fit and engagement >= mql_engagement.
  int64_t mql_fit = 3000;
  int64_t mql_engagement = 4000;
  // A lead in mql or sql without any touch for this many days is recycled
  // (0: never).
  int64_t recycle_after_days = 90;
  std::string body;  // the YAML it was read from
};

// The YAML of the config that ships with mops.
std::string_view DefaultScoringYaml();
// Parses and validates. kInvalidArgument naming the group or rule, the key
// and the line ("scoring:14: rule 'pricing' (group web): regex ...").
core::Result<ScoringConfig> ParseScoringConfig(std::string_view yaml,
                                               std::string_view file = "scoring");

// ---------------------------------------------------------------- scoring engine

// Contacts and their touchpoints, column by column (struct of arrays). Text
// attributes are dictionary codes (-1: no value), so a rule is evaluated once
// per distinct value, not once per contact.
struct TextColumn {
  std::vector<int32_t> codes;
  std::vector<std::string> dict;
};
struct ScoringInput {
  std::vector<int64_t> contact_ids;  // ascending
  // One per FitFields() entry, in that order; numeric fields use `numbers`
  // (NaN: no value), the others `texts`.
  std::vector<TextColumn> texts;
  std::vector<std::vector<double>> numbers;
  // Touchpoints grouped by contact: those of contact i are
  // [touch_begin[i], touch_begin[i + 1]), in time order.
  std::vector<int64_t> touch_begin;
  std::vector<int64_t> touch_ids;
  std::vector<Timestamp> occurred_at;
  // One per TouchKey; a key that was not loaded has no codes (every touch
  // reads as without a value).
  std::vector<TextColumn> touch_keys;
  // When not empty: per touch, the set of engagement rules it matches
  // (Scorer::words() 64-bit words, as Scorer::RuleSets gives them), computed
  // earlier for the same config; the scorer then reads these instead of
  // matching touch_keys (see the touch cache in service.cc).
  std::vector<uint64_t> touch_sets;
  // When loaded (ScoringNeeds::created_at): per contact, its creation time
  // (the lowest Timestamp when unknown).
  std::vector<Timestamp> created_at;

  size_t size() const { return contact_ids.size(); }
  // An empty input with every column present.
  static ScoringInput Empty();
};

// One line of an explanation: a rule's award on one touch (engagement), a
// rule that matched (fit), or a cap. points are what it adds to the score
// now, after decay and caps; the lines add up exactly to the score.
struct ScoreLine {
  std::string group;
  std::string rule;  // "(group cap)" for the group cap's adjustment
  std::string detail;
  int64_t raw = 0;     // before decay (centipoints)
  int64_t points = 0;  // counted now
  int64_t touch_id = 0;
  Timestamp occurred_at = 0;
  std::optional<Timestamp> halves_at;   // half-life: when it is worth half of now
  std::optional<Timestamp> expires_at;  // when it stops counting (under half a point)
};

struct Score {
  int64_t fit = 0, engagement = 0;  // centipoints
  int64_t total() const { return fit + engagement; }
  std::string grade;  // "A1" .. "D4"
};

// A rules compiled against one input's dictionaries; reusable over its
// contacts from any number of threads.
//
// Compiling matches every rule once per distinct value (a URL glob per
// distinct URL, not per touch): a touch key's code maps to a bit set of the
// engagement rules it satisfies, and a touch's set is the AND over the keys
// some rule tests. Scoring a contact then costs a few table lookups per touch
// and one bit test per rule and touch, with no allocation.
class Scorer {
 public:
  Scorer(const ScoringConfig& config, const ScoringInput& input);
  // The score of contact `i` as of `as_of` (touches after it do not count);
  // fills `lines` when given.
  Score ScoreOne(size_t i, Timestamp as_of, std::vector<ScoreLine>* lines = nullptr) const;
  // Words of a touch's rule set, and the set of touch `t` of the input
  // (matched on its touch_keys) into out[0 .. words()).
  size_t words() const { return words_; }
  void RuleSets(int64_t t, uint64_t* out) const;

 private:
  struct CompiledFit {
    const FitRule* rule;
    int field;
    bool numeric;
    std::vector<uint8_t> match_code;  // per dict entry (text fields)
  };
  struct CompiledEngagement {
    const EngagementRule* rule;
    int bit;  // its bit in the touches' rule sets
  };
  struct CompiledGroup {
    const Group* group;
    std::vector<CompiledFit> fit;
    std::vector<CompiledEngagement> engagement;
  };
  const ScoringConfig& config_;
  const ScoringInput& input_;
  std::vector<CompiledGroup> groups_;
  // Rule sets are `words_` 64-bit words. Per tested key: for code c (-1: no
  // value) the set at (c + 1) * words_.
  size_t words_ = 0;
  std::vector<int> tested_keys_;
  std::vector<std::vector<uint64_t>> key_sets_;  // per TouchKey; empty when untested
};

// Scores every contact (in parallel over `threads`, 0: hardware).
std::vector<Score> ScoreAll(const ScoringConfig& config, const ScoringInput& input, Timestamp as_of,
                            int threads = 0);
std::string GradeOf(const ScoringConfig& config, int64_t fit, int64_t engagement);
// The decay factor of a point earned `age_seconds` ago.
double DecayFactor(const Decay& decay, double age_seconds);

// ---------------------------------------------------------------- backtest engine

struct BacktestBucket {
  std::string label;  // "1" (top decile) .. "10", or the grade
  int64_t count = 0;
  int64_t converted = 0;  // opportunity within the horizon
  int64_t won = 0;
  double min_score = 0, max_score = 0;  // points
  double rate = 0;                      // converted / count
  double lift = 0;                      // rate / overall rate (0 when overall is 0)
};
struct BacktestResult {
  int64_t contacts = 0;
  int64_t converted = 0;
  int64_t won = 0;
  double rate = 0;
  double auc = 0.5;  // of the total score for "converted"; ties count half
  std::vector<BacktestBucket> deciles;
  std::vector<BacktestBucket> grades;
  int64_t mqls = 0;  // contacts at or over the MQL threshold
  int64_t mqls_converted = 0;
  double mql_rate = 0;
};
// Deciles by total score, highest first: contacts sorted by score (ties by
// input order) and cut into ten as-equal-as-possible parts (sizes differ by
// at most one, the larger ones first).
BacktestResult Backtest(const ScoringConfig& config, std::span<const Score> scores,
                        std::span<const uint8_t> converted, std::span<const uint8_t> won);
// Mann-Whitney AUC with ties counted half; 0.5 when a class is empty.
double Auc(std::span<const int64_t> scores, std::span<const uint8_t> positive);

// ---------------------------------------------------------------- routing config and engine

struct RoutingCondition {
  std::vector<std::string> countries, states, industries, sources, grades;
  std::optional<int64_t> min_employees, max_employees;  // segment
  std::optional<int64_t> min_score;                     // centipoints
};
enum class ActionKind { kAccountOwner, kUser, kPool };
struct RoutingRule {
  std::string name;
  int line = 0;
  RoutingCondition when;
  ActionKind action = ActionKind::kPool;
  std::string target;  // user (email, external id or name) or pool name
};
enum class PoolMethod { kRoundRobin, kFewestOpen };
struct PoolMember {
  std::string user;
  int64_t weight = 1;
};
struct Pool {
  std::string name;
  int line = 0;
  PoolMethod method = PoolMethod::kRoundRobin;
  std::vector<PoolMember> members;
};
struct RoutingConfig {
  std::vector<RoutingRule> rules;
  std::vector<Pool> pools;
  std::string fallback_queue = "unassigned";
  std::string body;
};
std::string_view DefaultRoutingYaml();
core::Result<RoutingConfig> ParseRoutingConfig(std::string_view yaml,
                                               std::string_view file = "routing");

struct Lead {
  int64_t contact_id = 0;
  std::string country, state, industry, source, grade;
  int64_t employees = -1;     // -1: unknown
  int64_t score = 0;          // centipoints
  int64_t account_owner = 0;  // user id of the (matched) account's owner; 0: none
};
struct Rep {
  int64_t id = 0;
  std::string email, external_id, name, team;
  int64_t capacity = 0;  // max open leads; 0: no limit
  int64_t open = 0;      // open leads now
  bool active = true;
  std::optional<Timestamp> out_of_office_until;
};
// Smooth weighted round robin state of a pool: per member user id, its
// current credit. Persisted between runs.
using PoolState = std::map<std::string, std::map<int64_t, int64_t>>;
struct Assignment {
  int64_t contact_id = 0;
  int64_t user_id = 0;  // 0: to the fallback queue
  std::string queue;    // the fallback queue's name when user_id is 0
  std::string rule;     // the rule that fired ("" when none matched)
  std::string reason;   // why the fallback (capacity, out of office, no rule matched, ...)
};
// Routes leads in order. Reps' `open` counts grow as they are assigned;
// `state` is read and advanced. A rep is available when active, not out of
// office at `now` and under capacity. kInvalidArgument when a rule names a
// user or pool that does not exist (naming the rule and line).
core::Result<std::vector<Assignment>> Route(const RoutingConfig& config,
                                            std::span<const Lead> leads, std::vector<Rep>& reps,
                                            PoolState& state, Timestamp now);

// ---------------------------------------------------------------- SLA config and engine

struct BusinessHours {
  std::string timezone = "UTC";             // IANA name
  std::vector<int> days = {1, 2, 3, 4, 5};  // ISO weekday, Monday 1
  int start_minute = 9 * 60, end_minute = 17 * 60;
  bool always = false;  // 24x7
};
struct SlaTier {
  std::string name;
  int line = 0;
  std::vector<std::string> grades, sources;
  std::optional<int64_t> min_score;  // centipoints
  int64_t within_minutes = 0;
  bool business_hours = true;
};
struct SlaConfig {
  std::vector<SlaTier> tiers;
  BusinessHours default_hours;
  std::map<std::string, BusinessHours> team_hours;
  double at_risk_share = 0.75;
  std::vector<std::string> first_touch_types = {"sales_activity", "call", "meeting"};
  std::string body;
};
std::string_view DefaultSlaYaml();
core::Result<SlaConfig> ParseSlaConfig(std::string_view yaml, std::string_view file = "sla");

// Seconds east of UTC of `timezone` at `t` (ICU's zone data); kInvalidArgument
// for an unknown zone.
core::Result<int64_t> UtcOffset(std::string_view timezone, Timestamp t);
// The instant `minutes` of business time after `start` (the clock only runs
// inside the hours; a start outside them waits for the next opening).
Timestamp AddBusinessMinutes(const BusinessHours& hours, Timestamp start, int64_t minutes);

struct SlaLead {
  int64_t contact_id = 0;
  int64_t owner = 0;
  std::string team, grade, source;
  int64_t score = 0;
  Timestamp mql_at = 0;                  // the clock starts
  std::optional<Timestamp> first_touch;  // the first touch after mql_at
};
struct SlaStatus {
  int64_t contact_id = 0;
  std::string tier;
  Timestamp deadline = 0;
  std::string state;              // met, breached, at_risk, open
  int64_t minutes_to_touch = -1;  // wall clock; -1 when untouched
  int64_t overdue_minutes = 0;    // breached: past the deadline (to the touch or now)
};
// The tier of a lead: the first whose conditions hold; nullptr when none.
const SlaTier* TierOf(const SlaConfig& config, const SlaLead& lead);
SlaStatus EvaluateSla(const SlaConfig& config, const SlaLead& lead, Timestamp now);

// ---------------------------------------------------------------- service

inline constexpr std::string_view kScoringConfig = "scoring";
inline constexpr std::string_view kRoutingConfig = "routing";
inline constexpr std::string_view kSlaConfig = "sla";

// The stored config of a kind ("scoring", "routing", "sla"), or the default.
core::Result<std::string> ConfigYaml(store::Database& db, std::string_view kind);
// Validates then stores (audited); a config that does not parse changes
// nothing and returns the parse error.
core::Status SaveConfig(store::Database& db, std::string_view kind, std::string_view yaml,
                        std::string_view actor);
core::Result<ScoringConfig> LoadScoringConfig(store::Database& db);
core::Result<RoutingConfig> LoadRoutingConfig(store::Database& db);
core::Result<SlaConfig> LoadSlaConfig(store::Database& db);

// The columns a load reads: contact fields (bit f: FitFields()[f]) and touch
// keys (bit k: TouchKey k); fields that are not read have no value for any
// contact. The default reads everything (what an explanation shows).
struct ScoringNeeds {
  uint32_t fields = ~0u;
  uint32_t keys = ~0u;
  bool created_at = false;  // contacts' creation times (the backtest)
  bool touches = true;      // false: contacts only, every one without touches
  ScoringNeeds& operator|=(const ScoringNeeds& o) {
    fields |= o.fields;
    keys |= o.keys;
    created_at = created_at || o.created_at;
    touches = touches || o.touches;
    return *this;
  }
};
// What scoring with `config` and then the lifecycle read: the fields and keys
// its rules test, and lifecycle_stage.
ScoringNeeds NeedsOf(const ScoringConfig& config);

// Contacts (not merged; all of them, or those of `only`) and their
// touchpoints up to `as_of`, loaded column by column (in parallel over
// `parts` connections when loading all). max_touch_id: touches with a
// higher id are left out.
core::Result<ScoringInput> LoadScoringInput(store::Database& db, Timestamp as_of, int parts = 1,
                                            std::span<const int64_t> only = {},
                                            const ScoringNeeds& needs = {},
                                            int64_t max_touch_id = INT64_MAX);

struct ScoreRunReport {
  int64_t contacts = 0;
  int64_t changed = 0;   // score rows written (and history rows)
  int64_t mqls_new = 0;  // contacts that became MQL by this run
  int64_t lifecycle_moves = 0;
  Timestamp as_of = 0;
  double load_seconds = 0, score_seconds = 0, write_seconds = 0;
  // The touch cache (SQLite): "off" (not used), "built" (from every touch:
  // none yet, the config or campaigns changed, or too many contacts changed)
  // or "kept" (read, with the touches added and the contacts changed since).
  std::string touch_cache = "off";
  int64_t cache_new_touches = 0;       // kept: touches read after the mark
  int64_t cache_changed_contacts = 0;  // kept: contacts whose touches were read again
  int64_t cache_rows_written = 0;
  // Written while the scores are computed: part of score_seconds' span.
  double cache_write_seconds = 0;
};
// Rescores every contact as of `as_of` in one transaction: writes a score
// row and a history row only where the score changed, then applies the
// lifecycle (MQL by threshold, opportunity, customer, recycle after
// inactivity).
// lifecycle: false scores only (the demo keeps the generator's lifecycle).
core::Result<ScoreRunReport> ScoreWorkspace(store::Database& db, Timestamp as_of,
                                            std::string_view actor, int threads = 0,
                                            bool lifecycle = true);
// Scores the workspace as of its newest touchpoint (scores only, no
// lifecycle moves): what the demo company opens with.
core::Status ScoreDemo(store::Database& db);
// Rescores a few contacts (after new events). Same writes as ScoreWorkspace
// for those contacts only.
core::Result<ScoreRunReport> RescoreContacts(store::Database& db, std::span<const int64_t> ids,
                                             Timestamp as_of);

// After new events: rescores their contacts and routes a contact that
// became an MQL by it. As of the newest touch of these contacts or their
// stored scores, whichever is later, and never after `now`: for events that
// just arrived that is the moment they happened, and a workspace whose data
// ends in the past (a demo pinned to a date) is not scored as of a day
// after its data, where every other figure it shows stops.
core::Result<ScoreRunReport> RescoreTouched(store::Database& db, std::span<const int64_t> ids,
                                            Timestamp now);

struct Explanation {
  int64_t contact_id = 0;
  Timestamp as_of = 0;
  Score score;
  std::vector<ScoreLine> lines;
};
core::Result<Explanation> Explain(store::Database& db, int64_t contact_id, Timestamp as_of);
// The time the contact's stored score was computed as of, so that an
// explanation without an explicit date adds up to the score the lists show;
// `fallback` when the contact has no stored score.
core::Result<Timestamp> StoredScoreAsOf(store::Database& db, int64_t contact_id,
                                        Timestamp fallback);

struct BacktestReport {
  Timestamp as_of = 0;
  int64_t horizon_days = 0;
  BacktestResult stored;                // the stored (or default) config
  std::optional<BacktestResult> draft;  // --config FILE
};
core::Result<BacktestReport> RunBacktest(store::Database& db, Timestamp as_of, int64_t horizon_days,
                                         std::optional<std::string> draft_yaml, int threads = 0);

// Lifecycle side moves and sales statuses. Each is audited and recorded in
// lifecycle_history (with its cause) when the stage changes.
// status: working, accepted, qualified (-> sql), rejected (-> recycled),
// unqualified (-> disqualified; needs a reason).
core::Status SetLeadStatus(store::Database& db, int64_t contact_id, std::string_view status,
                           std::optional<int64_t> by_user, std::string_view reason,
                           std::string_view actor, Timestamp at);

struct RouteReport {
  int64_t leads = 0;
  std::vector<Assignment> assignments;
  bool dry_run = false;
};
// Routes the MQLs that have no owner (and those waiting in the fallback
// queue). Each assignment is audited with its rule; the round robin state is
// stored. dry_run: computes and changes nothing.
core::Result<RouteReport> RouteLeads(store::Database& db, bool dry_run, std::string_view actor,
                                     Timestamp now);
// After an import that added contacts (`new_ids`, ascending: the ids the
// import created): when some of them are MQLs without an owner, routes the
// waiting MQLs as RouteLeads does (actor "import"). Contacts an import only
// updated are not looked at. Returns the report (no leads when nothing was
// routed).
core::Result<RouteReport> RouteImportedMqls(store::Database& db, std::span<const int64_t> new_ids,
                                            Timestamp now);

struct SlaRepRow {
  std::string key;  // rep name or team
  int64_t user_id = 0;
  int64_t leads = 0, met = 0, breached = 0, at_risk = 0, open = 0;
  double median_minutes = -1;  // to first touch; -1 when none touched
  double within_share = 0;     // met / (met + breached)
};
struct FunnelMonth {
  std::string month;  // YYYY-MM of the MQL
  int64_t mql = 0, sal = 0, sql = 0, opportunity = 0, won = 0;
};
struct SlaReport {
  Timestamp as_of = 0;
  std::vector<SlaRepRow> reps, teams;
  std::vector<SlaStatus> escalations;  // breached untouched and at risk, most overdue first
  std::vector<SlaStatus> all;
  std::vector<FunnelMonth> funnel;
};
core::Result<SlaReport> SlaReportOf(store::Database& db, Timestamp now);

}  // namespace mops::leads
