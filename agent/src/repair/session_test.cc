// Repair sessions over three in-process storage nodes (InProcessReplicas): diverged replicas
// converge, incremental sessions mark repaired only on success and only what they validated,
// cancel and a failing replica leave everything unrepaired, validation order follows the mode.
#include "repair/session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "repair/in_process.h"
#include "repair/service.h"
#include "ringkeeper/core/token.h"
#include "ringkeeper/storage/range_stream.h"
#include "test_support.h"

namespace rk::agent {
namespace {

namespace fs = std::filesystem;
using storage::DataScope;
using storage::Mutation;

class RepairSessionTest : public ::testing::Test {
 protected:
  static constexpr int kReplicas = 3;

  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("rk_repair_session_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    for (int i = 0; i < kReplicas; ++i) {
      storage::Options o;
      o.data_dir = (root_ / ("node" + std::to_string(i))).string();
      o.write_buffer_bytes = 1 << 20;
      o.total_memtable_bytes = 4 << 20;
      o.block_cache_bytes = 1 << 20;
      auto n = storage::Node::open(o, clock_);
      ASSERT_TRUE(n.ok()) << n.status().to_string();
      nodes_.push_back(std::move(*n));
      ASSERT_TRUE(nodes_[i]->create_keyspace({"ks", {}}).ok());
      ASSERT_TRUE(nodes_[i]->create_table(storage::TableSchema{"ks", "t"}).ok());
      views_.push_back(std::make_unique<ViewRegistry>(*nodes_[i], clock_));
      locals_.push_back(
          std::make_unique<LocalRepair>(*nodes_[i], *views_[i], std::chrono::seconds(60)));
      replicas_.add(host(i), *locals_[i]);
    }
    settings_.stream_chunk_bytes = 4096;  // several chunks even for small data
  }
  void TearDown() override {
    locals_.clear();
    views_.clear();
    nodes_.clear();
    fs::remove_all(root_);
  }

  static std::string host(int i) { return "h" + std::to_string(i); }

  RepairRequest request(bool incremental) {
    RepairRequest r;
    r.id = "s1";
    r.keyspace = "ks";
    r.range = TokenRange::full_ring();
    for (int i = 0; i < kReplicas; ++i) r.replicas.push_back(host(i));
    r.incremental = incremental;
    return r;
  }

  // Runs a session to its end on this thread; `session_` is set while it runs (for hooks).
  nlohmann::json run(const RepairRequest& r) {
    std::vector<ReplicaTarget> targets;
    for (int i = 0; i < kReplicas; ++i) {
      ReplicaTarget t;
      t.host_id = host(i);
      t.address = "in-process:" + std::to_string(i);
      t.local = i == 0;
      targets.push_back(t);
    }
    session_ = std::make_unique<RepairSession>(r, std::vector<std::string>{"t"}, targets, settings_,
                                               replicas_, clock_);
    session_->run();
    return session_->to_json();
  }

  Status put(int i, const std::string& pk, const std::string& value, int64_t ts) {
    return nodes_[i]->apply(Mutation("ks", "t", pk).set("c", "v", value, ts));
  }
  void put_all(const std::string& pk, const std::string& value, int64_t ts) {
    for (int i = 0; i < kReplicas; ++i) ASSERT_TRUE(put(i, pk, value, ts).ok());
  }

