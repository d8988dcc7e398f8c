// Every notification channel against a real local receiver, on both database back-ends:
// webhook (HMAC verified, retried after 503), Slack, Teams, email over SMTP with STARTTLS and
// login, syslog over UDP and TCP parsed as RFC 5424; and the dispatcher's routing per group,
// failure threshold, quiet period and digest.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonb } from '../../src/db/index.ts';
import { EventBus } from '../../src/events/bus.ts';
import { createChannel, updateChannel } from '../../src/notify/channels.ts';
import { startNotifier, type Notifier } from '../../src/notify/dispatcher.ts';
import { loadKeyring, type Keyring } from '../../src/security/masterkey.ts';
import { encryptSecret } from '../../src/security/secrets.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { cleanupDirs, tempDir, testKeyring } from '../backup/helpers.ts';
import { httpReceiver, smtpReceiver, tcpSyslog, udpSyslog, until } from './receivers.ts';

const SECRET = 'whsec-3f9a2c71b4d8e605';

/** What a receiver does: recompute HMAC-SHA256(secret, "<timestamp>.<body>") and compare. */
function verify(secret: string, headers: Record<string, unknown>, body: string): boolean {
  const ts = String(headers['x-netkeep-timestamp']);
  const sig = String(headers['x-netkeep-signature']);
  const want = `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
  return sig.length === want.length && timingSafeEqual(Buffer.from(sig), Buffer.from(want));
}

describe.each(backends())('notification channels on %s', (backend) => {
  let t: TestDb;
  let keyring: Keyring;
  let ctx: { db: TestDb['db']; keyring: Keyring; dataDir: string };
  let groupA: string;
  let groupB: string;
  const dev: Record<string, string> = {};
  let n = 0;

  beforeAll(async () => {
    t = await freshDb(backend);
    const dataDir = tempDir('netkeep-notify-');
    keyring = testKeyring(dataDir);
    ctx = { db: t.db, keyring, dataDir };
    groupA = (await t.db.insertInto('device_groups').values({ name: 'core', options: jsonb({}), updated_at: new Date() }).returning('id').executeTakeFirstOrThrow()).id;
    groupB = (await t.db.insertInto('device_groups').values({ name: 'branch', options: jsonb({}), updated_at: new Date() }).returning('id').executeTakeFirstOrThrow()).id;
    for (const [name, g] of [['core1', groupA], ['core2', groupA], ['branch1', groupB]] as const) {
      dev[name] = (await t.db.insertInto('devices').values({ name, address: '192.0.2.1', driver: 'ios', group_id: g, tags: jsonb([]), options: jsonb({}), updated_at: new Date() }).returning('id').executeTakeFirstOrThrow()).id;
    }
    for (let i = 0; i < 40; i++) {
      dev[`edge${i}`] = (await t.db.insertInto('devices').values({ name: `edge${i}`, address: '192.0.2.2', driver: 'ios', group_id: groupA, tags: jsonb([]), options: jsonb({}), updated_at: new Date() }).returning('id').executeTakeFirstOrThrow()).id;
    }
  });
  afterAll(async () => {
    await t?.close();
    cleanupDirs();
  });

  /** A private bus and notifier per test, with only the given channel enabled. */
  async function setup(channelId: string) {
    await t.db.updateTable('notify_channels').set({ enabled: false }).where('id', '!=', channelId).execute();
    const bus = new EventBus();
    const notifier: Notifier = startNotifier(ctx, { bus, digestMs: 3_600_000, send: { retryBaseMs: 20 } });
    return { bus, notifier };
  }
  const failed = (bus: EventBus, name: string, consecutive: number) =>
    bus.emit('backup.failed', {
      deviceId: dev[name]!, deviceName: name, historyId: '00000000-0000-4000-8000-000000000001', configId: '', at: new Date(), failureClass: 'auth_failed',
      message: `${name}: the device refused the password; check the credential profile`, consecutiveFailures: consecutive, firstFailure: consecutive === 1,
    });
  const deliveries = (channelId: string) => t.db.selectFrom('notify_deliveries').selectAll().where('channel_id', '=', channelId).orderBy('created_at').execute();

  it('webhook: signed JSON, retried with backoff after 503, one delivery row', async () => {
    const rx = await httpReceiver();
    try {
      const ch = await createChannel(t.db, keyring, { name: `hook-${++n}`, kind: 'webhook', config: { url: rx.url(), secret: SECRET } });
      expect(ch.config).toEqual({ url: rx.url() });
      expect(ch.secrets_set).toEqual(['secret']);
      const { bus, notifier } = await setup(ch.id);
      rx.answers.push(503, 503);
      failed(bus, 'core1', 1);
      await notifier.stop();
      expect(rx.hits).toHaveLength(3);
      const last = rx.hits[2]!;
      expect(verify(SECRET, last.headers, last.body)).toBe(true);
      expect(verify('another-secret-1234', last.headers, last.body)).toBe(false);
      expect(verify(SECRET, last.headers, last.body.replace('core1', 'core9'))).toBe(false);
      expect(last.headers['x-netkeep-event']).toBe('backup.failed');
      const body = JSON.parse(last.body);
      expect(body).toMatchObject({ event: 'backup.failed', count: 1, severity: 'error' });
      expect(body.events[0]).toMatchObject({ event: 'backup.failed', device_name: 'core1', device_id: dev.core1, group_id: groupA, data: { failure_class: 'auth_failed', consecutive_failures: 1 } });
      expect(body.title).toBe('core1: backup failed (auth failed)');
      const rows = await deliveries(ch.id);
      expect(rows.map((r) => [r.status, r.attempts, r.event])).toEqual([['sent', 3, 'backup.failed']]);
    } finally {
      await rx.close();
    }
  });

  it('webhook: a 4xx answer is final (not retried) and logged as failed', async () => {
    const rx = await httpReceiver();
    try {
      const ch = await createChannel(t.db, keyring, { name: `hook-${++n}`, kind: 'webhook', config: { url: rx.url(), secret: SECRET } });
      const { bus, notifier } = await setup(ch.id);
      rx.answers.push(404);
      failed(bus, 'core1', 1);
      await notifier.stop();
      expect(rx.hits).toHaveLength(1);
      const rows = await deliveries(ch.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'failed', attempts: 1 });
      expect(rows[0]!.error).toContain('HTTP 404');
    } finally {
      await rx.close();
    }
  });

  it('a stopping notifier cuts retries short; a channel whose secrets cannot be read does not stop the others', async () => {
    const rx = await httpReceiver();
    try {
      const a = await createChannel(t.db, keyring, { name: `hook-${++n}`, kind: 'webhook', config: { url: rx.url('/a'), secret: SECRET } });
      const b = await createChannel(t.db, keyring, { name: `hook-${++n}`, kind: 'webhook', config: { url: rx.url('/b'), secret: SECRET } });
      await t.db.updateTable('notify_channels').set({ enabled: false }).where('id', 'not in', [a.id, b.id]).execute();
      // b's secrets were sealed under a master key this process does not have
      const foreign = loadKeyring('/nonexistent-netkeep-notify', { NETKEEP_MASTER_KEY: 'c'.repeat(64) });
      await t.db.updateTable('notify_channels').set({ secrets_enc: encryptSecret(foreign, JSON.stringify({ secret: SECRET })) }).where('id', '=', b.id).execute();
      for (let i = 0; i < 100; i++) rx.answers.push(503);
      const bus = new EventBus();
      const notifier = startNotifier(ctx, { bus, digestMs: 3_600_000, send: { attempts: 100, retryBaseMs: 50 }, stopGraceMs: 300 });
      failed(bus, 'core1', 1);
      await notifier.stop();
      expect(rx.hits.length).toBeGreaterThan(0);
      expect(rx.hits.every((h) => h.url === '/a')).toBe(true);
      const rows = await deliveries(a.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.status).toBe('failed');
      expect(rows[0]!.attempts).toBeLessThan(100);
      expect(rows[0]!.error).toContain('netkeep was stopping');
      expect(await deliveries(b.id)).toHaveLength(0);
    } finally {
      await rx.close();
    }
  });

  it('slack and teams: incoming-webhook payloads', async () => {
    const rx = await httpReceiver();
    try {
      const slack = await createChannel(t.db, keyring, { name: `slack-${++n}`, kind: 'slack', config: { url: rx.url('/services/T000/B000/XXXX') } });
      expect(slack.config).toEqual({});
      expect(slack.secrets_set).toEqual(['url']);
      let { bus, notifier } = await setup(slack.id);
      failed(bus, 'core2', 1);
      await notifier.stop();
      expect(rx.hits).toHaveLength(1);
      expect(rx.hits[0]!.url).toBe('/services/T000/B000/XXXX');
      const s = JSON.parse(rx.hits[0]!.body);
      expect(s.text).toBe('core2: backup failed (auth failed)');
      expect(s.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
      expect(s.blocks[0].text.text).toContain('refused the password');

      const teams = await createChannel(t.db, keyring, { name: `teams-${++n}`, kind: 'teams', config: { url: rx.url('/webhookb2/abc') } });
      ({ bus, notifier } = await setup(teams.id));
      bus.emit('restore.finished', { restoreId: 'r-1', deviceId: dev.core2!, deviceName: 'core2', historyId: 'h-1', status: 'rolled_back', method: 'merge', userId: null, at: new Date() });
      await notifier.stop();
      expect(rx.hits).toHaveLength(2);
      const m = JSON.parse(rx.hits[1]!.body);
      expect(m.type).toBe('message');
      expect(m.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
      const card = m.attachments[0].content;
      expect(card.type).toBe('AdaptiveCard');
      expect(card.body[0].text).toBe('core2: restore rolled back');
      expect(card.body[0].color).toBe('Attention');
    } finally {
      await rx.close();
    }
  });

  it('email: SMTP with STARTTLS (self-signed certificate trusted by the channel) and login', async () => {
    const smtp = await smtpReceiver({ username: 'netkeep', password: 'smtp-pass-7788' });
    try {
      const ch = await createChannel(t.db, keyring, {
        name: `mail-${++n}`,
        kind: 'email',
        config: { host: '127.0.0.1', port: smtp.port, tls: 'starttls', username: 'netkeep', password: 'smtp-pass-7788', from: 'netkeep@example.net', to: ['noc@example.net', 'oncall@example.net'], ca: smtp.cert },
      });
      expect(ch.secrets_set).toEqual(['password']);
      expect(ch.config).not.toHaveProperty('password');
      const { bus, notifier } = await setup(ch.id);
      failed(bus, 'core1', 1);
      await notifier.stop();
      expect(smtp.mails).toHaveLength(1);
      const mail = smtp.mails[0]!;
      expect(mail.secure).toBe(true);
      expect(mail.user).toBe('netkeep');
      expect(mail.from).toBe('netkeep@example.net');
      expect(mail.to).toEqual(['noc@example.net', 'oncall@example.net']);
      expect(mail.raw).toMatch(/^Subject: \[netkeep\] core1: backup failed \(auth failed\)/m);
      expect(mail.raw).toContain('refused the password');
      expect((await deliveries(ch.id)).map((r) => r.status)).toEqual(['sent']);

      // an untrusted certificate is refused: nothing is sent in clear, the failure is logged
      await updateChannel(t.db, keyring, ch.id, { config: { ca: null } });
      const again = await setup(ch.id);
      failed(again.bus, 'core2', 1);
      await again.notifier.stop();
      expect(smtp.mails).toHaveLength(1);
      const rows = await deliveries(ch.id);
      expect(rows[1]).toMatchObject({ status: 'failed' });
      expect(rows[1]!.error).toMatch(/certificate/i);
    } finally {
      await smtp.close();
    }
  });

  it('syslog: RFC 5424 over UDP and over TCP (octet counting), one message per event', async () => {
    const udp = await udpSyslog();
    const tcp = await tcpSyslog();
    try {
      const u = await createChannel(t.db, keyring, { name: `syslog-udp-${++n}`, kind: 'syslog', config: { host: '127.0.0.1', port: udp.port, facility: 16, hostname: 'nk1' } });
      let { bus, notifier } = await setup(u.id);
      failed(bus, 'core1', 1);
      bus.emit('compliance.violation', { deviceId: dev.core2!, deviceName: 'core2', ruleId: 'rule-1', ruleName: 'no telnet "ever"', detail: 'line "transport input telnet" found', historyId: null, at: new Date('2026-01-02T03:04:05.678Z') });
      await notifier.stop();
      await until(() => udp.got.length === 2, 'two UDP syslog messages');
      const byMsgId = Object.fromEntries(udp.got.map((m) => [m.msgId, m]));
      expect(byMsgId['backup.failed']).toMatchObject({ pri: 16 * 8 + 3, version: 1, hostname: 'nk1', appName: 'netkeep', sdId: 'netkeep@32473', params: { event: 'backup.failed', device: 'core1', device_id: dev.core1, failure_class: 'auth_failed', consecutive_failures: '1' } });
      expect(byMsgId['backup.failed']!.msg).toContain('core1: backup failed (auth failed)');
      const v = byMsgId['compliance.violation']!;
      expect(v).toMatchObject({ severity: 4, timestamp: '2026-01-02T03:04:05.678Z', params: { rule_name: 'no telnet "ever"', device: 'core2' } });

      const tc = await createChannel(t.db, keyring, { name: `syslog-tcp-${++n}`, kind: 'syslog', config: { host: '127.0.0.1', port: tcp.port, transport: 'tcp', facility: 4 } });
      ({ bus, notifier } = await setup(tc.id));
      for (const d of ['core1', 'core2', 'branch1']) failed(bus, d, 1);
      await notifier.stop();
      await until(() => tcp.got.length === 3, 'three TCP syslog messages');
      expect(tcp.got.map((m) => m.params.device).sort()).toEqual(['branch1', 'core1', 'core2']);
      expect(tcp.got.every((m) => m.pri === 4 * 8 + 3 && m.version === 1)).toBe(true);
    } finally {
      await udp.close();
      await tcp.close();
    }
  });

  it('routes per group, waits for the failure threshold, keeps quiet, and makes one digest of an outage', async () => {
    const rx = await httpReceiver();
    try {
      const ch = await createChannel(t.db, keyring, {
        name: `core-oncall-${++n}`, kind: 'webhook', config: { url: rx.url(), secret: SECRET }, group_id: groupA, events: ['backup.failed', 'backup.recovered'], failure_threshold: 3, quiet_seconds: 3600,
      });
      let { bus, notifier } = await setup(ch.id);
      failed(bus, 'branch1', 3); // another group
      failed(bus, 'core1', 1); // below the threshold
      failed(bus, 'core1', 2);
      bus.emit('backup.significant', { deviceId: dev.core1!, deviceName: 'core1', historyId: 'h2', configId: '', at: new Date(), previousId: 'h1', sha256: 'x' }); // not subscribed
      await notifier.flush();
      expect(rx.hits).toHaveLength(0);
      failed(bus, 'core1', 3); // reaches it
      await notifier.flush();
      expect(rx.hits).toHaveLength(1);
      expect(JSON.parse(rx.hits[0]!.body).events[0]).toMatchObject({ device_name: 'core1', data: { consecutive_failures: 3 } });

      // the same again within the quiet period (e.g. a failure counter reset and rising again): held back
      failed(bus, 'core1', 3);
      await notifier.flush();
      expect(rx.hits).toHaveLength(1);
      // an outage: 40 devices reach the threshold in one digest window → one message
      for (let i = 0; i < 40; i++) failed(bus, `edge${i}`, 3);
      failed(bus, 'core1', 3);
      await notifier.flush();
      expect(rx.hits).toHaveLength(2);
      const digest = JSON.parse(rx.hits[1]!.body);
      expect(digest.event).toBe('digest');
      expect(digest.count).toBe(40);
      expect(digest.title).toBe('netkeep: 40 backup.failed (40 devices)');
      expect(verify(SECRET, rx.hits[1]!.headers, rx.hits[1]!.body)).toBe(true);
      await notifier.stop();

      // a new notifier (another process, a restart) still respects the quiet period: it is in the database
      ({ bus, notifier } = await setup(ch.id));
      failed(bus, 'edge7', 3);
      bus.emit('backup.recovered', { deviceId: dev.core1!, deviceName: 'core1', historyId: 'h3', configId: '', at: new Date(), failedSince: new Date('2026-01-01T00:00:00Z'), failures: 3 });
      bus.emit('backup.recovered', { deviceId: dev.core2!, deviceName: 'core2', historyId: 'h4', configId: '', at: new Date(), failedSince: null, failures: 1 }); // never reached the threshold
      await notifier.stop();
      expect(rx.hits).toHaveLength(3);
      const rec = JSON.parse(rx.hits[2]!.body);
      expect(rec.event).toBe('backup.recovered');
      expect(rec.events.map((e: { device_name: string }) => e.device_name)).toEqual(['core1']);

      const rows = await deliveries(ch.id);
      const count = (s: string) => rows.filter((r) => r.status === s).length;
      expect(count('sent')).toBe(1 + 40 + 1);
      expect(count('suppressed')).toBe(1 + 1 + 1); // core1 twice, edge7 once
    } finally {
      await rx.close();
    }
  });
});
