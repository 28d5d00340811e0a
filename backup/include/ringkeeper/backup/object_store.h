// Object stores: where backups go. One interface, two backends (file:// and s3://), and an
// encrypting wrapper (encryption.h) that any store can use.
//
// Every object written through this interface has its SHA-256 recorded beside it (file://: a JSON
// sidecar under <root>/.rk-meta/; s3://: the user metadata `x-amz-meta-rk-sha256`) and every
// download is checked against it: a mismatch is a Corruption error and a download to a file
// leaves no file behind. Objects written by other tools have no recorded checksum; they are
// downloaded unchecked (ObjectInfo::sha256 is empty).
//
// Keys are relative, '/'-separated paths ("meta/node1/manifest.json"): see validate_object_key.
// Every method is thread-safe; one store may serve many uploads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "ringkeeper/core/status.h"

namespace rk::backup {

// User metadata keys this library writes (lower case; S3 sends them as x-amz-meta-<name>).
inline constexpr std::string_view kMetaSha256 = "rk-sha256";  // hex SHA-256 of the stored bytes

struct ObjectInfo {
  std::string key;          // relative to the store's root or prefix
  int64_t size = 0;         // bytes
  std::string sha256;       // lower-case hex; empty when unknown (list() never fills it)
  int64_t modified_us = 0;  // last modification, µs since the epoch (0 if unknown)
  // User metadata (names lower case, without the x-amz-meta- prefix). head() fills it, list()
  // does not. Includes kMetaSha256 when recorded.
  std::map<std::string, std::string> metadata;
};

// The bytes of an object to upload: random access, known size, re-readable (retries and
// parallel multipart parts read ranges again). read_at must be safe to call from several
// threads at once.
class ObjectSource {
 public:
  virtual ~ObjectSource() = default;
  virtual int64_t size() const = 0;
  // Reads min(n, size() - offset) bytes at `offset` into `buf`; returns how many were read.
  virtual Result<size_t> read_at(int64_t offset, char* buf, size_t n) const = 0;
};

// A regular file (pread). Fails to open with NotFound / IOError.
Result<std::unique_ptr<ObjectSource>> open_file_source(const std::string& path);
// Bytes held in memory (small objects: manifests, markers).
std::unique_ptr<ObjectSource> memory_source(std::string bytes);

// Where a download goes: bytes arrive in order. A download that is retried after a broken
// connection resumes where it stopped, so write() never sees the same byte twice.
class ObjectSink {
 public:
  virtual ~ObjectSink() = default;
  virtual Status write(std::string_view bytes) = 0;
};

// A sink that appends to a string (tests, manifests).
class StringSink final : public ObjectSink {
 public:
  Status write(std::string_view bytes) override {
    data.append(bytes);
    return Status::OK();
  }
  std::string data;
};

struct PutOptions {
  // Hex SHA-256 of the source when the caller already knows it (e.g. from a manifest); empty:
  // the store computes it (one extra read of the source). A wrong value makes the put fail.
  std::string sha256;
  // User metadata to record (names: lower case letters, digits, '-'; values: printable ASCII).
  std::map<std::string, std::string> metadata;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The URL this store was opened with ("file:///var/backups", "s3://bucket/prefix").
  virtual std::string url() const = 0;

  // Writes `source` under `key`, replacing any object there. Atomic: readers see the old object
  // or the whole new one, never a part. Returns what was stored (size, sha256, metadata).
  // InvalidArgument for a bad key; Corruption when options.sha256 does not match the bytes or
  // the server saw different bytes than were sent; Unavailable/Timeout after retries ran out;
  // PermissionDenied for refused credentials.
  virtual Result<ObjectInfo> put(std::string_view key, const ObjectSource& source,
                                 const PutOptions& options = {}) = 0;

  // Streams the object into `sink`, checking its recorded SHA-256 at the end (Corruption on a
  // mismatch: the sink has then received bad bytes and the caller must discard them).
  // NotFound when there is no such object. On success the returned sha256, when not empty, is
  // the SHA-256 of exactly the bytes the sink received (every store checks it), so a caller
  // holding the expected checksum need not hash the stream again.
  virtual Result<ObjectInfo> get(std::string_view key, ObjectSink& sink) = 0;

  // Size, checksum and metadata without the bytes. NotFound when there is no such object.
  virtual Result<ObjectInfo> head(std::string_view key) = 0;

  // Calls `fn` for every object whose key starts with `prefix` ("" = all), in ascending byte
  // order of keys, fetching pages as needed. Stops early, returning fn's error, when fn fails.
  virtual Status list(std::string_view prefix,
                      const std::function<Status(const ObjectInfo&)>& fn) = 0;

  // Deletes the object. Deleting a missing object succeeds (as S3 does).
  virtual Status remove(std::string_view key) = 0;

  // Convenience: put a local file / download into a local file. get_file writes a temporary
  // file beside `path` and renames it into place only after the checksum matched; on any error
  // nothing is left at `path` (an existing file there is kept).
  Result<ObjectInfo> put_file(std::string_view key, const std::string& path,
                              const PutOptions& options = {});
  Result<ObjectInfo> get_file(std::string_view key, const std::string& path);
};

// Object keys: 1 to 1024 bytes of printable ASCII or UTF-8 (no control characters, no '\\'),
// '/'-separated segments that are neither empty nor "." nor "..", no leading '/', and not
// starting with ".rk-" (reserved for the file store's own bookkeeping). InvalidArgument says
// which rule was broken.
Status validate_object_key(std::string_view key);
// A list() prefix: "" or a string that would be a valid key prefix (no "..", no leading '/').
Status validate_key_prefix(std::string_view prefix);

}  // namespace rk::backup
