// Salesforce record ids. A record has a 15-character, case-sensitive id and
// an 18-character form of the same id: the 15 characters plus a 3-character
// checksum of their case, so that the 18-character form survives tools that
// compare case-insensitively. Exports mix both forms (the UI and reports show
// 15, the API and Data Loader write 18), so mops stores the 18-character form.
// The null id (000000000000000 / 000000000000000AAA) names no record.
#pragma once

#include <string>
#include <string_view>

namespace mops::core {

// True when `id` has the shape of a Salesforce id: 15 or 18 ASCII letters and
// digits.
bool IsSalesforceIdShape(std::string_view id);

// The 3-character checksum suffix of a 15-character id: for each 5-character
// chunk, a 5-bit flag of which characters are upper-case A-Z (the first
// character is bit 0), mapped onto "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345".
// `id15` must have 15 characters.
std::string SalesforceIdSuffix(std::string_view id15);

// The null id, in either form.
bool IsSalesforceNullId(std::string_view id);

enum class SalesforceIdForm {
  kNotAnId,  // not 15/18 letters and digits: `out` is the text unchanged
  kNull,     // the null id: `out` is empty (an empty reference)
  kId,       // `out` is the 18-character form
};

// Normalizes `text` (already trimmed) into `out` (reusing its buffer): a
// 15-character id gets its checksum suffix; an 18-character id whose suffix
// is not the checksum of its first 15 characters (its case was changed, e.g.
// by a spreadsheet) is kept as it is, since its case cannot be recovered.
SalesforceIdForm NormalizeSalesforceId(std::string_view text, std::string& out);

}  // namespace mops::core
