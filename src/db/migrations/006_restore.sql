-- netkeep: restores (src/restore/). One row per dry run; the same row records the execution
-- it allowed. The confirmation token the dry run handed out is stored only as its SHA-256,
-- bound to the version, the live config's hash and the user, expiring, and used at most once.
CREATE TABLE restores (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    device_id UUID NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    history_id UUID NOT NULL REFERENCES backup_history(id) ON DELETE CASCADE,
    user_id UUID,
    username VARCHAR(64) NOT NULL,
    method VARCHAR(16) NOT NULL, -- 'replace' | 'merge'
    payload_kind VARCHAR(16) NOT NULL, -- 'commands' | 'netconf' | 'restconf' | 'file'
    live_sha256 VARCHAR(64) NOT NULL, -- the live config the dry run saw (after the volatile filter)
    target_sha256 VARCHAR(64) NOT NULL,
    token_hash VARCHAR(64) NOT NULL UNIQUE,
    token_expires_at TIMESTAMPTZ NOT NULL,
    token_used_at TIMESTAMPTZ,
    -- 'planned' (dry run) → 'running' → 'success' | 'failed' | 'rolled_back'; 'refused' when the
    -- execution was refused before anything was sent (live config changed since the dry run)
    status VARCHAR(16) NOT NULL DEFAULT 'planned',
    verified BOOLEAN,
    verify_diff TEXT,
    failed_line TEXT,
    device_answer TEXT,
    message TEXT,
    history_id_after UUID,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    executed_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ
);
CREATE INDEX restores_device_idx ON restores (device_id, created_at DESC);

-- Every attempt to use a confirmation token, accepted or refused (altered, reused, expired,
-- for another version or user): the ledger an auditor reads next to the audit log.
CREATE TABLE restore_token_uses (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    token_hash VARCHAR(64) NOT NULL,
    restore_id UUID REFERENCES restores(id) ON DELETE SET NULL,
    history_id UUID,
    user_id UUID,
    username VARCHAR(64),
    outcome VARCHAR(32) NOT NULL -- 'accepted' | 'unknown' | 'used' | 'expired' | 'wrong_version' | 'wrong_user'
);
CREATE INDEX restore_token_uses_restore_idx ON restore_token_uses (restore_id);
