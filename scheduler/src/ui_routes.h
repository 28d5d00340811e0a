// The web UI served by rk-scheduler (docs/ui.md): the embedded static files at `/` and `/ui/...`,
// and conditional GETs (ETag / If-None-Match → 304) for every JSON read so that the UI's polling
// costs a few bytes while nothing changes.
#pragma once

#include "ringkeeper/core/http_server.h"

namespace rk::scheduler {

// Adds `GET /` (the UI's page), `GET /ui/{file...}` (its scripts, styles and the chart library)
// and `GET /api/v1/whoami` (operator token only: {"name"}; the UI's sign-in check). Static files
// carry a strong ETag, `Cache-Control: no-cache` and a strict Content-Security-Policy.
void add_ui_routes(http::Router& router);

// A copy of `router` whose GET routes answer 304 with an empty body when the request's
// If-None-Match names the ETag of the response they would send (a hash of its body), and
// otherwise add that ETag to successful responses. Other methods are unchanged.
http::Router with_conditional_get(const http::Router& router);

}  // namespace rk::scheduler
