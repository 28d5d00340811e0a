// Throwaway certificates for tests of TLS listeners (link rk_core_testing).
//
// make_test_pki() creates a fresh CA and a server and a client certificate signed by it, as PEM
// files. EC P-256 keys keep it fast (milliseconds). Each call makes a new CA, so two calls give
// two CAs that do not trust each other: that is how tests show a wrong-CA failure.
#pragma once

#include <string>

#include "ringkeeper/core/status.h"

namespace rk::testing {

struct CertificateFiles {
  std::string cert;  // PEM certificate
  std::string key;   // PEM private key (unencrypted)
};

struct TestPki {
  std::string dir;
  CertificateFiles ca;      // self-signed, CN=<prefix>-ca; ca.cert is the file to trust
  CertificateFiles server;  // CN=localhost; SAN IP:127.0.0.1, IP:::1, DNS:localhost
  CertificateFiles client;  // CN=<prefix>-client; usable for client authentication
};

// Writes ca.crt/ca.key, server.crt/server.key, client.crt/client.key into `dir` (created if
// missing). Certificates are valid from an hour ago for 30 days.
Result<TestPki> make_test_pki(const std::string& dir, const std::string& prefix = "rk-test");

// Issues one more certificate signed by `pki`'s CA, usable as server and client certificate
// (SAN IP:127.0.0.1, DNS:localhost), written to <dir>/<common_name>.crt and .key.
Result<CertificateFiles> issue_certificate(const TestPki& pki, const std::string& common_name);

}  // namespace rk::testing
