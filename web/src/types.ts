// Shapes of the API answers the UI reads (snake_case, as the API sends them).
export type Role = 'admin' | 'operator' | 'viewer';
export interface User {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  last_login_at: string | null;
  created_at: string;
}
export interface Paged<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
export interface Device {
  id: string;
  name: string;
  address: string;
  port: number | null;
  driver: string;
  protocol: string;
  group: string | null;
  group_id: string | null;
  site: string | null;
  tags: string[];
  enabled: boolean;
  credential_profile: string | null;
  credential_profile_id: string | null;
  zone: string | null;
  has_host_key: boolean;
  host_key_pending: boolean;
  /** where the device came from: manual, import, or source:<name> */
  source?: string;
  /** set when the inventory source it came from no longer lists it */
  orphaned_at?: string | null;
  last_status: string | null;
  last_attempt_at: string | null;
  last_success_at: string | null;
  last_change_at: string | null;
  failing_since: string | null;
  consecutive_failures: number;
  last_error: string | null;
  last_error_class: string | null;
  created_at: string;
}
export interface Group {
  id: string;
  name: string;
  description: string;
  device_count: number;
}
export interface Profile {
  id: string;
  name: string;
  description: string;
  username: string | null;
  has_password: boolean;
  has_enable_password: boolean;
  has_private_key: boolean;
  has_passphrase: boolean;
  device_count: number;
}
export interface Driver {
  id: string;
  aliases: string[];
  vendor: string;
  platform: string;
  protocols: string[];
}
export interface Version {
  id: string;
  device_id: string;
  config_id: string;
  backup_type: string;
  status: string;
  started_at: string;
  completed_at: string;
  trigger: string;
  file_size: number;
  checksum: string;
  changed: boolean | null;
  significant: boolean | null;
  error_message: string | null;
  error_class: string | null;
  job_id: string | null;
  verify_status: string | null;
  verifiable: boolean;
}
export interface HistoryPage {
  items: Version[];
  total?: number;
  limit: number;
  offset: number;
  next_cursor: string | null;
}
export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: string[];
}
export interface Diff {
  from: Version;
  to: Version;
  identical: boolean;
  added: number;
  removed: number;
  unified: string;
  hunks: Hunk[];
}
export interface BackupConfig {
  id: string;
  device_id: string;
  device_name: string;
  backup_type: string;
  protocol: string;
  schedule_cron: string | null;
  schedule_timezone: string;
  retention_days: number;
  compression_enabled: boolean;
  encryption_enabled: boolean;
  enabled: boolean;
  options: Record<string, unknown>;
  schedule_description: string | null;
  next_runs: string[];
  next_run_at: string | null;
  last_run_at: string | null;
  warnings: string[];
}
export interface Job {
  id: string;
  state: 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';
  device_id: string | null;
  device_name: string | null;
  trigger: string | null;
  requested_by: string | null;
  attempt: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  progress: { step: string; at: string } | null;
  result: { history_id: string; status: string; changed: boolean | null; significant: boolean | null } | null;
  error: { class: string | null; message: string } | null;
}
export interface Dashboard {
  generated_at: string;
  devices_total: number;
  devices_enabled: number;
  devices_failing: number;
  devices_never_backed_up: number;
  backed_up_24h: number;
  runs_24h: number;
  success_rate_24h: number | null;
  failures_by_class: Record<string, number>;
  changes_today: number;
  storage_bytes: number;
  next_runs: { config_id: string; name: string; device_id: string; at: string }[];
  daily: { date: string; successes: number; failures: number; changes: number }[];
}
export interface AuditRow {
  id: number;
  at: string;
  username: string | null;
  source_ip: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  result: string;
  details: Record<string, unknown>;
}
export interface Token {
  id: string;
  username: string;
  name: string;
  prefix: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  created_at: string;
}
export interface RestoreDryRun {
  dry_run: true;
  restore_id: string;
  device_id: string;
  device_name: string;
  history_id: string;
  method: 'replace' | 'merge';
  method_description: string;
  live_sha256: string;
  target_sha256: string;
  identical: boolean;
  diff: { unified: string; hunks: Hunk[] };
  payload: { kind: string; text: string };
  confirm_token: string;
  expires_at: string;
  warnings: string[];
}
export interface RestoreResult {
  dry_run: false;
  restore_id: string;
  status: 'success' | 'failed' | 'rolled_back';
  method: string;
  verified: boolean;
  verify_diff?: string;
  failed_line?: string;
  device_answer?: string;
  message: string;
  history_id_after?: string;
}

// ---- config search and blame (GET /search, GET /backups/devices/{id}/blame)
export interface SearchMatch {
  line_no: number;
  line: string;
  before: string[];
  after: string[];
}
export interface SearchResult {
  query: string;
  regex: boolean;
  case_sensitive: boolean;
  all_versions: boolean;
  group_id: string | null;
  devices_searched: number;
  devices_matched: number;
  versions_searched: number;
  elapsed_ms: number;
  truncated: boolean;
  results: { device_id: string; device_name: string; history_id: string; created_at: string; more_matches: boolean; matches: SearchMatch[] }[];
  warnings: string[];
}
export interface Blame {
  device_id: string;
  device_name: string;
  history_id: string;
  versions_examined: number;
  complete: boolean;
  warnings: string[];
  lines: { line_no: number; text: string; history_id: string; since: string }[];
}

// ---- compliance (/compliance/*)
export type RuleKind = 'must_contain' | 'must_not_contain';
export type RuleMatch = 'line' | 'regex' | 'block';
export interface ComplianceRule {
  id: string;
  name: string;
  group_id: string | null;
  group_name: string | null;
  kind: RuleKind;
  match: RuleMatch;
  pattern: string;
  description: string;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}
export interface ComplianceReport {
  group_id: string | null;
  devices: {
    device_id: string;
    device_name: string;
    group_id: string | null;
    compliant: boolean | null;
    failing_rules: { rule_id: string; name: string; detail: string; since: string }[];
    rules_evaluated: number;
    evaluated_at: string | null;
    history_id: string | null;
  }[];
  summary: { compliant: number; non_compliant: number; unknown: number };
}
export interface EvaluateSummary {
  devices_evaluated: number;
  rules: number;
  results: number;
  compliant: number;
  non_compliant: number;
  violations: number;
  restored: number;
  without_config: number;
  elapsed_ms: number;
}
export interface DeviceCompliance {
  device_id: string;
  device_name: string;
  compliant: boolean | null;
  rules: { rule_id: string; name: string; kind: string; match: string; compliant: boolean; detail: string; since: string; evaluated_at: string; history_id: string | null }[];
  history: { rule_id: string; name: string; compliant: boolean; detail: string; history_id: string | null; at: string }[];
}
