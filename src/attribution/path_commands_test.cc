// Runs the real `mops` binary: `mops attribute paths` on the reference data
// and on bad input (exit code, message on stderr, nothing on stdout), and
// `mops generate paths`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/cli_support.h"

namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace fs = std::filesystem;
using mops::cli_test::CliWorkspace;
using mops::cli_test::RunResult;
using mops::cli_test::Slurp;

std::string CaPaths() {
  const char* root = std::getenv("MOPS_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/../shared/data/ca_paths.csv";
}

class PathsCli : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) const {
    return dir_.Write(name, text);
  }
  std::string Path(const std::string& name) const { return (dir_.dir() / name).string(); }
  RunResult Mops(std::vector<std::string> args) const { return dir_.Run(std::move(args)); }

 private:
  CliWorkspace dir_;
};

std::vector<std::vector<std::string>> CsvRows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::stringstream parts(line);
    std::string field;
    while (std::getline(parts, field, ',')) fields.push_back(field);
    rows.push_back(fields);
  }
  return rows;
}

TEST_F(PathsCli, EveryModelOnTheReferenceData) {
  const RunResult run = Mops({"attribute", "paths", CaPaths(), "--model", "all"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto rows = CsvRows(run.out);
  ASSERT_EQ(rows.size(), 1u + 7 * 12);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"model", "channel", "conversions", "value"}));
  std::map<std::string, double> sum;
  std::map<std::string, double> credit;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 4u);
    sum[rows[i][0]] += std::stod(rows[i][2]);
    credit[rows[i][0] + "/" + rows[i][1]] = std::stod(rows[i][2]);
  }
  EXPECT_EQ(sum.size(), 7u);
  for (const auto& [model, total] : sum) EXPECT_NEAR(total, 19785, 1e-6) << model;
  EXPECT_NEAR(credit["markov/alpha"], 5344.947682, 5344.947682 * 1e-6);
  EXPECT_NEAR(credit["markov/zeta"], 381.062553, 381.062553 * 1e-6);
  EXPECT_EQ(credit["first_touch/alpha"], 6308);
  EXPECT_EQ(credit["last_touch/beta"], 989);
  EXPECT_NEAR(credit["linear/alpha"], 7574.718594, 7574.718594 * 1e-6);
}

TEST_F(PathsCli, MarkovTransitionsRemovalEffectsAndOut) {
  const std::string out = Path("credit.csv"), transitions = Path("transitions.csv");
  const RunResult run = Mops({"attribute", "paths", CaPaths(), "--model", "markov", "--order", "2",
                              "--out", out, "--transitions", transitions, "--removal-effects"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err, HasSubstr("conversion probability"));
  EXPECT_THAT(run.err, HasSubstr("channel,removal_effect\nalpha,0."));
  EXPECT_EQ(CsvRows(Slurp(out)).size(), 13u);
  const std::string matrix = Slurp(transitions);
  EXPECT_THAT(matrix, StartsWith("from,to,probability\n(start),"));
  EXPECT_THAT(matrix, HasSubstr(",(conversion),"));
  EXPECT_THAT(matrix, HasSubstr("alpha>eta,"));
}

TEST_F(PathsCli, SeparatorsAndUnique) {
  const std::string file =
      Write("tabs.tsv", "path\ttotal_conversions\ttotal_conversion_value\na|b|a\t3\t30\n");
  const RunResult run = Mops({"attribute", "paths", file, "--model", "linear", "--sep", "\\t",
                              "--path-sep", "|", "--unique"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "model,channel,conversions,value\nlinear,a,1.5,15\nlinear,b,1.5,15\n");
}

TEST_F(PathsCli, BadFileNamesFileAndLine) {
  const std::string file = Write(
      "bad.csv", "path;total_conversions;total_conversion_value;total_null\na>b;1;2;3\nb;x;1;1\n");
  const RunResult run = Mops({"attribute", "paths", file, "--model", "all"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err, HasSubstr(file + ":3:3: field 'total_conversions': invalid number 'x'"));

  const std::string short_row =
      Write("short.csv", "path;total_conversions;total_conversion_value;total_null\na;1\n");
  const RunResult run2 = Mops({"attribute", "paths", short_row});
  EXPECT_EQ(run2.exit_code, 1);
  EXPECT_THAT(run2.err, HasSubstr("short.csv:2:"));
  EXPECT_THAT(run2.err, HasSubstr("expected 4 fields"));
}

TEST_F(PathsCli, BadArguments) {
  RunResult run = Mops({"attribute", "paths", Path("missing.csv")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("missing.csv"));
  run = Mops({"attribute", "paths", CaPaths(), "--model", "magic"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("unknown model 'magic'"));
  run = Mops({"attribute", "paths", CaPaths(), "--model", "shapley", "--transitions", "x.csv"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("need the markov model"));
  run = Mops({"attribute", "paths", CaPaths(), "--sep", ";;"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("field '--sep': must be one character"));
  run = Mops({"attribute", "paths", CaPaths(), "--order", "0"});
  EXPECT_EQ(run.exit_code, 2);  // usage error
  run = Mops({"attribute", "paths"});
  EXPECT_EQ(run.exit_code, 2);
}

TEST_F(PathsCli, ShapleyRateAboveTwentyChannels) {
  std::string text = "path;total_conversions;total_conversion_value;total_null\n";
  for (int c = 0; c < 21; ++c) text += "c" + std::to_string(c) + ";1;1;1\n";
  const std::string file = Write("wide.csv", text);
  RunResult run = Mops({"attribute", "paths", file, "--model", "shapley_rate"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err, HasSubstr("at most 20 channels"));
  // `all` runs every model that applies and says which it left out.
  run = Mops({"attribute", "paths", file, "--model", "all"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(CsvRows(run.out).size(), 1u + 6 * 21);
  EXPECT_THAT(run.err, HasSubstr("shapley_rate left out"));
}

TEST_F(PathsCli, GeneratedFileRunsThroughEveryModel) {
  const std::string file = Path("gen.csv");
  RunResult run = Mops(
      {"generate", "paths", "--rows", "2000", "--channels", "12", "--seed", "5", "--out", file});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string first = Slurp(file);
  EXPECT_THAT(first, StartsWith("path;total_conversions;total_conversion_value;total_null\n"));
  EXPECT_EQ(std::count(first.begin(), first.end(), '\n'), 2001);
  ASSERT_EQ(Mops({"generate", "paths", "--rows", "2000", "--channels", "12", "--seed", "5", "--out",
                  file})
                .exit_code,
            0);
  EXPECT_EQ(Slurp(file), first);  // deterministic
  run = Mops({"attribute", "paths", file, "--model", "all", "--order", "3"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(CsvRows(run.out).size(), 1u + 7 * 12);
  run = Mops({"generate", "paths", "--rows", "0", "--out", file});
  EXPECT_EQ(run.exit_code, 2);
}

}  // namespace
