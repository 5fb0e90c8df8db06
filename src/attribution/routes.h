// REST routes of attribution: run the models, list and read stored runs, and
// drill down from a channel to the conversions behind its credit.
#pragma once

#include "http/http.h"

namespace mops::attribution {

void RegisterRoutes(http::Router& router);

}  // namespace mops::attribution
