// Comparison of pairs, the Fellegi-Sunter model, its unsupervised training
// and scoring.
#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "quality/linkage/engine.h"

namespace mops::quality::linkage {
namespace {

// splitmix64: a small, fast generator for the random pairs of EstimateU.
class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }

 private:
  uint64_t state_;
};

constexpr double kMinProbability = 5e-4;
// Evidence against a match that EM cannot be trusted to learn where
// colleagues fill the candidate pairs (they share the company's phone,
// address and e-mail domain, so EM takes them for one class with the true
// duplicates): two names that are neither equal, nor nicknames, initials or
// near spellings of each other, and two mailboxes at one company's domain,
// weigh at least this many bits against.
constexpr double kAgainstBits = 8;
constexpr double kTfFloor = 1e-6;
constexpr double kTfMaxShift = 8;
// Fewer values than this: no term-frequency adjustment for the field.
constexpr double kTfMinValues = 100;
// Fewer candidate pairs than this: EM's estimates are neither guarded nor
// the prior re-estimated from the scores.
constexpr size_t kMinGuardPairs = 100;

// The value a term frequency counts: a phone's line (its last nine digits,
// as the "same last 9 digits" level compares), any other value as it is.
std::string_view TfKey(Comparison c, std::string_view v) {
  if (c == Comparison::kPhone && v.size() > 9) return v.substr(v.size() - 9);
  return v;
}

// The levels a term frequency adjusts: exact agreement, and for a phone the
// same line written with a country code.
bool TfLevel(Comparison c, int level) {
  return level == 1 || (c == Comparison::kPhone && level == 2);
}

}  // namespace

void CompareOne(const Records& left, const Records& right, std::span<const FieldSpec> fields,
                uint32_t a, uint32_t b, uint8_t* out) {
  for (size_t f = 0; f < fields.size(); ++f) {
    out[f] = CompareValues(fields[f].comparison, left.fields[f][a], right.fields[f][b]);
  }
}

LevelMatrix CompareAll(const Records& left, const Records& right, std::span<const FieldSpec> fields,
                       std::span<const Pair> pairs, int threads) {
  LevelMatrix matrix;
  matrix.fields = fields.size();
  matrix.levels.resize(pairs.size() * fields.size());
  const size_t n = pairs.size();
  const size_t workers = std::max<size_t>(1, std::min<size_t>(threads, n / 10000 + 1));
  const auto run = [&](size_t begin, size_t end) {
    for (size_t p = begin; p < end; ++p) {
      CompareOne(left, right, fields, pairs[p].a, pairs[p].b,
                 matrix.levels.data() + p * fields.size());
    }
  };
  if (workers == 1) {
    run(0, n);
    return matrix;
  }
  std::vector<std::jthread> pool;
  for (size_t w = 0; w < workers; ++w) {
    pool.emplace_back(run, n * w / workers, n * (w + 1) / workers);
  }
  return matrix;
}

double Model::LevelWeight(size_t field, int level) const {
  if (level <= 0) return 0;
  const FieldModel& f = fields[field];
  return std::log2(f.m[level] / f.u[level]);
}

double Model::PriorWeight() const { return std::log2(prior / (1 - prior)); }

