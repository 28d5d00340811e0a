-- Alerts: every state change of a monitored signal (agents push theirs, the scheduler records its
-- own under source 'scheduler'), and the current state per (source, signal).

CREATE TABLE alert_events (
  id             INTEGER PRIMARY KEY,
  source         TEXT NOT NULL,     -- a host_id, or 'scheduler'
  signal         TEXT NOT NULL,     -- e.g. 'disk', 'await', 'repair_deadline/ks.t'
  state          TEXT NOT NULL,     -- OK, WARNING, CRITICAL, UNKNOWN
  previous_state TEXT NOT NULL,
  message        TEXT NOT NULL DEFAULT '',
  value          REAL,
  at_us          INTEGER NOT NULL,  -- when the state changed (the source's clock)
  received_at_us INTEGER NOT NULL   -- when the scheduler stored it
);
CREATE INDEX alert_events_by_time ON alert_events(at_us, id);
CREATE INDEX alert_events_by_key ON alert_events(source, signal, id);

CREATE TABLE alerts_current (
  source        TEXT NOT NULL,
  signal        TEXT NOT NULL,
  state         TEXT NOT NULL,
  event_id      INTEGER NOT NULL REFERENCES alert_events(id),
  PRIMARY KEY (source, signal)
);
