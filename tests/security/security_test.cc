// The web surface as an attacker sees it: a real `mops serve` on loopback,
// spoken to with raw sockets. One test per finding of the security review
// (issue 10), each failing on the thread-per-connection server it replaced.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "tests/security/raw_http.h"

namespace mops {
namespace {

namespace raw = rawhttp;
using Json = nlohmann::json;

constexpr size_t kMaxBody = 32 * 1024 * 1024;  // ServerOptions::max_body_bytes

// The binary under test: the build's, or MOPS_SECURITY_BIN (e.g. an older
// build, to see these tests fail on it).
std::string MopsBin() {
  const char* other = std::getenv("MOPS_SECURITY_BIN");
  return other != nullptr && *other != '\0' ? other : MOPS_BIN;
}

std::string RunMops(const std::vector<std::string>& args) {
  std::string cmd = "'" + MopsBin() + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// One server for the whole suite: a fresh workspace with a token per role.
class SecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    raw::RaiseFileLimit();
    char tmpl[] = "/tmp/mops_security_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    workspace_ = dir_ + "/mops.db";
    const std::string init = RunMops({"--workspace", workspace_, "init"});
    std::smatch m;
    ASSERT_TRUE(std::regex_search(init, m, std::regex("admin token: (mops_\\S+)"))) << init;
    tokens_["admin"] = m[1];
    for (const char* role : {"ops", "analyst", "approver", "viewer"}) {
      tokens_[role] = Trimmed(
          RunMops({"--workspace", workspace_, "token", "create", "--role", role, "--name", role}));
      ASSERT_TRUE(tokens_[role].starts_with("mops_")) << tokens_[role];
    }
    port_ = raw::FreePort();
    server_ = new raw::Process(
        MopsBin(),
        {"--workspace", workspace_, "serve", "--port", std::to_string(port_), "--threads", "4"},
        dir_ + "/serve.log");
    ASSERT_TRUE(server_->WaitHealthy(port_, 30)) << server_->Output();
  }
  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      EXPECT_EQ(server_->Stop(), 0) << server_->Output();
    }
    delete server_;
    server_ = nullptr;
    std::filesystem::remove_all(dir_);
  }

  static std::string Auth(const std::string& role) {
    return "Authorization: Bearer " + tokens_[role] + "\r\n";
  }
  static raw::Response Send(const std::string& request, int timeout_ms = 10000) {
    return raw::Exchange(port_, request, timeout_ms);
  }
  // A JS asset of the embedded dashboard ("" when built without it).
  static std::string Asset() {
    const raw::Response index = Send(raw::Get("/"));
    std::smatch m;
    if (std::regex_search(index.body, m, std::regex("src=\"(/assets/[^\"]+\\.js)\""))) return m[1];
    return "";
  }

  static inline std::string dir_;
  static inline std::string workspace_;
  static inline std::map<std::string, std::string> tokens_;
  static inline int port_ = 0;
  static inline raw::Process* server_ = nullptr;
};

std::string fmt_hex(size_t n) {
  char b[32];
  std::snprintf(b, sizeof b, "%zx", n);
  return b;
}

// Sends a chunked body of up to `max_bytes`, reading whatever the server
// answers meanwhile. Returns the response and how many body bytes the kernel
// accepted before the server closed (an upper bound on what it read).
std::pair<raw::Response, size_t> SendChunked(int port, const std::string& head, size_t max_bytes) {
  const int fd = raw::Connect(port);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  raw::SendAll(fd, head + "Transfer-Encoding: chunked\r\n\r\n");
  const std::string data(64 * 1024, 'a');
  const std::string chunk = fmt_hex(data.size()) + "\r\n" + data + "\r\n";
  size_t sent = 0;
  std::string received;
  char buf[65536];
  while (sent < max_bytes) {
    const ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, 0) > 0) {
      const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
      if (r <= 0) break;
      received.append(buf, static_cast<size_t>(r));
    }
  }
  raw::Response res;
  // Whatever is left of the response.
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 2000) > 0) {
    const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r <= 0) break;
    received.append(buf, static_cast<size_t>(r));
  }
  ::close(fd);
  if (received.size() > 12 && received.starts_with("HTTP/1.1 ")) {
    res.status = std::atoi(received.c_str() + 9);
  }
  res.body = received;
  return {res, sent};
}