void EstimateU(const Records& left, const Records& right, bool dedup,
               std::span<const FieldSpec> fields, const TrainOptions& options, Model& model) {
  const size_t nl = left.size(), nr = right.size();
  const size_t nf = fields.size();
  std::vector<std::vector<int64_t>> counts(nf);
  for (size_t f = 0; f < nf; ++f) counts[f].assign(LevelCount(fields[f].comparison), 0);
  // The pairs are drawn on one generator and compared on `threads`
  // threads, so the estimate does not depend on the thread count.
  std::vector<Pair> sample;
  const double all = dedup ? static_cast<double>(nl) * static_cast<double>(nl - (nl > 0)) / 2
                           : static_cast<double>(nl) * static_cast<double>(nr);
  if (all <= static_cast<double>(options.u_sample)) {
    sample.reserve(static_cast<size_t>(all));
    for (uint32_t a = 0; a < nl; ++a) {
      for (uint32_t b = dedup ? a + 1 : 0; b < (dedup ? nl : nr); ++b) sample.push_back({a, b});
    }
  } else {
    SplitMix rng(options.seed);
    sample.reserve(static_cast<size_t>(options.u_sample));
    while (static_cast<int64_t>(sample.size()) < options.u_sample) {
      const auto a = static_cast<uint32_t>(rng.Below(nl));
      const auto b = static_cast<uint32_t>(rng.Below(dedup ? nl : nr));
      if (dedup && a == b) continue;
      sample.push_back({a, b});
    }
  }
  const LevelMatrix levels = CompareAll(left, right, fields, sample, options.threads);
  for (size_t p = 0; p < levels.pairs(); ++p) {
    const auto row = levels.Row(p);
    for (size_t f = 0; f < nf; ++f) ++counts[f][row[f]];
  }
  const auto sampled = static_cast<int64_t>(sample.size());
  model.u_pairs = sampled;
  model.fields.resize(nf);
  const double floor = 1.0 / (2.0 * std::max<double>(1, static_cast<double>(sampled)));
  for (size_t f = 0; f < nf; ++f) {
    FieldModel& fm = model.fields[f];
    fm.name = fields[f].name;
    fm.comparison = fields[f].comparison;
    fm.term_frequency = fields[f].term_frequency;
    const int levels = LevelCount(fields[f].comparison);
    int64_t present = 0;
    for (int l = 1; l < levels; ++l) present += counts[f][l];
    fm.u.assign(levels, 1.0);
    for (int l = 1; l < levels; ++l) {
      const double share =
          present == 0 ? 0 : static_cast<double>(counts[f][l]) / static_cast<double>(present);
      fm.u[l] = std::max(share, floor);
    }
    if (present == 0) {
      // No evidence about this field at all: every level as likely as under m.
      for (int l = 1; l < levels; ++l) fm.u[l] = 1.0 / (levels - 1);
    }
  }
}

