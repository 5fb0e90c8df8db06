// Fuzz target for the channel rules: a rule document (the parser behind
// `mops config set channels`) and touchpoint inputs (URLs, referrers, UTM
// values) classified and explained under it and under the defaults.
//
// Input layout: the rule document, then "\n%%\n", then five fields separated
// by '\n' (source, medium, referrer, type, url). Without a separator the whole
// input is the five fields, under the defaults.
//
// Besides "no crash, no sanitizer report, no exception", it checks:
//   - a document that parses has rules with channels from DESIGN.md's list,
//     and a default channel from it;
//   - an error names the file;
//   - Classify and ExplainChannel agree on the channel and the rule, and the
//     explanation lists every rule before the match as tried.
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "core/strings.h"
#include "core/taxonomy.h"
#include "ingest/channel_rules.h"

namespace {

bool IsChannel(std::string_view c) {
  for (std::string_view k : mops::core::kChannels) {
    if (k == c) return true;
  }
  return false;
}

void Check(bool ok) {
  if (!ok) std::abort();
}

void Run(const mops::ingest::ChannelRules& rules, std::string_view fields) {
  std::vector<std::string_view> f = mops::core::Split(fields, '\n');
  f.resize(5);
  const mops::ingest::ChannelInputs in{f[0], f[1], f[2], f[3], f[4]};
  const mops::ingest::ChannelMatch m = mops::ingest::Classify(rules, in);
  Check(IsChannel(m.channel));
  const mops::ingest::ChannelExplanation e = mops::ingest::ExplainChannel(rules, in);
  Check(e.channel == m.channel);
  Check(e.rule == m.rule);
  Check(e.tried.size() == (m.rule < 0 ? rules.rules().size() : static_cast<size_t>(m.rule)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t sep = input.find("\n%%\n");
  if (sep == std::string_view::npos) {
    Run(mops::ingest::DefaultChannelRules(), input);
    return 0;
  }
  auto rules = mops::ingest::ParseChannelRules(input.substr(0, sep), "fuzz.yaml");
  if (!rules) {
    Check(rules.error().file == "fuzz.yaml");
    return 0;
  }
  Check(IsChannel(rules->default_channel()));
  for (const auto& r : rules->rules()) Check(IsChannel(r.channel));
  Run(*rules, input.substr(sep + 4));
  return 0;
}

extern "C" size_t MopsFuzzSeeds(const char* const** seeds) {
  static const char* const kSeeds[] = {
      "google\ncpc\n\npage_view\nhttps://acme.com/?gclid=1",
      "\n\nhttps://www.google.co.uk/search?q=x\n\nhttps://acme.com/",
      "\n\n\n\nhttps://a.io/?fbclid&x=1#frag",
      "rules:\n  - {name: a, channel: partner, source: [acme, '@search_engines']}\n"
      "  - {name: b, channel: email, referrer: ['mail.*', '*.mail.*'], type: ['email*']}\n"
      "  - {name: c, channel: paid_search, click_id: [gclid]}\n"
      "  - {name: d, channel: other, present: [medium], empty: [source]}\n"
      "lists:\n  mine: [x.io, y]\ndefault: referral\n%%\nacme\n\nhttps://x.io/\n\n",
      "rules:\n  - {name: all, channel: direct}\n%%\na\nb\nc\nd\ne",
  };
  *seeds = kSeeds;
  return std::size(kSeeds);
}
