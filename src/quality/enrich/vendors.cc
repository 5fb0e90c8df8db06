// Vendor exports: layouts detected from the header, rows converted into the
// workspace's form, rows matched to workspace records (engine).
#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/csv.h"
#include "core/parallel_parts.h"
#include "core/report_rows.h"
#include "core/strings.h"
#include "quality/engine.h"
#include "quality/enrich/enrich.h"
#include "quality/linkage/engine.h"

namespace mops::quality::enrich {
namespace {

using core::ErrorCode;

// A layout's signature is '|'-separated headers that must all be present.
constexpr VendorLayout kLayouts[] = {
    {"zoominfo_contacts", "zoominfo", "contacts", "ZoomInfo Contact ID"},
    {"zoominfo_companies", "zoominfo", "accounts", "ZoomInfo Company ID"},
    {"apollo_people", "apollo", "contacts", "Apollo Contact Id"},
    {"apollo_accounts", "apollo", "accounts", "Apollo Account Id"},
    {"clearbit_people", "clearbit", "contacts", "person.email|person.name.fullName"},
    {"clearbit_companies", "clearbit", "accounts", "company.domain|company.metrics.employees"},
    {"lusha_contacts", "lusha", "contacts", "Business Email|Direct Dial"},
    {"cognism_contacts", "cognism", "contacts", "Office Phone|Mobile Phone|Job Title"},
};

// Our field -> the layout's headers, first present wins ('|'-separated).
struct ColumnMap {
  std::string_view layout;
  std::string_view field;
  std::string_view headers;
};
// How a revenue column is written: 1 = dollars, 1000 = thousands of dollars.
struct RevenueScale {
  std::string_view layout;
  int64_t scale;
};
constexpr RevenueScale kRevenueScales[] = {{"zoominfo_contacts", 1000},
                                           {"zoominfo_companies", 1000}};

constexpr ColumnMap kColumns[] = {
    // ZoomInfo contacts: the person, then the company's firmographics.
    {"zoominfo_contacts", "id", "ZoomInfo Contact ID"},
    {"zoominfo_contacts", "first_name", "First Name"},
    {"zoominfo_contacts", "last_name", "Last Name"},
    {"zoominfo_contacts", "title", "Job Title"},
    {"zoominfo_contacts", "seniority", "Management Level"},
    {"zoominfo_contacts", "department", "Department"},
    {"zoominfo_contacts", "email", "Email Address"},
    {"zoominfo_contacts", "phone", "Direct Phone Number|Mobile phone"},
    {"zoominfo_contacts", "company_name", "Company Name"},
    {"zoominfo_contacts", "domain", "Website|Email Domain"},
    {"zoominfo_contacts", "country", "Country|Company Country"},
    {"zoominfo_contacts", "state", "Person State|Company State"},
    {"zoominfo_contacts", "city", "Person City|Company City"},
    {"zoominfo_contacts", "industry", "Primary Industry"},
    {"zoominfo_contacts", "employees", "Employees|Employee Range"},
    {"zoominfo_contacts", "annual_revenue", "Revenue (in 000s USD)"},
    // ZoomInfo companies.
    {"zoominfo_companies", "id", "ZoomInfo Company ID"},
    {"zoominfo_companies", "company_name", "Company Name"},
    {"zoominfo_companies", "domain", "Website"},
    {"zoominfo_companies", "phone", "Company HQ Phone"},
    {"zoominfo_companies", "country", "Company Country|Country"},
    {"zoominfo_companies", "state", "Company State"},
    {"zoominfo_companies", "city", "Company City"},
    {"zoominfo_companies", "industry", "Primary Industry"},
    {"zoominfo_companies", "employees", "Employees|Employee Range"},
    {"zoominfo_companies", "annual_revenue", "Revenue (in 000s USD)"},
    // Apollo people.
    {"apollo_people", "id", "Apollo Contact Id"},
    {"apollo_people", "first_name", "First Name"},
    {"apollo_people", "last_name", "Last Name"},
    {"apollo_people", "title", "Title"},
    {"apollo_people", "seniority", "Seniority"},
    {"apollo_people", "department", "Departments"},
    {"apollo_people", "email", "Email"},
    {"apollo_people", "phone", "Work Direct Phone|Mobile Phone|Corporate Phone"},
    {"apollo_people", "company_name", "Company|Company Name for Emails"},
    {"apollo_people", "domain", "Website"},
    {"apollo_people", "country", "Country|Company Country"},
    {"apollo_people", "state", "State|Company State"},
    {"apollo_people", "city", "City|Company City"},
    {"apollo_people", "industry", "Industry"},
    {"apollo_people", "employees", "# Employees"},
    {"apollo_people", "annual_revenue", "Annual Revenue"},
    // Apollo accounts.
    {"apollo_accounts", "id", "Apollo Account Id"},
    {"apollo_accounts", "company_name", "Company|Company Name for Emails"},
    {"apollo_accounts", "domain", "Website"},
    {"apollo_accounts", "phone", "Company Phone"},
    {"apollo_accounts", "country", "Company Country"},
    {"apollo_accounts", "state", "Company State"},
    {"apollo_accounts", "city", "Company City"},
    {"apollo_accounts", "industry", "Industry"},
    {"apollo_accounts", "employees", "# Employees"},
    {"apollo_accounts", "annual_revenue", "Annual Revenue"},
    // Clearbit: the Enrichment API's attributes, flattened with dots.
    {"clearbit_people", "id", "person.id"},
    {"clearbit_people", "first_name", "person.name.givenName"},
    {"clearbit_people", "last_name", "person.name.familyName"},
    {"clearbit_people", "email", "person.email"},
    {"clearbit_people", "title", "person.employment.title"},
    {"clearbit_people", "seniority", "person.employment.seniority"},
    {"clearbit_people", "department", "person.employment.role"},
    {"clearbit_people", "company_name", "company.name|person.employment.name"},
    {"clearbit_people", "domain", "company.domain|person.employment.domain"},
    {"clearbit_people", "country", "person.geo.countryCode|person.geo.country"},
    {"clearbit_people", "state", "person.geo.stateCode|person.geo.state"},
    {"clearbit_people", "city", "person.geo.city"},
    {"clearbit_people", "industry", "company.category.industry"},
    {"clearbit_people", "employees", "company.metrics.employees"},
    {"clearbit_people", "annual_revenue", "company.metrics.annualRevenue"},
    {"clearbit_companies", "id", "company.id"},
    {"clearbit_companies", "company_name", "company.name"},
    {"clearbit_companies", "domain", "company.domain"},
    {"clearbit_companies", "phone", "company.phone"},
    {"clearbit_companies", "country", "company.geo.countryCode|company.geo.country"},
    {"clearbit_companies", "state", "company.geo.stateCode|company.geo.state"},
    {"clearbit_companies", "city", "company.geo.city"},
    {"clearbit_companies", "industry", "company.category.industry"},
    {"clearbit_companies", "employees", "company.metrics.employees"},
    {"clearbit_companies", "annual_revenue", "company.metrics.annualRevenue"},
    // Lusha: the fields its CSV enrichment adds.
    {"lusha_contacts", "id", "Lusha Contact ID|Contact ID"},
    {"lusha_contacts", "first_name", "First Name"},
    {"lusha_contacts", "last_name", "Last Name"},
    {"lusha_contacts", "title", "Job Title"},
    {"lusha_contacts", "seniority", "Seniority"},
    {"lusha_contacts", "department", "Department"},
    {"lusha_contacts", "email", "Business Email|Email"},
    {"lusha_contacts", "phone", "Direct Dial|Mobile Phone"},
    {"lusha_contacts", "company_name", "Company Name"},
    {"lusha_contacts", "domain", "Company Domain"},
    {"lusha_contacts", "country", "Country"},
    {"lusha_contacts", "state", "State"},
    {"lusha_contacts", "city", "City"},
    {"lusha_contacts", "industry", "Company Industry|Industry"},
    {"lusha_contacts", "employees", "Company Employee Count|Employee Count|Company Size"},
    // Cognism: its export mapping's names.
    {"cognism_contacts", "id", "Cognism ID|Prospect ID"},
    {"cognism_contacts", "first_name", "First Name"},
    {"cognism_contacts", "last_name", "Last Name"},
    {"cognism_contacts", "title", "Job Title"},
    {"cognism_contacts", "seniority", "Seniority"},
    {"cognism_contacts", "department", "Department"},
    {"cognism_contacts", "email", "Email"},
    {"cognism_contacts", "phone", "Office Phone|Mobile Phone"},
    {"cognism_contacts", "company_name", "Company Name"},
    {"cognism_contacts", "domain", "Website"},
    {"cognism_contacts", "country", "Country"},
    {"cognism_contacts", "state", "State"},
    {"cognism_contacts", "city", "City"},
    {"cognism_contacts", "industry", "Industry"},
    {"cognism_contacts", "employees", "Company Size|Employees"},
    {"cognism_contacts", "annual_revenue", "Revenue"},
};

constexpr std::string_view kRowFields[] = {
    "id",    "first_name", "last_name",    "title",         "seniority", "department",
    "email", "phone",      "company_name", "domain",        "country",   "state",
    "city",  "industry",   "employees",    "annual_revenue"};

std::string Normalized(std::string_view header) { return core::ToLower(core::Trim(header)); }

bool Matches(const VendorLayout& layout, const std::vector<std::string>& headers) {
  for (std::string_view need : core::Split(layout.signature, '|')) {
    if (std::find(headers.begin(), headers.end(), Normalized(need)) == headers.end()) return false;
  }
  return true;
}

// "10,001+", "51-200" (the middle), "1.200" in the file's format.
std::optional<int64_t> ParseCount(std::string_view text, core::NumberFormat format) {
  std::string t(core::Trim(text));
  while (!t.empty() && t.back() == '+') t.pop_back();
  for (std::string_view dash : {"-", "–", " to "}) {
    if (const size_t at = t.find(dash); at != std::string::npos && at > 0) {
      auto lo = ParseCount(t.substr(0, at), format);
      auto hi = ParseCount(t.substr(at + dash.size()), format);
      if (!lo || !hi || *hi < *lo) return std::nullopt;
      return (*lo + *hi) / 2;
    }
  }
  auto v = core::ParseDouble(t, format);
  if (!v || *v < 0 || *v > 1e12) return std::nullopt;
  return static_cast<int64_t>(std::llround(*v));
}

// "$12.5M", "12500000", "1,234" (x scale) -> minor units of USD.
std::optional<int64_t> ParseRevenue(std::string_view text, core::NumberFormat format,
                                    int64_t scale) {
  std::string t(core::Trim(text));
  double multiplier = static_cast<double>(scale);
  if (!t.empty()) {
    const char last = core::AsciiToUpper(t.back());
    if (last == 'K' || last == 'M' || last == 'B') {
      multiplier *= last == 'K' ? 1e3 : last == 'M' ? 1e6 : 1e9;
      t.pop_back();
    }
  }
  if (t.find('-') != std::string::npos && t.find('-') > 0) return std::nullopt;  // a range
  auto v = core::ParseDouble(t, format);
  if (!v || *v < 0) return std::nullopt;
  const double minor = *v * multiplier * 100;
  if (minor > 9e18) return std::nullopt;
  return static_cast<int64_t>(std::llround(minor));
}

std::string Department(std::string_view raw) {
  std::string_view first = core::Trim(core::Split(raw, ',').front());
  std::string text(first);
  if (text.starts_with("master_")) text = text.substr(7);
  for (char& c : text) {
    if (c == '_') c = ' ';
  }
  return NormalizeDepartment(text);
}

// Vendors' seniority words: ZoomInfo's management levels ("VP-Level",
// "Non-Manager"), Apollo's ("c_suite", "head"), Clearbit's ("executive").
std::string Seniority(std::string_view raw) {
  std::string value = NormalizeSeniority(raw);
  if (!value.empty()) return value;
  std::string text = core::ToLower(core::Trim(raw));
  if (text == "non-manager" || text == "non manager") return "entry";
  for (std::string_view suffix : {"-level", " level"}) {
    if (text.ends_with(suffix))
      return NormalizeSeniority(text.substr(0, text.size() - suffix.size()));
  }
  return {};
}

// A blank row, or a totals or count line ("Total", "Records: 12") with at
// most one other value.
bool IsTotalsRow(std::span<const std::string_view> fields) {
  core::TotalsRowRule rule;
  rule.max_filled = 2;
  rule.blank_rows = true;
  return core::IsTotalsRow(fields, rule);
}

// Name agreement of a row and a record as a Fellegi-Sunter weight (bits), with
// the linkage library's name levels: exact, nickname, initial, JW >= 0.92,
// JW >= 0.80, different. m and u per level are fixed: a vendor file is not a
// sample to train on.
// Names as linkage::NormalizeName gives them.
double NameWeight(std::string_view row_first, std::string_view row_last, std::string_view first,
                  std::string_view last) {
  static constexpr double kM[] = {1, 0.90, 0.04, 0.02, 0.025, 0.01, 0.005};
  static constexpr double kU[] = {1, 0.01, 0.005, 0.02, 0.01, 0.03, 0.925};
  double w = 0;
  const std::pair<std::string_view, std::string_view> pairs[] = {{row_first, first},
                                                                 {row_last, last}};
  for (const auto& [x, y] : pairs) {
    if (x.empty() || y.empty()) continue;
    const uint8_t level = linkage::CompareValues(linkage::Comparison::kName, x, y);
    if (level >= 1 && level <= 6) w += std::log2(kM[level] / kU[level]);
  }
  return w;
}

using core::ParallelParts;

// The best record of a block by name, as a RowMatch (status set by caller).
// `names` holds each contact's normalized first and last name.
RowMatch BestByName(const VendorRow& row, std::span<const uint32_t> block,
                    std::span<const MatchContact> contacts,
                    std::span<const std::pair<std::string, std::string>> names,
                    std::string_view method, double min_probability) {
  RowMatch m;
  if (block.empty() || (row.first_name.empty() && row.last_name.empty())) return m;
  const std::string row_first = linkage::NormalizeName(row.first_name);
  const std::string row_last = linkage::NormalizeName(row.last_name);
  const double n = static_cast<double>(block.size());
  const double prior = n <= 1 ? 0 : std::log2(1 / (n - 1));  // one of n is the person
  double best = -1, second = -1;
  int64_t best_id = 0;
  for (uint32_t i : block) {
    const MatchContact& c = contacts[i];
    const double p = linkage::Probability(
        prior + NameWeight(row_first, row_last, names[i].first, names[i].second));
    if (p > best) {
      second = best;
      best = p;
      best_id = c.id;
    } else if (p > second) {
      second = p;
    }
  }
  if (best < min_probability) return m;
  m.method = std::string(method);
  m.probability = best;
  if (second >= min_probability && best - second < 0.05) {
    m.status = "ambiguous";
    return m;
  }
  m.record_id = best_id;
  m.status = "matched";
  return m;
}

}  // namespace

std::span<const VendorLayout> VendorLayouts() { return kLayouts; }

namespace {

// The header of a vendor file: the first of its first lines whose columns
// identify a layout (exports put a title, a date or a filter description
// above it).
struct FoundHeader {
  const VendorLayout* layout = nullptr;  // null: none of the first lines
  std::vector<std::string> headers;      // its columns, normalized
  std::vector<std::string> first_line;   // the first line's cells, trimmed
  int64_t skipped = 0;                   // lines above it
};

core::Result<FoundHeader> FindHeader(core::CsvReader& reader, const VendorReadOptions& options) {
  FoundHeader found;
  std::vector<std::string_view> fields;
  for (int attempt = 0; attempt < 10 && found.layout == nullptr; ++attempt) {
    auto more = reader.Next(fields);
    if (!more) return std::unexpected(std::move(more).error());
    if (!*more) break;
    found.headers.clear();
    for (std::string_view f : fields) found.headers.push_back(Normalized(f));
    if (found.first_line.empty()) {
      for (std::string_view f : fields) found.first_line.emplace_back(core::Trim(f));
    }
    for (const VendorLayout& l : kLayouts) {
      if (!options.layout.empty() && l.name != options.layout) continue;
      if (Matches(l, found.headers)) {
        found.layout = &l;
        break;
      }
    }
    if (found.layout == nullptr) ++found.skipped;
  }
  return found;
}

core::CsvOptions VendorCsvOptions(std::string_view file_name) {
  core::CsvOptions csv_options;
  csv_options.require_same_width = false;
  csv_options.file_name = std::string(file_name);
  return csv_options;
}

}  // namespace

std::string_view VendorFileEntity(std::string_view text, const VendorReadOptions& options) {
  core::CsvReader reader(text, VendorCsvOptions(""));
  auto found = FindHeader(reader, options);
  return found && found->layout != nullptr ? found->layout->entity : std::string_view{};
}

core::Result<VendorFile> ReadVendorFile(std::string_view text, std::string_view file_name,
                                        const VendorReadOptions& options) {
  core::CsvReader reader(text, VendorCsvOptions(file_name));
  std::vector<std::string_view> fields;
  VendorFile file;
  MOPS_ASSIGN_OR_RETURN(FoundHeader found, FindHeader(reader, options));
  const VendorLayout* layout = found.layout;
  std::vector<std::string>& headers = found.headers;
  const std::vector<std::string>& first_header = found.first_line;
  file.skipped = found.skipped;
  if (layout == nullptr) {
    std::vector<std::string> names;
    for (const VendorLayout& l : kLayouts) {
      names.push_back(fmt::format("{} ({})", l.name, l.signature));
    }
    if (!options.layout.empty() &&
        std::none_of(std::begin(kLayouts), std::end(kLayouts),
                     [&](const VendorLayout& l) { return l.name == options.layout; })) {
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                        fmt::format("unknown layout '{}' (layouts: {})",
                                                    options.layout, core::Join(names, ", ")))
                            .InField("layout"));
    }
    std::vector<std::string> shown(first_header.begin(),
                                   first_header.begin() + std::min<size_t>(first_header.size(), 6));
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument,
                        fmt::format("unknown vendor layout: the header ({}{}) is none of the "
                                    "known exports; known layouts and the columns that identify "
                                    "them: {}",
                                    core::Join(shown, ", "), first_header.size() > 6 ? ", ..." : "",
                                    core::Join(names, "; ")))
            .At(std::string(file_name), 1));
  }
  file.layout = std::string(layout->name);
  file.source = std::string(layout->source);
  file.entity = std::string(layout->entity);

  // Column of each row field (-1: absent).
  std::vector<int> column(std::size(kRowFields), -1);
  for (const ColumnMap& c : kColumns) {
    if (c.layout != layout->name) continue;
    const auto field_it = std::find(std::begin(kRowFields), std::end(kRowFields), c.field);
    const size_t f = static_cast<size_t>(field_it - std::begin(kRowFields));
    for (std::string_view h : core::Split(c.headers, '|')) {
      const auto it = std::find(headers.begin(), headers.end(), Normalized(h));
      if (it != headers.end()) {
        column[f] = static_cast<int>(it - headers.begin());
        break;
      }
    }
  }
  int64_t scale = 1;
  for (const RevenueScale& s : kRevenueScales) {
    if (s.layout == layout->name) scale = s.scale;
  }
  auto cell = [&](size_t f) -> std::string_view {
    const int c = column[f];
    if (c < 0 || static_cast<size_t>(c) >= fields.size()) return {};
    return core::Trim(fields[c]);
  };
  // Read in order (a quoted cell may span lines), each row's cells kept as
  // views of the text (a cell the reader unquoted into its own storage is
  // copied aside); then copied out and put in the workspace's form on every
  // core, each row on its own, the warnings gathered in row order.
  constexpr size_t kCells = 16;
  using Cells = std::array<std::string_view, kCells>;
  std::vector<Cells> cells;
  std::vector<int64_t> lines;
  std::deque<std::string> unquoted;  // stable addresses
  {
    // At most a row per line left: no reallocation while reading.
    const size_t n = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    cells.reserve(n);
    lines.reserve(n);
  }
  const char* const text_begin = text.data();
  const char* const text_end = text.data() + text.size();
  while (true) {
    auto more = reader.Next(fields);
    if (!more) return std::unexpected(std::move(more).error());
    if (!*more) break;
    if (IsTotalsRow(fields)) {
      ++file.skipped;
      continue;
    }
    lines.push_back(reader.record_line());
    Cells& row = cells.emplace_back();
    for (size_t f = 0; f < kCells; ++f) {
      std::string_view v = cell(f);
      if (!v.empty() && (v.data() < text_begin || v.data() + v.size() > text_end)) {
        v = unquoted.emplace_back(v);
      }
      row[f] = v;
    }
  }
  file.rows.resize(cells.size());
  std::mutex parts_mu;
  std::vector<std::pair<size_t, std::vector<std::string>>> part_warnings;
  ParallelParts(file.rows.size(), [&](size_t lo, size_t hi) {
    std::vector<std::string> warnings;
    for (size_t r = lo; r < hi; ++r) {
      VendorRow& row = file.rows[r];
      const Cells& c = cells[r];
      row.line = lines[r];
      row.vendor_record_id = std::string(c[0]);
      if (row.vendor_record_id.empty()) {
        row.vendor_record_id = fmt::format("{}:{}", file_name, row.line);
      }
      row.first_name = std::string(c[1]);
      row.last_name = std::string(c[2]);
      row.title = std::string(c[3]);
      row.seniority = Seniority(c[4]);
      row.department = Department(c[5]);
      row.email = std::string(c[6]);
      row.phone = std::string(c[7]);
      row.company_name = std::string(c[8]);
      row.domain = std::string(c[9]);  // the website, until converted
      row.country = std::string(c[10]);
      row.state = std::string(c[11]);
      row.city = std::string(c[12]);
      row.industry = std::string(c[13]);
      row.email = linkage::NormalizeEmail(row.email);
      row.domain = DomainFromWebsite(row.domain);
      if (row.domain.empty()) row.domain = CompanyDomainFromEmail(row.email);
      if (!row.country.empty()) row.country = CountryCode(row.country).value_or(row.country);
      if (!row.state.empty())
        row.state = SubdivisionCode(row.state, row.country).value_or(row.state);
      if (!row.phone.empty()) {
        const PhoneInfo info = StandardizePhone(row.phone, row.country);
        if (info.valid) {
          row.phone = info.phone;
        } else {
          warnings.push_back(fmt::format("line {}: phone '{}' is not a valid number; left out",
                                         row.line, std::string_view(row.phone).substr(0, 40)));
          row.phone.clear();
        }
      }
      if (const std::string_view v = c[14]; !v.empty()) {
        row.employees = ParseCount(v, options.numbers);
        if (!row.employees) {
          warnings.push_back(
              fmt::format("line {} column {}: employees '{}' is not a number; "
                          "left out",
                          row.line, column[14] + 1, v.substr(0, 40)));
        }
      }
      if (const std::string_view v = c[15]; !v.empty()) {
        row.annual_revenue = ParseRevenue(v, options.numbers, scale);
        if (!row.annual_revenue) {
          warnings.push_back(
              fmt::format("line {} column {}: revenue '{}' is not an amount; "
                          "left out",
                          row.line, column[15] + 1, v.substr(0, 40)));
        }
      }
    }
    std::lock_guard lock(parts_mu);
    part_warnings.emplace_back(lo, std::move(warnings));
  });
  std::sort(part_warnings.begin(), part_warnings.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [lo, warnings] : part_warnings) {
    for (std::string& w : warnings) file.warnings.push_back(std::move(w));
  }
  return file;
}

