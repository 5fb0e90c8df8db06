#include "tracking/engine.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "core/time.h"
#include "tracking/json_tree.h"

namespace mops::tracking {
namespace {

using core::ErrorCode;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Percent-decodes, '+' as a space; a malformed escape is kept as written.
std::string Decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      const int hi = hex(in[i + 1]);
      const int lo = hex(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += c == '+' ? ' ' : c;
  }
  return out;
}

using internal::JsonView;
using internal::Kind;
using internal::TreeView;

// A JSON value as text: strings as they are, numbers written out (ids are
// sometimes sent as numbers; an unsigned one past int64's range as the
// nlohmann tree reads it, wrapped), anything else empty. `V` is JsonView or
// TreeView: the same reading of nlohmann's tree and of the parsed body.
template <class V>
std::string ValueText(V v) {
  if (v.missing()) return {};
  switch (v.kind()) {
    case Kind::kString:
      return std::string(v.str());
    case Kind::kInt:
      return std::to_string(v.integer());
    case Kind::kUint:
      return std::to_string(static_cast<int64_t>(v.unsigned_integer()));
    case Kind::kFloat:
      return fmt::format("{}", v.floating());
    default:
      return {};
  }
}

template <class V>
std::string Text(V j, std::string_view key) {
  return ValueText(j.find(key));
}

// The object `key`, else an empty object.
template <class V>
V Child(V j, std::string_view key) {
  V it = j.find(key);
  if (it.missing() || it.kind() != Kind::kObject) return j.empty_object();
  return it;
}

core::Error FieldError(std::string field, std::string message) {
  return core::MakeError(ErrorCode::kInvalidArgument, std::move(message)).InField(std::move(field));
}

// A time field: nullopt when absent or null; an error when present but not
// an ISO-8601 string.
template <class V>
core::Result<std::optional<int64_t>> TimeField(V j, std::string_view key) {
  V it = j.find(key);
  if (it.missing() || it.kind() == Kind::kNull) return std::optional<int64_t>();
  if (it.kind() != Kind::kString) {
    return core::Fail(
        FieldError(std::string(key), fmt::format("{} must be an ISO-8601 string", key)));
  }
  auto ms = ParseIsoMillis(it.str());
  if (!ms)
    return core::Fail(FieldError(std::string(key), fmt::format("{}: {}", key, ms.error().message)));
  return std::optional<int64_t>(*ms);
}

template <class V>
std::optional<double> Number(V props, std::string_view key) {
  V it = props.find(key);
  if (it.missing()) return std::nullopt;
  double v = 0;
  switch (it.kind()) {
    case Kind::kInt:
      v = static_cast<double>(it.integer());
      break;
    case Kind::kUint:
      v = static_cast<double>(it.unsigned_integer());
      break;
    case Kind::kFloat:
      v = it.floating();
      break;
    case Kind::kString: {
      const std::string s(it.str());
      char* end = nullptr;
      v = std::strtod(s.c_str(), &end);
      if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(v)) return v;
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
  if (std::isfinite(v)) return v;
  return std::nullopt;
}

// Whether two event names are equal ignoring case and everything but
// letters and digits (NormalName(a) == NormalName(b)), without building
// either: every track event is compared with every entry of the table.
bool SameNormalName(std::string_view a, std::string_view b) {
  auto skip = [](std::string_view s, size_t i) {
    while (i < s.size() && !std::isalnum(static_cast<unsigned char>(s[i]))) ++i;
    return i;
  };
  size_t i = skip(a, 0);
  size_t j = skip(b, 0);
  while (i < a.size() && j < b.size()) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[j]))) {
      return false;
    }
    i = skip(a, i + 1);
    j = skip(b, j + 1);
  }
  return i == a.size() && j == b.size();
}

std::string NormalName(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

constexpr std::string_view kTouchpointTypes[] = {"page_view",        "screen_view",
                                                 "form_submit",      "demo_request",
                                                 "signup",           "webinar_registered",
                                                 "webinar_attended", "meeting_booked",
                                                 "email_open",       "email_click",
                                                 "ad_click",         "sales_activity",
                                                 "content_download", "trial_started",
                                                 "purchase",         "event",
                                                 "event_attended",   "chat",
                                                 "video_view",       "call"};

}  // namespace

