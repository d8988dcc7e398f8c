// The backup worker: takes jobs of its zone's queue from pg-boss and runs them, at most
// `concurrency` at once (per worker), within the global session slots (limits.ts) and the
// per-group / per-site limits (pg-boss groups, honoured by fetch across all workers).
//
// It fetches in batches as slots free up (no fixed poll delay while there is work), completes
// jobs in batches, and never lets one slow device hold others: every attempt has a deadline.
// Outcomes:
//  * success → job completed;
//  * transient failure, retries left → job failed, pg-boss retries it with backoff (no row);
//  * transient failure on the last attempt → failure row, job failed;
//  * permanent failure → failure row, job failed at once (no retry).
// Jobs held by a worker that died stay active until their deadline; pg-boss's supervisor then
// retries them, and the unique index on backup_history(job_id) keeps them at one row.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { hostname } from 'node:os';
import type { Job, JobWithMetadata, PgBoss } from 'pg-boss';
import type { AppContext } from '../context.ts';
import { NetkeepError, classify } from '../errors.ts';
import { bus } from '../events/bus.ts';
import { BatchRecorder, RetryableBackupError, runBackup } from '../backup/run.ts';
import { BlobStore } from '../store/blobs.ts';
import type { MirrorChange } from '../store/git-mirror.ts';
import { GROUP_CONCURRENCY, ensureQueue, getBoss, queueName, queueSettings, type BackupJobData, type QueueSettings } from './queue.ts';
import { globalLimiter, type Lease, type SlotLimiter } from './limits.ts';
import { createFetchPool, defaultFetchThreads } from '../backup/fetch-pool.ts';

export interface WorkerOptions {
  /** Zones this worker serves; null is the default zone (devices without a zone). Default [null]. */
  zones?: (string | null)[];
  /** Jobs at once in this worker (default 64). */
  concurrency?: number;
  /** Sessions at once across every worker (default: no limit). */
  globalMaxSessions?: number;
  /** Jobs fetched per query at most (default 50). */
  batchSize?: number;
  /** Idle poll interval (default 1000 ms); in-process enqueues wake the worker at once. */
  pollIntervalMs?: number;
  /** Queue tunables (first use of the queue in this process wins). */
  settings?: Partial<QueueSettings>;
  workerId?: string;
  store?: BlobStore;
  mirror?: { enqueue(c: MirrorChange): void };
  /** Record successful backups in batches (default true; false: one transaction per backup). */
  batchRecords?: boolean;
  /** Called with one line when something needs the operator's attention. */
  log?: (line: string) => void;
  /**
   * Threads that run the SSH/Telnet sessions (crypto, session engine) off the thread that owns
   * the database; 0 runs them on it. Default: NETKEEP_FETCH_THREADS, else one per extra core (≤ 4).
   */
  fetchThreads?: number;
}

export interface WorkerStats {
  running: number;
  done: number;
  succeeded: number;
  failed: number;
  retried: number;
}

export interface WorkerHandle {
  readonly id: string;
  readonly stats: WorkerStats;
  /** Look for jobs now. */
  wake(): void;
  /** Stop fetching; wait for running jobs (graceful, default) or abort them (they are retried). */
  stop(o?: { graceful?: boolean; timeoutMs?: number }): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());

/** Fail a job terminally (no retry): a permanent failure, already recorded in history. */
async function failTerminal(boss: PgBoss, queue: string, job: Job<BackupJobData>, output: object): Promise<void> {
  // pg-boss retries a failed job while retry_count < retry_limit; a permanent failure must not be
  // retried, so its limit is lowered to the attempts made before it is failed.
  await boss.getDb().executeSql(`UPDATE pgboss.job SET retry_limit = retry_count WHERE name = $1 AND id = $2 AND state = 'active'`, [queue, job.id]);
  await boss.fail(queue, { id: job.id, retryCount: job.retryCount }, output);
}

