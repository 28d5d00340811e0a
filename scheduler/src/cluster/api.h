// rk-scheduler's REST API under /api/v1 (docs/api.md): routes that only translate HTTP to
// ClusterService calls. Roles: register and heartbeat need the agent token; creating keyspaces
// and tables an operator token; GETs are open.
#pragma once

#include "ringkeeper/core/http_server.h"
#include "cluster/service.h"

namespace rk::scheduler {

// The routes of the API, bound to `service` (which must outlive the router's server).
http::Router rest_api_routes(ClusterService& service);

}  // namespace rk::scheduler
