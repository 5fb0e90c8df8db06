// Versioned schema migrations for both backends.
//
// Each migration is portable SQL with a few substitutions (see ForDialect),
// such as {{ID}} for the auto-increment primary key of the dialect.
// Migrations are append-only: never edit one that has shipped; add the next
// version instead.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/database.h"

namespace mops::store {
namespace {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
  // Dialect-only statements run after `sql` (triggers differ the most).
  std::string_view sqlite_sql = {};
  std::string_view postgres_sql = {};
};

// Every imported table carries (source_system, external_id), the identity of
// a row in the system it came from, and *_ref columns that keep a reference
// by external id (or owner name) until the referenced record arrives; the
// importer resolves them into the *_id columns.
constexpr std::string_view kCoreTables = R"SQL(
CREATE TABLE users (
  id {{ID}},
  source_system TEXT NOT NULL,
  external_id TEXT NOT NULL,
  name TEXT,
  email TEXT,
  team TEXT,
  territory TEXT,
  capacity INTEGER,
  active INTEGER NOT NULL DEFAULT 1,
  out_of_office_until BIGINT,
  created_at BIGINT,
  updated_at BIGINT,
  UNIQUE (source_system, external_id)
);
CREATE TABLE accounts (
  id {{ID}},
  source_system TEXT NOT NULL,
  external_id TEXT NOT NULL,
  name TEXT,
  domain TEXT,
  website TEXT,
  industry TEXT,
  employees BIGINT,
  annual_revenue BIGINT,
  currency TEXT,
  country TEXT,
  state TEXT,
  city TEXT,
  owner_id BIGINT,
  owner_ref TEXT,
  parent_id BIGINT,
  parent_ref TEXT,
  created_at BIGINT,
  updated_at BIGINT,
  merged_into BIGINT,
  UNIQUE (source_system, external_id)
);
CREATE INDEX accounts_domain ON accounts (domain);
CREATE TABLE contacts (
  id {{ID}},
  source_system TEXT NOT NULL,
  external_id TEXT NOT NULL,
  email TEXT,
  first_name TEXT,
  last_name TEXT,
  title TEXT,
  seniority TEXT,
  department TEXT,
  phone TEXT,
  company_name TEXT,
  account_id BIGINT,
  account_ref TEXT,
  country TEXT,
  state TEXT,
  city TEXT,
  lifecycle_stage TEXT,
  lead_status TEXT,
  owner_id BIGINT,
  owner_ref TEXT,
  original_source TEXT,
  created_at BIGINT,
  updated_at BIGINT,
  merged_into BIGINT,
  UNIQUE (source_system, external_id)
);
CREATE INDEX contacts_email ON contacts (email);
CREATE INDEX contacts_account ON contacts (account_id);
CREATE TABLE identities (
  id {{ID}},
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  contact_id BIGINT,
  created_at BIGINT,
  UNIQUE (kind, value)
);
CREATE INDEX identities_contact ON identities (contact_id);
CREATE TABLE lifecycle_history (
  id {{ID}},
  contact_id BIGINT NOT NULL,
  stage TEXT NOT NULL,
  entered_at BIGINT NOT NULL,
  UNIQUE (contact_id, stage, entered_at)
);
CREATE TABLE campaigns (
  id {{ID}},
  source_system TEXT NOT NULL,
  external_id TEXT NOT NULL,
  name TEXT,
  type TEXT,
  channel TEXT,
  parent_id BIGINT,
  parent_ref TEXT,
  status TEXT,
  start_date BIGINT,
  end_date BIGINT,
  budget BIGINT,
  actual_cost BIGINT,
  currency TEXT,
  owner_id BIGINT,
  owner_ref TEXT,
  utm_campaign TEXT,
  created_at BIGINT,
  updated_at BIGINT,
  UNIQUE (source_system, external_id)
);
CREATE INDEX campaigns_utm ON campaigns (utm_campaign);
CREATE TABLE campaign_members (
  id {{ID}},
  source_system TEXT NOT NULL,
  external_id TEXT NOT NULL,
  campaign_id BIGINT,
  campaign_ref TEXT,
  contact_id BIGINT,
  contact_ref TEXT,
  status TEXT,
  responded INTEGER NOT NULL DEFAULT 0,
  first_responded_at BIGINT,
  created_at BIGINT,
  UNIQUE (source_system, external_id)
);
CREATE INDEX campaign_members_campaign ON campaign_members (campaign_id);
CREATE INDEX campaign_members_contact ON campaign_members (contact_id);
CREATE TABLE touchpoints (
  id {{ID}},
  source_system TEXT NOT NULL,
  external_id TEXT NOT NULL,
  contact_id BIGINT,
  contact_ref TEXT,
  anonymous_id TEXT,
  account_id BIGINT,
  account_ref TEXT,
  occurred_at BIGINT NOT NULL,
  type TEXT NOT NULL,
  channel TEXT,
  source TEXT,
  medium TEXT,
  campaign_id BIGINT,
  campaign_ref TEXT,
  utm_campaign TEXT,
  utm_content TEXT,
  utm_term TEXT,
  url TEXT,
  referrer TEXT,
  event_name TEXT,
  value DOUBLE PRECISION,
  message_id TEXT,
  UNIQUE (source_system, external_id)
);
CREATE INDEX touchpoints_contact ON touchpoints (contact_id, occurred_at);
CREATE INDEX touchpoints_account ON touchpoints (account_id, occurred_at);
CREATE INDEX touchpoints_occurred ON touchpoints (occurred_at);
CREATE TABLE opportunities (
  id {{ID}},
  source_system TEXT NOT NULL,
  external_id TEXT NOT NULL,
  account_id BIGINT,
  account_ref TEXT,
  name TEXT,
  stage TEXT,
  pipeline TEXT,
  amount BIGINT,
  currency TEXT,
  created_at BIGINT,
  close_date BIGINT,
  is_closed INTEGER NOT NULL DEFAULT 0,
  is_won INTEGER NOT NULL DEFAULT 0,
  type TEXT,
  lead_source TEXT,
  primary_campaign_id BIGINT,
  primary_campaign_ref TEXT,
  owner_id BIGINT,
  owner_ref TEXT,
  updated_at BIGINT,
  UNIQUE (source_system, external_id)
);
CREATE INDEX opportunities_account ON opportunities (account_id);
CREATE TABLE opportunity_contacts (
  id {{ID}},
  source_system TEXT NOT NULL,
  external_id TEXT NOT NULL,
  opportunity_id BIGINT,
  opportunity_ref TEXT,
  contact_id BIGINT,
  contact_ref TEXT,
  role TEXT,
  is_primary INTEGER NOT NULL DEFAULT 0,
  UNIQUE (source_system, external_id)
);
CREATE INDEX opportunity_contacts_opportunity ON opportunity_contacts (opportunity_id);
CREATE INDEX opportunity_contacts_contact ON opportunity_contacts (contact_id);
CREATE TABLE opportunity_history (
  id {{ID}},
  source_system TEXT NOT NULL,
  external_id TEXT NOT NULL,
  opportunity_id BIGINT,
  opportunity_ref TEXT,
  stage TEXT,
  amount BIGINT,
  entered_at BIGINT NOT NULL,
  UNIQUE (source_system, external_id)
);
CREATE INDEX opportunity_history_opportunity ON opportunity_history (opportunity_id);
CREATE TABLE spend (
  id {{ID}},
  source_system TEXT NOT NULL,
  external_id TEXT NOT NULL,
  date BIGINT NOT NULL,
  channel TEXT,
  source TEXT,
  campaign_id BIGINT,
  campaign_ref TEXT,
  amount BIGINT NOT NULL DEFAULT 0,
  currency TEXT,
  impressions BIGINT,
  clicks BIGINT,
  UNIQUE (source_system, external_id)
);
CREATE INDEX spend_date ON spend (date);
CREATE TABLE tools (
  id {{ID}},
  source_system TEXT NOT NULL,
  external_id TEXT NOT NULL,
  name TEXT NOT NULL,
  vendor TEXT,
  category TEXT,
  capabilities TEXT,
  owner TEXT,
  annual_cost BIGINT,
  currency TEXT,
  seats BIGINT,
  active_seats BIGINT,
  renewal_date BIGINT,
  notice_days INTEGER,
  auto_renew INTEGER NOT NULL DEFAULT 0,
  status TEXT,
  UNIQUE (source_system, external_id)
);
CREATE TABLE integrations (
  id {{ID}},
  source_system TEXT NOT NULL,
  external_id TEXT NOT NULL,
  from_tool_id BIGINT,
  from_tool_ref TEXT,
  to_tool_id BIGINT,
  to_tool_ref TEXT,
  objects TEXT,
  direction TEXT,
  status TEXT,
  last_sync_at BIGINT,
  UNIQUE (source_system, external_id)
);
CREATE TABLE merges (
  id {{ID}},
  entity TEXT NOT NULL,
  survivor_id BIGINT NOT NULL,
  merged_id BIGINT NOT NULL,
  snapshot TEXT NOT NULL,
  merged_at BIGINT NOT NULL,
  actor TEXT,
  undone_at BIGINT
);
CREATE TABLE audit_log (
  id {{ID}},
  at BIGINT NOT NULL,
  actor TEXT,
  action TEXT NOT NULL,
  entity TEXT,
  entity_id TEXT,
  before TEXT,
  after TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE TABLE api_tokens (
  id {{ID}},
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE TABLE configs (
  name TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT
);
CREATE TABLE workspace_meta (
  key TEXT PRIMARY KEY,
  value TEXT
);
)SQL";

// References to contacts that are not in the workspace yet. lifecycle_history
// keeps (source_system, contact_ref) beside a contact_id that is NULL until the
// contact arrives, so contact_id loses its NOT NULL: SQLite cannot drop a
// constraint, so the table is rebuilt (ids are renumbered in their order:
// nothing points at them, and copying ids would leave PostgreSQL's identity
// sequence behind). Rows copied from version 1 get the reference of their
// contact. A resolved row is unique per (contact_id, stage, entered_at); a row
// is also unique per reference, which keeps a re-import of parked rows
// idempotent (NULLs are distinct on both engines, so neither index stops the
// other's rows).
//
// identities gets the same pair: a converted Salesforce lead whose contact is
// not there yet waits as (salesforce_lead_id, lead id) with contact_ref set
// and contact_id NULL. Version 1 kept such a lead as kind
// salesforce_lead_pending with value "<source>\t<lead id>\t<contact id>";
// those rows are converted here.
constexpr std::string_view kContactRefs =
    "CREATE TABLE lifecycle_history_new (\n"
    "  id {{ID}},\n"
    "  contact_id BIGINT,\n"
    "  source_system TEXT,\n"
    "  contact_ref TEXT,\n"
    "  stage TEXT NOT NULL,\n"
    "  entered_at BIGINT NOT NULL\n"
    ");\n"
    "INSERT INTO lifecycle_history_new (contact_id, source_system, contact_ref, stage, "
    "entered_at)\n"
    "  SELECT h.contact_id, c.source_system, c.external_id, h.stage, h.entered_at\n"
    "  FROM lifecycle_history h LEFT JOIN contacts c ON c.id = h.contact_id ORDER BY h.id;\n"
    "DROP TABLE lifecycle_history;\n"
    "ALTER TABLE lifecycle_history_new RENAME TO lifecycle_history;\n"
    "CREATE UNIQUE INDEX lifecycle_history_contact ON lifecycle_history (contact_id, stage, "
    "entered_at);\n"
    "CREATE UNIQUE INDEX lifecycle_history_ref ON lifecycle_history (source_system, contact_ref, "
    "stage, entered_at);\n"
    "ALTER TABLE identities ADD COLUMN source_system TEXT;\n"
    "ALTER TABLE identities ADD COLUMN contact_ref TEXT;\n"
    // value = source TAB lead TAB contact; rest = lead TAB contact.
    "INSERT INTO identities (kind, value, source_system, contact_ref, created_at)\n"
    "  SELECT 'salesforce_lead_id',\n"
    "    substr(substr(value, {{INSTR}}(value, '\t') + 1), 1,\n"
    "           {{INSTR}}(substr(value, {{INSTR}}(value, '\t') + 1), '\t') - 1),\n"
    "    substr(value, 1, {{INSTR}}(value, '\t') - 1),\n"
    "    substr(substr(value, {{INSTR}}(value, '\t') + 1),\n"
    "           {{INSTR}}(substr(value, {{INSTR}}(value, '\t') + 1), '\t') + 1),\n"
    "    created_at\n"
    "  FROM identities WHERE kind = 'salesforce_lead_pending' AND {{INSTR}}(value, '\t') > 1\n"
    "    AND {{INSTR}}(substr(value, {{INSTR}}(value, '\t') + 1), '\t') > 1\n"
    "  ON CONFLICT (kind, value) DO NOTHING;\n"
    "DELETE FROM identities WHERE kind = 'salesforce_lead_pending';\n"
    "UPDATE identities SET contact_id = (SELECT COALESCE(c.merged_into, c.id) FROM contacts c\n"
    "    WHERE c.source_system = identities.source_system AND c.external_id = "
    "identities.contact_ref)\n"
    "  WHERE contact_id IS NULL AND contact_ref IS NOT NULL;\n";

// Attribution runs, kept with their parameters so the API, the dashboard and
// the audit report serve the same figures. Results are per model, dimension
// and key; credits per conversion and channel back the drill-down from a
// channel to the opportunities behind it.
constexpr std::string_view kAttributionRuns = R"SQL(
CREATE TABLE attribution_runs (
  id {{ID}},
  created_at BIGINT NOT NULL,
  actor TEXT,
  conversion TEXT NOT NULL,
  journey TEXT NOT NULL,
  models TEXT NOT NULL,
  lookback_days INTEGER NOT NULL,
  from_at BIGINT,
  to_at BIGINT,
  params TEXT NOT NULL,
  conversions DOUBLE PRECISION NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  unattributed DOUBLE PRECISION NOT NULL,
  summary TEXT NOT NULL
);
CREATE TABLE attribution_results (
  id {{ID}},
  run_id BIGINT NOT NULL,
  model TEXT NOT NULL,
  dimension TEXT NOT NULL,
  dim_key TEXT NOT NULL,
  conversions DOUBLE PRECISION NOT NULL,
  value DOUBLE PRECISION NOT NULL
);
CREATE INDEX attribution_results_run ON attribution_results (run_id, model, dimension);
CREATE TABLE attribution_credits (
  id {{ID}},
  run_id BIGINT NOT NULL,
  model TEXT NOT NULL,
  conversion_id BIGINT NOT NULL,
  channel TEXT NOT NULL,
  conversions DOUBLE PRECISION NOT NULL,
  value DOUBLE PRECISION NOT NULL
);
CREATE INDEX attribution_credits_run ON attribution_credits (run_id, model, channel);
)SQL";
// Stack management (issue 5): the tool fields of the canonical inventory that
// version 1 lacked (billing period, contract start, SSO, DPA, data scope) and
// the integration's frequency and error rate. sso and dpa_signed stay NULL
// when unknown, which is not the same as "no".
constexpr std::string_view kStackFields =
    "ALTER TABLE tools ADD COLUMN billing_period TEXT;\n"
    "ALTER TABLE tools ADD COLUMN contract_start BIGINT;\n"
    "ALTER TABLE tools ADD COLUMN sso INTEGER;\n"
    "ALTER TABLE tools ADD COLUMN dpa_signed INTEGER;\n"
    "ALTER TABLE tools ADD COLUMN data_scope TEXT;\n"
    "ALTER TABLE integrations ADD COLUMN frequency TEXT;\n"
    "ALTER TABLE integrations ADD COLUMN error_rate DOUBLE PRECISION;\n";
// Data quality: what standardization learns about a contact's email and phone
// (the values themselves are standardized in place), the company match key
// of an account, the batch a merge row belongs to (one merge of N records
// writes N - 1 rows), and the stored check runs with their scores, for the
// trend.
constexpr std::string_view kQuality = R"SQL(
ALTER TABLE contacts ADD COLUMN email_status TEXT;
ALTER TABLE contacts ADD COLUMN email_suggestion TEXT;
ALTER TABLE contacts ADD COLUMN phone_type TEXT;
ALTER TABLE contacts ADD COLUMN phone_valid INTEGER;
ALTER TABLE accounts ADD COLUMN company_key TEXT;
CREATE INDEX accounts_company_key ON accounts (company_key);
ALTER TABLE merges ADD COLUMN batch_id BIGINT;
CREATE INDEX merges_batch ON merges (batch_id);
CREATE INDEX merges_records ON merges (entity, survivor_id, merged_id);
CREATE TABLE quality_runs (
  id {{ID}},
  run_at BIGINT NOT NULL,
  as_of BIGINT NOT NULL,
  actor TEXT,
  report TEXT NOT NULL
);
CREATE TABLE quality_scores (
  id {{ID}},
  run_id BIGINT NOT NULL,
  entity TEXT NOT NULL,
  source_system TEXT NOT NULL,
  records BIGINT NOT NULL,
  score DOUBLE PRECISION NOT NULL
);
CREATE INDEX quality_scores_run ON quality_scores (run_id);
)SQL";

