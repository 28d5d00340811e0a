// The agent's version: sent when it registers, shown in the ring and by GET /v1/node.
#pragma once

namespace rk::agent {

inline constexpr const char* kAgentVersion = "0.1.0";

}  // namespace rk::agent
