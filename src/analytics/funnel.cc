// Funnels over lifecycle stages and touchpoint types or events: ordered,
// strict or any order, with a conversion window and exclusion steps.
#include <algorithm>
#include <array>
#include <limits>
#include <unordered_map>

#include "analytics/analytics.h"
#include "core/strings.h"

namespace mops::analytics {

core::Result<StepSpec> ParseStep(std::string_view text) {
  const std::string_view t = core::Trim(text);
  const size_t colon = t.find(':');
  StepSpec step;
  std::string_view kind = colon == std::string_view::npos ? "stage" : t.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? t : t.substr(colon + 1);
  value = core::Trim(value);
  if (kind == "stage") {
    step.kind = StepSpec::Kind::kStage;
    step.value = core::ToLower(value);
  } else if (kind == "type") {
    step.kind = StepSpec::Kind::kType;
    step.value = core::ToLower(value);
  } else if (kind == "event") {
    step.kind = StepSpec::Kind::kEvent;
    step.value = std::string(value);
  } else {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "step '{}': kind must be stage, type or event (as in 'stage:mql', "
                      "'type:form_submit', 'event:Demo Request')",
                      text);
  }
  if (step.value.empty()) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "step '{}' names nothing", text);
  }
  return step;
}

core::Result<FunnelOrder> ParseFunnelOrder(std::string_view name) {
  if (name == "ordered" || name.empty()) return FunnelOrder::kOrdered;
  if (name == "strict") return FunnelOrder::kStrict;
  if (name == "any") return FunnelOrder::kAny;
  return core::Fail(core::ErrorCode::kInvalidArgument,
                    "order must be ordered, strict or any, got '{}'", name);
}

core::Result<Breakdown> ParseBreakdown(std::string_view name) {
  static const std::pair<std::string_view, Breakdown> kNames[] = {
      {"", Breakdown::kNone},
      {"none", Breakdown::kNone},
      {"channel", Breakdown::kChannel},
      {"source", Breakdown::kSource},
      {"campaign", Breakdown::kCampaign},
      {"segment", Breakdown::kSegment},
      {"first_touch_channel", Breakdown::kFirstTouchChannel},
      {"latest_touch_channel", Breakdown::kLatestTouchChannel},
      {"first_touch_source", Breakdown::kFirstTouchSource},
      {"latest_touch_source", Breakdown::kLatestTouchSource},
      {"cohort", Breakdown::kCohort},
  };
  for (const auto& [n, b] : kNames) {
    if (n == name) return b;
  }
  return core::Fail(core::ErrorCode::kInvalidArgument,
                    "breakdown must be channel, source, campaign, segment, first_touch_channel, "
                    "latest_touch_channel, first_touch_source, latest_touch_source or cohort, "
                    "got '{}'",
                    name);
}

namespace {

constexpr int kMaxSteps = 20;
constexpr int kMaxExclusions = 8;

// A step resolved to the dataset's codes.
struct Matcher {
  StepSpec::Kind kind;
  int32_t code = kNone;  // kNone: nothing in the data matches
};

struct Event {
  Timestamp at;
  int32_t touch;       // touch row, kNone for a stage entry
  uint32_t steps;      // bit i: matches step i
  uint32_t exclusion;  // bit i: matches exclusion i
};

struct ContactResult {
  bool entered = false;
  bool excluded = false;
  int reached = 0;
  std::array<Timestamp, kMaxSteps> at{};
  int32_t start_touch = kNone;
};

class FunnelEval {
 public:
  FunnelEval(const Dataset& d, const FunnelOptions& o) : d_(d), o_(o) {
    for (const StepSpec& s : o.steps) steps_.push_back(Resolve(s));
    for (const Exclusion& e : o.exclusions) exclusions_.push_back(Resolve(e.step));
    for (const StepSpec& s : o.steps) {
      (s.kind == StepSpec::Kind::kStage ? use_stages_ : use_touches_) = true;
    }
    for (const Exclusion& e : o.exclusions) {
      (e.step.kind == StepSpec::Kind::kStage ? use_stages_ : use_touches_) = true;
    }
    BuildMasks();
  }

