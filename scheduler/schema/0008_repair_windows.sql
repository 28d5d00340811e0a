-- A run's own maintenance window (docs/repair.md): JSON {"windows", "time_zone", "on_close"};
-- NULL keeps the scheduler's default (repair.windows in its configuration). Schedules keep theirs
-- in repair_schedules.options under the same keys as runs.
ALTER TABLE repair_runs ADD COLUMN maintenance_window TEXT;
