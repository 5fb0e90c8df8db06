// Phone numbers to E.164 with libphonenumber.
#include <phonenumbers/phonenumberutil.h>

#include <cctype>

#include "core/strings.h"
#include "quality/engine.h"

namespace mops::quality {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

std::string_view TypeName(PhoneNumberUtil::PhoneNumberType type) {
  switch (type) {
    case PhoneNumberUtil::FIXED_LINE:
      return "fixed_line";
    case PhoneNumberUtil::MOBILE:
      return "mobile";
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
      return "fixed_line_or_mobile";
    case PhoneNumberUtil::TOLL_FREE:
      return "toll_free";
    case PhoneNumberUtil::PREMIUM_RATE:
      return "premium_rate";
    case PhoneNumberUtil::SHARED_COST:
      return "shared_cost";
    case PhoneNumberUtil::VOIP:
      return "voip";
    case PhoneNumberUtil::PERSONAL_NUMBER:
      return "personal";
    case PhoneNumberUtil::PAGER:
      return "pager";
    case PhoneNumberUtil::UAN:
      return "uan";
    case PhoneNumberUtil::VOICEMAIL:
      return "voicemail";
    default:
      return "unknown";
  }
}

}  // namespace

PhoneInfo StandardizePhone(std::string_view raw, std::string_view default_region) {
  PhoneInfo info;
  const std::string_view text = core::Trim(raw);
  info.phone = std::string(text);
  if (text.empty()) return info;
  // libphonenumber's singleton is immutable after construction and safe to share.
  static const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  const std::string region = default_region.empty() ? "US" : core::ToUpper(default_region);
  // Parse costs tens of microseconds on free text (its ICU regexes look for
  // extensions, letters, punctuation); digits with an optional leading '+'
  // parse in about half that. Extensions are split off here: "x12",
  // "ext. 12", "extension 12", "#12".
  std::string digits;
  std::string extension;
  digits.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (core::IsAsciiDigit(c)) {
      digits.push_back(c);
    } else if (c == '+' && digits.empty()) {
      digits.push_back('+');
    } else if (c == 'x' || c == 'X' || c == '#' || c == 'e' || c == 'E' || c == ';') {
      for (size_t k = i + 1; k < text.size(); ++k) {
        if (core::IsAsciiDigit(text[k])) extension.push_back(text[k]);
      }
      break;
    } else if (c >= 'A' && c <= 'z' && std::isalpha(static_cast<unsigned char>(c))) {
      return info;  // vanity numbers ("1-800-FLOWERS") and words: not a number we can vouch for
    }
  }
  if (digits.starts_with("00")) digits = "+" + digits.substr(2);
  if (digits.size() < 3) return info;
  PhoneNumber number;
  if (util.Parse(digits, region, &number) != PhoneNumberUtil::NO_PARSING_ERROR) return info;
  if (!util.IsPossibleNumber(number)) return info;
  util.Format(number, PhoneNumberUtil::E164, &info.phone);
  if (!extension.empty()) info.phone += ";ext=" + extension;
  // GetNumberType is UNKNOWN exactly for numbers that match no range of
  // their region, i.e. are not valid: one call instead of IsValidNumber too.
  const PhoneNumberUtil::PhoneNumberType type = util.GetNumberType(number);
  info.valid = type != PhoneNumberUtil::UNKNOWN;
  if (info.valid) info.type = std::string(TypeName(type));
  return info;
}

bool IsStandardPhone(std::string_view phone) {
  // "+" then 7 to 15 digits, optionally ";ext=" and digits.
  if (phone.size() < 8 || phone[0] != '+') return false;
  size_t i = 1;
  while (i < phone.size() && core::IsAsciiDigit(phone[i])) ++i;
  if (i - 1 < 7 || i - 1 > 15 || phone[1] == '0') return false;
  if (i == phone.size()) return true;
  std::string_view rest = phone.substr(i);
  if (!rest.starts_with(";ext=") || rest.size() == 5) return false;
  for (char c : rest.substr(5)) {
    if (!core::IsAsciiDigit(c)) return false;
  }
  return true;
}

}  // namespace mops::quality
