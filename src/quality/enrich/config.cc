// The `enrichment` config: sources per field in order of trust, fields that
// may be overwritten, staleness, tolerance, match threshold (engine).
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "core/strings.h"
#include "quality/enrich/enrich.h"

namespace mops::quality::enrich {
namespace {

using core::ErrorCode;

constexpr std::string_view kContactFields[] = {
    "industry", "employees", "annual_revenue", "country",      "state",     "city", "company_name",
    "title",    "seniority", "department",     "job_function", "time_zone", "phone"};
constexpr std::string_view kAccountFields[] = {"domain",  "industry", "employees", "annual_revenue",
                                               "country", "state",    "city"};
static_assert(std::size(kContactFields) == kContactFieldCount);
static_assert(std::size(kAccountFields) == kAccountFieldCount);

constexpr std::string_view kVendors[] = {"zoominfo", "apollo", "clearbit", "lusha", "cognism"};

int64_t LineOf(const YAML::Node& node) { return node.Mark().line >= 0 ? node.Mark().line + 1 : 0; }

core::Error ConfigError(std::string_view source_name, const YAML::Node& at, std::string key,
                        std::string message) {
  return std::move(core::MakeError(ErrorCode::kInvalidArgument, std::move(message))
                       .At(std::string(source_name), LineOf(at)))
      .InField(std::move(key));
}

// "employees" -> {"contacts.employees", "accounts.employees"}; "contacts.x" -> itself.
std::vector<std::string> ExpandField(std::string_view key) {
  std::vector<std::string> out;
  if (const size_t dot = key.find('.'); dot != std::string_view::npos) {
    if (FieldIndex(key.substr(0, dot), key.substr(dot + 1)) >= 0) out.emplace_back(key);
    return out;
  }
  for (std::string_view entity : {"contacts", "accounts"}) {
    if (FieldIndex(entity, key) >= 0) out.push_back(fmt::format("{}.{}", entity, key));
  }
  return out;
}

std::string KnownFields() {
  std::set<std::string_view> names(std::begin(kContactFields), std::end(kContactFields));
  names.insert(std::begin(kAccountFields), std::end(kAccountFields));
  return core::Join(std::vector<std::string>(names.begin(), names.end()), ", ");
}

constexpr std::string_view kDefaultYaml =
    R"YAML(# Sources per field, most trusted first. A field is filled from the first
# source that has a value; "inferred" is what the workspace itself says
# (the account, the phone number, the title, the addresses).
sources:
  industry: [zoominfo, apollo, clearbit, cognism, lusha, inferred]
  employees: [zoominfo, apollo, clearbit, cognism, lusha, inferred]
  annual_revenue: [zoominfo, apollo, clearbit, inferred]
  country: [inferred, zoominfo, apollo, clearbit, cognism, lusha]
  state: [inferred, zoominfo, apollo, clearbit, cognism, lusha]
  city: [inferred, zoominfo, apollo, clearbit, cognism, lusha]
  company_name: [inferred, zoominfo, apollo, clearbit, cognism, lusha]
  title: [zoominfo, apollo, cognism, lusha, clearbit]
  seniority: [inferred, zoominfo, apollo, lusha, clearbit]
  department: [inferred, zoominfo, apollo, lusha, clearbit]
  job_function: [inferred]
  time_zone: [inferred]
  phone: [zoominfo, cognism, lusha, apollo]
  domain: [inferred, zoominfo, apollo, clearbit]
# Fields whose value a person entered or the CRM owns may be replaced
# (none by default).
overwrite: []
# Enriched values older than this are listed for refresh.
stale_after_days: 180
# Employees and revenue disagree when one is more than this many times the other.
tolerance: 2
# Least probability of a vendor row matched by name and company.
min_match_probability: 0.9
)YAML";

}  // namespace

std::span<const std::string_view> FieldNames(std::string_view entity) {
  if (entity == "contacts") return kContactFields;
  if (entity == "accounts") return kAccountFields;
  return {};
}

