// Feeds storage's WAL replay (Node::replay_wal_file, storage/src/replay.cc over wal_file.cc's
// reader): archived write-ahead-log files fetched from a backup store for a point-in-time
// restore. A damaged or hostile file must stop with Corruption naming the offset, never crash the
// node. Most inputs get their record checksums recomputed before they are written (the low bit
// of the first byte, which the first checksum overwrites, says whether), so that mutations reach
// the fragment and write-batch parsing instead of stopping at "checksum mismatch". One node serves
// many inputs (opening RocksDB per input would leave little time for fuzzing); it is replaced
// every few thousand inputs so that what replays leave behind stays small.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "fuzz_check.h"
#include "ringkeeper/core/log.h"
#include "ringkeeper/storage/node.h"
#include "wal_file.h"

namespace {

namespace fs = std::filesystem;
using rk::storage::Node;

constexpr int kInputsPerNode = 5000;

// Rewrites the checksum of every record header found the way wal_file.cc walks the file (32 KiB
// blocks; 7-byte headers, 11 for the recyclable types 5..8).
void fix_checksums(std::string& wal) {
  constexpr size_t kBlock = 32768;
  for (size_t block = 0; block < wal.size(); block += kBlock) {
    const size_t n = std::min(kBlock, wal.size() - block);
    size_t pos = 0;
    while (n - pos >= 7) {
      auto* h = reinterpret_cast<unsigned char*>(wal.data() + block + pos);
      const size_t length = size_t{h[4]} | size_t{h[5]} << 8;
      const size_t header = h[6] >= 5 && h[6] <= 8 ? 11 : 7;
      if (n - pos < header || length > n - pos - header) break;
      uint32_t crc = rk::storage::crc32c_extend(0, h + 6, header - 6);
      crc = rk::storage::crc32c_mask(rk::storage::crc32c_extend(crc, h + header, length));
      for (int i = 0; i < 4; ++i) h[i] = static_cast<unsigned char>(crc >> (8 * i));
      pos += header + length;
    }
  }
}

struct Sandbox {
  fs::path dir;
  std::unique_ptr<Node> node;
  int inputs = 0;
  int generation = 0;

  Sandbox() {
    RK_FUZZ_CHECK(rk::setup_logging("off", "fuzz").ok(), "logging is set up");
    std::string tmpl = (fs::temp_directory_path() / "rk-wal-fuzz-XXXXXX").string();
    RK_FUZZ_CHECK(mkdtemp(tmpl.data()) != nullptr, "a temporary directory");
    dir = tmpl;
    reopen();
  }
  ~Sandbox() {
    node.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void reopen() {
    node.reset();
    std::error_code ec;
    fs::remove_all(dir / "node", ec);
    rk::storage::Options options;
    options.data_dir = (dir / "node").string();
    options.write_buffer_bytes = 1 << 20;
    options.total_memtable_bytes = 4 << 20;
    options.block_cache_bytes = 1 << 20;
    options.max_background_jobs = 1;
    auto opened = Node::open(options);
    RK_FUZZ_CHECK(opened.ok(), "the node opens");
    node = std::move(*opened);
    inputs = 0;
    ++generation;
  }
};

Sandbox& sandbox() {
  static auto* s = new Sandbox();  // deleted at exit so the directory goes
  static const bool cleanup = [] { return std::atexit([] { delete s; }) == 0; }();
  (void)cleanup;
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Sandbox& box = sandbox();
  if (++box.inputs > kInputsPerNode) box.reopen();
  const std::string path = (box.dir / "000042.log").string();
  std::string wal(fuzz_text(data, size));
  if (size > 0 && (data[0] & 1) != 0) fix_checksums(wal);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(wal.data(), static_cast<std::streamsize>(wal.size()));
    RK_FUZZ_CHECK(out.good(), "the input is written");
  }
  // Everything after sequence 0 and up to the end of time: every record is replayed.
  auto replayed = box.node->replay_wal_file(path, 0, INT64_MAX);
  if (!replayed.ok()) {
    RK_FUZZ_CHECK(!replayed.status().message().empty(), "a refusal says why");
  }
  // Half of the inputs again with a sequence cut: the same records, skipped.
  if ((size & 1) != 0) (void)box.node->replay_wal_file(path, UINT64_MAX, INT64_MAX);
  return 0;
}
