// The channel rule engine: parsing and validating a rule document, compiling
// its lists into hash sets, classifying and explaining.
#include "ingest/channel_rules.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <mutex>
#include <unordered_set>

#include "core/strings.h"
#include "core/taxonomy.h"
#include "ingest/channel_data.h"
#include "ingest/resolve.h"

namespace mops::ingest {

// Outside the anonymous namespace: CompiledList, a member of ChannelRules'
// compiled form, holds one.
using WordSet = std::unordered_set<std::string, internal::StringHash, std::equal_to<>>;

namespace {

using core::ErrorCode;

bool IsHostField(ChannelField f) {
  return f == ChannelField::kSource || f == ChannelField::kReferrer;
}

std::string_view FieldName(ChannelField f) {
  switch (f) {
    case ChannelField::kType:
      return "type";
    case ChannelField::kMedium:
      return "medium";
    case ChannelField::kSource:
      return "source";
    case ChannelField::kReferrer:
      return "referrer";
  }
  return "";
}

// Lower case, trimmed; blanks, '-' and '/' as '_' (not in hosts: a value
// with a dot keeps its '-').
void TokenInto(std::string_view s, bool host_like, std::string& out) {
  s = core::Trim(s);
  out.clear();
  const bool keep_dash = host_like && s.find('.') != std::string_view::npos;
  for (char c : s) {
    c = core::AsciiToLower(c);
    if (c == ' ' || c == '/' || (c == '-' && !keep_dash)) c = '_';
    out.push_back(c);
  }
}

// The host of a URL in lower case without "www." (the rules of the import's
// DomainFromUrl); false when it has none (no dot, or blanks in it).
bool HostInto(std::string_view url, std::string& out) {
  std::string_view s = core::Trim(url);
  if (const size_t scheme = s.find("://"); scheme != std::string_view::npos) {
    s.remove_prefix(scheme + 3);
  } else if (s.starts_with("//")) {
    s.remove_prefix(2);
  }
  s = s.substr(0, s.find_first_of("/?#"));
  if (const size_t at = s.rfind('@'); at != std::string_view::npos) s.remove_prefix(at + 1);
  s = s.substr(0, s.find(':'));
  while (s.ends_with('.')) s.remove_suffix(1);
  if (s.find('.') == std::string_view::npos ||
      s.find_first_of(" \t\"<>") != std::string_view::npos) {
    return false;
  }
  out.clear();
  for (char c : s) out.push_back(core::AsciiToLower(c));
  if (std::string_view(out).starts_with("www.")) out.erase(0, 4);
  return true;
}

// '*' stands for any text (possibly empty).
bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p, ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// "?gclid=" or "&gclid=" (also "gclid" with no value, at the end or before '&').
bool UrlHasParam(std::string_view url, std::string_view name) {
  const size_t q = url.find('?');
  if (q == std::string_view::npos) return false;
  size_t pos = q;
  while ((pos = url.find(name, pos)) != std::string_view::npos) {
    const bool starts = url[pos - 1] == '?' || url[pos - 1] == '&';
    const size_t end = pos + name.size();
    if (starts && (end == url.size() || url[end] == '=' || url[end] == '&' || url[end] == '#')) {
      return true;
    }
    pos = end;
  }
  return false;
}

struct Inputs {
  std::string type, medium, source, referrer;
  std::string_view url;
  const std::string& Get(ChannelField f) const {
    switch (f) {
      case ChannelField::kType:
        return type;
      case ChannelField::kMedium:
        return medium;
      case ChannelField::kSource:
        return source;
      case ChannelField::kReferrer:
        return referrer;
    }
    return type;
  }
};

void Normalize(const ChannelInputs& in, Inputs& out) {
  TokenInto(in.type, false, out.type);
  TokenInto(in.medium, false, out.medium);
  if (!HostInto(in.source, out.source)) TokenInto(in.source, true, out.source);
  if (!HostInto(in.referrer, out.referrer)) out.referrer.clear();
  out.url = in.url;
}

}  // namespace

// A list compiled for matching: whole entries in a hash set, '*' patterns
// apart.
struct CompiledList {
  WordSet words;
  std::vector<std::string> globs;
  int slot = 0;  // index among the rules' compiled lists (per-call match cache)

