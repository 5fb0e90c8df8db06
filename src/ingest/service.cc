// Import service: parses a file, maps and converts its rows, and writes them
// into the workspace in one transaction with one prepared statement per
// table, then resolves references and writes the audit log entry.
#include <fmt/format.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <type_traits>
#include <unordered_set>

#include "core/csv.h"
#include "core/mapped_file.h"
#include "core/report_rows.h"
#include "core/strings.h"
#include "ingest/channel_rules.h"
#include "ingest/crm_touches.h"
#include "ingest/ingest.h"
#include "ingest/internal.h"
#include "ingest/resolve.h"
#include "store/batch_insert.h"
#include "store/deferred_indexes.h"

namespace mops::ingest {
namespace {

using core::ErrorCode;
using internal::CellProblem;
using internal::ConvertedRow;
using internal::FieldSpec;
using internal::KindSpec;
using internal::Role;
using store::Value;

static_assert(std::is_same_v<internal::Value, store::Value>,
              "engines and store share one cell type");

constexpr size_t kRejectsInSummary = 20;
constexpr size_t kDuplicateLinesInSummary = 10;
constexpr int64_t kProgressEvery = 4096;
using internal::kHeaderSearchLines;

// Which keys of a table exist already and which this file has written:
// tells new rows from updated ones and finds keys repeated in the file.
// An open-addressing table over one arena of key bytes, so marking a key
// does not allocate per row.
class KeyTracker {
 public:
  // A key seen again in the same file is a duplicate: the last row wins. Its
  // earlier row was counted as updated or unchanged against the stored row;
  // when the later row turns that around (it restores the stored values, or
  // changes a row the earlier one left as it was), Mark says so, so that the
  // counts describe what the import leaves in the workspace.
  enum class Outcome {
    kNew,
    kUpdated,
    kUnchanged,
    kDuplicate,
    kDuplicateRestores,  // the earlier row counted as updated; this one is unchanged
    kDuplicateChanges,   // the earlier row counted as unchanged; this one updates
  };

  // `source` empty: every source (the file names each row's source).
  // `hashes`: load each row's row_hash too, so that Mark can tell unchanged
  // rows from updated ones.
  core::Status Load(store::Database& db, std::string_view table, const std::string& source,
                    bool hashes = false) {
    composite_ = source.empty();
    const std::string hash_column = hashes ? "row_hash" : "0";
    std::vector<store::Column> cols;
    if (composite_) {
      const std::vector<store::ColumnType> types = {
          store::ColumnType::kText, store::ColumnType::kText, store::ColumnType::kInt};
      MOPS_ASSIGN_OR_RETURN(
          cols, db.ScanColumns(fmt::format("SELECT source_system, external_id, {} FROM {}",
                                           hash_column, table),
                               {}, types));
      Reserve(cols[0].size());
      for (size_t i = 0; i < cols[0].size(); ++i) {
        Insert(Compose(cols[0].texts[i], cols[1].texts[i]), kExisting,
               static_cast<uint64_t>(cols[2].ints[i]));
      }
    } else {
      const std::vector<store::ColumnType> types = {store::ColumnType::kText,
                                                    store::ColumnType::kInt};
      MOPS_ASSIGN_OR_RETURN(
          cols, db.ScanColumns(fmt::format("SELECT external_id, {} FROM {} WHERE source_system = ?",
                                           hash_column, table),
                               std::vector<Value>{source}, types));
      Reserve(cols[0].size());
      for (size_t i = 0; i < cols[0].size(); ++i) {
        Insert(cols[0].texts[i], kExisting, static_cast<uint64_t>(cols[1].ints[i]));
      }
    }
    return {};
  }

  // `row_hash` 0: unknown (the row counts as updated when it exists).
  Outcome Mark(std::string_view source, std::string_view key, uint64_t row_hash = 0) {
    const std::string_view k = composite_ ? std::string_view(Compose(source, key)) : key;
    const uint64_t hash = std::hash<std::string_view>{}(k);
    size_t slot = hash & mask_;
    while (slots_[slot] != 0) {
      Entry& e = entries_[slots_[slot] - 1];
      if (e.hash == hash && KeyOf(e) == k) {
        if (e.state == kSeenNew) return Outcome::kDuplicate;
        const bool same = row_hash != 0 && e.row_hash == row_hash;
        const uint8_t before = e.state;
        e.state = same ? kSeenSame : kSeenChanged;
        if (before == kExisting) return same ? Outcome::kUnchanged : Outcome::kUpdated;
        if (before == e.state) return Outcome::kDuplicate;
        return same ? Outcome::kDuplicateRestores : Outcome::kDuplicateChanges;
      }
      slot = (slot + 1) & mask_;
    }
    Add(slot, hash, k, kSeenNew, 0);
    return Outcome::kNew;
  }

 private:
  // An entry's state: stored and not yet in the file; new in this file; in
  // the file, its last row equal to the stored one; or different from it.
  static constexpr uint8_t kExisting = 0;
  static constexpr uint8_t kSeenNew = 1;
  static constexpr uint8_t kSeenSame = 2;
  static constexpr uint8_t kSeenChanged = 3;
  struct Entry {
    uint64_t hash;
    uint64_t offset;
    uint64_t row_hash;
    uint32_t length;
    uint8_t state;
  };

  std::string_view KeyOf(const Entry& e) const {
    return std::string_view(arena_).substr(e.offset, e.length);
  }

  void Reserve(size_t n) {
    entries_.reserve(n);
    size_t capacity = 1024;
    while (capacity < n * 2) capacity *= 2;
    if (capacity > slots_.size()) Rehash(capacity);
  }

  void Rehash(size_t capacity) {
    slots_.assign(capacity, 0);
    mask_ = capacity - 1;
    for (size_t i = 0; i < entries_.size(); ++i) {
      size_t slot = entries_[i].hash & mask_;
      while (slots_[slot] != 0) slot = (slot + 1) & mask_;
      slots_[slot] = static_cast<uint32_t>(i + 1);
    }
  }

  void Insert(std::string_view key, uint8_t state, uint64_t row_hash) {
    (void)MarkAs(key, state, row_hash);
  }

  bool MarkAs(std::string_view key, uint8_t state, uint64_t row_hash) {
    const uint64_t hash = std::hash<std::string_view>{}(key);
    size_t slot = hash & mask_;
    while (slots_[slot] != 0) {
      if (const Entry& e = entries_[slots_[slot] - 1]; e.hash == hash && KeyOf(e) == key) {
        return false;
      }
      slot = (slot + 1) & mask_;
    }
    Add(slot, hash, key, state, row_hash);
    return true;
  }

  void Add(size_t slot, uint64_t hash, std::string_view key, uint8_t state, uint64_t row_hash) {
    entries_.push_back({hash, arena_.size(), row_hash, static_cast<uint32_t>(key.size()), state});
    arena_.append(key);
    slots_[slot] = static_cast<uint32_t>(entries_.size());
    if (entries_.size() * 2 > slots_.size()) Rehash(slots_.size() * 2);
  }

  const std::string& Compose(std::string_view source, std::string_view key) {
    buffer_.assign(source);
    buffer_.push_back('\x1f');
    buffer_.append(key);
    return buffer_;
  }

  std::vector<uint32_t> slots_ = std::vector<uint32_t>(1024, 0);
  size_t mask_ = 1023;
  std::vector<Entry> entries_;
  std::string arena_;
  bool composite_ = false;
  std::string buffer_;
};

using RefIndexes = std::array<std::optional<internal::RefIndex>, 7>;

void SetId(Value& param, std::optional<int64_t> id) {
  if (id) {
    param = *id;
  } else {
    param = std::monostate{};
  }
}

// One reusable INSERT ... ON CONFLICT (source_system, external_id) DO UPDATE
// over the fields a file carries; only those columns change on conflict.
class Upsert {
 public:
  // `row_hash`: also write ConvertedRow::row_hash into row_hash.
  core::Status Prepare(store::Database& db, const KindSpec& spec, const std::vector<bool>& written,
                       RefIndexes& refs, const std::string& source_filter, bool row_hash = false) {
    std::vector<std::string> columns = {"source_system", "external_id"};
    std::vector<std::string> values = {"?", "?"};
    slots_ = {{Slot::kSource, -1}, {Slot::kKey, -1}};
    if (row_hash) {
      columns.emplace_back("row_hash");
      values.emplace_back("?");
      slots_.push_back({Slot::kRowHash, -1});
    }
    std::vector<std::string> updates;
    for (size_t i = 0; i < spec.fields.size(); ++i) {
      if (!written[i]) continue;
      const FieldSpec& f = spec.fields[i];
      const int field = static_cast<int>(i);
      if (f.role == Role::kColumn) {
        columns.emplace_back(f.name);
        values.emplace_back("?");
        slots_.push_back({Slot::kField, field});
      } else if (f.role == Role::kRef) {
        const std::string base(f.RefBase());
        columns.push_back(base + "_ref");
        columns.push_back(base + "_id");
        values.emplace_back("?");
        values.emplace_back("?");
        slots_.push_back({Slot::kField, field});
        slots_.push_back({Slot::kRefId, field, f.target});
        auto& index = refs[static_cast<size_t>(f.target)];
        if (!index) {
          MOPS_ASSIGN_OR_RETURN(index, internal::RefIndex::Load(db, f.target, source_filter));
        }
      } else if (f.role == Role::kOwner) {
        columns.emplace_back("owner_ref");
        columns.emplace_back("owner_id");
        values.emplace_back("?");
        values.emplace_back("?");
        slots_.push_back({Slot::kField, field});
        slots_.push_back({Slot::kOwner, field});
      }
    }
    if (spec.kind == Kind::kTouchpoints) {
      // A touch without an account takes its contact's.
      const int contact = spec.FieldIndex("contact_id");
      const int account = spec.FieldIndex("account_id");
      if (written[contact]) {
        if (written[account]) {
          for (Slot& s : slots_) {
            if (s.what == Slot::kRefId && s.field == account) s.fallback = contact;
          }
        } else {
          columns.emplace_back("account_id");
          values.emplace_back("?");
          slots_.push_back({Slot::kContactAccount, contact});
        }
      }
    }
    for (size_t c = 2; c < columns.size(); ++c) {
      updates.push_back(fmt::format("{0} = excluded.{0}", columns[c]));
    }
    head_ = fmt::format("INSERT INTO {} ({})", spec.table, core::Join(columns, ", "));
    tail_ = "ON CONFLICT (source_system, external_id) DO ";
    tail_ += updates.empty() ? "NOTHING" : "UPDATE SET " + core::Join(updates, ", ");
    MOPS_ASSIGN_OR_RETURN(stmt_, db.Prepare(fmt::format("{} VALUES ({}) {}", head_,
                                                        core::Join(values, ", "), tail_)));
    columns_ = std::move(columns);
    return {};
  }

