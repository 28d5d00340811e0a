// The ops API's node routes: health, node facts, ring and schema, maintenance, sizes and the
// scheduler's schema push (see ops_api.cc).
#pragma once

#include "cluster/ring_state.h"
#include "ringkeeper/agent/options.h"
#include "ringkeeper/core/http_server.h"
#include "ringkeeper/storage/node.h"

namespace rk::agent {

// Everything passed in must outlive the router's server.
http::Router ops_routes(RingState& ring, storage::Node& node, const AgentOptions& options);

}  // namespace rk::agent
