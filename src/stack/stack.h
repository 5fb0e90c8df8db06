// Marketing tech stack management: the tool inventory, its capabilities and
// costs, the integrations between tools, and the analyses a stack audit is
// made of (overlap, utilization, renewals, integration map, gaps against a
// reference stack, cost) and the audit itself.
//
// Engines are pure functions over a Stack (plain structs): no I/O, no clock.
// "Today" is always Options::as_of. Money is int64 minor units in the tools'
// currency (a stack is assumed to be priced in one currency; CostReport says
// when it is not). The taxonomy, the product catalog and the reference
// stacks are built-in data, immutable and safe to read from any thread.
//
// The service functions (LoadStack, ImportTools, ImportIntegrations) take a
// store::Database, which is not thread-safe: one call per connection.
#pragma once

#include <cstdint>
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

namespace mops::stack {

using core::Timestamp;

// ---------------------------------------------------------------- taxonomy

struct CapabilityInfo {
  std::string_view id;       // "marketing_automation"
  std::string_view label;    // "Marketing automation"
  std::string_view group;    // "Engagement", "Data", ...
  std::string_view aliases;  // '|'-separated other names, matched like names
  // Several tools are normal here (each ad network, each review site): two
  // of them are not a redundancy.
  bool expects_many = false;
  // A rough mid-market list price per year in USD, used to estimate what
  // adding a missing capability costs.
  int64_t typical_annual_cost = 0;
};

// The built-in capability taxonomy, in display order.
std::span<const CapabilityInfo> Taxonomy();
// The capability named by an id, a label or an alias, compared by NameKey;
// nullptr when the taxonomy has none.
const CapabilityInfo* FindCapability(std::string_view name);
// The capability's label, or the name itself when the catalog lacks it.
std::string CapabilityLabel(std::string_view name);
// The taxonomy id of `name`, or for a capability outside the taxonomy its
// name lower-cased with runs of other characters as '_' ("Lead Scoring" ->
// "lead_scoring"). Empty for a blank name.
std::string CanonicalCapability(std::string_view name);
// Letters and digits only, lower-case: "Marketo-Engage " -> "marketoengage".
std::string NameKey(std::string_view text);

// ---------------------------------------------------------------- catalog

struct Product {
  std::string_view name;          // "HubSpot Marketing Hub"
  std::string_view vendor;        // "HubSpot"
  std::string_view category;      // a taxonomy id: the product's primary capability
  std::string_view capabilities;  // ';'-separated taxonomy ids, the category first
  std::string_view aliases;       // '|'-separated other names ("Marketo|Adobe Marketo")
};

// The vendor and product catalog shipped with mops.
std::span<const Product> Catalog();
// The product named `name` or one of its aliases, compared by NameKey (case,
// spaces and punctuation do not matter); nullptr when unknown.
const Product* FindProduct(std::string_view name);

// ---------------------------------------------------------------- reference stacks

enum class Stage { kSeed, kGrowth, kScale };
core::Result<Stage> ParseStage(std::string_view name);  // "seed", "growth", "scale"
std::string_view StageName(Stage stage);

struct ReferenceStack {
  Stage stage;
  std::string_view description;
  std::string_view essential;    // ';'-separated capability ids: a gap is high severity
  std::string_view recommended;  // a gap is low severity
  std::string_view premature;    // paying for these at this stage is over-building
  int min_tools = 0;             // typical count of active tools
  int max_tools = 0;
};
const ReferenceStack& ReferenceFor(Stage stage);

// ---------------------------------------------------------------- records

struct Tool {
  int64_t id = 0;  // workspace id (0 in pure tests)
  std::string name;
  std::string vendor;
  std::string category;                   // as recorded ("Marketing Automation")
  std::vector<std::string> capabilities;  // as recorded
  std::string owner;
  int64_t annual_cost = 0;  // minor units
  std::string currency;
  std::string billing_period;  // annual, monthly, quarterly, usage, free
  std::optional<int64_t> seats;
  std::optional<int64_t> active_seats;
  std::optional<Timestamp> contract_start;
  std::optional<Timestamp> renewal_date;
  std::optional<int64_t> notice_days;
  bool auto_renew = false;
  std::string status;  // active, evaluating, retired (empty: active)
  std::optional<bool> sso;
  std::optional<bool> dpa_signed;
  std::string data_scope;  // e.g. "pii;behavioral"
  // Not in the inventory: inferred by LoadStack from the source systems of
  // the imported data ("source_system 'salesforce' of 1,204 contacts").
  // Empty for recorded tools.
  std::string inferred_from;

