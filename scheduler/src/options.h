// YAML schemas of the scheduler's store and registry options (see core/config.h), for
// rk-scheduler's config file:
//
//   database:
//     path: /var/lib/ringkeeper/scheduler.db
//     busy_timeout: 5s
//     synchronous: FULL
//   registry:
//     heartbeat_timeout: 30s
#pragma once

#include "ringkeeper/core/config.h"
#include "ringkeeper/scheduler/registry.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {

ConfigSchema<StoreOptions> store_options_schema();
ConfigSchema<RegistryOptions> registry_options_schema();

}  // namespace rk::scheduler
