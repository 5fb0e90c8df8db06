#include "core/salesforce_id.h"

#include "core/strings.h"

namespace mops::core {

bool IsSalesforceIdShape(std::string_view id) {
  if (id.size() != 15 && id.size() != 18) return false;
  for (char c : id) {
    if (!IsAsciiDigit(c) && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

std::string SalesforceIdSuffix(std::string_view id15) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
  std::string suffix(3, 'A');
  for (size_t chunk = 0; chunk < 3; ++chunk) {
    unsigned flags = 0;
    for (size_t j = 0; j < 5; ++j) {
      const size_t i = chunk * 5 + j;
      if (i < id15.size() && id15[i] >= 'A' && id15[i] <= 'Z') flags |= 1u << j;
    }
    suffix[chunk] = kAlphabet[flags];
  }
  return suffix;
}

bool IsSalesforceNullId(std::string_view id) {
  return id == "000000000000000" || id == "000000000000000AAA";
}

SalesforceIdForm NormalizeSalesforceId(std::string_view text, std::string& out) {
  if (!IsSalesforceIdShape(text)) {
    out.assign(text);
    return SalesforceIdForm::kNotAnId;
  }
  if (IsSalesforceNullId(text)) {
    out.clear();
    return SalesforceIdForm::kNull;
  }
  out.assign(text);
  if (text.size() == 15) out.append(SalesforceIdSuffix(text));
  return SalesforceIdForm::kId;
}

}  // namespace mops::core
