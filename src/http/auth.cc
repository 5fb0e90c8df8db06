#include <sodium.h>

#include <ctime>

#include "http/http.h"

namespace mops::http {
namespace {

using core::ErrorCode;
using store::Value;

constexpr std::string_view kTokenPrefix = "mops_";

std::string HashSecret(std::string_view secret) {
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex);
}

std::optional<int64_t> OptionalInt(const Value& v) {
  if (store::IsNull(v)) return std::nullopt;
  return store::AsInt(v);
}

}  // namespace

core::Result<Role> ParseRole(std::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "ops") return Role::kOps;
  if (name == "analyst") return Role::kAnalyst;
  if (name == "approver") return Role::kApprover;
  if (name == "viewer") return Role::kViewer;
  return core::Fail(ErrorCode::kInvalidArgument,
                    "unknown role '{}' (expected admin, ops, analyst, approver or viewer)", name);
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kOps:
      return "ops";
    case Role::kAnalyst:
      return "analyst";
    case Role::kApprover:
      return "approver";
    case Role::kViewer:
      return "viewer";
  }
  return "viewer";
}

bool RoleAllows(Role have, Role need) {
  if (have == need || have == Role::kAdmin || need == Role::kViewer) return true;
  // approver sits beside the analyst/ops line: it reads, and approves.
  if (have == Role::kApprover || need == Role::kApprover) return false;
  auto rank = [](Role r) {
    switch (r) {
      case Role::kViewer:
        return 0;
      case Role::kAnalyst:
        return 1;
      case Role::kOps:
        return 2;
      default:
        return 3;
    }
  };
  return rank(have) >= rank(need);
}

core::Result<std::string> CreateToken(store::Database& db, std::string_view name, Role role) {
  if (name.empty()) return core::Fail(ErrorCode::kInvalidArgument, "a token needs a name");
  if (sodium_init() < 0) return core::Fail(ErrorCode::kInternal, "libsodium failed to start");
  unsigned char random[32];
  randombytes_buf(random, sizeof random);
  char encoded[sodium_base64_ENCODED_LEN(sizeof random, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(encoded, sizeof encoded, random, sizeof random,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  std::string secret = std::string(kTokenPrefix) + encoded;
  MOPS_TRY(
      db.Execute("INSERT INTO api_tokens (name, role, secret_hash, created_at) VALUES (?, ?, ?, ?)",
                 std::vector<Value>{std::string(name), std::string(RoleName(role)),
                                    HashSecret(secret), int64_t{std::time(nullptr)}}));
  return secret;
}

core::Result<std::vector<TokenInfo>> ListTokens(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, name, role, created_at, last_used_at, revoked_at FROM api_tokens "
               "ORDER BY id"));
  std::vector<TokenInfo> out;
  for (const auto& r : rows.rows) {
    TokenInfo t;
    t.id = store::AsInt(r[0]);
    t.name = store::AsText(r[1]);
    t.role = ParseRole(store::AsText(r[2])).value_or(Role::kViewer);
    t.created_at = store::AsInt(r[3]);
    t.last_used_at = OptionalInt(r[4]);
    t.revoked_at = OptionalInt(r[5]);
    out.push_back(std::move(t));
  }
  return out;
}

core::Status RevokeToken(store::Database& db, std::string_view id_or_name) {
  const int64_t now = std::time(nullptr);
  MOPS_ASSIGN_OR_RETURN(
      int64_t changed,
      db.Execute("UPDATE api_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND "
                 "(CAST(id AS TEXT) = ? OR name = ?)",
                 std::vector<Value>{now, std::string(id_or_name), std::string(id_or_name)}));
  if (changed == 0) {
    return core::Fail(ErrorCode::kNotFound, "no active token with id or name '{}'", id_or_name);
  }
  return {};
}

core::Result<Principal> Authenticate(store::Database& db, std::string_view secret) {
  if (!secret.starts_with(kTokenPrefix)) {
    return core::Fail(ErrorCode::kUnauthenticated, "malformed token");
  }
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, name, role, revoked_at, last_used_at FROM api_tokens WHERE "
               "secret_hash = ?",
               std::vector<Value>{HashSecret(secret)}));
  if (rows.empty()) return core::Fail(ErrorCode::kUnauthenticated, "unknown token");
  const auto& r = rows.rows[0];
  if (!store::IsNull(r[3])) return core::Fail(ErrorCode::kUnauthenticated, "token revoked");
  Principal p;
  p.token_id = store::AsInt(r[0]);
  p.name = store::AsText(r[1]);
  MOPS_ASSIGN_OR_RETURN(p.role, ParseRole(store::AsText(r[2])));
  // Record use at minute granularity: enough for audits, and it keeps a
  // busy dashboard from writing on every request.
  const int64_t now = std::time(nullptr);
  if (store::AsInt(r[4], 0) + 60 < now) {
    (void)db.Execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
                     std::vector<Value>{now, p.token_id});
  }
  return p;
}

}  // namespace mops::http