namespace {

// Distinct level patterns (with the blocking keys their pairs satisfy) and
// how many pairs have each.
struct Patterns {
  std::vector<std::string> levels;  // one byte per field
  std::vector<uint32_t> keys;       // bit k: a pair of this pattern shares key k
  std::vector<double> count;
};

Patterns CountPatterns(const LevelMatrix& levels, std::span<const uint32_t> key_masks) {
  const size_t nf = levels.fields;
  std::unordered_map<std::string, double> counts;
  std::string key(nf + 4, '\0');
  for (size_t p = 0; p < levels.pairs(); ++p) {
    const auto row = levels.Row(p);
    std::copy(row.begin(), row.end(), key.begin());
    const uint32_t mask = key_masks.empty() ? 1u : key_masks[p];
    for (int b = 0; b < 4; ++b) key[nf + b] = static_cast<char>((mask >> (8 * b)) & 0xff);
    ++counts[key];
  }
  std::vector<std::string> sorted;
  sorted.reserve(counts.size());
  for (const auto& [k, c] : counts) sorted.push_back(k);
  std::sort(sorted.begin(), sorted.end());  // deterministic summation order
  Patterns out;
  for (const std::string& k : sorted) {
    uint32_t mask = 0;
    for (int b = 0; b < 4; ++b)
      mask |= static_cast<uint32_t>(static_cast<uint8_t>(k[nf + b])) << (8 * b);
    out.levels.push_back(k.substr(0, nf));
    out.keys.push_back(mask);
    out.count.push_back(counts[k]);
  }
  return out;
}

void InitialM(Model& model) {
  for (FieldModel& fm : model.fields) {
    const int n = static_cast<int>(fm.u.size());
    // Start from what a match looks like: mostly exact agreement, rarely a
    // plain disagreement.
    fm.m.assign(n, 1.0);
    const int middle = n - 3;  // levels between exact and different
    fm.m[1] = middle > 0 ? 0.85 : 0.97;
    for (int l = 2; l < n - 1; ++l) fm.m[l] = 0.12 / middle;
    fm.m[n - 1] = 0.03;
  }
}

struct EmRun {
  double prior = 0;
  int iterations = 0;
  bool converged = false;
};

// EM over the patterns selected by `key_bit` (all when 0), with u fixed.
// Fields with `skip[f]` set are left out of the likelihood and keep their m;
// with `prior_only`, only the prior moves.
EmRun RunEm(const Patterns& patterns, uint32_t key_bit, const std::vector<uint8_t>& skip,
            bool prior_only, double prior, const TrainOptions& options, Model& model) {
  const size_t nf = model.fields.size();
  EmRun run;
  double total = 0;
  for (size_t i = 0; i < patterns.count.size(); ++i) {
    if (key_bit == 0 || (patterns.keys[i] & key_bit)) total += patterns.count[i];
  }
  run.prior = prior;
  if (total == 0) return run;
  std::vector<std::vector<double>> numer(nf);
  std::vector<double> denom(nf);
  for (run.iterations = 0; run.iterations < options.max_iterations; ++run.iterations) {
    for (size_t f = 0; f < nf; ++f) numer[f].assign(model.fields[f].m.size(), 0);
    std::fill(denom.begin(), denom.end(), 0);
    double matches = 0;
    const double log_prior = std::log(run.prior), log_rest = std::log(1 - run.prior);
    for (size_t i = 0; i < patterns.count.size(); ++i) {
      if (key_bit != 0 && !(patterns.keys[i] & key_bit)) continue;
      const std::string& row = patterns.levels[i];
      double lm = log_prior, lu = log_rest;
      for (size_t f = 0; f < nf; ++f) {
        const auto l = static_cast<uint8_t>(row[f]);
        if (l == 0 || skip[f]) continue;
        lm += std::log(model.fields[f].m[l]);
        lu += std::log(model.fields[f].u[l]);
      }
      const double gw = patterns.count[i] / (1 + std::exp(lu - lm));
      matches += gw;
      for (size_t f = 0; f < nf; ++f) {
        const auto l = static_cast<uint8_t>(row[f]);
        if (l == 0 || skip[f]) continue;
        numer[f][l] += gw;
        denom[f] += gw;
      }
    }
    const double next = std::clamp(matches / total, 1e-6, 0.999);
    double change = std::fabs(next - run.prior);
    run.prior = next;
    for (size_t f = 0; f < nf && !prior_only; ++f) {
      FieldModel& fm = model.fields[f];
      if (skip[f] || denom[f] <= 0) continue;
      double sum = 0;
      for (size_t l = 1; l < fm.m.size(); ++l) {
        sum += std::max(numer[f][l] / denom[f], kMinProbability);
      }
      for (size_t l = 1; l < fm.m.size(); ++l) {
        const double m = std::max(numer[f][l] / denom[f], kMinProbability) / sum;
        change = std::max(change, std::fabs(m - fm.m[l]));
        fm.m[l] = m;
      }
    }
    if (change < options.tolerance) {
      run.converged = true;
      ++run.iterations;
      break;
    }
  }
  return run;
}

// The fields a blocking key says something about: its own, and those whose
// values are made of them. An e-mail's local part is made of the person's
// names and its domain names the company, so among pairs that share a name
// (or a company) e-mail agreement is no independent evidence, and the other
// way round.
std::vector<uint8_t> ConstrainedFields(const Model& model, const BlockingKey& key) {
  const size_t nf = model.fields.size();
  std::vector<uint8_t> skip(nf, 0);
  const auto skip_all = [&](std::initializer_list<Comparison> kinds) {
    for (size_t f = 0; f < nf; ++f) {
      for (Comparison c : kinds) {
        if (model.fields[f].comparison == c) skip[f] = 1;
      }
    }
  };
  for (const KeyPart& part : key.parts) {
    skip[part.field] = 1;
    switch (model.fields[part.field].comparison) {
      case Comparison::kEmail:
        if (part.transform == KeyTransform::kEmailDomain) {
          skip_all({Comparison::kCompany, Comparison::kDomain});
        } else if (part.transform == KeyTransform::kEmailLocal) {
          skip_all({Comparison::kName});
        }
        break;
      case Comparison::kName:
      case Comparison::kCompany:
      case Comparison::kDomain:
        skip_all({Comparison::kEmail});
        break;
      default:
        break;
    }
  }
  return skip;
}

// Sets level `level` of `fm` to m = u * 2^-bits when EM left it weaker,
// giving the mass taken away to the other levels in proportion.
void CapAgainst(FieldModel& fm, size_t level, double bits) {
  const double cap = fm.u[level] * std::exp2(-bits);
  if (level >= fm.m.size() || fm.m[level] <= cap) return;
  const double freed = fm.m[level] - cap;
  double rest = 0;
  for (size_t l = 1; l < fm.m.size(); ++l) {
    if (l != level) rest += fm.m[l];
  }
  fm.m[level] = cap;
  for (size_t l = 1; l < fm.m.size(); ++l) {
    if (l != level && rest > 0) fm.m[l] += freed * fm.m[l] / rest;
  }
}

// Guards against the estimates EM gives where its two classes are not
// duplicates and non-duplicates (colleagues sharing a switchboard and an
// office are the usual cause): an exact agreement that weighs against a
// match, or a disagreement that weighs for one, falls back on the starting
// point; the levels that mean "another person" weigh at least kAgainstBits
// against.
void GuardM(Model& model) {
  Model start = model;
  InitialM(start);
  // People at companies: the non-matches among candidates are colleagues,
  // and a different name is what tells them apart. (Without a company, as in
  // lists of residents, a name that differs is as often a swap or a heavy
  // typo, and EM's weight stands.)
  const bool at_companies =
      std::any_of(model.fields.begin(), model.fields.end(), [](const FieldModel& fm) {
        return fm.comparison == Comparison::kCompany || fm.comparison == Comparison::kDomain;
      });
  for (size_t f = 0; f < model.fields.size(); ++f) {
    FieldModel& fm = model.fields[f];
    const size_t last = fm.m.size() - 1;
    if (last < 2) continue;
    if (fm.m[1] < fm.u[1] || fm.m[last] > fm.u[last]) fm.m = start.fields[f].m;
    if (fm.comparison == Comparison::kName && at_companies) CapAgainst(fm, last, kAgainstBits);
    if (fm.comparison == Comparison::kEmail) CapAgainst(fm, 3, kAgainstBits);
  }
}

}  // namespace

