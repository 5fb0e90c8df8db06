// The tracking API's edges on `mops serve`: the Segment/RudderStack ingress
// routes under /v1/ (write-key credentials, gzip, CORS, rate limits) and the
// /api/v1/tracking/* routes of the events page.
#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <map>
#include <mutex>

#include "core/time.h"
#include "http/input.h"
#include "tracking/tracking.h"

namespace mops::tracking {
namespace {

using core::ErrorCode;
using http::Reply;
using http::Request;

Reply JsonReply(int status, const Json& body) {
  Reply r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

Reply ErrorReply(int status, std::string_view code, std::string message, std::string field = {}) {
  Json details = Json::object();
  if (!field.empty()) details["field"] = field;
  return JsonReply(status,
                   {{"error", {{"code", code}, {"message", message}, {"details", details}}}});
}

// Per write key, a token bucket of `rate_limit` requests per second with a
// burst of one second's worth. Thread-safe.
class RateLimiter {
 public:
  // 0 when allowed, else the seconds to wait.
  int64_t Take(int64_t key_id, int64_t rate) {
    if (rate <= 0) return 0;
    std::lock_guard lock(mu_);
    const double now =
        std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    Bucket& b = buckets_[key_id];
    if (b.at == 0) b = Bucket{static_cast<double>(rate), now};
    b.tokens = std::min<double>(rate, b.tokens + (now - b.at) * static_cast<double>(rate));
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1 - b.tokens) / rate)));
  }

 private:
  struct Bucket {
    double tokens = 0;
    double at = 0;
  };
  std::mutex mu_;
  std::map<int64_t, Bucket> buckets_;
};

// How long an authenticated write key is trusted without reading it again:
// a key revoked from another process (the CLI) is refused after this at most.
constexpr std::chrono::milliseconds kKeyCacheAge{1000};

// What the ingress routes share: the group-commit writer and the limiter.
struct Ingress {
  Writer writer;
  RateLimiter limiter;
};

std::optional<std::string> BasicUser(const Request& req) {
  auto auth = req.Header("Authorization");
  if (!auth) return std::nullopt;
  std::string_view v = *auth;
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.size() < 6 || (v.substr(0, 6) != "Basic " && v.substr(0, 6) != "basic ")) {
    return std::string();  // present but not Basic: an unusable credential
  }
  v.remove_prefix(6);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  std::string decoded(v.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(), v.data(),
                        v.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::string();
  }
  decoded.resize(len);
  return decoded.substr(0, decoded.find(':'));
}

bool OriginAllowed(const WriteKey& key, std::string_view origin) {
  for (const std::string& o : key.origins) {
    if (o == "*" || o == origin) return true;
  }
  return false;
}

void AddCors(Reply& r, std::string_view origin) {
  r.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  r.headers.emplace_back("Access-Control-Allow-Credentials", "true");
  r.headers.emplace_back("Vary", "Origin");
}

// The key of a request from its headers (Basic auth user), or an error reply.
// nullopt key with no reply: no header credential (maybe one in the body).
struct KeyCheck {
  std::optional<WriteKey> key;
  std::optional<Reply> refusal;
};
// `limit`: take a token of the key's rate limit (once per request).
KeyCheck CheckKey(const Request& req, store::Database& db, std::optional<std::string> secret,
                  Ingress& ingress, bool limit = true) {
  KeyCheck out;
  if (!secret) return out;
  auto key = AuthenticateWriteKeyCached(db, *secret, kKeyCacheAge);
  if (!key) {
    Reply r = ErrorReply(401, "unauthenticated",
                         key.error().code == ErrorCode::kUnauthenticated
                             ? key.error().message
                             : std::string("could not check the write key"));
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"mops tracking\"");
    out.refusal = std::move(r);
    return out;
  }
  const std::optional<std::string> origin = req.Header("Origin");
  if (origin && !OriginAllowed(*key, *origin)) {
    out.refusal = ErrorReply(403, "permission_denied",
                             fmt::format("origin not allowed for write key '{}'", key->name));
    return out;
  }
  if (const int64_t wait = limit ? ingress.limiter.Take(key->id, key->rate_limit) : 0; wait > 0) {
    Reply r = ErrorReply(429, "rate_limited",
                         fmt::format("write key '{}' is over its limit of {} requests per second",
                                     key->name, key->rate_limit));
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    if (origin) AddCors(r, *origin);
    out.refusal = std::move(r);
    return out;
  }
  out.key = std::move(*key);
  return out;
}

