// The SQLite workspace's files on disk: missing folders are created (0700),
// the workspace file and its -wal/-shm files are private (0600), and a path
// that cannot be created is an error naming it and the reason.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "store/database.h"
#include "store/sqlite/sqlite_database.h"

namespace mops::store {
namespace {

namespace fs = std::filesystem;

mode_t ModeOf(const fs::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

class SqliteFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A common umask, so that 0600/0700 come from mops and not from the umask.
    old_umask_ = ::umask(022);
    std::string tmpl = (fs::temp_directory_path() / "mops-sqlite-files-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    ::umask(old_umask_);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  fs::path dir_;
  mode_t old_umask_ = 0;
};

TEST_F(SqliteFilesTest, CreatesMissingFoldersPrivately) {
  const fs::path ws = dir_ / "a" / "b" / "mops.db";
  auto db = Open(ws.string());
  ASSERT_TRUE(db.has_value()) << db.error().ToString();
  EXPECT_EQ(ModeOf(dir_ / "a"), 0700u);
  EXPECT_EQ(ModeOf(dir_ / "a" / "b"), 0700u);
  // The folder that existed keeps its mode.
  EXPECT_EQ(ModeOf(dir_), 0700u);  // mkdtemp's
}

TEST_F(SqliteFilesTest, WorkspaceAndItsWalAndShmFilesArePrivate) {
  const fs::path ws = dir_ / "mops.db";
  auto db = Open(ws.string());
  ASSERT_TRUE(db.has_value()) << db.error().ToString();
  ASSERT_TRUE(Migrate(**db).has_value());
  ASSERT_TRUE((*db)
                  ->ExecScript("CREATE TABLE probe (x INTEGER); INSERT INTO probe VALUES (1);")
                  .has_value());
  ASSERT_TRUE(fs::exists(fs::path(ws.string() + "-wal")));
  ASSERT_TRUE(fs::exists(fs::path(ws.string() + "-shm")));
  EXPECT_EQ(ModeOf(ws), 0600u);
  EXPECT_EQ(ModeOf(ws.string() + "-wal"), 0600u);
  EXPECT_EQ(ModeOf(ws.string() + "-shm"), 0600u);
}

TEST_F(SqliteFilesTest, RelativePathInTheCurrentFolder) {
  const fs::path old_cwd = fs::current_path();
  fs::current_path(dir_);
  auto db = Open("ws/mops.db");
  fs::current_path(old_cwd);
  ASSERT_TRUE(db.has_value()) << db.error().ToString();
  EXPECT_EQ(ModeOf(dir_ / "ws"), 0700u);
  EXPECT_EQ(ModeOf(dir_ / "ws" / "mops.db"), 0600u);
}

TEST_F(SqliteFilesTest, ExistingWorkspaceOpensAndKeepsItsData) {
  const fs::path ws = dir_ / "mops.db";
  {
    auto db = Open(ws.string());
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE((*db)
                    ->ExecScript("CREATE TABLE kept (x INTEGER); INSERT INTO kept VALUES (7);")
                    .has_value());
  }
  auto db = Open(ws.string());
  ASSERT_TRUE(db.has_value()) << db.error().ToString();
  auto stmt = (*db)->Prepare("SELECT x FROM kept");
  ASSERT_TRUE(stmt.has_value());
  auto rows = (*stmt)->Query({});
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 1u);
}

TEST_F(SqliteFilesTest, ParentThatIsAFileIsAnErrorNamingIt) {
  const fs::path file = dir_ / "notes.txt";
  std::FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  const fs::path ws = file / "ws" / "mops.db";
  auto db = Open(ws.string());
  ASSERT_FALSE(db.has_value());
  const std::string message = db.error().ToString();
  EXPECT_NE(message.find(ws.string()), std::string::npos) << message;
  EXPECT_NE(message.find("'" + file.string() + "' is not a folder"), std::string::npos) << message;
}

TEST_F(SqliteFilesTest, FolderThatCannotBeCreatedIsAnErrorNamingItAndTheReason) {
  // A name longer than any file system allows fails even for root.
  const fs::path bad = dir_ / std::string(300, 'x');
  const fs::path ws = bad / "mops.db";
  auto db = Open(ws.string());
  ASSERT_FALSE(db.has_value());
  const std::string message = db.error().ToString();
  EXPECT_NE(message.find("cannot create folder '" + bad.string() + "'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("File name too long"), std::string::npos) << message;
  std::error_code ec;
  EXPECT_FALSE(fs::exists(bad, ec));
}

TEST_F(SqliteFilesTest, MemoryDatabaseCreatesNoFile) {
  const fs::path old_cwd = fs::current_path();
  fs::current_path(dir_);
  auto db = Open(":memory:");
  fs::current_path(old_cwd);
  ASSERT_TRUE(db.has_value()) << db.error().ToString();
  EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
}  // namespace mops::store
