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

core::Result<std::string> CreateToken(store::Database& db, std::string_view name, Role role,
                                      std::optional<int64_t> expires_at) {
  if (name.empty()) return core::Fail(ErrorCode::kInvalidArgument, "a token needs a name");
  if (sodium_init() < 0) return core::Fail(ErrorCode::kInternal, "libsodium failed to start");
  unsigned char random[32];
  randombytes_buf(random, sizeof random);
  char encoded[sodium_base64_ENCODED_LEN(sizeof random, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(encoded, sizeof encoded, random, sizeof random,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  std::string secret = std::string(kTokenPrefix) + encoded;
  MOPS_TRY(
      db.Execute("INSERT INTO api_tokens (name, role, secret_hash, created_at, expires_at) "
                 "VALUES (?, ?, ?, ?, ?)",
                 std::vector<Value>{std::string(name), std::string(RoleName(role)),
                                    HashSecret(secret), int64_t{std::time(nullptr)},
                                    expires_at ? Value(*expires_at) : Value(std::monostate{})}));
  return secret;
}

core::Result<std::vector<TokenInfo>> ListTokens(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, name, role, created_at, last_used_at, revoked_at, expires_at "
               "FROM api_tokens ORDER BY id"));
  std::vector<TokenInfo> out;
  for (const auto& r : rows.rows) {
    TokenInfo t;
    t.id = store::AsInt(r[0]);
    t.name = store::AsText(r[1]);
    t.role = ParseRole(store::AsText(r[2])).value_or(Role::kViewer);
    t.created_at = store::AsInt(r[3]);
    t.last_used_at = OptionalInt(r[4]);
    t.revoked_at = OptionalInt(r[5]);
    t.expires_at = OptionalInt(r[6]);
    out.push_back(std::move(t));
  }
  return out;
}

core::Status RevokeToken(store::Database& db, int64_t id) {
  const int64_t now = std::time(nullptr);
  MOPS_ASSIGN_OR_RETURN(
      int64_t changed,
      db.Execute("UPDATE api_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND id = ?",
                 std::vector<Value>{now, id}));
  if (changed == 0) return core::Fail(ErrorCode::kNotFound, "no active token with id {}", id);
  return {};
}

core::Result<int64_t> RevokeTokenByName(store::Database& db, std::string_view name) {
  MOPS_TRY(db.Begin());
  auto revoke = [&]() -> core::Result<int64_t> {
    MOPS_ASSIGN_OR_RETURN(
        store::Rows rows,
        db.Query("SELECT id FROM api_tokens WHERE revoked_at IS NULL AND name = ? ORDER BY id",
                 std::vector<Value>{std::string(name)}));
    if (rows.empty()) return core::Fail(ErrorCode::kNotFound, "no active token named '{}'", name);
    if (rows.size() > 1) {
      std::string ids;
      for (const auto& r : rows.rows) {
        ids += (ids.empty() ? "" : ", ") + std::to_string(store::AsInt(r[0]));
      }
      return core::Fail(ErrorCode::kConflict,
                        "{} active tokens are named '{}' (ids {}): revoke one by id", rows.size(),
                        name, ids);
    }
    const int64_t id = store::AsInt(rows.rows[0][0]);
    MOPS_TRY(RevokeToken(db, id));
    return id;
  };
  core::Result<int64_t> id = revoke();
  if (!id) {
    (void)db.Rollback();
    return id;
  }
  MOPS_TRY(db.Commit());
  return id;
}

core::Result<int64_t> ParseTokenLifetime(std::string_view text) {
  auto invalid = [&] {
    return core::Fail(ErrorCode::kInvalidArgument,
                      "--expires: '{}' is not a lifetime (expected whole days or hours, such as "
                      "90d or 12h)",
                      text);
  };
  if (text.size() < 2 || text.size() > 8) return invalid();
  const char unit = text.back();
  int64_t count = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return invalid();
    count = count * 10 + (c - '0');
  }
  int64_t seconds = 0;
  if (unit == 'd') {
    seconds = count * 86'400;
  } else if (unit == 'h') {
    seconds = count * 3'600;
  } else {
    return invalid();
  }
  constexpr int64_t kMaxLifetime = int64_t{3'653} * 86'400;  // ten years
  if (seconds < 3'600 || seconds > kMaxLifetime) {
    return core::Fail(ErrorCode::kInvalidArgument, "--expires: '{}' is out of range (1h to 3653d)",
                      text);
  }
  return seconds;
}

core::Result<Principal> Authenticate(store::Database& db, std::string_view secret) {
  if (!secret.starts_with(kTokenPrefix)) {
    return core::Fail(ErrorCode::kUnauthenticated, "malformed token");
  }
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, name, role, revoked_at, last_used_at, expires_at FROM api_tokens "
               "WHERE secret_hash = ?",
               std::vector<Value>{HashSecret(secret)}));
  if (rows.empty()) return core::Fail(ErrorCode::kUnauthenticated, "unknown token");
  const auto& r = rows.rows[0];
  if (!store::IsNull(r[3])) return core::Fail(ErrorCode::kUnauthenticated, "token revoked");
  const int64_t now = std::time(nullptr);
  if (!store::IsNull(r[5]) && store::AsInt(r[5]) <= now) {
    return core::Fail(ErrorCode::kUnauthenticated, "token expired");
  }
  Principal p;
  p.token_id = store::AsInt(r[0]);
  p.name = store::AsText(r[1]);
  MOPS_ASSIGN_OR_RETURN(p.role, ParseRole(store::AsText(r[2])));
  // Record use at minute granularity: enough for audits, and it keeps a
  // busy dashboard from writing on every request.
  if (store::AsInt(r[4], 0) + 60 < now) {
    (void)db.Execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
                     std::vector<Value>{now, p.token_id});
  }
  return p;
}

}  // namespace mops::http
