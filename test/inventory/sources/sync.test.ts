// Syncing each kind of source into the inventory on both database back-ends: preview, create,
// update, bad lines (the whole sync refused, nothing saved), a device removed from the source
// (orphaned, history kept, not backed up by passes or schedules), and its return (restored).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../../src/context.ts';
import { recordBackup } from '../../../src/backup/record.ts';
import { selectDevices } from '../../../src/backup/pass.ts';
import { createBackupConfig } from '../../../src/inventory/backup-configs.ts';
import { createCredentialProfile } from '../../../src/inventory/credentials.ts';
import { createDevice, getDevice, listDevices } from '../../../src/inventory/devices.ts';
import { runDueSourceSyncs } from '../../../src/inventory/sources/schedule.ts';
import { createSource, deleteSource, getSource, updateSource } from '../../../src/inventory/sources/store.ts';
import { importSourceText, listSyncRuns, syncSource } from '../../../src/inventory/sources/sync.ts';
import { runDueSchedules, type EnqueueRequest } from '../../../src/schedule/scheduler.ts';
import { backends, freshDb, type TestDb } from '../../helpers/db.ts';
import { testKeyring } from '../../api/helpers.ts';
import { startNetbox, type NetboxServer } from './netbox-server.ts';

const TOKEN = '0123456789abcdef0123456789abcdef01234567';

