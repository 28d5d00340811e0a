// The audit log: one entry per mutating call, saying when, which bearer token's name made it
// (never the token itself), what it did to what, and how it ended. The REST layer appends after
// each mutating request; the API, rkctl and the UI page through it newest first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/status.h"

namespace rk::scheduler {

class Store;

struct AuditEntry {
  int64_t id = 0;      // assigned by append(); increases with every entry
  int64_t at_us = 0;   // when; append() takes the clock's time when 0
  std::string actor;   // the bearer token's configured name ("" for unauthenticated calls)
  std::string action;  // what, e.g. "node.register", "repair.start"
  std::string target;  // on what, e.g. a host id or a keyspace
  std::string result;  // "ok", or the error code name (error_code_name), e.g. "invalid_argument"
  std::string detail;  // optional words for an operator (an error message)
};

// Filters; an empty or unset field matches everything. Entries come newest first.
struct AuditQuery {
  std::optional<int64_t> since_us;  // at_us >= since_us
  std::optional<int64_t> until_us;  // at_us < until_us
  std::string actor;
  std::string action;
  // At most this many entries per page (1..1000).
  int limit = 100;
  // Paging: only entries with id < before_id (pass the previous page's next_before_id).
  std::optional<int64_t> before_id;
};

struct AuditPage {
  std::vector<AuditEntry> entries;
  // Set when more entries match: the before_id of the next page.
  std::optional<int64_t> next_before_id;
};

class AuditLog {
 public:
  // `store` and `clock` must outlive the log.
  AuditLog(Store& store, Clock& clock) : store_(store), clock_(clock) {}

  // Records `entry` (its id is ignored) and returns the new id. InvalidArgument when action or
  // result is empty.
  Result<int64_t> append(AuditEntry entry);
  // Records the outcome of a call: result "ok" or the status's code name, detail its message.
  Result<int64_t> append(std::string actor, std::string action, std::string target,
                         const Status& outcome);

  // One page of matching entries, newest first. InvalidArgument for a limit outside 1..1000.
  Result<AuditPage> query(const AuditQuery& query);

 private:
  Store& store_;
  Clock& clock_;
};

}  // namespace rk::scheduler
