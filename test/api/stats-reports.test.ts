// GET /stats/dashboard and /reports/* over a real database (both back-ends): the figures come
// from history recorded the way the runner records it, across days, groups and failure classes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBackup, recordFailure } from '../../src/backup/record.ts';
import { createBackupConfig } from '../../src/inventory/backup-configs.ts';
import { createDevice } from '../../src/inventory/devices.ts';
import { createGroup } from '../../src/inventory/groups.ts';
import { NetkeepError } from '../../src/errors.ts';
import { stopBoss } from '../../src/schedule/queue.ts';
import { backends } from '../helpers/db.ts';
import { body, startServer, type TestServer } from './helpers.ts';

const DAY = 86_400_000;
const V1 = '/api/v1';

describe.each(backends())('dashboard and reports on %s', (backend) => {
  let s: TestServer;
  const now = Date.now();
  const at = (msAgo: number) => new Date(now - msAgo);
  beforeAll(async () => {
    s = await startServer(backend);
    const db = s.t.db;
    const core = await createGroup(db, { name: 'core' });
    await createGroup(db, { name: 'empty-group' });
    const c1 = await createDevice(db, { name: 'c1', address: '192.0.2.1', driver: 'ios', group: core.id });
    const c2 = await createDevice(db, { name: 'c2', address: '192.0.2.2', driver: 'ios', group: core.id });
    const n1 = await createDevice(db, { name: 'n1', address: '192.0.2.3', driver: 'ios' });
    await createDevice(db, { name: 'off', address: '192.0.2.4', driver: 'ios', enabled: false });
    const ok = (deviceId: string, text: string, msAgo: number) =>
      recordBackup(s.ctx, { deviceId, text, startedAt: at(msAgo + 1000), completedAt: at(msAgo), trigger: 'schedule', driver: 'ios', durationMs: 1000 });
    const fail = (deviceId: string, cls: 'auth_failed' | 'timeout', msAgo: number) =>
      recordFailure(s.ctx, { deviceId, error: new NetkeepError(cls, `${cls} failed`), startedAt: at(msAgo + 1000), completedAt: at(msAgo), trigger: 'schedule' });
    // c1: first version 3 days ago, unchanged 2 h ago, changed 1 h ago
    await ok(c1.id, 'hostname c1\n', 3 * DAY);
    await ok(c1.id, 'hostname c1\n', 2 * 3600_000);
    await ok(c1.id, 'hostname c1\nntp server 192.0.2.9\n', 3600_000);
    // c2: one version 40 days ago (outside every window), failing now: auth then timeout
    await ok(c2.id, 'hostname c2\n', 40 * DAY);
    await fail(c2.id, 'auth_failed', 3 * 3600_000);
    await fail(c2.id, 'timeout', 1800_000);
    // n1: never succeeded
    await fail(n1.id, 'timeout', 600_000);
    await createBackupConfig(db, { device_id: c1.id, backup_type: 'startup-config', schedule_cron: '0 3 * * *' });
    await createBackupConfig(db, { device_id: n1.id, backup_type: 'startup-config', schedule_cron: '*/5 * * * *' });
  });
  afterAll(async () => {
    if (s) await stopBoss(s.ctx);
    await s?.close();
  });

  it('computes the dashboard from the history', async () => {
    const r = await s.as('viewer', { method: 'GET', url: `${V1}/stats/dashboard` });
    expect(r.statusCode).toBe(200);
    const d = body(r);
    expect(d.devices_total).toBe(4);
    expect(d.devices_enabled).toBe(3);
    expect(d.devices_failing).toBe(2); // c2 and n1
    expect(d.devices_never_backed_up).toBe(1); // n1 (off is disabled)
    expect(d.backed_up_24h).toBe(1); // c1 only
    expect(d.runs_24h).toBe(5); // c1 ×2, c2 ×2, n1 ×1
    expect(d.success_rate_24h).toBeCloseTo(2 / 5, 10);
    expect(d.failures_by_class).toEqual({ timeout: 2, auth_failed: 1 });
    expect(d.storage_bytes).toBeGreaterThan(0);
    expect(d.daily).toHaveLength(30);
    const total = (k: 'successes' | 'failures' | 'changes') => d.daily.reduce((n: number, x: Record<string, number>) => n + x[k], 0);
    expect(total('successes')).toBe(3); // c1's three (c2's is 40 days old)
    expect(total('failures')).toBe(3);
    expect(d.daily.at(-1).date).toBe(new Date().toISOString().slice(0, 10));
    // the soonest run first: every 5 minutes beats 03:00 daily
    expect(d.next_runs.map((x: { name: string }) => x.name)).toEqual(['n1 (startup-config)', 'c1 (startup-config)']);
    expect(Date.parse(d.next_runs[0].at)).toBeGreaterThan(Date.now() - 1000);
  });

  it('reports per group, including devices without a group and empty groups', async () => {
    const r = await s.as('viewer', { method: 'GET', url: `${V1}/reports/groups?days=30` });
    expect(r.statusCode).toBe(200);
    const rows = Object.fromEntries(body(r).items.map((x: { group_name: string }) => [x.group_name, x]));
    expect(Object.keys(rows).sort()).toEqual(['(no group)', 'core', 'empty-group']);
    expect(rows.core).toMatchObject({ devices: 2, failing_devices: 1, never_backed_up: 0, runs: 5, successes: 3, failures: 2 });
    expect(rows.core.success_rate).toBeCloseTo(3 / 5, 10);
    expect(rows.core.changes).toBeGreaterThanOrEqual(2); // the first version and the ntp change (the unchanged run is not one)
    expect(rows['(no group)']).toMatchObject({ group_id: null, devices: 2, enabled_devices: 1, runs: 1, successes: 0, failures: 1, success_rate: 0, never_backed_up: 1 });
    expect(rows['empty-group']).toMatchObject({ devices: 0, runs: 0, success_rate: null, changes_per_device: 0 });
    const week = body(await s.as('viewer', { method: 'GET', url: `${V1}/reports/groups?days=1` }));
    expect(week.items.find((x: { group_name: string }) => x.group_name === 'core').successes).toBe(2);
  });

  it('lists devices never backed up, and exports CSV that a spreadsheet cannot run', async () => {
    const r = body(await s.as('viewer', { method: 'GET', url: `${V1}/reports/never-backed-up` }));
    expect(r.items.map((x: { name: string }) => x.name)).toEqual(['n1', 'off']);
    expect(r.items[0]).toMatchObject({ last_status: 'failure', last_error_class: 'timeout' });
    const csv = await s.as('viewer', { method: 'GET', url: `${V1}/reports/never-backed-up?format=csv` });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="netkeep-never-backed-up-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('device_id,name,address,driver,group,enabled,created_at,last_attempt_at,last_status,last_error_class,last_error');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(',n1,192.0.2.3,ios,,true,');
    const g = await s.as('viewer', { method: 'GET', url: `${V1}/reports/groups?format=csv` });
    expect(g.body.split('\r\n')[0]).toBe('group_id,group_name,devices,enabled_devices,failing_devices,never_backed_up,runs,successes,failures,success_rate,changes,changes_per_device');
    expect(g.body).toContain(',core,2,2,1,0,5,3,2,0.6,');
  });

  it('reads a schedule before it is saved, and says what is wrong with a bad one', async () => {
    const ok = body(await s.as('viewer', { method: 'GET', url: `${V1}/schedules/preview?cron=30%202%20*%20*%20*&timezone=Europe/Berlin` }));
    expect(ok.description).toBe('at 02:30 every day');
    expect(ok.next_runs).toHaveLength(5);
    const bad = await s.as('viewer', { method: 'GET', url: `${V1}/schedules/preview?cron=61%20*%20*%20*%20*` });
    expect(bad.statusCode).toBe(400);
    expect(body(bad).code).toBe('invalid_schedule');
    const none = body(await s.as('viewer', { method: 'GET', url: `${V1}/schedules/preview?cron=` }));
    expect(none).toMatchObject({ cron: null, next_runs: [] });
  });
});
