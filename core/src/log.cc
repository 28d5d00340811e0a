// spdlog set-up; see log.h.
#include "ringkeeper/core/log.h"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace rk {

namespace {

constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %n: %v";

Result<spdlog::level::level_enum> level_from_name(std::string_view name) {
  static const std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off}};
  for (const auto& [n, level] : kLevels) {
    if (n == name) return level;
  }
  std::string valid;
  for (const auto& n : log_level_names()) valid += (valid.empty() ? "" : ", ") + n;
  return Status::InvalidArgument("unknown log level '" + std::string(name) +
                                 "' (valid levels: " + valid + ")");
}

Status install(std::string_view level, std::string_view process_name, spdlog::sink_ptr sink) {
  auto parsed = level_from_name(level);
  if (!parsed.ok()) return parsed.status();
  const std::string name = process_name.empty() ? "ringkeeper" : std::string(process_name);
  auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  logger->set_pattern(kPattern, spdlog::pattern_time_type::utc);
  logger->set_level(*parsed);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  return Status::OK();
}

}  // namespace

const std::vector<std::string>& log_level_names() {
  static const std::vector<std::string> kNames = {"trace", "debug",    "info", "warn",
                                                  "error", "critical", "off"};
  return kNames;
}

Status setup_logging(std::string_view level, std::string_view process_name) {
  return install(level, process_name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

Status setup_logging(std::string_view level, std::string_view process_name, std::ostream& out) {
  return install(level, process_name,
                 std::make_shared<spdlog::sinks::ostream_sink_mt>(out, /*force_flush=*/true));
}

}  // namespace rk
