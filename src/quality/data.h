// The reference data standardization runs on, embedded into the binary at
// build time (data.cc is generated from data.cc.in): Debian's iso-codes JSON
// for ISO 3166-1 and 3166-2, and mops's own lists in src/quality/data/ (one
// entry a line, '#' starts a comment). Internal to src/quality.
#pragma once

#include <string_view>

namespace mops::quality::data {

std::string_view Iso3166_1Json();
std::string_view Iso3166_2Json();
std::string_view RoleAccounts();
std::string_view DisposableDomains();
std::string_view MailDomains();
std::string_view CountryAliases();  // alias TAB alpha-2

}  // namespace mops::quality::data
