#include "http/input.h"

#include <fmt/format.h>

#include <charconv>
#include <string>

#include "core/time.h"

namespace mops::http {

using core::ErrorCode;

core::Result<int> LimitParam(const RequestContext& ctx, int fallback, int max) {
  const std::optional<std::string> text = ctx.Query("limit");
  if (!text) return fallback;
  int n = 0;
  const char* end = text->data() + text->size();
  const auto [stop, ec] = std::from_chars(text->data(), end, n);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && stop == end && n > max)) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      fmt::format("limit must be at most {} (got {})", max, *text))
                          .InField("limit"));
  }
  if (ec != std::errc() || stop != end || n < 1) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      fmt::format("limit must be a whole number from 1 to {}", max))
                          .InField("limit"));
  }
  return n;
}

core::Status CheckFields(const Json& body, std::initializer_list<std::string_view> allowed) {
  if (!body.is_object()) {
    return core::Fail(ErrorCode::kInvalidArgument, "the body must be a JSON object");
  }
  for (const auto& item : body.items()) {
    const std::string& key = item.key();
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (known) continue;
    std::string names;
    for (std::string_view a : allowed) {
      if (!names.empty()) names += ", ";
      names += a;
    }
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument,
                        allowed.size() == 0
                            ? fmt::format("unknown field '{}' (this route takes no "
                                          "fields)",
                                          key)
                            : fmt::format("unknown field '{}' (expected {})", key, names))
            .InField(key));
  }
  return {};
}

core::Result<Json> ObjectBody(const RequestContext& ctx,
                              std::initializer_list<std::string_view> allowed) {
  if (ctx.BodyText().empty()) return Json::object();
  MOPS_ASSIGN_OR_RETURN(Json body, ctx.Body());
  MOPS_TRY(CheckFields(body, allowed));
  return body;
}

core::Status CheckRange(std::optional<int64_t> from, std::optional<int64_t> to,
                        std::string_view from_field, std::string_view to_field) {
  if (from && to && *from > *to) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      fmt::format("{} ({}) is after {} ({})", from_field,
                                                  core::FormatTimestamp(*from), to_field,
                                                  core::FormatTimestamp(*to)))
                          .InField(std::string(from_field)));
  }
  return {};
}

}  // namespace mops::http