  // The entry that `value` matches, empty when none. Host fields also match
  // an entry against each label and each dot-suffix of the value.
  std::string_view Match(std::string_view value, bool host) const {
    if (value.empty()) return {};
    if (auto it = words.find(value); it != words.end()) return *it;
    if (host) {
      size_t start = 0;
      while (start <= value.size()) {
        const size_t dot = value.find('.', start);
        const std::string_view label = value.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (auto it = words.find(label); it != words.end()) return *it;
        if (dot == std::string_view::npos) break;
        if (auto it = words.find(value.substr(dot + 1)); it != words.end()) return *it;
        start = dot + 1;
      }
    }
    for (const std::string& g : globs) {
      if (GlobMatch(g, value)) return g;
    }
    return {};
  }
};

struct CompiledCondition {
  ChannelCondition::Kind kind;
  ChannelField field;
  // kValues: the inline entries, then the named lists it refers to.
  CompiledList inline_entries;
  std::vector<std::pair<std::string, const CompiledList*>> lists;
  std::vector<std::string> params;   // kClickId
  std::vector<ChannelField> fields;  // kPresent, kEmpty
};

struct ChannelRules::Compiled {
  std::map<std::string, CompiledList> lists;
  std::vector<std::vector<CompiledCondition>> rules;
};

const ChannelRules::Compiled& CompiledOf(const ChannelRules& rules) { return *rules.compiled_; }

ChannelRules::ChannelRules() : compiled_(std::make_unique<Compiled>()) {}
ChannelRules::ChannelRules(ChannelRules&&) noexcept = default;
ChannelRules& ChannelRules::operator=(ChannelRules&&) noexcept = default;
ChannelRules::~ChannelRules() = default;

namespace {

// Whether a condition holds; `why` (when not null) says what made it hold or
// fail.
// `cache` (when not null) holds, per compiled list and field, whether the
// list matched the field's value in this call (-1: not tried yet): a list
// used by several rules is matched once per touchpoint.
bool Holds(const CompiledCondition& c, const Inputs& in, std::string* why, int8_t* cache) {
  switch (c.kind) {
    case ChannelCondition::Kind::kValues: {
      const std::string& v = in.Get(c.field);
      const bool host = IsHostField(c.field);
      if (!v.empty()) {
        if (auto hit = c.inline_entries.Match(v, host); !hit.empty()) {
          if (why) *why = fmt::format("{} '{}' matches '{}'", FieldName(c.field), v, hit);
          return true;
        }
        for (const auto& [name, list] : c.lists) {
          if (cache != nullptr) {
            int8_t& known = cache[list->slot * 4 + static_cast<int>(c.field)];
            if (known < 0) known = list->Match(v, host).empty() ? 0 : 1;
            if (known == 1) return true;
            continue;
          }
          if (auto hit = list->Match(v, host); !hit.empty()) {
            if (why)
              *why = fmt::format("{} '{}' matches '{}' of @{}", FieldName(c.field), v, hit, name);
            return true;
          }
        }
      }
      if (why) {
        *why = v.empty()
                   ? fmt::format("{} is empty", FieldName(c.field))
                   : fmt::format("{} '{}' matches none of its entries", FieldName(c.field), v);
      }
      return false;
    }
    case ChannelCondition::Kind::kClickId:
      for (const std::string& p : c.params) {
        if (UrlHasParam(in.url, p)) {
          if (why) *why = fmt::format("the URL has the click id '{}'", p);
          return true;
        }
      }
      if (why) *why = "the URL has none of the click ids " + core::Join(c.params, ", ");
      return false;
    case ChannelCondition::Kind::kPresent:
      for (ChannelField f : c.fields) {
        if (in.Get(f).empty()) {
          if (why) *why = fmt::format("{} is empty", FieldName(f));
          return false;
        }
      }
      if (why) {
        std::vector<std::string> parts;
        for (ChannelField f : c.fields) {
          parts.push_back(fmt::format("{} '{}' is present", FieldName(f), in.Get(f)));
        }
        *why = core::Join(parts, ", ");
      }
      return true;
    case ChannelCondition::Kind::kEmpty:
      for (ChannelField f : c.fields) {
        if (!in.Get(f).empty()) {
          if (why) *why = fmt::format("{} '{}' is not empty", FieldName(f), in.Get(f));
          return false;
        }
      }
      if (why) {
        std::vector<std::string_view> parts;
        for (ChannelField f : c.fields) parts.push_back(FieldName(f));
        *why = core::Join(parts, ", ") + " empty";
      }
      return true;
  }
  return false;
}

// --- Parsing ---

std::unexpected<core::Error> RuleError(std::string_view file, int64_t line, std::string message) {
  return core::Fail(
      core::MakeError(ErrorCode::kInvalidArgument, std::move(message)).At(std::string(file), line));
}

int64_t LineOf(const YAML::Node& n) { return n.Mark().line < 0 ? 0 : n.Mark().line + 1; }

std::string RuleLabel(size_t index, std::string_view name) {
  return name.empty() ? fmt::format("rule {}", index + 1)
                      : fmt::format("rule {} '{}'", index + 1, name);
}

bool IsChannelName(std::string_view c) {
  return std::find(core::kChannels.begin(), core::kChannels.end(), c) != core::kChannels.end();
}

std::string ChannelList() {
  return core::Join(std::vector<std::string_view>(core::kChannels.begin(), core::kChannels.end()),
                    ", ");
}

core::Result<ChannelField> ParseField(std::string_view name) {
  if (name == "type") return ChannelField::kType;
  if (name == "medium") return ChannelField::kMedium;
  if (name == "source") return ChannelField::kSource;
  if (name == "referrer") return ChannelField::kReferrer;
  return core::Fail(ErrorCode::kInvalidArgument,
                    "unknown field '{}' (expected type, medium, source, referrer)", name);
}

// The entries of a scalar or a sequence of scalars, each checked by `check`.
core::Result<std::vector<std::string>> Scalars(const YAML::Node& node, std::string_view what) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
  } else if (node.IsSequence()) {
    for (const YAML::Node& item : node) {
      if (!item.IsScalar()) {
        return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                          fmt::format("{}: every entry must be a text", what))
                              .At("", LineOf(item)));
      }
      out.push_back(item.as<std::string>());
    }
  } else {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      fmt::format("{} must be a text or a list of texts", what))
                          .At("", LineOf(node)));
  }
  if (out.empty()) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, fmt::format("{} is an empty list", what))
            .At("", LineOf(node)));
  }
  return out;
}

