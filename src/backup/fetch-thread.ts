// The worker-thread side of the fetch pool (fetch-pool.ts): runs fetchConfig — the SSH or Telnet
// session, its crypto and the driver's session engine — for the thread that owns the database.
// Messages in: fetch, abort, pinned (answer to a trust-on-first-use host key). Messages out:
// done (config, facts, and the config hashed + zstd-compressed for the store), failed (a classified error), firstUse (a host key to pin).
import { parentPort } from 'node:worker_threads';
import { NetkeepError, classify } from '../errors.ts';
import { packConfig } from '../store/blobs.ts';
import { fetchConfig, type FetchOptions } from './fetch.ts';
import type { PoolRequest, PoolReply } from './fetch-pool.ts';

const port = parentPort!;
const aborts = new Map<number, AbortController>();
const firstUse = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
const post = (m: PoolReply) => port.postMessage(m);

port.on('message', (m: PoolRequest) => {
  if (m.type === 'abort') {
    aborts.get(m.id)?.abort(new NetkeepError('timeout', m.message));
    return;
  }
  if (m.type === 'pinned') {
    const w = firstUse.get(m.id);
    firstUse.delete(m.id);
    if (m.error === undefined) w?.resolve();
    else w?.reject(new Error(m.error));
    return;
  }
  const { id, options } = m;
  const ac = new AbortController();
  aborts.set(id, ac);
  const o: FetchOptions = {
    ...options,
    signal: ac.signal,
    ...(m.hostKey === 'first-use'
      ? {
          hostKey: {
            onFirstUse: (key: string) =>
              new Promise<void>((resolve, reject) => {
                firstUse.set(id, { resolve, reject });
                post({ type: 'firstUse', id, key });
              }),
          },
        }
      : m.hostKey === 'accept-any'
        ? { hostKey: { acceptAny: true } }
        : m.hostKey
          ? { hostKey: { pinned: m.hostKey.pinned } }
          : {}),
  };
  fetchConfig(o).then(
    (r) => {
      aborts.delete(id);
      // hashed and compressed here, off the thread that owns the database; verified there after writing
      const packed = packConfig(r.config);
      post({ type: 'done', id, result: { config: r.config, facts: r.facts, driver: r.driver, protocol: r.protocol, ...(r.hostKey ? { hostKey: r.hostKey } : {}), durationMs: r.durationMs, packed } });
    },
    (err) => {
      aborts.delete(id);
      firstUse.delete(id);
      const e = classify(err);
      post({ type: 'failed', id, failureClass: e.failureClass, message: e.message, ...(e.details ? { details: JSON.parse(JSON.stringify(e.details)) as Record<string, unknown> } : {}) });
    },
  );
});
