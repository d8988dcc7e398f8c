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
  /** netkeep (009_inventory_sources): the inventory source that created or adopted the device, and its key there. */
  source_id: ColumnType<string | null, string | null | undefined, string | null>;
  source_key: ColumnType<string | null, string | null | undefined, string | null>;
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

/** netkeep (008_notify): one notification destination; secrets encrypted in secrets_enc. */
export interface NotifyChannelsTable {
  id: Generated<string>;
  name: string;
  kind: 'webhook' | 'slack' | 'teams' | 'email' | 'syslog';
  config: Json<Record<string, unknown>>;
  secrets_enc: string | null;
  group_id: string | null;
  events: Json<string[]>;
  enabled: Generated<boolean>;
  failure_threshold: Generated<number>;
  quiet_seconds: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

/** netkeep (008_notify): one message sent, failed or held back by the quiet period. */
export interface NotifyDeliveriesTable {
  id: Generated<string>;
  channel_id: string;
  event: string;
  dedup_key: string;
  device_id: string | null;
  status: 'sent' | 'failed' | 'suppressed';
  attempts: Generated<number>;
  events_count: Generated<number>;
  error: string | null;
  created_at: Generated<Date>;
}

/** netkeep (007_compliance): a compliance rule; group_id null = every device. */
export interface ComplianceRulesTable {
  id: Generated<string>;
  name: string;
  group_id: string | null;
  kind: 'must_contain' | 'must_not_contain';
  match: 'line' | 'regex' | 'block';
  pattern: string;
  description: Generated<string>;
  enabled: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

/** netkeep (007_compliance): the current result of one rule on one device. */
export interface ComplianceResultsTable {
  device_id: string;
  rule_id: string;
  compliant: boolean;
  detail: Generated<string>;
  history_id: string | null;
  since: Timestamp;
  evaluated_at: Timestamp;
}

/** netkeep (007_compliance): one change of a (device, rule) result, the first evaluation included. */
export interface ComplianceChangesTable {
  id: Generated<string>;
  device_id: string;
  rule_id: string;
  compliant: boolean;
  detail: Generated<string>;
  history_id: string | null;
  at: Timestamp;
}

/** netkeep (006_restore): one restore (dry run, and the execution it allowed). */
export interface RestoresTable {
  id: Generated<string>;
  device_id: string;
  history_id: string;
  user_id: string | null;
  username: string;
  method: 'replace' | 'merge';
  payload_kind: string;
  live_sha256: string;
  target_sha256: string;
  token_hash: string;
  token_expires_at: Timestamp;
  token_used_at: NullableTimestamp;
  status: Generated<string>;
  verified: boolean | null;
  verify_diff: string | null;
  failed_line: string | null;
  device_answer: string | null;
  message: string | null;
  history_id_after: string | null;
  created_at: Generated<Date>;
  executed_at: NullableTimestamp;
  finished_at: NullableTimestamp;
}

/** netkeep (006_restore): every attempt to use a restore confirmation token. */
export interface RestoreTokenUsesTable {
  id: Generated<number>;
  at: Generated<Date>;
  token_hash: string;
  restore_id: string | null;
  history_id: string | null;
  user_id: string | null;
  username: string | null;
  outcome: string;
}

/** netkeep (010_system_backups): one archive of netkeep itself (src/system/). */
export interface SystemBackupsTable {
  id: Generated<string>;
  file_name: string;
  path: string;
  status: 'running' | 'success' | 'failed' | 'deleted';
  trigger: 'cli' | 'api' | 'schedule';
  size: number | null;
  sha256: string | null;
  includes_master_key: Generated<boolean>;
  summary: Json<Record<string, unknown>>;
  error: string | null;
  created_by: string | null;
  started_at: Generated<Date>;
  completed_at: NullableTimestamp;
}

/** netkeep (010_system_backups): the one row of the system-backup schedule and retention. */
export interface SystemBackupScheduleTable {
  id: Generated<number>;
  enabled: Generated<boolean>;
  schedule_cron: Generated<string>;
  schedule_timezone: Generated<string>;
  keep_last: Generated<number>;
  next_run_at: NullableTimestamp;
  next_run_spec: string | null;
  updated_at: Timestamp;
}

/** netkeep (009_inventory_sources): a place devices come from (CSV, Oxidized/RANCID router.db, NetBox). */
export interface InventorySourcesTable {
  id: Generated<string>;
  name: string;
  kind: string;
  config: Json<Record<string, unknown>>;
  /** Encrypted JSON of the source's secrets (NetBox token); never returned by the API. */
  secrets_enc: string | null;
  enabled: Generated<boolean>;
  schedule_cron: string | null;
  schedule_timezone: Generated<string>;
  next_run_at: NullableTimestamp;
  next_run_spec: ColumnType<string | null, string | null | undefined, string | null>;
  last_run_at: NullableTimestamp;
  last_status: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

/** netkeep (009_inventory_sources): one sync of a source (or its dry-run preview). */
export interface InventorySyncRunsTable {
  id: Generated<string>;
  source_id: string;
  trigger: string;
  dry_run: Generated<boolean>;
  status: 'ok' | 'refused' | 'failed';
  started_at: Timestamp;
  finished_at: Timestamp;
  records: Generated<number>;
  created: Generated<number>;
  updated: Generated<number>;
  unchanged: Generated<number>;
  orphaned: Generated<number>;
  restored: Generated<number>;
  skipped: Generated<number>;
  message: string | null;
  errors: Json<unknown[]>;
  changes: Json<unknown[]>;
  skipped_records: Json<unknown[]>;
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
  compliance_rules: ComplianceRulesTable;
  compliance_results: ComplianceResultsTable;
  compliance_changes: ComplianceChangesTable;
  notify_channels: NotifyChannelsTable;
  notify_deliveries: NotifyDeliveriesTable;
  restores: RestoresTable;
  restore_token_uses: RestoreTokenUsesTable;
  system_backups: SystemBackupsTable;
  system_backup_schedule: SystemBackupScheduleTable;
  inventory_sources: InventorySourcesTable;
  inventory_sync_runs: InventorySyncRunsTable;
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
