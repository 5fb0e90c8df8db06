// Clustering of scored pairs with a guard against chaining.
#include <algorithm>
#include <numeric>
#include <vector>

#include "quality/linkage/engine.h"

namespace mops::quality::linkage {

Clustering ClusterPairs(size_t records, std::span<const ScoredPair> pairs,
                        const ClusterOptions& options,
                        const std::function<double(uint32_t, uint32_t)>& weight_of) {
  Clustering out;
  std::vector<uint32_t> order;
  order.reserve(pairs.size());
  for (uint32_t i = 0; i < pairs.size(); ++i) {
    if (pairs[i].weight >= options.threshold_weight) order.push_back(i);
  }
  // Strongest evidence first; ties by record indexes, for a stable result.
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    if (pairs[x].weight != pairs[y].weight) return pairs[x].weight > pairs[y].weight;
    if (pairs[x].a != pairs[y].a) return pairs[x].a < pairs[y].a;
    return pairs[x].b < pairs[y].b;
  });

  // Each record's cluster representative, and the members of each
  // representative's cluster (empty for records that are not one).
  std::vector<uint32_t> rep(records);
  std::iota(rep.begin(), rep.end(), 0u);
  std::vector<std::vector<uint32_t>> members(records);

  for (uint32_t i : order) {
    const ScoredPair& p = pairs[i];
    const uint32_t ra = rep[p.a], rb = rep[p.b];
    if (ra == rb) continue;
    const auto& ma = members[ra];
    const auto& mb = members[rb];
    const size_t sa = ma.empty() ? 1 : ma.size();
    const size_t sb = mb.empty() ? 1 : mb.size();
    if (sa + sb > options.max_cluster_size) {
      ++out.refused_size;
      continue;
    }
    bool ok = true;
    const auto each = [](const std::vector<uint32_t>& m, uint32_t self, auto fn) {
      if (m.empty()) return fn(self);
      for (uint32_t x : m) {
        if (!fn(x)) return false;
      }
      return true;
    };
    if (sa * sb > 1) {
      ok = each(ma, ra, [&](uint32_t x) {
        return each(mb, rb, [&](uint32_t y) {
          if ((x == p.a && y == p.b) || (x == p.b && y == p.a)) return true;
          return weight_of(x, y) >= options.floor_weight;
        });
      });
    }
    if (!ok) {
      ++out.refused_floor;
      continue;
    }
    // Merge the smaller cluster into the larger.
    uint32_t keep = ra, gone = rb;
    if (sb > sa) std::swap(keep, gone);
    if (members[keep].empty()) members[keep].push_back(keep);
    if (members[gone].empty()) members[gone].push_back(gone);
    for (uint32_t x : members[gone]) {
      rep[x] = keep;
      members[keep].push_back(x);
    }
    std::vector<uint32_t>().swap(members[gone]);
    ++out.joins;
  }

  out.cluster.resize(records);
  for (size_t r = 0; r < records; ++r) {
    const uint32_t k = rep[r];
    if (members[k].empty()) {
      out.cluster[r] = static_cast<uint32_t>(r);
    } else {
      out.cluster[r] = *std::min_element(members[k].begin(), members[k].end());
    }
  }
  return out;
}

std::vector<ScoredPair> OneToOne(std::span<const ScoredPair> pairs, double threshold_weight) {
  std::vector<ScoredPair> sorted;
  for (const ScoredPair& p : pairs) {
    if (p.weight >= threshold_weight) sorted.push_back(p);
  }
  std::sort(sorted.begin(), sorted.end(), [](const ScoredPair& x, const ScoredPair& y) {
    if (x.weight != y.weight) return x.weight > y.weight;
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  });
  std::vector<uint8_t> used_a, used_b;
  std::vector<ScoredPair> out;
  for (const ScoredPair& p : sorted) {
    if (p.a >= used_a.size()) used_a.resize(p.a + 1, 0);
    if (p.b >= used_b.size()) used_b.resize(p.b + 1, 0);
    if (used_a[p.a] || used_b[p.b]) continue;
    used_a[p.a] = used_b[p.b] = 1;
    out.push_back(p);
  }
  return out;
}

}  // namespace mops::quality::linkage
