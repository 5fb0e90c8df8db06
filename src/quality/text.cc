#include "quality/text.h"

#include <unicode/unistr.h>

#include "core/strings.h"

namespace mops::quality::internal {
namespace {

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

}  // namespace

std::string Lower(std::string_view s) {
  if (IsAscii(s)) return core::ToLower(s);
  std::string out;
  icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())))
      .foldCase()
      .toUTF8String(out);
  return out;
}

std::string FoldKey(std::string_view s) {
  std::string lowered = Lower(s);
  std::string out;
  out.reserve(lowered.size());
  bool space = false;
  for (char c : lowered) {
    if (c == '.') continue;
    if (core::IsAsciiSpace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::vector<std::string_view> ListLines(std::string_view text) {
  std::vector<std::string_view> out;
  for (std::string_view line : core::Split(text, '\n')) {
    line = core::Trim(line);
    if (line.empty() || line.front() == '#') continue;
    out.push_back(line);
  }
  return out;
}

}  // namespace mops::quality::internal
