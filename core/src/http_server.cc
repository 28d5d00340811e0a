// The Boost.Beast side of ringkeeper's HTTP server; see http_server.h. This is the only
// translation unit that includes Beast (it takes ~25 s to compile; keep it that way).
//
// Structure: one acceptor on its own strand; one Session per connection on its own strand,
// templated on the stream (plain TCP or TLS). A session reads a request head, checks its framing
// (request_framing.h), reads the body, hands the request to the handler pool (or answers 503 when
// the pool's queue is full), and writes the answer back on its strand. What happens to a complete
// request is http_dispatch.h's business. The server keeps weak references to its sessions so that
// stop() can close idle ones and wait for busy ones, and counts them to bound connections.
#include "ringkeeper/core/http_server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <array>
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
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "http_dispatch.h"
#include "request_framing.h"
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
// Bytes asked of the socket per read while a request head is incomplete.
constexpr size_t kHeadReadChunk = 4096;
// The handler queue when ServerOptions::max_queued_requests is 0: this many per handler thread.
constexpr int kQueuedPerHandlerThread = 16;
// After a failed accept (out of file descriptors, say) wait this long before the next, rather
// than spinning.
constexpr std::chrono::milliseconds kAcceptRetry{100};

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
        dispatcher_(options_, std::move(router)),
        acceptor_(net::make_strand(ioc_)),
        accept_retry_(acceptor_.get_executor()),
        work_(net::make_work_guard(ioc_)),
        handlers_(static_cast<size_t>(std::max(1, options_.handler_threads))),
        max_in_handlers_(std::max(1, options_.handler_threads) +
                         (options_.max_queued_requests > 0
                              ? options_.max_queued_requests
                              : kQueuedPerHandlerThread * std::max(1, options_.handler_threads))) {}

  ~Impl() { stop(); }

  Status start();
  void stop();

  const Dispatcher& dispatcher() const { return dispatcher_; }

  // Takes a place in the handler pool (running or queued); false when none is left.
  bool try_enter_handlers() {
    int n = in_handlers_.load();
    do {
      if (n >= max_in_handlers_) return false;
    } while (!in_handlers_.compare_exchange_weak(n, n + 1));
    return true;
  }
  void leave_handlers() { in_handlers_.fetch_sub(1); }

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
  Dispatcher dispatcher_;
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
  net::steady_timer accept_retry_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  net::thread_pool handlers_;
  const int max_in_handlers_;        // handler threads + the queue behind them
  std::atomic<int> in_handlers_{0};  // requests posted to handlers_ and not yet answered
  std::atomic<int64_t> last_refusal_warning_{-3600};  // steady seconds of the last warning
  std::vector<std::thread> io_threads_;
};

// One connection. Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <class Stream>
class Session final : public SessionBase {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  // A `refused` session belongs to a connection over max_connections: it answers 503 at once,
  // without reading a request, and closes.
  Session(Server::Impl& server, Stream stream, std::string peer, bool refused)
      : server_(server), stream_(std::move(stream)), peer_(std::move(peer)), refused_(refused) {}
  ~Session() override { server_.remove_session(this); }

  void start() {
    if constexpr (kTls) {
      phase_ = Phase::kHandshake;
      lowest().expires_after(refused_ ? kLingerTimeout : server_.options().idle_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = self()](beast::error_code ec) { self->on_handshake(ec); });
    } else {
      serve();
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
    serve();
  }

  void serve() {
    if (!refused_) return do_read();
    write(server_.dispatcher().unavailable(server_.options().name +
                                           " has too many open connections; retry later"),
          false, /*linger=*/true, false);
  }

  void do_read() {
    if (server_.stopping()) return do_close();
    phase_ = Phase::kReading;
    parser_.emplace();
    parser_->body_limit(server_.options().max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(server_.options().max_header_bytes));
    lowest().expires_after(server_.options().idle_timeout);
    read_head();
  }

