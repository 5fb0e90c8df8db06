#include "attribution/paths.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <string>

namespace mops::attribution {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kHeader = "path;total_conversions;total_conversion_value;total_null\n";

PathTable Parse(std::string_view text, PathFileOptions options = {}) {
  auto table = ParsePathFile(text, "t.csv", options);
  EXPECT_TRUE(table.has_value()) << table.error().ToString();
  return table ? std::move(*table) : PathTable{};
}

PathTable ParseRows(std::string_view rows) {
  return Parse(std::string(kHeader) + std::string(rows));
}

size_t Id(const PathTable& t, std::string_view name) {
  const auto it = std::find(t.channels.begin(), t.channels.end(), name);
  EXPECT_NE(it, t.channels.end()) << name;
  return static_cast<size_t>(it - t.channels.begin());
}

double Sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

std::string CaPathsFile() {
  const char* root = std::getenv("MOPS_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/../shared/data/ca_paths.csv";
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ExpectRelative(double actual, double expected, double tolerance, std::string_view what) {
  EXPECT_LE(std::abs(actual - expected), tolerance * std::abs(expected))
      << what << ": " << actual << " vs " << expected;
}

// --- The reference data ----------------------------------------------------

class CaPathsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string text = Slurp(CaPathsFile());
    ASSERT_FALSE(text.empty()) << "missing " << CaPathsFile();
    auto parsed = ParsePathFile(text, "ca_paths.csv");
    ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
    table_ = new PathTable(std::move(*parsed));
  }
  static void TearDownTestSuite() { delete table_; }
  static const PathTable& table() { return *table_; }
  static PathTable* table_;
};
PathTable* CaPathsTest::table_ = nullptr;

struct Expected {
  std::string_view channel;
  double first, last, markov;
};
constexpr Expected kExpected[] = {
    {"alpha", 6308, 8447, 5344.947682}, {"beta", 2831, 989, 2527.352167},
    {"delta", 1, 5, 4.613618},          {"epsilon", 99, 531, 599.570650},
    {"eta", 3164, 4167, 3340.847402},   {"gamma", 165, 92, 171.145443},
    {"iota", 4606, 3355, 3884.614702},  {"kappa", 74, 230, 274.363256},
    {"lambda", 902, 1207, 1282.847223}, {"mi", 2, 2, 1.722425},
    {"theta", 1606, 653, 1971.912880},  {"zeta", 27, 107, 381.062553},
};

TEST_F(CaPathsTest, Totals) {
  EXPECT_EQ(table().rows(), 10000u);
  EXPECT_EQ(table().channels.size(), 12u);
  EXPECT_DOUBLE_EQ(Sum(table().conversions), 19785);
  // The README rounds the value to cents.
  EXPECT_NEAR(Sum(table().value), 74802.97, 0.005);
  EXPECT_DOUBLE_EQ(Sum(table().nulls), 68602);
}

TEST_F(CaPathsTest, ReadmeTable) {
  const ChannelCredit first = FirstTouch(table());
  const ChannelCredit last = LastTouch(table());
  auto markov = Markov(table(), {});
  ASSERT_TRUE(markov.has_value()) << markov.error().ToString();
  ExpectRelative(markov->conversion_probability, 0.22384514, 1e-6, "p(conversion)");
  for (const Expected& e : kExpected) {
    const size_t c = Id(table(), e.channel);
    ExpectRelative(first.conversions[c], e.first, 1e-6, e.channel);
    ExpectRelative(last.conversions[c], e.last, 1e-6, e.channel);
    ExpectRelative(markov->credit.conversions[c], e.markov, 1e-6, e.channel);
  }
  const ChannelCredit linear = Linear(table(), false);
  ExpectRelative(linear.conversions[Id(table(), "alpha")], 7574.718594, 1e-6, "linear alpha");
}

TEST_F(CaPathsTest, EveryModelReconciles) {
  std::vector<std::pair<std::string, ChannelCredit>> models = {
      {"first_touch", FirstTouch(table())},
      {"last_touch", LastTouch(table())},
      {"linear", Linear(table(), false)},
      {"linear unique", Linear(table(), true)},
      {"markov 1", Markov(table(), {.order = 1, .threads = 0}).value().credit},
      {"markov 2", Markov(table(), {.order = 2, .threads = 0}).value().credit},
      {"markov 3", Markov(table(), {.order = 3, .threads = 0}).value().credit},
      {"shapley", Shapley(table()).value()},
      {"shapley_rate", ShapleyRate(table()).value()},
      {"shao_li", ShaoLi(table()).value()},
  };
  for (const auto& [name, credit] : models) {
    ExpectRelative(Sum(credit.conversions), 19785, 1e-9, name + " conversions");
    ExpectRelative(Sum(credit.value), Sum(table().value), 1e-9, name + " value");
  }
}

// --- Heuristics ---------------------------------------------------------------

TEST(Heuristics, LinearCountsOccurrencesOrDistinctChannels) {
  const PathTable t = ParseRows("a>b>a;3;30;0\nb;1;10;1\n");
  const ChannelCredit linear = Linear(t, false);
  EXPECT_DOUBLE_EQ(linear.conversions[Id(t, "a")], 2);
  EXPECT_DOUBLE_EQ(linear.conversions[Id(t, "b")], 2);
  EXPECT_DOUBLE_EQ(linear.value[Id(t, "a")], 20);
  const ChannelCredit unique = Linear(t, true);
  EXPECT_DOUBLE_EQ(unique.conversions[Id(t, "a")], 1.5);
  EXPECT_DOUBLE_EQ(unique.conversions[Id(t, "b")], 2.5);
  const ChannelCredit first = FirstTouch(t), last = LastTouch(t);
  EXPECT_DOUBLE_EQ(first.conversions[Id(t, "a")], 3);
  EXPECT_DOUBLE_EQ(first.value[Id(t, "b")], 10);
  EXPECT_DOUBLE_EQ(last.conversions[Id(t, "a")], 3);
}

// --- Shapley family -----------------------------------------------------------

TEST(Shapley, IssueVector) {
  const PathTable t = ParseRows("a;4;40;0\na>b;6;60;0\n");
  const ChannelCredit s = Shapley(t).value();
  EXPECT_DOUBLE_EQ(s.conversions[Id(t, "a")], 7);
  EXPECT_DOUBLE_EQ(s.conversions[Id(t, "b")], 3);
  EXPECT_DOUBLE_EQ(s.value[Id(t, "a")], 70);
}

// Shapley value by enumerating every order of the players.
std::vector<double> BruteForceShapley(size_t n, const std::function<double(uint32_t)>& v) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> phi(n, 0.0);
  double orders = 0;
  do {
    uint32_t mask = 0;
    for (const size_t i : order) {
      phi[i] += v(mask | (1u << i)) - v(mask);
      mask |= 1u << i;
    }
    ++orders;
  } while (std::next_permutation(order.begin(), order.end()));
  for (double& x : phi) x /= orders;
  return phi;
}