  // Fills `params` with `row`'s values. `refs[target]` is the index of each
  // target the rows reference. The row's field values move into the
  // parameters (swapped, so that both keep their buffers and nothing is
  // copied): afterwards the row's bound fields hold stale values. Touches no
  // database: safe on the parsing thread while another thread runs Execute.
  void Fill(ConvertedRow& row, internal::OwnerIndex* owners, RefIndexes& refs,
            std::vector<Value>& params) {
    params.resize(slots_.size());
    for (size_t i = 0; i < slots_.size(); ++i) {
      const Slot& s = slots_[i];
      switch (s.what) {
        case Slot::kSource:
          internal::SetText(params[i], row.source_system);
          break;
        case Slot::kKey:
          internal::SetText(params[i], row.key);
          break;
        case Slot::kRowHash:
          params[i] = static_cast<int64_t>(row.row_hash);
          break;
        case Slot::kField:
          break;
        case Slot::kRefId: {
          const auto* ref = std::get_if<std::string>(&row.values[s.field]);
          auto& index = refs[static_cast<size_t>(s.target)];
          std::optional<int64_t> id;
          if (ref != nullptr && index) id = index->Find(row.source_system, *ref);
          if (ref == nullptr && s.fallback >= 0) id = ContactAccount(row, s.fallback, refs);
          SetId(params[i], id);
          break;
        }
        case Slot::kContactAccount:
          SetId(params[i], ContactAccount(row, s.field, refs));
          break;
        case Slot::kOwner: {
          const auto* ref = std::get_if<std::string>(&row.values[s.field]);
          std::optional<int64_t> id;
          if (ref != nullptr && owners != nullptr) id = owners->Find(*ref, row.source_system);
          if (ref != nullptr && !id) ++owner_misses_;
          SetId(params[i], id);
          break;
        }
      }
    }
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].what != Slot::kField) continue;
      store::SwapValues(params[i], row.values[slots_[i].field]);
    }
  }

  // Queues the row's write: its result is not needed, so on PostgreSQL rows
  // go out without a round trip each (errors surface at Importer::FlushQueued).
  core::Status ExecuteQueued(std::span<const Value> params) { return stmt_->ExecuteQueued(params); }

  // Rows whose owner matched no user (Fill's count; read after the parsing
  // thread has finished).
  int64_t owner_misses() const { return owner_misses_; }
  // The columns the statement writes.
  const std::vector<std::string>& columns() const { return columns_; }
  // The statement as "INSERT INTO t (columns)" and "ON CONFLICT ...", for
  // multi-row statements (store::BatchInsert) of the same upsert.
  const std::string& head() const { return head_; }
  const std::string& tail() const { return tail_; }

 private:
  static std::optional<int64_t> ContactAccount(const ConvertedRow& row, int contact_field,
                                               RefIndexes& refs) {
    const auto* ref = std::get_if<std::string>(&row.values[contact_field]);
    auto& contacts = refs[static_cast<size_t>(internal::Target::kContact)];
    if (ref == nullptr || !contacts) return std::nullopt;
    return contacts->FindAccount(row.source_system, *ref);
  }

  struct Slot {
    enum What { kSource, kKey, kRowHash, kField, kRefId, kOwner, kContactAccount } what;
    int field;
    internal::Target target = internal::Target::kNone;
    int fallback = -1;  // kRefId: a contact field whose account stands in for an empty ref
  };
  std::unique_ptr<store::Statement> stmt_;
  std::vector<Slot> slots_;
  std::vector<std::string> columns_;
  std::string head_, tail_;
  int64_t owner_misses_ = 0;
};

// New rows per multi-row statement (Importer::new_rows_): about 30 values
// each, well under SQLite's and PostgreSQL's limits on parameters.
constexpr int kNewRowsPerStatement = 64;

// Rows travel from the parsing thread to the writing thread in batches.
constexpr size_t kBatchRows = 512;
constexpr size_t kBatchesInFlight = 4;

struct ParsedRow {
  ConvertedRow row;
  std::vector<Value> params;  // the main upsert's (unused for converted leads)
  int64_t line = 0;
  // The stored row has these values already (its row_hash): no write. Its
  // references that were unresolved are picked up by the resolution pass.
  bool unchanged = false;
  // The key is new to the table and to the file: the row may go into a
  // multi-row statement.
  bool is_new = false;
};

struct Batch {
  std::vector<ParsedRow> rows;  // grows to kBatchRows once, then reused
  size_t size = 0;
  bool last = false;  // the file ends with this batch
};

// A bounded hand-off between one producer and one consumer. Close() stops
// both sides: every later Take returns nullptr.
class BatchQueue {
 public:
  BatchQueue() : storage_(kBatchesInFlight) {
    for (Batch& b : storage_) free_.push_back(&b);
  }
  Batch* TakeFree() { return Take(free_); }
  Batch* TakeFull() { return Take(full_); }
  void PutFree(Batch* b) { Put(free_, b); }
  void PutFull(Batch* b) { Put(full_, b); }
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

 private:
  Batch* Take(std::deque<Batch*>& from) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !from.empty(); });
    if (closed_) return nullptr;
    Batch* b = from.front();
    from.pop_front();
    return b;
  }
  void Put(std::deque<Batch*>& to, Batch* b) {
    std::lock_guard lock(mu_);
    to.push_back(b);
    cv_.notify_all();
  }

  std::vector<Batch> storage_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch*> free_;
  std::deque<Batch*> full_;
  bool closed_ = false;
};

struct Related {
  int64_t imported = 0;
  int64_t updated = 0;
};

// The state of one import run.
class Importer {
 public:
  Importer(store::Database& db, Kind kind, std::string_view name, const ImportOptions& options)
      : db_(db), spec_(internal::SpecFor(kind)), name_(name), options_(options) {}

  core::Result<ImportSummary> Run(std::string_view csv, const internal::CustomMapping* custom,
                                  const ProgressFn& progress);

 private:
  core::Status Prepare(const internal::Mapping& mapping, const std::vector<bool>& written,
                       bool per_row_source);
  // Parsing thread: reads, converts, rejects, counts and fills parameters.
  core::Status Produce(core::CsvReader& reader, internal::RowConverter& converter,
                       BatchQueue& queue);
  // Calling thread: writes the batches.
  core::Status Consume(BatchQueue& queue, const ProgressFn& progress, int64_t total_lines);
  core::Status ParseAndWrite(core::CsvReader& reader, internal::RowConverter& converter,
                             const ProgressFn& progress, int64_t total_lines);
  core::Status ParseAndWriteLifecycle(core::CsvReader& reader, internal::RowConverter& converter,
                                      const ProgressFn& progress, int64_t total_lines);
  core::Status WriteRow(ParsedRow& parsed);
  core::Status WriteLifecycleRow(const ConvertedRow& row, int64_t line);
  core::Status WriteStageDates(const ConvertedRow& row);
  core::Status WriteDealContacts(const ConvertedRow& row, int64_t line);
  // A company export's associated contacts that have no account get this one.
  void NoteCompanyContacts(const ConvertedRow& row);
  core::Status LinkCompanyContacts();
  // Waits for the queued writes; an error names the line of the failed row.
  core::Status FlushQueued();
  // `e` of a write, at the line of the queued row that failed (else `line`).
  core::Status WriteError(core::Error e, int64_t line);
  core::Status LinkConvertedLead(const ConvertedRow& row);
  core::Status RejectRow(int64_t line, std::span<const CellProblem> problems);
  // Values of an imported row that lost precision in a spreadsheet.
  void NoteDamage(int64_t line, std::span<const CellProblem> damage);
  // One line of the rejects or warnings file (line, column, field, value,
  // reason); returns it for the summary.
  Reject WriteProblem(int64_t line, const CellProblem& p, core::CsvWriter& out) const;
  // The per-column pass before the import (see ColumnSurvey).
  core::Status SurveyColumns(std::string_view csv, const internal::Mapping& mapping,
                             core::DateFormat order, internal::RowConverter& converter);
  core::Status WriteAudit();
  core::Status ApplyCrmOptions(internal::Mapping& mapping);
  internal::CrmConfig crm_config_;
  std::string crm_config_text_, crm_config_name_;
  core::Status WriteRejectsFile();
  core::Status WriteWarningsFile();

