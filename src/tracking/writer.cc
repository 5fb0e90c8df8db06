// Storing events: deduplication by messageId, identity resolution,
// touchpoints, first and latest source, and the group commit that makes a
// busy server write many requests per transaction.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include "ingest/channel_rules.h"
#include "ingest/ingest.h"
#include "quality/quality.h"
#include "tracking/tracking.h"

namespace mops::tracking {
namespace {

using core::ErrorCode;
using store::Value;

constexpr std::string_view kSource = "tracking";

std::mutex listeners_mu;
std::vector<TouchedListener>& Listeners() {
  static std::vector<TouchedListener> listeners;
  return listeners;
}

Value TextOrNull(std::string_view s) { return s.empty() ? Value() : Value(std::string(s)); }

// A touch's touchpoints columns after the id, in the order of both INSERTs
// (row by row and multi-row): external_id ... message_id.
void AppendTouchpointValues(std::vector<Value>& out, int64_t key_id, const Event& ev,
                            std::string_view tp_type, const std::string& channel,
                            const Value& contact, const Value& account) {
  out.emplace_back(fmt::format("{}:{}", key_id, ev.message_id));
  out.push_back(contact);
  out.push_back(TextOrNull(ev.user_id));
  out.push_back(TextOrNull(ev.anonymous_id));
  out.push_back(account);
  out.emplace_back(ev.time_ms / 1000);
  out.emplace_back(std::string(tp_type));
  out.emplace_back(channel);
  out.push_back(TextOrNull(ev.utm.source));
  out.push_back(TextOrNull(ev.utm.medium));
  out.push_back(TextOrNull(ev.utm.campaign));
  out.push_back(TextOrNull(ev.utm.content));
  out.push_back(TextOrNull(ev.utm.term));
  out.push_back(TextOrNull(ev.url));
  out.push_back(TextOrNull(ev.referrer));
  out.push_back(TextOrNull(ev.type == EventType::kTrack ? ev.event : ev.name));
  out.push_back(ev.value ? Value(*ev.value) : Value());
  out.emplace_back(ev.message_id);
}

// The touch's tracking_events columns after the id: write_key_id ... channel.
void AppendTouchEventValues(std::vector<Value>& out, int64_t key_id, const Event& ev,
                            const Value& contact, const Value& touchpoint_id,
                            const std::string& channel) {
  out.emplace_back(key_id);
  out.emplace_back(ev.message_id);
  out.emplace_back(std::string(EventTypeName(ev.type)));
  out.push_back(TextOrNull(ev.event));
  out.push_back(TextOrNull(ev.user_id));
  out.push_back(TextOrNull(ev.anonymous_id));
  out.emplace_back(ev.time_ms / 1000);
  out.emplace_back(ev.received_at_ms);
  out.emplace_back(ev.raw);
  out.push_back(contact);
  out.push_back(touchpoint_id);
  out.emplace_back(channel);
}

// The Monday week of a time in unix seconds, as touchpoint_weeks numbers
// them (schema version 11): floor((t + 3 days) / 7 days).
int64_t WeekOf(int64_t seconds) {
  const int64_t shifted = seconds + 259'200;
  return shifted >= 0 ? shifted / 604'800 : -((-shifted + 604'799) / 604'800);
}

std::string TraitText(const Json& traits, std::string_view key) {
  auto it = traits.find(key);
  if (it == traits.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return {};
}

// The texts a group's config comes from: the tracking config and the
// channel rules (ingest::kChannelsConfig).
constexpr const char* kConfigTextsSql =
    "SELECT name, body FROM configs WHERE name IN ('tracking', 'channels')";
static_assert(ingest::kChannelsConfig == "channels");

// A merge the events asked for, made after their commit (a survivorship
// merge is its own transaction, so that it can be undone on its own).
struct PendingMerge {
  int64_t log_id = 0;
  int64_t survivor = 0;
  int64_t merged = 0;
};

// A group's statements and state. The server's writer prepares the
// statements once on its own connection and reuses them for every group
// (`Reset` between groups); `StoreEvents` prepares them for its one call.
class Batch {
 public:
  explicit Batch(store::Database& db) : db_(db) {}

  // Starts a group under `config` (which must outlive the group).
  void Reset(const TrackingConfig& config, const ingest::ChannelRules& channels) {
    config_ = &config;
    channels_ = &channels;
    touched_.clear();
    contacts_of_.clear();
    current_ = nullptr;
    pending_.clear();
    account_of_.clear();
    merges_.clear();
    weeks_.clear();
    type_decides_.clear();
    contact_of_.clear();
  }

  core::Status Prepare() {
    MOPS_ASSIGN_OR_RETURN(
        insert_event_,
        db_.Prepare("INSERT INTO tracking_events (write_key_id, message_id, type, event, user_id, "
                    "anonymous_id, occurred_at, received_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                    "?) ON CONFLICT (write_key_id, message_id) DO NOTHING RETURNING id"));
    MOPS_ASSIGN_OR_RETURN(
        insert_touch_event_,
        db_.Prepare("INSERT INTO tracking_events (write_key_id, message_id, type, event, user_id, "
                    "anonymous_id, occurred_at, received_at, body, contact_id, touchpoint_id, "
                    "channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
                    "(write_key_id, message_id) DO NOTHING"));
    MOPS_ASSIGN_OR_RETURN(update_event_,
                          db_.Prepare("UPDATE tracking_events SET contact_id = ?, touchpoint_id = "
                                      "?, channel = ? WHERE id = ?"));
    MOPS_ASSIGN_OR_RETURN(find_identity_,
                          db_.Prepare("SELECT contact_id FROM identities WHERE kind = ? AND "
                                      "value = ? AND contact_id IS NOT NULL"));
    // The visitor's latest touch in the session window before this one.
    MOPS_ASSIGN_OR_RETURN(previous_touch_,
                          db_.Prepare("SELECT channel FROM touchpoints WHERE anonymous_id = ? "
                                      "AND occurred_at <= ? AND occurred_at >= ? "
                                      "ORDER BY occurred_at DESC, id DESC LIMIT 1"));
    // Contacts that came from a CRM import have an email but no identity
    // row: an identify with that address is the same person.
    MOPS_ASSIGN_OR_RETURN(find_contact_by_email_,
                          db_.Prepare("SELECT id FROM contacts WHERE email IN (?, ?) AND "
                                      "merged_into IS NULL ORDER BY id LIMIT 1"));
    // SQLite runs RETURNING through a temporary table opened and closed per
    // execution (a tenth of an event's cost): there the new id comes from
    // last_insert_rowid() of the connection, which only this writer uses.
    const std::string insert_touchpoint =
        "INSERT INTO touchpoints (source_system, external_id, contact_id, contact_ref, "
        "anonymous_id, account_id, occurred_at, type, channel, source, medium, utm_campaign, "
        "utm_content, utm_term, url, referrer, event_name, value, message_id, weeks_counted) "
        "VALUES ('tracking', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT "
        "(source_system, external_id) DO NOTHING";
    if (db_.dialect() == store::Dialect::kSqlite) {
      // SQLite: touches go in multi-row INSERTs with ids given here
      // (FlushTouches), each statement prepared once per row count.
      multi_row_ = true;
      MOPS_ASSIGN_OR_RETURN(max_touchpoint_id_,
                            db_.Prepare("SELECT COALESCE(MAX(id), 0) FROM touchpoints"));
      MOPS_ASSIGN_OR_RETURN(max_event_id_,
                            db_.Prepare("SELECT COALESCE(MAX(id), 0) FROM tracking_events"));
      MOPS_ASSIGN_OR_RETURN(touchpoint_ids_in_,
                            db_.Prepare("SELECT id FROM touchpoints WHERE id BETWEEN ? AND ?"));
      MOPS_ASSIGN_OR_RETURN(event_ids_in_,
                            db_.Prepare("SELECT id FROM tracking_events WHERE id BETWEEN ? AND ?"));
    } else {
      MOPS_ASSIGN_OR_RETURN(insert_touchpoint_, db_.Prepare(insert_touchpoint + " RETURNING id"));
    }
    MOPS_ASSIGN_OR_RETURN(configs_, db_.Prepare(kConfigTextsSql));
    MOPS_ASSIGN_OR_RETURN(
        add_week_,
        db_.Prepare("INSERT INTO touchpoint_weeks (week, channel, touchpoints) VALUES (?, ?, ?) ON "
                    "CONFLICT (week, channel) DO UPDATE SET touchpoints = "
                    "touchpoint_weeks.touchpoints + excluded.touchpoints"));
    MOPS_ASSIGN_OR_RETURN(
        insert_rejection_,
        db_.Prepare("INSERT INTO tracking_rejections (write_key_id, received_at, route, "
                    "item_index, field, reason, message_id) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    return {};
  }

  core::Status Store(int64_t key_id, std::string_view route, const std::vector<Event>& events,
                     const std::vector<Rejection>& rejected, const std::vector<Json>* items,
                     StoreReport& report) {
    const int64_t now = core::NowUnixMillis();
    for (const Rejection& r : rejected) {
      std::string message_id;
      if (items != nullptr && r.index < items->size() && (*items)[r.index].is_object()) {
        auto it = (*items)[r.index].find("messageId");
        if (it != (*items)[r.index].end() && it->is_string()) message_id = it->get<std::string>();
      }
      MOPS_TRY(insert_rejection_->Execute(std::vector<Value>{
          key_id == 0 ? Value() : Value(key_id), now, std::string(route),
          static_cast<int64_t>(r.index), TextOrNull(r.field), r.reason, TextOrNull(message_id)}));
    }
    current_ = &contacts_of_[&report];
    for (const Event& ev : events) MOPS_TRY(StoreOne(key_id, ev, report));
    return {};
  }

  // The group's touchpoints into touchpoint_weeks (one upsert per week and
  // channel; the insert trigger skips rows marked weeks_counted); touched
  // contacts: first and latest source; all of the group's in `report`.
  core::Status Finish(StoreReport& report) {
    MOPS_TRY(FlushTouches());
    // Each request's report: the contacts its own events touched.
    for (auto& [of, contacts] : contacts_of_) of->contacts.assign(contacts.begin(), contacts.end());
    for (const auto& [week_channel, count] : weeks_) {
      MOPS_TRY(
          add_week_->Execute(std::vector<Value>{week_channel.first, week_channel.second, count}));
    }
    weeks_.clear();
    for (int64_t contact : touched_) MOPS_TRY(RefreshSources(contact));
    report.contacts.assign(touched_.begin(), touched_.end());
    return {};
  }

  std::vector<PendingMerge>& merges() { return merges_; }
  // Reads the tracking config's and the channel rules' texts (ReadConfigTexts).
  store::Statement* configs() { return configs_.get(); }

 private:
  // FindIdentity for touches, remembered for the rest of the group: only
  // identify, alias and group change identities, and each forgets them all
  // (StoreOne). On SQLite the group's transaction keeps other writers out;
  // on PostgreSQL an identity another connection commits during the group
  // is seen from the next group on, as if the group had read it first.
  std::optional<int64_t> TouchContact(std::string_view kind, const std::string& value) {
    if (value.empty()) return std::nullopt;
    auto& known = contact_of_.by_value[kind == "user_id" ? 0 : 1];
    if (auto it = known.find(value); it != known.end()) return it->second;
    std::optional<int64_t> found = FindIdentity(kind, value);
    known.emplace(value, found);
    return found;
  }

  std::optional<int64_t> FindIdentity(std::string_view kind, std::string_view value) {
    if (value.empty()) return std::nullopt;
    auto rows = find_identity_->Query(std::vector<Value>{std::string(kind), std::string(value)});
    if (!rows || rows->empty()) return std::nullopt;
    return store::AsInt(rows->rows[0][0]);
  }

  std::optional<int64_t> FindContactByEmail(std::string_view standardized, std::string_view raw) {
    auto rows = find_contact_by_email_->Query(
        std::vector<Value>{std::string(standardized), std::string(raw)});
    if (!rows || rows->empty()) return std::nullopt;
    return store::AsInt(rows->rows[0][0]);
  }

  core::Result<int64_t> CountIdentities(int64_t contact, std::string_view kind) {
    MOPS_ASSIGN_OR_RETURN(Value v, db_.QueryValue("SELECT COUNT(*) FROM identities WHERE "
                                                  "contact_id = ? AND kind = ?",
                                                  std::vector<Value>{contact, std::string(kind)}));
    return store::AsInt(v);
  }

  core::Status LogMerge(int64_t key_id, const Event& ev, std::string_view kind,
                        std::string_view value, int64_t survivor, int64_t merged,
                        std::string_view status, std::string_view reason, int64_t* id = nullptr) {
    MOPS_ASSIGN_OR_RETURN(
        store::Rows rows,
        db_.Query("INSERT INTO identity_merges (at, write_key_id, message_id, kind, value, "
                  "survivor_id, merged_id, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                  "RETURNING id",
                  std::vector<Value>{core::NowUnixMillis() / 1000, key_id, ev.message_id,
                                     std::string(kind), std::string(value), survivor, merged,
                                     std::string(status), TextOrNull(reason)}));
    if (id != nullptr) *id = store::AsInt(rows.rows.at(0).at(0));
    return {};
  }

  // Links (kind, value) to `contact` unless the value is blocked, already
  // linked, or the contact has its limit of that kind. Returns the contact
  // the value pointed at before, when another one (a merge candidate).
  core::Result<std::optional<int64_t>> Link(int64_t key_id, const Event& ev, std::string_view kind,
                                            std::string_view value, int64_t contact) {
    if (value.empty()) return std::optional<int64_t>();
    if (auto existing = FindIdentity(kind, value)) {
      if (*existing == contact) return std::optional<int64_t>();
      return std::optional<int64_t>(*existing);
    }
    MOPS_ASSIGN_OR_RETURN(int64_t count, CountIdentities(contact, kind));
    if (count >= config_->identity.Limit(kind)) {
      MOPS_TRY(LogMerge(key_id, ev, kind, value, contact, 0, "refused",
                        fmt::format("contact {} already has {} {} identifiers (limit {})", contact,
                                    count, kind, config_->identity.Limit(kind))));
      return std::optional<int64_t>();
    }
    MOPS_TRY(db_.Execute(
        "INSERT INTO identities (kind, value, contact_id, created_at, source_system) VALUES (?, ?, "
        "?, ?, 'tracking') ON CONFLICT (kind, value) DO UPDATE SET contact_id = "
        "excluded.contact_id WHERE identities.contact_id IS NULL",
        std::vector<Value>{std::string(kind), std::string(value), contact,
                           core::NowUnixMillis() / 1000}));
    return std::optional<int64_t>();
  }

  // Earlier touchpoints of this visitor (by anonymous id or user id) that no
  // contact holds yet now belong to `contact`.
  core::Status Stitch(int64_t contact, std::string_view anonymous_id, std::string_view user_id,
                      StoreReport& report) {
    int64_t n = 0;
    if (!anonymous_id.empty()) {
      MOPS_ASSIGN_OR_RETURN(int64_t a,
                            db_.Execute("UPDATE touchpoints SET contact_id = ? WHERE anonymous_id "
                                        "= ? AND contact_id IS NULL",
                                        std::vector<Value>{contact, std::string(anonymous_id)}));
      n += a;
    }
    if (!user_id.empty()) {
      MOPS_ASSIGN_OR_RETURN(int64_t u,
                            db_.Execute("UPDATE touchpoints SET contact_id = ? WHERE "
                                        "source_system = 'tracking' AND contact_ref = "
                                        "? AND contact_id IS NULL",
                                        std::vector<Value>{contact, std::string(user_id)}));
      n += u;
    }
    if (n > 0) {
      MOPS_TRY(
          db_.Execute("UPDATE tracking_events SET contact_id = ? WHERE contact_id IS NULL "
                      "AND touchpoint_id IN (SELECT id FROM touchpoints WHERE contact_id = ? "
                      "AND source_system = 'tracking')",
                      std::vector<Value>{contact, contact}));
    }
    report.stitched += n;
    return {};
  }

  // A merge of `merged` into `survivor` that (kind, value) asked for,
  // checked against the per-kind limits, logged, and made after the commit.
  core::Status AskMerge(int64_t key_id, const Event& ev, std::string_view kind,
                        std::string_view value, int64_t survivor, int64_t merged) {
    if (survivor == merged) return {};
    for (const auto& [limit_kind, limit] : config_->identity.max_per_kind) {
      MOPS_ASSIGN_OR_RETURN(int64_t a, CountIdentities(survivor, limit_kind));
      MOPS_ASSIGN_OR_RETURN(int64_t b, CountIdentities(merged, limit_kind));
      if (a + b > limit) {
        return LogMerge(key_id, ev, kind, value, survivor, merged, "refused",
                        fmt::format("the merged contact would have {} {} identifiers (limit {})",
                                    a + b, limit_kind, limit));
      }
    }
    for (const PendingMerge& p : merges_) {
      if ((p.survivor == survivor && p.merged == merged) ||
          (p.survivor == merged && p.merged == survivor) || p.merged == merged ||
          p.merged == survivor) {
        return {};
      }
    }
    PendingMerge p;
    p.survivor = survivor;
    p.merged = merged;
    MOPS_TRY(LogMerge(key_id, ev, kind, value, survivor, merged, "pending", "", &p.log_id));
    merges_.push_back(p);
    return {};
  }

  core::Result<int64_t> CreateContact(const Event& ev, std::string_view email) {
    const std::string external = !ev.user_id.empty() ? ev.user_id : std::string(email);
    MOPS_ASSIGN_OR_RETURN(
        store::Rows rows,
        db_.Query("INSERT INTO contacts (source_system, external_id, email, created_at, "
                  "updated_at, lifecycle_stage) VALUES ('tracking', ?, ?, ?, ?, 'subscriber') ON "
                  "CONFLICT (source_system, external_id) DO UPDATE SET updated_at = "
                  "excluded.updated_at RETURNING id, merged_into",
                  std::vector<Value>{external, TextOrNull(email), ev.time_ms / 1000,
                                     ev.received_at_ms / 1000}));
    const auto& r = rows.rows.at(0);
    return store::IsNull(r[1]) ? store::AsInt(r[0]) : store::AsInt(r[1]);
  }

  core::Status UpdateContact(int64_t contact, const Event& ev, std::string_view email) {
    const Json& t = ev.traits;
    std::string first = TraitText(t, "firstName");
    if (first.empty()) first = TraitText(t, "first_name");
    std::string last = TraitText(t, "lastName");
    if (last.empty()) last = TraitText(t, "last_name");
    if (first.empty() && last.empty()) {
      const std::string name = TraitText(t, "name");
      if (const size_t sp = name.find(' '); sp != std::string::npos) {
        first = name.substr(0, sp);
        last = name.substr(sp + 1);
      }
    }
    std::string company = TraitText(t, "company");
    if (company.empty() && t.contains("company") && t["company"].is_object()) {
      company = TraitText(t["company"], "name");
    }
    MOPS_TRY(db_.Execute(
        "UPDATE contacts SET email = COALESCE(email, ?), first_name = COALESCE(?, first_name), "
        "last_name = COALESCE(?, last_name), title = COALESCE(?, title), phone = COALESCE(?, "
        "phone), company_name = COALESCE(?, company_name), updated_at = ? WHERE id = ?",
        std::vector<Value>{TextOrNull(email), TextOrNull(first), TextOrNull(last),
                           TextOrNull(TraitText(t, "title")), TextOrNull(TraitText(t, "phone")),
                           TextOrNull(company), ev.received_at_ms / 1000, contact}));
    return {};
  }

  core::Result<std::optional<int64_t>> Identify(int64_t key_id, const Event& ev,
                                                StoreReport& report) {
    const IdentityRules& rules = config_->identity;
    const std::string uid = IsBlockedIdentity(ev.user_id, rules) ? "" : ev.user_id;
    const std::string aid = IsBlockedIdentity(ev.anonymous_id, rules) ? "" : ev.anonymous_id;
    std::string email;
    if (!ev.email.empty()) {
      const quality::EmailInfo info = quality::StandardizeEmail(ev.email);
      if (info.status != "invalid" && info.status != "empty" &&
          !IsBlockedIdentity(info.email, rules)) {
        email = info.email;
      }
    }
    const std::optional<int64_t> by_user = FindIdentity("user_id", uid);
    std::optional<int64_t> by_email = FindIdentity("email", email);
    if (!by_email && !email.empty()) by_email = FindContactByEmail(email, ev.email);
    const std::optional<int64_t> by_anon = FindIdentity("anonymous_id", aid);
    std::optional<int64_t> contact = by_user ? by_user : by_email ? by_email : by_anon;
    if (!contact) {
      if (uid.empty() && email.empty()) return std::optional<int64_t>();
      MOPS_ASSIGN_OR_RETURN(int64_t created, CreateContact(ev, email));
      contact = created;
    }
    MOPS_TRY(UpdateContact(*contact, ev, email));
    // Link what is new; a value that points at another contact asks for a merge.
    const std::pair<std::string_view, std::string_view> ids[] = {
        {"user_id", uid}, {"email", email}, {"anonymous_id", aid}};
    for (const auto& [kind, value] : ids) {
      MOPS_ASSIGN_OR_RETURN(std::optional<int64_t> other, Link(key_id, ev, kind, value, *contact));
      if (other) MOPS_TRY(AskMerge(key_id, ev, kind, value, *contact, *other));
    }
    MOPS_TRY(Stitch(*contact, aid, uid, report));
    return contact;
  }

  core::Result<std::optional<int64_t>> Alias(int64_t key_id, const Event& ev, StoreReport& report) {
    const IdentityRules& rules = config_->identity;
    if (IsBlockedIdentity(ev.previous_id, rules) || IsBlockedIdentity(ev.user_id, rules)) {
      return std::optional<int64_t>();
    }
    std::optional<int64_t> prev = FindIdentity("user_id", ev.previous_id);
    if (!prev) prev = FindIdentity("anonymous_id", ev.previous_id);
    std::optional<int64_t> next = FindIdentity("user_id", ev.user_id);
    if (prev && next) {
      MOPS_TRY(AskMerge(key_id, ev, "user_id", ev.user_id, *next, *prev));
      return next;
    }
    if (next) {
      MOPS_TRY(Link(key_id, ev, "anonymous_id", ev.previous_id, *next));
      MOPS_TRY(Stitch(*next, ev.previous_id, ev.previous_id, report));
      return next;
    }
    if (prev) {
      MOPS_TRY(Link(key_id, ev, "user_id", ev.user_id, *prev));
      MOPS_TRY(Stitch(*prev, "", ev.user_id, report));
      return prev;
    }
    return std::optional<int64_t>();
  }

  core::Result<std::optional<int64_t>> Group(const Event& ev) {
    const Json& t = ev.traits;
    std::string website = TraitText(t, "website");
    std::string domain = TraitText(t, "domain");
    if (domain.empty() && !website.empty()) domain = ParseUrl(website).host;
    const std::string employees = TraitText(t, "employees");
    Value employees_value;
    if (t.contains("employees") && t["employees"].is_number_integer()) {
      employees_value = t["employees"].get<int64_t>();
    } else if (!employees.empty() && std::all_of(employees.begin(), employees.end(), ::isdigit)) {
      employees_value = static_cast<int64_t>(std::stoll(employees.substr(0, 15)));
    }
    const int64_t now = ev.received_at_ms / 1000;
    MOPS_ASSIGN_OR_RETURN(
        store::Rows rows,
        db_.Query(
            "INSERT INTO accounts (source_system, external_id, name, domain, website, "
            "industry, employees, created_at, updated_at) VALUES ('tracking', ?, ?, ?, ?, ?, "
            "?, ?, ?) ON CONFLICT (source_system, external_id) DO UPDATE SET name = "
            "COALESCE(excluded.name, accounts.name), domain = COALESCE(excluded.domain, "
            "accounts.domain), website = COALESCE(excluded.website, accounts.website), "
            "industry = COALESCE(excluded.industry, accounts.industry), employees = "
            "COALESCE(excluded.employees, accounts.employees), updated_at = "
            "excluded.updated_at RETURNING id, merged_into",
            std::vector<Value>{ev.group_id, TextOrNull(TraitText(t, "name")), TextOrNull(domain),
                               TextOrNull(website), TextOrNull(TraitText(t, "industry")),
                               employees_value, now, now}));
    const auto& r = rows.rows.at(0);
    const int64_t account = store::IsNull(r[1]) ? store::AsInt(r[0]) : store::AsInt(r[1]);
    std::optional<int64_t> contact = FindIdentity("user_id", ev.user_id);
    if (!contact) contact = FindIdentity("anonymous_id", ev.anonymous_id);
    if (contact) {
      MOPS_TRY(db_.Execute("UPDATE contacts SET account_id = ?, updated_at = ? WHERE id = ?",
                           std::vector<Value>{account, now, *contact}));
      account_of_[*contact] = account;
      MOPS_TRY(
          db_.Execute("UPDATE touchpoints SET account_id = ? WHERE contact_id = ? AND "
                      "account_id IS NULL",
                      std::vector<Value>{account, *contact}));
    }
    return contact;
  }

  // A page, screen or track call: its touchpoint and the event row, inserted
  // with their contact and channel (no second write). The touchpoint's key
  // ("<write key>:<messageId>") is unique, so it detects replays first.
  core::Status StoreTouch(int64_t key_id, const Event& ev, const std::string& tp_type,
                          StoreReport& report) {
    const IdentityRules& rules = config_->identity;
    std::optional<int64_t> contact;
    if (!IsBlockedIdentity(ev.user_id, rules)) contact = TouchContact("user_id", ev.user_id);
    if (!contact && !IsBlockedIdentity(ev.anonymous_id, rules)) {
      contact = TouchContact("anonymous_id", ev.anonymous_id);
    }
    Value account;
    if (contact) {
      MOPS_ASSIGN_OR_RETURN(account, AccountOf(*contact));
    }
    std::string channel(
        ingest::Classify(*channels_, ingest::ChannelInputs{ev.utm.source, ev.utm.medium,
                                                           ev.referrer, tp_type, ev.url})
            .channel);
    // A type that names its channel (a webinar, an email click) keeps it;
    // other touches of a continuing visit take the visit's channel.
    if (!TypeDecides(tp_type) && !ev.anonymous_id.empty() &&
        ContinuesVisit(ev.url, ev.referrer, ev.utm, ev.click_id)) {
      // The visitor's touches still waiting for their INSERT count too.
      for (const PendingTouch& p : pending_) {
        if (p.ev->anonymous_id == ev.anonymous_id) {
          MOPS_TRY(FlushTouches());
          break;
        }
      }
      MOPS_ASSIGN_OR_RETURN(store::Rows previous, previous_touch_->Query(std::vector<Value>{
                                                      ev.anonymous_id, ev.time_ms / 1000,
                                                      ev.time_ms / 1000 - kSessionWindowSeconds}));
      if (!previous.empty() && !store::IsNull(previous.rows[0][0])) {
        channel = store::AsText(previous.rows[0][0]);
      }
    }
    if (multi_row_) {
      pending_.push_back(PendingTouch{key_id, &ev, tp_type, std::move(channel),
                                      contact ? Value(*contact) : Value(), std::move(account),
                                      &report, current_});
      if (pending_.size() >= kRowsPerInsert) return FlushTouches();
      return {};
    }
    const Value contact_value = contact ? Value(*contact) : Value();
    std::vector<Value> touch;
    AppendTouchpointValues(touch, key_id, ev, tp_type, channel, contact_value, account);
    Value touchpoint_id;
    {
      MOPS_ASSIGN_OR_RETURN(store::Rows tp, insert_touchpoint_->Query(touch));
      if (!tp.empty()) touchpoint_id = tp.rows[0][0];
    }
    if (store::IsNull(touchpoint_id)) {
      ++report.duplicates;
      return {};
    }
    std::vector<Value> event_row;
    AppendTouchEventValues(event_row, key_id, ev, contact_value, touchpoint_id, channel);
    MOPS_ASSIGN_OR_RETURN(int64_t inserted, insert_touch_event_->Execute(event_row));
    return CountTouch(inserted > 0, ev, channel, touchpoint_id, contact_value, report, *current_);
  }

  // After a touch's event INSERT. Without an event row the event was known
  // but its touchpoint was deleted since: a replay, so the new touchpoint
  // goes again (the delete's trigger takes it out of touchpoint_weeks, so it
  // is counted in first). Else the touch counts as stored, for its week and
  // channel and for its contact.
  core::Status CountTouch(bool has_event, const Event& ev, const std::string& channel,
                          const Value& touchpoint_id, const Value& contact, StoreReport& report,
                          std::set<int64_t>& request_contacts) {
    const int64_t week = WeekOf(ev.time_ms / 1000);
    if (!has_event) {
      MOPS_TRY(add_week_->Execute(std::vector<Value>{week, channel, int64_t{1}}));
      MOPS_TRY(
          db_.Execute("DELETE FROM touchpoints WHERE id = ?", std::vector<Value>{touchpoint_id}));
      ++report.duplicates;
      return {};
    }
    ++weeks_[{week, channel}];
    ++report.stored;
    ++report.touchpoints;
    if (!store::IsNull(contact)) {
      touched_.insert(store::AsInt(contact));
      request_contacts.insert(store::AsInt(contact));
    }
    return {};
  }

  // SQLite: a touch waiting for its multi-row INSERT (FlushTouches).
  struct PendingTouch {
    int64_t key_id = 0;
    const Event* ev = nullptr;  // in the group's works, which outlive the group
    std::string tp_type;
    std::string channel;
    Value contact;
    Value account;
    StoreReport* report = nullptr;
    std::set<int64_t>* contacts = nullptr;  // the request's touched contacts
  };
  static constexpr size_t kRowsPerInsert = 64;
  static constexpr size_t kTouchpointColumns = 19;
  static constexpr size_t kEventColumns = 13;

  // The INSERT of `rows` rows: `head`, `row` repeated, `tail`; prepared once
  // per row count and kept in `cache`.
  core::Result<store::Statement*> RowsStatement(
      std::map<size_t, std::unique_ptr<store::Statement>>& cache, size_t rows,
      std::string_view head, std::string_view row, std::string_view tail) {
    auto& statement = cache[rows];
    if (!statement) {
      std::string sql(head);
      for (size_t i = 0; i < rows; ++i) {
        if (i > 0) sql += ", ";
        sql += row;
      }
      sql += tail;
      MOPS_ASSIGN_OR_RETURN(statement, db_.Prepare(sql));
    }
    return statement.get();
  }

  // The ids in [first, first + n) that `in` (SELECT id ... BETWEEN ? AND ?)
  // finds, as flags by offset.
  core::Result<std::vector<bool>> IdsPresent(store::Statement& in, int64_t first, size_t n) {
    MOPS_ASSIGN_OR_RETURN(store::Rows rows,
                          in.Query(std::vector<Value>{first, first + static_cast<int64_t>(n) - 1}));
    std::vector<bool> present(n, false);
    for (const auto& row : rows.rows) {
      const int64_t offset = store::AsInt(row.at(0)) - first;
      if (offset >= 0 && offset < static_cast<int64_t>(n)) present[offset] = true;
    }
    return present;
  }

  // Inserts the pending touches: their touchpoints in one statement, then
  // the events of those stored in another. Each row gets its id here (the
  // next after the table's largest; the group's transaction holds the write
  // lock), so a row the unique keys refused (a replayed messageId, in this
  // statement or before) is the id that is missing afterwards. Row-by-row
  // effects as in StoreTouch: a replay is counted, never stored twice.
  core::Status FlushTouches() {
    if (pending_.empty()) return {};
    std::vector<PendingTouch> rows;
    rows.swap(pending_);
    const size_t n = rows.size();
    MOPS_ASSIGN_OR_RETURN(store::Rows max_tp, max_touchpoint_id_->Query({}));
    const int64_t first_tp = store::AsInt(max_tp.rows.at(0).at(0)) + 1;
    MOPS_ASSIGN_OR_RETURN(
        store::Statement * insert_tp,
        RowsStatement(insert_touchpoints_, n,
                      "INSERT INTO touchpoints (id, source_system, external_id, contact_id, "
                      "contact_ref, anonymous_id, account_id, occurred_at, type, channel, source, "
                      "medium, utm_campaign, utm_content, utm_term, url, referrer, event_name, "
                      "value, message_id, weeks_counted) VALUES ",
                      "(?, 'tracking', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                      " ON CONFLICT (source_system, external_id) DO NOTHING"));
    std::vector<Value> params;
    params.reserve(n * kTouchpointColumns);
    for (size_t i = 0; i < n; ++i) {
      const PendingTouch& p = rows[i];
      params.emplace_back(first_tp + static_cast<int64_t>(i));
      AppendTouchpointValues(params, p.key_id, *p.ev, p.tp_type, p.channel, p.contact, p.account);
    }
    MOPS_ASSIGN_OR_RETURN(int64_t added, insert_tp->Execute(params));
    std::vector<bool> stored(n, true);
    if (added != static_cast<int64_t>(n)) {
      MOPS_ASSIGN_OR_RETURN(stored, IdsPresent(*touchpoint_ids_in_, first_tp, n));
    }
    // The events of the stored touchpoints.
    std::vector<size_t> kept;
    kept.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      if (stored[i]) {
        kept.push_back(i);
      } else {
        ++rows[i].report->duplicates;
      }
    }
    if (kept.empty()) return {};
    MOPS_ASSIGN_OR_RETURN(store::Rows max_ev, max_event_id_->Query({}));
    const int64_t first_ev = store::AsInt(max_ev.rows.at(0).at(0)) + 1;
    MOPS_ASSIGN_OR_RETURN(
        store::Statement * insert_ev,
        RowsStatement(insert_touch_events_, kept.size(),
                      "INSERT INTO tracking_events (id, write_key_id, message_id, type, event, "
                      "user_id, anonymous_id, occurred_at, received_at, body, contact_id, "
                      "touchpoint_id, channel) VALUES ",
                      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      " ON CONFLICT (write_key_id, message_id) DO NOTHING"));
    params.clear();
    for (size_t k = 0; k < kept.size(); ++k) {
      const PendingTouch& p = rows[kept[k]];
      params.emplace_back(first_ev + static_cast<int64_t>(k));
      AppendTouchEventValues(params, p.key_id, *p.ev, p.contact,
                             Value(first_tp + static_cast<int64_t>(kept[k])), p.channel);
    }
    MOPS_ASSIGN_OR_RETURN(int64_t inserted, insert_ev->Execute(params));
    std::vector<bool> has_event(kept.size(), true);
    if (inserted != static_cast<int64_t>(kept.size())) {
      MOPS_ASSIGN_OR_RETURN(has_event, IdsPresent(*event_ids_in_, first_ev, kept.size()));
    }
    for (size_t k = 0; k < kept.size(); ++k) {
      const PendingTouch& p = rows[kept[k]];
      MOPS_TRY(CountTouch(has_event[k], *p.ev, p.channel,
                          Value(first_tp + static_cast<int64_t>(kept[k])), p.contact, *p.report,
                          *p.contacts));
    }
    return {};
  }

  // Whether the rules give touches of `tp_type` a channel of their own,
  // whatever else they carry; one answer per type and group.
  bool TypeDecides(const std::string& tp_type) {
    auto it = type_decides_.find(tp_type);
    if (it != type_decides_.end()) return it->second;
    const bool decides =
        ingest::Classify(*channels_, ingest::ChannelInputs{{}, {}, {}, tp_type, {}}).channel !=
        ingest::Classify(*channels_, ingest::ChannelInputs{}).channel;
    type_decides_.emplace(tp_type, decides);
    return decides;
  }

  core::Result<Value> AccountOf(int64_t contact) {
    if (auto it = account_of_.find(contact); it != account_of_.end()) return it->second;
    MOPS_ASSIGN_OR_RETURN(Value account,
                          db_.QueryValue("SELECT account_id FROM contacts WHERE id = ?",
                                         std::vector<Value>{contact}));
    account_of_.emplace(contact, account);
    return account;
  }

  core::Status StoreOne(int64_t key_id, const Event& ev, StoreReport& report) {
    const std::string tp_type = TouchpointType(ev, config_->event_types);
    if (!tp_type.empty()) return StoreTouch(key_id, ev, tp_type, report);
    // Identify, alias and group read and change touchpoints: the waiting
    // touches go in first, in the order they came.
    MOPS_TRY(FlushTouches());
    contact_of_.clear();
    const std::string type(EventTypeName(ev.type));
    MOPS_ASSIGN_OR_RETURN(
        store::Rows inserted,
        insert_event_->Query(std::vector<Value>{key_id, ev.message_id, type, TextOrNull(ev.event),
                                                TextOrNull(ev.user_id), TextOrNull(ev.anonymous_id),
                                                ev.time_ms / 1000, ev.received_at_ms, ev.raw}));
    if (inserted.empty()) {
      ++report.duplicates;
      return {};
    }
    ++report.stored;
    const int64_t event_id = store::AsInt(inserted.rows[0][0]);
    std::optional<int64_t> contact;
    switch (ev.type) {
      case EventType::kIdentify: {
        MOPS_ASSIGN_OR_RETURN(contact, Identify(key_id, ev, report));
        break;
      }
      case EventType::kAlias: {
        MOPS_ASSIGN_OR_RETURN(contact, Alias(key_id, ev, report));
        break;
      }
      case EventType::kGroup: {
        MOPS_ASSIGN_OR_RETURN(contact, Group(ev));
        break;
      }
      default:
        break;
    }
    if (contact) {
      touched_.insert(*contact);
      current_->insert(*contact);
      MOPS_TRY(update_event_->Execute(std::vector<Value>{*contact, Value(), Value(), event_id}));
    }
    return {};
  }

  // First touch (original source, first UTM values, first referrer, first
  // landing page) and latest source of a contact, from its touchpoints.
  core::Status RefreshSources(int64_t contact) {
    constexpr std::string_view kColumns =
        "occurred_at, channel, source, medium, utm_campaign, referrer, url";
    MOPS_ASSIGN_OR_RETURN(
        store::Rows first,
        db_.Query(fmt::format("SELECT {} FROM touchpoints WHERE contact_id = ? ORDER BY "
                              "occurred_at, id LIMIT 1",
                              kColumns),
                  std::vector<Value>{contact}));
    if (first.empty()) return {};
    MOPS_ASSIGN_OR_RETURN(
        store::Rows last,
        db_.Query(fmt::format("SELECT {} FROM touchpoints WHERE contact_id = ? ORDER BY "
                              "occurred_at DESC, id DESC LIMIT 1",
                              kColumns),
                  std::vector<Value>{contact}));
    const auto& f = first.rows[0];
    const auto& l = last.rows[0];
    MOPS_TRY(db_.Execute(
        "UPDATE contacts SET first_touch_at = ?, first_touch_channel = ?, first_touch_source = ?, "
        "first_touch_medium = ?, first_touch_campaign = ?, first_touch_referrer = ?, "
        "first_touch_landing_page = ?, latest_touch_at = ?, latest_channel = ?, "
        "latest_utm_source = ?, latest_medium = ?, latest_campaign = ?, original_source = "
        "COALESCE(NULLIF(original_source, ''), ?), latest_source = CASE WHEN latest_source_at IS "
        "NULL OR latest_source_at <= ? THEN ? ELSE latest_source END, latest_source_at = CASE WHEN "
        "latest_source_at IS NULL OR latest_source_at <= ? THEN ? ELSE latest_source_at END WHERE "
        "id = ?",
        std::vector<Value>{f[0], f[1], f[2], f[3], f[4], f[5], f[6], l[0], l[1], l[2], l[3], l[4],
                           f[1], l[0], l[1], l[0], l[0], contact}));
    return {};
  }

  store::Database& db_;
  const TrackingConfig* config_ = nullptr;
  const ingest::ChannelRules* channels_ = nullptr;  // the workspace's channel rules
  std::unique_ptr<store::Statement> insert_event_, insert_touch_event_, update_event_,
      find_identity_, find_contact_by_email_, previous_touch_, insert_touchpoint_, add_week_,
      insert_rejection_;
  std::unique_ptr<store::Statement> configs_;
  // SQLite only: multi-row INSERTs of touches (FlushTouches).
  bool multi_row_ = false;
  std::unique_ptr<store::Statement> max_touchpoint_id_, max_event_id_, touchpoint_ids_in_,
      event_ids_in_;
  std::map<size_t, std::unique_ptr<store::Statement>> insert_touchpoints_, insert_touch_events_;
  std::vector<PendingTouch> pending_;
  std::set<int64_t> touched_;
  // Per request of the group, the contacts its events touched.
  std::map<StoreReport*, std::set<int64_t>> contacts_of_;
  std::set<int64_t>* current_ = nullptr;  // of the request being stored
  std::map<int64_t, Value> account_of_;   // contact -> account_id, within the group
  std::vector<PendingMerge> merges_;
  // The group's new touchpoints by (week, channel): touchpoint_weeks' share
  // of them, written by Finish.
  std::map<std::pair<int64_t, std::string>, int64_t> weeks_;
  std::map<std::string, bool, std::less<>> type_decides_;  // TypeDecides, per group
  // TouchContact's answers by user id ([0]) and anonymous id ([1]).
  struct ContactMemo {
    std::unordered_map<std::string, std::optional<int64_t>> by_value[2];
    void clear() {
      by_value[0].clear();
      by_value[1].clear();
    }
  } contact_of_;
};

struct Work {
  int64_t key_id = 0;
  std::string route;
  std::vector<Event> events;
  std::vector<Rejection> rejected;
  StoreReport report;
  core::Status status;
  bool done = false;
  // Wakes the request's thread: when its work is done, or when it is first
  // in the queue and may lead the next group (no thundering herd).
  std::condition_variable cv;
};

// Merges asked for by a committed group, each in its own transaction
// through the quality slice's survivorship merge (so it can be undone).
int64_t RunMerges(store::Database& db, const std::vector<PendingMerge>& merges,
                  std::set<int64_t>& touched) {
  if (merges.empty()) return 0;
  auto config = quality::LoadQualityConfig(db);
  int64_t made = 0;
  for (const PendingMerge& p : merges) {
    std::string status = "merged";
    std::string reason;
    Value merge_id;
    if (!config) {
      status = "failed";
      reason = config.error().message;
    } else {
      const int64_t ids[] = {p.survivor, p.merged};
      auto merged = quality::MergeRecords(db, "contacts", ids, config->survivorship, "tracking");
      if (merged) {
        merge_id = merged->merge_id;
        touched.insert(merged->survivor_id);
        ++made;
      } else {
        status = "failed";
        reason = merged.error().message;
      }
    }
    auto logged =
        db.Execute("UPDATE identity_merges SET status = ?, reason = ?, merge_id = ? WHERE id = ?",
                   std::vector<Value>{status, TextOrNull(reason), merge_id, p.log_id});
    if (!logged) spdlog::error("tracking: merge log: {}", logged.error().ToString());
  }
  return made;
}

void Notify(store::Database& db, const std::set<int64_t>& touched) {
  if (touched.empty()) return;
  const std::vector<int64_t> ids(touched.begin(), touched.end());
  std::vector<TouchedListener> listeners;
  {
    std::lock_guard lock(listeners_mu);
    listeners = Listeners();
  }
  for (const TouchedListener& l : listeners) {
    auto done = l(db, ids);
    if (!done) spdlog::error("tracking: contacts-touched listener: {}", done.error().ToString());
  }
}

// A config parsed from its stored text and kept until that text changes:
// every group reads the text (one indexed row) and parses it again only when
// it changed, since parsing the YAML cost more than storing a small group of
// events.
template <typename Config>
class ParsedByText {
 public:
  template <typename Parse>
  core::Result<std::shared_ptr<const Config>> Get(std::string text, Parse parse) {
    {
      std::lock_guard lock(mu_);
      if (cached_ && text_ == text) return cached_;
    }
    MOPS_ASSIGN_OR_RETURN(Config parsed, parse(text));
    auto config = std::make_shared<const Config>(std::move(parsed));
    std::lock_guard lock(mu_);
    text_ = std::move(text);
    cached_ = config;
    return config;
  }

 private:
  std::mutex mu_;
  std::string text_;
  std::shared_ptr<const Config> cached_;  // null: nothing parsed yet
};

// The stored texts of the tracking config (absent: the defaults) and of the
// channel rules (empty: the built-in rules), read with one statement.
struct ConfigTexts {
  std::optional<std::string> tracking;
  std::string channels;
};
core::Result<ConfigTexts> ReadConfigTexts(store::Database& db, store::Statement* prepared) {
  store::Rows rows;
  if (prepared != nullptr) {
    MOPS_ASSIGN_OR_RETURN(rows, prepared->Query({}));
  } else {
    MOPS_ASSIGN_OR_RETURN(rows, db.Query(kConfigTextsSql));
  }
  ConfigTexts out;
  for (const auto& row : rows.rows) {
    if (store::IsNull(row.at(1))) continue;
    if (store::AsText(row.at(0)) == "tracking") {
      out.tracking = store::AsText(row[1]);
    } else {
      out.channels = store::AsText(row[1]);
    }
  }
  return out;
}

// The tracking config (`mops tracking config set`).
core::Result<std::shared_ptr<const TrackingConfig>> CurrentConfig(
    const std::optional<std::string>& text) {
  static ParsedByText<TrackingConfig> cache;
  // An absent row is the default config; "\0" cannot be a stored YAML text.
  const bool absent = !text.has_value();
  return cache.Get(absent ? std::string(1, '\0') : *text,
                   [absent](const std::string& stored) -> core::Result<TrackingConfig> {
                     if (absent) return DefaultTrackingConfig();
                     return ParseTrackingConfig(stored, "tracking config");
                   });
}

// The workspace's channel rules (`mops config set channels`); empty text
// means the built-in rules.
core::Result<std::shared_ptr<const ingest::ChannelRules>> CurrentChannelRules(std::string text) {
  static ParsedByText<ingest::ChannelRules> cache;
  return cache.Get(std::move(text), [](const std::string& stored) {
    return stored.empty()
               ? ingest::ParseChannelRules(ingest::DefaultChannelRulesText(), "built-in rules")
               : ingest::ParseChannelRules(stored, "configs.channels");
  });
}

// Commits `works` in one transaction. On failure nothing of them is stored.
// `prepared`: statements prepared on `db` already (else prepared here).
core::Status CommitGroup(store::Database& db, std::span<Work* const> works,
                         std::vector<PendingMerge>& merges, std::set<int64_t>& touched,
                         Batch* prepared) {
  MOPS_ASSIGN_OR_RETURN(ConfigTexts texts,
                        ReadConfigTexts(db, prepared != nullptr ? prepared->configs() : nullptr));
  MOPS_ASSIGN_OR_RETURN(std::shared_ptr<const TrackingConfig> current,
                        CurrentConfig(texts.tracking));
  MOPS_ASSIGN_OR_RETURN(std::shared_ptr<const ingest::ChannelRules> channels,
                        CurrentChannelRules(std::move(texts.channels)));
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  std::optional<Batch> local;
  if (prepared == nullptr) {
    local.emplace(db);
    MOPS_TRY(local->Prepare());
  }
  Batch& batch = prepared != nullptr ? *prepared : *local;
  batch.Reset(*current, *channels);
  std::vector<StoreReport> reports(works.size());
  for (size_t i = 0; i < works.size(); ++i) {
    MOPS_TRY(batch.Store(works[i]->key_id, works[i]->route, works[i]->events, works[i]->rejected,
                         nullptr, reports[i]));
  }
  StoreReport all;
  MOPS_TRY(batch.Finish(all));
  MOPS_TRY(tx.Commit());
  for (size_t i = 0; i < works.size(); ++i) works[i]->report = std::move(reports[i]);
  touched.insert(all.contacts.begin(), all.contacts.end());
  merges = std::move(batch.merges());
  return {};
}

// Commits the group, or each work alone when the group fails; then merges
// and listeners.
void CommitAll(store::Database& db, std::span<Work* const> works, Batch* prepared) {
  std::vector<PendingMerge> merges;
  std::set<int64_t> touched;
  auto status = CommitGroup(db, works, merges, touched, prepared);
  if (!status && works.size() > 1) {
    for (Work* w : works) {
      std::vector<PendingMerge> m;
      Work* one[] = {w};
      w->status = CommitGroup(db, one, m, touched, prepared);
      merges.insert(merges.end(), m.begin(), m.end());
    }
  } else {
    for (Work* w : works) w->status = status;
  }
  // Merges and listeners belong to the events: report them with the first
  // request that caused them.
  const int64_t made = RunMerges(db, merges, touched);
  if (!works.empty()) works.front()->report.merges += made;
  Notify(db, touched);
}

}  // namespace

void AddTouchedListener(TouchedListener listener) {
  std::lock_guard lock(listeners_mu);
  Listeners().push_back(std::move(listener));
}

struct Writer::State {
  std::mutex mu;
  std::vector<Work*> queue;
  bool committing = false;
  // The writer's own connection and its statements, used by one leader at a
  // time (`committing`): opened on the first group, kept for the next ones.
  std::unique_ptr<store::Database> conn;
  std::unique_ptr<Batch> batch;
  bool own_connection_tried = false;

  // SQLite: WAL checkpoints run on a thread of their own with its own
  // connection (a passive checkpoint copies committed pages while the
  // writer goes on), asked for every kCheckpointEvents events or
  // kCheckpointGroups groups; the writer's connection still checkpoints by
  // itself past kWriterCheckpointPages, a bound if this thread falls behind.
  static constexpr int64_t kCheckpointEvents = 20000;
  static constexpr int64_t kCheckpointGroups = 500;
  static constexpr int kWriterCheckpointPages = 16384;
  std::unique_ptr<store::Database> checkpoint_conn;
  std::thread checkpointer;
  std::mutex checkpoint_mu;
  std::condition_variable checkpoint_cv;
  bool checkpoint_due = false;
  bool stopping = false;
  int64_t events_since_checkpoint = 0;  // guarded by `mu`
  int64_t groups_since_checkpoint = 0;  // guarded by `mu`

  ~State() {
    {
      std::lock_guard lock(checkpoint_mu);
      stopping = true;
    }
    checkpoint_cv.notify_one();
    if (checkpointer.joinable()) checkpointer.join();
  }

  // After a group commit of `events` events (under `mu`).
  void Committed(size_t events) {
    if (!checkpointer.joinable()) return;
    events_since_checkpoint += static_cast<int64_t>(events);
    if (events_since_checkpoint < kCheckpointEvents &&
        ++groups_since_checkpoint < kCheckpointGroups) {
      return;
    }
    events_since_checkpoint = 0;
    groups_since_checkpoint = 0;
    {
      std::lock_guard lock(checkpoint_mu);
      checkpoint_due = true;
    }
    checkpoint_cv.notify_one();
  }

  void StartCheckpointer(store::Database& db) {
    auto opened = db.OpenAnother();
    if (!opened) {
      spdlog::warn("tracking: checkpoint connection: {}", opened.error().ToString());
      return;
    }
    checkpoint_conn = std::move(*opened);
    checkpointer = std::thread([this] {
      std::unique_lock lock(checkpoint_mu);
      while (true) {
        checkpoint_cv.wait(lock, [this] { return checkpoint_due || stopping; });
        if (stopping) return;
        checkpoint_due = false;
        lock.unlock();
        // Busy (another checkpoint running) is no failure: the next one
        // copies what this one would have.
        auto done = checkpoint_conn->ExecScript("PRAGMA wal_checkpoint(PASSIVE)");
        if (!done) spdlog::debug("tracking: checkpoint: {}", done.error().ToString());
        lock.lock();
      }
    });
  }

  // The writer's connection, opened from the first request's: a file or a
  // PostgreSQL database (an in-memory SQLite database cannot be opened twice).
  void OpenConnection(store::Database& db) {
    if (own_connection_tried) return;
    own_connection_tried = true;
    const std::string& name = db.display_name();
    if (db.dialect() == store::Dialect::kSqlite &&
        (name.empty() || name == ":memory:" || name.starts_with("file:"))) {
      return;
    }
    auto opened = db.OpenAnother();
    if (!opened) {
      spdlog::warn("tracking: own connection: {}", opened.error().ToString());
      return;
    }
    if (db.dialect() == store::Dialect::kSqlite) {
      // Fewer, larger checkpoints: a group rewrites the same index leaves,
      // which a checkpoint then copies once instead of once per 1,000 pages.
      if (auto set = (*opened)->ExecScript(
              fmt::format("PRAGMA wal_autocheckpoint={}", kWriterCheckpointPages));
          !set) {
        spdlog::warn("tracking: wal_autocheckpoint: {}", set.error().ToString());
      }
      StartCheckpointer(db);
    }
    auto prepared = std::make_unique<Batch>(**opened);
    if (auto status = prepared->Prepare(); !status) {
      spdlog::warn("tracking: statements: {}", status.error().ToString());
      return;
    }
    conn = std::move(*opened);
    batch = std::move(prepared);
  }
};

Writer::Writer() : state_(std::make_unique<State>()) {}
Writer::~Writer() = default;

core::Result<StoreReport> Writer::Store(store::Database& db, int64_t key_id, std::string_view route,
                                        std::vector<Event> events,
                                        std::vector<Rejection> rejected) {
  Work work;
  work.key_id = key_id;
  work.route = std::string(route);
  work.events = std::move(events);
  work.rejected = std::move(rejected);
  State& s = *state_;
  std::unique_lock lock(s.mu);
  s.queue.push_back(&work);
  while (!work.done) {
    if (s.committing) {
      work.cv.wait(lock);
      continue;
    }
    // Lead: take everything queued (this work among it) and commit it.
    s.committing = true;
    std::vector<Work*> group;
    group.swap(s.queue);
    lock.unlock();
    s.OpenConnection(db);
    if (s.conn) {
      CommitAll(*s.conn, group, s.batch.get());
    } else {
      CommitAll(db, group, nullptr);
    }
    lock.lock();
    size_t events = 0;
    for (Work* w : group) events += w->events.size();
    s.Committed(events);
    for (Work* w : group) {
      w->done = true;
      if (w != &work) w->cv.notify_one();
    }
    s.committing = false;
    // The next group's leader: the oldest request queued meanwhile.
    if (!s.queue.empty()) s.queue.front()->cv.notify_one();
  }
  if (!work.status) return std::unexpected(work.status.error());
  return std::move(work.report);
}

core::Result<StoreReport> StoreEvents(store::Database& db, int64_t key_id, std::string_view route,
                                      std::vector<Event> events, std::vector<Rejection> rejected) {
  Work work;
  work.key_id = key_id;
  work.route = std::string(route);
  work.events = std::move(events);
  work.rejected = std::move(rejected);
  Work* one[] = {&work};
  CommitAll(db, one, nullptr);
  if (!work.status) return std::unexpected(work.status.error());
  return std::move(work.report);
}

}  // namespace mops::tracking
