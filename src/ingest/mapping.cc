// Header -> field mapping: preset detection, preset label tables, mapping
// files.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "core/numbers.h"
#include "core/report_rows.h"
#include "core/strings.h"
#include "core/yaml_line.h"
#include "ingest/internal.h"

namespace mops::ingest::internal {
namespace {

using core::ErrorCode;

// Labels compare case-insensitively, with runs of blanks as one space.
std::string NormalizeLabel(std::string_view label) {
  std::string out;
  out.reserve(label.size());
  bool blank = false;
  for (char c : core::Trim(label)) {
    if (core::IsAsciiSpace(c)) {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out.push_back(' ');
    blank = false;
    out.push_back(core::AsciiToLower(c));
  }
  return out;
}

bool CanonicalNameMatches(const FieldSpec& f, std::string_view normalized) {
  if (normalized == f.name) return true;
  for (std::string_view alias : core::Split(f.aliases, '|')) {
    if (!alias.empty() && normalized == alias) return true;
  }
  return false;
}

int CanonicalField(const KindSpec& spec, std::string_view label) {
  const std::string normalized = NormalizeLabel(label);
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    if (CanonicalNameMatches(spec.fields[i], normalized)) return static_cast<int>(i);
  }
  return -1;
}

std::unexpected<core::Error> HeaderError(std::string_view file, int64_t column,
                                         std::string message) {
  core::Error e = core::MakeError(ErrorCode::kParse, std::move(message));
  return core::Fail(std::move(e).At(std::string(file), 1, column));
}

// The labels a preset expects for a field, for messages: "'Record ID'".
std::string ExpectedLabels(Preset preset, Kind kind, std::string_view field) {
  std::vector<std::string> labels;
  if (preset == Preset::kHubspot || preset == Preset::kSalesforce) {
    for (const PresetLabel& l : PresetLabels(preset, kind)) {
      if (l.field == field) labels.push_back("'" + std::string(l.label) + "'");
    }
  }
  if (labels.empty()) {
    labels.push_back("'" + std::string(field) + "'");
    if (field == "external_id") labels.push_back("'id'");
  }
  return core::Join(labels, " or ");
}

using core::MarkLine;

std::unexpected<core::Error> YamlError(std::string_view name, int64_t line, std::string message) {
  core::Error e = core::MakeError(ErrorCode::kInvalidArgument, std::move(message));
  return core::Fail(std::move(e).At(std::string(name), line));
}

}  // namespace

core::Result<core::DateFormat> ParseDateOrder(std::string_view name) {
  const std::string_view n = core::Trim(name);
  if (core::IEquals(n, "dmy")) return core::DateFormat::kDmy;
  if (core::IEquals(n, "mdy")) return core::DateFormat::kMdy;
  if (core::IEquals(n, "ymd")) return core::DateFormat::kYmd;
  return core::Fail(ErrorCode::kInvalidArgument,
                    "unknown date order '{}' (expected dmy, mdy or ymd)", name);
}

core::Result<CustomMapping> ParseMappingYaml(std::string_view text, std::string_view name) {
  CustomMapping mapping;
  mapping.name = std::string(name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    core::Error error = core::MakeError(ErrorCode::kParse, "invalid YAML: " + e.msg);
    return core::Fail(std::move(error).At(std::string(name), e.mark.line + 1, e.mark.column + 1));
  }
  if (!root.IsMap()) {
    return YamlError(name, MarkLine(root),
                     "a mapping file is a YAML map with 'columns' (and optionally 'kind', "
                     "'preset', 'source_system', 'date_format')");
  }
  bool has_columns = false;
  try {
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      const YAML::Node& value = entry.second;
      const int64_t line = MarkLine(entry.first);
      if (key == "kind") {
        if (!value.IsScalar()) return YamlError(name, line, "'kind' must be a kind name");
        auto kind = ParseKind(value.as<std::string>());
        if (!kind) return YamlError(name, line, "kind: " + kind.error().message);
        mapping.kind = *kind;
      } else if (key == "preset") {
        auto preset = value.IsScalar() ? ParsePreset(value.as<std::string>())
                                       : core::Result<Preset>(core::Fail(ErrorCode::kParse, ""));
        if (!preset || (*preset != Preset::kSalesforce && *preset != Preset::kHubspot)) {
          return YamlError(name, line, "'preset' must be salesforce or hubspot");
        }
        mapping.preset = *preset;
      } else if (key == "source_system") {
        if (!value.IsScalar()) return YamlError(name, line, "'source_system' must be a name");
        mapping.source_system = std::string(core::Trim(value.as<std::string>()));
      } else if (key == "date_format") {
        if (!value.IsScalar()) return YamlError(name, line, "'date_format' must be a name");
        auto format = core::ParseDateFormatName(value.as<std::string>());
        if (!format) return YamlError(name, line, "date_format: " + format.error().message);
        mapping.date_format = *format;
      } else if (key == "date_order") {
        if (!value.IsScalar()) return YamlError(name, line, "'date_order' must be dmy, mdy or ymd");
        auto order = ParseDateOrder(value.as<std::string>());
        if (!order) return YamlError(name, line, "date_order: " + order.error().message);
        mapping.date_order = *order;
      } else if (key == "decimal" || key == "thousands") {
        if (!value.IsScalar()) return YamlError(name, line, "'" + key + "' must be a separator");
        const std::string sep = value.as<std::string>();
        auto format =
            key == "decimal" ? core::ParseNumberFormat(sep, "") : core::ParseNumberFormat("", sep);
        if (!format) return YamlError(name, line, key + ": " + format.error().message);
        (key == "decimal" ? mapping.decimal : mapping.thousands) = sep;
      } else if (key == "columns") {
        if (!value.IsMap()) {
          return YamlError(name, line,
                           "'columns' must map file column labels to fields, like "
                           "\"Email Address\": email");
        }
        has_columns = true;
        for (const auto& column : value) {
          CustomMapping::Column c;
          c.line = MarkLine(column.first);
          if (!column.first.IsScalar()) {
            return YamlError(name, c.line, "a column label must be text");
          }
          c.label = std::string(core::Trim(column.first.as<std::string>()));
          if (column.second.IsNull()) {
            c.field.clear();
          } else if (column.second.IsScalar()) {
            c.field = core::ToLower(core::Trim(column.second.as<std::string>()));
            if (c.field == "ignore") c.field.clear();
          } else {
            return YamlError(name, c.line,
                             "column '" + c.label + "' must map to a field name (or ~ to ignore)");
          }
          for (const CustomMapping::Column& other : mapping.columns) {
            if (NormalizeLabel(other.label) == NormalizeLabel(c.label)) {
              return YamlError(name, c.line, "column '" + c.label + "' is mapped twice");
            }
          }
          mapping.columns.push_back(std::move(c));
        }
      } else {
        return YamlError(
            name, line,
            "unknown key '" + key +
                "' (expected columns, kind, preset, source_system, date_format, date_order, "
                "decimal, thousands)");
      }
    }
  } catch (const YAML::Exception& e) {
    return YamlError(name, e.mark.line + 1, "invalid mapping: " + e.msg);
  }
  if (!has_columns) return YamlError(name, 1, "missing 'columns'");
  return mapping;
}

