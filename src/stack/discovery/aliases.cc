// The merchant alias table shipped with mops and the matcher that uses it.
//
// The table is data, in the same CSV format a user extends it with
// (`mops stack discover spend --aliases FILE`): a descriptor pattern, the
// tool it stands for (a catalog product, or a tool of its own with a
// category), how the pattern is compared and how sure the match is. A
// pattern shared by a vendor's several products (plain "ADOBE", "GOOGLE")
// is left out on purpose: such charges are listed as unmatched, never
// guessed.
#include <fmt/format.h>

#include <algorithm>

#include "core/csv.h"
#include "core/numbers.h"
#include "core/strings.h"
#include "stack/discovery/discovery.h"

namespace mops::stack::discovery {
namespace {

constexpr std::string_view kBuiltin = R"CSV(pattern,tool,match,confidence,category
HUBSPOT,HubSpot Marketing Hub,prefix,0.9,
HUBSPOT SALES,HubSpot Sales Hub,prefix,0.95,
SALESFORCE.COM,Salesforce Sales Cloud,prefix,0.95,
SALESFORCE,Salesforce Sales Cloud,prefix,0.9,
SFDC,Salesforce Sales Cloud,prefix,0.85,
PARDOT,Account Engagement,prefix,0.95,
MARKETO,Marketo Engage,prefix,0.95,
ADOBE MARKETO,Marketo Engage,prefix,0.95,
BIZIBLE,Marketo Measure,prefix,0.95,
ZOOM.US,Zoom Webinars,prefix,0.8,
ZOOM VIDEO,Zoom Webinars,prefix,0.8,
ZOOM,Zoom Webinars,exact,0.7,
ON24,ON24,prefix,0.95,
GOTO.COM,GoTo Webinar,prefix,0.85,
GOTOWEBINAR,GoTo Webinar,prefix,0.95,
LIVESTORM,Livestorm,prefix,0.95,
GOLDCAST,Goldcast,prefix,0.95,
LINKEDIN SALES NAV,LinkedIn Sales Navigator,prefix,0.95,enrichment
LINKEDIN SALES NAVIGATOR,LinkedIn Sales Navigator,prefix,0.95,enrichment
LINKEDIN ADS,LinkedIn Campaign Manager,prefix,0.9,
LINKEDIN MARKETING,LinkedIn Campaign Manager,prefix,0.9,
LINKEDIN,LinkedIn Campaign Manager,prefix,0.6,
GOOGLE ADS,Google Ads,prefix,0.95,
GOOGLE ADWORDS,Google Ads,prefix,0.95,
FACEBK,Meta Ads Manager,prefix,0.85,
META ADS,Meta Ads Manager,prefix,0.9,
CANVA,Canva,prefix,0.95,
FIGMA,Figma,prefix,0.95,
ADOBE CREATIVE,Adobe Creative Cloud,prefix,0.9,
ADOBE CREATIVE CLD,Adobe Creative Cloud,prefix,0.95,
GONG.IO,Gong,prefix,0.95,
GONG IO,Gong,prefix,0.95,
OUTREACH.IO,Outreach,prefix,0.95,
OUTREACH,Outreach,prefix,0.85,
SALESLOFT,Salesloft,prefix,0.95,
ZOOMINFO,ZoomInfo,prefix,0.95,
DISCOVERORG,ZoomInfo,prefix,0.9,
CLEARBIT,Clearbit,prefix,0.95,
APOLLO.IO,Apollo.io,prefix,0.95,
LUSHA,Lusha,prefix,0.95,
COGNISM,Cognism,prefix,0.95,
6SENSE,6sense,prefix,0.95,
DEMANDBASE,Demandbase,prefix,0.95,
BOMBORA,Bombora,prefix,0.9,
SEGMENT.IO,Segment,prefix,0.95,
SEGMENT.COM,Segment,prefix,0.9,
TWILIO SEGMENT,Segment,prefix,0.95,
HOTJAR,Hotjar,prefix,0.95,
DRIFT.COM,Drift,prefix,0.95,
DRIFT,Drift,prefix,0.8,
INTERCOM,Intercom,prefix,0.9,
CALENDLY,Calendly,prefix,0.95,
CHILI PIPER,Chili Piper,prefix,0.95,
CHILIPIPER,Chili Piper,prefix,0.95,
CVENT,Cvent,prefix,0.95,
BIZZABO,Bizzabo,prefix,0.95,
SPROUT SOCIAL,Sprout Social,prefix,0.95,
SPROUTSOCIAL,Sprout Social,prefix,0.95,
HOOTSUITE,Hootsuite,prefix,0.95,
BUFFER.COM,Buffer,prefix,0.9,
SEMRUSH,Semrush,prefix,0.95,
AHREFS,Ahrefs,prefix,0.95,
MOZ.COM,Moz Pro,prefix,0.9,
TYPEFORM,Typeform,prefix,0.95,
JOTFORM,Jotform,prefix,0.95,
SURVEYMONKEY,SurveyMonkey,prefix,0.95,
MAILCHIMP,Mailchimp,prefix,0.95,
INTUIT MAILCHIMP,Mailchimp,prefix,0.95,
WPVIP,WordPress,prefix,0.85,
WORDPRESS VIP,WordPress,prefix,0.85,
AUTOMATTIC,WordPress,prefix,0.7,
WEBFLOW,Webflow,prefix,0.95,
CONTENTFUL,Contentful,prefix,0.95,
VIDYARD,Vidyard,prefix,0.95,
WISTIA,Wistia,prefix,0.95,
UNBOUNCE,Unbounce,prefix,0.95,
INSTAPAGE,Instapage,prefix,0.95,
AMPLITUDE,Amplitude,prefix,0.95,
MIXPANEL,Mixpanel,prefix,0.95,
FULLSTORY,FullStory,prefix,0.95,
OPTIMIZELY,Optimizely,prefix,0.95,
MUTINY,Mutiny,prefix,0.9,
HIGHTOUCH,Hightouch,prefix,0.95,
FIVETRAN,Fivetran,prefix,0.95,
SNOWFLAKE,Snowflake,prefix,0.9,
TABLEAU,Tableau,prefix,0.9,
CALLRAIL,CallRail,prefix,0.95,
G2.COM,G2,prefix,0.9,
CAPTERRA,Capterra,prefix,0.9,
ASANA,Asana,prefix,0.95,
MONDAY.COM,monday.com,prefix,0.95,
AIRTABLE,Airtable,prefix,0.95,
ATLASSIAN,Jira,prefix,0.6,
)CSV";

bool IsWordChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || core::IsAsciiDigit(c) ||
         static_cast<unsigned char>(c) >= 0x80;
}

