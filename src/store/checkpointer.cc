#include "store/checkpointer.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace mops::store {
namespace {

using Clock = std::chrono::steady_clock;

// Whether the checkpointer exists: true between its construction and its
// destruction (a connection closed during static destruction, after it, must
// not reach it). Trivially destructible, so it can be read at any time.
std::atomic<bool> checkpointer_alive{false};
// True on the checkpointer's own thread, whose connections' closing must not
// wait for it.
thread_local bool on_checkpointer_thread = false;

class Checkpointer {
 public:
  static Checkpointer& Instance() {
    static Checkpointer instance;
    return instance;
  }
  Checkpointer() { checkpointer_alive = true; }

  void Request(const std::string& path) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      if (!thread_) {
        // The thread blocks every signal (it inherits the mask it starts
        // with), so that none meant for the process (a server's SIGTERM,
        // waited for by a thread of its own) is delivered to it.
        sigset_t all, previous;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &previous);
        thread_ = std::make_unique<std::thread>([this] { Run(); });
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        owner_ = ::getpid();
      }
      Entry& e = entries_[path];
      if (e.requested) return;
      e.requested = true;
      order_.push_back(path);
    }
    cv_.notify_one();
  }

  // Waits for a checkpoint of `path` under way, drops a pending one and
  // closes the thread's connection to it: after this, the thread holds
  // nothing of the workspace (its files can be deleted) until asked again.
  void Forget(const std::string& path) {
    std::unique_lock lock(mu_);
    done_.wait(lock, [&] { return checkpointing_ != path; });
    auto it = entries_.find(path);
    if (it == entries_.end()) return;
    std::erase(order_, path);
    std::unique_ptr<Database> connection = std::move(it->second.connection);
    entries_.erase(it);
    lock.unlock();
    connection.reset();
  }

  ~Checkpointer() {
    checkpointer_alive = false;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    if (!thread_) return;
    if (owner_ == ::getpid()) {
      thread_->join();
    } else {
      // A child forked after the thread started has no such thread to join
      // or detach: its handle is left as it is.
      (void)thread_.release();
    }
  }

 private:
  // A workspace's connection (opened on first request) and its last
  // checkpoint.
  struct Entry {
    bool requested = false;
    Clock::time_point last{};
    std::unique_ptr<Database> connection;
    ino_t inode = 0;  // of the file the connection opened
    Clock::time_point used{};
  };
  static constexpr size_t kMaxConnections = 4;

  void Run() {
    on_checkpointer_thread = true;
    pthread_setname_np(pthread_self(), "mops-checkpoint");
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return stopping_ || !order_.empty(); });
      if (stopping_) {
        // Copies what was asked for before the exit: a closing connection
        // would otherwise have to.
        for (const std::string& path : order_) Checkpoint(path, lock);
        for (auto& [path, e] : entries_) e.connection.reset();
        return;
      }
      const std::string path = order_.front();
      order_.pop_front();
      const auto due = entries_[path].last + std::chrono::milliseconds(kMinCheckpointGapMs);
      if (Clock::now() < due) {
        // Coalesces the requests of a busy workspace; an exit cuts the wait.
        cv_.wait_until(lock, due, [this] { return stopping_; });
      }
      Checkpoint(path, lock);
    }
  }

  // Runs one checkpoint of `path` with the lock released.
  void Checkpoint(const std::string& path, std::unique_lock<std::mutex>& lock) {
    Entry& e = entries_[path];
    e.requested = false;
    std::unique_ptr<Database> connection = std::move(e.connection);
    ino_t inode = e.inode;
    checkpointing_ = path;
    lock.unlock();
    // A workspace deleted and made again at the same path is another file.
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      connection.reset();
    } else if (!connection || st.st_ino != inode) {
      connection.reset();
      auto opened = Open(path);
      if (opened) connection = std::move(*opened);
      inode = st.st_ino;
    }
    // Busy (another checkpoint, a reader on an old snapshot) is no failure.
    if (connection) (void)connection->ExecScript("PRAGMA wal_checkpoint(PASSIVE)");
    lock.lock();
    checkpointing_.clear();
    done_.notify_all();
    Entry& after = entries_[path];
    after.last = after.used = Clock::now();
    after.connection = std::move(connection);
    after.inode = inode;
    // Keeps the connections of the workspaces used last.
    size_t open = 0;
    for (auto& [p, x] : entries_) open += x.connection ? 1 : 0;
    while (open > kMaxConnections) {
      Entry* oldest = nullptr;
      for (auto& [p, x] : entries_) {
        if (x.connection && (oldest == nullptr || x.used < oldest->used)) oldest = &x;
      }
      oldest->connection.reset();
      --open;
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable done_;  // a checkpoint ended (checkpointing_ cleared)
  std::string checkpointing_;     // the path being checkpointed, lock released
  std::map<std::string, Entry> entries_;
  std::deque<std::string> order_;
  bool stopping_ = false;
  std::unique_ptr<std::thread> thread_;
  pid_t owner_ = 0;  // the process that started the thread
};

}  // namespace

bool CanCheckpointElsewhere(const Database& db) {
  if (db.dialect() != Dialect::kSqlite) return false;
  const std::string& name = db.display_name();
  return !name.empty() && name != ":memory:" && !name.starts_with("file:");
}

void RequestCheckpoint(const Database& db) {
  if (!CanCheckpointElsewhere(db)) return;
  Checkpointer::Instance().Request(db.display_name());
}

void ForgetCheckpoints(const std::string& path) {
  if (on_checkpointer_thread || !checkpointer_alive) return;
  Checkpointer::Instance().Forget(path);
}

CheckpointElsewhere::CheckpointElsewhere(Database& db) {
  if (!CanCheckpointElsewhere(db)) return;
  auto rows = db.Query("PRAGMA wal_autocheckpoint");
  if (!rows || rows->rows.empty()) return;
  previous_ = AsInt(rows->rows[0][0], 1000);
  if (!db.ExecScript("PRAGMA wal_autocheckpoint=0")) return;
  db_ = &db;
}

CheckpointElsewhere::~CheckpointElsewhere() {
  if (db_ == nullptr) return;
  // A failure leaves the connection without automatic checkpoints; the
  // requested one still runs.
  (void)db_->ExecScript("PRAGMA wal_autocheckpoint=" + std::to_string(previous_));
  RequestCheckpoint(*db_);
}

}  // namespace mops::store
