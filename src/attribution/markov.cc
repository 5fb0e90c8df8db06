// Markov chain attribution of order K, solved exactly.
//
// States of order K are tuples of up to K channels. They live in a trie of
// tuples (node = parent tuple + last channel) that also knows each tuple's
// suffix (the tuple without its first channel), so the step "append c and
// keep the last K" is one hash lookup: child(depth < K ? node : suffix, c).
// Trie nodes become chain states when a path first reaches them.
//
// The probability of conversion from each state solves x = P x with
// x(conversion) = 1 and x(null) = 0. Gauss-Seidel from x = 0 increases
// monotonically to the solution (all terms are non-negative), so the
// iteration stops when the estimated remaining distance, from the observed
// contraction rate, is below 1e-13 of p, or the changes are at rounding
// level. A removal solves the same system with the states that contain the
// channel held at 0 (their inbound transitions go to null). The base system
// and the removals are solved four at a time in one pass over the
// transitions, which are laid out in sweep order (see SweepChain). Small
// chains are solved directly instead (see DirectSolve).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <span>
#include <thread>

#include "attribution/internal.h"
#include "attribution/paths.h"

namespace mops::attribution {
namespace {

using internal::IndexMap;

constexpr uint32_t kStart = 0, kConversion = 1, kNull = 2, kFirstTouchState = 3;
constexpr uint32_t kNoState = ~0u;
// Removal systems solved together (see SolveBatch).
constexpr size_t kBatch = 4;
// Largest chain solved directly (a dense n x n inverse: 72 MB).
constexpr size_t kMaxDirectStates = 3000;

class TupleTrie {
 public:
  explicit TupleTrie(int order) : order_(order) {
    parent_.push_back(0);
    last_.push_back(0);
    suffix_.push_back(0);
    depth_.push_back(0);
    state_.push_back(kStart);
  }

  // The tuple after a touch on `c` from `node`.
  uint32_t Next(uint32_t node, ChannelId c) {
    return Child(depth_[node] < order_ ? node : suffix_[node], c);
  }

  uint32_t Child(uint32_t node, ChannelId c) {
    const uint64_t key = (uint64_t{node} << 16) | c;
    // Index i of the map is node i + 1 (node 0 is the empty tuple).
    if (const uint32_t index = children_.Find(key); index != ~0u) return index + 1;
    // The suffix first: it may add nodes of its own.
    const uint32_t suffix = node == 0 ? 0 : Child(suffix_[node], c);
    bool inserted = false;
    const uint32_t index = children_.Insert(key, inserted);
    parent_.push_back(node);
    last_.push_back(c);
    suffix_.push_back(suffix);
    depth_.push_back(depth_[node] + 1);
    state_.push_back(kNoState);
    return index + 1;
  }

  uint32_t& state(uint32_t node) { return state_[node]; }

  // Channels of the tuple, first to last.
  void Tuple(uint32_t node, std::vector<ChannelId>& out) const {
    out.clear();
    for (; node != 0; node = parent_[node]) out.push_back(last_[node]);
    std::reverse(out.begin(), out.end());
  }

