// The synthetic company: a growth-stage B2B SaaS business with its CRM,
// marketing automation, ad platforms, web analytics and tool inventory, as
// plain records. It is what `mops generate` writes as canonical CSVs, what
// the demo workspace is loaded from and what the benchmarks run on.
//
// GenerateCompany is pure and deterministic: the same options give the same
// Company on every run and machine with the same C library (no wall clock,
// no std distributions, no unordered iteration). All activity lies in the
// ~18 months up to options.reference_time, never after it.
//
// Records refer to each other by index into the Company's vectors (kNone
// when absent); ExternalId() turns an index into the id written to CSV.
// Touchpoints are compact (56 bytes) so that scale 10 (2 M touchpoints)
// stays small: their text fields are ids into Company::texts.
//
// Thread-safety: the functions are reentrant; a Company is a value.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace CLI {
class App;
}
namespace mops::cli {
class Context;
}

namespace mops::demo {

inline constexpr int32_t kNone = -1;

// 2026-06-30T00:00:00Z.
inline constexpr core::Timestamp kDefaultReferenceTime = 1782777600;

struct GeneratorOptions {
  // 1 is about 5,000 accounts, 20,000 contacts, 200,000 touchpoints and
  // 1,000 opportunities; every table grows linearly with it except users,
  // campaigns and tools. Must be in (0, 1000].
  double scale = 1;
  uint64_t seed = 42;
  // The "now" of the company: activity covers the 545 days before it
  // (2025-01-01 to 2026-06-30 by default). Never the wall clock.
  core::Timestamp reference_time = kDefaultReferenceTime;
  // Threads to use: 0 is one per core (at most 4), 1 runs everything on the
  // calling thread. The Company does not depend on it.
  int threads = 0;
};

// The reference time of a demo company generated "as of" `text` (a date or
// time stamp, read as UTC): the start of that day. Empty text is today, so
// that a fresh demo's data ends today; generation is deterministic for a
// given as-of date. kInvalidArgument naming the text when it is not a date.
core::Result<core::Timestamp> ReferenceTimeAsOf(std::string_view text);

// The channel list of DESIGN.md, in its order.
enum class Channel : uint8_t {
  kDirect,
  kOrganicSearch,
  kPaidSearch,
  kDisplay,
  kPaidSocial,
  kOrganicSocial,
  kEmail,
  kReferral,
  kAffiliate,
  kVideo,
  kEvents,
  kWebinar,
  kContentSyndication,
  kPartner,
  kDirectMail,
  kSalesOutreach,
  kReviewSites,
  kOther,
};
inline constexpr int kChannelCount = 18;
// "organic_search", ...
std::string_view ChannelName(Channel channel);

enum class TouchType : uint8_t {
  kPageView,
  kFormSubmit,
  kEmailOpen,
  kEmailClick,
  kAdClick,
  kContentDownload,
  kWebinarAttended,
  kEventAttended,
  kVideoView,
  kDirectMail,
  kSalesActivity,
  kCall,
  kMeeting,
};
inline constexpr int kTouchTypeCount = 13;
// "page_view", ...
std::string_view TouchTypeName(TouchType type);

// DESIGN.md's lifecycle stages; the last two are the side states.
enum class Lifecycle : uint8_t {
  kSubscriber,
  kLead,
  kMql,
  kSql,
  kOpportunity,
  kCustomer,
  kEvangelist,
  kRecycled,
  kDisqualified,
};
// "subscriber", ..., "disqualified"
std::string_view LifecycleName(Lifecycle stage);

// Money is in minor units (cents) of `currency`.
struct User {
  std::string name;
  std::string email;
  std::string team;       // SDR, AE, AM, Marketing
  std::string territory;  // NA-East, NA-West, EMEA, APAC; empty for Marketing
  std::optional<int32_t> capacity;
  bool active = true;
  std::optional<core::Timestamp> out_of_office_until;
};

struct Account {
  std::string name;
  std::string domain;
  std::string website;
  std::string industry;
  std::optional<int64_t> employees;
  std::optional<int64_t> annual_revenue;  // minor units
  std::string currency;
  std::string country;  // canonical English name
  std::string state;
  std::string city;
  int32_t owner = kNone;   // users
  int32_t parent = kNone;  // accounts
  core::Timestamp created_at = 0;
  // Truth, not exported as a column: a customer since before the window.
  std::optional<core::Timestamp> customer_since;
};

// One CRM record. Several records can be the same real person (duplicates);
// `person` says which (truth, exported only under truth/).
struct Contact {
  std::string email;
  std::string first_name;
  std::string last_name;
  std::string title;
  std::string seniority;
  std::string department;
  std::string phone;
  std::string company_name;
  int32_t account = kNone;
  std::string country;  // as typed: "USA", "U.S.", "Deutschland", ...
  std::string state;
  std::string city;
  Lifecycle lifecycle_stage = Lifecycle::kLead;
  std::string lead_status;
  int32_t owner = kNone;
  std::string original_source;
  core::Timestamp created_at = 0;
  int32_t person = 0;
};

struct LifecycleEntry {
  int32_t contact = 0;
  Lifecycle stage = Lifecycle::kLead;
  core::Timestamp entered_at = 0;
};

struct Campaign {
  std::string name;
  std::string type;  // Webinar, Event, Paid Search, ... ; Program for parents
  Channel channel = Channel::kOther;
  int32_t parent = kNone;
  std::string status;  // Planned, In Progress, Completed, Aborted
  core::Timestamp start_date = 0;
  core::Timestamp end_date = 0;
  int64_t budget = 0;  // minor units
  int64_t actual_cost = 0;
  std::string currency;
  int32_t owner = kNone;
  std::string utm_campaign;  // empty for programs
  core::Timestamp created_at = 0;
};

struct CampaignMember {
  int32_t campaign = 0;
  int32_t contact = 0;
  std::string status;  // Opened, Clicked, Responded, Registered, Attended, No Show
  bool responded = false;
  std::optional<core::Timestamp> first_responded_at;
  core::Timestamp created_at = 0;
};

// Text fields are ids into Company::texts (0 is the empty string). The
// dictionary does not grow with the scale (a few thousand entries), hence
// 16-bit ids: a touchpoint is 56 bytes.
using TextId = uint16_t;
struct Touchpoint {
  core::Timestamp occurred_at = 0;
  int32_t contact = kNone;  // kNone: not identified yet
  int32_t account = kNone;
  int32_t campaign = kNone;
  int32_t visitor = kNone;  // anonymous visitor (cookie), see AnonymousId()
  TouchType type = TouchType::kPageView;
  Channel channel = Channel::kDirect;
  TextId source = 0;
  TextId medium = 0;
  TextId utm_campaign = 0;
  TextId utm_content = 0;
  TextId utm_term = 0;
  TextId url = 0;
  TextId referrer = 0;
  TextId event_name = 0;
  TextId message_id = 0;
  std::optional<float> value;  // minutes for meetings, calls and webinars
};

struct Opportunity {
  int32_t account = 0;
  std::string name;
  std::string stage;  // Prospecting ... Negotiation, Closed Won, Closed Lost
  std::string pipeline;
  int64_t amount = 0;  // minor units
  std::string currency;
  core::Timestamp created_at = 0;
  core::Timestamp close_date = 0;  // midnight; expected close while open
  bool is_closed = false;
  bool is_won = false;
  std::string type;  // New Business, Expansion, Renewal
  std::string lead_source;
  int32_t primary_campaign = kNone;
  int32_t owner = kNone;
};

struct OpportunityContact {
  int32_t opportunity = 0;
  int32_t contact = 0;
  std::string role;
  bool is_primary = false;
};

struct OpportunityHistory {
  int32_t opportunity = 0;
  std::string stage;
  int64_t amount = 0;
  core::Timestamp entered_at = 0;
};

struct Spend {
  core::Timestamp date = 0;  // midnight
  Channel channel = Channel::kPaidSearch;
  std::string source;
  int32_t campaign = kNone;
  int64_t amount = 0;  // minor units
  std::string currency;
  std::optional<int64_t> impressions;
  std::optional<int64_t> clicks;
};

struct Tool {
  std::string name;
  std::string vendor;
  std::string category;
  std::vector<std::string> capabilities;
  std::string owner;
  int64_t annual_cost = 0;  // minor units
  std::string currency;
  int64_t seats = 0;
  int64_t active_seats = 0;
  core::Timestamp renewal_date = 0;  // midnight
  int32_t notice_days = 0;
  bool auto_renew = false;
  std::string status;  // active, evaluating, retired
};

struct Integration {
  int32_t from_tool = 0;
  int32_t to_tool = 0;
  std::string objects;    // ';'-separated
  std::string direction;  // one_way, two_way
  std::string status;     // active, failing, paused
  std::optional<core::Timestamp> last_sync_at;
};

struct GenerationStats {
  int64_t users = 0;
  int64_t accounts = 0;
  int64_t contacts = 0;
  int64_t lifecycle_history = 0;
  int64_t campaigns = 0;
  int64_t campaign_members = 0;
  int64_t touchpoints = 0;
  int64_t opportunities = 0;
  int64_t opportunity_contacts = 0;
  int64_t opportunity_history = 0;
  int64_t spend = 0;
  int64_t tools = 0;
  int64_t integrations = 0;
  int64_t persons = 0;  // distinct real people behind the contacts

