-- netkeep: compliance rules and their results (src/compliance/). A rule applies to one device
-- group, or to every device when group_id is NULL. compliance_results holds the current state
-- of every (device, rule) pair that was evaluated; compliance_changes keeps one row each time
-- that state changed (first evaluation included), which is the history shown over time.
-- Results survive retention (history_id is set NULL when the version is deleted).
CREATE TABLE compliance_rules (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(200) NOT NULL UNIQUE,
    group_id UUID REFERENCES device_groups(id) ON DELETE CASCADE,
    kind VARCHAR(20) NOT NULL CHECK (kind IN ('must_contain', 'must_not_contain')),
    match VARCHAR(10) NOT NULL CHECK (match IN ('line', 'regex', 'block')),
    pattern TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX compliance_rules_group_idx ON compliance_rules (group_id);

CREATE TABLE compliance_results (
    device_id UUID NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    rule_id UUID NOT NULL REFERENCES compliance_rules(id) ON DELETE CASCADE,
    compliant BOOLEAN NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    history_id UUID REFERENCES backup_history(id) ON DELETE SET NULL,
    -- when the current state began, and when it was last confirmed
    since TIMESTAMPTZ NOT NULL,
    evaluated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (device_id, rule_id)
);
CREATE INDEX compliance_results_rule_idx ON compliance_results (rule_id);

CREATE TABLE compliance_changes (
    id BIGSERIAL PRIMARY KEY,
    device_id UUID NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    rule_id UUID NOT NULL REFERENCES compliance_rules(id) ON DELETE CASCADE,
    compliant BOOLEAN NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    history_id UUID REFERENCES backup_history(id) ON DELETE SET NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX compliance_changes_device_idx ON compliance_changes (device_id, at DESC);
CREATE INDEX compliance_changes_rule_idx ON compliance_changes (rule_id, at DESC);