namespace {
// The field a mapping file's column names: a field name, or a label that
// maps to one canonically; -1 when none.
int ListedField(const KindSpec& spec, std::string_view field) {
  const int index = spec.FieldIndex(field);
  return index >= 0 ? index : CanonicalField(spec, field);
}
}  // namespace

core::Status ValidateMapping(const CustomMapping& mapping, Kind kind) {
  if (mapping.kind && *mapping.kind != kind) {
    return YamlError(mapping.name, 0,
                     "the mapping is for " + std::string(KindName(*mapping.kind)) + ", not for " +
                         std::string(KindName(kind)));
  }
  const KindSpec& spec = SpecFor(kind);
  std::vector<std::string_view> fields_seen;
  for (const CustomMapping::Column& c : mapping.columns) {
    if (c.field.empty()) continue;
    const int field = ListedField(spec, c.field);
    if (field < 0) {
      std::vector<std::string_view> names;
      for (const FieldSpec& f : spec.fields) names.push_back(f.name);
      return YamlError(mapping.name, c.line,
                       "column '" + c.label + "' maps to unknown field '" + c.field + "' of " +
                           std::string(KindName(kind)) + " (fields: " + core::Join(names, ", ") +
                           ")");
    }
    const std::string_view name = spec.fields[field].name;
    if (std::find(fields_seen.begin(), fields_seen.end(), name) != fields_seen.end()) {
      return YamlError(mapping.name, c.line,
                       "column '" + c.label + "' maps to field '" + std::string(name) +
                           "', which another column already fills");
    }
    fields_seen.push_back(name);
  }
  return {};
}

