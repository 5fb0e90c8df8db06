// Reference resolution (service side of ingest/): how *_ref columns become
// *_id columns. See README.md, "Reference resolution", for the rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ingest/internal.h"
#include "store/database.h"

namespace mops::ingest::internal {

// Identity kind of the Salesforce lead rule: value is the lead id,
// (source_system, contact_ref) the contact it was converted into, contact_id
// that contact once it is in the workspace (NULL until then).
inline constexpr std::string_view kLeadIdentity = "salesforce_lead_id";

// SQL of the id of the `target` record with the source system and external id
// given by `source_expr` and `ref_expr` (placeholders or column names), NULL
// when there is none. Merged records resolve to their survivor.
std::string RecordIdSql(Target target, std::string_view source_expr, std::string_view ref_expr);
// The same for a reference: contacts also resolve through Salesforce lead
// identities. With "?" placeholders, bind in the order of RefIdParams.
std::string RefIdSql(Target target, std::string_view source_expr, std::string_view ref_expr);
// The binding order of RefIdSql with "?" placeholders: true = source, false = ref.
std::vector<bool> RefIdParams(Target target);

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// Users by external id (same source first, then any), name or email (case
// insensitive), loaded once per import.
class OwnerIndex {
 public:
  static core::Result<OwnerIndex> Load(store::Database& db);
  std::optional<int64_t> Find(std::string_view ref, std::string_view source);

 private:
  StringMap<std::vector<std::pair<std::string, int64_t>>> by_external_id_;  // -> (source, id)
  StringMap<int64_t> by_name_;
  StringMap<int64_t> by_email_;
  std::string scratch_;
};

// Records of one target table by external id (and, for contacts, by
// Salesforce lead id), loaded once per import so that rows resolve their
// references without a query each. Records written later in the same import
// are not in it; the resolution pass after the rows picks those up.
class RefIndex {
 public:
  // `source` empty: every source (the file names each row's source).
  static core::Result<RefIndex> Load(store::Database& db, Target target, const std::string& source);
  std::optional<int64_t> Find(std::string_view source, std::string_view ref);
  // Contacts only: the account of the contact `ref` names, if it has one.
  std::optional<int64_t> FindAccount(std::string_view source, std::string_view ref);

 private:
  struct Record {
    int64_t id;
    int64_t account;  // contacts: account_id, -1 when none
  };
  const Record* Lookup(std::string_view source, std::string_view ref);

  StringMap<Record> ids_;
  StringMap<Record> leads_;
  bool composite_ = false;
  std::string buffer_;
};

// Resolves what an import of `kind` may have made resolvable (its own
// references, references to it, and the derived links); all of them when
// kind is empty.
// `owners_pending` false says the import resolved every owner it wrote, so
// the imported table's owners need no pass (only a users import can resolve
// older ones).
core::Status ResolvePending(store::Database& db, std::optional<Kind> kind,
                            bool owners_pending = true);
// References still unresolved: those of `kind`'s table and those pointing at
// it (what an import of `kind` can change); every table when kind is empty.
core::Result<std::vector<UnresolvedRef>> CountUnresolved(store::Database& db,
                                                         std::optional<Kind> kind);

// When an import defers a table's secondary indexes (store::DeferredIndexes):
// on SQLite, when at least kMinDeferredRows rows are coming and more than
// the table holds; a small import into a large table keeps its indexes.
inline constexpr int64_t kMinDeferredRows = 20000;
core::Result<bool> WorthDeferring(store::Database& db, std::string_view table, int64_t incoming);

// The per-row AFTER INSERT triggers of a table that a bulk write (the same
// policy: WorthDeferring) replaces with one set-based statement over the
// rows it added. On a wide table the mere presence of a row trigger costs
// more than the row's insert (a million contacts: about 2.5 s of CPU for a
// trigger whose WHEN is false), so the listed triggers are dropped inside
// the caller's transaction and, before the commit, their effect on the new
// rows (ids above the largest before the write: rows are appended) is
// applied in one statement and the triggers are created again from their
// own definitions. An error rolls the drop back with everything else.
// SQLite only (PostgreSQL's touchpoint triggers are statement-level, and the
// touch cache is SQLite's). Only triggers with a known equivalent are
// dropped: the leads touch cache's log of new contacts and touches
// (migration 28) and touchpoint_weeks' insert count (migration 20).
class DeferredInsertTriggers {
 public:
  core::Status Defer(store::Database& db, std::string_view table);
  // Applies the dropped triggers' effect to the rows added since Defer and
  // creates the triggers again.
  core::Status Restore(store::Database& db);
  bool active() const { return !dropped_.empty(); }

 private:
  struct Dropped {
    std::string definition;   // CREATE TRIGGER ...
    std::string_view replay;  // the statement over rows with id > ?
  };
  std::vector<Dropped> dropped_;
  int64_t last_id_ = 0;
};

}  // namespace mops::ingest::internal
