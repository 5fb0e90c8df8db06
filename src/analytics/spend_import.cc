// Ad platform exports into the spend table.
#include "analytics/spend_import.h"

#include <fmt/format.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

#include "core/csv.h"
#include "core/numbers.h"
#include "core/report_rows.h"
#include "core/strings.h"
#include "core/time.h"
#include "ingest/ingest.h"

namespace mops::analytics {
namespace {

enum Role {
  kDate,
  kCampaign,
  kCampaignId,
  kType,
  kAmount,
  kCurrency,
  kImpr,
  kClicks,
  kConv,
  kRoles
};

struct PresetInfo {
  AdPreset preset;
  std::string_view name, source_system, source, default_channel;
  bool social;  // every campaign is paid_social whatever its type
  std::vector<std::vector<std::string_view>> labels;  // per role, lower case
};

const std::vector<PresetInfo>& Presets() {
  static const std::vector<PresetInfo> kPresets = {
      {AdPreset::kGoogleAds,
       "google-ads",
       "google_ads",
       "google",
       "paid_search",
       false,
       {{"day", "date"},
        {"campaign"},
        {"campaign id"},
        {"campaign type", "advertising channel"},
        {"cost"},
        {"currency code", "currency"},
        {"impr.", "impressions"},
        {"clicks"},
        {"conversions", "conv."}}},
      {AdPreset::kLinkedIn,
       "linkedin",
       "linkedin_ads",
       "linkedin",
       "paid_social",
       true,
       {{"start date (in utc)", "start date", "date"},
        {"campaign name"},
        {"campaign id"},
        {"campaign type"},
        {"total spent", "amount spent"},
        {"currency"},
        {"impressions"},
        {"clicks"},
        {"conversions"}}},
      {AdPreset::kMeta,
       "meta",
       "meta_ads",
       "facebook",
       "paid_social",
       true,
       {{"day", "reporting starts"},
        {"campaign name"},
        {"campaign id"},
        {"objective"},
        {"amount spent"},  // "Amount spent (USD)": a prefix
        {"currency"},
        {"impressions"},
        {"link clicks", "clicks (all)"},
        {"results"}}},
      {AdPreset::kMicrosoftAds,
       "microsoft-ads",
       "microsoft_ads",
       "bing",
       "paid_search",
       false,
       {{"timeperiod", "gregorian date", "date"},
        {"campaignname", "campaign name", "campaign"},
        {"campaignid", "campaign id"},
        {"campaigntype", "campaign type"},
        {"spend"},
        {"currencycode", "currency code", "currency"},
        {"impressions", "impr."},
        {"clicks"},
        {"conversions", "conv."}}},
  };
  return kPresets;
}

const PresetInfo& InfoOf(AdPreset p) {
  for (const PresetInfo& i : Presets()) {
    if (i.preset == p) return i;
  }
  return Presets()[0];
}

// Column index per role for `header` under `info`; -1 when absent.
std::array<int, kRoles> MapHeader(const PresetInfo& info, const std::vector<std::string>& header) {
  std::array<int, kRoles> col;
  col.fill(-1);
  for (size_t c = 0; c < header.size(); ++c) {
    const std::string label = core::ToLower(core::Trim(header[c]));
    for (int r = 0; r < kRoles; ++r) {
      if (col[r] != -1) continue;
      for (std::string_view l : info.labels[static_cast<size_t>(r)]) {
        const bool prefix = info.preset == AdPreset::kMeta && r == kAmount;
        if (label == l || (prefix && label.starts_with(l))) {
          col[r] = static_cast<int>(c);
          break;
        }
      }
      if (col[r] == static_cast<int>(c)) break;
    }
  }
  return col;
}

bool IsHeaderOf(const std::array<int, kRoles>& col) {
  return col[kAmount] >= 0 && col[kCampaign] >= 0;
}

std::string_view Cell(const std::vector<std::string>& row, int c) {
  if (c < 0 || static_cast<size_t>(c) >= row.size()) return {};
  const std::string_view v = core::Trim(row[static_cast<size_t>(c)]);
  return v == "--" || v == "-" ? std::string_view() : v;
}

// A totals row ("Total: Account", "Total - Search") or a copyright footer
// in one of the first three cells.
bool IsSummaryRow(const std::vector<std::string>& row) {
  std::vector<std::string_view> cells(row.begin(), row.end());
  core::TotalsRowRule rule;
  rule.label_columns = 3;
  return core::IsTotalsRow(cells, rule);
}

// "N/N/YYYY" leading numbers.
bool LeadingPair(std::string_view s, int& first, int& second) {
  size_t i = 0;
  const auto digits = [&](int& v) {
    size_t n = 0;
    v = 0;
    while (i < s.size() && n < 3 && core::IsAsciiDigit(s[i])) v = v * 10 + (s[i++] - '0'), ++n;
    return n >= 1 && n <= 2;
  };
  if (!digits(first) || i >= s.size()) return false;
  const char sep = s[i];
  if (sep != '/' && sep != '-' && sep != '.') return false;
  ++i;
  return digits(second) && i < s.size() && s[i] == sep;
}

std::optional<int64_t> Count(std::string_view text, bool& ok) {
  ok = true;
  if (text.empty()) return std::nullopt;
  auto v = core::ParseInt(text);
  if (!v) {
    // "1,234.0" and the like: a whole number written as a decimal.
    auto d = core::ParseDouble(text);
    if (!d || *d != static_cast<double>(static_cast<int64_t>(*d))) {
      ok = false;
      return std::nullopt;
    }
    return static_cast<int64_t>(*d);
  }
  return *v;
}

// The platforms' own campaign types that the channel rules do not name:
// Google's Demand Gen (formerly Discovery) and App campaigns run on YouTube,
// Discover and Gmail feeds, and Microsoft's Audience ads on its native
// network: display. Anything else (Performance Max, Shopping, Search &
// content) is the platform's search.
std::string PlatformTypeChannel(const PresetInfo& info, std::string_view type) {
  const std::string t = core::ToLower(core::Trim(type));
  if (t == "demand gen" || t == "discovery" || t == "app" || t == "audience" ||
      t == "audience ads") {
    return "display";
  }
  return std::string(info.default_channel);
}

}  // namespace

core::Result<AdPreset> ParseAdPreset(std::string_view name) {
  if (name.empty() || name == "auto") return AdPreset::kAuto;
  for (const PresetInfo& i : Presets()) {
    if (i.name == name) return i.preset;
  }
  return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                    fmt::format("unknown ad preset '{}' (expected auto, "
                                                "google-ads, linkedin, meta, microsoft-ads)",
                                                name))
                        .InField("preset"));
}

