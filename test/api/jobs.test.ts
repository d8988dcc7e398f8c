// POST /backups/devices/{id}/backup queues a job; GET /jobs/{id} follows it through the queue
// (a stand-in worker takes, progresses, completes and fails jobs on the real pg-boss queue), and
// GET /jobs lists and filters them. Backup configurations show their next runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBackup } from '../../src/backup/record.ts';
import { bus } from '../../src/events/bus.ts';
import { createBackupConfig } from '../../src/inventory/backup-configs.ts';
import { createDevice } from '../../src/inventory/devices.ts';
import { getBoss, queueName, stopBoss } from '../../src/schedule/queue.ts';
import { backends } from '../helpers/db.ts';
import { body, expectProblem, startServer, type TestServer } from './helpers.ts';

const V1 = '/api/v1';

describe.each(backends())('jobs API on %s', (backend) => {
  let s: TestServer;
  let r1: string;
  let runCfg: string;
  let fullCfg: string;
  beforeAll(async () => {
    s = await startServer(backend);
    const d = await createDevice(s.t.db, { name: 'r1', address: '192.0.2.1', driver: 'ios' });
    r1 = d.id;
    runCfg = (await createBackupConfig(s.t.db, { device_id: d.id, backup_type: 'running-config', schedule_cron: '30 2 * * *', schedule_timezone: 'Europe/Berlin' })).id;
    fullCfg = (await createBackupConfig(s.t.db, { device_id: d.id, backup_type: 'full-state', schedule_cron: 'daily', enabled: false })).id;
    await createDevice(s.t.db, { name: 'off', address: '192.0.2.2', driver: 'ios', enabled: false });
  });
  afterAll(async () => {
    if (s) await stopBoss(s.ctx);
    await s?.close();
  });

  const job = async (id: string) => body(await s.as('viewer', { method: 'GET', url: `${V1}/jobs/${id}` }));

  it('backup configurations show the schedule in English and the next 5 runs', async () => {
    const c = body(await s.as('viewer', { method: 'GET', url: `${V1}/backups/configs/${runCfg}` }));
    expect(c.schedule_description).toBe('at 02:30 every day');
    expect(c.next_runs).toHaveLength(5);
    for (const t of c.next_runs) expect(new Date(t).getTime()).toBeGreaterThan(Date.now());
    // 02:30 in Berlin is 00:30 or 01:30 UTC
    expect(c.next_runs.every((t: string) => /T0[01]:30:00\.000Z$/.test(t))).toBe(true);
    const full = body(await s.as('viewer', { method: 'GET', url: `${V1}/backups/configs/${fullCfg}` }));
    expect(full).toMatchObject({ schedule_cron: '@daily', schedule_description: 'at 00:00 every day', next_runs: [], enabled: false });
    const list = body(await s.as('viewer', { method: 'GET', url: `${V1}/backups/configs?device=r1` }));
    expect(list.total).toBe(2);
    expect(list.items.map((x: { next_runs: string[] }) => x.next_runs.length).sort()).toEqual([0, 5]);
    const put = body(await s.as('operator', { method: 'PUT', url: `${V1}/backups/configs/${runCfg}`, payload: { schedule_cron: '*/15 * * * 1-5' } }));
    expect(put.schedule_description).toBe('every 15 minutes, Monday to Friday');
    const bad = expectProblem(await s.as('operator', { method: 'PUT', url: `${V1}/backups/configs/${runCfg}`, payload: { schedule_cron: '0 0 * * 5#2' } }), 400, 'invalid_schedule');
    expect(bad.detail).toContain('non-standard');
  });

  it('triggers a backup: 202 with a job id, audited; a second request joins the waiting job', async () => {
    const events: string[] = [];
    const off = bus.onAny((e) => events.push(`${e.type}:${(e as { deviceName?: string }).deviceName}`));
    const r = await s.as('operator', { method: 'POST', url: `${V1}/backups/devices/r1/backup` });
    off();
    expect(r.statusCode).toBe(202);
    const a = body(r);
    expect(a).toMatchObject({ queued: true, device_id: r1, device_name: 'r1', config_id: runCfg, backup_type: 'running-config', status_url: `/api/v1/jobs/${a.job_id}` });
    expect(events).toContain('job.queued:r1');
    const again = body(await s.as('admin', { method: 'POST', url: `${V1}/backups/devices/${r1}/backup`, payload: {} }));
    expect(again).toMatchObject({ job_id: a.job_id, queued: false });
    const j = await job(a.job_id);
    expect(j).toMatchObject({ id: a.job_id, state: 'queued', device_id: r1, device_name: 'r1', config_id: runCfg, trigger: 'api', requested_by: 'operator', attempt: 0, result: null, error: null, progress: null });
    const audit = await s.t.db.selectFrom('audit_log').selectAll().where('action', '=', 'backup.run').where('result', '=', 'ok').execute();
    expect(audit.length).toBe(2);
    expect(audit[0]!.target_id).toBe(r1);
    expect(JSON.stringify(audit[0]!.details)).toContain(a.job_id);
  });

  it('follows a job through running (with progress) to succeeded with its history id', async () => {
    const boss = await getBoss(s.ctx);
    const [taken] = await boss.fetch(queueName(null), { batchSize: 10 });
    expect(taken).toBeDefined();
    const ref = { jobId: taken!.id, deviceId: r1, deviceName: 'r1', configId: runCfg, trigger: 'api', zone: null, attempt: 0 };
    bus.emit('job.started', { ...ref, at: new Date(), workerId: 'w1' });
    bus.emit('job.progress', { ...ref, at: new Date(), step: 'fetching' });
    const running = await job(taken!.id);
    expect(running).toMatchObject({ state: 'running', progress: { step: 'fetching' } });
    expect(running.started_at).not.toBeNull();
    const rec = await recordBackup(s.ctx, { deviceId: r1, configId: runCfg, text: 'hostname r1\n', startedAt: new Date(), completedAt: new Date(), trigger: 'api', driver: 'ios', durationMs: 5, jobId: taken!.id });
    await boss.complete(queueName(null), taken!.id);
    bus.emit('job.finished', { ...ref, at: new Date(), status: 'success', historyId: rec.historyId, durationMs: 5, changed: true });
    const done = await job(taken!.id);
    expect(done).toMatchObject({ state: 'succeeded', progress: null, error: null, result: { history_id: rec.historyId, status: 'success', changed: true, significant: true } });
    expect(done.completed_at).not.toBeNull();
  });

  it('shows a failed job with its failure class and message; lists and filters jobs', async () => {
    const a = body(await s.as('operator', { method: 'POST', url: `${V1}/backups/devices/r1/backup`, payload: { backup_type: 'full-state' } }));
    expect(a).toMatchObject({ queued: true, config_id: fullCfg, backup_type: 'full-state' });
    const boss = await getBoss(s.ctx);
    const [taken] = await boss.fetch(queueName(null));
    expect(taken!.id).toBe(a.job_id);
    await boss.getDb().executeSql(`UPDATE pgboss.job SET retry_limit = retry_count WHERE id = $1`, [a.job_id]);
    await boss.fail(queueName(null), a.job_id, { failureClass: 'auth_failed', message: 'the device refused user backup' });
    const f = await job(a.job_id);
    expect(f).toMatchObject({ state: 'failed', config_id: fullCfg, error: { class: 'auth_failed', message: 'the device refused user backup' } });

    const all = body(await s.as('viewer', { method: 'GET', url: `${V1}/jobs` }));
    expect(all.total).toBe(2);
    expect(all.items[0].id).toBe(a.job_id); // newest first
    expect(body(await s.as('viewer', { method: 'GET', url: `${V1}/jobs?state=failed` })).items.map((x: { id: string }) => x.id)).toEqual([a.job_id]);
    expect(body(await s.as('viewer', { method: 'GET', url: `${V1}/jobs?state=succeeded&device=r1` })).total).toBe(1);
    expect(body(await s.as('viewer', { method: 'GET', url: `${V1}/jobs?state=queued` })).total).toBe(0);
    expect(body(await s.as('viewer', { method: 'GET', url: `${V1}/jobs?config=${fullCfg}` })).total).toBe(1);
    const p = body(await s.as('viewer', { method: 'GET', url: `${V1}/jobs?limit=1&offset=1` }));
    expect(p).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(p.items).toHaveLength(1);
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/jobs?device=nope` }), 404, 'device_not_found');
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/jobs?state=sleeping` }), 400, 'invalid_request');
  });

  it('refuses what it cannot run, with clear problems', async () => {
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/jobs/00000000-0000-4000-8000-000000000000` }), 404, 'job_not_found');
    expectProblem(await s.as('viewer', { method: 'POST', url: `${V1}/backups/devices/r1/backup` }), 403, 'forbidden');
    expectProblem(await s.as('anonymous', { method: 'GET', url: `${V1}/jobs` }), 401, 'unauthenticated');
    expectProblem(await s.as('operator', { method: 'POST', url: `${V1}/backups/devices/nope/backup` }), 404, 'device_not_found');
    expectProblem(await s.as('operator', { method: 'POST', url: `${V1}/backups/devices/off/backup` }), 409, 'device_disabled');
    expectProblem(await s.as('operator', { method: 'POST', url: `${V1}/backups/devices/r1/backup`, payload: { backup_type: 'startup-config' } }), 404, 'backup_config_not_found');
    expectProblem(await s.as('operator', { method: 'POST', url: `${V1}/backups/devices/r1/backup`, payload: { config_id: '00000000-0000-4000-8000-000000000000' } }), 404, 'backup_config_not_found');
    expectProblem(await s.as('operator', { method: 'POST', url: `${V1}/backups/devices/r1/backup`, payload: { config_id: runCfg, backup_type: 'full-state' } }), 400, 'backup_type_mismatch');
    expectProblem(await s.as('operator', { method: 'POST', url: `${V1}/backups/devices/r1/backup`, payload: { when: 'now' } }), 400, 'invalid_request');
  });
});