 private:
  int order_;
  IndexMap children_{1024};
  std::vector<uint32_t> parent_;
  std::vector<ChannelId> last_;
  std::vector<uint32_t> suffix_;
  std::vector<int> depth_;
  std::vector<uint32_t> state_;
};

// Transitions of the chain in compressed rows, by source state.
struct Chain {
  size_t states = 0;
  std::vector<uint32_t> row_begin;  // states + 1
  std::vector<uint32_t> target;
  std::vector<double> probability;
};

// The chain as the solver sweeps it: transient states renumbered in sweep
// order, each after the states it leads to where the chain allows it
// (depth-first postorder from the start), so that a sweep carries values
// from the absorbing end back to the start in one pass except along cycles,
// and reads its rows sequentially. (conversion) is `transient`, (null)
// transient + 1.
struct SweepChain {
  uint32_t transient = 0;
  uint32_t start = 0;
  std::vector<uint32_t> rank;  // original state -> sweep index
  std::vector<uint32_t> row_begin;
  std::vector<uint32_t> target;
  std::vector<double> probability;
};

std::vector<uint32_t> PostOrder(const Chain& chain) {
  std::vector<uint32_t> order;
  order.reserve(chain.states);
  std::vector<uint8_t> seen(chain.states, 0);
  seen[kConversion] = seen[kNull] = 1;
  std::vector<std::pair<uint32_t, uint32_t>> stack;  // state, next edge
  stack.emplace_back(kStart, chain.row_begin[kStart]);
  seen[kStart] = 1;
  while (!stack.empty()) {
    auto& [state, edge] = stack.back();
    if (edge < chain.row_begin[state + 1]) {
      const uint32_t to = chain.target[edge++];
      if (!seen[to]) {
        seen[to] = 1;
        stack.emplace_back(to, chain.row_begin[to]);
      }
      continue;
    }
    order.push_back(state);
    stack.pop_back();
  }
  return order;
}

SweepChain Sweep(const Chain& chain) {
  SweepChain out;
  const std::vector<uint32_t> order = PostOrder(chain);
  out.transient = static_cast<uint32_t>(order.size());
  out.rank.assign(chain.states, 0);
  for (uint32_t i = 0; i < order.size(); ++i) out.rank[order[i]] = i;
  out.rank[kConversion] = out.transient;
  out.rank[kNull] = out.transient + 1;
  out.start = out.rank[kStart];
  out.row_begin.reserve(order.size() + 1);
  out.row_begin.push_back(0);
  for (const uint32_t s : order) {
    for (uint32_t k = chain.row_begin[s]; k < chain.row_begin[s + 1]; ++k) {
      out.target.push_back(out.rank[chain.target[k]]);
      out.probability.push_back(chain.probability[k]);
    }
    out.row_begin.push_back(static_cast<uint32_t>(out.target.size()));
  }
  return out;
}

// Solves W systems at once: system j holds the states that contain channel
// removed[j] at 0 (none when it is negative; unused lanes repeat the last
// system). One pass over the transitions serves the W systems, whose
// iterates sit side by side, so the transitions are streamed once per sweep
// for W systems and the sums stay in registers. Writes P(conversion |
// start) per system; false if one did not converge.
// A solver thread's buffers, reused from batch to batch: with hundreds of
// channels a thread solves hundreds of batches over millions of states.
template <size_t W>
struct SolveBuffers {
  std::vector<std::array<double, W>> x;
  std::vector<uint8_t> blocked;  // per state, bit j: held at 0 in system j
};

template <size_t W>
bool SolveBatch(const SweepChain& chain, std::span<const int> removed,
                const std::vector<std::vector<uint32_t>>& states_with,
                std::span<double> probability, SolveBuffers<W>& buffers) {
  static_assert(W <= 8, "one bit per system in SolveBuffers::blocked");
  const size_t m = removed.size();
  std::vector<std::array<double, W>>& x = buffers.x;
  std::vector<uint8_t>& blocked = buffers.blocked;
  x.assign(chain.transient + 2, std::array<double, W>{});
  x[chain.transient].fill(1.0);  // (conversion)
  blocked.resize(chain.transient);
  auto mark = [&](bool on) {
    for (size_t j = 0; j < W; ++j) {
      const int channel = removed[std::min(j, m - 1)];
      if (channel < 0) continue;
      for (const uint32_t s : states_with[static_cast<size_t>(channel)]) {
        uint8_t& bits = blocked[chain.rank[s]];
        bits = on ? static_cast<uint8_t>(bits | (1u << j)) : uint8_t{0};
      }
    }
  };
  mark(true);
  constexpr int kMaxSweeps = 1'000'000;
  constexpr double kTolerance = 1e-13;
  std::array<double, W> previous_delta{};
  std::array<bool, W> done{};
  size_t remaining = W;
  for (int sweep = 0; sweep < kMaxSweeps && remaining > 0; ++sweep) {
    std::array<double, W> delta{}, largest{};
    for (uint32_t s = 0; s < chain.transient; ++s) {
      std::array<double, W> sum{};
      for (uint32_t k = chain.row_begin[s]; k < chain.row_begin[s + 1]; ++k) {
        const double p = chain.probability[k];
        const std::array<double, W>& xt = x[chain.target[k]];
        for (size_t j = 0; j < W; ++j) sum[j] += p * xt[j];
      }
      std::array<double, W>& xs = x[s];
      const uint8_t bits = blocked[s];
      for (size_t j = 0; j < W; ++j) {
        const double v = (bits >> j) & 1u ? 0.0 : sum[j];
        delta[j] = std::max(delta[j], std::abs(v - xs[j]));
        largest[j] = std::max(largest[j], v);
        xs[j] = v;
      }
    }
    for (size_t j = 0; j < W; ++j) {
      if (done[j]) continue;
      bool finished =
          delta[j] == 0 || delta[j] <= 8 * std::numeric_limits<double>::epsilon() * largest[j];
      if (!finished && sweep > 0 && delta[j] < previous_delta[j]) {
        const double rate = delta[j] / previous_delta[j];
        finished = delta[j] * rate / (1 - rate) <= kTolerance * x[chain.start][j];
      }
      previous_delta[j] = delta[j];
      if (finished) {
        done[j] = true;
        --remaining;
      }
    }
  }
  for (size_t j = 0; j < m; ++j) probability[j] = x[chain.start][j];
  mark(false);
  return remaining == 0;
}

// Solves A z = b in place, A = P^T L U from LuFactor (row-major, n x n).
void LuSolve(const std::vector<double>& lu, const std::vector<uint32_t>& pivot, size_t n,
             std::vector<double>& b) {
  for (size_t i = 0; i < n; ++i) std::swap(b[i], b[pivot[i]]);
  for (size_t i = 0; i < n; ++i) {
    double sum = b[i];
    const double* row = &lu[i * n];
    for (size_t j = 0; j < i; ++j) sum -= row[j] * b[j];
    b[i] = sum;
  }
  for (size_t i = n; i-- > 0;) {
    double sum = b[i];
    const double* row = &lu[i * n];
    for (size_t j = i + 1; j < n; ++j) sum -= row[j] * b[j];
    b[i] = sum / row[i];
  }
}

// LU with partial pivoting, in place; pivot[k] is the row swapped into k.
// False if the matrix is singular.
bool LuFactor(std::vector<double>& a, size_t n, std::vector<uint32_t>& pivot) {
  pivot.resize(n);
  for (size_t k = 0; k < n; ++k) {
    size_t best = k;
    for (size_t i = k + 1; i < n; ++i) {
      if (std::abs(a[i * n + k]) > std::abs(a[best * n + k])) best = i;
    }
    pivot[k] = static_cast<uint32_t>(best);
    if (a[best * n + k] == 0) return false;
    if (best != k) std::swap_ranges(&a[k * n], &a[k * n] + n, &a[best * n]);
    const double* row_k = &a[k * n];
    for (size_t i = k + 1; i < n; ++i) {
      double* row_i = &a[i * n];
      const double factor = row_i[k] / row_k[k];
      row_i[k] = factor;
      if (factor == 0) continue;
      for (size_t j = k + 1; j < n; ++j) row_i[j] -= factor * row_k[j];
    }
  }
  return true;
}

// The direct solve for small chains: with N = (I - Q)^-1 (the fundamental
// matrix) and x the conversion probabilities, removing the set B of states
// that contain a channel gives p(-B) = p - N(start, B) N(B, B)^-1 x(B): a
// walk that enters B first does so at b with probability F(b), visits to B
// satisfy N(start, B) = F N(B, B), and from b it converts with x(b).
// O(n^3) for the inverse plus O(|B|^3) per channel. Fills `solved` as
// SolveBatch does for `systems`; false if a matrix is singular.
bool DirectSolve(const SweepChain& chain, std::span<const int> systems,
                 const std::vector<std::vector<uint32_t>>& states_with, int threads,
                 std::span<double> solved) {
  const size_t n = chain.transient;
  std::vector<double> lu(n * n, 0.0);
  std::vector<double> x(n, 0.0);
  for (size_t s = 0; s < n; ++s) {
    lu[s * n + s] = 1;
    for (uint32_t k = chain.row_begin[s]; k < chain.row_begin[s + 1]; ++k) {
      const uint32_t t = chain.target[k];
      if (t < n) {
        lu[s * n + t] -= chain.probability[k];
      } else if (t == n) {
        x[s] += chain.probability[k];  // to (conversion)
      }
    }
  }
  std::vector<uint32_t> pivot;
  if (!LuFactor(lu, n, pivot)) return false;
  LuSolve(lu, pivot, n, x);
  // Columns of N, on several threads.
  std::vector<std::vector<double>> column(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t j; (j = next.fetch_add(1)) < n;) {
      std::vector<double> e(n, 0.0);
      e[j] = 1;
      LuSolve(lu, pivot, n, e);
      column[j] = std::move(e);
    }
  };
  {
    std::vector<std::jthread> workers;
    for (int t = 1; t < threads; ++t) workers.emplace_back(work);
    work();
  }
  const size_t start = chain.start;
  const double p = x[start];
  std::vector<double> m, w;
  std::vector<uint32_t> small_pivot;
  for (size_t i = 0; i < systems.size(); ++i) {
    if (systems[i] < 0) {
      solved[i] = p;
      continue;
    }
    std::vector<uint32_t> block;
    for (const uint32_t s : states_with[static_cast<size_t>(systems[i])]) {
      block.push_back(chain.rank[s]);
    }
    const size_t k = block.size();
    m.assign(k * k, 0.0);
    w.resize(k);
    for (size_t a = 0; a < k; ++a) {
      w[a] = x[block[a]];
      for (size_t b = 0; b < k; ++b) m[a * k + b] = column[block[b]][block[a]];
    }
    if (!LuFactor(m, k, small_pivot)) return false;
    LuSolve(m, small_pivot, k, w);
    double lost = 0;
    for (size_t a = 0; a < k; ++a) lost += column[block[a]][start] * w[a];
    solved[i] = std::clamp(p - lost, 0.0, p);
  }
  return true;
}

}  // namespace

