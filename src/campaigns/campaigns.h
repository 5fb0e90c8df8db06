// Campaign operations: the campaign hierarchy and its roll-ups, member
// statuses, UTM naming governance, approvals, QA checklists, the launch gate,
// the calendar and budgets.
//
// The engines declared here are pure functions over plain structs: no store,
// no clock (callers pass "now" as `as_of`), no I/O. The service functions at
// the end load from and write to a workspace, each user action in one
// transaction, audited. Thread-safety: engines are reentrant; the service
// functions use the Database they are given, which is not thread-safe.
#pragma once

#include <cstdint>
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

namespace mops::campaigns {

// ------------------------------------------------------------------ states

// The workflow state of a campaign: draft -> in_review -> approved ->
// scheduled -> live -> completed, plus cancelled.
enum class State { kDraft, kInReview, kApproved, kScheduled, kLive, kCompleted, kCancelled };
inline constexpr int kStateCount = 7;
std::string_view StateName(State state);
core::Result<State> ParseState(std::string_view name);
// The state of an imported campaign that never went through the workflow,
// from its CRM status (Planned, In Progress, Completed, Aborted).
State StateFromCrmStatus(std::string_view status);

// Whether `from` -> `to` is a transition of the state machine; kConflict
// naming both states and the allowed targets otherwise. The launch gate
// (scheduled -> live) has further conditions: see LaunchGate.
core::Status CheckTransition(State from, State to);
std::vector<State> AllowedTransitions(State from);

// ---------------------------------------------------------- member statuses

struct MemberStatus {
  std::string name;
  int sort_order = 0;
  bool responded = false;
  bool is_default = false;
};

// Names unique (ignoring case), sort orders unique, exactly one default, at
// least one status; kInvalidArgument naming the status otherwise.
core::Status ValidateMemberStatuses(std::span<const MemberStatus> statuses);
// The built-in statuses of a campaign type (Email, Webinar, Event, Paid
// Search, ... ; anything else gets Sent/Responded), ordered by sort_order.
std::vector<MemberStatus> DefaultMemberStatuses(std::string_view campaign_type);

struct MemberState {
  std::string status;
  bool responded = false;
  std::optional<core::Timestamp> first_responded_at;
};

// Moves a member to `target`. Members only move forward (a strictly larger
// sort order); responded is sticky and first_responded_at is set the first
// time the member reaches a responded status. kConflict when the move goes
// backward or sideways, kInvalidArgument when `target` is not a status.
core::Result<MemberState> AdvanceMember(std::span<const MemberStatus> statuses,
                                        const MemberState& current, std::string_view target,
                                        core::Timestamp at);

// Where an imported member lands: its status matched by name ignoring case
// and punctuation; an unknown status goes to the first responded status when
// the row says it responded, else to the default. `mapped` is false when the
// status was not found.
struct LandedMember {
  MemberState state;
  bool mapped = true;
};
LandedMember LandImportedMember(std::span<const MemberStatus> statuses, std::string_view status,
                                bool responded, std::optional<core::Timestamp> first_responded_at,
                                std::optional<core::Timestamp> created_at);

// ---------------------------------------------------------------- hierarchy

inline constexpr int kMaxDepth = 5;

// One campaign's own figures. Money in minor units; pipeline and won revenue
// in major units, as attribution stores them.
struct Node {
  int64_t id = 0;
  int64_t parent_id = 0;  // 0: a root
  int64_t budget = 0;
  int64_t actual_cost = 0;
  int64_t members = 0;
  int64_t responses = 0;
  double pipeline = 0;
  double won = 0;
};

struct Totals {
  int64_t budget = 0;
  int64_t actual_cost = 0;
  int64_t members = 0;
  int64_t responses = 0;
  double pipeline = 0;
  double won = 0;
};

struct RollupRow {
  int32_t node = 0;     // index into the input
  int32_t parent = -1;  // index, -1 for a root
  int depth = 1;        // roots are level 1
  int descendants = 0;
  Totals own;
  Totals total;  // own + every descendant's own
};

// Roll-ups in tree order (a parent before its children, siblings by id). A
// parent that is not in the input makes a root; a node in a cycle or deeper
// than kMaxDepth is still rolled up into its ancestors and named in
// `problems`. O(n).
struct Rollup {
  std::vector<RollupRow> rows;
  std::vector<std::string> problems;
};
Rollup RollUp(std::span<const Node> nodes);

// Whether setting `parent_id` as the parent of `id` keeps the hierarchy a
// tree of at most kMaxDepth levels (counting id's own subtree);
// kInvalidArgument in field parent_id otherwise.
core::Status CheckParent(std::span<const Node> nodes, int64_t id, int64_t parent_id);

// ---------------------------------------------------------------- UTM rules

enum class CaseRule { kLower, kUpper, kAny };

// A part of the campaign-name pattern: a dropdown field ({region}), a date
// part ({yyyy}, {yy}, {mm}, {dd}, {q}), the free name ({name}) or a constant.
struct PatternPart {
  enum Kind { kConstant, kField, kDate, kName } kind = kConstant;
  std::string text;  // the constant, the field or the date part
};

struct NamingRules {
  std::vector<std::string> sources;  // allowed utm_source values; empty: any
  std::vector<std::string> mediums;  // allowed utm_medium values; empty: any
  CaseRule case_rule = CaseRule::kLower;
  std::string space_replacement = "_";
  std::string forbidden = "?#&=%<>\"'";
  std::map<std::string, int> max_length;  // utm_source ... utm_term
  std::vector<std::string> required = {"utm_source", "utm_medium", "utm_campaign"};
  std::string pattern;  // the text, e.g. {region}_{yyyy}{mm}_{channel}_{name}
  std::vector<PatternPart> parts;
  std::map<std::string, std::vector<std::string>> fields;  // dropdowns
  // Value -> canonical value (fb -> facebook), keys after the case rule.
  std::map<std::string, std::string> aliases;
};

// The `naming` config:
//   sources: [google, facebook, linkedin]
//   mediums: [cpc, email, social]
//   case: lower            # lower, upper or any
//   space_replacement: "_"
//   forbidden: "?#&="
//   max_length: {utm_campaign: 80}
//   required: [utm_source, utm_medium, utm_campaign]
//   campaign_pattern: "{region}_{yyyy}{mm}_{channel}_{name}"
//   fields: {region: [na, emea, apac], channel: [email, paid, social]}
//   aliases: {fb: facebook, "e-mail": email}
// Errors name the config, the key and its line.
core::Result<NamingRules> ParseNamingConfig(std::string_view yaml, std::string_view name);
// The rules mops applies when the workspace has no naming config.
NamingRules DefaultNamingRules();

inline constexpr std::string_view kUtmParams[] = {"utm_source", "utm_medium", "utm_campaign",
                                                  "utm_content", "utm_term"};

struct Violation {
  std::string param;  // utm_source, ...
  std::string value;  // as found (decoded)
  std::string rule;   // missing, case, spaces, forbidden, length, not_allowed, pattern, alias
  std::string message;
  std::string suggestion;  // the fixed value; empty when mops cannot say
};

// The value after the mechanical rules: case, spaces replaced (runs of
// blanks and the replacement collapse into one), forbidden characters
// dropped, aliases applied. Unicode is kept (only ASCII changes case).
std::string NormalizeValue(const NamingRules& rules, std::string_view param,
                           std::string_view value);
// Violations of one parameter value ("" for a missing one).
std::vector<Violation> CheckValue(const NamingRules& rules, std::string_view param,
                                  std::string_view value);

struct UrlCheck {
  std::string url;
  bool well_formed = true;
  std::string error;                       // why the URL is not well formed
  std::map<std::string, std::string> utm;  // decoded utm_* values found
  std::vector<Violation> violations;
  std::string fixed_url;  // the URL with suggested values; empty when no fix
};
UrlCheck CheckUrl(const NamingRules& rules, std::string_view url);

struct BuildRequest {
  std::string url;
  std::map<std::string, std::string> utm;  // utm_source ... (or source ...)
  // Values of the pattern's parts when utm_campaign is built from it.
  std::map<std::string, std::string> parts;
  std::optional<core::Timestamp> date;  // for {yyyy} {mm} {dd} {q}
};
struct BuiltUrl {
  std::string url;
  std::map<std::string, std::string> utm;  // the values put in
};
// Builds a tracked URL: values normalized, required parameters and the
// pattern checked, existing utm_* parameters replaced, every other query
// parameter and the fragment kept. kInvalidArgument naming the parameter.
core::Result<BuiltUrl> BuildUrl(const NamingRules& rules, const BuildRequest& request);
// utm_campaign from the pattern's parts; kInvalidArgument naming a missing
// or disallowed part.
core::Result<std::string> CampaignName(const NamingRules& rules,
                                       const std::map<std::string, std::string>& parts,
                                       std::optional<core::Timestamp> date);

// Percent-decoding ('+' as space) and encoding of a query value.
std::string UrlDecode(std::string_view text);
std::string UrlEncode(std::string_view text);

// Stored UTMs as the service loads them: dictionary-coded columns of the
// touchpoints (source, medium, utm_campaign), -1 for NULL, one row per
// touchpoint or, with `counts`, per distinct combination and its number of
// touchpoints.
struct StoredUtms {
  std::vector<std::string> source_dict, medium_dict, campaign_dict;
  std::vector<int32_t> source, medium, campaign;
  std::vector<int64_t> counts;  // empty: every row is one touchpoint
  // utm_campaign values of the campaigns table.
  std::vector<std::string> campaign_names;
};

struct StoredViolation {
  std::string param;  // utm_source, utm_medium, utm_campaign
  std::string value;
  std::vector<std::string> rules;
  std::string message;
  std::string suggestion;
  int64_t touchpoints = 0;
};
struct StoredCheck {
  int64_t touchpoints = 0;
  int64_t with_utm = 0;
  int64_t touchpoints_affected = 0;         // touchpoints with at least one violation
  std::vector<StoredViolation> violations;  // most touchpoints first
  // utm_campaign values on touchpoints that no campaign has (with counts).
  std::vector<std::pair<std::string, int64_t>> unknown_campaigns;
  // Suggested values, per parameter: value -> fixed value (what `fix` applies).
  std::map<std::string, std::map<std::string, std::string>> fixes;
  // utm_campaign values of campaigns that break the rules (touchpoints: 0;
  // message names the campaign). Filled by the service.
  std::vector<StoredViolation> campaigns;
};
// Checks every distinct value once and counts touchpoints per value. Values
// that differ only by case, spaces or an alias (Facebook, facebook, fb) get
// one suggestion. Blank values (NULL, empty, or an analytics placeholder
// such as (direct), (none), (not set)) are not violations of the stored data:
// touchpoints of direct and organic visits and CRM activities carry none, and
// a touchpoint whose values are all blank is not counted as carrying UTMs.
// O(rows x parameters + distinct values).
StoredCheck CheckStored(const NamingRules& rules, const StoredUtms& utms);

// ---------------------------------------------------------------- approvals

// A step of an approval chain. Steps with the same `stage` run in parallel;
// stages run in ascending order. A step names a role or a user.
struct StepDef {
  int stage = 1;
  std::string name;
  std::string role;  // e.g. approver
  std::string user;  // a token name
  int due_days = 3;
};
core::Status ValidateChain(std::span<const StepDef> chain);

enum class Decision { kPending, kApproved, kApprovedWithChanges, kChangesRequired, kRejected };
std::string_view DecisionName(Decision d);
core::Result<Decision> ParseDecision(std::string_view name);

struct Step {
  int64_t id = 0;
  int round = 1;
  StepDef def;
  Decision decision = Decision::kPending;
  core::Timestamp due_at = 0;
  std::string decided_by;
  std::optional<core::Timestamp> decided_at;
  std::string comment;
};

struct Actor {
  std::string name;
  std::string role;  // admin, ops, analyst, approver, viewer
};

// The steps (indices, of the newest round) that may be decided now: the
// pending ones of the first stage that is not fully approved.
std::vector<int32_t> ActiveSteps(std::span<const Step> steps);

struct DecisionEffect {
  Step step;  // the step with the decision applied
  // The campaign's new state, when the decision moves it: approved (every
  // step approved), draft (changes required), cancelled (rejected).
  std::optional<State> campaign_state;
};
// Decides step `index`. Refused (kConflict) when the campaign is not in
// review, the step is decided or not active yet; (kPermissionDenied) when
// the actor is neither the step's user nor of its role (admin may always);
// (kInvalidArgument) when changes required or rejected come without a
// comment, or the decision is pending.
core::Result<DecisionEffect> Decide(std::span<const Step> steps, int32_t index, State campaign,
                                    Decision decision, const Actor& actor, std::string_view comment,
                                    core::Timestamp at);
// Pending active steps past their due date at `as_of`.
std::vector<int32_t> OverdueSteps(std::span<const Step> steps, core::Timestamp as_of);
// The steps of a new round, from the chain, due `due_days` after `at`.
std::vector<Step> StartRound(std::span<const StepDef> chain, int round, core::Timestamp at);

// ------------------------------------------------------------- QA and launch

struct Asset {
  int64_t id = 0;
  std::string name;
  std::string type;  // email, landing_page, ad, social_post, document, image, video
  std::string url;
  std::string owner;
  std::string status;  // draft, ready, retired
  std::string body;    // text content (e-mail body, ad copy)
};

struct ChecklistItem {
  int64_t id = 0;
  std::string label;
  bool blocking = true;
  bool done = false;
  std::string done_by;
};

struct CampaignFields {
  int64_t id = 0;
  std::string name, type, channel, owner, goal, audience, utm_campaign;
  std::optional<core::Timestamp> start_date, end_date;
  int64_t budget = 0;
  State state = State::kDraft;
};

struct QaItem {
  std::string key;  // links_well_formed, ..., or manual:<id>
  std::string label;
  bool automatic = true;
  bool blocking = true;
  bool passed = false;
  std::string detail;  // what is wrong, when it failed
};

// The automatic checks (links well formed, UTMs on every link and valid
// under the rules, required fields, budget, dates, member statuses,
// personalization tokens, tracking) followed by the manual items.
std::vector<QaItem> RunQa(const CampaignFields& campaign, std::span<const Asset> assets,
                          std::span<const MemberStatus> statuses,
                          std::span<const ChecklistItem> manual, const NamingRules& rules);

// Personalization tokens in a text that will not resolve: unknown fields
// ({{contact.frist_name}}), unclosed ({{first_name) or empty tokens. Known
// fields are the contact and account columns, with or without an object
// prefix, and any token with a default (|default: or , default=).
std::vector<std::string> UnresolvedTokens(std::string_view text);

// Why a campaign may not go live; empty when it may. Names each step not
// approved, each blocking QA item not passed, and a wrong state.
std::vector<std::string> LaunchGate(State state, std::span<const Step> steps,
                                    std::span<const QaItem> qa);

// ---------------------------------------------------------------- calendar

struct CalendarEntry {
  int64_t id = 0;
  std::string name, channel, audience;
  State state = State::kDraft;
  core::Timestamp start = 0;
  core::Timestamp end = 0;
};
struct Conflict {
  std::string kind;  // same_day_email, same_week_launch
  std::vector<int64_t> campaigns;
  std::string audience;
  std::string when;  // 2026-03-04 or 2026-W10
  std::string message;
};
// Two e-mail campaigns to one audience starting on the same day, and two
// launches on one audience (segment) in the same ISO week (a pair already
// reported as same-day e-mail is not repeated). Cancelled campaigns and
// those without an audience are left out. Audiences compare ignoring case.
std::vector<Conflict> CalendarConflicts(std::span<const CalendarEntry> entries);
// "2026-W10", the ISO week of a time.
std::string IsoWeek(core::Timestamp t);

// ---------------------------------------------------------------- budgets

struct CostLine {
  core::Timestamp date = 0;
  int64_t amount = 0;  // minor units
  std::string kind;    // spend, period_cost, recorded
};
struct BudgetInput {
  int64_t budget = 0;
  std::optional<core::Timestamp> start, end;
  std::vector<CostLine> costs;
  int64_t members = 0, responses = 0, opportunities = 0, won_deals = 0;
};
struct BudgetMonth {
  std::string month;    // 2026-03
  int64_t planned = 0;  // the budget spread over the flight's days
  int64_t spend = 0;
  int64_t period_costs = 0;
  int64_t actual = 0;
  int64_t variance = 0;  // planned - actual
};
struct BudgetReport {
  int64_t budget = 0;
  int64_t actual = 0;
  int64_t variance = 0;  // budget - actual: negative is over budget
  std::optional<double> variance_pct;
  std::optional<double> elapsed;  // share of the flight elapsed at as_of
  std::optional<double> pacing;   // (actual / budget) / elapsed
  std::string pacing_status;      // on_track, under, over, not_started, no_budget
  bool over_budget = false;
  std::optional<double> cost_per_member, cost_per_response, cost_per_opportunity,
      cost_per_won_deal;  // minor units
  std::vector<BudgetMonth> months;
};
BudgetReport Budget(const BudgetInput& input, core::Timestamp as_of);

// ---------------------------------------------------------------- templates

struct Template {
  int64_t id = 0;
  std::string name, type, channel, utm_pattern, description;
  std::vector<std::string> checklist;  // manual items, blocking
  std::vector<int64_t> assets;         // asset ids
  std::vector<MemberStatus> statuses;
  std::vector<StepDef> approval_chain;
};
core::Status ValidateTemplate(const Template& t);

}  // namespace mops::campaigns