  // Replica i's whole table as streamed (every cell with its timestamp, tombstones included).
  std::vector<storage::Partition> contents(int i, DataScope scope = DataScope::kAll) {
    std::vector<storage::Partition> out;
    EXPECT_TRUE(nodes_[i]
                    ->scan_raw("ks", "t", TokenRange::full_ring(), scope,
                               [&](const storage::Partition& p) {
                                 out.push_back(p);
                                 return true;
                               })
                    .ok());
    return out;
  }
  std::string encoded(int i, DataScope scope = DataScope::kAll) {
    return storage::encode_partitions(contents(i, scope));
  }
  std::vector<std::string> keys(int i, DataScope scope) {
    std::vector<std::string> out;
    for (const auto& p : contents(i, scope)) out.push_back(p.partition_key);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string value(int i, const std::string& pk) {
    auto row = nodes_[i]->read_row("ks", "t", pk, "c");
    if (!row.ok() || !row->has_value()) return "";
    return (*row)->cells.at("v").value;
  }

  fs::path root_;
  ManualClock clock_{1'700'000'000'000'000};
  RepairSettings settings_;
  std::vector<std::unique_ptr<storage::Node>> nodes_;
  std::vector<std::unique_ptr<ViewRegistry>> views_;
  std::vector<std::unique_ptr<LocalRepair>> locals_;
  InProcessReplicas replicas_;
  std::unique_ptr<RepairSession> session_;
};

TEST_F(RepairSessionTest, FullSessionMakesDivergedReplicasIdentical) {
  for (int k = 0; k < 200; ++k) put_all("k" + std::to_string(k), "base", 10);
  for (int k = 200; k < 220; ++k) {  // replica 1 missed these writes
    ASSERT_TRUE(put(0, "k" + std::to_string(k), "late", 10).ok());
    ASSERT_TRUE(put(2, "k" + std::to_string(k), "late", 10).ok());
  }
  for (int i : {0, 2}) {  // replica 1 missed a delete
    ASSERT_TRUE(nodes_[i]->apply(Mutation("ks", "t", "k5").delete_partition(20)).ok());
  }
  ASSERT_TRUE(put(1, "k7", "newest", 30).ok());  // replica 0's k7 is older and must not win
  ASSERT_TRUE(put(2, "k7", "newest", 30).ok());
  ASSERT_TRUE(put(0, "k8", "older", 5).ok());  // an older write arriving late: loses everywhere
  ASSERT_TRUE(put(2, "only-here", "x", 40).ok());
  ASSERT_TRUE(nodes_[2]->flush().ok());

  auto s = run(request(/*incremental=*/false));
  ASSERT_EQ(s["state"], "SUCCEEDED") << s.dump();
  EXPECT_EQ(s["phase"], "done");
  EXPECT_GE(s["progress"]["rows_validated"].get<uint64_t>(), 3u * 200);
  EXPECT_GT(s["progress"]["ranges_differing"].get<uint64_t>(), 0u);
  EXPECT_GT(s["progress"]["bytes_streamed"].get<uint64_t>(), 0u);
  EXPECT_EQ(s["progress"]["tables_done"], 1);
  EXPECT_GT(s["finished_at_us"].get<int64_t>(), 0);

  const std::string first = encoded(0);
  EXPECT_EQ(encoded(1), first);
  EXPECT_EQ(encoded(2), first);
  for (int i = 0; i < kReplicas; ++i) {
    EXPECT_EQ(value(i, "k7"), "newest") << "replica " << i;
    EXPECT_EQ(value(i, "k8"), "base") << "replica " << i;
    EXPECT_EQ(value(i, "k5"), "") << "replica " << i;
    EXPECT_EQ(value(i, "k210"), "late") << "replica " << i;
    EXPECT_EQ(value(i, "only-here"), "x") << "replica " << i;
    EXPECT_TRUE(keys(i, DataScope::kRepaired).empty()) << "a full session marks nothing";
    EXPECT_TRUE(views_[i]->list().empty()) << "views are released";
  }
}

TEST_F(RepairSessionTest, OneDifferingRowStreamsAboutOneRow) {
  for (int k = 0; k < 3000; ++k) put_all("key" + std::to_string(k), "value", 10);
  ASSERT_TRUE(put(0, "missing-on-two", "value", 10).ok());
  ASSERT_TRUE(put(1, "missing-on-two", "value", 10).ok());
  auto s = run(request(false));
  ASSERT_EQ(s["state"], "SUCCEEDED") << s.dump();
  std::vector<storage::Partition> one;
  for (const auto& p : contents(0)) {
    if (p.partition_key == "missing-on-two") one.push_back(p);
  }
  const uint64_t row_bytes = storage::encode_partitions(one).size();
  // The divergent row goes to replica 2 once; neighbours sharing its leaf rarely add to it.
  EXPECT_LE(s["progress"]["bytes_streamed"].get<uint64_t>(), 3 * row_bytes) << s.dump();
  EXPECT_EQ(encoded(2), encoded(0));
}

TEST_F(RepairSessionTest, AStaleVersionIsStreamedOnlyToTheReplicaBehind) {
  for (int k = 0; k < 3000; ++k) put_all("key" + std::to_string(k), "value", 10);
  // Replica 2 missed the newer version of one row; a tombstone newer than the value on replicas
  // 0 and 1 of another; replica 0 alone holds a newer version of a third.
  for (int i : {0, 1}) ASSERT_TRUE(put(i, "key7", "newer", 20).ok());
  for (int i : {0, 1}) {
    ASSERT_TRUE(nodes_[i]->apply(Mutation("ks", "t", "key8").delete_cell("c", "v", 20)).ok());
  }
  ASSERT_TRUE(put(0, "key9", "newest", 30).ok());
  std::map<std::string, int> imports;
  replicas_.before = [&](const std::string& host_id, std::string_view call) {
    if (call == "import") ++imports[host_id];
    return Status::OK();
  };
  auto s = run(request(false));
  ASSERT_EQ(s["state"], "SUCCEEDED") << s.dump();
  EXPECT_EQ(imports["h0"], 0) << "the newest replica receives nothing";
  EXPECT_GE(imports["h1"], 1);
  EXPECT_GE(imports["h2"], 1);
  EXPECT_EQ(s["progress"]["rows_differing"], 4u)
      << s.dump();  // key7, key8 and key9 to h2; key9 to h1
  for (int i = 0; i < kReplicas; ++i) {
    EXPECT_EQ(value(i, "key7"), "newer") << "replica " << i;
    EXPECT_EQ(value(i, "key8"), "") << "replica " << i;
    EXPECT_EQ(value(i, "key9"), "newest") << "replica " << i;
  }
  EXPECT_EQ(encoded(2), encoded(0));
  EXPECT_EQ(encoded(1), encoded(0));
}

TEST_F(RepairSessionTest, PreviewReportsTheReplicaBehindAndChangesNothing) {
  for (int k = 0; k < 300; ++k) put_all("k" + std::to_string(k), "base", 10);
  const std::vector<std::string> missed{"m1", "m2", "m3", "m4", "m5"};
  for (const auto& pk : missed) {  // replica 1 missed these writes
    ASSERT_TRUE(put(0, pk, "late", 10).ok());
    ASSERT_TRUE(put(2, pk, "late", 10).ok());
  }
  std::vector<std::string> before;
  for (int i = 0; i < kReplicas; ++i) before.push_back(encoded(i));

  RepairRequest preview = request(/*incremental=*/false);
  preview.preview = true;
  auto p = run(preview);
  ASSERT_EQ(p["state"], "SUCCEEDED") << p.dump();
  EXPECT_EQ(p["preview"], true);
  EXPECT_EQ(p["progress"]["bytes_streamed"], 0u);
  EXPECT_EQ(p["progress"]["rows_differing"], missed.size()) << p.dump();
  const auto& tables = p["differences"]["tables"];
  ASSERT_EQ(tables.size(), 1u) << p.dump();
  EXPECT_EQ(tables[0]["table"], "t");
  EXPECT_EQ(tables[0]["rows"], missed.size());
  EXPECT_GT(tables[0]["bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(tables[0]["behind"], nlohmann::json({"h1"}));
  // Each missed row lies in a reported range that replica 1 lacks and replica 0 (local) sends.
  uint64_t rows = 0;
  for (const auto& r : p["differences"]["ranges"]) {
    EXPECT_EQ(r["source"], "h0");
    EXPECT_EQ(r["target"], "h1");
    rows += r["rows"].get<uint64_t>();
  }
  EXPECT_EQ(rows, missed.size());
  EXPECT_EQ(tables[0]["ranges"], p["differences"]["ranges"].size());
  for (const auto& pk : missed) {
    const Token token = murmur3_token(pk);
    bool covered = false;
    for (const auto& r : p["differences"]["ranges"]) {
      covered = covered || TokenRange::parse(r["range"].get<std::string>())->contains(token);
    }
    EXPECT_TRUE(covered) << pk;
  }
  for (int i = 0; i < kReplicas; ++i) {
    EXPECT_EQ(encoded(i), before[i]) << "a preview streams nothing to replica " << i;
    EXPECT_TRUE(keys(i, DataScope::kRepaired).empty()) << "a preview marks nothing";
    EXPECT_TRUE(views_[i]->list().empty()) << "views are released";
  }

  // The full session plans exactly what the preview reported, and streams it.
  auto full = run(request(/*incremental=*/false));
  ASSERT_EQ(full["state"], "SUCCEEDED") << full.dump();
  EXPECT_EQ(full["differences"], p["differences"]);
  EXPECT_EQ(full["progress"]["rows_validated"], p["progress"]["rows_validated"]);
  EXPECT_EQ(full["progress"]["bytes_validated"], p["progress"]["bytes_validated"]);
  EXPECT_EQ(full["progress"]["ranges_differing"], p["progress"]["ranges_differing"]);
  EXPECT_GT(full["progress"]["bytes_streamed"].get<uint64_t>(), 0u);
  EXPECT_EQ(encoded(1), encoded(0));

  auto again = run(preview);
  ASSERT_EQ(again["state"], "SUCCEEDED");
  EXPECT_EQ(again["progress"]["rows_differing"], 0u);
  EXPECT_TRUE(again["differences"]["tables"].empty()) << again.dump();
}

TEST_F(RepairSessionTest, PreviewWithIncrementalOrMarkRepairedIsRefused) {
  nlohmann::json body = {{"id", "p1"},
                         {"keyspace", "ks"},
                         {"range", "(0,100]"},
                         {"replicas", {"h0", "h1"}},
                         {"mode", "incremental"},
                         {"preview", true}};
  auto incremental = parse_repair_request(body);
  EXPECT_EQ(incremental.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(incremental.status().message().find("'mode' must be full"), std::string::npos);
  body["mode"] = "full";
  body["mark_repaired"] = true;
  auto marking = parse_repair_request(body);
  EXPECT_EQ(marking.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(marking.status().message().find("marks nothing"), std::string::npos);
  body.erase("mark_repaired");
  auto ok = parse_repair_request(body);
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_TRUE(ok->preview);
  EXPECT_FALSE(ok->incremental);
}

TEST_F(RepairSessionTest, IncrementalSessionMarksRepairedAndSkipsRepairedDataNextTime) {
  for (int k = 0; k < 100; ++k) put_all("k" + std::to_string(k), "v", 10);
  ASSERT_TRUE(put(1, "k-missing-elsewhere", "v", 10).ok());
  auto first = run(request(true));
  ASSERT_EQ(first["state"], "SUCCEEDED") << first.dump();
  // The streamed row arrived after the views; it is marked too, once every replica agrees on it.
  for (int i = 0; i < kReplicas; ++i) {
    EXPECT_EQ(keys(i, DataScope::kRepaired).size(), 101u) << "replica " << i;
    EXPECT_TRUE(keys(i, DataScope::kUnrepaired).empty()) << "replica " << i;
  }
  auto again = run(request(true));
  ASSERT_EQ(again["state"], "SUCCEEDED");
  EXPECT_EQ(again["progress"]["rows_validated"], 0u) << "repaired data is not validated again";

  put_all("fresh", "v", 20);
  auto third = run(request(true));
  ASSERT_EQ(third["state"], "SUCCEEDED");
  EXPECT_EQ(third["progress"]["rows_validated"], 3u);
  EXPECT_EQ(third["progress"]["ranges_differing"], 0u);
}

TEST_F(RepairSessionTest, WritesDuringASessionStayUnrepaired) {
  for (int k = 0; k < 50; ++k) put_all("k" + std::to_string(k), "validated", 10);
  bool written = false;
  replicas_.before = [&](const std::string&, std::string_view call) {
    if (call == "validate" && !written) {
      written = true;
      put_all("k1", "after the views", 20);
      put_all("new", "after the views", 20);
    }
    return Status::OK();
  };
  auto s = run(request(true));
  ASSERT_EQ(s["state"], "SUCCEEDED") << s.dump();
  for (int i = 0; i < kReplicas; ++i) {
    EXPECT_EQ(keys(i, DataScope::kUnrepaired), (std::vector<std::string>{"k1", "new"}))
        << "replica " << i;
    EXPECT_EQ(keys(i, DataScope::kRepaired).size(), 50u);
    EXPECT_EQ(value(i, "k1"), "after the views");
  }
}

TEST_F(RepairSessionTest, CancelledSessionMarksNothing) {
  for (int k = 0; k < 50; ++k) put_all("k" + std::to_string(k), "v", 10);
  ASSERT_TRUE(put(2, "extra", "v", 10).ok());
  replicas_.before = [&](const std::string&, std::string_view call) {
    if (call == "validate") session_->cancel();
    return Status::OK();
  };
  auto s = run(request(true));
  EXPECT_EQ(s["state"], "CANCELLED") << s.dump();
  EXPECT_EQ(s["phase"], "done");
  for (int i = 0; i < kReplicas; ++i) {
    EXPECT_TRUE(keys(i, DataScope::kRepaired).empty()) << "replica " << i;
    EXPECT_TRUE(views_[i]->list().empty()) << "replica " << i;
  }
}

// A replica that never answers (a partition dropping packets silently): its call would wait for
// the whole call timeout, but a cancel ends it at once and the session ends CANCELLED.
TEST_F(RepairSessionTest, CancelAbortsACallWaitingOnASilentReplica) {
  // A listening socket nobody accepts from: connections complete, requests are never read.
  const int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(::listen(silent, 8), 0);
  ::getsockname(silent, reinterpret_cast<sockaddr*>(&addr), &len);
  auto remote =
      make_repair_replicas(*locals_[0], InternodeClientOptions{}, std::chrono::minutes(10));
  std::vector<ReplicaTarget> targets(2);
  targets[0].host_id = host(0);
  targets[0].local = true;
  targets[1].host_id = host(1);
  targets[1].address = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  RepairRequest r = request(false);
  r.replicas = {host(0), host(1)};
  RepairSession session(r, {"t"}, targets, settings_, *remote, clock_);
  std::thread runner([&] { session.run(); });
  // The session waits in its first remote call (pinning the view on the silent replica) once
  // its connection is queued on the listener.
  pollfd queued{silent, POLLIN, 0};
  ASSERT_EQ(::poll(&queued, 1, 30'000), 1) << "the session never called the silent replica";
  session.cancel();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (session.running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const bool ended = !session.running();
  ::close(silent);  // resets the queued connection, should the call still wait on it
  runner.join();
  ASSERT_TRUE(ended) << "the cancel did not end the call in flight";
  auto j = session.to_json();
  EXPECT_EQ(j["state"], "CANCELLED") << j.dump();
  EXPECT_NE(j["error"].get<std::string>().find("cancelled"), std::string::npos) << j.dump();
}

TEST_F(RepairSessionTest, AFailingReplicaFailsTheSessionByNameAndNothingIsMarked) {
  for (int k = 0; k < 50; ++k) put_all("k" + std::to_string(k), "v", 10);
  replicas_.before = [&](const std::string& host_id, std::string_view call) {
    if (host_id == "h2" && call == "mark") return Status::Unavailable("connection refused");
    return Status::OK();
  };
  auto s = run(request(true));
  EXPECT_EQ(s["state"], "FAILED");
  EXPECT_NE(s["error"].get<std::string>().find("h2"), std::string::npos) << s["error"];
  EXPECT_NE(s["error"].get<std::string>().find("connection refused"), std::string::npos);
  EXPECT_TRUE(keys(2, DataScope::kRepaired).empty());

  replicas_.before = [&](const std::string& host_id, std::string_view call) {
    if (host_id == "h1" && call == "pin") return Status::Unavailable("connection refused");
    return Status::OK();
  };
  auto down = run(request(true));
  EXPECT_EQ(down["state"], "FAILED");
  EXPECT_NE(down["error"].get<std::string>().find("replica h1"), std::string::npos);
  EXPECT_TRUE(views_[0]->list().empty()) << "the views already pinned are released";
}

// ---- the repair history (tombstone_gc: repair) ---------------------------------------------

class RepairHistoryTest : public RepairSessionTest {
 protected:
  void SetUp() override {
    RepairSessionTest::SetUp();
    for (auto& node : nodes_) {
      auto t = node->table("ks", "t");
      ASSERT_TRUE(t.ok());
      t->gc_grace_seconds = 10;
      t->tombstone_gc = TombstoneGc::kRepair;
      ASSERT_TRUE(node->alter_table(*t).ok());
    }
  }
  // Written everywhere, deleted on replicas 0 and 1 only (replica 2 was away).
  void write_and_delete_missed_by_two() {
    for (int k = 0; k < 20; ++k) put_all("k" + std::to_string(k), "v", 10);
    for (int i : {0, 1}) {
      ASSERT_TRUE(nodes_[i]->apply(Mutation("ks", "t", "gone").delete_partition(20)).ok());
    }
    put_all("gone", "alive", 10);  // older than the delete
  }
  void compact_all() {
    // The first folds versions, the second drops cells the deletion shadows, the third purges it.
    for (int round = 0; round < 3; ++round) {
      for (auto& node : nodes_) ASSERT_TRUE(node->compact().ok());
    }
  }
  bool stores_deletion_of_gone(int i) {
    for (const auto& p : contents(i)) {
      if (p.partition_key == "gone") return !p.deletion.is_live();
    }
    return false;
  }
  std::vector<storage::RepairedRange> history(int i) {
    auto h = nodes_[i]->repair_history("ks", "t");
    EXPECT_TRUE(h.ok());
    return h.ok() ? *h : std::vector<storage::RepairedRange>{};
  }
};

TEST_F(RepairHistoryTest, WithoutARepairTombstonesOlderThanGcGraceStay) {
  write_and_delete_missed_by_two();
  clock_.advance_seconds(1000);  // a hundred times gc_grace
  compact_all();
  EXPECT_TRUE(stores_deletion_of_gone(0));
  EXPECT_TRUE(stores_deletion_of_gone(1));
  EXPECT_EQ(value(2, "gone"), "alive");  // the replica that missed it, until a repair
}

TEST_F(RepairHistoryTest, ASuccessfulSessionRecordsItsRangeOnEveryReplicaAndTombstonesGo) {
  write_and_delete_missed_by_two();
  clock_.advance_seconds(1000);
  const int64_t pinned = clock_.now_micros();
  auto s = run(request(/*incremental=*/false));
  ASSERT_EQ(s["state"], "SUCCEEDED") << s.dump();
  for (int i = 0; i < kReplicas; ++i) {
    auto h = history(i);
    ASSERT_EQ(h.size(), 1u) << "replica " << i;
    EXPECT_EQ(h[0].range, TokenRange::full_ring());
    EXPECT_EQ(h[0].repaired_at_us, pinned);
  }
  clock_.advance_seconds(1);
  compact_all();
  for (int i = 0; i < kReplicas; ++i) {
    EXPECT_FALSE(stores_deletion_of_gone(i)) << "replica " << i;
    EXPECT_EQ(value(i, "gone"), "") << "no zombie on replica " << i;
  }
  EXPECT_EQ(encoded(0), encoded(2));
}

TEST_F(RepairHistoryTest, APreviewRecordsNoRepairSoTombstonesStay) {
  write_and_delete_missed_by_two();
  clock_.advance_seconds(1000);
  RepairRequest preview = request(/*incremental=*/false);
  preview.preview = true;
  auto s = run(preview);
  ASSERT_EQ(s["state"], "SUCCEEDED") << s.dump();
  const auto& behind = s["differences"]["tables"][0]["behind"];
  EXPECT_NE(std::find(behind.begin(), behind.end(), "h2"), behind.end()) << s.dump();
  for (int i = 0; i < kReplicas; ++i) EXPECT_TRUE(history(i).empty()) << "replica " << i;
  clock_.advance_seconds(1);
  compact_all();
  EXPECT_TRUE(stores_deletion_of_gone(0));
  EXPECT_TRUE(stores_deletion_of_gone(1));
  EXPECT_EQ(value(2, "gone"), "alive");
}

TEST_F(RepairHistoryTest, IncrementalSessionsRecordTooAfterMarking) {
  write_and_delete_missed_by_two();
  auto s = run(request(/*incremental=*/true));
  ASSERT_EQ(s["state"], "SUCCEEDED") << s.dump();
  for (int i = 0; i < kReplicas; ++i) EXPECT_EQ(history(i).size(), 1u) << "replica " << i;
}

TEST_F(RepairHistoryTest, FailedAndCancelledSessionsRecordNothing) {
  write_and_delete_missed_by_two();
  clock_.advance_seconds(1000);
  replicas_.before = [&](const std::string& host_id, std::string_view call) {
    if (host_id == "h2" && call == "mark") return Status::Unavailable("connection refused");
    return Status::OK();
  };
  ASSERT_EQ(run(request(true))["state"], "FAILED");
  replicas_.before = [&](const std::string&, std::string_view call) {
    if (call == "validate") session_->cancel();
    return Status::OK();
  };
  ASSERT_EQ(run(request(false))["state"], "CANCELLED");
  for (int i = 0; i < kReplicas; ++i) EXPECT_TRUE(history(i).empty()) << "replica " << i;
  compact_all();
  EXPECT_TRUE(stores_deletion_of_gone(0));
  EXPECT_TRUE(stores_deletion_of_gone(1));
}

// The views are pinned one after another; a delete that lands on replica 2 after replica 0's view
// but before its own (so it is in the session) has a deletion time after the earliest pin and is
// not counted as covered: the time recorded is the earliest pin, on every replica.
TEST_F(RepairHistoryTest, TheRecordedTimeIsTheEarliestViewAndLaterDeletionsStay) {
  for (int k = 0; k < 20; ++k) put_all("k" + std::to_string(k), "v", 10);
  const int64_t first_pin = clock_.now_micros();
  replicas_.before = [&](const std::string& host_id, std::string_view call) {
    if (call != "pin") return Status::OK();
    clock_.advance_seconds(2);  // each replica pins two seconds after the one before
    if (host_id == "h2") {
      EXPECT_TRUE(nodes_[2]->apply(Mutation("ks", "t", "late").delete_partition(30)).ok());
    }
    return Status::OK();
  };
  auto s = run(request(false));
  ASSERT_EQ(s["state"], "SUCCEEDED") << s.dump();
  for (int i = 0; i < kReplicas; ++i) {
    ASSERT_EQ(history(i).size(), 1u);
    EXPECT_EQ(history(i)[0].repaired_at_us, first_pin + 2'000'000) << "replica " << i;
  }
  replicas_.before = nullptr;
  clock_.advance_seconds(1000);
  compact_all();
  for (int i = 0; i < kReplicas; ++i) {
    bool kept = false;
    for (const auto& p : contents(i)) kept = kept || p.partition_key == "late";
    EXPECT_TRUE(kept) << "replica " << i << " purged a deletion made after the earliest view";
  }
}

TEST_F(RepairSessionTest, SequentialValidationRunsOneReplicaAtATime) {
  for (int k = 0; k < 50; ++k) put_all("k" + std::to_string(k), "v", 10);
  ASSERT_TRUE(put(0, "extra", "v", 10).ok());
  std::vector<std::string> order;
  replicas_.before = [&](const std::string& host_id, std::string_view call) {
    if (call == "validate") order.push_back(host_id);
    return Status::OK();
  };
  auto s = run(request(false));
  ASSERT_EQ(s["state"], "SUCCEEDED");
  ASSERT_GE(order.size(), 3u);
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], host(static_cast<int>(i % 3)));
}

TEST_F(RepairSessionTest, ParallelValidationRunsAllReplicasAtOnce) {
  for (int k = 0; k < 50; ++k) put_all("k" + std::to_string(k), "v", 10);
  std::mutex mu;
  std::condition_variable cv;
  int waiting = 0;
  bool all_met = false;
  replicas_.before = [&](const std::string&, std::string_view call) {
    if (call != "validate") return Status::OK();
    std::unique_lock lock(mu);
    if (!all_met && ++waiting == kReplicas) all_met = true;
    cv.notify_all();
    // Sequential validation would never get here three times at once.
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return all_met; });
    return Status::OK();
  };
  auto r = request(false);
  r.parallel = true;
  auto s = run(r);
  ASSERT_EQ(s["state"], "SUCCEEDED");
  EXPECT_TRUE(all_met);
  EXPECT_EQ(s["validation"], "parallel");
}

// The service around sessions: idempotent starts, conflicts, cancel, listing.
class RepairServiceTest : public RepairSessionTest {
 protected:
  void SetUp() override {
    RepairSessionTest::SetUp();
    RingView ring;
    ring.version = 1;
    for (int i = 0; i < kReplicas; ++i) {
      RingMember m;
      m.host_id = host(i);
      m.datacenter = "dc1";
      m.rack = "r1";
      m.tokens = {static_cast<Token>(i) * 1000};
      m.addresses.internode = "in-process:" + std::to_string(i);
      ring.nodes.push_back(m);
    }
    auto topology = Topology::create(ring, testing::ks_t_schema(), host(0));
    ASSERT_TRUE(topology.ok()) << topology.status().to_string();
    topology_ = *topology;
    service_ = std::make_unique<RepairService>(settings_, replicas_, *views_[0], clock_,
                                               [this] { return topology_; });
    for (int k = 0; k < 20; ++k) put_all("k" + std::to_string(k), "v", 10);
    // Sessions wait in validation until the test lets them go.
    replicas_.before = [this](const std::string&, std::string_view call) {
      if (call != "validate") return Status::OK();
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(10), [this] { return go_; });
      return Status::OK();
    };
  }
  void TearDown() override {
    let_go();
    service_.reset();
    RepairSessionTest::TearDown();
  }
  void let_go() {
    std::lock_guard lock(mu_);
    go_ = true;
    cv_.notify_all();
  }
  static nlohmann::json body(const std::string& id, const std::string& range) {
    return {{"id", id},
            {"keyspace", "ks"},
            {"range", range},
            {"replicas", {"h0", "h1", "h2"}},
            {"mode", "incremental"}};
  }
  // Polls until the session has ended (10 s at most).
  nlohmann::json wait_done(const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      auto s = service_->get(id);
      if (!s.ok() || (*s)["state"] != "RUNNING" || std::chrono::steady_clock::now() > deadline) {
        return s.ok() ? *s : nlohmann::json();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  std::shared_ptr<const Topology> topology_;
  std::unique_ptr<RepairService> service_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool go_ = false;
};

TEST_F(RepairServiceTest, SameRequestAgainIsIdempotentADifferentOneIsRefused) {
  auto first = service_->start(body("s1", "(0,1000]"));
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->session["state"], "RUNNING");
  auto again = service_->start(body("s1", "(0,1000]"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(service_->start(body("s1", "(0,500]")).status().code(), ErrorCode::kAlreadyExists);
  let_go();
  EXPECT_EQ(wait_done("s1")["state"], "SUCCEEDED");
}

TEST_F(RepairServiceTest, OverlappingSessionIsAConflictADisjointOneRuns) {
  ASSERT_TRUE(service_->start(body("s1", "(0,1000]")).ok());
  auto overlapping = service_->start(body("s2", "(500,1500]"));
  EXPECT_EQ(overlapping.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(overlapping.status().message().find("s1"), std::string::npos);
  ASSERT_TRUE(service_->start(body("s3", "(1000,2000]")).ok());
  auto list = service_->list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["id"], "s3") << "newest first";
  let_go();
  EXPECT_EQ(wait_done("s1")["state"], "SUCCEEDED");
  EXPECT_EQ(wait_done("s3")["state"], "SUCCEEDED");
  EXPECT_TRUE(service_->start(body("s2", "(500,1500]")).ok()) << "no conflict once s1 ended";
}

TEST_F(RepairServiceTest, CancelEndsTheSessionCancelledWithNothingMarked) {
  ASSERT_TRUE(service_->start(body("s1", "(0,1000]")).ok());
  auto cancelled = service_->cancel("s1");
  ASSERT_TRUE(cancelled.ok());
  let_go();
  auto s = wait_done("s1");
  EXPECT_EQ(s["state"], "CANCELLED");
  EXPECT_NE(s["finished_at_us"], 0);
  for (int i = 0; i < kReplicas; ++i) EXPECT_TRUE(keys(i, DataScope::kRepaired).empty());
  EXPECT_EQ(service_->cancel("nope").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->get("nope").status().code(), ErrorCode::kNotFound);
}

TEST_F(RepairServiceTest, RequestsThatDoNotFitTheRingStartNothing) {
  auto with = [](nlohmann::json b, const std::string& field, nlohmann::json v) {
    b[field] = std::move(v);
    return b;
  };
  const auto base = body("s1", "(0,1000]");
  EXPECT_EQ(service_->start(with(base, "keyspace", "nope")).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->start(with(base, "tables", {"nope"})).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->start(with(base, "replicas", {"h0", "h1"})).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->start(with(base, "replicas", {"h1", "h2", "ghost"})).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->start(with(base, "range", "(0,1000")).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->start(with(base, "id", "a b")).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->start(with(base, "mode", "weird")).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->start(with(base, "validation", "weird")).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(service_->list().empty());
}

// The ring changing under a running session (repair/ring_watch.h). The hook swaps the
// topology on the session's own thread, where the service's ring check reads it.
class RingChangeTest : public RepairServiceTest {
 protected:
  void SetUp() override {
    RepairServiceTest::SetUp();
    for (int k = 0; k < 20; ++k) ASSERT_TRUE(put(1, "k" + std::to_string(k), "newer", 20).ok());
  }
  // The fixture's ring at `version`, edited by `edit`.
  std::shared_ptr<const Topology> ring(int64_t version,
                                       const std::function<void(RingView&)>& edit) {
    RingView r = topology_->ring_view();
    r.version = version;
    edit(r);
    auto t = Topology::create(r, topology_->schema(), host(0));
    EXPECT_TRUE(t.ok()) << t.status().to_string();
    return t.ok() ? *t : nullptr;
  }
  // Runs s1 over the whole ring with `change` applied just before the first `at` call; returns the
  // ended session and records every call made after the change.
  nlohmann::json run_with_change(std::string_view at, std::shared_ptr<const Topology> change) {
    replicas_.before = [this, at, change](const std::string& h, std::string_view call) {
      std::lock_guard lock(calls_mu_);
      if (changed_) calls_after_.push_back(h + ":" + std::string(call));
      if (!changed_ && call == at) {
        topology_ = change;
        changed_ = true;
      }
      return Status::OK();
    };
    auto started = service_->start(body("s1", TokenRange::full_ring().to_string()));
    EXPECT_TRUE(started.ok()) << started.status().to_string();
    return wait_done("s1");
  }
  int calls_after(std::string_view call) {
    std::lock_guard lock(calls_mu_);
    return static_cast<int>(
        std::count_if(calls_after_.begin(), calls_after_.end(),
                      [&](const std::string& c) { return c.ends_with(":" + std::string(call)); }));
  }
  void expect_released_and_unmarked() {
    for (int i = 0; i < kReplicas; ++i) {
      EXPECT_TRUE(views_[i]->list().empty()) << "replica " << i << " still holds a view";
    }
    EXPECT_EQ(calls_after("record"), 0) << "a repair history was recorded after the change";
  }

  std::mutex calls_mu_;
  bool changed_ = false;
  std::vector<std::string> calls_after_;
};

TEST_F(RingChangeTest, AReplacementMidStreamAbortsNamingItAndStreamsNothingMore) {
  auto replaced = ring(2, [](RingView& r) {
    r.nodes[2].state = "REPLACED";
    RingMember h3 = r.nodes[2];
    h3.host_id = "h3";
    h3.state = "JOINING";
    h3.addresses.internode = "in-process:3";
    r.nodes.push_back(h3);
  });
  auto s = run_with_change("export", replaced);
  EXPECT_EQ(s["state"], "ABORTED") << s.dump();
  EXPECT_EQ(s["error"],
            "ring changed (version 1 -> 2): host h2 (in-process:2) replaced by h3 (in-process:3)");
  // The chunk in flight lands; nothing after it is read or sent.
  EXPECT_EQ(calls_after("export"), 0);
  EXPECT_LE(calls_after("import"), 1);
  EXPECT_EQ(calls_after("mark"), 0);
  expect_released_and_unmarked();
  for (int i = 0; i < kReplicas; ++i) EXPECT_TRUE(keys(i, DataScope::kRepaired).empty());
}

TEST_F(RingChangeTest, AReplicaGoingDownAbortsTheSession) {
  auto s = run_with_change("validate", ring(2, [](RingView& r) { r.nodes[1].state = "DOWN"; }));
  EXPECT_EQ(s["state"], "ABORTED") << s.dump();
  EXPECT_EQ(s["error"], "ring changed (version 1 -> 2): host h1 (in-process:1) is DOWN");
  expect_released_and_unmarked();
}

TEST_F(RingChangeTest, AChangeDuringMarkingStopsBeforeTheNextReplicaAndRecordsNothing) {
  auto s = run_with_change("mark", ring(2, [](RingView& r) { r.nodes[2].state = "LEAVING"; }));
  EXPECT_EQ(s["state"], "ABORTED") << s.dump();
  // The mark in flight on the first replica finishes; no other replica is marked.
  EXPECT_EQ(calls_after("mark"), 0);
  EXPECT_TRUE(keys(1, DataScope::kRepaired).empty());
  EXPECT_TRUE(keys(2, DataScope::kRepaired).empty());
  expect_released_and_unmarked();
}

TEST_F(RingChangeTest, AChangeElsewhereInTheRingLetsTheSessionFinish) {
  // A new version that leaves this range's replicas and their states as they were.
  auto s = run_with_change("validate", ring(2, [](RingView& r) { r.nodes[1].version = "2.0"; }));
  EXPECT_EQ(s["state"], "SUCCEEDED") << s.dump();
  EXPECT_GT(calls_after("record"), 0);
}

}  // namespace
}  // namespace rk::agent
