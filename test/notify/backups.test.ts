// Notifications from real backups against the simulated fleet, on both back-ends: a changed
// configuration arrives with its diff (device secrets masked), a failure with its class; and the
// notification API (channels with write-only secrets, the test message, the delivery log).
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import { runBackup } from '../../src/backup/run.ts';
import { createChannel } from '../../src/notify/channels.ts';
import { startNotifier } from '../../src/notify/dispatcher.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { cleanupDirs, seedFleet, tempDir, testKeyring } from '../backup/helpers.ts';
import { startServer, type TestServer } from '../api/helpers.ts';
import { httpReceiver, udpSyslog, until } from './receivers.ts';

const SECRET = 'whsec-backups-0123456789';

describe.each(backends())('notifications from real backups on %s', (backend) => {
  let t: TestDb;
  let ctx: AppContext;
  let fleet: Fleet;
  let ids: Map<string, string>;
  beforeAll(async () => {
    t = await freshDb(backend);
    const dataDir = tempDir('netkeep-notify-bk-');
    ctx = { ndb: t, db: t.db, keyring: testKeyring(dataDir), dataDir, close: async () => {} };
    fleet = await startFleet({ count: 2, configLines: 60, changeShare: 1, password: 'fleet-pass-4411', misbehave: { 'wrong-password': 1 } });
    ids = await seedFleet(t.db, ctx.keyring, fleet);
  });
  afterAll(async () => {
    await fleet?.close();
    await t?.close();
    cleanupDirs();
  });

  it('a changed configuration is sent with its diff; a failed backup with its class', async () => {
    const rx = await httpReceiver();
    const notifier = startNotifier(ctx, { digestMs: 3_600_000, send: { retryBaseMs: 20 } });
    try {
      await createChannel(t.db, ctx.keyring, { name: 'all', kind: 'webhook', config: { url: rx.url(), secret: SECRET } });
      const good = ids.get('sim00001')!;
      const bad = ids.get('sim00002')!;
      const first = await runBackup(ctx, { deviceId: good, trigger: 'manual' });
      expect(first.status).toBe('success');
      await notifier.flush();
      expect(rx.hits).toHaveLength(0); // a first backup is not a change
      fleet.advance();
      const second = await runBackup(ctx, { deviceId: good, trigger: 'manual' });
      expect(second).toMatchObject({ status: 'success', changed: true });
      const failed = await runBackup(ctx, { deviceId: bad, trigger: 'manual' });
      expect(failed).toMatchObject({ status: 'failure', failureClass: 'auth_failed' });
      await notifier.flush();
      expect(rx.hits).toHaveLength(1);
      const h = rx.hits[0]!;
      const ts = String(h.headers['x-netkeep-timestamp']);
      expect(h.headers['x-netkeep-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${h.body}`).digest('hex')}`);
      const body = JSON.parse(h.body);
      expect(body.event).toBe('digest');
      const changed = body.events.find((e: { event: string }) => e.event === 'config.changed');
      expect(changed).toMatchObject({ device_name: 'sim00001', data: { history_id: (second as { historyId: string }).historyId, previous_id: first.historyId } });
      expect(changed.diff).toMatch(/^@@ /m);
      expect(changed.diff).toMatch(/^[+-](?![+-])/m);
      expect(changed.data.added + changed.data.removed).toBeGreaterThan(0);
      expect(changed.diff).not.toContain('fleet-pass-4411');
      const fail = body.events.find((e: { event: string }) => e.event === 'backup.failed');
      expect(fail).toMatchObject({ device_name: 'sim00002', data: { failure_class: 'auth_failed', consecutive_failures: 1 } });
    } finally {
      await notifier.stop();
      await rx.close();
    }
  });
});

describe.each(backends())('notification API on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('creates channels with write-only secrets, tests them, lists deliveries, changes and deletes them', async () => {
    const rx = await httpReceiver();
    const udp = await udpSyslog();
    try {
      const V1 = '/api/v1/notifications/channels';
      let r = await s.as('admin', { method: 'POST', url: V1, payload: { name: 'noc hook', kind: 'webhook', config: { url: rx.url(), secret: SECRET }, events: ['backup.failed'], failure_threshold: 2 } });
      expect(r.statusCode).toBe(201);
      const hook = r.json();
      expect(hook).toMatchObject({ name: 'noc hook', kind: 'webhook', config: { url: rx.url() }, secrets_set: ['secret'], events: ['backup.failed'], failure_threshold: 2, quiet_seconds: 3600, enabled: true, group_id: null });
      expect(r.body).not.toContain(SECRET);
      const stored = await s.t.db.selectFrom('notify_channels').select(['secrets_enc', 'config']).where('id', '=', hook.id).executeTakeFirstOrThrow();
      expect(stored.secrets_enc).toMatch(/^v1:/);
      expect(JSON.stringify(stored)).not.toContain(SECRET);

      r = await s.as('admin', { method: 'POST', url: `${V1}/${hook.id}/test` });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ ok: true, attempts: 1 });
      expect(rx.hits).toHaveLength(1);
      expect(JSON.parse(rx.hits[0]!.body)).toMatchObject({ event: 'test', title: 'netkeep test message for channel "noc hook"' });

      // a receiver that is down: the test says so, in words an engineer can act on
      rx.answers.push(500);
      r = await s.as('admin', { method: 'POST', url: `${V1}/${hook.id}/test` });
      expect(r.json()).toMatchObject({ ok: false, attempts: 1 });
      expect(r.json().error).toContain('HTTP 500');

      r = await s.as('admin', { method: 'GET', url: `${V1}/${hook.id}/deliveries` });
      expect(r.json().items.map((d: { status: string; event: string }) => `${d.event}:${d.status}`)).toEqual(['test:failed', 'test:sent']);

      // bad input: clear problems, nothing stored
      r = await s.as('admin', { method: 'POST', url: V1, payload: { name: 'short', kind: 'webhook', config: { url: rx.url(), secret: 'short' } } });
      expect(r.statusCode).toBe(400);
      expect(r.json().detail).toContain('at least 16 characters');
      r = await s.as('admin', { method: 'POST', url: V1, payload: { name: 'typo', kind: 'syslog', config: { host: '127.0.0.1', prot: 514 } } });
      expect(r.statusCode).toBe(400);
      expect(r.json().detail).toContain('no setting "prot"');
      r = await s.as('admin', { method: 'POST', url: V1, payload: { name: 'noc hook', kind: 'syslog', config: { host: '127.0.0.1' } } });
      expect(r.statusCode).toBe(409);

      // PATCH merges the config; the secret stays unless replaced
      r = await s.as('admin', { method: 'PATCH', url: `${V1}/${hook.id}`, payload: { config: { url: rx.url('/v2') }, quiet_seconds: 600 } });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ config: { url: rx.url('/v2') }, secrets_set: ['secret'], quiet_seconds: 600 });
      r = await s.as('admin', { method: 'POST', url: `${V1}/${hook.id}/test` });
      expect(r.json().ok).toBe(true);
      const last = rx.hits.at(-1)!;
      expect(last.url).toBe('/v2');
      const ts = String(last.headers['x-netkeep-timestamp']);
      expect(last.headers['x-netkeep-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${last.body}`).digest('hex')}`);

      r = await s.as('admin', { method: 'POST', url: V1, payload: { name: 'syslog', kind: 'syslog', config: { host: '127.0.0.1', port: udp.port } } });
      const sl = r.json();
      r = await s.as('admin', { method: 'POST', url: `${V1}/${sl.id}/test` });
      expect(r.json().ok).toBe(true);
      await until(() => udp.got.length === 1, 'the syslog test message');
      expect(udp.got[0]).toMatchObject({ msgId: 'test', severity: 6 });

      r = await s.as('admin', { method: 'GET', url: V1 });
      expect(r.json().items.map((c: { name: string }) => c.name)).toEqual(['noc hook', 'syslog']);
      r = await s.as('operator', { method: 'GET', url: V1 });
      expect(r.statusCode).toBe(403);
      r = await s.as('admin', { method: 'DELETE', url: `${V1}/${hook.id}` });
      expect(r.statusCode).toBe(204);
      r = await s.as('admin', { method: 'GET', url: `${V1}/${hook.id}` });
      expect(r.statusCode).toBe(404);
      const audit = await s.t.db.selectFrom('audit_log').select(['action', 'details']).where('action', 'like', 'notify_channel.%').execute();
      const per = (a: string) => audit.filter((x) => x.action === a).length;
      expect([per('notify_channel.create'), per('notify_channel.test'), per('notify_channel.update'), per('notify_channel.delete')]).toEqual([5, 4, 1, 1]);
      expect(JSON.stringify(audit)).not.toContain(SECRET);
    } finally {
      await rx.close();
      await udp.close();
    }
  });
});
