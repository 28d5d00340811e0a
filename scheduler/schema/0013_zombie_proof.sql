-- The record the zombie-safety proof reads (docs/repair.md, "Proof"). Times are microseconds since
-- the Unix epoch.

-- Each table's tombstone_gc mode over time: one row when the table is created and one per ALTER
-- that changes it. The first row's since_us is when the record of the table begins.
CREATE TABLE table_tombstone_gc_history (
  keyspace      TEXT NOT NULL,
  table_name    TEXT NOT NULL,
  since_us      INTEGER NOT NULL,
  tombstone_gc  TEXT NOT NULL
    CHECK (tombstone_gc IN ('timeout', 'repair', 'disabled', 'immediate')),
  PRIMARY KEY (keyspace, table_name, since_us)
) WITHOUT ROWID;

-- Every successful repair of a table over a range on all of its replicas (a run filtered to some
-- datacenters does not count): it covers the deletes made before started_at_us from
-- finished_at_us on.
CREATE TABLE repair_coverage (
  keyspace        TEXT NOT NULL,
  table_name      TEXT NOT NULL,
  range_start     TEXT NOT NULL,  -- int64 tokens as decimal text
  range_end       TEXT NOT NULL,
  started_at_us   INTEGER NOT NULL,
  finished_at_us  INTEGER NOT NULL
);
CREATE INDEX repair_coverage_by_table ON repair_coverage(keyspace, table_name);

-- Tables that exist now: their record begins now, with what repair_history knows (each range's
-- last successful repair, counted as finishing now: the latest it can have finished).
INSERT INTO table_tombstone_gc_history (keyspace, table_name, since_us, tombstone_gc)
  SELECT keyspace, name, CAST(strftime('%s', 'now') AS INTEGER) * 1000000, tombstone_gc
  FROM keyspace_tables;
INSERT INTO repair_coverage (keyspace, table_name, range_start, range_end, started_at_us,
                             finished_at_us)
  SELECT keyspace, table_name, range_start, range_end, repaired_at_us,
         max(repaired_at_us, CAST(strftime('%s', 'now') AS INTEGER) * 1000000)
  FROM repair_history;