UrlParts ParseUrl(std::string_view url) {
  UrlParts parts;
  url = TrimView(url);
  if (const size_t hash = url.find('#'); hash != std::string_view::npos) url = url.substr(0, hash);
  std::string_view rest = url;
  if (const size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest = rest.substr(scheme + 3);
    const size_t end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
      authority = authority.substr(at + 1);
    }
    if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
      authority = authority.substr(0, colon);
    }
    parts.host = Lower(authority);
    if (parts.host.starts_with("www.")) parts.host.erase(0, 4);
  } else if (rest.starts_with("//")) {
    return ParseUrl(fmt::format("http:{}", rest));
  }
  const size_t q = rest.find('?');
  parts.path = std::string(rest.substr(0, q));
  if (q == std::string_view::npos) return parts;
  std::string_view query = rest.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key = Lower(Decode(pair.substr(0, eq)));
    std::string value = eq == std::string_view::npos ? std::string() : Decode(pair.substr(eq + 1));
    parts.query.emplace(std::move(key), std::move(value));
  }
  return parts;
}

Utm UtmFromQuery(const std::map<std::string, std::string>& query) {
  auto get = [&query](const char* key) {
    auto it = query.find(key);
    return it == query.end() ? std::string() : std::string(TrimView(it->second));
  };
  return Utm{get("utm_source"), get("utm_medium"), get("utm_campaign"), get("utm_term"),
             get("utm_content")};
}

std::string_view FindClickId(const std::map<std::string, std::string>& query) {
  for (std::string_view id : kClickIds) {
    auto it = query.find(std::string(id));
    if (it != query.end() && !it->second.empty()) return id;
  }
  return {};
}

bool ContinuesVisit(std::string_view url, std::string_view referrer, const Utm& utm,
                    std::string_view click_id) {
  if (!utm.source.empty() || !utm.medium.empty() || !click_id.empty()) return false;
  if (TrimView(referrer).empty()) return true;
  const std::string page_host = ParseUrl(url).host;
  return !page_host.empty() && ParseUrl(referrer).host == page_host;
}

core::Result<int64_t> ParseIsoMillis(std::string_view text) {
  text = TrimView(text);
  if (text.size() < 10 || !std::isdigit(static_cast<unsigned char>(text[0]))) {
    return core::Fail(ErrorCode::kInvalidArgument, "'{}' is not an ISO-8601 time",
                      text.substr(0, 64));
  }
  MOPS_ASSIGN_OR_RETURN(core::Timestamp seconds,
                        core::ParseTimestamp(text, core::DateFormat::kIso));
  int64_t millis = 0;
  // The fraction after the seconds, if any: "...:SS.fff".
  const size_t t = text.find_first_of("Tt ");
  if (t != std::string_view::npos) {
    const size_t dot = text.find('.', t);
    if (dot != std::string_view::npos) {
      int digits = 0;
      for (size_t i = dot + 1; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]));
           ++i) {
        if (digits < 3) millis = millis * 10 + (text[i] - '0');
        ++digits;
      }
      for (int d = digits; d < 3; ++d) millis *= 10;
    }
  }
  return seconds * 1000 + millis;
}

std::string FormatIsoMillis(int64_t ms) {
  const int64_t seconds = core::FloorDiv(ms, 1000);
  const int64_t frac = ms - seconds * 1000;
  const int64_t days = core::FloorDiv(seconds, core::kSecondsPerDay);
  const int64_t sod = seconds - days * core::kSecondsPerDay;
  const core::CivilDate d = core::CivilFromDays(days);
  if (d.year < 0 || d.year > 9999) {
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", d.year, d.month, d.day,
                       sod / 3600, sod / 60 % 60, sod % 60, frac);
  }
  // Every stored event formats its receivedAt: digits by hand, not fmt.
  char out[] = "0000-00-00T00:00:00.000Z";
  auto put = [&out](int at, int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10)
      out[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, d.year, 4);
  put(5, d.month, 2);
  put(8, d.day, 2);
  put(11, sod / 3600, 2);
  put(14, sod / 60 % 60, 2);
  put(17, sod % 60, 2);
  put(20, frac, 3);
  return std::string(out, sizeof out - 1);
}

int64_t CorrectedTime(std::optional<int64_t> timestamp, std::optional<int64_t> original_timestamp,
                      std::optional<int64_t> sent_at, int64_t received_at) {
  if (timestamp) return *timestamp;
  if (original_timestamp && sent_at) return received_at - (*sent_at - *original_timestamp);
  if (original_timestamp) return *original_timestamp;
  return received_at;
}

