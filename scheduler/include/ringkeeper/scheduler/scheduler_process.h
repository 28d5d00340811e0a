// A running rk-scheduler: the store, the services, the REST API and the DOWN sweep, wired from
// SchedulerOptions. main.cpp starts one and stops it on SIGTERM; tests start it in-process.
#pragma once

#include <memory>

#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/scheduler/scheduler_options.h"

namespace rk::scheduler {

class SchedulerProcess {
 public:
  // Opens the database (applying migrations), starts the API and the sweep loop. `clock` must
  // outlive the process. Errors: the store's (newer schema, unreadable file), bad tokens, a port
  // that cannot be bound.
  static Result<std::unique_ptr<SchedulerProcess>> start(const SchedulerOptions& options,
                                                         Clock& clock);
  ~SchedulerProcess();  // stops

  // The REST API's bound port.
  uint16_t port() const;
  // Stops the sweep loop and the API (in-flight requests finish). Idempotent.
  void stop();

  struct Impl;

 private:
  explicit SchedulerProcess(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rk::scheduler
