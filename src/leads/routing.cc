// The routing engine: ordered rules (first match wins), actions to the
// account owner, a named user, or a pool by smooth weighted round robin
// (the nginx algorithm: over any run of sum(weights) picks each member gets
// exactly its weight) or by fewest open leads; capacity and out-of-office
// respected, the fallback queue for the rest.
#include <algorithm>

#include "core/strings.h"
#include "leads/leads.h"

namespace mops::leads {
namespace {

bool InList(const std::vector<std::string>& list, std::string_view value) {
  if (list.empty()) return true;
  for (const std::string& v : list) {
    if (core::IEquals(v, core::Trim(value))) return true;
  }
  return false;
}

bool Matches(const RoutingCondition& c, const Lead& lead) {
  if (!InList(c.countries, lead.country) || !InList(c.states, lead.state) ||
      !InList(c.industries, lead.industry) || !InList(c.sources, lead.source) ||
      !InList(c.grades, lead.grade)) {
    return false;
  }
  if ((c.min_employees || c.max_employees) && lead.employees < 0) return false;
  if (c.min_employees && lead.employees < *c.min_employees) return false;
  if (c.max_employees && lead.employees > *c.max_employees) return false;
  if (c.min_score && lead.score < *c.min_score) return false;
  return true;
}

// Why a rep cannot take a lead now; empty when it can.
std::string Unavailable(const Rep& rep, Timestamp now) {
  if (!rep.active) return "inactive";
  if (rep.out_of_office_until && *rep.out_of_office_until > now) return "out of office";
  if (rep.capacity > 0 && rep.open >= rep.capacity) return "at capacity";
  return "";
}

}  // namespace

core::Result<std::vector<Assignment>> Route(const RoutingConfig& config,
                                            std::span<const Lead> leads, std::vector<Rep>& reps,
                                            PoolState& state, Timestamp now) {
  auto find_rep = [&](std::string_view ref) -> int {
    const std::string_view r = core::Trim(ref);
    for (size_t i = 0; i < reps.size(); ++i) {
      if (core::IEquals(reps[i].email, r) || reps[i].external_id == r ||
          core::IEquals(reps[i].name, r)) {
        return static_cast<int>(i);
      }
    }
    return -1;
  };
  std::map<int64_t, int> by_id;
  for (size_t i = 0; i < reps.size(); ++i) by_id[reps[i].id] = static_cast<int>(i);
  // Resolve every reference up front: a config naming nobody fails whole.
  std::vector<int> rule_user(config.rules.size(), -1);
  std::map<std::string, std::vector<std::pair<int, int64_t>>> pool_members;
  for (const Pool& p : config.pools) {
    auto& members = pool_members[p.name];
    for (const PoolMember& m : p.members) {
      const int rep = find_rep(m.user);
      if (rep < 0) {
        return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                          fmt::format("pool '{}': no user '{}' (by e-mail, "
                                                      "external id or name)",
                                                      p.name, m.user))
                              .At("routing", p.line));
      }
      members.emplace_back(rep, m.weight);
    }
  }
  for (size_t r = 0; r < config.rules.size(); ++r) {
    if (config.rules[r].action != ActionKind::kUser) continue;
    rule_user[r] = find_rep(config.rules[r].target);
    if (rule_user[r] < 0) {
      return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                        fmt::format("rule '{}': no user '{}'", config.rules[r].name,
                                                    config.rules[r].target))
                            .At("routing", config.rules[r].line));
    }
  }
  std::map<std::string, PoolMethod> methods;
  for (const Pool& p : config.pools) methods[p.name] = p.method;

  std::vector<Assignment> out;
  out.reserve(leads.size());
  for (const Lead& lead : leads) {
    Assignment a;
    a.contact_id = lead.contact_id;
    size_t r = 0;
    while (r < config.rules.size() && !Matches(config.rules[r].when, lead)) ++r;
    int chosen = -1;
    if (r == config.rules.size()) {
      a.reason = "no rule matched";
    } else {
      const RoutingRule& rule = config.rules[r];
      a.rule = rule.name;
      if (rule.action == ActionKind::kAccountOwner) {
        auto it = by_id.find(lead.account_owner);
        if (lead.account_owner == 0 || it == by_id.end()) {
          a.reason = "no account owner";
        } else if (std::string why = Unavailable(reps[it->second], now); !why.empty()) {
          a.reason = "account owner " + why;
        } else {
          chosen = it->second;
        }
      } else if (rule.action == ActionKind::kUser) {
        if (std::string why = Unavailable(reps[rule_user[r]], now); !why.empty()) {
          a.reason = "user " + why;
        } else {
          chosen = rule_user[r];
        }
      } else {
        const auto& members = pool_members[rule.target];
        auto& credits = state[rule.target];
        if (methods[rule.target] == PoolMethod::kRoundRobin) {
          int64_t total = 0;
          for (const auto& [rep, weight] : members) {
            if (!Unavailable(reps[rep], now).empty()) continue;
            total += weight;
            credits[reps[rep].id] += weight;
            if (chosen < 0 || credits[reps[rep].id] > credits[reps[chosen].id]) chosen = rep;
          }
          if (chosen >= 0) credits[reps[chosen].id] -= total;
        } else {
          for (const auto& [rep, weight] : members) {
            if (!Unavailable(reps[rep], now).empty()) continue;
            if (chosen < 0 || reps[rep].open < reps[chosen].open) chosen = rep;
          }
        }
        if (chosen < 0) a.reason = "no member of pool '" + rule.target + "' available";
      }
    }
    if (chosen >= 0) {
      a.user_id = reps[chosen].id;
      ++reps[chosen].open;
    } else {
      a.queue = config.fallback_queue;
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace mops::leads