TEST(Shapley, CumulativeFormMatchesEnumeration) {
  const PathTable t = ParseRows(
      "a;4;1;2\na>b;6;2;0\nc>b>a;2;3;1\nd>c;5;4;4\nb>d>b;1;5;0\nd;3;6;3\na>c>d>b;2;7;0\n");
  const size_t n = t.channels.size();
  auto v = [&](uint32_t mask) {
    double total = 0;
    for (size_t r = 0; r < t.rows(); ++r) {
      bool inside = true;
      for (const ChannelId c : t.path(r)) inside = inside && (mask & (1u << c)) != 0;
      if (inside) total += t.conversions[r];
    }
    return total;
  };
  const std::vector<double> expected = BruteForceShapley(n, v);
  const ChannelCredit s = Shapley(t).value();
  for (size_t i = 0; i < n; ++i) EXPECT_NEAR(s.conversions[i], expected[i], 1e-12);
}

TEST(ShapleyRate, HandComputed) {
  // Rates: v(a) = 1/4, v(b) = 1/2, v(ab) = 4/10. phi_a = (1/4 + (0.4 - 0.5)) / 2
  // = 0.075, phi_b = (0.5 + (0.4 - 0.25)) / 2 = 0.325; scaled by 4 / 0.4.
  // Value per journey: 2.5, 10, 6: phi = -0.75, 6.75; scaled by 60 / 6.
  const PathTable t = ParseRows("a;1;10;3\nb;1;20;1\na>b;2;30;2\n");
  const ChannelCredit s = ShapleyRate(t).value();
  EXPECT_NEAR(s.conversions[Id(t, "a")], 0.75, 1e-12);
  EXPECT_NEAR(s.conversions[Id(t, "b")], 3.25, 1e-12);
  EXPECT_NEAR(s.value[Id(t, "a")], -7.5, 1e-12);
  EXPECT_NEAR(s.value[Id(t, "b")], 67.5, 1e-12);
}