  core::Status Check() const {
    if (o_.steps.empty()) {
      return core::Fail(core::ErrorCode::kInvalidArgument, "a funnel needs at least one step");
    }
    if (o_.steps.size() > kMaxSteps) {
      return core::Fail(core::ErrorCode::kInvalidArgument, "a funnel has at most {} steps",
                        kMaxSteps);
    }
    if (o_.exclusions.size() > kMaxExclusions) {
      return core::Fail(core::ErrorCode::kInvalidArgument, "a funnel has at most {} exclusions",
                        kMaxExclusions);
    }
    if (o_.window_seconds < 0) {
      return core::Fail(core::ErrorCode::kInvalidArgument, "the window must not be negative");
    }
    const int n = static_cast<int>(o_.steps.size());
    for (const Exclusion& e : o_.exclusions) {
      const int to = e.to < 0 ? n - 1 : e.to;
      if (e.from < 0 || e.from >= n || to >= n || to <= e.from) {
        return core::Fail(core::ErrorCode::kInvalidArgument,
                          "exclusion '{}' must lie between two steps (from {} to {} of {} steps)",
                          e.step.value, e.from + 1, to + 1, n);
      }
    }
    return {};
  }

  ContactResult Evaluate(int32_t c) {
    ContactResult r;
    Collect(c);
    if (events_.empty()) return r;
    const int n = static_cast<int>(steps_.size());
    if (o_.order == FunnelOrder::kAny) {
      EvaluateAny(r, n);
    } else {
      EvaluateOrdered(r, n);
    }
    if (r.entered) r.excluded = Excluded(r, n);
    return r;
  }

  std::string Key(int32_t c, const ContactResult& r) const {
    const size_t first = static_cast<size_t>(d_.touch_begin[static_cast<size_t>(c)]);
    const size_t end = static_cast<size_t>(d_.touch_begin[static_cast<size_t>(c) + 1]);
    const auto name = [](std::string_view v) {
      return v.empty() ? std::string("(none)") : std::string(v);
    };
    const int32_t anchor = r.start_touch != kNone
                               ? r.start_touch
                               : (first < end ? static_cast<int32_t>(first) : kNone);
    switch (o_.breakdown) {
      case Breakdown::kNone:
        return "";
      case Breakdown::kSegment:
        return name(d_.segments.Name(d_.contact_segment[static_cast<size_t>(c)]));
      case Breakdown::kChannel:
        return anchor == kNone ? name("") : name(d_.channels.Name(d_.touch_channel[anchor]));
      case Breakdown::kSource:
        return anchor == kNone ? name("") : name(d_.sources.Name(d_.touch_source[anchor]));
      case Breakdown::kCampaign:
        return anchor == kNone ? name("") : name(d_.campaigns.Name(d_.touch_campaign[anchor]));
      case Breakdown::kFirstTouchChannel:
        return first < end ? name(d_.channels.Name(d_.touch_channel[first])) : name("");
      case Breakdown::kFirstTouchSource:
        return first < end ? name(d_.sources.Name(d_.touch_source[first])) : name("");
      case Breakdown::kLatestTouchChannel:
      case Breakdown::kLatestTouchSource: {
        const Timestamp limit = r.at[static_cast<size_t>(std::max(0, r.reached - 1))];
        int32_t last = kNone;
        for (size_t i = first; i < end && d_.touch_at[i] <= limit; ++i) {
          last = static_cast<int32_t>(i);
        }
        if (last == kNone) return name("");
        return o_.breakdown == Breakdown::kLatestTouchChannel
                   ? name(d_.channels.Name(d_.touch_channel[static_cast<size_t>(last)]))
                   : name(d_.sources.Name(d_.touch_source[static_cast<size_t>(last)]));
      }
      case Breakdown::kCohort:
        return MonthOf(r.at[0]);
    }
    return "";
  }

 private:
  Matcher Resolve(const StepSpec& s) const {
    switch (s.kind) {
      case StepSpec::Kind::kStage:
        return {s.kind, d_.stages.Find(s.value)};
      case StepSpec::Kind::kType:
        return {s.kind, d_.types.Find(s.value)};
      case StepSpec::Kind::kEvent:
        return {s.kind, d_.events.Find(s.value)};
    }
    return {s.kind, kNone};
  }

