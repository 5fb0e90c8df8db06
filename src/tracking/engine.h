// The pure engines of the tracking API: Segment/RudderStack event JSON to a
// normalized event, URL and UTM parsing, clock-skew correction, the table of
// track event names to touchpoint types, and the identity guard rails. No
// store, http or cli; no I/O. tracking.h re-exports this header with the
// services that run the engines on a workspace.
//
// Thread-safety: every function is reentrant.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace mops::tracking {

using Json = nlohmann::json;

// ---------------------------------------------------------------------------
// URLs and UTM values

// The parts of a URL the tracking API reads. Never fails: a string that is
// not a URL yields empty parts, and malformed escapes are kept as written.
struct UrlParts {
  std::string host;  // lower case, without port or "www."
  std::string path;
  // Query parameters, percent-decoded ('+' as a space); a name given twice
  // keeps its first value. Names are lower case.
  std::map<std::string, std::string> query;
};
UrlParts ParseUrl(std::string_view url);

struct Utm {
  std::string source, medium, campaign, term, content;
  bool empty() const {
    return source.empty() && medium.empty() && campaign.empty() && term.empty() && content.empty();
  }
};
// utm_* parameters of a parsed URL.
Utm UtmFromQuery(const std::map<std::string, std::string>& query);

// Advertising click ids, whose presence in a landing URL means a paid click.
inline constexpr std::string_view kClickIds[] = {"gclid",  "gbraid",    "wbraid", "msclkid",
                                                 "fbclid", "li_fat_id", "ttclid"};
// The first click id present in the query (its name), or empty.
std::string_view FindClickId(const std::map<std::string, std::string>& query);

// A touch that continues a visit: it carries no campaign (no UTM values, no
// click id) and comes without an outside referrer (none, or a page of the
// same site). The rules would call it direct; it belongs to the channel that
// brought the visitor, so it takes the channel of the visitor's previous
// touch when that came within the session window (30 minutes, as web
// analytics sessions do).
inline constexpr int64_t kSessionWindowSeconds = 30 * 60;
bool ContinuesVisit(std::string_view url, std::string_view referrer, const Utm& utm,
                    std::string_view click_id);

// ---------------------------------------------------------------------------
// Times

// ISO-8601 to milliseconds since the epoch (fractions kept to the
// millisecond). kInvalidArgument quoting the text otherwise.
core::Result<int64_t> ParseIsoMillis(std::string_view text);
std::string FormatIsoMillis(int64_t ms);

// The event time. An explicit `timestamp` wins; else when both `sent_at`
// and `original_timestamp` are known, the client's clock skew is removed:
// received_at - (sent_at - original_timestamp); else original_timestamp;
// else received_at. All in milliseconds.
int64_t CorrectedTime(std::optional<int64_t> timestamp, std::optional<int64_t> original_timestamp,
                      std::optional<int64_t> sent_at, int64_t received_at);

// ---------------------------------------------------------------------------
// Events

enum class EventType { kIdentify, kTrack, kPage, kScreen, kGroup, kAlias };
std::optional<EventType> ParseEventType(std::string_view name);
std::string_view EventTypeName(EventType type);

// Per-event and per-batch size limits (bytes), as Segment's HTTP API.
inline constexpr size_t kMaxEventBytes = 32 * 1024;
inline constexpr size_t kMaxBatchBytes = 500 * 1024;

// One event, normalized. Strings are empty when absent.
struct Event {
  EventType type = EventType::kTrack;
  std::string message_id;  // as sent; generated from the content when absent
  std::string user_id;
  std::string anonymous_id;
  std::string event;             // track: the event name
  std::string name;              // page, screen: the page or screen name
  std::string group_id;          // group
  std::string previous_id;       // alias
  std::string email;             // traits.email (identify) or context.traits.email, raw
  Json traits = Json::object();  // identify and group traits
  int64_t time_ms = 0;           // the event time, skew corrected
  int64_t received_at_ms = 0;
  // Page context (context.page, else properties of a page call).
  std::string url;
  std::string referrer;
  std::string title;
  Utm utm;                      // context.campaign, else the URL's utm_* parameters
  std::string click_id;         // the click id parameter found in the URL, if any
  std::optional<double> value;  // properties.revenue, else properties.value
  std::string currency;
  std::string raw;  // the event as stored (compact JSON, with receivedAt)
};