// Entries normalized as the values they are compared with.
std::string NormalizeEntry(std::string_view entry, bool host_like) {
  std::string out;
  if (core::Trim(entry).starts_with('@')) return std::string(core::Trim(entry));
  TokenInto(entry, host_like, out);
  if (host_like && std::string_view(out).starts_with("www.")) out.erase(0, 4);
  return out;
}

void AddEntry(CompiledList& list, const std::string& entry) {
  if (entry.find('*') != std::string::npos) {
    list.globs.push_back(entry);
  } else {
    list.words.insert(entry);
  }
}

// The entries of one list file (one a line, '#' comments).
std::vector<std::string> ListFileEntries(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view line : core::Split(text, '\n')) {
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    line = core::Trim(line);
    if (!line.empty()) out.push_back(NormalizeEntry(line, true));
  }
  return out;
}

}  // namespace

const std::map<std::string, std::string_view>& BuiltinChannelLists() {
  static const std::map<std::string, std::string_view> kLists = {
      {"search_engines", channel_data::SearchEngines()},
      {"social_networks", channel_data::SocialNetworks()},
      {"video_sites", channel_data::VideoSites()},
      {"review_sites", channel_data::ReviewSites()},
      {"email_sources", channel_data::EmailSources()},
      {"webmail", channel_data::Webmail()},
  };
  return kLists;
}

