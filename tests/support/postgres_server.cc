#include "tests/support/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace mops::test_support {
namespace {

namespace fs = std::filesystem;
using core::ErrorCode;

constexpr std::string_view kServerUser = "postgres";
constexpr std::string_view kDefaultDatabase = "mops_test";

// The account the server runs as: nullopt means the current one.
struct RunAs {
  uid_t uid;
  gid_t gid;
};

core::Result<std::optional<RunAs>> ServerAccount() {
  if (geteuid() != 0) return std::nullopt;
  const passwd* pw = getpwnam(std::string(kServerUser).c_str());
  if (pw == nullptr) {
    return core::Fail(ErrorCode::kUnavailable,
                      "running as root, and there is no '{}' user to run PostgreSQL as "
                      "(PostgreSQL refuses to run as root)",
                      kServerUser);
  }
  return RunAs{pw->pw_uid, pw->pw_gid};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// The last `lines` lines of a log, for error messages.
std::string Tail(const std::string& text, int lines) {
  size_t pos = text.size();
  while (lines-- > 0 && pos > 0) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) {
      pos = 0;
      break;
    }
  }
  return text.substr(pos);
}

// Runs argv to completion with stdout and stderr appended to `log`, in
// `cwd`, as `run_as` when set. Returns the exit status (or 128 + signal).
core::Result<int> Run(const std::vector<std::string>& argv, const std::string& log,
                      const std::string& cwd, const std::optional<RunAs>& run_as) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return core::Fail(ErrorCode::kIo, "fork failed: {}", std::strerror(errno));
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    if (run_as) {
      if (setgroups(0, nullptr) != 0 || setgid(run_as->gid) != 0 || setuid(run_as->uid) != 0) {
        _exit(126);
      }
    }
    if (chdir(cwd.c_str()) != 0) _exit(126);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return core::Fail(ErrorCode::kIo, "waitpid: {}", std::strerror(errno));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

bool HasInitdb(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::exists(dir / "initdb", ec) && fs::exists(dir / "pg_ctl", ec);
}

core::Result<std::string> FindBinDir() {
  if (const char* env = std::getenv("MOPS_PG_BINDIR"); env != nullptr && *env != '\0') {
    if (HasInitdb(env)) return std::string(env);
    return core::Fail(ErrorCode::kUnavailable, "MOPS_PG_BINDIR={} has no initdb/pg_ctl", env);
  }
  if (HasInitdb("/usr/lib/postgresql/15/bin")) return std::string("/usr/lib/postgresql/15/bin");
  if (FILE* p = popen("pg_config --bindir 2>/dev/null", "r"); p != nullptr) {
    std::array<char, 512> buf{};
    std::string out;
    while (fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
    pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    if (HasInitdb(out)) return out;
  }
  // Newest installed major version.
  std::error_code ec;
  fs::path best;
  int best_version = -1;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    const int version = std::atoi(name.c_str());
    if (version > best_version && HasInitdb(entry.path() / "bin")) {
      best_version = version;
      best = entry.path() / "bin";
    }
  }
  if (best_version >= 0) return best.string();
  return core::Fail(ErrorCode::kUnavailable,
                    "no PostgreSQL server binaries (initdb, pg_ctl) found: install PostgreSQL "
                    "(Debian: apt-get install postgresql), set MOPS_PG_BINDIR, or point "
                    "MOPS_TEST_POSTGRES_URL at a running server");
}

// A loopback TCP port that is free right now (the kernel picks it).
core::Result<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return core::Fail(ErrorCode::kIo, "socket: {}", std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    close(fd);
    return core::Fail(ErrorCode::kIo, "cannot find a free port: {}", std::strerror(err));
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

// Runs one statement on `url`; for CREATE/DROP DATABASE.
core::Status ExecOn(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return core::Fail(ErrorCode::kUnavailable, "cannot connect to test server: {}", message);
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  PGresult* r = PQexec(conn, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  std::string message = ok ? "" : PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(conn);
  if (!ok) return core::Fail(ErrorCode::kDatabase, "{}: {}", sql, message);
  return {};
}

std::string SanitizeName(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 40)) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    out.push_back(ok ? c : '_');
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(0, "db_");
  return out;
}

}  // namespace

