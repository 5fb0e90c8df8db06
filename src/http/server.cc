// The server loop on Boost.Beast over Asio. This is the only file that
// includes Beast (its headers are heavy to compile); everything a request
// means is decided in dispatch.cc.
//
// One I/O thread runs every connection as asynchronous reads and writes, so
// an idle or slow connection costs a socket and a small buffer, never a
// thread. Anything that touches the database (authentication, handlers) runs
// on a pool of `threads` workers, and its result is posted back to the I/O
// thread.
#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_set>

#include "http/dispatch.h"
#include "http/http.h"

namespace mops::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using core::ErrorCode;
using internal::Response;

constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr size_t kMaxHeaderLines = 100;
constexpr size_t kMaxTargetBytes = 8 * 1024;
// After a response that leaves a body unread, read and drop at most this
// much for at most this long before closing, so the client sees the
// response rather than a reset (nginx's lingering close).
constexpr size_t kLingerBytes = 64 * 1024;
// The first read of a request is small, so that many idle connections cost
// little memory; the header parser grows the buffer as the head arrives.
constexpr size_t kFirstRead = 1024;
// Where lingering connections drop what they drain: one buffer for all, as
// only the I/O thread reads into it and nobody reads it back.
char drain_sink[4096];
constexpr auto kLingerTime = std::chrono::seconds(2);

// Raise the soft limit on open files to the hard limit: each connection is
// a file descriptor.
void RaiseFileLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
      spdlog::warn("could not raise the open file limit");
    }
  }
}

Response ProtocolError(int status, std::string message) {
  Response res =
      internal::ErrorResponse(core::MakeError(ErrorCode::kInvalidArgument, std::move(message)));
  res.status = status;
  res.close = true;
  return res;
}

class Server;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server& server, tcp::socket socket);
  void Start() { ReadHead(); }
  // Server stopping: close now when waiting for a request, else after the
  // response in flight.
  void Stop();
  void Close();

 private:
  void ReadHead();
  void OnHead(beast::error_code ec);
  void ReadBody();
  void Finish(Response res);
  void Write(Response res);
  void Linger();
  void Drain();

  Server& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{kMaxHeaderBytes + kLingerBytes};
  std::optional<bhttp::request_parser<bhttp::empty_body>> head_;
  std::optional<bhttp::request_parser<bhttp::string_body>> body_;
  std::shared_ptr<Request> request_;
  std::shared_ptr<internal::Plan> plan_;
  bhttp::response<bhttp::string_body> out_;
  std::chrono::steady_clock::time_point started_;
  bool busy_ = false;  // a request is being handled or answered
  bool stopping_ = false;
  bool closed_ = false;
  size_t lingered_ = 0;
  size_t body_limit_ = 0;        // of the request being read
  int over_limit_status_ = 413;  // its answer when the body is over the limit
};

class Server {
 public:
  Server(const ServerOptions& options, const Router& router, store::Pool& pool,
         internal::ResponseCache* cache)
      : options(options),
        dispatcher(router, pool, options, cache),
        workers(static_cast<size_t>(std::max(1, options.threads))),
        acceptor(io) {}

  core::Status Listen() {
    beast::error_code ec;
    auto address = asio::ip::make_address(options.host, ec);
    if (ec) return core::Fail(ErrorCode::kInvalidArgument, "invalid host '{}'", options.host);
    tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return core::Fail(ErrorCode::kUnavailable, "cannot listen on {}:{} (port in use?)",
                        options.host, options.port);
    }
    return {};
  }

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (stopping) return;
      if (!ec) {
        s.set_option(tcp::no_delay(true), ec);
        auto session = std::make_shared<Session>(*this, std::move(s));
        sessions.insert(session.get());
        peak_sessions = std::max(peak_sessions, sessions.size());
        session->Start();
      } else if (ec == asio::error::no_descriptors) {
        // Out of file descriptors: pause briefly instead of spinning.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      Accept();
    });
  }

  // Runs on the I/O thread.
  void Stop() {
    if (stopping) return;
    stopping = true;
    beast::error_code ec;
    acceptor.close(ec);
    // Copy: Stop() may close sessions, which removes them.
    std::vector<Session*> live(sessions.begin(), sessions.end());
    for (Session* s : live) s->Stop();
    if (sessions.empty()) keep_running.reset();
  }

  void Closed(Session* session) {
    sessions.erase(session);
    if (sessions.empty()) {
      if (stopping) keep_running.reset();
      // After a burst of connections, hand freed memory back to the system
      // (posted: the last session is freed once its handler returns).
      if (peak_sessions > 64) asio::post(io, [] { malloc_trim(0); });
      peak_sessions = 0;
    }
  }

  const ServerOptions& options;
  internal::Dispatcher dispatcher;
  asio::io_context io{1};
  asio::thread_pool workers;
  tcp::acceptor acceptor;
  std::unordered_set<Session*> sessions;  // I/O thread only
  size_t peak_sessions = 0;
  bool stopping = false;
  // Keeps io.run() going while a request waits on a worker; released once
  // stopping and every connection has closed.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> keep_running{
      asio::make_work_guard(io)};
};

