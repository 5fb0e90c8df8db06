#include "tracking/engine.h"

#include <gtest/gtest.h>

namespace mops::tracking {
namespace {

constexpr int64_t kReceived = 1'717'243'200'000;  // 2024-06-01T12:00:00.000Z

TEST(ParseUrl, QueryHostAndPath) {
  const UrlParts p = ParseUrl(
      "HTTPS://www.Acme.example:8443/pricing/?utm_source=Google&UTM_Medium=cpc&utm_campaign="
      "spring%20sale&utm_term=crm+tool&q=a%2Bb&utm_source=second#frag");
  EXPECT_EQ(p.host, "acme.example");
  EXPECT_EQ(p.path, "/pricing/");
  EXPECT_EQ(p.query.at("utm_source"), "Google");  // first value kept
  EXPECT_EQ(p.query.at("utm_medium"), "cpc");     // names lower case
  EXPECT_EQ(p.query.at("utm_campaign"), "spring sale");
  EXPECT_EQ(p.query.at("utm_term"), "crm tool");
  EXPECT_EQ(p.query.at("q"), "a+b");
  const Utm utm = UtmFromQuery(p.query);
  EXPECT_EQ(utm.source, "Google");
  EXPECT_EQ(utm.campaign, "spring sale");
}

TEST(ParseUrl, OddInputsNeverFail) {
  EXPECT_TRUE(ParseUrl("").host.empty());
  EXPECT_EQ(ParseUrl("/only/a/path?x=%zz").query.at("x"), "%zz");
  EXPECT_EQ(ParseUrl("//cdn.example/p").host, "cdn.example");
  EXPECT_EQ(ParseUrl("https://user:pw@host.example/").host, "host.example");
  EXPECT_EQ(ParseUrl("https://h/?a&=b&c=").query.at("a"), "");
}

TEST(ClickIds, AnyOfTheSevenMeansPaid) {
  for (const char* id : {"gclid", "gbraid", "wbraid", "msclkid", "fbclid", "li_fat_id", "ttclid"}) {
    const UrlParts p = ParseUrl(std::string("https://a.example/?") + id + "=Xy1");
    EXPECT_EQ(FindClickId(p.query), id);
  }
  EXPECT_EQ(FindClickId(ParseUrl("https://a.example/?gclid=").query), "");
  EXPECT_EQ(FindClickId(ParseUrl("https://a.example/?utm_source=x").query), "");
}

TEST(Times, MillisecondsAndFormats) {
  EXPECT_EQ(*ParseIsoMillis("2024-06-01T12:00:00.123Z"), kReceived + 123);
  EXPECT_EQ(*ParseIsoMillis("2024-06-01T12:00:00.1Z"), kReceived + 100);
  EXPECT_EQ(*ParseIsoMillis("2024-06-01T14:00:00.123456+02:00"), kReceived + 123);
  EXPECT_EQ(*ParseIsoMillis("2024-06-01T12:00:00Z"), kReceived);
  EXPECT_FALSE(ParseIsoMillis("yesterday").has_value());
  EXPECT_FALSE(ParseIsoMillis("2024-13-01T00:00:00Z").has_value());
  EXPECT_EQ(FormatIsoMillis(kReceived + 7), "2024-06-01T12:00:00.007Z");
}

// Segment's rule, by hand: the client's clock is 1 h 30 s fast. It recorded
// the event at 13:00:00 (its clock) and sent it at 13:00:10 (its clock); we
// received it at 12:00:00 (ours). The event happened 10 s before receipt.
TEST(Times, SkewCorrectionByHand) {
  const int64_t original = *ParseIsoMillis("2024-06-01T13:00:00.000Z");
  const int64_t sent = *ParseIsoMillis("2024-06-01T13:00:10.000Z");
  EXPECT_EQ(CorrectedTime(std::nullopt, original, sent, kReceived), kReceived - 10'000);
  // An explicit timestamp wins (historical imports).
  EXPECT_EQ(CorrectedTime(int64_t{5}, original, sent, kReceived), 5);
  EXPECT_EQ(CorrectedTime(std::nullopt, original, std::nullopt, kReceived), original);
  EXPECT_EQ(CorrectedTime(std::nullopt, std::nullopt, sent, kReceived), kReceived);
}

TEST(NormalizeEvent, RudderStyleEventGetsSkewCorrectedTime) {
  const Json item = Json::parse(R"({
    "type": "track", "event": "Demo Requested", "anonymousId": "a-1", "messageId": "m1",
    "originalTimestamp": "2024-06-01T13:00:00.000Z", "sentAt": "2024-06-01T13:00:10.000Z",
    "properties": {"revenue": "99.5", "currency": "EUR"}})");
  auto ev = NormalizeEvent(item, std::nullopt, Envelope{}, kReceived);
  ASSERT_TRUE(ev.has_value()) << ev.error().ToString();
  EXPECT_EQ(ev->type, EventType::kTrack);
  EXPECT_EQ(ev->time_ms, kReceived - 10'000);
  EXPECT_EQ(ev->value, 99.5);
  EXPECT_EQ(ev->currency, "EUR");
  EXPECT_NE(ev->raw.find("\"receivedAt\":\"2024-06-01T12:00:00.000Z\""), std::string::npos);
}

TEST(NormalizeEvent, BatchSentAtAppliesToItemsWithout) {
  Envelope env;
  env.sent_at_ms = *ParseIsoMillis("2024-06-01T12:00:05Z");
  const Json item = Json::parse(
      R"({"type":"page","anonymousId":"a","originalTimestamp":"2024-06-01T12:00:00Z"})");
  auto ev = NormalizeEvent(item, std::nullopt, env, kReceived);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->time_ms, kReceived - 5'000);
}

TEST(NormalizeEvent, UtmFromCampaignElseFromUrl) {
  const Json with_campaign = Json::parse(R"({
    "anonymousId": "a", "context": {
      "campaign": {"name": "spring", "source": "newsletter", "medium": "email"},
      "page": {"url": "https://acme.example/?utm_source=ignored&gclid=abc",
               "referrer": "https://www.google.com/"}}})");
  auto a = NormalizeEvent(with_campaign, EventType::kPage, Envelope{}, kReceived);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->utm.source, "newsletter");
  EXPECT_EQ(a->utm.medium, "email");
  EXPECT_EQ(a->utm.campaign, "spring");
  EXPECT_EQ(a->click_id, "gclid");
  EXPECT_EQ(a->referrer, "https://www.google.com/");