  // Reads until the buffer holds a whole request head, so that the raw head can be checked for
  // folded lines (the parser would unfold them silently) before the parser sees it. The parser
  // then finds the head in the buffer and reads nothing more for it.
  void read_head() {
    const auto data = buffer_.data();
    const std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    const size_t end = request_head_end(bytes);
    const size_t limit = server_.options().max_header_bytes;
    if (end == std::string_view::npos ? bytes.size() > limit : end > limit) {
      return write_error(431, "invalid_argument", "request headers are too large", true);
    }
    if (end == std::string_view::npos) {
      stream_.async_read_some(buffer_.prepare(kHeadReadChunk),
                              [self = self()](beast::error_code ec, size_t n) {
                                self->buffer_.commit(n);
                                if (ec) return self->do_close();  // EOF, timeout, reset, stop()
                                self->read_head();
                              });
      return;
    }
    if (has_obs_fold(bytes.substr(0, end))) {
      return write_error(400, "invalid_argument",
                         "folded header lines (obs-fold) are not accepted; send each header on "
                         "one line",
                         true);
    }
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = self()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  // Headers are read first so that framing errors are refused before any body byte is read, and
  // a client sending `Expect: 100-continue` (curl does for large bodies) gets its interim
  // response at once, or a 413 before it sends a body that is too big.
  void on_header(beast::error_code ec) {
    if (ec) return on_read(ec);
    const auto& msg = parser_->get();
    RequestHead head;
    head.version = msg.version();
    for (const auto& field : msg) {
      if (field.name() == bhttp::field::transfer_encoding) {
        head.transfer_encodings.emplace_back(field.value());
      } else if (field.name() == bhttp::field::content_length) {
        ++head.content_length_lines;
      } else if (field.name() == bhttp::field::host) {
        ++head.host_lines;
      }
    }
    if (std::optional<Refusal> refusal = check_request_head(head)) {
      return write_error(refusal->status, refusal->error, refusal->detail, true);
    }
    if (parser_->is_done()) return on_read(ec);
    auto expect = msg.find(bhttp::field::expect);
    if (expect != msg.end() && beast::iequals(expect->value(), "100-continue")) {
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
      // The head was read: the observer hears the refusal like any other (the audit log).
      const auto& head = parser_->get();
      Request request;
      request.method = std::string(head.method_string());
      const std::string_view target(head.target().data(), head.target().size());
      request.path = std::string(target.substr(0, target.find('?')));
      if (auto auth = head.find(bhttp::field::authorization); auth != head.end()) {
        request.headers["Authorization"] = std::string(auth->value());
      }
      Response refusal = server_.dispatcher().refused_early(
          request,
          api::error_response(413, "payload_too_large",
                              "request body exceeds the limit of " +
                                  std::to_string(server_.options().max_body_bytes) + " bytes"));
      return write(std::move(refusal), false, /*linger=*/true, false);
    }
    if (ec == bhttp::error::header_limit) {
      return write_error(431, "invalid_argument", "request headers are too large", true);
    }
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
        ec == bhttp::error::short_read) {
      return do_close();
    }
    if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      return write_error(400, "invalid_argument", "malformed HTTP request: " + ec.message(), true);
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
    const bool head_only = request->method == "HEAD";
    parser_.reset();

    phase_ = Phase::kHandling;
    const Dispatcher& dispatcher = server_.dispatcher();
    if (server_.options().handler_threads == 0) {  // inline: the handler promised not to block
      return write(dispatcher.handle(*request), keep_alive, false, head_only);
    }
    if (!server_.try_enter_handlers()) {  // answered here, at once: the queue is full
      return write(dispatcher.overloaded(*request), keep_alive, false, head_only);
    }
    lowest().expires_never();  // the handler may take long; the write sets a new deadline
    net::post(server_.handler_pool(), [self = self(), request, keep_alive, head_only] {
      Response response = self->server_.dispatcher().handle(*request);
      self->server_.leave_handlers();
      net::post(self->stream_.get_executor(),
                [self, response = std::move(response), keep_alive, head_only]() mutable {
                  self->write(std::move(response), keep_alive, false, head_only);
                });
    });
  }