std::string_view AdPresetName(AdPreset preset) {
  return preset == AdPreset::kAuto ? "auto" : InfoOf(preset).name;
}

core::Result<std::string> ToUtf8(std::string_view bytes, std::string_view file) {
  const auto u8 = [](std::string_view b) {
    return reinterpret_cast<const unsigned char*>(b.data());
  };
  bool le = false, be = false;
  size_t skip = 0;
  if (bytes.size() >= 2 && u8(bytes)[0] == 0xFF && u8(bytes)[1] == 0xFE) {
    le = true, skip = 2;
  } else if (bytes.size() >= 2 && u8(bytes)[0] == 0xFE && u8(bytes)[1] == 0xFF) {
    be = true, skip = 2;
  } else if (bytes.size() >= 4 && bytes.size() % 2 == 0 && u8(bytes)[1] == 0 && u8(bytes)[3] == 0 &&
             u8(bytes)[0] != 0) {
    le = true;  // UTF-16 LE without a BOM: ASCII text with every other byte zero
  }
  if (!le && !be) {
    if (bytes.size() >= 3 && u8(bytes)[0] == 0xEF && u8(bytes)[1] == 0xBB && u8(bytes)[2] == 0xBF) {
      bytes.remove_prefix(3);
    }
    return std::string(bytes);
  }
  const std::string_view body = bytes.substr(skip);
  if (body.size() % 2 != 0) {
    return core::Fail(core::MakeError(core::ErrorCode::kParse,
                                      "UTF-16 text with an odd number of bytes (truncated?)")
                          .At(std::string(file)));
  }
  std::u16string units(body.size() / 2, u'\0');
  for (size_t i = 0; i < units.size(); ++i) {
    const unsigned char a = u8(body)[2 * i], b = u8(body)[2 * i + 1];
    units[i] = static_cast<char16_t>(le ? (a | (b << 8)) : ((a << 8) | b));
  }
  UErrorCode status = U_ZERO_ERROR;
  int32_t length = 0;
  u_strToUTF8(nullptr, 0, &length, units.data(), static_cast<int32_t>(units.size()), &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) {
    return core::Fail(core::MakeError(core::ErrorCode::kParse,
                                      fmt::format("invalid UTF-16 text ({})", u_errorName(status)))
                          .At(std::string(file)));
  }
  std::string out(static_cast<size_t>(length), '\0');
  status = U_ZERO_ERROR;
  u_strToUTF8(out.data(), length, &length, units.data(), static_cast<int32_t>(units.size()),
              &status);
  if (U_FAILURE(status)) {
    return core::Fail(core::MakeError(core::ErrorCode::kParse,
                                      fmt::format("invalid UTF-16 text ({})", u_errorName(status)))
                          .At(std::string(file)));
  }
  return out;
}