// Inflates a gzip body, refusing output over `limit` bytes (zip bombs).
core::Result<std::string> Gunzip(std::string_view in, size_t limit) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return core::Fail(ErrorCode::kInternal, "zlib failed");
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char chunk[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                        "the body is not valid gzip (Content-Encoding: gzip)")
                            .InField("Content-Encoding"));
    }
    out.append(chunk, sizeof chunk - zs.avail_out);
    if (out.size() > limit) {
      inflateEnd(&zs);
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                        fmt::format("the inflated body is over {} bytes", limit))
                            .InField("Content-Encoding"));
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument, "the gzip body is truncated")
                            .InField("Content-Encoding"));
    }
  }
  inflateEnd(&zs);
  return out;
}

// A POST of events: /v1/<type>, /v1/batch, /v1/import.
Reply HandleEvents(const Request& req, store::Database& db, Ingress& ingress,
                   std::optional<EventType> type, size_t limit) {
  const int64_t received = core::NowUnixMillis();
  const std::string route = req.path;
  const std::optional<std::string> origin = req.Header("Origin");
  std::string body_storage;
  std::string_view body = req.body;
  if (auto enc = req.Header("Content-Encoding")) {
    if (*enc == "gzip" || *enc == "x-gzip") {
      auto inflated = Gunzip(req.body, limit);
      if (!inflated)
        return ErrorReply(400, "invalid_argument", inflated.error().message, "Content-Encoding");
      body_storage = std::move(*inflated);
      body = body_storage;
    } else if (*enc != "identity") {
      return ErrorReply(400, "invalid_argument",
                        fmt::format("Content-Encoding '{}' is not supported (gzip or identity)",
                                    enc->substr(0, 40)),
                        "Content-Encoding");
    }
  }
  auto parsed = ParseBody(body, type, received);
  // Credentials: the Basic auth user, else writeKey in the body.
  std::optional<std::string> secret = BasicUser(req);
  // A key in the header was checked (and its rate limit taken) before the body.
  const bool checked = secret && !secret->empty();
  if (!secret || secret->empty()) {
    std::string from_body;
    if (parsed) {
      from_body = parsed->write_key;
    } else {
      Json doc = Json::parse(body, nullptr, false);
      if (doc.is_object() && doc.contains("writeKey") && doc["writeKey"].is_string()) {
        from_body = doc["writeKey"].get<std::string>();
      }
    }
    if (!from_body.empty()) secret = from_body;
  }
  if (!secret || secret->empty()) {
    Reply r = ErrorReply(401, "unauthenticated",
                         "missing write key (HTTP basic auth user name, or writeKey in the body)");
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"mops tracking\"");
    return r;
  }
  KeyCheck check = CheckKey(req, db, secret, ingress, /*limit=*/!checked);
  if (check.refusal) return std::move(*check.refusal);
  const WriteKey& key = *check.key;
  auto finish = [&origin](Reply r) {
    if (origin) AddCors(r, *origin);
    return r;
  };
  if (!parsed) {
    const core::Error& e = parsed.error();
    std::vector<Rejection> one = {Rejection{0, e.field, e.message}};
    auto logged = ingress.writer.Store(db, key.id, route, {}, std::move(one));
    (void)logged;  // the request fails either way; the log is best effort
    return finish(ErrorReply(400, "invalid_argument", e.message, e.field));
  }
  const size_t accepted = parsed->events.size();
  std::vector<Rejection> rejected = parsed->rejected;
  auto stored = ingress.writer.Store(db, key.id, route, std::move(parsed->events),
                                     std::move(parsed->rejected));
  if (!stored) {
    // The client only learns to retry; the operator needs the cause.
    spdlog::error("tracking: {} event(s) not stored: {}", accepted, stored.error().ToString());
    return finish(ErrorReply(503, "unavailable", "the events could not be stored; retry"));
  }
  if (accepted == 0 && !rejected.empty()) {
    Json items = Json::array();
    for (const Rejection& r : rejected) {
      items.push_back({{"index", r.index}, {"field", r.field}, {"reason", r.reason}});
    }
    Reply r =
        JsonReply(400, {{"error",
                         {{"code", "invalid_argument"},
                          {"message", fmt::format("all {} events were rejected", rejected.size())},
                          {"details", {{"rejected", items}}}}}});
    return finish(std::move(r));
  }
  Json out = {{"success", true},
              {"accepted", accepted},
              {"stored", stored->stored},
              {"duplicates", stored->duplicates}};
  if (!rejected.empty()) {
    Json items = Json::array();
    for (const Rejection& r : rejected) {
      items.push_back({{"index", r.index}, {"field", r.field}, {"reason", r.reason}});
    }
    out["rejected"] = items;
  }
  return finish(JsonReply(200, out));
}

