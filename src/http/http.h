// HTTP infrastructure: routing with roles, token auth, JSON errors, limits,
// the embedded dashboard, and the server loop with graceful shutdown.
//
// Capabilities add their REST routes through a Router; main.cc composes them.
// Handlers run on the server's thread pool, each with its own workspace
// connection leased from a store::Pool, so a handler may block on the
// database without holding up other requests.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/database.h"

namespace mops::http {

using Json = nlohmann::json;

// Roles, from DESIGN.md. admin > ops > analyst > viewer; approver is a viewer
// that may also approve (campaign operations).
enum class Role { kViewer, kAnalyst, kApprover, kOps, kAdmin };
core::Result<Role> ParseRole(std::string_view name);
std::string_view RoleName(Role role);
// True when a token of role `have` may call a route that needs `need`.
bool RoleAllows(Role have, Role need);

// Who is calling: the token's id, name and role.
struct Principal {
  int64_t token_id = 0;
  std::string name;
  Role role = Role::kViewer;
};

// Tokens: "mops_" + 43 url-safe base64 characters (256 random bits). Only a
// BLAKE2b hash is stored: a fast hash is right for high-entropy secrets (no
// dictionary to attack), and keeps per-request auth cheap.
struct TokenInfo {
  int64_t id = 0;
  std::string name;
  Role role = Role::kViewer;
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;
  std::optional<int64_t> revoked_at;
  std::optional<int64_t> expires_at;  // unix seconds; none: never expires
};
// Creates a token and returns its secret, which is never stored or shown again.
// `expires_at` (unix seconds): from then on the token authenticates no more.
core::Result<std::string> CreateToken(store::Database& db, std::string_view name, Role role,
                                      std::optional<int64_t> expires_at = std::nullopt);
core::Result<std::vector<TokenInfo>> ListTokens(store::Database& db);
// Revokes the active token with this id. kNotFound when there is none.
core::Status RevokeToken(store::Database& db, int64_t id);
// Revokes the one active token with this name and returns its id. kNotFound
// when none matches; kConflict (naming the ids) when several do, and then
// revokes none: a name is a label, not an identity.
core::Result<int64_t> RevokeTokenByName(store::Database& db, std::string_view name);
// A token lifetime such as "90d" or "12h" (whole days or hours, at least one
// hour, at most ten years) in seconds; kInvalidArgument naming the text otherwise.
core::Result<int64_t> ParseTokenLifetime(std::string_view text);
// kUnauthenticated for unknown, revoked or expired secrets.
core::Result<Principal> Authenticate(store::Database& db, std::string_view secret);

// One request as the server read it: mops's own view, independent of the
// HTTP library underneath.
struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: "/api/v1/contacts?limit=5"
  std::string path;    // percent-decoded, without the query
  // Query parameters, percent-decoded ('+' is a space), sorted by name; a
  // name given twice appears twice.
  std::multimap<std::string, std::string> params;
  // Header fields in the order sent (names as sent).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
};

// What a handler gets.
struct RequestContext {
  const Request& raw;
  Principal principal;
  store::Database& db;
  std::vector<std::string> path_params;  // regex groups of the route pattern

  // Query parameter, or nullopt.
  std::optional<std::string> Query(const std::string& name) const;
  // Every query parameter, decoded and sorted by name.
  const std::multimap<std::string, std::string>& QueryParams() const { return raw.params; }
  // The body as received (empty when none).
  const std::string& BodyText() const { return raw.body; }
  // Parsed JSON body; kInvalidArgument with the parse position when malformed.
  core::Result<Json> Body() const;

  // A handler that answers with a file to download instead of JSON sets
  // this (the JSON it returns is then ignored): sent with its content type
  // and Content-Disposition: attachment, never cached.
  struct Download {
    std::string content_type;
    std::string filename;  // letters, digits, '.', '-', '_' only
    std::string body;
  };
  std::optional<Download> download = std::nullopt;
};

// A handler returns a JSON document (200) or an Error (mapped to a status).
using Handler = std::function<core::Result<Json>(RequestContext&)>;

struct QueryParamDoc {
  std::string name;
  std::string description;
};

// Route metadata for the OpenAPI document.
struct RouteDoc {
  std::string summary;
  std::vector<QueryParamDoc> query;
  std::string tag;
};

