// Notification channels in the database: create, read, change, delete, with each kind's settings
// checked and its secrets (webhook signing secret, Slack/Teams URL, SMTP password) encrypted
// under the master key and never given back — views list which secrets are set, not their values.
import type { Db } from '../db/index.ts';
import { jsonb } from '../db/index.ts';
import { InputError } from '../errors.ts';
import { isPlainObject, isUniqueViolation, isUuid } from '../inventory/common.ts';
import { validateObjectName } from '../inventory/groups.ts';
import type { Keyring } from '../security/masterkey.ts';
import { decryptSecret, encryptSecret } from '../security/secrets.ts';
import { registerSecret } from '../logging/redact.ts';
import { CHANNEL_KINDS, NOTIFY_EVENTS, type ChannelKind, type ResolvedChannel } from './types.ts';

/** The settings of each kind that are secrets (write-only). */
export const SECRET_FIELDS: Record<ChannelKind, readonly string[]> = {
  webhook: ['secret'],
  slack: ['url'],
  teams: ['url'],
  email: ['password'],
  syslog: [],
};

const PLAIN_FIELDS: Record<ChannelKind, readonly string[]> = {
  webhook: ['url'],
  slack: [],
  teams: [],
  email: ['host', 'port', 'tls', 'username', 'from', 'to', 'ca', 'verify_tls'],
  syslog: ['host', 'port', 'transport', 'facility', 'hostname', 'app_name'],
};

export interface ChannelView {
  id: string;
  name: string;
  kind: ChannelKind;
  config: Record<string, unknown>;
  secrets_set: string[];
  group_id: string | null;
  events: string[];
  enabled: boolean;
  failure_threshold: number;
  quiet_seconds: number;
  created_at: Date;
  updated_at: Date;
}

export interface ChannelInput {
  name?: string;
  kind?: string;
  config?: Record<string, unknown>;
  group_id?: string | null;
  events?: string[];
  enabled?: boolean;
  failure_threshold?: number;
  quiet_seconds?: number;
}

const bad = (code: string, msg: string) => new InputError(code, msg, 400);

function httpUrl(v: unknown, what: string): string {
  let u: URL | undefined;
  try {
    u = typeof v === 'string' ? new URL(v) : undefined;
  } catch {
    u = undefined;
  }
  if (!u || !/^https?:$/.test(u.protocol)) throw bad('invalid_channel_config', `${what} must be an http:// or https:// URL, e.g. https://hooks.example.net/netkeep`);
  return u.toString();
}

const isPort = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
const hostOk = (v: unknown) => typeof v === 'string' && /^[A-Za-z0-9._:-]{1,255}$/.test(v);

