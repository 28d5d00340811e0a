// The Boost.Beast side of ringkeeper's HTTP server; see http_server.h. This is the only
// translation unit that includes Beast (it takes ~25 s to compile; keep it that way).
//
// Structure: one acceptor on its own strand; one Session per connection on its own strand,
// templated on the stream (plain TCP or TLS). A session reads a request, hands it to the handler
// pool, and writes the answer back on its strand. The server keeps weak references to its
// sessions so that stop() can close idle ones and wait for busy ones.
#include "ringkeeper/core/http_server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "ringkeeper/core/json_api.h"

namespace rk::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

// After a 413 the client may still be sending its body; closing at once would make the kernel
// answer with RST and the client might never read our response. Read and drop at most this much
// for at most this long first (a "lingering close", as web servers do).
constexpr size_t kLingerMaxBytes = 64u << 20;
constexpr std::chrono::milliseconds kLingerTimeout{2'000};
// A TLS close_notify exchange must not hold up a stop for long.
constexpr std::chrono::milliseconds kTlsShutdownTimeout{500};

Status write_port_file(const std::string& path, uint16_t port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    out.close();
    if (!out) return Status::IOError("cannot write port file " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::IOError("cannot write port file " + path + ": " + ec.message());
  return Status::OK();
}

// Splits "a=1&b=x%20y" into decoded pairs; false on a malformed escape.
bool parse_query(std::string_view q, std::map<std::string, std::string>& out) {
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key, value;
    if (!percent_decode(pair.substr(0, eq), key, true)) return false;
    if (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), value, true)) {
      return false;
    }
    out[std::move(key)] = std::move(value);
  }
  return true;
}

}  // namespace

class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // Asks the session (from any thread) to close if it is waiting for a request.
  virtual void close_if_idle() = 0;
};

class Server::Impl {
 public:
  Impl(ServerOptions options, Router router)
      : options_(std::move(options)),
        router_(std::move(router)),
        acceptor_(net::make_strand(ioc_)),
        work_(net::make_work_guard(ioc_)),
        handlers_(static_cast<size_t>(std::max(1, options_.handler_threads))) {}

  ~Impl() { stop(); }

  Status start();
  void stop();

  // Routes, authenticates and runs the handler; never throws.
  Response handle(Request& request);

  void add_session(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_[s.get()] = s;
  }
  void remove_session(SessionBase* s) {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.erase(s);
    if (sessions_.empty()) sessions_empty_.notify_all();
  }

  const ServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_.load(); }
  net::thread_pool& handler_pool() { return handlers_; }
  uint16_t port() const { return port_; }
  bool tls() const { return ssl_ctx_.has_value(); }

 private:
  void do_accept();
  void start_session(tcp::socket socket);

  ServerOptions options_;
  Router router_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};

  // Declared before the io_context: sessions unregister here when the io_context (or the handler
  // pool) destroys the last references to them.
  std::mutex mu_;
  std::condition_variable sessions_empty_;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions_;
  bool stopped_ = false;

  std::optional<ssl::context> ssl_ctx_;  // outlives the sessions' TLS streams
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  net::thread_pool handlers_;
  std::vector<std::thread> io_threads_;
};

// One connection. Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <class Stream>
class Session final : public SessionBase {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Session(Server::Impl& server, Stream stream, std::string peer)
      : server_(server), stream_(std::move(stream)), peer_(std::move(peer)) {}
  ~Session() override { server_.remove_session(this); }

