// How rkctl's cluster commands reach the cluster: the scheduler's REST API (--scheduler, --token)
// and agents' client data APIs, through core's one HTTP client. Errors come back as Statuses whose
// message is already the one line rkctl prints.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/status.h"

namespace rk::cli {

// What every cluster command gets: the global options and the output streams.
struct Context {
  std::string scheduler = "http://127.0.0.1:7400";  // --scheduler URL
  std::string token;                                // --token, or the RK_TOKEN variable
  std::string ca_file;  // --ca-file or RK_CA_FILE: CA for https:// schedulers and agents
  bool json = false;    // --json
  bool tty = false;     // stdout is a terminal (progress bars)
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
};

class ClusterClient {
 public:
  explicit ClusterClient(const Context& context);

  // GET/POST on the scheduler, `path` starting with /api/v1. The parsed JSON of a 2xx answer;
  // otherwise the API's error ("unavailable: ...") or "cannot reach the scheduler at URL: ...".
  Result<nlohmann::json> get(const std::string& path);
  Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body);
  // Any method (PATCH, DELETE, ...) on the scheduler; a null body sends none.
  Result<nlohmann::json> call(const std::string& method, const std::string& path,
                              const nlohmann::json& body = nullptr);
  // Any method on an agent's API at `address` ("host:port" of its ops or client API).
  Result<nlohmann::json> call_agent(const std::string& method, const std::string& address,
                                    const std::string& path, const nlohmann::json& body = nullptr);

  // POST to an agent's client data API: `address` is "host:port", `path` e.g. "/v1/write".
  Result<nlohmann::json> post_agent(const std::string& address, const std::string& path,
                                    const nlohmann::json& body);

  // The client address ("host:port") of a NORMAL node from the scheduler's ring, preferring the
  // one at `index` modulo the number of NORMAL nodes; `node` (from --node) wins when given.
  Result<std::string> pick_node(const std::string& node, size_t index = 0);
  // Client addresses of every NORMAL node.
  Result<std::vector<std::string>> normal_nodes();

 private:
  Result<nlohmann::json> exchange(const std::string& what, const std::string& url,
                                  const std::string& method, const std::string& body);
  std::string scheduler_;
  std::unique_ptr<http::Client> client_;
};

// Splits "ks.table"; InvalidArgument otherwise.
Status split_table(const std::string& text, std::string* keyspace, std::string* table);

// 1536 -> "1.5 KiB".
std::string human_bytes(int64_t bytes);

// Reports a failed command on stderr ("rkctl COMMAND: message") and returns its exit code:
// kExitUsage for a usage error (InvalidArgument starting with "usage"), kExitFailed otherwise.
int command_failed(const Context& ctx, const std::string& command, const Status& s);

// Prints rows as a left-aligned table with a header row.
void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);

}  // namespace rk::cli