// A token that is a phone number, a store or reference number: digits with
// at most separators, four digits or more.
bool IsNumberToken(std::string_view token) {
  int digits = 0;
  for (char c : token) {
    if (core::IsAsciiDigit(c)) {
      ++digits;
    } else if (c != '-' && c != '(' && c != ')' && c != '.' && c != '+' && c != '#' && c != '/') {
      return false;
    }
  }
  return digits >= 4 || (!token.empty() && token.front() == '#');
}

constexpr std::string_view kSuffixes[] = {"INC",   "INC.", "LLC", "LTD",  "LTD.",    "CORP",
                                          "CORP.", "CO",   "CO.", "GMBH", "LIMITED", "BV",
                                          "B.V.",  "PTE",  "SA",  "SAS",  "PLC",     "USA"};
constexpr std::string_view kStates[] = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV",
    "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN",
    "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "IE", "GB"};
constexpr std::string_view kProcessors[] = {"SP", "SQ",  "PAYPAL", "PP",         "TST",
                                            "FS", "DRI", "CKO",    "PADDLE.NET", "2CO"};

// Where a normalised pattern occurs in a normalised descriptor on word
// boundaries, from `from`; npos when it does not.
size_t FindWord(std::string_view text, std::string_view pattern, size_t from = 0) {
  while (true) {
    const size_t at = text.find(pattern, from);
    if (at == std::string_view::npos) return at;
    const bool start = at == 0 || !IsWordChar(text[at - 1]);
    const size_t end = at + pattern.size();
    const bool stop = end == text.size() || !IsWordChar(text[end]) || !IsWordChar(pattern.back());
    if (start && stop) return at;
    from = at + 1;
  }
}

