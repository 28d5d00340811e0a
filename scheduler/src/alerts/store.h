// Alerts: the state changes of every monitored signal, stored in SQLite with the current state per
// (source, signal). Agents push their signals' changes (POST /api/v1/alerts); the scheduler's own
// loops (repair deadlines, backups) record theirs under source "scheduler". Each stored change is
// handed to the listeners (the webhook), after the transaction committed.
//
// record() keeps only changes: an event whose state equals the current one for its key is not
// stored (callers may report their state on every loop), nor is an OK for a key that never had an
// alert, nor an event older than the current state's (a late retry). The REST API, rkctl and the UI
// read current alerts and history through query().
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/monitor/state.h"

namespace rk::scheduler {

class Store;

// The source of alerts raised by the scheduler itself.
inline constexpr const char* kSchedulerSource = "scheduler";

struct AlertEvent {
  std::string source;  // "scheduler" or the agent's host_id
  std::string signal;  // e.g. "disk", "await", "repair_deadline/ks.t", "backup_age"
  monitor::State state = monitor::State::kOk;
  std::string message;          // what the operator reads
  int64_t at_us = 0;            // when the state changed; 0 takes the store's clock
  std::optional<double> value;  // the value that made the change, if there is one
};

// A stored change.
struct AlertRecord {
  int64_t id = 0;  // increases with every stored change
  std::string source;
  std::string signal;
  monitor::State state = monitor::State::kOk;
  monitor::State previous_state = monitor::State::kOk;  // the key's state before the change
  std::string message;
  std::optional<double> value;
  int64_t at_us = 0;
  int64_t received_at_us = 0;  // the scheduler's clock when it stored the change
};

struct AlertQuery {
  // true: the current state of every key that is not OK (one record per key, its latest change).
  // false: the history of changes, newest first.
  bool active = false;
  std::string source;               // "" = every source
  std::string signal;               // "" = every signal
  std::optional<int64_t> since_us;  // at_us >= since_us
  int limit = 100;                  // 1..1000
};

class AlertStore {
 public:
  using Listener = std::function<void(const AlertRecord&)>;

  // `store` and `clock` must outlive the alert store.
  AlertStore(Store& store, Clock& clock) : store_(store), clock_(clock) {}

  // Stores `event` when it changes its key's state and returns the record; nullopt when it was
  // not a change (see the file comment). InvalidArgument for an empty source or signal or a
  // state outside OK/WARNING/CRITICAL/UNKNOWN. Listeners are called after the commit, on this
  // thread: they must not block (the webhook queues).
  Result<std::optional<AlertRecord>> record(const AlertEvent& event);

  // Current alerts or history per `query`. InvalidArgument for a limit outside 1..1000.
  Result<std::vector<AlertRecord>> query(const AlertQuery& query);

  // Keys per current state (states without keys are absent), for /metrics.
  Result<std::vector<std::pair<monitor::State, int64_t>>> count_by_state();

  // Adds a listener for stored changes (the webhook). Call before the API starts.
  void add_listener(Listener listener);

 private:
  Store& store_;
  Clock& clock_;
  std::mutex listeners_mu_;
  std::vector<Listener> listeners_;
};

}  // namespace rk::scheduler