Session::Session(Server& server, tcp::socket socket)
    : server_(server), stream_(std::move(socket)) {}

void Session::Stop() {
  stopping_ = true;
  if (!busy_) Close();
}

void Session::Close() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
  server_.Closed(this);
}

void Session::ReadHead() {
  busy_ = false;
  if (stopping_) return Close();
  head_.emplace();
  head_->header_limit(kMaxHeaderBytes);
  // The body limit is the route's, checked once the route is known.
  head_->body_limit(std::numeric_limits<std::uint64_t>::max());
  auto self = shared_from_this();
  if (buffer_.size() == 0) {
    // Wait for the first byte of the next request with the idle timeout,
    // then give the whole head the header timeout.
    stream_.expires_after(std::chrono::seconds(server_.options.idle_timeout_seconds));
    stream_.async_read_some(buffer_.prepare(kFirstRead), [self](beast::error_code ec, size_t n) {
      if (ec) return self->Close();
      self->buffer_.commit(n);
      self->ReadHead();
    });
    return;
  }
  started_ = std::chrono::steady_clock::now();
  stream_.expires_after(std::chrono::seconds(server_.options.header_timeout_seconds));
  bhttp::async_read_header(stream_, buffer_, *head_,
                           [self](beast::error_code ec, size_t) { self->OnHead(ec); });
}

