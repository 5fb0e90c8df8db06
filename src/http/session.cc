#include "http/session.h"

#include <fmt/format.h>
#include <sodium.h>

#include <ctime>

namespace mops::http::internal {
namespace {

std::string Hash(std::string_view id) {
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(id.data()),
                     id.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

}  // namespace

SessionStore& sessions() {
  static SessionStore store;
  return store;
}

std::string SessionStore::Create(int64_t token_id) {
  if (sodium_init() < 0) return {};
  unsigned char random[32];
  randombytes_buf(random, sizeof random);
  char encoded[sodium_base64_ENCODED_LEN(sizeof random, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(encoded, sizeof encoded, random, sizeof random,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  std::string id(encoded);
  const int64_t now = std::time(nullptr);
  std::lock_guard lock(mu_);
  if (by_hash_.size() >= kMaxSessions) {
    std::erase_if(by_hash_, [now](const auto& kv) { return kv.second.expires_at <= now; });
    // Still full: drop the session closest to expiry.
    if (by_hash_.size() >= kMaxSessions) {
      auto oldest = by_hash_.begin();
      for (auto it = by_hash_.begin(); it != by_hash_.end(); ++it) {
        if (it->second.expires_at < oldest->second.expires_at) oldest = it;
      }
      by_hash_.erase(oldest);
    }
  }
  by_hash_[Hash(id)] = Entry{token_id, now + kSessionSeconds};
  return id;
}

core::Result<Principal> SessionStore::Resume(store::Database& db, std::string_view id) {
  const int64_t now = std::time(nullptr);
  int64_t token_id = 0;
  {
    std::lock_guard lock(mu_);
    auto it = by_hash_.find(Hash(id));
    if (it == by_hash_.end() || it->second.expires_at <= now) {
      if (it != by_hash_.end()) by_hash_.erase(it);
      return core::Fail(core::ErrorCode::kUnauthenticated, "session expired; sign in again");
    }
    it->second.expires_at = now + kSessionSeconds;
    token_id = it->second.token_id;
  }
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT name, role, revoked_at, expires_at FROM api_tokens WHERE id = ?",
               std::vector<store::Value>{token_id}));
  if (rows.empty() || !store::IsNull(rows.rows[0][2])) {
    End(id);
    return core::Fail(core::ErrorCode::kUnauthenticated, "token revoked; sign in again");
  }
  // A session lives no longer than the token it was exchanged for.
  if (!store::IsNull(rows.rows[0][3]) && store::AsInt(rows.rows[0][3]) <= now) {
    End(id);
    return core::Fail(core::ErrorCode::kUnauthenticated, "token expired; sign in again");
  }
  Principal p;
  p.token_id = token_id;
  p.name = store::AsText(rows.rows[0][0]);
  MOPS_ASSIGN_OR_RETURN(p.role, ParseRole(store::AsText(rows.rows[0][1])));
  return p;
}

void SessionStore::End(std::string_view id) {
  std::lock_guard lock(mu_);
  by_hash_.erase(Hash(id));
}

std::string SessionCookie(std::string_view id, bool secure) {
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", kSessionCookie, id,
                     kSessionSeconds, secure ? "; Secure" : "");
}

std::string ClearSessionCookie() {
  return fmt::format("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict", kSessionCookie);
}

}  // namespace mops::http::internal
