// Versioned schema migrations for both backends.
//
// Each migration is portable SQL with one substitution: {{ID}} becomes the
// auto-increment primary key of the dialect. Migrations are append-only:
// never edit one that has shipped; add the next version instead.
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"

namespace mops::store {
namespace {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
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

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "core tables", kCoreTables},
  };
  return kMigrations;
}

std::string ForDialect(std::string_view sql, Dialect dialect) {
  constexpr std::string_view kId = "{{ID}}";
  const std::string_view id_type = dialect == Dialect::kSqlite
                                       ? "INTEGER PRIMARY KEY"
                                       : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
  std::string out;
  out.reserve(sql.size() + 1024);
  size_t pos = 0;
  while (true) {
    size_t hit = sql.find(kId, pos);
    if (hit == std::string_view::npos) break;
    out.append(sql.substr(pos, hit - pos));
    out.append(id_type);
    pos = hit + kId.size();
  }
  out.append(sql.substr(pos));
  return out;
}

// Any fixed 64-bit number; "mops" in ASCII, for recognizability in pg_locks.
constexpr int64_t kMigrationLockKey = 0x6d6f7073;

}  // namespace

static Status MigrateLocked(Database& db);

int LatestSchemaVersion() { return Migrations().back().version; }

Result<int> SchemaVersion(Database& db) {
  MOPS_TRY(
      db.ExecScript("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
  MOPS_ASSIGN_OR_RETURN(Value v, db.QueryValue("SELECT MAX(version) FROM schema_migrations"));
  return static_cast<int>(AsInt(v, 0));
}

Status Migrate(Database& db) {
  if (db.dialect() == Dialect::kPostgres) {
    // CREATE TABLE IF NOT EXISTS and DDL in concurrent transactions collide
    // on PostgreSQL's catalogs instead of waiting: serialize migrators on a
    // session advisory lock (SQLite's BEGIN IMMEDIATE already serializes).
    MOPS_TRY(db.Query("SELECT pg_advisory_lock(?)", std::vector<Value>{kMigrationLockKey}));
    Status status = MigrateLocked(db);
    auto unlocked = db.Query("SELECT pg_advisory_unlock(?)", std::vector<Value>{kMigrationLockKey});
    MOPS_TRY(status);
    MOPS_TRY(unlocked);
    return {};
  }
  return MigrateLocked(db);
}

static Status MigrateLocked(Database& db) {
  MOPS_ASSIGN_OR_RETURN(int current, SchemaVersion(db));
  for (const Migration& m : Migrations()) {
    if (m.version <= current) continue;
    MOPS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Start(db));
    // Another process may have migrated while we waited for the lock.
    MOPS_ASSIGN_OR_RETURN(Value again,
                          db.QueryValue("SELECT COUNT(*) FROM schema_migrations WHERE version = ?",
                                        std::vector<Value>{int64_t{m.version}}));
    if (AsInt(again) > 0) continue;
    if (auto s = db.ExecScript(ForDialect(m.sql, db.dialect())); !s) {
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