std::optional<EventType> ParseEventType(std::string_view name) {
  const std::string n = Lower(name);
  if (n == "identify") return EventType::kIdentify;
  if (n == "track") return EventType::kTrack;
  if (n == "page") return EventType::kPage;
  if (n == "screen") return EventType::kScreen;
  if (n == "group") return EventType::kGroup;
  if (n == "alias") return EventType::kAlias;
  return std::nullopt;
}

std::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kIdentify:
      return "identify";
    case EventType::kTrack:
      return "track";
    case EventType::kPage:
      return "page";
    case EventType::kScreen:
      return "screen";
    case EventType::kGroup:
      return "group";
    case EventType::kAlias:
      return "alias";
  }
  return "track";
}

namespace {

// The normalization of one event item, over nlohmann's tree (JsonView) or
// the parsed body (TreeView). `context` is the envelope's (an empty object
// when there is none).
template <class V>
core::Result<Event> Normalize(V item, std::optional<EventType> route_type,
                              std::optional<int64_t> envelope_sent_at, V envelope_context,
                              int64_t received_at_ms) {
  if (item.kind() != Kind::kObject) {
    return core::Fail(FieldError("", "an event must be a JSON object"));
  }
  Event ev;
  const std::string type_text = Text(item, "type");
  if (route_type) {
    // Clients send the type on single calls too; it must agree with the route.
    if (!type_text.empty() && ParseEventType(type_text) != route_type) {
      return core::Fail(
          FieldError("type", fmt::format("type '{}' does not match the route /v1/{}",
                                         type_text.substr(0, 64), EventTypeName(*route_type))));
    }
    ev.type = *route_type;
  } else {
    if (type_text.empty()) return core::Fail(FieldError("type", "type is missing"));
    auto type = ParseEventType(type_text);
    if (!type) {
      return core::Fail(FieldError(
          "type", fmt::format("unknown type '{}' (expected identify, track, page, screen, "
                              "group or alias)",
                              type_text.substr(0, 64))));
    }
    ev.type = *type;
  }
  ev.user_id = std::string(TrimView(Text(item, "userId")));
  ev.anonymous_id = std::string(TrimView(Text(item, "anonymousId")));
  if (ev.user_id.empty() && ev.anonymous_id.empty()) {
    return core::Fail(FieldError("userId", "userId or anonymousId is required"));
  }
  ev.message_id = Text(item, "messageId");
  if (ev.message_id.size() > 256) {
    return core::Fail(FieldError("messageId", "messageId is over 256 characters"));
  }

  MOPS_ASSIGN_OR_RETURN(auto timestamp, TimeField(item, "timestamp"));
  MOPS_ASSIGN_OR_RETURN(auto original, TimeField(item, "originalTimestamp"));
  MOPS_ASSIGN_OR_RETURN(auto sent_at, TimeField(item, "sentAt"));
  if (!sent_at) sent_at = envelope_sent_at;
  ev.received_at_ms = received_at_ms;
  ev.time_ms = CorrectedTime(timestamp, original, sent_at, received_at_ms);

  const V item_context = Child(item, "context");
  const V context = item_context.size() == 0 ? envelope_context : item_context;
  const V properties = Child(item, "properties");
  const V traits = Child(item, "traits");

  switch (ev.type) {
    case EventType::kTrack:
      ev.event = Text(item, "event");
      if (TrimView(ev.event).empty())
        return core::Fail(FieldError("event", "track needs an event name"));
      break;
    case EventType::kPage:
    case EventType::kScreen:
      ev.name = Text(item, "name");
      break;
    case EventType::kGroup:
      ev.group_id = std::string(TrimView(Text(item, "groupId")));
      if (ev.group_id.empty()) return core::Fail(FieldError("groupId", "group needs a groupId"));
      ev.traits = traits.to_json();
      break;
    case EventType::kAlias:
      ev.previous_id = std::string(TrimView(Text(item, "previousId")));
      if (ev.previous_id.empty())
        return core::Fail(FieldError("previousId", "alias needs a previousId"));
      if (ev.user_id.empty()) return core::Fail(FieldError("userId", "alias needs a userId"));
      break;
    case EventType::kIdentify:
      ev.traits = traits.to_json();
      break;
  }
  ev.email = Text(traits, "email");
  if (ev.email.empty()) ev.email = Text(Child(context, "traits"), "email");

  const V page = Child(context, "page");
  ev.url = Text(page, "url");
  ev.referrer = Text(page, "referrer");
  ev.title = Text(page, "title");
  if (ev.type == EventType::kPage) {
    // analytics.js also puts the page fields in the properties.
    if (ev.url.empty()) ev.url = Text(properties, "url");
    if (ev.referrer.empty()) ev.referrer = Text(properties, "referrer");
    if (ev.title.empty()) ev.title = Text(properties, "title");
  }
  if (ev.url.empty()) {
    // A path and search without a URL still carry UTM values.
    const std::string path = Text(page, "path");
    const std::string search = Text(page, "search");
    if (!search.empty()) ev.url = path + (search.starts_with("?") ? "" : "?") + search;
  }
  const V campaign = Child(context, "campaign");
  ev.utm = Utm{Text(campaign, "source"), Text(campaign, "medium"), Text(campaign, "name"),
               Text(campaign, "term"), Text(campaign, "content")};
  if (!ev.url.empty()) {  // an empty URL has no query
    const UrlParts url = ParseUrl(ev.url);
    if (ev.utm.empty()) ev.utm = UtmFromQuery(url.query);
    ev.click_id = std::string(FindClickId(url.query));
  }

  ev.value = Number(properties, "revenue");
  if (!ev.value) ev.value = Number(properties, "value");
  ev.currency = Text(properties, "currency");

  // The stored form: the item with receivedAt, type, the envelope's context
  // and sentAt when it lacks them, and without writeKey; serialized member
  // by member in key order (as a copy's dump would be), with no copy of the
  // item.
  const std::string received = FormatIsoMillis(received_at_ms);
  const std::string sent = sent_at ? FormatIsoMillis(*sent_at) : std::string();
  // The members in key order: the item's (sorted already) with the
  // additions, each the item's value or an added string.
  struct Member {
    std::string_view key;
    V value;
    std::optional<std::string_view> added;
  };
  std::vector<Member> members;
  members.reserve(item.size() + 3);
  item.members([&members](std::string_view key, V value) {
    members.push_back({key, value, std::nullopt});
  });
  auto set = [&members](std::string_view key, Member m, bool replace) {
    auto it = std::lower_bound(members.begin(), members.end(), key,
                               [](const Member& a, std::string_view k) { return a.key < k; });
    m.key = key;
    if (it != members.end() && it->key == key) {
      if (replace) *it = m;
      return;
    }
    members.insert(it, m);
  };
  if (envelope_context.size() != 0)
    set("context", Member{{}, envelope_context, std::nullopt}, false);
  set("receivedAt", Member{{}, V(), received}, true);
  set("type", Member{{}, V(), EventTypeName(ev.type)}, true);
  if (sent_at) set("sentAt", Member{{}, V(), sent}, false);
  std::erase_if(members, [](const Member& m) { return m.key == "writeKey"; });
  // One writer for every member.
  ev.raw.clear();
  ev.raw.reserve(512);
  ev.raw += '{';
  internal::RawWriter out(ev.raw, Json::error_handler_t::replace);
  for (const Member& m : members) {
    if (ev.raw.size() > 1) ev.raw += ',';
    out.String(m.key);
    ev.raw += ':';
    if (m.added) {
      out.String(*m.added);
    } else {
      m.value.dump(out);
    }
  }
  ev.raw += '}';
  if (ev.raw.size() > kMaxEventBytes) {
    return core::Fail(FieldError(
        "", fmt::format("event is {} bytes, over the limit of {}", ev.raw.size(), kMaxEventBytes)));
  }
  if (ev.message_id.empty()) {
    // Without a messageId the content is the identity: a retry of the same
    // bytes is the same event (the item as written, writeKey included).
    std::string dumped;
    internal::RawWriter whole(dumped, Json::error_handler_t::strict);
    item.dump(whole);
    ev.message_id = fmt::format("mops-{:016x}", std::hash<std::string>{}(dumped));
  }
  return ev;
}

// A body parsed (`doc`, its root) into its events.
template <class V>
core::Result<ParsedBody> ParseDocument(V doc, std::string_view body,
                                       std::optional<EventType> route_type,
                                       int64_t received_at_ms) {
  if (doc.kind() != Kind::kObject) {
    return core::Fail(FieldError("", "the body must be a JSON object"));
  }
  ParsedBody parsed;
  parsed.write_key = Text(doc, "writeKey");
  if (route_type) {
    if (body.size() > kMaxEventBytes) {
      return core::Fail(FieldError(
          "", fmt::format("event is {} bytes, over the limit of {}", body.size(), kMaxEventBytes)));
    }
    MOPS_ASSIGN_OR_RETURN(
        Event ev, Normalize(doc, route_type, std::nullopt, doc.empty_object(), received_at_ms));
    parsed.events.push_back(std::move(ev));
    parsed.positions.push_back(0);
    return parsed;
  }
  if (body.size() > kMaxBatchBytes) {
    return core::Fail(FieldError("batch", fmt::format("batch is {} bytes, over the limit of {}",
                                                      body.size(), kMaxBatchBytes)));
  }
  const V batch = doc.find("batch");
  if (batch.missing() || batch.kind() != Kind::kArray) {
    return core::Fail(FieldError("batch", "the body needs a \"batch\" array"));
  }
  MOPS_ASSIGN_OR_RETURN(std::optional<int64_t> sent_at, TimeField(doc, "sentAt"));
  const V context = Child(doc, "context");
  const size_t n = batch.array_size();
  parsed.events.reserve(n);
  parsed.positions.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto ev = Normalize(batch.at(i), std::nullopt, sent_at, context, received_at_ms);
    if (!ev) {
      parsed.rejected.push_back(Rejection{i, ev.error().field, ev.error().message});
      continue;
    }
    parsed.events.push_back(std::move(*ev));
    parsed.positions.push_back(i);
  }
  return parsed;
}

}  // namespace