int FieldIndex(std::string_view entity, std::string_view field) {
  const auto names = FieldNames(entity);
  const auto it = std::find(names.begin(), names.end(), field);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

bool IsIntegerField(std::string_view field) {
  return field == "employees" || field == "annual_revenue";
}

std::span<const std::string_view> VendorNames() { return kVendors; }

bool IsSource(std::string_view name) {
  return name == kInferred ||
         std::find(std::begin(kVendors), std::end(kVendors), name) != std::end(kVendors);
}

const std::vector<std::string>& EnrichmentConfig::SourcesFor(std::string_view entity,
                                                             int field) const {
  static const std::vector<std::string> kNone;
  const auto names = FieldNames(entity);
  if (field < 0 || static_cast<size_t>(field) >= names.size()) return kNone;
  const auto it = sources.find(fmt::format("{}.{}", entity, names[field]));
  return it == sources.end() ? kNone : it->second;
}

core::Result<EnrichmentConfig> ParseEnrichmentConfig(std::string_view yaml,
                                                     std::string_view source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    return core::Fail(core::MakeError(ErrorCode::kParse, "not valid YAML: " + e.msg)
                          .At(std::string(source_name), e.mark.line + 1, e.mark.column + 1));
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) {
    return core::Fail(
        ConfigError(source_name, root, "", "the enrichment config must be a YAML mapping"));
  }
  EnrichmentConfig config;
  // Every field starts with the default order, unless this is the default itself.
  if (source_name != "default enrichment config")
    config.sources = DefaultEnrichmentConfig().sources;
  try {
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      const YAML::Node& value = entry.second;
      if (key == "sources") {
        if (!value.IsMap()) {
          return core::Fail(
              ConfigError(source_name, value, key, "sources must map fields to lists of sources"));
        }
        for (const auto& field_entry : value) {
          const std::string field = field_entry.first.as<std::string>();
          const std::vector<std::string> targets = ExpandField(field);
          if (targets.empty()) {
            return core::Fail(
                ConfigError(source_name, field_entry.first, "sources." + field,
                            fmt::format("unknown field '{}' (fields: {})", field, KnownFields())));
          }
          const YAML::Node& list = field_entry.second;
          if (!list.IsSequence()) {
            return core::Fail(ConfigError(source_name, list, "sources." + field,
                                          "a field's sources must be a list, e.g. [zoominfo, "
                                          "inferred]"));
          }
          std::vector<std::string> order;
          for (const auto& item : list) {
            const std::string name = item.as<std::string>();
            if (!IsSource(name)) {
              return core::Fail(ConfigError(
                  source_name, item, "sources." + field,
                  fmt::format(
                      "unknown source '{}' (sources: inferred, {})", name,
                      core::Join(std::vector<std::string>(std::begin(kVendors), std::end(kVendors)),
                                 ", "))));
            }
            if (std::find(order.begin(), order.end(), name) != order.end()) {
              return core::Fail(ConfigError(source_name, item, "sources." + field,
                                            fmt::format("source '{}' is listed twice", name)));
            }
            order.push_back(name);
          }
          for (const std::string& target : targets) config.sources[target] = order;
        }
      } else if (key == "overwrite") {
        if (!value.IsSequence()) {
          return core::Fail(ConfigError(source_name, value, key, "overwrite must be a list"));
        }
        for (const auto& item : value) {
          const std::string field = item.as<std::string>();
          const std::vector<std::string> targets = ExpandField(field);
          if (targets.empty()) {
            return core::Fail(
                ConfigError(source_name, item, key,
                            fmt::format("unknown field '{}' (fields: {})", field, KnownFields())));
          }
          config.overwrite.insert(targets.begin(), targets.end());
        }
      } else if (key == "stale_after_days") {
        config.stale_after_days = value.as<int64_t>();
        if (config.stale_after_days <= 0) {
          return core::Fail(
              ConfigError(source_name, value, key, "must be a positive whole number"));
        }
      } else if (key == "tolerance") {
        config.tolerance = value.as<double>();
        if (!(config.tolerance >= 1)) {
          return core::Fail(ConfigError(source_name, value, key, "must be a number of at least 1"));
        }
      } else if (key == "min_match_probability") {
        config.min_match_probability = value.as<double>();
        if (!(config.min_match_probability > 0 && config.min_match_probability <= 1)) {
          return core::Fail(ConfigError(source_name, value, key, "must be in (0, 1]"));
        }
      } else {
        return core::Fail(
            ConfigError(source_name, entry.first, key,
                        fmt::format("unknown key '{}' (keys: sources, overwrite, stale_after_days, "
                                    "tolerance, min_match_probability)",
                                    key)));
      }
    }
  } catch (const YAML::Exception& e) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument, "bad value: " + e.msg)
                          .At(std::string(source_name), e.mark.line + 1, e.mark.column + 1));
  }
  return config;
}

std::string_view DefaultEnrichmentConfigYaml() { return kDefaultYaml; }

const EnrichmentConfig& DefaultEnrichmentConfig() {
  static const EnrichmentConfig kConfig = [] {
    auto parsed = ParseEnrichmentConfig(kDefaultYaml, "default enrichment config");
    return parsed ? *parsed : EnrichmentConfig{};
  }();
  return kConfig;
}

}  // namespace mops::quality::enrich
