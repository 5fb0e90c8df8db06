// SQLite backend: the embedded default. WAL journal, NORMAL sync (durable at
// each commit's checkpointed WAL write), foreign keys off (references are
// resolved by the importer), a busy timeout so concurrent processes wait
// rather than fail.
//
// Files: a workspace file that does not exist is created with mode 0600 (its
// -wal and -shm files take the same mode), and missing folders above it with
// mode 0700, so only the owner can read the workspace. Existing files and
// folders keep their modes.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace mops::store {

// Opens (creating if needed, see above) the SQLite workspace at `path`.
Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path);

// The file part of OpenSqlite: creates the missing folders (0700) and the
// empty workspace file (0600). Errors name the path and the reason.
Status PrepareSqliteFile(const std::string& path);

}  // namespace mops::store
