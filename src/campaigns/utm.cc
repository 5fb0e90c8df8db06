// UTM governance: the naming config, value checks and fixes, tracked URLs,
// and the check of every UTM stored on touchpoints.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "campaigns/campaigns.h"
#include "core/edit_distance.h"
#include "core/strings.h"
#include "core/yaml_line.h"

namespace mops::campaigns {
namespace {

using core::ErrorCode;

using core::MarkLine;

std::unexpected<core::Error> ConfigError(std::string_view name, int64_t line, std::string key,
                                         std::string message) {
  core::Error e = core::MakeError(ErrorCode::kInvalidArgument, std::move(message));
  e.At(std::string(name), line);
  e.field = std::move(key);
  return core::Fail(std::move(e));
}

std::string CanonicalParam(std::string_view p) {
  std::string k = core::ToLower(core::Trim(p));
  if (!k.starts_with("utm_")) k = "utm_" + k;
  return k;
}

bool IsUtmParam(std::string_view p) {
  return std::find(std::begin(kUtmParams), std::end(kUtmParams), p) != std::end(kUtmParams);
}

std::string ApplyCase(const NamingRules& rules, std::string_view v) {
  switch (rules.case_rule) {
    case CaseRule::kLower:
      return core::ToLower(v);
    case CaseRule::kUpper:
      return core::ToUpper(v);
    case CaseRule::kAny:
      break;
  }
  return std::string(v);
}

// Built-in aliases for sources and mediums people type in many ways.
const std::map<std::string, std::string>& BuiltinAliases() {
  static const std::map<std::string, std::string> kAliases = {
      {"fb", "facebook"},
      {"face_book", "facebook"},
      {"meta", "facebook"},
      {"ig", "instagram"},
      {"insta", "instagram"},
      {"li", "linkedin"},
      {"linked_in", "linkedin"},
      {"lnkd", "linkedin"},
      {"tw", "twitter"},
      {"x", "twitter"},
      {"goog", "google"},
      {"adwords", "google"},
      {"google_ads", "google"},
      {"e-mail", "email"},
      {"e_mail", "email"},
      {"mail", "email"},
      {"ppc", "cpc"},
      {"paid_search", "cpc"},
      {"paidsearch", "cpc"},
      {"yt", "youtube"},
      {"bing_ads", "bing"},
  };
  return kAliases;
}

std::vector<std::string> ReadList(const YAML::Node& node, std::string_view name,
                                  const std::string& key, core::Status* status) {
  std::vector<std::string> out;
  if (!node.IsSequence()) {
    *status = ConfigError(name, MarkLine(node), key, "'" + key + "' must be a list of values");
    return out;
  }
  for (const auto& v : node) {
    if (!v.IsScalar() || core::Trim(v.as<std::string>()).empty()) {
      *status =
          ConfigError(name, MarkLine(v), key, "'" + key + "' holds an empty or non-text value");
      return {};
    }
    out.push_back(std::string(core::Trim(v.as<std::string>())));
  }
  return out;
}

core::Result<std::vector<PatternPart>> ParsePattern(std::string_view pattern) {
  std::vector<PatternPart> parts;
  size_t pos = 0;
  while (pos < pattern.size()) {
    const size_t open = pattern.find('{', pos);
    if (open == std::string_view::npos) {
      parts.push_back({PatternPart::kConstant, std::string(pattern.substr(pos))});
      break;
    }
    if (open > pos)
      parts.push_back({PatternPart::kConstant, std::string(pattern.substr(pos, open - pos))});
    const size_t close = pattern.find('}', open);
    if (close == std::string_view::npos) {
      return core::Fail(ErrorCode::kInvalidArgument, "'{{' at position {} is not closed", open + 1);
    }
    const std::string name(core::Trim(pattern.substr(open + 1, close - open - 1)));
    if (name.empty()) {
      return core::Fail(ErrorCode::kInvalidArgument, "empty {{}} at position {}", open + 1);
    }
    if (name == "yyyy" || name == "yy" || name == "mm" || name == "dd" || name == "q") {
      parts.push_back({PatternPart::kDate, name});
    } else if (name == "name") {
      parts.push_back({PatternPart::kName, name});
    } else {
      parts.push_back({PatternPart::kField, name});
    }
    pos = close + 1;
  }
  return parts;
}

std::string DatePart(std::string_view part, core::Timestamp t) {
  const core::CivilDate d = core::CivilFromDays(core::FloorDiv(t, core::kSecondsPerDay));
  if (part == "yyyy") return fmt::format("{:04}", d.year);
  if (part == "yy") return fmt::format("{:02}", d.year % 100);
  if (part == "mm") return fmt::format("{:02}", d.month);
  if (part == "dd") return fmt::format("{:02}", d.day);
  return fmt::format("q{}", (d.month - 1) / 3 + 1);
}

// Matches `value` against the pattern; returns why not, or "" when it does.
std::string PatternMismatch(const NamingRules& rules, std::string_view value) {
  // Backtracking over parts: constants must match literally, date parts have
  // fixed widths, fields take one of their values, the name takes 1+ chars.
  // Failed (part, pos) pairs are remembered, so patterns with several
  // {name} parts stay O(parts x length^2) instead of exponential.
  struct Matcher {
    const NamingRules& rules;
    std::string_view value;
    std::string first_error;
    std::vector<bool> failed;
    bool Match(size_t part, size_t pos) {
      if (part == rules.parts.size()) return pos == value.size();
      const size_t key = part * (value.size() + 1) + pos;
      if (failed[key]) return false;
      if (MatchPart(part, pos)) return true;
      failed[key] = true;
      return false;
    }
    bool MatchPart(size_t part, size_t pos) {
      const PatternPart& p = rules.parts[part];
      switch (p.kind) {
        case PatternPart::kConstant:
          if (value.substr(pos).starts_with(p.text)) return Match(part + 1, pos + p.text.size());
          if (first_error.empty())
            first_error = fmt::format("expected '{}' at position {}", p.text, pos + 1);
          return false;
        case PatternPart::kDate: {
          const size_t width = p.text == "yyyy" ? 4 : p.text == "q" ? 2 : 2;
          if (pos + width > value.size()) break;
          std::string_view s = value.substr(pos, width);
          bool ok = true;
          if (p.text == "q") {
            ok = (s[0] == 'q' || s[0] == 'Q') && s[1] >= '1' && s[1] <= '4';
          } else {
            for (char c : s) ok = ok && core::IsAsciiDigit(c);
            if (ok && p.text == "mm") ok = s >= "01" && s <= "12";
            if (ok && p.text == "dd") ok = s >= "01" && s <= "31";
          }
          if (ok && Match(part + 1, pos + width)) return true;
          if (first_error.empty())
            first_error = fmt::format("expected {{{}}} at position {}", p.text, pos + 1);
          return false;
        }
        case PatternPart::kField: {
          auto it = rules.fields.find(p.text);
          if (it == rules.fields.end()) return false;
          for (const std::string& option : it->second) {
            const std::string o = ApplyCase(rules, option);
            if (value.substr(pos).starts_with(o) && Match(part + 1, pos + o.size())) return true;
          }
          if (first_error.empty()) {
            first_error = fmt::format("{{{}}} at position {} is not one of {}", p.text, pos + 1,
                                      core::Join(it->second, ", "));
          }
          return false;
        }
        case PatternPart::kName:
          for (size_t end = value.size(); end > pos; --end) {
            if (Match(part + 1, end)) return true;
          }
          if (first_error.empty()) first_error = fmt::format("no {{name}} at position {}", pos + 1);
          return false;
      }
      if (first_error.empty()) first_error = "the value is too short";
      return false;
    }
  };
  Matcher m{rules, value, {}, std::vector<bool>(rules.parts.size() * (value.size() + 1), false)};
  if (m.Match(0, 0)) return "";
  return m.first_error.empty() ? "does not match" : m.first_error;
}

const std::vector<std::string>* AllowedList(const NamingRules& rules, std::string_view param) {
  if (param == "utm_source" && !rules.sources.empty()) return &rules.sources;
  if (param == "utm_medium" && !rules.mediums.empty()) return &rules.mediums;
  return nullptr;
}

// The URL split into its parts: everything before '?', the query, the fragment.
struct UrlParts {
  std::string base, query, fragment;
  bool has_fragment = false;
};
UrlParts SplitUrl(std::string_view url) {
  UrlParts p;
  const size_t hash = url.find('#');
  if (hash != std::string_view::npos) {
    p.fragment = std::string(url.substr(hash + 1));
    p.has_fragment = true;
    url = url.substr(0, hash);
  }
  const size_t q = url.find('?');
  p.base = std::string(url.substr(0, q));
  if (q != std::string_view::npos) p.query = std::string(url.substr(q + 1));
  return p;
}

}  // namespace

std::string UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string UrlEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

NamingRules DefaultNamingRules() {
  NamingRules r;
  r.max_length = {{"utm_source", 40},
                  {"utm_medium", 40},
                  {"utm_campaign", 100},
                  {"utm_content", 100},
                  {"utm_term", 100}};
  return r;
}

core::Result<NamingRules> ParseNamingConfig(std::string_view yaml, std::string_view name) {
  NamingRules rules = DefaultNamingRules();
  if (core::Trim(yaml).empty()) return rules;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    core::Error error = core::MakeError(ErrorCode::kParse, "invalid YAML: " + e.msg);
    return core::Fail(std::move(error).At(std::string(name), e.mark.line + 1, e.mark.column + 1));
  }
  if (root.IsNull()) return rules;
  if (!root.IsMap())
    return ConfigError(name, MarkLine(root), "", "the naming config is a YAML map");
  try {
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      const YAML::Node& v = entry.second;
      const int64_t line = MarkLine(entry.first);
      core::Status status;
      if (key == "sources" || key == "mediums") {
        std::vector<std::string> list = ReadList(v, name, key, &status);
        if (!status) return std::unexpected(status.error());
        for (std::string& s : list) s = core::ToLower(s);
        (key == "sources" ? rules.sources : rules.mediums) = std::move(list);
      } else if (key == "case") {
        const std::string c = v.IsScalar() ? core::ToLower(v.as<std::string>()) : "";
        if (c == "lower") {
          rules.case_rule = CaseRule::kLower;
        } else if (c == "upper") {
          rules.case_rule = CaseRule::kUpper;
        } else if (c == "any") {
          rules.case_rule = CaseRule::kAny;
        } else {
          return ConfigError(name, line, key, "'case' must be lower, upper or any");
        }
      } else if (key == "space_replacement") {
        if (!v.IsScalar()) return ConfigError(name, line, key, "'space_replacement' is a text");
        rules.space_replacement = v.as<std::string>();
        if (rules.space_replacement.find(' ') != std::string::npos ||
            rules.space_replacement.size() > 3) {
          return ConfigError(
              name, line, key,
              "'space_replacement' is up to 3 characters and no space (e.g. _ or -)");
        }
      } else if (key == "forbidden") {
        if (!v.IsScalar())
          return ConfigError(name, line, key, "'forbidden' is a text of characters");
        rules.forbidden = v.as<std::string>();
      } else if (key == "max_length") {
        if (!v.IsMap())
          return ConfigError(name, line, key, "'max_length' maps a parameter to a length");
        rules.max_length.clear();
        for (const auto& m : v) {
          const std::string p = CanonicalParam(m.first.as<std::string>());
          if (!IsUtmParam(p)) {
            return ConfigError(name, MarkLine(m.first), key,
                               "max_length: unknown parameter '" + m.first.as<std::string>() + "'");
          }
          int n = 0;
          try {
            n = m.second.as<int>();
          } catch (const YAML::Exception&) {
            n = 0;
          }
          if (n < 1 || n > 2000) {
            return ConfigError(name, MarkLine(m.first), key,
                               "max_length of " + p + " must be a number from 1 to 2000");
          }
          rules.max_length[p] = n;
        }
      } else if (key == "required") {
        std::vector<std::string> list = ReadList(v, name, key, &status);
        if (!status) return std::unexpected(status.error());
        rules.required.clear();
        for (const std::string& s : list) {
          const std::string p = CanonicalParam(s);
          if (!IsUtmParam(p)) {
            return ConfigError(name, line, key, "required: unknown parameter '" + s + "'");
          }
          rules.required.push_back(p);
        }
      } else if (key == "campaign_pattern") {
        if (!v.IsScalar()) return ConfigError(name, line, key, "'campaign_pattern' is a text");
        rules.pattern = v.as<std::string>();
        auto parts = ParsePattern(rules.pattern);
        if (!parts)
          return ConfigError(name, line, key, "campaign_pattern: " + parts.error().message);
        rules.parts = std::move(*parts);
      } else if (key == "fields") {
        if (!v.IsMap())
          return ConfigError(name, line, key, "'fields' maps a part name to its values");
        for (const auto& f : v) {
          const std::string field = f.first.as<std::string>();
          std::vector<std::string> list = ReadList(f.second, name, "fields." + field, &status);
          if (!status) return std::unexpected(status.error());
          if (list.empty()) {
            return ConfigError(name, MarkLine(f.first), "fields." + field,
                               "field '" + field + "' has no values");
          }
          rules.fields[field] = std::move(list);
        }
      } else if (key == "aliases") {
        if (!v.IsMap())
          return ConfigError(name, line, key, "'aliases' maps a value to its canonical value");
        for (const auto& a : v) {
          rules.aliases[core::ToLower(a.first.as<std::string>())] =
              core::ToLower(a.second.as<std::string>());
        }
      } else {
        return ConfigError(name, line, key,
                           "unknown key '" + key +
                               "' (expected sources, mediums, case, space_replacement, forbidden, "
                               "max_length, required, campaign_pattern, fields, aliases)");
      }
    }
  } catch (const YAML::Exception& e) {
    return ConfigError(name, e.mark.line + 1, "", "invalid naming config: " + e.msg);
  }
  // Every field of the pattern needs its values.
  for (const PatternPart& p : rules.parts) {
    if (p.kind == PatternPart::kField && !rules.fields.contains(p.text)) {
      return ConfigError(
          name, MarkLine(root["campaign_pattern"]), "campaign_pattern",
          "campaign_pattern uses {" + p.text + "} but 'fields' does not list its values");
    }
  }
  // The pattern's constants must themselves follow the rules, or no name
  // built from the pattern could pass them.
  for (const PatternPart& p : rules.parts) {
    if (p.kind != PatternPart::kConstant) continue;
    std::string why;
    if (ApplyCase(rules, p.text) != p.text) {
      why = fmt::format("'{}' is not {} case", p.text,
                        rules.case_rule == CaseRule::kLower ? "lower" : "upper");
    } else if (std::any_of(p.text.begin(), p.text.end(),
                           [](char c) { return core::IsAsciiSpace(c); })) {
      why = fmt::format("'{}' contains a space", p.text);
    } else if (p.text.find_first_of(rules.forbidden) != std::string::npos) {
      why = fmt::format("'{}' contains a forbidden character", p.text);
    }
    if (!why.empty()) {
      return ConfigError(name, MarkLine(root["campaign_pattern"]), "campaign_pattern",
                         "campaign_pattern: the constant " + why);
    }
  }
  for (char c : rules.space_replacement) {
    if (rules.forbidden.find(c) != std::string::npos) {
      return ConfigError(name, MarkLine(root["forbidden"]), "forbidden",
                         fmt::format("'forbidden' contains '{}', the space replacement", c));
    }
  }
  return rules;
}