  const Json from_url = Json::parse(R"({
    "anonymousId": "a", "properties": {
      "url": "https://acme.example/l?utm_source=linkedin&utm_medium=paid_social&utm_content=v2"}})");
  auto b = NormalizeEvent(from_url, EventType::kPage, Envelope{}, kReceived);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->utm.source, "linkedin");
  EXPECT_EQ(b->utm.medium, "paid_social");
  EXPECT_EQ(b->utm.content, "v2");

  // Only path and search in context.page.
  const Json path_search = Json::parse(
      R"({"anonymousId":"a","context":{"page":{"path":"/x","search":"?utm_source=bing"}}})");
  auto c = NormalizeEvent(path_search, EventType::kPage, Envelope{}, kReceived);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->utm.source, "bing");
}

TEST(NormalizeEvent, ErrorsNameTheField) {
  auto no_ids = NormalizeEvent(Json::parse(R"({"type":"track","event":"x"})"), std::nullopt,
                               Envelope{}, kReceived);
  ASSERT_FALSE(no_ids.has_value());
  EXPECT_EQ(no_ids.error().field, "userId");
  EXPECT_NE(no_ids.error().message.find("userId or anonymousId"), std::string::npos);

  auto bad_type = NormalizeEvent(Json::parse(R"({"type":"purchase","userId":"u"})"), std::nullopt,
                                 Envelope{}, kReceived);
  ASSERT_FALSE(bad_type.has_value());
  EXPECT_EQ(bad_type.error().field, "type");
  EXPECT_NE(bad_type.error().message.find("unknown type 'purchase'"), std::string::npos);

  auto no_type =
      NormalizeEvent(Json::parse(R"({"userId":"u"})"), std::nullopt, Envelope{}, kReceived);
  ASSERT_FALSE(no_type.has_value());
  EXPECT_EQ(no_type.error().field, "type");

  auto mismatch = NormalizeEvent(Json::parse(R"({"type":"page","userId":"u","event":"x"})"),
                                 EventType::kTrack, Envelope{}, kReceived);
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_EQ(mismatch.error().field, "type");

  auto no_event =
      NormalizeEvent(Json::parse(R"({"userId":"u"})"), EventType::kTrack, Envelope{}, kReceived);
  ASSERT_FALSE(no_event.has_value());
  EXPECT_EQ(no_event.error().field, "event");

  auto no_group =
      NormalizeEvent(Json::parse(R"({"userId":"u"})"), EventType::kGroup, Envelope{}, kReceived);
  ASSERT_FALSE(no_group.has_value());
  EXPECT_EQ(no_group.error().field, "groupId");

  auto no_prev =
      NormalizeEvent(Json::parse(R"({"userId":"u"})"), EventType::kAlias, Envelope{}, kReceived);
  ASSERT_FALSE(no_prev.has_value());
  EXPECT_EQ(no_prev.error().field, "previousId");

  auto bad_time = NormalizeEvent(Json::parse(R"({"userId":"u","timestamp":"soon"})"),
                                 EventType::kPage, Envelope{}, kReceived);
  ASSERT_FALSE(bad_time.has_value());
  EXPECT_EQ(bad_time.error().field, "timestamp");

  Json big = {{"userId", "u"}, {"event", "x"}, {"properties", {{"blob", std::string(33000, 'a')}}}};
  auto over = NormalizeEvent(big, EventType::kTrack, Envelope{}, kReceived);
  ASSERT_FALSE(over.has_value());
  EXPECT_NE(over.error().message.find("over the limit of 32768"), std::string::npos);
}

