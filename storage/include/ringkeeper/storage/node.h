// The embedded storage node: a durable, Cassandra-style store of keyspaces and tables on top of
// RocksDB. rk-agent hosts one; repair validates and streams through it; backup snapshots it.
//
// Data model (see docs/storage.md): a table holds partitions (by partition key, placed on the
// ring by its Murmur3 token), a partition holds rows (by clustering key, bytewise order), a row
// holds cells (by column name). Every write carries the client's timestamp (µs); versions of a
// cell reconcile last-write-wins whatever order they arrive in. Deletes are tombstones; row and
// partition deletions shadow older cells and never newer ones.
//
// Thread-safety: every method may be called concurrently from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token.h"
#include "ringkeeper/core/token_range.h"
#include "ringkeeper/storage/merkle_tree.h"
#include "ringkeeper/storage/mutation.h"
#include "ringkeeper/storage/row.h"
#include "ringkeeper/storage/schema.h"

namespace rk::storage {

struct Options {
  // Directory holding the node's files (created if missing). Required.
  std::string data_dir;
  // Memtable size of each data set before it is flushed to an SST.
  size_t write_buffer_bytes = 32ull << 20;
  // Cap on all memtables together (RocksDB's db_write_buffer_size); bounds memory when ingesting.
  size_t total_memtable_bytes = 96ull << 20;
  // Block cache shared by all data sets (index and filter blocks are charged to it too).
  size_t block_cache_bytes = 32ull << 20;
  // Size at which a compaction starts a new SST (RocksDB's target_file_size_base; its default).
  size_t target_file_size_bytes = 64ull << 20;
  // fsync the WAL on every write. Off, an acknowledged write still survives kill -9 of the
  // process (the WAL reaches the OS before the write returns); on, it also survives power loss.
  bool sync_writes = false;
  // Background flush and compaction threads.
  int max_background_jobs = 2;
  // Hard-link every newly written SST under <data_dir>/backups/ (incremental backups).
  bool incremental_backups = false;
  // Read SSTs with O_DIRECT (RocksDB use_direct_reads): every read bypasses the OS page cache and
  // goes to the device unless the block cache holds the block. Off, reads go through the page
  // cache. For measuring reads from the device (bench/validation_bench) and for hosts whose page
  // cache belongs to other work (then give the node a larger block cache instead).
  bool direct_reads = false;
  // Memory for what validation found in the leaves of unchanged SSTs (a sum of row digests per
  // leaf and file, about 40 bytes per leaf: some 1.3 bytes per row at 32 rows per leaf), so that
  // validating unchanged data again reads only what changed; 0 turns that off (every validation
  // reads everything). Reuse never changes a tree (see docs/storage.md, "Validation").
  size_t validation_cache_bytes = 64ull << 20;
  // Keep every write-ahead-log file the engine is done with (its writes all flushed) under
  // <data_dir>/wal_archive/<number>.log (number: 6+ digits) until someone deletes it, for
  // point-in-time restore (replay_wal_file). A file there is complete and never changes. The
  // live WAL is not there until a flush (flush(), snapshot(), a full memtable) closes it.
  bool archive_wal = false;
};

// A slice of clustering keys (bytewise order): [start, end).
struct ClusteringSlice {
  std::optional<std::string> start;  // inclusive; nullopt = from the first row
  std::optional<std::string> end;    // exclusive; nullopt = to the last row
};

// Which data sets an operation looks at.
enum class DataScope : uint8_t {
  kAll,         // repaired and unrepaired, reconciled
  kUnrepaired,  // only data not yet marked repaired (incremental repair)
  kRepaired,    // only repaired data
};

// One file of a snapshot, as listed in its manifest.
// One page of a range export (Node::export_page).
struct ExportPage {
  std::vector<Partition> partitions;
  // The rest of the range to ask for next; nullopt when the range is done.
  std::optional<TokenRange> next;
};

// One unit of a partition that export_rows reads: the partition's deletion, or one row.
struct RowSelector {
  std::string partition_key;
  bool partition_deletion = false;  // the deletion; clustering_key is then ignored
  std::string clustering_key;
};

struct SnapshotFile {
  std::string path;  // relative to the snapshot directory, e.g. "data/000012.sst"
  uint64_t size = 0;
  std::string sha256;  // lower-case hex
};

struct SnapshotInfo {
  std::string tag;
  std::string directory;          // <data_dir>/snapshots/<tag>
  int64_t created_at_micros = 0;  // the node's clock when it was taken
  // The newest engine sequence number the snapshot holds (its flushed SSTs plus the WAL tail
  // copied with them): replay_wal_file(after_sequence = this) skips what the snapshot has.
  // 0 for snapshots taken before it was recorded.
  uint64_t sequence = 0;
  std::vector<SnapshotFile> files;  // every file of the snapshot except manifest.json itself
};

// What one replay_wal_file or replay_data_file call did.
struct ReplayStats {
  uint64_t batches = 0;               // WAL: write batches read (skipped ones too); data file: 0
  uint64_t cells_applied = 0;         // cells and tombstones written into the unrepaired set
  uint64_t cells_skipped_after = 0;   // written after up_to_us (for a data file: keys whose
                                      // every version is)
  uint64_t cells_skipped_before = 0;  // in WAL batches at or before after_sequence
  // Of cells_applied, those of a table this node does not know (yet): they become readable once
  // the table's schema record is replayed (from a later WAL file or metadata SST).
  uint64_t cells_unknown_table = 0;
  uint64_t tables_created = 0;    // keyspaces and tables created from replayed schema records
  int64_t newest_applied_us = 0;  // newest write timestamp applied; 0 when none was
  uint64_t newest_sequence = 0;   // WAL: sequence number of the last batch read; else 0
};

// Disk and compaction facts of one data set of one table.
struct SetFacts {
  uint64_t bytes_on_disk = 0;  // approximate SST bytes holding the table's keys
  uint64_t files = 0;          // SSTs whose key range overlaps the table's keys
  uint64_t tombstones = 0;     // tombstone entries in those SSTs (versions, before reconciliation)
  uint64_t entries = 0;  // all entries in those SSTs (0 for SSTs written before it was counted)
};

// One range of a table's repair history (Node::repair_history).
struct RepairedRange {
  TokenRange range;
  int64_t repaired_at_us = 0;
};

struct TableFacts {
  std::string keyspace;
  std::string table;
  SetFacts unrepaired;
  SetFacts repaired;
  // Smallest and largest repaired_at given to mark_repaired for the table; 0 when never marked.
  int64_t min_repaired_at = 0;
  int64_t max_repaired_at = 0;
};

struct NodeFacts {
  std::vector<TableFacts> tables;
  uint64_t sst_files = 0;  // all SSTs of the node (both sets)
  uint64_t running_compactions = 0;
  uint64_t pending_compactions = 0;       // data sets that need a compaction (0..2)
  uint64_t pending_compaction_bytes = 0;  // RocksDB's estimate of bytes left to compact
  uint64_t memtable_bytes = 0;            // data not yet flushed
};

// Called with each partition in token order; return false to stop.
using PartitionVisitor = std::function<bool(const Partition&)>;

class Node;

// A pinned point-in-time view of all of a node's data, both sets (a RocksDB snapshot): what
// repair validates, streams from and marks repaired, so that replicas validating one after
// another still describe the moment the session started and writes in flight never count as
// validated. Released (the engine may drop the versions it held) when destroyed. Must not outlive
// its node. While held, compaction keeps the older versions of keys written since: hold views
// for the length of a repair session, not longer.
class View {
 public:
  ~View();
  View(const View&) = delete;
  View& operator=(const View&) = delete;
  // The node's clock when the view was pinned (µs since epoch).
  int64_t pinned_at_micros() const { return pinned_at_micros_; }

