// A pass: back up many devices now (all, a group, or named devices), wait for every job to end
// with its one history row, and summarize — ok, changed, failed by class, duration. The jobs run
// on whatever workers serve the queues (the caller may start one in-process).
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Db } from '../db/index.ts';
import { InputError, NetkeepError } from '../errors.ts';
import { enqueueBackups, getBoss, type EnqueueResult } from '../schedule/queue.ts';
import { recordFailure } from './record.ts';

export interface PassSelection {
  all?: boolean;
  /** Group name or id. */
  group?: string;
  /** Device names or ids. */
  devices?: string[];
}

export interface PassProgress {
  total: number;
  done: number;
  ok: number;
  changed: number;
  failed: number;
  elapsedMs: number;
}

export interface PassFailure {
  device: string;
  failureClass: string;
  message: string;
}

export interface PassSummary {
  passId: string;
  total: number;
  ok: number;
  changed: number;
  failed: number;
  failedByClass: Record<string, number>;
  failures: PassFailure[];
  durationMs: number;
  startedAt: Date;
  /** Jobs that were already waiting and were joined rather than queued again. */
  joined: number;
}

export interface PassOptions {
  trigger?: string;
  requestedBy?: string;
  onProgress?: (p: PassProgress) => void;
  /** How often the database is asked for finished jobs (default 250 ms). */
  pollMs?: number;
  signal?: AbortSignal;
  /** Called once when no job has ended for this long (default 30 s): no worker running? */
  onStall?: (idleMs: number) => void;
  stallMs?: number;
}

