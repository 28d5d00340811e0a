// Object store throughput against the stock AWS CLI, on the same local S3 server in one run.
//
// Writes a set of files (default 16 x 64 MiB = 1 GiB of random bytes), starts s3rver on
// loopback (tools/s3, as the tests do), then times
//   (a) uploading them with the s3:// store (put_file; files in parallel, multipart parts in
//       parallel, SHA-256 recorded, Content-MD5/ETag checked) against
//       `aws s3 cp --recursive DIR s3://bench/aws/` of the same files;
//   (b) downloading them again with get_file (SHA-256 verified, temp file + rename) against
//       `aws s3 cp --recursive s3://bench/aws/ DIR`.
// Prints both throughputs and their ratios (targets: upload >= 2.0, download >= 1.2), and this
// process's peak RSS during (a) and during (b) (target < 100 MiB whatever the file sizes; the
// AWS CLI runs in its own process and is not counted).
//
// Usage: objstore_bench [--mib 1024] [--files 16] [--parallel-files 4] [--parallel-parts 4]
//                       [--part-mib 8] [--threshold-mib 64] [--encrypt] [--dir DIR] [--keep]
// --threshold-mib 0 (the default) keeps the store's own multipart threshold (64 MiB), so the
// default 64 MiB files go up in single PUTs; --threshold-mib 16 sends them multipart.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "ringkeeper/backup/encryption.h"
#include "ringkeeper/backup/store_factory.h"
#include "ringkeeper/backup/testing/s3_server.h"

namespace fs = std::filesystem;
using rk::backup::ObjectStore;
using rk::bench::peak_rss_mib;
using rk::bench::reset_peak_rss;
using rk::bench::seconds_since;

namespace {

constexpr double kMiB = 1 << 20;

struct BenchOptions {
  int64_t mib = 1024;         // total size of the file set
  int files = 16;             // number of files (each mib / files)
  int parallel_files = 4;     // files moved at once by our store
  int64_t threshold_mib = 0;  // multipart above this; 0: the store's default
  int parallel_parts = 4;     // parts of one file uploaded at once
  int64_t part_mib = 8;       // multipart part size
  std::string dir;            // work dir; a fresh one under /tmp when empty
  bool keep = false;          // leave the work dir behind
  bool encrypt = false;       // our side through the AES-256-GCM envelope
};

void write_random_file(const std::string& path, int64_t size, uint64_t seed) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::vector<uint64_t> buf(1 << 17);  // 1 MiB
  uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
  for (int64_t done = 0; done < size;) {
    for (auto& w : buf) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      w = x;
    }
    int64_t n = std::min<int64_t>(size - done, static_cast<int64_t>(buf.size() * 8));
    out.write(reinterpret_cast<const char*>(buf.data()), n);
    done += n;
  }
}

int run_aws(const std::string& endpoint, const std::string& args) {
  std::string cmd =
      "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 "
      "AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null /usr/bin/aws "
      "--endpoint-url " +
      endpoint + " --only-show-errors " + args;
  return std::system(cmd.c_str());
}

// Runs fn(i) for i in [0, n) on `threads` threads; false if any call failed.
template <class F>
bool parallel_for(int n, int threads, F fn) {
  std::atomic<int> next{0};
  std::atomic<bool> ok{true};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < n && ok; i = next++) {
        if (!fn(i)) ok = false;
      }
    });
  }
  for (auto& t : pool) t.join();
  return ok;
}

