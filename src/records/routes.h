#pragma once

#include "http/http.h"

namespace mops::records {

// GET /api/v1/{accounts,contacts,opportunities,campaigns,touchpoints,users}
// [/{id}], /api/v1/me, /api/v1/overview, /api/v1/touchpoints/weekly.
void RegisterRoutes(http::Router& router);

}  // namespace mops::records