std::string NormalizeValue(const NamingRules& rules, std::string_view param,
                           std::string_view value) {
  std::string v = ApplyCase(rules, core::Trim(value));
  // Spaces (and runs of spaces and the replacement) become one replacement.
  std::string out;
  const std::string& rep = rules.space_replacement;
  for (size_t i = 0; i < v.size();) {
    if (core::IsAsciiSpace(v[i]) || (!rep.empty() && v.compare(i, rep.size(), rep) == 0)) {
      while (i < v.size() &&
             (core::IsAsciiSpace(v[i]) || (!rep.empty() && v.compare(i, rep.size(), rep) == 0))) {
        i += core::IsAsciiSpace(v[i]) ? 1 : rep.size();
      }
      out += rep;
      continue;
    }
    if (rules.forbidden.find(v[i]) == std::string::npos) out.push_back(v[i]);
    ++i;
  }
  // Aliases on the whole value (sources and mediums only).
  if (param == "utm_source" || param == "utm_medium") {
    const std::string key = core::ToLower(out);
    auto it = rules.aliases.find(key);
    if (it != rules.aliases.end()) return ApplyCase(rules, it->second);
    auto b = BuiltinAliases().find(key);
    if (b != BuiltinAliases().end()) {
      const std::vector<std::string>* allowed = AllowedList(rules, param);
      if (allowed == nullptr ||
          std::find(allowed->begin(), allowed->end(), b->second) != allowed->end()) {
        return ApplyCase(rules, b->second);
      }
    }
    // Nearest allowed value within two edits ("facebok").
    if (const std::vector<std::string>* allowed = AllowedList(rules, param)) {
      if (std::find(allowed->begin(), allowed->end(), key) == allowed->end()) {
        const std::string* best = nullptr;
        int best_d = 3;
        for (const std::string& a : *allowed) {
          const int d = core::EditDistance(key, a, 2);
          if (d < best_d) best_d = d, best = &a;
        }
        if (best != nullptr && key.size() > 3) return ApplyCase(rules, *best);
      }
    }
  }
  return out;
}