TEST_F(SecurityTest, ChunkedBodyWithoutTokenIsRefusedUnread) {
  auto [res, sent] = SendChunked(
      port_, "POST /api/v1/attribution/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n", 3 * kMaxBody);
  EXPECT_EQ(res.status, 401) << res.body.substr(0, 300);
  // The server answered from the headers and closed: the kernel buffers
  // took a few MiB at most, never the body.
  EXPECT_LT(sent, kMaxBody / 2) << "bytes accepted before the server closed";
}

TEST_F(SecurityTest, ChunkedBodyOverLimitWithTokenGets413) {
  auto [res, sent] = SendChunked(port_,
                                 "POST /api/v1/attribution/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                     Auth("admin") + "Content-Type: application/json\r\n",
                                 3 * kMaxBody);
  EXPECT_EQ(res.status, 413) << res.body.substr(0, 300);
  EXPECT_LT(sent, kMaxBody + kMaxBody / 4) << "bytes accepted before the server closed";
}

TEST_F(SecurityTest, ContentLengthOverLimitGets413WithoutReading) {
  const raw::Response res =
      Send("POST /api/v1/attribution/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n" + Auth("admin") +
           "Content-Length: " + std::to_string(kMaxBody + 1) + "\r\n\r\n");
  EXPECT_EQ(res.status, 413);
}

TEST_F(SecurityTest, MultiRangeNeverAmplifies) {
  std::string ranges = "bytes=0-";
  for (int i = 0; i < 400; ++i) ranges += ",0-";
  for (const std::string& path : {Asset(), std::string("/"), std::string("/api/v1/me")}) {
    if (path.empty()) continue;
    const raw::Response whole = Send(raw::Get(path, Auth("viewer")));
    ASSERT_EQ(whole.status, 200) << path;
    const raw::Response res = Send(raw::Get(path, Auth("viewer") + "Range: " + ranges + "\r\n"));
    EXPECT_TRUE(res.status == 200 || res.status == 416) << path << " " << res.status;
    EXPECT_LE(res.body.size(), whole.body.size()) << path;
    EXPECT_LE(res.wire_bytes, whole.wire_bytes + 256) << path;
  }
}

TEST_F(SecurityTest, TwoHundredHeadersGet431) {
  std::string headers;
  for (int i = 0; i < 200; ++i) headers += "X-h" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(Send(raw::Get("/healthz", headers)).status, 431);
}

TEST_F(SecurityTest, TwentyKibHeaderGets431) {
  EXPECT_EQ(Send(raw::Get("/healthz", "X-big: " + std::string(20 * 1024, 'a') + "\r\n")).status,
            431);
}

TEST_F(SecurityTest, TenKibTargetGets414) {
  EXPECT_EQ(Send(raw::Get("/api/v1/me?x=" + std::string(10 * 1024, 'a'), Auth("viewer"))).status,
            414);
}