TEST(ShapleyRate, MatchesEnumeration) {
  std::mt19937 rng(7);
  std::string rows;
  const char* names[] = {"a", "b", "c", "d", "e", "f"};
  for (int r = 0; r < 40; ++r) {
    const int len = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < len; ++k) rows += std::string(k ? ">" : "") + names[rng() % 6];
    rows += ";" + std::to_string(rng() % 5) + ";" + std::to_string(rng() % 100) + ";" +
            std::to_string(rng() % 7) + "\n";
  }
  const PathTable t = ParseRows(rows);
  const size_t n = t.channels.size();
  auto rate = [&](uint32_t mask, bool value) {
    double num = 0, den = 0;
    for (size_t r = 0; r < t.rows(); ++r) {
      bool inside = true;
      for (const ChannelId c : t.path(r)) inside = inside && (mask & (1u << c)) != 0;
      if (!inside) continue;
      num += value ? t.value[r] : t.conversions[r];
      den += t.conversions[r] + t.nulls[r];
    }
    return den > 0 ? num / den : 0.0;
  };
  const auto conv = BruteForceShapley(n, [&](uint32_t m) { return rate(m, false); });
  const auto value = BruteForceShapley(n, [&](uint32_t m) { return rate(m, true); });
  const ChannelCredit s = ShapleyRate(t).value();
  const uint32_t all = (1u << n) - 1;
  for (size_t i = 0; i < n; ++i) {
    EXPECT_NEAR(s.conversions[i], conv[i] * Sum(t.conversions) / rate(all, false), 1e-9);
    EXPECT_NEAR(s.value[i], value[i] * Sum(t.value) / rate(all, true), 1e-9);
  }
}

TEST(ShapleyRate, RefusesMoreThanTwentyChannels) {
  std::string rows;
  for (int c = 0; c < 21; ++c) rows += "ch" + std::to_string(c) + ";1;1;1\n";
  const auto result = ShapleyRate(ParseRows(rows));
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error().message, HasSubstr("at most 20 channels"));
  EXPECT_THAT(result.error().message, HasSubstr("21"));
}

TEST(ShaoLi, HandComputed) {
  // p_a = 3/6, p_b = 2/6, p_ab = 2/4. Path {a}: all to a. Path {a, b}:
  // c_a = 1/2 + (1/2 - 1/2 - 1/3) / 2 = 1/3, c_b = 1/3 - 1/6 = 1/6: shares 2/3, 1/3.
  const PathTable t = ParseRows("a;1;5;1\nb;0;0;2\na>b>a;2;9;2\n");
  const ChannelCredit s = ShaoLi(t).value();
  EXPECT_NEAR(s.conversions[Id(t, "a")], 1 + 4.0 / 3, 1e-12);
  EXPECT_NEAR(s.conversions[Id(t, "b")], 2.0 / 3, 1e-12);
  EXPECT_NEAR(s.value[Id(t, "a")], 11, 1e-12);
  EXPECT_NEAR(s.value[Id(t, "b")], 3, 1e-12);
}

TEST(ShaoLi, NegativeContributionsAreClampedWithinThePath) {
  // b alone never converts and hurts a when together: p_a = 2/3, p_b = 1/4,
  // p_ab = 1/3; c_a = 2/3 + (1/3 - 2/3 - 1/4) / 2 > 0, c_b = 1/4 - 7/24 < 0.
  const PathTable t = ParseRows("a;2;0;0\nb;0;0;1\na>b;1;0;2\n");
  const ChannelCredit s = ShaoLi(t).value();
  EXPECT_NEAR(s.conversions[Id(t, "a")], 3, 1e-12);
  EXPECT_NEAR(s.conversions[Id(t, "b")], 0, 1e-12);
}

// --- Markov -------------------------------------------------------------------