  // Bit masks of the steps (low 32 bits) and exclusions (high 32 bits) each
  // code matches, so a touch costs two lookups.
  void BuildMasks() {
    const auto fill = [&](std::vector<uint64_t>& mask, size_t size, StepSpec::Kind kind) {
      mask.assign(size, 0);
      for (size_t i = 0; i < steps_.size(); ++i) {
        if (steps_[i].kind == kind && steps_[i].code >= 0)
          mask[static_cast<size_t>(steps_[i].code)] |= 1ull << i;
      }
      for (size_t i = 0; i < exclusions_.size(); ++i) {
        if (exclusions_[i].kind == kind && exclusions_[i].code >= 0) {
          mask[static_cast<size_t>(exclusions_[i].code)] |= 1ull << (32 + i);
        }
      }
    };
    fill(stage_mask_, d_.stages.names.size(), StepSpec::Kind::kStage);
    fill(type_mask_, d_.types.names.size(), StepSpec::Kind::kType);
    fill(event_mask_, d_.events.names.size(), StepSpec::Kind::kEvent);
    // Per stage code, the earlier stage steps its entry stands for when
    // skipped ones count: those of the run of stage steps before each step
    // it matches.
    skipped_mask_.assign(d_.stages.names.size(), 0);
    if (!o_.count_skipped_stages || o_.order == FunnelOrder::kStrict) return;
    for (size_t i = 0; i < steps_.size(); ++i) {
      if (steps_[i].kind != StepSpec::Kind::kStage || steps_[i].code < 0) continue;
      for (size_t j = i; j-- > 0 && steps_[j].kind == StepSpec::Kind::kStage;) {
        skipped_mask_[static_cast<size_t>(steps_[i].code)] |= 1u << j;
      }
    }
  }

  // The contact's stream: its stage entries and/or touches, by time (stages
  // before touches at the same second). Outside strict funnels, events that
  // match no step and no exclusion cannot change the result and are left out.
  void Collect(int32_t c) {
    events_.clear();
    const bool all = o_.order == FunnelOrder::kStrict;
    const auto add = [&](Timestamp at, int32_t touch, uint64_t mask) {
      if (mask == 0 && !all) return;
      events_.push_back(
          Event{at, touch, static_cast<uint32_t>(mask), static_cast<uint32_t>(mask >> 32)});
    };
    const size_t cs = static_cast<size_t>(c);
    if (use_stages_) {
      for (int32_t i = d_.stage_begin[cs]; i < d_.stage_begin[cs + 1]; ++i) {
        const int32_t code = d_.stage_code[static_cast<size_t>(i)];
        const Timestamp at = d_.stage_at[static_cast<size_t>(i)];
        // The skipped stages it stands for come first, one event each, in
        // step order: one event is never two steps of a chain.
        for (uint32_t skipped = code >= 0 ? skipped_mask_[static_cast<size_t>(code)] : 0;
             skipped != 0; skipped &= skipped - 1) {
          add(at, kNone, skipped & (~skipped + 1));
        }
        add(at, kNone, code >= 0 ? stage_mask_[static_cast<size_t>(code)] : 0);
      }
    }
    if (use_touches_) {
      const size_t mid = events_.size();
      for (int32_t i = d_.touch_begin[cs]; i < d_.touch_begin[cs + 1]; ++i) {
        const size_t t = static_cast<size_t>(i);
        const int32_t type = d_.touch_type[t], event = d_.touch_event[t];
        add(d_.touch_at[t], i,
            (type >= 0 ? type_mask_[static_cast<size_t>(type)] : 0) |
                (event >= 0 ? event_mask_[static_cast<size_t>(event)] : 0));
      }
      if (mid > 0 && mid < events_.size()) {
        std::inplace_merge(events_.begin(), events_.begin() + static_cast<ptrdiff_t>(mid),
                           events_.end(),
                           [](const Event& a, const Event& b) { return a.at < b.at; });
      }
    }
  }

  bool InWindow(Timestamp start, Timestamp t) const {
    return o_.window_seconds == 0 || t - start <= o_.window_seconds;
  }