// Duplicate candidates found by quality/linkage: one row per pair of records
// of an entity (record_a < record_b), its score and field-by-field
// explanation (JSON), and its status: 'match' (at or above the threshold),
// 'review' (the uncertain band), or a decision ('accepted', 'rejected',
// 'merged') that later matching runs keep.
constexpr std::string_view kMatchPairs = R"SQL(
CREATE TABLE match_pairs (
  id {{ID}},
  entity TEXT NOT NULL,
  record_a BIGINT NOT NULL,
  record_b BIGINT NOT NULL,
  match_weight DOUBLE PRECISION NOT NULL,
  probability DOUBLE PRECISION NOT NULL,
  explanation TEXT,
  status TEXT NOT NULL,
  found_at BIGINT NOT NULL,
  decided_at BIGINT,
  decided_by TEXT,
  UNIQUE (entity, record_a, record_b)
);
CREATE INDEX match_pairs_status ON match_pairs (entity, status, probability);
)SQL";

// Marketing touches from CRM objects: a converted Salesforce lead keeps its
// own creation date and lead source (its touches carry over to its contact),
// and HubSpot contacts keep their source drill-downs, latest source and most
// recent conversion, each with its date.
constexpr std::string_view kCrmTouches = R"SQL(
ALTER TABLE identities ADD COLUMN lead_source TEXT;
ALTER TABLE identities ADD COLUMN lead_created_at BIGINT;
ALTER TABLE contacts ADD COLUMN source_detail_1 TEXT;
ALTER TABLE contacts ADD COLUMN source_detail_2 TEXT;
ALTER TABLE contacts ADD COLUMN latest_source TEXT;
ALTER TABLE contacts ADD COLUMN latest_source_at BIGINT;
ALTER TABLE contacts ADD COLUMN recent_conversion TEXT;
ALTER TABLE contacts ADD COLUMN recent_conversion_at BIGINT;
CREATE INDEX touchpoints_type ON touchpoints (source_system, type);
)SQL";

