// Linkage configs and file mode: `mops quality dedup` and `mops quality link`.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "core/csv.h"
#include "core/strings.h"
#include "core/yaml_line.h"
#include "quality/linkage/linkage.h"

namespace mops::quality::linkage {
namespace {

using core::ErrorCode;

using core::MarkLine;

std::unexpected<core::Error> ConfigError(std::string_view name, int64_t line, std::string message) {
  return core::Fail(
      core::MakeError(ErrorCode::kInvalidArgument, std::move(message)).At(std::string(name), line));
}

// "First Name" -> "firstname": how header labels are recognized.
std::string LabelKey(std::string_view label) {
  std::string out;
  for (char c : label) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
    } else if (c >= 'A' && c <= 'Z') {
      out.push_back(core::AsciiToLower(c));
    }
  }
  return out;
}

struct Recognized {
  std::string_view field;
  Comparison comparison;
  bool term_frequency;
  std::vector<std::string_view> labels;
};

// The usual columns of contact and account exports, as LabelKey sees them.
const std::vector<Recognized>& RecognizedColumns() {
  static const std::vector<Recognized> kColumns = {
      {"email",
       Comparison::kEmail,
       false,
       {"email", "emailaddress", "email1", "mail", "workemail", "businessemail"}},
      {"first_name",
       Comparison::kName,
       true,
       {"firstname", "first", "givenname", "fname", "forename"}},
      {"last_name",
       Comparison::kName,
       true,
       {"lastname", "last", "surname", "familyname", "lname"}},
      {"phone",
       Comparison::kPhone,
       true,
       {"phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone", "workphone",
        "businessphone"}},
      {"company",
       Comparison::kCompany,
       true,
       {"company", "companyname", "accountname", "organization", "organisation", "employer",
        "account"}},
      {"domain",
       Comparison::kDomain,
       false,
       {"domain", "website", "companydomain", "companydomainname", "url", "web"}},
      {"city", Comparison::kText, true, {"city", "town", "suburb", "mailingcity", "billingcity"}},
      {"dob", Comparison::kDate, false, {"dob", "dateofbirth", "birthdate", "birthday"}},
      {"postcode",
       Comparison::kExact,
       true,
       {"postcode", "zip", "zipcode", "postalcode", "mailingpostalcode", "billingpostalcode"}},
  };
  return kColumns;
}

constexpr std::string_view kIdLabels[] = {"id",       "externalid", "uniqueid", "recid",
                                          "recordid", "contactid",  "leadid",   "accountid"};

bool HasField(std::span<const FieldSpec> fields, std::string_view name) {
  return std::any_of(fields.begin(), fields.end(),
                     [&](const FieldSpec& f) { return f.name == name; });
}

core::Result<double> ProbabilityValue(const YAML::Node& value, std::string_view key,
                                      std::string_view name, int64_t line) {
  double v = 0;
  try {
    v = value.as<double>();
  } catch (const YAML::Exception&) {
    return ConfigError(name, line, fmt::format("'{}' must be a probability in (0, 1)", key));
  }
  if (!(v > 0 && v < 1)) {
    return ConfigError(name, line,
                       fmt::format("'{}' must be a probability in (0, 1), not {}", key, v));
  }
  return v;
}

core::Result<size_t> PositiveValue(const YAML::Node& value, std::string_view key,
                                   std::string_view name, int64_t line) {
  int64_t v = 0;
  try {
    v = value.as<int64_t>();
  } catch (const YAML::Exception&) {
    return ConfigError(name, line, fmt::format("'{}' must be a whole number >= 2", key));
  }
  if (v < 2) return ConfigError(name, line, fmt::format("'{}' must be >= 2, not {}", key, v));
  return static_cast<size_t>(v);
}

