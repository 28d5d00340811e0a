// Where `rkctl check` reads remote state: the agent's cached samples (GET /v1/signals, for
// `--agent URL` mode of disk, await and node) and the scheduler's repair deadlines and backups
// (GET /api/v1/repair/deadlines, GET /api/v1/backups) and its finished preview repairs (GET
// /api/v1/repair/runs?preview=true&state=DONE). Each turns the contract's JSON into the
// monitor library's structs; any failure is a Status whose message becomes the UNKNOWN line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringkeeper/core/status.h"
#include "ringkeeper/monitor/await_check.h"
#include "ringkeeper/monitor/disk_check.h"
#include "ringkeeper/monitor/node_signals.h"
#include "ringkeeper/monitor/scheduler_checks.h"

namespace rk::cli {

// GET `url` and parse the JSON of a 2xx answer. `ca_file` verifies https:// servers.
Result<nlohmann::json> fetch_json(const std::string& url, const std::string& ca_file,
                                  double timeout_seconds);

// The agent's GET /v1/signals, refused (FailedPrecondition) when the agent has not sampled yet or
// its sample is older than `max_age_seconds` at `now_us`.
Result<nlohmann::json> fetch_signals(const std::string& agent_url, const std::string& ca_file,
                                     double timeout_seconds, double max_age_seconds,
                                     int64_t now_us);

Result<monitor::DiskFacts> disk_facts_from_signals(const nlohmann::json& signals);

struct AwaitSample {
  std::string path;
  double interval_seconds = 0;
  std::vector<monitor::DeviceIo> devices;
};
Result<AwaitSample> await_from_signals(const nlohmann::json& signals);

struct NodeSample {
  monitor::NodeFactsInput facts;
  uint64_t free_bytes = 0;
};
Result<NodeSample> node_from_signals(const nlohmann::json& signals);

Result<std::vector<monitor::TableDeadline>> deadlines_from_json(const nlohmann::json& body);
Result<std::vector<monitor::BackupRun>> backups_from_json(const nlohmann::json& body);
// The preview runs of GET /api/v1/repair/runs?preview=true (their "differences" per table).
Result<std::vector<monitor::PreviewRun>> previews_from_json(const nlohmann::json& body);

}  // namespace rk::cli
