#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "demo/demo.h"

namespace mops::demo {
namespace {

using ::testing::HasSubstr;

TEST(GeneratePathFile, ShapeAndDeterminism) {
  PathGeneratorOptions options;
  options.rows = 50'000;
  options.channels = 20;
  options.seed = 9;
  const std::string text = GeneratePathFile(options).value();
  EXPECT_EQ(GeneratePathFile(options).value(), text);
  options.seed = 10;
  EXPECT_NE(GeneratePathFile(options).value(), text);

  std::stringstream lines(text);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "path;total_conversions;total_conversion_value;total_null");
  int64_t rows = 0, steps = 0, conversions = 0, journeys = 0;
  std::set<std::string> channels, paths;
  while (std::getline(lines, line)) {
    ++rows;
    std::stringstream fields(line);
    std::string path, conv, value, nulls;
    std::getline(fields, path, ';');
    std::getline(fields, conv, ';');
    std::getline(fields, value, ';');
    std::getline(fields, nulls, ';');
    paths.insert(path);
    for (size_t start = 0;;) {
      const size_t end = path.find(" > ", start);
      channels.insert(path.substr(start, end - start));
      ++steps;
      if (end == std::string::npos) break;
      start = end + 3;
    }
    conversions += std::stoi(conv);
    journeys += std::stoi(conv) + std::stoi(nulls);
    EXPECT_GE(std::stoi(conv) + std::stoi(nulls), 1) << line;
    EXPECT_EQ(std::stod(value) > 0, std::stoi(conv) > 0) << line;
  }
  EXPECT_EQ(rows, 50'000);
  EXPECT_EQ(channels.size(), 20u);
  EXPECT_TRUE(channels.contains("paid_search"));
  EXPECT_TRUE(channels.contains("channel_20"));
  EXPECT_NEAR(static_cast<double>(steps) / rows, 4.0, 0.2);
  const double rate = static_cast<double>(conversions) / static_cast<double>(journeys);
  EXPECT_GT(rate, 0.05);
  EXPECT_LT(rate, 0.5);
  // Repeats but mostly distinct at this size (about 40% at 1,000,000 rows).
  EXPECT_GT(paths.size(), 20'000u);
  EXPECT_LT(paths.size(), 50'000u);
}

TEST(GeneratePathFile, RejectsBadOptions) {
  PathGeneratorOptions options;
  options.rows = 0;
  EXPECT_THAT(GeneratePathFile(options).error().message, HasSubstr("--rows"));
  options.rows = 10;
  options.channels = 0;
  EXPECT_THAT(GeneratePathFile(options).error().message, HasSubstr("--channels"));
}

}  // namespace
}  // namespace mops::demo
