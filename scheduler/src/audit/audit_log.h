// The audit log: one entry per mutating call, saying when, which bearer token's name made it
// (never the token itself), what it did to what, and how it ended. The services append what they
// did (and the refusals they decide); every refused API call, whatever refused it (the token,
// the body, the service), ends as exactly one entry naming the route and the HTTP status: see
// record_refused_call. The API, rkctl and the UI page through it newest first.
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

  // A mutating API call that was refused (HTTP status >= 400). When a service already recorded
  // the refusal during this request (an append with a failed outcome on this thread since the
  // last end_request), that entry is completed with the route and status; otherwise a new entry
  // is written. Either way the entry's actor is the token's name or "anonymous", and its detail
  // "HTTP <status> <method> <route>: <reason>". `action` names the call when no service did.
  struct RefusedCall {
    std::string actor;   // "" when unauthenticated
    std::string action;  // e.g. "backup.start"
    std::string method;
    std::string route;  // the route's pattern, or the path when no route matched
    std::string path;   // the target of a new entry
    int http_status = 0;
    std::string reason;
  };
  Result<int64_t> record_refused_call(const RefusedCall& call);
  // Forgets the refusal recorded on this thread for the request that just finished (so that it
  // cannot be taken for the next request's). Called after every API request.
  void end_request();

  // One page of matching entries, newest first. InvalidArgument for a limit outside 1..1000.
  Result<AuditPage> query(const AuditQuery& query);

 private:
  Store& store_;
  Clock& clock_;
};

}  // namespace rk::scheduler
