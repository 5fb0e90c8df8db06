// A throwaway PostgreSQL server for integration tests and benchmarks.
//
// Start() runs initdb into a fresh temporary directory, starts the server on
// a free loopback port (trust authentication, loopback only, fsync off: the
// data is disposable) and creates the database `mops_test`. The destructor
// stops the server and deletes the directory. When the environment variable
// MOPS_TEST_POSTGRES_URL is set, that server is used instead and nothing is
// started; databases made by CreateDatabase are dropped at destruction.
//
// If the process dies without running the destructor (a crash, a kill, a
// closed output pipe), a small watchdog process stops the server and deletes
// the directory, so no orphan server outlives a test run.
//
// A server that cannot be started is an error, never a reason to skip: CI
// must not pass integration tests that did not run. PostgreSQL refuses to run
// as root, so when the process is root the server runs as the `postgres`
// system user.
//
// Binaries come from MOPS_PG_BINDIR, /usr/lib/postgresql/15/bin,
// `pg_config --bindir`, or the newest /usr/lib/postgresql/*/bin, in that order.
//
// Thread-safe: CreateDatabase may be called from several threads.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace mops::test_support {

class PostgresServer {
 public:
  static core::Result<std::unique_ptr<PostgresServer>> Start();
  // One server for the whole process, started on first use and stopped at
  // exit. Returns the same error to every caller when it could not start.
  static core::Result<PostgresServer*> Shared();

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  ~PostgresServer();

  // postgresql://postgres@127.0.0.1:PORT/mops_test (or MOPS_TEST_POSTGRES_URL).
  const std::string& url() const { return url_; }
  // Creates an empty database and returns its URL. Its name is `name`
  // (lowercased, other characters than [a-z0-9_] replaced by '_') followed by
  // a suffix unique to this process, so tests sharing a server never collide.
  core::Result<std::string> CreateDatabase(std::string_view name);

 private:
  PostgresServer() = default;
  core::Status Launch();
  core::Status Stop();
  core::Status StartWatchdog();

  std::string url_;
  bool external_ = false;
  std::string dir_;      // temporary directory: data/, sockets, logs
  std::string bin_dir_;  // initdb, pg_ctl
  int port_ = 0;
  bool running_ = false;
  int watchdog_pid_ = -1;
  int watchdog_fd_ = -1;  // write end of the pipe the watchdog waits on
  std::mutex mu_;
  int next_database_ = 0;
  std::vector<std::string> created_;  // dropped at destruction when external
};

// `url` with its database (the path) replaced by `database`.
std::string WithDatabase(std::string_view url, std::string_view database);

}  // namespace mops::test_support
