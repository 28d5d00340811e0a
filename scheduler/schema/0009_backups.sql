-- Backups (docs/backup.md): one row per cluster backup run (tag), one per node of a run with its
-- last reported progress, and backup schedules with their retention.

CREATE TABLE backup_runs (
  tag              TEXT PRIMARY KEY,
  state            TEXT NOT NULL
                   CHECK (state IN ('RUNNING', 'PAUSED', 'COMPLETE', 'FAILED', 'ABORTED')),
  schedule_id      INTEGER,
  requested_by     TEXT NOT NULL DEFAULT '',
  started_at_us    INTEGER NOT NULL,
  completed_at_us  INTEGER NOT NULL DEFAULT 0,
  updated_at_us    INTEGER NOT NULL,
  error            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX backup_runs_by_start ON backup_runs(started_at_us);

CREATE TABLE backup_run_nodes (
  tag            TEXT NOT NULL REFERENCES backup_runs(tag) ON DELETE CASCADE,
  host_id        TEXT NOT NULL,
  state          TEXT NOT NULL
                 CHECK (state IN ('PENDING', 'RUNNING', 'DONE', 'FAILED', 'ABORTED')),
  files_total    INTEGER NOT NULL DEFAULT 0,
  files_done     INTEGER NOT NULL DEFAULT 0,
  files_skipped  INTEGER NOT NULL DEFAULT 0,
  bytes_total    INTEGER NOT NULL DEFAULT 0,
  bytes_done     INTEGER NOT NULL DEFAULT 0,
  bytes_sent     INTEGER NOT NULL DEFAULT 0,
  rate_bps       INTEGER NOT NULL DEFAULT 0,
  error          TEXT NOT NULL DEFAULT '',
  updated_at_us  INTEGER NOT NULL,
  PRIMARY KEY (tag, host_id)
) WITHOUT ROWID;

CREATE TABLE backup_schedules (
  id                INTEGER PRIMARY KEY,
  name              TEXT NOT NULL UNIQUE,
  interval_seconds  INTEGER NOT NULL CHECK (interval_seconds >= 60),
  next_run_at_us    INTEGER NOT NULL,
  keep_last         INTEGER NOT NULL DEFAULT 7 CHECK (keep_last >= 0),
  keep_days         INTEGER NOT NULL DEFAULT 0 CHECK (keep_days >= 0),
  enabled           INTEGER NOT NULL DEFAULT 1,
  created_at_us     INTEGER NOT NULL
);