TEST(NormalizeEvent, NumericIdsAndGeneratedMessageIds) {
  auto ev = NormalizeEvent(Json::parse(R"({"userId": 42, "event": "x"})"), EventType::kTrack,
                           Envelope{}, kReceived);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->user_id, "42");
  EXPECT_TRUE(ev->message_id.starts_with("mops-"));
  auto again = NormalizeEvent(Json::parse(R"({"userId": 42, "event": "x"})"), EventType::kTrack,
                              Envelope{}, kReceived + 5);
  EXPECT_EQ(again->message_id, ev->message_id);  // same bytes, same event
}

TEST(ParseBody, BatchKeepsGoodItemsAndListsBadOnes) {
  const std::string body = R"({"writeKey": "wk_x", "sentAt": "2024-06-01T12:00:00Z",
    "context": {"library": {"name": "analytics-node"}},
    "batch": [
      {"type": "track", "userId": "u1", "event": "Signed Up", "messageId": "1"},
      {"type": "track", "event": "Signed Up", "messageId": "2"},
      {"type": "bogus", "userId": "u1", "messageId": "3"},
      {"type": "identify", "userId": "u1", "traits": {"email": "A@B.example"}, "messageId": "4"}
    ]})";
  auto parsed = ParseBody(body, std::nullopt, kReceived);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->write_key, "wk_x");
  ASSERT_EQ(parsed->events.size(), 2u);
  EXPECT_EQ(parsed->positions, (std::vector<size_t>{0, 3}));
  ASSERT_EQ(parsed->rejected.size(), 2u);
  EXPECT_EQ(parsed->rejected[0].index, 1u);
  EXPECT_EQ(parsed->rejected[0].field, "userId");
  EXPECT_EQ(parsed->rejected[1].index, 2u);
  EXPECT_EQ(parsed->rejected[1].field, "type");
  EXPECT_EQ(parsed->events[1].email, "A@B.example");
  // The batch context reaches the stored event.
  EXPECT_NE(parsed->events[0].raw.find("analytics-node"), std::string::npos);
  EXPECT_EQ(parsed->events[0].raw.find("wk_x"), std::string::npos);  // the key is not stored
}

