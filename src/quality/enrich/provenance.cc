// The stored provenance of a record: the compact text and the expanded
// object (see provenance.h).
#include "quality/enrich/provenance.h"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/time.h"

namespace mops::quality::enrich {
namespace {

using Json = nlohmann::json;
constexpr int kFormat = 3;
// The facts of a format 2 text (still read).
constexpr int kFormat2 = 2;
// kInferred of enrich.h (this library depends on core only).
constexpr std::string_view kInferredSource = "inferred";

// A field's code is 'a' + its index here. Append only: stored rows keep
// their codes.
constexpr std::string_view kCodedFields[] = {
    "industry", "employees", "annual_revenue", "country",      "state",     "city",  "company_name",
    "title",    "seniority", "department",     "job_function", "time_zone", "phone", "domain"};
// A fact's index as one character. A record has at most one fact per field;
// an index past these (a text merged from many fields) goes by name.
constexpr std::string_view kFactDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

// What follows the method in a vendor row's reason, before p (VendorCandidates
// writes "zoominfo 1482736502 (email match, p=0.99)").
constexpr std::string_view kMatchP = " match, p=";

// The method and p ("0.99") of `reason` when it is exactly the reason a
// vendor row of `source` and `vendor_id` gives; false for any other text,
// which is then stored as it is.
bool VendorReasonParts(std::string_view source, std::string_view vendor_id, std::string_view reason,
                       std::string_view& method, std::string_view& p) {
  const size_t head = source.size() + vendor_id.size() + 3;  // "source id ("
  if (reason.size() < head + kMatchP.size() + 5 || !reason.starts_with(source) ||
      reason[source.size()] != ' ' ||
      reason.substr(source.size() + 1, vendor_id.size()) != vendor_id ||
      reason.substr(head - 2, 2) != " (" || reason.back() != ')') {
    return false;
  }
  p = reason.substr(reason.size() - 5, 4);
  // Two decimals, as written with {:.2f} from a probability in [0, 1]: the
  // number read back formats to the same text.
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!digit(p[0]) || p[1] != '.' || !digit(p[2]) || !digit(p[3])) return false;
  const std::string_view middle = reason.substr(head, reason.size() - 5 - head);
  if (!middle.ends_with(kMatchP)) return false;
  method = middle.substr(0, middle.size() - kMatchP.size());
  return true;
}

// One fact in the shortest of the three forms (see provenance.h);
// `confidence` is the number's JSON text.
void AppendFact(std::string& out, std::string_view source, std::string_view vendor_id,
                std::string_view confidence, std::string_view reason) {
  out.push_back('[');
  if (source == kInferredSource && vendor_id.empty()) {
    out += confidence;
    out.push_back(',');
    AppendJsonString(out, reason);
  } else {
    AppendJsonString(out, source);
    out.push_back(',');
    AppendJsonString(out, vendor_id);
    out.push_back(',');
    out += confidence;
    out.push_back(',');
    std::string_view method, p;
    if (VendorReasonParts(source, vendor_id, reason, method, p)) {
      AppendJsonString(out, method);
      out.push_back(',');
      out += p;
    } else {
      AppendJsonString(out, reason);
    }
  }
  out.push_back(']');
}

// The confidence as the formats always wrote it (4 significant digits).
void AppendConfidence(std::string& out, double confidence) {
  fmt::format_to(std::back_inserter(out), FMT_COMPILE("{:.4g}"), confidence);
}

bool SameFact(const ProvenanceFact& a, const ProvenanceFact& b) {
  return a.confidence == b.confidence && a.source == b.source &&
         a.vendor_record_id == b.vendor_record_id && a.reason == b.reason;
}

// A field of a group: by code when it has one and its fact's index fits one
// character, else by name into `named`.
void AppendField(std::string& codes, std::string& named, std::string_view field, size_t index) {
  const char code = FieldCode(field);
  if (code != 0 && index < kFactDigits.size()) {
    codes.push_back(code);
    codes.push_back(kFactDigits[index]);
    return;
  }
  if (!named.empty()) named.push_back(',');
  AppendJsonString(named, field);
  fmt::format_to(std::back_inserter(named), FMT_COMPILE(":{}"), index);
}

// The closing of a group whose codes were written after its opening quote.
void CloseGroup(std::string& out, const std::string& named) {
  out.push_back('"');
  if (!named.empty()) {
    out += ",{";
    out += named;
    out.push_back('}');
  }
  out.push_back(']');
}

// A stored fact as the expanded object's entry without its run and time;
// null when it has none of the forms.
Json FactEntry(const Json& fact, int format) {
  if (!fact.is_array()) return Json();
  Json entry = Json::object();
  if (format == kFormat && fact.size() == 2) {
    entry["source"] = kInferredSource;
    entry["confidence"] = fact[0];
    entry["reason"] = fact[1];
    return entry;
  }
  if (fact.size() == 4) {
    entry["reason"] = fact[3];
  } else if (format == kFormat && fact.size() == 5 && fact[0].is_string() && fact[1].is_string() &&
             fact[3].is_string() && fact[4].is_number()) {
    entry["reason"] =
        fmt::format(FMT_COMPILE("{} {} ({}{}{:.2f})"), fact[0].get_ref<const std::string&>(),
                    fact[1].get_ref<const std::string&>(), fact[3].get_ref<const std::string&>(),
                    kMatchP, fact[4].get<double>());
  } else {
    return Json();
  }
  entry["source"] = fact[0];
  entry["confidence"] = fact[2];
  if (fact[1].is_string() && !fact[1].get_ref<const std::string&>().empty()) {
    entry["vendor_record_id"] = fact[1];
  }
  return entry;
}

}  // namespace

