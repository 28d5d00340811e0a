// How this agent calls a peer's internode API (/internode/v1/..., docs/api.md): one HTTP client
// built from the internode settings (the cluster secret as bearer token, TLS files, https or
// http), each request addressed to a replica, and every failure, of the transport or answered by
// the peer, a Status naming the replica. The data path's ReplicaClient (data/replica_client.cc)
// and repair's RepairReplicas (repair/replica.cc) both call peers through it.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "data/consistency_level.h"
#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/status.h"

namespace rk::agent {

struct InternodeClientOptions {
  std::string cluster_secret;
  bool https = false;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
};

// One request to a replica's internode API.
struct InternodeCall {
  std::string method = "POST";
  std::string path;  // "/internode/v1/...", with its query if any
  std::string body;
  std::string content_type = "application/json";  // of a non-empty body
  // Whether the request may reach the replica twice (http::ClientRequest::idempotent); the
  // caller says at the call site why it holds.
  bool idempotent = true;
  std::chrono::milliseconds timeout{10'000};
  const std::atomic<bool>* cancel = nullptr;  // see http::ClientRequest::cancel
};

class InternodeClient {
 public:
  explicit InternodeClient(const InternodeClientOptions& options);

  // The peer's 2xx response as it came (binary bodies included). A transport failure, or an
  // error the peer answered (mapped back by api::status_from_response), as a Status in the
  // context "replica <address>".
  Result<http::Response> call(const ReplicaTarget& target, InternodeCall call);
  // call() with `body` as JSON (no body when null; invalid UTF-8 replaced, never thrown), and
  // the answer parsed as JSON.
  Result<nlohmann::json> call_json(const ReplicaTarget& target, InternodeCall call,
                                   const nlohmann::json& body);

 private:
  std::string scheme_;
  http::Client client_;
};

}  // namespace rk::agent
