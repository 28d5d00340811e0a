// Test support for agent tests: the schema most of them run on.
#pragma once

#include "ringkeeper/agent/cluster_view.h"

namespace rk::agent::testing {

// Schema version 1: keyspace "ks" (SimpleStrategy, `replication_factor`) with the one table "t"
// (gc_grace 10 days).
inline SchemaView ks_t_schema(int replication_factor = 3) {
  SchemaView schema;
  schema.version = 1;
  KeyspaceDef ks;
  ks.name = "ks";
  ks.replication.strategy = storage::Replication::Strategy::kSimple;
  ks.replication.replication_factor = replication_factor;
  ks.tables.push_back(TableDef{"t", 864000, 0});
  schema.keyspaces.push_back(ks);
  return schema;
}

}  // namespace rk::agent::testing
