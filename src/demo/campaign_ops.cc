// The demo company's campaign operations (see campaign_ops.h).
#include "demo/campaign_ops.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "demo/random.h"

namespace mops::demo {
namespace {

constexpr uint64_t kStreamCampaignOps = 0x63616d706f7073;  // "campops"
constexpr std::string_view kDemoSite = "https://www.northwind-analytics.example";

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Url(std::string_view path, std::string_view source, std::string_view medium,
                std::string_view campaign) {
  return fmt::format("{}{}?utm_source={}&utm_medium={}&utm_campaign={}", kDemoSite, path, source,
                     medium, campaign);
}

// Which template a campaign uses, by its type and channel.
int TemplateFor(const CampaignRef& c) {
  const std::string t = Lower(c.type);
  if (t == "program") return -1;
  if (c.channel == "webinar") return 0;
  if (c.channel == "events") return 1;
  if (c.channel == "email") return 2;
  return 3;  // paid media and the rest
}

}  // namespace

CampaignOpsPlan PlanCampaignOps(std::span<const CampaignRef> campaigns, uint64_t seed,
                                core::Timestamp reference_time) {
  CampaignOpsPlan plan;
  Rng rng(seed, kStreamCampaignOps);
  // The naming rules of the demo company: its own convention
  // <yyyy>q<n>_<code>_<region>_<slug>, lower case.
  plan.naming_yaml =
      "# Naming rules for tracked links (UTM governance).\n"
      "mediums: [email, organic, (none), cpc, paid_social, referral, webinar, display, social, "
      "offline, video, syndication, partner, affiliate]\n"
      "case: lower\n"
      "space_replacement: \"_\"\n"
      "forbidden: \"?#&=%<>\"\n"
      "max_length: {utm_source: 40, utm_medium: 40, utm_campaign: 80}\n"
      "required: [utm_source, utm_medium, utm_campaign]\n"
      "campaign_pattern: \"{yyyy}{q}_{code}_{region}_{name}\"\n"
      "fields:\n"
      "  code: [ps, so, dsp, em, web, evt, cs, ptr, dm, rev, vid, aff, soc]\n"
      "  region: [na, emea, apac, global]\n";

  // The asset library. Two are planted problems: a landing page link
  // without utm_medium, and an e-mail with a misspelled token.
  plan.assets = {
      {"Webinar invitation e-mail", "email", Url("/webinars", "newsletter", "email", "webinar"),
       "Maya Chen", "ready",
       "Hi {{contact.first_name | default: 'there'}}, join our live session. Seats are limited."},
      {"Webinar reminder e-mail", "email", Url("/webinars/live", "newsletter", "email", "webinar"),
       "Maya Chen", "ready", "Hi {{contact.frist_name}}, we start in one hour."},
      {"Event landing page", "landing_page",
       fmt::format("{}/events?utm_source=event&utm_campaign=events", kDemoSite), "Luis Ortega",
       "ready", ""},
      {"Event booth one-pager", "document", "", "Luis Ortega", "ready", ""},
      {"Newsletter template", "email", Url("/blog", "newsletter", "email", "newsletter"),
       "Priya Raman", "ready", "Hello {{contact.first_name}}, this month at {{company}}..."},
      {"Search ad copy", "ad", Url("/lp/attribution", "google", "cpc", "search"), "Sam Patel",
       "ready", "Attribution you can trust. Try it free."},
      {"LinkedIn carousel", "social_post", Url("/lp/demo", "linkedin", "paid_social", "social"),
       "Sam Patel", "ready", "Four charts every CMO asks for."},
      {"Attribution e-book", "document",
       fmt::format("{}/resources/attribution-ebook.pdf", kDemoSite), "Priya Raman", "ready", ""},
      {"2024 brand deck", "document", "", "Priya Raman", "retired", ""},
  };

  const std::vector<PlannedStep> brand_then_director = {{1, "Brand review", "approver", "", 2},
                                                        {2, "Marketing director", "", "dana", 2}};
  const std::vector<PlannedStep> parallel_legal = {{1, "Brand review", "approver", "", 2},
                                                   {1, "Legal", "", "lena", 3},
                                                   {2, "Marketing director", "", "dana", 1}};
  plan.templates = {
      {"Webinar",
       "Webinar",
       "webinar",
       "{yyyy}{q}_web_{region}_{name}",
       "Live webinar with registration, reminder and follow-up",
       {"Speaker confirmed", "Recording tested", "Follow-up sequence scheduled"},
       {0, 1},
       {{"Invited", false, true}, {"Registered", true}, {"No Show", true}, {"Attended", true}},
       parallel_legal},
      {"Field event",
       "Event",
       "events",
       "{yyyy}{q}_evt_{region}_{name}",
       "Conference or field event with booth and meetings",
       {"Booth shipped", "Lead scanner rented", "Badge list imported"},
       {2, 3},
       {{"Invited", false, true}, {"Registered", true}, {"No Show", true}, {"Attended", true}},
       parallel_legal},
      {"E-mail send",
       "Email",
       "email",
       "{yyyy}{q}_em_{region}_{name}",
       "One e-mail to a segment",
       {"Seed list test sent", "Unsubscribe link checked"},
       {4},
       {{"Sent", false, true}, {"Opened", false}, {"Clicked", true}, {"Unsubscribed", false}},
       brand_then_director},
      {"Paid media flight",
       "Advertisement",
       "paid_search",
       "{yyyy}{q}_ps_{region}_{name}",
       "Search, social or display flight with budget and pacing",
       {"Conversion tag verified", "Budget cap set in the ad platform"},
       {5, 6},
       {{"Targeted", false, true}, {"Clicked", true}, {"Converted", true}},
       brand_then_director},
  };

  static constexpr std::string_view kAudiences[] = {
      "NA mid-market IT leaders", "EMEA enterprise marketers", "APAC growth teams",
      "Customers - all regions",  "Open opportunities",        "Newsletter subscribers"};
  static constexpr std::string_view kGoals[] = {"150 registrations", "40 MQLs", "$250k pipeline",
                                                "20 meetings booked", "5% CTR"};
  static constexpr std::string_view kApprovers[] = {"ana", "omar"};

  // Campaigns in id order; their state follows the CRM status, and the
  // planned ones are spread over the review workflow.
  std::vector<const CampaignRef*> order;
  for (const CampaignRef& c : campaigns) order.push_back(&c);
  std::sort(order.begin(), order.end(),
            [](const CampaignRef* a, const CampaignRef* b) { return a->id < b->id; });
  int planned_seen = 0;
  int64_t over_budget = 0, without_approval = 0, overdue = 0;
  const CampaignRef* email_a = nullptr;
  for (const CampaignRef* c : order) {
    const int tpl = TemplateFor(*c);
    if (tpl < 0) continue;
    PlannedWorkflow w;
    w.campaign_id = c->id;
    w.template_index = tpl;
    w.audience = std::string(kAudiences[rng.Below(std::size(kAudiences))]);
    if (c->channel == "email") w.audience = "Newsletter subscribers";
    w.goal = std::string(kGoals[rng.Below(std::size(kGoals))]);
    const PlannedTemplate& t = plan.templates[tpl];
    w.assets = t.assets;
    const std::string status = Lower(c->status);
    const core::Timestamp submitted = c->start - 14 * core::kSecondsPerDay;
    auto approve_all = [&](core::Timestamp at, int round) {
      for (size_t s = 0; s < t.chain.size(); ++s) {
        const PlannedStep& step = t.chain[s];
        PlannedDecision d;
        d.step = static_cast<int>(s);
        d.round = round;
        d.decision = rng.Chance(0.15) ? "approved_with_changes" : "approved";
        d.actor = step.user.empty() ? std::string(kApprovers[rng.Below(2)]) : step.user;
        d.comment = d.decision == "approved" ? "" : "Tightened the headline";
        d.due_at = at + step.due_days * core::kSecondsPerDay;
        d.at = at + rng.Between(0, step.due_days) * core::kSecondsPerDay + 3600 * rng.Between(1, 8);
        w.approvals.push_back(d);
      }
    };
    for (const std::string& item : t.checklist) w.checklist.push_back({item, true});
    if (status == "completed" || status == "in progress") {
      w.state = status == "completed" ? "completed" : "live";
      // Some went through a round of changes first.
      if (rng.Chance(0.2)) {
        PlannedDecision d;
        d.step = 0;
        d.round = 1;
        d.decision = "changes_required";
        d.actor = std::string(kApprovers[rng.Below(2)]);
        d.comment = "Logo lock-up is outdated; use the 2025 kit";
        d.due_at = submitted - 5 * core::kSecondsPerDay;
        d.at = submitted - 6 * core::kSecondsPerDay;
        w.approvals.push_back(d);
        approve_all(submitted, 2);
      } else {
        approve_all(submitted, 1);
      }
      if (w.state == "live" && without_approval == 0 && c->channel != "email") {
        // Planted: launched without approval (its steps still pending).
        w.approvals.clear();
        w.planted = "launched without approval";
        without_approval = c->id;
      }
    } else if (status == "aborted") {
      w.state = "cancelled";
      approve_all(submitted, 1);
    } else {
      // Planned: draft, in review (one overdue), approved, scheduled.
      const int slot = planned_seen++ % 4;
      for (auto& item : w.checklist) item.second = slot >= 2;
      if (slot == 0) {
        w.state = "draft";
      } else if (slot == 1) {
        w.state = "in_review";
        const core::Timestamp at = overdue == 0 ? reference_time - 9 * core::kSecondsPerDay
                                                : reference_time - core::kSecondsPerDay;
        for (size_t s = 0; s < t.chain.size(); ++s) {
          PlannedDecision d;
          d.step = static_cast<int>(s);
          d.decision = s == 0 && overdue != 0 ? "approved" : "pending";
          d.actor = d.decision == "pending" ? "" : std::string(kApprovers[0]);
          d.due_at = at + t.chain[s].due_days * core::kSecondsPerDay;
          d.at = d.decision == "pending" ? 0 : at + core::kSecondsPerDay;
          w.approvals.push_back(d);
        }
        if (overdue == 0) {
          w.planted = "approval overdue";
          overdue = c->id;
        }
      } else {
        w.state = slot == 2 ? "approved" : "scheduled";
        approve_all(reference_time - 10 * core::kSecondsPerDay, 1);
      }
    }
    if (c->channel == "email" && email_a == nullptr && w.state != "cancelled") email_a = c;
    plan.workflows.push_back(std::move(w));
  }
  // Planted: the largest paid campaign overspends by 30%.
  const CampaignRef* biggest = nullptr;
  for (const CampaignRef* c : order) {
    if (TemplateFor(*c) == 3 && c->budget > 0 && Lower(c->status) != "planned" &&
        (biggest == nullptr || c->budget > biggest->budget)) {
      biggest = c;
    }
  }
  if (biggest != nullptr) {
    plan.costs.push_back({biggest->id, biggest->end, biggest->budget * 13 / 10,
                          "Agency invoice: creative and media (over the approved budget)"});
    for (PlannedWorkflow& w : plan.workflows) {
      if (w.campaign_id == biggest->id && w.planted.empty()) w.planted = "over budget";
    }
    over_budget = biggest->id;
  }
  // Hand-entered period costs of events (venue, travel).
  for (const CampaignRef* c : order) {
    if (TemplateFor(*c) == 1 && Lower(c->status) == "completed" && c->budget > 0) {
      plan.costs.push_back({c->id, c->start, c->budget / 4, "Venue and booth"});
    }
  }
  // Planted: a second send to the same audience on the same day.
  if (email_a != nullptr) {
    PlannedCampaign p;
    p.name = email_a->name + " (resend)";
    p.type = "Email";
    p.channel = "email";
    p.audience = "Newsletter subscribers";
    p.goal = "Re-engage non-openers";
    p.utm_campaign = email_a->utm_campaign + "-resend";
    p.state = "scheduled";
    p.parent_id = email_a->parent_id;
    p.start = email_a->start;
    p.end = email_a->start;
    p.budget = 50000;
    plan.added.push_back(std::move(p));
  }
  plan.source_variants = {{"facebook", "Facebook", 5, 1},
                          {"facebook", "fb", 9, 4},
                          {"linkedin", "LinkedIn", 7, 2},
                          {"google", "Google", 40, 3}};
  (void)over_budget;
  return plan;
}

}  // namespace mops::demo