  // Ordered with a window, in one pass: for each step k, the chain reaching
  // it with the latest start (a later start leaves the most room in the
  // window for the steps after). Steps are updated from the last down so that
  // one event is never two steps of a chain.
  void EvaluateWindowed(ContactResult& best, int n) {
    std::array<ContactResult, kMaxSteps> chain;
    for (const Event& e : events_) {
      for (int k = n - 1; k >= 1; --k) {
        const ContactResult& prev = chain[static_cast<size_t>(k - 1)];
        if (!(e.steps & (1u << k)) || !prev.entered || !InWindow(prev.at[0], e.at)) continue;
        ContactResult& cur = chain[static_cast<size_t>(k)];
        if (cur.entered && cur.at[0] > prev.at[0]) continue;
        cur = prev;
        cur.at[static_cast<size_t>(k)] = e.at;
        cur.reached = k + 1;
      }
      if ((e.steps & 1u) && o_.entry.Contains(e.at)) {
        ContactResult& first = chain[0];
        first.entered = true;
        first.reached = 1;
        first.at[0] = e.at;
        first.start_touch = e.touch;
      }
    }
    for (int k = n - 1; k >= 0; --k) {
      if (chain[static_cast<size_t>(k)].entered) {
        best = chain[static_cast<size_t>(k)];
        return;
      }
    }
  }

  void EvaluateOrdered(ContactResult& best, int n) {
    const bool strict = o_.order == FunnelOrder::kStrict;
    if (!strict && o_.window_seconds > 0) {
      EvaluateWindowed(best, n);
      return;
    }
    for (size_t i = 0; i < events_.size(); ++i) {
      const Event& s = events_[i];
      if ((s.steps & 1u) == 0 || !o_.entry.Contains(s.at)) continue;
      ContactResult r;
      r.entered = true;
      r.at[0] = s.at;
      r.start_touch = s.touch;
      r.reached = 1;
      for (size_t j = i + 1; j < events_.size() && r.reached < n; ++j) {
        const Event& e = events_[j];
        if (!InWindow(s.at, e.at)) break;
        if (e.steps & (1u << r.reached)) {
          r.at[static_cast<size_t>(r.reached)] = e.at;
          ++r.reached;
        } else if (strict) {
          break;
        }
      }
      if (!best.entered || r.reached > best.reached) best = r;
      if (best.reached == n) break;
      // Without a window and order not strict, the earliest start reaches
      // furthest: later starts cannot do better.
      if (!strict && o_.window_seconds == 0) break;
    }
  }

  // Any order: reached k when k distinct steps were done within the window
  // from the first step event (which must fall in the entry period).
  void EvaluateAny(ContactResult& r, int n) {
    size_t i = 0;
    while (i < events_.size() && events_[i].steps == 0) ++i;
    if (i == events_.size() || !o_.entry.Contains(events_[i].at)) return;
    r.entered = true;
    r.start_touch = events_[i].touch;
    const Timestamp start = events_[i].at;
    uint32_t done = 0;
    for (size_t j = i; j < events_.size() && r.reached < n; ++j) {
      const Event& e = events_[j];
      if (!InWindow(start, e.at)) break;
      const uint32_t fresh = e.steps & ~done;
      if (fresh == 0) continue;
      done |= fresh & (~fresh + 1);  // one step per event: the lowest it newly matches
      r.at[static_cast<size_t>(r.reached)] = e.at;
      ++r.reached;
    }
  }

  bool Excluded(const ContactResult& r, int n) const {
    for (size_t x = 0; x < o_.exclusions.size(); ++x) {
      const Exclusion& ex = o_.exclusions[x];
      const int to = ex.to < 0 ? n - 1 : ex.to;
      if (ex.from >= r.reached) continue;
      const Timestamp lo = r.at[static_cast<size_t>(ex.from)];
      Timestamp hi = std::numeric_limits<Timestamp>::max();
      if (to < r.reached) {
        hi = r.at[static_cast<size_t>(to)];
      } else if (o_.window_seconds > 0) {
        hi = r.at[0] + o_.window_seconds;
      }
      for (const Event& e : events_) {
        if ((e.exclusion & (1u << x)) && e.at > lo && e.at < hi) return true;
      }
    }
    return false;
  }

