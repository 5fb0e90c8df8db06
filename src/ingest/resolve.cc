// Reference resolution: set-based UPDATEs over the *_ref columns, plus the
// few links that need a lookup in memory (owners, emails, converted leads).
#include "ingest/resolve.h"

#include <fmt/format.h>

#include "core/salesforce_id.h"
#include "core/strings.h"

namespace mops::ingest::internal {
namespace {

using store::Value;

bool HasMerged(Target target) { return target == Target::kAccount || target == Target::kContact; }

std::string LowerAscii(std::string_view s, std::string& out) {
  out.clear();
  for (char c : core::Trim(s)) out.push_back(core::AsciiToLower(c));
  return out;
}

// Converted Salesforce leads whose contact has arrived since.
core::Status ResolveLeadIdentities(store::Database& db) {
  const std::string id_sql =
      RecordIdSql(Target::kContact, "identities.source_system", "identities.contact_ref");
  MOPS_TRY(db.Execute(fmt::format(
      "UPDATE identities SET contact_id = {0} WHERE contact_id IS NULL AND contact_ref IS NOT "
      "NULL AND {0} IS NOT NULL",
      id_sql)));
  return {};
}

// Before parked lifecycle rows take their contact: a parked row whose contact
// already has that (stage, entered_at) would break the table's uniqueness, and
// so would two parked rows naming the same contact by different references
// (a merged record, a converted lead). They say nothing new: drop them (the
// first parked one of each group stays).
core::Status DropDuplicateParkedHistory(store::Database& db) {
  const std::string id_sql = RefIdSql(Target::kContact, "lifecycle_history.source_system",
                                      "lifecycle_history.contact_ref");
  MOPS_TRY(db.Execute(fmt::format(
      "DELETE FROM lifecycle_history WHERE contact_id IS NULL AND contact_ref IS NOT NULL AND "
      "EXISTS (SELECT 1 FROM lifecycle_history h WHERE h.contact_id = {} AND h.stage = "
      "lifecycle_history.stage AND h.entered_at = lifecycle_history.entered_at)",
      id_sql)));
  const std::string parked_id_sql = RefIdSql(Target::kContact, "l.source_system", "l.contact_ref");
  MOPS_TRY(db.Execute(fmt::format(
      "DELETE FROM lifecycle_history WHERE id IN (SELECT n.id FROM (SELECT p.id, p.contact, "
      "ROW_NUMBER() OVER (PARTITION BY p.contact, p.stage, p.entered_at ORDER BY p.id) AS nth "
      "FROM (SELECT l.id, l.stage, l.entered_at, {} AS contact FROM lifecycle_history l WHERE "
      "l.contact_id IS NULL AND l.contact_ref IS NOT NULL) p) n WHERE n.contact IS NOT NULL AND "
      "n.nth > 1)",
      parked_id_sql)));
  return {};
}

// References by value instead of external id: a contact by email
// ("email:<address>", touches and deal contacts of HubSpot import files) or
// an account by domain ("domain:<domain>", HubSpot's "Associated Company
// Domain"), in any source, case-insensitively; the earliest record that is
// not merged wins.
core::Status ResolveLookups(store::Database& db, std::string_view table, std::string_view base,
                            Target target) {
  const bool by_email = target == Target::kContact;
  const std::string_view prefix = by_email ? "email:" : "domain:";
  MOPS_ASSIGN_OR_RETURN(
      store::Rows pending,
      db.Query(fmt::format("SELECT id, {1}_ref FROM {0} WHERE {1}_id IS NULL AND {1}_ref LIKE "
                           "'{2}%'",
                           table, base, prefix)));
  if (pending.empty()) return {};
  MOPS_ASSIGN_OR_RETURN(
      store::Rows records,
      db.Query(fmt::format("SELECT {0}, COALESCE(merged_into, id) FROM {1} WHERE {0} IS NOT NULL "
                           "ORDER BY CASE WHEN merged_into IS NULL THEN 0 ELSE 1 END, id",
                           by_email ? "email" : "domain", TargetTable(target))));
  StringMap<int64_t> by_value;
  std::string lower;
  for (const auto& row : records.rows) {
    by_value.try_emplace(LowerAscii(store::AsText(row[0]), lower), store::AsInt(row[1]));
  }
  MOPS_ASSIGN_OR_RETURN(
      auto update, db.Prepare(fmt::format("UPDATE {} SET {}_id = ? WHERE id = ?", table, base)));
  for (const auto& row : pending.rows) {
    const std::string ref = store::AsText(row[1]);
    auto it = by_value.find(LowerAscii(std::string_view(ref).substr(prefix.size()), lower));
    if (it == by_value.end()) continue;
    MOPS_TRY(update->Execute(std::vector<Value>{it->second, row[0]}));
  }
  return {};
}

core::Status ResolveOwners(store::Database& db, std::string_view table) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows refs,
      db.Query(fmt::format("SELECT DISTINCT source_system, owner_ref FROM {} WHERE owner_id IS "
                           "NULL AND owner_ref IS NOT NULL",
                           table)));
  if (refs.empty()) return {};
  MOPS_ASSIGN_OR_RETURN(OwnerIndex owners, OwnerIndex::Load(db));
  MOPS_ASSIGN_OR_RETURN(
      auto update, db.Prepare(fmt::format("UPDATE {} SET owner_id = ? WHERE owner_id IS NULL AND "
                                          "source_system = ? AND owner_ref = ?",
                                          table)));
  for (const auto& row : refs.rows) {
    const std::string source = store::AsText(row[0]);
    const std::string ref = store::AsText(row[1]);
    const std::optional<int64_t> id = owners.Find(ref, source);
    if (!id) continue;
    MOPS_TRY(update->Execute(std::vector<Value>{*id, source, ref}));
  }
  return {};
}

}  // namespace