  store::Database& db_;
  const KindSpec& spec_;
  std::string name_;
  const ImportOptions& options_;
  std::vector<std::string> headers_;
  ImportSummary summary_;

  Upsert upsert_;
  KeyTracker keys_;
  RefIndexes refs_;
  std::optional<internal::OwnerIndex> owners_;
  // Rows whose company was an account id (Salesforce), and the first lines.
  int64_t company_account_ids_ = 0;
  std::vector<int64_t> company_account_id_lines_;
  core::CsvWriter rejects_{',', /*neutralize_formulas=*/true};
  core::CsvWriter damage_{',', /*neutralize_formulas=*/true};
  const std::vector<bool>* written_ = nullptr;

  // Contacts: HubSpot "Became a ... Date" columns.
  std::vector<int> stage_fields_;
  std::unique_ptr<store::Statement> stage_insert_;
  std::vector<Value> stage_params_;
  Related stages_;
  // Deals: associated contacts.
  int contact_list_field_ = -1;
  Upsert deal_contacts_;
  RefIndexes deal_refs_;  // the writing thread's own (refs_ belongs to the parsing thread)
  std::vector<Value> deal_params_;
  KeyTracker deal_contact_keys_;
  ConvertedRow deal_contact_row_;
  std::string email_ref_;
  Related deal_contacts_count_;
  // Companies: their associated contacts, (source, company key, contact key),
  // linked once the rows are written (LinkCompanyContacts).
  int company_contacts_field_ = -1;
  std::vector<std::array<std::string, 3>> company_contacts_;
  // Converted Salesforce leads.
  Related leads_;
  // lifecycle-history: rows seen in this file (source, contact, stage, time).
  std::unordered_set<std::string> lifecycle_seen_;
  std::unique_ptr<store::Statement> lifecycle_insert_;
  // New and existing entries are told apart by the table's growth, so that
  // the inserts can be queued: rows before the file, distinct rows in it.
  int64_t lifecycle_before_ = 0;
  int64_t lifecycle_distinct_ = 0;
  std::vector<Value> lifecycle_params_;
  std::string key_buffer_;
  // The lines of each write queued since the last flush, in order (first and
  // last: a multi-row statement writes several).
  struct QueuedLines {
    int64_t first;
    int64_t last;
  };
  std::vector<QueuedLines> queued_lines_;
  // New rows in multi-row statements (store::BatchInsert of the upsert), as
  // long as every row written is new: the first write of another kind (an
  // update, a key repeated in the file, a converted lead) sends what is
  // pending and writes row by row from then on, so that writes keep the
  // file's order. Not with HubSpot stage dates or deal contacts, which are
  // written beside each row.
  std::optional<store::BatchInsert> new_rows_;
  int64_t new_rows_first_line_ = 0;
  int64_t new_rows_last_line_ = 0;
  core::Status EndNewRows();
  // CPU time of the parsing thread (set when it ends).
  double parser_cpu_seconds_ = 0;
  // Where the records start (the header line) and which rows are totals.
  size_t header_offset_ = 0;
  core::TotalsRowRule totals_;
  // True (and the line listed) for a totals row: skipped, not a record.
  bool SkipTotalsRow(std::span<const std::string_view> record, int64_t line);
};

bool Importer::SkipTotalsRow(std::span<const std::string_view> record, int64_t line) {
  if (!core::IsTotalsRow(record, totals_)) return false;
  ++summary_.totals_rows;
  if (summary_.totals_lines.size() < kDuplicateLinesInSummary) {
    summary_.totals_lines.push_back(line);
  }
  return true;
}

core::Status Importer::Prepare(const internal::Mapping& mapping, const std::vector<bool>& written,
                               bool per_row_source) {
  const std::string source_filter = per_row_source ? std::string() : summary_.source_system;
  bool has_owner = false;
  for (size_t i = 0; i < spec_.fields.size(); ++i) {
    if (written[i] && spec_.fields[i].role == Role::kOwner) has_owner = true;
  }
  if (has_owner) {
    MOPS_ASSIGN_OR_RETURN(auto owners, internal::OwnerIndex::Load(db_));
    owners_.emplace(std::move(owners));
  }

  if (spec_.kind == Kind::kLifecycleHistory) {
    // A row whose contact is not here yet is parked: contact_id NULL, the
    // reference kept; resolution fills contact_id when the contact arrives.
    // Either unique index (contact, or reference; stage; time) makes a row
    // already present a no-op.
    auto& contacts = refs_[static_cast<size_t>(internal::Target::kContact)];
    MOPS_ASSIGN_OR_RETURN(contacts,
                          internal::RefIndex::Load(db_, internal::Target::kContact, source_filter));
    MOPS_ASSIGN_OR_RETURN(lifecycle_insert_,
                          db_.Prepare("INSERT INTO lifecycle_history (contact_id, source_system, "
                                      "contact_ref, stage, entered_at) VALUES (?, ?, ?, ?, ?) ON "
                                      "CONFLICT DO NOTHING"));
    lifecycle_params_.assign(5, Value{});
    MOPS_ASSIGN_OR_RETURN(Value before, db_.QueryValue("SELECT COUNT(*) FROM lifecycle_history"));
    lifecycle_before_ = store::AsInt(before);
    return {};
  }

  MOPS_TRY(upsert_.Prepare(db_, spec_, written, refs_, source_filter, /*row_hash=*/true));
  MOPS_TRY(keys_.Load(db_, spec_.table, source_filter, /*hashes=*/true));
  written_ = &written;

  for (size_t i = 0; i < spec_.fields.size(); ++i) {
    const FieldSpec& f = spec_.fields[i];
    if (mapping.field_column[i] < 0) continue;
    if (f.role == Role::kStageDate) stage_fields_.push_back(static_cast<int>(i));
    if (f.role == Role::kContactList) {
      (spec_.kind == Kind::kAccounts ? company_contacts_field_ : contact_list_field_) =
          static_cast<int>(i);
    }
  }
  if (!stage_fields_.empty()) {
    MOPS_ASSIGN_OR_RETURN(
        stage_insert_,
        db_.Prepare("INSERT INTO lifecycle_history (contact_id, source_system, contact_ref, "
                    "stage, entered_at) SELECT COALESCE(c.merged_into, c.id), c.source_system, "
                    "c.external_id, ?, ? FROM contacts c WHERE c.source_system = ? AND "
                    "c.external_id = ? ON CONFLICT DO NOTHING"));
    stage_params_.assign(4, Value{});
  }
  if (stage_fields_.empty() && contact_list_field_ < 0) {
    MOPS_ASSIGN_OR_RETURN(
        new_rows_,
        store::BatchInsert::Make(db_, upsert_.head(), static_cast<int>(upsert_.columns().size()),
                                 upsert_.tail(), kNewRowsPerStatement));
  }
  if (contact_list_field_ >= 0) {
    const KindSpec& oc = internal::SpecFor(Kind::kOpportunityContacts);
    std::vector<bool> oc_written(oc.fields.size(), false);
    oc_written[oc.FieldIndex("opportunity_id")] = true;
    oc_written[oc.FieldIndex("contact_id")] = true;
    MOPS_TRY(deal_contacts_.Prepare(db_, oc, oc_written, deal_refs_, source_filter));
    MOPS_TRY(deal_contact_keys_.Load(db_, oc.table, source_filter));
    deal_contact_row_.values.assign(oc.fields.size(), Value{});
  }
  return {};
}

core::Status Importer::WriteStageDates(const ConvertedRow& row) {
  for (int field : stage_fields_) {
    const Value& at = row.values[field];
    if (!std::holds_alternative<int64_t>(at)) continue;
    internal::SetText(stage_params_[0], spec_.fields[field].stage);
    stage_params_[1] = at;
    internal::SetText(stage_params_[2], row.source_system);
    internal::SetText(stage_params_[3], row.key);
    MOPS_ASSIGN_OR_RETURN(int64_t changed, stage_insert_->Execute(stage_params_));
    ++(changed > 0 ? stages_.imported : stages_.updated);
  }
  return {};
}

core::Status Importer::FlushQueued() {
  if (auto flushed = db_.Flush(); !flushed) return WriteError(std::move(flushed).error(), 0);
  queued_lines_.clear();
  return {};
}

