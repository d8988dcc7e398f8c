// The backup job queue on pg-boss: one pg-boss instance per open database (PGlite through
// netkeep's serialized handle, or PostgreSQL by URL), one queue per poller zone, one job per
// device backup. `enqueueBackup` is what the scheduler, the API and `netkeep backup` call.
//
// Guarantees made here (see docs/decisions/0020-jobs-and-workers.md):
//  * singleton: the queue policy is `stately` and the singleton key is device + backup config,
//    so at most one job per device and backup type is active and at most one more waits; a
//    second request while one waits returns the waiting job's id (queued: false);
//  * retries: transient failures back off exponentially with jitter (pg-boss retryBackoff);
//    permanent ones are failed terminally by the worker;
//  * a deadline per attempt: expireInSeconds, after which a job held by a dead worker is retried;
//  * per-group / per-site session limits: the job carries a pg-boss group (id = the limit
//    domain, tier = "max<N>"), which every worker's fetch honours across processes.
import { randomUUID } from 'node:crypto';
import { PgBoss } from 'pg-boss';
import type { ConstructorOptions, JobInsert, SendOptions } from 'pg-boss';
import { fromPglite } from 'pg-boss/dist/adapters/pglite.js';
import type { AppContext } from '../context.ts';
import type { NetkeepDb } from '../db/index.ts';
import { InputError, NetkeepError } from '../errors.ts';
import { bus } from '../events/bus.ts';

export const BACKUP_QUEUE = 'netkeep-backup';

export type BackupTrigger = 'schedule' | 'manual' | 'api' | 'pass';

/** What a backup job carries. */
export interface BackupJobData {
  deviceId: string;
  configId?: string;
  trigger: BackupTrigger | string;
  /** Set by `runPass`: which pass the job belongs to. */
  passId?: string;
  /** Who asked (username), for the audit trail. */
  requestedBy?: string;
}

export interface EnqueueRequest {
  deviceId: string;
  /** The backup config (backup type); default: the device's running-config one. */
  configId?: string;
  trigger: BackupTrigger | string;
  passId?: string;
  requestedBy?: string;
  /** Higher runs first (default 0; manual/API requests use 10). */
  priority?: number;
  /** Run no earlier than this (the per-device minimum interval may push it later). */
  startAfter?: Date;
}

export interface EnqueueResult {
  jobId: string;
  /** False when a job for the same device and backup type was already waiting: jobId is that job. */
  queued: boolean;
  queue: string;
  /** When the job may start (set when the minimum interval deferred it). */
  startAfter?: Date;
}

/** Tunables of the queue; defaults suit production, tests shorten the deadlines. */
export interface QueueSettings {
  /** Longest one attempt may take before it counts as lost (dead worker) and is retried. */
  attemptDeadlineSeconds: number;
  /** Retries after the first attempt, for transient failures only. */
  retryLimit: number;
  /** First retry delay; doubles each time with jitter. */
  retryDelaySeconds: number;
  retryDelayMaxSeconds: number;
  /** Minimum seconds between two backups of one device (0: none). */
  deviceMinIntervalSeconds: number;
  /** How often expired jobs (dead workers) are looked for. */
  superviseIntervalSeconds: number;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  attemptDeadlineSeconds: 330,
  retryLimit: 3,
  retryDelaySeconds: 30,
  retryDelayMaxSeconds: 600,
  deviceMinIntervalSeconds: 0,
  superviseIntervalSeconds: 30,
};

/** The queue of a poller zone; devices without a zone are in the default queue. */
export function queueName(zone?: string | null): string {
  if (!zone) return BACKUP_QUEUE;
  if (!/^[\w.-]{1,64}$/.test(zone)) {
    throw new InputError('invalid_zone', `zone "${zone}" may only contain letters, digits, '.', '_' and '-' (at most 64); rename the zone on the device`);
  }
  return `${BACKUP_QUEUE}.zone.${zone}`;
}

