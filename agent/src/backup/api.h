// The ops API's backup and restore routes (see api.cc).
#pragma once

#include "agent_impl.h"
#include "ringkeeper/core/http_server.h"

namespace rk::agent {

void add_backup_routes(http::Router& router, Agent::Impl& agent);

}  // namespace rk::agent
