// GenerateCompany: builds the synthetic company in stages that each draw
// from their own random stream (so a change in one stage does not reshuffle
// the others):
//
//   users -> accounts -> campaigns -> people and their CRM records (with
//   duplicates) -> marketing journeys (touchpoints) -> opportunities on the
//   accounts whose journeys engaged most -> sales touches -> lifecycle
//   history -> campaign members -> spend -> tech stack.
//
// New-business opportunities go to people drawn with a weight that depends on
// the channel they came from and the channels of their touches
// (Truth::channel_propensity), and win more often when that first channel
// shows intent (referral, review sites, events), so attribution has signal.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/taxonomy.h"
#include "demo/demo.h"
#include "demo/lead_signal.h"
#include "demo/random.h"
#include "demo/vocabulary.h"

namespace mops::demo {

std::string_view ChannelName(Channel channel) {
  static_assert(core::kChannels.size() == kChannelCount);
  return core::kChannels[static_cast<size_t>(channel)];
}

std::string_view TouchTypeName(TouchType type) {
  static constexpr std::array<std::string_view, kTouchTypeCount> kNames = {
      "page_view",  "form_submit",      "email_open",       "email_click",
      "ad_click",   "content_download", "webinar_attended", "event_attended",
      "video_view", "direct_mail",      "sales_activity",   "call",
      "meeting"};
  return kNames[static_cast<size_t>(type)];
}

std::string_view LifecycleName(Lifecycle stage) {
  return core::kLifecycleStages[static_cast<size_t>(stage)];
}

std::vector<GenerationStats::Row> GenerationStats::Tables() const {
  return {{"users", users},
          {"accounts", accounts},
          {"contacts", contacts},
          {"lifecycle_history", lifecycle_history},
          {"campaigns", campaigns},
          {"campaign_members", campaign_members},
          {"touchpoints", touchpoints},
          {"opportunities", opportunities},
          {"opportunity_contacts", opportunity_contacts},
          {"opportunity_history", opportunity_history},
          {"spend", spend},
          {"tools", tools},
          {"integrations", integrations}};
}

std::string AnonymousId(uint64_t seed, int32_t visitor) {
  const uint64_t a = Mix(seed ^ 0xA11CE5EEDULL, static_cast<uint64_t>(visitor));
  const uint64_t b = Mix(a, 0x5EED);
  // UUID version 4 layout.
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFF,
                     0x8000 | ((b >> 48) & 0x3FFF), b & 0xFFFFFFFFFFFFULL);
}

namespace {

using core::Timestamp;
namespace v = vocab;

constexpr Timestamp kDay = core::kSecondsPerDay;
constexpr Timestamp kHour = 3600;
constexpr int kWindowDays = 545;
constexpr Timestamp kNever = std::numeric_limits<Timestamp>::max();

// Random streams, one per stage.
enum Stream : uint64_t {
  kStreamUsers = 1,
  kStreamAccounts,
  kStreamCampaigns,
  kStreamPeople,
  kStreamRecords,
  kStreamRecordText,
  kStreamJourney,  // + person index << 8
  kStreamOpportunities,
  kStreamSales,
  kStreamLifecycle,
  kStreamVisitors,
  kStreamSpend,
  kStreamStack,
};

enum Territory : uint8_t { kNaEast, kNaWest, kEmea, kApac };
constexpr std::array<std::string_view, 4> kTerritoryNames = {"NA-East", "NA-West", "EMEA", "APAC"};
enum Region : uint8_t { kRegionNa, kRegionEmea, kRegionApac, kRegionGlobal };
constexpr std::array<std::string_view, 4> kRegionCodes = {"na", "emea", "apac", "global"};

Territory TerritoryNamed(std::string_view name) {
  for (size_t i = 0; i < kTerritoryNames.size(); ++i) {
    if (kTerritoryNames[i] == name) return static_cast<Territory>(i);
  }
  return kNaEast;
}
Region RegionOf(Territory t) {
  return t == kEmea ? kRegionEmea : t == kApac ? kRegionApac : kRegionNa;
}

using core::CivilFromDays;
using core::FloorDiv;
using Civil = core::CivilDate;

Timestamp DayStart(Timestamp t) { return FloorDiv(t, kDay) * kDay; }

Timestamp DateOf(int64_t year, unsigned month, unsigned day) {
  return core::DaysFromCivil(year, month, day) * kDay;
}

// Lowercase ASCII for e-mail addresses and domains: folds the accented
// letters of the vocabulary and drops everything but [a-z0-9].
std::string AsciiFold(std::string_view s) {
  static constexpr std::array<std::pair<std::string_view, char>, 22> kFolds = {{
      {"ü", 'u'}, {"ö", 'o'}, {"ä", 'a'}, {"é", 'e'}, {"è", 'e'}, {"ë", 'e'},
      {"ê", 'e'}, {"á", 'a'}, {"à", 'a'}, {"í", 'i'}, {"ï", 'i'}, {"ó", 'o'},
      {"ñ", 'n'}, {"ç", 'c'}, {"ø", 'o'}, {"å", 'a'}, {"É", 'e'}, {"Î", 'i'},
      {"ú", 'u'}, {"ô", 'o'}, {"â", 'a'}, {"Ö", 'o'},
  }};
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c >= 'A' && c <= 'Z') out.push_back(static_cast<char>(c - 'A' + 'a'));
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    bool folded = false;
    for (const auto& [from, to] : kFolds) {
      if (s.substr(i).starts_with(from)) {
        out.push_back(to);
        i += from.size();
        folded = true;
        break;
      }
    }
    if (!folded) ++i;
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}
std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}
// "john.smith@bluepeak.com" -> "John.Smith@Bluepeak.com"
std::string CapitalizeParts(std::string_view s) {
  std::string out(s);
  bool start = true;
  for (char& c : out) {
    if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    start = c == '.' || c == '@' || c == '_' || c == '-';
  }
  return out;
}

// A plausible typo: swap, drop or double one letter (ASCII positions only).
std::string Typo(std::string_view s, Rng& rng) {
  std::string out(s);
  if (out.size() < 4) return out + out.back();
  size_t i = 1 + rng.Below(out.size() - 2);
  if (static_cast<unsigned char>(out[i]) >= 0x80 ||
      static_cast<unsigned char>(out[i - 1]) >= 0x80 ||
      static_cast<unsigned char>(out[i + 1]) >= 0x80) {
    return out + "e";
  }
  switch (rng.Below(3)) {
    case 0:
      std::swap(out[i], out[i + 1]);
      if (out == s) out.erase(i, 1);
      break;
    case 1:
      out.erase(i, 1);
      break;
    default:
      out.insert(i, 1, out[i]);
      break;
  }
  return out;
}