TEST(ParseBody, WholeBodyErrors) {
  EXPECT_EQ(ParseBody("{not json", std::nullopt, kReceived).error().message,
            "the body is not valid JSON");
  EXPECT_EQ(ParseBody("[]", EventType::kTrack, kReceived).error().message,
            "the body must be a JSON object");
  EXPECT_EQ(ParseBody("{}", std::nullopt, kReceived).error().field, "batch");
  std::string big = R"({"batch":[)";
  while (big.size() < kMaxBatchBytes + 10) big += R"({"type":"page","anonymousId":"a"},)";
  big += R"({"type":"page","anonymousId":"a"}]})";
  EXPECT_NE(
      ParseBody(big, std::nullopt, kReceived).error().message.find("over the limit of 512000"),
      std::string::npos);
}

TEST(EventTypes, SegmentSpecDefaultsAndFallback) {
  const EventTypeTable table = DefaultEventTypes();
  Event ev;
  ev.type = EventType::kTrack;
  ev.event = "Form Submitted";
  EXPECT_EQ(TouchpointType(ev, table), "form_submit");
  ev.event = "demo requested";  // case and spaces do not matter
  EXPECT_EQ(TouchpointType(ev, table), "demo_request");
  ev.event = "Signed_Up";
  EXPECT_EQ(TouchpointType(ev, table), "signup");
  ev.event = "Pricing Slider Moved";
  EXPECT_EQ(TouchpointType(ev, table), "event");
  // Only letters and digits count, all of them.
  ev.event = "  FORM--submitted!! ";
  EXPECT_EQ(TouchpointType(ev, table), "form_submit");
  for (const char* other :
       {"Form Submit", "Form Submittedx", "Form Submitted 2", "--", "xForm Submitted"}) {
    ev.event = other;
    EXPECT_EQ(TouchpointType(ev, table), "event") << other;
  }
  ev.type = EventType::kPage;
  EXPECT_EQ(TouchpointType(ev, table), "page_view");
  ev.type = EventType::kScreen;
  EXPECT_EQ(TouchpointType(ev, table), "screen_view");
  ev.type = EventType::kIdentify;
  EXPECT_EQ(TouchpointType(ev, table), "");
}

TEST(TrackingConfig, ParsesAndRoundTrips) {
  auto config = ParseTrackingConfig(
      "fallback: event\nevents:\n  Quote Requested: demo_request\n  Form Submitted: form_submit\n"
      "blocked_identities: [test, 'n/a']\nmax_identities: {user_id: 2}\n",
      "t.yaml");
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->event_types.entries.size(), 2u);
  EXPECT_EQ(config->identity.Limit("user_id"), 2);
  EXPECT_EQ(config->identity.Limit("email"), 5);
  EXPECT_TRUE(IsBlockedIdentity(" N/A ", config->identity));
  auto again = ParseTrackingConfig(DumpTrackingConfig(*config), "dump");
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_EQ(again->event_types.entries, config->event_types.entries);
  EXPECT_EQ(again->identity.blocked, config->identity.blocked);
}

TEST(TrackingConfig, ErrorsNameEntryAndLine) {
  auto bad_type =
      ParseTrackingConfig("events:\n  Form Submitted: form_submit\n  Foo: bar\n", "t.yaml");
  ASSERT_FALSE(bad_type.has_value());
  EXPECT_EQ(bad_type.error().line, 3);
  EXPECT_NE(bad_type.error().message.find("event 'Foo': 'bar' is not a touchpoint type"),
            std::string::npos);
  auto bad_key = ParseTrackingConfig("fallback: event\nchannels: {}\n", "t.yaml");
  ASSERT_FALSE(bad_key.has_value());
  EXPECT_NE(bad_key.error().message.find("t.yaml line 2: unknown key 'channels'"),
            std::string::npos);
  auto bad_limit = ParseTrackingConfig("max_identities: {email: 0}\n", "t.yaml");
  ASSERT_FALSE(bad_limit.has_value());
  EXPECT_NE(bad_limit.error().message.find("max_identities.email"), std::string::npos);
  EXPECT_FALSE(ParseTrackingConfig("events: [a, b]\n", "t.yaml").has_value());
  EXPECT_FALSE(ParseTrackingConfig("events: {a: [x]\n", "t.yaml").has_value());
}

