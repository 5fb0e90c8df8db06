// PostgreSQL backend (libpq), selected by a postgresql:// URL. Parameters are
// sent separately from the SQL (PQexecParams / prepared statements), never
// interpolated.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace mops::store {

Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url);

}  // namespace mops::store