VendorMatcher::VendorMatcher(std::string_view entity, std::span<const MatchContact> contacts,
                             std::span<const MatchAccount> accounts, double min_probability)
    : contacts_entity_(entity == "contacts"),
      contacts_(contacts),
      accounts_(accounts),
      min_probability_(min_probability) {
  if (!contacts_entity_) {
    for (uint32_t i = 0; i < accounts.size(); ++i) {
      if (!accounts[i].domain.empty()) by_domain_[accounts[i].domain].push_back(i);
      if (!accounts[i].company_key.empty()) by_company_[accounts[i].company_key].push_back(i);
    }
    return;
  }
  by_email_.reserve(contacts.size());
  names_.resize(contacts.size());
  domains_.resize(contacts.size());
  ParallelParts(contacts.size(), [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      names_[i] = {linkage::NormalizeName(contacts[i].first_name),
                   linkage::NormalizeName(contacts[i].last_name)};
      if (!contacts[i].email.empty()) domains_[i] = CompanyDomainFromEmail(contacts[i].email);
    }
  });
  // The maps are independent: the e-mails on a thread of their own (a
  // million distinct keys), the blocks on this one; each in contact order,
  // as one loop would fill them.
  std::jthread emails([&] {
    for (const MatchContact& c : contacts) {
      if (c.email.empty()) continue;
      auto [it, fresh] = by_email_.emplace(c.email, c.id);
      if (!fresh && it->second != c.id) it->second = -1;
    }
  });
  for (uint32_t i = 0; i < contacts.size(); ++i) {
    const MatchContact& c = contacts[i];
    if (!c.email.empty() && !domains_[i].empty()) by_domain_[domains_[i]].push_back(i);
    if (!c.company_key.empty()) by_company_[c.company_key].push_back(i);
  }
}

