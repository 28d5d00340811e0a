-- Repair runs, their segments, schedules that start runs, and the history of successful repairs
-- per table and token range (what gc_grace deadlines are computed from). docs/repair.md.
-- Times are microseconds since the Unix epoch.

CREATE TABLE repair_runs (
  id                 INTEGER PRIMARY KEY,
  keyspace           TEXT NOT NULL,
  tables             TEXT NOT NULL,          -- JSON array of table names; [] = all at creation
  kind               TEXT NOT NULL CHECK (kind IN ('full', 'incremental')),
  parallelism        TEXT NOT NULL CHECK (parallelism IN ('sequential', 'parallel',
                                                          'datacenter_aware')),
  max_sessions       INTEGER NOT NULL CHECK (max_sessions >= 1),
  intensity          REAL NOT NULL CHECK (intensity > 0 AND intensity <= 1),
  segments_per_range INTEGER NOT NULL CHECK (segments_per_range >= 1),
  max_segment_bytes  INTEGER NOT NULL CHECK (max_segment_bytes >= 0),
  datacenters        TEXT NOT NULL DEFAULT '[]',  -- JSON array; [] = every datacenter
  nodes              TEXT NOT NULL DEFAULT '[]',  -- JSON array of host ids; [] = every node
  mark_repaired      INTEGER NOT NULL DEFAULT 0,  -- full runs: mark ranges repaired on success
  schedule_id        INTEGER,                     -- the schedule that started it, if any
  state              TEXT NOT NULL CHECK (state IN ('NOT_STARTED', 'RUNNING', 'PAUSED', 'DONE',
                                                    'ERROR', 'ABORTED')),
  cause              TEXT NOT NULL DEFAULT '',    -- why it ended in ERROR or ABORTED
  created_by         TEXT NOT NULL DEFAULT '',
  created_at_us      INTEGER NOT NULL,
  started_at_us      INTEGER NOT NULL DEFAULT 0,
  finished_at_us     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX repair_runs_by_state ON repair_runs(state, id);

-- One token range of a run with its replicas. STARTING: the session id is chosen and about to be
-- sent (a restart re-sends it: the agent's POST is idempotent); RUNNING: the agent accepted it.
CREATE TABLE repair_segments (
  id               INTEGER PRIMARY KEY,
  run_id           INTEGER NOT NULL REFERENCES repair_runs(id) ON DELETE CASCADE,
  position         INTEGER NOT NULL,          -- order within the run (ring order)
  tables           TEXT NOT NULL,             -- JSON array of the tables it repairs
  range_start      TEXT NOT NULL,             -- int64 tokens as decimal text
  range_end        TEXT NOT NULL,
  replicas         TEXT NOT NULL,             -- JSON array of host ids
  state            TEXT NOT NULL CHECK (state IN ('PENDING', 'STARTING', 'RUNNING', 'DONE',
                                                  'FAILED', 'ABORTED')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  session_id       TEXT NOT NULL DEFAULT '',  -- the id sent to the coordinator agent
  coordinator      TEXT NOT NULL DEFAULT '',  -- host id of the agent coordinating the session
  started_at_us    INTEGER NOT NULL DEFAULT 0,
  finished_at_us   INTEGER NOT NULL DEFAULT 0,
  not_before_us    INTEGER NOT NULL DEFAULT 0,  -- retry backoff: not started again before this
  estimated_bytes  INTEGER NOT NULL DEFAULT 0,
  bytes_validated  INTEGER NOT NULL DEFAULT 0,
  bytes_streamed   INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT NOT NULL DEFAULT '',
  postponed        TEXT NOT NULL DEFAULT '',  -- why it is waiting (replica DOWN, load, ...)
  UNIQUE (run_id, position)
);
CREATE INDEX repair_segments_by_state ON repair_segments(state, run_id);

-- The last successful repair of each table over each token range.
CREATE TABLE repair_history (
  keyspace        TEXT NOT NULL,
  table_name      TEXT NOT NULL,
  range_start     TEXT NOT NULL,
  range_end       TEXT NOT NULL,
  repaired_at_us  INTEGER NOT NULL,  -- when the successful session started
  kind            TEXT NOT NULL,
  PRIMARY KEY (keyspace, table_name, range_start, range_end)
) WITHOUT ROWID;

CREATE TABLE repair_schedules (
  id                  INTEGER PRIMARY KEY,
  keyspace            TEXT NOT NULL,
  tables              TEXT NOT NULL,   -- JSON array; [] = all tables at activation
  kind                TEXT NOT NULL CHECK (kind IN ('full', 'incremental')),
  interval_seconds    INTEGER NOT NULL CHECK (interval_seconds >= 1),
  interval_derived    INTEGER NOT NULL DEFAULT 0,  -- 1: derived from gc_grace
  options             TEXT NOT NULL DEFAULT '{}',  -- JSON: run options for the runs it starts
  next_activation_us  INTEGER NOT NULL,
  enabled             INTEGER NOT NULL DEFAULT 1,
  last_run_id         INTEGER,
  created_by          TEXT NOT NULL DEFAULT '',
  created_at_us       INTEGER NOT NULL
);
