// `mops token` through the real binary: revoke by id only (or by a name that
// only one active token has), lifetimes, and what `token list` shows.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/cli/cli_support.h"

namespace mops::cli_test {
namespace {

// The rows of `token list --format csv`, split on commas (no field here has one).
std::vector<std::vector<std::string>> TokenRows(const CliWorkspace& ws) {
  RunResult list = ws.Mops({"--format", "csv", "token", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(list.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream parts(line);
    while (std::getline(parts, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.push_back("");
    rows.push_back(cells);
  }
  return rows;
}

TEST(CliTokenTest, RevokeByIdOnlyAndByUnambiguousName) {
  CliWorkspace ws;
  ASSERT_EQ(ws.Mops({"init"}).exit_code, 0);                                              // id 1
  ASSERT_EQ(ws.Mops({"token", "create", "--name", "1"}).exit_code, 0);                    // id 2
  ASSERT_EQ(ws.Mops({"token", "create", "--name", "ci", "--role", "ops"}).exit_code, 0);  // 3
  ASSERT_EQ(ws.Mops({"token", "create", "--name", "ci"}).exit_code, 0);                   // id 4

  RunResult by_id = ws.Mops({"token", "revoke", "1"});
  EXPECT_EQ(by_id.exit_code, 0) << by_id.err;
  auto rows = TokenRows(ws);
  ASSERT_EQ(rows.size(), 5u);  // header + 4
  EXPECT_EQ(rows[0], (std::vector<std::string>{"id", "name", "role", "created_at", "expires_at",
                                               "last_used_at", "revoked_at"}));
  EXPECT_NE(rows[1][6], "") << "token 1 is revoked";
  EXPECT_EQ(rows[2][1], "1");
  EXPECT_EQ(rows[2][6], "") << "the token named \"1\" is not";

  RunResult not_an_id = ws.Mops({"token", "revoke", "ci"});
  EXPECT_NE(not_an_id.exit_code, 0);
  EXPECT_NE(not_an_id.err.find("is not a token id"), std::string::npos) << not_an_id.err;
  RunResult ambiguous = ws.Mops({"token", "revoke", "--name", "ci"});
  EXPECT_NE(ambiguous.exit_code, 0);
  EXPECT_NE(ambiguous.err.find("ids 3, 4"), std::string::npos) << ambiguous.err;
  RunResult nothing = ws.Mops({"token", "revoke"});
  EXPECT_NE(nothing.exit_code, 0);
  RunResult both = ws.Mops({"token", "revoke", "3", "--name", "ci"});
  EXPECT_NE(both.exit_code, 0);
  rows = TokenRows(ws);
  EXPECT_EQ(rows[3][6], "");
  EXPECT_EQ(rows[4][6], "");

  ASSERT_EQ(ws.Mops({"token", "revoke", "4"}).exit_code, 0);
  RunResult by_name = ws.Mops({"token", "revoke", "--name", "ci"});
  EXPECT_EQ(by_name.exit_code, 0) << by_name.err;
  EXPECT_NE(by_name.out.find("revoked token 3"), std::string::npos) << by_name.out;
}

TEST(CliTokenTest, LifetimesAndList) {
  CliWorkspace ws;
  ASSERT_EQ(ws.Mops({"init"}).exit_code, 0);
  RunResult expiring = ws.Mops({"token", "create", "--name", "ci", "--expires", "90d"});
  ASSERT_EQ(expiring.exit_code, 0) << expiring.err;
  for (const char* bad : {"90m", "0h", "d", "1.5d", "-3d"}) {
    RunResult r = ws.Mops({"token", "create", "--name", "bad", "--expires", bad});
    EXPECT_NE(r.exit_code, 0) << bad;
    EXPECT_NE(r.err.find("--expires"), std::string::npos) << bad << ": " << r.err;
  }
  auto rows = TokenRows(ws);
  ASSERT_EQ(rows.size(), 3u) << "a refused lifetime creates no token";
  EXPECT_EQ(rows[1][4], "") << "init's token never expires";
  EXPECT_FALSE(rows[2][4].empty()) << "the ci token shows its expiry";
  EXPECT_GT(rows[2][4], rows[2][3]) << "expiry after creation";
}

}  // namespace
}  // namespace mops::cli_test