std::string HostOf(const Request& req) {
  auto host = req.Header("Host");
  return host ? *host : std::string("127.0.0.1");
}

// Segment's settings document, which analytics.js fetches from its CDN
// before it sends: the Segment.io destination pointed back at this server.
Json SegmentSettings(const Request& req, const WriteKey& key, std::string_view secret) {
  const bool https = req.Header("X-Forwarded-Proto").value_or("") == "https";
  return {{"integrations",
           {{"Segment.io",
             {{"apiKey", secret},
              {"apiHost", HostOf(req) + "/v1"},
              {"protocol", https ? "https" : "http"},
              {"unbundledIntegrations", Json::array()},
              {"addBundledMetadata", false}}}}},
          {"plan",
           {{"track", {{"__default", {{"enabled", true}}}}},
            {"identify", {{"__default", {{"enabled", true}}}}},
            {"group", {{"__default", {{"enabled", true}}}}}}},
          {"edgeFunction", Json::object()},
          {"analyticsNextEnabled", true},
          {"middlewareSettings", Json::object()},
          {"enabledMiddleware", Json::object()},
          {"metrics", {{"sampleRate", 0}}},
          {"legacyVideoPluginsEnabled", false},
          {"remotePlugins", Json::array()},
          {"source", {{"name", key.name}}}};
}

// RudderStack's source config, which its JS SDK fetches from the control
// plane (configUrl) before it sends.
Json RudderSourceConfig(const WriteKey& key, std::string_view secret) {
  return {{"isHosted", false},
          {"source",
           {{"config",
             {{"statsCollection",
               {{"errors", {{"enabled", false}}}, {"metrics", {{"enabled", false}}}}}}},
            {"id", fmt::format("mops-{}", key.id)},
            {"name", key.name},
            {"writeKey", secret},
            {"enabled", true},
            {"workspaceId", "mops"},
            {"destinations", Json::array()}}}};
}

std::optional<Reply> Preflight(const Request& req, store::Database& db) {
  const std::optional<std::string> origin = req.Header("Origin");
  if (!origin)
    return ErrorReply(400, "invalid_argument", "a CORS preflight needs an Origin", "Origin");
  // A preflight carries no credentials: the origin must be allowed for some
  // active key; the request itself is checked against its own key.
  auto keys = ListWriteKeys(db);
  bool allowed = false;
  if (keys) {
    for (const WriteKey& k : *keys) {
      if (!k.revoked_at && OriginAllowed(k, *origin)) allowed = true;
    }
  }
  if (!allowed) {
    return ErrorReply(403, "permission_denied", "origin not allowed for any write key");
  }
  Reply r;
  r.status = 204;
  AddCors(r, *origin);
  r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  r.headers.emplace_back("Access-Control-Allow-Headers",
                         "Content-Type, Authorization, Content-Encoding, AnonymousId");
  r.headers.emplace_back("Access-Control-Max-Age", "600");
  return r;
}

// GET of a settings document: the key from the path, the query or Basic auth.
std::optional<Reply> Settings(const Request& req, store::Database& db, Ingress& ingress,
                              bool rudder) {
  std::optional<std::string> secret;
  if (rudder) {
    secret = BasicUser(req);
    if (!secret || secret->empty()) {
      auto it = req.params.find("writeKey");
      if (it != req.params.end()) secret = it->second;
    }
  } else {
    // /v1/projects/{writeKey}/settings
    std::string_view p = req.path;
    p.remove_prefix(std::string_view("/v1/projects/").size());
    const size_t slash = p.find('/');
    if (slash == std::string_view::npos || p.substr(slash) != "/settings") {
      return ErrorReply(404, "not_found", "no such settings document");
    }
    secret = std::string(p.substr(0, slash));
  }
  if (!secret || secret->empty()) {
    return ErrorReply(401, "unauthenticated", "missing write key");
  }
  KeyCheck check = CheckKey(req, db, secret, ingress);
  if (check.refusal) return std::move(*check.refusal);
  Reply r = JsonReply(200, rudder ? RudderSourceConfig(*check.key, *secret)
                                  : SegmentSettings(req, *check.key, *secret));
  if (auto origin = req.Header("Origin")) AddCors(r, *origin);
  return r;
}

