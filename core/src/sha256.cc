// SHA-256 over OpenSSL's EVP interface (see sha256.h).
#include "ringkeeper/core/sha256.h"

#include <openssl/evp.h>

#include <fstream>
#include <vector>

#include "ringkeeper/core/hex.h"

namespace rk {
namespace {

// OpenSSL 3 looks the algorithm up on every EVP_sha256()/SHA256() call (~1 µs, more than hashing
// a Merkle node); fetching it once and reusing contexts makes a node's digest ~3x cheaper.
const EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex2(static_cast<EVP_MD_CTX*>(ctx_), sha256_md(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(const void* data, size_t size) {
  if (size > 0) EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size);
}

void Sha256::update(std::string_view bytes) { update(bytes.data(), bytes.size()); }

Sha256Digest Sha256::finish() {
  Sha256Digest out;
  unsigned int len = 0;
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  EVP_DigestInit_ex2(ctx, sha256_md(), nullptr);
  return out;
}

std::string Sha256::finish_hex() { return hex_encode(finish()); }

Sha256Digest sha256(std::string_view bytes) {
  // One context per thread: Merkle trees hash millions of nodes, each in one piece.
  thread_local Sha256 hasher;
  hasher.update(bytes);
  return hasher.finish();
}

std::string sha256_hex(std::string_view bytes) { return hex_encode(sha256(bytes)); }

Result<std::string> sha256_file_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path);
  Sha256 hasher;
  std::vector<char> buf(size_t{1} << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    hasher.update(buf.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return Status::IOError("cannot read " + path);
  return hasher.finish_hex();
}

}  // namespace rk