std::string WithDatabase(std::string_view url, std::string_view database) {
  const size_t scheme = url.find("://");
  const size_t authority = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t query = url.find('?', authority);
  const size_t path = url.find('/', authority);
  const size_t path_end = query == std::string_view::npos ? url.size() : query;
  std::string out(url.substr(0, std::min(path, path_end)));
  out += '/';
  out += database;
  out += url.substr(path_end);
  return out;
}

core::Result<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  if (const char* env = std::getenv("MOPS_TEST_POSTGRES_URL"); env != nullptr && *env != '\0') {
    server->external_ = true;
    server->url_ = env;
    if (auto s = ExecOn(server->url_, "SELECT 1"); !s) {
      return core::Fail(ErrorCode::kUnavailable, "MOPS_TEST_POSTGRES_URL is set but unusable: {}",
                        s.error().message);
    }
    return server;
  }
  if (auto s = server->Launch(); !s) {
    core::Error e = std::move(s).error();
    e.message = "cannot start a throwaway PostgreSQL server: " + e.message;
    return core::Fail(std::move(e));
  }
  return server;
}

core::Result<PostgresServer*> PostgresServer::Shared() {
  static const core::Result<std::unique_ptr<PostgresServer>> kServer = Start();
  if (!kServer) return std::unexpected(kServer.error());
  return kServer->get();
}

core::Status PostgresServer::Launch() {
  MOPS_ASSIGN_OR_RETURN(bin_dir_, FindBinDir());
  MOPS_ASSIGN_OR_RETURN(const std::optional<RunAs> run_as, ServerAccount());

  // Unix socket paths are limited to ~107 bytes: keep the directory short.
  std::string base = "/tmp";
  if (const char* tmp = std::getenv("TMPDIR"); tmp != nullptr && std::strlen(tmp) < 60) base = tmp;
  std::string pattern = base + "/mops-pg-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return core::Fail(ErrorCode::kIo, "mkdtemp {}: {}", pattern, std::strerror(errno));
  }
  dir_ = pattern;
  if (run_as && chown(dir_.c_str(), run_as->uid, run_as->gid) != 0) {
    return core::Fail(ErrorCode::kIo, "chown {}: {}", dir_, std::strerror(errno));
  }
  MOPS_TRY(StartWatchdog());
  const std::string data = dir_ + "/data";
  const std::string command_log = dir_ + "/commands.log";
  const std::string server_log = dir_ + "/server.log";

  MOPS_ASSIGN_OR_RETURN(const int init_rc,
                        Run({bin_dir_ + "/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                             "-E", "UTF8", "--no-locale", "--no-sync"},
                            command_log, dir_, run_as));
  if (init_rc != 0) {
    return core::Fail(ErrorCode::kUnavailable, "initdb failed (exit {}):\n{}", init_rc,
                      Tail(ReadFile(command_log), 20));
  }

  // The port may be taken between probing and binding: try a few.
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    MOPS_ASSIGN_OR_RETURN(port_, FreePort());
    {
      // Later settings in postgresql.conf win, so appending per attempt is fine.
      std::ofstream conf(data + "/postgresql.conf", std::ios::app);
      conf << "\n# mops test server\n"
           << "listen_addresses = '127.0.0.1'\n"
           << "port = " << port_ << "\n"
           << "unix_socket_directories = '" << dir_ << "'\n"
           << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
           << "max_connections = 50\nshared_buffers = '64MB'\n";
      if (!conf) return core::Fail(ErrorCode::kIo, "cannot write {}/postgresql.conf", data);
    }
    MOPS_ASSIGN_OR_RETURN(const int start_rc, Run({bin_dir_ + "/pg_ctl", "start", "-w", "-t", "60",
                                                   "-D", data, "-l", server_log},
                                                  command_log, dir_, run_as));
    if (start_rc == 0) {
      running_ = true;
      break;
    }
    const std::string log = ReadFile(server_log);
    if (attempt < kAttempts && log.find("Address already in use") != std::string::npos) continue;
    return core::Fail(ErrorCode::kUnavailable, "pg_ctl start failed (exit {}):\n{}\n{}", start_rc,
                      Tail(ReadFile(command_log), 10), Tail(log, 20));
  }
  url_ = fmt::format("postgresql://postgres@127.0.0.1:{}/{}", port_, kDefaultDatabase);
  MOPS_TRY(
      ExecOn(WithDatabase(url_, "postgres"), fmt::format("CREATE DATABASE {}", kDefaultDatabase)));
  return {};
}

