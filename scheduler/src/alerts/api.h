// The alert routes of the REST API (docs/api.md, "Alerts"): agents POST their signals' state
// changes (agent token), anyone GETs current alerts and history. Handlers only translate to
// AlertStore calls.
// Like every domain of scheduler/src, its routes live in its folder beside its service.
#pragma once

#include <nlohmann/json.hpp>

#include "alerts/store.h"
#include "ringkeeper/core/http_server.h"

namespace rk::scheduler {

// Adds POST/GET /api/v1/alerts to `router`; `alerts` must outlive the router's server.
void add_alert_routes(http::Router& router, AlertStore& alerts);

// The JSON of a stored change, as GET /api/v1/alerts and the webhook send it:
// {"id","host_id","signal","state","previous_state","message","value","at_us","received_at_us"}
// with value null when absent.
nlohmann::json alert_json(const AlertRecord& record);

}  // namespace rk::scheduler