// A reply from an ingress route: any status, headers and body.
struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Ingress routes: paths outside /api/ that carry their own credentials (the
// tracking API's write keys) instead of API tokens. Bearer tokens and
// dashboard sessions are not consulted on them, and their credentials open
// no /api route (those accept API tokens only).
struct IngressRoute {
  std::string method;  // "POST", "GET", "OPTIONS"
  std::string path;    // exact path, or a prefix when it ends with '/'
  // Bodies over this get `over_limit_status` after reading no more than it.
  size_t max_body_bytes = 0;
  int over_limit_status = 413;
  // Decides from the request line and headers alone, on a worker (it may use
  // the database): nullopt reads the body and calls `handle`; a reply is
  // final and the body is not read.
  std::function<std::optional<Reply>(const Request&, store::Database&)> admit;
  std::function<Reply(const Request&, store::Database&)> handle;
  std::string summary;  // for the route list
};

class Router {
 public:
  // Adds an ingress route; the first that matches a request's method and
  // path serves it.
  void Ingress(IngressRoute route) { ingress_.push_back(std::move(route)); }
  const std::vector<IngressRoute>& ingress() const { return ingress_; }
  // The ingress route for this method and path, or nullptr.
  const IngressRoute* FindIngress(std::string_view method, std::string_view path) const;

  // `pattern` is an OpenAPI-style path ("/api/v1/contacts/{id}"); each
  // {param} matches one path segment and becomes a path_params entry. A
  // parameter named `id` or ending in `_id` must be a whole positive integer
  // ("12abc", "0", "-1" get 400 before the handler runs).
  void Get(std::string pattern, Role need, RouteDoc doc, Handler handler);
  void Post(std::string pattern, Role need, RouteDoc doc, Handler handler);
  void Put(std::string pattern, Role need, RouteDoc doc, Handler handler);
  void Delete(std::string pattern, Role need, RouteDoc doc, Handler handler);

  struct Route {
    std::string method;
    std::string pattern;
    std::regex regex;
    std::vector<std::string> param_names;
    Role need;
    RouteDoc doc;
    Handler handler;
  };
  const std::vector<Route>& routes() const { return routes_; }

  // The route for `method` and `path`, its path parameters filled in.
  // kNotFound when no pattern matches the path, kInvalidArgument (405 by
  // `method_not_allowed`) when one does but not for this method, or (400) when
  // an id parameter is not a whole positive integer.
  struct Match {
    const Route* route = nullptr;
    std::vector<std::string> params;
  };
  core::Result<Match> Find(std::string_view method, const std::string& path,
                           bool* method_not_allowed) const;

  // The OpenAPI 3.0 document describing every route.
  Json OpenApi(std::string_view version) const;

 private:
  void Add(std::string method, std::string pattern, Role need, RouteDoc doc, Handler handler);
  std::vector<Route> routes_;
  std::vector<IngressRoute> ingress_;
};

// HTTP status for an error code.
int HttpStatus(core::ErrorCode code);
// {"error": {"code", "message", "details"}}
Json ErrorBody(const core::Error& error);

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 8;  // workers running handlers; connections cost no worker
  size_t max_body_bytes = 32 * 1024 * 1024;
  int header_timeout_seconds = 10;  // from a request's first byte to its last header
  int body_timeout_seconds = 60;    // for the whole body
  int idle_timeout_seconds = 60;    // a kept-alive connection waiting for its next request
  // Behind a TLS-terminating proxy that sets X-Forwarded-Proto: https, mark
  // the session cookie Secure.
  bool trust_forwarded_proto = false;
  std::string workspace;  // URL or path
  bool access_log = true;
  // Bytes of GET responses kept until the next committed write (0: off).
  size_t response_cache_bytes = 64 * 1024 * 1024;
  // Called once the socket listens (e.g. to print the URL). `stop` ends the
  // server as SIGTERM would; it may be called from any thread.
  std::function<void(const std::string& url, std::function<void()> stop)> on_listening;
};

// Serves the router's routes, /healthz, /api/v1/openapi.json and the
// dashboard until SIGTERM or SIGINT, then drains and returns.
core::Status Serve(const ServerOptions& options, const Router& router);

// Pagination by cursor: an opaque token for "after this id".
std::string EncodeCursor(int64_t last_id);
core::Result<int64_t> DecodeCursor(std::string_view cursor);

}  // namespace mops::http