namespace {

// The violations of a value; with `suggest`, each carries the normalized
// value as its suggestion when that value itself breaks no rule.
std::vector<Violation> CheckValueRules(const NamingRules& rules, std::string_view param,
                                       std::string_view value, bool suggest) {
  std::vector<Violation> out;
  const std::string p(param);
  auto add = [&](std::string rule, std::string message) {
    out.push_back({p, std::string(value), std::move(rule), std::move(message), ""});
  };
  // Analytics tools write "(not set)", "(none)" or "(not provided)" where a
  // link carried no value: that is a missing value, not a name to rewrite.
  const std::string trimmed = core::ToLower(core::Trim(value));
  const bool placeholder = trimmed == "(not set)" || trimmed == "(not_set)" ||
                           trimmed == "(none)" || trimmed == "(not provided)" ||
                           trimmed == "(direct)" || trimmed == "(notset)";
  if (trimmed.empty() || placeholder) {
    if (std::find(rules.required.begin(), rules.required.end(), p) != rules.required.end()) {
      add("missing", placeholder ? fmt::format("{} is required ('{}' stands for no value)", p,
                                               std::string(value))
                                 : p + " is required");
    }
    return out;
  }
  const std::string v(value);
  if (rules.case_rule != CaseRule::kAny && ApplyCase(rules, v) != v) {
    add("case", fmt::format("'{}' is not {} case", v,
                            rules.case_rule == CaseRule::kLower ? "lower" : "upper"));
  }
  if (std::any_of(v.begin(), v.end(), [](char c) { return core::IsAsciiSpace(c); })) {
    add("spaces", fmt::format("'{}' contains spaces (use '{}')", v, rules.space_replacement));
  }
  std::string bad;
  for (char c : v) {
    if (rules.forbidden.find(c) != std::string::npos && bad.find(c) == std::string::npos) bad += c;
  }
  if (!bad.empty())
    add("forbidden", fmt::format("'{}' contains forbidden characters '{}'", v, bad));
  auto len = rules.max_length.find(p);
  if (len != rules.max_length.end() && static_cast<int>(v.size()) > len->second) {
    add("length", fmt::format("'{}' is {} bytes long, more than {}", v, v.size(), len->second));
  }
  const std::string fixed = NormalizeValue(rules, p, v);
  if (const std::vector<std::string>* allowed = AllowedList(rules, p)) {
    const std::string key = core::ToLower(core::Trim(v));
    if (std::find(allowed->begin(), allowed->end(), key) == allowed->end()) {
      add("not_allowed", fmt::format("'{}' is not an allowed {} (one of {})", v, p.substr(4),
                                     core::Join(*allowed, ", ")));
    }
  } else if (out.empty() && fixed != v) {
    add("alias", fmt::format("'{}' is written '{}' elsewhere", v, fixed));
  }
  if (p == "utm_campaign" && !rules.parts.empty()) {
    const std::string why = PatternMismatch(rules, fixed);
    if (!why.empty()) {
      add("pattern", fmt::format("'{}' does not follow {}: {}", v, rules.pattern, why));
    }
  }
  // A suggestion only when the fixed value passes every rule (an alias to a
  // value with spaces, or a value still too long, gets none).
  if (suggest && !out.empty() && fixed != v && !fixed.empty() &&
      CheckValueRules(rules, p, fixed, false).empty()) {
    for (Violation& x : out) x.suggestion = fixed;
  }
  return out;
}

}  // namespace