TEST(Markov, OrderTwoStatesAreTuplesOfTheCollapsedPath) {
  const PathTable t = ParseRows("a>a>b>a>c;1;1;0\n");
  const MarkovResult m2 = Markov(t, {.order = 2, .threads = 1}).value();
  EXPECT_THAT(m2.states, ::testing::ElementsAre("(start)", "(conversion)", "(null)", "a", "a>b",
                                                "b>a", "a>c"));
  std::vector<std::pair<std::string, std::string>> edges;
  for (const MarkovTransition& tr : m2.transitions) {
    edges.emplace_back(m2.states[tr.from], m2.states[tr.to]);
    EXPECT_DOUBLE_EQ(tr.probability, 1);
  }
  EXPECT_THAT(edges, ::testing::UnorderedElementsAre(
                         std::pair<std::string, std::string>{"(start)", "a"},
                         std::pair<std::string, std::string>{"a", "a>b"},
                         std::pair<std::string, std::string>{"a>b", "b>a"},
                         std::pair<std::string, std::string>{"b>a", "a>c"},
                         std::pair<std::string, std::string>{"a>c", "(conversion)"}));
  const MarkovResult m3 = Markov(t, {.order = 3, .threads = 1}).value();
  EXPECT_THAT(m3.states, ::testing::ElementsAre("(start)", "(conversion)", "(null)", "a", "a>b",
                                                "a>b>a", "b>a>c"));
}

TEST(Markov, RemovalSendsStatesContainingTheChannelToNull) {
  // Order 2: start -> (a) 1/3, (b) 2/3; (a) -> (a,b) -> conversion; (b) ->
  // conversion or null, 1/2 each. p = 1/3 + 1/3 = 2/3. Without a: (a) and
  // (a,b) go to null, p = 1/3, RE = 1/2. Without b: (a,b) and (b) go to
  // null, p = 0, RE = 1. Credit of 2 conversions: 2/3 and 4/3.
  const PathTable t = ParseRows("a>b;1;3;0\nb;1;0;1\n");
  const MarkovResult m = Markov(t, {.order = 2, .threads = 2}).value();
  EXPECT_NEAR(m.conversion_probability, 2.0 / 3, 1e-13);
  EXPECT_NEAR(m.removal_effects[Id(t, "a")], 0.5, 1e-12);
  EXPECT_NEAR(m.removal_effects[Id(t, "b")], 1, 1e-12);
  EXPECT_NEAR(m.credit.conversions[Id(t, "a")], 2.0 / 3, 1e-12);
  EXPECT_NEAR(m.credit.conversions[Id(t, "b")], 4.0 / 3, 1e-12);
  EXPECT_NEAR(m.credit.value[Id(t, "a")], 1, 1e-12);
  // Order 1 differs: (a) -> (b), so removing a only loses a third of the
  // walks through b: p(-a) = 2/3 * 2/3, RE = 1/3.
  const MarkovResult m1 = Markov(t, {.order = 1, .threads = 1}).value();
  EXPECT_NEAR(m1.removal_effects[Id(t, "a")], 1.0 / 3, 1e-12);
}

TEST(Markov, ManyChannelsTakeTheHashedPathToTheSameResult) {
  // Past 256 channels the chain's edges are hashed instead of dense rows.
  PathTableBuilder builder;
  for (int c = 0; c < 300; ++c) ASSERT_TRUE(builder.Channel("x" + std::to_string(c)));
  const ChannelId a = builder.Channel("a").value(), b = builder.Channel("b").value();
  const ChannelId ab[] = {a, b}, only_b[] = {b};
  builder.AddRow(ab, 1, 3, 0);
  builder.AddRow(only_b, 1, 0, 1);
  const PathTable t = std::move(builder).Finish();
  const MarkovResult m = Markov(t, {.order = 2, .threads = 2}).value();
  EXPECT_NEAR(m.conversion_probability, 2.0 / 3, 1e-13);
  EXPECT_NEAR(m.credit.conversions[a], 2.0 / 3, 1e-12);
  EXPECT_NEAR(m.credit.conversions[b], 4.0 / 3, 1e-12);
  EXPECT_EQ(m.credit.conversions[0], 0);
  const ChannelCredit s = Shapley(t).value();
  EXPECT_NEAR(s.conversions[a], 0.5, 1e-12);
  EXPECT_NEAR(s.conversions[b], 1.5, 1e-12);
  EXPECT_NEAR(ShaoLi(t).value().conversions[b] + ShaoLi(t).value().conversions[a], 2, 1e-12);
}