  struct Row {
    std::string_view table;
    int64_t rows;
  };
  // The exported tables in file order (persons excluded).
  std::vector<Row> Tables() const;
};

// Facts the generator planted on purpose, so tests and demos can check that
// the engines find them. Written to truth/summary.json.
struct Truth {
  core::Timestamp reference_time = 0;
  core::Timestamp window_start = 0;  // first possible touch
  // utm_campaign values that break the naming convention (kUtmConvention).
  std::vector<std::string> utm_violations;
  // Tools (indices) that share a capability, per planted overlap.
  std::vector<std::pair<std::string, std::vector<int32_t>>> capability_overlaps;
  int32_t island_tool = kNone;  // no integration path to the CRM
  int32_t crm_tool = kNone;
  int32_t renewal_due_tool = kNone;  // notice deadline within 30 days
  // Channel propensity used to pick which accounts open opportunities
  // (relative weight of one touch), indexed by Channel.
  std::array<double, kChannelCount> channel_propensity{};
};

// Convention for utm_campaign: <yyyy>q<n>_<code>_<region>_<slug>, lowercase.
inline constexpr std::string_view kUtmConvention =
    "^[0-9]{4}q[1-4]_[a-z]+_(na|emea|apac|global)_[a-z0-9-]+$";

struct Company {
  GeneratorOptions options;
  std::vector<User> users;
  std::vector<Account> accounts;
  std::vector<Contact> contacts;
  std::vector<LifecycleEntry> lifecycle_history;
  std::vector<Campaign> campaigns;
  std::vector<CampaignMember> campaign_members;
  std::vector<Touchpoint> touchpoints;
  std::vector<Opportunity> opportunities;
  std::vector<OpportunityContact> opportunity_contacts;
  std::vector<OpportunityHistory> opportunity_history;
  std::vector<Spend> spend;
  std::vector<Tool> tools;
  std::vector<Integration> integrations;
  // Interned text of touchpoint fields; texts[0] is "".
  std::vector<std::string> texts;
  Truth truth;
  GenerationStats stats;

