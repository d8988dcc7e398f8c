// The scheduler with a controlled clock: due slots, missed runs collapsed into one, restarts,
// several processes on one database, edits, disable/enable, DST, a failing queue.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import { openDatabase } from '../../src/db/index.ts';
import { createBackupConfig, updateBackupConfig } from '../../src/inventory/backup-configs.ts';
import { createDevice, updateDevice } from '../../src/inventory/devices.ts';
import { runDueSchedules, startScheduler, type EnqueueFn, type EnqueueRequest } from '../../src/schedule/scheduler.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';

function recorder(fail = false) {
  const calls: EnqueueRequest[] = [];
  const enqueue: EnqueueFn = async (_ctx, req) => {
    if (fail) throw new Error('queue down');
    calls.push(req);
    return { jobId: randomUUID() };
  };
  return { calls, enqueue };
}

const at = (iso: string) => () => new Date(iso);

describe.each(backends())('scheduler on %s', (backend) => {
  let t: TestDb;
  let ctx: AppContext;
  let n = 0;
  const quiet = () => {};
  beforeAll(async () => {
    t = await freshDb(backend);
    ctx = { ndb: t, db: t.db, keyring: undefined as never, dataDir: '/nonexistent', close: () => t.close() };
  });
  afterAll(async () => {
    await t?.close();
  });

  async function config(cron: string | null, tz = 'UTC', extra: { enabled?: boolean; backup_type?: string } = {}) {
    const d = await createDevice(t.db, { name: `s-${backend}-${++n}`, address: '192.0.2.1', driver: 'ios' });
    const c = await createBackupConfig(t.db, { device_id: d.id, backup_type: extra.backup_type ?? 'running-config', schedule_cron: cron, schedule_timezone: tz, enabled: extra.enabled ?? true });
    return { device: d, config: c };
  }
  const row = (id: string) => t.db.selectFrom('backup_configs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const mine = (calls: EnqueueRequest[], id: string) => calls.filter((c) => c.configId === id);

  it('plans a new schedule from now, fires at the slot once, then moves to the next slot', async () => {
    const { config: c, device: d } = await config('0 * * * *');
    const r = recorder();
    const o = { enqueue: r.enqueue, log: quiet };
    await runDueSchedules(ctx, { ...o, now: at('2030-01-01T10:20:00Z') });
    expect((await row(c.id)).next_run_at?.toISOString()).toBe('2030-01-01T11:00:00.000Z');
    expect((await row(c.id)).next_run_spec).toBe('0 * * * * UTC');
    await runDueSchedules(ctx, { ...o, now: at('2030-01-01T10:59:59Z') });
    expect(mine(r.calls, c.id)).toEqual([]);
    const res = await runDueSchedules(ctx, { ...o, now: at('2030-01-01T11:00:00Z') });
    expect(mine(r.calls, c.id)).toEqual([{ deviceId: d.id, configId: c.id, trigger: 'schedule' }]);
    expect(res.enqueued.find((e) => e.configId === c.id)?.slot.toISOString()).toBe('2030-01-01T11:00:00.000Z');
    const after = await row(c.id);
    expect(after.next_run_at?.toISOString()).toBe('2030-01-01T12:00:00.000Z');
    expect(after.last_run_at?.toISOString()).toBe('2030-01-01T11:00:00.000Z');
    expect(after.last_job_id).toBe(res.enqueued.find((e) => e.configId === c.id)?.jobId);
    await runDueSchedules(ctx, { ...o, now: at('2030-01-01T11:00:30Z') });
    expect(mine(r.calls, c.id)).toHaveLength(1);
  });

  it('runs missed slots once after a restart (state is in the database), not once per missed slot', async () => {
    const { config: c } = await config('*/15 * * * *');
    const first = recorder();
    await runDueSchedules(ctx, { enqueue: first.enqueue, log: quiet, now: at('2030-02-01T08:01:00Z') });
    expect((await row(c.id)).next_run_at?.toISOString()).toBe('2030-02-01T08:15:00.000Z');
    // "down" from 08:01 to 11:07: 12 slots missed; a new scheduler (a restarted process) runs it once
    const second = recorder();
    await runDueSchedules(ctx, { enqueue: second.enqueue, log: quiet, now: at('2030-02-01T11:07:00Z') });
    expect(mine(second.calls, c.id)).toHaveLength(1);
    expect((await row(c.id)).next_run_at?.toISOString()).toBe('2030-02-01T11:15:00.000Z');
  });

  it('several processes on one database enqueue each due slot exactly once', async () => {
    const cfgs: { id: string }[] = [];
    for (let i = 0; i < 20; i++) cfgs.push((await config('0 3 * * *')).config);
    await runDueSchedules(ctx, { enqueue: recorder().enqueue, log: quiet, now: at('2030-03-01T00:00:00Z') });
    // a second connection pool (on PostgreSQL: really another client; on PGlite: the same instance)
    const other = t.databaseUrl ? await openDatabase({ dataDir: '/nonexistent', databaseUrl: t.databaseUrl, migrate: false }) : t;
    const ctx2 = { ...ctx, ndb: other, db: other.db };
    try {
      const a = recorder();
      const b = recorder();
      const c = recorder();
      const now = at('2030-03-01T03:00:05Z');
      await Promise.all([
        runDueSchedules(ctx, { enqueue: a.enqueue, log: quiet, now }),
        runDueSchedules(ctx2, { enqueue: b.enqueue, log: quiet, now }),
        runDueSchedules(ctx, { enqueue: c.enqueue, log: quiet, now }),
      ]);
      const all = [...a.calls, ...b.calls, ...c.calls].filter((x) => cfgs.some((k) => k.id === x.configId));
      expect(all).toHaveLength(20);
      expect(new Set(all.map((x) => x.configId)).size).toBe(20);
    } finally {
      if (other !== t) await other.close();
    }
  });

  it('an edited schedule is replanned from now without firing; disabled configs and devices do not run', async () => {
    const { config: c, device: d } = await config('0 0 * * *');
    const r = recorder();
    const o = { enqueue: r.enqueue, log: quiet };
    await runDueSchedules(ctx, { ...o, now: at('2030-04-01T12:00:00Z') });
    expect((await row(c.id)).next_run_at?.toISOString()).toBe('2030-04-02T00:00:00.000Z');
    await updateBackupConfig(t.db, c.id, { schedule_cron: '30 6 * * *', schedule_timezone: 'Europe/Berlin' });
    await runDueSchedules(ctx, { ...o, now: at('2030-04-01T12:00:00Z') });
    expect((await row(c.id)).next_run_at?.toISOString()).toBe('2030-04-02T04:30:00.000Z'); // 06:30 CEST
    expect(mine(r.calls, c.id)).toEqual([]);

    await updateBackupConfig(t.db, c.id, { enabled: false });
    await runDueSchedules(ctx, { ...o, now: at('2030-04-05T12:00:00Z') });
    expect(mine(r.calls, c.id)).toEqual([]);
    expect((await row(c.id)).next_run_at).toBeNull();
    await updateBackupConfig(t.db, c.id, { enabled: true });
    await runDueSchedules(ctx, { ...o, now: at('2030-04-06T12:00:00Z') });
    expect(mine(r.calls, c.id)).toEqual([]); // enabling again does not fire a backlog
    expect((await row(c.id)).next_run_at?.toISOString()).toBe('2030-04-07T04:30:00.000Z');

    await updateDevice(t.db, d.id, { enabled: false });
    await runDueSchedules(ctx, { ...o, now: at('2030-04-08T12:00:00Z') });
    expect(mine(r.calls, c.id)).toEqual([]);
    await updateBackupConfig(t.db, c.id, { schedule_cron: null });
    await updateDevice(t.db, d.id, { enabled: true });
    await runDueSchedules(ctx, { ...o, now: at('2030-04-09T12:00:00Z') });
    expect((await row(c.id)).next_run_at).toBeNull();
  });

  it('one device, several configurations on different schedules', async () => {
    const d = await createDevice(t.db, { name: `multi-${backend}`, address: '192.0.2.7', driver: 'ios' });
    const run = await createBackupConfig(t.db, { device_id: d.id, backup_type: 'running-config', schedule_cron: 'hourly' });
    const full = await createBackupConfig(t.db, { device_id: d.id, backup_type: 'full-state', schedule_cron: 'daily' });
    const r = recorder();
    await runDueSchedules(ctx, { enqueue: r.enqueue, log: quiet, now: at('2030-05-01T21:30:00Z') });
    for (let h = 22; h <= 26; h++) {
      const iso = new Date(Date.UTC(2030, 4, 1, h, 0, 0)).toISOString();
      await runDueSchedules(ctx, { enqueue: r.enqueue, log: quiet, now: at(iso) });
    }
    expect(mine(r.calls, run.id)).toHaveLength(5);
    expect(mine(r.calls, full.id)).toHaveLength(1);
  });

  it('DST: 02:30 Europe/Berlin runs once on the spring-forward and once on the fall-back day', async () => {
    const { config: c } = await config('30 2 * * *', 'Europe/Berlin');
    const r = recorder();
    const slots: string[] = [];
    const sweep = async (fromIso: string, toIso: string) => {
      for (let ms = Date.parse(fromIso); ms <= Date.parse(toIso); ms += 10 * 60_000) {
        const res = await runDueSchedules(ctx, { enqueue: r.enqueue, log: quiet, now: () => new Date(ms) });
        for (const e of res.enqueued) if (e.configId === c.id) slots.push(e.slot.toISOString());
      }
    };
    await sweep('2031-03-29T20:00:00Z', '2031-03-31T06:00:00Z'); // 2031-03-30 is the last Sunday of March
    await sweep('2031-10-25T20:00:00Z', '2031-10-27T06:00:00Z'); // 2031-10-26 is the last Sunday of October
    expect(slots).toEqual([
      '2031-03-30T01:30:00.000Z', // 03:30 CEST: 02:30 does not exist
      '2031-03-31T00:30:00.000Z', // 02:30 CEST
      '2031-04-01T00:30:00.000Z', // the slot missed while the clock jumped to October: once, not 200 times
      '2031-10-26T00:30:00.000Z', // the first 02:30 (CEST); the second (CET) does not run again
      '2031-10-27T01:30:00.000Z', // 02:30 CET
    ]);
  });

  it('a failed enqueue gives the slot back and is retried on the next tick', async () => {
    const { config: c } = await config('0 12 * * *');
    const logs: string[] = [];
    await runDueSchedules(ctx, { enqueue: recorder().enqueue, log: quiet, now: at('2030-06-01T00:00:00Z') });
    const down = recorder(true);
    const res = await runDueSchedules(ctx, { enqueue: down.enqueue, log: (m) => logs.push(m), now: at('2030-06-01T12:00:10Z') });
    expect(res.failed).toBeGreaterThanOrEqual(1);
    expect(logs.join('\n')).toContain(`configuration ${c.id}`);
    expect((await row(c.id)).next_run_at?.toISOString()).toBe('2030-06-01T12:00:00.000Z');
    const up = recorder();
    await runDueSchedules(ctx, { enqueue: up.enqueue, log: quiet, now: at('2030-06-01T12:00:20Z') });
    expect(mine(up.calls, c.id)).toHaveLength(1);
    expect((await row(c.id)).next_run_at?.toISOString()).toBe('2030-06-02T12:00:00.000Z');
  });

  it('startScheduler loops until stop()', async () => {
    const { config: c } = await config('* * * * *');
    const r = recorder();
    let clock = Date.parse('2030-07-01T00:00:30Z');
    const s = startScheduler(ctx, { enqueue: r.enqueue, log: quiet, now: () => new Date(clock), maxIntervalMs: 20 });
    await new Promise((res) => setTimeout(res, 100));
    clock = Date.parse('2030-07-01T00:01:00Z');
    const deadline = Date.now() + 10_000;
    while (mine(r.calls, c.id).length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    await s.stop();
    expect(mine(r.calls, c.id)).toHaveLength(1);
    const before = r.calls.length;
    clock = Date.parse('2030-07-01T00:05:00Z');
    await new Promise((res) => setTimeout(res, 100));
    expect(r.calls.length).toBe(before); // stopped
  });
});