TEST(Markov, DenseRowsBudgetDoesNotChangeTheResult) {
  std::mt19937_64 rng(5);
  std::string rows;
  for (int r = 0; r < 3000; ++r) {
    const int len = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < len; ++k)
      rows += std::string(k ? ">" : "") + "c" + std::to_string(rng() % 9);
    rows += ";" + std::to_string(rng() % 3) + ";" + std::to_string(rng() % 90) + ";" +
            std::to_string(rng() % 5) + "\n";
  }
  const PathTable t = ParseRows(rows);
  MarkovOptions dense{.order = 3, .threads = 2};
  const MarkovResult all_dense = Markov(t, dense).value();
  ASSERT_GT(all_dense.states.size(), 200u);
  for (const size_t budget : {size_t{0}, size_t{4} * 11 * 100}) {
    MarkovOptions options = dense;
    options.dense_rows_bytes = budget;  // none, or rows for the first 100 states
    const MarkovResult m = Markov(t, options).value();
    EXPECT_EQ(m.states, all_dense.states);
    EXPECT_EQ(m.transitions.size(), all_dense.transitions.size());
    EXPECT_NEAR(m.conversion_probability, all_dense.conversion_probability, 1e-14);
    for (size_t c = 0; c < t.channels.size(); ++c) {
      EXPECT_NEAR(m.credit.conversions[c], all_dense.credit.conversions[c], 1e-9) << budget;
    }
  }
}

TEST_F(CaPathsTest, MarkovDoesNotDependOnTheThreadCount) {
  for (const int order : {1, 3}) {
    const MarkovResult one = Markov(table(), {.order = order, .threads = 1}).value();
    const MarkovResult three = Markov(table(), {.order = order, .threads = 3}).value();
    EXPECT_EQ(one.credit.conversions, three.credit.conversions) << order;
    EXPECT_EQ(one.removal_effects, three.removal_effects) << order;
    EXPECT_EQ(one.states, three.states) << order;
  }
}

TEST_F(CaPathsTest, DirectAndIterativeSolvesAgree) {
  for (const int order : {1, 2, 3}) {
    MarkovOptions direct{.order = order, .threads = 2};
    direct.solver = MarkovSolver::kDirect;
    MarkovOptions iterative = direct;
    iterative.solver = MarkovSolver::kIterative;
    const MarkovResult a = Markov(table(), direct).value();
    const MarkovResult b = Markov(table(), iterative).value();
    EXPECT_NEAR(a.conversion_probability, b.conversion_probability, 1e-13) << order;
    for (size_t c = 0; c < table().channels.size(); ++c) {
      EXPECT_NEAR(a.removal_effects[c], b.removal_effects[c], 1e-11) << order;
      ExpectRelative(a.credit.conversions[c], b.credit.conversions[c], 1e-10, "credit");
    }
  }
  // The README's figures hold with either.
  for (const MarkovSolver solver : {MarkovSolver::kDirect, MarkovSolver::kIterative}) {
    MarkovOptions options;
    options.solver = solver;
    const MarkovResult m = Markov(table(), options).value();
    for (const Expected& e : kExpected) {
      ExpectRelative(m.credit.conversions[Id(table(), e.channel)], e.markov, 1e-6, e.channel);
    }
  }
}

TEST(Markov, RejectsOrderZero) {
  const auto result = Markov(ParseRows("a;1;1;1\n"), {.order = 0, .threads = 1});
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error().message, HasSubstr("order must be >= 1"));
}

TEST(Markov, NoConversionsGiveNoCredit) {
  const PathTable t = ParseRows("a>b;0;0;3\n");
  const MarkovResult m = Markov(t, {}).value();
  EXPECT_EQ(m.conversion_probability, 0);
  EXPECT_EQ(Sum(m.credit.conversions), 0);
}

