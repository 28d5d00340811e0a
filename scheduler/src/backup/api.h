// rk-scheduler's backup routes under /api/v1 (docs/api.md "Backups"): they only translate HTTP to
// BackupService calls. GETs are open; everything else needs an operator token. Backup schedules
// are at /api/v1/backup/schedules, and at the older /api/v1/backup-schedules as an alias.
// Like every domain of scheduler/src, its routes live in its folder beside its service.
#pragma once

#include "backup/service.h"
#include "cluster/service.h"
#include "ringkeeper/core/http_server.h"

namespace rk::scheduler {

// Adds the backup routes to `router`, bound to `service` (which must outlive the server).
void add_backup_routes(http::Router& router, BackupService& service);

// POST /api/v1/backups/{tag}/restore-schema (operator): creates the backup's keyspaces and tables
// that the scheduler does not have (cluster/schema_restore.h). Both services must outlive the
// server.
void add_schema_restore_route(http::Router& router, BackupService& backups,
                              ClusterService& cluster);

}  // namespace rk::scheduler
