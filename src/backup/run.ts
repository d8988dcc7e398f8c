// runBackup: one backup of one device, end to end — resolve the device, its credentials and
// driver; fetch over its protocol (SSH host key pinned on first use); normalize (the driver);
// store (blob + history + metadata + device state, via record.ts); emit events.
//
// One history row per job: a transient failure that will be retried records nothing (the
// caller retries); the row is written on success, on a permanent failure, or on the last
// attempt. A job whose row already exists (its worker died after recording) is not run again.
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { findDriver } from '../drivers/index.ts';
import { NetkeepError, classify } from '../errors.ts';
import { bus } from '../events/bus.ts';
import { resolveCredentials, transportCredentials } from '../inventory/credentials.ts';
import type { Keyring } from '../security/masterkey.ts';
import { decryptSecret } from '../security/secrets.ts';
import { BlobStore } from '../store/blobs.ts';
import type { MirrorChange } from '../store/git-mirror.ts';
import { volatileFilterFor } from '../store/history.ts';
import type { AlgorithmProfile, CliProtocol, Timeouts } from '../transports/types.ts';
import { fetchConfig, type FetchOptions, type FetchResult } from './fetch.ts';
import { isFileProtocol, protocolFetcher } from './protocols.ts';
import { mirrors } from '../store/mirror-config.ts';
import type { TlsOptions } from './protocol-types.ts';
import { recordBackup, recordFailure, type RecordBackupInput, type RecordBackupResult } from './record.ts';

type RecordInput = RecordBackupInput;
type RecordResult = RecordBackupResult;

export interface RunContext {
  db: Db;
  keyring: Keyring;
  dataDir: string;
}

export interface RunBackupOptions {
  deviceId: string;
  configId?: string;
  trigger: string;
  /** The queue job this run belongs to: at most one history row per job id. */
  jobId?: string;
  /** 0 for the first attempt. */
  attempt?: number;
  /**
   * Record a transient failure (true: the last attempt, or a direct call without retries).
   * False: a transient failure throws a RetryableBackupError and records nothing.
   */
  recordTransient?: boolean;
  /** Aborts the session (worker shutdown, attempt deadline). */
  signal?: AbortSignal;
  /** Longest the whole session may take (the attempt deadline), ms. */
  deadlineMs?: number;
  store?: BlobStore;
  mirror?: { enqueue(c: MirrorChange): void };
  /** For events. */
  zone?: string | null;
  /** How successful backups are recorded (default recordBackup; workers pass a BatchRecorder's). */
  recorder?: (input: RecordBackupInput) => Promise<RecordBackupResult>;
  /** How SSH/Telnet configs are fetched (default fetchConfig on this thread; workers pass their fetch pool's). */
  fetcher?: (o: FetchOptions) => Promise<FetchResult>;
}

export type RunBackupResult =
  | {
      status: 'success';
      historyId: string;
      deviceName: string;
      changed: boolean;
      significant: boolean;
      sha256: string;
      durationMs: number;
      /** True when the job had been recorded by an earlier attempt and was not run again. */
      alreadyRecorded?: boolean;
    }
  | {
      status: 'failure';
      historyId: string;
      deviceName: string;
      failureClass: string;
      message: string;
      permanent: boolean;
      durationMs: number;
      alreadyRecorded?: boolean;
    };

/** A transient failure of an attempt that will be retried; nothing was recorded. */
export class RetryableBackupError extends NetkeepError {
  constructor(e: NetkeepError) {
    super(e.failureClass, e.message, e.details, { cause: e });
    this.name = 'RetryableBackupError';
  }
}

interface DeviceRow {
  id: string;
  name: string;
  address: string;
  port: number | null;
  driver: string;
  protocol: string;
  enabled: boolean;
  credential_profile_id: string | null;
  zone: string | null;
  options: unknown;
  group_options: unknown;
  host_key: string | null;
  last_status: string | null;
  failing_since: Date | null;
  consecutive_failures: number;
}

interface ProfileCols {
  profile_id: string | null;
  username: string | null;
  password_enc: string | null;
  enable_password_enc: string | null;
  private_key_enc: string | null;
  passphrase_enc: string | null;
}

