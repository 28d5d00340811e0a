// The coordinator without processes: replica calls go to a fake, so grouping, consistency waits,
// timeouts and read merging are checked directly.
#include "data/coordinator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "test_support.h"

namespace rk::agent {
namespace {

// Each host answers per its mode; "hang" blocks until release().
class FakeReplicas final : public ReplicaClient {
 public:
  enum class Mode { kOk, kDown, kHang };

  void set(const std::string& host, Mode mode) {
    std::lock_guard lock(mu_);
    modes_[host] = mode;
  }
  void set_partition(const std::string& host, storage::Partition p) {
    std::lock_guard lock(mu_);
    partitions_[host] = std::move(p);
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  std::map<std::string, std::vector<size_t>> apply_calls() {
    std::lock_guard lock(mu_);
    return apply_calls_;
  }
  std::vector<std::string> reads() {
    std::lock_guard lock(mu_);
    return reads_;
  }

  Status apply(const ReplicaTarget& t, std::span<const storage::Mutation> m,
               std::chrono::milliseconds) override {
    std::unique_lock lock(mu_);
    apply_calls_[t.host_id].push_back(m.size());
    return answer(lock, t);
  }
  Result<storage::Partition> read(const ReplicaTarget& t, const RawReadRequest& r,
                                  std::chrono::milliseconds) override {
    std::unique_lock lock(mu_);
    reads_.push_back(t.host_id);
    RK_RETURN_IF_ERROR(answer(lock, t));
    auto it = partitions_.find(t.host_id);
    if (it != partitions_.end()) return it->second;
    storage::Partition p;
    p.partition_key = r.partition_key;
    return p;
  }
  Result<storage::ExportPage> export_page(const ReplicaTarget&, const std::string&,
                                          const std::string&, const TokenRange&,
                                          std::chrono::milliseconds) override {
    return storage::ExportPage{};
  }

 private:
  Status answer(std::unique_lock<std::mutex>& lock, const ReplicaTarget& t) {
    Mode mode = modes_.count(t.host_id) ? modes_[t.host_id] : Mode::kOk;
    if (mode == Mode::kDown) return Status::Unavailable("connection refused");
    if (mode == Mode::kHang) {
      cv_.wait(lock, [this] { return released_; });
      return Status::Timeout("too late");
    }
    return Status::OK();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  std::map<std::string, Mode> modes_;
  std::map<std::string, storage::Partition> partitions_;
  std::map<std::string, std::vector<size_t>> apply_calls_;
  std::vector<std::string> reads_;
};

class CoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RingView ring;
    ring.version = 1;
    for (int i = 0; i < 3; ++i) {
      RingMember m;
      m.host_id = "h" + std::to_string(i);
      m.datacenter = "dc1";
      m.rack = "r" + std::to_string(i);
      m.tokens = {
          static_cast<Token>(-6'000'000'000'000'000'000LL + i * 6'000'000'000'000'000'000LL)};
      m.addresses.internode = "127.0.0.1:700" + std::to_string(i);
      ring.nodes.push_back(m);
    }
    set_topology(ring, testing::ks_t_schema());
    CoordinatorOptions o;
    o.write_timeout = std::chrono::milliseconds(200);
    o.read_timeout = std::chrono::milliseconds(200);
    coordinator_ =
        std::make_unique<Coordinator>(o, replicas_, pool_, clock_, [this] { return topology_; });
  }
  void TearDown() override { replicas_.release(); }

  void set_topology(RingView ring, SchemaView schema) {
    auto t = Topology::create(std::move(ring), std::move(schema), "h0");
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    topology_ = *t;
  }
  // Replica calls may land after the coordinator answered: poll for them.
  bool eventually_written(const std::string& host) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      if (replicas_.apply_calls().count(host)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }
  static storage::Mutation mutation(const std::string& key) {
    return storage::Mutation("ks", "t", key).set("c", "v", "x", 10);
  }