void EstimateM(const LevelMatrix& levels, std::span<const uint32_t> key_masks,
               std::span<const BlockingKey> keys, const TrainOptions& options, Model& model) {
  const size_t nf = levels.fields;
  model.em_pairs = static_cast<int64_t>(levels.pairs());
  InitialM(model);
  if (levels.pairs() == 0) return;
  const Patterns patterns = CountPatterns(levels, key_masks);
  const std::vector<uint8_t> none(nf, 0);

  // First every field from all pairs at once...
  EmRun all = RunEm(patterns, 0, none, false, options.initial_prior, options, model);
  model.iterations = all.iterations;
  model.converged = all.converged;
  // ...then, per blocking key, the fields that key does not constrain, from
  // the pairs that key found (Splink's approach): among pairs forced to share
  // a name, agreement on that name says nothing, and counting it drives EM
  // to the class of same-name strangers. Each field's m is the mean over the
  // keys that could estimate it.
  if (!key_masks.empty() && keys.size() <= 32) {
    // Per field, the estimates of the keys that could make one.
    std::vector<std::vector<std::vector<double>>> estimates(nf);
    const Model start = model;
    for (size_t k = 0; k < keys.size(); ++k) {
      const uint32_t bit = 1u << k;
      double pairs = 0;
      for (size_t i = 0; i < patterns.count.size(); ++i) {
        if (patterns.keys[i] & bit) pairs += patterns.count[i];
      }
      if (pairs < 30) continue;  // too few to estimate anything
      const std::vector<uint8_t> skip = ConstrainedFields(model, keys[k]);
      Model trial = start;
      InitialM(trial);
      const EmRun run = RunEm(patterns, bit, skip, false, options.initial_prior, options, trial);
      model.iterations = std::max(model.iterations, run.iterations);
      model.converged = model.converged && run.converged;
      for (size_t f = 0; f < nf; ++f) {
        if (!skip[f]) estimates[f].push_back(trial.fields[f].m);
      }
    }
    // The median per level (then normalized): a key whose pairs mix two
    // kinds of non-match (coworkers sharing a surname) does not drag the
    // others along, as a mean would.
    for (size_t f = 0; f < nf; ++f) {
      if (estimates[f].empty()) continue;
      FieldModel& fm = model.fields[f];
      double total = 0;
      for (size_t l = 1; l < fm.m.size(); ++l) {
        std::vector<double> values;
        for (const auto& m : estimates[f]) values.push_back(m[l]);
        std::sort(values.begin(), values.end());
        const size_t n = values.size();
        fm.m[l] = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
        total += fm.m[l];
      }
      for (size_t l = 1; l < fm.m.size(); ++l) fm.m[l] /= total;
    }
  }
  // Guarded only where there is something to estimate from: with a handful
  // of pairs, EM's weights are whatever they are.
  if (levels.pairs() >= kMinGuardPairs) GuardM(model);
  // A level that no blocked pair and hardly any random pair reached (both at
  // their floors) says nothing either way: m = u there, rather than a floor
  // against a smaller floor that would weigh many bits.
  for (size_t f = 0; f < nf; ++f) {
    FieldModel& fm = model.fields[f];
    std::vector<uint8_t> seen(fm.m.size(), 0);
    for (const std::string& row : patterns.levels) seen[static_cast<uint8_t>(row[f])] = 1;
    for (size_t l = 1; l < fm.m.size(); ++l) {
      if (!seen[l]) fm.m[l] = std::min(fm.m[l], fm.u[l]);
    }
  }
  // The prior among all blocked pairs, with m and u settled.
  model.prior = RunEm(patterns, 0, none, true, all.prior, options, model).prior;
}

