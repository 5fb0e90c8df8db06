// The demo company's website traffic: a deterministic stream of events sent
// through the same parser and writer as /v1/batch, so that the events page of
// `mops demo` has figures (visitors, channels, stitching, merges, rejections).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tracking/tracking.h"

namespace mops::tracking {
namespace {

using store::Value;

// splitmix64: the same numbers on every platform (std distributions differ).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // In [0, n).
  int64_t Below(int64_t n) { return n <= 0 ? 0 : static_cast<int64_t>(Next() % n); }
  bool Chance(int percent) { return Below(100) < percent; }

 private:
  uint64_t state_;
};

constexpr std::string_view kSite = "https://www.northwind-demo.example";

struct Arrival {
  std::string_view query;     // UTM parameters and click ids
  std::string_view referrer;  // empty: none
};
// How visitors arrive: paid search, paid social, email, organic search,
// referral, direct.
constexpr std::array<Arrival, 8> kArrivals = {{
    {"utm_source=google&utm_medium=cpc&utm_campaign=brand-search&gclid=CjwKdemo", ""},
    {"utm_source=google&utm_medium=cpc&utm_campaign=competitor-terms", ""},
    {"utm_source=linkedin&utm_medium=paid_social&utm_campaign=q2-abm", ""},
    {"utm_source=newsletter&utm_medium=email&utm_campaign=monthly-digest", ""},
    {"", "https://www.google.com/"},
    {"", "https://www.bing.com/"},
    {"", "https://news.ycombinator.com/item?id=4242"},
    {"", ""},
}};
constexpr std::array<std::string_view, 6> kPaths = {"/",     "/pricing",   "/product/analytics",
                                                    "/blog", "/customers", "/docs/getting-started"};
constexpr std::array<std::string_view, 3> kConversions = {"Form Submitted", "Demo Requested",
                                                          "Signed Up"};

struct Planned {
  int64_t at_ms = 0;  // the event's timestamp
  int64_t order = 0;  // ties keep the order of planning
  Json item;
};

std::string Email(const Value& v) { return store::IsNull(v) ? "" : store::AsText(v); }

}  // namespace