// Import fidelity: contact consent (Salesforce HasOptedOutOfEmail, DoNotCall,
// HasOptedOutOfFax, MobilePhone; HubSpot's unsubscribe and legal basis),
// postal codes, the fields whose values lost precision in a spreadsheet
// (damaged_fields, comma-separated field names: such values are kept as
// written and never used for matching), and a hash of each imported row's
// values, so that re-importing an identical file reports rows as unchanged.
constexpr std::string_view kImportFidelity = R"SQL(
ALTER TABLE contacts ADD COLUMN postal_code TEXT;
ALTER TABLE contacts ADD COLUMN mobile_phone TEXT;
ALTER TABLE contacts ADD COLUMN email_opt_out INTEGER;
ALTER TABLE contacts ADD COLUMN do_not_call INTEGER;
ALTER TABLE contacts ADD COLUMN fax_opt_out INTEGER;
ALTER TABLE contacts ADD COLUMN legal_basis TEXT;
ALTER TABLE contacts ADD COLUMN damaged_fields TEXT;
ALTER TABLE accounts ADD COLUMN postal_code TEXT;
ALTER TABLE accounts ADD COLUMN damaged_fields TEXT;
ALTER TABLE accounts ADD COLUMN row_hash BIGINT;
ALTER TABLE contacts ADD COLUMN row_hash BIGINT;
ALTER TABLE opportunities ADD COLUMN row_hash BIGINT;
ALTER TABLE opportunity_contacts ADD COLUMN row_hash BIGINT;
ALTER TABLE opportunity_history ADD COLUMN row_hash BIGINT;
ALTER TABLE campaigns ADD COLUMN row_hash BIGINT;
ALTER TABLE campaign_members ADD COLUMN row_hash BIGINT;
ALTER TABLE touchpoints ADD COLUMN row_hash BIGINT;
ALTER TABLE spend ADD COLUMN row_hash BIGINT;
ALTER TABLE users ADD COLUMN row_hash BIGINT;
ALTER TABLE tools ADD COLUMN row_hash BIGINT;
ALTER TABLE integrations ADD COLUMN row_hash BIGINT;
)SQL";

// Issue 10: token lifetimes, and what the dashboard's read routes need to stay
// fast under load.
//
// api_tokens.expires_at: unix seconds after which the token authenticates no
// more; NULL: never (tokens made before this version). api_tokens_secret: every
// request looks its token up by hash.
//
// contacts_merged, accounts_merged: the overview counts live records (merged_into
// IS NULL) from the index instead of reading every row.
//
// touchpoint_weeks: touchpoints per Monday week and channel (NULL and empty
// channels under ''), kept by triggers on every insert, delete and change of
// occurred_at or channel, whatever writes them (imports, the tracking API,
// deletes), so the weekly series is read from a few hundred rows instead of a
// scan of every touchpoint, and a write is in the next read. `week` is
// floor((occurred_at + 3 days) / 7 days): 1970-01-01 was a Thursday, so week 0
// starts on Monday 1969-12-29.
constexpr std::string_view kReadPathCommon = R"SQL(
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
CREATE UNIQUE INDEX api_tokens_secret ON api_tokens (secret_hash);
CREATE INDEX contacts_merged ON contacts (merged_into);
CREATE INDEX accounts_merged ON accounts (merged_into);
CREATE TABLE touchpoint_weeks (
  week BIGINT NOT NULL,
  channel TEXT NOT NULL,
  touchpoints BIGINT NOT NULL,
  PRIMARY KEY (week, channel)
);
INSERT INTO touchpoint_weeks (week, channel, touchpoints)
  SELECT (CASE WHEN occurred_at >= -259200 THEN (occurred_at + 259200) / 604800 ELSE -((-259200 - occurred_at + 604799) / 604800) END), COALESCE(channel, ''), COUNT(*) FROM touchpoints
  GROUP BY 1, 2;
)SQL";

constexpr std::string_view kReadPathSqlite = R"SQL(
CREATE TRIGGER touchpoint_weeks_insert AFTER INSERT ON touchpoints BEGIN
  INSERT INTO touchpoint_weeks (week, channel, touchpoints)
    VALUES ((CASE WHEN NEW.occurred_at >= -259200 THEN (NEW.occurred_at + 259200) / 604800 ELSE -((-259200 - NEW.occurred_at + 604799) / 604800) END), COALESCE(NEW.channel, ''), 1)
    ON CONFLICT (week, channel) DO UPDATE SET touchpoints = touchpoints + 1;
