// The digests S3 requests carry beside the SHA-256 every store records (ringkeeper/core/sha256.h):
// Content-MD5 (S3 checks it per request) and its base64 form, and both digests of a byte range
// of an object's source, read once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ringkeeper/core/status.h"

namespace rk::backup {

class ObjectSource;

// Base64 (standard alphabet, padded), as Content-MD5 and x-amz-checksum-* headers want it.
std::string base64_encode(std::string_view bytes);

// Digests of `length` bytes of `source` from `offset`, read in 1 MiB pieces: the lower-case hex
// SHA-256 into *sha256_hex and the raw 16-byte MD5 into *md5. Either pointer may be null to skip
// that digest.
Status digest_range(const ObjectSource& source, int64_t offset, int64_t length,
                    std::string* sha256_hex, std::string* md5);

}  // namespace rk::backup
