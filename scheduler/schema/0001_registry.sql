-- Registry: clusters, datacenters, racks, nodes and the tokens they hold.
-- Times are microseconds since the Unix epoch (rk::Clock::now_micros).

CREATE TABLE clusters (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  created_at_us INTEGER NOT NULL
);

-- A datacenter's ring layout (see docs/tokens.md): slot_count evenly spaced slots, num_tokens
-- tokens per node. slot_count doubles when every slot is held.
CREATE TABLE datacenters (
  id          INTEGER PRIMARY KEY,
  cluster_id  INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  slot_count  INTEGER NOT NULL CHECK (slot_count >= 1),
  num_tokens  INTEGER NOT NULL CHECK (num_tokens >= 1),
  UNIQUE (cluster_id, name)
);

-- position: declaration order within the datacenter; rack at position r prefers slots s with
-- s % (number of racks) == r.
CREATE TABLE racks (
  id             INTEGER PRIMARY KEY,
  datacenter_id  INTEGER NOT NULL REFERENCES datacenters(id) ON DELETE CASCADE,
  name           TEXT NOT NULL,
  position       INTEGER NOT NULL,
  UNIQUE (datacenter_id, name),
  UNIQUE (datacenter_id, position)
);

CREATE TABLE nodes (
  id                   INTEGER PRIMARY KEY,
  host_id              TEXT NOT NULL UNIQUE,
  cluster_id           INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
  datacenter_id        INTEGER NOT NULL REFERENCES datacenters(id) ON DELETE CASCADE,
  rack_id              INTEGER NOT NULL REFERENCES racks(id) ON DELETE CASCADE,
  address              TEXT NOT NULL,
  ops_port             INTEGER NOT NULL,
  internode_port       INTEGER NOT NULL,
  client_port          INTEGER NOT NULL,
  slot                 INTEGER NOT NULL,
  state                TEXT NOT NULL
                       CHECK (state IN ('JOINING', 'NORMAL', 'DOWN', 'LEAVING', 'REPLACED')),
  replaces_host_id     TEXT,
  replaced_by_host_id  TEXT,
  agent_version        TEXT NOT NULL DEFAULT '',
  storage_version      TEXT NOT NULL DEFAULT '',
  registered_at_us     INTEGER NOT NULL,
  joined_at_us         INTEGER,
  last_heartbeat_us    INTEGER NOT NULL,
  state_changed_at_us  INTEGER NOT NULL
);
CREATE INDEX nodes_by_datacenter ON nodes(datacenter_id, slot);
CREATE INDEX nodes_by_address ON nodes(cluster_id, address, internode_port);

-- Tokens held by nodes that hold a slot; a REPLACED node's rows move to its replacement. The
-- primary key is what makes two registrations unable to take the same token.
CREATE TABLE node_tokens (
  cluster_id  INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
  token       INTEGER NOT NULL,
  node_id     INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
  position    INTEGER NOT NULL,
  PRIMARY KEY (cluster_id, token)
) WITHOUT ROWID;
CREATE INDEX node_tokens_by_node ON node_tokens(node_id, position);