Preset DetectPreset(Kind kind, std::span<const std::string> headers) {
  const KindSpec& spec = SpecFor(kind);
  int canonical = 0;
  int hubspot = 0;
  int salesforce = 0;
  for (const std::string& raw : headers) {
    const std::string_view h = core::Trim(raw);
    if (h == "Record ID" || h.starts_with("Record ID - ")) return Preset::kHubspot;
    for (const FieldSpec& f : spec.fields) {
      if (CanonicalNameMatches(f, h)) {
        ++canonical;
        break;
      }
    }
    for (const PresetLabel& l : PresetLabels(Preset::kHubspot, kind)) {
      if (l.label == h) {
        ++hubspot;
        break;
      }
    }
    for (const PresetLabel& l : PresetLabels(Preset::kSalesforce, kind)) {
      if (l.label == h) {
        ++salesforce;
        break;
      }
    }
  }
  if (canonical >= hubspot && canonical >= salesforce) return Preset::kCanonical;
  return salesforce > hubspot ? Preset::kSalesforce : Preset::kHubspot;
}

core::Result<Mapping> MapColumns(Kind kind, std::span<const std::string> headers, Preset preset,
                                 const CustomMapping* custom, std::string_view file_name) {
  const KindSpec& spec = SpecFor(kind);
  Mapping m;
  if (headers.empty() || std::all_of(headers.begin(), headers.end(),
                                     [](const std::string& h) { return core::Trim(h).empty(); })) {
    return HeaderError(file_name, 0, "no header line (the first line must name the columns)");
  }
  if (preset == Preset::kMapping && custom == nullptr) {
    return core::Fail(ErrorCode::kInternal, "mapping preset without a mapping");
  }
  if (preset == Preset::kAuto) {
    preset = DetectPreset(kind, headers);
    m.detected = true;
  }
  // A mapping file on a vendor preset: the columns it lists, then the
  // preset's labels; the import is the preset's.
  const CustomMapping* overrides = nullptr;
  if (preset == Preset::kMapping && custom->preset != Preset::kMapping) {
    overrides = custom;
    preset = custom->preset;
  }
  if ((preset == Preset::kHubspot || preset == Preset::kSalesforce) &&
      PresetLabels(preset, kind).empty()) {
    return HeaderError(file_name, 0,
                       "preset " + std::string(PresetName(preset)) + " has no export of " +
                           std::string(KindName(kind)) +
                           " (use the canonical columns or a mapping file)");
  }
  m.preset = preset;
  m.columns.resize(headers.size());
  m.field_column.assign(spec.fields.size(), -1);
  // The fields the mapping file's columns in this header fill: the preset's
  // own column for such a field gives way (a custom CreatedDate column
  // replaces CreatedDate whichever comes first).
  std::vector<bool> overridden(spec.fields.size(), false);
  if (overrides != nullptr) {
    for (const std::string& h : headers) {
      for (const CustomMapping::Column& c : overrides->columns) {
        if (c.field.empty() || NormalizeLabel(c.label) != NormalizeLabel(core::Trim(h))) continue;
        const int f = ListedField(spec, c.field);
        if (f >= 0) overridden[f] = true;
      }
    }
  }

  for (size_t col = 0; col < headers.size(); ++col) {
    const std::string_view label = core::Trim(headers[col]);
    const std::string normalized = NormalizeLabel(label);
    ColumnMapping cm;
    bool listed = false;  // a mapping file names this column
    // A column the mapping file lists maps as the file says (~: ignored).
    const CustomMapping* file =
        overrides != nullptr ? overrides : (preset == Preset::kMapping ? custom : nullptr);
    if (file != nullptr) {
      for (const CustomMapping::Column& c : file->columns) {
        if (NormalizeLabel(c.label) != normalized) continue;
        listed = true;
        if (!c.field.empty()) cm.field = ListedField(spec, c.field);
        break;
      }
    }
    if (listed) {
      // mapped above
    } else if (preset == Preset::kHubspot || preset == Preset::kSalesforce) {
      for (const PresetLabel& l : PresetLabels(preset, kind)) {
        if (NormalizeLabel(l.label) == normalized) {
          cm.field = spec.FieldIndex(l.field);
          cm.first_of_list = l.first_of_list;
          cm.alternate = l.alternate;
          break;
        }
      }
      if (cm.field >= 0 && overridden[cm.field]) {
        cm = ColumnMapping{};
        listed = true;  // replaced by the mapping file's column, not unmapped
      }
    } else {
      cm.field = CanonicalField(spec, label);
    }
    if (cm.field >= 0 && m.field_column[cm.field] >= 0) {
      const int other = m.field_column[cm.field];
      if (cm.alternate) {  // another column fills it already
        m.columns[col] = ColumnMapping{};
        continue;
      }
      if (m.columns[other].alternate) {  // this column takes over from an alternate
        m.columns[other] = ColumnMapping{};
        m.field_column[cm.field] = static_cast<int>(col);
        m.columns[col] = cm;
        continue;
      }
    }
    if (cm.field >= 0 && m.field_column[cm.field] >= 0) {
      m.warnings.push_back("column '" + std::string(label) + "' also maps to field '" +
                           std::string(spec.fields[cm.field].name) + "' (column '" +
                           std::string(core::Trim(headers[m.field_column[cm.field]])) +
                           "' is used); ignored");
      cm.field = -1;
      listed = true;
    }
    if (cm.field >= 0) {
      m.field_column[cm.field] = static_cast<int>(col);
    } else if (!listed) {
      m.unmapped.push_back(label.empty() ? "(column " + std::to_string(col + 1) + ")"
                                         : std::string(label));
    }
    m.columns[col] = cm;
  }

  if (spec.keyed) {
    const int key = spec.FieldIndex("external_id");
    if (m.field_column[key] < 0 && preset == Preset::kHubspot) {
      // A HubSpot import file: no Record ID; HubSpot dedupes by these.
      std::string_view field;
      if (kind == Kind::kContacts) field = "email";
      if (kind == Kind::kAccounts)
        field = m.field_column[spec.FieldIndex("domain")] >= 0 ||
                        m.field_column[spec.FieldIndex("website")] >= 0
                    ? "domain"
                    : "name";
      if (kind == Kind::kOpportunities) field = "name";
      const int index = field.empty() ? -1 : spec.FieldIndex(field);
      if (index >= 0 && (m.field_column[index] >= 0 || field == "domain")) {
        m.synth_key = true;
        m.synth_key_fields = {field};
      }
    }
    if (m.field_column[key] < 0 && !m.synth_key) {
      bool can_synthesize = !spec.synth_key.empty();
      for (std::string_view f : spec.synth_key) {
        const FieldSpec& fs = spec.fields[spec.FieldIndex(f)];
        // Key parts that are references must be present (contact_id may come
        // from a lead id on campaign members).
        if (fs.required && m.field_column[spec.FieldIndex(f)] < 0) can_synthesize = false;
      }
      if (!can_synthesize) {
        return HeaderError(file_name, 0,
                           "missing key column: expected " +
                               ExpectedLabels(preset, kind, "external_id") + " in the header");
      }
      m.synth_key = true;
    }
  }
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    const FieldSpec& f = spec.fields[i];
    if (!f.required || m.field_column[i] >= 0) continue;
    return HeaderError(file_name, 0,
                       "missing required column: expected " + ExpectedLabels(preset, kind, f.name) +
                           " in the header");
  }
  return m;
}

