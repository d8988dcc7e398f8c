import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonb } from '../../src/db/index.ts';
import { InputError } from '../../src/errors.ts';
import { createDevice, deleteDevice, getDevice, listDevices, updateDevice } from '../../src/inventory/devices.ts';
import { createGroup, deleteGroup, getGroup, listGroups, updateGroup } from '../../src/inventory/groups.ts';
import {
  createCredentialProfile,
  deleteCredentialProfile,
  getCredentialProfile,
  listCredentialProfiles,
  resolveCredentials,
  updateCredentialProfile,
} from '../../src/inventory/credentials.ts';
import { importDevices, parseDeviceCsv } from '../../src/inventory/csv.ts';
import { createBackupConfig, deleteBackupConfig, updateBackupConfig } from '../../src/inventory/backup-configs.ts';
import { testKeyring } from '../api/helpers.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';

async function inputError(p: Promise<unknown>, code: string, status?: number): Promise<InputError> {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err, `expected InputError ${code}`).toBeInstanceOf(InputError);
  expect((err as InputError).code).toBe(code);
  if (status) expect((err as InputError).status).toBe(status);
  return err as InputError;
}

describe('CSV parsing', () => {
  it('reads RFC 4180: BOM, CRLF, quotes, doubled quotes, commas and newlines inside quotes, any column order', () => {
    const text =
      '\uFEFFdriver,name,address,port,group,username,password,enable_password,tags\r\n' +
      'ios,r1,192.0.2.1,22,core,backup,"pa,ss""word",en1,a;b\r\n' +
      '\r\n' +
      '# a comment\r\n' +
      'junos,r2,r2.example.net,,,,,,\r\n' +
      'eos,"r3",2001:db8::3,830,"edge ""west""",netops,"multi\r\nline",,\r\n';
    const { rows, errors } = parseDeviceCsv(text);
    expect(errors).toEqual([]);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ line: 2, name: 'r1', address: '192.0.2.1', port: 22, driver: 'ios', group: 'core', username: 'backup', password: 'pa,ss"word', enable_password: 'en1', tags: ['a', 'b'] });
    expect(rows[1]).toMatchObject({ line: 5, name: 'r2', port: null, group: null, tags: [] });
    expect(rows[1]!.username).toBeUndefined();
    expect(rows[2]).toMatchObject({ line: 6, name: 'r3', group: 'edge "west"', password: 'multi\r\nline' });
  });

  it('reports every bad line by number, and unknown or missing columns on line 1', () => {
    expect(parseDeviceCsv('name,address,driver,colour\nr1,192.0.2.1,ios,red\n').errors).toEqual([{ line: 1, message: expect.stringContaining('unknown column "colour"') }]);
    expect(parseDeviceCsv('name,driver\nr1,ios\n').errors[0]).toMatchObject({ line: 1, message: expect.stringContaining('"address"') });
    expect(parseDeviceCsv('').errors[0]!.line).toBe(1);
    const { rows, errors } = parseDeviceCsv(
      ['name,address,port,driver,username,password', 'ok1,192.0.2.1,22,ios,,', 'bad port,192.0.2.2,99999,ios,,', 'r3,not an address!,,ios,,', 'r4,192.0.2.4,,nosuchdriver,,', 'r5,192.0.2.5,,ios,,secret', 'ok1,192.0.2.6,,ios,,', 'r7,192.0.2.7,ios', 'r8,"192.0.2.8,,ios,,'].join('\n'),
    );
    expect(rows).toEqual([]);
    const lines = errors.map((e) => e.line);
    expect(lines).toEqual([3, 3, 4, 5, 6, 7, 8, 9]);
    expect(errors.find((e) => e.line === 5)!.message).toContain('netkeep drivers');
    expect(errors.find((e) => e.line === 6)!.message).toContain('no username');
    expect(errors.find((e) => e.line === 7)!.message).toContain('also on line 2');
    expect(errors.find((e) => e.line === 8)!.message).toContain('3 fields but the header has 6');
    expect(errors.find((e) => e.line === 9)!.message).toContain('not closed');
  });
});