/** Check a full set of settings of one kind (plain and secret together). */
function checkConfig(kind: ChannelKind, c: Record<string, unknown>): void {
  const known = new Set([...PLAIN_FIELDS[kind], ...SECRET_FIELDS[kind]]);
  for (const k of Object.keys(c)) {
    if (!known.has(k)) throw bad('invalid_channel_config', `a ${kind} channel has no setting "${k}"; its settings are ${[...known].join(', ')}`);
  }
  const need = (k: string, hint: string) => {
    if (c[k] === undefined || c[k] === null || c[k] === '') throw bad('invalid_channel_config', `a ${kind} channel needs "${k}" (${hint})`);
  };
  switch (kind) {
    case 'webhook':
      need('url', 'where netkeep POSTs the JSON');
      httpUrl(c.url, 'url');
      need('secret', 'the HMAC-SHA256 signing key the receiver shares, at least 16 characters');
      if (typeof c.secret !== 'string' || c.secret.length < 16) throw bad('invalid_channel_config', 'the webhook "secret" must be a string of at least 16 characters (e.g. from: openssl rand -hex 32)');
      break;
    case 'slack':
    case 'teams':
      need('url', `the incoming-webhook URL ${kind === 'slack' ? 'Slack' : 'Teams (Workflows or connector)'} gave you`);
      httpUrl(c.url, 'url');
      break;
    case 'email':
      need('host', 'the SMTP server');
      if (!hostOk(c.host)) throw bad('invalid_channel_config', 'email "host" must be a host name or address');
      need('from', 'the sender address');
      need('to', 'a list of recipient addresses');
      if (c.port !== undefined && !isPort(c.port)) throw bad('invalid_channel_config', 'email "port" must be a whole number from 1 to 65535 (587 for STARTTLS, 465 for implicit TLS)');
      if (c.tls !== undefined && !['starttls', 'implicit', 'none'].includes(c.tls as string)) throw bad('invalid_channel_config', 'email "tls" is one of starttls (default), implicit, none');
      if (typeof c.from !== 'string' || !/^[^@\s]+@[^@\s]+$|<[^@\s]+@[^@\s]+>$/.test(c.from)) throw bad('invalid_channel_config', `email "from" must be an address, e.g. netkeep@example.net`);
      if (!Array.isArray(c.to) || !c.to.length || !c.to.every((a) => typeof a === 'string' && /^[^@\s]+@[^@\s]+$/.test(a))) throw bad('invalid_channel_config', 'email "to" must be a list of addresses, e.g. ["noc@example.net"]');
      if (c.username !== undefined && typeof c.username !== 'string') throw bad('invalid_channel_config', 'email "username" must be a string');
      if (c.password !== undefined && typeof c.password !== 'string') throw bad('invalid_channel_config', 'email "password" must be a string');
      if (c.ca !== undefined && (typeof c.ca !== 'string' || !c.ca.includes('-----BEGIN CERTIFICATE-----'))) throw bad('invalid_channel_config', 'email "ca" must be a PEM certificate (-----BEGIN CERTIFICATE-----)');
      if (c.verify_tls !== undefined && typeof c.verify_tls !== 'boolean') throw bad('invalid_channel_config', 'email "verify_tls" must be true or false');
      break;
    case 'syslog':
      need('host', 'the syslog server');
      if (!hostOk(c.host)) throw bad('invalid_channel_config', 'syslog "host" must be a host name or address');
      if (c.port !== undefined && !isPort(c.port)) throw bad('invalid_channel_config', 'syslog "port" must be a whole number from 1 to 65535 (514 by default)');
      if (c.transport !== undefined && !['udp', 'tcp'].includes(c.transport as string)) throw bad('invalid_channel_config', 'syslog "transport" is udp (default) or tcp');
      if (c.facility !== undefined && !(Number.isInteger(c.facility) && (c.facility as number) >= 0 && (c.facility as number) <= 23)) throw bad('invalid_channel_config', 'syslog "facility" is a number from 0 to 23 (16 = local0, the default)');
      for (const k of ['hostname', 'app_name']) if (c[k] !== undefined && (typeof c[k] !== 'string' || !/^[\x21-\x7e]{1,48}$/.test(c[k] as string))) throw bad('invalid_channel_config', `syslog "${k}" must be 1–48 printable characters without spaces`);
      break;
  }
}

function checkEvents(events: unknown): string[] {
  if (!Array.isArray(events) || !events.length) throw bad('invalid_channel_events', `"events" must be a non-empty list of ${NOTIFY_EVENTS.join(', ')}`);
  for (const e of events) {
    if (!(NOTIFY_EVENTS as readonly string[]).includes(e as string)) throw bad('invalid_channel_events', `"${e}" is not an event netkeep notifies about; use ${NOTIFY_EVENTS.join(', ')}`);
  }
  return [...new Set(events as string[])];
}

async function checkGroup(db: Db, id: string | null | undefined): Promise<string | null> {
  if (id === null || id === undefined) return null;
  const g = isUuid(id) ? await db.selectFrom('device_groups').select('id').where('id', '=', id).executeTakeFirst() : undefined;
  if (!g) throw new InputError('group_not_found', `no device group with id "${id}"; list the groups (GET /api/v1/groups), or give null for all devices`, 400);
  return g.id;
}

