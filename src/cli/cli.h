// CLI infrastructure shared by every capability's verbs.
//
// main.cc builds one CLI::App and a Context, then each capability's
// RegisterCommands(app, ctx) adds its verbs. A verb's callback does its work
// through RunVerb, which turns a returned Error (or a thrown library
// exception) into a message on stderr and exit code 1. Usage errors exit 2
// (CLI11's own handling).
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/database.h"

// CLI11's App, declared only: this header is included by services and routes
// that never touch CLI11. Files that add verbs include "cli/cli11.h".
namespace CLI {
class App;
}  // namespace CLI

namespace mops::cli {

enum class Format { kTable, kCsv, kJson };

// A report in a neutral shape, printed in the format the user chose.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  // Columns whose values are numbers: right-aligned in tables, unquoted in JSON.
  std::vector<bool> numeric;
};

void PrintTable(const Table& table, Format format, std::ostream& out);
// JSON documents print as JSON whatever the format (used by --format json
// reports that are not tables).
void PrintJson(const nlohmann::json& doc, std::ostream& out);

class Context {
 public:
  // Global options, bound by main.cc.
  std::string workspace = "mops.db";
  std::string format_name = "table";
  bool quiet = false;

  Format format() const;
  // Opens and migrates the workspace named by --workspace / MOPS_WORKSPACE.
  core::Result<std::unique_ptr<store::Database>> OpenWorkspace() const;
  // True when stderr is a terminal (progress bars only then).
  bool interactive() const;

  int exit_code = 0;
};

// Checks the verbs named on the command line before CLI11 parses it, because
// CLI11 reads `mops leads --help` as a help request for mops itself (exit 0).
// Walks argv (argv[0] is the program) down the verb tree, skipping options and
// the values of those that take one; when a word stands where only a verb can
// (an app with verbs and no positional arguments) and names none of them,
// returns "unknown command 'leads'" followed by the verbs that exist there.
// Returns nothing when every verb exists (CLI11 then reports any other error).
std::optional<std::string> UnknownVerb(const CLI::App& app, int argc, const char* const* argv);

// Runs a verb body: on error prints "mops: <error>" to stderr and sets exit 1.
void RunVerb(Context& ctx, const std::function<core::Status()>& body);

// Progress on stderr, only when stderr is a terminal. Thread-compatible.
class Progress {
 public:
  Progress(const Context& ctx, std::string label, int64_t total);
  ~Progress();
  void Update(int64_t done);
  void Done();

 private:
  bool enabled_;
  std::string label_;
  int64_t total_;
  int64_t last_percent_ = -1;
};

}  // namespace mops::cli