core::Status Importer::WriteError(core::Error e, int64_t line) {
  const int64_t position = db_.failed_queued_position();
  int64_t last = line;
  if (position > 0 && static_cast<size_t>(position) <= queued_lines_.size()) {
    line = queued_lines_[static_cast<size_t>(position) - 1].first;
    last = queued_lines_[static_cast<size_t>(position) - 1].last;
  }
  e.message = last > line ? fmt::format("cannot write rows (lines {} to {}, one statement): {}",
                                        line, last, e.message)
                          : "cannot write row: " + e.message;
  return core::Fail(std::move(e).At(name_, line));
}

core::Status Importer::WriteDealContacts(const ConvertedRow& row, int64_t line) {
  const auto* list = std::get_if<std::string>(&row.values[contact_list_field_]);
  if (list == nullptr) return {};
  const KindSpec& oc = internal::SpecFor(Kind::kOpportunityContacts);
  const int opp = oc.FieldIndex("opportunity_id");
  const int contact = oc.FieldIndex("contact_id");
  for (std::string_view part : core::Split(*list, ';')) {
    for (std::string_view id : core::Split(part, ',')) {
      id = core::Trim(id);
      if (id.empty()) continue;
      ConvertedRow& r = deal_contact_row_;
      r.source_system = row.source_system;
      // An import file names the contact by email ("Associated Contact
      // Email"): resolved against contacts' emails.
      if (id.find('@') != std::string_view::npos) {
        email_ref_.assign("email:");
        for (char c : id) email_ref_.push_back(core::AsciiToLower(c));
        id = email_ref_;
      }
      r.key.assign(row.key).append(":").append(id);
      internal::SetText(r.values[opp], row.key);
      internal::SetText(r.values[contact], id);
      deal_contacts_.Fill(r, nullptr, deal_refs_, deal_params_);
      queued_lines_.push_back({line, line});
      if (auto queued = deal_contacts_.ExecuteQueued(deal_params_); !queued) {
        return WriteError(std::move(queued).error(), line);
      }
      switch (deal_contact_keys_.Mark(r.source_system, r.key)) {
        case KeyTracker::Outcome::kNew:
          ++deal_contacts_count_.imported;
          break;
        default:
          ++deal_contacts_count_.updated;
          break;
      }
    }
  }
  return {};
}

// A converted lead is an identity of the contact it became, by reference
// until that contact is in the workspace.
core::Status Importer::LinkConvertedLead(const ConvertedRow& row) {
  const std::string& contact =
      std::get<std::string>(row.values[spec_.FieldIndex("converted_contact_id")]);
  MOPS_ASSIGN_OR_RETURN(
      Value existing,
      db_.QueryValue("SELECT id FROM identities WHERE kind = ? AND value = ?",
                     std::vector<Value>{std::string(internal::kLeadIdentity), row.key}));
  ++(store::IsNull(existing) ? leads_.imported : leads_.updated);
  MOPS_TRY(db_.Execute(
      fmt::format("INSERT INTO identities (kind, value, source_system, contact_ref, contact_id, "
                  "created_at, lead_source, lead_created_at) VALUES (?, ?, ?, ?, {}, ?, ?, ?) ON "
                  "CONFLICT (kind, value) DO UPDATE SET source_system = excluded.source_system, "
                  "contact_ref = excluded.contact_ref, contact_id = excluded.contact_id, "
                  "lead_source = excluded.lead_source, lead_created_at = excluded.lead_created_at",
                  internal::RecordIdSql(internal::Target::kContact, "?", "?")),
      std::vector<Value>{std::string(internal::kLeadIdentity), row.key, row.source_system, contact,
                         row.source_system, contact, int64_t{core::NowUtc()},
                         row.values[spec_.FieldIndex("original_source")],
                         row.values[spec_.FieldIndex("created_at")]}));
  return {};
}

core::Status Importer::EndNewRows() {
  if (!new_rows_) return {};
  if (new_rows_->pending_rows() > 0) {
    queued_lines_.push_back({new_rows_first_line_, new_rows_last_line_});
  }
  auto finished = new_rows_->Finish();
  new_rows_.reset();
  if (!finished) return WriteError(std::move(finished).error(), new_rows_first_line_);
  queued_lines_.clear();
  return {};
}

core::Status Importer::WriteRow(ParsedRow& parsed) {
  const ConvertedRow& row = parsed.row;
  if (row.converted_lead) {
    MOPS_TRY(EndNewRows());
    MOPS_TRY(FlushQueued());
    return LinkConvertedLead(row);
  }
  if (company_contacts_field_ >= 0) NoteCompanyContacts(row);
  if (!parsed.unchanged && parsed.is_new && new_rows_) {
    if (new_rows_->pending_rows() == 0) new_rows_first_line_ = parsed.line;
    new_rows_last_line_ = parsed.line;
    // This row completes a batch: its statement goes now.
    if (new_rows_->pending_rows() + 1 == new_rows_->batch()) {
      queued_lines_.push_back({new_rows_first_line_, new_rows_last_line_});
    }
    if (auto queued = new_rows_->SwapRow(parsed.params); !queued) {
      return WriteError(std::move(queued).error(), new_rows_first_line_);
    }
    return {};
  }
  if (!parsed.unchanged) {
    MOPS_TRY(EndNewRows());
    queued_lines_.push_back({parsed.line, parsed.line});
    if (auto queued = upsert_.ExecuteQueued(parsed.params); !queued) {
      return WriteError(std::move(queued).error(), parsed.line);
    }
  }
  if (!stage_fields_.empty()) {
    // Counting new entries needs each insert's result: no queueing here.
    MOPS_TRY(FlushQueued());
    MOPS_TRY(WriteStageDates(row));
  }
  if (contact_list_field_ >= 0) MOPS_TRY(WriteDealContacts(row, parsed.line));
  return {};
}

void Importer::NoteCompanyContacts(const ConvertedRow& row) {
  const auto* list = std::get_if<std::string>(&row.values[company_contacts_field_]);
  if (list == nullptr) return;
  for (std::string_view part : core::Split(*list, ';')) {
    for (std::string_view id : core::Split(part, ',')) {
      id = core::Trim(id);
      if (!id.empty()) company_contacts_.push_back({row.source_system, row.key, std::string(id)});
    }
  }
}

// HubSpot's company export lists each company's contacts. The contacts
// export normally names each contact's company itself (Associated Company
// IDs, which wins); this gives the contacts that name none the first company
// listing them, by reference, which ResolvePending then turns into their
// account_id like any other (merged accounts included). A contact another
// company holds keeps it; contacts not in the workspace yet are counted:
// their own export links them. Set-based: the pairs go to a temporary table
// and three statements do the rest, on both backends.
core::Status Importer::LinkCompanyContacts() {
  if (company_contacts_.empty()) return {};
  MOPS_TRY(db_.ExecScript(
      "CREATE TEMPORARY TABLE IF NOT EXISTS import_company_contacts (seq BIGINT NOT NULL, "
      "source_system TEXT NOT NULL, company TEXT NOT NULL, contact TEXT NOT NULL); "
      "CREATE INDEX IF NOT EXISTS import_company_contacts_contact ON import_company_contacts "
      "(source_system, contact, seq); DELETE FROM import_company_contacts"));
  MOPS_ASSIGN_OR_RETURN(
      store::BatchInsert pairs,
      store::BatchInsert::Make(
          db_, "INSERT INTO import_company_contacts (seq, source_system, company, contact)", 4,
          ""));
  int64_t seq = 0;
  for (auto& [source, company, contact] : company_contacts_) {
    MOPS_TRY(pairs.Add(seq++, std::move(source), std::move(company), std::move(contact)));
  }
  MOPS_TRY(pairs.Finish());
  const int64_t listed = seq;
  company_contacts_.clear();
  MOPS_ASSIGN_OR_RETURN(
      Value missing,
      db_.QueryValue("SELECT COUNT(*) FROM import_company_contacts l WHERE NOT EXISTS (SELECT 1 "
                     "FROM contacts c WHERE c.source_system = l.source_system AND c.external_id "
                     "= l.contact)"));
  MOPS_ASSIGN_OR_RETURN(
      int64_t linked,
      db_.Execute("UPDATE contacts SET account_ref = (SELECT l.company FROM "
                  "import_company_contacts l WHERE l.source_system = contacts.source_system AND "
                  "l.contact = contacts.external_id ORDER BY l.seq LIMIT 1) WHERE account_id IS "
                  "NULL AND account_ref IS NULL AND EXISTS (SELECT 1 FROM import_company_contacts "
                  "l WHERE l.source_system = contacts.source_system AND l.contact = "
                  "contacts.external_id)"));
  MOPS_TRY(db_.ExecScript("DELETE FROM import_company_contacts"));
  const int64_t absent = store::AsInt(missing);
  summary_.related.push_back({"contacts (company links)", linked, listed - absent - linked});
  if (absent > 0) {
    summary_.warnings.push_back(fmt::format(
        "{} contact{} listed in 'Associated Contact IDs' {} not in the workspace: the contacts "
        "export links them to their company (its 'Associated Company IDs')",
        absent, absent == 1 ? "" : "s", absent == 1 ? "is" : "are"));
  }
  return {};
}