void VendorMatcher::Match(std::span<const VendorRow> rows, std::span<RowMatch> out) const {
  for (size_t r = 0; r < rows.size(); ++r) {
    if (contacts_entity_) {
      out[r] = MatchContactRow(rows[r]);
    } else {
      out[r] = MatchAccountRow(rows[r]);
    }
  }
}

RowMatch VendorMatcher::MatchContactRow(const VendorRow& row) const {
  constexpr size_t kMaxBlock = 500;  // a value shared by more is no evidence (as in linkage)
  RowMatch m;
  m.status = "unmatched";
  if (!row.email.empty()) {
    if (auto it = by_email_.find(row.email); it != by_email_.end()) {
      m.method = "email";
      m.probability = 0.99;
      if (it->second < 0) {
        m.status = "ambiguous";
      } else {
        m.record_id = it->second;
        m.status = "matched";
      }
      return m;
    }
  }
  if (!row.domain.empty()) {
    if (auto it = by_domain_.find(row.domain);
        it != by_domain_.end() && it->second.size() <= kMaxBlock) {
      RowMatch best = BestByName(row, it->second, contacts_, names_, "domain", min_probability_);
      if (!best.status.empty()) return best;
    }
  }
  const std::string key = CompanyKey(row.company_name);
  if (!key.empty()) {
    if (auto it = by_company_.find(key);
        it != by_company_.end() && it->second.size() <= kMaxBlock) {
      RowMatch best =
          BestByName(row, it->second, contacts_, names_, "name_company", min_probability_);
      if (!best.status.empty()) return best;
    }
  }
  return m;
}