/**
 * Decrypted secrets by their stored (encrypted) form, for a minute: the devices of one pass
 * mostly share a few credential profiles, which are then decrypted once rather than per device.
 */
const secretCache = new WeakMap<Keyring, Map<string, { value: string; at: number }>>();
const SECRET_TTL_MS = 60_000;

function decryptCached(keyring: Keyring, stored: string): string {
  let m = secretCache.get(keyring);
  if (!m) secretCache.set(keyring, (m = new Map()));
  const now = Date.now();
  const hit = m.get(stored);
  if (hit && now - hit.at < SECRET_TTL_MS) return hit.value;
  const value = decryptSecret(keyring, stored);
  if (m.size >= 4096) m.clear();
  m.set(stored, { value, at: now });
  return value;
}

/** What resolveCredentials returns, from the columns read with the device. */
function credentialsOf(keyring: Keyring, p: ProfileCols) {
  const dec = (v: string | null) => (v === null ? null : decryptCached(keyring, v));
  return { username: p.username, password: dec(p.password_enc), enablePassword: dec(p.enable_password_enc), privateKey: dec(p.private_key_enc), passphrase: dec(p.passphrase_enc) };
}

/** Group, device and backup-configuration options, later ones winning; `timeouts` merged key by key. */
function mergeOptions(...layers: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      out[k] = k === 'timeouts' ? { ...obj(out[k]), ...obj(v) } : v;
    }
  }
  return out;
}

/** A "significant" filter from a protocol's volatile-line patterns. */
function dropLinesMatching(patterns: RegExp[]): (text: string) => string {
  return (text) =>
    text
      .split('\n')
      .filter((line) => !patterns.some((re) => { re.lastIndex = 0; return re.test(line); }))
      .join('\n');
}

function obj(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

/** Per-device timeouts from `options.timeouts` ({connectMs, idleMs, sessionMs}) or `options.timeout` (seconds). */
function timeoutsOf(options: Record<string, unknown>, deadlineMs?: number): Partial<Timeouts> {
  const t: Partial<Timeouts> = {};
  const o = obj(options.timeouts);
  for (const k of ['connectMs', 'idleMs', 'sessionMs'] as const) if (typeof o[k] === 'number' && (o[k] as number) > 0) t[k] = o[k] as number;
  if (typeof options.timeout === 'number' && options.timeout > 0) {
    t.connectMs ??= options.timeout * 1000;
    t.idleMs ??= options.timeout * 1000;
  }
  if (deadlineMs && deadlineMs > 0) {
    t.sessionMs = Math.min(t.sessionMs ?? deadlineMs, deadlineMs);
    t.connectMs = Math.min(t.connectMs ?? 10_000, deadlineMs);
    t.idleMs = Math.min(t.idleMs ?? 30_000, deadlineMs);
  }
  return t;
}

async function existingRow(db: Db, jobId: string) {
  return db
    .selectFrom('backup_history')
    .select(['id', 'status', 'changed', 'significant', 'checksum', 'error_class', 'error_message'])
    .where('job_id', '=', jobId)
    .executeTakeFirst();
}

function isUniqueJobViolation(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string; message?: string };
  return e?.code === '23505' && (e.constraint === 'backup_history_job_once_idx' || /backup_history_job_once_idx/.test(String(e.message)));
}

function fromExisting(row: NonNullable<Awaited<ReturnType<typeof existingRow>>>, deviceName: string): RunBackupResult {
  return row.status === 'success'
    ? { status: 'success', historyId: row.id, deviceName, changed: !!row.changed, significant: !!row.significant, sha256: row.checksum, durationMs: 0, alreadyRecorded: true }
    : {
        status: 'failure',
        historyId: row.id,
        deviceName,
        failureClass: row.error_class ?? 'internal',
        message: row.error_message ?? '',
        permanent: true,
        durationMs: 0,
        alreadyRecorded: true,
      };
}

const DEVICE_COLUMNS = [
  'g.options as group_options',
  'd.id',
  'd.name',
  'd.address',
  'd.port',
  'd.driver',
  'd.protocol',
  'd.enabled',
  'd.credential_profile_id',
  'd.zone',
  'd.options',
  'd.host_key',
  'd.last_status',
  'd.failing_since',
  'd.consecutive_failures',
  'p.id as profile_id',
  'p.username',
  'p.password_enc',
  'p.enable_password_enc',
  'p.private_key_enc',
  'p.passphrase_enc',
] as const;

