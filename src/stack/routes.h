#pragma once

#include "http/http.h"

namespace mops::stack {

// GET /api/v1/stack/{tools,overlap,utilization,renewals,graph,gaps,cost,audit,catalog}.
void RegisterRoutes(http::Router& router);

}  // namespace mops::stack
