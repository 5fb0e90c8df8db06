// Error and Result: how every mops function reports an expected failure.
//
// Expected failures (bad input, not found, conflict) are returned as
// std::expected<T, Error>; exceptions from libraries are caught at the edge
// (CLI verb, HTTP handler) and turned into an Error. An Error says where the
// problem is: file, line, column or field, whichever apply.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <expected>
#include <string>
#include <utility>

namespace mops::core {

enum class ErrorCode {
  kInvalidArgument,  // bad input from the user: a flag, a value, a row
  kParse,            // a file or document that cannot be read at all
  kNotFound,
  kConflict,          // the request clashes with the current state
  kUnauthenticated,   // no or unknown credentials
  kPermissionDenied,  // known credentials, insufficient role
  kIo,
  kDatabase,
  kUnavailable,
  kInternal,
};

// Stable snake_case name, used in JSON errors ("invalid_argument").
std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // Where: any of these may be empty / zero.
  std::string file;
  int64_t line = 0;
  int64_t column = 0;
  std::string field;

  // "file:line:column: field: message", leaving out what is unknown.
  std::string ToString() const;

  Error& At(std::string f, int64_t l = 0, int64_t c = 0) & {
    file = std::move(f), line = l, column = c;
    return *this;
  }
  Error&& At(std::string f, int64_t l = 0, int64_t c = 0) && {
    file = std::move(f), line = l, column = c;
    return std::move(*this);
  }
  Error&& InField(std::string f) && {
    field = std::move(f);
    return std::move(*this);
  }
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

// An Error with a code and a message; add the place with At() / InField().
// (Prefer this to a designated initializer that leaves members out: g++ 12
// warns about those under -Wextra.)
inline Error MakeError(ErrorCode code, std::string message) {
  Error error;
  error.code = code;
  error.message = std::move(message);
  return error;
}

template <typename... Args>
std::unexpected<Error> Fail(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  return std::unexpected<Error>(MakeError(code, fmt::format(format, std::forward<Args>(args)...)));
}

inline std::unexpected<Error> Fail(Error error) { return std::unexpected<Error>(std::move(error)); }

}  // namespace mops::core

// Propagates the error of an expression that yields a std::expected.
#define MOPS_TRY(expr)                                             \
  do {                                                             \
    if (auto mops_try_result_ = (expr); !mops_try_result_) {       \
      return std::unexpected(std::move(mops_try_result_).error()); \
    }                                                              \
  } while (false)

#define MOPS_CONCAT_INNER_(a, b) a##b
#define MOPS_CONCAT_(a, b) MOPS_CONCAT_INNER_(a, b)
// MOPS_ASSIGN_OR_RETURN(auto x, Expr()): binds the value or returns the error.
#define MOPS_ASSIGN_OR_RETURN(lhs, expr) \
  MOPS_ASSIGN_OR_RETURN_IMPL_(MOPS_CONCAT_(mops_result_, __LINE__), lhs, expr)
#define MOPS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)         \
  auto tmp = (expr);                                        \
  if (!tmp) return std::unexpected(std::move(tmp).error()); \
  lhs = std::move(*tmp)
