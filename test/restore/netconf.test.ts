// Restore through the API against the real NETCONF server (yuma123's netconfd behind OpenSSH's
// sshd), on both database back-ends: edit-config replace on the candidate, confirmed commit
// confirmed only after the running config read back matches; a config the server refuses.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchNetconf, pushNetconf } from '../../src/backup/fetch-netconf.ts';
import { recordBackup } from '../../src/backup/record.ts';
import { runBackup } from '../../src/backup/run.ts';
import { createCredentialProfile } from '../../src/inventory/credentials.ts';
import { createDevice } from '../../src/inventory/devices.ts';
import { backends } from '../helpers/db.ts';
import { body, startServer, type TestServer } from '../api/helpers.ts';
import { haveNetconfd, startNetconfd, type NetconfServer } from '../setup/netconfd.ts';

const run = haveNetconfd() || process.env.CI ? describe : describe.skip;
const IF = 'urn:ietf:params:xml:ns:yang:ietf-interfaces';

run('restore over NETCONF (netconfd)', () => {
  let srv: NetconfServer;
  beforeAll(async () => {
    srv = await startNetconfd();
  }, 60_000);
  afterAll(async () => {
    await srv?.stop();
  });
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(`netconfd log (tail):\n${srv?.log().slice(-4000)}`));
  });
  const conn = () => ({
    host: '127.0.0.1',
    port: srv.port,
    credentials: { username: srv.sshd.user, privateKey: srv.sshd.clientKey },
    hostKey: { pinned: srv.sshd.hostKey },
    timeouts: { connectMs: 20_000, idleMs: 25_000, sessionMs: 50_000 },
  });
  const live = async () => (await fetchNetconf({ ...conn(), options: {} })).config;

  describe.each(backends())('on %s', (backend) => {
    let s: TestServer;
    let deviceId: string;
    let v1: string;
    let original: string;
    beforeAll(async () => {
      s = await startServer(backend);
      await createCredentialProfile(s.t.db, s.ctx.keyring, { name: 'nc', username: srv.sshd.user, private_key: srv.sshd.clientKey });
      const d = await createDevice(s.t.db, { name: `nc-${backend}`, address: '127.0.0.1', port: srv.port, driver: 'junos', protocol: 'netconf', credential_profile: 'nc', options: { timeouts: { connectMs: 20_000, idleMs: 25_000, sessionMs: 50_000 } } });
      await s.t.db.updateTable('devices').set({ host_key: srv.sshd.hostKey }).where('id', '=', d.id).execute();
      deviceId = d.id;
      original = await live();
      const r = await runBackup(s.ctx, { deviceId, trigger: 'api' });
      if (r.status !== 'success') throw new Error(JSON.stringify(r));
      v1 = r.historyId;
    }, 90_000);
    afterAll(async () => {
      // leave the server as we found it for the other back-end
      await pushNetconf({ ...conn(), config: original, mode: 'replace' }).catch(() => {});
      await s?.close();
    });

    it('dry run → token → replace with a confirmed commit confirmed after verification → recorded and audited', async () => {
      await pushNetconf({ ...conn(), config: `<interfaces xmlns="${IF}"><interface><name>eth0</name><description>changed by hand</description></interface></interfaces>` });
      expect(await live()).toContain('changed by hand');
      const dr = await s.as('operator', { method: 'POST', url: `/api/v1/backups/history/${v1}/restore`, payload: {} });
      expect(dr.statusCode, dr.body).toBe(200);
      const d = body(dr);
      expect(d).toMatchObject({ dry_run: true, method: 'replace', identical: false });
      expect(d.payload.kind).toBe('netconf');
      expect(d.payload.text).toMatch(/^<edit-config><target><candidate\/><\/target><default-operation>replace<\/default-operation><config /);
      expect(d.diff.unified).toMatch(/^-\s*<description>changed by hand<\/description>$/m);
      expect(d.diff.unified).toMatch(/^\+\s*<description>uplink &amp; core &lt;A&gt;<\/description>$/m);
      expect(await live()).toContain('changed by hand'); // the dry run sent nothing

      const ex = await s.as('operator', { method: 'POST', url: `/api/v1/backups/history/${v1}/restore`, payload: { execute: true, confirm_token: d.confirm_token } });
      expect(ex.statusCode, ex.body).toBe(200);
      const e = body(ex);
      expect(e).toMatchObject({ status: 'success', verified: true, method: 'replace' });
      // netconfd advertises :confirmed-commit: the commit was confirmed only after the read-back matched
      expect(e.message).toMatch(/confirmed commit was confirmed after the running config read back matched/);
      expect(await live()).toBe(original);
      const after = body(await s.as('viewer', { url: `/api/v1/backups/history/${e.history_id_after}` }));
      const first = body(await s.as('viewer', { url: `/api/v1/backups/history/${v1}` }));
      expect(after.checksum).toBe(first.checksum);
      const actions = (await s.t.db.selectFrom('audit_log').select('action').where('action', 'like', 'restore.%').execute()).map((a) => a.action);
      expect(actions).toEqual(expect.arrayContaining(['restore.dry_run', 'restore.execute', 'restore.result']));
    }, 120_000);

    it('a config that does not read back as the version is not confirmed: the confirmed commit is cancelled and running is as before', async () => {
      // the server accepts this version but keeps its leaves in schema order: the read-back differs
      const reordered = original.replace('<name>lo0</name>', '<name>lo0</name><enabled>true</enabled>');
      const rec = await recordBackup(s.ctx, { deviceId, text: reordered, startedAt: new Date(), completedAt: new Date(), trigger: 'import', driver: 'junos', durationMs: 0 });
      const d = body(await s.as('operator', { method: 'POST', url: `/api/v1/backups/history/${rec.historyId}/restore`, payload: {} }));
      const e = body(await s.as('operator', { method: 'POST', url: `/api/v1/backups/history/${rec.historyId}/restore`, payload: { execute: true, confirm_token: d.confirm_token } }));
      expect(e).toMatchObject({ status: 'rolled_back', verified: false });
      expect(e.verify_diff).toMatch(/<enabled>true<\/enabled>/);
      expect(e.message).toMatch(/did not confirm the commit and the server rolled it back/);
      expect(await live()).toBe(original);
    }, 120_000);

    it('a version the server refuses: reported with the server\'s answer, nothing committed', async () => {
      const bad = original.replace('<name>lo0</name>', '<name>lo0</name><no-such-leaf>x</no-such-leaf>');
      expect(bad).not.toBe(original);
      const rec = await recordBackup(s.ctx, { deviceId, text: bad, startedAt: new Date(), completedAt: new Date(), trigger: 'import', driver: 'junos', durationMs: 0 });
      const d = body(await s.as('admin', { method: 'POST', url: `/api/v1/backups/history/${rec.historyId}/restore`, payload: {} }));
      expect(d.diff.unified).toMatch(/^\+.*<no-such-leaf>x<\/no-such-leaf>/m);
      const e = body(await s.as('admin', { method: 'POST', url: `/api/v1/backups/history/${rec.historyId}/restore`, payload: { execute: true, confirm_token: d.confirm_token } }));
      expect(e).toMatchObject({ status: 'rolled_back', verified: false });
      expect(e.device_answer).toMatch(/no-such-leaf|unknown element|failed/i);
      expect(e.message).toMatch(/refused the configuration.*running config is unchanged/);
      expect(await live()).toBe(original);
    }, 120_000);
  });
});