function checkNumbers(i: ChannelInput): void {
  if (i.failure_threshold !== undefined && !(Number.isInteger(i.failure_threshold) && i.failure_threshold >= 1 && i.failure_threshold <= 1000)) {
    throw bad('invalid_failure_threshold', '"failure_threshold" is the number of consecutive failures before "backup.failed" is sent: a whole number from 1 to 1000');
  }
  if (i.quiet_seconds !== undefined && !(Number.isInteger(i.quiet_seconds) && i.quiet_seconds >= 0 && i.quiet_seconds <= 7 * 86_400)) {
    throw bad('invalid_quiet_seconds', '"quiet_seconds" (how long the same event for the same device is not repeated) is a whole number from 0 to 604800 (a week)');
  }
}

function split(kind: ChannelKind, c: Record<string, unknown>): { plain: Record<string, unknown>; secrets: Record<string, string> } {
  const plain: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(c)) {
    if (v === null || v === undefined) continue;
    if (SECRET_FIELDS[kind].includes(k)) registerSecret((secrets[k] = String(v)));
    else plain[k] = v;
  }
  return { plain, secrets };
}

type Row = {
  id: string;
  name: string;
  kind: ChannelKind;
  config: Record<string, unknown>;
  secrets_enc: string | null;
  group_id: string | null;
  events: string[];
  enabled: boolean;
  failure_threshold: number;
  quiet_seconds: number;
  created_at: Date;
  updated_at: Date;
};

function secretsOf(keyring: Keyring, r: Pick<Row, 'secrets_enc'>): Record<string, string> {
  const s = r.secrets_enc ? (JSON.parse(decryptSecret(keyring, r.secrets_enc)) as Record<string, string>) : {};
  for (const v of Object.values(s)) registerSecret(v);
  return s;
}

function view(keyring: Keyring, r: Row): ChannelView {
  const { secrets_enc: _s, ...rest } = r;
  return { ...rest, secrets_set: Object.keys(secretsOf(keyring, r)).sort() };
}

const taken = (name: string) => new InputError('channel_name_taken', `a notification channel named "${name}" already exists; choose another name`, 409);