function selectDevicesForRun(db: Db) {
  return db
    .selectFrom('devices as d')
    .leftJoin('credential_profiles as p', 'p.id', 'd.credential_profile_id')
    .leftJoin('device_groups as g', 'g.id', 'd.group_id')
    .select([...DEVICE_COLUMNS]);
}

type RunDevice = DeviceRow & ProfileCols;
const deviceLoads = new WeakMap<Db, Map<string, { resolve: (d: RunDevice | undefined) => void; reject: (e: unknown) => void }[]>>();

/**
 * The device row of a run. Lookups made in the same tick are answered by one query: a worker
 * starts a whole fetched batch of jobs at once, and on the embedded database every statement
 * costs the one JavaScript thread. A transaction handle is not shared (its reads stay its own).
 */
function loadDeviceForRun(db: Db, id: string): Promise<RunDevice | undefined> {
  if (db.isTransaction || !/^[0-9a-f-]{36}$/i.test(id)) {
    return selectDevicesForRun(db).where('d.id', '=', id).executeTakeFirst() as Promise<RunDevice | undefined>;
  }
  let pending = deviceLoads.get(db);
  const first = !pending;
  if (!pending) deviceLoads.set(db, (pending = new Map()));
  const p = new Promise<RunDevice | undefined>((resolve, reject) => {
    const list = pending.get(id) ?? [];
    list.push({ resolve, reject });
    pending.set(id, list);
  });
  if (first) {
    setImmediate(() => {
      const batch = deviceLoads.get(db)!;
      deviceLoads.delete(db);
      const ids = [...batch.keys()];
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        (selectDevicesForRun(db).where('d.id', 'in', chunk).execute() as Promise<RunDevice[]>).then(
          (rows) => {
            const byId = new Map(rows.map((r) => [r.id, r]));
            for (const k of chunk) for (const w of batch.get(k)!) w.resolve(byId.get(k.toLowerCase()));
          },
          (err) => {
            for (const k of chunk) for (const w of batch.get(k)!) w.reject(err);
          },
        );
      }
    });
  }
  return p;
}

const pins = new WeakMap<Db, { id: string; key: string; resolve: () => void; reject: (e: unknown) => void }[]>();

/**
 * Trust on first use: pin the key only if nobody pinned one meanwhile. Pins asked for in the
 * same tick (a batch of first backups) are written by one statement.
 */
function pinHostKey(db: Db, id: string, key: string): Promise<void> {
  if (db.isTransaction) {
    return db.updateTable('devices').set({ host_key: key, updated_at: new Date() }).where('id', '=', id).where('host_key', 'is', null).execute().then(() => {});
  }
  let list = pins.get(db);
  const first = !list;
  if (!list) pins.set(db, (list = []));
  const p = new Promise<void>((resolve, reject) => list.push({ id, key, resolve, reject }));
  if (first) {
    setImmediate(() => {
      const batch = pins.get(db)!;
      pins.delete(db);
      for (let i = 0; i < batch.length; i += 500) {
        const chunk = batch.slice(i, i + 500);
        sql`UPDATE devices AS d SET host_key = v.key, updated_at = now()
          FROM (VALUES ${sql.join(chunk.map((c) => sql`(${c.id}::uuid, ${c.key})`))}) AS v(id, key)
          WHERE d.id = v.id AND d.host_key IS NULL`
          .execute(db)
          .then(
            () => chunk.forEach((c) => c.resolve()),
            (err) => chunk.forEach((c) => c.reject(err)),
          );
      }
    });
  }
  return p;
}

