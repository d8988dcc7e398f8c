// What a notification is: the events channels may subscribe to, one event ready to be told
// (title, text, severity, the diff of a change), and what a channel's sender gets.

export const NOTIFY_EVENTS = ['config.changed', 'backup.failed', 'backup.recovered', 'compliance.violation', 'compliance.restored', 'restore.finished'] as const;
export type NotifyEventName = (typeof NOTIFY_EVENTS)[number];

export const CHANNEL_KINDS = ['webhook', 'slack', 'teams', 'email', 'syslog'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** RFC 5424 severities netkeep uses. */
export type Severity = 'error' | 'warning' | 'notice' | 'info';

export interface NotifyEvent {
  event: NotifyEventName | 'test';
  deviceId: string | null;
  deviceName: string | null;
  groupId: string | null;
  at: Date;
  severity: Severity;
  /** One line: "r1: backup failed (auth failed)". */
  title: string;
  /** A few lines for people. */
  text: string;
  /** Unified diff of a configuration change (may be cut short). */
  diff?: string;
  /** What the quiet period compares: the same key within quiet_seconds is not sent again. */
  dedupKey: string;
  /** Facts for machines (webhook JSON, syslog structured data): snake_case keys, scalar values. */
  data: Record<string, string | number | boolean | null>;
  /** For backup.failed / backup.recovered: the consecutive failures (the threshold applies to it). */
  consecutiveFailures?: number;
}

/** A channel as a sender sees it: its settings, with the secrets decrypted. */
export interface ResolvedChannel {
  id: string;
  name: string;
  kind: ChannelKind;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
}

export interface SendOptions {
  /** Attempts for HTTP channels (1 = no retry). */
  attempts?: number;
  /** First retry delay in ms (doubles each time, ±20% jitter). */
  retryBaseMs?: number;
  signal?: AbortSignal;
}

export interface SendResult {
  ok: boolean;
  attempts: number;
  error?: string;
}