export function singletonKeyOf(deviceId: string, configId?: string): string {
  return `${deviceId}/${configId ?? 'running-config'}`;
}

/** Tiers for per-domain session limits: "max<N>" allows N jobs of one group at once. */
export const LIMIT_TIERS: Record<string, number> = Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`max${i + 1}`, i + 1]));
export const GROUP_CONCURRENCY = { default: 1_000_000, tiers: LIMIT_TIERS };

interface BossEntry {
  boss: PgBoss;
  settings: QueueSettings;
  /** Settings were given to this process (not the defaults): they win over the queue's. */
  explicit: boolean;
  queues: Set<string>;
  ready: Promise<PgBoss>;
}

const bosses = new WeakMap<NetkeepDb, BossEntry>();

export interface BossOptions {
  settings?: Partial<QueueSettings>;
  /** Run pg-boss's cron scheduler in this process (the scheduler room decides; default false). */
  schedule?: boolean;
  /** Run pg-boss maintenance (expired jobs of dead workers, retention) here (default true). */
  supervise?: boolean;
}

let lastErrorReport = 0;

/**
 * The started pg-boss of this database (one per process and database). The options of the first
 * call win; later calls get the same instance.
 */
export function getBoss(ctx: Pick<AppContext, 'ndb'>, o: BossOptions = {}): Promise<PgBoss> {
  const existing = bosses.get(ctx.ndb);
  if (existing) return existing.ready;
  const settings = { ...DEFAULT_QUEUE_SETTINGS, ...o.settings };
  const raw = ctx.ndb.raw;
  const common: ConstructorOptions = {
    schedule: o.schedule ?? false,
    supervise: o.supervise ?? true,
    superviseIntervalSeconds: settings.superviseIntervalSeconds,
    monitorIntervalSeconds: Math.max(settings.superviseIntervalSeconds, 10),
    migrate: true,
  } as ConstructorOptions;
  const boss =
    raw.kind === 'pglite'
      ? new PgBoss({ ...common, db: fromPglite(raw.pglite as never), backend: 'pglite' } as ConstructorOptions)
      : new PgBoss({ ...common, connectionString: raw.url, max: 8, application_name: 'netkeep-queue' } as ConstructorOptions);
  boss.on('error', (err: Error) => {
    // pg-boss retries its own loops; a database restart shows up here for a while.
    const now = Date.now();
    if (now - lastErrorReport > 30_000) {
      lastErrorReport = now;
      process.stderr.write(`netkeep: job queue: ${err.message}; retrying — check that the database is reachable if this repeats\n`);
    }
  });
  const entry: BossEntry = {
    boss,
    settings,
    explicit: !!o.settings && Object.keys(o.settings).length > 0,
    queues: new Set(),
    ready: (async () => {
      try {
        await boss.start();
      } catch (err) {
        bosses.delete(ctx.ndb);
        throw new NetkeepError('config_error', `could not start the job queue on ${ctx.ndb.location}: ${(err as Error).message}; check that the database user may create the pgboss schema`, undefined, { cause: err });
      }
      return boss;
    })(),
  };
  bosses.set(ctx.ndb, entry);
  return entry.ready;
}

export function queueSettings(ctx: Pick<AppContext, 'ndb'>): QueueSettings {
  return bosses.get(ctx.ndb)?.settings ?? DEFAULT_QUEUE_SETTINGS;
}

/** Stop this database's pg-boss (waits for nothing: workers stop themselves first). */
export async function stopBoss(ctx: Pick<AppContext, 'ndb'>): Promise<void> {
  const e = bosses.get(ctx.ndb);
  if (!e) return;
  bosses.delete(ctx.ndb);
  const boss = await e.ready.catch(() => undefined);
  await boss?.stop({ graceful: false, close: true }).catch(() => {});
}