void Session::OnHead(beast::error_code ec) {
  busy_ = true;
  if (ec == bhttp::error::header_limit) {
    // A request line alone over the target limit is a long URI. The parser
    // may have taken the request line already: then its target tells.
    const size_t parsed_target = head_->get().target().size();
    const auto data = buffer_.data();
    std::string_view seen(static_cast<const char*>(data.data()), data.size());
    const size_t eol = seen.find("\r\n");
    const bool long_line = parsed_target > 0
                               ? parsed_target > kMaxTargetBytes
                               : (eol == std::string_view::npos || eol > kMaxTargetBytes);
    if (long_line) {
      return Write(ProtocolError(414, "request target over 8 KiB"));
    }
    return Write(ProtocolError(431, "request header block over 16 KiB"));
  }
  if (ec == beast::error::timeout || ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
    return Close();
  }
  if (ec) return Write(ProtocolError(400, "malformed request: " + ec.message()));

  const auto& head = head_->get();
  request_ = std::make_shared<Request>();
  Request& req = *request_;
  req.method = std::string(head.method_string());
  if (head.target().size() > kMaxTargetBytes) {
    req.path = "(long target)";
    return Write(ProtocolError(414, "request target over 8 KiB"));
  }
  if (!internal::ParseTarget(std::string_view(head.target().data(), head.target().size()), req)) {
    return Write(ProtocolError(400, "malformed request target"));
  }
  size_t lines = 0;
  for (const auto& field : head) {
    if (++lines > kMaxHeaderLines) {
      return Write(ProtocolError(431, "more than 100 header lines"));
    }
    req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  if (head.version() != 11 && head.version() != 10) {
    return Write(ProtocolError(505, "HTTP version not supported"));
  }

  if (internal::Dispatcher::IsStatic(req.path) && server_.dispatcher.Ingress(req) == nullptr) {
    Response res = server_.dispatcher.Static(req);
    if (!head_->is_done()) res.close = true;
    return Write(std::move(res));
  }
  // Authenticate and route on a worker (the database may block), then read
  // the body only for a request that will be served.
  auto self = shared_from_this();
  asio::post(server_.workers, [self] {
    auto plan = std::make_shared<internal::Plan>(self->server_.dispatcher.Prepare(*self->request_));
    if (!plan->done && self->head_->is_done()) {
      // No body to read: run the handler here.
      plan->response = self->server_.dispatcher.Execute(*plan, *self->request_);
      plan->done = true;
    }
    asio::post(self->stream_.get_executor(), [self, plan] {
      if (plan->done) return self->Write(std::move(plan->response));
      self->plan_ = plan;
      self->ReadBody();
    });
  });
}

void Session::ReadBody() {
  busy_ = true;
  const IngressRoute* ingress = plan_->ingress;
  const size_t limit = ingress ? ingress->max_body_bytes : server_.options.max_body_bytes;
  body_limit_ = limit;
  over_limit_status_ = ingress ? ingress->over_limit_status : 413;
  if (auto length = head_->content_length(); length && *length > limit) {
    return Write(
        ProtocolError(over_limit_status_, fmt::format("request body over {} bytes", limit)));
  }
  body_.emplace(std::move(*head_));
  body_->body_limit(limit);
  const auto& head = body_->get();
  if (bhttp::token_list(head[bhttp::field::expect]).exists("100-continue")) {
    // Tell the client to go on: the route and credentials passed.
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    beast::error_code ec;
    stream_.expires_after(std::chrono::seconds(server_.options.body_timeout_seconds));
    asio::write(stream_, asio::buffer(kContinue), ec);
    if (ec) return Close();
  }
  auto self = shared_from_this();
  stream_.expires_after(std::chrono::seconds(server_.options.body_timeout_seconds));
  bhttp::async_read(stream_, buffer_, *body_, [self](beast::error_code ec, size_t) {
    if (ec == bhttp::error::body_limit) {
      return self->Write(ProtocolError(
          self->over_limit_status_, fmt::format("request body over {} bytes", self->body_limit_)));
    }
    if (ec == beast::error::timeout || ec == bhttp::error::end_of_stream ||
        ec == asio::error::eof || ec == asio::error::connection_reset) {
      return self->Close();
    }
    if (ec) return self->Write(ProtocolError(400, "malformed request body: " + ec.message()));
    self->request_->body = self->body_->release().body();
    asio::post(self->server_.workers, [self] {
      auto res = std::make_shared<Response>(
          self->server_.dispatcher.Execute(*self->plan_, *self->request_));
      asio::post(self->stream_.get_executor(), [self, res] { self->Write(std::move(*res)); });
    });
  });
}

void Session::Write(Response res) {
  if (closed_) return;
  const std::string path = request_ ? request_->path : std::string();
  internal::AddSecurityHeaders(path, res);
  const bool head_request = request_ && request_->method == "HEAD";
  const bool keep_alive =
      !res.close && !stopping_ && head_ && head_->is_header_done() && head_->get().keep_alive();
  out_ = {};
  out_.version(11);
  out_.result(static_cast<unsigned>(res.status));
  for (auto& [name, value] : res.headers) out_.set(name, value);
  const size_t bytes = res.body.size();
  if (head_request) {
    out_.set(bhttp::field::content_length, std::to_string(bytes));
  } else {
    out_.body() = std::move(res.body);
    out_.prepare_payload();
  }
  out_.keep_alive(keep_alive);
  if (server_.options.access_log) {
    const double ms =
        request_
            ? std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
                  .count()
            : 0.0;
    spdlog::info("{} {} {} {}B {:.1f}ms", request_ ? request_->method : std::string("-"),
                 internal::EscapeForLog(path.empty() ? "-" : path), res.status, bytes, ms);
  }
  auto self = shared_from_this();
  stream_.expires_after(std::chrono::seconds(30));
  bhttp::async_write(stream_, out_, [self, keep_alive](beast::error_code ec, size_t) {
    if (ec) return self->Close();
    self->request_.reset();
    self->plan_.reset();
    self->body_.reset();
    if (!keep_alive) return self->Linger();
    self->ReadHead();
  });
}

void Session::Linger() {
  if (closed_) return;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return Close();
  stream_.expires_after(kLingerTime);
  Drain();
}

void Session::Drain() {
  auto self = shared_from_this();
  stream_.async_read_some(asio::buffer(drain_sink), [self](beast::error_code ec, size_t n) {
    self->lingered_ += n;
    if (ec || self->lingered_ >= kLingerBytes) return self->Close();
    self->Drain();
  });
}

}  // namespace
}  // namespace mops::http

namespace mops::http {

core::Status Serve(const ServerOptions& options, const Router& router) {
  RaiseFileLimit();
  MOPS_ASSIGN_OR_RETURN(auto pool, store::Pool::Create(options.workspace, options.threads));

  // Handle SIGTERM/SIGINT on a dedicated thread via sigwait: stopping the
  // server from inside a signal handler is not async-signal-safe.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<internal::ResponseCache> cache;
  if (options.response_cache_bytes > 0) {
    MOPS_ASSIGN_OR_RETURN(auto version, internal::DataVersion::Open(options.workspace));
    cache =
        std::make_unique<internal::ResponseCache>(std::move(version), options.response_cache_bytes);
  }
  Server server(options, router, *pool, cache.get());
  MOPS_TRY(server.Listen());
  auto stop = [&server] { asio::post(server.io, [&server] { server.Stop(); }); };
  std::atomic<bool> done = false;
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (!done.load()) {
      spdlog::info("signal {}: shutting down", sig);
      stop();
    }
  });
  server.Accept();
  if (options.on_listening) {
    options.on_listening(fmt::format("http://{}:{}", options.host, options.port), stop);
  }
  // Returns once the acceptor is closed and every connection has finished.
  server.io.run();
  server.workers.join();
  done = true;
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return {};
}

}  // namespace mops::http
