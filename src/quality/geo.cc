// Countries and their subdivisions, from the embedded iso-codes JSON and the
// alias list.
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/strings.h"
#include "quality/data.h"
#include "quality/engine.h"
#include "quality/text.h"

namespace mops::quality {
namespace {

struct Geo {
  std::unordered_map<std::string, std::string> country_by_key;  // folded key -> alpha-2
  std::unordered_map<std::string, std::string> name_by_code;    // alpha-2 -> ISO name
  // "US" -> folded key ("ca", "us-ca", "california") -> "US-CA"
  std::unordered_map<std::string, std::unordered_map<std::string, std::string>> subdivisions;
};

const Geo& LoadGeo() {
  static const Geo geo = [] {
    Geo g;
    auto add = [&g](std::string_view key, const std::string& code) {
      if (!key.empty()) g.country_by_key.emplace(internal::FoldKey(key), code);
    };
    const auto countries = nlohmann::json::parse(data::Iso3166_1Json());
    for (const auto& c : countries.at("3166-1")) {
      const std::string code = c.at("alpha_2").get<std::string>();
      g.name_by_code[code] = c.value("common_name", c.at("name").get<std::string>());
      add(code, code);
      add(c.at("alpha_3").get<std::string>(), code);
      for (const char* field : {"name", "official_name", "common_name"}) {
        if (c.contains(field)) add(c.at(field).get<std::string>(), code);
      }
    }
    for (std::string_view line : internal::ListLines(data::CountryAliases())) {
      const size_t tab = line.find('\t');
      if (tab == std::string_view::npos) continue;
      // Aliases override ISO keys: "england" must be GB, not a name clash.
      g.country_by_key[internal::FoldKey(line.substr(0, tab))] =
          std::string(core::Trim(line.substr(tab + 1)));
    }
    const auto subdivisions = nlohmann::json::parse(data::Iso3166_2Json());
    for (const auto& s : subdivisions.at("3166-2")) {
      const std::string code = s.at("code").get<std::string>();
      const size_t dash = code.find('-');
      if (dash == std::string::npos) continue;
      auto& table = g.subdivisions[code.substr(0, dash)];
      table.emplace(internal::FoldKey(code), code);
      table.emplace(internal::FoldKey(code.substr(dash + 1)), code);
      table.emplace(internal::FoldKey(s.at("name").get<std::string>()), code);
    }
    return g;
  }();
  return geo;
}

}  // namespace

std::optional<std::string> CountryCode(std::string_view raw) {
  const std::string key = internal::FoldKey(raw);
  if (key.empty()) return std::nullopt;
  const Geo& geo = LoadGeo();
  if (auto it = geo.country_by_key.find(key); it != geo.country_by_key.end()) return it->second;
  return std::nullopt;
}

std::string CountryName(std::string_view alpha2) {
  const Geo& geo = LoadGeo();
  auto it = geo.name_by_code.find(core::ToUpper(alpha2));
  return it == geo.name_by_code.end() ? std::string() : it->second;
}

std::optional<std::string> SubdivisionCode(std::string_view raw, std::string_view country_alpha2) {
  const std::string key = internal::FoldKey(raw);
  if (key.empty() || country_alpha2.empty()) return std::nullopt;
  const Geo& geo = LoadGeo();
  auto country = geo.subdivisions.find(core::ToUpper(country_alpha2));
  if (country == geo.subdivisions.end()) return std::nullopt;
  if (auto it = country->second.find(key); it != country->second.end()) return it->second;
  return std::nullopt;
}

}  // namespace mops::quality