TEST(Identity, BlockedValues) {
  const IdentityRules rules;
  for (const char* v : {"", "  ", "null", "NULL", "undefined", "anonymous", "0", "-1", "000000",
                        "00000000-0000-0000-0000-000000000000"}) {
    EXPECT_TRUE(IsBlockedIdentity(v, rules)) << v;
  }
  for (const char* v : {"u-1", "10", "a@b.example", "0a"}) {
    EXPECT_FALSE(IsBlockedIdentity(v, rules)) << v;
  }
  IdentityRules custom;
  custom.blocked = {"test@example.com"};
  EXPECT_TRUE(IsBlockedIdentity("Test@Example.com", custom));
}

}  // namespace
}  // namespace mops::tracking

namespace mops::tracking {
namespace {

// The stored form is the item's own JSON in key order, with receivedAt and
// the type set, the envelope's context and sentAt added only when missing,
// and the write key dropped: what a copy of the item so amended would dump.
TEST(NormalizeEvent, StoredFormIsTheAmendedItem) {
  const Json item =
      Json::parse(R"({"writeKey":"wk_secret","anonymousId":"a\"1","event":"Ünïcode \u2028",)"
                  R"("properties":{"z":1,"a":[true,null,2.5]},"type":"track","messageId":"m1",)"
                  R"("receivedAt":"1999-01-01T00:00:00.000Z"})");
  Envelope envelope;
  envelope.sent_at_ms = 1'717'243'201'000;
  envelope.context = {{"library", {{"name", "analytics-node"}}}};
  auto ev = NormalizeEvent(item, std::nullopt, envelope, 1'717'243'200'000);
  ASSERT_TRUE(ev.has_value()) << ev.error().ToString();
  Json expected = item;
  expected.erase("writeKey");
  expected["context"] = envelope.context;
  expected["receivedAt"] = "2024-06-01T12:00:00.000Z";
  expected["sentAt"] = "2024-06-01T12:00:01.000Z";
  EXPECT_EQ(ev->raw, expected.dump());
  EXPECT_EQ(ev->raw.find("wk_secret"), std::string::npos);