std::vector<uint32_t> KeyMasks(const Records& left, const Records& right,
                               std::span<const BlockingKey> keys, std::span<const Pair> pairs) {
  std::vector<uint32_t> masks(pairs.size(), 0);
  std::string ka, kb;
  for (size_t k = 0; k < keys.size() && k < 32; ++k) {
    for (size_t p = 0; p < pairs.size(); ++p) {
      ka.clear();
      kb.clear();
      if (BlockingKeyValue(left, keys[k], pairs[p].a, ka) &&
          BlockingKeyValue(right, keys[k], pairs[p].b, kb) && ka == kb) {
        masks[p] |= 1u << k;
      }
    }
  }
  return masks;
}

Model TrainModel(const Records& left, const Records& right, bool dedup,
                 std::span<const FieldSpec> fields, std::span<const BlockingKey> keys,
                 std::span<const Pair> pairs, const LevelMatrix& blocked_levels,
                 const TrainOptions& options) {
  Model model;
  EstimateU(left, right, dedup, fields, options, model);
  const std::vector<uint32_t> masks = KeyMasks(left, right, keys, pairs);
  EstimateM(blocked_levels, masks, keys, options, model);
  return model;
}

TermFrequencies ComputeTermFrequencies(const Records& left, const Records* right,
                                       std::span<const FieldSpec> fields) {
  TermFrequencies tf;
  tf.left.resize(fields.size());
  if (right) tf.right.resize(fields.size());
  for (size_t f = 0; f < fields.size(); ++f) {
    if (!fields[f].term_frequency) continue;
    std::unordered_map<std::string_view, uint32_t> counts;
    double present = 0;
    const auto add = [&](const Records& r) {
      for (size_t i = 0; i < r.size(); ++i) {
        const std::string_view v = TfKey(fields[f].comparison, r.fields[f][i]);
        if (v.empty()) continue;
        ++counts[v];
        ++present;
      }
    };
    const auto fill = [&](const Records& r, std::vector<float>& out) {
      out.assign(r.size(), 0);
      for (size_t i = 0; i < r.size(); ++i) {
        const std::string_view v = TfKey(fields[f].comparison, r.fields[f][i]);
        if (!v.empty()) out[i] = static_cast<float>(counts[v] / present);
      }
    };
    add(left);
    if (right) add(*right);
    // A share needs a sample: among a handful of values, the pair's own
    // value is always "common".
    if (present < kTfMinValues) continue;
    fill(left, tf.left[f]);
    if (right) fill(*right, tf.right[f]);
  }
  for (Comparison kind : {Comparison::kCompany, Comparison::kDomain}) {
    for (size_t f = 0; f < fields.size() && tf.workplace_field < 0; ++f) {
      if (fields[f].comparison == kind) tf.workplace_field = static_cast<int>(f);
    }
  }
  if (tf.workplace_field < 0) return tf;
  const size_t w = static_cast<size_t>(tf.workplace_field);
  tf.workplace_levels = LevelCount(fields[w].comparison);
  tf.workplace_left.resize(fields.size());
  if (right) tf.workplace_right.resize(fields.size());
  // Records per company, and per (company, value) of each adjusted field.
  std::unordered_map<std::string_view, uint32_t> company_size;
  const auto count_companies = [&](const Records& r) {
    for (size_t i = 0; i < r.size(); ++i) {
      if (!r.fields[w][i].empty()) ++company_size[r.fields[w][i]];
    }
  };
  count_companies(left);
  if (right) count_companies(*right);
  std::string key;
  for (size_t f = 0; f < fields.size(); ++f) {
    if (!fields[f].term_frequency || f == w || tf.left[f].empty()) continue;
    std::unordered_map<std::string, uint32_t> counts;
    const auto add = [&](const Records& r) {
      for (size_t i = 0; i < r.size(); ++i) {
        const std::string_view company = r.fields[w][i];
        const std::string_view v = TfKey(fields[f].comparison, r.fields[f][i]);
        if (company.empty() || v.empty()) continue;
        key.assign(company).push_back('\x1f');
        key.append(v);
        ++counts[key];
      }
    };
    const auto fill = [&](const Records& r, std::vector<float>& out) {
      out.assign(r.size(), 0);
      for (size_t i = 0; i < r.size(); ++i) {
        const std::string_view company = r.fields[w][i];
        const std::string_view v = TfKey(fields[f].comparison, r.fields[f][i]);
        if (company.empty() || v.empty()) continue;
        key.assign(company).push_back('\x1f');
        key.append(v);
        // Read for a pair of this company that agrees on the value: how
        // many of the company's other records (the pair aside) share it,
        // with the value's overall share as a prior.
        const double others = company_size[company] - 1.0;
        if (others < 1) continue;
        const double sharing = std::max(0.0, counts[key] - 2.0);
        const double prior = &r == &left ? tf.left[f][i] : tf.right[f][i];
        out[i] = static_cast<float>((sharing + prior) / others);
      }
    };
    add(left);
    if (right) add(*right);
    fill(left, tf.workplace_left[f]);
    if (right) fill(*right, tf.workplace_right[f]);
  }
  return tf;
}

