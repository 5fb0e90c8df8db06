#include "cli/config.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>

#include "cli/cli11.h"
#include "core/csv.h"
#include "core/strings.h"

namespace mops::cli {
namespace {

using store::Value;

std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, ConfigSpec>& Registry() {
  static std::map<std::string, ConfigSpec> registry;
  return registry;
}

core::Result<std::string> ReadDocument(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return core::Fail(core::MakeError(core::ErrorCode::kIo, "cannot read the file").At(path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

void RegisterConfig(ConfigSpec spec) {
  std::lock_guard lock(RegistryMutex());
  std::string name = spec.name;
  Registry().insert_or_assign(std::move(name), std::move(spec));
}

core::Result<ConfigSpec> FindConfig(std::string_view name) {
  std::lock_guard lock(RegistryMutex());
  if (auto it = Registry().find(std::string(name)); it != Registry().end()) return it->second;
  std::vector<std::string> names;
  for (const auto& [n, spec] : Registry()) names.push_back(n);
  return core::Fail(core::ErrorCode::kNotFound, "unknown config '{}' (configs: {})", name,
                    core::Join(names, ", "));
}

std::vector<ConfigSpec> RegisteredConfigs() {
  std::lock_guard lock(RegistryMutex());
  std::vector<ConfigSpec> out;
  for (const auto& [n, spec] : Registry()) out.push_back(spec);
  return out;
}

core::Result<std::optional<StoredConfig>> ReadConfig(store::Database& db, const ConfigSpec& spec) {
  const std::vector<Value> params = {spec.storage_key()};
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT body, updated_at, updated_by FROM configs WHERE name = ?", params));
  if (rows.empty()) return std::optional<StoredConfig>();
  return std::optional<StoredConfig>(StoredConfig{store::AsText(rows.rows[0][0]),
                                                  store::AsInt(rows.rows[0][1]),
                                                  store::AsText(rows.rows[0][2])});
}

core::Status WriteConfig(store::Database& db, const ConfigSpec& spec, std::string_view text,
                         std::string_view file_name, std::string_view actor, bool in_transaction) {
  if (!core::IsValidUtf8(text)) {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument, "not valid UTF-8")
                          .At(std::string(file_name)));
  }
  if (spec.validate) MOPS_TRY(spec.validate(text, file_name));
  std::optional<store::Transaction> tx;
  if (!in_transaction) {
    MOPS_ASSIGN_OR_RETURN(store::Transaction t, store::Transaction::Start(db));
    tx.emplace(std::move(t));
  }
  MOPS_ASSIGN_OR_RETURN(std::optional<StoredConfig> before, ReadConfig(db, spec));
  const core::Timestamp now = core::NowUtc();
  const std::vector<Value> row = {spec.storage_key(), std::string(text), now, std::string(actor)};
  MOPS_TRY(db.Execute(
      "INSERT INTO configs (name, body, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT "
      "(name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = "
      "excluded.updated_by",
      row));
  const std::vector<Value> audit = {now, std::string(actor), spec.storage_key(),
                                    before ? Value(before->body) : Value(), std::string(text)};
  MOPS_TRY(db.Execute(
      "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, "
      "'config.set', 'configs', ?, ?, ?)",
      audit));
  if (tx) return tx->Commit();
  return {};
}

core::Status ResetConfig(store::Database& db, const ConfigSpec& spec, std::string_view actor) {
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(std::optional<StoredConfig> before, ReadConfig(db, spec));
  if (!before) return tx.Commit();
  const std::vector<Value> key = {spec.storage_key()};
  MOPS_TRY(db.Execute("DELETE FROM configs WHERE name = ?", key));
  const std::vector<Value> audit = {core::NowUtc(), std::string(actor), spec.storage_key(),
                                    before->body};
  MOPS_TRY(db.Execute(
      "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, "
      "'config.reset', 'configs', ?, ?, NULL)",
      audit));
  return tx.Commit();
}

void RegisterConfigCommands(CLI::App& app, Context& ctx) {
  CLI::App* config = cli::AddVerb(
      app, "config",
      "Workspace configs (channel rules, CRM mapping, attribution, ...): list, show, set");
  config->require_subcommand(1);

  cli::AddVerb(*config, "list", "The configs mops knows, and whether the workspace stores one")
      ->callback([&ctx] {
        RunVerb(ctx, [&]() -> core::Status {
          MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
          Table table{{"name", "stored", "updated_at", "updated_by", "description"}, {}, {}};
          for (const ConfigSpec& spec : RegisteredConfigs()) {
            MOPS_ASSIGN_OR_RETURN(std::optional<StoredConfig> stored, ReadConfig(*db, spec));
            table.rows.push_back({spec.name, stored ? "yes" : "no (defaults)",
                                  stored ? core::FormatTimestamp(stored->updated_at) : "",
                                  stored ? stored->updated_by : "", spec.description});
          }
          PrintTable(table, ctx.format(), std::cout);
          return {};
        });
      });

  struct Args {
    std::string name;
    std::string file;
    bool defaults = false;
  };
  auto args = std::make_shared<Args>();

  CLI::App* show = cli::AddVerb(
      *config, "show", "Print the config in force: the stored document, else the defaults");
  cli::AddOption(*show, "name", args->name, "Config name (mops config list)")->required();
  cli::AddFlag(*show, "--default", args->defaults,
               "Print the built-in defaults even when one is stored");
  show->callback([&ctx, args] {
    RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(ConfigSpec spec, FindConfig(args->name));
      std::optional<StoredConfig> stored;
      if (!args->defaults) {
        MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
        MOPS_ASSIGN_OR_RETURN(stored, ReadConfig(*db, spec));
      }
      if (stored) {
        std::cerr << fmt::format("# {}: stored, updated {} by {}\n", spec.name,
                                 core::FormatTimestamp(stored->updated_at), stored->updated_by);
        std::cout << stored->body;
        if (!stored->body.ends_with('\n')) std::cout << "\n";
        return {};
      }
      const std::string text = spec.default_text ? spec.default_text() : std::string();
      std::cerr << fmt::format("# {}: built-in defaults{}\n", spec.name,
                               text.empty() ? " (not a document: nothing stored yet)" : "");
      std::cout << text;
      if (!text.empty() && !text.ends_with('\n')) std::cout << "\n";
      return {};
    });
  });

