// Internal to src/http: dashboard sessions. The dashboard trades its token
// once (POST /api/v1/session) for a random session id in an HttpOnly,
// SameSite=Strict cookie, so that no long-lived secret is readable by page
// script.
//
// Sessions live in the server's memory, hashed: they are bound to one
// running `mops serve`, expire after 12 idle hours (sliding), and a restart
// signs the dashboard out, which costs one sign-in and keeps session secrets
// off disk and the workspace schema unchanged. Every use re-checks the token
// the session came from, so revoking the token ends its sessions.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/http.h"

namespace mops::http::internal {

inline constexpr std::string_view kSessionCookie = "mops_session";
inline constexpr int64_t kSessionSeconds = 12 * 60 * 60;
inline constexpr size_t kMaxSessions = 10000;

class SessionStore {
 public:
  // A new session for the token; returns its id (the cookie value).
  std::string Create(int64_t token_id);
  // The caller behind a live session id; slides its expiry. kUnauthenticated
  // for unknown or expired sessions and revoked tokens.
  core::Result<Principal> Resume(store::Database& db, std::string_view id);
  void End(std::string_view id);

 private:
  struct Entry {
    int64_t token_id = 0;
    int64_t expires_at = 0;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> by_hash_;
};

SessionStore& sessions();

std::string SessionCookie(std::string_view id, bool secure);
std::string ClearSessionCookie();

}  // namespace mops::http::internal