/** Create the queue (idempotent) with netkeep's policy. */
export async function ensureQueue(ctx: Pick<AppContext, 'ndb'>, name: string): Promise<PgBoss> {
  const boss = await getBoss(ctx);
  const e = bosses.get(ctx.ndb)!;
  if (e.queues.has(name)) return boss;
  const s = e.settings;
  const existing = await boss.getQueue(name);
  if (existing && e.explicit && (existing.expireInSeconds !== s.attemptDeadlineSeconds || existing.retryLimit !== s.retryLimit || existing.retryDelay !== s.retryDelaySeconds)) {
    // This process was told its deadline and retries (worker --deadline): jobs queued from now on
    // carry them (a job keeps the deadline it was queued with).
    await boss.updateQueue(name, { expireInSeconds: s.attemptDeadlineSeconds, retryLimit: s.retryLimit, retryDelay: s.retryDelaySeconds, retryBackoff: true, retryDelayMax: s.retryDelayMaxSeconds });
  }
  if (!existing) {
    try {
      await boss.createQueue(name, {
        policy: 'stately',
        expireInSeconds: s.attemptDeadlineSeconds,
        retryLimit: s.retryLimit,
        retryDelay: s.retryDelaySeconds,
        retryBackoff: true,
        retryDelayMax: s.retryDelayMaxSeconds,
        deleteAfterSeconds: 7 * 86400,
      });
    } catch (err) {
      if (!(await boss.getQueue(name))) throw err; // another process created it at the same time
    }
  }
  e.queues.add(name);
  return boss;
}

interface DeviceForQueue {
  id: string;
  name: string;
  zone: string | null;
  site: string | null;
  enabled: boolean;
  last_attempt_at: Date | null;
  group_id: string | null;
  group_options: unknown;
}

async function loadDevices(ctx: Pick<AppContext, 'db'>, ids: string[]): Promise<Map<string, DeviceForQueue>> {
  const out = new Map<string, DeviceForQueue>();
  const valid = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  for (let i = 0; i < valid.length; i += 5000) {
    const rows = await ctx.db
      .selectFrom('devices as d')
      .leftJoin('device_groups as g', 'g.id', 'd.group_id')
      .select(['d.id', 'd.name', 'd.zone', 'd.site', 'd.enabled', 'd.last_attempt_at', 'd.group_id', 'g.options as group_options'])
      .where('d.id', 'in', valid.slice(i, i + 5000))
      .execute();
    for (const r of rows) out.set(r.id, r as DeviceForQueue);
  }
  return out;
}

/**
 * The session-limit domain of a device: its group when the group sets `max_sessions`, or its
 * site within the group when the group sets `max_sessions_per_site`.
 */
export function limitGroupOf(d: { group_id: string | null; site: string | null; group_options: unknown }): { id: string; tier: string } | undefined {
  const o = (typeof d.group_options === 'string' ? JSON.parse(d.group_options) : d.group_options) as Record<string, unknown> | null;
  if (!o || !d.group_id) return undefined;
  const clamp = (n: unknown) => (typeof n === 'number' && Number.isInteger(n) && n > 0 ? Math.min(n, 256) : undefined);
  const perSite = clamp(o.max_sessions_per_site);
  if (perSite && d.site) return { id: `site:${d.group_id}:${d.site}`, tier: `max${perSite}` };
  const perGroup = clamp(o.max_sessions);
  if (perGroup) return { id: `group:${d.group_id}`, tier: `max${perGroup}` };
  return undefined;
}

function jobInsert(d: DeviceForQueue, r: EnqueueRequest, s: QueueSettings, now: number): JobInsert<BackupJobData> & { startAfter?: Date } {
  let startAfter = r.startAfter;
  if (s.deviceMinIntervalSeconds > 0 && d.last_attempt_at) {
    const earliest = new Date(d.last_attempt_at.getTime() + s.deviceMinIntervalSeconds * 1000);
    if (earliest.getTime() > now && (!startAfter || startAfter < earliest)) startAfter = earliest;
  }
  const group = limitGroupOf(d);
  const data: BackupJobData = {
    deviceId: d.id,
    trigger: r.trigger,
    ...(r.configId ? { configId: r.configId } : {}),
    ...(r.passId ? { passId: r.passId } : {}),
    ...(r.requestedBy ? { requestedBy: r.requestedBy } : {}),
  };
  return {
    id: randomUUID(),
    data,
    singletonKey: singletonKeyOf(d.id, r.configId),
    priority: r.priority ?? (r.trigger === 'schedule' ? 0 : 10),
    ...(startAfter ? { startAfter } : {}),
    ...(group ? { group } : {}),
  };
}