// ============================================================== service
//
// Each function below that changes the workspace runs in one transaction
// and writes audit_log rows (actor, before, after); a refused change leaves
// the workspace as it was.
namespace mops::campaigns {

// A campaign as stored: imported fields and the workflow's.
struct CampaignRecord {
  CampaignFields fields;
  int64_t parent_id = 0;
  std::string source_system, external_id;
  std::string crm_status;
  std::string currency;
  int64_t template_id = 0;
  std::string utm_pattern;
  int64_t recorded_actual_cost = 0;  // the imported ActualCost
  bool in_workflow = false;          // false: the state comes from the CRM status
};
core::Result<std::vector<CampaignRecord>> ListCampaigns(store::Database& db);
core::Result<CampaignRecord> GetCampaign(store::Database& db, int64_t id);

// Field edits by name: name, type, channel, parent_id, status, start_date,
// end_date (YYYY-MM-DD), budget (major units), currency, owner, goal,
// audience, utm_campaign, utm_pattern. Unknown names and bad values are
// refused with the field named.
using FieldEdits = std::map<std::string, std::string>;
core::Result<int64_t> CreateCampaign(store::Database& db, const FieldEdits& fields,
                                     std::string_view actor);
// A campaign from a template: its type, channel and UTM pattern, checklist,
// assets, member statuses and approval chain; `fields` fill the rest.
core::Result<int64_t> CreateFromTemplate(store::Database& db, int64_t template_id,
                                         const FieldEdits& fields, std::string_view actor);
// An edit of an approved or scheduled campaign's content sends it back to
// review (a new approval round); `sent_back` says so.
struct UpdateResult {
  bool sent_back = false;
};
core::Result<UpdateResult> UpdateCampaign(store::Database& db, int64_t id, const FieldEdits& fields,
                                          std::string_view actor);

// Moves a campaign to `to`. in_review starts a new approval round from the
// campaign's chain; approved comes only from the approval steps; live only
// through the launch gate (kConflict naming what is missing).
core::Status Transition(store::Database& db, int64_t id, State to, std::string_view actor);

struct CampaignApprovals {
  std::vector<StepDef> chain;
  std::vector<Step> steps;  // every round, oldest first
  std::vector<int32_t> active, overdue;
};
core::Result<CampaignApprovals> LoadApprovals(store::Database& db, int64_t id,
                                              core::Timestamp as_of);
core::Status SetApprovalChain(store::Database& db, int64_t id, std::span<const StepDef> chain,
                              std::string_view actor);
// Records a decision on step `step_id`; moves the campaign when it decides it.
core::Result<DecisionEffect> DecideStep(store::Database& db, int64_t campaign_id, int64_t step_id,
                                        Decision decision, std::string_view comment,
                                        const Actor& actor);
struct OverdueStep {
  int64_t campaign_id = 0;
  std::string campaign;
  Step step;
};
core::Result<std::vector<OverdueStep>> OverdueApprovals(store::Database& db, core::Timestamp as_of);

// Member statuses: the campaign's own, else its type's, else the defaults.
core::Result<std::vector<MemberStatus>> MemberStatusesOf(store::Database& db, int64_t campaign_id);
core::Status SetMemberStatuses(store::Database& db, std::optional<int64_t> campaign_id,
                               std::string_view campaign_type,
                               std::span<const MemberStatus> statuses, std::string_view actor);
struct StatusCount {
  std::string status;
  int sort_order = 0;
  bool responded = false;
  int64_t members = 0;
};
core::Result<std::vector<StatusCount>> MembersByStatus(store::Database& db, int64_t campaign_id);
core::Result<MemberState> MoveMember(store::Database& db, int64_t campaign_id, int64_t contact_id,
                                     std::string_view status, std::string_view actor);
// Puts imported members (of `campaign_id`, or all when 0) into their
// campaign's statuses. Returns members changed and those whose status was
// not found (they go to the default, or the first responded status).
struct AlignReport {
  int64_t members = 0, changed = 0, unmapped = 0;
  std::map<std::string, int64_t> unmapped_statuses;
};
core::Result<AlignReport> AlignImportedMembers(store::Database& db, int64_t campaign_id,
                                               std::string_view actor);

// A HubSpot list export (contacts in a list: Record ID, Email, ...) as
// members of a campaign, in its default status. Title rows above the header
// are skipped; ids written "1,201" or "1201.0" are read as 1201. A row
// matches a contact by HubSpot record id, else by e-mail (any case); rows
// that match none are reported with their line and add nothing. The import
// is one transaction: a file that cannot be read or parsed (the error names
// the file and line), an unknown campaign, or with `strict` any unmatched row
// (named with its line and column) changes nothing.
struct ListImport {
  int64_t rows = 0, added = 0, already = 0;
  std::vector<std::pair<int64_t, std::string>> unmatched;  // line, why
};
core::Result<ListImport> ImportListMembers(store::Database& db, int64_t campaign_id,
                                           const std::string& path, std::string_view actor,
                                           bool strict = false);
// The same from the file's text (an upload); `file_name` names it in errors
// and the audit log.
core::Result<ListImport> ImportListMembersText(store::Database& db, int64_t campaign_id,
                                               std::string_view text, std::string_view file_name,
                                               std::string_view actor, bool strict = false);

// Templates and assets.
core::Result<std::vector<Template>> ListTemplates(store::Database& db);
core::Result<Template> GetTemplate(store::Database& db, int64_t id);
core::Result<int64_t> CreateTemplate(store::Database& db, const Template& t,
                                     std::string_view actor);
// A template from an existing campaign: its type, channel, UTM pattern,
// manual checklist labels, assets, member statuses (its own, else its
// type's, else the built-in ones) and approval chain (the one-approver
// default when it has none). kConflict when the name is taken.
core::Result<int64_t> TemplateFromCampaign(store::Database& db, int64_t campaign_id,
                                           std::string_view name, std::string_view description,
                                           std::string_view actor);
struct AssetRecord {
  Asset asset;
  std::vector<int64_t> campaigns;  // that use it
};
core::Result<std::vector<AssetRecord>> ListAssets(store::Database& db,
                                                  std::optional<int64_t> campaign_id);
core::Result<AssetRecord> GetAsset(store::Database& db, int64_t id);
core::Result<int64_t> CreateAsset(store::Database& db, const Asset& a, std::string_view actor);
core::Status UpdateAsset(store::Database& db, const Asset& a, std::string_view actor);
// Links (or unlinks) an asset to a campaign; a content change of an
// approved campaign (sends it back to review).
core::Result<UpdateResult> LinkAsset(store::Database& db, int64_t campaign_id, int64_t asset_id,
                                     bool link, std::string_view actor);

// QA and the launch gate.
core::Result<std::vector<ChecklistItem>> Checklist(store::Database& db, int64_t campaign_id);
core::Result<int64_t> AddChecklistItem(store::Database& db, int64_t campaign_id,
                                       std::string_view label, bool blocking,
                                       std::string_view actor);
core::Status CheckItem(store::Database& db, int64_t campaign_id, int64_t item_id, bool done,
                       std::string_view actor);
core::Result<std::vector<QaItem>> CampaignQa(store::Database& db, int64_t campaign_id);
core::Result<std::vector<std::string>> CampaignLaunchGate(store::Database& db, int64_t campaign_id);

// Roll-ups of the whole hierarchy; pipeline and won revenue from the
// stored attribution runs named (a created run gives pipeline, a won run
// revenue) under `model`.
struct RollupReport {
  std::vector<CampaignRecord> campaigns;  // index = RollupRow::node
  Rollup rollup;
  std::string model;
  std::vector<int64_t> runs;
  std::vector<std::string> notes;
};
core::Result<RollupReport> Rollups(store::Database& db, std::span<const int64_t> run_ids,
                                   std::string_view model);

// Calendar: campaigns whose flight overlaps [from, to), and the conflicts.
struct CalendarReport {
  std::vector<CalendarEntry> entries;
  std::vector<Conflict> conflicts;
};
core::Result<CalendarReport> Calendar(store::Database& db, std::optional<core::Timestamp> from,
                                      std::optional<core::Timestamp> to);

// Budget vs actual of one campaign, with the cost lines behind it.
struct CostRecord {
  int64_t id = 0;
  std::string kind;  // spend, period_cost, recorded
  core::Timestamp date = 0;
  int64_t amount = 0;
  std::string detail;  // channel/source of spend, note of a period cost
};
struct BudgetResult {
  BudgetReport report;
  std::vector<CostRecord> lines;
  std::string currency;
};
core::Result<BudgetResult> CampaignBudget(store::Database& db, int64_t id, core::Timestamp as_of);
core::Result<int64_t> AddPeriodCost(store::Database& db, int64_t id, core::Timestamp month,
                                    int64_t amount, std::string_view note, std::string_view actor);

// UTM governance over the workspace.
core::Result<NamingRules> LoadNamingRules(store::Database& db);
core::Result<std::string> NamingConfigText(store::Database& db);
core::Status SaveNamingConfig(store::Database& db, std::string_view yaml, std::string_view name,
                              std::string_view actor);
// Every UTM on touchpoints and campaigns (loaded in parallel when large).
core::Result<StoredCheck> CheckStoredUtms(store::Database& db, const NamingRules& rules);
struct FixReport {
  int64_t fix_id = 0;  // 0 on a dry run
  bool dry_run = true;
  int64_t touchpoints = 0;
  int64_t channels_changed = 0;
  std::map<std::string, std::map<std::string, std::string>> fixes;
  std::map<std::string, int64_t> channel_moves;  // "paid_social -> organic_social": n
};
core::Result<FixReport> FixStoredUtms(store::Database& db, bool dry_run, std::string_view actor);
core::Result<int64_t> UndoUtmFix(store::Database& db, int64_t fix_id, std::string_view actor);

}  // namespace mops::campaigns

namespace mops::campaigns {

// Writes the demo company's campaign operations (demo::PlanCampaignOps:
// naming config, assets, templates, workflow states and approval history,
// period costs, planted problems) into a workspace loaded with the demo
// company, in one transaction. Does nothing when templates exist already.
core::Status SeedDemo(store::Database& db);

}  // namespace mops::campaigns
