// The 1-based line of a YAML node, for error messages that name the file and
// line of a config document ("channels.yaml:12: ..."). Header-only: core does
// not link yaml-cpp; every folder that parses YAML already does.
#pragma once

#include <yaml-cpp/node/node.h>

#include <cstdint>

namespace mops::core {

// The node's line counted from 1, or 0 when the node has no position (a node
// built in code rather than parsed).
inline int64_t MarkLine(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

}  // namespace mops::core
