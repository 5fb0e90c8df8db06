// Workspace mode: matching the workspace's contacts and accounts, the review
// queue, incremental matching and the clusters merging acts on.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "core/strings.h"
#include "core/time.h"
#include "quality/linkage/linkage.h"

namespace mops::quality::linkage {
namespace {

using core::ErrorCode;
using Json = nlohmann::json;
using store::Value;

// What is compared for each entity: the table's columns as FieldSpecs, the
// blocking keys and the thresholds. The default below, or the workspace's
// config (configs: linkage.config.<entity>).
struct EntitySpec {
  std::string_view table;
  std::string select;  // id first, then one column per field, in order
  std::vector<FieldSpec> fields;
  std::vector<std::string> blocking;
  double threshold = 0.999;
  double review_threshold = 0.5;
  double cluster_floor = 0.5;
  size_t max_block_size = 500;
  size_t max_cluster_size = 100;
};

// Columns a workspace config may compare (the only names that reach SQL).
const std::vector<std::string_view>& AllowedColumns(std::string_view entity) {
  static const std::vector<std::string_view> kContacts = {
      "email",      "first_name",      "last_name",    "title",          "seniority",
      "department", "phone",           "company_name", "country",        "state",
      "city",       "lifecycle_stage", "lead_status",  "original_source"};
  static const std::vector<std::string_view> kAccounts = {"name",     "domain",    "website",
                                                          "industry", "employees", "annual_revenue",
                                                          "country",  "state",     "city"};
  return entity == "accounts" ? kAccounts : kContacts;
}

std::string WorkspaceConfigName(std::string_view entity) {
  return "linkage.config." + std::string(entity);
}

const EntitySpec& DefaultSpec(std::string_view entity) {
  static const EntitySpec kContacts = [] {
    EntitySpec s;
    s.table = "contacts";
    s.select =
        "SELECT id, email, first_name, last_name, phone, company_name, city FROM contacts "
        "WHERE merged_into IS NULL ORDER BY id";
    s.fields = {{"email", "email", Comparison::kEmail, false},
                {"first_name", "first_name", Comparison::kName, true},
                {"last_name", "last_name", Comparison::kName, true},
                {"phone", "phone", Comparison::kPhone, true},
                {"company", "company_name", Comparison::kCompany, true},
                {"city", "city", Comparison::kText, true}};
    s.blocking = DefaultBlocking(s.fields);
    return s;
  }();
  static const EntitySpec kAccounts = [] {
    EntitySpec s;
    s.table = "accounts";
    s.select =
        "SELECT id, name, COALESCE(domain, website), city, country FROM accounts "
        "WHERE merged_into IS NULL ORDER BY id";
    s.fields = {{"company", "name", Comparison::kCompany, true},
                {"domain", "domain", Comparison::kDomain, false},
                {"city", "city", Comparison::kText, true},
                {"country", "country", Comparison::kExact, false}};
    s.blocking = {"domain", "company", "prefix3(company) + city"};
    return s;
  }();
  return entity == "accounts" ? kAccounts : kContacts;
}

// The entity's spec from a parsed config; kInvalidArgument naming the
// config line when a column is not one that may be compared.
core::Result<EntitySpec> SpecFromConfig(std::string_view entity, const LinkageConfig& config) {
  EntitySpec spec;
  spec.table = DefaultSpec(entity).table;
  spec.select = "SELECT id";
  const auto& allowed = AllowedColumns(entity);
  for (size_t f = 0; f < config.fields.size(); ++f) {
    const FieldSpec& field = config.fields[f];
    if (std::find(allowed.begin(), allowed.end(), field.column) == allowed.end()) {
      return core::Fail(
          core::MakeError(
              ErrorCode::kInvalidArgument,
              fmt::format(
                  "column '{}' cannot be compared in {} (use one of: {})", field.column, spec.table,
                  core::Join(std::vector<std::string>(allowed.begin(), allowed.end()), ", ")))
              .At(config.name, f < config.field_lines.size() ? config.field_lines[f] : 0)
              .InField(field.name));
    }
    spec.select += ", " + field.column;
  }
  spec.select += " FROM " + std::string(spec.table) + " WHERE merged_into IS NULL ORDER BY id";
  spec.fields = config.fields;
  spec.blocking = config.blocking;
  spec.threshold = config.threshold;
  spec.review_threshold = config.review_threshold;
  spec.cluster_floor = config.cluster_floor;
  spec.max_block_size = config.max_block_size;
  spec.max_cluster_size = config.max_cluster_size;
  return spec;
}

core::Result<EntitySpec> LoadSpec(store::Database& db, std::string_view entity) {
  MOPS_ASSIGN_OR_RETURN(Value body, db.QueryValue("SELECT body FROM configs WHERE name = ?",
                                                  std::vector<Value>{WorkspaceConfigName(entity)}));
  if (store::IsNull(body)) return DefaultSpec(entity);
  MOPS_ASSIGN_OR_RETURN(LinkageConfig config,
                        ParseConfig(store::AsText(body), WorkspaceConfigName(entity)));
  return SpecFromConfig(entity, config);
}

std::string ModelConfigName(std::string_view entity) {
  return "linkage.model." + std::string(entity);
}
std::string ModeConfigName(std::string_view entity) {
  return "linkage.incremental." + std::string(entity);
}

// The entity's records that are not merged away, normalized.
struct Loaded {
  std::vector<int64_t> ids;
  Records records;
  std::unordered_map<int64_t, uint32_t> index;
};

core::Result<Loaded> LoadRecords(store::Database& db, const EntitySpec& spec) {
  std::vector<store::ColumnType> types(spec.fields.size() + 1, store::ColumnType::kText);
  types[0] = store::ColumnType::kInt;
  MOPS_ASSIGN_OR_RETURN(auto columns, db.ScanColumns(spec.select, {}, types));
  Loaded out;
  out.ids = std::move(columns[0].ints);
  out.records.fields.resize(spec.fields.size());
  for (size_t f = 0; f < spec.fields.size(); ++f) {
    const auto& texts = columns[f + 1].texts;
    for (const std::string& v : texts) {
      out.records.fields[f].Add(NormalizeValue(spec.fields[f].comparison, v));
    }
  }
  out.index.reserve(out.ids.size());
  for (size_t i = 0; i < out.ids.size(); ++i) out.index[out.ids[i]] = static_cast<uint32_t>(i);
  return out;
}

Json ModelToJson(const Model& model, std::string_view entity, int64_t records,
                 const EntitySpec& spec) {
  Json fields = Json::array();
  for (const FieldModel& f : model.fields) {
    fields.push_back({{"name", f.name},
                      {"comparison", std::string(ComparisonName(f.comparison))},
                      {"term_frequency", f.term_frequency},
                      {"m", f.m},
                      {"u", f.u}});
  }
  return Json{{"entity", entity},
              {"prior", model.prior},
              {"iterations", model.iterations},
              {"converged", model.converged},
              {"u_pairs", model.u_pairs},
              {"em_pairs", model.em_pairs},
              {"records", records},
              {"threshold", spec.threshold},
              {"review_threshold", spec.review_threshold},
              {"cluster_floor", spec.cluster_floor},
              {"fields", fields}};
}

core::Result<Model> ModelFromJson(const Json& doc, const EntitySpec& spec) {
  Model model;
  try {
    model.prior = doc.at("prior").get<double>();
    for (const Json& f : doc.at("fields")) {
      FieldModel fm;
      fm.name = f.at("name").get<std::string>();
      MOPS_ASSIGN_OR_RETURN(fm.comparison, ParseComparison(f.at("comparison").get<std::string>()));
      fm.term_frequency = f.at("term_frequency").get<bool>();
      fm.m = f.at("m").get<std::vector<double>>();
      fm.u = f.at("u").get<std::vector<double>>();
      if (fm.m.size() != static_cast<size_t>(LevelCount(fm.comparison)) ||
          fm.u.size() != fm.m.size()) {
        return core::Fail(ErrorCode::kInvalidArgument, "field '{}' has the wrong level count",
                          fm.name);
      }
      model.fields.push_back(std::move(fm));
    }
  } catch (const Json::exception& e) {
    return core::Fail(ErrorCode::kInvalidArgument, "stored model is not readable: {}", e.what());
  }
  if (model.fields.size() != spec.fields.size()) {
    return core::Fail(ErrorCode::kInvalidArgument,
                      "stored model has {} fields, {} expects {}: run `mops quality match` again",
                      model.fields.size(), spec.table, spec.fields.size());
  }
  for (size_t f = 0; f < spec.fields.size(); ++f) {
    if (model.fields[f].name != spec.fields[f].name) {
      return core::Fail(ErrorCode::kInvalidArgument,
                        "stored model's field {} is '{}', not '{}': run `mops quality match` again",
                        f + 1, model.fields[f].name, spec.fields[f].name);
    }
  }
  return model;
}

core::Result<std::optional<Model>> LoadModel(store::Database& db, std::string_view entity,
                                             const EntitySpec& spec) {
  MOPS_ASSIGN_OR_RETURN(Value body, db.QueryValue("SELECT body FROM configs WHERE name = ?",
                                                  std::vector<Value>{ModelConfigName(entity)}));
  if (store::IsNull(body)) return std::optional<Model>();
  Json doc = Json::parse(store::AsText(body), nullptr, false);
  if (doc.is_discarded()) {
    return core::Fail(ErrorCode::kInvalidArgument,
                      "configs '{}' is not JSON: run `mops quality match` again",
                      ModelConfigName(entity));
  }
  auto model = ModelFromJson(doc, spec);
  if (!model) {
    return core::Fail(std::move(model).error().InField(ModelConfigName(entity)));
  }
  return std::optional<Model>(std::move(*model));
}

core::Status Audit(store::Database& db, std::string_view actor, std::string_view action,
                   std::string_view entity, std::string_view entity_id, const Json& before,
                   const Json& after) {
  const auto dump = [](const Json& j) -> Value {
    if (j.is_null()) return std::monostate{};
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  MOPS_TRY(db.Execute(
      "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      std::vector<Value>{int64_t{core::NowUtc()}, std::string(actor), std::string(action),
                         std::string(entity), std::string(entity_id), dump(before), dump(after)}));
  return {};
}

Json ExplanationJson(const Model& model, const Loaded& loaded, const TermFrequencies& tf,
                     std::span<const uint8_t> levels, uint32_t a, uint32_t b) {
  const size_t nf = model.fields.size();
  std::vector<std::string_view> va(nf), vb(nf);
  std::vector<float> share(nf, 0);
  for (size_t f = 0; f < nf; ++f) {
    va[f] = loaded.records.fields[f][a];
    vb[f] = loaded.records.fields[f][b];
    share[f] = PairShare(tf, levels, f, a);
  }
  Json out = Json::array();
  for (const FieldContribution& c : Explain(model, levels, share, va, vb)) {
    out.push_back({{"field", c.field},
                   {"comparison", c.comparison},
                   {"level", c.level},
                   {"weight", std::round(c.weight * 1000) / 1000},
                   {"value_a", c.value_a},
                   {"value_b", c.value_b}});
  }
  return out;
}

struct Existing {
  int64_t id;
  std::string status;
};

bool IsDecided(std::string_view status) {
  return status == "accepted" || status == "rejected" || status == "merged";
}

// Writes scored pairs (probability >= review threshold). Decided pairs keep
// their status. With `prune`, undecided pairs of the entity that were not
// scored again are deleted.
struct WriteCounts {
  int64_t matches = 0, review = 0, decided = 0, removed = 0;
};

core::Result<WriteCounts> WritePairs(store::Database& db, std::string_view entity,
                                     const EntitySpec& spec, const Model& model,
                                     const Loaded& loaded, const TermFrequencies& tf,
                                     std::span<const Pair> pairs, const LevelMatrix& levels,
                                     const Scores& scores, bool prune) {
  WriteCounts counts;
  std::map<std::pair<int64_t, int64_t>, Existing> existing;
  {
    MOPS_ASSIGN_OR_RETURN(
        store::Rows rows,
        db.Query("SELECT id, record_a, record_b, status FROM match_pairs WHERE entity = ?",
                 std::vector<Value>{std::string(entity)}));
    for (const auto& r : rows.rows) {
      existing[{store::AsInt(r[1]), store::AsInt(r[2])}] = {store::AsInt(r[0]),
                                                            store::AsText(r[3])};
    }
  }
  MOPS_ASSIGN_OR_RETURN(
      auto insert,
      db.Prepare("INSERT INTO match_pairs (entity, record_a, record_b, match_weight, probability, "
                 "explanation, status, found_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  MOPS_ASSIGN_OR_RETURN(auto update,
                        db.Prepare("UPDATE match_pairs SET match_weight = ?, probability = ?, "
                                   "explanation = ?, status = ?, found_at = ? WHERE id = ?"));
  const int64_t now = core::NowUtc();
  std::set<int64_t> kept;
  for (size_t p = 0; p < pairs.size(); ++p) {
    const double prob = scores.probability[p];
    if (prob < spec.review_threshold) continue;
    int64_t ra = loaded.ids[pairs[p].a], rb = loaded.ids[pairs[p].b];
    uint32_t ia = pairs[p].a, ib = pairs[p].b;
    if (ra > rb) {
      std::swap(ra, rb);
      std::swap(ia, ib);
    }
    const std::string status = prob >= spec.threshold ? "match" : "review";
    const auto it = existing.find({ra, rb});
    if (it != existing.end() && IsDecided(it->second.status)) {
      ++counts.decided;
      kept.insert(it->second.id);
      continue;
    }
    const std::string explanation = ExplanationJson(model, loaded, tf, levels.Row(p), ia, ib)
                                        .dump(-1, ' ', false, Json::error_handler_t::replace);
    const double weight = std::round(scores.weight[p] * 1e4) / 1e4;
    if (it != existing.end()) {
      kept.insert(it->second.id);
      MOPS_TRY(update->ExecuteQueued(
          std::vector<Value>{weight, prob, explanation, status, now, it->second.id}));
    } else {
      MOPS_TRY(insert->ExecuteQueued(
          std::vector<Value>{std::string(entity), ra, rb, weight, prob, explanation, status, now}));
    }
    ++(status == "match" ? counts.matches : counts.review);
  }
  if (prune) {
    MOPS_ASSIGN_OR_RETURN(auto remove, db.Prepare("DELETE FROM match_pairs WHERE id = ?"));
    for (const auto& [key, e] : existing) {
      if (!IsDecided(e.status) && !kept.contains(e.id)) {
        MOPS_TRY(remove->ExecuteQueued(std::vector<Value>{e.id}));
        ++counts.removed;
      }
    }
  }
  MOPS_TRY(db.Flush());
  return counts;
}

MergeCallback& MergerSlot() {
  static MergeCallback merger;
  return merger;
}

ReviewItem ItemFromRow(const std::vector<Value>& r) {
  ReviewItem item;
  item.id = store::AsInt(r[0]);
  item.entity = store::AsText(r[1]);
  item.record_a = store::AsInt(r[2]);
  item.record_b = store::AsInt(r[3]);
  item.match_weight = store::AsDouble(r[4]);
  item.probability = store::AsDouble(r[5]);
  item.status = store::AsText(r[6]);
  item.explanation = store::AsText(r[7]);
  return item;
}

constexpr std::string_view kPairColumns =
    "SELECT id, entity, record_a, record_b, match_weight, probability, status, explanation "
    "FROM match_pairs ";

core::Result<Decision> Decide(store::Database& db, int64_t id, std::string_view status,
                              std::string_view actor) {
  Decision decision;
  {
    MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
    MOPS_ASSIGN_OR_RETURN(ReviewItem pair, GetPair(db, id));
    if (IsDecided(pair.status)) {
      return core::Fail(ErrorCode::kConflict, "pair {} is already {}", id, pair.status);
    }
    MOPS_TRY(db.Execute(
        "UPDATE match_pairs SET status = ?, decided_at = ?, decided_by = ? WHERE id = ?",
        std::vector<Value>{std::string(status), int64_t{core::NowUtc()}, std::string(actor), id}));
    MOPS_TRY(Audit(db, actor,
                   status == "accepted" ? "quality.review.accept" : "quality.review.reject",
                   "match_pairs", std::to_string(id), Json{{"status", pair.status}},
                   Json{{"status", status},
                        {"entity", pair.entity},
                        {"record_a", pair.record_a},
                        {"record_b", pair.record_b}}));
    MOPS_TRY(tx.Commit());
    pair.status = std::string(status);
    decision.pair = std::move(pair);
  }
  if (status == "accepted" && MergerSlot()) {
    const std::vector<int64_t> ids = {decision.pair.record_a, decision.pair.record_b};
    MOPS_ASSIGN_OR_RETURN(int64_t merge_id, MergerSlot()(db, decision.pair.entity, ids));
    decision.merge_id = merge_id;
    MOPS_TRY(db.Execute("UPDATE match_pairs SET status = 'merged' WHERE id = ?",
                        std::vector<Value>{id}));
    decision.pair.status = "merged";
  }
  return decision;
}

}  // namespace

core::Status SetWorkspaceConfig(store::Database& db, std::string_view entity, std::string_view yaml,
                                std::string_view name, std::string_view actor) {
  MOPS_TRY(CheckEntity(entity));
  MOPS_ASSIGN_OR_RETURN(LinkageConfig config, ParseConfig(yaml, name));
  if (!config.id_column.empty()) {
    return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                      "'id' has no place in a workspace config: records are "
                                      "keyed by their id")
                          .At(std::string(name), 1)
                          .InField("id"));
  }
  MOPS_TRY(SpecFromConfig(entity, config));
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_TRY(db.Execute(
      "INSERT INTO configs (name, body, updated_at, updated_by) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, "
      "updated_by = excluded.updated_by",
      std::vector<Value>{WorkspaceConfigName(entity), std::string(yaml), int64_t{core::NowUtc()},
                         std::string(actor)}));
  MOPS_TRY(Audit(db, actor, "quality.match.config", std::string(entity), "", nullptr,
                 Json{{"config", std::string(yaml)}}));
  return tx.Commit();
}

