// Throwaway CA and certificates for TLS tests, made with OpenSSL's C API; see test_pki.h.
#include "ringkeeper/core/testing/test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace rk::testing {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* x) const { X509_free(x); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertPtr = std::unique_ptr<X509, CertFree>;

Status add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return Status::Internal(std::string("cannot make extension ") + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return Status::OK();
}

// A certificate for `key` named `cn`, signed by issuer/issuer_key (itself when null).
Result<CertPtr> make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key,
                          bool is_ca, long serial) {
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (is_ca) {
    RK_RETURN_IF_ERROR(add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE"));
    RK_RETURN_IF_ERROR(add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign"));
    RK_RETURN_IF_ERROR(add_ext(cert.get(), signer, NID_subject_key_identifier, "hash"));
  } else {
    RK_RETURN_IF_ERROR(add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE"));
    RK_RETURN_IF_ERROR(
        add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment"));
    RK_RETURN_IF_ERROR(add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth"));
    RK_RETURN_IF_ERROR(
        add_ext(cert.get(), signer, NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost"));
    RK_RETURN_IF_ERROR(add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid"));
  }
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    return Status::Internal("cannot sign certificate " + cn);
  }
  return cert;
}

Status write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return Status::IOError("cannot write " + path);
  int ok = cert != nullptr ? PEM_write_X509(f, cert)
                           : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  if (ok == 0) return Status::IOError("cannot write PEM to " + path);
  return Status::OK();
}

Result<CertificateFiles> write_pair(const std::string& dir, const std::string& base, X509* cert,
                                    EVP_PKEY* key) {
  CertificateFiles files{dir + "/" + base + ".crt", dir + "/" + base + ".key"};
  RK_RETURN_IF_ERROR(write_pem(files.cert, cert, nullptr));
  RK_RETURN_IF_ERROR(write_pem(files.key, nullptr, key));
  return files;
}

Result<KeyPtr> new_key() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Status::Internal("cannot generate an EC key");
  return key;
}

template <class T, class D>
Result<std::unique_ptr<T, D>> read_pem(const std::string& path,
                                       T* (*reader)(FILE*, T**, pem_password_cb*, void*)) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return Status::IOError("cannot read " + path);
  std::unique_ptr<T, D> out(reader(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  if (!out) return Status::Corruption("cannot parse PEM in " + path);
  return out;
}

long next_serial() {
  static std::atomic<long> serial{1000};
  return serial++;
}

}  // namespace

Result<TestPki> make_test_pki(const std::string& dir, const std::string& prefix) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  TestPki pki;
  pki.dir = dir;

  RK_ASSIGN_OR_RETURN(KeyPtr ca_key, new_key());
  RK_ASSIGN_OR_RETURN(
      CertPtr ca, make_cert(ca_key.get(), prefix + "-ca", nullptr, nullptr, true, next_serial()));
  RK_ASSIGN_OR_RETURN(pki.ca, write_pair(dir, "ca", ca.get(), ca_key.get()));

  RK_ASSIGN_OR_RETURN(KeyPtr server_key, new_key());
  RK_ASSIGN_OR_RETURN(CertPtr server, make_cert(server_key.get(), "localhost", ca.get(),
                                                ca_key.get(), false, next_serial()));
  RK_ASSIGN_OR_RETURN(pki.server, write_pair(dir, "server", server.get(), server_key.get()));

  RK_ASSIGN_OR_RETURN(KeyPtr client_key, new_key());
  RK_ASSIGN_OR_RETURN(CertPtr client, make_cert(client_key.get(), prefix + "-client", ca.get(),
                                                ca_key.get(), false, next_serial()));
  RK_ASSIGN_OR_RETURN(pki.client, write_pair(dir, "client", client.get(), client_key.get()));
  return pki;
}

Result<CertificateFiles> issue_certificate(const TestPki& pki, const std::string& common_name) {
  using CertRead = std::unique_ptr<X509, CertFree>;
  using KeyRead = std::unique_ptr<EVP_PKEY, KeyFree>;
  RK_ASSIGN_OR_RETURN(CertRead ca, (read_pem<X509, CertFree>(pki.ca.cert, PEM_read_X509)));
  RK_ASSIGN_OR_RETURN(KeyRead ca_key,
                      (read_pem<EVP_PKEY, KeyFree>(pki.ca.key, PEM_read_PrivateKey)));
  RK_ASSIGN_OR_RETURN(KeyPtr key, new_key());
  RK_ASSIGN_OR_RETURN(CertPtr cert, make_cert(key.get(), common_name, ca.get(), ca_key.get(), false,
                                              next_serial()));
  return write_pair(pki.dir, common_name, cert.get(), key.get());
}

}  // namespace rk::testing
