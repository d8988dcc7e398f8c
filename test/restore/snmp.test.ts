// Restore over SNMP (CISCO-CONFIG-COPY-MIB) through the API, against the simulated Cisco agent
// with netkeep's own TFTP server, on both database back-ends: the dry run says merge and shows
// the file and the copy steps; execute has the device copy it into its running config and
// verifies by copying it back; a full-state walk and a replace are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/run.ts';
import { createBackupConfig } from '../../src/inventory/backup-configs.ts';
import { createDevice } from '../../src/inventory/devices.ts';
import { startSimCiscoAgent, type SimCiscoAgent } from '../../src/sim/snmp-cisco.ts';
import { backends } from '../helpers/db.ts';
import { body, expectProblem, startServer, type TestServer } from '../api/helpers.ts';
import { freeUdpPort } from '../setup/snmpd.ts';

const RUNNING = ['!', 'version 15.7', 'hostname sim-cisco', '!', ...Array.from({ length: 40 }, (_, i) => `interface GigabitEthernet0/${i}\n description link ${i}\n no shutdown\n!`), 'ntp server 192.0.2.123', 'end', ''].join('\n');

describe.each(backends())('restore over SNMP config copy through the API on %s', (backend) => {
  let s: TestServer;
  let sim: SimCiscoAgent;
  let deviceId: string;
  let v1: string;
  let tftpPort: number;
  const restore = (id: string, payload: Record<string, unknown> = {}) => s.as('operator', { method: 'POST', url: `/api/v1/backups/history/${id}/restore`, payload });

  beforeAll(async () => {
    s = await startServer(backend);
    tftpPort = await freeUdpPort();
    sim = await startSimCiscoAgent({ runningConfig: RUNNING, tftpPort, tftpTimeoutMs: 1500 });
    const snmp = { community: 'private', timeout: 1000, configCopy: { method: 'tftp', bindAddress: '127.0.0.1', port: tftpPort, pollMs: 50, deadlineMs: 5000 } };
    // no credential profile: SNMP takes its community from the options
    const d = await createDevice(s.t.db, { name: 'cisco-snmp', address: '127.0.0.1', port: sim.port, driver: 'ios', protocol: 'snmp', options: { snmp } });
    deviceId = d.id;
    const r = await runBackup(s.ctx, { deviceId, trigger: 'api' });
    if (r.status !== 'success') throw new Error(JSON.stringify(r));
    v1 = r.historyId;
  }, 60_000);
  afterAll(async () => {
    await sim?.close();
    await s?.close();
  });

  it('dry run: merge, the file and the copy steps, nothing copied; execute copies it into the running config and verifies', async () => {
    sim.runningConfig = RUNNING.replace('hostname sim-cisco', 'hostname changed-by-hand').replace('ntp server 192.0.2.123', 'ntp server 198.51.100.1');
    const copies = sim.copies.length;
    const d = body(await restore(v1));
    expect(d).toMatchObject({ dry_run: true, method: 'merge', identical: false });
    expect(d.method_description).toMatch(/^merge — over SNMP \(CISCO-CONFIG-COPY-MIB\)/);
    expect(d.payload.kind).toBe('file');
    expect(d.payload.text).toBe(RUNNING);
    expect(d.payload.steps.join('\n')).toMatch(new RegExp(`TFTP server 127\\.0\\.0\\.1:${tftpPort}[\\s\\S]*destination runningConfig`));
    expect(d.diff.unified).toMatch(/^-hostname changed-by-hand$/m);
    expect(d.diff.unified).toMatch(/^\+hostname sim-cisco$/m);
    expect(sim.copies.slice(copies).every((c) => c.dest === 1)).toBe(true); // only copies *from* the device (the live fetch)
    expectProblem(await restore(v1, { method: 'replace' }), 400, 'method_unsupported');

    const e = body(await restore(v1, { execute: true, confirm_token: d.confirm_token }));
    expect(e).toMatchObject({ status: 'success', verified: true, method: 'merge' });
    expect(e.message).toMatch(/SNMP config copy into the running config; copied back and compared/);
    expect(sim.runningConfig).toBe(RUNNING);
    expect(sim.copies.some((c) => c.source === 1 && c.dest === 4 && c.state === 3)).toBe(true); // network file → running-config, successful
    const after = body(await s.as('viewer', { url: `/api/v1/backups/history/${e.history_id_after}` }));
    expect(after.checksum).toBe(body(await s.as('viewer', { url: `/api/v1/backups/history/${v1}` })).checksum);
  });

  it('a full-state walk is no configuration: refused (409) before anything is sent', async () => {
    const cfg = await createBackupConfig(s.t.db, { device_id: deviceId, backup_type: 'full-state', protocol: 'snmp', options: { snmp: { community: 'private', timeout: 1000, backupType: 'full-state', subtrees: ['system'] } } });
    const r = await runBackup(s.ctx, { deviceId, configId: cfg.id, trigger: 'api' });
    expect(r, JSON.stringify(r)).toMatchObject({ status: 'success' });
    const copies = sim.copies.length;
    const p = expectProblem(await restore(r.historyId), 409, 'version_not_restorable');
    expect(p.detail).toMatch(/full-state walk .* not a configuration/);
    expect(sim.copies.length).toBe(copies);
  });
});
