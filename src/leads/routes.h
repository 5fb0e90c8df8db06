#pragma once

#include "http/http.h"

namespace mops::leads {

// GET /api/v1/leads/{summary,scores,contacts/{id},queue,sla,config/{kind}},
// POST /api/v1/leads/{score,backtest,route,contacts/{id}/status},
// PUT /api/v1/leads/config/{kind}.
void RegisterRoutes(http::Router& router);

}  // namespace mops::leads