core::Result<std::string> PostgresServer::CreateDatabase(std::string_view name) {
  std::string database;
  {
    std::lock_guard lock(mu_);
    database = fmt::format("{}_{}_{}", SanitizeName(name), getpid(), ++next_database_);
    if (external_) created_.push_back(database);
  }
  MOPS_TRY(ExecOn(url_, fmt::format("CREATE DATABASE {}", database)));
  return WithDatabase(url_, database);
}

core::Status PostgresServer::StartWatchdog() {
  MOPS_ASSIGN_OR_RETURN(const std::optional<RunAs> run_as, ServerAccount());
  // The write end stays in this process only (close-on-exec), so the
  // watchdog reads end-of-file exactly when this process is gone.
  std::array<int, 2> fds{};
  if (pipe2(fds.data(), O_CLOEXEC) != 0) {
    return core::Fail(ErrorCode::kIo, "pipe: {}", std::strerror(errno));
  }
  const std::vector<std::string> argv = {"/bin/sh",
                                         "-c",
                                         R"(read _; "$0" stop -m fast -w -D "$1"; rm -rf "$2")",
                                         bin_dir_ + "/pg_ctl",
                                         dir_ + "/data",
                                         dir_};
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return core::Fail(ErrorCode::kIo, "fork failed: {}", std::strerror(errno));
  if (pid == 0) {
    // Its own session: a Ctrl-C that kills the tests must not kill it.
    setsid();
    dup2(fds[0], STDIN_FILENO);
    const int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd >= 0) {
      dup2(null_fd, STDOUT_FILENO);
      dup2(null_fd, STDERR_FILENO);
    }
    if (run_as) {
      if (setgroups(0, nullptr) != 0 || setgid(run_as->gid) != 0 || setuid(run_as->uid) != 0) {
        _exit(126);
      }
    }
    if (chdir(dir_.c_str()) != 0) _exit(126);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[0]);
  watchdog_pid_ = pid;
  watchdog_fd_ = fds[1];
  return {};
}

core::Status PostgresServer::Stop() {
  MOPS_ASSIGN_OR_RETURN(const std::optional<RunAs> run_as, ServerAccount());
  MOPS_ASSIGN_OR_RETURN(
      const int rc, Run({bin_dir_ + "/pg_ctl", "stop", "-m", "fast", "-w", "-D", dir_ + "/data"},
                        dir_ + "/commands.log", dir_, run_as));
  if (rc != 0) return core::Fail(ErrorCode::kUnavailable, "pg_ctl stop failed (exit {})", rc);
  return {};
}

PostgresServer::~PostgresServer() {
  if (external_) {
    for (const std::string& database : created_) {
      (void)ExecOn(url_, fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", database));
    }
    return;
  }
  if (dir_.empty()) return;
  bool stopped = true;
  if (running_) {
    if (auto s = Stop(); !s) {
      std::fprintf(stderr, "warning: %s; the watchdog will retry\n", s.error().message.c_str());
      stopped = false;
    }
  }
  if (stopped) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  if (watchdog_fd_ >= 0) {
    close(watchdog_fd_);
    while (waitpid(watchdog_pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace mops::test_support