core::Result<AdExport> ParseAdExport(std::string_view bytes, std::string_view file,
                                     AdPreset preset) {
  MOPS_ASSIGN_OR_RETURN(std::string text, ToUtf8(bytes, file));
  const std::string name(file);
  // The header: the first of the first 40 lines that maps to a platform.
  size_t offset = 0;
  int64_t line_no = 0;
  const PresetInfo* info = nullptr;
  std::array<int, kRoles> col{};
  std::vector<std::string> header;
  char delimiter = ',';
  const auto found = core::FindHeaderLine(text, 40, [&](std::span<const std::string_view> fields) {
    std::vector<std::string> cells(fields.begin(), fields.end());
    for (const PresetInfo& p : Presets()) {
      if (preset != AdPreset::kAuto && p.preset != preset) continue;
      const auto mapped = MapHeader(p, cells);
      if (IsHeaderOf(mapped)) {
        info = &p;
        col = mapped;
        header = std::move(cells);
        return true;
      }
    }
    return false;
  });
  if (found) {
    offset = found->offset;
    line_no = found->line;
    delimiter = found->delimiter;
  }
  if (info == nullptr) {
    return core::Fail(
        core::MakeError(
            core::ErrorCode::kParse,
            preset == AdPreset::kAuto
                ? "no ad platform report header in the first 40 lines (Google Ads: "
                  "Campaign and Cost; LinkedIn: Campaign Name and Total Spent; Meta: "
                  "Campaign name and Amount spent; Microsoft Ads: CampaignName and "
                  "Spend)"
                : fmt::format("no {} report header in the first 40 lines", AdPresetName(preset)))
            .At(name));
  }
  if (col[kDate] < 0) {
    return core::Fail(core::MakeError(core::ErrorCode::kParse,
                                      fmt::format("the {} export has no date column: export it "
                                                  "segmented by day",
                                                  info->name))
                          .At(name, line_no));
  }
  AdExport out;
  out.preset = info->preset;
  out.header_line = line_no;
  for (size_t c = 0; c < header.size(); ++c) {
    if (std::find(col.begin(), col.end(), static_cast<int>(c)) == col.end() &&
        !core::Trim(header[c]).empty()) {
      out.unmapped_columns.push_back(std::string(core::Trim(header[c])));
    }
  }
  // Meta writes the currency into the amount's label: "Amount spent (USD)".
  std::string header_currency;
  {
    const std::string& label = header[static_cast<size_t>(col[kAmount])];
    const size_t open = label.find('('), close = label.find(')');
    if (open != std::string::npos && close != std::string::npos && close > open + 1) {
      header_currency = std::string(core::Trim(label.substr(open + 1, close - open - 1)));
    }
  }
  // Rows after the header.
  core::CsvOptions o;
  o.delimiter = delimiter;
  o.require_same_width = false;
  o.file_name = name;
  const std::string_view rest = std::string_view(text).substr(offset);
  core::CsvReader reader(rest, o);
  std::vector<std::string_view> fields;
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> lines;
  bool first = true;
  while (true) {
    auto got = reader.Next(fields);
    if (!got) {
      core::Error e = std::move(got.error());
      e.line += line_no - 1;
      return core::Fail(std::move(e));
    }
    if (!*got) break;
    if (first) {  // the header itself
      first = false;
      continue;
    }
    rows.emplace_back(fields.begin(), fields.end());
    lines.push_back(reader.record_line() + line_no - 1);
  }
  // The date column's order, from all of its values.
  core::DateFormat order = core::DateFormat::kMdy;
  {
    int64_t dmy_line = 0, mdy_line = 0;
    for (size_t r = 0; r < rows.size(); ++r) {
      if (IsSummaryRow(rows[r])) continue;
      int a = 0, b = 0;
      if (!LeadingPair(Cell(rows[r], col[kDate]), a, b)) continue;
      if (a > 12 && dmy_line == 0) dmy_line = lines[r];
      if (b > 12 && mdy_line == 0) mdy_line = lines[r];
    }
    if (dmy_line && mdy_line) {
      return core::Fail(
          core::MakeError(core::ErrorCode::kParse,
                          fmt::format("date column '{}' has day-first (line {}) and "
                                      "month-first (line {}) dates",
                                      header[static_cast<size_t>(col[kDate])], dmy_line, mdy_line))
              .At(name, dmy_line));
    }
    if (dmy_line) order = core::DateFormat::kDmy;
  }
  const auto label = [&](int role) { return header[static_cast<size_t>(col[role])]; };
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (IsSummaryRow(row)) {
      ++out.totals_skipped;
      continue;
    }
    if (std::all_of(row.begin(), row.end(),
                    [](const std::string& v) { return core::Trim(v).empty(); })) {
      continue;
    }
    const auto reject = [&](int role, std::string_view value, std::string reason) {
      out.rejects.push_back(
          {lines[r], role >= 0 ? label(role) : "", std::string(value), std::move(reason)});
    };
    AdSpendRow s;
    s.line = lines[r];
    const std::string_view date = Cell(row, col[kDate]);
    auto t = core::ParseTimestamp(date, order);
    if (date.empty() || !t) {
      reject(kDate, date, date.empty() ? "no date" : t.error().message);
      continue;
    }
    s.date = core::FloorDiv(*t, core::kSecondsPerDay) * core::kSecondsPerDay;
    s.campaign = std::string(Cell(row, col[kCampaign]));
    s.campaign_id = std::string(Cell(row, col[kCampaignId]));
    if (s.campaign.empty() && s.campaign_id.empty()) {
      reject(kCampaign, "", "no campaign");
      continue;
    }
    s.campaign_type = std::string(Cell(row, col[kType]));
    const std::string_view amount = Cell(row, col[kAmount]);
    if (!amount.empty()) {
      auto a = core::ParseAmount(amount);
      if (!a) {
        reject(kAmount, amount, a.error().message);
        continue;
      }
      s.amount = a->minor;
      s.currency = a->currency;
    }
    const std::string currency(core::Trim(Cell(row, col[kCurrency])));
    if (!currency.empty()) {
      if (!s.currency.empty() && core::ToLower(s.currency) != core::ToLower(currency)) {
        reject(kCurrency, currency,
               fmt::format("the amount is in {} but the currency column says {}", s.currency,
                           currency));
        continue;
      }
      s.currency = currency;
    }
    if (s.currency.empty()) s.currency = header_currency;
    bool ok = true;
    s.impressions = Count(Cell(row, col[kImpr]), ok);
    if (!ok) {
      reject(kImpr, Cell(row, col[kImpr]), "not a whole number");
      continue;
    }
    s.clicks = Count(Cell(row, col[kClicks]), ok);
    if (!ok) {
      reject(kClicks, Cell(row, col[kClicks]), "not a whole number");
      continue;
    }
    if (const std::string_view conv = Cell(row, col[kConv]); !conv.empty()) {
      auto c = core::ParseDouble(conv);
      if (!c) {
        reject(kConv, conv, c.error().message);
        continue;
      }
      s.conversions = *c;
    }
    // Channel: social platforms are paid_social; search platforms map the
    // campaign type through the channel rules (Search, Display, Video, ...),
    // and what the rules do not know (Performance Max, Shopping) is search.
    if (info->social) {
      s.channel = "paid_social";
    } else {
      const std::string_view by_type = ingest::CampaignTypeChannel(s.campaign_type);
      s.channel =
          !by_type.empty() ? std::string(by_type) : PlatformTypeChannel(*info, s.campaign_type);
    }
    out.rows.push_back(std::move(s));
  }
  return out;
}