core::Status ParseField(const YAML::Node& node, std::string_view name, LinkageConfig& config) {
  const int64_t line = MarkLine(node);
  FieldSpec spec;
  bool has_type = false;
  if (!node.IsMap()) {
    return ConfigError(name, line, "a field is a map: {name: ..., type: ...}");
  }
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    const int64_t kline = MarkLine(entry.first);
    if (key == "name") {
      spec.name = std::string(core::Trim(value.as<std::string>()));
    } else if (key == "column") {
      spec.column = std::string(core::Trim(value.as<std::string>()));
    } else if (key == "type" || key == "comparison") {
      auto c = ParseComparison(value.as<std::string>());
      if (!c) return ConfigError(name, kline, "fields: " + c.error().message);
      spec.comparison = *c;
      has_type = true;
    } else if (key == "term_frequency" || key == "tf") {
      try {
        spec.term_frequency = value.as<bool>();
      } catch (const YAML::Exception&) {
        return ConfigError(name, kline, "'term_frequency' must be true or false");
      }
    } else {
      return ConfigError(
          name, kline,
          "unknown field key '" + key + "' (expected name, type, column, term_frequency)");
    }
  }
  if (spec.name.empty()) return ConfigError(name, line, "a field needs a 'name'");
  if (!has_type) {
    return ConfigError(name, line,
                       "field '" + spec.name +
                           "' needs a 'type' (exact, name, text, email, phone, date, number, "
                           "company or domain)");
  }
  if (HasField(config.fields, spec.name)) {
    return ConfigError(name, line, "field '" + spec.name + "' is defined twice");
  }
  if (spec.column.empty()) spec.column = spec.name;
  config.fields.push_back(std::move(spec));
  config.field_lines.push_back(line);
  return {};
}

core::Status WriteAtomically(const std::string& path, const std::string& data) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return core::Fail(ErrorCode::kIo, "cannot write {}", path);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      return core::Fail(ErrorCode::kIo, "cannot write {}", path);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return core::Fail(ErrorCode::kIo, "cannot write {}: {}", path, ec.message());
  }
  return {};
}

double Since(std::chrono::steady_clock::time_point& t) {
  const auto now = std::chrono::steady_clock::now();
  const double s = std::chrono::duration<double>(now - t).count();
  t = now;
  return s;
}

void DescribeModel(const Model& model, FileReport& report) {
  report.prior = model.prior;
  report.em_iterations = model.iterations;
  for (size_t f = 0; f < model.fields.size(); ++f) {
    const FieldModel& fm = model.fields[f];
    std::string text;
    for (size_t l = 1; l < fm.m.size(); ++l) {
      if (!text.empty()) text += ", ";
      text += fmt::format("{} {:+.1f}", LevelLabel(fm.comparison, static_cast<int>(l)),
                          model.LevelWeight(f, static_cast<int>(l)));
    }
    report.weights.emplace_back(fm.name, std::move(text));
  }
}

}  // namespace