  const Dataset& d_;
  const FunnelOptions& o_;
  std::vector<Matcher> steps_, exclusions_;
  bool use_stages_ = false, use_touches_ = false;
  std::vector<Event> events_;
  std::vector<uint64_t> stage_mask_, type_mask_, event_mask_;
  std::vector<uint32_t> skipped_mask_;
};

std::string StepLabel(const StepSpec& s) {
  switch (s.kind) {
    case StepSpec::Kind::kStage:
      return "stage:" + s.value;
    case StepSpec::Kind::kType:
      return "type:" + s.value;
    case StepSpec::Kind::kEvent:
      return "event:" + s.value;
  }
  return s.value;
}

struct Accumulator {
  std::vector<int64_t> counts;
  std::vector<std::vector<double>> days;  // per step, from the previous
  std::vector<double> total_days;
};

FunnelGroup Summarize(std::string key, const Accumulator& a, const FunnelOptions& o) {
  FunnelGroup g;
  g.key = std::move(key);
  const int64_t first = a.counts.empty() ? 0 : a.counts[0];
  for (size_t k = 0; k < o.steps.size(); ++k) {
    FunnelStep s;
    s.label = StepLabel(o.steps[k]);
    s.count = a.counts[k];
    const int64_t prev = k == 0 ? s.count : a.counts[k - 1];
    s.step_conversion =
        k == 0 ? (s.count > 0 ? 1.0 : 0.0) : (prev > 0 ? static_cast<double>(s.count) / prev : 0.0);
    s.overall = first > 0 ? static_cast<double>(s.count) / first : 0.0;
    s.dropped = k == 0 ? 0 : prev - s.count;
    s.median_days = Median(a.days[k]);
    s.p90_days = Percentile(a.days[k], 0.9);
    g.steps.push_back(std::move(s));
  }
  g.median_days_total = Median(a.total_days);
  return g;
}

}  // namespace

core::Result<FunnelReport> Funnel(const Dataset& d, const FunnelOptions& options) {
  FunnelEval eval(d, options);
  MOPS_TRY(eval.Check());
  const size_t n = options.steps.size();
  const auto fresh = [n] {
    Accumulator a;
    a.counts.assign(n, 0);
    a.days.assign(n, {});
    return a;
  };
  Accumulator total = fresh();
  std::unordered_map<std::string, Accumulator> groups;
  FunnelReport report;
  for (int32_t c = 0; c < static_cast<int32_t>(d.contact_count()); ++c) {
    const ContactResult r = eval.Evaluate(c);
    if (!r.entered) continue;
    if (r.excluded) {
      ++report.excluded;
      continue;
    }
    Accumulator* targets[2] = {&total, nullptr};
    if (options.breakdown != Breakdown::kNone) {
      auto [it, added] = groups.try_emplace(eval.Key(c, r));
      if (added) it->second = fresh();
      targets[1] = &it->second;
    }
    for (Accumulator* a : targets) {
      if (a == nullptr) continue;
      for (int k = 0; k < r.reached; ++k) {
        ++a->counts[static_cast<size_t>(k)];
        if (k > 0) {
          a->days[static_cast<size_t>(k)].push_back(
              static_cast<double>(r.at[static_cast<size_t>(k)] - r.at[static_cast<size_t>(k - 1)]) /
              core::kSecondsPerDay);
        }
      }
      if (r.reached == static_cast<int>(n) && n > 1) {
        a->total_days.push_back(static_cast<double>(r.at[n - 1] - r.at[0]) / core::kSecondsPerDay);
      }
    }
  }
  report.total = Summarize("", total, options);
  for (auto& [key, a] : groups) report.groups.push_back(Summarize(key, a, options));
  std::sort(report.groups.begin(), report.groups.end(),
            [](const FunnelGroup& a, const FunnelGroup& b) {
              return a.steps[0].count != b.steps[0].count ? a.steps[0].count > b.steps[0].count
                                                          : a.key < b.key;
            });
  return report;
}

core::Result<std::vector<Record>> FunnelDrill(const Dataset& d, const FunnelOptions& options,
                                              int step, std::string_view group, bool dropped) {
  FunnelEval eval(d, options);
  MOPS_TRY(eval.Check());
  const int n = static_cast<int>(options.steps.size());
  if (step < 0 || step >= n || (dropped && step == 0)) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "step must be 1-{}{}, got {}", n,
                      dropped ? " (and not 1 for drop-off)" : "", step + 1);
  }
  std::vector<Record> out;
  for (int32_t c = 0; c < static_cast<int32_t>(d.contact_count()); ++c) {
    const ContactResult r = eval.Evaluate(c);
    if (!r.entered || r.excluded) continue;
    const bool in = dropped ? (r.reached == step) : (r.reached > step);
    if (!in) continue;
    if (!group.empty() && eval.Key(c, r) != group) continue;
    Record rec;
    rec.kind = "contact";
    rec.id = d.contact_id[static_cast<size_t>(c)];
    rec.label = d.ContactLabel(static_cast<size_t>(c));
    rec.at = r.at[static_cast<size_t>(dropped ? step - 1 : step)];
    rec.value = 1;
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace mops::analytics
