// Fuzz target for UTM governance: the `naming` config parser (what `mops
// campaigns utm config --set` and PUT /api/v1/utm/config store) and the URL
// and value checks run under it (utm check, utm build, the stored check).
//
// Input layout: the naming config, then "\n%%\n", then lines: the first is a
// URL to check, the others utm values (each checked as every parameter, and
// together built into a URL). Without a separator the whole input is lines
// under the default rules.
//
// Besides "no crash, no sanitizer report, no exception", it checks:
//   - a config error names the config, and the key when it has one;
//   - decoding an encoded value gives the value back;
//   - a suggested value breaks no rule (the contract `utm fix` relies on);
//   - a fixed URL of a well-formed URL is well formed and keeps its fragment;
//   - a built URL passes the check of the rules it was built under, and the
//     campaign name built from the pattern follows the pattern.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/campaigns.h"
#include "core/strings.h"

using namespace mops::campaigns;

namespace {

// The input being run, printed when a check fails (the driver keeps no
// crash files).
std::string_view current_input;

void Fail(const char* what, int line) {
  std::fprintf(stderr, "check failed at naming_fuzz.cc:%d: %s\ninput: \"", line, what);
  for (unsigned char c : current_input) {
    if (c == '"' || c == '\\') {
      std::fprintf(stderr, "\\%c", c);
    } else if (c >= 0x20 && c < 0x7f) {
      std::fputc(c, stderr);
    } else {
      std::fprintf(stderr, "\\x%02X", c);
    }
  }
  std::fprintf(stderr, "\"\n");
  std::abort();
}

#define Check(cond) ((cond) ? (void)0 : Fail(#cond, __LINE__))

std::string Fragment(std::string_view url) {
  const size_t hash = url.find('#');
  return hash == std::string_view::npos ? std::string() : std::string(url.substr(hash));
}

void CheckValues(const NamingRules& rules, std::string_view value) {
  Check(UrlDecode(UrlEncode(value)) == value);
  for (std::string_view param : kUtmParams) {
    (void)NormalizeValue(rules, param, value);
    for (const Violation& v : CheckValue(rules, param, value)) {
      Check(v.param == param);
      Check(!v.rule.empty() && !v.message.empty());
      if (!v.suggestion.empty()) Check(CheckValue(rules, param, v.suggestion).empty());
    }
  }
}

void CheckOneUrl(const NamingRules& rules, std::string_view url) {
  const UrlCheck c = CheckUrl(rules, url);
  if (!c.well_formed) {
    Check(!c.error.empty());
    Check(c.violations.empty());
    return;
  }
  if (!c.fixed_url.empty()) {
    const UrlCheck again = CheckUrl(rules, c.fixed_url);
    Check(again.well_formed);
    Check(Fragment(again.url) == Fragment(c.url));
  }
}

void CheckBuild(const NamingRules& rules, const std::vector<std::string_view>& lines) {
  BuildRequest req;
  req.url = lines.empty() ? "https://example.com/p?x=1#top" : std::string(lines[0]);
  for (size_t i = 1; i < lines.size() && i <= std::size(kUtmParams); ++i) {
    req.utm[std::string(kUtmParams[i - 1])] = std::string(lines[i]);
  }
  // The pattern's parts from the same lines, so that some builds succeed.
  size_t next = 1;
  for (const PatternPart& p : rules.parts) {
    if (p.kind != PatternPart::kField && p.kind != PatternPart::kName) continue;
    if (p.kind == PatternPart::kField && !rules.fields.at(p.text).empty() && next % 2 == 0) {
      req.parts[p.text] = rules.fields.at(p.text).front();
    } else if (next < lines.size()) {
      req.parts[p.text] = std::string(lines[next]);
    }
    ++next;
  }
  req.date = 1772409600;  // 2026-03-02
  if (!req.parts.empty()) req.utm.erase("utm_campaign");
  if (auto name = CampaignName(rules, req.parts, req.date)) {
    for (const Violation& v : CheckValue(rules, "utm_campaign", *name)) Check(v.rule != "pattern");
  }
  auto built = BuildUrl(rules, req);
  if (!built) {
    Check(!built.error().message.empty());
    return;
  }
  const UrlCheck c = CheckUrl(rules, built->url);
  Check(c.well_formed);
  Check(c.violations.empty());
  Check(Fragment(built->url) == Fragment(mops::core::Trim(req.url)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  current_input = input;
  const size_t sep = input.find("\n%%\n");
  NamingRules rules = DefaultNamingRules();
  std::string_view rest = input;
  if (sep != std::string_view::npos) {
    auto parsed = ParseNamingConfig(input.substr(0, sep), "fuzz.yaml");
    if (!parsed) {
      Check(parsed.error().file == "fuzz.yaml");
      Check(!parsed.error().message.empty());
      return 0;
    }
    rules = std::move(*parsed);
    rest = input.substr(sep + 4);
  }
  const std::vector<std::string_view> lines = mops::core::Split(rest, '\n');
  if (!lines.empty()) CheckOneUrl(rules, lines[0]);
  for (size_t i = 1; i < lines.size() && i < 8; ++i) CheckValues(rules, lines[i]);
  CheckBuild(rules, lines);
  return 0;
}

extern "C" size_t MopsFuzzSeeds(const char* const** seeds) {
  static const char* const kSeeds[] = {
      "sources: [google, facebook, linkedin, newsletter]\n"
      "mediums: [cpc, email, paid_social]\n"
      "case: lower\n"
      "space_replacement: \"_\"\n"
      "forbidden: \"?#&=%\"\n"
      "max_length: {utm_campaign: 40, source: 20}\n"
      "required: [utm_source, utm_medium, utm_campaign]\n"
      "campaign_pattern: \"{region}_{yyyy}{mm}_{channel}_{name}\"\n"
      "fields: {region: [na, emea, apac], channel: [em, ps, so]}\n"
      "aliases: {fb: facebook, \"e-mail\": email}\n"
      "%%\n"
      "https://example.com/p?x=1&UTM_Source=Facebook&utm_medium=Paid%20Social#top\n"
      "Facebook\nPaid Social\nNA_202603_em_Spring Launch\nfb\ncafé crème",
      "case: upper\nspace_replacement: \"-\"\ncampaign_pattern: \"{q}{yy}-{name}-{name}\"\n%%\n"
      "http://a.io/?utm_campaign=Q126-a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p&utm_source=x\n"
      "Q126-launch-emea\nlinked in\n%E2%82%AC+100",
      "case: any\nrequired: [campaign]\nforbidden: \"\"\n%%\n"
      "https://x.y/#frag?utm_source=in-fragment\n(not set)\n  \n",
      "sources: [google]\nmax_length: {utm_source: 3}\naliases: {gogle: \"Google Ads\"}\n%%\n"
      "https://e.com/?utm_source=gogle\ngogle\ngoogle_ads",
      "https://example.com/a%20b?utm_source=%ZZ&utm_medium=e-mail&&=&utm_term\n"
      "PPC\nE-Mail\n\xC3\xA9t\xC3\xA9",
  };
  *seeds = kSeeds;
  return std::size(kSeeds);
}