core::Result<LinkageConfig> ParseConfig(std::string_view yaml, std::string_view name) {
  LinkageConfig config;
  config.name = std::string(name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    return core::Fail(core::MakeError(ErrorCode::kParse, "invalid YAML: " + e.msg)
                          .At(std::string(name), e.mark.line + 1, e.mark.column + 1));
  }
  if (!root.IsMap()) {
    return ConfigError(name, MarkLine(root),
                       "a linkage config is a YAML map with 'fields' (and optionally 'id', "
                       "'blocking', 'threshold', ...)");
  }
  bool has_fields = false;
  try {
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      const YAML::Node& value = entry.second;
      const int64_t line = MarkLine(entry.first);
      if (key == "id") {
        if (!value.IsScalar()) return ConfigError(name, line, "'id' must be a column name");
        config.id_column = std::string(core::Trim(value.as<std::string>()));
      } else if (key == "threshold") {
        MOPS_ASSIGN_OR_RETURN(config.threshold, ProbabilityValue(value, key, name, line));
      } else if (key == "review_threshold") {
        MOPS_ASSIGN_OR_RETURN(config.review_threshold, ProbabilityValue(value, key, name, line));
      } else if (key == "cluster_floor") {
        MOPS_ASSIGN_OR_RETURN(config.cluster_floor, ProbabilityValue(value, key, name, line));
      } else if (key == "max_block_size") {
        MOPS_ASSIGN_OR_RETURN(config.max_block_size, PositiveValue(value, key, name, line));
      } else if (key == "max_cluster_size") {
        MOPS_ASSIGN_OR_RETURN(config.max_cluster_size, PositiveValue(value, key, name, line));
      } else if (key == "one_to_one") {
        try {
          config.one_to_one = value.as<bool>();
        } catch (const YAML::Exception&) {
          return ConfigError(name, line, "'one_to_one' must be true or false");
        }
      } else if (key == "fields") {
        if (!value.IsSequence() || value.size() == 0) {
          return ConfigError(name, line, "'fields' must be a list of {name, type} maps");
        }
        has_fields = true;
        for (const auto& field : value) MOPS_TRY(ParseField(field, name, config));
      } else if (key == "blocking") {
        if (!value.IsSequence()) {
          return ConfigError(
              name, line, "'blocking' must be a list of keys like 'soundex(surname) + postcode'");
        }
        for (const auto& k : value) {
          if (!k.IsScalar()) return ConfigError(name, MarkLine(k), "a blocking key must be text");
          config.blocking.push_back(k.as<std::string>());
          config.blocking_lines.push_back(MarkLine(k));
        }
      } else {
        return ConfigError(name, line,
                           "unknown key '" + key +
                               "' (expected id, fields, blocking, threshold, review_threshold, "
                               "cluster_floor, max_block_size, max_cluster_size, one_to_one)");
      }
    }
  } catch (const YAML::Exception& e) {
    return ConfigError(name, e.mark.line + 1, "invalid linkage config: " + e.msg);
  }
  if (!has_fields) return ConfigError(name, 1, "missing 'fields'");
  if (config.review_threshold > config.threshold) {
    return ConfigError(name, 1, "'review_threshold' must not be above 'threshold'");
  }
  if (config.blocking.empty()) config.blocking = DefaultBlocking(config.fields);
  if (config.blocking.empty()) {
    return ConfigError(name, 1,
                       "no 'blocking' keys, and none can be derived from the fields: add e.g. "
                       "blocking: [\"email\"]");
  }
  // Keys are checked here so that the error names the line.
  for (size_t i = 0; i < config.blocking.size(); ++i) {
    auto key = ParseBlockingKey(config.blocking[i], config.fields);
    if (!key) {
      return ConfigError(name, i < config.blocking_lines.size() ? config.blocking_lines[i] : 1,
                         "blocking: " + key.error().message);
    }
  }
  return config;
}

core::Result<LinkageConfig> LoadConfig(const std::string& path) {
  MOPS_ASSIGN_OR_RETURN(std::string text, core::ReadFile(path));
  return ParseConfig(text, path);
}

std::vector<std::string> DefaultBlocking(std::span<const FieldSpec> fields) {
  std::vector<std::string> keys;
  const auto has = [&](std::string_view n) { return HasField(fields, n); };
  if (has("email")) {
    keys.emplace_back("email");
  }
  if (has("phone")) keys.emplace_back("last7(phone)");
  if (has("domain")) {
    keys.emplace_back(has("last_name") ? "domain + soundex(last_name)" : "domain");
  }
  if (has("company")) {
    keys.emplace_back(has("last_name") ? "company + soundex(last_name)" : "company");
  }
  if (has("first_name") && has("last_name")) keys.emplace_back("first_name + last_name");
  if (has("dob")) {
    keys.emplace_back(has("last_name") ? "dob + initial(last_name)" : "dob");
    if (has("first_name")) keys.emplace_back("dob + initial(first_name)");
  }
  if (has("postcode") && has("last_name")) keys.emplace_back("postcode + soundex(last_name)");
  if (keys.empty() && has("company")) keys.emplace_back("company");
  return keys;
}

