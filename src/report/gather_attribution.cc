// Section 3, attribution health: stored runs or the attribution engine, and
// the gaps in touches, contact roles and models.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "attribution/attribution.h"
#include "report/internal.h"

namespace mops::report::internal {

core::Status GatherAttribution(store::Database& db, Facts& f, const std::string& cur) {
  Section s("attribution", "Attribution health");
  MOPS_ASSIGN_OR_RETURN(int64_t opportunities, Count(db, "SELECT COUNT(*) FROM opportunities"));
  MOPS_ASSIGN_OR_RETURN(int64_t touches, Count(db, "SELECT COUNT(*) FROM touchpoints"));
  if (opportunities == 0 || touches == 0) {
    f.missing["attribution"] =
        "No opportunities or no touchpoints: import opportunities with their contact roles "
        "and the marketing touches (mops import), then attribution can be judged.";
    s.Missing(f.missing["attribution"]);
    f.sections.push_back(std::move(s.j));
    return {};
  }
  f.metrics["attribution.opportunities"] = static_cast<double>(opportunities);

  // Open opportunities and their amounts (the pipeline at risk counts these).
  MOPS_ASSIGN_OR_RETURN(store::Rows opps,
                        db.Query("SELECT id, COALESCE(name, ''), COALESCE(amount, 0), is_closed "
                                 "FROM opportunities ORDER BY id"));
  std::map<int64_t, std::pair<std::string, int64_t>> opp_info;
  for (const auto& r : opps.rows) {
    const int64_t id = store::AsInt(r[0]);
    opp_info[id] = {store::AsText(r[1]), store::AsInt(r[2])};
    if (store::AsInt(r[3]) == 0) f.open_amounts[id] = store::AsInt(r[2]);
  }

  // Credit per channel under first touch and W-shaped, created pipeline and
  // won revenue: from the newest stored runs when the workspace has them
  // (what the attribution page shows), else from the engine on the
  // workspace's journeys now (not stored). Money in minor units.
  double pipeline = 0, unattributed = 0;
  std::vector<int64_t> unattributed_ids;
  std::map<std::string, std::pair<double, double>> by_channel;  // first touch, W-shaped
  std::optional<double> revenue, revenue_unattributed;
  MOPS_ASSIGN_OR_RETURN(std::vector<attribution::RunInfo> runs, attribution::ListRuns(db, 50));
  const attribution::RunInfo* stored_created = nullptr;
  const attribution::RunInfo* stored_won = nullptr;
  for (const attribution::RunInfo& run : runs) {
    const std::string models = "," + run.models + ",";
    if (!stored_created && run.conversion == "created" &&
        models.find(",first_touch,") != std::string::npos &&
        models.find(",w_shaped,") != std::string::npos) {
      stored_created = &run;
    }
    if (!stored_won && run.conversion == "won") stored_won = &run;
  }
  if (stored_created != nullptr) {
    MOPS_ASSIGN_OR_RETURN(attribution::StoredRun run, attribution::LoadRun(db, stored_created->id));
    pipeline = run.info.value * 100;
    for (const auto& r : run.results) {
      if (r.dimension != "channel") continue;
      if (r.key == "(unattributed)") {
        if (r.model == "first_touch") unattributed = r.value * 100;
        continue;
      }
      if (r.model == "first_touch") by_channel[r.key].first += r.value * 100;
      if (r.model == "w_shaped") by_channel[r.key].second += r.value * 100;
    }
    MOPS_ASSIGN_OR_RETURN(auto credited,
                          attribution::RunCredits(db, run.info.id, "first_touch", "(unattributed)",
                                                  std::numeric_limits<int>::max()));
    for (const auto& c : credited) unattributed_ids.push_back(c.conversion_id);
    s.Note(fmt::format("Figures from stored attribution run #{} ({}).", run.info.id,
                       core::FormatTimestamp(run.info.created_at)));
  } else {
    MOPS_ASSIGN_OR_RETURN(attribution::RunRequest request, attribution::DefaultRequest(db));
    request.models = {attribution::Model::kFirstTouch, attribution::Model::kWShaped};
    request.store = false;
    request.conversion = attribution::ConversionKind::kCreated;
    request.to = f.as_of + 1;
    MOPS_ASSIGN_OR_RETURN(attribution::RunReport created, attribution::Run(db, request, "audit"));
    pipeline = created.value * 100;
    unattributed = created.unattributed_value * 100;
    for (const attribution::ConversionCredit& c : created.credits) {
      if (c.model == attribution::Model::kFirstTouch && c.channel == "(unattributed)") {
        unattributed_ids.push_back(c.conversion_id);
      }
    }
    for (const attribution::ModelTotals& m : created.models) {
      const auto& totals = m.by[static_cast<size_t>(attribution::Dimension::kChannel)];
      for (size_t k = 0; k < totals.keys.size(); ++k) {
        if (totals.keys[k] == "(unattributed)") continue;
        auto& slot = by_channel[totals.keys[k]];
        (m.model == attribution::Model::kFirstTouch ? slot.first : slot.second) +=
            totals.value[k] * 100;
      }
    }
  }
  if (stored_won != nullptr) {
    MOPS_ASSIGN_OR_RETURN(attribution::StoredRun run, attribution::LoadRun(db, stored_won->id));
    revenue = run.info.value * 100;
    revenue_unattributed = 0;
    const std::string first_model = run.info.models.substr(0, run.info.models.find(','));
    for (const auto& r : run.results) {
      if (r.dimension == "channel" && r.key == "(unattributed)" && r.model == first_model) {
        *revenue_unattributed += r.value * 100;
      }
    }
  } else {
    MOPS_ASSIGN_OR_RETURN(int64_t won,
                          Count(db, "SELECT COUNT(*) FROM opportunities WHERE is_won = 1"));
    if (won > 0) {
      MOPS_ASSIGN_OR_RETURN(attribution::RunRequest request, attribution::DefaultRequest(db));
      request.models = {attribution::Model::kFirstTouch};
      request.store = false;
      request.conversion = attribution::ConversionKind::kWon;
      request.to = f.as_of + 1;
      MOPS_ASSIGN_OR_RETURN(attribution::RunReport won_run, attribution::Run(db, request, "audit"));
      revenue = won_run.value * 100;
      revenue_unattributed = won_run.unattributed_value * 100;
    }
  }

  f.metrics["attribution.pipeline"] = pipeline;
  f.metrics["attribution.unattributed_pipeline"] = unattributed;
  f.metrics["attribution.unattributed_pipeline_share"] = Share(unattributed, pipeline);
  double unattributed_open = 0;
  for (int64_t id : unattributed_ids) {
    const auto& [name, amount] = opp_info[id];
    if (f.open_amounts.contains(id)) {
      unattributed_open += static_cast<double>(amount);
      f.flagged_opportunities["attribution.unattributed_opportunities"].push_back(id);
    }
    auto& ex = f.examples["attribution.unattributed_opportunities"];
    if (ex.size() < kKeep) ex.push_back(Ex("opportunity", id, name, Money(amount, cur)));
  }
  const int64_t unattributed_count = static_cast<int64_t>(unattributed_ids.size());
  f.metrics["attribution.unattributed_opportunities"] = static_cast<double>(unattributed_count);
  f.metrics["attribution.unattributed_opportunities#total"] =
      static_cast<double>(unattributed_count);
  f.metrics["attribution.unattributed_open_pipeline"] = unattributed_open;
  std::optional<double> revenue_share;
  if (revenue) {
    revenue_share = 1 - Share(*revenue_unattributed, *revenue);
    f.metrics["attribution.attributable_revenue_share"] = *revenue_share;
  }

  // Touches: web touches of tagged channels without UTMs, touches without a channel.
  constexpr std::string_view kUntagged =
      "COALESCE(url, '') <> '' AND COALESCE(channel, '') NOT IN ('direct', 'organic_search', "
      "'organic_social', 'referral', 'review_sites')";
  constexpr std::string_view kNoUtm =
      " AND COALESCE(source, '') = '' AND COALESCE(medium, '') = '' AND COALESCE(utm_campaign, "
      "'') = ''";
  // One scan for the three counts.
  constexpr std::string_view kNoChannel = "COALESCE(channel, '') IN ('', 'other')";
  MOPS_ASSIGN_OR_RETURN(
      store::Rows counts,
      db.Query(fmt::format("SELECT COALESCE(SUM(CASE WHEN {0} THEN 1 ELSE 0 END), 0), "
                           "COALESCE(SUM(CASE WHEN {0}{1} THEN 1 ELSE 0 END), 0), "
                           "COALESCE(SUM(CASE WHEN {2} THEN 1 ELSE 0 END), 0) FROM touchpoints",
                           kUntagged, kNoUtm, kNoChannel)));
  const int64_t web = store::AsInt(counts.rows.at(0).at(0));
  const int64_t no_utm = store::AsInt(counts.rows.at(0).at(1));
  const int64_t no_channel = store::AsInt(counts.rows.at(0).at(2));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows no_utm_rows,
      db.Query(fmt::format("SELECT id, contact_id, COALESCE(channel, ''), COALESCE(url, '') FROM "
                           "touchpoints WHERE {}{} ORDER BY id LIMIT {}",
                           kUntagged, kNoUtm, kKeep)));
  for (const auto& r : no_utm_rows.rows) {
    const int64_t contact = store::AsInt(r[1]);
    Example e = Ex("touchpoint", store::AsInt(r[0]), store::AsText(r[3]),
                   store::AsText(r[2]).empty() ? "no channel" : store::AsText(r[2]));
    if (contact != 0) e.link = "#/leads?contact=" + std::to_string(contact);
    f.examples["attribution.touches_without_utm"].push_back(std::move(e));
  }
  f.metrics["attribution.web_touches"] = static_cast<double>(web);
  f.metrics["attribution.touches_without_utm"] = static_cast<double>(no_utm);
  f.metrics["attribution.touches_without_utm#total"] = static_cast<double>(no_utm);
  f.metrics["attribution.touches_without_utm_share"] =
      Share(static_cast<double>(no_utm), static_cast<double>(web));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows no_channel_rows,
      db.Query(fmt::format("SELECT id, contact_id, type, COALESCE(source, '') FROM touchpoints "
                           "WHERE {} ORDER BY id LIMIT {}",
                           kNoChannel, kKeep)));
  for (const auto& r : no_channel_rows.rows) {
    Example e = Ex("touchpoint", store::AsInt(r[0]), store::AsText(r[2]),
                   store::AsText(r[3]).empty() ? "no source" : "source " + store::AsText(r[3]));
    if (store::AsInt(r[1]) != 0) e.link = "#/leads?contact=" + std::to_string(store::AsInt(r[1]));
    f.examples["attribution.touches_without_channel"].push_back(std::move(e));
  }
  f.metrics["attribution.touches_without_channel"] = static_cast<double>(no_channel);
  f.metrics["attribution.touches_without_channel#total"] = static_cast<double>(no_channel);
  f.metrics["attribution.touches_without_channel_share"] =
      Share(static_cast<double>(no_channel), static_cast<double>(touches));

  // Opportunities without contact roles.
  MOPS_ASSIGN_OR_RETURN(
      store::Rows no_roles,
      db.Query("SELECT o.id FROM opportunities o WHERE NOT EXISTS (SELECT 1 FROM "
               "opportunity_contacts r WHERE r.opportunity_id = o.id) ORDER BY o.id"));
  double no_roles_open = 0;
  for (const auto& r : no_roles.rows) {
    const int64_t id = store::AsInt(r[0]);
    const auto& [name, amount] = opp_info[id];
    auto& ex = f.examples["attribution.opportunities_without_roles"];
    if (ex.size() < kKeep) ex.push_back(Ex("opportunity", id, name, Money(amount, cur)));
    if (f.open_amounts.contains(id)) {
      no_roles_open += static_cast<double>(amount);
      f.flagged_opportunities["attribution.opportunities_without_roles"].push_back(id);
    }
  }
  f.metrics["attribution.opportunities_without_roles"] = static_cast<double>(no_roles.size());
  f.metrics["attribution.opportunities_without_roles#total"] = static_cast<double>(no_roles.size());
  f.metrics["attribution.opportunities_without_roles_share"] =
      Share(static_cast<double>(no_roles.size()), static_cast<double>(opportunities));
  f.metrics["attribution.no_roles_open_pipeline"] = no_roles_open;

  // Contacts without any touch.
  MOPS_ASSIGN_OR_RETURN(int64_t contacts,
                        Count(db, "SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL"));
  constexpr std::string_view kUntouched =
      "c.merged_into IS NULL AND NOT EXISTS (SELECT 1 FROM touchpoints t WHERE t.contact_id = "
      "c.id)";
  MOPS_ASSIGN_OR_RETURN(
      int64_t untouched,
      Count(db, fmt::format("SELECT COUNT(*) FROM contacts c WHERE {}", kUntouched)));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows untouched_rows,
      db.Query(fmt::format("SELECT c.id, COALESCE(c.email, '') FROM contacts c WHERE {} ORDER BY "
                           "c.id LIMIT {}",
                           kUntouched, kKeep)));
  for (const auto& r : untouched_rows.rows) {
    f.examples["attribution.contacts_without_touches"].push_back(
        Ex("contact", store::AsInt(r[0]), store::AsText(r[1])));
  }
  f.metrics["attribution.contacts_without_touches"] = static_cast<double>(untouched);
  f.metrics["attribution.contacts_without_touches#total"] = static_cast<double>(untouched);
  f.metrics["attribution.contacts_without_touches_share"] =
      Share(static_cast<double>(untouched), static_cast<double>(contacts));

  // First touch vs W-shaped: how much credit moves between channels.
  double moved = 0, attributed = 0;
  struct Shift {
    std::string channel;
    double first, w;
  };
  std::vector<Shift> shifts;
  for (const auto& [channel, v] : by_channel) {
    if (v.first == 0 && v.second == 0) continue;
    moved += std::fabs(v.second - v.first);
    attributed += v.first;
    shifts.push_back({channel, v.first, v.second});
  }
  f.metrics["attribution.model_disagreement"] = Share(moved / 2, attributed);
  std::sort(shifts.begin(), shifts.end(), [](const Shift& a, const Shift& b) {
    return std::fabs(a.w - a.first) > std::fabs(b.w - b.first);
  });
  Json channel_rows = Json::array();
  Json gainers = Json::array(), losers = Json::array();
  std::vector<std::string> labels;
  Json first_values = Json::array(), w_values = Json::array();
  for (const Shift& sh : shifts) {
    const double delta = sh.w - sh.first;
    const std::string detail = (delta >= 0 ? "+" : "-") +
                               Money(std::llround(std::fabs(delta)), cur) + " under W-shaped (" +
                               Money(std::llround(sh.first), cur) + " -> " +
                               Money(std::llround(sh.w), cur) + ")";
    if (f.examples["attribution.model_shifts"].size() < kKeep && std::fabs(delta) >= 1) {
      f.examples["attribution.model_shifts"].push_back(Ex("channel", 0, sh.channel, detail));
    }
    channel_rows.push_back({sh.channel, Money(std::llround(sh.first), cur),
                            Money(std::llround(sh.w), cur),
                            (delta >= 0 ? "+" : "-") + Money(std::llround(std::fabs(delta)), cur)});
    labels.push_back(sh.channel);
    first_values.push_back(sh.first);
    w_values.push_back(sh.w);
  }
  for (const Shift& sh : shifts) {
    const double delta = sh.w - sh.first;
    if (delta > 0 && gainers.size() < 3) gainers.push_back(sh.channel);
    if (delta < 0 && losers.size() < 3) losers.push_back(sh.channel);
  }

  s.Figure("Created pipeline", pipeline, "money", cur);
  s.Figure("Attributable pipeline", 1 - Share(unattributed, pipeline), "percent", cur);
  if (revenue_share) {
    s.Figure("Won revenue", *revenue, "money", cur);
    s.Figure("Attributable revenue", *revenue_share, "percent", cur);
  }
  s.Figure("Unattributed opportunities", static_cast<double>(unattributed_count), "count", cur);
  s.Figure("Opportunities without contact roles", static_cast<double>(no_roles.size()), "count",
           cur);
  s.Figure("Web touches without UTM", static_cast<double>(no_utm), "count", cur);
  s.Figure("Touches without channel", static_cast<double>(no_channel), "count", cur);
  s.Figure("Contacts without touches", static_cast<double>(untouched), "count", cur);
  s.Figure("Credit that moves between models", Share(moved / 2, attributed), "percent", cur);
  s.Chart("Pipeline credit by channel: first touch vs W-shaped", labels,
          Json::array({{{"name", "first touch"}, {"values", first_values}},
                       {{"name", "W-shaped"}, {"values", w_values}}}),
          "money");
  s.Table("Credit by channel", {"channel", "first touch", "W-shaped", "change"}, channel_rows);
  s.j["gainers"] = gainers;
  s.j["losers"] = losers;
  if (!gainers.empty() || !losers.empty()) {
    auto list = [](const Json& a) {
      std::string out;
      for (const Json& x : a) out += (out.empty() ? "" : ", ") + x.get<std::string>();
      return out.empty() ? std::string("none") : out;
    };
    s.Note("Gain most under W-shaped: " + list(gainers) + ". Lose most: " + list(losers) + ".");
  }
  f.sections.push_back(std::move(s.j));
  return {};
}

}  // namespace mops::report::internal