  void write_error(int status, std::string_view error, const std::string& detail, bool linger) {
    spdlog::debug("{}: {} from {}: {}", server_.options().name, status, peer_, detail);
    write(api::error_response(status, error, detail), false, linger, false);
  }

  // `head_only`: the answer to a HEAD request: status and headers (Content-Length of the body
  // a GET would get), no body.
  void write(Response r, bool keep_alive, bool linger, bool head_only) {
    phase_ = Phase::kWriting;
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(r.status));
    for (const auto& [name, value] : r.headers) res_.set(name, value);
    if (!r.content_type.empty()) res_.set(bhttp::field::content_type, r.content_type);
    res_.set(bhttp::field::server, "ringkeeper");
    const bool close = !keep_alive || server_.stopping();
    res_.keep_alive(!close);
    // 1xx, 204 and 304 answers carry neither a body nor a Content-Length (RFC 9110 8.6).
    if (r.status >= 200 && r.status != 204 && r.status != 304) {
      res_.content_length(r.body.size());
      if (!head_only) res_.body() = std::move(r.body);
    }
    lowest().expires_after(server_.options().idle_timeout);
    bhttp::async_write(stream_, res_, [self = self(), close, linger](beast::error_code ec, size_t) {
      if (ec) return self->do_close();
      if (linger) return self->linger();
      if (close || self->server_.stopping()) return self->do_close();
      self->do_read();
    });
  }

  // Reads and discards what the client still sends, then closes (see kLingerMaxBytes). Nothing
  // read here is parsed.
  void linger() {
    phase_ = Phase::kClosing;
    if constexpr (!kTls) {
      beast::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    lowest().expires_after(kLingerTimeout);
    drain_buf_ = std::make_unique<std::array<char, 16 << 10>>();
    drain();
  }
  void drain() {
    stream_.async_read_some(net::buffer(*drain_buf_),
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
  const bool refused_;
  Phase phase_ = Phase::kReading;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  bhttp::response<bhttp::empty_body> continue_;
  std::unique_ptr<std::array<char, 16 << 10>> drain_buf_;  // only while lingering
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
      spdlog::warn("{}: accept failed: {}; trying again in {} ms", options_.name, ec.message(),
                   kAcceptRetry.count());
      accept_retry_.expires_after(kAcceptRetry);
      accept_retry_.async_wait([this](beast::error_code e) {
        if (!e && acceptor_.is_open()) do_accept();
      });
      return;
    }
    start_session(std::move(socket));
    do_accept();
  });
}

void Server::Impl::start_session(tcp::socket socket) {
  if (stopping()) return;  // the socket closes as it goes out of scope
  size_t open;
  {
    std::lock_guard<std::mutex> lock(mu_);
    open = sessions_.size();
  }
  const size_t max = static_cast<size_t>(std::max(1, options_.max_connections));
  if (open >= 2 * max) return;  // even a refusal would cost more than it saves: just close
  const bool refused = open >= max;
  if (refused) {
    // At most one warning a minute: an overloaded listener must not flood the log too.
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    int64_t last = last_refusal_warning_.load();
    if (now - last >= 60 && last_refusal_warning_.compare_exchange_strong(last, now)) {
      spdlog::warn("{}: {} connections are open (max_connections {}); refusing new ones with 503",
                   options_.name, open, max);
    }
  }
  beast::error_code ec;
  tcp::endpoint remote = socket.remote_endpoint(ec);
  std::string peer =
      ec ? std::string("?") : remote.address().to_string() + ":" + std::to_string(remote.port());
  std::shared_ptr<SessionBase> session;
  if (ssl_ctx_) {
    auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
        *this, beast::ssl_stream<beast::tcp_stream>(std::move(socket), *ssl_ctx_), peer, refused);
    add_session(s);
    s->start();
  } else {
    auto s = std::make_shared<Session<beast::tcp_stream>>(
        *this, beast::tcp_stream(std::move(socket)), peer, refused);
    add_session(s);
    s->start();
  }
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
      accept_retry_.cancel();
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
