// WriteCompanyCsv: the canonical CSVs of a Company, plus truth/.
//
// Rows are appended to a CsvWriter buffer that is flushed to the file every
// megabyte, so memory stays flat whatever the scale. Ids, times and money
// are formatted by hand (to_chars, a per-day date cache) and the texts of
// touchpoints are quoted once per dictionary entry: this is the hot path of
// `mops generate` at 2 M touchpoints. Touchpoint rows are formatted on two
// threads, beside the thread that writes the other files.
#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/csv.h"
#include "demo/demo.h"
#include "demo/discovery.h"

namespace mops::demo {

const std::vector<std::pair<std::string_view, std::vector<std::string_view>>>& CsvHeaders() {
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> kHeaders = {
      {"users",
       {"external_id", "name", "email", "team", "territory", "capacity", "active",
        "out_of_office_until"}},
      {"accounts",
       {"external_id", "name", "domain", "website", "industry", "employees", "annual_revenue",
        "currency", "country", "state", "city", "owner_id", "parent_id", "created_at"}},
      {"contacts",
       {"external_id", "email", "first_name", "last_name", "title", "seniority", "department",
        "phone", "company_name", "account_id", "country", "state", "city", "lifecycle_stage",
        "lead_status", "owner_id", "original_source", "created_at"}},
      {"lifecycle_history", {"contact_id", "stage", "entered_at"}},
      {"campaigns",
       {"external_id", "name", "type", "channel", "parent_id", "status", "start_date", "end_date",
        "budget", "actual_cost", "currency", "owner_id", "utm_campaign", "created_at"}},
      {"campaign_members",
       {"external_id", "campaign_id", "contact_id", "status", "responded", "first_responded_at",
        "created_at"}},
      {"touchpoints",
       {"external_id", "contact_id", "anonymous_id", "account_id", "occurred_at", "type", "channel",
        "source", "medium", "campaign_id", "utm_campaign", "utm_content", "utm_term", "url",
        "referrer", "event_name", "value", "message_id"}},
      {"opportunities",
       {"external_id", "account_id", "name", "stage", "pipeline", "amount", "currency",
        "created_at", "close_date", "is_closed", "is_won", "type", "lead_source",
        "primary_campaign_id", "owner_id"}},
      {"opportunity_contacts",
       {"external_id", "opportunity_id", "contact_id", "role", "is_primary"}},
      {"opportunity_history", {"external_id", "opportunity_id", "stage", "amount", "entered_at"}},
      {"spend",
       {"external_id", "date", "channel", "source", "campaign_id", "amount", "currency",
        "impressions", "clicks"}},
      {"tools",
       {"external_id", "name", "vendor", "category", "capabilities", "owner", "annual_cost",
        "currency", "seats", "active_seats", "renewal_date", "notice_days", "auto_renew",
        "status"}},
      {"integrations",
       {"external_id", "from_tool_id", "to_tool_id", "objects", "direction", "status",
        "last_sync_at"}},
  };
  return kHeaders;
}

namespace {

using core::Timestamp;

constexpr size_t kFlushBytes = 1 << 20;

struct IdFormat {
  std::string_view prefix;
  int width;
};
// The external id of each record kind: prefix and zero-padded width.
constexpr std::array<IdFormat, 13> kIdFormats = {{{"usr-", 4},
                                                  {"acc-", 6},
                                                  {"con-", 6},
                                                  {"cmp-", 4},
                                                  {"cm-", 7},
                                                  {"tp-", 8},
                                                  {"opp-", 6},
                                                  {"oc-", 6},
                                                  {"oh-", 7},
                                                  {"sp-", 7},
                                                  {"tool-", 3},
                                                  {"int-", 3},
                                                  {"p-", 6}}};

using core::FloorDiv;

void Put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

// Bytes that make a CSV field need quotes (RFC 4180 plus what CsvWriter
// quotes: leading or trailing blanks are checked separately).
constexpr std::array<bool, 256> kSpecial = [] {
  std::array<bool, 256> a{};
  a[','] = a['"'] = a['\n'] = a['\r'] = true;
  a[0xEF] = true;  // a possible BOM: let CsvWriter decide
  return a;
}();

bool Plain(std::string_view s) {
  if (s.empty()) return true;
  if (s.front() == ' ' || s.front() == '\t' || s.back() == ' ' || s.back() == '\t') return false;
  for (char c : s) {
    if (kSpecial[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

// Appends CSV fields to a string. Fields that are ours (ids, times,
// numbers, enum names) are appended as they are; text goes through
// CsvWriter's quoting when it needs it. Not thread-safe.
class RowWriter {
 public:
  explicit RowWriter(std::string& buffer) : buf_(buffer) {}

  // A field known to need no quoting.
  void Raw(std::string_view s) {
    if (in_row_) buf_.push_back(',');
    in_row_ = true;
    buf_.append(s);
  }
  void Text(std::string_view s) {
    if (Plain(s)) return Raw(s);
    escaper_.Clear();
    escaper_.Field(s);
    Raw(escaper_.data());
  }
  // The field as Text would write it.
  std::string Escaped(std::string_view s) {
    if (Plain(s)) return std::string(s);
    escaper_.Clear();
    escaper_.Field(s);
    return escaper_.data();
  }
  void Empty() { Raw({}); }
  void Int(int64_t v) {
    char buffer[24];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
    Raw(std::string_view(buffer, static_cast<size_t>(end - buffer)));
  }
  void Int(const std::optional<int64_t>& v) { v ? Int(*v) : Empty(); }
  void Bool(bool v) { Raw(v ? std::string_view("true") : std::string_view("false")); }

  void Id(RecordKind kind, int64_t index) {
    const IdFormat& f = kIdFormats[static_cast<size_t>(kind)];
    char buffer[32];
    std::memcpy(buffer, f.prefix.data(), f.prefix.size());
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, index + 1);
    const auto n = static_cast<int>(end - digits);
    char* p = buffer + f.prefix.size();
    for (int i = n; i < f.width; ++i) *p++ = '0';
    std::memcpy(p, digits, static_cast<size_t>(n));
    p += n;
    Raw(std::string_view(buffer, static_cast<size_t>(p - buffer)));
  }
  void Ref(RecordKind kind, int32_t index) {
    if (index == kNone) {
      Empty();
    } else {
      Id(kind, index);
    }
  }

  // "2025-03-04T10:15:00Z"
  void Time(Timestamp t) {
    char buffer[20];
    const int64_t day = FloorDiv(t, core::kSecondsPerDay);
    Day(day, buffer);
    const auto secs = static_cast<unsigned>(t - day * core::kSecondsPerDay);
    buffer[10] = 'T';
    Put2(buffer + 11, secs / 3600);
    buffer[13] = ':';
    Put2(buffer + 14, secs / 60 % 60);
    buffer[16] = ':';
    Put2(buffer + 17, secs % 60);
    buffer[19] = 'Z';
    Raw(std::string_view(buffer, 20));
  }
  void Time(const std::optional<Timestamp>& t) { t ? Time(*t) : Empty(); }
  // "2025-03-04"
  void Date(Timestamp t) {
    char buffer[10];
    Day(FloorDiv(t, core::kSecondsPerDay), buffer);
    Raw(std::string_view(buffer, 10));
  }
  // Minor units to "12500.00".
  void Money(int64_t minor) {
    char buffer[32];
    char* p = buffer;
    const uint64_t v =
        minor < 0 ? static_cast<uint64_t>(-(minor + 1)) + 1 : static_cast<uint64_t>(minor);
    if (minor < 0) *p++ = '-';
    p = std::to_chars(p, buffer + sizeof buffer, v / 100).ptr;
    *p++ = '.';
    Put2(p, static_cast<unsigned>(v % 100));
    p += 2;
    Raw(std::string_view(buffer, static_cast<size_t>(p - buffer)));
  }
  void Money(const std::optional<int64_t>& minor) { minor ? Money(*minor) : Empty(); }

  void EndRow() {
    buf_.push_back('\n');
    in_row_ = false;
  }

 protected:
  std::string& buf_;

 private:
  // Writes YYYY-MM-DD of a day number; remembers the last day (rows come
  // in runs of the same day).
  void Day(int64_t day, char* out) {
    if (day != cached_day_) {
      const core::CivilDate c = core::CivilFromDays(day);
      const auto y = static_cast<unsigned>(c.year);
      const unsigned m = c.month;
      const unsigned d = c.day;
      Put2(cached_ + 0, y / 100 % 100);
      Put2(cached_ + 2, y % 100);
      cached_[4] = '-';
      Put2(cached_ + 5, m);
      cached_[7] = '-';
      Put2(cached_ + 8, d);
      cached_day_ = day;
    }
    std::memcpy(out, cached_, 10);
  }

  core::CsvWriter escaper_;  // quotes the text fields that need it
  bool in_row_ = false;
  int64_t cached_day_ = INT64_MIN;
  char cached_[10] = {};
};

// The rows are built in a CsvWriter's buffer (a base, so that it exists
// before the RowWriter that appends to it).
struct RowBuffer {
  core::CsvWriter out;
};

// One output file: rows built in memory and flushed every megabyte.
class CsvFile : private RowBuffer, public RowWriter {
 public:
  static core::Result<std::unique_ptr<CsvFile>> Open(const std::filesystem::path& path) {
    std::FILE* f = std::fopen(path.string().c_str(), "wb");
    if (f == nullptr) {
      return core::Fail(core::ErrorCode::kIo, "cannot write {}: {}", path.string(),
                        std::strerror(errno));
    }
    return std::unique_ptr<CsvFile>(new CsvFile(f, path.string()));
  }
  ~CsvFile() {
    if (file_ != nullptr) std::fclose(file_);
  }
  CsvFile(const CsvFile&) = delete;
  CsvFile& operator=(const CsvFile&) = delete;

  void Header(std::string_view table) {
    for (const auto& [name, columns] : CsvHeaders()) {
      if (name != table) continue;
      for (std::string_view c : columns) Raw(c);
    }
    RowWriter::EndRow();
  }

  core::Status EndRow() {
    RowWriter::EndRow();
    if (buf_.size() >= kFlushBytes) return Flush();
    return {};
  }

  // Writes `data` as it is, after what is buffered.
  core::Status Append(std::string_view data) {
    MOPS_TRY(Flush());
    if (!data.empty() && std::fwrite(data.data(), 1, data.size(), file_) != data.size()) {
      return core::Fail(core::ErrorCode::kIo, "cannot write {}: {}", path_, std::strerror(errno));
    }
    return {};
  }

  core::Status Close() {
    MOPS_TRY(Flush());
    std::FILE* f = std::exchange(file_, nullptr);
    if (std::fclose(f) != 0) {
      return core::Fail(core::ErrorCode::kIo, "cannot write {}: {}", path_, std::strerror(errno));
    }
    return {};
  }

 private:
  CsvFile(std::FILE* f, std::string path)
      : RowWriter(out.mutable_data()), file_(f), path_(std::move(path)) {
    buf_.reserve(kFlushBytes + 4096);
  }

  core::Status Flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size()) {
      return core::Fail(core::ErrorCode::kIo, "cannot write {}: {}", path_, std::strerror(errno));
    }
    buf_.clear();
    return {};
  }

  std::FILE* file_;
  std::string path_;
};

using File = std::unique_ptr<CsvFile>;

core::Result<File> Start(const std::filesystem::path& dir, std::string_view table) {
  MOPS_ASSIGN_OR_RETURN(File f, CsvFile::Open(dir / (std::string(table) + ".csv")));
  f->Header(table);
  return f;
}

core::Status WriteUsers(const Company& c, const std::filesystem::path& dir) {
  MOPS_ASSIGN_OR_RETURN(File f, Start(dir, "users"));
  for (size_t i = 0; i < c.users.size(); ++i) {
    const User& u = c.users[i];
    f->Id(RecordKind::kUser, static_cast<int64_t>(i));
    f->Text(u.name);
    f->Text(u.email);
    f->Text(u.team);
    f->Text(u.territory);
    u.capacity ? f->Int(*u.capacity) : f->Empty();
    f->Bool(u.active);
    f->Time(u.out_of_office_until);
    MOPS_TRY(f->EndRow());
  }
  return f->Close();
}

core::Status WriteAccounts(const Company& c, const std::filesystem::path& dir) {
  MOPS_ASSIGN_OR_RETURN(File f, Start(dir, "accounts"));
  for (size_t i = 0; i < c.accounts.size(); ++i) {
    const Account& a = c.accounts[i];
    f->Id(RecordKind::kAccount, static_cast<int64_t>(i));
    f->Text(a.name);
    f->Text(a.domain);
    f->Text(a.website);
    f->Text(a.industry);
    f->Int(a.employees);
    f->Money(a.annual_revenue);
    f->Text(a.currency);
    f->Text(a.country);
    f->Text(a.state);
    f->Text(a.city);
    f->Ref(RecordKind::kUser, a.owner);
    f->Ref(RecordKind::kAccount, a.parent);
    f->Time(a.created_at);
    MOPS_TRY(f->EndRow());
  }
  return f->Close();
}

core::Status WriteContacts(const Company& c, const std::filesystem::path& dir) {
  MOPS_ASSIGN_OR_RETURN(File f, Start(dir, "contacts"));
  for (size_t i = 0; i < c.contacts.size(); ++i) {
    const Contact& x = c.contacts[i];
    f->Id(RecordKind::kContact, static_cast<int64_t>(i));
    f->Text(x.email);
    f->Text(x.first_name);
    f->Text(x.last_name);
    f->Text(x.title);
    f->Text(x.seniority);
    f->Text(x.department);
    f->Text(x.phone);
    f->Text(x.company_name);
    f->Ref(RecordKind::kAccount, x.account);
    f->Text(x.country);
    f->Text(x.state);
    f->Text(x.city);
    f->Text(LifecycleName(x.lifecycle_stage));
    f->Text(x.lead_status);
    f->Ref(RecordKind::kUser, x.owner);
    f->Text(x.original_source);
    f->Time(x.created_at);
    MOPS_TRY(f->EndRow());
  }
  MOPS_TRY(f->Close());

  MOPS_ASSIGN_OR_RETURN(File h, Start(dir, "lifecycle_history"));
  for (const LifecycleEntry& e : c.lifecycle_history) {
    h->Id(RecordKind::kContact, e.contact);
    h->Text(LifecycleName(e.stage));
    h->Time(e.entered_at);
    MOPS_TRY(h->EndRow());
  }
  return h->Close();
}

core::Status WriteCampaigns(const Company& c, const std::filesystem::path& dir) {
  MOPS_ASSIGN_OR_RETURN(File f, Start(dir, "campaigns"));
  for (size_t i = 0; i < c.campaigns.size(); ++i) {
    const Campaign& x = c.campaigns[i];
    f->Id(RecordKind::kCampaign, static_cast<int64_t>(i));
    f->Text(x.name);
    f->Text(x.type);
    f->Text(ChannelName(x.channel));
    f->Ref(RecordKind::kCampaign, x.parent);
    f->Text(x.status);
    f->Date(x.start_date);
    f->Date(x.end_date);
    f->Money(x.budget);
    f->Money(x.actual_cost);
    f->Text(x.currency);
    f->Ref(RecordKind::kUser, x.owner);
    f->Text(x.utm_campaign);
    f->Time(x.created_at);
    MOPS_TRY(f->EndRow());
  }
  MOPS_TRY(f->Close());

  MOPS_ASSIGN_OR_RETURN(File m, Start(dir, "campaign_members"));
  for (size_t i = 0; i < c.campaign_members.size(); ++i) {
    const CampaignMember& x = c.campaign_members[i];
    m->Id(RecordKind::kCampaignMember, static_cast<int64_t>(i));
    m->Id(RecordKind::kCampaign, x.campaign);
    m->Id(RecordKind::kContact, x.contact);
    m->Text(x.status);
    m->Bool(x.responded);
    m->Time(x.first_responded_at);
    m->Time(x.created_at);
    MOPS_TRY(m->EndRow());
  }
  return m->Close();
}

// Touchpoints are most of the bytes. Blocks of rows are formatted on
// `threads` threads (block b on thread b % threads) and written in order:
// each thread waits for its block's turn, so at most one block per thread
// is in memory.
core::Status WriteTouchpoints(const Company& c, const std::filesystem::path& dir, int threads) {
  MOPS_ASSIGN_OR_RETURN(File f, Start(dir, "touchpoints"));
  // The text fields are dictionary ids: quote each text once.
  std::vector<std::string> texts;
  texts.reserve(c.texts.size());
  for (const std::string& t : c.texts) texts.push_back(f->Escaped(t));
  std::array<std::string_view, kTouchTypeCount> types;
  for (int i = 0; i < kTouchTypeCount; ++i) types[i] = TouchTypeName(static_cast<TouchType>(i));
  std::array<std::string_view, kChannelCount> channels;
  for (int i = 0; i < kChannelCount; ++i) channels[i] = ChannelName(static_cast<Channel>(i));

  constexpr size_t kBlockRows = 16384;
  const size_t n = c.touchpoints.size();
  const size_t blocks = (n + kBlockRows - 1) / kBlockRows;
  std::mutex mutex;
  std::condition_variable turn;
  size_t next_block = 0;
  core::Status status;

  const auto work = [&](int part) {
    std::string buffer;
    buffer.reserve(kBlockRows * 320);
    RowWriter w(buffer);
    int32_t cached_visitor = kNone;
    std::string anonymous_id;
    for (size_t b = static_cast<size_t>(part); b < blocks; b += static_cast<size_t>(threads)) {
      buffer.clear();
      const size_t end = std::min(n, (b + 1) * kBlockRows);
      for (size_t i = b * kBlockRows; i < end; ++i) {
        const Touchpoint& t = c.touchpoints[i];
        w.Id(RecordKind::kTouchpoint, static_cast<int64_t>(i));
        w.Ref(RecordKind::kContact, t.contact);
        if (t.visitor == kNone) {
          w.Empty();
        } else {
          if (t.visitor != cached_visitor) {
            anonymous_id = AnonymousId(c.options.seed, t.visitor);
            cached_visitor = t.visitor;
          }
          w.Raw(anonymous_id);
        }
        w.Ref(RecordKind::kAccount, t.account);
        w.Time(t.occurred_at);
        w.Raw(types[static_cast<size_t>(t.type)]);
        w.Raw(channels[static_cast<size_t>(t.channel)]);
        w.Raw(texts[t.source]);
        w.Raw(texts[t.medium]);
        w.Ref(RecordKind::kCampaign, t.campaign);
        w.Raw(texts[t.utm_campaign]);
        w.Raw(texts[t.utm_content]);
        w.Raw(texts[t.utm_term]);
        w.Raw(texts[t.url]);
        w.Raw(texts[t.referrer]);
        w.Raw(texts[t.event_name]);
        if (t.value) {
          w.Int(static_cast<int64_t>(*t.value));
        } else {
          w.Empty();
        }
        w.Raw(texts[t.message_id]);
        w.EndRow();
      }
      std::unique_lock lock(mutex);
      turn.wait(lock, [&] { return next_block == b; });
      if (status) status = f->Append(buffer);
      ++next_block;
      turn.notify_all();
    }
  };
  std::vector<std::thread> workers;
  for (int part = 1; part < threads; ++part) workers.emplace_back(work, part);
  work(0);
  for (std::thread& t : workers) t.join();
  MOPS_TRY(status);
  return f->Close();
}

core::Status WriteOpportunities(const Company& c, const std::filesystem::path& dir) {
  MOPS_ASSIGN_OR_RETURN(File f, Start(dir, "opportunities"));
  for (size_t i = 0; i < c.opportunities.size(); ++i) {
    const Opportunity& o = c.opportunities[i];
    f->Id(RecordKind::kOpportunity, static_cast<int64_t>(i));
    f->Ref(RecordKind::kAccount, o.account);
    f->Text(o.name);
    f->Text(o.stage);
    f->Text(o.pipeline);
    f->Money(o.amount);
    f->Text(o.currency);
    f->Time(o.created_at);
    f->Date(o.close_date);
    f->Bool(o.is_closed);
    f->Bool(o.is_won);
    f->Text(o.type);
    f->Text(o.lead_source);
    f->Ref(RecordKind::kCampaign, o.primary_campaign);
    f->Ref(RecordKind::kUser, o.owner);
    MOPS_TRY(f->EndRow());
  }
  MOPS_TRY(f->Close());

  MOPS_ASSIGN_OR_RETURN(File oc, Start(dir, "opportunity_contacts"));
  for (size_t i = 0; i < c.opportunity_contacts.size(); ++i) {
    const OpportunityContact& x = c.opportunity_contacts[i];
    oc->Id(RecordKind::kOpportunityContact, static_cast<int64_t>(i));
    oc->Id(RecordKind::kOpportunity, x.opportunity);
    oc->Id(RecordKind::kContact, x.contact);
    oc->Text(x.role);
    oc->Bool(x.is_primary);
    MOPS_TRY(oc->EndRow());
  }
  MOPS_TRY(oc->Close());

  MOPS_ASSIGN_OR_RETURN(File h, Start(dir, "opportunity_history"));
  for (size_t i = 0; i < c.opportunity_history.size(); ++i) {
    const OpportunityHistory& x = c.opportunity_history[i];
    h->Id(RecordKind::kOpportunityHistory, static_cast<int64_t>(i));
    h->Id(RecordKind::kOpportunity, x.opportunity);
    h->Text(x.stage);
    h->Money(x.amount);
    h->Time(x.entered_at);
    MOPS_TRY(h->EndRow());
  }
  return h->Close();
}

core::Status WriteSpend(const Company& c, const std::filesystem::path& dir) {
  MOPS_ASSIGN_OR_RETURN(File f, Start(dir, "spend"));
  for (size_t i = 0; i < c.spend.size(); ++i) {
    const Spend& s = c.spend[i];
    f->Id(RecordKind::kSpend, static_cast<int64_t>(i));
    f->Date(s.date);
    f->Text(ChannelName(s.channel));
    f->Text(s.source);
    f->Ref(RecordKind::kCampaign, s.campaign);
    f->Money(s.amount);
    f->Text(s.currency);
    f->Int(s.impressions);
    f->Int(s.clicks);
    MOPS_TRY(f->EndRow());
  }
  return f->Close();
}

core::Status WriteStack(const Company& c, const std::filesystem::path& dir) {
  MOPS_ASSIGN_OR_RETURN(File f, Start(dir, "tools"));
  for (size_t i = 0; i < c.tools.size(); ++i) {
    const Tool& t = c.tools[i];
    f->Id(RecordKind::kTool, static_cast<int64_t>(i));
    f->Text(t.name);
    f->Text(t.vendor);
    f->Text(t.category);
    std::string capabilities;
    for (const std::string& cap : t.capabilities) {
      if (!capabilities.empty()) capabilities.push_back(';');
      capabilities += cap;
    }
    f->Text(capabilities);
    f->Text(t.owner);
    f->Money(t.annual_cost);
    f->Text(t.currency);
    f->Int(t.seats);
    f->Int(t.active_seats);
    if (t.renewal_date != 0) {
      f->Date(t.renewal_date);
      f->Int(t.notice_days);
    } else {
      f->Empty();
      f->Empty();
    }
    f->Bool(t.auto_renew);
    f->Text(t.status);
    MOPS_TRY(f->EndRow());
  }
  MOPS_TRY(f->Close());

  MOPS_ASSIGN_OR_RETURN(File g, Start(dir, "integrations"));
  for (size_t i = 0; i < c.integrations.size(); ++i) {
    const Integration& x = c.integrations[i];
    g->Id(RecordKind::kIntegration, static_cast<int64_t>(i));
    g->Id(RecordKind::kTool, x.from_tool);
    g->Id(RecordKind::kTool, x.to_tool);
    g->Text(x.objects);
    g->Text(x.direction);
    g->Text(x.status);
    g->Time(x.last_sync_at);
    MOPS_TRY(g->EndRow());
  }
  return g->Close();
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(ch));
        } else {
          out.push_back(ch);
        }
    }
  }
  return out + "\"";
}

