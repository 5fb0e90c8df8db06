#include "http/http.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <thread>

namespace mops::http {
namespace {

TEST(RoleTest, Hierarchy) {
  EXPECT_TRUE(RoleAllows(Role::kAdmin, Role::kOps));
  EXPECT_TRUE(RoleAllows(Role::kOps, Role::kAnalyst));
  EXPECT_TRUE(RoleAllows(Role::kAnalyst, Role::kViewer));
  EXPECT_FALSE(RoleAllows(Role::kViewer, Role::kAnalyst));
  EXPECT_FALSE(RoleAllows(Role::kAnalyst, Role::kOps));
  EXPECT_TRUE(RoleAllows(Role::kApprover, Role::kViewer));
  EXPECT_TRUE(RoleAllows(Role::kApprover, Role::kApprover));
  EXPECT_FALSE(RoleAllows(Role::kApprover, Role::kAnalyst));
  EXPECT_FALSE(RoleAllows(Role::kOps, Role::kApprover));
  EXPECT_TRUE(RoleAllows(Role::kAdmin, Role::kApprover));
  EXPECT_FALSE(ParseRole("root").has_value());
  EXPECT_NE(ParseRole("root").error().message.find("unknown role 'root'"), std::string::npos);
}

TEST(CursorTest, RoundTripAndGarbage) {
  auto c = EncodeCursor(12345);
  ASSERT_TRUE(DecodeCursor(c).has_value());
  EXPECT_EQ(*DecodeCursor(c), 12345);
  EXPECT_FALSE(DecodeCursor("not a cursor!").has_value());
  EXPECT_FALSE(DecodeCursor(EncodeCursor(1).substr(0, 2)).has_value());
}

TEST(ErrorBodyTest, Shape) {
  core::Error e = core::MakeError(core::ErrorCode::kInvalidArgument, "bad").InField("email");
  Json body = ErrorBody(e);
  EXPECT_EQ(body["error"]["code"], "invalid_argument");
  EXPECT_EQ(body["error"]["message"], "bad");
  EXPECT_EQ(body["error"]["details"]["field"], "email");
  EXPECT_EQ(HttpStatus(core::ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kNotFound), 404);
}

class TempWorkspace {
 public:
  TempWorkspace() {
    path_ = std::filesystem::temp_directory_path() / ("mops_http_test_" + std::to_string(getpid()) +
                                                      "_" + std::to_string(counter_++) + ".db");
    std::filesystem::remove(path_);
  }
  ~TempWorkspace() {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_.string() + suffix);
    }
  }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(TokenTest, CreateAuthenticateRevoke) {
  TempWorkspace ws;
  auto db = store::Open(ws.path());
  ASSERT_TRUE(db.has_value());
  ASSERT_TRUE(store::Migrate(**db).has_value());
  auto secret = CreateToken(**db, "ci", Role::kAnalyst);
  ASSERT_TRUE(secret.has_value()) << secret.error().ToString();
  EXPECT_TRUE(secret->starts_with("mops_"));
  auto who = Authenticate(**db, *secret);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->name, "ci");
  EXPECT_EQ(who->role, Role::kAnalyst);
  // The secret itself is never stored.
  auto stored = (*db)->Query("SELECT secret_hash FROM api_tokens");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(store::AsText(stored->rows[0][0]).find(*secret), std::string::npos);
  EXPECT_EQ(Authenticate(**db, "mops_wrong").error().code, core::ErrorCode::kUnauthenticated);
  ASSERT_TRUE(RevokeTokenByName(**db, "ci").has_value());
  EXPECT_EQ(Authenticate(**db, *secret).error().message, "token revoked");
  EXPECT_EQ(RevokeTokenByName(**db, "ci").error().code, core::ErrorCode::kNotFound);
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(ServerTest, AuthRolesErrorsAndLimits) {
  TempWorkspace ws;
  std::string admin, viewer;
  {
    auto db = store::Open(ws.path());
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(store::Migrate(**db).has_value());
    admin = *CreateToken(**db, "admin", Role::kAdmin);
    viewer = *CreateToken(**db, "viewer", Role::kViewer);
  }
  Router router;
  router.Get("/api/v1/hello/{name}", Role::kViewer, {"hello", {}, "test"},
             [](RequestContext& ctx) -> core::Result<Json> {
               return Json{{"hello", ctx.path_params[0]}, {"who", ctx.principal.name}};
             });
  // Registered after the parameterized route, and still preferred to it.
  router.Get("/api/v1/hello/world", Role::kViewer, {"literal", {}, "test"},
             [](RequestContext&) -> core::Result<Json> {
               return Json{{"literal", true}};
             });
  router.Post("/api/v1/echo", Role::kOps, {"echo", {}, "test"},
              [](RequestContext& ctx) -> core::Result<Json> { return ctx.Body(); });
  router.Get("/api/v1/fail", Role::kViewer, {"fail", {}, "test"},
             [](RequestContext&) -> core::Result<Json> {
               return core::Fail(core::ErrorCode::kConflict, "it clashes");
             });

  ServerOptions options;
  options.port = FreePort();
  options.workspace = ws.path();
  options.threads = 2;
  options.max_body_bytes = 1024;
  options.access_log = false;
  std::promise<std::function<void()>> stopper;
  options.on_listening = [&](const std::string&, std::function<void()> stop) {
    stopper.set_value(std::move(stop));
  };
  std::promise<core::Status> result;
  std::thread server([&] { result.set_value(Serve(options, router)); });
  auto stop = stopper.get_future().get();

  httplib::Client client("127.0.0.1", options.port);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  auto anonymous = client.Get("/api/v1/hello/x");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(Json::parse(anonymous->body)["error"]["code"], "unauthenticated");

  httplib::Headers as_viewer = {{"Authorization", "Bearer " + viewer}};
  httplib::Headers as_admin = {{"Authorization", "Bearer " + admin}};
  auto hello = client.Get("/api/v1/hello/ada", as_viewer);
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->status, 200);
  EXPECT_EQ(Json::parse(hello->body)["hello"], "ada");