/** Run one backup. Throws RetryableBackupError for a transient failure when recordTransient is false. */
export async function runBackup(ctx: RunContext, o: RunBackupOptions): Promise<RunBackupResult> {
  const db = ctx.db;
  const startedAt = new Date();
  const t0 = performance.now();
  // the device and its credential profile in one query, shared with the other backups starting
  // in the same tick (a worker starts a fetched batch of jobs at once)
  const d = await loadDeviceForRun(db, o.deviceId);
  if (!d) {
    throw new NetkeepError('config_error', `device ${o.deviceId} no longer exists (deleted after the backup was queued); nothing to do`);
  }
  // Only a retried job can have a row already (its earlier attempt recorded, then its worker died).
  if (o.jobId && (o.attempt ?? 0) > 0) {
    const prior = await existingRow(db, o.jobId);
    if (prior) return fromExisting(prior, d.name);
  }
  const ref = {
    jobId: o.jobId ?? '',
    deviceId: d.id,
    deviceName: d.name,
    ...(o.configId ? { configId: o.configId } : {}),
    trigger: o.trigger,
    zone: o.zone ?? d.zone,
    attempt: o.attempt ?? 0,
  };
  // The backup configuration picks the protocol; settings come from the group, then the device,
  // then the backup configuration (later wins; timeouts merge key by key).
  const cfg = o.configId
    ? await db.selectFrom('backup_configs').select(['protocol', 'options']).where('id', '=', o.configId).where('device_id', '=', d.id).executeTakeFirst()
    : undefined;
  const options = mergeOptions(obj(d.group_options), obj(d.options), obj(cfg?.options));
  const protocol = cfg?.protocol ?? d.protocol;
  const driver = findDriver(d.driver);
  let config: string | undefined;
  let facts: Awaited<ReturnType<typeof fetchConfig>>['facts'] | undefined;
  let packed: FetchResult['packed'];
  let protocolVolatile: RegExp[] | undefined;
  let failure: NetkeepError | undefined;
  // trust on first use: pin the key only if nobody pinned one meanwhile
  const hostKey = d.host_key
    ? { pinned: d.host_key }
    : {
        onFirstUse: (key: string) => pinHostKey(db, d.id, key),
      };
  try {
    if (isFileProtocol(protocol)) {
      const c = d.credential_profile_id ? (d.profile_id ? credentialsOf(ctx.keyring, d) : await resolveCredentials(db, ctx.keyring, d.credential_profile_id)) : undefined;
      bus.emit('job.progress', { ...ref, at: new Date(), step: 'connecting' });
      const fetcher = await protocolFetcher(protocol);
      const r = await fetcher({
        host: d.address,
        ...(d.port ? { port: d.port } : {}),
        credentials: {
          ...(c?.username != null ? { username: c.username } : {}),
          ...(c?.password != null ? { password: c.password } : {}),
          ...(c?.privateKey != null ? { privateKey: c.privateKey } : {}),
          ...(c?.passphrase != null ? { passphrase: c.passphrase } : {}),
        },
        // protocol settings may sit flat in the options or under the protocol's name
        options: { ...options, ...obj(options[protocol]) },
        hostKey,
        tls: obj(options.tls) as TlsOptions,
        timeouts: timeoutsOf(options, o.deadlineMs),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      config = r.config;
      facts = r.facts;
      protocolVolatile = r.volatile;
    } else {
      if (!driver) {
        throw new NetkeepError('unknown_driver', `device ${d.name} uses driver "${d.driver}", which netkeep does not know; set a driver from 'netkeep drivers' on the device`);
      }
      if (!d.credential_profile_id) {
        throw new NetkeepError('config_error', `device ${d.name} has no credential profile; give it one (API: PATCH /api/v1/devices/${d.name} with {"credential_profile": NAME}, or import it again with credentials)`);
      }
      if (protocol !== 'ssh' && protocol !== 'telnet') {
        throw new NetkeepError('config_error', `device ${d.name} uses protocol "${protocol}", which netkeep does not know; use ssh, telnet, snmp, netconf, rest or sftp`);
      }
      const c = d.profile_id ? credentialsOf(ctx.keyring, d) : await resolveCredentials(db, ctx.keyring, d.credential_profile_id);
      bus.emit('job.progress', { ...ref, at: new Date(), step: 'connecting' });
      const r = await (o.fetcher ?? fetchConfig)({
        host: d.address,
        ...(d.port ? { port: d.port } : {}),
        protocol: protocol as CliProtocol,
        driver,
        credentials: transportCredentials(c),
        timeouts: timeoutsOf(options, o.deadlineMs),
        ...(typeof options.algorithms === 'string' ? { algorithms: options.algorithms as AlgorithmProfile } : {}),
        ...(options.vars && typeof options.vars === 'object' ? { vars: options.vars as Record<string, unknown> } : {}),
        ...(typeof options.mask_secrets === 'boolean' ? { maskSecrets: options.mask_secrets } : {}),
        hostKey,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      config = r.config;
      facts = r.facts;
      packed = r.packed;
    }
  } catch (err) {
    failure = classify(err, '');
    if (failure.failureClass === 'host_key_changed') {
      const seen = (failure.details?.seen as string | undefined) ?? null;
      if (seen) await db.updateTable('devices').set({ host_key_pending: seen, updated_at: new Date() }).where('id', '=', d.id).execute();
      failure = new NetkeepError(
        'host_key_changed',
        `${d.name} (${d.address}): the SSH host key changed since it was pinned; verify with the device owner that the change is expected, then accept the new key with 'netkeep device accept-key ${d.name}' (or in the web UI)`,
        failure.details,
        { cause: failure },
      );
    } else if (!failure.message.includes(d.name)) {
      failure = new NetkeepError(failure.failureClass, `${d.name}: ${failure.message}`, failure.details, { cause: failure });
    }
  }

  const durationMs = performance.now() - t0;
  if (failure) {
    const permanent = !failure.transient;
    if (!permanent && o.recordTransient === false) throw new RetryableBackupError(failure);
    let rec: { historyId: string; consecutiveFailures: number };
    try {
      rec = await recordFailure(ctx, {
        deviceId: d.id,
        ...(o.configId ? { configId: o.configId } : {}),
        error: failure,
        startedAt,
        completedAt: new Date(),
        trigger: o.trigger,
        driver: d.driver,
        durationMs,
        ...(o.jobId ? { jobId: o.jobId } : {}),
      });
    } catch (err) {
      if (o.jobId && isUniqueJobViolation(err)) {
        const prior = await existingRow(db, o.jobId);
        if (prior) return fromExisting(prior, d.name);
      }
      throw err;
    }
    const at = new Date();
    bus.emit('backup.failed', {
      deviceId: d.id,
      deviceName: d.name,
      historyId: rec.historyId,
      configId: o.configId ?? '',
      ...(o.jobId ? { jobId: o.jobId } : {}),
      at,
      failureClass: failure.failureClass,
      message: failure.message,
      consecutiveFailures: rec.consecutiveFailures,
      firstFailure: rec.consecutiveFailures === 1,
    });
    return { status: 'failure', historyId: rec.historyId, deviceName: d.name, failureClass: failure.failureClass, message: failure.message, permanent, durationMs };
  }

  bus.emit('job.progress', { ...ref, at: new Date(), step: 'storing' });
  let rec: Awaited<ReturnType<typeof recordBackup>>;
  try {
    rec = await (o.recorder ?? ((i: RecordBackupInput) => recordBackup(ctx, i)))({
      deviceId: d.id,
      ...(o.configId ? { configId: o.configId } : {}),
      text: config!,
      startedAt,
      completedAt: new Date(),
      trigger: o.trigger,
      driver: driver?.id ?? d.driver,
      ...(facts ? { facts } : {}),
      durationMs,
      ...(protocolVolatile
        ? { volatile: dropLinesMatching(protocolVolatile) }
        : driver && volatileFilterFor(driver.id)
          ? { volatile: volatileFilterFor(driver.id)! }
          : {}),
      ...(o.jobId ? { jobId: o.jobId } : {}),
      ...(packed ? { packed } : {}),
      ...(o.store ? { store: o.store } : {}),
      ...(o.mirror && mirrors(o.mirror as { mode?: 'all' | 'selected' }, options.git_mirror) ? { mirror: o.mirror } : {}),
    });
  } catch (err) {
    if (o.jobId && isUniqueJobViolation(err)) {
      const prior = await existingRow(db, o.jobId);
      if (prior) return fromExisting(prior, d.name);
    }
    const ne = classify(err, d.name);
    if (ne.transient && o.recordTransient === false) throw new RetryableBackupError(ne);
    throw ne;
  }
  const at = new Date();
  const bref = { deviceId: d.id, deviceName: d.name, historyId: rec.historyId, configId: rec.configId, ...(o.jobId ? { jobId: o.jobId } : {}), at };
  if (rec.changed) bus.emit('backup.changed', { ...bref, significant: rec.significant, previousId: rec.previousId, sha256: rec.sha256 });
  if (rec.significant) bus.emit('backup.significant', { ...bref, previousId: rec.previousId, sha256: rec.sha256 });
  if (d.last_status === 'failure') bus.emit('backup.recovered', { ...bref, failedSince: d.failing_since, failures: d.consecutive_failures });
  return { status: 'success', historyId: rec.historyId, deviceName: d.name, changed: rec.changed, significant: rec.significant, sha256: rec.sha256, durationMs };
}

/** How many history rows a job has (0 or 1): used by passes and tests. */
export async function historyRowsOfJob(db: Db, jobId: string): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM backup_history WHERE job_id = ${jobId}`.execute(db);
  return r.rows[0]?.n ?? 0;
}

/**
 * Records successful backups in batches: what `recordBackup` does for one backup (blob stored and
 * verified, one history row with its metadata, the device's state), for up to `maxBatch` at a
 * time in one transaction of a few statements instead of a dozen per backup. The blob is still
 * stored and verified per backup (BlobStore.put) before its row is written. Anything unusual
 * (no default backup config yet, two backups of one device in a batch, a conflict) goes through
 * `recordBackup` one by one, so the semantics stay those of record.ts.
 */
export class BatchRecorder {
  private readonly ctx: RunContext;
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  private pending: { input: RecordInput; resolve: (r: RecordResult) => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(ctx: RunContext, o: { maxBatch?: number; maxDelayMs?: number } = {}) {
    this.ctx = ctx;
    this.maxBatch = o.maxBatch ?? 64;
    this.maxDelayMs = o.maxDelayMs ?? 15;
  }

  record = (input: RecordInput): Promise<RecordResult> =>
    new Promise((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flushSoon(0);
      else this.flushSoon(this.maxDelayMs);
    });

  private flushSoon(ms: number) {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const batch = this.pending.splice(0, this.maxBatch);
      if (this.pending.length) this.flushSoon(this.maxDelayMs);
      void this.write(batch);
    }, ms);
  }

  private async write(batch: typeof this.pending): Promise<void> {
    const handled = new Set<(typeof batch)[number]>();
    const single = (b: (typeof batch)[number]) => {
      handled.add(b);
      return recordBackup(this.ctx, b.input).then(b.resolve, b.reject);
    };
    try {
      const db = this.ctx.db;
      const seen = new Set<string>();
      const work: typeof batch = [];
      const alone: typeof batch = [];
      for (const b of batch) {
        if (seen.has(b.input.deviceId) || typeof b.input.text !== 'string') alone.push(b);
        else {
          seen.add(b.input.deviceId);
          work.push(b);
        }
      }
      // default (running-config) backup configs of the devices that did not name one
      const configs = new Map<string, { id: string; compression_enabled: boolean; encryption_enabled: boolean }>();
      const named = work.filter((b) => b.input.configId).map((b) => b.input.configId!);
      const unnamed = work.filter((b) => !b.input.configId).map((b) => b.input.deviceId);
      if (unnamed.length) {
        const rows = await db
          .selectFrom('backup_configs')
          .select(['id', 'device_id', 'compression_enabled', 'encryption_enabled'])
          .where('device_id', 'in', unnamed)
          .where('backup_type', '=', 'running-config')
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        for (const r of rows) if (!configs.has(`d:${r.device_id}`)) configs.set(`d:${r.device_id}`, r);
      }
      const missing = unnamed.filter((id) => !configs.has(`d:${id}`));
      if (missing.length) {
        // First backup of these devices: create their running-config configs together, under the
        // same per-device advisory locks resolveBackupConfig takes (so no device gets two).
        const made = await db.transaction().execute(async (trx) => {
          // one statement, the locks taken in a fixed (sorted) order as before
          await sql`SELECT count(pg_advisory_xact_lock(hashtext(k))) FROM (SELECT k FROM unnest(ARRAY[${sql.join([...missing].sort().map((id) => 'netkeep-config:' + id))}]::text[]) AS k ORDER BY k) AS s`.execute(trx);
          return (
            await sql<{ id: string; device_id: string; compression_enabled: boolean; encryption_enabled: boolean }>`
              INSERT INTO backup_configs (device_id, backup_type, protocol, options, updated_at)
              SELECT d.id, 'running-config', d.protocol, '{}'::jsonb, now() FROM devices d
              WHERE d.id IN (${sql.join(missing)})
                AND NOT EXISTS (SELECT 1 FROM backup_configs c WHERE c.device_id = d.id AND c.backup_type = 'running-config')
              RETURNING id, device_id, compression_enabled, encryption_enabled`.execute(trx)
          ).rows;
        });
        for (const r of made) configs.set(`d:${r.device_id}`, r);
      }
      if (named.length) {
        const rows = await db.selectFrom('backup_configs').select(['id', 'device_id', 'compression_enabled', 'encryption_enabled']).where('id', 'in', named).execute();
        for (const r of rows) configs.set(`c:${r.id}:${r.device_id}`, r);
      }
      const cfgOf = (i: RecordInput) => configs.get(i.configId ? `c:${i.configId}:${i.deviceId}` : `d:${i.deviceId}`);
      const ready = work.filter((b) => cfgOf(b.input));
      for (const b of work) if (!cfgOf(b.input)) alone.push(b);
      for (const b of alone) void single(b);
      if (!ready.length) return;

      const store = ready[0].input.store ?? BlobStore.forContext(this.ctx);
      // blobs: each new one written, fsynced, read back and verified, each existing one re-read
      // and verified — with a few statements for the whole batch (BlobStore.putMany)
      const puts = await store.putMany(
        ready.map((b) => ({ content: b.input.text, opts: { compress: cfgOf(b.input)!.compression_enabled, encrypt: cfgOf(b.input)!.encryption_enabled }, ...(b.input.packed ? { packed: b.input.packed } : {}) })),
      );
      const ok: { b: (typeof batch)[number]; cfg: string; blob: Awaited<ReturnType<BlobStore['put']>> }[] = [];
      puts.forEach((p, i) => {
        if (p.status === 'fulfilled') ok.push({ b: ready[i], cfg: cfgOf(ready[i].input)!.id, blob: p.value });
        else {
          handled.add(ready[i]);
          ready[i].reject(p.reason);
        }
      });
      if (!ok.length) return;
      // the previous successful version of each config
      const prevRows = (
        await sql<{ config_id: string; id: string; checksum: string; started_at: Date }>`
          SELECT DISTINCT ON (config_id) config_id, id, checksum, started_at FROM backup_history
          WHERE config_id IN (${sql.join(ok.map((o) => o.cfg))}) AND status = 'success'
          ORDER BY config_id, started_at DESC, created_at DESC`.execute(db)
      ).rows;
      const prevOf = new Map(prevRows.map((r) => [r.config_id, r]));
      const rows = await Promise.all(
        ok.map(async (o) => {
          const i = o.b.input;
          let prev = prevOf.get(o.cfg);
          if (prev && prev.started_at.getTime() > i.startedAt.getTime()) prev = undefined; // a late record: leave it to recordBackup
          const changed = !prev || prev.checksum !== o.blob.sha256;
          let significant = changed;
          if (changed && prev && i.volatile) {
            try {
              significant = i.volatile(await store.getText(prev.checksum)) !== i.volatile(i.text as string);
            } catch {
              significant = true;
            }
          }
          return { ...o, prev, changed, significant, late: !!prevOf.get(o.cfg) && !prev };
        }),
      );
      const late = rows.filter((r) => r.late);
      for (const r of late) void single(r.b);
      const go = rows.filter((r) => !r.late);
      if (!go.length) return;

      const ids = await db.transaction().execute(async (trx) => {
        const shas = [...new Set(go.map((r) => r.blob.sha256))];
        const held = await trx.selectFrom('blobs').select('sha256').where('sha256', 'in', shas).forShare().execute();
        if (held.length !== shas.length) throw new Error('blob vanished');
        const inserted = await trx
          .insertInto('backup_history')
          .values(
            go.map((r) => ({
              config_id: r.cfg,
              device_id: r.b.input.deviceId,
              status: 'success',
              file_path: r.blob.sha256,
              file_size: r.blob.size,
              checksum: r.blob.sha256,
              error_message: null,
              started_at: r.b.input.startedAt,
              completed_at: r.b.input.completedAt,
              trigger: r.b.input.trigger,
              error_class: null,
              job_id: r.b.input.jobId ?? null,
              changed: r.changed,
              significant: r.significant,
            })),
          )
          .returning(['id', 'device_id'])
          .execute();
        const idOf = new Map(inserted.map((x) => [x.device_id, x.id]));
        const meta = go.flatMap((r) => {
          const i = r.b.input;
          return Object.entries({
            driver: i.driver,
            os_version: i.facts?.osVersion,
            model: i.facts?.model,
            serial: i.facts?.serial,
            duration_ms: Math.round(i.durationMs),
            // changed, significant, trigger: the history row's columns (as in record.ts)
          })
            .filter(([, v]) => v !== undefined && v !== null && v !== '')
            .map(([key, value]) => ({ backup_id: idOf.get(i.deviceId)!, key, value: String(value) }));
        });
        if (meta.length) await trx.insertInto('backup_metadata').values(meta).execute();
        // device state, with record.ts's rules: an older run never overwrites newer state
        await sql`UPDATE devices AS d SET
            last_success_at = v.at,
            last_change_at = CASE WHEN v.changed THEN v.at ELSE d.last_change_at END,
            last_status = CASE WHEN d.last_attempt_at IS NULL OR d.last_attempt_at <= v.at THEN 'success' ELSE d.last_status END,
            consecutive_failures = CASE WHEN d.last_attempt_at IS NULL OR d.last_attempt_at <= v.at THEN 0 ELSE d.consecutive_failures END,
            failing_since = CASE WHEN d.last_attempt_at IS NULL OR d.last_attempt_at <= v.at THEN NULL ELSE d.failing_since END,
            last_error = CASE WHEN d.last_attempt_at IS NULL OR d.last_attempt_at <= v.at THEN NULL ELSE d.last_error END,
            last_error_class = CASE WHEN d.last_attempt_at IS NULL OR d.last_attempt_at <= v.at THEN NULL ELSE d.last_error_class END,
            last_attempt_at = CASE WHEN d.last_attempt_at IS NULL OR d.last_attempt_at <= v.at THEN v.at ELSE d.last_attempt_at END,
            updated_at = now()
          FROM (VALUES ${sql.join(go.map((r) => sql`(${r.b.input.deviceId}::uuid, ${r.b.input.completedAt}::timestamptz, ${r.changed}::boolean)`))}) AS v(id, at, changed)
          WHERE d.id = v.id AND (d.last_success_at IS NULL OR d.last_success_at <= v.at)`.execute(trx);
        return idOf;
      });
      // the git mirror, for changed configs (never fails a recorded backup)
      const changedOnes = go.filter((r) => r.changed && r.b.input.mirror);
      if (changedOnes.length) {
        try {
          const names = await db
            .selectFrom('devices as d')
            .leftJoin('device_groups as g', 'g.id', 'd.group_id')
            .select(['d.id', 'd.name', 'g.name as group'])
            .where('d.id', 'in', changedOnes.map((r) => r.b.input.deviceId))
            .execute();
          const byId = new Map(names.map((n) => [n.id, n]));
          for (const r of changedOnes) {
            const n = byId.get(r.b.input.deviceId);
            if (n) r.b.input.mirror!.enqueue({ deviceName: n.name, group: n.group, text: r.b.input.text, at: r.b.input.completedAt, trigger: r.b.input.trigger, historyId: ids.get(r.b.input.deviceId)! });
          }
        } catch {
          /* the mirror is a copy */
        }
      }
      for (const r of go) {
        handled.add(r.b);
        r.b.resolve({ historyId: ids.get(r.b.input.deviceId)!, configId: r.cfg, sha256: r.blob.sha256, size: r.blob.size, changed: r.changed, significant: r.significant, previousId: r.prev?.id ?? null, blob: r.blob });
      }
    } catch {
      // a conflict (a job recorded meanwhile), a vanished blob, a database hiccup: one by one,
      // where record.ts and the callers handle each case
      for (const b of batch) if (!handled.has(b)) void single(b);
    }
  }
}
