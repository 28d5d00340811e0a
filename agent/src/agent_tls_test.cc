// TLS on every agent listener: two agents with certificates from a throwaway CA (client
// certificates required) coordinate an ALL write over HTTPS internode calls; plain HTTP and
// clients without a certificate are refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "fake_scheduler_test_support.h"
#include "ringkeeper/agent/agent.h"
#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/log.h"
#include "ringkeeper/core/testing/eventually.h"
#include "ringkeeper/core/testing/test_pki.h"
#include "ringkeeper/storage/node.h"

namespace rk::agent {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

TEST(AgentTls, AgentsTalkHttpsToEachOtherAndRefusePlainOrCertificatelessClients) {
  (void)setup_logging("error", "agent-test");
  const fs::path dir = fs::temp_directory_path() / ("rk_agent_tls_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto pki = rk::testing::make_test_pki((dir / "pki").string());
  ASSERT_TRUE(pki.ok()) << pki.status().to_string();

  SchemaView schema;
  schema.version = 1;
  KeyspaceDef ks;
  ks.name = "ks";
  ks.replication.replication_factor = 2;
  ks.tables.push_back(TableDef{"t", 864000, 0});
  schema.keyspaces.push_back(ks);
  testing::FakeScheduler scheduler(schema);
  ASSERT_TRUE(scheduler.start().ok());

  std::vector<std::unique_ptr<Agent>> agents;
  for (int i = 0; i < 2; ++i) {
    AgentOptions o;
    o.data_dir = (dir / ("node" + std::to_string(i))).string();
    o.scheduler_url = scheduler.url();
    o.cluster_secret = "cluster-secret-0123456789";
    o.ops.port = o.internode.port = o.client.port = 0;
    o.heartbeat_interval = std::chrono::milliseconds(50);
    o.tls.cert_file = pki->server.cert;
    o.tls.key_file = pki->server.key;
    o.tls.ca_file = pki->ca.cert;
    o.tls.require_client_cert = true;
    o.log_level = "error";
    auto a = Agent::start(o);
    ASSERT_TRUE(a.ok()) << a.status().to_string();
    agents.push_back(std::move(*a));
  }
  http::ClientOptions co;
  co.tls_ca_file = pki->ca.cert;
  co.tls_cert_file = pki->client.cert;
  co.tls_key_file = pki->client.key;
  http::Client client(co);
  auto url = [](uint16_t port, const std::string& path) {
    return "https://127.0.0.1:" + std::to_string(port) + path;
  };
  // Both agents know both nodes.
  auto both_known = [&] {
    for (auto& a : agents) {
      auto r = client.get(url(a->ops_port(), "/v1/ring"));
      if (!r.ok() || r->status != 200 || json::parse(r->body)["nodes"].size() != 2) return false;
    }
    return true;
  };
  ASSERT_TRUE(rk::testing::eventually(both_known));

  const json write = {
      {"keyspace", "ks"},
      {"table", "t"},
      {"partition", "p"},
      {"consistency", "ALL"},
      {"ops", {{{"op", "set"}, {"clustering", "c"}, {"column", "v"}, {"value", "x"}}}}};
  auto w = client.post(url(agents[0]->client_port(), "/v1/write"), write.dump());
  ASSERT_TRUE(w.ok()) << w.status().to_string();
  EXPECT_EQ(w->status, 200) << w->body;
  auto p = agents[1]->node().read_partition("ks", "t", "p");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->rows.size(), 1u);  // reached the peer over HTTPS internode

  http::Client plain;
  auto no_plain =
      plain.get("http://127.0.0.1:" + std::to_string(agents[0]->ops_port()) + "/v1/health");
  EXPECT_TRUE(!no_plain.ok() || no_plain->status >= 400);
  http::ClientOptions no_cert;
  no_cert.tls_ca_file = pki->ca.cert;
  http::Client anonymous(no_cert);
  EXPECT_FALSE(anonymous.get(url(agents[0]->ops_port(), "/v1/health")).ok());

  agents.clear();
  scheduler.stop();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rk::agent