std::vector<Violation> CheckValue(const NamingRules& rules, std::string_view param,
                                  std::string_view value) {
  return CheckValueRules(rules, param, value, true);
}

UrlCheck CheckUrl(const NamingRules& rules, std::string_view url) {
  UrlCheck out;
  out.url = std::string(core::Trim(url));
  const size_t scheme = out.url.find("://");
  if (scheme == std::string::npos ||
      out.url.substr(0, scheme).find_first_of("/?#") != std::string::npos) {
    out.well_formed = false;
    out.error = "not an absolute URL (expected http:// or https://)";
    return out;
  }
  UrlParts parts = SplitUrl(out.url);
  std::vector<std::pair<std::string, std::string>> query;  // raw key, decoded value
  for (std::string_view pair : core::Split(parts.query, '&')) {
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string k = UrlDecode(pair.substr(0, eq));
    const std::string v = eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
    query.emplace_back(k, v);
  }
  for (const auto& [k, v] : query) {
    const std::string lk = core::ToLower(k);
    if (IsUtmParam(lk)) {
      if (k != lk) {
        out.violations.push_back(
            {lk, v, "case", fmt::format("parameter name '{}' is not lower case", k), ""});
      }
      out.utm[lk] = v;
    }
  }
  bool any_fix = false;
  std::map<std::string, std::string> fixed;
  for (std::string_view p : kUtmParams) {
    const std::string param(p);
    auto it = out.utm.find(param);
    const std::string value = it == out.utm.end() ? "" : it->second;
    for (Violation& v : CheckValue(rules, param, value)) {
      if (!v.suggestion.empty()) {
        fixed[param] = v.suggestion;
        any_fix = true;
      }
      out.violations.push_back(std::move(v));
    }
  }
  for (const Violation& v : out.violations) {
    if (v.rule == "case" && v.message.starts_with("parameter name")) any_fix = true;
  }
  if (any_fix) {
    std::string q;
    for (const auto& [k, v] : query) {
      const std::string lk = core::ToLower(k);
      std::string key = IsUtmParam(lk) ? lk : k;
      std::string value = v;
      if (auto f = fixed.find(lk); f != fixed.end() && IsUtmParam(lk)) value = f->second;
      if (!q.empty()) q += '&';
      q += UrlEncode(key) + "=" + UrlEncode(value);
    }
    out.fixed_url =
        parts.base + (q.empty() ? "" : "?" + q) + (parts.has_fragment ? "#" + parts.fragment : "");
  }
  return out;
}

