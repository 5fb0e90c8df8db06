// Tech stack discovery: the tools a company really pays for (card and
// accounting exports) and really uses (identity-provider exports), matched to
// the capability catalog and reconciled with the tool inventory.
//
// Engines (readers, matcher, billing, usage, reconcile, apply plan) are pure
// functions over plain structs: no I/O, no clock ("today" is always an
// `as_of` argument). They are safe to call from any thread; a Matcher is
// immutable once built and may be shared.
//
// Money is int64 minor units. Spend amounts are in the account's currency
// (the card or bank account), positive for a charge and negative for a
// refund or credit; the amount a foreign merchant billed is kept beside it.
//
// The service functions take a store::Database (one call per connection).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/numbers.h"
#include "core/time.h"
#include "stack/stack.h"

namespace mops::store {
class Database;
}

namespace mops::stack::discovery {

using core::Timestamp;

// ---------------------------------------------------------------- spend files

enum class SpendPreset { kAuto, kRamp, kBrex, kExpensify, kAmex, kQuickBooks, kXero, kGeneric };
core::Result<SpendPreset> ParseSpendPreset(std::string_view name);
std::string_view SpendPresetName(SpendPreset preset);

// One card or bank transaction.
struct SpendRow {
  int64_t line = 0;  // 1-based line of the record in its file
  Timestamp date = 0;
  std::string descriptor;                  // the merchant as the statement writes it
  int64_t amount = 0;                      // account currency; charge > 0, refund or credit < 0
  std::string currency;                    // of `amount`; empty: the file names none
  std::optional<int64_t> original_amount;  // what a foreign merchant billed
  std::string original_currency;
  std::string payer;  // cardholder, employee or card member
  std::string card;   // card (last four) or account
  std::string department;
};

struct SpendReadOptions {
  SpendPreset preset = SpendPreset::kAuto;
  // How a date column whose values do not tell (no day or month over 12) is
  // read: kDmy, kMdy or kYmd; kAuto takes the preset's usual order. A column
  // whose values tell is read in their order.
  core::DateFormat date_order = core::DateFormat::kAuto;
  core::NumberFormat numbers;
  // Generic preset: field -> the file's column label (date, merchant,
  // amount, currency, original_amount, original_currency, payer, card,
  // department, debit, credit). Unlisted fields are looked up by their name.
  std::vector<std::pair<std::string, std::string>> columns;
  std::string file_name;  // for messages
  std::string currency;   // the account currency when the file names none
};

struct SpendFile {
  SpendPreset preset = SpendPreset::kGeneric;
  bool detected = false;
  int64_t header_line = 1;  // title rows above it are skipped
  core::DateFormat date_order = core::DateFormat::kMdy;
  std::vector<SpendRow> rows;
  int64_t skipped = 0;  // totals, balance and blank rows
  std::vector<std::string> warnings;
};

// Reads a spend export whole. Title rows above the header are skipped (the
// header is the first of the first 15 lines that a preset recognises), and
// so are totals and opening/closing balance rows. A cell that cannot be read
// fails the whole file with an error naming file, line, column and field:
// the caller writes nothing.
core::Result<SpendFile> ReadSpend(std::string_view text, const SpendReadOptions& options);

// ---------------------------------------------------------------- sign-in files

enum class UsagePreset {
  kAuto,
  kOktaAssignments,  // Okta "Current Assignments" report
  kOktaSystemLog,    // Okta System Log CSV
  kGoogleLogin,      // Google Workspace login audit
  kGoogleToken,      // Google Workspace OAuth token audit
  kEntra,            // Microsoft Entra sign-in logs
  kGeneric,          // user, app, last_sign_in
};
core::Result<UsagePreset> ParseUsagePreset(std::string_view name);
std::string_view UsagePresetName(UsagePreset preset);

// One user of one app, aggregated over a file's rows.
struct UserApp {
  std::string user;  // login or e-mail, lower-cased
  std::string app;   // as the identity provider names it
  std::optional<Timestamp> last_used;
  bool assigned = false;  // an assignment, or a successful sign-in
};

struct UsageReadOptions {
  UsagePreset preset = UsagePreset::kAuto;
  core::DateFormat date_order = core::DateFormat::kAuto;
  std::string file_name;
};

struct UsageFile {
  UsagePreset preset = UsagePreset::kGeneric;
  bool detected = false;
  int64_t rows = 0;            // data records read
  int64_t ignored = 0;         // failed sign-ins and events that are not app use
  std::vector<UserApp> pairs;  // one per (user, app), first seen first
  std::vector<std::string> warnings;
};

core::Result<UsageFile> ReadUsage(std::string_view text, const UsageReadOptions& options);

// ---------------------------------------------------------------- matching

// A descriptor pattern of a vendor. Patterns are compared with normalised
// descriptors (NormalizeDescriptor): `prefix` when the descriptor starts
// with the pattern's words, `contains` anywhere on word boundaries, `exact`
// the whole descriptor.
struct Alias {
  std::string pattern;
  std::string tool;  // a catalog product (name or alias) or a tool of its own
  std::string match = "prefix";
  double confidence = 0.9;
  std::string category;  // for a tool the catalog does not know
  int64_t line = 0;      // where it was read (0: built in)
};

// The alias table shipped with mops (aliases.cc), as CSV text:
// pattern,tool,match,confidence[,category].
std::string_view BuiltinAliasCsv();
// Reads an alias table in that format. Errors name file, line and field: an
// unknown match kind, a confidence outside (0, 1], a tool that is neither in
// the catalog nor given a category.
core::Result<std::vector<Alias>> ParseAliases(std::string_view csv, std::string_view file_name);

// "SP * CANVA" -> "CANVA", "ZOOM.US 888-799-9666" -> "ZOOM.US", "HUBSPOT INC"
// -> "HUBSPOT": upper case, payment-processor prefixes ("SP *", "SQ *",
// "PAYPAL *", "TST*"), phone numbers, long digit runs, store numbers and
// company suffixes (INC, LLC, LTD, CORP) removed, blanks collapsed.
std::string NormalizeDescriptor(std::string_view descriptor);

struct Match {
  std::string tool;  // catalog product name, or the alias's own tool
  double confidence = 0;
  std::string via;  // "alias 'HUBSPOT'", "catalog name"
};

class Matcher {
 public:
  // `user` aliases come first and win over the built-in ones.
  explicit Matcher(std::vector<Alias> user = {});
  // The tool behind a card descriptor; nullopt when no alias matches (a
  // merchant is never guessed).
  std::optional<Match> MatchDescriptor(std::string_view descriptor) const;
  // The tool behind an identity provider's app name: the catalog by name or
  // alias (0.95), else the alias patterns.
  std::optional<Match> MatchApp(std::string_view app) const;
  // The category of a tool outside the catalog (from its alias), else "".
  std::string CategoryOf(std::string_view tool) const;

