// The SLA engine: tiers, business hours in a team's time zone, deadlines,
// met / breached / at risk.
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <memory>
#include <mutex>

#include "core/strings.h"
#include "core/time.h"
#include "leads/leads.h"

namespace mops::leads {
namespace {

// ISO weekday (Monday 1) of a day number since 1970-01-01 (a Thursday).
int Weekday(int64_t day) { return static_cast<int>(((day % 7) + 7 + 3) % 7) + 1; }

}  // namespace

core::Result<int64_t> UtcOffset(std::string_view timezone, Timestamp t) {
  if (timezone.empty() || timezone == "UTC") return 0;
  // ICU zones are costly to build; keep one per name per thread.
  thread_local std::map<std::string, std::unique_ptr<icu::TimeZone>, std::less<>> zones;
  auto it = zones.find(timezone);
  if (it == zones.end()) {
    std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(
        icu::StringPiece(timezone.data(), static_cast<int32_t>(timezone.size())))));
    icu::UnicodeString id;
    zone->getID(id);
    if (id == icu::UnicodeString("Etc/Unknown")) {
      return core::Fail(core::ErrorCode::kInvalidArgument, "unknown time zone '{}'", timezone);
    }
    it = zones.emplace(std::string(timezone), std::move(zone)).first;
  }
  int32_t raw = 0, dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  it->second->getOffset(static_cast<UDate>(t) * 1000.0, false, raw, dst, status);
  if (U_FAILURE(status)) {
    return core::Fail(core::ErrorCode::kInvalidArgument, "time zone '{}': {}", timezone,
                      u_errorName(status));
  }
  return (static_cast<int64_t>(raw) + dst) / 1000;
}

Timestamp AddBusinessMinutes(const BusinessHours& hours, Timestamp start, int64_t minutes) {
  if (hours.always) return start + minutes * 60;
  int64_t remaining = minutes * 60;
  Timestamp t = start;
  const int64_t open = hours.start_minute * 60, close = hours.end_minute * 60;
  for (int guard = 0; guard < 20000; ++guard) {
    const int64_t off = UtcOffset(hours.timezone, t).value_or(0);
    const int64_t local = t + off;
    const int64_t day = core::FloorDiv(local, core::kSecondsPerDay);
    const int64_t tod = local - day * core::kSecondsPerDay;
    const bool workday =
        std::find(hours.days.begin(), hours.days.end(), Weekday(day)) != hours.days.end();
    if (workday && tod < close) {
      if (tod < open) {
        t += open - tod;
        continue;
      }
      const int64_t available = close - tod;
      if (remaining <= available) return t + remaining;
      remaining -= available;
      t += available;
      continue;
    }
    t += core::kSecondsPerDay - tod;  // the next local midnight
  }
  return t;
}

const SlaTier* TierOf(const SlaConfig& config, const SlaLead& lead) {
  for (const SlaTier& tier : config.tiers) {
    if (!tier.grades.empty() && std::find(tier.grades.begin(), tier.grades.end(),
                                          core::ToUpper(lead.grade)) == tier.grades.end()) {
      continue;
    }
    if (!tier.sources.empty() &&
        std::find(tier.sources.begin(), tier.sources.end(),
                  core::ToLower(core::Trim(lead.source))) == tier.sources.end()) {
      continue;
    }
    if (tier.min_score && lead.score < *tier.min_score) continue;
    return &tier;
  }
  return nullptr;
}

SlaStatus EvaluateSla(const SlaConfig& config, const SlaLead& lead, Timestamp now) {
  SlaStatus s;
  s.contact_id = lead.contact_id;
  const SlaTier* tier = TierOf(config, lead);
  if (tier == nullptr) {
    s.state = "no_sla";
    return s;
  }
  s.tier = tier->name;
  BusinessHours hours = config.default_hours;
  if (auto it = config.team_hours.find(core::ToLower(lead.team)); it != config.team_hours.end()) {
    hours = it->second;
  }
  if (!tier->business_hours) hours.always = true;
  s.deadline = AddBusinessMinutes(hours, lead.mql_at, tier->within_minutes);
  if (lead.first_touch) {
    s.minutes_to_touch = (*lead.first_touch - lead.mql_at) / 60;
    if (*lead.first_touch <= s.deadline) {
      s.state = "met";
    } else {
      s.state = "breached";
      s.overdue_minutes = (*lead.first_touch - s.deadline) / 60;
    }
    return s;
  }
  if (now > s.deadline) {
    s.state = "breached";
    s.overdue_minutes = (now - s.deadline) / 60;
    return s;
  }
  const auto risk_minutes =
      static_cast<int64_t>(static_cast<double>(tier->within_minutes) * config.at_risk_share);
  s.state = now >= AddBusinessMinutes(hours, lead.mql_at, risk_minutes) ? "at_risk" : "open";
  return s;
}

}  // namespace mops::leads
