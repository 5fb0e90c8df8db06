// Token lifecycle: revoke by id or by an unambiguous name, lifetimes, expiry
// (in the store and over HTTP).
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>

#include "http/http.h"
#include "http/session.h"
#include "tests/support/test_server.h"

namespace mops::http {
namespace {

class TokenLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("mops_token_test_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    Remove();
    auto db = store::Open(path_.string());
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_).has_value());
  }
  void TearDown() override {
    db_.reset();
    Remove();
  }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_.string() + suffix);
  }
  std::optional<int64_t> RevokedAt(int64_t id) {
    auto tokens = ListTokens(*db_);
    EXPECT_TRUE(tokens.has_value());
    for (const auto& t : *tokens) {
      if (t.id == id) return t.revoked_at;
    }
    ADD_FAILURE() << "no token " << id;
    return std::nullopt;
  }

  std::filesystem::path path_;
  std::unique_ptr<store::Database> db_;
};

// `token revoke 1` used to revoke token 1 and every token named "1".
TEST_F(TokenLifecycleTest, RevokeByIdTouchesOnlyThatId) {
  ASSERT_TRUE(CreateToken(*db_, "ci", Role::kViewer).has_value());  // id 1
  auto named_one = CreateToken(*db_, "1", Role::kAdmin);            // id 2, named "1"
  ASSERT_TRUE(named_one.has_value());
  ASSERT_TRUE(RevokeToken(*db_, 1).has_value());
  EXPECT_TRUE(RevokedAt(1).has_value());
  EXPECT_FALSE(RevokedAt(2).has_value()) << "the token named \"1\" must survive";
  EXPECT_TRUE(Authenticate(*db_, *named_one).has_value());
  EXPECT_EQ(RevokeToken(*db_, 1).error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(RevokeToken(*db_, 99).error().code, core::ErrorCode::kNotFound);
}

TEST_F(TokenLifecycleTest, RevokeByNameOnlyWhenExactlyOneMatches) {
  ASSERT_TRUE(CreateToken(*db_, "ci", Role::kViewer).has_value());
  ASSERT_TRUE(CreateToken(*db_, "ci", Role::kViewer).has_value());
  ASSERT_TRUE(CreateToken(*db_, "etl", Role::kOps).has_value());
  auto twice = RevokeTokenByName(*db_, "ci");
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().code, core::ErrorCode::kConflict);
  EXPECT_NE(twice.error().message.find("ids 1, 2"), std::string::npos) << twice.error().message;
  EXPECT_FALSE(RevokedAt(1).has_value());
  EXPECT_FALSE(RevokedAt(2).has_value());

  auto etl = RevokeTokenByName(*db_, "etl");
  ASSERT_TRUE(etl.has_value()) << etl.error().ToString();
  EXPECT_EQ(*etl, 3);
  EXPECT_TRUE(RevokedAt(3).has_value());
  EXPECT_EQ(RevokeTokenByName(*db_, "etl").error().code, core::ErrorCode::kNotFound);

  // Once one of the two is revoked by id, the name is unambiguous.
  ASSERT_TRUE(RevokeToken(*db_, 1).has_value());
  auto ci = RevokeTokenByName(*db_, "ci");
  ASSERT_TRUE(ci.has_value()) << ci.error().ToString();
  EXPECT_EQ(*ci, 2);
}

TEST_F(TokenLifecycleTest, Lifetimes) {
  EXPECT_EQ(*ParseTokenLifetime("90d"), 90 * 86'400);
  EXPECT_EQ(*ParseTokenLifetime("12h"), 12 * 3'600);
  EXPECT_EQ(*ParseTokenLifetime("1h"), 3'600);
  for (const char* bad : {"", "d", "90", "90m", "-1d", "1.5d", "0h", "0d", "9999d", " 90d", "90d ",
                          "1e3d", "99999999999999999d"}) {
    auto r = ParseTokenLifetime(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument) << bad;
    EXPECT_NE(r.error().message.find("--expires"), std::string::npos) << r.error().message;
  }
}

TEST_F(TokenLifecycleTest, ExpiredTokensAuthenticateNoMore) {
  const int64_t now = std::time(nullptr);
  auto forever = CreateToken(*db_, "forever", Role::kViewer);
  auto later = CreateToken(*db_, "later", Role::kViewer, now + 86'400);
  auto past = CreateToken(*db_, "past", Role::kViewer, now - 1);
  ASSERT_TRUE(forever && later && past);
  EXPECT_TRUE(Authenticate(*db_, *forever).has_value());
  EXPECT_TRUE(Authenticate(*db_, *later).has_value());
  auto expired = Authenticate(*db_, *past);
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code, core::ErrorCode::kUnauthenticated);
  EXPECT_EQ(expired.error().message, "token expired");

  auto tokens = ListTokens(*db_);
  ASSERT_TRUE(tokens.has_value());
  ASSERT_EQ(tokens->size(), 3u);
  EXPECT_FALSE((*tokens)[0].expires_at.has_value());
  EXPECT_EQ((*tokens)[1].expires_at, now + 86'400);
  // Use is recorded: list shows when a token was last used.
  EXPECT_TRUE((*tokens)[0].last_used_at.has_value());
  EXPECT_FALSE((*tokens)[2].last_used_at.has_value());
}

// A dashboard session lives no longer than the token it was exchanged for.
TEST_F(TokenLifecycleTest, SessionEndsWhenItsTokenExpires) {
  const int64_t now = std::time(nullptr);
  auto secret = CreateToken(*db_, "short", Role::kAnalyst, now + 3'600);
  ASSERT_TRUE(secret.has_value());
  auto principal = Authenticate(*db_, *secret);
  ASSERT_TRUE(principal.has_value());
  internal::SessionStore store;
  const std::string id = store.Create(principal->token_id);
  ASSERT_TRUE(store.Resume(*db_, id).has_value());
  ASSERT_TRUE(db_->Execute("UPDATE api_tokens SET expires_at = ? WHERE id = ?",
                           std::vector<store::Value>{now - 1, principal->token_id})
                  .has_value());
  auto resumed = store.Resume(*db_, id);
  ASSERT_FALSE(resumed.has_value());
  EXPECT_EQ(resumed.error().code, core::ErrorCode::kUnauthenticated);
  // The session is gone for good, even if the token were extended again.
  ASSERT_TRUE(db_->Execute("UPDATE api_tokens SET expires_at = NULL").has_value());
  EXPECT_FALSE(store.Resume(*db_, id).has_value());
}

TEST_F(TokenLifecycleTest, ExpiredTokenGets401OverHttp) {
  const int64_t now = std::time(nullptr);
  auto live = CreateToken(*db_, "live", Role::kViewer, now + 3'600);
  auto past = CreateToken(*db_, "past", Role::kViewer, now - 10);
  ASSERT_TRUE(live && past);
  test_support::TestServer server(path_.string(), [](Router& router) {
    router.Get("/api/v1/ping", Role::kViewer, {"ping", {}, "test"},
               [](RequestContext&) -> core::Result<Json> {
                 return Json{{"ok", true}};
               });
  });
  httplib::Client client("127.0.0.1", server.port());
  auto ok = client.Get("/api/v1/ping", {{"Authorization", "Bearer " + *live}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto refused = client.Get("/api/v1/ping", {{"Authorization", "Bearer " + *past}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(Json::parse(refused->body)["error"]["code"], "unauthenticated");
}

}  // namespace
}  // namespace mops::http
