// The scheduler: finds backup configurations whose schedule is due and enqueues one backup job
// for each (trigger "schedule"). Its whole state is backup_configs.next_run_at, so it is correct
// across restarts and across several `serve` processes on one PostgreSQL:
//
// - a due slot is claimed with a compare-and-set UPDATE (… WHERE id = $1 AND next_run_at = $seen
//   RETURNING id); under concurrency exactly one process gets the row back and enqueues;
// - the claim moves next_run_at to the first run strictly after *now*, so runs missed while
//   netkeep was down (or while a process was paused) run once, not once per missed slot;
// - next runs are computed in the configuration's time zone (see cron.ts for DST);
// - when a schedule is edited, next_run_spec no longer matches "<cron> <tz>" and the slot is
//   recomputed from now (an edit never fires a backup by itself);
// - a disabled configuration, or one of a disabled device, is not run; its slot is cleared so
//   that enabling it again starts from the next future slot.
//
// If enqueueing fails (the queue is down), the claim is rolled back with a second compare-and-set
// so that the next tick tries again.
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { nextRun } from './cron.ts';

export interface EnqueueRequest {
  deviceId: string;
  configId?: string;
  trigger: 'schedule' | 'manual' | 'api' | (string & {});
}
export type EnqueueFn = (ctx: AppContext, req: EnqueueRequest) => Promise<{ jobId: string }>;

export interface SchedulerOptions {
  /** How jobs are enqueued (default: the pg-boss queue, src/schedule/queue.ts). */
  enqueue?: EnqueueFn;
  /** The clock (tests inject one). */
  now?: () => Date;
  /** The longest sleep between ticks, so edits made elsewhere are seen (default 15 s). */
  maxIntervalMs?: number;
  /** How many due configurations one tick claims at most (default 500). */
  batchSize?: number;
  /** Warnings (a failed enqueue, an unparseable stored schedule). */
  log?: (msg: string, details?: Record<string, unknown>) => void;
}

export interface TickResult {
  /** Slots (re)computed for new or edited schedules. */
  planned: number;
  /** Jobs enqueued by this process in this tick. */
  enqueued: { configId: string; deviceId: string; jobId: string; slot: Date }[];
  /** Due slots another process claimed first. */
  lost: number;
  failed: number;
}

export interface Scheduler {
  /** One pass now (also what the loop runs). */
  tick(): Promise<TickResult>;
  /** Stop the loop; resolves when a running tick has finished. */
  stop(): Promise<void>;
}

const spec = (cron: string, tz: string) => `${cron} ${tz}`;

async function defaultEnqueue(ctx: AppContext, req: EnqueueRequest): Promise<{ jobId: string }> {
  const q = await import('./queue.ts');
  return q.enqueueBackup(ctx, req as Parameters<typeof q.enqueueBackup>[1]);
}

