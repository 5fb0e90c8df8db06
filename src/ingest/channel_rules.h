// Channel rules: the ordered rule table that gives a touchpoint its channel
// (DESIGN.md's channel list) from its type, UTM source and medium, referrer
// and the click ids of its landing URL.
//
// The rules are data: a YAML document (the `channels` config) of named lists
// and ordered rules, each a set of conditions that must all hold; the first
// rule that matches gives the channel, and `default` applies when none does.
// mops ships its defaults (src/ingest/data/channel_rules.yaml) with the lists
// of search engines, social networks, video and review sites, email sources
// and webmail hosts (src/ingest/data/*.txt), all compiled into the binary.
// A workspace replaces them with `mops config set channels FILE.yaml`.
//
// The engine (ParseChannelRules, Classify, ExplainChannel) is pure: no I/O,
// no globals beyond the immutable defaults. A ChannelRules is immutable once
// parsed and safe to share between threads. The service functions take a
// store::Database (one call per connection at a time).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "ingest/ingest.h"
#include "store/database.h"

namespace mops::ingest {

// The fields a condition reads. source and referrer are hosts (see README
// "Channel rules"); type and medium are tokens (lower case, blanks, '-' and
// '/' as '_').
enum class ChannelField { kType, kMedium, kSource, kReferrer };

// One condition of a rule, as written (for show and explain).
struct ChannelCondition {
  enum class Kind {
    kValues,   // field's value is one of `values`
    kClickId,  // the URL has one of the query parameters in `values`
    kPresent,  // each field of `fields` has a value
    kEmpty,    // each field of `fields` has none
  };
  Kind kind = Kind::kValues;
  ChannelField field = ChannelField::kType;  // kValues
  std::vector<std::string> values;           // entries as normalized ("@list" kept)
  std::vector<ChannelField> fields;          // kPresent, kEmpty
};

struct ChannelRule {
  std::string name;
  std::string channel;
  std::vector<ChannelCondition> conditions;
  int64_t line = 0;  // 1-based line of the rule in its document
};

// An ordered rule table with its lists, compiled for matching. Build with
// ParseChannelRules or DefaultChannelRules.
class ChannelRules {
 public:
  ChannelRules();
  ChannelRules(ChannelRules&&) noexcept;
  ChannelRules& operator=(ChannelRules&&) noexcept;
  ~ChannelRules();

  const std::vector<ChannelRule>& rules() const { return rules_; }
  const std::string& default_channel() const { return default_channel_; }
  // Every list the rules can name (built-in and the document's), entries
  // normalized, by name.
  const std::map<std::string, std::vector<std::string>>& lists() const { return lists_; }
  // The YAML text the rules were parsed from.
  const std::string& text() const { return text_; }

  struct Compiled;  // matchers, internal to channel_rules.cc

 private:
  friend core::Result<ChannelRules> ParseChannelRules(std::string_view yaml,
                                                      std::string_view file_name);
  friend const Compiled& CompiledOf(const ChannelRules& rules);
  std::vector<ChannelRule> rules_;
  std::string default_channel_ = "direct";
  std::map<std::string, std::vector<std::string>> lists_;
  std::string text_;
  std::unique_ptr<Compiled> compiled_;
};

// Parses and validates a rule document. Errors name `file_name`, the YAML
// line, and the rule (its index from 1 and its name) where they apply: an
// unknown key or channel, an unknown list, an empty condition, a duplicate
// name, a rule that can never match because a rule above matches everything.
core::Result<ChannelRules> ParseChannelRules(std::string_view yaml, std::string_view file_name);

// The built-in rules (parsed once; the reference lives for the program).
const ChannelRules& DefaultChannelRules();
// Their YAML text and the built-in lists' text (one entry a line).
std::string_view DefaultChannelRulesText();
const std::map<std::string, std::string_view>& BuiltinChannelLists();

// The channel of a touchpoint and the rule that gave it. `channel` points
// into `rules` (valid while they live); `rule` is the index of the matching
// rule, -1 when the default applied.
struct ChannelMatch {
  std::string_view channel;
  int rule = -1;
};
// First match wins. Thread-safe; does not allocate for inputs of usual length.
ChannelMatch Classify(const ChannelRules& rules, const ChannelInputs& in);

// Why a touchpoint got its channel: the normalized inputs, every rule tried
// before the match with the condition that failed, and the matching rule with
// what made each of its conditions hold.
struct ChannelExplanation {
  std::string channel;
  int rule = -1;          // -1: the default
  std::string rule_name;  // "(default)" when no rule matched
  int64_t rule_line = 0;
  std::vector<std::string> reasons;  // one per condition of the matching rule
  struct Tried {
    int rule = 0;
    std::string name;
    int64_t line = 0;
    std::string failed;  // the first condition that did not hold
  };
  std::vector<Tried> tried;
  // The values the rules saw: type, medium, source, referrer host, click ids.
  std::map<std::string, std::string> inputs;
};
ChannelExplanation ExplainChannel(const ChannelRules& rules, const ChannelInputs& in);

// --- Service (store) ---

// The name of the config in the configs table.
inline constexpr std::string_view kChannelsConfig = "channels";

// The workspace's rules: the stored `channels` config, else the defaults.
// A stored document that no longer parses is an error naming configs.channels.
core::Result<ChannelRules> LoadChannelRules(store::Database& db);
// The stored text, empty when the workspace uses the defaults.
core::Result<std::string> StoredChannelRulesText(store::Database& db);
// Validates `yaml` and stores it as the `channels` config (audit-logged), in
// one transaction; a document that does not parse changes nothing.
core::Status SaveChannelRules(store::Database& db, std::string_view yaml,
                              std::string_view file_name, std::string_view actor);

// Applies the workspace's rules to every stored touchpoint.
struct ReclassifyOptions {
  bool dry_run = false;
  std::string actor = "cli";
  // Rows per UPDATE batch.
  int64_t batch = 2000;
};
struct ReclassifyReport {
  int64_t touchpoints = 0;  // rows read
  int64_t changed = 0;      // rows whose channel changes
  bool dry_run = false;
  struct Change {
    std::string from;  // "" for a touchpoint without a channel
    std::string to;
    int64_t count = 0;
  };
  std::vector<Change> changes;  // by count, largest first; only from != to
  double seconds = 0;
  nlohmann::json ToJson() const;
};
// Reads every touchpoint in one columnar scan, classifies it with `rules`,
// and (unless dry_run) writes the changed channels in one transaction with
// one audit_log entry holding the counts. A failure writes nothing.
core::Result<ReclassifyReport> ReclassifyTouchpoints(store::Database& db, const ChannelRules& rules,
                                                     const ReclassifyOptions& options);

// Registers the `channels` and `crm` configs with `mops config` (cli/config.h).
// Idempotent.
void RegisterChannelConfigs();

// Registers `mops channels explain|reclassify|show`.
void RegisterChannelCommands(CLI::App& app, cli::Context& ctx);

}  // namespace mops::ingest