 private:
  friend class Node;
  friend class NodeInternals;
  View(const Node* node, const void* snapshot, int64_t pinned_at_micros)
      : node_(node), snapshot_(snapshot), pinned_at_micros_(pinned_at_micros) {}
  const Node* node_;
  const void* snapshot_;  // const rocksdb::Snapshot*, opaque to keep RocksDB out of this header
  int64_t pinned_at_micros_;
};

class Node {
 public:
  // Opens (creating if needed) the node in options.data_dir. `clock` gives local deletion times,
  // TTL expiry and gc_grace decisions; it must outlive the node.
  static Result<std::unique_ptr<Node>> open(const Options& options,
                                            Clock& clock = SystemClock::instance());
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // --- schema -------------------------------------------------------------------------------
  // Creates a keyspace; InvalidArgument for a bad name or replication, AlreadyExists if taken.
  Status create_keyspace(const KeyspaceSchema& keyspace);
  // Creates a table (its `id` is assigned and returned); NotFound for an unknown keyspace.
  Result<TableSchema> create_table(const TableSchema& table);
  // Changes a table's options (gc_grace_seconds, default_ttl_seconds, tombstone_gc) to those of
  // `table`, found by keyspace and name; its id stays. Takes effect for the compactions and
  // validations that start afterwards. InvalidArgument for bad values, NotFound for an unknown
  // table; on error nothing changes.
  Result<TableSchema> alter_table(const TableSchema& table);
  Result<KeyspaceSchema> keyspace(std::string_view name) const;
  Result<TableSchema> table(std::string_view keyspace, std::string_view name) const;
  std::vector<KeyspaceSchema> keyspaces() const;
  std::vector<TableSchema> tables() const;

