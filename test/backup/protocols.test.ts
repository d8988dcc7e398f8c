// The backup runner takes the protocol from the backup configuration: one device can be backed
// up over SSH (running-config) and over SFTP or SNMP (files, full state), each with its own
// history; settings layer group → device → backup configuration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppContext } from '../../src/context.ts';
import { runBackup } from '../../src/backup/run.ts';
import { createBackupConfig } from '../../src/inventory/backup-configs.ts';
import { createCredentialProfile } from '../../src/inventory/credentials.ts';
import { createDevice } from '../../src/inventory/devices.ts';
import { createGroup } from '../../src/inventory/groups.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { jsonb } from '../../src/db/index.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { haveSnmpd, startSnmpd, type Snmpd } from '../setup/snmpd.ts';
import { haveSshd, startSshd, type SshdServer } from '../setup/sshd.ts';
import { cleanupDirs, seedFleet, tempDir, testKeyring } from './helpers.ts';

describe.skipIf((!haveSshd() || !haveSnmpd()) && !process.env.CI).each(backends())('backups over other protocols on %s', (backend) => {
  let t: TestDb;
  let ctx: AppContext;
  let sshd: SshdServer;
  let snmpd: Snmpd;
  beforeAll(async () => {
    t = await freshDb(backend);
    const dataDir = tempDir();
    ctx = { ndb: t, db: t.db, keyring: testKeyring(dataDir), dataDir, close: async () => {} };
    sshd = await startSshd();
    snmpd = await startSnmpd();
  });
  afterAll(async () => {
    await sshd?.stop();
    await snmpd?.stop();
    await t?.close();
    cleanupDirs();
  });

  it('backs up files over SFTP as configured on the backup configuration, pinning the host key on first use', async () => {
    const file = join(sshd.dir, 'frr.conf');
    writeFileSync(file, 'hostname edge-1\nrouter bgp 64512\n');
    await createCredentialProfile(t.db, ctx.keyring, { name: 'linux-key', username: sshd.user, private_key: sshd.clientKey });
    const d = await createDevice(t.db, { name: 'linux-1', address: '127.0.0.1', port: sshd.port, driver: 'linuxgeneric', credential_profile: 'linux-key' });
    const cfg = await createBackupConfig(t.db, { device_id: d.id, backup_type: 'full-state', protocol: 'sftp', options: { sftp: { paths: [file] } } });
    const r1 = await runBackup(ctx, { deviceId: d.id, configId: cfg.id, trigger: 'manual' });
    expect(r1).toMatchObject({ status: 'success', changed: true });
    const row = await t.db.selectFrom('devices').select('host_key').where('id', '=', d.id).executeTakeFirstOrThrow();
    expect(row.host_key).toBe(sshd.hostKey);
    const r2 = await runBackup(ctx, { deviceId: d.id, configId: cfg.id, trigger: 'manual' });
    expect(r2).toMatchObject({ status: 'success', changed: false });
    writeFileSync(file, 'hostname edge-1\nrouter bgp 64513\n');
    expect(await runBackup(ctx, { deviceId: d.id, configId: cfg.id, trigger: 'manual' })).toMatchObject({ status: 'success', changed: true, significant: true });
  });

  it('backs up SNMP full state without a credential profile; a second walk is not a significant change', async () => {
    const d = await createDevice(t.db, { name: 'snmp-1', address: '127.0.0.1', port: snmpd.port, driver: 'ios' });
    const cfg = await createBackupConfig(t.db, { device_id: d.id, backup_type: 'full-state', protocol: 'snmp', options: { snmp: { version: '2c', community: snmpd.community, subtrees: ['system'] } } });
    expect(await runBackup(ctx, { deviceId: d.id, configId: cfg.id, trigger: 'manual' })).toMatchObject({ status: 'success' });
    const again = await runBackup(ctx, { deviceId: d.id, configId: cfg.id, trigger: 'manual' });
    expect(again).toMatchObject({ status: 'success', significant: false });
  });
});

describe.each(backends())('settings layered group → device on %s', (backend) => {
  let t: TestDb;
  let ctx: AppContext;
  let fleet: Fleet;
  beforeAll(async () => {
    t = await freshDb(backend);
    const dataDir = tempDir();
    ctx = { ndb: t, db: t.db, keyring: testKeyring(dataDir), dataDir, close: async () => {} };
    fleet = await startFleet({ count: 2, configLines: 50, latencyMs: 400 });
  });
  afterAll(async () => {
    await fleet?.close();
    await t?.close();
    cleanupDirs();
  });

  it("a group's idle timeout applies to its devices unless the device sets its own", async () => {
    await createGroup(t.db, { name: 'slow-net', options: { timeouts: { idleMs: 150 } } });
    const ids = await seedFleet(t.db, ctx.keyring, fleet, { group: 'slow-net' });
    const [a, b] = [...ids.values()];
    const strict = await runBackup(ctx, { deviceId: a!, trigger: 'manual' });
    expect(strict).toMatchObject({ status: 'failure', failureClass: 'timeout' });
    await t.db.updateTable('devices').set({ options: jsonb({ timeouts: { idleMs: 5000 } }) }).where('id', '=', b!).execute();
    expect(await runBackup(ctx, { deviceId: b!, trigger: 'manual' })).toMatchObject({ status: 'success' });
  });
});
