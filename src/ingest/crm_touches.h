// Marketing touches derived from CRM objects (internal to ingest/).
//
// A CRM export holds its marketing history in objects, not in a touchpoint
// file: Salesforce campaign members and opportunities' primary campaigns,
// leads' and contacts' creation with their lead source, HubSpot's source
// properties. After an import with the salesforce or hubspot preset has
// resolved its references, DeriveCrmTouches turns those rows of the import's
// source into touchpoints keyed (source_system, "<kind>:<record id>"), so a
// re-import updates them and a touch whose campaign or contact arrives in a
// later file appears with that file: the order of the files does not matter.
// The same step applies the lifecycle rules of the `crm` config.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "ingest/internal.h"
#include "store/database.h"

namespace mops::ingest::internal {

// The `crm` config (YAML in the configs table, set with `mops import
// --crm-config FILE`). Every key is optional:
//   member_date_column: Added_Date__c     # the column that dates a campaign member
//   lead_status:                          # Salesforce Lead.Status -> lifecycle stage
//     "Open - Not Contacted": lead
//   converted_stage: sql                  # a converted lead's contact
//   unknown_status_stage: lead            # a lead status no entry names
//   unknown_lifecycle_stage: lead         # a lifecycle value mops does not know
//   campaign_types: {Podcast: video}      # campaign Type -> channel
//   lead_sources: {"Purchased List": other}  # LeadSource / HubSpot source -> channel
// Keys of the maps compare ignoring case, blanks, '-', '_' and '/'.
struct CrmConfig {
  std::string member_date_column;
  std::map<std::string, std::string> lead_status;  // token -> stage (defaults included)
  std::string converted_stage = "sql";
  std::string unknown_status_stage = "lead";
  std::string unknown_lifecycle_stage = "lead";
  std::map<std::string, std::string> campaign_types;  // token -> channel
  std::map<std::string, std::string> lead_sources;    // token -> channel
};

// Parses and validates the config; errors name the file, line and key.
core::Result<CrmConfig> ParseCrmConfig(std::string_view yaml, std::string_view name);
// The stored config (configs.name = 'crm'), or the defaults.
core::Result<CrmConfig> LoadCrmConfig(store::Database& db);
// Validates `yaml` and stores it as the `crm` config (audit-logged).
core::Status SaveCrmConfig(store::Database& db, std::string_view yaml, std::string_view name,
                           std::string_view actor);

// The lifecycle stage of a Salesforce lead status under `config`; empty when
// no entry names it.
std::string LeadStatusStage(const CrmConfig& config, std::string_view status);
// Channel of a campaign type under `config`'s overrides and the default rules
// (CampaignTypeChannel); empty when nothing knows the type.
std::string CampaignChannel(const CrmConfig& config, std::string_view type);
// Channel of a lead source (Salesforce LeadSource, HubSpot source names)
// under `config`'s overrides and the defaults (SourceChannel).
std::string LeadSourceChannel(const CrmConfig& config, std::string_view source);

// Makes the file column `label` (case-insensitive) fill `field`, in place of
// the column the preset mapped there (which becomes unmapped). False when the
// file has no such column.
bool UseColumnFor(Mapping& mapping, const KindSpec& spec, std::span<const std::string> headers,
                  std::string_view field, std::string_view label);

// Derives the touches and lifecycle stages of `source_system` that an import
// of `kind` may have changed, inside the caller's transaction, and fills
// `report` (counts of touches by type, campaign types and lead sources no rule
// knows, opportunities without any touch). Runs in time linear in the rows of
// the source (set-based statements, one per distinct type or source value).
// `steps`, when given, gets the wall and CPU seconds of each step.
core::Status DeriveCrmTouches(store::Database& db, Kind kind, Preset preset,
                              const std::string& source_system, const CrmConfig& config,
                              CrmReport& report, std::vector<ImportPhase>* steps = nullptr);

}  // namespace mops::ingest::internal