END;
CREATE TRIGGER touchpoint_weeks_delete AFTER DELETE ON touchpoints BEGIN
  UPDATE touchpoint_weeks SET touchpoints = touchpoints - 1
    WHERE week = (CASE WHEN OLD.occurred_at >= -259200 THEN (OLD.occurred_at + 259200) / 604800 ELSE -((-259200 - OLD.occurred_at + 604799) / 604800) END) AND channel = COALESCE(OLD.channel, '');
END;
CREATE TRIGGER touchpoint_weeks_update AFTER UPDATE OF occurred_at, channel ON touchpoints BEGIN
  UPDATE touchpoint_weeks SET touchpoints = touchpoints - 1
    WHERE week = (CASE WHEN OLD.occurred_at >= -259200 THEN (OLD.occurred_at + 259200) / 604800 ELSE -((-259200 - OLD.occurred_at + 604799) / 604800) END) AND channel = COALESCE(OLD.channel, '');
  INSERT INTO touchpoint_weeks (week, channel, touchpoints)
    VALUES ((CASE WHEN NEW.occurred_at >= -259200 THEN (NEW.occurred_at + 259200) / 604800 ELSE -((-259200 - NEW.occurred_at + 604799) / 604800) END), COALESCE(NEW.channel, ''), 1)
    ON CONFLICT (week, channel) DO UPDATE SET touchpoints = touchpoints + 1;
END;
)SQL";

constexpr std::string_view kReadPathPostgres = R"SQL(
CREATE FUNCTION mops_touchpoint_weeks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE touchpoint_weeks SET touchpoints = touchpoints - 1
      WHERE week = (CASE WHEN OLD.occurred_at >= -259200 THEN (OLD.occurred_at + 259200) / 604800 ELSE -((-259200 - OLD.occurred_at + 604799) / 604800) END) AND channel = COALESCE(OLD.channel, '');
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO touchpoint_weeks (week, channel, touchpoints)
      VALUES ((CASE WHEN NEW.occurred_at >= -259200 THEN (NEW.occurred_at + 259200) / 604800 ELSE -((-259200 - NEW.occurred_at + 604799) / 604800) END), COALESCE(NEW.channel, ''), 1)
      ON CONFLICT (week, channel) DO UPDATE SET touchpoints = touchpoint_weeks.touchpoints + 1;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER touchpoint_weeks_change AFTER INSERT OR DELETE OR UPDATE OF occurred_at, channel
  ON touchpoints FOR EACH ROW EXECUTE FUNCTION mops_touchpoint_weeks();
)SQL";

// Issue 20: tech stack discovery. discovery_spend holds card and bank
// transactions (key: the export's preset and a hash of the record, with its
// occurrence, so that importing an export again adds nothing);
// discovery_usage one row per (user, app) with the latest use;
// discovery_aliases the workspace's own merchant patterns; discovery_applies
// the snapshot of the tools each `apply` changed, for undo.
constexpr std::string_view kDiscovery = R"SQL(
CREATE TABLE discovery_spend (
  id {{ID}},
  record_key TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  file TEXT,
  line BIGINT,
  posted_at BIGINT NOT NULL,
  descriptor TEXT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT,
  original_amount BIGINT,
  original_currency TEXT,
  payer TEXT,
  card TEXT,
  department TEXT,
  imported_at BIGINT NOT NULL
);
CREATE INDEX discovery_spend_posted ON discovery_spend (posted_at);
CREATE TABLE discovery_usage (
  id {{ID}},
  user_key TEXT NOT NULL,
  app TEXT NOT NULL,
  source TEXT NOT NULL,
  assigned INTEGER NOT NULL DEFAULT 0,
  last_used_at BIGINT,
  imported_at BIGINT NOT NULL,
  UNIQUE (user_key, app)
);
CREATE TABLE discovery_aliases (
  id {{ID}},
  pattern TEXT NOT NULL UNIQUE,
  tool TEXT NOT NULL,
  match_kind TEXT NOT NULL,
  confidence DOUBLE PRECISION NOT NULL,
  category TEXT,
  added_at BIGINT NOT NULL
);
CREATE TABLE discovery_applies (
  id {{ID}},
  applied_at BIGINT NOT NULL,
  actor TEXT,
  as_of BIGINT NOT NULL,
  snapshot TEXT NOT NULL,
  changes TEXT NOT NULL,
  undone_at BIGINT
);
)SQL";

// Issue 15, marketing analytics: what the ad platforms' report exports carry
// beside the spend (conversions as the platform counts them, possibly
// fractional), the platform's own campaign name and type (kept when the
// campaign matches no mops campaign, so the report can name it), and the
// indexes of the stage scans.
constexpr std::string_view kAnalytics = R"SQL(
ALTER TABLE spend ADD COLUMN conversions DOUBLE PRECISION;
ALTER TABLE spend ADD COLUMN campaign_name TEXT;
ALTER TABLE spend ADD COLUMN campaign_type TEXT;
CREATE INDEX IF NOT EXISTS lifecycle_history_stage ON lifecycle_history (stage, entered_at);
)SQL";

// Issue 12: the tracking API. write_keys: credentials that may only send
// events (hash only; origins for CORS, a comma list or "*"; rate_limit in
// requests per second, 0 for none). tracking_events: every accepted event as
// received (the messageId of a write key is unique: a replay is acknowledged,
// not stored again; rows are kept, so the dedup window is the retention).
// tracking_rejections: refused events and why. identity_merges: every profile
// merge the tracking API made or refused, with the event that caused it.
// Contacts keep their first touch and latest source (latest_source and
// latest_source_at, from version 7, take the latest touch's channel when it is
// newer). Touchpoints of unknown
// visitors are found again by anonymous id or by user id (contact_ref) when
// the visitor is identified.
constexpr std::string_view kTracking = R"SQL(
CREATE TABLE write_keys (
  id {{ID}},
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  key_prefix TEXT NOT NULL,
  origins TEXT NOT NULL DEFAULT '',
  rate_limit BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE UNIQUE INDEX write_keys_hash ON write_keys (key_hash);
CREATE TABLE tracking_events (
  id {{ID}},
  write_key_id BIGINT NOT NULL,
  message_id TEXT NOT NULL,
  type TEXT NOT NULL,
  event TEXT,
  user_id TEXT,
  anonymous_id TEXT,
  contact_id BIGINT,
  touchpoint_id BIGINT,
  channel TEXT,
  occurred_at BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  body TEXT NOT NULL
);
CREATE UNIQUE INDEX tracking_events_message ON tracking_events (write_key_id, message_id);
CREATE INDEX tracking_events_received ON tracking_events (received_at);
CREATE TABLE tracking_rejections (
  id {{ID}},
  write_key_id BIGINT,
  received_at BIGINT NOT NULL,
  route TEXT NOT NULL,
  item_index BIGINT,
  field TEXT,
  reason TEXT NOT NULL,
  message_id TEXT
);
CREATE INDEX tracking_rejections_received ON tracking_rejections (received_at);
CREATE TABLE identity_merges (
  id {{ID}},
  at BIGINT NOT NULL,
  write_key_id BIGINT,
  message_id TEXT,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  survivor_id BIGINT,
  merged_id BIGINT,
  merge_id BIGINT,
  status TEXT NOT NULL,
  reason TEXT
);
ALTER TABLE contacts ADD COLUMN first_touch_at BIGINT;
ALTER TABLE contacts ADD COLUMN first_touch_channel TEXT;
ALTER TABLE contacts ADD COLUMN first_touch_source TEXT;
ALTER TABLE contacts ADD COLUMN first_touch_medium TEXT;
ALTER TABLE contacts ADD COLUMN first_touch_campaign TEXT;
ALTER TABLE contacts ADD COLUMN first_touch_referrer TEXT;
ALTER TABLE contacts ADD COLUMN first_touch_landing_page TEXT;
ALTER TABLE contacts ADD COLUMN latest_touch_at BIGINT;
ALTER TABLE contacts ADD COLUMN latest_channel TEXT;
ALTER TABLE contacts ADD COLUMN latest_utm_source TEXT;
ALTER TABLE contacts ADD COLUMN latest_medium TEXT;
ALTER TABLE contacts ADD COLUMN latest_campaign TEXT;
CREATE INDEX touchpoints_anonymous ON touchpoints (anonymous_id);
CREATE INDEX touchpoints_contact_ref ON touchpoints (source_system, contact_ref);
)SQL";

