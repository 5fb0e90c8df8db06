// The touch cache of the workspace rescore (SQLite).
//
// A full rescore used to read every touchpoint (10 per contact) and match the
// engagement rules on each. The cache keeps, per contact, its touches
// as the rules see them: time, id and the set of rules each matches, encoded
// in a compact string (a count, then per touch the differences of time and id
// with the touch before and the rule set's words, all as varints), so a
// rescore reads one short row per contact. The state row stamps the cache
// with what the sets depend on (the config's text and, when a rule tests the
// campaign, the campaigns' names) and with `hwm`, the highest touch id it
// holds. A rescore then:
//  1. sets `pending` to the newest touch id H (so the triggers of migration 28
//     log, from now on, every write to a touch up to H and every contact that
//     appears) and notes the last logged change C;
//  2. reads the contacts, the cache rows, the touches with ids in (hwm, H] and,
//     for the contacts logged up to C, all their touches up to H again;
//  3. gives the scorer each contact's touches up to as_of with their sets,
//     exactly what the full load and the rule matching give;
//  4. writes the rows that changed, hwm = H, and clears the changes up to C,
//     unless another rescore has set its own mark since (its write wins).
// A different stamp, no state row, or changes for more than a quarter of the
// contacts: the cache is built again from a full load (the "built" run).
//
// The rows are stored in blocks (lead_touch_blocks, migration 34): one row
// per 1,024 contacts by id, their rows one after the other. SQLite's cost of
// a row (its b-tree cell, its record) was most of the write when a million
// short rows were written: building the cache now writes a thousand long
// ones. A block is written again whole when one of its contacts changes.
#include <algorithm>
#include <chrono>
#include <limits>
#include <numeric>

#include "leads/internal.h"

