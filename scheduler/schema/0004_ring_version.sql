-- A counter per cluster that moves whenever the ring or its members change (registration,
-- replacement, state changes, removal), so agents refetch their cached ring only when it moved.

ALTER TABLE clusters ADD COLUMN ring_version INTEGER NOT NULL DEFAULT 0;

-- Triggers keep the counter honest: no code path can change the ring and forget to bump it.
-- Heartbeats (last_heartbeat_us, load_bytes) do not move it.
CREATE TRIGGER nodes_insert_moves_ring AFTER INSERT ON nodes
BEGIN
  UPDATE clusters SET ring_version = ring_version + 1 WHERE id = NEW.cluster_id;
END;

CREATE TRIGGER nodes_delete_moves_ring AFTER DELETE ON nodes
BEGIN
  UPDATE clusters SET ring_version = ring_version + 1 WHERE id = OLD.cluster_id;
END;

CREATE TRIGGER nodes_update_moves_ring AFTER UPDATE ON nodes
WHEN OLD.state IS NOT NEW.state OR OLD.address IS NOT NEW.address
  OR OLD.ops_port IS NOT NEW.ops_port OR OLD.internode_port IS NOT NEW.internode_port
  OR OLD.client_port IS NOT NEW.client_port
BEGIN
  UPDATE clusters SET ring_version = ring_version + 1 WHERE id = NEW.cluster_id;
END;
