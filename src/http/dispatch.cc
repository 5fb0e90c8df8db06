#include "http/dispatch.h"

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "core/strings.h"
#include "http/session.h"
#include "http/ui_assets.h"

namespace mops::http::internal {
namespace {

using core::ErrorCode;

constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'";

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

const UiAsset* FindAsset(std::string_view path) {
  for (const UiAsset& a : UiAssets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

Response Unauthenticated(const core::Error& error) {
  Response res = ErrorResponse(error);
  res.Set("WWW-Authenticate", "Bearer");
  return res;
}

Response FromReply(Reply reply) {
  Response res;
  res.status = reply.status;
  res.headers = std::move(reply.headers);
  res.body = std::move(reply.body);
  return res;
}

bool HasBody(const Request& req) {
  if (auto te = req.Header("Transfer-Encoding")) return true;
  auto cl = req.Header("Content-Length");
  return cl && core::Trim(*cl) != "0";
}

// True when Accept-Encoding lists gzip (or *) without q=0.
bool AcceptsGzip(const Request& req) {
  const std::optional<std::string> header = req.Header("Accept-Encoding");
  if (!header) return false;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = core::Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t semi = item.find(';');
    const std::string_view coding = core::Trim(item.substr(0, semi));
    if (!IEquals(coding, "gzip") && coding != "*") continue;
    if (semi == std::string_view::npos) return true;
    std::string_view q = core::Trim(item.substr(semi + 1));
    if (q.starts_with("q=") || q.starts_with("Q=")) {
      q.remove_prefix(2);
      return q.find_first_not_of("0.") != std::string_view::npos;
    }
    return true;
  }
  return false;
}

// A cached body as a response: 304 when the client holds it already, else
// the body (gzipped when the client accepts it and it was worth it).
Response CachedResponse(const CachedBody& entry, const Request& req) {
  Response res;
  res.Set("ETag", entry.etag);
  res.Set("Vary", "Accept-Encoding");
  if (auto inm = req.Header("If-None-Match"); inm && ResponseCache::Matches(*inm, entry.etag)) {
    res.status = 304;
    return res;
  }
  res.Set("Content-Type", "application/json");
  if (!entry.gzip.empty() && AcceptsGzip(req)) {
    res.Set("Content-Encoding", "gzip");
    res.body = entry.gzip;
  } else {
    res.body = entry.body;
  }
  return res;
}

}  // namespace

void Response::Set(std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (IEquals(n, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

void AddSecurityHeaders(std::string_view path, Response& res) {
  res.Set("X-Content-Type-Options", "nosniff");
  res.Set("Referrer-Policy", "no-referrer");
  if (path.starts_with("/api/") || path == "/healthz") {
    res.Set("Cache-Control", "no-store");
  } else {
    res.Set("Content-Security-Policy", std::string(kCsp));
  }
}

Response JsonResponse(int status, const Json& body) {
  Response res;
  res.status = status;
  res.Set("Content-Type", "application/json");
  // Replace invalid UTF-8 from data rather than throw at the edge.
  res.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return res;
}

Response ErrorResponse(const core::Error& error) {
  return JsonResponse(HttpStatus(error.code), ErrorBody(error));
}

bool PercentDecode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex(in[i + 1]);
      const int lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      if (c == '\0') return false;
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    out += c;
  }
  return true;
}

bool ParseTarget(std::string_view target, Request& req) {
  req.target = std::string(target);
  if (target.empty() || target.front() != '/') return false;
  const size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (const size_t hash = path.find('#'); hash != std::string_view::npos) return false;
  if (!PercentDecode(path, false, req.path)) return false;
  req.params.clear();
  if (q == std::string_view::npos) return true;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key, value;
    if (!PercentDecode(pair.substr(0, eq), true, key)) return false;
    if (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, value)) {
      return false;
    }
    req.params.emplace(std::move(key), std::move(value));
  }
  return true;
}

std::string EscapeForLog(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '\\') {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view BearerToken(std::string_view authorization) {
  authorization = core::Trim(authorization);
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() ||
      !IEquals(authorization.substr(0, kScheme.size()), kScheme) ||
      (authorization[kScheme.size()] != ' ' && authorization[kScheme.size()] != '\t')) {
    return {};
  }
  return core::Trim(authorization.substr(kScheme.size()));
}

std::string_view CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t semi = header.find(';');
    std::string_view part = core::Trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    const size_t eq = part.find('=');
    if (eq != std::string_view::npos && core::Trim(part.substr(0, eq)) == name) {
      return core::Trim(part.substr(eq + 1));
    }
  }
  return {};
}

