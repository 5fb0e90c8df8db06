// Bulk writes into a table large relative to what it holds: its secondary
// indexes are dropped first and created again afterwards, so that each is
// built by one sort instead of one B-tree insertion per row (moving a
// million index entries one by one costs several times what building the
// index does).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "store/database.h"

namespace mops::store {

// Runs inside the caller's transaction, so an error rolls the drop back with
// everything else; Restore must run before anything reads the table through
// those indexes, and before the commit. When to defer is the caller's
// policy. SQLite only: on PostgreSQL a DROP INDEX would lock the table
// against readers until the commit, so Defer does nothing there.
class DeferredIndexes {
 public:
  // Drops `table`'s indexes made by CREATE INDEX that are neither UNIQUE
  // (upserts need them) nor partial (an index most rows skip costs nothing
  // to keep and a scan to rebuild), and that cover at least one of `written`
  // (the columns the write sets; empty: any). An index on columns the write
  // leaves alone gets keys new rows share (NULL, say): cheap to append, a
  // full scan to rebuild.
  core::Status Defer(Database& db, std::string_view table,
                     std::span<const std::string> written = {});
  // Creates the dropped indexes again, from their own definitions.
  core::Status Restore(Database& db);
  bool active() const { return !definitions_.empty(); }

 private:
  std::vector<std::string> definitions_;
};

}  // namespace mops::store
