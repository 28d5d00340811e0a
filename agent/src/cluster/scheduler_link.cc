// Registration and heartbeats with rk-scheduler (see scheduler_link.h).
#include "cluster/scheduler_link.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <limits>

#include <spdlog/spdlog.h>

#include "atomic_file.h"
#include "backup/restore.h"
#include "ringkeeper/core/backoff.h"
#include "version.h"

namespace rk::agent {
namespace fs = std::filesystem;

int64_t load_bytes(const std::string& data_dir) {
  std::error_code ec;
  int64_t total = 0;
  const fs::path dir = fs::path(data_dir) / "storage";
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename() == "snapshots" || it->path().filename() == "backups") {
      it.disable_recursion_pending();
      continue;
    }
    std::error_code fec;
    if (it->is_regular_file(fec)) total += static_cast<int64_t>(it->file_size(fec));
  }
  return total;
}

namespace {
std::string last_healthy_path(const std::string& data_dir) {
  return (fs::path(data_dir) / "last_healthy").string();
}
}  // namespace

int64_t read_last_healthy(const std::string& data_dir) {
  auto text = read_small_file(last_healthy_path(data_dir));
  if (!text.ok()) return 0;
  try {
    return std::stoll(*text);
  } catch (const std::exception&) {
    spdlog::warn("{} is unreadable; taken as unknown", last_healthy_path(data_dir));
    return 0;
  }
}

LastHealthyFile::LastHealthyFile(const std::string& data_dir)
    : path_(last_healthy_path(data_dir)) {}

