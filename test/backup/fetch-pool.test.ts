// The fetch pool runs SSH sessions on worker threads with fetchConfig's contract: the same config
// as a fetch on this thread, trust on first use through the caller's callback, a changed host key
// classified with the key seen, an abort that reaches the session, and a closed pool that refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetchPool, defaultFetchThreads, type FetchPool } from '../../src/backup/fetch-pool.ts';
import { fetchConfig, type FetchOptions } from '../../src/backup/fetch.ts';
import { NetkeepError } from '../../src/errors.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';

describe('fetch pool (SSH sessions on worker threads)', () => {
  let fleet: Fleet;
  let pool: FetchPool;
  const opts = (name: string, extra: Partial<FetchOptions> = {}): FetchOptions => {
    const i = fleet.infoOf(name);
    return { host: i.host, port: i.sshPort!, protocol: 'ssh', driver: 'ios', credentials: { username: i.username, password: i.password }, timeouts: { connectMs: 20_000, idleMs: 20_000 }, ...extra };
  };
  beforeAll(async () => {
    fleet = await startFleet({ count: 3, configLines: 120, latencyMs: 0 });
    pool = createFetchPool(2);
  });
  afterAll(async () => {
    await pool?.close();
    await fleet?.close();
  });

  it('fetches the same config as fetchConfig on this thread, pinning the key through the callback', async () => {
    const name = fleet.info[0]!.name;
    const seen: string[] = [];
    const viaPool = await pool.fetch(opts(name, { hostKey: { onFirstUse: async (k) => void seen.push(k) } }));
    const here = await fetchConfig(opts(name, { hostKey: { acceptAny: true } }));
    expect(viaPool.config).toBe(here.config);
    expect(viaPool.config.length).toBeGreaterThan(1000);
    expect(viaPool.facts).toEqual(here.facts);
    expect(seen).toEqual([fleet.infoOf(name).hostKey]);
  });

  it('a failing first-use callback fails the session as a storage error', async () => {
    const err = await pool.fetch(opts(fleet.info[1]!.name, { hostKey: { onFirstUse: async () => { throw new Error('database away'); } } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetkeepError);
    expect((err as NetkeepError).failureClass).toBe('storage_error');
    expect((err as NetkeepError).message).toContain('database away');
  });

  it('a changed host key is classified, with the key seen in the details', async () => {
    const i = fleet.info[1]!;
    const other = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOv0x8W4kX0Zr0Zz9m7m0n1zJ0hZ6bD2sQ0mE8Jb7Ykq';
    const err = await pool.fetch(opts(i.name, { hostKey: { pinned: other } })).catch((e: unknown) => e);
    expect((err as NetkeepError).failureClass).toBe('host_key_changed');
    expect((err as NetkeepError).details?.seen).toBe(i.hostKey);
  });

  it('an abort reaches the session in its thread', async () => {
    const ac = new AbortController();
    ac.abort(new NetkeepError('timeout', 'stop now'));
    const before = await pool.fetch(opts(fleet.info[2]!.name, { hostKey: { acceptAny: true }, signal: ac.signal })).catch((e: unknown) => e);
    expect((before as NetkeepError).failureClass).toBe('timeout');
    const ac2 = new AbortController();
    const p = pool.fetch(opts(fleet.info[2]!.name, { hostKey: { acceptAny: true }, signal: ac2.signal }));
    ac2.abort(new NetkeepError('timeout', 'the job deadline passed'));
    const r = await p.then(
      () => 'finished first',
      (e: unknown) => (e as NetkeepError).failureClass,
    );
    // the abort lands before or after the (fast) session ends: either way nothing hangs
    expect(['timeout', 'finished first']).toContain(r);
  });

  it('NETKEEP_FETCH_THREADS sets the size; a bad value is a clear error', () => {
    expect(defaultFetchThreads({ NETKEEP_FETCH_THREADS: '0' })).toBe(0);
    expect(defaultFetchThreads({ NETKEEP_FETCH_THREADS: '3' })).toBe(3);
    expect(() => defaultFetchThreads({ NETKEEP_FETCH_THREADS: 'many' })).toThrow(/NETKEEP_FETCH_THREADS/);
  });

  it('a closed pool refuses new fetches', async () => {
    const p = createFetchPool(1);
    await p.close();
    await expect(p.fetch(opts(fleet.info[0]!.name, { hostKey: { acceptAny: true } }))).rejects.toThrow(/closed/);
  });
});
