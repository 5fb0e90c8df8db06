// The strict-input helpers every capability route uses.
#include "http/input.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace mops::http {
namespace {

core::Result<int> Limit(const std::string& value, int fallback = 100, int max = 1000) {
  Request raw;
  if (value != "<absent>") raw.params.emplace("limit", value);
  // The helper reads only the query; the workspace is a bystander.
  static const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                            ("mops_input_test_" + std::to_string(getpid()) + ".db");
  static std::unique_ptr<store::Database> db = *store::Open(path.string());
  RequestContext ctx{raw, {}, *db, {}, std::nullopt};
  return LimitParam(ctx, fallback, max);
}

class LimitParamTest : public ::testing::Test {
 protected:
  static void TearDownTestSuite() {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(std::filesystem::temp_directory_path() /
                              ("mops_input_test_" + std::to_string(getpid()) + ".db" + suffix));
    }
  }
};

TEST_F(LimitParamTest, RefusesWhatItUsedToClamp) {
  EXPECT_EQ(*Limit("<absent>"), 100);
  EXPECT_EQ(*Limit("1"), 1);
  EXPECT_EQ(*Limit("1000"), 1000);
  for (const char* over : {"1001", "5000", "99999999999999999999"}) {
    auto r = Limit(over);
    ASSERT_FALSE(r.has_value()) << over;
    EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().field, "limit");
    EXPECT_NE(r.error().message.find("at most 1000"), std::string::npos) << r.error().message;
  }
  for (const char* bad : {"", "0", "-5", "12abc", "1e3", " 5", "5 ", "x"}) {
    auto r = Limit(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().field, "limit");
    EXPECT_NE(r.error().message.find("from 1 to 1000"), std::string::npos) << r.error().message;
  }
}

TEST(CheckFieldsTest, NamesTheUnknownField) {
  EXPECT_TRUE(CheckFields(Json::object(), {}).has_value());
  EXPECT_TRUE(CheckFields(Json{{"a", 1}, {"b", 2}}, {"a", "b", "c"}).has_value());
  auto unknown = CheckFields(Json{{"a", 1}, {"drop_table", true}}, {"a", "b"});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(unknown.error().field, "drop_table");
  EXPECT_EQ(unknown.error().message, "unknown field 'drop_table' (expected a, b)");
  auto none = CheckFields(Json{{"x", 1}}, {});
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().field, "x");
  EXPECT_FALSE(CheckFields(Json::array(), {"a"}).has_value());
  EXPECT_FALSE(CheckFields(Json("text"), {"a"}).has_value());
}

TEST(CheckRangeTest, FromAfterToIsRefused) {
  EXPECT_TRUE(CheckRange(std::nullopt, std::nullopt).has_value());
  EXPECT_TRUE(CheckRange(10, std::nullopt).has_value());
  EXPECT_TRUE(CheckRange(std::nullopt, 10).has_value());
  EXPECT_TRUE(CheckRange(10, 10).has_value());
  auto r = CheckRange(1'767'225'600, 1'735'689'600);  // 2026-01-01 after 2025-01-01
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().field, "from");
  EXPECT_EQ(r.error().message, "from (2026-01-01T00:00:00Z) is after to (2025-01-01T00:00:00Z)");
}

}  // namespace
}  // namespace mops::http
