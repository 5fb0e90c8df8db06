// Section 4, data quality: the quality check, the standardization engine on
// a sample, the matcher's stored pairs, completeness of scoring and routing
// fields.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "leads/leads.h"
#include "quality/linkage/linkage.h"
#include "quality/quality.h"
#include "report/internal.h"

namespace mops::report::internal {

core::Status GatherData(store::Database& db, Facts& f, const std::string& cur) {
  Section s("data", "Data quality");
  MOPS_ASSIGN_OR_RETURN(int64_t contacts,
                        Count(db, "SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL"));
  if (contacts == 0) {
    f.missing["quality"] = "No contacts: import contacts and accounts (mops import) first.";
    s.Missing(f.missing["quality"]);
    f.sections.push_back(std::move(s.j));
    return {};
  }
  quality::CheckOptions check;
  check.as_of = f.as_of;
  check.store = false;
  check.actor = "audit";
  MOPS_ASSIGN_OR_RETURN(quality::CheckReport report, quality::Check(db, check));
  Json score_rows = Json::array();
  double lowest = 101;
  for (const quality::EntityScore& e : report.scores) {
    if (e.source_system.empty()) {
      f.metrics["data." + std::string(e.entity == "contacts" ? "contact" : "account") + "_score"] =
          std::round(e.score * 10) / 10;
    } else {
      lowest = std::min(lowest, e.score);
    }
    score_rows.push_back({e.entity, e.source_system.empty() ? "(all)" : e.source_system, e.records,
                          fmt::format("{:.1f}", e.score)});
  }
  if (lowest <= 100) f.metrics["data.lowest_source_score"] = lowest;
  Json violation_rows = Json::array();
  for (const quality::RuleSummary& r : report.rules) {
    if (r.failed == 0) continue;
    f.examples["data.top_violations"].push_back(
        Ex("rule", 0, r.name, fmt::format("{} of {} {}", r.failed, r.checked, r.entity)));
    if (violation_rows.size() < 10) {
      std::string ids;
      for (const quality::Violation& v : r.examples) {
        ids += (ids.empty() ? "" : ", ") + std::to_string(v.record_id);
      }
      violation_rows.push_back({r.name, r.entity, r.failed, r.checked, ids});
    }
  }

  // Standardization: what a run would change, by the standardization engine
  // on the records (nothing written); past kSample records of an entity, on
  // an evenly spread sample of them (every k-th id), and the share is the
  // sample's.
  constexpr int64_t kSample = 20000;
  std::map<std::string, int64_t> per_field;
  int64_t sampled_contacts = 0, sampled_accounts = 0;
  bool sampled = false;
  {
    const int64_t stride = std::max<int64_t>(1, (contacts + kSample - 1) / kSample);
    sampled |= stride > 1;
    MOPS_ASSIGN_OR_RETURN(
        store::Rows rows,
        db.Query("SELECT id, email, first_name, last_name, title, seniority, department, phone, "
                 "company_name, country, state, email_status, email_suggestion, phone_type, "
                 "phone_valid FROM contacts WHERE merged_into IS NULL AND id % ? = 0 ORDER BY id",
                 std::vector<Value>{stride}));
    std::vector<quality::ContactFields> records;
    for (const auto& r : rows.rows) {
      quality::ContactFields c;
      c.id = store::AsInt(r[0]);
      std::string* text[] = {&c.email,     &c.first_name, &c.last_name,    &c.title,
                             &c.seniority, &c.department, &c.phone,        &c.company_name,
                             &c.country,   &c.state,      &c.email_status, &c.email_suggestion,
                             &c.phone_type};
      for (size_t i = 0; i < std::size(text); ++i) *text[i] = store::AsText(r[i + 1]);
      if (!store::IsNull(r[14])) c.phone_valid = store::AsInt(r[14]);
      records.push_back(std::move(c));
    }
    sampled_contacts = static_cast<int64_t>(records.size());
    for (const auto& changes : quality::StandardizeContacts(records)) {
      std::set<std::string> seen;
      for (const quality::FieldChange& c : changes) seen.insert("contacts." + c.field);
      for (const std::string& field : seen) ++per_field[field];
    }
  }
  {
    MOPS_ASSIGN_OR_RETURN(int64_t accounts,
                          Count(db, "SELECT COUNT(*) FROM accounts WHERE merged_into IS NULL"));
    const int64_t stride = std::max<int64_t>(1, (accounts + kSample - 1) / kSample);
    sampled |= stride > 1;
    MOPS_ASSIGN_OR_RETURN(
        store::Rows rows,
        db.Query("SELECT id, name, domain, website, country, state, company_key FROM accounts "
                 "WHERE merged_into IS NULL AND id % ? = 0 ORDER BY id",
                 std::vector<Value>{stride}));
    std::vector<quality::AccountFields> records;
    for (const auto& r : rows.rows) {
      quality::AccountFields a;
      a.id = store::AsInt(r[0]);
      std::string* text[] = {&a.name, &a.domain, &a.website, &a.country, &a.state, &a.company_key};
      for (size_t i = 0; i < std::size(text); ++i) *text[i] = store::AsText(r[i + 1]);
      records.push_back(std::move(a));
    }
    sampled_accounts = static_cast<int64_t>(records.size());
    for (const auto& changes : quality::StandardizeAccounts(records)) {
      std::set<std::string> seen;
      for (const quality::FieldChange& c : changes) seen.insert("accounts." + c.field);
      for (const std::string& field : seen) ++per_field[field];
    }
  }
  // Fields standardization fills as what it learned (email status, phone
  // type and validity, company keys) are not values out of standard form.
  static const std::set<std::string> kLearned = {"contacts.email_status",
                                                 "contacts.email_suggestion", "contacts.phone_type",
                                                 "contacts.phone_valid", "accounts.company_key"};
  std::vector<std::pair<std::string, int64_t>> fields;
  double worst = 0;
  for (const auto& [field, n] : per_field) {
    if (kLearned.contains(field)) continue;
    const double of =
        static_cast<double>(field.starts_with("accounts.") ? sampled_accounts : sampled_contacts);
    worst = std::max(worst, Share(static_cast<double>(n), of));
    fields.emplace_back(field, n);
  }
  f.metrics["data.standardization_share"] = worst;
  std::sort(fields.begin(), fields.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [field, n] : fields) {
    f.examples["data.standardization_fields"].push_back(
        Ex("field", 0, field,
           fmt::format("{} of {} records{}", n,
                       field.starts_with("accounts.") ? sampled_accounts : sampled_contacts,
                       sampled ? " sampled" : "")));
  }
  if (sampled) {
    s.Note(
        fmt::format("Standardization estimated on {} contacts and {} accounts spread evenly "
                    "over the workspace.",
                    sampled_contacts, sampled_accounts));
  }

  // Duplicates: the matcher's stored pairs (a match run is needed).
  MOPS_ASSIGN_OR_RETURN(
      int64_t trained,
      Count(db, "SELECT COUNT(*) FROM configs WHERE name = 'linkage.model.contacts'"));
  Json dup = nullptr;
  if (trained == 0) {
    f.missing["duplicates"] =
        "The duplicate matcher has not run on contacts: run mops quality match --entity contacts "
        "to estimate duplicates.";
  } else {
    MOPS_ASSIGN_OR_RETURN(int64_t likely, quality::linkage::CountPairs(db, "contacts", "match"));
    MOPS_ASSIGN_OR_RETURN(int64_t review, quality::linkage::CountPairs(db, "contacts", "review"));
    MOPS_ASSIGN_OR_RETURN(auto clusters, quality::linkage::MatchedClusters(db, "contacts"));
    int64_t estimated = 0;
    for (const auto& c : clusters) estimated += static_cast<int64_t>(c.size()) - 1;
    MOPS_ASSIGN_OR_RETURN(auto pairs, quality::linkage::FoundPairs(db, "contacts", 0.5, kKeep));
    for (const auto& p : pairs) {
      Example e =
          Ex("contact", p.record_a, fmt::format("contacts {} and {}", p.record_a, p.record_b),
             fmt::format("p = {:.2f}, {}", p.probability, p.status));
      f.examples["data.duplicate_pairs"].push_back(std::move(e));
    }
    f.metrics["data.duplicate_pairs"] = static_cast<double>(likely + review);
    f.metrics["data.duplicate_pairs#total"] = static_cast<double>(likely + review);
    f.metrics["data.estimated_duplicates"] = static_cast<double>(estimated);
    f.metrics["data.duplicate_rate"] =
        Share(static_cast<double>(estimated), static_cast<double>(contacts));
    dup = {{"likely_pairs", likely}, {"review_pairs", review}, {"estimated", estimated}};
  }

  // Completeness of the fields that scoring and routing read.
  MOPS_ASSIGN_OR_RETURN(leads::ScoringConfig scoring, leads::LoadScoringConfig(db));
  MOPS_ASSIGN_OR_RETURN(leads::RoutingConfig routing, leads::LoadRoutingConfig(db));
  static const std::set<std::string> kContactColumns = {
      "email",        "title",   "seniority", "department", "phone",
      "company_name", "country", "state",     "city",       "original_source"};
  static const std::set<std::string> kAccountColumns = {
      "name", "industry", "employees", "annual_revenue", "country", "state", "domain", "city"};
  std::set<std::string> needed;
  for (const leads::Group& g : scoring.groups) {
    for (const leads::FitRule& r : g.fit_rules) needed.insert(r.field);
  }
  for (const leads::RoutingRule& r : routing.rules) {
    if (!r.when.countries.empty()) needed.insert("country");
    if (!r.when.states.empty()) needed.insert("state");
    if (!r.when.industries.empty()) needed.insert("account.industry");
    if (r.when.min_employees || r.when.max_employees) needed.insert("account.employees");
    if (!r.when.sources.empty()) needed.insert("original_source");
  }
  std::vector<std::string> columns;
  std::string select;
  for (const std::string& field : needed) {
    std::string expr;
    if (field.starts_with("account.") && kAccountColumns.contains(field.substr(8))) {
      const std::string col = "a." + field.substr(8);
      expr = field == "account.employees" || field == "account.annual_revenue"
                 ? "COUNT(" + col + ")"
                 : "SUM(CASE WHEN COALESCE(" + col + ", '') <> '' THEN 1 ELSE 0 END)";
    } else if (kContactColumns.contains(field)) {
      expr = "SUM(CASE WHEN COALESCE(c." + field + ", '') <> '' THEN 1 ELSE 0 END)";
    } else {
      continue;  // derived attributes (email_domain, ...) follow from the columns
    }
    columns.push_back(field);
    select += (select.empty() ? "" : ", ") + expr;
  }
  Json completeness_rows = Json::array();
  if (!columns.empty()) {
    MOPS_ASSIGN_OR_RETURN(
        store::Rows filled,
        db.Query("SELECT " + select +
                 " FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id WHERE "
                 "c.merged_into IS NULL"));
    double least = 1;
    std::vector<std::pair<double, std::string>> shares;
    for (size_t i = 0; i < columns.size(); ++i) {
      const double share =
          Share(store::AsDouble(filled.rows.at(0).at(i)), static_cast<double>(contacts));
      least = std::min(least, share);
      shares.emplace_back(share, columns[i]);
      completeness_rows.push_back({columns[i], FormatValue(share, "percent", cur)});
    }
    std::sort(shares.begin(), shares.end());
    for (const auto& [share, field] : shares) {
      if (share >= 0.999) continue;
      f.examples["data.routing_fields"].push_back(
          Ex("field", 0, field, FormatValue(share, "percent", cur) + " filled"));
    }
    f.metrics["data.routing_fields_completeness"] = least;
  }

  s.Figure("Contacts", static_cast<double>(contacts), "count", cur);
  if (f.metrics.contains("data.contact_score")) {
    s.Figure("Contact score", f.metrics["data.contact_score"], "number", cur);
  }
  if (f.metrics.contains("data.account_score")) {
    s.Figure("Account score", f.metrics["data.account_score"], "number", cur);
  }
  if (f.metrics.contains("data.estimated_duplicates")) {
    s.Figure("Estimated duplicate contacts", f.metrics["data.estimated_duplicates"], "count", cur);
  }
  s.Figure("Most affected field: records to standardize", worst, "percent", cur);
  std::vector<std::string> labels;
  Json values = Json::array();
  for (const quality::EntityScore& e : report.scores) {
    labels.push_back(e.entity + (e.source_system.empty() ? "" : " / " + e.source_system));
    values.push_back(e.score);
  }
  s.Chart("Quality score by entity and source", labels,
          Json::array({{{"name", "score"}, {"values", values}}}), "number");
  s.Table("Scores", {"entity", "source", "records", "score"}, score_rows);
  if (!violation_rows.empty()) {
    s.Table("Top violations", {"rule", "entity", "failed", "checked", "example record ids"},
            violation_rows);
  }
  if (!completeness_rows.empty()) {
    s.Table("Fields scoring and routing read", {"field", "filled"}, completeness_rows);
  }
  if (dup.is_null()) s.Note(f.missing["duplicates"]);
  s.j["duplicates"] = dup;
  f.sections.push_back(std::move(s.j));
  return {};
}

}  // namespace mops::report::internal
