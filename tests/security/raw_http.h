// Raw HTTP over loopback sockets, and a real `mops` process to talk to: what
// the security tests and bench/http_load need, with no HTTP library between
// the test and the bytes on the wire.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/support/free_port.h"

namespace mops::rawhttp {

using test_support::FreePort;

// Raises this process's soft open-file limit to the hard limit.
inline size_t RaiseFileLimit() {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  getrlimit(RLIMIT_NOFILE, &lim);
  return lim.rlim_cur;
}

// A blocking loopback connection; -1 on failure.
inline int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Sends everything; false when the peer closed or reset.
inline bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

struct Response {
  int status = 0;                              // 0: no response
  std::map<std::string, std::string> headers;  // lowercase names; last value wins
  std::vector<std::string> set_cookies;
  std::string body;
  size_t wire_bytes = 0;  // everything received, head and body
  bool closed = false;    // the server closed the connection after it
};

inline std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Reads one response (Content-Length or until close). For a HEAD request
// pass `head` so the body is not waited for.
inline Response ReadResponse(int fd, int timeout_ms = 10000, bool head = false) {
  Response r;
  std::string buf;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t head_end = std::string::npos;
  std::optional<size_t> length;
  char chunk[65536];
  while (true) {
    if (head_end == std::string::npos) {
      head_end = buf.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::istringstream lines(buf.substr(0, head_end));
        std::string line;
        std::getline(lines, line);
        if (line.size() > 12) r.status = std::atoi(line.c_str() + 9);
        while (std::getline(lines, line)) {
          if (!line.empty() && line.back() == '\r') line.pop_back();
          const size_t colon = line.find(':');
          if (colon == std::string::npos) continue;
          std::string name = Lower(line.substr(0, colon));
          std::string value = line.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.erase(0, 1);
          if (name == "set-cookie") r.set_cookies.push_back(value);
          r.headers[name] = value;
        }
        if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
          length = std::stoull(it->second);
        }
        if (head) length = 0;
      }
    }
    if (head_end != std::string::npos && length && buf.size() >= head_end + 4 + *length) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      r.closed = true;
      break;
    }
    buf.append(chunk, static_cast<size_t>(n));
  }
  r.wire_bytes = buf.size();
  if (head_end != std::string::npos) {
    r.body = buf.substr(head_end + 4, length ? *length : std::string::npos);
  }
  return r;
}

// True when the server closed the connection within `timeout_ms`.
inline bool WaitClosed(int fd, int timeout_ms) {
  char c[4096];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      const ssize_t n = ::recv(fd, c, sizeof c, 0);
      if (n <= 0) return true;
    }
  }
  return false;
}

// One request on a fresh connection.
inline Response Exchange(int port, std::string_view request, int timeout_ms = 10000) {
  const int fd = Connect(port);
  if (fd < 0) return {};
  SendAll(fd, request);
  Response r = ReadResponse(fd, timeout_ms, request.starts_with("HEAD "));
  ::close(fd);
  return r;
}

inline std::string Get(std::string_view path, std::string_view extra_headers = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         std::string(extra_headers) + "Connection: close\r\n\r\n";
}

// Resident memory of a process, in KiB (0 when gone).
inline long RssKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  }
  return 0;
}

// A `mops` process (e.g. `serve`), its output in a file, stopped with
// SIGTERM when destroyed.
class Process {
 public:
  Process(const std::string& binary, const std::vector<std::string>& args,
          const std::string& output_file)
      : output_(output_file) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int out = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, 1);
      ::dup2(out, 2);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(binary.c_str()));
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() { Stop(); }

  pid_t pid() const { return pid_; }
  std::string Output() const {
    std::ifstream in(output_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // Waits until /healthz answers on `port` (false after `timeout_s` or exit).
  bool WaitHealthy(int port, int timeout_s) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      if (Exchange(port, Get("/healthz"), 2000).status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  // SIGTERM, then the exit status (-1 when it had to be killed).
  int Stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }

 private:
  pid_t pid_ = -1;
  std::string output_;
};

}  // namespace mops::rawhttp
