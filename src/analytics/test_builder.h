// Builds small datasets by hand for the engine tests.
#pragma once

#include <string>

#include "analytics/analytics.h"

namespace mops::analytics::testing {

inline constexpr Timestamp kDay = core::kSecondsPerDay;
// 2024-03-01 00:00 UTC.
inline constexpr Timestamp kMarch1 = 1709251200;

inline Timestamp Day(int64_t n) { return kMarch1 + n * kDay; }

class Builder {
 public:
  Builder() { d_.segments.Add("unknown"); }

  int32_t Account(int64_t id, std::string_view segment = "smb") {
    d_.account_id.push_back(id);
    d_.account_segment.push_back(d_.segments.Add(segment));
    return static_cast<int32_t>(d_.account_id.size() - 1);
  }

  int32_t Contact(int64_t id, Timestamp created, int32_t account = kNone) {
    d_.contact_id.push_back(id);
    d_.contact_created.push_back(created);
    d_.contact_account.push_back(account);
    d_.contact_segment.push_back(account == kNone
                                     ? d_.segments.Add("unknown")
                                     : d_.account_segment[static_cast<size_t>(account)]);
    d_.contact_label.push_back("c" + std::to_string(id) + "@example.com");
    return static_cast<int32_t>(d_.contact_id.size() - 1);
  }

  void Stage(int32_t contact, std::string_view stage, Timestamp at) {
    d_.stage_contact.push_back(contact);
    d_.stage_code.push_back(d_.stages.Add(stage));
    d_.stage_at.push_back(at);
  }

  void Touch(int32_t contact, Timestamp at, std::string_view type, std::string_view channel,
             std::string_view source = "", std::string_view campaign = "",
             std::string_view event = "", int32_t account = kNone) {
    d_.touch_contact.push_back(contact);
    if (account == kNone && contact != kNone)
      account = d_.contact_account[static_cast<size_t>(contact)];
    d_.touch_account.push_back(account);
    d_.touch_at.push_back(at);
    d_.touch_type.push_back(d_.types.Add(type));
    d_.touch_channel.push_back(d_.channels.Add(channel));
    d_.touch_source.push_back(source.empty() ? kNone : d_.sources.Add(source));
    d_.touch_campaign.push_back(campaign.empty() ? kNone : d_.campaigns.Add(campaign));
    d_.touch_event.push_back(event.empty() ? kNone : d_.events.Add(event));
  }

  int32_t Opportunity(int64_t id, int32_t account, int64_t amount_minor, Timestamp created,
                      Timestamp close, bool closed, bool won,
                      std::string_view type = "New Business") {
    d_.opp_id.push_back(id);
    d_.opp_name.push_back("deal " + std::to_string(id));
    d_.opp_account.push_back(account);
    d_.opp_segment.push_back(account == kNone ? d_.segments.Add("unknown")
                                              : d_.account_segment[static_cast<size_t>(account)]);
    d_.opp_type.push_back(d_.opp_types.Add(type));
    d_.opp_amount.push_back(amount_minor);
    d_.opp_created.push_back(created);
    d_.opp_close.push_back(close);
    d_.opp_closed.push_back(closed ? 1 : 0);
    d_.opp_won.push_back(won ? 1 : 0);
    return static_cast<int32_t>(d_.opp_id.size() - 1);
  }

  void History(int32_t opp, std::string_view stage, Timestamp at) {
    d_.hist_opp.push_back(opp);
    d_.hist_stage.push_back(d_.opp_stages.Add(stage));
    d_.hist_at.push_back(at);
  }

  void Spend(Timestamp date, std::string_view channel, int64_t amount_minor,
             std::string_view campaign = "", int64_t impressions = 0, int64_t clicks = 0) {
    d_.spend_id.push_back(static_cast<int64_t>(d_.spend_id.size() + 1));
    d_.spend_date.push_back(date);
    d_.spend_channel.push_back(d_.channels.Add(channel));
    d_.spend_source.push_back(kNone);
    d_.spend_campaign.push_back(campaign.empty() ? kNone : d_.campaigns.Add(campaign));
    d_.spend_amount.push_back(amount_minor);
    d_.spend_impressions.push_back(impressions);
    d_.spend_clicks.push_back(clicks);
    d_.spend_conversions.push_back(0);
  }

  Dataset Build() {
    Dataset out = d_;
    out.Finish();
    return out;
  }

  Dataset& raw() { return d_; }

 private:
  Dataset d_;
};

}  // namespace mops::analytics::testing