// Walks the chain `walks` times from (start); `removed` channel's states
// absorb into null. Returns the share of walks that convert.
double Simulate(const MarkovResult& m, const PathTable& t, int removed, int walks,
                std::mt19937_64& rng) {
  std::vector<std::vector<std::pair<uint32_t, double>>> out(m.states.size());
  for (const MarkovTransition& tr : m.transitions) out[tr.from].emplace_back(tr.to, tr.probability);
  std::vector<bool> blocked(m.states.size(), false);
  if (removed >= 0) {
    for (size_t s = 3; s < m.states.size(); ++s) {
      std::stringstream parts(m.states[s]);
      std::string part;
      while (std::getline(parts, part, '>')) {
        if (part == t.channels[static_cast<size_t>(removed)]) blocked[s] = true;
      }
    }
  }
  std::uniform_real_distribution<double> uniform(0, 1);
  int converted = 0;
  for (int w = 0; w < walks; ++w) {
    uint32_t s = 0;
    while (s != 1 && s != 2 && !blocked[s]) {
      double u = uniform(rng);
      uint32_t next = out[s].back().first;
      for (const auto& [to, p] : out[s]) {
        if (u < p) {
          next = to;
          break;
        }
        u -= p;
      }
      s = next;
    }
    converted += s == 1 ? 1 : 0;
  }
  return static_cast<double>(converted) / walks;
}

TEST(Markov, ExactSolveAgreesWithLongSimulation) {
  std::mt19937_64 rng(2024);
  std::string rows;
  const char* names[] = {"a", "b", "c", "d"};
  for (int r = 0; r < 60; ++r) {
    const int len = 1 + static_cast<int>(rng() % 5);
    for (int k = 0; k < len; ++k) rows += std::string(k ? ">" : "") + names[rng() % 4];
    rows += ";" + std::to_string(rng() % 4) + ";" + std::to_string(rng() % 50) + ";" +
            std::to_string(rng() % 9) + "\n";
  }
  const PathTable t = ParseRows(rows);
  constexpr int kWalks = 400'000;
  for (const int order : {1, 2}) {
    const MarkovResult m = Markov(t, {.order = order, .threads = 2}).value();
    const double p = m.conversion_probability;
    const double sigma = std::sqrt(p * (1 - p) / kWalks);
    EXPECT_NEAR(Simulate(m, t, -1, kWalks, rng), p, 5 * sigma) << "order " << order;
    for (size_t c = 0; c < t.channels.size(); ++c) {
      const double removed = p * (1 - m.removal_effects[c]);
      const double sigma_c = std::sqrt(std::max(removed * (1 - removed), 1e-12) / kWalks);
      EXPECT_NEAR(Simulate(m, t, static_cast<int>(c), kWalks, rng), removed, 5 * sigma_c)
          << "order " << order << " without " << t.channels[c];
    }
  }
}

// --- Reconciliation on random data ------------------------------------------------

TEST(Reconciliation, EveryModelSumsToTheTotals) {
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 5; ++trial) {
    std::string rows;
    const int channels = 2 + trial * 3;
    for (int r = 0; r < 200; ++r) {
      const int len = 1 + static_cast<int>(rng() % 6);
      for (int k = 0; k < len; ++k) {
        rows += std::string(k ? " > " : "") + "ch" + std::to_string(rng() % channels);
      }
      rows += " ; " + std::to_string(rng() % 3) + " ; " + std::to_string(rng() % 1000) + ".25 ; " +
              std::to_string(rng() % 4) + "\n";
    }
    const PathTable t = ParseRows(rows);
    const double conv = Sum(t.conversions), value = Sum(t.value);
    std::vector<std::pair<std::string, ChannelCredit>> models = {
        {"first", FirstTouch(t)},
        {"last", LastTouch(t)},
        {"linear", Linear(t, false)},
        {"unique", Linear(t, true)},
        {"markov1", Markov(t, {.order = 1, .threads = 1}).value().credit},
        {"markov3", Markov(t, {.order = 3, .threads = 2}).value().credit},
        {"shapley", Shapley(t).value()},
        {"shapley_rate", ShapleyRate(t).value()},
        {"shao_li", ShaoLi(t).value()},
    };
    for (const auto& [name, credit] : models) {
      EXPECT_NEAR(Sum(credit.conversions), conv, 1e-9 * conv) << name;
      EXPECT_NEAR(Sum(credit.value), value, 1e-9 * value) << name;
    }
  }
}

