// The dataset's indexes and the small helpers every engine uses.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "analytics/analytics.h"

namespace mops::analytics {

int32_t Dict::Add(std::string_view name) {
  const int32_t found = Find(name);
  if (found != kNone) return found;
  names.emplace_back(name);
  return static_cast<int32_t>(names.size() - 1);
}

int32_t Dict::Find(std::string_view name) const {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<int32_t>(i);
  }
  return kNone;
}

std::string_view SegmentOf(std::optional<int64_t> employees) {
  if (!employees) return "unknown";
  if (*employees < 200) return "smb";
  if (*employees < 1000) return "mid_market";
  return "enterprise";
}

namespace {

// Applies `order` to a column.
template <typename T>
void Permute(std::vector<T>& column, const std::vector<int32_t>& order) {
  if (column.empty()) return;
  std::vector<T> out;
  out.reserve(order.size());
  for (int32_t i : order) out.push_back(std::move(column[static_cast<size_t>(i)]));
  column = std::move(out);
}

// Sort order by (key, time); keys kNone go last. A counting sort by key
// (keys are rows, 0..none_key-1), then each key's few rows by time: linear in
// the rows where a comparison sort of millions of touches is not.
std::vector<int32_t> OrderBy(const std::vector<int32_t>& key, const std::vector<Timestamp>& at,
                             int32_t none_key) {
  const size_t buckets = static_cast<size_t>(none_key) + 1;
  std::vector<int32_t> start(buckets + 1, 0);
  const auto bucket = [&](size_t i) {
    return key[i] < 0 ? static_cast<size_t>(none_key) : static_cast<size_t>(key[i]);
  };
  for (size_t i = 0; i < key.size(); ++i) ++start[bucket(i) + 1];
  for (size_t b = 1; b <= buckets; ++b) start[b] += start[b - 1];
  std::vector<int32_t> order(key.size());
  std::vector<int32_t> next(start.begin(), start.end() - 1);
  for (size_t i = 0; i < key.size(); ++i)
    order[static_cast<size_t>(next[bucket(i)]++)] = static_cast<int32_t>(i);
  // Within a key the rows are in ascending order, so (time, row) sorts them
  // stably by time: an insertion sort for the usual few rows, else a sort
  // (std::stable_sort would allocate a buffer per key).
  const auto before = [&](int32_t x, int32_t y) {
    const Timestamp ax = at[static_cast<size_t>(x)], ay = at[static_cast<size_t>(y)];
    return ax < ay || (ax == ay && x < y);
  };
  for (size_t b = 0; b < buckets; ++b) {
    auto first = order.begin() + start[b], last = order.begin() + start[b + 1];
    if (last - first < 2 || std::is_sorted(first, last, before)) continue;
    if (last - first <= 32) {
      for (auto i = first + 1; i != last; ++i) {
        const int32_t v = *i;
        auto j = i;
        for (; j != first && before(v, *(j - 1)); --j) *j = *(j - 1);
        *j = v;
      }
    } else {
      std::sort(first, last, before);
    }
  }
  return order;
}

// CSR offsets over a column sorted by key (0..n-1, kNone last).
std::vector<int32_t> Offsets(const std::vector<int32_t>& key, size_t n) {
  std::vector<int32_t> begin(n + 1, 0);
  for (int32_t k : key) {
    if (k >= 0) ++begin[static_cast<size_t>(k) + 1];
  }
  for (size_t i = 1; i <= n; ++i) begin[i] += begin[i - 1];
  return begin;
}

// Whether rows are in (key, time) order with the key kNone last.
bool SortedBy(const std::vector<int32_t>& key, const std::vector<Timestamp>& at) {
  const auto rank = [](int32_t k) { return k < 0 ? INT32_MAX : k; };
  for (size_t i = 1; i < key.size(); ++i) {
    const int32_t a = rank(key[i - 1]), b = rank(key[i]);
    if (a > b || (a == b && at[i - 1] > at[i])) return false;
  }
  return true;
}

}  // namespace

std::vector<int32_t> Dataset::SortOrder(const std::vector<int32_t>& key,
                                        const std::vector<Timestamp>& at, int32_t keys) {
  return OrderBy(key, at, keys);
}

void Dataset::Finish() {
  const auto contacts = static_cast<int32_t>(contact_id.size());
  {
    const auto order = OrderBy(stage_contact, stage_at, contacts);
    Permute(stage_contact, order);
    Permute(stage_code, order);
    Permute(stage_at, order);
    stage_begin = Offsets(stage_contact, contact_id.size());
  }
  {
    if (!SortedBy(touch_contact, touch_at)) {
      const auto order = OrderBy(touch_contact, touch_at, contacts);
      Permute(touch_contact, order);
      Permute(touch_account, order);
      Permute(touch_type, order);
      Permute(touch_channel, order);
      Permute(touch_source, order);
      Permute(touch_campaign, order);
      Permute(touch_event, order);
      Permute(touch_at, order);
    }
    touch_begin = Offsets(touch_contact, contact_id.size());
    const auto accounts = static_cast<int32_t>(account_id.size());
    account_touch = OrderBy(touch_account, touch_at, accounts);
    // Only touches with an account.
    size_t keep = 0;
    while (keep < account_touch.size() &&
           touch_account[static_cast<size_t>(account_touch[keep])] >= 0) {
      ++keep;
    }
    account_touch.resize(keep);
    account_touch_begin = Offsets(touch_account, account_id.size());
  }
  {
    const auto order = OrderBy(hist_opp, hist_at, static_cast<int32_t>(opp_id.size()));
    Permute(hist_opp, order);
    Permute(hist_stage, order);
    Permute(hist_at, order);
    hist_begin = Offsets(hist_opp, opp_id.size());
  }
}

std::string MonthOf(Timestamp t) {
  const core::CivilDate c = core::CivilFromDays(core::FloorDiv(t, core::kSecondsPerDay));
  return fmt::format("{:04}-{:02}", c.year, c.month);
}

std::string QuarterOf(Timestamp t) {
  const core::CivilDate c = core::CivilFromDays(core::FloorDiv(t, core::kSecondsPerDay));
  return fmt::format("{:04}-Q{}", c.year, (c.month - 1) / 3 + 1);
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  // Nearest rank: the smallest value with at least p of the values at or below it.
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
  const size_t index = rank == 0 ? 0 : rank - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<ptrdiff_t>(index), values.end());
  return values[index];
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  const size_t n = values.size();
  std::sort(values.begin(), values.end());
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace mops::analytics
