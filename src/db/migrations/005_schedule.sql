-- netkeep: schedules. The scheduler (src/schedule/scheduler.ts) keeps each scheduled backup
-- configuration's next due time here, so that schedules survive restarts and several `serve`
-- processes on one PostgreSQL never run the same slot twice: a process claims a due slot with a
-- compare-and-set UPDATE (… WHERE id = $1 AND next_run_at = $seen RETURNING), and only the
-- process whose UPDATE returned the row enqueues the backup.
-- next_run_spec is the "<cron> <time zone>" next_run_at was computed for: when the schedule is
-- edited (API, CLI, import, SQL) the scheduler sees the difference and recomputes from now.
ALTER TABLE backup_configs ADD COLUMN next_run_at TIMESTAMPTZ;
ALTER TABLE backup_configs ADD COLUMN next_run_spec VARCHAR(200);
-- when the scheduler last enqueued this configuration, and the job it enqueued
ALTER TABLE backup_configs ADD COLUMN last_run_at TIMESTAMPTZ;
ALTER TABLE backup_configs ADD COLUMN last_job_id TEXT;
CREATE INDEX backup_configs_due_idx ON backup_configs (next_run_at) WHERE enabled AND next_run_at IS NOT NULL;
-- (the job API finds a job's recorded result through 004_jobs' backup_history_job_once_idx)