// What surrounds events: a batch's own sentAt and context, applied to its
// items that lack them.
struct Envelope {
  std::optional<int64_t> sent_at_ms;
  Json context = Json::object();
};

// Normalizes one event object. `route_type` is the type implied by the
// route (/v1/track -> kTrack), nullopt for /v1/batch and /v1/import where
// each item names its own. Errors (kInvalidArgument) name the field: "type",
// "userId" (no userId and no anonymousId), "event", "groupId",
// "previousId", a time field, "messageId", or "event" for an item over
// kMaxEventBytes.
core::Result<Event> NormalizeEvent(const Json& item, std::optional<EventType> route_type,
                                   const Envelope& envelope, int64_t received_at_ms);

// A request body parsed: its events and the items refused, by position.
struct Rejection {
  size_t index = 0;
  std::string field;
  std::string reason;
};
struct ParsedBody {
  std::string write_key;  // "writeKey" in the body, if any
  std::vector<Event> events;
  std::vector<size_t> positions;  // events[i] was item positions[i]
  std::vector<Rejection> rejected;
};
// Parses a body of one event (route_type set) or a batch ({"batch": [...],
// "sentAt", "context"}; route_type nullopt). Errors for the body as a whole:
// malformed JSON, not an object, no "batch" array. A single event that is
// refused is an error too (the request gets 400); in a batch, refused items
// are listed and the others kept.
core::Result<ParsedBody> ParseBody(std::string_view body, std::optional<EventType> route_type,
                                   int64_t received_at_ms);
// The same through nlohmann's tree (Json::parse), as ParseBody was first
// written: ParseBody reads the body with nlohmann's SAX parser into flat
// arrays instead, and must give the same result, stored bytes included (the
// tests and the fuzz target compare the two).
core::Result<ParsedBody> ParseBodyWithTree(std::string_view body,
                                           std::optional<EventType> route_type,
                                           int64_t received_at_ms);

// ---------------------------------------------------------------------------
// Touchpoint types of track events

// Event names (matched case- and space-insensitively) to touchpoint types.
struct EventTypeTable {
  std::vector<std::pair<std::string, std::string>> entries;  // event name -> type
  std::string fallback = "event";                            // for a track event not in the table
};
// The defaults: Segment's spec event names ("Form Submitted", "Demo
// Requested", "Signed Up", "Webinar Registered", ...).
EventTypeTable DefaultEventTypes();
// Touchpoint types a table may map to.
bool IsTouchpointType(std::string_view type);
// ---------------------------------------------------------------------------
// Identity guard rails

struct IdentityRules {
  // Values that never identify anyone, besides the built-in ones (empty,
  // "null", "undefined", "anonymous", "0", "-1", all zeros); compared case-
  // insensitively after trimming.
  std::vector<std::string> blocked;
  // At most this many identifiers of each kind per contact: an event that
  // would add one more (by linking or by a merge) neither links nor merges,
  // and the refusal is logged.
  std::map<std::string, int> max_per_kind = {{"user_id", 1}, {"email", 5}, {"anonymous_id", 1000}};
  int Limit(std::string_view kind) const {
    auto it = max_per_kind.find(std::string(kind));
    return it == max_per_kind.end() ? 1000 : it->second;
  }
};
bool IsBlockedIdentity(std::string_view value, const IdentityRules& rules);
// The `tracking` config (YAML):
//   fallback: event                      # type of a track event not listed
//   events: {"Form Submitted": form_submit, ...}   # replaces the defaults
//   blocked_identities: [test, "n/a"]    # added to the built-in blocked values
//   max_identities: {user_id: 1, email: 5, anonymous_id: 1000}
// Every key is optional. Errors name the entry and its line.
struct TrackingConfig {
  EventTypeTable event_types;
  IdentityRules identity;
};
TrackingConfig DefaultTrackingConfig();
core::Result<TrackingConfig> ParseTrackingConfig(std::string_view yaml, std::string_view source);
std::string DumpTrackingConfig(const TrackingConfig& config);

// The touchpoint type of an event: page_view, screen_view, or the track
// event's type from the table; empty for identify, group and alias (no
// touchpoint).
std::string TouchpointType(const Event& event, const EventTypeTable& table);

}  // namespace mops::tracking
