// Channel performance: spend, reach, leads, pipeline and attributed revenue
// per channel, source or campaign.
#include <algorithm>
#include <cmath>
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

enum class Metric { kSpend, kLead, kMql, kSourced, kInfluenced, kRevenue, kWon, kUnattributed };

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

// The report's keys: the codes of the dimension's dictionary, then the names
// only the attribution credits have (a campaign renamed or a touch deleted
// since the run). kNone is "(none)".
class Keys {
 public:
  Keys(const Dataset& d, Dimension dim, const Dataset::Credits* credits)
      : dict_(KeyDict(d, dim)), dim_(dim) {
    if (credits == nullptr) return;
    const Dict& own = CreditDict(*credits);
    for (const std::string& name : own.names) {
      int32_t key = dict_.Find(name);
      if (key == kNone) {
        auto it = std::find(extra_.begin(), extra_.end(), name);
        key = static_cast<int32_t>(dict_.names.size()) + static_cast<int32_t>(it - extra_.begin());
        if (it == extra_.end()) extra_.push_back(name);
      }
      credit_key_.push_back(key);
    }
  }
  size_t size() const { return dict_.names.size() + extra_.size(); }
  std::string_view Name(int32_t key) const {
    if (key < 0) return kNoKey;
    const auto k = static_cast<size_t>(key);
    return k < dict_.names.size() ? std::string_view(dict_.names[k])
                                  : std::string_view(extra_[k - dict_.names.size()]);
  }
  // kNone for "(none)"; -2 when no key has the name.
  int32_t Find(std::string_view name) const {
    if (name == kNoKey) return kNone;
    for (size_t k = 0; k < size(); ++k) {
      if (Name(static_cast<int32_t>(k)) == name) return static_cast<int32_t>(k);
    }
    return -2;
  }
  // The key of credit i.
  int32_t OfCredit(const Dataset::Credits& c, size_t i) const {
    const int32_t code = dim_ == Dimension::kChannel  ? c.channel[i]
                         : dim_ == Dimension::kSource ? c.source[i]
                                                      : c.campaign[i];
    return code < 0 ? kNone : credit_key_[static_cast<size_t>(code)];
  }

 private:
  const Dict& CreditDict(const Dataset::Credits& c) const {
    return dim_ == Dimension::kChannel  ? c.channels
           : dim_ == Dimension::kSource ? c.sources
                                        : c.campaigns;
  }
  const Dict& dict_;
  Dimension dim_;
  std::vector<std::string> extra_;
  std::vector<int32_t> credit_key_;
};

// Whether the credits can be summed by the dimension: per touch always; per
// channel only by channel.
bool RevenueAvailable(const Dataset::Credits* credits, Dimension dim) {
  return credits != nullptr && (credits->per_touch || dim == Dimension::kChannel);
}

// Whether credit i counts in the period, and when (the deal's close, or its
// creation for a run of created opportunities).
bool CreditAt(const Dataset& d, const Dataset::Credits& c, const Period& period, size_t i,
              Timestamp& at) {
  const int32_t p = c.opp[i];
  if (p < 0) return false;
  at = c.conversion != "created" ? d.opp_close[static_cast<size_t>(p)]
                                 : d.opp_created[static_cast<size_t>(p)];
  return period.Contains(at);
}

