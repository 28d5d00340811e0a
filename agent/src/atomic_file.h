// Small files the agent keeps in its data directory (ring cache, backup jobs, restore markers)
// are replaced atomically: a crash leaves the old or the new content, never a torn file.
#pragma once

#include <string>
#include <string_view>

#include "ringkeeper/core/status.h"

namespace rk::agent {

// Writes `text` to a temporary file beside `path`, fsyncs it, renames it over `path` and fsyncs
// the directory.
Status write_file_atomically(const std::string& path, std::string_view text);
// The whole file; NotFound when it does not exist.
Result<std::string> read_small_file(const std::string& path);

}  // namespace rk::agent