  // --- writes -------------------------------------------------------------------------------
  // Applies one mutation atomically and durably (see Options::sync_writes). InvalidArgument for
  // malformed keys (empty or > 65535-byte partition key, > 65535-byte clustering key, empty
  // column name), a negative or > 20-year TTL, or a reserved timestamp; NotFound for an unknown
  // keyspace/table. On error nothing is written.
  Status apply(const Mutation& mutation);
  // Applies several mutations (any tables) as one atomic write; on error nothing is written.
  Status apply_batch(std::span<const Mutation> mutations);

  // --- reads (live data: deleted, shadowed and expired cells are left out) ----------------
  // The row, or nullopt when it has no live cell.
  Result<std::optional<Row>> read_row(std::string_view keyspace, std::string_view table,
                                      std::string_view partition_key,
                                      std::string_view clustering_key) const;
  // The partition's live rows within `slice` (empty rows vector when there are none).
  Result<Partition> read_partition(std::string_view keyspace, std::string_view table,
                                   std::string_view partition_key,
                                   const ClusteringSlice& slice = {}) const;
  // Visits the partitions with live rows whose token is in `range`, in token order (a wrapping
  // range: the piece from kMinToken first, as TokenRange::unwrap orders them).
  Status scan(std::string_view keyspace, std::string_view table, const TokenRange& range,
              const PartitionVisitor& visit) const;

  // --- pinned views (repair) ---------------------------------------------------------------
  // Pins the node's data as it is now (see View). Cheap: no data is copied.
  std::unique_ptr<View> pin() const;

  // --- raw reads (what repair streams: tombstones and expired cells included) --------------
  // Visits the partitions of `range` in token order as stored in `scope`, reconciled (cells and
  // row deletions shadowed by a newer deletion are left out), tombstones and expired cells
  // included. Reads at `view` when given (InvalidArgument for another node's view), else at a
  // snapshot taken when the call starts.
  Status scan_raw(std::string_view keyspace, std::string_view table, const TokenRange& range,
                  DataScope scope, const PartitionVisitor& visit, const View* view = nullptr) const;
  // An estimate of the rows (plus partition deletions) of the table in `range` and `scope`,
  // for sizing Merkle trees (merkle_depth_for): exact when the range holds few keys (they are
  // counted), otherwise the engine's approximate bytes of the range times keys per byte, times
  // the rows-per-key ratio of a sample read from the range's start. Never reads the whole range.
  Result<uint64_t> estimate_rows(std::string_view keyspace, std::string_view table,
                                 const TokenRange& range, DataScope scope) const;

  // --- validation (repair) -----------------------------------------------------------------
  // A finalized Merkle tree over `range` with 2^depth leaves, fed with one digest per row of the
  // table in `scope` (kUnrepaired for incremental repair, kAll for full repair), plus one per
  // partition deletion. A row's digest is XXH3-128 of its reconciled content (row_digest.h): the
  // same data gives the same tree on every replica, however it was written, flushed, compacted
  // or split between the sets. Tombstones and expired cells that compaction may already purge
  // (by the table's tombstone_gc mode) are left out, so a replica that purged them does not
  // differ.
  // Reads at `view` when given (see scan_raw). InvalidArgument for a bad depth (see
  // MerkleTree::create). Leaves whose keys only unchanged SSTs hold are read once per tree
  // shape (range, depth) and set of files; later validations of the same shape reuse what was
  // found there (Options::validation_cache_bytes) and give the tree a full read would.
  Result<MerkleTree> validate(std::string_view keyspace, std::string_view table,
                              const TokenRange& range, DataScope scope, int depth,
                              const View* view = nullptr) const;