  void start() {
    if constexpr (kTls) {
      phase_ = Phase::kHandshake;
      lowest().expires_after(server_.options().idle_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = self()](beast::error_code ec) { self->on_handshake(ec); });
    } else {
      do_read();
    }
  }

  void close_if_idle() override {
    net::post(stream_.get_executor(), [self = self()] {
      if (self->phase_ == Phase::kReading || self->phase_ == Phase::kHandshake) {
        self->lowest().cancel();
      }
    });
  }

 private:
  enum class Phase { kHandshake, kReading, kHandling, kWriting, kClosing };

  std::shared_ptr<Session> self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      spdlog::debug("{}: TLS handshake with {} failed: {}", server_.options().name, peer_,
                    ec.message());
      return;  // dropping the last reference closes the socket
    }
    if constexpr (kTls) {
      if (X509* cert = SSL_get1_peer_certificate(stream_.native_handle())) {
        char buf[512];
        X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof(buf));
        peer_subject_ = buf;
        X509_free(cert);
      }
    }
    do_read();
  }

  void do_read() {
    if (server_.stopping()) return do_close();
    phase_ = Phase::kReading;
    parser_.emplace();
    parser_->body_limit(server_.options().max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(server_.options().max_header_bytes));
    lowest().expires_after(server_.options().idle_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = self()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  // Headers are read first so that a client sending `Expect: 100-continue` (curl does for large
  // bodies) gets its interim response at once, or a 413 before it sends a body that is too big.
  void on_header(beast::error_code ec) {
    if (ec) return on_read(ec);
    if (parser_->is_done()) return on_read(ec);
    auto expect = parser_->get().find(bhttp::field::expect);
    if (expect != parser_->get().end() && beast::iequals(expect->value(), "100-continue")) {
      continue_ = {bhttp::status::continue_, 11};
      bhttp::async_write(stream_, continue_, [self = self()](beast::error_code ec, size_t) {
        if (ec) return self->do_close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = self()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return write_error(413, "payload_too_large",
                         "request body exceeds the limit of " +
                             std::to_string(server_.options().max_body_bytes) + " bytes",
                         /*linger=*/true);
    }
    if (ec == bhttp::error::header_limit) {
      return write_error(431, "invalid_argument", "request headers are too large", true);
    }
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
        ec == bhttp::error::short_read) {
      return do_close();
    }
    if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      return write_error(400, "invalid_argument", "malformed HTTP request: " + ec.message(), false);
    }
    if (ec) return do_close();  // timeout, reset, cancelled by stop(), TLS errors

    auto& msg = parser_->get();
    auto request = std::make_shared<Request>();
    request->method = std::string(msg.method_string());
    std::string_view target(msg.target().data(), msg.target().size());
    size_t q = target.find('?');
    request->path = std::string(target.substr(0, q));
    if (request->path.empty() || request->path.front() != '/') {
      return write_error(400, "invalid_argument", "request target must be an absolute path", false);
    }
    if (q != std::string_view::npos && !parse_query(target.substr(q + 1), request->query)) {
      return write_error(400, "invalid_argument", "malformed %-escape in the query string", false);
    }
    for (const auto& field : msg) {
      std::string name(field.name_string());
      std::string value(field.value());
      auto [it, inserted] = request->headers.emplace(name, value);
      if (!inserted) it->second += ", " + value;
    }
    request->body = std::move(msg.body());
    request->peer = peer_;
    request->peer_certificate_subject = peer_subject_;
    const bool keep_alive = msg.keep_alive();
    parser_.reset();

    phase_ = Phase::kHandling;
    if (server_.options().handler_threads == 0) {  // inline: the handler promised not to block
      Response response = server_.handle(*request);
      return write(std::move(response), keep_alive, false);
    }
    lowest().expires_never();  // the handler may take long; the write sets a new deadline
    net::post(server_.handler_pool(), [self = self(), request, keep_alive] {
      Response response = self->server_.handle(*request);
      net::post(self->stream_.get_executor(),
                [self, response = std::move(response), keep_alive]() mutable {
                  self->write(std::move(response), keep_alive, false);
                });
    });
  }

  void write_error(int status, std::string_view error, const std::string& detail, bool linger) {
    spdlog::debug("{}: {} from {}: {}", server_.options().name, status, peer_, detail);
    write(api::error_response(status, error, detail), false, linger);
  }

  void write(Response r, bool keep_alive, bool linger) {
    phase_ = Phase::kWriting;
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(r.status));
    for (const auto& [name, value] : r.headers) res_.set(name, value);
    if (!r.content_type.empty()) res_.set(bhttp::field::content_type, r.content_type);
    res_.set(bhttp::field::server, "ringkeeper");
    res_.body() = std::move(r.body);
    const bool close = !keep_alive || server_.stopping();
    res_.keep_alive(!close);
    res_.prepare_payload();
    lowest().expires_after(server_.options().idle_timeout);
    bhttp::async_write(stream_, res_, [self = self(), close, linger](beast::error_code ec, size_t) {
      if (ec) return self->do_close();
      if (linger) return self->linger();
      if (close || self->server_.stopping()) return self->do_close();
      self->do_read();
    });
  }

  // Reads and discards what the client still sends, then closes (see kLingerMaxBytes).
  void linger() {
    phase_ = Phase::kClosing;
    if constexpr (!kTls) {
      beast::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    lowest().expires_after(kLingerTimeout);
    drain();
  }
  void drain() {
    stream_.async_read_some(net::buffer(drain_buf_),
                            [self = self()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kLingerMaxBytes) return self->do_close();
                              self->drain();
                            });
  }

  void do_close() {
    phase_ = Phase::kClosing;
    if constexpr (kTls) {
      lowest().expires_after(kTlsShutdownTimeout);
      stream_.async_shutdown([self = self()](beast::error_code) {
        beast::error_code ignored;
        self->lowest().socket().close(ignored);
      });
    } else {
      beast::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      lowest().socket().close(ignored);
    }
  }

  Server::Impl& server_;
  Stream stream_;
  std::string peer_;
  std::string peer_subject_;
  Phase phase_ = Phase::kReading;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  bhttp::response<bhttp::empty_body> continue_;
  std::array<char, 16 << 10> drain_buf_;
  size_t drained_ = 0;
};