core::Result<LinkageConfig> DefaultConfig(std::span<const std::string> header,
                                          std::string_view file) {
  LinkageConfig config;
  config.name = "default config";
  std::vector<std::string> keys;
  for (const std::string& h : header) keys.push_back(LabelKey(h));
  for (std::string_view id : kIdLabels) {
    const auto it = std::find(keys.begin(), keys.end(), id);
    if (it != keys.end() && config.id_column.empty()) {
      config.id_column = header[it - keys.begin()];
    }
  }
  const bool has_person = std::any_of(keys.begin(), keys.end(), [](const std::string& k) {
    return k == "lastname" || k == "surname" || k == "firstname";
  });
  for (const Recognized& r : RecognizedColumns()) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (std::find(r.labels.begin(), r.labels.end(), keys[i]) == r.labels.end()) continue;
      config.fields.push_back({std::string(r.field), header[i], r.comparison, r.term_frequency});
      config.field_lines.push_back(0);
      break;
    }
  }
  // An account export names the company "name".
  if (!has_person && !HasField(config.fields, "company")) {
    const auto it = std::find(keys.begin(), keys.end(), "name");
    if (it != keys.end()) {
      config.fields.push_back({"company", header[it - keys.begin()], Comparison::kCompany, true});
      config.field_lines.push_back(0);
    }
  }
  if (config.fields.empty()) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument,
                        "no column is recognized (email, first_name, last_name, phone, company, "
                        "domain, city, dob, postcode); pass --config with the fields to compare")
            .At(std::string(file), 1));
  }
  config.blocking = DefaultBlocking(config.fields);
  return config;
}

core::Result<PipelineOptions> PipelineFor(const LinkageConfig& config) {
  PipelineOptions options;
  for (size_t i = 0; i < config.blocking.size(); ++i) {
    auto key = ParseBlockingKey(config.blocking[i], config.fields);
    if (!key) {
      return ConfigError(config.name,
                         i < config.blocking_lines.size() ? config.blocking_lines[i] : 0,
                         "blocking: " + key.error().message);
    }
    options.blocking.push_back(std::move(*key));
  }
  options.block.max_block_size = config.max_block_size;
  options.threshold = config.threshold;
  options.cluster_floor = config.cluster_floor;
  options.max_cluster_size = config.max_cluster_size;
  options.one_to_one = config.one_to_one;
  return options;
}

core::Result<LinkageFile> ReadLinkageFile(const std::string& path, const LinkageConfig* config,
                                          LinkageConfig* used_config,
                                          std::string_view keep_column) {
  LinkageFile file;
  file.path = path;
  MOPS_ASSIGN_OR_RETURN(std::string text, core::ReadFile(path));
  core::CsvOptions csv;
  csv.trim_fields = true;
  csv.file_name = path;
  core::CsvReader reader(text, csv);
  std::vector<std::string_view> fields;
  MOPS_ASSIGN_OR_RETURN(bool any, reader.Next(fields));
  if (!any) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, "empty file: no header").At(path, 1));
  }
  for (std::string_view h : fields) file.header.emplace_back(core::Trim(h));

  LinkageConfig local;
  if (!config) {
    MOPS_ASSIGN_OR_RETURN(local, DefaultConfig(file.header, path));
    config = &local;
  }
  const auto column_of = [&](std::string_view label) -> int {
    for (size_t i = 0; i < file.header.size(); ++i) {
      if (core::IEquals(file.header[i], label)) return static_cast<int>(i);
    }
    return -1;
  };
  std::vector<int> columns;
  for (size_t f = 0; f < config->fields.size(); ++f) {
    const int c = column_of(config->fields[f].column);
    if (c < 0) {
      core::Error e = core::MakeError(
          ErrorCode::kInvalidArgument,
          fmt::format("column '{}' is not in {} (its columns: {})", config->fields[f].column, path,
                      core::Join(file.header, ", ")));
      const int64_t line = f < config->field_lines.size() ? config->field_lines[f] : 0;
      // A recognized (default) field is the file's business, not a config's.
      if (line == 0) return core::Fail(std::move(e).At(path, 1).InField(config->fields[f].name));
      return core::Fail(std::move(e).At(config->name, line).InField(config->fields[f].name));
    }
    columns.push_back(c);
  }
  int id_column = -1;
  if (!config->id_column.empty()) {
    id_column = column_of(config->id_column);
    if (id_column < 0) {
      return core::Fail(
          core::MakeError(ErrorCode::kInvalidArgument,
                          fmt::format("id column '{}' is not in {}", config->id_column, path))
              .At(config->name, 0)
              .InField("id"));
    }
  }
  const int keep = keep_column.empty() ? -1 : column_of(keep_column);
  if (!keep_column.empty() && keep < 0) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      fmt::format("column '{}' is not in {}", keep_column, path))
                          .At(path, 1));
  }

  const size_t estimate = static_cast<size_t>(core::CountLines(text));
  file.records.fields.resize(config->fields.size());
  for (TextColumn& col : file.records.fields) col.Reserve(estimate, text.size() / 8);
  file.ids.Reserve(estimate, estimate * 8);
  std::unordered_set<std::string_view> seen;
  std::vector<std::string> owned_ids;  // only when ids come from the file
  int64_t row = 0;
  std::string number;
  while (true) {
    MOPS_ASSIGN_OR_RETURN(bool more, reader.Next(fields));
    if (!more) break;
    ++row;
    if (row >= (int64_t{1} << 32) - 1) {
      return core::Fail(ErrorCode::kInvalidArgument, "{}: more than 4 billion rows", path);
    }
    for (size_t f = 0; f < columns.size(); ++f) {
      file.records.fields[f].Add(NormalizeValue(config->fields[f].comparison, fields[columns[f]]));
    }
    if (id_column >= 0) {
      const std::string_view id = core::Trim(fields[id_column]);
      if (id.empty()) {
        return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                          fmt::format("empty id in column '{}'", config->id_column))
                              .At(path, reader.record_line(), id_column + 1));
      }
      file.ids.Add(id);
    } else {
      number = std::to_string(row);
      file.ids.Add(number);
    }
    if (keep >= 0) file.extra.emplace_back(core::Trim(fields[keep]));
  }
  if (id_column >= 0) {
    seen.reserve(file.ids.size());
    for (size_t i = 0; i < file.ids.size(); ++i) {
      if (!seen.insert(file.ids[i]).second) {
        return core::Fail(
            core::MakeError(
                ErrorCode::kInvalidArgument,
                fmt::format("id '{}' appears more than once (data row {})", file.ids[i], i + 1))
                .At(path, 0)
                .InField(config->id_column));
      }
    }
  }
  if (used_config) *used_config = *config;
  return file;
}

