// The chaos soak's fault proxies (see fault_proxy.h): an asio TCP relay with per-connection faults
// and a Beast HTTP relay with per-request 5xx answers.
#include "fault_proxy.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>

#include <array>
#include <limits>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace rk::soak {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

// ---- TcpFaultProxy ----------------------------------------------------------------------------

namespace {

enum class Fault { kNone, kReset, kDrop, kDelay };

// One relayed connection: two pumps (client → upstream, upstream → client) and an optional fault
// timer. Every handler runs on the proxy's single I/O thread, so no locking is needed.
class Relay : public std::enable_shared_from_this<Relay> {
 public:
  Relay(tcp::socket client, Fault fault, std::chrono::milliseconds after)
      : client_(std::move(client)),
        upstream_(client_.get_executor()),
        timer_(client_.get_executor()),
        fault_(fault),
        after_(after) {}

  void start(int upstream_port) {
    auto self = shared_from_this();
    upstream_.async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(upstream_port)),
        [self](beast::error_code ec) {
          if (ec) return self->close(false);
          if (self->fault_ == Fault::kReset || self->fault_ == Fault::kDrop) {
            self->timer_.expires_after(self->after_);
            self->timer_.async_wait([self](beast::error_code ec) {
              if (!ec) self->close(self->fault_ == Fault::kReset);
            });
          }
          self->pump(self->client_, self->upstream_, self->up_, true);
          self->pump(self->upstream_, self->client_, self->down_, false);
        });
  }

  void close(bool reset) {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    timer_.cancel();
    for (tcp::socket* s : {&client_, &upstream_}) {
      // SO_LINGER 0 makes close() send RST instead of FIN.
      if (reset && s->is_open()) s->set_option(asio::socket_base::linger(true, 0), ec);
      s->close(ec);
    }
  }

 private:
  void pump(tcp::socket& from, tcp::socket& to, std::array<char, 16384>& buf, bool upward) {
    auto self = shared_from_this();
    from.async_read_some(asio::buffer(buf), [self, &from, &to, &buf, upward](
                                                beast::error_code ec, size_t n) {
      if (ec) return self->close(false);
      auto forward = [self, &from, &to, &buf, n, upward] {
        asio::async_write(to, asio::buffer(buf.data(), n),
                          [self, &from, &to, &buf, upward](beast::error_code ec, size_t) {
                            if (ec) return self->close(false);
                            self->pump(from, to, buf, upward);
                          });
      };
      if (self->fault_ == Fault::kDelay && upward) {
        auto t = std::make_shared<asio::steady_timer>(self->client_.get_executor());
        t->expires_after(self->after_);
        t->async_wait([t, forward](beast::error_code) { forward(); });
      } else {
        forward();
      }
    });
  }

  tcp::socket client_;
  tcp::socket upstream_;
  asio::steady_timer timer_;
  Fault fault_;
  std::chrono::milliseconds after_;
  bool closed_ = false;
  std::array<char, 16384> up_{};
  std::array<char, 16384> down_{};
};

}  // namespace

class TcpFaultProxy::Impl {
 public:
  Impl(TcpFaults faults, uint64_t seed, FaultCounters* counters, int upstream_port)
      : faults_(faults), rng_(seed), counters_(counters), upstream_port_(upstream_port) {}

  Status listen(const std::string& host, int port) {
    beast::error_code ec;
    tcp::endpoint ep(asio::ip::make_address(host, ec), static_cast<uint16_t>(port));
    if (ec) return Status::InvalidArgument("bad proxy address " + host);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::IOError("proxy cannot listen on " + host + ":" + std::to_string(port) + ": " +
                             ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { io_.run(); });
    return Status::OK();
  }

  void stop() {
    asio::post(io_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      for (auto& w : relays_) {
        if (auto r = w.lock()) r->close(false);
      }
    });
    guard_.reset();
    if (thread_.joinable()) thread_.join();
  }

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      Fault fault = Fault::kNone;
      std::chrono::milliseconds after{0};
      if (faults_on_) {
        ++counters_->connections;
        const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
        after = std::chrono::milliseconds(
            std::uniform_int_distribution<int64_t>(0, faults_.max_delay.count())(rng_));
        if (u < faults_.reset_rate) {
          fault = Fault::kReset;
          ++counters_->resets;
        } else if (u < faults_.reset_rate + faults_.drop_rate) {
          fault = Fault::kDrop;
          ++counters_->drops;
        } else if (u < faults_.reset_rate + faults_.drop_rate + faults_.delay_rate) {
          fault = Fault::kDelay;
          ++counters_->delays;
        }
      }
      auto relay = std::make_shared<Relay>(std::move(socket), fault, after);
      // Forget relays that have ended, so the list stays as long as the live connections.
      std::erase_if(relays_, [](const std::weak_ptr<Relay>& w) { return w.expired(); });
      relays_.push_back(relay);
      relay->start(upstream_port_);
      accept();
    });
  }

  std::atomic<bool> faults_on_{false};
  int port_ = 0;

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_{io_.get_executor()};
  tcp::acceptor acceptor_{io_};
  TcpFaults faults_;
  std::mt19937_64 rng_;
  FaultCounters* counters_;
  int upstream_port_;
  std::vector<std::weak_ptr<Relay>> relays_;
  std::thread thread_;
};

Result<std::unique_ptr<TcpFaultProxy>> TcpFaultProxy::start(const std::string& listen_host,
                                                            int listen_port, int upstream_port,
                                                            TcpFaults faults, uint64_t seed,
                                                            FaultCounters* counters) {
  auto impl = std::make_unique<Impl>(faults, seed, counters, upstream_port);
  RK_RETURN_IF_ERROR(impl->listen(listen_host, listen_port));
  return std::unique_ptr<TcpFaultProxy>(new TcpFaultProxy(std::move(impl)));
}