std::string RecordIdSql(Target target, std::string_view source_expr, std::string_view ref_expr) {
  return fmt::format("(SELECT {} FROM {} r WHERE r.source_system = {} AND r.external_id = {})",
                     HasMerged(target) ? "COALESCE(r.merged_into, r.id)" : "r.id",
                     TargetTable(target), source_expr, ref_expr);
}

std::string RefIdSql(Target target, std::string_view source_expr, std::string_view ref_expr) {
  std::string sql = RecordIdSql(target, source_expr, ref_expr);
  if (target == Target::kContact) {
    sql = fmt::format(
        "COALESCE({}, (SELECT i.contact_id FROM identities i WHERE i.kind = '{}' AND "
        "i.value = {}))",
        sql, kLeadIdentity, ref_expr);
  }
  return sql;
}

std::vector<bool> RefIdParams(Target target) {
  if (target == Target::kContact) return {true, false, false};
  return {true, false};
}

core::Result<OwnerIndex> OwnerIndex::Load(store::Database& db) {
  OwnerIndex index;
  MOPS_ASSIGN_OR_RETURN(
      store::Rows users,
      db.Query("SELECT id, source_system, external_id, name, email FROM users ORDER BY id"));
  std::string lower;
  for (const auto& row : users.rows) {
    const int64_t id = store::AsInt(row[0]);
    index.by_external_id_[store::AsText(row[2])].emplace_back(store::AsText(row[1]), id);
    if (!store::IsNull(row[3])) {
      index.by_name_.try_emplace(LowerAscii(store::AsText(row[3]), lower), id);
    }
    if (!store::IsNull(row[4])) {
      index.by_email_.try_emplace(LowerAscii(store::AsText(row[4]), lower), id);
    }
  }
  return index;
}

std::optional<int64_t> OwnerIndex::Find(std::string_view ref, std::string_view source) {
  ref = core::Trim(ref);
  if (ref.empty()) return std::nullopt;
  auto by_id = by_external_id_.find(ref);
  // A Salesforce reference is stored in the 18-character form; users loaded
  // from a file that had the 15-character form carry that.
  if (by_id == by_external_id_.end() && core::IsSalesforceIdShape(ref) && ref.size() == 18) {
    by_id = by_external_id_.find(ref.substr(0, 15));
  }
  if (by_id != by_external_id_.end()) {
    for (const auto& [user_source, id] : by_id->second) {
      if (user_source == source) return id;
    }
    return by_id->second.front().second;
  }
  LowerAscii(ref, scratch_);
  if (auto it = by_name_.find(scratch_); it != by_name_.end()) return it->second;
  if (auto it = by_email_.find(scratch_); it != by_email_.end()) return it->second;
  return std::nullopt;
}

