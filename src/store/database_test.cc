#include "store/database.h"

#include <gtest/gtest.h>

#include "store/dict_builder.h"

namespace mops::store {
namespace {

TEST(ToDollarPlaceholders, NumbersPlaceholdersInOrder) {
  EXPECT_EQ(ToDollarPlaceholders("SELECT a FROM t WHERE b = ? AND c = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = $2");
  EXPECT_EQ(ToDollarPlaceholders("INSERT INTO t VALUES (?,?,?)"),
            "INSERT INTO t VALUES ($1,$2,$3)");
}

TEST(ToDollarPlaceholders, LeavesSqlWithoutPlaceholdersAlone) {
  EXPECT_EQ(ToDollarPlaceholders(""), "");
  EXPECT_EQ(ToDollarPlaceholders("SELECT 1"), "SELECT 1");
}

TEST(ToDollarPlaceholders, CountsPastNine) {
  std::string sql = "VALUES (";
  std::string want = "VALUES (";
  for (int i = 1; i <= 12; ++i) {
    sql += i > 1 ? ", ?" : "?";
    want += (i > 1 ? ", $" : "$") + std::to_string(i);
  }
  EXPECT_EQ(ToDollarPlaceholders(sql + ")"), want + ")");
}

TEST(ToDollarPlaceholders, IgnoresQuestionMarksInStringLiterals) {
  EXPECT_EQ(ToDollarPlaceholders("SELECT '?' , ? FROM t WHERE s = 'what?'"),
            "SELECT '?' , $1 FROM t WHERE s = 'what?'");
  // A doubled quote inside a literal ends and reopens it: still inside.
  EXPECT_EQ(ToDollarPlaceholders("SELECT 'it''s ?', ?"), "SELECT 'it''s ?', $1");
}

TEST(ToDollarPlaceholders, IgnoresQuestionMarksInQuotedIdentifiers) {
  EXPECT_EQ(ToDollarPlaceholders("SELECT \"odd?name\" FROM t WHERE x = ?"),
            "SELECT \"odd?name\" FROM t WHERE x = $1");
  EXPECT_EQ(ToDollarPlaceholders("SELECT \"it's\" FROM t WHERE x = ?"),
            "SELECT \"it's\" FROM t WHERE x = $1");
}

TEST(ToDollarPlaceholders, KeepsUtf8Intact) {
  EXPECT_EQ(ToDollarPlaceholders("SELECT 'café ?' WHERE n = ? -- é"),
            "SELECT 'café ?' WHERE n = $1 -- é");
}

// Codes in order of first appearance, the same code for the same text however
// many values came between (the table grows past its first size many times),
// the empty text a value like any other.
TEST(DictBuilder, CodesInOrderOfFirstAppearance) {
  Column col;
  col.type = ColumnType::kDict;
  DictBuilder dict;
  EXPECT_EQ(dict.Code("b", col), 0);
  EXPECT_EQ(dict.Code("a", col), 1);
  EXPECT_EQ(dict.Code("b", col), 0);
  EXPECT_EQ(dict.Code("", col), 2);
  for (int i = 0; i < 20000; ++i) {
    const std::string v = "https://example.com/page/" + std::to_string(i % 5000);
    const int32_t code = dict.Code(v, col);
    ASSERT_EQ(code, 3 + i % 5000) << v;
    ASSERT_EQ(col.dict[code], v);
  }
  EXPECT_EQ(col.dict.size(), 5003u);
  EXPECT_EQ(dict.Code("a", col), 1);
  EXPECT_EQ(dict.Code("", col), 2);
  EXPECT_EQ(dict.Code("https://example.com/page/4999x", col), 5003);
}

}  // namespace
}  // namespace mops::store