  // An item's own context and sentAt win over the envelope's.
  Json own = item;
  own["context"] = {{"ip", "203.0.113.9"}};
  own["sentAt"] = "2024-06-01T11:59:59.000Z";
  auto ev2 = NormalizeEvent(own, std::nullopt, envelope, 1'717'243'200'000);
  ASSERT_TRUE(ev2.has_value()) << ev2.error().ToString();
  Json expected2 = own;
  expected2.erase("writeKey");
  expected2["receivedAt"] = "2024-06-01T12:00:00.000Z";
  EXPECT_EQ(ev2->raw, expected2.dump());
}

// A touch continues a visit when it carries no campaign and no outside
// referrer; a campaign, a click id or another site's referrer starts a new
// one.
TEST(Visits, WhatContinuesAVisit) {
  const Utm none;
  Utm paid;
  paid.source = "google";
  paid.medium = "cpc";
  EXPECT_TRUE(ContinuesVisit("https://www.acme.example/pricing", "", none, ""));
  EXPECT_TRUE(
      ContinuesVisit("https://www.acme.example/pricing", "https://acme.example/", none, ""));
  EXPECT_FALSE(ContinuesVisit("https://acme.example/pricing", "https://www.google.com/", none, ""));
  EXPECT_FALSE(ContinuesVisit("https://acme.example/?utm_source=google", "", paid, ""));
  EXPECT_FALSE(ContinuesVisit("https://acme.example/?gclid=x", "", none, "gclid"));
}

// ParseBody (nlohmann's SAX parser into flat arrays) against
// ParseBodyWithTree (nlohmann's tree): the same events, field by field and
// byte for byte in their stored form, the same refusals and errors.
void ExpectSameParse(const std::string& body, std::optional<EventType> route) {
  SCOPED_TRACE(body.substr(0, 300));
  auto fast = ParseBody(body, route, kReceived);
  auto tree = ParseBodyWithTree(body, route, kReceived);
  ASSERT_EQ(fast.has_value(), tree.has_value());
  if (!tree) {
    EXPECT_EQ(fast.error().message, tree.error().message);
    EXPECT_EQ(fast.error().field, tree.error().field);
    return;
  }
  EXPECT_EQ(fast->write_key, tree->write_key);
  EXPECT_EQ(fast->positions, tree->positions);
  ASSERT_EQ(fast->events.size(), tree->events.size());
  for (size_t i = 0; i < tree->events.size(); ++i) {
    const Event& a = fast->events[i];
    const Event& b = tree->events[i];
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.message_id, b.message_id);
    EXPECT_EQ(a.user_id, b.user_id);
    EXPECT_EQ(a.anonymous_id, b.anonymous_id);
    EXPECT_EQ(a.event, b.event);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.group_id, b.group_id);
    EXPECT_EQ(a.previous_id, b.previous_id);
    EXPECT_EQ(a.email, b.email);
    EXPECT_EQ(a.traits, b.traits);
    EXPECT_EQ(a.traits.dump(), b.traits.dump());
    EXPECT_EQ(a.time_ms, b.time_ms);
    EXPECT_EQ(a.received_at_ms, b.received_at_ms);
    EXPECT_EQ(a.url, b.url);
    EXPECT_EQ(a.referrer, b.referrer);
    EXPECT_EQ(a.title, b.title);
    EXPECT_EQ(a.utm.source, b.utm.source);
    EXPECT_EQ(a.utm.medium, b.utm.medium);
    EXPECT_EQ(a.utm.campaign, b.utm.campaign);
    EXPECT_EQ(a.utm.term, b.utm.term);
    EXPECT_EQ(a.utm.content, b.utm.content);
    EXPECT_EQ(a.click_id, b.click_id);
    EXPECT_EQ(a.value, b.value);
    EXPECT_EQ(a.currency, b.currency);
    EXPECT_EQ(a.raw, b.raw);
  }
  ASSERT_EQ(fast->rejected.size(), tree->rejected.size());
  for (size_t i = 0; i < tree->rejected.size(); ++i) {
    EXPECT_EQ(fast->rejected[i].index, tree->rejected[i].index);
    EXPECT_EQ(fast->rejected[i].field, tree->rejected[i].field);
    EXPECT_EQ(fast->rejected[i].reason, tree->rejected[i].reason);
  }
}

