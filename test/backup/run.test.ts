// runBackup, the batch recorder and the limits, on both back-ends, against real SSH simulators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import { BatchRecorder, RetryableBackupError, runBackup } from '../../src/backup/run.ts';
import { runPass } from '../../src/backup/pass.ts';
import { bus } from '../../src/events/bus.ts';
import { enqueueBackup, getBoss, stopBoss } from '../../src/schedule/queue.ts';
import { LocalSlots, SharedSlots } from '../../src/schedule/limits.ts';
import { startWorker } from '../../src/schedule/worker.ts';
import { getVersion } from '../../src/store/history.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { cleanupDirs, seedFleet, tempDir, testKeyring } from './helpers.ts';
import { unfinishedJobs, waitFor } from '../faults/helpers.ts';

describe.each(backends())('runBackup on %s', (backend) => {
  let t: TestDb;
  let ctx: AppContext;
  let fleet: Fleet;
  let ids: Map<string, string>;
  beforeAll(async () => {
    t = await freshDb(backend);
    const dataDir = tempDir();
    ctx = { ndb: t, db: t.db, keyring: testKeyring(dataDir), dataDir, close: async () => {} };
    fleet = await startFleet({ count: 12, configLines: 300, latencyMs: 20 });
    ids = await seedFleet(t.db, ctx.keyring, fleet, { names: fleet.info.slice(0, 4).map((i) => i.name) });
    for (const [k, v] of await seedFleet(t.db, ctx.keyring, fleet, { names: fleet.info.slice(4, 10).map((i) => i.name), group: 'mgmt-a', groupOptions: { max_sessions: 2 } })) ids.set(k, v);
    for (const [k, v] of await seedFleet(t.db, ctx.keyring, fleet, { names: ['sim00011', 'sim00012'], zone: 'dmz' })) ids.set(k, v);
    await getBoss(ctx, { settings: { attemptDeadlineSeconds: 10, retryLimit: 1, retryDelaySeconds: 1, superviseIntervalSeconds: 2 } });
  });
  afterAll(async () => {
    await stopBoss(ctx);
    await fleet?.close();
    await t?.close();
    cleanupDirs();
  });

  it('permanent problems are recorded at once with what to do: unknown driver, no credentials', async () => {
    const id = ids.get('sim00001')!;
    await t.db.updateTable('devices').set({ driver: 'no-such-os' }).where('id', '=', id).execute();
    const r = await runBackup(ctx, { deviceId: id, trigger: 'manual', recordTransient: false });
    expect(r).toMatchObject({ status: 'failure', failureClass: 'unknown_driver', permanent: true });
    expect(r.status === 'failure' && r.message).toMatch(/netkeep drivers/);
    await t.db.updateTable('devices').set({ driver: 'ios', credential_profile_id: null }).where('id', '=', id).execute();
    const r2 = await runBackup(ctx, { deviceId: id, trigger: 'manual', recordTransient: false });
    expect(r2).toMatchObject({ status: 'failure', failureClass: 'config_error', permanent: true });
    expect(r2.status === 'failure' && r2.message).toMatch(/PATCH \/api\/v1\/devices\/sim00001 with {"credential_profile": NAME}/);
    const rows = await t.db.selectFrom('backup_history').select('error_class').where('device_id', '=', id).execute();
    expect(rows.map((x) => x.error_class).sort()).toEqual(['config_error', 'unknown_driver']);
  });

  it('a transient failure with retries left records nothing; on the last attempt it is recorded', async () => {
    const id = ids.get('sim00002')!;
    await t.db.updateTable('devices').set({ port: 1 }).where('id', '=', id).execute(); // nothing listens there
    await expect(runBackup(ctx, { deviceId: id, trigger: 'manual', jobId: 'job-t1', recordTransient: false })).rejects.toBeInstanceOf(RetryableBackupError);
    expect(await t.db.selectFrom('backup_history').select('id').where('device_id', '=', id).execute()).toHaveLength(0);
    const r = await runBackup(ctx, { deviceId: id, trigger: 'manual', jobId: 'job-t1', attempt: 1, recordTransient: true });
    expect(r).toMatchObject({ status: 'failure', failureClass: 'connect_refused', permanent: false });
    await t.db.updateTable('devices').set({ port: fleet.infoOf('sim00002').sshPort! }).where('id', '=', id).execute();
  });

  it('a retried job whose row exists is not run again (its worker died after recording)', async () => {
    const id = ids.get('sim00003')!;
    const first = await runBackup(ctx, { deviceId: id, trigger: 'schedule', jobId: 'job-x' });
    expect(first).toMatchObject({ status: 'success', changed: true });
    const again = await runBackup(ctx, { deviceId: id, trigger: 'schedule', jobId: 'job-x', attempt: 1 });
    expect(again).toMatchObject({ status: 'success', historyId: first.historyId, alreadyRecorded: true });
    // even a first attempt (no check before the session) ends at the unique index, not a second row
    const dup = await runBackup(ctx, { deviceId: id, trigger: 'schedule', jobId: 'job-x' });
    expect(dup).toMatchObject({ historyId: first.historyId, alreadyRecorded: true });
    expect(await t.db.selectFrom('backup_history').select('id').where('job_id', '=', 'job-x').execute()).toHaveLength(1);
  });

  it('the batch recorder records like recordBackup: changed, significant, state, one row per job', async () => {
    const rec = new BatchRecorder(ctx, { maxBatch: 8 });
    const names = ['sim00004', 'sim00005', 'sim00006'];
    const run = (n: string, job: string) => runBackup(ctx, { deviceId: ids.get(n)!, trigger: 'schedule', jobId: job, recorder: rec.record });
    const a = await Promise.all(names.map((n) => run(n, `b1-${n}`)));
    expect(a.map((x) => x.status === 'success' && x.changed)).toEqual([true, true, true]);
    fleet.device('sim00005').mutate(7);
    const b = await Promise.all(names.map((n) => run(n, `b2-${n}`)));
    expect(b.map((x) => x.status === 'success' && [x.changed, x.significant])).toEqual([[false, false], [true, true], [false, false]]);
    const d = await t.db.selectFrom('devices').select(['name', 'last_status', 'last_success_at', 'last_change_at']).where('name', 'in', names).orderBy('name').execute();
    expect(d.every((x) => x.last_status === 'success')).toBe(true);
    expect(d[1].last_change_at!.getTime()).toBe(d[1].last_success_at!.getTime());
    expect(d[0].last_change_at!.getTime()).toBeLessThan(d[0].last_success_at!.getTime());
    const meta = await t.db.selectFrom('backup_metadata').select(['key', 'value']).where('backup_id', '=', b[1].historyId).execute();
    expect(Object.fromEntries(meta.map((m) => [m.key, m.value]))).toMatchObject({ driver: 'ios' });
    expect(meta.map((m) => m.key)).not.toContain('changed'); // a history column, not repeated as a row
    expect((await getVersion(t.db, b[1].historyId)).metadata).toMatchObject({ driver: 'ios', changed: 'yes', significant: 'yes', trigger: 'schedule' });
    expect((await getVersion(t.db, b[0].historyId)).metadata).toMatchObject({ changed: 'no', significant: 'no' });
    // a job recorded already: the batch falls back to one-by-one and the unique index answers
    const again = await run('sim00004', 'b2-sim00004');
    expect(again).toMatchObject({ historyId: b[0].historyId, alreadyRecorded: true });
  });

  it('a group limit of 2 sessions holds across the worker; zone devices wait for their zone', async () => {
    let now = 0;
    let max = 0;
    const group = new Set([...ids.entries()].filter(([n]) => n >= 'sim00005' && n <= 'sim00010').map(([, v]) => v));
    const offs = [
      bus.on('job.started', (e) => {
        if (group.has(e.deviceId)) max = Math.max(max, ++now);
      }),
      bus.on('job.finished', (e) => {
        if (group.has(e.deviceId)) now--;
      }),
    ];
    const w = await startWorker(ctx, { concurrency: 8, pollIntervalMs: 100, log: () => {} });
    try {
      const dmz = await enqueueBackup(ctx, { deviceId: ids.get('sim00011')!, trigger: 'api' });
      const s = await runPass(ctx, { group: 'mgmt-a' });
      expect(s).toMatchObject({ total: 6, ok: 6 });
      expect(max).toBe(2);
      // the default-zone worker never took the dmz device's job
      const boss = await getBoss(ctx);
      expect((await boss.getJobById(dmz.queue, dmz.jobId))?.state).toBe('created');
      const zw = await startWorker(ctx, { zones: ['dmz'], concurrency: 2, pollIntervalMs: 100, log: () => {} });
      await waitFor('the dmz worker to back up its device', async () => (await t.db.selectFrom('backup_history').select('id').where('job_id', '=', dmz.jobId).execute()).length === 1);
      await zw.stop();
    } finally {
      for (const o of offs) o();
      await w.stop();
    }
    await waitFor('jobs settled', async () => (await unfinishedJobs(t.db)) === 0);
  });

  it('global session slots: never more than the limit, free again after release', async () => {
    const slots = backend === 'pglite' ? new LocalSlots(3) : new SharedSlots(ctx, { scope: 'test', max: 3, holder: 'a', ttlSeconds: 60 });
    const other = backend === 'pglite' ? slots : new SharedSlots(ctx, { scope: 'test', max: 3, holder: 'b', ttlSeconds: 60 });
    const a = await slots.tryAcquire(2);
    const b = await other.tryAcquire(5);
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(1);
    expect(await other.tryAcquire(1)).toHaveLength(0);
    await slots.release(a);
    expect(await other.tryAcquire(5)).toHaveLength(2);
    if (backend === 'postgres') {
      // a dead holder's leases expire
      await t.db.updateTable('backup_slots').set({ expires_at: new Date(Date.now() - 1000) }).where('holder', '=', 'b').execute();
      expect(await slots.tryAcquire(5)).toHaveLength(3);
    }
  });
});