// The --config file when one is named; without one, fields come from the
// headers.
static core::Result<std::optional<LinkageConfig>> LoadConfigIfGiven(const std::string& path) {
  if (path.empty()) return std::optional<LinkageConfig>();
  MOPS_ASSIGN_OR_RETURN(LinkageConfig config, LoadConfig(path));
  return std::optional<LinkageConfig>(std::move(config));
}

core::Result<FileReport> DedupFile(const DedupFileOptions& options) {
  FileReport report;
  auto clock = std::chrono::steady_clock::now();
  MOPS_ASSIGN_OR_RETURN(std::optional<LinkageConfig> loaded,
                        LoadConfigIfGiven(options.config_path));
  LinkageConfig config = loaded.value_or(LinkageConfig{});
  const LinkageConfig* given = loaded ? &config : nullptr;
  if (options.on_stage) options.on_stage("read", 0);
  MOPS_ASSIGN_OR_RETURN(LinkageFile file, ReadLinkageFile(options.input, given, &config));
  report.read_seconds = Since(clock);
  report.records = static_cast<int64_t>(file.records.size());
  MOPS_ASSIGN_OR_RETURN(PipelineOptions pipeline, PipelineFor(config));
  pipeline.threads = std::max(1, options.threads);
  pipeline.on_stage = options.on_stage;
  DedupOutcome outcome = Deduplicate(file.records, config.fields, pipeline);
  report.times = outcome.times;
  report.candidate_pairs = static_cast<int64_t>(outcome.pairs.size());
  report.refused_joins = outcome.clustering.refused_floor + outcome.clustering.refused_size;
  DescribeModel(outcome.model, report);
  Since(clock);

  const std::vector<uint32_t>& cluster = outcome.clustering.cluster;
  std::vector<uint32_t> sizes(cluster.size(), 0);
  for (uint32_t c : cluster) ++sizes[c];
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] >= 2) {
      ++report.clusters;
      report.clustered_records += sizes[i];
    }
  }
  for (double p : outcome.scores.probability) report.matched_pairs += p >= config.threshold;

  if (options.on_stage) options.on_stage("write", static_cast<int64_t>(cluster.size()));
  core::CsvWriter out(',', true);
  out.mutable_data().reserve(cluster.size() * 24);
  out.Field("id");
  out.Field("cluster_id");
  out.EndRow();
  for (size_t i = 0; i < cluster.size(); ++i) {
    out.Field(file.ids[i]);
    out.Field(file.ids[cluster[i]]);
    out.EndRow();
  }
  MOPS_TRY(WriteAtomically(options.out, out.data()));

  if (!options.pairs_out.empty()) {
    core::CsvWriter pairs(',', true);
    pairs.Row({"id_a", "id_b", "match_weight", "probability", "status", "explanation"});
    std::vector<std::string_view> va(config.fields.size()), vb(config.fields.size());
    std::vector<float> share(config.fields.size());
    for (size_t p = 0; p < outcome.pairs.size(); ++p) {
      const double prob = outcome.scores.probability[p];
      if (prob < config.review_threshold) continue;
      const Pair pr = outcome.pairs[p];
      for (size_t f = 0; f < config.fields.size(); ++f) {
        va[f] = file.records.fields[f][pr.a];
        vb[f] = file.records.fields[f][pr.b];
        share[f] = PairShare(outcome.tf, outcome.levels.Row(p), f, pr.a);
      }
      nlohmann::json explanation = nlohmann::json::array();
      for (const FieldContribution& c :
           Explain(outcome.model, outcome.levels.Row(p), share, va, vb)) {
        explanation.push_back({{"field", c.field},
                               {"comparison", c.comparison},
                               {"level", c.level},
                               {"weight", std::round(c.weight * 1000) / 1000},
                               {"value_a", c.value_a},
                               {"value_b", c.value_b}});
      }
      pairs.Field(file.ids[pr.a]);
      pairs.Field(file.ids[pr.b]);
      pairs.Field(std::round(outcome.scores.weight[p] * 1000) / 1000);
      pairs.Field(std::round(prob * 1e6) / 1e6);
      pairs.Field(prob >= config.threshold ? "match" : "review");
      pairs.Field(explanation.dump());
      pairs.EndRow();
    }
    MOPS_TRY(WriteAtomically(options.pairs_out, pairs.data()));
  }
  report.write_seconds = Since(clock);
  return report;
}