  CLI::App* set = cli::AddVerb(
      *config, "set",
      "Validate FILE and store it as the config (a file with an error changes nothing)");
  cli::AddOption(*set, "name", args->name, "Config name (mops config list)")->required();
  cli::AddOption(*set, "file", args->file, "YAML file ('-': standard input)")->required();
  set->callback([&ctx, args] {
    RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(ConfigSpec spec, FindConfig(args->name));
      MOPS_ASSIGN_OR_RETURN(std::string text, ReadDocument(args->file));
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_TRY(WriteConfig(*db, spec, text, args->file == "-" ? "stdin" : args->file, "cli"));
      std::cout << fmt::format("{}: stored ({} bytes)\n", spec.name, text.size());
      if (!spec.after_set.empty()) std::cout << spec.after_set << "\n";
      return {};
    });
  });

  CLI::App* check = cli::AddVerb(*config, "check", "Validate FILE as the config, store nothing");
  cli::AddOption(*check, "name", args->name, "Config name (mops config list)")->required();
  cli::AddOption(*check, "file", args->file, "YAML file ('-': standard input)")->required();
  check->callback([&ctx, args] {
    RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(ConfigSpec spec, FindConfig(args->name));
      MOPS_ASSIGN_OR_RETURN(std::string text, ReadDocument(args->file));
      if (spec.validate) MOPS_TRY(spec.validate(text, args->file == "-" ? "stdin" : args->file));
      std::cout << fmt::format("{}: valid\n", spec.name);
      return {};
    });
  });

  CLI::App* reset =
      cli::AddVerb(*config, "reset", "Remove the stored config: the defaults apply again");
  cli::AddOption(*reset, "name", args->name, "Config name (mops config list)")->required();
  reset->callback([&ctx, args] {
    RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(ConfigSpec spec, FindConfig(args->name));
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_TRY(ResetConfig(*db, spec, "cli"));
      std::cout << fmt::format("{}: back to the defaults\n", spec.name);
      return {};
    });
  });
}

}  // namespace mops::cli