core::Result<Event> NormalizeEvent(const Json& item, std::optional<EventType> route_type,
                                   const Envelope& envelope, int64_t received_at_ms) {
  return Normalize(JsonView(&item), route_type, envelope.sent_at_ms, JsonView(&envelope.context),
                   received_at_ms);
}

core::Result<ParsedBody> ParseBody(std::string_view body, std::optional<EventType> route_type,
                                   int64_t received_at_ms) {
  // The parsed body's arrays are kept per thread for the next body.
  thread_local internal::Tree tree;
  if (!tree.Parse(body)) return core::Fail(FieldError("", "the body is not valid JSON"));
  return ParseDocument(TreeView(&tree, tree.root()), body, route_type, received_at_ms);
}

core::Result<ParsedBody> ParseBodyWithTree(std::string_view body,
                                           std::optional<EventType> route_type,
                                           int64_t received_at_ms) {
  Json doc = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return core::Fail(FieldError("", "the body is not valid JSON"));
  }
  return ParseDocument(JsonView(&doc), body, route_type, received_at_ms);
}

EventTypeTable DefaultEventTypes() {
  EventTypeTable t;
  t.entries = {
      {"Form Submitted", "form_submit"},
      {"Lead Form Submitted", "form_submit"},
      {"Contact Form Submitted", "form_submit"},
      {"Demo Requested", "demo_request"},
      {"Signed Up", "signup"},
      {"Account Created", "signup"},
      {"Trial Started", "trial_started"},
      {"Webinar Registered", "webinar_registered"},
      {"Webinar Attended", "webinar_attended"},
      {"Meeting Booked", "meeting_booked"},
      {"Meeting Scheduled", "meeting_booked"},
      {"Email Opened", "email_open"},
      {"Email Link Clicked", "email_click"},
      {"Ad Clicked", "ad_click"},
      {"Content Downloaded", "content_download"},
      {"Order Completed", "purchase"},
      {"Video Playback Started", "video_view"},
      {"Live Chat Conversation Started", "chat"},
  };
  return t;
}