core::Status CheckEntity(std::string_view entity) {
  if (entity == "contacts" || entity == "accounts") return {};
  return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                    fmt::format("unknown entity '{}' (expected contacts or "
                                                "accounts)",
                                                entity))
                        .InField("entity"));
}

core::Result<MatchReport> Match(store::Database& db, std::string_view entity,
                                std::string_view actor) {
  MOPS_TRY(CheckEntity(entity));
  const auto start = std::chrono::steady_clock::now();
  MOPS_ASSIGN_OR_RETURN(const EntitySpec spec, LoadSpec(db, entity));
  MatchReport report;
  report.entity = std::string(entity);
  MOPS_ASSIGN_OR_RETURN(Loaded loaded, LoadRecords(db, spec));
  report.records = static_cast<int64_t>(loaded.ids.size());
  PipelineOptions options;
  for (const std::string& k : spec.blocking) {
    MOPS_ASSIGN_OR_RETURN(BlockingKey key, ParseBlockingKey(k, spec.fields));
    options.blocking.push_back(std::move(key));
  }
  options.block.max_block_size = spec.max_block_size;
  options.threshold = spec.threshold;
  options.cluster_floor = spec.cluster_floor;
  options.max_cluster_size = spec.max_cluster_size;
  options.threads = 2;
  DedupOutcome outcome = Deduplicate(loaded.records, spec.fields, options);
  report.candidate_pairs = static_cast<int64_t>(outcome.pairs.size());
  report.prior = outcome.model.prior;
  report.em_iterations = outcome.model.iterations;

  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(WriteCounts counts,
                        WritePairs(db, entity, spec, outcome.model, loaded, outcome.tf,
                                   outcome.pairs, outcome.levels, outcome.scores, true));
  const Json model = ModelToJson(outcome.model, entity, report.records, spec);
  MOPS_TRY(db.Execute(
      "INSERT INTO configs (name, body, updated_at, updated_by) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, "
      "updated_by = excluded.updated_by",
      std::vector<Value>{ModelConfigName(entity), model.dump(), int64_t{core::NowUtc()},
                         std::string(actor)}));
  report.matches = counts.matches;
  report.review = counts.review;
  report.decided = counts.decided;
  report.removed = counts.removed;
  MOPS_TRY(Audit(db, actor, "quality.match", std::string(entity), "", nullptr,
                 Json{{"records", report.records},
                      {"candidate_pairs", report.candidate_pairs},
                      {"matches", report.matches},
                      {"review", report.review},
                      {"decided", report.decided},
                      {"removed", report.removed},
                      {"prior", report.prior}}));
  MOPS_TRY(tx.Commit());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

core::Result<IncrementalMode> ParseIncrementalMode(std::string_view name) {
  const std::string lower = core::ToLower(core::Trim(name));
  if (lower == "off") return IncrementalMode::kOff;
  if (lower == "flag") return IncrementalMode::kFlag;
  if (lower == "merge") return IncrementalMode::kMerge;
  return core::Fail(
      core::MakeError(ErrorCode::kInvalidArgument,
                      fmt::format("unknown mode '{}' (expected flag, merge or off)", name))
          .InField("on_import"));
}

std::string_view IncrementalModeName(IncrementalMode mode) {
  switch (mode) {
    case IncrementalMode::kOff:
      return "off";
    case IncrementalMode::kFlag:
      return "flag";
    case IncrementalMode::kMerge:
      return "merge";
  }
  return "flag";
}

core::Result<IncrementalMode> GetIncrementalMode(store::Database& db, std::string_view entity) {
  MOPS_TRY(CheckEntity(entity));
  MOPS_ASSIGN_OR_RETURN(Value body, db.QueryValue("SELECT body FROM configs WHERE name = ?",
                                                  std::vector<Value>{ModeConfigName(entity)}));
  if (store::IsNull(body)) return IncrementalMode::kFlag;
  return ParseIncrementalMode(store::AsText(body));
}

core::Status SetIncrementalMode(store::Database& db, std::string_view entity, IncrementalMode mode,
                                std::string_view actor) {
  MOPS_TRY(CheckEntity(entity));
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(IncrementalMode before, GetIncrementalMode(db, entity));
  MOPS_TRY(db.Execute(
      "INSERT INTO configs (name, body, updated_at, updated_by) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, "
      "updated_by = excluded.updated_by",
      std::vector<Value>{ModeConfigName(entity), std::string(IncrementalModeName(mode)),
                         int64_t{core::NowUtc()}, std::string(actor)}));
  MOPS_TRY(Audit(db, actor, "quality.match.on_import", std::string(entity), "",
                 Json{{"on_import", IncrementalModeName(before)}},
                 Json{{"on_import", IncrementalModeName(mode)}}));
  return tx.Commit();
}

core::Result<IncrementalReport> MatchNew(store::Database& db, std::string_view entity,
                                         std::span<const int64_t> new_ids,
                                         const MergeCallback& merge, std::string_view actor) {
  MOPS_TRY(CheckEntity(entity));
  IncrementalReport report;
  MOPS_ASSIGN_OR_RETURN(IncrementalMode mode, GetIncrementalMode(db, entity));
  if (mode == IncrementalMode::kOff || new_ids.empty()) return report;
  report.new_records = static_cast<int64_t>(new_ids.size());
  MOPS_ASSIGN_OR_RETURN(const EntitySpec spec, LoadSpec(db, entity));
  MOPS_ASSIGN_OR_RETURN(std::optional<Model> stored, LoadModel(db, entity, spec));
  if (!stored) {
    MOPS_ASSIGN_OR_RETURN(MatchReport full, Match(db, entity, actor));
    report.trained = true;
    report.candidate_pairs = full.candidate_pairs;
    report.matches = full.matches;
    report.review = full.review;
  } else {
    MOPS_ASSIGN_OR_RETURN(Loaded loaded, LoadRecords(db, spec));
    std::vector<uint32_t> focus;
    for (int64_t id : new_ids) {
      const auto it = loaded.index.find(id);
      if (it != loaded.index.end()) focus.push_back(it->second);
    }
    std::sort(focus.begin(), focus.end());
    std::vector<BlockingKey> keys;
    for (const std::string& k : spec.blocking) {
      MOPS_ASSIGN_OR_RETURN(BlockingKey key, ParseBlockingKey(k, spec.fields));
      keys.push_back(std::move(key));
    }
    BlockingOptions block;
    block.max_block_size = spec.max_block_size;
    const std::vector<Pair> pairs = BlockPairsTouching(loaded.records, keys, focus, block);
    const LevelMatrix levels = CompareAll(loaded.records, loaded.records, spec.fields, pairs, 2);
    const TermFrequencies tf = ComputeTermFrequencies(loaded.records, nullptr, spec.fields);
    const Scores scores = ScorePairs(*stored, levels, pairs, tf);
    report.candidate_pairs = static_cast<int64_t>(pairs.size());
    MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
    MOPS_ASSIGN_OR_RETURN(WriteCounts counts, WritePairs(db, entity, spec, *stored, loaded, tf,
                                                         pairs, levels, scores, false));
    report.matches = counts.matches;
    report.review = counts.review;
    MOPS_TRY(Audit(db, actor, "quality.match.incremental", std::string(entity), "", nullptr,
                   Json{{"new_records", report.new_records},
                        {"candidate_pairs", report.candidate_pairs},
                        {"matches", report.matches},
                        {"review", report.review}}));
    MOPS_TRY(tx.Commit());
  }
  if (mode == IncrementalMode::kMerge && merge) {
    const std::set<int64_t> fresh(new_ids.begin(), new_ids.end());
    MOPS_ASSIGN_OR_RETURN(auto clusters, MatchedClusters(db, entity));
    for (const auto& cluster : clusters) {
      if (std::none_of(cluster.begin(), cluster.end(),
                       [&](int64_t id) { return fresh.contains(id); })) {
        continue;
      }
      MOPS_ASSIGN_OR_RETURN(int64_t merge_id, merge(db, entity, cluster));
      (void)merge_id;
      ++report.merged_clusters;
      for (size_t x = 0; x < cluster.size(); ++x) {
        for (size_t y = x + 1; y < cluster.size(); ++y) {
          MOPS_TRY(db.Execute(
              "UPDATE match_pairs SET status = 'merged', decided_at = ?, decided_by = ? "
              "WHERE entity = ? AND record_a = ? AND record_b = ? AND status IN ('match', "
              "'accepted')",
              std::vector<Value>{int64_t{core::NowUtc()}, std::string(actor), std::string(entity),
                                 cluster[x], cluster[y]}));
        }
      }
    }
  }
  return report;
}

core::Result<std::vector<std::vector<int64_t>>> MatchedClusters(store::Database& db,
                                                                std::string_view entity) {
  MOPS_TRY(CheckEntity(entity));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT p.record_a, p.record_b, p.match_weight, p.status FROM match_pairs p "
               "JOIN " +
                   std::string(DefaultSpec(entity).table) + " a ON a.id = p.record_a " + "JOIN " +
                   std::string(DefaultSpec(entity).table) + " b ON b.id = p.record_b " +
                   "WHERE p.entity = ? AND a.merged_into IS NULL AND b.merged_into IS NULL "
                   "ORDER BY p.record_a, p.record_b",
               std::vector<Value>{std::string(entity)}));
  // Dense indexes over the records that take part in a match.
  std::vector<int64_t> ids;
  std::unordered_map<int64_t, uint32_t> index;
  const auto idx = [&](int64_t id) {
    const auto [it, added] = index.emplace(id, static_cast<uint32_t>(ids.size()));
    if (added) ids.push_back(id);
    return it->second;
  };
  constexpr double kDecided = 1000;  // a human decision outweighs any score
  std::map<std::pair<uint32_t, uint32_t>, double> stored;
  std::vector<ScoredPair> edges;
  for (const auto& r : rows.rows) {
    const std::string status = store::AsText(r[3]);
    if (status == "merged") continue;
    const uint32_t a = idx(store::AsInt(r[0])), b = idx(store::AsInt(r[1]));
    double w = store::AsDouble(r[2]);
    if (status == "accepted") w = kDecided;
    if (status == "rejected") w = -kDecided;
    stored[{std::min(a, b), std::max(a, b)}] = w;
    if (status == "match" || status == "accepted") edges.push_back({a, b, w});
  }
  if (edges.empty()) return std::vector<std::vector<int64_t>>{};

  // Pairs that were not stored (below the review band, or never blocked
  // together) are scored with the stored model on demand.
  std::optional<Model> model;
  std::optional<Loaded> loaded;
  std::optional<TermFrequencies> tf;
  core::Status lazy_error;
  MOPS_ASSIGN_OR_RETURN(const EntitySpec spec, LoadSpec(db, entity));
  std::vector<uint8_t> row(spec.fields.size());
  const auto weight_of = [&](uint32_t x, uint32_t y) -> double {
    const auto it = stored.find({std::min(x, y), std::max(x, y)});
    if (it != stored.end()) return it->second;
    if (!lazy_error) return -kDecided;
    if (!loaded) {
      auto m = LoadModel(db, entity, spec);
      auto l = LoadRecords(db, spec);
      if (!m || !*m || !l) {
        lazy_error = !m   ? core::Fail(m.error())
                     : !l ? core::Fail(l.error())
                          : core::Fail(ErrorCode::kNotFound,
                                       "no trained model for {}: run `mops quality match`", entity);
        return -kDecided;
      }
      model = std::move(**m);
      loaded = std::move(*l);
      tf = ComputeTermFrequencies(loaded->records, nullptr, spec.fields);
    }
    const auto ia = loaded->index.find(ids[x]);
    const auto ib = loaded->index.find(ids[y]);
    if (ia == loaded->index.end() || ib == loaded->index.end()) return -kDecided;
    CompareOne(loaded->records, loaded->records, spec.fields, ia->second, ib->second, row.data());
    double w = model->PriorWeight();
    for (size_t f = 0; f < row.size(); ++f) {
      w += FieldWeight(*model, f, row[f], PairShare(*tf, row, f, ia->second));
    }
    return w;
  };
  ClusterOptions options;
  options.threshold_weight = -kDecided;  // every 'match' and 'accepted' pair is a candidate
  options.floor_weight = WeightOfProbability(spec.cluster_floor);
  options.max_cluster_size = spec.max_cluster_size;
  const Clustering clustering = ClusterPairs(ids.size(), edges, options, weight_of);
  MOPS_TRY(lazy_error);
  std::map<uint32_t, std::vector<int64_t>> groups;
  for (uint32_t i = 0; i < ids.size(); ++i) groups[clustering.cluster[i]].push_back(ids[i]);
  std::vector<std::vector<int64_t>> out;
  for (auto& [rep, members] : groups) {
    if (members.size() < 2) continue;
    std::sort(members.begin(), members.end());
    out.push_back(std::move(members));
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

core::Status CheckStatus(std::string_view status) {
  static const std::set<std::string_view> kStatuses = {"match", "review", "accepted", "rejected",
                                                       "merged"};
  if (kStatuses.contains(status)) return {};
  return core::Fail(core::MakeError(ErrorCode::kInvalidArgument,
                                    fmt::format("unknown status '{}' (expected match, review, "
                                                "accepted, rejected or merged)",
                                                status))
                        .InField("status"));
}

core::Status CheckLimit(int limit) {
  if (limit >= 1 && limit <= 1000) return {};
  return core::Fail(
      core::MakeError(ErrorCode::kInvalidArgument, "limit must be 1-1000").InField("limit"));
}

}  // namespace