core::Status Importer::Produce(core::CsvReader& reader, internal::RowConverter& converter,
                               BatchQueue& queue) {
  std::vector<std::string_view> record;
  std::vector<CellProblem> problems;
  internal::OwnerIndex* owners = owners_ ? &*owners_ : nullptr;
  while (true) {
    Batch* batch = queue.TakeFree();
    if (batch == nullptr) return {};  // the writer stopped; it reports why
    batch->size = 0;
    batch->last = false;
    while (batch->size < kBatchRows) {
      MOPS_ASSIGN_OR_RETURN(bool more, reader.Next(record));
      if (!more) {
        batch->last = true;
        break;
      }
      if (SkipTotalsRow(record, reader.record_line())) continue;
      if (batch->rows.size() == batch->size) batch->rows.emplace_back();
      ParsedRow& parsed = batch->rows[batch->size];
      parsed.line = reader.record_line();
      ++summary_.rows;
      problems.clear();
      if (!converter.Convert(record, parsed.row, problems)) {
        MOPS_TRY(RejectRow(parsed.line, problems));
        continue;
      }
      if (!converter.damage().empty()) NoteDamage(parsed.line, converter.damage());
      if (converter.company_was_account_id()) {
        if (company_account_id_lines_.size() < kDuplicateLinesInSummary) {
          company_account_id_lines_.push_back(parsed.line);
        }
        ++company_account_ids_;
      }
      ConvertedRow& row = parsed.row;
      parsed.unchanged = false;
      parsed.is_new = false;
      if (!row.converted_lead) {
        row.row_hash = internal::RowHash(row, *written_);
        const KeyTracker::Outcome outcome = keys_.Mark(row.source_system, row.key, row.row_hash);
        switch (outcome) {
          case KeyTracker::Outcome::kNew:
            ++summary_.imported;
            parsed.is_new = true;
            break;
          case KeyTracker::Outcome::kUpdated:
            ++summary_.updated;
            break;
          case KeyTracker::Outcome::kUnchanged:
            ++summary_.unchanged;
            parsed.unchanged = true;
            break;
          case KeyTracker::Outcome::kDuplicate:
          case KeyTracker::Outcome::kDuplicateRestores:
          case KeyTracker::Outcome::kDuplicateChanges:
            ++summary_.duplicates;
            if (summary_.duplicate_lines.size() < kDuplicateLinesInSummary) {
              summary_.duplicate_lines.push_back(parsed.line);
            }
            break;
        }
        if (outcome == KeyTracker::Outcome::kDuplicateRestores) {
          --summary_.updated;
          ++summary_.unchanged;
        } else if (outcome == KeyTracker::Outcome::kDuplicateChanges) {
          --summary_.unchanged;
          ++summary_.updated;
        }
        // A duplicate row is written even when it equals the stored one: the
        // key's earlier row may have changed it.
        if (!parsed.unchanged) upsert_.Fill(row, owners, refs_, parsed.params);
      }
      ++batch->size;
    }
    const bool last = batch->last;
    queue.PutFull(batch);
    if (last) return {};
  }
}

core::Status Importer::Consume(BatchQueue& queue, const ProgressFn& progress, int64_t total_lines) {
  while (Batch* batch = queue.TakeFull()) {
    for (size_t i = 0; i < batch->size; ++i) MOPS_TRY(WriteRow(batch->rows[i]));
    const int64_t line = batch->size > 0 ? batch->rows[batch->size - 1].line : 0;
    const bool last = batch->last;
    queue.PutFree(batch);
    if (progress && line > 0) progress(line, total_lines);
    if (last) break;
  }
  return {};  // a closed queue: the parser failed and reports why
}

// Parsing and conversion run on a second thread while this one writes, so
// that an import takes about as long as the database needs for its rows.
// The database is used from this thread only.
core::Status Importer::ParseAndWrite(core::CsvReader& reader, internal::RowConverter& converter,
                                     const ProgressFn& progress, int64_t total_lines) {
  BatchQueue queue;
  core::Status produced;
  core::Status consumed;
  {
    std::jthread parser([&] {
      const double cpu_start = internal::CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
      try {
        produced = Produce(reader, converter, queue);
      } catch (const std::exception& e) {
        produced = core::Fail(ErrorCode::kInternal, "import failed: {}", e.what());
      }
      parser_cpu_seconds_ = internal::CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
      if (!produced) queue.Close();
    });
    // Declared after the thread, so destroyed before it is joined: whatever
    // way this scope ends (an error, an exception), the parser is released.
    struct CloseOnExit {
      BatchQueue& queue;
      ~CloseOnExit() { queue.Close(); }
    } close_on_exit{queue};
    consumed = Consume(queue, progress, total_lines);
  }
  if (!produced) return produced;
  return consumed;
}

core::Status Importer::ParseAndWriteLifecycle(core::CsvReader& reader,
                                              internal::RowConverter& converter,
                                              const ProgressFn& progress, int64_t total_lines) {
  std::vector<std::string_view> record;
  std::vector<CellProblem> problems;
  ConvertedRow row;
  while (true) {
    MOPS_ASSIGN_OR_RETURN(bool more, reader.Next(record));
    if (!more) return {};
    const int64_t line = reader.record_line();
    if (SkipTotalsRow(record, line)) continue;
    ++summary_.rows;
    problems.clear();
    if (converter.Convert(record, row, problems)) {
      MOPS_TRY(WriteLifecycleRow(row, line));
    } else {
      MOPS_TRY(RejectRow(line, problems));
    }
    if (progress && summary_.rows % kProgressEvery == 0) progress(line, total_lines);
  }
}

core::Status Importer::WriteLifecycleRow(const ConvertedRow& row, int64_t line) {
  const std::string& contact = std::get<std::string>(row.values[spec_.FieldIndex("contact_id")]);
  const Value& stage = row.values[spec_.FieldIndex("stage")];
  const Value& at = row.values[spec_.FieldIndex("entered_at")];
  auto& contacts = refs_[static_cast<size_t>(internal::Target::kContact)];
  SetId(lifecycle_params_[0], contacts->Find(row.source_system, contact));
  internal::SetText(lifecycle_params_[1], row.source_system);
  internal::SetText(lifecycle_params_[2], contact);
  lifecycle_params_[3] = stage;
  lifecycle_params_[4] = at;
  queued_lines_.push_back({line, line});
  if (auto queued = lifecycle_insert_->ExecuteQueued(lifecycle_params_); !queued) {
    return WriteError(std::move(queued).error(), line);
  }
  key_buffer_.assign(row.source_system).push_back('\x1f');
  key_buffer_.append(contact).push_back('\x1f');
  key_buffer_.append(store::AsText(stage)).push_back('\x1f');
  key_buffer_.append(store::AsText(at));
  if (!lifecycle_seen_.insert(key_buffer_).second) {
    ++summary_.duplicates;
    if (summary_.duplicate_lines.size() < kDuplicateLinesInSummary) {
      summary_.duplicate_lines.push_back(line);
    }
  } else {
    ++lifecycle_distinct_;
  }
  return {};
}

core::Status Importer::RejectRow(int64_t line, std::span<const CellProblem> problems) {
  if (options_.strict) {
    const CellProblem& p = problems.front();
    const bool show_value = !p.value.empty() && p.reason.find(p.value) == std::string::npos;
    core::Error e = core::MakeError(
        ErrorCode::kInvalidArgument,
        fmt::format("{}{} (--strict: nothing was imported)", p.reason,
                    show_value ? fmt::format(" (value '{}')", p.value) : std::string()));
    if (p.column > 0 && static_cast<size_t>(p.column) <= headers_.size()) {
      e.field = headers_[p.column - 1];
    }
    return core::Fail(std::move(e).At(name_, line, p.column));
  }
  ++summary_.rejected;
  for (const CellProblem& p : problems) {
    Reject r = WriteProblem(line, p, rejects_);
    if (summary_.rejects.size() < kRejectsInSummary) summary_.rejects.push_back(std::move(r));
  }
  return {};
}

Reject Importer::WriteProblem(int64_t line, const CellProblem& p, core::CsvWriter& out) const {
  Reject r;
  r.line = line;
  r.column = p.column;
  r.value = p.value;
  r.reason = p.reason;
  if (p.column > 0 && static_cast<size_t>(p.column) <= headers_.size()) {
    r.field = headers_[p.column - 1];
  }
  out.Field(line);
  out.Field(p.column);
  out.Field(r.field);
  out.Field(r.value);
  out.Field(r.reason);
  out.EndRow();
  return r;
}

void Importer::NoteDamage(int64_t line, std::span<const CellProblem> damage) {
  for (const CellProblem& p : damage) {
    ++summary_.damaged;
    Reject r = WriteProblem(line, p, damage_);
    if (summary_.damage.size() < kRejectsInSummary) summary_.damage.push_back(std::move(r));
  }
}

