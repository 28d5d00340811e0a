// The ops API's backup and restore routes (see api.cc).
#pragma once

#include "backup/node_backups.h"
#include "ringkeeper/core/http_server.h"

namespace rk::agent {

// `backups` must outlive the router's server.
void add_backup_routes(http::Router& router, NodeBackups& backups);

}  // namespace rk::agent
