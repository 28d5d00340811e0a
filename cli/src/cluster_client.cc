// rkctl's access to the scheduler and agents (see cluster_client.h).
#include "cluster_client.h"

#include <fmt/format.h>

#include <algorithm>

#include "commands.h"
#include "ringkeeper/core/json_api.h"

namespace rk::cli {

ClusterClient::ClusterClient(const Context& context) : scheduler_(context.scheduler) {
  while (!scheduler_.empty() && scheduler_.back() == '/') scheduler_.pop_back();
  http::ClientOptions options;
  options.bearer_token = context.token;
  options.tls_ca_file = context.ca_file;
  options.timeout = std::chrono::seconds(10);
  client_ = std::make_unique<http::Client>(options);
}

Result<nlohmann::json> ClusterClient::exchange(const std::string& what, const std::string& url,
                                               const std::string& method, const std::string& body) {
  http::ClientRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  Result<http::Response> response = client_->request(req);
  if (!response.ok()) {
    return Status(response.status().code(),
                  fmt::format("cannot reach {} at {}: {}", what, url, response.status().message()));
  }
  Result<nlohmann::json> parsed = api::parse_response(*response);
  if (!parsed.ok()) {
    std::string message = parsed.status().to_string();
    if (response->status == 401) message += " (give --token or set RK_TOKEN)";
    return Status(parsed.status().code(), message);
  }
  return parsed;
}

Result<nlohmann::json> ClusterClient::get(const std::string& path) {
  return exchange("the scheduler", scheduler_ + path, "GET", "");
}

Result<nlohmann::json> ClusterClient::post(const std::string& path, const nlohmann::json& body) {
  return exchange("the scheduler", scheduler_ + path, "POST", body.dump());
}

Result<nlohmann::json> ClusterClient::call(const std::string& method, const std::string& path,
                                           const nlohmann::json& body) {
  return exchange("the scheduler", scheduler_ + path, method, body.is_null() ? "" : body.dump());
}

Result<nlohmann::json> ClusterClient::post_agent(const std::string& address,
                                                 const std::string& path,
                                                 const nlohmann::json& body) {
  return call_agent("POST", address, path, body);
}

Result<nlohmann::json> ClusterClient::call_agent(const std::string& method,
                                                 const std::string& address,
                                                 const std::string& path,
                                                 const nlohmann::json& body) {
  // Agents speak HTTPS when the scheduler does (one TLS setting per cluster).
  const std::string scheme = scheduler_.starts_with("https://") ? "https://" : "http://";
  const std::string base = address.find("://") == std::string::npos ? scheme + address : address;
  return exchange("node " + address, base + path, method, body.is_null() ? "" : body.dump());
}

Result<std::vector<std::string>> ClusterClient::normal_nodes() {
  RK_ASSIGN_OR_RETURN(nlohmann::json ring, get("/api/v1/ring"));
  std::vector<std::string> out;
  for (const auto& n : ring.value("nodes", nlohmann::json::array())) {
    if (n.value("state", "") == "NORMAL") {
      out.push_back(n["addresses"].value("client", ""));
    }
  }
  if (out.empty()) {
    return Status::Unavailable("no NORMAL node in the ring (see rkctl status)");
  }
  return out;
}

Result<std::string> ClusterClient::pick_node(const std::string& node, size_t index) {
  if (!node.empty()) return node;
  RK_ASSIGN_OR_RETURN(std::vector<std::string> nodes, normal_nodes());
  return nodes[index % nodes.size()];
}

Status split_table(const std::string& text, std::string* keyspace, std::string* table) {
  const auto dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size() ||
      text.find('.', dot + 1) != std::string::npos) {
    return Status::InvalidArgument(fmt::format("'{}' is not KEYSPACE.TABLE", text));
  }
  *keyspace = text.substr(0, dot);
  *table = text.substr(dot + 1);
  return Status::OK();
}

std::string human_bytes(int64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  if (unit == 0) return fmt::format("{} B", bytes);
  return fmt::format("{:.1f} {}", v, kUnits[unit]);
}

int command_failed(const Context& ctx, const std::string& command, const Status& s) {
  *ctx.err << "rkctl " << command << ": " << s.message() << "\n";
  return s.code() == ErrorCode::kInvalidArgument && s.message().starts_with("usage") ? kExitUsage
                                                                                     : kExitFailed;
}

void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size(), 0);
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size() && i < width.size(); ++i) {
      std::string cell = cells[i];
      if (i + 1 < cells.size()) cell.resize(width[i] + 2, ' ');
      text += cell;
    }
    out << text << "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
}

}  // namespace rk::cli