// Issue 19, data enrichment: the contact fields that enrichment fills and
// scoring and routing read (firmographics from the account or a vendor, time
// zone, job function); runs and their per-record changes (what undo
// restores: values with their types, and the provenance before); the
// provenance of every enriched field per record (JSON: field -> source,
// vendor record id, confidence, reason, time, run); vendor rows staged and
// matched before a run uses them; the conflicts a run listed.
constexpr std::string_view kEnrichment = R"SQL(
ALTER TABLE contacts ADD COLUMN industry TEXT;
ALTER TABLE contacts ADD COLUMN employees BIGINT;
ALTER TABLE contacts ADD COLUMN annual_revenue BIGINT;
ALTER TABLE contacts ADD COLUMN time_zone TEXT;
ALTER TABLE contacts ADD COLUMN job_function TEXT;
CREATE TABLE enrichment_runs (
  id {{ID}},
  run_at BIGINT NOT NULL,
  actor TEXT,
  source TEXT,
  records_changed BIGINT NOT NULL,
  fields_changed BIGINT NOT NULL,
  conflicts BIGINT NOT NULL,
  report TEXT NOT NULL,
  undone_at BIGINT,
  undone_by TEXT
);
CREATE TABLE enrichment_changes (
  id {{ID}},
  run_id BIGINT NOT NULL,
  entity TEXT NOT NULL,
  record_id BIGINT NOT NULL,
  before TEXT NOT NULL,
  after TEXT NOT NULL
);
CREATE INDEX enrichment_changes_run ON enrichment_changes (run_id);
CREATE INDEX enrichment_changes_record ON enrichment_changes (entity, record_id);
CREATE TABLE enrichment_provenance (
  entity TEXT NOT NULL,
  record_id BIGINT NOT NULL,
  fields TEXT NOT NULL,
  PRIMARY KEY (entity, record_id)
);
CREATE TABLE enrichment_staging (
  id {{ID}},
  batch_id BIGINT NOT NULL,
  source TEXT NOT NULL,
  layout TEXT NOT NULL,
  entity TEXT NOT NULL,
  file TEXT,
  line BIGINT,
  vendor_record_id TEXT,
  email TEXT,
  first_name TEXT,
  last_name TEXT,
  company_name TEXT,
  domain TEXT,
  title TEXT,
  seniority TEXT,
  department TEXT,
  phone TEXT,
  country TEXT,
  state TEXT,
  city TEXT,
  industry TEXT,
  employees BIGINT,
  annual_revenue BIGINT,
  loaded_at BIGINT NOT NULL,
  record_id BIGINT,
  match_method TEXT,
  match_probability DOUBLE PRECISION,
  match_status TEXT NOT NULL
);
CREATE INDEX enrichment_staging_source ON enrichment_staging (source, entity);
CREATE INDEX enrichment_staging_record ON enrichment_staging (entity, record_id);
CREATE TABLE enrichment_conflicts (
  id {{ID}},
  run_id BIGINT NOT NULL,
  entity TEXT NOT NULL,
  record_id BIGINT NOT NULL,
  field TEXT NOT NULL,
  kept_value TEXT,
  kept_source TEXT,
  other_value TEXT,
  other_source TEXT,
  other_record_id TEXT,
  reason TEXT
);
CREATE INDEX enrichment_conflicts_run ON enrichment_conflicts (run_id);
)SQL";

// Issue 19, enrichment at 1M rows: staged vendor rows are read in row order
// per entity and matched to records in memory, never looked up by record, so
// the index on (entity, record_id) only slowed every load.
constexpr std::string_view kEnrichmentStagingIndex = R"SQL(
DROP INDEX IF EXISTS enrichment_staging_record;
)SQL";

// Campaign operations (issue 14). campaigns gains the workflow state (NULL
// for imported campaigns that never went through it: their CRM status says
// where they are), goal, audience, the template it came from and its own UTM
// pattern. Member statuses are per campaign type (campaign_id NULL) or per
// campaign. Approval steps keep every round (the history); decisions are also
// in audit_log. utm_fix_changes keeps each touchpoint's values before a fix,
// so that a fix can be undone. touchpoints_utm lets the check of every stored
// UTM count touchpoints per (source, medium, utm_campaign) from the index
// alone, and a fix find its rows.
constexpr std::string_view kCampaignOps = R"SQL(
ALTER TABLE campaigns ADD COLUMN state TEXT;
ALTER TABLE campaigns ADD COLUMN goal TEXT;
ALTER TABLE campaigns ADD COLUMN audience TEXT;
ALTER TABLE campaigns ADD COLUMN template_id BIGINT;
ALTER TABLE campaigns ADD COLUMN utm_pattern TEXT;
CREATE INDEX campaigns_parent ON campaigns (parent_id);
CREATE INDEX spend_campaign ON spend (campaign_id);
CREATE TABLE campaign_member_statuses (
  id {{ID}},
  campaign_type TEXT,
  campaign_id BIGINT,
  name TEXT NOT NULL,
  sort_order INTEGER NOT NULL,
  responded INTEGER NOT NULL DEFAULT 0,
  is_default INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX campaign_member_statuses_scope ON campaign_member_statuses (campaign_id, campaign_type);
CREATE TABLE campaign_templates (
  id {{ID}},
  name TEXT NOT NULL UNIQUE,
  type TEXT,
  channel TEXT,
  description TEXT,
  utm_pattern TEXT,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT
);
CREATE TABLE assets (
  id {{ID}},
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  url TEXT,
  owner TEXT,
  status TEXT NOT NULL,
  body TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE campaign_assets (
  campaign_id BIGINT NOT NULL,
  asset_id BIGINT NOT NULL,
  PRIMARY KEY (campaign_id, asset_id)
);
CREATE INDEX campaign_assets_asset ON campaign_assets (asset_id);
CREATE TABLE campaign_checklist (
  id {{ID}},
  campaign_id BIGINT NOT NULL,
  label TEXT NOT NULL,
  blocking INTEGER NOT NULL DEFAULT 1,
  done INTEGER NOT NULL DEFAULT 0,
  done_by TEXT,
  done_at BIGINT
);
CREATE INDEX campaign_checklist_campaign ON campaign_checklist (campaign_id);
CREATE TABLE approval_chains (
  campaign_id BIGINT PRIMARY KEY,
  body TEXT NOT NULL
);
CREATE TABLE approval_steps (
  id {{ID}},
  campaign_id BIGINT NOT NULL,
  round INTEGER NOT NULL,
  stage INTEGER NOT NULL,
  name TEXT NOT NULL,
  role TEXT,
  user_name TEXT,
  decision TEXT NOT NULL,
  due_at BIGINT NOT NULL,
  decided_by TEXT,
  decided_at BIGINT,
  comment TEXT
);
CREATE INDEX approval_steps_campaign ON approval_steps (campaign_id, round);
CREATE TABLE campaign_costs (
  id {{ID}},
  campaign_id BIGINT NOT NULL,
  month BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT,
  note TEXT,
  created_at BIGINT NOT NULL,
  created_by TEXT
);
CREATE INDEX campaign_costs_campaign ON campaign_costs (campaign_id);
CREATE TABLE utm_fixes (
  id {{ID}},
  at BIGINT NOT NULL,
  actor TEXT,
  touchpoints BIGINT NOT NULL,
  fixes TEXT NOT NULL,
  undone_at BIGINT
);
CREATE TABLE utm_fix_changes (
  id {{ID}},
  fix_id BIGINT NOT NULL,
  touchpoint_id BIGINT NOT NULL,
  source TEXT,
  medium TEXT,
  utm_campaign TEXT,
  channel TEXT
);
CREATE INDEX utm_fix_changes_fix ON utm_fix_changes (fix_id);
CREATE INDEX touchpoints_utm ON touchpoints (source, medium, utm_campaign);
)SQL";

// Issue 13, lead management. Scores in centipoints (1 point = 100) so that an
// explanation's lines add up exactly: lead_scores holds each contact's
// current score, lead_score_history a row whenever it changed (since
// migration 36, the value it replaced). Every
// lifecycle move records its cause and the stage it left. Routing audits each
// assignment with the rule that fired (user_id NULL: to the fallback queue)
// and keeps each pool's round robin credits. lead_status_changes are sales'
// statuses (working, accepted, qualified, rejected, unqualified), the owner's
// first one counting as a first touch for the SLA.
constexpr std::string_view kLeads = R"SQL(
CREATE TABLE lead_scores (
  contact_id BIGINT PRIMARY KEY,
  fit BIGINT NOT NULL,
  engagement BIGINT NOT NULL,
  total BIGINT NOT NULL,
  grade TEXT NOT NULL,
  as_of BIGINT NOT NULL,
  scored_at BIGINT NOT NULL
);
CREATE INDEX lead_scores_total ON lead_scores (total);
CREATE TABLE lead_score_history (
  id {{ID}},
  contact_id BIGINT NOT NULL,
  at BIGINT NOT NULL,
  fit BIGINT NOT NULL,
  engagement BIGINT NOT NULL,
  total BIGINT NOT NULL,
  grade TEXT NOT NULL
);
CREATE INDEX lead_score_history_contact ON lead_score_history (contact_id, at);
ALTER TABLE lifecycle_history ADD COLUMN cause TEXT;
ALTER TABLE lifecycle_history ADD COLUMN from_stage TEXT;
CREATE INDEX lifecycle_history_stage ON lifecycle_history (stage, entered_at);
CREATE TABLE lead_assignments (
  id {{ID}},
  contact_id BIGINT NOT NULL,
  user_id BIGINT,
  queue TEXT,
  rule TEXT,
  reason TEXT,
  assigned_at BIGINT NOT NULL,
  actor TEXT
);
CREATE INDEX lead_assignments_contact ON lead_assignments (contact_id);
CREATE TABLE lead_routing_state (
  pool TEXT NOT NULL,
  user_id BIGINT NOT NULL,
  credit BIGINT NOT NULL,
  PRIMARY KEY (pool, user_id)
);
CREATE TABLE lead_status_changes (
  id {{ID}},
  contact_id BIGINT NOT NULL,
  status TEXT NOT NULL,
  changed_at BIGINT NOT NULL,
  user_id BIGINT,
  reason TEXT,
  actor TEXT
);
CREATE INDEX lead_status_changes_contact ON lead_status_changes (contact_id, changed_at);
)SQL";