  // Filled by Resolve: vendor, category and capabilities fall back on the
  // catalog product of the same name; capabilities become taxonomy ids
  // (duplicates removed) and `primary` is the capability of the category.
  std::string catalog_product;  // empty when the catalog does not know it
  std::string primary;
  bool IsActive() const;
};

struct Integration {
  int64_t id = 0;
  int32_t from = -1;  // index into Stack::tools; -1 when the tool is unknown
  int32_t to = -1;
  std::string from_name;  // as referenced (for messages when unresolved)
  std::string to_name;
  std::vector<std::string> objects;
  std::string direction;  // one_way, two_way
  std::string frequency;  // realtime, hourly, daily, weekly, monthly
  std::string status;     // active, failing, paused, disabled
  std::optional<Timestamp> last_sync_at;
  std::optional<double> error_rate;  // 0..1
  // Not in the integration list: the native link between two inferred tools
  // of one platform (HubSpot's Sales and Marketing Hubs share one portal),
  // and why it is assumed.
  std::string inferred_from;
  bool TwoWay() const { return direction == "two_way"; }
};

struct Stack {
  std::vector<Tool> tools;
  std::vector<Integration> integrations;
};

// Fills the derived fields of every tool (see Tool) from the catalog and the
// taxonomy. Idempotent.
void Resolve(Stack& stack);

// ---------------------------------------------------------------- options

struct Options {
  Timestamp as_of = 0;  // "today": renewals and sync staleness count from it
  double utilization_threshold = 0.70;
  Stage stage = Stage::kGrowth;
  std::optional<int64_t> marketing_budget;  // minor units per year
  double failing_error_rate = 0.05;         // a sync at or above this rate is failing
};

// ---------------------------------------------------------------- engines

// Utilization: active seats / seats, per tool that records seats.
struct SeatUsage {
  int32_t tool = 0;
  int64_t seats = 0;
  int64_t active_seats = 0;
  double utilization = 0;        // active / seats, capped at 1
  int64_t unused_seats = 0;      // seats - active, at least 0
  int64_t unused_cost = 0;       // annual_cost * unused / seats
  int64_t cost_per_active = 0;   // annual_cost / active seats (0 when none)
  bool below_threshold = false;  // utilization < threshold
};
// Active tools with seats > 0, in tool order.
std::vector<SeatUsage> Utilization(const Stack& stack, const Options& options);

// Overlap: which active tools cover which capability.
struct Redundancy {
  std::string capability;
  std::vector<int32_t> tools;   // >= 2 active tools
  int primary_count = 0;        // tools for which it is the primary capability
  bool all_integrated = false;  // every pair is connected by a direct integration
  bool any_underused = false;
  double weight = 0;  // higher is more wasteful; see overlap.cc
  std::string severity;
};
struct PairOverlap {
  int32_t a = 0, b = 0;
  std::vector<std::string> shared;
  double score = 0;  // 0..1, weighted overlap coefficient
  bool integrated = false;
  int32_t retire = 0;          // the tool whose capabilities the other covers most
  double retire_coverage = 0;  // share of `retire`'s capabilities the other has
  int64_t saving = 0;          // estimated annual saving of retiring `retire`
  bool duplicate = false;      // they share a primary capability (true duplicates)
};
struct OverlapReport {
  std::vector<int32_t> tools;             // active tools: the matrix columns
  std::vector<std::string> capabilities;  // the matrix rows: capabilities some active tool has
  // cell[c][t]: 0 none, 1 has it, 2 its primary capability.
  std::vector<std::vector<int>> cells;
  std::vector<Redundancy> redundancies;  // heaviest first
  std::vector<PairOverlap> pairs;        // pairs sharing any capability, highest score first
  int64_t estimated_saving = 0;          // over the pairs reported as findings
};
OverlapReport Overlap(const Stack& stack, const Options& options);

// Renewals: notice deadline = renewal date - notice days.
struct Renewal {
  int32_t tool = 0;
  Timestamp renewal_date = 0;  // the next one on or after as_of when auto-renewing
  Timestamp notice_deadline = 0;
  int64_t days_to_renewal = 0;
  int64_t days_to_deadline = 0;  // negative: the deadline has passed
  // The smallest of 30, 60, 90, 120 that holds days_to_deadline (0..N);
  // 0 when the deadline is further out, -1 when it has passed.
  int window = 0;
  bool auto_renew = false;
  bool expired = false;  // renewal date passed and not auto-renewing
};
// Tools (not retired) with a renewal date, soonest deadline first. Windows
// are inclusive: a deadline exactly 30 days out is in the 30-day window.
std::vector<Renewal> Renewals(const Stack& stack, const Options& options);
// The window for a number of days to the deadline (see Renewal::window).
int RenewalWindow(int64_t days_to_deadline);

// Integration map.
struct SyncIssue {
  int32_t integration = 0;
  std::string problem;  // failing, stale
  std::string detail;
};
struct MissingFlow {
  std::string flow;      // "marketing_automation<->crm", "crm->ads", "crm->attribution"
  int32_t tool = 0;      // the tool lacking it
  bool partial = false;  // a one-way sync where two-way is expected
  std::string detail;
};
struct GraphReport {
  int32_t crm = -1;               // the system of record; -1 when the stack has no CRM
  std::vector<bool> reaches_crm;  // per tool
  std::vector<int32_t> islands;   // active tools without a path to the CRM
  std::vector<SyncIssue> sync_issues;
  std::vector<MissingFlow> missing_flows;
  std::vector<int32_t> unresolved;  // integrations naming an unknown tool
};
// Paths use integrations in either direction, except disabled ones; failing
// and paused syncs still connect (they are reported as sync issues).
GraphReport Graph(const Stack& stack, const Options& options);
// How long a sync may stay silent before it is stale, for its frequency.
int64_t StaleAfterSeconds(std::string_view frequency);

// Gaps and over-built areas against the reference stack of options.stage.
struct Gap {
  std::string capability;
  bool essential = false;
  int64_t typical_annual_cost = 0;  // minor units
};
struct Overbuilt {
  std::string capability;      // empty for "too many tools"
  std::vector<int32_t> tools;  // tools whose primary capability it is
  int64_t annual_cost = 0;
  std::string detail;
};
struct GapReport {
  Stage stage = Stage::kGrowth;
  std::vector<Gap> gaps;
  std::vector<Overbuilt> overbuilt;
  std::vector<std::string> covered;  // reference capabilities the stack has
  int active_tools = 0;
};
GapReport Gaps(const Stack& stack, const Options& options);

// Cost of the active tools.
struct CostLine {
  std::string name;
  int64_t annual_cost = 0;
  int tools = 0;
};
struct CostReport {
  std::string currency;  // the first tool's; "mixed" when they differ
  int64_t total = 0;
  int64_t seats = 0;
  int64_t active_seats = 0;
  int64_t per_seat = 0;                 // total of seat-priced tools / their seats
  int64_t per_active_seat = 0;          // the same per active seat
  std::vector<CostLine> by_category;    // largest first
  std::vector<CostLine> by_capability;  // a tool's cost split evenly over its capabilities
  std::optional<double> budget_share;   // total / marketing budget
};
CostReport Cost(const Stack& stack, const Options& options);

// The audit.
struct Finding {
  std::string kind;      // overlap, underused, island, failing_sync, missing_flow,
                         // renewal, gap, overbuilt, inferred (tools not in the inventory)
  std::string severity;  // high, medium, low
  std::vector<std::string> tools;
  std::string evidence;
  std::string action;  // keep, consolidate, renegotiate, retire, add
  std::string recommendation;
  // Positive: an annual saving; negative: an annual cost (adding a tool);
  // minor units. 0 when it cannot be estimated.
  int64_t annual_impact = 0;
};
struct AuditReport {
  Timestamp as_of = 0;
  Stage stage = Stage::kGrowth;
  std::vector<Finding> findings;  // by severity, then impact
  int64_t total_saving = 0;       // sum of positive impacts
  int64_t total_added_cost = 0;   // sum of negative impacts, as a positive number
  CostReport cost;
};
AuditReport Audit(const Stack& stack, const Options& options);

// The integration graph as Graphviz dot (islands, failing and stale syncs
// marked).
std::string GraphDot(const Stack& stack, const GraphReport& graph);

// ---------------------------------------------------------------- service

// Loads the workspace's tools and integrations (tools in name order) and
// resolves them (Resolve). Integrations are matched to tools by id, else by
// their reference compared as an external id or as a tool name (NameKey).
// Read-only and outside a transaction (SQLite's would take the write lock):
// an import that commits between the two reads shows at worst as an
// integration naming a tool not loaded yet.
core::Result<Stack> LoadStack(store::Database& db);

}  // namespace mops::stack
