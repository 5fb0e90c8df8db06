// SQLite backend: the embedded default. WAL journal, NORMAL sync (durable at
// each commit's checkpointed WAL write), foreign keys off (references are
// resolved by the importer), a busy timeout so concurrent processes wait
// rather than fail.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace mops::store {

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path);

}  // namespace mops::store
