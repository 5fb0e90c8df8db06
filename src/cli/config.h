// The config registry behind `mops config`: the YAML documents a workspace
// stores in its `configs` table (channel rules, CRM mapping, attribution
// settings, ...), each registered once by the capability that reads it.
//
// A capability registers a ConfigSpec (name, description, validator, default
// text, storage key) with one RegisterConfig call before the command line is
// parsed; `mops config list|show|set|check|reset` then works on it without
// more code. Set validates first and writes the document and its audit_log
// entry in one transaction: a document that does not validate changes
// nothing. The registry is thread-safe; specs are copied in.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cli.h"
#include "core/error.h"
#include "core/time.h"
#include "store/database.h"

namespace mops::cli {

struct ConfigSpec {
  std::string name;         // what `mops config` calls it: "channels"
  std::string description;  // one line
  // Checks a document; errors name `file_name` and the line and key at fault.
  std::function<core::Status(std::string_view text, std::string_view file_name)> validate;
  // The document in force when none is stored (shown by `config show`);
  // empty when the defaults are not a document.
  std::function<std::string()> default_text;
  // The configs.name row that holds it; empty: `name`.
  std::string key;
  // A line printed after a successful set (what to run next); may be empty.
  std::string after_set;

  const std::string& storage_key() const { return key.empty() ? name : key; }
};

// Adds or replaces the config of `spec.name`.
void RegisterConfig(ConfigSpec spec);
// The registered config named `name`, or a kNotFound error listing the names.
core::Result<ConfigSpec> FindConfig(std::string_view name);
// Every registered config, by name.
std::vector<ConfigSpec> RegisteredConfigs();

struct StoredConfig {
  std::string body;
  core::Timestamp updated_at = 0;
  std::string updated_by;
};
// The stored document, nullopt when the workspace uses the defaults.
core::Result<std::optional<StoredConfig>> ReadConfig(store::Database& db, const ConfigSpec& spec);
// Validates `text` and stores it with an audit_log entry (config.set), in one
// transaction (or the caller's, when `in_transaction`).
core::Status WriteConfig(store::Database& db, const ConfigSpec& spec, std::string_view text,
                         std::string_view file_name, std::string_view actor,
                         bool in_transaction = false);
// Removes the stored document (back to the defaults), audit-logged
// (config.reset). Nothing stored: nothing to do.
core::Status ResetConfig(store::Database& db, const ConfigSpec& spec, std::string_view actor);

// Registers `mops config list|show|set|check|reset`.
void RegisterConfigCommands(CLI::App& app, Context& ctx);

}  // namespace mops::cli