float PairShare(const TermFrequencies& tf, std::span<const uint8_t> levels, size_t f, uint32_t a) {
  if (f >= tf.left.size() || tf.left[f].empty()) return 0;
  const float share = tf.left[f][a];
  // At the same company: the company names agree at some level, but are
  // not "different" (a typo'd or suffixed name is the same company).
  const uint8_t company = tf.workplace_field < 0 ? 0 : levels[tf.workplace_field];
  if (company == 0 || company + 1 >= tf.workplace_levels || f >= tf.workplace_left.size() ||
      tf.workplace_left[f].empty()) {
    return share;
  }
  return std::max(share, tf.workplace_left[f][a]);
}

void RefinePrior(const LevelMatrix& levels, std::span<const Pair> pairs, const TermFrequencies& tf,
                 const TrainOptions& options, Model& model) {
  const size_t n = levels.pairs();
  if (n < kMinGuardPairs) return;
  std::vector<double> base(n);
  for (size_t p = 0; p < n; ++p) {
    const auto row = levels.Row(p);
    double w = 0;
    for (size_t f = 0; f < row.size(); ++f) {
      w += FieldWeight(model, f, row[f], PairShare(tf, row, f, pairs[p].a));
    }
    base[p] = w;
  }
  double prior = model.prior;
  for (int i = 0; i < options.max_iterations; ++i) {
    const double logit = std::log2(prior / (1 - prior));
    double sum = 0;
    for (size_t p = 0; p < n; ++p) sum += Probability(base[p] + logit);
    const double next = std::clamp(sum / static_cast<double>(n), 1e-6, 0.999);
    const bool done = std::fabs(next - prior) < options.tolerance;
    prior = next;
    if (done) break;
  }
  model.prior = prior;
}

