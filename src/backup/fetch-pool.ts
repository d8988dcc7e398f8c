// A pool of worker threads that run CLI fetches (SSH/Telnet session, crypto, session engine), so
// the thread that owns the database — on the embedded database the one thread that also runs
// PostgreSQL — is not the one doing the SSH work. Same contract as fetchConfig: the config and
// facts, or a classified NetkeepError; trust-on-first-use host keys are pinned by the caller's
// callback on the calling thread; the abort signal reaches the session in its thread.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FailureClass } from '../errors.ts';
import { NetkeepError } from '../errors.ts';
import type { FetchOptions, FetchResult } from './fetch.ts';

/** What crosses to a thread: the options without the callbacks, the driver by name. */
export type PoolFetchOptions = Omit<FetchOptions, 'driver' | 'hostKey' | 'signal'> & { driver: string };

export type PoolRequest =
  | { type: 'fetch'; id: number; options: PoolFetchOptions; hostKey?: { pinned: string } | 'first-use' | 'accept-any' }
  | { type: 'abort'; id: number; message: string }
  | { type: 'pinned'; id: number; error?: string };

export type PoolReply =
  | { type: 'done'; id: number; result: FetchResult }
  | { type: 'failed'; id: number; failureClass: FailureClass; message: string; details?: Record<string, unknown> }
  | { type: 'firstUse'; id: number; key: string };

interface Pending {
  resolve: (r: FetchResult) => void;
  reject: (e: unknown) => void;
  onFirstUse?: (key: string) => Promise<void> | void;
  thread: Thread;
  cleanup: () => void;
}

interface Thread {
  worker: Worker;
  inFlight: number;
  dead: boolean;
}

export interface FetchPool {
  readonly threads: number;
  fetch(o: FetchOptions): Promise<FetchResult>;
  close(): Promise<void>;
}

/**
 * The number of fetch threads a worker uses by default: NETKEEP_FETCH_THREADS when set (0 turns
 * the pool off), else one per core beyond the first, at most 4 (none on a single core).
 */
export function defaultFetchThreads(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.NETKEEP_FETCH_THREADS;
  if (v !== undefined && v !== '') {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 64) throw new NetkeepError('config_error', `NETKEEP_FETCH_THREADS must be a whole number from 0 to 64, got "${v}"`);
    return n;
  }
  return Math.min(4, Math.max(0, availableParallelism() - 1));
}

export function createFetchPool(size: number): FetchPool {
  const threads: Thread[] = [];
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed = false;

  const failAll = (t: Thread, err: Error) => {
    for (const [id, p] of pending) {
      if (p.thread !== t) continue;
      pending.delete(id);
      p.cleanup();
      p.reject(
        closed
          ? new NetkeepError('timeout', 'the worker is stopping; the job is retried')
          : new NetkeepError('internal', `the thread running the SSH session stopped (${err.message}); run the backup again, and if this repeats set NETKEEP_FETCH_THREADS=0 and report it`, undefined, { cause: err }),
      );
    }
  };

  const spawn = (): Thread => {
    const worker = new Worker(new URL('./fetch-thread.ts', import.meta.url));
    worker.unref();
    const t: Thread = { worker, inFlight: 0, dead: false };
    worker.on('message', (m: PoolReply) => {
      const p = pending.get(m.id);
      if (!p) return;
      if (m.type === 'firstUse') {
        Promise.resolve()
          .then(() => p.onFirstUse?.(m.key))
          .then(
            () => worker.postMessage({ type: 'pinned', id: m.id } satisfies PoolRequest),
            (err) => worker.postMessage({ type: 'pinned', id: m.id, error: (err as Error)?.message ?? String(err) } satisfies PoolRequest),
          );
        return;
      }
      pending.delete(m.id);
      p.cleanup();
      if (m.type === 'done') p.resolve(m.result);
      else p.reject(new NetkeepError(m.failureClass, m.message, m.details));
    });
    const gone = (err: Error) => {
      if (t.dead) return;
      t.dead = true;
      const i = threads.indexOf(t);
      if (i >= 0) threads.splice(i, 1);
      failAll(t, err);
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`exit code ${code}`)));
    threads.push(t);
    return t;
  };

  const pick = (): Thread => {
    while (threads.length < size) spawn();
    let best = threads[0]!;
    for (const t of threads) if (t.inFlight < best.inFlight) best = t;
    return best;
  };

  return {
    threads: size,
    fetch(o: FetchOptions): Promise<FetchResult> {
      if (closed) return Promise.reject(new NetkeepError('timeout', 'the fetch pool is closed (the worker is stopping); the job is retried'));
      const { driver, hostKey, signal, ...rest } = o;
      const driverId = typeof driver === 'string' ? driver : driver.id;
      if (signal?.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new NetkeepError('timeout', 'the session was cancelled before it started'));
      const t = pick();
      const id = nextId++;
      return new Promise<FetchResult>((resolve, reject) => {
        const onAbort = () => {
          const r = signal?.reason;
          t.worker.postMessage({ type: 'abort', id, message: r instanceof Error ? r.message : 'the session was cancelled (job deadline or shutdown)' } satisfies PoolRequest);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        t.inFlight++;
        if (t.inFlight === 1) t.worker.ref();
        pending.set(id, {
          resolve,
          reject,
          ...(hostKey?.onFirstUse && !hostKey.pinned ? { onFirstUse: hostKey.onFirstUse } : {}),
          thread: t,
          cleanup: () => {
            signal?.removeEventListener('abort', onAbort);
            t.inFlight--;
            if (t.inFlight === 0) t.worker.unref();
          },
        });
        t.worker.postMessage({
          type: 'fetch',
          id,
          options: { ...rest, driver: driverId },
          ...(hostKey?.pinned
            ? { hostKey: { pinned: hostKey.pinned } }
            : hostKey?.onFirstUse
              ? { hostKey: 'first-use' as const }
              : hostKey?.acceptAny
                ? { hostKey: 'accept-any' as const }
                : {}),
        } satisfies PoolRequest);
      });
    },
    async close() {
      closed = true;
      const all = threads.splice(0);
      for (const t of all) {
        t.dead = true;
        failAll(t, new Error('the pool was closed'));
      }
      await Promise.all(all.map((t) => t.worker.terminate().catch(() => 0)));
    },
  };
}
