-- netkeep: notifications. A channel is one destination (webhook, Slack, Teams, email, syslog)
-- with the events it wants and, optionally, the one device group it is for. Its non-secret
-- settings are JSON in `config`; its secrets (webhook signing secret, Slack/Teams URL, SMTP
-- password) are one JSON object encrypted under the master key (src/security/secrets.ts) in
-- `secrets_enc`, never returned by the API. Every message sent, failed or held back by the
-- quiet period leaves a row in notify_deliveries; the quiet period looks there, so several
-- netkeep processes on one PostgreSQL do not repeat each other's messages.
CREATE TABLE notify_channels (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(255) NOT NULL UNIQUE,
    kind VARCHAR(16) NOT NULL CHECK (kind IN ('webhook', 'slack', 'teams', 'email', 'syslog')),
    config JSONB NOT NULL DEFAULT '{}',
    secrets_enc TEXT,
    group_id UUID REFERENCES device_groups(id) ON DELETE CASCADE,
    events JSONB NOT NULL DEFAULT '[]',
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    -- backup.failed is sent when a device reaches this many consecutive failures
    failure_threshold INTEGER NOT NULL DEFAULT 1 CHECK (failure_threshold >= 1),
    -- the same event for the same device is not repeated within this many seconds
    quiet_seconds INTEGER NOT NULL DEFAULT 3600 CHECK (quiet_seconds >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE notify_deliveries (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    channel_id UUID NOT NULL REFERENCES notify_channels(id) ON DELETE CASCADE,
    event VARCHAR(64) NOT NULL,
    -- "<event>:<device id>" (or another subject): what the quiet period compares
    dedup_key VARCHAR(300) NOT NULL,
    device_id UUID,
    status VARCHAR(16) NOT NULL CHECK (status IN ('sent', 'failed', 'suppressed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    -- how many events one message carried (a digest carries several)
    events_count INTEGER NOT NULL DEFAULT 1,
    error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX notify_deliveries_quiet_idx ON notify_deliveries (channel_id, dedup_key, created_at DESC);
CREATE INDEX notify_deliveries_recent_idx ON notify_deliveries (channel_id, created_at DESC);
