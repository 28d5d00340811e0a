-- Audit log: every mutating call, who made it (the bearer token's name), on what, and how it went.

CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY,
  at_us   INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  target  TEXT NOT NULL,
  result  TEXT NOT NULL,
  detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_time ON audit_log(at_us, id);
CREATE INDEX audit_log_by_actor ON audit_log(actor, at_us);
CREATE INDEX audit_log_by_action ON audit_log(action, at_us);
