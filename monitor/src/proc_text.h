// Reading the kernel's text files (/proc/diskstats, /proc/self/mountinfo): private to rk_monitor.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"

namespace rk::monitor {

// The whole file; kIOError naming the path when it cannot be read.
Result<std::string> read_text_file(const std::string& path);

// The fields of one line, split on runs of spaces and tabs.
std::vector<std::string_view> split_fields(std::string_view line);

// Calls `on_line(line_no, line)` for each line (1-based; no trailing newline); stops at the first
// non-OK status and returns it.
template <class F>
Status for_each_line(std::string_view text, F&& on_line) {
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    RK_RETURN_IF_ERROR(on_line(++line_no, line));
  }
  return Status::OK();
}

}  // namespace rk::monitor
