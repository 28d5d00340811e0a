// The client data API's routes: write, batch and read with a consistency level (see
// client_api.cc), all handed to the coordinator.
#pragma once

#include "data/coordinator.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/http_server.h"

namespace rk::agent {

// `coordinator` and `clock` (a write's default timestamp) must outlive the router's server.
http::Router client_routes(Coordinator& coordinator, Clock& clock);

}  // namespace rk::agent