bool Dispatcher::IsStatic(std::string_view path) { return !path.starts_with("/api/"); }

Response Dispatcher::Static(const Request& req) const {
  if (req.path == "/healthz") {
    if (req.method != "GET" && req.method != "HEAD") {
      Response res = ErrorResponse(
          core::MakeError(ErrorCode::kInvalidArgument, "method " + req.method + " not allowed"));
      res.status = 405;
      res.Set("Allow", "GET, HEAD");
      return res;
    }
    return JsonResponse(200, {{"status", "ok"}});
  }
  if (req.method != "GET" && req.method != "HEAD") {
    Response res = ErrorResponse(
        core::MakeError(ErrorCode::kInvalidArgument, "method " + req.method + " not allowed"));
    res.status = 405;
    res.Set("Allow", "GET, HEAD");
    return res;
  }
  // Unknown paths outside /api get index.html so that client-side routes
  // survive a reload.
  const UiAsset* asset = FindAsset(req.path == "/" ? "/index.html" : req.path);
  if (asset == nullptr && !req.path.starts_with("/assets/")) asset = FindAsset("/index.html");
  Response res;
  if (asset == nullptr) {
    if (UiAssets().empty()) {
      res.Set("Content-Type", "text/html; charset=utf-8");
      res.body =
          "<!doctype html><title>mops</title><p>This mops binary was built without the "
          "dashboard. Run <code>make build</code>.</p>";
      return res;
    }
    return ErrorResponse(core::MakeError(ErrorCode::kNotFound, "no such file"));
  }
  // Hashed asset names never change content: cache them for a year.
  if (asset->path.starts_with("/assets/")) {
    res.Set("Cache-Control", "public, max-age=31536000, immutable");
  } else {
    res.Set("Cache-Control", "no-cache");
  }
  res.Set("Content-Type", std::string(asset->content_type));
  res.body = std::string(asset->body);
  return res;
}

