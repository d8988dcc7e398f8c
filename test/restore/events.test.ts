// A restore's end is an event: executions against the simulator through the API, on both
// database back-ends, publish 'restore.finished' once on the process-wide bus (the one the API's
// routes, SSE stream and notifier share) with the outcome; a webhook channel receives it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/run.ts';
import { bus, type BackupEventEvents } from '../../src/events/bus.ts';
import { createChannel } from '../../src/notify/channels.ts';
import { startNotifier, type Notifier } from '../../src/notify/dispatcher.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { backends } from '../helpers/db.ts';
import { body, expectProblem, startServer, type TestServer } from '../api/helpers.ts';
import { seedFleet } from '../backup/helpers.ts';
import { httpReceiver } from '../notify/receivers.ts';

type Finished = BackupEventEvents['restore.finished'];

describe.each(backends())("'restore.finished' from executions through the API on %s", (backend) => {
  let s: TestServer;
  let fleet: Fleet;
  let ids: Map<string, string>;
  let rx: Awaited<ReturnType<typeof httpReceiver>>;
  let notifier: Notifier;
  const seen: Finished[] = [];
  let off: () => void;
  const v1: Record<string, string> = {};
  const restore = (id: string, payload: Record<string, unknown> = {}) => s.as('operator', { method: 'POST', url: `/api/v1/backups/history/${id}/restore`, payload });
  const operatorId = async () => (await s.t.db.selectFrom('users').select('id').where('username', '=', 'operator').executeTakeFirstOrThrow()).id;

  beforeAll(async () => {
    s = await startServer(backend);
    fleet = await startFleet({ count: 2, configLines: 60 });
    ids = await seedFleet(s.t.db, s.ctx.keyring, fleet, { pin: true });
    for (const name of ids.keys()) {
      const a = await runBackup(s.ctx, { deviceId: ids.get(name)!, trigger: 'api' });
      fleet.device(name).mutate(1);
      const b = await runBackup(s.ctx, { deviceId: ids.get(name)!, trigger: 'api' });
      if (a.status !== 'success' || b.status !== 'success') throw new Error('set-up backup failed');
      v1[name] = a.historyId;
    }
    rx = await httpReceiver();
    await createChannel(s.t.db, s.ctx.keyring, { name: 'restores', kind: 'webhook', config: { url: rx.url(), secret: 'whsec-restore-0123456789' }, events: ['restore.finished'] });
    notifier = startNotifier(s.ctx, { digestMs: 3_600_000, send: { retryBaseMs: 20 } });
    off = bus.on('restore.finished', (e) => seen.push(e));
  }, 60_000);
  afterAll(async () => {
    off?.();
    await notifier?.stop();
    await rx?.close();
    await fleet?.close();
    await s?.close();
  });

  it('a successful execution emits it once with status success; the webhook receives "restore done"', async () => {
    const name = 'sim00001';
    const d = body(await restore(v1[name]));
    expect(seen.filter((e) => e.restoreId === d.restore_id)).toHaveLength(0); // a dry run is no restore
    const e = body(await restore(v1[name], { execute: true, confirm_token: d.confirm_token }));
    expect(e.status).toBe('success');
    const mine = seen.filter((x) => x.restoreId === d.restore_id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ deviceId: ids.get(name), deviceName: name, historyId: v1[name], status: 'success', method: 'replace', userId: await operatorId() });
    expect(mine[0]!.at).toBeInstanceOf(Date);
    await notifier.flush();
    const hits = rx.hits.map((h) => JSON.parse(h.body));
    const got = hits.find((h) => h.event === 'restore.finished' && h.events?.[0]?.data?.restore_id === d.restore_id);
    expect(got, JSON.stringify(hits)).toBeDefined();
    expect(got.title).toBe(`${name}: restore done`);
    expect(got.events[0]).toMatchObject({ device_name: name, data: { status: 'success', method: 'replace', history_id: v1[name] } });
  });

  it('a rolled-back execution emits it with status rolled_back (notified as an error); a refused one emits nothing', async () => {
    const name = 'sim00002';
    const dev = fleet.device(name);
    dev.setRunningConfig(dev.state.runningConfig.replace(/^ip domain name .*$/m, 'ip domain name elsewhere.example.net'));
    const d = body(await restore(v1[name]));
    expect(d.identical).toBe(false);
    dev.rejects = /^hostname /; // the device refuses a line of the version
    try {
      const e = body(await restore(v1[name], { execute: true, confirm_token: d.confirm_token }));
      expect(e.status).toBe('rolled_back');
      expect(seen.filter((x) => x.restoreId === d.restore_id).map((x) => x.status)).toEqual(['rolled_back']);
      await notifier.flush();
      const got = rx.hits.map((h) => JSON.parse(h.body)).find((h) => h.events?.[0]?.data?.restore_id === d.restore_id);
      expect(got).toMatchObject({ title: `${name}: restore rolled back`, severity: 'error' });
    } finally {
      dev.rejects = undefined;
    }
    // refused before anything was sent (the token was used): no restore ended, no event
    const n = seen.length;
    const d2 = body(await restore(v1[name]));
    dev.setRunningConfig(dev.state.runningConfig.replace(/^ip domain name .*$/m, 'ip domain name changed.example.net')); // someone changed it meanwhile
    expectProblem(await restore(v1[name], { execute: true, confirm_token: d2.confirm_token }), 409, 'live_config_changed');
    expectProblem(await restore(v1[name], { execute: true, confirm_token: d2.confirm_token }), 409, 'restore_token_used');
    expect(seen.length).toBe(n);
  });
});