core::Status WriteText(const std::filesystem::path& path, std::string_view text) {
  std::FILE* f = std::fopen(path.string().c_str(), "wb");
  if (f == nullptr) {
    return core::Fail(core::ErrorCode::kIo, "cannot write {}: {}", path.string(),
                      std::strerror(errno));
  }
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) {
    return core::Fail(core::ErrorCode::kIo, "cannot write {}: {}", path.string(),
                      std::strerror(errno));
  }
  return {};
}

std::string Iso(Timestamp t) { return core::FormatTimestamp(t); }

core::Status WriteTruth(const Company& c, const std::filesystem::path& dir) {
  MOPS_ASSIGN_OR_RETURN(File f, CsvFile::Open(dir / "contact_duplicates.csv"));
  f->Text("external_id");
  f->Text("person_id");
  MOPS_TRY(f->EndRow());
  for (size_t i = 0; i < c.contacts.size(); ++i) {
    f->Id(RecordKind::kContact, static_cast<int64_t>(i));
    f->Id(RecordKind::kPerson, c.contacts[i].person);
    MOPS_TRY(f->EndRow());
  }
  MOPS_TRY(f->Close());

  const Truth& t = c.truth;
  const GenerationStats& s = c.stats;
  std::string json = "{\n";
  json += fmt::format("  \"generator\": \"mops demo\",\n  \"seed\": {},\n  \"scale\": {},\n",
                      c.options.seed, c.options.scale);
  json += fmt::format("  \"reference_time\": \"{}\",\n  \"window_start\": \"{}\",\n",
                      Iso(t.reference_time), Iso(t.window_start));
  json += "  \"counts\": {\n";
  for (const auto& row : s.Tables()) {
    json += fmt::format("    \"{}\": {},\n", row.table, row.rows);
  }
  json += fmt::format("    \"persons\": {}\n  }},\n", s.persons);
  const double dup_rate = s.contacts == 0 ? 0
                                          : static_cast<double>(s.contacts - s.persons) /
                                                static_cast<double>(s.contacts);
  json += fmt::format("  \"duplicate_contacts\": {},\n  \"duplicate_rate\": {:.4f},\n",
                      s.contacts - s.persons, dup_rate);
  json +=
      fmt::format("  \"utm_convention\": {},\n  \"utm_violations\": [", JsonString(kUtmConvention));
  for (size_t i = 0; i < t.utm_violations.size(); ++i) {
    json += (i ? ", " : "") + JsonString(t.utm_violations[i]);
  }
  json += "],\n  \"stack\": {\n";
  const auto tool_ref = [&](int32_t i) {
    return i == kNone ? std::string("null")
                      : JsonString(ExternalId(RecordKind::kTool, i) + " " + c.tools[i].name);
  };
  json +=
      fmt::format("    \"crm\": {},\n    \"data_island\": {},\n    \"renewal_notice_due\": {},\n",
                  tool_ref(t.crm_tool), tool_ref(t.island_tool), tool_ref(t.renewal_due_tool));
  json += "    \"capability_overlaps\": {";
  for (size_t i = 0; i < t.capability_overlaps.size(); ++i) {
    const auto& [capability, tools] = t.capability_overlaps[i];
    json += fmt::format("{}\n      {}: [", i ? "," : "", JsonString(capability));
    for (size_t k = 0; k < tools.size(); ++k) json += (k ? ", " : "") + tool_ref(tools[k]);
    json += "]";
  }
  json += "\n    }\n  },\n  \"channel_propensity\": {";
  for (int i = 0; i < kChannelCount; ++i) {
    json += fmt::format("{}\n    \"{}\": {}", i ? "," : "", ChannelName(static_cast<Channel>(i)),
                        t.channel_propensity[i]);
  }
  json += "\n  }\n}\n";
  MOPS_TRY(WriteText(dir / "summary.json", json));

  constexpr std::string_view kReadme =
      "# Ground truth of the synthetic company\n"
      "\n"
      "What the generator planted, for tests and demos to check the engines against.\n"
      "Not part of the company's data: do not import these files.\n"
      "\n"
      "- `contact_duplicates.csv`: `external_id,person_id` for every contact. Contacts with\n"
      "  the same `person_id` are the same real person (a duplicate record: typo, nickname,\n"
      "  another address, another phone format...).\n"
      "- `summary.json`: the generation parameters (seed, scale, reference time), the row\n"
      "  count of every file, the duplicate rate, the utm_campaign naming convention and the\n"
      "  campaigns that break it, the planted tech-stack facts (capability overlaps, the data\n"
      "  island without a path to the CRM, the renewal whose notice deadline falls within 30\n"
      "  days of the reference time) and the channel propensities that drove which accounts\n"
      "  opened opportunities.\n";
  return WriteText(dir / "README.md", kReadme);
}

}  // namespace

