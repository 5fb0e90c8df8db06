// Ad spend from the ad platforms' own report exports: Google Ads (campaign
// report), LinkedIn Campaign Manager, Meta Ads Manager and Microsoft
// Advertising, read as the platforms write them (README "Spend in").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "store/database.h"

namespace mops::analytics {

enum class AdPreset { kAuto, kGoogleAds, kLinkedIn, kMeta, kMicrosoftAds };
core::Result<AdPreset> ParseAdPreset(std::string_view name);
std::string_view AdPresetName(AdPreset preset);

// One spend row as read from an export (pure: no workspace).
struct AdSpendRow {
  int64_t line = 0;
  core::Timestamp date = 0;
  std::string campaign, campaign_id, campaign_type;
  std::string channel;
  int64_t amount = 0;  // minor units
  std::string currency;
  std::optional<int64_t> impressions, clicks;
  std::optional<double> conversions;
};

struct AdReject {
  int64_t line = 0;
  std::string column, value, reason;
};

struct AdExport {
  AdPreset preset = AdPreset::kAuto;
  int64_t header_line = 0;
  std::vector<AdSpendRow> rows;
  std::vector<AdReject> rejects;
  int64_t totals_skipped = 0;  // "Total: ..." summary rows, never imported
  std::vector<std::string> unmapped_columns;
};

// Converts UTF-16 (with a BOM, or LE without one when every other byte is
// zero) to UTF-8; UTF-8 passes through without its BOM. Errors name the file.
core::Result<std::string> ToUtf8(std::string_view bytes, std::string_view file);

// Parses an export: finds the header below any title and date-range lines,
// detects the platform from it (or checks the given preset), reads each row
// (` --` is empty; thousands separators and currency symbols in numbers; the
// date column's day/month order from all of its values), skips summary rows
// (`Total: ...`, `Total`, the copyright footer), and maps each campaign type
// to a channel with the channel rules. Errors (no header, a date column
// that contradicts itself) name the file and line.
core::Result<AdExport> ParseAdExport(std::string_view bytes, std::string_view file,
                                     AdPreset preset = AdPreset::kAuto);

struct SpendImportOptions {
  AdPreset preset = AdPreset::kAuto;
  std::string source_system;  // default: google_ads, linkedin_ads, meta_ads, microsoft_ads
  bool strict = false;
  std::string actor = "cli";
};

struct SpendImportSummary {
  std::string file;
  AdPreset preset = AdPreset::kAuto;
  std::string source_system;
  int64_t rows = 0, imported = 0, updated = 0;
  int64_t totals_skipped = 0;
  std::vector<AdReject> rejects;
  int64_t amount = 0;  // minor units imported
  std::vector<std::string> currencies;
  int64_t matched_rows = 0;
  // Platform campaigns that match no mops campaign (by utm_campaign, name or
  // external id), with their spend: they are kept under their own name.
  struct Unmatched {
    std::string campaign;
    int64_t rows = 0;
    int64_t amount = 0;
  };
  std::vector<Unmatched> unmatched;
  std::vector<std::string> unmapped_columns;

  std::string ToText() const;
  nlohmann::json ToJson() const;
};

// Imports an export into the spend table in one transaction, keyed by
// (source_system, platform:campaign:date) so a second import updates. A
// reject under `strict` (or a database error) changes nothing.
core::Result<SpendImportSummary> ImportSpend(store::Database& db, std::string_view file,
                                             std::string_view bytes,
                                             const SpendImportOptions& options);

}  // namespace mops::analytics