  // --- streaming (what repair and a replacement move between replicas) ---------------------
  // One page of the partitions of `range` in `scope`, exactly as scan_raw gives them, in ring
  // order from range.start(): stops once `max_partitions` or about `max_bytes` of keys and values
  // are collected, never between two partitions of the same token, so that the rest is
  // ExportPage::next. Reads at `view` when given (see scan_raw). Callers send a page as
  // encode_partitions() bytes (range_stream.h) or as JSON.
  Result<ExportPage> export_page(std::string_view keyspace, std::string_view table,
                                 const TokenRange& range, DataScope scope, size_t max_partitions,
                                 size_t max_bytes, const View* view = nullptr) const;
  // Writes streamed partitions into the unrepaired set, last-write-wins: a version with an older
  // timestamp than the one held never wins, and timestamps, TTLs and local deletion times are
  // kept as streamed. Atomic: InvalidArgument (nothing written) when a partition's token is not
  // its key's token or a key, column or timestamp is malformed.
  Status import_partitions(std::string_view keyspace, std::string_view table,
                           std::span<const Partition> partitions);
  // decode_partitions(chunk) then import_partitions; Corruption for a malformed chunk.
  Status import_stream(std::string_view keyspace, std::string_view table, std::string_view chunk);

  // --- the row-level exchange (repair) ------------------------------------------------------
  // Visits the partitions of each of `ranges`, range after range (each in token order), as
  // validation digests them: as scan_raw gives them, less what validation leaves out because
  // compaction may already have purged it by the table's tombstone_gc mode (deletions and
  // expired cells; a row or partition left with nothing is not visited). `visit` gets the
  // range's index; false stops the scan. Reads at `view` when given (see scan_raw).
  // InvalidArgument for more than kMaxExchangeRanges ranges.
  static constexpr size_t kMaxExchangeRanges = 4096;
  Status scan_as_validated(std::string_view keyspace, std::string_view table,
                           std::span<const TokenRange> ranges, DataScope scope,
                           const std::function<bool(size_t range, const Partition&)>& visit,
                           const View* view = nullptr) const;
  // The units `rows` names, as scan_raw reads them (tombstones and expired cells included, what
  // a deletion of the row or partition shadows left out), one Partition per partition named, in
  // token order: its named rows that hold anything and its deletion when named. A unit the node
  // does not hold is left out. Reads at `view` when given (see scan_raw). InvalidArgument for
  // more than kMaxExportRows units or a malformed key.
  static constexpr size_t kMaxExportRows = 100'000;
  Result<std::vector<Partition>> export_rows(std::string_view keyspace, std::string_view table,
                                             std::span<const RowSelector> rows, DataScope scope,
                                             const View* view = nullptr) const;

  // --- repaired and unrepaired sets -------------------------------------------------------
  // Moves the table's data in `range` from the unrepaired to the repaired set (Cassandra's
  // anticompaction after a successful incremental repair) and records `repaired_at` (> 0, e.g.
  // the repair's start time in ms) for the range. Each key moves atomically; reads see the same
  // reconciled data before, during and after. Writes to the table wait while a chunk moves.
  // Returns how many keys moved.
  // Only what `view` saw moves: a key written after the view was pinned keeps its newer version
  // in the unrepaired set (the view's version, which the repair compared, moves), and a key
  // created after the view stays wholly unrepaired, so nothing is marked repaired that was not
  // validated. Without a view, the data as it is when the call starts moves.
  // `record` false skips recording repaired_at for the range (a caller marking many small
  // ranges inside one it already recorded). InvalidArgument for another node's view.
  Result<uint64_t> mark_repaired(std::string_view keyspace, std::string_view table,
                                 const TokenRange& range, int64_t repaired_at,
                                 const View* view = nullptr, bool record = true);

