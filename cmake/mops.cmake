# mops_library(NAME SRCS a.cc b.cc DEPS x y): one CMake library per src/ folder.
# A folder may only include what its DEPS name, so a layering mistake fails to build.
set(MOPS_WARNINGS -Wall -Wextra -Werror)

# Precompiled headers: the library headers that most translation units include
# (directly or through error.h, cli.h, http.h) are parsed once into mops_pch
# and every mops library and test reuses that. GCC accepts the shared header
# only if the flags and macros it depends on match, so mops_pch links what
# every user links (fmt's FMT_SHARED) and compiles with the same options;
# CMake adds -Winvalid-pch, so with -Werror a mismatch fails the build loudly.
# On by default, except under ccache, which cannot cache compiles that use a
# precompiled header unless its sloppiness is configured (and then caching
# does the header's job). It serves the libraries and the mops binary (what
# `make demo` builds), not the tests. The sanitizer build (`make test-asan`) turns it
# off: it is a second, slower build that has not been proven with it.
set(_mops_pch_default ON)
if("${CMAKE_CXX_COMPILER_LAUNCHER};$ENV{CMAKE_CXX_COMPILER_LAUNCHER}" MATCHES "ccache")
  set(_mops_pch_default OFF)
endif()
option(MOPS_PCH "Precompile the heavy common headers (fmt, nlohmann/json)" ${_mops_pch_default})

if(MOPS_PCH)
  file(WRITE ${PROJECT_BINARY_DIR}/mops_pch.cc "// The precompiled header's owner.\n")
  add_library(mops_pch STATIC ${PROJECT_BINARY_DIR}/mops_pch.cc)
  target_compile_options(mops_pch PRIVATE ${MOPS_WARNINGS})
  target_link_libraries(mops_pch PUBLIC fmt::fmt nlohmann_json::nlohmann_json)
  # Not CLI11 nor <regex>: they define objects in every translation unit that
  # includes them, so forcing them on all made small files slower (measured:
  # core/time.cc 1.5 s -> 6.2 s of CPU); with fmt and json only it is 1.3 s,
  # and cli/cli.cc 9.9 s -> 8.2 s.
  target_precompile_headers(mops_pch PRIVATE
    <algorithm> <expected> <functional> <map> <memory> <optional> <span> <string>
    <string_view> <unordered_map> <variant> <vector>
    <fmt/format.h> <nlohmann/json.hpp>)
endif()

# Makes `target` compile with mops_pch's precompiled header (when MOPS_PCH).
function(mops_use_pch target)
  if(MOPS_PCH)
    target_precompile_headers(${target} REUSE_FROM mops_pch)
    target_link_libraries(${target} PRIVATE fmt::fmt nlohmann_json::nlohmann_json)
  endif()
endfunction()

# Unity builds: each library compiles its sources in batches, one translation
# unit per batch, so the headers every file includes (fmt, json, yaml-cpp, the
# standard library) are parsed once per batch instead of once per file. It
# halves the compile of the mops binary (what `make demo` builds). The price:
# names in anonymous namespaces must be unique within a library, which every
# build (CI included) checks because the libraries are always built this way.
# Tests and benchmarks build file by file.
option(MOPS_UNITY "Build the mops libraries in unity batches" ON)
set(MOPS_UNITY_BATCH 8 CACHE STRING "Source files per unity batch")

function(mops_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(mops_${name} STATIC ${ARG_SRCS})
  target_include_directories(mops_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(mops_${name} PRIVATE ${MOPS_WARNINGS})
  target_link_libraries(mops_${name} PUBLIC ${ARG_DEPS})
  mops_use_pch(mops_${name})
  if(MOPS_UNITY)
    set_target_properties(mops_${name} PROPERTIES UNITY_BUILD ON
                          UNITY_BUILD_BATCH_SIZE ${MOPS_UNITY_BATCH})
  endif()
endfunction()

# mops_test(NAME SRCS ... DEPS ... LABEL unit|integration|e2e)
function(mops_test name)
  cmake_parse_arguments(ARG "" "LABEL" "SRCS;DEPS" ${ARGN})
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  add_executable(${name} ${ARG_SRCS})
  # Tests may include the shared test helpers as "tests/support/..." and
  # "tests/cli/...".
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${MOPS_WARNINGS})
  # cpp-httplib is the route tests' HTTP client (the server does not use it).
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} PkgConfig::HTTPLIB GTest::gtest GTest::gmock
                        GTest::gtest_main)
  # Tests do not reuse the precompiled header: with it GCC 12 inlines
  # differently and raises a false -Warray-bounds on std::string operator+ in
  # test helpers; the header's gain is for the binary users build.
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS ${ARG_LABEL}
    ENVIRONMENT "MOPS_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
