// Fault proxies for the chaos soak (docs/benchmarks.md, "Chaos soak"): what a flaky network and a
// flaky object store do to a cluster, on loopback.
//
//   TcpFaultProxy   listens on one address:port and forwards every connection to
//                   127.0.0.1:<upstream>. While faults are on, each new connection is, at the
//                   configured rates, reset (RST) or cut (FIN) after a random 0..max_delay, or has
//                   every chunk it sends held back 0..max_delay. Agents advertise the proxy's
//                   address, so every peer's internode call crosses it.
//   HttpFaultProxy  an HTTP/1.1 proxy in front of s3rver that answers a share of requests
//                   itself with 503 SlowDown or 500 InternalError (as S3 does under load) and
//                   forwards the rest over a kept-alive upstream connection.
//
// Randomness comes from the seed given; counters say what was injected.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "ringkeeper/core/status.h"

namespace rk::soak {

// What the proxies injected, shared by all of them (lock-free counters).
struct FaultCounters {
  std::atomic<int64_t> connections{0};   // TCP connections accepted while faults were on
  std::atomic<int64_t> resets{0};        // connections reset with RST
  std::atomic<int64_t> drops{0};         // connections closed silently mid-way
  std::atomic<int64_t> delays{0};        // connections whose chunks were held back
  std::atomic<int64_t> http_requests{0}; // requests through the HTTP proxy
  std::atomic<int64_t> http_5xx{0};      // requests answered 5xx by the HTTP proxy
};

struct TcpFaults {
  double reset_rate = 0.02;  // share of connections reset after a random 0..max_delay
  double drop_rate = 0.02;   // share of connections closed (FIN) after a random 0..max_delay
  double delay_rate = 0.05;  // share of connections whose every chunk waits 0..max_delay
  std::chrono::milliseconds max_delay{2000};
};

class TcpFaultProxy {
 public:
  // Listens on listen_host:listen_port (port 0: a free one) and forwards to
  // 127.0.0.1:upstream_port. Faults start off (set_faults). IOError when it cannot listen.
  static Result<std::unique_ptr<TcpFaultProxy>> start(const std::string& listen_host,
                                                      int listen_port, int upstream_port,
                                                      TcpFaults faults, uint64_t seed,
                                                      FaultCounters* counters);
  ~TcpFaultProxy();  // closes every connection and joins its thread

  int port() const;
  // Faults apply to connections accepted while this is on; off: a plain proxy.
  void set_faults(bool on);

 private:
  class Impl;
  explicit TcpFaultProxy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class HttpFaultProxy {
 public:
  // Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:upstream_port, answering
  // `fail_rate` of the requests with a 5xx itself.
  static Result<std::unique_ptr<HttpFaultProxy>> start(int upstream_port, double fail_rate,
                                                       uint64_t seed, FaultCounters* counters);
  ~HttpFaultProxy();

  int port() const;
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port()); }

 private:
  class Impl;
  explicit HttpFaultProxy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rk::soak