core::Result<FileReport> LinkFiles(const LinkFileOptions& options) {
  FileReport report;
  auto clock = std::chrono::steady_clock::now();
  MOPS_ASSIGN_OR_RETURN(std::optional<LinkageConfig> loaded,
                        LoadConfigIfGiven(options.config_path));
  LinkageConfig config = loaded.value_or(LinkageConfig{});
  const LinkageConfig* given = loaded ? &config : nullptr;
  if (options.on_stage) options.on_stage("read", 0);
  MOPS_ASSIGN_OR_RETURN(LinkageFile left, ReadLinkageFile(options.left, given, &config));
  // The right-hand file is read with the left's fields, whichever way they came.
  MOPS_ASSIGN_OR_RETURN(LinkageFile right, ReadLinkageFile(options.right, &config));
  report.read_seconds = Since(clock);
  report.records = static_cast<int64_t>(left.records.size() + right.records.size());
  MOPS_ASSIGN_OR_RETURN(PipelineOptions pipeline, PipelineFor(config));
  pipeline.threads = std::max(1, options.threads);
  pipeline.on_stage = options.on_stage;
  LinkOutcome outcome = Link(left.records, right.records, config.fields, pipeline);
  report.times = outcome.times;
  report.candidate_pairs = static_cast<int64_t>(outcome.pairs.size());
  report.matched_pairs = static_cast<int64_t>(outcome.links.size());
  DescribeModel(outcome.model, report);
  Since(clock);
  if (options.on_stage) options.on_stage("write", static_cast<int64_t>(outcome.links.size()));
  core::CsvWriter out(',', true);
  out.Row({"id_a", "id_b", "score"});
  for (const ScoredPair& l : outcome.links) {
    out.Field(left.ids[l.a]);
    out.Field(right.ids[l.b]);
    out.Field(std::round(Probability(l.weight) * 1e6) / 1e6);
    out.EndRow();
  }
  MOPS_TRY(WriteAtomically(options.out, out.data()));
  report.write_seconds = Since(clock);
  return report;
}

}  // namespace mops::quality::linkage
