// ringkeeper's HTTP client over Boost.Beast; see http_client.h for what it promises. The only
// translation unit that includes Beast's client side (it takes ~25 s to compile; keep it that way).
//
// Calls block. Each connection owns its io_context and stream, and the calling thread runs that
// context one step at a time (connect, TLS handshake, write, read) under the attempt's deadline
// (the stream's expires_at), so one timeout bounds all of them. Idle connections wait in a pool
// per scheme://host:port, newest last; the rules that keep a stale one from failing a request
// (idle limit, peer-closed check, one resend) are in Client::Impl below.
#include "ringkeeper/core/http_client.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cerrno>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace rk::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxResponseHeader = 64 << 10;
constexpr size_t kFirstRead = 16 << 10;
// How often a call with a stop flag looks at it while it waits.
constexpr std::chrono::milliseconds kCancelPoll{50};

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

bool is_ip_address(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// One connection to one server: in the pool while idle, owned by one request while in use.
struct Connection {
  asio::io_context io;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;  // bytes read but not yet parsed
  Clock::time_point idle_since;
  const std::atomic<bool>* cancel = nullptr;  // the current request's stop flag, if any

  beast::tcp_stream& tcp() { return tls ? tls->next_layer() : *plain; }

  // Runs the asynchronous operation `start` begins (handing it a completion handler) until it
  // completes; its error, if any. The stream's expiry bounds it; a set `cancel` flag ends it
  // with operation_aborted (the socket is closed: the connection cannot be used again).
  template <class Start>
  error_code run(Start&& start) {
    error_code result = asio::error::would_block;
    start([&result](error_code ec, auto&&...) { result = ec; });
    io.restart();
    if (cancel == nullptr) {
      io.run();
      return result;
    }
    while (!io.stopped()) {
      io.run_for(kCancelPoll);
      if (io.stopped() || !cancel->load()) continue;
      tcp().close();
      io.run();  // the aborted operation completes
      return asio::error::operation_aborted;
    }
    return result;
  }

  // Calls f with the stream requests travel on (TLS or plain).
  template <class F>
  decltype(auto) with_stream(F&& f) {
    return tls ? f(*tls) : f(*plain);
  }

  // Whether the connection can carry another request: nothing unread, and the peer has neither
  // closed it (a peek reads 0 bytes) nor sent anything unasked for (a peek finds data).
  bool still_open() {
    if (buffer.size() != 0) return false;
    if (tls && SSL_pending(tls->native_handle()) > 0) return false;
    char byte;
    const ssize_t n = ::recv(tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

}  // namespace

class Client::Impl {
 public:
  explicit Impl(ClientOptions options) : options_(std::move(options)) {}

  Result<Response> request(const ClientRequest& req) {
    const bool may_retry =
        req.cancel == nullptr && options_.retry.has_value() &&
        (options_.retry_non_idempotent || req.idempotent || is_idempotent(req.method));
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
  // One attempt, resent once on a new connection when a reused one turned out stale.
  Result<Response> once(const ClientRequest& req) {
    RK_ASSIGN_OR_RETURN(Url url, parse_url(req.url));
    const std::chrono::milliseconds timeout = req.timeout.value_or(options_.timeout);
    const Clock::time_point deadline = Clock::now() + timeout;
    const std::string what = req.method + " " + url.scheme + "://" + url.authority() + url.target;
    if (req.cancel != nullptr && req.cancel->load()) {
      return Status::Cancelled(what + ": cancelled before it was sent");
    }
    bool stale = false;
    Result<Response> r = exchange(req, url, deadline, what, /*reuse=*/true, stale);
    if (r.ok() || !stale || !(req.idempotent || is_idempotent(req.method))) return r;
    if (req.cancel != nullptr && req.cancel->load()) return r;
    return exchange(req, url, deadline, what, /*reuse=*/false, stale);
  }

  // Sends `req` over a pooled connection (if `reuse` and one is open) or a new one and reads the
  // answer. On failure, `stale` says whether a reused connection failed before any byte of the
  // answer arrived (and not by timeout): the server had likely closed it, and a resend may work.
  Result<Response> exchange(const ClientRequest& req, const Url& url, Clock::time_point deadline,
                            const std::string& what, bool reuse, bool& stale) {
    stale = false;
    const std::string key = url.scheme + "://" + url.authority();
    std::unique_ptr<Connection> c = reuse ? take(key) : nullptr;
    const bool reused = c != nullptr;
    if (!c) {
      RK_ASSIGN_OR_RETURN(c, connect(url, deadline, what, req.cancel));
    }
    c->cancel = req.cancel;

    bhttp::request<bhttp::string_body> msg;
    msg.method_string(req.method);
    msg.target(url.target);
    msg.version(11);
    msg.set(bhttp::field::host, url.authority());
    msg.set(bhttp::field::user_agent, "ringkeeper");
    for (const auto& [name, value] : req.headers) msg.set(name, value);
    if (!options_.bearer_token.empty()) {
      msg.set(bhttp::field::authorization, "Bearer " + options_.bearer_token);
    }
    if (!req.body.empty() || req.method == "POST" || req.method == "PUT") {
      if (req.headers.find("content-type") == req.headers.end()) {
        msg.set(bhttp::field::content_type, "application/json");
      }
      msg.body() = req.body;
    }
    msg.prepare_payload();

    auto failed = [&](error_code ec, const char* during, bool before_answer) -> Result<Response> {
      if (ec == asio::error::operation_aborted && req.cancel != nullptr && req.cancel->load()) {
        return Status::Cancelled(what + ": cancelled while " + during);
      }
      stale = reused && before_answer && ec != beast::error::timeout;
      if (ec == beast::error::timeout) {
        return Status::Timeout(what + ": no answer within " +
                               std::to_string(req.timeout.value_or(options_.timeout).count()) +
                               " ms (" + during + ")");
      }
      return Status::Unavailable(what + ": " + during + ": " + ec.message());
    };

    c->tcp().expires_at(deadline);
    error_code ec = c->with_stream([&](auto& s) {
      return c->run([&](auto done) { bhttp::async_write(s, msg, done); });
    });
    if (ec) return failed(ec, "sending the request", true);

    // The first bytes of the answer are read apart from the rest: a connection that ends before
    // them carried no answer, and the request may be resent; once they arrived it may not.
    size_t got = 0;
    ec = c->with_stream([&](auto& s) {
      return c->run([&](auto done) {
        s.async_read_some(c->buffer.prepare(kFirstRead), [&got, done](error_code e, size_t n) {
          got = n;
          done(e);
        });
      });
    });
    c->buffer.commit(got);
    if (ec) return failed(ec, "waiting for the answer", got == 0);

    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(kMaxResponseHeader);
    parser.body_limit(boost::none);
    if (req.method == "HEAD") parser.skip(true);
    ec = c->with_stream([&](auto& s) {
      return c->run([&](auto done) { bhttp::async_read(s, c->buffer, parser, done); });
    });
    if (ec) return failed(ec, "reading the answer", false);

    bhttp::response<bhttp::string_body>& res = parser.get();
    Response out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      std::string name(field.name_string());
      auto [it, inserted] = out.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    auto ct = out.headers.find("content-type");
    out.content_type = ct == out.headers.end() ? std::string() : ct->second;
    out.body = std::move(res.body());
    c->cancel = nullptr;
    if (res.version() == 11 && parser.keep_alive()) give_back(key, std::move(c));
    return out;
  }

  // A new connection to `url`, TLS handshake done.
  Result<std::unique_ptr<Connection>> connect(const Url& url, Clock::time_point deadline,
                                              const std::string& what,
                                              const std::atomic<bool>* cancel) {
    auto c = std::make_unique<Connection>();
    c->cancel = cancel;
    auto cancelled = [&](const char* during) {
      return Status::Cancelled(what + ": cancelled while " + during);
    };
    if (url.scheme == "https") {
      RK_ASSIGN_OR_RETURN(ssl::context * ctx, tls_context());
      c->tls.emplace(c->io, *ctx);
    } else {
      c->plain.emplace(c->io);
    }
    // Host names are resolved without the deadline (the system resolver has its own); cluster
    // addresses are usually IP addresses, which need no resolving.
    tcp::resolver resolver(c->io);
    error_code ec;
    tcp::resolver::results_type endpoints =
        resolver.resolve(url.host, std::to_string(url.port), tcp::resolver::numeric_service, ec);
    if (ec) return Status::Unavailable(what + ": cannot resolve " + url.host + ": " + ec.message());

    c->tcp().expires_at(deadline);
    ec = c->run([&](auto done) { c->tcp().async_connect(endpoints, done); });
    if (ec == asio::error::operation_aborted && cancel != nullptr) return cancelled("connecting");
    if (ec == beast::error::timeout) return Status::Timeout(what + ": connecting timed out");
    if (ec) return Status::Unavailable(what + ": connecting: " + ec.message());
    c->tcp().socket().set_option(tcp::no_delay(true), ec);

    if (c->tls) {
      const bool ip = is_ip_address(url.host);
      // SNI only for names (RFC 6066 forbids IP addresses there); the certificate is checked
      // against the name or the IP address either way.
      if (!ip) SSL_set_tlsext_host_name(c->tls->native_handle(), url.host.c_str());
      c->tls->set_verify_mode(ssl::verify_peer);
      c->tls->set_verify_callback(ssl::host_name_verification(url.host));
      ec = c->run([&](auto done) { c->tls->async_handshake(ssl::stream_base::client, done); });
      if (ec == asio::error::operation_aborted && cancel != nullptr) {
        return cancelled("in the TLS handshake");
      }
      if (ec == beast::error::timeout) return Status::Timeout(what + ": TLS handshake timed out");
      if (ec) {
        return Status::Unavailable(
            what + ": TLS handshake failed: " + ec.message() +
            " (is the server's certificate signed by the configured CA and issued for this host, "
            "and does the server require a client certificate?)");
      }
    }
    return c;
  }

  // The TLS settings every https connection of this client shares, made on first use.
  Result<ssl::context*> tls_context() {
    std::lock_guard<std::mutex> lock(tls_mu_);
    if (tls_) return tls_.get();
    RK_RETURN_IF_ERROR(check_file("TLS CA", options_.tls_ca_file));
    RK_RETURN_IF_ERROR(check_file("TLS certificate", options_.tls_cert_file));
    RK_RETURN_IF_ERROR(check_file("TLS key", options_.tls_key_file));
    if (options_.tls_cert_file.empty() != options_.tls_key_file.empty()) {
      return Status::InvalidArgument("HTTP client TLS needs both a certificate and a key file");
    }
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    error_code ec;
    if (options_.tls_ca_file.empty()) {
      ctx->set_default_verify_paths(ec);
    } else {
      ctx->load_verify_file(options_.tls_ca_file, ec);
    }
    if (ec) return Status::InvalidArgument("HTTP client TLS CA: " + ec.message());
    if (!options_.tls_cert_file.empty()) {
      ctx->use_certificate_chain_file(options_.tls_cert_file, ec);
      if (!ec) ctx->use_private_key_file(options_.tls_key_file, ssl::context::pem, ec);
      if (ec) return Status::InvalidArgument("HTTP client TLS certificate or key: " + ec.message());
    }
    tls_ = std::move(ctx);
    return tls_.get();
  }

  // The newest idle connection to `key` that is still open, or null. Connections idle past
  // pool_idle_timeout, closed by the peer or holding unasked-for bytes are closed on the way.
  std::unique_ptr<Connection> take(const std::string& key) {
    std::vector<std::unique_ptr<Connection>> discard;  // closed outside the lock
    std::unique_ptr<Connection> found;
    {
      std::lock_guard<std::mutex> lock(pool_mu_);
      expire(discard);
      auto it = pool_.find(key);
      while (it != pool_.end() && !it->second.empty() && !found) {
        std::unique_ptr<Connection> c = std::move(it->second.back());
        it->second.pop_back();
        if (c->still_open()) {
          found = std::move(c);
        } else {
          discard.push_back(std::move(c));
        }
      }
    }
    return found;
  }

  void give_back(const std::string& key, std::unique_ptr<Connection> c) {
    if (options_.pool_max_idle <= 0 || options_.pool_idle_timeout.count() <= 0) return;
    std::vector<std::unique_ptr<Connection>> discard;
    c->idle_since = Clock::now();
    std::lock_guard<std::mutex> lock(pool_mu_);
    expire(discard);
    std::deque<std::unique_ptr<Connection>>& idle = pool_[key];
    idle.push_back(std::move(c));
    while (idle.size() > static_cast<size_t>(options_.pool_max_idle)) {
      discard.push_back(std::move(idle.front()));
      idle.pop_front();
    }
  }

  // Moves every connection idle past pool_idle_timeout into `discard` (pool_mu_ held). Each
  // host's connections are in the order they were returned, so the expired ones lead.
  void expire(std::vector<std::unique_ptr<Connection>>& discard) {
    const Clock::time_point oldest = Clock::now() - options_.pool_idle_timeout;
    for (auto it = pool_.begin(); it != pool_.end();) {
      auto& idle = it->second;
      while (!idle.empty() && idle.front()->idle_since <= oldest) {
        discard.push_back(std::move(idle.front()));
        idle.pop_front();
      }
      it = idle.empty() ? pool_.erase(it) : std::next(it);
    }
  }

  const ClientOptions options_;
  std::mutex tls_mu_;
  std::unique_ptr<ssl::context> tls_;  // declared before the pool: its connections use it
  std::mutex pool_mu_;
  std::map<std::string, std::deque<std::unique_ptr<Connection>>> pool_;
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;
Result<Response> Client::request(const ClientRequest& request) { return impl_->request(request); }

}  // namespace rk::http
