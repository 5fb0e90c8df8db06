// The end-to-end pipelines over in-memory records, and pairwise accuracy.
#include <algorithm>
#include <chrono>
#include <map>
#include <unordered_map>

#include "quality/linkage/engine.h"

namespace mops::quality::linkage {
namespace {

class Stopwatch {
 public:
  double Lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

int64_t Choose2(int64_t n) { return n * (n - 1) / 2; }

void Stage(const PipelineOptions& options, std::string_view stage, size_t items) {
  if (options.on_stage) options.on_stage(stage, static_cast<int64_t>(items));
}

// The stages after blocking, the same for deduplication (one list against
// itself) and linkage (two lists): compare, train without labels, score.
template <typename Outcome>
void CompareTrainScore(const Records& left, const Records& right, bool dedup,
                       std::span<const FieldSpec> fields, const PipelineOptions& options,
                       Outcome& out, Stopwatch& clock) {
  Stage(options, "compare", out.pairs.size());
  out.levels = CompareAll(left, right, fields, out.pairs, options.threads);
  out.times.compare = clock.Lap();
  Stage(options, "train", out.pairs.size());
  TrainOptions train = options.train;
  train.threads = options.threads;
  out.model =
      TrainModel(left, right, dedup, fields, options.blocking, out.pairs, out.levels, train);
  out.times.train = clock.Lap();
  Stage(options, "score", out.pairs.size());
  out.tf = ComputeTermFrequencies(left, dedup ? nullptr : &right, fields);
  RefinePrior(out.levels, out.pairs, out.tf, train, out.model);
  out.scores = ScorePairs(out.model, out.levels, out.pairs, out.tf);
  out.times.score = clock.Lap();
}

template <typename Outcome>
std::vector<ScoredPair> Scored(const Outcome& out) {
  std::vector<ScoredPair> scored(out.pairs.size());
  for (size_t p = 0; p < out.pairs.size(); ++p) {
    scored[p] = {out.pairs[p].a, out.pairs[p].b, out.scores.weight[p]};
  }
  return scored;
}

}  // namespace

DedupOutcome Deduplicate(const Records& records, std::span<const FieldSpec> fields,
                         const PipelineOptions& options) {
  DedupOutcome out;
  Stopwatch clock;
  Stage(options, "block", records.size());
  out.pairs = BlockPairs(records, options.blocking, options.block, &out.blocking);
  out.times.block = clock.Lap();
  CompareTrainScore(records, records, /*dedup=*/true, fields, options, out, clock);
  Stage(options, "cluster", out.pairs.size());

  const std::vector<ScoredPair> scored = Scored(out);
  // Pairs that clustering asks about are mostly candidate pairs: look those
  // up, compute the rest.
  std::vector<uint8_t> row(fields.size());
  const auto weight_of = [&](uint32_t x, uint32_t y) {
    const Pair key{std::min(x, y), std::max(x, y)};
    const auto it = std::lower_bound(
        out.pairs.begin(), out.pairs.end(), key,
        [](const Pair& p, const Pair& k) { return p.a != k.a ? p.a < k.a : p.b < k.b; });
    if (it != out.pairs.end() && *it == key) return out.scores.weight[it - out.pairs.begin()];
    CompareOne(records, records, fields, key.a, key.b, row.data());
    double w = out.model.PriorWeight();
    for (size_t f = 0; f < fields.size(); ++f) {
      w += FieldWeight(out.model, f, row[f], PairShare(out.tf, row, f, key.a));
    }
    return w;
  };
  ClusterOptions cluster;
  cluster.threshold_weight = WeightOfProbability(options.threshold);
  cluster.floor_weight = WeightOfProbability(options.cluster_floor);
  cluster.max_cluster_size = options.max_cluster_size;
  out.clustering = ClusterPairs(records.size(), scored, cluster, weight_of);
  out.times.cluster = clock.Lap();
  return out;
}

LinkOutcome Link(const Records& left, const Records& right, std::span<const FieldSpec> fields,
                 const PipelineOptions& options) {
  LinkOutcome out;
  Stopwatch clock;
  Stage(options, "block", left.size() + right.size());
  out.pairs = BlockPairs(left, right, options.blocking, options.block, &out.blocking);
  out.times.block = clock.Lap();
  CompareTrainScore(left, right, /*dedup=*/false, fields, options, out, clock);
  Stage(options, "link", out.pairs.size());
  const std::vector<ScoredPair> scored = Scored(out);
  const double threshold = WeightOfProbability(options.threshold);
  if (options.one_to_one) {
    out.links = OneToOne(scored, threshold);
  } else {
    for (const ScoredPair& p : scored) {
      if (p.weight >= threshold) out.links.push_back(p);
    }
  }
  std::sort(out.links.begin(), out.links.end(), [](const ScoredPair& x, const ScoredPair& y) {
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  });
  out.times.cluster = clock.Lap();
  return out;
}

double Accuracy::precision() const {
  return predicted_pairs == 0
             ? 1.0
             : static_cast<double>(correct_pairs) / static_cast<double>(predicted_pairs);
}
double Accuracy::recall() const {
  return true_pairs == 0 ? 1.0
                         : static_cast<double>(correct_pairs) / static_cast<double>(true_pairs);
}
double Accuracy::f1() const {
  const double p = precision(), r = recall();
  return p + r == 0 ? 0 : 2 * p * r / (p + r);
}

Accuracy PairwiseAccuracy(std::span<const uint32_t> cluster, std::span<const std::string> truth) {
  Accuracy acc;
  std::unordered_map<uint32_t, int64_t> predicted;
  std::unordered_map<std::string_view, int64_t> actual;
  std::map<std::pair<uint32_t, std::string_view>, int64_t> both;
  for (size_t i = 0; i < cluster.size(); ++i) {
    ++predicted[cluster[i]];
    ++actual[truth[i]];
    ++both[{cluster[i], truth[i]}];
  }
  for (const auto& [k, n] : predicted) acc.predicted_pairs += Choose2(n);
  for (const auto& [k, n] : actual) acc.true_pairs += Choose2(n);
  for (const auto& [k, n] : both) acc.correct_pairs += Choose2(n);
  return acc;
}

}  // namespace mops::quality::linkage