core::Result<std::string> CampaignName(const NamingRules& rules,
                                       const std::map<std::string, std::string>& parts,
                                       std::optional<core::Timestamp> date) {
  std::string out;
  for (const PatternPart& p : rules.parts) {
    switch (p.kind) {
      case PatternPart::kConstant:
        out += p.text;
        break;
      case PatternPart::kDate:
        if (!date) {
          return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                            "the pattern needs a date for {" + p.text + "}")
                                .InField("date"));
        }
        out += ApplyCase(rules, DatePart(p.text, *date));
        break;
      case PatternPart::kField:
      case PatternPart::kName: {
        auto it = parts.find(p.text);
        if (it == parts.end() || core::Trim(it->second).empty()) {
          return core::Fail(
              core::MakeError(ErrorCode::kInvalidArgument,
                              "the pattern " + rules.pattern + " needs {" + p.text + "}")
                  .InField(p.text));
        }
        const std::string v = NormalizeValue(rules, "utm_campaign", it->second);
        if (v.empty()) {
          return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                            fmt::format("{{{}}} '{}' is empty once forbidden "
                                                        "characters are dropped",
                                                        p.text, it->second))
                                .InField(p.text));
        }
        if (p.kind == PatternPart::kField) {
          const auto& options = rules.fields.at(p.text);
          bool ok = false;
          for (const std::string& o : options) ok = ok || ApplyCase(rules, o) == v;
          if (!ok) {
            return core::Fail(
                core::MakeError(ErrorCode::kInvalidArgument,
                                fmt::format("'{}' is not a {} (one of {})", it->second, p.text,
                                            core::Join(options, ", ")))
                    .InField(p.text));
          }
        }
        out += v;
        break;
      }
    }
  }
  return out;
}

