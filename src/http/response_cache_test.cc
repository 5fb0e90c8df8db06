// The response cache: a cached GET never outlives a committed write, whoever
// made it (a route of this server, another connection, another process), is
// kept apart by role, answers If-None-Match with 304, never keeps errors or
// opted-out routes, and holds no more bytes than its bound. Built twice: on
// SQLite and (MOPS_HTTP_CACHE_TEST_POSTGRES) on a real PostgreSQL.
#include "http/response_cache.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "http/dispatch.h"
#ifdef MOPS_HTTP_CACHE_TEST_POSTGRES
#include "tests/support/postgres_server.h"
#endif

namespace mops::http::internal {
namespace {

using store::Value;

std::string Gunzip(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(1 << 22, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

std::string HeaderOf(const Response& res, std::string_view name) {
  for (const auto& [n, v] : res.headers) {
    if (n == name) return v;
  }
  return "";
}

class ResponseCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifdef MOPS_HTTP_CACHE_TEST_POSTGRES
    auto server = test_support::PostgresServer::Shared();
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    auto url =
        (*server)->CreateDatabase(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_TRUE(url.has_value()) << url.error().ToString();
    url_ = *url;
#else
    url_ = (std::filesystem::temp_directory_path() /
            ("mops_cache_test_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
               .string();
    Remove();
#endif
    auto db = store::Open(url_);
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_).has_value());
    ASSERT_TRUE(db_->ExecScript("CREATE TABLE cache_items (name TEXT NOT NULL)").has_value());
    for (Role role : {Role::kAnalyst, Role::kOps}) {
      auto secret = CreateToken(*db_, RoleName(role), role);
      ASSERT_TRUE(secret.has_value());
      tokens_[role] = *secret;
    }

    router_.Get("/api/v1/items", Role::kViewer, {"items", {}, "test"}, [this](RequestContext& ctx) {
      ++item_calls_;
      Json names = Json::array();
      auto rows = ctx.db.Query("SELECT name FROM cache_items ORDER BY name");
      if (!rows) return core::Result<Json>(std::unexpected(rows.error()));
      for (const auto& r : rows->rows) names.push_back(store::AsText(r[0]));
      const auto pad = ctx.Query("pad");
      return core::Result<Json>(Json{{"role", std::string(RoleName(ctx.principal.role))},
                                     {"names", names},
                                     {"pad", std::string(pad ? std::stoul(*pad) : 0, 'x')}});
    });
    router_.Post("/api/v1/items", Role::kOps, {"add", {}, "test"}, [](RequestContext& ctx) {
      auto n = ctx.db.Execute("INSERT INTO cache_items (name) VALUES (?)",
                              std::vector<Value>{ctx.BodyText()});
      if (!n) return core::Result<Json>(std::unexpected(n.error()));
      return core::Result<Json>(Json{{"added", ctx.BodyText()}});
    });
    router_.Get("/api/v1/broken", Role::kViewer, {"fails", {}, "test"}, [this](RequestContext&) {
      ++broken_calls_;
      return core::Result<Json>(
          std::unexpected(core::MakeError(core::ErrorCode::kUnavailable, "not now")));
    });
    router_.Get("/api/v1/me", Role::kViewer, {"me", {}, "test"}, [this](RequestContext& ctx) {
      ++me_calls_;
      return core::Result<Json>(Json{{"name", ctx.principal.name}});
    });

    auto pool = store::Pool::Create(url_, 2);
    ASSERT_TRUE(pool.has_value()) << pool.error().ToString();
    pool_ = std::move(*pool);
    auto version = DataVersion::Open(url_);
    ASSERT_TRUE(version.has_value()) << version.error().ToString();
    cache_ = std::make_unique<ResponseCache>(std::move(*version), 8 * 1024 * 1024);
    dispatcher_ = std::make_unique<Dispatcher>(router_, *pool_, options_, cache_.get());
  }
  void TearDown() override {
    dispatcher_.reset();
    cache_.reset();
    pool_.reset();
    db_.reset();
#ifndef MOPS_HTTP_CACHE_TEST_POSTGRES
    Remove();
#endif
  }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(url_ + suffix);
  }

  Response Call(const std::string& method, const std::string& target, Role role,
                const std::string& body = "",
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request req;
    EXPECT_TRUE(ParseTarget(target, req));
    req.method = method;
    req.headers = std::move(headers);
    req.headers.emplace_back("Authorization", "Bearer " + tokens_[role]);
    req.body = body;
    Plan plan = dispatcher_->Prepare(req);
    if (plan.done) return plan.response;
    return dispatcher_->Execute(plan, req);
  }
  Json Names(Role role = Role::kAnalyst) {
    Response res = Call("GET", "/api/v1/items", role);
    EXPECT_EQ(res.status, 200) << res.body;
    return Json::parse(res.body)["names"];
  }

  std::string url_;
  std::unique_ptr<store::Database> db_;
  std::map<Role, std::string> tokens_;
  Router router_;
  ServerOptions options_;
  std::unique_ptr<store::Pool> pool_;
  std::unique_ptr<ResponseCache> cache_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::atomic<int> item_calls_ = 0, broken_calls_ = 0, me_calls_ = 0;
};

TEST_F(ResponseCacheTest, RepeatedGetIsServedFromCache) {
  Response first = Call("GET", "/api/v1/items", Role::kAnalyst);
  Response second = Call("GET", "/api/v1/items", Role::kAnalyst);
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(first.body, second.body);
  EXPECT_EQ(item_calls_, 1);
  EXPECT_FALSE(HeaderOf(first, "ETag").empty());
  EXPECT_EQ(HeaderOf(first, "ETag"), HeaderOf(second, "ETag"));
  EXPECT_EQ(cache_->stats().hits, 1u);
}

TEST_F(ResponseCacheTest, WriteThroughTheApiIsVisibleToTheNextRead) {
  EXPECT_EQ(Names(), Json::array());
  Response added = Call("POST", "/api/v1/items", Role::kOps, "alpha");
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(Names(), Json::array({"alpha"}));
  EXPECT_EQ(Names(), Json::array({"alpha"}));
  EXPECT_EQ(item_calls_, 2);
}

TEST_F(ResponseCacheTest, WriteFromAnotherConnectionIsVisibleToTheNextRead) {
  EXPECT_EQ(Names(), Json::array());
  auto other = store::Open(url_);
  ASSERT_TRUE(other.has_value());
  ASSERT_TRUE((*other)->Execute("INSERT INTO cache_items (name) VALUES ('beta')").has_value());
  EXPECT_EQ(Names(), Json::array({"beta"}));
  // Inside a transaction too, visible only once committed.
  auto tx = store::Transaction::Start(**other);
  ASSERT_TRUE(tx.has_value());
  ASSERT_TRUE((*other)->Execute("INSERT INTO cache_items (name) VALUES ('gamma')").has_value());
  EXPECT_EQ(Names(), Json::array({"beta"}));
  ASSERT_TRUE(tx->Commit().has_value());
  EXPECT_EQ(Names(), Json::array({"beta", "gamma"}));
}

TEST_F(ResponseCacheTest, WriteFromAnotherProcessIsVisibleToTheNextRead) {
  EXPECT_EQ(Names(), Json::array());
  EXPECT_EQ(Names(), Json::array());
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto db = store::Open(url_);
    const bool ok =
        db.has_value() &&
        (*db)->Execute("INSERT INTO cache_items (name) VALUES ('from-child')").has_value();
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(Names(), Json::array({"from-child"}));
}

TEST_F(ResponseCacheTest, RolesAreCachedApart) {
  // A token's first use records it (a write, which invalidates): do it first.
  Call("GET", "/api/v1/me", Role::kAnalyst);
  Call("GET", "/api/v1/me", Role::kOps);
  Response analyst = Call("GET", "/api/v1/items", Role::kAnalyst);
  Response ops = Call("GET", "/api/v1/items", Role::kOps);
  EXPECT_EQ(Json::parse(analyst.body)["role"], "analyst");
  EXPECT_EQ(Json::parse(ops.body)["role"], "ops");
  EXPECT_EQ(Json::parse(Call("GET", "/api/v1/items", Role::kAnalyst).body)["role"], "analyst");
  EXPECT_EQ(item_calls_, 2);
}

TEST_F(ResponseCacheTest, QueryParametersAreCanonicalAndPartOfTheKey) {
  Call("GET", "/api/v1/items?pad=1&z=2", Role::kAnalyst);
  Call("GET", "/api/v1/items?z=2&pad=1", Role::kAnalyst);
  EXPECT_EQ(item_calls_, 1);
  Response other = Call("GET", "/api/v1/items?pad=2&z=2", Role::kAnalyst);
  EXPECT_EQ(Json::parse(other.body)["pad"], "xx");
  EXPECT_EQ(item_calls_, 2);
}

TEST_F(ResponseCacheTest, IfNoneMatchGets304UntilTheDataChanges) {
  Response first = Call("GET", "/api/v1/items", Role::kAnalyst);
  const std::string etag = HeaderOf(first, "ETag");
  ASSERT_EQ(etag.size(), 34u) << etag;  // quoted 128-bit hex
  Response again = Call("GET", "/api/v1/items", Role::kAnalyst, "", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(HeaderOf(again, "ETag"), etag);
  EXPECT_EQ(
      Call("GET", "/api/v1/items", Role::kAnalyst, "", {{"If-None-Match", "\"other\", W/" + etag}})
          .status,
      304);
  ASSERT_EQ(Call("POST", "/api/v1/items", Role::kOps, "delta").status, 200);
  Response changed = Call("GET", "/api/v1/items", Role::kAnalyst, "", {{"If-None-Match", etag}});
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(HeaderOf(changed, "ETag"), etag);
  EXPECT_EQ(Json::parse(changed.body)["names"], Json::array({"delta"}));
}

TEST_F(ResponseCacheTest, ErrorsAreNeverCached) {
  for (int i = 0; i < 3; ++i) {
    Response res = Call("GET", "/api/v1/broken", Role::kAnalyst);
    EXPECT_EQ(res.status, 503);
    EXPECT_TRUE(HeaderOf(res, "ETag").empty());
  }
  EXPECT_EQ(broken_calls_, 3);
  // Refused requests never reach the cache either.
  Response refused = Call("POST", "/api/v1/items", Role::kAnalyst, "nope");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(Names(), Json::array());
}

TEST_F(ResponseCacheTest, OptedOutRoutesRunEveryTime) {
  Call("GET", "/api/v1/me", Role::kAnalyst);
  Response res = Call("GET", "/api/v1/me", Role::kAnalyst);
  EXPECT_EQ(me_calls_, 2);
  EXPECT_TRUE(HeaderOf(res, "ETag").empty());
  EXPECT_EQ(Json::parse(res.body)["name"], "analyst");
}

TEST_F(ResponseCacheTest, LargeBodiesAreGzippedForClientsThatAcceptIt) {
  Response plain = Call("GET", "/api/v1/items?pad=5000", Role::kAnalyst);
  Response gz = Call("GET", "/api/v1/items?pad=5000", Role::kAnalyst, "",
                     {{"Accept-Encoding", "br, gzip;q=0.8"}});
  Response refused =
      Call("GET", "/api/v1/items?pad=5000", Role::kAnalyst, "", {{"Accept-Encoding", "gzip;q=0"}});
  EXPECT_EQ(item_calls_, 1);
  EXPECT_TRUE(HeaderOf(plain, "Content-Encoding").empty());
  EXPECT_TRUE(HeaderOf(refused, "Content-Encoding").empty());
  EXPECT_EQ(refused.body, plain.body);
  ASSERT_EQ(HeaderOf(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(HeaderOf(gz, "Vary"), "Accept-Encoding");
  EXPECT_LT(gz.body.size(), plain.body.size() / 10);
  EXPECT_EQ(Gunzip(gz.body), plain.body);
}

#ifndef MOPS_HTTP_CACHE_TEST_POSTGRES

TEST(ResponseCacheUnit, MemoryBoundIsHonouredLeastRecentlyUsedFirst) {
  ResponseCache cache(nullptr, 10000);
  auto body = [](char c) { return ResponseCache::Make(std::string(3000, c)); };
  cache.Find("a", "v1");  // the cache adopts version v1
  cache.Store("a", "v1", body('a'));
  cache.Store("b", "v1", body('b'));
  cache.Store("c", "v1", body('c'));
  ASSERT_NE(cache.Find("a", "v1"), nullptr);  // a is now the most recent
  cache.Store("d", "v1", body('d'));          // evicts b, the least recent
  EXPECT_LE(cache.stats().bytes, 10000u);
  EXPECT_EQ(cache.stats().entries, 3u);
  EXPECT_EQ(cache.Find("b", "v1"), nullptr);
  EXPECT_NE(cache.Find("a", "v1"), nullptr);
  EXPECT_NE(cache.Find("d", "v1"), nullptr);
  // An entry larger than the whole bound is not kept.
  cache.Store("huge", "v1", ResponseCache::Make(std::string(20000, 'h')));
  EXPECT_EQ(cache.Find("huge", "v1"), nullptr);
  EXPECT_LE(cache.stats().bytes, 10000u);
}

TEST(ResponseCacheUnit, NewVersionDropsEverythingAndLateStoresAreRefused) {
  ResponseCache cache(nullptr, 1 << 20);
  cache.Find("k", "v1");
  cache.Store("k", "v1", ResponseCache::Make("{}"));
  ASSERT_NE(cache.Find("k", "v1"), nullptr);
  EXPECT_EQ(cache.Find("k", "v2"), nullptr);
  EXPECT_EQ(cache.stats().entries, 0u);
  // A handler that read v1 before the write finishes after it: dropped.
  cache.Store("k", "v1", ResponseCache::Make("{\"old\":1}"));
  EXPECT_EQ(cache.Find("k", "v2"), nullptr);
}

TEST(ResponseCacheUnit, EntriesExpireAfterTheirMaxAge) {
  ResponseCache cache(nullptr, 1 << 20, std::chrono::milliseconds(50));
  cache.Find("k", "v1");
  cache.Store("k", "v1", ResponseCache::Make("{}"));
  ASSERT_NE(cache.Find("k", "v1"), nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_EQ(cache.Find("k", "v1"), nullptr);
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST(ResponseCacheUnit, KeysSeparateRolesPathsAndQueries) {
  Request a, b;
  ASSERT_TRUE(ParseTarget("/api/v1/x?p=1&q=2", a));
  ASSERT_TRUE(ParseTarget("/api/v1/x?q=2&p=1", b));
  a.method = b.method = "GET";
  EXPECT_EQ(ResponseCache::Key(a, Role::kViewer), ResponseCache::Key(b, Role::kViewer));
  EXPECT_NE(ResponseCache::Key(a, Role::kViewer), ResponseCache::Key(a, Role::kAdmin));
  Request c, d;
  ASSERT_TRUE(ParseTarget("/api/v1/x?p=1%26q%3D2", c));  // one parameter, value "1&q=2"
  c.method = "GET";
  EXPECT_NE(ResponseCache::Key(a, Role::kViewer), ResponseCache::Key(c, Role::kViewer));
  ASSERT_TRUE(ParseTarget("/api/v1/x?p=1&q=2&q=3", d));
  d.method = "GET";
  EXPECT_NE(ResponseCache::Key(a, Role::kViewer), ResponseCache::Key(d, Role::kViewer));
}

TEST(ResponseCacheUnit, OnlyPlainApiGetsAreCacheable) {
  Router router;
  auto ok = [](RequestContext&) { return core::Result<Json>(Json::object()); };
  for (const char* pattern : {"/api/v1/contacts", "/api/v1/me", "/api/v1/session",
                              "/api/v1/events/live", "/api/v1/imports/{id}/stream", "/v1/track"}) {
    router.Get(pattern, Role::kViewer, {"x", {}, "test"}, ok);
  }
  router.Post("/api/v1/contacts", Role::kOps, {"x", {}, "test"}, ok);
  std::map<std::string, bool> cacheable;
  for (const auto& route : router.routes()) {
    Request req;
    req.method = route.method;
    cacheable[route.method + " " + route.pattern] = ResponseCache::Cacheable(req, route);
  }
  EXPECT_TRUE(cacheable.at("GET /api/v1/contacts"));
  EXPECT_FALSE(cacheable.at("POST /api/v1/contacts"));
  EXPECT_FALSE(cacheable.at("GET /api/v1/me"));
  EXPECT_FALSE(cacheable.at("GET /api/v1/session"));
  EXPECT_FALSE(cacheable.at("GET /api/v1/events/live"));
  EXPECT_FALSE(cacheable.at("GET /api/v1/imports/{id}/stream"));
  EXPECT_FALSE(cacheable.at("GET /v1/track"));
}

// Many clients missing one key at once run its handler once: the first
// leads, the others wait for its body.
TEST(ResponseCacheUnit, ConcurrentMissesOfOneKeyComputeItOnce) {
  ResponseCache cache(nullptr, 1 << 20);
  bool leader = false;
  auto flight = cache.Join("k", "v1", &leader);
  ASSERT_TRUE(leader);
  std::vector<std::thread> waiters;
  std::atomic<int> served = 0;
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&] {
      bool lead = true;
      auto joined = cache.Join("k", "v1", &lead);
      EXPECT_FALSE(lead);
      auto body = joined->Wait(std::chrono::seconds(10));
      if (body != nullptr && body->body == "{\"n\":1}") served.fetch_add(1);
    });
  }
  // Another key or another version is a flight of its own.
  bool other = false;
  auto separate = cache.Join("k", "v2", &other);
  EXPECT_TRUE(other);
  cache.Land("k", "v2", separate, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  cache.Land("k", "v1", flight, ResponseCache::Make("{\"n\":1}"));
  for (auto& t : waiters) t.join();
  EXPECT_EQ(served, 4);
  // Landed: the next miss leads again.
  cache.Join("k", "v1", &leader);
  EXPECT_TRUE(leader);
}

// A leader that failed hands its waiters nothing: they compute the answer
// themselves (errors are never shared or cached).
TEST(ResponseCacheUnit, AFailedLeaderLeavesWaitersToComputeThemselves) {
  ResponseCache cache(nullptr, 1 << 20);
  bool leader = false;
  auto flight = cache.Join("k", "v1", &leader);
  bool lead = true;
  auto joined = cache.Join("k", "v1", &lead);
  EXPECT_FALSE(lead);
  cache.Land("k", "v1", flight, nullptr);
  EXPECT_EQ(joined->Wait(std::chrono::seconds(1)), nullptr);
}

TEST(ResponseCacheUnit, IfNoneMatchComparison) {
  EXPECT_TRUE(ResponseCache::Matches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(ResponseCache::Matches(" \"x\" , W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(ResponseCache::Matches("*", "\"abc\""));
  EXPECT_FALSE(ResponseCache::Matches("\"abd\"", "\"abc\""));
  EXPECT_FALSE(ResponseCache::Matches("abc", "\"abc\""));
  EXPECT_FALSE(ResponseCache::Matches("", "\"abc\""));
}

#endif

}  // namespace
}  // namespace mops::http::internal