// lead_scores keyed by the contact id itself: on SQLite the id becomes the
// row id (one b-tree instead of a table and a separate unique index), which
// the workspace rescore's million-row upserts and its scan of the stored
// scores go through.
constexpr std::string_view kLeadScoresByContact = R"SQL(
CREATE TABLE lead_scores_keyed (
  contact_id {{ID}},
  fit BIGINT NOT NULL,
  engagement BIGINT NOT NULL,
  total BIGINT NOT NULL,
  grade TEXT NOT NULL,
  as_of BIGINT NOT NULL,
  scored_at BIGINT NOT NULL
);
INSERT INTO lead_scores_keyed (contact_id, fit, engagement, total, grade, as_of, scored_at)
  SELECT contact_id, fit, engagement, total, grade, as_of, scored_at FROM lead_scores;
DROP TABLE lead_scores;
ALTER TABLE lead_scores_keyed RENAME TO lead_scores;
CREATE INDEX lead_scores_total ON lead_scores (total);
)SQL";

// Issue 12, tracking throughput: touchpoint_weeks without a per-row cost on
// the tracking API's inserts, and touchpoints indexes without entries for
// rows that have no value to find them by.
//
// touchpoints.weeks_counted: 1 when the row's inserter added it to
// touchpoint_weeks itself, NULL otherwise. The tracking writer does (one
// aggregated upsert per (week, channel) per group commit, in the group's
// transaction, instead of one upsert per row); the insert trigger counts
// every other row as before. Deletes and changes of occurred_at or channel
// stay counted by triggers, whoever inserted the row. On PostgreSQL the
// per-row PL/pgSQL trigger becomes statement-level triggers over transition
// tables: one aggregated upsert per statement (`channels reclassify` and
// imports update or insert many rows per statement).
//
// touchpoints_anonymous also serves the visitor's latest touch before a time
// (anonymous_id, occurred_at). It, touchpoints_contact_ref, touchpoints_contact
// and touchpoints_account leave out the rows without the value (imports have
// no anonymous id; an anonymous visitor's touches have no user id, contact or
// account): every query that reads them names a value (=, IN, a join), which
// implies IS NOT NULL on both backends.
constexpr std::string_view kTrackingThroughputCommon = R"SQL(
ALTER TABLE touchpoints ADD COLUMN weeks_counted INTEGER;
DROP INDEX touchpoints_anonymous;
CREATE INDEX touchpoints_anonymous ON touchpoints (anonymous_id, occurred_at)
  WHERE anonymous_id IS NOT NULL;
DROP INDEX touchpoints_contact_ref;
CREATE INDEX touchpoints_contact_ref ON touchpoints (source_system, contact_ref)
  WHERE contact_ref IS NOT NULL;
DROP INDEX touchpoints_contact;
CREATE INDEX touchpoints_contact ON touchpoints (contact_id, occurred_at)
  WHERE contact_id IS NOT NULL;
DROP INDEX touchpoints_account;
CREATE INDEX touchpoints_account ON touchpoints (account_id, occurred_at)
  WHERE account_id IS NOT NULL;
)SQL";

constexpr std::string_view kTrackingThroughputSqlite = R"SQL(
DROP TRIGGER touchpoint_weeks_insert;
CREATE TRIGGER touchpoint_weeks_insert AFTER INSERT ON touchpoints
  WHEN NEW.weeks_counted IS NULL BEGIN
  INSERT INTO touchpoint_weeks (week, channel, touchpoints)
    VALUES ((CASE WHEN NEW.occurred_at >= -259200 THEN (NEW.occurred_at + 259200) / 604800 ELSE -((-259200 - NEW.occurred_at + 604799) / 604800) END), COALESCE(NEW.channel, ''), 1)
    ON CONFLICT (week, channel) DO UPDATE SET touchpoints = touchpoints + 1;
END;
)SQL";

constexpr std::string_view kTrackingThroughputPostgres = R"SQL(
DROP TRIGGER touchpoint_weeks_change ON touchpoints;
DROP FUNCTION mops_touchpoint_weeks();
CREATE FUNCTION mops_touchpoint_weeks_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO touchpoint_weeks (week, channel, touchpoints)
    SELECT (CASE WHEN n.occurred_at >= -259200 THEN (n.occurred_at + 259200) / 604800 ELSE -((-259200 - n.occurred_at + 604799) / 604800) END) AS week,
           COALESCE(n.channel, '') AS channel, COUNT(*)
      FROM mops_new_rows n WHERE n.weeks_counted IS NULL GROUP BY 1, 2
    ON CONFLICT (week, channel) DO UPDATE SET touchpoints = touchpoint_weeks.touchpoints + excluded.touchpoints;
  RETURN NULL;
END $$;
CREATE FUNCTION mops_touchpoint_weeks_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE touchpoint_weeks w SET touchpoints = w.touchpoints - d.n
    FROM (SELECT (CASE WHEN o.occurred_at >= -259200 THEN (o.occurred_at + 259200) / 604800 ELSE -((-259200 - o.occurred_at + 604799) / 604800) END) AS week,
                 COALESCE(o.channel, '') AS channel, COUNT(*) AS n
            FROM mops_old_rows o GROUP BY 1, 2) d
    WHERE w.week = d.week AND w.channel = d.channel;
  RETURN NULL;