core::Status Importer::SurveyColumns(std::string_view csv, const internal::Mapping& mapping,
                                     core::DateFormat order, internal::RowConverter& converter) {
  internal::ColumnSurvey survey(spec_, mapping);
  if (survey.empty()) return {};
  // A reader of its own over the same (mapped) text: records that do not
  // parse are skipped here; the import proper reports them.
  core::CsvOptions csv_options;
  csv_options.trim_fields = true;
  csv_options.file_name = name_;
  csv_options.first_line = summary_.header_line;
  core::CsvReader reader(csv.substr(header_offset_), csv_options);
  std::vector<std::string_view> record;
  bool header = true;
  while (true) {
    auto more = reader.Next(record);
    if (!more) continue;
    if (!*more) break;
    if (header) {
      header = false;
      continue;
    }
    // The same rows as the import proper (no counting: it counts them).
    if (core::IsTotalsRow(record, totals_)) continue;
    survey.Add(record, reader.record_line());
  }
  MOPS_ASSIGN_OR_RETURN(internal::ColumnPlan plan,
                        survey.Finish(order, headers_, name_, summary_.warnings));
  converter.SetColumnPlan(std::move(plan));
  return {};
}

core::Status Importer::WriteWarningsFile() {
  const std::string& path = summary_.warnings_path;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return core::Fail(ErrorCode::kIo, "cannot write warnings file '{}': {}", path,
                      std::strerror(errno));
  }
  out << "line,column,field,value,reason\n" << damage_.data();
  out.close();
  if (!out) return core::Fail(ErrorCode::kIo, "cannot write warnings file '{}'", path);
  return {};
}

// `text` with U+FFFD for each byte that does not start a valid UTF-8
// sequence: a file name may be any bytes, and PostgreSQL stores UTF-8 only.
std::string ReplaceInvalidUtf8(std::string_view text) {
  if (core::IsValidUtf8(text)) return std::string(text);
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80 ? 1 : lead >> 5 == 0x6 ? 2 : lead >> 4 == 0xE ? 3 : 4;
    if (i + length <= text.size() && core::IsValidUtf8(text.substr(i, length))) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

// The `crm` config (stored, or given with the import and stored in its
// transaction) and the column that dates campaign members.
core::Status Importer::ApplyCrmOptions(internal::Mapping& mapping) {
  std::string text = options_.crm_config_text;
  std::string name = "crm config";
  if (text.empty() && !options_.crm_config_path.empty()) {
    MOPS_ASSIGN_OR_RETURN(text, core::ReadFile(options_.crm_config_path));
    name = options_.crm_config_path;
  }
  if (!text.empty()) {
    MOPS_ASSIGN_OR_RETURN(crm_config_, internal::ParseCrmConfig(text, name));
    crm_config_text_ = std::move(text);
    crm_config_name_ = std::move(name);
  } else {
    MOPS_ASSIGN_OR_RETURN(crm_config_, internal::LoadCrmConfig(db_));
  }
  if (spec_.kind != Kind::kCampaignMembers) return {};
  const bool given = !options_.member_date_column.empty();
  const std::string& column = given ? options_.member_date_column : crm_config_.member_date_column;
  if (column.empty()) return {};
  if (!internal::UseColumnFor(mapping, spec_, headers_, "created_at", column)) {
    if (given) {
      core::Error e = core::MakeError(
          ErrorCode::kParse, fmt::format("member date column '{}' is not in the header", column));
      return core::Fail(std::move(e).At(name_, summary_.header_line));
    }
    mapping.warnings.push_back(fmt::format(
        "member date column '{}' (crm config) is not in the file: members are dated by their "
        "creation",
        column));
  }
  return {};
}

core::Status Importer::WriteAudit() {
  nlohmann::json after = summary_.ToJson();
  after.erase("rejects");
  MOPS_TRY(db_.Execute(
      "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, "
      "after) VALUES (?, ?, 'import', ?, ?, NULL, ?)",
      std::vector<Value>{int64_t{core::NowUtc()}, options_.actor, std::string(spec_.table),
                         ReplaceInvalidUtf8(name_),
                         after.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)}));
  return {};
}

core::Status Importer::WriteRejectsFile() {
  const std::string& path = summary_.rejects_path;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return core::Fail(ErrorCode::kIo, "cannot write rejects file '{}': {}", path,
                      std::strerror(errno));
  }
  out << "line,column,field,value,reason\n" << rejects_.data();
  out.close();
  if (!out) return core::Fail(ErrorCode::kIo, "cannot write rejects file '{}'", path);
  return {};
}

