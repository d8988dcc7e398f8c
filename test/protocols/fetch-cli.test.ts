// `netkeep fetch --protocol snmp|rest|sftp|netconf` as a user runs it: the real CLI process against
// real snmpd, sshd and netconfd and the HTTPS vendor simulator, with one-line classified errors on failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveSnmpd, startSnmpd, type Snmpd } from '../setup/snmpd.ts';
import { haveSshd, startSshd, type SshdServer } from '../setup/sshd.ts';
import { haveNetconfd, startNetconfd } from '../setup/netconfd.ts';
import { DEFAULT_SIM_AUTH, simCerts, startRestSim } from '../../src/sim/rest/index.ts';

const BIN = join(import.meta.dirname, '../../bin/netkeep.js');

function netkeep(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!haveSnmpd() && !process.env.CI)('netkeep fetch --protocol snmp', () => {
  let snmpd: Snmpd;
  beforeAll(async () => {
    snmpd = await startSnmpd();
  });
  afterAll(async () => {
    await snmpd?.stop();
  });

  it('prints the sorted full-state document', async () => {
    const r = await netkeep(['fetch', '127.0.0.1', '--protocol', 'snmp', '--port', String(snmpd.port), '--opt', 'version=2c', '--opt', `community=${snmpd.community}`, '--opt', 'subtrees=system']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sysDescr(\.0)? = /m);
  });

  it('a wrong community is one classified line on stderr', async () => {
    const r = await netkeep(['fetch', '127.0.0.1', '--protocol', 'snmp', '--port', String(snmpd.port), '--opt', 'community=wrong-community', '--opt', 'timeout=500', '--opt', 'retries=0']);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^timeout: .*community/);
  });
});

describe('netkeep fetch --protocol rest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netkeep-rest-cli-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, simCerts().ca);

  it('fetches over HTTPS with the device CA, and refuses an unknown certificate with advice', async () => {
    const sim = await startRestSim({ vendor: 'eapi' });
    try {
      const base = ['fetch', '127.0.0.1', '--protocol', 'rest', '--model', 'eapi', '--port', String(sim.port), '--username', DEFAULT_SIM_AUTH.username];
      const ok = await netkeep([...base, '--ca', caFile], { NETKEEP_PASSWORD: DEFAULT_SIM_AUTH.password });
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^hostname /m);
      const refused = await netkeep(base, { NETKEEP_PASSWORD: DEFAULT_SIM_AUTH.password });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^protocol error: .*pin the fingerprint sha256\//);
      const insecure = await netkeep([...base, '--insecure'], { NETKEEP_PASSWORD: DEFAULT_SIM_AUTH.password });
      expect(insecure.code).toBe(0);
      expect(insecure.stderr).toMatch(/warning: the TLS certificate was not verified/);
    } finally {
      await sim.close();
    }
  });
});

describe.skipIf(!haveSshd() && !process.env.CI)('netkeep fetch --protocol sftp|netconf', () => {
  let sshd: SshdServer;
  let keyFile: string;
  beforeAll(async () => {
    sshd = await startSshd();
    keyFile = join(sshd.dir, 'client-key');
    writeFileSync(keyFile, sshd.clientKey, { mode: 0o600 });
    writeFileSync(join(sshd.dir, 'startup-config'), 'hostname r1\n');
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('copies named files into one document with a manifest, and names a missing file', async () => {
    const base = ['fetch', '127.0.0.1', '--protocol', 'sftp', '--port', String(sshd.port), '--username', sshd.user, '--key', keyFile];
    const ok = await netkeep([...base, '--opt', `paths=${join(sshd.dir, 'startup-config')}`]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('hostname r1');
    expect(ok.stdout).toContain(join(sshd.dir, 'startup-config'));
    const missing = await netkeep([...base, '--opt', `paths=${join(sshd.dir, 'no-such-file')}`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^command rejected: .*no-such-file/);
  });

  it.skipIf(!haveNetconfd() && !process.env.CI)('gets the running datastore as canonical XML from netconfd', async () => {
    const nc = await startNetconfd();
    try {
      const key = join(nc.dir, 'client-key');
      writeFileSync(key, nc.sshd.clientKey, { mode: 0o600 });
      const r = await netkeep(['fetch', '127.0.0.1', '--protocol', 'netconf', '--port', String(nc.port), '--username', nc.sshd.user, '--key', key, '--opt', 'datastore=running']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^<config xmlns="urn:ietf:params:xml:ns:netconf:base:1\.0">/);
    } finally {
      await nc.stop();
    }
  });
});