Status Server::Impl::start() {
  const ServerOptions& o = options_;
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return Status::InvalidArgument(o.name + ": TLS needs both a certificate and a key file");
  }
  if (!o.tls_ca_file.empty() && o.tls_cert_file.empty()) {
    return Status::InvalidArgument(o.name + ": a TLS CA file needs a certificate and key file");
  }
  if (!o.tls_cert_file.empty()) {
    ssl_ctx_.emplace(ssl::context::tls_server);
    ssl_ctx_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                          ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                          ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    beast::error_code ec;
    ssl_ctx_->use_certificate_chain_file(o.tls_cert_file, ec);
    if (ec) {
      return Status::InvalidArgument(o.name + ": cannot load TLS certificate " + o.tls_cert_file +
                                     ": " + ec.message());
    }
    ssl_ctx_->use_private_key_file(o.tls_key_file, ssl::context::pem, ec);
    if (ec) {
      return Status::InvalidArgument(o.name + ": cannot load TLS key " + o.tls_key_file + ": " +
                                     ec.message());
    }
    if (!o.tls_ca_file.empty()) {
      ssl_ctx_->load_verify_file(o.tls_ca_file, ec);
      if (ec) {
        return Status::InvalidArgument(o.name + ": cannot load TLS CA " + o.tls_ca_file + ": " +
                                       ec.message());
      }
      if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.tls_ca_file.c_str())) {
        SSL_CTX_set_client_CA_list(ssl_ctx_->native_handle(), names);
      }
      ssl_ctx_->set_verify_mode(ssl::verify_peer |
                                (o.tls_require_client_cert ? ssl::verify_fail_if_no_peer_cert : 0));
    }
  }

  beast::error_code ec;
  net::ip::address address = net::ip::make_address(o.bind_address, ec);
  if (ec) return Status::InvalidArgument(o.name + ": bad bind address '" + o.bind_address + "'");
  tcp::endpoint endpoint(address, o.port);
  const std::string where = o.bind_address + ":" + std::to_string(o.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError(o.name + ": cannot listen on " + where + ": " + ec.message());
  port_ = acceptor_.local_endpoint().port();

  if (!o.port_file.empty()) RK_RETURN_IF_ERROR(write_port_file(o.port_file, port_));
  spdlog::info("{} listening on {}://{}:{}", o.name, tls() ? "https" : "http", o.bind_address,
               port_);

  do_accept();
  for (int i = 0; i < std::max(1, o.io_threads); ++i) {
    io_threads_.emplace_back([this] {
      while (true) {
        try {
          ioc_.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("{}: I/O thread caught: {}", options_.name, e.what());
        }
      }
    });
  }
  return Status::OK();
}

void Server::Impl::do_accept() {
  acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      spdlog::warn("{}: accept failed: {}", options_.name, ec.message());
    } else {
      start_session(std::move(socket));
    }
    do_accept();
  });
}

void Server::Impl::start_session(tcp::socket socket) {
  if (stopping()) return;  // the socket closes as it goes out of scope
  beast::error_code ec;
  tcp::endpoint remote = socket.remote_endpoint(ec);
  std::string peer =
      ec ? std::string("?") : remote.address().to_string() + ":" + std::to_string(remote.port());
  std::shared_ptr<SessionBase> session;
  if (ssl_ctx_) {
    auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
        *this, beast::ssl_stream<beast::tcp_stream>(std::move(socket), *ssl_ctx_), peer);
    add_session(s);
    s->start();
  } else {
    auto s = std::make_shared<Session<beast::tcp_stream>>(
        *this, beast::tcp_stream(std::move(socket)), peer);
    add_session(s);
    s->start();
  }
}

