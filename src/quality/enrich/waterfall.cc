// The waterfall: for one field of one record, the first trusted source that
// has a value fills it, unless sources disagree beyond tolerance (engine).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "core/numbers.h"
#include "core/strings.h"
#include "quality/engine.h"
#include "quality/enrich/enrich.h"

namespace mops::quality::enrich {
namespace {

std::optional<int64_t> PositiveInt(std::string_view text) {
  auto v = core::ParseInt(text);
  if (!v || *v <= 0) return std::nullopt;
  return *v;
}

std::string CountryOf(std::string_view text) {
  if (auto code = CountryCode(text)) return *code;
  return core::ToUpper(core::Trim(text));
}

// The same value, as the field compares.
bool SameValue(std::string_view field, std::string_view a, std::string_view b) {
  if (a == b) return true;
  // Against an empty value (an empty field, most often): only a blank
  // country reads as the same (no number parses, no domain is empty).
  if (a.empty() || b.empty()) return field == "country" && core::Trim(a.empty() ? b : a).empty();
  if (IsIntegerField(field)) {
    auto x = core::ParseInt(a), y = core::ParseInt(b);
    return x && y && *x == *y;
  }
  if (field == "country") return CountryOf(a) == CountryOf(b);
  if (field == "domain" || field == "industry" || field == "city") return core::IEquals(a, b);
  return false;
}

size_t Rank(std::span<const std::string> order, std::string_view source) {
  const auto it = std::find(order.begin(), order.end(), source);
  return static_cast<size_t>(it - order.begin());  // order.size() when unlisted
}

std::string DisagreeReason(std::string_view field, double tolerance) {
  if (IsIntegerField(field)) return fmt::format("more than {:g}x apart", tolerance);
  return "different countries";
}

}  // namespace

bool Disagree(std::string_view field, std::string_view a, std::string_view b, double tolerance) {
  if (a.empty() || b.empty()) return false;
  if (IsIntegerField(field)) {
    const auto x = PositiveInt(a), y = PositiveInt(b);
    if (!x || !y) return false;
    const double hi = static_cast<double>(std::max(*x, *y));
    const double lo = static_cast<double>(std::min(*x, *y));
    return hi > lo * tolerance;
  }
  if (field == "country") return CountryOf(a) != CountryOf(b);
  return false;
}

namespace {

// A value as a conflict shows it: revenue is stored in minor units (cents)
// and shown in major units, as the record routes show it ("12000000.00", not
// "1200000000", which reads as a hundred times the company's revenue).
std::string ShownValue(std::string_view field, std::string_view value) {
  int64_t minor = 0;
  if (field == "annual_revenue" &&
      std::from_chars(value.data(), value.data() + value.size(), minor).ptr ==
          value.data() + value.size()) {
    return core::FormatMoneyMinor(minor);
  }
  return std::string(value);
}

}  // namespace

FieldDecision DecideField(std::string_view entity, int64_t record_id, std::string_view field,
                          std::string_view current, std::string_view current_source,
                          std::span<const Candidate> candidates, std::span<const std::string> order,
                          bool overwrite, double tolerance) {
  FieldDecision decision;
  // One candidate per listed source (the most confident), in order of trust
  // (on the stack for the usual few sources: this runs per field and record).
  constexpr size_t kInline = 16;
  std::array<const Candidate*, kInline> inline_slots{};
  std::vector<const Candidate*> heap_slots;
  std::span<const Candidate*> slots(inline_slots.data(), std::min(order.size(), kInline));
  if (order.size() > kInline) {
    heap_slots.assign(order.size(), nullptr);
    slots = heap_slots;
  }
  for (const Candidate& c : candidates) {
    const size_t rank = Rank(order, c.source);
    if (rank >= order.size() || c.value.empty()) continue;
    if (slots[rank] == nullptr || c.confidence > slots[rank]->confidence) slots[rank] = &c;
  }
  size_t n_ranked = 0;
  for (const Candidate* c : slots) {
    if (c != nullptr) slots[n_ranked++] = c;
  }
  const std::span<const Candidate* const> ranked(slots.data(), n_ranked);
  if (ranked.empty()) return decision;
  const Candidate& top = *ranked.front();
  const bool owned = !current.empty() && current_source.empty();
  auto conflict = [&](std::string_view kept_value, std::string_view kept_source,
                      const Candidate& other, std::string_view outcome) {
    Conflict c;
    c.entity = std::string(entity);
    c.record_id = record_id;
    c.field = std::string(field);
    c.kept_value = ShownValue(field, kept_value);
    c.kept_source = std::string(kept_source);
    c.other_value = ShownValue(field, other.value);
    c.other_source = other.source;
    c.other_record_id = other.vendor_record_id;
    c.reason = fmt::format("{} {} ({}) against {} ({}): {}; {}", field, c.kept_value, kept_source,
                           c.other_value, other.source, DisagreeReason(field, tolerance), outcome);
    decision.conflicts.push_back(std::move(c));
  };

  bool may_change = false;
  if (current.empty()) {
    may_change = true;
  } else if (owned) {
    may_change = overwrite;
  } else {
    // Enriched before: a more trusted source replaces it, its own source refreshes it.
    may_change = Rank(order, top.source) <= Rank(order, current_source);
  }
  if (may_change && !SameValue(field, top.value, current)) {
    for (size_t i = 1; i < ranked.size(); ++i) {
      if (Disagree(field, top.value, ranked[i]->value, tolerance)) {
        conflict(top.value, top.source, *ranked[i],
                 current.empty() ? "left empty" : "left as it was");
      }
    }
    if (decision.conflicts.empty()) decision.chosen = &top;
    return decision;
  }
  if (!current.empty()) {
    const std::string kept_source = owned ? "workspace" : std::string(current_source);
    for (const Candidate* c : ranked) {
      if (Disagree(field, current, c->value, tolerance)) {
        conflict(current, kept_source, *c, "kept");
      }
    }
  }
  return decision;
}

std::string_view ConflictOutcome(const Conflict& c) {
  const std::string_view reason = c.reason;
  const size_t at = reason.rfind("; ");
  return at == std::string_view::npos ? std::string_view{} : reason.substr(at + 2);
}

}  // namespace mops::quality::enrich
