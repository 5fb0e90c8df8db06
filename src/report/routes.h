#pragma once

#include "http/http.h"

namespace mops::report {

// POST /api/v1/audit/runs (ops), GET /api/v1/audit/runs, /runs/{id},
// /runs/{id}/report?format=html|md|json (analyst), GET /api/v1/audit/rules.
void RegisterRoutes(http::Router& router);

}  // namespace mops::report