export async function startWorker(ctx: AppContext, o: WorkerOptions = {}): Promise<WorkerHandle> {
  const boss = await getBoss(ctx, o.settings ? { settings: o.settings } : {});
  const settings = queueSettings(ctx);
  const id = o.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const concurrency = Math.max(1, o.concurrency ?? 64);
  const batchSize = Math.max(1, o.batchSize ?? 50);
  const pollMs = Math.max(50, o.pollIntervalMs ?? 1000);
  const deadlineMs = settings.attemptDeadlineSeconds * 1000 - 5000 > 1000 ? settings.attemptDeadlineSeconds * 1000 - 5000 : settings.attemptDeadlineSeconds * 800;
  const limiter: SlotLimiter = globalLimiter(ctx, { max: o.globalMaxSessions, holder: id, ttlSeconds: settings.attemptDeadlineSeconds + 30 });
  const zones = o.zones?.length ? o.zones : [null];
  const queues = zones.map((z) => queueName(z));
  for (const q of queues) await ensureQueue(ctx, q);
  const store = o.store ?? BlobStore.forContext(ctx);
  // A big pool gathers records (and completions) for up to 100 ms: at a few dozen backups a
  // second a 15 ms window held one backup, and a batch of one costs the database (on PGlite the
  // main thread) a dozen statements; a backup that took seconds does not mind 100 ms more.
  const gatherMs = concurrency >= 64 ? 100 : 15;
  const recorder = o.batchRecords === false ? undefined : new BatchRecorder(ctx, { maxBatch: Math.min(64, Math.max(8, Math.floor(concurrency / 2))), maxDelayMs: gatherMs });
  const log = o.log ?? ((line: string) => process.stderr.write(`netkeep worker: ${line}\n`));
  const fetchThreads = o.fetchThreads ?? defaultFetchThreads();
  const pool = fetchThreads > 0 ? createFetchPool(fetchThreads) : undefined;

  const stats: WorkerStats = { running: 0, done: 0, succeeded: 0, failed: 0, retried: 0 };
  const controllers = new Set<AbortController>();
  const running = new Set<Promise<void>>();
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  const wake = () => {
    const w = wakeUp;
    wakeUp = undefined;
    w?.();
  };
  const waitForWake = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(() => {
        wakeUp = undefined;
        r();
      }, ms);
      t.unref?.();
      wakeUp = () => {
        clearTimeout(t);
        r();
      };
    });
  const offQueued = bus.on('job.queued', (e) => {
    if (queues.includes(queueName(e.zone))) wake();
  });

  // Completions are settled in batches: one statement for many jobs.
  const toComplete = new Map<string, { id: string; retryCount: number }[]>();
  let flushing: Promise<void> | undefined;
  const flush = async (): Promise<void> => {
    while (toComplete.size) {
      const batches = [...toComplete.entries()];
      toComplete.clear();
      for (const [q, ids] of batches) {
        for (let attempt = 0; ; attempt++) {
          try {
            await boss.complete(q, ids);
            break;
          } catch (err) {
            // database away (restart): keep trying a while; else the jobs expire and are re-run,
            // which finds their history rows and settles them without a second session.
            if (attempt >= 20 || stopping) {
              log(`could not mark ${ids.length} finished jobs complete (${(err as Error).message}); they will be settled when their deadline passes`);
              break;
            }
            await sleep(Math.min(5000, 250 * 2 ** attempt));
          }
        }
      }
    }
  };
  const scheduleFlush = () => {
    if (flushing) return;
    flushing = (async () => {
      await sleep(Math.max(20, gatherMs));
      await flush();
      flushing = undefined;
      if (toComplete.size) scheduleFlush();
    })();
  };

  const settle = async (fn: () => Promise<unknown>, what: string) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await fn();
        return;
      } catch (err) {
        if (attempt >= 20 || stopping) {
          log(`could not ${what} (${(err as Error).message}); the job is settled when its deadline passes`);
          return;
        }
        await sleep(Math.min(5000, 250 * 2 ** attempt));
      }
    }
  };

  const runJob = async (queue: string, job: JobWithMetadata<BackupJobData>, lease: Lease): Promise<void> => {
    const data = job.data;
    const ac = new AbortController();
    controllers.add(ac);
    const timer = setTimeout(() => ac.abort(new NetkeepError('timeout', `the backup did not finish within its deadline of ${Math.round(deadlineMs / 1000)} s; check the device or raise its session timeout`)), deadlineMs + 2000);
    timer.unref?.();
    const renew = setInterval(() => void limiter.renew([lease]).catch(() => {}), Math.max(5000, (settings.attemptDeadlineSeconds * 1000) / 3));
    renew.unref?.();
    const zone = zones[queues.indexOf(queue)] ?? null;
    const final = job.retryCount >= job.retryLimit;
    const ref = { jobId: job.id, deviceId: data.deviceId, deviceName: '', ...(data.configId ? { configId: data.configId } : {}), trigger: data.trigger, zone, attempt: job.retryCount };
    stats.running++;
    bus.emit('job.started', { ...ref, at: new Date(), workerId: id });
    try {
      const r = await runBackup(ctx, {
        deviceId: data.deviceId,
        ...(data.configId ? { configId: data.configId } : {}),
        trigger: data.trigger,
        jobId: job.id,
        attempt: job.retryCount,
        recordTransient: final,
        signal: ac.signal,
        deadlineMs,
        zone,
        store,
        ...(o.mirror ? { mirror: o.mirror } : {}),
        ...(recorder ? { recorder: recorder.record } : {}),
        ...(pool ? { fetcher: pool.fetch } : {}),
      });
      ref.deviceName = r.deviceName;
      stats.done++;
      if (r.status === 'success') {
        stats.succeeded++;
        const list = toComplete.get(queue) ?? [];
        list.push({ id: job.id, retryCount: job.retryCount });
        toComplete.set(queue, list);
        scheduleFlush();
        bus.emit('job.finished', { ...ref, at: new Date(), status: 'success', historyId: r.historyId, durationMs: r.durationMs, changed: r.changed });
      } else {
        stats.failed++;
        const output = { failureClass: r.failureClass, message: r.message, historyId: r.historyId };
        await settle(() => (r.permanent ? failTerminal(boss, queue, job, output) : boss.fail(queue, { id: job.id, retryCount: job.retryCount }, output)), `mark job ${job.id} failed`);
        bus.emit('job.finished', { ...ref, at: new Date(), status: 'failure', historyId: r.historyId, durationMs: r.durationMs, failureClass: r.failureClass });
        bus.emit('job.failed', { ...ref, at: new Date(), failureClass: r.failureClass, message: r.message, permanent: r.permanent, historyId: r.historyId });
      }
    } catch (err) {
      if (err instanceof RetryableBackupError) {
        stats.retried++;
        await settle(() => boss.fail(queue, { id: job.id, retryCount: job.retryCount }, { failureClass: err.failureClass, message: err.message, retry: true }), `hand job ${job.id} back for a retry`);
        bus.emit('job.retrying', { ...ref, at: new Date(), failureClass: err.failureClass, message: err.message });
      } else {
        // Nothing recorded: the device vanished, or the database failed under us. pg-boss retries
        // (when retries are left); a retry finds the history row if the write did commit.
        const ne = classify(err);
        stats.failed++;
        await settle(() => boss.fail(queue, { id: job.id, retryCount: job.retryCount }, { failureClass: ne.failureClass, message: ne.message }), `mark job ${job.id} failed`);
        bus.emit('job.failed', { ...ref, at: new Date(), failureClass: ne.failureClass, message: ne.message, permanent: false });
      }
    } finally {
      clearTimeout(timer);
      clearInterval(renew);
      controllers.delete(ac);
      stats.running--;
      await limiter.release([lease]).catch(() => {});
    }
  };

  // Group limits cost the fetch a join over the active jobs: only ask for them when a group sets one.
  let groupLimits = { on: true, checked: 0 };
  const useGroupLimits = async () => {
    if (Date.now() - groupLimits.checked > 30_000) {
      try {
        const r = await sql<{ on: boolean }>`SELECT EXISTS (SELECT 1 FROM device_groups WHERE options ? 'max_sessions' OR options ? 'max_sessions_per_site') AS on`.execute(ctx.db);
        groupLimits = { on: !!r.rows[0]?.on, checked: Date.now() };
      } catch {
        groupLimits = { on: true, checked: Date.now() };
      }
    }
    return groupLimits.on;
  };

  const loop = async (queue: string, share: number) => {
    let backoff = 250;
    let lastFull = false;
    const cap = Math.min(share, concurrency);
    // While the queue is full of work, fetch in batches rather than one job per freed slot.
    const minBatch = Math.max(1, Math.min(batchSize, Math.floor(cap / 4)));
    while (!stopping) {
      const free = cap - runningIn.get(queue)!;
      if (free <= 0 || (lastFull && free < minBatch)) {
        await waitForWake(pollMs);
        if (free > 0 && cap - runningIn.get(queue)! === free) lastFull = false; // nothing ended for a poll: take what is free
        continue;
      }
      let leases: Lease[] = [];
      let jobs: JobWithMetadata<BackupJobData>[] = [];
      try {
        leases = await limiter.tryAcquire(Math.min(free, batchSize));
        if (!leases.length) {
          await waitForWake(Math.min(pollMs, 500));
          continue;
        }
        const grouped = await useGroupLimits();
        jobs = (await boss.fetch<BackupJobData>(queue, { batchSize: leases.length, includeMetadata: true, ...(grouped ? { groupConcurrency: GROUP_CONCURRENCY } : {}) })) as JobWithMetadata<BackupJobData>[];
        lastFull = jobs.length === leases.length;
        backoff = 250;
      } catch (err) {
        await limiter.release(leases).catch(() => {});
        if (stopping) break;
        log(`cannot fetch jobs from ${queue} (${(err as Error).message}); retrying in ${Math.round(backoff / 1000)} s — check that the database is reachable`);
        await sleep(backoff);
        backoff = Math.min(10_000, backoff * 2);
        continue;
      }
      if (jobs.length < leases.length) await limiter.release(leases.slice(jobs.length)).catch(() => {});
      for (const [i, job] of jobs.entries()) {
        runningIn.set(queue, runningIn.get(queue)! + 1);
        const p = runJob(queue, job, leases[i]).finally(() => {
          runningIn.set(queue, runningIn.get(queue)! - 1);
          running.delete(p);
          wake();
        });
        running.add(p);
      }
      if (jobs.length === 0) await waitForWake(pollMs);
    }
  };

  const runningIn = new Map(queues.map((q) => [q, 0]));
  const share = Math.max(1, Math.ceil(concurrency / queues.length));
  // One loop per queue; a shared wake-up would only wake one of them, so each polls too.
  const loops = queues.map((q) => loop(q, queues.length === 1 ? concurrency : share));

  return {
    id,
    stats,
    wake,
    async stop(so = {}) {
      if (stopping) return;
      stopping = true;
      offQueued();
      wake();
      if (so.graceful === false) for (const c of controllers) c.abort(new NetkeepError('timeout', 'the worker is stopping; the job is retried'));
      const all = Promise.all([...loops, ...running]);
      if (so.timeoutMs) {
        await Promise.race([all, sleep(so.timeoutMs).then(() => {
          for (const c of controllers) c.abort(new NetkeepError('timeout', 'the worker is stopping; the job is retried'));
        })]);
      }
      await all;
      await pool?.close();
      await flushing;
      await flush();
    },
  };
}
