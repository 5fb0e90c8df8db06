// Fuzz target for the path file reader and the engines behind it: any text
// either parses into a consistent PathTable or fails with a located error;
// what parses runs through every model, and each model's credit sums to the
// totals (shapley_rate only up to 20 channels, as documented).
//
// The first byte picks the separators (bits 0-1), the Markov order (bits
// 2-3), a ready-made header (bit 4), the path file alphabet (bit 5), the
// parse threads (bits 6-7), a small dense-row budget for Markov (bit 6) and
// a comparison of the direct and iterative solves (bit 7).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <string_view>

#include "attribution/paths.h"

namespace {

namespace attribution = mops::attribution;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "paths_fuzz: %s\n", what);
    std::abort();
  }
}

void Reconciles(const attribution::PathTable& t, const attribution::ChannelCredit& c,
                const char* model) {
  const double conv = std::accumulate(t.conversions.begin(), t.conversions.end(), 0.0);
  const double value = std::accumulate(t.value.begin(), t.value.end(), 0.0);
  double got_conv = 0, got_value = 0, size_conv = 0, size_value = 0;
  for (size_t i = 0; i < c.conversions.size(); ++i) {
    got_conv += c.conversions[i];
    got_value += c.value[i];
    size_conv += std::abs(c.conversions[i]);
    size_value += std::abs(c.value[i]);
  }
  Check(c.conversions.size() == t.channels.size(), model);
  // Models may give nothing when nothing converts in their sense (a Markov
  // chain with no conversion, a rate game with no journeys). Rounding is
  // relative to the credits' size: shapley_rate's credits can be large and
  // of both signs when v(all) is tiny next to the marginal contributions.
  auto close = [](double got, double want, double size) {
    return got == 0 || std::abs(got - want) <= 1e-6 * std::max({1.0, std::abs(want), size});
  };
  if (std::isfinite(conv) && std::isfinite(value) && conv < 1e300 && value < 1e300) {
    Check(close(got_conv, conv, size_conv), model);
    Check(close(got_value, value, size_value), model);
  }
}

}  // namespace

extern "C" size_t MopsFuzzSeeds(const char* const** seeds) {
  static const char* const kSeeds[] = {
      "\x01path;total_conversions;total_conversion_value;total_null\n"
      "eta > iota > alpha > eta;1;0.244;3\niota;0;0;2\n",
      "\x02total_null,path,total_conversions\n4,a|b|a,1e2\n3,b,0\n",
      "\x03path;total_conversions\r\n a > b ; 2 \r\n\r\nb;x\n",
      "\x04path;total_conversions;total_conversion_value;total_null\na>>b;1;2;3\n;1;1;1\n",
      "\x11"
      "a > b > c;1;2;3\nb>a;0;0;1\nc;2;1e3;0\n",
      "\x52"
      "a|b|c,1,2,3\nb,0,0,1\n",
      "\x93"
      "a>b\t1\t2\t3\n",
  };
  *seeds = kSeeds;
  return sizeof(kSeeds) / sizeof(kSeeds[0]);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  attribution::PathFileOptions options;
  if ((mode & 3) == 2) options.sep = ',', options.path_sep = '|';
  if ((mode & 3) == 3) options.sep = '\t', options.path_sep = '>';
  // Bit 4 puts a valid header first, so that random bytes reach the rows.
  std::string text;
  if ((mode & 0x10) != 0) {
    const char s = options.sep;
    text = std::string("path") + s + "total_conversions" + s + "total_conversion_value" + s +
           "total_null\n";
  }
  // Bit 5 maps each byte onto the few characters a path file is made of, so
  // that random bytes make rows that parse.
  if ((mode & 0x20) != 0) {
    const char alphabet[] = {'a',         'b',         'c',  'd', ' ', options.path_sep,
                             options.sep, options.sep, '0',  '1', '2', '7',
                             '.',         '\n',        '\n', 'e'};
    for (size_t i = 1; i < size; ++i) text += alphabet[data[i] % sizeof(alphabet)];
  } else {
    text.append(reinterpret_cast<const char*>(data) + 1, size - 1);
  }
  options.threads = 1 + (mode >> 6);
  auto parsed = attribution::ParsePathFile(text, "fuzz.csv", options);
  if (!parsed) {
    Check(parsed.error().line >= 1 && parsed.error().column >= 1, "error without a place");
    return 0;
  }
  const attribution::PathTable& t = *parsed;
  Check(t.offsets.size() == t.rows() + 1 && t.offsets.back() == t.steps.size(), "offsets");
  for (size_t r = 0; r < t.rows(); ++r) Check(t.offsets[r] < t.offsets[r + 1], "empty path");
  for (const attribution::ChannelId c : t.steps) Check(c < t.channels.size(), "channel id");

  Reconciles(t, attribution::FirstTouch(t), "first_touch");
  Reconciles(t, attribution::LastTouch(t), "last_touch");
  Reconciles(t, attribution::Linear(t, false), "linear");
  Reconciles(t, attribution::Linear(t, true), "linear unique");
  attribution::MarkovOptions markov;
  markov.order = 1 + ((mode >> 2) & 3);
  markov.threads = 1;
  // Bit 6 also gives the first few states dense rows and hashes the rest.
  if ((mode & 0x40) != 0) markov.dense_rows_bytes = 4 * (t.channels.size() + 2) * 3;
  auto m = attribution::Markov(t, markov);
  Check(m.has_value(), "markov failed");
  Reconciles(t, m->credit, "markov");
  if ((mode & 0x80) != 0) {
    // The direct and the iterative solve agree.
    attribution::MarkovOptions other = markov;
    other.solver = attribution::MarkovSolver::kDirect;
    auto direct = attribution::Markov(t, other);
    other.solver = attribution::MarkovSolver::kIterative;
    auto iterative = attribution::Markov(t, other);
    Check(direct.has_value() && iterative.has_value(), "markov solver failed");
    Check(std::abs(direct->conversion_probability - iterative->conversion_probability) <= 1e-12,
          "direct and iterative p differ");
    for (size_t c = 0; c < t.channels.size(); ++c) {
      Check(std::abs(direct->removal_effects[c] - iterative->removal_effects[c]) <= 1e-9,
            "direct and iterative removal effects differ");
    }
  }
  if ((mode & 0x40) != 0) {
    // The same chain as with dense rows only.
    markov.dense_rows_bytes = attribution::MarkovOptions{}.dense_rows_bytes;
    auto dense = attribution::Markov(t, markov);
    Check(dense.has_value() && dense->states == m->states &&
              dense->transitions.size() == m->transitions.size(),
          "markov chain depends on the dense-row budget");
    for (size_t i = 0; i < m->transitions.size(); ++i) {
      Check(
          dense->transitions[i].from == m->transitions[i].from &&
              dense->transitions[i].to == m->transitions[i].to &&
              std::abs(dense->transitions[i].probability - m->transitions[i].probability) <= 1e-12,
          "markov transitions depend on the dense-row budget");
    }
  }
  Reconciles(t, attribution::Shapley(t).value(), "shapley");
  if (t.channels.size() <= 20) Reconciles(t, attribution::ShapleyRate(t).value(), "shapley_rate");
  Reconciles(t, attribution::ShaoLi(t).value(), "shao_li");
  return 0;
}
