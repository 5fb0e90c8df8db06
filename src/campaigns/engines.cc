// Pure engines: states, member statuses, hierarchy roll-ups, approvals, QA,
// the launch gate, calendar conflicts and budgets.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <unordered_map>

#include "campaigns/campaigns.h"
#include "core/strings.h"

namespace mops::campaigns {
namespace {

using core::ErrorCode;

constexpr std::array<std::string_view, kStateCount> kStateNames = {
    "draft", "in_review", "approved", "scheduled", "live", "completed", "cancelled"};

// Letters and digits only, lower case: "No Show" and "no-show" compare equal.
std::string Key(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80) {
      out.push_back(core::AsciiToLower(c));
    }
  }
  return out;
}

}  // namespace

std::string_view StateName(State state) { return kStateNames[static_cast<size_t>(state)]; }

core::Result<State> ParseState(std::string_view name) {
  const std::string key = core::ToLower(core::Trim(name));
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == key) return static_cast<State>(i);
  }
  return core::Fail(ErrorCode::kInvalidArgument,
                    "unknown state '{}' (expected draft, in_review, approved, scheduled, live, "
                    "completed or cancelled)",
                    name);
}

State StateFromCrmStatus(std::string_view status) {
  const std::string k = Key(status);
  if (k == "inprogress" || k == "active" || k == "live") return State::kLive;
  if (k == "completed" || k == "complete" || k == "done") return State::kCompleted;
  if (k == "aborted" || k == "cancelled" || k == "canceled") return State::kCancelled;
  if (k == "scheduled") return State::kScheduled;
  return State::kDraft;
}

std::vector<State> AllowedTransitions(State from) {
  switch (from) {
    case State::kDraft:
      return {State::kInReview, State::kCancelled};
    case State::kInReview:
      return {State::kApproved, State::kDraft, State::kCancelled};
    case State::kApproved:
      return {State::kScheduled, State::kInReview, State::kCancelled};
    case State::kScheduled:
      return {State::kLive, State::kApproved, State::kInReview, State::kCancelled};
    case State::kLive:
      return {State::kCompleted, State::kCancelled};
    case State::kCompleted:
    case State::kCancelled:
      return {};
  }
  return {};
}

core::Status CheckTransition(State from, State to) {
  const std::vector<State> allowed = AllowedTransitions(from);
  if (std::find(allowed.begin(), allowed.end(), to) != allowed.end()) return {};
  std::vector<std::string> names;
  for (State s : allowed) names.emplace_back(StateName(s));
  return core::Fail(ErrorCode::kConflict, "a campaign cannot go from {} to {} ({})",
                    StateName(from), StateName(to),
                    names.empty() ? std::string("it is final")
                                  : "from " + std::string(StateName(from)) + " only to " +
                                        core::Join(names, ", "));
}

// ---------------------------------------------------------- member statuses

core::Status ValidateMemberStatuses(std::span<const MemberStatus> statuses) {
  if (statuses.empty()) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, "a campaign needs at least one member status")
            .InField("statuses"));
  }
  std::set<std::string> names;
  std::set<int> orders;
  int defaults = 0;
  for (const MemberStatus& s : statuses) {
    if (Key(s.name).empty()) {
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument, "a member status has no name")
                            .InField("statuses"));
    }
    if (!names.insert(Key(s.name)).second) {
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                        fmt::format("member status '{}' is listed twice", s.name))
                            .InField("statuses"));
    }
    if (!orders.insert(s.sort_order).second) {
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                        fmt::format("member status '{}' repeats sort order {}",
                                                    s.name, s.sort_order))
                            .InField("statuses"));
    }
    defaults += s.is_default ? 1 : 0;
  }
  if (defaults != 1) {
    return core::Fail(
        core::MakeError(
            ErrorCode::kInvalidArgument,
            fmt::format("exactly one member status must be the default, {} are", defaults))
            .InField("statuses"));
  }
  return {};
}