bool ConversionCounts(const Dataset& d, const Dataset::Credits& c, const Period& period, size_t p) {
  return c.conversion != "created" ? d.opp_won[p] && period.Contains(d.opp_close[p])
                                   : period.Contains(d.opp_created[p]);
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
// o (opportunity), s (spend), r (credit: row is the credit's index), and its
// row.
using Visit =
    std::function<void(Metric, int32_t key, char kind, size_t row, double value, Timestamp at)>;

void Walk(const Dataset& d, const ChannelOptions& o, const Dataset::Credits* credits,
          const Keys& keys, const Visit& visit) {
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
  std::vector<int32_t> touched;
  const MarketingTouch is_marketing(d);
  for (size_t p = 0; p < d.opportunity_count(); ++p) {
    const Timestamp created = d.opp_created[p];
    if (!o.period.Contains(created) || d.opp_account[p] < 0) continue;
    const double amount = static_cast<double>(d.opp_amount[p]) / 100;
    const size_t a = static_cast<size_t>(d.opp_account[p]);
    touched.clear();
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
        if (std::find(touched.begin(), touched.end(), key) == touched.end()) touched.push_back(key);
      }
    }
    for (int32_t key : touched) visit(Metric::kInfluenced, key, 'o', p, amount, created);
  }
  // Attributed revenue: the run's credits of the deals that converted in the
  // period, under the key of the credited touch (or channel).
  if (RevenueAvailable(credits, o.dimension)) {
    for (size_t i = 0; i < credits->opp.size(); ++i) {
      Timestamp at = 0;
      if (!CreditAt(d, *credits, o.period, i, at)) continue;
      visit(Metric::kRevenue, keys.OfCredit(*credits, i), 'r', i, credits->value[i], at);
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
  // Rows by key + 1 (0 for "(none)").
  const Keys keys(d, o.dimension, credits);
  report.revenue_available = credits == nullptr || RevenueAvailable(credits, o.dimension);
  std::vector<ChannelRow> rows(keys.size() + 1);
  std::vector<uint8_t> used(rows.size(), 0);
  size_t weeks = 0;
  std::vector<uint8_t> influenced(d.opportunity_count(), 0);
  Walk(d, o, credits, keys, [&](Metric m, int32_t key, char, size_t row, double value, Timestamp) {
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
      case Metric::kWon:
      case Metric::kUnattributed:
        break;
    }
  });
  for (size_t k = 0; k < rows.size(); ++k) {
    if (!used[k]) continue;
    ChannelRow& r = rows[k];
    r.key = std::string(keys.Name(static_cast<int32_t>(k) - 1));
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
    for (size_t p = 0; p < d.opportunity_count(); ++p) {
      if (ConversionCounts(d, *credits, o.period, p))
        report.won_revenue += static_cast<double>(d.opp_amount[p]) / 100;
    }
    if (report.revenue_available) report.unattributed = report.won_revenue - report.total.revenue;
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
      {"won_revenue", Metric::kWon},
      {"unattributed", Metric::kUnattributed},
  };
  const Metric* wanted = nullptr;
  for (const auto& [name, m] : kMetrics) {
    if (name == metric) wanted = &m;
  }
  if (wanted == nullptr) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "metric must be spend, leads, mqls, sourced_pipeline, influenced_pipeline, "
                      "revenue, won_revenue or unattributed, got '{}'",
                      metric);
  }
  const bool revenue_metric =
      *wanted == Metric::kRevenue || *wanted == Metric::kWon || *wanted == Metric::kUnattributed;
  if (revenue_metric && credits == nullptr) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "{} needs a stored attribution run of won deals (mops attribute "
                      "--conversion won)",
                      metric);
  }
  if (*wanted != Metric::kWon && revenue_metric && !RevenueAvailable(credits, o.dimension)) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "attribution run {} keeps credit per channel only (it was stored before "
                      "credit per touch): drill its revenue by channel, or run the attribution "
                      "again for revenue by source and campaign",
                      credits->run_id);
  }
  const auto deal = [&](size_t p, Timestamp at, double value) {
    Record r;
    r.kind = "opportunity";
    r.id = d.opp_id[p];
    r.label = d.opp_name[p];
    r.at = at;
    r.value = value;
    return r;
  };
  std::vector<Record> out;
  if (*wanted == Metric::kWon || *wanted == Metric::kUnattributed) {
    // Per deal: its amount, or the part of it no touch got credit for.
    std::vector<double> credited(d.opportunity_count(), 0);
    if (*wanted == Metric::kUnattributed) {
      for (size_t i = 0; i < credits->opp.size(); ++i) {
        Timestamp at = 0;
        if (CreditAt(d, *credits, o.period, i, at))
          credited[static_cast<size_t>(credits->opp[i])] += credits->value[i];
      }
    }
    const bool won = credits->conversion != "created";
    for (size_t p = 0; p < d.opportunity_count(); ++p) {
      if (!ConversionCounts(d, *credits, o.period, p)) continue;
      const double left = static_cast<double>(d.opp_amount[p]) / 100 - credited[p];
      if (*wanted == Metric::kUnattributed && std::abs(left) < 1e-6) continue;
      out.push_back(deal(p, won ? d.opp_close[p] : d.opp_created[p], left));
    }
    return out;
  }
  const Keys keys(d, o.dimension, credits);
  const int32_t wanted_key = keys.Find(key);
  if (wanted_key == -2) return out;  // no such key: no records
  Walk(d, o, credits, keys,
       [&](Metric m, int32_t k, char kind, size_t row, double value, Timestamp at) {
         if (m != *wanted || k != wanted_key) return;
         if (kind == 'r') {
           Record r = deal(static_cast<size_t>(credits->opp[row]), at, value);
           r.touch_id = credits->touch_id[row];
           r.touch_at = credits->touch_at[row];
           std::string touch(credits->channels.Name(credits->channel[row]));
           const std::string_view source = credits->sources.Name(credits->source[row]);
           const std::string_view campaign = credits->campaigns.Name(credits->campaign[row]);
           if (!source.empty()) touch += " / " + std::string(source);
           if (!campaign.empty()) touch += " / " + std::string(campaign);
           r.touch = std::move(touch);
           out.push_back(std::move(r));
           return;
         }
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
           r.label = d.ContactLabel(row);
         } else {
           r = deal(row, at, value);
         }
         out.push_back(std::move(r));
       });
  return out;
}

}  // namespace mops::analytics
