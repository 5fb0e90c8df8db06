#pragma once

#include "http/http.h"

namespace mops::campaigns {

// /api/v1/campaigns/..., /api/v1/campaign-{board,hierarchy,calendar},
// /api/v1/campaign-templates, /api/v1/assets and
// /api/v1/utm/...: viewer reads, ops changes, approver decides approval steps.
void RegisterRoutes(http::Router& router);

}  // namespace mops::campaigns