/**
 * Queue one backup of one device. Returns the job id; when a job for the same device and backup
 * type is already waiting, returns that job's id with queued: false (the request is satisfied by it).
 */
export async function enqueueBackup(ctx: Pick<AppContext, 'ndb' | 'db'>, req: EnqueueRequest): Promise<EnqueueResult> {
  const [r] = await enqueueBackups(ctx, [req]);
  return r;
}

/** Queue many backups at once (a pass, a cron tick): a few statements per thousand devices. */
export async function enqueueBackups(ctx: Pick<AppContext, 'ndb' | 'db'>, reqs: EnqueueRequest[]): Promise<EnqueueResult[]> {
  const devices = await loadDevices(ctx, reqs.map((r) => r.deviceId));
  const settings = queueSettings(ctx);
  await getBoss(ctx);
  const now = Date.now();
  const byQueue = new Map<string, { req: EnqueueRequest; dev: DeviceForQueue; job: JobInsert<BackupJobData> & { startAfter?: Date }; index: number }[]>();
  for (const [index, req] of reqs.entries()) {
    const dev = devices.get(req.deviceId);
    if (!dev) throw new InputError('device_not_found', `no device with id "${req.deviceId}"; list the devices to find the right one`, 404);
    if (!dev.enabled) throw new InputError('device_disabled', `device ${dev.name} is disabled; enable it (netkeep device update ${dev.name} --enabled true) to back it up`, 409);
    const q = queueName(dev.zone);
    const list = byQueue.get(q) ?? [];
    list.push({ req, dev, job: jobInsert(dev, req, settings, now), index });
    byQueue.set(q, list);
  }
  const results: EnqueueResult[] = new Array(reqs.length);
  for (const [q, list] of byQueue) {
    const boss = await ensureQueue(ctx, q);
    for (let i = 0; i < list.length; i += 1000) {
      const chunk = list.slice(i, i + 1000);
      const inserted = new Set((await boss.insert(q, chunk.map((c) => c.job), { returnId: true })) ?? []);
      for (const c of chunk) {
        const id = c.job.id!;
        if (inserted.has(id)) {
          results[c.index] = { jobId: id, queued: true, queue: q, ...(c.job.startAfter ? { startAfter: new Date(c.job.startAfter) } : {}) };
          bus.emit('job.queued', { jobId: id, deviceId: c.dev.id, deviceName: c.dev.name, ...(c.req.configId ? { configId: c.req.configId } : {}), trigger: c.req.trigger, zone: c.dev.zone, attempt: 0, at: new Date() });
          continue;
        }
        // A job with the same singleton key already waits (stately policy): report that one.
        const waiting = await boss.findJobs<BackupJobData>(q, { key: c.job.singletonKey!, queued: true, limit: 1 });
        if (waiting[0]) {
          results[c.index] = { jobId: waiting[0].id, queued: false, queue: q };
          continue;
        }
        // It started in between: try once more (then a job may wait behind the active one).
        const again = await boss.send(q, c.job.data as object, { ...(c.job as SendOptions), id: randomUUID() } as SendOptions);
        if (again) {
          results[c.index] = { jobId: again, queued: true, queue: q };
          continue;
        }
        const w2 = await boss.findJobs<BackupJobData>(q, { key: c.job.singletonKey!, queued: true, limit: 1 });
        if (!w2[0]) throw new NetkeepError('internal', `could not queue a backup of ${c.dev.name} and found no waiting job for it; try again`);
        results[c.index] = { jobId: w2[0].id, queued: false, queue: q };
      }
    }
  }
  return results;
}