void AddIngress(http::Router& router, const std::shared_ptr<Ingress>& ingress,
                const std::string& path, std::optional<EventType> type, size_t limit) {
  http::IngressRoute route;
  route.method = "POST";
  route.path = path;
  route.max_body_bytes = limit;
  route.over_limit_status = 400;
  route.summary = "Segment-compatible " + path;
  // Credentials in a header are checked before the body is read; a body
  // writeKey only after.
  route.admit = [ingress](const Request& req, store::Database& db) -> std::optional<Reply> {
    std::optional<std::string> secret = BasicUser(req);
    if (!secret || secret->empty()) return std::nullopt;
    KeyCheck check = CheckKey(req, db, secret, *ingress);
    return check.refusal;
  };
  route.handle = [ingress, type, limit](const Request& req, store::Database& db) {
    return HandleEvents(req, db, *ingress, type, limit);
  };
  router.Ingress(std::move(route));
  http::IngressRoute options;
  options.method = "OPTIONS";
  options.path = path;
  options.admit = [](const Request& req, store::Database& db) { return Preflight(req, db); };
  router.Ingress(std::move(options));
}

}  // namespace

void RegisterRoutes(http::Router& router) {
  auto ingress = std::make_shared<Ingress>();
  const std::pair<const char*, EventType> singles[] = {
      {"/v1/identify", EventType::kIdentify},
      {"/v1/track", EventType::kTrack},
      {"/v1/page", EventType::kPage},
      {"/v1/screen", EventType::kScreen},
      {"/v1/group", EventType::kGroup},
      {"/v1/alias", EventType::kAlias},
      // Short forms some SDKs use (RudderStack's data plane serves both).
      {"/v1/i", EventType::kIdentify},
      {"/v1/t", EventType::kTrack},
      {"/v1/p", EventType::kPage},
      {"/v1/g", EventType::kGroup},
      {"/v1/a", EventType::kAlias}};
  for (const auto& [path, type] : singles) {
    // A single event is at most 32 KB; the raw body may carry a little more
    // (writeKey, whitespace), the normalized event is checked exactly.
    AddIngress(router, ingress, path, type, kMaxEventBytes);
  }
  AddIngress(router, ingress, "/v1/batch", std::nullopt, kMaxBatchBytes);
  AddIngress(router, ingress, "/v1/import", std::nullopt, kMaxBatchBytes);
  AddIngress(router, ingress, "/v1/b", std::nullopt, kMaxBatchBytes);

  for (const char* path : {"/v1/projects/", "/sourceConfig", "/sourceConfig/"}) {
    const bool rudder = std::string_view(path).starts_with("/sourceConfig");
    http::IngressRoute get;
    get.method = "GET";
    get.path = path;
    get.admit = [ingress, rudder](const Request& req, store::Database& db) {
      return Settings(req, db, *ingress, rudder);
    };
    router.Ingress(std::move(get));
    http::IngressRoute options;
    options.method = "OPTIONS";
    options.path = path;
    options.admit = [](const Request& req, store::Database& db) { return Preflight(req, db); };
    router.Ingress(std::move(options));
  }

  using http::RequestContext;
  using http::Role;
  router.Get(
      "/api/v1/tracking/summary", Role::kAnalyst,
      {"Tracking events: latest, per minute by type and channel, rejections, identity "
       "stitching, first-touch channel mix",
       {{"minutes", "Window of the per-minute series (default 60, at most 1440)"}},
       "tracking"},
      [](RequestContext& ctx) -> core::Result<Json> {
        EventsSummaryOptions options;
        if (auto m = ctx.Query("minutes")) {
          char* end = nullptr;
          const long v = std::strtol(m->c_str(), &end, 10);
          if (m->empty() || *end != '\0' || v < 1 || v > 1440) {
            return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                              "minutes must be a whole number from 1 to 1440")
                                  .InField("minutes"));
          }
          options.minutes = v;
        }
        return EventsSummary(ctx.db, options);
      });
  router.Get("/api/v1/tracking/events", Role::kAnalyst,
             {"Accepted events, newest first",
              {{"limit", "At most this many (default 50, at most 1000)"},
               {"before", "Only events with a smaller id (the next page)"},
               {"type", "identify, track, page, screen, group or alias"},
               {"channel", "Channel of the event's touchpoint"}},
              "tracking"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 50, 1000));
               int64_t before = 0;
               if (auto b = ctx.Query("before")) {
                 char* end = nullptr;
                 before = std::strtoll(b->c_str(), &end, 10);
                 if (b->empty() || *end != '\0' || before < 1) {
                   return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                                     "before must be a positive event id")
                                         .InField("before"));
                 }
               }
               const std::string type = ctx.Query("type").value_or("");
               if (!type.empty() && !ParseEventType(type)) {
                 return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                                   "type must be identify, track, page, screen, "
                                                   "group or alias")
                                       .InField("type"));
               }
               return ListEvents(ctx.db, limit, before, type, ctx.Query("channel").value_or(""));
             });
  router.Get("/api/v1/tracking/rejections", Role::kAnalyst,
             {"Refused events with their reasons, newest first",
              {{"limit", "At most this many (default 50, at most 1000)"}},
              "tracking"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 50, 1000));
               return ListRejections(ctx.db, limit);
             });
  router.Get("/api/v1/tracking/merges", Role::kAnalyst,
             {"Profile merges made or refused by the tracking API, with the causing event",
              {{"limit", "At most this many (default 50, at most 1000)"}},
              "tracking"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 50, 1000));
               return ListIdentityMerges(ctx.db, limit);
             });
  router.Get("/api/v1/tracking/writekeys", Role::kAdmin,
             {"Write keys (never their secrets)", {}, "tracking"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(auto keys, ListWriteKeys(ctx.db));
               Json items = Json::array();
               for (const WriteKey& k : keys) items.push_back(ToJson(k));
               return Json{{"items", items}};
             });
  router.Post(
      "/api/v1/tracking/writekeys", Role::kAdmin,
      {"Create a write key: body {name, origins?, rate_limit?}; the secret is returned once",
       {},
       "tracking"},
      [](RequestContext& ctx) -> core::Result<Json> {
        MOPS_ASSIGN_OR_RETURN(Json body, http::ObjectBody(ctx, {"name", "origins", "rate_limit"}));
        if (!body.contains("name") || !body["name"].is_string()) {
          return core::Fail(
              core::MakeError(ErrorCode::kInvalidArgument, "name is required").InField("name"));
        }
        std::vector<std::string> origins;
        if (body.contains("origins")) {
          if (!body["origins"].is_array()) {
            return core::Fail(
                core::MakeError(ErrorCode::kInvalidArgument, "origins must be a list of origins")
                    .InField("origins"));
          }
          for (const Json& o : body["origins"]) {
            if (!o.is_string()) {
              return core::Fail(
                  core::MakeError(ErrorCode::kInvalidArgument, "origins must be strings")
                      .InField("origins"));
            }
            origins.push_back(o.get<std::string>());
          }
        }
        int64_t rate = 0;
        if (body.contains("rate_limit")) {
          if (!body["rate_limit"].is_number_integer()) {
            return core::Fail(
                core::MakeError(ErrorCode::kInvalidArgument, "rate_limit must be a whole number")
                    .InField("rate_limit"));
          }
          rate = body["rate_limit"].get<int64_t>();
        }
        MOPS_ASSIGN_OR_RETURN(
            NewWriteKey created,
            CreateWriteKey(ctx.db, body["name"].get<std::string>(), origins, rate));
        Json out = ToJson(created.key);
        out["secret"] = created.secret;
        return out;
      });
  router.Delete("/api/v1/tracking/writekeys/{id}", Role::kAdmin,
                {"Revoke a write key", {}, "tracking"},
                [](RequestContext& ctx) -> core::Result<Json> {
                  const int64_t id = std::stoll(ctx.path_params.at(0));
                  MOPS_TRY(RevokeWriteKey(ctx.db, id));
                  return Json{{"revoked", id}};
                });
  router.Get("/api/v1/tracking/config", Role::kAnalyst,
             {"The tracking config: event names to touchpoint types, identity guard rails",
              {},
              "tracking"},
             [](RequestContext& ctx) -> core::Result<Json> {
               MOPS_ASSIGN_OR_RETURN(TrackingConfig config, LoadTrackingConfig(ctx.db));
               Json events = Json::array();
               for (const auto& [name, type] : config.event_types.entries) {
                 events.push_back({{"event", name}, {"type", type}});
               }
               return Json{{"fallback", config.event_types.fallback},
                           {"events", events},
                           {"blocked_identities", config.identity.blocked},
                           {"max_identities", config.identity.max_per_kind},
                           {"yaml", DumpTrackingConfig(config)}};
             });
}

}  // namespace mops::tracking
