#pragma once

#include "http/http.h"

namespace mops::stack::discovery {

// /api/v1/stack/discovery/...: reports for analysts, imports, apply and undo
// for ops.
void RegisterRoutes(http::Router& router);

}  // namespace mops::stack::discovery
