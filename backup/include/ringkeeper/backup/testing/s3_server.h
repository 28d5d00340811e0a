// Test helpers for anything that talks to S3 (link rk_backup_testing):
//
//   S3rverProcess   a real S3-compatible server (@20minutes/s3rver, installed under tools/s3 by
//                   scripts/setup.sh) started with Node on 127.0.0.1 and a free port; it checks
//                   SigV4 signatures (credentials S3RVER / S3RVER) but not Content-MD5.
//   FaultProxy      a TCP proxy in front of it that answers 500, drops connections mid-transfer
//                   and stalls them, at configurable rates (per connection, seeded).
//
//   auto server = S3rverProcess::start(dir, {"test"});       // ASSERT_TRUE(server.ok())
//   S3Options o = (*server)->s3_options();                    // endpoint, path style, creds
//   auto store = open_s3_store("test", "prefix", o);
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ringkeeper/backup/store_factory.h"
#include "ringkeeper/core/status.h"

namespace rk::backup::testing {

inline constexpr const char* kS3rverAccessKey = "S3RVER";
inline constexpr const char* kS3rverSecretKey = "S3RVER";

class S3rverProcess {
 public:
  // Starts s3rver with its data under `dir` (created) and the given buckets, and waits (up to
  // 20 s) until it has bound its port. FailedPrecondition naming scripts/setup.sh when Node or
  // tools/s3/node_modules is missing.
  // With tls_cert/tls_key (PEM files) it serves HTTPS instead of HTTP.
  static Result<std::unique_ptr<S3rverProcess>> start(const std::string& dir,
                                                      const std::vector<std::string>& buckets,
                                                      const std::string& tls_cert = {},
                                                      const std::string& tls_key = {});
  ~S3rverProcess();  // SIGTERM, then SIGKILL after 3 s

  // OK when Node and tools/s3/node_modules are there. Tests may skip when this fails outside CI
  // (a work tree where scripts/setup.sh has not run yet); with CI set in the environment they
  // must fail instead: see must_skip().
  static Status installed();
  // True when `status` (from start()) says s3rver is not installed and CI is not set.
  static bool must_skip(const Status& status);

  int port() const { return port_; }
  int pid() const { return pid_; }
  std::string endpoint() const {
    return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_);
  }
  // Where s3rver keeps bucket `b`'s objects (to damage one in a test).
  std::string bucket_dir(const std::string& bucket) const { return dir_ + "/data/" + bucket; }
  // Options for a store on this server: endpoint, path style, credentials, quick retries.
  S3Options s3_options() const;
  std::string log_tail() const;

 private:
  S3rverProcess(int pid, int port, std::string dir, bool tls)
      : pid_(pid), port_(port), dir_(std::move(dir)), tls_(tls) {}
  int pid_;
  int port_;
  std::string dir_;
  bool tls_;
};

struct FaultOptions {
  double fail_rate = 0;   // share of connections answered "500 InternalError" and closed
  double drop_rate = 0;   // share of connections cut after a random 0..drop_after_max bytes
  double stall_rate = 0;  // share of connections that receive nothing back, ever
  // Share of connections on which one byte of the first request body is flipped on its way to
  // the server (the byte 16 past the end of the request's headers).
  double corrupt_rate = 0;
  int64_t drop_after_max = 256 * 1024;
  uint64_t seed = 1;
};

class FaultProxy {
 public:
  // Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:upstream_port.
  static Result<std::unique_ptr<FaultProxy>> start(int upstream_port, FaultOptions options);
  ~FaultProxy();  // closes every connection and joins its threads

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Connections so far, and how many of them were answered 500, cut, stalled or corrupted.
  int64_t connections() const { return connections_; }
  int64_t faults() const { return fails_ + drops_ + stalls_ + corruptions_; }
  int64_t corruptions() const { return corruptions_; }
  int64_t fails() const { return fails_; }
  int64_t drops() const { return drops_; }
  int64_t stalls() const { return stalls_; }

 private:
  FaultProxy(int listen_fd, int port, int upstream_port, FaultOptions options);
  void accept_loop();
  void serve(int client_fd, uint64_t draw);
  void track(int fd);

  int listen_fd_;
  int port_;
  int upstream_port_;
  FaultOptions options_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> connections_{0};
  std::atomic<int64_t> fails_{0};
  std::atomic<int64_t> drops_{0};
  std::atomic<int64_t> stalls_{0};
  std::atomic<int64_t> corruptions_{0};
  std::mutex mu_;
  std::vector<int> fds_;  // every socket in use, to shut down on stop
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace rk::backup::testing
