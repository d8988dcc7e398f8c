-- netkeep: backup jobs and workers (docs/decisions/0020-jobs-and-workers.md).
-- One history row per job: a job retried after its worker died can never write a second one.
CREATE UNIQUE INDEX backup_history_job_once_idx ON backup_history (job_id) WHERE job_id IS NOT NULL;

-- Session slots shared by every worker process (global concurrency limit): a worker holds
-- a lease on one slot of a scope while it talks to a device; a dead worker's lease expires.
CREATE TABLE backup_slots (
    scope VARCHAR(128) NOT NULL,
    slot INTEGER NOT NULL,
    holder VARCHAR(128) NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, slot)
);
