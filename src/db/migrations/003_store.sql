-- netkeep: the config store. One row per stored blob (content-addressed by the SHA-256 of the
-- config text); the bytes live in the blob store (DATA_DIR/blobs/ab/cd/<sha256>), this row says
-- how they are encoded and holds the blob's data key wrapped by a master key, so rotating the
-- master key rewrites these rows and never the config data.
CREATE TABLE blobs (
    sha256 VARCHAR(64) PRIMARY KEY, -- VARCHAR, not CHAR: joins with backup_history.file_path (TEXT) use the index
    size BIGINT NOT NULL, -- bytes of the config text
    stored_size BIGINT NOT NULL, -- bytes in the blob store
    compression VARCHAR(16) NOT NULL, -- 'none' | 'zstd'
    encryption VARCHAR(16) NOT NULL, -- 'none' | 'aes-256-gcm'
    key_id VARCHAR(16), -- master key that wraps the data key (NULL when not encrypted)
    wrapped_key TEXT, -- "v1:<key id>:<iv>:<tag>:<ciphertext>" of the 32-byte data key
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_verified_at TIMESTAMPTZ,
    verify_status VARCHAR(16) NOT NULL DEFAULT 'ok', -- 'ok' | 'missing' | 'corrupt' | 'tampered' | 'key_missing'
    verify_error TEXT
);
CREATE INDEX blobs_key_id_idx ON blobs (key_id);
CREATE INDEX blobs_bad_idx ON blobs (verify_status) WHERE verify_status <> 'ok';

-- netkeep: "changed" and "significant" are also metadata rows (seed); kept as columns too so
-- that "changes only" history pages stay an index scan at 100,000 versions.
ALTER TABLE backup_history ADD COLUMN changed BOOLEAN;
ALTER TABLE backup_history ADD COLUMN significant BOOLEAN;
CREATE INDEX backup_history_file_path_idx ON backup_history (file_path) WHERE file_path <> '';
-- keyset pages of a device's history: ORDER BY started_at DESC, id DESC with (started_at, id) < cursor
CREATE INDEX backup_history_device_page_idx ON backup_history (device_id, started_at, id);
CREATE INDEX backup_history_device_changed_idx ON backup_history (device_id, started_at, id) WHERE changed;
