// REST routes of the channel rules (GET rules and explain: analyst; PUT rules
// and POST reclassify: ops).
#pragma once

#include "http/http.h"

namespace mops::ingest {

// GET/PUT /api/v1/channels/rules, GET /api/v1/channels/explain,
// GET /api/v1/channels/preview, POST /api/v1/channels/reclassify.
void RegisterChannelRoutes(http::Router& router);

}  // namespace mops::ingest