describe.each(backends())('inventory sources on %s', (backend) => {
  let t: TestDb;
  let ctx: AppContext;
  let dir: string;
  let nb: NetboxServer;
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const device = (name: string) => getDevice(t.db, name);
  const deviceCount = async () => (await listDevices(t.db, { limit: 1000 })).total;

  beforeAll(async () => {
    t = await freshDb(backend);
    dir = mkdtempSync(join(tmpdir(), 'invsrc-sync-'));
    ctx = { ndb: t, db: t.db, keyring: testKeyring(), dataDir: dir, close: () => t.close() };
    nb = await startNetbox(TOKEN);
  });
  afterAll(async () => {
    await nb?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Oxidized router.db: preview, import, refuse bad lines, orphan a removed device (history kept, not backed up), restore it', async () => {
    const path = file('ox-router.db', 'ox-r1:192.0.2.1:ios:netkeep:pw-1\nox-r2:192.0.2.2:junos::\nox-r3:192.0.2.3:eos::\n');
    const src = await createSource(t.db, ctx.keyring, { name: 'oxidized', kind: 'oxidized', config: { path, map: { name: 0, ip: 1, model: 2, username: 3, password: 4 } } });

    // preview: says what would happen, saves nothing (but is logged as a dry run)
    const before = await deviceCount();
    const dry = await syncSource(ctx, 'oxidized', { dryRun: true });
    expect(dry).toMatchObject({ status: 'ok', dry_run: true, created: 3, updated: 0, orphaned: 0, records: 3 });
    expect(dry.changes).toEqual([
      { action: 'create', device: 'ox-r1', line: 1 },
      { action: 'create', device: 'ox-r2', line: 2 },
      { action: 'create', device: 'ox-r3', line: 3 },
    ]);
    expect(await deviceCount()).toBe(before);

    const real = await syncSource(ctx, 'oxidized', { trigger: 'manual' });
    expect(real).toMatchObject({ status: 'ok', dry_run: false, created: 3 });
    const r1 = await device('ox-r1');
    expect(r1).toMatchObject({ address: '192.0.2.1', driver: 'ios', source: 'oxidized', orphaned_at: null, enabled: true, credential_profile: 'csv-netkeep' });
    expect((await device('ox-r2')).driver).toBe('junos');
    const row = await t.db.selectFrom('devices').select(['source_id', 'source_key']).where('name', '=', 'ox-r1').executeTakeFirstOrThrow();
    expect(row).toEqual({ source_id: src.id, source_key: 'ox-r1' });

    // the same file again: nothing to do
    expect(await syncSource(ctx, 'oxidized')).toMatchObject({ status: 'ok', created: 0, updated: 0, unchanged: 3, orphaned: 0 });

    // history for ox-r3, and a scheduled backup configuration
    const cfg = await createBackupConfig(t.db, { device_id: r1.id, backup_type: 'running-config', schedule_cron: '0 * * * *' });
    const r3 = await device('ox-r3');
    const cfg3 = await createBackupConfig(t.db, { device_id: r3.id, backup_type: 'running-config', schedule_cron: '0 * * * *' });
    await recordBackup(ctx, { deviceId: r3.id, configId: cfg3.id, text: 'hostname ox-r3\n', startedAt: new Date(), completedAt: new Date(), trigger: 'manual', driver: 'eos', durationMs: 1 });

    // bad lines: the whole sync is refused, every bad line named, nothing saved (ox-r1's new address neither)
    writeFileSync(path, 'ox-r1:192.0.2.101:ios:netkeep:pw-1\nox-r2:192.0.2.2:frobos::\nox r4:192.0.2.4:ios::\n');
    const bad = await syncSource(ctx, 'oxidized');
    expect(bad.status).toBe('refused');
    expect(bad.errors).toEqual([
      { line: 2, message: expect.stringContaining('model "frobos" has no netkeep driver') },
      { line: 3, message: expect.stringContaining('device name "ox r4" is not valid') },
    ]);
    expect(bad.message).toMatch(/2 bad lines in the source; nothing was saved/);
    expect((await device('ox-r1')).address).toBe('192.0.2.1');
    expect((await device('ox-r3')).orphaned_at).toBeNull();

    // ox-r3 removed from the file, ox-r1 changed: updated and orphaned
    writeFileSync(path, 'ox-r1:192.0.2.101:ios:netkeep:pw-2\nox-r2:192.0.2.2:junos::\n');
    const preview = await syncSource(ctx, 'oxidized', { dryRun: true });
    expect(preview.changes).toEqual([
      { action: 'update', device: 'ox-r1', line: 1, fields: ['address', 'credentials'] },
      { action: 'orphan', device: 'ox-r3' },
    ]);
    expect((await device('ox-r3')).orphaned_at).toBeNull();
    const gone = await syncSource(ctx, 'oxidized', { now: new Date('2030-01-01T10:00:00Z') });
    expect(gone).toMatchObject({ status: 'ok', updated: 1, orphaned: 1 });
    const o3 = await device('ox-r3');
    expect(o3.orphaned_at).not.toBeNull();
    expect((await device('ox-r1')).address).toBe('192.0.2.101');
    // history kept, device not deleted
    const hist = await t.db.selectFrom('backup_history').select('id').where('device_id', '=', r3.id).execute();
    expect(hist).toHaveLength(1);
    expect((await getSource(t.db, 'oxidized')).orphaned_count).toBe(1);
    // the device list can show just the orphans (and just the never-backed-up ones)
    expect((await listDevices(t.db, { status: 'orphaned' })).items.map((x) => x.name)).toEqual(['ox-r3']);
    expect((await listDevices(t.db, { status: 'never' })).items.map((x) => x.name)).not.toContain('ox-r3');
    await expect(listDevices(t.db, { status: 'gone' })).rejects.toMatchObject({ code: 'invalid_status' });

    // not backed up while orphaned: a pass leaves it out, the scheduler does not enqueue it
    const all = (await selectDevices(t.db, { all: true })).map((d) => d.name);
    expect(all).toContain('ox-r1');
    expect(all).not.toContain('ox-r3');
    await expect(selectDevices(t.db, { devices: ['ox-r3'] })).rejects.toThrow(/orphaned devices are not backed up/);
    const calls: EnqueueRequest[] = [];
    const enqueue = async (_c: unknown, req: EnqueueRequest) => (calls.push(req), { jobId: randomUUID() });
    const quiet = () => {};
    await runDueSchedules(ctx, { enqueue, now: () => new Date('2030-01-01T10:30:00Z'), log: quiet });
    await runDueSchedules(ctx, { enqueue, now: () => new Date('2030-01-01T11:00:01Z'), log: quiet });
    expect(calls.map((c) => c.configId)).toContain(cfg.id);
    expect(calls.map((c) => c.configId)).not.toContain(cfg3.id);

    // back in the file: restored, and scheduled again
    writeFileSync(path, 'ox-r1:192.0.2.101:ios:netkeep:pw-2\nox-r2:192.0.2.2:junos::\nox-r3:192.0.2.3:eos::\n');
    const back = await syncSource(ctx, 'oxidized');
    expect(back).toMatchObject({ status: 'ok', restored: 1, orphaned: 0 });
    expect(back.changes).toEqual([{ action: 'restore', device: 'ox-r3', line: 3 }]);
    expect((await device('ox-r3')).orphaned_at).toBeNull();
    expect((await device('ox-r3')).id).toBe(r3.id);
    calls.length = 0;
    await runDueSchedules(ctx, { enqueue, now: () => new Date('2030-01-01T11:30:00Z'), log: quiet });
    await runDueSchedules(ctx, { enqueue, now: () => new Date('2030-01-01T12:00:01Z'), log: quiet });
    expect(calls.map((c) => c.configId)).toContain(cfg3.id);

    // every run is logged, newest first, with its errors and changes
    const runs = await listSyncRuns(t.db, 'oxidized');
    expect(runs.items.map((r) => [r.status, r.dry_run])).toEqual([
      ['ok', false], ['ok', false], ['ok', true], ['refused', false], ['ok', false], ['ok', false], ['ok', true],
    ]);
    expect(runs.items[3]!.errors).toHaveLength(2);
  });

  it('RANCID router.db: both formats, up/down → enabled, orphan on removal; the source name is safe from other sources', async () => {
    const path = file('rancid-router.db', 'rc-core1;cisco;up\nrc-edge1;juniper;down;RMA\n');
    await createSource(t.db, ctx.keyring, { name: 'rancid', kind: 'rancid', config: { path } });
    expect(await syncSource(ctx, 'rancid')).toMatchObject({ status: 'ok', created: 2 });
    expect(await device('rc-core1')).toMatchObject({ driver: 'ios', enabled: true, source: 'rancid' });
    expect(await device('rc-edge1')).toMatchObject({ driver: 'junos', enabled: false });

    // the older colon format; edge1 comes back up
    writeFileSync(path, 'rc-core1:cisco:up\nrc-edge1:juniper:up\n');
    const r = await syncSource(ctx, 'rancid');
    expect(r.changes).toEqual([{ action: 'update', device: 'rc-edge1', line: 2, fields: ['enabled'] }]);
    expect((await device('rc-edge1')).enabled).toBe(true);

    // a bad state refuses everything
    writeFileSync(path, 'rc-core1;cisco;up\nrc-edge1;juniper;sideways\n');
    const bad = await syncSource(ctx, 'rancid');
    expect(bad).toMatchObject({ status: 'refused', errors: [{ line: 2, message: expect.stringMatching(/state "sideways"/) }] });

    // a device of another source with the same name is a conflict, not a takeover
    writeFileSync(path, 'rc-core1;cisco;up\nrc-edge1;juniper;up\nox-r1;cisco;up\n');
    const conflict = await syncSource(ctx, 'rancid');
    expect(conflict.status).toBe('refused');
    expect(conflict.errors).toEqual([{ line: 3, message: 'device "ox-r1" comes from source "oxidized"; a device belongs to one source — remove it from one of them' }]);

    // removed: orphaned, not deleted
    writeFileSync(path, 'rc-core1;cisco;up\n');
    expect(await syncSource(ctx, 'rancid')).toMatchObject({ status: 'ok', orphaned: 1 });
    expect((await device('rc-edge1')).orphaned_at).not.toBeNull();

    // an empty file would orphan everything: refused unless allow_empty
    writeFileSync(path, '# nothing\n');
    const empty = await syncSource(ctx, 'rancid');
    expect(empty.status).toBe('refused');
    expect(empty.message).toMatch(/lists no devices, which would orphan all 1 of its devices; nothing was saved/);
    expect((await device('rc-core1')).orphaned_at).toBeNull();
    await updateSource(t.db, ctx.keyring, 'rancid', { config: { path, allow_empty: true } });
    expect(await syncSource(ctx, 'rancid')).toMatchObject({ status: 'ok', orphaned: 1 });

    // a missing file: the run fails with the path and the fix, nothing changes
    await updateSource(t.db, ctx.keyring, 'rancid', { config: { path: join(dir, 'missing.db') } });
    const failed = await syncSource(ctx, 'rancid');
    expect(failed.status).toBe('failed');
    expect(failed.message).toMatch(/cannot read .*missing\.db for source "rancid": no such file; fix the path/);
  });

  it('CSV source: the CSV importer with adoption of an existing device, a default credential profile and orphaning', async () => {
    await createCredentialProfile(t.db, ctx.keyring, { name: 'csv-default', username: 'backup', password: 'x' });
    const manual = await createDevice(t.db, { name: 'csv-adopt', address: '192.0.2.50', driver: 'ios' });
    const path = file('devices.csv', 'name,address,driver,group\ncsv-adopt,192.0.2.50,ios,branch\ncsv-new,192.0.2.51,eos,branch\n');
    await createSource(t.db, ctx.keyring, { name: 'csv', kind: 'csv', config: { path, credential_profile: 'csv-default' } });
    const r = await syncSource(ctx, 'csv');
    expect(r).toMatchObject({ status: 'ok', created: 1, updated: 1 });
    expect(r.changes).toEqual([
      { action: 'update', device: 'csv-adopt', line: 2, fields: ['group', 'source'] },
      { action: 'create', device: 'csv-new', line: 3 },
    ]);
    expect(await device('csv-adopt')).toMatchObject({ id: manual.id, group: 'branch', source: 'csv', credential_profile: 'csv-default' });
    expect((await device('csv-new')).credential_profile).toBe('csv-default');

    writeFileSync(path, 'name,address,driver,group\ncsv-new,192.0.2.51,eos,branch\ncsv-bad,not an address,ios,branch\n');
    const bad = await syncSource(ctx, 'csv');
    expect(bad.errors).toEqual([{ line: 3, message: expect.stringMatching(/address "not an address" is neither an IP address nor a host name/) }]);
    expect((await device('csv-adopt')).orphaned_at).toBeNull();

    writeFileSync(path, 'name,address,driver,group\ncsv-new,192.0.2.51,eos,branch\n');
    expect(await syncSource(ctx, 'csv')).toMatchObject({ status: 'ok', orphaned: 1, changes: [{ action: 'orphan', device: 'csv-adopt' }] });

    // deleting the source keeps its devices (unlinked)
    await deleteSource(t.db, 'csv');
    expect(await device('csv-new')).toMatchObject({ source: 'csv' });
    const row = await t.db.selectFrom('devices').select(['source_id']).where('name', '=', 'csv-new').executeTakeFirstOrThrow();
    expect(row.source_id).toBeNull();
  });

  it('one-off imports of router.db files create and update but orphan nothing', async () => {
    const dry = await importSourceText(t.db, ctx.keyring, 'oxidized', 'once-1:ios\nonce-2:eos\n', { dryRun: true });
    expect(dry).toMatchObject({ status: 'ok', created: 2, dry_run: true });
    await expect(device('once-1')).rejects.toThrow(/no device/);
    expect(await importSourceText(t.db, ctx.keyring, 'oxidized', 'once-1:ios\nonce-2:eos\n')).toMatchObject({ created: 2 });
    const r = await importSourceText(t.db, ctx.keyring, 'oxidized', 'once-1:nxos\n');
    expect(r).toMatchObject({ status: 'ok', updated: 1, orphaned: 0 });
    expect((await device('once-2')).orphaned_at).toBeNull();
    const bad = await importSourceText(t.db, ctx.keyring, 'rancid', 'once-3;cisco;up\nonce-4;cisco;sleeping\n');
    expect(bad.status).toBe('refused');
    await expect(device('once-3')).rejects.toThrow(/no device/);
  });

  it('NetBox over HTTPS: token, pages, primary IPs, platforms, sites; changes, removal, rename and a bad platform', async () => {
    nb.state = 'initial';
    const src = await createSource(t.db, ctx.keyring, { name: 'netbox', kind: 'netbox', token: TOKEN, config: { url: nb.url, page_size: 3, tls: { ca: nb.ca } } });
    expect(src.has_token).toBe(true);
    expect(JSON.stringify(await getSource(t.db, 'netbox'))).not.toContain(TOKEN);
    const stored = await t.db.selectFrom('inventory_sources').select('secrets_enc').where('id', '=', src.id).executeTakeFirstOrThrow();
    expect(stored.secrets_enc).not.toContain(TOKEN);

    nb.requests.length = 0;
    const r = await syncSource(ctx, 'netbox');
    expect(r).toMatchObject({ status: 'ok', created: 4, records: 4 });
    expect(nb.requests).toEqual([
      { path: '/api/dcim/devices/?limit=3&offset=0', authorization: `Token ${TOKEN}` },
      { path: '/api/dcim/devices/?limit=3&offset=3', authorization: `Token ${TOKEN}` },
    ]);
    expect(r.skipped.map((s) => s.name)).toEqual(['fra-pdu-1', 'lab-old-1']);
    expect(await device('ams-core-1')).toMatchObject({ address: '192.0.2.11', driver: 'ios', group: 'Amsterdam DC1', site: 'Amsterdam DC1', tags: ['core'], source: 'netbox' });
    expect(await device('fra-sw-1')).toMatchObject({ address: '2001:db8:0:13::1', driver: 'eos' });
    const core = await device('ams-core-1');

    // 102 deleted, 103 decommissioning, 101 renamed: orphan two, rename one (same device, same history)
    nb.state = 'after-changes';
    const after = await syncSource(ctx, 'netbox');
    expect(after).toMatchObject({ status: 'ok', orphaned: 2, updated: 1 });
    expect(after.changes).toEqual([
      { action: 'update', device: 'ams-core-01', line: 1, fields: ['name'] },
      { action: 'orphan', device: 'ams-edge-1' },
      { action: 'orphan', device: 'fra-sw-1' },
    ]);
    expect((await device('ams-core-01')).id).toBe(core.id);
    expect((await device('ams-edge-1')).orphaned_at).not.toBeNull();

    // an unmapped platform refuses the sync and names the device; a platform_map fixes it
    nb.state = 'bad-platform';
    const bad = await syncSource(ctx, 'netbox');
    expect(bad.status).toBe('refused');
    expect(bad.errors).toEqual([{ line: 7, message: expect.stringMatching(/^NetBox device 107 "ber-widget-1": platform "acme-os" has no netkeep driver/) }]);
    expect((await device('ams-edge-1')).orphaned_at).not.toBeNull();
    await updateSource(t.db, ctx.keyring, 'netbox', { config: { url: nb.url, page_size: 3, tls: { ca: nb.ca }, platform_map: { 'acme-os': 'linuxgeneric' } } });
    const fixed = await syncSource(ctx, 'netbox');
    expect(fixed).toMatchObject({ status: 'ok', created: 1, restored: 2 });
    expect((await device('ams-core-1')).id).toBe(core.id);
    expect((await device('ber-widget-1')).driver).toBe('linuxgeneric');
  });

  it('NetBox: a wrong token, an untrusted certificate and a pinned fingerprint', async () => {
    nb.state = 'initial';
    await createSource(t.db, ctx.keyring, { name: 'nb-wrong', kind: 'netbox', token: 'not-the-token', config: { url: nb.url, page_size: 3, tls: { ca: nb.ca } } });
    const wrong = await syncSource(ctx, 'nb-wrong');
    expect(wrong.status).toBe('failed');
    expect(wrong.message).toMatch(/refused the API token \(HTTP 403\); create a read-only token in NetBox/);
    expect(wrong.message).not.toContain('not-the-token');

    await createSource(t.db, ctx.keyring, { name: 'nb-untrusted', kind: 'netbox', token: TOKEN, config: { url: nb.url, page_size: 3 } });
    const n = nb.requests.length;
    const untrusted = await syncSource(ctx, 'nb-untrusted');
    expect(untrusted.status).toBe('failed');
    expect(untrusted.message).toMatch(/TLS certificate refused: it is not signed by a trusted CA/);
    expect(nb.requests.length).toBe(n); // the token was never sent

    const self = await startNetbox(TOKEN, 'self-signed');
    try {
      self.state = 'initial';
      // only "planned" devices: lab-old-1, which no other source has
      await createSource(t.db, ctx.keyring, { name: 'nb-pinned', kind: 'netbox', token: TOKEN, config: { url: self.url, page_size: 3, statuses: ['planned'], tls: { fingerprint: self.fingerprint } } });
      const pinned = await syncSource(ctx, 'nb-pinned', { dryRun: true });
      expect(pinned).toMatchObject({ status: 'ok', records: 1, created: 1, changes: [{ action: 'create', device: 'lab-old-1', line: 5 }] });
      // a wrong pin: refused before the token is sent
      await updateSource(t.db, ctx.keyring, 'nb-pinned', { config: { url: self.url, page_size: 3, tls: { fingerprint: nb.fingerprint } } });
      const before = self.requests.length;
      const wrongPin = await syncSource(ctx, 'nb-pinned');
      expect(wrongPin.status).toBe('failed');
      expect(wrongPin.message).toMatch(/differs from the pinned/);
      expect(self.requests.length).toBe(before);
    } finally {
      await self.close();
    }
  });

  it('runs on a schedule through the scheduler tick (claimed once, next slot planned)', async () => {
    const path = file('sched.db', 'sched-1;cisco;up\n');
    await createSource(t.db, ctx.keyring, { name: 'sched', kind: 'rancid', config: { path }, schedule_cron: '*/15 * * * *' });
    const quiet = () => {};
    const plan = await runDueSourceSyncs(ctx, { now: new Date('2031-05-01T10:01:00Z'), log: quiet });
    expect(plan.ran.filter((x) => x.source === 'sched')).toEqual([]);
    expect((await getSource(t.db, 'sched')).next_run_at?.toISOString()).toBe('2031-05-01T10:15:00.000Z');
    await expect(device('sched-1')).rejects.toThrow(/no device/);
    // the backup scheduler's tick runs due source syncs too
    await runDueSchedules(ctx, { enqueue: async () => ({ jobId: randomUUID() }), now: () => new Date('2031-05-01T10:15:30Z'), log: quiet });
    expect((await device('sched-1')).source).toBe('rancid');
    const s = await getSource(t.db, 'sched');
    expect(s).toMatchObject({ last_status: 'ok' });
    expect(s.next_run_at?.toISOString()).toBe('2031-05-01T10:30:00.000Z');
    const runs = await listSyncRuns(t.db, 'sched');
    expect(runs.items.map((r) => r.trigger)).toEqual(['schedule']);
    // a second tick at the same time runs nothing more
    await runDueSourceSyncs(ctx, { now: new Date('2031-05-01T10:15:31Z'), log: quiet });
    expect((await listSyncRuns(t.db, 'sched')).total).toBe(1);
    // disabled: not run, slot cleared
    await updateSource(t.db, ctx.keyring, 'sched', { enabled: false });
    await runDueSourceSyncs(ctx, { now: new Date('2031-05-01T10:31:00Z'), log: quiet });
    expect((await listSyncRuns(t.db, 'sched')).total).toBe(1);
    expect((await getSource(t.db, 'sched')).next_run_at).toBeNull();
  });
});