core::Result<BuiltUrl> BuildUrl(const NamingRules& rules, const BuildRequest& request) {
  const std::string url(core::Trim(request.url));
  UrlCheck shape = CheckUrl(DefaultNamingRules(), url);
  if (!shape.well_formed) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, "'" + url + "' is " + shape.error)
            .InField("url"));
  }
  std::map<std::string, std::string> utm;
  for (const auto& [k, v] : request.utm) {
    const std::string p = CanonicalParam(k);
    if (!IsUtmParam(p)) {
      return core::Fail(
          core::MakeError(ErrorCode::kInvalidArgument, "unknown UTM parameter '" + k + "'")
              .InField(k));
    }
    if (!core::Trim(v).empty()) utm[p] = NormalizeValue(rules, p, v);
  }
  if (!utm.contains("utm_campaign") && !rules.parts.empty() && !request.parts.empty()) {
    MOPS_ASSIGN_OR_RETURN(utm["utm_campaign"], CampaignName(rules, request.parts, request.date));
  }
  for (std::string_view p : kUtmParams) {
    const std::string param(p);
    auto it = utm.find(param);
    for (const Violation& v : CheckValue(rules, param, it == utm.end() ? "" : it->second)) {
      return core::Fail(core::MakeError(ErrorCode::kInvalidArgument, v.message).InField(param));
    }
  }
  UrlParts parts = SplitUrl(url);
  std::string q;
  for (std::string_view pair : core::Split(parts.query, '&')) {
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    if (IsUtmParam(core::ToLower(UrlDecode(pair.substr(0, eq))))) continue;  // replaced
    if (!q.empty()) q += '&';
    q += pair;  // kept as written (already encoded)
  }
  for (std::string_view p : kUtmParams) {
    auto it = utm.find(std::string(p));
    if (it == utm.end()) continue;
    if (!q.empty()) q += '&';
    q += std::string(p) + "=" + UrlEncode(it->second);
  }
  BuiltUrl out;
  out.url =
      parts.base + (q.empty() ? "" : "?" + q) + (parts.has_fragment ? "#" + parts.fragment : "");
  out.utm = std::move(utm);
  return out;
}

