// Opening an object store from a URL plus options (the `backup.store` section of a config).
//
//   file:///var/backups/ringkeeper      a local directory (created if missing)
//   s3://bucket                         a bucket's root
//   s3://bucket/some/prefix             keys live under "some/prefix/"
//
// With encryption_key_file set, the store is wrapped in the AES-256-GCM envelope (encryption.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ringkeeper/backup/object_store.h"
#include "ringkeeper/core/backoff.h"
#include "ringkeeper/core/config.h"
#include "ringkeeper/core/status.h"

namespace rk::backup {

struct FileStoreOptions {
  bool fsync = true;  // fsync each object and its directory before put() returns
};

struct S3Options {
  // Scheme, host and port of the S3 API; empty: https://s3.<region>.amazonaws.com.
  std::string endpoint;
  std::string region = "us-east-1";  // signing region
  // Path-style URLs (endpoint/bucket/key) instead of virtual-hosted (bucket.endpoint/key).
  // Most S3-compatible servers (s3rver, MinIO on an IP) need path style.
  bool path_style = false;
  // Credentials; empty: from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  // Objects above this go multipart. Multipart costs a request per part plus a completion (and
  // some servers, s3rver among them, copy every part again on completion), so only large
  // objects use it. 256 MiB: the engine's SSTs (64 MiB target, at most about twice that) go up in
  // single PUTs; an agent already uploads several files at once (backup.parallel_files), so
  // per-object parallelism adds requests without adding throughput. agent_backup_bench: 2.23x
  // `aws s3 cp` with single PUTs, 1.04-1.22x with 8 MiB parts (docs/benchmarks.md).
  int64_t multipart_threshold = int64_t{256} << 20;
  int64_t part_size = int64_t{8} << 20;  // grown as needed to stay under 10,000 parts
  int parallel_parts = 4;                // parts of one object uploaded at once
  // Upload plus download bytes per second for the whole store (token bucket); 0: unlimited.
  int64_t bandwidth_limit = 0;
  std::chrono::milliseconds connect_timeout{5'000};
  // A request that moves no byte for this long is abandoned (and retried). Checked about once
  // a second while a transfer is idle.
  std::chrono::milliseconds stall_timeout{30'000};
  std::string ca_file;  // PEM CA bundle for https endpoints; empty: the system's
  // Compare the ETag of each PUT with the MD5 we sent (servers that ignore Content-MD5, such as
  // s3rver, would otherwise store damaged bytes silently). Turn off for SSE-KMS/SSE-C buckets,
  // whose ETags are not MD5s.
  bool check_etag = true;
  int list_page_size = 1000;  // keys per ListObjectsV2 page (S3's maximum)
  // Retries of 5xx, timeouts and connection resets, per request.
  BackoffOptions retry{.max_attempts = 8,
                       .initial_delay = std::chrono::milliseconds(100),
                       .max_delay = std::chrono::milliseconds(10'000)};
};

struct StoreOptions {
  std::string url = "file:///var/lib/ringkeeper/backups";  // where objects go (see above)
  FileStoreOptions file;                                   // file:// only
  S3Options s3;                                            // s3:// only
  // 32-byte key (raw, or 64 hex digits) for AES-256-GCM client-side encryption; empty: none.
  std::string encryption_key_file;
  // Name recorded with each encrypted object; empty: "sha256:" + first 16 hex digits of the
  // SHA-256 of the key (a fingerprint that does not reveal the key).
  std::string encryption_key_id;
};

// Opens the store `options.url` names. InvalidArgument for an unknown scheme, a malformed URL or
// bad options; IOError when a file:// root cannot be created; missing S3 credentials are
// InvalidArgument. Does not contact an S3 server.
Result<std::unique_ptr<ObjectStore>> open_store(const StoreOptions& options);

// Backends directly (open_store picks one of them).
Result<std::unique_ptr<ObjectStore>> open_file_store(const std::string& root,
                                                     const FileStoreOptions& options = {});
Result<std::unique_ptr<ObjectStore>> open_s3_store(const std::string& bucket,
                                                   const std::string& prefix,
                                                   const S3Options& options);

// The config schema of StoreOptions (embed it as a section of a process's options).
ConfigSchema<StoreOptions> store_options_schema();

}  // namespace rk::backup
