#include "cli/cli.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>

#include "cli/cli11.h"
#include "core/csv.h"

namespace mops::cli {

Format Context::format() const {
  if (format_name == "csv") return Format::kCsv;
  if (format_name == "json") return Format::kJson;
  return Format::kTable;
}

core::Result<std::unique_ptr<store::Database>> Context::OpenWorkspace() const {
  MOPS_ASSIGN_OR_RETURN(auto db, store::Open(workspace));
  MOPS_TRY(store::Migrate(*db));
  return db;
}

CLI::App* AddVerb(CLI::App& app, std::string name, std::string description) {
  return app.add_subcommand(std::move(name), std::move(description));
}

CLI::Option* AddOption(CLI::App& app, std::string name, std::string& into,
                       std::string description) {
  return app.add_option(std::move(name), into, std::move(description));
}

CLI::Option* AddOption(CLI::App& app, std::string name, int& into, std::string description) {
  return app.add_option(std::move(name), into, std::move(description));
}

CLI::Option* AddOption(CLI::App& app, std::string name, int64_t& into, std::string description) {
  return app.add_option(std::move(name), into, std::move(description));
}

CLI::Option* AddOption(CLI::App& app, std::string name, double& into, std::string description) {
  return app.add_option(std::move(name), into, std::move(description));
}

CLI::Option* AddOption(CLI::App& app, std::string name, std::vector<std::string>& into,
                       std::string description) {
  return app.add_option(std::move(name), into, std::move(description));
}

CLI::Option* AddFlag(CLI::App& app, std::string name, bool& into, std::string description) {
  return app.add_flag(std::move(name), into, std::move(description));
}

CLI::Validator OneOf(std::initializer_list<const char*> names) { return CLI::IsMember(names); }

CLI::Validator InRange(int min, int max) { return CLI::Range(min, max); }

CLI::Validator InRange(double min, double max) { return CLI::Range(min, max); }

bool Context::interactive() const { return !quiet && isatty(STDERR_FILENO) == 1; }

void RunVerb(Context& ctx, const std::function<core::Status()>& body) {
  core::Status status;
  try {
    status = body();
  } catch (const std::exception& e) {
    status = core::Fail(core::ErrorCode::kInternal, "{}", e.what());
  }
  if (!status) {
    std::cerr << "mops: " << status.error().ToString() << "\n";
    ctx.exit_code = 1;
  }
}

namespace {

// The option named by `arg` ("--workspace", "-w") on this app or the apps
// above it (options fall through to verbs), or nullptr.
const CLI::Option* FindOption(const std::vector<const CLI::App*>& chain, const std::string& arg) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (const CLI::Option* opt = (*it)->get_option_no_throw(arg)) return opt;
  }
  return nullptr;
}

