#include <httplib.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "http/http.h"
#include "http/ui_assets.h"

namespace mops::http {
namespace {

using core::ErrorCode;

void SendJson(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void SendError(httplib::Response& res, const core::Error& error) {
  SendJson(res, HttpStatus(error.code), ErrorBody(error));
}

const UiAsset* FindAsset(std::string_view path) {
  for (const UiAsset& a : UiAssets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

// Serves the embedded dashboard. Unknown paths outside /api get index.html
// so that client-side routes survive a reload.
void ServeDashboard(const httplib::Request& req, httplib::Response& res) {
  // The dashboard runs no inline script or style and needs no eval: anything
  // injected from data cannot run, and the browser reports the attempt.
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
                 "frame-ancestors 'none'");
  const UiAsset* asset = FindAsset(req.path == "/" ? "/index.html" : req.path);
  if (asset == nullptr && !req.path.starts_with("/assets/")) asset = FindAsset("/index.html");
  if (asset == nullptr) {
    if (UiAssets().empty()) {
      res.status = 200;
      res.set_content(
          "<!doctype html><title>mops</title><p>This mops binary was built without the "
          "dashboard. Run <code>make build</code>.</p>",
          "text/html");
      return;
    }
    SendError(res, core::MakeError(ErrorCode::kNotFound, "no such file: " + req.path));
    return;
  }
  res.status = 200;
  // Hashed asset names never change content: cache them for a year.
  if (asset->path.starts_with("/assets/")) {
    res.set_header("Cache-Control", "public, max-age=31536000, immutable");
  } else {
    res.set_header("Cache-Control", "no-cache");
  }
  res.set_content(std::string(asset->body), std::string(asset->content_type));
}

struct Dispatcher {
  const Router& router;
  store::Pool& pool;

  void Handle(const httplib::Request& req, httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    if (req.path == "/healthz") {
      SendJson(res, 200, {{"status", "ok"}});
      return;
    }
    if (!req.path.starts_with("/api/")) {
      if (req.method != "GET" && req.method != "HEAD") {
        SendError(res,
                  core::MakeError(ErrorCode::kNotFound, "no route " + req.method + " " + req.path));
        return;
      }
      ServeDashboard(req, res);
      return;
    }
    auto lease = pool.Acquire();
    store::Database& db = *lease;

    // Authenticate before revealing which routes exist.
    const std::string header = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (!std::string_view(header).starts_with(kBearer)) {
      res.set_header("WWW-Authenticate", "Bearer");
      SendError(res, core::MakeError(ErrorCode::kUnauthenticated,
                                     "missing 'Authorization: Bearer <token>' header"));
      return;
    }
    auto principal = Authenticate(db, std::string_view(header).substr(kBearer.size()));
    if (!principal) {
      res.set_header("WWW-Authenticate", "Bearer");
      SendError(res, principal.error());
      return;
    }

    if (req.path == "/api/v1/openapi.json" && req.method == "GET") {
      SendJson(res, 200, router.OpenApi(MOPS_VERSION));
      return;
    }

    bool path_matched = false;
    for (const Router::Route& route : router.routes()) {
      std::smatch match;
      if (!std::regex_match(req.path, match, route.regex)) continue;
      path_matched = true;
      if (route.method != req.method) continue;
      if (!RoleAllows(principal->role, route.need)) {
        SendError(res, core::MakeError(ErrorCode::kPermissionDenied,
                                       fmt::format("role '{}' may not {} {} (needs '{}')",
                                                   RoleName(principal->role), req.method, req.path,
                                                   RoleName(route.need))));
        return;
      }
      RequestContext ctx{req, *principal, db, {}};
      for (size_t i = 1; i < match.size(); ++i) ctx.path_params.push_back(match[i].str());
      core::Result<Json> result;
      try {
        result = route.handler(ctx);
      } catch (const std::exception& e) {
        spdlog::error("{} {}: {}", req.method, req.path, e.what());
        result = std::unexpected(core::MakeError(ErrorCode::kInternal, "internal error"));
      }
      if (result) {
        SendJson(res, 200, *result);
      } else {
        SendError(res, result.error());
      }
      return;
    }
    if (path_matched) {
      res.status = 405;
      res.set_content(
          ErrorBody(core::MakeError(ErrorCode::kInvalidArgument,
                                    "method " + req.method + " not allowed on " + req.path))
              .dump(),
          "application/json");
      return;
    }
    SendError(res,
              core::MakeError(ErrorCode::kNotFound, "no route " + req.method + " " + req.path));
  }
};

}  // namespace

std::optional<std::string> RequestContext::Query(const std::string& name) const {
  if (!raw.has_param(name.c_str())) return std::nullopt;
  return raw.get_param_value(name.c_str());
}

core::Result<Json> RequestContext::Body() const {
  Json doc = Json::parse(raw.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return core::Fail(ErrorCode::kInvalidArgument, "request body is not valid JSON");
  }
  return doc;
}

core::Status Serve(const ServerOptions& options, const Router& router) {
  MOPS_ASSIGN_OR_RETURN(auto pool, store::Pool::Create(options.workspace, options.threads));

  // Handle SIGTERM/SIGINT on a dedicated thread via sigwait: stopping the
  // server from inside a signal handler is not async-signal-safe.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  httplib::Server server;
  const int threads = options.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(options.max_body_bytes);
  server.set_read_timeout(30, 0);
  server.set_write_timeout(30, 0);
  Dispatcher dispatcher{router, *pool};
  auto handle = [&dispatcher](const httplib::Request& req, httplib::Response& res) {
    dispatcher.Handle(req, res);
  };
  server.Get(".*", handle);
  server.Post(".*", handle);
  server.Put(".*", handle);
  server.Delete(".*", handle);
  server.Patch(".*", handle);
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        SendError(res, core::MakeError(ErrorCode::kInternal, "internal error"));
      });
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 413) {
      SendJson(res, 413,
               ErrorBody(core::MakeError(ErrorCode::kInvalidArgument, "request body too large")));
    } else if (res.body.empty() && res.status >= 400) {
      SendError(res, core::MakeError(ErrorCode::kNotFound, "no route " + req.path));
    }
  });
  if (options.access_log) {
    server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      spdlog::info("{} {} {} {}B", req.method, req.path, res.status, res.body.size());
    });
  }

  if (!server.bind_to_port(options.host, options.port)) {
    return core::Fail(ErrorCode::kUnavailable, "cannot listen on {}:{} (port in use?)",
                      options.host, options.port);
  }
  std::atomic<bool> stopping = false;
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (!stopping.exchange(true)) {
      spdlog::info("signal {}: shutting down", sig);
      server.stop();
    }
  });
  if (options.on_listening) {
    options.on_listening(fmt::format("http://{}:{}", options.host, options.port),
                         [&server] { server.stop(); });
  }
  const bool ok = server.listen_after_bind();
  const bool signaled = stopping.exchange(true);
  if (!signaled) {
    // listen ended on its own: wake the signal thread so it can be joined.
    pthread_kill(signal_thread.native_handle(), SIGTERM);
  }
  signal_thread.join();
  if (!ok && !signaled) return core::Fail(ErrorCode::kUnavailable, "server stopped with an error");
  return {};
}

}  // namespace mops::http