  auto literal = client.Get("/api/v1/hello/world", as_viewer);
  ASSERT_TRUE(literal);
  EXPECT_EQ(Json::parse(literal->body)["literal"], true);

  auto forbidden = client.Post("/api/v1/echo", as_viewer, "{}", "application/json");
  ASSERT_TRUE(forbidden);
  EXPECT_EQ(forbidden->status, 403);
  EXPECT_EQ(Json::parse(forbidden->body)["error"]["code"], "permission_denied");

  auto echo = client.Post("/api/v1/echo", as_admin, R"({"a":1})", "application/json");
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->status, 200);
  EXPECT_EQ(Json::parse(echo->body)["a"], 1);

  auto bad_json = client.Post("/api/v1/echo", as_admin, "{nope", "application/json");
  ASSERT_TRUE(bad_json);
  EXPECT_EQ(bad_json->status, 400);

  auto too_big = client.Post("/api/v1/echo", as_admin, std::string(4096, ' '), "application/json");
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413);

  auto conflict = client.Get("/api/v1/fail", as_viewer);
  ASSERT_TRUE(conflict);
  EXPECT_EQ(conflict->status, 409);
  EXPECT_EQ(Json::parse(conflict->body)["error"]["message"], "it clashes");

  auto missing = client.Get("/api/v1/nothing", as_viewer);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  auto wrong_method = client.Delete("/api/v1/echo", as_admin);
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 405);

  auto openapi = client.Get("/api/v1/openapi.json", as_viewer);
  ASSERT_TRUE(openapi);
  EXPECT_EQ(openapi->status, 200);
  Json doc = Json::parse(openapi->body);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_TRUE(doc["paths"].contains("/api/v1/hello/{name}"));
  EXPECT_EQ(doc["paths"]["/api/v1/echo"]["post"]["x-mops-role"], "ops");

  stop();
  server.join();
  EXPECT_TRUE(result.get_future().get().has_value());
}

}  // namespace
}  // namespace mops::http