std::vector<MemberStatus> DefaultMemberStatuses(std::string_view campaign_type) {
  const std::string k = Key(campaign_type);
  auto make = [](std::initializer_list<std::pair<const char*, bool>> list) {
    std::vector<MemberStatus> out;
    int order = 1;
    for (const auto& [name, responded] : list) {
      out.push_back({name, order, responded, order == 1});
      ++order;
    }
    return out;
  };
  if (k == "email" || k == "newsletter" || k == "nurture") {
    return make({{"Sent", false}, {"Opened", false}, {"Clicked", true}, {"Unsubscribed", false}});
  }
  if (k == "webinar") {
    return make({{"Invited", false}, {"Registered", true}, {"No Show", true}, {"Attended", true}});
  }
  if (k == "event" || k == "tradeshow" || k == "conference" || k == "field event") {
    return make({{"Invited", false}, {"Registered", true}, {"No Show", true}, {"Attended", true}});
  }
  if (k == "directmail") return make({{"Sent", false}, {"Delivered", false}, {"Responded", true}});
  if (k == "paidsearch" || k == "paidsocial" || k == "display" || k == "advertisement" ||
      k == "banner" || k == "contentsyndication") {
    return make({{"Targeted", false}, {"Clicked", true}, {"Converted", true}});
  }
  return make({{"Sent", false}, {"Responded", true}});
}

core::Result<MemberState> AdvanceMember(std::span<const MemberStatus> statuses,
                                        const MemberState& current, std::string_view target,
                                        core::Timestamp at) {
  const MemberStatus* to = nullptr;
  const MemberStatus* from = nullptr;
  for (const MemberStatus& s : statuses) {
    if (Key(s.name) == Key(target)) to = &s;
    if (Key(s.name) == Key(current.status)) from = &s;
  }
  if (to == nullptr) {
    std::vector<std::string> names;
    for (const MemberStatus& s : statuses) names.push_back(s.name);
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      fmt::format("'{}' is not a member status of this campaign "
                                                  "(one of {})",
                                                  target, core::Join(names, ", ")))
                          .InField("status"));
  }
  if (from != nullptr && to->sort_order <= from->sort_order) {
    return core::Fail(ErrorCode::kConflict,
                      "members only move forward: '{}' (order {}) cannot go to '{}' (order {})",
                      from->name, from->sort_order, to->name, to->sort_order);
  }
  MemberState next = current;
  next.status = to->name;
  if (to->responded) {
    next.responded = true;
    if (!next.first_responded_at) next.first_responded_at = at;
  }
  return next;
}

LandedMember LandImportedMember(std::span<const MemberStatus> statuses, std::string_view status,
                                bool responded, std::optional<core::Timestamp> first_responded_at,
                                std::optional<core::Timestamp> created_at) {
  LandedMember out;
  const MemberStatus* hit = nullptr;
  const MemberStatus* fallback = nullptr;
  const MemberStatus* first_responded = nullptr;
  for (const MemberStatus& s : statuses) {
    if (!status.empty() && Key(s.name) == Key(status)) hit = &s;
    if (s.is_default) fallback = &s;
    if (s.responded && (first_responded == nullptr || s.sort_order < first_responded->sort_order)) {
      first_responded = &s;
    }
  }
  if (hit == nullptr) {
    out.mapped = false;
    hit = responded && first_responded != nullptr ? first_responded : fallback;
  }
  if (hit == nullptr) return out;
  out.state.status = hit->name;
  out.state.responded = responded || hit->responded;
  if (out.state.responded) {
    out.state.first_responded_at = first_responded_at ? first_responded_at : created_at;
  }
  return out;
}

// ---------------------------------------------------------------- hierarchy

namespace {
void Add(Totals& t, const Totals& o) {
  t.budget += o.budget;
  t.actual_cost += o.actual_cost;
  t.members += o.members;
  t.responses += o.responses;
  t.pipeline += o.pipeline;
  t.won += o.won;
}
}  // namespace

