// The shipped rules files (rules/*.yaml), embedded into the binary at build
// time (rules_data.cc is generated from rules_data.cc.in). Internal to report.
#pragma once

#include <string_view>

namespace mops::report::rules_data {

std::string_view Stack();
std::string_view Attribution();
std::string_view Data();
std::string_view Leads();
std::string_view Campaigns();
std::string_view Reporting();
// The committed JSON Schema of the audit document (audit.schema.json).
std::string_view Schema();

}  // namespace mops::report::rules_data