std::string ExternalId(RecordKind kind, int64_t index) {
  const IdFormat& f = kIdFormats[static_cast<size_t>(kind)];
  return fmt::format("{}{:0{}}", f.prefix, index + 1, f.width);
}

core::Status WriteCompanyCsv(const Company& company, const std::string& dir) {
  const std::filesystem::path root(dir);
  // Folders mops creates are private (0700), like the workspace's: the files
  // hold people's records. Folders that already exist keep their mode.
  for (const std::filesystem::path& folder : {root, root / "truth"}) {
    std::error_code ec;
    if (std::filesystem::exists(folder, ec)) continue;
    std::filesystem::create_directories(folder, ec);
    if (!ec) {
      std::filesystem::permissions(folder, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
    }
    if (ec) {
      return core::Fail(core::ErrorCode::kIo, "cannot create {}: {}", folder.string(),
                        ec.message());
    }
  }
  // The files do not depend on each other: touchpoints (most of the bytes)
  // are written by two threads while this one writes the rest.
  core::Status touchpoints;
  std::thread worker([&] { touchpoints = WriteTouchpoints(company, root, 2); });
  const core::Status rest = [&]() -> core::Status {
    MOPS_TRY(WriteUsers(company, root));
    MOPS_TRY(WriteAccounts(company, root));
    MOPS_TRY(WriteContacts(company, root));
    MOPS_TRY(WriteCampaigns(company, root));
    MOPS_TRY(WriteOpportunities(company, root));
    MOPS_TRY(WriteSpend(company, root));
    MOPS_TRY(WriteStack(company, root));
    MOPS_TRY(WriteDiscoveryExports(company, root.string()));
    return WriteTruth(company, root / "truth");
  }();
  worker.join();
  MOPS_TRY(touchpoints);
  return rest;
}

}  // namespace mops::demo