END $$;
CREATE FUNCTION mops_touchpoint_weeks_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO touchpoint_weeks (week, channel, touchpoints)
    SELECT week, channel, SUM(n) FROM (
        SELECT (CASE WHEN o.occurred_at >= -259200 THEN (o.occurred_at + 259200) / 604800 ELSE -((-259200 - o.occurred_at + 604799) / 604800) END) AS week,
               COALESCE(o.channel, '') AS channel, -1 AS n FROM mops_old_rows o
        UNION ALL
        SELECT (CASE WHEN n.occurred_at >= -259200 THEN (n.occurred_at + 259200) / 604800 ELSE -((-259200 - n.occurred_at + 604799) / 604800) END),
               COALESCE(n.channel, ''), 1 FROM mops_new_rows n) c
      GROUP BY week, channel HAVING SUM(n) <> 0
    ON CONFLICT (week, channel) DO UPDATE SET touchpoints = touchpoint_weeks.touchpoints + excluded.touchpoints;
  RETURN NULL;
END $$;
CREATE TRIGGER touchpoint_weeks_insert AFTER INSERT ON touchpoints
  REFERENCING NEW TABLE AS mops_new_rows FOR EACH STATEMENT EXECUTE FUNCTION mops_touchpoint_weeks_insert();
CREATE TRIGGER touchpoint_weeks_delete AFTER DELETE ON touchpoints
  REFERENCING OLD TABLE AS mops_old_rows FOR EACH STATEMENT EXECUTE FUNCTION mops_touchpoint_weeks_delete();
CREATE TRIGGER touchpoint_weeks_update AFTER UPDATE ON touchpoints
  REFERENCING OLD TABLE AS mops_old_rows NEW TABLE AS mops_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION mops_touchpoint_weeks_update();
)SQL";

// Issue 16, the marketing operations audit: each stored run keeps the whole
// audit document (JSON) it produced, so a run renders and diffs as it was.
constexpr std::string_view kAuditRuns = R"SQL(
CREATE TABLE audit_runs (
  id {{ID}},
  created_at BIGINT NOT NULL,
  as_of BIGINT NOT NULL,
  actor TEXT,
  json TEXT NOT NULL
);
)SQL";

// Issue 15: the credit of every touch of a stored run of opportunities (per
// model, conversion and touch; shares of zero are not kept), with the touch's
// channel, source and campaign as the run saw them, so channel performance
// reports attributed revenue per source and per campaign and lists the
// touches behind each figure. Runs stored before this version have none.
constexpr std::string_view kAttributionTouchCredits = R"SQL(
CREATE TABLE attribution_touch_credits (
  id {{ID}},
  run_id BIGINT NOT NULL,
  model TEXT NOT NULL,
  conversion_id BIGINT NOT NULL,
  touchpoint_id BIGINT NOT NULL,
  occurred_at BIGINT NOT NULL,
  channel TEXT NOT NULL,
  source TEXT NOT NULL,
  campaign_id BIGINT,
  share DOUBLE PRECISION NOT NULL,
  value DOUBLE PRECISION NOT NULL
);
CREATE INDEX attribution_touch_credits_run ON attribution_touch_credits (run_id, model);
)SQL";

// Issue 13: the leads touch cache. lead_touch_cache holds, per contact, its
// touchpoints as the scoring config's engagement rules see them (time, id and
// the set of rules each matches; an encoding of the leads slice), valid for
// the config and campaigns named by lead_touch_cache_state.stamp and for the
// touches up to its `hwm` id. The triggers log in lead_touch_changes every
// contact whose cached touches a write may have changed: an insert, delete or
// change of a touch with an id up to `pending` (the mark a rescore is reading
// up to; higher ids are read as new touches), a new contact, a contact whose
// id changes or who is no longer merged. Without a state row nothing is
// logged. SQLite only (PostgreSQL identities may commit out of id order, so a
// rescore there reads every touch).
constexpr std::string_view kLeadTouchCache = R"SQL(
CREATE TABLE lead_touch_cache_state (
  id BIGINT PRIMARY KEY,
  stamp TEXT NOT NULL,
  hwm BIGINT NOT NULL,
  pending BIGINT NOT NULL
);
)SQL";

constexpr std::string_view kLeadTouchCacheSqlite = R"SQL(
CREATE TABLE lead_touch_cache (
  contact_id INTEGER PRIMARY KEY,
  touches BLOB NOT NULL
);
CREATE TABLE lead_touch_changes (
  contact_id BIGINT NOT NULL
);
CREATE TRIGGER lead_touch_cache_insert AFTER INSERT ON touchpoints
  WHEN NEW.contact_id IS NOT NULL AND NEW.id <= (SELECT pending FROM lead_touch_cache_state WHERE id = 1)
BEGIN
  INSERT INTO lead_touch_changes (contact_id) VALUES (NEW.contact_id);
END;
CREATE TRIGGER lead_touch_cache_delete AFTER DELETE ON touchpoints
  WHEN OLD.contact_id IS NOT NULL AND OLD.id <= (SELECT pending FROM lead_touch_cache_state WHERE id = 1)
BEGIN
  INSERT INTO lead_touch_changes (contact_id) VALUES (OLD.contact_id);
END;
CREATE TRIGGER lead_touch_cache_update AFTER UPDATE OF id, contact_id, occurred_at, type, event_name, url, channel, campaign_id, utm_campaign ON touchpoints
  WHEN OLD.id <= (SELECT pending FROM lead_touch_cache_state WHERE id = 1) OR NEW.id <= (SELECT pending FROM lead_touch_cache_state WHERE id = 1)
BEGIN
  INSERT INTO lead_touch_changes (contact_id) SELECT OLD.contact_id WHERE OLD.contact_id IS NOT NULL;
  INSERT INTO lead_touch_changes (contact_id) SELECT NEW.contact_id WHERE NEW.contact_id IS NOT NULL;
END;
CREATE TRIGGER lead_touch_cache_contact_insert AFTER INSERT ON contacts
  WHEN EXISTS (SELECT 1 FROM lead_touch_cache_state WHERE id = 1)
BEGIN
  INSERT INTO lead_touch_changes (contact_id) VALUES (NEW.id);
END;
CREATE TRIGGER lead_touch_cache_contact_update AFTER UPDATE OF id, merged_into ON contacts
  WHEN NEW.merged_into IS NULL AND EXISTS (SELECT 1 FROM lead_touch_cache_state WHERE id = 1)
BEGIN
  INSERT INTO lead_touch_changes (contact_id) VALUES (NEW.id);
END;
)SQL";

// Issue 19, enrichment at 1M rows: a run's undo of a record enriched for the
// first time is kept in its provenance row (the run and the values before),
// not in a row of enrichment_changes of its own: one inserted row per
// changed record instead of two. Records enriched before keep their change
// rows; rows written before this keep NULL here and are read as they are.
constexpr std::string_view kEnrichmentUndoInProvenance = R"SQL(
ALTER TABLE enrichment_provenance ADD COLUMN undo_run BIGINT;
ALTER TABLE enrichment_provenance ADD COLUMN undo_before TEXT;
CREATE INDEX enrichment_provenance_undo_run ON enrichment_provenance (undo_run)
  WHERE undo_run IS NOT NULL;
)SQL";

// Issue 13, the first rescore within 5 s: the touch cache in blocks. One row
// per 1,024 contacts (by id) holds their cached rows one after the other, so
// building the cache writes about a thousand rows of ~54 KB instead of a
// million of ~54 bytes (the per-row b-tree work was most of its 1-2 s), and a
// rescore reads as few. The state row goes, so the next rescore builds the
// blocks (and, until then, no change is logged).
constexpr std::string_view kLeadTouchBlocksSqlite = R"SQL(
DROP TABLE lead_touch_cache;
DELETE FROM lead_touch_changes;
DELETE FROM lead_touch_cache_state;
CREATE TABLE lead_touch_blocks (
  block INTEGER PRIMARY KEY,
  contacts BLOB NOT NULL
);
)SQL";

