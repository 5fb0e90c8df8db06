// Edit distance between short strings (names, domains, field values).
#pragma once

#include <string_view>

namespace mops::core {

// Damerau-Levenshtein distance in its optimal-string-alignment form: an
// insertion, a deletion, a substitution or a transposition of two adjacent
// bytes ("gmial" -> "gmail") costs one edit. Stops early once the distance
// must exceed `limit` and then returns limit + 1.
int EditDistance(std::string_view a, std::string_view b, int limit = 1 << 20);

}  // namespace mops::core