core::Result<ImportSummary> Importer::Run(std::string_view csv,
                                          const internal::CustomMapping* custom,
                                          const ProgressFn& progress) {
  const auto started = std::chrono::steady_clock::now();
  internal::PhaseClock phases(&summary_.phases);
  summary_.kind = spec_.kind;
  summary_.table = std::string(spec_.table);
  summary_.file = name_;

  if (core::Trim(csv).empty() || core::Trim(csv) == "\xEF\xBB\xBF") {
    core::Error e = core::MakeError(ErrorCode::kParse, "empty file (no header line)");
    return core::Fail(std::move(e).At(name_, 1));
  }
  core::CsvOptions csv_options;
  csv_options.trim_fields = true;
  csv_options.file_name = name_;
  std::optional<core::CsvReader> reader_storage;
  reader_storage.emplace(csv, csv_options);
  std::vector<std::string_view> record;
  MOPS_ASSIGN_OR_RETURN(bool has_header, reader_storage->Next(record));
  if (!has_header) {
    core::Error e = core::MakeError(ErrorCode::kParse, "empty file (no header line)");
    return core::Fail(std::move(e).At(name_, 1));
  }
  for (std::string_view h : record) headers_.emplace_back(core::Trim(h));

  Preset preset = options_.preset;
  if (custom != nullptr) preset = Preset::kMapping;
  auto mapped = internal::MapColumns(spec_.kind, headers_, preset, custom, name_);
  if (!mapped && mapped.error().code == ErrorCode::kParse) {
    // A report export: title, filter and blank lines above the header. The
    // header is the first line that maps; the reader starts there and counts
    // the file's own lines.
    const auto found = core::FindHeaderLine(
        csv, kHeaderSearchLines, [&](std::span<const std::string_view> fields) {
          std::vector<std::string> labels(fields.begin(), fields.end());
          return internal::MapColumns(spec_.kind, labels, preset, custom, name_).has_value();
        });
    if (found && found->line > 1) {
      summary_.header_line = found->line;
      summary_.title_lines = found->skipped_lines;
      header_offset_ = found->offset;
      csv_options.first_line = found->line;
      csv_options.delimiter = found->delimiter;
      reader_storage.emplace(csv.substr(found->offset), csv_options);
      MOPS_ASSIGN_OR_RETURN(has_header, reader_storage->Next(record));
      headers_.clear();
      for (std::string_view h : record) headers_.emplace_back(core::Trim(h));
      mapped = internal::MapColumns(spec_.kind, headers_, preset, custom, name_);
    }
  }
  if (!mapped) return std::unexpected(std::move(mapped).error());
  internal::Mapping mapping = std::move(*mapped);
  core::CsvReader& reader = *reader_storage;
  summary_.delimiter = reader.delimiter();
  // Totals rows: a totals label in one of the first three cells, the key
  // columns empty (or the label), every other value a number.
  totals_.label_columns = 3;
  totals_.numbers_only = true;
  if (!mapping.synth_key) {
    for (size_t i = 0; i < spec_.fields.size(); ++i) {
      if (spec_.fields[i].role == Role::kKey)
        totals_.key_columns.push_back(mapping.field_column[i]);
    }
  } else {
    for (std::string_view f :
         mapping.synth_key_fields.empty() ? spec_.synth_key : mapping.synth_key_fields) {
      totals_.key_columns.push_back(mapping.field_column[spec_.FieldIndex(f)]);
    }
  }
  MOPS_TRY(ApplyCrmOptions(mapping));
  summary_.preset = mapping.preset;
  summary_.preset_detected = mapping.detected;
  summary_.unmapped_columns = mapping.unmapped;
  summary_.warnings = mapping.warnings;
  if (!options_.source_system.empty()) {
    summary_.source_system = options_.source_system;
  } else if (custom != nullptr && !custom->source_system.empty()) {
    summary_.source_system = custom->source_system;
  } else {
    summary_.source_system = std::string(internal::PresetSourceSystem(mapping.preset));
  }
  // It is stored and goes into JSON (the summary, the audit entry).
  if (!core::IsValidUtf8(summary_.source_system)) {
    return core::Fail(ErrorCode::kInvalidArgument, "source_system is not valid UTF-8");
  }
  core::DateFormat date_format = options_.date_format;
  if (!options_.date_format_set && custom != nullptr && custom->date_format) {
    date_format = *custom->date_format;
  }
  // The order of date columns whose values do not tell it.
  core::DateFormat order = options_.date_order;
  if (order == core::DateFormat::kAuto && custom != nullptr && custom->date_order) {
    order = *custom->date_order;
  }
  if (order == core::DateFormat::kAuto) order = date_format;
  if (date_format == core::DateFormat::kIso || date_format == core::DateFormat::kEpoch) {
    order = date_format;
  } else if (order == core::DateFormat::kYmd || order == core::DateFormat::kIso) {
    date_format = order;
  }
  const bool per_row_source = mapping.field_column[spec_.FieldIndex("source_system")] >= 0;

  internal::RowConverter converter(spec_, mapping, date_format, summary_.source_system);
  {
    const std::string decimal =
        !options_.decimal.empty() || custom == nullptr ? options_.decimal : custom->decimal;
    const std::string thousands =
        !options_.thousands.empty() || custom == nullptr ? options_.thousands : custom->thousands;
    MOPS_ASSIGN_OR_RETURN(core::NumberFormat numbers, core::ParseNumberFormat(decimal, thousands));
    converter.SetNumberFormat(numbers);
  }
  converter.SetSalesforceIds(mapping.preset == Preset::kSalesforce);
  // Touchpoints without a channel get the workspace's rules, loaded once.
  std::optional<ChannelRules> channel_rules;
  if (spec_.kind == Kind::kTouchpoints) {
    MOPS_ASSIGN_OR_RETURN(ChannelRules rules, LoadChannelRules(db_));
    channel_rules.emplace(std::move(rules));
    converter.SetChannelRules(&*channel_rules);
  }
  phases.Mark("header and mapping");
  MOPS_TRY(SurveyColumns(csv, mapping, order, converter));
  phases.Mark("date survey");
  const int64_t total_lines = core::CountLines(csv);
  phases.Mark("count lines");

  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db_));
  MOPS_TRY(Prepare(mapping, converter.written(), per_row_source));
  // A file larger than the table: the indexes on the columns it writes are
  // built once at the end (the statements prepared above prepare again).
  store::DeferredIndexes deferred;
  internal::DeferredInsertTriggers deferred_triggers;
  if (spec_.kind != Kind::kLifecycleHistory) {
    MOPS_ASSIGN_OR_RETURN(bool defer, internal::WorthDeferring(db_, spec_.table, total_lines - 1));
    if (defer) {
      MOPS_TRY(deferred.Defer(db_, spec_.table, upsert_.columns()));
      MOPS_TRY(deferred_triggers.Defer(db_, spec_.table));
    }
  }
  if (!crm_config_text_.empty()) {
    MOPS_TRY(internal::SaveCrmConfig(db_, crm_config_text_, crm_config_name_, options_.actor));
  }
  phases.Mark("prepare (key and reference indexes)");

  if (spec_.kind == Kind::kLifecycleHistory) {
    MOPS_TRY(ParseAndWriteLifecycle(reader, converter, progress, total_lines));
    MOPS_TRY(FlushQueued());
    // A distinct row that added nothing was there already (ON CONFLICT DO
    // NOTHING); a repeated one never adds a row. (On PostgreSQL an import of
    // lifecycle rows committed meanwhile by another connection would count.)
    MOPS_ASSIGN_OR_RETURN(Value after, db_.QueryValue("SELECT COUNT(*) FROM lifecycle_history"));
    summary_.imported = store::AsInt(after) - lifecycle_before_;
    summary_.updated = lifecycle_distinct_ - summary_.imported;
  } else {
    MOPS_TRY(ParseAndWrite(reader, converter, progress, total_lines));
    MOPS_TRY(EndNewRows());
    MOPS_TRY(FlushQueued());
    MOPS_TRY(LinkCompanyContacts());
  }
  if (company_account_ids_ > 0) {
    std::vector<std::string> lines;
    for (int64_t l : company_account_id_lines_) lines.push_back(std::to_string(l));
    summary_.warnings.push_back(fmt::format(
        "{} {} an account id in the company column (line{} {}{}): taken as the account where "
        "the row named none, and not kept as a company name",
        company_account_ids_, company_account_ids_ == 1 ? "row has" : "rows have",
        lines.size() == 1 ? "" : "s", core::Join(lines, ", "),
        company_account_ids_ > static_cast<int64_t>(lines.size()) ? ", ..." : ""));
  }
  phases.Mark("parse, convert and write rows");
  summary_.phases.push_back({"  of which parsing thread CPU", 0, parser_cpu_seconds_});
  if (deferred_triggers.active()) {
    MOPS_TRY(deferred_triggers.Restore(db_));
    phases.Mark("apply the deferred insert triggers");
  }
  if (deferred.active()) {
    MOPS_TRY(deferred.Restore(db_));
    phases.Mark("create the deferred indexes");
  }

  if (stages_.imported + stages_.updated > 0) {
    summary_.related.push_back({"lifecycle_history", stages_.imported, stages_.updated});
  }
  if (deal_contacts_count_.imported + deal_contacts_count_.updated > 0) {
    summary_.related.push_back(
        {"opportunity_contacts", deal_contacts_count_.imported, deal_contacts_count_.updated});
  }
  if (leads_.imported + leads_.updated > 0) {
    summary_.related.push_back({"identities", leads_.imported, leads_.updated});
  }

  MOPS_TRY(internal::ResolvePending(db_, spec_.kind, upsert_.owner_misses() > 0));
  phases.Mark("resolve pending references");
  std::vector<ImportPhase> crm_steps;
  MOPS_TRY(internal::DeriveCrmTouches(db_, spec_.kind, mapping.preset, summary_.source_system,
                                      crm_config_, summary_.crm, &crm_steps));
  phases.Mark("derive CRM touches");
  for (ImportPhase& p : crm_steps) {
    p.name = "  " + p.name;
    summary_.phases.push_back(std::move(p));
  }
  MOPS_ASSIGN_OR_RETURN(summary_.unresolved, internal::CountUnresolved(db_, spec_.kind));
  phases.Mark("count unresolved");
  summary_.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (summary_.rejected > 0 && !options_.rejects_path.empty()) {
    summary_.rejects_path = options_.rejects_path;
  }
  if (summary_.damaged > 0 && !options_.warnings_path.empty()) {
    summary_.warnings_path = options_.warnings_path;
  }
  MOPS_TRY(WriteAudit());
  if (!summary_.rejects_path.empty()) MOPS_TRY(WriteRejectsFile());
  if (!summary_.warnings_path.empty()) MOPS_TRY(WriteWarningsFile());
  phases.Mark("audit, rejects and warnings files");
  if (auto committed = tx.Commit(); !committed) {
    if (!summary_.rejects_path.empty()) std::remove(summary_.rejects_path.c_str());
    if (!summary_.warnings_path.empty()) std::remove(summary_.warnings_path.c_str());
    return std::unexpected(std::move(committed).error());
  }
  phases.Mark("commit");
  // A rejects or warnings file from an earlier run of the same file would mislead.
  if (summary_.rejected == 0 && !options_.rejects_path.empty()) {
    std::error_code ignored;
    std::filesystem::remove(options_.rejects_path, ignored);
  }
  if (summary_.damaged == 0 && !options_.warnings_path.empty()) {
    std::error_code ignored;
    std::filesystem::remove(options_.warnings_path, ignored);
  }
  if (progress) progress(total_lines, total_lines);
  summary_.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return std::move(summary_);
}

core::Result<ImportSummary> ImportImpl(store::Database& db, Kind kind, std::string_view name,
                                       std::string_view csv, const ImportOptions& options,
                                       const ProgressFn& progress) {
  std::optional<internal::CustomMapping> custom;
  if (!options.mapping_text.empty() || !options.mapping_path.empty() ||
      options.preset == Preset::kMapping) {
    if (options.preset == Preset::kCanonical) {
      return core::Fail(ErrorCode::kInvalidArgument,
                        "a mapping file builds on preset salesforce or hubspot, not canonical "
                        "(unlisted columns already map by their canonical names)");
    }
    std::string text = options.mapping_text;
    const std::string mapping_name =
        options.mapping_path.empty() ? std::string("mapping") : options.mapping_path;
    if (text.empty() && !options.mapping_path.empty()) {
      MOPS_ASSIGN_OR_RETURN(text, core::ReadFile(options.mapping_path));
    }
    MOPS_ASSIGN_OR_RETURN(custom, internal::ParseMappingYaml(text, mapping_name));
    MOPS_TRY(internal::ValidateMapping(*custom, kind));
    // --preset beside --map: the file's columns override the preset's.
    if (options.preset == Preset::kSalesforce || options.preset == Preset::kHubspot) {
      if (custom->preset != Preset::kMapping && custom->preset != options.preset) {
        return core::Fail(ErrorCode::kInvalidArgument,
                          "{}: the mapping file builds on preset {}, not {}", mapping_name,
                          PresetName(custom->preset), PresetName(options.preset));
      }
      custom->preset = options.preset;
    }
  }
  Importer importer(db, kind, name, options);
  return importer.Run(csv, custom ? &*custom : nullptr, progress);
}

