// Streaming digests over OpenSSL's EVP interface.
#include "checksum.h"

#include <openssl/evp.h>

#include <algorithm>
#include <vector>

#include "ringkeeper/backup/object_store.h"
#include "ringkeeper/core/hex.h"

namespace rk::backup {
namespace {

// OpenSSL 3 looks an algorithm up on every EVP_sha256() call: fetch each once.
const EVP_MD* md_of(Hasher::Algorithm a) {
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  return a == Hasher::Algorithm::kSha256 ? sha256 : md5;
}

}  // namespace

Hasher::Hasher(Algorithm algorithm) : algorithm_(algorithm), ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex2(static_cast<EVP_MD_CTX*>(ctx_), md_of(algorithm_), nullptr);
}

Hasher::~Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Hasher::update(std::string_view bytes) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size());
}

std::string Hasher::finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  EVP_DigestFinal_ex(ctx, out, &len);
  EVP_DigestInit_ex2(ctx, md_of(algorithm_), nullptr);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Hasher::finish_hex() { return hex_encode(finish()); }

std::string sha256_hex(std::string_view bytes) {
  Hasher h(Hasher::Algorithm::kSha256);
  h.update(bytes);
  return h.finish_hex();
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Status digest_range(const ObjectSource& source, int64_t offset, int64_t length, std::string* sha256,
                    std::string* md5) {
  Hasher sha(Hasher::Algorithm::kSha256);
  Hasher md(Hasher::Algorithm::kMd5);
  std::vector<char> buf(size_t{1} << 20);
  int64_t done = 0;
  while (done < length) {
    size_t want = static_cast<size_t>(std::min<int64_t>(length - done, buf.size()));
    RK_ASSIGN_OR_RETURN(size_t got, source.read_at(offset + done, buf.data(), want));
    if (got == 0) return Status::IOError("source ended early (it changed while being read?)");
    if (sha256) sha.update(buf.data(), got);
    if (md5) md.update(buf.data(), got);
    done += static_cast<int64_t>(got);
  }
  if (sha256) *sha256 = sha.finish();
  if (md5) *md5 = md.finish();
  return Status::OK();
}

}  // namespace rk::backup