core::Result<DemoEventsReport> LoadDemoEvents(store::Database& db,
                                              const DemoEventsOptions& options) {
  // The events happen over the 14 days before the company's latest
  // touchpoint (its "today"), and arrive over the 30 minutes before now,
  // so that the events page's live window shows them.
  MOPS_ASSIGN_OR_RETURN(Value latest, db.QueryValue("SELECT MAX(occurred_at) FROM touchpoints"));
  const int64_t now_ms = options.now_ms != 0
                             ? options.now_ms
                             : std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
  const int64_t end_ms = store::IsNull(latest) ? now_ms : store::AsInt(latest) * 1000;
  const int64_t start_ms = end_ms - 14LL * 86'400'000;

  DemoEventsOptions o = options;
  if (o.visitors <= 0) {  // one visitor per 20 contacts, at least 50
    MOPS_ASSIGN_OR_RETURN(Value n, db.QueryValue("SELECT COUNT(*) FROM contacts"));
    o.visitors = static_cast<int>(std::clamp<int64_t>(store::AsInt(n) / 20, 50, 5000));
  }
  MOPS_ASSIGN_OR_RETURN(store::Rows contacts,
                        db.Query("SELECT email, first_name, last_name FROM contacts WHERE email "
                                 "IS NOT NULL AND merged_into IS NULL ORDER BY id LIMIT ?",
                                 std::vector<Value>{int64_t{o.visitors}}));
  MOPS_ASSIGN_OR_RETURN(store::Rows accounts,
                        db.Query("SELECT name, domain FROM accounts WHERE merged_into IS NULL "
                                 "ORDER BY id LIMIT 8"));

  Rng rng(o.seed);
  std::vector<Planned> plan;
  int64_t order = 0;
  auto add = [&](int64_t at_ms, Json item) {
    item["timestamp"] = FormatIsoMillis(at_ms);
    item["messageId"] = fmt::format("demo-{}", order);
    plan.push_back(Planned{at_ms, order++, std::move(item)});
  };
  for (int v = 0; v < o.visitors; ++v) {
    const std::string anon = fmt::format("demo-visitor-{:05}", v);
    const Arrival& arrival = kArrivals[static_cast<size_t>(rng.Below(kArrivals.size()))];
    int64_t t = start_ms + rng.Below(end_ms - start_ms - 3'600'000);
    const int64_t views = 1 + rng.Below(6);
    for (int64_t p = 0; p < views; ++p) {
      const std::string_view path = p == 0 ? kPaths[static_cast<size_t>(rng.Below(2))]
                                           : kPaths[static_cast<size_t>(rng.Below(kPaths.size()))];
      std::string url = fmt::format("{}{}", kSite, path);
      Json page = {{"url", url}, {"path", path}};
      if (p == 0) {  // the landing page carries the campaign and the referrer
        if (!arrival.query.empty()) url += fmt::format("?{}", arrival.query);
        page["url"] = url;
        if (!arrival.referrer.empty()) page["referrer"] = arrival.referrer;
      }  // later pages: no referrer (the channel is the landing page's)
      add(t, Json{{"type", "page"},
                  {"anonymousId", anon},
                  {"name", path == "/" ? "Home" : std::string(path.substr(1))},
                  {"context", {{"page", page}}}});
      t += 20'000 + rng.Below(240'000);
    }
    // A third of the visitors convert and identify; their earlier page
    // views are stitched to the contact. Half use the email of a contact
    // imported from the CRM (imports link no email identity, so the tracking
    // contact is a duplicate for the data-quality review), half are new.
    if (!rng.Chance(33)) continue;
    const std::string user = fmt::format("demo-user-{:05}", v);
    Json traits = Json::object();
    const bool known = v < static_cast<int>(contacts.rows.size()) && rng.Chance(50);
    if (known) {
      const auto& c = contacts.rows[static_cast<size_t>(v)];
      traits["email"] = Email(c[0]);
      if (!store::IsNull(c[1])) traits["firstName"] = store::AsText(c[1]);
      if (!store::IsNull(c[2])) traits["lastName"] = store::AsText(c[2]);
    } else {
      traits["email"] = fmt::format("visitor{:05}@mail.example", v);
      traits["name"] = fmt::format("Visitor {}", v);
    }
    const std::string_view conversion =
        kConversions[static_cast<size_t>(rng.Below(kConversions.size()))];
    add(t, Json{{"type", "track"},
                {"anonymousId", anon},
                {"event", conversion},
                {"properties", {{"form", "contact-sales"}}},
                {"context", {{"page", {{"url", fmt::format("{}/contact", kSite)}}}}}});
    t += 2'000;
    add(t, Json{{"type", "identify"}, {"anonymousId", anon}, {"userId", user}, {"traits", traits}});
    // Some come back later on another device and sign in there too: the
    // second anonymous id joins the same contact.
    if (rng.Chance(15)) {
      const std::string other = anon + "-mobile";
      int64_t later = t + 86'400'000 + rng.Below(3 * 86'400'000);
      later = std::min(later, end_ms - 60'000);
      add(later, Json{{"type", "page"},
                      {"anonymousId", other},
                      {"name", "pricing"},
                      {"context", {{"page", {{"url", fmt::format("{}/pricing", kSite)}}}}}});
      add(later + 30'000, Json{{"type", "identify"}, {"anonymousId", other}, {"userId", user}});
    }
    if (!accounts.empty() && rng.Chance(25)) {
      const int64_t index = rng.Below(static_cast<int64_t>(accounts.rows.size()));
      const auto& a = accounts.rows[static_cast<size_t>(index)];
      Json group_traits = {{"name", store::IsNull(a[0]) ? "" : store::AsText(a[0])}};
      if (!store::IsNull(a[1])) group_traits["website"] = "https://" + store::AsText(a[1]);
      add(t + 1'000, Json{{"type", "group"},
                          {"userId", user},
                          {"groupId", fmt::format("demo-account-{}", index + 1)},
                          {"traits", group_traits}});
    }
  }
  // What real sites also send: items the API refuses, with their reasons.
  for (int i = 0; i < std::max(3, o.visitors / 40); ++i) {
    const int64_t t = start_ms + rng.Below(end_ms - start_ms);
    switch (i % 3) {
      case 0:  // no userId and no anonymousId
        add(t, Json{{"type", "page"}, {"context", {{"page", {{"url", std::string(kSite)}}}}}});
        break;
      case 1:  // a track call without its event name
        add(t, Json{{"type", "track"}, {"anonymousId", fmt::format("demo-bot-{}", i)}});
        break;
      default:  // an unknown call type
        add(t, Json{{"type", "pageview"}, {"anonymousId", fmt::format("demo-bot-{}", i)}});
        break;
    }
  }
  std::sort(plan.begin(), plan.end(), [](const Planned& a, const Planned& b) {
    return a.at_ms != b.at_ms ? a.at_ms < b.at_ms : a.order < b.order;
  });

  MOPS_ASSIGN_OR_RETURN(NewWriteKey key,
                        CreateWriteKey(db, "demo website", {std::string(kSite)}, 0));
  DemoEventsReport report;
  report.write_key_id = key.key.id;
  constexpr size_t kBatch = 100;
  const size_t batches = (plan.size() + kBatch - 1) / kBatch;
  for (size_t b = 0; b < batches; ++b) {
    Json items = Json::array();
    for (size_t i = b * kBatch; i < std::min(plan.size(), (b + 1) * kBatch); ++i) {
      items.push_back(std::move(plan[i].item));
    }
    const Json body = {{"batch", std::move(items)}};
    // Arrivals spread evenly over the last 30 minutes, oldest first.
    const int64_t received_ms =
        now_ms - static_cast<int64_t>(batches - b) * 30 * 60'000 / static_cast<int64_t>(batches);
    MOPS_ASSIGN_OR_RETURN(ParsedBody parsed, ParseBody(body.dump(), std::nullopt, received_ms));
    report.rejected += static_cast<int64_t>(parsed.rejected.size());
    MOPS_ASSIGN_OR_RETURN(StoreReport stored,
                          StoreEvents(db, key.key.id, "/v1/batch", std::move(parsed.events),
                                      std::move(parsed.rejected)));
    report.stored += stored.stored;
    report.touchpoints += stored.touchpoints;
    report.stitched += stored.stitched;
    report.merges += stored.merges;
  }
  return report;
}

}  // namespace mops::tracking
