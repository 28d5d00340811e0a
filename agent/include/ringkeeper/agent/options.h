// rk-agent's settings: one Options struct per concern, every member defaulted with a comment, and
// the config schema that maps them onto YAML (core/config.h). docs/configuration.md embeds the
// generated table (block "rk-agent"); agent/src/options_test.cc keeps the two in sync.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "ringkeeper/backup/store_factory.h"
#include "ringkeeper/core/config.h"
#include "ringkeeper/core/http_server.h"

namespace rk::agent {

// TLS for all three listeners and for the agent's own calls (scheduler, peers).
struct TlsOptions {
  std::string cert_file;  // PEM certificate of this agent; with key_file, listeners speak HTTPS
  std::string key_file;   // PEM private key
  std::string ca_file;    // CA that peers' and the scheduler's certificates are checked against
  bool require_client_cert = false;  // listeners refuse clients without a certificate from ca_file
};

// The embedded storage node (storage/node.h), under <data_dir>/storage.
struct StorageSettings {
  int64_t write_buffer_bytes = 32ll << 20;    // memtable size per data set
  int64_t total_memtable_bytes = 96ll << 20;  // cap on all memtables together
  int64_t block_cache_bytes = 32ll << 20;     // block cache shared by all data sets
  bool sync_writes = false;                   // fsync the WAL on every write (power-loss safety)
  int max_background_jobs = 2;                // background flush and compaction threads
  bool incremental_backups = false;           // hard-link each new SST under backups/
  // SST size at which a compaction starts another (RocksDB's target_file_size_base).
  int64_t target_file_size_bytes = 64ll << 20;
};

// Signal sampling and alerts (docs/monitoring.md). Ranges use the Nagios guidelines' syntax with
// units (monitor/threshold.h).
struct SignalOptions {
  std::chrono::milliseconds sample_interval{10'000};  // time between samples
  std::string disk_warning = "60%:";                  // on free % (or free bytes: "200GiB:")
  std::string disk_critical = "50%:";                 // likewise; both ranges in the same unit
  double disk_hysteresis = 2;  // % points (bytes for byte ranges) past the edge to clear
  int64_t data_budget_bytes = 350ll << 30;  // WARNING when the node's data is larger; 0: off
  std::string await_warning = "20ms";       // on the worst device's await
  std::string await_critical = "100ms";
  std::chrono::milliseconds await_sustain{60'000};  // await must hold this long to change state
  std::string headroom_warning = "1.5:";            // free / largest next compaction
  std::string headroom_critical = "1:";
  std::string tombstones_warning = "0.2";  // the worst table's tombstones / entries
  std::string tombstones_critical = "0.5";
  std::string files_warning = "5000";  // SSTs of the node
  std::string files_critical = "20000";
  int growth_samples = 60;    // samples the growth rate is fitted over
  int64_t alert_queue = 256;  // state changes waiting for the scheduler at most
};

// Repair sessions this node coordinates or takes part in (docs/repair.md, "Repair sessions").
struct RepairSettings {
  // A view pinned for a session is released when its coordinator has not renewed it for this
  // long (a coordinator renews every third of it): a dead coordinator never pins data forever.
  std::chrono::milliseconds view_lease{120'000};
  std::chrono::milliseconds call_timeout{600'000};  // per internode repair call (validation)
  int64_t rows_per_leaf = 2;             // Merkle leaf target of the first validation pass
  int refine_leaves_per_row = 16;        // leaves per row when a differing leaf is validated again
  int max_tree_depth = 16;               // deeper trees are split into several (2.5 MiB each)
  int64_t stream_chunk_bytes = 1 << 20;  // streamed partitions per import call, about
  int finished_sessions_kept = 300;      // finished sessions the API still shows
};

// Backups and restores of this node (docs/backup.md).
struct BackupSettings {
  // Where backups go; opened on first use. (url, s3.*, encryption: see docs/backup.md "Stores".)
  backup::StoreOptions store;
  // The agent's one bandwidth limit: bytes per second for all its uploads and downloads
  // together; 0: none. (backup.store.s3.bandwidth_limit is its deprecated alias.)
  int64_t bandwidth_limit = 0;
  int parallel_files = 4;  // files uploaded (or downloaded by a restore) at once
  // Upload every new file under storage/backups/ (needs storage.incremental_backups) soon after
  // it appears, then remove its hard link.
  bool incremental_upload = false;
  // how often backups/ (and wal_archive/, with archive_wal) is looked at
  std::chrono::milliseconds incremental_interval{10'000};
  // Point-in-time restore: archive every write-ahead-log file the engine is done with (turns
  // the storage node's archive_wal on) and upload each one from storage/wal_archive/, then
  // remove it locally.
  bool archive_wal = false;
  // With archive_wal: flush (which closes the live WAL so that it is archived and uploaded)
  // when writes have waited this long in it; bounds the recovery point. 0: only when the
  // engine closes a WAL itself (a full memtable).
  std::chrono::milliseconds wal_close_interval{600'000};
  // Restore on start (Priam's restore-on-start): before the node opens, download this tag
  // ("latest": the newest) of restore_host_id's backup and start as that node. Done once: a
  // restore already applied is not repeated.
  std::string restore_tag;
  std::string restore_host_id;  // the backed-up node; "" = this node's own host id
  // Restore on start to a point in time (µs since the epoch, or RFC 3339 such as
  // 2026-11-23T05:10:00Z): the newest complete backup at or before it, plus the incremental
  // and WAL files after it up to that time. "" = everything (the latest state).
  std::string restore_until;
  bool restore_force = false;  // restore even over a storage directory that holds data
};

struct AgentOptions {
  std::string cluster = "ringkeeper";  // cluster name; the scheduler refuses a mismatch
  std::string datacenter = "dc1";      // this node's datacenter
  std::string rack = "r1";             // this node's rack
  uint32_t num_tokens = 1;             // tokens per node (vnodes); same in a whole datacenter
  std::string data_dir = "data";       // host_id, ring.json and the storage node live here
  std::string scheduler_url = "http://127.0.0.1:7400";  // rk-scheduler's REST API
  std::string agent_token;     // bearer token (role agent) for the scheduler; also accepted here
  std::string operator_token;  // bearer token (role operator) accepted on mutating ops calls
  std::string cluster_secret;  // shared secret of the internode API; required
  std::string listen_address = "127.0.0.1";  // address all three listeners bind
  std::string advertise_address;  // address peers and the scheduler use; "" = listen_address
  // The three listeners: core's listener keys (http::listener_options_schema); all three bind
  // listen_address and take TLS from `tls`. Bodies up to 4 MiB (replica batches, stream chunks).
  http::ServerOptions ops{.name = "ops API", .port = 7100, .max_body_bytes = 4 << 20};
  http::ServerOptions internode{
      .name = "internode API", .port = 7000, .handler_threads = 8, .max_body_bytes = 4 << 20};
  http::ServerOptions client{
      .name = "client API", .port = 9043, .handler_threads = 8, .max_body_bytes = 4 << 20};
  std::chrono::milliseconds heartbeat_interval{5'000};   // time between heartbeats
  std::chrono::milliseconds register_retry_max{10'000};  // cap on the registration retry delay
  std::chrono::milliseconds scheduler_timeout{5'000};    // per call to the scheduler
  std::chrono::milliseconds write_timeout{2'000};        // a write waits this long for its CL
  std::chrono::milliseconds read_timeout{5'000};         // a read waits this long for its CL
  std::chrono::milliseconds stream_timeout{60'000};      // per page of a replacement stream
  int coordinator_threads = 16;    // threads sending internode requests for the coordinator
  int coordinator_queue = 256;     // replica calls waiting for those threads; full: 503
  std::string replace_address;     // "host:port" of a DOWN node to replace (its tokens, its data)
  std::string log_level = "info";  // trace, debug, info, warn, error, critical, off
  TlsOptions tls;
  StorageSettings storage;
  SignalOptions signals;
  RepairSettings repair;
  BackupSettings backup;

  // The address peers reach this agent at.
  const std::string& advertised() const {
    return advertise_address.empty() ? listen_address : advertise_address;
  }
};

ConfigSchema<AgentOptions> agent_options_schema();

}  // namespace rk::agent
