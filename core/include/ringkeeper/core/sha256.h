// SHA-256, the one digest ringkeeper records and compares: Merkle tree nodes, the checksum of
// every snapshot file and backup object (manifests, x-amz-meta-rk-sha256, the upload journal),
// SigV4 payload hashes, and bearer tokens kept only as digests. OpenSSL's EVP underneath.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ringkeeper/core/status.h"

namespace rk {

using Sha256Digest = std::array<uint8_t, 32>;

// Streaming SHA-256, for input that arrives in pieces (files, object bodies, uploads).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  void update(const void* data, size_t size);
  // The digest of everything updated so far; the hasher starts over afterwards.
  Sha256Digest finish();
  // Lower-case hex (64 characters) of finish().
  std::string finish_hex();

 private:
  void* ctx_;  // EVP_MD_CTX*, kept opaque so that this header does not pull in OpenSSL
};

// SHA-256 of `bytes` in one piece.
Sha256Digest sha256(std::string_view bytes);
// Lower-case hex of sha256(bytes).
std::string sha256_hex(std::string_view bytes);
// Lower-case hex SHA-256 of the file at `path`, read in 1 MiB pieces. IOError naming the file
// when it cannot be opened or read.
Result<std::string> sha256_file_hex(const std::string& path);

}  // namespace rk