// The catalog's name of a tool, or the tool as given.
std::string CanonicalTool(std::string_view tool) {
  if (const Product* p = FindProduct(tool)) return std::string(p->name);
  return std::string(core::Trim(tool));
}

}  // namespace

std::string_view BuiltinAliasCsv() { return kBuiltin; }

std::string NormalizeDescriptor(std::string_view descriptor) {
  std::string upper = core::ToUpper(core::Trim(descriptor));
  // A processor prefix ("SP * CANVA", "SQ *SHOP", "PAYPAL *ACME").
  if (const size_t star = upper.find('*'); star != std::string::npos) {
    const std::string_view head = core::Trim(std::string_view(upper).substr(0, star));
    for (std::string_view p : kProcessors) {
      if (head == p) {
        upper = std::string(core::Trim(std::string_view(upper).substr(star + 1)));
        break;
      }
    }
  }
  for (char& c : upper) {
    if (c == '*' || c == ',' || c == '\t' || c == '"') c = ' ';
  }
  if (upper.starts_with("WWW.")) upper.erase(0, 4);
  std::vector<std::string_view> tokens;
  for (std::string_view t : core::Split(upper, ' ')) {
    if (!t.empty() && !IsNumberToken(t)) tokens.push_back(t);
  }
  // Trailing company suffixes and state codes ("HUBSPOT INC MA").
  while (tokens.size() > 1) {
    const std::string_view last = tokens.back();
    const bool suffix =
        std::find(std::begin(kSuffixes), std::end(kSuffixes), last) != std::end(kSuffixes);
    const bool state = std::find(std::begin(kStates), std::end(kStates), last) != std::end(kStates);
    if (!suffix && !state) break;
    tokens.pop_back();
  }
  std::string out;
  for (std::string_view t : tokens) {
    if (!out.empty()) out.push_back(' ');
    out.append(t);
  }
  return out;
}

core::Result<std::vector<Alias>> ParseAliases(std::string_view csv, std::string_view file_name) {
  core::CsvOptions options;
  options.trim_fields = true;
  options.require_same_width = false;
  options.file_name = std::string(file_name);
  core::CsvReader reader(csv, options);
  std::vector<std::string_view> fields;
  MOPS_ASSIGN_OR_RETURN(bool any, reader.Next(fields));
  if (!any) return std::vector<Alias>{};
  std::vector<std::string> header;
  for (std::string_view f : fields) header.push_back(NameKey(f));
  const auto col = [&](std::string_view name) {
    auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : static_cast<int>(it - header.begin());
  };
  const int pattern = col("pattern"), tool = col("tool"), match = col("match"),
            confidence = col("confidence"), category = col("category");
  if (pattern < 0 || tool < 0) {
    return core::Fail(core::MakeError(core::ErrorCode::kParse,
                                      "an alias table needs the columns pattern and tool "
                                      "(and optionally match, confidence, category)")
                          .At(std::string(file_name), 1));
  }
  std::vector<Alias> out;
  while (true) {
    MOPS_ASSIGN_OR_RETURN(bool more, reader.Next(fields));
    if (!more) break;
    const int64_t line = reader.record_line();
    const auto cell = [&](int c) {
      return c >= 0 && c < static_cast<int>(fields.size()) ? std::string(core::Trim(fields[c]))
                                                           : std::string();
    };
    const auto fail = [&](int c, std::string_view field, std::string message) {
      return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument, std::move(message))
                            .At(std::string(file_name), line, c + 1)
                            .InField(std::string(field)));
    };
    Alias a;
    a.line = line;
    a.pattern = cell(pattern);
    a.tool = cell(tool);
    a.category = cell(category);
    if (a.pattern.empty()) return fail(pattern, "pattern", "the pattern is empty");
    if (NormalizeDescriptor(a.pattern).empty()) {
      return fail(pattern, "pattern", "the pattern '" + a.pattern + "' has no letters");
    }
    if (a.tool.empty()) return fail(tool, "tool", "the tool is empty");
    if (!cell(match).empty()) a.match = core::ToLower(cell(match));
    if (a.match != "prefix" && a.match != "contains" && a.match != "exact") {
      return fail(match, "match",
                  "match must be prefix, contains or exact, got '" + cell(match) + "'");
    }
    if (!cell(confidence).empty()) {
      auto c = core::ParseDouble(cell(confidence));
      if (!c || *c <= 0 || *c > 1) {
        return fail(confidence, "confidence",
                    "confidence must be a number in (0, 1], got '" + cell(confidence) + "'");
      }
      a.confidence = *c;
    }
    if (FindProduct(a.tool) == nullptr && a.category.empty()) {
      return fail(tool, "tool",
                  "'" + a.tool +
                      "' is not in the catalog: give its category (a capability such as "
                      "enrichment) in the category column");
    }
    if (!a.category.empty()) a.category = CanonicalCapability(a.category);
    out.push_back(std::move(a));
  }
  return out;
}