namespace mops::leads::internal {
namespace {

using store::ColumnType;

constexpr std::string_view kFormat = "leads touch cache 1";

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
uint64_t Zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t Unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

class VarintReader {
 public:
  explicit VarintReader(std::string_view s)
      : p_(reinterpret_cast<const unsigned char*>(s.data())), end_(p_ + s.size()) {}
  uint64_t Next() {
    uint64_t v = 0;
    for (int shift = 0; p_ < end_ && shift < 64; shift += 7) {
      const unsigned char b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok_ = false;
    return 0;
  }
  bool ok() const { return ok_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

 private:
  const unsigned char* p_;
  const unsigned char* end_;
  bool ok_ = true;
};

// Touches with their rule sets, in any order: `words` words per touch.
struct Touches {
  size_t words = 1;
  std::vector<int64_t> contact, id;
  std::vector<Timestamp> at;
  std::vector<uint64_t> sets;
  size_t size() const { return id.size(); }
  // Indexes ordered by contact, time, id.
  std::vector<uint32_t> Order() const {
    std::vector<uint32_t> order(size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
      if (contact[x] != contact[y]) return contact[x] < contact[y];
      return at[x] != at[y] ? at[x] < at[y] : id[x] < id[y];
    });
    return order;
  }
};

// Rule-set words that carry a rule (the rest of the last word is masked off).
std::vector<uint64_t> SetMask(const ScoringConfig& config, size_t words) {
  size_t rules = 0;
  for (const Group& g : config.groups) rules += g.engagement_rules.size();
  std::vector<uint64_t> mask(words, 0);
  for (size_t b = 0; b < rules; ++b) mask[b / 64] |= uint64_t{1} << (b % 64);
  return mask;
}

// Appends the rows of a scan with their rule sets under `config`.
void AppendRows(const ScoringConfig& config, const TouchRows& rows, Touches& out) {
  const Scorer scorer(config, rows.keys);
  const size_t words = out.words;
  const size_t base = out.sets.size();
  out.sets.resize(base + rows.ids.size() * words);
  for (size_t r = 0; r < rows.ids.size(); ++r) {
    scorer.RuleSets(static_cast<int64_t>(r), &out.sets[base + r * words]);
  }
  out.contact.insert(out.contact.end(), rows.contact_ids.begin(), rows.contact_ids.end());
  out.id.insert(out.id.end(), rows.ids.begin(), rows.ids.end());
  out.at.insert(out.at.end(), rows.times.begin(), rows.times.end());
}

// One contact's touches while they are put together.
struct List {
  std::vector<Timestamp> at;
  std::vector<int64_t> id;
  std::vector<uint64_t> sets;
  void Clear() {
    at.clear();
    id.clear();
    sets.clear();
  }
  void Push(Timestamp t, int64_t i, const uint64_t* s, size_t words) {
    at.push_back(t);
    id.push_back(i);
    sets.insert(sets.end(), s, s + words);
  }
  // Into (time, id) order where it is not already.
  void Sort(size_t words) {
    const size_t n = at.size();
    bool sorted = true;
    for (size_t j = 1; j < n && sorted; ++j) {
      sorted = at[j - 1] < at[j] || (at[j - 1] == at[j] && id[j - 1] < id[j]);
    }
    if (sorted) return;
    std::vector<uint32_t> perm(n);
    std::iota(perm.begin(), perm.end(), 0u);
    std::sort(perm.begin(), perm.end(), [&](uint32_t x, uint32_t y) {
      return at[x] != at[y] ? at[x] < at[y] : id[x] < id[y];
    });
    List s;
    for (uint32_t x : perm) s.Push(at[x], id[x], &sets[x * words], words);
    *this = std::move(s);
  }
};

// The cache row of `n` touches in (time, id) order: times, ids and their
// rule sets (`mask.size()` words each).
void EncodeInto(std::string& out, const Timestamp* times, const int64_t* ids, const uint64_t* sets,
                size_t n, const std::vector<uint64_t>& mask) {
  const size_t words = mask.size();
  out.clear();
  out.reserve(n * (6 + words));
  PutVarint(out, n);
  Timestamp at = 0;
  int64_t id = 0;
  for (size_t j = 0; j < n; ++j) {
    PutVarint(out, Zigzag(times[j] - at));
    PutVarint(out, Zigzag(ids[j] - id));
    at = times[j];
    id = ids[j];
    for (size_t w = 0; w < words; ++w) PutVarint(out, sets[j * words + w] & mask[w]);
  }
}
std::string Encode(const List& list, const std::vector<uint64_t>& mask) {
  std::string out;
  EncodeInto(out, list.at.data(), list.id.data(), list.sets.data(), list.at.size(), mask);
  return out;
}

auto Corrupt(int64_t contact_id) {
  return core::Fail(core::MakeError(
      core::ErrorCode::kDatabase,
      fmt::format("lead_touch_blocks: the entry of contact {} does not decode", contact_id)));
}

// Blocks: contact id >> kBlockBits. A block's text is, per contact in id
// order, the difference of its id with the one before (the first with the
// block's first id), the length of its row, and the row.
constexpr int kBlockBits = 10;
int64_t BlockOf(int64_t contact_id) { return contact_id >> kBlockBits; }

void AppendToBlock(std::string& block, int64_t& previous, int64_t contact_id,
                   std::string_view row) {
  PutVarint(block, static_cast<uint64_t>(contact_id - previous));
  PutVarint(block, row.size());
  block.append(row);
  previous = contact_id;
}

auto CorruptBlock(int64_t block) {
  return core::Fail(core::MakeError(
      core::ErrorCode::kDatabase,
      fmt::format("lead_touch_blocks: the block of contacts {} to {} does not decode",
                  block << kBlockBits, ((block + 1) << kBlockBits) - 1)));
}

// The blocks' rows as contact ids and views into the blocks' texts, in id
// order (the blocks come in block order).
core::Status SplitBlocks(const std::vector<int64_t>& blocks, const std::vector<std::string>& texts,
                         std::vector<int64_t>& ids, std::vector<std::string_view>& rows) {
  for (size_t b = 0; b < blocks.size(); ++b) {
    const std::string_view text = texts[b];
    int64_t id = blocks[b] << kBlockBits;
    size_t at = 0;
    bool first = true;
    while (at < text.size()) {
      VarintReader head(text.substr(at));
      const uint64_t delta = head.Next();
      const uint64_t length = head.Next();
      const size_t start = text.size() - head.remaining();
      if (!head.ok() || (delta == 0 && !first) || length > text.size() - start ||
          BlockOf(id + static_cast<int64_t>(delta)) != blocks[b]) {
        return CorruptBlock(blocks[b]);
      }
      id += static_cast<int64_t>(delta);
      ids.push_back(id);
      rows.push_back(text.substr(start, length));
      at = start + length;
      first = false;
    }
  }
  return {};
}

// Decodes a cached row into `list`.
core::Status Decode(std::string_view blob, int64_t contact_id, size_t words, List& list) {
  VarintReader r(blob);
  const uint64_t n = r.Next();
  if (!r.ok() || n > blob.size()) return Corrupt(contact_id);
  Timestamp at = 0;
  int64_t id = 0;
  uint64_t set[8];
  std::vector<uint64_t> big(words > 8 ? words : 0);
  uint64_t* s = words > 8 ? big.data() : set;
  for (uint64_t j = 0; j < n; ++j) {
    at += Unzigzag(r.Next());
    id += Unzigzag(r.Next());
    for (size_t w = 0; w < words; ++w) s[w] = r.Next();
    list.Push(at, id, s, words);
  }
  if (!r.ok()) return Corrupt(contact_id);
  return {};
}

// What the sets depend on besides the touches: the config's text, the rule
// sets' width and, when a rule tests the campaign, the campaigns' names.
core::Result<std::string> Stamp(store::Database& db, const ScoringConfig& config, size_t words) {
  std::string stamp = fmt::format("{}\nwords {}\n", kFormat, words);
  if ((NeedsOf(config).keys >> static_cast<int>(TouchKey::kCampaign)) & 1u) {
    const ColumnType types[] = {ColumnType::kInt, ColumnType::kText};
    MOPS_ASSIGN_OR_RETURN(auto cp,
                          db.ScanColumns("SELECT id, name FROM campaigns ORDER BY id", {}, types));
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    auto mix = [&](std::string_view s) {
      for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ull;
      h = (h ^ 0xff) * 1099511628211ull;
    };
    for (size_t r = 0; r < cp[0].size(); ++r) {
      mix(std::to_string(cp[0].ints[r]));
      mix(cp[1].nulls[r] ? std::string_view("\x01null") : std::string_view(cp[1].texts[r]));
    }
    stamp += fmt::format("campaigns {} {:016x}\n", cp[0].size(), h);
  }
  stamp += config.body;
  return stamp;
}

}  // namespace

core::Result<ScoringInput> LoadWithTouchCache(store::Database& db, const ScoringConfig& config,
                                              Timestamp as_of, int parts, ScoreRunReport& report,
                                              TouchCacheWrite& write) {
  ScoringNeeds needs = NeedsOf(config);
  if (db.dialect() != store::Dialect::kSqlite) {
    report.touch_cache = "off";
    return LoadScoringInput(db, as_of, parts, {}, needs);
  }
  const ScoringInput no_touches = ScoringInput::Empty();
  const size_t words = Scorer(config, no_touches).words();
  const std::vector<uint64_t> mask = SetMask(config, words);
  MOPS_ASSIGN_OR_RETURN(const std::string stamp, Stamp(db, config, words));

  // 1. The mark: from here on the triggers log writes to touches up to H.
  int64_t high = 0, hwm = -1, last_change = 0;
  bool usable = false;
  {
    MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
    MOPS_ASSIGN_OR_RETURN(store::Value h, db.QueryValue("SELECT MAX(id) FROM touchpoints"));
    high = store::AsInt(h, 0);
    MOPS_ASSIGN_OR_RETURN(store::Value c,
                          db.QueryValue("SELECT MAX(rowid) FROM lead_touch_changes"));
    last_change = store::AsInt(c, 0);
    MOPS_ASSIGN_OR_RETURN(store::Rows state,
                          db.Query("SELECT stamp, hwm FROM lead_touch_cache_state WHERE id = 1"));
    if (!state.rows.empty()) {
      usable = store::AsText(state.rows[0][0]) == stamp;
      hwm = store::AsInt(state.rows[0][1], -1);
    }
    const std::vector<store::Value> mark = {stamp, hwm, high};
    MOPS_TRY(db.Execute(
        "INSERT INTO lead_touch_cache_state (id, stamp, hwm, pending) VALUES (1, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET pending = excluded.pending",
        mark));
    MOPS_TRY(tx.Commit());
  }
  const Timestamp kAll = std::numeric_limits<Timestamp>::max();

  ScoringInput in;
  // Blocks to write: the block and its text ("" deletes the block), and how
  // many contacts' rows changed in them.
  std::vector<std::pair<int64_t, std::string>> blocks;
  int64_t contacts_written = 0;
  bool rebuild = !usable;
  std::vector<int64_t> changed;
  if (!rebuild) {
    ScoringNeeds contacts_only = needs;
    contacts_only.touches = false;
    MOPS_ASSIGN_OR_RETURN(in, LoadScoringInput(db, as_of, parts, {}, contacts_only));
    const ColumnType one[] = {ColumnType::kInt};
    MOPS_ASSIGN_OR_RETURN(
        auto ch, db.ScanColumns(fmt::format("SELECT DISTINCT contact_id FROM lead_touch_changes "
                                            "WHERE rowid <= {} ORDER BY contact_id",
                                            last_change),
                                {}, one));
    changed = std::move(ch[0].ints);
    rebuild = changed.size() >= 4096 && changed.size() * 4 >= in.size();
  }
  if (rebuild) {
    // Built from a full load of every touch up to H (not only up to as_of).
    report.touch_cache = "built";
    MOPS_ASSIGN_OR_RETURN(in, LoadScoringInput(db, kAll, parts, {}, needs, high));
    const Scorer scorer(config, in);
    const size_t m = in.touch_ids.size();
    in.touch_sets.resize(m * words);
    // The rule sets and the blocks, by ranges of blocks in parallel.
    std::vector<size_t> starts;  // each block's first contact, then the end
    for (size_t i = 0; i < in.size(); ++i) {
      if (i == 0 || BlockOf(in.contact_ids[i]) != BlockOf(in.contact_ids[i - 1])) {
        starts.push_back(i);
      }
    }
    starts.push_back(in.size());
    blocks.resize(starts.size() - 1);
    std::vector<int64_t> rows_in(blocks.size(), 0);
    ParallelRanges(blocks.size(), parts, [&](size_t lo, size_t hi) {
      std::string row;
      for (size_t k = lo; k < hi; ++k) {
        const int64_t block = BlockOf(in.contact_ids[starts[k]]);
        blocks[k].first = block;
        int64_t previous = block << kBlockBits;
        for (size_t i = starts[k]; i < starts[k + 1]; ++i) {
          const int64_t b = in.touch_begin[i], e = in.touch_begin[i + 1];
          if (b == e) continue;
          for (int64_t t = b; t < e; ++t) scorer.RuleSets(t, &in.touch_sets[t * words]);
          EncodeInto(row, &in.occurred_at[b], &in.touch_ids[b], &in.touch_sets[b * words],
                     static_cast<size_t>(e - b), mask);
          AppendToBlock(blocks[k].second, previous, in.contact_ids[i], row);
          ++rows_in[k];
        }
      }
    });
    // The table is emptied first: a block without rows is not written.
    std::erase_if(blocks, [](const auto& b) { return b.second.empty(); });
    for (int64_t r : rows_in) contacts_written += r;
    // Only the touches up to as_of, as a load as of as_of has them.
    int64_t kept = 0;
    for (size_t i = 0; i < in.size(); ++i) {
      const int64_t b = in.touch_begin[i], e = in.touch_begin[i + 1];
      in.touch_begin[i] = kept;
      for (int64_t t = b; t < e && in.occurred_at[t] <= as_of; ++t, ++kept) {
        in.occurred_at[kept] = in.occurred_at[t];
        in.touch_ids[kept] = in.touch_ids[t];
        std::copy_n(&in.touch_sets[t * words], words, &in.touch_sets[kept * words]);
      }
    }
    in.touch_begin[in.size()] = kept;
    in.occurred_at.resize(kept);
    in.touch_ids.resize(kept);
    in.touch_sets.resize(kept * words);
    for (TextColumn& key : in.touch_keys) key = {};
  } else {
    report.touch_cache = "kept";
    // 2. The cached rows, the new touches, and the changed contacts' touches.
    // The blocks read are those of the contacts scored and of the contacts
    // logged (a block written again must be read whole).
    const ColumnType cache_types[] = {ColumnType::kInt, ColumnType::kText};
    int64_t lo = 0, hi = 0;
    if (in.size() > 0 || !changed.empty()) {
      lo = std::numeric_limits<int64_t>::max();
      hi = std::numeric_limits<int64_t>::min();
      for (const std::vector<int64_t>* ids : {&in.contact_ids, &changed}) {
        if (ids->empty()) continue;
        lo = std::min(lo, BlockOf(ids->front()));
        hi = std::max(hi, BlockOf(ids->back()) + 1);
      }
    }
    MOPS_ASSIGN_OR_RETURN(auto cache, store::ScanColumnsParallel(
                                          db,
                                          "SELECT block, contacts FROM lead_touch_blocks WHERE "
                                          "block >= ? AND block < ? ORDER BY block",
                                          lo, hi, cache_types, std::max(1, parts)));
    std::vector<int64_t> cached_id;
    std::vector<std::string_view> cached;
    MOPS_TRY(SplitBlocks(cache[0].ints, cache[1].texts, cached_id, cached));
    Touches fresh, added;
    fresh.words = added.words = words;
    {
      MOPS_ASSIGN_OR_RETURN(
          TouchRows rows,
          ScanTouchRows(db, fmt::format("t.id > {} AND t.id <= {}", hwm, high), needs));
      AppendRows(config, rows, added);
    }
    // The changed contacts' touches, found by the contact index 500
    // contacts at a time; over two connections (each half of the contacts)
    // when the load has two. Another connection reads what this one would:
    // neither is in a transaction, and the mark bounds the ids.
    {
      constexpr size_t kChunk = 500;
      const size_t halves = parts > 1 && changed.size() >= 2 ? 2 : 1;
      std::vector<Touches> read(halves);
      std::vector<core::Status> status(halves);
      auto read_half = [&](store::Database& conn, size_t h) {
        read[h].words = words;
        const size_t lo = changed.size() * h / halves, hi = changed.size() * (h + 1) / halves;
        for (size_t k = lo; k < hi; k += kChunk) {
          const auto part = std::span<const int64_t>(changed).subspan(k, std::min(kChunk, hi - k));
          auto rows = ScanTouchRows(
              conn, fmt::format("t.id <= {} AND t.contact_id IN ({})", high, IdList(part)), needs);
          if (!rows) {
            status[h] = std::unexpected(std::move(rows).error());
            return;
          }
          AppendRows(config, *rows, read[h]);
        }
      };
      if (halves == 2) {
        MOPS_ASSIGN_OR_RETURN(std::unique_ptr<store::Database> other, db.OpenAnother());
        std::jthread second(read_half, std::ref(*other), size_t{1});
        read_half(db, 0);
      } else {
        read_half(db, 0);
      }
      for (core::Status& st : status) MOPS_TRY(st);
      for (Touches& t : read) {
        fresh.contact.insert(fresh.contact.end(), t.contact.begin(), t.contact.end());
        fresh.id.insert(fresh.id.end(), t.id.begin(), t.id.end());
        fresh.at.insert(fresh.at.end(), t.at.begin(), t.at.end());
        fresh.sets.insert(fresh.sets.end(), t.sets.begin(), t.sets.end());
      }
    }
    report.cache_new_touches = static_cast<int64_t>(added.size());
    report.cache_changed_contacts = static_cast<int64_t>(changed.size());
    const std::vector<uint32_t> fresh_order = fresh.Order();
    const std::vector<uint32_t> added_order = added.Order();

    // 3. Each contact's touches: fresh when it changed, else the cached ones
    // and the new ones.
    // By ranges of contacts in parallel, each into its own arrays, then
    // put together in contact order.
    const size_t n = in.size();
    struct Part {
      std::vector<Timestamp> at;
      std::vector<int64_t> id;
      std::vector<uint64_t> sets;
      std::vector<std::pair<int64_t, std::string>> writes;
      int64_t corrupt = -1;  // a contact whose row does not decode
    };
    const size_t part_count =
        std::clamp<size_t>(static_cast<size_t>(std::max(1, parts)), 1, std::max<size_t>(1, n / 64));
    const size_t step = (n + part_count - 1) / part_count;
    std::vector<Part> out(part_count);
    in.touch_begin.assign(n + 1, 0);
    auto merge = [&](size_t p) {
      const size_t lo = std::min(n, p * step), hi = std::min(n, lo + step);
      if (lo == hi) return;
      Part& part = out[p];
      const int64_t first = in.contact_ids[lo];
      size_t c = std::lower_bound(cached_id.begin(), cached_id.end(), first) - cached_id.begin();
      size_t f = std::partition_point(fresh_order.begin(), fresh_order.end(),
                                      [&](uint32_t x) { return fresh.contact[x] < first; }) -
                 fresh_order.begin();
      size_t a = std::partition_point(added_order.begin(), added_order.end(),
                                      [&](uint32_t x) { return added.contact[x] < first; }) -
                 added_order.begin();
      size_t ch = std::lower_bound(changed.begin(), changed.end(), first) - changed.begin();
      // Sized for the cached touches of the range (cut to as_of below).
      size_t bound = 0;
      for (size_t r = c; r < cached_id.size() && cached_id[r] <= in.contact_ids[hi - 1]; ++r) {
        VarintReader header(cached[r]);
        bound += std::min<size_t>(header.Next(), cached[r].size());
      }
      part.at.reserve(bound);
      part.id.reserve(bound);
      part.sets.reserve(bound * words);
      auto keep = [&](Timestamp t, int64_t touch, const uint64_t* set) {
        part.at.push_back(t);
        part.id.push_back(touch);
        part.sets.insert(part.sets.end(), set, set + words);
      };
      List list;
      uint64_t set[8];
      std::vector<uint64_t> big(words > 8 ? words : 0);
      uint64_t* sp = words > 8 ? big.data() : set;
      for (size_t i = lo; i < hi; ++i) {
        const int64_t id = in.contact_ids[i];
        in.touch_begin[i] = static_cast<int64_t>(part.at.size());  // within the part
        while (c < cached_id.size() && cached_id[c] < id) ++c;
        while (f < fresh_order.size() && fresh.contact[fresh_order[f]] < id) ++f;
        while (a < added_order.size() && added.contact[added_order[a]] < id) ++a;
        while (ch < changed.size() && changed[ch] < id) ++ch;
        const bool has_row = c < cached_id.size() && cached_id[c] == id;
        const bool is_changed = ch < changed.size() && changed[ch] == id;
        const bool has_added = a < added_order.size() && added.contact[added_order[a]] == id;
        if (!is_changed && !has_added) {
          // Most contacts: the cached touches as they are.
          if (!has_row) continue;
          VarintReader r(cached[c]);
          const uint64_t count = r.Next();
          Timestamp at = 0;
          int64_t touch = 0;
          for (uint64_t j = 0; j < count && r.ok(); ++j) {
            at += Unzigzag(r.Next());
            touch += Unzigzag(r.Next());
            for (size_t w = 0; w < words; ++w) sp[w] = r.Next();
            if (at > as_of) break;  // in time order: the rest is later still
            keep(at, touch, sp);
          }
          if (!r.ok()) {
            part.corrupt = id;
            return;
          }
          continue;
        }
        list.Clear();
        if (is_changed) {
          for (; f < fresh_order.size() && fresh.contact[fresh_order[f]] == id; ++f) {
            const uint32_t x = fresh_order[f];
            list.Push(fresh.at[x], fresh.id[x], &fresh.sets[x * words], words);
          }
        } else {
          if (has_row && !Decode(cached[c], id, words, list)) {
            part.corrupt = id;
            return;
          }
          for (; a < added_order.size() && added.contact[added_order[a]] == id; ++a) {
            const uint32_t x = added_order[a];
            list.Push(added.at[x], added.id[x], &added.sets[x * words], words);
          }
          list.Sort(words);
        }
        part.writes.emplace_back(id, list.at.empty() ? std::string() : Encode(list, mask));
        for (size_t j = 0; j < list.at.size() && list.at[j] <= as_of; ++j) {
          keep(list.at[j], list.id[j], &list.sets[j * words]);
        }
      }
    };
    {
      std::vector<std::jthread> threads;
      for (size_t p = 1; p < part_count; ++p) threads.emplace_back(merge, p);
      merge(0);
    }
    std::vector<size_t> base(part_count + 1, 0);
    for (size_t p = 0; p < part_count; ++p) {
      if (out[p].corrupt >= 0) return Corrupt(out[p].corrupt);
      base[p + 1] = base[p] + out[p].at.size();
    }
    const size_t kept = base[part_count];
    in.touch_ids.resize(kept);
    in.occurred_at.resize(kept);
    in.touch_sets.resize(kept * words);
    {
      auto place = [&](size_t p) {
        const size_t lo = std::min(n, p * step), hi = std::min(n, lo + step);
        for (size_t i = lo; i < hi; ++i) in.touch_begin[i] += static_cast<int64_t>(base[p]);
        Part& part = out[p];
        std::copy(part.at.begin(), part.at.end(), in.occurred_at.begin() + base[p]);
        std::copy(part.id.begin(), part.id.end(), in.touch_ids.begin() + base[p]);
        std::copy(part.sets.begin(), part.sets.end(), in.touch_sets.begin() + base[p] * words);
        part.at = {};
        part.id = {};
        part.sets = {};
      };
      std::vector<std::jthread> threads;
      for (size_t p = 1; p < part_count; ++p) threads.emplace_back(place, p);
      place(0);
    }
    in.touch_begin[n] = static_cast<int64_t>(kept);
    // Rows to write: contact ids with their encoding ("" deletes the row).
    std::vector<std::pair<int64_t, std::string>> writes;
    for (Part& part : out) {
      for (auto& w : part.writes) writes.push_back(std::move(w));
    }
    // Changed contacts that are not scored now (merged, deleted): their rows
    // go; they are logged again if they come back.
    std::vector<int64_t> scored_changed;
    std::set_intersection(changed.begin(), changed.end(), in.contact_ids.begin(),
                          in.contact_ids.end(), std::back_inserter(scored_changed));
    std::vector<int64_t> gone;
    std::set_difference(changed.begin(), changed.end(), scored_changed.begin(),
                        scored_changed.end(), std::back_inserter(gone));
    for (int64_t id : gone) writes.emplace_back(id, std::string());
    std::sort(writes.begin(), writes.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
    contacts_written = static_cast<int64_t>(writes.size());
    // Each block with a row written: its rows, the new ones in place of the
    // cached ones.
    size_t c = 0;
    for (size_t w = 0; w < writes.size();) {
      const int64_t block = BlockOf(writes[w].first);
      std::string text;
      int64_t previous = block << kBlockBits;
      while (c < cached_id.size() && BlockOf(cached_id[c]) < block) ++c;
      while (true) {
        const bool has_cached = c < cached_id.size() && BlockOf(cached_id[c]) == block;
        const bool has_write = w < writes.size() && BlockOf(writes[w].first) == block;
        if (!has_cached && !has_write) break;
        if (has_write && (!has_cached || writes[w].first <= cached_id[c])) {
          if (has_cached && cached_id[c] == writes[w].first) ++c;
          if (!writes[w].second.empty()) {
            AppendToBlock(text, previous, writes[w].first, writes[w].second);
          }
          ++w;
        } else {
          AppendToBlock(text, previous, cached_id[c], cached[c]);
          ++c;
        }
      }
      blocks.emplace_back(block, std::move(text));
    }
  }

  write.pending = true;
  write.rebuild = rebuild;
  write.high = high;
  write.last_change = last_change;
  write.stamp = stamp;
  write.blocks = std::move(blocks);
  write.contacts = contacts_written;
  return in;
}

core::Status StoreTouchCache(store::Database& db, TouchCacheWrite write, ScoreRunReport& report) {
  if (!write.pending) return {};
  // 4. The rows that changed, the mark, the changes read.
  const auto write_started = std::chrono::steady_clock::now();
  {
    MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
    // Another rescore that started after this one set its own mark: its
    // write (before or after this one) is the newer, so this one keeps out.
    MOPS_ASSIGN_OR_RETURN(store::Value pending,
                          db.QueryValue("SELECT pending FROM lead_touch_cache_state WHERE id = 1"));
    if (store::AsInt(pending, -1) != write.high) {
      report.touch_cache += ", not stored (a later rescore's mark)";
      return {};
    }
    if (write.rebuild) MOPS_TRY(db.Execute("DELETE FROM lead_touch_blocks"));
    MOPS_ASSIGN_OR_RETURN(
        BatchInsert upsert,
        BatchInsert::Make(db, "INSERT INTO lead_touch_blocks (block, contacts)", 2,
                          write.rebuild ? ""
                                        : "ON CONFLICT (block) DO UPDATE SET contacts = "
                                          "excluded.contacts",
                          16));
    MOPS_ASSIGN_OR_RETURN(auto erase, db.Prepare("DELETE FROM lead_touch_blocks WHERE block = ?"));
    for (auto& [block, text] : write.blocks) {
      if (text.empty()) {
        const store::Value key[] = {block};
        MOPS_TRY(erase->ExecuteQueued(key));
      } else {
        MOPS_TRY(upsert.Add(block, std::move(text)));
      }
    }
    MOPS_TRY(upsert.Finish());
    MOPS_TRY(db.Flush());
    const std::vector<store::Value> done = {write.last_change};
    MOPS_TRY(db.Execute("DELETE FROM lead_touch_changes WHERE rowid <= ?", done));
    const std::vector<store::Value> state = {write.stamp, write.high, write.high};
    MOPS_TRY(
        db.Execute("UPDATE lead_touch_cache_state SET stamp = ?, hwm = ?, pending = ? "
                   "WHERE id = 1",
                   state));
    MOPS_TRY(tx.Commit());
  }
  report.cache_rows_written = write.contacts;
  report.cache_write_seconds = Seconds(write_started);
  return {};
}

}  // namespace mops::leads::internal