core::Result<RefIndex> RefIndex::Load(store::Database& db, Target target,
                                      const std::string& source) {
  RefIndex index;
  index.composite_ = source.empty();
  const bool contacts = target == Target::kContact;
  std::string sql = fmt::format("SELECT source_system, external_id, {}, {} FROM {}",
                                HasMerged(target) ? "COALESCE(merged_into, id)" : "id",
                                contacts ? "account_id" : "NULL", TargetTable(target));
  std::vector<Value> params;
  if (!index.composite_) {
    sql += " WHERE source_system = ?";
    params.emplace_back(source);
  }
  const std::vector<store::ColumnType> types = {store::ColumnType::kText, store::ColumnType::kText,
                                                store::ColumnType::kInt, store::ColumnType::kInt};
  MOPS_ASSIGN_OR_RETURN(auto cols, db.ScanColumns(sql, params, types));
  index.ids_.reserve(cols[0].size());
  for (size_t i = 0; i < cols[0].size(); ++i) {
    std::string key = index.composite_ ? cols[0].texts[i] + '\x1f' + cols[1].texts[i]
                                       : std::move(cols[1].texts[i]);
    index.ids_.try_emplace(std::move(key),
                           Record{cols[2].ints[i], cols[3].nulls[i] ? -1 : cols[3].ints[i]});
  }
  if (contacts) {
    const std::vector<store::ColumnType> lead_types = {
        store::ColumnType::kText, store::ColumnType::kInt, store::ColumnType::kInt};
    MOPS_ASSIGN_OR_RETURN(
        auto leads,
        db.ScanColumns("SELECT i.value, i.contact_id, c.account_id FROM identities i LEFT JOIN "
                       "contacts c ON c.id = i.contact_id WHERE i.kind = ? AND i.contact_id IS "
                       "NOT NULL",
                       std::vector<Value>{std::string(kLeadIdentity)}, lead_types));
    for (size_t i = 0; i < leads[0].size(); ++i) {
      index.leads_.try_emplace(std::move(leads[0].texts[i]),
                               Record{leads[1].ints[i], leads[2].nulls[i] ? -1 : leads[2].ints[i]});
    }
  }
  return index;
}

const RefIndex::Record* RefIndex::Lookup(std::string_view source, std::string_view ref) {
  std::string_view key = ref;
  if (composite_) {
    buffer_.assign(source);
    buffer_.push_back('\x1f');
    buffer_.append(ref);
    key = buffer_;
  }
  if (auto it = ids_.find(key); it != ids_.end()) return &it->second;
  if (auto it = leads_.find(ref); it != leads_.end()) return &it->second;
  return nullptr;
}

std::optional<int64_t> RefIndex::Find(std::string_view source, std::string_view ref) {
  const Record* r = Lookup(source, ref);
  return r != nullptr ? std::optional<int64_t>(r->id) : std::nullopt;
}

std::optional<int64_t> RefIndex::FindAccount(std::string_view source, std::string_view ref) {
  const Record* r = Lookup(source, ref);
  return r != nullptr && r->account >= 0 ? std::optional<int64_t>(r->account) : std::nullopt;
}

core::Status ResolvePending(store::Database& db, std::optional<Kind> kind, bool owners_pending) {
  const std::string_view imported = kind ? TableName(*kind) : std::string_view();
  auto in_scope = [&](std::initializer_list<std::string_view> tables) {
    if (!kind) return true;
    for (std::string_view t : tables) {
      if (t == imported) return true;
    }
    return false;
  };

  // First, so that references naming a converted lead resolve in this pass.
  if (in_scope({"contacts"})) MOPS_TRY(ResolveLeadIdentities(db));

  for (Kind k : AllKinds()) {
    const KindSpec& spec = SpecFor(k);
    for (const FieldSpec& f : spec.fields) {
      if (f.role == Role::kRef && in_scope({spec.table, TargetTable(f.target)})) {
        if (k == Kind::kLifecycleHistory) MOPS_TRY(DropDuplicateParkedHistory(db));
        const std::string base(f.RefBase());
        const std::string ref_col = fmt::format("{}.{}_ref", spec.table, base);
        const std::string id_sql =
            RefIdSql(f.target, fmt::format("{}.source_system", spec.table), ref_col);
        std::string sql = fmt::format(
            "UPDATE {0} SET {1}_id = {2} WHERE {1}_id IS NULL AND {1}_ref IS NOT NULL AND {2} IS "
            "NOT NULL",
            spec.table, base, id_sql);
        if (k == Kind::kTouchpoints && f.target == Target::kContact) {
          sql += fmt::format(" AND {}_ref NOT LIKE 'email:%'", base);
        }
        MOPS_TRY(db.Execute(sql));
      } else if (f.role == Role::kOwner &&
                 (in_scope({"users"}) || (owners_pending && in_scope({spec.table})))) {
        MOPS_TRY(ResolveOwners(db, spec.table));
      }
    }
  }

  if (in_scope({"touchpoints", "contacts"})) {
    MOPS_TRY(ResolveLookups(db, "touchpoints", "contact", Target::kContact));
  }
  if (in_scope({"opportunity_contacts", "opportunities", "contacts"})) {
    MOPS_TRY(ResolveLookups(db, "opportunity_contacts", "contact", Target::kContact));
  }
  if (in_scope({"contacts", "accounts"})) {
    MOPS_TRY(ResolveLookups(db, "contacts", "account", Target::kAccount));
  }
  if (in_scope({"opportunities", "accounts"})) {
    MOPS_TRY(ResolveLookups(db, "opportunities", "account", Target::kAccount));
  }
  if (in_scope({"touchpoints", "contacts", "accounts"})) {
    MOPS_TRY(db.Execute(
        "UPDATE touchpoints SET account_id = (SELECT c.account_id FROM contacts c WHERE c.id = "
        "touchpoints.contact_id) WHERE account_id IS NULL AND account_ref IS NULL AND contact_id "
        "IS NOT NULL AND (SELECT c.account_id FROM contacts c WHERE c.id = "
        "touchpoints.contact_id) IS NOT NULL"));
  }
  if (in_scope({"touchpoints", "campaigns"})) {
    // A campaign of the touch's own source first, else any.
    const std::string campaign =
        "COALESCE((SELECT MIN(c.id) FROM campaigns c WHERE c.utm_campaign = "
        "touchpoints.utm_campaign AND c.source_system = touchpoints.source_system), (SELECT "
        "MIN(c.id) FROM campaigns c WHERE c.utm_campaign = touchpoints.utm_campaign))";
    MOPS_TRY(db.Execute(fmt::format(
        "UPDATE touchpoints SET campaign_id = {0} WHERE campaign_id IS NULL AND campaign_ref IS "
        "NULL AND utm_campaign IS NOT NULL AND {0} IS NOT NULL",
        campaign)));
  }
  return {};
}