bool HasPositionals(const CLI::App& app) {
  for (const CLI::Option* opt : app.get_options()) {
    if (!opt->nonpositional()) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> UnknownVerb(const CLI::App& app, int argc, const char* const* argv) {
  std::vector<const CLI::App*> chain{&app};
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") return std::nullopt;
    if (arg.size() > 1 && arg[0] == '-') {
      // "--name=value" and "-wvalue" carry their value; "--name value" does not.
      const bool attached = arg.find('=') != std::string::npos || (arg[1] != '-' && arg.size() > 2);
      if (attached) continue;
      const CLI::Option* opt = FindOption(chain, arg);
      if (opt != nullptr && opt->get_type_size_max() > 0 && opt->get_expected_max() > 0) ++i;
      continue;
    }
    const CLI::App* current = chain.back();
    auto verbs = current->get_subcommands(
        [](const CLI::App* sub) { return !sub->get_name().empty() && !sub->get_disabled(); });
    if (verbs.empty()) return std::nullopt;
    auto found = std::find_if(verbs.begin(), verbs.end(),
                              [&](const CLI::App* sub) { return sub->check_name(arg); });
    if (found == verbs.end()) {
      if (HasPositionals(*current)) return std::nullopt;
      std::vector<std::string> names;
      for (const CLI::App* sub : verbs) names.push_back(sub->get_name());
      std::sort(names.begin(), names.end());
      return fmt::format("unknown command '{}{}'; the commands are: {}", path, arg,
                         fmt::join(names, ", "));
    }
    path += arg + " ";
    chain.push_back(*found);
  }
  return std::nullopt;
}

namespace {

// Display width of a UTF-8 string: counts code points, which is right for
// the Latin, Greek and Cyrillic text CRM exports mostly hold.
size_t DisplayWidth(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool IsNumeric(const Table& table, size_t column) {
  return column < table.numeric.size() && table.numeric[column];
}

}  // namespace

void PrintTable(const Table& table, Format format, std::ostream& out) {
  switch (format) {
    case Format::kCsv: {
      core::CsvWriter writer(',', /*neutralize_formulas=*/true);
      writer.Row(table.columns);
      for (const auto& row : table.rows) writer.Row(row);
      out << writer.data();
      return;
    }
    case Format::kJson: {
      nlohmann::json doc = nlohmann::json::array();
      for (const auto& row : table.rows) {
        nlohmann::json obj = nlohmann::json::object();
        for (size_t i = 0; i < table.columns.size() && i < row.size(); ++i) {
          if (IsNumeric(table, i) && !row[i].empty()) {
            // Numbers stay numbers for scripts; fall back to text if unparsable.
            try {
              size_t used = 0;
              double d = std::stod(row[i], &used);
              if (used == row[i].size()) {
                if (row[i].find_first_of(".eE") == std::string::npos) {
                  obj[table.columns[i]] = std::stoll(row[i]);
                } else {
                  obj[table.columns[i]] = d;
                }
                continue;
              }
            } catch (const std::exception&) {
            }
          }
          obj[table.columns[i]] = row[i];
        }
        doc.push_back(std::move(obj));
      }
      out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      return;
    }
    case Format::kTable: {
      std::vector<size_t> widths(table.columns.size());
      for (size_t i = 0; i < table.columns.size(); ++i) widths[i] = DisplayWidth(table.columns[i]);
      for (const auto& row : table.rows) {
        for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
          widths[i] = std::max(widths[i], DisplayWidth(row[i]));
        }
      }
      auto cell = [&](std::string_view text, size_t i) {
        std::string pad(widths[i] - std::min(widths[i], DisplayWidth(text)), ' ');
        if (IsNumeric(table, i)) {
          out << pad << text;
        } else {
          out << text << pad;
        }
      };
      for (size_t i = 0; i < table.columns.size(); ++i) {
        if (i > 0) out << "  ";
        cell(table.columns[i], i);
      }
      out << "\n";
      for (size_t i = 0; i < table.columns.size(); ++i) {
        if (i > 0) out << "  ";
        out << std::string(widths[i], '-');
      }
      out << "\n";
      for (const auto& row : table.rows) {
        for (size_t i = 0; i < table.columns.size(); ++i) {
          if (i > 0) out << "  ";
          cell(i < row.size() ? std::string_view(row[i]) : std::string_view(), i);
        }
        out << "\n";
      }
      return;
    }
  }
}

// Text that is not UTF-8 (a file name is any bytes) prints with U+FFFD rather
// than throwing.
void PrintJson(const nlohmann::json& doc, std::ostream& out) {
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

Progress::Progress(const Context& ctx, std::string label, int64_t total)
    : enabled_(ctx.interactive()), label_(std::move(label)), total_(total) {}

Progress::~Progress() { Done(); }

void Progress::Update(int64_t done) {
  if (!enabled_ || total_ <= 0) return;
  const int64_t percent = std::clamp<int64_t>(done * 100 / total_, 0, 100);
  if (percent == last_percent_) return;
  last_percent_ = percent;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(percent * kWidth / 100);
  std::cerr << fmt::format("\r{} [{}{}] {:3}%", label_, std::string(filled, '#'),
                           std::string(kWidth - filled, ' '), percent)
            << std::flush;
}

void Progress::Done() {
  if (!enabled_ || last_percent_ < 0) return;
  std::cerr << "\r\033[K" << std::flush;
  last_percent_ = -1;
  enabled_ = false;
}

}  // namespace mops::cli
