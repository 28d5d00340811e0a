// Client-side encryption of objects with AES-256-GCM, as a wrapper around any ObjectStore.
//
// Format (version 1) of an encrypted object, independent of the store:
//   header, 32 bytes: "RKE1" | version u8 = 1 | 3 zero bytes | chunk size u32 BE (65536)
//                     | nonce prefix, 8 random bytes | plaintext size u64 BE | 4 zero bytes
//   then one record per chunk of plaintext (the last may be shorter, none for an empty object):
//                     ciphertext (same length as the chunk) | GCM tag, 16 bytes
// Chunk i is sealed with nonce = prefix || i (u32 BE) and the whole header as additional data,
// so reordering, truncating, extending or editing any byte (header included) fails
// authentication. Memory is one chunk per reader, whatever the object's size. No compression:
// the engine's files are already compressed.
//
// The wrapper records in the object's metadata: rk-encryption = "aes-256-gcm-v1", rk-key-id,
// rk-plain-size and rk-plain-sha256; head() and get() report the plaintext's size and SHA-256,
// so callers compare a local file with a stored object the same way with and without encryption
// (deduplication keeps working). The inner store still records and checks the SHA-256 of the
// ciphertext it holds.
#pragma once

#include <memory>
#include <string>

#include "ringkeeper/backup/object_store.h"
#include "ringkeeper/core/status.h"

namespace rk::backup {

inline constexpr std::string_view kMetaEncryption = "rk-encryption";
inline constexpr std::string_view kMetaKeyId = "rk-key-id";
inline constexpr std::string_view kMetaPlainSize = "rk-plain-size";
inline constexpr std::string_view kMetaPlainSha256 = "rk-plain-sha256";

struct EncryptionKey {
  std::string id;     // recorded with every object
  std::string bytes;  // 32 bytes
};

// Reads a key file: exactly 32 bytes, or 64 hex digits (surrounding white space ignored). `id`
// empty: "sha256:" + the first 16 hex digits of SHA-256(key). InvalidArgument for anything else.
Result<EncryptionKey> load_encryption_key(const std::string& path, const std::string& id = {});

// A store whose objects are encrypted with `key` on the way into `inner` and decrypted (and
// authenticated) on the way out. get() of an object that is not encrypted, or that was encrypted
// under another key id, is FailedPrecondition naming both; a failed authentication tag is
// Corruption ("tampered with or truncated"). list() reports plaintext sizes.
std::unique_ptr<ObjectStore> encrypted_store(std::unique_ptr<ObjectStore> inner, EncryptionKey key);

// Bytes an encrypted object of `plain_size` bytes takes in the inner store.
int64_t encrypted_size(int64_t plain_size);

}  // namespace rk::backup