namespace {

// The tables whose references an import of `kind` can leave unresolved: its
// own, those pointing at it (with all of their references: a deal's contact
// roles name contacts too), and those it writes rows into (a deals file's
// contact associations).
bool InScope(const KindSpec& spec, std::optional<Kind> kind) {
  if (!kind) return true;
  const std::string_view imported = TableName(*kind);
  if (spec.table == imported) return true;
  if (*kind == Kind::kOpportunities && spec.kind == Kind::kOpportunityContacts) return true;
  if (*kind == Kind::kContacts && spec.kind == Kind::kLifecycleHistory) return true;
  for (const FieldSpec& f : spec.fields) {
    if ((f.role == Role::kRef || f.role == Role::kOwner) && TargetTable(f.target) == imported) {
      return true;
    }
  }
  return false;
}

}  // namespace

core::Result<std::vector<UnresolvedRef>> CountUnresolved(store::Database& db,
                                                         std::optional<Kind> kind) {
  std::vector<UnresolvedRef> out;
  for (Kind k : AllKinds()) {
    const KindSpec& spec = SpecFor(k);
    if (!InScope(spec, kind)) continue;
    std::vector<std::string> sums;
    std::vector<std::string_view> names;
    for (const FieldSpec& f : spec.fields) {
      if (f.role != Role::kRef && f.role != Role::kOwner) continue;
      const std::string_view base = f.RefBase();
      sums.push_back(fmt::format(
          "SUM(CASE WHEN {0}_id IS NULL AND {0}_ref IS NOT NULL THEN 1 ELSE 0 END)", base));
      names.push_back(base);
    }
    if (sums.empty()) continue;
    MOPS_ASSIGN_OR_RETURN(
        store::Rows rows,
        db.Query(fmt::format("SELECT {} FROM {}", core::Join(sums, ", "), spec.table)));
    if (rows.empty()) continue;
    for (size_t i = 0; i < names.size(); ++i) {
      const int64_t n = store::AsInt(rows.rows[0][i], 0);
      if (n > 0) out.push_back({std::string(spec.table), std::string(names[i]), n});
    }
  }
  if (!kind || TableName(*kind) == "contacts") {
    MOPS_ASSIGN_OR_RETURN(Value pending,
                          db.QueryValue("SELECT COUNT(*) FROM identities WHERE contact_id IS NULL "
                                        "AND contact_ref IS NOT NULL"));
    if (store::AsInt(pending) > 0) out.push_back({"identities", "contact", store::AsInt(pending)});
  }
  return out;
}

}  // namespace mops::ingest::internal