std::string Plural(int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// The lines of the CRM touch derivation in an import's text summary.
std::string CrmText(const CrmReport& crm) {
  if (!crm.ran) return {};
  std::string out;
  if (!crm.touches.empty()) {
    std::vector<std::string> parts;
    for (const CrmReport::TouchCount& t : crm.touches) {
      parts.push_back(fmt::format("{} {} ({} new)", t.type, t.total, t.added));
    }
    out += fmt::format("touches from CRM objects: {}\n", core::Join(parts, ", "));
  }
  if (!crm.unknown_campaign_types.empty()) {
    out += fmt::format("warning: campaign types no channel rule knows (channel other): {}\n",
                       core::Join(crm.unknown_campaign_types, ", "));
  }
  if (!crm.unknown_sources.empty()) {
    out += fmt::format("warning: lead sources no channel rule knows (channel other): {}\n",
                       core::Join(crm.unknown_sources, ", "));
  }
  for (const std::string& w : crm.lifecycle_warnings) out += fmt::format("warning: {}\n", w);
  if (crm.opportunities > 0) {
    out += fmt::format("opportunities without any touch: {} of {} ({} won)\n",
                       crm.opportunities_without_touch, crm.opportunities, crm.won_without_touch);
  }
  return out;
}

nlohmann::json CrmJson(const CrmReport& crm) {
  nlohmann::json touches = nlohmann::json::array();
  for (const CrmReport::TouchCount& t : crm.touches) {
    touches.push_back({{"type", t.type}, {"total", t.total}, {"added", t.added}});
  }
  return {{"touches", std::move(touches)},
          {"unknown_campaign_types", crm.unknown_campaign_types},
          {"unknown_sources", crm.unknown_sources},
          {"lifecycle_warnings", crm.lifecycle_warnings},
          {"opportunities", crm.opportunities},
          {"opportunities_without_touch", crm.opportunities_without_touch},
          {"won_without_touch", crm.won_without_touch}};
}

std::string Quoted(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const std::string& s : items) quoted.push_back("'" + s + "'");
  return core::Join(quoted, ", ");
}

}  // namespace

core::Result<ImportSummary> ImportCsvText(store::Database& db, Kind kind, std::string_view name,
                                          std::string_view csv, const ImportOptions& options,
                                          ProgressFn progress) {
  return ImportImpl(db, kind, name, csv, options, progress);
}

core::Result<ImportSummary> ImportFile(store::Database& db, Kind kind, const std::string& path,
                                       const ImportOptions& options, ProgressFn progress) {
  ImportOptions with_rejects = options;
  if (with_rejects.rejects_path.empty()) with_rejects.rejects_path = path + ".rejects.csv";
  if (with_rejects.warnings_path.empty()) with_rejects.warnings_path = path + ".warnings.csv";
  // A directory (or anything but a file or a pipe) is named with the reason
  // before anything tries to read it.
  std::error_code status_error;
  const auto status = std::filesystem::status(path, status_error);
  if (status_error && status_error != std::errc::no_such_file_or_directory) {
    return core::Fail(
        core::MakeError(ErrorCode::kIo, fmt::format("cannot read file: {}", status_error.message()))
            .At(path));
  }
  if (std::filesystem::is_directory(status)) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      "cannot import a directory (give one CSV file per import)")
                          .At(path));
  }
  // A regular file is mapped rather than copied into memory: a 2 GB export
  // then costs page cache, not 2 GB of heap. Anything else (a pipe, an empty
  // file) is read.
  if (core::MappedFile mapped; mapped.Open(path)) {
    return ImportImpl(db, kind, path, mapped.text(), with_rejects, progress);
  }
  MOPS_ASSIGN_OR_RETURN(std::string csv, core::ReadFile(path));
  return ImportImpl(db, kind, path, csv, with_rejects, progress);
}

std::string ImportSummary::ToText() const {
  std::string out = fmt::format("imported {}, updated {}, unchanged {}, rejected {}\n", imported,
                                updated, unchanged, rejected);
  out += fmt::format("file: {}, {}, into {} (preset {}{}; source_system {})\n", file,
                     Plural(rows, "row", "rows"), table, PresetName(preset),
                     preset_detected ? ", detected" : "", source_system);
  if (rejected > 0) {
    out += rejects_path.empty()
               ? fmt::format("rejects: {}\n", Plural(rejected, "row", "rows"))
               : fmt::format("rejects: {} (line, column, field, value, reason)\n", rejects_path);
    const size_t shown = std::min<size_t>(rejects.size(), 5);
    for (size_t i = 0; i < shown; ++i) {
      const Reject& r = rejects[i];
      out += fmt::format("  line {}{}{}: {}\n", r.line,
                         r.column > 0 ? fmt::format(", column {}", r.column) : "",
                         r.field.empty() ? "" : fmt::format(" ({})", r.field), r.reason);
    }
    if (rejected > static_cast<int64_t>(shown)) {
      out += fmt::format("  ... see the rejects file\n");
    }
  }
  if (damaged > 0) {
    out += warnings_path.empty()
               ? fmt::format("precision lost: {} (kept, flagged, not used for matching)\n",
                             Plural(damaged, "value", "values"))
               : fmt::format(
                     "precision lost: {} (kept, flagged, not used for matching), listed in {}\n",
                     Plural(damaged, "value", "values"), warnings_path);
    const size_t shown = std::min<size_t>(damage.size(), 5);
    for (size_t i = 0; i < shown; ++i) {
      const Reject& r = damage[i];
      out += fmt::format("  line {}, column {}{}: '{}': {}\n", r.line, r.column,
                         r.field.empty() ? "" : fmt::format(" ({})", r.field), r.value, r.reason);
    }
  }
  if (duplicates > 0) {
    std::vector<std::string> lines;
    for (int64_t l : duplicate_lines) lines.push_back(std::to_string(l));
    out += fmt::format(
        "duplicates: {} with a key seen earlier in the file (the last wins), at "
        "line {}{}\n",
        Plural(duplicates, "row", "rows"), core::Join(lines, ", "),
        duplicates > static_cast<int64_t>(lines.size()) ? ", ..." : "");
  }
  if (header_line > 1) {
    std::vector<std::string> lines;
    for (int64_t l : title_lines) lines.push_back(std::to_string(l));
    out += fmt::format("header at line {}: {} above it skipped (report title{})\n", header_line,
                       Plural(static_cast<int64_t>(title_lines.size()), "line", "lines"),
                       lines.empty() ? "" : ", line " + core::Join(lines, ", "));
  }
  if (totals_rows > 0) {
    std::vector<std::string> lines;
    for (int64_t l : totals_lines) lines.push_back(std::to_string(l));
    out += fmt::format("totals rows skipped: {} at line {}{}\n", Plural(totals_rows, "row", "rows"),
                       core::Join(lines, ", "),
                       totals_rows > static_cast<int64_t>(lines.size()) ? ", ..." : "");
  }
  for (const RelatedCounts& r : related) {
    out += fmt::format("also {}: {} new, {} already present\n", r.table, r.imported, r.updated);
  }
  if (!unmapped_columns.empty()) {
    out += fmt::format("warning: columns ignored (no field): {}\n", Quoted(unmapped_columns));
  }
  for (const std::string& w : warnings) out += fmt::format("warning: {}\n", w);
  out += CrmText(crm);
  if (unresolved.empty()) {
    out += "references: all resolved\n";
  } else {
    std::vector<std::string> parts;
    for (const UnresolvedRef& u : unresolved) {
      parts.push_back(fmt::format("{}.{}: {} unresolved", u.table, u.field, u.count));
    }
    out += fmt::format("references: {}\n", core::Join(parts, ", "));
  }
  out += fmt::format("time: {:.2f} s\n", seconds);
  return out;
}

nlohmann::json ImportSummary::ToJson() const {
  nlohmann::json j;
  j["kind"] = std::string(KindName(kind));
  j["table"] = table;
  j["file"] = file;
  j["preset"] = std::string(PresetName(preset));
  j["preset_detected"] = preset_detected;
  j["source_system"] = source_system;
  j["rows"] = rows;
  j["imported"] = imported;
  j["updated"] = updated;
  j["unchanged"] = unchanged;
  j["rejected"] = rejected;
  j["damaged"] = damaged;
  j["warnings_path"] = warnings_path;
  nlohmann::json dj = nlohmann::json::array();
  for (const Reject& r : damage) {
    dj.push_back({{"line", r.line},
                  {"column", r.column},
                  {"field", r.field},
                  {"value", r.value},
                  {"reason", r.reason}});
  }
  j["damage"] = std::move(dj);
  j["duplicates"] = duplicates;
  j["duplicate_lines"] = duplicate_lines;
  j["header_line"] = header_line;
  j["title_lines"] = title_lines;
  j["totals_rows"] = totals_rows;
  j["totals_lines"] = totals_lines;
  j["rejects_path"] = rejects_path;
  nlohmann::json rj = nlohmann::json::array();
  for (const Reject& r : rejects) {
    rj.push_back({{"line", r.line},
                  {"column", r.column},
                  {"field", r.field},
                  {"value", r.value},
                  {"reason", r.reason}});
  }
  j["rejects"] = std::move(rj);
  j["unmapped_columns"] = unmapped_columns;
  j["warnings"] = warnings;
  nlohmann::json related_json = nlohmann::json::array();
  for (const RelatedCounts& r : related) {
    related_json.push_back({{"table", r.table}, {"imported", r.imported}, {"updated", r.updated}});
  }
  j["related"] = std::move(related_json);
  nlohmann::json unresolved_json = nlohmann::json::array();
  for (const UnresolvedRef& u : unresolved) {
    unresolved_json.push_back({{"table", u.table}, {"field", u.field}, {"count", u.count}});
  }
  j["unresolved"] = std::move(unresolved_json);
  if (crm.ran) j["crm"] = CrmJson(crm);
  j["seconds"] = seconds;
  return j;
}

}  // namespace mops::ingest
