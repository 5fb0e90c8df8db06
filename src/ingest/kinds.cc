// The field catalogue of every kind and the preset label tables.
//
// A kind's fields, in order, are its canonical header (what export writes).
// Fields that are not stored as a column (roles other than kColumn, kRef,
// kOwner, kKey, kSourceSystem) come last and are never exported.
#include <array>

#include "core/strings.h"
#include "ingest/internal.h"

namespace mops::ingest {
namespace internal {
namespace {

using FT = FieldType;

FieldSpec Field(std::string_view name, FieldType type = FT::kText, Role role = Role::kColumn,
                Target target = Target::kNone) {
  FieldSpec f;
  f.name = name;
  f.type = type;
  f.role = role;
  f.target = target;
  return f;
}
FieldSpec Key() {
  FieldSpec f = Field("external_id", FT::kText, Role::kKey);
  f.aliases = "id";
  return f;
}
FieldSpec Text(std::string_view name) { return Field(name); }
FieldSpec Typed(std::string_view name, FieldType type) { return Field(name, type); }
FieldSpec Flag(std::string_view name, int default_value) {
  FieldSpec f = Field(name, FT::kBool);
  f.default_value = default_value;
  return f;
}
FieldSpec Ref(std::string_view name, Target target) {
  return Field(name, FT::kText, Role::kRef, target);
}
FieldSpec Owner() { return Field("owner_id", FT::kText, Role::kOwner, Target::kUser); }
FieldSpec Source() { return Field("source_system", FT::kText, Role::kSourceSystem); }
FieldSpec Required(FieldSpec f) {
  f.required = true;
  return f;
}
FieldSpec Aliased(std::string_view name, std::string_view aliases) {
  FieldSpec f = Field(name);
  f.aliases = aliases;
  return f;
}
FieldSpec StageDate(std::string_view name, std::string_view stage) {
  FieldSpec f = Field(name, FT::kTime, Role::kStageDate);
  f.stage = stage;
  return f;
}
FieldSpec Choice(std::string_view name, std::string_view choices) {
  FieldSpec f = Field(name);
  f.choices = choices;
  return f;
}
FieldSpec Interval(FieldSpec f) {
  f.interval = true;
  return f;
}
FieldSpec Money(std::string_view name, int default_value) {
  FieldSpec f = Field(name, FT::kMoney);
  f.default_value = default_value;
  return f;
}

KindSpec Spec(Kind kind, std::string_view cli_name, std::string_view table,
              std::vector<FieldSpec> fields, std::vector<std::string_view> synth_key = {}) {
  KindSpec spec;
  spec.kind = kind;
  spec.cli_name = cli_name;
  spec.table = table;
  spec.fields = std::move(fields);
  spec.synth_key = std::move(synth_key);
  return spec;
}

std::vector<KindSpec> BuildSpecs() {
  std::vector<KindSpec> specs;
  specs.push_back(Spec(
      Kind::kAccounts, "accounts", "accounts",
      {Key(), Text("name"), Text("domain"), Text("website"), Text("industry"),
       Typed("employees", FT::kInt), Typed("annual_revenue", FT::kMoney), Text("currency"),
       Text("country"), Text("state"), Text("city"), Owner(), Ref("parent_id", Target::kAccount),
       Typed("created_at", FT::kTime), Typed("updated_at", FT::kTime), Text("postal_code"),
       Text("damaged_fields"), Source(), Field("contact_ids", FT::kText, Role::kContactList)}));
  specs.back().has_merged = true;
  specs.push_back(Spec(
      Kind::kContacts, "contacts", "contacts",
      {Key(), Text("email"), Text("first_name"), Text("last_name"), Text("title"),
       Text("seniority"), Text("department"), Text("phone"), Text("company_name"),
       Ref("account_id", Target::kAccount), Text("country"), Text("state"), Text("city"),
       Text("lifecycle_stage"), Text("lead_status"), Owner(), Text("original_source"),
       Typed("created_at", FT::kTime), Typed("updated_at", FT::kTime), Text("postal_code"),
       Text("mobile_phone"), Typed("email_opt_out", FT::kBool), Typed("do_not_call", FT::kBool),
       Typed("fax_opt_out", FT::kBool), Text("legal_basis"), Text("damaged_fields"),
       // HubSpot source properties (touches: crm_touches.cc).
       Text("source_detail_1"), Text("source_detail_2"), Text("latest_source"),
       Typed("latest_source_at", FT::kTime), Text("recent_conversion"),
       Typed("recent_conversion_at", FT::kTime), Source(), StageDate("subscriber_at", "subscriber"),
       StageDate("lead_at", "lead"), StageDate("mql_at", "mql"), StageDate("sql_at", "sql"),
       StageDate("opportunity_at", "opportunity"), StageDate("customer_at", "customer"),
       StageDate("evangelist_at", "evangelist"), Field("is_converted", FT::kBool, Role::kConverted),
       Field("converted_contact_id", FT::kText, Role::kConvertedContact),
       Field("account_domain", FT::kText, Role::kAccountDomain)}));
  specs.back().has_merged = true;
  specs.push_back(
      Spec(Kind::kOpportunities, "opportunities", "opportunities",
           {Key(), Ref("account_id", Target::kAccount), Text("name"), Text("stage"),
            Text("pipeline"), Typed("amount", FT::kMoney), Text("currency"),
            Typed("created_at", FT::kTime), Typed("close_date", FT::kDate), Flag("is_closed", 0),
            Flag("is_won", 0), Text("type"), Text("lead_source"),
            Ref("primary_campaign_id", Target::kCampaign), Owner(), Typed("updated_at", FT::kTime),
            Source(), Field("contact_ids", FT::kText, Role::kContactList),
            Field("account_domain", FT::kText, Role::kAccountDomain)}));
  specs.push_back(Spec(Kind::kOpportunityContacts, "opportunity-contacts", "opportunity_contacts",
                       {Key(), Required(Ref("opportunity_id", Target::kOpportunity)),
                        Required(Ref("contact_id", Target::kContact)), Text("role"),
                        Flag("is_primary", 0), Source()},
                       {"opportunity_id", "contact_id"}));
  specs.push_back(
      Spec(Kind::kOpportunityHistory, "opportunity-history", "opportunity_history",
           {Key(), Required(Ref("opportunity_id", Target::kOpportunity)), Text("stage"),
            Typed("amount", FT::kMoney), Required(Typed("entered_at", FT::kTime)), Source()},
           {"opportunity_id", "entered_at", "stage"}));
  specs.push_back(
      Spec(Kind::kCampaigns, "campaigns", "campaigns",
           {Key(), Text("name"), Text("type"), Text("channel"), Ref("parent_id", Target::kCampaign),
            Text("status"), Typed("start_date", FT::kDate), Typed("end_date", FT::kDate),
            Typed("budget", FT::kMoney), Typed("actual_cost", FT::kMoney), Text("currency"),
            Owner(), Text("utm_campaign"), Typed("created_at", FT::kTime),
            Typed("updated_at", FT::kTime), Source()}));
  specs.push_back(Spec(
      Kind::kCampaignMembers, "campaign-members", "campaign_members",
      {Key(), Required(Ref("campaign_id", Target::kCampaign)), Ref("contact_id", Target::kContact),
       Text("status"), Flag("responded", 0), Typed("first_responded_at", FT::kTime),
       Typed("created_at", FT::kTime), Source(), Field("lead_id", FT::kText, Role::kLeadRef)},
      {"campaign_id", "contact_id"}));
  specs.push_back(Spec(Kind::kTouchpoints, "touchpoints", "touchpoints",
                       {Key(),
                        Ref("contact_id", Target::kContact),
                        Text("anonymous_id"),
                        Ref("account_id", Target::kAccount),
                        Required(Typed("occurred_at", FT::kTime)),
                        Required(Text("type")),
                        Text("channel"),
                        Aliased("source", "utm_source"),
                        Aliased("medium", "utm_medium"),
                        Ref("campaign_id", Target::kCampaign),
                        Text("utm_campaign"),
                        Text("utm_content"),
                        Text("utm_term"),
                        Text("url"),
                        Text("referrer"),
                        Text("event_name"),
                        Typed("value", FT::kReal),
                        Text("message_id"),
                        Source(),
                        Field("email", FT::kText, Role::kEmailLookup)}));
  specs.push_back(Spec(Kind::kSpend, "spend", "spend",
                       {Key(), Required(Typed("date", FT::kDate)), Text("channel"), Text("source"),
                        Ref("campaign_id", Target::kCampaign), Money("amount", 0), Text("currency"),
                        Typed("impressions", FT::kInt), Typed("clicks", FT::kInt), Source()},
                       {"date", "channel", "source", "campaign_id"}));
  specs.push_back(
      Spec(Kind::kUsers, "users", "users",
           {Key(), Text("name"), Text("email"), Text("team"), Text("territory"),
            Typed("capacity", FT::kInt), Flag("active", 1), Typed("out_of_office_until", FT::kTime),
            Typed("created_at", FT::kTime), Typed("updated_at", FT::kTime), Source()}));
  // Tools and integrations: the canonical headers of issue "stack" (a tool
  // is keyed by its name when the file has no id; integrations name their
  // tools and are keyed by the pair).
  specs.push_back(Spec(Kind::kTools, "tools", "tools",
                       {Key(),
                        Required(Text("name")),
                        Text("vendor"),
                        Text("category"),
                        Text("capabilities"),
                        Text("owner"),
                        Typed("annual_cost", FT::kMoney),
                        Choice("billing_period",
                               "annual=yearly/annually|monthly|quarterly|multi_year=multiyear|"
                               "usage=usage_based/pay_as_you_go|free"),
                        Typed("seats", FT::kInt),
                        Typed("active_seats", FT::kInt),
                        Typed("contract_start", FT::kDate),
                        Typed("renewal_date", FT::kDate),
                        Typed("notice_days", FT::kInt),
                        Flag("auto_renew", 0),
                        Choice("status",
                               "active=in_use/live/healthy|evaluating=evaluation/trial/pilot|"
                               "paused|retired=cancelled/canceled/inactive/churned"),
                        Typed("sso", FT::kBool),
                        Typed("dpa_signed", FT::kBool),
                        Text("data_scope"),
                        Text("currency"),
                        Source()},
                       {"name"}));
  FieldSpec from_tool = Required(Ref("from_tool_id", Target::kTool));
  from_tool.aliases = "from_tool";
  FieldSpec to_tool = Required(Ref("to_tool_id", Target::kTool));
  to_tool.aliases = "to_tool";
  FieldSpec error_rate = Typed("error_rate", FT::kReal);
  error_rate.ratio = true;
  specs.push_back(
      Spec(Kind::kIntegrations, "integrations", "integrations",
           {Key(), from_tool, to_tool, Text("objects"),
            Choice("direction",
                   "one_way=oneway/unidirectional/push|two_way=twoway/bidirectional/"
                   "bi_directional/both/sync"),
            Interval(Choice("frequency",
                            "realtime=real_time/streaming/instant/continuous|hourly|daily=nightly|"
                            "weekly|monthly|manual=on_demand")),
            Choice("status",
                   "active=ok/healthy/running/connected|failing=failed/error/errors/broken|paused|"
                   "disabled=off/inactive/disconnected"),
            Typed("last_sync_at", FT::kTime), error_rate, Source()},
           {"from_tool_id", "to_tool_id"}));
  specs.push_back(Spec(Kind::kLifecycleHistory, "lifecycle-history", "lifecycle_history",
                       {Required(Ref("contact_id", Target::kContact)), Required(Text("stage")),
                        Required(Typed("entered_at", FT::kTime)), Source()}));
  specs.back().keyed = false;
  return specs;
}

// HubSpot's export labels (the property labels of its CSV exports).
constexpr std::array kHubspotContacts = {
    PresetLabel{"Record ID", "external_id"},
    PresetLabel{"Record ID - Contact", "external_id"},
    PresetLabel{"Contact ID", "external_id"},
    PresetLabel{"First Name", "first_name"},
    PresetLabel{"Last Name", "last_name"},
    PresetLabel{"Email", "email"},
    PresetLabel{"Phone Number", "phone"},
    PresetLabel{"Company Name", "company_name"},
    PresetLabel{"Job Title", "title"},
    PresetLabel{"Job Function", "department"},
    PresetLabel{"Seniority", "seniority"},
    PresetLabel{"Contact owner", "owner_id"},
    PresetLabel{"Lifecycle Stage", "lifecycle_stage"},
    PresetLabel{"Lead Status", "lead_status"},
    PresetLabel{"Create Date", "created_at"},
    PresetLabel{"Last Modified Date", "updated_at"},
    PresetLabel{"Original Source", "original_source"},
    PresetLabel{"Original Source Drill-Down 1", "source_detail_1"},
    PresetLabel{"Original Source Drill-Down 2", "source_detail_2"},
    PresetLabel{"Latest Source", "latest_source"},
    PresetLabel{"Latest Source Date", "latest_source_at"},
    PresetLabel{"Recent Conversion", "recent_conversion"},
    PresetLabel{"Recent Conversion Date", "recent_conversion_at"},
    PresetLabel{"Country/Region", "country"},
    PresetLabel{"State/Region", "state"},
    PresetLabel{"City", "city"},
    PresetLabel{"Became a Subscriber Date", "subscriber_at"},
    PresetLabel{"Became a Lead Date", "lead_at"},
    PresetLabel{"Became a Marketing Qualified Lead Date", "mql_at"},
    PresetLabel{"Became a Sales Qualified Lead Date", "sql_at"},
    PresetLabel{"Became an Opportunity Date", "opportunity_at"},
    PresetLabel{"Became a Customer Date", "customer_at"},
    PresetLabel{"Became an Evangelist Date", "evangelist_at"},
    PresetLabel{"Associated Company IDs", "account_id", true, true},
    PresetLabel{"Associated Company ID", "account_id", true, true},
    PresetLabel{"Primary Associated Company ID", "account_id", true},
    PresetLabel{"Associated Company IDs (Primary)", "account_id", true},
    // The current export repeats the association as names.
    PresetLabel{"Associated Company (Primary)", "company_name"},
    PresetLabel{"Associated Company", "company_name", false, true},
    PresetLabel{"Company", "company_name", false, true},
    // Import-file columns.
    PresetLabel{"Associated Company Domain", "account_domain"},
    PresetLabel{"Company Domain Name", "account_domain", false, true},
    PresetLabel{"Website URL", "account_domain", false, true},
    PresetLabel{"Mobile Phone Number", "mobile_phone"},
    PresetLabel{"Postal Code", "postal_code"},
    PresetLabel{"Zip", "postal_code", false, true},
    PresetLabel{"Unsubscribed from all email", "email_opt_out"},
    PresetLabel{"Legal basis for processing contact's data", "legal_basis"},
};
constexpr std::array kHubspotCompanies = {
    PresetLabel{"Record ID", "external_id"},
    PresetLabel{"Record ID - Company", "external_id"},
    PresetLabel{"Postal Code", "postal_code"},
    PresetLabel{"Name", "name", false, true},
    PresetLabel{"Domain", "domain", false, true},
    PresetLabel{"Company ID", "external_id"},
    PresetLabel{"Company name", "name"},
    PresetLabel{"Company Domain Name", "domain"},
    PresetLabel{"Website URL", "website"},
    PresetLabel{"Industry", "industry"},
    PresetLabel{"Number of Employees", "employees"},
    PresetLabel{"Annual Revenue", "annual_revenue"},
    PresetLabel{"Country/Region", "country"},
    PresetLabel{"State/Region", "state"},
    PresetLabel{"City", "city"},
    PresetLabel{"Company owner", "owner_id"},
    PresetLabel{"Associated Contact IDs", "contact_ids"},
    PresetLabel{"Parent Company", "parent_id", true},
    PresetLabel{"Parent Company ID", "parent_id", true},
    PresetLabel{"Create Date", "created_at"},
    PresetLabel{"Last Modified Date", "updated_at"},
};
constexpr std::array kHubspotDeals = {
    PresetLabel{"Record ID", "external_id"},
    PresetLabel{"Record ID - Deal", "external_id"},
    PresetLabel{"Associated Company IDs (Primary)", "account_id", true},
    PresetLabel{"Associated Company Domain", "account_domain"},
    PresetLabel{"Associated Contact Email", "contact_ids", false, true},
    PresetLabel{"Deal ID", "external_id"},
    PresetLabel{"Deal Name", "name"},
    PresetLabel{"Deal Stage", "stage"},
    PresetLabel{"Amount", "amount"},
    PresetLabel{"Close Date", "close_date"},
    PresetLabel{"Create Date", "created_at"},
    PresetLabel{"Last Modified Date", "updated_at"},
    PresetLabel{"Pipeline", "pipeline"},
    PresetLabel{"Deal owner", "owner_id"},
    PresetLabel{"Deal Type", "type"},
    PresetLabel{"Currency", "currency"},
    PresetLabel{"Original Source Type", "lead_source"},
    PresetLabel{"Associated Company IDs", "account_id", true, true},
    PresetLabel{"Associated Company ID", "account_id", true, true},
    PresetLabel{"Associated Contact IDs", "contact_ids"},
};

// Salesforce API field names (Data Loader / report exports by API name).
constexpr std::array kSalesforceContacts = {
    PresetLabel{"Id", "external_id"},
    PresetLabel{"FirstName", "first_name"},
    PresetLabel{"LastName", "last_name"},
    PresetLabel{"Email", "email"},
    PresetLabel{"Company", "company_name"},
    PresetLabel{"AccountId", "account_id"},
    PresetLabel{"Title", "title"},
    PresetLabel{"Department", "department"},
    PresetLabel{"Phone", "phone"},
    PresetLabel{"LeadSource", "original_source"},
    PresetLabel{"Status", "lead_status"},
    PresetLabel{"OwnerId", "owner_id"},
    PresetLabel{"CreatedDate", "created_at"},
    PresetLabel{"LastModifiedDate", "updated_at"},
    PresetLabel{"IsConverted", "is_converted"},
    PresetLabel{"ConvertedContactId", "converted_contact_id"},
    PresetLabel{"MailingCountry", "country"},
    PresetLabel{"Country", "country"},
    PresetLabel{"MailingState", "state"},
    PresetLabel{"State", "state"},
    PresetLabel{"MailingCity", "city"},
    PresetLabel{"City", "city"},
    PresetLabel{"MailingPostalCode", "postal_code"},
    PresetLabel{"PostalCode", "postal_code"},
    PresetLabel{"MobilePhone", "mobile_phone"},
    PresetLabel{"HasOptedOutOfEmail", "email_opt_out"},
    PresetLabel{"DoNotCall", "do_not_call"},
    PresetLabel{"HasOptedOutOfFax", "fax_opt_out"},
    // A report exported with "Details Only" heads its columns with the
    // fields' labels, not their API names (labels that normalize to an API
    // name above, "Email" or "Title", need no line of their own).
    PresetLabel{"Contact ID", "external_id"},
    PresetLabel{"Lead ID", "external_id"},
    PresetLabel{"First Name", "first_name"},
    PresetLabel{"Last Name", "last_name"},
    PresetLabel{"Account ID", "account_id"},
    PresetLabel{"Account Name", "company_name", false, true},
    PresetLabel{"Company / Account", "company_name", false, true},
    PresetLabel{"Lead Source", "original_source"},
    PresetLabel{"Lead Status", "lead_status"},
    PresetLabel{"Created Date", "created_at"},
    PresetLabel{"Last Modified Date", "updated_at"},
    PresetLabel{"Mailing Country", "country"},
    PresetLabel{"Mailing State/Province", "state"},
    PresetLabel{"State/Province", "state"},
    PresetLabel{"Mailing City", "city"},
    PresetLabel{"Mailing Zip/Postal Code", "postal_code"},
    PresetLabel{"Zip/Postal Code", "postal_code"},
    PresetLabel{"Mobile", "mobile_phone"},
    PresetLabel{"Email Opt Out", "email_opt_out"},
    PresetLabel{"Do Not Call", "do_not_call"},
};
constexpr std::array kSalesforceAccounts = {
    PresetLabel{"Id", "external_id"},
    PresetLabel{"Name", "name"},
    PresetLabel{"Website", "website"},
    PresetLabel{"Industry", "industry"},
    PresetLabel{"NumberOfEmployees", "employees"},
    PresetLabel{"AnnualRevenue", "annual_revenue"},
    PresetLabel{"CurrencyIsoCode", "currency"},
    PresetLabel{"BillingCountry", "country"},
    PresetLabel{"BillingState", "state"},
    PresetLabel{"BillingCity", "city"},
    PresetLabel{"BillingPostalCode", "postal_code"},
    PresetLabel{"ParentId", "parent_id"},
    PresetLabel{"OwnerId", "owner_id"},
    PresetLabel{"CreatedDate", "created_at"},
    PresetLabel{"LastModifiedDate", "updated_at"},
};
constexpr std::array kSalesforceOpportunities = {
    PresetLabel{"Id", "external_id"},
    PresetLabel{"AccountId", "account_id"},
    PresetLabel{"Name", "name"},
    PresetLabel{"StageName", "stage"},
    PresetLabel{"Amount", "amount"},
    PresetLabel{"CurrencyIsoCode", "currency"},
    PresetLabel{"CloseDate", "close_date"},
    PresetLabel{"IsClosed", "is_closed"},
    PresetLabel{"IsWon", "is_won"},
    PresetLabel{"CampaignId", "primary_campaign_id"},
    PresetLabel{"LeadSource", "lead_source"},
    PresetLabel{"Type", "type"},
    PresetLabel{"CreatedDate", "created_at"},
    PresetLabel{"LastModifiedDate", "updated_at"},
    PresetLabel{"OwnerId", "owner_id"},
};
constexpr std::array kSalesforceContactRoles = {
    PresetLabel{"Id", "external_id"},       PresetLabel{"OpportunityId", "opportunity_id"},
    PresetLabel{"ContactId", "contact_id"}, PresetLabel{"Role", "role"},
    PresetLabel{"IsPrimary", "is_primary"},
};
constexpr std::array kSalesforceHistory = {
    PresetLabel{"Id", "external_id"},         PresetLabel{"OpportunityId", "opportunity_id"},
    PresetLabel{"StageName", "stage"},        PresetLabel{"Amount", "amount"},
    PresetLabel{"CreatedDate", "entered_at"},
};
constexpr std::array kSalesforceCampaigns = {
    PresetLabel{"Id", "external_id"},
    PresetLabel{"Name", "name"},
    PresetLabel{"Type", "type"},
    PresetLabel{"Status", "status"},
    PresetLabel{"StartDate", "start_date"},
    PresetLabel{"EndDate", "end_date"},
    PresetLabel{"BudgetedCost", "budget"},
    PresetLabel{"ActualCost", "actual_cost"},
    PresetLabel{"CurrencyIsoCode", "currency"},
    PresetLabel{"ParentId", "parent_id"},
    PresetLabel{"OwnerId", "owner_id"},
    PresetLabel{"CreatedDate", "created_at"},
    PresetLabel{"LastModifiedDate", "updated_at"},
};
constexpr std::array kSalesforceMembers = {
    PresetLabel{"Id", "external_id"},
    PresetLabel{"CampaignId", "campaign_id"},
    PresetLabel{"LeadId", "lead_id"},
    PresetLabel{"ContactId", "contact_id"},
    PresetLabel{"LeadOrContactId", "lead_id"},
    PresetLabel{"Status", "status"},
    PresetLabel{"HasResponded", "responded"},
    PresetLabel{"FirstRespondedDate", "first_responded_at"},
    PresetLabel{"CreatedDate", "created_at"},
};
constexpr std::array kSalesforceUsers = {
    PresetLabel{"Id", "external_id"},
    PresetLabel{"Name", "name"},
    PresetLabel{"Email", "email"},
    PresetLabel{"IsActive", "active"},
    PresetLabel{"Department", "team"},
    PresetLabel{"CreatedDate", "created_at"},
    PresetLabel{"LastModifiedDate", "updated_at"},
};

}  // namespace

std::string_view TargetTable(Target target) {
  switch (target) {
    case Target::kAccount:
      return "accounts";
    case Target::kContact:
      return "contacts";
    case Target::kCampaign:
      return "campaigns";
    case Target::kOpportunity:
      return "opportunities";
    case Target::kTool:
      return "tools";
    case Target::kUser:
      return "users";
    case Target::kNone:
      break;
  }
  return "";
}

int KindSpec::FieldIndex(std::string_view name) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

const KindSpec& SpecFor(Kind kind) {
  static const std::vector<KindSpec> kSpecs = BuildSpecs();
  for (const KindSpec& spec : kSpecs) {
    if (spec.kind == kind) return spec;
  }
  return kSpecs.front();  // unreachable: every Kind has a spec
}

std::span<const PresetLabel> PresetLabels(Preset preset, Kind kind) {
  if (preset == Preset::kHubspot) {
    switch (kind) {
      case Kind::kContacts:
        return kHubspotContacts;
      case Kind::kAccounts:
        return kHubspotCompanies;
      case Kind::kOpportunities:
        return kHubspotDeals;
      default:
        return {};
    }
  }
  if (preset == Preset::kSalesforce) {
    switch (kind) {
      case Kind::kContacts:
        return kSalesforceContacts;
      case Kind::kAccounts:
        return kSalesforceAccounts;
      case Kind::kOpportunities:
        return kSalesforceOpportunities;
      case Kind::kOpportunityContacts:
        return kSalesforceContactRoles;
      case Kind::kOpportunityHistory:
        return kSalesforceHistory;
      case Kind::kCampaigns:
        return kSalesforceCampaigns;
      case Kind::kCampaignMembers:
        return kSalesforceMembers;
      case Kind::kUsers:
        return kSalesforceUsers;
      default:
        return {};
    }
  }
  return {};
}

std::string_view PresetSourceSystem(Preset preset) {
  switch (preset) {
    case Preset::kHubspot:
      return "hubspot";
    case Preset::kSalesforce:
      return "salesforce";
    default:
      return "csv";
  }
}

}  // namespace internal

namespace {

struct KindAlias {
  std::string_view name;
  Kind kind;
};
constexpr std::array kKindNames = {
    KindAlias{"accounts", Kind::kAccounts},
    KindAlias{"contacts", Kind::kContacts},
    KindAlias{"opportunities", Kind::kOpportunities},
    KindAlias{"opportunity-contacts", Kind::kOpportunityContacts},
    KindAlias{"opportunity-history", Kind::kOpportunityHistory},
    KindAlias{"campaigns", Kind::kCampaigns},
    KindAlias{"campaign-members", Kind::kCampaignMembers},
    KindAlias{"touchpoints", Kind::kTouchpoints},
    KindAlias{"spend", Kind::kSpend},
    KindAlias{"users", Kind::kUsers},
    KindAlias{"tools", Kind::kTools},
    KindAlias{"integrations", Kind::kIntegrations},
    KindAlias{"lifecycle-history", Kind::kLifecycleHistory},
    // The CRM object names.
    KindAlias{"companies", Kind::kAccounts},
    KindAlias{"deals", Kind::kOpportunities},
    KindAlias{"leads", Kind::kContacts},
};

}  // namespace

core::Result<Kind> ParseKind(std::string_view name) {
  std::string key = core::ToLower(core::Trim(name));
  for (char& c : key) {
    if (c == '_') c = '-';
  }
  for (const KindAlias& k : kKindNames) {
    if (k.name == key) return k.kind;
  }
  std::vector<std::string_view> names;
  for (Kind kind : AllKinds()) names.push_back(KindName(kind));
  return core::Fail(core::ErrorCode::kInvalidArgument, "unknown kind '{}' (expected one of: {})",
                    name, core::Join(names, ", "));
}

std::string_view KindName(Kind kind) { return internal::SpecFor(kind).cli_name; }
std::string_view TableName(Kind kind) { return internal::SpecFor(kind).table; }

const std::vector<Kind>& AllKinds() {
  static const std::vector<Kind> kAll = {Kind::kUsers,
                                         Kind::kAccounts,
                                         Kind::kContacts,
                                         Kind::kCampaigns,
                                         Kind::kCampaignMembers,
                                         Kind::kOpportunities,
                                         Kind::kOpportunityContacts,
                                         Kind::kOpportunityHistory,
                                         Kind::kTouchpoints,
                                         Kind::kSpend,
                                         Kind::kTools,
                                         Kind::kIntegrations,
                                         Kind::kLifecycleHistory};
  return kAll;
}

core::Result<Preset> ParsePreset(std::string_view name) {
  const std::string key = core::ToLower(core::Trim(name));
  if (key == "auto") return Preset::kAuto;
  if (key == "canonical") return Preset::kCanonical;
  if (key == "hubspot") return Preset::kHubspot;
  if (key == "salesforce") return Preset::kSalesforce;
  return core::Fail(core::ErrorCode::kInvalidArgument,
                    "unknown preset '{}' (expected canonical, hubspot or salesforce)", name);
}

std::string_view PresetName(Preset preset) {
  switch (preset) {
    case Preset::kAuto:
      return "auto";
    case Preset::kCanonical:
      return "canonical";
    case Preset::kHubspot:
      return "hubspot";
    case Preset::kSalesforce:
      return "salesforce";
    case Preset::kMapping:
      return "mapping";
  }
  return "canonical";
}

std::vector<std::string> CanonicalHeader(Kind kind) {
  std::vector<std::string> header;
  for (const internal::FieldSpec& f : internal::SpecFor(kind).fields) {
    if (f.Stored() || f.role == internal::Role::kKey || f.role == internal::Role::kSourceSystem) {
      header.emplace_back(f.name);
    }
  }
  return header;
}

}  // namespace mops::ingest