Plan Dispatcher::Prepare(const Request& req) const {
  Plan plan;
  auto finish = [&plan, &req](Response res) {
    plan.done = true;
    // A refused request's body is never read: the connection cannot be reused.
    if (HasBody(req)) res.close = true;
    plan.response = std::move(res);
    return std::move(plan);
  };
  auto lease = pool_.Acquire();
  store::Database& db = *lease;

  // Ingress routes carry their own credentials and decide for themselves.
  if (const IngressRoute* ingress = Ingress(req)) {
    plan.ingress = ingress;
    std::optional<Reply> reply;
    try {
      if (ingress->admit) reply = ingress->admit(req, db);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", req.method, EscapeForLog(req.path), EscapeForLog(e.what()));
      return finish(ErrorResponse(core::MakeError(ErrorCode::kInternal, "internal error")));
    }
    if (reply) return finish(FromReply(std::move(*reply)));
    return plan;
  }

  // Authenticate before revealing which routes exist: a Bearer token
  // (API clients), else the dashboard's session cookie.
  const std::optional<std::string> authorization = req.Header("Authorization");
  const std::optional<std::string> cookies = req.Header("Cookie");
  const std::string_view session_id = cookies ? CookieValue(*cookies, kSessionCookie) : "";
  const bool is_session_route = req.path == "/api/v1/session";
  bool by_cookie = false;
  if (authorization) {
    const std::string_view secret = BearerToken(*authorization);
    if (secret.empty()) {
      return finish(Unauthenticated(core::MakeError(
          ErrorCode::kUnauthenticated, "the Authorization header must be 'Bearer <token>'")));
    }
    auto principal = Authenticate(db, secret);
    if (!principal) return finish(Unauthenticated(principal.error()));
    plan.principal = std::move(*principal);
  } else if (!session_id.empty()) {
    auto principal = sessions().Resume(db, session_id);
    if (!principal) {
      Response res = Unauthenticated(principal.error());
      res.Set("Set-Cookie", ClearSessionCookie());
      return finish(std::move(res));
    }
    plan.principal = std::move(*principal);
    by_cookie = true;
  } else if (!(is_session_route && req.method == "DELETE")) {
    return finish(Unauthenticated(core::MakeError(
        ErrorCode::kUnauthenticated, "missing 'Authorization: Bearer <token>' header")));
  }

  // A write carried by the cookie must come from the dashboard's own origin.
  if (by_cookie && req.method != "GET" && req.method != "HEAD") {
    const std::optional<std::string> origin = req.Header("Origin");
    const std::optional<std::string> host = req.Header("Host");
    if (!origin || !host || (*origin != "http://" + *host && *origin != "https://" + *host)) {
      return finish(ErrorResponse(core::MakeError(
          ErrorCode::kPermissionDenied,
          "a cookie-authenticated write needs an Origin header matching the Host")));
    }
  }

  if (is_session_route) {
    if (req.method == "POST") {
      if (by_cookie || !authorization) {
        return finish(Unauthenticated(core::MakeError(
            ErrorCode::kUnauthenticated, "sign in with 'Authorization: Bearer <token>'")));
      }
      const std::optional<std::string> proto = req.Header("X-Forwarded-Proto");
      const bool secure = options_.trust_forwarded_proto && proto && IEquals(*proto, "https");
      std::string id = sessions().Create(plan.principal.token_id);
      Response res = JsonResponse(200, {{"name", plan.principal.name},
                                        {"role", std::string(RoleName(plan.principal.role))},
                                        {"expires_in", kSessionSeconds}});
      res.Set("Set-Cookie", SessionCookie(id, secure));
      return finish(std::move(res));
    }
    if (req.method == "DELETE") {
      if (!session_id.empty()) sessions().End(session_id);
      Response res = JsonResponse(200, {{"signed_out", true}});
      res.Set("Set-Cookie", ClearSessionCookie());
      return finish(std::move(res));
    }
    Response res = ErrorResponse(core::MakeError(
        ErrorCode::kInvalidArgument, "method " + req.method + " not allowed on " + req.path));
    res.status = 405;
    return finish(std::move(res));
  }

  if (req.path == "/api/v1/openapi.json" && req.method == "GET") {
    return finish(JsonResponse(200, router_.OpenApi(MOPS_VERSION)));
  }

  bool method_not_allowed = false;
  auto match = router_.Find(req.method, req.path, &method_not_allowed);
  if (!match) {
    if (match.error().code == ErrorCode::kNotFound) {
      if (method_not_allowed) {
        Response res = ErrorResponse(core::MakeError(
            ErrorCode::kInvalidArgument, "method " + req.method + " not allowed on this path"));
        res.status = 405;
        return finish(std::move(res));
      }
      return finish(ErrorResponse(
          core::MakeError(ErrorCode::kNotFound, "no route " + req.method + " " + req.path)));
    }
    return finish(ErrorResponse(match.error()));
  }
  if (!RoleAllows(plan.principal.role, match->route->need)) {
    return finish(ErrorResponse(core::MakeError(
        ErrorCode::kPermissionDenied,
        fmt::format("role '{}' may not {} {} (needs '{}')", RoleName(plan.principal.role),
                    req.method, match->route->pattern, RoleName(match->route->need)))));
  }
  plan.route = match->route;
  plan.params = std::move(match->params);
  return plan;
}