char FieldCode(std::string_view field) {
  for (size_t i = 0; i < std::size(kCodedFields); ++i) {
    if (kCodedFields[i] == field) return static_cast<char>('a' + i);
  }
  return 0;
}

std::string_view FieldOfCode(char code) {
  const int i = code - 'a';
  if (i < 0 || static_cast<size_t>(i) >= std::size(kCodedFields)) return {};
  return kCodedFields[static_cast<size_t>(i)];
}

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
  named_.clear();
  facts_.clear();
  seen_.clear();
  fmt::format_to(std::back_inserter(group_), FMT_COMPILE("[{},[[{},{},\""), kFormat, run, at_unix);
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
    confidence_.clear();
    AppendConfidence(confidence_, fact.confidence);
    AppendFact(facts_, fact.source, fact.vendor_record_id, confidence_, fact.reason);
    seen_.push_back({fact, index});
  }
  AppendField(group_, named_, field, static_cast<size_t>(index));
}

void CompactProvenanceWriter::Finish(std::string& out) {
  out.assign(group_);
  CloseGroup(out, named_);
  out += "],[";
  out += facts_;
  out += "]]";
  seen_.clear();
}

Json ExpandProvenance(std::string_view text) {
  Json stored = Json::parse(text, nullptr, false);
  if (stored.is_discarded()) return Json();
  if (stored.is_object()) return stored;  // the first format: expanded already
  if (!stored.is_array() || stored.size() != 3 || !stored[1].is_array() || !stored[2].is_array()) {
    return Json();
  }
  const int format = stored[0] == kFormat ? kFormat : stored[0] == kFormat2 ? kFormat2 : 0;
  if (format == 0) return Json();
  std::vector<Json> facts;
  for (const Json& fact : stored[2]) facts.push_back(FactEntry(fact, format));
  Json out = Json::object();
  for (const Json& group : stored[1]) {
    if (!group.is_array() || group.size() < 3 || !group[0].is_number_integer() ||
        !group[1].is_number_integer()) {
      continue;
    }
    const int64_t run = group[0].get<int64_t>(), at = group[1].get<int64_t>();
    const std::string at_text = core::FormatTimestamp(at);
    auto set = [&](const std::string& field, size_t index) {
      if (index >= facts.size() || facts[index].is_null()) return;
      Json entry = facts[index];
      entry["at"] = at_text;
      entry["at_unix"] = at;
      entry["run"] = run;
      out[field] = std::move(entry);
    };
    // Fields by name: the whole group in format 2, the uncoded rest in 3.
    const Json* named = nullptr;
    if (format == kFormat2) {
      if (group.size() == 3) named = &group[2];
    } else if (group[2].is_string() && group.size() <= 4) {
      const std::string& codes = group[2].get_ref<const std::string&>();
      for (size_t k = 0; k + 1 < codes.size(); k += 2) {
        const std::string_view field = FieldOfCode(codes[k]);
        const size_t index = kFactDigits.find(codes[k + 1]);
        if (!field.empty() && index != std::string_view::npos) set(std::string(field), index);
      }
      if (group.size() == 4) named = &group[3];
    }
    if (named == nullptr || !named->is_object()) continue;
    for (const auto& [field, index] : named->items()) {
      if (index.is_number_unsigned()) set(field, index.get<size_t>());
    }
  }
  return out;
}

std::string CompactProvenance(const Json& expanded) {
  // Groups by (run, time), facts by their four parts, both in first-seen
  // order of the (sorted) fields.
  struct Group {
    std::pair<int64_t, int64_t> key;
    std::string codes, named;
  };
  std::vector<Group> groups;
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
          std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.key == key; });
      if (g == groups.end()) {
        groups.push_back({key, {}, {}});
        g = groups.end() - 1;
      }
      AppendField(g->codes, g->named, field, index);
    }
  }
  std::string out = fmt::format(FMT_COMPILE("[{},["), kFormat);
  for (size_t i = 0; i < groups.size(); ++i) {
    if (i > 0) out.push_back(',');
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("[{},{},\""), groups[i].key.first,
                   groups[i].key.second);
    out += groups[i].codes;
    CloseGroup(out, groups[i].named);
  }
  out += "],[";
  for (size_t i = 0; i < facts.size(); ++i) {
    if (i > 0) out.push_back(',');
    // The confidence as it was read (its JSON number, integer or not).
    const Json& f = facts[i];
    AppendFact(out, f[0].get_ref<const std::string&>(), f[1].get_ref<const std::string&>(),
               f[2].dump(-1, ' ', false, Json::error_handler_t::replace),
               f[3].get_ref<const std::string&>());
  }
  out += "]]";
  return out;
}

}  // namespace mops::quality::enrich
