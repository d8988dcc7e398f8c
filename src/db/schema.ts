// The TypeScript shape of every table, as Kysely sees it. Kept in step with src/db/migrations/*.sql.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;

export type Role = 'admin' | 'operator' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'operator', 'viewer'];

export interface DeviceGroupsTable {
  id: Generated<string>;
  name: string;
  description: Generated<string>;
  options: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface CredentialProfilesTable {
  id: Generated<string>;
  name: string;
  description: Generated<string>;
  username: string | null;
  password_enc: string | null;
  enable_password_enc: string | null;
  private_key_enc: string | null;
  passphrase_enc: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface DevicesTable {
  id: Generated<string>;
  name: string;
  address: string;
  port: number | null;
  driver: string;
  protocol: Generated<string>;
  group_id: string | null;
  site: string | null;
  tags: Json<string[]>;
  enabled: Generated<boolean>;
  credential_profile_id: string | null;
  zone: string | null;
  options: Json<Record<string, unknown>>;
  host_key: string | null;
  host_key_pending: string | null;
  source: Generated<string>;
  orphaned_at: NullableTimestamp;
  last_status: string | null;
  last_attempt_at: NullableTimestamp;
  last_success_at: NullableTimestamp;
  last_change_at: NullableTimestamp;
  failing_since: NullableTimestamp;
  consecutive_failures: Generated<number>;
  last_error: string | null;
  last_error_class: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface UsersTable {
  id: Generated<string>;
  username: string;
  password_hash: string;
  role: Role;
  disabled: Generated<boolean>;
  last_login_at: NullableTimestamp;
  password_changed_at: Timestamp;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  source_ip: string | null;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
  created_at: Generated<Date>;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Generated<Date>;
  user_id: string | null;
  username: string | null;
  source_ip: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  result: 'ok' | 'denied' | 'error' | 'failed';
  details: Json<Record<string, unknown>>;
}

export interface SettingsTable {
  key: string;
  value: Json<unknown>;
  updated_at: Timestamp;
}

export interface BackupConfigsTable {
  id: Generated<string>;
  device_id: string;
  backup_type: string;
  protocol: string;
  schedule_cron: string | null;
  retention_days: Generated<number>;
  compression_enabled: Generated<boolean>;
  encryption_enabled: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  enabled: Generated<boolean>;
  schedule_timezone: Generated<string>;
  options: Json<Record<string, unknown>>;
  /** netkeep (005_schedule): when the scheduler runs this configuration next (null: not scheduled). */
  next_run_at: NullableTimestamp;
  /** netkeep (005_schedule): the "<cron> <time zone>" next_run_at was computed for. */
  next_run_spec: ColumnType<string | null, string | null | undefined, string | null>;
  /** netkeep (005_schedule): when the scheduler last enqueued it, and which job. */
  last_run_at: NullableTimestamp;
  last_job_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface BackupHistoryTable {
  id: Generated<string>;
  config_id: string;
  status: string;
  file_path: string;
  file_size: number;
  checksum: string;
  error_message: string | null;
  started_at: Timestamp;
  completed_at: Timestamp;
  created_at: Generated<Date>;
  device_id: string;
  trigger: Generated<string>;
  error_class: string | null;
  job_id: string | null;
  /** netkeep (003_store): differs from the previous successful version of the same config. */
  changed: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
  /** netkeep (003_store): differs after the driver's volatile-line filter. */
  significant: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
}

/** netkeep (003_store): one stored blob; the bytes are in the blob store. */
export interface BlobsTable {
  sha256: string;
  size: number;
  stored_size: number;
  compression: 'none' | 'zstd';
  encryption: 'none' | 'aes-256-gcm';
  key_id: string | null;
  wrapped_key: string | null;
  created_at: Generated<Date>;
  last_verified_at: NullableTimestamp;
  verify_status: Generated<string>;
  verify_error: string | null;
}

export interface BackupMetadataTable {
  id: Generated<string>;
  backup_id: string;
  key: string;
  value: string;
  created_at: Generated<Date>;
}

/** netkeep (004_jobs): a lease on one session slot of a concurrency scope, held by a worker. */
export interface BackupSlotsTable {
  scope: string;
  slot: number;
  holder: string;
  expires_at: Timestamp;
}

export interface Database {
  device_groups: DeviceGroupsTable;
  credential_profiles: CredentialProfilesTable;
  devices: DevicesTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  settings: SettingsTable;
  backup_configs: BackupConfigsTable;
  backup_history: BackupHistoryTable;
  backup_metadata: BackupMetadataTable;
  blobs: BlobsTable;
  backup_slots: BackupSlotsTable;
}

export type Device = Selectable<DevicesTable>;
export type NewDevice = Insertable<DevicesTable>;
export type DeviceUpdate = Updateable<DevicesTable>;
export type DeviceGroup = Selectable<DeviceGroupsTable>;
export type CredentialProfile = Selectable<CredentialProfilesTable>;
export type User = Selectable<UsersTable>;
export type ApiToken = Selectable<ApiTokensTable>;
export type AuditEntry = Selectable<AuditLogTable>;
export type BackupConfig = Selectable<BackupConfigsTable>;
export type BackupHistory = Selectable<BackupHistoryTable>;
