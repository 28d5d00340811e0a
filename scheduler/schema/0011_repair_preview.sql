-- Preview repairs (docs/repair.md, "Preview"): a run that validates and diffs as a full repair
-- does and records what differs instead of streaming it. A preview run writes no repair_history.
ALTER TABLE repair_runs ADD COLUMN preview INTEGER NOT NULL DEFAULT 0;

-- What each DONE segment of a preview run found, per table: the differing ranges counted once
-- however many replicas lack them, the rows and bytes the replicas behind lack (as the senders
-- counted them), and which replicas are behind (JSON array of host ids).
CREATE TABLE repair_preview_tables (
  segment_id  INTEGER NOT NULL REFERENCES repair_segments(id) ON DELETE CASCADE,
  run_id      INTEGER NOT NULL REFERENCES repair_runs(id) ON DELETE CASCADE,
  table_name  TEXT NOT NULL,
  ranges      INTEGER NOT NULL,
  rows        INTEGER NOT NULL,
  bytes       INTEGER NOT NULL,
  behind      TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (segment_id, table_name)
);
CREATE INDEX repair_preview_tables_by_run ON repair_preview_tables(run_id);

-- The differing sub-ranges themselves (the agent lists up to 1,000 per session): `target` lacks
-- what `source` holds there.
CREATE TABLE repair_preview_ranges (
  segment_id   INTEGER NOT NULL REFERENCES repair_segments(id) ON DELETE CASCADE,
  run_id       INTEGER NOT NULL REFERENCES repair_runs(id) ON DELETE CASCADE,
  table_name   TEXT NOT NULL,
  range_start  TEXT NOT NULL,   -- int64 tokens as decimal text
  range_end    TEXT NOT NULL,
  source       TEXT NOT NULL,   -- host ids
  target       TEXT NOT NULL,
  rows         INTEGER NOT NULL,
  bytes        INTEGER NOT NULL
);
CREATE INDEX repair_preview_ranges_by_run ON repair_preview_ranges(run_id, segment_id);
