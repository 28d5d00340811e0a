// A node's backup manifest: what one node uploaded under one backup tag, written last (after
// every file it names), so its presence in the store means the node's part of the backup is
// complete. It names the node (host id, datacenter, rack, tokens), carries the cluster schema
// the node served with, and lists the snapshot's files with sizes and SHA-256 checksums.
//
// Store layout (docs/backup.md "Layout"), keys relative to the store's root:
//   data/<sha256>                 a file's content, stored once whatever node or tag names it
//                                 (content-addressed: the engine's files are immutable, so a
//                                 file already in the store is never uploaded again)
//   meta/<tag>/<host_id>.json     a node's manifest
//   meta/<tag>/backup.json        written by the scheduler once every node's manifest is there
//   meta/inc-<µs>/<host_id>.json  files uploaded by incremental mode (SSTs, "data/<number>.sst")
//   wal/<host_id>/<µs>.json       archived write-ahead-log files uploaded for point-in-time
//                                 restore ("wal/<number>.log"); <µs> is 20 digits, zero-padded,
//                                 so a host's WAL manifests list in time order under one prefix
//
// Parsing is strict and treats the manifest as untrusted input: a file path must be relative
// and stay inside the restore directory, a checksum must be 64 lower-case hex digits, sizes and
// tokens must parse. Anything else is Corruption naming the field, and nothing is restored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token.h"

namespace rk::backup {

inline constexpr int kManifestFormat = 1;

struct ManifestFile {
  std::string path;  // relative to the node's storage directory, e.g. "data/000012.sst"
  uint64_t size = 0;
  std::string sha256;  // lower-case hex of the plaintext
};

struct NodeManifest {
  int format = kManifestFormat;
  std::string tag;
  std::string cluster;
  std::string host_id;
  std::string datacenter;
  std::string rack;
  std::vector<Token> tokens;
  int64_t created_at_us = 0;  // when the snapshot was taken / the files uploaded (agent's clock)
  // "snapshot" for a tag's backup; "incremental" and "wal" for manifests of files uploaded
  // between snapshots (incremental SSTs, archived write-ahead logs).
  std::string kind = "snapshot";
  // A snapshot's newest engine sequence number (storage::SnapshotInfo::sequence): WAL records
  // up to it are inside the snapshot. 0 in manifests written before it was recorded.
  uint64_t sequence = 0;
  std::string encryption_key_id;                     // "" when the objects are not encrypted
  nlohmann::json schema = nlohmann::json::object();  // the cluster schema the node served with
  std::vector<ManifestFile> files;

  uint64_t total_bytes() const;
};

// The object key of a file's content: "data/<sha256>".
std::string data_key(std::string_view sha256);
// "meta/<tag>/<host_id>.json" and "meta/<tag>/" (the prefix of a tag's manifests).
std::string manifest_key(std::string_view tag, std::string_view host_id);
std::string tag_prefix(std::string_view tag);
// The tag and host id of a manifest key; NotFound when `key` is not a node manifest's key
// (e.g. meta/<tag>/backup.json).
struct ManifestKey {
  std::string tag;
  std::string host_id;
};
Result<ManifestKey> parse_manifest_key(std::string_view key);
// "wal/<host_id>/" and "wal/<host_id>/<created_at_us, 20 digits>.json".
std::string wal_prefix(std::string_view host_id);
std::string wal_manifest_key(std::string_view host_id, int64_t created_at_us);
// The host id and time of a WAL manifest key; NotFound when `key` is not one.
struct WalManifestKey {
  std::string host_id;
  int64_t created_at_us = 0;
};
Result<WalManifestKey> parse_wal_manifest_key(std::string_view key);
// The time of an incremental upload's tag ("inc-<µs>"); NotFound for any other tag.
Result<int64_t> incremental_tag_time(std::string_view tag);
// The engine's file number in a file name such as "000123.sst", "000045.log" or a path ending
// in one ("data/000123.sst"); NotFound when the name has no leading number.
Result<uint64_t> engine_file_number(std::string_view path);

// A path a manifest may name: relative, '/'-separated components of [A-Za-z0-9._-] that are not
// "." or "..", at most 512 characters. InvalidArgument otherwise (the message names the path).
Status validate_relative_path(std::string_view path);
// 64 lower-case hex digits.
Status validate_sha256(std::string_view hex);
// A host id as it appears in a key: [A-Za-z0-9_-], 1..64 characters.
Status validate_host_id(std::string_view host_id);

nlohmann::json manifest_to_json(const NodeManifest& manifest);
std::string manifest_to_text(const NodeManifest& manifest);
// Strict: Corruption for malformed JSON, a missing or mistyped field, a bad tag, host id, path
// or checksum, a duplicate path, or an unknown format version.
Result<NodeManifest> manifest_from_text(std::string_view text);

}  // namespace rk::backup
