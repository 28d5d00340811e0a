// The AES-256-GCM envelope (format in encryption.h). Encryption is a pure function of (key,
// nonce prefix, chunk index, plaintext chunk), so the encrypted view of a file is itself a
// random-access ObjectSource: retries and parallel multipart parts re-encrypt what they re-read.
#include "ringkeeper/backup/encryption.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "checksum.h"
#include "ringkeeper/core/hex.h"
#include "ringkeeper/core/sha256.h"

namespace rk::backup {
namespace {

constexpr size_t kHeaderSize = 32;
constexpr size_t kChunk = 64 * 1024;
constexpr size_t kTag = 16;
constexpr size_t kRecord = kChunk + kTag;
constexpr std::string_view kScheme = "aes-256-gcm-v1";

void put_be(uint8_t* p, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
}

uint64_t get_be(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

std::string make_header(const std::string& nonce_prefix, int64_t plain_size) {
  std::string h(kHeaderSize, '\0');
  auto* p = reinterpret_cast<uint8_t*>(h.data());
  std::memcpy(p, "RKE1", 4);
  p[4] = 1;
  put_be(p + 8, kChunk, 4);
  std::memcpy(p + 12, nonce_prefix.data(), 8);
  put_be(p + 20, static_cast<uint64_t>(plain_size), 8);
  return h;
}

int64_t chunks_of(int64_t plain_size) {
  return (plain_size + static_cast<int64_t>(kChunk) - 1) / static_cast<int64_t>(kChunk);
}

struct CipherCtx {
  CipherCtx() : ctx(EVP_CIPHER_CTX_new()) {}
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
  EVP_CIPHER_CTX* ctx;
};

const EVP_CIPHER* aes_gcm() {
  static EVP_CIPHER* const c = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return c;
}

void make_nonce(const std::string& header, uint32_t index, unsigned char nonce[12]) {
  std::memcpy(nonce, header.data() + 12, 8);
  put_be(nonce + 8, index, 4);
}

// Seals one chunk: writes len ciphertext bytes then the tag into `out`.
Status seal(const std::string& key, const std::string& header, uint32_t index, const char* in,
            size_t len, char* out) {
  thread_local CipherCtx c;
  unsigned char nonce[12];
  make_nonce(header, index, nonce);
  int n = 0;
  auto* o = reinterpret_cast<unsigned char*>(out);
  if (EVP_EncryptInit_ex2(c.ctx, aes_gcm(), reinterpret_cast<const unsigned char*>(key.data()),
                          nonce, nullptr) != 1 ||
      EVP_EncryptUpdate(c.ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(header.data()),
                        static_cast<int>(header.size())) != 1 ||
      EVP_EncryptUpdate(c.ctx, o, &n, reinterpret_cast<const unsigned char*>(in),
                        static_cast<int>(len)) != 1 ||
      EVP_EncryptFinal_ex(c.ctx, o + n, &n) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTag, o + len) != 1) {
    return Status::Internal("AES-256-GCM encryption failed");
  }
  return Status::OK();
}

// Opens one record (len ciphertext bytes + tag) into `out`; false when authentication fails.
bool open_record(const std::string& key, const std::string& header, uint32_t index, const char* in,
                 size_t len, char* out) {
  thread_local CipherCtx c;
  unsigned char nonce[12];
  make_nonce(header, index, nonce);
  int n = 0;
  auto* o = reinterpret_cast<unsigned char*>(out);
  std::string tag(in + len, kTag);
  return EVP_DecryptInit_ex2(c.ctx, aes_gcm(), reinterpret_cast<const unsigned char*>(key.data()),
                             nonce, nullptr) == 1 &&
         EVP_DecryptUpdate(c.ctx, nullptr, &n,
                           reinterpret_cast<const unsigned char*>(header.data()),
                           static_cast<int>(header.size())) == 1 &&
         EVP_DecryptUpdate(c.ctx, o, &n, reinterpret_cast<const unsigned char*>(in),
                           static_cast<int>(len)) == 1 &&
         EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) == 1 &&
         EVP_DecryptFinal_ex(c.ctx, o + n, &n) == 1;
}

// The encrypted view of a plaintext source.
class EncryptingSource final : public ObjectSource {
 public:
  EncryptingSource(const ObjectSource& plain, std::string key, std::string header)
      : plain_(plain), key_(std::move(key)), header_(std::move(header)), id_(next_id()) {}