// --- The path file ----------------------------------------------------------------

TEST(PathFile, ReadsBlanksCrlfBomAndOptionalNulls) {
  const PathTable t = Parse(
      "\xEF\xBB\xBFpath ; total_conversions ; total_conversion_value\r\n"
      " paid search >  email ; 2 ; 10.5\r\n\r\nemail;0;0\r\n");
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_THAT(t.channels, ::testing::ElementsAre("paid search", "email"));
  EXPECT_THAT(t.path(0), ::testing::ElementsAre(0, 1));
  EXPECT_EQ(t.conversions[0], 2);
  EXPECT_EQ(t.value[0], 10.5);
  EXPECT_EQ(t.nulls[0], 0);
}

TEST(PathFile, ColumnsByNameAndCustomSeparators) {
  PathFileOptions options;
  options.sep = ',';
  options.path_sep = '|';
  const PathTable t = Parse("total_null,path,total_conversions\n4,a|b|a,1e2\n", options);
  ASSERT_EQ(t.rows(), 1u);
  EXPECT_EQ(t.nulls[0], 4);
  EXPECT_EQ(t.conversions[0], 100);
  EXPECT_THAT(t.path(0), ::testing::ElementsAre(0, 1, 0));
}

core::Error ParseError(std::string_view text) {
  auto result = ParsePathFile(text, "bad.csv");
  EXPECT_FALSE(result.has_value());
  return result ? core::Error{} : result.error();
}

core::Error ParseError(std::string_view text);

TEST(PathFile, NumbersReadExactlyAsFromChars) {
  std::mt19937_64 rng(11);
  std::vector<std::string> numbers = {"0",
                                      "0.00",
                                      "1e2",
                                      ".5",
                                      "0.1",
                                      "1234567.891",
                                      "0.3",
                                      "2.675",
                                      "999999999999999",
                                      "1234567890123456789",
                                      "0.000000000000001",
                                      "00012.50",
                                      "7.0000000000000001"};
  for (int i = 0; i < 2000; ++i) {
    const uint64_t m = rng() % 1000000000000000ULL;
    const int scale = static_cast<int>(rng() % 16);
    std::string digits = std::to_string(m);
    if (scale > 0) {
      while (digits.size() <= static_cast<size_t>(scale)) digits.insert(0, "0");
      digits.insert(digits.size() - static_cast<size_t>(scale), ".");
    }
    numbers.push_back(digits);
  }
  std::string rows;
  for (const std::string& n : numbers) rows += "a;1;" + n + ";0\n";
  const PathTable t = ParseRows(rows);
  ASSERT_EQ(t.rows(), numbers.size());
  for (size_t i = 0; i < numbers.size(); ++i) {
    double expected = 0;
    std::from_chars(numbers[i].data(), numbers[i].data() + numbers[i].size(), expected);
    EXPECT_EQ(t.value[i], expected) << numbers[i];
  }
  EXPECT_EQ(ParseRows("a;1.;0;0\n").conversions[0], 1);  // as strtod
  EXPECT_THAT(ParseError(std::string(kHeader) + "a;1.2.3;0;0\n").message, HasSubstr("'1.2.3'"));
}

