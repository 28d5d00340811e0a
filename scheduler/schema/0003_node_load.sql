-- What each node reports with its heartbeat, for `rkctl status`: bytes of live data on disk.

ALTER TABLE nodes ADD COLUMN load_bytes INTEGER NOT NULL DEFAULT 0;