  // --- repair history (tombstone_gc: repair) -----------------------------------------------
  // Records that a repair covering `range` of the table succeeded on every replica, having
  // compared their data as it was at `repaired_at_us` (> 0): the earliest moment any replica's
  // view was pinned, each by its own clock. From then on a deletion of a token in `range` whose
  // local deletion time is before `repaired_at_us` may be purged in repair mode (see
  // docs/storage.md). Never moves a range's time back. Durable (synchronous write) and carried by
  // snapshots. InvalidArgument for repaired_at_us <= 0, NotFound for an unknown table.
  Status record_repair(std::string_view keyspace, std::string_view table, const TokenRange& range,
                       int64_t repaired_at_us);
  // The table's repair history: disjoint ranges in token order, each with the time recorded for
  // it; ranges never recorded are left out.
  Result<std::vector<RepairedRange>> repair_history(std::string_view keyspace,
                                                    std::string_view table) const;

  // Discards every row of the table on this node, in both sets, durably (a synced write); the
  // table and its schema stay. A quarantined node does it before streaming the table again from
  // the other replicas. NotFound for an unknown table.
  Status truncate_table(std::string_view keyspace, std::string_view table);

  // Compacts the table's keys in `range` in the sets of `scope` (RocksDB CompactRange). After
  // mark_repaired the unrepaired set holds a deletion marker per moved key, which every later
  // scan of the set (incremental validation) steps over until compaction drops them; repair
  // calls this once its views are released (a held view keeps what it saw).
  Status compact_range(std::string_view keyspace, std::string_view table, const TokenRange& range,
                       DataScope scope);

  // --- replay (restore after a snapshot, point-in-time restore) ----------------------------
  // Replays one WAL file (one of <data_dir>/wal_archive/, possibly another node's copy of this
  // node's data) through the last-write-wins import path into the unrepaired set: every cell,
  // tombstone, row and partition deletion whose write timestamp is <= up_to_us is applied.
  // Write batches whose sequence number is <= after_sequence are skipped (the snapshot the
  // node was restored from holds them: SnapshotInfo::sequence); replaying them could bring back
  // data whose tombstone was purged inside the snapshot. Engine deletes (moves between the
  // sets) are ignored, and so are metadata records except schema: a keyspace or table the node
  // does not know is created as recorded (FailedPrecondition when its name or id is another
  // table's here: the file comes from another node). Idempotent. A record cut off by the end of
  // the file (the tail of a log being written at a crash) ends it quietly; Corruption naming
  // the file and offset for a damaged record: what came before it is applied (safe to apply
  // again), nothing after it. NotFound for a missing file.
  Result<ReplayStats> replay_wal_file(const std::string& path, uint64_t after_sequence,
                                      int64_t up_to_us);
  // Replays one engine data file (an SST of <data_dir>/backups/: an incremental backup) the
  // same way: each key's newest version written at or before up_to_us goes into the unrepaired
  // set, whichever set the file belongs to; a metadata SST contributes its schema records.
  // Idempotent. InvalidArgument for a file that is not an SST of a storage node, NotFound for a
  // missing one.
  Result<ReplayStats> replay_data_file(const std::string& path, int64_t up_to_us);

  // --- snapshots and facts -----------------------------------------------------------------
  // Flushes, then hard-links every live SST (plus the engine's metadata) under
  // <data_dir>/snapshots/<tag>/data/, writes schema.json and, last, manifest.json (files, sizes,
  // SHA-256). InvalidArgument for a tag that is not a valid snapshot tag (core/names.h: it could
  // escape the directory), AlreadyExists when the tag is taken. The snapshot is a RocksDB
  // checkpoint: Options{data_dir = <snapshot dir>} opens it read-write as a node of its own.
  Result<SnapshotInfo> snapshot(std::string_view tag);
  // Complete snapshots (those with a manifest), by tag.
  Result<std::vector<SnapshotInfo>> list_snapshots() const;
  // Removes one snapshot; NotFound if there is none with that tag.
  Status clear_snapshot(std::string_view tag);
  // Sizes, file and tombstone counts per table and set, compaction backlog, repaired_at bounds.
  Result<NodeFacts> facts() const;

  // --- maintenance --------------------------------------------------------------------------
  // Flushes the data sets' memtables to SSTs (with archive_wal, the metadata's too: that closes
  // the live WAL, which then reaches wal_archive).
  Status flush();
  // Flushes, then compacts all data of every set (tombstone purge happens here and in
  // background compactions).
  Status compact();

  const Options& options() const;

  struct Impl;

 private:
  friend class NodeInternals;  // the module's own code and tests (node_impl.h)
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rk::storage
