// The cpprestsdk side of ringkeeper's HTTP client; see http_client.h. The only translation unit
// that includes cpprest: its U() macro breaks Boost, fmt and gtest headers included after it,
// which _TURN_OFF_PLATFORM_STRING prevents here as a second line of defence.
#define _TURN_OFF_PLATFORM_STRING
#include "ringkeeper/core/http_client.h"

#include <cpprest/http_client.h>
#include <pplx/threadpool.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>

namespace rk::http {
namespace {

namespace client = web::http::client;

// cpprest's shared thread pool defaults to 40 threads; a handful is plenty for our blocking use
// and keeps an idle agent small.
constexpr size_t kCpprestThreads = 4;

void limit_cpprest_threads() {
  static std::once_flag once;
  std::call_once(once, [] {
    try {
      crossplat::threadpool::initialize_with_threads(kCpprestThreads);
    } catch (const std::exception&) {
      // Already initialised by someone else: keep theirs.
    }
  });
}

bool is_idempotent(const std::string& m) {
  return m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE" || m == "OPTIONS";
}

bool is_retryable_status(int s) { return s == 429 || s == 502 || s == 503 || s == 504; }

Status check_file(const std::string& what, const std::string& path) {
  if (path.empty()) return Status::OK();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::InvalidArgument("HTTP client " + what + " file " + path + " does not exist");
  }
  return Status::OK();
}

}  // namespace

class Client::Impl {
 public:
  explicit Impl(ClientOptions options) : options_(std::move(options)) { limit_cpprest_threads(); }

  Result<Response> request(const ClientRequest& req) {
    const bool may_retry =
        options_.retry.has_value() && (options_.retry_non_idempotent || is_idempotent(req.method));
    if (!may_retry) return once(req);
    Backoff backoff(*options_.retry);
    while (true) {
      Result<Response> r = once(req);
      const bool again = r.ok() ? is_retryable_status(r->status) : is_retryable(r.status());
      if (!again) return r;
      std::optional<std::chrono::milliseconds> delay = backoff.next_delay();
      if (!delay) return r;
      options_.sleep(*delay);
    }
  }

 private:
  Result<Response> once(const ClientRequest& req) {
    web::uri uri;
    try {
      uri = web::uri(req.url);
    } catch (const std::exception& e) {
      return Status::InvalidArgument("malformed URL '" + req.url + "': " + e.what());
    }
    if ((uri.scheme() != "http" && uri.scheme() != "https") || uri.host().empty()) {
      return Status::InvalidArgument("URL '" + req.url + "' is not an absolute http(s) URL");
    }
    const std::chrono::milliseconds timeout = req.timeout.value_or(options_.timeout);
    RK_ASSIGN_OR_RETURN(std::shared_ptr<client::http_client> c, client_for(uri, timeout));

    web::http::http_request r(req.method);
    r.set_request_uri(uri.resource());
    for (const auto& [name, value] : req.headers) r.headers().add(name, value);
    auto given_type = req.headers.find("content-type");
    if (!options_.bearer_token.empty()) {
      r.headers().add("Authorization", "Bearer " + options_.bearer_token);
    }
    if (!req.body.empty() || req.method == "POST" || req.method == "PUT") {
      const std::string content_type =
          given_type != req.headers.end() ? given_type->second : "application/json";
      r.set_body(std::string(req.body), content_type);
    }

    try {
      web::http::http_response resp = c->request(r).get();
      Response out;
      out.status = resp.status_code();
      for (const auto& [name, value] : resp.headers()) out.headers[name] = value;
      auto ct = out.headers.find("content-type");
      out.content_type = ct == out.headers.end() ? std::string() : ct->second;
      std::vector<unsigned char> body = resp.extract_vector().get();
      out.body.assign(body.begin(), body.end());
      return out;
    } catch (const web::http::http_exception& e) {
      std::string what = req.method + " " + uri.to_string() + ": " + e.what();
      if (e.error_code() == std::errc::timed_out) return Status::Timeout(what);
      if (what.find("SSL handshake") != std::string::npos) {
        // cpprest does not say why; the usual reasons are worth naming.
        what +=
            " (TLS handshake failed: is the server's certificate signed by the configured CA "
            "and issued for this host, and does the server require a client certificate?)";
      }
      return Status::Unavailable(what);
    } catch (const std::exception& e) {
      return Status::Unavailable(req.method + " " + uri.to_string() + ": " + e.what());
    }
  }

  // One cpprest client (and so one connection pool) per scheme://host:port and timeout.
  Result<std::shared_ptr<client::http_client>> client_for(const web::uri& uri,
                                                          std::chrono::milliseconds timeout) {
    web::uri_builder base;
    base.set_scheme(uri.scheme()).set_host(uri.host()).set_port(uri.port());
    const std::string key = base.to_string() + "|" + std::to_string(timeout.count());
    std::lock_guard<std::mutex> lock(mu_);
    auto it = clients_.find(key);
    if (it != clients_.end()) return it->second;

    client::http_client_config config;
    config.set_timeout(timeout);
    if (uri.scheme() == "https") {
      RK_RETURN_IF_ERROR(check_file("TLS CA", options_.tls_ca_file));
      RK_RETURN_IF_ERROR(check_file("TLS certificate", options_.tls_cert_file));
      RK_RETURN_IF_ERROR(check_file("TLS key", options_.tls_key_file));
      if (options_.tls_cert_file.empty() != options_.tls_key_file.empty()) {
        return Status::InvalidArgument("HTTP client TLS needs both a certificate and a key file");
      }
      const ClientOptions o = options_;
      config.set_ssl_context_callback([o](boost::asio::ssl::context& ctx) {
        if (!o.tls_ca_file.empty()) ctx.load_verify_file(o.tls_ca_file);
        if (!o.tls_cert_file.empty()) {
          ctx.use_certificate_chain_file(o.tls_cert_file);
          ctx.use_private_key_file(o.tls_key_file, boost::asio::ssl::context::pem);
        }
      });
    }
    auto c = std::make_shared<client::http_client>(base.to_uri(), config);
    clients_.emplace(key, c);
    return c;
  }

  const ClientOptions options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<client::http_client>> clients_;
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;
Result<Response> Client::request(const ClientRequest& request) { return impl_->request(request); }

}  // namespace rk::http