 private:
  std::optional<Match> MatchNormalized(const std::string& normalized) const;
  std::vector<Alias> aliases_;
  std::vector<std::string> patterns_;  // normalised, parallel to aliases_
  size_t user_count_ = 0;              // aliases_ starts with the user's
};

// ---------------------------------------------------------------- billing

struct PriceChange {
  Timestamp date = 0;
  int64_t from = 0;
  int64_t to = 0;
};

// One charge stream: the charges of one tool on one card or payer.
struct Billing {
  std::string cadence;  // monthly, quarterly, annual, irregular, once
  int64_t charges = 0;  // positive amounts
  int64_t refunds = 0;  // sum of the negative amounts, as a negative number
  int64_t net = 0;
  int64_t last_amount = 0;
  // monthly: last charge x 12; quarterly x 4; annual and once: the last
  // charge; irregular: the net spend of the 365 days up to as_of.
  int64_t annualised = 0;
  Timestamp first = 0, last = 0;
  std::optional<Timestamp> next_expected;  // last charge + the cadence
  std::vector<PriceChange> price_changes;
};

// A charge of a stream, in date order or not (Bill sorts).
struct Charge {
  Timestamp date = 0;
  int64_t amount = 0;
  // Compared for price changes when the merchant bills in another currency.
  std::optional<int64_t> original_amount;
};
// Cadence from the median gap between charge days: 26-35 days monthly,
// 80-100 quarterly, 330-400 annual, anything else irregular; one charge is
// "once". A price change is a charge that differs from the one before by
// more than 1% (compared in the merchant's currency when it has one).
Billing Bill(std::span<const Charge> charges, Timestamp as_of);

// ---------------------------------------------------------------- spend report

struct Payer {
  std::string payer, card, department;
  Billing billing;
};

struct ToolSpend {
  std::string tool;
  std::string category;   // for tools outside the catalog
  double confidence = 0;  // the lowest of its matches
  std::vector<std::string> descriptors;
  std::vector<Payer> payers;  // largest annualised first
  std::string cadence;        // the largest payer's
  int64_t annualised = 0;     // sum over payers
  int64_t net = 0;
  int64_t refunds = 0;
  int64_t transactions = 0;
  Timestamp first = 0, last = 0;
  std::optional<Timestamp> next_expected;
  std::vector<PriceChange> price_changes;
  // Two or more payers (cards, people or departments) each paying for it
  // over the same months.
  bool duplicate = false;
  std::string duplicate_detail;
  std::vector<int64_t> month_net;  // per SpendReport::months
};

struct UnmatchedMerchant {
  std::string merchant;  // normalised descriptor
  std::vector<std::string> descriptors;
  int64_t transactions = 0;
  int64_t net = 0;
  std::string cadence;
  bool recurring = false;  // a monthly, quarterly or annual cadence
  std::vector<std::string> payers;
};

struct SpendReport {
  Timestamp as_of = 0;
  std::string currency;                      // "mixed" when the rows disagree
  std::vector<std::string> months;           // "2026-01" ... over the rows' span
  std::vector<ToolSpend> tools;              // largest annualised first
  std::vector<UnmatchedMerchant> unmatched;  // recurring first, then by spend
  int64_t transactions = 0;
  int64_t total = 0;  // net of every row
  int64_t matched = 0;
  int64_t unmatched_total = 0;
};
SpendReport AnalyzeSpend(std::span<const SpendRow> rows, const Matcher& matcher, Timestamp as_of);

// ---------------------------------------------------------------- usage report

struct ToolUsage {
  std::string tool;
  std::string category;
  std::vector<std::string> apps;
  int64_t assigned = 0;   // distinct users
  int64_t active_30 = 0;  // last use within 30 days of as_of (inclusive)
  int64_t active_90 = 0;
  std::optional<Timestamp> last_use;
  int64_t active_seats = 0;  // active within the report's window
};
struct UnmatchedApp {
  std::string app;
  int64_t users = 0;
  std::optional<Timestamp> last_use;
};
struct UsageReport {
  Timestamp as_of = 0;
  int active_days = 30;          // the window of active seats: 30 or 90
  std::vector<ToolUsage> tools;  // by name
  std::vector<UnmatchedApp> unmatched;
};
UsageReport AnalyzeUsage(std::span<const UserApp> pairs, const Matcher& matcher, Timestamp as_of,
                         int active_days = 30);

// ---------------------------------------------------------------- reconcile

struct ReconcileLine {
  std::string tool;
  int32_t inventory = -1;  // index into the stack's tools; -1: not in the inventory
  // shadow: paid, not in the inventory; unpaid: in the inventory (active,
  // with a cost) and no payment found; paid: both; free: in the inventory
  // without a cost and no payment; used_only: sign-ins only.
  std::string status;
  std::string payers;  // who pays ("Dana Ruiz (Marketing), card 4242")
  std::string cadence;
  int64_t inventory_cost = 0;
  int64_t actual_cost = 0;  // annualised from spend
  int64_t net_spend = 0;
  std::optional<int64_t> seats;  // the inventory's (paid) seats
  std::optional<int64_t> inventory_active;
  std::optional<int64_t> assigned;  // from sign-ins
  std::optional<int64_t> active;    // active seats from sign-ins
  bool duplicate = false;
};
struct ReconcileReport {
  Timestamp as_of = 0;
  std::string currency;
  std::vector<ReconcileLine> lines;  // shadow first, then unpaid, then the rest by name
  int64_t inventory_cost = 0;        // over the lines
  int64_t actual_cost = 0;
  int64_t shadow_cost = 0;
  int64_t unpaid_cost = 0;  // inventory cost of the unpaid lines
  int64_t seats_paid = 0;   // over lines with both seats and usage
  int64_t seats_used = 0;
  int shadow = 0, unpaid = 0;
};
ReconcileReport Reconcile(const Stack& stack, const SpendReport& spend, const UsageReport& usage);

// ---------------------------------------------------------------- apply

// One inventory change. Fields left empty are not written.
struct ToolChange {
  std::string tool;
  int64_t tool_id = 0;  // 0: a new tool
  std::string reason;
  std::optional<int64_t> annual_cost;
  std::optional<std::string> billing_period;
  std::optional<int64_t> seats;
  std::optional<int64_t> active_seats;
  std::optional<std::string> owner;
  std::optional<Timestamp> renewal_date;
  // New tools: from the catalog, or the alias's category.
  std::string vendor, category, capabilities, currency;
  // The inventory's values before (for the preview).
  std::optional<int64_t> before_cost, before_seats, before_active;
};
// Shadow tools become inventory tools; inventory tools get their actual
// annualised cost and billing period (monthly, quarterly, annual) when
// they were paid, and their active seats (and seats when they had none)
// when sign-ins cover them. Nothing else changes.
std::vector<ToolChange> PlanApply(const Stack& stack, const ReconcileReport& reconcile,
                                  const SpendReport& spend, const UsageReport& usage,
                                  const Matcher& matcher);

// ---------------------------------------------------------------- service

struct ImportResult {
  std::string file;
  std::string preset;
  bool detected = false;
  int64_t rows = 0;
  int64_t imported = 0;  // new rows (spend) or (user, app) pairs
  int64_t already = 0;   // rows an earlier import of the file holds
  int64_t skipped = 0;
  std::vector<std::string> warnings;
};
// Reads a spend file and stores its rows (one transaction; a row already
// imported, the same record of the same export, is not stored twice).
core::Result<ImportResult> ImportSpend(store::Database& db, const std::string& path,
                                       const SpendReadOptions& options, std::string_view actor);
core::Result<ImportResult> ImportSpendText(store::Database& db, std::string_view text,
                                           const SpendReadOptions& options, std::string_view actor);
// Reads a sign-in file and stores its (user, app) pairs, keeping the latest
// use and any assignment of a pair already stored.
core::Result<ImportResult> ImportUsage(store::Database& db, const std::string& path,
                                       const UsageReadOptions& options, std::string_view actor);
core::Result<ImportResult> ImportUsageText(store::Database& db, std::string_view text,
                                           const UsageReadOptions& options, std::string_view actor);
// Adds (or replaces, by pattern) aliases of the workspace.
core::Result<int64_t> AddAliases(store::Database& db, std::string_view csv,
                                 std::string_view file_name);

// Everything the reports need, loaded and analysed.
struct Discovery {
  Stack stack;
  std::vector<Alias> aliases;  // the workspace's
  std::vector<SpendRow> spend;
  std::vector<UserApp> usage;
  SpendReport spend_report;
  UsageReport usage_report;
  ReconcileReport reconcile;
};
core::Result<Discovery> LoadDiscovery(store::Database& db, Timestamp as_of, int active_days = 30);

struct ApplyResult {
  int64_t apply_id = 0;  // 0 on a dry run
  bool dry_run = false;
  std::vector<ToolChange> changes;
};
// Writes PlanApply's changes in one transaction, with one audit_log entry
// per tool and a snapshot that UndoApply restores.
core::Result<ApplyResult> Apply(store::Database& db, Timestamp as_of, int active_days, bool dry_run,
                                std::string_view actor);
// Restores the inventory as it was before the latest apply not undone yet
// (or `apply_id`): updated tools get back every column, added tools go.
// kNotFound when there is nothing to undo.
core::Result<int64_t> UndoApply(store::Database& db, std::optional<int64_t> apply_id,
                                std::string_view actor);

}  // namespace mops::stack::discovery