Response Dispatcher::Execute(const Plan& plan, const Request& req) const {
  if (plan.ingress != nullptr) {
    // The tracking API's own routes: never cached; their writes commit on
    // the writer's connection, which the cache's data version sees.
    auto lease = pool_.Acquire();
    try {
      return FromReply(plan.ingress->handle(req, *lease));
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", req.method, EscapeForLog(req.path), EscapeForLog(e.what()));
      return ErrorResponse(core::MakeError(ErrorCode::kInternal, "internal error"));
    }
  }
  // The version is read before the handler runs: whatever the handler sees
  // is at least as new as it, and a later commit changes it.
  std::string key, version;
  std::shared_ptr<ResponseCache::Flight> flight;  // set when this request leads one
  // The waiters of a flight this request leads hear its outcome on every
  // path, errors included.
  std::shared_ptr<const CachedBody> landed;
  struct LandOnExit {
    ResponseCache* cache;
    const std::string& key;
    const std::string& version;
    const std::shared_ptr<ResponseCache::Flight>& flight;
    const std::shared_ptr<const CachedBody>& landed;
    ~LandOnExit() {
      if (flight != nullptr) cache->Land(key, version, flight, landed);
    }
  } land_on_exit{cache_, key, version, flight, landed};
  if (cache_ != nullptr && ResponseCache::Cacheable(req, *plan.route)) {
    if (auto current = cache_->version().Current()) {
      version = std::move(*current);
      key = ResponseCache::Key(req, plan.principal.role);
      if (auto hit = cache_->Find(key, version)) return CachedResponse(*hit, req);
      bool leader = false;
      flight = cache_->Join(key, version, &leader);
      if (!leader) {
        // Another request is computing this answer: wait for its body
        // rather than run the same handler again.
        if (auto body = flight->Wait(std::chrono::seconds(5))) return CachedResponse(*body, req);
        flight.reset();
      }
    } else {
      spdlog::warn("response cache off for this request: {}", current.error().message);
    }
  }
  core::Result<Json> result;
  {
    auto lease = pool_.Acquire();
    RequestContext ctx{req, plan.principal, *lease, plan.params, std::nullopt};
    try {
      result = plan.route->handler(ctx);
    } catch (const std::exception& e) {
      // Library exception text stays in the log, never reaches the client.
      spdlog::error("{} {}: {}", req.method, EscapeForLog(req.path), EscapeForLog(e.what()));
      result = std::unexpected(core::MakeError(ErrorCode::kInternal, "internal error"));
    }
    if (result && ctx.download) {
      // A file download: its own content type, never cached (waiters of a
      // flight it leads compute their own answer).
      Response res;
      res.Set("Content-Type", ctx.download->content_type);
      res.Set("Content-Disposition", "attachment; filename=\"" + ctx.download->filename + "\"");
      res.body = std::move(ctx.download->body);
      return res;
    }
  }
  if (cache_ != nullptr && req.method != "GET" && req.method != "HEAD") {
    cache_->version().NoteWrite();
  }
  // Errors are never cached.
  if (!result) return ErrorResponse(result.error());
  if (version.empty()) return JsonResponse(200, *result);
  auto entry = ResponseCache::Make(result->dump(-1, ' ', false, Json::error_handler_t::replace));
  cache_->Store(key, version, entry);
  landed = entry;
  return CachedResponse(*entry, req);
}

}  // namespace mops::http::internal

namespace mops::http {

std::optional<std::string> Request::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (internal::IEquals(n, name)) return v;
  }
  return std::nullopt;
}

std::optional<std::string> RequestContext::Query(const std::string& name) const {
  auto it = raw.params.find(name);
  if (it == raw.params.end()) return std::nullopt;
  return it->second;
}

core::Result<Json> RequestContext::Body() const {
  Json doc = Json::parse(raw.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "request body is not valid JSON");
  }
  return doc;
}

}  // namespace mops::http
