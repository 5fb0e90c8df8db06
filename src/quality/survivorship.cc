// Which record survives a merge, and which values it keeps.
#include <algorithm>
#include <numeric>
#include <set>

#include "core/strings.h"
#include "quality/engine.h"

namespace mops::quality {
namespace {

size_t Filled(const MergeCandidate& c) {
  return static_cast<size_t>(std::count_if(c.fields.begin(), c.fields.end(),
                                           [](const auto& kv) { return !kv.second.empty(); }));
}

size_t SourceRank(const SurvivorshipConfig& config, const std::string& source) {
  auto it = std::find(config.source_priority.begin(), config.source_priority.end(), source);
  return static_cast<size_t>(it - config.source_priority.begin());
}

}  // namespace

size_t ChooseSurvivor(std::span<const MergeCandidate> records, const SurvivorshipConfig& config) {
  size_t best = 0;
  for (size_t i = 1; i < records.size(); ++i) {
    const MergeCandidate& a = records[i];
    const MergeCandidate& b = records[best];
    // Negative: a is better; positive: b is better; zero: tie.
    int64_t cmp = 0;
    switch (config.survivor) {
      case SurvivorRule::kMostComplete:
        cmp = static_cast<int64_t>(Filled(b)) - static_cast<int64_t>(Filled(a));
        if (cmp == 0) cmp = b.updated_at - a.updated_at;
        break;
      case SurvivorRule::kMostRecent:
        cmp = b.updated_at - a.updated_at;
        break;
      case SurvivorRule::kOldest:
        // Unknown creation times (0) rank last.
        cmp = (a.created_at == 0 ? INT64_MAX : a.created_at) -
              (b.created_at == 0 ? INT64_MAX : b.created_at);
        if (a.created_at == 0 && b.created_at == 0) cmp = 0;
        break;
      case SurvivorRule::kSourcePriority:
        cmp = static_cast<int64_t>(SourceRank(config, a.source_system)) -
              static_cast<int64_t>(SourceRank(config, b.source_system));
        if (cmp == 0) cmp = static_cast<int64_t>(Filled(b)) - static_cast<int64_t>(Filled(a));
        break;
    }
    if (cmp < 0 || (cmp == 0 && a.id < b.id)) best = i;
  }
  return best;
}

std::map<std::string, std::string> MergedFields(std::span<const MergeCandidate> records,
                                                size_t survivor, const SurvivorshipConfig& config) {
  // Others by most recent update first (ties: lower id first).
  std::vector<size_t> order(records.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (records[a].updated_at != records[b].updated_at) {
      return records[a].updated_at > records[b].updated_at;
    }
    return records[a].id < records[b].id;
  });
  std::map<std::string, std::string> out;
  const MergeCandidate& s = records[survivor];
  for (const auto& [field, current] : s.fields) {
    auto rule_it = config.field_rules.find(field);
    const FieldRule rule =
        rule_it == config.field_rules.end() ? config.default_field_rule : rule_it->second;
    std::string value = current;
    if (rule == FieldRule::kNonEmpty) {
      if (value.empty()) {
        for (size_t i : order) {
          auto it = records[i].fields.find(field);
          if (it != records[i].fields.end() && !it->second.empty()) {
            value = it->second;
            break;
          }
        }
      }
    } else if (rule == FieldRule::kMostRecent) {
      for (size_t i : order) {
        auto it = records[i].fields.find(field);
        if (it != records[i].fields.end() && !it->second.empty()) {
          value = it->second;
          break;
        }
      }
    } else {  // kUnion: distinct values, the survivor's first, joined by "; "
      std::vector<std::string> parts;
      std::set<std::string> seen;
      auto add_all = [&](const std::string& text) {
        for (std::string_view p : core::Split(text, ';')) {
          std::string part(core::Trim(p));
          if (!part.empty() && seen.insert(core::ToLower(part)).second) parts.push_back(part);
        }
      };
      add_all(current);
      for (size_t i : order) {
        if (i == survivor) continue;
        auto it = records[i].fields.find(field);
        if (it != records[i].fields.end()) add_all(it->second);
      }
      value = core::Join(parts, "; ");
    }
    if (value != current) out[field] = value;
  }
  return out;
}

}  // namespace mops::quality
