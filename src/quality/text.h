// Text helpers shared by the engines of src/quality (internal).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mops::quality::internal {

// A lookup key: case-folded (ICU for text beyond ASCII), dots removed, runs
// of whitespace collapsed, trimmed. "U.S.A." -> "usa", "ÎLE-de-France" ->
// "île-de-france".
std::string FoldKey(std::string_view s);
// Lower case (ICU for text beyond ASCII).
std::string Lower(std::string_view s);
// The entries of an embedded list: one per line, '#' comments and blank lines skipped.
std::vector<std::string_view> ListLines(std::string_view text);

}  // namespace mops::quality::internal
