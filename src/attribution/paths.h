// Path-level attribution engines: pure functions over aggregated channel paths
// (the format of ChannelAttribution: a path of channels with its conversions,
// conversion value and nulls). The workspace models build a PathTable from
// journeys and call the same engines, so one implementation serves both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace mops::attribution {

using ChannelId = uint16_t;

// Paths stored flat: row r is steps[offsets[r] .. offsets[r + 1]). Rows may
// repeat a path; engines aggregate as they need.
struct PathTable {
  std::vector<std::string> channels;  // ChannelId -> name
  std::vector<uint32_t> offsets{0};   // rows + 1 entries
  std::vector<ChannelId> steps;
  std::vector<double> conversions;  // per row
  std::vector<double> value;        // per row
  std::vector<double> nulls;        // per row

  size_t rows() const { return conversions.size(); }
  std::span<const ChannelId> path(size_t row) const {
    return {steps.data() + offsets[row], steps.data() + offsets[row + 1]};
  }
};

// Builds a PathTable row by row, interning channel names (ids in order of
// first appearance). Not thread-safe; amortized O(1) per channel lookup.
class PathTableBuilder {
 public:
  PathTableBuilder();
  ~PathTableBuilder();
  PathTableBuilder(PathTableBuilder&&) noexcept;
  PathTableBuilder& operator=(PathTableBuilder&&) noexcept;

  // The id of `name`, added if new. Fails past 65,535 channels.
  core::Result<ChannelId> Channel(std::string_view name);
  // Appends a row; `path` must hold ids returned by Channel and not be empty,
  // and the table holds fewer than 2^32 steps in all (offsets are 32-bit).
  void AddRow(std::span<const ChannelId> path, double conversions, double value, double nulls);
  PathTable Finish() &&;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The path file of ChannelAttribution: a header naming the columns (path and
// total_conversions required, total_conversion_value and total_null
// optional, any order), then one row per path, e.g.
//   path;total_conversions;total_conversion_value;total_null
//   eta > iota > alpha;1;0.244;3
// Blanks around separators and channel names are ignored; blank lines are
// skipped; a CRLF line end and a UTF-8 BOM are accepted. Numbers are finite
// and non-negative. No quoting: a channel name cannot contain a separator.
struct PathFileOptions {
  char sep = ';';
  char path_sep = '>';
  // Threads to parse with (0: one per core, at most 4). Results do not
  // depend on it: channel ids are in order of first appearance in the file.
  int threads = 0;
};

// Parses the text of a path file. Errors are kInvalidArgument with
// `file_name`, line and column (1-based) and the column's name as field.
// Pure: the caller reads the file. About 10 ns per byte on one core.
core::Result<PathTable> ParsePathFile(std::string_view text, std::string_view file_name,
                                      const PathFileOptions& options = {});

// Credit per channel, indexed by ChannelId.
struct ChannelCredit {
  std::vector<double> conversions;
  std::vector<double> value;
};

ChannelCredit FirstTouch(const PathTable& paths);
ChannelCredit LastTouch(const PathTable& paths);
// Every occurrence gets an equal share; `unique` credits each distinct channel
// of a path once instead.
ChannelCredit Linear(const PathTable& paths, bool unique);

// How Markov solves the absorbing chain. kAuto takes the direct solve when
// it is the cheaper (small chains: order 1, or few channels); kDirect takes
// it whenever the chain has at most 3,000 transient states.
enum class MarkovSolver { kAuto, kDirect, kIterative };

struct MarkovOptions {
  int order = 1;  // states are tuples of the last `order` channels
  // Threads for the removal solves (0: one per core, at most 4).
  int threads = 0;
  MarkovSolver solver = MarkovSolver::kAuto;
  // Fill MarkovResult::states and transitions (false: leave them empty; a
  // chain of order 3 or 4 can have millions of states).
  bool with_chain = true;
  // Memory for the dense transition rows used while building the chain
  // (with at most 256 channels); states past it use a hash. Results do not
  // depend on it.
  size_t dense_rows_bytes = size_t{128} << 20;
};

struct MarkovTransition {
  uint32_t from = 0;  // state index
  uint32_t to = 0;
  double probability = 0;
};

struct MarkovResult {
  ChannelCredit credit;
  std::vector<double> removal_effects;  // per channel
  double conversion_probability = 0;    // from the start state
  // The chain, for --transitions: state names ("(start)", "(conversion)",
  // "(null)", "a>b" for order-2 tuples, ...) and its non-zero transitions,
  // by source state. Empty unless MarkovOptions::with_chain.
  std::vector<std::string> states;
  std::vector<MarkovTransition> transitions;
};

// Markov chain attribution of order K. Repeated consecutive channels are
// collapsed; the state after a touch is the tuple of the last K channels
// (fewer at the start of a path); a row adds conversions + nulls to each of
// its transitions, conversions to last state -> (conversion) and nulls to
// last state -> (null). Removing channel c sends every transition into a
// state that contains c to (null). Removal effect RE_c = 1 - p(-c) / p, with
// p the probability of reaching (conversion) from (start), solved from the
// absorbing chain: Gauss-Seidel over the sparse transitions, iterated until
// the estimated error is below 1e-13 relative, or, for small chains where it
// is cheaper, an LU factorization and the fundamental matrix. Credit = total
// conversions x RE_c / sum RE (value likewise). O(steps) to build the chain
// plus, per channel, O(transitions x sweeps) to solve iteratively.
core::Result<MarkovResult> Markov(const PathTable& paths, const MarkovOptions& options);

// v(S) = conversions of paths whose channel set is a subset of S. This game
// is a sum of unanimity games, so the exact Shapley value is
// phi_i = sum over paths P containing i of conversions(P) / |channels(P)|
// (Zhao et al. 2018): exact for any number of channels, O(steps).
core::Result<ChannelCredit> Shapley(const PathTable& paths);
// v(S) = conversion rate of paths whose channel set is a subset of S, exact
// over all coalitions (at most 20 channels, kInvalidArgument above); scaled
// to total conversions. Value uses the game value(S) / journeys(S) scaled to
// total value. Journeys = conversions + nulls. O(n 2^n) time, 32 2^n bytes.
core::Result<ChannelCredit> ShapleyRate(const PathTable& paths);
// Shao and Li (2011), the probabilistic model with second-order terms: per
// converting path, channel i gets p_i + sum_{j != i in path}
// (p_ij - p_i - p_j) / (2 (n - 1)), clamped at 0 and normalized over the
// path's n distinct channels; p_i and p_ij are conversion rates of the
// journeys whose path contains i (and j). See README.md.
core::Result<ChannelCredit> ShaoLi(const PathTable& paths);

}  // namespace mops::attribution