std::string_view DefaultChannelRulesText() { return channel_data::DefaultRules(); }

core::Result<ChannelRules> ParseChannelRules(std::string_view yaml, std::string_view file_name) {
  const std::string file(file_name);
  ChannelRules out;
  out.text_ = std::string(yaml);
  // Errors from helpers carry the line only: add the file.
  auto in_file = [&](core::Error e) { return core::Fail(std::move(e).At(file, e.line)); };
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return RuleError(file, e.mark.line + 1, "invalid YAML: " + e.msg);
  }
  // A key or value of the wrong shape (a list where a name goes) throws from
  // yaml-cpp's conversions: an error at its line, like any other.
  try {
    if (!root.IsMap()) {
      return RuleError(file, LineOf(root),
                       "a channels config is a map with 'rules' (and optional 'lists', 'default')");
    }
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (key != "rules" && key != "lists" && key != "default") {
        return RuleError(file, LineOf(kv.first),
                         "unknown key '" + key + "' (expected rules, lists, default)");
      }
    }

    // Lists: the built-in ones, then the document's (which may replace them).
    for (const auto& [name, text] : BuiltinChannelLists()) {
      out.lists_[name] = ListFileEntries(text);
    }
    if (const YAML::Node lists = root["lists"]) {
      if (!lists.IsMap()) return RuleError(file, LineOf(lists), "'lists' must be a map of lists");
      for (const auto& kv : lists) {
        const std::string name = kv.first.as<std::string>();
        if (name.empty() || name.find_first_of(" @*") != std::string::npos) {
          return RuleError(file, LineOf(kv.first), "list name '" + name + "' is not a plain word");
        }
        auto entries = Scalars(kv.second, "list '" + name + "'");
        if (!entries) return in_file(std::move(entries).error());
        std::vector<std::string>& dst = out.lists_[name];
        dst.clear();
        for (const std::string& e : *entries) {
          if (core::Trim(e).starts_with('@')) {
            return RuleError(
                file, LineOf(kv.second),
                "list '" + name + "' names another list ('" + e + "'): lists hold values");
          }
          // Kept as written (lower case); normalized per use below.
          dst.push_back(std::string(core::Trim(e)));
        }
      }
    }
    // Compiled per field kind: host fields keep '-' in dotted entries.
    auto compiled_list = [&](const std::string& name, bool host) -> const CompiledList* {
      const std::string key = (host ? "h:" : "t:") + name;
      auto it = out.compiled_->lists.find(key);
      if (it != out.compiled_->lists.end()) return &it->second;
      CompiledList& list = out.compiled_->lists[key];
      list.slot = static_cast<int>(out.compiled_->lists.size()) - 1;
      for (const std::string& e : out.lists_.at(name)) AddEntry(list, NormalizeEntry(e, host));
      return &list;
    };

    if (const YAML::Node d = root["default"]) {
      if (!d.IsScalar()) return RuleError(file, LineOf(d), "'default' must be a channel name");
      const std::string c = core::ToLower(core::Trim(d.as<std::string>()));
      if (!IsChannelName(c)) {
        return RuleError(
            file, LineOf(d),
            fmt::format("default: unknown channel '{}' (expected one of: {})", c, ChannelList()));
      }
      out.default_channel_ = c;
    }

    const YAML::Node rules = root["rules"];
    if (!rules) return RuleError(file, LineOf(root), "no 'rules' list");
    if (!rules.IsSequence())
      return RuleError(file, LineOf(rules), "'rules' must be a list of rules");
    std::map<std::string, size_t> names;
    int catch_all = -1;
    for (size_t i = 0; i < rules.size(); ++i) {
      const YAML::Node r = rules[i];
      const int64_t line = LineOf(r);
      ChannelRule rule;
      rule.line = line;
      if (!r.IsMap()) return RuleError(file, line, RuleLabel(i, "") + ": a rule must be a map");
      if (const YAML::Node n = r["name"]) {
        if (!n.IsScalar())
          return RuleError(file, LineOf(n), RuleLabel(i, "") + ": name must be a text");
        rule.name = std::string(core::Trim(n.as<std::string>()));
      }
      const std::string label = RuleLabel(i, rule.name);
      if (rule.name.empty()) rule.name = fmt::format("rule_{}", i + 1);
      if (auto [it, added] = names.emplace(rule.name, i); !added) {
        return RuleError(
            file, line,
            fmt::format("{}: the name is already used by rule {}", label, it->second + 1));
      }
      if (catch_all >= 0) {
        return RuleError(
            file, line,
            fmt::format("{} can never match: {} above it has no condition and matches "
                        "everything",
                        label,
                        RuleLabel(catch_all, rules[catch_all]["name"]
                                                 ? rules[catch_all]["name"].as<std::string>()
                                                 : "")));
      }
      std::vector<CompiledCondition> compiled;
      for (const auto& kv : r) {
        const std::string key = kv.first.as<std::string>();
        const int64_t key_line = LineOf(kv.first);
        const YAML::Node& value = kv.second;
        if (key == "name") continue;
        if (key == "channel") {
          if (!value.IsScalar())
            return RuleError(file, key_line, label + ": channel must be a name");
          rule.channel = core::ToLower(core::Trim(value.as<std::string>()));
          if (!IsChannelName(rule.channel)) {
            return RuleError(file, key_line,
                             fmt::format("{}: unknown channel '{}' (expected one of: {})", label,
                                         rule.channel, ChannelList()));
          }
          continue;
        }
        auto entries = Scalars(value, label + ": " + key);
        if (!entries) return in_file(std::move(entries).error());
        ChannelCondition cond;
        CompiledCondition cc;
        if (key == "type" || key == "medium" || key == "source" || key == "referrer") {
          cond.kind = ChannelCondition::Kind::kValues;
          cond.field = *ParseField(key);
          const bool host = IsHostField(cond.field);
          cc.kind = cond.kind;
          cc.field = cond.field;
          for (const std::string& e : *entries) {
            std::string n = NormalizeEntry(e, host);
            if (n.empty()) {
              return RuleError(file, key_line,
                               fmt::format("{}: {} has an empty entry", label, key));
            }
            if (n.starts_with('@')) {
              const std::string list = n.substr(1);
              if (!out.lists_.contains(list)) {
                std::vector<std::string_view> known;
                for (const auto& [name, unused] : out.lists_) known.push_back(name);
                return RuleError(file, key_line,
                                 fmt::format("{}: {}: unknown list '{}' (lists: {})", label, key, n,
                                             core::Join(known, ", ")));
              }
              cc.lists.emplace_back(list, compiled_list(list, host));
            } else {
              AddEntry(cc.inline_entries, n);
            }
            cond.values.push_back(std::move(n));
          }
        } else if (key == "click_id") {
          cond.kind = cc.kind = ChannelCondition::Kind::kClickId;
          for (const std::string& e : *entries) {
            const std::string p(core::Trim(e));
            if (p.empty() || p.find_first_of("?&=# ") != std::string::npos) {
              return RuleError(
                  file, key_line,
                  fmt::format("{}: click_id '{}' is not a query parameter name", label, p));
            }
            cond.values.push_back(p);
            cc.params.push_back(p);
          }
        } else if (key == "present" || key == "empty") {
          cond.kind = cc.kind =
              key == "present" ? ChannelCondition::Kind::kPresent : ChannelCondition::Kind::kEmpty;
          for (const std::string& e : *entries) {
            auto f = ParseField(core::Trim(e));
            if (!f)
              return RuleError(file, key_line,
                               fmt::format("{}: {}: {}", label, key, f.error().message));
            cond.fields.push_back(*f);
            cc.fields.push_back(*f);
          }
        } else {
          return RuleError(
              file, key_line,
              fmt::format("{}: unknown key '{}' (expected name, channel, type, medium, "
                          "source, referrer, click_id, present, empty)",
                          label, key));
        }
        rule.conditions.push_back(std::move(cond));
        compiled.push_back(std::move(cc));
      }
      if (rule.channel.empty()) return RuleError(file, line, label + ": no channel");
      if (compiled.empty()) catch_all = static_cast<int>(i);
      out.rules_.push_back(std::move(rule));
      out.compiled_->rules.push_back(std::move(compiled));
    }
    // The documents' own lists, normalized for show.
    for (auto& [name, entries] : out.lists_) {
      for (std::string& e : entries) e = NormalizeEntry(e, true);
    }
  } catch (const YAML::Exception& e) {
    return RuleError(file, e.mark.line + 1, "invalid channels config: " + e.msg);
  }
  return out;
}

