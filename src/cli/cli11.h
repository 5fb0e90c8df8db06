// The part of CLI11 that defining verbs needs: CLI::App, options, flags,
// validators and the parse errors. Files that add verbs include this header,
// not <CLI/CLI.hpp>.
//
// Why not the whole library: CLI11's help formatter (Formatter.hpp) and config
// file reader (Config.hpp) define their classes' first virtual function inline,
// which makes every translation unit that includes them emit and optimise the
// whole formatter and config parser (about 5 CPU seconds per unit at -O2, for
// code nobody in that unit calls). Without those two headers, a unit refers to
// the formatter's and config reader's vtables and the linker takes them from
// cli/cli.cc, the one unit that includes <CLI/CLI.hpp> (and that every binary
// with verbs links, through mops_cli). Help output and parsing are unchanged:
// it is the same code, compiled once.
//
// The same goes for defining a verb: CLI::App's add_subcommand, add_option<T>
// and add_flag are inline templates and members whose instantiations (the App
// and Option constructors, the name parsers, each type's conversion lambdas)
// cost about 2 CPU seconds in every unit that calls them. Verb files call
// AddVerb, AddOption and AddFlag below instead: the same CLI11 calls with the
// same arguments, compiled once in cli/cli.cc, so help and parsing are
// unchanged. A type without an overload here goes through the inline
// template (correct, only not shared).
#pragma once

#include <CLI/App.hpp>
#include <CLI/Error.hpp>
#include <CLI/Option.hpp>
#include <CLI/Validators.hpp>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace mops::cli {

// app.add_subcommand(name, description).
CLI::App* AddVerb(CLI::App& app, std::string name, std::string description = "");

// app.add_option(name, into, description).
CLI::Option* AddOption(CLI::App& app, std::string name, std::string& into,
                       std::string description = "");
CLI::Option* AddOption(CLI::App& app, std::string name, int& into, std::string description = "");
CLI::Option* AddOption(CLI::App& app, std::string name, int64_t& into,
                       std::string description = "");
CLI::Option* AddOption(CLI::App& app, std::string name, double& into, std::string description = "");
CLI::Option* AddOption(CLI::App& app, std::string name, std::vector<std::string>& into,
                       std::string description = "");
template <typename T>
CLI::Option* AddOption(CLI::App& app, std::string name, T& into, std::string description = "") {
  return app.add_option(std::move(name), into, std::move(description));
}

// app.add_flag(name, into, description).
CLI::Option* AddFlag(CLI::App& app, std::string name, bool& into, std::string description = "");

// CLI::IsMember({"a", "b"}) and CLI::Range(lo, hi), built once in cli/cli.cc
// (each inline construction costs about 0.3 CPU s per unit): pass the result
// to Option::check as before.
CLI::Validator OneOf(std::initializer_list<const char*> names);
CLI::Validator InRange(int min, int max);
CLI::Validator InRange(double min, double max);

}  // namespace mops::cli
