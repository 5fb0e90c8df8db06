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
#pragma once

#include <CLI/App.hpp>
#include <CLI/Error.hpp>
#include <CLI/Option.hpp>
#include <CLI/Validators.hpp>
