// Internal to report/: what the per-area gatherers (gather_*.cc) share: the
// section document they fill, example records with their dashboard links,
// and small query helpers. Each gatherer reads one area's facts through the
// slices' services and adds them to the Facts; a missing source becomes a
// Facts::missing entry, never an error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report/report.h"
#include "store/database.h"

namespace mops::report::internal {

using store::Value;

inline constexpr size_t kKeep = 20;  // example records kept per figure

// ------------------------------------------------------------ section helpers

struct Section {
  Json j;
  Section(std::string_view area, std::string_view title) {
    j = {{"area", area},
         {"title", title},
         {"figures", Json::array()},
         {"charts", Json::array()},
         {"tables", Json::array()},
         {"notes", Json::array()}};
  }
  void Figure(std::string label, double value, std::string format, std::string_view currency) {
    j["figures"].push_back({{"label", std::move(label)},
                            {"value", value},
                            {"text", FormatValue(value, format, currency)}});
  }
  void Missing(std::string text) {
    if (!j.contains("missing")) j["missing"] = std::move(text);
  }
  void Note(std::string text) { j["notes"].push_back(std::move(text)); }
  void Table(std::string title, std::vector<std::string> columns, Json rows) {
    j["tables"].push_back(
        {{"title", std::move(title)}, {"columns", columns}, {"rows", std::move(rows)}});
  }
  void Chart(std::string title, std::vector<std::string> labels, Json series, std::string format) {
    if (labels.empty()) return;
    j["charts"].push_back({{"title", std::move(title)},
                           {"labels", labels},
                           {"series", std::move(series)},
                           {"format", std::move(format)}});
  }
};

inline double Share(double part, double whole) { return whole > 0 ? part / whole : 0; }

inline std::string Money(int64_t minor, std::string_view currency) {
  return FormatValue(static_cast<double>(minor), "money", currency);
}

inline Example Ex(std::string kind, int64_t id, std::string label, std::string detail = {}) {
  Example e;
  e.kind = std::move(kind);
  e.id = id;
  e.label = std::move(label);
  e.detail = std::move(detail);
  if (id != 0) {
    if (e.kind == "contact") e.link = "#/leads?contact=" + std::to_string(id);
    if (e.kind == "opportunity") e.link = "#/attribution?opportunity=" + std::to_string(id);
    if (e.kind == "campaign") e.link = "#/campaigns?campaign=" + std::to_string(id);
    if (e.kind == "tool" || e.kind == "integration") e.link = "#/stack";
    if (e.kind == "account") e.link = "#/quality?account=" + std::to_string(id);
  }
  return e;
}

inline core::Result<int64_t> Count(store::Database& db, std::string_view sql,
                                   std::vector<Value> params = {}) {
  MOPS_ASSIGN_OR_RETURN(Value v, db.QueryValue(sql, params));
  return store::AsInt(v);
}

core::Status GatherStack(store::Database& db, Facts& f, const std::string& cur);
core::Status GatherAttribution(store::Database& db, Facts& f, const std::string& cur);
core::Status GatherData(store::Database& db, Facts& f, const std::string& cur);
core::Status GatherLeads(store::Database& db, Facts& f, const std::string& cur);
core::Status GatherCampaigns(store::Database& db, Facts& f, const std::string& cur);
core::Status GatherReporting(store::Database& db, Facts& f, const std::string& cur);

}  // namespace mops::report::internal