  int64_t size() const override { return encrypted_size(plain_.size()); }

  Result<size_t> read_at(int64_t offset, char* buf, size_t n) const override {
    const int64_t total = size();
    if (offset >= total) return size_t{0};
    n = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(n), total - offset));
    size_t done = 0;
    while (done < n) {
      int64_t pos = offset + static_cast<int64_t>(done);
      if (pos < static_cast<int64_t>(kHeaderSize)) {
        size_t k = std::min(n - done, kHeaderSize - static_cast<size_t>(pos));
        std::memcpy(buf + done, header_.data() + pos, k);
        done += k;
        continue;
      }
      int64_t rel = pos - static_cast<int64_t>(kHeaderSize);
      auto index = static_cast<uint32_t>(rel / static_cast<int64_t>(kRecord));
      size_t within = static_cast<size_t>(rel % static_cast<int64_t>(kRecord));
      RK_ASSIGN_OR_RETURN(const SealedChunk* chunk, sealed(index));
      size_t k = std::min(n - done, chunk->record.size() - within);
      std::memcpy(buf + done, chunk->record.data() + within, k);
      done += k;
    }
    return done;
  }

 private:
  // The last record this thread sealed: readers ask for pieces smaller than a record (libcurl
  // reads 64 KiB at a time, not aligned to records), so each record is sealed once, not twice.
  struct SealedChunk {
    uint64_t source_id = 0;
    uint32_t index = 0;
    std::string record;
  };

  Result<const SealedChunk*> sealed(uint32_t index) const {
    thread_local SealedChunk cache;
    if (cache.source_id == id_ && cache.index == index && !cache.record.empty()) return &cache;
    int64_t plain_off = int64_t{index} * static_cast<int64_t>(kChunk);
    size_t len = static_cast<size_t>(
        std::min<int64_t>(static_cast<int64_t>(kChunk), plain_.size() - plain_off));
    std::vector<char> plain(len);
    RK_ASSIGN_OR_RETURN(size_t got, plain_.read_at(plain_off, plain.data(), len));
    if (got != len) return Status::IOError("source ended early (it changed while read?)");
    cache.source_id = 0;
    cache.record.resize(len + kTag);
    RK_RETURN_IF_ERROR(seal(key_, header_, index, plain.data(), len, cache.record.data()));
    cache.source_id = id_;
    cache.index = index;
    return &cache;
  }

  static uint64_t next_id() {
    static std::atomic<uint64_t> ids{0};
    return ++ids;
  }

  const ObjectSource& plain_;
  std::string key_;
  std::string header_;
  const uint64_t id_;  // tells this source's cached records from another's
};

// Decrypts a stream of records into the caller's sink, hashing the plaintext.
class DecryptingSink final : public ObjectSink {
 public:
  DecryptingSink(const std::string& key, std::string object, ObjectSink& out)
      : key_(key), object_(std::move(object)), out_(out) {}

  Status write(std::string_view bytes) override {
    while (!bytes.empty()) {
      if (header_.size() < kHeaderSize) {
        size_t k = std::min(bytes.size(), kHeaderSize - header_.size());
        header_.append(bytes.substr(0, k));
        bytes.remove_prefix(k);
        if (header_.size() == kHeaderSize) RK_RETURN_IF_ERROR(check_header());
        continue;
      }
      size_t want = record_length(next_index_);
      if (want == 0) return Status::Corruption("object '" + object_ + "' has bytes past its end");
      size_t k = std::min(bytes.size(), want - pending_.size());
      pending_.append(bytes.substr(0, k));
      bytes.remove_prefix(k);
      if (pending_.size() == want) RK_RETURN_IF_ERROR(flush_record());
    }
    return Status::OK();
  }