TEST(PathFile, BadNumberNamesFileLineColumnAndField) {
  const core::Error e = ParseError(std::string(kHeader) + "a>b;1;2;3\na>b;1; x1 ;3\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.column, 8);
  EXPECT_EQ(e.field, "total_conversion_value");
  EXPECT_THAT(e.ToString(), HasSubstr("bad.csv:3:8"));
  EXPECT_THAT(e.message, HasSubstr("invalid number 'x1'"));
}

TEST(PathFile, WrongColumnCount) {
  core::Error e = ParseError(std::string(kHeader) + "a;1;2\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_THAT(e.message, HasSubstr("expected 4 fields separated by ';', found 3"));
  e = ParseError(std::string(kHeader) + "a;1;2;3;4\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.column, 8);
  EXPECT_THAT(e.message, HasSubstr("found more"));
}

TEST(PathFile, EmptyPathAndEmptyChannel) {
  core::Error e = ParseError(std::string(kHeader) + "a;1;2;3\n  ;1;2;3\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.field, "path");
  EXPECT_THAT(e.message, HasSubstr("empty path"));
  e = ParseError(std::string(kHeader) + "a > > b;1;2;3\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.column, 4);
  EXPECT_THAT(e.message, HasSubstr("empty channel name"));
}

TEST(PathFile, ChannelNamesMustBeUtf8) {
  const core::Error e = ParseError(std::string(kHeader) + "a;1;2;3\nb > caf\xE9;1;2;3\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.column, 4);
  EXPECT_THAT(e.message, HasSubstr("not valid UTF-8"));
  EXPECT_EQ(ParseRows("caf\xC3\xA9 > b;1;2;3\n").channels[0], "caf\xC3\xA9");
}

TEST(PathFile, NegativeAndNonFiniteNumbers) {
  EXPECT_THAT(ParseError(std::string(kHeader) + "a;-1;2;3\n").message, HasSubstr("negative"));
  EXPECT_THAT(ParseError(std::string(kHeader) + "a;1;inf;3\n").message,
              HasSubstr("invalid number"));
  EXPECT_THAT(ParseError(std::string(kHeader) + "a;1;2;\n").message, HasSubstr("missing number"));
}

TEST(PathFile, BadHeaders) {
  EXPECT_THAT(ParseError("").message, HasSubstr("empty file"));
  core::Error e = ParseError("a>b;1;2;3\n");
  EXPECT_EQ(e.line, 1);
  EXPECT_THAT(e.message, HasSubstr("unknown column 'a>b'"));
  EXPECT_THAT(ParseError("path,total_conversions\na,1\n").message,
              HasSubstr("seems to use ',' as separator (--sep)"));
  EXPECT_THAT(ParseError("path;total_null\n").message,
              HasSubstr("must name the columns path and total_conversions"));
  EXPECT_THAT(ParseError("path;path;total_conversions\n").message, HasSubstr("twice"));
  auto same = ParsePathFile("path;total_conversions\n", "x", {.sep = ';', .path_sep = ';'});
  ASSERT_FALSE(same.has_value());
  EXPECT_THAT(same.error().message, HasSubstr("must differ"));
}

TEST(PathFile, ThreadsGiveTheSameTableAndTheSameErrors) {
  std::string text(kHeader);
  std::mt19937 rng(3);
  for (int r = 0; r < 60000; ++r) {
    const int len = 1 + static_cast<int>(rng() % 5);
    for (int k = 0; k < len; ++k)
      text += std::string(k ? " > " : "") + "c" + std::to_string(rng() % 30);
    text += ";" + std::to_string(rng() % 3) + ";" + std::to_string(rng() % 100) + ";1\n";
  }
  ASSERT_GT(text.size(), 1u << 20);
  const PathTable one = Parse(text, {.sep = ';', .path_sep = '>', .threads = 1});
  const PathTable four = Parse(text, {.sep = ';', .path_sep = '>', .threads = 4});
  EXPECT_EQ(one.channels, four.channels);
  EXPECT_EQ(one.offsets, four.offsets);
  EXPECT_EQ(one.steps, four.steps);
  EXPECT_EQ(one.conversions, four.conversions);
  EXPECT_EQ(one.value, four.value);
  EXPECT_EQ(one.rows(), 60000u);

  // An error near the end is reported at its own line by every thread count.
  text += "a;1;oops;1\n";
  for (const int threads : {1, 2, 4}) {
    auto result = ParsePathFile(text, "big.csv", {.sep = ';', .path_sep = '>', .threads = threads});
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().line, 60002) << threads;
    EXPECT_EQ(result.error().column, 5) << threads;
  }
}

TEST(PathTableBuilder, InternsChannelsInOrder) {
  PathTableBuilder builder;
  const ChannelId email = builder.Channel("email").value();
  const ChannelId web = builder.Channel("web").value();
  EXPECT_EQ(builder.Channel("email").value(), email);
  const ChannelId path[] = {email, web, email};
  builder.AddRow(path, 1, 2, 3);
  const PathTable t = std::move(builder).Finish();
  EXPECT_THAT(t.channels, ::testing::ElementsAre("email", "web"));
  EXPECT_EQ(t.rows(), 1u);
  EXPECT_EQ(t.nulls[0], 3);
}

}  // namespace
}  // namespace mops::attribution
