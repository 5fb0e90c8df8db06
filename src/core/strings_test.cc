#include "core/strings.h"

#include <gtest/gtest.h>

#include "core/edit_distance.h"

namespace mops::core {
namespace {

TEST(EditDistanceTest, TranspositionIsOneEdit) {
  EXPECT_EQ(EditDistance("gmial.com", "gmail.com", 2), 1);
  EXPECT_EQ(EditDistance("smith", "smtih"), 1);
  EXPECT_EQ(EditDistance("abc", "abc", 2), 0);
  EXPECT_EQ(EditDistance("kitten", "sitting", 5), 3);
  EXPECT_EQ(EditDistance("kitten", "sitting", 1), 2);  // past the limit: limit + 1
  EXPECT_EQ(EditDistance("", "abc", 5), 3);
  EXPECT_EQ(EditDistance("", "abcdef", 2), 3);
  // Long strings leave the stack rows for the heap.
  const std::string a(300, 'x');
  std::string b = a;
  b[150] = 'y';
  EXPECT_EQ(EditDistance(a, b), 1);
}

TEST(CollapseSpacesTest, TrimsAndJoinsRuns) {
  EXPECT_EQ(CollapseSpaces("  Mary \t Ann\n O'Neil  "), "Mary Ann O'Neil");
  EXPECT_EQ(CollapseSpaces(""), "");
  EXPECT_EQ(CollapseSpaces(" \t "), "");
}

}  // namespace
}  // namespace mops::core
