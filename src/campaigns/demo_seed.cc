// The demo company's campaign operations written into its workspace.
#include <fmt/format.h>

#include "campaigns/campaigns.h"
#include "campaigns/internal.h"
#include "demo/campaign_ops.h"
#include "store/database.h"

namespace mops::campaigns {
namespace {
core::Timestamp FirstOfMonth(core::Timestamp t) {
  const core::CivilDate d = core::CivilFromDays(core::FloorDiv(t, core::kSecondsPerDay));
  return core::DaysFromCivil(d.year, d.month, 1) * core::kSecondsPerDay;
}
}  // namespace

using store::AsInt;
using store::AsText;
using store::Value;

core::Status SeedDemo(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(Value templates, db.QueryValue("SELECT COUNT(*) FROM campaign_templates"));
  if (AsInt(templates) > 0) return {};
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, COALESCE(parent_id, 0), name, type, channel, status, utm_campaign, "
               "start_date, end_date, budget FROM campaigns ORDER BY id"));
  std::vector<demo::CampaignRef> refs;
  for (const auto& r : rows.rows) {
    refs.push_back({AsInt(r[0]), AsInt(r[1]), AsText(r[2]), AsText(r[3]), AsText(r[4]),
                    AsText(r[5]), AsText(r[6]), AsInt(r[7]), AsInt(r[8]), AsInt(r[9])});
  }
  // The company's "now": the day after its last touch.
  MOPS_ASSIGN_OR_RETURN(Value last, db.QueryValue("SELECT MAX(occurred_at) FROM touchpoints"));
  const core::Timestamp now =
      (core::FloorDiv(AsInt(last), core::kSecondsPerDay) + 1) * core::kSecondsPerDay;
  const demo::CampaignOpsPlan plan = demo::PlanCampaignOps(refs, 42, now);

  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  const std::string actor = "demo";
  MOPS_TRY(db.Execute(
      "INSERT INTO configs (name, body, updated_at, updated_by) VALUES ('naming', ?, ?, ?) ON "
      "CONFLICT (name) DO UPDATE SET body = excluded.body",
      std::vector<Value>{plan.naming_yaml, now, actor}));
  std::vector<int64_t> asset_ids;
  for (const demo::PlannedAsset& a : plan.assets) {
    MOPS_ASSIGN_OR_RETURN(
        store::Rows ids,
        db.Query("INSERT INTO assets (name, type, url, owner, status, body, created_at, "
                 "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                 std::vector<Value>{a.name, a.type, a.url, a.owner, a.status, a.body, now, now}));
    asset_ids.push_back(AsInt(ids.rows.at(0).at(0)));
  }
  std::vector<int64_t> template_ids;
  std::vector<std::vector<StepDef>> chains;
  for (const demo::PlannedTemplate& p : plan.templates) {
    Template t;
    t.name = p.name;
    t.type = p.type;
    t.channel = p.channel;
    t.utm_pattern = p.utm_pattern;
    t.description = p.description;
    t.checklist = p.checklist;
    for (int a : p.assets) t.assets.push_back(asset_ids.at(a));
    int order = 1;
    for (const auto& s : p.statuses)
      t.statuses.push_back({s.name, order++, s.responded, s.is_default});
    for (const demo::PlannedStep& s : p.chain) {
      t.approval_chain.push_back({s.stage, s.name, s.role, s.user, s.due_days});
    }
    MOPS_TRY(ValidateTemplate(t));
    MOPS_ASSIGN_OR_RETURN(
        store::Rows ids,
        db.Query("INSERT INTO campaign_templates (name, type, channel, description, utm_pattern, "
                 "body, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                 std::vector<Value>{t.name, t.type, t.channel, t.description, t.utm_pattern,
                                    internal::TemplateToJson(t).dump(), now, actor}));
    template_ids.push_back(AsInt(ids.rows.at(0).at(0)));
    chains.push_back(t.approval_chain);
  }
  std::vector<demo::PlannedWorkflow> workflows = plan.workflows;
  // The added campaigns (a second send to one audience on one day).
  for (const demo::PlannedCampaign& p : plan.added) {
    MOPS_ASSIGN_OR_RETURN(
        store::Rows ids,
        db.Query("INSERT INTO campaigns (source_system, external_id, name, type, channel, "
                 "parent_id, status, start_date, end_date, budget, currency, utm_campaign, "
                 "created_at, updated_at) VALUES ('mops', ?, ?, ?, ?, ?, 'Planned', ?, ?, ?, "
                 "'USD', ?, ?, ?) RETURNING id",
                 std::vector<Value>{"demo-" + p.utm_campaign, p.name, p.type, p.channel,
                                    p.parent_id == 0 ? Value() : Value(p.parent_id), p.start, p.end,
                                    p.budget, p.utm_campaign, now, now}));
    demo::PlannedWorkflow w;
    w.campaign_id = AsInt(ids.rows.at(0).at(0));
    w.template_index = 2;
    w.state = p.state;
    w.audience = p.audience;
    w.goal = p.goal;
    w.assets = plan.templates[2].assets;
    for (const std::string& item : plan.templates[2].checklist) w.checklist.push_back({item, true});
    for (size_t s = 0; s < plan.templates[2].chain.size(); ++s) {
      w.approvals.push_back({static_cast<int>(s), 1, "approved", s == 0 ? "ana" : "dana", "",
                             now - 5 * core::kSecondsPerDay, now - 6 * core::kSecondsPerDay});
    }
    w.planted = "same audience e-mailed twice in a day";
    workflows.push_back(std::move(w));
  }
  for (const demo::PlannedWorkflow& w : workflows) {
    const int64_t tid = template_ids.at(w.template_index);
    const demo::PlannedTemplate& t = plan.templates.at(w.template_index);
    MOPS_TRY(db.Execute(
        "UPDATE campaigns SET state = ?, audience = ?, goal = ?, template_id = ?, utm_pattern = ? "
        "WHERE id = ?",
        std::vector<Value>{w.state, w.audience, w.goal, tid, t.utm_pattern, w.campaign_id}));
    MOPS_TRY(db.Execute(
        "INSERT INTO approval_chains (campaign_id, body) VALUES (?, ?)",
        std::vector<Value>{w.campaign_id, internal::ChainToJson(chains[w.template_index]).dump()}));
    for (const demo::PlannedDecision& d : w.approvals) {
      const StepDef& s = chains[w.template_index].at(d.step);
      MOPS_TRY(db.Execute(
          "INSERT INTO approval_steps (campaign_id, round, stage, name, role, user_name, "
          "decision, due_at, decided_by, decided_at, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
          "?, ?)",
          std::vector<Value>{w.campaign_id, int64_t{d.round}, int64_t{s.stage}, s.name,
                             s.role.empty() ? Value() : Value(s.role),
                             s.user.empty() ? Value() : Value(s.user), d.decision, d.due_at,
                             d.actor.empty() ? Value() : Value(d.actor),
                             d.at == 0 ? Value() : Value(d.at), d.comment}));
    }
    for (const auto& [label, done] : w.checklist) {
      MOPS_TRY(db.Execute(
          "INSERT INTO campaign_checklist (campaign_id, label, blocking, done, done_by, done_at) "
          "VALUES (?, ?, 1, ?, ?, ?)",
          std::vector<Value>{w.campaign_id, label, int64_t{done},
                             done ? Value(std::string("maya")) : Value(),
                             done ? Value(now) : Value()}));
    }
    for (int a : w.assets) {
      MOPS_TRY(db.Execute("INSERT INTO campaign_assets (campaign_id, asset_id) VALUES (?, ?)",
                          std::vector<Value>{w.campaign_id, asset_ids.at(a)}));
    }
    if (!w.planted.empty()) {
      MOPS_TRY(internal::Audit(db, actor, "campaign.demo_planted", "campaigns", w.campaign_id, "",
                               w.planted));
    }
  }
  for (const demo::PlannedCost& c : plan.costs) {
    MOPS_TRY(db.Execute(
        "INSERT INTO campaign_costs (campaign_id, month, amount, currency, note, created_at, "
        "created_by) VALUES (?, ?, ?, 'USD', ?, ?, ?)",
        std::vector<Value>{c.campaign_id, FirstOfMonth(c.month), c.amount, c.note, now, actor}));
  }
  for (const demo::SourceVariant& v : plan.source_variants) {
    MOPS_TRY(
        db.Execute("UPDATE touchpoints SET source = ? WHERE source = ? AND id % ? = ?",
                   std::vector<Value>{v.variant, v.source, int64_t{v.every}, int64_t{v.offset}}));
  }
  MOPS_TRY(tx.Commit());
  return {};
}

}  // namespace mops::campaigns
