// The first commands a new user types: an unknown verb is a usage error that
// names it, and `init` creates the workspace's folders and file privately.
#include <sys/stat.h>

#include "tests/cli/cli_support.h"

namespace mops::cli_test {
namespace {

mode_t ModeOf(const fs::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

TEST(CliFirstRun, UnknownVerbExitsTwoNamingItAndTheVerbsThatExist) {
  CliWorkspace ws;
  for (std::vector<std::string> args : {std::vector<std::string>{"teleport"},
                                        {"teleport", "--help"},
                                        {"forecast", "--help"},
                                        {"budgetize", "--help"},
                                        {"--workspace", ws.workspace(), "teleport", "list"}}) {
    RunResult run = ws.Run(args);
    EXPECT_EQ(run.exit_code, 2) << args[0];
    const std::string verb = args[0] == "--workspace" ? args[2] : args[0];
    EXPECT_NE(run.err.find("unknown command '" + verb + "'"), std::string::npos) << run.err;
    for (const char* exists : {"import", "demo", "serve", "quality", "attribute", "stack"}) {
      EXPECT_NE(run.err.find(exists), std::string::npos) << exists << " in " << run.err;
    }
    EXPECT_EQ(run.out, "") << "no help text for a verb that does not exist";
  }
  EXPECT_FALSE(fs::exists(ws.workspace())) << "an unknown verb opens no workspace";
}

TEST(CliFirstRun, UnknownNestedVerbExitsTwo) {
  CliWorkspace ws;
  RunResult run = ws.Run({"quality", "audit", "--help"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("unknown command 'quality audit'"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("check"), std::string::npos) << run.err;
}

TEST(CliFirstRun, KnownVerbsStillAnswerHelp) {
  CliWorkspace ws;
  for (std::vector<std::string> args : {std::vector<std::string>{"--help"},
                                        {"import", "--help"},
                                        {"quality", "review", "list", "--help"}}) {
    RunResult run = ws.Run(args);
    EXPECT_EQ(run.exit_code, 0) << args[0] << ": " << run.err;
    EXPECT_NE(run.out.find("Usage"), std::string::npos);
  }
}

TEST(CliFirstRun, InitCreatesMissingFoldersAndAPrivateWorkspace) {
  CliWorkspace ws;
  const mode_t old_umask = ::umask(022);
  const fs::path workspace = ws.dir() / "company" / "ws" / "mops.db";
  RunResult run = ws.Run({"--workspace", workspace.string(), "init"});
  ::umask(old_umask);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(ModeOf(ws.dir() / "company"), 0700u);
  EXPECT_EQ(ModeOf(ws.dir() / "company" / "ws"), 0700u);
  EXPECT_EQ(ModeOf(workspace), 0600u);
  for (const char* suffix : {"-wal", "-shm"}) {
    const fs::path side = workspace.string() + suffix;
    if (fs::exists(side)) {
      EXPECT_EQ(ModeOf(side), 0600u) << side;
    }
  }
}

TEST(CliFirstRun, InitThatCannotCreateTheFolderNamesThePathAndTheReason) {
  CliWorkspace ws;
  const std::string file = ws.Write("notes.txt", "not a folder\n");
  const std::string workspace = file + "/ws/mops.db";
  RunResult run = ws.Run({"--workspace", workspace, "init"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find(workspace), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("'" + file + "' is not a folder"), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");
}

}  // namespace
}  // namespace mops::cli_test
