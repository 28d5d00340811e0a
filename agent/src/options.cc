// rk-agent's config schema: every key of AgentOptions with its YAML name, doc line and limits.
#include "ringkeeper/agent/options.h"

#include "ringkeeper/core/http_config.h"
#include "ringkeeper/core/log.h"
#include "ringkeeper/core/names.h"
#include "ringkeeper/core/time_text.h"
#include "signals/thresholds.h"

namespace rk::agent {
namespace {

using std::chrono::milliseconds;

ConfigSchema<TlsOptions> tls_schema() {
  ConfigSchema<TlsOptions> s;
  s.field("cert_file", &TlsOptions::cert_file,
          "PEM certificate; with key_file set every listener speaks only HTTPS.");
  s.field("key_file", &TlsOptions::key_file, "PEM private key of cert_file.");
  s.field("ca_file", &TlsOptions::ca_file,
          "CA that the scheduler's and peers' certificates (and client certificates) are "
          "verified against.");
  s.field("require_client_cert", &TlsOptions::require_client_cert,
          "Listeners refuse clients without a certificate signed by ca_file.");
  s.check([](const TlsOptions& t) {
    if (t.cert_file.empty() != t.key_file.empty()) {
      return Status::InvalidArgument("tls.cert_file and tls.key_file must be set together");
    }
    if (t.require_client_cert && t.ca_file.empty()) {
      return Status::InvalidArgument("tls.require_client_cert needs tls.ca_file");
    }
    return Status::OK();
  });
  return s;
}

ConfigSchema<StorageSettings> storage_schema() {
  ConfigSchema<StorageSettings> s;
  s.size("write_buffer", &StorageSettings::write_buffer_bytes,
         "Memtable size of each data set before it is flushed.")
      .range(int64_t{1} << 20, int64_t{4} << 30);
  s.size("total_memtable", &StorageSettings::total_memtable_bytes,
         "Cap on all memtables together; bounds memory while ingesting.")
      .range(int64_t{1} << 20, int64_t{64} << 30);
  s.size("block_cache", &StorageSettings::block_cache_bytes, "Block cache shared by all data sets.")
      .range(int64_t{1} << 20, int64_t{256} << 30);
  s.size("target_file_size", &StorageSettings::target_file_size_bytes,
         "Size at which a compaction starts a new data file (SST).")
      .range(int64_t{1} << 20, int64_t{256} << 30);
  s.field("sync_writes", &StorageSettings::sync_writes,
          "fsync the write-ahead log on every write (survives power loss, not only kill -9).");
  s.field("max_background_jobs", &StorageSettings::max_background_jobs,
          "Background flush and compaction threads.")
      .range(1, 64);
  s.field("incremental_backups", &StorageSettings::incremental_backups,
          "Hard-link every newly written SST under <data_dir>/storage/backups/.");
  return s;
}

ConfigSchema<SignalOptions> signal_schema() {
  ConfigSchema<SignalOptions> s;
  s.field("sample_interval", &SignalOptions::sample_interval,
          "Time between samples of disk, await and the storage engine's facts.")
      .range(milliseconds(100), milliseconds(3'600'000));
  s.field("disk_warning", &SignalOptions::disk_warning,
          "Range on the data filesystem's free % (60%: = WARNING below 60% free), or on free "
          "bytes (200GiB:).");
  s.field("disk_critical", &SignalOptions::disk_critical,
          "Likewise for CRITICAL; same unit as disk_warning.");
  s.field("disk_hysteresis", &SignalOptions::disk_hysteresis,
          "How far (% points, or bytes for byte ranges) free space must come back past the edge "
          "before a disk alert clears.")
      .range(0.0, 1e15);
  s.size("data_budget", &SignalOptions::data_budget_bytes,
         "WARNING when the node's data (as du counts it) is larger; 0 turns the budget off.")
      .range(0, int64_t{1} << 60);
  s.field("await_warning", &SignalOptions::await_warning,
          "Range on the worst device's await (20ms = WARNING above 20 ms).");
  s.field("await_critical", &SignalOptions::await_critical, "Likewise for CRITICAL.");
  s.field("await_sustain", &SignalOptions::await_sustain,
          "How long await must stay in a new state before the alert changes (one spike pages "
          "nobody).")
      .range(milliseconds(0), milliseconds(86'400'000));
  s.field("headroom_warning", &SignalOptions::headroom_warning,
          "Range on compaction headroom, free space / the largest compaction the engine could "
          "run next (1.5: = WARNING below 1.5).");
  s.field("headroom_critical", &SignalOptions::headroom_critical,
          "Likewise for CRITICAL (1: = the next large compaction no longer fits).");
  s.field("tombstones_warning", &SignalOptions::tombstones_warning,
          "Range on the worst table's tombstone ratio (0.2 = WARNING above 20%).");
  s.field("tombstones_critical", &SignalOptions::tombstones_critical, "Likewise for CRITICAL.");
  s.field("files_warning", &SignalOptions::files_warning, "Range on the node's SST count.");
  s.field("files_critical", &SignalOptions::files_critical, "Likewise for CRITICAL.");
  s.field("growth_samples", &SignalOptions::growth_samples,
          "Samples the growth rate and time-until-full projection are fitted over.")
      .range(2, 100'000);
  s.field("alert_queue", &SignalOptions::alert_queue,
          "Alert state changes waiting for the scheduler at most (the latest per signal is "
          "kept; beyond, the oldest is dropped).")
      .range(1, 100'000);
  s.check([](const SignalOptions& o) { return parse_signal_thresholds(o).status(); });
  return s;
}

ConfigSchema<RepairSettings> repair_schema() {
  ConfigSchema<RepairSettings> s;
  s.field("view_lease", &RepairSettings::view_lease,
          "A view pinned for a repair session is released when its coordinator has not renewed "
          "it for this long (coordinators renew every third of it).")
      .range(milliseconds(100), milliseconds(86'400'000));
  s.field("call_timeout", &RepairSettings::call_timeout,
          "Timeout of each internode repair call (a validation of a large range takes a while).")
      .range(milliseconds(100), milliseconds(86'400'000));
  s.field("rows_per_leaf", &RepairSettings::rows_per_leaf,
          "Rows a Merkle leaf covers in a session's first validation pass (the depth adapts to "
          "the rows in the range).")
      .range(1, 1'000'000);
  s.field("refine_leaves_per_row", &RepairSettings::refine_leaves_per_row,
          "Leaves per row when a differing leaf too dense for the row exchange (over 1024 "
          "rows) is validated again before streaming.")
      .range(1, 1024);
  s.field("max_tree_depth", &RepairSettings::max_tree_depth,
          "Deepest Merkle tree sent (2^depth leaves); a range needing more leaves is validated "
          "as several trees one after another.")
      .range(1, 20);
  s.size("stream_chunk", &RepairSettings::stream_chunk_bytes,
         "About this many bytes of partitions per streamed chunk (keep below internode.max_body).")
      .range(4096, int64_t{256} << 20);
  s.field("finished_sessions_kept", &RepairSettings::finished_sessions_kept,
          "Finished repair sessions the ops API still lists.")
      .range(1, 100'000);
  return s;
}

ConfigSchema<BackupSettings> backup_schema() {
  ConfigSchema<BackupSettings> s;
  s.section("store", &BackupSettings::store, backup::store_options_schema(),
            "The object store backups go to.");
  s.size("bandwidth_limit", &BackupSettings::bandwidth_limit,
         "The agent's one bandwidth limit: bytes per second for all backup uploads and restore "
         "downloads together; 0: unlimited. (backup.store.s3.bandwidth_limit is a deprecated "
         "alias: set only one.)")
      .range(0, int64_t{1} << 40);
  s.field("parallel_files", &BackupSettings::parallel_files,
          "Files a backup uploads, or a restore downloads, at once.")
      .range(1, 64);
  s.field("incremental_upload", &BackupSettings::incremental_upload,
          "Upload each new file under storage/backups/ soon after it appears (needs "
          "storage.incremental_backups), then remove its hard link.");
  s.field("incremental_interval", &BackupSettings::incremental_interval,
          "How often storage/backups/ (and storage/wal_archive/ with archive_wal) is looked at "
          "for new files.")
      .range(std::chrono::milliseconds(10), std::chrono::milliseconds(3'600'000));
  s.field("archive_wal", &BackupSettings::archive_wal,
          "Point-in-time restore: keep every write-ahead-log file the engine is done with under "
          "storage/wal_archive/ (turns the node's WAL archiving on), upload it, then remove it.");
  s.field("wal_close_interval", &BackupSettings::wal_close_interval,
          "With archive_wal: flush when writes have waited this long in the live WAL, so it is "
          "archived and uploaded (bounds the recovery point); 0: only when a memtable fills.")
      .range(std::chrono::milliseconds(0), std::chrono::milliseconds(86'400'000));
  s.field("restore_tag", &BackupSettings::restore_tag,
          "Restore on start: the backup tag (or \"latest\") to restore before the node opens; "
          "done once. Empty: no restore.");
  s.field("restore_host_id", &BackupSettings::restore_host_id,
          "Restore on start: the backed-up node's host id (this node starts as that node); "
          "empty: this node's own.");
  s.field("restore_until", &BackupSettings::restore_until,
          "Restore on start to a point in time (µs since the epoch or RFC 3339, e.g. "
          "2026-11-23T05:10:00Z): the newest complete backup at or before it, plus the "
          "incremental and WAL files after it up to then. Empty: everything.");
  s.field("restore_force", &BackupSettings::restore_force,
          "Restore on start even over a storage directory that holds data.");
  s.check([](const BackupSettings& b) -> Status {
    if (b.bandwidth_limit > 0 && b.store.s3.bandwidth_limit > 0)
      return Status::InvalidArgument(
          "backup.store.s3.bandwidth_limit and backup.bandwidth_limit are both set: rk-agent has "
          "one bandwidth limit for all its uploads and downloads, backup.bandwidth_limit; remove "
          "backup.store.s3.bandwidth_limit (a deprecated alias)");
    if (b.restore_until.empty()) return Status::OK();
    return parse_time_us(b.restore_until).status().with_context("backup.restore_until");
  });
  return s;
}

}  // namespace

ConfigSchema<AgentOptions> agent_options_schema() {
  ConfigSchema<AgentOptions> s;
  s.field("cluster", &AgentOptions::cluster, "Cluster name this node belongs to.").non_empty();
  s.field("datacenter", &AgentOptions::datacenter, "This node's datacenter.").non_empty();
  s.field("rack", &AgentOptions::rack, "This node's rack.").non_empty();
  s.field("num_tokens", &AgentOptions::num_tokens,
          "Tokens per node (vnodes); every node of a datacenter uses the same number.")
      .range(1, 256);
  s.field("data_dir", &AgentOptions::data_dir,
          "Directory of host_id, ring.json (the ring cache) and the storage node (storage/).")
      .non_empty();
  s.field("scheduler_url", &AgentOptions::scheduler_url,
          "Base URL of rk-scheduler's REST API (http:// or https://).")
      .non_empty();
  s.field("agent_token", &AgentOptions::agent_token,
          "Bearer token (role agent) sent to the scheduler; also accepted on the ops API's "
          "mutating calls.")
      .secret();
  s.field("operator_token", &AgentOptions::operator_token,
          "Bearer token (role operator) accepted on the ops API's mutating calls.")
      .secret();
  s.field("cluster_secret", &AgentOptions::cluster_secret,
          "Shared secret every agent of the cluster presents on the internode API "
          "(16 characters or more).")
      .secret();
  s.field("listen_address", &AgentOptions::listen_address, "Address all three listeners bind.")
      .non_empty();
  s.field("advertise_address", &AgentOptions::advertise_address,
          "Address the scheduler and peers use to reach this node; empty: listen_address.");
  // Handlers block on the node and on peers (whose answers come through this process's own
  // listeners): they never run on the I/O threads.
  const ConfigSchema<http::ServerOptions> listener = http::listener_options_schema(1);
  s.section("ops", &AgentOptions::ops, listener,
            "The ops API (Priam-like: health, node, ring, flush, snapshots).");
  s.section("internode", &AgentOptions::internode, listener,
            "The internode API (replica writes, raw reads, range export).");
  s.section("client", &AgentOptions::client, listener, "The client data API (write, read, batch).");
  s.field("heartbeat_interval", &AgentOptions::heartbeat_interval,
          "Time between heartbeats to the scheduler; keep it well under its heartbeat timeout.")
      .range(milliseconds(10), milliseconds(600'000));
  s.field("register_retry_max", &AgentOptions::register_retry_max,
          "Longest wait between registration attempts while the scheduler is unreachable.")
      .range(milliseconds(10), milliseconds(600'000));
  s.field("scheduler_timeout", &AgentOptions::scheduler_timeout,
          "Timeout of each call to the scheduler.")
      .range(milliseconds(10), milliseconds(600'000));
  s.field("write_timeout", &AgentOptions::write_timeout,
          "How long a coordinated write waits for its consistency level (then 504).")
      .range(milliseconds(1), milliseconds(600'000));
  s.field("read_timeout", &AgentOptions::read_timeout,
          "How long a coordinated read waits for its consistency level (then 504).")
      .range(milliseconds(1), milliseconds(600'000));
  s.field("stream_timeout", &AgentOptions::stream_timeout,
          "Timeout of each page fetched while streaming a replaced node's data.")
      .range(milliseconds(10), milliseconds(3'600'000));
  s.field("coordinator_threads", &AgentOptions::coordinator_threads,
          "Threads that send the coordinator's internode requests in parallel.")
      .range(1, 1024);
  s.field("coordinator_queue", &AgentOptions::coordinator_queue,
          "Replica calls waiting for a coordinator thread at most; a client request whose calls "
          "do not fit is answered 503 with Retry-After and nothing is sent.")
      .range(1, 1'000'000);
  s.field("replace_address", &AgentOptions::replace_address,
          "host:port (ops or internode) of a DOWN node to replace: this node takes its tokens "
          "and streams its data before serving. Empty: a normal start.");
  s.field("log_level", &AgentOptions::log_level, "Log verbosity.").one_of(log_level_names());
  s.section("tls", &AgentOptions::tls, tls_schema(), "TLS for listeners and outgoing calls.");
  s.section("storage", &AgentOptions::storage, storage_schema(), "The embedded storage node.");
  s.section("signals", &AgentOptions::signals, signal_schema(),
            "Signal sampling and alert thresholds (docs/monitoring.md).");
  s.section("repair", &AgentOptions::repair, repair_schema(),
            "Repair sessions this node coordinates or takes part in.");
  s.section("backup", &AgentOptions::backup, backup_schema(),
            "Backups to an object store and restores from it (docs/backup.md).");
  s.check([](const AgentOptions& o) {
    if (!o.cluster_secret.empty() && o.cluster_secret.size() < 16) {
      return Status::InvalidArgument("cluster_secret must have at least 16 characters");
    }
    if (o.advertised() == "0.0.0.0" || o.advertised() == "::") {
      return Status::InvalidArgument(
          "listen_address is a wildcard: set advertise_address to an address peers can reach");
    }
    return Status::OK();
  });
  return s;
}

}  // namespace rk::agent