describe.each(backends())('inventory services on %s', (backend) => {
  let t: TestDb;
  const keyring = testKeyring();
  beforeAll(async () => {
    t = await freshDb(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates, reads, lists, renames and deletes groups', async () => {
    const g = await createGroup(t.db, { name: 'core', description: 'core routers', options: { timeout: 30 } });
    expect(g).toMatchObject({ name: 'core', device_count: 0, options: { timeout: 30 } });
    await inputError(createGroup(t.db, { name: 'core' }), 'group_name_taken', 409);
    await inputError(createGroup(t.db, { name: 'a/b' }), 'invalid_group_name', 400);
    expect((await getGroup(t.db, g.id)).name).toBe('core');
    await createGroup(t.db, { name: 'edge' });
    expect(await listGroups(t.db, { limit: 1 })).toMatchObject({ total: 2, items: [{ name: 'core' }] });
    expect((await listGroups(t.db, { q: 'dg' })).items.map((x) => x.name)).toEqual(['edge']);
    expect((await updateGroup(t.db, 'edge', { name: 'edge2' })).name).toBe('edge2');
    await inputError(updateGroup(t.db, 'edge2', { name: 'core' }), 'group_name_taken', 409);
    await deleteGroup(t.db, 'edge2');
    await inputError(getGroup(t.db, 'edge2'), 'group_not_found', 404);
  });

  it('keeps credential secrets encrypted and write-only; resolves them for the engine', async () => {
    const p = await createCredentialProfile(t.db, keyring, { name: 'lab', username: 'backup', password: 's3cret-pass', enable_password: 'en-able' });
    expect(p).toMatchObject({ name: 'lab', username: 'backup', has_password: true, has_enable_password: true, has_private_key: false });
    expect(JSON.stringify(p)).not.toContain('s3cret');
    const row = await t.db.selectFrom('credential_profiles').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow();
    expect(row.password_enc).toMatch(/^v1:/);
    expect(row.password_enc).not.toContain('s3cret');
    expect(await resolveCredentials(t.db, keyring, p.id)).toEqual({ username: 'backup', password: 's3cret-pass', enablePassword: 'en-able', privateKey: null, passphrase: null });
    const u = await updateCredentialProfile(t.db, keyring, 'lab', { enable_password: null, private_key: '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n' });
    expect(u).toMatchObject({ has_password: true, has_enable_password: false, has_private_key: true });
    expect((await resolveCredentials(t.db, keyring, p.id)).password).toBe('s3cret-pass');
    await inputError(createCredentialProfile(t.db, keyring, { name: 'lab' }), 'credential_profile_name_taken', 409);
    expect((await listCredentialProfiles(t.db)).total).toBe(1);
    await inputError(resolveCredentials(t.db, keyring, 'nope'), 'credential_profile_not_found', 404);
  });

  it('creates devices with validated fields and references by name, lists, sorts, searches and updates them', async () => {
    const d = await createDevice(t.db, { name: 'r1', address: '192.0.2.1', driver: 'IOS', group: 'core', credential_profile: 'lab', tags: ['a', 'a', 'b'] });
    expect(d).toMatchObject({ name: 'r1', driver: 'ios', protocol: 'ssh', group: 'core', credential_profile: 'lab', tags: ['a', 'b'], enabled: true, source: 'manual' });
    await inputError(createDevice(t.db, { name: 'r1', address: '192.0.2.1', driver: 'ios' }), 'device_name_taken', 409);
    await inputError(createDevice(t.db, { name: 'x', address: 'bad address', driver: 'ios' }), 'invalid_address', 400);
    await inputError(createDevice(t.db, { name: 'x', address: '192.0.2.1', driver: 'nosuch' }), 'unknown_driver', 400);
    await inputError(createDevice(t.db, { name: 'x', address: '192.0.2.1', driver: 'ios', port: 70000 }), 'invalid_port', 400);
    await inputError(createDevice(t.db, { name: 'x', address: '192.0.2.1', driver: 'ios', protocol: 'ftp' }), 'invalid_protocol', 400);
    await inputError(createDevice(t.db, { name: 'x', address: '192.0.2.1', driver: 'ios', group: 'nope' }), 'group_not_found', 400);
    await inputError(createDevice(t.db, { name: '../x', address: '192.0.2.1', driver: 'ios' }), 'invalid_device_name', 400);
    await createDevice(t.db, { name: 'sw2', address: 'sw2.example.net', driver: 'eos', site: 'berlin', port: 2222 });
    await createDevice(t.db, { name: 'fw3', address: '2001:db8::3', driver: 'junos', group: 'core' });
    expect((await listDevices(t.db)).items.map((x) => x.name)).toEqual(['fw3', 'r1', 'sw2']);
    expect((await listDevices(t.db, { sort: 'address', order: 'desc' })).items.map((x) => x.name)).toEqual(['sw2', 'fw3', 'r1']);
    expect(await listDevices(t.db, { group: 'core', limit: 1, offset: 1 })).toMatchObject({ total: 2, items: [{ name: 'r1' }] });
    expect((await listDevices(t.db, { q: 'BERL' })).items.map((x) => x.name)).toEqual(['sw2']);
    expect((await listDevices(t.db, { q: '%' })).total).toBe(0);
    expect(await listDevices(t.db, { group: 'nope' })).toEqual({ items: [], total: 0 });
    const u = await updateDevice(t.db, 'sw2', { enabled: false, group: 'core', port: null });
    expect(u).toMatchObject({ enabled: false, group: 'core', port: null, site: 'berlin' });
    expect((await getDevice(t.db, u.id)).name).toBe('sw2');
    await inputError(updateDevice(t.db, 'sw2', { name: 'r1' }), 'device_name_taken', 409);
    await inputError(getDevice(t.db, '00000000-0000-0000-0000-000000000000'), 'device_not_found', 404);
    await inputError(deleteGroup(t.db, 'core'), 'group_not_empty', 409);
    await inputError(deleteCredentialProfile(t.db, 'lab'), 'credential_profile_in_use', 409);
    expect((await getCredentialProfile(t.db, 'lab')).device_count).toBe(1);
  });

  it('validates backup configurations and refuses to delete history with a device', async () => {
    const c = await createBackupConfig(t.db, { device_id: 'r1', backup_type: 'running-config', schedule_cron: 'daily', schedule_timezone: 'Europe/Berlin' });
    expect(c).toMatchObject({ device_name: 'r1', protocol: 'ssh', schedule_cron: '@daily', retention_days: 30, enabled: true });
    await inputError(createBackupConfig(t.db, { device_id: 'r1', backup_type: 'everything' }), 'invalid_backup_type', 400);
    await inputError(createBackupConfig(t.db, { device_id: 'r1', backup_type: 'full-state', schedule_cron: '0 2 * *' }), 'invalid_schedule', 400);
    await inputError(createBackupConfig(t.db, { device_id: 'r1', backup_type: 'full-state', schedule_cron: '0 25 * * *' }), 'invalid_schedule', 400);
    await inputError(createBackupConfig(t.db, { device_id: 'r1', backup_type: 'full-state', schedule_timezone: 'Mars/Olympus' }), 'invalid_timezone', 400);
    await inputError(createBackupConfig(t.db, { device_id: 'r1', backup_type: 'full-state', retention_days: 0 }), 'invalid_retention', 400);
    await inputError(createBackupConfig(t.db, { device_id: 'ghost', backup_type: 'full-state' }), 'device_not_found', 400);
    expect((await updateBackupConfig(t.db, c.id, { schedule_cron: '*/15 * * * 1-5', retention_days: 90 })).schedule_cron).toBe('*/15 * * * 1-5');

    const d = await getDevice(t.db, 'r1');
    const now = Date.now();
    for (const [i, status] of ['success', 'failure', 'success'].entries()) {
      await t.db
        .insertInto('backup_history')
        .values({ config_id: c.id, device_id: d.id, status, file_path: `blob/${i}`, file_size: 100 + i, checksum: String(i).repeat(64), started_at: new Date(now + i * 1000), completed_at: new Date(now + i * 1000 + 500) })
        .execute();
    }
    const e = await inputError(deleteDevice(t.db, 'r1'), 'device_has_history', 409);
    expect(e.message).toContain('disable it instead');
    await inputError(deleteBackupConfig(t.db, c.id), 'config_has_history', 409);
    expect((await getDevice(t.db, 'r1')).name).toBe('r1');
    // a device without history goes, with its backup configurations
    await createBackupConfig(t.db, { device_id: 'fw3', backup_type: 'running-config' });
    await deleteDevice(t.db, 'fw3');
    await inputError(getDevice(t.db, 'fw3'), 'device_not_found', 404);
  });

  it('imports CSV in one transaction: creates, updates, reuses profiles, creates groups; dry run and bad rows write nothing', async () => {
    const csv = [
      'name,address,port,driver,group,username,password,enable_password,site',
      'c1,192.0.2.11,,ios,csv-group,backup,pw-one,,lab',
      'c2,192.0.2.12,22,ios,csv-group,backup,pw-one,,lab',
      'c3,192.0.2.13,,eos,,netops,pw-two,en,lab',
      'sw2,192.0.2.99,,eos,,,,,berlin',
    ].join('\n');
    const parsed = parseDeviceCsv(csv);
    expect(parsed.errors).toEqual([]);
    const before = (await listDevices(t.db)).total;
    const dry = await importDevices(t.db, keyring, parsed.rows, { dryRun: true });
    expect(dry).toMatchObject({ created: 3, updated: 1, profilesCreated: 2, groupsCreated: 1, dryRun: true });
    expect((await listDevices(t.db)).total).toBe(before);
    expect((await listGroups(t.db, { q: 'csv' })).total).toBe(0);

    const r = await importDevices(t.db, keyring, parsed.rows);
    expect(r).toEqual({ created: 3, updated: 1, unchanged: 0, profilesCreated: 2, groupsCreated: 1, dryRun: false });
    const c1 = await getDevice(t.db, 'c1');
    const c2 = await getDevice(t.db, 'c2');
    expect(c1.credential_profile).toBe('csv-backup');
    expect(c2.credential_profile_id).toBe(c1.credential_profile_id);
    expect(c1).toMatchObject({ group: 'csv-group', source: 'csv', site: 'lab' });
    expect(await resolveCredentials(t.db, keyring, (await getDevice(t.db, 'c3')).credential_profile_id!)).toMatchObject({ username: 'netops', password: 'pw-two', enablePassword: 'en' });
    expect(await getDevice(t.db, 'sw2')).toMatchObject({ address: '192.0.2.99', driver: 'eos', source: 'manual', site: 'berlin' });

    // same file again: nothing changes; a changed password makes a new profile with a suffix
    expect(await importDevices(t.db, keyring, parsed.rows)).toMatchObject({ created: 0, updated: 0, unchanged: 4, profilesCreated: 0 });
    const changed = parseDeviceCsv('name,address,driver,username,password\nc1,192.0.2.11,ios,backup,pw-new\n');
    expect(await importDevices(t.db, keyring, changed.rows)).toMatchObject({ updated: 1, profilesCreated: 1 });
    expect((await getDevice(t.db, 'c1')).credential_profile).toBe('csv-backup-2');

    // a row that fails inside the transaction (a name that a group reference cannot take) rolls back all rows
    await t.db.insertInto('device_groups').values({ name: 'g-x', options: jsonb({}), updated_at: new Date() }).execute();
    const rows = parseDeviceCsv('name,address,driver,group\nn1,192.0.2.21,ios,new-group\nsw2,192.0.2.22,ios,g-x\nn3,192.0.2.23,ios,\n').rows;
    rows[1]!.port = 0; // invalid after parsing: the service refuses it on line 3
    const e = await inputError(importDevices(t.db, keyring, rows), 'invalid_port', 400);
    expect(e.message).toMatch(/^line 3: .*nothing was imported$/);
    await inputError(getDevice(t.db, 'n1'), 'device_not_found', 404);
    expect((await listGroups(t.db, { q: 'new-group' })).total).toBe(0);
  });
});
