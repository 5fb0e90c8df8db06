// Spend exports: card programmes (Ramp, Brex, Expensify, American Express)
// and accounting bank feeds (QuickBooks Online, Xero), plus a generic CSV.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/csv.h"
#include "core/strings.h"
#include "stack/discovery/discovery.h"
#include "stack/discovery/internal.h"

namespace mops::stack::discovery {
namespace {

using internal::FieldLabels;
using internal::PresetSpec;

// Field order of every spend preset: MapHeader's result is indexed by these.
enum Field {
  kDate,
  kMerchant,
  kAmount,
  kDebit,
  kCredit,
  kCurrency,
  kOriginalAmount,
  kOriginalCurrency,
  kPayer,
  kCard,
  kDepartment,
  kExtended,
  kFieldCount
};
constexpr std::array<std::string_view, kFieldCount> kFieldNames = {
    "date",   "merchant", "amount",          "debit",
    "credit", "currency", "original_amount", "original_currency",
    "payer",  "card",     "department",      "extended"};

PresetSpec Spec(SpendPreset preset, std::string_view name,
                std::array<std::string_view, kFieldCount> labels, std::string_view signature,
                std::vector<std::string_view> required,
                core::DateFormat order = core::DateFormat::kMdy) {
  PresetSpec spec;
  spec.id = static_cast<int>(preset);
  spec.name = name;
  for (int f = 0; f < kFieldCount; ++f) spec.fields.push_back({kFieldNames[f], labels[f]});
  spec.signature = signature;
  spec.required = std::move(required);
  spec.date_order = order;
  return spec;
}

// The labels of each vendor's export (see README "Spend presets").
const std::vector<PresetSpec>& Specs() {
  static const std::vector<PresetSpec> kSpecs = {
      Spec(SpendPreset::kRamp, "ramp",
           {"Date|Transaction Date|transaction_time|User Transaction Time",
            "Merchant|Merchant Name|merchant_name", "Amount", "", "", "Currency", "Original Amount",
            "Original Currency", "User|Cardholder|Card Holder|Employee",
            "Card|Card Name|Card Last 4", "Department", ""},
           "Ramp Category|merchant_name|transaction_time", {"date", "merchant", "amount"}),
      Spec(SpendPreset::kBrex, "brex",
           {"Transaction Date|Posted Date|Date", "Merchant|Merchant Name|Description", "Amount", "",
            "", "Currency", "Original Amount", "Original Currency", "Card Holder|User|Cardholder",
            "Card Last Four|Card", "Department", ""},
           "Posted Date|Card Last Four", {"date", "merchant", "amount"}),
      Spec(SpendPreset::kExpensify, "expensify",
           {"Timestamp|Date", "Merchant", "Amount", "", "", "Currency|Report Currency",
            "Original Amount", "Original Currency", "Email|Employee|Submitter|Report Submitter",
            "Card", "Department", ""},
           "Timestamp|Reimbursable", {"date", "merchant", "amount"}),
      Spec(SpendPreset::kAmex, "amex",
           {"Date", "Description|Appears On Your Statement As", "Amount", "", "", "", "", "",
            "Card Member", "Account #|Account Number", "", "Extended Details"},
           "Card Member|Extended Details|Appears On Your Statement As",
           {"date", "merchant", "amount"}),
      Spec(SpendPreset::kQuickBooks, "quickbooks",
           {"Date", "Description|Bank Description|Payee", "", "Spent|Payment", "Received|Deposit",
            "", "", "", "", "Account|Bank Account", "", ""},
           "Spent|Received|Category or Match", {"date", "merchant", "debit"}),
      Spec(SpendPreset::kXero, "xero",
           {"Date|Transaction Date", "Payee|Description", "Amount", "", "", "", "", "", "",
            "Account|Bank Account", "", ""},
           "Payee|Reference|Cheque No|Analysis Code", {"date", "merchant", "amount"},
           core::DateFormat::kDmy),
      Spec(SpendPreset::kGeneric, "generic",
           {"date|posted_at|transaction_date", "merchant|descriptor|description|vendor", "amount",
            "debit", "credit", "currency", "original_amount", "original_currency",
            "payer|cardholder|user", "card|account", "department", ""},
           "", {"date", "merchant", "amount|debit"}),
  };
  return kSpecs;
}

const PresetSpec& SpecOf(SpendPreset preset) {
  for (const PresetSpec& s : Specs()) {
    if (s.id == static_cast<int>(preset)) return s;
  }
  return Specs().back();
}

// "(12.00)", "12.00-" and "12.00 CR" are negative; then ParseAmount.
core::Result<core::Amount> ParseMoneyCell(std::string_view text, core::NumberFormat numbers) {
  text = core::Trim(text);
  bool negate = false;
  if (text.size() >= 2 && text.front() == '(' && text.back() == ')') {
    negate = true;
    text = core::Trim(text.substr(1, text.size() - 2));
  } else if (!text.empty() && text.back() == '-') {
    negate = true;
    text = core::TrimRight(text.substr(0, text.size() - 1));
  } else if (core::IEndsWith(text, " CR")) {
    negate = true;
    text = core::TrimRight(text.substr(0, text.size() - 3));
  }
  MOPS_ASSIGN_OR_RETURN(core::Amount amount, core::ParseAmount(text, numbers));
  if (negate) amount.minor = -amount.minor;
  return amount;
}

// "Foreign Spend Amount: 49.00 Euros Commission Amount: ..." (American
// Express's extended details) -> 4900, EUR.
bool ForeignSpend(std::string_view details, core::NumberFormat numbers, int64_t& amount,
                  std::string& currency) {
  const std::string upper = core::ToUpper(details);
  const size_t at = upper.find("FOREIGN SPEND AMOUNT:");
  if (at == std::string::npos) return false;
  std::string_view rest = core::Trim(std::string_view(upper).substr(at + 21));
  const size_t space = rest.find(' ');
  if (space == std::string_view::npos) return false;
  auto value = core::ParseMoneyMinor(rest.substr(0, space), 2, numbers);
  if (!value) return false;
  std::string_view word = core::Trim(rest.substr(space + 1));
  word = word.substr(0, word.find(' '));
  static constexpr std::pair<std::string_view, std::string_view> kWords[] = {
      {"EURO", "EUR"},     {"EUROS", "EUR"},    {"POUND", "GBP"},      {"POUNDS", "GBP"},
      {"STERLING", "GBP"}, {"CANADIAN", "CAD"}, {"AUSTRALIAN", "AUD"}, {"YEN", "JPY"},
      {"SWISS", "CHF"},    {"DANISH", "DKK"},   {"SWEDISH", "SEK"},    {"NORWEGIAN", "NOK"},
      {"INDIAN", "INR"},   {"MEXICAN", "MXN"},  {"SINGAPORE", "SGD"}};
  currency.clear();
  for (const auto& [w, code] : kWords) {
    if (word == w) currency = std::string(code);
  }
  if (currency.empty() && word.size() == 3) currency = std::string(word);
  if (currency.empty()) return false;
  amount = *value;
  return true;
}

bool LooksLikeTotal(std::string_view text) {
  text = core::Trim(text);
  for (std::string_view word : {"total", "opening balance", "closing balance", "beginning balance",
                                "ending balance", "subtotal"}) {
    if (core::IStartsWith(text, word)) return true;
  }
  // "... Total", "Grand total": the word after a blank.
  for (size_t at = 0; at + 6 <= text.size(); ++at) {
    if (text[at] == ' ' && core::IStartsWith(text.substr(at + 1), "total")) return true;
  }
  return false;
}

core::Error CellError(const SpendReadOptions& options, int64_t line, int column,
                      std::string_view label, std::string message) {
  return core::MakeError(core::ErrorCode::kInvalidArgument, std::move(message))
      .At(options.file_name, line, column + 1)
      .InField(std::string(label));
}

}  // namespace

core::Result<SpendPreset> ParseSpendPreset(std::string_view name) {
  const std::string key = NameKey(name);
  if (key.empty() || key == "auto") return SpendPreset::kAuto;
  if (key == "ramp") return SpendPreset::kRamp;
  if (key == "brex") return SpendPreset::kBrex;
  if (key == "expensify") return SpendPreset::kExpensify;
  if (key == "amex" || key == "americanexpress") return SpendPreset::kAmex;
  if (key == "quickbooks" || key == "qbo" || key == "quickbooksonline") {
    return SpendPreset::kQuickBooks;
  }
  if (key == "xero") return SpendPreset::kXero;
  if (key == "generic" || key == "mapped" || key == "csv") return SpendPreset::kGeneric;
  return core::Fail(core::ErrorCode::kInvalidArgument,
                    "unknown spend preset '{}' (expected auto, ramp, brex, expensify, amex, "
                    "quickbooks, xero or generic)",
                    name);
}

std::string_view SpendPresetName(SpendPreset preset) {
  return preset == SpendPreset::kAuto ? "auto" : SpecOf(preset).name;
}

core::Result<SpendFile> ReadSpend(std::string_view text, const SpendReadOptions& options) {
  // The generic preset with the user's own column labels.
  PresetSpec generic = SpecOf(SpendPreset::kGeneric);
  std::vector<std::string> owned_labels;
  owned_labels.reserve(options.columns.size());
  for (const auto& [field, label] : options.columns) {
    auto it = std::find(kFieldNames.begin(), kFieldNames.end(), field);
    if (it == kFieldNames.end() || *it == "extended") {
      return core::Fail(
          core::MakeError(core::ErrorCode::kInvalidArgument,
                          fmt::format("unknown spend field '{}' (expected date, merchant, amount, "
                                      "debit, credit, currency, original_amount, "
                                      "original_currency, payer, card or department)",
                                      field))
              .InField("column"));
    }
    owned_labels.push_back(label);
    generic.fields[it - kFieldNames.begin()].labels = owned_labels.back();
  }
  std::vector<const PresetSpec*> candidates;
  if (options.preset == SpendPreset::kAuto) {
    for (const PresetSpec& s : Specs()) {
      candidates.push_back(s.id == static_cast<int>(SpendPreset::kGeneric) ? &generic : &s);
    }
  } else {
    candidates.push_back(options.preset == SpendPreset::kGeneric ? &generic
                                                                 : &SpecOf(options.preset));
  }

  core::CsvOptions csv;
  csv.require_same_width = false;
  csv.trim_fields = true;
  csv.file_name = options.file_name;

  // Pass 1: the header (title rows above it skipped) and the date survey.
  SpendFile out;
  std::vector<std::string> header;
  const PresetSpec* spec = nullptr;
  std::vector<int> cols;
  internal::DateOrderSurvey survey;
  int64_t header_line = 0;
  {
    core::CsvReader reader(text, csv);
    std::vector<std::string_view> fields;
    int best = -1;
    for (int scanned = 0; scanned < 15; ++scanned) {
      MOPS_ASSIGN_OR_RETURN(bool more, reader.Next(fields));
      if (!more) break;
      std::vector<std::string> labels(fields.begin(), fields.end());
      for (const PresetSpec* s : candidates) {
        const int score = internal::ScoreHeader(*s, labels);
        if (score > best) {
          best = score;
          spec = s;
          header = labels;
          header_line = reader.record_line();
        }
      }
      if (best >= 0) break;
    }
    if (spec == nullptr || best < 0) {
      const PresetSpec& shown = *candidates.front();
      std::string why = candidates.size() == 1
                            ? "it lacks " + internal::MissingFields(shown, header)
                            : "no preset (ramp, brex, expensify, amex, quickbooks, xero, generic) "
                              "recognises its header";
      return core::Fail(core::MakeError(core::ErrorCode::kParse,
                                        "not a spend export: " + why +
                                            "; name the columns with --column FIELD=LABEL")
                            .At(options.file_name, 1));
    }
    cols = internal::MapHeader(*spec, header);
    while (true) {
      MOPS_ASSIGN_OR_RETURN(bool more, reader.Next(fields));
      if (!more) break;
      if (cols[kDate] >= 0 && cols[kDate] < static_cast<int>(fields.size())) {
        survey.Add(fields[cols[kDate]], reader.record_line());
      }
    }
  }
  out.preset = static_cast<SpendPreset>(spec->id);
  out.detected = options.preset == SpendPreset::kAuto;
  out.header_line = header_line;
  const core::DateFormat fallback =
      options.date_order != core::DateFormat::kAuto ? options.date_order : spec->date_order;
  MOPS_ASSIGN_OR_RETURN(out.date_order,
                        survey.Finish(fallback, header[cols[kDate]], options.file_name));
  if (header_line > 1) {
    out.warnings.push_back(fmt::format("skipped {} title line(s) above the header on line {}",
                                       header_line - 1, header_line));
  }

  // Pass 2: the rows.
  core::CsvReader reader(text, csv);
  std::vector<std::string_view> fields;
  const auto cell = [&](int field) -> std::string_view {
    const int c = cols[field];
    return c >= 0 && c < static_cast<int>(fields.size()) ? core::Trim(fields[c])
                                                         : std::string_view();
  };
  const bool flip = out.preset == SpendPreset::kXero;  // Xero: money out is negative
  while (true) {
    MOPS_ASSIGN_OR_RETURN(bool more, reader.Next(fields));
    if (!more) break;
    const int64_t line = reader.record_line();
    if (line <= header_line) continue;
    bool blank = true;
    for (std::string_view f : fields) blank = blank && core::Trim(f).empty();
    if (blank) {
      ++out.skipped;
      continue;
    }
    const std::string_view date_text = cell(kDate);
    const std::string_view merchant = cell(kMerchant);
    bool total = LooksLikeTotal(merchant);
    if (date_text.empty()) {
      for (std::string_view f : fields) total = total || LooksLikeTotal(f);
    }
    if (total) {
      ++out.skipped;
      continue;
    }
    SpendRow row;
    row.line = line;
    if (date_text.empty()) {
      return core::Fail(
          CellError(options, line, cols[kDate], header[cols[kDate]], "the date is empty"));
    }
    auto date = internal::ParseDate(date_text, out.date_order);
    if (!date) {
      return core::Fail(
          CellError(options, line, cols[kDate], header[cols[kDate]], date.error().message));
    }
    row.date = *date;
    if (merchant.empty()) {
      return core::Fail(CellError(options, line, cols[kMerchant], header[cols[kMerchant]],
                                  "the merchant is empty"));
    }
    row.descriptor = std::string(merchant);
    std::string currency;
    if (cols[kAmount] >= 0) {
      auto amount = ParseMoneyCell(cell(kAmount), options.numbers);
      if (!amount || cell(kAmount).empty()) {
        return core::Fail(CellError(options, line, cols[kAmount], header[cols[kAmount]],
                                    amount ? "the amount is empty" : amount.error().message));
      }
      row.amount = flip ? -amount->minor : amount->minor;
      currency = amount->currency;
    } else {
      const std::string_view debit = cell(kDebit), credit = cell(kCredit);
      if (debit.empty() && credit.empty()) {
        return core::Fail(CellError(options, line, cols[kDebit], header[cols[kDebit]],
                                    "neither an amount spent nor one received"));
      }
      for (int f : {kDebit, kCredit}) {
        if (cell(f).empty()) continue;
        auto amount = ParseMoneyCell(cell(f), options.numbers);
        if (!amount) {
          return core::Fail(
              CellError(options, line, cols[f], header[cols[f]], amount.error().message));
        }
        row.amount += f == kDebit ? amount->minor : -amount->minor;
        if (!amount->currency.empty()) currency = amount->currency;
      }
    }
    if (!cell(kCurrency).empty()) currency = core::ToUpper(cell(kCurrency));
    row.currency = currency.empty() ? core::ToUpper(options.currency) : currency;
    if (!cell(kOriginalAmount).empty()) {
      auto original = ParseMoneyCell(cell(kOriginalAmount), options.numbers);
      if (!original) {
        return core::Fail(CellError(options, line, cols[kOriginalAmount],
                                    header[cols[kOriginalAmount]], original.error().message));
      }
      row.original_amount = original->minor;
      row.original_currency = !cell(kOriginalCurrency).empty()
                                  ? core::ToUpper(cell(kOriginalCurrency))
                                  : original->currency;
      if (row.original_currency == row.currency ||
          (row.currency.empty() && *row.original_amount == row.amount)) {
        row.original_amount.reset();
        row.original_currency.clear();
      }
    } else if (!cell(kExtended).empty()) {
      int64_t foreign = 0;
      std::string code;
      if (ForeignSpend(cell(kExtended), options.numbers, foreign, code)) {
        row.original_amount = row.amount < 0 ? -foreign : foreign;
        row.original_currency = code;
      }
    }
    row.payer = std::string(cell(kPayer));
    row.card = std::string(cell(kCard));
    row.department = std::string(cell(kDepartment));
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace mops::stack::discovery