core::Result<MarkovResult> Markov(const PathTable& paths, const MarkovOptions& options) {
  if (options.order < 1) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "markov order must be >= 1 (got {})",
                      options.order);
  }
  const size_t nchannels = paths.channels.size();
  TupleTrie trie(options.order);
  uint32_t next_state = kFirstTouchState;
  std::vector<uint32_t> state_node{0, 0, 0};  // state -> trie node
  std::vector<uint64_t> edge_key;             // from << 32 | to
  std::vector<double> edge_weight;
  // Edges out of a state, by the next channel (then conversion, null): with
  // few channels a dense row per state, so that a step is one array access;
  // otherwise, and for the states past the memory budget of dense rows
  // (high orders can have millions of states), a hash of (state, target).
  const size_t width = nchannels + 2;
  const uint32_t dense_states =
      nchannels <= 256
          ? static_cast<uint32_t>(std::min<size_t>(options.dense_rows_bytes / 4 / width, ~0u))
          : 0;
  std::vector<uint32_t> edge_of;  // state * width + slot -> edge + 1
  IndexMap edge_index(dense_states > 0 ? 16 : 4096);
  auto new_edge = [&](uint32_t from, uint32_t to, double weight) {
    edge_key.push_back((uint64_t{from} << 32) | to);
    edge_weight.push_back(weight);
    return static_cast<uint32_t>(edge_key.size());
  };
  std::vector<uint32_t> hashed_edges;  // edge_index's index -> edge + 1
  auto hashed_edge = [&](uint32_t from, uint32_t to, double weight) {
    bool inserted = false;
    const uint32_t e = edge_index.Insert((uint64_t{from} << 32) | to, inserted);
    if (inserted) {
      hashed_edges.push_back(new_edge(from, to, weight));
    } else {
      edge_weight[hashed_edges[e] - 1] += weight;
    }
  };
  // The state after `node` with channel c; creates it when first reached.
  auto step = [&](uint32_t& node, ChannelId c) {
    node = trie.Next(node, c);
    uint32_t& next = trie.state(node);
    if (next == kNoState) {
      next = next_state++;
      state_node.push_back(node);
    }
    return next;
  };
  auto absorb = [&](uint32_t state, size_t slot, uint32_t to, double weight) {
    if (state >= dense_states) return hashed_edge(state, to, weight);
    uint32_t& e = edge_of[size_t{state} * width + slot];
    if (e == 0) {
      e = new_edge(state, to, weight);
    } else {
      edge_weight[e - 1] += weight;
    }
  };
  if (dense_states > 0) edge_of.assign(size_t{kFirstTouchState} * width, 0);

  double total_conversions = 0, total_value = 0;
  for (size_t r = 0; r < paths.rows(); ++r) {
    total_conversions += paths.conversions[r];
    total_value += paths.value[r];
    const double conv = paths.conversions[r], nulls = paths.nulls[r];
    const double weight = conv + nulls;
    const auto path = paths.path(r);
    if (weight <= 0 || path.empty()) continue;
    uint32_t node = 0, state = kStart;
    ChannelId previous = 0;
    for (size_t i = 0; i < path.size(); ++i) {
      const ChannelId c = path[i];
      if (i > 0 && c == previous) continue;  // collapse repeats
      previous = c;
      if (state >= dense_states) {
        const uint32_t next = step(node, c);
        hashed_edge(state, next, weight);
        state = next;
        continue;
      }
      const uint32_t e = edge_of[size_t{state} * width + c];
      if (e != 0) {
        // A known transition: its target and the target's trie node.
        edge_weight[e - 1] += weight;
        state = static_cast<uint32_t>(edge_key[e - 1] & 0xffffffffu);
        node = state_node[state];
        continue;
      }
      const uint32_t next = step(node, c);
      if (const size_t needed = std::min(next_state, dense_states) * width;
          edge_of.size() < needed) {
        edge_of.resize(std::min(needed * 2, size_t{dense_states} * width), 0);
      }
      edge_of[size_t{state} * width + c] = new_edge(state, next, weight);
      state = next;
    }
    if (conv > 0) absorb(state, nchannels, kConversion, conv);
    if (nulls > 0) absorb(state, nchannels + 1, kNull, nulls);
  }

  // Compressed rows with probabilities.
  Chain chain;
  chain.states = next_state;
  std::vector<uint32_t> order(edge_key.size());
  for (uint32_t e = 0; e < order.size(); ++e) order[e] = e;
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return edge_key[a] < edge_key[b]; });
  chain.row_begin.assign(chain.states + 1, 0);
  for (const uint64_t key : edge_key) ++chain.row_begin[(key >> 32) + 1];
  for (size_t s = 0; s < chain.states; ++s) chain.row_begin[s + 1] += chain.row_begin[s];
  std::vector<double> out_weight(chain.states, 0.0);
  for (size_t e = 0; e < edge_key.size(); ++e) out_weight[edge_key[e] >> 32] += edge_weight[e];
  chain.target.reserve(order.size());
  chain.probability.reserve(order.size());
  MarkovResult result;
  for (const uint32_t e : order) {
    const uint32_t from = static_cast<uint32_t>(edge_key[e] >> 32);
    const uint32_t to = static_cast<uint32_t>(edge_key[e] & 0xffffffffu);
    const double p = edge_weight[e] / out_weight[from];
    chain.target.push_back(to);
    chain.probability.push_back(p);
    if (options.with_chain) result.transitions.push_back(MarkovTransition{from, to, p});
  }

  const SweepChain sweep = Sweep(chain);

  // Which states contain which channel.
  std::vector<std::vector<uint32_t>> states_with(nchannels);
  if (options.with_chain) result.states = {"(start)", "(conversion)", "(null)"};
  std::vector<ChannelId> tuple;
  for (uint32_t s = kFirstTouchState; s < chain.states; ++s) {
    trie.Tuple(state_node[s], tuple);
    if (options.with_chain) {
      std::string name;
      for (size_t i = 0; i < tuple.size(); ++i) {
        if (i > 0) name += '>';
        name += paths.channels[tuple[i]];
      }
      result.states.push_back(std::move(name));
    }
    std::sort(tuple.begin(), tuple.end());
    tuple.erase(std::unique(tuple.begin(), tuple.end()), tuple.end());
    for (const ChannelId c : tuple) states_with[c].push_back(s);
  }

  // p and one removal per channel that occurs, in batches on several threads.
  std::vector<int> systems{-1};
  for (size_t c = 0; c < nchannels; ++c) {
    if (!states_with[c].empty()) systems.push_back(static_cast<int>(c));
  }
  std::vector<double> solved(systems.size(), 0.0);
  const int threads =
      std::min<int>(internal::ThreadCount(options.threads), static_cast<int>(systems.size()));
  // Direct when it is the cheaper: about n^3 for the inverse and |B|^3 per
  // channel, against about 40 sweeps over the transitions per system.
  const double n = sweep.transient;
  double direct_cost = n * n * n * 4 / 3;
  for (size_t i = 1; i < systems.size(); ++i) {
    const double k = static_cast<double>(states_with[static_cast<size_t>(systems[i])].size());
    direct_cost += k * k * k;
  }
  const double iterative_cost =
      40.0 * static_cast<double>(systems.size()) * static_cast<double>(sweep.target.size());
  const bool direct = sweep.transient <= kMaxDirectStates &&
                      (options.solver == MarkovSolver::kDirect ||
                       (options.solver == MarkovSolver::kAuto && direct_cost < iterative_cost));
  if (direct) {
    if (!DirectSolve(sweep, systems, states_with, threads, solved)) {
      return core::Fail(core::ErrorCode::kInternal, "markov: singular chain ({} states)",
                        chain.states);
    }
  }
  const size_t batch = kBatch;
  std::atomic<size_t> next_batch{0};
  std::atomic<bool> diverged{false};
  auto worker = [&] {
    SolveBuffers<kBatch> buffers;
    while (true) {
      const size_t begin = next_batch.fetch_add(batch);
      if (begin >= systems.size()) return;
      const size_t end = std::min(begin + batch, systems.size());
      if (!SolveBatch<kBatch>(sweep, std::span<const int>(systems).subspan(begin, end - begin),
                              states_with, std::span<double>(solved).subspan(begin, end - begin),
                              buffers)) {
        diverged = true;
      }
    }
  };
  if (!direct) {
    std::vector<std::jthread> workers;
    for (int t = 1; t < threads; ++t) workers.emplace_back(worker);
    worker();
  }
  if (diverged) {
    return core::Fail(core::ErrorCode::kInternal,
                      "markov: the absorbing chain did not converge ({} states)", chain.states);
  }
  const double p = solved[0];
  std::vector<double> removal_probability(nchannels, p);
  for (size_t i = 1; i < systems.size(); ++i) {
    removal_probability[static_cast<size_t>(systems[i])] = solved[i];
  }

  result.conversion_probability = p;
  result.removal_effects.assign(nchannels, 0.0);
  double sum = 0;
  for (size_t c = 0; c < nchannels; ++c) {
    result.removal_effects[c] = p > 0 ? std::max(0.0, 1 - removal_probability[c] / p) : 0.0;
    sum += result.removal_effects[c];
  }
  result.credit.conversions.assign(nchannels, 0.0);
  result.credit.value.assign(nchannels, 0.0);
  if (sum > 0) {
    for (size_t c = 0; c < nchannels; ++c) {
      result.credit.conversions[c] = total_conversions * (result.removal_effects[c] / sum);
      result.credit.value[c] = total_value * (result.removal_effects[c] / sum);
    }
  }
  return result;
}

}  // namespace mops::attribution
