// s3rver as a child process, and the fault-injecting proxy (thread per connection: the tests'
// connection counts are small).
#include "ringkeeper/backup/testing/s3_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace rk::backup::testing {
namespace {

namespace fs = std::filesystem;

// The Node.js scripts/setup.sh installs under tools/node first: s3rver 5 needs Node 24 and
// Debian 12's own nodejs is 18 (every PutObject then answers 500).
std::string find_node() {
  const std::string project_node = std::string(RK_SOURCE_DIR) + "/tools/node/node_modules/.bin/node";
  for (const std::string& p :
       {project_node, std::string("/usr/bin/node"), std::string("/usr/local/bin/node")}) {
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

}  // namespace

Status S3rverProcess::installed() {
  const std::string modules =
      std::string(RK_SOURCE_DIR) + "/tools/s3/node_modules/@20minutes/s3rver";
  if (find_node().empty() || !fs::exists(modules)) {
    return Status::FailedPrecondition(
        "s3rver is not installed (needs node and tools/s3/node_modules): run scripts/setup.sh");
  }
  return Status::OK();
}

bool S3rverProcess::must_skip(const Status& status) {
  return status.code() == ErrorCode::kFailedPrecondition && std::getenv("CI") == nullptr &&
         !installed().ok();
}

Result<std::unique_ptr<S3rverProcess>> S3rverProcess::start(const std::string& dir,
                                                            const std::vector<std::string>& buckets,
                                                            const std::string& tls_cert,
                                                            const std::string& tls_key) {
  const std::string script = std::string(RK_SOURCE_DIR) + "/tools/s3/s3rver.js";
  RK_RETURN_IF_ERROR(installed());
  const std::string node = find_node();
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string port_file = dir + "/port";
  fs::remove(port_file, ec);
  // s3rver makes ListObjectsV2 continuation tokens with DES, which Node's OpenSSL 3 only
  // offers from its legacy provider.
  std::vector<std::string> argv = {
      node, "--openssl-legacy-provider", script, "--dir", dir + "/data", "--port-file", port_file};
  for (const auto& b : buckets) {
    argv.push_back("--bucket");
    argv.push_back(b);
  }
  const bool tls = !tls_cert.empty() && !tls_key.empty();
  if (tls) {
    argv.insert(argv.end(), {"--tls-cert", tls_cert, "--tls-key", tls_key});
  }
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const std::string log = dir + "/s3rver.log";
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::IOError("cannot open " + log);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return Status::IOError("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test
    if (::getppid() != parent) ::_exit(127);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(log_fd);
  std::unique_ptr<S3rverProcess> p(new S3rverProcess(pid, 0, dir, tls));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) {
      p->port_ = port;
      return p;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      p->pid_ = -1;
      return Status::Unavailable("s3rver exited at start-up: " + p->log_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Timeout("s3rver did not report its port within 20 s: " + p->log_tail());
}

S3rverProcess::~S3rverProcess() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
}

S3Options S3rverProcess::s3_options() const {
  S3Options o;
  o.endpoint = endpoint();
  o.path_style = true;
  o.access_key_id = kS3rverAccessKey;
  o.secret_access_key = kS3rverSecretKey;
  o.retry.initial_delay = std::chrono::milliseconds(5);
  o.retry.max_delay = std::chrono::milliseconds(50);
  return o;
}

std::string S3rverProcess::log_tail() const {
  std::ifstream in(dir_ + "/s3rver.log");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > 2000 ? s.substr(s.size() - 2000) : s;
}

// --- FaultProxy ---

Result<std::unique_ptr<FaultProxy>> FaultProxy::start(int upstream_port, FaultOptions options) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return Status::IOError("proxy cannot listen on 127.0.0.1");
  }
  return std::unique_ptr<FaultProxy>(
      new FaultProxy(fd, ntohs(addr.sin_port), upstream_port, options));
}

FaultProxy::FaultProxy(int listen_fd, int port, int upstream_port, FaultOptions options)
    : listen_fd_(listen_fd), port_(port), upstream_port_(upstream_port), options_(options) {
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : threads_) t.join();
  for (int fd : fds_) ::close(fd);
}

void FaultProxy::track(int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  fds_.push_back(fd);
  if (stopping_) ::shutdown(fd, SHUT_RDWR);
}

void FaultProxy::accept_loop() {
  std::mt19937_64 rng(options_.seed);
  while (!stopping_) {
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (stopping_) return;
      continue;
    }
    ++connections_;
    track(client);
    uint64_t draw = rng();
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back([this, client, draw] { serve(client, draw); });
  }
}

void FaultProxy::serve(int client, uint64_t draw) {
  std::mt19937_64 rng(draw);
  const double u = std::uniform_real_distribution<double>(0, 1)(rng);
  auto close_client = [&] { ::shutdown(client, SHUT_RDWR); };
  char buf[64 * 1024];
  if (u < options_.fail_rate) {
    ++fails_;
    // Wait for the start of a request, then answer 500 and hang up.
    if (::recv(client, buf, sizeof buf, 0) > 0) {
      const std::string body =
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code>"
          "<Message>injected by FaultProxy</Message></Error>";
      const std::string reply =
          "HTTP/1.1 500 Internal Server Error\r\nContent-Type: "
          "application/xml\r\nConnection: close\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body;
      (void)::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
    }
    close_client();
    return;
  }
  if (u < options_.fail_rate + options_.stall_rate) {
    ++stalls_;
    // Swallow whatever arrives and never answer, until the client or the proxy gives up.
    while (::recv(client, buf, sizeof buf, 0) > 0) {
    }
    close_client();
    return;
  }
  const bool drop = u < options_.fail_rate + options_.stall_rate + options_.drop_rate;
  const bool corrupt = !drop && u < options_.fail_rate + options_.stall_rate + options_.drop_rate +
                                        options_.corrupt_rate;
  int64_t budget =
      drop ? std::uniform_int_distribution<int64_t>(0, options_.drop_after_max)(rng) : -1;
  if (drop) ++drops_;

  int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
  if (upstream < 0 || ::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (upstream >= 0) ::close(upstream);
    close_client();
    return;
  }
  track(upstream);
  // Client → server on its own thread; server → client here, counting toward the drop budget.
  std::thread up([&] {
    char b[64 * 1024];
    std::string head;  // the stream up to the first body byte to damage
    bool damaged = !corrupt;
    while (true) {
      ssize_t n = ::recv(client, b, sizeof b, 0);
      if (n <= 0) break;
      if (!damaged) {
        size_t before = head.size();
        head.append(b, static_cast<size_t>(n));
        size_t end = head.find("\r\n\r\n");
        if (end != std::string::npos && head.size() > end + 4 + 16) {
          b[end + 4 + 16 - before] ^= 0x01;
          damaged = true;
          ++corruptions_;
        }
      }
      if (::send(upstream, b, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
    }
    ::shutdown(upstream, SHUT_RDWR);
  });
  while (true) {
    size_t want = sizeof buf;
    if (budget >= 0) want = static_cast<size_t>(std::min<int64_t>(budget, sizeof buf));
    if (want == 0) break;  // drop: cut the connection here
    ssize_t n = ::recv(upstream, buf, want, 0);
    if (n <= 0 || ::send(client, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
    if (budget >= 0) budget -= n;
  }
  ::shutdown(client, SHUT_RDWR);
  ::shutdown(upstream, SHUT_RDWR);
  up.join();
}

}  // namespace rk::backup::testing