Rollup RollUp(std::span<const Node> nodes) {
  Rollup out;
  const auto n = static_cast<int32_t>(nodes.size());
  std::unordered_map<int64_t, int32_t> index;
  index.reserve(nodes.size());
  for (int32_t i = 0; i < n; ++i) index.emplace(nodes[i].id, i);
  std::vector<int32_t> parent(n, -1);
  for (int32_t i = 0; i < n; ++i) {
    if (nodes[i].parent_id == 0 || nodes[i].parent_id == nodes[i].id) continue;
    auto it = index.find(nodes[i].parent_id);
    if (it != index.end()) parent[i] = it->second;
  }
  // Break cycles: a node that reaches itself through its parents becomes a
  // root. Colors: 0 new, 1 on the current walk, 2 done.
  std::vector<uint8_t> color(n, 0);
  for (int32_t i = 0; i < n; ++i) {
    std::vector<int32_t> walk;
    int32_t at = i;
    while (at >= 0 && color[at] == 0) {
      color[at] = 1;
      walk.push_back(at);
      at = parent[at];
    }
    if (at >= 0 && color[at] == 1) {
      out.problems.push_back(
          fmt::format("campaign {} is in a parent cycle: shown as a root", nodes[at].id));
      parent[at] = -1;
    }
    for (int32_t w : walk) color[w] = 2;
  }
  // Children by id, roots by id.
  std::vector<int32_t> order(n);
  for (int32_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](int32_t a, int32_t b) { return nodes[a].id < nodes[b].id; });
  std::vector<int32_t> child_count(n + 1, 0);
  for (int32_t i = 0; i < n; ++i) {
    if (parent[i] >= 0) ++child_count[parent[i] + 1];
  }
  for (int32_t i = 0; i < n; ++i) child_count[i + 1] += child_count[i];
  std::vector<int32_t> children(std::max(child_count[n], 0));
  std::vector<int32_t> fill(child_count.begin(), child_count.end() - 1);
  for (int32_t i : order) {
    if (parent[i] >= 0) children[fill[parent[i]]++] = i;
  }
  // Pre-order walk from each root (explicit stack), then totals bottom-up.
  out.rows.reserve(n);
  std::vector<int32_t> row_of(n, -1);
  std::vector<std::pair<int32_t, int>> stack;
  for (int32_t r : order) {
    if (parent[r] >= 0) continue;
    stack.push_back({r, 1});
    while (!stack.empty()) {
      auto [i, depth] = stack.back();
      stack.pop_back();
      RollupRow row;
      row.node = i;
      row.parent = parent[i];
      row.depth = depth;
      row.own = {nodes[i].budget,    nodes[i].actual_cost, nodes[i].members,
                 nodes[i].responses, nodes[i].pipeline,    nodes[i].won};
      row.total = row.own;
      row_of[i] = static_cast<int32_t>(out.rows.size());
      out.rows.push_back(row);
      if (depth == kMaxDepth + 1) {
        out.problems.push_back(fmt::format("campaign {} is at level {}, deeper than {}",
                                           nodes[i].id, depth, kMaxDepth));
      }
      for (int32_t c = child_count[i + 1] - 1; c >= child_count[i]; --c) {
        stack.push_back({children[c], depth + 1});
      }
    }
  }
  for (auto it = out.rows.rbegin(); it != out.rows.rend(); ++it) {
    if (it->parent < 0) continue;
    RollupRow& p = out.rows[row_of[it->parent]];
    Add(p.total, it->total);
    p.descendants += 1 + it->descendants;
  }
  return out;
}

core::Status CheckParent(std::span<const Node> nodes, int64_t id, int64_t parent_id) {
  auto fail = [](std::string message) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, std::move(message)).InField("parent_id"));
  };
  if (parent_id == 0) return {};
  if (parent_id == id) return fail("a campaign cannot be its own parent");
  std::unordered_map<int64_t, int64_t> parent_of;
  std::unordered_map<int64_t, std::vector<int64_t>> children;
  for (const Node& n : nodes) {
    parent_of[n.id] = n.parent_id;
    if (n.parent_id != 0) children[n.parent_id].push_back(n.id);
  }
  if (!parent_of.contains(parent_id)) {
    return fail(fmt::format("parent campaign {} does not exist", parent_id));
  }
  // Depth of the new parent, refusing a cycle through id.
  int depth = 0;
  for (int64_t at = parent_id; at != 0; at = parent_of.contains(at) ? parent_of[at] : 0) {
    if (at == id) return fail(fmt::format("campaign {} is an ancestor of {}", id, parent_id));
    if (++depth > kMaxDepth + 1) break;
  }
  // Height of id's subtree.
  int height = 0;
  std::vector<std::pair<int64_t, int>> stack = {{id, 1}};
  while (!stack.empty()) {
    auto [at, h] = stack.back();
    stack.pop_back();
    height = std::max(height, h);
    if (h > kMaxDepth) break;
    for (int64_t c : children[at]) stack.push_back({c, h + 1});
  }
  if (depth + height > kMaxDepth) {
    return fail(
        fmt::format("the hierarchy allows {} levels: under {} (level {}) campaign {} "
                    "would reach level {}",
                    kMaxDepth, parent_id, depth, id, depth + height));
  }
  return {};
}