/** The enabled devices a selection names. Unknown names are an input error (nothing queued). */
export async function selectDevices(db: Db, sel: PassSelection): Promise<{ id: string; name: string }[]> {
  const isUuid = (s: string) => /^[0-9a-f-]{36}$/i.test(s);
  // orphaned devices (gone from their inventory source) keep their history but are not backed up
  let q = db.selectFrom('devices as d').select(['d.id', 'd.name']).where('d.enabled', '=', true).where('d.orphaned_at', 'is', null).orderBy('d.name');
  if (sel.group) {
    const g = await db
      .selectFrom('device_groups')
      .select('id')
      .where((eb) => (isUuid(sel.group!) ? eb.or([eb('id', '=', sel.group!), eb('name', '=', sel.group!)]) : eb('name', '=', sel.group!)))
      .executeTakeFirst();
    if (!g) throw new InputError('group_not_found', `no group "${sel.group}"; list the groups with 'netkeep device list' to find the right name`, 404);
    q = q.where('d.group_id', '=', g.id);
  }
  if (sel.devices?.length) {
    const names = sel.devices.filter((x) => !isUuid(x));
    const ids = sel.devices.filter(isUuid);
    q = q.where((eb) => eb.or([...(names.length ? [eb('d.name', 'in', names)] : []), ...(ids.length ? [eb('d.id', 'in', ids)] : [])]));
  } else if (!sel.all && !sel.group) {
    throw new InputError('no_selection', 'say which devices to back up: --all, --group NAME or --device NAME');
  }
  const rows = await q.execute();
  if (sel.devices?.length) {
    const found = new Set(rows.flatMap((r) => [r.name, r.id]));
    const missing = sel.devices.filter((x) => !found.has(x));
    if (missing.length) {
      throw new InputError('device_not_found', `no enabled device named ${missing.map((m) => `"${m}"`).join(', ')}; check the name with 'netkeep device list' (disabled and orphaned devices are not backed up)`, 404);
    }
  }
  return rows;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface RowOfJob {
  job_id: string;
  status: string;
  changed: boolean | null;
  error_class: string | null;
  error_message: string | null;
  name: string;
}

/** Enqueue a backup of every selected device and wait until each has its history row. */
export async function runPass(ctx: AppContext, sel: PassSelection, o: PassOptions = {}): Promise<PassSummary> {
  const startedAt = new Date();
  const t0 = performance.now();
  const passId = randomUUID();
  const devices = await selectDevices(ctx.db, sel);
  const enq: EnqueueResult[] = await enqueueBackups(
    ctx,
    devices.map((d) => ({ deviceId: d.id, trigger: o.trigger ?? 'manual', passId, ...(o.requestedBy ? { requestedBy: o.requestedBy } : {}), priority: 5 })),
  );
  const nameOfJob = new Map<string, string>();
  const queueOfJob = new Map<string, string>();
  const deviceOfJob = new Map<string, string>();
  enq.forEach((e, i) => {
    nameOfJob.set(e.jobId, devices[i].name);
    queueOfJob.set(e.jobId, e.queue);
    deviceOfJob.set(e.jobId, devices[i].id);
  });
  const pending = new Set(enq.map((e) => e.jobId));
  const s: PassSummary = { passId, total: pending.size, ok: 0, changed: 0, failed: 0, failedByClass: {}, failures: [], durationMs: 0, startedAt, joined: enq.filter((e) => !e.queued).length };
  const progress = () => o.onProgress?.({ total: s.total, done: s.ok + s.failed, ok: s.ok, changed: s.changed, failed: s.failed, elapsedMs: performance.now() - t0 });
  progress();
  const stallMs = o.stallMs ?? 30_000;
  let lastEnd = performance.now();
  let stallReported = false;
  let lastLostCheck = performance.now();
  const take = (r: RowOfJob) => {
    if (!pending.delete(r.job_id)) return;
    if (r.status === 'success') {
      s.ok++;
      if (r.changed) s.changed++;
    } else {
      s.failed++;
      const c = r.error_class ?? 'internal';
      s.failedByClass[c] = (s.failedByClass[c] ?? 0) + 1;
      s.failures.push({ device: r.name, failureClass: c, message: r.error_message ?? '' });
    }
  };
  // Jobs run roughly in the order they were queued, so each poll asks about the oldest pending
  // ones only: a window a few times what the last poll found (at least 500), not the whole
  // fleet — with 10,000 devices pending, asking about all of them every poll costs more than
  // the backups' own statements on the embedded database. The window widens when it was all done.
  let window = 500;
  while (pending.size) {
    if (o.signal?.aborted) throw new NetkeepError('internal', 'the pass was interrupted; the queued backups still run on the workers');
    const ids: string[] = [];
    for (const id of pending) {
      if (ids.length >= window) break;
      ids.push(id);
    }
    let got = 0;
    for (let i = 0; i < ids.length; i += 2000) {
      const chunk = ids.slice(i, i + 2000);
      let rows: RowOfJob[];
      try {
        rows = (
          await sql<RowOfJob>`SELECT h.job_id, h.status, h.changed, h.error_class, h.error_message, d.name
            FROM backup_history h JOIN devices d ON d.id = h.device_id
            WHERE h.job_id IN (${sql.join(chunk)})`.execute(ctx.db)
        ).rows;
      } catch {
        rows = []; // the database is away for a moment (restart): ask again
      }
      for (const r of rows) take(r);
      got += rows.length;
    }
    window = Math.max(500, got * 4);
    if (got) {
      lastEnd = performance.now();
      progress();
    }
    if (!pending.size) break;
    const idle = performance.now() - lastEnd;
    if (idle > stallMs && !stallReported) {
      stallReported = true;
      o.onStall?.(idle);
    }
    // A job that pg-boss gave up on without a history row (its worker died on every attempt)
    // gets its row here, so every device of the pass ends with exactly one.
    if (idle > 5000 && performance.now() - lastLostCheck > 5000) {
      lastLostCheck = performance.now();
      await settleLostJobs(ctx, [...pending].slice(0, 2000), queueOfJob, deviceOfJob, o.trigger ?? 'manual').catch(() => {});
    }
    await sleep(o.pollMs ?? 250);
  }
  s.durationMs = performance.now() - t0;
  progress();
  return s;
}

/** Of these jobs, the ones pg-boss no longer runs (or has forgotten): one statement per queue. */
async function endedJobs(ctx: AppContext, ids: string[], queueOf: Map<string, string>): Promise<Map<string, { state: string; output: unknown; startedOn: Date | null } | null>> {
  const boss = await getBoss(ctx);
  const out = new Map<string, { state: string; output: unknown; startedOn: Date | null } | null>();
  const byQueue = new Map<string, string[]>();
  for (const id of ids) byQueue.set(queueOf.get(id)!, [...(byQueue.get(queueOf.get(id)!) ?? []), id]);
  for (const [queue, list] of byQueue) {
    const r = (await boss
      .getDb()
      .executeSql(`SELECT id::text AS id, state::text AS state, output, started_on FROM pgboss.job WHERE name = $1 AND id::text = ANY(string_to_array($2, ','))`, [queue, list.join(',')])) as {
      rows: { id: string; state: string; output: unknown; started_on: Date | string | null }[];
    };
    const seen = new Map(r.rows.map((x) => [x.id, x]));
    for (const id of list) {
      const j = seen.get(id);
      if (!j) out.set(id, null); // deleted: ended
      else if (j.state === 'failed' || j.state === 'cancelled' || j.state === 'completed') {
        out.set(id, { state: j.state, output: j.output, startedOn: j.started_on ? new Date(j.started_on) : null });
      }
    }
  }
  return out;
}

async function settleLostJobs(ctx: AppContext, ids: string[], queueOf: Map<string, string>, deviceOf: Map<string, string>, trigger: string): Promise<void> {
  const ended = await endedJobs(ctx, ids, queueOf);
  if (!ended.size) return;
  const recorded = new Set(
    (await ctx.db.selectFrom('backup_history').select('job_id').where('job_id', 'in', [...ended.keys()]).execute()).map((r) => r.job_id),
  );
  for (const [id, job] of ended) {
    if (recorded.has(id)) continue;
    const why = (job?.output as { message?: string } | undefined)?.message;
    try {
      await recordFailure(ctx, {
        deviceId: deviceOf.get(id)!,
        error: new NetkeepError('internal', `the backup job ended without a result${why ? ` (${why})` : ' (its worker stopped on every attempt)'}; check the worker logs, then run the backup again`),
        startedAt: job?.startedOn ?? new Date(),
        completedAt: new Date(),
        trigger,
        jobId: id,
      });
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err; // a row arrived meanwhile
    }
  }
}