Matcher::Matcher(std::vector<Alias> user) {
  static const std::vector<Alias> kBuiltinAliases = [] {
    auto parsed = ParseAliases(kBuiltin, "built-in aliases");
    return parsed ? std::move(*parsed) : std::vector<Alias>{};
  }();
  aliases_ = std::move(user);
  user_count_ = aliases_.size();
  aliases_.insert(aliases_.end(), kBuiltinAliases.begin(), kBuiltinAliases.end());
  patterns_.reserve(aliases_.size());
  for (Alias& a : aliases_) {
    a.tool = CanonicalTool(a.tool);
    patterns_.push_back(NormalizeDescriptor(a.pattern));
  }
}

std::optional<Match> Matcher::MatchNormalized(const std::string& normalized) const {
  if (normalized.empty()) return std::nullopt;
  // The user's aliases first; among one source's, the longest pattern (the
  // most specific: "LINKEDIN SALES NAV" before "LINKEDIN").
  const Alias* best = nullptr;
  size_t best_length = 0;
  bool best_user = false;
  for (size_t i = 0; i < aliases_.size(); ++i) {
    const Alias& a = aliases_[i];
    const std::string& p = patterns_[i];
    bool hit = false;
    if (a.match == "exact") {
      hit = normalized == p;
    } else if (a.match == "prefix") {
      hit = FindWord(normalized, p) == 0;
    } else {
      hit = FindWord(normalized, p) != std::string::npos;
    }
    if (!hit) continue;
    const bool user = i < user_count_;
    if (best == nullptr || (user && !best_user) || (user == best_user && p.size() > best_length)) {
      best = &a;
      best_length = p.size();
      best_user = user;
    }
  }
  if (best == nullptr) return std::nullopt;
  return Match{best->tool, best->confidence, "alias '" + best->pattern + "'"};
}

std::optional<Match> Matcher::MatchDescriptor(std::string_view descriptor) const {
  return MatchNormalized(NormalizeDescriptor(descriptor));
}

std::optional<Match> Matcher::MatchApp(std::string_view app) const {
  if (const Product* p = FindProduct(app)) return Match{std::string(p->name), 0.95, "catalog name"};
  const std::string key = NameKey(app);
  for (const Alias& a : aliases_) {
    if (NameKey(a.tool) == key) return Match{a.tool, 0.95, "tool name"};
  }
  return MatchNormalized(NormalizeDescriptor(app));
}

std::string Matcher::CategoryOf(std::string_view tool) const {
  for (const Alias& a : aliases_) {
    if (a.tool == tool && !a.category.empty()) return a.category;
  }
  return {};
}

}  // namespace mops::stack::discovery
