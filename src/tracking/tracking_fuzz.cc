// Fuzz target: the event JSON handling and the URL/UTM parser, fed the same
// bytes. Beyond "no crash, no exception": a body that parses yields events
// whose stored form is valid JSON within the size limit, and every refused
// item names a position inside the batch; ParseBody (a SAX parse) gives what
// ParseBodyWithTree (nlohmann's tree) gives; parsing a URL twice is stable.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tracking/engine.h"

namespace {

#define FUZZ_CHECK(cond, what)                                  \
  do {                                                          \
    if (!(cond)) {                                              \
      std::fprintf(stderr, "tracking_fuzz: %s failed\n", what); \
      std::abort();                                             \
    }                                                           \
  } while (false)

const char* const kSeeds[] = {
    R"({"batch":[{"type":"track","userId":"u","event":"Form Submitted"}]})",
    R"({"batch":[{"type":"page","anonymousId":"a","originalTimestamp":"2024-01-01T00:00:00.5Z"}],"sentAt":"2024-01-01T00:00:01Z"})",
    R"({"type":"identify","userId":"u","traits":{"email":"A@b.co"},"context":{"campaign":{"source":"x"}}})",
    R"({"anonymousId":"a","context":{"page":{"url":"https://a.b/?utm_source=g&gclid=1%zz"}}})",
    "https://www.x.example:80/p?utm_medium=cpc&&=&a=%41+b#f",
};

}  // namespace

extern "C" size_t MopsFuzzSeeds(const char* const** seeds) {
  *seeds = kSeeds;
  return sizeof kSeeds / sizeof kSeeds[0];
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mops::tracking;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const int64_t received = 1'700'000'000'000;
  for (auto type : {std::optional<EventType>(), std::optional<EventType>(EventType::kPage)}) {
    auto parsed = ParseBody(text, type, received);
    // The SAX parse gives what nlohmann's tree gives, to the byte.
    auto tree = ParseBodyWithTree(text, type, received);
    FUZZ_CHECK(parsed.has_value() == tree.has_value(), "same outcome as the tree parse");
    if (!parsed) {
      FUZZ_CHECK(parsed.error().message == tree.error().message &&
                     parsed.error().field == tree.error().field,
                 "same error as the tree parse");
      continue;
    }
    FUZZ_CHECK(parsed->events.size() == tree->events.size() &&
                   parsed->positions == tree->positions &&
                   parsed->rejected.size() == tree->rejected.size() &&
                   parsed->write_key == tree->write_key,
               "same events as the tree parse");
    for (size_t i = 0; i < parsed->events.size(); ++i) {
      const Event& a = parsed->events[i];
      const Event& b = tree->events[i];
      FUZZ_CHECK(a.raw == b.raw && a.message_id == b.message_id && a.user_id == b.user_id &&
                     a.anonymous_id == b.anonymous_id && a.time_ms == b.time_ms && a.url == b.url &&
                     a.email == b.email && a.traits == b.traits && a.event == b.event &&
                     a.value == b.value && a.click_id == b.click_id &&
                     a.utm.source == b.utm.source && a.utm.medium == b.utm.medium,
                 "same event as the tree parse");
    }
    for (size_t i = 0; i < parsed->rejected.size(); ++i) {
      FUZZ_CHECK(parsed->rejected[i].index == tree->rejected[i].index &&
                     parsed->rejected[i].reason == tree->rejected[i].reason,
                 "same refusal as the tree parse");
    }
    FUZZ_CHECK(parsed->events.size() == parsed->positions.size(), "positions");
    for (const Event& ev : parsed->events) {
      FUZZ_CHECK(ev.raw.size() <= kMaxEventBytes, "event size");
      FUZZ_CHECK(!Json::parse(ev.raw, nullptr, false).is_discarded(), "stored JSON");
      FUZZ_CHECK(!ev.user_id.empty() || !ev.anonymous_id.empty(), "an id");
      FUZZ_CHECK(!ev.message_id.empty(), "message id");
      (void)TouchpointType(ev, DefaultEventTypes());
    }
    for (const Rejection& r : parsed->rejected) FUZZ_CHECK(!r.reason.empty(), "reason");
  }
  const UrlParts a = ParseUrl(text);
  const UrlParts b = ParseUrl(text);
  FUZZ_CHECK(a.query == b.query && a.host == b.host, "stable URL parse");
  (void)UtmFromQuery(a.query);
  (void)FindClickId(a.query);
  (void)ParseIsoMillis(text);
  (void)IsBlockedIdentity(text, IdentityRules{});
  return 0;
}
