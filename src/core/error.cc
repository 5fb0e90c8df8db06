#include "core/error.h"

namespace mops::core {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kParse: return "parse_error";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kIo: return "io_error";
    case ErrorCode::kDatabase: return "database_error";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

std::string Error::ToString() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) out += fmt::format(":{}", line);
    if (column > 0) out += fmt::format(":{}", column);
    out += ": ";
  } else if (line > 0) {
    out += fmt::format("line {}", line);
    if (column > 0) out += fmt::format(", column {}", column);
    out += ": ";
  }
  if (!field.empty()) out += fmt::format("field '{}': ", field);
  out += message;
  return out;
}

}  // namespace mops::core
