#include "http/dispatch.h"

#include <gtest/gtest.h>

namespace mops::http::internal {
namespace {

TEST(DispatchTest, PercentDecodeRejectsMalformedEscapes) {
  std::string out;
  EXPECT_TRUE(PercentDecode("/a%20b+c", false, out));
  EXPECT_EQ(out, "/a b+c");
  EXPECT_TRUE(PercentDecode("a+b%2B", true, out));
  EXPECT_EQ(out, "a b+");
  EXPECT_FALSE(PercentDecode("%zz", false, out));
  EXPECT_FALSE(PercentDecode("abc%2", false, out));
  EXPECT_FALSE(PercentDecode("abc%", false, out));
  EXPECT_FALSE(PercentDecode("a%00b", false, out));
}

TEST(DispatchTest, ParseTargetSplitsPathAndQuery) {
  Request req;
  ASSERT_TRUE(ParseTarget("/api/v1/contacts?limit=5&email=a%40b.c&tag=x&tag=y&flag", req));
  EXPECT_EQ(req.path, "/api/v1/contacts");
  EXPECT_EQ(req.params.find("email")->second, "a@b.c");
  EXPECT_EQ(req.params.count("tag"), 2u);
  EXPECT_EQ(req.params.find("flag")->second, "");
  EXPECT_FALSE(ParseTarget("nopath", req));
  EXPECT_FALSE(ParseTarget("http://example.com/", req));
  EXPECT_FALSE(ParseTarget("/a?x=%zz", req));
}

TEST(DispatchTest, EscapeForLogEscapesControlBytes) {
  EXPECT_EQ(EscapeForLog("/ok/path?a=1"), "/ok/path?a=1");
  EXPECT_EQ(EscapeForLog("/x\r\nINFO forged"), "/x\\x0d\\x0aINFO forged");
  EXPECT_EQ(EscapeForLog("\x1b[31m"), "\\x1b[31m");
  EXPECT_EQ(EscapeForLog("a\\b"), "a\\x5cb");
  EXPECT_EQ(EscapeForLog("\x7f\xc3\xa9"), "\\x7f\\xc3\\xa9");
}

TEST(DispatchTest, BearerSchemeIsCaseInsensitive) {
  EXPECT_EQ(BearerToken("Bearer mops_x"), "mops_x");
  EXPECT_EQ(BearerToken("bearer mops_x"), "mops_x");
  EXPECT_EQ(BearerToken("BEARER   mops_x  "), "mops_x");
  EXPECT_EQ(BearerToken("Basic mops_x"), "");
  EXPECT_EQ(BearerToken("Bearermops_x"), "");
  EXPECT_EQ(BearerToken("Bearer"), "");
}

TEST(DispatchTest, CookieValue) {
  EXPECT_EQ(CookieValue("a=1; mops_session=abc; b=2", "mops_session"), "abc");
  EXPECT_EQ(CookieValue("mops_session=abc", "mops_session"), "abc");
  EXPECT_EQ(CookieValue("xmops_session=abc", "mops_session"), "");
  EXPECT_EQ(CookieValue("", "mops_session"), "");
}

TEST(DispatchTest, SecurityHeadersByPath) {
  Response api;
  AddSecurityHeaders("/api/v1/me", api);
  Response page;
  AddSecurityHeaders("/", page);
  auto get = [](const Response& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return std::string();
  };
  EXPECT_EQ(get(api, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(get(api, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(get(api, "Cache-Control"), "no-store");
  EXPECT_EQ(get(api, "Content-Security-Policy"), "");
  EXPECT_EQ(get(page, "Content-Security-Policy"),
            "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'");
}

TEST(RouterTest, IdParametersMustBeWholePositiveIntegers) {
  Router router;
  router.Get("/api/v1/things/{id}", Role::kViewer, {"one", {}, "t"},
             [](RequestContext&) -> core::Result<Json> { return Json::object(); });
  router.Get("/api/v1/names/{name}", Role::kViewer, {"by name", {}, "t"},
             [](RequestContext&) -> core::Result<Json> { return Json::object(); });
  bool wrong_method = false;
  auto ok = router.Find("GET", "/api/v1/things/12", &wrong_method);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->params, std::vector<std::string>{"12"});
  for (const char* bad : {"12abc", "0", "-1", "012", "1.5", "99999999999999999999", "+1"}) {
    auto r = router.Find("GET", std::string("/api/v1/things/") + bad, &wrong_method);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.error().field, "id");
  }
  EXPECT_TRUE(router.Find("GET", "/api/v1/names/12abc", &wrong_method).has_value());
  EXPECT_FALSE(router.Find("POST", "/api/v1/things/12", &wrong_method).has_value());
  EXPECT_TRUE(wrong_method);
  EXPECT_EQ(router.Find("GET", "/api/v1/other", &wrong_method).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_FALSE(wrong_method);
}

}  // namespace
}  // namespace mops::http::internal