std::vector<KindFit> KindFits(std::span<const std::string> headers) {
  std::vector<KindFit> fits;
  for (Kind kind : AllKinds()) {
    auto m = MapColumns(kind, headers, Preset::kAuto, nullptr, "");
    if (!m) continue;
    const int fields = static_cast<int>(std::count_if(
        m->field_column.begin(), m->field_column.end(), [](int c) { return c >= 0; }));
    if (fields > 0) fits.push_back({kind, fields});
  }
  std::stable_sort(fits.begin(), fits.end(),
                   [](const KindFit& a, const KindFit& b) { return a.fields > b.fields; });
  return fits;
}

}  // namespace mops::ingest::internal

namespace mops::ingest {

core::Result<Kind> DetectKind(std::string_view csv, std::string_view file_name) {
  std::vector<internal::KindFit> fits;
  int columns = 0;  // the header's non-empty labels
  const auto is_header = [&](std::span<const std::string_view> cells) {
    std::vector<std::string> labels;
    for (std::string_view c : cells) labels.emplace_back(core::Trim(c));
    columns = static_cast<int>(std::count_if(labels.begin(), labels.end(),
                                             [](const std::string& l) { return !l.empty(); }));
    fits = internal::KindFits(labels);
    return !fits.empty();
  };
  const auto found = core::FindHeaderLine(csv, internal::kHeaderSearchLines, is_header);
  const std::string name(file_name);
  // Every refusal says why and what to type instead.
  const auto refuse = [&](int64_t line, std::string why) -> core::Result<Kind> {
    return core::Fail(
        core::MakeError(core::ErrorCode::kParse, "cannot tell what records it holds: " + why)
            .At(name, line));
  };
  if (!found || fits.empty()) {
    return refuse(1, fmt::format("none of its first {} lines names the columns of a kind "
                                 "(canonical, HubSpot or Salesforce); name the kind: mops import "
                                 "KIND {}",
                                 internal::kHeaderSearchLines, name));
  }
  const std::string_view best = KindName(fits[0].kind);
  // The winner must name clearly more columns than the next kind: a header
  // of Id, Name and CreatedDate fits accounts and campaigns alike.
  if (fits.size() > 1 && fits[1].fields * 4 > fits[0].fields * 3) {
    return refuse(
        found->line,
        fmt::format("its columns fit {} ({} columns) and {} ({}) nearly as well; name "
                    "the kind: mops import {} {}",
                    best, fits[0].fields, KindName(fits[1].kind), fits[1].fields, best, name));
  }
  // A few columns that happen to fit, among many that do not (a card
  // statement's Date, Amount and Currency read as ad spend), are no
  // evidence.
  if (fits[0].fields < 4 && columns - fits[0].fields > fits[0].fields) {
    return refuse(found->line,
                  fmt::format("only {} of its {} columns fit {}; name the kind if that is what it "
                              "holds: mops import {} {}",
                              fits[0].fields, columns, best, best, name));
  }
  return fits[0].kind;
}

}  // namespace mops::ingest