// CPU seconds (user + system) used so far by this process, or by process `pid`.
double cpu_seconds(int pid = 0) {
  std::ifstream in(pid == 0 ? std::string("/proc/self/stat")
                            : "/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {
    if (i == 14) utime = std::strtod(f.c_str(), nullptr);
    if (i == 15) {
      stime = std::strtod(f.c_str(), nullptr);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

int64_t parse_int(const char* s) { return std::strtoll(s, nullptr, 10); }

}  // namespace

int main(int argc, char** argv) {
  BenchOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--mib")
      o.mib = parse_int(next());
    else if (a == "--files")
      o.files = static_cast<int>(parse_int(next()));
    else if (a == "--parallel-files")
      o.parallel_files = static_cast<int>(parse_int(next()));
    else if (a == "--parallel-parts")
      o.parallel_parts = static_cast<int>(parse_int(next()));
    else if (a == "--part-mib")
      o.part_mib = parse_int(next());
    else if (a == "--threshold-mib")
      o.threshold_mib = parse_int(next());
    else if (a == "--dir")
      o.dir = next();
    else if (a == "--encrypt")
      o.encrypt = true;
    else if (a == "--keep")
      o.keep = true;
    else {
      std::fprintf(stderr,
                   "usage: objstore_bench [--mib 1024] [--files 16] [--parallel-files 4] "
                   "[--parallel-parts 4] [--part-mib 8] [--threshold-mib 64] [--encrypt] "
                   "[--dir DIR] [--keep]\n");
      return 2;
    }
  }
  if (o.dir.empty()) o.dir = "/tmp/rk-objstore-bench-" + std::to_string(::getpid());
  fs::remove_all(o.dir);
  const fs::path src = fs::path(o.dir) / "src";
  fs::create_directories(src);
  const int64_t file_size = o.mib * (1 << 20) / o.files;
  const double total_mib = static_cast<double>(file_size) * o.files / kMiB;
  const int64_t threshold =
      o.threshold_mib > 0 ? o.threshold_mib << 20 : rk::backup::S3Options{}.multipart_threshold;
  const std::string mode = file_size > threshold
                               ? "multipart, " + std::to_string(o.parallel_parts) + " parts of " +
                                     std::to_string(o.part_mib) + " MiB at once"
                               : "single PUTs (multipart threshold " +
                                     std::to_string(threshold >> 20) + " MiB not exceeded)";
  std::printf("objstore_bench: %d files of %.1f MiB (%.0f MiB), %d files at once, %s\n", o.files,
              file_size / kMiB, total_mib, o.parallel_files, mode.c_str());
  for (int i = 0; i < o.files; ++i) {
    write_random_file((src / ("file-" + std::to_string(i) + ".db")).string(), file_size,
                      static_cast<uint64_t>(i + 1));
  }

  auto server = rk::backup::testing::S3rverProcess::start(o.dir + "/s3rver", {"bench"});
  if (!server.ok()) {
    std::fprintf(stderr, "objstore_bench: %s\n", server.status().to_string().c_str());
    return 1;
  }
  rk::backup::S3Options s3 = (*server)->s3_options();
  s3.parallel_parts = o.parallel_parts;
  s3.part_size = o.part_mib << 20;
  if (o.threshold_mib > 0) s3.multipart_threshold = o.threshold_mib << 20;
  auto opened = rk::backup::open_s3_store("bench", "ours", s3);
  if (!opened.ok()) {
    std::fprintf(stderr, "objstore_bench: %s\n", opened.status().to_string().c_str());
    return 1;
  }
  std::unique_ptr<ObjectStore> store = std::move(*opened);
  if (o.encrypt) {
    store = rk::backup::encrypted_store(std::move(store), {"bench", std::string(32, '\x5a')});
    std::printf("(ours encrypts with AES-256-GCM; the AWS CLI does not)\n");
  }
  auto name = [](int i) { return "file-" + std::to_string(i) + ".db"; };

  // (a) upload
  const int s3rver_pid = (*server)->pid();
  reset_peak_rss();
  double cpu0 = cpu_seconds(), srv0 = cpu_seconds(s3rver_pid);
  auto t0 = std::chrono::steady_clock::now();
  bool ok = parallel_for(o.files, o.parallel_files, [&](int i) {
    auto r = store->put_file(name(i), (src / name(i)).string());
    if (!r.ok())
      std::fprintf(stderr, "put %s: %s\n", name(i).c_str(), r.status().to_string().c_str());
    return r.ok();
  });
  const double ours_up = seconds_since(t0);
  const double rss_up = peak_rss_mib();
  const double cpu_up = cpu_seconds() - cpu0, srv_up = cpu_seconds(s3rver_pid) - srv0;
  if (!ok) return 1;
  double aws_srv0 = cpu_seconds(s3rver_pid);
  t0 = std::chrono::steady_clock::now();
  if (run_aws((*server)->endpoint(), "s3 cp --recursive " + src.string() + " s3://bench/aws/") !=
      0) {
    std::fprintf(stderr, "objstore_bench: aws s3 cp (upload) failed\n");
    return 1;
  }
  const double aws_up = seconds_since(t0);
  const double srv_aws_up = cpu_seconds(s3rver_pid) - aws_srv0;

  // (b) download
  const fs::path ours_dst = fs::path(o.dir) / "ours-dst";
  fs::create_directories(ours_dst);
  reset_peak_rss();
  cpu0 = cpu_seconds();
  srv0 = cpu_seconds(s3rver_pid);
  t0 = std::chrono::steady_clock::now();
  ok = parallel_for(o.files, o.parallel_files, [&](int i) {
    auto r = store->get_file(name(i), (ours_dst / name(i)).string());
    if (!r.ok())
      std::fprintf(stderr, "get %s: %s\n", name(i).c_str(), r.status().to_string().c_str());
    return r.ok();
  });
  const double ours_down = seconds_since(t0);
  const double rss_down = peak_rss_mib();
  const double cpu_down = cpu_seconds() - cpu0, srv_down = cpu_seconds(s3rver_pid) - srv0;
  if (!ok) return 1;
  fs::remove_all(ours_dst);
  const fs::path aws_dst = fs::path(o.dir) / "aws-dst";
  aws_srv0 = cpu_seconds(s3rver_pid);
  t0 = std::chrono::steady_clock::now();
  if (run_aws((*server)->endpoint(), "s3 cp --recursive s3://bench/aws/ " + aws_dst.string()) !=
      0) {
    std::fprintf(stderr, "objstore_bench: aws s3 cp (download) failed\n");
    return 1;
  }
  const double aws_down = seconds_since(t0);
  const double srv_aws_down = cpu_seconds(s3rver_pid) - aws_srv0;

  std::printf(
      "upload:   ours %7.1f MiB/s (%.2f s)   aws s3 cp %7.1f MiB/s (%.2f s)   ratio %.2f "
      "(target >= 2.0)\n",
      total_mib / ours_up, ours_up, total_mib / aws_up, aws_up, aws_up / ours_up);
  std::printf(
      "download: ours %7.1f MiB/s (%.2f s)   aws s3 cp %7.1f MiB/s (%.2f s)   ratio %.2f "
      "(target >= 1.2; ours verifies SHA-256)\n",
      total_mib / ours_down, ours_down, total_mib / aws_down, aws_down, aws_down / ours_down);
  std::printf("peak RSS: upload %.1f MiB, download %.1f MiB (target < 100 MiB)\n", rss_up,
              rss_down);
  std::printf(
      "CPU seconds: ours upload %.2f, download %.2f; s3rver serving ours: upload %.2f, "
      "download %.2f; serving aws: upload %.2f, download %.2f\n",
      cpu_up, cpu_down, srv_up, srv_down, srv_aws_up, srv_aws_down);
  std::printf("load average at the end: %s",
              [] {
                std::ifstream in("/proc/loadavg");
                std::string l;
                std::getline(in, l);
                return l + "\n";
              }()
                  .c_str());
  server->reset();
  if (!o.keep) fs::remove_all(o.dir);
  return 0;
}
