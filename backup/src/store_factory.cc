// open_store: URL → backend (+ encryption wrapper), and the config schema of StoreOptions.
#include "ringkeeper/backup/store_factory.h"

#include "ringkeeper/backup/encryption.h"

namespace rk::backup {
namespace {

ConfigSchema<BackoffOptions> retry_schema() {
  ConfigSchema<BackoffOptions> s;
  s.field("max_attempts", &BackoffOptions::max_attempts,
          "Attempts per request, the first included.")
      .range(1, 100);
  s.field("initial_delay", &BackoffOptions::initial_delay, "Delay before the first retry.")
      .range(std::chrono::milliseconds(1), std::chrono::milliseconds(60'000));
  s.field("max_delay", &BackoffOptions::max_delay, "No delay between retries exceeds this.")
      .range(std::chrono::milliseconds(1), std::chrono::milliseconds(600'000));
  return s;
}

ConfigSchema<S3Options> s3_schema() {
  ConfigSchema<S3Options> s;
  s.field("endpoint", &S3Options::endpoint,
          "S3 API endpoint (scheme://host[:port]); empty: https://s3.<region>.amazonaws.com.");
  s.field("region", &S3Options::region, "Signing region.").non_empty();
  s.field("path_style", &S3Options::path_style,
          "Path-style URLs (endpoint/bucket/key) instead of virtual-hosted ones.");
  s.field("access_key_id", &S3Options::access_key_id,
          "Access key id; empty: AWS_ACCESS_KEY_ID from the environment.");
  s.field("secret_access_key", &S3Options::secret_access_key,
          "Secret access key; empty: AWS_SECRET_ACCESS_KEY from the environment.")
      .secret();
  s.field("session_token", &S3Options::session_token,
          "Session token for temporary credentials; empty: AWS_SESSION_TOKEN if set.")
      .secret();
  s.size("multipart_threshold", &S3Options::multipart_threshold,
         "Objects larger than this are uploaded in parts.")
      .range(int64_t{5} << 20, int64_t{5} << 30);
  s.size("part_size", &S3Options::part_size,
         "Size of each part (grown to keep an object under 10,000 parts).")
      .range(int64_t{5} << 20, int64_t{5} << 30);
  s.field("parallel_parts", &S3Options::parallel_parts, "Parts of one object uploaded at once.")
      .range(1, 64);
  s.size("bandwidth_limit", &S3Options::bandwidth_limit,
         "Bytes per second, uploads and downloads together, for the whole store; 0: no limit. "
         "In rk-agent: a deprecated alias of backup.bandwidth_limit (set only that).")
      .min(0);
  s.field("connect_timeout", &S3Options::connect_timeout, "Timeout for opening a connection.")
      .range(std::chrono::milliseconds(100), std::chrono::milliseconds(300'000));
  s.field("stall_timeout", &S3Options::stall_timeout,
          "A request that moves no byte for this long is abandoned and retried.")
      .range(std::chrono::milliseconds(100), std::chrono::milliseconds(3'600'000));
  s.field("ca_file", &S3Options::ca_file, "PEM CA bundle for https endpoints; empty: system's.");
  s.field("check_etag", &S3Options::check_etag,
          "Compare each PUT's ETag with the MD5 sent; off for SSE-KMS/SSE-C buckets.");
  s.field("list_page_size", &S3Options::list_page_size, "Keys per ListObjectsV2 page.")
      .range(1, 1000);
  s.section("retry", &S3Options::retry, retry_schema(),
            "Retries of 5xx answers, timeouts and broken connections (exponential, jittered).");
  return s;
}

ConfigSchema<FileStoreOptions> file_schema() {
  ConfigSchema<FileStoreOptions> s;
  s.field("fsync", &FileStoreOptions::fsync, "fsync each object before a put returns.");
  return s;
}

}  // namespace

ConfigSchema<StoreOptions> store_options_schema() {
  ConfigSchema<StoreOptions> s;
  s.field("url", &StoreOptions::url, "Where backups go: file:///dir or s3://bucket[/prefix].")
      .non_empty();
  s.section("file", &StoreOptions::file, file_schema(), "Options of file:// stores.");
  s.section("s3", &StoreOptions::s3, s3_schema(), "Options of s3:// stores.");
  s.field("encryption_key_file", &StoreOptions::encryption_key_file,
          "File with a 32-byte AES-256 key (raw or 64 hex digits); empty: no encryption.");
  s.field("encryption_key_id", &StoreOptions::encryption_key_id,
          "Name recorded with encrypted objects; empty: a fingerprint of the key.");
  return s;
}

Result<std::unique_ptr<ObjectStore>> open_store(const StoreOptions& options) {
  std::string_view url = options.url;
  std::unique_ptr<ObjectStore> store;
  if (url.starts_with("file://")) {
    std::string path(url.substr(7));
    if (path.empty() || path.front() != '/') {
      return Status::InvalidArgument("store URL '" + options.url +
                                     "': file URLs need an absolute path (file:///dir)");
    }
    if (path.find("/../") != std::string::npos || path.ends_with("/..")) {
      return Status::InvalidArgument("store URL '" + options.url + "' contains '..'");
    }
    RK_ASSIGN_OR_RETURN(store, open_file_store(path, options.file));
  } else if (url.starts_with("s3://")) {
    std::string_view rest = url.substr(5);
    size_t slash = rest.find('/');
    std::string bucket(rest.substr(0, slash));
    std::string prefix(slash == std::string_view::npos ? "" : rest.substr(slash + 1));
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    if (bucket.empty()) {
      return Status::InvalidArgument("store URL '" + options.url + "' names no bucket");
    }
    if (!prefix.empty()) RK_RETURN_IF_ERROR(validate_object_key(prefix));
    RK_ASSIGN_OR_RETURN(store, open_s3_store(bucket, prefix, options.s3));
  } else {
    return Status::InvalidArgument("store URL '" + options.url +
                                   "': unknown scheme (use file:///dir or s3://bucket/prefix)");
  }
  if (options.encryption_key_file.empty()) return store;
  RK_ASSIGN_OR_RETURN(EncryptionKey key,
                      load_encryption_key(options.encryption_key_file, options.encryption_key_id));
  return encrypted_store(std::move(store), std::move(key));
}

}  // namespace rk::backup
