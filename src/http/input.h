// Strict request inputs for capability routes: what a route does not know it
// refuses with 400 and a message of mops's own that names the field, instead
// of ignoring it, clamping it or passing a library's error text on.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "http/http.h"

namespace mops::http {

// The `limit` query parameter: `fallback` when absent; a whole number from 1
// to `max`, or kInvalidArgument in field "limit" naming the maximum.
core::Result<int> LimitParam(const RequestContext& ctx, int fallback, int max);

// Every key of the JSON object `body` is one of `allowed`; otherwise
// kInvalidArgument in the first unknown field, naming it and the allowed ones.
// A body that is not an object is refused too.
core::Status CheckFields(const Json& body, std::initializer_list<std::string_view> allowed);

// The request's JSON body, checked with CheckFields; an empty body is an
// empty object.
core::Result<Json> ObjectBody(const RequestContext& ctx,
                              std::initializer_list<std::string_view> allowed);

// `from` is not after `to` (either may be absent); kInvalidArgument in field
// `from_field` otherwise.
core::Status CheckRange(std::optional<int64_t> from, std::optional<int64_t> to,
                        std::string_view from_field = "from", std::string_view to_field = "to");

}  // namespace mops::http
