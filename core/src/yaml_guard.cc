// The checks of yaml_guard.h.
#include "yaml_guard.h"

#include <string_view>

namespace rk::yaml_guard {

std::pair<int, int> first_unprintable(std::string_view yaml) {
  int line = 1, column = 1;
  for (size_t i = 0; i < yaml.size(); ++column) {
    const auto c = static_cast<unsigned char>(yaml[i]);
    if (c == '\n') {
      ++line;
      column = 0;
      ++i;
      continue;
    }
    size_t length = 1;
    if (c >= 0xc2 && c <= 0xf4) {
      length = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
      if (yaml.size() - i < length) return {line, column};
      for (size_t k = 1; k < length; ++k) {
        if ((static_cast<unsigned char>(yaml[i + k]) & 0xc0) != 0x80) return {line, column};
      }
    } else if ((c < 0x20 && c != '\t' && c != '\r') || c >= 0x7f) {
      return {line, column};
    }
    i += length;
  }
  return {0, 0};
}

std::pair<int, int> first_block_comma(std::string_view yaml) {
  int flow_depth = 0;
  char quote = 0;                // the open quote across lines, 0 when none
  int block_scalar_parent = -1;  // the indentation of a | or > scalar's parent line, -1 when none
  int line_no = 0;
  while (!yaml.empty()) {
    ++line_no;
    const size_t nl = yaml.find_first_of("\r\n");  // YAML breaks lines at either
    const std::string_view line = yaml.substr(0, nl);
    yaml = nl == std::string_view::npos ? std::string_view() : yaml.substr(nl + 1);
    const size_t first = line.find_first_not_of(' ');
    const int indent =
        first == std::string_view::npos ? static_cast<int>(line.size()) : static_cast<int>(first);
    if (block_scalar_parent >= 0) {
      if (line.find_first_not_of(" \t") == std::string_view::npos || indent > block_scalar_parent) {
        continue;  // the scalar's content
      }
      block_scalar_parent = -1;
    }
    auto ends_token = [&](size_t at) {
      return at >= line.size() || line[at] == ' ' || line[at] == '\t' ||
             (flow_depth > 0 && std::string_view(",[]{}").find(line[at]) != std::string_view::npos);
    };
    size_t i = 0;
    if (quote == 0 && (line.starts_with("---") || line.starts_with("...")) && ends_token(3)) i = 3;
    bool in_plain = false;
    while (i < line.size()) {
      const char c = line[i];
      if (quote != 0) {
        if (quote == '"' && c == '\\') {
          i += 2;
        } else if (c == quote && quote == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
          i += 2;
        } else {
          if (c == quote) quote = 0;
          ++i;
        }
        continue;
      }
      const bool after_space = i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t';
      if (c == '#' && after_space) break;  // a comment
      if (in_plain) {
        if ((c == ':' && ends_token(i + 1)) ||
            (flow_depth > 0 && std::string_view(",[]{}").find(c) != std::string_view::npos)) {
          in_plain = false;  // the plain scalar ends; the indicator is read below
        } else {
          ++i;
          continue;
        }
      }
      if (c == ' ' || c == '\t') {
        ++i;
      } else if (c == ',') {
        if (flow_depth == 0) return {line_no, static_cast<int>(i) + 1};
        ++i;
      } else if (c == '[' || c == '{') {
        ++flow_depth;
        ++i;
      } else if (c == ']' || c == '}') {
        if (flow_depth > 0) --flow_depth;
        ++i;
      } else if (c == '"' || c == '\'') {
        quote = c;
        ++i;
      } else if ((c == '-' || c == '?' || c == ':') && ends_token(i + 1)) {
        ++i;
      } else if (c == '&' || c == '!' || c == '*') {
        // An anchor, tag or alias ends where a blank or a flow indicator starts.
        i = line.find_first_of(" \t,[]{}", i + 1);
        if (i == std::string_view::npos) i = line.size();
      } else if ((c == '|' || c == '>') && flow_depth == 0) {
        block_scalar_parent = indent;
        break;
      } else {
        in_plain = true;
        ++i;
      }
    }
  }
  return {0, 0};
}

}  // namespace rk::yaml_guard