  ManualClock clock_;
  FakeReplicas replicas_;  // declared before the pool: the pool's threads finish first
  WorkPool pool_{4, 64};
  std::shared_ptr<const Topology> topology_;
  std::unique_ptr<Coordinator> coordinator_;
};

TEST_F(CoordinatorTest, BatchTravelsAsOneRequestPerReplica) {
  std::vector<storage::Mutation> batch;
  for (int i = 0; i < 20; ++i) batch.push_back(mutation("k" + std::to_string(i)));
  auto w = coordinator_->write(batch, ConsistencyLevel::kAll);
  ASSERT_TRUE(w.ok()) << w.status().to_string();
  EXPECT_EQ(w->acks, 3);
  auto calls = replicas_.apply_calls();
  ASSERT_EQ(calls.size(), 3u);
  for (const auto& [host, sizes] : calls) EXPECT_EQ(sizes, std::vector<size_t>{20}) << host;
}

TEST_F(CoordinatorTest, AHungReplicaDoesNotDelayQuorumButTimesOutAll) {
  replicas_.set("h2", FakeReplicas::Mode::kHang);
  auto q = coordinator_->write({mutation("a")}, ConsistencyLevel::kQuorum);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  EXPECT_EQ(q->acks, 2);
  auto all = coordinator_->write({mutation("a")}, ConsistencyLevel::kAll);
  EXPECT_EQ(all.status().code(), ErrorCode::kTimeout);
  EXPECT_NE(all.status().message().find("127.0.0.1:7002"), std::string::npos)
      << all.status().message();
}

TEST_F(CoordinatorTest, DownReplicasMakeQuorumUnavailableAndAreNamed) {
  replicas_.set("h1", FakeReplicas::Mode::kDown);
  replicas_.set("h2", FakeReplicas::Mode::kDown);
  auto w = coordinator_->write({mutation("a")}, ConsistencyLevel::kQuorum);
  ASSERT_EQ(w.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(w.status().message().find("QUORUM needs 2 of 3 replicas"), std::string::npos);
  EXPECT_NE(w.status().message().find("127.0.0.1:7001, 127.0.0.1:7002"), std::string::npos)
      << w.status().message();
  EXPECT_TRUE(coordinator_->write({mutation("a")}, ConsistencyLevel::kOne).ok());
}

TEST_F(CoordinatorTest, ReadMergesTheReplicasVersions) {
  storage::Partition old_version, new_version;
  old_version.partition_key = new_version.partition_key = "p";
  storage::Row r;
  r.clustering_key = "c";
  r.cells["v"] = storage::Cell::live(10, "old");
  old_version.rows.push_back(r);
  r.cells["v"] = storage::Cell::live(20, "new");
  new_version.rows.push_back(r);
  replicas_.set_partition("h0", old_version);
  replicas_.set_partition("h1", new_version);
  replicas_.set_partition("h2", old_version);
  auto p = coordinator_->read({"ks", "t", "p", {}}, ConsistencyLevel::kAll);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  ASSERT_EQ(p->rows.size(), 1u);
  EXPECT_EQ(p->rows[0].cells.at("v").value, "new");
  EXPECT_EQ(p->token, murmur3_token("p"));
}

TEST_F(CoordinatorTest, JoiningReplicasAreWrittenButNotRead) {
  RingView ring = topology_->ring_view();
  ring.nodes[1].state = "JOINING";
  set_topology(ring, topology_->schema());
  ASSERT_TRUE(coordinator_->write({mutation("p")}, ConsistencyLevel::kQuorum).ok());
  EXPECT_TRUE(coordinator_->write({mutation("p")}, ConsistencyLevel::kAll).status().code() ==
              ErrorCode::kUnavailable);
  EXPECT_TRUE(eventually_written("h1"));
  ASSERT_TRUE(coordinator_->read({"ks", "t", "p", {}}, ConsistencyLevel::kQuorum).ok());
  for (const auto& host : replicas_.reads()) EXPECT_NE(host, "h1");
}

// One coordinator thread and room for three waiting calls: a write to three replicas fills it.
class SmallPoolCoordinatorTest : public CoordinatorTest {
 protected:
  void SetUp() override {
    CoordinatorTest::SetUp();
    CoordinatorOptions o;
    o.write_timeout = std::chrono::milliseconds(200);
    coordinator_ = std::make_unique<Coordinator>(o, replicas_, small_pool_, clock_,
                                                 [this] { return topology_; });
  }
  void TearDown() override {
    replicas_.release();
    coordinator_.reset();
  }
  // Whether `host` received a batch of `size` mutations, polling until the deadline.
  bool eventually_called_with(const std::string& host, size_t size) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      auto calls = replicas_.apply_calls()[host];
      if (std::find(calls.begin(), calls.end(), size) != calls.end()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }
  WorkPool small_pool_{1, 3};
};

TEST_F(SmallPoolCoordinatorTest, AFullQueueIsUnavailableAndSendsNothing) {
  replicas_.set("h0", FakeReplicas::Mode::kHang);  // holds the one thread
  auto first = coordinator_->write({mutation("a"), mutation("b")}, ConsistencyLevel::kOne);
  EXPECT_EQ(first.status().code(), ErrorCode::kTimeout) << first.status().to_string();
  const auto calls_before = replicas_.apply_calls();
  auto second = coordinator_->write({mutation("c")}, ConsistencyLevel::kOne);
  ASSERT_EQ(second.status().code(), ErrorCode::kUnavailable) << second.status().to_string();
  EXPECT_NE(second.status().message().find("overloaded"), std::string::npos);
  EXPECT_EQ(replicas_.apply_calls(), calls_before);
  auto read = coordinator_->read({"ks", "t", "p", {}}, ConsistencyLevel::kOne);
  EXPECT_EQ(read.status().code(), ErrorCode::kUnavailable) << read.status().to_string();
}

TEST_F(SmallPoolCoordinatorTest, CallsWhoseRequestGaveUpAreNotSentAndServiceReturns) {
  replicas_.set("h0", FakeReplicas::Mode::kHang);
  auto first = coordinator_->write({mutation("a"), mutation("b")}, ConsistencyLevel::kOne);
  EXPECT_EQ(first.status().code(), ErrorCode::kTimeout) << first.status().to_string();
  replicas_.set("h0", FakeReplicas::Mode::kOk);
  replicas_.release();
  // The queue drains; a new write gets through within the deadline.
  Result<WriteOutcome> later = Status::Internal("not tried");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!later.ok() && std::chrono::steady_clock::now() < deadline) {
    later = coordinator_->write({mutation("c")}, ConsistencyLevel::kOne);
  }
  ASSERT_TRUE(later.ok()) << later.status().to_string();
  // The queue runs in order: once the later write's batches (one mutation) reached h1 and h2,
  // the first write's (two mutations, queued before it) were dropped, never sent.
  ASSERT_TRUE(eventually_called_with("h1", 1));
  ASSERT_TRUE(eventually_called_with("h2", 1));
  EXPECT_EQ(replicas_.apply_calls()["h1"], std::vector<size_t>{1});
  EXPECT_EQ(replicas_.apply_calls()["h2"], std::vector<size_t>{1});
}

TEST_F(CoordinatorTest, UnknownTablesAndEmptyKeysAreTheCallersMistake) {
  EXPECT_EQ(coordinator_
                ->write({storage::Mutation("ks", "nope", "p").delete_partition(1)},
                        ConsistencyLevel::kOne)
                .status()
                .code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(coordinator_->read({"zz", "t", "p", {}}, ConsistencyLevel::kOne).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(coordinator_->read({"ks", "t", "", {}}, ConsistencyLevel::kOne).status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace rk::agent
