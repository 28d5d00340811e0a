// rk-scheduler's repair endpoints under /api/v1/repair (docs/api.md): runs, their segments,
// schedules and gc_grace deadlines. Routes only translate HTTP to RepairService calls; mutations
// need an operator token and are audited by the service.
#pragma once

#include "ringkeeper/core/http_server.h"
#include "repair/service.h"

namespace rk::scheduler {

// Adds the repair routes to `router`, bound to `service` (which must outlive the server).
void add_repair_routes(http::Router& router, RepairService& service);

}  // namespace rk::scheduler