TcpFaultProxy::TcpFaultProxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TcpFaultProxy::~TcpFaultProxy() { impl_->stop(); }
int TcpFaultProxy::port() const { return impl_->port_; }
void TcpFaultProxy::set_faults(bool on) { impl_->faults_on_ = on; }

// ---- HttpFaultProxy ---------------------------------------------------------------------------

class HttpFaultProxy::Impl {
 public:
  Impl(int upstream_port, double fail_rate, uint64_t seed, FaultCounters* counters)
      : upstream_port_(upstream_port), fail_rate_(fail_rate), rng_(seed), counters_(counters) {}

  Status listen() {
    beast::error_code ec;
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Status::IOError("HTTP proxy cannot listen: " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    acceptor_thread_ = std::thread([this] { accept_loop(); });
    return Status::OK();
  }

  void stop() {
    stopping_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    acceptor_thread_.join();
    {
      std::lock_guard lock(mu_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : threads_) t.join();
  }

  int port_ = 0;

 private:
  void accept_loop() {
    while (!stopping_) {
      beast::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec) {
        if (stopping_) return;
        continue;
      }
      std::lock_guard lock(mu_);
      fds_.insert(socket.native_handle());
      threads_.emplace_back(
          [this, s = std::make_shared<tcp::socket>(std::move(socket))] { serve(*s); });
    }
  }

  double draw() {
    std::lock_guard lock(mu_);
    return std::uniform_real_distribution<double>(0, 1)(rng_);
  }

  // Relays requests one at a time until either side closes.
  void serve(tcp::socket& client) {
    beast::flat_buffer client_buf;
    beast::error_code ec;
    while (!stopping_) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      bhttp::read_header(client, client_buf, parser, ec);
      if (ec) break;
      ++counters_->http_requests;
      auto& head = parser.get();
      const bool expects_continue =
          beast::iequals(head[bhttp::field::expect], "100-continue");
      if (draw() < fail_rate_) {
        ++counters_->http_5xx;
        const bool slow_down = draw() < 0.5;
        bhttp::response<bhttp::string_body> res{
            slow_down ? bhttp::status::service_unavailable : bhttp::status::internal_server_error,
            11};
        res.set(bhttp::field::content_type, "application/xml");
        res.body() = std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>") +
                     (slow_down ? "SlowDown" : "InternalError") +
                     "</Code><Message>injected by the soak's fault proxy</Message></Error>";
        // The request body (if any) is not read: closing is the only safe way on.
        res.keep_alive(false);
        res.prepare_payload();
        bhttp::write(client, res, ec);
        break;
      }
      if (expects_continue) {
        head.erase(bhttp::field::expect);
        const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
        asio::write(client, asio::buffer(cont), ec);
        if (ec) break;
      }
      bhttp::read(client, client_buf, parser, ec);
      if (ec) break;
      bhttp::request<bhttp::string_body> req = parser.release();
      const bool client_keeps = req.keep_alive();
      // A fresh upstream connection per request: one kept between requests could have been
      // closed by s3rver meanwhile, and that must not pass for an injected fault.
      req.keep_alive(false);
      tcp::socket upstream(io_);
      upstream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                     static_cast<uint16_t>(upstream_port_)),
                       ec);
      if (ec) break;
      {
        std::lock_guard lock(mu_);
        fds_.insert(upstream.native_handle());
      }
      beast::flat_buffer upstream_buf;
      bhttp::response_parser<bhttp::string_body> res_parser;
      res_parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      if (req.method() == bhttp::verb::head) res_parser.skip(true);
      bhttp::write(upstream, req, ec);
      if (!ec) bhttp::read(upstream, upstream_buf, res_parser, ec);
      {
        std::lock_guard lock(mu_);
        fds_.erase(upstream.native_handle());
      }
      beast::error_code ignored;
      upstream.close(ignored);
      if (ec) break;  // the client sees its connection close, as with a dying server
      bhttp::response<bhttp::string_body> res = res_parser.release();
      res.keep_alive(client_keeps);
      // A body s3rver delimited by closing needs a length on the kept-alive client connection
      // (a HEAD answer's Content-Length is the object's: left as it is).
      if (!res.has_content_length() && !res.chunked() && req.method() != bhttp::verb::head) {
        res.prepare_payload();
      }
      bhttp::write(client, res, ec);
      if (ec || !client_keeps) break;
    }
    std::lock_guard lock(mu_);
    fds_.erase(client.native_handle());
    client.shutdown(tcp::socket::shutdown_both, ec);
  }

  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  int upstream_port_;
  double fail_rate_;
  std::mt19937_64 rng_;
  FaultCounters* counters_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::set<int> fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_thread_;
};

Result<std::unique_ptr<HttpFaultProxy>> HttpFaultProxy::start(int upstream_port, double fail_rate,
                                                              uint64_t seed,
                                                              FaultCounters* counters) {
  auto impl = std::make_unique<Impl>(upstream_port, fail_rate, seed, counters);
  RK_RETURN_IF_ERROR(impl->listen());
  return std::unique_ptr<HttpFaultProxy>(new HttpFaultProxy(std::move(impl)));
}

HttpFaultProxy::HttpFaultProxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpFaultProxy::~HttpFaultProxy() { impl_->stop(); }
int HttpFaultProxy::port() const { return impl_->port_; }

}  // namespace rk::soak