core::Result<std::vector<ReviewItem>> ListReview(store::Database& db, std::string_view entity,
                                                 std::string_view status, int limit,
                                                 int64_t offset) {
  MOPS_TRY(CheckEntity(entity));
  if (status.empty()) status = "review";
  MOPS_TRY(CheckStatus(status));
  MOPS_TRY(CheckLimit(limit));
  if (offset < 0) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument, "offset must be >= 0").InField("offset"));
  }
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query(
          std::string(kPairColumns) +
              "WHERE entity = ? AND status = ? ORDER BY probability DESC, id LIMIT ? OFFSET ?",
          std::vector<Value>{std::string(entity), std::string(status), int64_t{limit}, offset}));
  std::vector<ReviewItem> items;
  for (const auto& r : rows.rows) items.push_back(ItemFromRow(r));
  return items;
}

core::Result<int64_t> CountPairs(store::Database& db, std::string_view entity,
                                 std::string_view status) {
  MOPS_TRY(CheckEntity(entity));
  if (status.empty()) status = "review";
  MOPS_TRY(CheckStatus(status));
  MOPS_ASSIGN_OR_RETURN(
      Value n, db.QueryValue("SELECT COUNT(*) FROM match_pairs WHERE entity = ? AND status = ?",
                             std::vector<Value>{std::string(entity), std::string(status)}));
  return store::AsInt(n);
}

