#include "core/edit_distance.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <vector>

namespace mops::core {

int EditDistance(std::string_view a, std::string_view b, int limit) {
  const int la = static_cast<int>(a.size()), lb = static_cast<int>(b.size());
  if (std::abs(la - lb) > limit) return limit + 1;
  if (la == 0 || lb == 0) return std::max(la, lb);
  // Three rows of the optimal-string-alignment table; on the stack for the
  // short strings that fields hold.
  constexpr int kStack = 64;
  std::array<int, 3 * (kStack + 1)> stack;
  std::vector<int> heap;
  int* rows = stack.data();
  if (lb > kStack) {
    heap.resize(3 * static_cast<size_t>(lb + 1));
    rows = heap.data();
  }
  int* prev2 = rows;
  int* prev = rows + (lb + 1);
  int* cur = rows + 2 * (lb + 1);
  for (int j = 0; j <= lb; ++j) prev[j] = j;
  for (int i = 1; i <= la; ++i) {
    cur[0] = i;
    int row_min = cur[0];
    for (int j = 1; j <= lb; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        v = std::min(v, prev2[j - 2] + 1);
      }
      cur[j] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > limit) return limit + 1;
    int* recycled = prev2;
    prev2 = prev;
    prev = cur;
    cur = recycled;
  }
  return std::min(prev[lb], limit + 1);
}

}  // namespace mops::core