const ChannelRules& DefaultChannelRules() {
  static const ChannelRules kRules = [] {
    auto parsed = ParseChannelRules(DefaultChannelRulesText(), "channel_rules.yaml (built in)");
    if (!parsed) {
      // The built-in document is tested; reaching this is a build defect.
      fmt::print(stderr, "mops: {}\n", parsed.error().ToString());
      std::abort();
    }
    return std::move(*parsed);
  }();
  return kRules;
}

ChannelMatch Classify(const ChannelRules& rules, const ChannelInputs& in) {
  thread_local Inputs norm;
  thread_local std::vector<int8_t> cache;
  Normalize(in, norm);
  const ChannelRules::Compiled& compiled = CompiledOf(rules);
  cache.assign(compiled.lists.size() * 4, -1);
  for (size_t i = 0; i < compiled.rules.size(); ++i) {
    bool all = true;
    for (const CompiledCondition& c : compiled.rules[i]) {
      if (!Holds(c, norm, nullptr, cache.data())) {
        all = false;
        break;
      }
    }
    if (all) return {rules.rules()[i].channel, static_cast<int>(i)};
  }
  return {rules.default_channel(), -1};
}

ChannelExplanation ExplainChannel(const ChannelRules& rules, const ChannelInputs& in) {
  Inputs norm;
  Normalize(in, norm);
  ChannelExplanation out;
  out.inputs = {{"type", norm.type},
                {"medium", norm.medium},
                {"source", norm.source},
                {"referrer", norm.referrer},
                {"url", std::string(norm.url)}};
  const ChannelRules::Compiled& compiled = CompiledOf(rules);
  for (size_t i = 0; i < compiled.rules.size(); ++i) {
    const ChannelRule& rule = rules.rules()[i];
    std::vector<std::string> reasons;
    std::string failed;
    for (const CompiledCondition& c : compiled.rules[i]) {
      std::string why;
      if (!Holds(c, norm, &why, nullptr)) {
        failed = std::move(why);
        break;
      }
      reasons.push_back(std::move(why));
    }
    if (failed.empty()) {
      out.channel = rule.channel;
      out.rule = static_cast<int>(i);
      out.rule_name = rule.name;
      out.rule_line = rule.line;
      out.reasons = std::move(reasons);
      if (out.reasons.empty()) out.reasons.push_back("the rule has no condition");
      return out;
    }
    out.tried.push_back({static_cast<int>(i), rule.name, rule.line, std::move(failed)});
  }
  out.channel = rules.default_channel();
  out.rule_name = "(default)";
  out.reasons.push_back("no rule matched");
  return out;
}

std::string_view ClassifyChannel(const ChannelInputs& in) {
  return Classify(DefaultChannelRules(), in).channel;
}

}  // namespace mops::ingest
