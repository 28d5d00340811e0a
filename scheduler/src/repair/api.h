// rk-scheduler's repair endpoints under /api/v1/repair (docs/api.md): runs, their segments,
// schedules and gc_grace deadlines. Routes only translate HTTP to RepairScheduler calls; mutations
// need an operator token and are audited by the service.
// Like every domain of scheduler/src, its routes live in its folder beside its service.
#pragma once

#include "repair/service.h"
#include "ringkeeper/core/http_server.h"

namespace rk::scheduler {

// Adds the repair routes to `router`, bound to `service` (which must outlive the server).
void add_repair_routes(http::Router& router, RepairScheduler& service);

}  // namespace rk::scheduler
