-- Quarantine of returning nodes (docs/cluster.md). Times are microseconds since the Unix epoch.

-- Each time the sweep marked a node DOWN: from the last moment the scheduler knew it alive
-- (its last heartbeat, or the scheduler's own start when it was not running then) until it came
-- back (NULL while it is still away).
CREATE TABLE node_down_intervals (
  id                 INTEGER PRIMARY KEY,
  node_id            INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
  down_since_us      INTEGER NOT NULL,
  marked_down_at_us  INTEGER NOT NULL,
  up_at_us           INTEGER
);
CREATE INDEX node_down_intervals_by_node ON node_down_intervals(node_id, id);

-- The tables a node came back quarantined for: not read, written or repaired from until it is
-- rebuilt or an operator accepts the risk.
CREATE TABLE node_quarantine (
  node_id           INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
  keyspace          TEXT NOT NULL,
  table_name        TEXT NOT NULL,
  gc_grace_seconds  INTEGER NOT NULL,
  left_at_us        INTEGER NOT NULL,
  back_at_us        INTEGER NOT NULL,
  PRIMARY KEY (node_id, keyspace, table_name)
);

-- Agents route around quarantined replicas: a change is a change of the ring.
CREATE TRIGGER node_quarantine_insert_moves_ring AFTER INSERT ON node_quarantine
BEGIN
  UPDATE clusters SET ring_version = ring_version + 1
  WHERE id = (SELECT cluster_id FROM nodes WHERE id = NEW.node_id);
END;

CREATE TRIGGER node_quarantine_delete_moves_ring AFTER DELETE ON node_quarantine
BEGIN
  UPDATE clusters SET ring_version = ring_version + 1
  WHERE id = (SELECT cluster_id FROM nodes WHERE id = OLD.node_id);
END;
