// The scoring input, loaded column by column: contacts (with their account's
// attributes) and their touchpoints grouped by contact in time order. A
// workspace load reads only the columns some rule tests (ScoringNeeds), split
// by row id over parallel connections, and groups the touches in memory with
// a counting sort, which costs less than asking the database for an order.
#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>
#include <unordered_map>

#include "core/strings.h"
#include "leads/internal.h"

namespace mops::leads {

using store::ColumnType;
using store::Value;

namespace {

constexpr size_t kStageField = 9;  // FitFields(): lifecycle_stage

TextColumn FromDict(store::Column&& c) {
  TextColumn t;
  t.codes = std::move(c.codes);
  t.dict = std::move(c.dict);
  return t;
}

// Column of contacts' text fields in FitFields() order, as SQL over c (contact)
// and a (account).
constexpr std::string_view kFieldSql[] = {
    "c.email",           "NULL",           "c.title",     "c.seniority",     "c.department",
    "c.country",         "c.state",        "c.city",      "c.lead_status",   "c.lifecycle_stage",
    "c.original_source", "c.company_name", "a.name",      "a.domain",        "a.industry",
    "a.country",         "a.state",        "a.employees", "a.annual_revenue"};

// Touch keys in TouchKey order; the campaign is two columns (see
// ResolveCampaignKey).
constexpr std::string_view kKeySql[] = {"t.type", "t.event_name", "t.url", "t.channel",
                                        "t.campaign_id, t.utm_campaign"};

// Replaces `campaign_id` (kInt) by a kDict column of the campaign key,
// COALESCE(campaigns.name, utm_campaign), as a LEFT JOIN would give it.
core::Status ResolveCampaignKey(store::Database& db, store::Column& campaign_id,
                                const store::Column& utm) {
  const ColumnType types[] = {ColumnType::kInt, ColumnType::kText};
  MOPS_ASSIGN_OR_RETURN(auto cp, db.ScanColumns("SELECT id, name FROM campaigns", {}, types));
  store::Column key;
  key.type = ColumnType::kDict;
  const size_t m = campaign_id.size();
  key.codes.resize(m, -1);
  key.nulls.resize(m, 1);
  // Codes of the utm dictionary are kept; campaign names are appended (or
  // mapped onto an equal utm value).
  key.dict = utm.dict;
  key.dict.reserve(utm.dict.size() + cp[0].size());  // the index views its strings
  std::unordered_map<std::string_view, int32_t> index;
  for (size_t k = 0; k < key.dict.size(); ++k) index.emplace(key.dict[k], static_cast<int32_t>(k));
  // Campaign ids are usually dense: a table by id, else a hash map.
  int64_t lo = 0, hi = -1;
  for (size_t row = 0; row < cp[0].size(); ++row) {
    if (cp[0].nulls[row]) continue;
    if (hi < lo) lo = hi = cp[0].ints[row];
    lo = std::min(lo, cp[0].ints[row]);
    hi = std::max(hi, cp[0].ints[row]);
  }
  const bool dense = hi - lo < static_cast<int64_t>(4 * cp[0].size() + 1024);
  std::vector<int32_t> by_id(dense && hi >= lo ? static_cast<size_t>(hi - lo + 1) : 0, -1);
  std::unordered_map<int64_t, int32_t> campaign_code;
  for (size_t row = 0; row < cp[0].size(); ++row) {
    if (cp[0].nulls[row] || cp[1].nulls[row]) continue;
    const int64_t id = cp[0].ints[row];
    const std::string& name = cp[1].texts[row];
    auto it = index.find(name);
    if (it == index.end()) {
      key.dict.push_back(name);
      it = index.emplace(key.dict.back(), static_cast<int32_t>(key.dict.size() - 1)).first;
    }
    if (dense) {
      by_id[static_cast<size_t>(id - lo)] = it->second;
    } else {
      campaign_code.emplace(id, it->second);
    }
  }
  for (size_t k = 0; k < m; ++k) {
    int32_t code = -1;
    if (!campaign_id.nulls[k]) {
      const int64_t id = campaign_id.ints[k];
      if (dense) {
        if (id >= lo && id <= hi) code = by_id[static_cast<size_t>(id - lo)];
      } else if (auto it = campaign_code.find(id); it != campaign_code.end()) {
        code = it->second;
      }
    }
    if (code < 0 && !utm.nulls[k]) code = utm.codes[k];
    key.codes[k] = code;
    key.nulls[k] = code < 0 ? 1 : 0;
  }
  campaign_id = std::move(key);
  return {};
}

// Appends to `c` one column per account field (the columns of `a` after the
// first, the account id): each contact's account's value, as a join would
// give it (none when the contact has no account or an unknown one).
void AttachAccounts(const store::Column& account_id, std::vector<store::Column>& a,
                    std::vector<store::Column>& c) {
  const size_t n = account_id.size();
  const std::vector<int64_t>& ids = a[0].ints;  // ascending
  std::vector<int64_t> row(n, -1);
  for (size_t i = 0; i < n; ++i) {
    if (account_id.nulls[i]) continue;
    auto it = std::lower_bound(ids.begin(), ids.end(), account_id.ints[i]);
    if (it != ids.end() && *it == account_id.ints[i]) row[i] = it - ids.begin();
  }
  for (size_t col = 1; col < a.size(); ++col) {
    store::Column& from = a[col];
    store::Column to;
    to.type = from.type;
    to.nulls.resize(n, 1);
    if (from.type == ColumnType::kDict) {
      to.codes.resize(n, -1);
      to.dict = std::move(from.dict);
    } else {
      to.reals.resize(n, 0);
    }
    for (size_t i = 0; i < n; ++i) {
      if (row[i] < 0 || from.nulls[row[i]]) continue;
      to.nulls[i] = 0;
      if (from.type == ColumnType::kDict) {
        to.codes[i] = from.codes[row[i]];
      } else {
        to.reals[i] = from.reals[row[i]];
      }
    }
    c.push_back(std::move(to));
  }
}

// Fills `in`'s contact columns from a scan of SELECT c.id, [c.created_at],
// <fields>: `loaded` names the field of each column after those.
void ContactColumns(std::vector<store::Column>& c, const std::vector<size_t>& loaded, bool created,
                    const ScoringNeeds& needs, ScoringInput& in) {
  const auto fields = FitFields();
  const size_t n = c[0].size();
  in.contact_ids = std::move(c[0].ints);
  size_t col = 1;
  if (created) {
    in.created_at.resize(n);
    for (size_t i = 0; i < n; ++i) {
      in.created_at[i] = c[1].nulls[i] ? std::numeric_limits<Timestamp>::min() : c[1].ints[i];
    }
    ++col;
  }
  for (size_t f : loaded) {
    store::Column& src = c[col++];
    if (IsNumericField(fields[f])) {
      in.numbers[f].resize(n);
      for (size_t i = 0; i < n; ++i) {
        in.numbers[f][i] = src.nulls[i] ? std::nan("") : src.reals[i];
      }
    } else if (f == 0) {
      // E-mails are unique: the address itself (when a rule reads it), and
      // its domain as a dictionary.
      const bool keep_email = (needs.fields & 1u) != 0;
      TextColumn email, domain;
      if (keep_email) email.codes.resize(n, -1);
      domain.codes.resize(n, -1);
      std::unordered_map<std::string, int32_t> domains;
      std::string d;
      for (size_t i = 0; i < n; ++i) {
        if (src.nulls[i] || src.texts[i].empty()) continue;
        const std::string& e = src.texts[i];
        const size_t at = e.rfind('@');
        if (at != std::string::npos) {
          const std::string_view raw = core::Trim(std::string_view(e).substr(at + 1));
          d.assign(raw);
          for (char& ch : d) ch = core::AsciiToLower(ch);
          auto it = domains.find(d);
          if (it == domains.end()) {
            it = domains.emplace(d, static_cast<int32_t>(domain.dict.size())).first;
            domain.dict.push_back(d);
          }
          domain.codes[i] = it->second;
        }
        if (keep_email) {
          email.codes[i] = static_cast<int32_t>(email.dict.size());
          email.dict.push_back(std::move(src.texts[i]));
        }
      }
      in.texts[0] = std::move(email);
      in.texts[1] = std::move(domain);
    } else {
      in.texts[f] = FromDict(std::move(src));
    }
  }
  for (size_t f = 0; f < fields.size(); ++f) {
    if (in.texts[f].codes.empty()) in.texts[f].codes.assign(n, -1);
    if (in.numbers[f].empty()) in.numbers[f].assign(n, std::nan(""));
  }
}

// Groups the scanned touches (SELECT contact_id, id, occurred_at, keys...,
// `key_col` giving each loaded key's column) by contact, in time order (then
// id) within each contact.
void GroupTouches(std::vector<store::Column>& t, const std::vector<int>& key_col, int parts,
                  ScoringInput& in) {
  const size_t n = in.size();
  const size_t m = t[0].size();
  in.touch_begin.assign(n + 1, 0);
  const int64_t min_id = n > 0 ? in.contact_ids.front() : 0;
  const int64_t span = n > 0 ? in.contact_ids.back() - min_id + 1 : 0;
  std::vector<int32_t> position;
  const bool dense = span <= static_cast<int64_t>(4 * n + 1024);
  if (dense) {
    position.assign(static_cast<size_t>(span), -1);
    for (size_t i = 0; i < n; ++i) position[in.contact_ids[i] - min_id] = static_cast<int32_t>(i);
  }
  auto contact_of = [&](int64_t id) -> int32_t {
    if (n == 0 || id < min_id || id - min_id >= span) return -1;
    if (dense) return position[id - min_id];
    auto it = std::lower_bound(in.contact_ids.begin(), in.contact_ids.end(), id);
    return it != in.contact_ids.end() && *it == id
               ? static_cast<int32_t>(it - in.contact_ids.begin())
               : -1;
  };
  // Counting sort by contact: owner per row, then each row's place.
  std::vector<int32_t> owner(m);
  for (size_t k = 0; k < m; ++k) {
    owner[k] = t[0].nulls[k] ? -1 : contact_of(t[0].ints[k]);
    if (owner[k] >= 0) ++in.touch_begin[owner[k] + 1];
  }
  position = {};
  for (size_t i = 0; i < n; ++i) in.touch_begin[i + 1] += in.touch_begin[i];
  const size_t kept = static_cast<size_t>(in.touch_begin[n]);
  std::vector<uint32_t> order(kept);
  {
    std::vector<int64_t> next(in.touch_begin.begin(), in.touch_begin.end() - 1);
    for (size_t k = 0; k < m; ++k) {
      if (owner[k] >= 0) order[next[owner[k]]++] = static_cast<uint32_t>(k);
    }
  }
  // The arrays filled next reuse buffers that are done with (each at least
  // `kept` long): memory the process has written is not zeroed again by the
  // kernel, and at 10,000,000 touches that zeroing was a CPU second.
  std::vector<int32_t> spare = std::move(owner);
  in.touch_ids = std::move(t[0].ints);
  t[0] = {};
  in.touch_ids.resize(kept);
  in.occurred_at.resize(kept);
  const std::vector<int64_t>& ids = t[1].ints;
  const std::vector<int64_t>& times = t[2].ints;
  // Per range of contacts: gather time and id, then put each contact's rows
  // in (time, id) order where they are not already.
  internal::ParallelRanges(n, parts, [&](size_t lo, size_t hi) {
    std::vector<uint32_t> perm, tmp_order;
    std::vector<int64_t> tmp_at, tmp_id;
    for (size_t i = lo; i < hi; ++i) {
      const size_t b = static_cast<size_t>(in.touch_begin[i]);
      const size_t e = static_cast<size_t>(in.touch_begin[i + 1]);
      bool sorted = true;
      for (size_t j = b; j < e; ++j) {
        in.occurred_at[j] = times[order[j]];
        in.touch_ids[j] = ids[order[j]];
        if (j > b && (in.occurred_at[j] < in.occurred_at[j - 1] ||
                      (in.occurred_at[j] == in.occurred_at[j - 1] &&
                       in.touch_ids[j] < in.touch_ids[j - 1]))) {
          sorted = false;
        }
      }
      if (sorted) continue;
      const size_t len = e - b;
      perm.resize(len);
      for (size_t x = 0; x < len; ++x) perm[x] = static_cast<uint32_t>(x);
      std::sort(perm.begin(), perm.end(), [&](uint32_t x, uint32_t y) {
        const int64_t ax = in.occurred_at[b + x], ay = in.occurred_at[b + y];
        return ax != ay ? ax < ay : in.touch_ids[b + x] < in.touch_ids[b + y];
      });
      tmp_at.assign(in.occurred_at.begin() + b, in.occurred_at.begin() + e);
      tmp_id.assign(in.touch_ids.begin() + b, in.touch_ids.begin() + e);
      tmp_order.assign(order.begin() + b, order.begin() + e);
      for (size_t x = 0; x < len; ++x) {
        in.occurred_at[b + x] = tmp_at[perm[x]];
        in.touch_ids[b + x] = tmp_id[perm[x]];
        order[b + x] = tmp_order[perm[x]];
      }
    }
  });
  t[1] = {};
  t[2] = {};
  for (int k = 0; k < kTouchKeyCount; ++k) {
    if (key_col[k] < 0) continue;
    store::Column& src = t[key_col[k]];
    TextColumn& key = in.touch_keys[k];
    key.dict = std::move(src.dict);
    key.codes = std::move(spare);
    key.codes.resize(kept);
    internal::ParallelRanges(kept, parts, [&](size_t lo, size_t hi) {
      for (size_t j = lo; j < hi; ++j) key.codes[j] = src.codes[order[j]];
    });
    spare = std::move(src.codes);
    src = {};
    // Dictionary values compare without case: lower-case them once.
    if (k != static_cast<int>(TouchKey::kUrl)) {
      for (std::string& v : key.dict) v = core::ToLower(v);
    }
  }
}

}  // namespace

namespace internal {

std::string IdList(std::span<const int64_t> ids) {
  std::string out;
  for (int64_t id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

}  // namespace internal

ScoringNeeds NeedsOf(const ScoringConfig& config) {
  ScoringNeeds needs;
  needs.fields = 1u << kStageField;  // the lifecycle reads it
  needs.keys = 0;
  const auto fields = FitFields();
  for (const Group& g : config.groups) {
    for (const FitRule& r : g.fit_rules) {
      for (size_t f = 0; f < fields.size(); ++f) {
        if (fields[f] == r.field) needs.fields |= 1u << f;
      }
    }
    for (const EngagementRule& r : g.engagement_rules) {
      for (int k = 0; k < kTouchKeyCount; ++k) {
        if (!r.match[k].empty()) needs.keys |= 1u << k;
      }
    }
  }
  return needs;
}

core::Result<internal::TouchRows> internal::ScanTouchRows(store::Database& db,
                                                          std::string_view where,
                                                          const ScoringNeeds& needs) {
  std::string sql = "SELECT t.contact_id, t.id, t.occurred_at";
  std::vector<ColumnType> types = {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt};
  std::vector<int> key_col(kTouchKeyCount, -1);
  for (int k = 0; k < kTouchKeyCount; ++k) {
    if (((needs.keys >> k) & 1u) == 0) continue;
    key_col[k] = static_cast<int>(types.size());
    sql += ", ";
    sql += kKeySql[k];
    if (k == static_cast<int>(TouchKey::kCampaign)) types.push_back(ColumnType::kInt);
    types.push_back(ColumnType::kDict);
  }
  sql += " FROM touchpoints t WHERE t.contact_id IS NOT NULL AND (";
  sql += where;
  sql += ")";
  MOPS_ASSIGN_OR_RETURN(auto t, db.ScanColumns(sql, {}, types));
  if (const int k = key_col[static_cast<int>(TouchKey::kCampaign)]; k >= 0) {
    MOPS_TRY(ResolveCampaignKey(db, t[k], t[k + 1]));
    t[k + 1] = {};
  }
  TouchRows rows;
  rows.keys = ScoringInput::Empty();
  rows.contact_ids = std::move(t[0].ints);
  rows.ids = std::move(t[1].ints);
  rows.times = std::move(t[2].ints);
  for (int k = 0; k < kTouchKeyCount; ++k) {
    if (key_col[k] < 0) continue;
    TextColumn& key = rows.keys.touch_keys[k];
    key.dict = std::move(t[key_col[k]].dict);
    key.codes = std::move(t[key_col[k]].codes);
    // As GroupTouches: values compare without case.
    if (k != static_cast<int>(TouchKey::kUrl)) {
      for (std::string& v : key.dict) v = core::ToLower(v);
    }
  }
  return rows;
}

core::Result<ScoringInput> LoadScoringInput(store::Database& db, Timestamp as_of, int parts,
                                            std::span<const int64_t> only,
                                            const ScoringNeeds& needs, int64_t max_touch_id) {
  ScoringInput in = ScoringInput::Empty();
  const auto fields = FitFields();
  auto needed = [&](size_t f) { return ((needs.fields >> f) & 1u) != 0; };
  std::string select = "SELECT c.id";
  std::vector<ColumnType> types = {ColumnType::kInt};
  if (needs.created_at) {
    select += ", c.created_at";
    types.push_back(ColumnType::kInt);
  }
  // Contact fields come before account fields in FitFields() order. (Below,
  // unary + on merged_into: SQLite would otherwise read the contacts_merged
  // index, all of it since nearly every contact is unmerged, even when a few
  // ids are asked for.)
  std::vector<size_t> loaded;
  std::string contact_cols, account_cols;
  std::vector<ColumnType> account_types;
  for (size_t f = 0; f < fields.size(); ++f) {
    if (f == 1) continue;  // email_domain: derived from the e-mail
    if (f == 0 ? !(needed(0) || needed(1)) : !needed(f)) continue;
    loaded.push_back(f);
    const ColumnType type = f == 0                      ? ColumnType::kText
                            : IsNumericField(fields[f]) ? ColumnType::kReal
                                                        : ColumnType::kDict;
    if (fields[f].starts_with("account.")) {
      account_cols += ", ";
      account_cols += kFieldSql[f];
      account_types.push_back(type);
    } else {
      contact_cols += ", ";
      contact_cols += kFieldSql[f];
      types.push_back(type);
    }
  }
  // The campaign key is COALESCE(campaign name, utm_campaign): resolved here
  // from the (small) campaigns table rather than by a join, which costs an
  // index lookup per touch.
  std::string touches = "SELECT t.contact_id, t.id, t.occurred_at";
  std::vector<ColumnType> touch_types = {ColumnType::kInt, ColumnType::kInt, ColumnType::kInt};
  std::vector<int> key_col(kTouchKeyCount, -1);
  for (int k = 0; k < kTouchKeyCount; ++k) {
    if (((needs.keys >> k) & 1u) == 0) continue;
    key_col[k] = static_cast<int>(touch_types.size());
    touches += ", ";
    touches += kKeySql[k];
    if (k == static_cast<int>(TouchKey::kCampaign)) touch_types.push_back(ColumnType::kInt);
    touch_types.push_back(ColumnType::kDict);
  }
  touches += fmt::format(" FROM touchpoints t WHERE +t.occurred_at <= {}", as_of);
  std::vector<store::Column> c, t;
  if (!only.empty()) {
    // A few contacts: their accounts by a join.
    const std::string ids = internal::IdList(only);
    std::vector<ColumnType> all = types;
    all.insert(all.end(), account_types.begin(), account_types.end());
    const std::string from = account_cols.empty()
                                 ? " FROM contacts c"
                                 : " FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id";
    MOPS_ASSIGN_OR_RETURN(c, db.ScanColumns(select + contact_cols + account_cols + from +
                                                " WHERE +c.merged_into IS NULL AND c.id IN (" +
                                                ids + ") ORDER BY c.id",
                                            {}, all));
    MOPS_ASSIGN_OR_RETURN(t, db.ScanColumns(touches + " AND t.contact_id IN (" + ids +
                                                ") ORDER BY t.contact_id, t.occurred_at, t.id",
                                            {}, touch_types));
  } else {
    MOPS_ASSIGN_OR_RETURN(Value lo, db.QueryValue("SELECT MIN(id) FROM contacts"));
    MOPS_ASSIGN_OR_RETURN(Value hi, db.QueryValue("SELECT MAX(id) FROM contacts"));
    const int64_t l = store::AsInt(lo, 0), h = store::AsInt(hi, -1) + 1;
    const int n = std::max(1, parts);
    // Every contact: the accounts are read once and looked up in memory,
    // not joined row by row.
    if (!account_cols.empty()) types.push_back(ColumnType::kInt);
    MOPS_ASSIGN_OR_RETURN(
        c, store::ScanColumnsParallel(
               db,
               select + contact_cols + (account_cols.empty() ? "" : ", c.account_id") +
                   " FROM contacts c WHERE +c.merged_into IS NULL AND c.id >= ? AND c.id < ? "
                   "ORDER BY c.id",
               l, h, types, n));
    if (!account_cols.empty()) {
      std::vector<ColumnType> at = {ColumnType::kInt};
      at.insert(at.end(), account_types.begin(), account_types.end());
      MOPS_ASSIGN_OR_RETURN(
          auto a,
          db.ScanColumns("SELECT a.id" + account_cols + " FROM accounts a ORDER BY a.id", {}, at));
      store::Column account_id = std::move(c.back());
      c.pop_back();
      AttachAccounts(account_id, a, c);
    }
    // Split by touch id (the row id): each connection reads only its own
    // range of the table, in table order; rows are grouped by contact below.
    if (needs.touches) {
      MOPS_ASSIGN_OR_RETURN(Value tlo, db.QueryValue("SELECT MIN(id) FROM touchpoints"));
      MOPS_ASSIGN_OR_RETURN(Value thi, db.QueryValue("SELECT MAX(id) FROM touchpoints"));
      MOPS_ASSIGN_OR_RETURN(
          t, store::ScanColumnsParallel(
                 db, touches + " AND +t.contact_id IS NOT NULL AND t.id >= ? AND t.id < ?",
                 store::AsInt(tlo, 0), std::min(store::AsInt(thi, -1), max_touch_id) + 1,
                 touch_types, n));
    } else {
      t.resize(touch_types.size());
      for (size_t k = 0; k < touch_types.size(); ++k) t[k].type = touch_types[k];
    }
  }
  if (const int k = key_col[static_cast<int>(TouchKey::kCampaign)]; k >= 0) {
    MOPS_TRY(ResolveCampaignKey(db, t[k], t[k + 1]));
    t[k + 1] = {};
  }
  ContactColumns(c, loaded, needs.created_at, needs, in);
  GroupTouches(t, key_col, std::max(1, parts), in);
  return in;
}

}  // namespace mops::leads
