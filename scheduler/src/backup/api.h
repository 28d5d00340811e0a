// rk-scheduler's backup routes under /api/v1 (docs/api.md "Backups"): they only translate HTTP to
// BackupService calls. GETs are open; everything else needs an operator token.
#pragma once

#include "ringkeeper/core/http_server.h"
#include "backup/service.h"
#include "cluster/service.h"

namespace rk::scheduler {

// Adds the backup routes to `router`, bound to `service` (which must outlive the server).
void add_backup_routes(http::Router& router, BackupService& service);

// POST /api/v1/backups/{tag}/restore-schema (operator): creates the backup's keyspaces and tables
// that the scheduler does not have (schema_restore.h). Both services must outlive the server.
void add_schema_restore_route(http::Router& router, BackupService& backups,
                              ClusterService& cluster);

}  // namespace rk::scheduler