RowMatch VendorMatcher::MatchAccountRow(const VendorRow& row) const {
  RowMatch m;
  m.status = "unmatched";
  auto decide = [&](std::span<const uint32_t> hits, std::string_view method, double p) {
    m.method = std::string(method);
    m.probability = p;
    if (hits.size() == 1) {
      m.record_id = accounts_[hits[0]].id;
      m.status = "matched";
    } else {
      m.status = "ambiguous";
    }
  };
  if (!row.domain.empty()) {
    if (auto it = by_domain_.find(row.domain); it != by_domain_.end()) {
      decide(it->second, "domain", 0.98);
      return m;
    }
  }
  const std::string key = CompanyKey(row.company_name);
  if (key.empty()) return m;
  if (auto it = by_company_.find(key); it != by_company_.end()) {
    std::vector<uint32_t> hits;
    for (uint32_t i : it->second) {
      const std::string& country = accounts_[i].country;
      if (row.country.empty() || country.empty() || country == row.country) hits.push_back(i);
    }
    if (!hits.empty()) decide(hits, "name_company", row.country.empty() ? 0.9 : 0.95);
  }
  if (m.status == "matched" && m.probability < min_probability_) {
    m.record_id = 0;
    m.status = "unmatched";
  }
  return m;
}

std::vector<RowMatch> MatchVendorRows(std::span<const VendorRow> rows, std::string_view entity,
                                      std::span<const MatchContact> contacts,
                                      std::span<const MatchAccount> accounts,
                                      double min_probability) {
  const VendorMatcher matcher(entity, contacts, accounts, min_probability);
  std::vector<RowMatch> out(rows.size());
  // Rows are matched independently (the maps are only read).
  ParallelParts(rows.size(), [&](size_t lo, size_t hi) {
    matcher.Match(rows.subspan(lo, hi - lo), std::span<RowMatch>(out).subspan(lo, hi - lo));
  });
  return out;
}

