// The internode API's routes (see internode_api.cc): this node as a replica of its peers'
// writes, reads, range exports and repair sessions.
#pragma once

#include <chrono>

#include "data/coordinator.h"
#include "repair/replica.h"
#include "repair/views.h"
#include "ringkeeper/core/http_server.h"
#include "ringkeeper/storage/node.h"

namespace rk::agent {

// Everything passed in must outlive the router's server. `view_lease` is a pinned view's lease
// when the caller names none. Writes, reads and exports of a table this node is quarantined for
// in `topology`'s ring are refused (Unavailable): a coordinator with an older ring counts the
// node as failed instead of reading a copy that may hold deleted rows.
http::Router internode_routes(storage::Node& node, ViewRegistry& views, LocalRepair& local_repair,
                              std::chrono::milliseconds view_lease,
                              Coordinator::TopologySource topology);

}  // namespace rk::agent
