#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "http/http.h"

namespace mops::http {

void Router::Get(std::string pattern, Role need, RouteDoc doc, Handler handler) {
  Add("GET", std::move(pattern), need, std::move(doc), std::move(handler));
}
void Router::Post(std::string pattern, Role need, RouteDoc doc, Handler handler) {
  Add("POST", std::move(pattern), need, std::move(doc), std::move(handler));
}
void Router::Put(std::string pattern, Role need, RouteDoc doc, Handler handler) {
  Add("PUT", std::move(pattern), need, std::move(doc), std::move(handler));
}
void Router::Delete(std::string pattern, Role need, RouteDoc doc, Handler handler) {
  Add("DELETE", std::move(pattern), need, std::move(doc), std::move(handler));
}

void Router::Add(std::string method, std::string pattern, Role need, RouteDoc doc,
                 Handler handler) {
  std::string regex;
  std::vector<std::string> names;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '{') {
      size_t close = pattern.find('}', i);
      names.push_back(pattern.substr(i + 1, close - i - 1));
      regex += "([^/]+)";
      i = close;
    } else if (c == '.' || c == '+' || c == '*' || c == '?' || c == '(' || c == ')' || c == '[' ||
               c == ']' || c == '^' || c == '$' || c == '|' || c == '\\') {
      regex += '\\';
      regex += c;
    } else {
      regex += c;
    }
  }
  // Literal routes go before parameterized ones, so that
  // /api/v1/touchpoints/weekly is not taken for /api/v1/touchpoints/{id}.
  const bool literal = pattern.find('{') == std::string::npos;
  auto at = routes_.end();
  if (literal) {
    at = std::find_if(routes_.begin(), routes_.end(),
                      [](const Route& r) { return r.pattern.find('{') != std::string::npos; });
  }
  routes_.insert(at, Route{std::move(method), std::move(pattern), std::regex(regex),
                           std::move(names), need, std::move(doc), std::move(handler)});
}

namespace {

bool IsIdParam(std::string_view name) { return name == "id" || name.ends_with("_id"); }

// "1".."9223372036854775807": digits only, no sign, no leading zero.
bool IsPositiveInteger(std::string_view s) {
  if (s.empty() || s.size() > 19 || s[0] == '0') return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  int64_t v = 0;
  return std::from_chars(s.data(), s.data() + s.size(), v).ec == std::errc();
}

}  // namespace

core::Result<Router::Match> Router::Find(std::string_view method, const std::string& path,
                                         bool* method_not_allowed) const {
  *method_not_allowed = false;
  for (const Route& route : routes_) {
    std::smatch match;
    if (!std::regex_match(path, match, route.regex)) continue;
    if (route.method != method) {
      *method_not_allowed = true;
      continue;
    }
    Match out{&route, {}};
    for (size_t i = 1; i < match.size(); ++i) {
      std::string value = match[i].str();
      const std::string& name = route.param_names[i - 1];
      if (IsIdParam(name) && !IsPositiveInteger(value)) {
        return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                          fmt::format("path parameter '{}' must be a whole "
                                                      "positive integer",
                                                      name))
                              .InField(name));
      }
      out.params.push_back(std::move(value));
    }
    return out;
  }
  return core::Fail(core::ErrorCode::kNotFound, "no route");
}

Json Router::OpenApi(std::string_view version) const {
  Json paths = Json::object();
  for (const Route& r : routes_) {
    Json op = {
        {"summary", r.doc.summary},
        {"security", Json::array({Json{{"bearer", Json::array()}}})},
        {"x-mops-role", std::string(RoleName(r.need))},
        {"responses",
         {{"200", {{"description", "OK"}}},
          {"400", {{"description", "Invalid request"}, {"$ref", "#/components/responses/Error"}}},
          {"401", {{"$ref", "#/components/responses/Error"}}},
          {"403", {{"$ref", "#/components/responses/Error"}}}}},
    };
    if (!r.doc.tag.empty()) op["tags"] = Json::array({r.doc.tag});
    Json params = Json::array();
    // Path parameters from {name} segments.
    for (size_t i = r.pattern.find('{'); i != std::string::npos; i = r.pattern.find('{', i + 1)) {
      size_t close = r.pattern.find('}', i);
      params.push_back({{"name", r.pattern.substr(i + 1, close - i - 1)},
                        {"in", "path"},
                        {"required", true},
                        {"schema", {{"type", "string"}}}});
    }
    for (const auto& q : r.doc.query) {
      params.push_back({{"name", q.name},
                        {"in", "query"},
                        {"description", q.description},
                        {"schema", {{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = params;
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[r.pattern][method] = op;
  }
  paths["/healthz"]["get"] = {{"summary", "Liveness; the only route open without a token"},
                              {"security", Json::array()},
                              {"responses", {{"200", {{"description", "OK"}}}}}};
  return {
      {"openapi", "3.0.3"},
      {"info", {{"title", "mops API"}, {"version", std::string(version)}}},
      {"paths", paths},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"responses",
         {{"Error",
           {{"description", "Error"},
            {"content",
             {{"application/json",
               {{"schema",
                 {{"type", "object"},
                  {"properties",
                   {{"error",
                     {{"type", "object"},
                      {"properties",
                       {{"code", {{"type", "string"}}},
                        {"message", {{"type", "string"}}},
                        {"details", {{"type", "object"}}}}}}}}}}}}}}}}}}}}},
  };
}

int HttpStatus(core::ErrorCode code) {
  using core::ErrorCode;
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kParse:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

Json ErrorBody(const core::Error& error) {
  Json details = Json::object();
  if (!error.field.empty()) details["field"] = error.field;
  if (!error.file.empty()) details["file"] = error.file;
  if (error.line > 0) details["line"] = error.line;
  if (error.column > 0) details["column"] = error.column;
  return {{"error",
           {{"code", std::string(core::ErrorCodeName(error.code))},
            {"message", error.message},
            {"details", details}}}};
}

std::string EncodeCursor(int64_t last_id) {
  const std::string plain = "id:" + std::to_string(last_id);
  std::string out(sodium_base64_ENCODED_LEN(plain.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(plain.data()),
                    plain.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

core::Result<int64_t> DecodeCursor(std::string_view cursor) {
  std::string plain(cursor.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(plain.data()), plain.size(), cursor.data(),
                        cursor.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "invalid cursor");
  }
  plain.resize(len);
  int64_t id = 0;
  if (!plain.starts_with("id:") ||
      std::from_chars(plain.data() + 3, plain.data() + plain.size(), id).ec != std::errc()) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "invalid cursor");
  }
  return id;
}

const IngressRoute* Router::FindIngress(std::string_view method, std::string_view path) const {
  for (const IngressRoute& r : ingress_) {
    if (r.method != method) continue;
    const bool prefix = !r.path.empty() && r.path.back() == '/';
    if (prefix ? path.starts_with(r.path) : path == r.path) return &r;
  }
  return nullptr;
}

}  // namespace mops::http
