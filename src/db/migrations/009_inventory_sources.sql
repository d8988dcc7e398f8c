-- netkeep: inventory sources (CSV file, Oxidized router.db, RANCID router.db, NetBox) and their
-- sync runs. A source's secrets (the NetBox API token) are stored encrypted under the master key
-- (src/security/secrets.ts), as JSON in secrets_enc. Devices remember the source that created or
-- adopted them and their key there; a device gone from its source gets devices.orphaned_at (from
-- 001) and is never deleted with its history.
CREATE TABLE inventory_sources (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(255) NOT NULL UNIQUE,
    kind VARCHAR(16) NOT NULL CHECK (kind IN ('csv', 'oxidized', 'rancid', 'netbox')),
    -- non-secret settings: file path or URL, delimiter and field map, platform map, TLS, ...
    config JSONB NOT NULL DEFAULT '{}',
    secrets_enc TEXT,
    enabled BOOLEAN NOT NULL DEFAULT true,
    -- scheduled sync, same scheme as backup_configs (005_schedule)
    schedule_cron VARCHAR(200),
    schedule_timezone VARCHAR(64) NOT NULL DEFAULT 'UTC',
    next_run_at TIMESTAMPTZ,
    next_run_spec VARCHAR(200),
    last_run_at TIMESTAMPTZ,
    last_status VARCHAR(16),
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX inventory_sources_due_idx ON inventory_sources (next_run_at) WHERE enabled AND next_run_at IS NOT NULL;

ALTER TABLE devices ADD COLUMN source_id UUID REFERENCES inventory_sources(id) ON DELETE SET NULL;
ALTER TABLE devices ADD COLUMN source_key VARCHAR(255);
CREATE UNIQUE INDEX devices_source_key_idx ON devices (source_id, source_key) WHERE source_id IS NOT NULL;

CREATE TABLE inventory_sync_runs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    source_id UUID NOT NULL REFERENCES inventory_sources(id) ON DELETE CASCADE,
    trigger VARCHAR(16) NOT NULL,
    dry_run BOOLEAN NOT NULL DEFAULT false,
    -- ok: applied (or previewed); refused: bad records, nothing saved; failed: the source could not be read
    status VARCHAR(16) NOT NULL CHECK (status IN ('ok', 'refused', 'failed')),
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    records INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    orphaned INTEGER NOT NULL DEFAULT 0,
    restored INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    message TEXT,
    -- per-line errors [{line, message}], the changes [{action, device, fields}], skipped records
    errors JSONB NOT NULL DEFAULT '[]',
    changes JSONB NOT NULL DEFAULT '[]',
    skipped_records JSONB NOT NULL DEFAULT '[]'
);
CREATE INDEX inventory_sync_runs_source_idx ON inventory_sync_runs (source_id, started_at DESC);
