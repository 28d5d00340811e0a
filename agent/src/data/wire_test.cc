// The JSON wire encoding of storage types: round trips, and strict decoding.
#include "ringkeeper/agent/wire.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace rk::agent::wire {
namespace {

using nlohmann::json;

TEST(Wire, RawPartitionRoundTripsWithEveryKindOfCellAndDeletion) {
  storage::Partition p;
  p.partition_key = "alice";
  p.token = murmur3_token("alice");
  p.deletion = storage::Deletion{5, 1'700'000'000};
  storage::Row row;
  row.clustering_key = "c1";
  row.deletion = storage::Deletion{7, 1'700'000'001};
  row.cells["live"] = storage::Cell::live(10, "v");
  row.cells["exp"] = storage::Cell::expiring(11, 60, 1'700'000'000, "w");
  row.cells["gone"] = storage::Cell::tombstone(12, 1'700'000'002);
  p.rows.push_back(row);
  auto back = partition_from_json(json::parse(partition_to_json(p).dump()));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, p);
}

TEST(Wire, TokensTravelAsDecimalStringsAndMustMatchTheKey) {
  storage::Partition p;
  p.partition_key = "k";
  p.token = murmur3_token("k");
  json j = partition_to_json(p);
  EXPECT_TRUE(j["token"].is_string());
  j["token"] = "12345";
  EXPECT_EQ(partition_from_json(j).status().code(), ErrorCode::kInvalidArgument);
}

TEST(Wire, MutationRoundTripsAndEveryOpNeedsATimestamp) {
  storage::Mutation m("ks", "t", "p");
  m.set("c", "v", "x", 10, 30).set("c", "w", "y", 10).delete_cell("c", "z", 11);
  m.delete_row("d", 12).delete_partition(13);
  auto back = mutation_from_json(json::parse(mutation_to_json(m).dump()));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  ASSERT_EQ(back->ops.size(), 5u);
  EXPECT_EQ(back->ops[0].ttl_seconds, 30);
  EXPECT_FALSE(back->ops[1].ttl_seconds.has_value());
  EXPECT_EQ(back->ops[4].kind, storage::MutationOp::Kind::kDeletePartition);
  EXPECT_EQ(back->ops[4].timestamp, 13);
  json no_ts = {{"keyspace", "ks"},
                {"table", "t"},
                {"partition", "p"},
                {"ops", {{{"op", "delete_partition"}}}}};
  EXPECT_EQ(mutation_from_json(no_ts).status().code(), ErrorCode::kInvalidArgument);
}

TEST(Wire, ClientOpsRefuseTimestampsUnknownOpsAndUnknownFields) {
  auto ok = client_ops_from_json(
      json::parse(R"([{"op":"set","clustering":"c","column":"v","value":"x"}])"), 99);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)[0].timestamp, 99);
  EXPECT_FALSE(
      client_ops_from_json(
          json::parse(R"([{"op":"set","clustering":"c","column":"v","value":"x","timestamp":1}])"),
          1)
          .ok());
  EXPECT_FALSE(client_ops_from_json(json::parse(R"([{"op":"upsert"}])"), 1).ok());
  EXPECT_FALSE(client_ops_from_json(json::parse(R"([{"op":"delete_row"}])"), 1).ok());
  EXPECT_FALSE(
      client_ops_from_json(
          json::parse(R"([{"op":"set","clustering":"c","column":"v","value":"x","ttl":-1}])"), 1)
          .ok());
  EXPECT_FALSE(client_ops_from_json(json::parse(R"([])"), 1).ok());
  auto bad = client_ops_from_json(
      json::parse(R"([{"op":"delete_partition"},{"op":"delete_row","clustering":"c","colour":1}])"),
      1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("ops[1]"), std::string::npos) << bad.status().message();
}

TEST(Wire, ReplicationOfBothStrategies) {
  auto simple =
      replication_from_json(json::parse(R"({"class":"SimpleStrategy","replication_factor":3})"));
  ASSERT_TRUE(simple.ok());
  EXPECT_EQ(simple->replication_factor, 3);
  auto nts =
      replication_from_json(json::parse(R"({"class":"NetworkTopologyStrategy","dc1":3,"dc2":2})"));
  ASSERT_TRUE(nts.ok());
  EXPECT_EQ(nts->dc_factors.at("dc2"), 2);
  EXPECT_EQ(replication_to_json(*nts)["dc1"], 3);
  EXPECT_FALSE(replication_from_json(json::parse(R"({"class":"Local"})")).ok());
  EXPECT_FALSE(replication_from_json(json::parse(R"({"class":"SimpleStrategy"})")).ok());
}

}  // namespace
}  // namespace rk::agent::wire
