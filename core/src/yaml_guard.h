// Checks of a YAML text made before yaml-cpp reads it: bytes YAML does not allow, and the shapes
// on which yaml-cpp 0.7 (Debian 12) never returns. The config loader (config.cc) refuses such a
// text with the line and column these give.
#pragma once

#include <string_view>
#include <utility>

namespace rk::yaml_guard {

// The 1-based line and column of the first byte that YAML does not allow in a stream (control
// characters other than tab, line feed and carriage return; DEL; malformed UTF-8), or {0, 0}.
std::pair<int, int> first_unprintable(std::string_view yaml);

// The 1-based line and column of the first ',' that starts a token outside a flow collection
// ([ ] or { }), quotes, comments and block scalars, or {0, 0}. No YAML has one there (a plain
// scalar cannot start with ','), and yaml-cpp 0.7 loops forever, allocating, on some such
// documents ("a #c\n,x", "&a ,x", "- a #c\n,b") instead of failing. A line that continues a
// multi-line plain scalar with ',' (valid YAML, never written in a config) is refused as well.
std::pair<int, int> first_block_comma(std::string_view yaml);

}  // namespace rk::yaml_guard