namespace mops::ingest {

core::Result<std::vector<UnresolvedRef>> ResolveReferences(store::Database& db) {
  MOPS_TRY(internal::ResolvePending(db, std::nullopt));
  return internal::CountUnresolved(db, std::nullopt);
}

core::Result<std::vector<UnresolvedLink>> ListUnresolved(store::Database& db,
                                                         std::optional<Kind> kind, int64_t limit) {
  std::vector<UnresolvedLink> out;
  for (Kind k : AllKinds()) {
    const internal::KindSpec& spec = internal::SpecFor(k);
    if (!internal::InScope(spec, kind)) continue;
    for (const internal::FieldSpec& f : spec.fields) {
      if (f.role != internal::Role::kRef && f.role != internal::Role::kOwner) continue;
      if (static_cast<int64_t>(out.size()) >= limit) return out;
      const std::string base(f.RefBase());
      const std::string key = spec.keyed ? "external_id" : "CAST(id AS TEXT)";
      MOPS_ASSIGN_OR_RETURN(
          store::Rows rows,
          db.Query(fmt::format("SELECT {0}, {1}_ref FROM {2} WHERE {1}_id IS NULL AND {1}_ref IS "
                               "NOT NULL ORDER BY id LIMIT ?",
                               key, base, spec.table),
                   std::vector<store::Value>{limit - static_cast<int64_t>(out.size())}));
      for (const auto& row : rows.rows) {
        out.push_back(
            {std::string(spec.table), base, store::AsText(row[0]), store::AsText(row[1])});
      }
    }
  }
  return out;
}

}  // namespace mops::ingest

namespace mops::ingest::internal {

core::Result<bool> WorthDeferring(store::Database& db, std::string_view table, int64_t incoming) {
  if (db.dialect() != store::Dialect::kSqlite || incoming < kMinDeferredRows) return false;
  MOPS_ASSIGN_OR_RETURN(Value held, db.QueryValue(fmt::format("SELECT COUNT(*) FROM {}", table)));
  return store::AsInt(held) < incoming;
}

namespace {

struct ReplayedTrigger {
  std::string_view table;
  std::string_view name;
  // What the trigger does for every row with id > ?, in one statement.
  std::string_view replay;
};

// Each replay is the trigger's body and WHEN over the new rows (see
// store/schema.cc, migrations 20 and 28).
constexpr ReplayedTrigger kReplayedTriggers[] = {
    {"contacts", "lead_touch_cache_contact_insert",
     "INSERT INTO lead_touch_changes (contact_id) SELECT id FROM contacts WHERE id > ? AND "
     "EXISTS (SELECT 1 FROM lead_touch_cache_state WHERE id = 1) ORDER BY id"},
    {"touchpoints", "lead_touch_cache_insert",
     "INSERT INTO lead_touch_changes (contact_id) SELECT contact_id FROM touchpoints WHERE id > "
     "? AND contact_id IS NOT NULL AND id <= (SELECT pending FROM lead_touch_cache_state WHERE "
     "id = 1) ORDER BY id"},
    {"touchpoints", "touchpoint_weeks_insert",
     "INSERT INTO touchpoint_weeks (week, channel, touchpoints) SELECT (CASE WHEN occurred_at >= "
     "-259200 THEN (occurred_at + 259200) / 604800 ELSE -((-259200 - occurred_at + 604799) / "
     "604800) END), COALESCE(channel, ''), COUNT(*) FROM touchpoints WHERE id > ? AND "
     "weeks_counted IS NULL GROUP BY 1, 2 ON CONFLICT (week, channel) DO UPDATE SET touchpoints "
     "= touchpoint_weeks.touchpoints + excluded.touchpoints"},
};

}  // namespace

core::Status DeferredInsertTriggers::Defer(store::Database& db, std::string_view table) {
  if (db.dialect() != store::Dialect::kSqlite) return {};
  MOPS_ASSIGN_OR_RETURN(Value last,
                        db.QueryValue(fmt::format("SELECT COALESCE(MAX(id), 0) FROM {}", table)));
  last_id_ = store::AsInt(last);
  for (const ReplayedTrigger& t : kReplayedTriggers) {
    if (t.table != table) continue;
    MOPS_ASSIGN_OR_RETURN(
        Value sql, db.QueryValue("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = "
                                 "? AND tbl_name = ?",
                                 std::vector<Value>{std::string(t.name), std::string(table)}));
    if (store::IsNull(sql)) continue;
    MOPS_TRY(db.Execute(fmt::format("DROP TRIGGER \"{}\"", t.name)));
    dropped_.push_back({store::AsText(sql), t.replay});
  }
  return {};
}

core::Status DeferredInsertTriggers::Restore(store::Database& db) {
  for (const Dropped& d : dropped_) {
    MOPS_TRY(db.Execute(d.replay, std::vector<Value>{last_id_}));
    MOPS_TRY(db.Execute(d.definition));
  }
  dropped_.clear();
  return {};
}

}  // namespace mops::ingest::internal
