-- netkeep: backups of netkeep itself (src/system/). One row per archive written by
-- `netkeep system-backup`, the API or the schedule; the archive file lives in `path`.
CREATE TABLE system_backups (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    file_name VARCHAR(255) NOT NULL,
    path TEXT NOT NULL,
    status VARCHAR(16) NOT NULL, -- 'running' | 'success' | 'failed' | 'deleted'
    trigger VARCHAR(16) NOT NULL, -- 'cli' | 'api' | 'schedule'
    size BIGINT,
    sha256 VARCHAR(64),
    includes_master_key BOOLEAN NOT NULL DEFAULT false,
    summary JSONB NOT NULL DEFAULT '{}', -- tables, rows, blobs, bytes
    error TEXT,
    created_by VARCHAR(64),
    started_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    completed_at TIMESTAMPTZ
);
CREATE INDEX system_backups_started_idx ON system_backups (started_at DESC);

-- The schedule of system backups and their retention: one row. Off until an admin turns it on.
-- next_run_at/next_run_spec work as in backup_configs: a process claims a due run with a
-- compare-and-set UPDATE, so several `serve` processes on one PostgreSQL run it once.
CREATE TABLE system_backup_schedule (
    id SMALLINT PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    enabled BOOLEAN NOT NULL DEFAULT false,
    schedule_cron VARCHAR(100) NOT NULL DEFAULT '30 2 * * *',
    schedule_timezone VARCHAR(64) NOT NULL DEFAULT 'UTC',
    keep_last INTEGER NOT NULL DEFAULT 7 CHECK (keep_last BETWEEN 1 AND 1000),
    next_run_at TIMESTAMPTZ,
    next_run_spec VARCHAR(200),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO system_backup_schedule (id) VALUES (1);
