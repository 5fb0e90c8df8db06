// Section 6, campaign operations: UTM governance, budgets, dates, approvals.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "campaigns/campaigns.h"
#include "report/internal.h"

namespace mops::report::internal {

core::Status GatherCampaigns(store::Database& db, Facts& f, const std::string& cur) {
  Section s("campaigns", "Campaign operations");
  MOPS_ASSIGN_OR_RETURN(std::vector<campaigns::CampaignRecord> list, campaigns::ListCampaigns(db));
  if (list.empty()) {
    f.missing["campaigns"] =
        "No campaigns: import them (mops import campaigns FILE) or create them (mops campaigns "
        "create) to audit budgets, dates and approvals.";
    s.Missing(f.missing["campaigns"]);
    f.sections.push_back(std::move(s.j));
    return {};
  }
  using campaigns::State;
  MOPS_ASSIGN_OR_RETURN(campaigns::NamingRules naming, campaigns::LoadNamingRules(db));
  MOPS_ASSIGN_OR_RETURN(campaigns::StoredCheck utm, campaigns::CheckStoredUtms(db, naming));
  Json utm_rows = Json::array();
  if (utm.with_utm == 0) {
    f.missing["utms"] = "No touchpoint carries UTMs: nothing to check against the naming rules.";
  } else {
    f.metrics["campaigns.utm_violations"] = static_cast<double>(utm.touchpoints_affected);
    f.metrics["campaigns.utm_violation_share"] =
        Share(static_cast<double>(utm.touchpoints_affected), static_cast<double>(utm.with_utm));
    for (const campaigns::StoredViolation& v : utm.violations) {
      if (f.examples["campaigns.utm_violation_share"].size() < kKeep) {
        f.examples["campaigns.utm_violation_share"].push_back(
            Ex("utm", 0, v.param + "=" + v.value,
               fmt::format("{} touches; {}", v.touchpoints,
                           v.suggestion.empty() ? v.message : "use '" + v.suggestion + "'")));
      }
      if (utm_rows.size() < 15) {
        utm_rows.push_back({v.param, v.value, v.touchpoints, v.message, v.suggestion});
      }
    }
    f.metrics["campaigns.utm_violation_share#total"] = static_cast<double>(utm.violations.size());
  }

  double no_budget = 0, outside = 0, unapproved = 0, over = 0, overspend = 0;
  int64_t budget_total = 0, actual_total = 0;
  Json budget_rows = Json::array();
  for (const campaigns::CampaignRecord& c : list) {
    const campaigns::CampaignFields& k = c.fields;
    const State st = k.state;
    const bool planned_or_run = st != State::kCancelled && st != State::kDraft;
    if (planned_or_run && k.budget <= 0) {
      ++no_budget;
      f.examples["campaigns.without_budget"].push_back(
          Ex("campaign", k.id, k.name, std::string(campaigns::StateName(st))));
    }
    const bool running = st == State::kLive || st == State::kScheduled;
    if ((running && k.end_date && *k.end_date < f.as_of) ||
        (st == State::kLive && k.start_date && *k.start_date > f.as_of)) {
      ++outside;
      f.examples["campaigns.outside_dates"].push_back(
          Ex("campaign", k.id, k.name,
             fmt::format("{} {} - {}", campaigns::StateName(st),
                         k.start_date ? core::FormatDate(*k.start_date) : "?",
                         k.end_date ? core::FormatDate(*k.end_date) : "?")));
    }
    if (c.in_workflow && (running || st == State::kCompleted)) {
      MOPS_ASSIGN_OR_RETURN(campaigns::CampaignApprovals approvals,
                            campaigns::LoadApprovals(db, k.id, f.as_of));
      std::map<int, bool> round_ok;
      for (const campaigns::Step& step : approvals.steps) {
        const bool ok = step.decision == campaigns::Decision::kApproved ||
                        step.decision == campaigns::Decision::kApprovedWithChanges;
        auto [it, fresh] = round_ok.emplace(step.round, ok);
        if (!fresh) it->second = it->second && ok;
      }
      const bool approved =
          std::any_of(round_ok.begin(), round_ok.end(), [](const auto& r) { return r.second; });
      if (!approved) {
        ++unapproved;
        f.examples["campaigns.unapproved_launches"].push_back(Ex(
            "campaign", k.id, k.name,
            std::string(campaigns::StateName(st)) +
                (approvals.steps.empty() ? ", never sent for approval" : ", no approved round")));
      }
    }
    if (k.budget > 0 && st != State::kCancelled && st != State::kDraft) {
      MOPS_ASSIGN_OR_RETURN(campaigns::BudgetResult b,
                            campaigns::CampaignBudget(db, k.id, f.as_of));
      budget_total += b.report.budget;
      actual_total += b.report.actual;
      if (b.report.over_budget) {
        ++over;
        overspend += static_cast<double>(-b.report.variance);
        f.examples["campaigns.over_budget"].push_back(
            Ex("campaign", k.id, k.name,
               Money(b.report.actual, cur) + " of " + Money(b.report.budget, cur)));
        budget_rows.push_back({k.name, Money(b.report.budget, cur), Money(b.report.actual, cur),
                               Money(b.report.variance, cur)});
      }
    }
  }
  f.metrics["campaigns.campaigns"] = static_cast<double>(list.size());
  f.metrics["campaigns.without_budget"] = no_budget;
  f.metrics["campaigns.outside_dates"] = outside;
  f.metrics["campaigns.unapproved_launches"] = unapproved;
  f.metrics["campaigns.over_budget"] = over;
  f.metrics["campaigns.overspend"] = overspend;

  s.Figure("Campaigns", static_cast<double>(list.size()), "count", cur);
  s.Figure("Budgeted", static_cast<double>(budget_total), "money", cur);
  s.Figure("Spent", static_cast<double>(actual_total), "money", cur);
  if (utm.with_utm > 0) {
    s.Figure("Touches with UTMs breaking the rules", f.metrics["campaigns.utm_violation_share"],
             "percent", cur);
  }
  s.Chart(
      "Campaign problems", {"without budget", "outside dates", "unapproved launch", "over budget"},
      Json::array({{{"name", "campaigns"}, {"values", {no_budget, outside, unapproved, over}}}}),
      "count");
  if (!utm_rows.empty()) {
    s.Table("UTM violations", {"parameter", "value", "touches", "problem", "suggestion"}, utm_rows);
  }
  if (!budget_rows.empty()) {
    s.Table("Over budget", {"campaign", "budget", "actual", "variance"}, budget_rows);
  }
  f.sections.push_back(std::move(s.j));
  return {};
}

}  // namespace mops::report::internal
