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

constexpr double kMinProbability = 1e-9;
constexpr double kTfFloor = 1e-6;
constexpr double kTfMaxShift = 8;

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
  std::vector<uint8_t> row(nf);
  int64_t sampled = 0;
  const auto count = [&](uint32_t a, uint32_t b) {
    CompareOne(left, right, fields, a, b, row.data());
    for (size_t f = 0; f < nf; ++f) ++counts[f][row[f]];
    ++sampled;
  };
  const double all = dedup ? static_cast<double>(nl) * static_cast<double>(nl - (nl > 0)) / 2
                           : static_cast<double>(nl) * static_cast<double>(nr);
  if (all <= static_cast<double>(options.u_sample)) {
    for (uint32_t a = 0; a < nl; ++a) {
      for (uint32_t b = dedup ? a + 1 : 0; b < (dedup ? nl : nr); ++b) count(a, b);
    }
  } else {
    SplitMix rng(options.seed);
    while (sampled < options.u_sample) {
      const auto a = static_cast<uint32_t>(rng.Below(nl));
      const auto b = static_cast<uint32_t>(rng.Below(dedup ? nl : nr));
      if (dedup && a == b) continue;
      count(a, b);
    }
  }
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

void EstimateM(const LevelMatrix& levels, const TrainOptions& options, Model& model) {
  const size_t nf = levels.fields;
  // Distinct patterns and their counts.
  std::unordered_map<std::string, int64_t> counts;
  std::string key(nf, '\0');
  for (size_t p = 0; p < levels.pairs(); ++p) {
    const auto row = levels.Row(p);
    key.assign(reinterpret_cast<const char*>(row.data()), nf);
    ++counts[key];
  }
  std::vector<std::string> patterns;
  std::vector<double> weights;
  patterns.reserve(counts.size());
  for (auto& [k, c] : counts) {
    patterns.push_back(k);
    weights.push_back(static_cast<double>(c));
  }
  std::sort(patterns.begin(), patterns.end());  // deterministic summation order
  for (size_t i = 0; i < patterns.size(); ++i)
    weights[i] = static_cast<double>(counts[patterns[i]]);
  const double total = static_cast<double>(levels.pairs());
  model.em_pairs = static_cast<int64_t>(levels.pairs());

  for (FieldModel& fm : model.fields) {
    const int n = static_cast<int>(fm.u.size());
    fm.m.assign(n, 1.0);
    double sum = 0;
    for (int l = 1; l < n; ++l) sum += std::ldexp(1.0, n - 1 - l);
    for (int l = 1; l < n; ++l) fm.m[l] = std::ldexp(1.0, n - 1 - l) / sum;
  }
  if (total == 0) return;
  model.prior = std::clamp(model.prior, 1e-4, 0.5);

  std::vector<std::vector<double>> numer(nf);
  for (model.iterations = 0; model.iterations < options.max_iterations; ++model.iterations) {
    for (size_t f = 0; f < nf; ++f) numer[f].assign(model.fields[f].m.size(), 0);
    std::vector<double> denom(nf, 0);
    double matches = 0;
    const double log_prior = std::log(model.prior), log_rest = std::log(1 - model.prior);
    for (size_t i = 0; i < patterns.size(); ++i) {
      double lm = log_prior, lu = log_rest;
      for (size_t f = 0; f < nf; ++f) {
        const auto l = static_cast<uint8_t>(patterns[i][f]);
        if (l == 0) continue;
        lm += std::log(model.fields[f].m[l]);
        lu += std::log(model.fields[f].u[l]);
      }
      const double g = 1 / (1 + std::exp(lu - lm));
      const double gw = g * weights[i];
      matches += gw;
      for (size_t f = 0; f < nf; ++f) {
        const auto l = static_cast<uint8_t>(patterns[i][f]);
        if (l == 0) continue;
        numer[f][l] += gw;
        denom[f] += gw;
      }
    }
    double change = 0;
    const double prior = std::clamp(matches / total, 1e-6, 0.999);
    change = std::max(change, std::fabs(prior - model.prior));
    model.prior = prior;
    for (size_t f = 0; f < nf; ++f) {
      FieldModel& fm = model.fields[f];
      if (denom[f] <= 0) continue;
      double sum = 0;
      for (size_t l = 1; l < fm.m.size(); ++l)
        sum += std::max(numer[f][l] / denom[f], kMinProbability);
      for (size_t l = 1; l < fm.m.size(); ++l) {
        const double m = std::max(numer[f][l] / denom[f], kMinProbability) / sum;
        change = std::max(change, std::fabs(m - fm.m[l]));
        fm.m[l] = m;
      }
    }
    if (change < options.tolerance) {
      model.converged = true;
      ++model.iterations;
      break;
    }
  }
}

Model TrainModel(const Records& left, const Records& right, bool dedup,
                 std::span<const FieldSpec> fields, const LevelMatrix& blocked_levels,
                 const TrainOptions& options) {
  Model model;
  EstimateU(left, right, dedup, fields, options, model);
  EstimateM(blocked_levels, options, model);
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
        const std::string_view v = r.fields[f][i];
        if (v.empty()) continue;
        ++counts[v];
        ++present;
      }
    };
    const auto fill = [&](const Records& r, std::vector<float>& out) {
      out.assign(r.size(), 0);
      for (size_t i = 0; i < r.size(); ++i) {
        const std::string_view v = r.fields[f][i];
        if (!v.empty()) out[i] = static_cast<float>(counts[v] / present);
      }
    };
    add(left);
    if (right) add(*right);
    fill(left, tf.left[f]);
    if (right) fill(*right, tf.right[f]);
  }
  return tf;
}

double FieldWeight(const Model& model, size_t field, int level, float share) {
  const double plain = model.LevelWeight(field, level);
  const FieldModel& f = model.fields[field];
  if (level != 1 || !f.term_frequency || share <= 0) return plain;
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
      if (l == 1 && model.fields[f].term_frequency && !tf.left[f].empty()) {
        w += FieldWeight(model, f, 1, tf.left[f][pairs[p].a]);
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