  std::string_view Text(TextId id) const { return texts[id]; }
};

// Builds the company. Fails only on invalid options (kInvalidArgument).
// Time and memory are linear in scale: per scale unit about 0.12 s of CPU
// (journeys, record texts and campaign members run on several threads) and
// 40 MB.
core::Result<Company> GenerateCompany(const GeneratorOptions& options);

// What kind of record an external id names.
enum class RecordKind : uint8_t {
  kUser,
  kAccount,
  kContact,
  kCampaign,
  kCampaignMember,
  kTouchpoint,
  kOpportunity,
  kOpportunityContact,
  kOpportunityHistory,
  kSpend,
  kTool,
  kIntegration,
  kPerson,
};

// External id of the record at `index` (0-based): "acc-000042" is accounts[41].
std::string ExternalId(RecordKind kind, int64_t index);
// Anonymous id (a UUID-shaped cookie id) of a visitor; stable per seed.
std::string AnonymousId(uint64_t seed, int32_t visitor);

// Writes the canonical CSVs (users.csv ... integrations.csv,
// lifecycle_history.csv) and truth/ into `dir`, creating it if needed and
// overwriting the files. Headers are the store's column names: external_id
// first, references as the referenced record's external id in the *_id
// column, times ISO-8601 UTC, dates YYYY-MM-DD, money in major units with
// two decimals, booleans true/false. Errors name the file.
core::Status WriteCompanyCsv(const Company& company, const std::string& dir);

// The header of every CSV WriteCompanyCsv writes, by table (file) name,
// in the order the files are written.
const std::vector<std::pair<std::string_view, std::vector<std::string_view>>>& CsvHeaders();

// Random path files in the format of ChannelAttribution
// (path;total_conversions;total_conversion_value;total_null), for the path
// attribution benchmarks. Channels are DESIGN.md's list, then channel_19 and
// on. Popularity is skewed (Zipf), paths have about 4 touches (one in seven of
// them repeat the previous channel), each row stands for 1-8 journeys whose
// conversion chance depends on the channels they touched. With 20 channels,
// 1,000,000 rows hold about 400,000 distinct paths. Pure and deterministic.
struct PathGeneratorOptions {
  int64_t rows = 100'000;  // >= 1
  int channels = 20;       // 1 to 1000
  uint64_t seed = 42;
};
core::Result<std::string> GeneratePathFile(const PathGeneratorOptions& options);

// Adds `mops generate --scale N --seed S --out DIR` and
// `mops generate paths --rows N --channels C --seed S --out FILE` (commands.cc). The verb
// is a CLI11 subcommand that accepts sub-subcommands of its own.
void RegisterCommands(CLI::App& app, cli::Context& ctx);

}  // namespace mops::demo
