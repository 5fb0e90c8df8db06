#include "store/checkpointer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

namespace mops::store {
namespace {

namespace fs = std::filesystem;

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mops-checkpointer-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (fs::path(dir_) / "w.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The WAL index's frame counts: the last valid frame, and how many of them
  // a checkpoint has copied into the database (the -shm file's header).
  struct Frames {
    uint32_t max = 0, backfilled = 0;
  };
  Frames ReadFrames() const {
    std::ifstream in(path_ + "-shm", std::ios::binary);
    char header[128] = {};
    in.read(header, sizeof header);
    Frames f;
    std::memcpy(&f.max, header + 16, 4);
    std::memcpy(&f.backfilled, header + 96, 4);
    return f;
  }
  // Waits (up to 10 s) until every frame of the WAL is in the database.
  bool WaitForCheckpoint() const {
    for (int i = 0; i < 1000; ++i) {
      const Frames f = ReadFrames();
      if (f.max > 0 && f.backfilled == f.max) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  // Writes about `pages` pages of 4 KiB in one transaction.
  static void Write(Database& db, int pages) {
    ASSERT_TRUE(
        db.ExecScript("BEGIN; CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, pad TEXT);"
                      "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < " +
                      std::to_string(pages * 4) +
                      ") INSERT INTO t (pad) SELECT randomblob(900) FROM s; COMMIT;")
            .has_value());
  }
  static int64_t AutoCheckpoint(Database& db) {
    auto v = db.QueryValue("PRAGMA wal_autocheckpoint");
    EXPECT_TRUE(v.has_value());
    return v ? AsInt(*v) : -1;
  }

  std::string dir_, path_;
};

TEST_F(CheckpointerTest, ALongWriteCommitsWithoutCheckpointAndTheThreadCopiesItAfter) {
  auto db = Open(path_);
  ASSERT_TRUE(db.has_value());
  ASSERT_TRUE((*db)->ExecScript("PRAGMA wal_autocheckpoint=500").has_value());
  {
    const CheckpointElsewhere elsewhere(**db);
    EXPECT_EQ(AutoCheckpoint(**db), 0);
    Write(**db, 2000);  // four times the connection's own bound
    const Frames f = ReadFrames();
    EXPECT_GT(f.max, 2000u);
    EXPECT_LT(f.backfilled, f.max);  // the commit did not checkpoint
  }
  EXPECT_EQ(AutoCheckpoint(**db), 500);  // as it was
  EXPECT_TRUE(WaitForCheckpoint());
}

TEST_F(CheckpointerTest, PoolConnectionsLeaveCheckpointsToTheThread) {
  auto pool = Pool::Create(path_, 2);
  ASSERT_TRUE(pool.has_value());
  {
    auto lease = (*pool)->Acquire();
    EXPECT_EQ(AutoCheckpoint(*lease), 16384);
    Write(*lease, 1500);  // past SQLite's default bound of 1,000 pages
    const Frames f = ReadFrames();
    EXPECT_LT(f.backfilled, f.max);
  }  // the lease ends: a checkpoint is asked for
  EXPECT_TRUE(WaitForCheckpoint());
}

// A signal for the process (a server's SIGTERM, which a thread of its own
// waits for with the signal blocked everywhere else) never goes to the
// checkpointer's thread: it blocks them all.
TEST_F(CheckpointerTest, TheThreadBlocksEverySignal) {
  auto db = Open(path_);
  ASSERT_TRUE(db.has_value());
  Write(**db, 10);
  RequestCheckpoint(**db);
  ASSERT_TRUE(WaitForCheckpoint());
  bool found = false;
  for (const auto& task : fs::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name != "mops-checkpoint") continue;
    found = true;
    std::ifstream status(task.path() / "status");
    std::string line, blocked;
    while (std::getline(status, line)) {
      if (line.starts_with("SigBlk:")) blocked = line.substr(line.find_first_not_of(" \t", 7));
    }
    const uint64_t mask = std::stoull(blocked, nullptr, 16);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM}) {
      EXPECT_TRUE((mask >> (sig - 1)) & 1u) << "signal " << sig << " not blocked: " << blocked;
    }
  }
  EXPECT_TRUE(found);
}

// Closing the last connection right after asking for a checkpoint: the
// thread lets go of the workspace first (its checkpoint done or dropped, its
// connection closed), so the close removes the WAL files and the folder can
// be removed at once, every time (it failed now and then with "Directory not
// empty" while the thread's connection was still open).
TEST_F(CheckpointerTest, ClosingTheLastConnectionLeavesNoFileOpen) {
  for (int round = 0; round < 20; ++round) {
    {
      auto db = Open(path_);
      ASSERT_TRUE(db.has_value());
      Write(**db, 5);
      RequestCheckpoint(**db);
      if (round % 2 == 1) std::this_thread::sleep_for(std::chrono::milliseconds(round));
    }
    EXPECT_FALSE(fs::exists(path_ + "-wal")) << "round " << round;
    EXPECT_FALSE(fs::exists(path_ + "-shm")) << "round " << round;
    std::error_code ec;
    fs::remove(path_, ec);
    EXPECT_FALSE(ec) << ec.message();
  }
}

TEST_F(CheckpointerTest, NothingForInMemoryDatabases) {
  auto db = Open(":memory:");
  ASSERT_TRUE(db.has_value());
  EXPECT_FALSE(CanCheckpointElsewhere(**db));
  const int64_t before = AutoCheckpoint(**db);
  {
    const CheckpointElsewhere elsewhere(**db);
    EXPECT_EQ(AutoCheckpoint(**db), before);
  }
  RequestCheckpoint(**db);  // no-op
}

}  // namespace
}  // namespace mops::store
