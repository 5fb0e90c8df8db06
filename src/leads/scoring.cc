// The scoring engine: fit rules over attributes, engagement rules over
// touchpoints with once/repeatable, caps per rule and per period, decay per
// group, group caps, grades.
//
// Order of work for one engagement rule: its matching touches in time order;
// each earns `points` unless the rule fired already (once), or less when the
// rule's cap or the period's cap (both on points before decay) is nearly
// used; what it earned then decays with its age at as_of. A group's total is
// cut to its cap by one explicit "(group cap)" line, so the lines of an
// explanation always add up to the score.
#include <algorithm>
#include <cmath>
#include <regex>
#include <thread>

#include "core/strings.h"
#include "core/time.h"
#include "leads/leads.h"

namespace mops::leads {
namespace {

bool ContainsNoCase(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    bool ok = true;
    for (size_t j = 0; j < needle.size() && ok; ++j) {
      ok = core::AsciiToLower(hay[i + j]) == core::AsciiToLower(needle[j]);
    }
    if (ok) return true;
  }
  return false;
}

// Glob over the whole text, without case: * any run, ? one character.
bool Glob(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() &&
        (pattern[p] == '?' || core::AsciiToLower(pattern[p]) == core::AsciiToLower(text[t]))) {
      ++p, ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool TextMatches(const FitRule& rule, std::string_view value, const std::regex* re) {
  switch (rule.op) {
    case FitOp::kEquals:
    case FitOp::kIn:
      for (const std::string& v : rule.values) {
        if (core::IEquals(core::Trim(value), core::Trim(v))) return true;
      }
      return false;
    case FitOp::kContains:
      for (const std::string& v : rule.values) {
        if (ContainsNoCase(value, v)) return true;
      }
      return false;
    case FitOp::kRegex:
      return re != nullptr && std::regex_search(value.begin(), value.end(), *re);
    case FitOp::kExists:
      return rule.exists == !core::Trim(value).empty();
    case FitOp::kRange:
      return false;
  }
  return false;
}

bool NumberMatches(const FitRule& rule, double x) {
  const bool has = !std::isnan(x);
  switch (rule.op) {
    case FitOp::kExists:
      return rule.exists == has;
    case FitOp::kRange:
      return has && (!rule.min || x >= *rule.min) && (!rule.max || x <= *rule.max);
    case FitOp::kEquals:
    case FitOp::kIn:
      if (!has) return false;
      for (const std::string& v : rule.values) {
        if (std::strtod(v.c_str(), nullptr) == x) return true;
      }
      return false;
    default:
      return false;
  }
}

bool TouchValueMatches(TouchKey key, const std::vector<std::string>& patterns,
                       std::string_view value) {
  for (const std::string& p : patterns) {
    if (key == TouchKey::kUrl ? Glob(p, value) : core::IEquals(p, value)) return true;
  }
  return false;
}

std::string PointsText(int64_t centi) {
  return centi % 100 == 0 ? std::to_string(centi / 100) : fmt::format("{:.2f}", centi / 100.0);
}

}  // namespace

ScoringInput ScoringInput::Empty() {
  ScoringInput in;
  in.texts.resize(FitFields().size());
  in.numbers.resize(FitFields().size());
  in.touch_keys.resize(kTouchKeyCount);
  in.touch_begin.push_back(0);
  return in;
}

double DecayFactor(const Decay& decay, double age_seconds) {
  const double age = std::max(0.0, age_seconds);
  switch (decay.kind) {
    case DecayKind::kNone:
      return 1;
    case DecayKind::kHalfLife:
      return std::exp2(-age / (decay.days * core::kSecondsPerDay));
    case DecayKind::kWindow:
      return age < decay.days * core::kSecondsPerDay ? 1 : 0;
  }
  return 1;
}

std::string GradeOf(const ScoringConfig& config, int64_t fit, int64_t engagement) {
  std::string g = "D4";
  for (size_t i = 0; i < config.fit_grades.size(); ++i) {
    if (fit >= config.fit_grades[i]) {
      g[0] = static_cast<char>('A' + i);
      break;
    }
  }
  for (size_t i = 0; i < config.engagement_grades.size(); ++i) {
    if (engagement >= config.engagement_grades[i]) {
      g[1] = static_cast<char>('1' + i);
      break;
    }
  }
  return g;
}

Scorer::Scorer(const ScoringConfig& config, const ScoringInput& input)
    : config_(config), input_(input) {
  const auto fields = FitFields();
  int bit = 0;
  for (const Group& g : config.groups) {
    CompiledGroup cg{&g, {}, {}};
    for (const FitRule& r : g.fit_rules) {
      CompiledFit cf{&r, 0, IsNumericField(r.field), {}};
      for (size_t f = 0; f < fields.size(); ++f) {
        if (fields[f] == r.field) cf.field = static_cast<int>(f);
      }
      if (!cf.numeric) {
        std::optional<std::regex> re;
        if (r.op == FitOp::kRegex)
          re.emplace(r.values[0], std::regex::ECMAScript | std::regex::icase);
        const auto& dict = input.texts[cf.field].dict;
        cf.match_code.resize(dict.size());
        for (size_t c = 0; c < dict.size(); ++c) {
          cf.match_code[c] = TextMatches(r, dict[c], re ? &*re : nullptr) ? 1 : 0;
        }
      }
      cg.fit.push_back(std::move(cf));
    }
    for (const EngagementRule& r : g.engagement_rules) cg.engagement.push_back({&r, bit++});
    groups_.push_back(std::move(cg));
  }
  words_ = std::max<size_t>(1, (static_cast<size_t>(bit) + 63) / 64);
  key_sets_.resize(kTouchKeyCount);
  for (int k = 0; k < kTouchKeyCount; ++k) {
    const auto& dict = input.touch_keys[k].dict;
    std::vector<uint64_t>& sets = key_sets_[k];
    for (const CompiledGroup& cg : groups_) {
      for (const CompiledEngagement& ce : cg.engagement) {
        const auto& patterns = ce.rule->match[k];
        if (patterns.empty()) continue;  // any value
        if (sets.empty()) {
          tested_keys_.push_back(k);
          sets.assign((dict.size() + 1) * words_, ~uint64_t{0});
        }
        const uint64_t clear = ~(uint64_t{1} << (ce.bit % 64));
        const size_t word = static_cast<size_t>(ce.bit) / 64;
        sets[word] &= clear;  // no value: no match
        for (size_t c = 0; c < dict.size(); ++c) {
          if (!TouchValueMatches(static_cast<TouchKey>(k), patterns, dict[c])) {
            sets[(c + 1) * words_ + word] &= clear;
          }
        }
      }
    }
  }
}

void Scorer::RuleSets(int64_t t, uint64_t* out) const {
  for (size_t w = 0; w < words_; ++w) out[w] = ~uint64_t{0};
  for (int k : tested_keys_) {
    const std::vector<uint64_t>& table = key_sets_[k];
    const std::vector<int32_t>& codes = input_.touch_keys[k].codes;
    const size_t row = codes.empty() ? 0 : static_cast<size_t>(codes[t] + 1);
    for (size_t w = 0; w < words_; ++w) out[w] &= table[row * words_ + w];
  }
}

Score Scorer::ScoreOne(size_t i, Timestamp as_of, std::vector<ScoreLine>* lines) const {
  Score score;
  const auto fields = FitFields();
  const int64_t begin = input_.touch_begin[i];
  int64_t end = input_.touch_begin[i + 1];
  // Touches are in time order: those after as_of do not count.
  while (end > begin && input_.occurred_at[end - 1] > as_of) --end;
  const size_t count = static_cast<size_t>(end - begin);
  struct Bucket {
    int64_t period;
    int64_t used;
  };
  // Scratch space per thread: no allocation per contact once warm.
  thread_local std::vector<Bucket> buckets;
  thread_local std::vector<uint64_t> sets;
  if (!input_.touch_sets.empty()) {
    const auto from = input_.touch_sets.begin() + begin * static_cast<int64_t>(words_);
    sets.assign(from, from + static_cast<int64_t>(count * words_));
  } else {
    sets.assign(count * words_, ~uint64_t{0});
    for (int k : tested_keys_) {
      const std::vector<uint64_t>& table = key_sets_[k];
      const std::vector<int32_t>& codes = input_.touch_keys[k].codes;
      for (size_t j = 0; j < count; ++j) {
        const size_t row = codes.empty() ? 0 : static_cast<size_t>(codes[begin + j] + 1);
        for (size_t w = 0; w < words_; ++w) sets[j * words_ + w] &= table[row * words_ + w];
      }
    }
  }
  for (const CompiledGroup& cg : groups_) {
    const Group& g = *cg.group;
    int64_t sum = 0;
    for (const CompiledFit& cf : cg.fit) {
      bool hit;
      std::string value;
      if (cf.numeric) {
        const double x =
            input_.numbers[cf.field].empty() ? std::nan("") : input_.numbers[cf.field][i];
        hit = NumberMatches(*cf.rule, x);
        if (lines && !std::isnan(x)) value = fmt::format("{}", x);
      } else {
        const auto& column = input_.texts[cf.field];
        const int32_t code = column.codes.empty() ? -1 : column.codes[i];
        hit = code >= 0 ? cf.match_code[code] != 0
                        : (cf.rule->op == FitOp::kExists && !cf.rule->exists);
        if (lines && code >= 0) value = column.dict[code];
      }
      if (!hit) continue;
      sum += cf.rule->points;
      if (lines) {
        ScoreLine l;
        l.group = g.name;
        l.rule = cf.rule->name;
        l.detail = fmt::format("{} = '{}'", fields[cf.field], value);
        l.raw = l.points = cf.rule->points;
        lines->push_back(std::move(l));
      }
    }
    for (const CompiledEngagement& ce : cg.engagement) {
      const EngagementRule& r = *ce.rule;
      const int64_t size = std::abs(r.points);
      const int64_t sign = r.points < 0 ? -1 : 1;
      const size_t word = static_cast<size_t>(ce.bit) / 64;
      const int shift = ce.bit % 64;
      int64_t rule_used = 0;
      bool fired = false;
      buckets.clear();
      for (size_t j = 0; j < count; ++j) {
        if (((sets[j * words_ + word] >> shift) & 1) == 0) continue;
        const int64_t t = begin + static_cast<int64_t>(j);
        int64_t earn = size;
        if (!r.repeatable) {
          if (fired) break;
          fired = true;
        }
        if (r.cap) earn = std::min(earn, *r.cap - rule_used);
        Bucket* bucket = nullptr;
        if (r.period_days > 0) {
          // Periods of N days counted from Monday 1969-12-29.
          const int64_t period = core::FloorDiv(
              core::FloorDiv(input_.occurred_at[t], core::kSecondsPerDay) + 3, r.period_days);
          // Touches come in time order: the period is the last one or a new one.
          if (!buckets.empty() && buckets.back().period == period) {
            bucket = &buckets.back();
          } else {
            buckets.push_back({period, 0});
            bucket = &buckets.back();
          }
          earn = std::min(earn, r.period_cap - bucket->used);
        }
        if (earn <= 0) {
          if (r.cap && rule_used >= *r.cap) break;
          continue;
        }
        rule_used += earn;
        if (bucket) bucket->used += earn;
        const int64_t raw = sign * earn;
        const double age = static_cast<double>(as_of - input_.occurred_at[t]);
        const int64_t now = std::llround(static_cast<double>(raw) * DecayFactor(g.decay, age));
        sum += now;
        if (lines) {
          ScoreLine l;
          l.group = g.name;
          l.rule = r.name;
          std::vector<std::string> parts;
          for (int k = 0; k < kTouchKeyCount; ++k) {
            const TextColumn& key = input_.touch_keys[k];
            const int32_t code = key.codes.empty() ? -1 : key.codes[t];
            if (code >= 0 && !key.dict[code].empty()) {
              parts.push_back(
                  fmt::format("{}={}", TouchKeyName(static_cast<TouchKey>(k)), key.dict[code]));
            }
          }
          l.detail = core::Join(parts, " ");
          if (earn < size) l.detail += fmt::format(" (capped from {})", PointsText(r.points));
          l.raw = raw;
          l.points = now;
          l.touch_id = input_.touch_ids[t];
          l.occurred_at = input_.occurred_at[t];
          const double d = g.decay.days * core::kSecondsPerDay;
          if (g.decay.kind == DecayKind::kHalfLife) {
            l.halves_at = as_of + static_cast<Timestamp>(d);
            if (earn > 50) {
              l.expires_at = l.occurred_at +
                             static_cast<Timestamp>(d * std::log2(static_cast<double>(earn) / 50));
            } else {
              l.expires_at = l.occurred_at;
            }
          } else if (g.decay.kind == DecayKind::kWindow) {
            l.expires_at = l.occurred_at + static_cast<Timestamp>(d);
          }
          lines->push_back(std::move(l));
        }
      }
    }
    if (g.cap && sum > *g.cap) {
      if (lines) {
        ScoreLine l;
        l.group = g.name;
        l.rule = "(group cap)";
        l.detail =
            fmt::format("group total {} cut to its cap {}", PointsText(sum), PointsText(*g.cap));
        l.raw = l.points = *g.cap - sum;
        lines->push_back(std::move(l));
      }
      sum = *g.cap;
    }
    (g.kind == GroupKind::kFit ? score.fit : score.engagement) += sum;
  }
  score.grade = GradeOf(config_, score.fit, score.engagement);
  return score;
}

std::vector<Score> ScoreAll(const ScoringConfig& config, const ScoringInput& input, Timestamp as_of,
                            int threads) {
  std::vector<Score> out(input.size());
  const Scorer scorer(config, input);
  int n =
      threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (input.size() < 20000) n = 1;
  const size_t chunk = (input.size() + n - 1) / std::max(1, n);
  std::vector<std::thread> pool;
  for (int w = 0; w < n; ++w) {
    const size_t lo = w * chunk, hi = std::min(input.size(), lo + chunk);
    if (lo >= hi) break;
    auto work = [&, lo, hi] {
      for (size_t i = lo; i < hi; ++i) out[i] = scorer.ScoreOne(i, as_of);
    };
    if (n == 1) {
      work();
    } else {
      pool.emplace_back(work);
    }
  }
  for (std::thread& t : pool) t.join();
  return out;
}

// ---------------------------------------------------------------- backtest

double Auc(std::span<const int64_t> scores, std::span<const uint8_t> positive) {
  const size_t n = scores.size();
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double rank_sum = 0;
  int64_t pos = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    const double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (size_t k = i; k < j; ++k) {
      if (positive[order[k]]) {
        rank_sum += avg_rank;
        ++pos;
      }
    }
    i = j;
  }
  const int64_t neg = static_cast<int64_t>(n) - pos;
  if (pos == 0 || neg == 0) return 0.5;
  return (rank_sum - static_cast<double>(pos) * static_cast<double>(pos + 1) / 2) /
         (static_cast<double>(pos) * static_cast<double>(neg));
}

