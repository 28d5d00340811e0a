-- Cluster schema (keyspaces and their tables) and its version, which agents converge on.
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

-- One row: the schema's version, moved in the same transaction as every schema change.
CREATE TABLE schema_version (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  version  INTEGER NOT NULL
);
INSERT INTO schema_version (id, version) VALUES (1, 0);