// A set of 64-bit fingerprints of strings (open addressing, linear
// probing): uniqueness checks of generated names and addresses without a
// node per entry. Distinct strings collide with probability ~ n^2 / 2^64.
class FingerprintSet {
 public:
  // True when `s` was not in the set yet.
  bool Insert(std::string_view s) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    const uint64_t h = Fingerprint(s);
    for (size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == h) return false;
      if (slots_[i] == 0) {
        slots_[i] = h;
        ++size_;
        return true;
      }
    }
  }
  void Reserve(size_t n) {
    while (slots_.size() < 2 * n) Grow();
  }

 private:
  static uint64_t Fingerprint(std::string_view s) {
    uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a, then a 64-bit mix
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
    return Mix(h, 0x5EED) | 1;  // 0 marks an empty slot
  }
  void Grow() {
    std::vector<uint64_t> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
    for (uint64_t h : old) {
      if (h == 0) continue;
      size_t i = h & (slots_.size() - 1);
      while (slots_[i] != 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = h;
    }
  }
  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

std::string_view PickWeighted(std::span<const v::Weighted> items, Rng& rng) {
  return items[rng.Weighted(items, [](const v::Weighted& w) { return w.weight; })].text;
}

// Money: whole major units to minor units, rounded to `step` major units.
int64_t Money(double major, double step = 1) {
  return static_cast<int64_t>(std::llround(major / step) * static_cast<long long>(step * 100));
}

// Kinds of marketing touch a journey is built from.
enum class Kind : uint8_t {
  kEmailOpen,
  kEmailClick,
  kDirectVisit,
  kOrganicVisit,
  kPricingVisit,
  kPaidSearchClick,
  kPaidSocialClick,
  kDisplayClick,
  kOrganicSocialVisit,
  kReferralVisit,
  kReviewVisit,
  kContentDownload,
  kWebinar,
  kEvent,
  kVideo,
  kSyndication,
  kDemoRequest,
  kDirectMail,
  kPartnerVisit,
  kAffiliateVisit,
  kOtherVisit,
  kOutboundEmail,
  kOutboundCall,
  kCount,
};
constexpr size_t kKindCount = static_cast<size_t>(Kind::kCount);
constexpr std::array<double, kKindCount> kKindWeights = {
    30, 10, 7, 7, 2, 4, 4, 4, 2, 1.5, 1, 3, 2, 1, 1.5, 1, 0.6, 1.5, 0.5, 0.3, 0.3, 0, 0};

// How a person first became known.
enum class Ident : uint8_t {
  kForm,
  kNewsletter,
  kContent,
  kDemo,
  kTrial,
  kSyndication,
  kEvent,
  kWebinar,
  kOutbound,
  kPartner,
  kLegacy,
};

struct ChannelWeight {
  Channel channel;
  double weight;
};
// First channel of people who arrive during the window.
constexpr ChannelWeight kFirstChannels[] = {
    {Channel::kOrganicSearch, 24}, {Channel::kPaidSearch, 15},   {Channel::kPaidSocial, 11},
    {Channel::kDirect, 9},         {Channel::kReferral, 6},      {Channel::kContentSyndication, 8},
    {Channel::kEvents, 4},         {Channel::kWebinar, 5},       {Channel::kSalesOutreach, 8},
    {Channel::kDisplay, 3},        {Channel::kOrganicSocial, 3}, {Channel::kReviewSites, 2},
    {Channel::kPartner, 2},        {Channel::kAffiliate, 0.5},   {Channel::kVideo, 1},
    {Channel::kOther, 0.5},
};
constexpr ChannelWeight kLegacyChannels[] = {
    {Channel::kDirect, 3},   {Channel::kOrganicSearch, 3}, {Channel::kEvents, 2},
    {Channel::kReferral, 1}, {Channel::kSalesOutreach, 2}, {Channel::kPaidSearch, 1}};

// Relative weight of one touch on a channel when picking the accounts that
// open opportunities.
constexpr std::array<double, kChannelCount> kChannelPropensity = {
    1.0,   // direct
    1.2,   // organic_search
    1.4,   // paid_search
    0.35,  // display
    0.5,   // paid_social
    0.6,   // organic_social
    0.5,   // email
    2.5,   // referral
    0.6,   // affiliate
    0.7,   // video
    2.2,   // events
    1.8,   // webinar
    0.4,   // content_syndication
    2.4,   // partner
    1.3,   // direct_mail
    1.0,   // sales_outreach
    2.6,   // review_sites
    0.3,   // other
};
// Intent of a person by first channel (more touches, more likely an MQL).
constexpr std::array<double, kChannelCount> kIntentByFirstChannel = {
    1.1, 1.0, 1.2, 0.6, 0.7, 0.8, 0.9, 1.8, 0.7, 0.8, 1.5, 1.3, 0.6, 1.5, 1.0, 0.8, 1.6, 0.6};
// Win-rate multiplier by the primary contact's first channel.
constexpr std::array<double, kChannelCount> kWinByFirstChannel = {
    1.1, 1.0, 1.0, 0.7, 0.75, 0.9, 0.9, 1.5, 0.9, 0.9, 1.3, 1.2, 0.65, 1.4, 1.0, 0.8, 1.3, 0.9};

constexpr std::array<double, kTouchTypeCount> kTypeOpportunityWeight = {1, 3, 0.3, 1,   1,   2,  4,
                                                                        4, 1, 1,   0.5, 0.5, 0.5};
// Lead score points per touch type (marketing engagement only).
constexpr std::array<double, kTouchTypeCount> kTypeScore = {2,  10, 1, 3, 2, 8, 15,
                                                            15, 3,  2, 0, 0, 0};
constexpr double kMqlThreshold = 48;

constexpr std::array<std::string_view, 7> kStages = {
    "Prospecting", "Discovery", "Demo", "Proposal", "Negotiation", "Closed Won", "Closed Lost"};
constexpr std::array<double, 5> kStageFraction = {0, 0.1, 0.3, 0.55, 0.8};

constexpr std::string_view kSite = "https://www.example.com";

std::string_view LeadSourceOf(Channel c) {
  switch (c) {
    case Channel::kDirect:
      return "Web";
    case Channel::kOrganicSearch:
      return "Organic Search";
    case Channel::kPaidSearch:
      return "Paid Search";
    case Channel::kDisplay:
      return "Display";
    case Channel::kPaidSocial:
      return "Paid Social";
    case Channel::kOrganicSocial:
      return "Social Media";
    case Channel::kEmail:
      return "Email";
    case Channel::kReferral:
      return "Referral";
    case Channel::kAffiliate:
      return "Affiliate";
    case Channel::kVideo:
      return "Web";
    case Channel::kEvents:
      return "Trade Show";
    case Channel::kWebinar:
      return "Webinar";
    case Channel::kContentSyndication:
      return "Content Syndication";
    case Channel::kPartner:
      return "Partner";
    case Channel::kDirectMail:
      return "Direct Mail";
    case Channel::kSalesOutreach:
      return "Outbound";
    case Channel::kReviewSites:
      return "Review Site";
    case Channel::kOther:
      return "Other";
  }
  return "Other";
}

// HubSpot's "original source" values.
std::string_view OriginalSourceOf(Channel c) {
  switch (c) {
    case Channel::kDirect:
      return "Direct Traffic";
    case Channel::kOrganicSearch:
      return "Organic Search";
    case Channel::kPaidSearch:
      return "Paid Search";
    case Channel::kDisplay:
    case Channel::kAffiliate:
    case Channel::kContentSyndication:
      return "Other Campaigns";
    case Channel::kPaidSocial:
      return "Paid Social";
    case Channel::kOrganicSocial:
      return "Organic Social";
    case Channel::kEmail:
      return "Email Marketing";
    case Channel::kReferral:
    case Channel::kReviewSites:
    case Channel::kPartner:
      return "Referrals";
    case Channel::kEvents:
    case Channel::kWebinar:
    case Channel::kDirectMail:
    case Channel::kSalesOutreach:
      return "Offline Sources";
    case Channel::kVideo:
    case Channel::kOther:
      return "Other Campaigns";
  }
  return "Other Campaigns";
}

struct Person {
  int32_t account = kNone;
  uint16_t first_name = 0;
  uint16_t last_name = 0;
  uint8_t role = 0;
  uint8_t country = 0;
  uint8_t place = 0;
  Channel first_channel = Channel::kDirect;
  Ident ident = Ident::kForm;
  bool unlinked = false;  // records not yet linked to the account
  int32_t ident_campaign = kNone;
  float intent = 1;
  float fit = 0.5;
  Timestamp t0 = 0;    // first touch
  Timestamp t_id = 0;  // identified: the canonical record's created_at
  Timestamp nurture_start = 0;
  int32_t budget = 1;
  std::array<int32_t, 3> records = {kNone, kNone, kNone};  // canonical first
  uint8_t record_count = 0;
  std::string subscriber;  // phone digits after the area code
  uint8_t part = 0;        // which slice of parts_ holds the marketing touches
  uint32_t touch_begin = 0;
  uint32_t touch_end = 0;
};

struct CampaignInfo {
  Region region = kRegionGlobal;
  bool program = false;
  TextId source = 0;
  TextId medium = 0;
  TextId utm = 0;
  TextId utm_variant = 0;  // the same value with other case, as some links carry it
  TextId landing_url = 0;  // with utm parameters
  TextId name_text = 0;
  uint8_t keywords = 0;  // 0 none, 1 brand, 2 generic, 3 competitor
  double cpc = 0;        // USD
  double ctr = 0;
  double daily_clicks = 0;   // at scale 1, beyond the identified ones
  Timestamp event_time = 0;  // webinars, events
  int asset = 0;
};

struct OppPlan {
  int32_t opportunity;
  int32_t primary_person;
};

class Generator {
 public:
  explicit Generator(const GeneratorOptions& options)
      : opt_(options),
        ref_(options.reference_time),
        w0_(DayStart(options.reference_time) - kWindowDays * kDay),
        scale_(options.scale),
        threads_(options.threads > 0
                     ? std::min(options.threads, 64)
                     : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u))) {
    c_.options = options;
    c_.texts.emplace_back();
    text_ids_.emplace("", 0);
  }

  Company Run() {
    MakeUsers();
    MakeAccounts();
    MakeCampaigns();
    MakePeople();
    MakeRecords();
    MakeJourneys();
    ScoreRecords();
    MakeOpportunities();
    MakeSalesTouches();
    MakeVisitors();
    MergeTouches();
    // Campaign members only read what the other stages leave alone.
    std::thread members;
    if (threads_ > 1) {
      members = std::thread([this] { MakeMembers(); });
    } else {
      MakeMembers();
    }
    MakeLifecycle();
    MakeSpend();
    MakeStack();
    if (members.joinable()) members.join();
    Finish();
    return std::move(c_);
  }

 private:
  TextId Text(std::string_view s) {
    auto it = text_ids_.find(std::string(s));
    if (it != text_ids_.end()) return it->second;
    // The dictionary holds vocabulary and per-campaign texts only; it does
    // not grow with the scale.
    if (c_.texts.size() > std::numeric_limits<TextId>::max()) std::abort();
    const auto id = static_cast<TextId>(c_.texts.size());
    c_.texts.emplace_back(s);
    text_ids_.emplace(std::string(s), id);
    return id;
  }

  int64_t Scaled(double at_scale_1, int64_t minimum) const {
    return std::max<int64_t>(minimum, std::llround(at_scale_1 * scale_));
  }

  // ---------------------------------------------------------------- users
  void MakeUsers() {
    Rng rng(opt_.seed, kStreamUsers);
    struct Slot {
      std::string_view team;
      Territory territory;
      int count;
      int capacity;
    };
    static constexpr Slot kSlots[] = {
        {"SDR", kNaEast, 3, 150}, {"SDR", kNaWest, 3, 150}, {"SDR", kEmea, 2, 120},
        {"SDR", kApac, 1, 120},   {"AE", kNaEast, 4, 30},   {"AE", kNaWest, 4, 30},
        {"AE", kEmea, 3, 25},     {"AE", kApac, 2, 25},     {"AM", kNaEast, 2, 120},
        {"AM", kNaWest, 1, 120},  {"AM", kEmea, 1, 100},    {"AM", kApac, 1, 100},
    };
    std::unordered_set<std::string> names;
    auto new_user = [&](std::string_view team) {
      User u;
      while (true) {
        const auto& first = v::kFirstNames[rng.Below(std::size(v::kFirstNames))];
        std::string_view last = v::kLastNames[rng.Below(std::size(v::kLastNames))];
        u.name = fmt::format("{} {}", first.name, last);
        if (names.insert(u.name).second) {
          u.email = fmt::format("{}.{}@example.com", AsciiFold(first.name), AsciiFold(last));
          break;
        }
      }
      u.team = team;
      return u;
    };
    for (const Slot& slot : kSlots) {
      for (int i = 0; i < slot.count; ++i) {
        User u = new_user(slot.team);
        u.territory = kTerritoryNames[slot.territory];
        u.capacity = slot.capacity;
        const auto index = static_cast<int32_t>(c_.users.size());
        // Orphans and absences the routing and SLA reports must notice.
        if (slot.team == "AE" && slot.territory == kNaEast && i == 3) u.active = false;
        if (slot.team == "SDR" && slot.territory == kEmea && i == 1) u.active = false;
        if (slot.team == "AE" && slot.territory == kNaWest && i == 1) {
          u.out_of_office_until = DayStart(ref_) + 12 * kDay;
        }
        auto& pool = slot.team == "SDR" ? sdr_ : slot.team == "AE" ? ae_ : am_;
        if (u.active) pool[slot.territory].push_back(index);
        if (!u.active) inactive_.push_back(index);
        c_.users.push_back(std::move(u));
      }
    }
    for (int i = 0; i < 5; ++i) {
      marketing_.push_back(static_cast<int32_t>(c_.users.size()));
      c_.users.push_back(new_user("Marketing"));
    }
  }

  // ------------------------------------------------------------- accounts
  struct AccountInfo {
    uint8_t country = 0;
    uint8_t place = 0;
    uint8_t industry = 0;
    uint8_t email_pattern = 0;
    Territory territory = kNaEast;
    float fit = 0.5;
    float engagement = 1;
    std::string base_name;  // without legal suffix
    int children = 0;
  };

  std::string CompanyBaseName(Rng& rng, std::string* domain_stem) {
    std::string_view stem = v::kCompanyStems[rng.Below(std::size(v::kCompanyStems))];
    std::string_view tail = v::kCompanyTails[rng.Below(std::size(v::kCompanyTails))];
    std::string joined = fmt::format("{}{}", stem, tail);
    std::string name = joined;
    *domain_stem = Lower(joined);
    if (rng.Chance(0.7)) {
      std::string_view word = v::kCompanyWords[rng.Below(std::size(v::kCompanyWords))];
      name = fmt::format("{} {}", joined, word);
      if (rng.Chance(0.4)) *domain_stem += AsciiFold(word);
    }
    return name;
  }

  std::string UniqueDomain(std::string stem, std::string_view tld, Rng& rng) {
    std::string domain = stem + std::string(tld);
    for (int attempt = 0; !domains_.Insert(domain); ++attempt) {
      static constexpr std::string_view kSuffixes[] = {"hq", "app", "group", "global", "inc"};
      if (attempt < 5) {
        domain = fmt::format("{}{}{}", stem, kSuffixes[rng.Below(std::size(kSuffixes))], tld);
      } else {
        domain = fmt::format("{}{}{}", stem, attempt, tld);
      }
    }
    return domain;
  }

  int32_t OwnerFor(Territory t, bool customer, Rng& rng) {
    if (rng.Chance(0.02) && !inactive_.empty()) return inactive_[rng.Below(inactive_.size())];
    if (rng.Chance(0.04)) return kNone;
    const auto& pool = customer ? am_[t] : ae_[t];
    return pool[rng.Below(pool.size())];
  }

  void MakeAccounts() {
    Rng rng(opt_.seed, kStreamAccounts);
    const int64_t n = Scaled(5000, 10);
    c_.accounts.reserve(n);
    acc_.reserve(n);
    std::vector<int32_t> parents;  // large accounts that may get subsidiaries
    FingerprintSet names;
    names.Reserve(static_cast<size_t>(n) * 2);
    domains_.Reserve(static_cast<size_t>(n) * 2);
    for (int64_t i = 0; i < n; ++i) {
      Account a;
      AccountInfo info;
      info.country =
          static_cast<uint8_t>(rng.Weighted(v::kCountries, [](const auto& c) { return c.weight; }));
      const v::Country& country = v::kCountries[info.country];
      info.place = static_cast<uint8_t>(
          rng.Weighted(country.places, [](const v::Place& p) { return p.weight; }));
      const v::Place& place = country.places[info.place];
      info.territory = TerritoryNamed(place.territory);
      info.industry = static_cast<uint8_t>(
          rng.Weighted(v::kIndustries, [](const auto& x) { return x.weight; }));
      const v::Industry& industry = v::kIndustries[info.industry];
      info.email_pattern = static_cast<uint8_t>(
          rng.Weighted(std::array<double, 5>{50, 25, 8, 7, 10}, [](double w) { return w; }));
      const double employees = std::clamp(rng.LogNormal(120, 1.6), 2.0, 250000.0);
      const auto emp = static_cast<int64_t>(std::llround(employees));
      const double size_fit = emp < 20 ? 0.3 : emp < 50 ? 0.6 : emp <= 5000 ? 1.0 : 0.7;
      info.fit = static_cast<float>(industry.fit * size_fit);
      info.engagement = static_cast<float>(rng.LogNormal(1, 0.5));

      int32_t parent = kNone;
      if (!parents.empty() && rng.Chance(0.035)) {
        parent = parents[rng.Below(parents.size())];
        if (acc_[parent].children >= 3) parent = kNone;
      }
      std::string stem;
      if (parent != kNone) {
        const Account& p = c_.accounts[parent];
        AccountInfo& pinfo = acc_[parent];
        ++pinfo.children;
        info.industry = pinfo.industry;
        info.base_name = fmt::format("{} {}", pinfo.base_name, country.name);
        stem = p.domain.substr(0, p.domain.find('.'));
        a.domain = UniqueDomain(stem, country.tld == ".com" ? ".us" : country.tld, rng);
      } else {
        do {
          info.base_name = CompanyBaseName(rng, &stem);
        } while (!names.Insert(info.base_name));
        std::string_view tld = ".com";
        if (country.iso != "US" && rng.Chance(0.5)) tld = country.tld;
        if (industry.name == "Software" && rng.Chance(0.25)) tld = ".io";
        a.domain = UniqueDomain(stem, tld, rng);
      }
      a.name = info.base_name;
      if (rng.Chance(0.25)) a.name = fmt::format("{} {}", info.base_name, country.legal_suffix);
      const double r = rng.Uniform();
      a.website = r < 0.70   ? "https://www." + a.domain
                  : r < 0.82 ? "http://" + a.domain
                  : r < 0.92 ? "www." + a.domain
                  : r < 0.97 ? a.domain + "/"
                             : "";
      a.industry = rng.Chance(0.06)   ? std::string(industry.dirty)
                   : rng.Chance(0.03) ? ""
                                      : std::string(industry.name);
      if (!rng.Chance(0.04)) a.employees = emp;
      if (!rng.Chance(0.08)) {
        const double revenue = employees * industry.revenue_per_employee * rng.LogNormal(1, 0.35);
        a.annual_revenue = Money(revenue, revenue > 1e6 ? 10000 : 1000);
      }
      a.currency = "USD";
      a.country = country.name;
      a.state = place.state.empty() ? std::string(place.state_name) : std::string(place.state);
      a.city = place.city;
      a.parent = parent;
      if (rng.Chance(0.02)) {
        a.customer_since = rng.Between(w0_ - 3 * 365 * kDay, w0_ - 30 * kDay);
      }
      a.owner = OwnerFor(info.territory, a.customer_since.has_value(), rng);
      a.created_at = a.customer_since ? rng.Between(*a.customer_since - 400 * kDay,
                                                    *a.customer_since - 60 * kDay)
                                      : rng.Between(ref_ - 4 * 365 * kDay, ref_ - 30 * kDay);
      if (emp >= 1000 && parent == kNone) parents.push_back(static_cast<int32_t>(i));
      c_.accounts.push_back(std::move(a));
      acc_.push_back(std::move(info));
    }
  }

  // ------------------------------------------------------------ campaigns
  int32_t AddCampaign(Campaign c, CampaignInfo info) {
    const auto index = static_cast<int32_t>(c_.campaigns.size());
    c.currency = "USD";
    c_.campaigns.push_back(std::move(c));
    camp_.push_back(info);
    return index;
  }

  int32_t AddProgram(std::string name, Channel channel, Timestamp start, Timestamp end,
                     int32_t owner) {
    Campaign c;
    c.name = std::move(name);
    c.type = "Program";
    c.channel = channel;
    c.start_date = start;
    c.end_date = end;
    c.owner = owner;
    CampaignInfo info;
    info.program = true;
    return AddCampaign(std::move(c), info);
  }

  struct ChildSpec {
    std::string name;
    std::string_view type;
    Channel channel;
    Region region;
    std::string_view code;  // channel code in utm_campaign
    std::string slug;
    std::string_view source;
    std::string_view medium;
    uint8_t keywords = 0;
    double cpc = 0;
    double ctr = 0;
    double daily_clicks = 0;
    std::string_view landing = "/";
  };

  int32_t AddChild(const ChildSpec& s, int32_t parent, std::string_view quarter_code,
                   Timestamp start, Timestamp end, Rng& rng) {
    Campaign c;
    c.name = s.name;
    c.type = s.type;
    c.channel = s.channel;
    c.parent = parent;
    c.start_date = start;
    c.end_date = end;
    c.owner = c_.campaigns[parent].owner;
    c.utm_campaign =
        fmt::format("{}_{}_{}_{}", quarter_code, s.code, kRegionCodes[s.region], s.slug);
    CampaignInfo info;
    info.region = s.region;
    info.source = Text(s.source);
    info.medium = Text(s.medium);
    info.keywords = s.keywords;
    info.cpc = s.cpc * rng.LogNormal(1, 0.1);
    info.ctr = s.ctr * rng.LogNormal(1, 0.1);
    info.daily_clicks = s.daily_clicks * rng.LogNormal(1, 0.3);
    info.asset = static_cast<int>(rng.Below(std::size(v::kContentAssets)));
    landing_paths_.push_back(std::string(s.landing));
    return AddCampaign(std::move(c), info);
  }

  void MakeCampaigns() {
    Rng rng(opt_.seed, kStreamCampaigns);
    const int32_t paid_owner = marketing_[0];
    const int32_t content_owner = marketing_[1];
    const int32_t events_owner = marketing_[2];
    const int32_t email_owner = marketing_[3];
    const int32_t partner_owner = marketing_[4];

    // Quarters from the one holding the window start to the one after the
    // reference date (planned).
    const Civil first = CivilFromDays(FloorDiv(w0_, kDay));
    const Civil last = CivilFromDays(FloorDiv(ref_, kDay));
    int64_t year = first.year;
    unsigned quarter = (first.month - 1) / 3;
    const int64_t last_index = last.year * 4 + (last.month - 1) / 3 + 1;
    int quarter_number = 0;
    static constexpr std::string_view kWebinarTopics[] = {
        "attribution-101",   "data-quality-clinic", "lead-scoring-live",    "utm-governance",
        "ops-stack-audit",   "revops-roundtable",   "pipeline-forecasting", "abm-playbook",
        "funnel-benchmarks", "markov-vs-shapley",   "crm-cleanup-sprint",   "campaign-qa"};
    struct EventSpec {
      std::string_view name;
      std::string_view city;
      Region region;
    };
    static constexpr EventSpec kEvents[] = {
        {"Marketing Ops Summit", "San Francisco", kRegionNa},
        {"B2B Growth Expo", "London", kRegionEmea},
        {"RevOps Dinner Series", "New York", kRegionNa},
        {"Demand Gen Forum", "Berlin", kRegionEmea},
        {"SaaS Connect", "Sydney", kRegionApac},
        {"Pipeline Live", "Chicago", kRegionNa},
        {"Martech Roundtable", "Toronto", kRegionNa},
        {"Data-Driven Marketing Day", "Amsterdam", kRegionEmea},
    };
    int webinar_count = 0;
    int event_count = 0;
    for (; year * 4 + quarter <= last_index; ++quarter_number) {
      const Timestamp qs = DateOf(year, quarter * 3 + 1, 1);
      const Timestamp qe =
          (quarter == 3 ? DateOf(year + 1, 1, 1) : DateOf(year, quarter * 3 + 4, 1)) - kDay;
      const std::string label = fmt::format("{} Q{}", year, quarter + 1);
      const std::string code = fmt::format("{}q{}", year, quarter + 1);
      const bool planned = qs > ref_;

      const int32_t ps =
          AddProgram(label + " Paid Search", Channel::kPaidSearch, qs, qe, paid_owner);
      const ChildSpec search[] = {
          {label + " Paid Search - Brand (NA)", "Paid Search", Channel::kPaidSearch, kRegionNa,
           "ps", "brand", "google", "cpc", 1, 2.5, 0.12, 18, "/"},
          {label + " Paid Search - Non-Brand (NA)", "Paid Search", Channel::kPaidSearch, kRegionNa,
           "ps", "nonbrand", "google", "cpc", 2, 7.5, 0.045, 30, "/lp/attribution"},
          {label + " Paid Search - Non-Brand (EMEA)", "Paid Search", Channel::kPaidSearch,
           kRegionEmea, "ps", "nonbrand", "google", "cpc", 2, 5.5, 0.04, 14, "/lp/attribution"},
          {label + " Paid Search - Competitor (NA)", "Paid Search", Channel::kPaidSearch, kRegionNa,
           "ps", "competitor", "google", "cpc", 3, 11, 0.035, 8, "/lp/compare"},
          {label + " Paid Search - Bing Brand (NA)", "Paid Search", Channel::kPaidSearch, kRegionNa,
           "ps", "bing-brand", "bing", "cpc", 1, 3.5, 0.09, 4, "/"},
          {label + " Paid Search - Non-Brand (APAC)", "Paid Search", Channel::kPaidSearch,
           kRegionApac, "ps", "nonbrand", "google", "cpc", 2, 4.0, 0.04, 8, "/lp/attribution"},
      };
      for (const ChildSpec& s : search) AddChild(s, ps, code, qs, qe, rng);

      const int32_t so =
          AddProgram(label + " Paid Social", Channel::kPaidSocial, qs, qe, paid_owner);
      const ChildSpec social[] = {
          {label + " LinkedIn Lead Gen (NA)", "Paid Social", Channel::kPaidSocial, kRegionNa, "so",
           "li-leadgen", "linkedin", "paid_social", 0, 8.5, 0.006, 14, "/lp/playbook"},
          {label + " LinkedIn Retargeting (EMEA)", "Paid Social", Channel::kPaidSocial, kRegionEmea,
           "so", "li-retargeting", "linkedin", "paid_social", 0, 6.5, 0.005, 9, "/lp/demo"},
          {label + " Meta Retargeting (NA)", "Paid Social", Channel::kPaidSocial, kRegionNa, "so",
           "meta-retargeting", "facebook", "paid_social", 0, 2.2, 0.011, 16, "/lp/demo"},
          {label + " LinkedIn ABM (Global)", "Paid Social", Channel::kPaidSocial, kRegionGlobal,
           "so", "li-abm", "linkedin", "paid_social", 0, 10, 0.004, 7, "/lp/abm"},
      };
      for (const ChildSpec& s : social) AddChild(s, so, code, qs, qe, rng);

      const int32_t dp = AddProgram(label + " Display", Channel::kDisplay, qs, qe, paid_owner);
      const ChildSpec display[] = {
          {label + " Google Display Retargeting", "Display", Channel::kDisplay, kRegionGlobal,
           "dsp", "gdn-retargeting", "google", "display", 0, 0.9, 0.0018, 40, "/lp/demo"},
          {label + " Programmatic ABM (NA)", "Display", Channel::kDisplay, kRegionNa, "dsp",
           "abm-programmatic", "adnetwork", "display", 0, 1.6, 0.0012, 20, "/lp/abm"},
      };
      for (const ChildSpec& s : display) AddChild(s, dp, code, qs, qe, rng);

      const int32_t cs = AddProgram(label + " Content Syndication", Channel::kContentSyndication,
                                    qs, qe, content_owner);
      for (int k = 0; k < 2; ++k) {
        const size_t vendor = (quarter_number + k) % std::size(v::kSyndicationVendors);
        ChildSpec s{
            fmt::format("{} Content Syndication - {}", label, v::kSyndicationVendors[vendor]),
            "Content Syndication",
            Channel::kContentSyndication,
            k == 0 ? kRegionNa : kRegionEmea,
            "cs",
            std::string(v::kSyndicationVendors[vendor]),
            v::kSyndicationVendors[vendor],
            "syndication"};
        AddChild(s, cs, code, qs, qe, rng);
      }

      const int32_t wb = AddProgram(label + " Webinars", Channel::kWebinar, qs, qe, content_owner);
      for (unsigned m = 0; m < 3; ++m) {
        const std::string_view topic = kWebinarTopics[webinar_count++ % std::size(kWebinarTopics)];
        const Timestamp day =
            DateOf(year, quarter * 3 + 1 + m, 8 + static_cast<unsigned>(rng.Below(14)));
        ChildSpec s{fmt::format("Webinar: {} ({})", topic, label),
                    "Webinar",
                    Channel::kWebinar,
                    kRegionGlobal,
                    "web",
                    std::string(topic),
                    "zoom",
                    "webinar",
                    0,
                    0,
                    0,
                    0,
                    "/webinars"};
        const int32_t id = AddChild(s, wb, code, day - 21 * kDay, day, rng);
        camp_[id].event_time = day + 17 * kHour;
        if (day + 17 * kHour <= ref_) webinars_.push_back(id);
      }

      const int32_t ev = AddProgram(label + " Events", Channel::kEvents, qs, qe, events_owner);
      for (int k = 0; k < (quarter_number % 2 == 0 ? 2 : 1); ++k) {
        const EventSpec& e = kEvents[event_count++ % std::size(kEvents)];
        const Timestamp day = qs + static_cast<Timestamp>(15 + rng.Below(60)) * kDay;
        ChildSpec s{fmt::format("{} {} {}", e.name, e.city, year),
                    "Event",
                    Channel::kEvents,
                    e.region,
                    "evt",
                    AsciiFold(e.name) + "-" + AsciiFold(e.city),
                    "event",
                    "offline"};
        const int32_t id = AddChild(s, ev, code, day, day + kDay, rng);
        camp_[id].event_time = day + 10 * kHour;
        if (day + 10 * kHour <= ref_) events_.push_back(id);
      }

      const ChildSpec update{label + " Product Update Email",
                             "Email",
                             Channel::kEmail,
                             kRegionGlobal,
                             "em",
                             "product-update",
                             "hubspot",
                             "email",
                             0,
                             0,
                             0,
                             0,
                             "/product"};
      if (email_program_ == kNone) {
        email_program_ = AddProgram("Email Nurture", Channel::kEmail, w0_ - 90 * kDay,
                                    ref_ + 180 * kDay, email_owner);
      }
      AddChild(update, email_program_, code, qs, qe, rng);
      if (planned) {
        for (int32_t i = ps; i < static_cast<int32_t>(c_.campaigns.size()); ++i) {
          c_.campaigns[i].status = "Planned";
        }
      }
      if (++quarter == 4) {
        quarter = 0;
        ++year;
      }
    }

    // Always-on programs, running through the whole window.
    const Timestamp on_start = w0_ - 60 * kDay;
    const Timestamp on_end = DayStart(ref_) + 184 * kDay;
    const Civil start_civil = CivilFromDays(FloorDiv(on_start, kDay));
    const std::string on_code =
        fmt::format("{}q{}", start_civil.year, (start_civil.month - 1) / 3 + 1);
    const ChildSpec email[] = {
        {"Nurture - Top of Funnel", "Email Nurture", Channel::kEmail, kRegionGlobal, "em",
         "nurture-tofu", "hubspot", "email", 0, 0, 0, 0, "/blog/b2b-attribution-models"},
        {"Nurture - Mid Funnel", "Email Nurture", Channel::kEmail, kRegionGlobal, "em",
         "nurture-mofu", "hubspot", "email", 0, 0, 0, 0, "/customers/case-study-bluepeak"},
        {"Nurture - Trial Users", "Email Nurture", Channel::kEmail, kRegionGlobal, "em",
         "nurture-trial", "hubspot", "email", 0, 0, 0, 0, "/product"},
        {"Monthly Newsletter", "Newsletter", Channel::kEmail, kRegionGlobal, "em", "newsletter",
         "hubspot", "email", 0, 0, 0, 0, "/blog/marketing-ops-stack-audit"},
        {"Customer Newsletter", "Newsletter", Channel::kEmail, kRegionGlobal, "em",
         "customer-newsletter", "hubspot", "email", 0, 0, 0, 0, "/product/attribution"},
    };
    for (const ChildSpec& s : email) AddChild(s, email_program_, on_code, on_start, on_end, rng);
    customer_newsletter_ = static_cast<int32_t>(c_.campaigns.size()) - 1;

    const int32_t partner =
        AddProgram("Partner Program", Channel::kPartner, on_start, on_end, partner_owner);
    for (size_t k = 0; k < std::size(v::kPartners); ++k) {
      ChildSpec s{fmt::format("Partner Referrals - {}", v::kPartnerNames[k]),
                  "Partner",
                  Channel::kPartner,
                  kRegionGlobal,
                  "ptr",
                  std::string(v::kPartners[k]),
                  v::kPartners[k],
                  "partner"};
      AddChild(s, partner, on_code, on_start, on_end, rng);
    }
    const int32_t reviews =
        AddProgram("Review Sites", Channel::kReviewSites, on_start, on_end, partner_owner);
    const ChildSpec review[] = {
        {"G2 Profile", "Review Site", Channel::kReviewSites, kRegionGlobal, "rev", "g2-profile",
         "g2", "referral"},
        {"Capterra Listing", "Review Site", Channel::kReviewSites, kRegionGlobal, "rev",
         "capterra-ppc", "capterra", "cpc", 0, 3.0, 0.02, 3},
    };
    for (const ChildSpec& s : review) AddChild(s, reviews, on_code, on_start, on_end, rng);
    const int32_t affiliate =
        AddProgram("Affiliate Program", Channel::kAffiliate, on_start, on_end, partner_owner);
    for (std::string_view a : v::kAffiliates) {
      ChildSpec s{fmt::format("Affiliate - {}", a),
                  "Affiliate",
                  Channel::kAffiliate,
                  kRegionGlobal,
                  "aff",
                  std::string(a),
                  a,
                  "affiliate"};
      AddChild(s, affiliate, on_code, on_start, on_end, rng);
    }
    const int32_t video = AddProgram("Video", Channel::kVideo, on_start, on_end, content_owner);
    AddChild({"YouTube Channel", "Video", Channel::kVideo, kRegionGlobal, "vid", "youtube",
              "youtube", "video"},
             video, on_code, on_start, on_end, rng);
    const int32_t social =
        AddProgram("Organic Social", Channel::kOrganicSocial, on_start, on_end, content_owner);
    AddChild({"LinkedIn Company Page", "Social", Channel::kOrganicSocial, kRegionGlobal, "soc",
              "linkedin-page", "linkedin", "social"},
             social, on_code, on_start, on_end, rng);
    const int32_t mail =
        AddProgram("ABM Direct Mail", Channel::kDirectMail, w0_, ref_, events_owner);
    for (int k = 0; k < 3; ++k) {
      const Timestamp s0 = w0_ + (90 + 170 * k) * kDay;
      const Civil cv = CivilFromDays(FloorDiv(s0, kDay));
      ChildSpec s{fmt::format("ABM Direct Mail - Wave {}", k + 1),
                  "Direct Mail",
                  Channel::kDirectMail,
                  kRegionNa,
                  "dm",
                  fmt::format("abm-wave-{}", k + 1),
                  "direct_mail",
                  "offline"};
      AddChild(s, mail, fmt::format("{}q{}", cv.year, (cv.month - 1) / 3 + 1), s0, s0 + 21 * kDay,
               rng);
    }

    FinishCampaigns(rng);
  }

  void FinishCampaigns(Rng& rng) {
    const auto n = static_cast<int32_t>(c_.campaigns.size());
    // Statuses, a couple of aborted campaigns, and the planted naming violations.
    std::vector<int32_t> children;
    for (int32_t i = 0; i < n; ++i) {
      Campaign& c = c_.campaigns[i];
      c.created_at = c.start_date - rng.Between(10, 45) * kDay + rng.Between(9, 17) * kHour;
      if (c.status.empty()) {
        c.status = c.start_date > ref_ ? "Planned"
                   : c.end_date < ref_ ? "Completed"
                                       : "In Progress";
      }
      if (!camp_[i].program) children.push_back(i);
    }
    // Two paid campaigns stopped early.
    std::vector<int32_t> stoppable;
    for (int32_t i : children) {
      const Campaign& c = c_.campaigns[i];
      if (c.status == "Completed" &&
          (c.channel == Channel::kPaidSearch || c.channel == Channel::kPaidSocial ||
           c.channel == Channel::kDisplay)) {
        stoppable.push_back(i);
      }
    }
    for (int k = 0; k < 2 && !stoppable.empty(); ++k) {
      const size_t pick = rng.Below(stoppable.size());
      Campaign& c = c_.campaigns[stoppable[pick]];
      stoppable.erase(stoppable.begin() + static_cast<std::ptrdiff_t>(pick));
      c.status = "Aborted";
      c.end_date = c.start_date + (c.end_date - c.start_date) / 3;
    }
    std::vector<int32_t> violators;
    for (int32_t i : children) {
      if (rng.Chance(0.06)) violators.push_back(i);
    }
    if (violators.size() < 3) {
      for (int32_t i : {children[3], children[11], children[20]}) {
        if (std::find(violators.begin(), violators.end(), i) == violators.end()) {
          violators.push_back(i);
        }
      }
    }
    for (int32_t i : violators) {
      Campaign& c = c_.campaigns[i];
      switch (rng.Below(5)) {
        case 0:
          c.utm_campaign = Upper(c.utm_campaign);
          break;
        case 1:
          c.utm_campaign = c.name;  // spaces and capitals
          break;
        case 2:
          std::replace(c.utm_campaign.begin(), c.utm_campaign.end(), '_', '-');
          break;
        case 3:
          c.utm_campaign = c.utm_campaign.substr(c.utm_campaign.find('_') + 1);
          break;
        default: {
          std::string camel;
          bool up = true;
          for (char ch : c.name) {
            if (ch == ' ' || ch == '-' || ch == '(' || ch == ')' || ch == ':') {
              up = true;
              continue;
            }
            camel.push_back(up ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch)))
                               : ch);
            up = false;
          }
          c.utm_campaign = camel;
        }
      }
      c_.truth.utm_violations.push_back(c.utm_campaign);
    }
    std::sort(c_.truth.utm_violations.begin(), c_.truth.utm_violations.end());
    c_.truth.utm_violations.erase(
        std::unique(c_.truth.utm_violations.begin(), c_.truth.utm_violations.end()),
        c_.truth.utm_violations.end());

    // Interned texts and the day index of active campaigns per channel.
    active_.assign(static_cast<size_t>(kChannelCount) * (kWindowDays + 1), {});
    active_region_.assign(active_.size() * 3, {});
    size_t child = 0;
    for (int32_t i = 0; i < n; ++i) {
      CampaignInfo& info = camp_[i];
      const Campaign& c = c_.campaigns[i];
      info.name_text = Text(c.name);
      if (info.program) continue;
      info.utm = Text(c.utm_campaign);
      info.utm_variant = Text(Upper(c.utm_campaign));
      const std::string& landing = landing_paths_[child++];
      info.landing_url =
          Text(fmt::format("{}{}?utm_source={}&utm_medium={}&utm_campaign={}", kSite, landing,
                           c_.texts[info.source], c_.texts[info.medium], c.utm_campaign));
      if (c.channel == Channel::kWebinar || c.channel == Channel::kEvents) continue;
      if (c.status == "Planned") continue;
      const int64_t d0 = std::max<int64_t>(0, FloorDiv(c.start_date - w0_, kDay));
      const int64_t d1 = std::min<int64_t>(kWindowDays, FloorDiv(c.end_date - w0_, kDay));
      for (int64_t d = d0; d <= d1; ++d) {
        const size_t slot = static_cast<size_t>(c.channel) * (kWindowDays + 1) + d;
        active_[slot].push_back(i);
        for (int r = 0; r < 3; ++r) {
          if (info.region == r || info.region == kRegionGlobal) {
            active_region_[slot * 3 + r].push_back(i);
          }
        }
      }
    }
  }

  // Active campaign on `channel` at `t` for a person in `region` (global
  // campaigns match every region; any campaign of the channel when none
  // matches); kNone when there is none.
  int32_t ActiveCampaign(Channel channel, Timestamp t, Region region, Rng& rng,
                         bool any_region = false) const {
    const int64_t day = FloorDiv(t - w0_, kDay);
    if (day < 0 || day > kWindowDays) return kNone;
    const size_t slot = static_cast<size_t>(channel) * (kWindowDays + 1) + day;
    const auto& all = active_[slot];
    if (all.empty()) return kNone;
    if (!any_region && region != kRegionGlobal) {
      const auto& matching = active_region_[slot * 3 + region];
      if (!matching.empty()) return matching[rng.Below(matching.size())];
    }
    return all[rng.Below(all.size())];
  }

  // ---------------------------------------------------------------- people
  void MakePeople() {
    Rng rng(opt_.seed, kStreamPeople);
    const int64_t records = Scaled(20000, 30);
    const int64_t duplicates = std::llround(0.05 * static_cast<double>(records));
    const int64_t n = records - duplicates;
    people_.resize(n);

    // Accounts weighted by size and fit: bigger companies have more contacts.
    std::vector<double> cumulative(c_.accounts.size());
    double total = 0;
    for (size_t a = 0; a < c_.accounts.size(); ++a) {
      const double emp = static_cast<double>(c_.accounts[a].employees.value_or(50));
      total += std::pow(emp, 0.35) * (0.5 + acc_[a].fit);
      cumulative[a] = total;
    }
    acc_people_.assign(c_.accounts.size(), {});
    for (int64_t p = 0; p < n; ++p) {
      Person& person = people_[p];
      if (rng.Chance(0.92)) {
        const double x = rng.Uniform() * total;
        person.account = static_cast<int32_t>(
            std::upper_bound(cumulative.begin(), cumulative.end(), x) - cumulative.begin());
        person.account =
            std::min<int32_t>(person.account, static_cast<int32_t>(cumulative.size()) - 1);
        acc_people_[person.account].push_back(static_cast<int32_t>(p));
        const AccountInfo& info = acc_[person.account];
        person.country = info.country;
        person.place = info.place;
        if (rng.Chance(0.15)) {
          const v::Country& country = v::kCountries[person.country];
          person.place = static_cast<uint8_t>(rng.Below(country.places.size()));
        }
        person.unlinked = rng.Chance(0.06);
      } else {
        person.country = static_cast<uint8_t>(
            rng.Weighted(v::kCountries, [](const auto& c) { return c.weight; }));
        person.place = static_cast<uint8_t>(rng.Below(v::kCountries[person.country].places.size()));
      }
      person.first_name = static_cast<uint16_t>(rng.Below(std::size(v::kFirstNames)));
      person.last_name = static_cast<uint16_t>(rng.Below(std::size(v::kLastNames)));
      person.role =
          static_cast<uint8_t>(rng.Weighted(v::kRoles, [](const v::Role& r) { return r.weight; }));
      const double account_fit = person.account == kNone ? 0.3 : acc_[person.account].fit;
      person.fit = static_cast<float>(v::kRoles[person.role].fit * std::sqrt(account_fit));

      const v::Country& country = v::kCountries[person.country];
      const v::Place& place = country.places[person.place];
      if (country.calling_code == "1") {
        person.subscriber = fmt::format("555{:04}", rng.Between(100, 9999));
      } else if (country.iso == "GB") {
        person.subscriber = fmt::format("{}{:03}", v::UkFixedDigits(place.area), rng.Below(1000));
      } else {
        person.subscriber = fmt::format("{}{}", country.fixed_digits, rng.Between(1, 9));
        for (int d = 1; d < country.random_digits; ++d) {
          person.subscriber.push_back(static_cast<char>('0' + rng.Below(10)));
        }
      }

      const bool legacy = rng.Chance(0.22);
      if (legacy) {
        person.ident = Ident::kLegacy;
        person.first_channel =
            kLegacyChannels[rng.Weighted(kLegacyChannels, [](const auto& c) { return c.weight; })]
                .channel;
      } else {
        person.first_channel =
            kFirstChannels[rng.Weighted(kFirstChannels, [](const auto& c) { return c.weight; })]
                .channel;
      }
      const double engagement = person.account == kNone ? 1.0 : acc_[person.account].engagement;
      person.intent = static_cast<float>(
          rng.LogNormal(1, 0.8) * kIntentByFirstChannel[static_cast<size_t>(person.first_channel)] *
          engagement * (0.5 + person.fit));
      if (legacy) {
        person.t_id = rng.Between(w0_ - 900 * kDay, w0_ - kDay);
        person.t0 = person.t_id;
        person.nurture_start = rng.Between(w0_, w0_ + 200 * kDay);
      } else {
        // A growing company: more people arrive later in the window.
        double u = rng.Uniform();
        if (rng.Chance(0.5)) u = std::sqrt(u);
        person.t0 = w0_ + static_cast<Timestamp>(u * static_cast<double>(ref_ - 2 * kDay - w0_));
        IdentifyPerson(person, rng);
        person.t_id = std::min(person.t_id, ref_ - kHour);
        person.nurture_start = std::min(person.t_id + kHour, ref_);
      }
    }

    // Which people got a second (or third) record, e.g. a form filled with
    // a personal address months later.
    dup_counts_.assign(n, 0);
    for (int64_t k = 0; k < duplicates; ++k) {
      while (true) {
        const auto p = static_cast<size_t>(rng.Below(static_cast<uint64_t>(n)));
        if (dup_counts_[p] < 2 && (dup_counts_[p] == 0 || rng.Chance(0.15))) {
          ++dup_counts_[p];
          break;
        }
      }
    }
  }

  // Sets how and when a new person became known (t_id), snapping to the
  // webinar, event or syndication campaign that brought them in.
  void IdentifyPerson(Person& person, Rng& rng) {
    const Timestamp latest = ref_ - kHour;
    const v::Place& place = v::kCountries[person.country].places[person.place];
    const Region region = RegionOf(TerritoryNamed(place.territory));
    switch (person.first_channel) {
      case Channel::kContentSyndication:
        person.ident = Ident::kSyndication;
        person.t_id = person.t0;
        person.ident_campaign =
            ActiveCampaign(Channel::kContentSyndication, person.t0, region, rng, true);
        return;
      case Channel::kEvents:
      case Channel::kWebinar: {
        const bool event = person.first_channel == Channel::kEvents;
        const auto& list = event ? events_ : webinars_;
        if (!list.empty()) {
          // The first one after t0, else the last one.
          int32_t pick = list.back();
          for (int32_t i : list) {
            if (camp_[i].event_time >= person.t0) {
              pick = i;
              break;
            }
          }
          person.ident_campaign = pick;
          const Timestamp at = camp_[pick].event_time;
          person.ident = event ? Ident::kEvent : Ident::kWebinar;
          person.t_id = event ? at + rng.Between(0, 8 * kHour)
                              : std::max(w0_, at - rng.Between(kDay, 20 * kDay));
          person.t0 = person.t_id;
          return;
        }
        person.first_channel = Channel::kDirect;
        break;
      }
      case Channel::kSalesOutreach:
        person.ident = Ident::kOutbound;
        person.t_id = person.t0;
        return;
      case Channel::kPartner:
        person.ident = Ident::kPartner;
        person.t_id = person.t0;
        return;
      default:
        break;
    }
    // Web visitors: a few anonymous visits, then a form.
    person.t_id =
        std::min(latest, person.t0 + static_cast<Timestamp>(rng.Exponential(6 * kDay) + kHour));
    const double r = rng.Uniform();
    const double demo = 0.08 * std::min(3.0, static_cast<double>(person.intent));
    person.ident = r < 0.2           ? Ident::kNewsletter
                   : r < 0.55        ? Ident::kContent
                   : r < 0.55 + demo ? Ident::kDemo
                   : r < 0.72 + demo ? Ident::kTrial
                                     : Ident::kForm;
  }

  // -------------------------------------------------------------- records
  std::string EmailLocal(const Person& p, int pattern) {
    if (folded_first_.empty()) {
      for (const auto& n : v::kFirstNames) folded_first_.push_back(AsciiFold(n.name));
      for (std::string_view n : v::kLastNames) folded_last_.push_back(AsciiFold(n));
    }
    const std::string& first = folded_first_[p.first_name];
    const std::string& last = folded_last_[p.last_name];
    switch (pattern) {
      case 1:
        return first.substr(0, 1) + last;
      case 2:
        return first + last.substr(0, 1);
      case 3:
        return first;
      case 4:
        return first + "_" + last;
      default:
        return first + "." + last;
    }
  }

  // A unique address (lowercase) for a person, at the account's domain or a
  // free-mail one.
  std::string NewEmail(const Person& p, bool personal, int pattern, Rng& rng) {
    std::string local = EmailLocal(p, pattern);
    std::string domain;
    if (personal || p.account == kNone) {
      domain = v::kFreeMailDomains[rng.Below(std::size(v::kFreeMailDomains))];
      if (rng.Chance(0.5)) local += fmt::format("{}", rng.Between(1, 99));
    } else {
      domain = c_.accounts[p.account].domain;
    }
    std::string email = local + "@" + domain;
    for (int k = 2; !emails_.Insert(email); ++k) {
      email = fmt::format("{}{}@{}", local, k, domain);
    }
    return email;
  }

  static std::string FormatPhone(const v::Country& country, const v::Place& place,
                                 std::string_view sub, int style, Rng& rng) {
    if (country.calling_code == "1") {
      const std::string_view a = place.area;
      const std::string_view x = sub.substr(0, 3);
      const std::string_view l = sub.substr(3);
      switch (style) {
        case 0:
          return fmt::format("({}) {}-{}", a, x, l);
        case 1:
          return fmt::format("+1 {} {} {}", a, x, l);
        case 2:
          return fmt::format("{}.{}.{}", a, x, l);
        case 3:
          return fmt::format("{}-{}-{}", a, x, l);
        case 4:
          return fmt::format("+1-{}-{}-{}", a, x, l);
        case 5:
          return fmt::format("{}{}{}", a, x, l);
        default:
          return fmt::format("({}) {}-{} x{}", a, x, l, rng.Between(100, 499));
      }
    }
    std::string grouped;
    std::string_view grouping =
        country.iso == "GB" ? (place.area == "20" ? "4 4" : "3 4") : country.grouping;
    size_t pos = 0;
    for (size_t g = 0; g < grouping.size(); ++g) {
      if (grouping[g] == ' ') continue;
      const size_t len = static_cast<size_t>(grouping[g] - '0');
      if (!grouped.empty()) grouped.push_back(' ');
      grouped.append(sub.substr(pos, len));
      pos += len;
    }
    if (pos < sub.size()) grouped.append(sub.substr(pos));
    const std::string area = place.area.empty() ? "" : std::string(place.area) + " ";
    switch (style % 5) {
      case 0:
        return fmt::format("+{} {}{}", country.calling_code, area, grouped);
      case 1:
        return fmt::format("{}{}{}", country.trunk, area, grouped);
      case 2: {
        std::string compact = fmt::format("+{}{}{}", country.calling_code, place.area, sub);
        return compact;
      }
      case 3:
        return fmt::format("00{} {}{}", country.calling_code, area, grouped);
      default:
        return country.trunk.empty() ? fmt::format("+{} {}{}", country.calling_code, area, grouped)
                                     : fmt::format("+{} ({}){}{}", country.calling_code,
                                                   country.trunk, area, grouped);
    }
  }

  std::string CompanyNameVariant(int32_t account, Rng& rng) {
    const Account& a = c_.accounts[account];
    const std::string& base = acc_[account].base_name;
    const double r = rng.Uniform();
    if (r < 0.6) return a.name;
    if (r < 0.72) return base;
    if (r < 0.8) return Lower(a.name);
    if (r < 0.84) return Upper(base);
    if (r < 0.92) return base + ", Inc.";
    if (r < 0.97) return base.substr(0, base.find(' '));
    return "";
  }

  // Fills the text fields of a record (never created_at, account or person,
  // which journeys read meanwhile on other threads).
  void FillContact(const Person& p, int dup, Contact& c, Rng& rng) {
    const v::Country& country = v::kCountries[p.country];
    const v::Place& place = country.places[p.place];
    const v::Role& role = v::kRoles[p.role];
    const auto& first = v::kFirstNames[p.first_name];
    c.first_name = first.name;
    c.last_name = v::kLastNames[p.last_name];
    const int pattern = p.account == kNone ? 0 : acc_[p.account].email_pattern;
    if (dup == 0) {
      c.email = NewEmail(p, false, pattern, rng);
    } else {
      const Contact& canonical = c_.contacts[p.records[0]];
      const double r = rng.Uniform();
      if (r < 0.3) {
        c.email = rng.Chance(0.5) ? Upper(Lower(canonical.email))
                                  : CapitalizeParts(Lower(canonical.email));
        if (c.email == canonical.email) c.email = Lower(canonical.email);
      } else if (r < 0.6 || p.account == kNone) {
        c.email = NewEmail(p, true, rng.Chance(0.6) ? 0 : 4, rng);
      } else if (r < 0.8) {
        c.email = NewEmail(p, false, (pattern + 1 + static_cast<int>(rng.Below(4))) % 5, rng);
      } else {
        c.email = Lower(canonical.email);
      }
      // At least one more visible difference besides the address.
      bool changed = false;
      if (first.nicknames[0].size() > 0 && rng.Chance(0.45)) {
        c.first_name = first.nicknames[first.nicknames[1].empty() ? 0 : rng.Below(2)];
        changed = true;
      }
      if (rng.Chance(0.25) || (!changed && rng.Chance(0.5))) {
        c.last_name = Typo(c.last_name, rng);
        changed = true;
      }
      if (!changed) c.first_name = Lower(c.first_name);
    }
    // Dirty casing and spacing, as typed into forms.
    const double e = rng.Uniform();
    if (e < 0.07) {
      c.email = CapitalizeParts(c.email);
    } else if (e < 0.085) {
      c.email = Upper(c.email);
    } else if (e < 0.10) {
      c.email = " " + c.email;
    } else if (e < 0.11) {
      c.email += " ";
    }
    if (p.ident == Ident::kEvent && dup == 0 && rng.Chance(0.04)) c.email.clear();
    const double n = rng.Uniform();
    if (n < 0.04) {
      c.first_name = Lower(c.first_name);
      c.last_name = Lower(c.last_name);
    } else if (n < 0.055) {
      c.first_name = Upper(c.first_name);
      c.last_name = Upper(c.last_name);
    } else if (n < 0.085) {
      c.last_name += " ";
    } else if (n < 0.095) {
      c.first_name = " " + c.first_name;
    } else if (n < 0.10) {
      c.last_name.clear();
    }

    const double t = rng.Uniform();
    if (t > (dup ? 0.15 : 0.06)) {
      size_t variants = 0;
      while (variants < role.titles.size() && !role.titles[variants].empty()) ++variants;
      c.title = rng.Chance(0.5) ? role.titles[0] : role.titles[rng.Below(variants)];
    }
    if (rng.Chance(0.7)) {
      c.seniority = role.seniority;
      c.department = role.department;
    }
    if (!rng.Chance(dup ? 0.45 : 0.25)) {
      const int style = static_cast<int>(rng.Weighted(
          std::array<double, 7>{35, 15, 12, 15, 5, 10, 8}, [](double w) { return w; }));
      c.phone = FormatPhone(country, place, p.subscriber, style, rng);
    }
    if (p.account != kNone) {
      c.company_name = CompanyNameVariant(p.account, rng);
    } else {
      // The person's employer, the same on every record of the person. Half
      // are known companies, not linked (lead-to-account matching material).
      Rng employer(opt_.seed, kStreamRecordText + (static_cast<uint64_t>(c.person + 1) << 8));
      if (employer.Chance(0.5) && !c_.accounts.empty()) {
        c.company_name = c_.accounts[employer.Below(c_.accounts.size())].name;
      } else if (employer.Chance(0.85)) {
        std::string stem;
        c.company_name = CompanyBaseName(employer, &stem);
      }
      if (dup > 0 && rng.Chance(0.3)) c.company_name = Lower(c.company_name);
    }
    if (!rng.Chance(0.07)) c.country = PickWeighted(country.spellings, rng);
    const double s = rng.Uniform();
    if (!place.state.empty()) {
      c.state = s < 0.6    ? std::string(place.state)
                : s < 0.8  ? std::string(place.state_name)
                : s < 0.85 ? Lower(place.state)
                           : "";
    } else if (s < 0.4) {
      c.state = place.state_name;
    }
    if (rng.Chance(0.85)) c.city = rng.Chance(0.03) ? Lower(place.city) : std::string(place.city);
  }

  // The CRM records: when each was created and which account it is linked
  // to. Their text comes later (FillContactTexts), beside the journeys.
  void MakeRecords() {
    Rng rng(opt_.seed, kStreamRecords);
    struct Slot {
      Timestamp created;
      int32_t person;
      int32_t order;
      uint8_t dup;
    };
    std::vector<Slot> slots;
    slots.reserve(people_.size() * 106 / 100);
    for (size_t p = 0; p < people_.size(); ++p) {
      Person& person = people_[p];
      Timestamp previous = person.t_id;
      for (int k = 0; k <= dup_counts_[p]; ++k) {
        Timestamp created = person.t_id;
        if (k > 0) {
          const Timestamp lo = std::max(person.t_id, person.nurture_start) + kDay;
          const Timestamp hi = ref_ - kHour;
          created = lo < hi ? rng.Between(lo, hi) : hi;
          if (created <= previous) created = std::min(previous + kHour, ref_);
        }
        previous = created;
        slots.push_back({created, static_cast<int32_t>(p), static_cast<int32_t>(slots.size()),
                         static_cast<uint8_t>(k)});
      }
      person.record_count = static_cast<uint8_t>(dup_counts_[p] + 1);
    }
    // Record ids follow creation time, as CRM ids do, so duplicates are not
    // neighbours.
    std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) {
      return a.created != b.created ? a.created < b.created : a.order < b.order;
    });
    c_.contacts.resize(slots.size());
    for (size_t i = 0; i < slots.size(); ++i) {
      const Slot& slot = slots[i];
      Person& person = people_[slot.person];
      Contact& contact = c_.contacts[i];
      contact.created_at = slot.created;
      contact.person = slot.person;
      contact.account = person.unlinked ? kNone : person.account;
      person.records[slot.dup] = static_cast<int32_t>(i);
    }
  }

  // Names, addresses, phones, titles... of every record, person by person
  // (a duplicate is derived from the canonical record). One thread: e-mail
  // addresses must be unique.
  void FillContactTexts() {
    Rng rng(opt_.seed, kStreamRecordText);
    emails_.Reserve(c_.contacts.size());
    for (const Person& person : people_) {
      for (int k = 0; k < person.record_count; ++k) {
        FillContact(person, k, c_.contacts[person.records[k]], rng);
      }
    }
  }

  // ------------------------------------------------------------- journeys
  struct Texts {
    TextId google, bing, duckduckgo, organic, none_medium, direct_source, referral, social, cpc,
        email, hubspot, linkedin, twitter, facebook, youtube, video, g2, capterra, webinar, zoom,
        event, offline, syndication, partner, affiliate, other_source, not_set, sales, direct_mail,
        google_ref, bing_ref, linkedin_ref, tco_ref, facebook_ref, youtube_ref, g2_ref,
        capterra_ref, paid_social, display, newsletter_form, contact_form, demo_form, trial_form,
        pricing_form, webinar_form, outbound_email, cold_call, follow_up_email, sdr_call,
        discovery_meeting, brand_keyword, competitor_keyword, pricing_url, demo_url, trial_url,
        webinar_url, contact_url;
    std::array<TextId, std::size(v::kSitePages)> pages;
    std::array<TextId, std::size(v::kKeywords)> keywords;
    std::array<TextId, std::size(v::kAdContents)> ad_contents;
    std::array<TextId, std::size(v::kContentAssets)> assets;
    std::array<TextId, std::size(v::kContentAssets)> asset_urls;
    std::array<TextId, std::size(v::kReferrers)> referrers;
    std::array<TextId, std::size(v::kReferrers)> referrer_hosts;
    std::array<TextId, std::size(v::kPublishers)> publishers;
    std::array<TextId, 5> meeting_names;
  };

  void InternTexts() {
    Texts& t = t_;
    t.google = Text("google");
    t.bing = Text("bing");
    t.duckduckgo = Text("duckduckgo");
    t.organic = Text("organic");
    t.none_medium = Text("(none)");
    t.direct_source = Text("(direct)");
    t.referral = Text("referral");
    t.social = Text("social");
    t.cpc = Text("cpc");
    t.email = Text("email");
    t.hubspot = Text("hubspot");
    t.linkedin = Text("linkedin");
    t.twitter = Text("twitter");
    t.facebook = Text("facebook");
    t.youtube = Text("youtube");
    t.video = Text("video");
    t.g2 = Text("g2");
    t.capterra = Text("capterra");
    t.webinar = Text("webinar");
    t.zoom = Text("zoom");
    t.event = Text("event");
    t.offline = Text("offline");
    t.syndication = Text("syndication");
    t.partner = Text("partner");
    t.affiliate = Text("affiliate");
    t.other_source = Text("newsaggregator");
    t.not_set = Text("(not set)");
    t.paid_social = Text("paid_social");
    t.display = Text("display");
    t.sales = Text("sales");
    t.direct_mail = Text("direct_mail");
    t.google_ref = Text("https://www.google.com/");
    t.bing_ref = Text("https://www.bing.com/");
    t.linkedin_ref = Text("https://www.linkedin.com/");
    t.tco_ref = Text("https://t.co/");
    t.facebook_ref = Text("https://www.facebook.com/");
    t.youtube_ref = Text("https://www.youtube.com/");
    t.g2_ref = Text("https://www.g2.com/products/example-marketing-ops/reviews");
    t.capterra_ref = Text("https://www.capterra.com/p/example-marketing-ops/");
    t.newsletter_form = Text("Newsletter Signup");
    t.contact_form = Text("Contact Us");
    t.demo_form = Text("Demo Request");
    t.trial_form = Text("Free Trial Signup");
    t.pricing_form = Text("Pricing Inquiry");
    t.webinar_form = Text("Webinar Registration");
    t.outbound_email = Text("Outbound Email");
    t.cold_call = Text("Cold Call");
    t.follow_up_email = Text("Follow-up Email");
    t.sdr_call = Text("SDR Qualification Call");
    t.discovery_meeting = Text("Discovery Meeting");
    t.brand_keyword = Text(v::kBrandKeyword);
    t.competitor_keyword = Text(v::kCompetitorKeyword);
    t.pricing_url = Text(fmt::format("{}/pricing", kSite));
    t.demo_url = Text(fmt::format("{}/demo", kSite));
    t.trial_url = Text(fmt::format("{}/trial", kSite));
    t.webinar_url = Text(fmt::format("{}/webinars", kSite));
    t.contact_url = Text(fmt::format("{}/contact", kSite));
    for (size_t i = 0; i < t.pages.size(); ++i) {
      t.pages[i] = Text(fmt::format("{}{}", kSite, v::kSitePages[i]));
    }
    for (size_t i = 0; i < t.keywords.size(); ++i) t.keywords[i] = Text(v::kKeywords[i]);
    for (size_t i = 0; i < t.ad_contents.size(); ++i) t.ad_contents[i] = Text(v::kAdContents[i]);
    for (size_t i = 0; i < t.assets.size(); ++i) {
      t.assets[i] = Text(v::kContentAssets[i]);
      std::string slug = AsciiFold(v::kContentAssets[i]);
      t.asset_urls[i] = Text(fmt::format("{}/resources/{}", kSite, slug));
    }
    for (size_t i = 0; i < t.referrers.size(); ++i) {
      t.referrers[i] = Text(v::kReferrers[i]);
      std::string_view host = v::kReferrers[i];
      host.remove_prefix(std::string_view("https://").size());
      t.referrer_hosts[i] = Text(host.substr(0, host.find('/')));
    }
    for (size_t i = 0; i < t.publishers.size(); ++i) t.publishers[i] = Text(v::kPublishers[i]);
    static constexpr std::string_view kMeetings[] = {"Discovery Call", "Product Demo",
                                                     "Technical Deep Dive", "Proposal Review",
                                                     "Negotiation Call"};
    for (size_t i = 0; i < t.meeting_names.size(); ++i) t.meeting_names[i] = Text(kMeetings[i]);
    partner_sources_.clear();
    for (std::string_view s : v::kPartners) partner_sources_.push_back(Text(s));
    for (std::string_view s : v::kAffiliates) affiliate_sources_.push_back(Text(s));
    for (std::string_view s : v::kSyndicationVendors) vendor_sources_.push_back(Text(s));
  }

  // A message id per e-mail campaign and week (one send a week), interned
  // up front so that journeys only read shared state.
  void InternMessages() {
    const int64_t weeks = kWindowDays / 7 + 1;
    messages_.assign(c_.campaigns.size() * static_cast<size_t>(weeks), 0);
    for (size_t i = 0; i < c_.campaigns.size(); ++i) {
      if (camp_[i].program || c_.campaigns[i].channel != Channel::kEmail) continue;
      for (int64_t w = 0; w < weeks; ++w) {
        messages_[i * weeks + w] =
            Text(fmt::format("<{}.w{:02}@mail.example.com>",
                             ExternalId(RecordKind::kCampaign, static_cast<int64_t>(i)), w + 1));
      }
    }
  }
  TextId EmailMessage(int32_t campaign, Timestamp t) const {
    const int64_t weeks = kWindowDays / 7 + 1;
    const int64_t week = std::clamp<int64_t>(FloorDiv(t - w0_, 7 * kDay), 0, weeks - 1);
    return messages_[static_cast<size_t>(campaign) * weeks + week];
  }

  Timestamp BusinessTime(Timestamp t, Rng& rng) const {
    // Most B2B activity happens in working hours (UTC 13-22 covers NA).
    static constexpr std::array<uint8_t, 24> kHourWeight = {1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4,
                                                            4, 6, 7, 8, 8, 8, 7, 6, 5, 4, 2, 1};
    static constexpr int kTotal = [] {
      int s = 0;
      for (uint8_t w : kHourWeight) s += w;
      return s;
    }();
    int x = static_cast<int>(rng.Below(kTotal));
    int hour = 0;
    while (x >= kHourWeight[hour]) x -= kHourWeight[hour++];
    return DayStart(t) + hour * kHour + static_cast<Timestamp>(rng.Below(3600));
  }

  // Fills a web visit on `channel` (page view or ad click).
  void WebVisit(Touchpoint& tp, Channel channel, Region region, Rng& rng) const {
    const Texts& t = t_;
    tp.channel = channel;
    tp.type = TouchType::kPageView;
    tp.url = t.pages[rng.Below(t.pages.size())];
    switch (channel) {
      case Channel::kOrganicSearch: {
        const double r = rng.Uniform();
        tp.source = r < 0.86 ? t.google : r < 0.96 ? t.bing : t.duckduckgo;
        tp.medium = t.organic;
        tp.referrer = tp.source == t.bing ? t.bing_ref : t.google_ref;
        if (tp.source == t.duckduckgo) tp.referrer = 0;
        // Organic landings are mostly blog posts.
        if (rng.Chance(0.6)) tp.url = t.pages[9 + rng.Below(6)];
        break;
      }
      case Channel::kPaidSearch:
      case Channel::kPaidSocial:
      case Channel::kDisplay: {
        tp.type = TouchType::kAdClick;
        // The ad platform is the campaign's (when one runs), else typical.
        const int32_t camp = ActiveCampaign(channel, tp.occurred_at, region, rng);
        if (camp != kNone) {
          tp.source = camp_[camp].source;
          tp.medium = camp_[camp].medium;
        } else if (channel == Channel::kPaidSearch) {
          tp.source = rng.Chance(0.85) ? t.google : t.bing;
          tp.medium = t.cpc;
        } else if (channel == Channel::kPaidSocial) {
          tp.source = rng.Chance(0.75) ? t.linkedin : t.facebook;
          tp.medium = t.paid_social;
        } else {
          tp.source = t.google;
          tp.medium = t.display;
        }
        tp.referrer = channel == Channel::kDisplay ? t.publishers[rng.Below(t.publishers.size())]
                      : tp.source == t.bing        ? t.bing_ref
                      : tp.source == t.google      ? t.google_ref
                      : tp.source == t.facebook    ? t.facebook_ref
                                                   : t.linkedin_ref;
        if (camp != kNone) ApplyCampaign(tp, camp, rng);
        if (tp.campaign != kNone && channel == Channel::kPaidSearch) {
          const uint8_t k = camp_[tp.campaign].keywords;
          tp.utm_term = k == 1   ? t.brand_keyword
                        : k == 3 ? t.competitor_keyword
                                 : t.keywords[rng.Below(t.keywords.size())];
        }
        if (tp.campaign != kNone) tp.utm_content = t.ad_contents[rng.Below(t.ad_contents.size())];
        break;
      }
      case Channel::kOrganicSocial: {
        const bool li = rng.Chance(0.7);
        tp.source = li ? t.linkedin : t.twitter;
        tp.medium = t.social;
        tp.referrer = li ? t.linkedin_ref : t.tco_ref;
        if (rng.Chance(0.3)) {
          const int32_t camp = ActiveCampaign(channel, tp.occurred_at, region, rng);
          if (camp != kNone) ApplyCampaign(tp, camp, rng);
        }
        break;
      }
      case Channel::kReferral: {
        const size_t r = rng.Below(t.referrers.size());
        tp.referrer = t.referrers[r];
        tp.source = t.referrer_hosts[r];
        tp.medium = t.referral;
        break;
      }
      case Channel::kReviewSites: {
        const bool g2 = rng.Chance(0.7);
        tp.source = g2 ? t.g2 : t.capterra;
        tp.medium = g2 ? t.referral : t.cpc;
        tp.referrer = g2 ? t.g2_ref : t.capterra_ref;
        const int32_t camp = ActiveCampaign(channel, tp.occurred_at, region, rng);
        if (camp != kNone && camp_[camp].source == tp.source) {
          ApplyCampaign(tp, camp, rng);
        }
        break;
      }
      case Channel::kPartner:
      case Channel::kAffiliate:
      case Channel::kVideo: {
        const int32_t camp = ActiveCampaign(channel, tp.occurred_at, region, rng);
        tp.medium = channel == Channel::kPartner     ? t.partner
                    : channel == Channel::kAffiliate ? t.affiliate
                                                     : t.video;
        tp.source = channel == Channel::kVideo ? t.youtube
                    : channel == Channel::kPartner
                        ? partner_sources_[rng.Below(partner_sources_.size())]
                        : affiliate_sources_[rng.Below(affiliate_sources_.size())];
        if (channel == Channel::kVideo) {
          tp.type = rng.Chance(0.5) ? TouchType::kVideoView : TouchType::kPageView;
          tp.referrer = t.youtube_ref;
        }
        if (camp != kNone) {
          tp.source = camp_[camp].source;  // the partner whose link it was
          ApplyCampaign(tp, camp, rng);
        }
        break;
      }
      case Channel::kOther:
        tp.source = t.other_source;
        tp.medium = t.not_set;
        break;
      default:
        tp.channel = Channel::kDirect;
        tp.source = t.direct_source;
        tp.medium = t.none_medium;
        if (rng.Chance(0.3)) tp.url = t.pages[0];
        break;
    }
  }

  // A touch that certainly came from `camp`: the campaign and its utm.
  void TagCampaign(Touchpoint& tp, int32_t camp) const {
    tp.campaign = camp;
    tp.utm_campaign = camp_[camp].utm;
  }

  // Sets campaign, utm and landing URL; a few links lose or mangle the utm.
  void ApplyCampaign(Touchpoint& tp, int32_t camp, Rng& rng) const {
    const double r = rng.Uniform();
    if (r < 0.03) return;  // tracking lost: no utm, no campaign
    tp.campaign = camp;
    tp.utm_campaign = r < 0.05 ? camp_[camp].utm_variant : camp_[camp].utm;
    tp.url = camp_[camp].landing_url;
    if (tp.source == 0) tp.source = camp_[camp].source;
    if (tp.medium == 0) tp.medium = camp_[camp].medium;
  }

  Region PersonRegion(const Person& p) const {
    return RegionOf(TerritoryNamed(v::kCountries[p.country].places[p.place].territory));
  }

  int32_t AccountOfRecord(int32_t record) const { return c_.contacts[record].account; }

  // The identification touch of a new person.
  void IdentTouch(const Person& p, int32_t record, std::vector<Touchpoint>& out, Rng& rng) const {
    const Texts& t = t_;
    Touchpoint tp;
    tp.occurred_at = p.t_id;
    tp.contact = record;
    tp.account = AccountOfRecord(record);
    const Region region = PersonRegion(p);
    switch (p.ident) {
      case Ident::kSyndication:
        tp.type = TouchType::kContentDownload;
        tp.channel = Channel::kContentSyndication;
        tp.source = vendor_sources_[rng.Below(vendor_sources_.size())];
        tp.medium = t.syndication;
        if (p.ident_campaign != kNone) {
          tp.campaign = p.ident_campaign;
          tp.source = camp_[tp.campaign].source;
          tp.utm_campaign = camp_[tp.campaign].utm;
          tp.event_name = t.assets[camp_[tp.campaign].asset];
        } else {
          tp.event_name = t.assets[rng.Below(t.assets.size())];
        }
        break;
      case Ident::kEvent:
        tp.type = TouchType::kEventAttended;
        tp.channel = Channel::kEvents;
        tp.source = t.event;
        tp.medium = t.offline;
        tp.campaign = p.ident_campaign;
        tp.utm_campaign = camp_[tp.campaign].utm;
        tp.event_name = camp_[tp.campaign].name_text;
        break;
      case Ident::kWebinar:
        tp.type = TouchType::kFormSubmit;
        tp.channel = Channel::kWebinar;
        tp.source = t.zoom;
        tp.medium = t.webinar;
        tp.campaign = p.ident_campaign;
        tp.utm_campaign = camp_[tp.campaign].utm;
        tp.url = camp_[tp.campaign].landing_url;
        tp.event_name = t.webinar_form;
        tp.visitor = p.record_count > 0 ? VisitorOf(p) : kNone;
        break;
      case Ident::kOutbound:
        tp.type = TouchType::kSalesActivity;
        tp.channel = Channel::kSalesOutreach;
        tp.source = t.sales;
        tp.event_name = t.outbound_email;
        break;
      case Ident::kPartner:
        WebVisit(tp, Channel::kPartner, region, rng);
        tp.type = TouchType::kFormSubmit;
        tp.event_name = t.contact_form;
        tp.visitor = VisitorOf(p);
        break;
      default: {
        WebVisit(tp, p.first_channel, region, rng);
        tp.visitor = VisitorOf(p);
        tp.type = TouchType::kFormSubmit;
        switch (p.ident) {
          case Ident::kNewsletter:
            tp.event_name = t.newsletter_form;
            break;
          case Ident::kContent: {
            const size_t a = rng.Below(t.assets.size());
            tp.type = TouchType::kContentDownload;
            tp.event_name = t.assets[a];
            if (tp.campaign == kNone) tp.url = t.asset_urls[a];
            break;
          }
          case Ident::kDemo:
            tp.event_name = t.demo_form;
            if (tp.campaign == kNone) tp.url = t.demo_url;
            break;
          case Ident::kTrial:
            tp.event_name = t.trial_form;
            if (tp.campaign == kNone) tp.url = t.trial_url;
            break;
          default:
            tp.event_name = rng.Chance(0.6) ? t.contact_form : t.pricing_form;
            if (tp.campaign == kNone) tp.url = t.contact_url;
            break;
        }
      }
    }
    out.push_back(tp);
  }

  int32_t VisitorOf(const Person& p) const { return static_cast<int32_t>(&p - people_.data()); }

  // The next webinar at least a day after t, or kNone.
  int32_t NextWebinar(Timestamp t) const {
    for (int32_t i : webinars_) {
      if (camp_[i].event_time >= t + kDay) return i;
    }
    return kNone;
  }
  int32_t NearEvent(Timestamp t) const {
    int32_t best = kNone;
    Timestamp best_gap = 60 * kDay;
    for (int32_t i : events_) {
      const Timestamp gap = std::abs(camp_[i].event_time - t);
      if (gap < best_gap) {
        best_gap = gap;
        best = i;
      }
    }
    return best;
  }

  void NurtureTouch(const Person& p, Kind kind, Timestamp at, std::vector<Touchpoint>& out,
                    Rng& rng) const {
    const Texts& t = t_;
    const Region region = PersonRegion(p);
    Touchpoint tp;
    tp.occurred_at = at;
    const bool web_cookie = rng.Chance(0.7);
    switch (kind) {
      case Kind::kEmailOpen:
      case Kind::kEmailClick: {
        int32_t camp;
        const bool customer = p.account != kNone && c_.accounts[p.account].customer_since;
        if (customer && rng.Chance(0.6)) {
          camp = customer_newsletter_;
        } else {
          camp = ActiveCampaign(Channel::kEmail, at, region, rng);
          if (camp == customer_newsletter_ && !customer) camp = customer_newsletter_ - 1;
        }
        tp.channel = Channel::kEmail;
        tp.type = kind == Kind::kEmailOpen ? TouchType::kEmailOpen : TouchType::kEmailClick;
        tp.source = t.hubspot;
        tp.medium = t.email;
        if (camp != kNone) {
          TagCampaign(tp, camp);
          tp.message_id = EmailMessage(camp, at);
          tp.event_name = camp_[camp].name_text;
          if (kind == Kind::kEmailClick) {
            tp.url = camp_[camp].landing_url;
            if (web_cookie) tp.visitor = VisitorOf(p);
          }
        }
        break;
      }
      case Kind::kDirectVisit:
      case Kind::kPricingVisit:
        WebVisit(tp, rng.Chance(0.6) ? Channel::kDirect : Channel::kOrganicSearch, region, rng);
        if (kind == Kind::kPricingVisit) tp.url = t.pricing_url;
        if (web_cookie) tp.visitor = VisitorOf(p);
        break;
      case Kind::kOrganicVisit:
        WebVisit(tp, Channel::kOrganicSearch, region, rng);
        if (web_cookie) tp.visitor = VisitorOf(p);
        break;
      case Kind::kPaidSearchClick:
      case Kind::kPaidSocialClick:
      case Kind::kDisplayClick:
      case Kind::kOrganicSocialVisit:
      case Kind::kReferralVisit:
      case Kind::kReviewVisit:
      case Kind::kPartnerVisit:
      case Kind::kAffiliateVisit:
      case Kind::kVideo:
      case Kind::kOtherVisit: {
        static constexpr std::array<Channel, kKindCount> kChannelOf = [] {
          std::array<Channel, kKindCount> a{};
          a[static_cast<size_t>(Kind::kPaidSearchClick)] = Channel::kPaidSearch;
          a[static_cast<size_t>(Kind::kPaidSocialClick)] = Channel::kPaidSocial;
          a[static_cast<size_t>(Kind::kDisplayClick)] = Channel::kDisplay;
          a[static_cast<size_t>(Kind::kOrganicSocialVisit)] = Channel::kOrganicSocial;
          a[static_cast<size_t>(Kind::kReferralVisit)] = Channel::kReferral;
          a[static_cast<size_t>(Kind::kReviewVisit)] = Channel::kReviewSites;
          a[static_cast<size_t>(Kind::kPartnerVisit)] = Channel::kPartner;
          a[static_cast<size_t>(Kind::kAffiliateVisit)] = Channel::kAffiliate;
          a[static_cast<size_t>(Kind::kVideo)] = Channel::kVideo;
          a[static_cast<size_t>(Kind::kOtherVisit)] = Channel::kOther;
          return a;
        }();
        WebVisit(tp, kChannelOf[static_cast<size_t>(kind)], region, rng);
        if (web_cookie) tp.visitor = VisitorOf(p);
        break;
      }
      case Kind::kContentDownload: {
        const bool from_email = rng.Chance(0.5);
        if (from_email) {
          const int32_t camp = ActiveCampaign(Channel::kEmail, at, region, rng);
          tp.channel = Channel::kEmail;
          tp.source = t.hubspot;
          tp.medium = t.email;
          if (camp != kNone) {
            TagCampaign(tp, camp);
            tp.url = camp_[camp].landing_url;
          }
        } else {
          WebVisit(tp, Channel::kOrganicSearch, region, rng);
        }
        const size_t a = rng.Below(t.assets.size());
        tp.type = TouchType::kContentDownload;
        tp.event_name = t.assets[a];
        if (tp.campaign == kNone) tp.url = t.asset_urls[a];
        tp.visitor = VisitorOf(p);
        break;
      }
      case Kind::kSyndication: {
        const int32_t camp = ActiveCampaign(Channel::kContentSyndication, at, region, rng, true);
        tp.type = TouchType::kContentDownload;
        tp.channel = Channel::kContentSyndication;
        tp.medium = t.syndication;
        tp.source = vendor_sources_[rng.Below(vendor_sources_.size())];
        tp.event_name = t.assets[rng.Below(t.assets.size())];
        if (camp != kNone) {
          TagCampaign(tp, camp);
          tp.source = camp_[camp].source;
          tp.event_name = t.assets[camp_[camp].asset];
        }
        break;
      }
      case Kind::kWebinar: {
        const int32_t camp = NextWebinar(at);
        if (camp == kNone) return NurtureTouch(p, Kind::kEmailOpen, at, out, rng);
        tp.type = TouchType::kFormSubmit;
        tp.channel = Channel::kWebinar;
        tp.source = t.zoom;
        tp.medium = t.webinar;
        TagCampaign(tp, camp);
        tp.url = camp_[camp].landing_url;
        tp.event_name = t.webinar_form;
        tp.visitor = VisitorOf(p);
        if (rng.Chance(0.55)) {
          Touchpoint attended = tp;
          attended.type = TouchType::kWebinarAttended;
          attended.occurred_at = camp_[camp].event_time + rng.Between(0, 10 * 60);
          attended.url = t.webinar_url;
          attended.event_name = camp_[camp].name_text;
          attended.visitor = kNone;
          attended.value = static_cast<float>(rng.Between(8, 60));
          out.push_back(attended);
        }
        break;
      }
      case Kind::kEvent: {
        const int32_t camp = NearEvent(at);
        if (camp == kNone) return NurtureTouch(p, Kind::kDirectVisit, at, out, rng);
        tp.occurred_at = camp_[camp].event_time + rng.Between(0, 30 * kHour);
        if (tp.occurred_at > ref_) tp.occurred_at = camp_[camp].event_time;
        tp.type = TouchType::kEventAttended;
        tp.channel = Channel::kEvents;
        tp.source = t.event;
        tp.medium = t.offline;
        TagCampaign(tp, camp);
        tp.event_name = camp_[camp].name_text;
        break;
      }
      case Kind::kDemoRequest:
        WebVisit(tp, rng.Chance(0.5) ? Channel::kDirect : Channel::kOrganicSearch, region, rng);
        tp.type = TouchType::kFormSubmit;
        tp.event_name = t.demo_form;
        tp.url = t.demo_url;
        tp.visitor = VisitorOf(p);
        break;
      case Kind::kDirectMail: {
        const int32_t camp = ActiveCampaign(Channel::kDirectMail, at, region, rng, true);
        if (camp == kNone) return NurtureTouch(p, Kind::kEmailOpen, at, out, rng);
        tp.type = TouchType::kDirectMail;
        tp.channel = Channel::kDirectMail;
        tp.source = t.direct_mail;
        tp.medium = t.offline;
        TagCampaign(tp, camp);
        tp.event_name = camp_[camp].name_text;
        break;
      }
      case Kind::kOutboundEmail:
      case Kind::kOutboundCall:
        tp.channel = Channel::kSalesOutreach;
        tp.source = t.sales;
        if (kind == Kind::kOutboundEmail) {
          tp.type = TouchType::kSalesActivity;
          tp.event_name = t.outbound_email;
        } else {
          tp.type = TouchType::kCall;
          tp.event_name = t.cold_call;
          tp.value = static_cast<float>(rng.Between(1, 12));
        }
        break;
      case Kind::kCount:
        return;
    }
    out.push_back(tp);
  }

  void MakeJourneys() {
    InternTexts();
    const auto n = static_cast<int64_t>(people_.size());
    // Touch budgets: intent times the time left in the window, normalized so
    // that marketing touches are ~90% of the target (sales and anonymous
    // visitors make the rest).
    target_touches_ = Scaled(200000, 200);
    const double marketing = 0.9 * static_cast<double>(target_touches_);
    std::vector<double> raw(n);
    double total = 0;
    for (int64_t p = 0; p < n; ++p) {
      const Person& person = people_[p];
      const double days_left = static_cast<double>(ref_ - person.nurture_start) / kDay;
      raw[p] = person.intent * std::clamp(days_left / 240.0, 0.1, 1.0);
      total += raw[p];
    }
    const double k = std::max(0.0, marketing - static_cast<double>(n)) / total;
    Rng budget_rng(opt_.seed, kStreamJourney);
    for (int64_t p = 0; p < n; ++p) {
      people_[p].budget = 1 + static_cast<int32_t>(raw[p] * k + budget_rng.Uniform());
    }

    InternMessages();
    // Journeys only read shared state and each person has its own random
    // stream, so slices of people run on threads and the result does not
    // depend on how many there are. Each slice keeps its touches (parts_)
    // until MergeTouches puts everything in order.
    const int threads = n < 1000 ? 1 : threads_;
    parts_.assign(threads, {});
    const auto run = [&](int part) {
      const int64_t from = n * part / threads;
      const int64_t to = n * (part + 1) / threads;
      std::vector<Touchpoint>& out = parts_[part];
      out.reserve(static_cast<size_t>(marketing * 1.05 * static_cast<double>(to - from) /
                                      static_cast<double>(n)));
      for (int64_t p = from; p < to; ++p) {
        Person& person = people_[p];
        Rng rng(opt_.seed, kStreamJourney + (static_cast<uint64_t>(p + 1) << 8));
        const size_t begin = out.size();
        JourneyOf(person, rng, out);
        SortByTime(out.begin() + static_cast<std::ptrdiff_t>(begin), out.end());
        person.part = static_cast<uint8_t>(part);
        person.touch_begin = static_cast<uint32_t>(begin);
        person.touch_end = static_cast<uint32_t>(out.size());
      }
    };
    // The records' text does not feed the journeys: it is filled meanwhile.
    std::thread texts;
    if (threads_ > 1) {
      texts = std::thread([this] { FillContactTexts(); });
    } else {
      FillContactTexts();
    }
    std::vector<std::thread> workers;
    for (int part = 1; part < threads; ++part) workers.emplace_back(run, part);
    run(0);
    for (std::thread& w : workers) w.join();
    if (texts.joinable()) texts.join();

    person_weight_.assign(people_.size(), 0);
    for (size_t p = 0; p < people_.size(); ++p) {
      double& w = person_weight_[p];
      for (const Touchpoint& tp : Marketing(people_[p])) {
        w += kChannelPropensity[static_cast<size_t>(tp.channel)] *
             kTypeOpportunityWeight[static_cast<size_t>(tp.type)];
      }
    }
  }

  // A person's marketing touches, in time order (until MergeTouches).
  std::span<const Touchpoint> Marketing(const Person& p) const {
    return {parts_[p.part].data() + p.touch_begin, p.touch_end - p.touch_begin};
  }

  // Stable sort by time; journeys are short, so insertion sort mostly.
  template <typename It>
  static void SortByTime(It begin, It end) {
    const auto earlier = [](const Touchpoint& a, const Touchpoint& b) {
      return a.occurred_at < b.occurred_at;
    };
    if (end - begin > 48) return std::stable_sort(begin, end, earlier);
    for (It i = begin; i != end; ++i) {
      Touchpoint t = *i;
      It j = i;
      for (; j != begin && earlier(t, *(j - 1)); --j) *j = *(j - 1);
      *j = t;
    }
  }

  void JourneyOf(const Person& p, Rng& rng, std::vector<Touchpoint>& out) const {
    int remaining = p.budget;
    const Region region = PersonRegion(p);
    const int32_t canonical = p.records[0];
    const bool web_first = p.ident != Ident::kLegacy && p.ident != Ident::kSyndication &&
                           p.ident != Ident::kEvent && p.ident != Ident::kWebinar &&
                           p.ident != Ident::kOutbound;
    // Anonymous visits before the form.
    if (web_first && remaining > 1 && p.t_id > p.t0 + kHour) {
      const int anonymous = std::min(remaining - 1, 1 + rng.Geometric(0.5, 4));
      for (int i = 0; i < anonymous; ++i) {
        Touchpoint tp;
        tp.occurred_at = i == 0 ? p.t0 : rng.Between(p.t0, p.t_id - kHour);
        Channel ch = p.first_channel;
        if (i > 0 && rng.Chance(0.5))
          ch = rng.Chance(0.5) ? Channel::kDirect : Channel::kOrganicSearch;
        WebVisit(tp, ch, region, rng);
        tp.visitor = VisitorOf(p);
        // Reverse-IP lookup names the company of some anonymous visits.
        if (p.account != kNone && rng.Chance(0.2)) tp.account = p.account;
        out.push_back(tp);
      }
      remaining -= anonymous;
    }
    if (p.ident != Ident::kLegacy) {
      IdentTouch(p, canonical, out, rng);
      --remaining;
    }
    if (remaining <= 0 && p.record_count == 1) return;

    // Mixture of nurture kinds for this person.
    std::array<double, kKindCount> weights = kKindWeights;
    const double intent = std::min(4.0, static_cast<double>(p.intent));
    weights[static_cast<size_t>(Kind::kPricingVisit)] *= intent;
    weights[static_cast<size_t>(Kind::kReviewVisit)] *= intent;
    weights[static_cast<size_t>(Kind::kDemoRequest)] *= intent * intent;
    weights[static_cast<size_t>(Kind::kWebinar)] *= std::sqrt(intent);
    weights[static_cast<size_t>(Kind::kEvent)] *= std::sqrt(intent);
    if (p.account == kNone || c_.accounts[p.account].employees.value_or(0) < 500) {
      weights[static_cast<size_t>(Kind::kDirectMail)] = 0;
    }
    if (p.ident == Ident::kOutbound ||
        (p.ident == Ident::kLegacy && p.first_channel == Channel::kSalesOutreach)) {
      weights[static_cast<size_t>(Kind::kOutboundEmail)] = 14;
      weights[static_cast<size_t>(Kind::kOutboundCall)] = 5;
    }
    // Repeat the first channel now and then: people come back the way they came.
    switch (p.first_channel) {
      case Channel::kPaidSearch:
        weights[static_cast<size_t>(Kind::kPaidSearchClick)] *= 2;
        break;
      case Channel::kPaidSocial:
        weights[static_cast<size_t>(Kind::kPaidSocialClick)] *= 2;
        break;
      case Channel::kReferral:
        weights[static_cast<size_t>(Kind::kReferralVisit)] *= 3;
        break;
      case Channel::kReviewSites:
        weights[static_cast<size_t>(Kind::kReviewVisit)] *= 3;
        break;
      case Channel::kOrganicSearch:
        weights[static_cast<size_t>(Kind::kOrganicVisit)] *= 1.5;
        break;
      default:
        break;
    }
    std::array<double, kKindCount> cumulative{};
    double total = 0;
    for (size_t i = 0; i < kKindCount; ++i) cumulative[i] = (total += weights[i]);

    const Timestamp start = p.nurture_start;
    const Timestamp span_end =
        std::min(ref_, start + static_cast<Timestamp>(rng.LogNormal(150, 0.8) * kDay) + kDay);
    const Timestamp end = std::max(start + kHour, span_end);

    // Duplicate records: created by a touch of their own, then get a share
    // of the later touches.
    for (int k = 1; k < p.record_count; ++k) {
      const int32_t record = p.records[k];
      Touchpoint tp;
      tp.occurred_at = c_.contacts[record].created_at;
      const double r = rng.Uniform();
      if (r < 0.5) {
        WebVisit(tp, rng.Chance(0.5) ? Channel::kOrganicSearch : Channel::kDirect, region, rng);
        tp.type = TouchType::kContentDownload;
        const size_t a = rng.Below(t_.assets.size());
        tp.event_name = t_.assets[a];
        tp.url = t_.asset_urls[a];
        tp.visitor = VisitorOf(p);
      } else if (r < 0.8) {
        WebVisit(tp, Channel::kDirect, region, rng);
        tp.type = TouchType::kFormSubmit;
        tp.event_name = rng.Chance(0.5) ? t_.newsletter_form : t_.contact_form;
        tp.visitor = VisitorOf(p);
      } else {
        WebVisit(tp, Channel::kPaidSocial, region, rng);
        tp.type = TouchType::kFormSubmit;
        tp.event_name = t_.contact_form;
        tp.visitor = VisitorOf(p);
      }
      tp.contact = record;
      tp.account = AccountOfRecord(record);
      out.push_back(tp);
      --remaining;
    }

    for (int i = 0; i < remaining; ++i) {
      const Timestamp at = BusinessTime(rng.Between(start, end), rng);
      const double x = rng.Uniform() * total;
      size_t kind = 0;
      while (kind + 1 < kKindCount && x >= cumulative[kind]) ++kind;
      const size_t first_new = out.size();
      NurtureTouch(p, static_cast<Kind>(kind), std::clamp(at, start, ref_), out, rng);
      for (size_t j = first_new; j < out.size(); ++j) {
        Touchpoint& tp = out[j];
        if (tp.occurred_at > ref_) tp.occurred_at = ref_;
        if (tp.occurred_at < p.t_id) tp.occurred_at = p.t_id + kHour;
        // Which record the touch lands on: later touches are split between
        // the canonical record and the duplicates that exist by then.
        int32_t record = canonical;
        for (int k = p.record_count - 1; k >= 1; --k) {
          if (c_.contacts[p.records[k]].created_at <= tp.occurred_at && rng.Chance(0.35)) {
            record = p.records[k];
            break;
          }
        }
        tp.contact = record;
        tp.account = AccountOfRecord(record);
      }
    }
  }

  // Lead score per record over its marketing touches; the MQL time is when
  // it first crosses the threshold (for people whose fit allows).
  void ScoreRecords() {
    rec_mql_.assign(c_.contacts.size(), kNever);
    rec_first_channel_.assign(c_.contacts.size(), Channel::kOther);
    rec_has_touch_.assign(c_.contacts.size(), false);
    for (const Person& p : people_) {
      std::array<double, 3> score{};
      for (const Touchpoint& tp : Marketing(p)) {
        if (tp.contact == kNone) continue;
        int k = 0;
        while (k < p.record_count && p.records[k] != tp.contact) ++k;
        if (k == p.record_count) continue;
        if (!rec_has_touch_[tp.contact]) {
          rec_has_touch_[tp.contact] = true;
          rec_first_channel_[tp.contact] = tp.channel;
        }
        double points = kTypeScore[static_cast<size_t>(tp.type)];
        if (tp.url == t_.pricing_url) points += 6;
        if (tp.event_name == t_.demo_form) points += 30;
        score[k] += points;
        if (score[k] >= kMqlThreshold && p.fit >= 0.2 && rec_mql_[tp.contact] == kNever) {
          rec_mql_[tp.contact] = tp.occurred_at;
        }
      }
      for (int k = 0; k < p.record_count; ++k) {
        if (!rec_has_touch_[p.records[k]]) rec_first_channel_[p.records[k]] = p.first_channel;
      }
    }
  }

  // --------------------------------------------------------- opportunities
  int32_t OpportunityOwner(int32_t account, bool customer, Rng& rng) const {
    const Territory t = acc_[account].territory;
    const int32_t owner = c_.accounts[account].owner;
    const auto& pool = customer ? am_[t] : ae_[t];
    if (owner != kNone && c_.users[owner].active &&
        c_.users[owner].team == (customer ? "AM" : "AE")) {
      return owner;
    }
    return pool[rng.Below(pool.size())];
  }

  void AddHistory(int32_t opp, std::string_view stage, int64_t amount, Timestamp at) {
    c_.opportunity_history.push_back({opp, std::string(stage), amount, at});
  }

  // Lays out the stages of an opportunity from `created` over `cycle`
  // seconds; `won` decides the end; stages past the reference date are not
  // reached yet (the opportunity stays open).
  void PlayStages(int32_t index, Timestamp created, Timestamp cycle, bool won, int first_stage,
                  int lost_after, int64_t amount, Rng& rng) {
    Opportunity& o = c_.opportunities[index];
    const int64_t estimate = Money(static_cast<double>(amount) / 100 * rng.Uniform(0.7, 1.4), 500);
    const int64_t proposal = Money(static_cast<double>(amount) / 100 * rng.Uniform(1.0, 1.2), 100);
    const int last_open = won ? 4 : lost_after;
    Timestamp at = created;
    int64_t current = estimate;
    o.stage = kStages[first_stage];
    for (int s = first_stage; s <= last_open; ++s) {
      const double fraction = first_stage == 0 ? kStageFraction[s]
                                               : (kStageFraction[s] - kStageFraction[first_stage]) /
                                                     (1 - kStageFraction[first_stage]);
      const Timestamp when = std::max(at, created + static_cast<Timestamp>(fraction * cycle));
      if (when > ref_) break;
      current = s >= 4 ? amount : s == 3 ? proposal : estimate;
      AddHistory(index, kStages[s], current, when);
      o.stage = kStages[s];
      at = when + kHour;
    }
    o.amount = current;
    const Timestamp close =
        won ? created + cycle : created + static_cast<Timestamp>(cycle * rng.Uniform(0.5, 1.0));
    if (close <= ref_) {
      // Never before the last stage change.
      const Timestamp at_close = std::min(ref_, std::max(close, at - kHour + 60));
      o.is_closed = true;
      o.is_won = won;
      o.stage = won ? kStages[5] : kStages[6];
      if (won) o.amount = amount;
      AddHistory(index, o.stage, o.amount, at_close);
      o.close_date = DayStart(at_close);
    } else {
      // Open: the expected close date, pushed out if it slipped.
      const Timestamp expected = created + cycle;
      o.close_date = DayStart(expected > ref_ + kDay ? expected : ref_ + rng.Between(7, 60) * kDay);
    }
  }

  int32_t NewOpportunity(int32_t account, std::string name, std::string_view type,
                         Timestamp created, Rng& rng) {
    Opportunity o;
    o.account = account;
    o.name = std::move(name);
    o.type = type;
    o.pipeline = type == "Renewal" ? "Renewals" : "Sales";
    o.currency = "USD";
    o.created_at = created;
    o.owner = OpportunityOwner(account, type != "New Business", rng);
    const auto index = static_cast<int32_t>(c_.opportunities.size());
    c_.opportunities.push_back(std::move(o));
    return index;
  }

  void AddOppContact(int32_t opp, int32_t record, std::string_view role, bool primary) {
    c_.opportunity_contacts.push_back({opp, record, std::string(role), primary});
    // A contact on an opportunity is linked to its account.
    Contact& c = c_.contacts[record];
    if (c.account == kNone) c.account = c_.opportunities[opp].account;
  }

  // Adds 0-4 other people of the account with buying roles.
  void AddBuyingGroup(int32_t opp, int32_t account, int32_t primary_person, int max_others,
                      Rng& rng) {
    static constexpr std::string_view kRoles[] = {"Decision Maker", "Economic Buyer",
                                                  "Influencer",     "Technical Evaluator",
                                                  "End User",       "Champion"};
    const auto& people = acc_people_[account];
    const int others =
        std::min<int>(static_cast<int>(people.size()) - 1,
                      static_cast<int>(rng.Below(static_cast<uint64_t>(max_others) + 1)));
    std::vector<int32_t> chosen;
    // Buyers are drawn by fit and engagement (lead_signal.h).
    std::vector<double> weights(people.size());
    for (size_t k = 0; k < people.size(); ++k) {
      weights[k] = BuyerWeight(people_[people[k]].fit, person_weight_[people[k]]);
    }
    for (int attempt = 0; attempt < 4 * others && static_cast<int>(chosen.size()) < others;
         ++attempt) {
      const int32_t p = people[PickByWeight(weights, rng.Uniform())];
      if (p == primary_person || std::find(chosen.begin(), chosen.end(), p) != chosen.end()) {
        continue;
      }
      // People the sales team knew when the deal opened.
      if (people_[p].t_id >= c_.opportunities[opp].created_at - kDay) continue;
      chosen.push_back(p);
    }
    for (int32_t p : chosen) {
      const Person& person = people_[p];
      // Now and then the sales rep picks a duplicate record.
      int32_t record = person.records[0];
      if (person.record_count > 1 && rng.Chance(0.1) &&
          c_.contacts[person.records[1]].created_at < c_.opportunities[opp].created_at) {
        record = person.records[1];
      }
      AddOppContact(opp, record, kRoles[rng.Below(std::size(kRoles))], false);
    }
  }

  void MakeOpportunities() {
    Rng rng(opt_.seed, kStreamOpportunities);
    const int64_t target = Scaled(1000, 5);

    // New business: people drawn without replacement (Efraimidis-Spirakis
    // keys) with weight fit x the channel propensity of how they arrived x
    // their channel-weighted engagement; one opportunity per account, the
    // person drawn is its primary contact.
    struct Candidate {
      double key;
      int32_t person;
    };
    std::vector<Candidate> candidates;
    for (size_t p = 0; p < people_.size(); ++p) {
      const Person& person = people_[p];
      if (person.account == kNone || c_.accounts[person.account].customer_since) continue;
      if (person.touch_end - person.touch_begin < 2 || person.t_id > ref_ - 3 * kDay) continue;
      const double w = person_weight_[p] *
                       kChannelPropensity[static_cast<size_t>(person.first_channel)] *
                       (0.1 + person.fit);
      if (w <= 0) continue;
      candidates.push_back({std::log(1.0 - rng.Uniform()) / w, static_cast<int32_t>(p)});
    }
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& x, const Candidate& y) {
      return x.key != y.key ? x.key > y.key : x.person < y.person;
    });
    const auto new_business = static_cast<size_t>(std::llround(0.79 * static_cast<double>(target)));
    std::vector<bool> has_deal(c_.accounts.size(), false);
    size_t opened = 0;
    for (size_t i = 0; i < candidates.size() && opened < new_business; ++i) {
      const int32_t primary = candidates[i].person;
      const int32_t a = people_[primary].account;
      if (has_deal[a]) continue;
      has_deal[a] = true;
      ++opened;
      const Person& person = people_[primary];
      const int32_t record = person.records[0];
      // Created after marketing touches: at the MQL, or 70% into the journey.
      const auto touches = Marketing(person);
      const size_t n = touches.size();
      Timestamp basis = touches[std::min(n - 1, 1 + n * 7 / 10)].occurred_at;
      if (rec_mql_[record] != kNever) basis = std::min(basis, rec_mql_[record]);
      Timestamp created = basis + rng.Between(2 * kDay, 21 * kDay);
      created = std::min(created, ref_ - kDay);
      created = std::max(created, person.t_id + kDay);
      if (created > ref_ - kHour) continue;
      created = BusinessTime(created, rng);
      if (created > ref_) created = ref_ - kHour;

      const Account& account = c_.accounts[a];
      const double emp = static_cast<double>(account.employees.value_or(100));
      const double amount_usd =
          std::clamp(15000 * std::pow(emp / 200, 0.4) * rng.LogNormal(1, 0.5), 3000.0, 600000.0);
      const int64_t amount = Money(amount_usd, 100);
      const double cycle_days =
          std::max(14.0, 70 * std::pow(std::max(emp, 10.0) / 100, 0.25) * rng.LogNormal(1, 0.5));
      const double p_win =
          std::clamp(0.22 * kWinByFirstChannel[static_cast<size_t>(person.first_channel)] *
                         (0.6 + 0.8 * acc_[a].fit),
                     0.05, 0.75);
      const bool won = rng.Chance(p_win);
      const int lost_after = static_cast<int>(
          rng.Weighted(std::array<double, 5>{15, 30, 25, 20, 10}, [](double w) { return w; }));

      const int32_t opp = NewOpportunity(a, fmt::format("{} - New Business", acc_[a].base_name),
                                         "New Business", created, rng);
      Opportunity& o = c_.opportunities[opp];
      o.lead_source = LeadSourceOf(person.first_channel);
      // Primary campaign: the first campaign the primary contact touched
      // before the opportunity.
      for (const Touchpoint& tp : touches) {
        if (tp.occurred_at > created) break;
        if (tp.campaign != kNone) {
          o.primary_campaign = tp.campaign;
          break;
        }
      }
      PlayStages(opp, created, static_cast<Timestamp>(cycle_days * kDay), won, 0, lost_after,
                 amount, rng);
      AddOppContact(opp, record, rng.Chance(0.6) ? "Champion" : "Decision Maker", true);
      AddBuyingGroup(opp, a, primary, emp > 1000 ? 4 : emp > 200 ? 3 : 2, rng);
    }

    // Expansions after won deals, and renewals of the customers from before
    // the window.
    const size_t new_count = c_.opportunities.size();
    for (size_t i = 0; i < new_count; ++i) {
      const Opportunity base = c_.opportunities[i];
      if (!base.is_won || base.close_date > ref_ - 90 * kDay || !rng.Chance(0.35)) continue;
      const Timestamp created = BusinessTime(base.close_date + rng.Between(60, 300) * kDay, rng);
      if (created > ref_ - kDay) continue;
      const int seats = static_cast<int>(rng.Between(5, 60));
      const int32_t opp = NewOpportunity(
          base.account,
          fmt::format("{} - Expansion - {} seats", acc_[base.account].base_name, seats),
          "Expansion", created, rng);
      c_.opportunities[opp].lead_source = "Existing Customer";
      const int64_t amount =
          Money(static_cast<double>(base.amount) / 100 * rng.Uniform(0.2, 0.6), 100);
      PlayStages(opp, created, static_cast<Timestamp>(rng.LogNormal(30, 0.4) * kDay),
                 rng.Chance(0.55), 1, static_cast<int>(rng.Between(1, 3)), amount, rng);
      AddCustomerContacts(opp, base.account, rng);
    }
    for (size_t a = 0; a < c_.accounts.size(); ++a) {
      const Account& account = c_.accounts[a];
      if (!account.customer_since) continue;
      const double emp = static_cast<double>(account.employees.value_or(100));
      const double acv =
          std::clamp(15000 * std::pow(emp / 200, 0.4) * rng.LogNormal(1, 0.3), 3000.0, 400000.0);
      for (Timestamp renewal = *account.customer_since + 365 * kDay; renewal - 45 * kDay <= ref_;
           renewal += 365 * kDay) {
        const Timestamp created = BusinessTime(renewal - rng.Between(45, 90) * kDay, rng);
        if (created < w0_ || created > ref_ - kDay) continue;
        const Civil cv = CivilFromDays(FloorDiv(renewal, kDay));
        const int32_t opp = NewOpportunity(
            static_cast<int32_t>(a), fmt::format("{} - Renewal {}", acc_[a].base_name, cv.year),
            "Renewal", created, rng);
        c_.opportunities[opp].lead_source = "Existing Customer";
        PlayStages(opp, created, renewal - created, rng.Chance(0.88), 3, 4,
                   Money(acv * rng.Uniform(1.0, 1.1), 100), rng);
        AddCustomerContacts(opp, static_cast<int32_t>(a), rng);
      }
      if (rng.Chance(0.2)) {
        const Timestamp created = BusinessTime(rng.Between(w0_, ref_ - 30 * kDay), rng);
        const int32_t opp = NewOpportunity(
            static_cast<int32_t>(a),
            fmt::format("{} - Expansion - {} seats", acc_[a].base_name, rng.Between(5, 40)),
            "Expansion", created, rng);
        c_.opportunities[opp].lead_source = "Existing Customer";
        PlayStages(opp, created, static_cast<Timestamp>(rng.LogNormal(30, 0.4) * kDay),
                   rng.Chance(0.55), 1, 2, Money(acv * rng.Uniform(0.2, 0.5), 100), rng);
        AddCustomerContacts(opp, static_cast<int32_t>(a), rng);
      }
    }
  }

  void AddCustomerContacts(int32_t opp, int32_t account, Rng& rng) {
    const auto& people = acc_people_[account];
    const Timestamp created = c_.opportunities[opp].created_at;
    std::vector<int32_t> eligible;
    for (int32_t p : people) {
      if (c_.contacts[people_[p].records[0]].created_at < created) eligible.push_back(p);
    }
    if (eligible.empty()) return;
    const int32_t primary = eligible[rng.Below(eligible.size())];
    AddOppContact(opp, people_[primary].records[0], rng.Chance(0.5) ? "Economic Buyer" : "Champion",
                  true);
    if (eligible.size() > 1 && rng.Chance(0.5)) {
      const int32_t other = eligible[rng.Below(eligible.size())];
      if (other != primary) AddOppContact(opp, people_[other].records[0], "End User", false);
    }
  }

  // ---------------------------------------------------------- sales touches
  Touchpoint SalesTouch(int32_t record, TouchType type, TextId event_name, Timestamp at, Rng& rng) {
    Touchpoint tp;
    tp.occurred_at = std::min(at, ref_);
    tp.contact = record;
    tp.account = c_.contacts[record].account;
    tp.type = type;
    tp.channel = Channel::kSalesOutreach;
    tp.source = t_.sales;
    tp.event_name = event_name;
    if (type == TouchType::kMeeting) tp.value = static_cast<float>(rng.Chance(0.5) ? 30 : 45);
    if (type == TouchType::kCall) tp.value = static_cast<float>(rng.Between(2, 25));
    return tp;
  }

  void MakeSalesTouches() {
    Rng rng(opt_.seed, kStreamSales);
    rec_on_opp_.assign(c_.contacts.size(), false);
    for (const OpportunityContact& oc : c_.opportunity_contacts) rec_on_opp_[oc.contact] = true;
    rec_sdr_outcome_.assign(c_.contacts.size(), 0);
    rec_sdr_time_.assign(c_.contacts.size(), kNever);
    // Opportunity work: SDR qualification before, meetings and calls during.
    std::vector<std::vector<int32_t>> contacts_of(c_.opportunities.size());
    for (const OpportunityContact& oc : c_.opportunity_contacts) {
      contacts_of[oc.opportunity].push_back(oc.contact);
    }
    std::vector<Timestamp> end_of(c_.opportunities.size(), ref_);
    std::vector<std::vector<std::pair<Timestamp, size_t>>> stages_of(c_.opportunities.size());
    for (const OpportunityHistory& h : c_.opportunity_history) {
      if (h.stage == kStages[5] || h.stage == kStages[6]) end_of[h.opportunity] = h.entered_at;
      const auto index =
          static_cast<size_t>(std::find(kStages.begin(), kStages.end(), h.stage) - kStages.begin());
      stages_of[h.opportunity].emplace_back(h.entered_at, index);
    }
    for (size_t o = 0; o < c_.opportunities.size(); ++o) {
      const Opportunity& opp = c_.opportunities[o];
      const auto& contacts = contacts_of[o];
      if (contacts.empty()) continue;
      const int32_t primary = contacts[0];
      if (opp.type == "New Business") {
        const Timestamp from =
            std::max(c_.contacts[primary].created_at, opp.created_at - 14 * kDay);
        const int calls = 1 + static_cast<int>(rng.Below(3));
        for (int k = 0; k < calls; ++k) {
          const Timestamp at = rng.Between(from, opp.created_at);
          sales_.push_back(SalesTouch(primary,
                                      k == calls - 1 ? TouchType::kCall : TouchType::kSalesActivity,
                                      k == calls - 1 ? t_.sdr_call : t_.follow_up_email, at, rng));
        }
        sales_.push_back(
            SalesTouch(primary, TouchType::kMeeting, t_.discovery_meeting, opp.created_at, rng));
      }
      Timestamp at = opp.created_at;
      const Timestamp until = std::min(end_of[o], ref_);
      const auto& stages = stages_of[o];
      while (true) {
        at += rng.Between(5, 20) * kDay;
        if (at >= until) break;
        int32_t who = contacts[rng.Below(contacts.size())];
        if (c_.contacts[who].created_at > at) who = primary;
        // Named after the stage the deal is in.
        size_t stage = 0;
        for (const auto& [entered, index] : stages) {
          if (entered <= at) stage = index;
        }
        const bool meeting = rng.Chance(0.6);
        const TextId name = stage <= 1   ? t_.meeting_names[0]
                            : stage == 2 ? t_.meeting_names[1 + rng.Below(2)]
                            : stage == 3 ? t_.meeting_names[3]
                                         : t_.meeting_names[4];
        sales_.push_back(SalesTouch(who, meeting ? TouchType::kMeeting : TouchType::kCall, name,
                                    BusinessTime(at, rng), rng));
      }
    }
    // SDR follow-up of MQLs that did not turn into opportunities.
    for (size_t r = 0; r < c_.contacts.size(); ++r) {
      if (rec_mql_[r] == kNever || rec_on_opp_[r]) continue;
      const double x = rng.Uniform();
      if (x < 0.1) continue;  // never worked: an SLA breach
      const double late = rng.Chance(0.15) ? rng.Uniform(4, 14) : rng.Uniform(0.05, 3);
      const Timestamp first = rec_mql_[r] + static_cast<Timestamp>(late * kDay);
      if (first > ref_) continue;
      rec_sdr_time_[r] = first;
      const int touches = 1 + static_cast<int>(rng.Below(3));
      for (int k = 0; k < touches; ++k) {
        const Timestamp at = first + k * rng.Between(1, 4) * kDay;
        if (at > ref_) break;
        sales_.push_back(SalesTouch(static_cast<int32_t>(r),
                                    k % 2 == 0 ? TouchType::kCall : TouchType::kSalesActivity,
                                    k % 2 == 0 ? t_.sdr_call : t_.follow_up_email, at, rng));
      }
      // 1: accepted (sql), 2: recycled, 3: disqualified, 0: still mql.
      const double y = rng.Uniform();
      rec_sdr_outcome_[r] = y < 0.3 ? 1 : y < 0.65 ? 2 : y < 0.75 ? 3 : 0;
    }
  }

  // Anonymous visitors who never fill a form: the rest of the touch budget.
  void MakeVisitors() {
    Rng rng(opt_.seed, kStreamVisitors);
    int64_t marketing = 0;
    for (const auto& part : parts_) marketing += static_cast<int64_t>(part.size());
    const auto sales = static_cast<int64_t>(sales_.size());
    int64_t left = std::max<int64_t>(target_touches_ / 30, target_touches_ - marketing - sales);
    auto visitor = static_cast<int32_t>(people_.size());
    while (left > 0) {
      Channel ch =
          kFirstChannels[rng.Weighted(kFirstChannels, [](const auto& c) { return c.weight; })]
              .channel;
      if (ch == Channel::kContentSyndication || ch == Channel::kEvents || ch == Channel::kWebinar ||
          ch == Channel::kSalesOutreach) {
        ch = Channel::kDirect;
      }
      const Region region = static_cast<Region>(rng.Below(3));
      const int pages = std::min<int>(static_cast<int>(left), 1 + rng.Geometric(0.55, 5));
      Timestamp at = BusinessTime(rng.Between(w0_, ref_ - kHour), rng);
      for (int k = 0; k < pages; ++k) {
        Touchpoint tp;
        tp.occurred_at = std::min(at, ref_);
        WebVisit(tp, k == 0 ? ch : Channel::kDirect, region, rng);
        if (k > 0) tp.referrer = 0;
        tp.visitor = visitor;
        visitors_.push_back(tp);
        at += rng.Between(20, 400);
      }
      left -= pages;
      ++visitor;
    }
  }

  // Puts each person's marketing and sales touches together in time order,
  // then the anonymous visitors; fixes the touch ranges per person.
  void MergeTouches() {
    std::vector<int32_t> person_of_record(c_.contacts.size());
    for (size_t p = 0; p < people_.size(); ++p) {
      for (int k = 0; k < people_[p].record_count; ++k) {
        person_of_record[people_[p].records[k]] = static_cast<int32_t>(p);
      }
    }
    std::vector<std::pair<int32_t, uint32_t>> order;  // person, index into sales_
    order.reserve(sales_.size());
    for (size_t i = 0; i < sales_.size(); ++i) {
      order.emplace_back(person_of_record[sales_[i].contact], static_cast<uint32_t>(i));
    }
    std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      if (sales_[a.second].occurred_at != sales_[b.second].occurred_at) {
        return sales_[a.second].occurred_at < sales_[b.second].occurred_at;
      }
      return a.second < b.second;
    });
    size_t total = sales_.size() + visitors_.size();
    for (const auto& part : parts_) total += part.size();
    std::vector<Touchpoint>& merged = c_.touchpoints;
    merged.reserve(total);
    size_t s = 0;
    for (size_t p = 0; p < people_.size(); ++p) {
      Person& person = people_[p];
      const auto marketing = Marketing(person);
      const auto begin = static_cast<uint32_t>(merged.size());
      size_t m = 0;
      while (m < marketing.size() ||
             (s < order.size() && order[s].first == static_cast<int32_t>(p))) {
        const bool take_sales = s < order.size() && order[s].first == static_cast<int32_t>(p) &&
                                (m >= marketing.size() ||
                                 sales_[order[s].second].occurred_at < marketing[m].occurred_at);
        merged.push_back(take_sales ? sales_[order[s++].second] : marketing[m++]);
      }
      person.touch_begin = begin;
      person.touch_end = static_cast<uint32_t>(merged.size());
    }
    merged.insert(merged.end(), visitors_.begin(), visitors_.end());
    parts_.clear();
    parts_.shrink_to_fit();
    sales_.clear();
    sales_.shrink_to_fit();
    visitors_.clear();
    visitors_.shrink_to_fit();
  }

  // ------------------------------------------------------------ lifecycle
  void MakeLifecycle() {
    Rng rng(opt_.seed, kStreamLifecycle);
    struct Event {
      int32_t record;
      Lifecycle stage;
      Timestamp at;
    };
    // Stage events of every record, in one list (sorted by record below).
    struct Sink {
      std::vector<Event>& events;
      int32_t record;
      void push_back(std::pair<Timestamp, Lifecycle> e) {
        events.push_back({record, e.second, e.first});
      }
    };
    const size_t n = c_.contacts.size();
    std::vector<Event> events;
    events.reserve(n * 2);
    std::vector<Timestamp> close_of(c_.opportunities.size(), kNever);
    for (const OpportunityHistory& h : c_.opportunity_history) {
      if (h.stage == kStages[5] || h.stage == kStages[6]) close_of[h.opportunity] = h.entered_at;
    }
    for (const OpportunityContact& oc : c_.opportunity_contacts) {
      const Opportunity& o = c_.opportunities[oc.opportunity];
      Sink ev{events, oc.contact};
      const Timestamp created = c_.contacts[oc.contact].created_at;
      const Timestamp at = std::max(o.created_at, created + kHour);
      if (oc.is_primary && o.type == "New Business") {
        const Timestamp mql = rec_mql_[oc.contact] != kNever && rec_mql_[oc.contact] < at
                                  ? rec_mql_[oc.contact]
                                  : std::max(created + kHour / 2, at - rng.Between(3, 10) * kDay);
        ev.push_back({std::min(mql, at), Lifecycle::kMql});
        ev.push_back({std::max(mql, at - rng.Between(0, 2 * kDay)), Lifecycle::kSql});
      }
      ev.push_back({at, Lifecycle::kOpportunity});
      if (close_of[oc.opportunity] != kNever) {
        const Timestamp close = std::max(close_of[oc.opportunity], at + kHour);
        if (o.is_won) {
          ev.push_back({close, Lifecycle::kCustomer});
          const Timestamp fan = close + rng.Between(60, 240) * kDay;
          if (rng.Chance(0.1) && fan <= ref_) ev.push_back({fan, Lifecycle::kEvangelist});
        } else {
          ev.push_back({close + kHour, Lifecycle::kRecycled});
        }
      }
    }
    for (const Person& p : people_) {
      const int32_t account = p.account;
      for (int k = 0; k < p.record_count; ++k) {
        const int32_t r = p.records[k];
        const Contact& contact = c_.contacts[r];
        Sink ev{events, r};
        const bool subscriber = p.ident == Ident::kNewsletter && k == 0;
        ev.push_back({contact.created_at, subscriber ? Lifecycle::kSubscriber : Lifecycle::kLead});
        if (account != kNone && c_.accounts[account].customer_since) {
          const Timestamp since = *c_.accounts[account].customer_since;
          if (contact.created_at <= since) {
            ev.push_back({since, Lifecycle::kCustomer});
          } else if (rng.Chance(0.5)) {
            ev.push_back({contact.created_at + kHour, Lifecycle::kCustomer});
          }
        }
        if (rec_on_opp_[r]) continue;
        if (rec_mql_[r] != kNever) {
          ev.push_back({rec_mql_[r], Lifecycle::kMql});
          const Timestamp worked = rec_sdr_time_[r];
          switch (rec_sdr_outcome_[r]) {
            case 1: {
              const Timestamp sql = worked + rng.Between(0, 2 * kDay);
              if (sql <= ref_) ev.push_back({sql, Lifecycle::kSql});
              const Timestamp back = sql + rng.Between(60, 120) * kDay;
              if (back <= ref_ && rng.Chance(0.5)) ev.push_back({back, Lifecycle::kRecycled});
              break;
            }
            case 2: {
              const Timestamp back = rec_mql_[r] + rng.Between(45, 120) * kDay;
              if (back <= ref_) ev.push_back({back, Lifecycle::kRecycled});
              break;
            }
            case 3: {
              const Timestamp out = worked + rng.Between(1, 14) * kDay;
              if (out <= ref_) ev.push_back({out, Lifecycle::kDisqualified});
              break;
            }
            default:
              break;
          }
        } else if (p.fit < 0.1 && rng.Chance(0.4)) {
          const Timestamp out = contact.created_at + rng.Between(1, 30) * kDay;
          if (out <= ref_) ev.push_back({out, Lifecycle::kDisqualified});
        }
      }
    }
    // History: forward through the main stages; a side state only as the
    // last word, and never after a contact became a customer.
    const auto rank = [](Lifecycle s) { return static_cast<int>(s); };
    std::erase_if(events, [&](const Event& e) { return e.at > ref_; });
    std::sort(events.begin(), events.end(), [&](const Event& a, const Event& b) {
      if (a.record != b.record) return a.record < b.record;
      return a.at != b.at ? a.at < b.at : rank(a.stage) < rank(b.stage);
    });
    c_.lifecycle_history.reserve(events.size());
    for (size_t begin = 0; begin < events.size();) {
      const int32_t r = events[begin].record;
      size_t end = begin;
      while (end < events.size() && events[end].record == r) ++end;
      Contact& contact = c_.contacts[r];
      int current = -1;
      Lifecycle stage = Lifecycle::kLead;
      Timestamp last_at = 0;
      for (size_t i = begin; i < end; ++i) {
        const Event& e = events[i];
        const bool side = e.stage == Lifecycle::kRecycled || e.stage == Lifecycle::kDisqualified;
        if (side) {
          if (i + 1 != end || current >= rank(Lifecycle::kCustomer)) continue;
        } else if (rank(e.stage) <= current) {
          continue;
        }
        const Timestamp at = std::max(e.at, std::max(last_at, contact.created_at));
        if (at > ref_) continue;
        c_.lifecycle_history.push_back({r, e.stage, at});
        last_at = at + 1;
        stage = e.stage;
        current = side ? current : rank(e.stage);
      }
      contact.lifecycle_stage = stage;
      begin = end;
    }
    // Owner, lead status and original source follow the stage.
    for (size_t r = 0; r < n; ++r) {
      Contact& contact = c_.contacts[r];
      const Person& p = people_[contact.person];
      const Territory territory =
          TerritoryNamed(v::kCountries[p.country].places[p.place].territory);
      const auto& sdrs = sdr_[territory];
      switch (contact.lifecycle_stage) {
        case Lifecycle::kSubscriber:
          contact.lead_status = "";
          break;
        case Lifecycle::kLead:
          contact.lead_status = rng.Chance(0.6) ? "New" : "Open";
          if (rng.Chance(0.5)) contact.owner = sdrs[rng.Below(sdrs.size())];
          break;
        case Lifecycle::kMql:
          contact.lead_status = rec_sdr_time_[r] == kNever ? "New" : "Attempted to Contact";
          contact.owner = sdrs[rng.Below(sdrs.size())];
          break;
        case Lifecycle::kSql:
          contact.lead_status = "Connected";
          contact.owner = sdrs[rng.Below(sdrs.size())];
          break;
        case Lifecycle::kOpportunity:
          contact.lead_status = "Open Deal";
          break;
        case Lifecycle::kRecycled:
          contact.lead_status = rng.Chance(0.5) ? "Bad Timing" : "Nurturing";
          break;
        case Lifecycle::kDisqualified:
          contact.lead_status = "Unqualified";
          break;
        default:
          contact.lead_status = "";
          break;
      }
      if (contact.lifecycle_stage >= Lifecycle::kOpportunity &&
          contact.lifecycle_stage <= Lifecycle::kEvangelist && contact.account != kNone) {
        contact.owner = c_.accounts[contact.account].owner;
      }
      contact.original_source = OriginalSourceOf(rec_first_channel_[r]);
    }
  }

  // ---------------------------------------------------- campaign members
  void MakeMembers() {
    struct Member {
      int32_t record;
      int32_t campaign;
      int rank;
      Timestamp first;
      Timestamp responded;
      bool registered_only;
    };
    // Status rank: 1 Opened/Received, 2 Clicked, 3 Responded, 4 Registered, 5 Attended.
    const auto rank_of = [](TouchType t) {
      switch (t) {
        case TouchType::kEmailOpen:
        case TouchType::kDirectMail:
          return 1;
        case TouchType::kEmailClick:
          return 2;
        case TouchType::kWebinarAttended:
        case TouchType::kEventAttended:
          return 5;
        default:
          return 3;
      }
    };
    std::vector<Member> members;
    for (const Person& p : people_) {
      members.clear();
      for (uint32_t i = p.touch_begin; i < p.touch_end; ++i) {
        const Touchpoint& tp = c_.touchpoints[i];
        if (tp.contact == kNone || tp.campaign == kNone) continue;
        int r = rank_of(tp.type);
        if (tp.type == TouchType::kFormSubmit && tp.channel == Channel::kWebinar) r = 4;
        Member* m = nullptr;
        for (Member& x : members) {
          if (x.record == tp.contact && x.campaign == tp.campaign) m = &x;
        }
        if (m == nullptr) {
          members.push_back({tp.contact, tp.campaign, 0, tp.occurred_at, kNever, false});
          m = &members.back();
        }
        m->rank = std::max(m->rank, r);
        if (r >= 2 && m->responded == kNever) m->responded = tp.occurred_at;
      }
      for (const Member& m : members) {
        CampaignMember cm;
        cm.campaign = m.campaign;
        cm.contact = m.record;
        const Campaign& camp = c_.campaigns[m.campaign];
        static constexpr std::string_view kStatus[] = {"Sent",      "Opened",     "Clicked",
                                                       "Responded", "Registered", "Attended"};
        cm.status = kStatus[m.rank];
        if (m.rank == 1 && camp.channel == Channel::kDirectMail) cm.status = "Received";
        if (m.rank == 4 && camp_[m.campaign].event_time < ref_) cm.status = "No Show";
        cm.responded = m.rank >= 2;
        if (cm.responded) cm.first_responded_at = m.responded;
        cm.created_at = m.first;
        c_.campaign_members.push_back(std::move(cm));
      }
    }
  }

  // ---------------------------------------------------------------- spend
  void MakeSpend() {
    Rng rng(opt_.seed, kStreamSpend);
    const auto n = static_cast<int32_t>(c_.campaigns.size());
    const size_t days = kWindowDays + 1;
    // Identified ad clicks and syndicated leads per campaign and day.
    std::vector<int32_t> clicks(static_cast<size_t>(n) * days, 0);
    for (const Touchpoint& tp : c_.touchpoints) {
      if (tp.campaign == kNone) continue;
      const int64_t d = FloorDiv(tp.occurred_at - w0_, kDay);
      if (d < 0 || d > kWindowDays) continue;
      if (tp.type == TouchType::kAdClick || tp.channel == Channel::kContentSyndication ||
          tp.source == t_.capterra) {
        ++clicks[static_cast<size_t>(tp.campaign) * days + d];
      }
    }
    const double budget_scale = std::pow(std::clamp(scale_, 0.05, 20.0), 0.8);
    for (int32_t i = 0; i < n; ++i) {
      Campaign& c = c_.campaigns[i];
      const CampaignInfo& info = camp_[i];
      if (info.program) continue;
      const int64_t d0 = std::max<int64_t>(0, FloorDiv(c.start_date - w0_, kDay));
      const int64_t d1 =
          std::min<int64_t>(FloorDiv(ref_ - w0_, kDay) - 1, FloorDiv(c.end_date - w0_, kDay));
      const bool started = c.start_date <= ref_ && c.status != "Planned";
      int64_t actual = 0;
      const auto add = [&](Timestamp date, int64_t amount, std::optional<int64_t> imp,
                           std::optional<int64_t> clk) {
        Spend s;
        s.date = date;
        s.channel = c.channel;
        s.source = c_.texts[info.source];
        s.campaign = i;
        s.amount = amount;
        s.currency = "USD";
        s.impressions = imp;
        s.clicks = clk;
        c_.spend.push_back(std::move(s));
        actual += amount;
      };
      const bool clicks_channel = c.channel == Channel::kPaidSearch ||
                                  c.channel == Channel::kPaidSocial ||
                                  c.channel == Channel::kDisplay || info.source == t_.capterra;
      if (started && clicks_channel) {
        for (int64_t d = d0; d <= d1; ++d) {
          const Timestamp date = w0_ + d * kDay;
          const int weekday = static_cast<int>((FloorDiv(date, kDay) + 4) % 7);  // 0 = Sunday
          const double week_factor = (weekday == 0 || weekday == 6) ? 0.55 : 1.0;
          const int32_t seen = clicks[static_cast<size_t>(i) * days + d];
          const double expected = info.daily_clicks * scale_ * week_factor * rng.LogNormal(1, 0.3);
          const auto total_clicks =
              std::max<int64_t>(seen, std::llround(expected + seen * rng.Uniform(5, 10)));
          const double cpc = info.cpc * rng.LogNormal(1, 0.15);
          const double ctr = info.ctr * rng.LogNormal(1, 0.15);
          const auto impressions = std::max<int64_t>(
              total_clicks,
              std::llround(static_cast<double>(total_clicks) / ctr + rng.Uniform(0, 50)));
          add(date, Money(static_cast<double>(total_clicks) * cpc, 0.01), impressions,
              total_clicks);
        }
      } else if (started && c.channel == Channel::kContentSyndication) {
        // Cost per lead, invoiced weekly.
        const double cpl = rng.Uniform(55, 90);
        for (int64_t w = d0; w <= d1; w += 7) {
          int64_t leads = 0;
          for (int64_t d = w; d < std::min<int64_t>(w + 7, d1 + 1); ++d) {
            leads += clicks[static_cast<size_t>(i) * days + d];
          }
          if (leads > 0) add(w0_ + w * kDay, Money(static_cast<double>(leads) * cpl, 0.01), {}, {});
        }
      } else if (started && (c.channel == Channel::kEvents || c.channel == Channel::kWebinar ||
                             c.channel == Channel::kDirectMail)) {
        const double cost = c.channel == Channel::kEvents    ? rng.Uniform(15000, 70000)
                            : c.channel == Channel::kWebinar ? rng.Uniform(800, 2500)
                                                             : rng.Uniform(8000, 20000);
        add(DayStart(c.start_date < w0_ ? w0_ : c.start_date), Money(cost * budget_scale, 0.01), {},
            {});
      } else if (started && c.channel == Channel::kReviewSites) {
        // The G2 subscription, monthly.
        for (int64_t d = d0; d <= d1; ++d) {
          const Civil cv = CivilFromDays(FloorDiv(w0_, kDay) + d);
          if (cv.day == 1) add(w0_ + d * kDay, Money(2500 * budget_scale, 0.01), {}, {});
        }
      }
      c.actual_cost = actual;
      // Budgets: what was planned, for the whole run of the campaign.
      const double span_days = static_cast<double>(c.end_date - c.start_date) / kDay + 1;
      const double ran_days = static_cast<double>(std::max<int64_t>(1, d1 - d0 + 1));
      double planned = static_cast<double>(actual) / 100;
      if (c.end_date > ref_ && started) planned *= span_days / ran_days;
      if (!started) planned = 20000 * budget_scale * rng.Uniform(0.5, 1.5);
      if (c.channel == Channel::kEmail || c.channel == Channel::kPartner ||
          c.channel == Channel::kOrganicSocial || c.channel == Channel::kVideo ||
          c.channel == Channel::kAffiliate) {
        planned = 0;
      }
      c.budget = Money(planned * rng.Uniform(0.9, 1.25), 500);
    }
    // Programs: the sum of their children.
    for (int32_t i = 0; i < n; ++i) {
      const Campaign& c = c_.campaigns[i];
      if (c.parent == kNone) continue;
      c_.campaigns[c.parent].budget += c.budget;
      c_.campaigns[c.parent].actual_cost += c.actual_cost;
    }
    std::stable_sort(c_.spend.begin(), c_.spend.end(),
                     [](const Spend& a, const Spend& b) { return a.date < b.date; });
  }

  // ---------------------------------------------------------------- stack
  void MakeStack() {
    Rng rng(opt_.seed, kStreamStack);
    const Timestamp today = DayStart(ref_);
    struct ToolSpec {
      std::string_view name;
      std::string_view vendor;
      std::string_view category;
      std::string_view capabilities;
      int owner;  // marketing user
      double cost;
      int seats;
      int active;
      int renewal_in_days;  // 0: no contract (usage-billed)
      int notice;
      bool auto_renew;
      std::string_view status;
    };
    // Planted: two marketing-automation tools, two webinar tools, two sales
    // engagement tools, two enrichment tools; Hotjar has no integration at
    // all; ON24's notice deadline is 15 days after the reference date.
    static constexpr ToolSpec kTools[] = {
        {"Salesforce Sales Cloud", "Salesforce", "CRM",
         "crm;opportunity_management;reporting;forecasting", 4, 180000, 60, 52, 210, 30, true,
         "active"},
        {"HubSpot Marketing Hub", "HubSpot", "Marketing Automation",
         "marketing_automation;email;landing_pages;forms;lead_scoring;social_publishing", 3, 48000,
         10, 9, 290, 30, true, "active"},
        {"Marketo Engage", "Adobe", "Marketing Automation",
         "marketing_automation;email;landing_pages;forms;lead_scoring", 3, 60000, 25, 6, 160, 90,
         true, "active"},
        {"Google Ads", "Google", "Advertising", "ads_search;ads_display;conversion_tracking", 0, 0,
         5, 4, 0, 0, false, "active"},
        {"LinkedIn Campaign Manager", "LinkedIn", "Advertising", "ads_social;lead_gen_forms", 0, 0,
         5, 3, 0, 0, false, "active"},
        {"Zoom Webinars", "Zoom", "Webinar", "webinars;video_meetings", 1, 9000, 5, 4, 120, 30,
         true, "active"},
        {"ON24", "ON24", "Webinar", "webinars;virtual_events;engagement_analytics", 1, 42000, 8, 2,
         75, 60, true, "active"},
        {"Outreach", "Outreach", "Sales Engagement", "sales_engagement;email_sequences;dialer", 4,
         55000, 40, 31, 250, 60, true, "active"},
        {"Salesloft", "Salesloft", "Sales Engagement", "sales_engagement;email_sequences;dialer", 4,
         30000, 20, 3, 100, 60, true, "active"},
        {"ZoomInfo", "ZoomInfo", "Data Enrichment", "enrichment;intent_data;contact_database", 4,
         38000, 15, 11, 200, 60, true, "active"},
        {"Clearbit", "HubSpot", "Data Enrichment", "enrichment;form_shortening", 3, 12000, 3, 1,
         340, 30, true, "active"},
        {"6sense", "6sense", "ABM", "abm;intent_data;ads_display", 0, 70000, 12, 5, 180, 90, false,
         "active"},
        {"Google Analytics 4", "Google", "Web Analytics", "web_analytics;conversion_tracking", 3, 0,
         10, 8, 0, 0, false, "active"},
        {"Segment", "Twilio", "CDP", "cdp;event_tracking;identity_resolution", 3, 24000, 5, 3, 310,
         30, true, "active"},
        {"Hotjar", "Hotjar", "Web Analytics", "heatmaps;session_recording;surveys", 1, 3600, 5, 1,
         200, 30, true, "active"},
        {"Drift", "Salesloft", "Conversational Marketing", "chat;chatbots;meeting_scheduling", 0,
         25000, 10, 4, 130, 60, true, "active"},
        {"Gong", "Gong", "Conversation Intelligence",
         "call_recording;conversation_intelligence;forecasting", 4, 52000, 40, 12, 270, 60, true,
         "active"},
        {"Canva", "Canva", "Design", "design;brand_templates", 1, 4500, 30, 9, 100, 0, true,
         "active"},
        {"WordPress VIP", "Automattic", "CMS", "cms;landing_pages;blog", 1, 25000, 12, 10, 230, 60,
         true, "active"},
        {"Marketo Measure", "Adobe", "Attribution", "attribution;reporting", 3, 30000, 4, 2, 150,
         60, true, "active"},
        {"Cvent", "Cvent", "Events", "events;registration;badge_scanning", 2, 28000, 6, 3, 320, 60,
         true, "active"},
        {"Sprout Social", "Sprout Social", "Social Media Management",
         "social_publishing;social_listening", 1, 9000, 6, 5, 80, 30, true, "active"},
        {"Typeform", "Typeform", "Forms", "forms;surveys", 1, 1200, 3, 1, 140, 30, true,
         "evaluating"},
        {"Pardot", "Salesforce", "Marketing Automation",
         "marketing_automation;email;forms;lead_scoring", 3, 0, 5, 0, 0, 0, false, "retired"},
    };
    for (const ToolSpec& s : kTools) {
      Tool t;
      t.name = s.name;
      t.vendor = s.vendor;
      t.category = s.category;
      for (size_t pos = 0; pos < s.capabilities.size();) {
        const size_t end = std::min(s.capabilities.find(';', pos), s.capabilities.size());
        t.capabilities.emplace_back(s.capabilities.substr(pos, end - pos));
        pos = end + 1;
      }
      t.owner = c_.users[marketing_[s.owner]].name;
      t.annual_cost = s.cost > 0 ? Money(s.cost * rng.Uniform(0.9, 1.1), 100) : 0;
      t.currency = "USD";
      t.seats = s.seats;
      t.active_seats = s.active;
      t.renewal_date = s.renewal_in_days > 0 ? today + s.renewal_in_days * kDay : 0;
      t.notice_days = s.notice;
      t.auto_renew = s.auto_renew;
      t.status = s.status;
      c_.tools.push_back(std::move(t));
    }
    const auto tool = [&](std::string_view name) {
      for (size_t i = 0; i < c_.tools.size(); ++i) {
        if (c_.tools[i].name == name) return static_cast<int32_t>(i);
      }
      return kNone;
    };
    struct IntegrationSpec {
      std::string_view from;
      std::string_view to;
      std::string_view objects;
      std::string_view direction;
      std::string_view status;
    };
    static constexpr IntegrationSpec kIntegrations[] = {
        {"HubSpot Marketing Hub", "Salesforce Sales Cloud",
         "contacts;accounts;campaigns;activities", "two_way", "active"},
        {"Marketo Engage", "Salesforce Sales Cloud", "leads;contacts;campaign_members", "two_way",
         "active"},
        {"Outreach", "Salesforce Sales Cloud", "activities;contacts", "two_way", "active"},
        {"Salesloft", "Salesforce Sales Cloud", "activities", "one_way", "failing"},
        {"ZoomInfo", "Salesforce Sales Cloud", "contacts;accounts", "one_way", "active"},
        {"Clearbit", "HubSpot Marketing Hub", "contacts;accounts", "one_way", "active"},
        {"6sense", "Salesforce Sales Cloud", "accounts;intent_signals", "one_way", "active"},
        {"6sense", "LinkedIn Campaign Manager", "audiences", "one_way", "active"},
        {"Salesforce Sales Cloud", "Google Ads", "offline_conversions", "one_way", "active"},
        {"Google Ads", "Google Analytics 4", "campaigns;costs", "one_way", "active"},
        {"Segment", "Google Analytics 4", "events", "one_way", "active"},
        {"Segment", "HubSpot Marketing Hub", "events;identities", "one_way", "active"},
        {"LinkedIn Campaign Manager", "HubSpot Marketing Hub", "lead_gen_forms", "one_way",
         "active"},
        {"Zoom Webinars", "HubSpot Marketing Hub", "registrants;attendees", "one_way", "active"},
        {"ON24", "Marketo Engage", "registrants;attendees", "one_way", "paused"},
        {"Drift", "Salesforce Sales Cloud", "leads;meetings", "one_way", "active"},
        {"Gong", "Salesforce Sales Cloud", "calls;activities", "one_way", "active"},
        {"WordPress VIP", "HubSpot Marketing Hub", "form_submissions", "one_way", "active"},
        {"Marketo Measure", "Salesforce Sales Cloud", "touchpoints", "two_way", "active"},
        {"Cvent", "Marketo Engage", "registrants;attendees", "one_way", "failing"},
        {"Sprout Social", "Google Analytics 4", "social_posts", "one_way", "active"},
        {"Canva", "WordPress VIP", "assets", "one_way", "active"},
        {"Typeform", "HubSpot Marketing Hub", "form_submissions", "one_way", "paused"},
    };
    for (const IntegrationSpec& s : kIntegrations) {
      Integration in;
      in.from_tool = tool(s.from);
      in.to_tool = tool(s.to);
      in.objects = s.objects;
      in.direction = s.direction;
      in.status = s.status;
      if (s.status == "active") {
        in.last_sync_at = ref_ - rng.Between(5, 90) * 60;
      } else if (s.status == "failing") {
        in.last_sync_at = ref_ - rng.Between(3, 12) * kDay;
      } else {
        in.last_sync_at = ref_ - rng.Between(30, 60) * kDay;
      }
      c_.integrations.push_back(std::move(in));
    }
    Truth& truth = c_.truth;
    truth.crm_tool = tool("Salesforce Sales Cloud");
    truth.island_tool = tool("Hotjar");
    truth.renewal_due_tool = tool("ON24");
    truth.capability_overlaps = {
        {"marketing_automation", {tool("HubSpot Marketing Hub"), tool("Marketo Engage")}},
        {"webinars", {tool("Zoom Webinars"), tool("ON24")}},
        {"sales_engagement", {tool("Outreach"), tool("Salesloft")}},
        {"enrichment", {tool("ZoomInfo"), tool("Clearbit")}},
    };
  }

  void Finish() {
    Truth& truth = c_.truth;
    truth.reference_time = ref_;
    truth.window_start = w0_;
    truth.channel_propensity = kChannelPropensity;
    // An account exists before its contacts and opportunities.
    for (const Contact& contact : c_.contacts) {
      if (contact.account == kNone) continue;
      Timestamp& created = c_.accounts[contact.account].created_at;
      created = std::min(created, contact.created_at - kDay);
    }
    for (const Opportunity& o : c_.opportunities) {
      Timestamp& created = c_.accounts[o.account].created_at;
      created = std::min(created, o.created_at - kDay);
    }
    GenerationStats& s = c_.stats;
    s.users = static_cast<int64_t>(c_.users.size());
    s.accounts = static_cast<int64_t>(c_.accounts.size());
    s.contacts = static_cast<int64_t>(c_.contacts.size());
    s.lifecycle_history = static_cast<int64_t>(c_.lifecycle_history.size());
    s.campaigns = static_cast<int64_t>(c_.campaigns.size());
    s.campaign_members = static_cast<int64_t>(c_.campaign_members.size());
    s.touchpoints = static_cast<int64_t>(c_.touchpoints.size());
    s.opportunities = static_cast<int64_t>(c_.opportunities.size());
    s.opportunity_contacts = static_cast<int64_t>(c_.opportunity_contacts.size());
    s.opportunity_history = static_cast<int64_t>(c_.opportunity_history.size());
    s.spend = static_cast<int64_t>(c_.spend.size());
    s.tools = static_cast<int64_t>(c_.tools.size());
    s.integrations = static_cast<int64_t>(c_.integrations.size());
    s.persons = static_cast<int64_t>(people_.size());
  }

  const GeneratorOptions opt_;
  const Timestamp ref_;
  const Timestamp w0_;
  const double scale_;
  const int threads_;
  Company c_;
  std::unordered_map<std::string, TextId> text_ids_;
  Texts t_{};

  std::array<std::vector<int32_t>, 4> sdr_, ae_, am_;
  std::vector<int32_t> inactive_, marketing_;

  std::vector<AccountInfo> acc_;
  std::vector<std::vector<int32_t>> acc_people_;
  std::vector<double> person_weight_;  // channel-weighted engagement
  FingerprintSet domains_;

  std::vector<CampaignInfo> camp_;
  std::vector<std::string> landing_paths_;
  std::vector<std::vector<int32_t>> active_;         // channel x day
  std::vector<std::vector<int32_t>> active_region_;  // channel x day x region
  std::vector<int32_t> webinars_, events_;
  int32_t email_program_ = kNone;
  int32_t customer_newsletter_ = kNone;
  std::vector<TextId> partner_sources_, affiliate_sources_, vendor_sources_;
  std::vector<TextId> messages_;  // campaign x week

  std::vector<Person> people_;
  std::vector<uint8_t> dup_counts_;
  FingerprintSet emails_;
  std::vector<std::string> folded_first_, folded_last_;  // names as in e-mail addresses
  std::vector<Timestamp> rec_mql_;
  std::vector<Channel> rec_first_channel_;
  std::vector<bool> rec_has_touch_;
  std::vector<bool> rec_on_opp_;
  std::vector<uint8_t> rec_sdr_outcome_;
  std::vector<Timestamp> rec_sdr_time_;

  int64_t target_touches_ = 0;
  std::vector<std::vector<Touchpoint>> parts_;  // marketing touches, per slice
  std::vector<Touchpoint> sales_;
  std::vector<Touchpoint> visitors_;
};

}  // namespace

core::Result<Company> GenerateCompany(const GeneratorOptions& options) {
  if (!(options.scale > 0) || options.scale > 1000) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "scale must be greater than 0 and at most 1000, got {}", options.scale);
  }
  if (options.reference_time < core::DaysFromCivil(2000, 1, 1) * kDay ||
      options.reference_time > core::DaysFromCivil(2200, 1, 1) * kDay) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "reference time must be between 2000 and 2200");
  }
  Generator generator(options);
  return generator.Run();
}

}  // namespace mops::demo
