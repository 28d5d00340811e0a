// Streaming SHA-256 and MD5 (OpenSSL EVP) for object checksums: SHA-256 is what the stores
// record beside every object, MD5 is what S3 checks per request (Content-MD5).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ringkeeper/core/status.h"

namespace rk::backup {

class ObjectSource;

class Hasher {
 public:
  enum class Algorithm { kSha256, kMd5 };
  explicit Hasher(Algorithm algorithm);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void update(std::string_view bytes);
  void update(const void* data, size_t size) {
    update(std::string_view(static_cast<const char*>(data), size));
  }
  // The raw digest of everything so far (32 or 16 bytes); the hasher starts over afterwards.
  std::string finish();
  // Lower-case hex of finish().
  std::string finish_hex();

 private:
  Algorithm algorithm_;
  void* ctx_;  // EVP_MD_CTX*
};

std::string sha256_hex(std::string_view bytes);
// Base64 (standard alphabet, padded), as Content-MD5 and x-amz-checksum-* headers want it.
std::string base64_encode(std::string_view bytes);

// Digests of `length` bytes of `source` from `offset`, read in 1 MiB pieces. Either pointer may
// be null to skip that digest. Returns raw digests.
Status digest_range(const ObjectSource& source, int64_t offset, int64_t length, std::string* sha256,
                    std::string* md5);

}  // namespace rk::backup