std::string SpendImportSummary::ToText() const {
  std::string out = fmt::format(
      "imported {}, updated {}, rejected {} ({} rows, preset {}, "
      "source {})\n",
      imported, updated, rejects.size(), rows, AdPresetName(preset), source_system);
  out += fmt::format("spend {} {}; summary rows skipped: {}\n", core::FormatMoneyMinor(amount),
                     fmt::join(currencies, "/"), totals_skipped);
  out += fmt::format("matched to mops campaigns: {} of {} rows\n", matched_rows,
                     rows - static_cast<int64_t>(rejects.size()));
  for (const Unmatched& u : unmatched) {
    out += fmt::format("unmatched campaign: {} ({} rows, {})\n", u.campaign, u.rows,
                       core::FormatMoneyMinor(u.amount));
  }
  for (const AdReject& r : rejects) {
    out += fmt::format("{}:{}: {}: '{}': {}\n", file, r.line, r.column, r.value, r.reason);
  }
  if (!unmapped_columns.empty()) {
    out += fmt::format("columns not imported: {}\n", fmt::join(unmapped_columns, ", "));
  }
  return out;
}

nlohmann::json SpendImportSummary::ToJson() const {
  nlohmann::json rj = nlohmann::json::array();
  for (const AdReject& r : rejects) {
    rj.push_back(
        {{"line", r.line}, {"column", r.column}, {"value", r.value}, {"reason", r.reason}});
  }
  nlohmann::json uj = nlohmann::json::array();
  for (const Unmatched& u : unmatched) {
    uj.push_back({{"campaign", u.campaign},
                  {"rows", u.rows},
                  {"amount", static_cast<double>(u.amount) / 100}});
  }
  return {{"file", file},
          {"preset", AdPresetName(preset)},
          {"source_system", source_system},
          {"rows", rows},
          {"imported", imported},
          {"updated", updated},
          {"rejected", rejects.size()},
          {"rejects", rj},
          {"summary_rows_skipped", totals_skipped},
          {"amount", static_cast<double>(amount) / 100},
          {"currencies", currencies},
          {"matched_rows", matched_rows},
          {"unmatched_campaigns", uj},
          {"unmapped_columns", unmapped_columns}};
}

