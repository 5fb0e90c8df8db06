// The demo company's "now".
#include "core/strings.h"
#include "core/time.h"
#include "demo/demo.h"

namespace mops::demo {

core::Result<core::Timestamp> ReferenceTimeAsOf(std::string_view text) {
  const std::string_view trimmed = core::Trim(text);
  core::Timestamp t = core::NowUtc();
  if (!trimmed.empty()) {
    auto parsed = core::ParseTimestamp(trimmed);
    if (!parsed) {
      return core::Fail(
          core::MakeError(core::ErrorCode::kInvalidArgument,
                          "--as-of '" + std::string(trimmed) +
                              "' is not a date (expected YYYY-MM-DD): " + parsed.error().message)
              .InField("as_of"));
    }
    t = *parsed;
  }
  return core::FloorDiv(t, core::kSecondsPerDay) * core::kSecondsPerDay;
}

}  // namespace mops::demo