BacktestResult Backtest(const ScoringConfig& config, std::span<const Score> scores,
                        std::span<const uint8_t> converted, std::span<const uint8_t> won) {
  BacktestResult r;
  const size_t n = scores.size();
  r.contacts = static_cast<int64_t>(n);
  // One sort serves the deciles and the AUC: (-total, input position), so
  // highest first and ties in input order.
  std::vector<std::pair<int64_t, size_t>> order(n);
  for (size_t i = 0; i < n; ++i) {
    order[i] = {-scores[i].total(), i};
    r.converted += converted[i];
    r.won += won[i];
    if (scores[i].fit >= config.mql_fit && scores[i].engagement >= config.mql_engagement) {
      ++r.mqls;
      r.mqls_converted += converted[i];
    }
  }
  std::sort(order.begin(), order.end());
  r.rate = n > 0 ? static_cast<double>(r.converted) / static_cast<double>(n) : 0;
  r.mql_rate = r.mqls > 0 ? static_cast<double>(r.mqls_converted) / static_cast<double>(r.mqls) : 0;
  // AUC: in ascending order, the run of equal totals at descending positions
  // [i, j) has ranks n - j + 1 .. n - i; ties take their average rank.
  {
    double rank_sum = 0;
    int64_t pos = 0;
    for (size_t i = 0; i < n;) {
      size_t j = i;
      while (j < n && order[j].first == order[i].first) ++j;
      const double avg_rank = (static_cast<double>(n - j + 1) + static_cast<double>(n - i)) / 2;
      for (size_t k = i; k < j; ++k) {
        if (converted[order[k].second]) {
          rank_sum += avg_rank;
          ++pos;
        }
      }
      i = j;
    }
    const int64_t neg = static_cast<int64_t>(n) - pos;
    if (pos > 0 && neg > 0) {
      r.auc = (rank_sum - static_cast<double>(pos) * static_cast<double>(pos + 1) / 2) /
              (static_cast<double>(pos) * static_cast<double>(neg));
    }
  }
  auto finish = [&](BacktestBucket& b) {
    b.rate = b.count > 0 ? static_cast<double>(b.converted) / static_cast<double>(b.count) : 0;
    b.lift = r.rate > 0 ? b.rate / r.rate : 0;
  };
  size_t at = 0;
  for (size_t d = 0; d < 10 && n > 0; ++d) {
    const size_t size = n / 10 + (d < n % 10 ? 1 : 0);
    BacktestBucket b;
    b.label = std::to_string(d + 1);
    for (size_t k = 0; k < size; ++k, ++at) {
      const size_t i = order[at].second;
      const double points = static_cast<double>(-order[at].first) / 100;
      if (b.count == 0) b.max_score = points;
      b.min_score = points;
      ++b.count;
      b.converted += converted[i];
      b.won += won[i];
    }
    finish(b);
    r.deciles.push_back(std::move(b));
  }
  // Grades A1..D4 in a table, anything else in a map.
  std::vector<BacktestBucket> table(16);
  std::map<std::string, BacktestBucket> other;
  for (size_t i = 0; i < n; ++i) {
    const std::string& g = scores[i].grade;
    const bool usual = g.size() == 2 && g[0] >= 'A' && g[0] <= 'D' && g[1] >= '1' && g[1] <= '4';
    BacktestBucket& b = usual ? table[(g[0] - 'A') * 4 + (g[1] - '1')] : other[g];
    const double points = static_cast<double>(scores[i].total()) / 100;
    if (b.count == 0 || points > b.max_score) b.max_score = points;
    if (b.count == 0 || points < b.min_score) b.min_score = points;
    ++b.count;
    b.converted += converted[i];
    b.won += won[i];
  }
  for (int k = 0; k < 16; ++k) {
    if (table[k].count == 0) continue;
    other[std::string{static_cast<char>('A' + k / 4), static_cast<char>('1' + k % 4)}] = table[k];
  }
  for (auto& [grade, b] : other) {
    b.label = grade;
    finish(b);
    r.grades.push_back(b);
  }
  return r;
}

}  // namespace mops::leads
