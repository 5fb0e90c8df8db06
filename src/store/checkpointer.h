// WAL checkpoints of SQLite workspaces on a thread of their own.
//
// In WAL mode a connection that commits past `wal_autocheckpoint` pages
// copies the log into the database file itself, with its fsyncs, before its
// commit returns: a server request or a workspace rescore that rewrites a
// million rows then waits for I/O it does not need. Connections that hand
// their checkpoints over to this thread commit without it; the thread runs
// PASSIVE checkpoints (they copy what no reader still needs, block neither
// readers nor writers, and a busy one is no failure: the next copies what it
// would have).
//
// One thread for the process, started on first use, joined at exit; it keeps
// a connection to each of the last few workspaces it checkpointed. Thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "store/database.h"

namespace mops::store {

// Asks for a passive checkpoint of `db`'s workspace file and returns at once.
// Requests for the same file within `kMinCheckpointGapMs` of the last
// checkpoint wait for that gap (they coalesce). Does nothing on PostgreSQL and
// for in-memory or URI-named SQLite databases (they cannot be opened twice).
void RequestCheckpoint(const Database& db);

// Whether RequestCheckpoint(db) would checkpoint (a SQLite workspace file).
bool CanCheckpointElsewhere(const Database& db);

// Lets go of the workspace file `path`: waits for its checkpoint under way,
// drops a pending one and closes the thread's connection to it. A SQLite
// connection calls it when it closes, so that once the last one is closed
// no file of the workspace is open or about to be made again (a test's
// temporary folder can be removed; a workspace deleted and made again is a
// new file). Does nothing on the checkpointer's own thread.
void ForgetCheckpoints(const std::string& path);

inline constexpr int64_t kMinCheckpointGapMs = 100;

// Within its scope, `db` commits without checkpointing by itself (SQLite:
// `wal_autocheckpoint` 0); at the end its previous setting comes back and a
// checkpoint is requested. For one long write (a workspace rescore); does
// nothing where RequestCheckpoint would not.
class CheckpointElsewhere {
 public:
  explicit CheckpointElsewhere(Database& db);
  ~CheckpointElsewhere();
  CheckpointElsewhere(const CheckpointElsewhere&) = delete;
  CheckpointElsewhere& operator=(const CheckpointElsewhere&) = delete;

 private:
  Database* db_ = nullptr;  // null: nothing to restore
  int64_t previous_ = 0;
};

}  // namespace mops::store