LastHealthyFile::~LastHealthyFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status LastHealthyFile::write(int64_t at_us) {
  const std::string text = std::to_string(at_us) + "\n";
  if (fd_ >= 0 && text.size() == size_ &&
      ::pwrite(fd_, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()) &&
      ::fdatasync(fd_) == 0) {
    return Status::OK();
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  RK_RETURN_IF_ERROR(write_file_atomically(path_, text));
  // Kept open for the next writes; if it cannot be, each write replaces the file.
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
  size_ = text.size();
  return Status::OK();
}

SchedulerLink::SchedulerLink(const AgentOptions& options, SchedulerClient& scheduler,
                             RingState& ring, Replacement& replacement, StopSignal& stop,
                             Clock& clock)
    : options_(options),
      scheduler_(scheduler),
      ring_(ring),
      replacement_(replacement),
      stop_(stop),
      clock_(clock),
      last_healthy_at_start_(read_last_healthy(options.data_dir)),
      last_healthy_(options.data_dir) {}

void SchedulerLink::mark_healthy() {
  Status s = last_healthy_.write(clock_.now_micros());
  if (!s.ok()) spdlog::warn("cannot record this node as healthy: {}", s.message());
}

void SchedulerLink::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void SchedulerLink::join() {
  if (thread_.joinable()) {
    thread_.join();
    // A clean shutdown: the node was a member until now.
    if (registered_) mark_healthy();
  }
}

void SchedulerLink::run() {
  while (true) {
    Status s = register_node();
    if (s.code() == ErrorCode::kCancelled) return;
    if (!s.ok()) {
      stop_.fail(s);
      return;
    }
    // A replacement streams in the background while it keeps heartbeating (so the scheduler
    // does not take it for DOWN), and reports NORMAL once done. A plain new node reports NORMAL
    // at once.
    if (ring_.state() == "JOINING" && !options_.replace_address.empty()) replacement_.start();
    heartbeat_loop();
    if (stop_.stopping()) return;
  }
}

Status SchedulerLink::register_node() {
  const std::string& host_id = ring_.host_id();
  AgentRegistration req;
  req.host_id = host_id;
  req.cluster = options_.cluster;
  req.datacenter = options_.datacenter;
  req.rack = options_.rack;
  req.num_tokens = options_.num_tokens;
  req.version = kAgentVersion;
  req.addresses = ring_.addresses();
  // A node that already holds tokens (from its ring cache) registered before, possibly as the
  // replacement: it registers by host id alone, as the node it replaced is gone from the ring.
  if (ring_.tokens().empty()) {
    req.replace_address = options_.replace_address;
  } else if (!options_.replace_address.empty()) {
    spdlog::info("replace_address ignored: this node already holds its tokens");
  }
  // A node restored from a backup asks for the backed-up tokens: a scheduler that does not know
  // it (a whole cluster restored onto a fresh one) gives it their slot, in whatever order the
  // restored nodes come up; one that knows it with other tokens, or whose slot another host
  // holds, refuses the registration (409) and the agent stops.
  const std::optional<RestoreRecord> restored = applied_restore(options_.data_dir);
  if (restored && restored->host_id == host_id) req.tokens = restored->tokens;
  // The record as this process found it: what it wrote since is not an absence.
  req.last_healthy_us = registered_ ? read_last_healthy(options_.data_dir) : last_healthy_at_start_;

  BackoffOptions bo;
  bo.max_attempts = std::numeric_limits<int>::max();
  bo.initial_delay = std::chrono::milliseconds(100);
  bo.max_delay = options_.register_retry_max;
  bo.seed = std::hash<std::string>{}(host_id);
  Backoff backoff(bo);
  while (true) {
    auto reg = scheduler_.register_node(req);
    if (reg.ok()) {
      // A node restored from a backup must hold the backed-up tokens: its data is theirs.
      if (restored && restored->host_id == host_id) {
        if (!std::is_permutation(restored->tokens.begin(), restored->tokens.end(),
                                 reg->tokens.begin(), reg->tokens.end())) {
          return Status::FailedPrecondition(
              "this node was restored from backup " + restored->tag +
              " but the scheduler gave it other tokens than the backup's; it must not serve "
              "(start it against the scheduler that knows host " +
              host_id + ", or restore the cluster's registry)");
        }
        confirm_applied_restore(options_.data_dir);
      }
      registered_ = true;
      mark_healthy();
      Status applied = ring_.take_registration(reg->tokens, reg->state, std::move(reg->ring),
                                               std::move(reg->schema));
      if (!applied.ok())
        spdlog::warn("cannot apply the scheduler's ring/schema: {}", applied.message());
      std::string tokens;
      for (Token t : reg->tokens) tokens += (tokens.empty() ? "" : ",") + token_to_string(t);
      spdlog::info("registered with the scheduler: slot {}, state {}, tokens {}", reg->slot,
                   reg->state, tokens);
      return Status::OK();
    }
    const Status& s = reg.status();
    if (!is_retryable(s) && s.code() != ErrorCode::kInternal) {
      return Status(s.code(), "the scheduler refused the registration: " + s.message());
    }
    auto delay = backoff.next_delay().value_or(options_.register_retry_max);
    spdlog::warn("cannot register with the scheduler at {} ({}); retrying in {} ms",
                 options_.scheduler_url, s.message(), delay.count());
    if (stop_.wait_for(delay)) return Status::Cancelled("stopping");
  }
}

void SchedulerLink::heartbeat_loop() {
  bool first = true;
  int failures = 0;  // in a row: only the first of a streak is logged as a warning
  while (true) {
    if (!first && stop_.wait_for(options_.heartbeat_interval)) return;
    first = false;
    AgentHeartbeat req;
    if (ring_.state() == "JOINING" && (options_.replace_address.empty() || replacement_.done())) {
      req.state = "NORMAL";
    }
    req.load_bytes = load_bytes(options_.data_dir);
    if (auto t = ring_.topology()) {
      req.ring_version = t->ring_view().version;
      req.schema_version = t->schema().version;
    }
    auto reply = scheduler_.heartbeat(ring_.host_id(), req);
    if (!reply.ok()) {
      const Status& s = reply.status();
      if (s.code() == ErrorCode::kNotFound) {
        spdlog::warn("the scheduler does not know this node any more; registering again");
        return;
      }
      if (s.code() == ErrorCode::kFailedPrecondition) {
        stop_.fail(Status(s.code(), "the scheduler refused the heartbeat: " + s.message()));
        return;
      }
      if (failures++ == 0) {
        spdlog::warn("heartbeat failed (serving with the cached ring meanwhile): {}", s.message());
      } else {
        spdlog::debug("heartbeat failed again: {}", s.message());
      }
      continue;
    }
    if (failures > 0) spdlog::info("heartbeats answered again after {} failures", failures);
    failures = 0;
    mark_healthy();
    if (req.state) ring_.set_reported_state(*req.state);
    const bool got_ring = reply->ring.has_value();
    Status s = ring_.install(std::move(reply->ring), std::move(reply->schema));
    if (!s.ok()) spdlog::warn("cannot apply the scheduler's ring/schema: {}", s.message());
    // Show this node's new state in the served ring even before the scheduler sends one.
    if (req.state && !got_ring) (void)ring_.refresh_self();
  }
}

}  // namespace rk::agent
