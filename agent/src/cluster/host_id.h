// The node's stable identity: a UUID v4 kept in <data_dir>/host_id, created at first start.
#pragma once

#include <string>

#include "ringkeeper/core/status.h"

namespace rk::agent {

// A random UUID v4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx") from the OS's random source.
std::string make_uuid_v4();

// Reads the host id from `path`, or creates it (written atomically) when the file is missing.
// Corruption when the file holds something that is not a UUID.
Result<std::string> load_or_create_host_id(const std::string& path);

}  // namespace rk::agent
