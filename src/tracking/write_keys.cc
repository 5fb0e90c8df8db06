// Write keys and the tracking config: small services over the workspace.
#include <fmt/format.h>
#include <sodium.h>

#include <chrono>
#include <mutex>
#include <unordered_map>

#include "tracking/tracking.h"

namespace mops::tracking {
namespace {

using core::ErrorCode;
using store::Value;

std::string HashKey(std::string_view secret) {
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex);
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Keys authenticated lately, by workspace and key hash: the ingress routes
// check a request's key before its body and after, and a busy site sends
// hundreds of requests a second with one key.
class KeyCache {
 public:
  std::optional<WriteKey> Find(const std::string& entry, std::chrono::milliseconds max_age) {
    std::lock_guard lock(mu_);
    auto it = keys_.find(entry);
    if (it == keys_.end()) return std::nullopt;
    if (std::chrono::steady_clock::now() - it->second.checked > max_age) {
      keys_.erase(it);
      return std::nullopt;
    }
    return it->second.key;
  }
  void Put(std::string entry, WriteKey key) {
    std::lock_guard lock(mu_);
    if (keys_.size() >= kMaxEntries) keys_.clear();
    keys_[std::move(entry)] = Checked{std::move(key), std::chrono::steady_clock::now()};
  }
  void Clear() {
    std::lock_guard lock(mu_);
    keys_.clear();
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  struct Checked {
    WriteKey key;
    std::chrono::steady_clock::time_point checked;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Checked> keys_;
};

KeyCache& RecentKeys() {
  static KeyCache cache;
  return cache;
}

std::vector<std::string> SplitOrigins(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

// "scheme://host[:port]" with nothing after it, or "*".
bool IsOrigin(std::string_view o) {
  if (o == "*") return true;
  size_t rest = 0;
  if (o.starts_with("https://")) {
    rest = 8;
  } else if (o.starts_with("http://")) {
    rest = 7;
  } else {
    return false;
  }
  if (o.size() == rest) return false;
  for (size_t i = rest; i < o.size(); ++i) {
    const char c = o[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
          c == '[' || c == ']')) {
      return false;
    }
  }
  return true;
}

WriteKey FromRow(const std::vector<Value>& r) {
  WriteKey k;
  k.id = store::AsInt(r[0]);
  k.name = store::AsText(r[1]);
  k.prefix = store::AsText(r[2]);
  k.origins = SplitOrigins(store::AsText(r[3]));
  k.rate_limit = store::AsInt(r[4]);
  k.created_at = store::AsInt(r[5]);
  if (!store::IsNull(r[6])) k.last_used_at = store::AsInt(r[6]);
  if (!store::IsNull(r[7])) k.revoked_at = store::AsInt(r[7]);
  return k;
}

constexpr std::string_view kKeyColumns =
    "id, name, key_prefix, origins, rate_limit, created_at, last_used_at, revoked_at";

}  // namespace

core::Result<NewWriteKey> CreateWriteKey(store::Database& db, std::string_view name,
                                         const std::vector<std::string>& origins,
                                         int64_t rate_limit) {
  if (name.empty() || name.size() > 200) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      "a write key needs a name of 1 to 200 characters")
                          .InField("name"));
  }
  for (const std::string& o : origins) {
    if (!IsOrigin(o)) {
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                        fmt::format("origin '{}' is not 'https://host[:port]', "
                                                    "'http://host[:port]' or '*'",
                                                    o.substr(0, 100)))
                            .InField("origins"));
    }
  }
  if (rate_limit < 0 || rate_limit > 1'000'000) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      "rate limit must be 0 (none) to 1000000 requests per second")
                          .InField("rate_limit"));
  }
  if (sodium_init() < 0) return core::Fail(ErrorCode::kInternal, "libsodium failed to start");
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char b64[sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  NewWriteKey out;
  out.secret = "wk_" + std::string(b64);
  std::string joined;
  for (const std::string& o : origins) joined += (joined.empty() ? "" : ",") + o;
  const int64_t now = NowSeconds();
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("INSERT INTO write_keys (name, key_hash, key_prefix, origins, rate_limit, "
               "created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
               std::vector<Value>{std::string(name), HashKey(out.secret), out.secret.substr(0, 8),
                                  joined, rate_limit, now}));
  out.key.id = store::AsInt(rows.rows.at(0).at(0));
  out.key.name = std::string(name);
  out.key.prefix = out.secret.substr(0, 8);
  out.key.origins = origins;
  out.key.rate_limit = rate_limit;
  out.key.created_at = now;
  return out;
}

