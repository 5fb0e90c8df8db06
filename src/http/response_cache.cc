#include "http/response_cache.h"

#include <sodium.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <ctime>

#include "core/strings.h"

namespace mops::http::internal {
namespace {

using core::ErrorCode;

// Bodies smaller than this are sent as they are: gzip would save little.
constexpr size_t kGzipMinBytes = 1024;

// Route patterns whose responses depend on more than the role and the data.
constexpr std::array<std::string_view, 2> kUncached = {"/api/v1/me", "/api/v1/session"};

std::string Gzip(std::string_view in) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END || out.size() >= in.size()) return {};
  return out;
}

// Length-prefixed, so that no value can forge another key's layout.
void AppendPart(std::string& key, std::string_view part) {
  key += std::to_string(part.size());
  key += ':';
  key += part;
}

}  // namespace

DataVersion::DataVersion(std::unique_ptr<store::Database> db) : db_(std::move(db)) {}

core::Result<std::unique_ptr<DataVersion>> DataVersion::Open(const std::string& url) {
  MOPS_ASSIGN_OR_RETURN(auto db, store::Open(url));
  auto version = std::unique_ptr<DataVersion>(new DataVersion(std::move(db)));
  MOPS_TRY(version->Current());
  return version;
}

core::Result<std::string> DataVersion::Current() {
  // The counter first: a write this process finishes after this line shows
  // in the database's version read below, or in the counter next time.
  const uint64_t writes = writes_.load(std::memory_order_acquire);
  std::lock_guard lock(mu_);
  const bool sqlite = db_->dialect() == store::Dialect::kSqlite;
  MOPS_ASSIGN_OR_RETURN(
      store::Value v,
      db_->QueryValue(sqlite ? "PRAGMA data_version" : "SELECT pg_current_snapshot()::text"));
  if (store::IsNull(v)) return core::Fail(ErrorCode::kInternal, "no data version");
  const int64_t utc_day = static_cast<int64_t>(std::time(nullptr)) / 86400;
  return std::to_string(utc_day) + "/" + std::to_string(writes) + "/" +
         (sqlite ? std::to_string(store::AsInt(v)) : store::AsText(v));
}

ResponseCache::ResponseCache(std::unique_ptr<DataVersion> version, size_t max_bytes,
                             std::chrono::milliseconds max_age)
    : version_(std::move(version)), max_bytes_(max_bytes), max_age_(max_age) {}

bool ResponseCache::Cacheable(const Request& req, const Router::Route& route) {
  if (req.method != "GET" || !route.pattern.starts_with("/api/v1/")) return false;
  if (std::find(kUncached.begin(), kUncached.end(), route.pattern) != kUncached.end()) {
    return false;
  }
  // Live feeds (server-sent events, polls of recent events) are never cached.
  for (std::string_view live : {"/events", "/stream", "/live"}) {
    if (route.pattern.find(live) != std::string::npos) return false;
  }
  return true;
}

std::string ResponseCache::Key(const Request& req, Role role) {
  std::string key;
  AppendPart(key, req.method);
  AppendPart(key, RoleName(role));
  AppendPart(key, req.path);
  // params is a multimap sorted by name; values of a repeated name keep the
  // order sent, which handlers may rely on.
  for (const auto& [name, value] : req.params) {
    AppendPart(key, name);
    AppendPart(key, value);
  }
  return key;
}

std::shared_ptr<const CachedBody> ResponseCache::Make(std::string body) {
  auto entry = std::make_shared<CachedBody>();
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(body.data()),
                     body.size(), nullptr, 0);
  static constexpr char kHex[] = "0123456789abcdef";
  entry->etag = "\"";
  for (unsigned char b : digest) {
    entry->etag += kHex[b >> 4];
    entry->etag += kHex[b & 15];
  }
  entry->etag += '"';
  if (body.size() >= kGzipMinBytes) entry->gzip = Gzip(body);
  entry->body = std::move(body);
  return entry;
}

bool ResponseCache::Matches(std::string_view header, std::string_view etag) {
  // If-None-Match uses the weak comparison: W/ is ignored.
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view tag = core::Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

void ResponseCache::ClearLocked() {
  lru_.clear();
  index_.clear();
  bytes_ = 0;
}

std::shared_ptr<const CachedBody> ResponseCache::Find(const std::string& key,
                                                      const std::string& version) {
  std::lock_guard lock(mu_);
  if (version != current_) {
    ClearLocked();
    current_ = version;
  }
  auto it = index_.find(key);
  if (it != index_.end() && std::chrono::steady_clock::now() - it->second->made > max_age_) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
    it = index_.end();
  }
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->entry;
}

void ResponseCache::Store(const std::string& key, const std::string& version,
                          std::shared_ptr<const CachedBody> entry) {
  const size_t bytes = key.size() + entry->body.size() + entry->gzip.size() + entry->etag.size();
  std::lock_guard lock(mu_);
  if (version != current_ || bytes > max_bytes_) return;
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  while (!lru_.empty() && bytes_ + bytes > max_bytes_) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
  lru_.push_front(Slot{key, std::move(entry), bytes, std::chrono::steady_clock::now()});
  index_.emplace(key, lru_.begin());
  bytes_ += bytes;
}

ResponseCache::Stats ResponseCache::stats() const {
  std::lock_guard lock(mu_);
  return Stats{hits_, misses_, index_.size(), bytes_};
}

std::shared_ptr<const CachedBody> ResponseCache::Flight::Wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return done_; });
  return entry_;
}

std::shared_ptr<ResponseCache::Flight> ResponseCache::Join(const std::string& key,
                                                           const std::string& version,
                                                           bool* leader) {
  std::string id = key;
  id.push_back('\0');
  id += version;
  std::lock_guard lock(mu_);
  std::shared_ptr<Flight>& slot = flights_[id];
  *leader = slot == nullptr;
  if (*leader) slot = std::make_shared<Flight>();
  return slot;
}

void ResponseCache::Land(const std::string& key, const std::string& version,
                         const std::shared_ptr<Flight>& flight,
                         std::shared_ptr<const CachedBody> entry) {
  std::string id = key;
  id.push_back('\0');
  id += version;
  {
    std::lock_guard lock(mu_);
    auto it = flights_.find(id);
    if (it != flights_.end() && it->second == flight) flights_.erase(it);
  }
  {
    std::lock_guard lock(flight->mu_);
    flight->done_ = true;
    flight->entry_ = std::move(entry);
  }
  flight->cv_.notify_all();
}

}  // namespace mops::http::internal
