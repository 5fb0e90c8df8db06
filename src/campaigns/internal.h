// For this folder only: JSON forms shared by the service, the REST routes
// and the CLI's --format json, and the audit helper.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "campaigns/campaigns.h"
#include "store/database.h"

namespace mops::campaigns::internal {

using Json = nlohmann::json;

core::Status Audit(store::Database& db, std::string_view actor, std::string_view action,
                   std::string_view entity, int64_t id, const std::string& before,
                   const std::string& after);

Json ChainToJson(std::span<const StepDef> chain);
// Throws nlohmann::json::exception on a malformed document (stored ones are
// written by ChainToJson); use ParseChain for input.
std::vector<StepDef> ChainFromJson(const Json& j);
core::Result<std::vector<StepDef>> ParseChain(const Json& j, std::string_view field);
core::Result<std::vector<MemberStatus>> ParseStatuses(const Json& j, std::string_view field);
Json TemplateToJson(const Template& t);  // the stored body (without id)
Template TemplateFromJson(const Json& j);
core::Result<Template> ParseTemplate(const Json& j);

Json CampaignJson(const CampaignRecord& c);
Json StepJson(const Step& s);
Json QaJson(const QaItem& q);
Json RollupJson(const RollupReport& r);
Json CalendarJson(const CalendarReport& r);
Json BudgetJson(const BudgetResult& b);
Json StoredCheckJson(const StoredCheck& c, int limit);
Json FixJson(const FixReport& f);
Json UrlCheckJson(const UrlCheck& c);
Json AssetJson(const AssetRecord& a);
Json TemplateJson(const Template& t);
Json StatusesJson(std::span<const MemberStatus> s);

// "12.50" from 1250 minor units.
std::string Money(int64_t minor);

}  // namespace mops::campaigns::internal