Response Server::Impl::handle(Request& request) {
  const auto started = std::chrono::steady_clock::now();
  std::string_view route;
  Response response = [&]() -> Response {
    Router::Match m = router_.match(request.method, request.path);
    if (m.route != nullptr) route = m.route->pattern;
    if (m.bad_encoding) {
      return api::error_response(400, "invalid_argument", "malformed %-escape in the path");
    }
    if (m.route == nullptr) {
      if (!m.allowed.empty()) {
        Response r = api::error_response(405, "method_not_allowed",
                                         request.method + " is not allowed here; use " + m.allowed);
        r.headers["Allow"] = m.allowed;
        return r;
      }
      return api::error_response(404, "not_found",
                                 "no route for " + request.method + " " + request.path);
    }
    request.path_params = std::move(m.path_params);
    if (options_.tokens) {
      RoleSet need =
          m.route->roles ? *m.route->roles : required_roles(options_.access, request.method);
      BearerTokens::Decision d = options_.tokens->authorize(request.header("Authorization"), need);
      if (d.http_status == 401) {
        Response r = api::error_response(401, "unauthenticated", d.detail);
        r.headers["WWW-Authenticate"] = "Bearer";
        return r;
      }
      // Known even when refused with 403, so that the refusal can name who was refused.
      request.principal = d.principal.name;
      if (d.http_status == 403) return api::error_response(403, "permission_denied", d.detail);
    }
    try {
      Result<Response> r = m.route->handler(request);
      if (!r.ok()) return api::error_response(r.status());
      return std::move(r).value();
    } catch (const std::exception& e) {
      spdlog::error("{}: handler for {} {} threw: {}", options_.name, request.method,
                    m.route->pattern, e.what());
    } catch (...) {
      spdlog::error("{}: handler for {} {} threw a non-exception", options_.name, request.method,
                    m.route->pattern);
    }
    return api::error_response(500, "internal",
                               "the request failed with an internal error; see the server log");
  }();
  // The access log names the token's owner, never the token; the query string is left out.
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  spdlog::debug("{}: {} {} {} -> {} {}B {}us{}{}", options_.name, request.peer, request.method,
                request.path, response.status, response.body.size(), micros,
                request.principal.empty() ? "" : " by ", request.principal);
  if (options_.on_request) {
    std::string detail;
    if (response.status >= 400) {
      nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
      if (body.is_object() && body.contains("detail") && body["detail"].is_string()) {
        detail = body["detail"].get<std::string>();
      }
    }
    options_.on_request({.listener = options_.name,
                         .method = request.method,
                         .route = route,
                         .path = request.path,
                         .principal = request.principal,
                         .status = response.status,
                         .micros = micros,
                         .detail = detail});
  }
  return response;
}

void Server::Impl::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  stopping_ = true;
  const bool started = !io_threads_.empty();
  if (started) {
    std::promise<void> closed;
    net::post(acceptor_.get_executor(), [&] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      closed.set_value();
    });
    closed.get_future().wait();
  }
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [raw, weak] : sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->close_if_idle();
  live.clear();  // outside the lock: this may run a session's destructor, which takes mu_
  {
    std::unique_lock<std::mutex> lock(mu_);
    sessions_empty_.wait_for(lock, options_.drain_timeout, [&] { return sessions_.empty(); });
  }
  work_.reset();
  ioc_.stop();
  for (std::thread& t : io_threads_) t.join();
  io_threads_.clear();
  handlers_.join();
  if (started) spdlog::info("{} on port {} stopped", options_.name, port_);
}

Result<std::unique_ptr<Server>> Server::start(ServerOptions options, Router router) {
  auto impl = std::make_unique<Impl>(std::move(options), std::move(router));
  RK_RETURN_IF_ERROR(impl->start());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { stop(); }
uint16_t Server::bound_port() const { return impl_->port(); }
std::string Server::base_url() const {
  const std::string& a = impl_->options().bind_address;
  const std::string host = a.find(':') != std::string::npos ? "[" + a + "]" : a;
  return std::string(impl_->tls() ? "https" : "http") + "://" + host + ":" +
         std::to_string(impl_->port());
}
void Server::stop() { impl_->stop(); }

}  // namespace rk::http
