#include "store/database.h"
#include "store/postgres/postgres_database.h"
#include "store/sqlite/sqlite_database.h"

namespace mops::store {

Result<std::unique_ptr<Database>> Open(const std::string& url) {
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return OpenPostgres(url);
  }
  std::string path = url;
  if (path.starts_with("sqlite://")) path = path.substr(9);
  if (path.empty()) return core::Fail(core::ErrorCode::kInvalidArgument, "empty workspace path");
  return OpenSqlite(path);
}

}  // namespace mops::store