// ---------------------------------------------------------------- approvals

namespace {
constexpr std::array<std::string_view, 5> kDecisionNames = {
    "pending", "approved", "approved_with_changes", "changes_required", "rejected"};
bool IsApproval(Decision d) {
  return d == Decision::kApproved || d == Decision::kApprovedWithChanges;
}
}  // namespace

std::string_view DecisionName(Decision d) { return kDecisionNames[static_cast<size_t>(d)]; }

core::Result<Decision> ParseDecision(std::string_view name) {
  const std::string key = core::ToLower(core::Trim(name));
  for (size_t i = 0; i < kDecisionNames.size(); ++i) {
    if (kDecisionNames[i] == key) return static_cast<Decision>(i);
  }
  return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                    fmt::format("unknown decision '{}' (expected approved, "
                                                "approved_with_changes, changes_required or "
                                                "rejected)",
                                                name))
                        .InField("decision"));
}

core::Status ValidateChain(std::span<const StepDef> chain) {
  for (size_t i = 0; i < chain.size(); ++i) {
    const StepDef& s = chain[i];
    const std::string where = fmt::format("approval_chain[{}]", i);
    if (s.role.empty() == s.user.empty()) {
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                        "a step names a role or a user (exactly one)")
                            .InField(where));
    }
    if (s.stage < 1) {
      return core::Fail(
          core::MakeError(ErrorCode::kInvalidArgument, "stage must be 1 or more").InField(where));
    }
    if (s.due_days < 0 || s.due_days > 365) {
      return core::Fail(
          core::MakeError(ErrorCode::kInvalidArgument, "due_days must be 0 to 365").InField(where));
    }
  }
  return {};
}

std::vector<int32_t> ActiveSteps(std::span<const Step> steps) {
  int round = 0;
  for (const Step& s : steps) round = std::max(round, s.round);
  std::set<int> stages;
  for (const Step& s : steps) {
    if (s.round == round) stages.insert(s.def.stage);
  }
  for (int stage : stages) {
    std::vector<int32_t> pending;
    bool open = false;
    for (size_t i = 0; i < steps.size(); ++i) {
      const Step& s = steps[i];
      if (s.round != round || s.def.stage != stage) continue;
      if (s.decision == Decision::kPending) pending.push_back(static_cast<int32_t>(i));
      if (!IsApproval(s.decision)) open = true;
    }
    if (open) return pending;  // a later stage waits for this one
  }
  return {};
}

core::Result<DecisionEffect> Decide(std::span<const Step> steps, int32_t index, State campaign,
                                    Decision decision, const Actor& actor, std::string_view comment,
                                    core::Timestamp at) {
  if (index < 0 || static_cast<size_t>(index) >= steps.size()) {
    return core::Fail(ErrorCode::kNotFound, "no such approval step");
  }
  const Step& step = steps[index];
  if (decision == Decision::kPending) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument, "a decision cannot be 'pending'")
                          .InField("decision"));
  }
  if (campaign != State::kInReview) {
    return core::Fail(ErrorCode::kConflict, "the campaign is {}, not in review: nothing to decide",
                      StateName(campaign));
  }
  if (step.decision != Decision::kPending) {
    return core::Fail(ErrorCode::kConflict, "step '{}' was already decided: {} by {}",
                      step.def.name, DecisionName(step.decision), step.decided_by);
  }
  const std::vector<int32_t> active = ActiveSteps(steps);
  if (std::find(active.begin(), active.end(), index) == active.end()) {
    return core::Fail(ErrorCode::kConflict,
                      "step '{}' (stage {}) waits for the steps of an earlier stage", step.def.name,
                      step.def.stage);
  }
  const bool allowed = actor.role == "admin" ||
                       (!step.def.user.empty() && step.def.user == actor.name) ||
                       (!step.def.role.empty() && step.def.role == actor.role);
  if (!allowed) {
    return core::Fail(ErrorCode::kPermissionDenied, "step '{}' is for {} '{}', not for {} ({})",
                      step.def.name, step.def.user.empty() ? "role" : "user",
                      step.def.user.empty() ? step.def.role : step.def.user, actor.name,
                      actor.role);
  }
  if ((decision == Decision::kChangesRequired || decision == Decision::kRejected) &&
      core::Trim(comment).empty()) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument,
                        fmt::format("'{}' needs a comment saying why", DecisionName(decision)))
            .InField("comment"));
  }
  DecisionEffect out;
  out.step = step;
  out.step.decision = decision;
  out.step.decided_by = actor.name;
  out.step.decided_at = at;
  out.step.comment = std::string(comment);
  if (decision == Decision::kChangesRequired) {
    out.campaign_state = State::kDraft;
  } else if (decision == Decision::kRejected) {
    out.campaign_state = State::kCancelled;
  } else {
    bool all = true;
    for (size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].round != step.round || static_cast<int32_t>(i) == index) continue;
      if (!IsApproval(steps[i].decision)) all = false;
    }
    if (all) out.campaign_state = State::kApproved;
  }
  return out;
}

