// The audit of refused API calls, done where every request of the scheduler's API passes: the
// HTTP server's request observer. A mutating call (any method but GET, HEAD and OPTIONS) that is
// answered with a status >= 400 is recorded once, whether the token (401/403), the route
// (404/405), the body (400/413) or the service (404/409/...) refused it, so that no route can
// forget to audit its refusals. Answers that only say "retry later" (429, 503) are not refusals.
#pragma once

#include <string>
#include <string_view>

#include "ringkeeper/core/http_server.h"
#include "audit/audit_log.h"

namespace rk::scheduler {

// The audit action of a mutating route ("backup.start" for POST /api/v1/backups), the same name
// the services use for the calls they carry out; "<METHOD> <route>" for a route without one.
std::string audit_action(std::string_view method, std::string_view route);

// Records `request` in `audit` when it is a refused mutating call (see above), and ends the
// request for the audit log either way. A failure to record is logged, not returned: the answer
// has been decided already.
void audit_request(AuditLog& audit, const http::RequestRecord& request);

}  // namespace rk::scheduler
