// Channel performance: spend, reach, leads, pipeline and attributed revenue
// per channel, source or campaign.
#include <algorithm>
#include <functional>
#include <unordered_map>

#include "analytics/analytics.h"

namespace mops::analytics {

core::Result<Dimension> ParseDimension(std::string_view name) {
  if (name == "channel" || name.empty()) return Dimension::kChannel;
  if (name == "source") return Dimension::kSource;
  if (name == "campaign") return Dimension::kCampaign;
  return core::Fail(core::ErrorCode::kInvalidArgument,
                    "dimension must be channel, source or campaign, got '{}'", name);
}

namespace {

enum class Metric { kSpend, kLead, kMql, kSourced, kInfluenced, kRevenue };

constexpr std::string_view kNoKey = "(none)";

// A marketing touch: anything but sales' own activity.
struct MarketingTouch {
  explicit MarketingTouch(const Dataset& d)
      : d_(d),
        sales_type_(d.types.Find("sales_activity")),
        sales_channel_(d.channels.Find("sales_outreach")) {}
  bool operator()(size_t t) const {
    return (sales_type_ == kNone || d_.touch_type[t] != sales_type_) &&
           (sales_channel_ == kNone || d_.touch_channel[t] != sales_channel_);
  }
  const Dataset& d_;
  int32_t sales_type_, sales_channel_;
};

// Keys are codes of the dimension's dictionary (kNone: "(none)").
const Dict& KeyDict(const Dataset& d, Dimension dim) {
  switch (dim) {
    case Dimension::kChannel:
      return d.channels;
    case Dimension::kSource:
      return d.sources;
    case Dimension::kCampaign:
      return d.campaigns;
  }
  return d.channels;
}

int32_t TouchKey(const Dataset& d, Dimension dim, size_t t) {
  switch (dim) {
    case Dimension::kChannel:
      return d.touch_channel[t];
    case Dimension::kSource:
      return d.touch_source[t];
    case Dimension::kCampaign:
      return d.touch_campaign[t];
  }
  return kNone;
}

// What a row of the records behind the report adds: kind c (contact),
// o (opportunity), s (spend), and its row.
using Visit =
    std::function<void(Metric, int32_t key, char kind, size_t row, double value, Timestamp at)>;

void Walk(const Dataset& d, const ChannelOptions& o, const Dataset::Credits* credits,
          const Visit& visit) {
  for (size_t i = 0; i < d.spend_id.size(); ++i) {
    if (!o.period.Contains(d.spend_date[i])) continue;
    int32_t key = kNone;
    switch (o.dimension) {
      case Dimension::kChannel:
        key = d.spend_channel[i];
        break;
      case Dimension::kSource:
        key = d.spend_source[i];
        break;
      case Dimension::kCampaign:
        key = d.spend_campaign[i];
        break;
    }
    visit(Metric::kSpend, key, 's', i, static_cast<double>(d.spend_amount[i]) / 100,
          d.spend_date[i]);
  }
  // Leads and MQLs: the first entry into the stage, credited to the contact's
  // first touch at or before it.
  const int32_t lead = d.stages.Find("lead"), mql = d.stages.Find("mql");
  for (size_t c = 0; c < d.contact_count(); ++c) {
    bool seen_lead = false, seen_mql = false;
    for (int32_t i = d.stage_begin[c]; i < d.stage_begin[c + 1]; ++i) {
      const int32_t code = d.stage_code[static_cast<size_t>(i)];
      const bool is_lead = code == lead && lead != kNone && !seen_lead;
      const bool is_mql = code == mql && mql != kNone && !seen_mql;
      if (!is_lead && !is_mql) continue;
      (is_lead ? seen_lead : seen_mql) = true;
      const Timestamp at = d.stage_at[static_cast<size_t>(i)];
      if (!o.period.Contains(at)) continue;
      const int32_t first = d.touch_begin[c];
      const bool has = first < d.touch_begin[c + 1] && d.touch_at[static_cast<size_t>(first)] <= at;
      const int32_t key = has ? TouchKey(d, o.dimension, static_cast<size_t>(first)) : kNone;
      visit(is_lead ? Metric::kLead : Metric::kMql, key, 'c', c, 1, at);
    }
  }
  // Pipeline: opportunities created in the period, through their account's
  // touches before creation.
  const Timestamp lookback = static_cast<Timestamp>(o.lookback_days) * core::kSecondsPerDay;
  std::vector<int32_t> keys;
  const MarketingTouch is_marketing(d);
  for (size_t p = 0; p < d.opportunity_count(); ++p) {
    const Timestamp created = d.opp_created[p];
    if (!o.period.Contains(created) || d.opp_account[p] < 0) continue;
    const double amount = static_cast<double>(d.opp_amount[p]) / 100;
    const size_t a = static_cast<size_t>(d.opp_account[p]);
    keys.clear();
    bool first = true;
    for (int32_t i = d.account_touch_begin[a]; i < d.account_touch_begin[a + 1]; ++i) {
      const size_t t = static_cast<size_t>(d.account_touch[static_cast<size_t>(i)]);
      if (d.touch_at[t] >= created) break;
      const bool marketing = is_marketing(t);
      if (first) {
        first = false;
        if (marketing)
          visit(Metric::kSourced, TouchKey(d, o.dimension, t), 'o', p, amount, created);
      }
      if (marketing && d.touch_at[t] >= created - lookback) {
        const int32_t key = TouchKey(d, o.dimension, t);
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
      }
    }
    for (int32_t key : keys) visit(Metric::kInfluenced, key, 'o', p, amount, created);
  }
  // Attributed revenue (channel dimension: stored credits are per channel).
  if (credits != nullptr && o.dimension == Dimension::kChannel) {
    const bool won = credits->conversion != "created";
    for (size_t i = 0; i < credits->opp.size(); ++i) {
      const int32_t p = credits->opp[i];
      // A credit on no known channel ("(unattributed)": a deal without
      // touches) is not a channel's: it stays in unattributed revenue.
      if (p < 0 || credits->channel[i] == kNone) continue;
      const Timestamp at =
          won ? d.opp_close[static_cast<size_t>(p)] : d.opp_created[static_cast<size_t>(p)];
      if (!o.period.Contains(at)) continue;
      visit(Metric::kRevenue, credits->channel[i], 'o', static_cast<size_t>(p), credits->value[i],
            at);
    }
  }
}

void Ratios(ChannelRow& r) {
  const double spend = static_cast<double>(r.spend) / 100;
  r.ctr =
      r.impressions > 0 ? static_cast<double>(r.clicks) / static_cast<double>(r.impressions) : 0;
  r.cpc = r.clicks > 0 ? spend / static_cast<double>(r.clicks) : 0;
  r.cpl = r.leads > 0 ? spend / static_cast<double>(r.leads) : 0;
  r.roas = spend > 0 ? r.revenue / spend : 0;
  r.roi = spend > 0 ? (r.revenue - spend) / spend : 0;
}

}  // namespace

ChannelReport Channels(const Dataset& d, const ChannelOptions& o, const Dataset::Credits* credits) {
  ChannelReport report;
  if (credits != nullptr) {
    report.run_id = credits->run_id;
    report.model = credits->model;
  }
  // Sparkline weeks start at the period's start, else the first spend.
  Timestamp start = o.period.from.value_or(INT64_MAX);
  if (!o.period.from) {
    for (size_t i = 0; i < d.spend_id.size(); ++i) {
      if (o.period.Contains(d.spend_date[i])) start = std::min(start, d.spend_date[i]);
    }
  }
  constexpr Timestamp kWeek = 7 * core::kSecondsPerDay;
  constexpr size_t kMaxWeeks = 260;
  // Rows by key code + 1 (0 for "(none)").
  const Dict& dict = KeyDict(d, o.dimension);
  std::vector<ChannelRow> rows(dict.names.size() + 1);
  std::vector<uint8_t> used(rows.size(), 0);
  size_t weeks = 0;
  std::vector<uint8_t> influenced(d.opportunity_count(), 0);
  Walk(d, o, credits, [&](Metric m, int32_t key, char, size_t row, double value, Timestamp) {
    used[static_cast<size_t>(key + 1)] = 1;
    ChannelRow& r = rows[static_cast<size_t>(key + 1)];
    switch (m) {
      case Metric::kSpend: {
        r.spend += d.spend_amount[row];
        r.impressions += d.spend_impressions[row];
        r.clicks += d.spend_clicks[row];
        const auto w = static_cast<size_t>(core::FloorDiv(d.spend_date[row] - start, kWeek));
        if (w < kMaxWeeks) {
          if (r.weekly_spend.size() <= w) r.weekly_spend.resize(w + 1, 0);
          r.weekly_spend[w] += d.spend_amount[row];
          weeks = std::max(weeks, w + 1);
        }
        break;
      }
      case Metric::kLead:
        ++r.leads;
        break;
      case Metric::kMql:
        ++r.mqls;
        break;
      case Metric::kSourced:
        ++r.sourced_count;
        r.sourced_pipeline += d.opp_amount[row];
        break;
      case Metric::kInfluenced:
        ++r.influenced_count;
        r.influenced_pipeline += d.opp_amount[row];
        // Not additive across keys: the total counts each opportunity once.
        if (!influenced[row]) {
          influenced[row] = 1;
          ++report.total.influenced_count;
          report.total.influenced_pipeline += d.opp_amount[row];
        }
        break;
      case Metric::kRevenue:
        r.revenue += value;
        break;
    }
  });
  for (size_t k = 0; k < rows.size(); ++k) {
    if (!used[k]) continue;
    ChannelRow& r = rows[k];
    r.key = k == 0 ? std::string(kNoKey) : dict.names[k - 1];
    r.weekly_spend.resize(weeks, 0);
    Ratios(r);
    ChannelRow& t = report.total;
    t.spend += r.spend;
    t.impressions += r.impressions;
    t.clicks += r.clicks;
    t.leads += r.leads;
    t.mqls += r.mqls;
    t.sourced_count += r.sourced_count;
    t.sourced_pipeline += r.sourced_pipeline;
    t.revenue += r.revenue;
    report.rows.push_back(std::move(r));
  }
  report.total.key = "total";
  Ratios(report.total);
  std::sort(report.rows.begin(), report.rows.end(), [](const ChannelRow& a, const ChannelRow& b) {
    if (a.spend != b.spend) return a.spend > b.spend;
    if (a.revenue != b.revenue) return a.revenue > b.revenue;
    return a.key < b.key;
  });
  if (credits != nullptr) {
    const bool won = credits->conversion != "created";
    for (size_t p = 0; p < d.opportunity_count(); ++p) {
      const bool counts = won ? d.opp_won[p] && o.period.Contains(d.opp_close[p])
                              : o.period.Contains(d.opp_created[p]);
      if (counts) report.won_revenue += static_cast<double>(d.opp_amount[p]) / 100;
    }
    report.unattributed = report.won_revenue - report.total.revenue;
  }
  return report;
}

core::Result<std::vector<Record>> ChannelDrill(const Dataset& d, const ChannelOptions& o,
                                               const Dataset::Credits* credits,
                                               std::string_view key, std::string_view metric) {
  static const std::pair<std::string_view, Metric> kMetrics[] = {
      {"spend", Metric::kSpend},
      {"leads", Metric::kLead},
      {"mqls", Metric::kMql},
      {"sourced_pipeline", Metric::kSourced},
      {"influenced_pipeline", Metric::kInfluenced},
      {"revenue", Metric::kRevenue},
  };
  const Metric* wanted = nullptr;
  for (const auto& [name, m] : kMetrics) {
    if (name == metric) wanted = &m;
  }
  if (wanted == nullptr) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "metric must be spend, leads, mqls, sourced_pipeline, influenced_pipeline or "
                      "revenue, got '{}'",
                      metric);
  }
  if (*wanted == Metric::kRevenue && (credits == nullptr || o.dimension != Dimension::kChannel)) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "revenue is attributed per channel: drill it with dimension channel and a "
                      "stored attribution run");
  }
  const Dict& dict = KeyDict(d, o.dimension);
  const int32_t wanted_key = key == kNoKey ? kNone : dict.Find(key);
  std::vector<Record> out;
  if (wanted_key == kNone && key != kNoKey) return out;  // no such key: no records
  Walk(d, o, credits, [&](Metric m, int32_t k, char kind, size_t row, double value, Timestamp at) {
    if (m != *wanted || k != wanted_key) return;
    Record r;
    r.at = at;
    r.value = value;
    if (kind == 's') {
      r.kind = "spend";
      r.id = d.spend_id[row];
      r.label = std::string(d.campaigns.Name(d.spend_campaign[row]));
    } else if (kind == 'c') {
      r.kind = "contact";
      r.id = d.contact_id[row];
      r.label = d.contact_label[row];
    } else {
      r.kind = "opportunity";
      r.id = d.opp_id[row];
      r.label = d.opp_name[row];
    }
    out.push_back(std::move(r));
  });
  return out;
}

}  // namespace mops::analytics
