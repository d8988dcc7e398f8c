// A restore cut off by a process death does not stay 'running' for ever: at start-up (netkeep
// serve) executions still running past their deadline become 'interrupted', with a message that
// says to run the dry run again, and an audit row; younger ones (another process may be running
// them) and finished ones are left alone. Both database back-ends, read back through the API.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBackup } from '../../src/backup/record.ts';
import { createDevice } from '../../src/inventory/devices.ts';
import { EXECUTION_DEADLINE_MS, markInterruptedRestores } from '../../src/restore/service.ts';
import { sha256 } from '../../src/restore/plan.ts';
import { backends } from '../helpers/db.ts';
import { body, startServer, type TestServer } from '../api/helpers.ts';

describe.each(backends())('interrupted restores on %s', (backend) => {
  let s: TestServer;
  let deviceId: string;
  let historyId: string;
  const ago = (ms: number) => new Date(Date.now() - ms);
  const row = async (status: string, executedAgoMs: number | null) =>
    (
      await s.t.db
        .insertInto('restores')
        .values({
          device_id: deviceId,
          history_id: historyId,
          user_id: null,
          username: 'operator',
          method: 'replace',
          payload_kind: 'file',
          live_sha256: sha256('live'),
          target_sha256: sha256('target'),
          token_hash: sha256(randomBytes(16).toString('hex')),
          token_expires_at: ago(-600_000),
          status,
          ...(executedAgoMs !== null ? { executed_at: ago(executedAgoMs), token_used_at: ago(executedAgoMs), created_at: ago(executedAgoMs + 30_000) } : { created_at: ago(3 * 3600_000) }),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const get = async (id: string) => body(await s.as('viewer', { url: `/api/v1/restores/${id}` }));

  beforeAll(async () => {
    s = await startServer(backend);
    const d = await createDevice(s.t.db, { name: 'core-1', address: '192.0.2.10', driver: 'ios' });
    deviceId = d.id;
    const now = new Date();
    historyId = (await recordBackup(s.ctx, { deviceId, text: 'hostname core-1\n', startedAt: now, completedAt: now, trigger: 'api', driver: 'ios', durationMs: 1 })).historyId;
  });
  afterAll(async () => {
    await s?.close();
  });

  it("marks running executions older than their deadline 'interrupted' with what to do, audits each, once; leaves the rest", async () => {
    const stale = await row('running', EXECUTION_DEADLINE_MS + 60_000);
    const recent = await row('running', 60_000); // may be running in another netkeep process right now
    const done = await row('success', 5 * 3600_000);
    const planned = await row('planned', null);

    const marked = await markInterruptedRestores(s.t.db);
    expect(marked).toEqual([{ id: stale, device_name: 'core-1' }]);
    const r = await get(stale);
    expect(r).toMatchObject({ status: 'interrupted', verified: false });
    expect(r.finished_at).not.toBeNull();
    expect(r.message).toMatch(/was interrupted \(netkeep stopped while it ran\).*core-1 may run the previous config, this version, or a mix.*Run the dry run again/);
    expect(r.message).toContain(`netkeep restore ${historyId}`);
    expect((await get(recent)).status).toBe('running');
    expect((await get(done)).status).toBe('success');
    expect((await get(planned)).status).toBe('planned');
    const audits = await s.t.db.selectFrom('audit_log').select(['action', 'result', 'username', 'target_id', 'details']).where('action', '=', 'restore.interrupted').execute();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ result: 'failed', username: 'system', target_id: historyId, details: { restore_id: stale, device: 'core-1', started_by: 'operator' } });

    // a second start-up finds nothing more; the recent one is marked once it is past its deadline too
    expect(await markInterruptedRestores(s.t.db)).toEqual([]);
    expect(await markInterruptedRestores(s.t.db, { now: new Date(Date.now() + EXECUTION_DEADLINE_MS) })).toEqual([{ id: recent, device_name: 'core-1' }]);
    expect((await get(recent)).status).toBe('interrupted');
    expect(await s.t.db.selectFrom('audit_log').select('id').where('action', '=', 'restore.interrupted').execute()).toHaveLength(2);
  });
});