bool IsTouchpointType(std::string_view type) {
  return std::find(std::begin(kTouchpointTypes), std::end(kTouchpointTypes), type) !=
         std::end(kTouchpointTypes);
}

TrackingConfig DefaultTrackingConfig() {
  TrackingConfig config;
  config.event_types = DefaultEventTypes();
  return config;
}

core::Result<TrackingConfig> ParseTrackingConfig(std::string_view yaml, std::string_view source) {
  auto fail = [&source](int line, std::string message) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      fmt::format("{} line {}: {}", source, line, message))
                          .At(std::string(source), line));
  };
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return fail(e.mark.line + 1, "not valid YAML");
  }
  TrackingConfig config = DefaultTrackingConfig();
  if (root.IsNull()) return config;
  if (!root.IsMap()) return fail(1, "expected a mapping (events, fallback, ...)");
  try {
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      const int line = kv.first.Mark().line + 1;
      if (key == "fallback") {
        if (!kv.second.IsScalar() || !IsTouchpointType(kv.second.Scalar())) {
          return fail(line, "fallback must be a touchpoint type");
        }
        config.event_types.fallback = kv.second.Scalar();
      } else if (key == "events") {
        if (!kv.second.IsMap()) {
          return fail(line, "events must be a mapping of event name to touchpoint type");
        }
        config.event_types.entries.clear();
        for (const auto& e : kv.second) {
          const int eline = e.first.Mark().line + 1;
          const std::string name = e.first.Scalar();
          if (NormalName(name).empty()) return fail(eline, "empty event name");
          if (!e.second.IsScalar() || !IsTouchpointType(e.second.Scalar())) {
            return fail(eline, fmt::format("event '{}': '{}' is not a touchpoint type (e.g. "
                                           "form_submit, demo_request, signup)",
                                           name, e.second.IsScalar() ? e.second.Scalar() : "?"));
          }
          config.event_types.entries.emplace_back(name, e.second.Scalar());
        }
      } else if (key == "blocked_identities") {
        if (!kv.second.IsSequence()) return fail(line, "blocked_identities must be a list");
        for (const auto& v : kv.second) {
          if (!v.IsScalar()) return fail(v.Mark().line + 1, "blocked_identities: not a value");
          config.identity.blocked.push_back(v.Scalar());
        }
      } else if (key == "max_identities") {
        if (!kv.second.IsMap()) return fail(line, "max_identities must be a mapping kind: number");
        for (const auto& e : kv.second) {
          const std::string kind = e.first.Scalar();
          const int eline = e.first.Mark().line + 1;
          if (kind != "user_id" && kind != "email" && kind != "anonymous_id") {
            return fail(eline, fmt::format("max_identities: unknown kind '{}' (expected user_id, "
                                           "email, anonymous_id)",
                                           kind));
          }
          int n = 0;
          if (!e.second.IsScalar() || !YAML::convert<int>::decode(e.second, n) || n < 1 ||
              n > 100000) {
            return fail(eline, fmt::format("max_identities.{} must be a whole number from 1 to "
                                           "100000",
                                           kind));
          }
          config.identity.max_per_kind[kind] = n;
        }
      } else {
        return fail(line, fmt::format("unknown key '{}' (expected events, fallback, "
                                      "blocked_identities, max_identities)",
                                      key));
      }
    }
  } catch (const YAML::Exception& e) {
    return fail(e.mark.line + 1, "unexpected structure");
  }
  return config;
}