// Issue 13: lead_scores without its index on total. No query's plan used it
// (the leads list joins contacts first and sorts the matches; the grade and
// score distributions scan the table), and keeping it cost every full
// rescore that rewrote the scores 1.3 s of its 5: rebuilding it after a bulk
// write (a million equal-heavy keys through SQLite's sorter), or about 5 s
// of updates moving each entry when it stayed.
constexpr std::string_view kLeadScoresWithoutTotalIndex = R"SQL(
DROP INDEX IF EXISTS lead_scores_total;
)SQL";

// Issue 13: lead_score_history keeps the values a rescore replaced, and the
// current value lives only in lead_scores (its as_of is when it was set), so
// a contact's history is its history rows and then its lead_scores row. The
// first score of a million contacts wrote each value twice (0.6-0.7 s of
// its write); a change still writes one history row, the value it replaces.
// The rows that repeated a current value go: each contact's last one when
// it equals its lead_scores row.
constexpr std::string_view kLeadScoreHistorySuperseded = R"SQL(
DELETE FROM lead_score_history WHERE id IN (
  SELECT h.id FROM lead_score_history h JOIN lead_scores s ON s.contact_id = h.contact_id
  WHERE h.at = s.as_of AND h.fit = s.fit AND h.engagement = s.engagement
    AND h.total = s.total AND h.grade = s.grade
    AND h.id = (SELECT MAX(l.id) FROM lead_score_history l WHERE l.contact_id = h.contact_id));
)SQL";

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "core tables", kCoreTables},
      {2, "contact references in lifecycle_history and identities", kContactRefs},
      {3, "attribution runs", kAttributionRuns},
      {4, "stack: tool contract and compliance fields, integration frequency and error rate",
       kStackFields},
      {5, "data quality: contact flags, company keys, merge batches, check runs", kQuality},
      {6, "match_pairs for duplicate detection", kMatchPairs},
      {7, "CRM touches: converted lead origins, HubSpot source properties", kCrmTouches},
      {8, "import fidelity: contact consent, postal codes, damaged values, row hashes",
       kImportFidelity},
      {11, "token expiry; weekly touchpoint counts kept by triggers", kReadPathCommon,
       kReadPathSqlite, kReadPathPostgres},
      {12, "tracking API: write keys, events, rejections, identity merges, first touch", kTracking},
      {13, "leads: scores and their history, lifecycle causes, assignments, routing state", kLeads},
      {14, "campaign operations: workflow, statuses, templates, assets, approvals, costs",
       kCampaignOps},
      {15, "analytics: spend conversions and platform campaign names", kAnalytics},
      {16, "data enrichment: contact firmographics, runs, provenance, staging, conflicts",
       kEnrichment},
      {17, "stack discovery: spend, sign-ins, aliases, applies", kDiscovery},
      {18, "marketing operations audit runs", kAuditRuns},
      {19, "attribution: credit per touch of opportunity runs", kAttributionTouchCredits},
      {20, "tracking throughput: tracked touchpoints counted per group, partial indexes",
       kTrackingThroughputCommon, kTrackingThroughputSqlite, kTrackingThroughputPostgres},
      {21, "leads: lead_scores keyed by the contact id (the row id on SQLite)",
       kLeadScoresByContact},
      {25, "enrichment: staged vendor rows without the per-record index", kEnrichmentStagingIndex},
      {28, "leads: the touch cache of the workspace rescore, kept by triggers", kLeadTouchCache,
       kLeadTouchCacheSqlite},
      {32, "enrichment: a first enrichment's undo kept in its provenance row",
       kEnrichmentUndoInProvenance},
      {34, "leads: the touch cache in blocks of 1,024 contacts", "", kLeadTouchBlocksSqlite},
      {35, "leads: lead_scores without the unused index on total", kLeadScoresWithoutTotalIndex},
      {36, "leads: score history keeps the values a rescore replaced", kLeadScoreHistorySuperseded},
  };
  return kMigrations;
}

// The substitutions of a migration's text: {{ID}}, the auto-increment primary
// key; {{INSTR}}, the position of a substring (1-based, 0 when absent), called
// as {{INSTR}}(text, part).
std::string ForDialect(std::string_view sql, Dialect dialect) {
  const bool sqlite = dialect == Dialect::kSqlite;
  const std::pair<std::string_view, std::string_view> substitutions[] = {
      {"{{ID}}",
       sqlite ? "INTEGER PRIMARY KEY" : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
      {"{{INSTR}}", sqlite ? "instr" : "strpos"},
  };
  std::string out;
  out.reserve(sql.size() + 1024);
  size_t pos = 0;
  while (true) {
    size_t hit = sql.find("{{", pos);
    if (hit == std::string_view::npos) break;
    out.append(sql.substr(pos, hit - pos));
    pos = hit;
    for (const auto& [token, text] : substitutions) {
      if (sql.substr(hit).starts_with(token)) {
        out.append(text);
        pos = hit + token.size();
        break;
      }
    }
    if (pos == hit) {  // not a token: keep the braces
      out.append("{{");
      pos += 2;
    }
  }
  out.append(sql.substr(pos));
  return out;
}

// Any fixed 64-bit number; "mops" in ASCII, for recognizability in pg_locks.
constexpr int64_t kMigrationLockKey = 0x6d6f7073;

}  // namespace

static Status MigrateLocked(Database& db, int up_to);

int LatestSchemaVersion() { return Migrations().back().version; }

Result<int> SchemaVersion(Database& db) {
  MOPS_TRY(
      db.ExecScript("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
  MOPS_ASSIGN_OR_RETURN(Value v, db.QueryValue("SELECT MAX(version) FROM schema_migrations"));
  return static_cast<int>(AsInt(v, 0));
}

Status Migrate(Database& db, int up_to) {
  if (db.dialect() == Dialect::kPostgres) {
    // CREATE TABLE IF NOT EXISTS and DDL in concurrent transactions collide
    // on PostgreSQL's catalogs instead of waiting: serialize migrators on a
    // session advisory lock (SQLite's BEGIN IMMEDIATE already serializes).
    MOPS_TRY(db.Query("SELECT pg_advisory_lock(?)", std::vector<Value>{kMigrationLockKey}));
    Status status = MigrateLocked(db, up_to);
    auto unlocked = db.Query("SELECT pg_advisory_unlock(?)", std::vector<Value>{kMigrationLockKey});
    MOPS_TRY(status);
    MOPS_TRY(unlocked);
    return {};
  }
  return MigrateLocked(db, up_to);
}

static Status MigrateLocked(Database& db, int up_to) {
  MOPS_ASSIGN_OR_RETURN(int current, SchemaVersion(db));
  for (const Migration& m : Migrations()) {
    if (m.version <= current) continue;
    if (up_to > 0 && m.version > up_to) break;
    MOPS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Start(db));
    // Another process may have migrated while we waited for the lock.
    MOPS_ASSIGN_OR_RETURN(Value again,
                          db.QueryValue("SELECT COUNT(*) FROM schema_migrations WHERE version = ?",
                                        std::vector<Value>{int64_t{m.version}}));
    if (AsInt(again) > 0) continue;
    std::string sql = ForDialect(m.sql, db.dialect());
    sql +=
        ForDialect(db.dialect() == Dialect::kSqlite ? m.sqlite_sql : m.postgres_sql, db.dialect());
    if (auto s = db.ExecScript(sql); !s) {
      core::Error e = std::move(s).error();
      e.message = "migration " + std::to_string(m.version) + " (" + std::string(m.name) +
                  ") failed: " + e.message;
      return core::Fail(std::move(e));
    }
    MOPS_TRY(
        db.Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                   std::vector<Value>{int64_t{m.version}, std::string(m.name),
                                      int64_t{static_cast<int64_t>(time(nullptr))}}));
    MOPS_TRY(tx.Commit());
  }
  return {};
}

}  // namespace mops::store
