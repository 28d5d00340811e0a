// rk-scheduler's backup routes under /api/v1 (docs/api.md "Backups"): they only translate HTTP to
// BackupService calls. GETs are open; everything else needs an operator token.
#pragma once

#include "ringkeeper/core/http_server.h"
#include "ringkeeper/scheduler/backup_service.h"

namespace rk::scheduler {

// Adds the backup routes to `router`, bound to `service` (which must outlive the server).
void add_backup_routes(http::Router& router, BackupService& service);

}  // namespace rk::scheduler
