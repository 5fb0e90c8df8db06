// Billing inference: cadence, annualised cost, price changes, the next
// expected charge and duplicate payers, per tool, from its card charges.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "core/strings.h"
#include "stack/discovery/discovery.h"

namespace mops::stack::discovery {
namespace {

Timestamp AddMonths(Timestamp t, int months) {
  const int64_t days = core::FloorDiv(t, core::kSecondsPerDay);
  const core::CivilDate d = core::CivilFromDays(days);
  int64_t month0 = static_cast<int64_t>(d.month) - 1 + months;
  int64_t year = d.year + core::FloorDiv(month0, 12);
  month0 -= core::FloorDiv(month0, 12) * 12;
  const unsigned month = static_cast<unsigned>(month0 + 1);
  static constexpr unsigned kLength[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  unsigned length = kLength[month - 1];
  if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) length = 29;
  return core::DaysFromCivil(year, month, std::min(d.day, length)) * core::kSecondsPerDay +
         (t - days * core::kSecondsPerDay);
}

std::string MonthOf(Timestamp t) {
  const core::CivilDate d = core::CivilFromDays(core::FloorDiv(t, core::kSecondsPerDay));
  return fmt::format("{:04}-{:02}", d.year, d.month);
}

std::string StreamLabel(const Payer& p) {
  std::vector<std::string> parts;
  if (!p.payer.empty()) parts.push_back(p.payer);
  if (!p.department.empty()) parts.push_back("(" + p.department + ")");
  if (!p.card.empty()) parts.push_back("card " + p.card);
  return parts.empty() ? "unknown payer" : core::Join(parts, " ");
}

std::string MoneyText(int64_t minor) { return core::FormatMoneyMinor(minor); }

}  // namespace

Billing Bill(std::span<const Charge> input, Timestamp as_of) {
  std::vector<Charge> charges(input.begin(), input.end());
  std::stable_sort(charges.begin(), charges.end(),
                   [](const Charge& a, const Charge& b) { return a.date < b.date; });
  Billing b;
  std::vector<const Charge*> positive;
  for (const Charge& c : charges) {
    b.net += c.amount;
    if (c.amount > 0) {
      positive.push_back(&c);
    } else {
      b.refunds += c.amount;
    }
  }
  b.charges = static_cast<int64_t>(positive.size());
  if (!charges.empty()) {
    b.first = charges.front().date;
    b.last = charges.back().date;
  }
  const int64_t year_start = as_of - 365 * core::kSecondsPerDay;
  int64_t trailing = 0;
  for (const Charge& c : charges) {
    if (c.date > year_start && c.date <= as_of) trailing += c.amount;
  }
  if (positive.empty()) {
    b.cadence = "irregular";
    b.annualised = std::max<int64_t>(0, trailing);
    return b;
  }
  b.first = positive.front()->date;
  b.last = positive.back()->date;
  b.last_amount = positive.back()->amount;
  if (positive.size() == 1) {
    b.cadence = "once";
    b.annualised = b.last_amount;
    return b;
  }
  std::vector<int64_t> gaps;
  for (size_t i = 1; i < positive.size(); ++i) {
    gaps.push_back(core::FloorDiv(positive[i]->date, core::kSecondsPerDay) -
                   core::FloorDiv(positive[i - 1]->date, core::kSecondsPerDay));
  }
  std::sort(gaps.begin(), gaps.end());
  const size_t n = gaps.size();
  const double median =
      n % 2 == 1 ? static_cast<double>(gaps[n / 2])
                 : (static_cast<double>(gaps[n / 2 - 1]) + static_cast<double>(gaps[n / 2])) / 2;
  int months = 0;
  if (median >= 26 && median <= 35) {
    b.cadence = "monthly", months = 1;
    b.annualised = b.last_amount * 12;
  } else if (median >= 80 && median <= 100) {
    b.cadence = "quarterly", months = 3;
    b.annualised = b.last_amount * 4;
  } else if (median >= 330 && median <= 400) {
    b.cadence = "annual", months = 12;
    b.annualised = b.last_amount;
  } else {
    b.cadence = "irregular";
    b.annualised = std::max<int64_t>(0, trailing);
  }
  if (months > 0) {
    b.next_expected = AddMonths(b.last, months);
    for (size_t i = 1; i < positive.size(); ++i) {
      const Charge& prev = *positive[i - 1];
      const Charge& cur = *positive[i];
      const bool foreign = prev.original_amount && cur.original_amount;
      const int64_t a = foreign ? *prev.original_amount : prev.amount;
      const int64_t c = foreign ? *cur.original_amount : cur.amount;
      if (std::llabs(c - a) * 100 > std::llabs(a)) {
        b.price_changes.push_back({cur.date, prev.amount, cur.amount});
      }
    }
  }
  return b;
}

SpendReport AnalyzeSpend(std::span<const SpendRow> rows, const Matcher& matcher, Timestamp as_of) {
  SpendReport report;
  report.as_of = as_of;
  if (rows.empty()) return report;
  // Match each distinct descriptor once.
  std::unordered_map<std::string_view, int32_t> descriptor_slot;
  std::vector<std::optional<Match>> matches;
  std::vector<std::string> normalized;
  std::vector<int32_t> slot_of_row(rows.size());
  Timestamp lo = rows.front().date, hi = rows.front().date;
  for (size_t i = 0; i < rows.size(); ++i) {
    const SpendRow& r = rows[i];
    auto [it, added] =
        descriptor_slot.try_emplace(r.descriptor, static_cast<int32_t>(matches.size()));
    if (added) {
      matches.push_back(matcher.MatchDescriptor(r.descriptor));
      normalized.push_back(matches.back() ? std::string() : NormalizeDescriptor(r.descriptor));
    }
    slot_of_row[i] = it->second;
    lo = std::min(lo, r.date);
    hi = std::max(hi, r.date);
    if (!r.currency.empty()) {
      if (report.currency.empty()) {
        report.currency = r.currency;
      } else if (report.currency != r.currency) {
        report.currency = "mixed";
      }
    }
  }
  const core::CivilDate first_day = core::CivilFromDays(core::FloorDiv(lo, core::kSecondsPerDay));
  for (Timestamp m = core::DaysFromCivil(first_day.year, first_day.month, 1) * core::kSecondsPerDay;
       m <= hi; m = AddMonths(m, 1)) {
    report.months.push_back(MonthOf(m));
  }
  const int64_t base_month = first_day.year * 12 + first_day.month - 1;
  const auto month_index = [base_month](Timestamp t) {
    const core::CivilDate d = core::CivilFromDays(core::FloorDiv(t, core::kSecondsPerDay));
    return static_cast<size_t>(d.year * 12 + d.month - 1 - base_month);
  };

  // Group rows: per tool (or unmatched merchant), per stream (card, else
  // payer, else department). Each descriptor belongs to one group and each
  // row to one stream, so the loop over the rows only indexes arrays.
  struct Group {
    std::vector<std::vector<Charge>> streams;
    std::vector<int32_t> stream_ids;                 // per stream: its id
    std::unordered_map<int32_t, int32_t> stream_of;  // id -> index in streams
    std::vector<std::string> descriptors;
    double confidence = 1;
    int64_t transactions = 0;
    std::vector<int64_t> month_net;
  };
  std::map<std::string, int32_t> tools, unmatched;  // name -> group, in name order
  std::vector<Group> groups;
  std::vector<int32_t> group_of_slot(matches.size());
  {
    std::vector<bool> seen(matches.size(), false);
    for (size_t i = 0; i < rows.size(); ++i) {
      const int32_t slot = slot_of_row[i];
      if (seen[slot]) continue;
      seen[slot] = true;
      const std::optional<Match>& m = matches[slot];
      auto& index = m ? tools : unmatched;
      auto [it, added] =
          index.try_emplace(m ? m->tool : normalized[slot], static_cast<int32_t>(groups.size()));
      if (added) {
        groups.emplace_back();
        groups.back().month_net.assign(report.months.size(), 0);
      }
      Group& g = groups[it->second];
      g.descriptors.push_back(rows[i].descriptor);
      if (m) g.confidence = std::min(g.confidence, m->confidence);
      group_of_slot[slot] = it->second;
    }
  }
  std::unordered_map<std::string_view, int32_t> cards, payers, departments;
  std::vector<Payer> stream_payer;
  for (size_t i = 0; i < rows.size(); ++i) {
    const SpendRow& r = rows[i];
    const int32_t slot = slot_of_row[i];
    Group& g = groups[group_of_slot[slot]];
    auto& ids = !r.card.empty() ? cards : !r.payer.empty() ? payers : departments;
    const std::string_view key = !r.card.empty()    ? r.card
                                 : !r.payer.empty() ? r.payer
                                                    : r.department;
    auto [id, new_stream] = ids.try_emplace(key, static_cast<int32_t>(stream_payer.size()));
    if (new_stream) stream_payer.push_back(Payer{r.payer, r.card, r.department, {}});
    Payer& p = stream_payer[id->second];
    if (p.payer.empty()) p.payer = r.payer;
    if (p.department.empty()) p.department = r.department;
    auto [local, new_local] =
        g.stream_of.try_emplace(id->second, static_cast<int32_t>(g.streams.size()));
    if (new_local) {
      g.streams.emplace_back();
      g.stream_ids.push_back(id->second);
    }
    g.streams[local->second].push_back({r.date, r.amount, r.original_amount});
    g.month_net[month_index(r.date)] += r.amount;
    ++g.transactions;
    report.total += r.amount;
    (matches[slot] ? report.matched : report.unmatched_total) += r.amount;
    ++report.transactions;
  }

  for (auto& [name, group] : tools) {
    Group& g = groups[group];
    ToolSpend t;
    t.tool = name;
    t.category = matcher.CategoryOf(name);
    t.confidence = g.confidence;
    t.descriptors = g.descriptors;
    t.transactions = g.transactions;
    t.month_net = g.month_net;
    for (size_t k = 0; k < g.streams.size(); ++k) {
      Payer p = stream_payer[g.stream_ids[k]];
      p.billing = Bill(g.streams[k], as_of);
      t.annualised += p.billing.annualised;
      t.net += p.billing.net;
      t.refunds += p.billing.refunds;
      t.payers.push_back(std::move(p));
    }
    std::stable_sort(t.payers.begin(), t.payers.end(), [](const Payer& a, const Payer& b) {
      return a.billing.annualised > b.billing.annualised;
    });
    t.first = t.payers.front().billing.first;
    t.last = t.payers.front().billing.last;
    t.cadence = t.payers.front().billing.cadence;
    for (const Payer& p : t.payers) {
      t.first = std::min(t.first, p.billing.first);
      t.last = std::max(t.last, p.billing.last);
      if (p.billing.next_expected &&
          (!t.next_expected || *p.billing.next_expected < *t.next_expected)) {
        t.next_expected = p.billing.next_expected;
      }
      t.price_changes.insert(t.price_changes.end(), p.billing.price_changes.begin(),
                             p.billing.price_changes.end());
    }
    std::sort(t.price_changes.begin(), t.price_changes.end(),
              [](const PriceChange& a, const PriceChange& b) { return a.date < b.date; });
    // Duplicates: two recurring payers whose charge spans overlap.
    std::vector<const Payer*> recurring;
    for (const Payer& p : t.payers) {
      if (p.billing.charges >= 2) recurring.push_back(&p);
    }
    std::vector<std::string> dup;
    for (size_t a = 0; a < recurring.size(); ++a) {
      for (size_t b = a + 1; b < recurring.size(); ++b) {
        const Billing& x = recurring[a]->billing;
        const Billing& y = recurring[b]->billing;
        if (x.first <= y.last && y.first <= x.last) t.duplicate = true;
      }
    }
    if (t.duplicate) {
      for (const Payer* p : recurring) {
        dup.push_back(fmt::format("{} {} {}", StreamLabel(*p), p->billing.cadence,
                                  MoneyText(p->billing.last_amount)));
      }
      t.duplicate_detail = fmt::format("paid {} times over the same months: {}", recurring.size(),
                                       core::Join(dup, "; "));
    }
    report.tools.push_back(std::move(t));
  }
  std::stable_sort(
      report.tools.begin(), report.tools.end(), [](const ToolSpend& a, const ToolSpend& b) {
        return a.annualised != b.annualised ? a.annualised > b.annualised : a.tool < b.tool;
      });

  for (auto& [name, group] : unmatched) {
    Group& g = groups[group];
    UnmatchedMerchant u;
    u.merchant = name;
    u.descriptors = g.descriptors;
    u.transactions = g.transactions;
    std::vector<Charge> all;
    for (size_t k = 0; k < g.streams.size(); ++k) {
      all.insert(all.end(), g.streams[k].begin(), g.streams[k].end());
      const Payer& p = stream_payer[g.stream_ids[k]];
      const std::string label = StreamLabel(p);
      if (std::find(u.payers.begin(), u.payers.end(), label) == u.payers.end()) {
        u.payers.push_back(label);
      }
    }
    const Billing b = Bill(all, as_of);
    u.net = b.net;
    u.cadence = b.cadence;
    u.recurring = b.cadence == "monthly" || b.cadence == "quarterly" || b.cadence == "annual";
    report.unmatched.push_back(std::move(u));
  }
  std::stable_sort(report.unmatched.begin(), report.unmatched.end(),
                   [](const UnmatchedMerchant& a, const UnmatchedMerchant& b) {
                     if (a.recurring != b.recurring) return a.recurring;
                     return a.net > b.net;
                   });
  return report;
}

}  // namespace mops::stack::discovery