core::Result<std::vector<ReviewItem>> FoundPairs(store::Database& db, std::string_view entity,
                                                 double min_probability, int limit) {
  MOPS_TRY(CheckEntity(entity));
  MOPS_TRY(CheckLimit(limit));
  if (!(min_probability >= 0 && min_probability <= 1)) {
    return core::Fail(
        core::MakeError(ErrorCode::kInvalidArgument,
                        fmt::format("min-probability must be in [0, 1], not {}", min_probability))
            .InField("min_probability"));
  }
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query(std::string(kPairColumns) +
                   "WHERE entity = ? AND status IN ('match', 'review') AND probability >= ? "
                   "ORDER BY probability DESC, id LIMIT ?",
               std::vector<Value>{std::string(entity), min_probability, int64_t{limit}}));
  std::vector<ReviewItem> items;
  for (const auto& r : rows.rows) items.push_back(ItemFromRow(r));
  return items;
}

core::Result<ReviewItem> GetPair(store::Database& db, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(store::Rows rows, db.Query(std::string(kPairColumns) + "WHERE id = ?",
                                                   std::vector<Value>{id}));
  if (rows.empty()) return core::Fail(ErrorCode::kNotFound, "no match pair with id {}", id);
  return ItemFromRow(rows.rows[0]);
}

core::Result<Decision> AcceptPair(store::Database& db, int64_t id, std::string_view actor) {
  return Decide(db, id, "accepted", actor);
}

core::Result<Decision> RejectPair(store::Database& db, int64_t id, std::string_view actor) {
  return Decide(db, id, "rejected", actor);
}

void InstallMerger(MergeCallback merge) { MergerSlot() = std::move(merge); }
const MergeCallback& InstalledMerger() { return MergerSlot(); }

}  // namespace mops::quality::linkage