std::vector<int32_t> OverdueSteps(std::span<const Step> steps, core::Timestamp as_of) {
  std::vector<int32_t> out;
  for (int32_t i : ActiveSteps(steps)) {
    if (steps[i].due_at < as_of) out.push_back(i);
  }
  return out;
}

std::vector<Step> StartRound(std::span<const StepDef> chain, int round, core::Timestamp at) {
  std::vector<Step> out;
  // A stage's due date counts from the end of the stages before it.
  std::map<int, int> stage_days;
  for (const StepDef& d : chain) stage_days[d.stage] = std::max(stage_days[d.stage], d.due_days);
  std::map<int, int> offset;
  int sum = 0;
  for (const auto& [stage, days] : stage_days) {
    offset[stage] = sum;
    sum += days;
  }
  for (const StepDef& d : chain) {
    Step s;
    s.round = round;
    s.def = d;
    s.due_at = at + static_cast<int64_t>(offset[d.stage] + d.due_days) * core::kSecondsPerDay;
    out.push_back(std::move(s));
  }
  return out;
}

// ------------------------------------------------------------- QA and launch

namespace {

bool WellFormed(std::string_view url, std::string* why) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    *why = "no scheme (expected http:// or https://)";
    return false;
  }
  const std::string s = core::ToLower(url.substr(0, scheme));
  if (s != "http" && s != "https") {
    *why = "scheme '" + s + "' is not http or https";
    return false;
  }
  std::string_view rest = url.substr(scheme + 3);
  const size_t end = rest.find_first_of("/?#");
  const std::string_view host = rest.substr(0, end);
  if (host.empty() || host.find('.') == std::string_view::npos) {
    *why = "no host name";
    return false;
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20) {
      *why = "contains a space or a control character";
      return false;
    }
  }
  return true;
}

// Contact and account columns a token may name (see store/schema.cc).
const std::set<std::string>& KnownTokenFields() {
  static const std::set<std::string> kFields = {
      "firstname", "lastname",   "email",      "title",       "company",        "companyname",
      "phone",     "city",       "state",      "country",     "name",           "fullname",
      "website",   "domain",     "industry",   "department",  "seniority",      "owner",
      "ownername", "owneremail", "postalcode", "mobilephone", "unsubscribeurl", "viewonline"};
  return kFields;
}

}  // namespace

std::vector<std::string> UnresolvedTokens(std::string_view text) {
  std::vector<std::string> out;
  struct Delims {
    std::string_view open, close;
  };
  constexpr Delims kDelims[] = {{"{{", "}}"}, {"{!", "}"}, {"%%", "%%"}, {"*|", "|*"}};
  for (const Delims& d : kDelims) {
    size_t pos = 0;
    while ((pos = text.find(d.open, pos)) != std::string_view::npos) {
      const size_t close = text.find(d.close, pos + d.open.size());
      const size_t next_open = text.find(d.open, pos + d.open.size());
      if (close == std::string_view::npos ||
          (next_open != std::string_view::npos && next_open < close && d.open != d.close)) {
        const size_t stop = std::min(text.size(), pos + 30);
        out.push_back(std::string(text.substr(pos, stop - pos)) + " (not closed)");
        pos += d.open.size();
        continue;
      }
      const std::string_view inner = text.substr(pos + d.open.size(), close - pos - d.open.size());
      const std::string token(text.substr(pos, close + d.close.size() - pos));
      pos = close + d.close.size();
      const std::string lower = core::ToLower(inner);
      if (lower.find("default") != std::string::npos) continue;  // has a fallback
      std::string_view field = core::Trim(inner);
      const size_t dot = field.rfind('.');
      if (dot != std::string_view::npos) field = field.substr(dot + 1);
      const std::string key = Key(field);
      if (key.empty() || !KnownTokenFields().contains(key)) out.push_back(token);
    }
  }
  return out;
}

