#pragma once

#include "http/http.h"

namespace mops::analytics {

// GET /api/v1/analytics/{funnel,velocity,channels,cac,cohorts,targets} and
// .../{report}/records (the drill-down); GET and PUT /api/v1/analytics/config;
// POST /api/v1/analytics/spend (an ad platform export as the body).
void RegisterRoutes(http::Router& router);

}  // namespace mops::analytics
