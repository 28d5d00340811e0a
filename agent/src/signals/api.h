// The ops API's monitoring routes: GET /v1/signals and GET /metrics (see api.cc).
#pragma once

#include "ringkeeper/core/http_server.h"
#include "ringkeeper/monitor/prometheus.h"
#include "signals/node_signals.h"

namespace rk::agent {

// `signals` and `requests` must outlive the router's server.
void add_signal_routes(http::Router& router, const NodeSignals& signals,
                       const monitor::RequestMetrics& requests);

}  // namespace rk::agent
