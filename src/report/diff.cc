// Diff: what changed between two audits' JSON documents.
#include <cmath>

#include "report/report.h"

namespace mops::report {
namespace {

// Failed findings of a document by rule id.
std::map<std::string, Json> FindingsOf(const Json& doc) {
  std::map<std::string, Json> out;
  if (!doc.contains("findings") || !doc["findings"].is_array()) return out;
  for (const Json& f : doc["findings"]) {
    if (f.is_object() && f.value("status", "") == "fail") out[f.value("rule", "")] = f;
  }
  return out;
}

Json Brief(const Json& f) {
  Json j = {{"rule", f.value("rule", "")},
            {"area", f.value("area", "")},
            {"title", f.value("title", "")},
            {"severity", f.value("severity", "")}};
  if (f.contains("value_text")) j["value_text"] = f["value_text"];
  return j;
}

// +1 when `after` is further past the threshold than `before` (worse), -1
// when closer (better), 0 when the same.
int Direction(const Json& before, const Json& after) {
  const int sb = SeverityRank(before.value("severity", "low"));
  const int sa = SeverityRank(after.value("severity", "low"));
  if (sa != sb) return sa < sb ? 1 : -1;
  const double vb = before.value("value", 0.0);
  const double va = after.value("value", 0.0);
  if (std::fabs(va - vb) <= 1e-9 * std::max(1.0, std::fabs(vb))) return 0;
  const std::string cmp = after.value("comparison", ">");
  const bool higher_is_worse = cmp == ">" || cmp == ">=";
  return (va > vb) == higher_is_worse ? 1 : -1;
}

std::optional<double> Number(const Json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_number()) return j[key].get<double>();
  return std::nullopt;
}

}  // namespace

Json Diff(const Json& before, const Json& after) {
  Json areas = Json::array();
  std::map<std::string, Json> before_scores;
  if (before.contains("summary") && before["summary"].contains("areas")) {
    for (const Json& a : before["summary"]["areas"]) before_scores[a.value("area", "")] = a;
  }
  if (after.contains("summary") && after["summary"].contains("areas")) {
    for (const Json& a : after["summary"]["areas"]) {
      const std::string id = a.value("area", "");
      Json prev = before_scores.contains(id) ? before_scores[id]["score"] : Json(nullptr);
      Json row = {{"area", id},
                  {"title", a.value("title", id)},
                  {"before", prev},
                  {"after", a["score"]},
                  {"change", nullptr}};
      if (prev.is_number() && a["score"].is_number()) {
        row["change"] = a["score"].get<int>() - prev.get<int>();
      }
      areas.push_back(std::move(row));
    }
  }
  const auto b = FindingsOf(before);
  const auto a = FindingsOf(after);
  Json added = Json::array(), resolved = Json::array(), worse = Json::array(),
       better = Json::array(), unchanged = Json::array();
  for (const auto& [id, f] : a) {
    auto it = b.find(id);
    if (it == b.end()) {
      added.push_back(Brief(f));
      continue;
    }
    Json row = Brief(f);
    row["before_text"] = it->second.value("value_text", "");
    row["before_severity"] = it->second.value("severity", "");
    const int d = Direction(it->second, f);
    (d > 0 ? worse : d < 0 ? better : unchanged).push_back(std::move(row));
  }
  for (const auto& [id, f] : b) {
    if (!a.contains(id)) resolved.push_back(Brief(f));
  }
  Json doc = {{"before_as_of", before.value("as_of", "")},
              {"after_as_of", after.value("as_of", "")},
              {"areas", areas},
              {"new", added},
              {"resolved", resolved},
              {"worse", worse},
              {"better", better},
              {"unchanged", unchanged}};
  const Json empty = Json::object();
  const Json& sb = before.contains("summary") ? before["summary"] : empty;
  const Json& sa = after.contains("summary") ? after["summary"] : empty;
  for (const char* key : {"annual_savings", "pipeline_at_risk"}) {
    auto x = Number(sb, key);
    auto y = Number(sa, key);
    doc[key] = {{"before", x ? Json(*x) : Json(nullptr)}, {"after", y ? Json(*y) : Json(nullptr)}};
  }
  return doc;
}

}  // namespace mops::report
