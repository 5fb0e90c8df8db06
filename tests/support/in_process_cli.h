// Runs `mops ARGS` inside the test process with only the verbs a slice
// registers, capturing stdout, stderr and the exit code, so a slice's CLI
// test needs neither the whole binary nor a child process. Header-only: it
// needs CLI11 and the test's cli library.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace mops::test_support {

struct CliOutcome {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// `install` registers the verbs under test on the app and context.
inline CliOutcome RunInProcess(const std::function<void(CLI::App&, cli::Context&)>& install,
                               const std::string& workspace, std::vector<std::string> args) {
  CLI::App app{"mops"};
  app.require_subcommand(1);
  app.fallthrough();
  cli::Context ctx;
  ctx.workspace = workspace;
  app.add_option("--format", ctx.format_name);
  install(app, ctx);
  std::vector<std::string> argv = {"mops"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (std::string& a : argv) raw.push_back(a.data());
  std::ostringstream out, err;
  std::streambuf* old_out = std::cout.rdbuf(out.rdbuf());
  std::streambuf* old_err = std::cerr.rdbuf(err.rdbuf());
  CliOutcome run;
  try {
    app.parse(static_cast<int>(raw.size()), raw.data());
    run.exit_code = ctx.exit_code;
  } catch (const CLI::ParseError& e) {
    run.exit_code = 2;
    err << e.what();
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

}  // namespace mops::test_support
