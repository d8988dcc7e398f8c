// The worker on both back-ends, against a real simulated fleet over SSH and real pg-boss:
// one history row per job, retries only for transient failures, host keys pinned on first use,
// a changed key parked for the operator, events, singleton jobs, no new blob on a quiet pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import { runPass } from '../../src/backup/pass.ts';
import { bus, type BackupEvent } from '../../src/events/bus.ts';
import { enqueueBackup, getBoss, queueName, stopBoss } from '../../src/schedule/queue.ts';
import { startWorker, type WorkerHandle } from '../../src/schedule/worker.ts';
import { encryptSecret } from '../../src/security/secrets.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { cleanupDirs, seedFleet, tempDir, testKeyring } from '../backup/helpers.ts';
import { unfinishedJobs, waitFor } from '../faults/helpers.ts';

const SETTINGS = { attemptDeadlineSeconds: 8, retryLimit: 1, retryDelaySeconds: 1, retryDelayMaxSeconds: 2, superviseIntervalSeconds: 2 };

describe.each(backends())('backup worker on %s', (backend) => {
  let t: TestDb;
  let ctx: AppContext;
  let fleet: Fleet;
  let ids: Map<string, string>;
  let worker: WorkerHandle;
  const events: BackupEvent[] = [];
  let off: () => void;

  beforeAll(async () => {
    t = await freshDb(backend);
    const dataDir = tempDir();
    ctx = { ndb: t, db: t.db, keyring: testKeyring(dataDir), dataDir, close: async () => {} };
    // last devices misbehave: sim00012 hangs, sim00011 wrong password, sim00010 shows another host key
    fleet = await startFleet({ count: 12, configLines: 300, misbehave: { hang: 1, 'wrong-password': 1, 'host-key-changed': 1 } });
    ids = await seedFleet(t.db, ctx.keyring, fleet, { names: fleet.info.slice(0, 9).map((i) => i.name) });
    // the device with a changed key was pinned to the fleet's key before
    const more = await seedFleet(t.db, ctx.keyring, fleet, { names: ['sim00010'], pin: true });
    const rest = await seedFleet(t.db, ctx.keyring, fleet, { names: ['sim00011', 'sim00012'] });
    for (const m of [more, rest]) for (const [k, v] of m) ids.set(k, v);
    off = bus.onAny((e) => events.push(e));
    await getBoss(ctx, { settings: SETTINGS });
  });
  afterAll(async () => {
    off?.();
    await worker?.stop({ graceful: false });
    await stopBoss(ctx);
    await fleet?.close();
    await t?.close();
    cleanupDirs();
  });

  it('a queued job for a device that already has one waiting is the same job (singleton)', async () => {
    const a = await enqueueBackup(ctx, { deviceId: ids.get('sim00001')!, trigger: 'api' });
    const b = await enqueueBackup(ctx, { deviceId: ids.get('sim00001')!, trigger: 'schedule' });
    expect(a.queued).toBe(true);
    expect(b).toMatchObject({ jobId: a.jobId, queued: false, queue: queueName(null) });
    const boss = await getBoss(ctx);
    await boss.deleteJob(queueName(null), a.jobId);
  });

  it('runs a pass: good devices stored, each failure classified, one history row per device', async () => {
    worker = await startWorker(ctx, { concurrency: 8, settings: SETTINGS, pollIntervalMs: 200, log: () => {} });
    const s = await runPass(ctx, { all: true });
    expect(s.total).toBe(12);
    expect(s.ok).toBe(9);
    expect(s.changed).toBe(9);
    expect(s.failed).toBe(3);
    expect(s.failedByClass).toEqual({ timeout: 1, auth_failed: 1, host_key_changed: 1 });
    const rows = await t.db.selectFrom('backup_history').select(['device_id', 'job_id', 'status']).execute();
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((r) => r.device_id)).size).toBe(12);

    const hk = s.failures.find((f) => f.failureClass === 'host_key_changed')!;
    expect(hk.device).toBe('sim00010');
    expect(hk.message).toContain('netkeep device accept-key sim00010');
    const d10 = await t.db.selectFrom('devices').select(['host_key', 'host_key_pending']).where('name', '=', 'sim00010').executeTakeFirstOrThrow();
    expect(d10.host_key).toBe(fleet.infoOf('sim00010').pinnedHostKey);
    expect(d10.host_key_pending).toBe(fleet.infoOf('sim00010').hostKey);
    // trust on first use: the others now have the fleet's key pinned
    const d1 = await t.db.selectFrom('devices').select(['host_key', 'last_status', 'consecutive_failures']).where('name', '=', 'sim00001').executeTakeFirstOrThrow();
    expect(d1).toMatchObject({ host_key: fleet.infoOf('sim00001').pinnedHostKey, last_status: 'success', consecutive_failures: 0 });

    // the timeout was retried once (no row for the first attempt), the permanent failures never
    const retrying = events.filter((e) => e.type === 'job.retrying');
    expect(retrying.map((e) => (e as { deviceId: string }).deviceId)).toEqual([ids.get('sim00012')]);
    const boss = await getBoss(ctx);
    // the pass ends with the history rows; the worker settles the jobs right after
    await waitFor('the jobs to be settled', async () => (await unfinishedJobs(t.db)) === 0);
    const authRow = rows.find((r) => r.device_id === ids.get('sim00011'))!;
    const authJob = await boss.getJobById(queueName(null), authRow.job_id!);
    expect(authJob).toMatchObject({ state: 'failed', retryCount: 0 });
    const hangRow = rows.find((r) => r.device_id === ids.get('sim00012'))!;
    expect(await boss.getJobById(queueName(null), hangRow.job_id!)).toMatchObject({ state: 'failed', retryCount: 1 });
    const okJob = await boss.getJobById(queueName(null), rows.find((r) => r.device_id === ids.get('sim00001'))!.job_id!);
    expect(okJob?.state).toBe('completed');

    expect(events.filter((e) => e.type === 'backup.changed')).toHaveLength(9);
    expect(events.filter((e) => e.type === 'backup.failed').map((e) => (e as { failureClass: string }).failureClass).sort()).toEqual(['auth_failed', 'host_key_changed', 'timeout']);
  });

  it('a second pass with nothing changed stores no new blob; a fixed device emits recovered', async () => {
    const blobs = async () => (await t.db.selectFrom('blobs').select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
    const before = Number(await blobs());
        events.length = 0;
    const s = await runPass(ctx, { devices: ['sim00001', 'sim00002', 'sim00003'] });
    expect(s).toMatchObject({ total: 3, ok: 3, changed: 0, failed: 0 });
    expect(Number(await blobs())).toBe(before);
    expect(events.filter((e) => e.type === 'backup.changed')).toHaveLength(0);
    const n = await t.db.selectFrom('backup_history').select((e) => e.fn.countAll<number>().as('n')).where('device_id', '=', ids.get('sim00001')!).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(2);
  });

  it('a device that failed and then succeeds emits recovered; state lives in the database', async () => {
    // break sim00002's credentials, back it up, repair them, back it up again
    const prof = await t.db.selectFrom('devices').select('credential_profile_id').where('name', '=', 'sim00002').executeTakeFirstOrThrow();
    await t.db.updateTable('credential_profiles').set({ password_enc: encryptSecret(ctx.keyring, 'wrong') }).where('id', '=', prof.credential_profile_id!).execute();
    const s1 = await runPass(ctx, { devices: ['sim00002'] });
    expect(s1.failedByClass).toEqual({ auth_failed: 1 });
    const failing = await t.db.selectFrom('devices').select(['last_status', 'consecutive_failures', 'failing_since', 'last_error_class']).where('name', '=', 'sim00002').executeTakeFirstOrThrow();
    expect(failing).toMatchObject({ last_status: 'failure', consecutive_failures: 1, last_error_class: 'auth_failed' });
    expect(failing.failing_since).toBeInstanceOf(Date);
    await t.db.updateTable('credential_profiles').set({ password_enc: encryptSecret(ctx.keyring, 'netkeep') }).where('id', '=', prof.credential_profile_id!).execute();
    events.length = 0;
    const s2 = await runPass(ctx, { devices: ['sim00002'] });
    expect(s2.ok).toBe(1);
    const rec = events.filter((e) => e.type === 'backup.recovered');
    expect(rec).toHaveLength(1);
    expect(rec[0]).toMatchObject({ deviceName: 'sim00002', failures: 1 });
  });
});