std::string DumpTrackingConfig(const TrackingConfig& config) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "fallback" << YAML::Value << config.event_types.fallback;
  out << YAML::Key << "events" << YAML::Value << YAML::BeginMap;
  for (const auto& [name, type] : config.event_types.entries) {
    out << YAML::Key << name << YAML::Value << type;
  }
  out << YAML::EndMap;
  out << YAML::Key << "blocked_identities" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& b : config.identity.blocked) out << b;
  out << YAML::EndSeq;
  out << YAML::Key << "max_identities" << YAML::Value << YAML::BeginMap;
  for (const auto& [kind, n] : config.identity.max_per_kind)
    out << YAML::Key << kind << YAML::Value << n;
  out << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string TouchpointType(const Event& event, const EventTypeTable& table) {
  switch (event.type) {
    case EventType::kPage:
      return "page_view";
    case EventType::kScreen:
      return "screen_view";
    case EventType::kTrack: {
      for (const auto& [entry, type] : table.entries) {
        if (SameNormalName(entry, event.event)) return type;
      }
      return table.fallback;
    }
    default:
      return {};
  }
}

bool IsBlockedIdentity(std::string_view value, const IdentityRules& rules) {
  // Compared case-insensitively in place (every touch checks two ids).
  auto same = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(a[i])) !=
          std::tolower(static_cast<unsigned char>(b[i]))) {
        return false;
      }
    }
    return true;
  };
  const std::string_view v = TrimView(value);
  if (v.empty()) return true;
  for (std::string_view builtin :
       {"null", "undefined", "anonymous", "-1", "none", "nil", "[object object]"}) {
    if (same(v, builtin)) return true;
  }
  // All zeros, with or without separators ("0", "000", "00000000-0000-...").
  if (std::all_of(v.begin(), v.end(), [](char c) { return c == '0' || c == '-'; }) &&
      v.find('0') != std::string_view::npos) {
    return true;
  }
  for (const std::string& b : rules.blocked) {
    if (same(TrimView(b), v)) return true;
  }
  return false;
}

}  // namespace mops::tracking