core::Result<SpendImportSummary> ImportSpend(store::Database& db, std::string_view file,
                                             std::string_view bytes,
                                             const SpendImportOptions& options) {
  MOPS_ASSIGN_OR_RETURN(AdExport ex, ParseAdExport(bytes, file, options.preset));
  const PresetInfo& info = InfoOf(ex.preset);
  SpendImportSummary s;
  s.file = std::string(file);
  s.preset = ex.preset;
  s.source_system =
      options.source_system.empty() ? std::string(info.source_system) : options.source_system;
  s.rows = static_cast<int64_t>(ex.rows.size() + ex.rejects.size());
  s.rejects = ex.rejects;
  s.totals_skipped = ex.totals_skipped;
  s.unmapped_columns = ex.unmapped_columns;
  if (options.strict && !ex.rejects.empty()) {
    const AdReject& r = ex.rejects.front();
    return core::Fail(
        core::MakeError(core::ErrorCode::kInvalidArgument,
                        fmt::format("'{}': {} (--strict: nothing imported)", r.value, r.reason))
            .At(std::string(file), r.line)
            .InField(r.column));
  }
  // mops campaigns by utm_campaign, name and external id (case-insensitive).
  std::unordered_map<std::string, int64_t> by_utm, by_name, by_external;
  {
    MOPS_ASSIGN_OR_RETURN(store::Rows rows, db.Query("SELECT id, utm_campaign, name, external_id "
                                                     "FROM campaigns ORDER BY id"));
    for (const auto& row : rows.rows) {
      const int64_t id = store::AsInt(row[0]);
      by_utm.try_emplace(core::ToLower(store::AsText(row[1])), id);
      by_name.try_emplace(core::ToLower(store::AsText(row[2])), id);
      by_external.try_emplace(core::ToLower(store::AsText(row[3])), id);
    }
    by_utm.erase("");
    by_name.erase("");
    by_external.erase("");
  }
  const auto match = [&](const AdSpendRow& r) -> std::optional<int64_t> {
    for (const auto* m : {&by_utm, &by_name}) {
      auto it = m->find(core::ToLower(r.campaign));
      if (it != m->end()) return it->second;
    }
    if (!r.campaign_id.empty()) {
      auto it = by_external.find(core::ToLower(r.campaign_id));
      if (it != by_external.end()) return it->second;
    }
    return std::nullopt;
  };
  MOPS_ASSIGN_OR_RETURN(auto tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(
      auto exists,
      db.Prepare("SELECT COUNT(*) FROM spend WHERE source_system = ? AND external_id = ?"));
  MOPS_ASSIGN_OR_RETURN(
      auto upsert,
      db.Prepare("INSERT INTO spend (source_system, external_id, date, channel, source, "
                 "campaign_id, campaign_ref, amount, currency, impressions, clicks, conversions, "
                 "campaign_name, campaign_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (source_system, external_id) DO UPDATE SET date = excluded.date, "
                 "channel = excluded.channel, source = excluded.source, campaign_id = "
                 "excluded.campaign_id, campaign_ref = excluded.campaign_ref, amount = "
                 "excluded.amount, currency = excluded.currency, impressions = "
                 "excluded.impressions, clicks = excluded.clicks, conversions = "
                 "excluded.conversions, campaign_name = excluded.campaign_name, campaign_type = "
                 "excluded.campaign_type"));
  std::map<std::string, SpendImportSummary::Unmatched> unmatched;
  for (const AdSpendRow& r : ex.rows) {
    const std::string key =
        fmt::format("{}:{}:{}", info.name, r.campaign_id.empty() ? r.campaign : r.campaign_id,
                    core::FormatDate(r.date));
    const store::Value k[] = {s.source_system, key};
    MOPS_ASSIGN_OR_RETURN(store::Rows found, exists->Query(k));
    const bool existed = store::AsInt(found.rows.at(0).at(0)) > 0;
    const std::optional<int64_t> campaign = match(r);
    if (campaign) {
      ++s.matched_rows;
    } else {
      auto& u = unmatched[r.campaign.empty() ? r.campaign_id : r.campaign];
      u.campaign = r.campaign.empty() ? r.campaign_id : r.campaign;
      ++u.rows;
      u.amount += r.amount;
    }
    const auto opt = [](const auto& v) -> store::Value {
      if (!v) return std::monostate();
      return *v;
    };
    const store::Value row[] = {
        s.source_system,
        key,
        r.date,
        r.channel,
        std::string(info.source),
        campaign ? store::Value(*campaign) : store::Value(),
        r.campaign_id.empty() ? store::Value() : store::Value(r.campaign_id),
        r.amount,
        r.currency.empty() ? store::Value() : store::Value(r.currency),
        opt(r.impressions),
        opt(r.clicks),
        opt(r.conversions),
        r.campaign,
        r.campaign_type};
    MOPS_TRY(upsert->Execute(row));
    (existed ? s.updated : s.imported) += 1;
    s.amount += r.amount;
    if (!r.currency.empty() &&
        std::find(s.currencies.begin(), s.currencies.end(), r.currency) == s.currencies.end()) {
      s.currencies.push_back(r.currency);
    }
  }
  for (auto& [_, u] : unmatched) s.unmatched.push_back(std::move(u));
  const store::Value audit[] = {core::NowUtc(), options.actor, std::string(file),
                                s.ToJson().dump()};
  MOPS_TRY(
      db.Execute("INSERT INTO audit_log (at, actor, action, entity, entity_id, after) "
                 "VALUES (?, ?, 'import', 'spend', ?, ?)",
                 audit));
  MOPS_TRY(tx.Commit());
  return s;
}

}  // namespace mops::analytics
