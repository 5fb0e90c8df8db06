// The tracking API: Segment- and RudderStack-compatible event intake on
// `mops serve`, write keys, identity resolution and the touchpoints events
// become. The only header other capabilities include.
//
// Layering: engine.h is pure (event JSON, URLs and UTMs, skew, event types,
// identity guard rails); the services here load and store in transactions;
// routes and verbs are thin (RegisterRoutes, RegisterCommands).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "core/error.h"
#include "http/http.h"
#include "store/database.h"
#include "tracking/engine.h"

namespace mops::tracking {

// ---------------------------------------------------------------------------
// Write keys: credentials that can send events and nothing else. "wk_" and
// 43 url-safe base64 characters (256 random bits); only a BLAKE2b hash is
// stored. They are not API tokens: no /api route accepts them.

struct WriteKey {
  int64_t id = 0;
  std::string name;
  std::string prefix;                // the first characters, to recognise a key
  std::vector<std::string> origins;  // browser origins allowed (CORS); "*" for any
  int64_t rate_limit = 0;            // requests per second; 0: no limit
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;
  std::optional<int64_t> revoked_at;
};
struct NewWriteKey {
  WriteKey key;
  std::string secret;  // shown once, never stored
};
// `origins`: "https://www.example.com" forms (scheme, host, optional port),
// or "*"; kInvalidArgument naming the origin otherwise.
core::Result<NewWriteKey> CreateWriteKey(store::Database& db, std::string_view name,
                                         const std::vector<std::string>& origins,
                                         int64_t rate_limit);
core::Result<std::vector<WriteKey>> ListWriteKeys(store::Database& db);
// kNotFound when no active key has this id.
core::Status RevokeWriteKey(store::Database& db, int64_t id);
// kUnauthenticated for an unknown or revoked secret.
core::Result<WriteKey> AuthenticateWriteKey(store::Database& db, std::string_view secret);
// The same through a process-wide cache of the keys authenticated within the
// last `max_age` (per workspace): what the ingress routes use, since every
// request checks its key, most of them with the same few keys. Refusals are
// not cached. A revocation by this process (RevokeWriteKey) empties the
// cache; one by another process (the CLI) holds after `max_age` at most.
core::Result<WriteKey> AuthenticateWriteKeyCached(store::Database& db, std::string_view secret,
                                                  std::chrono::milliseconds max_age);
Json ToJson(const WriteKey& key);

// ---------------------------------------------------------------------------
// Config (configs row "tracking")

core::Result<TrackingConfig> LoadTrackingConfig(store::Database& db);
// Validates then stores; a bad document changes nothing.
core::Status SaveTrackingConfig(store::Database& db, std::string_view yaml, std::string_view source,
                                std::string_view actor);

// ---------------------------------------------------------------------------
// Storing events

// What storing one request's events did.
struct StoreReport {
  int64_t stored = 0;
  int64_t duplicates = 0;  // messageIds seen before for this write key
  int64_t touchpoints = 0;
  int64_t stitched = 0;           // earlier touchpoints attached to a contact
  int64_t merges = 0;             // profile merges made
  std::vector<int64_t> contacts;  // contacts these events touched
};

// Called after each group commit with the contacts its events touched (new
// touchpoints, stitched touchpoints, identify, group, merges): the seam for
// rescoring. Listeners run on a server worker, after the commit, with that
// worker's connection; an error is logged, never undoes the events.
using TouchedListener =
    std::function<core::Status(store::Database& db, std::span<const int64_t> contacts)>;
void AddTouchedListener(TouchedListener listener);

// Group commit. Requests submit their events and wait; one of the waiting
// threads commits everything queued so far in one transaction, then wakes the
// others: no request is answered before its events are committed, and a
// busy server commits many requests per transaction. When a group's
// transaction fails, its requests are retried one by one, so one bad request
// fails alone. Thread-safe; one per server.
class Writer {
 public:
  Writer();
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Stores `events` of write key `key_id` (deduplicated by messageId) and
  // logs `rejected` (refused items, `route` names where they came from).
  core::Result<StoreReport> Store(store::Database& db, int64_t key_id, std::string_view route,
                                  std::vector<Event> events, std::vector<Rejection> rejected);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The demo company's website traffic (`mops demo`): anonymous page views
// with UTMs and referrers, conversions and identifies that stitch them, a
// second device joining a known user, group calls and refused items, sent
// through ParseBody and StoreEvents under a new "demo website" write key.
// Deterministic for a workspace and seed, except the arrival times: spread
// over the 30 minutes before `now_ms` (0: now), for the live window.
struct DemoEventsOptions {
  int visitors = 0;  // 0: one per 20 contacts of the workspace, at least 50
  uint64_t seed = 42;
  int64_t now_ms = 0;
};
struct DemoEventsReport {
  int64_t write_key_id = 0;
  int64_t stored = 0;
  int64_t rejected = 0;
  int64_t touchpoints = 0;
  int64_t stitched = 0;
  int64_t merges = 0;
};
core::Result<DemoEventsReport> LoadDemoEvents(store::Database& db,
                                              const DemoEventsOptions& options = {});

// Stores events in the caller's transaction-free connection at once (no
// grouping): for tests, imports and the CLI.
core::Result<StoreReport> StoreEvents(store::Database& db, int64_t key_id, std::string_view route,
                                      std::vector<Event> events, std::vector<Rejection> rejected);

// ---------------------------------------------------------------------------
// Reports for the events page

struct EventsSummaryOptions {
  int64_t minutes = 60;  // window of the per-minute series, ending now
  int64_t now_ms = 0;    // 0: the clock
};
// Latest events, events per minute by type and by channel, rejections by
// reason, identity stitching figures and the first-touch channel mix.
core::Result<Json> EventsSummary(store::Database& db, const EventsSummaryOptions& options);
// Accepted events, newest first, after `before_id` (0: from the newest).
core::Result<Json> ListEvents(store::Database& db, int64_t limit, int64_t before_id,
                              std::string_view type, std::string_view channel);
core::Result<Json> ListRejections(store::Database& db, int64_t limit);
core::Result<Json> ListIdentityMerges(store::Database& db, int64_t limit);

// ---------------------------------------------------------------------------
// Edges

// /v1/* ingress routes (events, settings documents for the browser SDKs,
// CORS) and the /api/v1/tracking/* read and admin routes.
void RegisterRoutes(http::Router& router);
// mops writekey create|list|revoke; mops tracking config show|set.
void RegisterCommands(CLI::App& app, cli::Context& ctx);

}  // namespace mops::tracking
