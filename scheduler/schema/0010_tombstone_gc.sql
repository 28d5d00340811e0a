-- Each table's tombstone_gc mode (docs/storage.md): when compaction may purge its tombstones.
-- Tables that exist when this runs keep 'timeout', the rule they had; new tables get the mode
-- they are created with (the API's default is 'repair').
ALTER TABLE keyspace_tables ADD COLUMN tombstone_gc TEXT NOT NULL DEFAULT 'timeout'
  CHECK (tombstone_gc IN ('timeout', 'repair', 'disabled', 'immediate'));
