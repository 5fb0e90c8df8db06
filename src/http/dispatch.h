// Internal to src/http: what the server does with a request, independent of
// the HTTP library that reads it off the socket (server.cc). The library-free
// half is here so that it compiles quickly and is tested directly.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/http.h"
#include "http/response_cache.h"

namespace mops::http::internal {

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Close the connection after this response (e.g. its body was not read).
  bool close = false;

  void Set(std::string name, std::string value);
};

// Headers every response carries, plus the dashboard's CSP or the API's
// Cache-Control by path.
void AddSecurityHeaders(std::string_view path, Response& res);

Response JsonResponse(int status, const Json& body);
Response ErrorResponse(const core::Error& error);

// Percent-decodes `in` ('+' as a space when `plus_is_space`). False on a
// malformed escape or a decoded NUL.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string& out);

// Fills method, target, path and params from the request line. False when
// the target is not an origin-form path or its escapes are malformed.
bool ParseTarget(std::string_view target, Request& req);

// For the log: control characters, DEL, bytes >= 0x80 and backslash as \xNN.
std::string EscapeForLog(std::string_view in);

// The token after a case-insensitive "Bearer " scheme, or empty.
std::string_view BearerToken(std::string_view authorization);
// The value of cookie `name` in a Cookie header, or empty.
std::string_view CookieValue(std::string_view cookie_header, std::string_view name);

// What the server decided from the request line and headers alone.
struct Plan {
  bool done = false;  // `response` is final; the body, if any, is not read
  Response response;
  const Router::Route* route = nullptr;
  const IngressRoute* ingress = nullptr;  // set instead of `route` for ingress paths
  std::vector<std::string> params;
  Principal principal;
};

class Dispatcher {
 public:
  // `cache` (optional) keeps GET responses until the next committed write.
  Dispatcher(const Router& router, store::Pool& pool, const ServerOptions& options,
             ResponseCache* cache = nullptr)
      : router_(router), pool_(pool), options_(options), cache_(cache) {}

  // True for paths answered without the database (health, dashboard).
  static bool IsStatic(std::string_view path);
  // The ingress route of this request, if any (answered before IsStatic).
  const IngressRoute* Ingress(const Request& req) const {
    return router_.FindIngress(req.method, req.path);
  }
  // Health check and dashboard; never blocks.
  Response Static(const Request& req) const;

  // Authenticates and routes from the head of the request (blocks on the
  // database: call it on a worker).
  Plan Prepare(const Request& req) const;
  // Runs the planned handler on the full request (worker).
  Response Execute(const Plan& plan, const Request& req) const;

 private:
  const Router& router_;
  store::Pool& pool_;
  const ServerOptions& options_;
  ResponseCache* cache_;
};

}  // namespace mops::http::internal
