// The demo company's campaign operations: templates, an asset library, the
// workflow state and approval history of each campaign, and a few planted
// problems (UTM violations, a campaign over budget, one launched without
// approval, a double e-mail send, an overdue approval, an asset with a broken
// personalization token), so that every panel of the campaigns page has
// something to show.
//
// PlanCampaignOps is pure and deterministic: the same campaigns, seed and
// reference time give the same plan. The campaigns slice writes the plan
// into a workspace (campaigns::SeedDemo).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/time.h"

namespace mops::demo {

// A campaign of the workspace as the plan needs it.
struct CampaignRef {
  int64_t id = 0;
  int64_t parent_id = 0;
  std::string name, type, channel, status, utm_campaign;
  core::Timestamp start = 0, end = 0;
  int64_t budget = 0;  // minor units
};

struct PlannedStep {
  int stage = 1;
  std::string name, role, user;
  int due_days = 3;
};

struct PlannedTemplate {
  std::string name, type, channel, utm_pattern, description;
  std::vector<std::string> checklist;
  std::vector<int> assets;  // indices into CampaignOpsPlan::assets
  struct Status {
    std::string name;
    bool responded = false;
    bool is_default = false;
  };
  std::vector<Status> statuses;
  std::vector<PlannedStep> chain;
};

struct PlannedAsset {
  std::string name, type, url, owner, status, body;
};

struct PlannedDecision {
  int step = 0;  // index into the template's chain
  int round = 1;
  std::string decision;  // approved, approved_with_changes, changes_required, rejected, pending
  std::string actor, comment;
  core::Timestamp due_at = 0;
  core::Timestamp at = 0;  // 0 while pending
};

struct PlannedWorkflow {
  int64_t campaign_id = 0;
  int template_index = -1;
  std::string state;  // draft ... cancelled
  std::string audience, goal;
  std::vector<PlannedDecision> approvals;  // empty: never sent for approval
  std::vector<int> assets;
  std::vector<std::pair<std::string, bool>> checklist;  // label, done
  std::string planted;  // what problem, if any, this campaign carries
};

struct PlannedCost {
  int64_t campaign_id = 0;
  core::Timestamp month = 0;
  int64_t amount = 0;  // minor units
  std::string note;
};

// A campaign the plan adds (the second send of the double e-mail).
struct PlannedCampaign {
  std::string name, type, channel, audience, goal, utm_campaign, state;
  int64_t parent_id = 0;
  core::Timestamp start = 0, end = 0;
  int64_t budget = 0;
};

// Touchpoint sources written another way on a share of the touchpoints
// (Facebook, fb): the UTM check's planted violations.
struct SourceVariant {
  std::string source, variant;
  int every = 0;  // one touchpoint (by id) in `every`
  int offset = 0;
};

struct CampaignOpsPlan {
  std::string naming_yaml;
  std::vector<PlannedAsset> assets;
  std::vector<PlannedTemplate> templates;
  std::vector<PlannedWorkflow> workflows;
  std::vector<PlannedCost> costs;
  std::vector<PlannedCampaign> added;
  std::vector<SourceVariant> source_variants;
};

CampaignOpsPlan PlanCampaignOps(std::span<const CampaignRef> campaigns, uint64_t seed,
                                core::Timestamp reference_time);

}  // namespace mops::demo
