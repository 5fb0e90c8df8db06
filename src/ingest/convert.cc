// Row conversion: file cells -> typed values, with the reasons of rejects.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/duration.h"
#include "core/numbers.h"
#include "core/salesforce_id.h"
#include "core/strings.h"
#include "ingest/channel_rules.h"
#include "ingest/internal.h"

namespace mops::ingest {
namespace internal {
namespace {

// "123;456" or "123,456" -> "123".
std::string_view FirstOfList(std::string_view text) {
  const size_t end = text.find_first_of(";,");
  return core::Trim(end == std::string_view::npos ? text : text.substr(0, end));
}

bool IsStageField(Kind kind, std::string_view name) {
  return (kind == Kind::kContacts && name == "lifecycle_stage") ||
         (kind == Kind::kLifecycleHistory && name == "stage");
}

// Closed/won from a stage name: "Closed Won", "closedwon", "closed_won", "Won".
void StageOutcome(std::string_view stage, bool& closed, bool& won) {
  std::string s;
  for (char c : stage) {
    if (c != ' ' && c != '_' && c != '-') s.push_back(core::AsciiToLower(c));
  }
  won = s == "closedwon" || s == "won";
  closed = won || s == "closedlost" || s == "lost" || s == "closed";
}

void AppendKeyPart(std::string& key, const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    key.append(*s);
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    key.append(std::to_string(*i));
  } else if (const auto* d = std::get_if<double>(&v)) {
    key.append(std::to_string(*d));
  }
}

const std::string* TextOf(const Value& v) { return std::get_if<std::string>(&v); }

// Lower-case letters and digits only: "Two-Way" and "two_way" compare equal.
bool SameChoice(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  const auto skip = [](std::string_view s, size_t& k) {
    while (k < s.size() && (s[k] == ' ' || s[k] == '-' || s[k] == '_')) ++k;
  };
  while (true) {
    skip(a, i);
    skip(b, j);
    if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
    if (core::AsciiToLower(a[i]) != core::AsciiToLower(b[j])) return false;
    ++i, ++j;
  }
}

// An account's id where a company name belongs: 15 or 18 letters and digits
// starting with Account's key prefix 001 (an 18-character id with its own
// checksum, so that a name of that shape is not taken for one).
bool IsAccountId(std::string_view text) {
  if (!text.starts_with("001") || !core::IsSalesforceIdShape(text)) return false;
  return text.size() == 15 || core::SalesforceIdSuffix(text.substr(0, 15)) == text.substr(15);
}

}  // namespace

std::string_view MatchChoice(std::string_view choices, std::string_view text) {
  for (std::string_view entry : core::Split(choices, '|')) {
    const size_t eq = entry.find('=');
    const std::string_view value = entry.substr(0, eq);
    if (SameChoice(value, text)) return value;
    if (eq == std::string_view::npos) continue;
    for (std::string_view synonym : core::Split(entry.substr(eq + 1), '/')) {
      if (SameChoice(synonym, text)) return value;
    }
  }
  return {};
}

void SetText(Value& v, std::string_view text) {
  if (auto* s = std::get_if<std::string>(&v)) {
    s->assign(text);
  } else {
    v.emplace<std::string>(text);
  }
}

std::string DomainFromUrl(std::string_view url) {
  std::string_view s = core::Trim(url);
  if (const size_t scheme = s.find("://"); scheme != std::string_view::npos) {
    s.remove_prefix(scheme + 3);
  } else if (s.starts_with("//")) {
    s.remove_prefix(2);
  }
  s = s.substr(0, s.find_first_of("/?#"));
  if (const size_t at = s.rfind('@'); at != std::string_view::npos) s.remove_prefix(at + 1);
  s = s.substr(0, s.find(':'));
  while (s.ends_with('.')) s.remove_suffix(1);
  if (s.find('.') == std::string_view::npos ||
      s.find_first_of(" \t\"<>") != std::string_view::npos) {
    return {};
  }
  std::string host = core::ToLower(s);
  if (host.starts_with("www.")) host.erase(0, 4);
  return host;
}

void NormalizeStage(std::string_view value, std::string& out, std::string& scratch) {
  struct Alias {
    std::string_view from;
    std::string_view to;
  };
  static constexpr Alias kAliases[] = {
      {"subscriber", "subscriber"},
      {"lead", "lead"},
      {"mql", "mql"},
      {"marketingqualifiedlead", "mql"},
      {"sql", "sql"},
      {"salesqualifiedlead", "sql"},
      {"opportunity", "opportunity"},
      {"customer", "customer"},
      {"evangelist", "evangelist"},
      {"recycled", "recycled"},
      {"disqualified", "disqualified"},
      {"other", "other"},
  };
  value = core::Trim(value);
  scratch.clear();
  for (char c : value) {
    if (c != ' ' && c != '_' && c != '-') scratch.push_back(core::AsciiToLower(c));
  }
  for (const Alias& a : kAliases) {
    if (scratch == a.from) {
      out.assign(a.to);
      return;
    }
  }
  out.clear();
  for (char c : value) out.push_back(core::AsciiToLower(c));
}

core::Result<int64_t> ParseTimeCell(std::string_view text, core::DateFormat format) {
  return core::ParseTimestamp(text, format);
}

RowConverter::RowConverter(const KindSpec& spec, const Mapping& mapping,
                           core::DateFormat date_format, std::string default_source)
    : spec_(spec),
      mapping_(mapping),
      date_format_(date_format),
      default_source_(std::move(default_source)) {
  const size_t n = spec.fields.size();
  written_.assign(n, false);
  derived_.assign(n, false);
  auto mapped = [&](std::string_view name) {
    const int i = spec.FieldIndex(name);
    return i >= 0 && mapping.field_column[i] >= 0;
  };
  auto derive = [&](std::string_view name) {
    const int i = spec.FieldIndex(name);
    if (i >= 0 && mapping.field_column[i] < 0) derived_[i] = true;
  };
  for (size_t i = 0; i < n; ++i) {
    written_[i] = spec.fields[i].Stored() && mapping.field_column[i] >= 0;
  }
  switch (spec.kind) {
    case Kind::kAccounts:
      if (mapped("website")) derive("domain");
      break;
    case Kind::kOpportunities:
      if (mapped("stage")) derive("is_closed"), derive("is_won");
      break;
    case Kind::kCampaigns:
      if (mapped("type")) derive("channel");
      break;
    case Kind::kTouchpoints:
      derive("channel");
      if (mapped("email")) derive("contact_id");
      break;
    case Kind::kCampaignMembers:
      if (mapped("lead_id")) derive("contact_id");
      break;
    default:
      break;
  }
  for (size_t i = 0; i < n; ++i) {
    if (derived_[i]) written_[i] = true;
  }
  ix_.source = spec.FieldIndex("source_system");
  ix_.key = spec.FieldIndex("external_id");
  ix_.contact = spec.FieldIndex("contact_id");
  ix_.email = spec.FieldIndex("email");
  ix_.is_converted = spec.FieldIndex("is_converted");
  ix_.converted_contact = spec.FieldIndex("converted_contact_id");
  ix_.domain = spec.FieldIndex("domain");
  ix_.website = spec.FieldIndex("website");
  ix_.stage = spec.FieldIndex("stage");
  ix_.is_closed = spec.FieldIndex("is_closed");
  ix_.is_won = spec.FieldIndex("is_won");
  ix_.type = spec.FieldIndex("type");
  ix_.channel = spec.FieldIndex("channel");
  ix_.source_utm = spec.FieldIndex("source");
  ix_.medium = spec.FieldIndex("medium");
  ix_.referrer = spec.FieldIndex("referrer");
  ix_.url = spec.FieldIndex("url");
  ix_.lead = spec.FieldIndex("lead_id");
  for (std::string_view f :
       mapping.synth_key_fields.empty() ? spec.synth_key : mapping.synth_key_fields) {
    synth_key_.push_back(spec.FieldIndex(f));
  }
  plan_.date_format.assign(n, date_format_);
  plan_.zero_led_length.assign(n, 0);
  damage_field_ = spec.FieldIndex("damaged_fields");
  account_ = spec.FieldIndex("account_id");
  company_ = spec.FieldIndex("company_name");
  currency_ = spec.FieldIndex("currency");
  const int domain = spec.FieldIndex("account_domain");
  if (domain >= 0 && mapping.field_column[domain] >= 0) {
    account_domain_ = domain;
    if (account_ >= 0) written_[account_] = true;
  }
  // The flags of damaged values are written whenever a column that can be
  // damaged is (and cleared when a later file has the value whole).
  if (damage_field_ >= 0 && mapping.field_column[damage_field_] < 0) {
    for (std::string_view f : {"phone", "mobile_phone", "postal_code"}) {
      if (mapped(f)) written_[damage_field_] = true;
    }
  }
  // An amount's currency symbol or code fills the currency column.
  if (currency_ >= 0 && !written_[currency_]) {
    for (size_t i = 0; i < n; ++i) {
      if (spec.fields[i].type == FieldType::kMoney && mapping.field_column[i] >= 0) {
        written_[currency_] = true;
      }
    }
  }
}

void RowConverter::SetSalesforceIds(bool on) {
  salesforce_ids_ = on;
  // Lead exports have no AccountId column; one whose Company holds an
  // account id gets its account from there, so account_id is written.
  if (on && spec_.kind == Kind::kContacts && company_ >= 0 &&
      mapping_.field_column[company_] >= 0 && account_ >= 0) {
    written_[account_] = true;
  }
}

void RowConverter::SetColumnPlan(ColumnPlan plan) {
  plan_ = std::move(plan);
  plan_.date_format.resize(spec_.fields.size(), date_format_);
  plan_.zero_led_length.resize(spec_.fields.size(), 0);
}

bool RowConverter::CheckDamage(const FieldSpec& field, int field_index, int64_t column,
                               std::string_view text, std::vector<CellProblem>& problems) {
  const bool id = field.role == Role::kKey || field.role == Role::kRef ||
                  field.role == Role::kConvertedContact || field.role == Role::kLeadRef ||
                  field.role == Role::kContactList;
  const bool phone = field.name == "phone" || field.name == "mobile_phone";
  const bool postal = field.name == "postal_code";
  if (!id && !phone && !postal) return false;
  std::string_view reason;
  std::string zeros;
  if (LooksLikeExcelScientific(text)) {
    reason = "precision lost: Excel scientific notation";
  } else if (postal && plan_.zero_led_length[field_index] > 0 && IsDigits(text) &&
             static_cast<int>(text.size()) < plan_.zero_led_length[field_index]) {
    zeros = fmt::format(
        "precision lost: leading zeros stripped (other values of the column have {} digits)",
        plan_.zero_led_length[field_index]);
    reason = zeros;
  } else {
    return false;
  }
  if (field.role == Role::kKey) {
    problems.push_back({.column = column,
                        .value = std::string(text),
                        .reason = std::string(reason) + "; the id cannot be trusted as a key"});
    return true;
  }
  damage_.push_back({.column = column, .value = std::string(text), .reason = std::string(reason)});
  if (!damaged_fields_.empty()) damaged_fields_.push_back(',');
  damaged_fields_.append(field.name);
  return false;
}

bool RowConverter::ConvertCell(const FieldSpec& field, int field_index, std::string_view text,
                               Value& out, std::string& reason) {
  switch (field.type) {
    case FieldType::kText:
      if (!field.choices.empty()) {
        const std::string_view value = MatchChoice(field.choices, text);
        if (value.empty() && field.interval) {
          if (const std::optional<int64_t> seconds = core::ParseInterval(text)) {
            SetText(out, *seconds == 3600     ? std::string("hourly")
                         : *seconds == 86400  ? std::string("daily")
                         : *seconds == 604800 ? std::string("weekly")
                                              : core::FormatIsoInterval(*seconds));
            return true;
          }
        }
        if (value.empty()) {
          std::string expected;
          for (std::string_view entry : core::Split(field.choices, '|')) {
            if (!expected.empty()) expected += ", ";
            expected += entry.substr(0, entry.find('='));
          }
          if (field.interval) expected += ", or an interval like 5m, 1h or PT15M";
          reason = "unknown " + std::string(field.name) + " '" + std::string(text) +
                   "' (expected " + expected + ")";
          return false;
        }
        SetText(out, value);
      } else if (IsStageField(spec_.kind, field.name)) {
        NormalizeStage(text, stage_, scratch_);
        SetText(out, stage_);
      } else {
        SetText(out, text);
      }
      return true;
    case FieldType::kInt: {
      auto v = core::ParseInt(text);
      if (!v) return reason = v.error().message, false;
      out = *v;
      return true;
    }
    case FieldType::kReal: {
      const bool percent = field.ratio && text.ends_with('%');
      auto v =
          core::ParseDouble(percent ? core::Trim(text.substr(0, text.size() - 1)) : text, numbers_);
      if (!v) return reason = v.error().message, false;
      double x = percent ? *v / 100 : *v;
      if (field.ratio && !(x >= 0 && x <= 1)) {
        reason = std::string(field.name) + " must be between 0 and 1 (or 0%-100%), got '" +
                 std::string(text) + "'";
        return false;
      }
      out = x;
      return true;
    }
    case FieldType::kMoney: {
      auto v = core::ParseAmount(text, numbers_);
      if (!v) return reason = v.error().message, false;
      if (!v->currency.empty()) {
        if (!amount_currency_.empty() && amount_currency_ != v->currency) {
          reason = fmt::format("amounts of one row in two currencies ({} and {})", amount_currency_,
                               v->currency);
          return false;
        }
        amount_currency_ = v->currency;
      }
      out = v->minor;
      return true;
    }
    case FieldType::kTime:
    case FieldType::kDate: {
      auto v = ParseTimeCell(text, plan_.date_format[field_index]);
      if (!v) return reason = v.error().message, false;
      out = *v;
      return true;
    }
    case FieldType::kBool: {
      auto v = core::ParseBool(text);
      if (!v) return reason = v.error().message, false;
      out = int64_t{*v ? 1 : 0};
      return true;
    }
  }
  return true;
}

bool RowConverter::Convert(std::span<const std::string_view> record, ConvertedRow& row,
                           std::vector<CellProblem>& problems) {
  const size_t n = spec_.fields.size();
  row.values.resize(n);
  row.converted_lead = false;
  bool ok = true;
  std::string reason;
  damage_.clear();
  damaged_fields_.clear();
  amount_currency_.clear();
  // A NUL byte is no text any column can hold (and a database would cut the
  // value at it): the row is refused, naming the cell.
  for (size_t c = 0; c < record.size(); ++c) {
    if (record[c].find('\0') != std::string_view::npos) {
      std::string shown(record[c]);
      for (char& ch : shown) {
        if (ch == '\0') ch = ' ';
      }
      problems.push_back({.column = static_cast<int64_t>(c + 1),
                          .value = shown,
                          .reason = "NUL byte in the value"});
      ok = false;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const FieldSpec& field = spec_.fields[i];
    Value& out = row.values[i];
    const int col = mapping_.field_column[i];
    if (col < 0 || static_cast<size_t>(col) >= record.size()) {
      out = std::monostate{};
      continue;
    }
    std::string_view text = core::Trim(record[col]);
    if (mapping_.columns[col].first_of_list) text = FirstOfList(text);
    if (salesforce_ids_ && !text.empty()) {
      const Role role = field.role;
      if (role == Role::kKey || role == Role::kRef || role == Role::kOwner ||
          role == Role::kConvertedContact || role == Role::kLeadRef) {
        if (core::NormalizeSalesforceId(text, sf_id_) != core::SalesforceIdForm::kNotAnId) {
          text = sf_id_;  // 18 characters, or empty for the null id
        }
      } else if (role == Role::kContactList) {
        sf_list_.clear();
        for (std::string_view part : core::Split(text, ';')) {
          for (std::string_view id : core::Split(part, ',')) {
            id = core::Trim(id);
            if (core::NormalizeSalesforceId(id, sf_id_) == core::SalesforceIdForm::kNull) continue;
            if (!sf_list_.empty()) sf_list_.push_back(';');
            sf_list_.append(sf_id_);
          }
        }
        text = sf_list_;
      }
    }
    if (text.empty()) {
      if (field.default_value >= 0) {
        out = int64_t{field.default_value};
      } else {
        out = std::monostate{};
        if (field.required || (field.role == Role::kKey && !mapping_.synth_key)) {
          problems.push_back({.column = col + 1,
                              .value = std::string(),
                              .reason = "missing " + std::string(field.name)});
          ok = false;
        }
      }
      continue;
    }
    if (CheckDamage(field, static_cast<int>(i), col + 1, text, problems)) {
      out = std::monostate{};
      ok = false;
      continue;
    }
    reason.clear();
    if (!ConvertCell(field, static_cast<int>(i), text, out, reason)) {
      out = std::monostate{};
      problems.push_back({.column = col + 1, .value = std::string(text), .reason = reason});
      ok = false;
    }
  }
  Derive(row);
  if (currency_ >= 0 && !amount_currency_.empty()) {
    const std::string* given = TextOf(row.values[currency_]);
    if (given == nullptr) {
      SetText(row.values[currency_], amount_currency_);
    } else if (!core::IEquals(core::Trim(*given), amount_currency_)) {
      const int col = mapping_.field_column[currency_];
      problems.push_back({.column = col + 1,
                          .value = *given,
                          .reason = fmt::format("the amount is in {} but the currency is '{}'",
                                                amount_currency_, *given)});
      ok = false;
    }
  }
  if (damage_field_ >= 0 && written_[damage_field_] && mapping_.field_column[damage_field_] < 0) {
    if (damaged_fields_.empty()) {
      row.values[damage_field_] = std::monostate{};
    } else {
      SetText(row.values[damage_field_], damaged_fields_);
    }
  }

  // Source, then key.
  const std::string* source_text = TextOf(row.values[ix_.source]);
  row.source_system.assign(source_text != nullptr ? *source_text : default_source_);
  if (spec_.keyed) {
    if (!mapping_.synth_key) {
      const std::string* key_text = TextOf(row.values[ix_.key]);
      if (key_text != nullptr) {
        row.key.assign(*key_text);
      } else {
        row.key.clear();
      }
    } else {
      row.key.clear();
      for (size_t p = 0; p < synth_key_.size(); ++p) {
        if (p > 0) row.key.push_back(':');
        AppendKeyPart(row.key, row.values[synth_key_[p]]);
      }
      SetText(row.values[ix_.key], row.key);
      if (row.key.empty() && !mapping_.synth_key_fields.empty() && ok) {
        const int col = mapping_.field_column[synth_key_[0]];
        problems.push_back(
            {.column = col + 1,
             .value = {},
             .reason = fmt::format("missing {} (the key of a file without a Record ID column)",
                                   mapping_.synth_key_fields[0])});
        ok = false;
      }
    }
  }
  if (spec_.kind == Kind::kCampaignMembers && ok &&
      std::holds_alternative<std::monostate>(row.values[ix_.contact])) {
    problems.push_back({.column = 0, .value = {}, .reason = "missing contact_id (or lead id)"});
    ok = false;
  }
  if (spec_.kind == Kind::kContacts) {
    const auto* flag = std::get_if<int64_t>(&row.values[ix_.is_converted]);
    row.converted_lead =
        flag != nullptr && *flag == 1 && TextOf(row.values[ix_.converted_contact]) != nullptr;
  }
  return ok;
}

void RowConverter::Derive(ConvertedRow& row) {
  auto text = [&](int i) -> std::string_view {
    const std::string* s = i >= 0 ? TextOf(row.values[i]) : nullptr;
    return s != nullptr ? std::string_view(*s) : std::string_view();
  };
  auto set_text_or_null = [&](int i, std::string_view value) {
    if (value.empty()) {
      row.values[i] = std::monostate{};
    } else {
      SetText(row.values[i], value);
    }
  };
  if (account_domain_ >= 0 && std::holds_alternative<std::monostate>(row.values[account_])) {
    const std::string_view given = text(account_domain_);
    std::string domain = DomainFromUrl(given);
    if (domain.empty() && given.find('.') != std::string_view::npos) domain = core::ToLower(given);
    if (!domain.empty()) {
      scratch_.assign("domain:").append(domain);
      SetText(row.values[account_], scratch_);
    }
  }
  company_was_account_id_ = false;
  switch (spec_.kind) {
    case Kind::kContacts:
      if (salesforce_ids_ && company_ >= 0 && account_ >= 0 && IsAccountId(text(company_))) {
        company_was_account_id_ = true;
        if (std::holds_alternative<std::monostate>(row.values[account_])) {
          core::NormalizeSalesforceId(text(company_), sf_id_);
          SetText(row.values[account_], sf_id_);
        }
        row.values[company_] = std::monostate{};
      }
      break;
    case Kind::kAccounts:
      if (derived_[ix_.domain]) set_text_or_null(ix_.domain, DomainFromUrl(text(ix_.website)));
      break;
    case Kind::kOpportunities:
      if (derived_[ix_.is_closed]) {
        bool closed = false;
        bool won = false;
        StageOutcome(text(ix_.stage), closed, won);
        row.values[ix_.is_closed] = int64_t{closed ? 1 : 0};
        row.values[ix_.is_won] = int64_t{won ? 1 : 0};
      }
      break;
    case Kind::kCampaigns:
      if (derived_[ix_.channel]) {
        set_text_or_null(ix_.channel, CampaignTypeChannel(text(ix_.type)));
      }
      break;
    case Kind::kTouchpoints: {
      if (derived_[ix_.contact] ||
          std::holds_alternative<std::monostate>(row.values[ix_.contact])) {
        const std::string_view email = text(ix_.email);
        if (!email.empty() && email.find('@') != std::string_view::npos) {
          scratch_.assign("email:");
          for (char c : email) scratch_.push_back(core::AsciiToLower(c));
          SetText(row.values[ix_.contact], scratch_);
        } else {
          row.values[ix_.contact] = std::monostate{};
        }
      }
      if (text(ix_.channel).empty()) {
        const ChannelInputs in{text(ix_.source_utm), text(ix_.medium), text(ix_.referrer),
                               text(ix_.type), text(ix_.url)};
        SetText(row.values[ix_.channel],
                Classify(channel_rules_ ? *channel_rules_ : DefaultChannelRules(), in).channel);
      }
      break;
    }
    case Kind::kCampaignMembers:
      if (std::holds_alternative<std::monostate>(row.values[ix_.contact])) {
        scratch_.assign(text(ix_.lead));
        set_text_or_null(ix_.contact, scratch_);
      }
      break;
    default:
      break;
  }
}

uint64_t RowHash(const ConvertedRow& row, const std::vector<bool>& written) {
  // Eight bytes at a time (a multiply-xorshift mix), so that hashing a row
  // costs little next to parsing it.
  uint64_t h = 0x9E3779B97F4A7C15ull;
  auto mix_word = [&h](uint64_t w) {
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  };
  auto mix = [&](const char* p, size_t n) {
    mix_word(n);
    for (; n >= 8; p += 8, n -= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      mix_word(w);
    }
    uint64_t tail = 0;
    std::memcpy(&tail, p, n);
    mix_word(tail);
  };
  mix(row.source_system.data(), row.source_system.size());
  for (size_t i = 0; i < row.values.size() && i < written.size(); ++i) {
    if (!written[i]) continue;
    const Value& v = row.values[i];
    mix_word(v.index() + 1);
    if (const auto* s = std::get_if<std::string>(&v)) {
      mix(s->data(), s->size());
    } else if (const auto* x = std::get_if<int64_t>(&v)) {
      mix_word(static_cast<uint64_t>(*x));
    } else if (const auto* d = std::get_if<double>(&v)) {
      uint64_t bits;
      std::memcpy(&bits, d, sizeof bits);
      mix_word(bits);
    }
  }
  return h == 0 ? 1 : h;
}

}  // namespace internal

std::string NormalizeLifecycleStage(std::string_view value) {
  std::string out;
  std::string scratch;
  internal::NormalizeStage(value, out, scratch);
  return out;
}

}  // namespace mops::ingest
