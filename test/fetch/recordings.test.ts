// Every recording that has a driver, served by the simulator's SSH server (one port per
// device, like a real device) and fetched through fetchConfig over real SSH, must give
// Oxidized's expected output byte for byte. One recording also over Telnet.
// (The engine's in-memory replay of the same recordings is tested in test/drivers/.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchConfig } from '../../src/backup/fetch.ts';
import { findDriver } from '../../src/drivers/index.ts';
import { SimSshServer, generateHostKey } from '../../src/sim/server-ssh.ts';
import { SimTelnetServer } from '../../src/sim/server-telnet.ts';
import { RecordingDevice, loadRecording } from '../../src/sim/recording.ts';
import { listCases } from '../drivers/harness.ts';
import type { Case } from '../drivers/harness.ts';

// every recording with a driver runs; apcaos also copies config.ini by SCP over the same SSH connection
const cases = listCases().filter((c) => findDriver(c.model));

let ssh: SimSshServer;
const clientKey = generateHostKey('ed25519');
const ports = new Map<string, number>();
const devices = new Map<string, RecordingDevice>();

beforeAll(async () => {
  ssh = new SimSshServer({ mode: 'port' });
  for (const c of cases) {
    const dev = new RecordingDevice(loadRecording(c.simFile), { execMode: c.execMode });
    devices.set(c.name, dev);
    ports.set(c.name, await ssh.addDevice(dev));
  }
});
afterAll(async () => {
  await ssh?.close();
});

function fetchOver(c: Case, protocol: 'ssh' | 'telnet', port: number) {
  return fetchConfig({
    host: '127.0.0.1',
    port,
    protocol,
    driver: c.model,
    // Oxidized replays with no password (drivers that reuse it, e.g. eatonnetwork's
    // `save_configuration -p `, depend on that): log in with a key; the recorded devices
    // accept any. Telnet needs a password for its login dialogue.
    credentials: { username: 'netkeep', ...(protocol === 'ssh' ? { privateKey: clientKey.privateKey } : { password: 'netkeep' }), ...c.credentials },
    vars: c.vars,
    hostKey: { pinned: ssh.hostKeyOf() },
    timeouts: { connectMs: 5000, idleMs: 3000, sessionMs: 20_000 },
  });
}

describe('recordings over real SSH', () => {
  it('covers the recordings that have a driver', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });
  for (const c of cases) {
    it(`${c.name}${c.custom ? ' (custom)' : ''}`, async () => {
      const r = await fetchOver(c, 'ssh', ports.get(c.name)!);
      expect(r.config).toBe(c.expected());
      // the device really answered over the wire (shell: one session; exec: one per command)
      const answered = devices.get(c.name)!.sessions.reduce((n, s) => n + s.answered.length, 0);
      expect(answered).toBeGreaterThanOrEqual(1);
    });
  }
});

describe('a recording over Telnet', () => {
  let telnet: SimTelnetServer;
  const c = cases.find((x) => x.name === 'ios#C9200L-24P-4G_17.09.04a')!;
  let port = 0;
  beforeAll(async () => {
    telnet = new SimTelnetServer({ mode: 'port' });
    port = await telnet.addDevice(new RecordingDevice(loadRecording(c.simFile)));
  });
  afterAll(async () => {
    await telnet?.close();
  });
  it(`${c.name} over telnet`, async () => {
    const r = await fetchOver(c, 'telnet', port);
    expect(r.config).toBe(c.expected());
  });
});

describe('SCP file copy and SSH without a secret', () => {
  it('copies a file by SCP, and a missing file fails with command_rejected', async () => {
    const { connect } = await import('../../src/transports/index.ts');
    const port = ports.get(listCases().find((c) => c.model === 'apcaos')!.name)!;
    const conn = await connect({ host: '127.0.0.1', port, protocol: 'ssh', credentials: { username: 'apc', password: 'x' }, hostKey: { acceptAny: true } });
    try {
      expect((await conn.download!('config.ini', 5000)).length).toBeGreaterThan(500);
      const err = await conn.download!('no-such.ini', 5000).catch((e: unknown) => e);
      expect(err).toMatchObject({ failureClass: 'command_rejected' });
      expect((err as Error).message).toMatch(/no-such\.ini.*No such file/);
    } finally {
      conn.close();
    }
  });

  it('tries SSH "none" authentication without a secret, and says what is missing when refused', async () => {
    const c = listCases().find((x) => x.model === 'eatonnetwork')!;
    const r = await fetchConfig({ host: '127.0.0.1', port: ports.get(c.name)!, protocol: 'ssh', driver: c.model, credentials: { username: 'admin' }, hostKey: { acceptAny: true } });
    expect(r.config).toBe(c.expected());
    const locked = new SimSshServer({ mode: 'port' });
    const port = await locked.addDevice(new RecordingDevice(loadRecording(c.simFile), { execMode: true, auth: { password: 'secret' } }));
    try {
      const err = await fetchConfig({ host: '127.0.0.1', port, protocol: 'ssh', driver: c.model, credentials: { username: 'admin' }, hostKey: { acceptAny: true } }).catch((e: unknown) => e);
      expect(err).toMatchObject({ failureClass: 'auth_failed' });
      expect((err as Error).message).toMatch(/wants a password or a key and none is configured/);
    } finally {
      await locked.close();
    }
  });
});
