-- Cluster schema (keyspaces and their tables) and the versions agents converge on.
-- A scheduler manages one cluster, so keyspaces are not keyed by cluster.

CREATE TABLE keyspaces (
  name           TEXT PRIMARY KEY,
  -- The replication as its JSON object, e.g. {"class":"SimpleStrategy","replication_factor":3}.
  replication    TEXT NOT NULL,
  created_at_us  INTEGER NOT NULL
);

CREATE TABLE keyspace_tables (
  keyspace             TEXT NOT NULL REFERENCES keyspaces(name) ON DELETE CASCADE,
  name                 TEXT NOT NULL,
  gc_grace_seconds     INTEGER NOT NULL CHECK (gc_grace_seconds >= 0),
  default_ttl_seconds  INTEGER NOT NULL CHECK (default_ttl_seconds >= 0),
  created_at_us        INTEGER NOT NULL,
  PRIMARY KEY (keyspace, name)
);

-- One row: the versions of the ring and of the schema. schema_version moves in the same
-- transaction as every schema change; ring_version moves after every registry change that agents
-- must see (and at every start-up, so that a change whose bump a crash lost is still picked up).
CREATE TABLE cluster_versions (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  ring_version    INTEGER NOT NULL,
  schema_version  INTEGER NOT NULL
);
INSERT INTO cluster_versions (id, ring_version, schema_version) VALUES (1, 0, 0);
