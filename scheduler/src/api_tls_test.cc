// rk-scheduler's API over HTTPS with a throwaway CA: a client trusting the CA and presenting a
// certificate is served; plain HTTP, a client without a certificate and a client trusting another
// CA are refused.
#include <gtest/gtest.h>

#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/testing/test_pki.h"
#include "ringkeeper/scheduler/scheduler_process.h"
#include "db/test_db.h"

namespace rk::scheduler {
namespace {

TEST(RestApiTls, ServesHttpsWithVerifiedClientCertificatesOnly) {
  TempDir dir;
  auto pki = rk::testing::make_test_pki(dir.file("pki"));
  ASSERT_TRUE(pki.ok()) << pki.status().to_string();
  auto other = rk::testing::make_test_pki(dir.file("other"), "other");
  ASSERT_TRUE(other.ok());

  SchedulerOptions o;
  o.api.port = 0;
  o.database.path = dir.file("tls.db");
  o.database.synchronous = "NORMAL";
  o.api.tls_cert_file = pki->server.cert;
  o.api.tls_key_file = pki->server.key;
  o.api.tls_ca_file = pki->ca.cert;
  o.api.tls_require_client_cert = true;
  SystemClock clock;
  auto process = SchedulerProcess::start(o, clock);
  ASSERT_TRUE(process.ok()) << process.status().to_string();
  const std::string port = std::to_string((*process)->port());

  http::Client good({.tls_ca_file = pki->ca.cert,
                     .tls_cert_file = pki->client.cert,
                     .tls_key_file = pki->client.key});
  auto ok = good.get("https://127.0.0.1:" + port + "/api/v1/ring");
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(ok->status, 200) << ok->body;

  http::Client no_cert({.tls_ca_file = pki->ca.cert});
  EXPECT_FALSE(no_cert.get("https://127.0.0.1:" + port + "/api/v1/ring").ok());
  http::Client wrong_ca({.tls_ca_file = other->ca.cert,
                         .tls_cert_file = pki->client.cert,
                         .tls_key_file = pki->client.key});
  EXPECT_FALSE(wrong_ca.get("https://127.0.0.1:" + port + "/api/v1/ring").ok());
  http::Client plain;
  auto refused = plain.get("http://127.0.0.1:" + port + "/api/v1/ring");
  EXPECT_TRUE(!refused.ok() || refused->status >= 400);
}

}  // namespace
}  // namespace rk::scheduler
