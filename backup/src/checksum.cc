// Content-MD5, base64 and range digests for S3 requests (see checksum.h).
#include "checksum.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "ringkeeper/backup/object_store.h"
#include "ringkeeper/core/sha256.h"

namespace rk::backup {

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Status digest_range(const ObjectSource& source, int64_t offset, int64_t length,
                    std::string* sha256_hex, std::string* md5) {
  Sha256 sha;
  // MD5 only for Content-MD5: S3 wants it, nothing in ringkeeper compares by it.
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex2(md.get(), EVP_md5(), nullptr);
  std::vector<char> buf(size_t{1} << 20);
  int64_t done = 0;
  while (done < length) {
    size_t want = static_cast<size_t>(std::min<int64_t>(length - done, buf.size()));
    RK_ASSIGN_OR_RETURN(size_t got, source.read_at(offset + done, buf.data(), want));
    if (got == 0) return Status::IOError("source ended early (it changed while being read?)");
    if (sha256_hex) sha.update(buf.data(), got);
    if (md5) EVP_DigestUpdate(md.get(), buf.data(), got);
    done += static_cast<int64_t>(got);
  }
  if (sha256_hex) *sha256_hex = sha.finish_hex();
  if (md5) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(md.get(), out, &len);
    md5->assign(reinterpret_cast<const char*>(out), len);
  }
  return Status::OK();
}

}  // namespace rk::backup
