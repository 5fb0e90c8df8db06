# mops_library(NAME SRCS a.cc b.cc DEPS x y): one CMake library per src/ folder.
# A folder may only include what its DEPS name, so a layering mistake fails to build.
set(MOPS_WARNINGS -Wall -Wextra -Werror)

function(mops_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(mops_${name} STATIC ${ARG_SRCS})
  target_include_directories(mops_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(mops_${name} PRIVATE ${MOPS_WARNINGS})
  target_link_libraries(mops_${name} PUBLIC ${ARG_DEPS})
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
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS ${ARG_LABEL}
    ENVIRONMENT "MOPS_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
