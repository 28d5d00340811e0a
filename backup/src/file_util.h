// Small POSIX file helpers shared by the file store and the downloads.
#pragma once

#include <string>
#include <string_view>

#include "ringkeeper/core/status.h"

namespace rk::backup {

// IOError (or NotFound for ENOENT) "<what>: <strerror(errno)>".
Status errno_status(const std::string& what);
// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
Status write_all(int fd, std::string_view bytes);
// "<path>.rk-tmp-<pid>-<n>": a name no other writer in this or another process uses.
std::string temp_path_beside(const std::string& path);
// mkdir -p.
Status make_dirs(const std::string& path);
// fsync of a directory (after a rename into it).
Status fsync_dir(const std::string& dir);

}  // namespace rk::backup