export async function createChannel(db: Db, keyring: Keyring, i: ChannelInput): Promise<ChannelView> {
  const name = validateObjectName('channel', i.name);
  if (!(CHANNEL_KINDS as readonly string[]).includes(i.kind as string)) throw bad('invalid_channel_kind', `"kind" is one of ${CHANNEL_KINDS.join(', ')}`);
  const kind = i.kind as ChannelKind;
  if (!isPlainObject(i.config)) throw bad('invalid_channel_config', `"config" must be a JSON object with the ${kind} settings (see docs/notifications.md)`);
  checkConfig(kind, i.config);
  checkNumbers(i);
  const events = i.events === undefined ? [...NOTIFY_EVENTS] : checkEvents(i.events);
  const groupId = await checkGroup(db, i.group_id);
  const { plain, secrets } = split(kind, i.config);
  try {
    const r = await db
      .insertInto('notify_channels')
      .values({
        name,
        kind,
        config: jsonb(plain),
        secrets_enc: Object.keys(secrets).length ? encryptSecret(keyring, JSON.stringify(secrets)) : null,
        group_id: groupId,
        events: jsonb(events),
        ...(i.enabled !== undefined ? { enabled: i.enabled } : {}),
        ...(i.failure_threshold !== undefined ? { failure_threshold: i.failure_threshold } : {}),
        ...(i.quiet_seconds !== undefined ? { quiet_seconds: i.quiet_seconds } : {}),
        updated_at: new Date(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return view(keyring, r as Row);
  } catch (err) {
    if (isUniqueViolation(err)) throw taken(name);
    throw err;
  }
}

async function load(db: Db, id: string): Promise<Row> {
  const r = isUuid(id) ? await db.selectFrom('notify_channels').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!r) throw new InputError('channel_not_found', `no notification channel with id "${id}"; list them with GET /api/v1/notifications/channels`, 404);
  return r as Row;
}

/** The id of a channel given by id or name. */
export async function channelId(db: Db, idOrName: string): Promise<string> {
  const r = isUuid(idOrName)
    ? await db.selectFrom('notify_channels').select('id').where('id', '=', idOrName).executeTakeFirst()
    : await db.selectFrom('notify_channels').select('id').where('name', '=', idOrName).executeTakeFirst();
  if (!r) throw new InputError('channel_not_found', `no notification channel "${idOrName}"; list them with: netkeep notify channels`, 404);
  return r.id;
}

export async function getChannel(db: Db, keyring: Keyring, id: string): Promise<ChannelView> {
  return view(keyring, await load(db, id));
}

export async function listChannels(db: Db, keyring: Keyring): Promise<ChannelView[]> {
  const rows = await db.selectFrom('notify_channels').selectAll().orderBy('name').execute();
  return rows.map((r) => view(keyring, r as Row));
}

/** Change a channel. `config` is merged key by key (null removes a key); secret keys replace the stored secrets. */
export async function updateChannel(db: Db, keyring: Keyring, id: string, i: ChannelInput): Promise<ChannelView> {
  const cur = await load(db, id);
  if (i.kind !== undefined && i.kind !== cur.kind) throw bad('channel_kind_fixed', `a channel's kind cannot change (it is ${cur.kind}); create a new channel and delete this one`);
  const name = i.name === undefined ? cur.name : validateObjectName('channel', i.name);
  checkNumbers(i);
  let config = cur.config;
  let secretsEnc = cur.secrets_enc;
  if (i.config !== undefined) {
    if (!isPlainObject(i.config)) throw bad('invalid_channel_config', '"config" must be a JSON object of the settings to change');
    const merged: Record<string, unknown> = { ...cur.config, ...secretsOf(keyring, cur) };
    for (const [k, v] of Object.entries(i.config)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    checkConfig(cur.kind, merged);
    const s = split(cur.kind, merged);
    config = s.plain;
    secretsEnc = Object.keys(s.secrets).length ? encryptSecret(keyring, JSON.stringify(s.secrets)) : null;
  }
  const groupId = i.group_id === undefined ? cur.group_id : await checkGroup(db, i.group_id);
  const events = i.events === undefined ? cur.events : checkEvents(i.events);
  try {
    const r = await db
      .updateTable('notify_channels')
      .set({
        name,
        config: jsonb(config),
        secrets_enc: secretsEnc,
        group_id: groupId,
        events: jsonb(events),
        ...(i.enabled !== undefined ? { enabled: i.enabled } : {}),
        ...(i.failure_threshold !== undefined ? { failure_threshold: i.failure_threshold } : {}),
        ...(i.quiet_seconds !== undefined ? { quiet_seconds: i.quiet_seconds } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', cur.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return view(keyring, r as Row);
  } catch (err) {
    if (isUniqueViolation(err)) throw taken(name);
    throw err;
  }
}

export async function deleteChannel(db: Db, id: string): Promise<void> {
  const cur = await load(db, id);
  await db.deleteFrom('notify_channels').where('id', '=', cur.id).execute();
}

export interface RoutedChannel extends ResolvedChannel {
  groupId: string | null;
  events: string[];
  failureThreshold: number;
  quietSeconds: number;
}

/** The enabled channels with their secrets decrypted: what the dispatcher sends through. */
export async function enabledChannels(db: Db, keyring: Keyring, onError?: (name: string, err: Error) => void): Promise<RoutedChannel[]> {
  const rows = (await db.selectFrom('notify_channels').selectAll().where('enabled', '=', true).orderBy('name').execute()) as Row[];
  const out: RoutedChannel[] = [];
  for (const r of rows) {
    try {
      out.push(resolved(keyring, r));
    } catch (err) {
      onError?.(r.name, err as Error); // e.g. its secrets were sealed under a master key this process lacks: the others still send
    }
  }
  return out;
}

export async function resolveChannel(db: Db, keyring: Keyring, id: string): Promise<RoutedChannel> {
  return resolved(keyring, await load(db, id));
}

function resolved(keyring: Keyring, r: Row): RoutedChannel {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    config: r.config,
    secrets: secretsOf(keyring, r),
    groupId: r.group_id,
    events: r.events,
    failureThreshold: r.failure_threshold,
    quietSeconds: r.quiet_seconds,
  };
}

export async function listDeliveries(db: Db, channelId: string, limit = 50) {
  await load(db, channelId);
  return db.selectFrom('notify_deliveries').selectAll().where('channel_id', '=', channelId).orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
}