core::Result<std::vector<WriteKey>> ListWriteKeys(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query(fmt::format("SELECT {} FROM write_keys ORDER BY id", kKeyColumns)));
  std::vector<WriteKey> out;
  for (const auto& r : rows.rows) out.push_back(FromRow(r));
  return out;
}

core::Status RevokeWriteKey(store::Database& db, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(
      int64_t n,
      db.Execute("UPDATE write_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                 std::vector<Value>{NowSeconds(), id}));
  if (n == 0) return core::Fail(ErrorCode::kNotFound, "no active write key with id {}", id);
  RecentKeys().Clear();
  return {};
}

core::Result<WriteKey> AuthenticateWriteKey(store::Database& db, std::string_view secret) {
  if (!secret.starts_with("wk_") || secret.size() > 100) {
    return core::Fail(ErrorCode::kUnauthenticated, "unknown write key");
  }
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query(fmt::format("SELECT {} FROM write_keys WHERE key_hash = ?", kKeyColumns),
               std::vector<Value>{HashKey(secret)}));
  if (rows.empty()) return core::Fail(ErrorCode::kUnauthenticated, "unknown write key");
  WriteKey key = FromRow(rows.rows[0]);
  if (key.revoked_at) return core::Fail(ErrorCode::kUnauthenticated, "write key revoked");
  // Last use at minute granularity: one write a minute per key at most.
  const int64_t now = NowSeconds();
  if (!key.last_used_at || *key.last_used_at / 60 != now / 60) {
    MOPS_TRY(db.Execute("UPDATE write_keys SET last_used_at = ? WHERE id = ?",
                        std::vector<Value>{now, key.id}));
    key.last_used_at = now;
  }
  return key;
}

core::Result<WriteKey> AuthenticateWriteKeyCached(store::Database& db, std::string_view secret,
                                                  std::chrono::milliseconds max_age) {
  if (!secret.starts_with("wk_") || secret.size() > 100) {
    return core::Fail(ErrorCode::kUnauthenticated, "unknown write key");
  }
  std::string entry = db.display_name() + '\n' + HashKey(secret);
  if (auto key = RecentKeys().Find(entry, max_age)) return *key;
  MOPS_ASSIGN_OR_RETURN(WriteKey key, AuthenticateWriteKey(db, secret));
  RecentKeys().Put(std::move(entry), key);
  return key;
}

Json ToJson(const WriteKey& key) {
  Json j = {{"id", key.id},
            {"name", key.name},
            {"prefix", key.prefix},
            {"origins", key.origins},
            {"rate_limit", key.rate_limit},
            {"created_at", key.created_at},
            {"last_used_at", key.last_used_at ? Json(*key.last_used_at) : Json()},
            {"revoked_at", key.revoked_at ? Json(*key.revoked_at) : Json()},
            {"active", !key.revoked_at.has_value()}};
  return j;
}

core::Result<TrackingConfig> LoadTrackingConfig(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(Value v, db.QueryValue("SELECT body FROM configs WHERE name = 'tracking'"));
  if (store::IsNull(v)) return DefaultTrackingConfig();
  return ParseTrackingConfig(store::AsText(v), "tracking config");
}

core::Status SaveTrackingConfig(store::Database& db, std::string_view yaml, std::string_view source,
                                std::string_view actor) {
  MOPS_TRY(ParseTrackingConfig(yaml, source));
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  const int64_t now = NowSeconds();
  MOPS_ASSIGN_OR_RETURN(Value before,
                        db.QueryValue("SELECT body FROM configs WHERE name = 'tracking'"));
  MOPS_TRY(db.Execute(
      "INSERT INTO configs (name, body, updated_at, updated_by) VALUES ('tracking', ?, ?, ?) "
      "ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, "
      "updated_by = excluded.updated_by",
      std::vector<Value>{std::string(yaml), now, std::string(actor)}));
  MOPS_TRY(db.Execute(
      "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, "
      "'tracking.config', 'configs', 'tracking', ?, ?)",
      std::vector<Value>{now, std::string(actor), store::IsNull(before) ? Value() : before,
                         std::string(yaml)}));
  return tx.Commit();
}

}  // namespace mops::tracking
