// Process-wide logging set-up: spdlog's default logger writing to stderr, one line per event,
// UTC timestamps, level chosen by name (from the `log_level` config key or a --log-level flag).
//
//   RK_RETURN_IF_ERROR(rk::setup_logging(options.log_level, "rk-agent"));
//   spdlog::info("ops API listening on port {}", port);
//
// Line format: "2026-11-22T23:11:24.123Z info rk-agent: ops API listening on port 7100".
//
// Never log a secret. Bearer tokens, S3 secret keys, passwords, signed URLs and Authorization
// headers must not reach a log line at any level, not even debug or trace: logs are copied to
// tickets and chat. Log that a credential is configured ("auth: bearer token set"), never its
// value; print config with ConfigSchema::effective_yaml(), which redacts fields marked .secret();
// where a value must be shown in its place, write kRedacted.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"

namespace rk {

// What stands in for a secret in logs and printed config.
inline constexpr std::string_view kRedacted = "<redacted>";

// The level names setup_logging accepts, most verbose first:
// trace, debug, info, warn, error, critical, off.
const std::vector<std::string>& log_level_names();

// Replaces spdlog's default logger with one named `process_name` (default "ringkeeper") that
// writes to stderr at `level`. InvalidArgument naming the valid levels if `level` is not one of
// log_level_names(); the previous logger is then left in place.
Status setup_logging(std::string_view level, std::string_view process_name = "");

// The same, writing to `out` instead of stderr (for tests). `out` must outlive the logger.
Status setup_logging(std::string_view level, std::string_view process_name, std::ostream& out);

}  // namespace rk
