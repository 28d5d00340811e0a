// The scheduler's store and registry options as config schemas (see options.h).
#include "options.h"

namespace rk::scheduler {

ConfigSchema<StoreOptions> store_options_schema() {
  ConfigSchema<StoreOptions> s;
  s.field("path", &StoreOptions::path,
          "SQLite file holding the scheduler's state; created when missing.")
      .non_empty();
  s.field("busy_timeout", &StoreOptions::busy_timeout,
          "How long a write waits for another connection's lock before failing.")
      .range(std::chrono::milliseconds(0), std::chrono::milliseconds(600'000));
  s.field("synchronous", &StoreOptions::synchronous,
          "SQLite synchronous mode: FULL survives power loss, NORMAL only process crashes.")
      .one_of({"FULL", "NORMAL", "EXTRA"});
  return s;
}

ConfigSchema<RegistryOptions> registry_options_schema() {
  ConfigSchema<RegistryOptions> s;
  s.field("heartbeat_timeout", &RegistryOptions::heartbeat_timeout,
          "A node silent for longer than this is marked DOWN.")
      .range(std::chrono::milliseconds(100), std::chrono::milliseconds(86'400'000));
  s.field("heartbeat_persist_interval", &RegistryOptions::heartbeat_persist_interval,
          "How often a heartbeat that changes nothing else rewrites the node's row (time and load "
          "are kept in memory meanwhile); at most half of heartbeat_timeout; 0: every heartbeat.")
      .range(std::chrono::milliseconds(0), std::chrono::milliseconds(3'600'000));
  return s;
}

}  // namespace rk::scheduler