void VendorCandidates(const VendorRow& row, std::string_view source, std::string_view entity,
                      double probability, std::string_view method, std::vector<Candidate>& out) {
  VendorCandidates(VendorRowView{row.vendor_record_id, row.company_name, row.domain, row.title,
                                 row.seniority, row.department, row.phone, row.country, row.state,
                                 row.city, row.industry, row.employees, row.annual_revenue},
                   source, entity, probability, method, out);
}

void VendorCandidates(const VendorRowView& row, std::string_view source, std::string_view entity,
                      double probability, std::string_view method, std::vector<Candidate>& out) {
  const std::string reason = fmt::format(FMT_COMPILE("{} {} ({} match, p={:.2f})"), source,
                                         row.vendor_record_id, method, probability);
  const double confidence = 0.9 * probability;
  auto add = [&](int field, std::string_view value) {
    if (field < 0 || value.empty()) return;
    Candidate c;
    c.field = field;
    c.value = std::string(value);
    c.source = std::string(source);
    c.vendor_record_id = std::string(row.vendor_record_id);
    c.confidence = confidence;
    c.reason = reason;
    out.push_back(std::move(c));
  };
  auto number = [](const std::optional<int64_t>& v) {
    return v ? std::to_string(*v) : std::string();
  };
  const bool contacts = entity == "contacts";
  add(FieldIndex(entity, "industry"), row.industry);
  add(FieldIndex(entity, "employees"), number(row.employees));
  add(FieldIndex(entity, "annual_revenue"), number(row.annual_revenue));
  add(FieldIndex(entity, "country"), row.country);
  add(FieldIndex(entity, "state"), row.state);
  add(FieldIndex(entity, "city"), row.city);
  if (contacts) {
    add(kCCompanyName, row.company_name);
    add(kCTitle, row.title);
    add(kCSeniority, row.seniority);
    add(kCDepartment, row.department);
    add(kCPhone, row.phone);
  } else {
    add(kADomain, row.domain);
  }
}

}  // namespace mops::quality::enrich