std::vector<QaItem> RunQa(const CampaignFields& c, std::span<const Asset> assets,
                          std::span<const MemberStatus> statuses,
                          std::span<const ChecklistItem> manual, const NamingRules& rules) {
  std::vector<QaItem> out;
  auto add = [&](std::string key, std::string label, std::vector<std::string> problems) {
    QaItem item;
    item.key = std::move(key);
    item.label = std::move(label);
    item.passed = problems.empty();
    if (problems.size() > 5) {
      const size_t more = problems.size() - 5;
      problems.resize(5);
      problems.push_back(fmt::format("and {} more", more));
    }
    item.detail = core::Join(problems, "; ");
    out.push_back(std::move(item));
  };
  std::vector<std::string> bad_links, no_utm, bad_utm, tokens;
  int links = 0;
  for (const Asset& a : assets) {
    if (!core::Trim(a.body).empty()) {
      for (const std::string& t : UnresolvedTokens(a.body)) {
        tokens.push_back(fmt::format("{}: {}", a.name, t));
      }
    }
    if (core::Trim(a.url).empty()) continue;
    ++links;
    std::string why;
    if (!WellFormed(a.url, &why)) {
      bad_links.push_back(fmt::format("{}: {}", a.name, why));
      continue;
    }
    const UrlCheck check = CheckUrl(rules, a.url);
    bool missing = false;
    for (const Violation& v : check.violations) {
      if (v.rule == "missing") {
        missing = true;
        no_utm.push_back(fmt::format("{}: no {}", a.name, v.param));
      } else {
        bad_utm.push_back(fmt::format("{}: {}", a.name, v.message));
      }
    }
    (void)missing;
  }
  add("links_well_formed", "Links are well formed", bad_links);
  add("links_have_utm", "Every link carries UTM parameters", no_utm);
  add("utm_valid", "UTMs follow the naming rules", bad_utm);
  std::vector<std::string> missing_fields;
  const std::pair<std::string_view, const std::string*> required[] = {
      {"name", &c.name},
      {"type", &c.type},
      {"channel", &c.channel},
      {"owner", &c.owner},
      {"goal", &c.goal},
      {"audience", &c.audience},
      {"utm_campaign", &c.utm_campaign}};
  for (const auto& [field, value] : required) {
    if (core::Trim(*value).empty()) missing_fields.push_back(std::string(field) + " is empty");
  }
  if (!c.start_date) missing_fields.push_back("start_date is empty");
  if (!c.end_date) missing_fields.push_back("end_date is empty");
  add("required_fields", "Required fields are set", missing_fields);
  add("budget_set", "Budget is set",
      c.budget > 0 ? std::vector<std::string>{}
                   : std::vector<std::string>{"budget is 0 or not set"});
  std::vector<std::string> dates;
  if (c.start_date && c.end_date && *c.end_date < *c.start_date) {
    dates.push_back(fmt::format("end {} is before start {}", core::FormatDate(*c.end_date),
                                core::FormatDate(*c.start_date)));
  }
  add("dates_consistent", "Dates are consistent", dates);
  std::vector<std::string> status_problems;
  if (auto s = ValidateMemberStatuses(statuses); !s) status_problems.push_back(s.error().message);
  add("member_statuses", "Member statuses are defined", status_problems);
  add("personalization_tokens", "No unresolved personalization tokens", tokens);
  std::vector<std::string> tracking;
  if (core::Trim(c.utm_campaign).empty()) {
    tracking.push_back("no utm_campaign on the campaign");
  } else {
    for (const Violation& v : CheckValue(rules, "utm_campaign", c.utm_campaign)) {
      tracking.push_back("utm_campaign: " + v.message);
    }
  }
  if (links == 0) tracking.push_back("no tracked link among the assets");
  add("tracking_present", "Tracking is present", tracking);
  for (const ChecklistItem& m : manual) {
    QaItem item;
    item.key = fmt::format("manual:{}", m.id);
    item.label = m.label;
    item.automatic = false;
    item.blocking = m.blocking;
    item.passed = m.done;
    item.detail = m.done ? "checked by " + m.done_by : "not checked yet";
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<std::string> LaunchGate(State state, std::span<const Step> steps,
                                    std::span<const QaItem> qa) {
  std::vector<std::string> out;
  if (state != State::kScheduled && state != State::kApproved) {
    out.push_back(fmt::format(
        "the campaign is {}: only an approved or scheduled campaign goes live", StateName(state)));
  }
  int round = 0;
  for (const Step& s : steps) round = std::max(round, s.round);
  if (steps.empty()) out.push_back("no approval: the campaign has no approval steps");
  for (const Step& s : steps) {
    if (s.round != round || IsApproval(s.decision)) continue;
    out.push_back(fmt::format(
        "approval step '{}' ({} '{}') is {}", s.def.name, s.def.user.empty() ? "role" : "user",
        s.def.user.empty() ? s.def.role : s.def.user, DecisionName(s.decision)));
  }
  for (const QaItem& q : qa) {
    if (q.blocking && !q.passed) {
      out.push_back(fmt::format("QA '{}' {}{}", q.label, q.automatic ? "failed" : "is not checked",
                                q.automatic && !q.detail.empty() ? ": " + q.detail : ""));
    }
  }
  return out;
}

// ---------------------------------------------------------------- calendar

std::string IsoWeek(core::Timestamp t) {
  const int64_t days = core::FloorDiv(t, core::kSecondsPerDay);
  const int64_t weekday = ((days % 7) + 7 + 3) % 7;  // 0 = Monday (1970-01-01 was a Thursday)
  const int64_t thursday = days - weekday + 3;
  const core::CivilDate d = core::CivilFromDays(thursday);
  const int64_t jan1 = core::DaysFromCivil(d.year, 1, 1);
  return fmt::format("{}-W{:02}", d.year, (thursday - jan1) / 7 + 1);
}

std::vector<Conflict> CalendarConflicts(std::span<const CalendarEntry> entries) {
  std::vector<Conflict> out;
  std::map<std::pair<std::string, std::string>, std::vector<const CalendarEntry*>> days, weeks;
  for (const CalendarEntry& e : entries) {
    if (e.state == State::kCancelled || core::Trim(e.audience).empty() || e.start == 0) continue;
    const std::string audience = core::ToLower(core::Trim(e.audience));
    if (core::ToLower(e.channel) == "email") {
      days[{audience, core::FormatDate(e.start)}].push_back(&e);
    }
    weeks[{audience, IsoWeek(e.start)}].push_back(&e);
  }
  std::set<std::pair<int64_t, int64_t>> reported;
  auto ids = [](const std::vector<const CalendarEntry*>& list) {
    std::vector<int64_t> v;
    for (const CalendarEntry* e : list) v.push_back(e->id);
    std::sort(v.begin(), v.end());
    return v;
  };
  auto names = [](const std::vector<const CalendarEntry*>& list) {
    std::vector<std::string> v;
    for (const CalendarEntry* e : list) v.push_back("'" + e->name + "'");
    return core::Join(v, ", ");
  };
  for (const auto& [key, list] : days) {
    if (list.size() < 2) continue;
    Conflict c;
    c.kind = "same_day_email";
    c.campaigns = ids(list);
    c.audience = list.front()->audience;
    c.when = key.second;
    c.message = fmt::format("audience '{}' is e-mailed {} times on {}: {}", c.audience, list.size(),
                            c.when, names(list));
    for (size_t i = 0; i < c.campaigns.size(); ++i) {
      for (size_t j = i + 1; j < c.campaigns.size(); ++j) {
        reported.insert({c.campaigns[i], c.campaigns[j]});
      }
    }
    out.push_back(std::move(c));
  }
  for (const auto& [key, list] : weeks) {
    if (list.size() < 2) continue;
    Conflict c;
    c.kind = "same_week_launch";
    c.campaigns = ids(list);
    bool all_reported = true;
    for (size_t i = 0; i < c.campaigns.size(); ++i) {
      for (size_t j = i + 1; j < c.campaigns.size(); ++j) {
        if (!reported.contains({c.campaigns[i], c.campaigns[j]})) all_reported = false;
      }
    }
    if (all_reported) continue;
    c.audience = list.front()->audience;
    c.when = key.second;
    c.message = fmt::format("{} launches on segment '{}' in week {}: {}", list.size(), c.audience,
                            c.when, names(list));
    out.push_back(std::move(c));
  }
  return out;
}

// ---------------------------------------------------------------- budgets

namespace {
std::string MonthOf(core::Timestamp t) {
  const core::CivilDate d = core::CivilFromDays(core::FloorDiv(t, core::kSecondsPerDay));
  return fmt::format("{:04}-{:02}", d.year, d.month);
}
}  // namespace

BudgetReport Budget(const BudgetInput& in, core::Timestamp as_of) {
  BudgetReport out;
  out.budget = in.budget;
  std::map<std::string, BudgetMonth> months;
  // The budget spread evenly over the flight's days; the remainder goes to
  // the last day so that the months add up to the budget exactly.
  if (in.start && in.end && *in.end >= *in.start && in.budget != 0) {
    const int64_t first = core::FloorDiv(*in.start, core::kSecondsPerDay);
    const int64_t last = core::FloorDiv(*in.end, core::kSecondsPerDay);
    const int64_t days = last - first + 1;
    int64_t given = 0;
    std::map<std::string, int64_t> day_count;
    for (int64_t d = first; d <= last; ++d) ++day_count[MonthOf(d * core::kSecondsPerDay)];
    int64_t seen = 0;
    for (const auto& [month, count] : day_count) {
      seen += count;
      const int64_t share =
          seen == days
              ? in.budget - given
              : static_cast<int64_t>(static_cast<__int128>(in.budget) * seen / days) - given;
      months[month].month = month;
      months[month].planned = share;
      given += share;
    }
    const double elapsed =
        std::clamp(static_cast<double>(core::FloorDiv(as_of, core::kSecondsPerDay) - first) /
                       static_cast<double>(days),
                   0.0, 1.0);
    out.elapsed = elapsed;
  }
  for (const CostLine& c : in.costs) {
    BudgetMonth& m = months[MonthOf(c.date)];
    m.month = MonthOf(c.date);
    if (c.kind == "spend") {
      m.spend += c.amount;
    } else {
      m.period_costs += c.amount;
    }
    m.actual += c.amount;
    out.actual += c.amount;
  }
  for (auto& [key, m] : months) {
    m.variance = m.planned - m.actual;
    out.months.push_back(m);
  }
  out.variance = out.budget - out.actual;
  out.over_budget = out.budget > 0 && out.actual > out.budget;
  if (out.budget > 0) {
    out.variance_pct = static_cast<double>(out.variance) / static_cast<double>(out.budget);
  }
  if (out.budget <= 0) {
    out.pacing_status = "no_budget";
  } else if (!out.elapsed || *out.elapsed <= 0) {
    out.pacing_status = out.actual > 0 ? "over" : "not_started";
  } else {
    out.pacing = (static_cast<double>(out.actual) / static_cast<double>(out.budget)) / *out.elapsed;
    out.pacing_status = *out.pacing > 1.1 ? "over" : *out.pacing < 0.9 ? "under" : "on_track";
  }
  auto per = [&](int64_t n) -> std::optional<double> {
    if (n <= 0) return std::nullopt;
    return static_cast<double>(out.actual) / static_cast<double>(n);
  };
  out.cost_per_member = per(in.members);
  out.cost_per_response = per(in.responses);
  out.cost_per_opportunity = per(in.opportunities);
  out.cost_per_won_deal = per(in.won_deals);
  return out;
}

core::Status ValidateTemplate(const Template& t) {
  if (core::Trim(t.name).empty()) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, "a template needs a name").InField("name"));
  }
  if (!t.statuses.empty()) MOPS_TRY(ValidateMemberStatuses(t.statuses));
  MOPS_TRY(ValidateChain(t.approval_chain));
  return {};
}

}  // namespace mops::campaigns
