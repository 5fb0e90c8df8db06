// Phone numbers to E.164 with libphonenumber.
#include <phonenumbers/phonenumberutil.h>

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
  std::string region = default_region.empty() ? "US" : core::ToUpper(default_region);
  // "00" is the international prefix of most of the world; without a region
  // that knows it, read it as '+'.
  std::string input(text);
  if (input.starts_with("00")) input = "+" + input.substr(2);
  PhoneNumber number;
  if (util.Parse(input, region, &number) != PhoneNumberUtil::NO_PARSING_ERROR) return info;
  if (!util.IsPossibleNumber(number)) return info;
  util.Format(number, PhoneNumberUtil::E164, &info.phone);
  if (number.has_extension() && !number.extension().empty()) {
    info.phone += ";ext=" + number.extension();
  }
  info.valid = util.IsValidNumber(number);
  if (info.valid) info.type = std::string(TypeName(util.GetNumberType(number)));
  return info;
}

}  // namespace mops::quality