namespace {

// An analytics tool's stand-in for "no value" ((not set), (none), ...), or
// nothing at all.
bool IsBlankValue(std::string_view value) {
  const std::string v = core::ToLower(core::Trim(value));
  return v.empty() || v == "(not set)" || v == "(not_set)" || v == "(notset)" || v == "(none)" ||
         v == "(not provided)" || v == "(direct)";
}

}  // namespace

StoredCheck CheckStored(const NamingRules& rules, const StoredUtms& utms) {
  StoredCheck out;
  const size_t rows = std::max({utms.source.size(), utms.medium.size(), utms.campaign.size()});
  auto weight = [&](size_t i) -> int64_t { return utms.counts.empty() ? 1 : utms.counts[i]; };
  for (size_t i = 0; i < rows; ++i) out.touchpoints += weight(i);
  struct Param {
    std::string_view name;
    const std::vector<std::string>* dict;
    const std::vector<int32_t>* codes;
  };
  const Param params[] = {{"utm_source", &utms.source_dict, &utms.source},
                          {"utm_medium", &utms.medium_dict, &utms.medium},
                          {"utm_campaign", &utms.campaign_dict, &utms.campaign}};
  auto code_at = [](const std::vector<int32_t>& codes, size_t i) {
    return i < codes.size() ? codes[i] : -1;
  };
  // A touchpoint carries UTMs when one of its values is not blank; the
  // others (direct and organic visits) are not checked.
  std::vector<uint8_t> with_utm(rows, 0), affected(rows, 0);
  for (const Param& p : params) {
    std::vector<uint8_t> blank(p.dict->size(), 0);
    for (size_t d = 0; d < blank.size(); ++d) blank[d] = IsBlankValue((*p.dict)[d]);
    for (size_t i = 0; i < rows; ++i) {
      const int32_t c = code_at(*p.codes, i);
      if (c >= 0 && !blank[c]) with_utm[i] = 1;
    }
  }
  std::set<std::string> known(utms.campaign_names.begin(), utms.campaign_names.end());
  for (const Param& p : params) {
    const std::string param(p.name);
    // One check per distinct value; slot n stands for NULL.
    const size_t n = p.dict->size();
    std::vector<int32_t> bad(n + 1, -1);
    std::vector<StoredViolation> found;
    std::vector<uint8_t> unknown(n, 0);
    for (size_t d = 0; d <= n; ++d) {
      const std::string value = d < n ? (*p.dict)[d] : std::string();
      const bool is_blank = IsBlankValue(value);
      // The touchpoints table keeps referrer-derived sources and mediums
      // (google / organic) and CRM activities (sales) beside tagged links, so
      // a blank value is no missing parameter: only values are checked.
      if (is_blank) continue;
      if (p.name == "utm_campaign" && !known.contains(value)) unknown[d] = 1;
      const std::vector<Violation> vs = CheckValue(rules, param, value);
      if (vs.empty()) continue;
      StoredViolation sv;
      sv.param = param;
      sv.value = value;
      std::vector<std::string> messages;
      for (const Violation& v : vs) {
        sv.rules.push_back(v.rule);
        messages.push_back(v.message);
        if (!v.suggestion.empty()) sv.suggestion = v.suggestion;
      }
      sv.message = core::Join(messages, "; ");
      bad[d] = static_cast<int32_t>(found.size());
      found.push_back(std::move(sv));
    }
    std::vector<int64_t> counts(n + 1, 0);
    for (size_t i = 0; i < rows; ++i) {
      if (!with_utm[i]) continue;
      const int32_t c = code_at(*p.codes, i);
      const size_t slot = c < 0 ? n : static_cast<size_t>(c);
      counts[slot] += weight(i);
      if (bad[slot] >= 0) affected[i] = 1;
    }
    for (size_t d = 0; d <= n; ++d) {
      if (bad[d] >= 0) found[bad[d]].touchpoints = counts[d];
      if (d < n && unknown[d] && counts[d] > 0) {
        out.unknown_campaigns.emplace_back((*p.dict)[d], counts[d]);
      }
    }
    for (StoredViolation& v : found) {
      if (v.touchpoints == 0) continue;
      if (!v.suggestion.empty()) out.fixes[param][v.value] = v.suggestion;
      out.violations.push_back(std::move(v));
    }
  }
  for (size_t i = 0; i < rows; ++i) {
    out.touchpoints_affected += affected[i] * weight(i);
    out.with_utm += with_utm[i] * weight(i);
  }
  std::stable_sort(out.violations.begin(), out.violations.end(),
                   [](const StoredViolation& a, const StoredViolation& b) {
                     return a.touchpoints > b.touchpoints;
                   });
  std::sort(out.unknown_campaigns.begin(), out.unknown_campaigns.end(),
            [](const auto& a, const auto& b) {
              return a.second != b.second ? a.second > b.second : a.first < b.first;
            });
  return out;
}

}  // namespace mops::campaigns