TEST(ParseBody, SaxParseEqualsTheTreeParse) {
  const std::vector<std::string> items = {
      // Members in any order, nested objects unsorted, duplicate keys (the
      // last wins, at every level), every kind of value.
      R"({"type":"page","anonymousId":"a1","messageId":"m1","context":{"page":{"url":"https://www.acme.example/p?utm_source=google&utm_medium=cpc&gclid=x","referrer":"https://www.google.com/","title":"T"},"campaign":{}},"originalTimestamp":"2024-06-01T11:59:58.123Z","properties":{"z":1,"a":[true,false,null,-1,18446744073709551615,-9223372036854775808,1.5e300,0.1,-0.0,1E2,{"y":2,"x":1}],"m":{}}})",
      R"({"type":"track","userId":"u","userId":"u2","event":"Form Submitted","event":"Demo Requested","properties":{"revenue":"12.50","currency":"EUR","b":1,"b":2},"context":{"campaign":{"source":"news","medium":"email","name":"spring","term":"t","content":"c"},"traits":{"email":"X@Y.example"}}})",
      R"({"type":"identify","userId":"u1","anonymousId":"a\"\\\/\b\f\n\r\t\u0001\u001f","traits":{"email":"A@B.example","name":"Ünïcode \u2028 \ud83d\ude00","nested":{"k":[1,2,{}]}},"timestamp":"2024-06-01T10:00:00Z"})",
      R"({"type":"group","userId":"u1","groupId":" g1 ","traits":{"name":"Acme","employees":120,"plan":null}})",
      R"({"type":"alias","userId":"u1","previousId":"p1","writeKey":"wk_in_item"})",
      R"({"type":"screen","anonymousId":12345,"name":"Home","properties":{"value":3}})",
      R"({"type":"track","anonymousId":-7,"event":"x","properties":{"value":1.25e-3}})",
      R"({"type":"track","anonymousId":18446744073709551615,"event":42.5})",
      R"({"type":"page","userId":"u","properties":{"url":"/a?utm_campaign=c","referrer":"r","title":"t"}})",
      R"({"type":"page","userId":"u","context":{"page":{"path":"/p","search":"utm_source=s&fbclid=1"}}})",
      R"({"type":"track","userId":"u","event":"e","receivedAt":"x","sentAt":"2024-06-01T12:00:00Z","type":"track"})",
      // No messageId: generated from the item's content.
      R"({"type":"track","userId":"u","event":"e","properties":{"b":[1,"x"],"a":{}}})",
      R"({"anonymousId":"a","type":"page"})",
      // Refused items.
      R"({"type":"track","userId":"u"})",
      R"({"type":"bogus","userId":"u"})",
      R"({"userId":"u","event":"e"})",
      R"({"type":"track","event":"e"})",
      R"({"type":"track","userId":"null","event":"e","timestamp":12})",
      R"({"type":"track","userId":"u","event":"e","originalTimestamp":"yesterday"})",
      R"({"type":"group","userId":"u"})",
      R"({"type":"alias","previousId":"p","anonymousId":"a"})",
      R"({"type":"track","userId":"u","event":"e","messageId":")" + std::string(300, 'm') + R"("})",
      R"({"type":"track","userId":"u","event":"e","properties":{"big":")" +
          std::string(kMaxEventBytes, 'b') + R"("}})",
      R"("a string")",
      R"([1,2])",
      R"(null)",
  };
  std::string all;
  for (const std::string& item : items) {
    ExpectSameParse(R"({"batch":[)" + item + "]}", std::nullopt);
    ExpectSameParse(item, EventType::kTrack);
    ExpectSameParse(item, EventType::kPage);
    ExpectSameParse(item, EventType::kIdentify);
    if (!all.empty()) all += ',';
    all += item;
  }
  // Envelopes: sentAt and context for the items without their own.
  ExpectSameParse(
      R"({"writeKey":"wk","sentAt":"2024-06-01T12:00:01.000Z","context":{"library":{"name":"analytics-node","version":"3.1.0"},"ip":"203.0.113.9"},"batch":[)" +
          all + "]}",
      std::nullopt);
  ExpectSameParse(R"({"batch":[)" + all + R"(],"sentAt":null,"context":"not an object"})",
                  std::nullopt);
  ExpectSameParse(R"({"batch":[)" + all + R"(],"sentAt":5})", std::nullopt);
  ExpectSameParse(R"({"batch":[)" + all + R"(],"batch":[]})", std::nullopt);
  // Bodies refused as a whole.
  for (const char* body :
       {"", "{not json", "{} x", "[]", "{}", R"({"batch":{}})", R"({"batch":[],"writeKey":7})",
        "{\"batch\":[\"\xff\"]}", R"({"batch":[1e999]})", "  {\"batch\":[]}  "}) {
    ExpectSameParse(body, std::nullopt);
    ExpectSameParse(body, EventType::kTrack);
  }
  std::string big = R"({"batch":[)";
  while (big.size() < kMaxBatchBytes + 10) big += R"({"type":"page","anonymousId":"a"},)";
  big += R"({"type":"page","anonymousId":"a"}]})";
  ExpectSameParse(big, std::nullopt);
}

}  // namespace
}  // namespace mops::tracking