  // After the last byte: everything there, and the plaintext's digest.
  Result<std::string> finish() {
    if (header_.size() < kHeaderSize || next_index_ < chunks_of(plain_size_) || !pending_.empty()) {
      return Status::Corruption("object '" + object_ + "' is truncated");
    }
    return sha_.finish_hex();
  }
  int64_t plain_size() const { return plain_size_; }

 private:
  Status check_header() {
    const auto* p = reinterpret_cast<const uint8_t*>(header_.data());
    if (std::memcmp(p, "RKE1", 4) != 0 || p[4] != 1) {
      return Status::Corruption("object '" + object_ + "' has no RKE1 encryption header");
    }
    if (get_be(p + 8, 4) != kChunk) {
      return Status::Corruption("object '" + object_ + "' uses an unknown chunk size");
    }
    plain_size_ = static_cast<int64_t>(get_be(p + 20, 8));
    plain_.resize(kChunk);
    return Status::OK();
  }

  size_t record_length(int64_t index) const {
    int64_t off = index * static_cast<int64_t>(kChunk);
    if (off >= plain_size_) return 0;
    return static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(kChunk), plain_size_ - off)) +
           kTag;
  }

  Status flush_record() {
    size_t len = pending_.size() - kTag;
    if (!open_record(key_, header_, static_cast<uint32_t>(next_index_), pending_.data(), len,
                     plain_.data())) {
      return Status::Corruption("object '" + object_ + "' failed authentication at chunk " +
                                std::to_string(next_index_) +
                                ": it was tampered with, truncated or encrypted with another key");
    }
    std::string_view piece(plain_.data(), len);
    sha_.update(piece);
    pending_.clear();
    ++next_index_;
    return out_.write(piece);
  }

  const std::string& key_;
  std::string object_;
  ObjectSink& out_;
  Sha256 sha_;
  std::string header_;
  std::string pending_;
  std::vector<char> plain_;
  int64_t plain_size_ = 0;
  int64_t next_index_ = 0;
};

// What a reader of the inner store's metadata sees as plaintext facts.
ObjectInfo to_plain(ObjectInfo info) {
  auto size = info.metadata.find(std::string(kMetaPlainSize));
  if (size != info.metadata.end()) info.size = std::stoll(size->second);
  auto sha = info.metadata.find(std::string(kMetaPlainSha256));
  info.sha256 = sha == info.metadata.end() ? std::string() : sha->second;
  return info;
}

class EncryptedStore final : public ObjectStore {
 public:
  EncryptedStore(std::unique_ptr<ObjectStore> inner, EncryptionKey key)
      : inner_(std::move(inner)), key_(std::move(key)) {}

  std::string url() const override { return inner_->url(); }

