// Internal to src/http: a cache of GET responses for the dashboard's read
// routes that never serves data older than the last committed write.
//
// Every cached body is tagged with the workspace's data version, read before
// the handler runs. A lookup first reads the current version; an entry is
// served only when its version is the current one, so a write committed by
// anyone (this process's routes, background jobs, another process such as a
// CLI import into the same workspace) makes every entry unreachable.
//
// The data version:
// - SQLite: `PRAGMA data_version` on a connection of its own that never
//   writes. SQLite changes the value a connection sees whenever another
//   connection (of this process or another one) commits to the file, and our
//   own pool connections are other connections to it.
// - PostgreSQL: `pg_current_snapshot()`. Two equal snapshots see the same
//   set of committed transactions, and a commit always changes it (its xid
//   moves below xmax and out of the in-progress list). It is cluster-wide, so
//   writes to other databases also invalidate: conservative, never stale.
// - Both: a counter this process bumps after every non-GET request, so a
//   write is invalidated even before the database is asked.
// A version that cannot be read disables the cache for that request.
//
// Some answers also depend on the clock (a default `as_of` of today, "last
// 30 days"): the version includes the UTC day, and an entry is served for at
// most `max_age` after it was made.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/http.h"

namespace mops::http::internal {

class DataVersion {
 public:
  // Opens a connection of its own to the workspace at `url`.
  static core::Result<std::unique_ptr<DataVersion>> Open(const std::string& url);

  // The current version: equal strings mean no commit happened in between.
  core::Result<std::string> Current();
  // Called after this process ran a request that may have written.
  void NoteWrite() { writes_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  explicit DataVersion(std::unique_ptr<store::Database> db);
  std::mutex mu_;
  std::unique_ptr<store::Database> db_;
  std::atomic<uint64_t> writes_{0};
};

struct CachedBody {
  std::string body;  // the JSON body as sent
  std::string etag;  // strong ETag of `body`, quoted
  std::string gzip;  // gzip of `body` (empty when the body is small)
};

class ResponseCache {
 public:
  // `max_bytes` bounds the bytes held (keys and bodies, both encodings).
  ResponseCache(std::unique_ptr<DataVersion> version, size_t max_bytes,
                std::chrono::milliseconds max_age = std::chrono::seconds(10));

  // False for routes whose responses must not be shared: per-caller ones
  // (/api/v1/me, the session), live feeds, and anything outside /api/v1.
  static bool Cacheable(const Request& req, const Router::Route& route);
  // Method, path, the query in canonical order and the caller's role.
  static std::string Key(const Request& req, Role role);
  // Builds the cached form of a body (ETag, gzip when large).
  static std::shared_ptr<const CachedBody> Make(std::string body);
  // True when an If-None-Match header value matches `etag`.
  static bool Matches(std::string_view if_none_match, std::string_view etag);

  DataVersion& version() { return *version_; }
  // The entry for `key` made at data version `version`, or null. Once a
  // lookup sees a new version every older entry is dropped.
  std::shared_ptr<const CachedBody> Find(const std::string& key, const std::string& version);
  // Keeps `entry` unless the version moved on since it was read, or the entry
  // alone exceeds the bound; evicts the least recently used entries to fit.
  void Store(const std::string& key, const std::string& version,
             std::shared_ptr<const CachedBody> entry);

  // Single flight: when many clients miss the same key at once (a new data
  // version, an expired entry), the first computes it and the others wait
  // for its body instead of running the same expensive handler together.
  class Flight {
   public:
    // The leader's body, or null when it failed or took longer than
    // `timeout` (the waiter then computes the answer itself).
    std::shared_ptr<const CachedBody> Wait(std::chrono::milliseconds timeout);

   private:
    friend class ResponseCache;
    std::mutex mu_;
    std::condition_variable cv_;
    bool done_ = false;
    std::shared_ptr<const CachedBody> entry_;
  };
  // The flight for `key` at `version`; `*leader` is true for the caller that
  // must compute it and then call Land (on every path, errors included).
  std::shared_ptr<Flight> Join(const std::string& key, const std::string& version, bool* leader);
  // Ends a flight the caller leads, handing `entry` (null on error) to the
  // waiters.
  void Land(const std::string& key, const std::string& version,
            const std::shared_ptr<Flight>& flight, std::shared_ptr<const CachedBody> entry);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    size_t entries = 0;
    size_t bytes = 0;
  };
  Stats stats() const;

 private:
  struct Slot {
    std::string key;
    std::shared_ptr<const CachedBody> entry;
    size_t bytes = 0;
    std::chrono::steady_clock::time_point made;
  };
  void ClearLocked();

  std::unique_ptr<DataVersion> version_;
  const size_t max_bytes_;
  const std::chrono::milliseconds max_age_;
  mutable std::mutex mu_;
  std::string current_;  // the version the entries belong to
  std::list<Slot> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<Slot>::iterator> index_;
  size_t bytes_ = 0;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;  // key, NUL, version
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace mops::http::internal