TEST_F(SecurityTest, MalformedRequestsGet400NotFound) {
  for (const std::string& request :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET\r\n\r\n"),
        std::string("GET /healthz HTTP/9\r\n\r\n"), std::string("GET nopath HTTP/1.1\r\n\r\n"),
        std::string("GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("GET /healthz HTTP/1.1\r\nbad header line\r\n\r\n")}) {
    raw::Response res = Send(request);
    EXPECT_EQ(res.status, 400) << request;
    EXPECT_NE(res.headers["x-content-type-options"], "") << request;
  }
}

TEST_F(SecurityTest, SlowlorisCostsNoWorkerAndNoMemory) {
  // The baseline is the server warmed up: a burst of ordinary connections
  // and requests has come and gone.
  {
    std::vector<int> warm;
    for (int i = 0; i < 100; ++i) warm.push_back(raw::Connect(port_));
    for (int fd : warm) raw::SendAll(fd, raw::Get("/"));
    for (int fd : warm) raw::ReadResponse(fd, 5000);
    for (int fd : warm) ::close(fd);
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  const long baseline = raw::RssKb(server_->pid());
  std::vector<int> slow;
  for (int i = 0; i < 1000; ++i) {
    const int fd = raw::Connect(port_);
    ASSERT_GE(fd, 0) << "connection " << i;
    raw::SendAll(fd, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: ");
    slow.push_back(fd);
  }
  // One header byte every 5 s from each of them.
  std::atomic<bool> stop = false;
  std::thread drip([&] {
    while (!stop) {
      for (int fd : slow) raw::SendAll(fd, "a");
      for (int i = 0; i < 50 && !stop; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(5500));
  for (const std::string& path : {std::string("/healthz"), std::string("/")}) {
    const auto start = std::chrono::steady_clock::now();
    const raw::Response res = Send(raw::Get(path));
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(res.status, 200) << path;
    EXPECT_LT(ms, 100.0) << path << " under 1,000 slow connections";
  }
  stop = true;
  drip.join();
  for (int fd : slow) ::close(fd);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  // Touch the server once more, then its memory is back near its baseline.
  EXPECT_EQ(Send(raw::Get("/healthz")).status, 200);
  const long after = raw::RssKb(server_->pid());
  EXPECT_LE(after, baseline + baseline / 5) << "RSS " << baseline << " KiB -> " << after << " KiB";
}

TEST_F(SecurityTest, HeadersMustArriveWithinTheHeaderTimeout) {
  // A head still unfinished 10 s after its first byte is dropped, however
  // steadily its bytes trickle in.
  const int fd = raw::Connect(port_);
  raw::SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: ");
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() - start < std::chrono::seconds(14)) {
    if (!raw::SendAll(fd, "a")) break;
    closed = raw::WaitClosed(fd, 1000);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(fd);
  EXPECT_GE(seconds, 9.0);
  EXPECT_LT(seconds, 13.0) << "the slow head was not dropped";
}

TEST_F(SecurityTest, ControlCharactersAreEscapedInTheLog) {
  const raw::Response res =
      Send(raw::Get("/api/v1/me%0d%0aINFO%20forged%20line%1b%5b31m", Auth("viewer")));
  EXPECT_EQ(res.status, 404);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string log = server_->Output();
  EXPECT_EQ(log.find("\nINFO forged line"), std::string::npos);
  EXPECT_EQ(log.find('\x1b'), std::string::npos);
  EXPECT_NE(log.find("/api/v1/me\\x0d\\x0aINFO forged line\\x1b[31m"), std::string::npos) << log;
}

TEST_F(SecurityTest, PathIdsAreWholePositiveIntegers) {
  for (const char* id : {"12abc", "0", "-1", "1.5", "99999999999999999999", "+3"}) {
    const raw::Response res = Send(raw::Get(std::string("/api/v1/contacts/") + id, Auth("viewer")));
    EXPECT_EQ(res.status, 400) << id;
    EXPECT_NE(res.body.find("whole positive integer"), std::string::npos) << res.body;
  }
  EXPECT_EQ(Send(raw::Get("/api/v1/contacts/12", Auth("viewer"))).status, 404);
}

TEST_F(SecurityTest, EveryResponseCarriesTheSecurityHeaders) {
  const std::string js = Asset();
  struct Case {
    std::string request;
    bool dashboard;
  };
  std::vector<Case> cases = {
      {raw::Get("/healthz"), false},
      {raw::Get("/api/v1/me", Auth("viewer")), false},
      {raw::Get("/api/v1/me"), false},                       // 401
      {raw::Get("/api/v1/nothing", Auth("viewer")), false},  // 404
      {"GARBAGE\r\n\r\n", false},                            // 400
      {raw::Get("/"), true},
      {raw::Get("/#/stack"), true},
  };
  if (!js.empty()) cases.push_back({raw::Get(js), true});
  for (const Case& c : cases) {
    raw::Response res = Send(c.request);
    EXPECT_EQ(res.headers["x-content-type-options"], "nosniff") << c.request;
    EXPECT_EQ(res.headers["referrer-policy"], "no-referrer") << c.request;
    if (c.dashboard) {
      EXPECT_EQ(res.headers["content-security-policy"],
                "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
                "frame-ancestors 'none'")
          << c.request;
    } else if (res.status != 400) {
      EXPECT_EQ(res.headers["cache-control"], "no-store") << c.request;
    }
  }
}

TEST_F(SecurityTest, SessionCookieIsHttpOnlyStrictAndExpires) {
  const std::string post = "POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                           Auth("analyst") + "Content-Length: 0\r\nConnection: close\r\n\r\n";
  raw::Response res = Send(post);
  ASSERT_EQ(res.status, 200) << res.body;
  ASSERT_EQ(res.set_cookies.size(), 1u);
  const std::string cookie = res.set_cookies[0];
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Max-Age=43200"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Path=/"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain http: " << cookie;
  EXPECT_EQ(cookie.find(tokens_["analyst"]), std::string::npos) << "the token is not the cookie";
  const std::string session = cookie.substr(0, cookie.find(';'));

  res = Send(raw::Get("/api/v1/me", "Cookie: " + session + "\r\n"));
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Json::parse(res.body)["role"], "analyst");
  // A wrong session id is 401 and clears the cookie.
  res = Send(raw::Get("/api/v1/me", "Cookie: mops_session=forged\r\n"));
  EXPECT_EQ(res.status, 401);
  // Signing out ends it on the server.
  res = Send(
      "DELETE /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1\r\n"
      "Cookie: " +
      session + "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Send(raw::Get("/api/v1/me", "Cookie: " + session + "\r\n")).status, 401);
  // A bad token gets no session.
  EXPECT_EQ(Send("POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                 "mops_wrong\r\nConnection: close\r\n\r\n")
                .status,
            401);
}

TEST_F(SecurityTest, CookieWritesMustComeFromTheSameOrigin) {
  raw::Response res = Send("POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\n" + Auth("admin") +
                           "Connection: close\r\n\r\n");
  ASSERT_EQ(res.status, 200);
  const std::string cookie =
      "Cookie: " + res.set_cookies[0].substr(0, res.set_cookies[0].find(';')) + "\r\n";
  const std::string body = R"({"conversion":"created"})";
  auto post = [&](const std::string& origin) {
    return Send("POST /api/v1/attribution/runs HTTP/1.1\r\nHost: 127.0.0.1:" +
                std::to_string(port_) + "\r\n" + cookie + origin +
                "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\nConnection: close\r\n\r\n" + body);
  };
  EXPECT_EQ(post("").status, 403);
  EXPECT_EQ(post("Origin: http://evil.example\r\n").status, 403);
  EXPECT_EQ(post("Origin: null\r\n").status, 403);
  const raw::Response same = post("Origin: http://127.0.0.1:" + std::to_string(port_) + "\r\n");
  EXPECT_NE(same.status, 403) << same.body;
  EXPECT_NE(same.status, 401) << same.body;
  // Reads need no Origin; Bearer writes need none either.
  EXPECT_EQ(Send(raw::Get("/api/v1/me", cookie)).status, 200);
}

TEST_F(SecurityTest, NoLibraryErrorTextReachesTheClient) {
  for (const std::string body :
       {R"({"lookback_days":"x"})", R"({"conversion":5})", R"({"position_based":{"first":"a"}})"}) {
    const raw::Response res =
        Send("POST /api/v1/attribution/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n" + Auth("admin") +
             "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\nConnection: close\r\n\r\n" + body);
    EXPECT_EQ(res.status, 400) << body;
    EXPECT_EQ(res.body.find("json.exception"), std::string::npos) << res.body;
    const Json doc = Json::parse(res.body);
    EXPECT_FALSE(doc["error"]["details"]["field"].get<std::string>().empty()) << res.body;
  }
}

TEST_F(SecurityTest, BearerSchemeIsCaseInsensitive) {
  for (const char* scheme : {"Bearer", "bearer", "BEARER", "bEaReR"}) {
    const raw::Response res = Send(raw::Get(
        "/api/v1/me", std::string("authorization: ") + scheme + " " + tokens_["viewer"] + "\r\n"));
    EXPECT_EQ(res.status, 200) << scheme;
  }
  EXPECT_EQ(
      Send(raw::Get("/api/v1/me", "Authorization: Basic " + tokens_["viewer"] + "\r\n")).status,
      401);
}

TEST_F(SecurityTest, RefusedRequestsKeepNoConnectionAndLeakNoRoutes) {
  // 401 for a route that does not exist: no token, no map of the API.
  EXPECT_EQ(Send(raw::Get("/api/v1/nothing")).status, 401);
  EXPECT_EQ(Send(raw::Get("/api/v1/contacts/12abc")).status, 401);
  // Keep-alive past five requests on one connection.
  const int fd = raw::Connect(port_);
  for (int i = 0; i < 20; ++i) {
    raw::SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const raw::Response res = raw::ReadResponse(fd, 5000);
    ASSERT_EQ(res.status, 200) << "request " << i;
    ASSERT_FALSE(res.closed) << "request " << i;
  }
  ::close(fd);
}

// Every route x every role, in one table. A route added without a row here
// fails RoleMatrixCoversEveryRoute; a row whose role changed fails too.
// Columns: admin, ops, analyst, approver, viewer ('+' allowed, '-' 403).
struct RoleRule {
  const char* method;
  const char* pattern;
  const char* need;
  const char* outcome;
};
constexpr RoleRule kRoleMatrix[] = {
    {"GET", "/api/v1/accounts", "viewer", "+++++"},
    {"GET", "/api/v1/accounts/{id}", "viewer", "+++++"},
    {"GET", "/api/v1/analytics/cac", "analyst", "+++--"},
    {"GET", "/api/v1/analytics/cac/records", "analyst", "+++--"},
    {"GET", "/api/v1/analytics/channels", "analyst", "+++--"},
    {"GET", "/api/v1/analytics/channels/records", "analyst", "+++--"},
    {"GET", "/api/v1/analytics/cohorts", "analyst", "+++--"},
    {"GET", "/api/v1/analytics/cohorts/records", "analyst", "+++--"},
    {"GET", "/api/v1/analytics/config", "analyst", "+++--"},
    {"PUT", "/api/v1/analytics/config", "ops", "++---"},
    {"GET", "/api/v1/analytics/funnel", "analyst", "+++--"},
    {"GET", "/api/v1/analytics/funnel/records", "analyst", "+++--"},
    {"POST", "/api/v1/analytics/spend", "ops", "++---"},
    {"GET", "/api/v1/analytics/targets", "analyst", "+++--"},
    {"GET", "/api/v1/analytics/targets/records", "analyst", "+++--"},
    {"GET", "/api/v1/analytics/velocity", "analyst", "+++--"},
    {"GET", "/api/v1/analytics/velocity/records", "analyst", "+++--"},
    {"GET", "/api/v1/attribution/runs", "viewer", "+++++"},
    {"POST", "/api/v1/attribution/runs", "analyst", "+++--"},
    {"GET", "/api/v1/attribution/runs/{id}", "viewer", "+++++"},
    {"GET", "/api/v1/attribution/runs/{id}/credits", "viewer", "+++++"},
    {"GET", "/api/v1/audit/rules", "analyst", "+++--"},
    {"GET", "/api/v1/audit/runs", "analyst", "+++--"},
    {"POST", "/api/v1/audit/runs", "ops", "++---"},
    {"GET", "/api/v1/audit/runs/{id}", "analyst", "+++--"},
    {"GET", "/api/v1/audit/runs/{id}/report", "analyst", "+++--"},
    {"GET", "/api/v1/campaigns", "viewer", "+++++"},
    {"GET", "/api/v1/campaigns/{id}", "viewer", "+++++"},
    {"GET", "/api/v1/channels/explain", "analyst", "+++--"},
    {"GET", "/api/v1/channels/preview", "analyst", "+++--"},
    {"POST", "/api/v1/channels/reclassify", "ops", "++---"},
    {"GET", "/api/v1/channels/rules", "analyst", "+++--"},
    {"PUT", "/api/v1/channels/rules", "ops", "++---"},
    {"GET", "/api/v1/contacts", "viewer", "+++++"},
    {"GET", "/api/v1/contacts/{id}", "viewer", "+++++"},
    {"POST", "/api/v1/leads/backtest", "analyst", "+++--"},
    {"GET", "/api/v1/leads/config/{kind}", "analyst", "+++--"},
    {"PUT", "/api/v1/leads/config/{kind}", "ops", "++---"},
    {"GET", "/api/v1/leads/contacts/{id}", "analyst", "+++--"},
    {"POST", "/api/v1/leads/contacts/{id}/status", "ops", "++---"},
    {"GET", "/api/v1/leads/queue", "analyst", "+++--"},
    {"POST", "/api/v1/leads/route", "ops", "++---"},
    {"POST", "/api/v1/leads/score", "ops", "++---"},
    {"GET", "/api/v1/leads/scores", "analyst", "+++--"},
    {"GET", "/api/v1/leads/sla", "analyst", "+++--"},
    {"GET", "/api/v1/leads/summary", "analyst", "+++--"},
    {"GET", "/api/v1/me", "viewer", "+++++"},
    {"GET", "/api/v1/opportunities", "viewer", "+++++"},
    {"GET", "/api/v1/opportunities/{id}", "viewer", "+++++"},
    {"GET", "/api/v1/overview", "viewer", "+++++"},
    {"GET", "/api/v1/quality/check", "viewer", "+++++"},
    {"POST", "/api/v1/quality/check", "analyst", "+++--"},
    {"POST", "/api/v1/quality/enrich", "ops", "++---"},
    {"GET", "/api/v1/quality/enrich/config", "viewer", "+++++"},
    {"PUT", "/api/v1/quality/enrich/config", "admin", "+----"},
    {"GET", "/api/v1/quality/enrich/conflicts", "analyst", "+++--"},
    {"POST", "/api/v1/quality/enrich/files", "ops", "++---"},
    {"GET", "/api/v1/quality/enrich/runs", "analyst", "+++--"},
    {"GET", "/api/v1/quality/enrich/runs/{id}", "analyst", "+++--"},
    {"POST", "/api/v1/quality/enrich/runs/{id}/undo", "ops", "++---"},
    {"GET", "/api/v1/quality/enrich/stale", "analyst", "+++--"},
    {"POST", "/api/v1/quality/match", "ops", "++---"},
    {"POST", "/api/v1/quality/match-accounts", "ops", "++---"},
    {"POST", "/api/v1/quality/merge", "ops", "++---"},
    {"GET", "/api/v1/quality/merges", "viewer", "+++++"},
    {"POST", "/api/v1/quality/merges/{id}/undo", "ops", "++---"},
    {"GET", "/api/v1/quality/review", "viewer", "+++++"},
    {"POST", "/api/v1/quality/review/{id}/accept", "ops", "++---"},
    {"POST", "/api/v1/quality/review/{id}/reject", "ops", "++---"},
    {"GET", "/api/v1/quality/rules", "viewer", "+++++"},
    {"PUT", "/api/v1/quality/rules", "admin", "+----"},
    {"GET", "/api/v1/quality/scores", "viewer", "+++++"},
    {"POST", "/api/v1/quality/standardize", "ops", "++---"},
    {"GET", "/api/v1/quality/violations", "analyst", "+++--"},
    {"GET", "/api/v1/stack/audit", "viewer", "+++++"},
    {"GET", "/api/v1/stack/catalog", "viewer", "+++++"},
    {"GET", "/api/v1/stack/cost", "viewer", "+++++"},
    {"GET", "/api/v1/stack/discovery/apply", "analyst", "+++--"},
    {"POST", "/api/v1/stack/discovery/apply", "ops", "++---"},
    {"GET", "/api/v1/stack/discovery/reconcile", "analyst", "+++--"},
    {"GET", "/api/v1/stack/discovery/spend", "analyst", "+++--"},
    {"POST", "/api/v1/stack/discovery/spend", "ops", "++---"},
    {"GET", "/api/v1/stack/discovery/spend/transactions", "analyst", "+++--"},
    {"POST", "/api/v1/stack/discovery/undo", "ops", "++---"},
    {"GET", "/api/v1/stack/discovery/usage", "analyst", "+++--"},
    {"POST", "/api/v1/stack/discovery/usage", "ops", "++---"},
    {"GET", "/api/v1/stack/gaps", "viewer", "+++++"},
    {"GET", "/api/v1/stack/graph", "viewer", "+++++"},
    {"GET", "/api/v1/stack/overlap", "viewer", "+++++"},
    {"GET", "/api/v1/stack/renewals", "viewer", "+++++"},
    {"GET", "/api/v1/stack/tools", "viewer", "+++++"},
    {"GET", "/api/v1/stack/utilization", "viewer", "+++++"},
    {"GET", "/api/v1/touchpoints", "viewer", "+++++"},
    {"GET", "/api/v1/touchpoints/weekly", "viewer", "+++++"},
    {"GET", "/api/v1/touchpoints/{id}", "viewer", "+++++"},
    {"GET", "/api/v1/tracking/config", "analyst", "+++--"},
    {"GET", "/api/v1/tracking/events", "analyst", "+++--"},
    {"GET", "/api/v1/tracking/merges", "analyst", "+++--"},
    {"GET", "/api/v1/tracking/rejections", "analyst", "+++--"},
    {"GET", "/api/v1/tracking/summary", "analyst", "+++--"},
    {"GET", "/api/v1/tracking/writekeys", "admin", "+----"},
    {"POST", "/api/v1/tracking/writekeys", "admin", "+----"},
    {"DELETE", "/api/v1/tracking/writekeys/{id}", "admin", "+----"},
    {"GET", "/api/v1/users", "viewer", "+++++"},
    {"GET", "/api/v1/users/{id}", "viewer", "+++++"},
    // Campaign operations.
    {"GET", "/api/v1/assets", "viewer", "+++++"},
    {"POST", "/api/v1/assets", "ops", "++---"},
    {"PUT", "/api/v1/assets/{id}", "ops", "++---"},
    {"GET", "/api/v1/campaign-board", "viewer", "+++++"},
    {"GET", "/api/v1/campaign-calendar", "viewer", "+++++"},
    {"GET", "/api/v1/campaign-hierarchy", "viewer", "+++++"},
    {"GET", "/api/v1/campaign-templates", "viewer", "+++++"},
    {"POST", "/api/v1/campaign-templates", "ops", "++---"},
    {"POST", "/api/v1/campaigns", "ops", "++---"},
    {"GET", "/api/v1/campaigns/approvals/overdue", "viewer", "+++++"},
    {"PUT", "/api/v1/campaigns/member-statuses", "ops", "++---"},
    {"POST", "/api/v1/campaigns/members/align", "ops", "++---"},
    {"PUT", "/api/v1/campaigns/{id}", "ops", "++---"},
    {"PUT", "/api/v1/campaigns/{id}/approval-chain", "ops", "++---"},
    {"POST", "/api/v1/campaigns/{id}/approvals/{step_id}", "approver", "+--+-"},
    {"POST", "/api/v1/campaigns/{id}/assets", "ops", "++---"},
    {"DELETE", "/api/v1/campaigns/{id}/assets/{asset_id}", "ops", "++---"},
    {"GET", "/api/v1/campaigns/{id}/budget", "viewer", "+++++"},
    {"POST", "/api/v1/campaigns/{id}/checklist", "ops", "++---"},
    {"PUT", "/api/v1/campaigns/{id}/checklist/{item_id}", "ops", "++---"},
    {"POST", "/api/v1/campaigns/{id}/costs", "ops", "++---"},
    {"GET", "/api/v1/campaigns/{id}/detail", "viewer", "+++++"},
    {"PUT", "/api/v1/campaigns/{id}/member-statuses", "ops", "++---"},
    {"GET", "/api/v1/campaigns/{id}/members", "viewer", "+++++"},
    {"POST", "/api/v1/campaigns/{id}/members", "ops", "++---"},
    {"POST", "/api/v1/campaigns/{id}/members/import", "ops", "++---"},
    {"POST", "/api/v1/campaigns/{id}/template", "ops", "++---"},
    {"POST", "/api/v1/campaigns/{id}/transition", "ops", "++---"},
    {"POST", "/api/v1/utm/build", "viewer", "+++++"},
    {"POST", "/api/v1/utm/check", "viewer", "+++++"},
    {"GET", "/api/v1/utm/config", "viewer", "+++++"},
    {"PUT", "/api/v1/utm/config", "ops", "++---"},
    {"POST", "/api/v1/utm/fix", "ops", "++---"},
    {"POST", "/api/v1/utm/fixes/{id}/undo", "ops", "++---"},
    {"GET", "/api/v1/utm/stored", "viewer", "+++++"},
};
constexpr const char* kRoles[] = {"admin", "ops", "analyst", "approver", "viewer"};

TEST_F(SecurityTest, RoleMatrixCoversEveryRoute) {
  const raw::Response res = Send(raw::Get("/api/v1/openapi.json", Auth("admin")));
  ASSERT_EQ(res.status, 200);
  const Json doc = Json::parse(res.body);
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& [path, methods] : doc["paths"].items()) {
    if (path == "/healthz") continue;
    for (const auto& [method, op] : methods.items()) {
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      served.insert({upper, path});
      const RoleRule* rule = nullptr;
      for (const RoleRule& r : kRoleMatrix) {
        if (upper == r.method && path == r.pattern) rule = &r;
      }
      ASSERT_NE(rule, nullptr) << upper << " " << path
                               << " has no row in kRoleMatrix: add one with its roles";
      EXPECT_EQ(op["x-mops-role"], rule->need) << upper << " " << path;
    }
  }
  for (const RoleRule& r : kRoleMatrix) {
    EXPECT_TRUE(served.contains({r.method, r.pattern}))
        << r.method << " " << r.pattern << " is in kRoleMatrix but no longer served";
  }
}

TEST_F(SecurityTest, RoleMatrixHoldsForEveryRouteAndRole) {
  for (const RoleRule& rule : kRoleMatrix) {
    const std::string path = std::regex_replace(rule.pattern, std::regex("\\{[a-z_]+\\}"), "1");
    for (size_t i = 0; i < std::size(kRoles); ++i) {
      const std::string role = kRoles[i];
      const bool write = std::string(rule.method) != "GET";
      const std::string body = write ? "{}" : "";
      const raw::Response res =
          Send(std::string(rule.method) + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                   Auth(role) + (write ? "Content-Type: application/json\r\n" : "") +
                   "Content-Length: " + std::to_string(body.size()) +
                   "\r\nConnection: close\r\n\r\n" + body,
               60000);
      const std::string what = std::string(rule.method) + " " + path + " as " + role;
      if (rule.outcome[i] == '+') {
        EXPECT_NE(res.status, 401) << what;
        EXPECT_NE(res.status, 403) << what << ": " << res.body;
        EXPECT_LT(res.status, 500) << what << ": " << res.body;
        EXPECT_GT(res.status, 0) << what;
      } else {
        EXPECT_EQ(res.status, 403) << what;
      }
    }
    // No token: 401, whatever the route.
    EXPECT_EQ(Send(std::string(rule.method) + " " + path +
                   " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                  .status,
              401)
        << rule.method << " " << path;
  }
}

}  // namespace
}  // namespace mops