double FieldWeight(const Model& model, size_t field, int level, float share) {
  const double plain = model.LevelWeight(field, level);
  const FieldModel& f = model.fields[field];
  if (!TfLevel(f.comparison, level) || !f.term_frequency || share <= 0) return plain;
  const double adjusted = std::log2(f.m[1] / std::max<double>(share, kTfFloor));
  return std::clamp(adjusted, plain - kTfMaxShift, plain + kTfMaxShift);
}

double Probability(double weight) { return 1 / (1 + std::exp2(-weight)); }

double WeightOfProbability(double probability) {
  const double p = std::clamp(probability, 1e-12, 1 - 1e-12);
  return std::log2(p / (1 - p));
}

Scores ScorePairs(const Model& model, const LevelMatrix& levels, std::span<const Pair> pairs,
                  const TermFrequencies& tf) {
  const size_t nf = levels.fields;
  std::vector<std::vector<double>> table(nf);
  for (size_t f = 0; f < nf; ++f) {
    table[f].resize(model.fields[f].m.size());
    for (size_t l = 0; l < table[f].size(); ++l)
      table[f][l] = model.LevelWeight(f, static_cast<int>(l));
  }
  Scores scores;
  scores.weight.resize(levels.pairs());
  scores.probability.resize(levels.pairs());
  const double prior = model.PriorWeight();
  for (size_t p = 0; p < levels.pairs(); ++p) {
    const auto row = levels.Row(p);
    double w = prior;
    for (size_t f = 0; f < nf; ++f) {
      const uint8_t l = row[f];
      if (TfLevel(model.fields[f].comparison, l) && model.fields[f].term_frequency &&
          !tf.left[f].empty()) {
        w += FieldWeight(model, f, l, PairShare(tf, row, f, pairs[p].a));
      } else {
        w += table[f][l];
      }
    }
    scores.weight[p] = w;
    scores.probability[p] = Probability(w);
  }
  return scores;
}

std::vector<FieldContribution> Explain(const Model& model, std::span<const uint8_t> levels,
                                       std::span<const float> share_a,
                                       std::span<const std::string_view> values_a,
                                       std::span<const std::string_view> values_b) {
  std::vector<FieldContribution> out;
  out.reserve(levels.size());
  for (size_t f = 0; f < levels.size(); ++f) {
    const FieldModel& fm = model.fields[f];
    FieldContribution c;
    c.field = fm.name;
    c.comparison = std::string(ComparisonName(fm.comparison));
    c.level = std::string(LevelLabel(fm.comparison, levels[f]));
    c.weight = FieldWeight(model, f, levels[f], f < share_a.size() ? share_a[f] : 0.0f);
    c.value_a = std::string(values_a[f]);
    c.value_b = std::string(values_b[f]);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace mops::quality::linkage
