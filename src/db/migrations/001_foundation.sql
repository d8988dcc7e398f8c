-- netkeep foundation schema. The backup_* tables follow the seed schema
-- (../shared/schema-seed.sql) column for column; columns netkeep adds come after
-- the seed's and are marked "netkeep:".

CREATE TABLE device_groups (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(255) NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    -- timeouts, SSH algorithm profile, concurrency limit: settings devices inherit
    options JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Secrets are stored encrypted (AES-256-GCM under the master key, see src/security/secrets.ts);
-- the *_enc columns hold "v1:<key id>:<iv>:<tag>:<ciphertext>" and are never returned by the API.
CREATE TABLE credential_profiles (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(255) NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    username VARCHAR(255),
    password_enc TEXT,
    enable_password_enc TEXT,
    private_key_enc TEXT,
    passphrase_enc TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE devices (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(255) NOT NULL UNIQUE,
    address VARCHAR(255) NOT NULL,
    port INTEGER CHECK (port BETWEEN 1 AND 65535),
    driver VARCHAR(64) NOT NULL,
    protocol VARCHAR(16) NOT NULL DEFAULT 'ssh',
    group_id UUID REFERENCES device_groups(id) ON DELETE SET NULL,
    site VARCHAR(255),
    tags JSONB NOT NULL DEFAULT '[]',
    enabled BOOLEAN NOT NULL DEFAULT true,
    credential_profile_id UUID REFERENCES credential_profiles(id) ON DELETE RESTRICT,
    -- poller zone for overlapping address spaces (only workers of this zone take it)
    zone VARCHAR(64),
    -- per-device overrides: timeouts, algorithm profile, secret masking, driver vars
    options JSONB NOT NULL DEFAULT '{}',
    -- SSH host key pinned on first use, and a changed key waiting for an operator
    host_key TEXT,
    host_key_pending TEXT,
    -- where the device came from (manual, csv, router.db, netbox) and when it left its source
    source VARCHAR(64) NOT NULL DEFAULT 'manual',
    orphaned_at TIMESTAMPTZ,
    -- backup state, kept here so that it survives restarts
    last_status VARCHAR(32),
    last_attempt_at TIMESTAMPTZ,
    last_success_at TIMESTAMPTZ,
    last_change_at TIMESTAMPTZ,
    failing_since TIMESTAMPTZ,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_class VARCHAR(32),
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX devices_group_idx ON devices (group_id);
CREATE INDEX devices_status_idx ON devices (last_status);

CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    username VARCHAR(64) NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role VARCHAR(16) NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    disabled BOOLEAN NOT NULL DEFAULT false,
    last_login_at TIMESTAMPTZ,
    password_changed_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- API tokens: only the SHA-256 of the token is stored; the token is shown once.
CREATE TABLE api_tokens (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    token_hash CHAR(64) NOT NULL UNIQUE,
    prefix VARCHAR(16) NOT NULL,
    expires_at TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Browser sessions: only the SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    id_hash CHAR(64) PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source_ip VARCHAR(64),
    expires_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Who did what to which target, when, from where, with what result. No foreign keys:
-- the log outlives the users and objects it names.
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    user_id UUID,
    username VARCHAR(64),
    source_ip VARCHAR(64),
    action VARCHAR(64) NOT NULL,
    target_type VARCHAR(64),
    target_id TEXT,
    result VARCHAR(16) NOT NULL,
    details JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);

CREATE TABLE settings (
    key VARCHAR(128) PRIMARY KEY,
    value JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Backup configurations (seed)
CREATE TABLE backup_configs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    device_id UUID NOT NULL REFERENCES devices(id),
    backup_type VARCHAR(50) NOT NULL, -- 'running-config', 'startup-config', 'full-state'
    protocol VARCHAR(50) NOT NULL, -- 'ssh', 'telnet', 'snmp', 'rest', 'netconf', 'sftp'
    schedule_cron VARCHAR(100), -- Cron expression for scheduled backups
    retention_days INTEGER NOT NULL DEFAULT 30,
    compression_enabled BOOLEAN NOT NULL DEFAULT true,
    encryption_enabled BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- netkeep:
    enabled BOOLEAN NOT NULL DEFAULT true,
    schedule_timezone VARCHAR(64) NOT NULL DEFAULT 'UTC',
    options JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX backup_configs_device_idx ON backup_configs (device_id);

-- Backup history (seed)
CREATE TABLE backup_history (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    config_id UUID NOT NULL REFERENCES backup_configs(id),
    status VARCHAR(50) NOT NULL, -- 'success', 'failure'
    file_path TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    checksum VARCHAR(64) NOT NULL,
    error_message TEXT,
    started_at TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- netkeep:
    device_id UUID NOT NULL REFERENCES devices(id),
    trigger VARCHAR(16) NOT NULL DEFAULT 'manual', -- 'schedule', 'manual', 'api', 'import'
    error_class VARCHAR(32),
    job_id TEXT
);
CREATE INDEX backup_history_device_idx ON backup_history (device_id, started_at DESC);
CREATE INDEX backup_history_config_idx ON backup_history (config_id, started_at DESC);

-- Backup metadata (seed)
CREATE TABLE backup_metadata (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    backup_id UUID NOT NULL REFERENCES backup_history(id),
    key VARCHAR(255) NOT NULL,
    value TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX backup_metadata_backup_idx ON backup_metadata (backup_id);