  Result<ObjectInfo> put(std::string_view key, const ObjectSource& source,
                         const PutOptions& options) override {
    std::string plain_sha;
    RK_RETURN_IF_ERROR(digest_range(source, 0, source.size(), &plain_sha, nullptr));
    if (!options.sha256.empty() && options.sha256 != plain_sha) {
      return Status::Corruption("put " + std::string(key) + ": source's SHA-256 is " + plain_sha +
                                ", expected " + options.sha256);
    }
    std::string nonce_prefix(8, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce_prefix.data()), 8) != 1) {
      return Status::Internal("no random bytes for a nonce");
    }
    EncryptingSource sealed(source, key_.bytes, make_header(nonce_prefix, source.size()));
    PutOptions inner_options;
    inner_options.metadata = options.metadata;
    inner_options.metadata[std::string(kMetaEncryption)] = std::string(kScheme);
    inner_options.metadata[std::string(kMetaKeyId)] = key_.id;
    inner_options.metadata[std::string(kMetaPlainSize)] = std::to_string(source.size());
    inner_options.metadata[std::string(kMetaPlainSha256)] = plain_sha;
    RK_ASSIGN_OR_RETURN(ObjectInfo info, inner_->put(key, sealed, inner_options));
    return to_plain(std::move(info));
  }

  Result<ObjectInfo> get(std::string_view key, ObjectSink& sink) override {
    RK_ASSIGN_OR_RETURN(ObjectInfo meta, inner_->head(key));
    RK_RETURN_IF_ERROR(check_key(meta));
    DecryptingSink decrypt(key_.bytes, std::string(key), sink);
    RK_ASSIGN_OR_RETURN(ObjectInfo info, inner_->get(key, decrypt));
    RK_ASSIGN_OR_RETURN(std::string sha, decrypt.finish());
    ObjectInfo plain = to_plain(std::move(info));
    if (plain.size != decrypt.plain_size() || (!plain.sha256.empty() && plain.sha256 != sha)) {
      return Status::Corruption("object '" + std::string(key) +
                                "' decrypted to other bytes than were stored (SHA-256 " + sha +
                                ", recorded " + plain.sha256 + ")");
    }
    return plain;
  }

  Result<ObjectInfo> head(std::string_view key) override {
    RK_ASSIGN_OR_RETURN(ObjectInfo info, inner_->head(key));
    return to_plain(std::move(info));
  }

  Status list(std::string_view prefix,
              const std::function<Status(const ObjectInfo&)>& fn) override {
    return inner_->list(prefix, [&](const ObjectInfo& info) {
      ObjectInfo plain = info;
      int64_t body = info.size - static_cast<int64_t>(kHeaderSize);
      if (body >= 0) {
        int64_t records =
            (body + static_cast<int64_t>(kRecord) - 1) / static_cast<int64_t>(kRecord);
        plain.size = body - records * static_cast<int64_t>(kTag);
      }
      return fn(plain);
    });
  }

  Status remove(std::string_view key) override { return inner_->remove(key); }

 private:
  Status check_key(const ObjectInfo& meta) const {
    auto scheme = meta.metadata.find(std::string(kMetaEncryption));
    if (scheme == meta.metadata.end() || scheme->second != kScheme) {
      return Status::FailedPrecondition("object '" + meta.key + "' is not encrypted with " +
                                        std::string(kScheme));
    }
    auto id = meta.metadata.find(std::string(kMetaKeyId));
    std::string got = id == meta.metadata.end() ? "(none)" : id->second;
    if (got != key_.id) {
      return Status::FailedPrecondition("object '" + meta.key + "' was encrypted with key id '" +
                                        got + "', this store has key id '" + key_.id + "'");
    }
    return Status::OK();
  }

  std::unique_ptr<ObjectStore> inner_;
  EncryptionKey key_;
};

}  // namespace

int64_t encrypted_size(int64_t plain_size) {
  return static_cast<int64_t>(kHeaderSize) + plain_size +
         chunks_of(plain_size) * static_cast<int64_t>(kTag);
}

Result<EncryptionKey> load_encryption_key(const std::string& path, const std::string& id) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read encryption key file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  EncryptionKey key;
  if (text.size() == 32) {
    key.bytes = text;
  } else {
    auto b = text.find_first_not_of(" \t\r\n");
    auto e = text.find_last_not_of(" \t\r\n");
    std::string trimmed = b == std::string::npos ? "" : text.substr(b, e - b + 1);
    if (trimmed.size() != 64) {
      return Status::InvalidArgument("encryption key file " + path +
                                     " must hold 32 bytes or 64 hex digits, it holds " +
                                     std::to_string(text.size()) + " bytes");
    }
    auto decoded = hex_decode(trimmed);
    if (!decoded.ok()) {
      return Status::InvalidArgument("encryption key file " + path + ": " +
                                     decoded.status().message());
    }
    key.bytes = *decoded;
  }
  key.id = id.empty() ? "sha256:" + sha256_hex(key.bytes).substr(0, 16) : id;
  return key;
}

std::unique_ptr<ObjectStore> encrypted_store(std::unique_ptr<ObjectStore> inner,
                                             EncryptionKey key) {
  return std::make_unique<EncryptedStore>(std::move(inner), std::move(key));
}

}  // namespace rk::backup
