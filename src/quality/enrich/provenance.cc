// The stored provenance of a record: the compact text and the expanded
// object (see provenance.h).
#include "quality/enrich/provenance.h"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <map>
#include <tuple>

#include "core/time.h"

namespace mops::quality::enrich {
namespace {

using Json = nlohmann::json;
constexpr int kFormat = 2;

void AppendFact(std::string& out, const ProvenanceFact& f) {
  out.push_back('[');
  AppendJsonString(out, f.source);
  out.push_back(',');
  AppendJsonString(out, f.vendor_record_id);
  // The precision the expanded format always had.
  fmt::format_to(std::back_inserter(out), FMT_COMPILE(",{:.4g},"), f.confidence);
  AppendJsonString(out, f.reason);
  out.push_back(']');
}

bool SameFact(const ProvenanceFact& a, const ProvenanceFact& b) {
  return a.confidence == b.confidence && a.source == b.source &&
         a.vendor_record_id == b.vendor_record_id && a.reason == b.reason;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      fmt::format_to(std::back_inserter(out), FMT_COMPILE("\\u{:04x}"), c);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

void CompactProvenanceWriter::Start(int64_t run, int64_t at_unix) {
  group_.clear();
  facts_.clear();
  seen_.clear();
  fmt::format_to(std::back_inserter(group_), FMT_COMPILE("[{},[[{},{},{{"), kFormat, run, at_unix);
}

void CompactProvenanceWriter::Add(std::string_view field, const ProvenanceFact& fact) {
  int index = -1;
  for (const Seen& s : seen_) {
    if (SameFact(s.fact, fact)) {
      index = s.index;
      break;
    }
  }
  if (index < 0) {
    index = static_cast<int>(seen_.size());
    if (index > 0) facts_.push_back(',');
    AppendFact(facts_, fact);
    seen_.push_back({fact, index});
  }
  if (group_.back() != '{') group_.push_back(',');
  AppendJsonString(group_, field);
  fmt::format_to(std::back_inserter(group_), FMT_COMPILE(":{}"), index);
}

void CompactProvenanceWriter::Finish(std::string& out) {
  out.assign(group_);
  out += "}]],[";
  out += facts_;
  out += "]]";
  seen_.clear();
}

Json ExpandProvenance(std::string_view text) {
  Json stored = Json::parse(text, nullptr, false);
  if (stored.is_discarded()) return Json();
  if (stored.is_object()) return stored;  // the first format: expanded already
  if (!stored.is_array() || stored.size() != 3 || stored[0] != kFormat || !stored[1].is_array() ||
      !stored[2].is_array()) {
    return Json();
  }
  Json out = Json::object();
  const Json& facts = stored[2];
  for (const Json& group : stored[1]) {
    if (!group.is_array() || group.size() != 3 || !group[0].is_number_integer() ||
        !group[1].is_number_integer() || !group[2].is_object()) {
      continue;
    }
    const int64_t run = group[0].get<int64_t>(), at = group[1].get<int64_t>();
    const std::string at_text = core::FormatTimestamp(at);
    for (const auto& [field, index] : group[2].items()) {
      if (!index.is_number_unsigned() || index.get<size_t>() >= facts.size()) continue;
      const Json& fact = facts[index.get<size_t>()];
      if (!fact.is_array() || fact.size() != 4) continue;
      Json entry = {{"source", fact[0]}, {"confidence", fact[2]}, {"reason", fact[3]},
                    {"at", at_text},     {"at_unix", at},         {"run", run}};
      if (fact[1].is_string() && !fact[1].get_ref<const std::string&>().empty()) {
        entry["vendor_record_id"] = fact[1];
      }
      out[field] = std::move(entry);
    }
  }
  return out;
}

std::string CompactProvenance(const Json& expanded) {
  // Groups by (run, time), facts by their four parts, both in first-seen
  // order of the (sorted) fields.
  std::vector<std::pair<std::pair<int64_t, int64_t>, std::string>> groups;
  std::vector<Json> facts;
  if (expanded.is_object()) {
    for (const auto& [field, e] : expanded.items()) {
      if (!e.is_object()) continue;
      const std::pair<int64_t, int64_t> key = {e.value("run", int64_t{0}),
                                               e.value("at_unix", int64_t{0})};
      Json fact = Json::array({e.value("source", ""), e.value("vendor_record_id", ""),
                               e.contains("confidence") ? e["confidence"] : Json(0),
                               e.value("reason", "")});
      size_t index = 0;
      while (index < facts.size() && facts[index] != fact) ++index;
      if (index == facts.size()) facts.push_back(std::move(fact));
      auto g =
          std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == key; });
      if (g == groups.end()) {
        groups.push_back({key, {}});
        g = groups.end() - 1;
      } else {
        g->second.push_back(',');
      }
      AppendJsonString(g->second, field);
      fmt::format_to(std::back_inserter(g->second), FMT_COMPILE(":{}"), index);
    }
  }
  std::string out = fmt::format(FMT_COMPILE("[{},["), kFormat);
  for (size_t i = 0; i < groups.size(); ++i) {
    if (i > 0) out.push_back(',');
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("[{},{},{{"), groups[i].first.first,
                   groups[i].first.second);
    out += groups[i].second;
    out += "}]";
  }
  out += "],[";
  for (size_t i = 0; i < facts.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += facts[i].dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  out += "]]";
  return out;
}

}  // namespace mops::quality::enrich