/** One scheduler pass at time `now`: plan new/edited schedules, clear disabled ones, enqueue due ones. */
export async function runDueSchedules(ctx: AppContext, opts: SchedulerOptions = {}): Promise<TickResult> {
  const db = ctx.db;
  const now = (opts.now ?? (() => new Date()))();
  const enqueue = opts.enqueue ?? defaultEnqueue;
  const log = opts.log ?? ((m: string) => process.stderr.write(`netkeep scheduler: ${m}\n`));
  const result: TickResult = { planned: 0, enqueued: [], lost: 0, failed: 0 };

  // 1. Not runnable any more (disabled, no schedule, device disabled): forget the slot.
  await db
    .updateTable('backup_configs')
    .set({ next_run_at: null, next_run_spec: null })
    .where('next_run_at', 'is not', null)
    .where((eb) =>
      eb.or([
        eb('enabled', '=', false),
        eb('schedule_cron', 'is', null),
        eb('device_id', 'in', eb.selectFrom('devices').select('id').where('enabled', '=', false)),
        // orphaned: gone from its inventory source (src/inventory/sources/); kept with its history, not backed up
        eb('device_id', 'in', eb.selectFrom('devices').select('id').where('orphaned_at', 'is not', null)),
      ]),
    )
    .execute();

  // 2. New or edited schedules: compute the first slot after now.
  const unplanned = await db
    .selectFrom('backup_configs as c')
    .innerJoin('devices as d', 'd.id', 'c.device_id')
    .select(['c.id', 'c.schedule_cron', 'c.schedule_timezone', 'c.next_run_spec', 'c.next_run_at'])
    .where('c.enabled', '=', true)
    .where('d.enabled', '=', true)
    .where('d.orphaned_at', 'is', null)
    .where('c.schedule_cron', 'is not', null)
    .where((eb) =>
      eb.or([
        eb('c.next_run_at', 'is', null),
        eb('c.next_run_spec', 'is', null),
        eb('c.next_run_spec', '!=', sql<string>`c.schedule_cron || ' ' || c.schedule_timezone`),
      ]),
    )
    .limit(opts.batchSize ?? 500)
    .execute();
  for (const c of unplanned) {
    let next: Date | null;
    try {
      next = nextRun(c.schedule_cron!, c.schedule_timezone, now);
    } catch (err) {
      log(`backup configuration ${c.id} has a schedule that cannot be read ("${c.schedule_cron}" in ${c.schedule_timezone}): ${(err as Error).message}; fix it with PUT /api/v1/backups/configs/${c.id}`);
      continue;
    }
    let q = db
      .updateTable('backup_configs')
      .set({ next_run_at: next, next_run_spec: spec(c.schedule_cron!, c.schedule_timezone) })
      .where('id', '=', c.id)
      .where('schedule_cron', '=', c.schedule_cron)
      .where('schedule_timezone', '=', c.schedule_timezone);
    q = c.next_run_at === null ? q.where('next_run_at', 'is', null) : q.where('next_run_at', '=', c.next_run_at);
    const r = await q.executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) result.planned++;
  }

  // 3. Due slots: claim each with a compare-and-set, then enqueue.
  const due = await db
    .selectFrom('backup_configs as c')
    .innerJoin('devices as d', 'd.id', 'c.device_id')
    .select(['c.id', 'c.device_id', 'c.schedule_cron', 'c.schedule_timezone', 'c.next_run_at'])
    .where('c.enabled', '=', true)
    .where('d.enabled', '=', true)
    .where('d.orphaned_at', 'is', null)
    .where('c.next_run_at', '<=', now)
    .where('c.next_run_spec', '=', sql<string>`c.schedule_cron || ' ' || c.schedule_timezone`)
    .orderBy('c.next_run_at')
    .limit(opts.batchSize ?? 500)
    .execute();
  for (const c of due) {
    const slot = c.next_run_at!;
    let next: Date | null;
    try {
      next = nextRun(c.schedule_cron!, c.schedule_timezone, now);
    } catch (err) {
      log(`backup configuration ${c.id}: cannot compute the next run (${(err as Error).message})`);
      continue;
    }
    const claimed = await db
      .updateTable('backup_configs')
      .set({ next_run_at: next, last_run_at: now })
      .where('id', '=', c.id)
      .where('next_run_at', '=', slot)
      .returning(['id', 'last_run_at', 'last_job_id'])
      .executeTakeFirst();
    if (!claimed) {
      result.lost++;
      continue;
    }
    try {
      const { jobId } = await enqueue(ctx, { deviceId: c.device_id, configId: c.id, trigger: 'schedule' });
      await db.updateTable('backup_configs').set({ last_job_id: jobId }).where('id', '=', c.id).execute();
      result.enqueued.push({ configId: c.id, deviceId: c.device_id, jobId, slot });
    } catch (err) {
      result.failed++;
      log(`could not enqueue the scheduled backup of configuration ${c.id} (${(err as Error).message}); it is retried on the next tick`, { configId: c.id });
      // give the slot back unless someone changed it meanwhile
      let undo = db.updateTable('backup_configs').set({ next_run_at: slot }).where('id', '=', c.id);
      undo = next === null ? undo.where('next_run_at', 'is', null) : undo.where('next_run_at', '=', next);
      await undo.execute().catch(() => {});
    }
  }
  // 4. Inventory sources with a sync schedule (src/inventory/sources/schedule.ts), after the backups.
  try {
    const { runDueSourceSyncs } = await import('../inventory/sources/schedule.ts');
    await runDueSourceSyncs(ctx, { now, log });
  } catch (err) {
    log(`scheduled inventory source syncs failed (${(err as Error).message}); retried on the next tick`);
  }
  return result;
}

/** The earliest next_run_at of a runnable configuration (null if none). */
async function earliestSlot(ctx: AppContext): Promise<Date | null> {
  const r = await ctx.db
    .selectFrom('backup_configs')
    .select((eb) => eb.fn.min('next_run_at').as('t'))
    .where('enabled', '=', true)
    .where('next_run_at', 'is not', null)
    .executeTakeFirst();
  const t = r?.t as Date | string | null | undefined;
  return t ? new Date(t) : null;
}

/**
 * Start the scheduler loop: a tick now, then one at the earliest due slot (at most every
 * maxIntervalMs, at least 1 s apart). `stop()` ends it; serve calls it on shutdown.
 */
export function startScheduler(ctx: AppContext, opts: SchedulerOptions = {}): Scheduler {
  const maxInterval = opts.maxIntervalMs ?? 15_000;
  const clock = opts.now ?? (() => new Date());
  const log = opts.log ?? ((m: string) => process.stderr.write(`netkeep scheduler: ${m}\n`));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let wake: (() => void) | undefined;

  const tick = () => {
    const p = runDueSchedules(ctx, opts);
    running = p.catch(() => {});
    return p;
  };

  const loop = async () => {
    while (!stopped) {
      let delay = maxInterval;
      try {
        await tick();
        const next = await earliestSlot(ctx);
        if (next) delay = Math.min(maxInterval, Math.max(1000, next.getTime() - clock().getTime() + 50));
      } catch (err) {
        if (stopped) break;
        log(`a scheduler pass failed (${(err as Error).message}); trying again in ${Math.round(maxInterval / 1000)} s`);
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, delay);
        timer.unref?.();
      });
    }
  };
  const done = loop();

  return {
    tick,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      wake?.();
      await running;
      await done;
    },
  };
}
