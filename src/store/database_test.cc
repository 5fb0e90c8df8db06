#include "store/database.h"

#include <gtest/gtest.h>

#include "store/deferred_indexes.h"
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
std::vector<std::string> IndexNames(Database& db) {
  auto rows = db.Query(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
      "ORDER BY name");
  EXPECT_TRUE(rows.has_value());
  std::vector<std::string> names;
  for (const auto& r : rows->rows) names.push_back(AsText(r[0]));
  return names;
}

TEST(DeferredIndexes, DropsPlainIndexesOnWrittenColumnsAndRestoresThem) {
  auto db = Open(":memory:");
  ASSERT_TRUE(db.has_value());
  ASSERT_TRUE((*db)->ExecScript(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c TEXT);"
      "CREATE INDEX \"t a\" ON t (a); CREATE INDEX t_b ON t (b);"
      "CREATE UNIQUE INDEX t_c ON t (c); CREATE INDEX t_a_partial ON t (a) WHERE a IS NOT NULL;"));
  const std::vector<std::string> all = IndexNames(**db);
  const std::vector<std::string> written = {"a", "c"};
  DeferredIndexes deferred;
  ASSERT_TRUE(deferred.Defer(**db, "t", written).has_value());
  EXPECT_TRUE(deferred.active());
  // Only the plain index on a written column goes (a quoted name included):
  // b is not written, c is unique, the partial one stays.
  EXPECT_EQ(IndexNames(**db), (std::vector<std::string>{"t_a_partial", "t_b", "t_c"}));
  ASSERT_TRUE((*db)->ExecScript("INSERT INTO t (a, b, c) VALUES ('x', 'y', 'z')").has_value());
  ASSERT_TRUE(deferred.Restore(**db).has_value());
  EXPECT_FALSE(deferred.active());
  EXPECT_EQ(IndexNames(**db), all);
}

TEST(DeferredIndexes, EveryPlainIndexWithoutWrittenColumnsAndRolledBackWithTheTransaction) {
  auto db = Open(":memory:");
  ASSERT_TRUE(db.has_value());
  ASSERT_TRUE((*db)
                  ->ExecScript("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);"
                               "CREATE INDEX t_a ON t (a); CREATE INDEX t_b ON t (b);")
                  .has_value());
  const std::vector<std::string> all = IndexNames(**db);
  {
    auto tx = Transaction::Start(**db);
    ASSERT_TRUE(tx.has_value());
    DeferredIndexes deferred;
    ASSERT_TRUE(deferred.Defer(**db, "t").has_value());
    EXPECT_TRUE(IndexNames(**db).empty());
    // The transaction ends without a commit: the drop is undone.
  }
  EXPECT_EQ(IndexNames(**db), all);
}

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
