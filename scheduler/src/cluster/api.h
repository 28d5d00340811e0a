// The cluster domain's routes under /api/v1 (docs/api.md): agents, nodes, the ring, keyspaces,
// tables, the schema and the audit log, translated to ClusterService calls. Roles: register and
// heartbeat need the agent token; creating keyspaces and tables an operator token; GETs are open.
// Like every domain of scheduler/src, its routes live in its folder beside its service.
#pragma once

#include "cluster/service.h"
#include "ringkeeper/core/http_server.h"

namespace rk::scheduler {

// The routes of the API, bound to `service` (which must outlive the router's server).
http::Router rest_api_routes(ClusterService& service);

}  // namespace rk::scheduler
