#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace mops::http {

// One file of the built dashboard (ui/dist), embedded into the binary at build time
// by cmake/embed_ui.cmake.
struct UiAsset {
  std::string_view path;          // "/index.html", "/assets/index-abc.js"
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view body;          // the file's bytes; valid for the life of the program
};

// All files of the built dashboard, sorted by path; path is relative to the dist folder
// with a leading slash ("/index.html", "/assets/index-abc.js").
// Empty when the binary was built without the dashboard.
std::span<const UiAsset> UiAssets();

}  // namespace mops::http
