// Restarts: PostgreSQL restarted in the middle of a pass (workers reconnect and finish), and the
// embedded database's worker killed with SIGKILL and started again (its jobs are taken again).
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { AppContext } from '../../src/context.ts';
import { openDatabase } from '../../src/db/index.ts';
import { runPass } from '../../src/backup/pass.ts';
import { getBoss, stopBoss } from '../../src/schedule/queue.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { cleanupDirs, seedFleet, tempDir, testKeyring, TEST_MASTER_KEY } from '../backup/helpers.ts';
import { createDatabase, historyCount, ownCluster, rowsPerDevice, spawnWorker, unfinishedJobs, waitFor, type OwnCluster, type WorkerProc } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SETTINGS = { attemptDeadlineSeconds: 10, retryLimit: 3, retryDelaySeconds: 1, retryDelayMaxSeconds: 2, superviseIntervalSeconds: 2 };

describe('restarts', () => {
  let cluster: OwnCluster | undefined;
  let fleet: Fleet | undefined;
  const procs: WorkerProc[] = [];
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await fleet?.close();
    cluster?.stop();
    cleanupDirs();
  });

  it('PostgreSQL restarted in the middle of a pass: the worker reconnects and every device gets one row', async () => {
    cluster = await ownCluster();
    const url = await createDatabase(cluster.url('postgres'), 'restart_test');
    const ndb = await openDatabase({ dataDir: tempDir(), databaseUrl: url });
    const dataDir = tempDir();
    const ctx: AppContext = { ndb, db: ndb.db, keyring: testKeyring(dataDir), dataDir, close: () => ndb.close() };
    fleet = await startFleet({ count: 120, latencyMs: 25, configLines: 300 });
    const ids = await seedFleet(ndb.db, ctx.keyring, fleet);
    await getBoss(ctx, { settings: SETTINGS });
    const blobDir = tempDir('netkeep-blobs-');
    const w = spawnWorker({ databaseUrl: url, dataDir: tempDir(), blobDir, args: ['--concurrency', '10', '--deadline', '10'] });
    procs.push(w);
    const pass = runPass(ctx, { all: true }, { pollMs: 200 });
    await waitFor('30 backups before the restart', async () => (await historyCount(ndb.db)) >= 30);
    const before = await historyCount(ndb.db);
    cluster.restart();
    expect(before).toBeLessThan(120); // restarted in the middle of the pass
    const s = await pass;
    expect(s).toMatchObject({ total: 120, ok: 120, failed: 0 });
    const per = await rowsPerDevice(ndb.db);
    for (const id of ids.values()) expect(per.get(id)).toBe(1);
    // a completion lost in the restart leaves its job active until it expires and is retried;
    // the retry finds the recorded row and completes: nothing stuck, and still one row each
    await waitFor('every job finished', async () => (await unfinishedJobs(ndb.db)) === 0, 90_000);
    const after = await rowsPerDevice(ndb.db);
    for (const id of ids.values()) expect(after.get(id)).toBe(1);
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    await stopBoss(ctx);
    await ndb.close();
    await fleet.close();
    fleet = undefined;
  }, 180_000);

  it('embedded database: a worker killed with SIGKILL mid-pass, started again, finishes every job once', async () => {
    const dataDir = tempDir();
    const env = { ...process.env, NETKEEP_MASTER_KEY: TEST_MASTER_KEY };
    fleet = await startFleet({ count: 80, latencyMs: 60, configLines: 300 });
    {
      const ndb = await openDatabase({ dataDir, command: 'test' });
      await seedFleet(ndb.db, testKeyring(dataDir), fleet);
      const ctx: AppContext = { ndb, db: ndb.db, keyring: testKeyring(dataDir), dataDir, close: () => ndb.close() };
      await getBoss(ctx, { settings: SETTINGS });
      await stopBoss(ctx);
      await ndb.close();
    }
    // queue the pass (no wait), as `netkeep backup --all` does while nothing runs
    const out = execFileSync(process.execPath, [join(ROOT, 'bin/netkeep.js'), 'backup', '--all', '--deadline', '10', '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    expect(out).toContain('queued 80 backup(s)');
    const a = spawnWorker({ databaseUrl: '', dataDir, blobDir: join(dataDir, 'blobs'), args: ['--concurrency', '8', '--deadline', '10'] });
    procs.push(a);
    await waitFor('the worker to start backing up', async () => /serving zone/.test(a.stderr()), 60_000);
    await new Promise((r) => setTimeout(r, 1000)); // let it get into the middle of the pass
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');
    // start it again until the queue is empty: the killed worker's jobs come back after their
    // deadline (10 s) plus the retry back-off (30 s, doubling, with jitter)
    for (let round = 0; round < 20; round++) {
      const b = spawnWorker({ databaseUrl: '', dataDir, blobDir: join(dataDir, 'blobs'), args: ['--concurrency', '8', '--deadline', '10'] });
      procs.push(b);
      await waitFor('the worker to start', async () => /serving zone/.test(b.stderr()), 60_000);
      await new Promise((r) => setTimeout(r, 6000));
      b.child.kill('SIGTERM');
      expect(await b.exited).toBe(0);
      const ndb = await openDatabase({ dataDir, command: 'test' });
      const left = await unfinishedJobs(ndb.db);
      if (process.env.NK_DEBUG) console.log('round', round, 'left', left, 'rows', (await rowsPerDevice(ndb.db)).size, b.stderr().slice(-600));
      const per = await rowsPerDevice(ndb.db);
      await ndb.close();
      if (left === 0) {
        expect(per.size).toBe(80);
        for (const n of per.values()) expect(n).toBe(1);
        return;
      }
    }
    throw new Error('jobs still unfinished after 20 worker restarts');
  }, 300_000);
});
